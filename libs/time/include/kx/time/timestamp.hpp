#pragma once
// Reading timestamps as providers and our events write them (RFC 3339).

#include <optional>
#include <string_view>

#include "kx/time/zone.hpp"

namespace kx::time {

/// "2026-01-01T08:00:02.5Z", "…+01:00" or "…-0030": the instant, with up to nine fraction
/// digits. Refuses anything else, impossible dates and years outside 1970–2200 (the clock's
/// nanosecond time_point ends in 2262).
std::optional<Clock::time_point> parse_timestamp(std::string_view text);

}  // namespace kx::time
