#include "kx/time/format.hpp"

#include <gtest/gtest.h>

namespace kx::time {
namespace {

using std::chrono::year;

TEST(Format, GermanDaysDatesAndClock) {
  EXPECT_EQ(format_day(year(2026) / 3 / 3), "Dienstag, 3. März");
  EXPECT_EQ(format_day_spoken(year(2026) / 3 / 3), "Dienstag, den 3. März");
  EXPECT_EQ(format_date(year(2026) / 3 / 3), "03.03.2026");
  EXPECT_EQ(format_day(year(2026) / 3 / 29), "Sonntag, 29. März");
  EXPECT_EQ(format_day(year(2026) / 12 / 31), "Donnerstag, 31. Dezember");
  EXPECT_EQ(format_day(year(2028) / 2 / 29), "Dienstag, 29. Februar");
  EXPECT_EQ(format_clock(14 * 60 + 30), "14:30 Uhr");
  EXPECT_EQ(format_clock(9 * 60 + 5), "9:05 Uhr");
  EXPECT_EQ(format_clock(0), "0:00 Uhr");
  EXPECT_EQ(format_clock(23 * 60 + 59), "23:59 Uhr");
}

TEST(Format, EnglishDaysDatesAndClock) {
  const auto en = Language::en;
  EXPECT_EQ(format_day(year(2026) / 3 / 3, en), "Tuesday, 3 March");
  EXPECT_EQ(format_day_spoken(year(2026) / 3 / 3, en), "Tuesday, the 3rd of March");
  EXPECT_EQ(format_day_spoken(year(2026) / 3 / 1, en), "Sunday, the 1st of March");
  EXPECT_EQ(format_day_spoken(year(2026) / 3 / 2, en), "Monday, the 2nd of March");
  EXPECT_EQ(format_day_spoken(year(2026) / 3 / 11, en), "Wednesday, the 11th of March");
  EXPECT_EQ(format_day_spoken(year(2026) / 3 / 12, en), "Thursday, the 12th of March");
  EXPECT_EQ(format_day_spoken(year(2026) / 3 / 13, en), "Friday, the 13th of March");
  EXPECT_EQ(format_day_spoken(year(2026) / 3 / 22, en), "Sunday, the 22nd of March");
  EXPECT_EQ(format_date(year(2026) / 3 / 3, en), "03/03/2026");
  EXPECT_EQ(format_clock(14 * 60 + 30, en), "2:30 pm");
  EXPECT_EQ(format_clock(0, en), "12:00 am");
  EXPECT_EQ(format_clock(12 * 60, en), "12:00 pm");
  EXPECT_EQ(format_clock(9 * 60 + 5, en), "9:05 am");
}

}  // namespace
}  // namespace kx::time
