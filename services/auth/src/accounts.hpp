#pragma once
// What owners and admins change about accounts: profile, status, role, sessions, deletion, and
// the events each change publishes. Every function works inside the caller's transaction, so a
// change and its events commit together.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "kx/events/outbox.hpp"
#include "kx/http/message.hpp"
#include "users.hpp"

namespace kx::auth {

/// Fields to change; unset ones stay.
struct UserChanges {
  std::optional<std::string> name;
  std::optional<std::string> locale;
  std::optional<std::string> time_zone;
  std::optional<std::string> role;
};

/// The admin list's filters; `search` is a LIKE pattern with its wildcards escaped.
struct UserQuery {
  std::string search;
  std::optional<std::string> status;
  std::optional<std::string> role;
  std::optional<bool> verified;
  std::string sort = "-created_at";  ///< [-]created_at, [-]email, [-]name
  int limit = 50;
  int offset = 0;
};

/// Stateless; every method works inside the caller's transaction.
class Accounts {
 public:
  static std::optional<User> update(pqxx::work& tx, const std::string& user_id,
                                    const UserChanges& changes);
  /// Marks the address verified (once); returns the user.
  static std::optional<User> mark_verified(pqxx::work& tx, const std::string& user_id);
  static std::vector<User> search(pqxx::work& tx, const UserQuery& query);
  static std::int64_t count(pqxx::work& tx, const UserQuery& query);
  /// Users with these ids (unknown ids are left out), locked for update.
  static std::vector<User> lock_many(pqxx::work& tx, const std::vector<std::string>& ids);
  static std::optional<User> lock(pqxx::work& tx, const std::string& user_id);

  /// The live sessions of a user as a JSON array, newest first; `current_token` (may be empty)
  /// marks the caller's own.
  static std::string sessions_json(pqxx::work& tx, const std::string& user_id,
                                   const std::string& current_token);

  /// Revokes one live session of this user and publishes session.revoked; false when the user
  /// has no such live session.
  static bool revoke_session(pqxx::work& tx, const events::Outbox& outbox,
                             const std::string& user_id, const std::string& session_id,
                             const std::string& reason);
  /// Revokes every live session of the user except the one of `keep_token` (may be empty) and
  /// publishes session.revoked for each; returns how many.
  static std::int64_t revoke_sessions(pqxx::work& tx, const events::Outbox& outbox,
                                      const std::string& user_id, const std::string& reason,
                                      const std::string& keep_token = {});

  /// Sets the status: the user's sessions end, user.status_changed goes out and the change is
  /// a security event. No-op (returns the user unchanged) when the status is the same.
  static User change_status(pqxx::work& tx, const events::Outbox& outbox, const http::Request& req,
                            const User& user, const std::string& status);

  /// Deletes the user's rows (sessions and tokens go with the user) and the already published
  /// outbox rows keyed by the user, forgets their security events but one anonymous
  /// `account_deleted`, and publishes session.revoked and user.deleted. `by` is "self" or
  /// "admin".
  static void remove(pqxx::work& tx, const events::Outbox& outbox, const User& user,
                     const std::string& by);

  static void publish_updated(pqxx::work& tx, const events::Outbox& outbox, const User& user);
};

}  // namespace kx::auth
