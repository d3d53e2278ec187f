#include "kx/service/runtime.hpp"

#include <malloc.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "kx/http/error.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "kx/metrics/exposition.hpp"
#include "kx/metrics/metrics.hpp"
#include "kx/service/system_report.hpp"

namespace kx::service {
namespace {

// Plain handlers share no transaction, so their batch only sets how often the consumer commits
// its offset: once per up to this many messages of a partition instead of after each one (every
// commit is a request to the broker; the gateway sees each owner event).
constexpr std::size_t kPlainBatch = 500;

}  // namespace

std::vector<pg::Migration> to_migrations(
    const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<pg::Migration> out;
  for (const auto& [name, sql] : files)
    out.push_back({name, sql});
  return out;
}

std::unique_ptr<pg::Pool> command_pool(const std::string& service, const std::string& tool,
                                       const std::vector<pg::Migration>& migrations) {
  config::Env env;
  auto url = env.secret("DATABASE_URL", 10);
  try {
    env.check();
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return nullptr;
  }
  std::string schema = service;
  for (auto& c : schema) {
    if (c == '-')
      c = '_';
  }
  auto pool = std::make_unique<pg::Pool>(
      pg::PoolOptions{.uri = url, .schema = schema, .size = 1, .application_name = tool});
  if (!migrations.empty()) {
    auto all = events::migrations();
    all.insert(all.end(), migrations.begin(), migrations.end());
    pg::migrate(*pool, all);
  }
  return pool;
}

Runtime::Runtime(std::string name, Needs needs) : name_(std::move(name)), needs_(needs) {
  // glibc gives each thread that allocates its own heap (arena), up to eight per core, and keeps
  // what was freed in each. A service has dozens of threads (HTTP workers, consumers, librdkafka)
  // that mostly wait, so two arenas serve it as fast on these machines and hold far less.
  mallopt(M_ARENA_MAX, 2);
  log_level_ = env_.one_of("LOG_LEVEL", "info", {"debug", "info", "warn", "error"});
  log_output_.file = env_.optional("LOG_FILE", "");
  log_output_.max_bytes =
      static_cast<std::size_t>(env_.integer("LOG_FILE_MAX_MB", 100, 1, 100'000)) * 1024 * 1024;
  log_output_.keep = static_cast<std::size_t>(env_.integer("LOG_FILE_KEEP", 3, 1, 100));
  server_options_.log_sample_every =
      static_cast<std::uint32_t>(env_.integer("LOG_REQUEST_SAMPLE_EVERY", 100, 0, 1'000'000));
  server_options_.slow_request =
      std::chrono::milliseconds(env_.integer("LOG_SLOW_REQUEST_MS", 1000, 1, 3'600'000));
  server_options_.service_name = name_;
  server_options_.host = env_.optional("SERVICE_HOST", "127.0.0.1");
  server_options_.port =
      static_cast<std::uint16_t>(env_.required_integer("SERVICE_PORT", 1, 65535));
  server_options_.worker_threads =
      static_cast<std::size_t>(env_.integer("HTTP_WORKER_THREADS", 16, 1, 256));
  server_options_.identity.emplace(env_.secret("INTERNAL_SECRET", 32));
  admin_port_ = static_cast<std::uint16_t>(env_.integer("ADMIN_PORT", 0, 0, 65535));
  admin_host_ = env_.optional("ADMIN_HOST", "127.0.0.1");
  kafka_.bootstrap = env_.required("KAFKA_BOOTSTRAP");
  kafka_.session_timeout =
      std::chrono::milliseconds(env_.integer("KAFKA_SESSION_TIMEOUT_MS", 10'000, 1'000, 3'600'000));
  kafka_.close_timeout =
      std::chrono::milliseconds(env_.integer("KAFKA_CLOSE_TIMEOUT_MS", 3'000, 0, 60'000));
  consumer_options_.group = name_;
  consumer_options_.max_batch = static_cast<std::size_t>(env_.integer(
      "EVENTS_MAX_BATCH", static_cast<std::int64_t>(needs_.events_max_batch), 1, 10'000));
  consumer_options_.parallel_partitions = static_cast<std::size_t>(
      env_.integer("EVENTS_PARALLEL_PARTITIONS",
                   static_cast<std::int64_t>(needs_.events_parallel_partitions), 1, 64));
  consumer_options_.fetch_wait =
      std::chrono::milliseconds(env_.integer("EVENTS_FETCH_WAIT_MS", 500, 1, 10'000));
  lag_metrics_interval_ =
      std::chrono::milliseconds(env_.integer("LAG_METRICS_INTERVAL_MS", 5'000, 100, 3'600'000));
  if (needs_.database) {
    database_url_ = env_.secret("DATABASE_URL", 10);
    pool_size_ = static_cast<std::size_t>(env_.integer("DATABASE_POOL_SIZE", 16, 1, 200));
  }
}

Runtime::~Runtime() = default;

void Runtime::open(const std::vector<pg::Migration>& service_migrations) {
  try {
    env_.check();
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "%s: %s\n", name_.c_str(), e.what());
    std::exit(2);
  }
  try {
    log::init(name_, log_level_, log_output_);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", name_.c_str(), e.what());
    std::exit(2);
  }
  probe_ = std::make_unique<events::BrokerProbe>(kafka_.bootstrap);
  if (!needs_.database)
    return;

  pg::PoolOptions po;
  po.uri = database_url_;
  po.schema = name_;
  for (auto& c : po.schema) {
    if (c == '-')
      c = '_';
  }
  po.size = pool_size_;
  po.application_name = name_;
  pool_ = std::make_unique<pg::Pool>(po);
  auto migrations = events::migrations();
  migrations.insert(migrations.end(), service_migrations.begin(), service_migrations.end());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    try {
      auto applied = pg::migrate(*pool_, migrations);
      log::info("database ready", {{"schema", po.schema}, {"migrations_applied", applied}});
      break;
    } catch (const std::exception& e) {
      if (!pg::is_connection_error(e) || std::chrono::steady_clock::now() > deadline) {
        log::error("cannot prepare the database", {{"error", e.what()}});
        std::exit(1);
      }
      log::warn("database not reachable yet; retrying");
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
  outbox_ = std::make_unique<events::Outbox>(schemas(), name_);
}

pg::Pool& Runtime::db() {
  if (!pool_)
    throw std::logic_error("Runtime::db() before open() or without a database");
  return *pool_;
}

events::ConsumerRunner& Runtime::transactional_consumer() {
  if (!consumer_) {
    consumer_ =
        std::make_unique<events::ConsumerRunner>(pool_.get(), schemas(), kafka_, consumer_options_);
  }
  return *consumer_;
}

void Runtime::consume(const std::string& type, events::TxHandler handler) {
  transactional_consumer().on(type, std::move(handler));
}

void Runtime::consume_batch(const std::string& type, events::TxBatchHandler handler) {
  transactional_consumer().on_batch(type, std::move(handler));
}

void Runtime::consume_plain(const std::string& type, events::PlainHandler handler,
                            const std::string& group) {
  if (!plain_consumer_) {
    plain_consumer_ = std::make_unique<events::ConsumerRunner>(
        nullptr, schemas(), kafka_,
        events::ConsumerOptions{.group = group.empty() ? name_ + "-plain" : group,
                                .start_at_latest = true,
                                .max_batch = kPlainBatch,
                                .fetch_wait = consumer_options_.fetch_wait});
  }
  plain_consumer_->on_plain(type, std::move(handler));
}

void Runtime::every(std::string name, std::chrono::milliseconds interval,
                    std::function<void()> job) {
  jobs_.add(std::move(name), interval, std::move(job));
}

// The consumers' lag per partition, the dead letters per topic and the outbox backlog as
// gauges, so a Prometheus scrape sees them without asking the broker itself. Every replica of a
// service reports its group's lag for every partition (take the max over replicas) and marks the
// partitions it consumes itself with kx_consumer_assigned.
void Runtime::update_backlog_metrics() {
  auto& registry = metrics::Registry::global();
  for (auto* runner : {consumer_.get(), plain_consumer_.get()}) {
    if (!runner)
      continue;
    std::vector<events::TopicLag> lags;
    try {
      lags = runner->lag(std::chrono::milliseconds(2'000));
    } catch (const std::exception& e) {
      log::debug("lag metrics: broker not answering", {{"error", e.what()}});
      continue;
    }
    for (const auto& l : lags) {
      for (const auto& p : l.partitions) {
        metrics::Labels labels{
            {"group", l.group}, {"topic", l.topic}, {"partition", std::to_string(p.partition)}};
        registry
            .gauge("kx_consumer_lag",
                   "Messages after the consumer group's committed offset, per partition", labels)
            .set(static_cast<double>(p.lag));
        registry
            .gauge("kx_consumer_assigned",
                   "1 when this process consumes the partition, 0 when another group member does",
                   labels)
            .set(p.assigned ? 1.0 : 0.0);
      }
      registry
          .gauge("kx_dead_letters", "Messages retained in the topic's dead-letter topic (.dlq)",
                 {{"topic", l.topic + ".dlq"}})
          .set(static_cast<double>(l.dead_letters));
    }
  }
  if (pool_) {
    try {
      auto backlog = pg::transact(*pool_, [](pqxx::work& tx) {
        return tx.exec1("SELECT count(*) FROM outbox WHERE published_at IS NULL")[0]
            .as<std::int64_t>();
      });
      registry.gauge("kx_outbox_backlog", "Outbox rows not yet published to the broker")
          .set(static_cast<double>(backlog));
    } catch (const std::exception& e) {
      log::debug("backlog metrics: database not answering", {{"error", e.what()}});
    }
  }
}

int Runtime::run() {
  // What a burst of requests allocated goes back to the system once the burst is over.
  jobs_.add("memory-trim", std::chrono::seconds(30), [] { malloc_trim(0); });
  if (consumer_ || plain_consumer_ || pool_)
    jobs_.add("backlog-metrics", lag_metrics_interval_, [this] { update_backlog_metrics(); });
  // Readiness is asked often by orchestrators; the broker answer is cached for a second.
  auto cache_mutex = std::make_shared<std::mutex>();
  auto last_check = std::make_shared<std::chrono::steady_clock::time_point>();
  auto last_broker_ok = std::make_shared<bool>(false);
  auto last_reason = std::make_shared<std::string>();
  server_options_.readiness = [this, cache_mutex, last_check, last_broker_ok,
                               last_reason](std::string& reason) {
    if (pool_ && !pool_->ping(reason))
      return false;
    std::lock_guard lock(*cache_mutex);
    auto now = std::chrono::steady_clock::now();
    if (now - *last_check > std::chrono::seconds(1)) {
      *last_check = now;
      last_reason->clear();
      *last_broker_ok = probe_->reachable(std::chrono::milliseconds(1500), *last_reason);
    }
    if (!*last_broker_ok)
      reason = *last_reason;
    return *last_broker_ok;
  };

  // The operator's view: on the local admin listener when there is one, else signed.
  http::Router admin_router;
  auto report = [this](http::Request&) { return http::Response::json(200, system_report()); };
  if (admin_port_ != 0) {
    server_options_.public_edge = true;
    admin_router.add("GET", "/internal/system", report,
                     {.max_body = 0, .access = http::Access::open});
  } else if (!server_options_.public_edge) {
    router_.add("GET", "/internal/system", report,
                {.max_body = 0, .access = http::Access::service});
  }

  // A database that is away or saturated is a temporary condition, not a bug: 503 everywhere.
  router_.wrap([](http::Handler inner) -> http::Handler {
    return [inner = std::move(inner)](http::Request& req) {
      try {
        return inner(req);
      } catch (const pg::PoolTimeout&) {
        throw http::Error::unavailable();
      } catch (const http::Error&) {
        throw;
      } catch (const std::exception& e) {
        if (pg::is_connection_error(e))
          throw http::Error::unavailable();
        throw;
      }
    };
  });

  std::unique_ptr<events::OutboxRelay> relay;
  int status = 0;
  try {
    if (pool_) {
      relay = std::make_unique<events::OutboxRelay>(*pool_, kafka_);
      relay->start();
    }
    if (consumer_)
      consumer_->start();
    if (plain_consumer_)
      plain_consumer_->start();
    jobs_.start();
    std::unique_ptr<http::Server> admin;
    if (admin_port_ != 0) {
      http::ServerOptions o;
      o.service_name = name_;
      o.host = admin_host_;
      o.port = admin_port_;
      o.worker_threads = 2;
      o.identity = server_options_.identity;
      o.readiness = server_options_.readiness;
      admin = std::make_unique<http::Server>(o, std::move(admin_router));
      admin->start();
    }
    http::Server server(server_options_, router_);
    server.run_until_signal();
    // Before the consumers stop: the report asks them for their lag.
    if (admin) {
      admin->stop();
      admin->wait();
    }
  } catch (const std::exception& e) {
    log::error("server failed", {{"error", e.what()}});
    status = 1;
  }
  // HTTP is drained; now stop the jobs and taking events, and flush what the relay holds.
  jobs_.stop();
  if (plain_consumer_)
    plain_consumer_->stop();
  if (consumer_)
    consumer_->stop();
  if (relay)
    relay->stop();
  log::info("stopped");
  return status;
}

std::string Runtime::system_report() {
  std::string reason;
  bool ready = server_options_.readiness ? server_options_.readiness(reason) : true;
  if (!ready && reason.empty())
    reason = "dependency unavailable";
  auto traffic = summarize_http(metrics::parse_exposition(metrics::Registry::global().render()));
  auto ms = [](double seconds) {
    return std::isnan(seconds) ? std::optional<double>() : std::optional<double>(seconds * 1000.0);
  };

  json::Writer w;
  w.begin_object().field("name", name_).field("ready", ready);
  if (ready)
    w.key("reason").null();
  else
    w.field("reason", reason);
  w.field("requests", static_cast<std::int64_t>(traffic.requests))
      .field("errors", static_cast<std::int64_t>(traffic.errors))
      .field("error_rate", traffic.error_rate())
      .field("latency_p50_ms", ms(traffic.p50_seconds))
      .field("latency_p99_ms", ms(traffic.p99_seconds));

  // Unknown numbers are null, never guessed.
  std::optional<std::int64_t> backlog;
  std::string database_error;
  std::optional<std::int64_t> connections, size_bytes;
  if (pool_) {
    try {
      pg::transact(*pool_, [&](pqxx::work& tx) {
        backlog = tx.exec1("SELECT count(*) FROM outbox WHERE published_at IS NULL")[0]
                      .as<std::int64_t>();
        auto row = tx.exec1(
            "SELECT (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()),"
            " pg_database_size(current_database())");
        connections = row[0].as<std::int64_t>();
        size_bytes = row[1].as<std::int64_t>();
      });
    } catch (const std::exception& e) {
      database_error = pg::is_connection_error(e) || dynamic_cast<const pg::PoolTimeout*>(&e)
                           ? "database unreachable"
                           : "database query failed";
      log::warn("system report: database", {{"error", e.what()}});
    }
  }
  w.field("outbox_backlog", backlog);

  std::vector<events::TopicLag> lags;
  std::string broker_error;
  try {
    for (auto* runner : {consumer_.get(), plain_consumer_.get()}) {
      if (!runner)
        continue;
      auto part = runner->lag(std::chrono::milliseconds(1'000));
      lags.insert(lags.end(), part.begin(), part.end());
    }
  } catch (const std::exception& e) {
    broker_error = e.what();
    lags.clear();
  }
  if (broker_error.empty()) {
    std::int64_t dead = 0;
    for (const auto& l : lags)
      dead += l.dead_letters;
    w.field("dead_letters", dead);
    w.key("consumer_lag").begin_array();
    for (const auto& l : lags) {
      w.begin_object()
          .field("group", l.group)
          .field("topic", l.topic)
          .field("lag", l.lag)
          .field("dead_letters", l.dead_letters)
          .end_object();
    }
    w.end_array();
  } else {
    w.key("dead_letters")
        .null()
        .key("consumer_lag")
        .null()
        .field("consumer_lag_error", broker_error);
  }
  if (pool_) {
    w.key("database").begin_object().field("reachable", database_error.empty());
    if (database_error.empty())
      w.key("reason").null();
    else
      w.field("reason", database_error);
    w.field("connections", connections).field("size_bytes", size_bytes).end_object();
  } else {
    w.key("database").null();
  }
  std::string broker_reason;
  bool broker_ok = probe_->reachable(std::chrono::milliseconds(1'000), broker_reason);
  w.key("broker").begin_object().field("reachable", broker_ok);
  if (broker_ok)
    w.key("reason").null();
  else
    w.field("reason", broker_reason);
  w.end_object().end_object();
  return w.str();
}

}  // namespace kx::service
