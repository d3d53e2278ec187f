#include "dashboard_api.hpp"

#include <set>

#include "kx/http/error.hpp"
#include "kx/http/query.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"

namespace kx::integrations {
namespace {

using http::Access;
using http::Error;
using http::Request;
using http::Response;

constexpr std::string_view kBrowserCookie = "kx_google_oauth";
constexpr std::string_view kCookiePath = "/api/integrations/google";
constexpr int kMinDuration = 15, kMaxDuration = 120, kDurationStep = 5;

const std::set<std::string, std::less<>>& required_scopes() {
  static const std::set<std::string, std::less<>> scopes = {
      "https://www.googleapis.com/auth/calendar.events",
      "https://www.googleapis.com/auth/calendar.freebusy",
      "https://www.googleapis.com/auth/drive.file"};
  return scopes;
}

// Only pages of the dashboard: never another origin ("//evil", "https://…").
std::string safe_return_to(const std::optional<std::string>& requested,
                           const std::string& fallback) {
  if (!requested || requested->size() > 200 || requested->size() < 2 || (*requested)[0] != '/' ||
      (*requested)[1] == '/' || (*requested)[1] == '\\')
    return fallback;
  for (char c : *requested)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '-' || c == '_'))
      return fallback;
  return *requested;
}

std::string appointments_json(int minutes) {
  json::Writer w;
  w.begin_object()
      .field("duration_minutes", minutes)
      .field("min", kMinDuration)
      .field("max", kMaxDuration)
      .field("step", kDurationStep)
      .end_object();
  return w.str();
}

int appointment_minutes(pqxx::work& tx, const std::string& user_id) {
  auto r =
      tx.exec_params("SELECT appointment_minutes FROM owner_settings WHERE user_id = $1", user_id);
  return r.empty() ? 30 : r[0][0].as<int>();
}

}  // namespace

const char* const kGoogleScopes =
    "openid email https://www.googleapis.com/auth/calendar.events "
    "https://www.googleapis.com/auth/calendar.freebusy "
    "https://www.googleapis.com/auth/drive.file";

bool has_required_scopes(std::string_view granted) {
  std::set<std::string, std::less<>> have;
  while (!granted.empty()) {
    auto space = granted.find(' ');
    auto scope = granted.substr(0, space);
    if (!scope.empty())
      have.emplace(scope);
    granted = space == std::string_view::npos ? std::string_view{} : granted.substr(space + 1);
  }
  for (const auto& s : required_scopes())
    if (!have.contains(s))
      return false;
  return true;
}

DashboardApi::DashboardApi(pg::Pool& db, GoogleAccounts& accounts, GoogleClient& google,
                           const crypto::Keyring& keys, OAuthSettings settings)
    : db_(db), accounts_(accounts), google_(google), keys_(keys), settings_(std::move(settings)) {}

void DashboardApi::add_routes(http::Router& router) {
  router.add("GET", "/api/integrations/google", *this, &DashboardApi::status, {.max_body = 0});
  router.add("GET", "/api/integrations/google/connect", *this, &DashboardApi::connect,
             {.max_body = 0});
  router.add("GET", "/api/integrations/google/callback", *this, &DashboardApi::callback,
             {.max_body = 0});
  router.add("DELETE", "/api/integrations/google", *this, &DashboardApi::disconnect,
             {.max_body = 0});
  router.add("GET", "/api/settings/appointments", *this, &DashboardApi::get_appointments,
             {.max_body = 0});
  router.add("PUT", "/api/settings/appointments", *this, &DashboardApi::put_appointments,
             {.max_body = 4 * 1024});
  router.add("GET", "/api/bookings", *this, &DashboardApi::bookings, {.max_body = 0});
}

std::string DashboardApi::status_json(const std::string& user_id) {
  return pg::transact(db_, [&](pqxx::work& tx) {
    auto connection = accounts_.find(tx, user_id);
    auto s = tx.exec_params(
        "SELECT appointment_minutes, sheet_url, sheet_email FROM owner_settings WHERE user_id = $1",
        user_id);
    json::Writer w;
    w.begin_object()
        .field("connected", connection && connection->status == "connected")
        .field("status", connection ? connection->status : "not_connected");
    w.key("google_email");
    connection ? w.value(connection->google_email) : w.null();
    w.key("connected_at");
    connection ? w.value(connection->connected_at) : w.null();
    w.field("calendar_id", connection ? connection->calendar_id : "primary");
    // The call log of the account connected now (a sheet of a previous account is not shown).
    w.key("sheet_url");
    if (connection && !s.empty() && !s[0][1].is_null() &&
        s[0][2].as<std::string>("") == connection->google_email)
      w.value(s[0][1].as<std::string>());
    else
      w.null();
    w.field("appointment_duration_minutes", s.empty() ? 30 : s[0][0].as<int>());
    w.end_object();
    return w.str();
  });
}

