// The provider sandbox as its callers see it: Vapi's REST API (validation, PATCH replacing
// properties, lists, the seeded number pool), injected faults and request counts, the language
// model's JSON mode, ElevenLabs' MP3 answers, and simulated calls resolving numbers and
// speaking the stored assistant's texts against a stand-in gateway.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "kx/http/server.hpp"
#include "kx/json/json.hpp"
#include "sandbox.hpp"

namespace kx::sandbox {
namespace {

const std::string kKey = "vapi-private-test-key";

class SandboxTest : public ::testing::Test {
 protected:
  SandboxTest() : store_(3) {
    settings_.vapi_api_key = kKey;
    settings_.llm_api_key = "llm-key";
    settings_.elevenlabs_api_key = "xi-key";
    control_.add_routes(router_);
    add_vapi_api_routes(router_, settings_, store_, control_);
    add_llm_routes(router_, settings_, control_);
    add_tts_routes(router_, settings_, control_);
  }

  http::Response call(const std::string& method, const std::string& target,
                      const std::string& body = {}, const std::string& key = kKey) {
    http::Request req;
    req.method = method;
    req.target = target;
    auto q = target.find('?');
    req.path = target.substr(0, q);
    req.query = q == std::string::npos ? "" : target.substr(q + 1);
    req.body = body;
    req.request_id = "test";
    if (!key.empty())
      req.headers.set("Authorization", "Bearer " + key);
    return http::dispatch(router_, options_, req);
  }
  static json::Document body_of(const http::Response& res) { return json::parse(res.body); }
  /// The messages of a Vapi 400 answer, joined.
  static std::string messages(const http::Response& res) {
    auto doc = body_of(res);
    EXPECT_EQ(doc["statusCode"].GetInt(), res.status);
    return json::to_string(doc["message"]);
  }
  std::string create_assistant(const std::string& body) {
    auto res = call("POST", "/vapi/assistant", body);
    EXPECT_EQ(res.status, 201) << res.body;
    return body_of(res)["id"].GetString();
  }

  SandboxSettings settings_;
  VapiStore store_;
  Control control_;
  http::Router router_;
  http::ServerOptions options_;
};

const char* kAssistant = R"({"name":"Salon Müller","firstMessage":"Salon Müller, guten Tag!",
  "endCallMessage":"Auf Wiederhören!","maxDurationSeconds":600,
  "model":{"provider":"openai","model":"gpt-4o-mini","messages":[{"role":"system","content":"Du bist …"}]},
  "voice":{"provider":"11labs","voiceId":"EXAVITQu4vr4xnSDxMaL","model":"eleven_turbo_v2_5"},
  "transcriber":{"provider":"deepgram","model":"nova-2","language":"de"},
  "server":{"url":"https://kx.example/webhooks/vapi","timeoutSeconds":20},
  "serverMessages":["end-of-call-report","status-update","tool-calls"],"metadata":{"agent_id":"a1"}})";

TEST_F(SandboxTest, EveryVapiCallNeedsThePrivateKey) {
  for (const std::string key : {"", "wrong-key"}) {
    auto res = call("GET", "/vapi/assistant", "", key);
    EXPECT_EQ(res.status, 401);
    EXPECT_NE(res.body.find("Invalid Key"), std::string::npos);
    EXPECT_EQ(body_of(res)["error"], "Unauthorized");
  }
}

TEST_F(SandboxTest, AssistantsAreValidatedLikeVapisApi) {
  auto res = call("POST", "/vapi/assistant",
                  R"({"id":"x","orgId":"o","colour":"blue","name":")" + std::string(41, 'a') +
                      R"(","maxDurationSeconds":5,"model":{"provider":"openai"},)"
                      R"("voice":{"provider":"11labs"},"server":{"url":"not a url"},)"
                      R"("serverMessages":["end-of-call-report","assistant-request"]})");
  ASSERT_EQ(res.status, 400);
  EXPECT_EQ(body_of(res)["error"], "Bad Request");
  auto text = messages(res);
  for (const char* expected :
       {"property id should not exist", "property orgId should not exist",
        "property colour should not exist", "name must be shorter than or equal to 40 characters",
        "maxDurationSeconds must not be less than 10", "model.model should not be empty",
        "voice.voiceId should not be empty", "server.url must be a URL address",
        "each value in serverMessages must be one of the following values"})
    EXPECT_NE(text.find(expected), std::string::npos) << expected << " in " << text;
  EXPECT_EQ(call("POST", "/vapi/assistant", R"({"maxDurationSeconds":43201})").status, 400);
  EXPECT_EQ(call("POST", "/vapi/assistant", R"({"voice":{"voiceId":"x"}})").status, 400);
  EXPECT_EQ(call("POST", "/vapi/assistant", "{nope").status, 400);
  EXPECT_TRUE(store_.list(VapiKind::assistant).empty());
}

