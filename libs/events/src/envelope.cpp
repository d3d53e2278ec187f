#include "kx/events/envelope.hpp"

#include <chrono>
#include <map>
#include <stdexcept>

#include "kx/json/json.hpp"

namespace kx::events {

std::vector<std::pair<std::string, std::string>> to_headers(const Event& e) {
  return {{"ce_specversion", "1.0"},
          {"ce_id", e.id},
          {"ce_source", e.source},
          {"ce_type", e.ce_type()},
          {"ce_time", e.time},
          {"ce_subject", e.subject},
          {"content-type", "application/json"}};
}

Event from_headers(const std::vector<std::pair<std::string, std::string>>& headers, std::string key,
                   std::string value) {
  std::map<std::string, std::string> h(headers.begin(), headers.end());
  auto need = [&](const char* name) -> std::string {
    auto it = h.find(name);
    if (it == h.end() || it->second.empty()) {
      throw std::invalid_argument(std::string("missing CloudEvents header ") + name);
    }
    return it->second;
  };
  if (need("ce_specversion") != "1.0")
    throw std::invalid_argument("unsupported ce_specversion");
  Event e;
  e.id = need("ce_id");
  e.source = need("ce_source");
  e.time = need("ce_time");
  e.subject = h.count("ce_subject") ? h["ce_subject"] : "";
  std::string type = need("ce_type");
  auto dot = type.rfind('.');
  if (dot == std::string::npos || dot + 2 > type.size() || type[dot + 1] != 'v') {
    throw std::invalid_argument("ce_type has no version suffix: " + type);
  }
  e.type = type.substr(0, dot);
  e.version = type.substr(dot + 1);
  e.key = std::move(key);
  e.data = std::move(value);
  return e;
}

std::string utc_now() {
  return json::utc_timestamp(std::chrono::system_clock::now());
}

// Microseconds, not milliseconds: consumers keep the newest change by ce_time (events of
// different topics arrive in any order), and two changes of one agent in quick succession, the
// second waiting for the first's row lock, are microseconds apart, often within one millisecond.
std::string ce_time_now() {
  return json::utc_timestamp_us(std::chrono::system_clock::now());
}

}  // namespace kx::events
