// The Google stand-in as the integrations service and a browser see it: the consent page and
// the OAuth code flow with PKCE, refresh, revoke and expiry, Calendar's freeBusy and events,
// Sheets' append with formulas and escapes, Drive deleting a sheet, faults and /google/_state.
#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "kx/crypto/crypto.hpp"
#include "kx/http/server.hpp"
#include "kx/json/json.hpp"
#include "request.hpp"
#include "sandbox.hpp"
#include "web_form.hpp"

namespace kx::sandbox {
namespace {

const std::string kClient = "kx-test.apps.googleusercontent.com";
const std::string kSecret = "GOCSPX-test-secret";
const std::string kRedirect = "http://127.0.0.1:8080/api/integrations/google/callback";
const std::string kScopes =
    "openid email https://www.googleapis.com/auth/calendar.events "
    "https://www.googleapis.com/auth/calendar.freebusy https://www.googleapis.com/auth/drive.file";
const std::string kVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-sandbox";

struct Tokens {
  std::string access;
  std::string refresh;
  std::string scope;
};

class GoogleTest : public ::testing::Test {
 protected:
  GoogleTest() { start(3599); }

  void start(int token_ttl) {
    router_ = std::make_unique<http::Router>();
    control_ = std::make_unique<Control>();
    store_ = std::make_unique<GoogleStore>();
    settings_.public_url = "http://sandbox.test";
    settings_.google_client_id = kClient;
    settings_.google_client_secret = kSecret;
    settings_.google_redirect_uri = kRedirect;
    settings_.google_token_ttl_seconds = token_ttl;
    control_->add_routes(*router_);
    add_google_routes(*router_, settings_, *control_, *store_);
  }

  http::Response call(const std::string& method, const std::string& target,
                      const std::string& body = {}, const std::string& bearer = {},
                      const std::string& basic = {}) {
    auto req = test_request(method, target, body);
    if (!bearer.empty())
      req.headers.set("Authorization", "Bearer " + bearer);
    if (!basic.empty())
      req.headers.set("Authorization", "Basic " + crypto::base64_encode(basic));
    return http::dispatch(*router_, options_, req);
  }
  static json::Document body_of(const http::Response& res) { return json::parse(res.body); }
  static std::string enc(const std::string& s) { return http::percent_encode(s); }

  /// The redirect's query parameters.
  static Form redirect_params(const http::Response& res) {
    EXPECT_EQ(res.status, 302) << res.body;
    auto location = std::string(res.headers.get("Location").value_or(""));
    EXPECT_EQ(location.rfind(kRedirect + "?", 0), 0u) << location;
    return parse_form(location.substr(location.find('?') + 1));
  }

  /// Consent on the page for `email`, granting `granted` (every requested scope by default).
  std::string consent(const std::string& email, std::vector<std::string> granted = {},
                      const std::string& challenge_method = "S256") {
    if (granted.empty()) {
      granted = {"https://www.googleapis.com/auth/calendar.events",
                 "https://www.googleapis.com/auth/calendar.freebusy",
                 "https://www.googleapis.com/auth/drive.file"};
    }
    auto challenge = challenge_method == "S256"
                         ? crypto::base64url_encode(crypto::sha256(kVerifier))
                         : kVerifier;
    std::string body =
        "client_id=" + enc(kClient) + "&redirect_uri=" + enc(kRedirect) + "&scope=" + enc(kScopes) +
        "&state=st_42&access_type=offline&response_type=code" +
        "&code_challenge=" + enc(challenge) + "&code_challenge_method=" + challenge_method +
        "&email=" + enc(email) + "&decision=allow";
    for (const auto& scope : granted)
      body += "&granted=" + enc(scope);
    auto params = redirect_params(call("POST", "/google/o/oauth2/v2/auth/decision", body));
    EXPECT_EQ(form_value(params, "state"), "st_42");
    return form_value(params, "code");
  }

  http::Response exchange(const std::string& code, const std::string& verifier = kVerifier) {
    return call("POST", "/google/token",
                "grant_type=authorization_code&code=" + enc(code) +
                    "&redirect_uri=" + enc(kRedirect) + "&client_id=" + enc(kClient) +
                    "&client_secret=" + enc(kSecret) + "&code_verifier=" + enc(verifier));
  }

