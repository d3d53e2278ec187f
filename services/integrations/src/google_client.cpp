#include "google_client.hpp"

#include <charconv>
#include <cstdio>

#include "kx/json/json.hpp"
#include "kx/log/log.hpp"

namespace kx::integrations {
namespace {

using time::Clock;

std::string form_field(std::string_view name, std::string_view value) {
  return std::string(name) + "=" + http::percent_encode(value);
}

// Google's API error bodies: {"error": {"code", "message", "status"?, "errors": [{"reason"}]}};
// the token endpoint's: {"error": "invalid_grant", "error_description": "..."}.
struct ErrorInfo {
  std::string code;  ///< token endpoint "error", or errors[0].reason / status of the API body
  std::string message;
};

ErrorInfo error_info(const http::Response& res) {
  ErrorInfo info;
  try {
    auto doc = json::parse(res.body);
    if (!doc.IsObject())
      return info;
    auto err = doc.FindMember("error");
    if (err == doc.MemberEnd())
      return info;
    if (err->value.IsString()) {
      info.code = err->value.GetString();
      if (auto d = doc.FindMember("error_description"); d != doc.MemberEnd() && d->value.IsString())
        info.message = d->value.GetString();
      return info;
    }
    if (!err->value.IsObject())
      return info;
    const auto& e = err->value;
    if (auto m = e.FindMember("message"); m != e.MemberEnd() && m->value.IsString())
      info.message = m->value.GetString();
    if (auto list = e.FindMember("errors");
        list != e.MemberEnd() && list->value.IsArray() && !list->value.Empty()) {
      const auto& first = list->value[0];
      if (first.IsObject())
        if (auto r = first.FindMember("reason"); r != first.MemberEnd() && r->value.IsString())
          info.code = r->value.GetString();
    }
    if (info.code.empty())
      if (auto s = e.FindMember("status"); s != e.MemberEnd() && s->value.IsString())
        info.code = s->value.GetString();
  } catch (const std::exception&) {
  }
  return info;
}

GoogleError to_error(const http::Response& res, std::string_view what) {
  auto info = error_info(res);
  std::string detail = std::string(what) + ": HTTP " + std::to_string(res.status);
  if (!info.code.empty())
    detail += " " + info.code;
  if (!info.message.empty())
    detail += " (" + info.message + ")";
  using K = GoogleError::Kind;
  K kind = K::rejected;
  if (res.status == 429 || res.status >= 500)
    kind = K::transient;
  else if (res.status == 401)
    kind = K::unauthorized;
  else if (res.status == 403 &&
           (info.code == "rateLimitExceeded" || info.code == "userRateLimitExceeded" ||
            info.code == "RESOURCE_EXHAUSTED"))
    kind = K::transient;
  else if (res.status == 404 || res.status == 410)
    kind = K::not_found;
  else if (res.status == 409)
    kind = K::conflict;
  return GoogleError(kind, res.status, detail);
}

const json::Value& member(const json::Value& v, const char* name) {
  static const json::Value null_value;
  if (!v.IsObject())
    return null_value;
  auto it = v.FindMember(name);
  return it == v.MemberEnd() ? null_value : it->value;
}

std::string string_member(const json::Value& v, const char* name) {
  const auto& m = member(v, name);
  return m.IsString() ? std::string(m.GetString(), m.GetStringLength()) : std::string();
}

json::Document parse_answer(const http::Response& res, std::string_view what) {
  try {
    auto doc = json::parse(res.body);
    if (doc.IsObject())
      return doc;
  } catch (const std::exception&) {
  }
  throw GoogleError(GoogleError::Kind::transient, res.status,
                    std::string(what) + ": the answer is not a JSON object");
}

std::string path_segment(std::string_view s) {
  return http::percent_encode(s);
}

// Writes an event time in the agent's zone (Google keeps the zone for display).
void write_time(json::Writer& w, const char* key, Clock::time_point t, const std::string& tz) {
  auto zone = time::Zone::find(tz).value_or(time::Zone::utc());
  w.key(key).begin_object().field("dateTime", rfc3339(t, zone)).field("timeZone", tz).end_object();
}

}  // namespace

std::string rfc3339(Clock::time_point t, const time::Zone& zone) {
  auto offset = zone.offset_at(t);
  auto local = std::chrono::floor<std::chrono::seconds>(t) + offset;
  auto day = std::chrono::floor<std::chrono::days>(local);
  std::chrono::year_month_day ymd{day};
  std::chrono::hh_mm_ss hms{local - day};
  auto off_minutes = std::chrono::duration_cast<std::chrono::minutes>(offset).count();
  char sign = off_minutes < 0 ? '-' : '+';
  off_minutes = std::abs(off_minutes);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                sign, static_cast<int>(off_minutes / 60), static_cast<int>(off_minutes % 60));
  return buf;
}

