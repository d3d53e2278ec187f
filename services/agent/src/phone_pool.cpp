#include "phone_pool.hpp"

#include <variant>

#include "kx/crypto/crypto.hpp"
#include "kx/log/log.hpp"
#include "kx/phone/phone.hpp"

namespace kx::agent {
namespace {

std::string normalized(const std::string& number) {
  auto parsed = phone::normalize(number);
  if (auto* n = std::get_if<phone::Number>(&parsed))
    return n->e164;
  return number;
}

}  // namespace

ImportResult PhonePool::import_from_vapi() {
  auto numbers = vapi_.phone_numbers();
  ImportResult result;
  result.total = static_cast<int>(numbers.size());
  pg::transact(db_, [&](pqxx::work& tx) {
    for (const auto& n : numbers) {
      auto e164 = normalized(n.number);
      if (n.id.empty() || !phone::is_e164(e164))
        continue;
      if (AgentStore::number_by_e164(tx, e164))
        continue;  // known, or removed by an admin on purpose
      if (AgentStore::add_number(tx, crypto::uuid_v4(), e164, n.id))
        ++result.added;
    }
    agents_.assign_waiting(tx);
  });
  if (result.added > 0)
    log::info("phone numbers imported from Vapi",
              {{"added", result.added}, {"total", result.total}});
  return result;
}

AddOutcome PhonePool::add(const std::string& text, const std::vector<VapiPhoneNumber>& vapi_numbers,
                          const std::function<void(pqxx::work&, const std::string&)>& audit) {
  auto parsed = phone::normalize(text);
  if (auto* problem = std::get_if<phone::Problem>(&parsed))
    return {AddOutcome::Kind::invalid,
            "Die Telefonnummer " + std::string(phone::german_message(*problem)), text};
  auto e164 = std::get<phone::Number>(parsed).e164;
  const VapiPhoneNumber* in_vapi = nullptr;
  for (const auto& n : vapi_numbers) {
    if (normalized(n.number) == e164)
      in_vapi = &n;
  }
  if (!in_vapi)
    return {AddOutcome::Kind::not_in_vapi,
            "Die Nummer ist in Vapi nicht vorhanden. Kaufen oder verbinden Sie sie zuerst in Vapi.",
            e164};
  return pg::transact(db_, [&](pqxx::work& tx) {
    auto existing = AgentStore::number_by_e164(tx, e164);
    if (existing && !existing->removed)
      return AddOutcome{AddOutcome::Kind::duplicate, "Die Nummer ist schon im Pool.", e164};
    auto id = existing ? existing->id : crypto::uuid_v4();
    AgentStore::add_number(tx, id, e164, in_vapi->id);
    audit(tx, id);
    agents_.assign_waiting(tx);
    return AddOutcome{AddOutcome::Kind::added, "", e164};
  });
}

}  // namespace kx::agent
