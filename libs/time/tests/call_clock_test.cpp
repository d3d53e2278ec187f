#include "kx/time/call_clock.hpp"

#include <gtest/gtest.h>

#include <map>

namespace kx::time {
namespace {

std::map<std::string, std::string> vars(const char* zone, Language language,
                                        std::chrono::sys_seconds at) {
  auto list = call_clock_variables(*Zone::find(zone), language, at);
  return {list.begin(), list.end()};
}

// 2026-03-28 23:30 UTC: already Sunday in Berlin, still Saturday in New York; the variables
// follow the agent's zone, not the server's.
TEST(CallClock, TheCallsLocalDateAndTimeInTheAgentsZone) {
  auto at = std::chrono::sys_days{std::chrono::year(2026) / 3 / 28} + std::chrono::hours(23) +
            std::chrono::minutes(30);
  auto berlin = vars("Europe/Berlin", Language::de, at);
  EXPECT_EQ(berlin["kx_date"], "Sonntag, 29. März 2026");
  EXPECT_EQ(berlin["kx_time"], "0:30 Uhr");
  EXPECT_EQ(berlin["kx_date_iso"], "2026-03-29");
  EXPECT_EQ(berlin["kx_timezone"], "Europe/Berlin");
  auto york = vars("America/New_York", Language::en, at);
  EXPECT_EQ(york["kx_date"], "Saturday, 28 March 2026");
  EXPECT_EQ(york["kx_date_iso"], "2026-03-28");
  EXPECT_EQ(york["kx_time"], "7:30 pm");
}

}  // namespace
}  // namespace kx::time
