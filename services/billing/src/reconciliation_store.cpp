#include "reconciliation_store.hpp"

#include <unordered_map>

#include "kx/pg/list.hpp"

namespace kx::billing {
namespace {

// The same day and digest as telephony-webhook's CompletionRecords::days.
constexpr const char* kChargedDays = R"sql(
SELECT c.user_id, (c.call_ended_at AT TIME ZONE 'UTC')::date::text AS day, count(*),
       sum(('x' || substr(md5(c.call_id), 1, 15))::bit(60)::bigint)::text
FROM call_charges c JOIN accounts a ON a.user_id = c.user_id AND a.closed_at IS NULL
WHERE c.call_ended_at >= $1::date::timestamp AT TIME ZONE 'UTC'
  AND c.call_ended_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'
GROUP BY 1, 2 ORDER BY 1, 2)sql";

constexpr const char* kDecided =
    "SELECT call_id FROM call_charges WHERE call_id = ANY (string_to_array($1, ','))";

constexpr const char* kInsertRun = R"sql(
INSERT INTO reconciliation_runs (check_name, trigger, admin_id, started_at, window_from, window_to,
                                 days_checked, days_differing, missing, in_flight, republished,
                                 error)
VALUES ('calls_charged', $1, $2, $3::timestamptz, $4::date, $5::date, $6, $7, $8, $9, $10, $11)
RETURNING id)sql";
constexpr const char* kInsertDrift = R"sql(
INSERT INTO reconciliation_drift (run_id, user_id, day, completed, charged, missing, republished)
VALUES ($1, $2, $3::date, $4, $5, $6, $7))sql";
// Runs older than the window are no longer interesting; one statement keeps the table small.
constexpr const char* kPruneRuns =
    "DELETE FROM reconciliation_runs WHERE finished_at < now() - interval '30 days'";

constexpr const char* kRecentRuns = R"sql(
SELECT id, trigger, admin_id, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       window_from::text, window_to::text, days_checked, days_differing, missing, in_flight,
       republished, error, extract(epoch FROM finished_at)::float8
FROM reconciliation_runs WHERE check_name = 'calls_charged' ORDER BY id DESC LIMIT $1)sql";
constexpr const char* kDriftOfRuns = R"sql(
SELECT run_id, user_id, day::text, completed, charged, missing, republished
FROM reconciliation_drift WHERE run_id BETWEEN $1 AND $2 ORDER BY run_id, day DESC, user_id)sql";

}  // namespace

std::vector<OwnerDay> ReconciliationStore::charged_days(pqxx::transaction_base& tx,
                                                        const std::string& from,
                                                        const std::string& to) {
  std::vector<OwnerDay> out;
  for (const auto& r : tx.exec_params(kChargedDays, from, to))
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::int64_t>(),
                   r[3].as<std::string>()});
  return out;
}

std::unordered_set<std::string> ReconciliationStore::decided(
    pqxx::transaction_base& tx, const std::vector<std::string>& call_ids) {
  std::unordered_set<std::string> out;
  if (call_ids.empty())
    return out;
  for (const auto& r : tx.exec_params(kDecided, pg::comma_list(call_ids)))
    out.insert(r[0].as<std::string>());
  return out;
}

std::int64_t ReconciliationStore::save(pqxx::work& tx, const ReconciliationRun& run) {
  tx.exec(kPruneRuns);
  auto id = tx.exec_params1(kInsertRun, run.trigger, run.admin_id, run.started_at, run.window_from,
                            run.window_to, run.days_checked, run.days_differing, run.missing,
                            run.in_flight, run.republished, run.error)[0]
                .as<std::int64_t>();
  for (const auto& d : run.drift)
    tx.exec_params(kInsertDrift, id, d.user_id, d.day, d.completed, d.charged, d.missing,
                   d.republished);
  return id;
}

std::vector<ReconciliationRun> ReconciliationStore::recent(pqxx::transaction_base& tx, int limit) {
  std::vector<ReconciliationRun> out;
  for (const auto& r : tx.exec_params(kRecentRuns, limit)) {
    ReconciliationRun run;
    run.id = r[0].as<std::int64_t>();
    run.trigger = r[1].as<std::string>();
    run.admin_id = r[2].get<std::string>();
    run.started_at = r[3].as<std::string>();
    run.window_from = r[4].as<std::string>();
    run.window_to = r[5].as<std::string>();
    run.days_checked = r[6].as<std::int64_t>();
    run.days_differing = r[7].as<std::int64_t>();
    run.missing = r[8].as<std::int64_t>();
    run.in_flight = r[9].as<std::int64_t>();
    run.republished = r[10].as<std::int64_t>();
    run.error = r[11].get<std::string>();
    run.finished_epoch = r[12].as<double>();
    out.push_back(std::move(run));
  }
  if (out.empty())
    return out;
  std::unordered_map<std::int64_t, ReconciliationRun*> by_id;
  for (auto& run : out)
    by_id[run.id] = &run;
  for (const auto& r : tx.exec_params(kDriftOfRuns, out.back().id, out.front().id)) {
    auto it = by_id.find(r[0].as<std::int64_t>());
    if (it == by_id.end())
      continue;
    it->second->drift.push_back({r[1].as<std::string>(), r[2].as<std::string>(),
                                 r[3].as<std::int64_t>(), r[4].as<std::int64_t>(),
                                 r[5].as<std::int64_t>(), r[6].as<std::int64_t>()});
  }
  return out;
}

}  // namespace kx::billing
