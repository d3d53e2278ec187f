// The mail queue against a real PostgreSQL schema and a real SMTP server (aiosmtpd on
// loopback): one mail per triggering event however often it arrives, retries while the server
// is down without a second copy, permanent refusals recorded and listed for the admin, opt-in
// and unsubscribe, the owner's language, mails waiting for an owner not known yet, and secret
// links that do not outlive the sending.
#include <gtest/gtest.h>

#include "kx/crypto/crypto.hpp"
#include "kx/events/events.hpp"
#include "kx/http/error.hpp"
#include "kx/pg/testing.hpp"
#include "kx/service/runtime.hpp"
#include "mail_api.hpp"
#include "mail_test_support.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

namespace kx::integrations {
namespace {

using namespace std::chrono_literals;

const std::string kOrigin = "https://app.kametrix.test";

class MailFlowTest : public ::testing::Test {
 protected:
  MailFlowTest() {
    auto migrations = events::migrations();
    for (auto& m : service::to_migrations(kx_service_migration_files()))
      migrations.push_back(m);
    pg::migrate(pool_, migrations);
    smtp_ = std::make_unique<SmtpSender>(SmtpSettings{.host = "127.0.0.1",
                                                      .port = server_.port(),
                                                      .tls = SmtpTls::none,
                                                      .timeout = 3'000ms,
                                                      .helo_domain = "kametrix.test"});
    MailSettings s;
    s.from = {"Kametrix", "no-reply@kametrix.test"};
    s.domain = "kametrix.test";
    s.public_origin = kOrigin;
    s.unsubscribe_secret = std::string(32, 's');
    queue_ = std::make_unique<MailQueue>(pool_, *smtp_, s);
    api_ = std::make_unique<MailApi>(pool_, *queue_, outbox_);
  }

  events::Event event(const std::string& type, const std::string& data,
                      const std::string& id = {}) {
    events::Event e;
    e.id = id.empty() ? crypto::uuid_v7() : id;
    e.type = type;
    e.version = "v1";
    e.time = "2026-03-03T13:30:00.000Z";
    e.data = data;
    return e;
  }

  /// Delivers an event to the mail consumer the way the runtime does: in one transaction.
  template <class Fn>
  void deliver(Fn fn, const events::Event& e) {
    pg::transact(pool_, [&](pqxx::work& tx) {
      if constexpr (std::is_invocable_v<Fn, MailQueue&, const std::vector<const events::Event*>&,
                                        pqxx::work&>)
        ((*queue_).*fn)({&e}, tx);
      else
        ((*queue_).*fn)(e, tx);
    });
  }

  void owner(const std::string& user, const std::string& email, const std::string& locale = "de",
             const std::string& name = "Jürgen Müller") {
    deliver(&MailQueue::on_user_registered,
            event("user.registered", R"({"user_id": ")" + user + R"(", "email": ")" + email +
                                         R"(", "name": ")" + name + R"(", "locale": ")" + locale +
                                         R"(", "registered_at": "2026-03-01T10:00:00Z"})"));
  }

