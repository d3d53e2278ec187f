#pragma once
// Where the broker is and how long to wait for it, and the readiness probe.

#include <chrono>
#include <memory>
#include <string>

namespace kx::events {

struct KafkaOptions {
  std::string bootstrap;
  std::chrono::milliseconds session_timeout{10'000};
  std::chrono::milliseconds message_timeout{30'000};  ///< per produce attempt of the relay
  /// How long a stopping consumer waits to leave its group; a broker that has gone away
  /// would otherwise hold the process's shutdown indefinitely.
  std::chrono::milliseconds close_timeout{3'000};
};

/// Answers whether the broker is reachable (for /readyz); keeps one client handle. Thread-safe:
/// concurrent calls are serialised.
class BrokerProbe {
 public:
  /// Throws std::runtime_error when the client cannot be created (bad bootstrap string).
  explicit BrokerProbe(const std::string& bootstrap);
  ~BrokerProbe();
  /// True when the broker answers a metadata request within `timeout` (blocks up to it);
  /// otherwise false with `reason` set.
  bool reachable(std::chrono::milliseconds timeout, std::string& reason);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kx::events
