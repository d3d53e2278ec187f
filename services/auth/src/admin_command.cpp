#include "admin_command.hpp"

#include <cstdio>
#include <string>

#include "accounts.hpp"
#include "kx/crypto/crypto.hpp"
#include "kx/events/events.hpp"
#include "kx/json/json.hpp"
#include "kx/pg/pg.hpp"
#include "kx/service/runtime.hpp"
#include "password_policy.hpp"
#include "users.hpp"

std::vector<std::pair<std::string, std::string>> kx_service_migration_files();

namespace kx::auth {
namespace {

int usage() {
  std::fprintf(stderr,
               "usage:\n"
               "  kx-auth create-admin --email EMAIL [--name NAME]\n"
               "  kx-auth promote --email EMAIL\n"
               "Both read DATABASE_URL from the environment.\n");
  return 2;
}

}  // namespace

namespace {

int run(int argc, char** argv) {
  std::string command = argv[1];
  std::string email_raw, name;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--email")
      email_raw = argv[i + 1];
    else if (flag == "--name")
      name = argv[i + 1];
    else
      return usage();
  }
  if ((command != "create-admin" && command != "promote") || email_raw.empty())
    return usage();
  auto email = normalize_email(email_raw);
  if (!email) {
    std::fprintf(stderr, "not a valid e-mail address: %s\n", email_raw.c_str());
    return 2;
  }
  auto pool_ptr = service::command_pool("auth", "auth-admin",
                                        service::to_migrations(kx_service_migration_files()));
  if (!pool_ptr)
    return 2;
  auto& pool = *pool_ptr;
  events::Outbox outbox(events::Schemas::embedded(), "auth");

  if (command == "promote") {
    auto user = pg::transact(pool, [&](pqxx::work& tx) {
      auto u = Users::set_role(tx, *email, "admin");
      if (u)
        outbox.add(tx, "user.updated", u->id, u->id, user_updated_event(*u));
      return u;
    });
    if (!user) {
      std::fprintf(stderr, "no user with e-mail %s\n", email->c_str());
      return 1;
    }
    std::printf("%s is now an admin (existing sessions get the role within seconds).\n",
                email->c_str());
    return 0;
  }
  // A random password shown once; the admin changes it after the first login.
  std::string password = crypto::random_token(18);
  auto user = pg::transact(pool, [&](pqxx::work& tx) {
    auto u = Users::insert(tx, *email, name.empty() ? "Administrator" : name,
                           crypto::hash_password(password), "admin", "de");
    // The operator typed the address on the server; there is no link to mail.
    if (u)
      u = Accounts::mark_verified(tx, u->id);
    if (u)
      outbox.add(tx, "user.registered", u->id, u->id, user_registered_event(*u));
    return u;
  });
  if (!user) {
    std::fprintf(stderr, "%s already exists; use: kx-auth promote --email %s\n", email->c_str(),
                 email->c_str());
    return 1;
  }
  std::printf("admin created: %s\none-time password (shown only now; keep it safe): %s\n",
              email->c_str(), password.c_str());
  return 0;
}

}  // namespace

int run_admin_command(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "failed: %s\n", e.what());
    return 1;
  }
}

}  // namespace kx::auth
