// The owner's account around the calls: the export's part (GET /internal/users/{id}/export),
// what user.deleted leaves (nothing of the owner, also not in events already published or in
// reports still waiting) and the audited admin access to a call's transcript.
#include "kx/service/owner_export.hpp"
#include "owner_data.hpp"
#include "service_fixture.hpp"

namespace kx::telephony::testing {
namespace {

using samples::end_of_call_report;

const http::Identity kAnna{"owner-1", "user"};
const http::Identity kAdmin{"admin-1", "admin"};
const http::Identity kAuth{"", "service:auth"};

class OwnerFlowTest : public ServiceTest {
 protected:
  void SetUp() override {
    service::add_owner_export(router_, *pool_, "telephony-webhook", &owner_data);
    seed(AgentSeed{});
    AgentSeed bernd;
    bernd.agent_id = "agent-2";
    bernd.user_id = "owner-2";
    bernd.assistant_id = "asst-2";
    bernd.vapi_phone_number_id = "pn-2";
    bernd.phone_number = "+493087654321";
    seed(bernd);
    ASSERT_EQ(vapi(end_of_call_report("va-1", "asst-1")).status, 200);
    ASSERT_EQ(vapi(samples::transfer_destination_request("va-3", "asst-1")).status, 200);
    ASSERT_EQ(vapi(end_of_call_report("va-3", "asst-1", "customer-ended-call")).status, 200);
    ASSERT_EQ(vapi(end_of_call_report("vb-1", "asst-2")).status, 200);
    // A report that waits for its route (as when it overtook the agent's events).
    pg::transact(*pool_, [](pqxx::work& tx) {
      tx.exec(
          "INSERT INTO pending_messages (vapi_call_id, message_key, message_type, assistant_id, "
          "body) VALUES ('va-9', 'k9', 'end-of-call-report', 'asst-1', "
          "'{\"customer\":\"+4915199999999\"}')");
    });
  }

  json::Document exported(const std::string& user_id) {
    auto res = call("GET", "/internal/users/" + user_id + "/export", {}, kAuth);
    EXPECT_EQ(res.status, 200) << res.body;
    return json::parse(res.body);
  }
};

TEST_F(OwnerFlowTest, TheExportHoldsTheOwnersCallsWithTranscriptsAndNothingOfOthers) {
  auto doc = exported("owner-1");
  EXPECT_STREQ(doc["service"].GetString(), "telephony-webhook");
  const auto& data = doc["data"];
  ASSERT_EQ(data["calls"].Size(), 2u);
  const auto& first = data["calls"][0];
  EXPECT_STREQ(first["caller_number"].GetString(), "+4915112345678");
  EXPECT_TRUE(first["transcript"].IsArray());
  EXPECT_STREQ(first["recording_url"].GetString(), "https://storage.example/rec/mono.wav");
  EXPECT_NE(json::get_string(first, "summary").find("10:30"), std::string::npos);
  ASSERT_EQ(data["escalations"].Size(), 1u);
  EXPECT_STREQ(data["escalations"][0]["destination"].GetString(), "+493012345600");
  ASSERT_EQ(data["agents"].Size(), 1u);
  EXPECT_STREQ(data["agents"][0]["forwarding_number"].GetString(), "+493012345600");
  ASSERT_EQ(data["pending_messages"].Size(), 1u);
  for (const auto& c : data["calls"].GetArray())
    EXPECT_STRNE(c["vapi_call_id"].GetString(), "vb-1");

  auto nobody = exported("owner-nobody");
  EXPECT_TRUE(nobody["data"]["account_status"].IsNull());
  EXPECT_EQ(nobody["data"]["calls"].Size(), 0u);
  EXPECT_EQ(nobody["data"]["escalations"].Size(), 0u);
  EXPECT_EQ(nobody["data"]["pending_messages"].Size(), 0u);

  EXPECT_EQ(call("GET", "/internal/users/owner-1/export", {}, kAnna).status, 403);
  EXPECT_EQ(call("GET", "/internal/users/owner-1/export", {}, kAdmin).status, 403);
}

TEST_F(OwnerFlowTest, DeletionLeavesNothingOfTheOwner) {
  pg::transact(*pool_, [](pqxx::work& tx) { tx.exec("UPDATE outbox SET published_at = now()"); });
  ASSERT_GT(count("SELECT count(*) FROM outbox WHERE strpos(data, 'owner-1') > 0"), 0);

  apply(event("user.deleted", R"({"user_id":"owner-1","deleted_at":"2026-02-01T00:00:00Z"})",
              "2026-02-01T00:00:00.000Z"),
        &RoutingEvents::on_user_deleted);
  // The agent service deletes the assistants afterwards: their agent.deleted leaves no tombstone
  // that would route a late report into a new call record.
  apply(event("agent.deleted",
              R"({"agent_id":"agent-1","user_id":"owner-1","vapi_assistant_id":"asst-1"})",
              "2026-02-01T00:00:05.000Z"),
        &RoutingEvents::on_agent_deleted);

  for (const char* table : {"calls", "escalations", "agents", "phone_numbers"})
    EXPECT_EQ(count(std::string("SELECT count(*) FROM ") + table + " WHERE user_id = 'owner-1'"), 0)
        << table;
  EXPECT_EQ(count("SELECT count(*) FROM pending_messages"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM tool_calls WHERE vapi_call_id LIKE 'va-%'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE strpos(data, 'owner-1') > 0"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM calls WHERE user_id = 'owner-2'"), 1);
  EXPECT_GT(count("SELECT count(*) FROM outbox WHERE strpos(data, 'owner-2') > 0"), 0);

  auto doc = exported("owner-1");
  EXPECT_STREQ(doc["data"]["account_status"].GetString(), "deleted");
  EXPECT_EQ(doc["data"]["calls"].Size(), 0u);
}

TEST_F(OwnerFlowTest, AnAdminReadingATranscriptIsAudited) {
  auto id = text("SELECT id FROM calls WHERE vapi_call_id = 'va-1'");
  ASSERT_EQ(call("GET", "/api/calls/" + id, {}, kAnna).status, 200);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE topic = 'admin.action'"), 0);

  http::Headers h;
  h.set("User-Agent", "Prüfbrowser/1.0");
  auto res = call("GET", "/api/admin/calls/" + id, {}, kAdmin, h);
  ASSERT_EQ(res.status, 200) << res.body;
  ASSERT_EQ(count("SELECT count(*) FROM outbox WHERE topic = 'admin.action'"), 1);
  auto audit = outbox_data("admin.action");
  EXPECT_STREQ(audit["action"].GetString(), "call.view");
  EXPECT_STREQ(audit["admin_id"].GetString(), "admin-1");
  EXPECT_STREQ(audit["target_type"].GetString(), "call");
  EXPECT_EQ(json::get_string(audit, "target_id"), id);
  EXPECT_STREQ(audit["user_id"].GetString(), "owner-1");
  EXPECT_TRUE(audit["after"]["transcript"].GetBool());
  // What was read is named, never copied into the audit log.
  EXPECT_EQ(json::to_string(audit).find("Ich brauche einen Termin"), std::string::npos);
  EXPECT_EQ(text("SELECT event_key FROM outbox WHERE topic = 'admin.action'"), "owner-1");

  // A call that does not exist is no access.
  EXPECT_EQ(call("GET", "/api/admin/calls/nope", {}, kAdmin).status, 404);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE topic = 'admin.action'"), 1);
}

}  // namespace
}  // namespace kx::telephony::testing
