// gateway: the public edge of the platform.
#include "gateway.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "kx/service/runtime.hpp"

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  for (char c : text + ",") {
    if (c == ',') {
      if (!item.empty())
        out.push_back(item);
      item.clear();
    } else if (c != ' ') {
      item += c;
    }
  }
  return out;
}

}  // namespace

int main() {
  kx::service::Runtime rt("gateway", {.database = false});
  auto& env = rt.env();
  kx::gateway::GatewaySettings settings;
  // Each a comma-separated list of the service's replicas.
  settings.service_urls = {{"auth", env.urls("AUTH_URL")},
                           {"agent", env.urls("AGENT_URL")},
                           {"telephony-webhook", env.urls("TELEPHONY_WEBHOOK_URL")},
                           {"billing", env.urls("BILLING_URL")},
                           {"integrations", env.urls("INTEGRATIONS_URL")}};
  settings.edge.allowed_origins = split_list(env.required("ALLOWED_ORIGINS"));
  settings.edge.secure_cookies = env.flag("COOKIE_SECURE", true);
  settings.web_root = env.optional("WEB_ROOT", "web");
  // The Impressum (§ 5 DDG) and the privacy policy must name the operator; a production
  // gateway (Secure cookies, i.e. served over HTTPS) refuses to start without them.
  auto& legal = settings.legal;
  const std::pair<const char*, std::string*> legal_fields[] = {
      {"LEGAL_OPERATOR_NAME", &legal.operator_name},
      {"LEGAL_ADDRESS", &legal.address},
      {"LEGAL_EMAIL", &legal.email},
      {"LEGAL_PHONE", &legal.phone},
      {"LEGAL_REGISTER", &legal.register_entry},
      {"LEGAL_VAT_ID", &legal.vat_id},
      {"LEGAL_PRIVACY_OFFICER", &legal.privacy_officer},
  };
  for (const auto& [name, field] : legal_fields)
    *field = settings.edge.secure_cookies ? env.required(name) : env.optional(name, "");
  // Addresses are configured on one line with " | " between the lines.
  for (auto pos = legal.address.find(" | "); pos != std::string::npos;
       pos = legal.address.find(" | ", pos))
    legal.address.replace(pos, 3, "\n");
  // Development only: a production gateway never points owners at the local mail catcher.
  if (!settings.edge.secure_cookies)
    settings.dev_mail_url = env.optional("DEV_MAIL_URL", "");
  settings.session_cache_ttl = env.millis("SESSION_CACHE_TTL_MS", std::chrono::milliseconds(5'000));
  settings.upstream_timeout = env.millis("UPSTREAM_TIMEOUT_MS", std::chrono::milliseconds(15'000));
  settings.api_key_rate_per_minute =
      static_cast<int>(env.integer("API_KEY_RATE_PER_MINUTE", 120, 1, 10'000'000));
  settings.openapi_file = env.optional("OPENAPI_FILE", "docs/openapi.yaml");
  settings.public_rate.per_second = env.integer("PUBLIC_RATE_PER_MINUTE", 300, 1, 1'000'000) / 60.0;
  settings.public_rate.burst =
      static_cast<double>(env.integer("PUBLIC_RATE_BURST", 60, 1, 100'000));
  settings.system_timeout = env.millis("SYSTEM_CHECK_TIMEOUT_MS", std::chrono::milliseconds(3'000));
  settings.own_system_report = [&rt] { return rt.system_report(); };
  // The internet reaches this port: metrics and readiness details only on ADMIN_PORT.
  rt.server_options().public_edge = true;
  // Thousands of idle or slow connections from one address must not take the edge down.
  rt.server_options().max_connections_per_address = static_cast<std::size_t>(
      env.integer("GATEWAY_MAX_CONNECTIONS_PER_ADDRESS", 256, 0, 1'000'000));
  rt.open();

  kx::gateway::Gateway gateway(settings, rt.signer());
  gateway.add_routes(rt.router());
  rt.server_options().on_response = [&gateway](const kx::http::Request& req,
                                               kx::http::Response& res) {
    gateway.on_response(req, res);
  };
  // Every replica must drop its cached sessions, so each has its own consumer group.
  const std::string group = "gateway-" + kx::crypto::hex_encode(kx::crypto::random_bytes(6));
  auto drop_user = [&gateway](const kx::events::Event& e) {
    auto doc = kx::json::parse(e.data);
    auto user_id = kx::json::get_string(doc, "user_id");
    gateway.sessions().drop_user(user_id);
    gateway.api_keys().drop_user(user_id);
    // Live streams re-check their session by reconnecting; a revoked one then gets 401.
    if (e.type != "user.updated")
      gateway.events().end_user(user_id);
  };
  for (const char* type :
       {"session.revoked", "user.status_changed", "user.updated", "user.deleted"}) {
    rt.consume_plain(type, drop_user, group);
  }
  // Events are the owner's when the Kafka key (their user id) says so (docs/events.md).
  auto fan_out = [&gateway](const kx::events::Event& e) {
    gateway.events().publish({e.id, e.type, e.key, e.data});
  };
  for (const auto& type : kx::gateway::streamed_event_types())
    rt.consume_plain(type, fan_out, group);
  return rt.run();
}
