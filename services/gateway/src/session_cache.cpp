#include "session_cache.hpp"

namespace kx::gateway {

std::optional<http::Identity> SessionCache::get(const std::string& token_hash,
                                                Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(token_hash);
  if (it == entries_.end())
    return std::nullopt;
  if (it->second.expires <= now) {
    entries_.erase(it);
    return std::nullopt;
  }
  return it->second.identity;
}

void SessionCache::put(const std::string& token_hash, const http::Identity& identity,
                       Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= max_entries_) {
    // Bounded memory under a flood of random cookies: drop expired entries, else start over.
    std::erase_if(entries_, [&](const auto& kv) { return kv.second.expires <= now; });
    if (entries_.size() >= max_entries_)
      entries_.clear();
  }
  entries_[token_hash] = Entry{identity, now + ttl_};
}

void SessionCache::erase(const std::string& token_hash) {
  std::lock_guard lock(mutex_);
  entries_.erase(token_hash);
}

void SessionCache::drop_user(const std::string& user_id) {
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [&](const auto& kv) { return kv.second.identity.user_id == user_id; });
}

std::size_t SessionCache::size() {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace kx::gateway
