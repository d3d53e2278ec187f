#include "kx/json/json.hpp"

#include <cstdio>
#include <ctime>

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

namespace kx::json {
namespace {

// Counts nesting while RapidJSON parses, so deeply nested hostile input is refused early.
struct DepthLimitedHandler : rapidjson::BaseReaderHandler<rapidjson::UTF8<>, DepthLimitedHandler> {
  unsigned depth = 0;
  unsigned max_depth;
  explicit DepthLimitedHandler(unsigned max) : max_depth(max) {}
  bool Default() { return true; }
  bool StartObject() { return ++depth <= max_depth; }
  bool EndObject(rapidjson::SizeType) {
    --depth;
    return true;
  }
  bool StartArray() { return ++depth <= max_depth; }
  bool EndArray(rapidjson::SizeType) {
    --depth;
    return true;
  }
};

constexpr unsigned kParseFlags =
    rapidjson::kParseValidateEncodingFlag | rapidjson::kParseStopWhenDoneFlag;

}  // namespace

Document parse(std::string_view text, unsigned max_depth) {
  {
    rapidjson::Reader reader;
    rapidjson::MemoryStream ms(text.data(), text.size());
    DepthLimitedHandler handler(max_depth);
    auto result = reader.Parse<kParseFlags>(ms, handler);
    if (result.IsError()) {
      if (result.Code() == rapidjson::kParseErrorTermination) {
        throw ParseError("JSON is nested too deeply", result.Offset());
      }
      throw ParseError(rapidjson::GetParseError_En(result.Code()), result.Offset());
    }
    // Only whitespace may follow the value.
    for (std::size_t i = ms.Tell(); i < text.size(); ++i) {
      char c = text[i];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        throw ParseError("unexpected data after the JSON value", i);
      }
    }
  }
  Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(text.data(), text.size());
  if (doc.HasParseError()) {
    throw ParseError(rapidjson::GetParseError_En(doc.GetParseError()), doc.GetErrorOffset());
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
  if (v->GetStringLength() > max_len) {
    add_error(path(name), "darf höchstens " + std::to_string(max_len) + " Zeichen lang sein");
    return std::nullopt;
  }
  return std::string(v->GetString(), v->GetStringLength());
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

std::string utc_timestamp(std::chrono::system_clock::time_point time) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
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
  return std::string(it->value.GetString(), it->value.GetStringLength());
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
