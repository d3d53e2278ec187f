// billing's HTTP surface against a real PostgreSQL schema, through the same dispatch the server
// uses, with Stripe played by the provider sandbox's Stripe module running in this process.
#include <gtest/gtest.h>

#include <latch>
#include <thread>

#include "billing_fixture.hpp"
#include "catalog_admin_api.hpp"
#include "credits_admin_api.hpp"
#include "credits_api.hpp"
#include "kx/http/server.hpp"
#include "reports_api.hpp"
#include "sandbox.hpp"
#include "stripe_store.hpp"
#include "stripe_webhook.hpp"

namespace kx::billing::testing {
namespace {

const std::string kInternalSecret = "test-internal-secret-0123456789abcdef";
const std::string kWebhookSecret = "whsec_test_0123456789abcdef";
const http::Identity kAnna{"u1", "user"};
const http::Identity kAdmin{"admin-1", "admin"};

class BillingApiTest : public BillingFixture {
 protected:
  BillingApiTest() {
    http::Router stripe_routes;
    sandbox::add_stripe_routes(stripe_routes, {.public_url = "http://stripe-sandbox.test",
                                               .gateway_url = "http://127.0.0.1:9",
                                               .stripe_webhook_secret = kWebhookSecret});
    stripe_server_ = std::make_unique<http::Server>(
        http::ServerOptions{.service_name = "stripe-sandbox", .worker_threads = 2}, stripe_routes);
    stripe_base_ = "http://127.0.0.1:" + std::to_string(stripe_server_->start()) + "/stripe";
    stripe_ = std::make_shared<StripeClient>(StripeConfig{stripe_base_, "sk_test_billing_api"});
    checkout_ =
        std::make_unique<Checkout>(*pool_, *ledger_, stripe_, checkout_urls("https://kx.example"));
    credits_ = std::make_unique<CreditsApi>(*pool_, *checkout_);
    catalog_ = std::make_unique<CatalogAdminApi>(*pool_, *outbox_);
    credits_admin_ = std::make_unique<CreditsAdminApi>(*pool_, *ledger_, *outbox_);
    reports_ = std::make_unique<ReportsApi>(*pool_, *outbox_);
    webhook_ =
        std::make_unique<StripeWebhook>(*pool_, *ledger_, kWebhookSecret, [this] { return now_; });
    credits_->add_routes(router_);
    catalog_->add_routes(router_);
    credits_admin_->add_routes(router_);
    reports_->add_routes(router_);
    webhook_->add_routes(router_);
    options_.identity.emplace(kInternalSecret);
  }
  ~BillingApiTest() override {
    stripe_server_->stop();
    stripe_server_->wait();
  }

  http::Response call(const std::string& method, const std::string& target,
                      const std::string& body = {}, const http::Identity& who = kAnna,
                      const http::Headers& headers = {}) {
    return call_on(router_, method, target, body, who, headers);
  }
  http::Response call_on(const http::Router& router, const std::string& method,
                         const std::string& target, const std::string& body,
                         const http::Identity& who, const http::Headers& headers = {}) {
    return dispatch_as(router, options_, method, target, body, who, headers);
  }
  static json::Document body_of(const http::Response& res) { return json::parse(res.body); }
  static std::string code_of(const http::Response& res) {
    return json::parse(res.body)["error"]["code"].GetString();
  }

  // --- Stripe webhooks -----------------------------------------------------------------------
  std::string signature(const std::string& body, std::int64_t t,
                        const std::string& secret = kWebhookSecret) {
    return "t=" + std::to_string(t) +
           ",v1=" + crypto::hmac_sha256_hex(secret, std::to_string(t) + "." + body);
  }
  std::int64_t now_s() const {
    return std::chrono::duration_cast<std::chrono::seconds>(now_.time_since_epoch()).count();
  }
  http::Response post_event(const std::string& body, std::optional<std::string> header = {}) {
    http::Headers h;
    h.set("Content-Type", "application/json");
    h.set("Stripe-Signature", header.value_or(signature(body, now_s())));
    return call("POST", "/webhooks/stripe", body, {"", ""}, h);
  }
  static std::string event_json(const std::string& id, const std::string& type,
                                const std::string& object) {
    return R"({"id":")" + id + R"(","object":"event","type":")" + type +
           R"(","created":1767254460,"livemode":false,"data":{"object":)" + object + "}}";
  }
  static std::string session_object(const std::string& id, const std::string& payment_status,
                                    const std::string& metadata = "{}",
                                    const std::string& payment_intent = "pi_1") {
    return R"({"id":")" + id + R"(","object":"checkout.session","payment_status":")" +
           payment_status + R"(","status":"complete","amount_total":1000,"currency":"eur",)" +
           R"("payment_intent":")" + payment_intent +
           R"(","client_reference_id":"u1","metadata":)" + metadata + "}";
  }
  void record_session(const std::string& id, const std::string& user = "u1",
                      std::int64_t credits = 1000, std::int64_t amount = 1000) {
    pg::transact(*pool_, [&](pqxx::work& tx) {
      CheckoutRecord r;
      r.session_id = id;
      r.user_id = user;
      r.pack_id = "starter";
      r.credits = credits;
      r.amount_cents = amount;
      StripeStore::insert_session(tx, r);
    });
  }
  std::string outcome_of(const http::Response& res) {
    EXPECT_EQ(res.status, 200) << res.body;
    return body_of(res)["outcome"].GetString();
  }

  std::unique_ptr<http::Server> stripe_server_;
  std::string stripe_base_;
  std::shared_ptr<StripeClient> stripe_;
  std::unique_ptr<Checkout> checkout_;
  std::unique_ptr<CreditsApi> credits_;
  std::unique_ptr<CatalogAdminApi> catalog_;
  std::unique_ptr<CreditsAdminApi> credits_admin_;
  std::unique_ptr<ReportsApi> reports_;
  std::unique_ptr<StripeWebhook> webhook_;
  std::chrono::system_clock::time_point now_ =
      std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  http::Router router_;
  http::ServerOptions options_;
};

