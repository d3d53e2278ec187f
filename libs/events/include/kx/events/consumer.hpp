#pragma once
// Consuming events: the consumer runner with an idempotent inbox and a dead-letter topic.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kx/events/envelope.hpp"
#include "kx/events/kafka.hpp"
#include "kx/events/schemas.hpp"
#include "kx/pg/pg.hpp"

namespace kx::events {

struct ConsumerOptions {
  std::string group;  ///< consumer group and inbox consumer name, e.g. "billing"
  int max_attempts = 5;
  std::chrono::milliseconds retry_backoff{200};
  /// A new group starts at the end of the topics instead of the beginning (for consumers that
  /// only react to what happens from now on, like cache invalidation).
  bool start_at_latest = false;
  /// Events per inbox transaction: up to this many messages of one partition are handled in one
  /// transaction (one inbox statement for all of them). 1 handles each event on its own. Plain
  /// handlers run one by one in any case; for them it is how many messages one offset commit
  /// covers.
  std::size_t max_batch = 1;
  /// Partitions worked on at the same time, each by one worker thread. Above 1, handlers of
  /// this runner run concurrently (see ConsumerRunner).
  std::size_t parallel_partitions = 1;
  /// How long the broker may hold a fetch while waiting for data (librdkafka's
  /// fetch.wait.max.ms). librdkafka's mock broker holds every fetch this long, so on the dev
  /// broker it is added to the latency of an event that arrives meanwhile.
  std::chrono::milliseconds fetch_wait{500};
};

/// How far a consumer group is behind on one partition.
struct PartitionLag {
  std::int32_t partition = 0;
  std::int64_t lag = 0;   ///< messages after the group's committed offset
  bool assigned = false;  ///< this process consumes the partition (the group's other members
                          ///< have the rest)
};

/// How far a consumer group is behind on one topic, from the broker's point of view.
struct TopicLag {
  std::string group;
  std::string topic;
  std::int64_t lag = 0;  ///< messages after the group's committed offsets, over all partitions
  std::vector<PartitionLag> partitions;  ///< every partition of the topic, by number
  /// Messages retained in `<topic>.dlq` (from every group that consumes the topic; the
  /// kx_consumer header of each names the group).
  std::int64_t dead_letters = 0;
};

/// Runs inside the inbox transaction; throwing rolls the effect back and retries the event.
using TxHandler = std::function<void(const Event&, pqxx::work&)>;
/// Like TxHandler, for the new events of one type in a batch at once (in offset order; one
/// event when they are handled one by one), so that a handler can look up what it needs for all
/// of them with one statement instead of one per event.
using TxBatchHandler = std::function<void(const std::vector<const Event*>&, pqxx::work&)>;
/// For consumers without a database (e.g. cache invalidation in the gateway); must be idempotent.
using PlainHandler = std::function<void(const Event&)>;

/// Consumes events of the registered types. For each message: envelope and schema checks
/// (failures go straight to `<topic>.dlq`), then the handler and the inbox row in one
/// transaction (a known event id is skipped), then the offset is committed. A handler that keeps
/// failing sends the event to `<topic>.dlq` with the error after max_attempts; a database outage
/// is waited out instead, so events are never dead-lettered because PostgreSQL was down.
///
/// With max_batch > 1, the messages of one partition polled together (up to max_batch) share
/// one transaction: their inbox rows in one statement, then the handlers of the new ones in
/// offset order, then one commit and the partition's offset. Duplicates inside the batch are
/// skipped like redeliveries. When a handler throws, the whole batch is rolled back and handled
/// again one event at a time as above (that batch attempt does not count towards
/// max_attempts), so one bad event is retried and dead-lettered alone and never blocks the
/// others. A handler must therefore not rely on running once per event outside its
/// transaction (log lines may repeat); inside the transaction it runs exactly once.
///
/// Every message's outcome is counted in `kx_events_consumed_total{topic,outcome}` with outcome
/// `handled`, `duplicate` (already in the inbox), `dead_lettered` (handler kept failing),
/// `rejected` (envelope or schema invalid, dead-lettered) or `ignored` (no handler).
///
/// Threading: with parallel_partitions = 1 (the default), handlers run on the runner's own
/// thread, one at a time, in the order of each partition; a handler therefore never runs
/// concurrently with itself or with another handler of the same runner. With
/// parallel_partitions = N > 1, N worker threads take batches of different partitions, so up to
/// N handlers (of the same or different types) run at the same time in different transactions;
/// the events of one partition (one key) still run one after the other in offset order, never
/// two batches of one partition at once. Such handlers must be thread-safe and must serialise
/// shared rows in the database (row locks), not in memory; two batches that lock the same rows
/// in opposite order deadlock, which PostgreSQL breaks and pg::transact retries (then the batch
/// goes one by one). Before partitions are revoked, their batches in progress finish and commit.
/// Register handlers (on, on_plain) before start(). start() and stop() are called by the owner
/// from one thread; stop() blocks until the running handlers (of every worker) have returned and
/// the consumer has left its group. The counters may be read from any thread.
class ConsumerRunner {
 public:
  /// `pool` may be null when only plain handlers are registered.
  ConsumerRunner(pg::Pool* pool, const Schemas& schemas, KafkaOptions kafka,
                 ConsumerOptions options);
  /// Stops the runner if it runs.
  ~ConsumerRunner();
  /// Throws std::logic_error without a pool. A second handler for the same type runs after the
  /// first, in the same transaction (one inbox row for both).
  void on(const std::string& type, TxHandler handler);
  /// As on(), with all new events of the type in a batch at once. Handlers of a type run in the
  /// order they were registered: a batch handler gets the batch's events after the handlers
  /// registered before it had all of them, per-event handlers registered one after another run
  /// per event as with on().
  void on_batch(const std::string& type, TxBatchHandler handler);
  void on_plain(const std::string& type, PlainHandler handler);
  /// Subscribes and starts the polling thread. Throws std::runtime_error when the consumer cannot
  /// be created or subscribed.
  void start();
  void stop();
  /// True once the consumer has been assigned partitions or consumed a message.
  bool assigned() const;
  /// Events handled (effect committed), skipped as duplicates, and dead-lettered.
  std::int64_t handled() const;
  std::int64_t duplicates() const;
  std::int64_t dead_lettered() const;
  /// Asks the broker for the group's committed offsets and the ends of its topics (and their
  /// dead-letter topics); one entry per subscribed topic. A partition the group has never
  /// committed counts from where a new group starts. Blocks up to about three times `timeout`;
  /// throws std::runtime_error when the runner is not running or the broker does not answer.
  /// Call only between start() and stop().
  std::vector<TopicLag> lag(std::chrono::milliseconds timeout) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kx::events