TEST_F(SandboxTest, PatchReplacesEachTopLevelPropertyWholesale) {
  auto id = create_assistant(kAssistant);
  auto created = body_of(call("GET", "/vapi/assistant/" + id));
  EXPECT_EQ(created["orgId"], "sandbox-org");
  EXPECT_EQ(created["model"]["messages"].Size(), 1u);

  auto res = call("PATCH", "/vapi/assistant/" + id,
                  R"({"model":{"provider":"openai","model":"gpt-4o"},"firstMessage":"Neu!"})");
  ASSERT_EQ(res.status, 200) << res.body;
  auto patched = body_of(res);
  EXPECT_FALSE(patched["model"].HasMember("messages"));  // replaced, not merged
  EXPECT_EQ(patched["model"]["model"], "gpt-4o");
  EXPECT_EQ(patched["firstMessage"], "Neu!");
  EXPECT_EQ(patched["endCallMessage"], "Auf Wiederhören!");  // untouched
  EXPECT_EQ(patched["createdAt"], created["createdAt"]);

  auto readonly = call("PATCH", "/vapi/assistant/" + id, R"({"id":"x","createdAt":"y"})");
  EXPECT_EQ(readonly.status, 400);
  EXPECT_NE(messages(readonly).find("property createdAt should not exist"), std::string::npos);
  EXPECT_EQ(call("PATCH", "/vapi/assistant/" + id, R"({"model":{"model":"gpt-4o"}})").status, 400);

  auto deleted = call("DELETE", "/vapi/assistant/" + id);
  EXPECT_EQ(deleted.status, 200);
  EXPECT_EQ(body_of(deleted)["id"], id);
  auto gone = call("GET", "/vapi/assistant/" + id);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(body_of(gone)["message"], "Couldn't Find Assistant");
  EXPECT_EQ(call("PATCH", "/vapi/assistant/" + id, "{}").status, 404);
  EXPECT_EQ(call("DELETE", "/vapi/assistant/" + id).status, 404);
}

TEST_F(SandboxTest, ListsAreNewestFirstWithLimitAndDateFilters) {
  auto first = create_assistant(R"({"name":"eins"})");
  auto created = json::get_string(body_of(call("GET", "/vapi/assistant/" + first)), "createdAt");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto second = create_assistant(R"({"name":"zwei"})");
  auto all = body_of(call("GET", "/vapi/assistant"));
  ASSERT_EQ(all.Size(), 2u);
  EXPECT_EQ(all[0]["id"], second);
  EXPECT_EQ(body_of(call("GET", "/vapi/assistant?limit=1")).Size(), 1u);
  auto newer = body_of(call("GET", "/vapi/assistant?createdAtGt=" + created));
  ASSERT_EQ(newer.Size(), 1u);
  EXPECT_EQ(newer[0]["id"], second);
  EXPECT_EQ(body_of(call("GET", "/vapi/assistant?createdAtLe=" + created)).Size(), 1u);
  EXPECT_EQ(call("GET", "/vapi/assistant?createdAtGt=yesterday").status, 400);
  EXPECT_EQ(call("GET", "/vapi/assistant?limit=5000").status, 400);
}

