#pragma once
// Per-client-IP token buckets for the anonymous public endpoints (sign-up, login, password
// reset, public pages), so one address cannot flood them. Memory is bounded: buckets that have
// refilled are forgotten, and at the limit the least recently used one goes. Thread-safe.

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace kx::gateway {

struct IpRateLimitSettings {
  double per_second = 5;  ///< sustained rate per address
  double burst = 60;      ///< requests an idle address may send at once
  std::size_t max_addresses = 100'000;
};

class IpRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit IpRateLimiter(IpRateLimitSettings settings) : settings_(settings) {}

  /// Takes a token for `address`; std::nullopt when allowed, else the whole seconds (at least 1)
  /// after which the next request will be (Retry-After).
  std::optional<std::chrono::seconds> take(const std::string& address,
                                           Clock::time_point now = Clock::now());
  /// Addresses with a bucket (for tests).
  std::size_t tracked();

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
    std::list<std::string>::iterator lru;  ///< position in lru_ (front = most recent)
  };
  void refill(Bucket& b, Clock::time_point now) const;

  IpRateLimitSettings settings_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::list<std::string> lru_;
};

}  // namespace kx::gateway
