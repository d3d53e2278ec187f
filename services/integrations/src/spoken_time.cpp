#include "spoken_time.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "kx/text/fold.hpp"

namespace kx::integrations {
namespace {

using std::chrono::days;
using std::chrono::month;
using std::chrono::sys_days;
using std::chrono::weekday;
using std::chrono::year;
using std::chrono::year_month_day;

// The folded text as words, digit runs and single punctuation marks; `spaced` keeps whether
// whitespace came before, so "15.1." (a date) differs from "15. 1" and "14.30" from "14. 30".
struct Token {
  enum Kind { word, number, mark } kind = word;
  std::string text;
  int value = 0;  ///< numbers only, at most 999999
  bool spaced = true;
};

std::vector<Token> tokenize(std::string_view raw) {
  std::string text = text::fold_for_matching(raw);
  std::vector<Token> out;
  bool spaced = true;
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (std::isspace(c)) {
      spaced = true;
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    Token t;
    t.spaced = spaced;
    if (std::isdigit(c)) {
      while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j])))
        ++j;
      t.kind = Token::number;
      // Longer runs saturate: still too many days ahead, never a day, an hour or a year.
      t.value = j - i <= 6 ? std::stoi(text.substr(i, j - i)) : 999999;
    } else if (std::isalpha(c) || c >= 0x80) {
      while (j < text.size()) {
        auto d = static_cast<unsigned char>(text[j]);
        if (!std::isalpha(d) && d < 0x80)
          break;
        ++j;
      }
      t.kind = Token::word;
    } else {
      t.kind = Token::mark;
    }
    t.text = text.substr(i, j - i);
    out.push_back(std::move(t));
    spaced = false;
    i = j;
  }
  return out;
}

template <std::size_t N>
bool one_of(std::string_view word, const std::array<std::string_view, N>& words) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

// Read access that answers "" / nullopt past either end, so patterns need no bounds checks.
class Tokens {
 public:
  explicit Tokens(std::string_view text) : tokens_(tokenize(text)) {}

  std::size_t size() const { return tokens_.size(); }
  std::string_view word(std::size_t i) const {
    return i < tokens_.size() && tokens_[i].kind == Token::word ? std::string_view(tokens_[i].text)
                                                                : std::string_view();
  }
  bool is_mark(std::size_t i, char c) const {
    return i < tokens_.size() && tokens_[i].kind == Token::mark && tokens_[i].text[0] == c;
  }
  /// The number at i, or -1.
  int digits(std::size_t i) const {
    return i < tokens_.size() && tokens_[i].kind == Token::number ? tokens_[i].value : -1;
  }
  int digit_count(std::size_t i) const {
    return digits(i) >= 0 ? static_cast<int>(tokens_[i].text.size()) : 0;
  }
  /// Whether token i follows its predecessor without a space ("15.1.", "14:30", "3rd").
  bool attached(std::size_t i) const { return i < tokens_.size() && !tokens_[i].spaced; }

 private:
  std::vector<Token> tokens_;
};

// ---- numbers as words ---------------------------------------------------------------------

std::optional<int> german_unit(std::string_view w) {
  static constexpr std::array<std::pair<std::string_view, int>, 17> kUnits = {{{"ein", 1},
                                                                               {"eins", 1},
                                                                               {"eine", 1},
                                                                               {"einen", 1},
                                                                               {"einer", 1},
                                                                               {"einem", 1},
                                                                               {"zwei", 2},
                                                                               {"zwo", 2},
                                                                               {"drei", 3},
                                                                               {"vier", 4},
                                                                               {"fuenf", 5},
                                                                               {"funf", 5},
                                                                               {"sechs", 6},
                                                                               {"sieben", 7},
                                                                               {"acht", 8},
                                                                               {"neun", 9},
                                                                               {"null", 0}}};
  for (const auto& [name, value] : kUnits)
    if (w == name)
      return value;
  return std::nullopt;
}

