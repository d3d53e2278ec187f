// The calendar tools, the token handling and the Sheets call log against a real PostgreSQL
// schema and the provider sandbox's Google running in this process: what callers hear, what the
// calendar and the spreadsheet hold afterwards, and that Google failing, two calls booking one
// slot, a token refresh raced by many tool calls and a deleted spreadsheet never lead to a
// double booking, a lost row or a second row.
#include <gtest/gtest.h>

#include <barrier>
#include <thread>

#include "call_log.hpp"
#include "dashboard_api.hpp"
#include "kx/http/error.hpp"
#include "kx/http/server.hpp"
#include "kx/json/json.hpp"
#include "kx/pg/testing.hpp"
#include "kx/service/runtime.hpp"
#include "sandbox.hpp"
#include "tools.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

namespace kx::integrations {
namespace {

using namespace std::chrono_literals;
using time::Clock;

const std::string kClient = "flow-test.apps.googleusercontent.com";
const std::string kSecret = "flow-test-client-secret";
const std::string kRedirect = "http://127.0.0.1:8080/api/integrations/google/callback";
const std::string kEveryDay = [] {
  std::string days;
  for (const char* d : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"})
    days += std::string(days.empty() ? "" : ", ") + "\"" + d +
            R"(": [{"start": "09:00", "end": "18:00"}])";
  return "{" + days + "}";
}();
// Wednesday, 14 January 2026, 10:00 in Berlin.
const Clock::time_point kNow = *parse_rfc3339("2026-01-14T10:00:00+01:00");

std::string enc(const std::string& s) {
  return http::percent_encode(s);
}

class GoogleFlowTest : public ::testing::Test {
 protected:
  GoogleFlowTest() {
    auto migrations = events::migrations();
    for (auto& m : service::to_migrations(kx_service_migration_files()))
      migrations.push_back(m);
    pg::migrate(pool_, migrations);
    keys_.add("test", std::string(32, 'k'));

    sandbox::SandboxSettings settings{.google_client_id = kClient, .google_client_secret = kSecret};
    control_.add_routes(providers_);
    sandbox::add_google_routes(providers_, settings, control_, store_);
    sandbox_ = std::make_unique<http::Server>(
        http::ServerOptions{.service_name = "sandbox", .worker_threads = 8}, providers_);
    base_ = "http://127.0.0.1:" + std::to_string(sandbox_->start()) + "/google";
    GoogleEndpoints e;
    e.token_url = base_ + "/token";
    e.revoke_url = base_ + "/revoke";
    e.userinfo_url = base_ + "/oauth2/v3/userinfo";
    e.calendar_base = base_ + "/calendar/v3";
    e.sheets_base = base_ + "/v4";
    e.drive_base = base_ + "/drive/v3";
    e.client_id = kClient;
    e.client_secret = kSecret;
    e.redirect_uri = kRedirect;
    google_ = std::make_unique<GoogleClient>(e);
    accounts_ = std::make_unique<GoogleAccounts>(pool_, *google_, keys_, outbox_);
    tools_ = std::make_unique<Tools>(pool_, *accounts_, *google_, outbox_,
                                     ToolSettings{.budget = 3'000ms, .google_timeout = 1'000ms});
    call_log_ = std::make_unique<CallLog>(pool_, *accounts_, *google_,
                                          CallLogSettings{.google_timeout = 1'000ms});
  }
  ~GoogleFlowTest() override {
    control_.clear();
    sandbox_->stop();
    sandbox_->wait();
  }

  http::Response sandbox(const std::string& method, const std::string& path,
                         const std::string& body = {}, const std::string& type = {}) {
    http::ClientRequest req{.method = method, .url = base_ + path, .body = body};
    if (!type.empty())
      req.headers.set("Content-Type", type);
    return client_.send(req);
  }

  /// The owner consents in the sandbox as `email`; the tokens are stored as the callback would.
  void connect(const std::string& user, const std::string& email) {
    std::string verifier = "flow-test-verifier-0123456789-0123456789-abcdef";
    auto form = "client_id=" + enc(kClient) + "&redirect_uri=" + enc(kRedirect) +
                "&scope=" + enc(kGoogleScopes) + "&state=s&access_type=offline&response_type=code" +
                "&code_challenge=" + crypto::base64url_encode(crypto::sha256(verifier)) +
                "&code_challenge_method=S256&email=" + enc(email) + "&decision=allow";
    for (const char* s : {"calendar.events", "calendar.freebusy", "drive.file"})
      form += "&granted=" + enc(std::string("https://www.googleapis.com/auth/") + s);
    auto res =
        sandbox("POST", "/o/oauth2/v2/auth/decision", form, "application/x-www-form-urlencoded");
    ASSERT_EQ(res.status, 302) << res.body;
    auto location = std::string(res.headers.get("Location").value_or(""));
    auto code_at = location.find("code=") + 5;
    auto code =
        http::percent_decode(location.substr(code_at, location.find('&', code_at) - code_at));
    auto grant = google_->exchange_code(code, verifier, 2s);
    ASSERT_TRUE(has_required_scopes(grant.scope)) << grant.scope;
    accounts_->connect(user, grant, google_->account_email(grant.access_token, 2s));
  }

  void agent(const std::string& user, const std::string& agent_id,
             const std::string& zone = "Europe/Berlin", const std::string& hours = kEveryDay) {
    pg::transact(pool_, [&](pqxx::work& tx) {
      tx.exec_params(
          "INSERT INTO agents (agent_id, user_id, name, language, timezone, opening_hours, "
          "changed_at) VALUES ($1, $2, 'Empfang', 'de', $3, $4::jsonb, now())",
          agent_id, user, zone, hours);
    });
  }

  ToolCall call(const std::string& user, const std::string& tool, const std::string& caller) {
    ToolCall c;
    c.tool = tool;
    c.user_id = user;
    c.agent_id = "agent-" + user;
    c.call_id = "call-" + std::to_string(++calls_);
    c.idempotency_key = c.call_id + ":tool";
    c.caller_number = caller;
    c.timezone = "Europe/Berlin";
    c.language = "de";
    return c;
  }

  /// The events in the sandbox calendar of `email` (not cancelled), as (id, start) pairs.
  std::vector<std::pair<std::string, Clock::time_point>> calendar(const std::string& email) {
    return store_.with([&](sandbox::GoogleState& s) {
      std::vector<std::pair<std::string, Clock::time_point>> out;
      auto it = s.accounts.find(email);
      if (it == s.accounts.end())
        return out;
      for (const auto& [id, e] : it->second.events)
        if (!e.cancelled)
          out.emplace_back(id, e.start);
      return out;
    });
  }

  std::int64_t count(const std::string& sql) {
    return pg::transact(pool_,
                        [&](pqxx::work& tx) { return tx.exec(sql)[0][0].as<std::int64_t>(); });
  }

  pg::testing::ScratchSchema schema_{"integrations"};
  pg::Pool pool_{schema_.pool_options(12)};
  events::Outbox outbox_{events::Schemas::embedded(), "integrations"};
  crypto::Keyring keys_;
  http::Router providers_;
  sandbox::Control control_;
  sandbox::GoogleStore store_;
  std::unique_ptr<http::Server> sandbox_;
  std::string base_;
  http::Client client_;
  std::unique_ptr<GoogleClient> google_;
  std::unique_ptr<GoogleAccounts> accounts_;
  std::unique_ptr<Tools> tools_;
  std::unique_ptr<CallLog> call_log_;
  int calls_ = 0;
};

TEST_F(GoogleFlowTest, ACallerBooksAndOthersHearOnlyBelegt) {
  agent("u1", "agent-u1");
  connect("u1", "salon@example.com");

  auto ask = call("u1", "check_availability", "+4915111111111");
  ask.date = "morgen";
  ask.preference = "nachmittags";
  EXPECT_EQ(tools_->run(ask, kNow).result,
            "Am Donnerstag, den 15. Januar sind noch diese Zeiten frei: 13:00 Uhr, 14:00 Uhr, "
            "15:00 Uhr, 16:00 Uhr und 17:30 Uhr.");

  auto book = call("u1", "book_appointment", "+4915111111111");
  book.date = "morgen";
  book.time = "halb drei";
  book.name = "Erika Muster";
  auto booked = tools_->run(book, kNow);
  EXPECT_EQ(booked.result,
            "Ihr Termin ist eingetragen: Donnerstag, den 15. Januar um 14:30 Uhr auf den Namen "
            "Erika Muster.");
  EXPECT_EQ(booked.action, "booked");
  auto events = calendar("salon@example.com");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].second, *parse_rfc3339("2026-01-15T14:30:00+01:00"));
  EXPECT_EQ(events[0].first, event_id_for(book.idempotency_key));
  EXPECT_EQ(count("SELECT count(*) FROM bookings WHERE status = 'booked'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE topic = 'appointment.booked'"), 1);

