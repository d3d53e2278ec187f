#pragma once
// TEMPORARY (lead)
#include <string_view>
namespace kx::agent { struct Voice { const char* id; }; const Voice* find_voice(std::string_view id); }
