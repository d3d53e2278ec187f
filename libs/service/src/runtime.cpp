#include "kx/service/runtime.hpp"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "kx/http/error.hpp"
#include "kx/log/log.hpp"

namespace kx::service {

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
  log_level_ = env_.one_of("LOG_LEVEL", "info", {"debug", "info", "warn", "error"});
  server_options_.service_name = name_;
  server_options_.host = env_.optional("SERVICE_HOST", "127.0.0.1");
  server_options_.port =
      static_cast<std::uint16_t>(env_.required_integer("SERVICE_PORT", 1, 65535));
  server_options_.worker_threads =
      static_cast<std::size_t>(env_.integer("HTTP_WORKER_THREADS", 16, 1, 256));
  server_options_.identity.emplace(env_.secret("INTERNAL_SECRET", 32));
  kafka_.bootstrap = env_.required("KAFKA_BOOTSTRAP");
  kafka_.session_timeout =
      std::chrono::milliseconds(env_.integer("KAFKA_SESSION_TIMEOUT_MS", 10'000, 1'000, 3'600'000));
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
  log::init(name_, log_level_);
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

void Runtime::consume(const std::string& type, events::TxHandler handler) {
  if (!consumer_) {
    consumer_ = std::make_unique<events::ConsumerRunner>(pool_.get(), schemas(), kafka_,
                                                         events::ConsumerOptions{.group = name_});
  }
  consumer_->on(type, std::move(handler));
}

void Runtime::consume_plain(const std::string& type, events::PlainHandler handler,
                            const std::string& group) {
  if (!plain_consumer_) {
    plain_consumer_ = std::make_unique<events::ConsumerRunner>(
        nullptr, schemas(), kafka_,
        events::ConsumerOptions{.group = group.empty() ? name_ + "-plain" : group,
                                .start_at_latest = true});
  }
  plain_consumer_->on_plain(type, std::move(handler));
}

void Runtime::every(std::string name, std::chrono::milliseconds interval,
                    std::function<void()> job) {
  jobs_.add(std::move(name), interval, std::move(job));
}

int Runtime::run() {
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
    http::Server server(server_options_, router_);
    server.run_until_signal();
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

}  // namespace kx::service
