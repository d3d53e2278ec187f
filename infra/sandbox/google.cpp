// Google's OAuth 2.0 web-server flow, Calendar v3, Sheets v4 and the bit of Drive v3 the
// integrations service needs, under /google/ with Google's own paths, bodies and errors
// (provider-wire-formats.md §4–§6). Everything lives in a GoogleStore in memory.
//
// OAuth: GET /google/o/oauth2/v2/auth is a consent page (an e-mail field, a checkbox per scope
// for granular consent, buttons #allow and #deny) that posts to …/auth/decision and redirects
// back with code+scope+state or error=access_denied. Codes are single-use, live 10 minutes and
// are bound to client_id, redirect_uri and the PKCE challenge (S256 or plain). POST /google/token
// exchanges them (authorization_code) and refreshes (refresh_token); client auth by body fields
// or HTTP Basic, checked against GOOGLE_CLIENT_ID/SECRET when set, as the consent page checks
// redirect_uri against GOOGLE_REDIRECT_URI. POST /google/revoke revokes a
// whole grant by its refresh or access token. GET /google/oauth2/v3/userinfo names the account.
//
// The APIs check the bearer token (401 authError when unknown, expired or revoked) and the
// scope Google would require (403 insufficientPermissions). Data belongs to the Google account
// chosen on the consent page, so two owners connecting different e-mails see different calendars.
// Calendar: freeBusy over the stored opaque events, events insert (client ids, 409 duplicate),
// list, get, patch (objects merged, arrays replaced), delete (then 410). Sheets: create, get,
// values append and get; USER_ENTERED reads text starting with "=" (or "+"/"-" before
// something that is not a number) as a formula and keeps it marked so tests see it was not
// escaped; a leading apostrophe keeps text as text. Formulas are never evaluated. Drive: files
// get (trashed), patch (trash), delete (then Sheets answers 404). GET /google/sheets/{id} shows a
// sheet as HTML for the demo.
//
// Tests: GET /google/_state (everything held), DELETE /google/_state (forget everything); faults
// through the shared Control (path prefixes such as /google/calendar/v3/freeBusy, /google/v4,
// /google/token), answered in the error format of the API the path belongs to.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <memory>

#include "google_store.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/http/query.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "kx/time/zone.hpp"
#include "sandbox.hpp"
#include "web_form.hpp"

namespace kx::sandbox {
namespace {

using http::Request;
using http::Response;
using Clock = GoogleClock;

const std::string kScopeBase = "https://www.googleapis.com/auth/";
constexpr auto kCodeLifetime = std::chrono::minutes(10);

// What each call accepts (§4.6); every list names full scope URLs without the base.
const std::vector<std::string> kFreeBusyScopes = {"calendar", "calendar.readonly",
                                                  "calendar.freebusy", "calendar.events.freebusy"};
const std::vector<std::string> kEventWriteScopes = {"calendar", "calendar.events",
                                                    "calendar.events.owned"};
const std::vector<std::string> kEventReadScopes = {
    "calendar",          "calendar.events",          "calendar.events.owned",
    "calendar.readonly", "calendar.events.readonly", "calendar.events.owned.readonly"};
const std::vector<std::string> kSheetWriteScopes = {"drive", "drive.file", "spreadsheets"};
const std::vector<std::string> kSheetReadScopes = {"drive", "drive.file", "drive.readonly",
                                                   "spreadsheets", "spreadsheets.readonly"};
const std::vector<std::string> kDriveReadScopes = {"drive", "drive.file", "drive.readonly",
                                                   "drive.metadata.readonly"};
const std::vector<std::string> kDriveWriteScopes = {"drive", "drive.file"};

std::int64_t micros(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

// --- error bodies -------------------------------------------------------------------------------

std::string status_name(int status) {
  switch (status) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 409:
      return "ALREADY_EXISTS";
    case 412:
      return "FAILED_PRECONDITION";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 500:
      return "INTERNAL";
    case 503:
      return "UNAVAILABLE";
    case 504:
      return "DEADLINE_EXCEEDED";
    default:
      return "UNKNOWN";
  }
}

/// One Google API error. Calendar v3 answers without "status" (§5.5), Sheets and Drive with it
/// (§6.4); authentication errors come from Google's front end and carry it everywhere.
struct ApiError {
  int code = 400;
  std::string message;
  std::string reason;
  std::string domain = "global";
  bool with_status = true;
  std::string item_message;  ///< errors[0].message when it differs from message
  std::string location;
  std::string location_type;
  std::string details_reason;  ///< google.rpc.ErrorInfo reason
};

std::string api_error_body(const ApiError& e) {
  json::Writer w;
  w.begin_object().key("error").begin_object().field("code", e.code).field("message", e.message);
  w.key("errors").begin_array().begin_object();
  w.field("message", e.item_message.empty() ? e.message : e.item_message)
      .field("domain", e.domain)
      .field("reason", e.reason);
  if (!e.location.empty())
    w.field("locationType", e.location_type).field("location", e.location);
  w.end_object().end_array();
  if (e.with_status)
    w.field("status", status_name(e.code));
  if (!e.details_reason.empty()) {
    w.key("details").begin_array().begin_object();
    w.field("@type", "type.googleapis.com/google.rpc.ErrorInfo")
        .field("reason", e.details_reason)
        .field("domain", "googleapis.com");
    w.end_object().end_array();
  }
  w.end_object().end_object();
  return w.str();
}

Response api_error(const ApiError& e) {
  return Response::json(e.code, api_error_body(e));
}

Response calendar_error(int code, std::string reason, std::string message) {
  return api_error({.code = code,
                    .message = std::move(message),
                    .reason = std::move(reason),
                    .with_status = false});
}

Response sheets_error(int code, std::string message) {
  std::string reason = code == 404 ? "notFound" : code == 403 ? "forbidden" : "badRequest";
  return api_error({.code = code, .message = std::move(message), .reason = reason});
}

Response oauth_error(int status, const std::string& error, const std::string& description) {
  json::Writer w;
  w.begin_object().field("error", error).field("error_description", description).end_object();
  return Response::json(status, w.str());
}

std::string calendar_fault(int status) {
  ApiError e{.code = status, .message = http::reason_phrase(status), .with_status = false};
  switch (status) {
    case 400:
      e.reason = "badRequest";
      break;
    case 401:
      e.reason = "authError";
      break;
    case 403:
    case 429:
      e.domain = "usageLimits";
      e.reason = "rateLimitExceeded";
      e.message = "Rate Limit Exceeded";
      break;
    case 404:
      e.reason = "notFound";
      break;
    case 409:
      e.reason = "duplicate";
      break;
    case 410:
      e.reason = "deleted";
      break;
    default:
      e.reason = "backendError";
      e.message = "Backend Error";
  }
  return api_error_body(e);
}

std::string sheets_fault(int status) {
  ApiError e{.code = status, .message = http::reason_phrase(status), .reason = "badRequest"};
  if (status == 429) {
    e.message =
        "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute "
        "per user' of service 'sheets.googleapis.com'.";
    e.domain = "usageLimits";
    e.reason = "rateLimitExceeded";
  } else if (status >= 500) {
    e.message = status == 503 ? "The service is currently unavailable."
                              : "Internal error "
                                "encountered.";
    e.reason = "backendError";
  } else if (status == 404) {
    e.message = "Requested entity was not found.";
    e.reason = "notFound";
  } else if (status == 403) {
    e.message = "The caller does not have permission";
    e.reason = "forbidden";
  }
  return api_error_body(e);
}

std::string oauth_fault(int status) {
  std::string error = status == 401   ? "invalid_client"
                      : status == 429 ? "rate_limit_exceeded"
                      : status == 503 ? "temporarily_unavailable"
                      : status >= 500 ? "internal_failure"
                                      : "invalid_request";
  return oauth_error(status, error, http::reason_phrase(status)).body;
}

Response unauthenticated() {
  return api_error({.code = 401,
                    .message = "Request had invalid authentication credentials. Expected OAuth 2 "
                               "access token, login cookie or other valid authentication "
                               "credential. See "
                               "https://developers.google.com/identity/sign-in/web/"
                               "devconsole-project.",
                    .reason = "authError",
                    .item_message = "Invalid Credentials",
                    .location = "Authorization",
                    .location_type = "header"});
}

Response insufficient_scopes() {
  return api_error({.code = 403,
                    .message = "Request had insufficient authentication scopes.",
                    .reason = "insufficientPermissions",
                    .item_message = "Insufficient Permission",
                    .details_reason = "ACCESS_TOKEN_SCOPE_INSUFFICIENT"});
}

// --- RFC 3339 -------------------------------------------------------------------------------

/// A date-time as written: the local reading and the offset when one was given.
struct DateTimeText {
  std::chrono::local_seconds local;
  std::chrono::nanoseconds fraction{0};
  std::optional<std::chrono::seconds> offset;
};

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int number(std::string_view s) {
  int n = 0;
  std::from_chars(s.data(), s.data() + s.size(), n);
  return n;
}

/// "2026-01-05T10:30:00", with optional fractional seconds and an optional "Z" or ±hh:mm.
std::optional<DateTimeText> read_date_time(std::string_view s) {
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':')
    return std::nullopt;
  constexpr std::pair<int, int> kFields[] = {{0, 4}, {5, 2}, {8, 2}, {11, 2}, {14, 2}, {17, 2}};
  for (auto [pos, len] : kFields) {
    if (!all_digits(s.substr(pos, len)))
      return std::nullopt;
  }
  std::chrono::year_month_day day{std::chrono::year(number(s.substr(0, 4))),
                                  std::chrono::month(static_cast<unsigned>(number(s.substr(5, 2)))),
                                  std::chrono::day(static_cast<unsigned>(number(s.substr(8, 2))))};
  int h = number(s.substr(11, 2)), mi = number(s.substr(14, 2)), sec = number(s.substr(17, 2));
  if (!day.ok() || int(day.year()) < 1970 || int(day.year()) > 2200 || h > 23 || mi > 59 ||
      sec > 60)
    return std::nullopt;
  DateTimeText out;
  out.local = std::chrono::local_days(day) + std::chrono::hours(h) + std::chrono::minutes(mi) +
              std::chrono::seconds(sec);
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    std::size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
      ++pos;
    auto digits = s.substr(start, pos - start);
    if (digits.empty() || digits.size() > 9)
      return std::nullopt;
    std::int64_t nanos = number(digits);
    for (auto i = digits.size(); i < 9; ++i)
      nanos *= 10;
    out.fraction = std::chrono::nanoseconds(nanos);
  }
  auto zone = s.substr(pos);
  if (zone == "Z" || zone == "z") {
    out.offset = std::chrono::seconds(0);
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' &&
             all_digits(zone.substr(1, 2)) && all_digits(zone.substr(4, 2))) {
    auto hh = number(zone.substr(1, 2)), mm = number(zone.substr(4, 2));
    if (hh > 23 || mm > 59)
      return std::nullopt;
    out.offset = std::chrono::seconds((hh * 60 + mm) * 60 * (zone[0] == '-' ? -1 : 1));
  } else if (!zone.empty()) {
    return std::nullopt;
  }
  return out;
}