std::optional<Clock::time_point> parse_rfc3339(std::string_view s) {
  auto num = [&](std::size_t pos, std::size_t len) -> std::optional<int> {
    if (pos + len > s.size())
      return std::nullopt;
    int v = 0;
    auto [p, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, v);
    if (ec != std::errc() || p != s.data() + pos + len)
      return std::nullopt;
    return v;
  };
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':')
    return std::nullopt;
  auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
       se = num(17, 2);
  if (!y || !mo || !d || !h || !mi || !se || *h > 23 || *mi > 59 || *se > 60)
    return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(*y), std::chrono::month(*mo),
                                  std::chrono::day(*d)};
  if (!ymd.ok())
    return std::nullopt;
  std::size_t pos = 19;
  std::chrono::milliseconds frac{0};
  if (pos < s.size() && s[pos] == '.') {
    std::size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
      ++pos;
    if (pos == start)
      return std::nullopt;
    std::string digits(s.substr(start, std::min<std::size_t>(pos - start, 3)));
    while (digits.size() < 3)
      digits += '0';
    frac = std::chrono::milliseconds(std::stoi(digits));
  }
  if (pos >= s.size())
    return std::nullopt;
  std::chrono::minutes offset{0};
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    auto oh = num(pos + 1, 2), om = num(pos + 4, 2);
    if (!oh || !om || pos + 3 >= s.size() || s[pos + 3] != ':')
      return std::nullopt;
    offset = std::chrono::minutes(*oh * 60 + *om);
    if (s[pos] == '-')
      offset = -offset;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size())
    return std::nullopt;
  auto t = std::chrono::sys_days(ymd) + std::chrono::hours(*h) + std::chrono::minutes(*mi) +
           std::chrono::seconds(*se) + frac - offset;
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(t.time_since_epoch()));
}

std::string a1_tab(const std::string& tab, const std::string& cells) {
  std::string quoted = "'";
  for (char c : tab) {
    quoted += c;
    if (c == '\'')
      quoted += '\'';
  }
  return quoted + "'!" + cells;
}

GoogleClient::GoogleClient(GoogleEndpoints endpoints, http::ClientOptions options)
    : endpoints_(std::move(endpoints)), client_([&] {
        // Only idempotent requests are repeated by the client, and only while the caller's
        // budget allows: the callers pass the time each request may take.
        options.max_retries = 0;
        return options;
      }()) {}

http::Response GoogleClient::send(const std::string& method, const std::string& url,
                                  const std::string& access_token, const std::string& body,
                                  std::chrono::milliseconds timeout) {
  http::ClientRequest req;
  req.method = method;
  req.url = url;
  req.timeout = timeout;
  if (!access_token.empty())
    req.headers.set("Authorization", "Bearer " + access_token);
  req.headers.set("Accept", "application/json");
  if (!body.empty()) {
    req.headers.set("Content-Type",
                    body.front() == '{' ? "application/json" : "application/x-www-form-urlencoded");
    req.body = body;
  }
  try {
    return client_.send(req);
  } catch (const http::ClientError& e) {
    throw GoogleError(GoogleError::Kind::transient, 0, std::string("Google: ") + e.what());
  }
}