  std::string purchase(const std::string& user) {
    return R"({"user_id": ")" + user +
           R"(", "transaction_id": "tx-1", "pack_id": "starter", "credits": 2500,
              "amount_cents": 2500, "currency": "EUR", "checkout_session_id": "cs_1",
              "balance_cents": 2620})";
  }

  int drain() {
    int total = 0;
    while (int n = queue_->run_once())
      total += n;
    return total;
  }

  std::int64_t count(const std::string& sql) {
    return pg::transact(pool_,
                        [&](pqxx::work& tx) { return tx.exec(sql)[0][0].as<std::int64_t>(); });
  }
  void exec(const std::string& sql) {
    pg::transact(pool_, [&](pqxx::work& tx) { tx.exec(sql); });
  }
  std::string text(const std::string& sql) {
    return pg::transact(pool_, [&](pqxx::work& tx) { return tx.exec1(sql)[0].as<std::string>(); });
  }

  /// The received messages, parsed, whose subject contains `needle`.
  std::vector<json::Document> received(const std::string& needle = {}) {
    std::vector<json::Document> out;
    for (const auto& raw : server_.messages()) {
      auto doc = testing::parse_message(server_.dir(), raw);
      if (json::get_string(doc, "subject").find(needle) != std::string::npos)
        out.push_back(std::move(doc));
    }
    return out;
  }

  http::Response call(MailApi& api, http::Response (MailApi::*fn)(http::Request&),
                      const std::string& method, const std::string& query,
                      const std::string& body = {}, const std::string& user = "u1") {
    http::Request req;
    req.method = method;
    req.query = query;
    req.body = body;
    req.identity.user_id = user;
    try {
      return (api.*fn)(req);
    } catch (const http::Error& e) {
      http::Response res;
      res.status = e.status();
      res.body = http::error_body(e, "test");
      return res;
    }
  }

  pg::testing::ScratchSchema schema_{"integrations"};
  pg::Pool pool_{schema_.pool_options(4)};
  testing::SmtpServer server_;
  std::unique_ptr<SmtpSender> smtp_;
  std::unique_ptr<MailQueue> queue_;
  events::Outbox outbox_{events::Schemas::embedded(), "integrations"};
  std::unique_ptr<MailApi> api_;
};

TEST_F(MailFlowTest, WelcomeAndLowBalanceGoOutOnceEvenWhenDeliveredThreeTimes) {
  owner("u1", "inhaber@praxis.test");
  auto low =
      event("credits.low", R"({"user_id": "u1", "balance_cents": 480, "threshold_cents": 500})");
  for (int i = 0; i < 3; ++i)
    deliver(&MailQueue::on_credits_low, low);
  drain();
  deliver(&MailQueue::on_credits_low, low);
  drain();

  EXPECT_EQ(count("SELECT count(*) FROM mails WHERE state = 'sent'"), 2);
  EXPECT_EQ(server_.messages().size(), 2u);
  auto lows = received("Guthaben wird knapp");
  ASSERT_EQ(lows.size(), 1u);
  const auto& m = lows[0];
  EXPECT_EQ(json::get_string(m, "subject"), "Ihr Guthaben wird knapp");
  EXPECT_EQ(json::get_string(m, "to"), "Jürgen Müller <inhaber@praxis.test>");
  EXPECT_EQ(json::get_string(m, "message_id"), "<low_balance." + low.id + "@kametrix.test>");
  EXPECT_EQ(json::get_int(m, "defects"), 0);
  auto text = json::get_string(m, "text");
  EXPECT_NE(text.find("Guten Tag Jürgen Müller,"), std::string::npos) << text;
  EXPECT_NE(text.find("beträgt nur noch 4,80 € und liegt damit unter Ihrer Warnschwelle von "
                      "5,00 €"),
            std::string::npos)
      << text;
  EXPECT_NE(json::get_string(m, "html").find("4,80 €"), std::string::npos);
  EXPECT_TRUE(json::get_string(m, "list_unsubscribe").empty());

  auto welcome = received("Willkommen");
  ASSERT_EQ(welcome.size(), 1u);
  EXPECT_EQ(json::get_string(welcome[0], "subject"),
            "Willkommen bei Kametrix – schön, dass Sie da sind");
}

