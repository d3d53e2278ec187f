// The owner's account around the agents, against a real PostgreSQL schema and through the
// server's dispatch: the e-mail verification gate (user.registered / user.updated), the
// account export's part (GET /internal/users/{id}/export) and what user.deleted leaves.
#include <gtest/gtest.h>

#include "agent_db.hpp"
#include "agents_api.hpp"
#include "event_handlers.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/http/server.hpp"
#include "kx/json/json.hpp"
#include "kx/service/owner_export.hpp"
#include "owner_data.hpp"

namespace kx::agent {
namespace {

const std::string kInternalSecret = "test-internal-secret-0123456789abcdef";
const http::Identity kAuth{"", "service:auth"};
const char* kAgentBody =
    R"({"name":"Empfang Salon Sonnenschein","greeting":"Guten Tag, Salon Sonnenschein!",)"
    R"("escalation":{"enabled":true,"forwarding_number":"+4917612345678"}})";

class OwnerFlowTest : public ::testing::Test {
 protected:
  OwnerFlowTest() : api_(db_.pool, db_.agents, TestCallSettings{}), handlers_(db_.agents) {
    api_.add_routes(router_);
    service::add_owner_export(router_, db_.pool, "agent", &owner_data);
    options_.identity.emplace(kInternalSecret);
  }

  http::Response call(const std::string& method, const std::string& target,
                      const http::Identity& who, const std::string& body = {}) {
    http::Request req;
    req.method = method;
    req.target = target;
    req.path = target;
    req.body = body;
    req.request_id = crypto::uuid_v4();
    options_.identity->sign(req.headers, who, method, target, req.request_id);
    return http::dispatch(router_, options_, req);
  }

  static http::Identity owner(const std::string& id) { return {id, "user"}; }

  void user_event(const std::string& type, const std::string& user_id, const char* verified,
                  const std::string& time) {
    events::Event e;
    e.id = crypto::uuid_v4();
    e.type = type;
    e.version = "v1";
    e.time = time;
    e.key = user_id;
    std::string data = R"({"user_id":")" + user_id +
                       R"(","email":"inhaberin@salon-beispiel.de","name":"Anna","locale":"de",)"
                       R"("role":"user","registered_at":"2026-01-01T00:00:00Z",)"
                       R"("deleted_at":"2026-01-02T00:00:00Z")";
    if (verified)
      data += std::string(R"(,"email_verified":)") + verified;
    e.data = data + "}";
    events::Schemas::embedded().validate(e.ce_type(), e.data);  // the test data is the contract
    pg::transact(db_.pool, [&](pqxx::work& tx) {
      if (type == "user.deleted")
        handlers_.on_user_deleted(e, tx);
      else
        handlers_.on_user_verification(e, tx);
    });
  }

  static std::string code_of(const http::Response& res) {
    auto doc = json::parse(res.body);
    return json::get_string(doc["error"], "code");
  }

  std::int64_t scalar(const std::string& sql) {
    return pg::transact(db_.pool,
                        [&](pqxx::work& tx) { return tx.exec1(sql)[0].as<std::int64_t>(); });
  }

  testing::AgentDb db_;
  AgentsApi api_;
  EventHandlers handlers_;
  http::Router router_;
  http::ServerOptions options_;
};

