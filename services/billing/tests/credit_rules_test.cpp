// The billing rules without a database: prices, grace, the alert state machine, formatting.
#include "credit_rules.hpp"

#include <gtest/gtest.h>

namespace kx::billing {
namespace {

TEST(CallCost, EveryStartedMinuteCounts) {
  BillingSettings s;  // 15 cents per started minute
  EXPECT_EQ(call_cost(0, s).cents, 0);
  EXPECT_EQ(call_cost(1, s).cents, 15);
  EXPECT_EQ(call_cost(60, s).cents, 15);
  EXPECT_EQ(call_cost(61, s).cents, 30);
  EXPECT_EQ(call_cost(95, s).cents, 30);
  EXPECT_EQ(call_cost(95, s).billed_minutes, 2);
  EXPECT_EQ(call_cost(272, s).cents, 75);  // 4:32 -> 5 minutes
  s.price_per_minute_cents = 1000;
  EXPECT_EQ(call_cost(kMaxCallSeconds, s).cents, 7 * 24 * 60 * 1000);
}

TEST(CallCost, PerSecondRoundsUpToACent) {
  BillingSettings s;
  s.rounding = Rounding::per_second;
  EXPECT_EQ(call_cost(0, s).cents, 0);
  EXPECT_EQ(call_cost(1, s).cents, 1);    // 0.25 cents -> 1
  EXPECT_EQ(call_cost(4, s).cents, 1);    // exactly 1 cent
  EXPECT_EQ(call_cost(5, s).cents, 2);    // 1.25 -> 2
  EXPECT_EQ(call_cost(95, s).cents, 24);  // 23.75 -> 24
  EXPECT_EQ(call_cost(95, s).billed_minutes, 2);
  EXPECT_EQ(call_cost(120, s).cents, 30);
}

TEST(CallCost, ImpossibleDurationsAreRejected) {
  EXPECT_THROW(call_cost(-1, {}), std::invalid_argument);
  EXPECT_THROW(call_cost(kMaxCallSeconds + 1, {}), std::invalid_argument);
}

TEST(Rounding, ParsesItsOwnNames) {
  for (auto r : {Rounding::per_started_minute, Rounding::per_second})
    EXPECT_EQ(parse_rounding(to_string(r)), r);
  EXPECT_FALSE(parse_rounding("per_minute").has_value());
}

TEST(Grace, ChargesStopAtMinusTheLimit) {
  EXPECT_EQ(cap_to_grace(100, 30, 300).charged_cents, 30);
  EXPECT_EQ(cap_to_grace(10, 30, 300).charged_cents, 30);  // into grace: owed, not forgiven
  auto at_edge = cap_to_grace(-280, 30, 300);
  EXPECT_EQ(at_edge.charged_cents, 20);
  EXPECT_EQ(at_edge.written_off_cents, 10);
  auto beyond = cap_to_grace(-300, 30, 300);
  EXPECT_EQ(beyond.charged_cents, 0);
  EXPECT_EQ(beyond.written_off_cents, 30);
  EXPECT_EQ(cap_to_grace(-400, 30, 300).charged_cents, 0);  // already past (e.g. after a refund)
  EXPECT_EQ(cap_to_grace(0, 30, 0).charged_cents, 0);       // no grace at all
}

TEST(Alerts, LowFiresOncePerCrossing) {
  BillingSettings s;  // threshold 500, grace 300
  AlertFlags f;
  auto d = next_alerts(f, 600, Movement::debit, s);
  EXPECT_FALSE(d.publish_low);
  d = next_alerts(d.flags, 500, Movement::debit, s);  // "at or below"
  EXPECT_TRUE(d.publish_low);
  d = next_alerts(d.flags, 400, Movement::debit, s);
  EXPECT_FALSE(d.publish_low);
  d = next_alerts(d.flags, 450, Movement::credit, s);  // still low: stays warned
  EXPECT_TRUE(d.flags.low_warned);
  d = next_alerts(d.flags, 300, Movement::debit, s);
  EXPECT_FALSE(d.publish_low);
  d = next_alerts(d.flags, 1500, Movement::credit, s);  // lifted above: re-armed
  EXPECT_FALSE(d.flags.low_warned);
  d = next_alerts(d.flags, 480, Movement::debit, s);
  EXPECT_TRUE(d.publish_low);
}

TEST(Alerts, ExhaustedOnceAndRestoredByACredit) {
  BillingSettings s;
  AlertFlags f{.low_warned = true};
  auto d = next_alerts(f, -299, Movement::debit, s);
  EXPECT_FALSE(d.publish_exhausted);
  d = next_alerts(d.flags, -300, Movement::debit, s);
  EXPECT_TRUE(d.publish_exhausted);
  EXPECT_TRUE(d.flags.exhausted);
  d = next_alerts(d.flags, -300, Movement::debit, s);
  EXPECT_FALSE(d.publish_exhausted);
  d = next_alerts(d.flags, -350, Movement::debit, s);  // a refund went further down
  EXPECT_FALSE(d.publish_exhausted);
  d = next_alerts(d.flags, -320, Movement::credit, s);  // not above minus the limit yet
  EXPECT_FALSE(d.publish_restored);
  EXPECT_TRUE(d.flags.exhausted);
  d = next_alerts(d.flags, 700, Movement::credit, s);
  EXPECT_TRUE(d.publish_restored);
  EXPECT_FALSE(d.flags.exhausted);
  EXPECT_FALSE(d.flags.low_warned);
  d = next_alerts(d.flags, 800, Movement::credit, s);
  EXPECT_FALSE(d.publish_restored);
}

TEST(Alerts, OneDebitCanCrossBoth) {
  BillingSettings s;
  auto d = next_alerts({}, -300, Movement::debit, s);
  EXPECT_TRUE(d.publish_low);
  EXPECT_TRUE(d.publish_exhausted);
  EXPECT_FALSE(d.publish_restored);
}

TEST(AccountState, ReadsTheBalanceAndTheFlags) {
  BillingSettings s;
  EXPECT_EQ(account_state(501, {}, s), AccountState::ok);
  EXPECT_EQ(account_state(500, {}, s), AccountState::low);
  EXPECT_EQ(account_state(0, {}, s), AccountState::low);
  EXPECT_EQ(account_state(-1, {}, s), AccountState::in_grace);
  EXPECT_EQ(account_state(-300, {.exhausted = true}, s), AccountState::exhausted);
  EXPECT_EQ(to_string(AccountState::in_grace), "in_grace");
}

TEST(Estimate, WholeMinutesOfThePositiveBalance) {
  BillingSettings s;
  EXPECT_EQ(estimated_minutes(500, s), 33);
  EXPECT_EQ(estimated_minutes(14, s), 0);
  EXPECT_EQ(estimated_minutes(-100, s), 0);
}

TEST(Refunds, ShareOfTheCreditsByShareOfTheMoney) {
  EXPECT_EQ(refunded_credits(1000, 1000, 1000), 1000);
  EXPECT_EQ(refunded_credits(1000, 1000, 250), 250);
  EXPECT_EQ(refunded_credits(2500, 2000, 1000), 1250);  // a discounted pack
  EXPECT_EQ(refunded_credits(1000, 1000, 5000), 1000);  // never more than bought
  EXPECT_EQ(refunded_credits(1000, 1000, 0), 0);
  EXPECT_EQ(refunded_credits(1000, 0, 10), 1000);
}

TEST(Format, GermanEuros) {
  EXPECT_EQ(format_euro(0), "0,00 €");
  EXPECT_EQ(format_euro(15), "0,15 €");
  EXPECT_EQ(format_euro(-30), "-0,30 €");
  EXPECT_EQ(format_euro(123456), "1.234,56 €");
  EXPECT_EQ(format_euro(100000000), "1.000.000,00 €");
  EXPECT_EQ(format_euro(INT64_MIN), "-92.233.720.368.547.758,08 €");
  EXPECT_EQ(format_number(10000), "10.000");
  EXPECT_EQ(format_number(999), "999");
  EXPECT_EQ(format_number(-1000), "-1.000");
}

}  // namespace
}  // namespace kx::billing
