#pragma once
// Per-owner rate limits for actions that cost money at a provider (AI texts, voice previews),
// counted in the agent schema's rate_limits table: a fixed window per owner and action, so the
// limit holds across replicas and restarts.

#include <chrono>
#include <optional>
#include <string>

#include "kx/http/message.hpp"
#include "kx/pg/pg.hpp"

namespace kx::agent {

struct RateLimit {
  std::string action;  ///< "ai_texts", "voice_preview"
  int max_hits = 10;   ///< per window
  std::chrono::seconds window{60};
};

/// Thread-safe (one short transaction per call). Blocks on the database.
class RateLimiter {
 public:
  explicit RateLimiter(pg::Pool& db) : db_(db) {}

  /// Counts one use by `user_id`; returns how long to wait when it is over the limit.
  std::optional<std::chrono::seconds> hit(const std::string& user_id, const RateLimit& limit);

 private:
  pg::Pool& db_;
};

/// The 429 answer in the one error format, with Retry-After.
http::Response too_many_requests(const http::Request& req, std::chrono::seconds retry_after,
                                 const std::string& message);

/// Any error as its response (for answers that need headers the thrown http::Error cannot carry).
http::Response error_response(const http::Request& req, int status, const std::string& code,
                              const std::string& message);

}  // namespace kx::agent
