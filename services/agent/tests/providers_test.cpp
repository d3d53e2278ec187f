// The agent service's provider-backed endpoints (voice previews, AI texts) against a real
// PostgreSQL schema (the per-owner limits), through the server's dispatch, with ElevenLabs and
// the language model played by the provider sandbox's modules running in this process.
#include <gtest/gtest.h>

#include "ai_texts.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/events/outbox.hpp"
#include "kx/http/server.hpp"
#include "kx/pg/testing.hpp"
#include "kx/service/runtime.hpp"
#include "sandbox.hpp"
#include "voices.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

namespace kx::agent {
namespace {

const std::string kInternalSecret = "test-internal-secret-0123456789abcdef";
const http::Identity kAnna{"owner-anna", "user"};
const http::Identity kBen{"owner-ben", "user"};
const std::string kLlmKey = "sk-or-v1-test-llm-key";
const std::string kElevenLabsKey = "xi-test-elevenlabs-key";
const std::string kSarah = "EXAVITQu4vr4xnSDxMaL";
const char* kTtsRoute = "POST /elevenlabs/v1/text-to-speech/{voice_id}";
const char* kLlmRoute = "POST /llm/v1/chat/completions";

class ProvidersTest : public ::testing::Test {
 protected:
  ProvidersTest() {
    pool_ = std::make_unique<pg::Pool>(schema_.pool_options(4));
    auto migrations = events::migrations();
    for (auto& m : service::to_migrations(kx_service_migration_files()))
      migrations.push_back(m);
    pg::migrate(*pool_, migrations);

    http::Router providers;
    sandbox::SandboxSettings settings{.llm_api_key = kLlmKey, .elevenlabs_api_key = kElevenLabsKey};
    sandbox::add_llm_routes(providers, settings, control_);
    sandbox::add_tts_routes(providers, settings, control_);
    sandbox_ = std::make_unique<http::Server>(
        http::ServerOptions{.service_name = "sandbox", .worker_threads = 4}, providers);
    base_ = "http://127.0.0.1:" + std::to_string(sandbox_->start());
    options_.identity.emplace(kInternalSecret);
  }
  ~ProvidersTest() override {
    control_.clear();
    sandbox_->stop();
    sandbox_->wait();
  }

  VoicePreviewSettings preview_settings() {
    VoicePreviewSettings s;
    s.api_base = base_ + "/elevenlabs";
    s.api_key = kElevenLabsKey;
    return s;
  }
  AiTextsSettings texts_settings() {
    AiTextsSettings s;
    s.base_url = base_ + "/llm/v1";
    s.api_key = kLlmKey;
    s.timeout = std::chrono::milliseconds(700);
    return s;
  }
  void serve(VoicePreviewSettings voices, AiTextsSettings texts) {
    router_ = http::Router();
    voices_ = std::make_unique<VoicesApi>(*pool_, std::move(voices));
    texts_ = std::make_unique<AiTextsApi>(*pool_, std::move(texts));
    voices_->add_routes(router_);
    texts_->add_routes(router_);
  }

