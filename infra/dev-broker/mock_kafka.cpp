#include "mock_kafka.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace kx::devbroker {
namespace {

// librdkafka 2.0.2's mock cluster sometimes misses the wake-up for a control call (topic create,
// broker down/up, destroy) made right after another one and then stalls; any socket event on a
// mock broker gets its thread going again. So while such a call runs, this connects to every
// broker every 10 ms. A broker that is down refuses the connection, which wakes nothing, so while
// every broker is down the calls go without the workaround.
class MockClusterNudger final {
 public:
  explicit MockClusterNudger(std::vector<sockaddr_in> brokers) {
    thread_ = std::jthread([this, brokers = std::move(brokers)](std::stop_token stop) {
      std::unique_lock lock(mutex_);
      started_ = true;
      wake_.notify_all();
      while (!stop.stop_requested()) {
        wake_.wait_for(lock, stop, std::chrono::milliseconds(10), [] { return false; });
        if (stop.stop_requested()) {
          return;
        }
        for (const sockaddr_in& broker : brokers) {
          const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
          if (fd >= 0) {
            ::connect(fd, reinterpret_cast<const sockaddr*>(&broker), sizeof broker);
            ::close(fd);
          }
        }
      }
    });
    // A thread still starting up while the call runs makes the mock cluster stall more often
    // (measured for cluster destroy), so the call waits until it runs.
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [this] { return started_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable_any wake_;
  bool started_ = false;
  std::jthread thread_;  // last, so it stops before the members it uses go
};

// The brokers of "127.0.0.1:PORT[,127.0.0.1:PORT...]": the mock brokers listen on loopback only.
std::vector<sockaddr_in> broker_addresses(const std::string& bootstraps) {
  std::vector<sockaddr_in> brokers;
  std::size_t begin = 0;
  while (begin <= bootstraps.size()) {
    const std::size_t end = std::min(bootstraps.find(',', begin), bootstraps.size());
    const std::string broker = bootstraps.substr(begin, end - begin);
    const std::size_t colon = broker.rfind(':');
    sockaddr_in address{};
    address.sin_family = AF_INET;
    std::uint16_t port = 0;
    if (colon == std::string::npos ||
        ::inet_pton(AF_INET, broker.substr(0, colon).c_str(), &address.sin_addr) != 1 ||
        std::from_chars(broker.data() + colon + 1, broker.data() + broker.size(), port).ec !=
            std::errc()) {
      throw std::runtime_error("unexpected mock cluster address " + bootstraps);
    }
    address.sin_port = htons(port);
    brokers.push_back(address);
    begin = end + 1;
  }
  return brokers;
}

void check(rd_kafka_resp_err_t err, const std::string& what) {
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw std::runtime_error(what + ": " + rd_kafka_err2str(err));
  }
}

}  // namespace

MockKafka::MockKafka(int brokers) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // This handle only hosts the cluster and never connects anywhere; level 4 drops the notice
  // about its missing bootstrap.servers but keeps the mock cluster's warnings and errors.
  for (const auto& [name, value] : {std::pair{"client.id", "kx-mock-kafka"}, {"log_level", "4"}}) {
    if (rd_kafka_conf_set(conf, name, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw std::runtime_error(errstr);
    }
  }
  // rd_kafka_new takes ownership of conf on success only.
  host_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (host_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(errstr);
  }
  cluster_ = rd_kafka_mock_cluster_new(host_, brokers);
  if (cluster_ == nullptr) {
    rd_kafka_destroy(host_);
    throw std::runtime_error("cannot create the mock cluster");
  }
  bootstrap_ = rd_kafka_mock_cluster_bootstraps(cluster_);
  try {
    broker_addresses(bootstrap_);  // checked once, so that later control calls cannot fail on it
  } catch (...) {
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(host_);
    throw;
  }
}

MockKafka::~MockKafka() {
  {
    std::optional<MockClusterNudger> nudger;
    try {
      nudger.emplace(broker_addresses(bootstrap_));
    } catch (const std::exception&) {
      // No thread or memory to spare: destroy without the workaround rather than terminate.
    }
    rd_kafka_mock_cluster_destroy(cluster_);
  }
  rd_kafka_destroy(host_);
}

void MockKafka::create_topic(const std::string& name, int partitions) {
  std::lock_guard lock(control_);
  MockClusterNudger nudger(broker_addresses(bootstrap_));
  check(rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, 1),
        "cannot create topic " + name);
}

void MockKafka::set_broker_down(int broker_id) {
  std::lock_guard lock(control_);
  MockClusterNudger nudger(broker_addresses(bootstrap_));
  check(rd_kafka_mock_broker_set_down(cluster_, broker_id),
        "cannot take broker " + std::to_string(broker_id) + " down");
}

void MockKafka::set_broker_up(int broker_id) {
  std::lock_guard lock(control_);
  MockClusterNudger nudger(broker_addresses(bootstrap_));
  check(rd_kafka_mock_broker_set_up(cluster_, broker_id),
        "cannot bring broker " + std::to_string(broker_id) + " up");
}

}  // namespace kx::devbroker
