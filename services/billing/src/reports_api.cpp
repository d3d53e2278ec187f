#include "reports_api.hpp"

#include "kx/http/error.hpp"
#include "kx/http/query.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "reconcile_command.hpp"
#include "statistics_store.hpp"
#include "stripe_store.hpp"

namespace kx::billing {
namespace {

using http::Access;
using http::Error;
using http::Request;
using http::Response;

constexpr int kMaxStatsDays = 366;

}  // namespace

void ReportsApi::add_routes(http::Router& r) {
  const http::RouteOptions read{.max_body = 0, .access = Access::admin};
  const http::RouteOptions write{.max_body = 16 * 1024, .access = Access::admin};
  r.add("GET", "/api/admin/billing/stats", *this, &ReportsApi::statistics, read);
  r.add("GET", "/api/admin/billing/reconciliation", *this, &ReportsApi::reconciliation, read);
  r.add("GET", "/api/admin/billing/disputes", *this, &ReportsApi::disputes, read);
  r.add("POST", "/api/admin/billing/disputes/{id}/review", *this, &ReportsApi::review_dispute,
        write);
}

Response ReportsApi::statistics(Request& req) {
  http::QueryParams q(req);
  auto from = q.date("from");
  auto to = q.date("to");
  q.require_valid();
  auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  auto last = to.value_or(today);
  auto first = from.value_or(last - std::chrono::days(29));
  if (first > last)
    q.add_error("from", "darf nicht nach \"to\" liegen");
  else if ((last - first).count() >= kMaxStatsDays)
    q.add_error("from",
                "der Zeitraum darf höchstens " + std::to_string(kMaxStatsDays) + " Tage umfassen");
  q.require_valid();
  auto [days, snapshot] = pg::transact(db_, [&](pqxx::work& tx) {
    return std::make_pair(
        StatisticsStore::per_day(tx, http::format_date(first), http::format_date(last)),
        StatisticsStore::snapshot(tx));
  });
  DayStats total;
  json::Writer w;
  w.begin_object()
      .field("from", http::format_date(first))
      .field("to", http::format_date(last))
      .key("days")
      .begin_array();
  for (const auto& d : days) {
    w.begin_object()
        .field("date", d.date)
        .field("credits_sold", d.credits_sold)
        .field("credits_used", d.credits_used)
        .field("credits_refunded", d.credits_refunded)
        .field("credits_adjusted", d.credits_adjusted)
        .field("credits_bonus", d.credits_bonus)
        .field("revenue_cents", d.revenue_cents)
        .field("refunded_cents", d.refunded_cents)
        .field("purchases", d.purchases)
        .field("charged_calls", d.charged_calls)
        .field("written_off_cents", d.written_off_cents)
        .end_object();
    total.credits_sold += d.credits_sold;
    total.credits_used += d.credits_used;
    total.credits_refunded += d.credits_refunded;
    total.credits_adjusted += d.credits_adjusted;
    total.credits_bonus += d.credits_bonus;
    total.revenue_cents += d.revenue_cents;
    total.refunded_cents += d.refunded_cents;
    total.purchases += d.purchases;
    total.charged_calls += d.charged_calls;
    total.written_off_cents += d.written_off_cents;
  }
  w.end_array()
      .key("totals")
      .begin_object()
      .field("credits_sold", total.credits_sold)
      .field("credits_used", total.credits_used)
      .field("credits_refunded", total.credits_refunded)
      .field("credits_adjusted", total.credits_adjusted)
      .field("credits_bonus", total.credits_bonus)
      .field("revenue_cents", total.revenue_cents)
      .field("refunded_cents", total.refunded_cents)
      .field("purchases", total.purchases)
      .field("charged_calls", total.charged_calls)
      .field("written_off_cents", total.written_off_cents)
      .end_object()
      .key("accounts")
      .begin_object()
      .field("open", snapshot.open_accounts)
      .field("total_balance_cents", snapshot.total_balance_cents)
      .field("low", snapshot.accounts_low)
      .field("in_grace", snapshot.accounts_in_grace)
      .field("grace_owed_cents", snapshot.grace_owed_cents)
      .field("exhausted", snapshot.accounts_exhausted)
      .field("open_disputes", snapshot.open_disputes)
      .field("unmatched_stripe_events", snapshot.unmatched_stripe_events)
      .end_object()
      .end_object();
  return Response::json(200, w.str());
}

Response ReportsApi::reconciliation(Request& req) {
  auto report = reconcile_ledger(db_);
  if (!report.drift.empty()) {
    log::error("ledger drift found", {{"accounts", static_cast<std::int64_t>(report.drift.size())},
                                      {"request_id", req.request_id}});
  }
  return Response::json(200, reconciliation_json(report));
}

Response ReportsApi::disputes(Request& req) {
  http::QueryParams q(req);
  auto [limit, offset] = q.page(50, 200);
  bool open = q.flag("open").value_or(true);
  q.require_valid();
  auto list = pg::transact(
      db_, [&](pqxx::work& tx) { return StripeStore::disputes(tx, open, limit, offset); });
  json::Writer w;
  w.begin_object().key("items").begin_array();
  for (const auto& d : list) {
    w.begin_object()
        .field("dispute_id", d.dispute_id)
        .field("charge_id", d.charge_id)
        .field("payment_intent", d.payment_intent)
        .field("checkout_session_id", d.session_id)
        .field("user_id", d.user_id)
        .field("amount_cents", d.amount_cents)
        .field("currency", d.currency)
        .field("reason", d.reason)
        .field("status", d.status)
        .field("created_at", d.created_at)
        .field("reviewed_at", d.reviewed_at)
        .field("reviewed_by", d.reviewed_by)
        .end_object();
  }
  w.end_array().end_object();
  return Response::json(200, w.str());
}

Response ReportsApi::review_dispute(Request& req) {
  const auto& id = req.param("id");
  bool reviewed = pg::transact(db_, [&](pqxx::work& tx) {
    if (!StripeStore::review_dispute(tx, id, req.identity.user_id))
      return false;
    publish_audit(
        outbox_, tx, req,
        {"billing.dispute.review", "dispute", id, R"({"reviewed":false})", R"({"reviewed":true})"});
    return true;
  });
  if (!reviewed)
    throw Error::not_found("Diese Zahlungsanfechtung gibt es nicht oder sie ist bereits geprüft.");
  return Response::json(200, R"({"reviewed":true})");
}

}  // namespace kx::billing
