#pragma once
// The JSON Schemas of the event contract (proto-schemas/events), compiled into every binary.
// Producers validate before they write, consumers before they act.

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace kx::events {

/// Event data does not satisfy its schema, or no schema exists for the type.
class SchemaError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Immutable after construction; validate() and topics() are safe to call from any thread.
class Schemas {
 public:
  /// The schemas embedded at build time.
  static const Schemas& embedded();
  /// Schemas from (file name, content) pairs, e.g. "user.registered.v1.json".
  explicit Schemas(const std::vector<std::pair<std::string, std::string>>& files);
  ~Schemas();

  /// Throws SchemaError with a readable reason.
  void validate(const std::string& ce_type, const std::string& data) const;
  /// Every topic: the event types without version, sorted.
  std::vector<std::string> topics() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kx::events