std::optional<int> german_cardinal(std::string_view w) {
  static constexpr std::array<std::pair<std::string_view, int>, 16> kWords = {{{"zehn", 10},
                                                                               {"elf", 11},
                                                                               {"zwoelf", 12},
                                                                               {"zwolf", 12},
                                                                               {"dreizehn", 13},
                                                                               {"vierzehn", 14},
                                                                               {"fuenfzehn", 15},
                                                                               {"funfzehn", 15},
                                                                               {"sechzehn", 16},
                                                                               {"siebzehn", 17},
                                                                               {"achtzehn", 18},
                                                                               {"neunzehn", 19},
                                                                               {"zwanzig", 20},
                                                                               {"dreissig", 30},
                                                                               {"vierzig", 40},
                                                                               {"fuenfzig", 50}}};
  if (auto unit = german_unit(w))
    return unit;
  for (const auto& [name, value] : kWords)
    if (w == name)
      return value;
  // "einundzwanzig": a unit, "und", a ten.
  auto und = w.find("und");
  if (und == std::string_view::npos || und == 0)
    return std::nullopt;
  auto unit = german_unit(w.substr(0, und));
  auto tens = german_cardinal(w.substr(und + 3));
  if (!unit || *unit == 0 || w.substr(0, und) == "eins" || !tens || *tens < 20 || *tens % 10)
    return std::nullopt;
  return *tens + *unit;
}