/// RFC 3339 with a mandatory offset, as Google's list and freeBusy filters take it.
std::optional<Clock::time_point> parse_instant(std::string_view s) {
  auto t = read_date_time(s);
  if (!t || !t->offset)
    return std::nullopt;
  return Clock::time_point(t->local.time_since_epoch() - *t->offset +
                           std::chrono::duration_cast<Clock::duration>(t->fraction));
}

/// "2026-01-05T09:00:00+01:00" ("Z" in UTC), as Google writes times in a zone's offset.
std::string format_instant(Clock::time_point t, const time::Zone& zone) {
  auto offset = zone.offset_at(t);
  auto local = std::chrono::floor<std::chrono::seconds>(t) + offset;
  auto day = std::chrono::floor<std::chrono::days>(local);
  std::chrono::year_month_day ymd(day);
  std::chrono::hh_mm_ss hms(local - day);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                int(hms.minutes().count()), int(hms.seconds().count()));
  std::string out = buf;
  if (offset.count() == 0)
    return out + "Z";
  auto minutes = std::abs(offset.count()) / 60;
  std::snprintf(buf, sizeof buf, "%c%02lld:%02lld", offset.count() < 0 ? '-' : '+',
                static_cast<long long>(minutes / 60), static_cast<long long>(minutes % 60));
  return out + buf;
}

// --- small helpers ------------------------------------------------------------------------------

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::set<std::string> split_scopes(std::string_view text) {
  std::set<std::string> out;
  while (!text.empty()) {
    auto sp = text.find(' ');
    auto word = text.substr(0, sp);
    if (!word.empty())
      out.emplace(word);
    text = sp == std::string_view::npos ? std::string_view() : text.substr(sp + 1);
  }
  return out;
}

std::string join_scopes(const std::set<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes)
    out += (out.empty() ? "" : " ") + s;
  return out;
}

/// openid, email and profile need no consent checkbox: Google always shares who signs in.
bool basic_scope(const std::string& scope) {
  return scope == "openid" || scope == "email" || scope == "profile" ||
         scope == kScopeBase + "userinfo.email" || scope == kScopeBase + "userinfo.profile";
}

/// Every value of a repeatable query parameter, percent-decoded.
std::vector<std::string> query_values(const Request& req, std::string_view name) {
  return form_values(parse_form(req.query), name);
}

Response html_page(int status, const std::string& title, const std::string& body) {
  return Response::text(status,
                        "<!doctype html><html lang=\"de\"><head><meta charset=\"utf-8\">"
                        "<meta name=\"viewport\" content=\"width=device-width\"><title>" +
                            html_escape(title) +
                            "</title><style>body{font-family:sans-serif;max-width:46rem;margin:"
                            "2rem auto;padding:0 1rem}label{display:block;margin:.4rem 0}"
                            "button{margin:.8rem .5rem 0 0;padding:.5rem 1.2rem}table{border-"
                            "collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .4rem}"
                            ".formula{color:#a00;font-style:italic}</style></head><body>" +
                            body + "</body></html>",
                        "text/html; charset=utf-8");
}

Response redirect(const std::string& location) {
  Response res;
  res.status = 302;
  res.headers.set("Location", location);
  res.headers.set("Cache-Control", "no-store");
  return res;
}

std::string with_query(const std::string& uri,
                       const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out = uri;
  char sep = uri.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, v] : params) {
    out += sep + k + "=" + http::percent_encode(v);
    sep = '&';
  }
  return out;
}

/// A random identifier of `n` base32hex characters (a–v, 0–9), valid as a Calendar event id.
std::string base32hex_id(std::size_t n) {
  std::string out;
  for (unsigned char c : crypto::random_bytes(n))
    out += "0123456789abcdefghijklmnopqrstuv"[c % 32];
  return out;
}

bool valid_event_id(std::string_view id) {
  return id.size() >= 5 && id.size() <= 1024 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'v') || (c >= '0' && c <= '9');
         });
}

std::string column_name(std::int64_t index) {
  std::string out;
  for (++index; index > 0; index = (index - 1) / 26)
    out.insert(out.begin(), static_cast<char>('A' + (index - 1) % 26));
  return out;
}

