#include "routing_store.hpp"

#include "kx/pg/pg.hpp"
#include "owner_data.hpp"

namespace kx::telephony {
namespace {

constexpr const char* kRouteColumns = R"sql(
  a.agent_id, a.user_id, a.name, a.status, a.language, a.timezone, a.vapi_assistant_id,
  a.escalation_enabled, a.forwarding_number, a.fallback_number, a.after_hours_number,
  a.business_days, a.business_start, a.business_end, a.voicemail, a.max_clarifications,
  coalesce(o.status, 'active'))sql";

const pg::Statement kRouteByAssistant(RoutingStore::by_assistant_sql("$1"));
const pg::Statement kRouteForNumber(RoutingStore::by_number_sql("$1", "$2"));

const pg::Statement kRouteByAgent(std::string("SELECT ") + kRouteColumns + R"sql(
FROM agents a LEFT JOIN owners o ON o.user_id = a.user_id WHERE a.agent_id = $1)sql");

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

// The tombstone keeps name and owner for the call history; calls to it are refused. A deleted
// owner gets none: their agent.deleted follows user.deleted, and a tombstone would route a late
// report of their last call into a new call record.
constexpr const char* kDeleteAgent = R"sql(
INSERT INTO agents (agent_id, user_id, status, vapi_assistant_id, changed_at, deleted_at)
SELECT $1, $2, 'deleted', $3, $4::timestamptz, $4::timestamptz
WHERE NOT EXISTS (SELECT 1 FROM owners WHERE user_id = $2 AND status = 'deleted')
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

// A release is about the agent it names: when the agent service moves a number, it publishes the
// release of the old agent and the assignment of the new one in one transaction, with the same
// time, on two topics that may be consumed in either order. The new agent's assignment stays.
constexpr const char* kReleaseNumber = R"sql(
INSERT INTO phone_numbers (vapi_phone_number_id, e164, agent_id, user_id, changed_at)
VALUES ($1, $2, NULL, NULL, $3::timestamptz)
ON CONFLICT (vapi_phone_number_id) DO UPDATE SET agent_id = NULL, user_id = NULL,
  changed_at = EXCLUDED.changed_at
WHERE phone_numbers.changed_at < EXCLUDED.changed_at
   OR (phone_numbers.changed_at = EXCLUDED.changed_at AND phone_numbers.agent_id = $4))sql";

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

}  // namespace

AgentRoute RoutingStore::route_from(const pqxx::row& row, int first) {
  auto r = [&](int i) { return row[first + i]; };
  AgentRoute a;
  a.agent_id = r(0).as<std::string>();
  a.user_id = r(1).as<std::string>();
  a.name = r(2).as<std::string>();
  a.status = r(3).as<std::string>();
  a.language = r(4).as<std::string>();
  a.timezone = r(5).as<std::string>();
  a.vapi_assistant_id = r(6).as<std::string>();
  a.escalation.enabled = r(7).as<bool>();
  a.escalation.forwarding_number = opt(r(8));
  a.escalation.fallback_number = opt(r(9));
  a.escalation.after_hours_number = opt(r(10));
  a.escalation.hours.days = days_from_string(r(11).as<std::string>());
  a.escalation.hours.start_minutes = parse_clock(r(12).as<std::string>()).value_or(9 * 60);
  a.escalation.hours.end_minutes = parse_clock(r(13).as<std::string>()).value_or(17 * 60);
  a.escalation.voicemail = r(14).as<bool>();
  a.escalation.max_clarifications = r(15).as<int>();
  a.owner_status = r(16).as<std::string>();
  return a;
}

// for_call()'s queries: the assistant the message names decides; without one, the number by
// Vapi's id, else by E.164 (`rank`, after the route's columns, orders the two). Two statements
// rather than one with a branch per rule: PostgreSQL sets up every branch of a plan for each
// execution, also those a parameter rules out.
std::string RoutingStore::by_assistant_sql(std::string_view assistant) {
  return "SELECT " + std::string(kRouteColumns) +
         R"sql(, 1 AS rank FROM agents a LEFT JOIN owners o ON o.user_id = a.user_id
  WHERE a.vapi_assistant_id = )sql" +
         std::string(assistant) + R"sql(::text
  ORDER BY a.deleted_at IS NULL DESC, a.changed_at DESC LIMIT 1)sql";
}

std::string RoutingStore::by_number_sql(std::string_view number_id, std::string_view e164) {
  auto p = [](std::string_view s) { return std::string(s) + "::text"; };
  return "SELECT * FROM ((SELECT " + std::string(kRouteColumns) +
         R"sql(, 2 AS rank FROM phone_numbers p
  JOIN agents a ON a.agent_id = p.agent_id LEFT JOIN owners o ON o.user_id = a.user_id
  WHERE p.vapi_phone_number_id = )sql" +
         p(number_id) + R"sql()