TEST_F(SandboxTest, PhoneNumbersComeFromThePoolOrAreBoughtOrBroughtAlong) {
  auto pool = body_of(call("GET", "/vapi/phone-number"));
  ASSERT_EQ(pool.Size(), 3u);
  EXPECT_EQ(pool[2]["id"], "5a4db0c5-0000-4000-8000-000000000001");
  EXPECT_EQ(pool[2]["number"], "+493055500001");
  EXPECT_EQ(pool[2]["status"], "active");

  auto bought = call("POST", "/vapi/phone-number",
                     R"({"provider":"vapi","numberDesiredAreaCode":"89","name":"München"})");
  ASSERT_EQ(bought.status, 201) << bought.body;
  EXPECT_EQ(json::get_string(body_of(bought), "number").rfind("+4989", 0), 0u);
  EXPECT_FALSE(body_of(bought).HasMember("numberDesiredAreaCode"));

  EXPECT_EQ(call("POST", "/vapi/phone-number", R"({"provider":"byo-phone-number"})").status, 400);
  EXPECT_EQ(call("POST", "/vapi/phone-number", R"({"provider":"sip"})").status, 400);
  EXPECT_EQ(call("POST", "/vapi/phone-number",
                 R"({"provider":"byo-phone-number","number":"030 1234567"})")
                .status,
            400);
  auto own = call("POST", "/vapi/phone-number",
                  R"({"provider":"byo-phone-number","number":"+493012345678"})");
  ASSERT_EQ(own.status, 201) << own.body;
  auto again =
      call("POST", "/vapi/phone-number", R"({"provider":"twilio","number":"+493012345678"})");
  EXPECT_EQ(again.status, 400);

  auto number = std::string(pool[0]["id"].GetString());
  auto assistant = create_assistant(R"({"name":"Salon"})");
  auto assigned = call("PATCH", "/vapi/phone-number/" + number,
                       R"({"assistantId":")" + assistant +
                           R"(","server":{"url":"https://kx.example/webhooks/vapi"}})");
  ASSERT_EQ(assigned.status, 200) << assigned.body;
  EXPECT_EQ(body_of(assigned)["assistantId"], assistant);
  auto cleared = call("PATCH", "/vapi/phone-number/" + number, R"({"assistantId":null})");
  EXPECT_TRUE(body_of(cleared)["assistantId"].IsNull());
  EXPECT_EQ(call("PATCH", "/vapi/phone-number/" + number, R"({"provider":"vapi"})").status, 400);
  EXPECT_EQ(call("DELETE", "/vapi/phone-number/" + number).status, 200);
  auto missing = call("GET", "/vapi/phone-number/" + number);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(body_of(missing)["message"], "Couldn't Find Phone Number");
}

TEST_F(SandboxTest, FaultsAnswerForTheirCountAndRequestsAreCounted) {
  auto id = create_assistant(R"({"name":"Salon"})");
  auto added = call("POST", "/_control/faults",
                    R"({"method":"PATCH","path_prefix":"/vapi/assistant","status":429,)"
                    R"("retry_after":2,"count":2})");
  ASSERT_EQ(added.status, 201) << added.body;
  for (int i = 0; i < 2; ++i) {
    auto res = call("PATCH", "/vapi/assistant/" + id, R"({"name":"Neu"})");
    EXPECT_EQ(res.status, 429);
    EXPECT_EQ(res.headers.get("Retry-After"), "2");
    EXPECT_EQ(body_of(res)["statusCode"].GetInt(), 429);
  }
  EXPECT_EQ(call("GET", "/vapi/assistant/" + id).status, 200);  // other methods unaffected
  EXPECT_EQ(call("PATCH", "/vapi/assistant/" + id, R"({"name":"Neu"})").status, 200);
  auto stats = body_of(call("GET", "/vapi/_control/stats"));
  EXPECT_EQ(stats["requests"]["PATCH /vapi/assistant/{id}"].GetInt(), 3);
  EXPECT_EQ(stats["requests"]["POST /vapi/assistant"].GetInt(), 1);

  call("POST", "/_control/faults", R"({"path_prefix":"/vapi","status":500,"count":-1})");
  EXPECT_EQ(call("GET", "/vapi/assistant").status, 500);
  EXPECT_EQ(call("GET", "/vapi/assistant").status, 500);
  EXPECT_EQ(call("DELETE", "/_control/faults").status, 204);
  EXPECT_EQ(call("GET", "/vapi/assistant").status, 200);
  EXPECT_EQ(call("DELETE", "/_control/stats").status, 204);
  EXPECT_EQ(body_of(call("GET", "/_control/stats"))["requests"].MemberCount(), 0u);
  EXPECT_EQ(call("POST", "/_control/faults", R"({"path_prefix":"/vapi"})").status, 422);
}