std::optional<int> english_cardinal(std::string_view w) {
  static constexpr std::array<std::string_view, 20> kSmall = {
      "zero",     "one",     "two",     "three",     "four",     "five",    "six",
      "seven",    "eight",   "nine",    "ten",       "eleven",   "twelve",  "thirteen",
      "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
  static constexpr std::array<std::pair<std::string_view, int>, 4> kTens = {
      {{"twenty", 20}, {"thirty", 30}, {"forty", 40}, {"fifty", 50}}};
  for (std::size_t i = 0; i < kSmall.size(); ++i)
    if (w == kSmall[i])
      return static_cast<int>(i);
  for (const auto& [name, value] : kTens)
    if (w == name)
      return value;
  return std::nullopt;
}

/// A number said at i (digits, a German or English word, "twenty-five"), and the index after it.
std::optional<std::pair<int, std::size_t>> number_at(const Tokens& t, std::size_t i) {
  if (t.digits(i) >= 0)
    return std::pair{t.digits(i), i + 1};
  auto w = t.word(i);
  if (auto v = german_cardinal(w))
    return std::pair{*v, i + 1};
  auto v = english_cardinal(w);
  if (!v)
    return std::nullopt;
  if (*v >= 20) {
    std::size_t j = t.is_mark(i + 1, '-') ? i + 2 : i + 1;
    if (auto unit = english_cardinal(t.word(j)); unit && *unit >= 1 && *unit <= 9)
      return std::pair{*v + *unit, j + 1};
  }
  return std::pair{*v, i + 1};
}

std::optional<int> german_ordinal(std::string_view w) {
  // "dritten", "erster", "einunddreissigste": a stem and an ending; the bare stem is no
  // ordinal ("acht" is eight, "erst" means "only").
  static constexpr std::array<std::string_view, 5> kEndings = {"en", "er", "es", "em", "e"};
  static constexpr std::array<std::pair<std::string_view, int>, 13> kStems = {{{"erst", 1},
                                                                               {"zweit", 2},
                                                                               {"dritt", 3},
                                                                               {"viert", 4},
                                                                               {"fuenft", 5},
                                                                               {"funft", 5},
                                                                               {"sechst", 6},
                                                                               {"siebt", 7},
                                                                               {"acht", 8},
                                                                               {"neunt", 9},
                                                                               {"zehnt", 10},
                                                                               {"elft", 11},
                                                                               {"zwoelft", 12}}};
  for (auto ending : kEndings) {
    if (w.size() <= ending.size() || !w.ends_with(ending))
      continue;
    auto stem = w.substr(0, w.size() - ending.size());
    for (const auto& [name, value] : kStems)
      if (stem == name)
        return value;
    if (stem == "siebent")
      return 7;
    if (stem.ends_with("st"))
      if (auto v = german_cardinal(stem.substr(0, stem.size() - 2)); v && *v >= 20)
        return *v;
    if (stem.ends_with("t"))
      if (auto v = german_cardinal(stem.substr(0, stem.size() - 1)); v && *v >= 13 && *v <= 19)
        return *v;
  }
  return std::nullopt;
}

std::optional<int> english_ordinal(std::string_view w) {
  static constexpr std::array<std::string_view, 13> kSmall = {
      "",        "first",  "second", "third", "fourth",   "fifth",  "sixth",
      "seventh", "eighth", "ninth",  "tenth", "eleventh", "twelfth"};
  for (std::size_t i = 1; i < kSmall.size(); ++i)
    if (w == kSmall[i])
      return static_cast<int>(i);
  if (w == "twentieth")
    return 20;
  if (w == "thirtieth")
    return 30;
  if (w.ends_with("th"))
    if (auto v = english_cardinal(w.substr(0, w.size() - 2)); v && *v >= 13 && *v <= 19)
      return *v;
  return std::nullopt;
}

struct DayOfMonth {
  int day = 0;
  std::size_t next = 0;
  bool marked = false;  ///< said as an ordinal ("3.", "3rd", "dritten"), not a bare number
};

/// A day of the month at i: "15", "15.", "15th", "dritten", "third", "twenty-first".
std::optional<DayOfMonth> day_at(const Tokens& t, std::size_t i) {
  if (int d = t.digits(i); d >= 1 && d <= 31 && t.digit_count(i) <= 2) {
    if (t.is_mark(i + 1, '.') && t.attached(i + 1))
      return DayOfMonth{d, i + 2, true};
    static constexpr std::array<std::string_view, 4> kSuffixes = {"st", "nd", "rd", "th"};
    if (t.attached(i + 1) && one_of(t.word(i + 1), kSuffixes))
      return DayOfMonth{d, i + 2, true};
    return DayOfMonth{d, i + 1, false};
  }
  auto w = t.word(i);
  if (auto d = german_ordinal(w); d && *d <= 31)
    return DayOfMonth{*d, i + 1, true};
  if (auto d = english_ordinal(w))
    return DayOfMonth{*d, i + 1, true};
  if (w == "twenty" || w == "thirty") {
    std::size_t j = t.is_mark(i + 1, '-') ? i + 2 : i + 1;
    if (auto unit = english_ordinal(t.word(j)); unit && *unit <= 9) {
      int d = (w == "twenty" ? 20 : 30) + *unit;
      if (d <= 31)
        return DayOfMonth{d, j + 1, true};
    }
  }
  return std::nullopt;
}

std::optional<unsigned> month_at(const Tokens& t, std::size_t i) {
  static constexpr std::array<std::array<std::string_view, 3>, 12> kMonths = {{
      {"januar", "january", "jaenner"},
      {"februar", "february", "feber"},
      {"maerz", "march", "marz"},
      {"april", "april", "april"},
      {"mai", "may", "mai"},
      {"juni", "june", "juno"},
      {"juli", "july", "julei"},
      {"august", "august", "august"},
      {"september", "september", "sept"},
      {"oktober", "october", "okt"},
      {"november", "november", "nov"},
      {"dezember", "december", "dez"},
  }};
  auto w = t.word(i);
  for (unsigned m = 0; m < kMonths.size(); ++m)
    if (!w.empty() && one_of(w, kMonths[m]))
      return m + 1;
  return std::nullopt;
}

std::optional<unsigned> weekday_at(const Tokens& t, std::size_t i) {
  // ISO encoding: Monday 1 ... Sunday 7.
  static constexpr std::array<std::array<std::string_view, 2>, 7> kDays = {{
      {"montag", "monday"},
      {"dienstag", "tuesday"},
      {"mittwoch", "wednesday"},
      {"donnerstag", "thursday"},
      {"freitag", "friday"},
      {"samstag", "saturday"},
      {"sonntag", "sunday"},
  }};
  auto w = t.word(i);
  if (w == "sonnabend")
    return 6;
  for (unsigned d = 0; d < kDays.size(); ++d)
    if (!w.empty() && one_of(w, kDays[d]))
      return d + 1;
  return std::nullopt;
}

// ---- dates --------------------------------------------------------------------------------

class DateReader {
 public:
  DateReader(std::string_view text, year_month_day today) : t_(text), today_(today) {}

  DateResult read() {
    for (std::size_t i = 0; i < t_.size(); ++i)
      if (auto r = explicit_date(i))
        return *r;
    for (std::size_t i = 0; i < t_.size(); ++i)
      if (auto r = day_alone(i))
        return *r;
    for (std::size_t i = 0; i < t_.size(); ++i)
      if (auto r = relative(i))
        return *r;
    for (std::size_t i = 0; i < t_.size(); ++i)
      if (auto r = weekday_phrase(i))
        return *r;
    return {};
  }

 private:
  static DateResult error(DateError e) { return {std::nullopt, e}; }

  DateResult ahead(int n) const {
    if (n > 400)
      return error(DateError::too_far);
    return checked(year_month_day(sys_days(today_) + days(n)), false);
  }

  /// A date with a year as said: not before today, not more than a year ahead.
  DateResult checked(year_month_day d, bool can_be_past) const {
    if (!d.ok())
      return error(DateError::invalid);
    if (sys_days(d) < sys_days(today_))
      return error(can_be_past ? DateError::past : DateError::invalid);
    auto limit = today_ + std::chrono::years(1);
    if (!limit.ok())  // 29 February
      limit = year_month_day(limit.year() / limit.month() / std::chrono::last);
    if (sys_days(d) > sys_days(limit))
      return error(DateError::too_far);
    return {d, DateError::unreadable};
  }

  /// Day and month without a year: this year's, or next year's when it has passed.
  DateResult without_year(int day, unsigned mon) const {
    if (day < 1 || day > 31 || mon < 1 || mon > 12)
      return error(DateError::invalid);
    year_month_day d{today_.year(), month(mon), std::chrono::day(static_cast<unsigned>(day))};
    if (std::pair{static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day())} <
        std::pair{static_cast<unsigned>(today_.month()), static_cast<unsigned>(today_.day())})
      d = (d.year() + std::chrono::years(1)) / d.month() / d.day();
    return checked(d, false);
  }

  DateResult with_year(int y, int day, unsigned mon) const {
    if (y < 100)
      y += 2000;
    if (day < 1 || day > 31 || mon < 1 || mon > 12)
      return error(DateError::invalid);
    return checked(year(y) / month(mon) / std::chrono::day(static_cast<unsigned>(day)), true);
  }

  std::optional<int> year_at(std::size_t i) const {
    if (t_.digit_count(i) == 4)
      return t_.digits(i);
    return std::nullopt;
  }

  // "2026-01-05", "15.01.2027", "15.1.", "15. Januar [2027]", "15th of January", "January 15".
  std::optional<DateResult> explicit_date(std::size_t i) const {
    if (t_.digit_count(i) == 4 && t_.is_mark(i + 1, '-') && t_.attached(i + 1) &&
        t_.digits(i + 2) >= 0 && t_.is_mark(i + 3, '-') && t_.digits(i + 4) >= 0)
      return with_year(t_.digits(i), t_.digits(i + 4), static_cast<unsigned>(t_.digits(i + 2)));
    if (numeric_date(i)) {
      int y = t_.digits(i + 4);
      bool has_year =
          t_.attached(i + 4) && (t_.digit_count(i + 4) == 2 || t_.digit_count(i + 4) == 4);
      return has_year ? with_year(y, t_.digits(i), static_cast<unsigned>(t_.digits(i + 2)))
                      : without_year(t_.digits(i), static_cast<unsigned>(t_.digits(i + 2)));
    }
    if (auto d = day_at(t_, i)) {
      std::size_t j = t_.word(d->next) == "of" ? d->next + 1 : d->next;
      if (auto m = month_at(t_, j)) {
        if (auto y = year_at(j + 1))
          return with_year(*y, d->day, *m);
        return without_year(d->day, *m);
      }
    }
    if (auto m = month_at(t_, i)) {
      std::size_t j = t_.word(i + 1) == "the" ? i + 2 : i + 1;
      if (auto d = day_at(t_, j)) {
        std::size_t k = t_.is_mark(d->next, ',') ? d->next + 1 : d->next;
        if (auto y = year_at(k))
          return with_year(*y, d->day, *m);
        return without_year(d->day, *m);
      }
    }
    return std::nullopt;
  }

  // "15.1." / "15.01.2027": the month needs its closing dot or a year, so "14.30" stays a time.
  bool numeric_date(std::size_t i) const {
    if (t_.digit_count(i) == 0 || t_.digit_count(i) > 2 || !t_.is_mark(i + 1, '.') ||
        !t_.attached(i + 1) || !t_.attached(i + 2) || t_.digit_count(i + 2) == 0 ||
        t_.digit_count(i + 2) > 2 || !t_.is_mark(i + 3, '.') || !t_.attached(i + 3))
      return false;
    // "um 14.30." closes a sentence after a time.
    return !(t_.word(i - 1) == "um" && t_.digits(i + 2) > 12);
  }

  // "am Dritten", "am 3.", "den 3.", "on the 3rd", "the third": this month's, or the next
  // month's with that day once it has passed.
  std::optional<DateResult> day_alone(std::size_t i) const {
    static constexpr std::array<std::string_view, 4> kLead = {"am", "den", "dem", "the"};
    if (!one_of(t_.word(i), kLead))
      return std::nullopt;
    auto d = day_at(t_, i + 1);
    if (!d)
      return std::nullopt;
    static constexpr std::array<std::string_view, 5> kClock = {"uhr", "pm", "am", "o", "clock"};
    if (!d->marked && (t_.word(i) != "am" || one_of(t_.word(d->next), kClock) ||
                       t_.is_mark(d->next, ':') || t_.is_mark(d->next, '.')))
      return std::nullopt;
    year_month_day first = today_.year() / today_.month() / 1;
    for (int ahead = 0; ahead < 3; ++ahead) {
      auto ym = first.year() / first.month() + std::chrono::months(ahead);
      year_month_day candidate = ym / std::chrono::day(static_cast<unsigned>(d->day));
      if (candidate.ok() && sys_days(candidate) >= sys_days(today_))
        return DateResult{candidate, DateError::unreadable};
    }
    return error(DateError::invalid);
  }

  // "in 3 Tagen", "in zwei Wochen", "in einer Woche", "in a week": days or weeks from today.
  std::optional<int> offset_at(std::size_t i) const {
    if (t_.word(i) != "in")
      return std::nullopt;
    std::optional<std::pair<int, std::size_t>> n;
    if (t_.word(i + 1) == "a" || t_.word(i + 1) == "an")
      n = std::pair{1, i + 2};
    else
      n = number_at(t_, i + 1);
    if (!n || n->first < 0)
      return std::nullopt;
    static constexpr std::array<std::string_view, 5> kDays = {"tag", "tage", "tagen", "day",
                                                              "days"};
    static constexpr std::array<std::string_view, 4> kWeeks = {"woche", "wochen", "week", "weeks"};
    auto unit = t_.word(n->second);
    if (one_of(unit, kDays))
      return n->first;
    if (one_of(unit, kWeeks))
      return n->first * 7;
    return std::nullopt;
  }

  std::optional<DateResult> relative(std::size_t i) const {
    auto w = t_.word(i);
    if (w == "heute" || w == "today" || w == "tonight")
      return ahead(0);
    if (w == "uebermorgen" || w == "ubermorgen")
      return ahead(2);
    if (w == "gestern" || w == "vorgestern" || w == "yesterday")
      return error(DateError::past);
    if (w == "morgen") {
      // "heute Morgen", "am Morgen", "guten Morgen" are a time of day, not tomorrow.
      static constexpr std::array<std::string_view, 6> kNotTomorrow = {"heute",   "am",    "guten",
                                                                       "gestern", "jeden", "den"};
      if (i == 0 || !one_of(t_.word(i - 1), kNotTomorrow))
        return ahead(1);
    }
    if (w == "tomorrow")
      return ahead(t_.word(i - 1) == "after" ? 2 : 1);
    if (auto n = offset_at(i); n && !weekday_at(t_, i - 1))
      return ahead(*n);
    return std::nullopt;
  }

  bool next_week_at(std::size_t i) const {
    static constexpr std::array<std::string_view, 7> kNext = {
        "naechste", "naechster", "naechsten", "kommende", "kommender", "kommenden", "next"};
    return one_of(t_.word(i), kNext) && (t_.word(i + 1) == "woche" || t_.word(i + 1) == "week");
  }

  // "Dienstag", "am Dienstag", "nächsten Dienstag": the next such day after today (a week
  // ahead when today is that day); "übernächsten Dienstag", "Dienstag in einer Woche",
  // "Tuesday after next" a week later; "Dienstag nächste Woche" the Tuesday of next week.
  std::optional<DateResult> weekday_phrase(std::size_t i) const {
    auto target = weekday_at(t_, i);
    if (!target)
      return std::nullopt;
    unsigned today_iso = weekday(sys_days(today_)).iso_encoding();
    if (next_week_at(i + 1) || (i >= 2 && next_week_at(i - 2)))
      return ahead(static_cast<int>(7 - today_iso + *target));
    int n = static_cast<int>((*target + 7 - today_iso) % 7);
    if (n == 0)
      n = 7;
    static constexpr std::array<std::string_view, 5> kAfterNext = {
        "uebernaechsten", "uebernaechster", "uebernaechste", "ubernaechsten", "ubernachsten"};
    if (i >= 1 && one_of(t_.word(i - 1), kAfterNext))
      n += 7;
    if (t_.word(i + 1) == "after" && t_.word(i + 2) == "next")
      n += 7;
    if (auto weeks = offset_at(i + 1))
      n += *weeks;
    return ahead(n);
  }

  Tokens t_;
  year_month_day today_;
};

