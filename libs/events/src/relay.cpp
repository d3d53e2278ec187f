#include "kafka_internal.hpp"
#include "kx/events/outbox.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "kx/log/log.hpp"
#include "kx/metrics/metrics.hpp"

namespace kx::events {
namespace {

using detail::errstr_of;
using detail::make_headers;
using detail::make_producer;

// The relay's statements run for every batch, so they are prepared. The batch size is written
// into the text: with `LIMIT $1` PostgreSQL would cost the generic plan for an unknown share of
// the rows and plan each execution anew.
std::string select_pending_sql(std::size_t batch_size) {
  return R"sql(
SELECT seq, event_id, topic, event_key, ce_type, ce_source, ce_subject, ce_time, data
FROM outbox WHERE published_at IS NULL AND seq > $1 ORDER BY seq LIMIT )sql" +
         std::to_string(batch_size);
}
// Planned on every pass, not prepared: a plan made while the outbox was nearly empty (a fresh
// schema, the first minute after a start) is a sequential scan, and a prepared statement would
// keep it until autovacuum's next ANALYZE while the table grows by thousands of rows a second.
// Planning on every pass sees the table's current size and uses the primary key.
constexpr const char* kMarkPublished =
    "UPDATE outbox SET published_at = now() WHERE seq = ANY($1::bigint[])";
constexpr const char* kMarkFailed =
    "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE seq = ANY($1::bigint[])";
constexpr const char* kCountPending = "SELECT count(*) FROM outbox WHERE published_at IS NULL";
constexpr const char* kPrunePublished =
    "DELETE FROM outbox WHERE published_at < now() - make_interval(hours => $1)";
constexpr const char* kPruneInbox =
    "DELETE FROM inbox WHERE processed_at < now() - make_interval(hours => $1)";

std::string pg_array(const std::vector<std::int64_t>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i)
    out += (i ? "," : "") + std::to_string(ids[i]);
  return out + "}";
}

}  // namespace

struct OutboxRelay::Impl {
  pg::Pool& pool;
  KafkaOptions kafka;
  RelayOptions options;
  rd_kafka_t* producer = nullptr;
  std::unique_ptr<pqxx::connection> leader_conn;
  bool leader = false;  ///< leader_conn holds the schema's relay lock
  std::thread thread;
  std::atomic<bool> running{false};
  std::atomic<bool> stopping{false};  ///< stop() was called while a pass may be waiting on acks
  std::mutex mutex;
  std::condition_variable wake;
  std::chrono::steady_clock::time_point last_prune{};
  metrics::Counter& published = metrics::Registry::global().counter(
      "kx_outbox_published_total", "Outbox events acknowledged by the broker.");
  metrics::Counter& failures = metrics::Registry::global().counter(
      "kx_outbox_publish_failures_total", "Outbox events the broker did not acknowledge.");

  pg::Statement select_pending;
  // Where a pass starts reading (RelayOptions::settle): `floor`, the highest seq published by a
  // pass at least `settle` ago; `marks`, the younger passes' (when, highest seq published).
  std::int64_t floor = 0;
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::int64_t>> marks;
  std::optional<std::chrono::steady_clock::time_point> last_full_pass;

  // A row is pending and not yet visible only while the transaction that took its seq runs.
  // The sequence hands out seqs in time order, so once every transaction that began before a
  // pass has ended (they take less than `settle`), no row at or below what that pass published
  // can still appear: later passes may start after it.
  std::int64_t start_after(std::chrono::steady_clock::time_point now) {
    if (!last_full_pass || now - *last_full_pass >= options.full_pass) {
      last_full_pass = now;
      return 0;
    }
    while (!marks.empty() && now - marks.front().first >= options.settle) {
      floor = std::max(floor, marks.front().second);
      marks.pop_front();
    }
    return floor;
  }
  void forget_marks() {  // the next pass reads from the start
    floor = 0;
    marks.clear();
    last_full_pass.reset();
  }

  Impl(pg::Pool& p, KafkaOptions k, RelayOptions o)
      : pool(p),
        kafka(std::move(k)),
        options(o),
        select_pending(select_pending_sql(options.batch_size)) {}

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
      if (leader && leader_conn && leader_conn->is_open())
        return true;
      // A standby keeps its connection and simply asks for the lock again next time.
      leader = false;
      if (!leader_conn || !leader_conn->is_open())
        leader_conn = pool.open_dedicated();
      pqxx::nontransaction tx(*leader_conn);
      leader = tx.exec1("SELECT pg_try_advisory_lock(hashtext(" +
                        tx.quote("kx_outbox:" + pool.options().schema) + "))")[0]
                   .as<bool>();
      return leader;
    } catch (const std::exception& e) {
      leader = false;
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
    const auto pass_began = std::chrono::steady_clock::now();
    const auto after = start_after(pass_began);
    pg::autocommit(pool, [&](pqxx::transaction_base& tx) {
      for (const auto& r : pg::exec_prepared(tx, select_pending, after)) {
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
    await_acknowledgements();
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
    if (!failed.empty() || done.size() < rows.size())
      forget_marks();  // rows left pending below what was published
    else
      marks.emplace_back(pass_began, rows.back().seq);
    if (!failed.empty()) {
      failures.inc(static_cast<double>(failed.size()));
      log::warn("outbox events not acknowledged; will retry",
                {{"count", failed.size()}, {"error", last_error}});
    }
    return done.size();
  }

  // Waits for the broker's answers to what was just produced, in short slices, so that a stop
  // does not wait out the whole message timeout while the broker is away: once stopping, at most
  // a few seconds more, then what is still queued is purged. Its rows stay unpublished and go out
  // after the restart; a purged message the broker did receive arrives twice, which the
  // consumers' inboxes skip.
  void await_acknowledgements() {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + kafka.message_timeout + std::chrono::seconds(5);
    std::optional<clock::time_point> give_up;
    while (rd_kafka_flush(producer, 100) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      auto now = clock::now();
      if (stopping && !give_up)
        give_up = now + std::chrono::seconds(3);
      if (now >= deadline || (give_up && now >= *give_up)) {
        rd_kafka_purge(producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_flush(producer, 1'000);  // serves the purged messages' delivery reports
        return;
      }
    }
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
    std::unique_lock lock(mutex);
    wake.wait_for(lock, timeout, [&] { return !running; });
  }

  // Polls: again at once while passes fill whole batches, every busy_wait while rows come and
  // for busy_period after the last ones (a consumer's commits come in bursts with gaps between
  // them), then ever more slowly, up to idle_wait (RelayOptions).
  void loop() {
    auto wait = options.busy_wait;
    auto last_rows = std::chrono::steady_clock::now();
    while (running) {
      try {
        std::size_t n = publish_pending();
        if (n == options.batch_size)
          continue;
        if (leader)
          prune_now_and_then();
        auto now = std::chrono::steady_clock::now();
        if (n > 0)
          last_rows = now;
        wait = now - last_rows < options.busy_period ? options.busy_wait
                                                     : std::min(wait * 2, options.idle_wait);
        wait_for_work(wait);
      } catch (const std::exception& e) {
        log::warn("outbox relay pass failed; retrying", {{"error", e.what()}});
        forget_marks();
        leader = false;
        leader_conn.reset();
        wait_for_work(options.error_backoff);
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
  impl_->stopping = true;
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

}  // namespace kx::events
