#pragma once
// API-key requests at the edge: resolved keys cached briefly (so a revocation takes effect
// within the cache time on every replica), and a token bucket per key. Both thread-safe.

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "kx/http/message.hpp"

namespace kx::gateway {

/// What a key stands for; `identity.user_id` empty means unknown, revoked or owner inactive.
struct ResolvedKey {
  http::Identity identity;
  std::string key_id;
  std::vector<std::string> scopes;
};

class ApiKeyCache {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ApiKeyCache(std::chrono::milliseconds ttl, std::size_t max_entries = 100'000)
      : ttl_(ttl), max_entries_(max_entries) {}

  /// The cached resolution of the key with this hash, if fresh.
  std::optional<ResolvedKey> get(const std::string& key_hash, Clock::time_point now = Clock::now());
  void put(const std::string& key_hash, ResolvedKey key, Clock::time_point now = Clock::now());
  /// Drops every key of this owner (status changed, account deleted).
  void drop_user(const std::string& user_id);

 private:
  struct Entry {
    ResolvedKey key;
    Clock::time_point expires;
  };
  std::chrono::milliseconds ttl_;
  std::size_t max_entries_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace kx::gateway
