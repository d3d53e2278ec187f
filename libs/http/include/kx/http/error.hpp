#pragma once
// The one error type of the HTTP layer and the one error body of every service:
//   {"error":{"code":"not_found","message":"...","request_id":"...","details":[...]}}

#include <stdexcept>
#include <string>
#include <vector>

#include "kx/json/json.hpp"

namespace kx::http {

/// A failure to report to the client: status, stable machine code and a human message.
/// Handlers throw it; the server turns it into the error body. The message must be safe to show.
class Error : public std::runtime_error {
 public:
  Error(int status, std::string code, std::string message,
        std::vector<json::FieldError> details = {})
      : std::runtime_error(message),
        status_(status),
        code_(std::move(code)),
        details_(std::move(details)) {}

  int status() const { return status_; }
  const std::string& code() const { return code_; }
  const std::vector<json::FieldError>& details() const { return details_; }

  static Error bad_request(std::string message, std::string code = "bad_request") {
    return {400, std::move(code), std::move(message)};
  }
  static Error invalid_json(std::string message) {
    return {400, "invalid_json", std::move(message)};
  }
  static Error validation(std::vector<json::FieldError> details,
                          std::string message = "Die Eingaben sind ungültig.") {
    return {422, "validation_failed", std::move(message), std::move(details)};
  }
  static Error unauthorized(std::string message = "Anmeldung erforderlich.") {
    return {401, "unauthorized", std::move(message)};
  }
  static Error forbidden(std::string message = "Keine Berechtigung für diese Aktion.") {
    return {403, "forbidden", std::move(message)};
  }
  static Error not_found(std::string message = "Nicht gefunden.") {
    return {404, "not_found", std::move(message)};
  }
  static Error conflict(std::string message, std::string code = "conflict") {
    return {409, std::move(code), std::move(message)};
  }
  static Error too_many_requests(std::string message) {
    return {429, "rate_limited", std::move(message)};
  }
  static Error unavailable(std::string message = "Der Dienst ist vorübergehend nicht erreichbar.") {
    return {503, "unavailable", std::move(message)};
  }

 private:
  int status_;
  std::string code_;
  std::vector<json::FieldError> details_;
};

/// Renders the error body for `error` tagged with the request id.
std::string error_body(const Error& error, const std::string& request_id);

/// Parses a request body as JSON, mapping syntax errors to a 400 invalid_json Error.
json::Document parse_body(const std::string& body);

/// Throws a 422 validation Error when the reader recorded problems.
void require_valid(const json::FieldReader& reader);

}  // namespace kx::http
