// Property test of the message parser and the call rules: truncated, mutated and randomly
// generated payloads must never throw or crash (the ASan/UBSan build of infra/test.sh runs this
// too), and whatever is read stays within its caps. KX_FUZZ_ITERATIONS raises the count.
#include <cstdlib>
#include <random>

#include <gtest/gtest.h>

#include "call_recorder.hpp"
#include "calls.hpp"
#include "kx/json/json.hpp"
#include "vapi_message.hpp"
#include "vapi_samples.hpp"

namespace kx::telephony {
namespace {

int iterations(int fallback) {
  const char* env = std::getenv("KX_FUZZ_ITERATIONS");
  return env ? std::max(1, std::atoi(env)) : fallback;
}

std::vector<std::string> seeds() {
  return {samples::end_of_call_report("c1", "a1"),
          samples::end_of_call_report("c2", "a2", "customer-did-not-answer", "webCall"),
          samples::status_update("c3", "a3", "in-progress"),
          samples::status_update("c3", "a3", "ended", "customer-ended-call"),
          samples::tool_calls("c4", "a4", "t1", "book_appointment", R"({"date":"morgen"})"),
          samples::tool_calls("c4", "a4", "t2", "check_availability", R"("{\"d\":1}")"),
          samples::assistant_request("pn", "+493012345678"),
          samples::transfer_destination_request("c5", "a5")};
}

// Everything a parsed message promises, and the rules applied to it.
void check_invariants(const std::string& body) {
  ParsedMessage parsed;
  ASSERT_NO_THROW(parsed = parse_vapi_message(body)) << body;
  if (!parsed.message) {
    EXPECT_FALSE(parsed.error.empty());
    return;
  }
  const auto& m = *parsed.message;
  EXPECT_FALSE(m.type.empty());
  EXPECT_LE(m.call.id.size(), kMaxIdLength);
  EXPECT_LE(m.transcript.size(), kMaxTranscriptEntries);
  EXPECT_LE(m.tool_calls.size(), kMaxToolCalls);
  if (m.summary) {
    EXPECT_LE(m.summary->size(), kMaxTextLength);
    EXPECT_EQ(m.summary->find('\0'), std::string::npos);
  }
  for (const auto& tc : m.tool_calls) {
    EXPECT_FALSE(tc.id.empty());
    auto args = json::parse(tc.arguments_json);  // always a JSON object text
    EXPECT_TRUE(args.IsObject());
  }
  if (m.structured_data_json) {
    EXPECT_NO_THROW(json::parse(*m.structured_data_json));
  }
  EXPECT_NO_THROW(json::parse(transcript_json(m.transcript)));
  if (auto a = analysis_json(m)) {
    EXPECT_NO_THROW(json::parse(*a));
  }

  AgentRoute route{"agent",         "owner", "Empfang", "active", "de",
                   "Europe/Berlin", "a1",    {},        "active"};
  auto now = Clock::now();
  auto call = new_call(m, route, now);
  auto updated = with_status_update(call, m, now);
  auto done = with_report(updated, m, false, false, now);
  EXPECT_TRUE(is_final(done.status));
  ASSERT_TRUE(done.duration_seconds);
  EXPECT_GE(*done.duration_seconds, 0);
  EXPECT_LE(*done.duration_seconds, kMaxCallSeconds);
  EXPECT_TRUE(done.ended_at.has_value());
  EXPECT_NO_THROW(json::parse(call_completed_event(done)));
  EXPECT_NO_THROW(json::parse(call_started_event(done)));
}

TEST(VapiMessageFuzz, EveryTruncation) {
  for (const auto& seed : seeds()) {
    for (std::size_t cut = 0; cut <= seed.size(); ++cut)
      check_invariants(seed.substr(0, cut));
  }
}

TEST(VapiMessageFuzz, RandomByteMutations) {
  std::mt19937 rng(4711);
  auto all = seeds();
  static const char kAlphabet[] = "{}[]\":,\\0123456789.-+eEtrufalsn \x00\xff\xc3\xa4";
  const std::string alphabet(kAlphabet, sizeof kAlphabet - 1);  // with its NUL
  int n = iterations(20'000);
  for (int i = 0; i < n; ++i) {
    std::string body = all[rng() % all.size()];
    int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits && !body.empty(); ++e) {
      std::size_t pos = rng() % body.size();
      switch (rng() % 4) {
        case 0:
          body[pos] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          body.insert(pos, 1, alphabet[rng() % alphabet.size()]);
          break;
        case 2:
          body.erase(pos, 1 + rng() % 16);
          break;
        default:
          body[pos] = static_cast<char>(rng() % 256);
          break;
      }
    }
    check_invariants(body);
  }
}

// Valid JSON with the known keys holding values of every type, at every depth.
class RandomJson {
 public:
  explicit RandomJson(std::uint32_t seed) : rng_(seed) {}

  std::string message() {
    static const char* types[] = {
        "end-of-call-report",           "status-update", "tool-calls", "assistant-request",
        "transfer-destination-request", "hang"};
    std::string out = R"({"message":{"type":")" + std::string(types[rng_() % 6]) + "\"";
    for (int i = 0; i < 12; ++i)
      out += ",\"" + key() + "\":" + value(0);
    return out + "}}";
  }

 private:
  std::string key() {
    static const char* keys[] = {"call",
                                 "id",
                                 "assistantId",
                                 "phoneNumberId",
                                 "customer",
                                 "number",
                                 "startedAt",
                                 "endedAt",
                                 "endedReason",
                                 "status",
                                 "artifact",
                                 "messages",
                                 "role",
                                 "message",
                                 "toolCalls",
                                 "toolCallList",
                                 "function",
                                 "name",
                                 "arguments",
                                 "parameters",
                                 "analysis",
                                 "summary",
                                 "structuredData",
                                 "successEvaluation",
                                 "recordingUrl",
                                 "recording",
                                 "mono",
                                 "combinedUrl",
                                 "cost",
                                 "costBreakdown",
                                 "total",
                                 "durationSeconds",
                                 "durationMs",
                                 "durationMinutes",
                                 "timestamp",
                                 "time",
                                 "secondsFromStart",
                                 "transcript",
                                 "type",
                                 "monitor",
                                 "controlUrl",
                                 "createdAt",
                                 "toolWithToolCallList",
                                 "toolCall",
                                 "phoneNumber"};
    return keys[rng_() % (sizeof keys / sizeof *keys)];
  }
  std::string value(int depth) {
    switch (rng_() % (depth > 6 ? 7 : 10)) {
      case 0:
        return "null";
      case 1:
        return rng_() % 2 ? "true" : "false";
      case 2: {
        static const char* numbers[] = {"0",
                                        "-1",
                                        "1e308",
                                        "-1e308",
                                        "3.5",
                                        "1767254400123",
                                        "9223372036854775807",
                                        "1e-300",
                                        "-0",
                                        "18446744073709551615"};
        return numbers[rng_() % 10];
      }
      case 3: {
        static const char* strings[] = {R"("")",
                                        R"("2026-01-01T08:00:02.000Z")",
                                        R"("customer-ended-call")",
                                        R"("bot")",
                                        R"("tool_calls")",
                                        R"("{\"a\":1}")",
                                        R"("\u0000")",
                                        R"("https://x.example/a")",
                                        R"("webCall")",
                                        R"("ended")",
                                        R"("in-progress")",
                                        R"("2026-02-30T00:00:00Z")"};
        return strings[rng_() % 12];
      }
      case 4:
      case 5:
      case 6:
        return std::string("\"") + key() + "\"";
      case 7:
      case 8: {
        std::string out = "{";
        int n = static_cast<int>(rng_() % 5);
        for (int i = 0; i < n; ++i)
          out += (i ? "," : "") + std::string("\"") + key() + "\":" + value(depth + 1);
        return out + "}";
      }
      default: {
        std::string out = "[";
        int n = static_cast<int>(rng_() % 4);
        for (int i = 0; i < n; ++i)
          out += (i ? "," : "") + value(depth + 1);
        return out + "]";
      }
    }
  }
  std::mt19937 rng_;
};

TEST(VapiMessageFuzz, RandomStructures) {
  RandomJson gen(20261121);
  int n = iterations(20'000);
  for (int i = 0; i < n; ++i)
    check_invariants(gen.message());
}

TEST(VapiMessageFuzz, DeepNestingIsRefused) {
  std::string deep = R"({"message":{"type":"end-of-call-report","analysis":{"structuredData":)";
  for (int i = 0; i < 100'000; ++i)
    deep += "[";
  check_invariants(deep);
  auto parsed = parse_vapi_message(deep);
  EXPECT_FALSE(parsed.message);
}

}  // namespace
}  // namespace kx::telephony
