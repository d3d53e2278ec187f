#pragma once
// Brute-force protection shared by every auth replica: fixed-window counters in PostgreSQL per
// rule and key (a client IP, or an account together with a client IP). Rules are chosen so that
// no one can lock a person out: failed logins block only the (account, IP) pair that failed and,
// far later, the IP; the account itself stays open from every other address.

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <pqxx/pqxx>

#include "kx/http/router.hpp"

namespace kx::auth {

struct ThrottleRule {
  std::string name;  ///< stored with each counter, e.g. "login_account_ip"
  int limit = 10;    ///< hits allowed per window
  std::chrono::seconds window{15 * 60};
};

/// The rules of the service; each limit is a setting (docs/configuration.md).
struct ThrottleRules {
  /// Failed logins (and failed password confirmations) per account and client IP.
  ThrottleRule login_account_ip{"login_account_ip", 10, std::chrono::minutes(15)};
  /// Failed logins per client IP over all accounts (password spraying).
  ThrottleRule login_ip{"login_ip", 100, std::chrono::minutes(15)};
  /// Sign-ups, forgot and reset requests and verification resends per client IP.
  ThrottleRule requests_ip{"requests_ip", 30, std::chrono::hours(1)};
  /// Mails (verification, reset) per account, so nobody is flooded with our mails.
  ThrottleRule mails_account{"mails_account", 5, std::chrono::hours(1)};
};

/// Thrown by handlers when a rule refuses; answered as 429 rate_limited with Retry-After.
class Throttled : public std::runtime_error {
 public:
  explicit Throttled(std::chrono::seconds retry_after)
      : std::runtime_error("throttled"), retry_after_(retry_after) {}
  std::chrono::seconds retry_after() const { return retry_after_; }

 private:
  std::chrono::seconds retry_after_;
};

/// Stateless; every call works inside the caller's transaction.
class Throttle {
 public:
  /// How long `key` must still wait under `rule` (zero when it may go on). Reads only.
  static std::chrono::seconds blocked_for(pqxx::work& tx, const ThrottleRule& rule,
                                          const std::string& key);
  /// Counts one hit; returns how long to wait when this hit is over the limit (else zero).
  static std::chrono::seconds hit(pqxx::work& tx, const ThrottleRule& rule, const std::string& key);
  /// Forgets the counter, e.g. the failures of a pair after a correct password.
  static void clear(pqxx::work& tx, const ThrottleRule& rule, const std::string& key);
};

/// `handler`, answering Throttled as 429 rate_limited with Retry-After and a German message.
http::Handler answering_throttled(http::Handler handler);

/// The client's address: the first X-Forwarded-For entry (the gateway sets it to the peer it
/// saw), else the peer address.
std::string client_ip(const http::Request& req);

}  // namespace kx::auth
