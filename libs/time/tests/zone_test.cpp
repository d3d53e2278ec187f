// Zones against known transitions of 2026 (Europe/Berlin, a southern-hemisphere zone, zones far
// from UTC) and against the C library's own reading of the same database.
#include "kx/time/zone.hpp"

#include <ctime>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace kx::time {
namespace {

using namespace std::chrono_literals;
using std::chrono::local_days;
using std::chrono::local_seconds;
using std::chrono::sys_days;
using std::chrono::year;
using std::chrono::year_month_day;

Clock::time_point utc(int y, unsigned mo, unsigned d, int h, int mi, int s = 0) {
  return sys_days(year(y) / mo / d) + std::chrono::hours(h) + std::chrono::minutes(mi) +
         std::chrono::seconds(s);
}

local_seconds wall(int y, unsigned mo, unsigned d, int h, int mi) {
  return local_seconds(local_days(year(y) / mo / d)) + std::chrono::hours(h) +
         std::chrono::minutes(mi);
}

Zone zone(const char* name) {
  auto z = Zone::find(name);
  EXPECT_TRUE(z) << name;
  return z.value_or(Zone::utc());
}

TEST(Zone, BerlinOffsetsAroundThe2026Switches) {
  auto berlin = zone("Europe/Berlin");
  EXPECT_EQ(berlin.name(), "Europe/Berlin");
  // Spring forward: 2026-03-29 01:00 UTC (02:00 CET -> 03:00 CEST).
  EXPECT_EQ(berlin.offset_at(utc(2026, 3, 29, 0, 59, 59)), 3600s);
  EXPECT_EQ(berlin.offset_at(utc(2026, 3, 29, 1, 0, 0)), 7200s);
  // Fall back: 2026-10-25 01:00 UTC (03:00 CEST -> 02:00 CET).
  EXPECT_EQ(berlin.offset_at(utc(2026, 10, 25, 0, 59, 59)), 7200s);
  EXPECT_EQ(berlin.offset_at(utc(2026, 10, 25, 1, 0, 0)), 3600s);

  auto before = berlin.local(utc(2026, 3, 29, 0, 59));
  EXPECT_EQ(before.minutes, 1 * 60 + 59);
  auto after = berlin.local(utc(2026, 3, 29, 1, 0));
  EXPECT_EQ(after.minutes, 3 * 60);
  EXPECT_EQ(after.weekday, std::chrono::Sunday);
  EXPECT_EQ(after.date, year(2026) / 3 / 29);
  EXPECT_EQ(after.utc_offset, 2h);
  // The repeated hour is read twice: once in CEST, once in CET.
  EXPECT_EQ(berlin.local(utc(2026, 10, 25, 0, 30)).minutes, 2 * 60 + 30);
  EXPECT_EQ(berlin.local(utc(2026, 10, 25, 1, 30)).minutes, 2 * 60 + 30);
  // Within the database's range (see zone.hpp): the last listed switches, in 2037.
  EXPECT_EQ(berlin.offset_at(utc(2037, 7, 1, 12, 0)), 7200s);
  EXPECT_EQ(berlin.offset_at(utc(2037, 12, 1, 12, 0)), 3600s);
}

TEST(Zone, LocalDateCrossesMidnight) {
  auto berlin = zone("Europe/Berlin");
  // 23:30 UTC on Friday 2026-07-03 is 01:30 on Saturday in Berlin (CEST).
  auto l = berlin.local(utc(2026, 7, 3, 23, 30));
  EXPECT_EQ(l.date, year(2026) / 7 / 4);
  EXPECT_EQ(l.weekday, std::chrono::Saturday);
  EXPECT_EQ(l.minutes, 90);
  // 02:00 UTC on Saturday is 22:00 on Friday in New York (EDT).
  auto n = zone("America/New_York").local(utc(2026, 7, 4, 2, 0));
  EXPECT_EQ(n.date, year(2026) / 7 / 3);
  EXPECT_EQ(n.weekday, std::chrono::Friday);
  EXPECT_EQ(n.minutes, 22 * 60);
  EXPECT_EQ(n.utc_offset, -4h);
}

TEST(Zone, SkippedLocalTimeIsShiftedForwardByTheGap) {
  auto berlin = zone("Europe/Berlin");
  auto r = berlin.resolve(wall(2026, 3, 29, 2, 30));
  EXPECT_EQ(r.kind, LocalKind::skipped);
  EXPECT_EQ(r.instant, utc(2026, 3, 29, 1, 30));  // 03:30 CEST
  EXPECT_EQ(berlin.local(r.instant).minutes, 3 * 60 + 30);
  auto start = berlin.resolve(wall(2026, 3, 29, 2, 0));
  EXPECT_EQ(start.kind, LocalKind::skipped);
  EXPECT_EQ(start.instant, utc(2026, 3, 29, 1, 0));  // the switch itself, 03:00 CEST
  auto last = berlin.resolve(wall(2026, 3, 29, 1, 59));
  EXPECT_EQ(last.kind, LocalKind::unique);
  EXPECT_EQ(last.instant, utc(2026, 3, 29, 0, 59));
  auto first = berlin.resolve(wall(2026, 3, 29, 3, 0));
  EXPECT_EQ(first.kind, LocalKind::unique);
  EXPECT_EQ(first.instant, utc(2026, 3, 29, 1, 0));
}

TEST(Zone, RepeatedLocalTimeIsTheEarlierInstant) {
  auto berlin = zone("Europe/Berlin");
  auto r = berlin.resolve(wall(2026, 10, 25, 2, 30));
  EXPECT_EQ(r.kind, LocalKind::repeated);
  EXPECT_EQ(r.instant, utc(2026, 10, 25, 0, 30));  // 02:30 CEST, not 02:30 CET an hour later
  EXPECT_EQ(berlin.resolve(wall(2026, 10, 25, 2, 0)).kind, LocalKind::repeated);
  EXPECT_EQ(berlin.instant(wall(2026, 10, 25, 2, 0)), utc(2026, 10, 25, 0, 0));
  auto after = berlin.resolve(wall(2026, 10, 25, 3, 0));
  EXPECT_EQ(after.kind, LocalKind::unique);
  EXPECT_EQ(after.instant, utc(2026, 10, 25, 2, 0));
  auto before = berlin.resolve(wall(2026, 10, 25, 1, 59));
  EXPECT_EQ(before.kind, LocalKind::unique);
  EXPECT_EQ(before.instant, utc(2026, 10, 24, 23, 59));
  // An ordinary summer afternoon.
  EXPECT_EQ(berlin.resolve(wall(2026, 7, 14, 14, 30)).instant, utc(2026, 7, 14, 12, 30));
}

TEST(Zone, LocalDaysAre23Or25HoursOnSwitchDays) {
  auto berlin = zone("Europe/Berlin");
  auto spring = berlin.day(year(2026) / 3 / 29);
  EXPECT_EQ(spring.begin, utc(2026, 3, 28, 23, 0));
  EXPECT_EQ(spring.end, utc(2026, 3, 29, 22, 0));
  EXPECT_EQ(spring.length(), 23h);
  auto autumn = berlin.day(year(2026) / 10 / 25);
  EXPECT_EQ(autumn.begin, utc(2026, 10, 24, 22, 0));
  EXPECT_EQ(autumn.end, utc(2026, 10, 25, 23, 0));
  EXPECT_EQ(autumn.length(), 25h);
  auto ordinary = berlin.day(year(2026) / 1 / 31);  // the next day is in another month
  EXPECT_EQ(ordinary.begin, utc(2026, 1, 30, 23, 0));
  EXPECT_EQ(ordinary.end, utc(2026, 1, 31, 23, 0));
  EXPECT_EQ(ordinary.length(), 24h);
  // Midnight belongs to the day it starts; the instant before it to the day before.
  EXPECT_EQ(berlin.local(ordinary.end).date, year(2026) / 2 / 1);
  EXPECT_EQ(berlin.local(ordinary.end).minutes, 0);
  EXPECT_EQ(berlin.local(ordinary.end - 1s).date, year(2026) / 1 / 31);
  EXPECT_EQ(berlin.start_of_day(year(2026) / 12 / 31), utc(2026, 12, 30, 23, 0));
}

TEST(Zone, SouthernHemisphereSummerSpansNewYear) {
  auto auckland = zone("Pacific/Auckland");
  EXPECT_EQ(auckland.offset_at(utc(2026, 1, 15, 0, 0)), 13h);
  EXPECT_EQ(auckland.offset_at(utc(2026, 7, 15, 0, 0)), 12h);
  // NZDT ends 2026-04-05 03:00 (back to 02:00), NZST ends 2026-09-27 02:00 (on to 03:00).
  EXPECT_EQ(auckland.day(year(2026) / 4 / 5).length(), 25h);
  EXPECT_EQ(auckland.day(year(2026) / 9 / 27).length(), 23h);
  EXPECT_EQ(auckland.resolve(wall(2026, 4, 5, 2, 30)).kind, LocalKind::repeated);
  EXPECT_EQ(auckland.resolve(wall(2026, 9, 27, 2, 30)).kind, LocalKind::skipped);
  // New Year in Auckland is still the old year in UTC.
  EXPECT_EQ(auckland.start_of_day(year(2027) / 1 / 1), utc(2026, 12, 31, 11, 0));
}

TEST(Zone, FarFromUtc) {
  // UTC+14: the first local day of 2026 begins at 10:00 UTC on 2025-12-31.
  auto kiritimati = zone("Pacific/Kiritimati");
  EXPECT_EQ(kiritimati.start_of_day(year(2026) / 1 / 1), utc(2025, 12, 31, 10, 0));
  auto l = kiritimati.local(utc(2026, 1, 1, 10, 0));
  EXPECT_EQ(l.date, year(2026) / 1 / 2);
  EXPECT_EQ(l.weekday, std::chrono::Friday);
  EXPECT_EQ(l.minutes, 0);
  EXPECT_EQ(l.utc_offset, 14h);
  // UTC-11, and a quarter-hour zone.
  EXPECT_EQ(zone("Pacific/Pago_Pago").local(utc(2026, 1, 1, 10, 0)).date, year(2025) / 12 / 31);
  EXPECT_EQ(zone("Asia/Kathmandu").offset_at(utc(2026, 6, 1, 0, 0)), 5h + 45min);
}

TEST(Zone, SwitchAtMidnight) {
  // Chile springs forward at 24:00: 2026-09-06 starts at 01:00, an hour late, and has 23 hours.
  auto santiago = zone("America/Santiago");
  auto spring = santiago.day(year(2026) / 9 / 6);
  EXPECT_EQ(spring.begin, utc(2026, 9, 6, 4, 0));
  EXPECT_EQ(santiago.local(spring.begin).minutes, 60);
  EXPECT_EQ(santiago.local(spring.begin).date, year(2026) / 9 / 6);
  EXPECT_EQ(spring.length(), 23h);
  // It falls back at 24:00 to 23:00: the repeated hour ends 2026-04-04, which has 25 hours.
  EXPECT_EQ(santiago.day(year(2026) / 4 / 4).length(), 25h);
  EXPECT_EQ(santiago.start_of_day(year(2026) / 4 / 5), utc(2026, 4, 5, 4, 0));
}

TEST(Zone, UnknownAndUnsafeNamesAreRefused) {
  for (const std::string& name : std::vector<std::string>{
           "", "Europe/Nowhere", "europe/berlin", "Europe", "../../etc/passwd", "/etc/passwd",
           "Europe/../Europe/Berlin", "localtime", "posix/Europe/Berlin", "right/Europe/Berlin",
           "zone.tab", "posixrules", std::string(65, 'A'), std::string("Europe/Berlin\0x", 15)})
    EXPECT_FALSE(Zone::find(name)) << name;
  EXPECT_EQ(zone("UTC").name(), "UTC");
  EXPECT_EQ(zone("Etc/UTC").offset_at(Clock::now()), 0s);
  EXPECT_EQ(Zone::utc().name(), "UTC");
  EXPECT_EQ(Zone::utc().instant(wall(2026, 3, 29, 2, 30)), utc(2026, 3, 29, 2, 30));
  EXPECT_EQ(Zone::utc().day(year(2026) / 3 / 29).length(), 24h);
  EXPECT_EQ(zone("Europe/Berlin"), zone("Europe/Berlin"));
}

TEST(Zone, FirstUseFromManyThreads) {
  const std::vector<const char*> names = {"Asia/Tokyo", "America/Chicago", "Africa/Nairobi",
                                          "Australia/Perth"};
  std::vector<std::thread> threads;
  std::vector<int> minutes(names.size() * 4, -1);
  for (std::size_t i = 0; i < minutes.size(); ++i) {
    threads.emplace_back([&, i] {
      auto z = Zone::find(names[i % names.size()]);
      minutes[i] = z ? z->local(utc(2026, 6, 1, 12, 0)).minutes : -2;
    });
  }
  for (auto& t : threads)
    t.join();
  const int expected[] = {21 * 60, 7 * 60, 15 * 60, 20 * 60};
  for (std::size_t i = 0; i < minutes.size(); ++i)
    EXPECT_EQ(minutes[i], expected[i % names.size()]) << names[i % names.size()];
}

// The C library reads the same files; with TZ set once in this single-threaded test its answers
// are the reference (up to 2037, the range of zone.hpp).
TEST(Zone, AgreesWithTheCLibrary) {
  std::mt19937_64 rng(20261121);
  std::uniform_int_distribution<std::int64_t> when(
      0,
      std::chrono::floor<std::chrono::seconds>(utc(2037, 12, 31, 0, 0)).time_since_epoch().count());
  for (const char* name :
       {"Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata",
        "America/Sao_Paulo", "Europe/London", "Pacific/Chatham", "Africa/Casablanca"}) {
    auto z = zone(name);
    setenv("TZ", name, 1);
    tzset();
    for (int i = 0; i < 4000; ++i) {
      std::time_t t = static_cast<std::time_t>(when(rng));
      std::tm tm{};
      localtime_r(&t, &tm);
      auto local = z.local(Clock::from_time_t(t));
      ASSERT_EQ(local.utc_offset.count(), tm.tm_gmtoff) << name << " at " << t;
      ASSERT_EQ(local.minutes, tm.tm_hour * 60 + tm.tm_min) << name << " at " << t;
      ASSERT_EQ(local.weekday.c_encoding(), static_cast<unsigned>(tm.tm_wday))
          << name << " at " << t;
      ASSERT_EQ(static_cast<unsigned>(local.date.day()), static_cast<unsigned>(tm.tm_mday));
      // And back: a local time that exists once maps to the instant it was read from.
      auto back = z.resolve(local_seconds(std::chrono::seconds(t) + local.utc_offset));
      if (back.kind == LocalKind::unique) {
        ASSERT_EQ(back.instant, Clock::from_time_t(t)) << name << " at " << t;
      }
    }
  }
  unsetenv("TZ");
  tzset();
}

}  // namespace
}  // namespace kx::time
