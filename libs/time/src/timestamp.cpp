#include "kx/time/timestamp.hpp"

#include <chrono>
#include <cstdint>

namespace kx::time {
namespace {

bool digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
  }
  return !s.empty();
}

int number(std::string_view s) {
  int v = 0;
  for (char c : s)
    v = v * 10 + (c - '0');
  return v;
}

}  // namespace

std::optional<Clock::time_point> parse_timestamp(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':')
    return std::nullopt;
  auto y = s.substr(0, 4), mo = s.substr(5, 2), d = s.substr(8, 2), h = s.substr(11, 2),
       mi = s.substr(14, 2), se = s.substr(17, 2);
  if (!digits(y) || !digits(mo) || !digits(d) || !digits(h) || !digits(mi) || !digits(se))
    return std::nullopt;
  std::chrono::year_month_day date{std::chrono::year(number(y)),
                                   std::chrono::month(static_cast<unsigned>(number(mo))),
                                   std::chrono::day(static_cast<unsigned>(number(d)))};
  // The clock's nanosecond time_point ends in 2262; nothing we read is that far away.
  if (!date.ok() || number(y) < 1970 || number(y) > 2200 || number(h) > 23 || number(mi) > 59 ||
      number(se) > 60)
    return std::nullopt;
  std::size_t pos = 19;
  std::int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
      ++pos;
    std::size_t n = pos - start;
    if (n == 0 || n > 9)
      return std::nullopt;
    nanos = number(s.substr(start, n));
    for (std::size_t i = n; i < 9; ++i)
      nanos *= 10;
  }
  std::int64_t offset_seconds = 0;
  auto zone = s.substr(pos);
  if (zone == "Z" || zone == "z") {
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' &&
             digits(zone.substr(1, 2)) && digits(zone.substr(4, 2))) {
    offset_seconds = number(zone.substr(1, 2)) * 3600 + number(zone.substr(4, 2)) * 60;
    if (zone[0] == '-')
      offset_seconds = -offset_seconds;
  } else if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-') && digits(zone.substr(1))) {
    offset_seconds = number(zone.substr(1, 2)) * 3600 + number(zone.substr(3, 2)) * 60;
    if (zone[0] == '-')
      offset_seconds = -offset_seconds;
  } else {
    return std::nullopt;
  }
  auto days = std::chrono::sys_days(date).time_since_epoch().count();
  std::int64_t seconds =
      days * 86'400 + number(h) * 3600 + number(mi) * 60 + number(se) - offset_seconds;
  return Clock::time_point(std::chrono::duration_cast<Clock::duration>(
      std::chrono::seconds(seconds) + std::chrono::nanoseconds(nanos)));
}

}  // namespace kx::time
