#include "stripe_webhook.hpp"

#include "kx/http/error.hpp"
#include "kx/log/log.hpp"
#include "kx/metrics/metrics.hpp"
#include "stripe_signature.hpp"
#include "stripe_store.hpp"

namespace kx::billing {
namespace {

using http::Error;
using http::Request;
using http::Response;

constexpr std::size_t kWebhookBodyLimit = 1024 * 1024;

void count_event(const std::string& type, const std::string& outcome) {
  metrics::Registry::global()
      .counter("kx_billing_stripe_events_total", "Stripe webhook deliveries by type and outcome.",
               {{"type", type}, {"outcome", outcome}})
      .inc();
}

}  // namespace

StripeWebhook::StripeWebhook(pg::Pool& db, Ledger& ledger, std::string secret, Clock clock)
    : db_(db), events_(ledger), secret_(std::move(secret)), clock_(std::move(clock)) {}

void StripeWebhook::add_routes(http::Router& r) {
  r.add("POST", "/webhooks/stripe", *this, &StripeWebhook::receive,
        {.max_body = kWebhookBodyLimit, .access = http::Access::anonymous});
}

Response StripeWebhook::receive(Request& req) {
  if (secret_.empty()) {
    log::error("stripe webhook refused: STRIPE_WEBHOOK_SECRET is not configured",
               {{"request_id", req.request_id}});
    throw Error::unavailable("Stripe-Webhooks sind auf diesem Server nicht eingerichtet.");
  }
  // Nothing of the body is looked at before the signature holds.
  auto check = verify_stripe_signature(req.header("Stripe-Signature").value_or(""), req.body,
                                       secret_, clock_());
  if (check != SignatureCheck::ok) {
    log::warn("stripe webhook refused",
              {{"reason", to_string(check)}, {"request_id", req.request_id}});
    count_event("unverified", "invalid_signature");
    throw Error(400, "invalid_signature", "Die Stripe-Signatur fehlt oder ist ungültig.");
  }

  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  auto event_id = in.required_string("id", 255);
  auto type = in.required_string("type", 255);
  const json::Value* data = in.optional_object("data");
  if (in.ok() && (event_id.empty() || type.empty()))
    in.add_error(event_id.empty() ? "id" : "type", "darf nicht leer sein");
  if (!data || !data->HasMember("object") || !(*data)["object"].IsObject())
    in.add_error("data.object", "ist erforderlich");
  http::require_valid(in);
  const json::Value& object = (*data)["object"];
  bool livemode = json::get_bool(doc, "livemode");

  auto outcome = pg::transact(db_, [&](pqxx::work& tx) -> std::string {
    if (!StripeStore::record_event(tx, event_id, type, json::get_string(object, "id"), livemode))
      return "duplicate";
    auto result = events_.apply(tx, type, object);
    StripeStore::set_event_outcome(tx, event_id, result);
    return result;
  });
  count_event(type, outcome);
  log::info("stripe event", {{"event_id", event_id},
                             {"type", type},
                             {"outcome", outcome},
                             {"request_id", req.request_id}});
  json::Writer w;
  w.begin_object().field("received", true).field("outcome", outcome).end_object();
  return Response::json(200, w.str());
}

}  // namespace kx::billing
