#pragma once
// TEMPORARY (lead): replaced by the domain helper's version.
#include <string>
#include "definition.hpp"
namespace kx::agent {
struct AssistantContext {
  std::string agent_id, user_id, status = "active";
  bool calendar = false;
  std::string server_url, server_secret, credential_id, model_provider = "openai",
                                                       model = "gpt-4o-mini";
  int max_duration_seconds = 600;
};
std::string assistant_body(const Definition& d, const AssistantContext& ctx);
}  // namespace kx::agent