// ---- times --------------------------------------------------------------------------------

// Words after a number that make it a date or a count, never an hour.
bool counts_something(const Tokens& t, std::size_t i) {
  static constexpr std::array<std::string_view, 15> kUnits = {
      "tag",   "tage",  "tagen",  "woche",   "wochen",  "day",    "days",   "week",
      "weeks", "monat", "monate", "monaten", "minuten", "stunde", "stunden"};
  return one_of(t.word(i), kUnits) || month_at(t, i) || t.is_mark(i, '-') || t.is_mark(i, '/');
}

/// An hour said as a number at i (0..24), and the index after it; not a date's day ("15."),
/// not a count ("3 Tage").
std::optional<std::pair<int, std::size_t>> hour_at(const Tokens& t, std::size_t i) {
  auto n = number_at(t, i);
  if (!n || n->first < 0 || n->first > 24 || (t.digits(i) >= 0 && t.digit_count(i) > 2))
    return std::nullopt;
  if (t.digits(i) >= 0 && t.is_mark(n->second, '.') && t.attached(n->second))
    return std::nullopt;
  if (counts_something(t, n->second))
    return std::nullopt;
  return n;
}

struct Reading {
  int hour = 0;
  int minute = 0;
  bool explicit24 = false;  ///< said so that it cannot mean hour + 12
  std::size_t next = 0;
};

