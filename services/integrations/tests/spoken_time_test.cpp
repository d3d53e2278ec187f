#include "spoken_time.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace kx::integrations {
namespace {

using namespace std::chrono;

// Wednesday 2026-01-14, and Wednesday 2026-12-30 (a year end ahead).
constexpr year_month_day kJan = 2026y / January / 14;
constexpr year_month_day kDec = 2026y / December / 30;

std::string iso(const std::optional<year_month_day>& d) {
  if (!d)
    return "";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(d->year()),
                static_cast<unsigned>(d->month()), static_cast<unsigned>(d->day()));
  return buffer;
}

std::string hh_mm(const std::optional<SpokenClock>& c) {
  if (!c)
    return "";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%02d:%02d", c->hour, c->minute);
  return buffer;
}

struct Phrase {
  std::string_view text;
  year_month_day today;
  std::string_view date;  ///< "" when the phrase names no day
  std::string_view time;  ///< "" when it names no time; the hour as said for ambiguous ones
  bool ambiguous = false;
};

// Every phrase is read twice, as the tools do: once for the day, once for the clock.
const Phrase kPhrases[] = {
    // Relative days.
    {"heute", kJan, "2026-01-14", ""},
    {"morgen", kJan, "2026-01-15", ""},
    {"übermorgen", kJan, "2026-01-16", ""},
    {"uebermorgen um 10 Uhr", kJan, "2026-01-16", "10:00", true},
    {"Morgen um halb drei", kJan, "2026-01-15", "02:30", true},
    {"morgen früh um 9", kJan, "2026-01-15", "09:00"},
    {"heute Nachmittag um halb vier", kJan, "2026-01-14", "15:30"},
    {"in 3 Tagen", kJan, "2026-01-17", ""},
    {"in 10 Tagen", kJan, "2026-01-24", ""},
    {"in zwei Wochen", kJan, "2026-01-28", ""},
    {"in einer Woche", kJan, "2026-01-21", ""},
    {"in drei Tagen um 14 Uhr", kJan, "2026-01-17", "14:00"},
    // Weekdays (today is a Wednesday).
    {"Dienstag", kJan, "2026-01-20", ""},
    {"am Freitag", kJan, "2026-01-16", ""},
    {"Mittwoch", kJan, "2026-01-21", ""},
    {"Montag", kJan, "2026-01-19", ""},
    {"nächsten Dienstag", kJan, "2026-01-20", ""},
    {"naechsten Montag um viertel nach neun", kJan, "2026-01-19", "09:15", true},
    {"übernächsten Dienstag", kJan, "2026-01-27", ""},
    {"Dienstag in einer Woche", kJan, "2026-01-27", ""},
    {"Freitag nächste Woche", kJan, "2026-01-23", ""},
    {"Freitag um 14:30 Uhr", kJan, "2026-01-16", "14:30"},
    // Days of the month.
    {"am 15. Januar", kJan, "2026-01-15", ""},
    {"14. Januar 2027", kJan, "2027-01-14", ""},
    {"am 10. Januar", kJan, "2027-01-10", ""},
    {"15.1.", kJan, "2026-01-15", ""},
    {"15.01.", kJan, "2026-01-15", ""},
    {"13.01.2027", kJan, "2027-01-13", ""},
    {"3.3.", kJan, "2026-03-03", ""},
    {"am Dritten", kJan, "2026-02-03", ""},
    {"am dritten um 10", kJan, "2026-02-03", "10:00", true},
    {"am 3.", kJan, "2026-02-03", ""},
    {"am zwanzigsten", kJan, "2026-01-20", ""},
    {"am einunddreißigsten", kJan, "2026-01-31", ""},
    {"am 15. um 10", kJan, "2026-01-15", "10:00", true},
    {"Dienstag, den 3. März um 14 Uhr", kJan, "2026-03-03", "14:00"},
    {"2026-02-05", kJan, "2026-02-05", ""},
    {"2026-02-05 15:00", kJan, "2026-02-05", "15:00"},
    // English.
    {"today", kJan, "2026-01-14", ""},
    {"tomorrow", kJan, "2026-01-15", ""},
    {"day after tomorrow", kJan, "2026-01-16", ""},
    {"next Tuesday", kJan, "2026-01-20", ""},
    {"January 15", kJan, "2026-01-15", ""},
    {"15 January", kJan, "2026-01-15", ""},
    {"the third", kJan, "2026-02-03", ""},
    {"on the 3rd at 2:30 pm", kJan, "2026-02-03", "14:30"},
    // Times of day.
    {"14:30", kJan, "", "14:30"},
    {"14.30 Uhr", kJan, "", "14:30"},
    {"14 Uhr", kJan, "", "14:00"},
    {"14 Uhr 30", kJan, "", "14:30"},
    {"14h", kJan, "", "14:00"},
    {"15", kJan, "", "15:00"},
    {"drei", kJan, "", "03:00", true},
    // German "am" before a day is no a.m.
    {"um 3 am Dienstag", kJan, "2026-01-20", "03:00", true},
    {"um 3 am Nachmittag", kJan, "", "15:00"},
    {"um 9", kJan, "", "09:00", true},
    {"neun Uhr", kJan, "", "09:00", true},
    {"halb drei", kJan, "", "02:30", true},
    {"halb eins", kJan, "", "12:30"},
    {"viertel nach zehn", kJan, "", "10:15", true},
    {"viertel vor elf", kJan, "", "10:45", true},
    {"dreiviertel elf", kJan, "", "10:45", true},
    {"drei viertel elf", kJan, "", "10:45", true},
    {"viertel elf", kJan, "", "10:15", true},
    {"zehn nach drei", kJan, "", "03:10", true},
    {"zwanzig vor vier", kJan, "", "03:40", true},
    {"fünf vor halb vier", kJan, "", "03:25", true},
    {"um zehn nach halb fünf", kJan, "", "04:40", true},
    {"drei Uhr nachmittags", kJan, "", "15:00"},
    {"8 Uhr morgens", kJan, "", "08:00"},
    {"elf Uhr vormittags", kJan, "", "11:00"},
    {"abends um sieben", kJan, "", "19:00"},
    {"um 1 mittags", kJan, "", "13:00"},
    {"mittags", kJan, "", "12:00"},
    {"09:00", kJan, "", "09:00"},
    {"9:00", kJan, "", "09:00", true},
    {"12 Uhr", kJan, "", "12:00"},
    {"zwölf Uhr", kJan, "", "12:00"},
    {"dreiundzwanzig Uhr", kJan, "", "23:00"},
    {"um eins", kJan, "", "01:00", true},
    {"vierzehn Uhr dreißig", kJan, "", "14:30"},
    {"2:30 pm", kJan, "", "14:30"},
    {"9 am", kJan, "", "09:00"},
    {"half past two", kJan, "", "02:30", true},
    {"quarter to eleven", kJan, "", "10:45", true},
    {"at 3 o'clock", kJan, "", "03:00", true},
    {"noon", kJan, "", "12:00"},
    // Across the year end (today is Wednesday 2026-12-30).
    {"heute", kDec, "2026-12-30", ""},
    {"morgen", kDec, "2026-12-31", ""},
    {"übermorgen", kDec, "2027-01-01", ""},
    {"in 3 Tagen", kDec, "2027-01-02", ""},
    {"in einer Woche", kDec, "2027-01-06", ""},
    {"Freitag", kDec, "2027-01-01", ""},
    {"nächsten Montag", kDec, "2027-01-04", ""},
    {"Montag in zwei Wochen", kDec, "2027-01-18", ""},
    {"Donnerstag nächste Woche", kDec, "2027-01-07", ""},
    {"am 2. Januar", kDec, "2027-01-02", ""},
    {"15.1.", kDec, "2027-01-15", ""},
    {"am Dritten", kDec, "2027-01-03", ""},
    {"am 31.", kDec, "2026-12-31", ""},
    {"31.12.", kDec, "2026-12-31", ""},
    {"am 29. Dezember", kDec, "2027-12-29", ""},
    {"1.1.2027 um 10:30", kDec, "2027-01-01", "10:30"},
    {"January 5", kDec, "2027-01-05", ""},
    {"the twenty-first", kDec, "2027-01-21", ""},
};

