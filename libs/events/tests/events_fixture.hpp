#pragma once
// What the events tests share: librdkafka's mock cluster (which speaks the Kafka protocol over
// TCP and lets a test take the broker down), a scratch schema with the events migrations, and
// events written through the outbox.
#include <librdkafka/rdkafka.h>

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kx/events/events.hpp"
#include "kx/json/json.hpp"
#include "kx/pg/testing.hpp"
#include "mock_kafka.hpp"

namespace kx::events::testing {

using namespace std::chrono_literals;

class MockBroker {
 public:
  MockBroker() {
    for (const char* t : {"user.registered", "user.registered.dlq"}) {
      kafka_.create_topic(t, 2);
    }
  }
  std::string bootstrap() const { return kafka_.bootstrap(); }
  void down() { kafka_.set_broker_down(1); }
  void up() { kafka_.set_broker_up(1); }

  struct Message {
    std::string key, value, ce_id, kx_error;
    int partition;
  };
  // Everything in `topic` from the beginning, read with a plain assigned consumer.
  std::vector<Message> read_all(const std::string& topic, std::size_t expect,
                                std::chrono::milliseconds timeout = 10s) {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap().c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "group.id", "test-reader", err, sizeof err);
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    rd_kafka_t* c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    auto* parts = rd_kafka_topic_partition_list_new(2);
    for (int p = 0; p < 2; ++p) {
      rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_assign(c, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    std::vector<Message> out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.size() < expect && std::chrono::steady_clock::now() < deadline) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(c, 100);
      if (!m)
        continue;
      if (!m->err) {
        Message msg;
        msg.key.assign(static_cast<const char*>(m->key), m->key_len);
        msg.value.assign(static_cast<const char*>(m->payload), m->len);
        msg.partition = m->partition;
        rd_kafka_headers_t* h = nullptr;
        if (!rd_kafka_message_headers(m, &h)) {
          const void* v;
          size_t n;
          if (!rd_kafka_header_get_last(h, "ce_id", &v, &n))
            msg.ce_id.assign(static_cast<const char*>(v), n);
          if (!rd_kafka_header_get_last(h, "kx_error", &v, &n))
            msg.kx_error.assign(static_cast<const char*>(v), n);
        }
        out.push_back(std::move(msg));
      }
      rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(c);
    rd_kafka_destroy(c);
    return out;
  }

 private:
  kx::devbroker::MockKafka kafka_;  // one broker, id 1
};

inline std::string registered(const std::string& user, int n) {
  json::Writer w;
  w.begin_object()
      .field("user_id", user)
      .field("email", user + "+" + std::to_string(n) + "@example.de")
      .field("name", "n" + std::to_string(n))
      .field("locale", "de")
      .field("registered_at", utc_now())
      .end_object();
  return w.str();
}

class EventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = std::make_unique<pg::Pool>(schema_.pool_options(4));
    pg::migrate(*pool_, migrations());
    pg::transact(*pool_, [](pqxx::work& tx) {
      tx.exec("CREATE TABLE effects (event_id text PRIMARY KEY, user_id text NOT NULL)");
    });
  }
  // Adds `per_key` events for each key, interleaved, each in its own transaction.
  void add_events(const std::vector<std::string>& keys, int per_key) {
    Outbox outbox(Schemas::embedded(), "test");
    for (int i = 0; i < per_key; ++i) {
      for (const auto& k : keys) {
        pg::transact(*pool_, [&](pqxx::work& tx) {
          outbox.add(tx, "user.registered", k, k, registered(k, i));
        });
      }
    }
  }
  KafkaOptions kafka(std::chrono::milliseconds message_timeout = 5s) {
    return {broker_.bootstrap(), 6s, message_timeout};
  }
  static void expect_in_order_per_key(const std::vector<MockBroker::Message>& msgs) {
    std::map<std::string, int> last;
    for (const auto& m : msgs) {
      auto doc = json::parse(m.value);
      std::string email = doc["email"].GetString();
      int n = std::stoi(email.substr(email.find('+') + 1));
      auto it = last.find(m.key);
      if (it != last.end()) {
        EXPECT_LT(it->second, n) << "out of order for key " << m.key;
      }
      last[m.key] = n;
    }
  }

  pg::testing::ScratchSchema schema_{"events"};
  std::unique_ptr<pg::Pool> pool_;
  MockBroker broker_;
};

}  // namespace kx::events::testing