Response DashboardApi::status(Request& req) {
  return Response::json(200, status_json(req.identity.user_id));
}

Response DashboardApi::connect(Request& req) {
  auto return_to = safe_return_to(req.query_param("return_to"), settings_.dashboard_page);
  auto state = crypto::random_token(32);
  auto browser = crypto::random_token(32);
  auto verifier = crypto::random_token(48);  // 64 characters, RFC 7636's 43..128
  auto challenge = crypto::base64url_encode(crypto::sha256(verifier));
  const auto& user_id = req.identity.user_id;
  pg::transact(db_, [&](pqxx::work& tx) {
    tx.exec("DELETE FROM oauth_states WHERE expires_at < now() - interval '1 day'");
    tx.exec_params(
        "INSERT INTO oauth_states (state_hash, user_id, browser_hash, code_verifier, return_to, "
        "expires_at) VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))",
        crypto::sha256_hex(state), user_id, crypto::sha256_hex(browser),
        keys_.seal(verifier, "oauth:" + user_id), return_to,
        static_cast<double>(settings_.state_ttl.count()));
  });
  const auto& g = google_.endpoints();
  std::string url = g.auth_url;
  url += (url.find('?') == std::string::npos ? "?" : "&");
  url += "client_id=" + http::percent_encode(g.client_id) +
         "&redirect_uri=" + http::percent_encode(g.redirect_uri) +
         "&response_type=code&scope=" + http::percent_encode(kGoogleScopes) +
         "&access_type=offline&prompt=consent&include_granted_scopes=true" +
         "&state=" + http::percent_encode(state) + "&code_challenge=" + challenge +
         "&code_challenge_method=S256";
  Response res;
  res.status = 302;
  res.headers.set("Location", url);
  res.headers.set("Cache-Control", "no-store");
  res.headers.add("Set-Cookie",
                  http::set_cookie_value(kBrowserCookie, browser,
                                         {.path = std::string(kCookiePath),
                                          .max_age_seconds = settings_.state_ttl.count(),
                                          .http_only = true,
                                          .secure = settings_.cookie_secure,
                                          .same_site = "Lax"}));
  return res;
}

Response DashboardApi::back_to_dashboard(const std::string& return_to, const std::string& outcome) {
  Response res;
  res.status = 302;
  res.headers.set("Location", return_to + "?google=" + outcome);
  res.headers.set("Cache-Control", "no-store");
  res.headers.add("Set-Cookie", http::set_cookie_value(kBrowserCookie, "",
                                                       {.path = std::string(kCookiePath),
                                                        .max_age_seconds = 0,
                                                        .http_only = true,
                                                        .secure = settings_.cookie_secure,
                                                        .same_site = "Lax"}));
  return res;
}

