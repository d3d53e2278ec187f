#include "slots.hpp"

#include <algorithm>
#include <cassert>

#include "kx/time/business_hours.hpp"

namespace kx::integrations {
namespace {

using std::chrono::local_days;
using std::chrono::local_seconds;
using std::chrono::minutes;
using std::chrono::year_month_day;

const std::vector<Window>& windows_of(const SlotRules& rules, year_month_day day) {
  auto weekday = std::chrono::weekday(std::chrono::sys_days(day));
  return (*rules.hours)[time::day_index(weekday)];
}

time::LocalInstant at_local(const SlotRules& rules, year_month_day day, int minute) {
  return rules.zone->resolve(local_seconds(local_days(day)) + minutes(minute));
}

/// Whether [start, start + duration) lies inside the window on `day`, measured in instants so
/// that an appointment across a clock change lasts its real length.
bool inside(const SlotRules& rules, year_month_day day, const Window& w,
            time::Clock::time_point start) {
  return at_local(rules, day, w.start).instant <= start &&
         start + rules.duration <= at_local(rules, day, w.end).instant;
}

}  // namespace

Window day_part_window(DayPart part) {
  switch (part) {
    case DayPart::morning:
      return {6 * 60, 12 * 60};
    case DayPart::midday:
      return {11 * 60 + 30, 14 * 60};
    case DayPart::afternoon:
      return {13 * 60, 18 * 60};
    case DayPart::evening:
      return {17 * 60, 22 * 60};
    case DayPart::any:
      break;
  }
  return {0, 24 * 60};
}

std::vector<time::Clock::time_point> free_slots(const SlotRules& rules, year_month_day day,
                                                DayPart part, time::Clock::time_point now,
                                                const std::vector<Busy>& busy) {
  assert(rules.zone && rules.hours);
  std::vector<time::Clock::time_point> out;
  if (!day.ok() || rules.duration <= minutes(0))
    return out;
  const int step = static_cast<int>(std::min(rules.step, rules.duration).count());
  if (step <= 0)
    return out;
  const Window preferred = day_part_window(part);
  const auto earliest = now + rules.lead;
  for (const Window& w : windows_of(rules, day)) {
    for (int m = w.start; m + rules.duration.count() <= w.end; m += step) {
      if (m < preferred.start || m >= preferred.end)
        continue;
      auto local = at_local(rules, day, m);
      // A skipped local time does not exist; its instant belongs to the next hour's slot.
      if (local.kind == time::LocalKind::skipped)
        continue;
      if (local.instant < earliest || !inside(rules, day, w, local.instant) ||
          overlaps(busy, local.instant, rules.duration))
        continue;
      out.push_back(local.instant);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool within_opening_hours(const SlotRules& rules, time::Clock::time_point start) {
  assert(rules.zone && rules.hours);
  auto day = rules.zone->local(start).date;
  const auto& windows = windows_of(rules, day);
  return std::any_of(windows.begin(), windows.end(),
                     [&](const Window& w) { return inside(rules, day, w, start); });
}

bool overlaps(const std::vector<Busy>& busy, time::Clock::time_point start, minutes duration) {
  auto end = start + duration;
  return std::any_of(busy.begin(), busy.end(),
                     [&](const Busy& b) { return start < b.end && b.begin < end; });
}

int resolve_clock(const SlotRules& rules, year_month_day day, const SpokenClock& clock) {
  auto readings = clock_readings(clock);
  for (int reading : readings) {
    auto local = at_local(rules, day, reading);
    if (local.kind != time::LocalKind::skipped && within_opening_hours(rules, local.instant))
      return reading;
  }
  return readings.front();
}

}  // namespace kx::integrations
