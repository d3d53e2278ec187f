#pragma once
// The read side of calls and escalations for the call history API. Every query takes the owner
// whose data it may return; only the admin endpoints pass none. All SQL of the history lives here.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "kx/json/json.hpp"

namespace kx::telephony {

struct CallFilter {
  std::optional<std::string> owner;  ///< the signed-in owner; nullopt only for admins
  std::optional<std::string> status;
  std::optional<std::string> agent_id;
  std::optional<std::string> caller_digits;  ///< any part of the caller's number, digits only
  std::optional<std::string> from;           ///< ISO-8601, inclusive
  std::optional<std::string> to;             ///< ISO-8601, exclusive
  std::optional<bool> test;
  /// Keyset position: only calls after (older than, or as old with a smaller id) this one.
  std::optional<std::string> after_created_at;  ///< ISO-8601 with microseconds
  std::optional<std::string> after_id;
  int limit = 50;
  int offset = 0;
};

struct EscalationFilter {
  std::optional<std::string> owner;
  std::optional<std::string> agent_id;
  std::optional<std::string> kind;
  std::optional<std::string> from;
  std::optional<std::string> to;
  int limit = 50;
  int offset = 0;
};

/// One call as the list and the CSV export show it.
struct CallSummary {
  std::string id;
  std::string vapi_call_id;
  std::string user_id;
  std::string agent_id;
  std::string agent_name;
  std::string status;
  std::optional<std::string> ended_reason;
  std::optional<std::string> caller_number;
  std::string created_at;
  std::string created_at_us;  ///< created_at with microseconds: the exact keyset sort key
  std::optional<std::string> started_at;
  std::optional<std::string> ended_at;
  std::optional<std::int64_t> duration_seconds;
  bool test = false;
  bool appointment_booked = false;
  bool transferred = false;
  bool escalated = false;
  bool has_recording = false;
  std::optional<std::string> summary;
};

struct DayStats {
  std::string date;  ///< YYYY-MM-DD in the requested zone
  std::int64_t calls = 0;
  std::int64_t duration_seconds = 0;
  std::int64_t minutes = 0;  ///< every started minute of every call
};

struct CallStats {
  std::vector<DayStats> days;
  DayStats range_total;
  DayStats month_total;  ///< date = YYYY-MM of the current month in the zone
  std::vector<std::pair<std::string, std::int64_t>> month_by_status;
};

struct EscalationStats {
  std::int64_t total = 0;
  std::int64_t within_business_hours = 0;
  std::vector<std::pair<std::string, std::int64_t>> by_kind, by_outcome, by_reason;
  std::vector<std::pair<std::string, std::int64_t>> per_day;  ///< YYYY-MM-DD (UTC) → count
};

/// Stateless; every method works inside the caller's transaction.
struct CallPage {
  std::vector<CallSummary> calls;
  std::int64_t total = 0;
};

class CallHistory {
 public:
  /// Newest first, ties by id descending; served by the (user_id, created_at, id) index.
  static std::vector<CallSummary> list(pqxx::work& tx, const CallFilter& f);
  /// A page as `list` reads it and the number of matching calls, counted up to `cap` (the index
  /// scan stops there, so a long history costs no more than a short one; the keyset position and
  /// the offset do not change it), in one round trip.
  static CallPage page(pqxx::transaction_base& tx, const CallFilter& f, std::int64_t cap);
  /// The call as a JSON object with transcript, analysis, recording, escalations and tool
  /// calls; nullopt when it does not exist or is not the owner's.
  static std::optional<std::string> detail_json(pqxx::work& tx,
                                                const std::optional<std::string>& owner,
                                                const std::string& call_id);
  /// Calls and minutes per day in `timezone` between from and to, and this month's totals.
  static CallStats stats(pqxx::work& tx, const std::optional<std::string>& owner,
                         const std::string& timezone, const std::string& from,
                         const std::string& to, bool include_test);

  /// Escalations as a JSON array of objects.
  static std::string escalations_json(pqxx::work& tx, const EscalationFilter& f);
  static std::int64_t count_escalations(pqxx::work& tx, const EscalationFilter& f);
  /// Counts of escalations in [from, to); days are the zone's local days.
  static EscalationStats escalation_stats(pqxx::work& tx, const std::optional<std::string>& owner,
                                          const std::string& zone, const std::string& from,
                                          const std::string& to);
};

/// One call of the list as a JSON object, written into `w` (the list's items array).
void write_call_summary(json::Writer& w, const CallSummary& c, bool with_owner);

}  // namespace kx::telephony
