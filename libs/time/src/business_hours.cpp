#include "kx/time/business_hours.hpp"

namespace kx::time {
namespace {

constexpr std::array<std::string_view, 7> kDays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

}  // namespace

bool within_business_hours(const BusinessHours& hours, const LocalTime& now) {
  auto today = day_index(now.weekday);
  auto open_on = [&](std::size_t day) { return hours.days[day]; };
  int start = hours.start_minutes;
  int end = hours.end_minutes;
  if (start == end)
    return open_on(today);
  if (start < end)
    return open_on(today) && now.minutes >= start && now.minutes < end;
  // Past midnight: the evening part belongs to today, the early morning to yesterday.
  if (now.minutes >= start)
    return open_on(today);
  return now.minutes < end && open_on((today + 6) % 7);
}

bool within_business_hours(const BusinessHours& hours, const Zone& zone, Clock::time_point t) {
  return within_business_hours(hours, zone.local(t));
}

std::optional<int> parse_clock(std::string_view s) {
  if (s.size() != 5 || s[2] != ':')
    return std::nullopt;
  for (std::size_t i : {0u, 1u, 3u, 4u}) {
    if (s[i] < '0' || s[i] > '9')
      return std::nullopt;
  }
  int h = (s[0] - '0') * 10 + (s[1] - '0');
  int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59)
    return std::nullopt;
  return h * 60 + m;
}

std::optional<int> parse_weekday(std::string_view day) {
  for (std::size_t i = 0; i < kDays.size(); ++i) {
    if (kDays[i] == day)
      return static_cast<int>(i);
  }
  return std::nullopt;
}

std::string days_to_string(const std::array<bool, 7>& days) {
  std::string out;
  for (std::size_t i = 0; i < days.size(); ++i) {
    if (!days[i])
      continue;
    if (!out.empty())
      out += ',';
    out += kDays[i];
  }
  return out;
}

std::array<bool, 7> days_from_string(std::string_view csv) {
  std::array<bool, 7> days{};
  while (!csv.empty()) {
    auto comma = csv.find(',');
    if (auto d = parse_weekday(csv.substr(0, comma)))
      days[static_cast<std::size_t>(*d)] = true;
    csv = comma == std::string_view::npos ? std::string_view() : csv.substr(comma + 1);
  }
  return days;
}

}  // namespace kx::time
