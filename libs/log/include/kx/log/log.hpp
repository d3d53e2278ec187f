#pragma once
// Structured JSON-lines logging over spdlog. One line per event:
//   {"ts":"2026-11-21T10:00:00.123Z","level":"info","service":"auth","msg":"...", ...fields}
// Values of secret-looking fields (password, token, secret, key, cookie, authorization,
// signature) are replaced by "[redacted]", and free text is scrubbed of bearer tokens and
// key=value secrets, so a careless call site cannot leak credentials. Thread-safe.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace kx::log {

enum class Level { debug, info, warn, error };

using FieldValue = std::variant<std::string_view, std::int64_t, double, bool>;

/// One structured field. Keys are snake_case constants at the call site.
struct Field {
  std::string_view key;
  FieldValue value;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, std::int64_t v) : key(k), value(v) {}
  Field(std::string_view k, int v) : key(k), value(std::int64_t{v}) {}
  Field(std::string_view k, unsigned v) : key(k), value(std::int64_t{v}) {}
  Field(std::string_view k, std::size_t v) : key(k), value(static_cast<std::int64_t>(v)) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
};

using Fields = std::initializer_list<Field>;

/// Where the lines go: stdout (for a supervisor, journald or a container runtime that keeps and
/// rotates them), or a file the process rotates itself by size: `svc.log` becomes `svc.1.log`
/// (`svc.1.log` becomes `svc.2.log`, ...) when the next line would make it larger than
/// `max_bytes`, and at most `keep` old files remain: never more than (keep + 1) × max_bytes.
struct Output {
  std::string file;  ///< empty: stdout
  std::size_t max_bytes = 100 * 1024 * 1024;
  std::size_t keep = 3;
};

/// Installs the JSON logger for `service`. `level` is debug|info|warn|error. Call once at start,
/// before other threads log; a second call replaces the logger (tests). Throws
/// std::runtime_error when the file cannot be opened.
void init(std::string service, std::string_view level = "info", const Output& output = {});

void log(Level level, std::string_view msg, Fields fields = {});
inline void debug(std::string_view msg, Fields f = {}) {
  log(Level::debug, msg, f);
}
inline void info(std::string_view msg, Fields f = {}) {
  log(Level::info, msg, f);
}
inline void warn(std::string_view msg, Fields f = {}) {
  log(Level::warn, msg, f);
}
inline void error(std::string_view msg, Fields f = {}) {
  log(Level::error, msg, f);
}

/// True for keys whose values are secrets.
bool is_secret_key(std::string_view key);

/// Removes secrets from free text: "Bearer x", "password=x", "token: x", PHC hashes, ...
std::string scrub(std::string_view text);

/// The JSON body of one line without ts/level/service (exposed for tests).
std::string format_fields(std::string_view msg, Fields fields);

}  // namespace kx::log
