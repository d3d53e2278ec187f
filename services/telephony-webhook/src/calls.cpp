#include "calls.hpp"

#include "kx/crypto/crypto.hpp"
#include "kx/json/json.hpp"
#include "kx/pg/list.hpp"
#include "kx/pg/pg.hpp"
#include "kx/pg/timestamp.hpp"

namespace kx::telephony {
namespace {

// The statements of the webhook's hot paths are prepared: one plan suits every value.
// The times come as PostgreSQL prints them and are read with pg::iso_utc (see timestamp.hpp).
constexpr const char* kCallColumns = R"sql(
  id, vapi_call_id, agent_id, user_id, call_type, test, caller_number, status,
  coalesce(ended_reason, ''), created_at, started_at, ended_at, duration_seconds, appointment_booked, transferred, started_published, completed_published,
  report_received_at IS NOT NULL, summary, forwarding_outcome)sql";

const pg::Statement kLockCall(std::string("SELECT ") + kCallColumns +
                              " FROM calls WHERE vapi_call_id = $1 FOR UPDATE");

// The answers stored for some of a call's tool calls, as one JSON array.
std::string tool_answers_of(const char* vapi_call_id, const char* tool_call_ids) {
  return std::string(R"sql(
  SELECT coalesce(json_agg(json_build_object('id', tool_call_id, 'name', name,
    'outcome', outcome, 'result', coalesce(result, ''), 'booked', appointment_booked,
    'latency_ms', latency_ms)), '[]')::text AS list
  FROM tool_calls WHERE vapi_call_id = )sql") +
         vapi_call_id + " AND tool_call_id = ANY(" + tool_call_ids + "::text[])";
}

// One round trip for both cases: the new row, or the existing one locked; and with it the
// answers stored for the message's tool calls ($10, empty for other messages), so that a tool
// call Vapi sends again is answered as the first time, not run twice. Neither part sees the
// other's row (one snapshot), so a row another transaction committed after this statement
// began comes back from neither; the caller then locks it with kLockCall.
const pg::Statement kCreateOrLockCall(std::string(R"sql(
WITH created AS (
  INSERT INTO calls (id, vapi_call_id, agent_id, user_id, call_type, test, caller_number, status,
                     created_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::timestamptz)
  ON CONFLICT (vapi_call_id) DO NOTHING
  RETURNING )sql") + kCallColumns + R"sql(
), existing AS (
  SELECT )sql" + kCallColumns + R"sql( FROM calls WHERE vapi_call_id = $2 FOR UPDATE
)
SELECT c.*, answers.list FROM (SELECT * FROM created UNION ALL SELECT * FROM existing) c, ()sql" +
                                      tool_answers_of("$2", "$10") + ") answers");
const pg::Statement kToolAnswers(tool_answers_of("$1", "$2"));

// A tool-calls message's one round trip: the route of its call (RoutingStore::for_call, over
// the parameters from $9 on: by_assistant_sql or by_number_sql), the call created for the route's
// agent and owner or the existing one locked (as kCreateOrLockCall), and the stored answers of
// its tool calls ($8). No row: no route. A route without the call's columns: the row was
// committed by another transaction meanwhile.
std::string route_and_call(const std::string& route) {
  return "WITH route AS (" + route + R"sql(
), created AS (
  INSERT INTO calls (id, vapi_call_id, agent_id, user_id, call_type, test, caller_number, status,
                     created_at)
  SELECT $1::text, $2::text, route.agent_id, route.user_id, $3::text, $4::boolean, $5::text,
         $6::text, $7::timestamptz FROM route
  ON CONFLICT (vapi_call_id) DO NOTHING
  RETURNING )sql" +
         kCallColumns + R"sql(
), existing AS (
  SELECT )sql" +
         kCallColumns + R"sql( FROM calls
  WHERE vapi_call_id = $2 AND EXISTS (SELECT FROM route) FOR UPDATE
)
SELECT route.*, c.*, answers.list FROM route
  LEFT JOIN (SELECT * FROM created UNION ALL SELECT * FROM existing) c ON true,
  ()sql" +
         tool_answers_of("$2", "$8") + ") answers";
}
const pg::Statement kAssistantRouteAndCall(route_and_call(RoutingStore::by_assistant_sql("$9")));
const pg::Statement kNumberRouteAndCall(route_and_call(RoutingStore::by_number_sql("$9", "$10")));

