#include "kx/json/json.hpp"

#include <cstdio>
#include <ctime>
#include <set>

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

namespace kx::json {
namespace {

// Checks what RapidJSON's DOM would let through while it parses, and builds the document from
// what passes (one pass over the text): nesting is limited, so deeply nested hostile input is
// refused early, and a key may appear once per object (RapidJSON keeps duplicates and FindMember
// returns the first, so two readers of one body could see different values).
struct StrictHandler {
  Document& doc;
  unsigned max_depth;
  std::vector<std::set<std::string, std::less<>>> objects;  // keys seen, per open object
  unsigned depth = 0;
  const char* problem = nullptr;
  StrictHandler(Document& d, unsigned max) : doc(d), max_depth(max) {}
  bool Null() { return doc.Null(); }
  bool Bool(bool b) { return doc.Bool(b); }
  bool Int(int i) { return doc.Int(i); }
  bool Uint(unsigned u) { return doc.Uint(u); }
  bool Int64(std::int64_t i) { return doc.Int64(i); }
  bool Uint64(std::uint64_t u) { return doc.Uint64(u); }
  bool Double(double d) { return doc.Double(d); }
  bool RawNumber(const char* str, rapidjson::SizeType length, bool copy) {
    return doc.RawNumber(str, length, copy);
  }
  bool String(const char* str, rapidjson::SizeType length, bool copy) {
    return doc.String(str, length, copy);
  }
  bool StartObject() {
    if (++depth > max_depth)
      return stop("JSON is nested too deeply");
    objects.emplace_back();
    return doc.StartObject();
  }
  bool Key(const char* str, rapidjson::SizeType length, bool copy) {
    if (!objects.back().emplace(str, length).second)
      return stop("duplicate key in a JSON object");
    return doc.Key(str, length, copy);
  }
  bool EndObject(rapidjson::SizeType members) {
    objects.pop_back();
    --depth;
    return doc.EndObject(members);
  }
  bool StartArray() {
    if (++depth > max_depth)
      return stop("JSON is nested too deeply");
    return doc.StartArray();
  }
  bool EndArray(rapidjson::SizeType elements) {
    --depth;
    return doc.EndArray(elements);
  }
  bool stop(const char* why) {
    problem = why;
    return false;
  }
};

// UTF-8 code points (the text is already validated): every byte but continuation bytes.
std::size_t characters(const char* s, std::size_t bytes) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < bytes; ++i)
    n += (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
  return n;
}

constexpr unsigned kParseFlags =
    rapidjson::kParseValidateEncodingFlag | rapidjson::kParseStopWhenDoneFlag;

}  // namespace

Document parse(std::string_view text, unsigned max_depth) {
  Document doc;
  rapidjson::Reader reader;
  rapidjson::MemoryStream ms(text.data(), text.size());
  StrictHandler handler(doc, max_depth);
  rapidjson::ParseResult result;
  auto generate = [&](rapidjson::Document&) {
    result = reader.Parse<kParseFlags>(ms, handler);
    return !result.IsError();
  };
  doc.Populate(generate);
  if (result.IsError()) {
    if (result.Code() == rapidjson::kParseErrorTermination && handler.problem)
      throw ParseError(handler.problem, result.Offset());
    throw ParseError(rapidjson::GetParseError_En(result.Code()), result.Offset());
  }
  // Only whitespace may follow the value.
  for (std::size_t i = ms.Tell(); i < text.size(); ++i) {
    char c = text[i];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
      throw ParseError("unexpected data after the JSON value", i);
  }
  return doc;
}

