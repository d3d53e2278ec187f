#pragma once
// Short-lived cache of resolved sessions, keyed by the token's hash, so most requests do not
// ask auth. Entries are dropped at once when auth reports a revocation or a status change.
// Thread-safe.

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "kx/http/message.hpp"

namespace kx::gateway {

class SessionCache {
 public:
  using Clock = std::chrono::steady_clock;
  explicit SessionCache(std::chrono::milliseconds ttl, std::size_t max_entries = 100'000)
      : ttl_(ttl), max_entries_(max_entries) {}

  /// The cached identity (user_id empty = no valid session), if fresh.
  std::optional<http::Identity> get(const std::string& token_hash,
                                    Clock::time_point now = Clock::now());
  void put(const std::string& token_hash, const http::Identity& identity,
           Clock::time_point now = Clock::now());
  void erase(const std::string& token_hash);
  /// Drops every entry of this user.
  void drop_user(const std::string& user_id);
  std::size_t size();

 private:
  struct Entry {
    http::Identity identity;
    Clock::time_point expires;
  };
  std::chrono::milliseconds ttl_;
  std::size_t max_entries_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace kx::gateway