/// An hour in the twelve-hour sense for "halb drei" / "viertel vor elf": the hour before `n`.
Reading hour_before(int n, int minute, std::size_t next) {
  int h = n - 1;
  if (h == 0 && n <= 12)
    h = 12;  // "halb eins" is 12:30, and noon is never ambiguous
  return {(h + 24) % 24, minute, n > 12, next};
}

std::optional<DayPart> day_part_of(const Tokens& t) {
  for (std::size_t i = 0; i < t.size(); ++i) {
    auto w = t.word(i);
    auto before = i > 0 ? t.word(i - 1) : std::string_view{};
    static constexpr std::array<std::string_view, 7> kMorning = {
        "vormittags", "vormittag", "morgens", "frueh", "fruh", "morning", "mornings"};
    static constexpr std::array<std::string_view, 5> kMidday = {"mittags", "mittag", "midday",
                                                                "noon", "lunchtime"};
    static constexpr std::array<std::string_view, 3> kAfternoon = {"nachmittags", "nachmittag",
                                                                   "afternoon"};
    static constexpr std::array<std::string_view, 4> kEvening = {"abends", "abend", "evening",
                                                                 "tonight"};
    if (one_of(w, kMorning) ||
        (w == "morgen" && (before == "heute" || before == "am" || before == "gestern")))
      return DayPart::morning;
    if (one_of(w, kMidday))
      return DayPart::midday;
    if (one_of(w, kAfternoon))
      return DayPart::afternoon;
    if (one_of(w, kEvening) && before != "guten")
      return DayPart::evening;
  }
  return std::nullopt;
}

