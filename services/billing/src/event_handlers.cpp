#include "event_handlers.hpp"

#include "kx/events/outbox.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "kx/metrics/metrics.hpp"
#include "owner_data.hpp"

namespace kx::billing {

void EventHandlers::on_user_registered(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  ledger_.open_account(tx, json::get_string(doc, "user_id"), json::get_string(doc, "email"),
                       json::get_string(doc, "name"), json::get_string(doc, "locale", "de"));
}

void EventHandlers::on_call_completed(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  CallReport call;
  call.call_id = json::get_string(doc, "call_id");
  call.user_id = json::get_string(doc, "user_id");
  call.agent_id = json::get_string(doc, "agent_id");
  call.status = json::get_string(doc, "status");
  call.duration_seconds = json::get_int(doc, "duration_seconds");
  call.test = json::get_bool(doc, "test");
  call.ended_at = json::get_string(doc, "ended_at");
  auto result = ledger_.charge_call(tx, call);
  if (result.outcome == ChargeOutcome::duplicate) {
    log::info("call already charged", {{"call_id", call.call_id}, {"event_id", event.id}});
  } else {
    // One per call: the metric counts them, call_charges keeps each decision, and the line is
    // there when debugging (at 1,000 calls a second it would be most of billing's log).
    metrics::Registry::global()
        .counter("kx_billing_calls_decided_total", "Completed calls billing decided on",
                 {{"outcome", std::string(to_string(result.outcome))}})
        .inc();
    log::debug("call decided", {{"call_id", call.call_id},
                                {"user_id", call.user_id},
                                {"outcome", to_string(result.outcome)},
                                {"charged_cents", result.charged_cents}});
  }
}

void EventHandlers::on_user_deleted(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  auto user_id = json::get_string(doc, "user_id");
  if (ledger_.close_account(tx, user_id))
    log::info("account closed", {{"user_id", user_id}});
  anonymise_owner(tx, user_id);
  events::forget_published(tx, user_id);
}

}  // namespace kx::billing