  http::Response call(const std::string& method, const std::string& target,
                      const std::string& body = {}, const http::Identity& who = kAnna) {
    http::Request req;
    req.method = method;
    req.target = target;
    auto q = target.find('?');
    req.path = target.substr(0, q);
    req.query = q == std::string::npos ? "" : target.substr(q + 1);
    req.body = body;
    req.request_id = crypto::uuid_v4();
    options_.identity->sign(req.headers, who, method, target, req.request_id);
    return http::dispatch(router_, options_, req);
  }
  http::Response generate(const std::string& body, const http::Identity& who = kAnna) {
    return call("POST", "/api/agents/generate", body, who);
  }
  static const char* salon(const char* kind = "all") {
    static std::string body;
    body = std::string(R"({"kind":")") + kind +
           R"(","name":"Salon Müller","business_type":"salon","services":["Haarschnitt","Färben"],)"
           R"("assistant_name":"Lena","description":"Friseursalon in Berlin-Pankow"})";
    return body.c_str();
  }
  void fault(const std::string& json) {
    auto doc = json::parse(json);
    sandbox::Fault f;
    f.method = "POST";
    f.path_prefix = json::get_string(doc, "path_prefix");
    f.status = static_cast<int>(json::get_int(doc, "status"));
    f.retry_after = static_cast<int>(json::get_int(doc, "retry_after", -1));
    f.delay_ms = static_cast<int>(json::get_int(doc, "delay_ms"));
    f.kind = json::get_string(doc, "kind");
    control_.add(f);
  }
  std::int64_t requests(const char* route) {
    auto stats = json::parse(control_.stats_json());
    return json::get_int(stats["requests"], route);
  }
  static std::string code_of(const http::Response& res) {
    return json::get_string(json::parse(res.body)["error"], "code");
  }

