#include "stripe_admin_api.hpp"

#include "api_support.hpp"
#include "kx/http/error.hpp"
#include "kx/json/json.hpp"
#include "stripe_store.hpp"

namespace kx::billing {

using http::Request;
using http::Response;

void StripeAdminApi::add_routes(http::Router& r) {
  r.add("GET", "/api/admin/billing/stripe-events", [this](Request& req) { return list(req); },
        {.max_body = 0, .access = http::Access::admin});
  r.add("POST", "/api/admin/billing/stripe-events/{id}/review",
        [this](Request& req) { return review(req); },
        {.max_body = 1024, .access = http::Access::admin});
}

Response StripeAdminApi::list(Request& req) {
  http::QueryParams q(req);
  auto [limit, offset] = q.page(50, 200);
  bool open = q.flag("open").value_or(true);
  q.require_valid();
  auto events = pg::transact(
      db_, [&](pqxx::work& tx) { return StripeStore::attention_events(tx, open, limit, offset); });
  json::Writer w;
  w.begin_object().key("items").begin_array();
  for (const auto& e : events) {
    w.begin_object()
        .field("event_id", e.event_id)
        .field("type", e.type)
        .field("object_id", e.object_id)
        .field("livemode", e.livemode)
        .field("outcome", e.outcome)
        .field("detail", e.detail)
        .key("object");
    if (e.object)
      w.raw(*e.object);
    else
      w.null();
    w.field("received_at", e.received_at)
        .field("reviewed_at", e.reviewed_at)
        .field("reviewed_by", e.reviewed_by)
        .end_object();
  }
  w.end_array().end_object();
  return Response::json(200, w.str());
}

Response StripeAdminApi::review(Request& req) {
  const auto& id = req.param("id");
  bool reviewed = pg::transact(db_, [&](pqxx::work& tx) {
    if (!StripeStore::review_event(tx, id, req.identity.user_id))
      return false;
    publish_audit(outbox_, tx, req,
                  {"billing.stripe_event.review", "stripe_event", id, R"({"reviewed":false})",
                   R"({"reviewed":true})"});
    return true;
  });
  if (!reviewed) {
    throw http::Error::not_found(
        "Dieses Stripe-Ereignis gibt es nicht, es braucht keine Prüfung oder ist bereits geprüft.");
  }
  return Response::json(200, R"({"reviewed":true})");
}

}  // namespace kx::billing