json::Document GoogleClient::request_json(const std::string& method, const std::string& url,
                                          const std::string& access_token, const std::string& body,
                                          std::chrono::milliseconds timeout,
                                          std::string_view what) {
  auto res = send(method, url, access_token, body, timeout);
  if (res.status != 200)
    throw to_error(res, what);
  return parse_answer(res, what);
}

TokenGrant GoogleClient::token_request(const std::string& form, std::chrono::milliseconds timeout) {
  auto res = send("POST", endpoints_.token_url, "",
                  form + "&" + form_field("client_id", endpoints_.client_id) + "&" +
                      form_field("client_secret", endpoints_.client_secret),
                  timeout);
  if (res.status != 200) {
    auto error = to_error(res, "token endpoint");
    // invalid_grant: the code or the refresh token is dead (revoked, expired, reused).
    if (res.status == 400 && error_info(res).code == "invalid_grant")
      throw GoogleError(GoogleError::Kind::grant_revoked, res.status, error.what());
    throw error;
  }
  auto doc = parse_answer(res, "token endpoint");
  TokenGrant grant;
  grant.access_token = string_member(doc, "access_token");
  if (grant.access_token.empty())
    throw GoogleError(GoogleError::Kind::transient, res.status, "token answer without a token");
  if (const auto& e = member(doc, "expires_in"); e.IsInt64())
    grant.expires_in = std::chrono::seconds(std::max<std::int64_t>(e.GetInt64(), 0));
  if (auto r = string_member(doc, "refresh_token"); !r.empty())
    grant.refresh_token = r;
  grant.scope = string_member(doc, "scope");
  return grant;
}

TokenGrant GoogleClient::exchange_code(const std::string& code, const std::string& code_verifier,
                                       std::chrono::milliseconds timeout) {
  return token_request("grant_type=authorization_code&" + form_field("code", code) + "&" +
                           form_field("redirect_uri", endpoints_.redirect_uri) + "&" +
                           form_field("code_verifier", code_verifier),
                       timeout);
}

TokenGrant GoogleClient::refresh(const std::string& refresh_token,
                                 std::chrono::milliseconds timeout) {
  return token_request("grant_type=refresh_token&" + form_field("refresh_token", refresh_token),
                       timeout);
}

void GoogleClient::revoke(const std::string& token, std::chrono::milliseconds timeout) {
  auto res = send("POST", endpoints_.revoke_url, "", form_field("token", token), timeout);
  if (res.status == 200 || (res.status == 400 && error_info(res).code == "invalid_token"))
    return;
  throw to_error(res, "revoke");
}

std::string GoogleClient::account_email(const std::string& access_token,
                                        std::chrono::milliseconds timeout) {
  auto doc = request_json("GET", endpoints_.userinfo_url, access_token, "", timeout, "userinfo");
  auto email = string_member(doc, "email");
  if (email.empty())
    throw GoogleError(GoogleError::Kind::rejected, 200, "userinfo without an e-mail");
  return email;
}