// A report's one round trip before it is written: the route of its call (as above, over the
// parameters from $2 on) and the stored call ($1), if any, locked (kLockCall's columns, NULL when
// not stored).
std::string route_and_locked_call(const std::string& route) {
  return "WITH route AS (" + route + R"sql(
), locked AS (
  SELECT )sql" +
         kCallColumns + R"sql( FROM calls WHERE vapi_call_id = $1 FOR UPDATE
)
SELECT route.*, locked.* FROM route LEFT JOIN locked ON true)sql";
}
const pg::Statement kAssistantRouteAndLockedCall(
    route_and_locked_call(RoutingStore::by_assistant_sql("$2")));
const pg::Statement kNumberRouteAndLockedCall(
    route_and_locked_call(RoutingStore::by_number_sql("$2", "$3")));

constexpr const char* kSaveColumns = R"sql(
  status = $2, ended_reason = nullif($3, ''), started_at = $4::timestamptz,
  ended_at = $5::timestamptz, duration_seconds = $6, appointment_booked = $7, transferred = $8,
  started_published = $9, completed_published = $10, caller_number = $11, call_type = $12,
  test = $13, summary = $14,
  report_received_at = CASE WHEN $15 THEN coalesce(report_received_at, now()) END,
  forwarding_outcome = $16,
  completed_event_id = coalesce($17::uuid, completed_event_id),
  completed_at = CASE WHEN $17::uuid IS NULL THEN completed_at ELSE now() END,
  updated_at = now())sql";

const pg::Statement kSaveCall(std::string("UPDATE calls SET ") + kSaveColumns + " WHERE id = $1");

// The report's content in the same row version as its status. Content that arrives after the
// retention job ran for this call is not stored again.
const pg::Statement kSaveReport(std::string("UPDATE calls SET ") + kSaveColumns + R"sql(,
  messages = CASE WHEN content_purged_at IS NULL THEN $18::jsonb ELSE messages END,
  analysis = CASE WHEN content_purged_at IS NULL THEN $19::jsonb ELSE analysis END,
  recording_url = CASE WHEN content_purged_at IS NULL THEN $20 ELSE recording_url END,
  stereo_recording_url = CASE WHEN content_purged_at IS NULL THEN $21
                         ELSE stereo_recording_url END,
  provider_cost_usd_micros = CASE WHEN content_purged_at IS NULL
                             THEN coalesce($22, provider_cost_usd_micros)
                             ELSE provider_cost_usd_micros END
WHERE id = $1)sql");

// A call whose first message is its report (its status updates were lost or not sent) is
// written once, complete: one row version and one set of index entries instead of a created row
// and its update, and its events with it (one round trip). Nothing is written when a concurrent
// message created the call meanwhile. $1–$22 as in kSaveReport (bind_report), then what only a
// new row needs, then the events ($27).
const pg::Statement kInsertReport(std::string(R"sql(
WITH created AS (
  INSERT INTO calls (id, status, ended_reason, started_at, ended_at, duration_seconds,
                     appointment_booked, transferred, started_published, completed_published,
                     caller_number, call_type, test, summary, report_received_at,
                     forwarding_outcome, completed_event_id, completed_at, messages, analysis,
                     recording_url, stereo_recording_url, provider_cost_usd_micros,
                     vapi_call_id, agent_id, user_id, created_at)
  VALUES ($1, $2, nullif($3, ''), $4::timestamptz, $5::timestamptz, $6, $7, $8, $9, $10, $11, $12,
          $13, $14, CASE WHEN $15 THEN now() END, $16, $17::uuid,
          CASE WHEN $17::uuid IS NULL THEN NULL ELSE now() END, $18::jsonb, $19::jsonb, $20, $21,
          $22, $23, $24, $25, $26::timestamptz)
  ON CONFLICT (vapi_call_id) DO NOTHING RETURNING id
), )sql") + events::Outbox::insert_cte(27, "EXISTS (SELECT FROM created)") +
                                  "\nSELECT EXISTS (SELECT FROM created)");

