#include "event_handlers.hpp"

#include "kx/events/outbox.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"

namespace kx::integrations {

RealCalls real_calls(const std::vector<const events::Event*>& batch) {
  RealCalls out;
  for (const auto* event : batch) {
    auto doc = json::parse(event->data);
    if (json::get_bool(doc, "test"))
      continue;
    out.users.push_back(json::get_string(doc, "user_id"));
    out.agents.push_back(json::get_string(doc, "agent_id"));
    out.events.push_back(event);
    out.data.push_back(std::move(doc));
  }
  return out;
}
namespace {

// The agent service's events of a deleted owner's agents follow user.deleted (their assistants
// are deleted afterwards); they must not bring the agent's name back. mail_owners keeps the
// deleted owner's tombstone.
constexpr const char* kOwnerNotDeleted =
    "WHERE NOT EXISTS (SELECT 1 FROM mail_owners WHERE user_id = $2 AND deleted) ";

std::string event_time(const events::Event& e) {
  return e.time.empty() ? events::utc_now() : e.time;
}

}  // namespace

void EventHandlers::on_agent_changed(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  std::string hours = "{}";
  if (auto it = doc.FindMember("opening_hours"); it != doc.MemberEnd() && it->value.IsObject())
    hours = json::to_string(it->value);
  tx.exec_params(
      "INSERT INTO agents (agent_id, user_id, name, language, timezone, opening_hours, "
      "changed_at) SELECT $1, $2, $3, $4, $5, $6::jsonb, $7::timestamptz " +
          std::string(kOwnerNotDeleted) +
          "ON CONFLICT (agent_id) DO UPDATE SET name = $3, language = $4, timezone = $5, "
          "opening_hours = $6::jsonb, changed_at = $7::timestamptz "
          "WHERE agents.changed_at < $7::timestamptz AND NOT agents.deleted",
      json::get_string(doc, "agent_id"), json::get_string(doc, "user_id"),
      json::get_string(doc, "name"), json::get_string(doc, "language", "de"),
      json::get_string(doc, "timezone", "Europe/Berlin"), hours, event_time(event));
}

void EventHandlers::on_agent_deleted(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  // Kept as a tombstone so an older agent.updated arriving late does not bring it back; the
  // name stays for the owner's bookings list.
  tx.exec_params(
      "INSERT INTO agents (agent_id, user_id, name, language, timezone, deleted, changed_at) "
      "SELECT $1, $2, $3, 'de', 'Europe/Berlin', true, $4::timestamptz " +
          std::string(kOwnerNotDeleted) + "ON CONFLICT (agent_id) DO UPDATE SET deleted = true",
      json::get_string(doc, "agent_id"), json::get_string(doc, "user_id"),
      json::get_string(doc, "name", "—"), event_time(event));
}

void EventHandlers::on_user_deleted(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  auto user_id = json::get_string(doc, "user_id");
  accounts_.forget(tx, user_id);
  for (const char* table : {"oauth_states", "owner_settings", "bookings", "booking_attempts",
                            "tool_results", "sheet_rows", "agents"})
    tx.exec_params(std::string("DELETE FROM ") + table + " WHERE user_id = $1", user_id);
  auto forgotten = events::forget_published(tx, user_id);
  log::info("owner's integrations data deleted",
            {{"user_id", user_id}, {"outbox_rows", forgotten}});
}

}  // namespace kx::integrations
