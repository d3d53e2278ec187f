#pragma once
// Text folded for matching words people type or say against keywords: business types in the
// agent service, spoken dates and times in integrations. Plain function, thread-safe.

#include <string>
#include <string_view>

namespace kx::text {

/// Text folded for matching: lower case, German umlauts and ß spelled out (ä → ae, ß → ss),
/// other Latin-1 accents dropped (é → e). The one place where case is folded. Characters
/// outside Latin-1 are kept as they are.
std::string fold_for_matching(std::string_view text);

}  // namespace kx::text
