// Signs a webhook payload the way Stripe does, with Stripe's official Node library, so the
// billing black-box tests check our verifier against the reference implementation.
//   node sign.js SECRET [UNIX_TIMESTAMP] < payload.json     prints the Stripe-Signature value
//   node sign.js --verify SECRET HEADER < payload.json       exit 0 when Stripe accepts it
'use strict';
const fs = require('fs');
const Stripe = require('stripe');

const stripe = new Stripe('sk_test_signing_only');
const payload = fs.readFileSync(0, 'utf8');
const args = process.argv.slice(2);

if (args[0] === '--verify') {
  try {
    stripe.webhooks.constructEvent(payload, args[2], args[1]);
    process.exit(0);
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
}
const options = { payload, secret: args[0] };
if (args[1] !== undefined) options.timestamp = Number(args[1]);
process.stdout.write(stripe.webhooks.generateTestHeaderString(options));
