#include "call_reconciliation.hpp"

#include <algorithm>
#include <unordered_map>

#include "kx/http/query.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "kx/metrics/metrics.hpp"
#include "reconciliation_store.hpp"

namespace kx::billing {
namespace {

constexpr const char* kCheck = "calls_charged";
constexpr std::size_t kRepublishBatch = 500;

// One run at a time across replicas. A session lock on a leased connection: a replica that dies
// mid-run closes its connection, and PostgreSQL releases the lock with it. Advisory locks are
// per database, so the key names the schema.
class RunLock {
 public:
  explicit RunLock(pg::Pool::Lease& lease) : lease_(lease) {
    pqxx::nontransaction tx(*lease_);
    held_ = tx.exec1(
                  "SELECT pg_try_advisory_lock(hashtext('kx_call_reconciliation:' || "
                  "current_schema()))")[0]
                .as<bool>();
  }
  ~RunLock() {
    if (!held_)
      return;
    try {
      pqxx::nontransaction tx(*lease_);
      tx.exec("SELECT pg_advisory_unlock(hashtext('kx_call_reconciliation:' || current_schema()))");
    } catch (const std::exception&) {
      lease_.discard();  // closing the session releases the lock
    }
  }
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;
  bool held() const { return held_; }

 private:
  pg::Pool::Lease& lease_;
  bool held_ = false;
};

metrics::Gauge& gauge(const char* name, const char* help) {
  return metrics::Registry::global().gauge(name, help, {{"check", kCheck}});
}

void set_gauges(const ReconciliationRun& run, double finished_epoch) {
  gauge("kx_reconciliation_missing",
        "Completed calls never decided by billing, found by the latest reconciliation run")
      .set(static_cast<double>(run.missing));
  gauge("kx_reconciliation_in_flight",
        "Completed calls not yet decided but still within the settle time, latest run")
      .set(static_cast<double>(run.in_flight));
  gauge("kx_reconciliation_failed", "1 when the latest reconciliation run could not finish")
      .set(run.error ? 1.0 : 0.0);
  gauge("kx_reconciliation_last_run_timestamp_seconds", "When the latest reconciliation run ended")
      .set(finished_epoch);
}

std::string key_of(const std::string& user_id, const std::string& day) {
  return user_id + '\n' + day;
}

}  // namespace

std::vector<DifferingDay> differing_days(const std::vector<OwnerDay>& completed,
                                         const std::vector<OwnerDay>& charged) {
  // By key, not by merging: the database's collation may sort user ids differently from bytes.
  std::unordered_map<std::string, const OwnerDay*> decided;
  decided.reserve(charged.size());
  for (const auto& d : charged)
    decided.emplace(key_of(d.user_id, d.day), &d);
  std::vector<DifferingDay> out;
  for (const auto& d : completed) {
    auto it = decided.find(key_of(d.user_id, d.day));
    if (it == decided.end()) {
      out.push_back({d.user_id, d.day, d.calls, 0});
    } else if (it->second->calls != d.calls || it->second->digest != d.digest) {
      out.push_back({d.user_id, d.day, d.calls, it->second->calls});
    }
  }
  return out;
}

bool in_flight(const ProducerCall& call, std::chrono::milliseconds settle) {
  return call.pending || call.age < settle;
}

std::optional<ReconciliationRun> CallReconciliation::run(
    const std::string& trigger, const std::optional<std::string>& admin_id) {
  auto lease = db_.acquire();
  RunLock lock(lease);
  if (!lock.held())
    return std::nullopt;

  ReconciliationRun run;
  run.trigger = trigger;
  run.admin_id = admin_id;
  auto now = Clock::now();
  run.started_at = json::utc_timestamp(now);
  auto today = std::chrono::floor<std::chrono::days>(now);
  run.window_from = http::format_date(today - std::chrono::days(settings_.days - 1));
  run.window_to = http::format_date(today);
  try {
    compare(run);
  } catch (const ProducerUnavailable& e) {
    run.error = e.what();
    log::warn("reconciliation stopped: telephony-webhook did not answer",
              {{"error", std::string(e.what())}});
  }
  run.id = pg::transact(db_, [&](pqxx::work& tx) { return ReconciliationStore::save(tx, run); });

  auto& registry = metrics::Registry::global();
  const char* outcome = run.error ? "failed" : run.missing > 0 ? "drift" : "ok";
  registry
      .counter("kx_reconciliation_runs_total", "Reconciliation runs by outcome",
               {{"check", kCheck}, {"outcome", outcome}})
      .inc();
  registry
      .counter("kx_reconciliation_republished_total",
               "Events the producer published again on a reconciliation's request",
               {{"check", kCheck}})
      .inc(static_cast<double>(run.republished));
  set_gauges(run, std::chrono::duration<double>(Clock::now().time_since_epoch()).count());
  // Quiet when everything agreed: on the test platform a run comes every few seconds.
  bool notable = run.error || run.days_differing > 0;
  log::log(run.missing > 0 ? log::Level::warn
           : notable       ? log::Level::info
                           : log::Level::debug,
           run.missing > 0 ? "reconciliation found calls completed but never charged"
                           : "reconciliation run",
           {{"run_id", run.id},
            {"trigger", run.trigger},
            {"days_checked", run.days_checked},
            {"days_differing", run.days_differing},
            {"missing", run.missing},
            {"in_flight", run.in_flight},
            {"republished", run.republished}});
  return run;
}

void CallReconciliation::compare(ReconciliationRun& run) {
  std::vector<OwnerDay> completed;
  std::string after_user_id, after_day;
  for (;;) {
    auto page = producer_.days(run.window_from, run.window_to, after_user_id, after_day);
    completed.insert(completed.end(), page.days.begin(), page.days.end());
    if (!page.has_more || page.days.empty())
      break;
    after_user_id = page.days.back().user_id;
    after_day = page.days.back().day;
  }
  auto charged = pg::autocommit(db_, [&](pqxx::transaction_base& tx) {
    return ReconciliationStore::charged_days(tx, run.window_from, run.window_to);
  });
  run.days_checked = static_cast<std::int64_t>(completed.size());
  auto differing = differing_days(completed, charged);
  run.days_differing = static_cast<std::int64_t>(differing.size());
  for (const auto& day : differing)
    settle_day(run, day);
}

void CallReconciliation::settle_day(ReconciliationRun& run, const DifferingDay& day) {
  ReconciliationRun::Drift drift{day.user_id, day.day, day.completed, day.charged, 0, 0};
  std::vector<std::string> missing;
  std::string after;
  for (;;) {
    auto page = producer_.calls(day.user_id, day.day, after);
    std::vector<std::string> ids;
    ids.reserve(page.calls.size());
    for (const auto& c : page.calls)
      ids.push_back(c.call_id);
    auto decided = pg::autocommit(
        db_, [&](pqxx::transaction_base& tx) { return ReconciliationStore::decided(tx, ids); });
    for (const auto& c : page.calls) {
      if (decided.contains(c.call_id))
        continue;
      if (in_flight(c, settings_.settle)) {
        ++run.in_flight;
      } else {
        missing.push_back(c.call_id);
      }
    }
    if (!page.has_more || page.calls.empty())
      break;
    after = page.calls.back().call_id;
  }
  drift.missing = static_cast<std::int64_t>(missing.size());
  for (std::size_t i = 0; i < missing.size(); i += kRepublishBatch) {
    auto end = std::min(missing.size(), i + kRepublishBatch);
    drift.republished += producer_.republish(
        std::vector<std::string>(missing.begin() + static_cast<std::ptrdiff_t>(i),
                                 missing.begin() + static_cast<std::ptrdiff_t>(end)));
  }
  run.missing += drift.missing;
  run.republished += drift.republished;
  if (drift.missing > 0)
    run.drift.push_back(std::move(drift));
}

void CallReconciliation::run_if_due() {
  auto latest = pg::autocommit(db_, [](pqxx::transaction_base& tx) {
    auto runs = ReconciliationStore::recent(tx, 1);
    return runs.empty() ? std::optional<ReconciliationRun>() : std::move(runs.front());
  });
  auto now = std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
  auto half = std::chrono::duration<double>(settings_.interval).count() / 2;
  if (latest && now - latest->finished_epoch < half) {
    set_gauges(*latest, latest->finished_epoch);
    return;
  }
  run("schedule", std::nullopt);
}

}  // namespace kx::billing
