// The consumer with batches (many events per inbox transaction) and parallel partitions, against
// a real PostgreSQL and librdkafka's mock cluster.
#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "events_fixture.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/metrics/metrics.hpp"

namespace kx::events {
namespace {

using namespace std::chrono_literals;
using testing::registered;

class ConsumerBatchTest : public testing::EventsTest {
 protected:
  void SetUp() override {
    EventsTest::SetUp();
    // A log, not a set: an effect written twice (half a batch left behind) shows as two rows.
    pg::transact(*pool_, [](pqxx::work& tx) {
      tx.exec(
          "CREATE TABLE seen (seq bigserial PRIMARY KEY, event_id text NOT NULL, "
          "user_id text NOT NULL, n integer NOT NULL, txid bigint NOT NULL)");
    });
  }

  // Writes user.registered events straight to `partition`, around the outbox, as a producer
  // that retries would: the same id may come again.
  void produce(const std::vector<Event>& events, int partition) {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", broker_.bootstrap().c_str(), err, sizeof err);
    rd_kafka_t* p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    for (const auto& e : events) {
      auto* hdrs = rd_kafka_headers_new(8);
      for (const auto& [k, v] : to_headers(e))
        rd_kafka_header_add(hdrs, k.c_str(), -1, v.data(), static_cast<ssize_t>(v.size()));
      ASSERT_EQ(
          rd_kafka_producev(p, RD_KAFKA_V_TOPIC("user.registered"), RD_KAFKA_V_PARTITION(partition),
                            RD_KAFKA_V_KEY(e.key.data(), e.key.size()),
                            RD_KAFKA_V_VALUE(const_cast<char*>(e.data.data()), e.data.size()),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs),
                            RD_KAFKA_V_END),
          RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    ASSERT_EQ(rd_kafka_flush(p, 10'000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(p);
  }

  static Event event_for(const std::string& user, int n) {
    return Event{crypto::uuid_v4(),  "user.registered", "v1", "test", user, utc_now(), user,
                 registered(user, n)};
  }

  // Records the event with its transaction id; the number is the one in the e-mail address.
  static void record(const Event& e, pqxx::work& tx) {
    auto doc = json::parse(e.data);
    std::string email = doc["email"].GetString();
    int n = std::stoi(email.substr(email.find('+') + 1));
    tx.exec_params(
        "INSERT INTO seen (event_id, user_id, n, txid) VALUES ($1, $2, $3, txid_current())", e.id,
        std::string(doc["user_id"].GetString()), n);
  }

  template <class Done>
  static bool wait_for(Done done, std::chrono::milliseconds timeout = 30s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
    return done();
  }

  std::int64_t scalar(const std::string& sql) {
    return pg::transact(*pool_,
                        [&](pqxx::work& tx) { return tx.exec1(sql)[0].as<std::int64_t>(); });
  }
};

double consumed(const char* outcome) {
  return metrics::Registry::global()
      .counter("kx_events_consumed_total", "Events consumed, by topic and outcome.",
               {{"topic", "user.registered"}, {"outcome", outcome}})
      .value();
}

TEST_F(ConsumerBatchTest, BatchHandlesEachEventOnceWithDuplicatesInsideAndAcrossBatches) {
  // 30 events; each comes again right behind itself (the same batch) and once more at the end
  // (a later batch).
  std::vector<Event> unique, sent;
  for (int i = 0; i < 30; ++i)
    unique.push_back(event_for("d" + std::to_string(i % 3), i));
  for (const auto& e : unique) {
    sent.push_back(e);
    sent.push_back(e);
  }
  sent.insert(sent.end(), unique.begin(), unique.end());
  produce(sent, 0);

  double handled_before = consumed("handled"), duplicates_before = consumed("duplicate");
  ConsumerRunner consumer(pool_.get(), Schemas::embedded(), kafka(),
                          {.group = "test-batch", .max_batch = 8, .fetch_wait = 20ms});
  consumer.on("user.registered", &record);
  consumer.start();
  ASSERT_TRUE(wait_for([&] { return consumer.handled() + consumer.duplicates() >= 90; }));
  consumer.stop();

  EXPECT_EQ(consumer.handled(), 30);
  EXPECT_EQ(consumer.duplicates(), 60);
  EXPECT_EQ(consumed("handled") - handled_before, 30.0);
  EXPECT_EQ(consumed("duplicate") - duplicates_before, 60.0);
  EXPECT_EQ(scalar("SELECT count(*) FROM seen"), 30);
  EXPECT_EQ(scalar("SELECT count(DISTINCT event_id) FROM seen"), 30);
  EXPECT_EQ(scalar("SELECT count(*) FROM inbox WHERE consumer = 'test-batch'"), 30);
  // Batched: far fewer transactions than events, and in offset order within each.
  EXPECT_LT(scalar("SELECT count(DISTINCT txid) FROM seen"), 15);
  EXPECT_EQ(scalar("SELECT count(*) FROM (SELECT n, lag(n) OVER (ORDER BY seq) AS before "
                   "FROM seen) s WHERE before >= n"),
            0);
}

TEST_F(ConsumerBatchTest, PoisonedEventInBatchIsDeadLetteredAloneAndTheOthersAreHandled) {
  std::vector<Event> events;
  for (int i = 0; i < 12; ++i)
    events.push_back(event_for("p", i));
  const std::string poisoned = events[5].id;
  produce(events, 1);

  std::atomic<int> poisoned_calls{0};
  ConsumerRunner consumer(pool_.get(), Schemas::embedded(), kafka(),
                          {.group = "test-poison",
                           .max_attempts = 3,
                           .retry_backoff = 10ms,
                           .max_batch = 50,
                           .fetch_wait = 20ms});
  consumer.on("user.registered", [&](const Event& e, pqxx::work& tx) {
    record(e, tx);
    if (e.id == poisoned) {
      ++poisoned_calls;
      throw std::runtime_error("this event cannot be handled");
    }
  });
  consumer.start();
  ASSERT_TRUE(wait_for([&] { return consumer.handled() + consumer.dead_lettered() >= 12; }));
  consumer.stop();

  EXPECT_EQ(consumer.handled(), 11);
  EXPECT_EQ(consumer.dead_lettered(), 1);
  // The batch attempts (one per batch the event was in) plus max_attempts on its own.
  EXPECT_GE(poisoned_calls.load(), 4);
  EXPECT_EQ(scalar("SELECT count(*) FROM seen"), 11);
  EXPECT_EQ(scalar("SELECT count(DISTINCT event_id) FROM seen"), 11);
  EXPECT_EQ(pg::transact(*pool_,
                         [&](pqxx::work& tx) {
                           return tx
                               .exec_params1("SELECT count(*) FROM seen WHERE event_id = $1",
                                             poisoned)[0]
                               .as<int>();
                         }),
            0);
  auto dlq = broker_.read_all("user.registered.dlq", 1);
  ASSERT_EQ(dlq.size(), 1u);
  EXPECT_EQ(dlq[0].ce_id, poisoned);
  EXPECT_EQ(dlq[0].kx_error, "this event cannot be handled");
}

TEST_F(ConsumerBatchTest, HandlerExceptionRollsBackTheWholeBatchBeforeOneByOne) {
  std::vector<Event> events;
  for (int i = 0; i < 10; ++i)
    events.push_back(event_for("r", i));
  const std::string flaky = events[7].id;
  produce(events, 0);

  std::atomic<bool> failed_once{false};
  std::atomic<int> calls{0};
  ConsumerRunner consumer(pool_.get(), Schemas::embedded(), kafka(),
                          {.group = "test-rollback", .max_batch = 50, .fetch_wait = 20ms});
  consumer.on("user.registered", [&](const Event& e, pqxx::work& tx) {
    ++calls;
    record(e, tx);
    if (e.id == flaky && !failed_once.exchange(true))
      throw std::runtime_error("a moment of trouble");
  });
  consumer.start();
  ASSERT_TRUE(wait_for([&] { return consumer.handled() >= 10; }));
  consumer.stop();

  EXPECT_EQ(consumer.handled(), 10);
  EXPECT_EQ(consumer.dead_lettered(), 0);
  EXPECT_TRUE(failed_once);
  // The events before the failing one ran in the batch and again one by one; only the second
  // run's effects are left.
  EXPECT_GT(calls.load(), 10);
  EXPECT_EQ(scalar("SELECT count(*) FROM seen"), 10);
  EXPECT_EQ(scalar("SELECT count(DISTINCT event_id) FROM seen"), 10);
  EXPECT_EQ(scalar("SELECT count(*) FROM inbox WHERE consumer = 'test-rollback'"), 10);
}

TEST_F(ConsumerBatchTest, ABatchHandlerGetsTheNewEventsTogetherInOrderBetweenTheOthers) {
  std::vector<Event> unique, sent;
  for (int i = 0; i < 20; ++i)
    unique.push_back(event_for("b", i));
  for (const auto& e : unique) {  // each twice, the copy in the same batch
    sent.push_back(e);
    sent.push_back(e);
  }
  produce(sent, 0);

  // Each handler writes its tag: per-event "a", the batch handler "batch", per-event "b".
  auto tagged = [](const char* tag) {
    return [tag](const Event& e, pqxx::work& tx) {
      auto email = json::get_string(json::parse(e.data), "email");
      tx.exec_params(
          "INSERT INTO seen (event_id, user_id, n, txid) VALUES ($1, $2, $3, txid_current())", e.id,
          std::string(tag), std::stoi(email.substr(email.find('+') + 1)));
    };
  };
  std::atomic<int> batch_calls{0};
  ConsumerRunner consumer(pool_.get(), Schemas::embedded(), kafka(),
                          {.group = "test-batch-handler", .max_batch = 50, .fetch_wait = 20ms});
  consumer.on("user.registered", tagged("a"));
  consumer.on_batch("user.registered",
                    [&](const std::vector<const Event*>& events, pqxx::work& tx) {
                      ++batch_calls;
                      for (const auto* e : events)
                        tagged("batch")(*e, tx);
                    });
  consumer.on("user.registered", tagged("b"));
  consumer.start();
  ASSERT_TRUE(wait_for([&] { return consumer.handled() + consumer.duplicates() >= 40; }));
  consumer.stop();

  EXPECT_EQ(consumer.handled(), 20);
  for (const char* tag : {"a", "batch", "b"}) {
    EXPECT_EQ(scalar(std::string("SELECT count(DISTINCT event_id) FROM seen WHERE user_id = '") +
                     tag + "'"),
              20)
        << tag;
    EXPECT_EQ(scalar(std::string("SELECT count(*) FROM seen WHERE user_id = '") + tag + "'"), 20)
        << tag;
    // In offset order.
    EXPECT_EQ(scalar(std::string("SELECT count(*) FROM (SELECT n, lag(n) OVER (ORDER BY seq) "
                                 "AS before FROM seen WHERE user_id = '") +
                     tag + "') s WHERE before >= n"),
              0)
        << tag;
  }
  // Together: fewer calls than events (the duplicates left out), and inside each transaction
  // every "a" before the first "batch" and every "b" after the last.
  EXPECT_LT(batch_calls.load(), 20);
  EXPECT_EQ(scalar("SELECT count(*) FROM seen x JOIN seen y USING (txid) "
                   "WHERE x.user_id = 'batch' AND ((y.user_id = 'a' AND y.seq > x.seq) OR "
                   "(y.user_id = 'b' AND y.seq < x.seq))"),
            0);
}

TEST_F(ConsumerBatchTest, AFailingBatchHandlerGetsTheEventsOneByOne) {
  std::vector<Event> events;
  for (int i = 0; i < 10; ++i)
    events.push_back(event_for("f", i));
  produce(events, 1);

  std::atomic<bool> failed{false};
  std::atomic<int> single_calls{0};
  ConsumerRunner consumer(pool_.get(), Schemas::embedded(), kafka(),
                          {.group = "test-batch-fallback", .max_batch = 50, .fetch_wait = 20ms});
  consumer.on_batch("user.registered", [&](const std::vector<const Event*>& batch, pqxx::work& tx) {
    for (const auto* e : batch)
      record(*e, tx);
    if (batch.size() > 1 && !failed.exchange(true))
      throw std::runtime_error("a moment of trouble");
    single_calls += batch.size() == 1;
  });
  consumer.start();
  ASSERT_TRUE(wait_for([&] { return consumer.handled() >= 10; }));
  consumer.stop();

  EXPECT_TRUE(failed);
  EXPECT_EQ(consumer.handled(), 10);
  EXPECT_EQ(consumer.dead_lettered(), 0);
  // The failed batch's events came one by one; only their effects are left, each once.
  EXPECT_GE(single_calls.load(), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM seen"), 10);
  EXPECT_EQ(scalar("SELECT count(DISTINCT event_id) FROM seen"), 10);
}

TEST_F(ConsumerBatchTest, ParallelPartitionsKeepEachKeysOrder) {
  std::vector<std::string> keys;
  for (int k = 0; k < 8; ++k)
    keys.push_back("k" + std::to_string(k));
  add_events(keys, 25);
  OutboxRelay relay(*pool_, kafka());
  ASSERT_EQ(relay.publish_pending(), 200u);

  std::atomic<int> running{0}, most{0};
  ConsumerRunner consumer(
      pool_.get(), Schemas::embedded(), kafka(),
      {.group = "test-parallel", .max_batch = 10, .parallel_partitions = 2, .fetch_wait = 20ms});
  consumer.on("user.registered", [&](const Event& e, pqxx::work& tx) {
    int now = ++running;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    record(e, tx);
    std::this_thread::sleep_for(2ms);  // long enough for the two partitions to overlap
    --running;
  });
  consumer.start();
  ASSERT_TRUE(wait_for([&] { return consumer.handled() >= 200; }));
  consumer.stop();

  EXPECT_EQ(consumer.handled(), 200);
  EXPECT_EQ(consumer.duplicates(), 0);
  EXPECT_EQ(most.load(), 2);  // both partitions at once, never more
  EXPECT_EQ(scalar("SELECT count(DISTINCT event_id) FROM seen"), 200);
  // Per key, the effects were written in publication order.
  EXPECT_EQ(scalar("SELECT count(*) FROM (SELECT n, lag(n) OVER (PARTITION BY user_id ORDER BY "
                   "seq) AS before FROM seen) s WHERE before >= n"),
            0);
  EXPECT_EQ(scalar("SELECT count(DISTINCT user_id) FROM seen"), 8);
}

// A broker that has gone away must not hold a service's shutdown. Batches committed after the
// broker died leave commits waiting for the group coordinator, and librdkafka's own close waits
// for them up to the session timeout (here 30 s); the consumer gives up after its close timeout.
TEST_F(ConsumerBatchTest, StopsWithinItsCloseTimeoutWhileTheBrokerIsDown) {
  std::vector<Event> events;
  for (int i = 0; i < 40; ++i)
    events.push_back(event_for("s" + std::to_string(i % 4), i));
  produce(events, 0);
  KafkaOptions options{broker_.bootstrap(), 30s};
  options.close_timeout = 1s;
  ConsumerRunner consumer(pool_.get(), Schemas::embedded(), options,
                          {.group = "test-stop", .max_batch = 2, .fetch_wait = 20ms});
  consumer.on("user.registered", [](const Event& e, pqxx::work& tx) {
    record(e, tx);
    std::this_thread::sleep_for(20ms);
  });
  consumer.start();
  ASSERT_TRUE(wait_for([&] { return consumer.handled() >= 4; }));
  broker_.down();
  const auto handled_before = consumer.handled();
  // Batches fetched before the broker died go on, each committing to a coordinator that is gone.
  ASSERT_TRUE(wait_for([&] { return consumer.handled() >= handled_before + 6; }));
  const auto started = std::chrono::steady_clock::now();
  consumer.stop();
  const auto took = std::chrono::steady_clock::now() - started;

  // The close timeout and a batch in progress, with room for a loaded machine; far below 30 s.
  EXPECT_LT(took, 10s) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                       << " ms";
  EXPECT_EQ(scalar("SELECT count(DISTINCT event_id) FROM seen"), consumer.handled());
  broker_.up();
}

}  // namespace
}  // namespace kx::events