TEST(SpokenTime, PhraseTable) {
  EXPECT_GE(std::size(kPhrases), 60u);
  for (const auto& p : kPhrases) {
    SCOPED_TRACE(std::string(p.text) + " from " + iso(p.today));
    auto date = parse_date(p.text, p.today);
    EXPECT_EQ(iso(date.date), p.date);
    if (p.date.empty()) {
      EXPECT_EQ(date.error, DateError::unreadable);
    }
    auto clock = parse_clock_words(p.text);
    EXPECT_EQ(hh_mm(clock), p.time);
    if (clock) {
      EXPECT_EQ(clock->ambiguous, p.ambiguous);
    }
  }
}

TEST(SpokenTime, DatesThatCannotBeBooked) {
  struct Case {
    std::string_view text;
    DateError error;
  };
  const Case cases[] = {
      {"31. Februar", DateError::invalid},
      {"2026-13-01", DateError::invalid},
      {"31.04.", DateError::invalid},
      {"29. Februar", DateError::invalid},
      {"2026-01-05", DateError::past},
      {"15.01.2025", DateError::past},
      {"13. Januar 2026", DateError::past},
      {"15. Januar 2027", DateError::too_far},
      {"2027-06-01", DateError::too_far},
      {"in 400 Tagen", DateError::too_far},
      {"in 12345678901234567890 Wochen", DateError::too_far},
      {"gestern", DateError::past},
      {"bald", DateError::unreadable},
      {"Guten Morgen", DateError::unreadable},
      {"um halb drei", DateError::unreadable},
      {"", DateError::unreadable},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto r = parse_date(c.text, kJan);
    EXPECT_FALSE(r.date) << iso(r.date);
    EXPECT_EQ(r.error, c.error);
  }
  // The last day of the year ahead is still bookable.
  EXPECT_EQ(iso(parse_date("2027-01-14", kJan).date), "2027-01-14");
}

