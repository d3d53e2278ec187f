#pragma once
// The German-capable voices an owner can choose for an agent (ElevenLabs' multilingual premade
// voices, spoken through Vapi's "11labs" provider) and their preview clips.
//
//   GET /api/voices              {"voices": [{"id", "name", "gender", "description",
//                                 "languages": ["de", "en"], "default"}]}
//   GET /api/voices/{id}/preview ?language=de|en → audio/mpeg, a short sample sentence in that
//                                voice. Signed-in owners only, limited per owner, cached here
//                                per voice and language so repeated previews do not reach
//                                ElevenLabs (and in the browser: Cache-Control private, 1 day).

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "kx/http/client.hpp"
#include "kx/http/router.hpp"
#include "kx/pg/pg.hpp"
#include "rate_limit.hpp"

namespace kx::agent {

struct Voice {
  std::string_view id;  ///< ElevenLabs voice id
  std::string_view name;
  std::string_view gender;       ///< "female" or "male"
  std::string_view description;  ///< German, for the voice picker
  bool is_default = false;
};

/// The catalogue, the default voice first.
std::span<const Voice> voices();
/// The voice with this id; nullptr for any other id.
const Voice* find_voice(std::string_view id);
/// Sarah (EXAVITQu4vr4xnSDxMaL), used when a definition names no voice.
const Voice& default_voice();

/// ELEVENLABS_API_BASE, ELEVENLABS_API_KEY (docs/configuration.md).
struct VoicePreviewSettings {
  std::string api_base = "https://api.elevenlabs.io";
  std::string api_key;  ///< empty: previews answer 503 "nicht eingerichtet"
  std::string model_id = "eleven_turbo_v2_5";
  std::chrono::milliseconds timeout{15'000};
  RateLimit limit{"voice_preview", 30, std::chrono::hours(1)};
};

/// Thread-safe. Previews block on ElevenLabs (bounded by the timeout) and on the database.
class VoicesApi {
 public:
  VoicesApi(pg::Pool& db, VoicePreviewSettings settings);
  void add_routes(http::Router& router);

  http::Response list(http::Request& req);
  http::Response preview(http::Request& req);

 private:
  std::shared_ptr<const std::string> fetch(const Voice& voice, const std::string& language);

  VoicePreviewSettings settings_;
  RateLimiter limiter_;
  http::Client client_;
  std::mutex fetch_mutex_;
  std::mutex mutex_;  // guards cache_
  std::map<std::string, std::shared_ptr<const std::string>> cache_;
};

}  // namespace kx::agent