TEST_F(SandboxTest, TheLanguageModelSpeaksOpenAIsWireFormat) {
  auto ask = [&](const std::string& body, const std::string& key = "llm-key") {
    return call("POST", "/llm/v1/chat/completions", body, key);
  };
  const std::string json_mode =
      R"({"model":"openai/gpt-4o-mini","response_format":{"type":"json_object"},"messages":[)"
      R"({"role":"system","content":"Antworte als JSON."},{"role":"user","content":)"
      R"("{\"business_name\":\"Café Sonne\",\"business_type\":\"gastronomy\",\"fields\":[\"faqs\",\"farewell\"]}"}]})";
  auto res = ask(json_mode);
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = body_of(res);
  EXPECT_EQ(doc["object"], "chat.completion");
  EXPECT_EQ(doc["model"], "openai/gpt-4o-mini");
  EXPECT_EQ(doc["choices"][0]["finish_reason"], "stop");
  EXPECT_TRUE(doc["choices"][0]["message"]["refusal"].IsNull());
  EXPECT_GT(doc["usage"]["total_tokens"].GetInt(), 0);
  auto content = json::parse(doc["choices"][0]["message"]["content"].GetString());
  EXPECT_EQ(content.MemberCount(), 2u);
  EXPECT_NE(json::to_string(content["faqs"]).find("Tisch"), std::string::npos);
  EXPECT_NE(json::get_string(content, "farewell").find("Café Sonne"), std::string::npos);

  EXPECT_EQ(ask(json_mode, "").status, 401);
  EXPECT_EQ(ask(R"({"model":"m","response_format":{"type":"json_object"},)"
                R"("messages":[{"role":"user","content":"Hallo"}]})")
                .status,
            400);  // JSON mode needs the word in the prompt
  EXPECT_EQ(ask(R"({"model":"m","messages":[]})").status, 400);

  control_.add({.method = "POST", .path_prefix = "/llm", .kind = "error_in_200"});
  auto in200 = ask(json_mode);
  EXPECT_EQ(in200.status, 200);
  EXPECT_EQ(body_of(in200)["error"]["code"].GetInt(), 502);
  control_.add({.method = "POST", .path_prefix = "/llm", .kind = "length"});
  auto cut = body_of(ask(json_mode));
  EXPECT_EQ(cut["choices"][0]["finish_reason"], "length");
  EXPECT_THROW(json::parse(cut["choices"][0]["message"]["content"].GetString()), json::ParseError);
}

TEST_F(SandboxTest, TextToSpeechAnswersWholeMpegFramesForKnownVoices) {
  auto speak = [&](const std::string& voice, const std::string& key, const char* query = "") {
    http::Request req;
    req.method = "POST";
    req.target = "/elevenlabs/v1/text-to-speech/" + voice + query;
    req.path = "/elevenlabs/v1/text-to-speech/" + voice;
    req.query = *query ? query + 1 : "";
    req.body = R"({"text":"Guten Tag, hier ist Sarah. Wie kann ich Ihnen helfen?",)"
               R"("model_id":"eleven_turbo_v2_5"})";
    if (!key.empty())
      req.headers.set("xi-api-key", key);
    return http::dispatch(router_, options_, req);
  };
  auto res = speak("EXAVITQu4vr4xnSDxMaL", "xi-key", "?output_format=mp3_44100_128");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.headers.get("Content-Type"), "audio/mpeg");
  // Walk the frames: each header's bit rate, sample rate and padding give the next one's offset.
  const auto& mp3 = res.body;
  std::size_t offset = 0, frames = 0;
  while (offset + 4 <= mp3.size()) {
    auto b = [&](std::size_t i) { return static_cast<unsigned char>(mp3[offset + i]); };
    ASSERT_EQ(b(0), 0xFF);
    ASSERT_EQ(b(1), 0xFB);            // MPEG-1 Layer III, no CRC
    ASSERT_EQ(b(2) >> 4, 9);          // 128 kbit/s
    ASSERT_EQ((b(2) >> 2) & 0x3, 0);  // 44.1 kHz
    offset += 144 * 128000 / 44100 + ((b(2) >> 1) & 1);
    ++frames;
  }
  EXPECT_EQ(offset, mp3.size());
  EXPECT_GT(frames * 1152 / 44100.0, 1.0);  // seconds of audio

  auto unknown = speak("no-such-voice", "xi-key");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(body_of(unknown)["detail"]["status"], "voice_not_found");
  EXPECT_EQ(speak("EXAVITQu4vr4xnSDxMaL", "other-key").status, 401);
}