std::vector<std::pair<Clock::time_point, Clock::time_point>> GoogleClient::free_busy(
    const std::string& access_token, const std::string& calendar_id, Clock::time_point from,
    Clock::time_point to, std::chrono::milliseconds timeout) {
  json::Writer w;
  w.begin_object()
      .field("timeMin", json::utc_timestamp(from))
      .field("timeMax", json::utc_timestamp(to))
      .key("items")
      .begin_array()
      .begin_object()
      .field("id", calendar_id)
      .end_object()
      .end_array()
      .end_object();
  auto doc = request_json("POST", endpoints_.calendar_base + "/freeBusy", access_token, w.str(),
                          timeout, "freeBusy");
  const auto& cal = member(member(doc, "calendars"), calendar_id.c_str());
  if (!cal.IsObject())
    throw GoogleError(GoogleError::Kind::rejected, 200, "freeBusy without the calendar");
  // A calendar the token cannot see comes back as 200 with errors instead of busy.
  if (const auto& errors = member(cal, "errors"); errors.IsArray() && !errors.Empty())
    throw GoogleError(GoogleError::Kind::not_found, 200,
                      "freeBusy: " + string_member(errors[0], "reason"));
  std::vector<std::pair<Clock::time_point, Clock::time_point>> busy;
  if (const auto& list = member(cal, "busy"); list.IsArray()) {
    for (const auto& b : list.GetArray()) {
      auto s = parse_rfc3339(string_member(b, "start"));
      auto e = parse_rfc3339(string_member(b, "end"));
      if (!s || !e)
        throw GoogleError(GoogleError::Kind::transient, 200, "freeBusy: unreadable busy span");
      busy.emplace_back(*s, *e);
    }
  }
  return busy;
}

void GoogleClient::insert_event(const std::string& access_token, const std::string& calendar_id,
                                const NewEvent& event, std::chrono::milliseconds timeout) {
  json::Writer w;
  w.begin_object()
      .field("id", event.id)
      .field("summary", event.summary)
      .field("description", event.description);
  write_time(w, "start", event.start, event.timezone);
  write_time(w, "end", event.end, event.timezone);
  w.key("extendedProperties").begin_object().key("private").begin_object();
  for (const auto& [k, v] : event.private_properties)
    w.field(k, v);
  w.end_object().end_object();
  w.key("reminders").begin_object().field("useDefault", true).end_object();
  w.end_object();
  auto res = send("POST",
                  endpoints_.calendar_base + "/calendars/" + path_segment(calendar_id) +
                      "/events?sendUpdates=none",
                  access_token, w.str(), timeout);
  if (res.status != 200)
    throw to_error(res, "events.insert");
}

std::optional<CalendarEvent> GoogleClient::get_event(const std::string& access_token,
                                                     const std::string& calendar_id,
                                                     const std::string& event_id,
                                                     std::chrono::milliseconds timeout) {
  auto res = send("GET",
                  endpoints_.calendar_base + "/calendars/" + path_segment(calendar_id) +
                      "/events/" + path_segment(event_id),
                  access_token, "", timeout);
  if (res.status == 404 || res.status == 410)
    return std::nullopt;
  if (res.status != 200)
    throw to_error(res, "events.get");
  auto doc = parse_answer(res, "events.get");
  CalendarEvent e;
  e.id = string_member(doc, "id");
  e.status = string_member(doc, "status");
  auto s = parse_rfc3339(string_member(member(doc, "start"), "dateTime"));
  auto en = parse_rfc3339(string_member(member(doc, "end"), "dateTime"));
  if (s)
    e.start = *s;
  if (en)
    e.end = *en;
  return e;
}

void GoogleClient::move_event(const std::string& access_token, const std::string& calendar_id,
                              const std::string& event_id, Clock::time_point start,
                              Clock::time_point end, const std::string& timezone,
                              std::chrono::milliseconds timeout) {
  json::Writer w;
  w.begin_object();
  write_time(w, "start", start, timezone);
  write_time(w, "end", end, timezone);
  w.end_object();
  auto res = send("PATCH",
                  endpoints_.calendar_base + "/calendars/" + path_segment(calendar_id) +
                      "/events/" + path_segment(event_id) + "?sendUpdates=none",
                  access_token, w.str(), timeout);
  if (res.status != 200)
    throw to_error(res, "events.patch");
}

void GoogleClient::delete_event(const std::string& access_token, const std::string& calendar_id,
                                const std::string& event_id, std::chrono::milliseconds timeout) {
  auto res = send("DELETE",
                  endpoints_.calendar_base + "/calendars/" + path_segment(calendar_id) +
                      "/events/" + path_segment(event_id) + "?sendUpdates=none",
                  access_token, "", timeout);
  if (res.status == 204 || res.status == 200 || res.status == 404 || res.status == 410)
    return;
  throw to_error(res, "events.delete");
}

