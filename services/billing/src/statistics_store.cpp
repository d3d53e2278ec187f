#include "statistics_store.hpp"

namespace kx::billing {
namespace {

// Sessions run in UTC (see kx::pg::Pool), so ::date is the UTC day.
constexpr const char* kPerDay = R"sql(
WITH days AS (
  SELECT d::date AS day FROM generate_series($1::date, $2::date, interval '1 day') AS d
), entries AS (
  SELECT created_at::date AS day,
         COALESCE(sum(amount_cents) FILTER (WHERE kind = 'purchase'), 0) AS sold,
         COALESCE(-sum(amount_cents) FILTER (WHERE kind IN ('call_usage', 'grace_usage')), 0) AS used,
         COALESCE(-sum(amount_cents) FILTER (WHERE kind = 'refund'), 0) AS refunded,
         COALESCE(sum(amount_cents) FILTER (WHERE kind = 'admin_adjustment'), 0) AS adjusted,
         COALESCE(sum(amount_cents) FILTER (WHERE kind = 'bonus'), 0) AS bonus,
         count(*) FILTER (WHERE kind = 'purchase') AS purchases
  FROM ledger_entries
  WHERE created_at >= $1::date AND created_at < $2::date + 1
  GROUP BY 1
), calls AS (
  SELECT decided_at::date AS day,
         count(*) FILTER (WHERE charged_cents > 0) AS charged,
         COALESCE(sum(cost_cents - charged_cents) FILTER (WHERE outcome = 'capped'), 0) AS written_off
  FROM call_charges
  WHERE decided_at >= $1::date AND decided_at < $2::date + 1
  GROUP BY 1
), revenue AS (
  SELECT paid_at::date AS day, sum(amount_cents) AS cents
  FROM checkout_sessions
  WHERE paid_at >= $1::date AND paid_at < $2::date + 1
  GROUP BY 1
), refunded AS (
  SELECT created_at::date AS day, sum(amount_cents) AS cents
  FROM refunds
  WHERE created_at >= $1::date AND created_at < $2::date + 1
  GROUP BY 1
)
SELECT to_char(days.day, 'YYYY-MM-DD'),
       COALESCE(e.sold, 0), COALESCE(e.used, 0), COALESCE(e.refunded, 0), COALESCE(e.adjusted, 0),
       COALESCE(e.bonus, 0), COALESCE(r.cents, 0), COALESCE(f.cents, 0), COALESCE(e.purchases, 0),
       COALESCE(c.charged, 0), COALESCE(c.written_off, 0)
FROM days
LEFT JOIN entries e ON e.day = days.day
LEFT JOIN calls c ON c.day = days.day
LEFT JOIN revenue r ON r.day = days.day
LEFT JOIN refunded f ON f.day = days.day
ORDER BY days.day)sql";

constexpr const char* kSnapshot = R"sql(
SELECT count(*),
       COALESCE(sum(balance_cents), 0),
       count(*) FILTER (WHERE low_warned),
       count(*) FILTER (WHERE balance_cents < 0),
       COALESCE(-sum(balance_cents) FILTER (WHERE balance_cents < 0), 0),
       count(*) FILTER (WHERE exhausted),
       (SELECT count(*) FROM disputes WHERE reviewed_at IS NULL),
       (SELECT count(*) FROM stripe_events WHERE needs_attention AND reviewed_at IS NULL)
FROM accounts WHERE closed_at IS NULL)sql";

}  // namespace

std::vector<DayStats> StatisticsStore::per_day(pqxx::work& tx, const std::string& from,
                                               const std::string& to) {
  std::vector<DayStats> out;
  for (const auto& r : tx.exec_params(kPerDay, from, to)) {
    DayStats d;
    d.date = r[0].as<std::string>();
    d.credits_sold = r[1].as<std::int64_t>();
    d.credits_used = r[2].as<std::int64_t>();
    d.credits_refunded = r[3].as<std::int64_t>();
    d.credits_adjusted = r[4].as<std::int64_t>();
    d.credits_bonus = r[5].as<std::int64_t>();
    d.revenue_cents = r[6].as<std::int64_t>();
    d.refunded_cents = r[7].as<std::int64_t>();
    d.purchases = r[8].as<std::int64_t>();
    d.charged_calls = r[9].as<std::int64_t>();
    d.written_off_cents = r[10].as<std::int64_t>();
    out.push_back(d);
  }
  return out;
}

AccountsSnapshot StatisticsStore::snapshot(pqxx::work& tx) {
  auto r = tx.exec1(kSnapshot);
  AccountsSnapshot s;
  s.open_accounts = r[0].as<std::int64_t>();
  s.total_balance_cents = r[1].as<std::int64_t>();
  s.accounts_low = r[2].as<std::int64_t>();
  s.accounts_in_grace = r[3].as<std::int64_t>();
  s.grace_owed_cents = r[4].as<std::int64_t>();
  s.accounts_exhausted = r[5].as<std::int64_t>();
  s.open_disputes = r[6].as<std::int64_t>();
  s.unmatched_stripe_events = r[7].as<std::int64_t>();
  return s;
}

}  // namespace kx::billing
