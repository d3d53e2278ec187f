#include "completion_records.hpp"

#include <algorithm>
#include <chrono>

#include "calls.hpp"
#include "kx/http/error.hpp"
#include "kx/http/query.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "kx/metrics/metrics.hpp"
#include "kx/pg/list.hpp"

namespace kx::telephony {
namespace {

using http::Access;
using http::Request;
using http::Response;

constexpr int kMaxWindowDays = 31;
constexpr int kMaxPage = 5'000;
constexpr std::size_t kMaxRepublish = 500;

// The day a call counts for is the UTC day of the ended_at its call.completed carries
// (call_completed_event); calls_completed_day indexes exactly this expression.
const std::string kCallEnd = "coalesce(c.ended_at, c.created_at)";
const std::string kOnDays = " >= $1::date::timestamp AT TIME ZONE 'UTC' AND " + kCallEnd +
                            " < ($2::date + 1)::timestamp AT TIME ZONE 'UTC'";

const pg::Statement kDays(R"sql(
SELECT user_id, day::text, calls, digest FROM (
  SELECT c.user_id, ()sql" +
                          kCallEnd + R"sql( AT TIME ZONE 'UTC')::date AS day, count(*) AS calls,
         sum(('x' || substr(md5(c.id), 1, 15))::bit(60)::bigint)::text AS digest
  FROM calls c
  WHERE c.completed_published AND )sql" +
                          kCallEnd + kOnDays + R"sql(
  GROUP BY 1, 2
) d
WHERE (user_id, day) > ($3, $4::date)
ORDER BY user_id, day LIMIT $5)sql");

// $1 and $2 are both the day asked for.
const pg::Statement kCalls(R"sql(
SELECT c.id,
       (extract(epoch FROM now() - coalesce(o.published_at, c.completed_at, c.updated_at)) *
        1000)::bigint,
       coalesce(o.published_at IS NULL, false)
FROM calls c LEFT JOIN outbox o ON o.event_id = c.completed_event_id
WHERE c.completed_published AND c.user_id = $3 AND )sql" +
                           kCallEnd + kOnDays + R"sql(
  AND c.id > $4
ORDER BY c.id LIMIT $5)sql");

// Locks the calls, so a concurrent re-publish of the same call waits and then finds its row
// pending instead of writing a second one.
constexpr const char* kRepublishTargets = R"sql(
SELECT c.id, c.vapi_call_id, coalesce(c.completed_event_id::text, ''), o.event_id IS NOT NULL,
       coalesce(o.published_at IS NOT NULL, false)
FROM calls c LEFT JOIN outbox o ON o.event_id = c.completed_event_id
WHERE c.id = ANY (string_to_array($1, ',')) AND c.completed_published
ORDER BY c.id FOR UPDATE OF c)sql";

// The relay publishes rows without published_at in seq order and keeps a published row for a
// week; handing the row back to it sends the same event (id, time, data) once more.
constexpr const char* kRequeue = R"sql(
UPDATE outbox SET published_at = NULL, attempts = 0, last_error = NULL
WHERE event_id = $1::uuid AND published_at IS NOT NULL)sql";
constexpr const char* kAdoptEventId =
    "UPDATE outbox SET event_id = $2::uuid WHERE event_id = $1::uuid";

}  // namespace

std::vector<CompletionDay> CompletionRecords::days(pqxx::transaction_base& tx,
                                                   const std::string& from, const std::string& to,
                                                   const std::string& after_user_id,
                                                   const std::string& after_day, int limit) {
  auto res = pg::exec_prepared(tx, kDays, from, to, after_user_id,
                               after_day.empty() ? std::string("0001-01-01") : after_day, limit);
  std::vector<CompletionDay> out;
  out.reserve(res.size());
  for (const auto& r : res)
    out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::int64_t>(),
                   r[3].as<std::string>()});
  return out;
}

std::vector<CompletedCall> CompletionRecords::calls(pqxx::transaction_base& tx,
                                                    const std::string& user_id,
                                                    const std::string& day,
                                                    const std::string& after_call_id, int limit) {
  auto res = pg::exec_prepared(tx, kCalls, day, day, user_id, after_call_id, limit);
  std::vector<CompletedCall> out;
  out.reserve(res.size());
  for (const auto& r : res)
    out.push_back({r[0].as<std::string>(), r[1].as<std::int64_t>(), r[2].as<bool>()});
  return out;
}

RepublishResult CompletionRecords::republish(pqxx::work& tx, const events::Outbox& outbox,
                                             const std::vector<std::string>& call_ids) {
  RepublishResult result;
  auto targets = tx.exec_params(kRepublishTargets, pg::comma_list(call_ids));
  result.unknown = static_cast<std::int64_t>(call_ids.size() - targets.size());
  for (const auto& t : targets) {
    auto event_id = t[2].as<std::string>();
    bool in_outbox = t[3].as<bool>();
    bool published = t[4].as<bool>();
    if (in_outbox && !published) {
      ++result.pending;
      continue;
    }
    if (in_outbox) {
      tx.exec_params(kRequeue, event_id);
      ++result.requeued;
      continue;
    }
    // Pruned from the outbox (older than its retention): the same facts as a new row, which then
    // takes over the original id so the consumers' inboxes still recognise the event.
    auto call = Calls::lock(tx, t[1].as<std::string>());
    if (!call) {
      ++result.unknown;
      continue;
    }
    auto fresh_id =
        outbox.add(tx, "call.completed", call->user_id, call->id, call_completed_event(*call));
    if (event_id.empty())
      Calls::mark_completed(tx, call->id, fresh_id);
    else
      tx.exec_params(kAdoptEventId, fresh_id, event_id);
    ++result.rebuilt;
  }
  return result;
}

