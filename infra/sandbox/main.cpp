// kx-sandbox: the local stand-in for the third-party services the platform calls (Vapi, Stripe,
// Google, ElevenLabs, the language model). It speaks their wire formats so the whole platform runs
// on one machine without accounts or internet; each provider gets its own routes as the issues
// that use them arrive. Every service reaches it through its configurable base URL. It also shows
// the mails the local SMTP server received (/mail, SANDBOX_MAIL_DIR).
#include <cstdlib>

#include "kx/config/config.hpp"
#include "kx/http/server.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "sandbox.hpp"

int main() {
  kx::config::Env env;
  kx::http::ServerOptions options;
  options.service_name = "sandbox";
  options.host = env.optional("SERVICE_HOST", "127.0.0.1");
  options.port = static_cast<std::uint16_t>(env.required_integer("SERVICE_PORT", 1, 65535));
  auto level = env.one_of("LOG_LEVEL", "info", {"debug", "info", "warn", "error"});
  // As the services sample theirs (the same request ids): a line for each request would cost a
  // benchmark's provider stand-in more than answering it.
  options.log_sample_every =
      static_cast<std::uint32_t>(env.integer("LOG_REQUEST_SAMPLE_EVERY", 100, 0, 1'000'000));
  kx::sandbox::SandboxSettings settings;
  settings.public_url = env.url("SANDBOX_URL", "http://127.0.0.1:" + std::to_string(options.port));
  settings.gateway_url = env.url("GATEWAY_URL", "http://127.0.0.1:8080");
  settings.vapi_webhook_secret = env.optional_secret("VAPI_WEBHOOK_SECRET", 16);
  settings.stripe_webhook_secret = env.optional_secret("STRIPE_WEBHOOK_SECRET", 16);
  // The API keys the services are configured with; unset, any non-empty key is accepted.
  settings.vapi_api_key = env.optional("VAPI_API_KEY", "");
  settings.llm_api_key = env.optional("LLM_API_KEY", "");
  settings.elevenlabs_api_key = env.optional("ELEVENLABS_API_KEY", "");
  settings.google_client_id = env.optional("GOOGLE_CLIENT_ID", "");
  settings.google_client_secret = env.optional("GOOGLE_CLIENT_SECRET", "");
  settings.google_redirect_uri = env.optional("GOOGLE_REDIRECT_URI", "");
  settings.google_token_ttl_seconds =
      static_cast<int>(env.integer("SANDBOX_GOOGLE_TOKEN_TTL", 3599, 1, 86'400));
  settings.mail_dir = env.optional("SANDBOX_MAIL_DIR", "");
  auto pool_numbers = static_cast<int>(env.integer("SANDBOX_VAPI_NUMBERS", 40, 0, 9999));
  try {
    env.check();
  } catch (const kx::config::ConfigError& e) {
    std::fprintf(stderr, "sandbox: %s\n", e.what());
    return 2;
  }
  kx::log::init("sandbox", level);

  kx::http::Router router;
  router.add("GET", "/",
             [](kx::http::Request&) {
               kx::json::Writer w;
               w.begin_object()
                   .field("name", "kametrix provider sandbox")
                   .key("providers")
                   .begin_array()
                   .value("stripe")
                   .value("vapi")
                   .value("llm")
                   .value("elevenlabs")
                   .value("google")
                   .end_array()
                   .field("mail", "/mail")
                   .end_object();
               return kx::http::Response::json(200, w.str());
             },
             {.max_body = 0, .access = kx::http::Access::open});
  kx::sandbox::Control control;
  kx::sandbox::VapiStore vapi(pool_numbers);
  kx::sandbox::GoogleStore google;
  control.add_routes(router);
  kx::sandbox::add_stripe_routes(router, settings);
  kx::sandbox::add_vapi_routes(router, settings, vapi);
  kx::sandbox::add_vapi_api_routes(router, settings, vapi, control);
  kx::sandbox::add_llm_routes(router, settings, control);
  kx::sandbox::add_tts_routes(router, settings, control);
  kx::sandbox::add_google_routes(router, settings, control, google);
  kx::sandbox::add_mail_routes(router, settings);
  kx::http::Server server(options, router);
  server.run_until_signal();
  return 0;
}
