#include "control.hpp"

#include <thread>

#include "kx/http/error.hpp"
#include "kx/json/json.hpp"
#include "kx/log/log.hpp"

namespace kx::sandbox {

using http::Request;
using http::Response;

std::optional<Fault> Control::on_request(std::string_view method, std::string_view path,
                                         const std::string& route) {
  std::lock_guard lock(mutex_);
  ++requests_[route];
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    bool method_matches = it->method.empty() || it->method == "*" || it->method == method;
    if (!method_matches || path.rfind(it->path_prefix, 0) != 0)
      continue;
    Fault fault = *it;
    if (it->count > 0 && --it->count == 0)
      faults_.erase(it);
    return fault;
  }
  return std::nullopt;
}

void Control::add(Fault fault) {
  std::lock_guard lock(mutex_);
  faults_.push_back(std::move(fault));
}

void Control::clear() {
  std::lock_guard lock(mutex_);
  faults_.clear();
}

std::string Control::stats_json() const {
  json::Writer w;
  w.begin_object().key("requests").begin_object();
  std::lock_guard lock(mutex_);
  for (const auto& [route, n] : requests_)
    w.field(route, n);
  w.end_object().key("faults").begin_array();
  for (const auto& f : faults_) {
    w.begin_object().field("method", f.method).field("path_prefix", f.path_prefix);
    w.field("status", f.status).field("kind", f.kind).field("count", f.count).end_object();
  }
  w.end_array().end_object();
  return w.str();
}

void Control::reset_stats() {
  std::lock_guard lock(mutex_);
  requests_.clear();
}

void Control::route(http::Router& router, const std::string& method, const std::string& pattern,
                    ErrorBody error_body, std::function<Response(Request&, const Fault*)> handler,
                    std::size_t max_body) {
  auto name = method + " " + pattern;
  router.add(method, pattern,
             [this, name, error_body, handler = std::move(handler)](Request& req) {
               auto fault = on_request(req.method, req.path, name);
               if (!fault)
                 return handler(req, nullptr);
               if (fault->delay_ms > 0)
                 std::this_thread::sleep_for(std::chrono::milliseconds(fault->delay_ms));
               if (fault->status == 0)
                 return handler(req, &*fault);
               auto res = Response::json(fault->status, error_body(fault->status));
               if (fault->retry_after >= 0)
                 res.headers.set("Retry-After", std::to_string(fault->retry_after));
               return res;
             },
             {.max_body = max_body, .access = http::Access::open});
}

void Control::add_routes(http::Router& router) {
  for (std::string base : {"/_control", "/vapi/_control", "/google/_control"}) {
    router.add(
        "POST", base + "/faults",
        [this](Request& req) {
          auto doc = http::parse_body(req.body);
          json::FieldReader in(doc);
          in.reject_unknown(
              {"method", "path_prefix", "status", "retry_after", "delay_ms", "kind", "count"});
          Fault f;
          f.method = in.optional_string("method", 10).value_or("*");
          f.path_prefix = in.required_string("path_prefix", 200);
          f.status = static_cast<int>(in.int_between("status", 100, 599, false).value_or(0));
          f.retry_after =
              static_cast<int>(in.int_between("retry_after", 0, 3600, false).value_or(-1));
          f.delay_ms = static_cast<int>(in.int_between("delay_ms", 0, 120'000, false).value_or(0));
          f.kind = in.optional_string("kind", 40).value_or("");
          f.count = static_cast<int>(in.int_between("count", -1, 100'000, false).value_or(1));
          if (f.count == 0)
            in.add_error("count", "muss -1 (unbegrenzt) oder mindestens 1 sein");
          if (f.status == 0 && f.delay_ms == 0 && f.kind.empty())
            in.add_error("status", "status, delay_ms oder kind angeben");
          http::require_valid(in);
          log::info("sandbox fault added", {{"method", f.method},
                                            {"path_prefix", f.path_prefix},
                                            {"status", f.status},
                                            {"kind", f.kind},
                                            {"count", f.count}});
          add(std::move(f));
          return Response::json(201, stats_json());
        },
        {.max_body = 4 * 1024, .access = http::Access::open});
    router.add("DELETE", base + "/faults",
               [this](Request&) {
                 clear();
                 return Response::no_content();
               },
               {.max_body = 0, .access = http::Access::open});
    router.add("GET", base + "/stats",
               [this](Request&) { return Response::json(200, stats_json()); },
               {.max_body = 0, .access = http::Access::open});
    router.add("DELETE", base + "/stats",
               [this](Request&) {
                 reset_stats();
                 return Response::no_content();
               },
               {.max_body = 0, .access = http::Access::open});
  }
}

}  // namespace kx::sandbox
