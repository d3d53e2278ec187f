#include "kx/events/outbox.hpp"

#include "kx/crypto/crypto.hpp"
#include "kx/events/envelope.hpp"

std::vector<std::pair<std::string, std::string>> kx_events_migration_files();

namespace kx::events {
namespace {

// The notification wakes the relay at commit time instead of at its next poll; PostgreSQL
// delivers identical notifications of one transaction once, so a row costs one round trip.
const pg::Statement kInsertOutbox(R"sql(
WITH added AS (
  INSERT INTO outbox (event_id, topic, event_key, ce_type, ce_source, ce_subject, ce_time, data)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq
)
SELECT pg_notify('kx_outbox_' || current_schema(), '') FROM added)sql");
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
  const std::string ce_type = type + "." + version;
  schemas_.validate(ce_type, data);
  std::string id = crypto::uuid_v7();
  pg::exec_prepared(tx, kInsertOutbox, id, type, key, ce_type, source_, subject, utc_now(), data);
  return id;
}

std::size_t forget_published(pqxx::work& tx, const std::string& user_id) {
  if (user_id.empty())
    return 0;
  return static_cast<std::size_t>(tx.exec_params(kForgetPublished, user_id).affected_rows());
}

}  // namespace kx::events
