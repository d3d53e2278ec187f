#pragma once
// Security events of accounts (logins, failed logins, password and status changes, ...), kept
// in auth's schema beside the users they concern and shown to admins.

#include <cstdint>
#include <optional>
#include <string>

#include <pqxx/pqxx>

#include "kx/http/message.hpp"

namespace kx::auth {

struct SecurityEventFilter {
  std::optional<std::string> user_id;
  std::optional<std::string> kind;
  std::optional<std::string> from;  ///< inclusive, YYYY-MM-DD (UTC)
  std::optional<std::string> to;    ///< inclusive, YYYY-MM-DD (UTC)
  int limit = 50;
  int offset = 0;
};

/// Stateless; every method works inside the caller's transaction.
class SecurityEvents {
 public:
  /// Records one event with the client IP and user agent of `req`; `detail` is a JSON object.
  static void record(pqxx::work& tx, const std::string& kind, const http::Request& req,
                     const std::optional<std::string>& user_id, const std::string& email,
                     const std::string& detail = "{}");
  /// `{"items": [...], "total", "limit", "offset"}`, newest first.
  static std::string page_json(pqxx::work& tx, const SecurityEventFilter& filter);
  /// The newest `limit` events of one user as a JSON array.
  static std::string of_user_json(pqxx::work& tx, const std::string& user_id, int limit);
  /// The one event kept of a deleted account: its id, the time and who deleted it ("self" or
  /// "admin"); no address, IP or user agent.
  static void record_deletion(pqxx::work& tx, const std::string& user_id, const std::string& by);
  /// Removes what identifies a deleted user: their events and failed logins naming the address.
  static void forget_user(pqxx::work& tx, const std::string& user_id, const std::string& email);
};

}  // namespace kx::auth
