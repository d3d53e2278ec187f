#pragma once
// The CloudEvents 1.0 envelope of an event in Kafka binary mode: attributes travel as ce_*
// headers, the data as the message value, the owner's user id as the key.

#include <string>
#include <utility>
#include <vector>

namespace kx::events {

/// One event as it travels: envelope attributes plus the data as JSON text.
struct Event {
  std::string id;       ///< ce_id, a UUID
  std::string type;     ///< ce_type without version, e.g. "user.registered" (= the topic)
  std::string version;  ///< "v1"
  std::string source;   ///< ce_source, the producing service
  std::string subject;  ///< ce_subject, the aggregate id
  std::string time;     ///< ce_time, ISO-8601 UTC
  std::string key;      ///< Kafka key: the owner's user id
  std::string data;     ///< JSON object
  std::string ce_type() const { return type + "." + version; }
};

/// Kafka header list for an event (ce_* and content-type).
std::vector<std::pair<std::string, std::string>> to_headers(const Event& event);
/// Rebuilds an event from headers, key and value; throws std::invalid_argument naming the
/// missing or malformed attribute.
Event from_headers(const std::vector<std::pair<std::string, std::string>>& headers, std::string key,
                   std::string value);

/// The current time as ISO-8601 UTC with milliseconds, e.g. 2026-11-21T10:00:00.123Z.
std::string utc_now();
/// The current time for an event's ce_time: ISO-8601 UTC with microseconds, e.g.
/// 2026-11-21T10:00:00.123456Z, so that quick successive changes carry ordered times.
std::string ce_time_now();

}  // namespace kx::events
