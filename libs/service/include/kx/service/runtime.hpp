#pragma once
// What every service is made of, wired once: checked configuration, JSON logging, the
// database pool and migrations, the outbox relay, event consumers, and the HTTP server with
// health, readiness and metrics. A service's main() reads its own settings, registers routes
// and consumers, and calls run().

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kx/config/config.hpp"
#include "kx/events/events.hpp"
#include "kx/http/router.hpp"
#include "kx/http/server.hpp"
#include "kx/pg/pg.hpp"

namespace kx::service {

struct Needs {
  bool database = true;
};

/// Converts embedded (name, sql) pairs into migrations.
std::vector<pg::Migration> to_migrations(
    const std::vector<std::pair<std::string, std::string>>& files);

/// Not thread-safe during setup; run() blocks the calling thread until SIGTERM/SIGINT.
class Runtime {
 public:
  /// Reads the common settings of service `name` (checked later by open()).
  ///   SERVICE_HOST, SERVICE_PORT, DATABASE_URL, DATABASE_POOL_SIZE, KAFKA_BOOTSTRAP,
  ///   KAFKA_SESSION_TIMEOUT_MS, INTERNAL_SECRET, LOG_LEVEL, HTTP_WORKER_THREADS
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

  /// Handles events of `type` once per event id, in one transaction with the inbox row.
  void consume(const std::string& type, events::TxHandler handler);
  /// Handles events without a database, from the time the group first joins; `group`
  /// overrides the consumer group (e.g. one group per gateway replica so every replica sees
  /// every event).
  void consume_plain(const std::string& type, events::PlainHandler handler,
                     const std::string& group = {});

  /// Starts relay, consumers and the HTTP server; returns the exit status after a graceful
  /// shutdown.
  int run();

 private:
  std::string name_;
  Needs needs_;
  config::Env env_;
  std::string log_level_;
  std::string database_url_;
  std::size_t pool_size_ = 8;
  events::KafkaOptions kafka_;
  http::ServerOptions server_options_;
  http::Router router_;
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<events::Outbox> outbox_;
  std::unique_ptr<events::BrokerProbe> probe_;
  std::unique_ptr<events::ConsumerRunner> consumer_;
  std::unique_ptr<events::ConsumerRunner> plain_consumer_;
  std::string plain_group_;
};

}  // namespace kx::service
