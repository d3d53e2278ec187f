// Stripe stand-in: filled by the billing issue (customers, checkout sessions, the payment page).
#include "sandbox.hpp"

namespace kx::sandbox {

void add_stripe_routes(http::Router&, const SandboxSettings&) {}

}  // namespace kx::sandbox
