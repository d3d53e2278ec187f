#include "kx/http/replicas.hpp"

#include <random>
#include <stdexcept>

#include "kx/log/log.hpp"

namespace kx::http {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

ClientOptions without_retries(ClientOptions o) {
  // Retrying is this class's business: the next attempt goes to another replica.
  o.max_retries = 0;
  return o;
}

}  // namespace

Replicas::Replicas(std::vector<std::string> base_urls, ReplicaOptions options)
    : urls_(std::move(base_urls)),
      options_(std::move(options)),
      client_(without_retries(options_.client)),
      state_(std::make_unique<State[]>(urls_.size())) {
  if (urls_.empty())
    throw std::invalid_argument("Replicas needs at least one URL");
  // Replicas of many gateways should not all start on the first one.
  next_ = std::random_device{}() % urls_.size();
  if (urls_.size() > 1 && options_.probe_interval.count() > 0)
    prober_ = std::thread([this] { probe_loop(); });
}

Replicas::~Replicas() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (prober_.joinable())
    prober_.join();
}

bool Replicas::usable(std::size_t i, std::int64_t now) const {
  return state_[i].ready.load() && state_[i].down_until_ms.load() <= now;
}

std::size_t Replicas::available() const {
  auto now = now_ms();
  std::size_t n = 0;
  for (std::size_t i = 0; i < urls_.size(); ++i)
    n += usable(i, now) ? 1 : 0;
  return n;
}

Response Replicas::send(ClientRequest request) {
  const std::string path = request.url;
  const bool idempotent = is_idempotent(request);
  const std::size_t n = urls_.size();
  // Each replica once per round; idempotent requests get the client's extra rounds, with backoff.
  const int rounds = 1 + (idempotent ? options_.client.max_retries : 0);
  auto delay = options_.client.backoff;
  thread_local std::mt19937 rng(std::random_device{}());

  for (int round = 0; round < rounds; ++round) {
    if (round > 0) {
      std::uniform_int_distribution<long> jitter(delay.count() / 2, delay.count());
      std::this_thread::sleep_for(std::chrono::milliseconds(jitter(rng)));
      delay *= 2;
    }
    // The usable replicas first, in round-robin order; the others after them, so a request
    // still goes somewhere when every replica looks down (the marks may be stale).
    std::vector<std::size_t> order;
    order.reserve(n);
    auto start = next_.fetch_add(1);
    auto now = now_ms();
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t k = 0; k < n; ++k) {
        auto i = (start + k) % n;
        if (usable(i, now) == (pass == 0))
          order.push_back(i);
      }
    }
    for (std::size_t k = 0; k < order.size(); ++k) {
      auto i = order[k];
      const bool last = round + 1 == rounds && k + 1 == order.size();
      request.url = urls_[i] + path;
      try {
        Response res = client_.send(request);
        bool unavailable = res.status == 502 || res.status == 503 || res.status == 504;
        if (!unavailable || !idempotent || last)
          return res;
      } catch (const ClientError& e) {
        if (e.kind() == ClientError::Kind::connect) {
          // Nothing was sent: any request may go to the next replica.
          state_[i].down_until_ms = now_ms() + options_.down_for.count();
          if (n > 1)
            log::warn("replica refused the connection; trying another",
                      {{"replica", urls_[i]}, {"error", e.what()}});
          if (last)
            throw;
          continue;
        }
        // A timeout has used the caller's time already: only a further round may repeat it.
        if (e.kind() == ClientError::Kind::bad_url || e.kind() == ClientError::Kind::tls ||
            !idempotent || last) {
          throw;
        }
        if (e.kind() == ClientError::Kind::timeout)
          break;
      }
    }
  }
  throw ClientError(ClientError::Kind::connect, "no replica answered for " + path);
}

void Replicas::probe_loop() {
  ClientOptions probe = options_.client;
  probe.max_retries = 0;
  probe.connect_timeout = std::min(probe.connect_timeout, options_.probe_interval);
  probe.request_timeout = options_.probe_interval;
  Client client(probe);
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    for (std::size_t i = 0; i < urls_.size(); ++i) {
      bool ready = false;
      try {
        ready = client.get(urls_[i] + "/readyz").status == 200;
      } catch (const ClientError&) {
      }
      if (ready != state_[i].ready.exchange(ready))
        log::info(ready ? "replica is ready" : "replica is not ready", {{"replica", urls_[i]}});
      if (ready)
        state_[i].down_until_ms = 0;
    }
    lock.lock();
    wake_.wait_for(lock, options_.probe_interval, [this] { return stopping_; });
  }
}

}  // namespace kx::http
