#pragma once
// GET /api/admin/system: the platform's health for the admin, composed from every service's
// own GET /internal/system (asked in parallel, with a short timeout) and the gateway's own
// report. A service that does not answer is listed as not ready with the reason; nothing is
// estimated or filled in.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kx/http/client.hpp"
#include "kx/http/identity.hpp"

namespace kx::gateway {

/// One service's answer: its report (a JSON object), or why there is none.
struct ServiceReport {
  std::string name;
  std::optional<std::string> body;
  std::string error;  ///< set when body is empty
};

/// The document of GET /api/admin/system from the services' reports (in the given order):
/// {"checked_at", "services": [...], "database": {...}, "broker": {...}}. The database is
/// reachable when every service with a database reached it; the broker when every answering
/// service reached it. Pure; thread-safe.
std::string compose_system(const std::string& checked_at,
                           const std::vector<ServiceReport>& reports);

/// Thread-safe.
class SystemHealth {
 public:
  /// `own_report` is the gateway's own document (Runtime::system_report).
  /// `service_urls`: service name -> its replicas' base URLs. A replica of a scaled service is
  /// reported as "billing-2" (as its process, pid and log file are named), a single one as
  /// "billing".
  SystemHealth(std::map<std::string, std::vector<std::string>> service_urls,
               const http::IdentitySigner& signer, std::chrono::milliseconds timeout,
               std::function<std::string()> own_report);
  /// Asks everyone at once; blocks up to about the timeout.
  std::string report(const std::string& request_id);

 private:
  ServiceReport ask(const std::string& name, const std::string& url, const std::string& request_id);

  std::map<std::string, std::vector<std::string>> service_urls_;
  const http::IdentitySigner& signer_;
  std::chrono::milliseconds timeout_;
  std::function<std::string()> own_report_;
  http::Client client_;
};

}  // namespace kx::gateway
