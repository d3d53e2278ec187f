// POST /webhooks/vapi against a real PostgreSQL schema and a fake integrations service.
#include <future>
#include <random>

#include "call_maintenance.hpp"
#include "service_fixture.hpp"

namespace kx::telephony::testing {
namespace {

using samples::end_of_call_report;
using samples::status_update;

class WebhookTest : public ServiceTest {
 protected:
  void SetUp() override { seed(AgentSeed{}); }
  std::int64_t calls() { return count("SELECT count(*) FROM calls"); }
  /// Another owner's agent: agent-<name>, owner-<name>, asst-<name> on number pn-<name>.
  static AgentSeed agent_named(const std::string& name, const std::string& time) {
    AgentSeed a;
    a.agent_id = "agent-" + name;
    a.user_id = "owner-" + name;
    a.assistant_id = "asst-" + name;
    a.vapi_phone_number_id = "pn-" + name;
    a.time = time;
    return a;
  }
  std::int64_t events(const std::string& topic) {
    return count("SELECT count(*) FROM outbox WHERE topic = '" + topic + "'");
  }
};

TEST_F(WebhookTest, ReportCreatesOneCallAndOneCompletedEvent) {
  ASSERT_EQ(vapi(status_update("c-1", "asst-1", "ringing")).status, 200);
  ASSERT_EQ(vapi(status_update("c-1", "asst-1", "in-progress")).status, 200);
  EXPECT_EQ(text("SELECT status FROM calls"), "in_progress");
  EXPECT_EQ(events("call.started"), 1);
  EXPECT_EQ(events("call.completed"), 0);
  auto res = vapi(end_of_call_report("c-1", "asst-1"));
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.body, "{}");
  EXPECT_EQ(calls(), 1);
  EXPECT_EQ(events("call.started"), 1);
  ASSERT_EQ(events("call.completed"), 1);

  auto e = outbox_data("call.completed");
  auto call_id = text("SELECT id FROM calls");
  EXPECT_EQ(std::string(e["call_id"].GetString()), call_id);
  EXPECT_STREQ(e["vapi_call_id"].GetString(), "c-1");
  EXPECT_STREQ(e["agent_id"].GetString(), "agent-1");
  EXPECT_STREQ(e["user_id"].GetString(), "owner-1");
  EXPECT_STREQ(e["status"].GetString(), "completed");
  EXPECT_STREQ(e["ended_reason"].GetString(), "assistant-ended-call");
  EXPECT_STREQ(e["started_at"].GetString(), "2026-01-01T08:00:02.000Z");
  EXPECT_STREQ(e["ended_at"].GetString(), "2026-01-01T08:04:47.500Z");
  EXPECT_EQ(e["duration_seconds"].GetInt64(), 286);
  EXPECT_STREQ(e["caller_number"].GetString(), "+4915112345678");
  EXPECT_STREQ(e["summary"].GetString(),
               "Anrufer wollte einen Termin; 10:30 am 5.1. wurde gebucht.");
  EXPECT_FALSE(e["appointment_booked"].GetBool());
  EXPECT_FALSE(e["transferred"].GetBool());
  EXPECT_FALSE(e["test"].GetBool());
  EXPECT_EQ(text("SELECT event_key FROM outbox WHERE topic = 'call.completed'"), "owner-1");
  EXPECT_EQ(text("SELECT ce_subject FROM outbox WHERE topic = 'call.completed'"), call_id);

