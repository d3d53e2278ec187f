#include "kx/events/consumer.hpp"
#include "kafka_internal.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "kx/log/log.hpp"
#include "kx/metrics/metrics.hpp"
#include "kx/pg/list.hpp"

namespace kx::events {
namespace {

using detail::errstr_of;
using detail::kafka_log_cb;
using detail::make_conf;
using detail::make_producer;

// Once per event or batch: prepared.
const pg::Statement kInsertInbox(R"sql(
INSERT INTO inbox (consumer, event_id, topic) VALUES ($1, $2, $3)
ON CONFLICT (consumer, event_id) DO NOTHING)sql");
// A batch's inbox rows in one statement; answers the ids that were new.
const pg::Statement kInsertInboxBatch(R"sql(
INSERT INTO inbox (consumer, event_id, topic)
SELECT $1, e.id, e.topic FROM unnest($2::text[], $3::text[]) AS e (id, topic)
ON CONFLICT (consumer, event_id) DO NOTHING
RETURNING event_id)sql");

// Fills `list` with the group's committed offsets, asked from the group coordinator with the
// admin API: unlike rd_kafka_committed() it does not wait while this member's group rebalances
// (e.g. for the session timeout after a replica died).
void group_offsets(rd_kafka_t* rk, const std::string& group, rd_kafka_topic_partition_list_t* list,
                   std::chrono::milliseconds timeout) {
  char err[512];
  std::unique_ptr<rd_kafka_queue_t, decltype(&rd_kafka_queue_destroy)> queue(
      rd_kafka_queue_new(rk), &rd_kafka_queue_destroy);
  std::unique_ptr<rd_kafka_AdminOptions_t, decltype(&rd_kafka_AdminOptions_destroy)> options(
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS),
      &rd_kafka_AdminOptions_destroy);
  rd_kafka_AdminOptions_set_request_timeout(options.get(), static_cast<int>(timeout.count()), err,
                                            sizeof err);
  auto* request = rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), list);
  rd_kafka_ListConsumerGroupOffsets(rk, &request, 1, options.get(), queue.get());
  rd_kafka_ListConsumerGroupOffsets_destroy(request);
  std::unique_ptr<rd_kafka_event_t, decltype(&rd_kafka_event_destroy)> event(
      rd_kafka_queue_poll(queue.get(), static_cast<int>(timeout.count()) + 500),
      &rd_kafka_event_destroy);
  if (!event)
    throw std::runtime_error("committed offsets: no answer");
  if (rd_kafka_event_error(event.get()))
    throw std::runtime_error(std::string("committed offsets: ") +
                             rd_kafka_event_error_string(event.get()));
  std::size_t n = 0;
  const auto* result = rd_kafka_event_ListConsumerGroupOffsets_result(event.get());
  const auto** groups = rd_kafka_ListConsumerGroupOffsets_result_groups(result, &n);
  if (n != 1)
    throw std::runtime_error("committed offsets: no group in the answer");
  if (const auto* e = rd_kafka_group_result_error(groups[0]))
    throw std::runtime_error(std::string("committed offsets: ") + rd_kafka_error_string(e));
  const auto* found = rd_kafka_group_result_partitions(groups[0]);
  for (int i = 0; i < list->cnt; ++i) {
    auto& p = list->elems[i];
    const auto* f =
        found ? rd_kafka_topic_partition_list_find(found, p.topic, p.partition) : nullptr;
    p.offset = f && !f->err ? f->offset : RD_KAFKA_OFFSET_INVALID;
  }
}

}  // namespace

struct ConsumerRunner::Impl {
  // A polled message, decoded.
  struct Incoming {
    rd_kafka_message_t* msg = nullptr;
    std::vector<std::pair<std::string, std::string>> headers;
    Event event;
    std::string invalid;  // why the envelope or the schema was refused; empty when valid
  };
  // Messages of one partition polled but not yet handled.
  struct PartitionQueue {
    std::deque<rd_kafka_message_t*> pending;
    bool busy = false;  // a batch of this partition is being handled
  };
  using PartitionKey = std::pair<std::string, std::int32_t>;
  using Partitions = std::map<PartitionKey, PartitionQueue>;