TEST_F(MailFlowTest, SmtpDownMeansRetriedLaterAndSentOnce) {
  owner("u1", "inhaber@praxis.test");
  drain();
  server_.stop();
  deliver(&MailQueue::on_credits_purchased, event("credits.purchased", purchase("u1")));
  drain();
  EXPECT_EQ(count("SELECT count(*) FROM mails WHERE kind = 'purchase_receipt' AND state = "
                  "'pending' AND attempts = 1 AND last_error IS NOT NULL AND next_attempt_at > "
                  "now()"),
            1);
  // Not due yet: nothing is tried again.
  drain();
  EXPECT_EQ(count("SELECT attempts FROM mails WHERE kind = 'purchase_receipt'"), 1);

  server_.start();
  exec("UPDATE mails SET next_attempt_at = now()");
  drain();
  exec("UPDATE mails SET next_attempt_at = now()");
  drain();
  EXPECT_EQ(count("SELECT count(*) FROM mails WHERE kind = 'purchase_receipt' AND state = "
                  "'sent' AND attempts = 2"),
            1);
  auto receipts = received("Zahlungsbestätigung");
  ASSERT_EQ(receipts.size(), 1u);
  EXPECT_EQ(json::get_string(receipts[0], "subject"), "Zahlungsbestätigung: starter (25,00 €)");
  EXPECT_NE(json::get_string(receipts[0], "text").find("Betrag: 25,00 €\nDatum: 03.03.2026"),
            std::string::npos);
}

TEST_F(MailFlowTest, PermanentRefusalIsFailedAndListedTemporaryStaysPending) {
  owner("u1", "reject-me@praxis.test");
  owner("u2", "busy@praxis.test");
  drain();
  EXPECT_EQ(count("SELECT count(*) FROM mails WHERE user_id = 'u1' AND state = 'failed' AND "
                  "attempts = 1 AND last_error LIKE '%550%'"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM mails WHERE user_id = 'u2' AND state = 'pending' AND "
                  "attempts = 1 AND last_error LIKE '%451%'"),
            1);
  EXPECT_TRUE(server_.messages().empty());

  auto res = call(*api_, &MailApi::list, "GET", "state=failed");
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = json::parse(res.body);
  EXPECT_EQ(json::get_int(doc, "total"), 1);
  ASSERT_EQ(doc["mails"].Size(), 1u);
  const auto& mail = doc["mails"][0];
  EXPECT_EQ(json::get_string(mail, "kind"), "welcome");
  EXPECT_EQ(json::get_string(mail, "recipient"), "reject-me@praxis.test");
  EXPECT_NE(json::get_string(mail, "last_error").find("550"), std::string::npos);
  auto pending = json::parse(call(*api_, &MailApi::list, "GET", "state=pending").body);
  EXPECT_EQ(json::get_int(pending, "total"), 1);
  auto bad = call(*api_, &MailApi::list, "GET", "state=lost&limit=0&kind=x");
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.body.find("validation_failed"), std::string::npos);
}

TEST_F(MailFlowTest, AnAdminQueuesAFailedMailAgainAndItIsAudited) {
  owner("u1", "reject-me@praxis.test");
  drain();
  auto id = text("SELECT id FROM mails WHERE user_id = 'u1' AND state = 'failed'");
  auto retry = [&](const std::string& mail_id) {
    http::Request req;
    req.method = "POST";
    req.params["id"] = mail_id;
    req.identity = {"admin-1", "admin"};
    req.request_id = "req-retry";
    req.headers.set("User-Agent", "Adminbrowser");
    try {
      return api_->retry(req);
    } catch (const http::Error& e) {
      http::Response res;
      res.status = e.status();
      res.body = http::error_body(e, "test");
      return res;
    }
  };

  auto res = retry(id);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(count("SELECT count(*) FROM mails WHERE id = '" + id +
                  "' AND state = 'pending' AND attempts = 0 AND last_error IS NULL"),
            1);
  auto audit = json::parse(text("SELECT data FROM outbox WHERE topic = 'admin.action'"));
  EXPECT_EQ(json::get_string(audit, "action"), "mail.retry");
  EXPECT_EQ(json::get_string(audit, "admin_id"), "admin-1");
  EXPECT_EQ(json::get_string(audit, "target_id"), id);
  EXPECT_EQ(json::get_string(audit, "user_id"), "u1");
  EXPECT_EQ(json::get_string(audit["before"], "state"), "failed");
  EXPECT_NE(json::get_string(audit["before"], "last_error").find("550"), std::string::npos);
  EXPECT_EQ(json::get_string(audit["after"], "state"), "pending");

  // Only a failed mail, and one that still has what it needs to be sent.
  EXPECT_EQ(retry(id).status, 409);
  EXPECT_EQ(retry("no-such-mail").status, 404);
  pg::transact(pool_, [](pqxx::work& tx) {
    tx.exec(
        "INSERT INTO mails (id, kind, event_id, user_id, message_id, state) VALUES "
        "('m-secret', 'password_reset', 'e-secret', 'u1', 'x@kametrix.test', 'failed')");
  });
  res = retry("m-secret");
  EXPECT_EQ(res.status, 409);
  EXPECT_NE(res.body.find("mail_not_retryable"), std::string::npos);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE topic = 'admin.action'"), 1);

  drain();  // sent again (and refused again by this server)
  EXPECT_EQ(count("SELECT count(*) FROM mails WHERE id = '" + id + "' AND attempts = 1"), 1);
}