// --- The owner's endpoints ---------------------------------------------------------------------

TEST_F(BillingApiTest, BalanceShowsStateEstimateAndThresholds) {
  auto none = body_of(call("GET", "/api/credits"));
  EXPECT_FALSE(none["account_open"].GetBool());
  fund("u1", 600);
  auto res = call("GET", "/api/credits");
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = body_of(res);
  EXPECT_EQ(doc["balance_cents"].GetInt64(), 600);
  EXPECT_TRUE(doc["account_open"].GetBool());
  EXPECT_STREQ(doc["state"].GetString(), "ok");
  EXPECT_EQ(doc["estimated_minutes"].GetInt64(), 40);
  EXPECT_EQ(doc["price_per_minute_cents"].GetInt64(), 15);
  EXPECT_EQ(doc["low_balance_threshold_cents"].GetInt64(), 500);
  EXPECT_EQ(doc["grace_limit_cents"].GetInt64(), 300);
  deliver(call_completed("c1", "u1", 60 * 7));  // 105 -> 495
  EXPECT_STREQ(body_of(call("GET", "/api/credits"))["state"].GetString(), "low");
  deliver(call_completed("c2", "u1", 60 * 34));  // 510 -> -15
  doc = body_of(call("GET", "/api/credits"));
  EXPECT_STREQ(doc["state"].GetString(), "in_grace");
  EXPECT_EQ(doc["grace_used_cents"].GetInt64(), 15);
  EXPECT_EQ(doc["grace_remaining_cents"].GetInt64(), 285);
  deliver(call_completed("c3", "u1", 60 * 30));
  EXPECT_STREQ(body_of(call("GET", "/api/credits"))["state"].GetString(), "exhausted");
  EXPECT_EQ(call("GET", "/api/credits", {}, {"", ""}).status, 401);
}

TEST_F(BillingApiTest, PacksAreTheActiveOnesInOrder) {
  auto doc = body_of(call("GET", "/api/credits/packs"));
  const auto& items = doc["items"];
  ASSERT_EQ(items.Size(), 4u);
  EXPECT_STREQ(items[0]["id"].GetString(), "starter");
  EXPECT_EQ(items[0]["credits"].GetInt64(), 1000);
  EXPECT_EQ(items[0]["price_cents"].GetInt64(), 1000);
  EXPECT_EQ(items[0]["estimated_minutes"].GetInt64(), 66);
  EXPECT_STREQ(items[3]["id"].GetString(), "business");
  EXPECT_EQ(items[3]["credits"].GetInt64(), 10000);
  pg::transact(*pool_,
               [](pqxx::work& tx) { tx.exec("UPDATE packs SET active = false WHERE id = 'pro'"); });
  EXPECT_EQ(body_of(call("GET", "/api/credits/packs"))["items"].Size(), 3u);
  auto anonymous = call("GET", "/api/public/packs", {}, {"", ""});
  ASSERT_EQ(anonymous.status, 200);
  EXPECT_EQ(anonymous.body, call("GET", "/api/credits/packs").body);
}

