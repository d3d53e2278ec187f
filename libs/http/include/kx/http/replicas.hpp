#pragma once
// One service's replicas behind one name. Requests go round-robin to the replicas that are up;
// a replica that refuses a connection is skipped for a while, and with more than one replica a
// background probe asks each one's GET /readyz every second, so a replica that is starting,
// draining or has lost its database gets no new requests until it is ready again.
//
// What is retried on another replica is only what is safe: a request whose connection was
// refused (nothing was sent) always; after a broken connection or a 502/503/504 answer only an
// idempotent request (see is_idempotent), and after a timeout only in a further round
// (ClientOptions::max_retries), since it has used the caller's time. A POST that may have
// reached a replica is never sent twice.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kx/http/client.hpp"

namespace kx::http {

struct ReplicaOptions {
  ClientOptions client;  ///< its max_retries is the number of extra rounds for idempotent requests
  /// How long a replica that refused a connection is skipped (unless a probe finds it ready).
  std::chrono::milliseconds down_for{2'000};
  /// 0 turns the probe off; it only runs with more than one replica.
  std::chrono::milliseconds probe_interval{1'000};
};

/// Thread-safe.
class Replicas {
 public:
  /// `base_urls`: http(s)://host:port without a trailing slash, at least one (config::Env::urls
  /// reads such a list).
  explicit Replicas(std::vector<std::string> base_urls, ReplicaOptions options = {});
  ~Replicas();
  Replicas(const Replicas&) = delete;
  Replicas& operator=(const Replicas&) = delete;

  /// Sends `request` to one replica; `request.url` is the path and query ("/api/calls?x=1").
  /// Returns the answer of the first replica that gave one (any status but, for idempotent
  /// requests, 502/503/504 while another replica is left). Throws ClientError as Client does.
  Response send(ClientRequest request);

  const std::vector<std::string>& urls() const { return urls_; }
  /// How many replicas are currently considered up (for metrics and tests).
  std::size_t available() const;

 private:
  struct State {
    std::atomic<bool> ready{true};
    std::atomic<std::int64_t> down_until_ms{0};  ///< steady clock, ms
  };
  bool usable(std::size_t i, std::int64_t now_ms) const;
  void probe_loop();

  std::vector<std::string> urls_;
  ReplicaOptions options_;
  Client client_;
  std::unique_ptr<State[]> state_;
  std::atomic<std::size_t> next_{0};

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread prober_;
};

}  // namespace kx::http
