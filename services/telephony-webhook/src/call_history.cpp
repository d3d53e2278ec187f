#include "call_history.hpp"

#include <algorithm>
#include <iterator>

#include "kx/json/json.hpp"
#include "kx/pg/pg.hpp"
#include "kx/pg/timestamp.hpp"

namespace kx::telephony {
namespace {

// A timestamp column as the API shows it: ISO-8601 UTC with milliseconds.
std::string ts(std::string_view column) {
  return "to_char(" + std::string(column) +
         " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
}

// The timestamps come as PostgreSQL prints them and are formatted here (pg::iso_utc): the list is
// the page owners open most, and to_char() for each of them was a tenth of PostgreSQL's time.
constexpr const char* kListColumns = R"sql(
       c.id, c.vapi_call_id, c.user_id, c.agent_id, coalesce(a.name, ''), c.status,
       c.ended_reason, c.caller_number, c.created_at, c.started_at, c.ended_at,
       c.duration_seconds, c.test, c.appointment_booked, c.transferred,
       EXISTS (SELECT 1 FROM escalations e WHERE e.call_id = c.id),
       c.recording_url IS NOT NULL OR c.stereo_recording_url IS NOT NULL, c.summary
FROM calls c LEFT JOIN agents a ON a.agent_id = c.agent_id)sql";

// The page sizes the dashboard and the API's documentation use, each with the one row more that
// tells whether another page follows.
constexpr int kPlannedLimits[] = {6, 11, 21, 26, 51, 101, 201};

// The call list is the page owners open most, so its statements are prepared: PostgreSQL parses
// and plans each once per connection. A prepared statement soon runs with a generic plan, made
// without the values, so an optional filter written as `$n IS NULL OR ...` would leave the
// planner nothing to fold (a sequential scan). Instead each combination of the filters a request
// uses is its own statement with only those conditions; a handful of combinations cover nearly
// every request, and each one's plan fits all its values (the owner and the keyset position
// start a scan of the (user_id, created_at DESC, id DESC) index).
class CallQuery {
 public:
  explicit CallQuery(const CallFilter& f) {
    if (f.owner)
      filter_ += " AND c.user_id = " + param(*f.owner, "text");
    if (f.status)
      filter_ += " AND c.status = " + param(*f.status, "text");
    if (f.agent_id)
      filter_ += " AND c.agent_id = " + param(*f.agent_id, "text");
    if (f.caller_digits)
      filter_ +=
          " AND regexp_replace(coalesce(c.caller_number, ''), '[^0-9]', '', 'g') LIKE '%' || " +
          param(*f.caller_digits, "text") + " || '%'";
    if (f.from)
      filter_ += " AND c.created_at >= " + param(*f.from, "timestamptz");
    if (f.to)
      filter_ += " AND c.created_at < " + param(*f.to, "timestamptz");
    if (f.test)
      filter_ += " AND c.test = " + param(*f.test ? "true" : "false", "boolean");
    filter_values_ = values_;
    // The page: after the keyset position, then limit and offset.
    page_ = filter_;
    if (f.after_created_at && f.after_id)
      page_ += " AND (c.created_at, c.id) < (" + param(*f.after_created_at, "timestamptz") + ", " +
               param(*f.after_id, "text") + ")";
    // The usual page sizes are written into the statement, and the offset only when there is
    // one: with `LIMIT $n` the generic plan is costed for an unknown share of the owner's calls,
    // looks far dearer than a custom plan for 51 rows, and PostgreSQL would plan every
    // execution anew. With the number in the text the generic plan is the same index scan and
    // is kept. Only a few numbers are written so (every distinct text is a statement each
    // connection keeps); any other limit, such as an export's, stays a parameter.
    page_ += " ORDER BY c.created_at DESC, c.id DESC LIMIT ";
    if (std::find(std::begin(kPlannedLimits), std::end(kPlannedLimits), f.limit) !=
        std::end(kPlannedLimits))
      page_ += std::to_string(f.limit);
    else
      page_ += param(std::to_string(f.limit), "bigint");
    if (f.offset != 0)
      page_ += " OFFSET " + param(std::to_string(f.offset), "bigint");
  }

  pqxx::result list(pqxx::transaction_base& tx) const {
    return run(tx, std::string("SELECT") + kListColumns + " WHERE true" + page_, values_);
  }
  /// The list with the number of matching calls, counted up to `cap`, in front of every row:
  /// the uncorrelated subquery runs once (an InitPlan). The count ignores the keyset position
  /// and the offset.
  pqxx::result page(pqxx::transaction_base& tx, std::int64_t cap) const {
    return run(
        tx,
        "SELECT (" + capped_count(cap) + ")," + std::string(kListColumns) + " WHERE true" + page_,
        values_);
  }
  std::int64_t count(pqxx::transaction_base& tx, std::int64_t cap) const {
    return run(tx, capped_count(cap), filter_values_)[0][0].as<std::int64_t>();
  }

