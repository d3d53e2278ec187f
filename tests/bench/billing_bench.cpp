// kx-billing-bench: drives billing through Kafka the way telephony-webhook does and measures it.
// It publishes call.completed events (CloudEvents headers, schema-valid data) for one or more
// owners (call i belongs to owner i mod M) and, unless told not to, follows credits.deducted from
// that moment on, matching each deduction to its call: the result is charges per second (from the
// broker's acknowledgement of the first call to the last deduction), the lag from a call's
// publication to its deduction, and the calls charged more than once or never.
//
//   kx-billing-bench --bootstrap HOST:PORT --user USER_ID[,USER_ID...] [--calls 1000] [--seconds
//   95]
//                    [--copies 1] [--spread] [--rate 0] [--prefix bench] [--timeout 120]
//                    [--no-wait]
//
// --copies C publishes every call C times under different event ids (what a retrying producer
// does); --spread puts the copies and consecutive calls on different partitions, so several
// billing replicas charge the same owner at once; --rate paces publishing (events per second,
// 0 = as fast as possible). Prints one JSON line; exit status 1 when not every call was deducted.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "closed_loop.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/events/events.hpp"
#include "kx/json/json.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string bootstrap;
  std::vector<std::string> users;
  std::string prefix = "bench";
  int calls = 1000;
  int seconds = 95;
  int copies = 1;
  bool spread = false;
  double rate = 0;
  int timeout_s = 120;
  bool wait = true;
};

int usage() {
  std::fprintf(
      stderr,
      "usage: kx-billing-bench --bootstrap HOST:PORT --user USER_ID[,USER_ID...] [--calls N] "
      "[--seconds S] [--copies C] [--spread] [--rate R] [--prefix P] [--timeout S] "
      "[--no-wait]\n");
  return 2;
}

rd_kafka_conf_t* conf_for(const std::string& bootstrap) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  return conf;
}

std::string call_data(const Options& o, const std::string& call_id, const std::string& user) {
  auto now = kx::events::utc_now();
  kx::json::Writer w;
  w.begin_object()
      .field("call_id", call_id)
      .field("vapi_call_id", "vapi-" + call_id)
      .field("agent_id", "bench-agent")
      .field("user_id", user)
      .field("status", "completed")
      .field("ended_reason", "customer-ended-call")
      .field("started_at", now)
      .field("ended_at", now)
      .field("duration_seconds", static_cast<std::int64_t>(o.seconds))
      .field("caller_number", "+4930123456")
      .key("summary")
      .null()
      .field("appointment_booked", false)
      .field("transferred", false)
      .field("test", false)
      .end_object();
  return w.str();
}