TEST_F(MailFlowTest, OptInMailsOnlyWhenAskedForAndUnsubscribeTurnsThemOff) {
  owner("u1", "inhaber@praxis.test");
  pg::transact(pool_, [&](pqxx::work& tx) {
    tx.exec(
        "INSERT INTO agents (agent_id, user_id, name, language, timezone, changed_at) "
        "VALUES ('a1', 'u1', 'Empfang', 'de', 'Europe/Berlin', now())");
  });
  auto completed = [&] {
    return event("call.completed", R"({"call_id": "c1", "vapi_call_id": "v1", "agent_id": "a1",
        "user_id": "u1", "status": "completed", "ended_reason": "customer-ended-call",
        "started_at": "2026-03-03T13:30:00Z", "ended_at": "2026-03-03T13:33:05Z",
        "duration_seconds": 185, "caller_number": "+4915112345678",
        "summary": "Möchte einen Rückruf wegen Größe <b>XL</b>.", "appointment_booked": false,
        "transferred": false, "test": false})");
  };
  deliver(&MailQueue::on_calls_completed, completed());
  EXPECT_EQ(count("SELECT count(*) FROM mails WHERE kind = 'call_summary'"), 0);

  auto bad = call(*api_, &MailApi::put_settings, "PUT", "",
                  R"({"call_summary": "ja", "new_booking": true, "extra": 1})");
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_NE(bad.body.find("call_summary"), std::string::npos);
  EXPECT_NE(bad.body.find("extra"), std::string::npos);
  auto put = call(*api_, &MailApi::put_settings, "PUT", "",
                  R"({"call_summary": true, "new_booking": false})");
  ASSERT_EQ(put.status, 200) << put.body;
  auto settings = json::parse(put.body);
  EXPECT_TRUE(json::get_bool(settings, "call_summary"));
  EXPECT_FALSE(json::get_bool(settings, "new_booking"));
  EXPECT_EQ(json::get_string(settings, "email"), "inhaber@praxis.test");
  EXPECT_EQ(json::get_string(settings, "language"), "de");

  deliver(&MailQueue::on_calls_completed, completed());
  deliver(&MailQueue::on_appointment_booked,
          event("appointment.booked", R"({"booking_id": "b1", "user_id": "u1", "agent_id": "a1",
              "call_id": "c1", "start": "2026-03-04T09:00:00Z", "end": "2026-03-04T09:30:00Z",
              "timezone": "Europe/Berlin", "caller_name": "Erika Muster"})"));
  drain();
  auto summaries = received("Anruf von");
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_TRUE(received("Neuer Termin").empty());
  const auto& m = summaries[0];
  EXPECT_EQ(json::get_string(m, "subject"), "Anruf von +4915112345678 – Empfang");
  auto text = json::get_string(m, "text");
  EXPECT_NE(text.find("Beginn: Dienstag, 3. März 2026, 14:30 Uhr\nDauer: 3:05 Min."),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Möchte einen Rückruf wegen Größe <b>XL</b>."), std::string::npos);
  EXPECT_NE(json::get_string(m, "html").find("Größe &lt;b&gt;XL&lt;/b&gt;"), std::string::npos);
  auto header = json::get_string(m, "list_unsubscribe");
  EXPECT_EQ(json::get_string(m, "list_unsubscribe_post"), "List-Unsubscribe=One-Click");
  auto prefix = "<" + kOrigin + "/api/public/unsubscribe?token=";
  ASSERT_TRUE(header.starts_with(prefix)) << header;
  auto token = header.substr(prefix.size(), header.size() - prefix.size() - 1);

  // The page only asks; a tampered token changes nothing.
  auto page = call(*api_, &MailApi::unsubscribe_page, "GET", "token=" + token);
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("method=\"post\""), std::string::npos);
  EXPECT_TRUE(json::get_bool(json::parse(call(*api_, &MailApi::get_settings, "GET", "").body),
                             "call_summary"));
  auto forged = token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(call(*api_, &MailApi::unsubscribe, "POST", "token=" + forged).status, 400);
  EXPECT_EQ(call(*api_, &MailApi::unsubscribe, "POST",
                 "token=new_booking.u2." + token.substr(token.rfind('.') + 1))
                .status,
            400);
  auto done =
      call(*api_, &MailApi::unsubscribe, "POST", "token=" + token, "List-Unsubscribe=One-Click");
  EXPECT_EQ(done.status, 200) << done.body;
  EXPECT_FALSE(json::get_bool(json::parse(call(*api_, &MailApi::get_settings, "GET", "").body),
                              "call_summary"));
  deliver(&MailQueue::on_calls_completed, completed());
  EXPECT_EQ(count("SELECT count(*) FROM mails WHERE kind = 'call_summary'"), 1);
}