  // Another caller: the slot is "belegt", and nothing about whose it is.
  auto other = call("u1", "check_conflicts", "+4915122222222");
  other.date = "2026-01-15";
  other.time = "14:30";
  auto conflict = tools_->run(other, kNow).result;
  EXPECT_EQ(conflict,
            "Um 14:30 Uhr ist leider schon belegt. Frei wären an dem Tag noch 13:30 Uhr, "
            "14:00 Uhr und 15:00 Uhr.");
  auto steal = call("u1", "book_appointment", "+4915122222222");
  steal.date = "morgen";
  steal.time = "14:30";
  steal.name = "Max Muster";
  auto refused = tools_->run(steal, kNow);
  EXPECT_EQ(refused.action, "");
  EXPECT_EQ(refused.result.find("Erika"), std::string::npos);
  EXPECT_NE(refused.result.find("belegt"), std::string::npos);
  // A slot that overlaps half of the booking is taken too.
  steal.time = "14:45";
  EXPECT_NE(tools_->run(steal, kNow).result.find("belegt"), std::string::npos);

  // Only the caller's own booking can be cancelled: the other number finds nothing.
  auto cancel = call("u1", "cancel_appointment", "+4915122222222");
  cancel.name = "Erika Muster";
  EXPECT_EQ(tools_->run(cancel, kNow).result,
            "Unter Ihrer Telefonnummer finde ich keinen kommenden Termin auf den Namen Erika "
            "Muster.");
  cancel.caller_number.reset();
  EXPECT_NE(tools_->run(cancel, kNow).result.find("Telefonnummer anrufen"), std::string::npos);
  EXPECT_EQ(calendar("salon@example.com").size(), 1u);

