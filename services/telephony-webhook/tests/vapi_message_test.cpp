#include "vapi_message.hpp"

#include <gtest/gtest.h>

#include "calls.hpp"
#include "kx/events/events.hpp"
#include "kx/json/json.hpp"
#include "vapi_replies.hpp"
#include "vapi_samples.hpp"

namespace kx::telephony {
namespace {

VapiMessage parse_ok(const std::string& body) {
  auto parsed = parse_vapi_message(body);
  EXPECT_TRUE(parsed.message) << parsed.error;
  return parsed.message.value_or(VapiMessage{});
}

TEST(VapiMessage, AnEndOfCallReportYieldsCallTimesTranscriptAndAnalysis) {
  auto m = parse_ok(samples::end_of_call_report("c1", "a1"));
  EXPECT_EQ(m.type, "end-of-call-report");
  EXPECT_EQ(m.call.id, "c1");
  EXPECT_EQ(m.call.assistant_id, "a1");
  EXPECT_EQ(m.call.customer_number, "+4915112345678");
  EXPECT_EQ(m.call.phone_number_id, "pn000000-0000-4000-8000-000000000003");
  EXPECT_FALSE(m.call.is_web_call());
  EXPECT_EQ(m.ended_reason, "assistant-ended-call");
  ASSERT_TRUE(m.started_at && m.ended_at);
  EXPECT_EQ(json::utc_timestamp(*m.started_at), "2026-01-01T08:00:02.000Z");
  EXPECT_EQ(m.cost_usd_micros, 187'500);
  EXPECT_FALSE(m.reported_duration_seconds);
  ASSERT_EQ(m.transcript.size(), 4u);  // the system prompt is not part of the conversation
  EXPECT_EQ(m.transcript[0].role, "assistant");
  EXPECT_EQ(m.transcript[0].text, "Praxis Mueller, guten Tag.");
  EXPECT_EQ(m.transcript[0].time_ms, 1767254402000);
  EXPECT_EQ(m.transcript[1].role, "user");
  EXPECT_EQ(m.transcript[2].role, "tool_call");
  EXPECT_EQ(m.transcript[2].tool_name, "check_availability");
  EXPECT_EQ(m.transcript[2].text, R"({"date":"2026-01-05"})");
  EXPECT_EQ(m.transcript[3].role, "tool_result");
  EXPECT_EQ(m.transcript[3].text, "Frei: 09:00, 10:30, 14:00");
  EXPECT_EQ(m.summary, "Anrufer wollte einen Termin; 10:30 am 5.1. wurde gebucht.");
  EXPECT_EQ(m.structured_data_json, R"({"intent":"appointment","callbackRequested":false})");
  EXPECT_EQ(m.success_evaluation, "true");
  EXPECT_EQ(m.recording_url, "https://storage.example/rec/mono.wav");
  EXPECT_EQ(m.stereo_recording_url, "https://storage.example/rec/stereo.wav");
  auto transcript = json::parse(transcript_json(m.transcript));
  EXPECT_EQ(transcript.Size(), 4u);
  EXPECT_STREQ(transcript[0]["at"].GetString(), "2026-01-01T08:00:02.000Z");
  auto analysis = json::parse(*analysis_json(m));
  EXPECT_STREQ(analysis["structured_data"]["intent"].GetString(), "appointment");
}

TEST(VapiMessage, LegacyAndAlternativeReportFields) {
  auto m = parse_ok(R"js({"message":{"type":"end-of-call-report","durationSeconds":61.6,
    "call":{"id":"c2","type":"webCall","cost":0.5},
    "transcript":"AI: Hallo!\nUser: Guten Tag\nSomething else\nUser: Tschüss",
    "summary":"kurz","artifact":{"recording":{"mono":{"combinedUrl":"https://r.example/m.wav"},
    "stereoUrl":"javascript:alert(1)"}},"analysis":{"successEvaluation":8}}})js");
  EXPECT_TRUE(m.call.is_web_call());
  EXPECT_TRUE(m.call.customer_number.empty());
  EXPECT_EQ(m.reported_duration_seconds, 61.6);
  EXPECT_EQ(m.cost_usd_micros, 500'000);
  ASSERT_EQ(m.transcript.size(), 3u);
  EXPECT_EQ(m.transcript[2].text, "Tschüss");
  EXPECT_EQ(m.summary, "kurz");
  EXPECT_EQ(m.recording_url, "https://r.example/m.wav");
  EXPECT_TRUE(m.stereo_recording_url.empty());
  EXPECT_EQ(m.success_evaluation, "8");
  EXPECT_FALSE(m.structured_data_json);
  auto ms =
      parse_ok(R"({"message":{"type":"end-of-call-report","durationMs":90500,"call":{"id":"x"}}})");
  EXPECT_EQ(ms.reported_duration_seconds, 90.5);
  auto minutes = parse_ok(
      R"({"message":{"type":"end-of-call-report","call":{"id":"x","durationMinutes":2}}})");
  EXPECT_EQ(minutes.reported_duration_seconds, 120.0);
}

TEST(VapiMessage, ToolCallArgumentsInEveryShape) {
  auto object =
      parse_ok(samples::tool_calls("c", "a", "t1", "book_appointment",
                                   R"({"start":"2026-01-05T10:30:00+01:00","name":"Erika"})"));
  ASSERT_EQ(object.tool_calls.size(), 1u);
  EXPECT_EQ(object.tool_calls[0].id, "t1");
  EXPECT_EQ(object.tool_calls[0].name, "book_appointment");
  EXPECT_TRUE(object.tool_calls[0].arguments_valid);
  EXPECT_EQ(object.tool_calls[0].arguments_json,
            R"({"start":"2026-01-05T10:30:00+01:00","name":"Erika"})");

  auto string = parse_ok(
      samples::tool_calls("c", "a", "t2", "check_availability", R"("{\"date\":\"morgen\"}")"));
  EXPECT_EQ(string.tool_calls[0].arguments_json, R"({"date":"morgen"})");

  auto broken = parse_ok(samples::tool_calls("c", "a", "t3", "x", R"("{not json")"));
  EXPECT_FALSE(broken.tool_calls[0].arguments_valid);
  auto array = parse_ok(samples::tool_calls("c", "a", "t4", "x", "[1,2]"));
  EXPECT_FALSE(array.tool_calls[0].arguments_valid);
  auto null_args = parse_ok(samples::tool_calls("c", "a", "t5", "x", "null"));
  EXPECT_TRUE(null_args.tool_calls[0].arguments_valid);
  EXPECT_EQ(null_args.tool_calls[0].arguments_json, "{}");

  auto flat = parse_ok(R"({"message":{"type":"tool-calls","toolCallList":[
    {"id":"f1","name":"find_next_available","parameters":{"after":"heute"}},
    {"name":"no_id_is_skipped"},
    {"id":"f2","function":{"name":"cancel_appointment"}}]}})");
  ASSERT_EQ(flat.tool_calls.size(), 2u);
  EXPECT_EQ(flat.tool_calls[0].name, "find_next_available");
  EXPECT_EQ(flat.tool_calls[0].arguments_json, R"({"after":"heute"})");
  EXPECT_EQ(flat.tool_calls[1].arguments_json, "{}");

  auto nested = parse_ok(R"({"message":{"type":"tool-calls","toolWithToolCallList":[
    {"type":"function","function":{"name":"x"},"toolCall":{"id":"w1","type":"function",
     "function":{"name":"check_conflicts","arguments":"{\"time\":\"14:30\"}"}}}]}})");
  ASSERT_EQ(nested.tool_calls.size(), 1u);
  EXPECT_EQ(nested.tool_calls[0].id, "w1");
  EXPECT_EQ(nested.tool_calls[0].arguments_json, R"({"time":"14:30"})");
}

