#pragma once
// The owner's webhook endpoints in the dashboard and the API. Another owner's ids are 404.
//
//   GET    /api/webhooks/event-types                  the catalog (descriptions de/en)
//   GET    /api/webhooks/endpoints                    the owner's endpoints
//   POST   /api/webhooks/endpoints                    create; the answer holds the secret, once
//   GET    /api/webhooks/endpoints/{id}
//   PATCH  /api/webhooks/endpoints/{id}               url, description, event_types, enabled
//   DELETE /api/webhooks/endpoints/{id}
//   POST   /api/webhooks/endpoints/{id}/test          queues a webhook.test message
//   POST   /api/webhooks/endpoints/{id}/rotate-secret new secret, once; the old one lives 24 h
//   GET    /api/webhooks/endpoints/{id}/deliveries    ?state&limit&offset, with the attempt log
//   POST   /api/webhooks/deliveries/{id}/replay       one more attempt now

#include "kx/crypto/crypto.hpp"
#include "kx/http/router.hpp"
#include "kx/pg/pg.hpp"
#include "webhook_delivery.hpp"
#include "webhook_guard.hpp"

namespace kx::integrations {

class WebhookApi {
 public:
  /// Thread-safe; `policy` checks URLs at registration (the sender checks them again).
  WebhookApi(pg::Pool& db, const crypto::Keyring& keys, TargetPolicy policy,
             WebhookSettings settings);
  void add_routes(http::Router& router);

  http::Response event_types(http::Request& req);
  http::Response list(http::Request& req);
  http::Response create(http::Request& req);
  http::Response get(http::Request& req);
  http::Response update(http::Request& req);
  http::Response remove(http::Request& req);
  http::Response test(http::Request& req);
  http::Response rotate_secret(http::Request& req);
  http::Response deliveries(http::Request& req);
  http::Response replay(http::Request& req);

 private:
  pg::Pool& db_;
  const crypto::Keyring& keys_;
  TargetPolicy policy_;
  WebhookSettings settings_;
};

}  // namespace kx::integrations
