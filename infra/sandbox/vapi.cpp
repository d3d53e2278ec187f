// Vapi stand-in: filled by the telephony issue (simulated calls posting signed server messages).
#include "sandbox.hpp"

namespace kx::sandbox {

void add_vapi_routes(http::Router&, const SandboxSettings&) {}

}  // namespace kx::sandbox
