#pragma once
// Suggestions for an agent's texts (FAQs, policies, greeting, farewell) written by a language
// model through an OpenAI-compatible chat completions API (OpenRouter, OpenAI, the sandbox).
//
//   POST /api/agents/generate {"kind": "all"|"faqs"|"policies"|"greeting"|"farewell", "name",
//        "business_type"?, "language"?, "description"?, "services"?, "assistant_name"?}
//   → 200 {"faqs": [{"question", "answer"}], "policies", "greeting", "farewell"} (the kinds asked)
//
// Nothing the model writes reaches the owner unchecked: an error inside an HTTP 200, a cut-off
// or non-JSON answer, missing or mistyped fields, texts over the definition's limits, NUL or
// leftover placeholders ({{…}}, [Name]) all answer 502 ai_unusable; markdown is stripped.
// Provider trouble answers 503 (busy, timeout, not configured) or 502 (its own error); each owner
// may ask a limited number of times per minute (429 with Retry-After).
//
// The request to the model (the sandbox's llm.cpp answers it): a German system message naming
// the wanted JSON fields, and a user message carrying the facts as one JSON object
//   {"business_name", "business_type", "language", "description", "services", "assistant_name",
//    "fields": ["faqs", …], "max_faqs"}
// with response_format {"type": "json_object"}.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "definition.hpp"
#include "kx/http/client.hpp"
#include "kx/http/router.hpp"
#include "kx/json/json.hpp"
#include "kx/pg/pg.hpp"
#include "rate_limit.hpp"

namespace kx::agent {

/// Limits of generated texts (the definition's, so a suggestion can be saved as it is).
inline constexpr std::size_t kMaxGeneratedFaqs = 10;
inline constexpr std::size_t kMaxFaqQuestion = 300;
inline constexpr std::size_t kMaxFaqAnswer = 1000;
inline constexpr std::size_t kMaxPolicies = 4000;
inline constexpr std::size_t kMaxGreeting = 500;  ///< also the farewell

/// What the owner asked for, validated.
struct TextRequest {
  bool faqs = false;
  bool policies = false;
  bool greeting = false;
  bool farewell = false;
  std::string name;
  std::string business_type = "general";
  std::string language = "de";
  std::string description;
  std::vector<std::string> services;
  std::string assistant_name;
};

/// The model's suggestions, checked; a field is set exactly when it was asked for.
struct AiTexts {
  std::optional<std::vector<Faq>> faqs;
  std::optional<std::string> policies;
  std::optional<std::string> greeting;
  std::optional<std::string> farewell;
};

/// Reads POST /api/agents/generate's body; throws http::Error::validation (422, German).
TextRequest read_text_request(const json::Value& body);

/// The chat completions request body for `request`.
std::string completion_request(const TextRequest& request, const std::string& model);

/// Checks the content of the model's answer against `request`; nullopt when it is unusable.
std::optional<AiTexts> check_texts(std::string_view content, const TextRequest& request);

/// LLM_BASE_URL, LLM_MODEL, LLM_API_KEY (docs/configuration.md).
struct AiTextsSettings {
  std::string base_url;  ///< e.g. https://openrouter.ai/api/v1; empty: not configured (503)
  std::string model = "openai/gpt-4o-mini";
  std::string api_key;  ///< secret, never logged; empty: not configured (503)
  std::chrono::milliseconds timeout{30'000};
  RateLimit limit{"ai_texts", 10, std::chrono::seconds(60)};
};

/// Thread-safe. generate() blocks on the model (bounded by the timeout) and the database.
class AiTextsApi {
 public:
  AiTextsApi(pg::Pool& db, AiTextsSettings settings);
  void add_routes(http::Router& router);

  http::Response generate(http::Request& req);

 private:
  AiTextsSettings settings_;
  RateLimiter limiter_;
  http::Client client_;
};

}  // namespace kx::agent
