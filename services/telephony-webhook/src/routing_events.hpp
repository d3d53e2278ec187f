#pragma once
// Keeps the routing copy (RoutingStore) up to date from agent.*, phone_number.* and user.* events,
// and records the Vapi messages that were waiting for the agent an event makes known.

#include "kx/events/consumer.hpp"
#include "pending_messages.hpp"

namespace kx::telephony {

/// Handlers run inside the consumer's inbox transaction (one at a time per consumer runner).
class RoutingEvents {
 public:
  explicit RoutingEvents(PendingMessages& pending) : pending_(pending) {}

  void on_agent_changed(const events::Event& event, pqxx::work& tx);
  void on_agent_deleted(const events::Event& event, pqxx::work& tx);
  void on_phone_number_assigned(const events::Event& event, pqxx::work& tx);
  void on_phone_number_released(const events::Event& event, pqxx::work& tx);
  void on_user_status_changed(const events::Event& event, pqxx::work& tx);
  /// Erases the owner's calls, escalations and routing rows (GDPR) and refuses late events.
  void on_user_deleted(const events::Event& event, pqxx::work& tx);

 private:
  PendingMessages& pending_;
};

}  // namespace kx::telephony
