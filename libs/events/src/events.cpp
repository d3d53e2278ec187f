#include "kx/events/events.hpp"

#include <librdkafka/rdkafka.h>

#include <condition_variable>
#include <ctime>
#include <mutex>
#include <set>

#include <rapidjson/document.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>

#include "kx/crypto/crypto.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "kx/metrics/metrics.hpp"

std::vector<std::pair<std::string, std::string>> kx_events_schema_files();
std::vector<std::pair<std::string, std::string>> kx_events_migration_files();

namespace kx::events {
namespace {

constexpr const char* kInsertOutbox = R"sql(
INSERT INTO outbox (event_id, topic, event_key, ce_type, ce_source, ce_subject, ce_time, data)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8))sql";
// Wakes the relay at commit time instead of waiting for its next poll.
constexpr const char* kNotifyOutbox = "SELECT pg_notify('kx_outbox_' || current_schema(), '')";
constexpr const char* kSelectPending = R"sql(
SELECT seq, event_id, topic, event_key, ce_type, ce_source, ce_subject, ce_time, data
FROM outbox WHERE published_at IS NULL ORDER BY seq LIMIT $1)sql";
constexpr const char* kMarkPublished =
    "UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])";
constexpr const char* kMarkFailed =
    "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE seq = ANY($1::bigint[])";
constexpr const char* kCountPending = "SELECT count(*) FROM outbox WHERE published_at IS NULL";
constexpr const char* kPrunePublished =
    "DELETE FROM outbox WHERE published_at < now() - make_interval(hours => $1)";
constexpr const char* kPruneInbox =
    "DELETE FROM inbox WHERE processed_at < now() - make_interval(hours => $1)";
constexpr const char* kInsertInbox = R"sql(
INSERT INTO inbox (consumer, event_id, topic) VALUES ($1, $2, $3)
ON CONFLICT (consumer, event_id) DO NOTHING)sql";

std::string errstr_of(rd_kafka_resp_err_t err) {
  return rd_kafka_err2str(err);
}

// librdkafka configuration; throws with the library's message on a bad property.
rd_kafka_conf_t* make_conf(const std::vector<std::pair<std::string, std::string>>& props) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw std::runtime_error("kafka config " + k + ": " + err);
    }
  }
  return conf;
}

void kafka_log_cb(const rd_kafka_t*, int level, const char* fac, const char* buf) {
  if (level <= 3) {
    log::error("kafka", {{"facility", fac}, {"detail", buf}});
  } else if (level <= 4) {
    log::warn("kafka", {{"facility", fac}, {"detail", buf}});
  }
}

rd_kafka_t* make_producer(const KafkaOptions& kafka,
                          void (*dr)(rd_kafka_t*, const rd_kafka_message_t*, void*)) {
  auto* conf = make_conf({{"bootstrap.servers", kafka.bootstrap},
                          {"enable.idempotence", "true"},
                          {"acks", "all"},
                          {"linger.ms", "2"},
                          {"partitioner", "murmur2_random"},
                          {"message.timeout.ms", std::to_string(kafka.message_timeout.count())},
                          {"reconnect.backoff.max.ms", "1000"}});
  rd_kafka_conf_set_log_cb(conf, kafka_log_cb);
  if (dr)
    rd_kafka_conf_set_dr_msg_cb(conf, dr);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("cannot create kafka producer: ") + err);
  }
  return rk;
}

rd_kafka_headers_t* make_headers(const Event& e) {
  auto* hdrs = rd_kafka_headers_new(8);
  for (const auto& [k, v] : to_headers(e)) {
    rd_kafka_header_add(hdrs, k.c_str(), static_cast<ssize_t>(k.size()), v.data(),
                        static_cast<ssize_t>(v.size()));
  }
  return hdrs;
}

std::string pg_array(const std::vector<std::int64_t>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i)
    out += (i ? "," : "") + std::to_string(ids[i]);
  return out + "}";
}

