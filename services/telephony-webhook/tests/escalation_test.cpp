#include "escalation.hpp"

#include <gtest/gtest.h>

namespace kx::telephony {
namespace {

/// `weekday` 0 = Monday ... 6 = Sunday.
time::LocalTime local(int weekday, int hour, int minute) {
  time::LocalTime t;
  t.weekday = std::chrono::weekday(static_cast<unsigned>(weekday + 1));
  t.minutes = hour * 60 + minute;
  return t;
}

EscalationSettings full_settings() {
  EscalationSettings s;
  s.enabled = true;
  s.forwarding_number = "+493012345600";
  s.fallback_number = "+493012345699";
  s.after_hours_number = "+4915100000000";
  s.hours.days = days_from_string("mon,tue,wed,thu,fri");
  s.hours.start_minutes = 9 * 60;
  s.hours.end_minutes = 17 * 60;
  return s;
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
  auto berlin = time::Zone::find("Europe/Berlin");
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

}  // namespace
}  // namespace kx::telephony
