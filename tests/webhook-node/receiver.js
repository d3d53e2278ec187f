// A webhook receiver that checks every delivery with the Standard Webhooks reference library
// (the `standardwebhooks` package), so the integrations tests verify our signatures against
// the spec's own implementation rather than against our code.
//   [PORT=19150] node receiver.js [SECRET...]
// Listens on 127.0.0.1 (PORT, or a free port); prints "<port> <pid>" on the first line of
// stdout, exits with status 3 when the port is taken.
//   POST /<anything>   verifies with each secret; 204 when any accepts, else 400
//   PUT  /secrets      replaces the secrets (a JSON array)
//   GET  /records      [{path, id, type, verified: [bool per secret], error}]
'use strict';
const http = require('http');
const { Webhook } = require('standardwebhooks');

let secrets = process.argv.slice(2);
const records = [];

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'GET' && req.url === '/records') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(records));
      return;
    }
    if (req.method === 'PUT' && req.url === '/secrets') {
      secrets = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(204);
      res.end();
      return;
    }
    const body = Buffer.concat(chunks).toString('utf8');
    const record = { path: req.url, id: req.headers['webhook-id'] || null, type: null,
                     verified: [], error: null };
    for (const secret of secrets) {
      try {
        const payload = new Webhook(secret).verify(body, req.headers);
        record.type = payload.type;
        record.verified.push(true);
      } catch (e) {
        record.verified.push(false);
        record.error = String(e.message || e);
      }
    }
    records.push(record);
    res.writeHead(record.verified.some((v) => v) ? 204 : 400);
    res.end();
  });
});

server.on('error', (e) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(e.code === 'EADDRINUSE' ? 3 : 1);
});
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  process.stdout.write(`${server.address().port} ${process.pid}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