const pg::Statement kMarkCompleted(
    "UPDATE calls SET completed_at = now(), completed_event_id = $2::uuid WHERE id = $1");

const pg::Statement kOutcomeFlags(R"sql(
SELECT EXISTS (SELECT 1 FROM escalations WHERE call_id = $1),
       EXISTS (SELECT 1 FROM tool_calls WHERE vapi_call_id = $2 AND appointment_booked))sql");

constexpr const char* kAddEscalation = R"sql(
INSERT INTO escalations (id, call_id, user_id, agent_id, source_key, reason, kind, destination,
                         within_business_hours, outcome, at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $7 = 'message' THEN 'message' ELSE 'pending' END,
        $10::timestamptz)
ON CONFLICT (source_key) DO NOTHING RETURNING id)sql";

constexpr const char* kSettleEscalations = R"sql(
UPDATE escalations SET outcome = CASE WHEN $2 THEN 'transferred' ELSE 'not_connected' END
WHERE call_id = $1 AND outcome = 'pending')sql";

const pg::Statement kRecordToolCall(R"sql(
INSERT INTO tool_calls (vapi_call_id, tool_call_id, name, outcome, result, appointment_booked,
                        latency_ms)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (vapi_call_id, tool_call_id) DO UPDATE SET outcome = EXCLUDED.outcome,
  result = EXCLUDED.result, appointment_booked = EXCLUDED.appointment_booked,
  latency_ms = EXCLUDED.latency_ms
WHERE tool_calls.outcome NOT IN ('ok', 'local'))sql");

constexpr const char* kOverdue = R"sql(
SELECT vapi_call_id FROM calls
WHERE NOT completed_published AND ended_at IS NOT NULL AND ended_at < $1::timestamptz
ORDER BY ended_at LIMIT $2)sql";

constexpr const char* kPurgeContent = R"sql(
WITH old AS (
  SELECT id, vapi_call_id FROM calls
  WHERE content_purged_at IS NULL AND created_at < $1::timestamptz
  ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED
), gone AS (
  DELETE FROM tool_calls t USING old WHERE t.vapi_call_id = old.vapi_call_id
)
UPDATE calls c SET messages = NULL, summary = NULL, analysis = NULL, recording_url = NULL,
  stereo_recording_url = NULL, content_purged_at = now()
FROM old WHERE c.id = old.id)sql";

std::optional<std::string> ts(const std::optional<Clock::time_point>& t) {
  if (!t)
    return std::nullopt;
  return json::utc_timestamp(*t);
}

std::optional<Clock::time_point> read_ts(const pqxx::field& f) {
  if (f.is_null())
    return std::nullopt;
  return parse_timestamp(pg::iso_utc(std::string_view(f.c_str(), f.size()), 6));
}

// The call in the row's columns from `first` on (kCallColumns).
CallRecord call_from(const pqxx::row& row, int first = 0) {
  auto r = [&](int i) { return row[first + i]; };
  CallRecord c;
  c.id = r(0).as<std::string>();
  c.vapi_call_id = r(1).as<std::string>();
  c.agent_id = r(2).as<std::string>();
  c.user_id = r(3).as<std::string>();
  c.call_type = r(4).as<std::string>();
  c.test = r(5).as<bool>();
  c.caller_number = r(6).get<std::string>();
  c.status = call_status_from_string(r(7).as<std::string>()).value_or(CallStatus::ringing);
  c.ended_reason = r(8).as<std::string>();
  c.created_at = read_ts(r(9)).value_or(Clock::time_point{});
  c.started_at = read_ts(r(10));
  c.ended_at = read_ts(r(11));
  c.duration_seconds = r(12).get<std::int64_t>();
  c.appointment_booked = r(13).as<bool>();
  c.transferred = r(14).as<bool>();
  c.started_published = r(15).as<bool>();
  c.completed_published = r(16).as<bool>();
  c.report_received = r(17).as<bool>();
  c.summary = r(18).get<std::string>();
  c.forwarding_outcome = r(19).get<std::string>();
  return c;
}

