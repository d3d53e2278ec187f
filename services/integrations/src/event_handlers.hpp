#pragma once
// What integrations takes from other services' events: the agents (zone, opening hours, name)
// for the calendar tools and the call log, and deleted owners.

#include <string>
#include <vector>

#include "google_accounts.hpp"
#include "kx/events/envelope.hpp"
#include "kx/json/json.hpp"

namespace kx::integrations {

/// The real calls among a batch of call.completed events (test calls left out): their events,
/// parsed data, owners and agents, each list in the batch's order, for one lookup over the batch
/// (the owners and agents as SQL arrays, a row's ordinality its place in the lists).
struct RealCalls {
  std::vector<const events::Event*> events;
  std::vector<json::Document> data;
  std::vector<std::string> users;
  std::vector<std::string> agents;
};
RealCalls real_calls(const std::vector<const events::Event*>& batch);

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