TEST_F(MailFlowTest, ABatchOfCallsQueuesSummariesForTheOwnersWhoAskedOnly) {
  owner("s1", "s1@praxis.test");
  owner("s2", "s2@praxis.test");
  owner("s3", "s3@praxis.test");
  pg::transact(pool_, [](pqxx::work& tx) {
    tx.exec(
        "INSERT INTO agents (agent_id, user_id, name, language, timezone, changed_at) VALUES "
        "('as1', 's1', 'Empfang Süd', 'de', 'America/New_York', now()), "
        "('as2', 's2', 'Empfang Nord', 'de', 'Europe/Berlin', now())");
    tx.exec(
        "INSERT INTO mail_preferences (user_id, call_summary) VALUES ('s1', true), "
        "('s2', false), ('s3', true)");
  });
  auto completed = [&](const std::string& call, const std::string& user, const std::string& agent,
                       bool test = false) {
    return event("call.completed",
                 R"({"call_id": ")" + call + R"(", "vapi_call_id": "v-)" + call +
                     R"(", "agent_id": ")" + agent + R"(", "user_id": ")" + user +
                     R"(", "status": "completed", "ended_reason": "customer-ended-call",
        "started_at": "2026-03-03T13:30:00Z", "ended_at": "2026-03-03T13:31:00Z",
        "duration_seconds": 60, "caller_number": "+4915112345678", "summary": "Rückruf",
        "appointment_booked": false, "transferred": false, "test": )" +
                     (test ? "true" : "false") + "}");
  };
  // s2 did not ask, s3's agent is not known here, one call of s1 is a test call.
  std::vector<events::Event> batch = {completed("k1", "s2", "as2"), completed("k2", "s1", "as1"),
                                      completed("k3", "s1", "as1", true),
                                      completed("k4", "s3", "as-unknown"),
                                      completed("k5", "s1", "as1")};
  std::vector<const events::Event*> all;
  for (const auto& e : batch)
    all.push_back(&e);
  pg::transact(pool_, [&](pqxx::work& tx) { queue_->on_calls_completed(all, tx); });

  auto queued = pg::transact(pool_, [](pqxx::work& tx) {
    std::vector<std::string> out;
    for (const auto& r : tx.exec(
             "SELECT user_id || ' ' || (params->>'agent') || ' ' || (params->>'timezone') || ' ' "
             "|| event_id FROM mails WHERE kind = 'call_summary' ORDER BY id"))
      out.push_back(r[0].as<std::string>());
    return out;
  });
  EXPECT_EQ(queued, (std::vector<std::string>{"s1 Empfang Süd America/New_York " + batch[1].id,
                                              "s3 — Europe/Berlin " + batch[3].id,
                                              "s1 Empfang Süd America/New_York " + batch[4].id}));
}

