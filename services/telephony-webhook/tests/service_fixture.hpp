#pragma once
// A telephony-webhook wired like main.cpp against a scratch schema of the test PostgreSQL
// (KX_TEST_PG_URI), with a fake integrations service (tool execution and Vapi's call control)
// on a local port. Requests go through http::dispatch with gateway-signed identities.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "calls_api.hpp"
#include "kx/http/server.hpp"
#include "kx/json/json.hpp"
#include "kx/pg/testing.hpp"
#include "kx/service/runtime.hpp"
#include "routing_events.hpp"
#include "vapi_samples.hpp"
#include "vapi_webhook.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

namespace kx::telephony::testing {

inline const std::string kInternalSecret = "test-internal-secret-0123456789abcdef";
inline const std::string kVapiSecret = "test-vapi-webhook-secret-42";

/// Stands in for integrations (POST /internal/tools/execute) and for Vapi's live call control.
class FakeIntegrations {
 public:
  enum class Mode { answer, book, slow, fail, unknown_tool, no_endpoint };

  FakeIntegrations() {
    router_.add("POST", "/internal/tools/execute",
                [this](http::Request& req) { return execute(req); },
                {.max_body = 64 * 1024, .access = http::Access::service});
    router_.add("POST", "/control/{id}",
                [this](http::Request& req) {
                  std::lock_guard lock(mutex_);
                  controls_.push_back(req.body);
                  return http::Response::json(200, "{}");
                },
                {.max_body = 64 * 1024, .access = http::Access::open});
    http::ServerOptions o;
    o.service_name = "fake-integrations";
    o.worker_threads = 4;
    o.identity.emplace(kInternalSecret);
    server_ = std::make_unique<http::Server>(o, router_);
    port_ = server_->start();
  }
  ~FakeIntegrations() {
    release();
    server_->stop();
    server_->wait();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void set_mode(Mode m) { mode_ = m; }
  /// Lets every slow answer go now.
  void release() {
    std::lock_guard lock(mutex_);
    release_ = true;
    released_.notify_all();
  }
  int calls() const { return calls_; }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mutex_);
    return bodies_;
  }
  std::vector<http::Identity> callers() {
    std::lock_guard lock(mutex_);
    return callers_;
  }
  std::vector<std::string> controls() {
    std::lock_guard lock(mutex_);
    return controls_;
  }

 private:
  http::Response execute(http::Request& req) {
    ++calls_;
    {
      std::lock_guard lock(mutex_);
      bodies_.push_back(req.body);
      callers_.push_back(req.identity);
    }
    switch (mode_.load()) {
      case Mode::slow: {
        // Answers after 3 s, or when the test lets it go (release()).
        std::unique_lock lock(mutex_);
        released_.wait_for(lock, std::chrono::seconds(3), [this] { return release_; });
        return http::Response::json(200, R"({"result":"zu spät"})");
      }
      case Mode::fail:
        return http::Response::json(500, R"({"error":{"code":"internal_error"}})");
      case Mode::unknown_tool:
        return http::Response::json(404, R"({"error":{"code":"unknown_tool"}})");
      case Mode::no_endpoint:
        return http::Response::json(404, R"({"error":{"code":"not_found"}})");
      case Mode::book:
        return http::Response::json(
            200, R"({"result":"Ihr Termin am Montag, 5. Januar, um 10:30 Uhr ist eingetragen.",)"
                 R"("appointment":{"action":"booked","booking_id":"b-1"}})");
      case Mode::answer:
        break;
    }
    return http::Response::json(
        200, R"({"result":"Am Montag, 5. Januar, ist um 9:00 Uhr\nund um 10:30 Uhr frei."})");
  }

  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::uint16_t port_ = 0;
  std::atomic<Mode> mode_{Mode::answer};
  std::atomic<int> calls_{0};
  std::mutex mutex_;
  std::vector<std::string> bodies_;
  std::vector<http::Identity> callers_;
  std::vector<std::string> controls_;
  std::condition_variable released_;
  bool release_ = false;
};

struct AgentSeed {
  std::string agent_id = "agent-1";
  std::string user_id = "owner-1";
  std::string assistant_id = "asst-1";
  std::string status = "active";
  std::string language = "de";
  std::string timezone = "Europe/Berlin";
  std::string vapi_phone_number_id = "pn-1";
  std::string phone_number = "+493012345678";
  /// The escalation object of agent.created.
  std::string escalation =
      R"({"enabled":true,"forwarding_number":"+493012345600","fallback_number":null,)"
      R"("after_hours_number":null,"business_hours":{"days":["mon","tue","wed","thu","fri","sat","sun"],)"
      R"("start":"00:00","end":"00:00"},"voicemail":true,"max_clarifications":3})";
  std::string time = "2026-01-01T00:00:00.000Z";
};

