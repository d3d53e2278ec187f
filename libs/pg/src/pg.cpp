#include "kx/pg/pg.hpp"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <list>
#include <shared_mutex>
#include <unordered_map>

#include "kx/crypto/crypto.hpp"
#include "kx/log/log.hpp"

namespace kx::pg {
namespace {

constexpr const char* kCreateMigrationsTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  name       text PRIMARY KEY,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
))sql";

constexpr const char* kSelectApplied = "SELECT name, checksum FROM schema_migrations";
constexpr const char* kInsertApplied =
    "INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)";

// The prepared statements of each pool connection, most recently used first. An entry is
// created when the pool opens the connection and erased when it closes it; between, only the
// thread holding the connection's lease touches it, so the map's lock guards the map alone.
struct PreparedStatements {
  std::list<std::string> order;
  std::unordered_map<std::string, std::list<std::string>::iterator> where;
};
std::shared_mutex registry_mutex;
std::unordered_map<const pqxx::connection_base*, PreparedStatements> registry;

void track(const pqxx::connection_base& conn) {
  std::unique_lock lock(registry_mutex);
  registry[&conn];
}

void untrack(const pqxx::connection_base& conn) {
  std::unique_lock lock(registry_mutex);
  registry.erase(&conn);
}

PreparedStatements* tracked(const pqxx::connection_base& conn) {
  std::shared_lock lock(registry_mutex);
  auto it = registry.find(&conn);
  return it == registry.end() ? nullptr : &it->second;  // node-based: stays valid
}

// Deallocates the least recently used statements beyond `keep`; no transaction is open here.
void trim(pqxx::connection& conn, std::size_t keep) {
  auto* prepared = tracked(conn);
  while (prepared && prepared->order.size() > keep) {
    std::string name = std::move(prepared->order.back());
    prepared->order.pop_back();
    prepared->where.erase(name);
    conn.unprepare(name);
  }
}

}  // namespace

namespace detail {

void note_prepared(const pqxx::connection_base& conn, const std::string& name) {
  auto* prepared = tracked(conn);
  if (!prepared)
    return;
  if (auto it = prepared->where.find(name); it != prepared->where.end()) {
    prepared->order.splice(prepared->order.begin(), prepared->order, it->second);
  } else {
    prepared->order.push_front(name);
    prepared->where.emplace(name, prepared->order.begin());
  }
}

}  // namespace detail

Statement::Statement(std::string sql) : sql_(std::move(sql)) {
  // Unique per text in practice; libpqxx refuses a second text under a name it already holds,
  // so a collision would fail loudly rather than run the wrong statement.
  char name[24];
  std::snprintf(name, sizeof name, "kx_%016zx", std::hash<std::string>{}(sql_));
  name_ = name;
}

Pool::Lease::Lease(Pool& pool, std::unique_ptr<pqxx::connection> conn)
    : pool_(&pool), conn_(std::move(conn)) {}

Pool::Lease::~Lease() {
  if (conn_)
    pool_->give_back(std::move(conn_), discard_);
}

Pool::Pool(PoolOptions options) : options_(std::move(options)) {}

Pool::~Pool() {
  for (const auto& conn : idle_)
    untrack(*conn);
}

std::unique_ptr<pqxx::connection> Pool::open_dedicated() const {
  auto conn = std::make_unique<pqxx::connection>(options_.uri);
  // Session variables, which libpqxx sets again when it resets a lost connection by itself (a
  // statement it could not even send), so such a session still sees its own schema.
  conn->set_variable("search_path", conn->quote_name(options_.schema));
  conn->set_variable("statement_timeout", std::to_string(options_.statement_timeout.count()));
  conn->set_variable("application_name", conn->quote(options_.application_name));
  conn->set_variable("TimeZone", "'UTC'");
  conn->set_variable("DateStyle", "'ISO, MDY'");  // the format timestamp.hpp reads
  // A prepared statement runs the plan made at its first execution, for every value (see
  // Statement). Left to choose, PostgreSQL plans it again on every execution whenever its
  // estimates make the generic plan look dearer than the plans for the values seen so far,
  // which tables that grow under load bring about: the tool call's create-or-lock statement
  // then spent more time in the planner than running (docs/performance.md).
  conn->set_variable("plan_cache_mode", "force_generic_plan");
  return conn;
}