  Tokens connect(const std::string& email, std::vector<std::string> granted = {}) {
    auto res = exchange(consent(email, std::move(granted)));
    EXPECT_EQ(res.status, 200) << res.body;
    auto doc = body_of(res);
    return {json::get_string(doc, "access_token"), json::get_string(doc, "refresh_token"),
            json::get_string(doc, "scope")};
  }

  http::Response refresh(const std::string& refresh_token) {
    return call("POST", "/google/token",
                "grant_type=refresh_token&refresh_token=" + enc(refresh_token), {},
                kClient + ":" + kSecret);
  }

  http::Response insert(const std::string& token, const std::string& id, const std::string& start,
                        const std::string& end, const std::string& extra = {}) {
    return call("POST", "/google/calendar/v3/calendars/primary/events?sendUpdates=none",
                R"({"id":")" + id + R"(","summary":"Termin: Erika Muster","start":{"dateTime":")" +
                    start + R"(","timeZone":"Europe/Berlin"},"end":{"dateTime":")" + end +
                    R"(","timeZone":"Europe/Berlin"})" + extra + "}",
                token);
  }

  http::Response free_busy(const std::string& token, const std::string& from, const std::string& to,
                           const std::string& items = R"([{"id":"primary"}])") {
    return call("POST", "/google/calendar/v3/freeBusy",
                R"({"timeMin":")" + from + R"(","timeMax":")" + to +
                    R"(","timeZone":"Europe/Berlin","items":)" + items + "}",
                token);
  }

  SandboxSettings settings_;
  std::unique_ptr<http::Router> router_;
  std::unique_ptr<Control> control_;
  std::unique_ptr<GoogleStore> store_;
  http::ServerOptions options_;
};

TEST_F(GoogleTest, TheConsentPageValidatesTheRequestAndShowsTheScopes) {
  auto url = "/google/o/oauth2/v2/auth?client_id=" + enc(kClient) +
             "&redirect_uri=" + enc(kRedirect) + "&response_type=code&scope=" + enc(kScopes) +
             "&state=st_1&access_type=offline&prompt=consent&code_challenge_method=S256"
             "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  auto page = call("GET", url);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.headers.get("Content-Type"), "text/html; charset=utf-8");
  for (const char* expected :
       {"id=\"allow\"", "id=\"deny\"", "id=\"email\"", "value=\"inhaber@example.com\"",
        "id=\"scope-calendar-events\"", "id=\"scope-calendar-freebusy\"", "id=\"scope-drive-file\"",
        "Ihre Verfügbarkeit", "value=\"st_1\""})
    EXPECT_NE(page.body.find(expected), std::string::npos) << expected;
  EXPECT_EQ(page.body.find("<script"), std::string::npos);

  auto wrong_client = url;
  wrong_client.replace(wrong_client.find(enc(kClient)), enc(kClient).size(), "other-client");
  EXPECT_EQ(call("GET", wrong_client).status, 401);
  auto other_redirect = url;
  other_redirect.replace(other_redirect.find(enc(kRedirect)), enc(kRedirect).size(),
                         enc(kRedirect + "/"));
  auto mismatch = call("GET", other_redirect);
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_NE(mismatch.body.find("redirect_uri_mismatch"), std::string::npos);
  auto no_scope = url;
  no_scope.replace(no_scope.find("&scope="), 7 + enc(kScopes).size(), "");
  EXPECT_EQ(call("GET", no_scope).status, 400);
  auto token_flow = url;
  token_flow.replace(token_flow.find("response_type=code"), 18, "response_type=token");
  EXPECT_EQ(call("GET", token_flow).status, 400);

  auto denied = redirect_params(
      call("POST", "/google/o/oauth2/v2/auth/decision",
           "client_id=" + enc(kClient) + "&redirect_uri=" + enc(kRedirect) +
               "&scope=" + enc(kScopes) + "&state=st_1&decision=deny&email=&response_type=code"));
  EXPECT_EQ(form_value(denied, "error"), "access_denied");
  EXPECT_EQ(form_value(denied, "state"), "st_1");
  EXPECT_EQ(form_value(denied, "code"), "");
}

