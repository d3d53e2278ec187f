// What billing's reconciliation asks telephony-webhook: completed calls per owner and day, the
// calls of one day, and the re-publish of call.completed under the original event id, whether the
// outbox row is still there or was pruned.
#include "completion_records.hpp"
#include "service_fixture.hpp"

namespace kx::telephony::testing {
namespace {

using samples::end_of_call_report;

const http::Identity kBilling{"", "service:billing"};
constexpr const char* kBase = "/internal/reconciliation/call-completions";

class CompletionRecordsTest : public ServiceTest {
 protected:
  void SetUp() override {
    seed(AgentSeed{});
    completions_.add_routes(router_);
    for (const char* id : {"vapi-a", "vapi-b"})
      ASSERT_EQ(vapi(end_of_call_report(id, "asst-1")).status, 200);
  }
  std::string call_id(const std::string& vapi_call_id) {
    return text("SELECT id FROM calls WHERE vapi_call_id = '" + vapi_call_id + "'");
  }
  std::string event_id(const std::string& vapi_call_id) {
    return text("SELECT completed_event_id FROM calls WHERE vapi_call_id = '" + vapi_call_id + "'");
  }
  json::Document republish(const std::string& ids_json) {
    auto res = call("POST", std::string(kBase) + "/republish", R"({"call_ids":)" + ids_json + "}",
                    kBilling);
    EXPECT_EQ(res.status, 200) << res.body;
    return json::parse(res.body);
  }

  CompletionRecordsApi completions_{*pool_, *outbox_};
};

TEST_F(CompletionRecordsTest, CountsAndDigestsPerOwnerAndDayOfTheCallsEnd) {
  auto res = call("GET", std::string(kBase) + "/days?from=2026-01-01&to=2026-01-03", {}, kBilling);
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = json::parse(res.body);
  ASSERT_EQ(doc["days"].Size(), 1u);
  EXPECT_STREQ(doc["days"][0]["user_id"].GetString(), "owner-1");
  EXPECT_STREQ(doc["days"][0]["day"].GetString(), "2026-01-01");
  EXPECT_EQ(doc["days"][0]["calls"].GetInt64(), 2);
  EXPECT_EQ(std::string(doc["days"][0]["digest"].GetString()),
            text("SELECT sum(('x' || substr(md5(id), 1, 15))::bit(60)::bigint)::text FROM calls"));
  EXPECT_FALSE(doc["has_more"].GetBool());

  // The day after has nothing; a page of one leaves more.
  doc = json::parse(
      call("GET", std::string(kBase) + "/days?from=2026-01-02&to=2026-01-02", {}, kBilling).body);
  EXPECT_EQ(doc["days"].Size(), 0u);
  doc = json::parse(call("GET",
                         std::string(kBase) + "/days?from=2026-01-01&to=2026-01-01&after_user_id=" +
                             "owner-1&after_day=2026-01-01",
                         {}, kBilling)
                        .body);
  EXPECT_EQ(doc["days"].Size(), 0u);

  EXPECT_EQ(
      call("GET", std::string(kBase) + "/days?from=2026-01-05&to=2026-01-01", {}, kBilling).status,
      422);
  EXPECT_EQ(
      call("GET", std::string(kBase) + "/days?from=2026-01-01&to=2026-03-01", {}, kBilling).status,
      422);
  EXPECT_EQ(call("GET", std::string(kBase) + "/days?from=2026-01-01&to=2026-01-01", {},
                 {"admin-1", "admin"})
                .status,
            403);
}

TEST_F(CompletionRecordsTest, TheCallsOfADayPageByIdAndSayWhetherTheirEventStillWaits) {
  auto first = json::parse(
      call("GET", std::string(kBase) + "?user_id=owner-1&day=2026-01-01&limit=1", {}, kBilling)
          .body);
  ASSERT_EQ(first["calls"].Size(), 1u);
  EXPECT_TRUE(first["has_more"].GetBool());
  EXPECT_TRUE(first["calls"][0]["pending"].GetBool());  // no relay runs here
  std::string after = first["calls"][0]["call_id"].GetString();
  auto second =
      json::parse(call("GET", std::string(kBase) + "?user_id=owner-1&day=2026-01-01&after=" + after,
                       {}, kBilling)
                      .body);
  ASSERT_EQ(second["calls"].Size(), 1u);
  EXPECT_FALSE(second["has_more"].GetBool());
  EXPECT_GT(std::string(second["calls"][0]["call_id"].GetString()), after);
}

TEST_F(CompletionRecordsTest, RepublishHandsTheOriginalEventBackOrWritesItAgainUnderItsId) {
  auto a = call_id("vapi-a"), b = call_id("vapi-b");
  auto event_a = event_id("vapi-a"), event_b = event_id("vapi-b");
  ASSERT_NE(event_a, "<null>");

  // Still waiting in the outbox: nothing to do.
  auto doc = republish(R"([")" + a + R"(", ")" + b + R"(", "no-such-call"])");
  EXPECT_EQ(doc["pending"].GetInt64(), 2);
  EXPECT_EQ(doc["requeued"].GetInt64(), 0);
  EXPECT_EQ(doc["unknown"].GetInt64(), 1);

  // Published (and lost by the broker): the same row goes back to the relay.
  count("WITH u AS (UPDATE outbox SET published_at = now() RETURNING 1) SELECT count(*) FROM u");
  doc = republish(R"([")" + a + R"("])");
  EXPECT_EQ(doc["requeued"].GetInt64(), 1);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE published_at IS NULL AND event_id = '" +
                  event_a + "'"),
            1);

  // Pruned: written again from the call record, under the original id.
  count("WITH d AS (DELETE FROM outbox WHERE event_id = '" + event_b +
        "' RETURNING 1) SELECT count(*) FROM d");
  doc = republish(R"([")" + b + R"("])");
  EXPECT_EQ(doc["rebuilt"].GetInt64(), 1);
  EXPECT_EQ(text("SELECT data::jsonb ->> 'call_id' FROM outbox WHERE event_id = '" + event_b + "'"),
            b);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE topic = 'call.completed'"), 2);

  EXPECT_EQ(call("POST", std::string(kBase) + "/republish", R"({"call_ids":"x"})", kBilling).status,
            422);
}

}  // namespace
}  // namespace kx::telephony::testing
