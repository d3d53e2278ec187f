#pragma once
// The agent service's settings, read once from the environment (docs/configuration.md).

#include <chrono>
#include <string>

#include "ai_texts.hpp"
#include "kx/config/config.hpp"
#include "voices.hpp"

namespace kx::agent {

struct ServiceSettings {
  std::string vapi_api_base;    ///< VAPI_API_BASE, e.g. https://api.vapi.ai
  std::string vapi_api_key;     ///< VAPI_API_KEY (private key; secret)
  std::string vapi_public_key;  ///< VAPI_PUBLIC_KEY, for browser test calls; may be empty
  /// Where Vapi posts server messages for our assistants and numbers: the gateway's
  /// /webhooks/vapi as Vapi reaches it (VAPI_SERVER_URL).
  std::string vapi_server_url;
  std::string vapi_webhook_secret;        ///< VAPI_WEBHOOK_SECRET, sent as X-Vapi-Secret
  std::string vapi_credential_id;         ///< VAPI_SERVER_CREDENTIAL_ID; preferred over the header
  std::string vapi_simulator_url;         ///< VAPI_SIMULATOR_URL: the sandbox's call simulator
  std::string model_provider = "openai";  ///< VAPI_MODEL_PROVIDER
  std::string model = "gpt-4o-mini";      ///< VAPI_MODEL
  int max_call_seconds = 600;             ///< AGENT_MAX_CALL_SECONDS
  std::chrono::milliseconds sync_interval{500};           ///< VAPI_SYNC_INTERVAL_MS
  std::chrono::milliseconds pool_sync_interval{600'000};  ///< POOL_SYNC_INTERVAL_MS
};

}  // namespace kx::agent

namespace kx::agent {
/// Read and check the settings (problems are collected by `env` and reported by open()).
ServiceSettings read_settings(config::Env& env);
AiTextsSettings read_ai_settings(config::Env& env);
VoicePreviewSettings read_voice_settings(config::Env& env);
}  // namespace kx::agent
