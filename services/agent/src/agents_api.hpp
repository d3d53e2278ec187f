#pragma once
// The owner's agent API: wizard drafts, agents, activation, deletion and the test call
// (docs/api.md, "Agents"). Every path checks that the caller owns what it touches; another
// owner's ids answer 404 like ids that do not exist.

#include <memory>
#include <string>

#include "agents.hpp"
#include "kx/http/client.hpp"
#include "kx/http/router.hpp"
#include "kx/pg/pg.hpp"

namespace kx::agent {

struct TestCallSettings {
  std::string vapi_public_key;  ///< set: the browser calls with Vapi's web SDK
  std::string simulator_url;    ///< else: the sandbox plays a whole call against the platform
};

class AgentsApi {
 public:
  AgentsApi(pg::Pool& db, const Agents& agents, TestCallSettings test_calls);
  void add_routes(http::Router& router);

  http::Response create_draft(http::Request& req);
  http::Response list_drafts(http::Request& req);
  http::Response get_draft(http::Request& req);
  http::Response save_draft(http::Request& req);
  http::Response delete_draft(http::Request& req);
  http::Response publish_draft(http::Request& req);

  http::Response create(http::Request& req);
  http::Response list(http::Request& req);
  http::Response get(http::Request& req);
  http::Response patch(http::Request& req);
  http::Response remove(http::Request& req);
  http::Response activate(http::Request& req);
  http::Response deactivate(http::Request& req);
  http::Response test_call(http::Request& req);

 private:
  http::Response set_status(http::Request& req, const std::string& status);

  pg::Pool& db_;
  const Agents& agents_;
  TestCallSettings test_calls_;
  std::unique_ptr<http::Client> simulator_;
};

/// A definition as the request carries it, validated, with a voice the catalogue knows.
Definition definition_from_request(const json::Value& doc);
Definition patched_definition(const Definition& current, const json::Value& patch);

}  // namespace kx::agent