TEST_F(BillingApiTest, TransactionsArePaginatedFilteredAndExported) {
  fund("u1", 1000);
  for (int i = 0; i < 5; ++i)
    deliver(call_completed("c" + std::to_string(i), "u1", 61));
  fund("u2", 50);  // someone else's entries never show
  auto page = body_of(call("GET", "/api/credits/transactions?limit=2&offset=1"));
  EXPECT_EQ(page["total"].GetInt64(), 6);
  ASSERT_EQ(page["items"].Size(), 2u);
  EXPECT_STREQ(page["items"][0]["type"].GetString(), "call_usage");
  EXPECT_EQ(page["items"][0]["amount_cents"].GetInt64(), -30);
  EXPECT_EQ(page["items"][0]["balance_after_cents"].GetInt64(), 880);
  auto adjustments =
      body_of(call("GET", "/api/credits/transactions?type=admin_adjustment,purchase"));
  EXPECT_EQ(adjustments["total"].GetInt64(), 1);
  EXPECT_EQ(call("GET", "/api/credits/transactions?type=gift").status, 422);
  EXPECT_EQ(call("GET", "/api/credits/transactions?limit=0").status, 422);

  auto csv = call("GET", "/api/credits/transactions.csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.headers.get("Content-Type").value_or(""), "text/csv; charset=utf-8");
  EXPECT_NE(std::string(csv.headers.get("Content-Disposition").value_or("")).find("attachment"),
            std::string::npos);
  EXPECT_NE(csv.body.find("Zeitpunkt (UTC);Art;Betrag (EUR)"), std::string::npos);
  // Amounts stay numbers (a negative one is not neutralised); text cells follow csv_cell.
  EXPECT_NE(csv.body.find(";Anruf;-0,30;8,50;"), std::string::npos) << csv.body;
  EXPECT_NE(csv.body.find(";Korrektur;10,00;10,00;"), std::string::npos) << csv.body;
  int lines = 0;
  for (char c : csv.body)
    lines += c == '\n';
  EXPECT_EQ(lines, 7);
}

// --- Checkout ------------------------------------------------------------------------------------

TEST_F(BillingApiTest, CheckoutCreatesASessionAndReusesTheCustomer) {
  deliver(registered("u1"));
  auto res = call("POST", "/api/checkout", R"({"pack_id":"popular"})");
  ASSERT_EQ(res.status, 201) << res.body;
  auto doc = body_of(res);
  std::string session_id = doc["checkout_session_id"].GetString();
  EXPECT_EQ(std::string(doc["url"].GetString()),
            "http://stripe-sandbox.test/stripe/checkout/" + session_id);
  EXPECT_EQ(call("POST", "/api/checkout", R"({"pack_id":"starter"})").status, 201);

  http::Client client;
  http::Headers auth;
  auth.set("Authorization", "Bearer sk_test_any");
  auto customers = json::parse(client.get(stripe_base_ + "/v1/customers", auth).body);
  ASSERT_EQ(customers["data"].Size(), 1u);
  const auto& customer = customers["data"][0];
  EXPECT_STREQ(customer["email"].GetString(), "u1@salon-beispiel.de");
  EXPECT_STREQ(customer["metadata"]["user_id"].GetString(), "u1");
  EXPECT_STREQ(customer["preferred_locales"][0].GetString(), "de");

  auto session =
      json::parse(client.get(stripe_base_ + "/v1/checkout/sessions/" + session_id, auth).body);
  EXPECT_STREQ(session["customer"].GetString(), customer["id"].GetString());
  EXPECT_STREQ(session["client_reference_id"].GetString(), "u1");
  EXPECT_STREQ(session["metadata"]["user_id"].GetString(), "u1");
  EXPECT_STREQ(session["metadata"]["pack_id"].GetString(), "popular");
  EXPECT_STREQ(session["metadata"]["credits"].GetString(), "2500");
  EXPECT_STREQ(session["locale"].GetString(), "de");
  EXPECT_STREQ(session["currency"].GetString(), "eur");
  EXPECT_EQ(session["amount_total"].GetInt64(), 2500);
  EXPECT_STREQ(session["success_url"].GetString(),
               "https://kx.example/?checkout=success&session_id={CHECKOUT_SESSION_ID}");
  EXPECT_STREQ(session["cancel_url"].GetString(), "https://kx.example/?checkout=cancelled");
  EXPECT_EQ(
      scalar("SELECT count(*) FROM checkout_sessions WHERE user_id = 'u1' AND status = 'open'"), 2);
  EXPECT_EQ(scalar("SELECT count(*) FROM accounts WHERE stripe_customer_id = '" +
                   std::string(customer["id"].GetString()) + "'"),
            1);
}

TEST_F(BillingApiTest, ADoubleClickWithOneKeyMakesOneSession) {
  deliver(registered("u1"));
  http::Headers key;
  key.set("Idempotency-Key", "click-42");
  auto a = body_of(call("POST", "/api/checkout", R"({"pack_id":"pro"})", kAnna, key));
  auto b = body_of(call("POST", "/api/checkout", R"({"pack_id":"pro"})", kAnna, key));
  EXPECT_STREQ(a["checkout_session_id"].GetString(), b["checkout_session_id"].GetString());
  EXPECT_EQ(scalar("SELECT count(*) FROM checkout_sessions"), 1);
  key.set("Idempotency-Key", "kein gültiger Schlüssel");
  EXPECT_EQ(call("POST", "/api/checkout", R"({"pack_id":"pro"})", kAnna, key).status, 400);
}

TEST_F(BillingApiTest, CheckoutPinsTheStripeApiVersion) {
  deliver(registered("u1"));
  auto started = checkout_->start("u1", "starter", "", "req-version");
  ASSERT_EQ(started.status, CheckoutStart::Status::started);
  // Stripe answers with the version it used: the pinned one, not the account's default.
  EXPECT_EQ(started.session.api_version, kStripeApiVersion);
  EXPECT_EQ(StripeConfig{}.api_version, kStripeApiVersion);
  // A configured version is sent instead; Stripe refuses one it does not know.
  Checkout configured(*pool_, *ledger_,
                      std::make_shared<StripeClient>(
                          StripeConfig{stripe_base_, "sk_test_billing_api", "2025-03-31.basil"}),
                      checkout_urls("https://kx.example"));
  EXPECT_EQ(configured.start("u1", "starter", "", "req-2").session.api_version, "2025-03-31.basil");
  Checkout invalid(
      *pool_, *ledger_,
      std::make_shared<StripeClient>(StripeConfig{stripe_base_, "sk_test_billing_api", "latest"}),
      checkout_urls("https://kx.example"));
  EXPECT_EQ(invalid.start("u1", "starter", "", "req-3").status,
            CheckoutStart::Status::provider_error);
}

TEST_F(BillingApiTest, CheckoutRightAfterSignUpOpensTheAccountAndBooksTheBonusOnce) {
  set_setting("signup_bonus_cents = 200");
  // user.registered has not been consumed yet: the first purchase still starts.
  auto res = call("POST", "/api/checkout", R"({"pack_id":"starter"})");
  ASSERT_EQ(res.status, 201) << res.body;
  EXPECT_EQ(balance("u1"), 200);
  // Without the profile there is no customer yet: Stripe Checkout creates one.
  http::Client client;
  http::Headers auth;
  auth.set("Authorization", "Bearer sk_test_any");
  auto session = json::parse(client
                                 .get(stripe_base_ + "/v1/checkout/sessions/" +
                                          body_of(res)["checkout_session_id"].GetString(),
                                      auth)
                                 .body);
  EXPECT_TRUE(session["customer"].IsNull());
  EXPECT_STREQ(session["customer_creation"].GetString(), "always");
  EXPECT_STREQ(session["locale"].GetString(), "auto");
  // The owner pays: Checkout created the customer, and billing keeps it for the next checkout.
  std::string session_id = body_of(res)["checkout_session_id"].GetString();
  http::ClientRequest pay;
  pay.method = "POST";
  pay.url = stripe_base_ + "/checkout/" + session_id + "/pay";
  client.send(pay);  // its webhook goes nowhere here; the test posts the event itself
  auto paid = client.get(stripe_base_ + "/v1/checkout/sessions/" + session_id, auth).body;
  std::string customer = json::parse(paid)["customer"].GetString();
  EXPECT_EQ(outcome_of(post_event(event_json("evt_paid", "checkout.session.completed", paid))),
            "credited");
  EXPECT_EQ(balance("u1"), 1200);
  // The consumer arrives later: the profile is filled in, the bonus is not booked again.
  deliver(registered("u1"));
  EXPECT_EQ(balance("u1"), 1200);
  auto next = body_of(call("POST", "/api/checkout", R"({"pack_id":"starter"})"));
  auto second = json::parse(
      client
          .get(stripe_base_ + "/v1/checkout/sessions/" + next["checkout_session_id"].GetString(),
               auth)
          .body);
  EXPECT_EQ(second["customer"].GetString(), customer);
  EXPECT_STREQ(second["locale"].GetString(), "de");
  EXPECT_EQ(scalar("SELECT count(*) FROM ledger_entries WHERE kind = 'bonus'"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM accounts WHERE email = 'u1@salon-beispiel.de'"), 1);

  // The checkout and the consumer at the same moment, many times: one bonus each.
  constexpr int kOwners = 20;
  for (int i = 0; i < kOwners; ++i) {
    http::Identity owner{"owner-" + std::to_string(i), "user"};
    std::latch start(2);
    std::thread consumer([&] {
      start.arrive_and_wait();
      deliver(registered(owner.user_id));
    });
    start.arrive_and_wait();
    EXPECT_EQ(call("POST", "/api/checkout", R"({"pack_id":"starter"})", owner).status, 201);
    consumer.join();
    EXPECT_EQ(balance(owner.user_id), 200);
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM ledger_entries WHERE kind = 'bonus'"), kOwners + 1);
}

TEST_F(BillingApiTest, CheckoutRefusesWhatItCannotSell) {
  deliver(registered("u1"));
  EXPECT_EQ(call("POST", "/api/checkout", R"({"pack_id":"gold"})").status, 404);
  pg::transact(*pool_,
               [](pqxx::work& tx) { tx.exec("UPDATE packs SET active = false WHERE id = 'pro'"); });
  EXPECT_EQ(call("POST", "/api/checkout", R"({"pack_id":"pro"})").status, 404);
  EXPECT_EQ(call("POST", "/api/checkout", R"({})").status, 422);
  EXPECT_EQ(call("POST", "/api/checkout", R"({"pack_id":"starter"})", {"", ""}).status, 401);

  // Stripe refuses (here: a key it does not accept): the owner gets a clean 502.
  http::Router other;
  Checkout refusing(*pool_, *ledger_,
                    std::make_shared<StripeClient>(StripeConfig{stripe_base_, "bad-key"}),
                    checkout_urls("https://kx.example"));
  CreditsApi refused(*pool_, refusing);
  refused.add_routes(other);
  auto res = call_on(other, "POST", "/api/checkout", R"({"pack_id":"starter"})", kAnna);
  EXPECT_EQ(res.status, 502);
  EXPECT_EQ(code_of(res), "payment_provider_error");
  // Without Stripe configured checkout is unavailable.
  http::Router none;
  Checkout unconfigured(*pool_, *ledger_, nullptr, checkout_urls("https://kx.example"));
  CreditsApi without(*pool_, unconfigured);
  without.add_routes(none);
  EXPECT_EQ(call_on(none, "POST", "/api/checkout", R"({"pack_id":"starter"})", kAnna).status, 503);
  EXPECT_EQ(scalar("SELECT count(*) FROM checkout_sessions"), 0);
}

// --- Stripe webhooks -------------------------------------------------------------------------

TEST_F(BillingApiTest, BadSignaturesAreRefusedBeforeAnythingIsBooked) {
  deliver(registered("u1"));
  record_session("cs_1");
  auto body = event_json("evt_1", "checkout.session.completed", session_object("cs_1", "paid"));
  auto bad = post_event(body, signature(body, now_s(), "whsec_wrong_secret_000"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(code_of(bad), "invalid_signature");
  EXPECT_EQ(post_event(body, signature(body, now_s() - 301)).status, 400);
  EXPECT_EQ(post_event(body, "").status, 400);
  EXPECT_EQ(post_event(body, signature(body + " ", now_s())).status, 400);
  EXPECT_EQ(post_event("{not json", signature("{not json", now_s())).status, 400);
  EXPECT_EQ(scalar("SELECT count(*) FROM stripe_events"), 0);
  EXPECT_EQ(balance("u1"), 0);
  // 299 seconds old is still fresh.
  EXPECT_EQ(outcome_of(post_event(body, signature(body, now_s() - 299))), "credited");
  // No secret configured: every event is refused (and Stripe retries later).
  http::Router other;
  StripeWebhook unconfigured(*pool_, *ledger_, "");
  unconfigured.add_routes(other);
  http::Headers h;
  h.set("Stripe-Signature", signature(body, now_s()));
  EXPECT_EQ(call_on(other, "POST", "/webhooks/stripe", body, {"", ""}, h).status, 503);
}

TEST_F(BillingApiTest, APaidSessionIsCreditedOnceHoweverOftenAndByWhicheverEvent) {
  deliver(registered("u1"));
  record_session("cs_1");
  auto completed =
      event_json("evt_1", "checkout.session.completed", session_object("cs_1", "paid"));
  EXPECT_EQ(outcome_of(post_event(completed)), "credited");
  EXPECT_EQ(outcome_of(post_event(completed)), "duplicate");
  EXPECT_EQ(outcome_of(post_event(completed)), "duplicate");
  EXPECT_EQ(outcome_of(post_event(
                event_json("evt_2", "checkout.session.completed", session_object("cs_1", "paid")))),
            "already_credited");
  EXPECT_EQ(outcome_of(post_event(event_json("evt_3", "checkout.session.async_payment_succeeded",
                                             session_object("cs_1", "paid")))),
            "already_credited");
  EXPECT_EQ(balance("u1"), 1000);
  EXPECT_EQ(scalar("SELECT count(*) FROM ledger_entries WHERE kind = 'purchase'"), 1);
  auto purchased = published("credits.purchased", "u1");
  ASSERT_EQ(purchased.size(), 1u);
  EXPECT_STREQ(purchased[0]["checkout_session_id"].GetString(), "cs_1");
  EXPECT_STREQ(purchased[0]["pack_id"].GetString(), "starter");
  EXPECT_STREQ(purchased[0]["currency"].GetString(), "EUR");
  EXPECT_EQ(purchased[0]["credits"].GetInt64(), 1000);
  EXPECT_EQ(purchased[0]["amount_cents"].GetInt64(), 1000);
  EXPECT_EQ(scalar("SELECT count(*) FROM checkout_sessions WHERE status = 'paid' AND "
                   "payment_intent = 'pi_1'"),
            1);
}

TEST_F(BillingApiTest, UnpaidSessionsWaitForTheAsynchronousOutcome) {
  deliver(registered("u1"));
  record_session("cs_1");
  record_session("cs_2");
  EXPECT_EQ(outcome_of(post_event(event_json("evt_1", "checkout.session.completed",
                                             session_object("cs_1", "unpaid", "{}", "pi_1")))),
            "awaiting_payment");
  EXPECT_EQ(balance("u1"), 0);
  EXPECT_EQ(outcome_of(post_event(event_json("evt_2", "checkout.session.async_payment_succeeded",
                                             session_object("cs_1", "paid", "{}", "pi_1")))),
            "credited");
  EXPECT_EQ(balance("u1"), 1000);
  EXPECT_EQ(outcome_of(post_event(event_json("evt_3", "checkout.session.completed",
                                             session_object("cs_2", "unpaid", "{}", "pi_2")))),
            "awaiting_payment");
  EXPECT_EQ(outcome_of(post_event(event_json("evt_4", "checkout.session.async_payment_failed",
                                             session_object("cs_2", "unpaid", "{}", "pi_2")))),
            "payment_failed");
  EXPECT_EQ(balance("u1"), 1000);
  EXPECT_EQ(scalar("SELECT count(*) FROM checkout_sessions WHERE status = 'failed'"), 1);
  EXPECT_EQ(outcome_of(post_event(event_json("evt_5", "customer.created", R"({"id":"cus_1"})"))),
            "ignored");
}

TEST_F(BillingApiTest, APurchaseRepaysTheGraceOverageAndRestoresTheAccount) {
  deliver(registered("u1"));
  deliver(call_completed("c1", "u1", 60 * 25));  // 375 cents: capped at -300
  EXPECT_EQ(balance("u1"), -300);
  EXPECT_EQ(published("credits.exhausted", "u1").size(), 1u);
  record_session("cs_1");
  EXPECT_EQ(outcome_of(post_event(
                event_json("evt_1", "checkout.session.completed", session_object("cs_1", "paid")))),
            "credited");
  EXPECT_EQ(balance("u1"), 700);
  auto restored = published("credits.restored", "u1");
  ASSERT_EQ(restored.size(), 1u);
  EXPECT_EQ(restored[0]["balance_cents"].GetInt64(), 700);
}

TEST_F(BillingApiTest, SessionsBillingDidNotCreateCreditNothingWhateverTheirMetadata) {
  deliver(registered("u1"));
  auto metadata = R"({"user_id":"u1","pack_id":"pro","credits":"5000"})";
  EXPECT_EQ(outcome_of(post_event(event_json("evt_1", "checkout.session.completed",
                                             session_object("cs_9", "paid", metadata)))),
            "unknown_session");
  EXPECT_EQ(outcome_of(post_event(event_json("evt_2", "checkout.session.completed",
                                             session_object("cs_8", "paid", "{}")))),
            "unknown_session");
  EXPECT_EQ(balance("u1"), 0);
  auto stats = body_of(call("GET", "/api/admin/billing/stats", {}, kAdmin));
  EXPECT_EQ(stats["accounts"]["unmatched_stripe_events"].GetInt64(), 2);
}

TEST_F(BillingApiTest, RefundsTakeTheRefundedCreditsBack) {
  deliver(registered("u1"));
  record_session("cs_1");
  post_event(event_json("evt_1", "checkout.session.completed", session_object("cs_1", "paid")));
  auto charge = [](std::int64_t refunded) {
    return R"({"id":"ch_1","object":"charge","amount":1000,"currency":"eur","payment_intent":"pi_1","amount_refunded":)" +
           std::to_string(refunded) + "}";
  };
  EXPECT_EQ(outcome_of(post_event(event_json("evt_2", "charge.refunded", charge(400)))),
            "refunded");
  EXPECT_EQ(balance("u1"), 600);
  // Stripe repeats the partial state under another id: nothing more.
  EXPECT_EQ(outcome_of(post_event(event_json("evt_3", "charge.refunded", charge(400)))),
            "no_change");
  deliver(call_completed("c1", "u1", 60 * 20));  // 300 -> 300
  EXPECT_EQ(outcome_of(post_event(event_json("evt_4", "charge.refunded", charge(1000)))),
            "refunded");
  EXPECT_EQ(balance("u1"), -300);  // refunded credits are taken back even below zero
  auto refunded = published("credits.refunded", "u1");
  ASSERT_EQ(refunded.size(), 2u);
  EXPECT_EQ(refunded[1]["cents"].GetInt64(), 600);
  EXPECT_STREQ(refunded[1]["charge_id"].GetString(), "ch_1");
  EXPECT_EQ(scalar("SELECT sum(amount_cents) FROM refunds"), 1000);
  EXPECT_EQ(
      outcome_of(post_event(event_json(
          "evt_5", "charge.refunded",
          R"({"id":"ch_2","amount":500,"amount_refunded":500,"payment_intent":"pi_unknown"})"))),
      "held");  // kept: its purchase may still arrive
  EXPECT_EQ(balance("u1"), ledger_sum("u1"));
}

TEST_F(BillingApiTest, DisputesAreRecordedForTheAdmins) {
  deliver(registered("u1"));
  record_session("cs_1");
  post_event(event_json("evt_1", "checkout.session.completed", session_object("cs_1", "paid")));
  auto dispute =
      R"({"id":"dp_1","object":"dispute","charge":"ch_1","payment_intent":"pi_1","amount":1000,"currency":"eur","reason":"fraudulent","status":"needs_response"})";
  EXPECT_EQ(outcome_of(post_event(event_json("evt_2", "charge.dispute.created", dispute))),
            "dispute_recorded");
  EXPECT_EQ(outcome_of(post_event(event_json("evt_3", "charge.dispute.created", dispute))),
            "duplicate_dispute");
  EXPECT_EQ(balance("u1"), 1000);
  auto list = body_of(call("GET", "/api/admin/billing/disputes", {}, kAdmin));
  ASSERT_EQ(list["items"].Size(), 1u);
  EXPECT_STREQ(list["items"][0]["user_id"].GetString(), "u1");
  EXPECT_STREQ(list["items"][0]["reason"].GetString(), "fraudulent");
  EXPECT_EQ(call("POST", "/api/admin/billing/disputes/dp_1/review", {}, kAdmin).status, 200);
  EXPECT_EQ(call("POST", "/api/admin/billing/disputes/dp_1/review", {}, kAdmin).status, 404);
  EXPECT_EQ(body_of(call("GET", "/api/admin/billing/disputes", {}, kAdmin))["items"].Size(), 0u);
  EXPECT_EQ(published("admin.action", "admin-1").size(), 1u);
}

// --- Admin ---------------------------------------------------------------------------------------

TEST_F(BillingApiTest, AdminsChangeTheSettingsAndEveryChangeIsAudited) {
  auto before = body_of(call("GET", "/api/admin/billing/settings", {}, kAdmin));
  EXPECT_EQ(before["price_per_minute_cents"].GetInt64(), 15);
  EXPECT_STREQ(before["rounding"].GetString(), "per_started_minute");
  EXPECT_EQ(before["signup_bonus_cents"].GetInt64(), 0);
  EXPECT_FALSE(before["charge_test_calls"].GetBool());
  http::Headers h;
  h.set("User-Agent", "Testbrowser/1.0");
  h.set("X-Forwarded-For", "203.0.113.7");
  auto res = call("PUT", "/api/admin/billing/settings",
                  R"({"price_per_minute_cents":20,"grace_limit_cents":500})", kAdmin, h);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(body_of(res)["price_per_minute_cents"].GetInt64(), 20);
  EXPECT_EQ(body_of(res)["low_balance_threshold_cents"].GetInt64(), 500);
  EXPECT_STREQ(body_of(res)["updated_by"].GetString(), "admin-1");
  auto audit = published("admin.action", "admin-1");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_STREQ(audit[0]["action"].GetString(), "billing.settings.update");
  EXPECT_EQ(audit[0]["before"]["price_per_minute_cents"].GetInt64(), 15);
  EXPECT_EQ(audit[0]["after"]["price_per_minute_cents"].GetInt64(), 20);
  EXPECT_STREQ(audit[0]["ip"].GetString(), "203.0.113.7");
  EXPECT_STREQ(audit[0]["user_agent"].GetString(), "Testbrowser/1.0");

  for (const char* body : {R"({"price_per_minute_cents":0})", R"({"rounding":"per_hour"})",
                           R"({"grace_limit_cents":-1})", R"({"colour":"blue"})", R"({})",
                           R"({"charge_test_calls":"yes"})"}) {
    EXPECT_EQ(call("PUT", "/api/admin/billing/settings", body, kAdmin).status, 422) << body;
  }
  EXPECT_EQ(published("admin.action", "admin-1").size(), 1u);
  EXPECT_EQ(call("GET", "/api/admin/billing/settings", {}, kAnna).status, 403);
  EXPECT_EQ(
      call("PUT", "/api/admin/billing/settings", R"({"price_per_minute_cents":1})", kAnna).status,
      403);
  // The new price applies to the next call.
  fund("u1", 1000);
  deliver(call_completed("c1", "u1", 95));
  EXPECT_EQ(balance("u1"), 960);
}

TEST_F(BillingApiTest, AdminsManagePacks) {
  auto created =
      call("POST", "/api/admin/billing/packs",
           R"({"id":"mini","name":"Mini","credits":500,"price_cents":500,"sort_order":5})", kAdmin);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(call("POST", "/api/admin/billing/packs",
                 R"({"id":"mini","name":"Mini","credits":500,"price_cents":500})", kAdmin)
                .status,
            409);
  EXPECT_EQ(call("POST", "/api/admin/billing/packs", R"({"name":"X","credits":0,"price_cents":5})",
                 kAdmin)
                .status,
            422);
  EXPECT_EQ(call("POST", "/api/admin/billing/packs",
                 R"({"id":"Gross Paket","name":"X","credits":5,"price_cents":5})", kAdmin)
                .status,
            422);
  EXPECT_STREQ(body_of(call("GET", "/api/credits/packs"))["items"][0]["id"].GetString(), "mini");
  auto updated = call("PATCH", "/api/admin/billing/packs/mini",
                      R"({"active":false,"price_cents":450})", kAdmin);
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(body_of(updated)["price_cents"].GetInt64(), 450);
  EXPECT_EQ(body_of(updated)["credits"].GetInt64(), 500);
  EXPECT_EQ(body_of(call("GET", "/api/credits/packs"))["items"].Size(), 4u);
  EXPECT_EQ(body_of(call("GET", "/api/admin/billing/packs", {}, kAdmin))["items"].Size(), 5u);
  EXPECT_EQ(call("PATCH", "/api/admin/billing/packs/none", R"({"active":false})", kAdmin).status,
            404);
  auto audit = published("admin.action", "admin-1");
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_STREQ(audit[1]["action"].GetString(), "billing.pack.update");
  EXPECT_TRUE(audit[1]["before"]["active"].GetBool());
  EXPECT_FALSE(audit[1]["after"]["active"].GetBool());
}

TEST_F(BillingApiTest, AdjustmentsAreAuditedAndIdempotent) {
  deliver(registered("u1"));
  auto body = R"({"user_id":"u1","cents":-100,"reason":"Test","request_key":"adj-1"})";
  auto refused = call("POST", "/api/admin/credits/adjust", body, kAdmin);
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(code_of(refused), "insufficient_balance");
  auto ok = call(
      "POST", "/api/admin/credits/adjust",
      R"({"user_id":"u1","cents":2500,"reason":"Gutschrift nach Störung","request_key":"adj-2"})",
      kAdmin);
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(body_of(ok)["balance_cents"].GetInt64(), 2500);
  EXPECT_FALSE(body_of(ok)["replayed"].GetBool());
  EXPECT_STREQ(body_of(ok)["transaction"]["type"].GetString(), "admin_adjustment");
  auto replay = call(
      "POST", "/api/admin/credits/adjust",
      R"({"user_id":"u1","cents":2500,"reason":"Gutschrift nach Störung","request_key":"adj-2"})",
      kAdmin);
  EXPECT_EQ(replay.status, 200);
  EXPECT_TRUE(body_of(replay)["replayed"].GetBool());
  auto conflict = call("POST", "/api/admin/credits/adjust",
                       R"({"user_id":"u1","cents":99,"reason":"x","request_key":"adj-2"})", kAdmin);
  EXPECT_EQ(conflict.status, 409);
  EXPECT_EQ(code_of(conflict), "idempotency_conflict");
  http::Headers key;
  key.set("Idempotency-Key", "adj-3");
  EXPECT_EQ(call("POST", "/api/admin/credits/adjust", R"({"user_id":"u1","cents":1,"reason":"x"})",
                 kAdmin, key)
                .status,
            201);
  EXPECT_EQ(call("POST", "/api/admin/credits/adjust", R"({"user_id":"u1","cents":1,"reason":"x"})",
                 kAdmin)
                .status,
            422);  // no request key at all
  EXPECT_EQ(call("POST", "/api/admin/credits/adjust",
                 R"({"user_id":"nobody","cents":1,"reason":"x","request_key":"adj-4"})", kAdmin)
                .status,
            404);
  EXPECT_EQ(call("POST", "/api/admin/credits/adjust",
                 R"({"user_id":"u1","cents":0,"reason":"x","request_key":"adj-5"})", kAdmin)
                .status,
            422);
  EXPECT_EQ(call("POST", "/api/admin/credits/adjust",
                 R"({"user_id":"u1","cents":5,"reason":"x","request_key":"adj-6"})", kAnna)
                .status,
            403);
  EXPECT_EQ(balance("u1"), 2501);
  auto audit = published("admin.action", "u1");
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_STREQ(audit[0]["action"].GetString(), "credits.adjust");
  EXPECT_STREQ(audit[0]["target_id"].GetString(), "u1");
  EXPECT_EQ(audit[0]["before"]["balance_cents"].GetInt64(), 0);
  EXPECT_EQ(audit[0]["after"]["balance_cents"].GetInt64(), 2500);
  auto account = body_of(call("GET", "/api/admin/credits/accounts/u1", {}, kAdmin));
  EXPECT_EQ(account["balance_cents"].GetInt64(), 2501);
  EXPECT_EQ(account["entries"].GetInt64(), 2);
  EXPECT_EQ(body_of(call("GET", "/api/admin/credits/accounts/u1/transactions", {}, kAdmin))["total"]
                .GetInt64(),
            2);
  EXPECT_EQ(call("GET", "/api/admin/credits/accounts/nobody", {}, kAdmin).status, 404);
}

TEST_F(BillingApiTest, StatisticsAndReconciliation) {
  deliver(registered("u1"));
  record_session("cs_1");
  post_event(event_json("evt_1", "checkout.session.completed", session_object("cs_1", "paid")));
  deliver(call_completed("c1", "u1", 95));
  deliver(call_completed("c2", "u1", 60));
  auto stats = call("GET", "/api/admin/billing/stats", {}, kAdmin);
  ASSERT_EQ(stats.status, 200) << stats.body;
  auto doc = body_of(stats);
  EXPECT_EQ(doc["days"].Size(), 30u);
  EXPECT_EQ(doc["totals"]["credits_sold"].GetInt64(), 1000);
  EXPECT_EQ(doc["totals"]["credits_used"].GetInt64(), 45);
  EXPECT_EQ(doc["totals"]["revenue_cents"].GetInt64(), 1000);
  EXPECT_EQ(doc["totals"]["purchases"].GetInt64(), 1);
  EXPECT_EQ(doc["totals"]["charged_calls"].GetInt64(), 2);
  const auto& today = doc["days"][29];
  EXPECT_EQ(today["credits_sold"].GetInt64(), 1000);
  EXPECT_EQ(doc["accounts"]["total_balance_cents"].GetInt64(), 955);
  EXPECT_EQ(
      call("GET", "/api/admin/billing/stats?from=2026-01-01&to=2025-01-01", {}, kAdmin).status,
      422);
  EXPECT_EQ(call("GET", "/api/admin/billing/stats?from=2026-02-30", {}, kAdmin).status, 422);
  EXPECT_EQ(
      call("GET", "/api/admin/billing/stats?from=2024-01-01&to=2026-01-01", {}, kAdmin).status,
      422);
  auto window =
      body_of(call("GET", "/api/admin/billing/stats?from=2026-01-01&to=2026-01-03", {}, kAdmin));
  EXPECT_EQ(window["days"].Size(), 3u);
  EXPECT_STREQ(window["days"][0]["date"].GetString(), "2026-01-01");

  auto rec = body_of(call("GET", "/api/admin/billing/reconciliation", {}, kAdmin));
  EXPECT_TRUE(rec["ok"].GetBool());
  EXPECT_EQ(rec["accounts_checked"].GetInt64(), 1);
  EXPECT_EQ(rec["entries_checked"].GetInt64(), 3);
  pg::transact(*pool_, [](pqxx::work& tx) { tx.exec("UPDATE accounts SET balance_cents = 0"); });
  rec = body_of(call("GET", "/api/admin/billing/reconciliation", {}, kAdmin));
  EXPECT_FALSE(rec["ok"].GetBool());
  EXPECT_STREQ(rec["drift"][0]["user_id"].GetString(), "u1");
  EXPECT_EQ(rec["drift"][0]["ledger_sum_cents"].GetInt64(), 955);
  EXPECT_EQ(call("GET", "/api/admin/billing/reconciliation", {}, kAnna).status, 403);
}

}  // namespace
}  // namespace kx::billing::testing
