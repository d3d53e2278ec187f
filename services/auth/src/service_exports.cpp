#include "service_exports.hpp"

#include "kx/http/error.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"
#include "link_mailer.hpp"

namespace kx::auth {

ServiceExports::ServiceExports(const std::map<std::string, std::vector<std::string>>& services,
                               const http::IdentitySigner& signer)
    : signer_(signer) {
  for (const auto& [name, urls] : services) {
    services_[name] = std::make_unique<http::Replicas>(
        urls,
        http::ReplicaOptions{.client = {.request_timeout = std::chrono::milliseconds(20'000)}});
  }
}

std::string ServiceExports::collect(const std::string& user_id,
                                    const std::string& request_id) const {
  const http::Error unavailable = http::Error::unavailable(
      "Der Export ist gerade nicht möglich, weil ein Dienst nicht antwortet. Bitte versuchen Sie "
      "es in einigen Minuten erneut.");
  json::Writer w;
  w.begin_object();
  for (const auto& [name, replicas] : services_) {
    auto target = "/internal/users/" + http::percent_encode(user_id) + "/export";
    http::Response res;
    try {
      res = replicas->send(signed_service_request(signer_, "GET", target, request_id));
    } catch (const http::ClientError& e) {
      log::error("export part failed",
                 {{"service", name}, {"request_id", request_id}, {"error", e.what()}});
      throw unavailable;
    }
    if (res.status != 200) {
      log::error("export part refused",
                 {{"service", name}, {"request_id", request_id}, {"status", res.status}});
      throw unavailable;
    }
    try {
      auto doc = json::parse(res.body);
      if (!doc.IsObject() || !doc.HasMember("data") || !doc["data"].IsObject())
        throw json::ParseError("no data object", 0);
      w.key(name).value(doc["data"]);
    } catch (const json::ParseError& e) {
      log::error("export part malformed",
                 {{"service", name}, {"request_id", request_id}, {"error", e.what()}});
      throw unavailable;
    }
  }
  w.end_object();
  return w.str();
}

}  // namespace kx::auth