class OutboxListener final : public pqxx::notification_receiver {
 public:
  OutboxListener(pqxx::connection& c, const std::string& channel)
      : pqxx::notification_receiver(c, channel) {}
  void operator()(const std::string&, int) override {}
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Envelope

std::vector<std::pair<std::string, std::string>> to_headers(const Event& e) {
  return {{"ce_specversion", "1.0"},
          {"ce_id", e.id},
          {"ce_source", e.source},
          {"ce_type", e.ce_type()},
          {"ce_time", e.time},
          {"ce_subject", e.subject},
          {"content-type", "application/json"}};
}

Event from_headers(const std::vector<std::pair<std::string, std::string>>& headers, std::string key,
                   std::string value) {
  std::map<std::string, std::string> h(headers.begin(), headers.end());
  auto need = [&](const char* name) -> std::string {
    auto it = h.find(name);
    if (it == h.end() || it->second.empty()) {
      throw std::invalid_argument(std::string("missing CloudEvents header ") + name);
    }
    return it->second;
  };
  if (need("ce_specversion") != "1.0")
    throw std::invalid_argument("unsupported ce_specversion");
  Event e;
  e.id = need("ce_id");
  e.source = need("ce_source");
  e.time = need("ce_time");
  e.subject = h.count("ce_subject") ? h["ce_subject"] : "";
  std::string type = need("ce_type");
  auto dot = type.rfind('.');
  if (dot == std::string::npos || dot + 2 > type.size() || type[dot + 1] != 'v') {
    throw std::invalid_argument("ce_type has no version suffix: " + type);
  }
  e.type = type.substr(0, dot);
  e.version = type.substr(dot + 1);
  e.key = std::move(key);
  e.data = std::move(value);
  return e;
}

std::string utc_now() {
  return json::utc_timestamp(std::chrono::system_clock::now());
}

// ---------------------------------------------------------------------------------------------
// Schemas

struct Schemas::Impl {
  std::map<std::string, std::unique_ptr<rapidjson::SchemaDocument>> by_type;
};

Schemas::Schemas(const std::vector<std::pair<std::string, std::string>>& files)
    : impl_(std::make_unique<Impl>()) {
  for (const auto& [name, text] : files) {
    const std::string suffix = ".json";
    if (name.size() <= suffix.size())
      continue;
    std::string ce_type = name.substr(0, name.size() - suffix.size());
    auto slash = ce_type.rfind('/');
    if (slash != std::string::npos)
      ce_type = ce_type.substr(slash + 1);
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError())
      throw std::runtime_error("schema " + name + " is not valid JSON");
    impl_->by_type[ce_type] = std::make_unique<rapidjson::SchemaDocument>(doc);
  }
}

Schemas::~Schemas() = default;

const Schemas& Schemas::embedded() {
  static const Schemas schemas(kx_events_schema_files());
  return schemas;
}

void Schemas::validate(const std::string& ce_type, const std::string& data) const {
  auto it = impl_->by_type.find(ce_type);
  if (it == impl_->by_type.end())
    throw SchemaError("no schema for event type " + ce_type);
  rapidjson::Document doc;
  doc.Parse(data.data(), data.size());
  if (doc.HasParseError())
    throw SchemaError(ce_type + ": data is not valid JSON");
  rapidjson::SchemaValidator validator(*it->second);
  if (!doc.Accept(validator)) {
    rapidjson::StringBuffer where, rule;
    validator.GetInvalidDocumentPointer().StringifyUriFragment(where);
    validator.GetInvalidSchemaPointer().StringifyUriFragment(rule);
    throw SchemaError(ce_type + ": data at '" + std::string(where.GetString()) + "' violates '" +
                      validator.GetInvalidSchemaKeyword() + "' (schema " + rule.GetString() + ")");
  }
}

std::vector<std::string> Schemas::topics() const {
  std::vector<std::string> out;
  for (const auto& [ce_type, schema] : impl_->by_type) {
    std::string topic = ce_type.substr(0, ce_type.rfind('.'));
    if (out.empty() || out.back() != topic)
      out.push_back(topic);
  }
  return out;
}