TEST_F(GoogleTest, CodesAreSingleUseAndBoundToThePkceVerifier) {
  auto wrong = exchange(consent("inhaber@example.com"), "x" + kVerifier);
  EXPECT_EQ(wrong.status, 400);
  EXPECT_EQ(body_of(wrong)["error"], "invalid_grant");

  auto code = consent("inhaber@example.com");
  auto ok = exchange(code);
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto tokens = body_of(ok);
  EXPECT_EQ(tokens["token_type"], "Bearer");
  EXPECT_EQ(tokens["expires_in"].GetInt(), 3599);
  EXPECT_FALSE(json::get_string(tokens, "refresh_token").empty());
  EXPECT_EQ(json::get_string(tokens, "scope").find("calendar.freebusy") != std::string::npos, true);
  EXPECT_EQ(ok.headers.get("Cache-Control").value_or("").find("no-store") != std::string_view::npos,
            true);
  auto again = exchange(code);
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(body_of(again)["error"], "invalid_grant");

  auto plain = exchange(consent("inhaber@example.com", {}, "plain"));
  EXPECT_EQ(plain.status, 200) << plain.body;
  auto no_verifier = exchange(consent("inhaber@example.com"), "");
  EXPECT_EQ(body_of(no_verifier)["error"], "invalid_grant");

  auto other_redirect =
      call("POST", "/google/token",
           "grant_type=authorization_code&code=" + enc(consent("inhaber@example.com")) +
               "&redirect_uri=" + enc(kRedirect + "x") + "&code_verifier=" + enc(kVerifier),
           {}, kClient + ":" + kSecret);
  EXPECT_EQ(body_of(other_redirect)["error"], "invalid_grant");
  auto bad_secret =
      call("POST", "/google/token", "grant_type=authorization_code&code=x", {}, kClient + ":wrong");
  EXPECT_EQ(bad_secret.status, 401);
  EXPECT_EQ(body_of(bad_secret)["error"], "invalid_client");
  auto unsupported =
      call("POST", "/google/token", "grant_type=password", {}, kClient + ":" + kSecret);
  EXPECT_EQ(unsupported.status, 400);
  EXPECT_EQ(body_of(unsupported)["error"], "unsupported_grant_type");
  auto missing = call("POST", "/google/token", "code=x", {}, kClient + ":" + kSecret);
  EXPECT_EQ(body_of(missing)["error"], "invalid_request");
}

TEST_F(GoogleTest, RefreshRevokeAndUserinfo) {
  auto t = connect("Inhaber@Example.com");
  auto me = call("GET", "/google/oauth2/v3/userinfo", "", t.access);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(body_of(me)["email"], "inhaber@example.com");
  EXPECT_TRUE(body_of(me)["email_verified"].GetBool());
  EXPECT_EQ(json::get_string(body_of(me), "sub").size(), 21u);
  EXPECT_EQ(call("GET", "/google/oauth2/v3/userinfo", "", "nope").status, 401);

  auto refreshed = refresh(t.refresh);
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  auto fresh = json::get_string(body_of(refreshed), "access_token");
  EXPECT_NE(fresh, t.access);
  EXPECT_FALSE(body_of(refreshed).HasMember("refresh_token"));
  EXPECT_EQ(body_of(refreshed)["scope"], t.scope);
  EXPECT_EQ(call("GET", "/google/calendar/v3/calendars/primary/events", "", fresh).status, 200);

  EXPECT_EQ(call("POST", "/google/revoke?token=" + enc(t.refresh)).status, 200);
  auto dead = refresh(t.refresh);
  EXPECT_EQ(dead.status, 400);
  EXPECT_EQ(body_of(dead)["error"], "invalid_grant");
  auto api = call("GET", "/google/calendar/v3/calendars/primary/events", "", fresh);
  EXPECT_EQ(api.status, 401);
  auto api_doc = body_of(api);
  const auto& error = api_doc["error"];
  EXPECT_EQ(error["status"], "UNAUTHENTICATED");
  EXPECT_EQ(error["errors"][0]["reason"], "authError");
  EXPECT_EQ(error["errors"][0]["location"], "Authorization");
  auto twice = call("POST", "/google/revoke", "token=" + enc(t.refresh));
  EXPECT_EQ(twice.status, 400);
  EXPECT_EQ(body_of(twice)["error"], "invalid_token");
  EXPECT_EQ(call("POST", "/google/revoke", "token=unknown").status, 400);

  // Revoking by an access token ends the whole grant as well.
  auto other = connect("inhaber@example.com");
  EXPECT_EQ(call("POST", "/google/revoke", "token=" + enc(other.access)).status, 200);
  EXPECT_EQ(refresh(other.refresh).status, 400);

  auto state = body_of(call("GET", "/google/_state"));
  EXPECT_EQ(state["counts"]["grants"].GetInt(), 2);
  EXPECT_EQ(state["counts"]["revoked_grants"].GetInt(), 2);
  EXPECT_TRUE(state["grants"][0]["revoked"].GetBool());
}

