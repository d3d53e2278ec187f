#include "call_rules.hpp"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "kx/json/json.hpp"

namespace kx::telephony {
namespace {

TEST(EndedReason, MapsToStatus) {
  struct Case {
    const char* reason;
    CallStatus status;
  };
  for (const auto& c : std::initializer_list<Case>{
           {"customer-ended-call", CallStatus::completed},
           {"assistant-ended-call", CallStatus::completed},
           {"assistant-said-end-call-phrase", CallStatus::completed},
           {"exceeded-max-duration", CallStatus::completed},
           {"silence-timed-out", CallStatus::completed},
           {"voicemail", CallStatus::voicemail},
           {"assistant-forwarded-call", CallStatus::transferred},
           {"call.ringing.hook-executed-transfer", CallStatus::transferred},
           {"forwarded-call", CallStatus::transferred},
           {"customer-busy", CallStatus::busy},
           {"call.forwarding.operator-busy", CallStatus::escalated},
           {"transfer-failed-busy", CallStatus::escalated},
           {"customer-did-not-answer", CallStatus::no_answer},
           {"call.forwarding.no-answer", CallStatus::escalated},
           {"customer-did-not-give-microphone-permission", CallStatus::no_answer},
           {"call.in-progress.error-transfer-failed", CallStatus::escalated},
           {"call.in-progress.error-warm-transfer-max-duration", CallStatus::escalated},
           {"forwarding-failed-invalid-number", CallStatus::escalated},
           {"pipeline-error-openai-llm-failed", CallStatus::failed},
           {"pipeline-error-openai-voice-failed", CallStatus::failed},
           {"call.in-progress.error-vapifault-worker-died", CallStatus::failed},
           {"call.in-progress.error-providerfault-outbound-sip-503-service-unavailable",
            CallStatus::failed},
           {"call.start.error-subscription-frozen", CallStatus::failed},
           {"assistant-request-returned-error", CallStatus::failed},
           {"call-start-error-neither-assistant-nor-server-set", CallStatus::failed},
           {"twilio-failed-to-connect-call", CallStatus::failed},
           {"worker-shutdown", CallStatus::failed},
       }) {
    EXPECT_EQ(status_from_ended_reason(c.reason, true), c.status) << c.reason;
  }
}

TEST(EndedReason, ReasonsThatNeverReachedTheAssistantAreNeverConnected) {
  for (const char* reason :
       {"customer-busy", "customer-did-not-answer", "customer-did-not-give-microphone-permission",
        "twilio-failed-to-connect-call", "twilio-reported-customer-misdialed", "vonage-rejected",
        "assistant-not-found", "assistant-not-valid", "assistant-join-timed-out",
        "assistant-request-failed", "assistant-request-returned-error",
        "call-start-error-neither-assistant-nor-server-set",
        "call.start.error-subscription-insufficient-credits",
        "call.ringing.error-sip-inbound-call-failed-to-connect",
        "call.ringing.sip-inbound-caller-hungup-before-call-connect",
        "call.in-progress.error-sip-inbound-call-failed-to-connect", "manually-canceled",
        "scheduled-call-deleted"}) {
    EXPECT_TRUE(never_connected(reason)) << reason;
  }
  for (const char* reason :
       {"customer-ended-call", "assistant-ended-call", "exceeded-max-duration", "voicemail",
        "assistant-forwarded-call", "call.forwarding.operator-busy", "call.forwarding.no-answer",
        "forwarding-failed-busy", "pipeline-error-openai-llm-failed", "worker-shutdown",
        "some-new-reason-2027", ""}) {
    EXPECT_FALSE(never_connected(reason)) << reason;
  }
}

TEST(EndedReason, AFailedForwardingAfterTheAssistantAnsweredKeepsItsOutcome) {
  EXPECT_EQ(forwarding_failure("call.forwarding.operator-busy"), "busy");
  EXPECT_EQ(forwarding_failure("transfer-failed-busy"), "busy");
  EXPECT_EQ(forwarding_failure("forwarding-failed-busy"), "busy");
  EXPECT_EQ(forwarding_failure("call.forwarding.no-answer"), "no_answer");
  EXPECT_EQ(forwarding_failure("forwarding-failed-no-answer"), "no_answer");
  EXPECT_EQ(forwarding_failure("call.in-progress.error-transfer-failed"), "failed");
  EXPECT_EQ(forwarding_failure("forwarding-failed-invalid-number"), "failed");
  EXPECT_EQ(forwarding_failure("customer-busy"), std::nullopt);
  EXPECT_EQ(forwarding_failure("assistant-forwarded-call"), std::nullopt);
  EXPECT_EQ(forwarding_failure("customer-ended-call"), std::nullopt);
}

TEST(EndedReason, UnknownReasonsDependOnWhetherTheCallConnected) {
  EXPECT_EQ(status_from_ended_reason("some-new-reason-2027", true), CallStatus::completed);
  EXPECT_EQ(status_from_ended_reason("some-new-reason-2027", false), CallStatus::failed);
  EXPECT_EQ(status_from_ended_reason("", true), CallStatus::completed);
}

TEST(EndedReason, EscalationTurnsACompletedCallIntoEscalated) {
  EXPECT_EQ(final_status("customer-ended-call", true, true), CallStatus::escalated);
  EXPECT_EQ(final_status("customer-ended-call", true, false), CallStatus::completed);
  EXPECT_EQ(final_status("assistant-forwarded-call", true, true), CallStatus::transferred);
  EXPECT_EQ(final_status("customer-busy", false, true), CallStatus::busy);
}

TEST(CallStatus, NamesRoundTripAndAFinalStatusNeverGoesBack) {
  for (auto s : {CallStatus::ringing, CallStatus::in_progress, CallStatus::completed,
                 CallStatus::failed, CallStatus::no_answer, CallStatus::busy,
                 CallStatus::transferred, CallStatus::escalated, CallStatus::voicemail}) {
    EXPECT_EQ(call_status_from_string(to_string(s)), s);
  }
  EXPECT_FALSE(call_status_from_string("in-progress"));
  EXPECT_LT(progress_rank(CallStatus::ringing), progress_rank(CallStatus::in_progress));
  EXPECT_LT(progress_rank(CallStatus::in_progress), progress_rank(CallStatus::busy));
  EXPECT_FALSE(is_final(CallStatus::in_progress));
  EXPECT_TRUE(is_final(CallStatus::voicemail));
  EXPECT_EQ(live_status_from_update("queued"), CallStatus::ringing);
  EXPECT_EQ(live_status_from_update("ringing"), CallStatus::ringing);
  EXPECT_EQ(live_status_from_update("in-progress"), CallStatus::in_progress);
  EXPECT_EQ(live_status_from_update("forwarding"), CallStatus::in_progress);
  EXPECT_FALSE(live_status_from_update("ended"));
  EXPECT_FALSE(live_status_from_update("not-found"));
}

TEST(Duration, ReportedFieldFirstThenTimestamps) {
  auto start = parse_timestamp("2026-01-01T08:00:02.000Z");
  auto end = parse_timestamp("2026-01-01T08:04:47.500Z");
  ASSERT_TRUE(start && end);
  EXPECT_EQ(call_duration_seconds({std::nullopt, start, end}), 286);  // 285.5 s rounds up
  EXPECT_EQ(call_duration_seconds({120.4, start, end}), 120);
  EXPECT_EQ(call_duration_seconds({0.0, start, end}), 0);
  // Implausible reported values fall back to the timestamps.
  EXPECT_EQ(call_duration_seconds({-5.0, start, end}), 286);
  EXPECT_EQ(call_duration_seconds({1e12, start, end}), 286);
  EXPECT_EQ(call_duration_seconds({std::numeric_limits<double>::quiet_NaN(), start, end}), 286);
  // Missing or reversed timestamps give 0, never a negative length.
  EXPECT_EQ(call_duration_seconds({std::nullopt, end, start}), 0);
  EXPECT_EQ(call_duration_seconds({std::nullopt, start, std::nullopt}), 0);
  auto far = parse_timestamp("2027-01-01T08:00:00Z");
  EXPECT_EQ(call_duration_seconds({std::nullopt, start, far}), kMaxCallSeconds);
}

}  // namespace
}  // namespace kx::telephony
