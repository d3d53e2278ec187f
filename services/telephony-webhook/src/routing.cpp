#include "routing.hpp"

#include "kx/json/json.hpp"
#include "kx/log/log.hpp"

namespace kx::telephony {
namespace {

constexpr const char* kRouteColumns = R"sql(
  a.agent_id, a.user_id, a.name, a.status, a.language, a.timezone, a.vapi_assistant_id,
  a.escalation_enabled, a.forwarding_number, a.fallback_number, a.after_hours_number,
  a.business_days, a.business_start, a.business_end, a.voicemail, a.max_clarifications,
  coalesce(o.status, 'active'))sql";

const std::string kRouteByAssistant = std::string("SELECT ") + kRouteColumns + R"sql(
FROM agents a LEFT JOIN owners o ON o.user_id = a.user_id
WHERE a.vapi_assistant_id = $1
ORDER BY a.deleted_at IS NULL DESC, a.changed_at DESC LIMIT 1)sql";

const std::string kRouteByPhoneNumberId = std::string("SELECT ") + kRouteColumns + R"sql(
FROM phone_numbers p JOIN agents a ON a.agent_id = p.agent_id
LEFT JOIN owners o ON o.user_id = a.user_id
WHERE p.vapi_phone_number_id = $1)sql";

const std::string kRouteByE164 = std::string("SELECT ") + kRouteColumns + R"sql(
FROM phone_numbers p JOIN agents a ON a.agent_id = p.agent_id
LEFT JOIN owners o ON o.user_id = a.user_id
WHERE p.e164 = $1 ORDER BY p.changed_at DESC LIMIT 1)sql";

const std::string kRouteByAgent = std::string("SELECT ") + kRouteColumns + R"sql(
FROM agents a LEFT JOIN owners o ON o.user_id = a.user_id WHERE a.agent_id = $1)sql";

// An agent of a deleted owner is not copied; an older event never overwrites a newer one, and
// nothing revives a deleted agent.
constexpr const char* kUpsertAgent = R"sql(
INSERT INTO agents (agent_id, user_id, name, status, language, timezone, vapi_assistant_id,
                    escalation_enabled, forwarding_number, fallback_number, after_hours_number,
                    business_days, business_start, business_end, voicemail, max_clarifications,
                    changed_at)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17::timestamptz
WHERE NOT EXISTS (SELECT 1 FROM owners WHERE user_id = $2 AND status = 'deleted')
ON CONFLICT (agent_id) DO UPDATE SET
  user_id = EXCLUDED.user_id, name = EXCLUDED.name, status = EXCLUDED.status,
  language = EXCLUDED.language, timezone = EXCLUDED.timezone,
  vapi_assistant_id = EXCLUDED.vapi_assistant_id,
  escalation_enabled = EXCLUDED.escalation_enabled,
  forwarding_number = EXCLUDED.forwarding_number, fallback_number = EXCLUDED.fallback_number,
  after_hours_number = EXCLUDED.after_hours_number, business_days = EXCLUDED.business_days,
  business_start = EXCLUDED.business_start, business_end = EXCLUDED.business_end,
  voicemail = EXCLUDED.voicemail, max_clarifications = EXCLUDED.max_clarifications,
  changed_at = EXCLUDED.changed_at
WHERE agents.deleted_at IS NULL AND agents.changed_at <= EXCLUDED.changed_at
RETURNING agent_id)sql";

// The tombstone keeps name and owner for the call history; calls to it are refused.
constexpr const char* kDeleteAgent = R"sql(
INSERT INTO agents (agent_id, user_id, status, vapi_assistant_id, changed_at, deleted_at)
VALUES ($1, $2, 'deleted', $3, $4::timestamptz, $4::timestamptz)
ON CONFLICT (agent_id) DO UPDATE SET status = 'deleted',
  deleted_at = coalesce(agents.deleted_at, EXCLUDED.deleted_at),
  changed_at = greatest(agents.changed_at, EXCLUDED.changed_at))sql";

constexpr const char* kAssignNumber = R"sql(
INSERT INTO phone_numbers (vapi_phone_number_id, e164, agent_id, user_id, changed_at)
SELECT $1, $2, $3, $4, $5::timestamptz
WHERE NOT EXISTS (SELECT 1 FROM owners WHERE user_id = $4 AND status = 'deleted')
ON CONFLICT (vapi_phone_number_id) DO UPDATE SET e164 = EXCLUDED.e164,
  agent_id = EXCLUDED.agent_id, user_id = EXCLUDED.user_id, changed_at = EXCLUDED.changed_at
