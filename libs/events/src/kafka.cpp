#include "kafka_internal.hpp"

#include <mutex>
#include <stdexcept>

#include "kx/log/log.hpp"

namespace kx::events {
namespace detail {

std::string errstr_of(rd_kafka_resp_err_t err) {
  return rd_kafka_err2str(err);
}

rd_kafka_conf_t* make_conf(const std::vector<std::pair<std::string, std::string>>& props) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw std::runtime_error("kafka config " + k + ": " + err);
    }
  }
  return conf;
}

void kafka_log_cb(const rd_kafka_t*, int level, const char* fac, const char* buf) {
  if (level <= 3) {
    log::error("kafka", {{"facility", fac}, {"detail", buf}});
  } else if (level <= 4) {
    log::warn("kafka", {{"facility", fac}, {"detail", buf}});
  }
}

rd_kafka_t* make_producer(const KafkaOptions& kafka,
                          void (*dr)(rd_kafka_t*, const rd_kafka_message_t*, void*)) {
  auto* conf = make_conf({{"bootstrap.servers", kafka.bootstrap},
                          {"enable.idempotence", "true"},
                          {"acks", "all"},
                          {"linger.ms", "2"},
                          // A batch of JSON events shrinks to a fraction: less for the broker to
                          // store and send, and the dev broker's mock, which keeps only 5 MB per
                          // partition, no longer drops unread events of a burst (performance.md).
                          {"compression.type", "lz4"},
                          {"partitioner", "murmur2_random"},
                          {"message.timeout.ms", std::to_string(kafka.message_timeout.count())},
                          {"reconnect.backoff.max.ms", "1000"}});
  rd_kafka_conf_set_log_cb(conf, kafka_log_cb);
  if (dr)
    rd_kafka_conf_set_dr_msg_cb(conf, dr);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("cannot create kafka producer: ") + err);
  }
  return rk;
}

rd_kafka_headers_t* make_headers(const Event& e) {
  auto* hdrs = rd_kafka_headers_new(8);
  for (const auto& [k, v] : to_headers(e)) {
    rd_kafka_header_add(hdrs, k.c_str(), static_cast<ssize_t>(k.size()), v.data(),
                        static_cast<ssize_t>(v.size()));
  }
  return hdrs;
}

}  // namespace detail

using detail::errstr_of;
using detail::make_conf;

struct BrokerProbe::Impl {
  std::mutex mutex;
  rd_kafka_t* rk = nullptr;
};

BrokerProbe::BrokerProbe(const std::string& bootstrap) : impl_(std::make_unique<Impl>()) {
  auto* conf = make_conf({{"bootstrap.servers", bootstrap}, {"reconnect.backoff.max.ms", "1000"}});
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
  char err[512];
  impl_->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!impl_->rk) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("cannot create kafka client: ") + err);
  }
}

BrokerProbe::~BrokerProbe() {
  if (impl_->rk)
    rd_kafka_destroy(impl_->rk);
}

bool BrokerProbe::reachable(std::chrono::milliseconds timeout, std::string& reason) {
  std::lock_guard lock(impl_->mutex);
  const struct rd_kafka_metadata* md = nullptr;
  auto err = rd_kafka_metadata(impl_->rk, 0, nullptr, &md, static_cast<int>(timeout.count()));
  if (err) {
    reason = "broker unreachable: " + errstr_of(err);
    return false;
  }
  rd_kafka_metadata_destroy(md);
  return true;
}

}  // namespace kx::events
