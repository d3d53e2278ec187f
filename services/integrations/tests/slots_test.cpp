#include "slots.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace kx::integrations {
namespace {

using namespace std::chrono;
using time::Clock;

time::Zone zone(std::string_view name) {
  auto z = time::Zone::find(name);
  EXPECT_TRUE(z) << name;
  return z.value_or(time::Zone::utc());
}

Clock::time_point utc(year_month_day day, int hour, int minute = 0) {
  return sys_days(day) + hours(hour) + minutes(minute);
}

/// "HH:MM" in UTC, so a failure shows which instants came out.
std::string utc_clock(Clock::time_point t) {
  auto since_midnight = floor<minutes>(t - floor<days>(t));
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%02d:%02d", static_cast<int>(since_midnight.count() / 60),
                static_cast<int>(since_midnight.count() % 60));
  return buffer;
}

std::vector<std::string> utc_clocks(const std::vector<Clock::time_point>& slots) {
  std::vector<std::string> out;
  for (auto t : slots)
    out.push_back(utc_clock(t));
  return out;
}

OpeningHours every_day(std::vector<Window> windows) {
  OpeningHours hours;
  hours.fill(windows);
  return hours;
}

constexpr year_month_day kWednesday = 2026y / January / 14;
const Clock::time_point kLongBefore = utc(2026y / January / 1, 0);

struct Fixture {
  time::Zone berlin = zone("Europe/Berlin");
  // Wednesday split hours 09:00–12:00 and 14:00–18:00; closed the other days.
  OpeningHours hours = [] {
    OpeningHours h;
    h[2] = {{9 * 60, 12 * 60}, {14 * 60, 18 * 60}};
    return h;
  }();
  SlotRules rules{&berlin, &hours, minutes(30), minutes(30), minutes(15)};
};

TEST(FreeSlots, SplitHoursInBerlinWinter) {
  Fixture f;
  auto slots = free_slots(f.rules, kWednesday, DayPart::any, kLongBefore, {});
  // CET is UTC+1: 09:00 local is 08:00 UTC.
  EXPECT_EQ(utc_clocks(slots), (std::vector<std::string>{
                                   "08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "13:00",
                                   "13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30"}));
  EXPECT_EQ(slots.front(), utc(kWednesday, 8));
  // Closed on Thursday.
  EXPECT_TRUE(free_slots(f.rules, 2026y / January / 15, DayPart::any, kLongBefore, {}).empty());
}

TEST(FreeSlots, DurationsSetTheGrid) {
  Fixture f;
  struct Case {
    int duration;
    std::size_t count;
    std::string first_afternoon_gap;  ///< the last slot of the morning window, UTC
  };
  // 15 minutes: a 15-minute grid; longer ones: every half hour, ending inside the window.
  const Case cases[] = {
      {15, 12 + 16, "10:45"}, {45, 5 + 7, "10:00"}, {90, 4 + 6, "09:30"}, {120, 3 + 5, "09:00"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.duration);
    f.rules.duration = minutes(c.duration);
    auto slots = utc_clocks(free_slots(f.rules, kWednesday, DayPart::any, kLongBefore, {}));
    EXPECT_EQ(slots.size(), c.count);
    ASSERT_GT(slots.size(), 1u);
    EXPECT_EQ(slots.front(), "08:00");
    auto morning_end = std::find(slots.begin(), slots.end(), "13:00") - 1;
    EXPECT_EQ(*morning_end, c.first_afternoon_gap);
  }
}

TEST(FreeSlots, BusySpansRemoveOverlappingSlots) {
  Fixture f;
  // 10:00–11:00 and 15:15–15:45 local are busy.
  std::vector<Busy> busy = {{utc(kWednesday, 9), utc(kWednesday, 10)},
                            {utc(kWednesday, 14, 15), utc(kWednesday, 14, 45)}};
  auto slots = utc_clocks(free_slots(f.rules, kWednesday, DayPart::any, kLongBefore, busy));
  // 09:30 ends where the busy span begins and 11:00 starts where it ends: both stay.
  EXPECT_EQ(slots, (std::vector<std::string>{"08:00", "08:30", "10:00", "10:30", "13:00", "13:30",
                                             "15:00", "15:30", "16:00", "16:30"}));
  EXPECT_TRUE(overlaps(busy, utc(kWednesday, 8, 45), minutes(30)));
  EXPECT_FALSE(overlaps(busy, utc(kWednesday, 8, 30), minutes(30)));
  EXPECT_FALSE(overlaps(busy, utc(kWednesday, 10), minutes(60)));
}

TEST(FreeSlots, LeadTimeAfterNow) {
  Fixture f;
  // 10:05 local: 10:20 is the earliest start, so 10:30 comes first.
  auto slots = free_slots(f.rules, kWednesday, DayPart::any, utc(kWednesday, 9, 5), {});
  ASSERT_FALSE(slots.empty());
  EXPECT_EQ(utc_clock(slots.front()), "09:30");
  EXPECT_EQ(slots.size(), 11u);
  // Exactly the lead before a slot still allows it.
  slots = free_slots(f.rules, kWednesday, DayPart::any, utc(kWednesday, 9, 15), {});
  EXPECT_EQ(utc_clock(slots.front()), "09:30");
  slots = free_slots(f.rules, kWednesday, DayPart::any, utc(kWednesday, 9, 16), {});
  EXPECT_EQ(utc_clock(slots.front()), "10:00");
}