  // One step of a type's transactional handlers: per-event handlers registered one after
  // another (chained), or one batch handler.
  struct Stage {
    TxHandler each;
    TxBatchHandler all;
  };

  pg::Pool* pool;
  const Schemas& schemas;
  KafkaOptions kafka;
  ConsumerOptions options;
  std::map<std::string, std::vector<Stage>> tx_handlers;
  std::map<std::string, PlainHandler> plain_handlers;
  rd_kafka_t* consumer = nullptr;
  rd_kafka_t* dlq = nullptr;
  std::mutex dlq_mutex;
  std::thread thread;
  std::vector<std::thread> workers;
  std::atomic<bool> running{false};
  std::atomic<bool> assigned{false};
  std::atomic<std::int64_t> handled{0}, duplicates{0}, dead{0};

  // Between the polling thread and the workers.
  std::mutex mutex;
  std::condition_variable changed;  // work, room, an idle partition, or stopping
  Partitions partitions;
  std::size_t buffered = 0;
  PartitionKey cursor;  // partitions take turns: the search for work starts after this one

  Impl(pg::Pool* p, const Schemas& s, KafkaOptions k, ConsumerOptions o)
      : pool(p), schemas(s), kafka(std::move(k)), options(std::move(o)) {
    options.max_batch = std::max<std::size_t>(1, options.max_batch);
    options.parallel_partitions = std::max<std::size_t>(1, options.parallel_partitions);
  }

  std::set<std::string> topics() const {
    std::set<std::string> out;
    for (const auto& [type, h] : tx_handlers)
      out.insert(type);
    for (const auto& [type, h] : plain_handlers)
      out.insert(type);
    return out;
  }

  // Alone, the runner polls one batch and handles it. Workers get a few batches each in
  // advance, so that partitions further back in librdkafka's queue get their turn too.
  std::size_t buffer_limit() const {
    return options.parallel_partitions > 1 ? options.max_batch * options.parallel_partitions * 4
                                           : options.max_batch;
  }

  // Tests and operators wait on these instead of on time.
  static void count(const std::string& topic, const char* outcome) {
    metrics::Registry::global()
        .counter("kx_events_consumed_total", "Events consumed, by topic and outcome.",
                 {{"topic", topic}, {"outcome", outcome}})
        .inc();
  }