TEST(VapiMessage, AssistantRequestAndStatusUpdate) {
  auto ar = parse_ok(samples::assistant_request("pn-1", "+493012345678"));
  EXPECT_EQ(ar.call.phone_number_id, "pn-1");
  EXPECT_EQ(ar.call.phone_number, "+493012345678");
  auto su = parse_ok(samples::status_update("c3", "a3", "ended", "customer-ended-call"));
  EXPECT_EQ(su.status, "ended");
  EXPECT_EQ(su.ended_reason, "customer-ended-call");
  ASSERT_TRUE(su.timestamp);
  EXPECT_EQ(json::utc_timestamp(*su.timestamp), "2026-01-01T08:04:47.500Z");
}

TEST(VapiMessage, RefusesWhatIsNotAServerMessage) {
  for (const char* body : {"", "{", "[]", "{}", R"({"message":1})", R"({"message":{}})",
                           R"({"message":{"type":""}})", R"({"message":{"type":7}})"}) {
    auto parsed = parse_vapi_message(body);
    EXPECT_FALSE(parsed.message) << body;
    EXPECT_FALSE(parsed.error.empty());
  }
  auto unknown = parse_vapi_message(R"({"message":{"type":"speech-update","status":"started"}})");
  ASSERT_TRUE(unknown.message);
  EXPECT_EQ(unknown.message->type, "speech-update");
}