TEST(FreeSlots, DayPartsFilterTheStart) {
  Fixture f;
  auto part = [&](DayPart p) {
    return utc_clocks(free_slots(f.rules, kWednesday, p, kLongBefore, {}));
  };
  EXPECT_EQ(part(DayPart::morning).size(), 6u);
  EXPECT_EQ(part(DayPart::morning).back(), "10:30");
  EXPECT_EQ(part(DayPart::midday), (std::vector<std::string>{"10:30"}));
  EXPECT_EQ(part(DayPart::afternoon).size(), 8u);
  EXPECT_EQ(part(DayPart::afternoon).front(), "13:00");
  EXPECT_EQ(part(DayPart::evening), (std::vector<std::string>{"16:00", "16:30"}));
  EXPECT_EQ(day_part_window(DayPart::midday).start, 11 * 60 + 30);
  EXPECT_EQ(day_part_window(DayPart::any).end, 24 * 60);
}

TEST(FreeSlots, SpringForwardSkipsTheMissingHour) {
  auto berlin = zone("Europe/Berlin");
  constexpr auto day = 2026y / March / 29;  // Sunday, 02:00 CET → 03:00 CEST
  EXPECT_EQ(berlin.day(day).length(), hours(23));
  auto hours = every_day({{60, 5 * 60}});
  SlotRules rules{&berlin, &hours, minutes(30), minutes(30), minutes(15)};
  auto slots = free_slots(rules, day, DayPart::any, kLongBefore, {});
  // 01:00 and 01:30 CET, then 03:00–04:30 CEST; 02:00 and 02:30 do not exist.
  EXPECT_EQ(slots, (std::vector<Clock::time_point>{utc(day, 0), utc(day, 0, 30), utc(day, 1),
                                                   utc(day, 1, 30), utc(day, 2), utc(day, 2, 30)}));
  // An hour-long appointment from 01:30 CET lasts to 03:30 CEST: inside the window.
  rules.duration = minutes(60);
  slots = free_slots(rules, day, DayPart::any, kLongBefore, {});
  EXPECT_EQ(slots, (std::vector<Clock::time_point>{utc(day, 0), utc(day, 0, 30), utc(day, 1),
                                                   utc(day, 1, 30), utc(day, 2)}));
  // On a 45-minute grid the skipped 02:30 would land on 03:30 CEST, off the grid: not offered.
  rules.duration = minutes(45);
  rules.step = minutes(45);
  slots = free_slots(rules, day, DayPart::any, kLongBefore, {});
  EXPECT_EQ(slots, (std::vector<Clock::time_point>{utc(day, 0), utc(day, 0, 45), utc(day, 1, 15),
                                                   utc(day, 2)}));
}

TEST(FreeSlots, FallBackOffersTheRepeatedHourOnce) {
  auto berlin = zone("Europe/Berlin");
  constexpr auto day = 2026y / October / 25;  // Sunday, 03:00 CEST → 02:00 CET
  EXPECT_EQ(berlin.day(day).length(), hours(25));
  auto hours = every_day({{60, 5 * 60}});
  SlotRules rules{&berlin, &hours, minutes(30), minutes(30), minutes(15)};
  auto slots = free_slots(rules, day, DayPart::any, kLongBefore, {});
  constexpr auto before = 2026y / October / 24;
  // 01:00, 01:30, 02:00, 02:30 CEST (UTC+2), then 03:00–04:30 CET (UTC+1).
  EXPECT_EQ(slots, (std::vector<Clock::time_point>{utc(before, 23), utc(before, 23, 30),
                                                   utc(day, 0), utc(day, 0, 30), utc(day, 2),
                                                   utc(day, 2, 30), utc(day, 3), utc(day, 3, 30)}));
}

TEST(FreeSlots, WindowUntilMidnight) {
  auto berlin = zone("Europe/Berlin");
  auto hours = every_day({{22 * 60, 24 * 60}});
  SlotRules rules{&berlin, &hours, minutes(30), minutes(30), minutes(15)};
  auto slots = utc_clocks(free_slots(rules, kWednesday, DayPart::any, kLongBefore, {}));
  EXPECT_EQ(slots, (std::vector<std::string>{"21:00", "21:30", "22:00", "22:30"}));
  EXPECT_TRUE(within_opening_hours(rules, utc(kWednesday, 22, 30)));
  EXPECT_FALSE(within_opening_hours(rules, utc(kWednesday, 22, 45)));
}