std::vector<pg::Migration> migrations() {
  std::vector<pg::Migration> out;
  for (auto& [name, sql] : kx_events_migration_files())
    out.push_back({name, sql});
  return out;
}

// ---------------------------------------------------------------------------------------------
// Outbox

Outbox::Outbox(const Schemas& schemas, std::string source)
    : schemas_(schemas), source_(std::move(source)) {}

std::string Outbox::add(pqxx::work& tx, const std::string& type, const std::string& key,
                        const std::string& subject, const std::string& data,
                        const std::string& version) const {
  const std::string ce_type = type + "." + version;
  schemas_.validate(ce_type, data);
  std::string id = crypto::uuid_v7();
  tx.exec_params(kInsertOutbox, id, type, key, ce_type, source_, subject, utc_now(), data);
  tx.exec(kNotifyOutbox);
  return id;
}

// ---------------------------------------------------------------------------------------------
// OutboxRelay

struct OutboxRelay::Impl {
  pg::Pool& pool;
  KafkaOptions kafka;
  RelayOptions options;
  rd_kafka_t* producer = nullptr;
  std::unique_ptr<pqxx::connection> leader_conn;
  std::unique_ptr<OutboxListener> listener;
  std::thread thread;
  std::atomic<bool> running{false};
  std::mutex mutex;
  std::condition_variable wake;
  std::chrono::steady_clock::time_point last_prune{};
  metrics::Counter& published = metrics::Registry::global().counter(
      "kx_outbox_published_total", "Outbox events acknowledged by the broker.");
  metrics::Counter& failures = metrics::Registry::global().counter(
      "kx_outbox_publish_failures_total", "Outbox events the broker did not acknowledge.");

