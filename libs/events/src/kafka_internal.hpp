#pragma once
// librdkafka plumbing shared by the relay, the consumer and the broker probe (not public).

#include <librdkafka/rdkafka.h>

#include <string>
#include <utility>
#include <vector>

#include "kx/events/envelope.hpp"
#include "kx/events/kafka.hpp"

namespace kx::events::detail {

std::string errstr_of(rd_kafka_resp_err_t err);
/// librdkafka configuration; throws std::runtime_error with the library's message on a bad
/// property.
rd_kafka_conf_t* make_conf(const std::vector<std::pair<std::string, std::string>>& props);
/// Routes librdkafka's warnings and errors to the JSON log.
void kafka_log_cb(const rd_kafka_t*, int level, const char* fac, const char* buf);
/// An idempotent producer (acks=all); `dr` receives delivery reports when set.
rd_kafka_t* make_producer(const KafkaOptions& kafka,
                          void (*dr)(rd_kafka_t*, const rd_kafka_message_t*, void*));
/// The event's CloudEvents headers as a librdkafka header list (owned by the caller).
rd_kafka_headers_t* make_headers(const Event& e);

}  // namespace kx::events::detail