  // The caller moves it, then cancels it.
  auto move = call("u1", "reschedule_appointment", "+4915111111111");
  move.name = "Frau Muster";
  move.new_date = "übermorgen";
  move.new_time = "um 10";
  EXPECT_EQ(tools_->run(move, kNow).result,
            "Ihr Termin ist verschoben auf Freitag, den 16. Januar um 10:00 Uhr.");
  events = calendar("salon@example.com");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].second, *parse_rfc3339("2026-01-16T10:00:00+01:00"));
  auto mine = call("u1", "cancel_appointment", "+4915111111111");
  mine.name = "erika muster";
  auto cancelled = tools_->run(mine, kNow);
  EXPECT_EQ(cancelled.result, "Ihr Termin am Freitag, den 16. Januar um 10:00 Uhr ist abgesagt.");
  EXPECT_EQ(cancelled.action, "cancelled");
  EXPECT_TRUE(calendar("salon@example.com").empty());
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE topic IN ('appointment.rescheduled', "
                  "'appointment.cancelled')"),
            2);
}

TEST_F(GoogleFlowTest, ClosedDaysPastTimesAndTheNextFreeSlot) {
  // Monday to Friday 09:00–12:00; the owner's own appointment fills Thursday morning.
  agent(
      "u2", "agent-u2", "Europe/Berlin",
      R"({"mon": [{"start": "09:00", "end": "12:00"}], "tue": [{"start": "09:00", "end": "12:00"}],
            "wed": [{"start": "09:00", "end": "12:00"}], "thu": [{"start": "09:00", "end": "12:00"}],
            "fri": [{"start": "09:00", "end": "12:00"}]})");
  connect("u2", "praxis@example.com");
  auto token = accounts_->access_token("u2", Deadline(2s));
  ASSERT_TRUE(token);
  google_->insert_event(*token, "primary",
                        NewEvent{.id = "privattermin1",
                                 .summary = "Privat: Zahnarzt Dr. Geheim",
                                 .start = *parse_rfc3339("2026-01-15T09:00:00+01:00"),
                                 .end = *parse_rfc3339("2026-01-15T12:00:00+01:00"),
                                 .timezone = "Europe/Berlin"},
                        2s);
  auto ask = call("u2", "check_availability", "+4915133333333");
  ask.date = "morgen";
  auto full = tools_->run(ask, kNow).result;
  EXPECT_EQ(full,
            "Am Donnerstag, den 15. Januar ist leider nichts mehr frei. Frei ist wieder am "
            "Freitag, den 16. Januar, um 9:00 Uhr, 10:00 Uhr und 11:30 Uhr.");
  EXPECT_EQ(full.find("Zahnarzt"), std::string::npos);
  ask.date = "Samstag";
  EXPECT_NE(tools_->run(ask, kNow).result.find("Am Samstag, den 17. Januar haben wir geschlossen."),
            std::string::npos);
  auto late = call("u2", "check_conflicts", "+4915133333333");
  late.date = "heute";
  late.time = "9 Uhr";
  EXPECT_EQ(tools_->run(late, kNow).result,
            "Diese Uhrzeit ist leider schon vorbei. Welche andere Uhrzeit passt Ihnen?");
  late.time = "15 Uhr";
  EXPECT_EQ(tools_->run(late, kNow).result,
            "Um 15:00 Uhr sind wir leider nicht da. Am Mittwoch, den 14. Januar sind wir von "
            "9:00 Uhr bis 12:00 Uhr für Sie da.");
  auto next = call("u2", "find_next_free_slot", "+4915133333333");
  EXPECT_EQ(tools_->run(next, kNow).result,
            "Der nächste freie Termin ist am Mittwoch, den 14. Januar um 10:30 Uhr.");
  auto nonsense = call("u2", "check_availability", "+4915133333333");
  nonsense.date = "31. Februar";
  EXPECT_EQ(tools_->run(nonsense, kNow).result,
            "Dieses Datum gibt es nicht. Welchen Tag meinen Sie?");
  nonsense.date = "2026-13-45";
  EXPECT_NE(tools_->run(nonsense, kNow).result.find("Tag"), std::string::npos);
  EXPECT_EQ(count("SELECT count(*) FROM bookings"), 0);
}

