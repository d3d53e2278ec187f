#include "call_reconciliation_api.hpp"

#include "kx/events/audit.hpp"
#include "kx/http/error.hpp"
#include "kx/http/query.hpp"
#include "kx/json/json.hpp"
#include "reconciliation_store.hpp"

namespace kx::billing {
namespace {

using http::Access;
using http::Request;
using http::Response;

void write_run(json::Writer& w, const ReconciliationRun& run) {
  w.begin_object()
      .field("id", run.id)
      .field("trigger", run.trigger)
      .field("admin_id", run.admin_id)
      .field("started_at", run.started_at)
      .field("window_from", run.window_from)
      .field("window_to", run.window_to)
      .field("days_checked", run.days_checked)
      .field("days_differing", run.days_differing)
      .field("missing", run.missing)
      .field("in_flight", run.in_flight)
      .field("republished", run.republished)
      .field("error", run.error)
      .key("drift")
      .begin_array();
  for (const auto& d : run.drift) {
    w.begin_object()
        .field("user_id", d.user_id)
        .field("day", d.day)
        .field("completed", d.completed)
        .field("charged", d.charged)
        .field("missing", d.missing)
        .field("republished", d.republished)
        .end_object();
  }
  w.end_array().end_object();
}

}  // namespace

std::string reconciliation_run_json(const ReconciliationRun& run) {
  json::Writer w;
  write_run(w, run);
  return w.str();
}

void CallReconciliationApi::add_routes(http::Router& r) {
  r.add("GET", "/api/admin/billing/reconciliation/calls", *this, &CallReconciliationApi::runs,
        {.max_body = 0, .access = Access::admin});
  r.add("POST", "/api/admin/billing/reconciliation/calls", *this, &CallReconciliationApi::run_now,
        {.max_body = 1024, .access = Access::admin});
}

Response CallReconciliationApi::runs(Request& req) {
  http::QueryParams q(req);
  int limit = q.integer("limit", 10, 1, 100);
  q.require_valid();
  auto runs = pg::autocommit(
      db_, [&](pqxx::transaction_base& tx) { return ReconciliationStore::recent(tx, limit); });
  const auto& s = reconciliation_.settings();
  json::Writer w;
  w.begin_object()
      .key("settings")
      .begin_object()
      .field("days", s.days)
      .field("settle_ms", static_cast<std::int64_t>(s.settle.count()))
      .field("interval_ms", static_cast<std::int64_t>(s.interval.count()))
      .end_object()
      .key("runs")
      .begin_array();
  for (const auto& run : runs)
    write_run(w, run);
  w.end_array().end_object();
  return Response::json(200, w.str());
}

Response CallReconciliationApi::run_now(Request& req) {
  auto run = reconciliation_.run("admin", req.identity.user_id);
  if (!run) {
    throw http::Error::conflict(
        "Ein Abgleich läuft gerade. Bitte versuchen Sie es gleich noch einmal.",
        "reconciliation_running");
  }
  auto body = reconciliation_run_json(*run);
  pg::transact(db_, [&](pqxx::work& tx) {
    events::publish_audit(outbox_, tx, req,
                          {"billing.reconcile", "reconciliation_run", std::to_string(run->id),
                           "null", body, std::nullopt});
  });
  return Response::json(200, body);
}

}  // namespace kx::billing