class ClockReader {
 public:
  explicit ClockReader(std::string_view text) : t_(text) {}

  std::optional<SpokenClock> read() {
    std::optional<Reading> found;
    for (std::size_t i = 0; i < t_.size() && !found; ++i)
      found = at(i);
    // A lone number is the hour the tools' "time" argument names.
    if (!found && t_.size() == 1)
      found = bare_hour(0);
    auto part = day_part_of(t_);
    if (!found && part == DayPart::midday)
      return SpokenClock{12, 0, false, part};  // "mittags", "noon"
    if (!found)
      return std::nullopt;
    if (found->hour == 24)
      found->hour = 0;
    SpokenClock clock{found->hour, found->minute, false, part};
    if (auto meridiem = meridiem_at(found->next)) {
      if (clock.hour <= 12)
        clock.hour = clock.hour % 12 + (*meridiem ? 12 : 0);
      return clock;
    }
    if (found->explicit24 || clock.hour == 0 || clock.hour >= 12)
      return clock;
    if (part && *part != DayPart::any)
      clock.hour = with_part(clock.hour, *part);
    else
      clock.ambiguous = true;
    return clock;
  }

 private:
  static int with_part(int hour, DayPart part) {
    switch (part) {
      case DayPart::morning:
      case DayPart::any:
        return hour;
      case DayPart::midday:
        return hour <= 5 ? hour + 12 : hour;  // "um eins mittags" is 13:00, "um elf" stays
      case DayPart::afternoon:
      case DayPart::evening:
        return hour + 12;
    }
    return hour;
  }

