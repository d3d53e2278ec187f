#include "kx/time/business_hours.hpp"

#include <gtest/gtest.h>

namespace kx::time {
namespace {

/// `weekday` 0 = Monday ... 6 = Sunday.
LocalTime at(int weekday, int hour, int minute) {
  LocalTime t;
  t.weekday = std::chrono::weekday(static_cast<unsigned>(weekday + 1));
  t.minutes = hour * 60 + minute;
  return t;
}

BusinessHours weekdays_9_to_17() {
  BusinessHours h;
  h.days = days_from_string("mon,tue,wed,thu,fri");
  h.start_minutes = 9 * 60;
  h.end_minutes = 17 * 60;
  return h;
}

TEST(BusinessHours, DayWindow) {
  auto h = weekdays_9_to_17();
  EXPECT_FALSE(within_business_hours(h, at(0, 8, 59)));
  EXPECT_TRUE(within_business_hours(h, at(0, 9, 0)));
  EXPECT_TRUE(within_business_hours(h, at(4, 16, 59)));
  EXPECT_FALSE(within_business_hours(h, at(4, 17, 0)));
  EXPECT_FALSE(within_business_hours(h, at(5, 10, 0)));  // Saturday
  EXPECT_FALSE(within_business_hours(h, at(6, 10, 0)));  // Sunday
}

TEST(BusinessHours, WindowPastMidnightBelongsToItsStartDay) {
  BusinessHours h;
  h.days = days_from_string("fri");
  h.start_minutes = 22 * 60;
  h.end_minutes = 6 * 60;
  EXPECT_TRUE(within_business_hours(h, at(4, 23, 0)));   // Friday night
  EXPECT_TRUE(within_business_hours(h, at(5, 2, 0)));    // early Saturday
  EXPECT_FALSE(within_business_hours(h, at(5, 6, 0)));   // Saturday 06:00 closes
  EXPECT_FALSE(within_business_hours(h, at(5, 23, 0)));  // Saturday night: not open
  EXPECT_FALSE(within_business_hours(h, at(4, 2, 0)));   // Friday early: Thursday's night
  h.days = days_from_string("sun");
  EXPECT_TRUE(within_business_hours(h, at(0, 1, 0)));  // Sunday's night runs into Monday
}

TEST(BusinessHours, EqualStartAndEndIsTheWholeDay) {
  BusinessHours h;
  h.days = days_from_string("sat,sun");
  h.start_minutes = h.end_minutes = 0;
  EXPECT_TRUE(within_business_hours(h, at(5, 0, 0)));
  EXPECT_TRUE(within_business_hours(h, at(6, 23, 59)));
  EXPECT_FALSE(within_business_hours(h, at(0, 12, 0)));
}

TEST(BusinessHours, ReadInTheOwnersZoneAcrossTheSwitches) {
  auto berlin = Zone::find("Europe/Berlin");
  ASSERT_TRUE(berlin);
  auto h = weekdays_9_to_17();
  using std::chrono::sys_days;
  using std::chrono::year;
  using namespace std::chrono_literals;
  // Monday 2026-03-30 07:30 UTC is 09:30 CEST (after the switch): open.
  EXPECT_TRUE(within_business_hours(h, *berlin, sys_days(year(2026) / 3 / 30) + 7h + 30min));
  // Friday 2026-03-27 07:30 UTC is 08:30 CET (before the switch): closed.
  EXPECT_FALSE(within_business_hours(h, *berlin, sys_days(year(2026) / 3 / 27) + 7h + 30min));
  // Monday 2026-10-26 16:30 UTC is 17:30 CET: closed; 15:30 UTC is 16:30: open.
  EXPECT_FALSE(within_business_hours(h, *berlin, sys_days(year(2026) / 10 / 26) + 16h + 30min));
  EXPECT_TRUE(within_business_hours(h, *berlin, sys_days(year(2026) / 10 / 26) + 15h + 30min));
  // The same instant is Tuesday morning in Auckland: open there.
  auto auckland = Zone::find("Pacific/Auckland");
  ASSERT_TRUE(auckland);
  EXPECT_TRUE(within_business_hours(h, *auckland, sys_days(year(2026) / 10 / 26) + 21h));
  EXPECT_FALSE(within_business_hours(h, *berlin, sys_days(year(2026) / 10 / 26) + 21h));
}

TEST(BusinessHours, TextForms) {
  EXPECT_EQ(parse_clock("00:00"), 0);
  EXPECT_EQ(parse_clock("23:59"), 23 * 60 + 59);
  EXPECT_FALSE(parse_clock("24:00"));
  EXPECT_FALSE(parse_clock("9:00"));
  EXPECT_FALSE(parse_clock("09-00"));
  EXPECT_FALSE(parse_clock("0a:00"));
  EXPECT_FALSE(parse_clock("09:60"));
  EXPECT_EQ(parse_weekday("mon"), 0);
  EXPECT_EQ(parse_weekday("sun"), 6);
  EXPECT_FALSE(parse_weekday("Sun"));
  EXPECT_EQ(day_index(std::chrono::Monday), 0u);
  EXPECT_EQ(day_index(std::chrono::Sunday), 6u);
  auto days = days_from_string("mon,,xyz,sun,mon");
  EXPECT_EQ(days_to_string(days), "mon,sun");
  EXPECT_EQ(days_to_string(days_from_string("")), "");
}

}  // namespace
}  // namespace kx::time
