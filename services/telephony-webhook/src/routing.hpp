#pragma once
// The local copy of routing data: which Vapi assistant and which Vapi phone number belong to
// which agent and owner, with the agent's status, language, time zone and escalation settings.
// Fed by agent.*, phone_number.* and user.* events; read on every Vapi message. All SQL of the
// routing copy lives here.

#include <optional>
#include <string>

#include <pqxx/pqxx>

#include "escalation.hpp"
#include "kx/events/events.hpp"

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

/// Stateless; every method works inside the caller's transaction.
class Routing {
 public:
  static std::optional<AgentRoute> by_assistant(pqxx::work& tx, const std::string& assistant_id);
  /// By Vapi's phone number id, else by the E.164 number; only numbers assigned to an agent.
  static std::optional<AgentRoute> by_phone_number(pqxx::work& tx,
                                                   const std::string& vapi_phone_number_id,
                                                   const std::string& e164);
  static std::optional<AgentRoute> by_agent(pqxx::work& tx, const std::string& agent_id);

  // Event handlers (ConsumerRunner calls them inside the inbox transaction).
  static void on_agent_changed(const events::Event& event, pqxx::work& tx);
  static void on_agent_deleted(const events::Event& event, pqxx::work& tx);
  static void on_phone_number_assigned(const events::Event& event, pqxx::work& tx);
  static void on_phone_number_released(const events::Event& event, pqxx::work& tx);
  static void on_user_status_changed(const events::Event& event, pqxx::work& tx);
  /// Erases the owner's calls, escalations and routing rows (GDPR) and refuses late events.
  static void on_user_deleted(const events::Event& event, pqxx::work& tx);
};

}  // namespace kx::telephony
