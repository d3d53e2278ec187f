// The audit log against a real PostgreSQL schema: storing admin.action events, the API through
// the server's dispatch, the exports, the report, append-only storage and the anonymisation.
#include <gtest/gtest.h>

#include "audit_api.hpp"
#include "kx/http/server.hpp"
#include "kx/json/json.hpp"
#include "kx/pg/testing.hpp"
#include "kx/service/runtime.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

namespace kx::auth {
namespace {

const std::string kSecret = "test-internal-secret-0123456789abcdef";

events::Event admin_action(const std::string& id, const std::string& action,
                           const std::string& target_id, const std::string& before,
                           const std::string& after, const std::string& at,
                           const std::string& admin = "admin-1",
                           const std::string& user = "user-1") {
  events::Event e;
  e.id = id;
  e.type = "admin.action";
  e.version = "v1";
  e.source = "billing";
  e.subject = target_id;
  e.key = user;
  e.data = R"({"admin_id":")" + admin + R"(","action":")" + action +
           R"(","target_type":"user","target_id":")" + target_id + R"(","before":)" + before +
           R"(,"after":)" + after + R"(,"ip":"203.0.113.9","user_agent":"Firefox","at":")" + at +
           R"(","user_id":")" + user + R"(","request_id":"req-9"})";
  return e;
}

class AuditLogTest : public ::testing::Test {
 protected:
  AuditLogTest() {
    pool_ = std::make_unique<pg::Pool>(schema_.pool_options());
    auto migrations = events::migrations();
    for (auto& m : service::to_migrations(kx_service_migration_files()))
      migrations.push_back(m);
    pg::migrate(*pool_, migrations);
    api_ = std::make_unique<AuditApi>(*pool_);
    api_->add_routes(router_);
    options_.identity.emplace(kSecret);
    pg::transact(*pool_, [](pqxx::work& tx) {
      tx.exec(
          "INSERT INTO users (id, email, email_normalized, password_hash, role) VALUES "
          "('admin-1', 'Chefin@Kametrix.example', 'chefin@kametrix.example', 'x', 'admin')");
    });
  }

  bool store(const events::Event& e) {
    return pg::transact(*pool_, [&](pqxx::work& tx) { return AuditLog::store(tx, e); });
  }

  http::Response get(const std::string& target, const std::string& role = "admin") {
    http::Request req;
    req.method = "GET";
    req.target = target;
    req.path = target.substr(0, target.find('?'));
    if (target.find('?') != std::string::npos)
      req.query = target.substr(target.find('?') + 1);
    req.request_id = "req-1";
    options_.identity->sign(req.headers, {"admin-1", role}, "GET", target, req.request_id);
    return http::dispatch(router_, options_, req);
  }

  void seed() {
    ASSERT_TRUE(store(admin_action("e1", "credits.adjust", "user-1", R"({"balance_cents":0})",
                                   R"({"balance_cents":500})", "2026-11-01T10:00:00.000Z")));
    ASSERT_TRUE(store(admin_action("e2", "user.update", "user-2",
                                   R"({"status":"active","name":"Anna Alt"})",
                                   R"({"status":"suspended","name":"Anna Alt"})",
                                   "2026-11-02T10:00:00.000Z", "admin-1", "user-2")));
    ASSERT_TRUE(
        store(admin_action("e3", "agent.update", "agent-7", R"({"name":"Empfang"})",
                           R"({"name":"Rezeption"})", "2026-11-03T10:00:00.000Z", "admin-2")));
  }

  pg::testing::ScratchSchema schema_{"audit"};
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<AuditApi> api_;
  http::Router router_;
  http::ServerOptions options_;
};

TEST_F(AuditLogTest, StoresEachEventOnce) {
  auto e = admin_action("e1", "credits.adjust", "user-1", "null", R"({"cents":5})",
                        "2026-11-01T10:00:00.000Z");
  EXPECT_TRUE(store(e));
  EXPECT_FALSE(store(e));
  auto res = get("/api/admin/audit");
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = json::parse(res.body);
  ASSERT_EQ(doc["total"].GetInt(), 1);
  const auto& item = doc["items"][0];
  EXPECT_EQ(json::get_string(item, "admin_email"), "Chefin@Kametrix.example");
  EXPECT_EQ(json::get_string(item, "service"), "billing");
  EXPECT_TRUE(item["before"].IsNull());
  EXPECT_EQ(item["after"]["cents"].GetInt(), 5);
  EXPECT_EQ(json::get_string(item, "ip"), "203.0.113.9");
  EXPECT_EQ(json::get_string(item, "request_id"), "req-9");
  EXPECT_EQ(json::get_string(item, "at"), "2026-11-01T10:00:00.000Z");
}

