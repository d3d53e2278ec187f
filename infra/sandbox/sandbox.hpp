#pragma once
// The provider sandbox: local stand-ins for Vapi, Stripe, Google and the language model that
// speak their wire formats. Each provider adds its routes under its own prefix (/vapi, /stripe,
// /google, /llm); the services reach them through their configurable base URLs.

#include <string>

#include "kx/http/router.hpp"

namespace kx::sandbox {

struct SandboxSettings {
  std::string public_url;   ///< this sandbox as a browser reaches it (checkout pages)
  std::string gateway_url;  ///< where provider webhooks are posted
  std::string vapi_webhook_secret;
  std::string stripe_webhook_secret;
};

/// Provider modules; each registers its routes under its prefix.
void add_stripe_routes(http::Router& router, const SandboxSettings& settings);
void add_vapi_routes(http::Router& router, const SandboxSettings& settings);

}  // namespace kx::sandbox