  // What the call record holds.
  EXPECT_EQ(text("SELECT jsonb_array_length(messages) FROM calls"), "4");
  EXPECT_EQ(text("SELECT messages->1->>'text' FROM calls"), "Ich brauche einen Termin.");
  EXPECT_EQ(text("SELECT analysis->'structured_data'->>'intent' FROM calls"), "appointment");
  EXPECT_EQ(text("SELECT analysis->>'success_evaluation' FROM calls"), "true");
  EXPECT_EQ(text("SELECT recording_url FROM calls"), "https://storage.example/rec/mono.wav");
  EXPECT_EQ(count("SELECT provider_cost_usd_micros FROM calls"), 187'500);
}

TEST_F(WebhookTest, RepeatedReportsGiveOneCallAndOneEvent) {
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(vapi(end_of_call_report("c-2", "asst-1")).status, 200);
  EXPECT_EQ(calls(), 1);
  EXPECT_EQ(events("call.completed"), 1);
  EXPECT_EQ(events("call.started"), 1);
}

TEST_F(WebhookTest, ConcurrentReportsGiveOneCallAndOneEvent) {
  for (int round = 0; round < 8; ++round) {
    std::string id = "c-concurrent-" + std::to_string(round);
    // Most rounds meet an existing row (as after a status update), the others a new call.
    if (round > 0) {
      ASSERT_EQ(vapi(status_update(id, "asst-1", "in-progress")).status, 200);
    }
    std::promise<void> go;
    auto ready = go.get_future().share();
    std::vector<std::future<int>> results;
    for (int i = 0; i < 3; ++i) {
      results.push_back(std::async(std::launch::async, [&, ready] {
        ready.wait();
        return vapi(end_of_call_report(id, "asst-1")).status;
      }));
    }
    go.set_value();
    for (auto& r : results)
      EXPECT_EQ(r.get(), 200);
  }
  EXPECT_EQ(calls(), 8);
  EXPECT_EQ(events("call.completed"), 8);
  EXPECT_EQ(events("call.started"), 8);
  EXPECT_EQ(count("SELECT count(DISTINCT ce_subject) FROM outbox WHERE topic = 'call.completed'"),
            8);
}

TEST_F(WebhookTest, ReportBeforeAnyStatusUpdate) {
  ASSERT_EQ(vapi(end_of_call_report("c-3", "asst-1", "customer-ended-call")).status, 200);
  EXPECT_EQ(events("call.started"), 1);
  EXPECT_EQ(events("call.completed"), 1);
  // call.started comes before call.completed in the outbox (same owner key, same order).
  EXPECT_EQ(text("SELECT topic FROM outbox ORDER BY seq LIMIT 1"), "call.started");
  // Late status updates change nothing.
  ASSERT_EQ(vapi(status_update("c-3", "asst-1", "in-progress")).status, 200);
  ASSERT_EQ(vapi(status_update("c-3", "asst-1", "ended", "customer-ended-call")).status, 200);
  EXPECT_EQ(text("SELECT status FROM calls"), "completed");
  EXPECT_EQ(events("call.started"), 1);
  EXPECT_EQ(events("call.completed"), 1);

  // A report-first call is stored in one statement; its row holds what a call created by a
  // status update and then completed by the same report holds.
  ASSERT_EQ(vapi(status_update("c-4", "asst-1", "ringing")).status, 200);
  ASSERT_EQ(vapi(end_of_call_report("c-4", "asst-1", "customer-ended-call")).status, 200);
  auto row = [&](const std::string& vapi_call_id) {
    return text(
        "SELECT concat_ws('|', agent_id, user_id, call_type, test, caller_number, status, "
        "ended_reason, started_at, ended_at, duration_seconds, messages, summary, analysis, "
        "recording_url, stereo_recording_url, provider_cost_usd_micros, appointment_booked, "
        "transferred, started_published, completed_published, report_received_at IS NOT NULL, "
        "forwarding_outcome, completed_at IS NOT NULL, content_purged_at) FROM calls WHERE "
        "vapi_call_id = '" +
        vapi_call_id + "'");
  };
  EXPECT_EQ(row("c-3"), row("c-4"));
  EXPECT_NE(row("c-3").find("|completed|customer-ended-call|"), std::string::npos) << row("c-3");
  // The id stored with the call is the id of its call.completed event, for a re-publish.
  EXPECT_EQ(text("SELECT completed_event_id::text FROM calls WHERE vapi_call_id = 'c-3'"),
            text("SELECT o.event_id::text FROM outbox o JOIN calls c ON c.id = o.ce_subject "
                 "WHERE c.vapi_call_id = 'c-3' AND o.topic = 'call.completed'"));
}

TEST_F(WebhookTest, StatusUpdatesOutOfOrderNeverGoBack) {
  ASSERT_EQ(vapi(status_update("c-4", "asst-1", "in-progress")).status, 200);
  ASSERT_EQ(vapi(status_update("c-4", "asst-1", "ringing")).status, 200);
  EXPECT_EQ(text("SELECT status FROM calls"), "in_progress");
  ASSERT_EQ(vapi(status_update("c-4", "asst-1", "ended", "customer-busy")).status, 200);
  EXPECT_EQ(text("SELECT status FROM calls"), "busy");
  EXPECT_EQ(text("SELECT ended_reason FROM calls"), "customer-busy");
  EXPECT_EQ(events("call.completed"), 0);  // only the report (or the overdue sweep) completes
  ASSERT_EQ(vapi(end_of_call_report("c-4", "asst-1", "customer-busy")).status, 200);
  EXPECT_STREQ(outbox_data("call.completed")["status"].GetString(), "busy");
}

TEST_F(WebhookTest, ForgedMissingOrUnconfiguredSecretIsRefused) {
  auto body = end_of_call_report("c-5", "asst-1");
  auto forged = [&](const std::string& name, const std::string& value) {
    http::Headers h;
    h.set(name, value);
    return call("POST", "/webhooks/vapi", body, {}, h);
  };
  for (const auto& res :
       {call("POST", "/webhooks/vapi", body),
        forged("X-Vapi-Signature", VapiSignature::sign("another-secret-value", body)),
        forged("X-Vapi-Signature", VapiSignature::sign(kVapiSecret, body + " ")),
        forged("Authorization", "Bearer not-the-secret"), forged("X-Vapi-Secret", "nope")}) {
    EXPECT_EQ(res.status, 401);
    EXPECT_EQ(code_of(res), "invalid_signature");
  }
  // The right secret in the other accepted forms works.
  EXPECT_EQ(forged("Authorization", "Bearer " + kVapiSecret).status, 200);
  EXPECT_EQ(forged("X-Vapi-Secret", kVapiSecret).status, 200);
  EXPECT_EQ(calls(), 1);
  pg::transact(*pool_, [](pqxx::work& tx) {
    tx.exec("DELETE FROM outbox");
    tx.exec("DELETE FROM calls");
  });

  // Without a configured secret nothing is accepted.
  WebhookSettings none;
  VapiWebhook open_door(*pool_, *outbox_, none, *tools_, *control_);
  http::Router r;
  open_door.add_routes(r);
  http::Request req;
  req.method = "POST";
  req.target = req.path = "/webhooks/vapi";
  req.body = body;
  req.request_id = "r-none";
  req.headers.set("X-Vapi-Signature", VapiSignature::sign("", body));
  server_options_.identity->sign(req.headers, {}, "POST", "/webhooks/vapi", "r-none");
  EXPECT_EQ(http::dispatch(r, server_options_, req).status, 401);
  EXPECT_EQ(calls(), 0);
  EXPECT_EQ(count("SELECT count(*) FROM outbox"), 0);
}

TEST_F(WebhookTest, UnknownTypesAndMalformedBodies) {
  auto hang = vapi(R"({"message":{"type":"hang","call":{"id":"c-6"}}})");
  EXPECT_EQ(hang.status, 200);
  EXPECT_EQ(hang.body, "{}");
  EXPECT_EQ(vapi(R"({"message":{"type":"transcript[transcriptType=\"final\"]"}})").status, 200);
  EXPECT_EQ(vapi("{not json").status, 400);
  EXPECT_EQ(code_of(vapi("{not json")), "invalid_json");
  EXPECT_EQ(code_of(vapi(R"({"message":{"type":"hang"},"message":{"type":"x"}})")), "invalid_json");
  EXPECT_EQ(code_of(vapi(R"({"foo":1})")), "invalid_message");
  EXPECT_EQ(code_of(vapi(R"({"message":{"type":"end-of-call-report"}})")), "invalid_message");
  // A report for an assistant nobody knows (yet) is acknowledged and kept, not stored as a call.
  EXPECT_EQ(vapi(end_of_call_report("c-7", "asst-unknown")).status, 200);
  EXPECT_EQ(calls(), 0);
  EXPECT_EQ(count("SELECT count(*) FROM outbox"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM pending_messages"), 1);
}

TEST_F(WebhookTest, AReportBeforeItsAgentsEventsIsKeptAndChargedWhenTheAgentArrives) {
  // A new agent's first call: Vapi reports before agent.created reached us.
  ASSERT_EQ(vapi(status_update("c-new-1", "asst-new", "in-progress")).status, 200);
  ASSERT_EQ(vapi(end_of_call_report("c-new-1", "asst-new")).status, 200);
  ASSERT_EQ(vapi(end_of_call_report("c-new-1", "asst-new")).status, 200);  // Vapi retries
  EXPECT_EQ(calls(), 0);
  EXPECT_EQ(events("call.completed"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM pending_messages"), 2);

  AgentSeed fresh = agent_named("new", "2026-01-02T00:00:00.000Z");
  fresh.phone_number = "+493099999999";
  seed(fresh);
  EXPECT_EQ(count("SELECT count(*) FROM pending_messages"), 0);
  ASSERT_EQ(calls(), 1);
  EXPECT_EQ(text("SELECT user_id FROM calls"), "owner-new");
  EXPECT_EQ(text("SELECT status FROM calls"), "completed");
  EXPECT_EQ(events("call.started"), 1);
  ASSERT_EQ(events("call.completed"), 1);
  auto e = outbox_data("call.completed");
  EXPECT_STREQ(e["user_id"].GetString(), "owner-new");
  EXPECT_STREQ(e["agent_id"].GetString(), "agent-new");
  EXPECT_EQ(e["duration_seconds"].GetInt64(), 286);
  // The same report once more changes nothing.
  ASSERT_EQ(vapi(end_of_call_report("c-new-1", "asst-new")).status, 200);
  EXPECT_EQ(events("call.completed"), 1);
}

TEST_F(WebhookTest, TheAssistantANamedReportDecidesNotTheNumbersNewHolder) {
  // The number moved to another owner's agent; a report of the old assistant still arrives, but
  // the old assistant's agent is not known here (its events are late).
  AgentSeed other = agent_named("other", "2026-01-02T00:00:00.000Z");
  other.vapi_phone_number_id = "pn000000-0000-4000-8000-000000000003";  // the samples' number
  seed(other);
  ASSERT_EQ(vapi(end_of_call_report("c-moved", "asst-late")).status, 200);
  EXPECT_EQ(calls(), 0);  // never attributed to the number's new holder
  EXPECT_EQ(events("call.completed"), 0);

  seed(agent_named("late", "2026-01-03T00:00:00.000Z"));
  ASSERT_EQ(calls(), 1);
  EXPECT_EQ(text("SELECT user_id FROM calls"), "owner-late");
  EXPECT_EQ(outbox_data("call.completed")["user_id"].GetString(), std::string("owner-late"));
}

TEST_F(WebhookTest, AMessageNamingNoAssistantWaitsForItsNumber) {
  ASSERT_EQ(vapi(end_of_call_report("c-noasst", "")).status, 200);
  EXPECT_EQ(calls(), 0);
  apply(event("phone_number.assigned",
              R"({"phone_number_id":"p9","e164":"+493012345699",)"
              R"("vapi_phone_number_id":"pn000000-0000-4000-8000-000000000003",)"
              R"("agent_id":"agent-1","user_id":"owner-1"})",
              "2026-01-02T00:00:00.000Z"),
        &RoutingEvents::on_phone_number_assigned);
  ASSERT_EQ(calls(), 1);
  EXPECT_EQ(text("SELECT agent_id FROM calls"), "agent-1");
  EXPECT_EQ(events("call.completed"), 1);
}

TEST_F(WebhookTest, ReportsAndAgentEventsRacingNeverLoseAReport) {
  for (int round = 0; round < 12; ++round) {
    std::string n = std::to_string(round);
    AgentSeed racer = agent_named("race-" + n, "2026-01-02T00:00:00.000Z");
    racer.user_id = "owner-race";
    racer.phone_number = "+4930555000" + n;
    std::promise<void> go;
    auto start = go.get_future().share();
    auto report = std::async(std::launch::async, [&] {
      start.wait();
      return vapi(end_of_call_report("c-race-" + n, racer.assistant_id)).status;
    });
    auto agent = std::async(std::launch::async, [&] {
      start.wait();
      seed(racer);
    });
    go.set_value();
    EXPECT_EQ(report.get(), 200);
    agent.get();
    EXPECT_EQ(count("SELECT count(*) FROM calls WHERE vapi_call_id = 'c-race-" + n + "'"), 1)
        << "round " << round;
  }
  EXPECT_EQ(count("SELECT count(*) FROM pending_messages"), 0);
  EXPECT_EQ(events("call.completed"), 12);
}

TEST_F(WebhookTest, KeptMessagesAreAttributedByMaintenanceAndExpireAfterRetention) {
  ASSERT_EQ(vapi(end_of_call_report("c-kept", "asst-kept")).status, 200);
  // The agent arrives without the routing event seeing the kept report (as after a crash
  // between the two): the maintenance pass records it.
  pg::transact(*pool_, [&](pqxx::work& tx) {
    AgentCopy a;
    a.agent_id = "agent-kept";
    a.user_id = "owner-kept";
    a.name = "Empfang";
    a.status = "active";
    a.language = "de";
    a.timezone = "Europe/Berlin";
    a.vapi_assistant_id = "asst-kept";
    RoutingStore::upsert_agent(tx, a, "2026-01-02T00:00:00.000Z");
  });
  ASSERT_EQ(vapi(end_of_call_report("c-never", "asst-never")).status, 200);
  MaintenanceSettings settings;
  settings.retention_days = 30;
  CallMaintenance maintenance(*pool_, *recorder_, *pending_, settings);
  auto pass = maintenance.run_once(Clock::now());
  EXPECT_EQ(pass.attributed, 1u);
  EXPECT_EQ(count("SELECT count(*) FROM calls WHERE user_id = 'owner-kept'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM pending_messages"), 1);  // asst-never still waits
  maintenance.run_once(Clock::now() + std::chrono::days(31));
  EXPECT_EQ(count("SELECT count(*) FROM pending_messages"), 0);
}

TEST_F(WebhookTest, CallsThatNeverConnectedAreNeverChargedWhateverTheirDuration) {
  // Vapi measured 286 s of ringing for a caller who never reached the assistant.
  for (const char* reason :
       {"customer-busy", "customer-did-not-answer", "assistant-request-returned-error",
        "call.start.error-get-assistant", "twilio-failed-to-connect-call"}) {
    std::string id = std::string("c-nc-") + reason;
    ASSERT_EQ(vapi(end_of_call_report(id, "asst-1", reason)).status, 200);
    auto e =
        json::parse(text("SELECT data FROM outbox WHERE topic = 'call.completed' AND "
                         "data::jsonb->>'vapi_call_id' = '" +
                         id + "'"));
    EXPECT_EQ(e["duration_seconds"].GetInt64(), 0) << reason;
    EXPECT_EQ(count("SELECT duration_seconds FROM calls WHERE vapi_call_id = '" + id + "'"), 0)
        << reason;
  }
}

TEST_F(WebhookTest, AFailedForwardingIsAConnectedCallWithItsOutcome) {
  ASSERT_EQ(
      vapi(end_of_call_report("c-fwd-busy", "asst-1", "call.forwarding.operator-busy")).status,
      200);
  auto e = outbox_data("call.completed");
  EXPECT_STREQ(e["status"].GetString(), "escalated");
  EXPECT_STREQ(e["forwarding_outcome"].GetString(), "busy");
  EXPECT_EQ(e["duration_seconds"].GetInt64(), 286);  // the caller talked to the assistant
  EXPECT_EQ(text("SELECT forwarding_outcome FROM calls"), "busy");
  auto id = text("SELECT id FROM calls");
  auto detail = call("GET", "/api/calls/" + id, "", http::Identity{"owner-1", "user"});
  ASSERT_EQ(detail.status, 200) << detail.body;
  EXPECT_STREQ(json::parse(detail.body)["call"]["forwarding_outcome"].GetString(), "busy");
}

TEST_F(WebhookTest, WebCallsAreTestCalls) {
  ASSERT_EQ(vapi(end_of_call_report("c-8", "asst-1", "customer-ended-call", "webCall")).status,
            200);
  auto e = outbox_data("call.completed");
  EXPECT_TRUE(e["test"].GetBool());
  EXPECT_TRUE(e["caller_number"].IsNull());
  EXPECT_EQ(text("SELECT test FROM calls"), "t");
}

TEST_F(WebhookTest, AssistantRequestAnswersByAgentAndOwnerState) {
  auto ask = [&](const std::string& number_id, const std::string& e164) {
    auto res = vapi(samples::assistant_request(number_id, e164));
    EXPECT_EQ(res.status, 200);
    return json::parse(res.body);
  };
  auto active = ask("pn-1", "+493012345678");
  EXPECT_STREQ(active["assistantId"].GetString(), "asst-1");
  // The prompt's date and time are the call's, in the agent's zone, not those of the last save.
  const auto& vars = active["assistantOverrides"]["variableValues"];
  EXPECT_TRUE(vars.HasMember("kx_date"));
  EXPECT_TRUE(vars.HasMember("kx_time"));
  EXPECT_STREQ(vars["kx_timezone"].GetString(), "Europe/Berlin");
  EXPECT_EQ(std::string(vars["kx_date_iso"].GetString()).size(), 10u);
  // Found by the E.164 number when Vapi's number id is unknown.
  EXPECT_STREQ(ask("pn-other", "+493012345678")["assistantId"].GetString(), "asst-1");

  auto unknown = ask("pn-9", "+493099999999");
  ASSERT_TRUE(unknown.HasMember("assistant"));
  EXPECT_NE(std::string(unknown["assistant"]["firstMessage"].GetString()).find("nicht erreichbar"),
            std::string::npos);

  AgentSeed paused;
  paused.status = "paused";
  paused.time = "2026-01-02T00:00:00.000Z";
  seed(paused, "agent.updated");
  EXPECT_TRUE(ask("pn-1", "+493012345678").HasMember("assistant"));

  AgentSeed english;
  english.agent_id = "agent-en";
  english.user_id = "owner-2";
  english.assistant_id = "asst-en";
  english.language = "en";
  english.status = "inactive";
  english.vapi_phone_number_id = "pn-en";
  english.phone_number = "+442071234567";
  seed(english);
  auto en = ask("pn-en", "+442071234567");
  EXPECT_NE(std::string(en["assistant"]["firstMessage"].GetString()).find("not available"),
            std::string::npos);

  // A suspended owner's active agent does not answer either.
  AgentSeed back = AgentSeed{};
  back.time = "2026-01-03T00:00:00.000Z";
  seed(back, "agent.updated");
  EXPECT_TRUE(ask("pn-1", "+493012345678").HasMember("assistantId"));
  apply(
      event(
          "user.status_changed",
          R"({"user_id":"owner-1","status":"suspended","previous_status":"active","changed_by":"admin-1"})",
          "2026-01-04T00:00:00.000Z"),
      &RoutingEvents::on_user_status_changed);
  EXPECT_TRUE(ask("pn-1", "+493012345678").HasMember("assistant"));
  EXPECT_EQ(calls(), 0);  // assistant-request stores nothing
}

TEST_F(WebhookTest, ToolCallGoesToIntegrationsAndItsAnswerComesBack) {
  fake_.set_mode(FakeIntegrations::Mode::answer);
  auto res = vapi(samples::tool_calls("c-9", "asst-1", "call_Ab12", "check_availability",
                                      R"({"date":"2026-01-05"})"));
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = json::parse(res.body);
  ASSERT_EQ(doc["results"].Size(), 1u);
  EXPECT_STREQ(doc["results"][0]["toolCallId"].GetString(), "call_Ab12");
  EXPECT_STREQ(doc["results"][0]["name"].GetString(), "check_availability");
  // Newlines are removed: Vapi wants single-line results.
  EXPECT_STREQ(doc["results"][0]["result"].GetString(),
               "Am Montag, 5. Januar, ist um 9:00 Uhr und um 10:30 Uhr frei.");

  ASSERT_EQ(fake_.calls(), 1);
  auto sent = json::parse(fake_.bodies().at(0));
  EXPECT_STREQ(sent["tool"].GetString(), "check_availability");
  EXPECT_STREQ(sent["arguments"]["date"].GetString(), "2026-01-05");
  EXPECT_STREQ(sent["tool_call_id"].GetString(), "call_Ab12");
  EXPECT_STREQ(sent["vapi_call_id"].GetString(), "c-9");
  EXPECT_EQ(std::string(sent["call_id"].GetString()), text("SELECT id FROM calls"));
  EXPECT_STREQ(sent["agent_id"].GetString(), "agent-1");
  EXPECT_STREQ(sent["user_id"].GetString(), "owner-1");
  EXPECT_STREQ(sent["caller_number"].GetString(), "+4915112345678");
  EXPECT_STREQ(sent["timezone"].GetString(), "Europe/Berlin");
  EXPECT_STREQ(sent["language"].GetString(), "de");
  EXPECT_EQ(fake_.callers().at(0).role, "service:telephony-webhook");

  // Vapi retrying the same tool call gets the same answer without running the tool again.
  auto again = vapi(samples::tool_calls("c-9", "asst-1", "call_Ab12", "check_availability",
                                        R"({"date":"2026-01-05"})"));
  EXPECT_EQ(json::parse(again.body)["results"][0]["result"], doc["results"][0]["result"]);
  EXPECT_EQ(fake_.calls(), 1);
}

// The route and the call are read in one statement (Calls::route_and_lock_or_create) by the
// same rules as every other message: without an assistant, Vapi's number id, else the number.
TEST_F(WebhookTest, AToolCallNamingNoAssistantIsRoutedByItsNumberIdElseItsNumber) {
  fake_.set_mode(FakeIntegrations::Mode::answer);
  const std::string samples_number = "pn000000-0000-4000-8000-000000000003";  // not assigned
  auto by_id = samples::tool_calls("c-id", "", "t1", "check_availability", "{}");
  by_id.replace(by_id.find(samples_number), samples_number.size(), "pn-1");
  ASSERT_EQ(vapi(by_id).status, 200);
  EXPECT_EQ(fake_.calls(), 1);
  EXPECT_EQ(text("SELECT agent_id FROM calls WHERE vapi_call_id = 'c-id'"), "agent-1");

  auto by_e164 = samples::tool_calls("c-e164", "", "t2", "check_availability", "{}");
  by_e164.insert(by_e164.find('{', 1) + 1, R"("phoneNumber":{"number":"+493012345678"},)");
  ASSERT_EQ(vapi(by_e164).status, 200);
  EXPECT_EQ(fake_.calls(), 2);
  EXPECT_EQ(text("SELECT user_id FROM calls WHERE vapi_call_id = 'c-e164'"), "owner-1");

  // The assistant named decides even where the number would route: unknown, so refused.
  auto foreign = samples::tool_calls("c-foreign", "asst-unknown", "t3", "check_availability", "{}");
  foreign.insert(foreign.find('{', 1) + 1, R"("phoneNumber":{"number":"+493012345678"},)");
  ASSERT_EQ(vapi(foreign).status, 200);
  ASSERT_EQ(vapi(samples::tool_calls("c-none", "", "t4", "check_availability", "{}")).status, 200);
  EXPECT_EQ(fake_.calls(), 2);
  EXPECT_EQ(calls(), 2);
}

TEST_F(WebhookTest, AMessageWithAnAnsweredAndANewToolCallRunsOnlyTheNewOne) {
  fake_.set_mode(FakeIntegrations::Mode::answer);
  // An id with a quote, a comma and braces: the stored answers are looked up by a text[].
  const std::string odd_id = R"(call_\"1,{2})";
  ASSERT_EQ(vapi(samples::tool_calls("c-13", "asst-1", odd_id, "check_availability",
                                     R"({"date":"2026-01-05"})"))
                .status,
            200);
  ASSERT_EQ(fake_.calls(), 1);
  EXPECT_EQ(text("SELECT tool_call_id FROM tool_calls WHERE vapi_call_id = 'c-13'"),
            R"(call_"1,{2})");

  // Vapi sends both in one message: the first comes from the store, only the second runs.
  auto both = samples::tool_calls("c-13", "asst-1", odd_id, "check_availability",
                                  R"({"date":"2026-01-05"})");
  both.insert(both.rfind("]}}"),
              R"(,{"id":"call_new","type":"function","function":{"name":"check_availability",)"
              R"("arguments":{"date":"2026-01-06"}}})");
  auto res = vapi(both);
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = json::parse(res.body);
  ASSERT_EQ(doc["results"].Size(), 2u);
  EXPECT_STREQ(doc["results"][0]["toolCallId"].GetString(), R"(call_"1,{2})");
  EXPECT_STREQ(doc["results"][1]["toolCallId"].GetString(), "call_new");
  EXPECT_EQ(fake_.calls(), 2);
  EXPECT_STREQ(json::parse(fake_.bodies().at(1))["tool_call_id"].GetString(), "call_new");
  EXPECT_EQ(text("SELECT count(*) FROM tool_calls WHERE vapi_call_id = 'c-13'"), "2");
}

TEST_F(WebhookTest, BookingMarksTheCallAsAppointmentBooked) {
  fake_.set_mode(FakeIntegrations::Mode::book);
  ASSERT_EQ(
      vapi(samples::tool_calls("c-10", "asst-1", "t-book", "book_appointment",
                               R"({"date":"2026-01-05","time":"10:30","callerName":"Erika"})"))
          .status,
      200);
  ASSERT_EQ(vapi(end_of_call_report("c-10", "asst-1")).status, 200);
  EXPECT_TRUE(outbox_data("call.completed")["appointment_booked"].GetBool());
}

TEST_F(WebhookTest, SlowOrFailingIntegrationsStillGetTheCallerAGermanAnswerInTime) {
  fake_.set_mode(FakeIntegrations::Mode::slow);
  auto started = std::chrono::steady_clock::now();
  auto res = vapi(samples::tool_calls("c-11", "asst-1", "t-slow", "check_availability", "{}"));
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(res.status, 200);
  EXPECT_LT(took, std::chrono::milliseconds(2'500));  // budget 1.5 s, integrations needs 3 s
  std::string apology = json::parse(res.body)["results"][0]["result"].GetString();
  EXPECT_NE(apology.find("Es tut mir leid"), std::string::npos);
  EXPECT_EQ(text("SELECT outcome FROM tool_calls WHERE tool_call_id = 't-slow'"), "timeout");

  // The next attempt of the same tool call is tried again (a failure is not cached).
  fake_.set_mode(FakeIntegrations::Mode::fail);
  auto failed = vapi(samples::tool_calls("c-11", "asst-1", "t-slow", "check_availability", "{}"));
  EXPECT_EQ(json::parse(failed.body)["results"][0]["result"].GetString(), apology);
  EXPECT_EQ(text("SELECT outcome FROM tool_calls WHERE tool_call_id = 't-slow'"), "unavailable");

  fake_.set_mode(FakeIntegrations::Mode::unknown_tool);
  auto unknown = vapi(samples::tool_calls("c-11", "asst-1", "t-x", "fly_to_the_moon", "{}"));
  EXPECT_NE(std::string(json::parse(unknown.body)["results"][0]["result"].GetString())
                .find("nicht erledigen"),
            std::string::npos);
  // A 404 that is not unknown_tool is a missing endpoint: the apology, and tried again next time.
  fake_.set_mode(FakeIntegrations::Mode::no_endpoint);
  auto missing = vapi(samples::tool_calls("c-11", "asst-1", "t-y", "check_availability", "{}"));
  EXPECT_EQ(json::parse(missing.body)["results"][0]["result"].GetString(), apology);
  EXPECT_EQ(text("SELECT outcome FROM tool_calls WHERE tool_call_id = 't-y'"), "unavailable");

  // Integrations not running at all.
  IntegrationsTools down({"http://127.0.0.1:1"}, *signer_);
  WebhookSettings settings;
  settings.secret = kVapiSecret;
  VapiWebhook webhook(*pool_, *outbox_, settings, down, *control_);
  http::Router r;
  webhook.add_routes(r);
  auto body = samples::tool_calls("c-12", "asst-1", "t-down", "check_availability", "{}");
  http::Request req;
  req.method = "POST";
  req.target = req.path = "/webhooks/vapi";
  req.body = body;
  req.request_id = "r-down";
  req.headers.set("X-Vapi-Signature", VapiSignature::sign(kVapiSecret, body));
  server_options_.identity->sign(req.headers, {}, "POST", "/webhooks/vapi", "r-down");
  started = std::chrono::steady_clock::now();
  auto down_res = http::dispatch(r, server_options_, req);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1'500));
  EXPECT_EQ(json::parse(down_res.body)["results"][0]["result"].GetString(), apology);
}

TEST_F(WebhookTest, ToolCallsBeyondTheConcurrencyCapAreAnsweredAtOnce) {
  fake_.set_mode(FakeIntegrations::Mode::slow);
  WebhookSettings settings;
  settings.secret = kVapiSecret;
  settings.tool_budget = std::chrono::milliseconds(1'500);
  settings.max_concurrent_tools = 1;
  VapiWebhook capped(*pool_, *outbox_, settings, *tools_, *control_);
  http::Router r;
  capped.add_routes(r);
  auto send = [&](const std::string& tool_call_id) {
    auto body = samples::tool_calls("c-cap", "asst-1", tool_call_id, "check_availability", "{}");
    http::Request req;
    req.method = "POST";
    req.target = req.path = "/webhooks/vapi";
    req.body = body;
    req.request_id = "r-" + tool_call_id;
    req.headers.set("X-Vapi-Signature", VapiSignature::sign(kVapiSecret, body));
    server_options_.identity->sign(req.headers, {}, "POST", "/webhooks/vapi", req.request_id);
    auto started = std::chrono::steady_clock::now();
    auto res = http::dispatch(r, server_options_, req);
    return std::make_pair(res, std::chrono::steady_clock::now() - started);
  };
  ASSERT_EQ(vapi(status_update("c-cap", "asst-1", "in-progress")).status, 200);
  auto first = std::async(std::launch::async, [&] { return send("t-a"); });
  ASSERT_TRUE(eventually([&] { return fake_.calls() == 1; }));  // t-a waits on integrations
  auto [second, took] = send("t-b");
  fake_.release();
  EXPECT_LT(took, std::chrono::milliseconds(500));
  EXPECT_NE(std::string(json::parse(second.body)["results"][0]["result"].GetString())
                .find("Es tut mir leid"),
            std::string::npos);
  EXPECT_EQ(first.get().first.status, 200);
  EXPECT_EQ(fake_.calls(), 1);
  EXPECT_EQ(text("SELECT outcome FROM tool_calls WHERE tool_call_id = 't-b'"), "unavailable");
}

TEST_F(WebhookTest, ToolCallsOfAnUnknownAssistantAreAnsweredPolitely) {
  auto res = vapi(samples::tool_calls("c-13", "asst-unknown", "t1", "check_availability", "{}"));
  ASSERT_EQ(res.status, 200);
  EXPECT_NE(std::string(json::parse(res.body)["results"][0]["result"].GetString()).find("Anliegen"),
            std::string::npos);
  EXPECT_EQ(fake_.calls(), 0);
  EXPECT_EQ(calls(), 0);
}

TEST_F(WebhookTest, TransferDestinationRequestForwardsAndRecordsOnce) {
  auto body = samples::transfer_destination_request("c-14", "asst-1");
  auto res = vapi(body);
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = json::parse(res.body);
  EXPECT_STREQ(doc["destination"]["type"].GetString(), "number");
  EXPECT_STREQ(doc["destination"]["number"].GetString(), "+493012345600");
  EXPECT_NE(std::string(doc["destination"]["message"].GetString()).find("verbinde"),
            std::string::npos);
  ASSERT_EQ(vapi(body).status, 200);  // a repeat is no new escalation
  EXPECT_EQ(count("SELECT count(*) FROM escalations"), 1);
  ASSERT_EQ(events("call.escalated"), 1);
  auto e = outbox_data("call.escalated");
  EXPECT_STREQ(e["destination"].GetString(), "+493012345600");
  EXPECT_STREQ(e["reason"].GetString(), "transfer_requested");
  EXPECT_STREQ(e["kind"].GetString(), "forwarding");

  ASSERT_EQ(vapi(end_of_call_report("c-14", "asst-1", "assistant-forwarded-call")).status, 200);
  auto done = outbox_data("call.completed");
  EXPECT_STREQ(done["status"].GetString(), "transferred");
  EXPECT_TRUE(done["transferred"].GetBool());
  EXPECT_EQ(text("SELECT outcome FROM escalations"), "transferred");
}

TEST_F(WebhookTest, OutsideBusinessHoursWithoutANumberTheAgentTakesAMessage) {
  AgentSeed closed;
  closed.time = "2026-01-02T00:00:00.000Z";
  closed.escalation =
      R"({"enabled":true,"forwarding_number":"+493012345600","fallback_number":"+493012345699",)"
      R"("after_hours_number":null,"business_hours":{"days":[],"start":"09:00","end":"17:00"},)"
      R"("voicemail":true,"max_clarifications":3})";
  seed(closed, "agent.updated");
  auto res = vapi(samples::transfer_destination_request("c-15", "asst-1"));
  auto doc = json::parse(res.body);
  EXPECT_FALSE(doc.HasMember("destination"));
  EXPECT_NE(std::string(doc["error"].GetString()).find("Außerhalb der Geschäftszeiten"),
            std::string::npos);
  auto e = outbox_data("call.escalated");
  EXPECT_STREQ(e["destination"].GetString(), "voicemail");
  EXPECT_STREQ(e["kind"].GetString(), "message");
  ASSERT_EQ(vapi(end_of_call_report("c-15", "asst-1", "customer-ended-call")).status, 200);
  EXPECT_STREQ(outbox_data("call.completed")["status"].GetString(), "escalated");
  EXPECT_EQ(text("SELECT outcome FROM escalations"), "message");
}

TEST_F(WebhookTest, TransferToolUsesLiveCallControl) {
  auto control = fake_.url() + "/control/c-16";
  auto body = R"({"message":{"type":"tool-calls","call":{"id":"c-16","assistantId":"asst-1",)"
              R"("type":"inboundPhoneCall","monitor":{"controlUrl":")" +
              control +
              R"("},"customer":{"number":"+4915112345678"}},"toolCallList":[{"id":"t-h",)"
              R"("type":"function","function":{"name":"transfer_to_human",)"
              R"("arguments":{"reason":"Reklamation"}}}]}})";
  auto res = vapi(body);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_NE(
      std::string(json::parse(res.body)["results"][0]["result"].GetString()).find("verbunden"),
      std::string::npos);
  ASSERT_EQ(fake_.controls().size(), 1u);
  auto command = json::parse(fake_.controls()[0]);
  EXPECT_STREQ(command["type"].GetString(), "transfer");
  EXPECT_STREQ(command["destination"]["number"].GetString(), "+493012345600");
  EXPECT_STREQ(outbox_data("call.escalated")["reason"].GetString(), "Reklamation");
  EXPECT_EQ(fake_.calls(), 0);  // not a calendar tool

  // Without a usable control URL the caller is offered to leave a message instead.
  auto plain = samples::tool_calls("c-17", "asst-1", "t-h2", "transfer_to_human", "{}");
  auto offer = vapi(plain);
  EXPECT_NE(
      std::string(json::parse(offer.body)["results"][0]["result"].GetString()).find("Nachricht"),
      std::string::npos);
  EXPECT_STREQ(outbox_data("call.escalated", 1)["destination"].GetString(), "voicemail");
}

TEST_F(WebhookTest, OverdueCallsAreFinishedOnceAndALateReportAddsItsContent) {
  ASSERT_EQ(vapi(status_update("c-18", "asst-1", "in-progress")).status, 200);
  ASSERT_EQ(vapi(status_update("c-18", "asst-1", "ended", "customer-ended-call")).status, 200);
  CallRecorder recorder(*pool_, *outbox_);
  MaintenanceSettings settings;
  settings.retention_days = 3650;  // the samples are from 2026-01: keep their content
  CallMaintenance maintenance(*pool_, recorder, *pending_, settings);
  auto now = Clock::now();
  EXPECT_EQ(maintenance.run_once(now).finished, 1u);  // ended in 2026-01 per the samples
  EXPECT_EQ(maintenance.run_once(now).finished, 0u);
  ASSERT_EQ(events("call.completed"), 1);
  EXPECT_STREQ(outbox_data("call.completed")["status"].GetString(), "completed");
  EXPECT_TRUE(outbox_data("call.completed")["summary"].IsNull());
  ASSERT_EQ(vapi(end_of_call_report("c-18", "asst-1")).status, 200);
  EXPECT_EQ(events("call.completed"), 1);
  EXPECT_EQ(text("SELECT summary FROM calls"),
            "Anrufer wollte einen Termin; 10:30 am 5.1. wurde gebucht.");
  EXPECT_EQ(text("SELECT jsonb_array_length(messages) FROM calls"), "4");
}

TEST_F(WebhookTest, RetentionRemovesContentAndKeepsMetadata) {
  fake_.set_mode(FakeIntegrations::Mode::answer);
  ASSERT_EQ(vapi(samples::tool_calls("c-19", "asst-1", "t1", "check_availability", "{}")).status,
            200);
  ASSERT_EQ(vapi(end_of_call_report("c-19", "asst-1")).status, 200);
  CallRecorder recorder(*pool_, *outbox_);
  MaintenanceSettings settings;
  settings.retention_days = 30;
  CallMaintenance maintenance(*pool_, recorder, *pending_, settings);
  // The sample call came in on 2026-01-01: not yet 30 days later, 31 days later yes.
  auto jan1 = *parse_timestamp("2026-01-01T08:00:00Z");
  EXPECT_EQ(maintenance.run_once(jan1 + std::chrono::days(29)).purged, 0);
  EXPECT_EQ(maintenance.run_once(jan1 + std::chrono::days(31)).purged, 1);
  EXPECT_EQ(text("SELECT messages FROM calls"), "<null>");
  EXPECT_EQ(text("SELECT summary FROM calls"), "<null>");
  EXPECT_EQ(text("SELECT analysis FROM calls"), "<null>");
  EXPECT_EQ(text("SELECT recording_url FROM calls"), "<null>");
  EXPECT_EQ(count("SELECT count(*) FROM tool_calls"), 0);
  EXPECT_EQ(count("SELECT duration_seconds FROM calls"), 286);
  EXPECT_EQ(text("SELECT status FROM calls"), "completed");
  EXPECT_EQ(maintenance.run_once(jan1 + std::chrono::days(32)).purged, 0);
  // A repeated report cannot bring the content back.
  ASSERT_EQ(vapi(end_of_call_report("c-19", "asst-1")).status, 200);
  EXPECT_EQ(text("SELECT messages FROM calls"), "<null>");
}

// Broken and cut reports about the same calls, in any order: never a 5xx, never a call that is
// reported but not completed, never two completions.
TEST_F(WebhookTest, MangledReportsNeverLeaveAHalfWrittenCall) {
  std::mt19937 rng(99);
  for (int i = 0; i < 300; ++i) {
    std::string id = "c-fuzz-" + std::to_string(i % 7);
    std::string body = i % 3 == 0 ? status_update(id, "asst-1", i % 2 ? "in-progress" : "ended",
                                                  "customer-ended-call")
                                  : end_of_call_report(id, "asst-1");
    auto edits = rng() % 4;
    for (unsigned e = 0; e < edits && body.size() > 1; ++e) {
      auto pos = rng() % body.size();
      if (rng() % 2)
        body.erase(pos, 1 + rng() % 30);
      else
        body[pos] = "{}[]\",:0a\\"[rng() % 10];
    }
    auto res = vapi(body);
    ASSERT_LT(res.status, 500) << body << "\n" << res.body;
  }
  EXPECT_EQ(count("SELECT count(*) FROM calls WHERE report_received_at IS NOT NULL AND NOT "
                  "completed_published"),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM (SELECT ce_subject FROM outbox WHERE topic = "
                  "'call.completed' GROUP BY 1 HAVING count(*) > 1) x"),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM calls WHERE completed_published"),
            events("call.completed"));
}

TEST_F(WebhookTest, RoutingCopyFollowsTheEvents) {
  // An older update arriving late does not undo a newer one.
  AgentSeed newer;
  newer.status = "inactive";
  newer.time = "2026-02-01T00:00:00.000Z";
  seed(newer, "agent.updated");
  AgentSeed older;
  older.status = "active";
  older.time = "2026-01-15T00:00:00.000Z";
  seed(older, "agent.updated");
  EXPECT_EQ(text("SELECT status FROM agents WHERE agent_id = 'agent-1'"), "inactive");

  // pn-1's assignment to or release from an agent, as the agent service publishes it.
  auto number = [&](bool assigned, const std::string& agent, const std::string& time) {
    auto data = R"({"phone_number_id":"p1","e164":"+493012345678","vapi_phone_number_id":"pn-1",)"
                R"("agent_id":")" +
                agent + R"(","user_id":"owner-1"})";
    if (assigned)
      apply(event("phone_number.assigned", data, time), &RoutingEvents::on_phone_number_assigned);
    else
      apply(event("phone_number.released", data, time), &RoutingEvents::on_phone_number_released);
    return text("SELECT agent_id FROM phone_numbers WHERE vapi_phone_number_id = 'pn-1'");
  };
  // The number moves to another agent.
  EXPECT_EQ(number(true, "agent-2", "2026-02-02T00:00:00.000Z"), "agent-2");
  EXPECT_EQ(number(false, "agent-2", "2026-02-03T00:00:00.000Z"), "<null>");
  // The agent service moves a number in one transaction: the old agent's release and the new
  // agent's assignment carry the same time and come on two topics, here the assignment first.
  EXPECT_EQ(number(true, "agent-4", "2026-02-03T12:00:00.000Z"), "agent-4");
  EXPECT_EQ(number(false, "agent-2", "2026-02-03T12:00:00.000Z"), "agent-4");
  // An older assignment arriving late changes nothing; a later release of the new agent frees it.
  EXPECT_EQ(number(true, "agent-2", "2026-02-03T11:00:00.000Z"), "agent-4");
  EXPECT_EQ(number(false, "agent-4", "2026-02-03T13:00:00.000Z"), "<null>");

  // A deleted agent stays deleted, whatever arrives late.
  apply(event("agent.deleted",
              R"({"agent_id":"agent-1","user_id":"owner-1","vapi_assistant_id":"asst-1"})",
              "2026-02-04T00:00:00.000Z"),
        &RoutingEvents::on_agent_deleted);
  AgentSeed late;
  late.time = "2026-02-05T00:00:00.000Z";
  seed(late, "agent.updated");
  EXPECT_EQ(text("SELECT status FROM agents WHERE agent_id = 'agent-1'"), "deleted");
  auto answer = json::parse(vapi(samples::assistant_request("pn-x", "+490000")).body);
  EXPECT_TRUE(answer.HasMember("assistant"));

  // Deleting the owner erases their calls and refuses late events for them.
  ASSERT_EQ(vapi(end_of_call_report("c-20", "asst-1")).status, 200);
  EXPECT_EQ(calls(), 1);  // calls of a deleted agent still belong to the owner
  apply(event("user.deleted", R"({"user_id":"owner-1","deleted_at":"2026-02-06T00:00:00.000Z"})",
              "2026-02-06T00:00:00.000Z"),
        &RoutingEvents::on_user_deleted);
  EXPECT_EQ(calls(), 0);
  EXPECT_EQ(count("SELECT count(*) FROM agents WHERE user_id = 'owner-1'"), 0);
  AgentSeed revived;
  revived.agent_id = "agent-3";
  revived.time = "2026-02-07T00:00:00.000Z";
  seed(revived);
  EXPECT_EQ(count("SELECT count(*) FROM agents WHERE user_id = 'owner-1'"), 0);
}

}  // namespace
}  // namespace kx::telephony::testing
