// The small pure pieces of the Google integration: names matched to bookings, event ids, RFC
// 3339 times, the token keyring's configuration, the granted scopes and opening hours from
// agent events.
#include <gtest/gtest.h>

#include <set>

#include "dashboard_api.hpp"
#include "google_accounts.hpp"
#include "google_client.hpp"
#include "tools.hpp"

namespace kx::integrations {
namespace {

using namespace std::chrono_literals;

TEST(SamePerson, SurnameMustMatchAndFirstNamesWhenBothAreGiven) {
  EXPECT_TRUE(same_person("Erika Muster", "Erika Muster"));
  EXPECT_TRUE(same_person("erika muster", "Erika Muster"));
  EXPECT_TRUE(same_person("Muster", "Erika Muster"));
  EXPECT_TRUE(same_person("Frau Muster", "Erika Muster"));
  EXPECT_TRUE(same_person("Dr. Erika Muster", "Erika Muster"));
  EXPECT_TRUE(same_person("Jürgen Müller", "Juergen Mueller"));
  EXPECT_TRUE(same_person("Herr Weiß", "Thomas Weiss"));
  EXPECT_FALSE(same_person("Max Muster", "Erika Muster"));
  EXPECT_FALSE(same_person("Erika", "Erika Muster"));  // a first name alone is anybody's
  EXPECT_FALSE(same_person("Erika Mustermann", "Erika Muster"));
  EXPECT_FALSE(same_person("", "Erika Muster"));
  EXPECT_FALSE(same_person("Frau", "Erika Muster"));
}

TEST(EventId, Base32HexStableAndDistinctPerToolCall) {
  auto a = event_id_for("call-1:tool-1");
  EXPECT_EQ(a, event_id_for("call-1:tool-1"));
  EXPECT_NE(a, event_id_for("call-1:tool-2"));
  EXPECT_GE(a.size(), 5u);
  EXPECT_LE(a.size(), 1024u);
  for (char c : a)
    EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'v')) << a;
}

TEST(Rfc3339, ReadsOffsetsZuluAndFractions) {
  auto berlin = *time::Zone::find("Europe/Berlin");
  auto t = *parse_rfc3339("2026-01-05T10:30:00+01:00");
  EXPECT_EQ(t, *parse_rfc3339("2026-01-05T09:30:00Z"));
  EXPECT_EQ(t, *parse_rfc3339("2026-01-05T09:30:00.000Z"));
  EXPECT_EQ(t + 250ms, *parse_rfc3339("2026-01-05T09:30:00.25Z"));
  EXPECT_EQ(t, *parse_rfc3339("2026-01-05T04:30:00-05:00"));
  EXPECT_EQ(rfc3339(t, berlin), "2026-01-05T10:30:00+01:00");
  auto summer = *parse_rfc3339("2026-07-01T12:00:00Z");
  EXPECT_EQ(rfc3339(summer, berlin), "2026-07-01T14:00:00+02:00");
  auto ny = *time::Zone::find("America/New_York");
  EXPECT_EQ(rfc3339(t, ny), "2026-01-05T04:30:00-05:00");
  for (const char* bad :
       {"", "2026-01-05", "2026-01-05T10:30:00", "2026-13-05T10:30:00Z", "2026-02-30T10:30:00Z",
        "2026-01-05T25:30:00Z", "2026-01-05T10:30:00+0100", "2026-01-05T10:30:00Zjunk",
        "2026-01-05 10:30:00Z"})
    EXPECT_FALSE(parse_rfc3339(bad)) << bad;
}

TEST(A1, TabsAreQuotedWithApostrophesDoubled) {
  EXPECT_EQ(a1_tab("Anrufe", "A1"), "'Anrufe'!A1");
  EXPECT_EQ(a1_tab("O'Brien", "I:I"), "'O''Brien'!I:I");
}

TEST(Keyring, FirstKeySealsAllOpenAndMistakesAreNamedWithoutTheKey) {
  std::string k1 = crypto::base64_encode(std::string(32, 'a'));
  std::string k2 = crypto::base64_encode(std::string(32, 'b'));
  auto old_ring = keyring_from_config("old:" + k2);
  auto sealed_old = old_ring.seal("refresh-token", "google:refresh:u1");
  auto ring = keyring_from_config("new:" + k1 + ",old:" + k2);
  EXPECT_EQ(crypto::Keyring::key_id_of(ring.seal("x")), "new");
  EXPECT_EQ(ring.open(sealed_old, "google:refresh:u1"), "refresh-token");
  EXPECT_THROW(ring.open(sealed_old, "google:refresh:u2"), crypto::DecryptError);
  EXPECT_THROW(keyring_from_config(""), std::invalid_argument);
  EXPECT_THROW(keyring_from_config("nokey"), std::invalid_argument);
  try {
    keyring_from_config("short:" + crypto::base64_encode("too short"));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("short"), std::string::npos);
    EXPECT_EQ(std::string(e.what()).find(crypto::base64_encode("too short")), std::string::npos);
  }
}

TEST(Scopes, AllThreeAreNeeded) {
  const std::string all =
      "openid https://www.googleapis.com/auth/calendar.events "
      "https://www.googleapis.com/auth/calendar.freebusy "
      "https://www.googleapis.com/auth/drive.file email";
  EXPECT_TRUE(has_required_scopes(all));
  EXPECT_FALSE(
      has_required_scopes("https://www.googleapis.com/auth/calendar.events "
                          "https://www.googleapis.com/auth/drive.file"));
  EXPECT_FALSE(has_required_scopes(""));
  EXPECT_FALSE(
      has_required_scopes("https://www.googleapis.com/auth/calendar.eventsX "
                          "https://www.googleapis.com/auth/calendar.freebusy "
                          "https://www.googleapis.com/auth/drive.file"));
}

TEST(OpeningHours, FromTheAgentEventsForm) {
  auto h = opening_hours_from_json(
      R"({"mon": [{"start": "14:00", "end": "18:00"}, {"start": "09:00", "end": "12:00"}],
          "sat": [{"start": "10:00", "end": "24:00"}], "sun": [],
          "tue": [{"start": "18:00", "end": "09:00"}, {"start": "xx", "end": "10:00"}]})");
  ASSERT_EQ(h[0].size(), 2u);
  EXPECT_EQ(h[0][0].start, 9 * 60);
  EXPECT_EQ(h[0][1].end, 18 * 60);
  EXPECT_TRUE(h[1].empty());  // nonsense ranges are left out
  ASSERT_EQ(h[5].size(), 1u);
  EXPECT_EQ(h[5][0].end, 24 * 60);
  EXPECT_TRUE(h[6].empty());
  EXPECT_TRUE(opening_hours_from_json("not json")[0].empty());
}

TEST(Deadline, RefusesWhenTheBudgetIsUsedUp) {
  Deadline plenty(5s);
  EXPECT_EQ(plenty.left(2s), 2s);
  Deadline none(0ms);
  EXPECT_THROW(none.left(2s), GoogleError);
}

}  // namespace
}  // namespace kx::integrations
