#pragma once
// Turns Vapi's status updates and end-of-call reports into one call record per Vapi call and
// publishes call.started and call.completed exactly once each, whatever order the messages
// arrive in and however often they repeat: every change happens in one transaction that first
// locks the call's row, and the "published" flags live in that row.

#include <chrono>
#include <cstddef>

#include "calls.hpp"
#include "kx/events/events.hpp"
#include "kx/pg/pg.hpp"
#include "routing_store.hpp"
#include "vapi_message.hpp"

namespace kx::telephony {

/// A new call row for a message about a call we have not seen (not yet stored).
CallRecord new_call(const VapiMessage& message, const AgentRoute& route, Clock::time_point now);
/// The call after a status-update; a call whose report arrived is not changed.
CallRecord with_status_update(CallRecord call, const VapiMessage& update, Clock::time_point now);
/// The call after its end-of-call report: final status, times, duration, flags.
CallRecord with_report(CallRecord call, const VapiMessage& report, bool escalated,
                       bool appointment_booked, Clock::time_point now);

/// Thread-safe (state lives in the database).
class CallRecorder {
 public:
  CallRecorder(pg::Pool& db, const events::Outbox& outbox) : db_(db), outbox_(outbox) {}

  /// Records a status update inside the caller's transaction.
  void record_status_update(pqxx::work& tx, const VapiMessage& update, const AgentRoute& route);
  /// Records a report inside the caller's transaction; returns true when this report completed
  /// the call (false for a repeat).
  bool record_report(pqxx::work& tx, const VapiMessage& report, const AgentRoute& route);
  /// record_report() with the call as Calls::lock() found it in this transaction.
  bool record_report(pqxx::work& tx, const VapiMessage& report, const AgentRoute& route,
                     std::optional<CallRecord> stored);
  /// Publishes call.completed for calls that ended longer than `wait` ago without a report, from
  /// what the status updates told; a report arriving later still stores its content. Returns
  /// how many calls it finished.
  std::size_t finish_overdue(std::chrono::milliseconds wait, Clock::time_point now);

  /// The call's row inside `tx`, created when needed and locked.
  static CallRecord lock(pqxx::transaction_base& tx, const VapiMessage& message,
                         const AgentRoute& route);

 private:
  /// Adds call.started to the outbox once the call is known to have started (if not yet
  /// announced) and, when `completed`, call.completed with its id remembered in the record: one
  /// round trip. The record then says both are published; saving it stores that.
  void publish(pqxx::work& tx, CallRecord& call, bool completed) const;
  /// The events publish() adds, with call.completed's id made here; marks the record as
  /// publishing them (so it can be stored before they are added).
  static std::vector<events::NewEvent> announce(CallRecord& call, bool completed);
  void add_to_outbox(pqxx::work& tx, const std::vector<events::NewEvent>& events) const;
  /// Counts a call.completed among `events` (kx_calls_completed_total).
  static void count_completed(const std::vector<events::NewEvent>& events);

  pg::Pool& db_;
  const events::Outbox& outbox_;
};

}  // namespace kx::telephony
