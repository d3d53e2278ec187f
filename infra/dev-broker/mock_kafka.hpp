#pragma once
// An in-memory Kafka cluster in this process, for kx-dev-broker and for tests.

#include <mutex>
#include <string>

struct rd_kafka_s;               // rd_kafka_t
struct rd_kafka_mock_cluster_s;  // rd_kafka_mock_cluster_t

namespace kx::devbroker {

/// librdkafka's mock cluster: brokers on 127.0.0.1 (random ports) that speak the real Kafka
/// protocol, keep all data in memory and lose it on destruction. Topics are not created over the
/// wire; create them with create_topic() before clients use them.
///
/// librdkafka 2.0.2's mock cluster sometimes misses the wake-up for a control call (topic
/// create, broker down/up, cluster destroy) and then stalls. Every control call here, the
/// destructor's included, therefore runs while a helper thread connects to each mock broker
/// every 10 ms, which gets the cluster's thread going again. The workaround cannot help while every
/// broker is down (they refuse connections), nor with a stall inside the cluster's teardown, so
/// set_broker_up() on a cluster whose brokers are all down, and the destructor, can still take
/// about a second now and then.
///
/// Thread-safety: all member functions may be called from any thread, also concurrently (control
/// calls are serialised); the destructor must not overlap any of them. The constructor starts
/// librdkafka threads, which inherit the calling thread's signal mask.
class MockKafka {
 public:
  /// Starts a cluster of `brokers` brokers with ids 1..brokers, hosted by an rd_kafka_t that
  /// logs only warnings and errors. Throws std::runtime_error if either cannot be created.
  explicit MockKafka(int brokers = 1);
  /// Destroys the cluster (closing client connections), then its hosting handle.
  ~MockKafka();
  MockKafka(const MockKafka&) = delete;
  MockKafka& operator=(const MockKafka&) = delete;

  /// The bootstrap servers, "127.0.0.1:PORT[,127.0.0.1:PORT...]".
  std::string bootstrap() const { return bootstrap_; }

  /// Creates topic `name` with `partitions` partitions, replication factor 1. Throws
  /// std::runtime_error, naming the topic and librdkafka's error, if the cluster refuses.
  void create_topic(const std::string& name, int partitions);

  /// Takes broker `broker_id` (1..brokers, or -1 for all) down: its connections are closed and
  /// new ones refused, as if the broker had crashed. Its partitions keep it as their leader.
  /// Throws std::runtime_error if the cluster refuses, e.g. for an unknown id.
  void set_broker_down(int broker_id);
  /// Lets broker `broker_id` (1..brokers, or -1 for all) accept connections again; its data was
  /// kept. Throws std::runtime_error if the cluster refuses.
  void set_broker_up(int broker_id);

 private:
  rd_kafka_s* host_ = nullptr;
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  std::string bootstrap_;
  std::mutex control_;  // serialises the control calls
};

}  // namespace kx::devbroker