Response DashboardApi::callback(Request& req) {
  const auto& user_id = req.identity.user_id;
  auto state = req.query_param("state");
  auto browser = req.cookie(kBrowserCookie);
  struct Pending {
    std::string verifier;
    std::string return_to;
  };
  // Single use: the first callback with a state consumes it, a replay finds it used.
  std::optional<Pending> pending;
  if (state && browser && state->size() <= 200) {
    pending = pg::transact(db_, [&](pqxx::work& tx) -> std::optional<Pending> {
      auto r = tx.exec_params(
          "UPDATE oauth_states SET used_at = now() WHERE state_hash = $1 AND used_at IS NULL "
          "AND expires_at > now() AND user_id = $2 AND browser_hash = $3 "
          "RETURNING code_verifier, return_to",
          crypto::sha256_hex(*state), user_id, crypto::sha256_hex(*browser));
      if (r.empty())
        return std::nullopt;
      return Pending{r[0][0].as<std::string>(), r[0][1].as<std::string>()};
    });
  }
  if (!pending) {
    log::warn("google callback with an unknown, used, expired or foreign state",
              {{"user_id", user_id}, {"request_id", req.request_id}});
    return back_to_dashboard(settings_.dashboard_page, "invalid_state");
  }
  if (req.query_param("error"))
    return back_to_dashboard(pending->return_to, "denied");
  auto code = req.query_param("code");
  if (!code || code->empty() || code->size() > 2'000)
    return back_to_dashboard(pending->return_to, "failed");
  try {
    auto verifier = keys_.open(pending->verifier, "oauth:" + user_id);
    auto grant = google_.exchange_code(*code, verifier, std::chrono::milliseconds(8'000));
    // Google lets the owner untick scopes: without all of them the integration cannot work.
    if (!has_required_scopes(grant.scope)) {
      google_.revoke(grant.refresh_token.value_or(grant.access_token),
                     std::chrono::milliseconds(5'000));
      return back_to_dashboard(pending->return_to, "missing_scopes");
    }
    auto email = google_.account_email(grant.access_token, std::chrono::milliseconds(5'000));
    accounts_.connect(user_id, grant, email);
    return back_to_dashboard(pending->return_to, "connected");
  } catch (const GoogleError& e) {
    log::warn("google connect failed",
              {{"user_id", user_id}, {"error", e.what()}, {"request_id", req.request_id}});
    return back_to_dashboard(pending->return_to, "failed");
  }
}

Response DashboardApi::disconnect(Request& req) {
  if (!accounts_.disconnect(req.identity.user_id, "owner", std::chrono::milliseconds(5'000)))
    throw Error::not_found("Es ist kein Google-Konto verbunden.");
  return Response::json(200, status_json(req.identity.user_id));
}

Response DashboardApi::get_appointments(Request& req) {
  auto minutes = pg::transact(
      db_, [&](pqxx::work& tx) { return appointment_minutes(tx, req.identity.user_id); });
  return Response::json(200, appointments_json(minutes));
}

Response DashboardApi::put_appointments(Request& req) {
  auto doc = http::parse_body(req.body);
  json::FieldReader in(doc);
  in.reject_unknown({"duration_minutes"});
  auto minutes = in.int_between("duration_minutes", kMinDuration, kMaxDuration, true);
  if (minutes && *minutes % kDurationStep != 0)
    in.add_error("duration_minutes", "Bitte eine Dauer in 5-Minuten-Schritten wählen.");
  http::require_valid(in);
  pg::transact(db_, [&](pqxx::work& tx) {
    tx.exec_params(
        "INSERT INTO owner_settings (user_id, appointment_minutes) VALUES ($1, $2) "
        "ON CONFLICT (user_id) DO UPDATE SET appointment_minutes = $2, updated_at = now()",
        req.identity.user_id, static_cast<int>(*minutes));
  });
  return Response::json(200, appointments_json(static_cast<int>(*minutes)));
}

Response DashboardApi::bookings(Request& req) {
  http::QueryParams q(req);
  auto when = q.one_of("when", {"upcoming", "past", "all"}).value_or("upcoming");
  auto page = q.page(50, 200);
  q.require_valid();
  std::string filter = when == "upcoming" ? " AND b.start_at >= now()"
                       : when == "past"   ? " AND b.start_at < now()"
                                          : "";
  std::string order = when == "upcoming" ? "b.start_at ASC" : "b.start_at DESC";
  return pg::transact(db_, [&](pqxx::work& tx) {
    auto total = tx.exec_params("SELECT count(*) FROM bookings b WHERE b.user_id = $1" + filter,
                                req.identity.user_id)[0][0]
                     .as<std::int64_t>();
    auto rows = tx.exec_params(
        "SELECT b.id, b.agent_id, a.name, b.call_id, b.caller_name, b.caller_number, "
        "to_char(b.start_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
        "to_char(b.end_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
        "b.timezone, b.status, "
        "to_char(b.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
        "to_char(b.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
        "FROM bookings b LEFT JOIN agents a ON a.agent_id = b.agent_id "
        "WHERE b.user_id = $1" +
            filter + " ORDER BY " + order + ", b.id LIMIT $2 OFFSET $3",
        req.identity.user_id, page.limit, page.offset);
    json::Writer w;
    w.begin_object().key("bookings").begin_array();
    for (const auto& r : rows) {
      w.begin_object()
          .field("id", r[0].as<std::string>())
          .field("agent_id", r[1].as<std::string>());
      w.key("agent_name");
      r[2].is_null() ? w.null() : w.value(r[2].as<std::string>());
      w.key("call_id");
      r[3].is_null() ? w.null() : w.value(r[3].as<std::string>());
      w.field("caller_name", r[4].as<std::string>());
      w.key("caller_number");
      r[5].is_null() ? w.null() : w.value(r[5].as<std::string>());
      w.field("start", r[6].as<std::string>())
          .field("end", r[7].as<std::string>())
          .field("timezone", r[8].as<std::string>())
          .field("status", r[9].as<std::string>())
          .field("created_at", r[10].as<std::string>())
          .field("updated_at", r[11].as<std::string>())
          .end_object();
    }
    w.end_array()
        .field("total", total)
        .field("limit", page.limit)
        .field("offset", page.offset)
        .end_object();
    return Response::json(200, w.str());
  });
}

}  // namespace kx::integrations
