#include "throttle.hpp"

#include <algorithm>
#include <cmath>

#include "kx/http/error.hpp"

namespace kx::auth {
namespace {

constexpr const char* kBlockedFor = R"sql(
SELECT EXTRACT(EPOCH FROM window_start + make_interval(secs => $3) - now())::float8
FROM throttle_counters
WHERE rule = $1 AND key = $2 AND hits >= $4 AND window_start > now() - make_interval(secs => $3))sql";

// One statement: a new window starts when the last one has passed; otherwise the hit counts.
constexpr const char* kHit = R"sql(
INSERT INTO throttle_counters (rule, key, window_start, hits) VALUES ($1, $2, now(), 1)
ON CONFLICT (rule, key) DO UPDATE SET
  window_start = CASE WHEN throttle_counters.window_start <= now() - make_interval(secs => $3)
                      THEN now() ELSE throttle_counters.window_start END,
  hits = CASE WHEN throttle_counters.window_start <= now() - make_interval(secs => $3)
              THEN 1 ELSE throttle_counters.hits + 1 END
RETURNING hits, EXTRACT(EPOCH FROM window_start + make_interval(secs => $3) - now())::float8)sql";

constexpr const char* kClear = "DELETE FROM throttle_counters WHERE rule = $1 AND key = $2";

std::chrono::seconds whole_seconds(double left) {
  return std::chrono::seconds(
      std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(left))));
}

}  // namespace

std::chrono::seconds Throttle::blocked_for(pqxx::work& tx, const ThrottleRule& rule,
                                           const std::string& key) {
  auto res = tx.exec_params(kBlockedFor, rule.name, key, static_cast<double>(rule.window.count()),
                            rule.limit);
  if (res.empty())
    return std::chrono::seconds(0);
  return whole_seconds(res[0][0].as<double>());
}

std::chrono::seconds Throttle::hit(pqxx::work& tx, const ThrottleRule& rule,
                                   const std::string& key) {
  auto row = tx.exec_params1(kHit, rule.name, key, static_cast<double>(rule.window.count()));
  if (row[0].as<int>() <= rule.limit)
    return std::chrono::seconds(0);
  return whole_seconds(row[1].as<double>());
}

void Throttle::clear(pqxx::work& tx, const ThrottleRule& rule, const std::string& key) {
  tx.exec_params(kClear, rule.name, key);
}

http::Handler answering_throttled(http::Handler handler) {
  return [handler = std::move(handler)](http::Request& req) {
    try {
      return handler(req);
    } catch (const Throttled& t) {
      auto minutes = (t.retry_after().count() + 59) / 60;
      http::Error error = http::Error::too_many_requests(
          "Zu viele Versuche. Bitte warten Sie " + std::to_string(minutes) +
          (minutes == 1 ? " Minute" : " Minuten") + " und versuchen Sie es dann erneut.");
      auto res = http::Response::json(429, http::error_body(error, req.request_id));
      res.headers.set("Retry-After", std::to_string(t.retry_after().count()));
      return res;
    }
  };
}

std::string client_ip(const http::Request& req) {
  std::string ip(req.header("X-Forwarded-For").value_or(req.remote_address));
  if (auto comma = ip.find(','); comma != std::string::npos)
    ip = ip.substr(0, comma);
  return std::string(http::trim_ows(ip)).substr(0, 64);
}

}  // namespace kx::auth
