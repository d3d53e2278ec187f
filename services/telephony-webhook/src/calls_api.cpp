#include "calls_api.hpp"

#include <algorithm>
#include <initializer_list>

#include "call_rules.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/events/audit.hpp"
#include "kx/http/error.hpp"
#include "kx/http/query.hpp"
#include "kx/json/json.hpp"
#include "kx/text/csv.hpp"
#include "kx/time/zone.hpp"

namespace kx::telephony {
namespace {

using http::Error;
using http::Request;
using http::Response;

constexpr const char* kDefaultZone = "Europe/Berlin";
constexpr int kMaxExportRows = 10'000;
constexpr int kDefaultStatsDays = 30;
constexpr std::int64_t kMaxStatsDays = 366;
// The list counts at most this many calls; beyond it the total says "more than".
constexpr std::int64_t kTotalCap = 1'000;
constexpr char kCursorVersion[] = "c1";
constexpr char kCursorSeparator = '\x1f';

// The call history's query parameters: the common ones plus phone number digits, a time zone
// (`tz`, default Europe/Berlin) and times or dates read in it.
class QueryReader : public http::QueryParams {
 public:
  explicit QueryReader(const Request& req) : QueryParams(req) {}

  /// Digits of a (partial) phone number.
  std::optional<std::string> digits(const char* name) {
    auto v = text(name, 40);
    if (!v)
      return std::nullopt;
    std::string out;
    for (char c : *v) {
      if (c >= '0' && c <= '9')
        out += c;
    }
    if (out.empty()) {
      add_error(name, "muss Ziffern enthalten");
      return std::nullopt;
    }
    return out;
  }

  const time::Zone& zone() {
    if (zone_)
      return *zone_;
    zone_ = time::Zone::find(raw("tz").value_or(kDefaultZone));
    if (!zone_) {
      add_error("tz", "ist keine bekannte Zeitzone");
      zone_ = time::Zone::utc();
    }
    return *zone_;
  }
  std::string zone_name() { return std::string(zone().name()); }

  /// An ISO-8601 time, or a date (YYYY-MM-DD) meaning local midnight in the `tz` zone; as an
  /// upper bound a date includes the whole day.
  std::optional<Clock::time_point> time(const char* name, bool upper_bound) {
    auto v = text(name, 40);
    if (!v)
      return std::nullopt;
    if (auto t = parse_timestamp(*v))
      return t;
    if (auto day = http::parse_date(*v))
      return zone().start_of_day(upper_bound ? *day + std::chrono::days(1) : *day);
    add_error(name, "ist kein gültiges Datum (JJJJ-MM-TT oder ISO-8601)");
    return std::nullopt;
  }

