#!/usr/bin/env node
// WebSocket client built on the `ws` package from npm, one behaviour per
// scenario, used by pcaps/record.sh to record test captures.
//
// usage: node ws_client.js SCENARIO PORT
// Exits by itself once the connection is closed (or after 10 s at most).
'use strict';

const path = require('path');
const WebSocket = require(path.join(__dirname, '..', 'node', 'node_modules', 'ws'));

const [scenario, portArg] = process.argv.slice(2);
if (!portArg) {
  console.error('usage: ws_client.js SCENARIO PORT');
  process.exit(2);
}
const url = 'ws://127.0.0.1:' + Number(portArg);

setTimeout(() => { console.error('ws_client: timeout'); process.exit(1); }, 10000).unref();

let ws;
switch (scenario) {
  case 'ws-normal-1000':
    ws = new WebSocket(url + '/chat', ['json', 'text'], { perMessageDeflate: false });
    ws.on('open', () => ws.send('hello'));
    ws.on('message', () => ws.close(1000, 'bye'));
    break;
  case 'ws-empty-close-1005':
    ws = new WebSocket(url + '/empty', { perMessageDeflate: false });
    ws.on('open', () => ws.send('hello'));
    ws.on('message', () => ws.close());        // no code: empty close body
    break;
  case 'ws-client-1001':
    ws = new WebSocket(url + '/page', { perMessageDeflate: false });
    ws.on('open', () => ws.send('hello'));
    ws.on('message', () => ws.close(1001));    // the page is going away
    break;
  case 'ws-1003':
    ws = new WebSocket(url + '/text-only', { perMessageDeflate: false });
    ws.on('open', () => ws.send(Buffer.from([1, 2, 3, 4]), { binary: true }));
    break;
  case 'ws-1009':
    ws = new WebSocket(url + '/upload', { perMessageDeflate: false });
    ws.on('open', () => ws.send('a'.repeat(512)));            // accepted
    ws.on('message', () => ws.send('b'.repeat(4000)));        // rejected
    break;
  case 'ws-1010':
    // The client requires permessage-deflate; the server does not accept it.
    ws = new WebSocket(url + '/compressed', { perMessageDeflate: true });
    ws.on('open', () => {
      if (!ws.extensions.includes('permessage-deflate')) ws.close(1010, 'permessage-deflate');
    });
    break;
  case 'ws-1013':
    ws = new WebSocket(url + '/busy', { perMessageDeflate: false });
    break;
  case 'ws-1014':
    ws = new WebSocket(url + '/gateway', { perMessageDeflate: false });
    ws.on('open', () => ws.send('fetch'));
    break;
  case 'ws-3000':
    ws = new WebSocket(url + '/auth', { perMessageDeflate: false });
    ws.on('open', () => ws.send('token=expired'));
    break;
  case 'ws-deflate': {
    ws = new WebSocket(url + '/deflate', { perMessageDeflate: { threshold: 0 } });
    let n = 0;
    ws.on('open', () => ws.send('compress me please '.repeat(20) + n));
    ws.on('message', () => {
      n += 1;
      if (n < 3) ws.send('compress me please '.repeat(20) + n);
      else ws.close(1000);
    });
    break;
  }
  default:
    console.error('ws_client: unknown scenario ' + scenario);
    process.exit(2);
}
ws.on('error', (err) => console.error('ws_client: ' + err.message));
ws.on('close', (code, reason) => {
  console.log('ws_client: closed ' + code + ' ' + reason);
  process.exit(0);
});
