#pragma once
// Typed configuration from environment variables. Every getter records problems instead of
// throwing, and check() reports all of them in one message, so a bad deployment is fixed in one
// round instead of one variable at a time. Secret values never appear in messages.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace kx::config {

/// Thrown by Env::check(); what() names every problem.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::string& what) : std::runtime_error(what) {}
};

/// Looks up one variable; std::nullopt when unset.
using Lookup = std::function<std::optional<std::string>(const std::string& name)>;

/// Reader over the process environment (or any lookup, for tests). Not thread-safe; use at start.
class Env {
 public:
  Env();
  explicit Env(Lookup lookup);

  /// A non-empty string.
  std::string required(const std::string& name);
  std::string optional(const std::string& name, std::string fallback);
  /// A non-empty secret of at least `min_length` bytes; its value is never printed.
  std::string secret(const std::string& name, std::size_t min_length = 16);
  /// A secret that may be unset (empty result); when set it must be `min_length` long.
  std::string optional_secret(const std::string& name, std::size_t min_length = 16);
  std::int64_t integer(const std::string& name, std::int64_t fallback, std::int64_t min,
                       std::int64_t max);
  std::int64_t required_integer(const std::string& name, std::int64_t min, std::int64_t max);
  std::uint16_t port(const std::string& name, std::uint16_t fallback);
  bool flag(const std::string& name, bool fallback);
  std::chrono::milliseconds millis(const std::string& name, std::chrono::milliseconds fallback);
  /// One of `allowed`.
  std::string one_of(const std::string& name, std::string fallback,
                     const std::vector<std::string>& allowed);
  /// An http:// or https:// base URL without a trailing slash.
  std::string url(const std::string& name, std::string fallback = {});
  /// A comma-separated list of such URLs (a service's replicas), at least one.
  std::vector<std::string> urls(const std::string& name);

  /// Records a problem a service found in a value it read (e.g. a key list that does not parse),
  /// so check() reports it with all the others. The text must not contain the secret.
  void problem(std::string text) { problems_.push_back(std::move(text)); }

  const std::vector<std::string>& problems() const { return problems_; }
  /// Throws ConfigError naming every recorded problem, if any.
  void check() const;

 private:
  std::optional<std::string> get(const std::string& name) const;

  Lookup lookup_;
  std::vector<std::string> problems_;
};

}  // namespace kx::config