Pool::Lease Pool::acquire() {
  std::unique_lock lock(mutex_);
  auto deadline = std::chrono::steady_clock::now() + options_.acquire_timeout;
  while (idle_.empty() && open_ >= options_.size) {
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.size) {
      throw PoolTimeout();
    }
  }
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(conn));
  }
  ++open_;
  lock.unlock();
  try {
    auto conn = open_dedicated();
    track(*conn);
    return Lease(*this, std::move(conn));
  } catch (...) {
    std::lock_guard again(mutex_);
    --open_;
    cv_.notify_one();
    throw;
  }
}

void Pool::give_back(std::unique_ptr<pqxx::connection> conn, bool discard) {
  if (!discard && conn->is_open()) {
    try {
      trim(*conn, options_.max_prepared);
    } catch (const std::exception&) {
      discard = true;  // DEALLOCATE failed: the session is not worth keeping
    }
  }
  const bool keep = !discard && conn->is_open();
  if (!keep) {
    untrack(*conn);
    conn.reset();  // closed outside the pool's lock
  }
  std::lock_guard lock(mutex_);
  if (keep)
    idle_.push_back(std::move(conn));
  else
    --open_;
  cv_.notify_one();
}

bool Pool::ping(std::string& reason) {
  try {
    auto lease = acquire();
    try {
      pqxx::nontransaction tx(*lease);
      tx.exec("SELECT 1");
      return true;
    } catch (...) {
      lease.discard();
      throw;
    }
  } catch (const std::exception& e) {
    reason = "database unreachable";
    return false;
  }
}

bool is_transient(const std::exception& e) {
  if (auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string& state = sql->sqlstate();
    return state == "40001" || state == "40P01";
  }
  return false;
}

bool is_connection_error(const std::exception& e) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) ||
      dynamic_cast<const pqxx::in_doubt_error*>(&e)) {
    return true;
  }
  if (auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    return sql->sqlstate().rfind("08", 0) == 0 || sql->sqlstate() == "57P01";
  }
  return false;
}

std::size_t migrate(Pool& pool, const std::vector<Migration>& migrations) {
  auto conn = pool.open_dedicated();
  const auto& schema = pool.options().schema;
  {
    pqxx::nontransaction tx(*conn);
    // Migrations can take longer than a request may.
    tx.exec("SET statement_timeout = 0");
    tx.exec("SELECT pg_advisory_lock(hashtext(" + tx.quote("kx_migrate:" + schema) + "))");
  }
  std::size_t applied = 0;
  try {
    {
      pqxx::work tx(*conn);
      tx.exec(kCreateMigrationsTable);
      tx.commit();
    }
    std::map<std::string, std::string> done;
    {
      pqxx::read_transaction tx(*conn);
      for (const auto& row : tx.exec(kSelectApplied)) {
        done[row[0].as<std::string>()] = row[1].as<std::string>();
      }
    }
    std::vector<Migration> sorted = migrations;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Migration& a, const Migration& b) { return a.name < b.name; });
    for (const auto& m : sorted) {
      std::string checksum = crypto::sha256_hex(m.sql);
      auto it = done.find(m.name);
      if (it != done.end()) {
        if (it->second != checksum) {
          throw std::runtime_error("migration " + m.name +
                                   " was changed after it was applied; add a new migration "
                                   "instead of editing an applied one");
        }
        continue;
      }
      pqxx::work tx(*conn);
      tx.exec(m.sql);
      tx.exec_params(kInsertApplied, m.name, checksum);
      tx.commit();
      ++applied;
      log::info("migration applied", {{"schema", schema}, {"migration", m.name}});
    }
  } catch (...) {
    pqxx::nontransaction tx(*conn);
    tx.exec("SELECT pg_advisory_unlock_all()");
    throw;
  }
  pqxx::nontransaction tx(*conn);
  tx.exec("SELECT pg_advisory_unlock_all()");
  return applied;
}

}  // namespace kx::pg
