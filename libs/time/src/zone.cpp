#include "kx/time/zone.hpp"

#include <algorithm>

#include <date/tz.h>

namespace kx::time {
namespace {

constexpr std::size_t kMaxNameLength = 64;

std::chrono::sys_seconds seconds_of(Clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t);
}

date::sys_info info_at(const date::time_zone* zone, Clock::time_point t) {
  return zone->get_info(date::sys_seconds(seconds_of(t).time_since_epoch()));
}

}  // namespace

std::optional<Zone> Zone::find(std::string_view name) {
  // "localtime" is a link to the host's /etc/localtime that the OS database mode lists as a zone.
  if (name.empty() || name.size() > kMaxNameLength || name == "localtime")
    return std::nullopt;
  // The database's own lookup throws for unknown names; a missing database must still throw.
  const auto& zones = date::get_tzdb().zones;
  auto it =
      std::lower_bound(zones.begin(), zones.end(), name,
                       [](const date::time_zone& z, std::string_view n) { return z.name() < n; });
  if (it == zones.end() || it->name() != name)
    return std::nullopt;
  return Zone(&*it);
}

std::string_view Zone::name() const {
  return zone_ ? std::string_view(zone_->name()) : std::string_view("UTC");
}

std::chrono::seconds Zone::offset_at(Clock::time_point t) const {
  return zone_ ? info_at(zone_, t).offset : std::chrono::seconds(0);
}

LocalTime Zone::local(Clock::time_point t) const {
  LocalTime out;
  out.utc_offset = offset_at(t);
  auto wall = seconds_of(t) + out.utc_offset;
  auto day = std::chrono::floor<std::chrono::days>(wall);
  out.date = std::chrono::year_month_day(day);
  out.weekday = std::chrono::weekday(day);
  out.minutes = static_cast<int>(std::chrono::floor<std::chrono::minutes>(wall - day).count());
  return out;
}

LocalInstant Zone::resolve(std::chrono::local_seconds local) const {
  auto since_epoch = local.time_since_epoch();
  if (!zone_)
    return {Clock::time_point(since_epoch), LocalKind::unique};
  auto info = zone_->get_info(date::local_seconds(since_epoch));
  // `first` is the period before the change for both a gap and an overlap: reading the local time
  // with its offset shifts a skipped time forward by the gap and picks the earlier repeated one.
  LocalInstant out{Clock::time_point(since_epoch - info.first.offset), LocalKind::unique};
  if (info.result == date::local_info::nonexistent)
    out.kind = LocalKind::skipped;
  else if (info.result == date::local_info::ambiguous)
    out.kind = LocalKind::repeated;
  return out;
}

Clock::time_point Zone::start_of_day(std::chrono::year_month_day day) const {
  return instant(std::chrono::local_seconds(std::chrono::local_days(day)));
}

LocalDay Zone::day(std::chrono::year_month_day day) const {
  auto next = std::chrono::year_month_day(std::chrono::sys_days(day) + std::chrono::days(1));
  return {start_of_day(day), start_of_day(next)};
}

void load_database() {
  date::get_tzdb();
}

}  // namespace kx::time
