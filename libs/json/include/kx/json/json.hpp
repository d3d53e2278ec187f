#pragma once
// JSON helpers over RapidJSON: strict parsing of untrusted bodies, a typed field reader that
// collects every problem at once, and a small writer. Header-only parts are thin on purpose.

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace kx::json {

using Value = rapidjson::Value;

namespace detail {
/// A document's memory pool, owned on the heap so that a moved document keeps it.
struct OwnedPool {
  std::unique_ptr<rapidjson::MemoryPoolAllocator<>> pool;
};
}  // namespace detail

/// A RapidJSON document whose pool grows in chunks of 4 KB rather than RapidJSON's 64 KB: a
/// request body, a provider's answer or an event is a few KB, and each 64 KB chunk is a block the
/// allocator must find on parsing and consolidate its free lists for on release (visible in every
/// service's profile under load). Everything else is rapidjson::Document's.
class Document : private detail::OwnedPool, public rapidjson::Document {
 public:
  static constexpr std::size_t kChunk = 4 * 1024;
  Document()
      : detail::OwnedPool{std::make_unique<rapidjson::MemoryPoolAllocator<>>(kChunk)},
        rapidjson::Document(pool.get()) {}
  Document(Document&& other) noexcept = default;
  Document& operator=(Document&& other) noexcept {
    // The values first (they take other's pool), then the pool's owner (ours is freed).
    rapidjson::Document::operator=(std::move(other));
    pool = std::move(other.pool);
    return *this;
  }
};

/// Thrown by parse() for text that is not one complete JSON value.
class ParseError : public std::runtime_error {
 public:
  ParseError(const std::string& what, std::size_t offset)
      : std::runtime_error(what), offset_(offset) {}
  std::size_t offset() const { return offset_; }

 private:
  std::size_t offset_;
};

/// Parses `text` as exactly one JSON value (trailing garbage, NaN, comments, invalid UTF-8 and a
/// key twice in one object rejected). Throws ParseError. Nesting deeper than `max_depth` is
/// rejected so hostile input cannot exhaust the stack.
Document parse(std::string_view text, unsigned max_depth = 64);

/// Serialises a value compactly.
std::string to_string(const Value& value);

/// One problem with one field of an input document.
struct FieldError {
  std::string field;
  std::string message;
};

/// Reads typed fields from a JSON object and records every problem instead of stopping at the
/// first, so a client can fix all of them at once. Not thread-safe; cheap to create.
class FieldReader {
 public:
  /// `root` must outlive the reader. A non-object root records one error for field "".
  explicit FieldReader(const Value& root, std::string prefix = {});

  /// Text of at most `max_len` characters (code points, not bytes); text containing U+0000 is
  /// refused (the database would cut it off there).
  std::string required_string(const char* name, std::size_t max_len = 10'000);
  std::optional<std::string> optional_string(const char* name, std::size_t max_len = 10'000);
  std::int64_t required_int(const char* name);
  std::optional<std::int64_t> optional_int(const char* name);
  /// An integer in [min, max]; nullopt when absent (and not required) or invalid.
  std::optional<std::int64_t> int_between(const char* name, std::int64_t min, std::int64_t max,
                                          bool required);
  /// Records "ist unbekannt" for every member not in `known`, so a typo is not silently ignored.
  void reject_unknown(std::initializer_list<std::string_view> known);
  bool required_bool(const char* name);
  std::optional<bool> optional_bool(const char* name);
  /// The member if present and an object, else nullptr (recording a type error when present).
  const Value* optional_object(const char* name);
  const Value* optional_array(const char* name);

  void add_error(std::string field, std::string message);
  bool ok() const { return errors_.empty(); }
  const std::vector<FieldError>& errors() const { return errors_; }

 private:
  const Value* member(const char* name, bool required);
  std::string path(const char* name) const;

  const Value& root_;
  std::string prefix_;
  std::vector<FieldError> errors_;
};

/// Streaming JSON writer with a compact API; produces valid UTF-8 JSON text.
class Writer {
 public:
  Writer() : writer_(buffer_) {}
  Writer& begin_object() { return done(writer_.StartObject()); }
  Writer& end_object() { return done(writer_.EndObject()); }
  Writer& begin_array() { return done(writer_.StartArray()); }
  Writer& end_array() { return done(writer_.EndArray()); }
  Writer& key(std::string_view k) {
    return done(writer_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())));
  }
  Writer& value(std::string_view v) {
    return done(writer_.String(v.data(), static_cast<rapidjson::SizeType>(v.size())));
  }
  Writer& value(const char* v) { return value(std::string_view(v)); }
  Writer& value(const std::string& v) { return value(std::string_view(v)); }
  Writer& value(bool v) { return done(writer_.Bool(v)); }
  Writer& value(std::int64_t v) { return done(writer_.Int64(v)); }
  Writer& value(int v) { return done(writer_.Int(v)); }
  Writer& value(double v) { return done(writer_.Double(v)); }
  Writer& null() { return done(writer_.Null()); }
  template <typename T>
  Writer& value(const std::optional<T>& v) {
    return v ? value(*v) : null();
  }
  /// Embeds an already serialised JSON value verbatim (it must be valid JSON).
  Writer& raw(std::string_view json) {
    return done(writer_.RawValue(json.data(), json.size(), rapidjson::kObjectType));
  }
  Writer& value(const Value& v) { return done(v.Accept(writer_)); }
  /// key(k).value(v) in one call.
  template <typename T>
  Writer& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }
  std::string str() const { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  Writer& done(bool ok) {
    if (!ok)
      throw std::logic_error("json::Writer misuse");
    return *this;
  }
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

/// A time as the wire shows it: ISO-8601 UTC with milliseconds, e.g. 2026-11-21T10:00:00.123Z.
std::string utc_timestamp(std::chrono::system_clock::time_point time);
/// The same with microseconds, e.g. 2026-11-21T10:00:00.123456Z.
std::string utc_timestamp_us(std::chrono::system_clock::time_point time);

/// `text` without U+0000: for text from providers and events, which is kept rather than refused
/// (the database takes text as C strings and would cut it off at the first NUL).
std::string without_nul(std::string_view text);
/// Characters (code points) of valid UTF-8 text.
std::size_t utf8_length(std::string_view text);

/// Member lookup helpers for trusted documents (events already validated by schema, provider
/// payloads after their signature was checked). Strings come without U+0000 (without_nul).
std::string get_string(const Value& obj, const char* name, std::string fallback = {});
std::optional<std::string> get_optional_string(const Value& obj, const char* name);
std::int64_t get_int(const Value& obj, const char* name, std::int64_t fallback = 0);
bool get_bool(const Value& obj, const char* name, bool fallback = false);

}  // namespace kx::json