TEST_F(AuditLogTest, RefusesIncompleteEvents) {
  auto e = admin_action("e1", "", "user-1", "null", "null", "2026-11-01T10:00:00.000Z");
  EXPECT_THROW(store(e), std::invalid_argument);
}

TEST_F(AuditLogTest, SearchesFiltersAndPages) {
  seed();
  auto total = [&](const std::string& query) {
    auto res = get("/api/admin/audit?" + query);
    EXPECT_EQ(res.status, 200) << query << res.body;
    return json::parse(res.body)["total"].GetInt();
  };
  EXPECT_EQ(total(""), 3);
  EXPECT_EQ(total("action=credits.adjust"), 1);
  EXPECT_EQ(total("admin_id=admin-2"), 1);
  EXPECT_EQ(total("target_type=user&target_id=user-2"), 1);
  EXPECT_EQ(total("user_id=user-1"), 2);
  EXPECT_EQ(total("q=rezeption"), 1);
  EXPECT_EQ(total("q=chefin%40kametrix"), 2);
  EXPECT_EQ(total("q=100%25"), 0);  // % is searched literally
  EXPECT_EQ(total("from=2026-11-02&to=2026-11-02"), 1);
  EXPECT_EQ(total("from=2026-11-02T10:00:00Z"), 2);
  auto page = json::parse(get("/api/admin/audit?limit=1&offset=1").body);
  ASSERT_EQ(page["items"].Size(), 1u);
  EXPECT_EQ(json::get_string(page["items"][0], "action"), "user.update");  // newest first
}

TEST_F(AuditLogTest, BadFiltersAndNonAdminsAreRefused) {
  for (const char* q : {"from=gestern", "from=2026-11-05&to=2026-11-01", "limit=0", "action=a%20b",
                        "to=2026-11-01T25:00:00Z"}) {
    auto res = get(std::string("/api/admin/audit?") + q);
    EXPECT_EQ(res.status, 422) << q;
  }
  EXPECT_EQ(get("/api/admin/audit", "user").status, 403);
  EXPECT_EQ(get("/api/admin/audit/report", "user").status, 403);
  EXPECT_EQ(get("/api/admin/audit.csv", "user").status, 403);
}

TEST_F(AuditLogTest, CsvExportQuotesAndNeutralisesFormulas) {
  ASSERT_TRUE(store(admin_action("e1", "agent.update", "=HYPERLINK(\\\"x\\\")", R"({"name":"a;b"})",
                                 "null", "2026-11-01T10:00:00.000Z")));
  auto res = get("/api/admin/audit.csv");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.headers.get("Content-Disposition").value_or(""),
            "attachment; filename=\"kametrix-audit.csv\"");
  EXPECT_EQ(res.body.rfind("\xEF\xBB\xBF", 0), 0u);
  EXPECT_NE(res.body.find("\"'=HYPERLINK(\"\"x\"\")\""), std::string::npos) << res.body;
  // jsonb's own text form, quoted for the semicolon and the quotes.
  EXPECT_NE(res.body.find(R"("{""name"": ""a;b""}")"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("Zeitpunkt (UTC);Admin-ID;Admin-E-Mail;Aktion"), std::string::npos);
}

TEST_F(AuditLogTest, JsonExportIsOneDocument) {
  seed();
  auto res = get("/api/admin/audit.json?action=agent.update");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.headers.get("Content-Disposition").value_or(""),
            "attachment; filename=\"kametrix-audit.json\"");
  auto doc = json::parse(res.body);
  EXPECT_EQ(doc["total"].GetInt(), 1);
  EXPECT_EQ(json::get_string(doc["items"][0], "target_id"), "agent-7");
}

TEST_F(AuditLogTest, ReportCountsAndListsSensitiveActions) {
  seed();
  auto res = get("/api/admin/audit/report?from=2026-11-01&to=2026-11-30");
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = json::parse(res.body);
  EXPECT_EQ(json::get_string(doc, "from"), "2026-11-01T00:00:00.000Z");
  EXPECT_EQ(json::get_string(doc, "to"), "2026-12-01T00:00:00.000Z");
  EXPECT_EQ(doc["total"].GetInt(), 3);
  EXPECT_EQ(doc["by_action"].Size(), 3u);
  ASSERT_EQ(doc["by_admin"].Size(), 2u);
  EXPECT_EQ(json::get_string(doc["by_admin"][0], "admin_id"), "admin-1");
  EXPECT_EQ(doc["by_admin"][0]["count"].GetInt(), 2);
  EXPECT_EQ(json::get_string(doc["by_admin"][0], "admin_email"), "Chefin@Kametrix.example");
  // The credit adjustment and the status change; the agent rename is not sensitive.
  ASSERT_EQ(doc["sensitive"].Size(), 2u);
  EXPECT_EQ(json::get_string(doc["sensitive"][0], "action"), "user.update");
  EXPECT_EQ(json::get_string(doc["sensitive"][1], "action"), "credits.adjust");
  EXPECT_EQ(get("/api/admin/audit/report?from=2026-11-01&to=2028-01-01").status, 422);
  auto empty = json::parse(get("/api/admin/audit/report?from=2020-01-01&to=2020-01-31").body);
  EXPECT_EQ(empty["total"].GetInt(), 0);
}

