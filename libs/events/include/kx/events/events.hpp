#pragma once
// Events between services: the CloudEvents 1.0 envelope in Kafka headers (binary mode), JSON
// Schema validation of event data, the transactional outbox and its relay, and the consumer
// runner with an idempotent inbox and a dead-letter topic. The design needs no Kafka
// transactions: exactly-once effects come from the outbox (at-least-once publishing, in order
// per key) plus the inbox (each event id acted on once).

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "kx/pg/pg.hpp"

namespace kx::events {

/// One event as it travels: envelope attributes plus the data as JSON text.
struct Event {
  std::string id;       ///< ce_id, a UUID
  std::string type;     ///< ce_type without version, e.g. "user.registered" (= the topic)
  std::string version;  ///< "v1"
  std::string source;   ///< ce_source, the producing service
  std::string subject;  ///< ce_subject, the aggregate id
  std::string time;     ///< ce_time, ISO-8601 UTC
  std::string key;      ///< Kafka key: the owner's user id
  std::string data;     ///< JSON object
  std::string ce_type() const { return type + "." + version; }
};

/// Kafka header list for an event (ce_* and content-type).
std::vector<std::pair<std::string, std::string>> to_headers(const Event& event);
/// Rebuilds an event from headers, key and value; throws std::invalid_argument naming the
/// missing or malformed attribute.
Event from_headers(const std::vector<std::pair<std::string, std::string>>& headers, std::string key,
                   std::string value);

/// The current time as ISO-8601 UTC with milliseconds, e.g. 2026-11-21T10:00:00.123Z.
std::string utc_now();

/// Event data does not satisfy its schema, or no schema exists for the type.
class SchemaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The JSON Schemas of proto-schemas/events, compiled into the binary. Thread-safe.
class Schemas {
 public:
  /// The schemas embedded at build time.
  static const Schemas& embedded();
  /// Schemas from (file name, content) pairs, e.g. "user.registered.v1.json".
  explicit Schemas(const std::vector<std::pair<std::string, std::string>>& files);
  ~Schemas();

  /// Throws SchemaError with a readable reason.
  void validate(const std::string& ce_type, const std::string& data) const;
  /// Every topic: the event types without version, sorted.
  std::vector<std::string> topics() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The migrations every service with an outbox or inbox applies (outbox and inbox tables).
std::vector<pg::Migration> migrations();

/// Writes events into the outbox inside the caller's transaction. Thread-safe.
class Outbox {
 public:
  Outbox(const Schemas& schemas, std::string source);
  /// Validates `data` against `<type>.<version>` and stores the event; returns its id. Throws
  /// SchemaError (a programming error: the transaction should fail).
  std::string add(pqxx::work& tx, const std::string& type, const std::string& key,
                  const std::string& subject, const std::string& data,
                  const std::string& version = "v1") const;

 private:
  const Schemas& schemas_;
  std::string source_;
};

struct KafkaOptions {
  std::string bootstrap;
  std::chrono::milliseconds session_timeout{10'000};
  std::chrono::milliseconds message_timeout{30'000};  ///< per produce attempt of the relay
};

struct RelayOptions {
  std::size_t batch_size = 500;
  std::chrono::milliseconds idle_wait{500};  ///< poll interval when no notification arrives
  std::chrono::milliseconds error_backoff{1'000};
  std::chrono::hours keep_published{24 * 7};  ///< published rows are deleted after this
  /// Inbox rows (the ids of processed events) are deleted after this. Far longer than any
  /// redelivery can come (broker retention), so duplicates are still recognised.
  std::chrono::hours keep_processed{24 * 30};
};

/// Publishes outbox rows in seq order with the idempotent producer and marks them published, and
/// keeps the schema's outbox and inbox tables small (prune()).
/// Only one relay per schema is active at a time (a PostgreSQL advisory lock elects it), which
/// keeps the order per key with several replicas. A row is marked only after the broker
/// acknowledged it; a crash in between republishes it with the same id, which the consumers'
/// inbox absorbs. While the broker is down rows stay pending and are retried.
class OutboxRelay {
 public:
  OutboxRelay(pg::Pool& pool, KafkaOptions kafka, RelayOptions options = {});
  ~OutboxRelay();
  void start();
  void stop();
  /// One pass: publishes up to a batch; returns how many rows were marked published. Throws on
  /// database errors. For tests and for the loop.
  std::size_t publish_pending();
  /// Rows not yet published (for metrics and tests).
  std::int64_t pending();
  /// Deletes published outbox rows older than keep_published and inbox rows older than
  /// keep_processed; returns how many rows went. The active relay does this every 10 minutes.
  std::size_t prune();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct ConsumerOptions {
  std::string group;  ///< consumer group and inbox consumer name, e.g. "billing"
  int max_attempts = 5;
  std::chrono::milliseconds retry_backoff{200};
  /// A new group starts at the end of the topics instead of the beginning (for consumers that
  /// only react to what happens from now on, like cache invalidation).
  bool start_at_latest = false;
};

/// Runs inside the inbox transaction; throwing rolls the effect back and retries the event.
using TxHandler = std::function<void(const Event&, pqxx::work&)>;
/// For consumers without a database (e.g. cache invalidation in the gateway); must be idempotent.
using PlainHandler = std::function<void(const Event&)>;

/// Consumes events of the registered types. For each message: envelope and schema checks
/// (failures go straight to `<topic>.dlq`), then the handler and the inbox row in one
/// transaction (a known event id is skipped), then the offset is committed. A handler that keeps
/// failing sends the event to `<topic>.dlq` with the error after max_attempts; a database outage
/// is waited out instead, so events are never dead-lettered because PostgreSQL was down.
class ConsumerRunner {
 public:
  /// `pool` may be null when only plain handlers are registered.
  ConsumerRunner(pg::Pool* pool, const Schemas& schemas, KafkaOptions kafka,
                 ConsumerOptions options);
  ~ConsumerRunner();
  void on(const std::string& type, TxHandler handler);
  void on_plain(const std::string& type, PlainHandler handler);
  /// Subscribes and starts the polling thread. Call after registering handlers.
  void start();
  void stop();
  /// True once the consumer has been assigned partitions or consumed a message.
  bool assigned() const;
  /// Events handled (effect committed), skipped as duplicates, and dead-lettered.
  std::int64_t handled() const;
  std::int64_t duplicates() const;
  std::int64_t dead_lettered() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Answers whether the broker is reachable (for /readyz); keeps one client handle. Thread-safe.
class BrokerProbe {
 public:
  explicit BrokerProbe(const std::string& bootstrap);
  ~BrokerProbe();
  /// True when the broker answers a metadata request within `timeout`.
  bool reachable(std::chrono::milliseconds timeout, std::string& reason);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kx::events
