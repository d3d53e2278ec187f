#include "kx/events/outbox.hpp"

#include "kx/crypto/crypto.hpp"
#include "kx/events/envelope.hpp"
#include "kx/json/json.hpp"

std::vector<std::pair<std::string, std::string>> kx_events_migration_files();

namespace kx::events {
namespace {

// The rows in one round trip, for any number of them.
const pg::Statement kAdd("WITH " + Outbox::insert_cte(1, "true") +
                         "\nSELECT count(*) FROM outbox_added");

constexpr const char* kForgetPublished =
    "DELETE FROM outbox WHERE published_at IS NOT NULL AND (event_key = $1 OR strpos(data, $1) > "
    "0)";

}  // namespace

std::vector<pg::Migration> migrations() {
  std::vector<pg::Migration> out;
  for (auto& [name, sql] : kx_events_migration_files())
    out.push_back({name, sql});
  return out;
}

Outbox::Outbox(const Schemas& schemas, std::string source)
    : schemas_(schemas), source_(std::move(source)) {}

std::string Outbox::add(pqxx::work& tx, const std::string& type, const std::string& key,
                        const std::string& subject, const std::string& data,
                        const std::string& version) const {
  return add(tx, {NewEvent{type, key, subject, data, version}}).front();
}

std::vector<std::string> Outbox::add(pqxx::work& tx, const std::vector<NewEvent>& events) const {
  if (events.empty())
    return {};
  auto prepared = prepare(events);
  pg::exec_prepared(tx, kAdd, prepared.rows);
  return std::move(prepared.ids);
}

PreparedEvents Outbox::prepare(const std::vector<NewEvent>& events) const {
  PreparedEvents out;
  const auto now = ce_time_now();
  json::Writer w;
  w.begin_array();
  for (const auto& e : events) {
    std::string ce_type = e.type + "." + e.version;
    schemas_.validate(ce_type, e.data);
    out.ids.push_back(e.id.empty() ? crypto::uuid_v7() : e.id);
    w.begin_object()
        .field("event_id", out.ids.back())
        .field("topic", e.type)
        .field("event_key", e.key)
        .field("ce_type", ce_type)
        .field("ce_source", source_)
        .field("ce_subject", e.subject)
        .field("ce_time", now)
        .field("data", e.data)
        .end_object();
  }
  w.end_array();
  out.rows = w.str();
  return out;
}

// The rows come as one JSON array (one parameter for any number of them); their sequence
// numbers follow the array's order, so the relay publishes them in the order given.
std::string Outbox::insert_cte(int param, std::string_view condition) {
  return "outbox_added AS (\n"
         "  INSERT INTO outbox (event_id, topic, event_key, ce_type, ce_source, ce_subject, "
         "ce_time, data)\n"
         "  SELECT e.event_id, e.topic, e.event_key, e.ce_type, e.ce_source, e.ce_subject, "
         "e.ce_time, e.data\n"
         "  FROM ROWS FROM (json_to_recordset($" +
         std::to_string(param) +
         "::json) AS (event_id uuid, topic text, event_key text, ce_type text, ce_source text, "
         "ce_subject text, ce_time text, data text))\n"
         "    WITH ORDINALITY AS e (event_id, topic, event_key, ce_type, ce_source, ce_subject, "
         "ce_time, data, n)\n"
         "  WHERE " +
         std::string(condition) +
         "\n  ORDER BY e.n\n"
         "  RETURNING seq\n)";
}

std::size_t forget_published(pqxx::work& tx, const std::string& user_id) {
  if (user_id.empty())
    return 0;
  return static_cast<std::size_t>(tx.exec_params(kForgetPublished, user_id).affected_rows());
}

}  // namespace kx::events
