#include "kx/events/outbox.hpp"

#include "kx/crypto/crypto.hpp"
#include "kx/events/envelope.hpp"

std::vector<std::pair<std::string, std::string>> kx_events_migration_files();

namespace kx::events {
namespace {

constexpr std::size_t kColumns = 8;

// The rows and the notification that wakes the relay at commit time instead of at its next
// poll, in one round trip. PostgreSQL delivers identical notifications of one transaction once;
// the statement sends one however many rows it adds. The rows' sequence numbers follow the
// VALUES order, so the relay publishes them in the order given.
std::string insert_sql(std::size_t rows) {
  std::string sql =
      "WITH added AS (\n  INSERT INTO outbox (event_id, topic, event_key, ce_type, ce_source, "
      "ce_subject, ce_time, data)\n  VALUES ";
  for (std::size_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ", (";
    for (std::size_t c = 1; c <= kColumns; ++c)
      sql += (c == 1 ? "$" : ", $") + std::to_string(r * kColumns + c);
    sql += ")";
  }
  return sql +
         " RETURNING seq\n)\nSELECT pg_notify('kx_outbox_' || current_schema(), '') FROM (SELECT "
         "FROM added "
         "LIMIT 1) one";
}

// Prepared per number of rows: events come one or two per transaction, rarely more.
constexpr std::size_t kPreparedUpTo = 4;
const std::vector<pg::Statement>& insert_statements() {
  static const std::vector<pg::Statement> statements = [] {
    std::vector<pg::Statement> out;
    for (std::size_t n = 1; n <= kPreparedUpTo; ++n)
      out.emplace_back(insert_sql(n));
    return out;
  }();
  return statements;
}

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
  std::vector<std::string> ids;
  if (events.empty())
    return ids;
  std::vector<std::string> values;
  values.reserve(events.size() * kColumns);
  const auto now = utc_now();
  for (const auto& e : events) {
    std::string ce_type = e.type + "." + e.version;
    schemas_.validate(ce_type, e.data);
    ids.push_back(e.id.empty() ? crypto::uuid_v7() : e.id);
    values.insert(values.end(),
                  {ids.back(), e.type, e.key, ce_type, source_, e.subject, now, e.data});
  }
  const auto params = pqxx::prepare::make_dynamic_params(values);
  if (events.size() <= kPreparedUpTo)
    pg::exec_prepared(tx, insert_statements()[events.size() - 1], params);
  else
    tx.exec_params(insert_sql(events.size()), params);
  return ids;
}

std::size_t forget_published(pqxx::work& tx, const std::string& user_id) {
  if (user_id.empty())
    return 0;
  return static_cast<std::size_t>(tx.exec_params(kForgetPublished, user_id).affected_rows());
}

}  // namespace kx::events
