#pragma once
// Free appointment times: an agent's opening hours on a local day in its zone, cut into slots of
// the owner's appointment duration, minus what the calendar reports busy, minus the past. Pure
// (no I/O), so availability is tested across the daylight-saving switches and midnight without
// a calendar.

#include <array>
#include <chrono>
#include <optional>
#include <vector>

#include "kx/time/zone.hpp"
#include "spoken_time.hpp"

namespace kx::integrations {

/// One opening window, minutes since local midnight; end > start (a window never crosses
/// midnight: the agent's definition keeps them within a day).
struct Window {
  int start = 0;
  int end = 0;
};

/// Opening windows per weekday, Monday first; an empty day is closed.
using OpeningHours = std::array<std::vector<Window>, 7>;

/// A busy span from the calendar, [begin, end).
struct Busy {
  time::Clock::time_point begin;
  time::Clock::time_point end;
};

/// The local hours each day part covers, [start, end) in minutes: morning 06:00–12:00, midday
/// 11:30–14:00, afternoon 13:00–18:00, evening 17:00–22:00, any the whole day.
Window day_part_window(DayPart part);

/// What free_slots and the checks below read; `zone` and `hours` must be set.
struct SlotRules {
  const time::Zone* zone = nullptr;
  const OpeningHours* hours = nullptr;
  std::chrono::minutes duration{30};
  /// Slots start on a grid from the window's start: every `step`, or every `duration` when that
  /// is shorter (so 15-minute appointments every quarter hour, a 90-minute one every half hour).
  std::chrono::minutes step{30};
  /// Slots must start at least this long after `now` (no booking into the current minute).
  std::chrono::minutes lead{15};
};

/// The start instants of the free slots of `day`: within an opening window (the whole
/// appointment, measured in real time, so it may run across a clock change), starting in
/// `part`'s hours, at or after now + lead, not overlapping any busy span. Local times that a
/// clock change skips are not offered; a repeated hour is offered once (its first occurrence).
/// Sorted, no duplicates.
std::vector<time::Clock::time_point> free_slots(const SlotRules& rules,
                                                std::chrono::year_month_day day, DayPart part,
                                                time::Clock::time_point now,
                                                const std::vector<Busy>& busy);

/// Whether an appointment starting at `start` lies inside the opening hours of its local day.
bool within_opening_hours(const SlotRules& rules, time::Clock::time_point start);

/// Whether [start, start + duration) overlaps a busy span.
bool overlaps(const std::vector<Busy>& busy, time::Clock::time_point start,
              std::chrono::minutes duration);

/// For an ambiguous spoken hour on `day`: the first reading (clock_readings order) whose
/// appointment lies within the opening hours, else the first reading. Minutes since midnight.
int resolve_clock(const SlotRules& rules, std::chrono::year_month_day day,
                  const SpokenClock& clock);

}  // namespace kx::integrations