WHERE phone_numbers.changed_at <= EXCLUDED.changed_at)sql";

constexpr const char* kReleaseNumber = R"sql(
INSERT INTO phone_numbers (vapi_phone_number_id, e164, agent_id, user_id, changed_at)
VALUES ($1, $2, NULL, NULL, $3::timestamptz)
ON CONFLICT (vapi_phone_number_id) DO UPDATE SET agent_id = NULL, user_id = NULL,
  changed_at = EXCLUDED.changed_at
WHERE phone_numbers.changed_at <= EXCLUDED.changed_at)sql";

// Numbers an agent no longer holds according to a newer agent event.
constexpr const char* kReleaseOtherNumbers = R"sql(
UPDATE phone_numbers SET agent_id = NULL, user_id = NULL, changed_at = $3::timestamptz
WHERE agent_id = $1 AND vapi_phone_number_id <> $2 AND changed_at <= $3::timestamptz)sql";

constexpr const char* kOwnerStatus = R"sql(
INSERT INTO owners (user_id, status, changed_at) VALUES ($1, $2, $3::timestamptz)
ON CONFLICT (user_id) DO UPDATE SET status = EXCLUDED.status, changed_at = EXCLUDED.changed_at
WHERE owners.status <> 'deleted' AND owners.changed_at <= EXCLUDED.changed_at)sql";

constexpr const char* kOwnerDeleted = R"sql(
INSERT INTO owners (user_id, status, changed_at) VALUES ($1, 'deleted', $2::timestamptz)
ON CONFLICT (user_id) DO UPDATE SET status = 'deleted',
  changed_at = greatest(owners.changed_at, EXCLUDED.changed_at))sql";
constexpr const char* kEraseToolCalls =
    "DELETE FROM tool_calls WHERE vapi_call_id IN (SELECT vapi_call_id FROM calls WHERE user_id = "
    "$1)";
constexpr const char* kEraseCalls = "DELETE FROM calls WHERE user_id = $1";
constexpr const char* kEraseAgents = "DELETE FROM agents WHERE user_id = $1";
constexpr const char* kEraseNumbers = "DELETE FROM phone_numbers WHERE user_id = $1";

std::string opt(const pqxx::field& f) {
  return f.is_null() ? std::string() : f.as<std::string>();
}

AgentRoute route_from(const pqxx::row& r) {
  AgentRoute a;
  a.agent_id = r[0].as<std::string>();
  a.user_id = r[1].as<std::string>();
  a.name = r[2].as<std::string>();
  a.status = r[3].as<std::string>();
  a.language = r[4].as<std::string>();
  a.timezone = r[5].as<std::string>();
  a.vapi_assistant_id = r[6].as<std::string>();
  a.escalation.enabled = r[7].as<bool>();
  a.escalation.forwarding_number = opt(r[8]);
  a.escalation.fallback_number = opt(r[9]);
  a.escalation.after_hours_number = opt(r[10]);
  a.escalation.hours.days = days_from_string(r[11].as<std::string>());
  a.escalation.hours.start_minutes = parse_clock(r[12].as<std::string>()).value_or(9 * 60);
  a.escalation.hours.end_minutes = parse_clock(r[13].as<std::string>()).value_or(17 * 60);
  a.escalation.voicemail = r[14].as<bool>();
  a.escalation.max_clarifications = r[15].as<int>();
  a.owner_status = r[16].as<std::string>();
  return a;
}

std::optional<AgentRoute> first_route(const pqxx::result& res) {
  if (res.empty())
    return std::nullopt;
  return route_from(res[0]);
}

std::string event_time(const events::Event& e) {
  return e.time.empty() ? events::utc_now() : e.time;
}

std::optional<std::string> nullable(const json::Value& obj, const char* name) {
  auto v = json::get_optional_string(obj, name);
  if (v && v->empty())
    return std::nullopt;
  return v;
}

}  // namespace

std::optional<AgentRoute> Routing::by_assistant(pqxx::work& tx, const std::string& assistant_id) {
  if (assistant_id.empty())
    return std::nullopt;
  return first_route(tx.exec_params(kRouteByAssistant, assistant_id));
}

