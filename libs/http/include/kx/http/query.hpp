#pragma once
// Query parameters of a GET request, read with validation: every problem is collected (in German,
// per parameter) and require_valid() answers 422 validation_failed naming all of them, the same
// way json::FieldReader does for bodies. An absent or empty parameter is "not given".

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kx/http/message.hpp"
#include "kx/json/json.hpp"

namespace kx::http {

/// limit/offset pagination.
struct Page {
  int limit = 50;
  int offset = 0;
};

/// Not thread-safe; one per request.
class QueryParams {
 public:
  explicit QueryParams(const Request& req) : req_(req) {}

  /// The percent-decoded value, or std::nullopt when absent or empty.
  std::optional<std::string> raw(std::string_view name) const;
  /// An integer in [min, max]; `fallback` when not given or invalid (then an error is recorded).
  int integer(const char* name, int fallback, int min, int max);
  /// `limit` (1..max_limit, default_limit when not given) and `offset` (0..1,000,000).
  Page page(int default_limit, int max_limit);
  /// Text of at most `max_length` bytes.
  std::optional<std::string> text(const char* name, std::size_t max_length);
  /// One of the allowed values.
  std::optional<std::string> one_of(const char* name,
                                    std::initializer_list<std::string_view> allowed);
  /// "true" or "false".
  std::optional<bool> flag(const char* name);
  /// A calendar date YYYY-MM-DD.
  std::optional<std::chrono::sys_days> date(const char* name);

  void add_error(std::string name, std::string message);
  bool has_errors() const { return !errors_.empty(); }
  /// Throws Error 422 validation_failed naming every problem, if any.
  void require_valid() const;

 private:
  const Request& req_;
  std::vector<json::FieldError> errors_;
};

/// A calendar date YYYY-MM-DD, or std::nullopt.
std::optional<std::chrono::sys_days> parse_date(std::string_view s);
/// YYYY-MM-DD.
std::string format_date(std::chrono::sys_days day);

}  // namespace kx::http
