#include "voices.hpp"

#include <array>

#include "kx/http/error.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"

namespace kx::agent {
namespace {

using http::Access;
using http::Request;
using http::Response;

// ElevenLabs' multilingual premade voices; with the multilingual models they speak German
// without an accent of their own. The first four are the ones the old product offered.
constexpr std::array kVoices = {
    Voice{"EXAVITQu4vr4xnSDxMaL", "Sarah", "female", "Sanft und professionell", true},
    Voice{"XrExE9yKIg1WjnnlVkGX", "Matilda", "female", "Warm und freundlich"},
    Voice{"pNInz6obpgDQGcFmaJgB", "Adam", "male", "Professionell und vertrauenswürdig"},
    Voice{"ErXwobaYiN019PkySvjV", "Antoni", "male", "Freundlich und nahbar"},
    Voice{"FGY2WhTYpPnrIDTdsKH5", "Laura", "female", "Lebhaft und zugewandt"},
    Voice{"pFZP5JQG7iQjIQuC4Bku", "Lily", "female", "Ruhig und klar"},
    Voice{"JBFqnCBsd6RMkjVDRZzb", "George", "male", "Warm und souverän"},
    Voice{"onwK4e9ZLuTAKqWW03F9", "Daniel", "male", "Sachlich und deutlich"},
};

// Bounded by the catalogue (voices × languages); the cap only guards against a future change.
constexpr std::size_t kMaxCachedPreviews = 64;

std::string preview_text(const Voice& voice, const std::string& language) {
  if (language == "en")
    return "Hello, this is " + std::string(voice.name) + ". How can I help you?";
  return "Guten Tag, hier ist " + std::string(voice.name) + ". Wie kann ich Ihnen helfen?";
}

// An MP3 starts with an ID3 tag or an MPEG audio frame sync.
bool looks_like_mp3(const std::string& body) {
  if (body.size() < 4)
    return false;
  if (body.compare(0, 3, "ID3") == 0)
    return true;
  return static_cast<unsigned char>(body[0]) == 0xFF &&
         (static_cast<unsigned char>(body[1]) & 0xE0) == 0xE0;
}

}  // namespace

std::span<const Voice> voices() {
  return kVoices;
}

const Voice* find_voice(std::string_view id) {
  for (const auto& v : kVoices) {
    if (v.id == id)
      return &v;
  }
  return nullptr;
}

const Voice& default_voice() {
  return kVoices.front();
}

VoicesApi::VoicesApi(pg::Pool& db, VoicePreviewSettings settings)
    : settings_(std::move(settings)),
      limiter_(db),
      client_(http::ClientOptions{.request_timeout = settings_.timeout, .max_retries = 0}) {}

void VoicesApi::add_routes(http::Router& r) {
  r.add("GET", "/api/voices", *this, &VoicesApi::list, {.max_body = 0, .access = Access::user});
  r.add("GET", "/api/voices/{id}/preview", *this, &VoicesApi::preview,
        {.max_body = 0, .access = Access::user});
}

Response VoicesApi::list(Request&) {
  json::Writer w;
  w.begin_object().key("voices").begin_array();
  for (const auto& v : kVoices) {
    w.begin_object().field("id", v.id).field("name", v.name).field("gender", v.gender);
    w.field("description", v.description).key("languages").begin_array().value("de").value("en");
    w.end_array().field("default", v.is_default).end_object();
  }
  w.end_array().end_object();
  return Response::json(200, w.str());
}

Response VoicesApi::preview(Request& req) {
  const Voice* voice = find_voice(req.param("id"));
  if (!voice)
    throw http::Error::not_found("Diese Stimme gibt es nicht.");
  auto language = req.query_param("language").value_or("de");
  if (language != "de" && language != "en")
    throw http::Error::validation({{"language", "muss \"de\" oder \"en\" sein"}});
  if (settings_.api_key.empty() || settings_.api_base.empty())
    throw http::Error(503, "preview_not_configured", "Sprachvorschau ist nicht eingerichtet.");
  if (auto wait = limiter_.hit(req.identity.user_id, settings_.limit)) {
    return too_many_requests(req, *wait,
                             "Sie haben in kurzer Zeit sehr viele Hörproben abgespielt. Bitte "
                             "versuchen Sie es später erneut.");
  }
  auto audio = fetch(*voice, language);
  auto res = Response::text(200, *audio, "audio/mpeg");
  res.headers.set("Content-Type", "audio/mpeg");
  res.headers.set("Cache-Control", "private, max-age=86400");
  return res;
}

std::shared_ptr<const std::string> VoicesApi::fetch(const Voice& voice,
                                                    const std::string& language) {
  auto key = std::string(voice.id) + "/" + language;
  auto cached = [&]() -> std::shared_ptr<const std::string> {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(key);
    return it == cache_.end() ? nullptr : it->second;
  };
  if (auto audio = cached())
    return audio;
  // One fetch at a time, so concurrent first previews of a voice reach ElevenLabs once; cached
  // previews never wait for it.
  std::lock_guard fetching(fetch_mutex_);
  if (auto audio = cached())
    return audio;

  json::Writer body;
  body.begin_object().field("text", preview_text(voice, language));
  body.field("model_id", settings_.model_id).field("language_code", language);
  body.key("voice_settings").begin_object().field("stability", 0.5);
  body.field("similarity_boost", 0.75).end_object().end_object();
  http::ClientRequest call;
  call.method = "POST";
  call.url = settings_.api_base + "/v1/text-to-speech/" + std::string(voice.id) +
             "?output_format=mp3_44100_128";
  call.headers.set("xi-api-key", settings_.api_key);
  call.headers.set("Content-Type", "application/json");
  call.headers.set("Accept", "audio/mpeg");
  call.body = body.str();
  const http::Error down(503, "preview_unavailable",
                         "Die Sprachvorschau ist gerade nicht erreichbar. Bitte versuchen Sie es "
                         "später erneut.");
  http::Response res;
  try {
    res = client_.send(call);
  } catch (const http::ClientError& e) {
    log::warn("elevenlabs preview failed", {{"voice_id", voice.id}, {"error", e.what()}});
    throw down;
  }
  if (res.status != 200 || !looks_like_mp3(res.body)) {
    // 401/403 mean our key is wrong, which an operator must fix; the rest is ElevenLabs' trouble.
    auto level = res.status == 401 || res.status == 403 ? log::Level::error : log::Level::warn;
    log::log(level, "elevenlabs preview refused",
             {{"voice_id", voice.id}, {"status", res.status}, {"bytes", res.body.size()}});
    throw down;
  }
  std::lock_guard lock(mutex_);
  if (cache_.size() >= kMaxCachedPreviews)
    cache_.erase(cache_.begin());
  auto audio = std::make_shared<const std::string>(std::move(res.body));
  cache_.emplace(key, audio);
  return audio;
}

}  // namespace kx::agent
