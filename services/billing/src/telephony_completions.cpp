#include "telephony_completions.hpp"

#include "kx/crypto/crypto.hpp"
#include "kx/http/message.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"

namespace kx::billing {
namespace {

constexpr const char* kBase = "/internal/reconciliation/call-completions";
constexpr int kPageSize = 1'000;

std::string query(std::initializer_list<std::pair<const char*, std::string>> params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (value.empty())
      continue;
    out += (out.empty() ? "?" : "&") + std::string(name) + "=" + http::percent_encode(value);
  }
  return out;
}

const json::Value& array_of(const json::Document& doc, const char* name) {
  auto it = doc.FindMember(name);
  if (it == doc.MemberEnd() || !it->value.IsArray())
    throw ProducerUnavailable(std::string("telephony-webhook answered without ") + name);
  return it->value;
}

}  // namespace

TelephonyCompletions::TelephonyCompletions(std::vector<std::string> base_urls,
                                           const http::IdentitySigner& signer)
    : telephony_(
          std::move(base_urls),
          http::ReplicaOptions{
              .client = http::ClientOptions{.connect_timeout = std::chrono::milliseconds(2'000),
                                            .request_timeout = std::chrono::milliseconds(30'000),
                                            .max_retries = 1}}),
      signer_(signer) {}

std::string TelephonyCompletions::send(const std::string& method, const std::string& target,
                                       const std::string& body) {
  http::ClientRequest call;
  call.method = method;
  call.url = target;
  call.body = body;
  auto request_id = crypto::uuid_v7();
  call.headers.set("X-Request-Id", request_id);
  call.headers.set("Idempotency-Key", request_id);
  if (!body.empty())
    call.headers.set("Content-Type", "application/json");
  signer_.sign(call.headers, {"", "service:billing"}, method, target, request_id);
  try {
    auto res = telephony_.send(call);
    if (res.status == 200)
      return std::move(res.body);
    log::warn("telephony-webhook refused a reconciliation request",
              {{"request_id", request_id}, {"target", target}, {"status", res.status}});
    throw ProducerUnavailable("status " + std::to_string(res.status));
  } catch (const http::ClientError& e) {
    throw ProducerUnavailable(e.what());
  }
}

CompletedCalls::DaysPage TelephonyCompletions::days(const std::string& from, const std::string& to,
                                                    const std::string& after_user_id,
                                                    const std::string& after_day) {
  auto body = send("GET",
                   std::string(kBase) + "/days" +
                       query({{"from", from},
                              {"to", to},
                              {"after_user_id", after_user_id},
                              {"after_day", after_day},
                              {"limit", std::to_string(kPageSize)}}),
                   {});
  try {
    auto doc = json::parse(body);
    DaysPage page;
    for (const auto& d : array_of(doc, "days").GetArray()) {
      page.days.push_back({json::get_string(d, "user_id"), json::get_string(d, "day"),
                           json::get_int(d, "calls"), json::get_string(d, "digest")});
    }
    page.has_more = json::get_bool(doc, "has_more");
    return page;
  } catch (const json::ParseError& e) {
    throw ProducerUnavailable(std::string("invalid answer: ") + e.what());
  }
}

CompletedCalls::CallsPage TelephonyCompletions::calls(const std::string& user_id,
                                                      const std::string& day,
                                                      const std::string& after_call_id) {
  auto body = send("GET",
                   std::string(kBase) + query({{"user_id", user_id},
                                               {"day", day},
                                               {"after", after_call_id},
                                               {"limit", std::to_string(kPageSize)}}),
                   {});
  try {
    auto doc = json::parse(body);
    CallsPage page;
    for (const auto& c : array_of(doc, "calls").GetArray()) {
      page.calls.push_back({json::get_string(c, "call_id"),
                            std::chrono::milliseconds(json::get_int(c, "age_ms")),
                            json::get_bool(c, "pending")});
    }
    page.has_more = json::get_bool(doc, "has_more");
    return page;
  } catch (const json::ParseError& e) {
    throw ProducerUnavailable(std::string("invalid answer: ") + e.what());
  }
}

std::int64_t TelephonyCompletions::republish(const std::vector<std::string>& call_ids) {
  json::Writer w;
  w.begin_object().key("call_ids").begin_array();
  for (const auto& id : call_ids)
    w.value(id);
  w.end_array().end_object();
  auto body = send("POST", std::string(kBase) + "/republish", w.str());
  try {
    auto doc = json::parse(body);
    return json::get_int(doc, "requeued") + json::get_int(doc, "rebuilt");
  } catch (const json::ParseError& e) {
    throw ProducerUnavailable(std::string("invalid answer: ") + e.what());
  }
}

}  // namespace kx::billing
