#pragma once
// Token buckets by key (a client address, an API key id): a key may send `burst` requests at
// once and `per_second` on average. Memory is bounded: buckets that have refilled are forgotten,
// and at the limit the least recently used one goes. Per process: with n gateway replicas a key
// can get up to n times the rate. Thread-safe.

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace kx::gateway {

struct RateLimitSettings {
  double per_second = 5;  ///< sustained rate per key
  double burst = 60;      ///< requests an idle key may send at once
  std::size_t max_keys = 100'000;

  /// `n` requests a minute, and a minute's worth at once.
  static RateLimitSettings per_minute(double n) { return {.per_second = n / 60.0, .burst = n}; }
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(RateLimitSettings settings) : settings_(settings) {}

  /// Takes a token for `key`; std::nullopt when allowed, else the whole seconds (at least 1)
  /// after which the next request will be (Retry-After).
  std::optional<std::chrono::seconds> take(const std::string& key,
                                           Clock::time_point now = Clock::now());
  /// Keys with a bucket (for tests).
  std::size_t tracked();

 private:
  struct Bucket {
    double tokens;
    Clock::time_point last;
    std::list<std::string>::iterator lru;  ///< position in lru_ (front = most recent)
  };
  void refill(Bucket& b, Clock::time_point now) const;

  RateLimitSettings settings_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  std::list<std::string> lru_;
};

}  // namespace kx::gateway
