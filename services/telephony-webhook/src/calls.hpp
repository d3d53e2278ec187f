#pragma once
// The write side of call records: calls, escalations and executed tool calls, and the data of
// the events telephony-webhook publishes. All SQL that changes calls lives here.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "call_rules.hpp"
#include "escalation.hpp"
#include "kx/events/outbox.hpp"
#include "routing_store.hpp"
#include "vapi_message.hpp"

namespace kx::telephony {

/// The state of one call row (its content columns are written separately).
struct CallRecord {
  std::string id;
  std::string vapi_call_id;
  std::string agent_id;
  std::string user_id;
  std::string call_type;
  bool test = false;
  std::optional<std::string> caller_number;
  CallStatus status = CallStatus::ringing;
  std::string ended_reason;
  Clock::time_point created_at;
  std::optional<Clock::time_point> started_at, ended_at;
  std::optional<std::int64_t> duration_seconds;
  bool appointment_booked = false;
  bool transferred = false;
  bool started_published = false;
  bool completed_published = false;
  bool report_received = false;
  std::optional<std::string> summary;
  /// busy, no_answer or failed: the assistant answered and could not hand the caller over.
  std::optional<std::string> forwarding_outcome;
  /// The id of the call.completed event added in this transaction: save() and save_report()
  /// record it (with the time) in the same statement as the state. Not read back.
  std::optional<std::string> completed_event_id;
};

/// What an end-of-call report adds beyond the state.
struct CallContent {
  std::string messages_json = "[]";
  std::optional<std::string> summary;
  std::optional<std::string> analysis_json;
  std::optional<std::string> recording_url;
  std::optional<std::string> stereo_recording_url;
  std::optional<std::int64_t> cost_usd_micros;
};

struct NewEscalation {
  std::string call_id;
  std::string user_id;
  std::string agent_id;
  std::string source_key;  ///< unique per triggering message, so repeats are no-ops
  std::string reason;
  EscalationDecision decision;
  Clock::time_point at;
};

/// A tool call's stored answer.
struct ToolCallRecord {
  std::string vapi_call_id;
  std::string tool_call_id;
  std::string name;
  std::string outcome;  ///< ok, timeout, unavailable, rejected, local
  std::string result;
  bool appointment_booked = false;
  std::int64_t latency_ms = 0;
};

struct OutcomeFlags {
  bool escalated = false;           ///< an escalation was recorded for the call
  bool appointment_booked = false;  ///< one of its tool calls booked an appointment
};

/// Stateless; every method works inside the caller's transaction.
class Calls {
 public:
  /// Inserts `fresh` unless a call with its vapi_call_id exists, then returns the stored call
  /// locked FOR UPDATE: concurrent messages about one call queue up here. Under
  /// pg::autocommit the lock ends with the statement, for callers that only need the row.
  static CallRecord lock_or_create(pqxx::transaction_base& tx, const CallRecord& fresh);
  struct LockedCall {
    CallRecord call;
    std::map<std::string, ToolCallRecord> answers;  ///< by tool call id
  };
  /// lock_or_create(), and the answers stored for those of the given tool calls that have one,
  /// in the same round trip.
  static LockedCall lock_or_create(pqxx::transaction_base& tx, const CallRecord& fresh,
                                   const std::vector<std::string>& tool_call_ids);
  struct RoutedCall {
    AgentRoute route;
    LockedCall locked;
  };
  /// RoutingStore::for_call() and then lock_or_create() of `fresh` (its agent and owner taken
  /// from the route) with the stored answers, in one round trip; nullopt when no agent is found.
  static std::optional<RoutedCall> route_and_lock_or_create(
      pqxx::transaction_base& tx, const VapiCall& call, const CallRecord& fresh,
      const std::vector<std::string>& tool_call_ids);
  struct RoutedReport {
    AgentRoute route;
    std::optional<CallRecord> call;  ///< locked FOR UPDATE; nullopt when not stored
  };
  /// RoutingStore::for_call() and lock() in one round trip; nullopt when no agent is found.
  static std::optional<RoutedReport> route_and_lock(pqxx::work& tx, const VapiCall& call);
  /// The stored call locked FOR UPDATE, if any.
  static std::optional<CallRecord> lock(pqxx::work& tx, const std::string& vapi_call_id);
  /// Writes status, times, flags and the summary.
  static void save(pqxx::work& tx, const CallRecord& call);
  /// save() and the report's content in one statement; the content is dropped when the
  /// retention job already purged the call's content.
  static void save_report(pqxx::work& tx, const CallRecord& call, const CallContent& content);
  /// Stores a call that is not stored yet with its report, complete, and its events, in one
  /// statement; false (and nothing written) when the call exists, e.g. created meanwhile by a
  /// concurrent message.
  static bool insert_report(pqxx::work& tx, const CallRecord& call, const CallContent& content,
                            const events::PreparedEvents& events);
  /// Remembers the outbox event that announced the call's completion (for a later re-publish).
  static void mark_completed(pqxx::work& tx, const std::string& call_id,
                             const std::string& event_id);

  /// What the call's escalations and tool calls add to its outcome.
  static OutcomeFlags outcome_flags(pqxx::work& tx, const CallRecord& call);
  /// The id of the new escalation, or nullopt when its source_key was recorded before.
  static std::optional<std::string> add_escalation(pqxx::work& tx, const NewEscalation& e);
  /// Marks pending escalations of a finished call as transferred, not connected or message.
  static void settle_escalations(pqxx::work& tx, const std::string& call_id, bool transferred);

  /// Stores a tool call's answer; a successful answer is never replaced by a later failure.
  static void record_tool_call(pqxx::transaction_base& tx, const ToolCallRecord& record);

  /// Vapi call ids of calls that ended before `ended_before` and never got their report.
  static std::vector<std::string> overdue(pqxx::work& tx, Clock::time_point ended_before,
                                          int limit);
  /// Removes transcripts, summaries, analyses and recording links of calls that came in before
  /// `before`, and their tool-call answers; keeps the metadata. Returns the calls purged.
  static std::int64_t purge_content(pqxx::work& tx, Clock::time_point before, int limit);
};

/// JSON of the transcript as stored and shown: [{"role","text","tool_name","at",...}].
std::string transcript_json(const std::vector<TranscriptEntry>& entries);
/// {"structured_data": ..., "success_evaluation": ...} or nullopt when the report had neither.
std::optional<std::string> analysis_json(const VapiMessage& report);

std::string call_started_event(const CallRecord& call);
std::string call_completed_event(const CallRecord& call);
std::string call_escalated_event(const NewEscalation& e);

}  // namespace kx::telephony
