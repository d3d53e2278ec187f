#include "kx/events/schemas.hpp"

#include <map>

#include <rapidjson/document.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>

std::vector<std::pair<std::string, std::string>> kx_events_schema_files();

namespace kx::events {

struct Schemas::Impl {
  std::map<std::string, std::unique_ptr<rapidjson::SchemaDocument>> by_type;
};

Schemas::Schemas(const std::vector<std::pair<std::string, std::string>>& files)
    : impl_(std::make_unique<Impl>()) {
  for (const auto& [name, text] : files) {
    const std::string suffix = ".json";
    if (name.size() <= suffix.size())
      continue;
    std::string ce_type = name.substr(0, name.size() - suffix.size());
    auto slash = ce_type.rfind('/');
    if (slash != std::string::npos)
      ce_type = ce_type.substr(slash + 1);
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError())
      throw std::runtime_error("schema " + name + " is not valid JSON");
    impl_->by_type[ce_type] = std::make_unique<rapidjson::SchemaDocument>(doc);
  }
}

Schemas::~Schemas() = default;

const Schemas& Schemas::embedded() {
  static const Schemas schemas(kx_events_schema_files());
  return schemas;
}

void Schemas::validate(const std::string& ce_type, const std::string& data) const {
  auto it = impl_->by_type.find(ce_type);
  if (it == impl_->by_type.end())
    throw SchemaError("no schema for event type " + ce_type);
  rapidjson::Document doc;
  doc.Parse(data.data(), data.size());
  if (doc.HasParseError())
    throw SchemaError(ce_type + ": data is not valid JSON");
  rapidjson::SchemaValidator validator(*it->second);
  if (!doc.Accept(validator)) {
    rapidjson::StringBuffer where, rule;
    validator.GetInvalidDocumentPointer().StringifyUriFragment(where);
    validator.GetInvalidSchemaPointer().StringifyUriFragment(rule);
    throw SchemaError(ce_type + ": data at '" + std::string(where.GetString()) + "' violates '" +
                      validator.GetInvalidSchemaKeyword() + "' (schema " + rule.GetString() + ")");
  }
}

std::vector<std::string> Schemas::topics() const {
  std::vector<std::string> out;
  for (const auto& [ce_type, schema] : impl_->by_type) {
    std::string topic = ce_type.substr(0, ce_type.rfind('.'));
    if (out.empty() || out.back() != topic)
      out.push_back(topic);
  }
  return out;
}

}  // namespace kx::events