TEST_F(GoogleFlowTest, TwoCallsBookingOneSlotAtOnceGiveOneBooking) {
  agent("u3", "agent-u3");
  connect("u3", "zwei@example.com");
  constexpr int kCallers = 6;
  std::barrier start(kCallers);
  std::vector<ToolAnswer> answers(kCallers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCallers; ++i) {
    auto c = call("u3", "book_appointment", "+49151444444" + std::to_string(10 + i));
    c.date = "2026-01-20";
    c.time = "11:00";
    c.name = "Anrufer " + std::to_string(i);
    threads.emplace_back([&, i, c] {
      start.arrive_and_wait();
      answers[i] = tools_->run(c, kNow);
    });
  }
  for (auto& t : threads)
    t.join();
  int booked = 0;
  for (const auto& a : answers)
    booked += a.action == "booked";
  EXPECT_EQ(booked, 1);
  EXPECT_EQ(calendar("zwei@example.com").size(), 1u);
  EXPECT_EQ(count("SELECT count(*) FROM bookings"), 1);
}

TEST_F(GoogleFlowTest, GoogleFailingBooksNothingAndATimedOutInsertIsAdoptedOrRemoved) {
  agent("u4", "agent-u4");
  connect("u4", "stoerung@example.com");
  auto book = call("u4", "book_appointment", "+4915155555555");
  book.date = "2026-01-21";
  book.time = "10:00";
  book.name = "Erika Muster";

  control_.add({.method = "POST", .path_prefix = "/google/calendar/v3/calendars", .status = 500});
  EXPECT_THROW(tools_->run(book, kNow), GoogleError);
  control_.add({.method = "POST", .path_prefix = "/google/calendar/v3/freeBusy", .status = 429});
  EXPECT_THROW(tools_->run(book, kNow), GoogleError);
  EXPECT_EQ(count("SELECT count(*) FROM bookings"), 0);
  EXPECT_TRUE(calendar("stoerung@example.com").empty());

  // Google takes longer than we wait: the event exists, we do not know it.
  control_.add(
      {.method = "POST", .path_prefix = "/google/calendar/v3/calendars", .delay_ms = 1'500});
  EXPECT_THROW(tools_->run(book, kNow), GoogleError);
  std::this_thread::sleep_for(700ms);  // the sandbox finishes the insert
  ASSERT_EQ(calendar("stoerung@example.com").size(), 1u);
  // Vapi repeats the tool call: the same event id is Google's 409, adopted as the booking.
  auto again = tools_->run(book, kNow);
  EXPECT_EQ(again.action, "booked") << again.result;
  EXPECT_EQ(calendar("stoerung@example.com").size(), 1u);
  EXPECT_EQ(count("SELECT count(*) FROM bookings"), 1);

  // A timed-out insert nobody repeats is removed by the sweeper.
  auto lost = call("u4", "book_appointment", "+4915155555556");
  lost.date = "2026-01-21";
  lost.time = "12:00";
  lost.name = "Max Muster";
  control_.add(
      {.method = "POST", .path_prefix = "/google/calendar/v3/calendars", .delay_ms = 1'500});
  EXPECT_THROW(tools_->run(lost, kNow), GoogleError);
  std::this_thread::sleep_for(700ms);
  ASSERT_EQ(calendar("stoerung@example.com").size(), 2u);
  pg::transact(pool_, [&](pqxx::work& tx) {
    tx.exec("UPDATE booking_attempts SET created_at = now() - interval '2 minutes'");
  });
  EXPECT_EQ(tools_->sweep_attempts(), 1);  // the adopted one was settled by its booking
  auto left = calendar("stoerung@example.com");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].first, event_id_for(book.idempotency_key));
}

TEST_F(GoogleFlowTest, RacingToolCallsRefreshTheTokenOnce) {
  agent("u5", "agent-u5");
  connect("u5", "refresh@example.com");
  pg::transact(pool_, [&](pqxx::work& tx) {
    tx.exec("UPDATE google_connections SET access_expires_at = now() - interval '1 minute'");
  });
  constexpr int kCalls = 8;
  std::barrier start(kCalls);
  std::vector<std::optional<std::string>> tokens(kCalls);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCalls; ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      tokens[i] = accounts_->access_token("u5", Deadline(3s));
    });
  for (auto& t : threads)
    t.join();
  for (const auto& t : tokens) {
    ASSERT_TRUE(t);
    EXPECT_EQ(*t, *tokens[0]);
  }
  auto refreshes = store_.with([](sandbox::GoogleState& s) {
    std::int64_t n = 0;
    for (const auto& [id, g] : s.grants)
      n += g.refreshes;
    return n;
  });
  EXPECT_EQ(refreshes, 1);
}

