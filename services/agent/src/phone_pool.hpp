#pragma once
// The phone-number pool: numbers come from Vapi (where they are bought or connected), are
// imported here, handed to agents automatically and pushed to Vapi by the sync worker.

#include <string>
#include <vector>

#include "agents.hpp"
#include "kx/pg/pg.hpp"
#include "vapi_client.hpp"

namespace kx::agent {

struct ImportResult {
  int added = 0;
  int total = 0;  ///< numbers Vapi has
};

struct AddOutcome {
  enum class Kind { added, duplicate, not_in_vapi, invalid } kind;
  std::string message;  ///< German, for the admin
  std::string e164;
};

class PhonePool {
 public:
  PhonePool(pg::Pool& db, const Agents& agents, VapiClient& vapi)
      : db_(db), agents_(agents), vapi_(vapi) {}

  /// Adds every Vapi number not yet in the pool (removed ones stay removed), then gives free
  /// numbers to agents waiting for one. Throws VapiError.
  ImportResult import_from_vapi();
  /// Adds the numbers typed or imported by an admin: each must exist in Vapi. `vapi_numbers`
  /// is Vapi's list, fetched once per request. Runs `audit` inside each adding transaction.
  AddOutcome add(const std::string& text, const std::vector<VapiPhoneNumber>& vapi_numbers,
                 const std::function<void(pqxx::work&, const std::string& id)>& audit);

 private:
  pg::Pool& db_;
  const Agents& agents_;
  VapiClient& vapi_;
};

}  // namespace kx::agent
