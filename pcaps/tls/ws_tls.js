#!/usr/bin/env node
// wss peers on node's https + the `ws` package, for pcaps/tls/record.sh.
//
// usage: node ws_tls.js server SCENARIO PORT READY_FILE CERT KEY
//        node --tls-keylog=KEYLOG ws_tls.js client SCENARIO PORT
// The client's TLS secrets go to KEYLOG through node's own --tls-keylog.
// TLS 1.3 with TLS_AES_128_GCM_SHA256 only; ALPN http/1.1; SNI wss.test.
// Both processes end by themselves (bounded waits).
'use strict';

const fs = require('fs');
const https = require('https');
const path = require('path');
const { WebSocket, WebSocketServer } = require(path.join(__dirname, '..', 'node', 'node_modules', 'ws'));

const [role, scenario, portArg, ready, cert, key] = process.argv.slice(2);
const port = Number(portArg);
const tlsOpts = {
  minVersion: 'TLSv1.3',
  maxVersion: 'TLSv1.3',
  ciphers: 'TLS_AES_128_GCM_SHA256',
  ALPNProtocols: ['http/1.1'],
};

if (role === 'server') {
  const server = https.createServer({ ...tlsOpts, cert: fs.readFileSync(cert), key: fs.readFileSync(key) });
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('close', () => {
      wss.close();
      server.close();
      setTimeout(() => process.exit(0), 500);
    });
  });
  server.listen(port, '127.0.0.1', () => fs.writeFileSync(ready, ''));
  setTimeout(() => process.exit(1), 20000).unref();
} else {
  const ws = new WebSocket(`wss://127.0.0.1:${port}/node`, {
    ...tlsOpts,
    servername: 'wss.test',
    rejectUnauthorized: false,
    perMessageDeflate: false,
  });
  ws.on('open', () => ws.send('hello over ' + scenario));
  ws.on('message', () => ws.close(1000, 'bye'));
  ws.on('close', () => setTimeout(() => process.exit(0), 200));
  ws.on('error', (e) => { console.error(e.message); process.exit(1); });
  setTimeout(() => process.exit(1), 15000).unref();
}
