#include "kx/time/call_clock.hpp"

#include <cstdio>

namespace kx::time {

std::vector<std::pair<std::string, std::string>> call_clock_variables(const Zone& zone,
                                                                      Language language,
                                                                      Clock::time_point now) {
  auto local = zone.local(now);
  auto day = format_day(local.date, language);
  char year[8];
  std::snprintf(year, sizeof year, "%d", static_cast<int>(local.date.year()));
  char iso[16];
  std::snprintf(iso, sizeof iso, "%04d-%02u-%02u", static_cast<int>(local.date.year()),
                static_cast<unsigned>(local.date.month()), static_cast<unsigned>(local.date.day()));
  return {{std::string(kVarDate), day + " " + year},
          {std::string(kVarTime), format_clock(local.minutes, language)},
          {std::string(kVarDateIso), iso},
          {std::string(kVarTimezone), std::string(zone.name())}};
}

}  // namespace kx::time
