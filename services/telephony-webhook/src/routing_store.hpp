#pragma once
// The local copy of routing data: which Vapi assistant and which Vapi phone number belong to
// which agent and owner, with the agent's status, language, time zone and escalation settings.
// Read on every Vapi message; written by RoutingEvents. All SQL of the routing copy lives here.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <pqxx/pqxx>

#include "escalation.hpp"
#include "vapi_message.hpp"

namespace kx::telephony {

struct AgentRoute {
  std::string agent_id;
  std::string user_id;
  std::string name;
  std::string status;  ///< active, inactive, paused, deleted
  std::string language;
  std::string timezone;
  std::string vapi_assistant_id;
  EscalationSettings escalation;
  std::string owner_status;  ///< active, inactive, suspended, deleted (active when never told)

  /// Whether calls to this agent may be answered by its assistant.
  bool answers_calls() const { return status == "active" && owner_status == "active"; }
};

/// An agent as its latest agent.created / agent.updated event describes it.
struct AgentCopy {
  std::string agent_id;
  std::string user_id;
  std::string name;
  std::string status;
  std::string language;
  std::string timezone;
  std::string vapi_assistant_id;
  bool escalation_enabled = false;
  std::optional<std::string> forwarding_number, fallback_number, after_hours_number;
  std::array<bool, 7> business_days{};  ///< Monday first
  std::string business_start = "09:00", business_end = "17:00";
  bool voicemail = true;
  int max_clarifications = 3;
  std::optional<std::string> vapi_phone_number_id;  ///< the number the agent holds, if any
  std::optional<std::string> phone_number;
};

/// Stateless; every method works inside the caller's transaction. `when` is the ce_time of the
/// event that reports a change: a change never overwrites a newer one.
class RoutingStore {
 public:
  static std::optional<AgentRoute> by_assistant(pqxx::transaction_base& tx,
                                                const std::string& assistant_id);
  /// By Vapi's phone number id, else by the E.164 number; only numbers assigned to an agent.
  static std::optional<AgentRoute> by_phone_number(pqxx::transaction_base& tx,
                                                   const std::string& vapi_phone_number_id,
                                                   const std::string& e164);
  static std::optional<AgentRoute> by_agent(pqxx::work& tx, const std::string& agent_id);
  /// The agent a message about a running call belongs to. The assistant the message names
  /// decides (a number may have moved to another agent since); only a message that names no
  /// assistant is routed by its number.
  static std::optional<AgentRoute> for_call(pqxx::transaction_base& tx, const VapiCall& call);
  /// for_call()'s queries over the SQL parameters named (e.g. "$9"), for statements that need
  /// the route and more in one round trip: at most one row of kRouteColumnCount columns (read
  /// with route_from) and a last one, its rank. by_assistant_sql for a message that names an
  /// assistant, by_number_sql for one that does not.
  static std::string by_assistant_sql(std::string_view assistant_id);
  static std::string by_number_sql(std::string_view phone_number_id, std::string_view e164);
  static constexpr int kRouteColumnCount = 17;
  /// The route in the row's columns from `first` on.
  static AgentRoute route_from(const pqxx::row& row, int first = 0);

  /// Copies the agent unless its owner is deleted, it was deleted, or a newer change is stored;
  /// false when nothing changed. Numbers the agent no longer holds are released.
  static bool upsert_agent(pqxx::work& tx, const AgentCopy& agent, const std::string& when);
  /// Keeps a tombstone (name and owner for the call history); calls to it are refused.
  static void delete_agent(pqxx::work& tx, const std::string& agent_id, const std::string& user_id,
                           const std::string& vapi_assistant_id, const std::string& when);
  static void assign_number(pqxx::work& tx, const std::string& vapi_phone_number_id,
                            const std::string& e164, const std::string& agent_id,
                            const std::string& user_id, const std::string& when);
  /// Frees the number from `agent_id`; a newer assignment, or one to another agent at the same
  /// time, stays.
  static void release_number(pqxx::work& tx, const std::string& vapi_phone_number_id,
                             const std::string& e164, const std::string& agent_id,
                             const std::string& when);
  static void set_owner_status(pqxx::work& tx, const std::string& user_id,
                               const std::string& status, const std::string& when);
  /// Marks the owner deleted (late events are refused) and erases their calls, escalations,
  /// tool answers, routing rows and the reports still waiting for one of their agents (GDPR).
  /// Returns the calls erased.
  static std::int64_t erase_owner(pqxx::work& tx, const std::string& user_id,
                                  const std::string& when);
};

}  // namespace kx::telephony
