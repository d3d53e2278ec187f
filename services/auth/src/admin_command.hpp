#pragma once
// `kx-auth create-admin --email E [--name N]` and `kx-auth promote --email E`: the only ways to
// get an admin. There is no default admin password anywhere; create-admin prints a one-time
// random password once.

namespace kx::auth {

/// Runs the command in argv[1..]; returns the process exit status.
int run_admin_command(int argc, char** argv);

}  // namespace kx::auth
