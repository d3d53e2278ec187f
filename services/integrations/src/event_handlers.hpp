#pragma once
// What integrations takes from other services' events: the agents (zone, opening hours, name)
// for the calendar tools and the call log, and deleted owners.

#include "google_accounts.hpp"
#include "kx/events/envelope.hpp"

namespace kx::integrations {

class EventHandlers {
 public:
  explicit EventHandlers(GoogleAccounts& accounts) : accounts_(accounts) {}

  /// agent.created / agent.updated: the newest state wins (ce_time), a deleted agent stays so.
  void on_agent_changed(const events::Event& event, pqxx::work& tx);
  void on_agent_deleted(const events::Event& event, pqxx::work& tx);
  /// user.deleted: the Google grant revoked, tokens, settings, bookings and queued rows gone.
  void on_user_deleted(const events::Event& event, pqxx::work& tx);

 private:
  GoogleAccounts& accounts_;
};

}  // namespace kx::integrations
