#include "service_settings.hpp"

namespace kx::agent {

ServiceSettings read_settings(config::Env& env) {
  ServiceSettings s;
  s.vapi_api_base = env.url("VAPI_API_BASE", "https://api.vapi.ai");
  s.vapi_api_key = env.secret("VAPI_API_KEY", 16);
  s.vapi_public_key = env.optional("VAPI_PUBLIC_KEY", "");
  s.vapi_server_url = env.url("VAPI_SERVER_URL");
  s.vapi_webhook_secret = env.optional_secret("VAPI_WEBHOOK_SECRET", 16);
  s.vapi_credential_id = env.optional("VAPI_SERVER_CREDENTIAL_ID", "");
  // Only the local platform has a call simulator (the provider sandbox).
  if (!env.optional("VAPI_SIMULATOR_URL", "").empty())
    s.vapi_simulator_url = env.url("VAPI_SIMULATOR_URL");
  s.model_provider = env.optional("VAPI_MODEL_PROVIDER", s.model_provider);
  s.model = env.optional("VAPI_MODEL", s.model);
  s.max_call_seconds = static_cast<int>(env.integer("AGENT_MAX_CALL_SECONDS", 600, 10, 43'200));
  s.sync_interval = env.millis("VAPI_SYNC_INTERVAL_MS", s.sync_interval);
  s.pool_sync_interval = env.millis("POOL_SYNC_INTERVAL_MS", s.pool_sync_interval);
  return s;
}

AiTextsSettings read_ai_settings(config::Env& env) {
  AiTextsSettings s;
  // Without a key the AI texts answer 503 "nicht eingerichtet"; everything else works.
  s.api_key = env.optional_secret("LLM_API_KEY", 8);
  if (!s.api_key.empty())
    s.base_url = env.url("LLM_BASE_URL", "https://openrouter.ai/api/v1");
  s.model = env.optional("LLM_MODEL", s.model);
  s.timeout = env.millis("LLM_TIMEOUT_MS", s.timeout);
  s.limit.max_hits =
      static_cast<int>(env.integer("AI_TEXTS_PER_MINUTE", s.limit.max_hits, 1, 1000));
  return s;
}

VoicePreviewSettings read_voice_settings(config::Env& env) {
  VoicePreviewSettings s;
  s.api_key = env.optional_secret("ELEVENLABS_API_KEY", 8);
  s.api_base = env.url("ELEVENLABS_API_BASE", s.api_base);
  s.timeout = env.millis("ELEVENLABS_TIMEOUT_MS", s.timeout);
  s.limit.max_hits =
      static_cast<int>(env.integer("VOICE_PREVIEWS_PER_HOUR", s.limit.max_hits, 1, 10'000));
  return s;
}

}  // namespace kx::agent
