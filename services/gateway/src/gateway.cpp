#include "gateway.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api_scopes.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/http/error.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"

namespace kx::gateway {
namespace {

using http::Error;
using http::Request;
using http::Response;

constexpr std::size_t kApiBody = 1024 * 1024;
constexpr std::size_t kWebhookBody = 2 * 1024 * 1024;  // end-of-call reports carry transcripts
const char* const kAuthUnavailable = "Die Anmeldung ist vorübergehend nicht erreichbar.";

Error insufficient_scope() {
  return Error(403, "insufficient_scope",
               "Dieser API-Schlüssel hat keine Berechtigung für diese Anfrage.");
}

bool is_hop_by_hop(std::string_view name) {
  for (const char* h :
       {"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer",
        "Transfer-Encoding", "Upgrade", "Host", "Content-Length"}) {
    if (http::iequals(name, h))
      return true;
  }
  return false;
}

// The session token is auth's business only; other services get the identity instead.
std::string without_cookie(std::string_view header, std::string_view name) {
  std::string out;
  for (const auto& [k, v] : http::parse_cookies(header)) {
    if (k == name)
      continue;
    if (!out.empty())
      out += "; ";
    out.append(k).append("=").append(v);
  }
  return out;
}

// 429 rate_limited with Retry-After, for a limit the gateway enforces itself.
Response too_many_requests(const Request& req, std::chrono::seconds wait, std::string message) {
  auto res = Response::json(
      429, http::error_body(Error::too_many_requests(std::move(message)), req.request_id));
  res.headers.set("Retry-After", std::to_string(wait.count()));
  return res;
}

}  // namespace

const std::vector<Upstream>& upstream_table() {
  static const std::vector<Upstream> table = {
      {"/api/auth", "auth", kApiBody},
      {"/api/account", "auth", kApiBody},
      {"/api/admin/users", "auth", kApiBody},
      {"/api/admin/audit", "auth", kApiBody},
      {"/api/admin/audit.csv", "auth", kApiBody},
      {"/api/admin/audit.json", "auth", kApiBody},
      {"/api/admin/security-events", "auth", kApiBody},
      {"/api/account", "auth", kApiBody},
      {"/api/agents", "agent", kApiBody},
      {"/api/drafts", "agent", kApiBody},
      {"/api/templates", "agent", kApiBody},
      {"/api/voices", "agent", kApiBody},
      {"/api/admin/agents", "agent", kApiBody},
      {"/api/admin/phone-numbers", "agent", kApiBody},
      {"/api/calls", "telephony-webhook", kApiBody},
      {"/api/escalations", "telephony-webhook", kApiBody},
      {"/api/admin/calls", "telephony-webhook", kApiBody},
      {"/api/admin/escalations", "telephony-webhook", kApiBody},
      {"/api/credits", "billing", kApiBody},
      {"/api/checkout", "billing", kApiBody},
      {"/api/admin/credits", "billing", kApiBody},
      {"/api/admin/billing", "billing", kApiBody},
      {"/api/public/packs", "billing", kApiBody},
      {"/api/integrations", "integrations", kApiBody},
      {"/api/bookings", "integrations", kApiBody},
      {"/api/settings/appointments", "integrations", kApiBody},
      {"/api/settings/notifications", "integrations", kApiBody},
      {"/api/webhooks", "integrations", kApiBody},
      {"/api/admin/mail", "integrations", kApiBody},
      {"/api/public/unsubscribe", "integrations", kApiBody},
      {"/webhooks/vapi", "telephony-webhook", kWebhookBody},
      {"/webhooks/stripe", "billing", kWebhookBody},
  };
  return table;
}

Gateway::Gateway(GatewaySettings settings, const http::IdentitySigner& signer)
    : settings_(std::move(settings)),
      signer_(signer),
      cache_(settings_.session_cache_ttl),
      keys_(settings_.session_cache_ttl),
      key_limits_(RateLimitSettings::per_minute(settings_.api_key_rate_per_minute)),
      files_(settings_.web_root),
      events_(settings_.events),
      public_rate_(settings_.public_rate),
      system_(settings_.service_urls, signer, settings_.system_timeout,
              settings_.own_system_report) {
  for (const auto& [service, urls] : settings_.service_urls) {
    upstreams_[service] = std::make_unique<http::Replicas>(
        urls, http::ReplicaOptions{.client = {.connect_timeout = std::chrono::milliseconds(1'000),
                                              .request_timeout = settings_.upstream_timeout,
                                              .max_retries = 1}});
  }
  std::ifstream in(std::filesystem::path(settings_.web_root) / "index.html", std::ios::binary);
  std::stringstream html;
  html << in.rdbuf();
  if (auto hash = import_map_csp_hash(html.str()); !hash.empty())
    settings_.edge.script_sources.push_back(hash);
  std::ifstream spec(settings_.openapi_file, std::ios::binary);
  std::stringstream yaml;
  yaml << spec.rdbuf();
  openapi_ = yaml.str();
  if (openapi_.empty())
    log::warn("the API description is missing", {{"file", settings_.openapi_file}});
}

void Gateway::add_routes(http::Router& router) {
  for (const auto& up : upstream_table()) {
    router.add("*", up.prefix + "/*", [this, &up](Request& req) { return proxy(req, up); },
               {.max_body = up.max_body, .access = http::Access::open});
  }
  router.add("GET", "/api/events", *this, &Gateway::event_stream,
             {.max_body = 0, .access = http::Access::open});
  router.add("GET", "/api/public/legal", *this, &Gateway::legal,
             {.max_body = 0, .access = http::Access::open});
  router.add("GET", "/api/openapi.yaml", *this, &Gateway::openapi,
             {.max_body = 0, .access = http::Access::open});
  router.add("GET", "/api/admin/system", *this, &Gateway::system,
             {.max_body = 0, .access = http::Access::open});
  for (const char* pattern :
       {"/", "/index.html", "/favicon.svg", "/src/*", "/styles/*", "/i18n/*", "/vendor/*"}) {
    router.add("GET", pattern, files_, &StaticFiles::serve,
               {.max_body = 0, .access = http::Access::open});
  }
  for (const auto& route : client_routes()) {
    router.add("GET", route, *this, &Gateway::client_route,
               {.max_body = 0, .access = http::Access::open});
  }
}

void Gateway::on_response(const Request& req, Response& res) {
  // A person who follows a stale or mistyped link gets the app's not-found page; API clients
  // keep the JSON error.
  if (res.status == 404 && is_page_navigation(req)) {
    try {
      res = files_.index(req, 404);
    } catch (const Error&) {
    }
  }
  apply_edge_headers(req, res, settings_.edge);
}

bool is_page_navigation(const Request& req) {
  if (req.method != "GET" && req.method != "HEAD")
    return false;
  for (std::string_view prefix : {"/api/", "/webhooks/", "/internal/"}) {
    if (req.path.rfind(prefix, 0) == 0)
      return false;
  }
  auto accept = req.header("Accept");
  return accept && accept->find("text/html") != std::string_view::npos;
}

const std::vector<std::string>& streamed_event_types() {
  static const std::vector<std::string> types = {
      "call.started",
      "call.completed",
      "call.escalated",
      "credits.purchased",
      "credits.deducted",
      "credits.adjusted",
      "credits.refunded",
      "credits.low",
      "credits.exhausted",
      "credits.restored",
      "agent.created",
      "agent.updated",
      "agent.deleted",
      "phone_number.assigned",
      "phone_number.released",
      "appointment.booked",
      "appointment.rescheduled",
      "appointment.cancelled",
      "integration.google.connected",
      "integration.google.disconnected",
  };
  return types;
}

Response Gateway::event_stream(Request& req) {
  auto identity = identify(req);
  if (identity.user_id.empty())
    throw Error::unauthorized();
  if (events_.streams_of(identity.user_id) >= settings_.events.max_streams_per_user) {
    throw Error(429, "too_many_streams",
                "Zu viele offene Live-Verbindungen. Bitte schließen Sie andere Tabs.");
  }
  std::optional<std::string> last_id;
  if (auto h = req.header("Last-Event-ID"); h && http::is_plain_token(*h, 128))
    last_id = std::string(*h);
  Response res;
  res.headers.set("Content-Type", "text/event-stream; charset=utf-8");
  res.headers.set("Cache-Control", "no-store");
  res.headers.set("X-Accel-Buffering", "no");  // proxies such as nginx must not buffer it
  res.stream = [this, user = identity.user_id, last_id](std::shared_ptr<http::StreamSink> sink) {
    events_.open(user, std::move(sink), last_id);
  };
  return res;
}

Response Gateway::client_route(Request& req) {
  return files_.index(req);
}

Response Gateway::openapi(Request&) {
  if (openapi_.empty())
    throw Error::not_found("Die API-Beschreibung ist nicht verfügbar.");
  auto res = Response::text(200, openapi_, "application/yaml");
  res.headers.set("Cache-Control", "no-cache");
  return res;
}

Response Gateway::legal(Request& req) {
  if (auto limited = public_rate_limited(req))
    return *limited;
  const auto& l = settings_.legal;
  json::Writer w;
  w.begin_object()
      .field("operator_name", l.operator_name)
      .field("address", l.address)
      .field("email", l.email)
      .field("phone", l.phone)
      .field("register_entry", l.register_entry)
      .field("vat_id", l.vat_id)
      .field("privacy_officer", l.privacy_officer);
  if (!settings_.dev_mail_url.empty())
    w.field("dev_mail_url", settings_.dev_mail_url);
  w.end_object();
  auto res = Response::json(200, w.str());
  res.headers.set("Cache-Control", "public, max-age=300");
  return res;
}

Response Gateway::ask_auth(const Request& req, const std::string& path, const std::string& body) {
  http::ClientRequest call;
  call.method = "POST";
  call.url = path;
  call.body = body;
  call.headers.set("Content-Type", "application/json");
  call.headers.set("X-Request-Id", req.request_id);
  signer_.sign(call.headers, {"", "service:gateway"}, "POST", path, req.request_id);
  Response res;
  try {
    res = upstreams_.at("auth")->send(std::move(call));
  } catch (const http::ClientError& e) {
    log::error("auth lookup failed",
               {{"request_id", req.request_id}, {"path", path}, {"error", e.what()}});
    throw Error::unavailable(kAuthUnavailable);
  }
  if (res.status != 200 && res.status != 404) {
    log::error("auth lookup answered unexpectedly",
               {{"request_id", req.request_id}, {"path", path}, {"status", res.status}});
    throw Error::unavailable(kAuthUnavailable);
  }
  return res;
}

http::Identity Gateway::identify(const Request& req) {
  if (api_key_of(req))
    throw insufficient_scope();
  auto token = req.cookie(kSessionCookie);
  if (!token || token->empty() || token->size() > 256)
    return {};
  std::string key = crypto::sha256_hex(*token);
  if (auto cached = cache_.get(key))
    return *cached;

  json::Writer w;
  w.begin_object().field("token", *token).end_object();
  auto res = ask_auth(req, "/internal/sessions/resolve", w.str());
  http::Identity identity;
  if (res.status == 200) {
    auto doc = json::parse(res.body);
    identity.user_id = json::get_string(doc, "user_id");
    identity.role = json::get_string(doc, "role");
  }
  cache_.put(key, identity);
  return identity;
}

ResolvedKey Gateway::resolve_key(const Request& req, std::string_view key) {
  // Only what could be a key is looked up; anything else is refused without asking auth.
  if (key.rfind("kx_", 0) != 0 || key.size() > 256)
    return {};
  std::string hash = crypto::sha256_hex(key);
  if (auto cached = keys_.get(hash))
    return *cached;
  json::Writer w;
  w.begin_object().field("key", key).end_object();
  auto res = ask_auth(req, "/internal/api-keys/resolve", w.str());
  ResolvedKey resolved;
  if (res.status == 200) {
    auto doc = json::parse(res.body);
    resolved.identity.user_id = json::get_string(doc, "user_id");
    resolved.identity.role = json::get_string(doc, "role");
    resolved.key_id = json::get_string(doc, "key_id");
    if (doc.HasMember("scopes") && doc["scopes"].IsArray()) {
      for (const auto& s : doc["scopes"].GetArray()) {
        if (s.IsString())
          resolved.scopes.emplace_back(s.GetString(), s.GetStringLength());
      }
    }
  }
  keys_.put(hash, resolved);
  return resolved;
}

std::variant<http::Identity, Response> Gateway::authorize_key(const Request& req,
                                                              std::string_view key) {
  auto resolved = resolve_key(req, key);
  if (resolved.identity.user_id.empty()) {
    throw Error(401, "invalid_api_key", "Der API-Schlüssel ist ungültig oder wurde widerrufen.");
  }
  if (auto wait = key_limits_.take(resolved.key_id)) {
    return too_many_requests(req, *wait,
                             "Zu viele Anfragen mit diesem API-Schlüssel. Bitte warten Sie kurz "
                             "und versuchen Sie es erneut.");
  }
  if (!scope_allows(resolved.scopes, req.method, req.path))
    throw insufficient_scope();
  return resolved.identity;
}

std::optional<Response> Gateway::public_rate_limited(const Request& req) {
  if (req.path.rfind("/api/auth/", 0) != 0 && req.path.rfind("/api/public/", 0) != 0)
    return std::nullopt;
  // The dashboard's session check on every page is not an anonymous endpoint; an office behind
  // one address would run out of budget on it.
  if (req.path == "/api/auth/me")
    return std::nullopt;
  auto wait = public_rate_.take(req.remote_address);
  if (!wait)
    return std::nullopt;
  log::warn("public rate limit", {{"request_id", req.request_id}, {"remote", req.remote_address}});
  return too_many_requests(req, *wait,
                           "Zu viele Anfragen von Ihrer Adresse. Bitte warten Sie einen Moment.");
}

Response Gateway::system(Request& req) {
  auto identity = identify(req);
  if (identity.user_id.empty())
    throw Error::unauthorized();
  if (!identity.is_admin())
    throw Error::forbidden();
  auto res = Response::json(200, system_.report(req.request_id));
  res.headers.set("Cache-Control", "no-store");
  return res;
}

Response Gateway::proxy(Request& req, const Upstream& up) {
  if (auto limited = public_rate_limited(req))
    return *limited;
  http::Identity identity;
  auto key = api_key_of(req);
  if (key) {
    // A key is no ambient credential a browser sends by itself, so there is nothing for CSRF
    // to guard; a session cookie beside it is ignored.
    auto outcome = authorize_key(req, *key);
    if (auto* refusal = std::get_if<Response>(&outcome))
      return std::move(*refusal);
    identity = std::get<http::Identity>(outcome);
  } else {
    if (auto violation = csrf_violation(req, settings_.edge))
      throw Error(403, "csrf_failed", *violation);
    // Provider webhooks never carry a user; the owning service verifies their signature.
    if (req.path.rfind("/webhooks/", 0) != 0)
      identity = identify(req);
  }

  http::ClientRequest call;
  call.method = req.method;
  call.url = req.target;
  for (const auto& [name, value] : req.headers.all()) {
    if (is_hop_by_hop(name))
      continue;
    // The key is the gateway's business; upstream gets the signed identity instead.
    if (key && http::iequals(name, "Authorization"))
      continue;
    if (http::iequals(name, "Cookie") && (up.service != "auth" || key)) {
      auto rest = without_cookie(value, kSessionCookie);
      if (!rest.empty())
        call.headers.add(name, rest);
      continue;
    }
    call.headers.add(name, value);
  }
  // Whatever identity the client claimed is dropped; only the signed one goes upstream.
  http::IdentitySigner::strip(call.headers);
  call.headers.set("X-Request-Id", req.request_id);
  call.headers.set("X-Forwarded-For", req.remote_address);
  signer_.sign(call.headers, identity, req.method, req.target, req.request_id);
  call.body = std::move(req.body);

  Response upstream;
  try {
    upstream = upstreams_.at(up.service)->send(std::move(call));
  } catch (const http::ClientError& e) {
    log::error("upstream failed",
               {{"request_id", req.request_id}, {"service", up.service}, {"error", e.what()}});
    if (e.kind() == http::ClientError::Kind::timeout) {
      throw Error(504, "upstream_timeout", "Der Dienst hat nicht rechtzeitig geantwortet.");
    }
    throw Error(502, "upstream_unavailable", "Der Dienst ist vorübergehend nicht erreichbar.");
  }
  Response res;
  res.status = upstream.status;
  res.body = std::move(upstream.body);
  for (const auto& [name, value] : upstream.headers.all()) {
    if (!is_hop_by_hop(name) && !http::iequals(name, "X-Request-Id"))
      res.headers.add(name, value);
  }
  if (req.path == "/api/auth/logout" && upstream.status < 300) {
    if (auto token = req.cookie(kSessionCookie))
      cache_.erase(crypto::sha256_hex(*token));
  }
  return res;
}

}  // namespace kx::gateway