  pg::testing::ScratchSchema schema_{"agent"};
  std::unique_ptr<pg::Pool> pool_;
  sandbox::Control control_;
  std::unique_ptr<http::Server> sandbox_;
  std::string base_;
  http::ServerOptions options_;
  http::Router router_;
  std::unique_ptr<VoicesApi> voices_;
  std::unique_ptr<AiTextsApi> texts_;
};

// --- voices -------------------------------------------------------------------------------------

TEST_F(ProvidersTest, TheCatalogueListsGermanVoicesWithSarahAsTheDefault) {
  serve(preview_settings(), texts_settings());
  auto res = call("GET", "/api/voices");
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = json::parse(res.body);
  ASSERT_EQ(doc["voices"].Size(), voices().size());
  ASSERT_GE(voices().size(), 6u);
  int defaults = 0;
  for (const auto& v : doc["voices"].GetArray()) {
    ASSERT_NE(find_voice(v["id"].GetString()), nullptr);
    EXPECT_FALSE(json::get_string(v, "description").empty());
    EXPECT_EQ(v["languages"][0], "de");
    defaults += v["default"].GetBool() ? 1 : 0;
  }
  EXPECT_EQ(defaults, 1);
  EXPECT_EQ(default_voice().id, kSarah);
  EXPECT_EQ(find_voice("not-a-voice"), nullptr);
  EXPECT_EQ(call("GET", "/api/voices", "", {"", ""}).status, 401);
}

TEST_F(ProvidersTest, APreviewIsAnMp3CachedSoElevenLabsIsAskedOncePerVoiceAndLanguage) {
  serve(preview_settings(), texts_settings());
  for (int i = 0; i < 3; ++i) {
    auto res = call("GET", "/api/voices/" + kSarah + "/preview");
    ASSERT_EQ(res.status, 200) << res.body;
    EXPECT_EQ(res.headers.get("Content-Type"), "audio/mpeg");
    EXPECT_EQ(res.headers.get("Cache-Control"), "private, max-age=86400");
    ASSERT_GT(res.body.size(), 1000u);
    EXPECT_EQ(static_cast<unsigned char>(res.body[0]), 0xFF);
    EXPECT_EQ(static_cast<unsigned char>(res.body[1]) & 0xE0, 0xE0);
  }
  EXPECT_EQ(requests(kTtsRoute), 1);
  EXPECT_EQ(call("GET", "/api/voices/" + kSarah + "/preview?language=en", "", kBen).status, 200);
  EXPECT_EQ(requests(kTtsRoute), 2);
}

TEST_F(ProvidersTest, PreviewsNeedASignedInOwnerAKnownVoiceAndAConfiguredProvider) {
  serve(preview_settings(), texts_settings());
  EXPECT_EQ(call("GET", "/api/voices/" + kSarah + "/preview", "", {"", ""}).status, 401);
  auto unknown = call("GET", "/api/voices/21m00Tcm4TlvDq8ikWAM/preview");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(call("GET", "/api/voices/" + kSarah + "/preview?language=fr").status, 422);

  auto unconfigured = preview_settings();
  unconfigured.api_key.clear();
  serve(unconfigured, texts_settings());
  auto res = call("GET", "/api/voices/" + kSarah + "/preview");
  EXPECT_EQ(res.status, 503);
  EXPECT_NE(res.body.find("Sprachvorschau ist nicht eingerichtet"), std::string::npos);
  EXPECT_EQ(requests(kTtsRoute), 0);
}

TEST_F(ProvidersTest, AProviderFailureIsA503AndIsNotCached) {
  serve(preview_settings(), texts_settings());
  fault(R"({"path_prefix":"/elevenlabs","status":500})");
  auto down = call("GET", "/api/voices/" + kSarah + "/preview");
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(code_of(down), "preview_unavailable");
  EXPECT_EQ(call("GET", "/api/voices/" + kSarah + "/preview").status, 200);
  EXPECT_EQ(requests(kTtsRoute), 2);

  auto wrong_key = preview_settings();
  wrong_key.api_key = "xi-someone-elses-key";
  serve(wrong_key, texts_settings());
  EXPECT_EQ(call("GET", "/api/voices/XrExE9yKIg1WjnnlVkGX/preview").status, 503);
}

TEST_F(ProvidersTest, PreviewsAreLimitedPerOwner) {
  auto limited = preview_settings();
  limited.limit.max_hits = 2;
  serve(limited, texts_settings());
  EXPECT_EQ(call("GET", "/api/voices/" + kSarah + "/preview").status, 200);
  EXPECT_EQ(call("GET", "/api/voices/" + kSarah + "/preview").status, 200);
  auto refused = call("GET", "/api/voices/" + kSarah + "/preview");
  ASSERT_EQ(refused.status, 429);
  EXPECT_EQ(code_of(refused), "rate_limited");
  auto wait = std::stoi(std::string(refused.headers.get("Retry-After").value_or("0")));
  EXPECT_GT(wait, 3000);
  EXPECT_LE(wait, 3600);
  EXPECT_EQ(call("GET", "/api/voices/" + kSarah + "/preview", "", kBen).status, 200);
}

// --- AI texts -----------------------------------------------------------------------------------

TEST_F(ProvidersTest, GeneratesEveryTextFromTheOwnersFacts) {
  serve(preview_settings(), texts_settings());
  auto res = generate(salon());
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = json::parse(res.body);
  ASSERT_TRUE(doc["faqs"].IsArray());
  EXPECT_GE(doc["faqs"].Size(), 3u);
  EXPECT_LE(doc["faqs"].Size(), kMaxGeneratedFaqs);
  EXPECT_NE(json::to_string(doc["faqs"]).find("Haarschnitt"), std::string::npos);
  for (const auto& f : doc["faqs"].GetArray()) {
    EXPECT_FALSE(json::get_string(f, "question").empty());
    EXPECT_FALSE(json::get_string(f, "answer").empty());
  }
  EXPECT_FALSE(json::get_string(doc, "policies").empty());
  auto greeting = json::get_string(doc, "greeting");
  EXPECT_NE(greeting.find("Salon Müller"), std::string::npos);
  EXPECT_NE(greeting.find("Lena"), std::string::npos);
  EXPECT_NE(json::get_string(doc, "farewell").find("Wiederhören"), std::string::npos);
  EXPECT_EQ(requests(kLlmRoute), 1);
}

TEST_F(ProvidersTest, OnlyTheAskedKindsAreAnsweredInTheAgentsLanguage) {
  serve(preview_settings(), texts_settings());
  auto res = generate(
      R"({"kind":"greeting","name":"Praxis Dr. Weber","business_type":"medical","language":"en"})");
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = json::parse(res.body);
  EXPECT_EQ(doc.MemberCount(), 1u);
  EXPECT_NE(json::get_string(doc, "greeting").find("How can I help"), std::string::npos);
}

TEST_F(ProvidersTest, AnErrorInsideHttp200IsAnError) {
  serve(preview_settings(), texts_settings());
  fault(R"({"path_prefix":"/llm","kind":"error_in_200"})");
  auto res = generate(salon());
  EXPECT_EQ(res.status, 502);
  EXPECT_EQ(code_of(res), "ai_failed");
}

TEST_F(ProvidersTest, ABusyProviderIsA503WithItsRetryAfterAndAFailingOneA502) {
  serve(preview_settings(), texts_settings());
  fault(R"({"path_prefix":"/llm","status":429,"retry_after":7})");
  auto busy = generate(salon());
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(busy.headers.get("Retry-After"), "7");
  EXPECT_NE(busy.body.find("ausgelastet"), std::string::npos);
  fault(R"({"path_prefix":"/llm","status":500})");
  EXPECT_EQ(generate(salon()).status, 502);
  EXPECT_EQ(generate(salon()).status, 200);
}

TEST_F(ProvidersTest, ASlowProviderTimesOutAsA503) {
  serve(preview_settings(), texts_settings());
  fault(R"({"path_prefix":"/llm","delay_ms":2500})");
  auto started = std::chrono::steady_clock::now();
  auto res = generate(salon());
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(code_of(res), "ai_unavailable");
  EXPECT_NE(res.body.find("nicht rechtzeitig"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(2000));
}

TEST_F(ProvidersTest, UnusableAnswersNeverReachTheOwner) {
  serve(preview_settings(), texts_settings());
  for (const char* kind : {"invalid_json", "length", "placeholder", "oversized"}) {
    fault(std::string(R"({"path_prefix":"/llm","kind":")") + kind + "\"}");
    auto res = generate(salon());
    EXPECT_EQ(res.status, 502) << kind << ": " << res.body;
    EXPECT_EQ(code_of(res), "ai_unusable") << kind;
    EXPECT_NE(res.body.find("Die KI-Antwort war unbrauchbar"), std::string::npos);
  }
}

TEST_F(ProvidersTest, GeneratingIsLimitedPerOwnerBeforeTheModelIsAsked) {
  auto limited = texts_settings();
  limited.limit.max_hits = 2;
  serve(preview_settings(), limited);
  EXPECT_EQ(generate(salon("farewell")).status, 200);
  EXPECT_EQ(generate(salon("farewell")).status, 200);
  auto refused = generate(salon("farewell"));
  ASSERT_EQ(refused.status, 429);
  auto wait = std::stoi(std::string(refused.headers.get("Retry-After").value_or("0")));
  EXPECT_GE(wait, 1);
  EXPECT_LE(wait, 60);
  EXPECT_EQ(requests(kLlmRoute), 2);
  EXPECT_EQ(generate(salon("farewell"), kBen).status, 200);
}

TEST_F(ProvidersTest, GenerateValidatesItsInputAndNeedsAConfiguredModel) {
  serve(preview_settings(), texts_settings());
  EXPECT_EQ(generate(R"({"kind":"all"})").status, 422);
  EXPECT_EQ(generate(R"({"kind":"everything","name":"Salon"})").status, 422);
  EXPECT_EQ(generate(R"({"kind":"all","name":"Salon","colour":"blue"})").status, 422);
  EXPECT_EQ(generate(R"({"kind":"all","name":"   "})").status, 422);
  EXPECT_EQ(generate(R"({"kind":"all","name":"Salon","business_type":"zoo"})").status, 422);
  std::string many = R"({"kind":"faqs","name":"Salon","services":[)";
  for (int i = 0; i < 51; ++i)
    many += std::string(i ? "," : "") + "\"Leistung " + std::to_string(i) + "\"";
  EXPECT_EQ(generate(many + "]}").status, 422);
  EXPECT_EQ(generate(salon(), {"", ""}).status, 401);
  EXPECT_EQ(requests(kLlmRoute), 0);

  auto unconfigured = texts_settings();
  unconfigured.base_url.clear();
  serve(preview_settings(), unconfigured);
  auto res = generate(salon());
  EXPECT_EQ(res.status, 503);
  EXPECT_EQ(code_of(res), "ai_not_configured");
}

// --- checking the model's answer (no provider needed) ---------------------------------------

TEST(AiTextsCheck, CleansMarkdownAndFencesAndCutsLongFaqLists) {
  TextRequest r;
  r.faqs = r.greeting = true;
  std::string faqs;
  for (int i = 0; i < 14; ++i)
    faqs += std::string(i ? "," : "") + R"({"question":"**Frage** )" + std::to_string(i) +
            R"(?","answer":"- Antwort `eins`."})";
  auto texts = check_texts(
      "```json\n{\"faqs\":[" + faqs + "],\"greeting\":\"## Salon Müller, guten Tag!\"}\n```", r);
  ASSERT_TRUE(texts);
  ASSERT_EQ(texts->faqs->size(), kMaxGeneratedFaqs);
  EXPECT_EQ(texts->faqs->front().question, "Frage 0?");
  EXPECT_EQ(texts->faqs->front().answer, "Antwort eins.");
  EXPECT_EQ(*texts->greeting, "Salon Müller, guten Tag!");
  EXPECT_FALSE(texts->policies);
}