TEST(VapiMessage, HostileValuesAreCutOrDropped) {
  std::string long_text(100'000, 'a');
  std::string body = R"({"message":{"type":"end-of-call-report","call":{"id":")" +
                     std::string(200, 'x') + R"("},"analysis":{"summary":")" + long_text +
                     R"(\u0000"},"artifact":{"messages":[{"role":"user","message":"a\u0000b"}]}}})";
  auto m = parse_ok(body);
  EXPECT_TRUE(m.call.id.empty());  // an over-long id is no id
  ASSERT_TRUE(m.summary);
  EXPECT_EQ(m.summary->size(), kMaxTextLength);
  EXPECT_EQ(m.transcript.at(0).text, "ab");
  EXPECT_EQ(truncate_utf8("äöü", 3), "ä");  // never half a character
  EXPECT_EQ(truncate_utf8("äöü", 4), "äö");
}

TEST(VapiReplies, RepliesHaveTheShapesVapiExpects) {
  auto unavailable = json::parse(line_unavailable_reply("de"));
  const auto& a = unavailable["assistant"];
  EXPECT_NE(std::string(a["firstMessage"].GetString()).find("nicht erreichbar"), std::string::npos);
  EXPECT_EQ(a["serverMessages"].Size(), 0u);
  EXPECT_STREQ(a["model"]["tools"][0]["type"].GetString(), "endCall");
  EXPECT_STREQ(a["transcriber"]["language"].GetString(), "de");
  auto english = json::parse(line_unavailable_reply("en-US"));
  EXPECT_NE(std::string(english["assistant"]["firstMessage"].GetString()).find("not available"),
            std::string::npos);

  EscalationDecision forward{EscalationKind::forwarding, "+493012345600", true};
  auto transfer = json::parse(transfer_destination_reply(forward, "de"));
  EXPECT_STREQ(transfer["destination"]["type"].GetString(), "number");
  EXPECT_STREQ(transfer["destination"]["number"].GetString(), "+493012345600");
  EXPECT_FALSE(transfer.HasMember("error"));
  auto message = json::parse(transfer_destination_reply(EscalationDecision{}, "de"));
  EXPECT_FALSE(message.HasMember("destination"));
  EXPECT_NE(std::string(message["error"].GetString()).find("Nachricht"), std::string::npos);

  auto results = json::parse(tool_results_reply({{"t1", "x", "eins"}, {"t2", "y", "zwei"}}));
  ASSERT_EQ(results["results"].Size(), 2u);
  EXPECT_STREQ(results["results"][1]["toolCallId"].GetString(), "t2");
  EXPECT_STREQ(results["results"][1]["result"].GetString(), "zwei");
  for (auto* text : {&tool_unavailable_text, &tool_not_offered_text, &line_unavailable_text}) {
    EXPECT_EQ((*text)("de").find('\n'), std::string::npos);
    EXPECT_NE((*text)("de"), (*text)("en"));
  }
}

// Every status the rules can produce must pass the call.completed schema, or the outbox would
// refuse the event and the report would fail.
TEST(CallEvents, EveryFinalStatusFitsTheEventSchemas) {
  CallRecord c;
  c.id = "c1";
  c.vapi_call_id = "v1";
  c.agent_id = "a1";
  c.user_id = "u1";
  c.created_at = Clock::now();
  const auto& schemas = events::Schemas::embedded();
  for (auto s : {CallStatus::completed, CallStatus::failed, CallStatus::no_answer, CallStatus::busy,
                 CallStatus::transferred, CallStatus::escalated, CallStatus::voicemail}) {
    c.status = s;
    EXPECT_NO_THROW(schemas.validate("call.completed.v1", call_completed_event(c))) << to_string(s);
  }
  c.caller_number = "+4915112345678";
  c.summary = "kurz";
  c.started_at = Clock::now();
  EXPECT_NO_THROW(schemas.validate("call.completed.v1", call_completed_event(c)));
  EXPECT_NO_THROW(schemas.validate("call.started.v1", call_started_event(c)));
  for (auto kind : {EscalationKind::forwarding, EscalationKind::fallback,
                    EscalationKind::after_hours, EscalationKind::message}) {
    NewEscalation e{"c1", "u1", "a1", "k", "caller_request", {kind, "", false}, Clock::now()};
    if (kind != EscalationKind::message)
      e.decision.number = "+493012345600";
    EXPECT_NO_THROW(schemas.validate("call.escalated.v1", call_escalated_event(e)));
  }
}

}  // namespace
}  // namespace kx::telephony
