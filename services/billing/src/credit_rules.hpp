#pragma once
// The billing rules as plain functions: what a call costs, how far below zero a balance may go,
// when the low-balance, exhausted and restored alerts fire, and how an account's state reads.
// No database, no I/O; every function is pure and thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kx::billing {

/// How a call's duration becomes a price.
enum class Rounding {
  per_started_minute,  ///< every started minute costs the full minute price (95 s = 2 minutes)
  per_second,          ///< the exact share of the minute price, rounded up to a whole cent
};

std::optional<Rounding> parse_rounding(std::string_view text);
std::string_view to_string(Rounding rounding);

/// The admin-editable billing settings.
struct BillingSettings {
  std::int64_t price_per_minute_cents = 15;
  Rounding rounding = Rounding::per_started_minute;
  std::int64_t grace_limit_cents = 300;  ///< how far below zero the balance may go (positive)
  std::int64_t low_balance_threshold_cents = 500;
  std::int64_t signup_bonus_cents = 0;
  bool charge_test_calls = false;
};

/// Longest call billing accepts as real; longer reports are rejected as corrupt.
inline constexpr std::int64_t kMaxCallSeconds = 7 * 24 * 3600;

struct CallCost {
  std::int64_t billed_minutes = 0;  ///< started minutes (informational under per_second)
  std::int64_t cents = 0;
};

/// The price of a call of `duration_seconds` (0 seconds is free). Throws std::invalid_argument
/// for a negative duration or one above kMaxCallSeconds.
CallCost call_cost(std::int64_t duration_seconds, const BillingSettings& settings);

struct CappedCharge {
  std::int64_t charged_cents = 0;      ///< what the ledger books
  std::int64_t written_off_cents = 0;  ///< the part below minus the grace limit, not booked
};

/// How much of `cost_cents` a balance can take: charges go below zero only down to minus the
/// grace limit. The overage down to that limit is owed and repaid by the next purchase.
CappedCharge cap_to_grace(std::int64_t balance_cents, std::int64_t cost_cents,
                          std::int64_t grace_limit_cents);

/// Which alerts are outstanding for an account (kept on the account row).
struct AlertFlags {
  bool low_warned = false;  ///< credits.low was published and no credit has lifted it since
  bool exhausted = false;   ///< credits.exhausted was published and no credit has restored it
  bool operator==(const AlertFlags&) const = default;
};

enum class Movement { debit, credit };

struct AlertDecision {
  AlertFlags flags;  ///< the flags after this booking
  bool publish_low = false;
  bool publish_exhausted = false;
  bool publish_restored = false;
};

/// The alert state machine, applied after every booking:
///  - a debit that leaves the balance at or below the low-balance threshold publishes
///    credits.low unless a warning is outstanding;
///  - a debit that leaves the balance at or below minus the grace limit publishes
///    credits.exhausted unless the account is exhausted already;
///  - a credit that lifts the balance above the threshold re-arms the low warning, and a credit
///    that lifts an exhausted balance above minus the grace limit publishes credits.restored.
AlertDecision next_alerts(AlertFlags flags, std::int64_t balance_after_cents, Movement movement,
                          const BillingSettings& settings);

enum class AccountState { ok, low, in_grace, exhausted };
std::string_view to_string(AccountState state);

/// How the dashboard shows an account: exhausted while the exhausted alert is outstanding, in
/// grace below zero, low at or below the threshold, otherwise ok.
AccountState account_state(std::int64_t balance_cents, const AlertFlags& flags,
                           const BillingSettings& settings);

/// Whole minutes of calls the positive part of the balance pays for.
std::int64_t estimated_minutes(std::int64_t balance_cents, const BillingSettings& settings);

/// Credits to take back after a refund, in total (not per refund): the refunded share of the
/// money as a share of the credits bought, never more than were bought. `amount_refunded_cents`
/// is Stripe's cumulative amount; the caller subtracts what was taken back already.
std::int64_t refunded_credits(std::int64_t credits_bought, std::int64_t amount_paid_cents,
                              std::int64_t amount_refunded_cents);

/// An amount of euro cents as Germans write it: "1.234,50 €", "-0,30 €".
std::string format_euro(std::int64_t cents);

/// A whole number with German thousands separators: "10.000".
std::string format_number(std::int64_t n);

}  // namespace kx::billing