UNION ALL (SELECT )sql" +
         kRouteColumns + R"sql(, 3 FROM phone_numbers p
  JOIN agents a ON a.agent_id = p.agent_id LEFT JOIN owners o ON o.user_id = a.user_id
  WHERE )sql" +
         p(e164) + " <> '' AND p.e164 = " + p(e164) +
         R"sql( ORDER BY p.changed_at DESC LIMIT 1)) routes ORDER BY rank LIMIT 1)sql";
}

namespace {

std::optional<AgentRoute> first_route(const pqxx::result& res) {
  if (res.empty())
    return std::nullopt;
  return RoutingStore::route_from(res[0]);
}

}  // namespace

std::optional<AgentRoute> RoutingStore::by_assistant(pqxx::transaction_base& tx,
                                                     const std::string& assistant_id) {
  if (assistant_id.empty())
    return std::nullopt;
  return first_route(pg::exec_prepared(tx, kRouteByAssistant, assistant_id));
}

std::optional<AgentRoute> RoutingStore::by_phone_number(pqxx::transaction_base& tx,
                                                        const std::string& vapi_phone_number_id,
                                                        const std::string& e164) {
  if (vapi_phone_number_id.empty() && e164.empty())
    return std::nullopt;
  return first_route(pg::exec_prepared(tx, kRouteForNumber, vapi_phone_number_id, e164));
}

std::optional<AgentRoute> RoutingStore::by_agent(pqxx::work& tx, const std::string& agent_id) {
  return first_route(pg::exec_prepared(tx, kRouteByAgent, agent_id));
}

std::optional<AgentRoute> RoutingStore::for_call(pqxx::transaction_base& tx, const VapiCall& call) {
  if (!call.assistant_id.empty())
    return by_assistant(tx, call.assistant_id);
  return by_phone_number(tx, call.phone_number_id, call.phone_number);
}

bool RoutingStore::upsert_agent(pqxx::work& tx, const AgentCopy& a, const std::string& when) {
  auto changed =
      tx.exec_params(kUpsertAgent, a.agent_id, a.user_id, a.name, a.status, a.language, a.timezone,
                     a.vapi_assistant_id, a.escalation_enabled, a.forwarding_number,
                     a.fallback_number, a.after_hours_number, days_to_string(a.business_days),
                     a.business_start, a.business_end, a.voicemail, a.max_clarifications, when);
  if (changed.empty())
    return false;
  if (a.vapi_phone_number_id && a.phone_number)
    assign_number(tx, *a.vapi_phone_number_id, *a.phone_number, a.agent_id, a.user_id, when);
  tx.exec_params(kReleaseOtherNumbers, a.agent_id, a.vapi_phone_number_id.value_or(""), when);
  return true;
}

void RoutingStore::delete_agent(pqxx::work& tx, const std::string& agent_id,
                                const std::string& user_id, const std::string& vapi_assistant_id,
                                const std::string& when) {
  tx.exec_params(kDeleteAgent, agent_id, user_id, vapi_assistant_id, when);
  tx.exec_params(kReleaseOtherNumbers, agent_id, "", when);
}

void RoutingStore::assign_number(pqxx::work& tx, const std::string& vapi_phone_number_id,
                                 const std::string& e164, const std::string& agent_id,
                                 const std::string& user_id, const std::string& when) {
  tx.exec_params(kAssignNumber, vapi_phone_number_id, e164, agent_id, user_id, when);
}

void RoutingStore::release_number(pqxx::work& tx, const std::string& vapi_phone_number_id,
                                  const std::string& e164, const std::string& agent_id,
                                  const std::string& when) {
  tx.exec_params(kReleaseNumber, vapi_phone_number_id, e164, when, agent_id);
}

void RoutingStore::set_owner_status(pqxx::work& tx, const std::string& user_id,
                                    const std::string& status, const std::string& when) {
  tx.exec_params(kOwnerStatus, user_id, status, when);
}

std::int64_t RoutingStore::erase_owner(pqxx::work& tx, const std::string& user_id,
                                       const std::string& when) {
  tx.exec_params(kOwnerDeleted, user_id, when);
  erase_pending_messages_of(tx, user_id);
  tx.exec_params(kEraseToolCalls, user_id);
  auto calls = tx.exec_params(kEraseCalls, user_id).affected_rows();
  tx.exec_params(kEraseAgents, user_id);
  tx.exec_params(kEraseNumbers, user_id);
  return static_cast<std::int64_t>(calls);
}

}  // namespace kx::telephony
