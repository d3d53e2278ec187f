#include "kx/http/error.hpp"

namespace kx::http {

std::string error_body(const Error& error, const std::string& request_id) {
  json::Writer w;
  w.begin_object().key("error").begin_object();
  w.field("code", error.code()).field("message", std::string(error.what()));
  w.field("request_id", request_id);
  if (!error.details().empty()) {
    w.key("details").begin_array();
    for (const auto& d : error.details()) {
      w.begin_object().field("field", d.field).field("message", d.message).end_object();
    }
    w.end_array();
  }
  w.end_object().end_object();
  return w.str();
}

json::Document parse_body(const std::string& body) {
  try {
    return json::parse(body);
  } catch (const json::ParseError& e) {
    throw Error::invalid_json("Der Inhalt ist kein gültiges JSON (" + std::string(e.what()) +
                              " an Position " + std::to_string(e.offset()) + ").");
  }
}

void require_valid(const json::FieldReader& reader) {
  if (!reader.ok())
    throw Error::validation(reader.errors());
}

}  // namespace kx::http