TEST(SpokenTime, DatesAloneAreNoTime) {
  for (std::string_view text : {"15. Januar", "2026-01-05", "15.01.2027", "15.01.", "in 3 Tagen",
                                "nächsten Dienstag", "am Dritten", "am 3.", "January 15",
                                "Dienstag, den 3. März", "nachmittags", "bald", "99"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(parse_clock_words(text)) << hh_mm(parse_clock_words(text));
  }
}

TEST(SpokenTime, DayParts) {
  struct Case {
    std::string_view text;
    std::optional<DayPart> part;
  };
  const Case cases[] = {
      {"nachmittags", DayPart::afternoon},    {"am Vormittag", DayPart::morning},
      {"morgen früh", DayPart::morning},      {"morgen frueh", DayPart::morning},
      {"heute Morgen", DayPart::morning},     {"Mittags", DayPart::midday},
      {"abends um sieben", DayPart::evening}, {"in the afternoon", DayPart::afternoon},
      {"evening", DayPart::evening},          {"morgen", std::nullopt},
      {"Guten Abend", std::nullopt},          {"um 14 Uhr", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(parse_day_part(c.text), c.part);
  }
}

TEST(SpokenTime, ReadingsPutTheBusinessReadingFirst) {
  EXPECT_EQ(clock_readings({3, 0, true, {}}), (std::vector<int>{15 * 60, 3 * 60}));
  EXPECT_EQ(clock_readings({7, 30, true, {}}), (std::vector<int>{19 * 60 + 30, 7 * 60 + 30}));
  EXPECT_EQ(clock_readings({8, 0, true, {}}), (std::vector<int>{8 * 60, 20 * 60}));
  EXPECT_EQ(clock_readings({11, 45, true, {}}), (std::vector<int>{11 * 60 + 45, 23 * 60 + 45}));
  EXPECT_EQ(clock_readings({14, 30, false, {}}), (std::vector<int>{14 * 60 + 30}));
  EXPECT_EQ(clock_readings(*parse_clock_words("drei Uhr nachmittags")),
            (std::vector<int>{15 * 60}));
}

}  // namespace
}  // namespace kx::integrations
