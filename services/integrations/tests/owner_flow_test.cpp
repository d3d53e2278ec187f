// The owner's account in integrations: the export's part (GET /internal/users/{id}/export,
// never a token, a webhook secret or a mail body) and what user.deleted leaves, with every
// consumer of it wired as main.cpp wires them.
#include <gtest/gtest.h>

#include "event_handlers.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/http/server.hpp"
#include "kx/json/json.hpp"
#include "kx/pg/testing.hpp"
#include "kx/service/owner_export.hpp"
#include "kx/service/runtime.hpp"
#include "mail_queue.hpp"
#include "owner_data.hpp"
#include "webhook_delivery.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

namespace kx::integrations {
namespace {

const std::string kInternalSecret = "test-internal-secret-0123456789abcdef";
const http::Identity kAuth{"", "service:auth"};

class OwnerFlowTest : public ::testing::Test {
 protected:
  OwnerFlowTest() {
    auto migrations = events::migrations();
    for (auto& m : service::to_migrations(kx_service_migration_files()))
      migrations.push_back(m);
    pg::migrate(pool_, migrations);
    service::add_owner_export(router_, pool_, "integrations", &owner_data);
    options_.identity.emplace(kInternalSecret);
    for (const char* user : {"u1", "u2"})
      seed(user);
  }

  // Everything integrations can hold about an owner, as its areas write it.
  void seed(const std::string& u) {
    pg::transact(pool_, [&](pqxx::work& tx) {
      // $1 is the owner's id, typed, since it is also concatenated.
      auto exec = [&](std::string sql) {
        for (auto at = sql.find("$1"); at != std::string::npos; at = sql.find("$1", at + 8))
          sql.replace(at, 2, "$1::text");
        tx.exec_params(sql, u);
      };
      exec(
          "INSERT INTO google_connections (user_id, status, google_email, scopes, refresh_token, "
          "access_token, connected_at) VALUES ($1, 'connected', $1 || '@gmail.test', "
          "'calendar sheets', NULL, 'v1:k1:SEALED-ACCESS-' || $1, now())");
      exec(
          "INSERT INTO owner_settings (user_id, appointment_minutes, sheet_id, sheet_url, "
          "sheet_email) VALUES ($1, 45, 'sheet-' || $1, 'https://sheets.test/' || $1, $1 || "
          "'@gmail.test')");
      exec(
          "INSERT INTO agents (agent_id, user_id, name, language, timezone, changed_at) VALUES "
          "('agent-' || $1, $1, 'Salon ' || $1, 'de', 'Europe/Berlin', now())");
      exec(
          "INSERT INTO bookings (id, user_id, agent_id, call_id, caller_name, caller_number, "
          "start_at, end_at, timezone, status, google_event_id, calendar_id) VALUES "
          "(gen_random_uuid(), $1, 'agent-' || $1, 'call-' || $1, 'Anrufer ' || $1, "
          "'+4915100000' || length($1), '2026-03-05T09:00:00Z', '2026-03-05T09:30:00Z', "
          "'Europe/Berlin', 'booked', 'gev-' || $1, 'primary')");
      exec(
          "INSERT INTO sheet_rows (call_id, user_id, cells) VALUES ('call-' || $1, $1, "
          "'[\"Anrufer\"]')");
      exec(
          "INSERT INTO mail_owners (user_id, email, name, changed_at) VALUES ($1, $1 || "
          "'@salon.test', 'Inhaberin ' || $1, now())");
      exec("INSERT INTO mail_preferences (user_id, call_summary) VALUES ($1, true)");
      exec(
          "INSERT INTO mails (id, kind, event_id, user_id, recipient, subject, params, raw, "
          "message_id, state) VALUES ('m-' || $1, 'verify_email', 'e-' || $1, $1, $1 || "
          "'@salon.test', 'Bitte bestätigen', "
          "'{\"link\":\"https://app.test/verify?token=GEHEIM\"}', "
          "'RAW-BODY-GEHEIM', 'mid-' || $1, 'pending')");
      exec(
          "INSERT INTO webhook_endpoints (id, user_id, url, event_types, secret, created_at, "
          "updated_at) VALUES (gen_random_uuid(), $1, 'https://hooks.test/' || $1, "
          "ARRAY['call.completed'], 'v1:k1:SEALED-SECRET', now(), now())");
      exec(
          "INSERT INTO webhook_deliveries (id, endpoint_id, user_id, event_id, message_id, "
          "event_type, payload, state, created_at) SELECT gen_random_uuid(), id, $1, 'ev-' || $1, "
          "'msg-' || $1, 'call.completed', '{\"caller_number\":\"+4915100000\"}', 'delivered', "
          "now() FROM webhook_endpoints WHERE user_id = $1");
    });
  }

  json::Document exported(const std::string& user, const http::Identity& who = kAuth,
                          int status = 200) {
    http::Request req;
    req.method = "GET";
    req.target = req.path = "/internal/users/" + user + "/export";
    req.request_id = crypto::uuid_v4();
    options_.identity->sign(req.headers, who, req.method, req.target, req.request_id);
    auto res = http::dispatch(router_, options_, req);
    EXPECT_EQ(res.status, status) << res.body;
    last_body_ = res.body;
    return json::parse(res.body);
  }

  std::int64_t count(const std::string& sql) {
    return pg::transact(pool_, [&](pqxx::work& tx) { return tx.exec1(sql)[0].as<std::int64_t>(); });
  }