void CompletionRecordsApi::add_routes(http::Router& r) {
  const http::RouteOptions read{.max_body = 0, .access = Access::service};
  const http::RouteOptions write{.max_body = 64 * 1024, .access = Access::service};
  r.add("GET", "/internal/reconciliation/call-completions/days", *this, &CompletionRecordsApi::days,
        read);
  r.add("GET", "/internal/reconciliation/call-completions", *this, &CompletionRecordsApi::calls,
        read);
  r.add("POST", "/internal/reconciliation/call-completions/republish", *this,
        &CompletionRecordsApi::republish, write);
}

Response CompletionRecordsApi::days(Request& req) {
  http::QueryParams q(req);
  auto from = q.date("from");
  auto to = q.date("to");
  if (!from)
    q.add_error("from", "ist erforderlich (JJJJ-MM-TT)");
  if (!to)
    q.add_error("to", "ist erforderlich (JJJJ-MM-TT)");
  if (from && to && (*to < *from || *to - *from >= std::chrono::days(kMaxWindowDays)))
    q.add_error("to", "muss zwischen from und höchstens " + std::to_string(kMaxWindowDays) +
                          " Tage danach liegen");
  auto after_user_id = q.text("after_user_id", 100).value_or("");
  auto after_day = q.date("after_day");
  int limit = q.integer("limit", 1'000, 1, kMaxPage);
  q.require_valid();
  auto rows = pg::autocommit(db_, [&](pqxx::transaction_base& tx) {
    return CompletionRecords::days(tx, http::format_date(*from), http::format_date(*to),
                                   after_user_id, after_day ? http::format_date(*after_day) : "",
                                   limit + 1);
  });
  bool more = rows.size() > static_cast<std::size_t>(limit);
  if (more)
    rows.pop_back();
  json::Writer w;
  w.begin_object().key("days").begin_array();
  for (const auto& d : rows) {
    w.begin_object()
        .field("user_id", d.user_id)
        .field("day", d.day)
        .field("calls", d.calls)
        .field("digest", d.digest)
        .end_object();
  }
  w.end_array().field("has_more", more).end_object();
  return Response::json(200, w.str());
}

Response CompletionRecordsApi::calls(Request& req) {
  http::QueryParams q(req);
  auto user_id = q.text("user_id", 100);
  auto day = q.date("day");
  if (!user_id)
    q.add_error("user_id", "ist erforderlich");
  if (!day)
    q.add_error("day", "ist erforderlich (JJJJ-MM-TT)");
  auto after = q.text("after", 100).value_or("");
  int limit = q.integer("limit", 1'000, 1, kMaxPage);
  q.require_valid();
  auto rows = pg::autocommit(db_, [&](pqxx::transaction_base& tx) {
    return CompletionRecords::calls(tx, *user_id, http::format_date(*day), after, limit + 1);
  });
  bool more = rows.size() > static_cast<std::size_t>(limit);
  if (more)
    rows.pop_back();
  json::Writer w;
  w.begin_object().key("calls").begin_array();
  for (const auto& c : rows) {
    w.begin_object()
        .field("call_id", c.call_id)
        .field("age_ms", c.age_ms)
        .field("pending", c.pending)
        .end_object();
  }
  w.end_array().field("has_more", more).end_object();
  return Response::json(200, w.str());
}

Response CompletionRecordsApi::republish(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  in.reject_unknown({"call_ids"});
  std::vector<std::string> ids;
  if (const auto* list = in.optional_array("call_ids")) {
    for (const auto& v : list->GetArray()) {
      if (!v.IsString() || !http::is_plain_token(v.GetString(), 100)) {
        in.add_error("call_ids", "muss eine Liste von Anruf-IDs sein");
        break;
      }
      ids.emplace_back(v.GetString());
    }
  } else {
    in.add_error("call_ids", "ist erforderlich");
  }
  if (ids.size() > kMaxRepublish)
    in.add_error("call_ids", "höchstens " + std::to_string(kMaxRepublish) + " Anrufe je Anfrage");
  http::require_valid(in);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  auto result = pg::transact(
      db_, [&](pqxx::work& tx) { return CompletionRecords::republish(tx, outbox_, ids); });
  metrics::Registry::global()
      .counter("kx_outbox_republished_total",
               "Events put into the outbox again on a consumer's reconciliation request",
               {{"topic", "call.completed"}})
      .inc(static_cast<double>(result.requeued + result.rebuilt));
  log::info("call.completed re-published for reconciliation", {{"caller", req.identity.role},
                                                               {"requeued", result.requeued},
                                                               {"rebuilt", result.rebuilt},
                                                               {"pending", result.pending},
                                                               {"unknown", result.unknown}});
  json::Writer w;
  w.begin_object()
      .field("requeued", result.requeued)
      .field("rebuilt", result.rebuilt)
      .field("pending", result.pending)
      .field("unknown", result.unknown)
      .end_object();
  return Response::json(200, w.str());
}

}  // namespace kx::telephony
