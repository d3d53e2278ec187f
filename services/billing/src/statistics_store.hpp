#pragma once
// The admins' billing statistics: credits sold, used, refunded and revenue per day, and the
// current state of all accounts. SQL as named constants; runs in the caller's transaction.

#include <cstdint>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace kx::billing {

struct DayStats {
  std::string date;  ///< YYYY-MM-DD (UTC)
  std::int64_t credits_sold = 0;
  std::int64_t credits_used = 0;
  std::int64_t credits_refunded = 0;
  std::int64_t credits_adjusted = 0;  ///< net, signed
  std::int64_t credits_bonus = 0;
  std::int64_t revenue_cents = 0;
  std::int64_t refunded_cents = 0;
  std::int64_t purchases = 0;
  std::int64_t charged_calls = 0;
  std::int64_t written_off_cents = 0;  ///< call cost beyond the grace limit, not charged
};

struct AccountsSnapshot {
  std::int64_t open_accounts = 0;
  std::int64_t total_balance_cents = 0;
  std::int64_t accounts_low = 0;  ///< low-balance warning outstanding
  std::int64_t accounts_in_grace = 0;
  std::int64_t grace_owed_cents = 0;  ///< sum of negative balances
  std::int64_t accounts_exhausted = 0;
  std::int64_t open_disputes = 0;
  std::int64_t unmatched_stripe_events = 0;
};

class StatisticsStore {
 public:
  /// One row per day from `from` to `to` (inclusive, YYYY-MM-DD, UTC days).
  static std::vector<DayStats> per_day(pqxx::work& tx, const std::string& from,
                                       const std::string& to);
  static AccountsSnapshot snapshot(pqxx::work& tx);
};

}  // namespace kx::billing
