// The tz-file reader against known transitions and against the C library's own reading of the
// same database.
#include "time_zone.hpp"

#include <ctime>
#include <fstream>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

namespace kx::telephony {
namespace {

using Clock = std::chrono::system_clock;

Clock::time_point at(std::int64_t unix_seconds) {
  return Clock::time_point(std::chrono::seconds(unix_seconds));
}

std::int64_t utc(int y, unsigned mo, unsigned d, int h, int mi, int s = 0) {
  auto days = std::chrono::sys_days(std::chrono::year(y) / mo / d).time_since_epoch().count();
  return days * 86'400 + h * 3600 + mi * 60 + s;
}

TEST(TimeZone, BerlinDaylightSavingTransitions2026) {
  TimeZones zones;
  auto berlin = zones.get("Europe/Berlin");
  ASSERT_TRUE(berlin);
  // Spring forward: 2026-03-29 01:00 UTC (02:00 CET -> 03:00 CEST).
  EXPECT_EQ(berlin->offset_at(at(utc(2026, 3, 29, 0, 59, 59))), 3600);
  EXPECT_EQ(berlin->offset_at(at(utc(2026, 3, 29, 1, 0, 0))), 7200);
  // Fall back: 2026-10-25 01:00 UTC (03:00 CEST -> 02:00 CET).
  EXPECT_EQ(berlin->offset_at(at(utc(2026, 10, 25, 0, 59, 59))), 7200);
  EXPECT_EQ(berlin->offset_at(at(utc(2026, 10, 25, 1, 0, 0))), 3600);

  auto before = berlin->local(at(utc(2026, 3, 29, 0, 59)));
  EXPECT_EQ(before.minutes, 1 * 60 + 59);
  auto after = berlin->local(at(utc(2026, 3, 29, 1, 0)));
  EXPECT_EQ(after.minutes, 3 * 60);
  EXPECT_EQ(after.weekday, 6);  // Sunday
  EXPECT_EQ(after.date, std::chrono::year(2026) / 3 / 29);
}

TEST(TimeZone, LocalDateCrossesMidnight) {
  TimeZones zones;
  auto berlin = zones.get("Europe/Berlin");
  ASSERT_TRUE(berlin);
  // 23:30 UTC on Friday 2026-07-03 is 01:30 on Saturday in Berlin (CEST).
  auto l = berlin->local(at(utc(2026, 7, 3, 23, 30)));
  EXPECT_EQ(l.date, std::chrono::year(2026) / 7 / 4);
  EXPECT_EQ(l.weekday, 5);
  EXPECT_EQ(l.minutes, 90);
  auto ny = zones.get("America/New_York");
  ASSERT_TRUE(ny);
  // 02:00 UTC on Saturday is 22:00 on Friday in New York (EDT).
  auto n = ny->local(at(utc(2026, 7, 4, 2, 0)));
  EXPECT_EQ(n.weekday, 4);
  EXPECT_EQ(n.minutes, 22 * 60);
  EXPECT_EQ(n.utc_offset_seconds, -4 * 3600);
}

TEST(TimeZone, FarFutureUsesTheFooterRule) {
  TimeZones zones;
  auto berlin = zones.get("Europe/Berlin");
  ASSERT_TRUE(berlin);
  EXPECT_EQ(berlin->offset_at(at(utc(2100, 7, 1, 12, 0))), 7200);
  EXPECT_EQ(berlin->offset_at(at(utc(2100, 1, 15, 12, 0))), 3600);
  // 2100-03-28 is the last Sunday of March 2100.
  EXPECT_EQ(berlin->offset_at(at(utc(2100, 3, 28, 0, 59, 59))), 3600);
  EXPECT_EQ(berlin->offset_at(at(utc(2100, 3, 28, 1, 0, 0))), 7200);
}

TEST(TimeZone, PosixRulesNorthSouthAndFixed) {
  auto cet = TimeZone::from_posix_rule("x", "CET-1CEST,M3.5.0,M10.5.0/3");
  EXPECT_EQ(cet->offset_at(at(utc(2026, 3, 29, 1, 0))), 7200);
  EXPECT_EQ(cet->offset_at(at(utc(2026, 10, 25, 1, 0))), 3600);
  // Southern hemisphere: summer time spans New Year.
  auto sydney = TimeZone::from_posix_rule("y", "AEST-10AEDT,M10.1.0,M4.1.0/3");
  EXPECT_EQ(sydney->offset_at(at(utc(2026, 1, 15, 0, 0))), 11 * 3600);
  EXPECT_EQ(sydney->offset_at(at(utc(2026, 7, 15, 0, 0))), 10 * 3600);
  EXPECT_EQ(sydney->offset_at(at(utc(2026, 12, 31, 14, 30))), 11 * 3600);
  auto india = TimeZone::from_posix_rule("z", "IST-5:30");
  EXPECT_EQ(india->offset_at(at(utc(2026, 6, 1, 0, 0))), 5 * 3600 + 1800);
  auto quoted = TimeZone::from_posix_rule("q", "<+03>-3");
  EXPECT_EQ(quoted->offset_at(at(0)), 3 * 3600);
  EXPECT_THROW(TimeZone::from_posix_rule("bad", "C"), std::invalid_argument);
  EXPECT_THROW(TimeZone::from_posix_rule("bad", "CET-1CEST,M13.5.0,M10.5.0"),
               std::invalid_argument);
  EXPECT_THROW(TimeZone::from_posix_rule("bad", "CET-1CEST,M3.5.0"), std::invalid_argument);
}

TEST(TimeZone, RejectsBadNamesAndFiles) {
  TimeZones zones;
  EXPECT_FALSE(zones.get(""));
  EXPECT_FALSE(zones.get("../../etc/passwd"));
  EXPECT_FALSE(zones.get("/etc/passwd"));
  EXPECT_FALSE(zones.get("Europe/Nowhere"));
  EXPECT_FALSE(zones.get("Europe"));  // a directory
  EXPECT_TRUE(zones.get("UTC"));
  EXPECT_THROW(TimeZone::from_tzif("x", "not a tz file"), std::invalid_argument);
  std::ifstream in("/usr/share/zoneinfo/Europe/Berlin", std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  auto data = buf.str();
  ASSERT_GT(data.size(), 100u);
  for (std::size_t cut : {std::size_t{10}, std::size_t{44}, data.size() / 2})
    EXPECT_THROW(TimeZone::from_tzif("x", std::string_view(data).substr(0, cut)),
                 std::invalid_argument);
}

// The C library reads the same files; with TZ set once in this single-threaded test its
// answers are the reference.
TEST(TimeZone, AgreesWithTheCLibrary) {
  TimeZones zones;
  std::mt19937_64 rng(20261121);
  std::uniform_int_distribution<std::int64_t> when(0, utc(2120, 1, 1, 0, 0));
  for (const char* name :
       {"Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
        "America/Sao_Paulo", "Europe/London", "Pacific/Chatham", "Africa/Casablanca"}) {
    auto zone = zones.get(name);
    ASSERT_TRUE(zone) << name;
    setenv("TZ", name, 1);
    tzset();
    for (int i = 0; i < 4000; ++i) {
      std::time_t t = static_cast<std::time_t>(when(rng));
      std::tm tm{};
      localtime_r(&t, &tm);
      auto local = zone->local(at(t));
      ASSERT_EQ(local.utc_offset_seconds, tm.tm_gmtoff) << name << " at " << t;
      ASSERT_EQ(local.minutes, tm.tm_hour * 60 + tm.tm_min) << name << " at " << t;
      ASSERT_EQ(local.weekday, (tm.tm_wday + 6) % 7) << name << " at " << t;
    }
  }
  unsetenv("TZ");
  tzset();
}

}  // namespace
}  // namespace kx::telephony
