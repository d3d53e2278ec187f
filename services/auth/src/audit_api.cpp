#include "audit_api.hpp"

#include <chrono>
#include <regex>

#include "kx/events/envelope.hpp"
#include "kx/http/error.hpp"
#include "kx/http/query.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"

namespace kx::auth {
namespace {

using http::Access;
using http::Error;
using http::Request;
using http::Response;

constexpr int kMaxExportRows = 10'000;
constexpr int kMaxSensitive = 1'000;
constexpr auto kDefaultReportDays = std::chrono::days(30);
constexpr auto kMaxReportDays = std::chrono::days(366);

std::string like_pattern(const std::string& s) {
  std::string out = "%";
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\')
      out += '\\';
    out += c;
  }
  return out + "%";
}

// A period bound: a date (YYYY-MM-DD, UTC; as an upper bound the whole day is included) or an
// ISO-8601 UTC time; nullopt when not given or invalid (then an error is recorded).
std::optional<std::chrono::sys_time<std::chrono::milliseconds>> time_bound(http::QueryParams& q,
                                                                           const char* name,
                                                                           bool upper) {
  auto v = q.raw(name);
  if (!v)
    return std::nullopt;
  if (auto day = http::parse_date(*v))
    return std::chrono::sys_time<std::chrono::milliseconds>(upper ? *day + std::chrono::days(1)
                                                                  : *day);
  static const std::regex iso(R"((\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(\.(\d{1,3})\d*)?Z)");
  std::smatch m;
  if (v->size() <= 40 && std::regex_match(*v, m, iso)) {
    auto day = http::parse_date(m[1].str());
    int h = std::stoi(m[2]), min = std::stoi(m[3]), s = std::stoi(m[4]);
    if (day && h < 24 && min < 60 && s < 60) {
      std::string frac = m[6].str();
      frac.resize(3, '0');
      return std::chrono::sys_time<std::chrono::milliseconds>(*day) + std::chrono::hours(h) +
             std::chrono::minutes(min) + std::chrono::seconds(s) +
             std::chrono::milliseconds(std::stoi(frac));
    }
  }
  q.add_error(name, "ist kein gültiges Datum (JJJJ-MM-TT oder ISO-8601 in UTC)");
  return std::nullopt;
}

std::string iso(std::chrono::sys_time<std::chrono::milliseconds> t) {
  return json::utc_timestamp(std::chrono::time_point_cast<std::chrono::system_clock::duration>(t));
}

std::optional<std::string> identifier(http::QueryParams& q, const char* name) {
  auto v = q.text(name, 128);
  if (v && !http::is_plain_token(*v, 128)) {
    q.add_error(name, "enthält unzulässige Zeichen");
    return std::nullopt;
  }
  return v;
}

AuditFilter read_filter(http::QueryParams& q) {
  AuditFilter f;
  if (auto text = q.text("q", 100))
    f.q = like_pattern(*text);
  f.action = identifier(q, "action");
  f.admin_id = identifier(q, "admin_id");
  f.target_type = identifier(q, "target_type");
  f.target_id = identifier(q, "target_id");
  f.user_id = identifier(q, "user_id");
  auto from = time_bound(q, "from", false);
  auto to = time_bound(q, "to", true);
  if (from && to && *from >= *to)
    q.add_error("from", "muss vor \"to\" liegen");
  if (from)
    f.from = iso(*from);
  if (to)
    f.to = iso(*to);
  return f;
}

// Everything the filter selects, or 422 when that is more than an export may hold.
std::vector<AuditEntry> export_entries(pg::Pool& db, Request& req) {
  http::QueryParams q(req);
  auto filter = read_filter(q);
  q.require_valid();
  auto [entries, total] = pg::transact(db, [&](pqxx::work& tx) {
    return std::make_pair(AuditLog::list(tx, filter, kMaxExportRows, 0),
                          AuditLog::count(tx, filter));
  });
  if (total > kMaxExportRows) {
    throw Error::validation({{"to",
                              "Der Export umfasst mehr als 10.000 Einträge; bitte grenzen Sie "
                              "den Zeitraum oder die Filter ein."}});
  }
  return entries;
}

void write_entries(json::Writer& w, const std::vector<AuditEntry>& entries) {
  w.key("items").begin_array();
  for (const auto& e : entries)
    w.raw(audit_entry_json(e));
  w.end_array();
}

}  // namespace