  pg::testing::ScratchSchema schema_{"integrations"};
  pg::Pool pool_{schema_.pool_options(4)};
  http::Router router_;
  http::ServerOptions options_;
  std::string last_body_;
};

TEST_F(OwnerFlowTest, TheExportHoldsTheOwnersDataButNoTokenSecretOrMailBody) {
  auto doc = exported("u1");
  EXPECT_STREQ(doc["service"].GetString(), "integrations");
  const auto& data = doc["data"];
  EXPECT_STREQ(data["google"]["google_email"].GetString(), "u1@gmail.test");
  EXPECT_STREQ(data["settings"]["sheet_url"].GetString(), "https://sheets.test/u1");
  ASSERT_EQ(data["bookings"].Size(), 1u);
  EXPECT_STREQ(data["bookings"][0]["caller_name"].GetString(), "Anrufer u1");
  ASSERT_EQ(data["call_log"].Size(), 1u);
  EXPECT_STREQ(data["mail"]["recipient"]["email"].GetString(), "u1@salon.test");
  EXPECT_TRUE(data["mail"]["preferences"]["call_summary"].GetBool());
  ASSERT_EQ(data["mail"]["mails"].Size(), 1u);
  EXPECT_STREQ(data["mail"]["mails"][0]["kind"].GetString(), "verify_email");
  ASSERT_EQ(data["webhooks"].Size(), 1u);
  EXPECT_STREQ(data["webhooks"][0]["url"].GetString(), "https://hooks.test/u1");
  EXPECT_EQ(data["webhooks"][0]["deliveries"].Size(), 1u);
  for (const char* never : {"SEALED", "GEHEIM", "u2@", "Anrufer u2"})
    EXPECT_EQ(last_body_.find(never), std::string::npos) << never;

  auto nobody = exported("u-nobody");
  EXPECT_TRUE(nobody["data"]["google"].IsNull());
  EXPECT_TRUE(nobody["data"]["mail"]["recipient"].IsNull());
  EXPECT_EQ(nobody["data"]["bookings"].Size(), 0u);
  EXPECT_EQ(nobody["data"]["webhooks"].Size(), 0u);

  exported("u1", http::Identity{"u1", "user"}, 403);
}

TEST_F(OwnerFlowTest, DeletionLeavesNothingOfTheOwnerAndLateAgentEventsBringNothingBack) {
  GoogleClient google{GoogleEndpoints{}};
  crypto::Keyring keys;
  events::Outbox outbox{events::Schemas::embedded(), "integrations"};
  GoogleAccounts accounts(pool_, google, keys, outbox);
  EventHandlers handlers(accounts);
  SmtpSender smtp(SmtpSettings{.host = "127.0.0.1", .port = 1});
  MailQueue mail(pool_, smtp, MailSettings{});
  WebhookFanOut webhooks(WebhookSettings{});
  pg::transact(pool_, [](pqxx::work& tx) {
    tx.exec(
        "INSERT INTO outbox (event_id, topic, event_key, ce_type, ce_source, ce_subject, ce_time, "
        "data, published_at) VALUES (gen_random_uuid(), 'appointment.booked', 'u1', "
        "'appointment.booked.v1', 'integrations', 'b1', '2026-03-01T00:00:00Z', "
        "'{\"user_id\":\"u1\",\"caller_name\":\"Anrufer u1\"}', now())");
  });

  events::Event e;
  e.id = crypto::uuid_v4();
  e.type = "user.deleted";
  e.version = "v1";
  e.time = "2026-03-10T00:00:00.000Z";
  e.data = R"({"user_id":"u1","deleted_at":"2026-03-10T00:00:00Z"})";
  pg::transact(pool_, [&](pqxx::work& tx) {
    handlers.on_user_deleted(e, tx);
    mail.on_user_deleted(e, tx);
    webhooks.on_user_deleted(e, tx);
  });
  // The agent service deletes the owner's agents afterwards.
  events::Event gone;
  gone.id = crypto::uuid_v4();
  gone.type = "agent.deleted";
  gone.version = "v1";
  gone.time = "2026-03-10T00:00:01.000Z";
  gone.data = R"({"agent_id":"agent-u1","user_id":"u1","vapi_assistant_id":"a","name":"Salon u1"})";
  pg::transact(pool_, [&](pqxx::work& tx) { handlers.on_agent_deleted(gone, tx); });

  for (const char* table :
       {"google_connections", "owner_settings", "agents", "bookings", "sheet_rows",
        "mail_preferences", "mails", "webhook_endpoints", "webhook_deliveries"})
    EXPECT_EQ(count(std::string("SELECT count(*) FROM ") + table + " WHERE user_id = 'u1'"), 0)
        << table;
  EXPECT_EQ(count("SELECT count(*) FROM mail_owners WHERE user_id = 'u1' AND deleted AND "
                  "email IS NULL AND name IS NULL"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE strpos(data, 'u1') > 0"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM bookings WHERE user_id = 'u2'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM webhook_deliveries WHERE user_id = 'u2'"), 1);

  auto doc = exported("u1");
  EXPECT_TRUE(doc["data"]["google"].IsNull());
  EXPECT_TRUE(doc["data"]["mail"]["recipient"].IsNull());
  EXPECT_EQ(doc["data"]["bookings"].Size(), 0u);
}

}  // namespace
}  // namespace kx::integrations
