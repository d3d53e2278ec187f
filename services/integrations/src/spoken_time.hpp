#pragma once
// Dates and times as callers say them ("morgen um halb drei", "nächsten Dienstag",
// "am 15. Januar", "viertel vor elf", "um 14 Uhr") or as the model passes them
// ("2026-01-05", "14:30"), read against the caller's "today" in the agent's zone. Pure functions
// on wall-clock values: the zone work (which instant a local time is) is kx::time's.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kx::integrations {

/// A part of the day a caller may prefer. The hours each covers are in slots.hpp.
enum class DayPart { any, morning, midday, afternoon, evening };

/// "vormittags", "morgens", "früh", "mittags", "nachmittags", "abends" (and English "morning",
/// "midday"/"noon", "afternoon", "evening"), alone or inside a longer phrase; std::nullopt when
/// the text names none. Case and umlaut spellings ("fruh", "frueh") do not matter.
std::optional<DayPart> parse_day_part(std::string_view text);

/// Why a date could not be read.
enum class DateError {
  unreadable,  ///< no date in the text
  invalid,     ///< a date that does not exist ("31. Februar", "2026-13-01")
  past,        ///< a day before today
  too_far,     ///< more than a year ahead
};

struct DateResult {
  std::optional<std::chrono::year_month_day> date;
  DateError error = DateError::unreadable;  ///< meaningful when date is empty
};

/// The day a caller means, relative to `today` (the local date in the agent's zone):
/// "heute", "morgen", "übermorgen", "in 3 Tagen", "in zwei Wochen", weekday names ("Dienstag",
/// "am Freitag", "nächsten Dienstag": the next such day after today, so "Montag" said on a
/// Monday is a week ahead while "heute" is today; "übernächsten Dienstag", "Dienstag in einer
/// Woche" the one after; "Dienstag nächste Woche" the Tuesday of next calendar week),
/// "am 15. Januar", "15. Januar 2027", "15.1.", "15.01.2027", "am Dritten" / "am 3." (that day of
/// this month, or of the first following month that has it once it has passed), ISO
/// "2026-01-05". Dates without a year that have passed this year mean next year. A time part in
/// the same text ("morgen um halb drei") is ignored here. English words for English agents
/// ("tomorrow", "day after tomorrow", "next Tuesday", "January 15", "15 January", "the third").
/// Case-insensitive; umlauts or their ASCII forms. When the text names a day in several ways, a
/// date with its month wins over a day of the month, that over heute/morgen/"in N Tagen", that
/// over a weekday. Errors: `invalid` for "31. Februar", `past` for a date with a year before
/// today and for "gestern", `too_far` for a day after the same day next year.
DateResult parse_date(std::string_view text, std::chrono::year_month_day today);

/// A time of day as said. An hour said without anything that fixes it ("um drei", "halb drei",
/// "9:00", "10 Uhr") is ambiguous between morning and afternoon; 24-hour forms ("14 Uhr",
/// "14:30", and two hour digits in HH:MM such as "09:00" or "10:30", the tools' argument form),
/// am/pm and day parts are not. Twelve is never ambiguous: "12 Uhr" and "halb eins" are at noon
/// (midnight is "0 Uhr" / "24 Uhr", which no business books).
struct SpokenClock {
  int hour = 0;  ///< 0..23: as said ("halb drei" → 2, minute 30), or fixed by the day part
                 ///< ("drei Uhr nachmittags" → 15) or by am/pm
  int minute = 0;
  bool ambiguous = false;       ///< hour 1..11 that may mean hour + 12
  std::optional<DayPart> part;  ///< the day part the text names, if any
};

/// "14:30", "14.30", "14 Uhr", "14h", "14 Uhr 30", "um 9", "neun Uhr", "halb drei" (2:30),
/// "viertel nach zehn" (10:15), "viertel vor elf" (10:45), "dreiviertel elf" (10:45),
/// "viertel elf" (10:15), "zehn nach drei", "zwanzig vor vier", "fünf vor halb vier",
/// "drei Uhr nachmittags", "abends um sieben", "mittags" alone (12:00), number words
/// ein/eins … zwölf … dreiundzwanzig; English "2:30 pm", "9 am", "half past two",
/// "quarter to eleven", "3 o'clock", "noon". A text that is one number alone ("15") is that
/// hour. Only a number after "um"/"gegen"/"at", before "Uhr"/am/pm, in H:MM or in the clock
/// words above is an hour: std::nullopt for a text that holds no time ("15. Januar",
/// "2026-01-05", "in 3 Tagen"), and "am 15. um 10" is 10:00.
std::optional<SpokenClock> parse_clock_words(std::string_view text);

/// The minutes since midnight a spoken clock can mean, most likely first: one reading unless
/// ambiguous; for an ambiguous hour both, the afternoon first for 1–7 ("um drei" at a business
/// is 15:00) and the morning first for 8–11 ("um neun" is 09:00).
std::vector<int> clock_readings(const SpokenClock& clock);

}  // namespace kx::integrations
