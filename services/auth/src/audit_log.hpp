#pragma once
// The audit log: every admin change of every service (the admin.action events), stored
// append-only in auth's schema, searched and exported by admins. All SQL of the log lives here.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include "kx/events/envelope.hpp"

namespace kx::auth {

/// One stored admin action.
struct AuditEntry {
  std::int64_t id = 0;
  std::string admin_id;
  std::optional<std::string> admin_email;  ///< from users; gone once the admin is deleted
  std::string action;
  std::string target_type;
  std::string target_id;
  std::optional<std::string> user_id;
  std::string before = "null";  ///< JSON
  std::string after = "null";   ///< JSON
  std::string ip;
  std::string user_agent;
  std::string request_id;
  std::string service;  ///< ce_source of the event
  std::string at;       ///< ISO-8601 UTC
};

/// Search and filters of the list and the exports; unset fields do not filter. `from` is
/// inclusive and `to` exclusive (ISO-8601 timestamps).
struct AuditFilter {
  std::optional<std::string> q;  ///< substring of action, target, admin e-mail, before/after
  std::optional<std::string> action;
  std::optional<std::string> admin_id;
  std::optional<std::string> target_type;
  std::optional<std::string> target_id;
  std::optional<std::string> user_id;
  std::optional<std::string> from;
  std::optional<std::string> to;
};

struct ActionCount {
  std::string action;
  std::int64_t count = 0;
};
struct AdminCount {
  std::string admin_id;
  std::optional<std::string> admin_email;
  std::int64_t count = 0;
};

/// Stateless; every function works inside the caller's transaction.
class AuditLog {
 public:
  /// Stores an admin.action event; false when its id is already stored (redelivery). Throws
  /// std::invalid_argument for data without the required fields (the event is dead-lettered).
  static bool store(pqxx::work& tx, const events::Event& event);
  /// Replaces the personal data of `user_id` in every entry about them or by them (see
  /// scrub_personal) and remembers the user, so entries that arrive later are stored scrubbed;
  /// returns how many entries changed. Idempotent.
  static std::int64_t anonymise_user(pqxx::work& tx, const std::string& user_id);

  /// Newest first.
  static std::vector<AuditEntry> list(pqxx::work& tx, const AuditFilter& filter, int limit,
                                      int offset);
  static std::int64_t count(pqxx::work& tx, const AuditFilter& filter);

  /// For the compliance report of [from, to): actions by type and by admin (most first), and
  /// the sensitive entries (see is_sensitive), newest first, at most `limit`.
  static std::vector<ActionCount> by_action(pqxx::work& tx, const std::string& from,
                                            const std::string& to);
  static std::vector<AdminCount> by_admin(pqxx::work& tx, const std::string& from,
                                          const std::string& to);
  static std::vector<AuditEntry> sensitive(pqxx::work& tx, const std::string& from,
                                           const std::string& to, int limit);
};

/// Whether an action is one the compliance report lists one by one: role and status changes,
/// deletions and releases, password resets, credit adjustments, API keys and billing settings.
/// A change whose before/after differ in `role` or `status` counts too.
bool is_sensitive(std::string_view action, std::string_view before, std::string_view after);

/// The JSON text with every value under a personal key (e-mail, name, phone, address, IP, user
/// agent, ...; any depth) replaced by null. Invalid JSON becomes null.
std::string scrub_personal(std::string_view json);

/// One entry as the API shows it.
std::string audit_entry_json(const AuditEntry& entry);
/// The entries as CSV (semicolons, UTF-8 with byte order mark, the CSV cell rule).
std::string audit_csv(const std::vector<AuditEntry>& entries);

}  // namespace kx::auth
