#pragma once
// The business-type templates for the wizard (GET /api/templates) and the detection of the type
// from the owner's words (POST /api/templates/detect), for signed-in users. No state; the
// handlers are thread-safe.

#include "kx/http/router.hpp"

namespace kx::agent {

class TemplatesApi {
 public:
  void add_routes(http::Router& router);

  /// ?language=de|en (default de): {"templates": [{business_type, label, typical_questions,
  /// duties, avoid, tone}]}.
  http::Response list(http::Request& req);
  /// Body {"text", "name"?} (text ≤ 5,000 characters, name ≤ 100; 422 otherwise):
  /// {business_type, label, score, matched}.
  http::Response detect(http::Request& req);
};

}  // namespace kx::agent
