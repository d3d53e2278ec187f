#pragma once
// The admins' view of all agents and the phone-number pool (docs/api.md, "Agents — admin").
// Every change goes through the same operations as the owner's and is published as
// admin.action in its own transaction.

#include "agents.hpp"
#include "kx/events/outbox.hpp"
#include "kx/http/router.hpp"
#include "kx/pg/pg.hpp"
#include "phone_pool.hpp"

namespace kx::agent {

class AdminApi {
 public:
  AdminApi(pg::Pool& db, const Agents& agents, PhonePool& pool, VapiClient& vapi,
           const events::Outbox& outbox)
      : db_(db), agents_(agents), pool_(pool), vapi_(vapi), outbox_(outbox) {}
  void add_routes(http::Router& router);

  http::Response list_agents(http::Request& req);
  http::Response get_agent(http::Request& req);
  http::Response patch_agent(http::Request& req);
  http::Response delete_agent(http::Request& req);
  http::Response activate_agent(http::Request& req);
  http::Response deactivate_agent(http::Request& req);

  http::Response list_numbers(http::Request& req);
  http::Response add_number(http::Request& req);
  http::Response import_numbers(http::Request& req);
  http::Response sync_numbers(http::Request& req);
  http::Response assign_number(http::Request& req);
  http::Response release_number(http::Request& req);
  http::Response delete_number(http::Request& req);

 private:
  http::Response set_status(http::Request& req, const std::string& status);
  std::vector<VapiPhoneNumber> vapi_numbers();

  pg::Pool& db_;
  const Agents& agents_;
  PhonePool& pool_;
  VapiClient& vapi_;
  const events::Outbox& outbox_;
};

}  // namespace kx::agent
