// Outbox, relay and consumer against a real PostgreSQL and librdkafka's mock cluster, which
// speaks the Kafka protocol over TCP and lets the test take the broker down.
#include <librdkafka/rdkafka.h>

#include <gtest/gtest.h>

#include "events_fixture.hpp"
#include "kx/metrics/metrics.hpp"

namespace kx::events {
namespace {

using namespace std::chrono_literals;
using testing::EventsTest;
using testing::MockBroker;
using testing::registered;

class OutboxTest : public EventsTest {};

TEST_F(OutboxTest, PublishesInOrderPerKeyWithEnvelope) {
  add_events({"u1", "u2", "u3"}, 20);
  OutboxRelay relay(*pool_, kafka());
  EXPECT_EQ(relay.publish_pending(), 60u);
  EXPECT_EQ(relay.pending(), 0);
  auto msgs = broker_.read_all("user.registered", 60);
  ASSERT_EQ(msgs.size(), 60u);
  expect_in_order_per_key(msgs);
  std::set<std::string> ids;
  for (const auto& m : msgs)
    ids.insert(m.ce_id);
  EXPECT_EQ(ids.size(), 60u);
}

// Producers send no NOTIFY (PostgreSQL would signal every listening backend of the database at
// each such commit, every service's): a listener hears nothing, and a running relay finds the
// rows by polling, also after a quiet spell has stretched its wait to idle_wait.
TEST_F(OutboxTest, ARunningRelayFindsCommittedRowsWithoutNotifications) {
  struct Listener final : pqxx::notification_receiver {
    using pqxx::notification_receiver::notification_receiver;
    void operator()(const std::string&, int) override { ++received; }
    int received = 0;
  };
  auto conn = pool_->open_dedicated();
  Listener listener(*conn, "kx_outbox_" + schema_.name());
  auto pending = [&] {
    return pg::autocommit(*pool_, [](pqxx::transaction_base& tx) {
      return tx.exec1("SELECT count(*) FROM outbox WHERE published_at IS NULL")[0].as<int>();
    });
  };
  RelayOptions o;
  o.busy_wait = 10ms;
  o.busy_period = 100ms;
  o.idle_wait = 200ms;
  OutboxRelay relay(*pool_, kafka(), o);
  relay.start();
  for (const char* owner : {"first", "after-a-quiet-spell"}) {
    add_events({owner}, 3);
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (pending() > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
    EXPECT_EQ(pending(), 0) << owner;
    std::this_thread::sleep_for(1s);  // empty passes: the wait grows to idle_wait
  }
  relay.stop();
  conn->await_notification(0, 200'000);
  EXPECT_EQ(listener.received, 0);
  EXPECT_EQ(broker_.read_all("user.registered", 6).size(), 6u);
}

// Several events of one transaction go in one statement, in the order given, for any number of
// them (one prepared statement); one invalid event stores none of them.
TEST_F(OutboxTest, AddingSeveralAtOnceKeepsTheirOrderAndIsAllOrNothing) {
  Outbox outbox(Schemas::embedded(), "test");
  std::vector<std::string> ids;
  for (int n : {1, 2, 4, 6}) {
    std::vector<NewEvent> events;
    for (int i = 0; i < n; ++i)
      events.push_back({"user.registered", "batch", "batch", registered("batch", n * 10 + i)});
    auto lease = pool_->acquire();
    pqxx::work tx(*lease);
    auto added = outbox.add(tx, events);
    ASSERT_EQ(added.size(), static_cast<std::size_t>(n));
    ids.insert(ids.end(), added.begin(), added.end());
    tx.commit();
  }
  {
    auto lease = pool_->acquire();
    pqxx::work tx(*lease);
    std::vector<NewEvent> events{{"user.registered", "batch", "batch", registered("batch", 99)},
                                 {"user.registered", "batch", "batch", R"({"not":"valid"})"}};
    EXPECT_THROW(outbox.add(tx, events), SchemaError);
  }
  OutboxRelay relay(*pool_, kafka());
  EXPECT_EQ(relay.publish_pending(), 13u);
  auto msgs = broker_.read_all("user.registered", 13);
  ASSERT_EQ(msgs.size(), 13u);
  for (std::size_t i = 0; i < msgs.size(); ++i)
    EXPECT_EQ(msgs[i].ce_id, ids[i]) << i;
  expect_in_order_per_key(msgs);
}

// A statement of the service's own stores its change and that change's events in one round
// trip (Outbox::insert_cte): the events only when its condition holds, in their order, with
// their data byte for byte.
TEST_F(OutboxTest, AStatementStoresItsChangeAndItsEventsTogether) {
  pg::transact(*pool_,
               [](pqxx::work& tx) { tx.exec("CREATE TABLE things (id text PRIMARY KEY)"); });
  const pg::Statement insert(
      "WITH created AS (INSERT INTO things VALUES ($1) ON CONFLICT DO NOTHING RETURNING id), " +
      Outbox::insert_cte(2, "EXISTS (SELECT FROM created)") +
      "\nSELECT EXISTS (SELECT FROM created)");
  auto odd = [](int n) {
    json::Writer w;
    w.begin_object()
        .field("user_id", "t")
        .field("email", "t@example.de")
        .field("name", "Jörg \"Ö\" \\ n" + std::to_string(n))
        .field("locale", "de")
        .field("registered_at", utc_now())
        .end_object();
    return w.str();
  };
  Outbox outbox(Schemas::embedded(), "test");
  std::vector<std::string> ids, data;
  for (int round : {0, 1}) {  // the second time the thing exists: no event either
    std::vector<NewEvent> events{{"user.registered", "t", "t", odd(round * 10 + 1)},
                                 {"user.registered", "t", "t", odd(round * 10 + 2)}};
    auto prepared = outbox.prepare(events);
    ASSERT_EQ(prepared.ids.size(), 2u);
    auto lease = pool_->acquire();
    pqxx::work tx(*lease);
    auto row = pg::exec_prepared(tx, insert, "thing-1", prepared.rows).at(0);
    EXPECT_EQ(row[0].as<bool>(), round == 0);
    tx.commit();
    if (round == 0) {
      ids = prepared.ids;
      data = {events[0].data, events[1].data};
    }
  }
  OutboxRelay relay(*pool_, kafka());
  EXPECT_EQ(relay.publish_pending(), 2u);
  auto msgs = broker_.read_all("user.registered", 2);
  ASSERT_EQ(msgs.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(msgs[i].ce_id, ids[i]);
    EXPECT_EQ(msgs[i].value, data[i]);
  }
  // An invalid event fails before anything is sent.
  EXPECT_THROW(outbox.prepare({{"user.registered", "t", "t", R"({"not":"valid"})"}}), SchemaError);
}

TEST_F(OutboxTest, SurvivesBrokerOutage) {
  add_events({"a", "b"}, 10);
  broker_.down();
  OutboxRelay relay(*pool_, kafka(1500ms));
  EXPECT_EQ(relay.publish_pending(), 0u);
  EXPECT_EQ(relay.pending(), 20);  // nothing lost, nothing marked
  broker_.up();
  std::size_t published = 0;
  for (int i = 0; i < 20 && published < 20; ++i)
    published += relay.publish_pending();
  EXPECT_EQ(published, 20u);
  auto msgs = broker_.read_all("user.registered", 20);
  ASSERT_EQ(msgs.size(), 20u);
  expect_in_order_per_key(msgs);
}

TEST_F(OutboxTest, StoppingWhileTheBrokerIsAwayTakesSecondsNotTheMessageTimeout) {
  add_events({"a"}, 5);
  broker_.down();
  OutboxRelay relay(*pool_, kafka(60s));
  relay.start();
  std::this_thread::sleep_for(500ms);  // a pass is waiting for the broker's answers
  auto t0 = std::chrono::steady_clock::now();
  relay.stop();
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, 10s) << "stop waited out the message timeout";
  EXPECT_EQ(relay.pending(), 5);  // nothing marked: published after the restart
  broker_.up();
  std::size_t published = 0;
  for (int i = 0; i < 20 && published < 5; ++i)
    published += relay.publish_pending();
  EXPECT_EQ(published, 5u);
}

// A pass reads after what was published `settle` ago (RelayOptions): a row whose transaction
// took its seq before a later row's and commits after that one was published is found at once
// within `settle`, else by the next full pass. Never lost.
TEST_F(OutboxTest, ARowCommittedLateIsPublishedWithinSettleOrByTheNextFullPass) {
  Outbox outbox(Schemas::embedded(), "test");
  for (bool within_settle : {true, false}) {
    RelayOptions o;
    if (!within_settle) {
      o.settle = 0ms;
      o.full_pass = 4s;  // long enough that a slow (sanitised, loaded) pass cannot reach it early
    }
    OutboxRelay relay(*pool_, kafka(), o);
    auto lease = pool_->acquire();
    pqxx::work late(*lease);
    outbox.add(late, "user.registered", "late", "late", registered("late", 1));  // its seq now
    add_events({"early"}, 1);                // a higher seq, committed first
    EXPECT_EQ(relay.publish_pending(), 1u);  // the first pass is a full one
    auto first_pass_ended = std::chrono::steady_clock::now();
    late.commit();
    EXPECT_EQ(relay.publish_pending(), within_settle ? 1u : 0u) << within_settle;
    if (!within_settle) {
      EXPECT_EQ(relay.pending(), 1);
      std::this_thread::sleep_until(first_pass_ended + o.full_pass);
      EXPECT_EQ(relay.publish_pending(), 1u);
    }
    EXPECT_EQ(relay.pending(), 0);
  }
}

TEST_F(OutboxTest, OnlyOneRelayPerSchemaPublishes) {
  add_events({"k"}, 3);
  OutboxRelay first(*pool_, kafka());
  OutboxRelay second(*pool_, kafka());
  EXPECT_EQ(first.publish_pending(), 3u);
  add_events({"k"}, 1);
  EXPECT_EQ(second.publish_pending(), 0u);  // the first holds the lock
  EXPECT_EQ(first.publish_pending(), 1u);
}

TEST_F(OutboxTest, InboxTurnsRedeliveryIntoNoOp) {
  add_events({"u1", "u2"}, 5);
  OutboxRelay relay(*pool_, kafka());
  ASSERT_EQ(relay.publish_pending(), 10u);
  // A crash between publish and mark: the rows are published again with the same ids.
  pg::transact(*pool_, [](pqxx::work& tx) { tx.exec("UPDATE outbox SET published_at = NULL"); });
  ASSERT_EQ(relay.publish_pending(), 10u);

  auto consumed = [](const char* outcome) {
    return kx::metrics::Registry::global()
        .counter("kx_events_consumed_total", "Events consumed, by topic and outcome.",
                 {{"topic", "user.registered"}, {"outcome", outcome}})
        .value();
  };
  double handled_before = consumed("handled"), duplicates_before = consumed("duplicate");
  ConsumerRunner consumer(pool_.get(), Schemas::embedded(), kafka(), {.group = "test-inbox"});
  consumer.on("user.registered", [](const Event& e, pqxx::work& tx) {
    auto doc = json::parse(e.data);
    tx.exec_params("INSERT INTO effects (event_id, user_id) VALUES ($1, $2)", e.id,
                   std::string(doc["user_id"].GetString()));
  });
  // A second handler of the same type (another part of the service) runs after the first, in
  // the same transaction, and a redelivery skips both.
  std::atomic<int> second_ran = 0;
  consumer.on("user.registered", [&second_ran](const Event& e, pqxx::work& tx) {
    auto seen = tx.exec_params("SELECT count(*) FROM effects WHERE event_id = $1", e.id);
    EXPECT_EQ(seen[0][0].as<int>(), 1);  // the first handler's effect, same transaction
    ++second_ran;
  });
  consumer.start();
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (consumer.handled() + consumer.duplicates() < 20 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  consumer.stop();
  EXPECT_EQ(consumer.handled(), 10);
  EXPECT_EQ(consumer.duplicates(), 10);
  // What tests and operators wait on: every outcome is counted per topic.
  EXPECT_EQ(consumed("handled") - handled_before, 10.0);
  EXPECT_EQ(consumed("duplicate") - duplicates_before, 10.0);
  auto effects = pg::transact(
      *pool_, [](pqxx::work& tx) { return tx.exec1("SELECT count(*) FROM effects")[0].as<int>(); });
  EXPECT_EQ(effects, 10);
  EXPECT_EQ(second_ran.load(), 10);
}

TEST_F(OutboxTest, LagIsWhatTheGroupHasNotCommittedAndDeadLettersWhatTheDlqHolds) {
  add_events({"l1", "l2"}, 3);
  OutboxRelay relay(*pool_, kafka());
  ASSERT_EQ(relay.publish_pending(), 6u);
  std::atomic<bool> release{false};
  std::atomic<int> calls{0};
  ConsumerRunner consumer(pool_.get(), Schemas::embedded(), kafka(), {.group = "test-lag"});
  consumer.on("user.registered", [&](const Event&, pqxx::work&) {
    ++calls;
    while (!release)
      std::this_thread::sleep_for(5ms);
  });
  EXPECT_THROW(consumer.lag(1s), std::runtime_error);  // not running
  consumer.start();
  auto wait_for = [](auto done) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!done() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
    return done();
  };
  // The first event is in the handler, nothing is committed: all six are behind.
  ASSERT_TRUE(wait_for([&] { return calls > 0; }));
  auto lag = consumer.lag(5s);
  ASSERT_EQ(lag.size(), 1u);
  EXPECT_EQ(lag[0].group, "test-lag");
  EXPECT_EQ(lag[0].topic, "user.registered");
  EXPECT_EQ(lag[0].lag, 6);
  // Per partition: the six are spread by key over the topic's partitions, all of them ours.
  std::int64_t sum = 0;
  for (const auto& p : lag[0].partitions) {
    sum += p.lag;
    EXPECT_TRUE(p.assigned) << p.partition;
  }
  EXPECT_EQ(sum, 6);
  EXPECT_FALSE(lag[0].partitions.empty());
  release = true;
  EXPECT_TRUE(wait_for([&] { return consumer.lag(5s)[0].lag == 0; }));
  consumer.stop();
}

TEST_F(OutboxTest, PruneDeletesOnlyOldPublishedRowsAndOldInboxRows) {
  add_events({"p"}, 4);
  OutboxRelay relay(*pool_, kafka(),
                    {.keep_published = std::chrono::hours(24 * 7),
                     .keep_processed = std::chrono::hours(24 * 30)});
  ASSERT_EQ(relay.publish_pending(), 4u);
  add_events({"p"}, 1);  // pending: never pruned, however old
  pg::transact(*pool_, [](pqxx::work& tx) {
    tx.exec("UPDATE outbox SET created_at = now() - interval '60 days'");
    tx.exec(
        "UPDATE outbox SET published_at = now() - interval '8 days' WHERE seq IN "
        "(SELECT seq FROM outbox WHERE published_at IS NOT NULL ORDER BY seq LIMIT 3)");
    tx.exec(
        "INSERT INTO inbox (consumer, event_id, topic, processed_at) VALUES "
        "('c', 'old-1', 't', now() - interval '31 days'), "
        "('c', 'old-2', 't', now() - interval '45 days'), "
        "('c', 'recent', 't', now() - interval '29 days')");
  });
  EXPECT_EQ(relay.prune(), 5u);  // 3 outbox rows + 2 inbox rows
  auto left = pg::transact(*pool_, [](pqxx::work& tx) {
    return std::make_pair(
        tx.exec1("SELECT count(*) FROM outbox")[0].as<int>(),
        tx.exec1("SELECT string_agg(event_id, ',') FROM inbox")[0].as<std::string>());
  });
  EXPECT_EQ(left.first, 2);  // one published a moment ago, one pending
  EXPECT_EQ(left.second, "recent");
  EXPECT_EQ(relay.pending(), 1);
  EXPECT_EQ(relay.prune(), 0u);
}

TEST_F(OutboxTest, FailingAndInvalidEventsGoToDeadLetterTopic) {
  add_events({"bad"}, 1);
  OutboxRelay relay(*pool_, kafka());
  ASSERT_EQ(relay.publish_pending(), 1u);
  // And one message that violates the schema, produced around the outbox.
  {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", broker_.bootstrap().c_str(), err, sizeof err);
    rd_kafka_t* p = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    Event e{"bad-schema-1",    "user.registered", "v1", "test", "x", utc_now(), "x",
            R"({"user_id":1})"};
    auto* hdrs = rd_kafka_headers_new(8);
    for (const auto& [k, v] : to_headers(e))
      rd_kafka_header_add(hdrs, k.c_str(), -1, v.data(), -1);
    rd_kafka_producev(p, RD_KAFKA_V_TOPIC("user.registered"), RD_KAFKA_V_KEY("x", 1),
                      RD_KAFKA_V_VALUE(const_cast<char*>(e.data.data()), e.data.size()),
                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs),
                      RD_KAFKA_V_END);
    rd_kafka_flush(p, 5000);
    rd_kafka_destroy(p);
  }
  std::atomic<int> calls{0};
  ConsumerRunner consumer(pool_.get(), Schemas::embedded(), kafka(),
                          {.group = "test-dlq", .max_attempts = 3, .retry_backoff = 10ms});
  consumer.on("user.registered", [&](const Event&, pqxx::work& tx) {
    ++calls;
    tx.exec("INSERT INTO effects VALUES ('partial', 'x')");  // must be rolled back
    throw std::runtime_error("handler always fails");
  });
  consumer.start();
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (consumer.dead_lettered() < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  // What the dead-letter topic holds, as the health report shows it.
  EXPECT_EQ(consumer.lag(5s).at(0).dead_letters, 2);
  consumer.stop();
  EXPECT_EQ(consumer.dead_lettered(), 2);
  EXPECT_EQ(calls, 3);  // the invalid event never reached the handler
  auto dlq = broker_.read_all("user.registered.dlq", 2);
  ASSERT_EQ(dlq.size(), 2u);
  std::set<std::string> errors;
  for (const auto& m : dlq)
    errors.insert(m.kx_error);
  EXPECT_TRUE(errors.count("handler always fails"));
  auto effects = pg::transact(
      *pool_, [](pqxx::work& tx) { return tx.exec1("SELECT count(*) FROM effects")[0].as<int>(); });
  EXPECT_EQ(effects, 0);
}

}  // namespace
}  // namespace kx::events