TEST_F(GoogleFlowTest, AGrantRevokedAtGoogleAsksTheOwnerToReconnect) {
  agent("u6", "agent-u6");
  connect("u6", "widerruf@example.com");
  auto refresh_token = store_.with([](sandbox::GoogleState& s) {
    for (const auto& [id, g] : s.grants)
      if (g.email == "widerruf@example.com")
        return g.refresh_token;
    return std::string();
  });
  ASSERT_FALSE(refresh_token.empty());
  google_->revoke(refresh_token, 2s);
  auto ask = call("u6", "check_availability", "+4915166666666");
  ask.date = "morgen";
  // The stored access token died with the grant: 401, refresh, invalid_grant.
  EXPECT_NE(tools_->run(ask, kNow).result.find("Verbindung erneuert werden muss"),
            std::string::npos);
  auto c = accounts_->find("u6");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->status, "reconnect_required");
  EXPECT_EQ(count("SELECT count(*) FROM outbox WHERE topic = 'integration.google.disconnected' "
                  "AND data LIKE '%access_revoked%'"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM google_connections WHERE refresh_token IS NOT NULL"), 0);
}

events::Event completed(const std::string& call_id, const std::string& user,
                        const std::string& summary, bool test = false) {
  json::Writer w;
  w.begin_object()
      .field("call_id", call_id)
      .field("vapi_call_id", "v-" + call_id)
      .field("agent_id", "agent-" + user)
      .field("user_id", user)
      .field("status", "completed")
      .field("ended_reason", "customer-ended-call")
      .field("started_at", "2026-01-14T09:31:00.000Z")
      .field("ended_at", "2026-01-14T09:33:05.000Z")
      .field("duration_seconds", 125)
      .field("caller_number", "+4915112345678")
      .field("summary", summary)
      .field("appointment_booked", true)
      .field("transferred", false)
      .field("test", test)
      .end_object();
  events::Event e;
  e.id = crypto::uuid_v4();
  e.type = "call.completed.v1";
  e.time = "2026-01-14T09:33:06.000Z";
  e.data = w.str();
  return e;
}

TEST_F(GoogleFlowTest, OneBatchOfCallsQueuesRowsForConnectedOwnersOnly) {
  agent("u8", "agent-u8", "America/New_York");
  connect("u8", "ost@example.com");
  agent("u9", "agent-u9");                   // not connected
  connect("u10", "ohne-agent@example.com");  // its agent is not known here
  std::vector<events::Event> batch = {
      completed("b1", "u9", "Nicht verbunden"), completed("b2", "u8", "Erster"),
      completed("b3", "u8", "Testanruf", true), completed("b4", "u10", "Ohne Agent"),
      completed("b5", "u8", "Zweiter")};
  std::vector<const events::Event*> all;
  for (const auto& e : batch)
    all.push_back(&e);
  pg::transact(pool_, [&](pqxx::work& tx) { call_log_->on_calls_completed(all, tx); });
  auto rows = pg::transact(pool_, [](pqxx::work& tx) {
    std::vector<std::string> out;
    for (const auto& r :
         tx.exec("SELECT call_id || ' ' || user_id || ' ' || (cells->>1) || ' ' || "
                 "(cells->>3) || ' ' || (cells->>6) FROM sheet_rows ORDER BY call_id"))
      out.push_back(r[0].as<std::string>());
    return out;
  });
  // 09:31 UTC is 04:31 in New York and 10:31 in Berlin (the zone without a known agent).
  EXPECT_EQ(rows,
            (std::vector<std::string>{"b2 u8 4:31 Empfang Erster", "b4 u10 10:31 — Ohne Agent",
                                      "b5 u8 4:31 Empfang Zweiter"}));
}

TEST_F(GoogleFlowTest, TheCallLogWritesEachCallOnceAndRecreatesADeletedSheet) {
  agent("u7", "agent-u7");
  connect("u7", "protokoll@example.com");
  auto log_call = [&](const events::Event& e) {
    pg::transact(pool_, [&](pqxx::work& tx) { call_log_->on_calls_completed({&e}, tx); });
  };
  auto first = completed("c1", "u7", "=HYPERLINK(\"http://evil\"; \"Hier klicken\")");
  log_call(first);
  log_call(first);  // redelivered
  log_call(completed("t1", "u7", "Testanruf", true));
  EXPECT_EQ(call_log_->run_once(), 1);
  auto sheets = [&] { return store_.with([](sandbox::GoogleState& s) { return s.spreadsheets; }); };
  auto all = sheets();
  ASSERT_EQ(all.size(), 1u);
  const auto& sheet = all.begin()->second;
  EXPECT_EQ(sheet.title, "Kametrix Anrufprotokoll");
  ASSERT_EQ(sheet.sheets.at(0).title, "Anrufe");
  const auto& rows = sheet.sheets.at(0).rows;
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0].json, "\"Datum\"");
  EXPECT_EQ(rows[1][0].json, "\"14.01.2026\"");
  EXPECT_EQ(rows[1][1].json, "\"10:31\"");
  EXPECT_EQ(rows[1][4].json, "\"2:05 Min.\"");
  EXPECT_EQ(rows[1][7].json, "\"Ja\"");
  EXPECT_EQ(rows[1][8].json, "\"c1\"");
  // Caller-supplied text and the number are never run as formulas.
  EXPECT_EQ(rows[1][6].kind, "text");
  EXPECT_EQ(rows[1][2].kind, "text");
  EXPECT_EQ(sheet.sheets.at(0).frozen_rows, 1);

  // An append whose outcome was unknown and that did land is not written again.
  pg::transact(pool_, [&](pqxx::work& tx) {
    tx.exec(
        "UPDATE sheet_rows SET state = 'uncertain', next_attempt_at = now() "
        "WHERE call_id = 'c1'");
  });
  EXPECT_EQ(call_log_->run_once(), 1);
  EXPECT_EQ(sheets().begin()->second.sheets.at(0).rows.size(), 2u);

  // Sheets failing: the row waits and is written once Google is back.
  control_.add({.method = "POST", .path_prefix = "/google/v4/spreadsheets/", .status = 503});
  log_call(completed("c2", "u7", "Zweiter Anruf"));
  EXPECT_EQ(call_log_->run_once(), 0);
  EXPECT_EQ(count("SELECT count(*) FROM sheet_rows WHERE state = 'uncertain' AND "
                  "next_attempt_at > now()"),
            1);
  pg::transact(pool_,
               [&](pqxx::work& tx) { tx.exec("UPDATE sheet_rows SET next_attempt_at = now()"); });
  EXPECT_EQ(call_log_->run_once(), 1);
  EXPECT_EQ(sheets().begin()->second.sheets.at(0).rows.size(), 3u);

  // The owner deletes the spreadsheet: the next call goes into a new one with its header.
  auto old_id = sheets().begin()->first;
  auto token = accounts_->access_token("u7", Deadline(2s));
  http::ClientRequest del{.method = "DELETE", .url = base_ + "/drive/v3/files/" + old_id};
  del.headers.set("Authorization", "Bearer " + *token);
  ASSERT_EQ(client_.send(del).status, 204);
  log_call(completed("c3", "u7", "Dritter Anruf"));
  EXPECT_EQ(call_log_->run_once(), 1);
  auto now_sheets = sheets();
  std::erase_if(now_sheets, [&](const auto& kv) { return kv.first == old_id; });
  ASSERT_EQ(now_sheets.size(), 1u);
  const auto& fresh = now_sheets.begin()->second.sheets.at(0).rows;
  ASSERT_EQ(fresh.size(), 2u);
  EXPECT_EQ(fresh[0][0].json, "\"Datum\"");
  EXPECT_EQ(fresh[1][8].json, "\"c3\"");
  EXPECT_EQ(count("SELECT count(*) FROM sheet_rows WHERE state = 'done'"), 3);
}

