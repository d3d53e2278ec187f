#include "assistant_spec.hpp"
#include "kx/json/json.hpp"
namespace kx::agent {
std::string assistant_body(const Definition& d, const AssistantContext& ctx) {
  json::Writer w;
  w.begin_object().field("name", d.name.substr(0, 40)).field("firstMessage", ctx.status == "active" ? d.greeting : std::string("Dieser Anschluss ist derzeit nicht erreichbar."));
  w.key("model").begin_object().field("provider", ctx.model_provider).field("model", ctx.model).end_object();
  w.field("endCallMessage", d.farewell).field("maxDurationSeconds", ctx.status == "active" ? ctx.max_duration_seconds : 10);
  w.key("server").begin_object().field("url", ctx.server_url).end_object();
  w.key("metadata").begin_object().field("kametrix_agent_id", ctx.agent_id).field("kametrix_user_id", ctx.user_id).field("kametrix_status", ctx.status).end_object();
  w.end_object();
  return w.str();
}
}  // namespace kx::agent
