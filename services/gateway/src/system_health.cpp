#include "system_health.hpp"

#include <future>

#include "kx/events/envelope.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"

namespace kx::gateway {
namespace {

// The services in the order the admin reads them: the edge first, then the request path.
const char* const kOrder[] = {"gateway",           "auth",    "agent",
                              "telephony-webhook", "billing", "integrations"};

void write_unanswered(json::Writer& w, const ServiceReport& r) {
  w.begin_object()
      .field("name", r.name)
      .field("ready", false)
      .field("reason", "no answer: " + r.error);
  for (const char* k : {"requests", "errors", "error_rate", "latency_p50_ms", "latency_p99_ms",
                        "outbox_backlog", "dead_letters", "consumer_lag", "database", "broker"})
    w.key(k).null();
  w.end_object();
}

}  // namespace

std::string compose_system(const std::string& checked_at,
                           const std::vector<ServiceReport>& reports) {
  json::Writer w;
  w.begin_object().field("checked_at", checked_at).key("services").begin_array();
  bool db_seen = false, db_ok = true, broker_seen = false, broker_ok = true;
  std::string db_reason, broker_reason;
  std::optional<std::int64_t> connections, size_bytes;
  for (const auto& r : reports) {
    json::Document doc;
    bool usable = false;
    if (r.body) {
      try {
        doc = json::parse(*r.body);
        usable = doc.IsObject();
      } catch (const std::exception&) {
      }
    }
    if (!usable) {
      write_unanswered(w, r.body ? ServiceReport{r.name, {}, "unreadable report"} : r);
      continue;
    }
    // The name is ours, not what the answer claims.
    if (doc.HasMember("name"))
      doc["name"].SetString(r.name.c_str(), static_cast<rapidjson::SizeType>(r.name.size()),
                            doc.GetAllocator());
    w.value(doc);
    if (doc.HasMember("database") && doc["database"].IsObject()) {
      const auto& d = doc["database"];
      db_seen = true;
      if (!json::get_bool(d, "reachable")) {
        db_ok = false;
        if (db_reason.empty())
          db_reason = r.name + ": " + json::get_string(d, "reason");
      } else if (!connections && d.HasMember("connections") && d["connections"].IsInt64()) {
        connections = d["connections"].GetInt64();
        if (d.HasMember("size_bytes") && d["size_bytes"].IsInt64())
          size_bytes = d["size_bytes"].GetInt64();
      }
    }
    if (doc.HasMember("broker") && doc["broker"].IsObject()) {
      broker_seen = true;
      if (!json::get_bool(doc["broker"], "reachable")) {
        broker_ok = false;
        if (broker_reason.empty())
          broker_reason = r.name + ": " + json::get_string(doc["broker"], "reason");
      }
    }
  }
  w.end_array();
  w.key("database").begin_object().field("reachable", db_seen && db_ok);
  if (!db_seen)
    w.field("reason", "no service reported its database");
  else if (!db_ok)
    w.field("reason", db_reason);
  else
    w.key("reason").null();
  w.field("connections", connections).field("size_bytes", size_bytes).end_object();
  w.key("broker").begin_object().field("reachable", broker_seen && broker_ok);
  if (!broker_seen)
    w.field("reason", "no service reported the broker");
  else if (!broker_ok)
    w.field("reason", broker_reason);
  else
    w.key("reason").null();
  w.end_object().end_object();
  return w.str();
}

SystemHealth::SystemHealth(std::map<std::string, std::vector<std::string>> service_urls,
                           const http::IdentitySigner& signer, std::chrono::milliseconds timeout,
                           std::function<std::string()> own_report)
    : service_urls_(std::move(service_urls)),
      signer_(signer),
      timeout_(timeout),
      own_report_(std::move(own_report)),
      // A service that is down must show as down at once, not after retries.
      client_(http::ClientOptions{
          .connect_timeout = timeout, .request_timeout = timeout, .max_retries = 0}) {}

ServiceReport SystemHealth::ask(const std::string& name, const std::string& url,
                                const std::string& request_id) {
  http::ClientRequest call;
  call.method = "GET";
  call.url = url + "/internal/system";
  call.headers.set("X-Request-Id", request_id);
  signer_.sign(call.headers, {"", "service:gateway"}, "GET", "/internal/system", request_id);
  try {
    auto res = client_.send(call);
    if (res.status == 200)
      return {name, std::move(res.body), {}};
    return {name, std::nullopt, "status " + std::to_string(res.status)};
  } catch (const http::ClientError& e) {
    log::warn("system report failed",
              {{"request_id", request_id}, {"service", name}, {"error", e.what()}});
    return {name, std::nullopt,
            e.kind() == http::ClientError::Kind::timeout ? "timeout" : "connection failed"};
  }
}

std::string SystemHealth::report(const std::string& request_id) {
  // service -> its replicas' answers, in replica order
  std::map<std::string, std::vector<std::future<ServiceReport>>> pending;
  for (const auto& [service, urls] : service_urls_) {
    for (std::size_t i = 0; i < urls.size(); ++i) {
      auto name = urls.size() == 1 ? service : service + "-" + std::to_string(i + 1);
      pending[service].push_back(std::async(
          std::launch::async,
          [this, name, url = urls[i], &request_id] { return ask(name, url, request_id); }));
    }
  }
  ServiceReport own{"gateway", std::nullopt, {}};
  try {
    own.body = own_report_();
  } catch (const std::exception& e) {
    own.error = e.what();
  }
  std::vector<ServiceReport> reports;
  auto collect = [&reports](std::vector<std::future<ServiceReport>>& answers) {
    for (auto& f : answers) {
      if (f.valid())
        reports.push_back(f.get());
    }
  };
  for (const char* name : kOrder) {
    if (std::string(name) == "gateway")
      reports.push_back(std::move(own));
    else if (auto it = pending.find(name); it != pending.end())
      collect(it->second);
  }
  // A service outside the known order still shows up.
  for (auto& [name, answers] : pending)
    collect(answers);
  return compose_system(events::utc_now(), reports);
}

}  // namespace kx::gateway