class ServiceTest : public ::testing::Test {
 protected:
  explicit ServiceTest(std::chrono::milliseconds tool_budget = std::chrono::milliseconds(1'500)) {
    pool_ = std::make_unique<pg::Pool>(schema_.pool_options(12));
    auto migrations = events::migrations();
    for (auto& m : service::to_migrations(kx_service_migration_files()))
      migrations.push_back(m);
    pg::migrate(*pool_, migrations);
    outbox_ = std::make_unique<events::Outbox>(events::Schemas::embedded(), "telephony-webhook");
    recorder_ = std::make_unique<CallRecorder>(*pool_, *outbox_);
    pending_ = std::make_unique<PendingMessages>(*recorder_);
    routing_ = std::make_unique<RoutingEvents>(*pending_);
    signer_.emplace(kInternalSecret);
    tools_ = std::make_unique<IntegrationsTools>(std::vector<std::string>{fake_.url()}, *signer_);
    control_ = std::make_unique<CallControl>(fake_.url());
    WebhookSettings settings;
    settings.secret = kVapiSecret;
    settings.tool_budget = tool_budget;
    webhook_ = std::make_unique<VapiWebhook>(*pool_, *outbox_, settings, *tools_, *control_);
    webhook_->add_routes(router_);
    api_ = std::make_unique<CallsApi>(*pool_, *outbox_);
    api_->add_routes(router_);
    server_options_.identity.emplace(kInternalSecret);
  }

  /// A request as the gateway forwards it.
  http::Response call(const std::string& method, const std::string& target,
                      const std::string& body = {}, const http::Identity& who = {},
                      const http::Headers& extra = {}) {
    http::Request req;
    req.method = method;
    req.target = target;
    auto q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos)
      req.query = target.substr(q + 1);
    req.body = body;
    req.request_id = "req-" + std::to_string(++request_counter_);
    req.headers = extra;
    server_options_.identity->sign(req.headers, who, method, target, req.request_id);
    return http::dispatch(router_, server_options_, req);
  }

  /// A Vapi server message, signed with X-Vapi-Signature over the raw body.
  http::Response vapi(const std::string& body) {
    http::Headers h;
    h.set("X-Vapi-Signature", VapiSignature::sign(kVapiSecret, body));
    return call("POST", "/webhooks/vapi", body, {}, h);
  }

  /// Polls `done` until it holds (true) or 20 s passed (false): tests wait on what happened,
  /// never on time.
  static bool eventually(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline)
        return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  static events::Event event(const std::string& type, const std::string& data,
                             const std::string& time) {
    events::Schemas::embedded().validate(type + ".v1", data);  // the test data is the contract
    static std::atomic<int> n{0};
    events::Event e;
    e.id = "evt-" + std::to_string(++n);
    e.type = type;
    e.version = "v1";
    e.time = time;
    e.data = data;
    return e;
  }

  void apply(const events::Event& e, events::TxHandler handler) {
    pg::transact(*pool_, [&](pqxx::work& tx) { handler(e, tx); });
  }
  /// A routing event, handled as the consumer would (inside one transaction).
  void apply(const events::Event& e,
             void (RoutingEvents::*handler)(const events::Event&, pqxx::work&)) {
    pg::transact(*pool_, [&](pqxx::work& tx) { ((*routing_).*handler)(e, tx); });
  }

  void seed(const AgentSeed& a, const std::string& type = "agent.created") {
    std::string number = a.phone_number.empty() ? "null" : "\"" + a.phone_number + "\"";
    std::string number_id =
        a.vapi_phone_number_id.empty() ? "null" : "\"" + a.vapi_phone_number_id + "\"";
    auto data = R"({"agent_id":")" + a.agent_id + R"(","user_id":")" + a.user_id +
                R"(","name":"Empfang )" + a.agent_id + R"(","status":")" + a.status +
                R"(","language":")" + a.language + R"(","timezone":")" + a.timezone +
                R"(","vapi_assistant_id":")" + a.assistant_id + R"(","phone_number":)" + number +
                R"(,"vapi_phone_number_id":)" + number_id + R"(,"escalation":)" + a.escalation +
                "}";
    apply(event(type, data, a.time), &RoutingEvents::on_agent_changed);
  }

  std::int64_t count(const std::string& sql) {
    return pg::transact(*pool_,
                        [&](pqxx::work& tx) { return tx.exec1(sql)[0].as<std::int64_t>(); });
  }
  std::string text(const std::string& sql) {
    return pg::transact(*pool_, [&](pqxx::work& tx) {
      auto f = tx.exec1(sql)[0];
      return f.is_null() ? std::string("<null>") : f.as<std::string>();
    });
  }
  json::Document outbox_data(const std::string& topic, int index = 0) {
    return json::parse(text("SELECT data FROM outbox WHERE topic = '" + topic +
                            "' ORDER BY seq OFFSET " + std::to_string(index) + " LIMIT 1"));
  }
  static std::string code_of(const http::Response& res) {
    auto doc = json::parse(res.body);
    return doc["error"]["code"].GetString();
  }

  pg::testing::ScratchSchema schema_{"tel"};
  std::unique_ptr<pg::Pool> pool_;
  std::unique_ptr<events::Outbox> outbox_;
  FakeIntegrations fake_;
  std::optional<http::IdentitySigner> signer_;
  std::unique_ptr<IntegrationsTools> tools_;
  std::unique_ptr<CallControl> control_;
  std::unique_ptr<CallRecorder> recorder_;
  std::unique_ptr<PendingMessages> pending_;
  std::unique_ptr<RoutingEvents> routing_;
  std::unique_ptr<VapiWebhook> webhook_;
  std::unique_ptr<CallsApi> api_;
  http::Router router_;
  http::ServerOptions server_options_;
  std::atomic<int> request_counter_{0};
};

}  // namespace kx::telephony::testing
