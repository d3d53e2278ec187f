#include "rate_limit.hpp"

#include <algorithm>
#include <cmath>

namespace kx::gateway {

void RateLimiter::refill(Bucket& b, Clock::time_point now) const {
  double elapsed = std::chrono::duration<double>(now - b.last).count();
  if (elapsed > 0) {
    b.tokens = std::min(settings_.burst, b.tokens + elapsed * settings_.per_second);
    b.last = now;
  }
}

std::optional<std::chrono::seconds> RateLimiter::take(const std::string& key,
                                                      Clock::time_point now) {
  std::lock_guard lock(mutex_);
  // A bucket that has refilled says nothing a new one would not: forget the idlest of them.
  while (!lru_.empty()) {
    auto& oldest = buckets_.at(lru_.back());
    refill(oldest, now);
    if (oldest.tokens < settings_.burst && buckets_.size() < settings_.max_keys)
      break;
    buckets_.erase(lru_.back());
    lru_.pop_back();
  }
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    lru_.push_front(key);
    it = buckets_.emplace(key, Bucket{settings_.burst, now, lru_.begin()}).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    refill(it->second, now);
  }
  auto& b = it->second;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  // The epsilon keeps rounding noise from adding a second (5.0000001 s is 5 s).
  double wait = std::ceil((1 - b.tokens) / settings_.per_second - 1e-6);
  return std::chrono::seconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(wait)));
}

std::size_t RateLimiter::tracked() {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace kx::gateway