std::optional<AgentRoute> Routing::by_phone_number(pqxx::work& tx,
                                                   const std::string& vapi_phone_number_id,
                                                   const std::string& e164) {
  if (!vapi_phone_number_id.empty()) {
    if (auto r = first_route(tx.exec_params(kRouteByPhoneNumberId, vapi_phone_number_id)))
      return r;
  }
  if (!e164.empty())
    return first_route(tx.exec_params(kRouteByE164, e164));
  return std::nullopt;
}

std::optional<AgentRoute> Routing::by_agent(pqxx::work& tx, const std::string& agent_id) {
  return first_route(tx.exec_params(kRouteByAgent, agent_id));
}

void Routing::on_agent_changed(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  auto agent_id = json::get_string(doc, "agent_id");
  auto user_id = json::get_string(doc, "user_id");
  auto when = event_time(event);
  const json::Value empty(rapidjson::kObjectType);
  auto esc_it = doc.FindMember("escalation");
  const json::Value& esc =
      esc_it != doc.MemberEnd() && esc_it->value.IsObject() ? esc_it->value : empty;
  auto hours_it = esc.IsObject() ? esc.FindMember("business_hours") : esc.MemberEnd();
  const json::Value& hours =
      esc.IsObject() && hours_it != esc.MemberEnd() && hours_it->value.IsObject() ? hours_it->value
                                                                                  : empty;
  std::array<bool, 7> days{};
  if (auto it = hours.FindMember("days"); it != hours.MemberEnd() && it->value.IsArray()) {
    for (const auto& d : it->value.GetArray()) {
      if (d.IsString()) {
        if (auto day = parse_weekday(d.GetString()))
          days[static_cast<std::size_t>(*day)] = true;
      }
    }
  }
  auto changed = tx.exec_params(
      kUpsertAgent, agent_id, user_id, json::get_string(doc, "name"),
      json::get_string(doc, "status", "inactive"), json::get_string(doc, "language", "de"),
      json::get_string(doc, "timezone", "Europe/Berlin"),
      json::get_string(doc, "vapi_assistant_id"), json::get_bool(esc, "enabled", false),
      nullable(esc, "forwarding_number"), nullable(esc, "fallback_number"),
      nullable(esc, "after_hours_number"), days_to_string(days),
      json::get_string(hours, "start", "09:00"), json::get_string(hours, "end", "17:00"),
      json::get_bool(esc, "voicemail", true),
      static_cast<int>(json::get_int(esc, "max_clarifications", 3)), when);
  if (changed.empty()) {
    log::info("agent event ignored (older, deleted agent or deleted owner)",
              {{"agent_id", agent_id}, {"event_id", event.id}});
    return;
  }
  auto number_id = nullable(doc, "vapi_phone_number_id");
  auto e164 = nullable(doc, "phone_number");
  if (number_id && e164)
    tx.exec_params(kAssignNumber, *number_id, *e164, agent_id, user_id, when);
  tx.exec_params(kReleaseOtherNumbers, agent_id, number_id.value_or(""), when);
}

void Routing::on_agent_deleted(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  auto agent_id = json::get_string(doc, "agent_id");
  auto when = event_time(event);
  tx.exec_params(kDeleteAgent, agent_id, json::get_string(doc, "user_id"),
                 json::get_string(doc, "vapi_assistant_id"), when);
  tx.exec_params(kReleaseOtherNumbers, agent_id, "", when);
}

void Routing::on_phone_number_assigned(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  tx.exec_params(kAssignNumber, json::get_string(doc, "vapi_phone_number_id"),
                 json::get_string(doc, "e164"), json::get_string(doc, "agent_id"),
                 json::get_string(doc, "user_id"), event_time(event));
}

void Routing::on_phone_number_released(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  tx.exec_params(kReleaseNumber, json::get_string(doc, "vapi_phone_number_id"),
                 json::get_string(doc, "e164"), event_time(event));
}

void Routing::on_user_status_changed(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  tx.exec_params(kOwnerStatus, json::get_string(doc, "user_id"), json::get_string(doc, "status"),
                 event_time(event));
}

void Routing::on_user_deleted(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  auto user_id = json::get_string(doc, "user_id");
  tx.exec_params(kOwnerDeleted, user_id, event_time(event));
  tx.exec_params(kEraseToolCalls, user_id);
  auto calls = tx.exec_params(kEraseCalls, user_id).affected_rows();
  tx.exec_params(kEraseAgents, user_id);
  tx.exec_params(kEraseNumbers, user_id);
  log::info("owner's call data erased", {{"user_id", user_id}, {"calls", calls}});
}

}  // namespace kx::telephony