  /// "pm"/"p.m." → true, "am"/"a.m." → false after a clock; German "am Dienstag" is no meridiem.
  std::optional<bool> meridiem_at(std::size_t i) const {
    auto w = t_.word(i);
    if (w == "pm")
      return true;
    if ((w == "p" || w == "a") && t_.is_mark(i + 1, '.') && t_.word(i + 2) == "m")
      return w == "p";
    if (w == "am") {
      static constexpr std::array<std::string_view, 5> kEnglish = {"on", "today", "tomorrow",
                                                                   "next", "this"};
      if (i + 1 >= t_.size() || t_.is_mark(i + 1, ',') || t_.is_mark(i + 1, '.') ||
          one_of(t_.word(i + 1), kEnglish))
        return false;
    }
    return std::nullopt;
  }

  // "14 Uhr", "14 Uhr 30", "9 pm", "3 o'clock": an hour closed by a word that makes it one.
  std::optional<Reading> hour_word(std::size_t i) const {
    auto h = hour_at(t_, i);
    if (!h)
      return std::nullopt;
    auto [hour, next] = *h;
    bool explicit24 = said_24h(i, hour);
    if (t_.word(next) == "uhr") {
      Reading r{hour, 0, explicit24, next + 1};
      if (auto m = number_at(t_, next + 1);
          m && m->first >= 0 && m->first <= 59 && !counts_something(t_, m->second) &&
          !(t_.is_mark(m->second, '.') && t_.attached(m->second) &&
            t_.digits(m->second + 1) >= 0)) {
        r.minute = m->first;
        r.next = m->second;
      }
      return r;
    }
    if (t_.word(next) == "h" && t_.attached(next))  // "14h"
      return Reading{hour, 0, explicit24, next + 1};
    if (t_.word(next) == "o" && t_.word(next + (t_.is_mark(next + 1, '\'') ? 2 : 1)) == "clock")
      return Reading{hour, 0, explicit24, next + 3};
    if (meridiem_at(next))
      return Reading{hour, 0, explicit24, next};
    return std::nullopt;
  }

  // "14:30", "09:00", "14.30": two minute digits; a leading zero or two hour digits is the
  // 24-hour form ("09:00", "10:30"), "9:00" is not.
  std::optional<Reading> digital(std::size_t i) const {
    int h = t_.digits(i);
    bool colon = t_.is_mark(i + 1, ':');
    if (h < 0 || h > 24 || t_.digit_count(i) > 2 || !(colon || t_.is_mark(i + 1, '.')) ||
        !t_.attached(i + 1) || !t_.attached(i + 2) || t_.digit_count(i + 2) != 2 ||
        t_.digits(i + 2) > 59)
      return std::nullopt;
    if (!colon && t_.is_mark(i + 3, '.') && t_.attached(i + 3) &&
        !(t_.word(i - 1) == "um" && t_.digits(i + 2) > 12))
      return std::nullopt;  // "15.01." is a date
    if (t_.is_mark(i + 3, '.') && t_.attached(i + 3) && t_.digits(i + 4) >= 0)
      return std::nullopt;  // "15.01.2027"
    std::size_t next = t_.word(i + 3) == "uhr" ? i + 4 : i + 3;
    return Reading{h, t_.digits(i + 2), t_.digit_count(i) == 2, next};
  }

