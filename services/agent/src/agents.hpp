#pragma once
// What happens to an agent, in one place for the owner's API, the admin API and the consumed
// events: every change is stored, marked for the Vapi sync worker and, once the agent is
// announced, published as agent.updated — all in the caller's transaction.

#include <optional>
#include <string>

#include <pqxx/pqxx>

#include "agent_store.hpp"
#include "kx/events/outbox.hpp"

namespace kx::agent {

/// The event payloads (proto-schemas/events/agent.*.json, phone_number.*.json).
std::string agent_event_data(const AgentRow& agent);
void write_escalation(json::Writer& w, const Escalation& e);

class Agents {
 public:
  explicit Agents(const events::Outbox& outbox) : outbox_(outbox) {}

  /// Stores a new agent, gives it a free pool number if there is one, and queues its sync.
  AgentRow create(pqxx::work& tx, const std::string& user_id, const Definition& definition) const;
  AgentRow update(pqxx::work& tx, const AgentRow& agent, const Definition& definition) const;
  AgentRow set_status(pqxx::work& tx, const AgentRow& agent, const std::string& status) const;
  /// Marks the agent deleted and releases its number; the worker deletes the assistant and
  /// publishes agent.deleted. Calls and billing history belong to other services and stay.
  void remove(pqxx::work& tx, const AgentRow& agent) const;
  /// Something the assistant depends on changed (owner facts): re-sync and announce.
  void changed(pqxx::work& tx, const std::string& agent_id) const;
  /// Gives free numbers to active agents that have none, oldest first; returns how many.
  int assign_waiting(pqxx::work& tx) const;

  /// For the sync worker: the assistant exists (first time: agent.created, else agent.updated).
  void announce(pqxx::work& tx, const std::string& agent_id, bool assistant_changed) const;
  void announce_deleted(pqxx::work& tx, const AgentRow& agent) const;
  void announce_number(pqxx::work& tx, const PhoneNumberRow& number,
                       const std::optional<std::string>& agent_id,
                       const std::optional<std::string>& user_id) const;

 private:
  AgentRow reload(pqxx::work& tx, const std::string& id) const;
  const events::Outbox& outbox_;
};

}  // namespace kx::agent
