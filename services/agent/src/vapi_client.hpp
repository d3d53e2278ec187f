#pragma once
// Vapi's REST API as the sync worker needs it (provider-wire-formats.md §2): assistants and
// phone numbers, with Vapi's failures sorted into what a retry can fix and what it cannot.

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "kx/http/client.hpp"

namespace kx::agent {

/// A failed Vapi request. transient: 429, 5xx, timeouts and connection failures (retry later,
/// after retry_after when Vapi said so); not_found: 404; rejected: any other 4xx (our request
/// is wrong; retrying the same body will not help).
class VapiError : public std::runtime_error {
 public:
  enum class Kind { transient, not_found, rejected };
  VapiError(Kind kind, int status, std::string detail,
            std::optional<std::chrono::seconds> retry_after = std::nullopt)
      : std::runtime_error(detail), kind_(kind), status_(status), retry_after_(retry_after) {}
  Kind kind() const { return kind_; }
  int status() const { return status_; }  ///< 0 when no response came
  std::optional<std::chrono::seconds> retry_after() const { return retry_after_; }
  /// What went wrong in German, for the owner's agent card.
  std::string german() const;

 private:
  Kind kind_;
  int status_;
  std::optional<std::chrono::seconds> retry_after_;
};

struct VapiAssistant {
  std::string id;
  std::string agent_id;  ///< metadata.kametrix_agent_id, if set
  std::string created_at;
};

struct VapiPhoneNumber {
  std::string id;
  std::string number;  ///< E.164 as Vapi has it
  std::string name;
  std::string status;
};

/// Thread-safe (kx::http::Client is).
class VapiClient {
 public:
  VapiClient(std::string api_base, std::string api_key, http::ClientOptions options = {});

  /// Creates an assistant from a CreateAssistantDTO body; returns its id.
  std::string create_assistant(const std::string& body);
  void update_assistant(const std::string& id, const std::string& body);
  /// Deleting an assistant that is gone already succeeds.
  void delete_assistant(const std::string& id);
  /// Assistants created at or after `created_since` (ISO time), newest first.
  std::vector<VapiAssistant> assistants_created_since(const std::string& created_since);
  std::vector<VapiPhoneNumber> phone_numbers();
  void update_phone_number(const std::string& id, const std::string& body);

 private:
  http::Response call(const std::string& method, const std::string& path,
                      const std::string& body = {});

  std::string api_base_;
  std::string api_key_;
  http::Client client_;
};

}  // namespace kx::agent
