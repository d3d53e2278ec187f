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

}  // namespace kx::gateway