// A stand-in gateway: answers assistant-request with `answer` and keeps every message.
class FakeGateway {
 public:
  explicit FakeGateway(std::string answer) : answer_(std::move(answer)) {
    http::Router router;
    router.add("POST", "/webhooks/vapi",
               [this](http::Request& req) {
                 auto doc = json::parse(req.body);
                 std::lock_guard lock(mutex_);
                 messages_.push_back(req.body);
                 bool request = json::get_string(doc["message"], "type") == "assistant-request";
                 return http::Response::json(200, request ? answer_ : "{}");
               },
               {.max_body = 1024 * 1024, .access = http::Access::open});
    server_ = std::make_unique<http::Server>(http::ServerOptions{.service_name = "gateway"},
                                             std::move(router));
    url_ = "http://127.0.0.1:" + std::to_string(server_->start());
  }
  ~FakeGateway() {
    server_->stop();
    server_->wait();
  }
  const std::string& url() const { return url_; }
  std::vector<std::string> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }

 private:
  std::string answer_;
  std::mutex mutex_;
  std::vector<std::string> messages_;
  std::unique_ptr<http::Server> server_;
  std::string url_;
};

http::Response simulate(http::Router& router, const std::string& body) {
  http::Request req;
  req.method = "POST";
  req.target = req.path = "/vapi/simulate/call";
  req.body = body;
  req.request_id = "sim";
  return http::dispatch(router, http::ServerOptions{}, req);
}

TEST_F(SandboxTest, ASimulatedCallToAPoolNumberSpeaksTheStoredAssistant) {
  auto id = create_assistant(kAssistant);
  FakeGateway gateway(R"({"assistantId":")" + id +
                      R"(","assistantOverrides":{"variableValues":{"heute":"Montag"}}})");
  call("PATCH", "/vapi/assistant/" + id, R"({"firstMessage":"Salon Müller, schönen {{heute}}!"})");
  settings_.gateway_url = gateway.url();
  http::Router sim;
  add_vapi_routes(sim, settings_, store_);
  auto res = simulate(sim, R"({"phone_number":"+493055500002"})");
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = body_of(res);
  EXPECT_EQ(doc["outcome"], "simulated");
  EXPECT_EQ(doc["assistant_id"], id);
  const auto& transcript = doc["transcript"];
  ASSERT_GE(transcript.Size(), 3u);
  EXPECT_EQ(transcript[0]["role"], "assistant");
  EXPECT_EQ(transcript[0]["text"], "Salon Müller, schönen Montag!");
  EXPECT_EQ(transcript[1]["role"], "user");
  EXPECT_EQ(transcript[transcript.Size() - 1]["text"], "Auf Wiederhören!");
  auto first = json::parse(gateway.messages().front());
  EXPECT_EQ(first["message"]["phoneNumber"]["id"], "5a4db0c5-0000-4000-8000-000000000002");
  auto report = json::parse(gateway.messages().back());
  EXPECT_EQ(report["message"]["type"], "end-of-call-report");
  EXPECT_NE(json::get_string(report["message"]["artifact"], "transcript").find("schönen Montag"),
            std::string::npos);
}

TEST_F(SandboxTest, AnAssistantRequestErrorEndsTheCallBeforeItConnects) {
  FakeGateway gateway(R"({"error":"Dieser Anschluss ist gerade nicht erreichbar."})");
  settings_.gateway_url = gateway.url();
  http::Router sim;
  add_vapi_routes(sim, settings_, store_);
  auto doc = body_of(simulate(sim, R"({"phone_number":"+493055500001"})"));
  EXPECT_EQ(doc["outcome"], "line_unavailable");
  EXPECT_EQ(doc["ended_reason"], "assistant-request-returned-error");
  auto report = json::parse(gateway.messages().back());
  EXPECT_EQ(report["message"]["type"], "end-of-call-report");
  EXPECT_EQ(report["message"]["endedReason"], "assistant-request-returned-error");
  EXPECT_EQ(report["message"]["phoneNumber"]["number"], "+493055500001");
}

}  // namespace
}  // namespace kx::sandbox
