#pragma once
// billing's consumers: user.registered opens the account (and books the sign-up bonus),
// call.completed charges the call, user.deleted closes and anonymises the account. Each runs inside
// the inbox transaction of kx::events::ConsumerRunner, so the effect and the inbox row commit
// together.

#include <pqxx/pqxx>

#include "kx/events/events.hpp"
#include "ledger.hpp"

namespace kx::billing {

class EventHandlers {
 public:
  explicit EventHandlers(Ledger& ledger) : ledger_(ledger) {}

  void on_user_registered(const events::Event& event, pqxx::work& tx);
  void on_call_completed(const events::Event& event, pqxx::work& tx);
  void on_user_deleted(const events::Event& event, pqxx::work& tx);

 private:
  Ledger& ledger_;
};

}  // namespace kx::billing
