#pragma once
// Events between services, all of it: the envelope, the schemas, the outbox and relay, the
// consumer runner, the broker probe and admin audit events. Include the narrower headers where
// only one part is needed. The design needs no Kafka transactions: exactly-once effects come from
// the outbox (at-least-once publishing, in order per key) plus the inbox (each event id acted on
// once).

#include "kx/events/audit.hpp"
#include "kx/events/consumer.hpp"
#include "kx/events/envelope.hpp"
#include "kx/events/kafka.hpp"
#include "kx/events/outbox.hpp"
#include "kx/events/schemas.hpp"
