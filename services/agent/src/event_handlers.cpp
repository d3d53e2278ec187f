#include "event_handlers.hpp"

#include "kx/events/outbox.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"

namespace kx::agent {
namespace {

std::string event_time(const events::Event& e) {
  return e.time.empty() ? events::utc_now() : e.time;
}

}  // namespace

void EventHandlers::resync(pqxx::work& tx, const std::vector<std::string>& agent_ids,
                           const char* why, const events::Event& event) {
  for (const auto& id : agent_ids)
    agents_.changed(tx, id);
  if (!agent_ids.empty())
    log::info(
        "agents follow the owner's change",
        {{"why", why}, {"agents", static_cast<int>(agent_ids.size())}, {"event_id", event.id}});
}

void EventHandlers::on_user_verification(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  auto it = doc.FindMember("email_verified");
  if (it == doc.MemberEnd() || !it->value.IsBool())
    return;  // an older auth says nothing about it: the fact stays as it was
  AgentStore::set_email_verified(tx, json::get_string(doc, "user_id"), it->value.GetBool(),
                                 event_time(event));
}

void EventHandlers::on_user_status_changed(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  auto ids = AgentStore::set_account_status(tx, json::get_string(doc, "user_id"),
                                            json::get_string(doc, "status"), event_time(event));
  resync(tx, ids, "account status", event);
}

void EventHandlers::on_user_deleted(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  auto user_id = json::get_string(doc, "user_id");
  AgentStore::mark_owner_deleted(tx, user_id);
  AgentStore::delete_drafts_of(tx, user_id);
  tx.exec_params("DELETE FROM rate_limits WHERE user_id = $1", user_id);
  int count = 0;
  for (const auto& id : AgentStore::agent_ids_of(tx, user_id)) {
    if (auto agent = AgentStore::agent(tx, id, user_id, true)) {
      agents_.remove(tx, *agent);
      ++count;
    }
  }
  auto forgotten = events::forget_published(tx, user_id);
  log::info("owner's agents and drafts deleted",
            {{"user_id", user_id}, {"agents", count}, {"outbox_rows", forgotten}});
}

void EventHandlers::set_flag(const events::Event& event, pqxx::work& tx, FlagSetter set, bool value,
                             const char* why) {
  auto doc = json::parse(event.data);
  resync(tx, set(tx, json::get_string(doc, "user_id"), value, event_time(event)), why, event);
}

void EventHandlers::on_credits_exhausted(const events::Event& event, pqxx::work& tx) {
  set_flag(event, tx, &AgentStore::set_credits_exhausted, true, "credits exhausted");
}

void EventHandlers::on_credits_restored(const events::Event& event, pqxx::work& tx) {
  set_flag(event, tx, &AgentStore::set_credits_exhausted, false, "credits restored");
}

void EventHandlers::on_google_connected(const events::Event& event, pqxx::work& tx) {
  set_flag(event, tx, &AgentStore::set_google_connected, true, "google connected");
}

void EventHandlers::on_google_disconnected(const events::Event& event, pqxx::work& tx) {
  set_flag(event, tx, &AgentStore::set_google_connected, false, "google disconnected");
}

}  // namespace kx::agent