 private:
  std::string param(std::string value, const char* type) {
    values_.push_back(std::move(value));
    return "$" + std::to_string(values_.size()) + "::" + type;
  }
  // Counts the newest matching calls, in the list's order: that order makes the owner's index
  // (user_id, created_at, id) the plan whatever the statistics say, read without the table.
  // Without it, a generic plan for an owner with many calls could be a sequential scan that
  // filters every row until it has `cap` of them (twice the time at 100,000 calls).
  std::string capped_count(std::int64_t cap) const {
    return "SELECT count(*) FROM (SELECT 1 FROM calls c WHERE true" + filter_ +
           " ORDER BY c.created_at DESC, c.id DESC LIMIT " + std::to_string(cap) + ") capped";
  }
  static pqxx::result run(pqxx::transaction_base& tx, const std::string& sql,
                          const std::vector<std::string>& values) {
    return pg::exec_prepared(tx, pg::Statement(sql), pqxx::prepare::make_dynamic_params(values));
  }

  std::string filter_;               ///< " AND ..." for each filter used
  std::string page_;                 ///< the filter, the keyset position, order, limit and offset
  std::vector<std::string> values_;  ///< for page_
  std::vector<std::string> filter_values_;  ///< for filter_ alone
};

std::optional<std::string> opt(const pqxx::field& f) {
  return f.get<std::string>();
}

CallSummary summary_from(const pqxx::row& r, int first) {
  CallSummary c;
  auto at = [&](int i) { return r[first + i]; };
  c.id = at(0).as<std::string>();
  c.vapi_call_id = at(1).as<std::string>();
  c.user_id = at(2).as<std::string>();
  c.agent_id = at(3).as<std::string>();
  c.agent_name = at(4).as<std::string>();
  c.status = at(5).as<std::string>();
  c.ended_reason = opt(at(6));
  c.caller_number = opt(at(7));
  const auto created_at = at(8).as<std::string>();
  c.created_at = pg::iso_utc(created_at);
  c.created_at_us = pg::iso_utc(created_at, 6);
  c.started_at = pg::iso_utc_nullable(opt(at(9)));
  c.ended_at = pg::iso_utc_nullable(opt(at(10)));
  c.duration_seconds = at(11).get<std::int64_t>();
  c.test = at(12).as<bool>();
  c.appointment_booked = at(13).as<bool>();
  c.transferred = at(14).as<bool>();
  c.escalated = at(15).as<bool>();
  c.has_recording = at(16).as<bool>();
  c.summary = opt(at(17));
  return c;
}

const std::string kCallDetail = std::string(R"sql(
SELECT json_build_object(
  'id', c.id, 'vapi_call_id', c.vapi_call_id, 'user_id', c.user_id, 'agent_id', c.agent_id,
  'agent_name', coalesce(a.name, ''), 'status', c.status, 'ended_reason', c.ended_reason,
  'caller_number', c.caller_number, 'call_type', c.call_type, 'test', c.test,
  'created_at', )sql") + ts("c.created_at") +
                                ", 'started_at', " + ts("c.started_at") + ", 'ended_at', " +
                                ts("c.ended_at") + R"sql(,
  'duration_seconds', c.duration_seconds, 'transcript', c.messages, 'summary', c.summary,
  'analysis', c.analysis, 'recording_url', c.recording_url,
  'stereo_recording_url', c.stereo_recording_url,
  'provider_cost_usd_micros', c.provider_cost_usd_micros,
  'appointment_booked', c.appointment_booked, 'transferred', c.transferred,
  'forwarding_outcome', c.forwarding_outcome,
  'content_removed_at', )sql" + ts("c.content_purged_at") +
                                R"sql(,
  'escalations', coalesce((
    SELECT json_agg(json_build_object('id', e.id, 'reason', e.reason, 'kind', e.kind,
                    'destination', e.destination,
                    'within_business_hours', e.within_business_hours, 'outcome', e.outcome,
                    'at', )sql" +
                                ts("e.at") + R"sql() ORDER BY e.at, e.id)
    FROM escalations e WHERE e.call_id = c.id), '[]'::json),
  'tool_calls', coalesce((
    SELECT json_agg(json_build_object('tool_call_id', t.tool_call_id, 'name', t.name,
                    'outcome', t.outcome, 'result', t.result,
                    'appointment_booked', t.appointment_booked, 'latency_ms', t.latency_ms,
                    'at', )sql" +
                                ts("t.created_at") + R"sql() ORDER BY t.created_at, t.tool_call_id)
    FROM tool_calls t WHERE t.vapi_call_id = c.vapi_call_id), '[]'::json)
)::text
FROM calls c LEFT JOIN agents a ON a.agent_id = c.agent_id
WHERE c.id = $1 AND ($2::text IS NULL OR c.user_id = $2))sql";

// $1 owner, $2 zone, $3 from, $4 to, $5 include test calls.
constexpr const char* kDayStats = R"sql(
WITH days AS (
  SELECT generate_series(($3::timestamptz AT TIME ZONE $2)::date,
                         (($4::timestamptz - interval '1 microsecond') AT TIME ZONE $2)::date,
                         interval '1 day')::date AS day
)
SELECT to_char(d.day, 'YYYY-MM-DD'), count(c.id), coalesce(sum(c.duration_seconds), 0)::bigint,
       coalesce(sum((coalesce(c.duration_seconds, 0) + 59) / 60), 0)::bigint
FROM days d LEFT JOIN calls c
  ON (c.created_at AT TIME ZONE $2)::date = d.day
 AND c.created_at >= $3::timestamptz AND c.created_at < $4::timestamptz
 AND ($1::text IS NULL OR c.user_id = $1) AND ($5 OR NOT c.test)
GROUP BY d.day ORDER BY d.day)sql";