// A call that never connected starts when it came in.
std::string started_of(const CallRecord& c) {
  return json::utc_timestamp(c.started_at.value_or(c.created_at));
}

}  // namespace

CallRecord Calls::lock_or_create(pqxx::transaction_base& tx, const CallRecord& fresh) {
  return lock_or_create(tx, fresh, {}).call;
}

namespace {

std::map<std::string, ToolCallRecord> tool_answers_from(const std::string& vapi_call_id,
                                                        const pqxx::field& list) {
  std::map<std::string, ToolCallRecord> out;
  auto doc = json::parse(std::string_view(list.c_str(), list.size()));
  for (const auto& a : doc.GetArray()) {
    auto id = json::get_string(a, "id");
    out.insert_or_assign(
        id, ToolCallRecord{vapi_call_id, id, json::get_string(a, "name"),
                           json::get_string(a, "outcome"), json::get_string(a, "result"),
                           json::get_bool(a, "booked"), json::get_int(a, "latency_ms")});
  }
  return out;
}

// In the rows of route_and_call() and route_and_locked_call(), the call's first column: after the
// route's columns and its rank.
constexpr int kRoutedCall = RoutingStore::kRouteColumnCount + 1;

// The call row was committed by another transaction after the create-or-lock statement began,
// so that statement saw it in neither part: lock it, then read its stored answers.
Calls::LockedCall lock_committed_meanwhile(pqxx::transaction_base& tx,
                                           const std::string& vapi_call_id,
                                           const std::string& tool_call_ids) {
  auto res = pg::exec_prepared(tx, kLockCall, vapi_call_id);
  if (res.empty())
    throw std::logic_error("call row vanished inside its transaction");
  auto answers = pg::exec_prepared(tx, kToolAnswers, vapi_call_id, tool_call_ids);
  return {call_from(res[0]), tool_answers_from(vapi_call_id, answers[0][0])};
}

}  // namespace

Calls::LockedCall Calls::lock_or_create(pqxx::transaction_base& tx, const CallRecord& fresh,
                                        const std::vector<std::string>& tool_call_ids) {
  const auto ids = pg::text_array(tool_call_ids);
  auto res = pg::exec_prepared(
      tx, kCreateOrLockCall, fresh.id.empty() ? crypto::uuid_v7() : fresh.id, fresh.vapi_call_id,
      fresh.agent_id, fresh.user_id, fresh.call_type, fresh.test, fresh.caller_number,
      std::string(to_string(fresh.status)), json::utc_timestamp(fresh.created_at), ids);
  if (!res.empty())
    return {call_from(res[0]), tool_answers_from(fresh.vapi_call_id, res[0][20])};
  return lock_committed_meanwhile(tx, fresh.vapi_call_id, ids);
}

std::optional<Calls::RoutedCall> Calls::route_and_lock_or_create(
    pqxx::transaction_base& tx, const VapiCall& vapi_call, const CallRecord& fresh,
    const std::vector<std::string>& tool_call_ids) {
  const auto ids = pg::text_array(tool_call_ids);
  auto run = [&](const pg::Statement& statement, const auto&... route) {
    return pg::exec_prepared(tx, statement, fresh.id.empty() ? crypto::uuid_v7() : fresh.id,
                             fresh.vapi_call_id, fresh.call_type, fresh.test, fresh.caller_number,
                             std::string(to_string(fresh.status)),
                             json::utc_timestamp(fresh.created_at), ids, route...);
  };
  auto res = vapi_call.assistant_id.empty()
                 ? run(kNumberRouteAndCall, vapi_call.phone_number_id, vapi_call.phone_number)
                 : run(kAssistantRouteAndCall, vapi_call.assistant_id);
  if (res.empty())
    return std::nullopt;
  const auto& row = res[0];
  RoutedCall out{RoutingStore::route_from(row), {}};
  out.locked =
      row[kRoutedCall].is_null()
          ? lock_committed_meanwhile(tx, fresh.vapi_call_id, ids)
          : Calls::LockedCall{call_from(row, kRoutedCall),
                              tool_answers_from(fresh.vapi_call_id, row[kRoutedCall + 20])};
  return out;
}