/// A sheet name as A1 notation needs it: quoted unless it is plain letters, digits and "_".
std::string quoted_sheet(const std::string& title) {
  bool plain = !title.empty() && std::all_of(title.begin(), title.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
  if (plain)
    return title;
  std::string out = "'";
  for (char c : title)
    out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// --- the stand-in -------------------------------------------------------------------------------

/// Who is calling an API: the account and the scopes of the grant behind the access token.
struct Caller {
  std::string email;
  std::set<std::string> scopes;
};

/// A parsed A1 range on one sheet; rows and columns 0-based and inclusive, -1 for open ends.
struct A1Range {
  std::size_t sheet = 0;
  std::int64_t col1 = 0, row1 = 0, col2 = -1, row2 = -1;
};

class GoogleSandbox {
 public:
  GoogleSandbox(const SandboxSettings& settings, GoogleStore& store)
      : settings_(settings), store_(store) {}

  // --- OAuth ------------------------------------------------------------------------------------

  Response consent_page(Request& req) {
    auto get = [&](const char* name) { return req.query_param(name).value_or(""); };
    if (auto bad = check_auth_request(get))
      return *bad;
    auto scopes = split_scopes(get("scope"));
    std::string list;
    for (const auto& scope : scopes) {
      if (basic_scope(scope)) {
        list += "<li>" + html_escape(scope_text(scope)) + "</li>";
        continue;
      }
      auto short_name = scope.rfind(kScopeBase, 0) == 0 ? scope.substr(kScopeBase.size()) : scope;
      std::replace(short_name.begin(), short_name.end(), '.', '-');
      list += "<li><label><input type=\"checkbox\" name=\"granted\" value=\"" + html_escape(scope) +
              "\" id=\"scope-" + html_escape(short_name) + "\" checked> " +
              html_escape(scope_text(scope)) + " <small>(" + html_escape(scope) +
              ")</small></label></li>";
    }
    std::string hidden;
    for (const char* name : {"client_id", "redirect_uri", "response_type", "scope", "state",
                             "code_challenge", "code_challenge_method", "access_type", "prompt"}) {
      hidden += "<input type=\"hidden\" name=\"" + std::string(name) + "\" value=\"" +
                html_escape(get(name)) + "\">";
    }
    auto login_hint = get("login_hint");
    std::string body =
        "<h1>Mit Google anmelden <small>(Sandbox)</small></h1><p>Die Anwendung <strong>" +
        html_escape(get("client_id")) +
        "</strong> möchte auf Ihr Google-Konto zugreifen / wants to access your Google "
        "Account.</p><form method=\"post\" action=\"/google/o/oauth2/v2/auth/decision\">" +
        hidden +
        "<label for=\"email\">Google-Konto (E-Mail)</label><input type=\"email\" id=\"email\" "
        "name=\"email\" required value=\"" +
        html_escape(login_hint.empty() ? "inhaber@example.com" : login_hint) +
        "\"><p>Die Anwendung erhält folgende Berechtigungen:</p><ul>" + list +
        "</ul><button type=\"submit\" id=\"deny\" name=\"decision\" value=\"deny\" "
        "formnovalidate>Abbrechen</button><button type=\"submit\" id=\"allow\" name=\"decision\" "
        "value=\"allow\">Zulassen</button></form>";
    return html_page(200, "Mit Google anmelden", body);
  }

  Response decision(Request& req) {
    auto form = parse_form(req.body);
    auto get = [&](const char* name) { return form_value(form, name); };
    if (auto bad = check_auth_request(get))
      return *bad;
    std::vector<std::pair<std::string, std::string>> back;
    if (get("decision") != "allow") {
      back.emplace_back("error", "access_denied");
      if (!get("state").empty())
        back.emplace_back("state", get("state"));
      return redirect(with_query(get("redirect_uri"), back));
    }
    auto email = lower(get("email"));
    auto at = email.find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= email.size() || email.size() > 254 ||
        email.find_first_of(" <>\"'") != std::string::npos)
      return html_page(400, "Fehler", "<h1>Bitte geben Sie eine gültige E-Mail-Adresse ein.</h1>");
    std::set<std::string> granted;
    auto ticked = form_values(form, "granted");
    for (const auto& scope : split_scopes(get("scope"))) {
      if (basic_scope(scope) || std::find(ticked.begin(), ticked.end(), scope) != ticked.end())
        granted.insert(scope);
    }
    GoogleCode code{.client_id = get("client_id"),
                    .redirect_uri = get("redirect_uri"),
                    .code_challenge = get("code_challenge"),
                    .code_challenge_method = get("code_challenge_method"),
                    .scopes = granted,
                    .email = email,
                    .offline = get("access_type") == "offline",
                    .expires = Clock::now() + kCodeLifetime};
    if (!code.code_challenge.empty() && code.code_challenge_method.empty())
      code.code_challenge_method = "plain";
    auto value = "4/0Sbx" + crypto::random_token(24);
    store_.with([&](GoogleState& s) {
      account(s, email);
      s.codes[value] = std::move(code);
    });
    log::info("google consent given", {{"email", email}, {"scopes", join_scopes(granted)}});
    back = {{"code", value}, {"scope", join_scopes(granted)}};
    if (!get("state").empty())
      back.emplace_back("state", get("state"));
    return redirect(with_query(get("redirect_uri"), back));
  }

  Response token(Request& req) {
    auto form = parse_form(req.body);
    std::string client_id = form_value(form, "client_id");
    std::string client_secret = form_value(form, "client_secret");
    if (auto basic = req.header("Authorization"); basic && basic->rfind("Basic ", 0) == 0) {
      auto decoded = crypto::base64_decode(http::trim_ows(basic->substr(6))).value_or("");
      auto colon = decoded.find(':');
      if (colon == std::string::npos)
        return oauth_error(401, "invalid_client", "Unauthorized");
      client_id = http::percent_decode(decoded.substr(0, colon), true);
      client_secret = http::percent_decode(decoded.substr(colon + 1), true);
    }
    if (!client_known(client_id, client_secret, true))
      return oauth_error(401, "invalid_client", "The OAuth client was not found.");
    auto grant_type = form_value(form, "grant_type");
    if (grant_type.empty())
      return oauth_error(400, "invalid_request", "Missing required parameter: grant_type");
    if (grant_type == "authorization_code")
      return exchange_code(form, client_id);
    if (grant_type == "refresh_token")
      return refresh(form, client_id);
    return oauth_error(400, "unsupported_grant_type", "Invalid grant_type: " + grant_type);
  }

  Response revoke(Request& req) {
    auto token = form_value(parse_form(req.body), "token");
    if (token.empty())
      token = req.query_param("token").value_or("");
    if (token.empty())
      return oauth_error(400, "invalid_request", "Missing required parameter: token");
    bool revoked = store_.with([&](GoogleState& s) {
      auto* grant = grant_of_token(s, token);
      if (!grant || grant->revoked)
        return false;
      grant->revoked = true;
      return true;
    });
    if (!revoked)
      return oauth_error(400, "invalid_token", "Token expired or revoked");
    log::info("google grant revoked", {});
    return Response::json(200, "{}");
  }

  Response userinfo(Request& req) {
    Caller caller;
    if (!authenticate(req, caller))
      return oauth_error(401, "invalid_request", "Invalid Credentials");
    return store_.with([&](GoogleState& s) {
      json::Writer w;
      w.begin_object()
          .field("sub", account(s, caller.email).sub)
          .field("email", caller.email)
          .field("email_verified", true)
          .end_object();
      return Response::json(200, w.str());
    });
  }

  // --- Calendar ---------------------------------------------------------------------------------

  Response free_busy(Request& req) {
    Caller caller;
    if (auto denied = authorize(req, kFreeBusyScopes, caller))
      return *denied;
    json::Document doc;
    try {
      doc = json::parse(req.body);
    } catch (const json::ParseError&) {
      return calendar_error(400, "parseError", "Parse Error");
    }
    if (!doc.IsObject())
      return calendar_error(400, "badRequest", "Bad Request");
    auto time_min = json::get_optional_string(doc, "timeMin");
    auto time_max = json::get_optional_string(doc, "timeMax");
    if (!time_min)
      return calendar_error(400, "required", "Missing timeMin parameter.");
    if (!time_max)
      return calendar_error(400, "required", "Missing timeMax parameter.");
    auto from = parse_instant(*time_min), to = parse_instant(*time_max);
    if (!from || !to)
      return calendar_error(400, "badRequest", "Bad Request");
    if (*to <= *from)
      return calendar_error(400, "timeRangeEmpty", "The specified time range is empty.");
    auto zone = time::Zone::utc();
    if (auto name = json::get_optional_string(doc, "timeZone")) {
      auto found = time::Zone::find(*name);
      if (!found)
        return calendar_error(400, "invalid", "Invalid time zone: " + *name);
      zone = *found;
    }
    auto items = doc.FindMember("items");
    if (items == doc.MemberEnd() || !items->value.IsArray())
      return calendar_error(400, "required", "Missing items parameter.");
    json::Writer w;
    w.begin_object().field("kind", "calendar#freeBusy");
    w.field("timeMin", json::utc_timestamp(*from)).field("timeMax", json::utc_timestamp(*to));
    w.key("calendars").begin_object();
    store_.with([&](GoogleState& s) {
      for (const auto& item : items->value.GetArray()) {
        auto id = item.IsObject() ? json::get_string(item, "id") : std::string();
        w.key(id).begin_object();
        auto* acc = calendar_of(s, caller, id);
        if (!acc) {
          w.key("errors").begin_array().begin_object();
          w.field("domain", "global").field("reason", "notFound").end_object().end_array();
          w.key("busy").begin_array().end_array().end_object();
          continue;
        }
        w.key("busy").begin_array();
        for (const auto& [start, end] : busy(*acc, *from, *to)) {
          w.begin_object()
              .field("start", format_instant(start, zone))
              .field("end", format_instant(end, zone))
              .end_object();
        }
        w.end_array().end_object();
      }
    });
    w.end_object().end_object();
    return Response::json(200, w.str());
  }

  Response insert_event(Request& req) {
    Caller caller;
    if (auto denied = authorize(req, kEventWriteScopes, caller))
      return *denied;
    json::Document doc;
    if (auto bad = event_body(req.body, doc))
      return *bad;
    std::string id = json::get_string(doc, "id");
    if (doc.HasMember("id") && (!doc["id"].IsString() || !valid_event_id(id)))
      return calendar_error(400, "invalid", "Invalid resource id value.");
    return store_.with([&](GoogleState& s) -> Response {
      auto* acc = calendar_of(s, caller, req.param("calendarId"));
      if (!acc)
        return calendar_error(404, "notFound", "Not Found");
      if (id.empty())
        id = base32hex_id(26);
      if (acc->events.count(id))
        return calendar_error(409, "duplicate", "The requested identifier already exists.");
      auto now = Clock::now();
      auto& a = doc.GetAllocator();
      auto set = [&](const char* name, json::Value value) {
        doc.RemoveMember(name);
        doc.AddMember(json::Value(name, a), value, a);
      };
      set("kind", json::Value("calendar#event", a));
      set("id", json::Value(id.c_str(), a));
      if (!doc.HasMember("status"))
        set("status", json::Value("confirmed", a));
      set("htmlLink",
          json::Value((settings_.public_url + "/google/_state#event-" + id).c_str(), a));
      set("created", json::Value(json::utc_timestamp(now).c_str(), a));
      set("iCalUID", json::Value((id + "@google.com").c_str(), a));
      set("sequence", json::Value(0));
      json::Value self(rapidjson::kObjectType);
      self.AddMember("email", json::Value(acc->email.c_str(), a), a);
      self.AddMember("self", true, a);
      set("creator", json::Value(self, a));
      set("organizer", std::move(self));
      if (!doc.HasMember("reminders")) {
        json::Value reminders(rapidjson::kObjectType);
        reminders.AddMember("useDefault", true, a);
        set("reminders", std::move(reminders));
      }
      set("eventType", json::Value("default", a));
      GoogleEvent ev;
      ev.seq = ++s.seq;
      if (auto bad = store_event(doc, now, ev))
        return *bad;
      acc->events[id] = ev;
      return Response::json(200, ev.json);
    });
  }

  Response list_events(Request& req) {
    Caller caller;
    if (auto denied = authorize(req, kEventReadScopes, caller))
      return *denied;
    std::optional<Clock::time_point> from, to;
    const std::pair<const char*, std::optional<Clock::time_point>*> bounds[] = {{"timeMin", &from},
                                                                                {"timeMax", &to}};
    for (auto [name, out] : bounds) {
      if (auto v = req.query_param(name)) {
        *out = parse_instant(*v);
        if (!*out)
          return calendar_error(400, "badRequest", "Bad Request");
      }
    }
    if (from && to && *to <= *from)
      return calendar_error(400, "timeRangeEmpty", "The specified time range is empty.");
    bool single = req.query_param("singleEvents") == "true";
    auto order = req.query_param("orderBy").value_or("");
    if (order == "startTime" && !single)
      return calendar_error(400, "badRequest",
                            "The requested ordering is not available for the particular query.");
    if (!order.empty() && order != "startTime" && order != "updated")
      return calendar_error(400, "invalid", "Invalid value for: orderBy");
    std::int64_t max_results = 250, offset = 0;
    if (auto v = req.query_param("maxResults")) {
      if (!all_digits(*v) || v->size() > 6 || number(*v) < 1)
        return calendar_error(400, "invalid", "Invalid value for: maxResults");
      max_results = std::min(number(*v), 2500);
    }
    if (auto v = req.query_param("pageToken")) {
      if (!all_digits(*v) || v->size() > 9)
        return calendar_error(400, "invalid", "Invalid page token.");
      offset = number(*v);
    }
    std::vector<std::pair<std::string, std::string>> wanted_private, wanted_shared;
    const std::pair<const char*, std::vector<std::pair<std::string, std::string>>*> filters[] = {
        {"privateExtendedProperty", &wanted_private}, {"sharedExtendedProperty", &wanted_shared}};
    for (auto [name, out] : filters) {
      for (const auto& v : query_values(req, name)) {
        auto eq = v.find('=');
        if (eq == std::string::npos || eq == 0)
          return calendar_error(400, "invalid", "Invalid extended property constraint: " + v);
        out->emplace_back(v.substr(0, eq), v.substr(eq + 1));
      }
    }
    auto q = lower(req.query_param("q").value_or(""));
    bool show_deleted = req.query_param("showDeleted") == "true";
    return store_.with([&](GoogleState& s) -> Response {
      auto* acc = calendar_of(s, caller, req.param("calendarId"));
      if (!acc)
        return calendar_error(404, "notFound", "Not Found");
      auto has = [](const std::map<std::string, std::string>& props,
                    const std::vector<std::pair<std::string, std::string>>& wanted) {
        return std::all_of(wanted.begin(), wanted.end(), [&](const auto& kv) {
          auto it = props.find(kv.first);
          return it != props.end() && it->second == kv.second;
        });
      };
      std::vector<const GoogleEvent*> hits;
      for (const auto& [id, ev] : acc->events) {
        if ((ev.cancelled && !show_deleted) || (from && ev.end <= *from) ||
            (to && ev.start >= *to) || !has(ev.private_properties, wanted_private) ||
            !has(ev.shared_properties, wanted_shared) ||
            (!q.empty() && ev.search_text.find(q) == std::string::npos))
          continue;
        hits.push_back(&ev);
      }
      std::sort(hits.begin(), hits.end(), [&](const GoogleEvent* a, const GoogleEvent* b) {
        if (order == "startTime" && a->start != b->start)
          return a->start < b->start;
        if (order == "updated" && a->updated != b->updated)
          return a->updated < b->updated;
        return a->seq < b->seq;
      });
      json::Writer w;
      w.begin_object().field("kind", "calendar#events");
      w.field("etag", "\"" + std::to_string(micros(Clock::now())) + "\"");
      w.field("summary", acc->email).field("timeZone", "UTC").field("accessRole", "owner");
      w.field("updated", json::utc_timestamp(Clock::now()));
      w.key("defaultReminders").begin_array().end_array();
      auto end = std::min<std::int64_t>(offset + max_results, std::ssize(hits));
      if (end < std::ssize(hits))
        w.field("nextPageToken", std::to_string(end));
      w.key("items").begin_array();
      for (auto i = offset; i < end; ++i)
        w.raw(hits[static_cast<std::size_t>(i)]->json);
      w.end_array().end_object();
      return Response::json(200, w.str());
    });
  }

  Response get_event(Request& req) {
    Caller caller;
    if (auto denied = authorize(req, kEventReadScopes, caller))
      return *denied;
    return store_.with([&](GoogleState& s) -> Response {
      auto* ev = event_of(s, caller, req);
      if (!ev)
        return calendar_error(404, "notFound", "Not Found");
      return Response::json(200, ev->json);
    });
  }

  Response patch_event(Request& req) {
    Caller caller;
    if (auto denied = authorize(req, kEventWriteScopes, caller))
      return *denied;
    json::Document patch;
    if (auto bad = event_body(req.body, patch))
      return *bad;
    if (patch.HasMember("id") && json::get_string(patch, "id") != req.param("eventId"))
      return calendar_error(400, "invalid", "Invalid resource id value.");
    return store_.with([&](GoogleState& s) -> Response {
      auto* ev = event_of(s, caller, req);
      if (!ev)
        return calendar_error(404, "notFound", "Not Found");
      auto doc = json::parse(ev->json);
      merge(doc, patch, doc.GetAllocator());
      auto seq = json::get_int(doc, "sequence") + 1;
      doc["sequence"].SetInt64(seq);
      GoogleEvent updated;
      updated.seq = ev->seq;
      if (auto bad = store_event(doc, Clock::now(), updated))
        return *bad;
      *ev = std::move(updated);
      return Response::json(200, ev->json);
    });
  }

  Response delete_event(Request& req) {
    Caller caller;
    if (auto denied = authorize(req, kEventWriteScopes, caller))
      return *denied;
    return store_.with([&](GoogleState& s) -> Response {
      auto* ev = event_of(s, caller, req);
      if (!ev)
        return calendar_error(404, "notFound", "Not Found");
      if (ev->cancelled)
        return calendar_error(410, "deleted", "Resource has been deleted");
      auto doc = json::parse(ev->json);
      doc["status"].SetString("cancelled", doc.GetAllocator());
      GoogleEvent cancelled;
      cancelled.seq = ev->seq;
      store_event(doc, Clock::now(), cancelled);
      *ev = std::move(cancelled);
      return Response::no_content();
    });
  }

  // --- Sheets -----------------------------------------------------------------------------------

  Response create_spreadsheet(Request& req) {
    Caller caller;
    if (auto denied = authorize(req, kSheetWriteScopes, caller))
      return *denied;
    json::Document doc;
    try {
      doc = json::parse(req.body.empty() ? "{}" : req.body);
    } catch (const json::ParseError& e) {
      return sheets_error(400, std::string("Invalid JSON payload received. ") + e.what());
    }
    if (!doc.IsObject())
      return sheets_error(400, "Invalid JSON payload received.");
    GoogleSpreadsheet sheet;
    sheet.owner = caller.email;
    sheet.created = Clock::now();
    sheet.title = "Unbenannte Tabelle";
    sheet.locale = "en_US";
    sheet.time_zone = "Etc/GMT";
    if (auto p = doc.FindMember("properties"); p != doc.MemberEnd() && p->value.IsObject()) {
      sheet.title = json::get_string(p->value, "title", sheet.title);
      sheet.locale = json::get_string(p->value, "locale", sheet.locale);
      sheet.time_zone = json::get_string(p->value, "timeZone", sheet.time_zone);
    }
    if (auto tabs = doc.FindMember("sheets"); tabs != doc.MemberEnd() && tabs->value.IsArray()) {
      for (const auto& tab : tabs->value.GetArray()) {
        GoogleSheet g;
        g.sheet_id = sheet.sheets.empty() ? 0 : 100'000'000 + std::ssize(sheet.sheets);
        auto p = tab.IsObject() ? tab.FindMember("properties") : tab.MemberEnd();
        if (tab.IsObject() && p != tab.MemberEnd() && p->value.IsObject()) {
          g.title = json::get_string(p->value, "title");
          if (auto gp = p->value.FindMember("gridProperties");
              gp != p->value.MemberEnd() && gp->value.IsObject())
            g.frozen_rows = json::get_int(gp->value, "frozenRowCount");
        }
        if (g.title.empty())
          g.title = (sheet.locale.rfind("de", 0) == 0 ? "Tabellenblatt" : "Sheet") +
                    std::to_string(sheet.sheets.size() + 1);
        for (const auto& other : sheet.sheets) {
          if (other.title == g.title)
            return sheets_error(400, "Invalid requests: A sheet with the name \"" + g.title +
                                         "\" already exists. Please enter another name.");
        }
        sheet.sheets.push_back(std::move(g));
      }
    }
    if (sheet.sheets.empty())
      sheet.sheets.push_back(
          {.title = sheet.locale.rfind("de", 0) == 0 ? "Tabellenblatt1" : "Sheet1"});
    sheet.id = "1" + crypto::random_token(32).substr(0, 43);
    auto body = spreadsheet_json(sheet);
    store_.with([&](GoogleState& s) { s.spreadsheets[sheet.id] = sheet; });
    log::info("google spreadsheet created", {{"id", sheet.id}, {"owner", caller.email}});
    return Response::json(200, body);
  }

  Response get_spreadsheet(Request& req) {
    Caller caller;
    if (auto denied = authorize(req, kSheetReadScopes, caller))
      return *denied;
    return store_.with([&](GoogleState& s) -> Response {
      auto* sheet = spreadsheet_of(s, caller, req.param("id"));
      if (!sheet)
        return Response::json(404, sheets_fault(404));
      return Response::json(200, spreadsheet_json(*sheet));
    });
  }

  Response append_values(Request& req) {
    Caller caller;
    if (auto denied = authorize(req, kSheetWriteScopes, caller))
      return *denied;
    auto range_text = req.param("range");
    constexpr std::string_view kAppend = ":append";
    if (range_text.size() <= kAppend.size() || !range_text.ends_with(kAppend))
      return sheets_error(404, "Requested entity was not found.");
    range_text.resize(range_text.size() - kAppend.size());
    auto option = req.query_param("valueInputOption").value_or("");
    if (option.empty())
      return sheets_error(400, "'valueInputOption' is required but not specified");
    if (option != "RAW" && option != "USER_ENTERED")
      return sheets_error(400,
                          "Invalid value at 'value_input_option' (type.googleapis.com/"
                          "google.apps.sheets.v4.ValueInputOption), \"" +
                              option + "\"");
    auto insert = req.query_param("insertDataOption").value_or("OVERWRITE");
    if (insert != "OVERWRITE" && insert != "INSERT_ROWS")
      return sheets_error(400, "Invalid value at 'insert_data_option', \"" + insert + "\"");
    json::Document doc;
    try {
      doc = json::parse(req.body);
    } catch (const json::ParseError& e) {
      return sheets_error(400, std::string("Invalid JSON payload received. ") + e.what());
    }
    if (!doc.IsObject())
      return sheets_error(400, "Invalid JSON payload received.");
    if (auto r = json::get_optional_string(doc, "range"); r && *r != range_text)
      return sheets_error(400, "Requested writing within range [" + range_text +
                                   "], but tried writing to [" + *r + "]");
    auto dimension = json::get_string(doc, "majorDimension", "ROWS");
    if (dimension != "ROWS" && dimension != "COLUMNS" && dimension != "DIMENSION_UNSPECIFIED")
      return sheets_error(400, "Invalid value at 'data.major_dimension', \"" + dimension + "\"");
    std::vector<std::vector<GoogleCell>> rows;
    if (auto values = doc.FindMember("values"); values != doc.MemberEnd()) {
      if (!values->value.IsArray())
        return sheets_error(400, "Invalid value at 'data.values'");
      for (const auto& row : values->value.GetArray()) {
        if (!row.IsArray())
          return sheets_error(
              400, "Invalid value at 'data.values[" + std::to_string(rows.size()) + "]'");
        std::vector<GoogleCell> cells;
        for (const auto& v : row.GetArray()) {
          auto cell = read_cell(v, option == "USER_ENTERED");
          if (!cell)
            return sheets_error(400, "Invalid values[" + std::to_string(rows.size()) + "][" +
                                         std::to_string(cells.size()) + "]: " + json::to_string(v));
          cells.push_back(std::move(*cell));
        }
        rows.push_back(std::move(cells));
      }
    }
    if (dimension == "COLUMNS")
      rows = transpose(rows);
    return store_.with([&](GoogleState& s) -> Response {
      auto* sheet = spreadsheet_of(s, caller, req.param("id"));
      if (!sheet)
        return Response::json(404, sheets_fault(404));
      auto range = parse_range(*sheet, range_text);
      if (!range)
        return sheets_error(400, "Unable to parse range: " + range_text);
      auto& tab = sheet->sheets[range->sheet];
      auto name = quoted_sheet(tab.title);
      json::Writer w;
      w.begin_object().field("spreadsheetId", sheet->id);
      if (!tab.rows.empty())
        w.field("tableRange",
                name + "!A1:" + column_name(width(tab.rows) - 1) + std::to_string(tab.rows.size()));
      auto first_row = std::ssize(tab.rows);
      std::int64_t columns = 0, cells = 0;
      for (auto& row : rows) {
        columns = std::max<std::int64_t>(columns, std::ssize(row));
        cells += std::count_if(row.begin(), row.end(),
                               [](const GoogleCell& c) { return c.kind != "empty"; });
        row.insert(row.begin(), static_cast<std::size_t>(range->col1), GoogleCell{"null"});
        tab.rows.push_back(row);
      }
      w.key("updates").begin_object().field("spreadsheetId", sheet->id);
      if (!rows.empty()) {
        w.field("updatedRange",
                name + "!" + column_name(range->col1) + std::to_string(first_row + 1) + ":" +
                    column_name(range->col1 + std::max<std::int64_t>(columns, 1) - 1) +
                    std::to_string(first_row + std::ssize(rows)));
        w.field("updatedRows", std::ssize(rows))
            .field("updatedColumns", columns)
            .field("updatedCells", cells);
      }
      w.end_object().end_object();
      return Response::json(200, w.str());
    });
  }

  Response get_values(Request& req) {
    Caller caller;
    if (auto denied = authorize(req, kSheetReadScopes, caller))
      return *denied;
    auto render = req.query_param("valueRenderOption").value_or("FORMATTED_VALUE");
    if (render != "FORMATTED_VALUE" && render != "UNFORMATTED_VALUE" && render != "FORMULA")
      return sheets_error(400, "Invalid value at 'value_render_option', \"" + render + "\"");
    return store_.with([&](GoogleState& s) -> Response {
      auto* sheet = spreadsheet_of(s, caller, req.param("id"));
      if (!sheet)
        return Response::json(404, sheets_fault(404));
      auto range = parse_range(*sheet, req.param("range"));
      if (!range)
        return sheets_error(400, "Unable to parse range: " + req.param("range"));
      const auto& tab = sheet->sheets[range->sheet];
      auto grid_rows = std::max<std::int64_t>(1000, std::ssize(tab.rows));
      auto grid_cols = std::max<std::int64_t>(26, width(tab.rows));
      auto row2 = range->row2 < 0 ? grid_rows - 1 : range->row2;
      auto col2 = range->col2 < 0 ? grid_cols - 1 : range->col2;
      json::Writer w;
      w.begin_object().field("range", quoted_sheet(tab.title) + "!" + column_name(range->col1) +
                                          std::to_string(range->row1 + 1) + ":" +
                                          column_name(col2) + std::to_string(row2 + 1));
      w.field("majorDimension", "ROWS");
      std::vector<std::vector<const GoogleCell*>> out;
      for (auto r = range->row1; r <= row2 && r < std::ssize(tab.rows); ++r) {
        const auto& row = tab.rows[static_cast<std::size_t>(r)];
        std::vector<const GoogleCell*> cells;
        for (auto c = range->col1; c <= col2 && c < std::ssize(row); ++c)
          cells.push_back(&row[static_cast<std::size_t>(c)]);
        while (!cells.empty() && cells.back()->kind == "empty")
          cells.pop_back();
        out.push_back(std::move(cells));
      }
      while (!out.empty() && out.back().empty())
        out.pop_back();
      if (!out.empty()) {
        w.key("values").begin_array();
        for (const auto& row : out) {
          w.begin_array();
          for (const auto* cell : row) {
            if (cell->kind == "empty")
              w.value("");
            else if (render == "FORMATTED_VALUE" && cell->kind != "text" && cell->kind != "formula")
              w.value(cell->kind == "bool" ? (cell->json == "true" ? "TRUE" : "FALSE")
                                           : cell->json);
            else
              w.raw(cell->json);
          }
          w.end_array();
        }
        w.end_array();
      }
      w.end_object();
      return Response::json(200, w.str());
    });
  }

  // --- Drive ------------------------------------------------------------------------------------

  Response get_file(Request& req) {
    Caller caller;
    if (auto denied = authorize(req, kDriveReadScopes, caller))
      return *denied;
    return store_.with([&](GoogleState& s) -> Response {
      auto* sheet = spreadsheet_of(s, caller, req.param("id"));
      if (!sheet)
        return file_not_found(req.param("id"));
      return Response::json(200, file_json(*sheet, req.query_param("fields").value_or("")));
    });
  }

  Response patch_file(Request& req) {
    Caller caller;
    if (auto denied = authorize(req, kDriveWriteScopes, caller))
      return *denied;
    json::Document doc;
    try {
      doc = json::parse(req.body.empty() ? "{}" : req.body);
    } catch (const json::ParseError&) {
      return sheets_error(400, "Invalid JSON payload received.");
    }
    if (!doc.IsObject() || (doc.HasMember("trashed") && !doc["trashed"].IsBool()))
      return sheets_error(400, "Invalid value for: trashed");
    return store_.with([&](GoogleState& s) -> Response {
      auto* sheet = spreadsheet_of(s, caller, req.param("id"));
      if (!sheet)
        return file_not_found(req.param("id"));
      if (doc.HasMember("trashed"))
        sheet->trashed = doc["trashed"].GetBool();
      if (auto name = json::get_optional_string(doc, "name"); name && !name->empty())
        sheet->title = *name;
      return Response::json(200, file_json(*sheet, req.query_param("fields").value_or("")));
    });
  }

  Response delete_file(Request& req) {
    Caller caller;
    if (auto denied = authorize(req, kDriveWriteScopes, caller))
      return *denied;
    bool deleted = store_.with([&](GoogleState& s) {
      if (!spreadsheet_of(s, caller, req.param("id")))
        return false;
      s.spreadsheets.erase(req.param("id"));
      s.deleted_spreadsheets.insert(req.param("id"));
      return true;
    });
    if (!deleted)
      return file_not_found(req.param("id"));
    log::info("google spreadsheet deleted", {{"id", req.param("id")}});
    return Response::no_content();
  }

  // --- the sheet as the owner sees it (demo) ----------------------------------------------------

  Response sheet_page(Request& req) {
    return store_.with([&](GoogleState& s) -> Response {
      auto it = s.spreadsheets.find(req.param("id"));
      if (it == s.spreadsheets.end())
        return html_page(
            404, "Tabelle nicht gefunden",
            "<h1>Tabelle nicht gefunden</h1><p>Diese Tabelle gibt es nicht (mehr).</p>");
      const auto& sheet = it->second;
      std::string body = "<h1>" + html_escape(sheet.title) +
                         "</h1><p>Google-Konto: " + html_escape(sheet.owner) +
                         (sheet.trashed ? " · im Papierkorb" : "") + "</p>";
      for (const auto& tab : sheet.sheets) {
        body += "<h2>" + html_escape(tab.title) + "</h2><table>";
        for (const auto& row : tab.rows) {
          body += "<tr>";
          for (const auto& cell : row) {
            auto doc = json::parse(cell.json);
            auto text = doc.IsString() ? std::string(doc.GetString(), doc.GetStringLength())
                        : doc.IsNull() ? std::string()
                                       : cell.json;
            body += cell.kind == "formula" ? "<td class=\"formula\" title=\"Formel\">" : "<td>";
            body += html_escape(text) + "</td>";
          }
          body += "</tr>";
        }
        body += "</table>";
      }
      body += "<form method=\"post\" action=\"/google/sheets/" + html_escape(sheet.id) +
              "/delete\"><button type=\"submit\" id=\"delete\">Tabelle endgültig "
              "löschen</button></form>";
      return html_page(200, sheet.title, body);
    });
  }

  Response delete_sheet_page(Request& req) {
    store_.with([&](GoogleState& s) {
      if (s.spreadsheets.erase(req.param("id")))
        s.deleted_spreadsheets.insert(req.param("id"));
    });
    Response res;
    res.status = 303;
    res.headers.set("Location", "/google/sheets/" + http::percent_encode(req.param("id")));
    return res;
  }

  // --- state for tests
  // ------------------------------------------------------------------------------

  Response state(Request&) {
    return store_.with([&](GoogleState& s) {
      auto now = Clock::now();
      json::Writer w;
      std::int64_t events = 0, revoked = 0, pending = 0;
      w.begin_object().key("accounts").begin_object();
      for (const auto& [email, acc] : s.accounts) {
        w.key(email).begin_object().field("sub", acc.sub);
        w.key("calendar").begin_object().field("id", email).key("events").begin_array();
        std::vector<const GoogleEvent*> sorted;
        for (const auto& [id, ev] : acc.events)
          sorted.push_back(&ev);
        std::sort(sorted.begin(), sorted.end(),
                  [](auto* a, auto* b) { return a->start < b->start; });
        for (const auto* ev : sorted)
          w.raw(ev->json);
        events += std::ssize(sorted);
        w.end_array().end_object().end_object();
      }
      w.end_object().key("spreadsheets").begin_array();
      for (const auto& [id, sheet] : s.spreadsheets) {
        w.begin_object().field("id", id).field("owner", sheet.owner).field("title", sheet.title);
        w.field("url", settings_.public_url + "/google/sheets/" + id)
            .field("trashed", sheet.trashed);
        w.key("sheets").begin_array();
        for (const auto& tab : sheet.sheets) {
          w.begin_object().field("sheetId", tab.sheet_id).field("title", tab.title);
          w.key("rows").begin_array();
          for (const auto& row : tab.rows) {
            w.begin_array();
            for (const auto& cell : row) {
              w.begin_object().key("value").raw(cell.json);
              w.field("type", cell.kind).field("formula", cell.kind == "formula").end_object();
            }
            w.end_array();
          }
          w.end_array().end_object();
        }
        w.end_array().end_object();
      }
      w.end_array().key("deleted_spreadsheets").begin_array();
      for (const auto& id : s.deleted_spreadsheets)
        w.value(id);
      w.end_array().key("grants").begin_array();
      for (const auto& [id, g] : s.grants) {
        std::int64_t live = std::count_if(
            s.access_tokens.begin(), s.access_tokens.end(),
            [&](const auto& t) { return t.second.grant_id == id && t.second.expires > now; });
        w.begin_object().field("id", id).field("client_id", g.client_id).field("email", g.email);
        w.field("scope", join_scopes(g.scopes)).field("refresh_token", g.refresh_token);
        w.field("revoked", g.revoked).field("refreshes", g.refreshes);
        w.field("live_access_tokens", live).field("created", json::utc_timestamp(g.created));
        w.end_object();
        revoked += g.revoked ? 1 : 0;
      }
      for (const auto& [code, c] : s.codes)
        pending += !c.used && c.expires > now ? 1 : 0;
      w.end_array().key("counts").begin_object();
      w.field("accounts", std::ssize(s.accounts)).field("events", events);
      w.field("spreadsheets", std::ssize(s.spreadsheets)).field("grants", std::ssize(s.grants));
      w.field("revoked_grants", revoked).field("pending_codes", pending);
      w.end_object().end_object();
      return Response::json(200, w.str());
    });
  }

 private:
  template <class Get>
  std::optional<Response> check_auth_request(const Get& get) {
    auto fail = [](int status, const std::string& error, const std::string& text) {
      return html_page(status, "Fehler " + std::to_string(status),
                       "<h1>Fehler " + std::to_string(status) + ": " + html_escape(error) +
                           "</h1><p>" + html_escape(text) + "</p>");
    };
    if (get("client_id").empty())
      return fail(400, "invalid_request", "Missing required parameter: client_id");
    if (!client_known(get("client_id"), "", false))
      return fail(401, "invalid_client", "The OAuth client was not found.");
    auto redirect_uri = get("redirect_uri");
    if (redirect_uri.empty())
      return fail(400, "invalid_request", "Missing required parameter: redirect_uri");
    bool registered =
        settings_.google_redirect_uri.empty()
            ? redirect_uri.rfind("http://", 0) == 0 || redirect_uri.rfind("https://", 0) == 0
            : redirect_uri == settings_.google_redirect_uri;
    if (!registered)
      return fail(400, "redirect_uri_mismatch",
                  "The redirect URI in the request, " + redirect_uri +
                      ", does not match the ones authorized for the OAuth client.");
    if (get("response_type") != "code")
      return fail(400, "unsupported_response_type",
                  "Invalid response_type: " + get("response_type"));
    if (split_scopes(get("scope")).empty())
      return fail(400, "invalid_request", "Missing required parameter: scope");
    auto method = get("code_challenge_method");
    if (!method.empty() && method != "S256" && method != "plain")
      return fail(400, "invalid_request", "Invalid code_challenge_method: " + method);
    auto challenge = get("code_challenge");
    if (!challenge.empty() && (challenge.size() < 43 || challenge.size() > 128))
      return fail(400, "invalid_request", "Invalid code_challenge.");
    return std::nullopt;
  }

  /// The client is the configured one; with none configured any non-empty id is accepted.
  bool client_known(const std::string& id, const std::string& secret, bool check_secret) const {
    if (id.empty())
      return false;
    if (settings_.google_client_id.empty())
      return true;
    return id == settings_.google_client_id &&
           (!check_secret || settings_.google_client_secret.empty() ||
            crypto::constant_time_equal(secret, settings_.google_client_secret));
  }

  static std::string scope_text(const std::string& scope) {
    if (scope == kScopeBase + "calendar.events")
      return "Termine in all Ihren Kalendern ansehen und bearbeiten";
    if (scope == kScopeBase + "calendar.freebusy")
      return "Ihre Verfügbarkeit in Ihren Google-Kalendern ansehen";
    if (scope == kScopeBase + "calendar")
      return "Alle Kalender ansehen, bearbeiten, teilen und dauerhaft löschen";
    if (scope == kScopeBase + "drive.file")
      return "Nur die Google Drive-Dateien ansehen, bearbeiten, erstellen und löschen, die Sie "
             "mit dieser App verwenden";
    if (scope == "openid")
      return "Sie mit Ihren persönlichen Daten bei Google verknüpfen";
    if (scope == "email" || scope == kScopeBase + "userinfo.email")
      return "Die primäre E-Mail-Adresse Ihres Google-Kontos ansehen";
    if (scope == "profile" || scope == kScopeBase + "userinfo.profile")
      return "Ihre personenbezogenen Daten ansehen";
    return scope;
  }

  Response exchange_code(const Form& form, const std::string& client_id) {
    auto value = form_value(form, "code");
    if (value.empty())
      return oauth_error(400, "invalid_request", "Missing required parameter: code");
    auto verifier = form_value(form, "code_verifier");
    auto redirect_uri = form_value(form, "redirect_uri");
    return store_.with([&](GoogleState& s) -> Response {
      auto it = s.codes.find(value);
      if (it == s.codes.end())
        return oauth_error(400, "invalid_grant", "Malformed auth code.");
      auto& code = it->second;
      // Single use even when the exchange fails, so a leaked code cannot be tried repeatedly.
      bool was_used = code.used;
      code.used = true;
      if (was_used || code.expires <= Clock::now())
        return oauth_error(400, "invalid_grant", "Bad Request");
      if (code.client_id != client_id)
        return oauth_error(400, "invalid_grant", "The code was issued to another client.");
      if (code.redirect_uri != redirect_uri)
        return oauth_error(400, "invalid_grant", "Bad Request");
      if (!code.code_challenge.empty()) {
        if (verifier.empty())
          return oauth_error(400, "invalid_grant", "Missing code verifier.");
        auto expected = code.code_challenge_method == "S256"
                            ? crypto::base64url_encode(crypto::sha256(verifier))
                            : verifier;
        if (!crypto::constant_time_equal(expected, code.code_challenge))
          return oauth_error(400, "invalid_grant", "Invalid code verifier.");
      }
      GoogleGrant grant{.id = crypto::uuid_v4(),
                        .client_id = client_id,
                        .email = code.email,
                        .scopes = code.scopes,
                        .created = Clock::now()};
      if (code.offline)
        grant.refresh_token = "1//0Sbx" + crypto::random_token(32);
      s.grants[grant.id] = grant;
      return token_response(s, grant, true);
    });
  }

  Response refresh(const Form& form, const std::string& client_id) {
    auto value = form_value(form, "refresh_token");
    if (value.empty())
      return oauth_error(400, "invalid_request", "Missing required parameter: refresh_token");
    return store_.with([&](GoogleState& s) -> Response {
      for (auto& [id, grant] : s.grants) {
        if (grant.refresh_token != value)
          continue;
        if (grant.revoked)
          break;
        if (grant.client_id != client_id)
          return oauth_error(401, "unauthorized_client", "Unauthorized");
        ++grant.refreshes;
        return token_response(s, grant, false);
      }
      return oauth_error(400, "invalid_grant", "Token has been expired or revoked.");
    });
  }

  Response token_response(GoogleState& s, const GoogleGrant& grant, bool with_refresh) {
    auto access = "ya29.Sbx" + crypto::random_token(32);
    auto ttl = std::chrono::seconds(settings_.google_token_ttl_seconds);
    s.access_tokens[access] = {grant.id, Clock::now() + ttl};
    json::Writer w;
    w.begin_object().field("access_token", access);
    w.field("expires_in", static_cast<std::int64_t>(settings_.google_token_ttl_seconds));
    if (with_refresh && !grant.refresh_token.empty())
      w.field("refresh_token", grant.refresh_token);
    w.field("scope", join_scopes(grant.scopes)).field("token_type", "Bearer").end_object();
    auto res = Response::json(200, w.str());
    res.headers.set("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate");
    return res;
  }

  static GoogleGrant* grant_of_token(GoogleState& s, const std::string& token) {
    if (auto t = s.access_tokens.find(token); t != s.access_tokens.end()) {
      auto g = s.grants.find(t->second.grant_id);
      return g == s.grants.end() ? nullptr : &g->second;
    }
    for (auto& [id, grant] : s.grants) {
      if (!grant.refresh_token.empty() && grant.refresh_token == token)
        return &grant;
    }
    return nullptr;
  }

  /// The account behind a live access token.
  bool authenticate(const Request& req, Caller& caller) {
    auto header = req.header("Authorization");
    auto token = header ? http::bearer_token(*header) : std::nullopt;
    if (!token)
      return false;
    return store_.with([&](GoogleState& s) {
      auto t = s.access_tokens.find(std::string(*token));
      if (t == s.access_tokens.end() || t->second.expires <= Clock::now())
        return false;
      auto g = s.grants.find(t->second.grant_id);
      if (g == s.grants.end() || g->second.revoked)
        return false;
      caller.email = g->second.email;
      caller.scopes = g->second.scopes;
      return true;
    });
  }

  /// 401 without a live token, 403 when the grant lacks every scope the call accepts.
  std::optional<Response> authorize(const Request& req, const std::vector<std::string>& accepted,
                                    Caller& caller) {
    if (!authenticate(req, caller))
      return unauthenticated();
    for (const auto& scope : accepted) {
      if (caller.scopes.count(kScopeBase + scope))
        return std::nullopt;
    }
    return insufficient_scopes();
  }

  static GoogleAccount& account(GoogleState& s, const std::string& email) {
    auto& acc = s.accounts[email];
    if (acc.email.empty()) {
      acc.email = email;
      // Google's "sub" is a stable decimal number per account.
      auto hex = crypto::sha256_hex(email);
      acc.sub = "1";
      for (std::size_t i = 0; acc.sub.size() < 21; ++i)
        acc.sub += static_cast<char>('0' + (hex[i] % 10));
    }
    return acc;
  }

  /// The caller's own calendar for "primary" or its e-mail; nullptr for any other id.
  static GoogleAccount* calendar_of(GoogleState& s, const Caller& caller, const std::string& id) {
    if (id != "primary" && lower(id) != caller.email)
      return nullptr;
    return &account(s, caller.email);
  }

  static GoogleEvent* event_of(GoogleState& s, const Caller& caller, const Request& req) {
    auto* acc = calendar_of(s, caller, req.param("calendarId"));
    if (!acc)
      return nullptr;
    auto it = acc->events.find(req.param("eventId"));
    return it == acc->events.end() ? nullptr : &it->second;
  }

  /// The spreadsheet if it exists and belongs to the caller's account (Google answers 404 for
  /// another account's file, not 403: its existence is not disclosed).
  static GoogleSpreadsheet* spreadsheet_of(GoogleState& s, const Caller& caller,
                                           const std::string& id) {
    auto it = s.spreadsheets.find(id);
    if (it == s.spreadsheets.end() || it->second.owner != caller.email)
      return nullptr;
    return &it->second;
  }

  /// The busy intervals of non-cancelled opaque events within [from, to), clipped and merged.
  static std::vector<std::pair<Clock::time_point, Clock::time_point>> busy(const GoogleAccount& acc,
                                                                           Clock::time_point from,
                                                                           Clock::time_point to) {
    std::vector<std::pair<Clock::time_point, Clock::time_point>> spans;
    for (const auto& [id, ev] : acc.events) {
      if (ev.cancelled || ev.transparent || ev.end <= from || ev.start >= to || ev.end <= ev.start)
        continue;
      spans.emplace_back(std::max(ev.start, from), std::min(ev.end, to));
    }
    std::sort(spans.begin(), spans.end());
    std::vector<std::pair<Clock::time_point, Clock::time_point>> merged;
    for (const auto& span : spans) {
      if (!merged.empty() && span.first <= merged.back().second)
        merged.back().second = std::max(merged.back().second, span.second);
      else
        merged.push_back(span);
    }
    return merged;
  }

  /// Parses an Event body and drops the properties only Google sets.
  static std::optional<Response> event_body(const std::string& body, json::Document& doc) {
    try {
      doc = json::parse(body);
    } catch (const json::ParseError&) {
      return calendar_error(400, "parseError", "Parse Error");
    }
    if (!doc.IsObject())
      return calendar_error(400, "badRequest", "Bad Request");
    for (const char* name : {"kind", "etag", "htmlLink", "created", "updated", "creator",
                             "organizer", "sequence", "iCalUID", "eventType"})
      doc.RemoveMember(name);
    return std::nullopt;
  }

  /// PATCH semantics: objects merge member by member, everything else (arrays too) is replaced.
  static void merge(json::Value& target, const json::Value& patch,
                    json::Document::AllocatorType& a) {
    for (const auto& m : patch.GetObject()) {
      auto it = target.FindMember(m.name);
      if (it == target.MemberEnd())
        target.AddMember(json::Value(m.name, a), json::Value(m.value, a), a);
      else if (m.value.IsObject() && it->value.IsObject())
        merge(it->value, m.value, a);
      else
        it->value.CopyFrom(m.value, a);
    }
  }

  /// Reads the start or end of an event: a dateTime with an offset, a dateTime in its timeZone,
  /// or an all-day date (midnight UTC).
  static std::optional<Response> event_time(const json::Document& doc, const char* which,
                                            Clock::time_point& out) {
    std::string name = which;
    auto it = doc.FindMember(which);
    if (it == doc.MemberEnd() || !it->value.IsObject())
      return calendar_error(400, "required", "Missing " + name + " time.");
    const auto& t = it->value;
    if (auto date = json::get_optional_string(t, "date")) {
      auto day = http::parse_date(*date);
      if (!day)
        return calendar_error(400, "invalid", "Invalid " + name + " date.");
      out = *day;
      return std::nullopt;
    }
    auto text = json::get_optional_string(t, "dateTime");
    auto parsed = text ? read_date_time(*text) : std::nullopt;
    if (!parsed)
      return calendar_error(400, "invalid", "Invalid " + name + " time.");
    auto local = parsed->local;
    if (parsed->offset) {
      out = Clock::time_point(local.time_since_epoch() - *parsed->offset);
    } else {
      auto zone_name = json::get_optional_string(t, "timeZone");
      if (!zone_name)
        return calendar_error(400, "required",
                              "Missing time zone definition for " + name + " time.");
      auto zone = time::Zone::find(*zone_name);
      if (!zone)
        return calendar_error(400, "invalid",
                              "Invalid time zone definition for " + name + " time.");
      out = zone->instant(local);
    }
    out += std::chrono::duration_cast<Clock::duration>(parsed->fraction);
    return std::nullopt;
  }

  /// Validates an event document, stamps etag and updated, and fills `ev` from it.
  static std::optional<Response> store_event(json::Document& doc, Clock::time_point now,
                                             GoogleEvent& ev) {
    if (auto bad = event_time(doc, "start", ev.start))
      return bad;
    if (auto bad = event_time(doc, "end", ev.end))
      return bad;
    if (ev.end < ev.start)
      return calendar_error(400, "timeRangeEmpty", "The specified time range is empty.");
    auto status = json::get_string(doc, "status", "confirmed");
    if (status != "confirmed" && status != "tentative" && status != "cancelled")
      return calendar_error(400, "invalid", "Invalid value for: status");
    auto transparency = json::get_string(doc, "transparency", "opaque");
    if (transparency != "opaque" && transparency != "transparent")
      return calendar_error(400, "invalid", "Invalid value for: transparency");
    ev.cancelled = status == "cancelled";
    ev.transparent = transparency == "transparent";
    ev.private_properties.clear();
    ev.shared_properties.clear();
    if (auto ext = doc.FindMember("extendedProperties"); ext != doc.MemberEnd()) {
      if (!ext->value.IsObject())
        return calendar_error(400, "invalid", "Invalid value for: extendedProperties");
      const std::pair<const char*, std::map<std::string, std::string>*> kinds[] = {
          {"private", &ev.private_properties}, {"shared", &ev.shared_properties}};
      for (auto [kind, out] : kinds) {
        auto props = ext->value.FindMember(kind);
        if (props == ext->value.MemberEnd() || props->value.IsNull())
          continue;
        if (!props->value.IsObject())
          return calendar_error(400, "invalid", "Invalid value for: extendedProperties");
        for (const auto& p : props->value.GetObject()) {
          if (!p.value.IsString())
            return calendar_error(400, "invalid", "Invalid extended property value.");
          (*out)[p.name.GetString()] = p.value.GetString();
        }
      }
    }
    std::string search;
    for (const char* name : {"summary", "description", "location"})
      search += json::get_string(doc, name) + "\n";
    if (auto att = doc.FindMember("attendees"); att != doc.MemberEnd()) {
      if (!att->value.IsArray())
        return calendar_error(400, "invalid", "Invalid value for: attendees");
      for (const auto& a : att->value.GetArray()) {
        if (!a.IsObject() || json::get_string(a, "email").empty())
          return calendar_error(400, "required", "Missing attendee email.");
        search += json::get_string(a, "email") + "\n" + json::get_string(a, "displayName") + "\n";
      }
    }
    ev.search_text = lower(search);
    ev.id = json::get_string(doc, "id");
    ev.updated = now;
    auto& a = doc.GetAllocator();
    doc.RemoveMember("etag");
    doc.RemoveMember("updated");
    doc.AddMember("etag", json::Value(("\"" + std::to_string(micros(now)) + "\"").c_str(), a), a);
    doc.AddMember("updated", json::Value(json::utc_timestamp(now).c_str(), a), a);
    ev.json = json::to_string(doc);
    return std::nullopt;
  }

  /// One appended cell as Sheets reads it; nullopt for objects and arrays.
  static std::optional<GoogleCell> read_cell(const json::Value& v, bool user_entered) {
    if (v.IsNull())
      return GoogleCell{"null", "empty"};
    if (v.IsBool())
      return GoogleCell{v.GetBool() ? "true" : "false", "bool"};
    if (v.IsNumber())
      return GoogleCell{json::to_string(v), "number"};
    if (!v.IsString())
      return std::nullopt;
    std::string text(v.GetString(), v.GetStringLength());
    auto as_text = [](const std::string& t, const char* kind) {
      json::Writer w;
      w.value(t);
      return GoogleCell{w.str(), kind};
    };
    if (!user_entered || text.empty())
      return as_text(text, "text");
    if (text[0] == '\'')
      return as_text(text.substr(1), "text");
    if (text[0] == '=')
      return as_text(text, "formula");
    if (auto n = number_text(text))
      return GoogleCell{*n, "number"};
    // Sheets parses "+x" and "-x" typed into a cell as the formulas "=+x" and "=-x".
    if (text[0] == '+' || text[0] == '-')
      return as_text(text, "formula");
    return as_text(text, "text");
  }

  /// A number typed into a cell ("42", "+4915112345678", "-1.5") as JSON; nullopt otherwise.
  static std::optional<std::string> number_text(const std::string& text) {
    std::size_t i = text[0] == '+' || text[0] == '-' ? 1 : 0;
    auto digits = text.substr(i);
    auto dot = digits.find('.');
    auto whole = digits.substr(0, dot);
    auto frac = dot == std::string::npos ? std::string() : digits.substr(dot + 1);
    if (!all_digits(whole) || (dot != std::string::npos && !all_digits(frac)))
      return std::nullopt;
    double value = std::stod(digits);
    if (text[0] == '-')
      value = -value;
    json::Writer w;
    if (frac.empty() && whole.size() <= 15)
      w.value(static_cast<std::int64_t>(value));
    else
      w.value(value);
    return w.str();
  }

  static std::vector<std::vector<GoogleCell>> transpose(
      const std::vector<std::vector<GoogleCell>>& columns) {
    std::vector<std::vector<GoogleCell>> rows;
    for (std::size_t c = 0; c < columns.size(); ++c) {
      for (std::size_t r = 0; r < columns[c].size(); ++r) {
        if (rows.size() <= r)
          rows.resize(r + 1);
        rows[r].resize(columns.size(), GoogleCell{"null"});
        rows[r][c] = columns[c][r];
      }
    }
    return rows;
  }

  static std::int64_t width(const std::vector<std::vector<GoogleCell>>& rows) {
    std::int64_t w = 0;
    for (const auto& row : rows)
      w = std::max<std::int64_t>(w, std::ssize(row));
    return w;
  }

  /// "'Anrufe'!A1", "Anrufe!A:F", "Anrufe", "A1:C3" (first sheet); nullopt for an unknown sheet
  /// or a malformed reference.
  static std::optional<A1Range> parse_range(const GoogleSpreadsheet& sheet, std::string_view text) {
    std::string name;
    std::string_view cells;
    bool has_name = false;
    if (!text.empty() && text[0] == '\'') {
      std::size_t i = 1;
      for (;; ++i) {
        if (i >= text.size())
          return std::nullopt;
        if (text[i] == '\'') {
          if (i + 1 < text.size() && text[i + 1] == '\'') {
            name += '\'';
            ++i;
            continue;
          }
          break;
        }
        name += text[i];
      }
      has_name = true;
      auto rest = text.substr(i + 1);
      if (!rest.empty() && rest[0] != '!')
        return std::nullopt;
      cells = rest.empty() ? rest : rest.substr(1);
    } else if (auto bang = text.rfind('!'); bang != std::string_view::npos) {
      name = text.substr(0, bang);
      has_name = true;
      cells = text.substr(bang + 1);
    } else {
      for (const auto& tab : sheet.sheets) {
        if (tab.title == text) {
          name = text;
          has_name = true;
        }
      }
      // Without "!" a name that is no sheet's must be a cell reference, not a column name.
      if (!has_name && std::none_of(text.begin(), text.end(),
                                    [](char c) { return c == ':' || (c >= '0' && c <= '9'); }))
        return std::nullopt;
      if (!has_name)
        cells = text;
    }
    A1Range range;
    if (has_name) {
      auto it = std::find_if(sheet.sheets.begin(), sheet.sheets.end(),
                             [&](const GoogleSheet& t) { return t.title == name; });
      if (it == sheet.sheets.end())
        return std::nullopt;
      range.sheet = static_cast<std::size_t>(it - sheet.sheets.begin());
    }
    if (cells.empty())
      return range;
    auto colon = cells.find(':');
    auto first = read_cell_ref(cells.substr(0, colon));
    if (!first)
      return std::nullopt;
    range.col1 = std::max<std::int64_t>(first->first, 0);
    range.row1 = std::max<std::int64_t>(first->second, 0);
    if (colon == std::string_view::npos) {
      range.col2 = first->first;
      range.row2 = first->second;
      return range;
    }
    auto second = read_cell_ref(cells.substr(colon + 1));
    if (!second)
      return std::nullopt;
    range.col2 = second->first;
    range.row2 = second->second;
    return range;
  }

  /// "B7" → (1, 6), "C" → (2, -1), "12" → (-1, 11); nullopt when malformed.
  static std::optional<std::pair<std::int64_t, std::int64_t>> read_cell_ref(std::string_view ref) {
    std::size_t i = 0;
    std::int64_t col = 0;
    while (i < ref.size() && std::isalpha(static_cast<unsigned char>(ref[i])))
      col = col * 26 + (std::toupper(static_cast<unsigned char>(ref[i++])) - 'A' + 1);
    auto row_text = ref.substr(i);
    if ((i == 0 && row_text.empty()) || i > 3 || (!row_text.empty() && !all_digits(row_text)) ||
        row_text.size() > 7 || (!row_text.empty() && number(row_text) == 0))
      return std::nullopt;
    return std::pair{col - 1, row_text.empty() ? -1 : std::int64_t{number(row_text)} - 1};
  }

  std::string spreadsheet_json(const GoogleSpreadsheet& sheet) const {
    json::Writer w;
    w.begin_object().field("spreadsheetId", sheet.id).key("properties").begin_object();
    w.field("title", sheet.title).field("locale", sheet.locale).field("autoRecalc", "ON_CHANGE");
    w.field("timeZone", sheet.time_zone).end_object().key("sheets").begin_array();
    for (std::size_t i = 0; i < sheet.sheets.size(); ++i) {
      const auto& tab = sheet.sheets[i];
      w.begin_object().key("properties").begin_object();
      w.field("sheetId", tab.sheet_id).field("title", tab.title);
      w.field("index", static_cast<std::int64_t>(i)).field("sheetType", "GRID");
      w.key("gridProperties").begin_object();
      w.field("rowCount", std::max<std::int64_t>(1000, std::ssize(tab.rows)));
      w.field("columnCount", std::max<std::int64_t>(26, width(tab.rows)));
      if (tab.frozen_rows > 0)
        w.field("frozenRowCount", tab.frozen_rows);
      w.end_object().end_object().end_object();
    }
    w.end_array().field("spreadsheetUrl", settings_.public_url + "/google/sheets/" + sheet.id);
    w.end_object();
    return w.str();
  }

  /// Drive's File with the fields asked for ("*" all; default kind, id, name, mimeType).
  std::string file_json(const GoogleSpreadsheet& sheet, const std::string& fields) const {
    auto wanted = [&](std::string_view name) {
      if (fields.empty())
        return name == "kind" || name == "id" || name == "name" || name == "mimeType";
      if (fields == "*")
        return true;
      std::string_view rest = fields;
      while (!rest.empty()) {
        auto comma = rest.find(',');
        if (http::trim_ows(rest.substr(0, comma)) == name)
          return true;
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
      return false;
    };
    json::Writer w;
    w.begin_object();
    if (wanted("kind"))
      w.field("kind", "drive#file");
    if (wanted("id"))
      w.field("id", sheet.id);
    if (wanted("name"))
      w.field("name", sheet.title);
    if (wanted("mimeType"))
      w.field("mimeType", "application/vnd.google-apps.spreadsheet");
    if (wanted("trashed"))
      w.field("trashed", sheet.trashed);
    if (wanted("createdTime"))
      w.field("createdTime", json::utc_timestamp(sheet.created));
    if (wanted("webViewLink"))
      w.field("webViewLink", settings_.public_url + "/google/sheets/" + sheet.id);
    w.end_object();
    return w.str();
  }

  static Response file_not_found(const std::string& id) {
    return api_error({.code = 404,
                      .message = "File not found: " + id + ".",
                      .reason = "notFound",
                      .with_status = false,
                      .location = "fileId",
                      .location_type = "parameter"});
  }

  const SandboxSettings settings_;
  GoogleStore& store_;
};

}  // namespace

void add_google_routes(http::Router& router, const SandboxSettings& settings, Control& control,
                       GoogleStore& store) {
  auto google = std::make_shared<GoogleSandbox>(settings, store);
  using Method = Response (GoogleSandbox::*)(Request&);
  auto add = [&](const char* method, const std::string& pattern, ErrorBody error_body, Method fn) {
    control.route(router, method, pattern, error_body,
                  [google, fn](Request& req, const Fault*) { return ((*google).*fn)(req); });
  };
  add("GET", "/google/o/oauth2/v2/auth", oauth_fault, &GoogleSandbox::consent_page);
  add("POST", "/google/o/oauth2/v2/auth/decision", oauth_fault, &GoogleSandbox::decision);
  add("POST", "/google/token", oauth_fault, &GoogleSandbox::token);
  add("POST", "/google/revoke", oauth_fault, &GoogleSandbox::revoke);
  add("GET", "/google/oauth2/v3/userinfo", oauth_fault, &GoogleSandbox::userinfo);

  const std::string calendar = "/google/calendar/v3";
  add("POST", calendar + "/freeBusy", calendar_fault, &GoogleSandbox::free_busy);
  add("POST", calendar + "/calendars/{calendarId}/events", calendar_fault,
      &GoogleSandbox::insert_event);
  add("GET", calendar + "/calendars/{calendarId}/events", calendar_fault,
      &GoogleSandbox::list_events);
  add("GET", calendar + "/calendars/{calendarId}/events/{eventId}", calendar_fault,
      &GoogleSandbox::get_event);
  add("PATCH", calendar + "/calendars/{calendarId}/events/{eventId}", calendar_fault,
      &GoogleSandbox::patch_event);
  add("DELETE", calendar + "/calendars/{calendarId}/events/{eventId}", calendar_fault,
      &GoogleSandbox::delete_event);

  add("POST", "/google/v4/spreadsheets", sheets_fault, &GoogleSandbox::create_spreadsheet);
  add("GET", "/google/v4/spreadsheets/{id}", sheets_fault, &GoogleSandbox::get_spreadsheet);
  add("POST", "/google/v4/spreadsheets/{id}/values/{range}", sheets_fault,
      &GoogleSandbox::append_values);
  add("GET", "/google/v4/spreadsheets/{id}/values/{range}", sheets_fault,
      &GoogleSandbox::get_values);

  add("GET", "/google/drive/v3/files/{id}", sheets_fault, &GoogleSandbox::get_file);
  add("PATCH", "/google/drive/v3/files/{id}", sheets_fault, &GoogleSandbox::patch_file);
  add("DELETE", "/google/drive/v3/files/{id}", sheets_fault, &GoogleSandbox::delete_file);

  add("GET", "/google/sheets/{id}", sheets_fault, &GoogleSandbox::sheet_page);
  add("POST", "/google/sheets/{id}/delete", sheets_fault, &GoogleSandbox::delete_sheet_page);

  router.add("GET", "/google/_state", [google](Request& req) { return google->state(req); },
             {.max_body = 0, .access = http::Access::open});
  router.add("DELETE", "/google/_state",
             [&store](Request&) {
               store.reset();
               return Response::no_content();
             },
             {.max_body = 0, .access = http::Access::open});
}

}  // namespace kx::sandbox
