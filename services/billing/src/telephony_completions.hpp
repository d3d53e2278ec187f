#pragma once
// CompletedCalls over telephony-webhook's internal reconciliation API (signed service requests,
// GET /internal/reconciliation/call-completions[/days], POST .../republish), spread over its
// replicas. Every request is safe to repeat, the re-publish too (a call whose event waits is left
// alone), so each is marked idempotent and another replica may answer it.

#include <string>
#include <vector>

#include "call_reconciliation.hpp"
#include "kx/http/identity.hpp"
#include "kx/http/replicas.hpp"

namespace kx::billing {

/// Thread-safe.
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
  /// The body of a 200 answer; throws ProducerUnavailable.
  std::string send(const std::string& method, const std::string& target, const std::string& body);

  http::Replicas telephony_;
  const http::IdentitySigner& signer_;
};

}  // namespace kx::billing