TEST_F(GoogleTest, AccessTokensExpire) {
  start(1);
  auto t = connect("inhaber@example.com");
  EXPECT_EQ(call("GET", "/google/oauth2/v3/userinfo", "", t.access).status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_EQ(call("GET", "/google/calendar/v3/calendars/primary/events", "", t.access).status, 401);
  auto fresh = json::get_string(body_of(refresh(t.refresh)), "access_token");
  EXPECT_EQ(call("GET", "/google/calendar/v3/calendars/primary/events", "", fresh).status, 200);
}

TEST_F(GoogleTest, EachCallNeedsItsScope) {
  auto t = connect("inhaber@example.com", {"https://www.googleapis.com/auth/calendar.events"});
  EXPECT_EQ(t.scope.find("calendar.freebusy"), std::string::npos);
  EXPECT_NE(t.scope.find("openid"), std::string::npos);
  auto fb = free_busy(t.access, "2026-01-05T00:00:00+01:00", "2026-01-06T00:00:00+01:00");
  EXPECT_EQ(fb.status, 403);
  EXPECT_EQ(body_of(fb)["error"]["errors"][0]["reason"], "insufficientPermissions");
  EXPECT_EQ(body_of(fb)["error"]["status"], "PERMISSION_DENIED");
  EXPECT_EQ(call("POST", "/google/v4/spreadsheets", "{}", t.access).status, 403);
  EXPECT_EQ(
      insert(t.access, "bk00001", "2026-01-05T10:00:00+01:00", "2026-01-05T10:30:00+01:00").status,
      200);
}

TEST_F(GoogleTest, FreeBusyMergesTheOpaqueEventsOfTheAccount) {
  auto owner = connect("inhaber@example.com");
  auto other = connect("andere@example.com");
  ASSERT_EQ(
      insert(owner.access, "bk00001", "2026-01-05T09:00:00+01:00", "2026-01-05T10:00:00+01:00")
          .status,
      200);
  insert(owner.access, "bk00002", "2026-01-05T09:30:00.000+01:00", "2026-01-05T10:30:00+01:00");
  insert(owner.access, "bk00003", "2026-01-05T08:00:00Z", "2026-01-05T08:30:00Z");  // 9:00 local
  insert(owner.access, "bk00004", "2026-01-05T14:00:00", "2026-01-05T15:00:00");    // zone only
  insert(owner.access, "bk00005", "2026-01-05T16:00:00+01:00", "2026-01-05T17:00:00+01:00",
         R"(,"transparency":"transparent")");
  insert(owner.access, "bk00006", "2026-01-05T23:00:00+01:00", "2026-01-06T01:00:00+01:00");
  insert(owner.access, "bk00007", "2026-01-05T18:00:00+01:00", "2026-01-05T19:00:00+01:00");
  EXPECT_EQ(call("DELETE", "/google/calendar/v3/calendars/primary/events/bk00007", "", owner.access)
                .status,
            204);

  auto res = free_busy(owner.access, "2026-01-05T00:00:00+01:00", "2026-01-06T00:00:00+01:00",
                       R"([{"id":"primary"},{"id":"inhaber@example.com"},{"id":"x@example.com"}])");
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = body_of(res);
  EXPECT_EQ(doc["kind"], "calendar#freeBusy");
  EXPECT_EQ(doc["timeMin"], "2026-01-04T23:00:00.000Z");
  const auto& busy = doc["calendars"]["primary"]["busy"];
  ASSERT_EQ(busy.Size(), 3u) << res.body;
  EXPECT_EQ(busy[0]["start"], "2026-01-05T09:00:00+01:00");
  EXPECT_EQ(busy[0]["end"], "2026-01-05T10:30:00+01:00");
  EXPECT_EQ(busy[1]["start"], "2026-01-05T14:00:00+01:00");
  EXPECT_EQ(busy[2]["start"], "2026-01-05T23:00:00+01:00");
  EXPECT_EQ(busy[2]["end"], "2026-01-06T00:00:00+01:00");  // clipped
  EXPECT_EQ(doc["calendars"]["inhaber@example.com"]["busy"].Size(), 3u);
  EXPECT_EQ(doc["calendars"]["x@example.com"]["errors"][0]["reason"], "notFound");

  // The other owner's Google account has its own, empty calendar.
  auto theirs =
      body_of(free_busy(other.access, "2026-01-05T00:00:00+01:00", "2026-01-06T00:00:00+01:00"));
  EXPECT_EQ(theirs["calendars"]["primary"]["busy"].Size(), 0u);

  EXPECT_EQ(free_busy(owner.access, "2026-01-05T00:00:00", "2026-01-06T00:00:00+01:00").status,
            400);
  auto empty = free_busy(owner.access, "2026-01-06T00:00:00+01:00", "2026-01-05T00:00:00+01:00");
  EXPECT_EQ(body_of(empty)["error"]["errors"][0]["reason"], "timeRangeEmpty");
}

TEST_F(GoogleTest, EventsInsertListPatchAndDeleteLikeCalendar) {
  auto t = connect("inhaber@example.com");
  auto created = insert(t.access, "bk7f3c2a9e0d4b1c8a6e5f4d3c2b1a0", "2026-01-05T10:30:00+01:00",
                        "2026-01-05T11:00:00+01:00",
                        R"(,"extendedProperties":{"private":{"booking_id":"bk_123"}},)"
                        R"("attendees":[{"email":"erika@example.org","displayName":"Erika"}])");
  ASSERT_EQ(created.status, 200) << created.body;
  auto ev = body_of(created);
  EXPECT_EQ(ev["status"], "confirmed");
  EXPECT_EQ(ev["sequence"].GetInt(), 0);
  EXPECT_EQ(ev["iCalUID"], "bk7f3c2a9e0d4b1c8a6e5f4d3c2b1a0@google.com");
  EXPECT_EQ(ev["organizer"]["email"], "inhaber@example.com");
  EXPECT_TRUE(ev.HasMember("etag") && ev.HasMember("htmlLink") && ev.HasMember("created"));
  EXPECT_EQ(ev["start"]["timeZone"], "Europe/Berlin");

  auto duplicate = insert(t.access, "bk7f3c2a9e0d4b1c8a6e5f4d3c2b1a0", "2026-01-05T10:30:00+01:00",
                          "2026-01-05T11:00:00+01:00");
  EXPECT_EQ(duplicate.status, 409);
  EXPECT_EQ(body_of(duplicate)["error"]["errors"][0]["reason"], "duplicate");
  EXPECT_EQ(
      insert(t.access, "BK-not-base32hex", "2026-01-05T10:30:00+01:00", "2026-01-05T11:00:00+01:00")
          .status,
      400);
  EXPECT_EQ(
      insert(t.access, "bk00009", "2026-01-05T11:00:00+01:00", "2026-01-05T10:00:00+01:00").status,
      400);
  insert(t.access, "bk00002", "2026-01-05T09:00:00+01:00", "2026-01-05T09:30:00+01:00",
         R"(,"extendedProperties":{"private":{"booking_id":"bk_456"}})");
  insert(t.access, "bk00003", "2026-01-06T09:00:00+01:00", "2026-01-06T09:30:00+01:00");

  const std::string base = "/google/calendar/v3/calendars/primary/events";
  auto list = [&](const std::string& query) {
    auto res = call("GET", base + "?" + query, "", t.access);
    EXPECT_EQ(res.status, 200) << res.body;
    std::vector<std::string> ids;
    auto doc = body_of(res);
    EXPECT_EQ(doc["kind"], "calendar#events");
    for (const auto& item : doc["items"].GetArray())
      ids.push_back(item["id"].GetString());
    return ids;
  };
  auto day = "timeMin=" + enc("2026-01-05T00:00:00+01:00") +
             "&timeMax=" + enc("2026-01-06T00:00:00+01:00");
  EXPECT_EQ(list(day + "&singleEvents=true&orderBy=startTime"),
            (std::vector<std::string>{"bk00002", "bk7f3c2a9e0d4b1c8a6e5f4d3c2b1a0"}));
  EXPECT_EQ(list("privateExtendedProperty=" + enc("booking_id=bk_123")),
            (std::vector<std::string>{"bk7f3c2a9e0d4b1c8a6e5f4d3c2b1a0"}));
  EXPECT_TRUE(list("privateExtendedProperty=" + enc("booking_id=bk_123") +
                   "&privateExtendedProperty=" + enc("booking_id=bk_456"))
                  .empty());
  EXPECT_EQ(list("q=erika@EXAMPLE.org"),
            (std::vector<std::string>{"bk7f3c2a9e0d4b1c8a6e5f4d3c2b1a0"}));
  // timeMin bounds the end, exclusively: an event ending at 09:30 is not "after" 09:30.
  EXPECT_EQ(list("timeMin=" + enc("2026-01-05T09:30:00+01:00") +
                 "&timeMax=" + enc("2026-01-05T23:00:00+01:00")),
            (std::vector<std::string>{"bk7f3c2a9e0d4b1c8a6e5f4d3c2b1a0"}));
  EXPECT_EQ(call("GET", base + "?timeMin=2026-01-05T00:00:00", "", t.access).status, 400);
  EXPECT_EQ(call("GET", base + "?orderBy=startTime", "", t.access).status, 400);
  auto paged = body_of(call("GET", base + "?maxResults=2", "", t.access));
  EXPECT_EQ(paged["items"].Size(), 2u);
  EXPECT_EQ(paged["nextPageToken"], "2");

  auto patched = call("PATCH", base + "/bk00002",
                      R"({"start":{"dateTime":"2026-01-05T12:00:00+01:00"},)"
                      R"("end":{"dateTime":"2026-01-05T12:30:00+01:00"},"attendees":[]})",
                      t.access);
  ASSERT_EQ(patched.status, 200) << patched.body;
  auto p = body_of(patched);
  EXPECT_EQ(p["sequence"].GetInt(), 1);
  EXPECT_EQ(p["start"]["timeZone"], "Europe/Berlin");  // merged, not replaced
  EXPECT_EQ(p["summary"], "Termin: Erika Muster");
  EXPECT_NE(json::get_string(p, "etag"), "");
  EXPECT_EQ(
      call("PATCH", base + "/bk00002", R"({"end":{"dateTime":"2026-01-05T08:00:00Z"}})", t.access)
          .status,
      400);
  EXPECT_EQ(body_of(call("GET", base + "/bk00002", "", t.access))["sequence"].GetInt(), 1);

  EXPECT_EQ(call("DELETE", base + "/bk00002", "", t.access).status, 204);
  auto gone = call("DELETE", base + "/bk00002", "", t.access);
  EXPECT_EQ(gone.status, 410);
  EXPECT_EQ(body_of(gone)["error"]["errors"][0]["reason"], "deleted");
  EXPECT_EQ(call("DELETE", base + "/bk99999", "", t.access).status, 404);
  EXPECT_EQ(call("GET", base + "/bk99999", "", t.access).status, 404);
  EXPECT_EQ(list(day).size(), 1u);
  EXPECT_EQ(list(day + "&showDeleted=true").size(), 2u);
  EXPECT_EQ(body_of(call("GET", base + "/bk00002", "", t.access))["status"], "cancelled");
  EXPECT_EQ(
      call("GET", "/google/calendar/v3/calendars/other%40example.com/events", "", t.access).status,
      404);
}

TEST_F(GoogleTest, SheetsAppendEvaluatesFormulasUnlessEscaped) {
  auto t = connect("inhaber@example.com");
  auto created = call("POST", "/google/v4/spreadsheets",
                      R"({"properties":{"title":"Anrufprotokoll","locale":"de_DE",)"
                      R"("timeZone":"Europe/Berlin"},"sheets":[{"properties":{"title":"Anrufe",)"
                      R"("gridProperties":{"frozenRowCount":1}}}]})",
                      t.access);
  ASSERT_EQ(created.status, 200) << created.body;
  auto sheet = body_of(created);
  std::string id = sheet["spreadsheetId"].GetString();
  EXPECT_EQ(sheet["spreadsheetUrl"], "http://sandbox.test/google/sheets/" + id);
  EXPECT_EQ(sheet["sheets"][0]["properties"]["title"], "Anrufe");
  EXPECT_EQ(sheet["sheets"][0]["properties"]["sheetId"].GetInt(), 0);
  EXPECT_EQ(sheet["sheets"][0]["properties"]["gridProperties"]["frozenRowCount"].GetInt(), 1);

  const std::string values = "/google/v4/spreadsheets/" + id + "/values/";
  const std::string append = values + enc("'Anrufe'!A1") + ":append";
  auto first =
      call("POST", append + "?valueInputOption=USER_ENTERED&insertDataOption=INSERT_ROWS",
           R"({"majorDimension":"ROWS","values":[["Datum","Anrufer","Notiz"]]})", t.access);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_FALSE(body_of(first).HasMember("tableRange"));
  EXPECT_EQ(body_of(first)["updates"]["updatedRange"], "Anrufe!A1:C1");
  auto second = call("POST", append + "?valueInputOption=USER_ENTERED",
                     R"j({"values":[["2026-01-05","'=nicht rechnen","=HYPERLINK(\"x\")",285,)j"
                     R"j("+4915112345678","-Test",null,true]]})j",
                     t.access);
  ASSERT_EQ(second.status, 200) << second.body;
  auto updates = body_of(second);
  EXPECT_EQ(updates["tableRange"], "Anrufe!A1:C1");
  EXPECT_EQ(updates["updates"]["updatedRange"], "Anrufe!A2:H2");
  EXPECT_EQ(updates["updates"]["updatedCells"].GetInt(), 7);
  auto raw = call("POST", values + enc("Anrufe!A:F") + ":append?valueInputOption=RAW",
                  R"({"values":[["=1+1"]]})", t.access);
  ASSERT_EQ(raw.status, 200) << raw.body;

  auto state = body_of(call("GET", "/google/_state"));
  const auto& row = state["spreadsheets"][0]["sheets"][0]["rows"][1];
  EXPECT_EQ(row[1]["value"], "=nicht rechnen");
  EXPECT_FALSE(row[1]["formula"].GetBool());
  EXPECT_EQ(row[2]["value"], "=HYPERLINK(\"x\")");
  EXPECT_TRUE(row[2]["formula"].GetBool());
  EXPECT_EQ(row[4]["type"], "number");  // a leading "+" makes a phone number a number
  EXPECT_TRUE(row[5]["formula"].GetBool());
  const auto& raw_row = state["spreadsheets"][0]["sheets"][0]["rows"][2];
  EXPECT_FALSE(raw_row[0]["formula"].GetBool());

  auto got = call("GET", values + enc("'Anrufe'!A1:C2"), "", t.access);
  ASSERT_EQ(got.status, 200) << got.body;
  auto doc = body_of(got);
  EXPECT_EQ(doc["range"], "Anrufe!A1:C2");
  EXPECT_EQ(doc["majorDimension"], "ROWS");
  EXPECT_EQ(doc["values"].Size(), 2u);
  EXPECT_EQ(doc["values"][1][1], "=nicht rechnen");
  EXPECT_EQ(body_of(call("GET", values + "Anrufe", "", t.access))["values"][1][3], "285");

  auto no_option = call("POST", append, R"({"values":[["x"]]})", t.access);
  EXPECT_EQ(no_option.status, 400);
  EXPECT_EQ(body_of(no_option)["error"]["status"], "INVALID_ARGUMENT");
  auto bad_range = call("POST", values + enc("'Calls'!A1") + ":append?valueInputOption=RAW",
                        R"({"values":[["x"]]})", t.access);
  EXPECT_EQ(bad_range.status, 400);
  EXPECT_NE(bad_range.body.find("Unable to parse range"), std::string::npos);

  // Another Google account does not see the sheet.
  auto other = connect("andere@example.com");
  EXPECT_EQ(call("GET", "/google/v4/spreadsheets/" + id, "", other.access).status, 404);
}

TEST_F(GoogleTest, TrashingKeepsTheSheetDeletingItIsA404) {
  auto t = connect("inhaber@example.com");
  auto id = json::get_string(body_of(call("POST", "/google/v4/spreadsheets", "", t.access)),
                             "spreadsheetId");
  const std::string file = "/google/drive/v3/files/" + id;
  auto meta = call("GET", file + "?fields=trashed", "", t.access);
  ASSERT_EQ(meta.status, 200) << meta.body;
  EXPECT_EQ(meta.body, R"({"trashed":false})");
  EXPECT_EQ(call("PATCH", file, R"({"trashed":true})", t.access).status, 200);
  EXPECT_TRUE(body_of(call("GET", file + "?fields=trashed", "", t.access))["trashed"].GetBool());
  EXPECT_EQ(call("GET", "/google/v4/spreadsheets/" + id, "", t.access).status, 200);

  EXPECT_EQ(call("DELETE", file, "", t.access).status, 204);
  auto gone = call("GET", "/google/v4/spreadsheets/" + id, "", t.access);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(body_of(gone)["error"]["status"], "NOT_FOUND");
  EXPECT_EQ(call("POST",
                 "/google/v4/spreadsheets/" + id + "/values/Sheet1!A1:append?valueInputOption=RAW",
                 R"({"values":[["x"]]})", t.access)
                .status,
            404);
  EXPECT_EQ(call("GET", file, "", t.access).status, 404);
  EXPECT_EQ(call("GET", "/google/sheets/" + id).status, 404);
  auto state = body_of(call("GET", "/google/_state"));
  EXPECT_EQ(state["deleted_spreadsheets"][0], id);
}

TEST_F(GoogleTest, FaultsAnswerInTheFormatOfTheirApi) {
  auto t = connect("inhaber@example.com");
  control_->add({.method = "POST",
                 .path_prefix = "/google/calendar/v3/freeBusy",
                 .status = 429,
                 .retry_after = 1});
  auto limited = free_busy(t.access, "2026-01-05T00:00:00+01:00", "2026-01-06T00:00:00+01:00");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.headers.get("Retry-After"), "1");
  EXPECT_EQ(body_of(limited)["error"]["errors"][0]["reason"], "rateLimitExceeded");
  EXPECT_EQ(free_busy(t.access, "2026-01-05T00:00:00+01:00", "2026-01-06T00:00:00+01:00").status,
            200);

  control_->add({.path_prefix = "/google/v4", .status = 500});
  auto broken = call("POST", "/google/v4/spreadsheets", "{}", t.access);
  EXPECT_EQ(broken.status, 500);
  EXPECT_EQ(body_of(broken)["error"]["status"], "INTERNAL");

  control_->add({.path_prefix = "/google/token", .status = 503});
  auto down = refresh(t.refresh);
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(body_of(down)["error"], "temporarily_unavailable");

  control_->add({.path_prefix = "/google/calendar/v3/calendars", .delay_ms = 150});
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(call("GET", "/google/calendar/v3/calendars/primary/events", "", t.access).status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(150));

  auto stats = body_of(call("GET", "/_control/stats"));
  EXPECT_EQ(stats["requests"]["POST /google/calendar/v3/freeBusy"].GetInt(), 2);
}