  Impl(pg::Pool& p, KafkaOptions k, RelayOptions o) : pool(p), kafka(std::move(k)), options(o) {}

  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* msg, void*) {
    // _private carries the per-message result slot set at produce time.
    *static_cast<rd_kafka_resp_err_t*>(msg->_private) = msg->err;
  }

  void ensure_producer() {
    if (producer && rd_kafka_fatal_error(producer, nullptr, 0) == RD_KAFKA_RESP_ERR_NO_ERROR)
      return;
    if (producer) {
      log::warn("outbox producer hit a fatal error; recreating it");
      rd_kafka_destroy(producer);
      producer = nullptr;
    }
    producer = make_producer(kafka, &Impl::on_delivery);
  }

  // Session-level advisory lock on a dedicated connection: held for as long as we live.
  bool ensure_leader() {
    try {
      if (listener && leader_conn && leader_conn->is_open())
        return true;
      // A standby keeps its connection and simply asks for the lock again next time.
      if (!leader_conn || !leader_conn->is_open())
        leader_conn = pool.open_dedicated();
      pqxx::nontransaction tx(*leader_conn);
      bool got = tx.exec1("SELECT pg_try_advisory_lock(hashtext(" +
                          tx.quote("kx_outbox:" + pool.options().schema) + "))")[0]
                     .as<bool>();
      if (!got)
        return false;
      listener =
          std::make_unique<OutboxListener>(*leader_conn, "kx_outbox_" + pool.options().schema);
      return true;
    } catch (const std::exception& e) {
      listener.reset();
      leader_conn.reset();
      throw;
    }
  }

  struct Row {
    std::int64_t seq;
    Event event;
  };

  std::size_t publish_pending() {
    if (!ensure_leader())
      return 0;
    std::vector<Row> rows;
    pg::transact(pool, [&](pqxx::work& tx) {
      for (const auto& r : tx.exec_params(kSelectPending, static_cast<int>(options.batch_size))) {
        Row row;
        row.seq = r[0].as<std::int64_t>();
        row.event.id = r[1].as<std::string>();
        row.event.type = r[2].as<std::string>();
        row.event.key = r[3].as<std::string>();
        std::string ce_type = r[4].as<std::string>();
        row.event.version = ce_type.substr(ce_type.rfind('.') + 1);
        row.event.source = r[5].as<std::string>();
        row.event.subject = r[6].as<std::string>();
        row.event.time = r[7].as<std::string>();
        row.event.data = r[8].as<std::string>();
        rows.push_back(std::move(row));
      }
    });
    if (rows.empty())
      return 0;
    ensure_producer();
    std::vector<rd_kafka_resp_err_t> results(rows.size(), RD_KAFKA_RESP_ERR__IN_PROGRESS);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const Event& e = rows[i].event;
      rd_kafka_headers_t* hdrs = make_headers(e);
      auto err = rd_kafka_producev(
          producer, RD_KAFKA_V_TOPIC(e.type.c_str()), RD_KAFKA_V_KEY(e.key.data(), e.key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(e.data.data()), e.data.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(hdrs),
          RD_KAFKA_V_OPAQUE(&results[i]), RD_KAFKA_V_END);
      if (err) {
        rd_kafka_headers_destroy(hdrs);
        results[i] = err;
      }
    }
    rd_kafka_flush(producer, static_cast<int>(kafka.message_timeout.count() + 5'000));
    // Mark what the broker acknowledged, except rows whose key also has an unacknowledged
    // row: those are sent again with it, in seq order, so a key's order is never broken.
    std::set<std::string> failed_keys;
    std::string last_error;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (results[i] != RD_KAFKA_RESP_ERR_NO_ERROR) {
        failed_keys.insert(rows[i].event.key);
        last_error = errstr_of(results[i]);
      }
    }
    std::vector<std::int64_t> done, failed;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      bool ok = results[i] == RD_KAFKA_RESP_ERR_NO_ERROR;
      if (ok && !failed_keys.count(rows[i].event.key)) {
        done.push_back(rows[i].seq);
      } else if (!ok) {
        failed.push_back(rows[i].seq);
      }
    }
    pg::transact(pool, [&](pqxx::work& tx) {
      if (!done.empty())
        tx.exec_params(kMarkPublished, pg_array(done));
      if (!failed.empty())
        tx.exec_params(kMarkFailed, pg_array(failed), last_error);
    });
    published.inc(static_cast<double>(done.size()));
    if (!failed.empty()) {
      failures.inc(static_cast<double>(failed.size()));
      log::warn("outbox events not acknowledged; will retry",
                {{"count", failed.size()}, {"error", last_error}});
    }
    return done.size();
  }

  std::size_t prune() {
    return pg::transact(pool, [&](pqxx::work& tx) {
      auto outbox_rows =
          tx.exec_params(kPrunePublished, static_cast<int>(options.keep_published.count()))
              .affected_rows();
      auto inbox_rows =
          tx.exec_params(kPruneInbox, static_cast<int>(options.keep_processed.count()))
              .affected_rows();
      return static_cast<std::size_t>(outbox_rows + inbox_rows);
    });
  }

  void prune_now_and_then() {
    auto now = std::chrono::steady_clock::now();
    if (now - last_prune < std::chrono::minutes(10))
      return;
    last_prune = now;
    prune();
  }

  void wait_for_work(std::chrono::milliseconds timeout) {
    if (listener && leader_conn && leader_conn->is_open()) {
      auto secs = static_cast<long>(timeout.count() / 1000);
      auto usecs = static_cast<long>((timeout.count() % 1000) * 1000);
      leader_conn->await_notification(secs, usecs);
      return;
    }
    std::unique_lock lock(mutex);
    wake.wait_for(lock, timeout, [&] { return !running; });
  }

  void loop() {
    while (running) {
      try {
        std::size_t n = publish_pending();
        if (n == options.batch_size)
          continue;
        if (listener)
          prune_now_and_then();
        wait_for_work(options.idle_wait);
      } catch (const std::exception& e) {
        log::warn("outbox relay pass failed; retrying", {{"error", e.what()}});
        listener.reset();
        leader_conn.reset();
        std::unique_lock lock(mutex);
        wake.wait_for(lock, options.error_backoff, [&] { return !running; });
      }
    }
  }
};

OutboxRelay::OutboxRelay(pg::Pool& pool, KafkaOptions kafka, RelayOptions options)
    : impl_(std::make_unique<Impl>(pool, std::move(kafka), options)) {}