TEST(FreeSlots, MidnightBoundary) {
  auto berlin = zone("Europe/Berlin");
  auto hours = every_day({{9 * 60, 17 * 60}});
  SlotRules rules{&berlin, &hours, minutes(30), minutes(30), minutes(15)};
  auto now = utc(kWednesday, 22, 50);  // 23:50 local
  EXPECT_TRUE(free_slots(rules, kWednesday, DayPart::any, now, {}).empty());
  auto tomorrow = free_slots(rules, 2026y / January / 15, DayPart::any, now, {});
  EXPECT_EQ(tomorrow.size(), 16u);
  EXPECT_EQ(tomorrow.front(), utc(2026y / January / 15, 8));
}

TEST(FreeSlots, NewYorkWhenUtcIsAlreadyTomorrow) {
  auto new_york = zone("America/New_York");
  auto hours = every_day({{9 * 60, 17 * 60}});
  SlotRules rules{&new_york, &hours, minutes(30), minutes(30), minutes(15)};
  auto now = utc(2026y / January / 15, 2);  // 21:00 EST on the 14th
  ASSERT_EQ(new_york.local(now).date, kWednesday);
  EXPECT_TRUE(free_slots(rules, kWednesday, DayPart::any, now, {}).empty());
  auto next = free_slots(rules, 2026y / January / 15, DayPart::any, now, {});
  EXPECT_EQ(next.size(), 16u);
  EXPECT_EQ(next.front(), utc(2026y / January / 15, 14));  // 09:00 EST
  EXPECT_EQ(next.back(), utc(2026y / January / 15, 21, 30));
  // At 10:00 EST the day still has its afternoon.
  auto today = free_slots(rules, kWednesday, DayPart::any, utc(kWednesday, 15), {});
  EXPECT_EQ(today.size(), 13u);
  EXPECT_EQ(today.front(), utc(kWednesday, 15, 30));
}

TEST(FreeSlots, TokyoHasNoDaylightSaving) {
  auto tokyo = zone("Asia/Tokyo");
  auto hours = every_day({{9 * 60, 12 * 60}});
  SlotRules rules{&tokyo, &hours, minutes(60), minutes(30), minutes(15)};
  auto slots = free_slots(rules, 2026y / March / 29, DayPart::any, kLongBefore, {});
  // 09:00 JST is 00:00 UTC of the same day.
  EXPECT_EQ(slots, (std::vector<Clock::time_point>{
                       utc(2026y / March / 29, 0), utc(2026y / March / 29, 0, 30),
                       utc(2026y / March / 29, 1), utc(2026y / March / 29, 1, 30),
                       utc(2026y / March / 29, 2)}));
}

TEST(OpeningHours, WholeAppointmentInsideOneWindow) {
  Fixture f;
  EXPECT_TRUE(within_opening_hours(f.rules, utc(kWednesday, 10, 30)));   // 11:30–12:00
  EXPECT_FALSE(within_opening_hours(f.rules, utc(kWednesday, 10, 45)));  // ends 12:15
  EXPECT_FALSE(within_opening_hours(f.rules, utc(kWednesday, 12)));      // 13:00, the break
  EXPECT_TRUE(within_opening_hours(f.rules, utc(kWednesday, 16, 30)));
  EXPECT_FALSE(within_opening_hours(f.rules, utc(kWednesday, 16, 45)));
  EXPECT_FALSE(within_opening_hours(f.rules, utc(kWednesday, 7, 45)));        // 08:45
  EXPECT_FALSE(within_opening_hours(f.rules, utc(2026y / January / 15, 9)));  // closed
}

TEST(ResolveClock, OpeningHoursDecideAnAmbiguousHour) {
  Fixture f;
  SpokenClock three{3, 0, true, {}};
  SpokenClock nine{9, 0, true, {}};
  SpokenClock half_eleven{11, 30, true, {}};
  EXPECT_EQ(resolve_clock(f.rules, kWednesday, three), 15 * 60);
  EXPECT_EQ(resolve_clock(f.rules, kWednesday, nine), 9 * 60);
  EXPECT_EQ(resolve_clock(f.rules, kWednesday, half_eleven), 11 * 60 + 30);
  // An evening business: "um neun" is 21:00, and "um drei" outside all hours stays 15:00.
  auto evening = every_day({{18 * 60, 23 * 60}});
  SlotRules late{&f.berlin, &evening, minutes(30), minutes(30), minutes(15)};
  EXPECT_EQ(resolve_clock(late, kWednesday, nine), 21 * 60);
  EXPECT_EQ(resolve_clock(late, kWednesday, three), 15 * 60);
  // An early bakery: "um sieben" is 07:00.
  auto early = every_day({{6 * 60, 12 * 60}});
  SlotRules bakery{&f.berlin, &early, minutes(30), minutes(30), minutes(15)};
  EXPECT_EQ(resolve_clock(bakery, kWednesday, SpokenClock{7, 0, true, {}}), 7 * 60);
  // Unambiguous clocks are taken as said.
  EXPECT_EQ(resolve_clock(bakery, kWednesday, SpokenClock{15, 0, false, {}}), 15 * 60);
}

}  // namespace
}  // namespace kx::integrations
