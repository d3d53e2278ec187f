#include "kx/time/format.hpp"

#include <array>
#include <cstdio>
#include <string_view>

namespace kx::time {
namespace {

constexpr std::array<std::string_view, 7> kWeekdaysDe = {
    "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"};
constexpr std::array<std::string_view, 7> kWeekdaysEn = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
constexpr std::array<std::string_view, 12> kMonthsDe = {
    "Januar", "Februar", "März",      "April",   "Mai",      "Juni",
    "Juli",   "August",  "September", "Oktober", "November", "Dezember"};
constexpr std::array<std::string_view, 12> kMonthsEn = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

struct Parts {
  std::string_view weekday;
  std::string_view month;
  unsigned day;
};

Parts parts(std::chrono::year_month_day date, Language language) {
  std::chrono::weekday wd{std::chrono::sys_days(date)};
  auto w = wd.iso_encoding() - 1;
  auto m = static_cast<unsigned>(date.month()) - 1;
  bool de = language == Language::de;
  return {de ? kWeekdaysDe[w] : kWeekdaysEn[w], de ? kMonthsDe[m] : kMonthsEn[m],
          static_cast<unsigned>(date.day())};
}

std::string ordinal_en(unsigned n) {
  const char* suffix = "th";
  if (n % 100 < 11 || n % 100 > 13) {
    if (n % 10 == 1)
      suffix = "st";
    else if (n % 10 == 2)
      suffix = "nd";
    else if (n % 10 == 3)
      suffix = "rd";
  }
  return std::to_string(n) + suffix;
}

}  // namespace

std::string format_day(std::chrono::year_month_day date, Language language) {
  auto p = parts(date, language);
  if (language == Language::de)
    return std::string(p.weekday) + ", " + std::to_string(p.day) + ". " + std::string(p.month);
  return std::string(p.weekday) + ", " + std::to_string(p.day) + " " + std::string(p.month);
}

std::string format_day_spoken(std::chrono::year_month_day date, Language language) {
  auto p = parts(date, language);
  if (language == Language::de)
    return std::string(p.weekday) + ", den " + std::to_string(p.day) + ". " + std::string(p.month);
  return std::string(p.weekday) + ", the " + ordinal_en(p.day) + " of " + std::string(p.month);
}

std::string format_date(std::chrono::year_month_day date, Language language) {
  char buf[64];
  std::snprintf(buf, sizeof buf, language == Language::de ? "%02u.%02u.%04d" : "%02u/%02u/%04d",
                static_cast<unsigned>(date.day()), static_cast<unsigned>(date.month()),
                static_cast<int>(date.year()));
  return buf;
}

std::string format_clock(int minutes, Language language) {
  int h = minutes / 60;
  int m = minutes % 60;
  char buf[64];
  if (language == Language::de)
    std::snprintf(buf, sizeof buf, "%d:%02d Uhr", h, m);
  else
    std::snprintf(buf, sizeof buf, "%d:%02d %s", h % 12 == 0 ? 12 : h % 12, m,
                  h < 12 ? "am" : "pm");
  return buf;
}

}  // namespace kx::time
