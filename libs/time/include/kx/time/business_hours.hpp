#pragma once
// Business hours: the weekdays and the HH:MM window in which an owner's line is staffed, read in
// the owner's zone, and their text forms in events and settings ("mon,tue", "09:00").

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "kx/time/zone.hpp"

namespace kx::time {

/// A window whose end is not after its start runs past midnight (22:00-06:00 belongs to the day
/// it starts); start == end means the whole day.
struct BusinessHours {
  std::array<bool, 7> days{};  ///< Monday first
  int start_minutes = 9 * 60;
  int end_minutes = 17 * 60;
};

/// Whether `now` (a wall-clock reading in the owner's zone) lies within the hours.
bool within_business_hours(const BusinessHours& hours, const LocalTime& now);
/// The same for an instant, read in `zone`. Thread-safe.
bool within_business_hours(const BusinessHours& hours, const Zone& zone, Clock::time_point t);

/// "HH:MM" (00:00-23:59) as minutes since midnight.
std::optional<int> parse_clock(std::string_view hh_mm);
/// "mon".."sun" as 0..6 (Monday first, the index into BusinessHours::days).
std::optional<int> parse_weekday(std::string_view day);
/// The index into BusinessHours::days of a weekday (Monday 0 ... Sunday 6).
inline std::size_t day_index(std::chrono::weekday d) {
  return d.iso_encoding() - 1;
}
/// The weekdays as events list them ("mon,tue,..."), and back (unknown names are skipped).
std::string days_to_string(const std::array<bool, 7>& days);
std::array<bool, 7> days_from_string(std::string_view csv);

}  // namespace kx::time
