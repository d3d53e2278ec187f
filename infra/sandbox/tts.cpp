// ElevenLabs stand-in for voice previews: POST /elevenlabs/v1/text-to-speech/{voice_id}
// (header xi-api-key, body {text, model_id, voice_settings}, query output_format) answers
// audio/mpeg, GET /elevenlabs/v1/voices lists the premade voices it knows. The audio is silent
// but valid MPEG-1 Layer III: frames whose side information is all zero decode to silence in
// every decoder (browsers included), and its length follows the text like speech would.
// Errors in ElevenLabs' shape: {"detail": {"status": "voice_not_found", "message": "…"}}.
#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>

#include "kx/crypto/crypto.hpp"
#include "kx/http/error.hpp"
#include "kx/json/json.hpp"
#include "sandbox.hpp"

namespace kx::sandbox {
namespace {

using http::Request;
using http::Response;

struct PremadeVoice {
  const char* id;
  const char* name;
};

// ElevenLabs' premade voices (their ids are the same for every account).
constexpr std::array kVoices = {
    PremadeVoice{"EXAVITQu4vr4xnSDxMaL", "Sarah"},  PremadeVoice{"XrExE9yKIg1WjnnlVkGX", "Matilda"},
    PremadeVoice{"FGY2WhTYpPnrIDTdsKH5", "Laura"},  PremadeVoice{"pFZP5JQG7iQjIQuC4Bku", "Lily"},
    PremadeVoice{"pNInz6obpgDQGcFmaJgB", "Adam"},   PremadeVoice{"ErXwobaYiN019PkySvjV", "Antoni"},
    PremadeVoice{"JBFqnCBsd6RMkjVDRZzb", "George"}, PremadeVoice{"onwK4e9ZLuTAKqWW03F9", "Daniel"},
    PremadeVoice{"21m00Tcm4TlvDq8ikWAM", "Rachel"}, PremadeVoice{"IKne3meq5aSn9XLyUdCD", "Charlie"},
    PremadeVoice{"N2lVS1w4EtoT3dr4eOWO", "Callum"}, PremadeVoice{"nPczCjzI2devNBz1zQrb", "Brian"},
};

Response detail(int status, const std::string& code, const std::string& message) {
  json::Writer w;
  w.begin_object().key("detail").begin_object().field("status", code).field("message", message);
  w.end_object().end_object();
  return Response::json(status, w.str());
}

std::string fault_body(int status) {
  if (status == 429)
    return detail(429, "too_many_concurrent_requests",
                  "Too many concurrent requests. Please try again shortly.")
        .body;
  return detail(status, "internal_error", "An internal error occurred.").body;
}

// MPEG-1 Layer III bit rates (kbit/s) by index and sample rates (Hz) by index.
constexpr std::array<int, 15> kBitrates = {0,   32,  40,  48,  56,  64,  80, 96,
                                           112, 128, 160, 192, 224, 256, 320};
constexpr std::array<int, 3> kRates = {44100, 48000, 32000};

/// `seconds` of silence as MPEG-1 Layer III mono frames. A frame holds 1152 samples and takes
/// 144 * bitrate / rate bytes; the padding bit spreads the fractional byte over the frames.
std::string silent_mp3(int rate, int kbps, double seconds) {
  int rate_index = 0, bitrate_index = 9;  // 44.1 kHz, 128 kbit/s
  for (std::size_t i = 0; i < kRates.size(); ++i) {
    if (kRates[i] == rate)
      rate_index = static_cast<int>(i);
  }
  for (std::size_t i = 1; i < kBitrates.size(); ++i) {
    if (kBitrates[i] == kbps)
      bitrate_index = static_cast<int>(i);
  }
  const std::int64_t bits_per_frame_x = 144LL * kBitrates[bitrate_index] * 1000;
  const int sample_rate = kRates[rate_index];
  auto frames = static_cast<std::int64_t>(seconds * sample_rate / 1152) + 1;
  std::string out;
  std::int64_t written = 0;
  for (std::int64_t i = 1; i <= frames; ++i) {
    std::int64_t target = bits_per_frame_x * i / sample_rate;
    auto length = static_cast<std::size_t>(target - written);
    bool padded = length > static_cast<std::size_t>(bits_per_frame_x / sample_rate);
    written = target;
    // 11 sync bits, MPEG-1 (11), Layer III (01), no CRC (1); bitrate, rate, padding, private 0;
    // mono (11), mode extension 00, not copyrighted, original, no emphasis.
    out += static_cast<char>(0xFF);
    out += static_cast<char>(0xFB);
    out += static_cast<char>((bitrate_index << 4) | (rate_index << 2) | (padded ? 0x02 : 0));
    out += static_cast<char>(0xC4);
    out.append(length - 4, '\0');
  }
  return out;
}

const PremadeVoice* known(const std::string& id) {
  for (const auto& v : kVoices) {
    if (id == v.id)
      return &v;
  }
  return nullptr;
}

std::optional<Response> check_key(const SandboxSettings& settings, const Request& req) {
  auto key = std::string(req.header("xi-api-key").value_or(""));
  if (key.empty() || (!settings.elevenlabs_api_key.empty() &&
                      !crypto::constant_time_equal(key, settings.elevenlabs_api_key)))
    return detail(401, "invalid_api_key", "Invalid API key");
  return std::nullopt;
}

Response speak(const SandboxSettings& settings, Request& req) {
  if (auto denied = check_key(settings, req))
    return *denied;
  auto voice_id = req.param("voice_id");
  if (!known(voice_id)) {
    return detail(404, "voice_not_found",
                  "A voice with the voice_id " + voice_id + " was not found.");
  }
  json::Document body;
  try {
    body = json::parse(req.body);
  } catch (const json::ParseError&) {
    return detail(400, "invalid_request", "The request body is not valid JSON.");
  }
  auto text = body.IsObject() ? json::get_string(body, "text") : std::string();
  if (text.empty())
    return detail(422, "invalid_text", "text must not be empty");
  if (json::utf8_length(text) > 5000)
    return detail(422, "text_too_long", "text must be at most 5000 characters");
  // "mp3_44100_128": codec, sample rate, bit rate.
  int rate = 44100, kbps = 128;
  auto format = req.query_param("output_format").value_or("mp3_44100_128");
  if (std::sscanf(format.c_str(), "mp3_%d_%d", &rate, &kbps) != 2)
    return detail(400, "invalid_output_format", "Only mp3 output formats are supported here.");
  double seconds = std::clamp(static_cast<double>(json::utf8_length(text)) * 0.065, 1.0, 12.0);
  auto res = Response::text(200, silent_mp3(rate, kbps, seconds), "audio/mpeg");
  res.headers.set("Content-Type", "audio/mpeg");
  res.headers.set("request-id", crypto::random_token(12));
  res.headers.set("character-cost", std::to_string(json::utf8_length(text)));
  return res;
}

Response voices(const SandboxSettings& settings, Request& req) {
  if (auto denied = check_key(settings, req))
    return *denied;
  json::Writer w;
  w.begin_object().key("voices").begin_array();
  for (const auto& v : kVoices) {
    w.begin_object().field("voice_id", v.id).field("name", v.name);
    w.field("category", "premade").end_object();
  }
  w.end_array().end_object();
  return Response::json(200, w.str());
}

}  // namespace

void add_tts_routes(http::Router& router, const SandboxSettings& settings, Control& control) {
  for (const char* path : {"/elevenlabs/v1/text-to-speech/{voice_id}",
                           "/elevenlabs/v1/text-to-speech/{voice_id}/stream"}) {
    control.route(router, "POST", path, fault_body,
                  [settings](Request& req, const Fault*) { return speak(settings, req); });
  }
  control.route(
      router, "GET", "/elevenlabs/v1/voices", fault_body,
      [settings](Request& req, const Fault*) { return voices(settings, req); }, 0);
}

}  // namespace kx::sandbox
