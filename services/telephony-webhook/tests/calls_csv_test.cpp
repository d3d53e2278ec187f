#include <gtest/gtest.h>

#include "calls_api.hpp"

namespace kx::telephony {
namespace {

TEST(CallsCsv, OneRowPerCallAfterTheHeaderWithSafeCells) {
  CallSummary c;
  c.id = "c1";
  c.user_id = "u1";
  c.agent_id = "a1";
  c.agent_name = "Salon, Anna";
  c.status = "completed";
  c.created_at = "2026-01-01T08:00:00.000Z";
  c.duration_seconds = 95;
  c.caller_number = "+4915112345678";
  c.summary = "=1+1";
  auto csv = calls_csv({c}, false, ',');
  EXPECT_EQ(csv.substr(0, csv.find("\r\n")),
            "call_id,created_at,started_at,ended_at,duration_seconds,status,ended_reason,"
            "agent_id,agent_name,caller_number,test,appointment_booked,transferred,escalated,"
            "summary");
  auto row = csv.substr(csv.find("\r\n") + 2);
  EXPECT_EQ(row,
            "c1,2026-01-01T08:00:00.000Z,,,95,completed,,a1,\"Salon, Anna\",'+4915112345678,"
            "false,false,false,false,'=1+1\r\n");
  auto admin = calls_csv({c}, true, ';');
  EXPECT_EQ(admin.substr(0, 13), "call_id;user_");
  EXPECT_NE(admin.find(";u1;"), std::string::npos);
  EXPECT_NE(admin.find("Salon, Anna"), std::string::npos);  // no quoting needed with ';'
}

}  // namespace
}  // namespace kx::telephony