TEST_F(MailFlowTest, EachOwnerInTheirLanguage) {
  owner("de1", "de@praxis.test", "de");
  owner("en1", "en@praxis.test", "en", "Jane Doe");
  deliver(&MailQueue::on_credits_purchased, event("credits.purchased", purchase("de1")));
  deliver(&MailQueue::on_credits_purchased, event("credits.purchased", purchase("en1")));
  drain();
  auto de = received("Zahlungsbestätigung");
  auto en = received("Payment confirmation");
  ASSERT_EQ(de.size(), 1u);
  ASSERT_EQ(en.size(), 1u);
  EXPECT_EQ(json::get_string(de[0], "to"), "Jürgen Müller <de@praxis.test>");
  EXPECT_EQ(json::get_string(en[0], "subject"), "Payment confirmation: starter (€25.00)");
  EXPECT_NE(json::get_string(en[0], "text").find("Hello Jane Doe,"), std::string::npos);
  EXPECT_EQ(received("Welcome to Kametrix").size(), 1u);
}

TEST_F(MailFlowTest, AMailForAnOwnerNotKnownYetWaitsForTheOwner) {
  deliver(&MailQueue::on_credits_exhausted,
          event("credits.exhausted",
                R"({"user_id": "late", "balance_cents": -500, "grace_limit_cents": 500})"));
  drain();
  EXPECT_EQ(count("SELECT count(*) FROM mails WHERE state = 'pending' AND raw IS NULL"), 1);
  EXPECT_TRUE(server_.messages().empty());
  owner("late", "spaet@praxis.test");
  drain();
  EXPECT_EQ(count("SELECT count(*) FROM mails WHERE state = 'sent'"), 2);
  auto paused = received("pausiert");
  ASSERT_EQ(paused.size(), 1u);
  EXPECT_NE(json::get_string(paused[0], "text")
                .find("Fehlbetrag von 5,00 € erreicht (aktueller "
                      "Stand: -5,00 €)"),
            std::string::npos);

  // A deleted owner's mails and address are gone, and a late event brings nothing back.
  deliver(&MailQueue::on_user_deleted,
          event("user.deleted", R"({"user_id": "late", "deleted_at": "2026-03-05T10:00:00Z"})"));
  EXPECT_EQ(count("SELECT count(*) FROM mails WHERE user_id = 'late'"), 0);
  deliver(&MailQueue::on_credits_restored,
          event("credits.restored", R"({"user_id": "late", "balance_cents": 100})"));
  EXPECT_EQ(count("SELECT count(*) FROM mails"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM mail_owners WHERE email IS NOT NULL"), 0);
}

TEST_F(MailFlowTest, GraceEnteredOnlyWhenADeductionCrossesZero) {
  owner("u1", "inhaber@praxis.test");
  auto deducted = [&](int cents, int balance) {
    deliver(&MailQueue::on_credits_deducted,
            event("credits.deducted", R"({"user_id": "u1", "transaction_id": "t", "call_id": "c",
                "billed_minutes": 1, "cents": )" +
                                          std::to_string(cents) + R"(, "balance_cents": )" +
                                          std::to_string(balance) + "}"));
  };
  deducted(10, 50);
  deducted(100, -50);
  deducted(10, -60);
  EXPECT_EQ(count("SELECT count(*) FROM mails WHERE kind = 'grace_entered'"), 1);
}

TEST_F(MailFlowTest, SecretLinksComeOverTheInternalEndpointAndAreDroppedOnceSent) {
  auto body = R"({"kind": "password_reset", "user_id": "u9", "email": "neu@praxis.test",
      "language": "de", "link": ")" +
              kOrigin + R"(/reset?token=geheim123", "expires_at": "2026-03-03T15:30:00Z"})";
  auto first = call(*api_, &MailApi::send, "POST", "", body);
  ASSERT_EQ(first.status, 202) << first.body;
  auto again = call(*api_, &MailApi::send, "POST", "", body);
  EXPECT_EQ(json::get_string(json::parse(first.body), "id"),
            json::get_string(json::parse(again.body), "id"));
  drain();
  auto resets = received("Passwort");
  ASSERT_EQ(resets.size(), 1u);
  EXPECT_EQ(json::get_string(resets[0], "to"), "neu@praxis.test");
  auto text = json::get_string(resets[0], "text");
  EXPECT_NE(text.find(kOrigin + "/reset?token=geheim123"), std::string::npos);
  EXPECT_NE(text.find("gültig bis Dienstag, 3. März 2026, 16:30 Uhr"), std::string::npos) << text;
  EXPECT_EQ(count("SELECT count(*) FROM mails WHERE state = 'sent' AND raw IS NULL AND params "
                  "IS NULL AND subject IS NOT NULL"),
            1);

  auto elsewhere = call(*api_, &MailApi::send, "POST", "",
                        R"({"kind": "welcome", "user_id": "u9", "email": "not an address",
                            "language": "fr", "link": "https://evil.example/x",
                            "expires_at": "morgen"})");
  EXPECT_EQ(elsewhere.status, 422);
  for (const char* field : {"kind", "email", "language", "link", "expires_at"})
    EXPECT_NE(elsewhere.body.find(std::string("\"") + field + "\""), std::string::npos) << field;
}

