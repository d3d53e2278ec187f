#pragma once
// Producing events: the transactional outbox (an event row written in the same transaction as
// the change it reports) and the relay that publishes those rows to Kafka.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kx/events/kafka.hpp"
#include "kx/events/schemas.hpp"
#include "kx/pg/pg.hpp"

namespace kx::events {

/// The migrations every service with an outbox or inbox applies (outbox and inbox tables).
std::vector<pg::Migration> migrations();

/// One event for Outbox::add.
struct NewEvent {
  std::string type;  ///< the topic, e.g. "call.completed"
  std::string key;   ///< the partition key (the owner's id)
  std::string subject;
  std::string data;  ///< the JSON payload
  std::string version = "v1";
  /// The event's id; empty: add() makes one (a UUID v7). Set it when the id must be stored
  /// before the event is added, as telephony-webhook stores call.completed's with the call.
  std::string id = {};
};

/// Events that one of the caller's statements stores together with its own change, so that the
/// change and its events cost one round trip: Outbox::prepare() validates them and gives them
/// ids; the statement includes Outbox::insert_cte() and binds `rows` as the parameter it names.
struct PreparedEvents {
  std::vector<std::string> ids;  ///< in the order given
  std::string rows;              ///< the events' rows as one JSON array
};

/// Writes events into the outbox inside the caller's transaction. Thread-safe (stateless after
/// construction); the transaction belongs to the caller's thread.
class Outbox {
 public:
  Outbox(const Schemas& schemas, std::string source);
  /// Validates `data` against `<type>.<version>` and stores the event; returns its id. One
  /// round trip; the relay finds it by polling once the transaction commits. Throws SchemaError
  /// (a programming error: the transaction should fail).
  std::string add(pqxx::work& tx, const std::string& type, const std::string& key,
                  const std::string& subject, const std::string& data,
                  const std::string& version = "v1") const;
  /// Several events in one round trip, in this order (the relay publishes them so); returns
  /// their ids in the same order. Nothing is stored when one fails validation.
  std::vector<std::string> add(pqxx::work& tx, const std::vector<NewEvent>& events) const;

  /// Validates the events as add() does and gives them ids, without storing them: for a
  /// statement that stores them with its own change (insert_cte). Throws SchemaError.
  PreparedEvents prepare(const std::vector<NewEvent>& events) const;
  /// The CTE `outbox_added AS (...)` for such a statement: stores the rows of the
  /// PreparedEvents bound as parameter `$param`, in their order, when `condition` (SQL over the
  /// statement's other CTEs, e.g. `EXISTS (SELECT FROM created)`) holds.
  static std::string insert_cte(int param, std::string_view condition);

 private:
  const Schemas& schemas_;
  std::string source_;
};

/// For a deleted owner (user.deleted): deletes the schema's already published outbox rows that
/// name the owner's id (as key or anywhere in the data), so event payloads with their e-mail,
/// name or phone numbers do not wait a week for the relay's pruning. Unpublished rows stay: the
/// other services still need them (agent.deleted, ...). Returns how many rows went.
std::size_t forget_published(pqxx::work& tx, const std::string& user_id);

struct RelayOptions {
  std::size_t batch_size = 500;
  /// The relay polls for new rows; producers do not NOTIFY it. (PostgreSQL signals every
  /// listening backend of the database at each notifying commit, whatever the channel: every
  /// report woke all services' relays, and its commit waited for the notification queue's
  /// lock; docs/performance.md.) While rows come, and for `busy_period` after the last ones,
  /// the relay polls every `busy_wait` (rows committed meanwhile go out together); then the wait
  /// doubles after each empty pass, up to `idle_wait`: an event after a quiet spell leaves at
  /// most that late.
  std::chrono::milliseconds busy_wait{10};
  std::chrono::milliseconds busy_period{1'000};
  std::chrono::milliseconds idle_wait{200};
  std::chrono::milliseconds error_backoff{1'000};
  std::chrono::hours keep_published{24 * 7};  ///< published rows are deleted after this
  /// Inbox rows (the ids of processed events) are deleted after this. Far longer than any
  /// redelivery can come (broker retention), so duplicates are still recognised.
  std::chrono::hours keep_processed{24 * 30};
  /// A pass reads pending rows after the highest seq published at least `settle` ago, not from
  /// the table's start: the outbox_pending index keeps the entries of published rows until
  /// vacuum, and scanning them from the start cost about a millisecond per pass under load. A
  /// row whose transaction took its seq (the outbox insert, usually its last statement) longer
  /// than `settle` before committing is found by the next full pass, which runs every
  /// `full_pass` and after any pass that left rows pending: later, never lost.
  std::chrono::milliseconds settle{2'000};
  std::chrono::milliseconds full_pass{10'000};
};

/// Publishes outbox rows in seq order with the idempotent producer and marks them published, and
/// keeps the schema's outbox and inbox tables small (prune()).
/// Only one relay per schema is active at a time (a PostgreSQL advisory lock elects it), which
/// keeps the order per key with several replicas. A row is marked only after the broker
/// acknowledged it; a crash in between republishes it with the same id, which the consumers'
/// inbox absorbs. While the broker is down rows stay pending and are retried.
///
/// Threading: start() runs the loop on one thread of its own; start() and stop() are called by
/// the owner (one thread, not concurrently); stop() blocks until the loop has finished its
/// current pass and the producer has flushed. publish_pending(), pending() and prune() are for
/// tests and tools that run without start(); they must not overlap with a running loop.
class OutboxRelay {
 public:
  OutboxRelay(pg::Pool& pool, KafkaOptions kafka, RelayOptions options = {});
  /// Stops the loop if it runs.
  ~OutboxRelay();
  void start();
  void stop();
  /// One pass: publishes up to a batch; returns how many rows were marked published. Throws on
  /// database errors.
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

}  // namespace kx::events
