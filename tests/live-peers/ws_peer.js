#!/usr/bin/env node
// WebSocket peers for tests/live.sh, built on the `ws` package from npm
// (found through NODE_PATH).
//
// usage: node ws_peer.js server PORT READY_FILE   echo server until killed
//        node ws_peer.js client PORT              send, get the echo, close 1000
//
// The client's request path is /node/PID; it prints it once the connection
// is open.  Both end by
// themselves after PEER_LIFETIME seconds (default 30) at most.
'use strict';

const fs = require('fs');
const WebSocket = require('ws');

const [role, portArg, ready] = process.argv.slice(2);
const port = Number(portArg);
if (!port || (role === 'server' && !ready) || (role !== 'server' && role !== 'client')) {
  console.error('usage: ws_peer.js server PORT READY_FILE | client PORT');
  process.exit(2);
}
const lifetime = Number(process.env.PEER_LIFETIME || 30) * 1000;
setTimeout(() => { console.error('ws_peer: lifetime over'); process.exit(1); }, lifetime).unref();

if (role === 'server') {
  const wss = new WebSocket.WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });
  wss.on('listening', () => fs.writeFileSync(ready, ''));
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
} else {
  const path = '/node/' + process.pid;
  const ws = new WebSocket('ws://127.0.0.1:' + port + path, { perMessageDeflate: false });
  ws.on('open', () => {
    console.log(path);
    ws.send('hello');
  });
  ws.on('message', () => ws.close(1000, 'bye'));
  ws.on('error', (err) => { console.error('ws_peer: ' + err.message); process.exit(1); });
  ws.on('close', () => process.exit(0));
}
