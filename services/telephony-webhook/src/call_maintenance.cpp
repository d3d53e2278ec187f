#include "call_maintenance.hpp"

#include "kx/log/log.hpp"
#include "kx/metrics/metrics.hpp"

namespace kx::telephony {
namespace {

constexpr int kPurgeBatch = 500;

}  // namespace

CallMaintenance::Pass CallMaintenance::run_once(Clock::time_point now) {
  Pass pass;
  // Messages whose agent's events arrived while they were being kept (the routing events record
  // them at once; this catches whatever is left, e.g. after a crash between the two).
  for (;;) {
    auto n = pg::transact(db_, [&](pqxx::work& tx) { return pending_.attribute(tx, {}); });
    pass.attributed += n;
    if (n == 0)
      break;
  }
  auto expired = pg::transact(db_, [&](pqxx::work& tx) {
    return PendingMessages::expire(tx, now - std::chrono::days(settings_.retention_days));
  });
  if (expired > 0) {
    log::error(
        "vapi messages whose agent never became known were removed after the retention "
        "period",
        {{"messages", expired}});
  }
  auto [waiting, oldest_s] =
      pg::transact(db_, [](pqxx::work& tx) { return PendingMessages::backlog(tx); });
  metrics::Registry::global()
      .gauge("kx_vapi_pending_messages", "Vapi messages waiting for their agent's events")
      .set(static_cast<double>(waiting));
  if (waiting > 0 && oldest_s > 600) {
    log::error("vapi messages wait for an agent the routing copy does not know",
               {{"messages", waiting}, {"oldest_seconds", oldest_s}});
  }
  pass.finished = recorder_.finish_overdue(settings_.report_wait, now);
  auto before = now - std::chrono::days(settings_.retention_days);
  for (;;) {
    auto n = pg::transact(
        db_, [&](pqxx::work& tx) { return Calls::purge_content(tx, before, kPurgeBatch); });
    pass.purged += n;
    if (n < kPurgeBatch)
      break;
  }
  if (pass.purged > 0) {
    log::info("call content removed after the retention period",
              {{"calls", pass.purged}, {"retention_days", settings_.retention_days}});
    metrics::Registry::global()
        .counter("kx_call_content_purged_total",
                 "Calls whose transcript and recording were removed")
        .inc(static_cast<double>(pass.purged));
  }
  return pass;
}

}  // namespace kx::telephony