OutboxRelay::~OutboxRelay() {
  stop();
  if (impl_->producer) {
    rd_kafka_flush(impl_->producer, 2'000);
    rd_kafka_destroy(impl_->producer);
  }
}

void OutboxRelay::start() {
  if (impl_->running.exchange(true))
    return;
  impl_->thread = std::thread([this] { impl_->loop(); });
}

void OutboxRelay::stop() {
  if (!impl_->running.exchange(false))
    return;
  impl_->wake.notify_all();
  if (impl_->thread.joinable())
    impl_->thread.join();
}

std::size_t OutboxRelay::publish_pending() {
  return impl_->publish_pending();
}

std::size_t OutboxRelay::prune() {
  return impl_->prune();
}

std::int64_t OutboxRelay::pending() {
  return pg::transact(impl_->pool,
                      [](pqxx::work& tx) { return tx.exec1(kCountPending)[0].as<std::int64_t>(); });
}

// ---------------------------------------------------------------------------------------------
// ConsumerRunner

struct ConsumerRunner::Impl {
  pg::Pool* pool;
  const Schemas& schemas;
  KafkaOptions kafka;
  ConsumerOptions options;
  std::map<std::string, TxHandler> tx_handlers;
  std::map<std::string, PlainHandler> plain_handlers;
  rd_kafka_t* consumer = nullptr;
  rd_kafka_t* dlq = nullptr;
  std::thread thread;
  std::atomic<bool> running{false};
  std::atomic<bool> assigned{false};
  std::atomic<std::int64_t> handled{0}, duplicates{0}, dead{0};

  Impl(pg::Pool* p, const Schemas& s, KafkaOptions k, ConsumerOptions o)
      : pool(p), schemas(s), kafka(std::move(k)), options(std::move(o)) {}

  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* parts, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      rd_kafka_assign(rk, parts);
      self->assigned = true;
    } else {
      rd_kafka_assign(rk, nullptr);
    }
  }

  void sleep_for(std::chrono::milliseconds d) {
    auto until = std::chrono::steady_clock::now() + d;
    while (running && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // Publishes the original message with the error to <topic>.dlq; true once acknowledged.
  bool dead_letter(const rd_kafka_message_t* msg,
                   const std::vector<std::pair<std::string, std::string>>& headers,
                   const std::string& error, int attempts) {
    if (!dlq)
      dlq = make_producer(kafka, nullptr);
    std::string topic = std::string(rd_kafka_topic_name(msg->rkt)) + ".dlq";
    auto* hdrs = rd_kafka_headers_new(headers.size() + 4);
    for (const auto& [k, v] : headers) {
      rd_kafka_header_add(hdrs, k.c_str(), -1, v.data(), static_cast<ssize_t>(v.size()));
    }
    std::string attempts_s = std::to_string(attempts);
    std::string partition = std::to_string(msg->partition);
    std::string offset = std::to_string(msg->offset);
    rd_kafka_header_add(hdrs, "kx_error", -1, error.data(), static_cast<ssize_t>(error.size()));
    rd_kafka_header_add(hdrs, "kx_attempts", -1, attempts_s.data(), -1);
    rd_kafka_header_add(hdrs, "kx_consumer", -1, options.group.data(), -1);
    rd_kafka_header_add(hdrs, "kx_origin", -1, (partition + "@" + offset).data(), -1);
    auto err = rd_kafka_producev(
        dlq, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(msg->key, msg->key_len),
        RD_KAFKA_V_VALUE(msg->payload, msg->len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_END);
    if (err) {
      rd_kafka_headers_destroy(hdrs);
      return false;
    }
    if (rd_kafka_flush(dlq, 10'000) != RD_KAFKA_RESP_ERR_NO_ERROR)
      return false;
    ++dead;
    metrics::Registry::global()
        .counter("kx_events_dead_lettered_total", "Events sent to a dead-letter topic.",
                 {{"topic", topic}})
        .inc();
    log::error("event dead-lettered", {{"topic", topic}, {"error", error}, {"attempts", attempts}});
    return true;
  }

  // A message is only left behind once it is safely in the dead-letter topic; until then the
  // consumer keeps trying (and does not move on to later offsets).
  bool dead_letter_until_done(const rd_kafka_message_t* msg,
                              const std::vector<std::pair<std::string, std::string>>& headers,
                              const std::string& error, int attempts) {
    while (running) {
      if (dead_letter(msg, headers, error, attempts))
        return true;
      log::warn("dead-letter publish failed; retrying");
      sleep_for(std::chrono::seconds(1));
    }
    return false;
  }

  // Returns true when the offset may be committed.
  bool process(const rd_kafka_message_t* msg) {
    std::vector<std::pair<std::string, std::string>> headers;
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(msg, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name;
      const void* value;
      size_t size;
      for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == 0; ++i) {
        headers.emplace_back(name, value ? std::string(static_cast<const char*>(value), size) : "");
      }
    }
    std::string key = msg->key ? std::string(static_cast<const char*>(msg->key), msg->key_len) : "";
    std::string value =
        msg->payload ? std::string(static_cast<const char*>(msg->payload), msg->len) : "";
    Event event;
    try {
      event = from_headers(headers, key, value);
      schemas.validate(event.ce_type(), event.data);
    } catch (const std::exception& e) {
      return dead_letter_until_done(msg, headers, std::string("rejected: ") + e.what(), 0);
    }
    auto tx_it = tx_handlers.find(event.type);
    auto plain_it = plain_handlers.find(event.type);
    if (tx_it == tx_handlers.end() && plain_it == plain_handlers.end())
      return true;

    int attempt = 0;
    auto backoff = options.retry_backoff;
    while (running) {
      ++attempt;
      try {
        if (tx_it != tx_handlers.end()) {
          bool fresh = pg::transact(*pool, [&](pqxx::work& tx) {
            auto r = tx.exec_params(kInsertInbox, options.group, event.id, event.type);
            if (r.affected_rows() == 0)
              return false;  // already processed
            tx_it->second(event, tx);
            return true;
          });
          fresh ? ++handled : ++duplicates;
        } else {
          plain_it->second(event);
          ++handled;
        }
        return true;
      } catch (const std::exception& e) {
        if (pg::is_connection_error(e) || dynamic_cast<const pg::PoolTimeout*>(&e)) {
          // The database is away: wait it out rather than dead-letter good events.
          log::warn("database unavailable while consuming; retrying", {{"type", event.type}});
          attempt = 0;
          sleep_for(std::chrono::seconds(1));
          continue;
        }
        log::warn("event handler failed", {{"type", event.type},
                                           {"event_id", event.id},
                                           {"attempt", attempt},
                                           {"error", e.what()}});
        if (attempt >= options.max_attempts) {
          return dead_letter_until_done(msg, headers, e.what(), attempt);
        }
        sleep_for(backoff);
        backoff *= 2;
      }
    }
    return false;
  }

  void loop() {
    while (running) {
      rd_kafka_message_t* msg = rd_kafka_consumer_poll(consumer, 200);
      if (!msg)
        continue;
      if (msg->err) {
        if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          log::warn("kafka consumer error", {{"error", rd_kafka_message_errstr(msg)}});
        }
        rd_kafka_message_destroy(msg);
        continue;
      }
      assigned = true;
      bool commit = process(msg);
      // Only after the database commit: a crash before this line redelivers the event, and
      // the inbox turns the redelivery into a no-op.
      if (commit)
        rd_kafka_commit_message(consumer, msg, 1);
      rd_kafka_message_destroy(msg);
    }
  }
};

ConsumerRunner::ConsumerRunner(pg::Pool* pool, const Schemas& schemas, KafkaOptions kafka,
                               ConsumerOptions options)
    : impl_(std::make_unique<Impl>(pool, schemas, std::move(kafka), std::move(options))) {}

ConsumerRunner::~ConsumerRunner() {
  stop();
  if (impl_->dlq)
    rd_kafka_destroy(impl_->dlq);
}

void ConsumerRunner::on(const std::string& type, TxHandler handler) {
  if (!impl_->pool)
    throw std::logic_error("transactional handlers need a database pool");
  impl_->tx_handlers[type] = std::move(handler);
}

void ConsumerRunner::on_plain(const std::string& type, PlainHandler handler) {
  impl_->plain_handlers[type] = std::move(handler);
}

void ConsumerRunner::start() {
  if (impl_->running.exchange(true))
    return;
  auto* conf =
      make_conf({{"bootstrap.servers", impl_->kafka.bootstrap},
                 {"group.id", impl_->options.group},
                 {"enable.auto.commit", "false"},
                 {"enable.auto.offset.store", "false"},
                 {"auto.offset.reset", impl_->options.start_at_latest ? "latest" : "earliest"},
                 {"session.timeout.ms", std::to_string(impl_->kafka.session_timeout.count())},
                 {"heartbeat.interval.ms",
                  std::to_string(std::max<long>(500, impl_->kafka.session_timeout.count() / 5))},
                 {"topic.metadata.refresh.interval.ms", "10000"}});
  rd_kafka_conf_set_log_cb(conf, kafka_log_cb);
  rd_kafka_conf_set_opaque(conf, impl_.get());
  rd_kafka_conf_set_rebalance_cb(conf, &Impl::on_rebalance);
  char err[512];
  impl_->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!impl_->consumer) {
    rd_kafka_conf_destroy(conf);
    impl_->running = false;
    throw std::runtime_error(std::string("cannot create kafka consumer: ") + err);
  }
  rd_kafka_poll_set_consumer(impl_->consumer);
  std::set<std::string> topics;
  for (const auto& [type, h] : impl_->tx_handlers)
    topics.insert(type);
  for (const auto& [type, h] : impl_->plain_handlers)
    topics.insert(type);
  auto* list = rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
  for (const auto& t : topics)
    rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
  auto sub = rd_kafka_subscribe(impl_->consumer, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (sub)
    throw std::runtime_error("cannot subscribe: " + errstr_of(sub));
  impl_->thread = std::thread([this] { impl_->loop(); });
}

void ConsumerRunner::stop() {
  if (!impl_->running.exchange(false))
    return;
  if (impl_->thread.joinable())
    impl_->thread.join();
  if (impl_->consumer) {
    rd_kafka_consumer_close(impl_->consumer);
    rd_kafka_destroy(impl_->consumer);
    impl_->consumer = nullptr;
  }
}

bool ConsumerRunner::assigned() const {
  return impl_->assigned;
}
std::int64_t ConsumerRunner::handled() const {
  return impl_->handled;
}
std::int64_t ConsumerRunner::duplicates() const {
  return impl_->duplicates;
}
std::int64_t ConsumerRunner::dead_lettered() const {
  return impl_->dead;
}

// ---------------------------------------------------------------------------------------------
// BrokerProbe

struct BrokerProbe::Impl {
  std::mutex mutex;
  rd_kafka_t* rk = nullptr;
};

BrokerProbe::BrokerProbe(const std::string& bootstrap) : impl_(std::make_unique<Impl>()) {
  auto* conf = make_conf({{"bootstrap.servers", bootstrap}, {"reconnect.backoff.max.ms", "1000"}});
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
  char err[512];
  impl_->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!impl_->rk) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("cannot create kafka client: ") + err);
  }
}

BrokerProbe::~BrokerProbe() {
  if (impl_->rk)
    rd_kafka_destroy(impl_->rk);
}

bool BrokerProbe::reachable(std::chrono::milliseconds timeout, std::string& reason) {
  std::lock_guard lock(impl_->mutex);
  const struct rd_kafka_metadata* md = nullptr;
  auto err = rd_kafka_metadata(impl_->rk, 0, nullptr, &md, static_cast<int>(timeout.count()));
  if (err) {
    reason = "broker unreachable: " + errstr_of(err);
    return false;
  }
  rd_kafka_metadata_destroy(md);
  return true;
}

}  // namespace kx::events