void AuditApi::add_routes(http::Router& r) {
  r.add("GET", "/api/admin/audit", *this, &AuditApi::list,
        {.max_body = 0, .access = Access::admin});
  r.add("GET", "/api/admin/audit.csv", *this, &AuditApi::export_csv,
        {.max_body = 0, .access = Access::admin});
  r.add("GET", "/api/admin/audit.json", *this, &AuditApi::export_json,
        {.max_body = 0, .access = Access::admin});
  r.add("GET", "/api/admin/audit/report", *this, &AuditApi::report,
        {.max_body = 0, .access = Access::admin});
}

void AuditApi::on_admin_action(const events::Event& event, pqxx::work& tx) {
  if (!AuditLog::store(tx, event))
    log::info("audit entry already stored", {{"event_id", event.id}});
}

void AuditApi::on_user_deleted(const events::Event& event, pqxx::work& tx) {
  auto doc = json::parse(event.data);
  auto user_id = json::get_string(doc, "user_id");
  if (user_id.empty())
    throw std::invalid_argument("user.deleted without user_id");
  auto n = AuditLog::anonymise_user(tx, user_id);
  log::info("audit entries anonymised", {{"user_id", user_id}, {"entries", n}});
}

Response AuditApi::list(Request& req) {
  http::QueryParams q(req);
  auto filter = read_filter(q);
  auto [limit, offset] = q.page(50, 200);
  q.require_valid();
  auto [entries, total] = pg::transact(db_, [&](pqxx::work& tx) {
    return std::make_pair(AuditLog::list(tx, filter, limit, offset), AuditLog::count(tx, filter));
  });
  json::Writer w;
  w.begin_object();
  write_entries(w, entries);
  w.field("total", total).field("limit", limit).field("offset", offset).end_object();
  return Response::json(200, w.str());
}

Response AuditApi::export_csv(Request& req) {
  auto res = Response::text(200, audit_csv(export_entries(db_, req)), "text/csv; charset=utf-8");
  res.headers.set("Content-Disposition", "attachment; filename=\"kametrix-audit.csv\"");
  res.headers.set("Cache-Control", "no-store");
  return res;
}

Response AuditApi::export_json(Request& req) {
  auto entries = export_entries(db_, req);
  json::Writer w;
  w.begin_object().field("exported_at", events::utc_now());
  write_entries(w, entries);
  w.field("total", static_cast<std::int64_t>(entries.size())).end_object();
  auto res = Response::json(200, w.str());
  res.headers.set("Content-Disposition", "attachment; filename=\"kametrix-audit.json\"");
  res.headers.set("Cache-Control", "no-store");
  return res;
}

Response AuditApi::report(Request& req) {
  http::QueryParams q(req);
  auto from = time_bound(q, "from", false);
  auto to = time_bound(q, "to", true);
  if (!q.has_errors()) {
    if (!to)
      to =
          std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    if (!from)
      from = *to - kDefaultReportDays;
    if (*from >= *to)
      q.add_error("from", "muss vor \"to\" liegen");
    else if (*to - *from > kMaxReportDays)
      q.add_error("from", "der Zeitraum darf höchstens 366 Tage umfassen");
  }
  q.require_valid();
  auto from_s = iso(*from), to_s = iso(*to);
  struct Report {
    std::vector<ActionCount> actions;
    std::vector<AdminCount> admins;
    std::vector<AuditEntry> sensitive;
  };
  auto r = pg::transact(db_, [&](pqxx::work& tx) {
    return Report{AuditLog::by_action(tx, from_s, to_s), AuditLog::by_admin(tx, from_s, to_s),
                  AuditLog::sensitive(tx, from_s, to_s, kMaxSensitive)};
  });
  std::int64_t total = 0;
  json::Writer w;
  w.begin_object().field("from", from_s).field("to", to_s);
  w.key("by_action").begin_array();
  for (const auto& a : r.actions) {
    total += a.count;
    w.begin_object().field("action", a.action).field("count", a.count).end_object();
  }
  w.end_array().field("total", total).key("by_admin").begin_array();
  for (const auto& a : r.admins) {
    w.begin_object()
        .field("admin_id", a.admin_id)
        .field("admin_email", a.admin_email)
        .field("count", a.count)
        .end_object();
  }
  w.end_array().key("sensitive").begin_array();
  for (const auto& e : r.sensitive)
    w.raw(audit_entry_json(e));
  w.end_array().end_object();
  return Response::json(200, w.str());
}

}  // namespace kx::auth
