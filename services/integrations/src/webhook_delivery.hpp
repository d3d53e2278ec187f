#pragma once
// Owners' webhooks from event to receiver. WebhookFanOut turns a platform event into one
// delivery row per subscribed, enabled endpoint (inside the consumer's inbox transaction, so an
// event delivered twice makes no second row). WebhookSender sends due deliveries from a bounded
// pool of threads with at most `per_endpoint` in flight per endpoint, so an endpoint that never
// answers holds at most that many threads while every other endpoint keeps its pace. Each
// attempt is checked by the SSRF guard again, signed (both secrets during a rotation), logged,
// and on failure retried on a fixed schedule; an endpoint failing for five days is disabled and
// webhook_endpoint.disabled published.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kx/crypto/crypto.hpp"
#include "kx/events/envelope.hpp"
#include "kx/events/outbox.hpp"
#include "kx/http/client.hpp"
#include "kx/pg/pg.hpp"
#include "webhook_guard.hpp"

namespace kx::integrations {

/// The time webhooks go by; tests move it to reach retry times and the failure window.
using WallClock = std::function<std::chrono::system_clock::time_point()>;

struct WebhookSettings {
  std::chrono::milliseconds timeout{10'000};  ///< for the answer; connecting: at most 5 s more
  std::size_t max_response = 64 * 1024;       ///< a longer answer is a failed attempt
  std::size_t stored_response = 4 * 1024;     ///< kept in the delivery log
  int per_endpoint = 2;                       ///< attempts in flight per endpoint
  int workers = 8;                            ///< attempts in flight in all
  std::chrono::hours failure_window{24 * 5};  ///< failing this long disables
  std::chrono::hours secret_overlap{24};      ///< the old secret's life after a rotation
  int max_endpoints = 20;                     ///< per owner
  std::chrono::seconds lease{60};             ///< a claimed delivery is free again after
  WallClock clock = [] { return std::chrono::system_clock::now(); };
};

/// Waits after the 1st, 2nd, … failed attempt; after the last one the delivery has failed.
const std::vector<std::chrono::seconds>& webhook_retry_schedule();

/// ISO-8601 UTC for SQL parameters (`$n::timestamptz`) and payloads.
std::string iso_time(std::chrono::system_clock::time_point t);

/// Thread-safe (stateless apart from settings).
class WebhookFanOut {
 public:
  explicit WebhookFanOut(WebhookSettings settings) : settings_(std::move(settings)) {}
  /// Any catalog event (a batch's, all of one type, at once): queues each for its owner's
  /// subscribed endpoints.
  void on_events(const std::vector<const events::Event*>& events, pqxx::work& tx);
  /// user.deleted: the owner's endpoints, deliveries and log go.
  void on_user_deleted(const events::Event& event, pqxx::work& tx);

 private:
  WebhookSettings settings_;
};

class WebhookSender {
 public:
  WebhookSender(pg::Pool& db, const crypto::Keyring& keys, const events::Outbox& outbox,
                TargetPolicy policy, WebhookSettings settings);
  /// Waits for the attempts in flight, then stops the threads.
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  /// Claims due deliveries up to the free capacity and hands them to the pool; returns how
  /// many. Never blocks on a receiver. Call from one thread (the periodic job).
  int run_once();
  /// Blocks until no attempt is queued or in flight (tests, shutdown).
  void wait_idle();

 private:
  struct Job {
    std::string delivery_id;
    std::string endpoint_id;
    std::string user_id;
    std::string url;
    std::string message_id;
    std::string payload;
    std::vector<std::string> secrets;  ///< sealed; current first
    int attempt = 0;
  };
  void worker();
  void attempt(const Job& job);

  pg::Pool& db_;
  const crypto::Keyring& keys_;
  const events::Outbox& outbox_;
  TargetPolicy policy_;
  WebhookSettings settings_;
  http::Client client_;

  std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::deque<Job> queue_;
  std::map<std::string, int> in_flight_;  ///< per endpoint: queued + sending
  int busy_ = 0;                          ///< queued + sending in all
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace kx::integrations