std::string to_string(const Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

FieldReader::FieldReader(const Value& root, std::string prefix)
    : root_(root), prefix_(std::move(prefix)) {
  if (!root_.IsObject())
    add_error("", "muss ein JSON-Objekt sein");
}

std::string FieldReader::path(const char* name) const {
  return prefix_.empty() ? std::string(name) : prefix_ + "." + name;
}

void FieldReader::add_error(std::string field, std::string message) {
  errors_.push_back({std::move(field), std::move(message)});
}

const Value* FieldReader::member(const char* name, bool required) {
  if (!root_.IsObject())
    return nullptr;
  auto it = root_.FindMember(name);
  if (it == root_.MemberEnd() || it->value.IsNull()) {
    if (required)
      add_error(path(name), "ist erforderlich");
    return nullptr;
  }
  return &it->value;
}

std::string FieldReader::required_string(const char* name, std::size_t max_len) {
  auto v = optional_string(name, max_len);
  if (!v && root_.IsObject()) {
    auto it = root_.FindMember(name);
    if (it == root_.MemberEnd() || it->value.IsNull())
      add_error(path(name), "ist erforderlich");
  }
  return v.value_or(std::string());
}

std::optional<std::string> FieldReader::optional_string(const char* name, std::size_t max_len) {
  const Value* v = member(name, false);
  if (!v)
    return std::nullopt;
  if (!v->IsString()) {
    add_error(path(name), "muss ein Text sein");
    return std::nullopt;
  }
  std::string text(v->GetString(), v->GetStringLength());
  if (text.find('\0') != std::string::npos) {
    // The database takes text as C strings: a NUL would cut it off silently.
    add_error(path(name), "darf kein Nullzeichen (\\u0000) enthalten");
    return std::nullopt;
  }
  if (characters(text.data(), text.size()) > max_len) {
    add_error(path(name), "darf höchstens " + std::to_string(max_len) + " Zeichen lang sein");
    return std::nullopt;
  }
  return text;
}

std::optional<std::int64_t> FieldReader::int_between(const char* name, std::int64_t min,
                                                     std::int64_t max, bool required) {
  auto problems = errors_.size();
  auto v = required ? std::optional<std::int64_t>(required_int(name)) : optional_int(name);
  if (errors_.size() != problems)
    return std::nullopt;
  if (v && (*v < min || *v > max)) {
    add_error(path(name),
              "muss zwischen " + std::to_string(min) + " und " + std::to_string(max) + " liegen");
    return std::nullopt;
  }
  return v;
}

void FieldReader::reject_unknown(std::initializer_list<std::string_view> known) {
  if (!root_.IsObject())
    return;
  for (auto it = root_.MemberBegin(); it != root_.MemberEnd(); ++it) {
    std::string_view name(it->name.GetString(), it->name.GetStringLength());
    bool found = false;
    for (auto k : known)
      found = found || k == name;
    if (!found)
      add_error(path(std::string(name).c_str()), "ist unbekannt");
  }
}

std::int64_t FieldReader::required_int(const char* name) {
  const Value* v = member(name, true);
  if (!v)
    return 0;
  if (!v->IsInt64()) {
    add_error(path(name), "muss eine ganze Zahl sein");
    return 0;
  }
  return v->GetInt64();
}

std::optional<std::int64_t> FieldReader::optional_int(const char* name) {
  const Value* v = member(name, false);
  if (!v)
    return std::nullopt;
  if (!v->IsInt64()) {
    add_error(path(name), "muss eine ganze Zahl sein");
    return std::nullopt;
  }
  return v->GetInt64();
}

bool FieldReader::required_bool(const char* name) {
  const Value* v = member(name, true);
  if (!v)
    return false;
  if (!v->IsBool()) {
    add_error(path(name), "muss true oder false sein");
    return false;
  }
  return v->GetBool();
}

std::optional<bool> FieldReader::optional_bool(const char* name) {
  const Value* v = member(name, false);
  if (!v)
    return std::nullopt;
  if (!v->IsBool()) {
    add_error(path(name), "muss true oder false sein");
    return std::nullopt;
  }
  return v->GetBool();
}

const Value* FieldReader::optional_object(const char* name) {
  const Value* v = member(name, false);
  if (v && !v->IsObject()) {
    add_error(path(name), "muss ein Objekt sein");
    return nullptr;
  }
  return v;
}

const Value* FieldReader::optional_array(const char* name) {
  const Value* v = member(name, false);
  if (v && !v->IsArray()) {
    add_error(path(name), "muss eine Liste sein");
    return nullptr;
  }
  return v;
}

namespace {

// ISO-8601 UTC with `digits` (3 or 6) of the second's fraction.
std::string utc_timestamp_with(std::chrono::system_clock::time_point time, int digits) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(us / 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  const int fraction = static_cast<int>(us % 1'000'000) / (digits == 3 ? 1'000 : 1);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%0*dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, digits, fraction);
  return buf;
}

}  // namespace

std::string utc_timestamp(std::chrono::system_clock::time_point time) {
  return utc_timestamp_with(time, 3);
}

std::string utc_timestamp_us(std::chrono::system_clock::time_point time) {
  return utc_timestamp_with(time, 6);
}

std::string get_string(const Value& obj, const char* name, std::string fallback) {
  return get_optional_string(obj, name).value_or(std::move(fallback));
}

std::optional<std::string> get_optional_string(const Value& obj, const char* name) {
  if (!obj.IsObject())
    return std::nullopt;
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString())
    return std::nullopt;
  return without_nul(std::string_view(it->value.GetString(), it->value.GetStringLength()));
}

std::string without_nul(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c != '\0')
      out += c;
  }
  return out;
}

std::size_t utf8_length(std::string_view text) {
  return characters(text.data(), text.size());
}

std::int64_t get_int(const Value& obj, const char* name, std::int64_t fallback) {
  if (!obj.IsObject())
    return fallback;
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsInt64())
    return fallback;
  return it->value.GetInt64();
}

bool get_bool(const Value& obj, const char* name, bool fallback) {
  if (!obj.IsObject())
    return fallback;
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsBool())
    return fallback;
  return it->value.GetBool();
}

}  // namespace kx::json
