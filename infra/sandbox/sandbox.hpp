#pragma once
// The provider sandbox: local stand-ins for Vapi, Stripe, Google, ElevenLabs and the language
// model that speak their wire formats, and the viewer of the local SMTP server's mails. Each
// provider adds its routes under its own prefix
// (/vapi, /stripe, /google, /llm, /elevenlabs); the services reach them through their
// configurable base URLs. Tests drive faults and read request counts through Control.

#include <string>

#include "control.hpp"
#include "google_store.hpp"
#include "kx/http/router.hpp"
#include "vapi_store.hpp"

namespace kx::sandbox {

struct SandboxSettings {
  std::string public_url;   ///< this sandbox as a browser reaches it (checkout pages)
  std::string gateway_url;  ///< where provider webhooks are posted
  std::string vapi_webhook_secret;
  std::string stripe_webhook_secret;
  /// API keys the stand-ins accept; empty accepts any non-empty key.
  std::string vapi_api_key;
  std::string llm_api_key;
  std::string elevenlabs_api_key;
  /// The OAuth client the Google stand-in accepts; an empty id accepts any client (and secret).
  std::string google_client_id;
  std::string google_client_secret;
  /// The redirect URI registered for that client (exact match, as Google checks); empty accepts
  /// any http(s) URI.
  std::string google_redirect_uri;
  /// Lifetime of Google access tokens (expires_in); tests shorten it to see refreshes.
  int google_token_ttl_seconds = 3599;
  /// Where infra/dev/mailserver.py keeps the mails it received; empty: the mail view answers 503.
  std::string mail_dir;
};

/// Provider modules; each registers its routes under its prefix. The objects passed by
/// reference must outlive the router.
void add_stripe_routes(http::Router& router, const SandboxSettings& settings);
/// Vapi's call simulator (POST /vapi/simulate/call), which reads assistants and numbers from
/// `store`.
void add_vapi_routes(http::Router& router, const SandboxSettings& settings, VapiStore& store);
/// Vapi's REST API for assistants and phone numbers (POST/GET/PATCH/DELETE /vapi/assistant…,
/// /vapi/phone-number…).
void add_vapi_api_routes(http::Router& router, const SandboxSettings& settings, VapiStore& store,
                         Control& control);
/// An OpenAI-compatible chat completions endpoint: POST /llm/v1/chat/completions.
void add_llm_routes(http::Router& router, const SandboxSettings& settings, Control& control);
/// ElevenLabs text to speech: POST /elevenlabs/v1/text-to-speech/{voice_id}.
void add_tts_routes(http::Router& router, const SandboxSettings& settings, Control& control);
/// Google's OAuth endpoints and consent page, Calendar v3, Sheets v4 and Drive v3 files under
/// /google/, plus GET/DELETE /google/_state (google.cpp).
void add_google_routes(http::Router& router, const SandboxSettings& settings, Control& control,
                       GoogleStore& store);

/// The local SMTP server's mails (infra/dev/mailserver.py keeps them in settings.mail_dir):
/// GET /mail and /mail/{id} for the browser; GET /mail/api/messages (newest first, ?to= and
/// ?limit=), /mail/api/messages/{id} and …/{id}/raw, and DELETE /mail/api/messages for tests
/// (mail.cpp). Reads the directory on every request, so it works while the server writes.
void add_mail_routes(http::Router& router, const SandboxSettings& settings);

}  // namespace kx::sandbox
