#include "api_keys.hpp"

#include <algorithm>
#include <cmath>

namespace kx::gateway {

std::optional<ResolvedKey> ApiKeyCache::get(const std::string& key_hash, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key_hash);
  if (it == entries_.end() || it->second.expires <= now)
    return std::nullopt;
  return it->second.key;
}

void ApiKeyCache::put(const std::string& key_hash, ResolvedKey key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= max_entries_) {
    // Bounded memory under a flood of made-up keys: drop stale entries, else start over.
    std::erase_if(entries_, [&](const auto& kv) { return kv.second.expires <= now; });
    if (entries_.size() >= max_entries_)
      entries_.clear();
  }
  entries_[key_hash] = Entry{std::move(key), now + ttl_};
}

void ApiKeyCache::drop_user(const std::string& user_id) {
  std::lock_guard lock(mutex_);
  std::erase_if(entries_,
                [&](const auto& kv) { return kv.second.key.identity.user_id == user_id; });
}

std::optional<std::chrono::seconds> TokenBuckets::take(const std::string& name,
                                                       Clock::time_point now) {
  const double per_second = per_minute_ / 60.0;
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(name);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_buckets_) {
      // A bucket that has refilled completely is the same as a new one.
      std::erase_if(buckets_, [&](const auto& kv) {
        std::chrono::duration<double> idle = now - kv.second.at;
        return kv.second.tokens + idle.count() * per_second >= per_minute_;
      });
      if (buckets_.size() >= max_buckets_)
        buckets_.clear();
    }
    it = buckets_.emplace(name, Bucket{per_minute_, now}).first;
  }
  auto& b = it->second;
  std::chrono::duration<double> elapsed = now - b.at;
  b.tokens = std::min(per_minute_, b.tokens + std::max(0.0, elapsed.count()) * per_second);
  b.at = std::max(b.at, now);
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return std::nullopt;
  }
  // The epsilon keeps rounding noise from adding a second (5.0000001 s is 5 s).
  auto wait = std::ceil((1.0 - b.tokens) / per_second - 1e-6);
  return std::chrono::seconds(std::max<std::int64_t>(1, static_cast<std::int64_t>(wait)));
}

}  // namespace kx::gateway