  // "halb drei", "viertel elf", "dreiviertel elf", "drei viertel elf".
  std::optional<Reading> quarters(std::size_t i) const {
    auto w = t_.word(i);
    std::size_t j = i + 1;
    int minute = 0;
    if (w == "halb")
      minute = 30;
    else if (w == "dreiviertel")
      minute = 45;
    else if (w == "drei" && t_.word(i + 1) == "viertel")
      minute = 45, j = i + 2;
    else if (w == "viertel")
      minute = 15;
    else
      return std::nullopt;
    auto h = hour_at(t_, j);
    if (!h || h->first == 0)
      return std::nullopt;
    return hour_before(h->first, minute, h->second);
  }

  // "zehn nach drei", "viertel vor elf", "fünf vor halb vier", "quarter to eleven",
  // "half past two", "ten past three".
  std::optional<Reading> relative(std::size_t i) const {
    int minutes = 0;
    std::size_t j = i;
    if (t_.word(j) == "a" && t_.word(j + 1) == "quarter")
      ++j;
    auto w = t_.word(j);
    if (w == "viertel" || w == "quarter") {
      minutes = 15;
      ++j;
    } else if (w == "half") {
      minutes = 30;
      ++j;
    } else if (auto n = number_at(t_, j); n && n->first >= 1 && n->first <= 29 &&
                                          !(t_.is_mark(n->second, '.') && t_.attached(n->second))) {
      minutes = n->first;
      j = n->second;
      static constexpr std::array<std::string_view, 4> kMinuteWords = {"minuten", "minute",
                                                                       "minutes", "min"};
      if (one_of(t_.word(j), kMinuteWords))
        ++j;
    } else {
      return std::nullopt;
    }
    static constexpr std::array<std::string_view, 4> kAfter = {"nach", "past", "after", "ueber"};
    static constexpr std::array<std::string_view, 3> kBefore = {"vor", "to", "before"};
    bool after = one_of(t_.word(j), kAfter);
    if (!after && !one_of(t_.word(j), kBefore))
      return std::nullopt;
    if (minutes == 30 && !after)
      return std::nullopt;
    bool half = t_.word(j + 1) == "halb";
    auto h = hour_at(t_, half ? j + 2 : j + 1);
    if (!h || h->first == 0)
      return std::nullopt;
    if (half)
      return hour_before(h->first, after ? 30 + minutes : 30 - minutes, h->second);
    if (after)
      return Reading{h->first % 24, minutes, h->first > 12, h->second};
    return hour_before(h->first, 60 - minutes, h->second);
  }

  /// Hours above twelve and a written leading zero ("09") are the 24-hour form.
  bool said_24h(std::size_t i, int hour) const {
    return hour > 12 || (t_.digits(i) >= 0 && t_.digit_count(i) == 2 && hour < 10);
  }

  std::optional<Reading> bare_hour(std::size_t i) const {
    auto h = hour_at(t_, i);
    if (!h)
      return std::nullopt;
    return Reading{h->first, 0, said_24h(i, h->first), h->second};
  }

  std::optional<Reading> compound(std::size_t i) const {
    if (auto r = digital(i))
      return r;
    if (auto r = relative(i))
      return r;
    if (auto r = quarters(i))
      return r;
    return hour_word(i);
  }

  std::optional<Reading> at(std::size_t i) const {
    if (auto r = compound(i))
      return r;
    // "um 9", "gegen drei", "at 3": the word that makes a bare number an hour.
    static constexpr std::array<std::string_view, 4> kAt = {"um", "gegen", "at", "around"};
    if (!one_of(t_.word(i), kAt))
      return std::nullopt;
    if (auto r = compound(i + 1))
      return r;
    return bare_hour(i + 1);
  }

  Tokens t_;
};

}  // namespace

std::optional<DayPart> parse_day_part(std::string_view text) {
  return day_part_of(Tokens(text));
}

DateResult parse_date(std::string_view text, year_month_day today) {
  return DateReader(text, today).read();
}

std::optional<SpokenClock> parse_clock_words(std::string_view text) {
  return ClockReader(text).read();
}

std::vector<int> clock_readings(const SpokenClock& clock) {
  int minutes = clock.hour * 60 + clock.minute;
  if (!clock.ambiguous)
    return {minutes};
  // At a business "um drei" means 15:00 and "um neun" 09:00.
  if (clock.hour >= 1 && clock.hour <= 7)
    return {minutes + 12 * 60, minutes};
  return {minutes, minutes + 12 * 60};
}

}  // namespace kx::integrations
