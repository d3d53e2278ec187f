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
/// "am Freitag": the next such day after today; "nächsten Dienstag" likewise; "Dienstag in
/// einer Woche"/"übernächsten Dienstag" the one after), "am 15. Januar", "15.1.", "15.01.2027",
/// "am Dritten" / "am 3." (that day of this month, or of the next month when it has passed),
/// ISO "2026-01-05". Dates without a year that have passed this year mean next year. A time part
/// in the same text ("morgen um halb drei") is ignored here. English words for English agents
/// ("tomorrow", "next Tuesday", "January 15"). Case-insensitive; umlauts or their ASCII forms.
DateResult parse_date(std::string_view text, std::chrono::year_month_day today);

/// A time of day as said. An hour said without anything that fixes it ("um drei", "halb drei",
/// "3:30") is ambiguous between morning and afternoon; 24-hour forms ("14 Uhr", "14:30",
/// "09:00") and day parts ("drei Uhr nachmittags", "8 Uhr morgens") are not.
struct SpokenClock {
  int hour = 0;  ///< 0..23 as said ("halb drei" → 2, minute 30)
  int minute = 0;
  bool ambiguous = false;  ///< hour 1..12 that may mean hour + 12
  std::optional<DayPart> part;
};

/// "14:30", "14.30", "14 Uhr", "14 Uhr 30", "um 9", "neun Uhr", "halb drei" (2:30),
/// "viertel nach zehn" (10:15), "viertel vor elf" (10:45), "dreiviertel elf" (10:45),
/// "viertel elf" (10:15), "zehn nach drei", "fünf vor halb vier", "mittags" alone (12:00),
/// number words ein/eins … zwölf … dreiundzwanzig; English "2:30 pm", "half past two",
/// "quarter to eleven". std::nullopt when the text holds no time (a date alone).
std::optional<SpokenClock> parse_clock_words(std::string_view text);

/// The minutes since midnight a spoken clock can mean, most likely first: for an ambiguous hour
/// both readings (h and h + 12), a day part deciding where it applies ("drei nachmittags" → 15:00).
std::vector<int> clock_readings(const SpokenClock& clock);

}  // namespace kx::integrations
