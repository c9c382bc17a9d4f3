#!/usr/bin/env node
// WebSocket server built on the `ws` package from npm, one behaviour per
// scenario, used by pcaps/record.sh to record test captures.
//
// usage: node ws_server.js SCENARIO PORT READY_FILE
// Listens on 127.0.0.1:PORT, creates READY_FILE once listening, and exits by
// itself when the scenario is over (or after PEER_LIFETIME seconds at most).
'use strict';

const fs = require('fs');
const net = require('net');
const path = require('path');
const { WebSocketServer } = require(path.join(__dirname, '..', 'node', 'node_modules', 'ws'));

const [scenario, portArg, ready] = process.argv.slice(2);
if (!ready) {
  console.error('usage: ws_server.js SCENARIO PORT READY_FILE');
  process.exit(2);
}
const port = Number(portArg);
const lifetime = Number(process.env.PEER_LIFETIME || 20) * 1000;

const opts = { host: '127.0.0.1', port, perMessageDeflate: false };
if (scenario === 'ws-normal-1000') {
  opts.handleProtocols = (protocols) => (protocols.has('json') ? 'json' : false);
}
if (scenario === 'ws-1009') opts.maxPayload = 1024;
if (scenario === 'ws-deflate') opts.perMessageDeflate = { threshold: 0 };

const wss = new WebSocketServer(opts);
let finished = false;

function finish() {
  if (finished) return;
  finished = true;
  // Give the closing handshake time to complete, then stop.
  setTimeout(() => {
    for (const c of wss.clients) c.terminate();
    wss.close(() => process.exit(0));
  }, 500);
}

setTimeout(() => { console.error('ws_server: lifetime over'); process.exit(1); }, lifetime).unref();

wss.on('listening', () => fs.writeFileSync(ready, ''));

wss.on('connection', (ws) => {
  ws.on('close', finish);
  ws.on('error', () => {});
  switch (scenario) {
    case 'ws-1003':
      ws.on('message', (data, isBinary) => {
        if (isBinary) ws.close(1003, 'binary messages are not supported');
        else ws.send(data, { binary: false });
      });
      break;
    case 'ws-1013':
      // Overloaded: turn the client away right after the handshake.
      ws.close(1013, 'server overloaded, try again later');
      break;
    case 'ws-1014':
      // A gateway whose upstream is down: try it, then report 1014.
      ws.on('message', () => {
        const up = net.connect({ host: '127.0.0.1', port: Number(process.env.DEAD_PORT || 1) });
        up.on('error', (err) => ws.close(1014, 'upstream ' + err.code));
      });
      break;
    case 'ws-3000':
      ws.on('message', (data) => {
        if (String(data) !== 'token=good') ws.close(3000, 'invalid token');
      });
      break;
    default:
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  }
});