std::optional<Calls::RoutedReport> Calls::route_and_lock(pqxx::work& tx,
                                                         const VapiCall& vapi_call) {
  auto res = vapi_call.assistant_id.empty()
                 ? pg::exec_prepared(tx, kNumberRouteAndLockedCall, vapi_call.id,
                                     vapi_call.phone_number_id, vapi_call.phone_number)
                 : pg::exec_prepared(tx, kAssistantRouteAndLockedCall, vapi_call.id,
                                     vapi_call.assistant_id);
  if (res.empty())
    return std::nullopt;
  RoutedReport out{RoutingStore::route_from(res[0]), std::nullopt};
  if (!res[0][kRoutedCall].is_null())
    out.call = call_from(res[0], kRoutedCall);
  return out;
}

std::optional<CallRecord> Calls::lock(pqxx::work& tx, const std::string& vapi_call_id) {
  auto res = pg::exec_prepared(tx, kLockCall, vapi_call_id);
  if (res.empty())
    return std::nullopt;
  return call_from(res[0]);
}

void Calls::mark_completed(pqxx::work& tx, const std::string& call_id,
                           const std::string& event_id) {
  pg::exec_prepared(tx, kMarkCompleted, call_id, event_id);
}

void Calls::save(pqxx::work& tx, const CallRecord& c) {
  pg::exec_prepared(tx, kSaveCall, c.id, std::string(to_string(c.status)), c.ended_reason,
                    ts(c.started_at), ts(c.ended_at), c.duration_seconds, c.appointment_booked,
                    c.transferred, c.started_published, c.completed_published, c.caller_number,
                    c.call_type, c.test, c.summary, c.report_received, c.forwarding_outcome,
                    c.completed_event_id);
}

namespace {

// Runs a report statement with the call's state and the report's content as $1–$22 (the order of
// kSaveReport), followed by `more`.
template <typename... More>
pqxx::result bind_report(pqxx::work& tx, const pg::Statement& statement, const CallRecord& c,
                         const CallContent& content, More&&... more) {
  return pg::exec_prepared(
      tx, statement, c.id, std::string(to_string(c.status)), c.ended_reason, ts(c.started_at),
      ts(c.ended_at), c.duration_seconds, c.appointment_booked, c.transferred, c.started_published,
      c.completed_published, c.caller_number, c.call_type, c.test, c.summary, c.report_received,
      c.forwarding_outcome, c.completed_event_id, content.messages_json, content.analysis_json,
      content.recording_url, content.stereo_recording_url, content.cost_usd_micros,
      std::forward<More>(more)...);
}

}  // namespace

void Calls::save_report(pqxx::work& tx, const CallRecord& c, const CallContent& content) {
  bind_report(tx, kSaveReport, c, content);
}

bool Calls::insert_report(pqxx::work& tx, const CallRecord& c, const CallContent& content,
                          const events::PreparedEvents& events) {
  return bind_report(tx, kInsertReport, c, content, c.vapi_call_id, c.agent_id, c.user_id,
                     json::utc_timestamp(c.created_at), events.rows)
      .at(0)[0]
      .as<bool>();
}

OutcomeFlags Calls::outcome_flags(pqxx::work& tx, const CallRecord& c) {
  auto r = pg::exec_prepared(tx, kOutcomeFlags, c.id, c.vapi_call_id).at(0);
  return {r[0].as<bool>(), r[1].as<bool>()};
}

std::optional<std::string> Calls::add_escalation(pqxx::work& tx, const NewEscalation& e) {
  auto res = tx.exec_params(kAddEscalation, crypto::uuid_v7(), e.call_id, e.user_id, e.agent_id,
                            e.source_key, e.reason, std::string(to_string(e.decision.kind)),
                            e.decision.destination(), e.decision.within_business_hours,
                            json::utc_timestamp(e.at));
  if (res.empty())
    return std::nullopt;
  return res[0][0].as<std::string>();
}