TEST_F(GoogleTest, StateShowsEverythingAndResets) {
  auto t = connect("inhaber@example.com");
  insert(t.access, "bk00001", "2026-01-05T10:00:00+01:00", "2026-01-05T10:30:00+01:00");
  call("POST", "/google/v4/spreadsheets", "{}", t.access);
  auto state = body_of(call("GET", "/google/_state"));
  EXPECT_EQ(state["accounts"]["inhaber@example.com"]["calendar"]["events"][0]["id"], "bk00001");
  EXPECT_EQ(state["counts"]["events"].GetInt(), 1);
  EXPECT_EQ(state["counts"]["spreadsheets"].GetInt(), 1);
  EXPECT_EQ(state["grants"][0]["email"], "inhaber@example.com");
  EXPECT_EQ(state["grants"][0]["refresh_token"], t.refresh);
  EXPECT_EQ(state["grants"][0]["live_access_tokens"].GetInt(), 1);

  EXPECT_EQ(call("DELETE", "/google/_state").status, 204);
  auto empty = body_of(call("GET", "/google/_state"));
  EXPECT_EQ(empty["counts"]["grants"].GetInt(), 0);
  EXPECT_EQ(empty["accounts"].MemberCount(), 0u);
  EXPECT_EQ(call("GET", "/google/oauth2/v3/userinfo", "", t.access).status, 401);
}

}  // namespace
}  // namespace kx::sandbox
