#pragma once
// What other services report about an owner and what it does to the owner's agents: a
// suspended account or exhausted credit pauses them (their assistants decline calls), a
// reactivation or a purchase resumes them, Google connected or not changes their tools, and a
// deleted account deletes them. Whether the owner confirmed their e-mail address decides whether
// they may put an agent live (AgentsApi). Each event applies once (the runtime's inbox) and an
// event older than the fact it would change is ignored, so late and repeated deliveries are
// harmless.

#include "agents.hpp"
#include "kx/events/envelope.hpp"

namespace kx::agent {

class EventHandlers {
 public:
  explicit EventHandlers(const Agents& agents) : agents_(agents) {}

  /// user.registered and user.updated: the owner's email_verified, when the event carries it.
  void on_user_verification(const events::Event& event, pqxx::work& tx);
  void on_user_status_changed(const events::Event& event, pqxx::work& tx);
  void on_user_deleted(const events::Event& event, pqxx::work& tx);
  void on_credits_exhausted(const events::Event& event, pqxx::work& tx);
  void on_credits_restored(const events::Event& event, pqxx::work& tx);
  void on_google_connected(const events::Event& event, pqxx::work& tx);
  void on_google_disconnected(const events::Event& event, pqxx::work& tx);

 private:
  void resync(pqxx::work& tx, const std::vector<std::string>& agent_ids, const char* why,
              const events::Event& event);
  /// One of the owner's yes/no facts from an event (credit exhausted, Google connected).
  using FlagSetter = std::vector<std::string> (*)(pqxx::work&, const std::string&, bool,
                                                  const std::string&);
  void set_flag(const events::Event& event, pqxx::work& tx, FlagSetter set, bool value,
                const char* why);
  const Agents& agents_;
};

}  // namespace kx::agent