TEST(AiTextsCheck, RefusesWrongTypesMissingFieldsNulPlaceholdersAndOverlongTexts) {
  TextRequest r;
  r.greeting = r.policies = true;
  auto ok = R"({"greeting":"Guten Tag!","policies":"Absagen bitte 24 Stunden vorher."})";
  EXPECT_TRUE(check_texts(ok, r));
  EXPECT_FALSE(check_texts(R"({"greeting":"Guten Tag!"})", r));
  EXPECT_FALSE(check_texts(R"({"greeting":1,"policies":"x"})", r));
  EXPECT_FALSE(check_texts(R"(["greeting"])", r));
  EXPECT_FALSE(check_texts(R"({"greeting":"Guten\u0000Tag","policies":"x"})", r));
  EXPECT_FALSE(check_texts(R"({"greeting":"[Firmenname], guten Tag!","policies":"x"})", r));
  EXPECT_FALSE(check_texts(R"({"greeting":"{{name}}, guten Tag!","policies":"x"})", r));
  EXPECT_FALSE(check_texts(R"({"greeting":"  ","policies":"x"})", r));
  EXPECT_FALSE(check_texts(
      R"({"greeting":")" + std::string(kMaxGreeting + 1, 'a') + R"(","policies":"x"})", r));
  EXPECT_FALSE(check_texts("Hier ist Ihr Text: Guten Tag!", r));
}

TEST(AiTextsCheck, TheRequestAsksForJsonWithTheFactsAsOneObject) {
  TextRequest r;
  r.faqs = true;
  r.name = "Café Sonne";
  r.services = {"Frühstück"};
  auto body = json::parse(completion_request(r, "openai/gpt-4o-mini"));
  EXPECT_EQ(body["model"], "openai/gpt-4o-mini");
  EXPECT_EQ(body["response_format"]["type"], "json_object");
  std::string system = body["messages"][0]["content"].GetString();
  EXPECT_NE(system.find("JSON"), std::string::npos);
  EXPECT_NE(system.find("\"faqs\""), std::string::npos);
  EXPECT_EQ(system.find("\"greeting\""), std::string::npos);
  std::string user = body["messages"][1]["content"].GetString();
  auto facts = json::parse(user.substr(user.find('{')));
  EXPECT_EQ(facts["business_name"], "Café Sonne");
  EXPECT_EQ(facts["fields"][0], "faqs");
  EXPECT_EQ(facts["services"][0], "Frühstück");
}

}  // namespace
}  // namespace kx::agent
