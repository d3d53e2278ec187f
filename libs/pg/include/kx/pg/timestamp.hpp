#pragma once
// Timestamps as the API shows them, formatted from PostgreSQL's own output instead of with
// to_char() in SQL: on the call list the four to_char() calls per row were a tenth of
// PostgreSQL's time. Pool connections run with TimeZone UTC and DateStyle ISO, so a timestamptz
// column arrives as "2026-11-30 08:42:34.5+00" (the fraction without trailing zeros, absent
// when zero).

#include <optional>
#include <string>
#include <string_view>

namespace kx::pg {

/// "2026-11-30 08:42:34.5+00" → "2026-11-30T08:42:34.500Z" (fraction_digits 3) or
/// "2026-11-30T08:42:34.500000Z" (6): ISO 8601 in UTC with exactly that many fraction digits,
/// further digits cut off as to_char's MS and US do. Throws std::invalid_argument for anything
/// but a UTC timestamp in that format (another session time zone, 'infinity', years past 9999).
std::string iso_utc(std::string_view timestamptz, int fraction_digits = 3);

/// The same for a nullable column.
std::optional<std::string> iso_utc_nullable(const std::optional<std::string>& timestamptz,
                                            int fraction_digits = 3);

}  // namespace kx::pg