  static bool database_away(const std::exception& e) {
    return pg::is_connection_error(e) || dynamic_cast<const pg::PoolTimeout*>(&e) != nullptr;
  }

  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* parts, void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      rd_kafka_assign(rk, parts);
      self->assigned = true;
    } else {
      self->drop_buffered();
      rd_kafka_assign(rk, nullptr);
    }
  }

  // Leaves the group (its partitions go to the other members at once, not after the session
  // timeout) and destroys the handle, waiting at most `timeout` for the broker. Without a bound,
  // a broker that has gone away holds the shutdown: the handle keeps the offset commits still
  // waiting for the group coordinator until the session timeout, once per consumer. Offsets are
  // committed per batch and each event goes through the inbox, so giving up loses nothing.
  void close(std::chrono::milliseconds timeout) {
    rd_kafka_queue_t* events = rd_kafka_queue_new(consumer);
    bool closed = false;
    if (rd_kafka_error_t* error = rd_kafka_consumer_close_queue(consumer, events)) {
      log::warn("consumer close failed", {{"error", rd_kafka_error_string(error)}});
      rd_kafka_error_destroy(error);
    } else {
      const auto deadline = std::chrono::steady_clock::now() + timeout;
      while (!(closed = rd_kafka_consumer_closed(consumer)) &&
             std::chrono::steady_clock::now() < deadline) {
        rd_kafka_event_t* ev = rd_kafka_queue_poll(events, 100);
        if (!ev)
          continue;
        // Served through this queue, the rebalance callback is not called: revoke here.
        if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE)
          rd_kafka_assign(consumer, nullptr);
        rd_kafka_event_destroy(ev);
      }
    }
    rd_kafka_queue_destroy(events);
    if (closed) {
      rd_kafka_destroy(consumer);
      return;
    }
    log::warn(
        "consumer stopped without leaving its group: the broker did not answer",
        {{"group", options.group}, {"timeout_ms", static_cast<std::int64_t>(timeout.count())}});
    // The handle itself still waits for the coordinator, so it is destroyed on a thread of its
    // own (finished after the session timeout, or by the process's exit), silenced first: the
    // log callback must not outlive the logger.
    rd_kafka_set_log_level(consumer, 0);
    std::thread([rk = consumer] {
      rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    }).detach();
  }

  // Before partitions go to another member: the batches in progress finish and commit, the
  // messages not started are dropped uncommitted, so the partition's next owner gets them.
  void drop_buffered() {
    std::unique_lock lock(mutex);
    changed.wait(lock, [this] {
      return std::none_of(partitions.begin(), partitions.end(),
                          [](const auto& p) { return p.second.busy; });
    });
    for (auto& [key, queue] : partitions) {
      for (auto* msg : queue.pending)
        rd_kafka_message_destroy(msg);
    }
    partitions.clear();
    buffered = 0;
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
    std::lock_guard lock(dlq_mutex);
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

  Incoming decode(rd_kafka_message_t* msg) const {
    Incoming in;
    in.msg = msg;
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(msg, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name;
      const void* value;
      size_t size;
      for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == 0; ++i) {
        in.headers.emplace_back(name,
                                value ? std::string(static_cast<const char*>(value), size) : "");
      }
    }
    std::string key = msg->key ? std::string(static_cast<const char*>(msg->key), msg->key_len) : "";
    std::string value =
        msg->payload ? std::string(static_cast<const char*>(msg->payload), msg->len) : "";
    try {
      in.event = from_headers(in.headers, key, value);
      schemas.validate(in.event.ce_type(), in.event.data);
    } catch (const std::exception& e) {
      in.invalid = e.what();
      if (in.invalid.empty())
        in.invalid = "invalid event";
    }
    return in;
  }

  bool transactional(const Incoming& in) const {
    return in.invalid.empty() && tx_handlers.count(in.event.type) > 0;
  }

  // The handlers of one type for new events of that type, in offset order.
  void run_handlers(const std::string& type, const std::vector<const Event*>& events,
                    pqxx::work& tx) const {
    for (const auto& stage : tx_handlers.at(type)) {
      if (stage.all) {
        stage.all(events, tx);
        continue;
      }
      for (const auto* e : events)
        stage.each(*e, tx);
    }
  }

  // One event on its own; returns true when the offset may be committed.
  bool process(const Incoming& in) {
    const auto* msg = in.msg;
    if (!in.invalid.empty()) {
      bool done = dead_letter_until_done(msg, in.headers, "rejected: " + in.invalid, 0);
      if (done)
        count(rd_kafka_topic_name(msg->rkt), "rejected");
      return done;
    }
    const Event& event = in.event;
    auto tx_it = tx_handlers.find(event.type);
    auto plain_it = plain_handlers.find(event.type);
    if (tx_it == tx_handlers.end() && plain_it == plain_handlers.end()) {
      count(event.type, "ignored");
      return true;
    }

    int attempt = 0;
    auto backoff = options.retry_backoff;
    while (running) {
      ++attempt;
      try {
        if (tx_it != tx_handlers.end()) {
          bool fresh = pg::transact(*pool, [&](pqxx::work& tx) {
            auto r = pg::exec_prepared(tx, kInsertInbox, options.group, event.id, event.type);
            if (r.affected_rows() == 0)
              return false;  // already processed
            run_handlers(event.type, {&event}, tx);
            return true;
          });
          fresh ? ++handled : ++duplicates;
          count(event.type, fresh ? "handled" : "duplicate");
        } else {
          plain_it->second(event);
          ++handled;
          count(event.type, "handled");
        }
        return true;
      } catch (const std::exception& e) {
        if (database_away(e)) {
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
          bool done = dead_letter_until_done(msg, in.headers, e.what(), attempt);
          if (done)
            count(event.type, "dead_lettered");
          return done;
        }
        sleep_for(backoff);
        backoff *= 2;
      }
    }
    return false;
  }

  // Inside the batch's transaction: one inbox statement for all, then the handlers of the new
  // events in offset order. Returns for each event whether it was new.
  std::vector<bool> handle_together(const std::vector<const Incoming*>& batch, pqxx::work& tx) {
    std::vector<std::string> ids, types;
    for (const auto* in : batch) {
      ids.push_back(in->event.id);
      types.push_back(in->event.type);
    }
    std::set<std::string> fresh;
    for (const auto& row : pg::exec_prepared(tx, kInsertInboxBatch, options.group,
                                             pg::text_array(ids), pg::text_array(types)))
      fresh.insert(row[0].as<std::string>());
    std::vector<bool> handled_now;
    // The new events go to their type's handlers together, a run of one type at a time (a
    // partition holds one topic, so in practice the whole batch is one run).
    std::vector<const Event*> run;
    for (const auto* in : batch) {
      // The first copy of an id takes the new inbox row; a later copy in the same batch is a
      // duplicate, as it would be in the next batch.
      bool first = fresh.erase(in->event.id) > 0;
      if (first) {
        if (!run.empty() && run.front()->type != in->event.type) {
          run_handlers(run.front()->type, run, tx);
          run.clear();
        }
        run.push_back(&in->event);
      }
      handled_now.push_back(first);
    }
    if (!run.empty())
      run_handlers(run.front()->type, run, tx);
    return handled_now;
  }

  // One partition's messages in offset order; true when the last offset may be committed.
  bool process_batch(const std::vector<rd_kafka_message_t*>& msgs) {
    std::vector<Incoming> all;
    all.reserve(msgs.size());
    for (auto* msg : msgs)
      all.push_back(decode(msg));
    // Plain handlers have no transaction to share; a partition holds one topic, so a mixed
    // batch does not occur in practice.
    bool shareable = all.size() > 1 && std::all_of(all.begin(), all.end(), [this](const auto& in) {
                       return !in.invalid.empty() || transactional(in) ||
                              plain_handlers.count(in.event.type) == 0;
                     });
    if (!shareable) {
      for (const auto& in : all) {
        if (!process(in))
          return false;
      }
      return true;
    }
    std::vector<const Incoming*> batch;
    for (const auto& in : all) {
      if (transactional(in))
        batch.push_back(&in);
      else if (!process(in))  // rejected or ignored: no database work
        return false;
    }
    if (batch.empty())
      return true;
    while (running) {
      try {
        auto fresh =
            pg::transact(*pool, [&](pqxx::work& tx) { return handle_together(batch, tx); });
        for (std::size_t i = 0; i < batch.size(); ++i) {
          fresh[i] ? ++handled : ++duplicates;
          count(batch[i]->event.type, fresh[i] ? "handled" : "duplicate");
        }
        return true;
      } catch (const std::exception& e) {
        if (database_away(e)) {
          log::warn("database unavailable while consuming; retrying",
                    {{"type", batch.front()->event.type}, {"events", batch.size()}});
          sleep_for(std::chrono::seconds(1));
          continue;
        }
        // Nothing of the batch is left in the database: each event gets its own transaction,
        // retries and, if it keeps failing, the dead-letter topic, without holding up the rest.
        log::warn(
            "event batch failed; handling its events one by one",
            {{"type", batch.front()->event.type}, {"events", batch.size()}, {"error", e.what()}});
        break;
      }
    }
    for (const auto* in : batch) {
      if (!process(*in))
        return false;
    }
    return true;
  }

  // The next partition with messages and no batch in progress, after the cursor. Mutex held.
  Partitions::iterator next_ready() {
    auto ready = [](const auto& p) { return !p.second.busy && !p.second.pending.empty(); };
    auto it = std::find_if(partitions.upper_bound(cursor), partitions.end(), ready);
    return it != partitions.end() ? it : std::find_if(partitions.begin(), partitions.end(), ready);
  }

  // Up to max_batch messages of the partition, which is busy until release(). Mutex held.
  std::vector<rd_kafka_message_t*> take(Partitions::iterator it) {
    cursor = it->first;
    it->second.busy = true;
    auto& pending = it->second.pending;
    auto n = std::min(pending.size(), options.max_batch);
    std::vector<rd_kafka_message_t*> batch(pending.begin(), pending.begin() + n);
    pending.erase(pending.begin(), pending.begin() + n);
    buffered -= n;
    return batch;
  }

  // Handles a batch taken with take(), commits its offset and frees the partition.
  void work(const PartitionKey& key, const std::vector<rd_kafka_message_t*>& batch) {
    // Only after the database commit: a crash before this line redelivers the batch, and the
    // inbox turns the redelivery into a no-op.
    if (process_batch(batch))
      rd_kafka_commit_message(consumer, batch.back(), 1);
    for (auto* msg : batch)
      rd_kafka_message_destroy(msg);
    {
      std::lock_guard lock(mutex);
      if (auto it = partitions.find(key); it != partitions.end())
        it->second.busy = false;
    }
    changed.notify_all();
  }

  void worker() {
    std::unique_lock lock(mutex);
    while (running) {
      auto it = next_ready();
      if (it == partitions.end()) {
        changed.wait(lock);
        continue;
      }
      auto key = it->first;
      auto batch = take(it);
      lock.unlock();
      changed.notify_all();  // room for the polling thread
      work(key, batch);
      lock.lock();
    }
  }

  // Moves polled messages into their partitions' queues, up to the buffer limit: waits up to
  // 200 ms for the first, then takes what librdkafka has already fetched.
  void fill() {
    const auto limit = buffer_limit();
    std::size_t room = 0;
    {
      std::unique_lock lock(mutex);
      changed.wait_for(lock, std::chrono::milliseconds(100),
                       [&] { return buffered < limit || !running; });
      room = limit > buffered ? limit - buffered : 0;
    }
    bool polled = false;
    for (int timeout = 200; room > 0 && running; timeout = 0) {
      rd_kafka_message_t* msg = rd_kafka_consumer_poll(consumer, timeout);
      if (!msg)
        break;
      if (msg->err) {
        if (msg->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          log::warn("kafka consumer error", {{"error", rd_kafka_message_errstr(msg)}});
        }
        rd_kafka_message_destroy(msg);
        continue;
      }
      assigned = true;
      std::lock_guard lock(mutex);
      partitions[{rd_kafka_topic_name(msg->rkt), msg->partition}].pending.push_back(msg);
      ++buffered;
      --room;
      polled = true;
    }
    if (polled)
      changed.notify_all();
  }

  void loop() {
    while (running) {
      fill();
      if (!workers.empty())
        continue;
      std::unique_lock lock(mutex);
      for (auto it = next_ready(); running && it != partitions.end(); it = next_ready()) {
        auto key = it->first;
        auto batch = take(it);
        lock.unlock();
        work(key, batch);
        lock.lock();
      }
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
  auto& stages = impl_->tx_handlers[type];
  if (stages.empty() || !stages.back().each) {
    stages.push_back({std::move(handler), nullptr});
    return;
  }
  auto& slot = stages.back().each;
  slot = [first = std::move(slot), second = std::move(handler)](const Event& e, pqxx::work& tx) {
    first(e, tx);
    second(e, tx);
  };
}

void ConsumerRunner::on_batch(const std::string& type, TxBatchHandler handler) {
  if (!impl_->pool)
    throw std::logic_error("transactional handlers need a database pool");
  impl_->tx_handlers[type].push_back({nullptr, std::move(handler)});
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
                 {"topic.metadata.refresh.interval.ms", "10000"},
                 {"fetch.wait.max.ms", std::to_string(impl_->options.fetch_wait.count())}});
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
  auto topics = impl_->topics();
  auto* list = rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
  for (const auto& t : topics)
    rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
  auto sub = rd_kafka_subscribe(impl_->consumer, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (sub)
    throw std::runtime_error("cannot subscribe: " + errstr_of(sub));
  if (impl_->options.parallel_partitions > 1) {
    for (std::size_t i = 0; i < impl_->options.parallel_partitions; ++i)
      impl_->workers.emplace_back([this] { impl_->worker(); });
  }
  impl_->thread = std::thread([this] { impl_->loop(); });
}

