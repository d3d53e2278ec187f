#include "routing_events.hpp"

#include "kx/events/envelope.hpp"
#include "kx/events/outbox.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "routing_store.hpp"

namespace kx::telephony {
namespace {

std::string event_time(const events::Event& e) {
  return e.time.empty() ? events::utc_now() : e.time;
}

std::optional<std::string> nullable(const json::Value& obj, const char* name) {
  auto v = json::get_optional_string(obj, name);
  if (v && v->empty())
    return std::nullopt;
  return v;
}

const json::Value& object_member(const json::Value& obj, const char* name) {
  static const json::Value empty(rapidjson::kObjectType);
  if (!obj.IsObject())
    return empty;
  auto it = obj.FindMember(name);
  return it != obj.MemberEnd() && it->value.IsObject() ? it->value : empty;
}

AgentCopy agent_from(const json::Value& doc) {
  AgentCopy a;
  a.agent_id = json::get_string(doc, "agent_id");
  a.user_id = json::get_string(doc, "user_id");
  a.name = json::get_string(doc, "name");
  a.status = json::get_string(doc, "status", "inactive");
  a.language = json::get_string(doc, "language", "de");
  a.timezone = json::get_string(doc, "timezone", "Europe/Berlin");
  a.vapi_assistant_id = json::get_string(doc, "vapi_assistant_id");
  const auto& esc = object_member(doc, "escalation");
  const auto& hours = object_member(esc, "business_hours");
  if (auto it = hours.FindMember("days"); it != hours.MemberEnd() && it->value.IsArray()) {
    for (const auto& d : it->value.GetArray()) {
      if (d.IsString()) {
        if (auto day = parse_weekday(d.GetString()))
          a.business_days[static_cast<std::size_t>(*day)] = true;
      }
    }
  }
  a.escalation_enabled = json::get_bool(esc, "enabled", false);
  a.forwarding_number = nullable(esc, "forwarding_number");
  a.fallback_number = nullable(esc, "fallback_number");
  a.after_hours_number = nullable(esc, "after_hours_number");
  a.business_start = json::get_string(hours, "start", "09:00");
  a.business_end = json::get_string(hours, "end", "17:00");
  a.voicemail = json::get_bool(esc, "voicemail", true);
  a.max_clarifications = static_cast<int>(json::get_int(esc, "max_clarifications", 3));
  a.vapi_phone_number_id = nullable(doc, "vapi_phone_number_id");
  a.phone_number = nullable(doc, "phone_number");
  return a;
}

}  // namespace

void RoutingEvents::on_agent_changed(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  auto agent = agent_from(doc);
  PendingFilter waiting{agent.vapi_assistant_id, agent.vapi_phone_number_id.value_or(""),
                        agent.phone_number.value_or("")};
  PendingMessages::lock_route(tx, waiting);
  if (!RoutingStore::upsert_agent(tx, agent, event_time(event))) {
    log::info("agent event ignored (older, deleted agent or deleted owner)",
              {{"agent_id", agent.agent_id}, {"event_id", event.id}});
    return;
  }
  pending_.attribute(tx, waiting);
}

void RoutingEvents::on_agent_deleted(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  auto assistant_id = json::get_string(doc, "vapi_assistant_id");
  PendingMessages::lock_route(tx, PendingFilter{assistant_id, "", ""});
  RoutingStore::delete_agent(tx, json::get_string(doc, "agent_id"),
                             json::get_string(doc, "user_id"), assistant_id, event_time(event));
  // A report of the agent's last call may still have been waiting: it belongs to this owner.
  pending_.attribute(tx, PendingFilter{assistant_id, "", ""});
}

void RoutingEvents::on_phone_number_assigned(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  PendingFilter waiting{"", json::get_string(doc, "vapi_phone_number_id"),
                        json::get_string(doc, "e164")};
  PendingMessages::lock_route(tx, waiting);
  RoutingStore::assign_number(tx, waiting.phone_number_id, waiting.phone_number,
                              json::get_string(doc, "agent_id"), json::get_string(doc, "user_id"),
                              event_time(event));
  pending_.attribute(tx, waiting);
}

void RoutingEvents::on_phone_number_released(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  RoutingStore::release_number(tx, json::get_string(doc, "vapi_phone_number_id"),
                               json::get_string(doc, "e164"), json::get_string(doc, "agent_id"),
                               event_time(event));
}

void RoutingEvents::on_user_status_changed(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  RoutingStore::set_owner_status(tx, json::get_string(doc, "user_id"),
                                 json::get_string(doc, "status"), event_time(event));
}

void RoutingEvents::on_user_deleted(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  auto user_id = json::get_string(doc, "user_id");
  auto calls = RoutingStore::erase_owner(tx, user_id, event_time(event));
  auto forgotten = events::forget_published(tx, user_id);
  log::info("owner's call data erased",
            {{"user_id", user_id}, {"calls", calls}, {"outbox_rows", forgotten}});
}

}  // namespace kx::telephony
