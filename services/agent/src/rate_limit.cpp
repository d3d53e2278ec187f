#include "rate_limit.hpp"

#include <algorithm>
#include <cmath>

#include "kx/http/error.hpp"

namespace kx::agent {
namespace {

// One statement: a new window starts when the last one has passed; otherwise the hit counts.
constexpr const char* kHit = R"(
  INSERT INTO rate_limits (user_id, action, window_start, hits) VALUES ($1, $2, now(), 1)
  ON CONFLICT (user_id, action) DO UPDATE SET
    window_start = CASE WHEN rate_limits.window_start <= now() - make_interval(secs => $3)
                        THEN now() ELSE rate_limits.window_start END,
    hits = CASE WHEN rate_limits.window_start <= now() - make_interval(secs => $3)
                THEN 1 ELSE rate_limits.hits + 1 END
  RETURNING hits,
            EXTRACT(EPOCH FROM window_start + make_interval(secs => $3) - now())::float8)";

}  // namespace

std::optional<std::chrono::seconds> RateLimiter::hit(const std::string& user_id,
                                                     const RateLimit& limit) {
  auto [hits, left] = pg::transact(db_, [&](pqxx::work& tx) {
    auto row =
        tx.exec_params1(kHit, user_id, limit.action, static_cast<double>(limit.window.count()));
    return std::make_pair(row[0].as<int>(), row[1].as<double>());
  });
  if (hits <= limit.max_hits)
    return std::nullopt;
  return std::chrono::seconds(
      std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(left))));
}

http::Response too_many_requests(const http::Request& req, std::chrono::seconds retry_after,
                                 const std::string& message) {
  auto res = error_response(req, 429, "rate_limited", message);
  res.headers.set("Retry-After", std::to_string(retry_after.count()));
  return res;
}

http::Response error_response(const http::Request& req, int status, const std::string& code,
                              const std::string& message) {
  return http::Response::json(status,
                              http::error_body(http::Error(status, code, message), req.request_id));
}

}  // namespace kx::agent
