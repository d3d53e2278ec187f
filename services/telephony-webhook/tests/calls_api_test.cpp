// The call history API: owner scoping, filters, detail, export, statistics, escalation log.
#include "service_fixture.hpp"

namespace kx::telephony::testing {
namespace {

using samples::end_of_call_report;

const http::Identity kAnna{"owner-1", "user"};
const http::Identity kBernd{"owner-2", "user"};
const http::Identity kAdmin{"admin-1", "admin"};

class CallsApiTest : public ServiceTest {
 protected:
  void SetUp() override {
    seed(AgentSeed{});
    AgentSeed bernd;
    bernd.agent_id = "agent-2";
    bernd.user_id = "owner-2";
    bernd.assistant_id = "asst-2";
    bernd.vapi_phone_number_id = "pn-2";
    bernd.phone_number = "+493087654321";
    seed(bernd);
    // Anna: three calls, one of them a test call and one escalated; Bernd: one call.
    ASSERT_EQ(vapi(end_of_call_report("va-1", "asst-1")).status, 200);
    ASSERT_EQ(vapi(end_of_call_report("va-2", "asst-1", "customer-did-not-answer")).status, 200);
    ASSERT_EQ(vapi(samples::transfer_destination_request("va-3", "asst-1")).status, 200);
    ASSERT_EQ(vapi(end_of_call_report("va-3", "asst-1", "customer-ended-call", "webCall")).status,
              200);
    ASSERT_EQ(vapi(end_of_call_report("vb-1", "asst-2")).status, 200);
    // Spread the calls over days so that ordering and date filters mean something.
    pg::transact(*pool_, [](pqxx::work& tx) {
      tx.exec("UPDATE calls SET created_at = '2026-01-01T08:00:00Z' WHERE vapi_call_id = 'va-1'");
      tx.exec("UPDATE calls SET created_at = '2026-01-02T08:00:00Z' WHERE vapi_call_id = 'va-2'");
      tx.exec("UPDATE calls SET created_at = '2026-01-03T08:00:00Z' WHERE vapi_call_id = 'va-3'");
      tx.exec("UPDATE calls SET created_at = '2026-01-02T09:00:00Z' WHERE vapi_call_id = 'vb-1'");
    });
  }
  std::string id_of(const std::string& vapi_call_id) {
    return text("SELECT id FROM calls WHERE vapi_call_id = '" + vapi_call_id + "'");
  }
  json::Document get_json(const std::string& target, const http::Identity& who, int status = 200) {
    auto res = call("GET", target, {}, who);
    EXPECT_EQ(res.status, status) << target << " " << res.body;
    return json::parse(res.body);
  }
  static std::vector<std::string> vapi_ids(const json::Document& list) {
    std::vector<std::string> out;
    for (const auto& item : list["items"].GetArray())
      out.push_back(item["vapi_call_id"].GetString());
    return out;
  }
};

TEST_F(CallsApiTest, ListIsTheOwnersNewestFirst) {
  auto list = get_json("/api/calls", kAnna);
  EXPECT_EQ(list["total"].GetInt(), 3);
  EXPECT_EQ(vapi_ids(list), (std::vector<std::string>{"va-3", "va-2", "va-1"}));
  const auto& first = list["items"][0];
  EXPECT_STREQ(first["agent_name"].GetString(), "Empfang agent-1");
  EXPECT_TRUE(first["test"].GetBool());
  EXPECT_TRUE(first["escalated"].GetBool());
  EXPECT_FALSE(first.HasMember("user_id"));
  EXPECT_EQ(vapi_ids(get_json("/api/calls", kBernd)), (std::vector<std::string>{"vb-1"}));

  auto page = get_json("/api/calls?limit=1&offset=1", kAnna);
  EXPECT_EQ(page["total"].GetInt(), 3);
  EXPECT_EQ(vapi_ids(page), (std::vector<std::string>{"va-2"}));
  // Past the last page there are no items, but the total is still the owner's.
  auto past = get_json("/api/calls?limit=2&offset=5", kAnna);
  EXPECT_EQ(past["items"].Size(), 0u);
  EXPECT_EQ(past["total"].GetInt(), 3);
}

TEST_F(CallsApiTest, ListNarrowsByStatusTestDateRangeAndCallerDigits) {
  EXPECT_EQ(vapi_ids(get_json("/api/calls?status=no_answer", kAnna)),
            (std::vector<std::string>{"va-2"}));
  EXPECT_EQ(vapi_ids(get_json("/api/calls?test=false", kAnna)),
            (std::vector<std::string>{"va-2", "va-1"}));
  EXPECT_EQ(vapi_ids(get_json("/api/calls?from=2026-01-02&to=2026-01-02&tz=UTC", kAnna)),
            (std::vector<std::string>{"va-2"}));
  EXPECT_EQ(vapi_ids(get_json("/api/calls?from=2026-01-02T00:00:00Z", kAnna)),
            (std::vector<std::string>{"va-3", "va-2"}));
  // va-3's transfer request told its caller number before the web-call report came.
  EXPECT_EQ(vapi_ids(get_json("/api/calls?caller=151%20123", kAnna)).size(), 3u);
  EXPECT_EQ(vapi_ids(get_json("/api/calls?caller=%2B49%20151%201234%205678", kAnna)).size(), 3u);
  EXPECT_EQ(vapi_ids(get_json("/api/calls?caller=999", kAnna)).size(), 0u);
  EXPECT_EQ(vapi_ids(get_json("/api/calls?agent_id=agent-2", kAnna)).size(), 0u);
  auto bad = call("GET", "/api/calls?status=lost&limit=0&from=gestern&tz=Mars/Base", {}, kAnna);
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(json::parse(bad.body)["error"]["details"].Size(), 4u);
}

// Inserts a call of `owner` directly: the pagination tests need many, some at the same instant.
void insert_call(pg::Pool& pool, const std::string& id, const std::string& owner,
                 const std::string& created_at) {
  pg::transact(pool, [&](pqxx::work& tx) {
    tx.exec_params(
        "INSERT INTO calls (id, vapi_call_id, agent_id, user_id, status, created_at) "
        "VALUES ($1, 'v-' || $1, 'agent-1', $2, 'completed', $3::timestamptz)",
        id, owner, created_at);
  });
}

std::string cursor_error(const json::Document& doc) {
  const auto& details = doc["error"]["details"];
  return details.Size() == 1 ? details[0]["field"].GetString() : std::string();
}

TEST_F(CallsApiTest, CursorPagesShowEveryCallOnceWhileCallsArrive) {
  // Three calls at one instant (ties go by id) among Anna's three older ones.
  const std::string same = "2026-01-05T08:00:00.123456Z";
  for (const auto* id : {"k-1", "k-2", "k-3"})
    insert_call(*pool_, id, "owner-1", same);
  insert_call(*pool_, "k-4", "owner-1", "2026-01-04T08:00:00.000001Z");
  auto first = get_json("/api/calls?limit=2", kAnna);
  EXPECT_EQ(first["total"].GetInt(), 7);
  EXPECT_TRUE(first["total_exact"].GetBool());
  EXPECT_EQ(vapi_ids(first), (std::vector<std::string>{"v-k-3", "v-k-2"}));

  std::vector<std::string> seen = vapi_ids(first);
  std::string cursor = first["next_cursor"].GetString();
  int arrivals = 0;
  for (int pages = 1; !cursor.empty(); ++pages) {
    ASSERT_LT(pages, 20) << "the cursor does not advance";
    // A newer call (the next first page shows it) and one older than every other, which this
    // walk still reaches; another call at the tie instant with a smaller id lands behind the
    // cursor, one with a larger id in front of it.
    ++arrivals;
    insert_call(*pool_, "n-" + std::to_string(arrivals), "owner-1", "2026-02-01T00:00:00Z");
    insert_call(*pool_, "a-" + std::to_string(arrivals), "owner-1",
                "2025-12-" + std::to_string(30 - arrivals) + "T00:00:00Z");
    if (arrivals == 1) {
      insert_call(*pool_, "k-0", "owner-1", same);
      insert_call(*pool_, "k-9", "owner-1", same);
    }
    auto page = get_json("/api/calls?limit=2&cursor=" + cursor, kAnna);
    for (const auto& id : vapi_ids(page))
      seen.push_back(id);
    cursor = page["next_cursor"].IsNull() ? "" : page["next_cursor"].GetString();
  }
  std::vector<std::string> expected{"v-k-3", "v-k-2", "v-k-1", "v-k-0",
                                    "v-k-4", "va-3",  "va-2",  "va-1"};
  for (int i = 1; i <= arrivals; ++i)
    expected.push_back("v-a-" + std::to_string(i));
  EXPECT_EQ(seen, expected);
}

TEST_F(CallsApiTest, ACursorOnlyWorksForTheListItCameFrom) {
  auto anna = get_json("/api/calls?limit=1", kAnna);
  const std::string cursor = anna["next_cursor"].GetString();
  // Bernd cannot page through Anna's calls with her cursor, nor can an admin's cursor over
  // every owner be replayed as an owner.
  EXPECT_EQ(cursor_error(get_json("/api/calls?cursor=" + cursor, kBernd, 422)), "cursor");
  auto all = get_json("/api/admin/calls?limit=1", kAdmin);
  EXPECT_EQ(cursor_error(get_json(
                "/api/calls?cursor=" + std::string(all["next_cursor"].GetString()), kAnna, 422)),
            "cursor");
  EXPECT_EQ(
      cursor_error(get_json("/api/admin/calls?user_id=owner-2&cursor=" + cursor, kAdmin, 422)),
      "cursor");
  EXPECT_EQ(vapi_ids(get_json("/api/admin/calls?user_id=owner-1&cursor=" + cursor, kAdmin)),
            (std::vector<std::string>{"va-2", "va-1"}));
  // Not base64url, a well-encoded stranger, a bad time inside.
  for (const std::string bad : {"kaputt!", "aGFsbG8", "YzEfb3duZXItMR9nZXN0ZXJuH3g"})
    EXPECT_EQ(cursor_error(get_json("/api/calls?cursor=" + bad, kAnna, 422)), "cursor") << bad;
  EXPECT_EQ(cursor_error(get_json("/api/calls?offset=1&cursor=" + cursor, kAnna, 422)), "offset");
}

TEST_F(CallsApiTest, DetailHasEverythingAndOnlyForTheOwner) {
  auto doc = get_json("/api/calls/" + id_of("va-1"), kAnna);
  const auto& c = doc["call"];
  EXPECT_STREQ(c["status"].GetString(), "completed");
  EXPECT_EQ(c["duration_seconds"].GetInt(), 286);
  EXPECT_EQ(c["transcript"].Size(), 4u);
  EXPECT_STREQ(c["summary"].GetString(),
               "Anrufer wollte einen Termin; 10:30 am 5.1. wurde gebucht.");
  EXPECT_STREQ(c["analysis"]["structured_data"]["intent"].GetString(), "appointment");
  EXPECT_STREQ(c["recording_url"].GetString(), "https://storage.example/rec/mono.wav");
  EXPECT_EQ(c["provider_cost_usd_micros"].GetInt(), 187'500);
  EXPECT_EQ(c["escalations"].Size(), 0u);
  auto escalated = get_json("/api/calls/" + id_of("va-3"), kAnna);
  ASSERT_EQ(escalated["call"]["escalations"].Size(), 1u);
  EXPECT_STREQ(escalated["call"]["escalations"][0]["destination"].GetString(), "+493012345600");

  // Another owner's call does not exist for Anna, on every endpoint that takes an id.
  auto other = call("GET", "/api/calls/" + id_of("vb-1"), {}, kAnna);
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(code_of(other), "not_found");
  EXPECT_EQ(call("GET", "/api/calls/no-such-call", {}, kAnna).status, 404);
  EXPECT_EQ(call("GET", "/api/calls/" + std::string(300, 'x'), {}, kAnna).status, 404);
  EXPECT_EQ(call("GET", "/api/admin/calls/" + id_of("vb-1"), {}, kAdmin).status, 200);
}

TEST_F(CallsApiTest, NothingWithoutASessionAndNoAdminForUsers) {
  for (const char* path :
       {"/api/calls", "/api/calls/x", "/api/calls/export.csv", "/api/calls/stats",
        "/api/escalations", "/api/escalations/stats", "/api/admin/calls", "/api/admin/calls/x",
        "/api/admin/calls/export.csv", "/api/admin/calls/stats", "/api/admin/escalations",
        "/api/admin/escalations/stats"}) {
    auto res = call("GET", path);
    EXPECT_EQ(res.status, 401) << path;
    EXPECT_EQ(code_of(res), "unauthorized") << path;
    if (std::string(path).rfind("/api/admin", 0) == 0) {
      EXPECT_EQ(call("GET", path, {}, kAnna).status, 403) << path;
    }
  }
  // Unsigned requests (around the gateway) are refused as well.
  http::Request req;
  req.method = "GET";
  req.target = req.path = "/api/calls";
  req.request_id = "r";
  req.headers.set("X-Kx-User-Id", "owner-1");
  req.headers.set("X-Kx-Role", "user");
  EXPECT_EQ(http::dispatch(router_, server_options_, req).status, 401);
}

TEST_F(CallsApiTest, AdminSeesEveryOwnerAndCanFilterByOwner) {
  auto all = get_json("/api/admin/calls", kAdmin);
  EXPECT_EQ(all["total"].GetInt(), 4);
  EXPECT_TRUE(all["items"][0].HasMember("user_id"));
  auto bernd = get_json("/api/admin/calls?user_id=owner-2", kAdmin);
  EXPECT_EQ(vapi_ids(bernd), (std::vector<std::string>{"vb-1"}));
  // An admin's own /api/calls is their own (empty) history.
  EXPECT_EQ(get_json("/api/calls", kAdmin)["total"].GetInt(), 0);
}

// The usual page sizes are written into the statement, any other limit is a parameter: either
// way the answer holds exactly the rows asked for.
TEST_F(CallsApiTest, UsualAndUnusualLimitsGiveExactlyThatManyRows) {
  auto usual = get_json("/api/admin/calls?limit=5", kAdmin);  // LIMIT 6 in the text, 4 calls
  EXPECT_EQ(usual["items"].Size(), 4u);
  EXPECT_TRUE(usual["next_cursor"].IsNull());
  auto first = get_json("/api/admin/calls?limit=2", kAdmin);  // LIMIT $n: 3 rows of 4 calls
  ASSERT_EQ(first["items"].Size(), 2u);
  ASSERT_TRUE(first["next_cursor"].IsString());
  auto rest = get_json(
      std::string("/api/admin/calls?limit=2&cursor=") + first["next_cursor"].GetString(), kAdmin);
  EXPECT_EQ(rest["items"].Size(), 2u);
  EXPECT_TRUE(rest["next_cursor"].IsNull());
  auto csv = call("GET", "/api/admin/calls/export.csv?limit=3", {}, kAdmin);
  ASSERT_EQ(csv.status, 200);
  std::size_t lines = 0;
  for (std::size_t p = csv.body.find("\r\n"); p != std::string::npos;
       p = csv.body.find("\r\n", p + 2))
    ++lines;
  EXPECT_EQ(lines, 4u);  // header + 3 of the 4 calls
}

TEST_F(CallsApiTest, CsvExportHoldsOnlyTheOwnersCallsWithBomAndSemicolons) {
  auto res = call("GET", "/api/calls/export.csv?delimiter=semicolon", {}, kAnna);
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(std::string(res.headers.get("Content-Type").value_or("")), "text/csv; charset=utf-8");
  EXPECT_NE(std::string(res.headers.get("Content-Disposition").value_or("")).find("attachment"),
            std::string::npos);
  EXPECT_EQ(res.body.substr(0, 3), "\xEF\xBB\xBF");
  std::size_t lines = 0;
  for (std::size_t p = res.body.find("\r\n"); p != std::string::npos;
       p = res.body.find("\r\n", p + 2))
    ++lines;
  EXPECT_EQ(lines, 4u);  // header + Anna's three calls
  EXPECT_EQ(res.body.find("vb-1"), std::string::npos);
  EXPECT_EQ(res.body.find(id_of("vb-1")), std::string::npos);
  EXPECT_NE(res.body.find(id_of("va-1") + ";2026-01-01T08:00:00.000Z"), std::string::npos);
  auto admin = call("GET", "/api/admin/calls/export.csv", {}, kAdmin);
  EXPECT_NE(admin.body.find(id_of("vb-1")), std::string::npos);
}

TEST_F(CallsApiTest, StatsPerDayAndThisMonth) {
  auto s = get_json(
      "/api/calls/stats?from=2026-01-01&to=2026-01-03&tz=Europe/Berlin&include_test=true", kAnna);
  EXPECT_STREQ(s["timezone"].GetString(), "Europe/Berlin");
  EXPECT_STREQ(s["from"].GetString(), "2025-12-31T23:00:00.000Z");  // Berlin midnight
  EXPECT_STREQ(s["to"].GetString(), "2026-01-03T23:00:00.000Z");
  ASSERT_EQ(s["days"].Size(), 3u);
  EXPECT_STREQ(s["days"][0]["date"].GetString(), "2026-01-01");
  EXPECT_EQ(s["days"][0]["calls"].GetInt(), 1);
  EXPECT_EQ(s["days"][0]["duration_seconds"].GetInt(), 286);
  EXPECT_EQ(s["days"][0]["minutes"].GetInt(), 5);  // 4 min 46 s: five started minutes
  EXPECT_EQ(s["days"][1]["calls"].GetInt(), 1);
  EXPECT_EQ(s["days"][2]["calls"].GetInt(), 1);
  EXPECT_EQ(s["total"]["calls"].GetInt(), 3);
  auto without_test = get_json("/api/calls/stats?from=2026-01-01&to=2026-01-03", kAnna);
  EXPECT_EQ(without_test["total"]["calls"].GetInt(), 2);
  // This month's totals count the calls created this month (none of the 2026-01 samples,
  // unless the test runs in January 2026).
  EXPECT_TRUE(s["this_month"]["month"].IsString());
  EXPECT_TRUE(s["this_month"]["by_status"].IsObject());
  pg::transact(*pool_, [](pqxx::work& tx) { tx.exec("UPDATE calls SET created_at = now()"); });
  auto now = get_json("/api/calls/stats", kAnna);
  EXPECT_EQ(now["this_month"]["calls"].GetInt(), 2);
  EXPECT_EQ(now["this_month"]["by_status"]["completed"].GetInt(), 1);
  EXPECT_EQ(now["days"].Size(), 30u);
  EXPECT_EQ(get_json("/api/admin/calls/stats", kAdmin)["this_month"]["calls"].GetInt(), 3);
  EXPECT_EQ(call("GET", "/api/calls/stats?from=2026-01-05&to=2026-01-01", {}, kAnna).status, 422);
  EXPECT_EQ(call("GET", "/api/calls/stats?from=2024-01-01&to=2026-01-01", {}, kAnna).status, 422);
}

TEST_F(CallsApiTest, DatesAreLocalDaysOfTheRequestedZone) {
  auto range = [&](const std::string& query) {
    auto s = get_json("/api/calls/stats?" + query, kAnna);
    return std::string(s["from"].GetString()) + " " + s["to"].GetString() + " " +
           std::to_string(s["days"].Size());
  };
  // Berlin's spring-forward day has 23 hours, its fall-back day 25.
  EXPECT_EQ(range("from=2026-03-29&to=2026-03-29"),
            "2026-03-28T23:00:00.000Z 2026-03-29T22:00:00.000Z 1");
  EXPECT_EQ(range("from=2026-10-25&to=2026-10-25&tz=Europe/Berlin"),
            "2026-10-24T22:00:00.000Z 2026-10-25T23:00:00.000Z 1");
  // UTC+14: New Year's Day begins at 10:00 UTC the day before.
  EXPECT_EQ(range("from=2026-01-01&to=2026-01-02&tz=Pacific/Kiritimati"),
            "2025-12-31T10:00:00.000Z 2026-01-02T10:00:00.000Z 2");
  for (const char* tz : {"localtime", "..%2F..%2Fetc%2Fpasswd", "europe%2Fberlin"})
    EXPECT_EQ(call("GET", std::string("/api/calls/stats?tz=") + tz, {}, kAnna).status, 422) << tz;
}

TEST_F(CallsApiTest, EscalationLogAndStatistics) {
  auto log = get_json("/api/escalations", kAnna);
  ASSERT_EQ(log["total"].GetInt(), 1);
  const auto& e = log["items"][0];
  EXPECT_EQ(std::string(e["call_id"].GetString()), id_of("va-3"));
  EXPECT_STREQ(e["kind"].GetString(), "forwarding");
  EXPECT_STREQ(e["destination"].GetString(), "+493012345600");
  EXPECT_STREQ(e["outcome"].GetString(), "not_connected");
  EXPECT_STREQ(e["agent_name"].GetString(), "Empfang agent-1");
  EXPECT_EQ(get_json("/api/escalations", kBernd)["total"].GetInt(), 0);
  EXPECT_EQ(get_json("/api/escalations?kind=message", kAnna)["total"].GetInt(), 0);

  auto stats = get_json("/api/escalations/stats", kAnna);
  EXPECT_EQ(stats["total"].GetInt(), 1);
  EXPECT_EQ(stats["within_business_hours"].GetInt(), 1);
  EXPECT_EQ(stats["by_kind"]["forwarding"].GetInt(), 1);
  EXPECT_EQ(stats["by_outcome"]["not_connected"].GetInt(), 1);
  EXPECT_EQ(stats["by_reason"]["transfer_requested"].GetInt(), 1);
  EXPECT_EQ(get_json("/api/escalations/stats", kBernd)["total"].GetInt(), 0);
  EXPECT_EQ(get_json("/api/admin/escalations/stats", kAdmin)["total"].GetInt(), 1);
  EXPECT_EQ(get_json("/api/admin/escalations?user_id=owner-2", kAdmin)["total"].GetInt(), 0);

  // Days are local days: 23:30 UTC on 10 March is 00:30 on 11 March in Berlin.
  pg::transact(*pool_, [](pqxx::work& tx) {
    tx.exec("UPDATE escalations SET at = '2026-03-10T23:30:00Z'");
  });
  auto march = get_json("/api/escalations/stats?from=2026-03-01&to=2026-03-31", kAnna);
  EXPECT_STREQ(march["timezone"].GetString(), "Europe/Berlin");
  ASSERT_TRUE(march["per_day"].HasMember("2026-03-11"));
  EXPECT_EQ(march["per_day"]["2026-03-11"].GetInt(), 1);
  auto utc = get_json("/api/escalations/stats?from=2026-03-01&to=2026-03-31&tz=UTC", kAnna);
  ASSERT_TRUE(utc["per_day"].HasMember("2026-03-10"));
  EXPECT_EQ(utc["per_day"]["2026-03-10"].GetInt(), 1);
  EXPECT_EQ(call("GET", "/api/escalations/stats?tz=Nowhere/Town", {}, kAnna).status, 422);
}

}  // namespace
}  // namespace kx::telephony::testing