// $1 owner, $2 zone, $3 include test calls.
constexpr const char* kMonthStats = R"sql(
SELECT to_char(now() AT TIME ZONE $2, 'YYYY-MM'), c.status, count(*),
       coalesce(sum(c.duration_seconds), 0)::bigint,
       coalesce(sum((coalesce(c.duration_seconds, 0) + 59) / 60), 0)::bigint
FROM calls c
WHERE ($1::text IS NULL OR c.user_id = $1) AND ($3 OR NOT c.test)
  AND c.created_at >= (date_trunc('month', now() AT TIME ZONE $2) AT TIME ZONE $2)
GROUP BY c.status ORDER BY c.status)sql";

constexpr const char* kMonthLabel = "SELECT to_char(now() AT TIME ZONE $1, 'YYYY-MM')";

// $1 owner, $2 agent, $3 kind, $4 from, $5 to.
constexpr const char* kEscalationWhere = R"sql(
WHERE ($1::text IS NULL OR e.user_id = $1)
  AND ($2::text IS NULL OR e.agent_id = $2)
  AND ($3::text IS NULL OR e.kind = $3)
  AND ($4::timestamptz IS NULL OR e.at >= $4::timestamptz)
  AND ($5::timestamptz IS NULL OR e.at < $5::timestamptz))sql";

const std::string kListEscalations = std::string(R"sql(
SELECT coalesce(json_agg(json_build_object(
         'id', x.id, 'call_id', x.call_id, 'user_id', x.user_id, 'agent_id', x.agent_id,
         'agent_name', x.agent_name, 'reason', x.reason, 'kind', x.kind,
         'destination', x.destination, 'within_business_hours', x.within_business_hours,
         'outcome', x.outcome, 'caller_number', x.caller_number, 'at', x.at)
       ORDER BY x.at_sort DESC, x.id DESC), '[]'::json)::text
FROM (
  SELECT e.id, e.call_id, e.user_id, e.agent_id, coalesce(a.name, '') AS agent_name, e.reason,
         e.kind, e.destination, e.within_business_hours, e.outcome, c.caller_number,
         )sql") + ts("e.at") + R"sql( AS at, e.at AS at_sort
  FROM escalations e JOIN calls c ON c.id = e.call_id
  LEFT JOIN agents a ON a.agent_id = e.agent_id)sql" +
                                     kEscalationWhere + R"sql(
  ORDER BY e.at DESC, e.id DESC LIMIT $6 OFFSET $7
) x)sql";

const std::string kCountEscalations =
    std::string("SELECT count(*) FROM escalations e") + kEscalationWhere;

// $1 owner, $2 from, $3 to (and $4 the time zone for days); one query per grouping keeps each
// readable.
constexpr const char* kEscalationRange = R"sql(
FROM escalations e
WHERE ($1::text IS NULL OR e.user_id = $1) AND e.at >= $2::timestamptz AND e.at < $3::timestamptz)sql";

std::string grouped_sql(std::string_view key) {
  return "SELECT " + std::string(key) + ", count(*) " + kEscalationRange + " GROUP BY 1 ORDER BY 1";
}
const std::string kEscalationTotals =
    std::string("SELECT count(*), count(*) FILTER (WHERE e.within_business_hours) ") +
    kEscalationRange;
const std::string kEscalationsByKind = grouped_sql("e.kind");
const std::string kEscalationsByOutcome = grouped_sql("e.outcome");
const std::string kEscalationsByReason = grouped_sql("e.reason");
const std::string kEscalationsPerDay = grouped_sql("to_char(e.at AT TIME ZONE $4, 'YYYY-MM-DD')");