void ConsumerRunner::stop() {
  {
    std::lock_guard lock(impl_->mutex);
    if (!impl_->running.exchange(false))
      return;
  }
  impl_->changed.notify_all();
  if (impl_->thread.joinable())
    impl_->thread.join();
  for (auto& worker : impl_->workers)
    worker.join();
  impl_->workers.clear();
  // librdkafka's handle waits for every message it handed out to be destroyed.
  impl_->drop_buffered();
  if (impl_->consumer) {
    impl_->close(impl_->kafka.close_timeout);
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

std::vector<TopicLag> ConsumerRunner::lag(std::chrono::milliseconds timeout) const {
  rd_kafka_t* rk = impl_->consumer;
  if (!rk || !impl_->running)
    throw std::runtime_error("the consumer is not running");
  const int ms = static_cast<int>(timeout.count());
  auto topics = impl_->topics();
  const struct rd_kafka_metadata* md = nullptr;
  if (auto err = rd_kafka_metadata(rk, 1, nullptr, &md, ms))
    throw std::runtime_error("broker metadata: " + errstr_of(err));
  using List = std::unique_ptr<rd_kafka_topic_partition_list_t,
                               decltype(&rd_kafka_topic_partition_list_destroy)>;
  List committed(rd_kafka_topic_partition_list_new(64), &rd_kafka_topic_partition_list_destroy);
  List ends(rd_kafka_topic_partition_list_new(64), &rd_kafka_topic_partition_list_destroy);
  List starts(rd_kafka_topic_partition_list_new(64), &rd_kafka_topic_partition_list_destroy);
  for (int i = 0; i < md->topic_cnt; ++i) {
    std::string name = md->topics[i].topic;
    bool dlq = name.size() > 4 && name.ends_with(".dlq") &&
               topics.count(name.substr(0, name.size() - 4)) > 0;
    if (!dlq && topics.count(name) == 0)
      continue;
    for (int p = 0; p < md->topics[i].partition_cnt; ++p) {
      auto id = md->topics[i].partitions[p].id;
      if (!dlq)
        rd_kafka_topic_partition_list_add(committed.get(), name.c_str(), id);
      // ListOffsets with the timestamps -1 and -2 answers the end and the start of a partition.
      rd_kafka_topic_partition_list_add(ends.get(), name.c_str(), id)->offset = RD_KAFKA_OFFSET_END;
      rd_kafka_topic_partition_list_add(starts.get(), name.c_str(), id)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
    }
  }
  rd_kafka_metadata_destroy(md);
  group_offsets(rk, impl_->options.group, committed.get(), timeout);
  if (auto err = rd_kafka_offsets_for_times(rk, ends.get(), ms))
    throw std::runtime_error("end offsets: " + errstr_of(err));
  if (auto err = rd_kafka_offsets_for_times(rk, starts.get(), ms))
    throw std::runtime_error("start offsets: " + errstr_of(err));

  auto offset_in = [](const rd_kafka_topic_partition_list_t* list, const char* topic,
                      std::int32_t partition) -> std::int64_t {
    auto* p = rd_kafka_topic_partition_list_find(list, topic, partition);
    if (!p || p->err)
      throw std::runtime_error(std::string("no offset for ") + topic);
    return p->offset;
  };
  std::set<std::pair<std::string, std::int32_t>> mine;
  rd_kafka_topic_partition_list_t* assignment = nullptr;
  if (!rd_kafka_assignment(rk, &assignment) && assignment) {
    for (int i = 0; i < assignment->cnt; ++i)
      mine.emplace(assignment->elems[i].topic, assignment->elems[i].partition);
    rd_kafka_topic_partition_list_destroy(assignment);
  }
  std::map<std::string, TopicLag> by_topic;
  for (const auto& t : topics)
    by_topic[t] = TopicLag{impl_->options.group, t, 0, {}, 0};
  for (int i = 0; i < ends->cnt; ++i) {
    const auto& e = ends->elems[i];
    std::string name = e.topic;
    auto end = offset_in(ends.get(), e.topic, e.partition);
    auto start = offset_in(starts.get(), e.topic, e.partition);
    if (name.ends_with(".dlq")) {
      by_topic[name.substr(0, name.size() - 4)].dead_letters +=
          std::max<std::int64_t>(0, end - start);
      continue;
    }
    auto done = offset_in(committed.get(), e.topic, e.partition);
    if (done < 0)
      done = impl_->options.start_at_latest ? end : start;
    auto behind = std::max<std::int64_t>(0, end - done);
    by_topic[name].lag += behind;
    by_topic[name].partitions.push_back({e.partition, behind, mine.count({name, e.partition}) > 0});
  }
  std::vector<TopicLag> out;
  for (auto& [topic, l] : by_topic) {
    std::sort(l.partitions.begin(), l.partitions.end(),
              [](const auto& a, const auto& b) { return a.partition < b.partition; });
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace kx::events
