#include "call_recorder.hpp"

#include "kx/crypto/crypto.hpp"
#include "kx/log/log.hpp"
#include "kx/metrics/metrics.hpp"

namespace kx::telephony {
namespace {

constexpr int kOverdueBatch = 100;

// What every message may tell about who calls: filled in once, never overwritten.
void learn_caller(CallRecord& c, const VapiMessage& m) {
  if (!c.caller_number && !m.call.customer_number.empty())
    c.caller_number = m.call.customer_number;
  if (c.call_type.empty())
    c.call_type = m.call.type;
  c.test = c.test || m.call.is_web_call();
}

// The final status from the ended reason. A call that never reached the assistant has no talk
// time, whatever duration Vapi measured (ringing, a failed start): it is never charged.
void settle_status(CallRecord& c, bool escalated) {
  c.status = final_status(c.ended_reason, c.started_at.has_value(), escalated);
  c.transferred = c.status == CallStatus::transferred;
  if (auto failure = forwarding_failure(c.ended_reason))
    c.forwarding_outcome = std::string(*failure);
  if (never_connected(c.ended_reason))
    c.duration_seconds = 0;
}

CallContent content_of(const VapiMessage& m) {
  CallContent content;
  content.messages_json = transcript_json(m.transcript);
  content.summary = m.summary;
  content.analysis_json = analysis_json(m);
  if (!m.recording_url.empty())
    content.recording_url = m.recording_url;
  if (!m.stereo_recording_url.empty())
    content.stereo_recording_url = m.stereo_recording_url;
  content.cost_usd_micros = m.cost_usd_micros;
  return content;
}

}  // namespace

CallRecord new_call(const VapiMessage& m, const AgentRoute& route, Clock::time_point now) {
  CallRecord c;
  c.id = crypto::uuid_v7();
  c.vapi_call_id = m.call.id;
  c.agent_id = route.agent_id;
  c.user_id = route.user_id;
  c.created_at = m.call.created_at.value_or(m.timestamp.value_or(now));
  learn_caller(c, m);
  return c;
}

CallRecord with_status_update(CallRecord c, const VapiMessage& m, Clock::time_point now) {
  if (c.report_received || c.completed_published)
    return c;
  learn_caller(c, m);
  auto at = m.timestamp.value_or(now);
  if (m.status == "ended") {
    if (!c.started_at && m.call.started_at)
      c.started_at = m.call.started_at;
    if (m.call.ended_at)
      c.ended_at = m.call.ended_at;
    else if (!c.ended_at)
      c.ended_at = at;
    if (!m.ended_reason.empty())
      c.ended_reason = m.ended_reason;
    c.duration_seconds = call_duration_seconds({std::nullopt, c.started_at, c.ended_at});
    settle_status(c, false);
    return c;
  }
  if (auto live = live_status_from_update(m.status)) {
    if (progress_rank(*live) > progress_rank(c.status))
      c.status = *live;
    if (*live == CallStatus::in_progress && !c.started_at)
      c.started_at = m.call.started_at.value_or(at);
  }
  return c;
}

CallRecord with_report(CallRecord c, const VapiMessage& m, bool escalated, bool booked,
                       Clock::time_point now) {
  learn_caller(c, m);
  if (!m.ended_reason.empty())
    c.ended_reason = m.ended_reason;
  if (c.ended_reason.empty())
    c.ended_reason = "unknown";
  if (m.started_at)
    c.started_at = m.started_at;
  if (m.ended_at)
    c.ended_at = m.ended_at;
  if (!c.ended_at)
    c.ended_at = m.timestamp.value_or(now);
  auto duration = call_duration_seconds({m.reported_duration_seconds, c.started_at, c.ended_at});
  c.duration_seconds = duration;
  if (!c.started_at && duration > 0 && !never_connected(c.ended_reason))
    c.started_at = *c.ended_at - std::chrono::seconds(duration);
  settle_status(c, escalated);
  c.appointment_booked = booked;
  if (m.summary)
    c.summary = m.summary;
  c.report_received = true;
  return c;
}

CallRecord CallRecorder::lock(pqxx::transaction_base& tx, const VapiMessage& m,
                              const AgentRoute& route) {
  return Calls::lock_or_create(tx, new_call(m, route, Clock::now()));
}

std::vector<events::NewEvent> CallRecorder::announce(CallRecord& call, bool completed) {
  std::vector<events::NewEvent> out;
  const bool started = call.started_at && !call.started_published;
  if (started)
    out.push_back({"call.started", call.user_id, call.id, call_started_event(call)});
  if (completed) {
    out.push_back({"call.completed", call.user_id, call.id, call_completed_event(call)});
    out.back().id = crypto::uuid_v7();
    call.completed_event_id = out.back().id;
    call.completed_published = true;
  }
  call.started_published = call.started_published || started;
  return out;
}

void CallRecorder::add_to_outbox(pqxx::work& tx,
                                 const std::vector<events::NewEvent>& events) const {
  outbox_.add(tx, events);
  count_completed(events);
}

void CallRecorder::count_completed(const std::vector<events::NewEvent>& events) {
  if (!events.empty() && events.back().type == "call.completed")
    metrics::Registry::global()
        .counter("kx_calls_completed_total", "Calls completed (call.completed published)")
        .inc();
}

void CallRecorder::publish(pqxx::work& tx, CallRecord& call, bool completed) const {
  add_to_outbox(tx, announce(call, completed));
}

void CallRecorder::record_status_update(pqxx::work& tx, const VapiMessage& m,
                                        const AgentRoute& route) {
  auto call = with_status_update(lock(tx, m, route), m, Clock::now());
  publish(tx, call, false);
  Calls::save(tx, call);
}

bool CallRecorder::record_report(pqxx::work& tx, const VapiMessage& m, const AgentRoute& route) {
  return record_report(tx, m, route, Calls::lock(tx, m.call.id));
}

bool CallRecorder::record_report(pqxx::work& tx, const VapiMessage& m, const AgentRoute& route,
                                 std::optional<CallRecord> call) {
  if (!call) {
    // The report is the first we hear of the call: stored complete in one statement. A new row
    // has no escalations or tool calls (both are recorded only once the row exists).
    const auto now = Clock::now();
    auto done = with_report(new_call(m, route, now), m, false, false, now);
    auto events = announce(done, true);
    if (Calls::insert_report(tx, done, content_of(m), outbox_.prepare(events))) {
      count_completed(events);
      return true;
    }
    call = lock(tx, m, route);  // a concurrent message created it meanwhile
  }
  if (call->report_received)
    return false;
  auto flags = Calls::outcome_flags(tx, *call);
  auto done = with_report(*call, m, flags.escalated, flags.appointment_booked, Clock::now());
  bool first = !done.completed_published;
  publish(tx, done, first);
  Calls::save_report(tx, done, content_of(m));
  // Escalations are added only under this call's row lock, so none appeared since the flags.
  if (flags.escalated)
    Calls::settle_escalations(tx, done.id, done.transferred);
  return first;
}

std::size_t CallRecorder::finish_overdue(std::chrono::milliseconds wait, Clock::time_point now) {
  auto ids = pg::transact(
      db_, [&](pqxx::work& tx) { return Calls::overdue(tx, now - wait, kOverdueBatch); });
  std::size_t finished = 0;
  for (const auto& vapi_call_id : ids) {
    bool done_one = pg::transact(db_, [&](pqxx::work& tx) {
      auto call = Calls::lock(tx, vapi_call_id);
      if (!call || call->completed_published)
        return false;
      auto flags = Calls::outcome_flags(tx, *call);
      auto done = with_report(*call, VapiMessage{}, flags.escalated, flags.appointment_booked, now);
      done.report_received = false;  // a late report still brings its content
      publish(tx, done, true);
      Calls::save(tx, done);
      Calls::settle_escalations(tx, done.id, done.transferred);
      return true;
    });
    if (done_one) {
      ++finished;
      log::warn("call finished without an end-of-call report", {{"vapi_call_id", vapi_call_id}});
    }
  }
  return finished;
}

}  // namespace kx::telephony
