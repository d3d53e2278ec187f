#pragma once
// Vapi server messages in the documented shapes (docs/telephony.md, provider reference §1), for
// the tests. Ids and numbers are made up.

#include <string>

namespace kx::telephony::samples {

inline std::string call_object(const std::string& call_id, const std::string& assistant_id,
                               const std::string& status,
                               const std::string& type = "inboundPhoneCall",
                               const std::string& extra = "") {
  std::string customer = type == "webCall" ? "" : R"(,"customer":{"number":"+4915112345678"})";
  std::string assistant = assistant_id.empty() ? "" : R"(,"assistantId":")" + assistant_id + "\"";
  return R"({"id":")" + call_id + R"(","orgId":"0a0a0a0a-0000-4000-8000-000000000002","type":")" +
         type + R"(","status":")" + status + "\"" + assistant +
         R"(,"phoneNumberId":"pn000000-0000-4000-8000-000000000003")" + customer +
         R"(,"createdAt":"2026-01-01T08:00:00.000Z","updatedAt":"2026-01-01T08:00:01.000Z")" +
         extra + "}";
}

inline std::string status_update(const std::string& call_id, const std::string& assistant_id,
                                 const std::string& status, const std::string& ended_reason = "") {
  std::string extra = status == "in-progress" ? R"(,"startedAt":"2026-01-01T08:00:02.000Z")" : "";
  std::string reason = ended_reason.empty() ? "" : R"(,"endedReason":")" + ended_reason + "\"";
  // Message times that fit the report below: rings at 08:00:00, answered 08:00:02, ended
  // 08:04:47.5.
  std::string timestamp = status == "ended"         ? "1767254687500"
                          : status == "in-progress" ? "1767254402000"
                                                    : "1767254400123";
  return R"({"message":{"type":"status-update","status":")" + status + "\"" + reason +
         R"(,"timestamp":)" + timestamp + R"(,"call":)" +
         call_object(call_id, assistant_id, status, "inboundPhoneCall", extra) + "}}";
}

inline std::string end_of_call_report(const std::string& call_id, const std::string& assistant_id,
                                      const std::string& ended_reason = "assistant-ended-call",
                                      const std::string& type = "inboundPhoneCall") {
  return R"({"message":{"type":"end-of-call-report","timestamp":1767254760789,"endedReason":")" +
         ended_reason +
         R"(","startedAt":"2026-01-01T08:00:02.000Z","endedAt":"2026-01-01T08:04:47.500Z","cost":0.1875,"call":)" +
         call_object(
             call_id, assistant_id, "ended", type,
             R"(,"costBreakdown":{"transport":0.02,"stt":0.03,"llm":0.0125,"tts":0.05,"vapi":0.075,"total":0.1875})") +
         R"(,"artifact":{"transcript":"AI: Praxis Mueller, guten Tag.\nUser: Ich brauche einen Termin.\n",)"
         R"("recordingUrl":"https://storage.example/rec/mono.wav","stereoRecordingUrl":"https://storage.example/rec/stereo.wav",)"
         R"("messages":[{"role":"system","message":"Du bist die Telefonassistenz ...","time":1767254400100,"secondsFromStart":0},)"
         R"({"role":"bot","message":"Praxis Mueller, guten Tag.","time":1767254402000,"endTime":1767254403500,"secondsFromStart":1.9},)"
         R"({"role":"user","message":"Ich brauche einen Termin.","time":1767254404000,"endTime":1767254405600,"secondsFromStart":3.9},)"
         R"({"role":"tool_calls","message":"","time":1767254406000,"secondsFromStart":5.9,"toolCalls":[{"id":"call_Ab12","type":"function","function":{"name":"check_availability","arguments":"{\"date\":\"2026-01-05\"}"}}]},)"
         R"({"role":"tool_call_result","toolCallId":"call_Ab12","name":"check_availability","result":"Frei: 09:00, 10:30, 14:00","time":1767254406800,"secondsFromStart":6.7}]},)"
         R"("analysis":{"summary":"Anrufer wollte einen Termin; 10:30 am 5.1. wurde gebucht.","structuredData":{"intent":"appointment","callbackRequested":false},"successEvaluation":"true"}}})";
}

inline std::string tool_calls(const std::string& call_id, const std::string& assistant_id,
                              const std::string& tool_call_id, const std::string& name,
                              const std::string& arguments_object) {
  return R"({"message":{"type":"tool-calls","timestamp":1767254406000,"call":)" +
         call_object(call_id, assistant_id, "in-progress") + R"(,"toolCallList":[{"id":")" +
         tool_call_id + R"(","type":"function","function":{"name":")" + name + R"(","arguments":)" +
         arguments_object + "}}]}}";
}

inline std::string assistant_request(const std::string& phone_number_id, const std::string& e164) {
  return R"({"message":{"type":"assistant-request","timestamp":1767254400123,"phoneNumber":{"id":")" +
         phone_number_id + R"(","provider":"vapi","number":")" + e164 +
         R"(","name":"Praxis"},"customer":{"number":"+4915112345678"},"call":{"id":"c-ar-1","orgId":"o","type":"inboundPhoneCall","status":"ringing","phoneNumberId":")" +
         phone_number_id +
         R"(","customer":{"number":"+4915112345678"},"createdAt":"2026-01-01T08:00:00.000Z","updatedAt":"2026-01-01T08:00:00.000Z"}}})";
}

inline std::string transfer_destination_request(const std::string& call_id,
                                                const std::string& assistant_id) {
  return R"({"message":{"type":"transfer-destination-request","timestamp":1767254410000,"call":)" +
         call_object(call_id, assistant_id, "in-progress") +
         R"(,"artifact":{"transcript":"User: Ich möchte bitte mit einem Menschen sprechen.\n"}}})";
}

}  // namespace kx::telephony::samples