TEST(MailSmtp, AuthIsUsedWhenAUserIsSetAndRefusedCredentialsAreTemporary) {
  testing::SmtpServer server("mailer:s3cret");
  SmtpSettings settings{.host = "127.0.0.1",
                        .port = server.port(),
                        .tls = SmtpTls::none,
                        .user = "mailer",
                        .password = "s3cret",
                        .timeout = 3'000ms};
  auto message = "Subject: AUTH\r\n\r\nHallo\r\n.\r\n..zwei Punkte\r\n";
  auto ok = SmtpSender(settings).send("no-reply@kametrix.test", "inhaber@praxis.test", message);
  EXPECT_TRUE(ok.sent()) << ok.error;
  ASSERT_EQ(server.messages().size(), 1u);
  // libcurl dot-stuffs: a line of one dot does not end the message early.
  EXPECT_NE(server.messages()[0].find("Hallo\r\n.\r\n..zwei Punkte"), std::string::npos);

  // aiosmtpd holds back its answer to wrong credentials; 535 or the timeout, the attempt is
  // temporary (our configuration, not the message) and nothing is delivered.
  settings.password = "wrong";
  auto refused =
      SmtpSender(settings).send("no-reply@kametrix.test", "inhaber@praxis.test", message);
  EXPECT_EQ(refused.outcome, SmtpResult::Outcome::temporary) << refused.error;
  EXPECT_FALSE(refused.error.empty());
  settings.user.clear();
  auto anonymous =
      SmtpSender(settings).send("no-reply@kametrix.test", "inhaber@praxis.test", message);
  EXPECT_FALSE(anonymous.sent());
  EXPECT_EQ(anonymous.outcome, SmtpResult::Outcome::permanent) << anonymous.error;
  EXPECT_EQ(server.messages().size(), 1u);
}

TEST(MailSmtp, NoServerAndATimeoutAreTemporary) {
  testing::SmtpServer server;
  int port = server.port();
  server.stop();
  SmtpSettings settings{
      .host = "127.0.0.1", .port = port, .tls = SmtpTls::none, .timeout = 1'000ms};
  auto down = SmtpSender(settings).send("a@kametrix.test", "b@praxis.test", "Subject: x\r\n\r\nx");
  EXPECT_EQ(down.outcome, SmtpResult::Outcome::temporary);
  EXPECT_EQ(down.code, 0);
  EXPECT_FALSE(down.error.empty());
}

}  // namespace
}  // namespace kx::integrations
