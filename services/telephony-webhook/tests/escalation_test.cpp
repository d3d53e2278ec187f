#include "escalation.hpp"

#include <gtest/gtest.h>

namespace kx::telephony {
namespace {

LocalTime local(int weekday, int hour, int minute) {
  LocalTime t;
  t.weekday = weekday;
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

EscalationSettings full_settings() {
  EscalationSettings s;
  s.enabled = true;
  s.forwarding_number = "+493012345600";
  s.fallback_number = "+493012345699";
  s.after_hours_number = "+4915100000000";
  s.hours = weekdays_9_to_17();
  return s;
}

TEST(BusinessHours, DayWindow) {
  auto h = weekdays_9_to_17();
  EXPECT_FALSE(within_business_hours(h, local(0, 8, 59)));
  EXPECT_TRUE(within_business_hours(h, local(0, 9, 0)));
  EXPECT_TRUE(within_business_hours(h, local(4, 16, 59)));
  EXPECT_FALSE(within_business_hours(h, local(4, 17, 0)));
  EXPECT_FALSE(within_business_hours(h, local(5, 10, 0)));  // Saturday
  EXPECT_FALSE(within_business_hours(h, local(6, 10, 0)));  // Sunday
}

TEST(BusinessHours, WindowPastMidnightBelongsToItsStartDay) {
  BusinessHours h;
  h.days = days_from_string("fri");
  h.start_minutes = 22 * 60;
  h.end_minutes = 6 * 60;
  EXPECT_TRUE(within_business_hours(h, local(4, 23, 0)));   // Friday night
  EXPECT_TRUE(within_business_hours(h, local(5, 2, 0)));    // early Saturday
  EXPECT_FALSE(within_business_hours(h, local(5, 6, 0)));   // Saturday 06:00 closes
  EXPECT_FALSE(within_business_hours(h, local(5, 23, 0)));  // Saturday night: not open
  EXPECT_FALSE(within_business_hours(h, local(4, 2, 0)));   // Friday early: Thursday's night
}

TEST(BusinessHours, EqualStartAndEndIsTheWholeDay) {
  BusinessHours h;
  h.days = days_from_string("sat,sun");
  h.start_minutes = h.end_minutes = 0;
  EXPECT_TRUE(within_business_hours(h, local(5, 0, 0)));
  EXPECT_TRUE(within_business_hours(h, local(6, 23, 59)));
  EXPECT_FALSE(within_business_hours(h, local(0, 12, 0)));
}

TEST(Escalation, DestinationByHours) {
  auto s = full_settings();
  auto in_hours = decide_escalation(s, local(1, 10, 0));
  EXPECT_EQ(in_hours.kind, EscalationKind::forwarding);
  EXPECT_EQ(in_hours.number, "+493012345600");
  EXPECT_TRUE(in_hours.within_business_hours);

  s.forwarding_number.clear();
  auto fallback = decide_escalation(s, local(1, 10, 0));
  EXPECT_EQ(fallback.kind, EscalationKind::fallback);
  EXPECT_EQ(fallback.destination(), "+493012345699");

  auto after = decide_escalation(s, local(1, 20, 0));
  EXPECT_EQ(after.kind, EscalationKind::after_hours);
  EXPECT_EQ(after.number, "+4915100000000");
  EXPECT_FALSE(after.within_business_hours);

  // The fallback line is for business hours only.
  s.after_hours_number.clear();
  auto none = decide_escalation(s, local(6, 12, 0));
  EXPECT_EQ(none.kind, EscalationKind::message);
  EXPECT_EQ(none.destination(), "voicemail");

  auto disabled = full_settings();
  disabled.enabled = false;
  EXPECT_EQ(decide_escalation(disabled, local(1, 10, 0)).kind, EscalationKind::message);
  EXPECT_TRUE(decide_escalation(disabled, local(1, 10, 0)).within_business_hours);
}

TEST(Escalation, BusinessHoursAreReadInTheAgentsTimeZone) {
  TimeZones zones;
  auto berlin = zones.get("Europe/Berlin");
  ASSERT_TRUE(berlin);
  auto s = full_settings();
  using std::chrono::sys_days;
  // Monday 2026-03-30 07:30 UTC is 09:30 CEST (after the switch): open.
  auto monday =
      sys_days(std::chrono::year(2026) / 3 / 30) + std::chrono::hours(7) + std::chrono::minutes(30);
  EXPECT_EQ(decide_escalation(s, berlin->local(monday)).kind, EscalationKind::forwarding);
  // Friday 2026-03-27 07:30 UTC is 08:30 CET (before the switch): closed.
  auto friday =
      sys_days(std::chrono::year(2026) / 3 / 27) + std::chrono::hours(7) + std::chrono::minutes(30);
  EXPECT_EQ(decide_escalation(s, berlin->local(friday)).kind, EscalationKind::after_hours);
  // Friday 2026-10-30 16:30 UTC is 17:30 CET: closed; 15:30 UTC is 16:30: open.
  auto late = sys_days(std::chrono::year(2026) / 10 / 30) + std::chrono::hours(16) +
              std::chrono::minutes(30);
  EXPECT_EQ(decide_escalation(s, berlin->local(late)).kind, EscalationKind::after_hours);
  EXPECT_EQ(decide_escalation(s, berlin->local(late - std::chrono::hours(1))).kind,
            EscalationKind::forwarding);
}

TEST(Escalation, ParsingHelpers) {
  EXPECT_EQ(parse_clock("00:00"), 0);
  EXPECT_EQ(parse_clock("23:59"), 23 * 60 + 59);
  EXPECT_FALSE(parse_clock("24:00"));
  EXPECT_FALSE(parse_clock("9:00"));
  EXPECT_FALSE(parse_clock("09-00"));
  EXPECT_FALSE(parse_clock("0a:00"));
  EXPECT_EQ(parse_weekday("sun"), 6);
  EXPECT_FALSE(parse_weekday("Sun"));
  auto days = days_from_string("mon,,xyz,sun,mon");
  EXPECT_EQ(days_to_string(days), "mon,sun");
  EXPECT_EQ(days_to_string(days_from_string("")), "");
}

}  // namespace
}  // namespace kx::telephony
