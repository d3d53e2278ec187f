#pragma once
// PostgreSQL access over libpqxx: a bounded connection pool bound to one service schema, a
// transaction helper, prepared statements, and the migration runner. Blocking; call from worker
// threads.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

namespace kx::pg {

struct PoolOptions {
  std::string uri;       ///< postgresql://user:password@host:port/db (a secret: never logged)
  std::string schema;    ///< every connection's search_path
  std::size_t size = 8;  ///< maximum open connections
  std::chrono::milliseconds acquire_timeout{5'000};
  std::chrono::milliseconds statement_timeout{10'000};
  std::string application_name = "kametrix";
  /// Prepared statements a pool connection keeps (each costs the server memory for its plan).
  /// When a connection returns to the pool, the least recently used beyond this many are
  /// deallocated; one that is needed again is prepared anew.
  std::size_t max_prepared = 200;
};

/// No connection became free within the acquire timeout.
class PoolTimeout : public std::runtime_error {
 public:
  PoolTimeout() : std::runtime_error("no database connection available") {}
};

/// A fixed-size pool; connections open lazily and broken ones are replaced. Thread-safe.
class Pool {
 public:
  explicit Pool(PoolOptions options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  /// A borrowed connection, returned on destruction (or dropped if it broke).
  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<pqxx::connection> conn);
    Lease(Lease&&) noexcept = default;
    ~Lease();
    pqxx::connection& operator*() { return *conn_; }
    pqxx::connection* operator->() { return conn_.get(); }
    /// Marks the connection unusable so it is closed instead of returned.
    void discard() { discard_ = true; }

   private:
    Pool* pool_;
    std::unique_ptr<pqxx::connection> conn_;
    bool discard_ = false;
  };

  /// Blocks up to acquire_timeout. Throws PoolTimeout or pqxx::broken_connection.
  Lease acquire();
  /// True when a trivial query succeeds; otherwise false with a reason safe to show.
  bool ping(std::string& reason);
  const PoolOptions& options() const { return options_; }
  /// Opens a connection outside the pool, configured like pool connections (for LISTEN or
  /// session-level advisory locks that must not be shared).
  std::unique_ptr<pqxx::connection> open_dedicated() const;

 private:
  void give_back(std::unique_ptr<pqxx::connection> conn, bool discard);

  PoolOptions options_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  std::size_t open_ = 0;
};

/// True for errors worth retrying the whole transaction: serialization failures and deadlocks.
bool is_transient(const std::exception& e);
/// True when the database could not be reached or the connection dropped.
bool is_connection_error(const std::exception& e);

/// Runs `fn(pqxx::work&)` in one transaction and commits it. Serialization failures and
/// deadlocks are retried (up to 3 attempts); any other exception rolls back and propagates.
template <typename Fn>
auto transact(Pool& pool, Fn&& fn) -> decltype(fn(std::declval<pqxx::work&>())) {
  for (int attempt = 1;; ++attempt) {
    auto lease = pool.acquire();
    try {
      pqxx::work tx(*lease);
      if constexpr (std::is_void_v<decltype(fn(tx))>) {
        fn(tx);
        tx.commit();
        return;
      } else {
        auto result = fn(tx);
        tx.commit();
        return result;
      }
    } catch (const std::exception& e) {
      if (is_connection_error(e))
        lease.discard();
      if (attempt < 3 && is_transient(e))
        continue;
      throw;
    }
  }
}

/// Runs `fn(pqxx::transaction_base&)` without an explicit transaction: each statement commits on
/// its own, so one statement costs one round trip instead of three (BEGIN, it, COMMIT). For a
/// single statement, read or write (it is atomic by itself), and for reads that need not share
/// a snapshot. Use transact() whenever statements must see the same snapshot or succeed or fail
/// together: here a statement that ran before an exception stays committed.
template <typename Fn>
auto autocommit(Pool& pool, Fn&& fn) -> decltype(fn(std::declval<pqxx::transaction_base&>())) {
  auto lease = pool.acquire();
  try {
    pqxx::nontransaction tx(*lease);
    return fn(tx);
  } catch (const std::exception& e) {
    if (is_connection_error(e))
      lease.discard();
    throw;
  }
}

/// A SQL statement that each connection prepares the first time it runs it and afterwards
/// executes by name, so PostgreSQL parses and plans it once per connection instead of on every
/// execution. Define it once, as a constant next to the code that runs it; its name is derived
/// from the SQL, so two constants with the same text share one prepared statement.
///
/// Prepare a statement only when one plan suits every parameter value. Pool connections run
/// prepared statements with `plan_cache_mode = force_generic_plan`: the plan made at the first
/// execution, which ignores the values, serves every execution (PostgreSQL's default would plan
/// each execution anew whenever its estimates favour the values' own plans, which costs more
/// than running a short statement). So statements with optional filters (`$1 IS NULL OR col = $1`,
/// `($2 = '' OR col = $2)`), LIKE patterns from parameters, or ranges whose selectivity varies by
/// orders of magnitude would be planned once for all values (typically a sequential scan): run
/// those with exec_params. The same holds for the table's size: a generic plan made while a table
/// was nearly empty (a fresh schema) stays until the next ANALYZE, so a statement whose good plan
/// depends on the table having grown (`col = ANY($1)` picks a sequential scan on a small table) is
/// run with exec_params too.
class Statement {
 public:
  explicit Statement(std::string sql);
  const std::string& name() const { return name_; }
  const std::string& sql() const { return sql_; }

 private:
  std::string sql_;
  std::string name_;
};

/// Runs `statement` in `tx`, preparing it first on this connection when needed (a pool
/// connection keeps at most PoolOptions::max_prepared of them). libpqxx keeps the
/// per-connection registry: a connection the pool replaces starts empty, and one that
/// libpqxx resets after losing it prepares again on first use. Errors surface as from exec_params
/// (the same pqxx::sql_error subclasses); a statement that fails to prepare aborts the transaction
/// like one that fails to run.
namespace detail {
/// Records that a pool connection used a prepared statement (for max_prepared); a no-op for
/// connections outside a pool.
void note_prepared(const pqxx::connection_base& conn, const std::string& name);
}  // namespace detail

template <typename... Args>
pqxx::result exec_prepared(pqxx::transaction_base& tx, const Statement& statement, Args&&... args) {
  tx.conn().prepare(statement.name(), statement.sql());
  detail::note_prepared(tx.conn(), statement.name());
  return tx.exec_prepared(statement.name(), std::forward<Args>(args)...);
}

/// One versioned SQL file. `name` sorts the files and is recorded once applied.
struct Migration {
  std::string name;
  std::string sql;
};

/// Applies the migrations not yet recorded in `<schema>.schema_migrations`, in order, each in
/// its own transaction together with its record. Holds a PostgreSQL advisory lock for the
/// schema meanwhile, so concurrent starts of several replicas apply each file exactly once.
/// Throws if an applied migration's content changed (checksum mismatch). Returns how many
/// migrations it applied.
std::size_t migrate(Pool& pool, const std::vector<Migration>& migrations);

}  // namespace kx::pg
