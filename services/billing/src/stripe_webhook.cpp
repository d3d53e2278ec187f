#include "stripe_webhook.hpp"

#include "kx/crypto/crypto.hpp"
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
constexpr std::size_t kMaxIdLength = 255;

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

  // A signed body is Stripe's (or holds our secret): whatever it lacks, it is recorded and
  // answered 2xx, because any other answer makes Stripe retry it for days. Only a body that is
  // not JSON at all is refused (400 invalid_json).
  auto doc = http::parse_body(req.body);
  std::string event_id = json::get_string(doc, "id");
  std::string type = json::get_string(doc, "type");
  const json::Value* object = nullptr;
  if (doc.IsObject() && doc.HasMember("data") && doc["data"].IsObject()) {
    const auto& data = doc["data"];
    if (data.HasMember("object") && data["object"].IsObject())
      object = &data["object"];
  }
  std::string problem;
  if (event_id.empty() || event_id.size() > kMaxIdLength) {
    problem = "Ereignis ohne brauchbare id";
    event_id = "unidentified:" + crypto::sha256_hex(req.body);
  } else if (type.empty() || type.size() > kMaxIdLength) {
    problem = "Ereignis ohne Typ";
  } else if (!object) {
    problem = "Ereignis ohne data.object";
  }
  if (type.size() > kMaxIdLength)
    type.resize(kMaxIdLength);
  bool livemode = json::get_bool(doc, "livemode");

  auto result = pg::transact(db_, [&](pqxx::work& tx) -> StripeResult {
    auto object_id = object ? json::get_string(*object, "id") : std::string();
    if (!StripeStore::record_event(tx, event_id, type, object_id.substr(0, kMaxIdLength),
                                   livemode)) {
      return {StripeOutcome::duplicate, {}};
    }
    auto applied = problem.empty() ? events_.apply(tx, type, *object)
                                   : StripeResult{StripeOutcome::unusable, problem};
    bool attention = needs_attention(applied.outcome);
    std::optional<std::string> kept;
    if (attention) {
      json::Writer w;
      w.value(object ? *object : static_cast<const json::Value&>(doc));
      kept = w.str();
    }
    StripeStore::set_event_outcome(tx, event_id, std::string(to_string(applied.outcome)), attention,
                                   applied.detail, kept);
    return applied;
  });
  auto outcome = std::string(to_string(result.outcome));
  count_event(type.empty() ? "unknown" : type, outcome);
  if (needs_attention(result.outcome)) {
    log::error("stripe event needs attention", {{"event_id", event_id},
                                                {"type", type},
                                                {"outcome", outcome},
                                                {"detail", result.detail},
                                                {"request_id", req.request_id}});
  } else {
    log::info("stripe event", {{"event_id", event_id},
                               {"type", type},
                               {"outcome", outcome},
                               {"request_id", req.request_id}});
  }
  json::Writer w;
  w.begin_object().field("received", true).field("outcome", outcome).end_object();
  return Response::json(200, w.str());
}

}  // namespace kx::billing