template <typename... Params>
std::vector<std::pair<std::string, std::int64_t>> grouped(pqxx::work& tx, const std::string& sql,
                                                          const Params&... params) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const auto& r : tx.exec_params(sql, params...))
    out.emplace_back(r[0].template as<std::string>(), r[1].template as<std::int64_t>());
  return out;
}

}  // namespace

std::vector<CallSummary> CallHistory::list(pqxx::work& tx, const CallFilter& f) {
  std::vector<CallSummary> out;
  for (const auto& r : CallQuery(f).list(tx))
    out.push_back(summary_from(r, 0));
  return out;
}

CallPage CallHistory::page(pqxx::transaction_base& tx, const CallFilter& f, std::int64_t cap) {
  const CallQuery query(f);
  CallPage page;
  auto rows = query.page(tx, cap);
  for (const auto& r : rows)
    page.calls.push_back(summary_from(r, 1));
  if (!rows.empty())
    page.total = rows[0][0].as<std::int64_t>();
  else if (f.offset > 0 || f.after_id)  // past the last page: the total is still asked for
    page.total = query.count(tx, cap);
  return page;
}

std::optional<std::string> CallHistory::detail_json(pqxx::work& tx,
                                                    const std::optional<std::string>& owner,
                                                    const std::string& call_id) {
  auto res = tx.exec_params(kCallDetail, call_id, owner);
  if (res.empty())
    return std::nullopt;
  return res[0][0].as<std::string>();
}

CallStats CallHistory::stats(pqxx::work& tx, const std::optional<std::string>& owner,
                             const std::string& timezone, const std::string& from,
                             const std::string& to, bool include_test) {
  CallStats s;
  for (const auto& r : tx.exec_params(kDayStats, owner, timezone, from, to, include_test)) {
    DayStats d{r[0].as<std::string>(), r[1].as<std::int64_t>(), r[2].as<std::int64_t>(),
               r[3].as<std::int64_t>()};
    s.range_total.calls += d.calls;
    s.range_total.duration_seconds += d.duration_seconds;
    s.range_total.minutes += d.minutes;
    s.days.push_back(std::move(d));
  }
  s.month_total.date = tx.exec_params1(kMonthLabel, timezone)[0].as<std::string>();
  for (const auto& r : tx.exec_params(kMonthStats, owner, timezone, include_test)) {
    s.month_by_status.emplace_back(r[1].as<std::string>(), r[2].as<std::int64_t>());
    s.month_total.calls += r[2].as<std::int64_t>();
    s.month_total.duration_seconds += r[3].as<std::int64_t>();
    s.month_total.minutes += r[4].as<std::int64_t>();
  }
  return s;
}

std::string CallHistory::escalations_json(pqxx::work& tx, const EscalationFilter& f) {
  return tx
      .exec_params1(kListEscalations, f.owner, f.agent_id, f.kind, f.from, f.to, f.limit,
                    f.offset)[0]
      .as<std::string>();
}

std::int64_t CallHistory::count_escalations(pqxx::work& tx, const EscalationFilter& f) {
  return tx.exec_params1(kCountEscalations, f.owner, f.agent_id, f.kind, f.from, f.to)[0]
      .as<std::int64_t>();
}

EscalationStats CallHistory::escalation_stats(pqxx::work& tx,
                                              const std::optional<std::string>& owner,
                                              const std::string& zone, const std::string& from,
                                              const std::string& to) {
  EscalationStats s;
  auto totals = tx.exec_params1(kEscalationTotals, owner, from, to);
  s.total = totals[0].as<std::int64_t>();
  s.within_business_hours = totals[1].as<std::int64_t>();
  s.by_kind = grouped(tx, kEscalationsByKind, owner, from, to);
  s.by_outcome = grouped(tx, kEscalationsByOutcome, owner, from, to);
  s.by_reason = grouped(tx, kEscalationsByReason, owner, from, to);
  s.per_day = grouped(tx, kEscalationsPerDay, owner, from, to, zone);
  return s;
}

void write_call_summary(json::Writer& w, const CallSummary& c, bool with_owner) {
  w.begin_object().field("id", c.id).field("vapi_call_id", c.vapi_call_id);
  if (with_owner)
    w.field("user_id", c.user_id);
  w.field("agent_id", c.agent_id)
      .field("agent_name", c.agent_name)
      .field("status", c.status)
      .field("ended_reason", c.ended_reason)
      .field("caller_number", c.caller_number)
      .field("created_at", c.created_at)
      .field("started_at", c.started_at)
      .field("ended_at", c.ended_at)
      .field("duration_seconds", c.duration_seconds)
      .field("test", c.test)
      .field("appointment_booked", c.appointment_booked)
      .field("transferred", c.transferred)
      .field("escalated", c.escalated)
      .field("has_recording", c.has_recording)
      .field("summary", c.summary)
      .end_object();
}

}  // namespace kx::telephony
