#include "templates_api.hpp"

#include "kx/http/error.hpp"
#include "kx/http/query.hpp"
#include "kx/json/json.hpp"
#include "templates.hpp"

namespace kx::agent {
namespace {

using http::Access;
using http::Request;
using http::Response;

constexpr std::size_t kMaxDetectText = 5000;

std::string language_of(const Request& req) {
  http::QueryParams q(req);
  auto language = q.one_of("language", {"de", "en"});
  q.require_valid();
  return language.value_or("de");
}

void write_list(json::Writer& w, std::string_view key, const std::vector<std::string_view>& items) {
  w.key(key).begin_array();
  for (auto item : items)
    w.value(item);
  w.end_array();
}

}  // namespace

void TemplatesApi::add_routes(http::Router& r) {
  r.add("GET", "/api/templates", *this, &TemplatesApi::list,
        {.max_body = 0, .access = Access::user});
  r.add("POST", "/api/templates/detect", *this, &TemplatesApi::detect,
        {.max_body = 32 * 1024, .access = Access::user});
}

Response TemplatesApi::list(Request& req) {
  auto language = language_of(req);
  json::Writer w;
  w.begin_object().key("templates").begin_array();
  for (const auto& t : templates()) {
    const TemplateText& text = t.text(language);
    w.begin_object().field("business_type", to_string(t.type)).field("label", text.label);
    write_list(w, "typical_questions", text.typical_questions);
    write_list(w, "duties", text.duties);
    write_list(w, "avoid", text.avoid);
    w.field("tone", text.tone).end_object();
  }
  w.end_array().end_object();
  return Response::json(200, w.str());
}

Response TemplatesApi::detect(Request& req) {
  auto language = language_of(req);
  auto doc = http::parse_body(req.body);
  json::FieldReader r(doc);
  r.reject_unknown({"text", "name"});
  auto text = r.required_string("text", kMaxDetectText);
  auto name = r.optional_string("name", 100);
  http::require_valid(r);

  Detection d = detect_business_type(name.value_or(""), text);
  json::Writer w;
  w.begin_object().field("business_type", to_string(d.type));
  w.field("label", template_for(d.type).text(language).label).field("score", d.score);
  w.key("matched").begin_array();
  for (const auto& word : d.matched)
    w.value(word);
  w.end_array().end_object();
  return Response::json(200, w.str());
}

}  // namespace kx::agent