int partitions_of(rd_kafka_t* rk, const char* topic) {
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk, topic, nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  int n = 0;
  if (rd_kafka_metadata(rk, 0, t, &md, 10'000) == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1)
    n = md->topics[0].partition_cnt;
  if (md)
    rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(t);
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--spread") {
      o.spread = true;
      continue;
    }
    if (flag == "--no-wait") {
      o.wait = false;
      continue;
    }
    if (i + 1 >= argc)
      return usage();
    std::string v = argv[++i];
    if (flag == "--bootstrap")
      o.bootstrap = v;
    else if (flag == "--user") {
      for (std::size_t from = 0; from <= v.size();) {
        auto comma = std::min(v.find(',', from), v.size());
        if (comma > from)
          o.users.push_back(v.substr(from, comma - from));
        from = comma + 1;
      }
    } else if (flag == "--prefix")
      o.prefix = v;
    else if (flag == "--calls")
      o.calls = std::stoi(v);
    else if (flag == "--seconds")
      o.seconds = std::stoi(v);
    else if (flag == "--copies")
      o.copies = std::stoi(v);
    else if (flag == "--rate")
      o.rate = std::stod(v);
    else if (flag == "--timeout")
      o.timeout_s = std::stoi(v);
    else
      return usage();
  }
  if (o.bootstrap.empty() || o.users.empty() || o.calls < 1 || o.copies < 1 || o.seconds < 0)
    return usage();

  char err[512];
  // The follower is positioned at the end of credits.deducted before the first call goes out.
  rd_kafka_t* follower = nullptr;
  if (o.wait) {
    auto* conf = conf_for(o.bootstrap);
    auto group = "kx-billing-bench-" + kx::crypto::uuid_v4();
    rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
    // The measuring side should not add its own fetch wait to the lag it measures.
    rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", err, sizeof err);
    follower = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!follower) {
      std::fprintf(stderr, "consumer: %s\n", err);
      return 1;
    }
    int parts = partitions_of(follower, "credits.deducted");
    if (parts < 1) {
      std::fprintf(stderr, "topic credits.deducted not found\n");
      return 1;
    }
    auto* list = rd_kafka_topic_partition_list_new(parts);
    for (int p = 0; p < parts; ++p) {
      rd_kafka_topic_partition_list_add(list, "credits.deducted", p)->offset = RD_KAFKA_OFFSET_END;
    }
    rd_kafka_assign(follower, list);
    rd_kafka_topic_partition_list_destroy(list);
    // Let the assignment resolve its end offsets before anything is published.
    for (int i = 0; i < 10; ++i) {
      if (auto* m = rd_kafka_consumer_poll(follower, 100))
        rd_kafka_message_destroy(m);
    }
  }

  // Deductions are received on their own thread while the calls go out, so each one is timed
  // when it arrives; the lags are worked out once publishing is done.
  struct Receipt {
    std::string call_id;
    std::string transaction_id;
    Clock::time_point at;
  };
  std::vector<Receipt> receipts;
  std::mutex receipts_mutex;
  std::atomic<bool> following{o.wait};
  std::set<std::string> expected_calls;
  for (int i = 0; i < o.calls; ++i)
    expected_calls.insert(o.prefix + "-" + std::to_string(i));
  const std::set<std::string> owners(o.users.begin(), o.users.end());
  std::thread follow;
  if (follower) {
    follow = std::thread([&] {
      std::set<std::string> seen;
      auto deadline = Clock::now() + std::chrono::seconds(o.timeout_s);
      while (following && seen.size() < expected_calls.size() && Clock::now() < deadline) {
        rd_kafka_message_t* m = rd_kafka_consumer_poll(follower, 100);
        if (!m)
          continue;
        auto at = Clock::now();
        if (!m->err && m->key &&
            owners.count(std::string(static_cast<const char*>(m->key), m->key_len))) {
          auto doc = kx::json::parse(std::string(static_cast<const char*>(m->payload), m->len));
          auto call_id = kx::json::get_string(doc, "call_id");
          if (expected_calls.count(call_id)) {
            seen.insert(call_id);
            std::lock_guard lock(receipts_mutex);
            receipts.push_back({call_id, kx::json::get_string(doc, "transaction_id"), at});
          }
        }
        rd_kafka_message_destroy(m);
      }
    });
  }

  auto* pconf = conf_for(o.bootstrap);
  rd_kafka_conf_set(pconf, "enable.idempotence", "true", err, sizeof err);
  rd_kafka_conf_set(pconf, "linger.ms", "2", err, sizeof err);
  rd_kafka_conf_set(pconf, "partitioner", "murmur2_random", err, sizeof err);
  // As telephony-webhook's relay sends them (libs/events/src/kafka.cpp).
  rd_kafka_conf_set(pconf, "compression.type", "lz4", err, sizeof err);
  // When the broker acknowledged the first call: the charging rate is counted from there, since
  // an idempotent producer holds its first messages until it has its producer id (about a
  // second after it starts, in most runs against the dev broker), time in which billing has
  // nothing to charge yet.
  static std::atomic<Clock::rep> first_acked{0};
  rd_kafka_conf_set_dr_msg_cb(pconf, [](rd_kafka_t*, const rd_kafka_message_t* m, void*) {
    Clock::rep none = 0;
    if (!m->err)
      first_acked.compare_exchange_strong(none, Clock::now().time_since_epoch().count());
  });
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof err);
  auto fail = [&](const std::string& why) {
    std::fprintf(stderr, "%s\n", why.c_str());
    following = false;
    if (follow.joinable())
      follow.join();
    return 1;
  };
  if (!producer)
    return fail(std::string("producer: ") + err);
  int parts = o.spread ? partitions_of(producer, "call.completed") : 0;

  std::map<std::string, Clock::time_point> published;  // first publication of each call
  auto start = Clock::now();
  long sent = 0;
  for (int i = 0; i < o.calls; ++i) {
    std::string call_id = o.prefix + "-" + std::to_string(i);
    const std::string& user = o.users[static_cast<std::size_t>(i) % o.users.size()];
    for (int c = 0; c < o.copies; ++c) {
      if (o.rate > 0) {
        auto due = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(static_cast<double>(sent) / o.rate));
        std::this_thread::sleep_until(due);
      }
      kx::events::Event e;
      e.id = kx::crypto::uuid_v7();
      e.type = "call.completed";
      e.version = "v1";
      e.source = "kx-billing-bench";
      e.subject = call_id;
      e.time = kx::events::utc_now();
      e.key = user;
      e.data = call_data(o, call_id, user);
      auto* hdrs = rd_kafka_headers_new(8);
      for (const auto& [k, v] : kx::events::to_headers(e))
        rd_kafka_header_add(hdrs, k.c_str(), -1, v.data(), static_cast<ssize_t>(v.size()));
      int partition = o.spread ? (i + c) % parts : RD_KAFKA_PARTITION_UA;
      published.emplace(call_id, Clock::now());  // keeps the first copy's time
      for (;;) {
        auto rc = rd_kafka_producev(
            producer, RD_KAFKA_V_TOPIC("call.completed"), RD_KAFKA_V_PARTITION(partition),
            RD_KAFKA_V_KEY(e.key.data(), e.key.size()),
            RD_KAFKA_V_VALUE(e.data.data(), e.data.size()),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
        if (rc == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          rd_kafka_poll(producer, 10);
          continue;
        }
        if (rc) {
          rd_kafka_headers_destroy(hdrs);
          return fail(std::string("produce: ") + rd_kafka_err2str(rc));
        }
        break;
      }
      ++sent;
      rd_kafka_poll(producer, 0);
    }
  }
  if (rd_kafka_flush(producer, 30'000) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return fail("not every event reached the broker");
  double produce_s = std::chrono::duration<double>(Clock::now() - start).count();
  rd_kafka_destroy(producer);

  kx::json::Writer out;
  out.begin_object()
      .field("calls", static_cast<std::int64_t>(o.calls))
      .field("owners", static_cast<std::int64_t>(owners.size()))
      .field("events", static_cast<std::int64_t>(sent))
      .field("copies", static_cast<std::int64_t>(o.copies))
      .field("spread", o.spread)
      .field("rate", o.rate)
      .field("produce_s", produce_s);
  if (!follower) {
    out.end_object();
    std::printf("%s\n", out.str().c_str());
    return 0;
  }

  follow.join();
  rd_kafka_consumer_close(follower);
  rd_kafka_destroy(follower);

  std::map<std::string, double> lag_ms;
  std::map<std::string, std::set<std::string>> entries_per_call;
  Clock::time_point last = start;
  for (const auto& r : receipts) {
    entries_per_call[r.call_id].insert(r.transaction_id);
    if (lag_ms.count(r.call_id))
      continue;
    lag_ms[r.call_id] =
        std::chrono::duration<double, std::milli>(r.at - published.at(r.call_id)).count();
    last = std::max(last, r.at);
  }

  std::vector<double> lags;
  int repeated = 0;
  for (const auto& [id, ms] : lag_ms)
    lags.push_back(ms);
  std::sort(lags.begin(), lags.end());
  // A redelivered event repeats its transaction id; a second charge would bring a new one.
  for (const auto& [id, entries] : entries_per_call)
    repeated += entries.size() > 1;
  const Clock::time_point acked{Clock::duration(first_acked.load())};
  double drain_s = std::chrono::duration<double>(last - acked).count();
  out.field("deducted", static_cast<std::int64_t>(lag_ms.size()))
      .field("charged_more_than_once", static_cast<std::int64_t>(repeated))
      .field("never_charged",
             static_cast<std::int64_t>(o.calls) - static_cast<std::int64_t>(lag_ms.size()))
      .field("first_acked_s", std::chrono::duration<double>(acked - start).count())
      .field("drain_s", drain_s)
      .field("charges_per_s", drain_s > 0 ? static_cast<double>(lag_ms.size()) / drain_s : 0.0)
      .key("lag_ms")
      .begin_object()
      .field("p50", kx::bench::percentile(lags, 0.50))
      .field("p90", kx::bench::percentile(lags, 0.90))
      .field("p99", kx::bench::percentile(lags, 0.99))
      .field("max", kx::bench::percentile(lags, 1.0))
      .end_object()
      .end_object();
  std::printf("%s\n", out.str().c_str());
  return static_cast<int>(lag_ms.size()) == o.calls && repeated == 0 ? 0 : 1;
}
