'use strict';
// Subprotocol servers on their npm libraries (versions pinned by
// ../node/package-lock.json), as their documentation shows them.
// usage: node subproto.js KIND PORT READY_FILE
//   socketio  Socket.IO 4 server, pingInterval 1000 ms, pingTimeout 1000 ms,
//             WebSocket transport only; echoes "echo" events, and a "kick"
//             event makes the server disconnect the client (disconnect(true))
//   graphql   graphql-ws 5 on ws 8 (subprotocol graphql-transport-ws),
//             connectionInitWaitTimeout 1000 ms, schema { hello: String }
//   mqtt      aedes 0.51 MQTT broker over ws 8 (subprotocol mqtt)
//   stomp     stomp-broker-js 1.3 (its own ws 5) on path /stomp, heartbeat
//             [0, 1000]: it asks clients for a heart-beat every 1000 ms and
//             closes after interval + heartbeatErrorMargin (1000 ms) of silence;
//             a connect middleware refuses login "bad" (ERROR frame)
// Exits by itself after 30 s.
const fs = require('fs');
const path = require('path');
const http = require('http');
const mods = path.join(__dirname, '..', 'node', 'node_modules');
const need = (m) => require(path.join(mods, m));

const [kind, portStr, ready] = process.argv.slice(2);
const port = Number(portStr);
setTimeout(() => process.exit(3), 30000).unref();
const done = () => fs.writeFileSync(ready, '');

if (kind === 'socketio') {
  const { Server } = need('socket.io');
  const srv = http.createServer();
  const io = new Server(srv, { pingInterval: 1000, pingTimeout: 1000, transports: ['websocket'] });
  io.on('connection', (socket) => {
    socket.on('echo', (msg) => socket.emit('echo', msg));
    // the server ends the session: socket.disconnect(true) closes the transport
    socket.on('kick', () => socket.disconnect(true));
  });
  srv.listen(port, '127.0.0.1', done);
} else if (kind === 'graphql') {
  const { WebSocketServer } = need('ws');
  const { useServer } = need('graphql-ws/lib/use/ws');
  const { buildSchema } = need('graphql');
  const schema = buildSchema('type Query { hello: String }');
  const wss = new WebSocketServer({ host: '127.0.0.1', port, path: '/graphql' }, done);
  useServer({ schema, roots: { query: { hello: () => 'world' } },
    connectionInitWaitTimeout: 1000 }, wss);
} else if (kind === 'mqtt') {
  const aedes = need('aedes')();
  const { WebSocketServer, createWebSocketStream } = need('ws');
  const wss = new WebSocketServer({ host: '127.0.0.1', port, path: '/mqtt' }, done);
  wss.on('connection', (ws) => aedes.handle(createWebSocketStream(ws)));
} else if (kind === 'stomp') {
  const StompServer = need('stomp-broker-js');
  const srv = http.createServer();
  const stomp = new StompServer({ server: srv, path: '/stomp', heartbeat: [0, 1000] });
  // an authentication hook (addMiddleware on connect): refuses login "bad"
  stomp.addMiddleware('connect', (socket, args, next) =>
    (args.headers.login === 'bad' ? false : next()));
  srv.listen(port, '127.0.0.1', done);
} else {
  console.error('unknown kind ' + kind);
  process.exit(2);
}
