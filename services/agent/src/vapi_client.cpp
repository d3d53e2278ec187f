#include "vapi_client.hpp"

#include <charconv>

#include "kx/json/json.hpp"
#include "kx/log/log.hpp"

namespace kx::agent {
namespace {

// Vapi's error body is NestJS's: {"message": "..." or ["...", ...], "error", "statusCode"}.
std::string error_detail(const http::Response& res) {
  try {
    auto doc = json::parse(res.body);
    if (doc.IsObject()) {
      if (auto it = doc.FindMember("message"); it != doc.MemberEnd()) {
        if (it->value.IsString())
          return it->value.GetString();
        if (it->value.IsArray()) {
          std::string out;
          for (const auto& m : it->value.GetArray()) {
            if (!m.IsString())
              continue;
            if (!out.empty())
              out += "; ";
            out += m.GetString();
          }
          return out;
        }
      }
    }
  } catch (const std::exception&) {
  }
  return "HTTP " + std::to_string(res.status);
}

std::optional<std::chrono::seconds> retry_after(const http::Response& res) {
  auto header = res.headers.get("retry-after");
  if (!header || header->empty())
    return std::nullopt;
  std::string_view value = *header;
  long seconds = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || seconds < 0)
    return std::nullopt;
  return std::chrono::seconds(std::min(seconds, 3600L));
}

}  // namespace

std::string VapiError::german() const {
  switch (kind_) {
    case Kind::transient:
      if (status_ == 429)
        return "Vapi nimmt gerade keine Änderungen an (zu viele Anfragen). Wir versuchen es "
               "automatisch erneut.";
      if (status_ == 0)
        return "Vapi ist nicht erreichbar. Wir versuchen es automatisch erneut.";
      return "Vapi meldet einen vorübergehenden Fehler (HTTP " + std::to_string(status_) +
             "). Wir versuchen es automatisch erneut.";
    case Kind::not_found:
      return "Der Assistent wurde in Vapi nicht gefunden.";
    case Kind::rejected:
      break;
  }
  return "Vapi hat die Einstellungen abgelehnt (HTTP " + std::to_string(status_) + ": " + what() +
         "). Das Team ist informiert.";
}

VapiClient::VapiClient(std::string api_base, std::string api_key, http::ClientOptions options)
    : api_base_(std::move(api_base)), api_key_(std::move(api_key)), client_(options) {
  while (!api_base_.empty() && api_base_.back() == '/')
    api_base_.pop_back();
}

http::Response VapiClient::call(const std::string& method, const std::string& path,
                                const std::string& body) {
  http::ClientRequest req;
  req.method = method;
  req.url = api_base_ + path;
  req.headers.set("Authorization", "Bearer " + api_key_);
  req.headers.set("Accept", "application/json");
  if (!body.empty()) {
    req.headers.set("Content-Type", "application/json");
    req.body = body;
  }
  http::Response res;
  try {
    res = client_.send(req);
  } catch (const http::ClientError& e) {
    throw VapiError(VapiError::Kind::transient, 0, e.what());
  }
  if (res.status >= 200 && res.status < 300)
    return res;
  auto detail = error_detail(res);
  if (res.status == 429 || res.status >= 500 || res.status == 408)
    throw VapiError(VapiError::Kind::transient, res.status, detail, retry_after(res));
  if (res.status == 404)
    throw VapiError(VapiError::Kind::not_found, res.status, detail);
  throw VapiError(VapiError::Kind::rejected, res.status, detail);
}

std::string VapiClient::create_assistant(const std::string& body) {
  auto res = call("POST", "/assistant", body);
  auto doc = json::parse(res.body);
  auto id = json::get_string(doc, "id");
  if (id.empty())
    throw VapiError(VapiError::Kind::transient, res.status, "assistant without id");
  return id;
}

void VapiClient::update_assistant(const std::string& id, const std::string& body) {
  call("PATCH", "/assistant/" + id, body);
}

void VapiClient::delete_assistant(const std::string& id) {
  try {
    call("DELETE", "/assistant/" + id);
  } catch (const VapiError& e) {
    if (e.kind() != VapiError::Kind::not_found)
      throw;
  }
}

std::vector<VapiAssistant> VapiClient::assistants_created_since(const std::string& since) {
  auto res = call("GET", "/assistant?limit=1000&createdAtGe=" + since);
  auto doc = json::parse(res.body);
  std::vector<VapiAssistant> out;
  if (!doc.IsArray())
    return out;
  for (const auto& a : doc.GetArray()) {
    if (!a.IsObject())
      continue;
    VapiAssistant v;
    v.id = json::get_string(a, "id");
    v.created_at = json::get_string(a, "createdAt");
    if (auto m = a.FindMember("metadata"); m != a.MemberEnd() && m->value.IsObject())
      v.agent_id = json::get_string(m->value, "kametrix_agent_id");
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<VapiPhoneNumber> VapiClient::phone_numbers() {
  // Vapi lists newest first, at most `limit` per call: page backwards by creation time.
  constexpr int kPage = 1000;
  std::vector<VapiPhoneNumber> out;
  std::string before;
  for (;;) {
    auto res = call("GET", "/phone-number?limit=" + std::to_string(kPage) +
                               (before.empty() ? "" : "&createdAtLt=" + before));
    auto doc = json::parse(res.body);
    if (!doc.IsArray())
      break;
    std::string oldest;
    for (const auto& n : doc.GetArray()) {
      if (!n.IsObject())
        continue;
      out.push_back(VapiPhoneNumber{json::get_string(n, "id"), json::get_string(n, "number"),
                                    json::get_string(n, "name"), json::get_string(n, "status")});
      auto created = json::get_string(n, "createdAt");
      if (oldest.empty() || created < oldest)
        oldest = created;
    }
    if (doc.GetArray().Size() < static_cast<rapidjson::SizeType>(kPage) || oldest.empty() ||
        oldest == before)
      break;
    before = oldest;
  }
  return out;
}

void VapiClient::update_phone_number(const std::string& id, const std::string& body) {
  call("PATCH", "/phone-number/" + id, body);
}

}  // namespace kx::agent