TEST_F(GoogleFlowTest, ARepeatedToolCallGetsTheSameAnswerAndBooksOnce) {
  agent("u8", "agent-u8");
  connect("u8", "wiederholt@example.com");
  http::Request req;
  req.method = "POST";
  req.request_id = "r1";
  req.headers.set("Idempotency-Key", "vapi-call-8:tool-1");
  req.body =
      R"({"tool": "book_appointment", "arguments": {"date": "2026-12-01", "time": "10:00",
          "name": "Erika Muster"}, "tool_call_id": "tool-1", "call_id": "c8",
          "vapi_call_id": "vapi-call-8", "agent_id": "agent-u8", "user_id": "u8",
          "caller_number": "+4915112345678", "timezone": "Europe/Berlin", "language": "de"})";
  auto first = tools_->execute(req);
  auto second = tools_->execute(req);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(second.body, first.body);
  EXPECT_NE(first.body.find("\"action\":\"booked\""), std::string::npos);
  EXPECT_EQ(count("SELECT count(*) FROM bookings"), 1);

  // Another owner sending the same key gets neither the stored answer nor the agent: the agent
  // is not theirs, so the call is refused as for an agent not known yet (telephony apologises).
  auto foreign = req;
  foreign.body.replace(foreign.body.find("\"user_id\": \"u8\""), 15, "\"user_id\": \"u9\"");
  try {
    tools_->execute(foreign);
    FAIL() << "expected the agent to be unknown for another owner";
  } catch (const http::Error& e) {
    EXPECT_EQ(e.status(), 503);
  }
  EXPECT_EQ(count("SELECT count(*) FROM tool_results WHERE user_id = 'u9'"), 0);

  // Arguments of the wrong type count as not said: the caller is asked again, nothing booked.
  req.headers.set("Idempotency-Key", "vapi-call-8:tool-2");
  req.body = R"({"tool": "book_appointment", "arguments": {"date": {"x": 1}, "time": true,
                 "name": "Erika Muster"}, "agent_id": "agent-u8", "user_id": "u8"})";
  auto asked = tools_->execute(req);
  EXPECT_EQ(asked.status, 200);
  EXPECT_NE(asked.body.find("Für welchen Tag denn?"), std::string::npos) << asked.body;
  // A request that breaks the contract itself is a clear 422.
  req.headers.set("Idempotency-Key", "vapi-call-8:tool-3");
  req.body = R"({"tool": "book_appointment", "arguments": {}, "agent_id": 8, "user_id": "u8"})";
  try {
    tools_->execute(req);
    FAIL() << "expected a validation error";
  } catch (const http::Error& e) {
    EXPECT_EQ(e.status(), 422);
  }
  req.body = R"({"tool": "read_everyones_calendar", "arguments": {}, "agent_id": "agent-u8",
                 "user_id": "u8"})";
  try {
    tools_->execute(req);
    FAIL() << "expected unknown_tool";
  } catch (const http::Error& e) {
    EXPECT_EQ(e.status(), 404);
    EXPECT_EQ(e.code(), "unknown_tool");
  }
  EXPECT_EQ(count("SELECT count(*) FROM bookings"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM tool_results"), 2);

  // A tool that only reads the calendar keeps no answer: a repeat looks again.
  req.headers.set("Idempotency-Key", "vapi-call-8:tool-4");
  req.body = R"({"tool": "check_availability", "arguments": {"date": "2026-12-01"},
                 "agent_id": "agent-u8", "user_id": "u8"})";
  auto looked = tools_->execute(req);
  auto again = tools_->execute(req);
  ASSERT_EQ(looked.status, 200) << looked.body;
  EXPECT_EQ(again.body, looked.body);
  EXPECT_EQ(count("SELECT count(*) FROM tool_results"), 2);
}

}  // namespace
}  // namespace kx::integrations