void Calls::settle_escalations(pqxx::work& tx, const std::string& call_id, bool transferred) {
  tx.exec_params(kSettleEscalations, call_id, transferred);
}

void Calls::record_tool_call(pqxx::transaction_base& tx, const ToolCallRecord& t) {
  pg::exec_prepared(tx, kRecordToolCall, t.vapi_call_id, t.tool_call_id, t.name, t.outcome,
                    t.result, t.appointment_booked, t.latency_ms);
}

std::vector<std::string> Calls::overdue(pqxx::work& tx, Clock::time_point ended_before, int limit) {
  std::vector<std::string> out;
  for (const auto& r : tx.exec_params(kOverdue, json::utc_timestamp(ended_before), limit))
    out.push_back(r[0].as<std::string>());
  return out;
}

std::int64_t Calls::purge_content(pqxx::work& tx, Clock::time_point before, int limit) {
  return static_cast<std::int64_t>(
      tx.exec_params(kPurgeContent, json::utc_timestamp(before), limit).affected_rows());
}

std::string transcript_json(const std::vector<TranscriptEntry>& entries) {
  json::Writer w;
  w.begin_array();
  for (const auto& e : entries) {
    w.begin_object().field("role", e.role).field("text", e.text);
    if (!e.tool_name.empty())
      w.field("tool_name", e.tool_name);
    if (e.time_ms)
      w.field("at", json::utc_timestamp(Clock::time_point(std::chrono::milliseconds(*e.time_ms))));
    if (e.seconds_from_start)
      w.field("seconds_from_start", *e.seconds_from_start);
    w.end_object();
  }
  w.end_array();
  return w.str();
}

std::optional<std::string> analysis_json(const VapiMessage& m) {
  if (!m.structured_data_json && !m.success_evaluation)
    return std::nullopt;
  json::Writer w;
  w.begin_object().key("structured_data");
  if (m.structured_data_json)
    w.raw(*m.structured_data_json);
  else
    w.null();
  w.field("success_evaluation", m.success_evaluation).end_object();
  return w.str();
}

namespace {

// The fields call.started and call.completed share, into an open object.
json::Writer& write_call_identity(json::Writer& w, const CallRecord& c) {
  return w.field("call_id", c.id)
      .field("vapi_call_id", c.vapi_call_id)
      .field("agent_id", c.agent_id)
      .field("user_id", c.user_id)
      .field("caller_number", c.caller_number)
      .field("test", c.test);
}

}  // namespace

std::string call_started_event(const CallRecord& c) {
  json::Writer w;
  w.begin_object();
  write_call_identity(w, c).field("started_at", started_of(c)).end_object();
  return w.str();
}

std::string call_completed_event(const CallRecord& c) {
  json::Writer w;
  w.begin_object();
  write_call_identity(w, c)
      .field("status", std::string(to_string(c.status)))
      .field("ended_reason", c.ended_reason.empty() ? std::string("unknown") : c.ended_reason)
      .field("started_at", started_of(c))
      .field("ended_at", json::utc_timestamp(c.ended_at.value_or(c.created_at)))
      .field("duration_seconds", c.duration_seconds.value_or(0))
      .field("summary", c.summary)
      .field("appointment_booked", c.appointment_booked)
      .field("transferred", c.transferred);
  if (c.forwarding_outcome)
    w.field("forwarding_outcome", *c.forwarding_outcome);
  w.end_object();
  return w.str();
}

std::string call_escalated_event(const NewEscalation& e) {
  json::Writer w;
  w.begin_object()
      .field("call_id", e.call_id)
      .field("agent_id", e.agent_id)
      .field("user_id", e.user_id)
      .field("reason", e.reason)
      .field("destination", e.decision.destination())
      .field("kind", std::string(to_string(e.decision.kind)))
      .field("within_business_hours", e.decision.within_business_hours)
      .field("at", json::utc_timestamp(e.at))
      .end_object();
  return w.str();
}

}  // namespace kx::telephony
