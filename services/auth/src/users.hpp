#pragma once
// The auth schema: users and sessions. All SQL of the service lives here.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace kx::auth {

struct User {
  std::string id;
  std::string email;
  std::string name;
  std::string role;
  std::string status;
  std::string locale;
  std::string created_at;
  std::string password_hash;  ///< never serialised
  bool email_verified = false;
  std::string time_zone;  ///< IANA name
};

/// The columns of `users` that user_from() reads, in its order, for a SELECT list.
extern const char* const kUserColumnList;
User user_from(const pqxx::row& row);
/// A WHERE condition matching users whose address or name contains $1, a LIKE pattern with its
/// wildcards escaped ('' matches everyone), with Unicode case folding.
extern const char* const kUserSearchCondition;

/// The user as the API shows it (no password hash).
std::string user_json(const User& user);
/// Event data of user.registered and user.updated for this user.
std::string user_registered_event(const User& user);
std::string user_updated_event(const User& user);

struct SessionInfo {
  std::string session_id;
  std::string user_id;
  std::string role;
  std::string status;
  std::string expires_at;
};

/// How long a session lives: `idle` after its last use, never beyond `absolute` after sign-in.
struct SessionLifetime {
  std::chrono::hours idle{72};
  std::chrono::hours absolute{24 * 14};
};

struct NewSession {
  std::string id;
  std::string token;  ///< goes into the cookie, never stored
};

/// Stateless; every method works inside the caller's transaction.
class Users {
 public:
  /// Inserts the user; std::nullopt when the e-mail address is taken.
  static std::optional<User> insert(pqxx::work& tx, const std::string& email,
                                    const std::string& name, const std::string& password_hash,
                                    const std::string& role, const std::string& locale);
  static std::optional<User> by_email(pqxx::work& tx, const std::string& normalized_email);
  static std::optional<User> by_id(pqxx::work& tx, const std::string& id);
  static void update_password_hash(pqxx::work& tx, const std::string& id, const std::string& hash);
  /// Sets the role; returns the updated user or nullopt if unknown.
  static std::optional<User> set_role(pqxx::work& tx, const std::string& normalized_email,
                                      const std::string& role);

  static NewSession create_session(pqxx::work& tx, const std::string& user_id,
                                   const SessionLifetime& lifetime, const std::string& ip,
                                   const std::string& user_agent);
  /// The live session of an active user for this token, if any. A session last seen more than a
  /// minute ago is renewed (expires `idle` from now, at most at its absolute end), so a busy
  /// session costs one write a minute, not one per request.
  static std::optional<SessionInfo> resolve(pqxx::work& tx, const std::string& token,
                                            std::chrono::hours idle);
  /// Revokes the session for this token; returns it if it was live.
  static std::optional<SessionInfo> revoke(pqxx::work& tx, const std::string& token,
                                           const std::string& reason);
  /// Deletes up to `limit` expired sessions, sessions revoked more than a week ago, used or
  /// expired mail tokens and finished throttle windows; returns how many rows went. Safe to run
  /// in several replicas at once (SKIP LOCKED).
  static std::int64_t prune_sessions(pqxx::work& tx, int limit);
};

}  // namespace kx::auth