 private:
  std::optional<time::Zone> zone_;
};

std::optional<std::string> iso(const std::optional<Clock::time_point>& t) {
  if (!t)
    return std::nullopt;
  return json::utc_timestamp(*t);
}

std::optional<std::string> scope(const Request& req, bool admin, QueryReader& q) {
  if (admin)
    return q.text("user_id", 128);
  return req.identity.user_id;
}

// Whose list a cursor belongs to: the owner, or for an admin the owner filter ("" for all).
std::string cursor_scope(const CallFilter& f) {
  return f.owner.value_or("");
}

// Opaque to clients: base64url of version, scope, created_at (microseconds) and id of the last
// call shown. It carries no secret, since a forged one can only move inside the scope it names,
// and that scope must be the requester's own.
std::string call_cursor(const CallFilter& f, const CallSummary& last) {
  std::string raw = kCursorVersion;
  for (const auto& part : {cursor_scope(f), last.created_at_us, last.id})
    (raw += kCursorSeparator) += part;
  return crypto::base64url_encode(raw);
}

// Sets the keyset position of `f` from the `cursor` parameter, or records why it cannot.
void read_cursor(QueryReader& q, CallFilter& f) {
  auto text = q.text("cursor", 1024);
  if (!text)
    return;
  std::vector<std::string> parts;
  if (auto raw = crypto::base64url_decode(*text)) {
    std::string_view rest = *raw;
    for (auto sep = rest.find(kCursorSeparator); sep != std::string_view::npos;
         sep = rest.find(kCursorSeparator)) {
      parts.emplace_back(rest.substr(0, sep));
      rest.remove_prefix(sep + 1);
    }
    parts.emplace_back(rest);
  }
  if (parts.size() != 4 || parts[0] != kCursorVersion || !parse_timestamp(parts[2]) ||
      parts[3].empty() || parts[3].size() > 128) {
    q.add_error("cursor", "ist ungültig; bitte laden Sie die Liste neu");
    return;
  }
  if (parts[1] != cursor_scope(f)) {
    q.add_error("cursor", "gehört zu einer anderen Liste; bitte laden Sie die Liste neu");
    return;
  }
  if (f.offset != 0)
    q.add_error("offset", "ist zusammen mit \"cursor\" nicht möglich");
  f.after_created_at = parts[2];
  f.after_id = parts[3];
}

CallFilter call_filter(const Request& req, bool admin, QueryReader& q, int max_limit,
                       int default_limit) {
  CallFilter f;
  q.zone();  // date values are read in it; a bad zone is an error even without dates
  f.owner = scope(req, admin, q);
  f.status = q.one_of("status", {"ringing", "in_progress", "completed", "failed", "no_answer",
                                 "busy", "transferred", "escalated", "voicemail"});
  f.agent_id = q.text("agent_id", 128);
  f.caller_digits = q.digits("caller");
  f.from = iso(q.time("from", false));
  f.to = iso(q.time("to", true));
  f.test = q.flag("test");
  auto page = q.page(default_limit, max_limit);
  f.limit = page.limit;
  f.offset = page.offset;
  return f;
}

void write_counts(json::Writer& w, std::string_view key,
                  const std::vector<std::pair<std::string, std::int64_t>>& counts) {
  w.key(key).begin_object();
  for (const auto& [name, n] : counts)
    w.field(name, n);
  w.end_object();
}

void write_day(json::Writer& w, const DayStats& d, std::string_view date_key) {
  w.begin_object();
  if (!date_key.empty())
    w.field(date_key, d.date);
  w.field("calls", d.calls)
      .field("duration_seconds", d.duration_seconds)
      .field("minutes", d.minutes)
      .end_object();
}

// The access itself is what the audit log keeps (who read whose transcript), so "after" names
// the call and what it holds, never the content.
void audit_view(const events::Outbox& outbox, pqxx::work& tx, const Request& req,
                const std::string& call_json) {
  auto call = json::parse(call_json);
  json::Writer after;
  after.begin_object()
      .field("call_id", json::get_string(call, "id"))
      .field("agent_id", json::get_string(call, "agent_id"))
      .field("transcript", call.HasMember("transcript") && !call["transcript"].IsNull())
      .field("recording", call.HasMember("recording_url") && !call["recording_url"].IsNull())
      .end_object();
  events::publish_audit(outbox, tx, req,
                        events::AuditRecord{.action = "call.view",
                                            .target_type = "call",
                                            .target_id = json::get_string(call, "id"),
                                            .after = after.str(),
                                            .user_id = json::get_string(call, "user_id")});
}

}  // namespace

std::string calls_csv(const std::vector<CallSummary>& calls, bool with_owner, char delimiter) {
  text::CsvWriter out(delimiter);
  auto row = [&](std::initializer_list<std::string> cells) {
    for (const auto& cell : cells)
      out.cell(cell);
    out.end_row();
  };
  auto bool_text = [](bool b) { return std::string(b ? "true" : "false"); };
  if (with_owner) {
    row({"call_id", "user_id", "created_at", "started_at", "ended_at", "duration_seconds", "status",
         "ended_reason", "agent_id", "agent_name", "caller_number", "test", "appointment_booked",
         "transferred", "escalated", "summary"});
  } else {
    row({"call_id", "created_at", "started_at", "ended_at", "duration_seconds", "status",
         "ended_reason", "agent_id", "agent_name", "caller_number", "test", "appointment_booked",
         "transferred", "escalated", "summary"});
  }
  for (const auto& c : calls) {
    auto duration = c.duration_seconds ? std::to_string(*c.duration_seconds) : std::string();
    if (with_owner) {
      row({c.id, c.user_id, c.created_at, c.started_at.value_or(""), c.ended_at.value_or(""),
           duration, c.status, c.ended_reason.value_or(""), c.agent_id, c.agent_name,
           c.caller_number.value_or(""), bool_text(c.test), bool_text(c.appointment_booked),
           bool_text(c.transferred), bool_text(c.escalated), c.summary.value_or("")});
    } else {
      row({c.id, c.created_at, c.started_at.value_or(""), c.ended_at.value_or(""), duration,
           c.status, c.ended_reason.value_or(""), c.agent_id, c.agent_name,
           c.caller_number.value_or(""), bool_text(c.test), bool_text(c.appointment_booked),
           bool_text(c.transferred), bool_text(c.escalated), c.summary.value_or("")});
    }
  }
  return out.str();
}

void CallsApi::add_routes(http::Router& r) {
  struct Endpoint {
    const char* path;
    Response (CallsApi::*fn)(Request&, bool);
  };
  // Literal paths before "{id}": the router takes the first match.
  const Endpoint endpoints[] = {
      {"/calls", &CallsApi::list},
      {"/calls/export.csv", &CallsApi::export_csv},
      {"/calls/stats", &CallsApi::stats},
      {"/calls/{id}", &CallsApi::detail},
      {"/escalations", &CallsApi::escalations},
      {"/escalations/stats", &CallsApi::escalation_stats},
  };
  for (bool admin : {false, true}) {
    for (const auto& e : endpoints) {
      r.add("GET", std::string(admin ? "/api/admin" : "/api") + e.path,
            [this, fn = e.fn, admin](Request& req) { return (this->*fn)(req, admin); },
            {.max_body = 0, .access = admin ? http::Access::admin : http::Access::user});
    }
  }
}

Response CallsApi::list(Request& req, bool admin) {
  QueryReader q(req);
  auto filter = call_filter(req, admin, q, 200, 50);
  read_cursor(q, filter);
  q.require_valid();
  const int limit = filter.limit;
  // One row more than asked tells whether another page follows.
  filter.limit = limit + 1;
  // One statement (a second only past the last page): no transaction around it.
  auto [calls, total] = pg::autocommit(db_, [&](pqxx::transaction_base& tx) {
    return CallHistory::page(tx, filter, kTotalCap + 1);
  });
  std::optional<std::string> next_cursor;
  if (calls.size() > static_cast<std::size_t>(limit)) {
    calls.resize(static_cast<std::size_t>(limit));
    next_cursor = call_cursor(filter, calls.back());
  }
  json::Writer w;
  w.begin_object().key("items").begin_array();
  for (const auto& c : calls)
    write_call_summary(w, c, admin);
  w.end_array()
      .field("total", std::min(total, kTotalCap))
      .field("total_exact", total <= kTotalCap)
      .field("next_cursor", next_cursor)
      .field("limit", limit)
      .field("offset", filter.offset)
      .end_object();
  return Response::json(200, w.str());
}

Response CallsApi::detail(Request& req, bool admin) {
  std::optional<std::string> owner;
  if (!admin)
    owner = req.identity.user_id;
  const auto& id = req.param("id");
  auto call = id.size() > 128 ? std::nullopt : pg::transact(db_, [&](pqxx::work& tx) {
    auto found = CallHistory::detail_json(tx, owner, id);
    if (found && admin)
      audit_view(outbox_, tx, req, *found);
    return found;
  });
  if (!call)
    throw Error::not_found("Diesen Anruf gibt es nicht.");
  json::Writer w;
  w.begin_object().key("call").raw(*call).end_object();
  return Response::json(200, w.str());
}

Response CallsApi::export_csv(Request& req, bool admin) {
  QueryReader q(req);
  auto filter = call_filter(req, admin, q, kMaxExportRows, kMaxExportRows);
  auto delimiter = q.one_of("delimiter", {"comma", "semicolon"}).value_or("comma");
  q.require_valid();
  auto calls = pg::transact(db_, [&](pqxx::work& tx) { return CallHistory::list(tx, filter); });
  auto res = Response::text(200,
                            std::string(text::kUtf8ByteOrderMark) +
                                calls_csv(calls, admin, delimiter == "semicolon" ? ';' : ','),
                            "text/csv; charset=utf-8");
  res.headers.set("Content-Disposition", "attachment; filename=\"anrufe.csv\"");
  return res;
}

Response CallsApi::stats(Request& req, bool admin) {
  QueryReader q(req);
  auto owner = scope(req, admin, q);
  const auto& zone = q.zone();
  auto include_test = q.flag("include_test").value_or(false);
  auto to = q.time("to", true);
  auto from = q.time("from", false);
  // By default the last 30 local days, today included.
  auto now = Clock::now();
  auto today = std::chrono::sys_days(zone.local(now).date);
  if (!to)
    to = zone.start_of_day(today + std::chrono::days(1));
  if (!from)
    from = zone.start_of_day(today - std::chrono::days(kDefaultStatsDays - 1));
  if (*from >= *to)
    q.add_error("from", "muss vor \"to\" liegen");
  else if (*to - *from > std::chrono::days(kMaxStatsDays))
    q.add_error("from", "der Zeitraum darf höchstens 366 Tage umfassen");
  q.require_valid();
  auto s = pg::transact(db_, [&](pqxx::work& tx) {
    return CallHistory::stats(tx, owner, q.zone_name(), json::utc_timestamp(*from),
                              json::utc_timestamp(*to), include_test);
  });
  json::Writer w;
  w.begin_object()
      .field("timezone", q.zone_name())
      .field("from", json::utc_timestamp(*from))
      .field("to", json::utc_timestamp(*to))
      .key("days")
      .begin_array();
  for (const auto& d : s.days)
    write_day(w, d, "date");
  w.end_array().key("total");
  write_day(w, s.range_total, "");
  w.key("this_month");
  w.begin_object()
      .field("month", s.month_total.date)
      .field("calls", s.month_total.calls)
      .field("duration_seconds", s.month_total.duration_seconds)
      .field("minutes", s.month_total.minutes);
  write_counts(w, "by_status", s.month_by_status);
  w.end_object().end_object();
  return Response::json(200, w.str());
}

Response CallsApi::escalations(Request& req, bool admin) {
  QueryReader q(req);
  EscalationFilter f;
  f.owner = scope(req, admin, q);
  f.agent_id = q.text("agent_id", 128);
  f.kind = q.one_of("kind", {"forwarding", "fallback", "after_hours", "message"});
  f.from = iso(q.time("from", false));
  f.to = iso(q.time("to", true));
  auto page = q.page(50, 200);
  f.limit = page.limit;
  f.offset = page.offset;
  q.require_valid();
  auto [items, total] = pg::transact(db_, [&](pqxx::work& tx) {
    return std::make_pair(CallHistory::escalations_json(tx, f),
                          CallHistory::count_escalations(tx, f));
  });
  json::Writer w;
  w.begin_object()
      .key("items")
      .raw(items)
      .field("total", total)
      .field("limit", f.limit)
      .field("offset", f.offset)
      .end_object();
  return Response::json(200, w.str());
}

Response CallsApi::escalation_stats(Request& req, bool admin) {
  QueryReader q(req);
  auto owner = scope(req, admin, q);
  q.zone();  // days are counted in it
  auto to = q.time("to", true).value_or(Clock::now());
  auto from = q.time("from", false).value_or(to - std::chrono::days(kDefaultStatsDays));
  if (from >= to)
    q.add_error("from", "muss vor \"to\" liegen");
  q.require_valid();
  auto s = pg::transact(db_, [&](pqxx::work& tx) {
    return CallHistory::escalation_stats(tx, owner, q.zone_name(), json::utc_timestamp(from),
                                         json::utc_timestamp(to));
  });
  json::Writer w;
  w.begin_object()
      .field("timezone", q.zone_name())
      .field("from", json::utc_timestamp(from))
      .field("to", json::utc_timestamp(to))
      .field("total", s.total)
      .field("within_business_hours", s.within_business_hours)
      .field("outside_business_hours", s.total - s.within_business_hours);
  write_counts(w, "by_kind", s.by_kind);
  write_counts(w, "by_outcome", s.by_outcome);
  write_counts(w, "by_reason", s.by_reason);
  write_counts(w, "per_day", s.per_day);
  w.end_object();
  return Response::json(200, w.str());
}

}  // namespace kx::telephony