TEST_F(AuditLogTest, EntriesCannotBeChangedOrDeleted) {
  seed();
  auto refused = [&](const std::string& sql) {
    try {
      pg::transact(*pool_, [&](pqxx::work& tx) { tx.exec(sql); });
      return false;
    } catch (const std::exception& e) {
      return std::string(e.what()).find("append-only") != std::string::npos;
    }
  };
  EXPECT_TRUE(refused("UPDATE audit_log SET action = 'x'"));
  EXPECT_TRUE(refused("DELETE FROM audit_log"));
  EXPECT_TRUE(refused("TRUNCATE audit_log"));
  // The anonymisation switch does not open the ids, the action or the time.
  EXPECT_TRUE(
      refused("SELECT set_config('kx.audit_anonymise', 'on', true); "
              "UPDATE audit_log SET admin_id = 'someone', anonymised_at = now()"));
}

TEST_F(AuditLogTest, DeletedUsersPersonalDataIsScrubbedAndTheEntryStays) {
  seed();
  auto n =
      pg::transact(*pool_, [](pqxx::work& tx) { return AuditLog::anonymise_user(tx, "user-2"); });
  EXPECT_EQ(n, 1);
  auto doc = json::parse(get("/api/admin/audit?target_id=user-2").body);
  const auto& item = doc["items"][0];
  EXPECT_EQ(json::get_string(item, "action"), "user.update");
  EXPECT_EQ(json::get_string(item, "user_id"), "user-2");
  EXPECT_TRUE(item["before"]["name"].IsNull());
  EXPECT_EQ(json::get_string(item["after"], "status"), "suspended");
  // The acting admin's own address is not the deleted user's data.
  EXPECT_EQ(json::get_string(item, "ip"), "203.0.113.9");
  // An entry about the user that arrives after the deletion is stored scrubbed.
  ASSERT_TRUE(store(admin_action("late", "user.update", "user-2", R"({"name":"Anna Alt"})",
                                 R"({"name":"Anna Neu"})", "2026-11-04T10:00:00.000Z", "admin-1",
                                 "user-2")));
  auto late = json::parse(get("/api/admin/audit?target_id=user-2").body);
  EXPECT_TRUE(late["items"][0]["before"]["name"].IsNull());
  EXPECT_TRUE(late["items"][0]["after"]["name"].IsNull());
  // An admin who is deleted loses the IP and user agent of their entries.
  pg::transact(*pool_, [](pqxx::work& tx) { AuditLog::anonymise_user(tx, "admin-2"); });
  auto by_admin = json::parse(get("/api/admin/audit?admin_id=admin-2").body);
  EXPECT_EQ(json::get_string(by_admin["items"][0], "ip"), "");
  EXPECT_EQ(json::get_string(by_admin["items"][0], "user_agent"), "");
}

TEST(ScrubPersonal, NullsPersonalKeysAtAnyDepth) {
  EXPECT_EQ(scrub_personal(R"({"name":"Anna","owner":{"Email":"a@b.de","phone_number":"+49"},)"
                           R"("items":[{"caller_number":"+4930"}],"cents":5,"status":"x"})"),
            R"({"name":null,"owner":{"Email":null,"phone_number":null},)"
            R"("items":[{"caller_number":null}],"cents":5,"status":"x"})");
  EXPECT_EQ(scrub_personal("null"), "null");
  EXPECT_EQ(scrub_personal("{broken"), "null");
}

TEST(IsSensitive, ByActionOrByARoleOrStatusChange) {
  EXPECT_TRUE(is_sensitive("credits.adjust", "null", "null"));
  EXPECT_TRUE(is_sensitive("agent.delete", "{}", "null"));
  EXPECT_TRUE(is_sensitive("user.password_reset", "null", "null"));
  EXPECT_TRUE(is_sensitive("user.update", R"({"role":"user"})", R"({"role":"admin"})"));
  EXPECT_FALSE(is_sensitive("user.update", R"({"role":"user","name":"a"})",
                            R"({"role":"user","name":"b"})"));
  EXPECT_FALSE(is_sensitive("agent.update", R"({"name":"a"})", R"({"name":"b"})"));
  EXPECT_FALSE(is_sensitive("phone_number.add", "null", R"({"number":"+4930"})"));
}

}  // namespace
}  // namespace kx::auth
