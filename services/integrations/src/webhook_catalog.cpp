#include "webhook_catalog.hpp"

#include <algorithm>
#include <stdexcept>

#include "kx/crypto/crypto.hpp"
#include "kx/json/json.hpp"

namespace kx::integrations {

const std::vector<WebhookEventType>& webhook_event_types() {
  static const std::vector<WebhookEventType> types = {
      {"call.started", "Ein Anruf bei einem Agenten hat begonnen.",
       "A call to an agent has started."},
      {"call.completed",
       "Ein Anruf ist beendet; mit Dauer, Status, Zusammenfassung und ob ein Termin gebucht wurde.",
       "A call has ended; with duration, status, summary and whether an appointment was booked."},
      {"call.escalated", "Ein Anruf wurde an einen Menschen übergeben (oder es wurde versucht).",
       "A call was handed (or an attempt was made to hand it) to a human."},
      {"appointment.booked", "Ein Agent hat einen Termin in Ihrem Kalender gebucht.",
       "An agent booked an appointment in your calendar."},
      {"appointment.rescheduled", "Ein Termin wurde verschoben.",
       "An appointment was moved to a new time."},
      {"appointment.cancelled", "Ein Termin wurde abgesagt.", "An appointment was cancelled."},
      {"credits.purchased", "Ein Guthabenpaket wurde gekauft und gutgeschrieben.",
       "A credit pack was purchased and credited."},
      {"credits.low", "Das Guthaben ist unter die Warnschwelle gefallen.",
       "The balance fell to or below the low-balance threshold."},
      {"credits.exhausted", "Das Guthaben ist aufgebraucht; die Agenten pausieren.",
       "The balance is used up; the agents are paused."},
      {"credits.restored", "Nach einem Kauf ist wieder Guthaben da; die Agenten laufen wieder.",
       "A purchase restored the balance; the agents run again."},
      {"agent.created", "Ein Agent wurde angelegt.", "An agent was created."},
      {"agent.updated", "Ein Agent wurde geändert (auch Status und Weiterleitung).",
       "An agent was changed (including its status and escalation)."},
      {"agent.deleted", "Ein Agent wurde gelöscht.", "An agent was deleted."},
  };
  return types;
}

bool is_webhook_event_type(std::string_view type) {
  const auto& types = webhook_event_types();
  return std::any_of(types.begin(), types.end(),
                     [&](const WebhookEventType& t) { return t.type == type; });
}

std::string webhook_payload(std::string_view type, std::string_view timestamp,
                            std::string_view event_data) {
  auto data = json::parse(event_data);
  json::Writer w;
  w.begin_object().field("type", type).field("timestamp", timestamp).key("data").begin_object();
  if (data.IsObject()) {
    for (const auto& m : data.GetObject()) {
      std::string_view name(m.name.GetString(), m.name.GetStringLength());
      // Ids of our providers' objects mean nothing to the owner and are not part of the contract.
      if (name.starts_with("vapi_") || name == "checkout_session_id")
        continue;
      w.key(name).value(m.value);
    }
  }
  w.end_object().end_object();
  return w.str();
}

std::string new_webhook_secret() {
  return "whsec_" + crypto::base64_encode(crypto::random_bytes(32));
}

std::string webhook_message_id(std::string_view event_id, std::string_view endpoint_id) {
  auto digest = crypto::sha256(std::string(event_id) + "\n" + std::string(endpoint_id));
  return "msg_" + crypto::hex_encode(digest.substr(0, 16));
}

std::string webhook_signature(std::string_view secret, std::string_view message_id,
                              std::int64_t timestamp, std::string_view body) {
  if (!secret.starts_with("whsec_"))
    throw std::invalid_argument("webhook secret without whsec_ prefix");
  auto key = crypto::base64_decode(secret.substr(6));
  if (!key || key->empty())
    throw std::invalid_argument("webhook secret is not base64");
  std::string signed_content;
  signed_content.reserve(message_id.size() + body.size() + 24);
  signed_content.append(message_id).append(".").append(std::to_string(timestamp)).append(".");
  signed_content.append(body);
  return "v1," + crypto::base64_encode(crypto::hmac_sha256(*key, signed_content));
}

}  // namespace kx::integrations