Spreadsheet GoogleClient::create_spreadsheet(const std::string& access_token,
                                             const std::string& title, const std::string& tab,
                                             const std::string& timezone,
                                             std::chrono::milliseconds timeout) {
  json::Writer w;
  w.begin_object()
      .key("properties")
      .begin_object()
      .field("title", title)
      .field("locale", "de_DE")
      .field("timeZone", timezone)
      .end_object()
      .key("sheets")
      .begin_array()
      .begin_object()
      .key("properties")
      .begin_object()
      .field("title", tab)
      .key("gridProperties")
      .begin_object()
      .field("frozenRowCount", 1)
      .end_object()
      .end_object()
      .end_object()
      .end_array()
      .end_object();
  auto doc = request_json("POST", endpoints_.sheets_base + "/spreadsheets", access_token, w.str(),
                          timeout, "spreadsheets.create");
  Spreadsheet s{string_member(doc, "spreadsheetId"), string_member(doc, "spreadsheetUrl")};
  if (s.id.empty())
    throw GoogleError(GoogleError::Kind::transient, 200, "spreadsheets.create without an id");
  return s;
}

void GoogleClient::append_rows(const std::string& access_token, const std::string& spreadsheet_id,
                               const std::string& tab,
                               const std::vector<std::vector<std::string>>& rows,
                               std::chrono::milliseconds timeout) {
  json::Writer w;
  w.begin_object().field("majorDimension", "ROWS").key("values").begin_array();
  for (const auto& row : rows) {
    w.begin_array();
    for (const auto& cell : row)
      w.value(cell);
    w.end_array();
  }
  w.end_array().end_object();
  auto res = send("POST",
                  endpoints_.sheets_base + "/spreadsheets/" + path_segment(spreadsheet_id) +
                      "/values/" + path_segment(a1_tab(tab, "A1")) +
                      ":append?valueInputOption=USER_ENTERED&insertDataOption=INSERT_ROWS",
                  access_token, w.str(), timeout);
  if (res.status != 200)
    throw to_error(res, "values.append");
}

std::vector<std::string> GoogleClient::column(const std::string& access_token,
                                              const std::string& spreadsheet_id,
                                              const std::string& tab, const std::string& column,
                                              std::chrono::milliseconds timeout) {
  auto doc = request_json("GET",
                          endpoints_.sheets_base + "/spreadsheets/" + path_segment(spreadsheet_id) +
                              "/values/" + path_segment(a1_tab(tab, column + ":" + column)),
                          access_token, "", timeout, "values.get");
  std::vector<std::string> out;
  if (const auto& values = member(doc, "values"); values.IsArray()) {
    for (const auto& row : values.GetArray()) {
      if (row.IsArray() && !row.Empty() && row[0].IsString())
        out.emplace_back(row[0].GetString(), row[0].GetStringLength());
      else
        out.emplace_back();
    }
  }
  return out;
}

bool GoogleClient::spreadsheet_usable(const std::string& access_token,
                                      const std::string& spreadsheet_id,
                                      std::chrono::milliseconds timeout) {
  // A spreadsheet the owner deleted in Drive sits in the trash, where Sheets still accepts rows
  // nobody will see: Drive tells.
  auto res = send(
      "GET", endpoints_.drive_base + "/files/" + path_segment(spreadsheet_id) + "?fields=trashed",
      access_token, "", timeout);
  if (res.status == 404)
    return false;
  if (res.status != 200)
    throw to_error(res, "files.get");
  auto doc = parse_answer(res, "files.get");
  const auto& trashed = member(doc, "trashed");
  return !(trashed.IsBool() && trashed.GetBool());
}

}  // namespace kx::integrations
