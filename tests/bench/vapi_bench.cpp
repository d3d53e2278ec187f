// kx-vapi-bench: a closed-loop load generator for POST /webhooks/vapi. Like kx-http-bench, but
// every request is a signed Vapi server message, and end-of-call reports and tool calls carry a
// new call id each time, so every one of them creates a call (a repeat would only measure the
// duplicate check or the stored tool answer).
//   kx-vapi-bench --url URL --secret S --scenario assistant-request|end-of-call-report|tool-calls
//                 --assistant ID --phone-number-id ID --e164 NUMBER [--threads 4] [--seconds 10]
//                 [--rate R]
//                 [--tool check_availability] [--arguments '{"date":"morgen"}']
// --rate R starts at most R requests a second in total (a soak test at a given load).
// --emit N sends nothing: it prints N signed messages, one "signature<TAB>body" per line, for
// tests/bench/vapi_wrk.lua (wrk then spends its share of the cores on sending only).
// A tool call counts as an error unless its result is a sentence other than telephony's apology.
#include <cstdio>
#include <string>

#include "closed_loop.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/http/client.hpp"
#include "kx/json/json.hpp"

namespace {

int usage() {
  std::fprintf(
      stderr,
      "usage: kx-vapi-bench --url URL --secret S --scenario "
      "assistant-request|end-of-call-report|tool-calls --assistant ID "
      "--phone-number-id ID --e164 NUMBER [--threads N] [--seconds S] [--rate R] [--tool NAME] "
      "[--arguments JSON] [--emit N]\n");
  return 2;
}

std::string assistant_request(const std::string& number_id, const std::string& e164) {
  kx::json::Writer w;
  w.begin_object().key("message").begin_object().field("type", "assistant-request");
  w.key("phoneNumber").begin_object().field("id", number_id).field("number", e164).end_object();
  w.key("call").begin_object().field("id", kx::crypto::uuid_v4()).field("type", "inboundPhoneCall");
  w.field("status", "ringing").field("phoneNumberId", number_id);
  w.key("customer").begin_object().field("number", "+4915112345678").end_object();
  w.end_object().end_object().end_object();
  return w.str();
}

using SystemClock = std::chrono::system_clock;

// Vapi's times, as of now: a call of the past, by more than the retention period, would be a
// second write for the retention job right after it is stored, which no real report causes.
std::string vapi_time(SystemClock::duration before_now) {
  return kx::json::utc_timestamp(SystemClock::now() - before_now);
}

// A realistic report: a dozen turns, a summary, structured data and recording links (~3 KiB),
// sent a moment after the call of 3 min 15 s ended.
std::string report(const std::string& call_id, const std::string& assistant_id) {
  using std::chrono::seconds;
  kx::json::Writer w;
  w.begin_object().key("message").begin_object().field("type", "end-of-call-report");
  w.field("endedReason", "customer-ended-call");
  w.field("startedAt", vapi_time(seconds(200))).field("endedAt", vapi_time(seconds(5)));
  w.field("cost", 0.21);
  w.key("call").begin_object().field("id", call_id).field("type", "inboundPhoneCall");
  w.field("status", "ended").field("assistantId", assistant_id);
  w.key("customer").begin_object().field("number", "+4915112345678").end_object();
  w.field("createdAt", vapi_time(seconds(202))).end_object();
  w.key("artifact").begin_object();
  w.field("recordingUrl", "https://storage.example/rec/" + call_id + "-mono.wav");
  w.field("stereoRecordingUrl", "https://storage.example/rec/" + call_id + "-stereo.wav");
  const std::int64_t first_turn_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                         (SystemClock::now() - seconds(198)).time_since_epoch())
                                         .count();
  w.key("messages").begin_array();
  for (int i = 0; i < 12; ++i) {
    w.begin_object().field("role", i % 2 ? "user" : "bot");
    w.field("message", i % 2 ? "Ich hätte gern einen Termin am Dienstag, am liebsten vormittags."
                             : "Gern, am Dienstag ist um 9:30 Uhr und um 11:00 Uhr etwas frei.");
    w.field("time", first_turn_ms + i * 15'000).field("secondsFromStart", 2.0 + i * 15);
    w.end_object();
  }
  w.end_array().end_object();
  w.key("analysis").begin_object();
  w.field("summary", "Die Anruferin hat einen Termin am Dienstag um 9:30 Uhr gebucht.");
  w.key("structuredData").begin_object().field("intent", "appointment").end_object();
  w.field("successEvaluation", "true").end_object();
  w.end_object().end_object();
  return w.str();
}

// One calendar tool call of an in-progress inbound call, as Vapi sends it.
std::string tool_calls(const std::string& call_id, const std::string& assistant_id,
                       const std::string& number_id, const std::string& tool,
                       const std::string& arguments) {
  kx::json::Writer w;
  w.begin_object().key("message").begin_object().field("type", "tool-calls");
  w.key("call").begin_object().field("id", call_id).field("type", "inboundPhoneCall");
  w.field("status", "in-progress").field("assistantId", assistant_id);
  w.field("phoneNumberId", number_id);
  w.key("customer").begin_object().field("number", "+4915112345678").end_object();
  w.field("createdAt", vapi_time(std::chrono::seconds(40))).end_object();
  w.key("toolCallList").begin_array().begin_object().field("id", "call_bench");
  w.field("type", "function").key("function").begin_object().field("name", tool);
  w.key("arguments").raw(arguments).end_object().end_object().end_array();
  w.end_object().end_object();
  return w.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::string url, secret, scenario, assistant, number_id, e164;
  std::string tool = "check_availability", arguments = R"({"date":"morgen"})";
  int threads = 4, seconds = 10;
  long emit = 0;
  double rate = 0;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc)
      return usage();
    std::string value = argv[++i];
    if (flag == "--url")
      url = value;
    else if (flag == "--secret")
      secret = value;
    else if (flag == "--scenario")
      scenario = value;
    else if (flag == "--assistant")
      assistant = value;
    else if (flag == "--phone-number-id")
      number_id = value;
    else if (flag == "--e164")
      e164 = value;
    else if (flag == "--threads")
      threads = std::stoi(value);
    else if (flag == "--seconds")
      seconds = std::stoi(value);
    else if (flag == "--rate")
      rate = std::stod(value);
    else if (flag == "--tool")
      tool = value;
    else if (flag == "--arguments")
      arguments = value;
    else if (flag == "--emit")
      emit = std::stol(value);
    else
      return usage();
  }
  if ((url.empty() && emit == 0) || secret.empty() || emit < 0 || threads < 1 || seconds < 1 ||
      rate < 0 ||
      (scenario != "assistant-request" && scenario != "end-of-call-report" &&
       scenario != "tool-calls"))
    return usage();
  try {
    if (!kx::json::parse(arguments).IsObject())
      return usage();
  } catch (const kx::json::ParseError&) {
    return usage();
  }

  // A message of thread t's n-th request: a new call id each, so every one creates a call.
  auto body = [&](int t, long n) {
    auto call_id = "bench-" + std::to_string(t) + "-" + std::to_string(n) + "-" +
                   kx::crypto::uuid_v4().substr(0, 8);
    if (scenario == "assistant-request")
      return assistant_request(number_id, e164);
    if (scenario == "tool-calls")
      return tool_calls(call_id, assistant, number_id, tool, arguments);
    return report(call_id, assistant);
  };
  if (emit > 0) {
    for (long n = 1; n <= emit; ++n) {
      auto b = body(0, n);
      std::printf("%s\t%s\n", kx::crypto::hmac_sha256_hex(secret, b).c_str(), b.c_str());
    }
    return 0;
  }

  kx::http::Client client({.max_retries = 0});
  auto result = kx::bench::run_closed_loop(
      threads, seconds,
      [&](int t, long n) {
        kx::http::ClientRequest req;
        req.method = "POST";
        req.url = url;
        req.body = body(t, n);
        req.headers.set("Content-Type", "application/json");
        req.headers.set("X-Vapi-Signature", kx::crypto::hmac_sha256_hex(secret, req.body));
        auto res = client.send(req);
        if (res.status != 200)
          return false;
        if (scenario == "assistant-request")
          return res.body.find("\"assistantId\"") != std::string::npos;
        // telephony-webhook's apology names the calendar; a real answer says times ("14:30 Uhr").
        if (scenario == "tool-calls")
          return res.body.find("Uhr") != std::string::npos &&
                 res.body.find("Kalender") == std::string::npos;
        return true;
      },
      rate);
  kx::json::Writer w;
  w.begin_object().field("scenario", scenario == "tool-calls" ? "tool-calls:" + tool : scenario);
  w.field("threads", threads);
  kx::bench::write_load_result(w, result);
  w.end_object();
  std::printf("%s\n", w.str().c_str());
  return result.errors == 0 ? 0 : 1;
}
