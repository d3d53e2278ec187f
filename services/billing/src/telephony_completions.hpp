#pragma once
// CompletedCalls over telephony-webhook's internal reconciliation API (signed service requests,
// GET /internal/reconciliation/call-completions[/days], POST .../republish). Every request is
// safe to repeat, so a replica that does not answer is skipped for the next one.

#include <string>
#include <vector>

#include "call_reconciliation.hpp"
#include "kx/http/client.hpp"
#include "kx/http/identity.hpp"

namespace kx::billing {

/// Thread-safe (the client keeps connections per thread).
class TelephonyCompletions final : public CompletedCalls {
 public:
  /// `base_urls`: telephony-webhook's replicas (at least one).
  TelephonyCompletions(std::vector<std::string> base_urls, const http::IdentitySigner& signer);

  DaysPage days(const std::string& from, const std::string& to, const std::string& after_user_id,
                const std::string& after_day) override;
  CallsPage calls(const std::string& user_id, const std::string& day,
                  const std::string& after_call_id) override;
  std::int64_t republish(const std::vector<std::string>& call_ids) override;

 private:
  /// The body of a 200 answer from the first replica that gives one; throws ProducerUnavailable.
  std::string send(const std::string& method, const std::string& target, const std::string& body);

  std::vector<std::string> base_urls_;
  const http::IdentitySigner& signer_;
  http::Client client_;
};

}  // namespace kx::billing