TEST_F(OwnerFlowTest, AnUnverifiedOwnerCannotPutAnAgentLive) {
  auto anna = owner("owner-anna");
  user_event("user.registered", anna.user_id, "false", "2026-01-01T10:00:00.000Z");

  auto refused = call("POST", "/api/agents", anna, kAgentBody);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(code_of(refused), "email_unverified");
  EXPECT_NE(refused.body.find("Bitte bestätigen Sie zuerst Ihre E-Mail-Adresse."),
            std::string::npos);

  // The wizard keeps the work: a draft is saved, only publishing it waits for the address.
  auto draft = call("POST", "/api/agents/drafts", anna,
                    std::string(R"({"step":6,"state":)") + kAgentBody + "}");
  ASSERT_EQ(draft.status, 201) << draft.body;
  auto draft_id = json::get_string(json::parse(draft.body), "id");
  auto publish = call("POST", "/api/agents/drafts/" + draft_id + "/publish", anna);
  EXPECT_EQ(publish.status, 403) << publish.body;
  EXPECT_EQ(code_of(publish), "email_unverified");
  EXPECT_EQ(scalar("SELECT count(*) FROM agents"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM drafts"), 1);

  user_event("user.updated", anna.user_id, "true", "2026-01-01T10:05:00.000Z");
  // An older event arriving late does not take the confirmation back.
  user_event("user.registered", anna.user_id, "false", "2026-01-01T10:00:00.000Z");
  publish = call("POST", "/api/agents/drafts/" + draft_id + "/publish", anna);
  ASSERT_EQ(publish.status, 201) << publish.body;
  auto agent_id = json::get_string(json::parse(publish.body), "id");

  // A changed, not yet confirmed address (a newer user.updated) stops the next activation; the
  // agent's owner can still take it off the line.
  user_event("user.updated", anna.user_id, "false", "2026-01-01T11:00:00.000Z");
  EXPECT_EQ(call("POST", "/api/agents/" + agent_id + "/deactivate", anna).status, 200);
  auto activate = call("POST", "/api/agents/" + agent_id + "/activate", anna);
  EXPECT_EQ(activate.status, 403) << activate.body;
  EXPECT_EQ(code_of(activate), "email_unverified");
  user_event("user.updated", anna.user_id, "true", "2026-01-01T11:10:00.000Z");
  EXPECT_EQ(call("POST", "/api/agents/" + agent_id + "/activate", anna).status, 200);
}

TEST_F(OwnerFlowTest, AnOwnerNobodyToldAboutCountsAsUnverified) {
  auto ben = owner("owner-ben");
  auto res = call("POST", "/api/agents", ben, kAgentBody);
  EXPECT_EQ(res.status, 403) << res.body;
  // An auth that does not send email_verified yet changes nothing either.
  user_event("user.registered", ben.user_id, nullptr, "2026-01-01T10:00:00.000Z");
  EXPECT_EQ(call("POST", "/api/agents", ben, kAgentBody).status, 403);
}

TEST_F(OwnerFlowTest, TheExportHoldsTheOwnersAgentsAndDraftsAndNothingOfOthers) {
  auto anna = owner("owner-anna");
  auto ben = owner("owner-ben");
  for (const auto& who : {anna, ben})
    user_event("user.registered", who.user_id, "true", "2026-01-01T10:00:00.000Z");
  ASSERT_EQ(call("POST", "/api/agents", anna, kAgentBody).status, 201);
  ASSERT_EQ(
      call("POST", "/api/agents/drafts", anna, R"({"step":2,"state":{"name":"Zweiter"}})").status,
      201);
  ASSERT_EQ(call("POST", "/api/agents", ben,
                 R"({"name":"Bens Praxis","greeting":"Praxis Ben, guten Tag!"})")
                .status,
            201);

  auto res = call("GET", "/internal/users/owner-anna/export", kAuth);
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = json::parse(res.body);
  EXPECT_EQ(json::get_string(doc, "service"), "agent");
  const auto& data = doc["data"];
  EXPECT_TRUE(json::get_bool(data["owner"], "email_verified"));
  ASSERT_EQ(data["agents"].Size(), 1u);
  EXPECT_EQ(json::get_string(data["agents"][0], "name"), "Empfang Salon Sonnenschein");
  EXPECT_EQ(json::get_string(data["agents"][0]["definition"]["escalation"], "forwarding_number"),
            "+4917612345678");
  ASSERT_EQ(data["drafts"].Size(), 1u);
  EXPECT_EQ(json::get_string(data["drafts"][0]["state"], "name"), "Zweiter");
  EXPECT_EQ(res.body.find("Bens Praxis"), std::string::npos);

  // Only services may ask; an owner asking for someone's data is refused.
  EXPECT_EQ(call("GET", "/internal/users/owner-anna/export", anna).status, 403);

  auto unknown = call("GET", "/internal/users/owner-nobody/export", kAuth);
  ASSERT_EQ(unknown.status, 200) << unknown.body;
  auto empty = json::parse(unknown.body);
  EXPECT_TRUE(empty["data"]["owner"].IsNull());
  EXPECT_EQ(empty["data"]["agents"].Size(), 0u);
  EXPECT_EQ(empty["data"]["drafts"].Size(), 0u);
}

TEST_F(OwnerFlowTest, DeletionForgetsThePublishedEventsNamingTheOwner) {
  auto anna = owner("owner-anna");
  auto ben = owner("owner-ben");
  for (const auto& who : {anna, ben})
    user_event("user.registered", who.user_id, "true", "2026-01-01T10:00:00.000Z");
  ASSERT_EQ(call("POST", "/api/agents", anna, kAgentBody).status, 201);
  ASSERT_EQ(call("POST", "/api/agents", ben, kAgentBody).status, 201);
  // Events only go out after the sync worker: stand in for it and the relay.
  pg::transact(db_.pool, [&](pqxx::work& tx) {
    for (const auto& a : {anna, ben})
      db_.outbox.add(tx, "agent.created", a.user_id, "agent-of-" + a.user_id,
                     R"({"agent_id":"agent-of-)" + a.user_id + R"(","user_id":")" + a.user_id +
                         R"(","name":"Empfang","status":"active","language":"de",)"
                         R"("timezone":"Europe/Berlin","vapi_assistant_id":"asst",)"
                         R"("phone_number":null,"vapi_phone_number_id":null,)"
                         R"("escalation":{"enabled":true,"forwarding_number":"+4917612345678",)"
                         R"("fallback_number":null,"after_hours_number":null,)"
                         R"("business_hours":{"days":["mon"],"start":"09:00","end":"17:00"},)"
                         R"("voicemail":true,"max_clarifications":3},"opening_hours":{}})");
    tx.exec("UPDATE outbox SET published_at = now()");
  });

  user_event("user.deleted", anna.user_id, nullptr, "2026-01-02T10:00:00.000Z");

  EXPECT_EQ(scalar("SELECT count(*) FROM outbox WHERE published_at IS NOT NULL AND "
                   "strpos(data, 'owner-anna') > 0"),
            0);
  EXPECT_EQ(scalar("SELECT count(*) FROM outbox WHERE strpos(data, 'owner-ben') > 0"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM drafts WHERE user_id = 'owner-anna'"), 0);
  EXPECT_EQ(
      scalar("SELECT count(*) FROM agents WHERE user_id = 'owner-anna' AND deleted_at IS NULL"), 0);
  auto res = call("GET", "/internal/users/owner-anna/export", kAuth);
  EXPECT_EQ(json::parse(res.body)["data"]["agents"].Size(), 0u);
}

}  // namespace
}  // namespace kx::agent
