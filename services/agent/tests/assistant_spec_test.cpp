#include "assistant_spec.hpp"

#include <gtest/gtest.h>

#include <rapidjson/prettywriter.h>

#include <set>

#include "agent_samples.hpp"
#include "golden.hpp"

namespace kx::agent {
namespace {

using testing::expect_golden;
using testing::sample_de;
using testing::sample_en;

AssistantContext context(std::string status = "active") {
  AssistantContext ctx;
  ctx.agent_id = "0193a0c4-0000-7000-8000-000000000042";
  ctx.user_id = "0193a0c4-0000-7000-8000-000000000007";
  ctx.status = std::move(status);
  ctx.calendar = true;
  ctx.server_url = "https://app.kametrix.example/webhooks/vapi";
  ctx.server_secret = "s3cret";
  ctx.credential_id = "cred-0000-example";
  return ctx;
}

std::string pretty(const std::string& body) {
  auto doc = json::parse(body);
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  doc.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

std::set<std::string> keys(const json::Value& obj) {
  std::set<std::string> out;
  for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it)
    out.insert(it->name.GetString());
  return out;
}

// Every key must be one Vapi's CreateAssistantDTO accepts (provider-wire-formats.md §2.2):
// it answers 400 to anything else, and to read-only fields such as id or orgId.
void expect_only_vapi_fields(const json::Document& doc) {
  const std::set<std::string> assistant = {"name",           "firstMessage",   "firstMessageMode",
                                           "model",          "voice",          "transcriber",
                                           "endCallMessage", "endCallPhrases", "maxDurationSeconds",
                                           "server",         "serverMessages", "analysisPlan",
                                           "metadata"};
  for (const auto& k : keys(doc))
    EXPECT_TRUE(assistant.contains(k)) << k;
  for (const auto& k : keys(doc["model"]))
    EXPECT_TRUE((
        std::set<std::string>{"provider", "model", "temperature", "messages", "tools"}.contains(k)))
        << "model." << k;
  for (const auto& k : keys(doc["voice"]))
    EXPECT_TRUE((std::set<std::string>{"provider", "voiceId", "model", "language"}.contains(k)))
        << "voice." << k;
  for (const auto& k : keys(doc["transcriber"]))
    EXPECT_TRUE((std::set<std::string>{"provider", "model", "language"}.contains(k)))
        << "transcriber." << k;
  if (doc.HasMember("server")) {
    for (const auto& k : keys(doc["server"]))
      EXPECT_TRUE(
          (std::set<std::string>{"url", "timeoutSeconds", "credentialId", "headers", "backoffPlan"}
               .contains(k)))
          << "server." << k;
    for (const auto& k : keys(doc["server"]["backoffPlan"]))
      EXPECT_TRUE((std::set<std::string>{"type", "maxRetries", "baseDelaySeconds"}.contains(k)))
          << "backoffPlan." << k;
  }
  for (const auto& tool : doc["model"]["tools"].GetArray()) {
    for (const auto& k : keys(tool))
      EXPECT_TRUE((std::set<std::string>{"type", "function", "messages"}.contains(k))) << k;
    std::string type = tool["type"].GetString();
    EXPECT_TRUE(type == "function" || type == "transferCall" || type == "endCall") << type;
  }
}

std::vector<std::string> tool_types(const json::Document& doc) {
  std::vector<std::string> out;
  for (const auto& tool : doc["model"]["tools"].GetArray()) {
    std::string type = tool["type"].GetString();
    out.push_back(type == "function" ? tool["function"]["name"].GetString() : type);
  }
  return out;
}

TEST(AssistantBody, GoldenActiveGermanWithCalendarAndTransfer) {
  auto body = assistant_body(sample_de(BusinessType::medical), context());
  expect_golden("assistant_active_de.json", pretty(body));
  auto doc = json::parse(body);
  expect_only_vapi_fields(doc);
  EXPECT_EQ(tool_types(doc),
            (std::vector<std::string>{"check_availability", "check_conflicts", "book_appointment",
                                      "reschedule_appointment", "cancel_appointment",
                                      "find_next_free_slot", "transferCall", "endCall"}));
}

TEST(AssistantBody, GoldenPausedDeclinesEveryCall) {
  auto body = assistant_body(sample_de(BusinessType::medical), context("paused"));
  expect_golden("assistant_paused_de.json", pretty(body));
  auto doc = json::parse(body);
  expect_only_vapi_fields(doc);
  EXPECT_EQ(tool_types(doc), std::vector<std::string>{"endCall"});
  std::string first = doc["firstMessage"].GetString();
  EXPECT_NE(first.find("nicht erreichbar"), std::string::npos);
  // Saying the first message ends the call.
  EXPECT_NE(first.find(doc["endCallPhrases"][0].GetString()), std::string::npos);
  EXPECT_EQ(doc["maxDurationSeconds"].GetInt(), kMinMaxDurationSeconds);
  EXPECT_EQ(doc["serverMessages"].Size(), 0u);
  EXPECT_STREQ(doc["metadata"]["kametrix_status"].GetString(), "paused");
  EXPECT_EQ(std::string(doc["model"]["messages"][0]["content"].GetString()).find("Zahnarzt"),
            std::string::npos);
}

TEST(AssistantBody, InactiveIsDeclinedLikePaused) {
  auto doc = json::parse(assistant_body(sample_de(BusinessType::salon), context("inactive")));
  EXPECT_EQ(tool_types(doc), std::vector<std::string>{"endCall"});
  EXPECT_EQ(doc["maxDurationSeconds"].GetInt(), kMinMaxDurationSeconds);
}

TEST(AssistantBody, PausedAndActiveCarryTheSameFields) {
  // A PATCH replaces only the fields it carries: resuming must overwrite everything pausing set.
  auto d = sample_de(BusinessType::gastronomy);
  auto active = json::parse(assistant_body(d, context()));
  auto paused = json::parse(assistant_body(d, context("paused")));
  EXPECT_EQ(keys(active), keys(paused));
}

TEST(AssistantBody, GoldenEnglish) {
  auto ctx = context();
  ctx.calendar = false;
  ctx.credential_id.clear();
  auto body = assistant_body(sample_en(BusinessType::salon), ctx);
  expect_golden("assistant_active_en.json", pretty(body));
  auto doc = json::parse(body);
  expect_only_vapi_fields(doc);
  EXPECT_EQ(tool_types(doc), std::vector<std::string>{"endCall"});
  EXPECT_STREQ(doc["voice"]["language"].GetString(), "en");
  EXPECT_STREQ(doc["server"]["headers"]["X-Vapi-Secret"].GetString(), "s3cret");
  EXPECT_FALSE(doc["server"].HasMember("credentialId"));
}

TEST(AssistantBody, NameCutToFortyCharactersOnACharacterBoundary) {
  auto d = sample_de(BusinessType::general);
  d.name = std::string(39, 'a') + "äöü";  // the 40th character is a two-byte umlaut
  auto doc = json::parse(assistant_body(d, context()));
  std::string name = doc["name"].GetString();
  EXPECT_EQ(name, std::string(39, 'a') + "ä");
  EXPECT_EQ(cut_to_chars("Grüße", 3), "Grü");
  EXPECT_EQ(cut_to_chars("kurz", 40), "kurz");
  EXPECT_EQ(cut_to_chars("日本語テキスト", 2), "日本");
}

TEST(AssistantBody, DefaultsForVoiceFarewellAndDuration) {
  auto d = sample_de(BusinessType::general);
  d.voice_id.clear();
  d.farewell.clear();
  auto ctx = context();
  ctx.max_duration_seconds = 5;
  auto doc = json::parse(assistant_body(d, ctx));
  EXPECT_EQ(doc["voice"]["voiceId"].GetString(), kDefaultVoiceId);
  EXPECT_STREQ(doc["endCallMessage"].GetString(), "Vielen Dank für Ihren Anruf. Auf Wiederhören!");
  EXPECT_EQ(doc["maxDurationSeconds"].GetInt(), kMinMaxDurationSeconds);

  d.voice_id = "pNInz6obpgDQGcFmaJgB";
  ctx.max_duration_seconds = 900;
  doc = json::parse(assistant_body(d, ctx));
  EXPECT_STREQ(doc["voice"]["voiceId"].GetString(), "pNInz6obpgDQGcFmaJgB");
  EXPECT_EQ(doc["maxDurationSeconds"].GetInt(), 900);
}

TEST(AssistantBody, TransferOnlyWhenEscalationIsEnabledAndNeverWithNumbers) {
  auto d = sample_de(BusinessType::trades);
  auto ctx = context();
  ctx.calendar = false;
  auto doc = json::parse(assistant_body(d, ctx));
  EXPECT_EQ(tool_types(doc), (std::vector<std::string>{"transferCall", "endCall"}));
  EXPECT_FALSE(doc["model"]["tools"][0].HasMember("destinations"));
  EXPECT_EQ(std::string(assistant_body(d, ctx)).find("+492315557780"), std::string::npos);

  d.escalation.enabled = false;
  doc = json::parse(assistant_body(d, ctx));
  EXPECT_EQ(tool_types(doc), std::vector<std::string>{"endCall"});
}

TEST(AssistantBody, ServerWithBackoffAndTheMessagesTelephonyHandles) {
  auto doc = json::parse(assistant_body(sample_de(BusinessType::retail), context()));
  EXPECT_STREQ(doc["server"]["url"].GetString(), "https://app.kametrix.example/webhooks/vapi");
  EXPECT_STREQ(doc["server"]["credentialId"].GetString(), "cred-0000-example");
  EXPECT_FALSE(doc["server"].HasMember("headers"));  // the credential is preferred
  EXPECT_STREQ(doc["server"]["backoffPlan"]["type"].GetString(), "exponential");
  EXPECT_GT(doc["server"]["backoffPlan"]["maxRetries"].GetInt(), 0);
  std::set<std::string> messages;
  for (const auto& m : doc["serverMessages"].GetArray())
    messages.insert(m.GetString());
  EXPECT_EQ(messages, (std::set<std::string>{"end-of-call-report", "status-update", "tool-calls",
                                             "transfer-destination-request"}));
  EXPECT_STREQ(doc["metadata"]["kametrix_agent_id"].GetString(),
               "0193a0c4-0000-7000-8000-000000000042");
}

}  // namespace
}  // namespace kx::agent
