#include "kx/events/audit.hpp"

#include "kx/events/envelope.hpp"
#include "kx/json/json.hpp"

namespace kx::events {

void publish_audit(const Outbox& outbox, pqxx::work& tx, const http::Request& req,
                   const AuditRecord& r) {
  std::string ip(req.header("X-Forwarded-For").value_or(req.remote_address));
  if (auto comma = ip.find(','); comma != std::string::npos)
    ip = ip.substr(0, comma);
  json::Writer w;
  w.begin_object()
      .field("admin_id", req.identity.user_id)
      .field("action", r.action)
      .field("target_type", r.target_type)
      .field("target_id", r.target_id)
      .key("before")
      .raw(r.before)
      .key("after")
      .raw(r.after)
      .field("ip", ip)
      .field("user_agent", std::string(req.header("User-Agent").value_or("")).substr(0, 512))
      .field("at", utc_now())
      .field("user_id", r.user_id)
      .field("request_id", req.request_id)
      .end_object();
  outbox.add(tx, "admin.action", r.user_id.value_or(req.identity.user_id), r.target_id, w.str());
}

}  // namespace kx::events
