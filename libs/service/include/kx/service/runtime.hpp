#pragma once
// What every service is made of, wired once: checked configuration, JSON logging, the
// database pool and migrations, the outbox relay, event consumers, and the HTTP server with
// health, readiness, metrics and the health report GET /internal/system (on a local admin
// listener instead when ADMIN_PORT is set). A service's main() reads its own settings, registers
// routes and consumers, and calls run().

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "kx/config/config.hpp"
#include "kx/events/events.hpp"
#include "kx/http/router.hpp"
#include "kx/http/server.hpp"
#include "kx/log/log.hpp"
#include "kx/pg/pg.hpp"
#include "kx/service/periodic.hpp"

namespace kx::service {

struct Needs {
  bool database = true;
  /// Defaults of EVENTS_MAX_BATCH and EVENTS_PARALLEL_PARTITIONS for the service's
  /// transactional consumer (see events::ConsumerOptions). Above 1 parallel partition the
  /// service's handlers run concurrently and must be thread-safe.
  std::size_t events_max_batch = 1;
  std::size_t events_parallel_partitions = 1;
};

/// Converts embedded (name, sql) pairs into migrations.
std::vector<pg::Migration> to_migrations(
    const std::vector<std::pair<std::string, std::string>>& files);

/// For a service's command-line tools: a one-connection pool on DATABASE_URL for the schema of
/// `service`, named `tool` in pg_stat_activity. When `migrations` is not empty, the events
/// migrations and these are applied first. On a configuration problem it prints the problem to
/// stderr and returns null (the tool exits with status 2). Throws on database errors.
std::unique_ptr<pg::Pool> command_pool(const std::string& service, const std::string& tool,
                                       const std::vector<pg::Migration>& migrations = {});

/// Not thread-safe during setup; run() blocks the calling thread until SIGTERM/SIGINT.
class Runtime {
 public:
  /// Reads the common settings of service `name` (checked later by open()).
  ///   SERVICE_HOST, SERVICE_PORT, DATABASE_URL, DATABASE_POOL_SIZE, KAFKA_BOOTSTRAP,
  ///   KAFKA_SESSION_TIMEOUT_MS, INTERNAL_SECRET, LOG_LEVEL, HTTP_WORKER_THREADS, ADMIN_PORT,
  ///   EVENTS_MAX_BATCH, EVENTS_PARALLEL_PARTITIONS, EVENTS_FETCH_WAIT_MS.
  /// With ADMIN_PORT, /metrics, the detailed /readyz and /internal/system (without signature)
  /// are served on ADMIN_HOST (127.0.0.1):ADMIN_PORT, and the service port serves /readyz as
  /// {"status"} only and no /metrics (http::ServerOptions::public_edge).
  explicit Runtime(std::string name, Needs needs = {});
  ~Runtime();

  /// The environment, for the service's own settings before open().
  config::Env& env() { return env_; }
  const std::string& name() const { return name_; }

  /// Checks the configuration (on problems: prints one message naming all of them and exits
  /// with status 2), starts logging, waits for the database (up to 60 s) and applies the
  /// events and service migrations.
  void open(const std::vector<pg::Migration>& service_migrations = {});

  pg::Pool& db();
  const events::Schemas& schemas() const { return events::Schemas::embedded(); }
  const events::Outbox& outbox() const { return *outbox_; }
  const http::IdentitySigner& signer() const { return *server_options_.identity; }
  const events::KafkaOptions& kafka() const { return kafka_; }
  http::Router& router() { return router_; }
  http::ServerOptions& server_options() { return server_options_; }

  /// Handles events of `type` once per event id, in one transaction with the inbox row. Several
  /// handlers of one type run in the order added, in that one transaction.
  void consume(const std::string& type, events::TxHandler handler);
  /// As consume(), with the new events of a batch at once (events::ConsumerRunner::on_batch).
  void consume_batch(const std::string& type, events::TxBatchHandler handler);
  /// The same with a member function of `handlers`, which must outlive run(): either
  /// `void T::fn(const events::Event&, pqxx::work&)`, or, for a batch at once,
  /// `void T::fn(const std::vector<const events::Event*>&, pqxx::work&)`.
  template <class T, class Fn>
  requires std::is_member_function_pointer_v<Fn>
  void consume(const std::string& type, T& handlers, Fn fn) {
    using Batch = const std::vector<const events::Event*>&;
    if constexpr (std::is_invocable_v<Fn, T&, Batch, pqxx::work&>) {
      consume_batch(type, [&handlers, fn](Batch events, pqxx::work& tx) {
        std::invoke(fn, handlers, events, tx);
      });
    } else {
      consume(type, events::TxHandler([&handlers, fn](const events::Event& e, pqxx::work& tx) {
                std::invoke(fn, handlers, e, tx);
              }));
    }
  }
  /// Handles events without a database, from the time the group first joins; `group`
  /// overrides the consumer group (e.g. one group per gateway replica so every replica sees
  /// every event).
  void consume_plain(const std::string& type, events::PlainHandler handler,
                     const std::string& group = {});

  /// Runs `job` every `interval` while the service runs (first right after start), on a thread
  /// of its own; see PeriodicJobs for errors and metrics. Jobs stop after the HTTP server has
  /// drained and before consumers and relay stop, so what a job writes is still published.
  void every(std::string name, std::chrono::milliseconds interval, std::function<void()> job);

  /// The service's health document (GET /internal/system): readiness, HTTP requests, errors and
  /// latency from its metrics, outbox backlog, consumer lag and dead letters per topic, and the
  /// database. Blocks up to a few seconds when the broker or the database does not answer.
  /// Thread-safe; call while run() serves.
  std::string system_report();

  /// Starts relay, consumers, periodic jobs and the HTTP server; returns the exit status after a
  /// graceful shutdown.
  int run();

 private:
  std::string name_;
  Needs needs_;
  config::Env env_;
  std::string log_level_;
  log::Output log_output_;
  std::string database_url_;
  std::size_t pool_size_ = 8;
  events::KafkaOptions kafka_;
  events::ConsumerOptions consumer_options_;
  http::ServerOptions server_options_;
  http::Router router_;
  std::uint16_t admin_port_ = 0;
  std::string admin_host_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<events::Outbox> outbox_;
  std::unique_ptr<events::BrokerProbe> probe_;
  std::unique_ptr<events::ConsumerRunner> consumer_;
  std::unique_ptr<events::ConsumerRunner> plain_consumer_;
  std::string plain_group_;
  PeriodicJobs jobs_;
  std::chrono::milliseconds lag_metrics_interval_{5'000};
  events::ConsumerRunner& transactional_consumer();  ///< made with the first handler
  void update_backlog_metrics();
};

}  // namespace kx::service
