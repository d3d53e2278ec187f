#include "kx/time/timestamp.hpp"

#include <gtest/gtest.h>

namespace kx::time {
namespace {

using namespace std::chrono;

Clock::time_point at(year_month_day day, hours h, minutes m, seconds s,
                     nanoseconds fraction = nanoseconds(0)) {
  return Clock::time_point(
      duration_cast<Clock::duration>(sys_days(day).time_since_epoch() + h + m + s + fraction));
}

TEST(Timestamps, ParsesRfc3339WithFractionsAndOffsets) {
  EXPECT_EQ(parse_timestamp("2026-01-01T08:00:02.000Z"), at(2026y / January / 1, 8h, 0min, 2s));
  EXPECT_EQ(parse_timestamp("2026-01-01T09:00:02.5+01:00"),
            at(2026y / January / 1, 8h, 0min, 2s, 500ms));
  EXPECT_EQ(parse_timestamp("2026-01-01T07:30:02-0030"), at(2026y / January / 1, 8h, 0min, 2s));
  EXPECT_EQ(parse_timestamp("2024-02-29T00:00:00.123456789z"),
            at(2024y / February / 29, 0h, 0min, 0s, 123456789ns));
}

TEST(Timestamps, RefusesWhatIsNotOne) {
  for (const char* bad :
       {"", "2026-01-01", "2026-01-01T08:00:02", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z",
        "2026-01-01T24:00:00Z", "1969-12-31T23:59:59Z", "2201-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z", "2026-01-01T08:00:02.Z", "2026-01-01T08:00:02.0000000001Z",
        "2026-01-01 08:00:02Z", "2026-01-01T08:00:02+1:00", "abcd-ef-ghTij:kl:mnZ"}) {
    EXPECT_FALSE(parse_timestamp(bad)) << bad;
  }
}

}  // namespace
}  // namespace kx::time
