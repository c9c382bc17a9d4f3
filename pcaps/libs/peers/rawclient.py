#!/usr/bin/python3
"""A WebSocket client on a plain socket (no library), so that the only library
on the wire is the server's (or the proxy's).  It speaks RFC 6455 correctly
unless MODE says otherwise:

usage: rawclient.py MODE PORT PATH [SECONDS]

  echo-idle  send "hello", read the echo, then stay silent (SECONDS at most),
             answering pings with pongs and a close frame with its echo
  nopong     as echo-idle but never answer a ping (a peer whose event loop is
             stuck); a close frame is still echoed, EOF still closes
  boom       send "hello", then "boom" (the test servers raise an exception on it)
  big        send 512 bytes, then 4000 bytes (text)
  badutf8    send a text frame holding invalid UTF-8 (0xC3 0x28, 0xFF 0xFE)
  wait       send "hello", then wait for the server to end
  chatty     send "hello", then "tick" every 0.25 s until the server ends (the
             shutdown scenarios: the connection is busy, not idle, when it ends)
  close1000  send "hello", then close 1000 "bye" and wait for the echo and EOF
  sio-nopong Socket.IO (Engine.IO 4) client that connects, emits one event and
             never answers the server's "2" pings
  sio-pong   the same answering "3" for 2.5 s, then "41" and close 1000
  sio-kicked the same emitting "kick": the server disconnects the client
  gql-noinit graphql-transport-ws client that never sends connection_init
  gql-twice  connection_init, ping/pong, then connection_init again
  gql-bad    connection_init, then a message of an unknown type
  gql-early  subscribe without connection_init
  mqtt       MQTT 3.1.1 CONNECT (keepalive 2 s), one PINGREQ, then silence
  stomp-nobeat     STOMP 1.2 (subprotocol v12.stomp): CONNECT heart-beat:1000,0,
                   CONNECTED, one SEND, then no heart-beats (silence)
  stomp-disconnect CONNECT (no heart-beat), DISCONNECT receipt:77, RECEIPT, close 1000
  stomp-bad        CONNECT with login:bad (the broker's connect middleware
                   refuses it: ERROR), then silence until SECONDS are up

After the scenario's action the client reads until the server ends the
connection: a close frame is echoed with the same body, then the client waits
for the server's FIN (RFC 6455: the server closes TCP first) and closes; EOF
without a close frame is answered by closing the socket.  Every wait is bounded.
"""
import base64
import os
import socket
import struct
import sys
import time

TIMEOUT = 90


def frame(opcode, payload, fin=True):
    mask = os.urandom(4)
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class Conn:
    def __init__(self, port, path, protocol=None):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n%sUser-Agent: wsclosed-raw-peer\r\n\r\n"
               % (path, port, key,
                  "Sec-WebSocket-Protocol: %s\r\n" % protocol if protocol else ""))
        self.s.sendall(req.encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.s.recv(4096)
            if not chunk:
                raise SystemExit("raw: connection closed during handshake")
            buf += chunk
        head, self.buf = buf.split(b"\r\n\r\n", 1)
        self.status = int(head.split()[1])
        self.eof = False
        self.close_sent = False

    def send(self, opcode, payload):
        if opcode == 8:
            self.close_sent = True
        self.s.sendall(frame(opcode, payload))

    def _fill(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.s.settimeout(left)
            try:
                chunk = self.s.recv(65536)
            except socket.timeout:
                return False
            except ConnectionResetError:
                self.eof = True
                return False
            if not chunk:
                self.eof = True
                return False
            self.buf += chunk
        return True

    def read_frame(self, seconds):
        """(opcode, payload), or None on EOF or when SECONDS pass."""
        deadline = time.monotonic() + seconds
        if not self._fill(2, deadline):
            return None
        b0, b1 = self.buf[0], self.buf[1]
        n, off = b1 & 0x7F, 2
        if n == 126:
            if not self._fill(4, deadline):
                return None
            n, off = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            if not self._fill(10, deadline):
                return None
            n, off = struct.unpack("!Q", self.buf[2:10])[0], 10
        if not self._fill(off + n, deadline):
            return None
        payload = self.buf[off:off + n]
        self.buf = self.buf[off + n:]
        return b0 & 0x0F, payload

    def until_end(self, seconds, pong=True, tick=None):
        """Read until the server ends; answer pings (if PONG) and close frames;
        with TICK send a text message "tick" every TICK seconds meanwhile."""
        deadline = time.monotonic() + seconds
        next_tick = time.monotonic() + tick if tick else deadline
        while time.monotonic() < deadline:
            if tick and time.monotonic() >= next_tick and not self.close_sent:
                try:
                    self.send(1, b"tick")
                except OSError:
                    break
                next_tick += tick
            f = self.read_frame(min(deadline, next_tick) - time.monotonic())
            if f is None:
                if self.eof:
                    break
                continue
            op, payload = f
            if op == 9 and pong:
                self.send(10, payload)
            elif op == 8:
                if not self.close_sent:     # echo, unless this is the echo of ours
                    try:
                        self.send(8, payload)
                    except OSError:
                        break
                # wait for the server's FIN, then close
                while self.read_frame(max(0.1, deadline - time.monotonic())) is not None:
                    pass
                break
        self.s.close()


def expect(c, what, secs=5):
    f = c.read_frame(secs)
    assert f and f[1].startswith(what), "expected %r, got %r" % (what, f)
    return f


def socketio(c, mode, seconds):
    """Engine.IO 4 over WebSocket: open packet, Socket.IO connect, then either
    answer the server's pings ("2" -> "3") or not."""
    expect(c, b"0{")                    # Engine.IO open: sid, pingInterval, pingTimeout
    c.send(1, b"40")                    # Socket.IO connect to namespace /
    expect(c, b"40")
    c.send(1, b'42["echo","hello"]')
    expect(c, b'42["echo"')
    if mode == "sio-nopong":
        c.until_end(seconds, pong=False)
        return
    if mode == "sio-kicked":
        c.send(1, b'42["kick"]')
        c.until_end(seconds)
        return
    deadline = time.monotonic() + 2.5   # answer the pings for 2.5 s, then leave
    while time.monotonic() < deadline:
        f = c.read_frame(deadline - time.monotonic())
        if f and f[1] == b"2":
            c.send(1, b"3")
    c.send(1, b"41")                    # Socket.IO disconnect
    c.send(8, struct.pack("!H", 1000))
    c.until_end(5)


def graphql(c, mode, seconds):
    if mode == "gql-twice":
        c.send(1, b'{"type":"connection_init"}')
        expect(c, b'{"type":"connection_ack"')
        c.send(1, b'{"type":"ping"}')
        expect(c, b'{"type":"pong"')
        c.send(1, b'{"type":"connection_init"}')
    elif mode == "gql-bad":
        c.send(1, b'{"type":"connection_init"}')
        expect(c, b'{"type":"connection_ack"')
        c.send(1, b'{"type":"bogus"}')
    elif mode == "gql-early":
        c.send(1, b'{"id":"1","type":"subscribe","payload":{"query":"{ hello }"}}')
    c.until_end(seconds)


def mqtt_read(c, n, secs=5):
    """N bytes of the MQTT stream, whatever WebSocket messages carry them."""
    data = b""
    while len(data) < n:
        f = c.read_frame(secs)
        assert f, "MQTT: connection ended after %r" % data
        data += f[1]
    return data


def mqtt(c, seconds):
    """MQTT 3.1.1 CONNECT with keepalive 2 s, one PINGREQ/PINGRESP, then silence."""
    body = (b"\x00\x04MQTT\x04\x02" + struct.pack("!H", 2)
            + struct.pack("!H", 8) + b"wsclosed")
    c.send(2, bytes([0x10, len(body)]) + body)
    ack = mqtt_read(c, 4)
    assert ack[:2] == b"\x20\x02", "no CONNACK: %r" % ack
    c.send(2, b"\xc0\x00")              # PINGREQ
    assert mqtt_read(c, 2) == b"\xd0\x00", "no PINGRESP"
    c.until_end(seconds)


def stomp(c, mode, seconds):
    beat = "heart-beat:1000,0\n" if mode == "stomp-nobeat" else ""
    login = "login:bad\n" if mode == "stomp-bad" else ""
    c.send(1, ("CONNECT\naccept-version:1.2\nhost:127.0.0.1\n%s%s\n\x00"
               % (login, beat)).encode())
    expect(c, b"ERROR" if mode == "stomp-bad" else b"CONNECTED")
    if mode == "stomp-nobeat":
        c.send(1, b"SEND\ndestination:/queue/a\ncontent-type:text/plain\n\nhello\x00")
    elif mode == "stomp-disconnect":
        c.send(1, b"DISCONNECT\nreceipt:77\n\n\x00")
        expect(c, b"RECEIPT")
        c.send(8, struct.pack("!H", 1000))
    c.until_end(seconds)


def main(argv):
    mode, port, path = argv[1], int(argv[2]), argv[3]
    seconds = float(argv[4]) if len(argv) > 4 else 20
    protocol = {"gql": "graphql-transport-ws", "mqt": "mqtt", "sto": "v12.stomp"}.get(mode[:3])
    c = Conn(port, path, protocol)
    if mode.startswith("sio-") and c.status == 101:
        socketio(c, mode, seconds)
        return 0
    if mode.startswith("gql-") and c.status == 101:
        graphql(c, mode, seconds)
        return 0
    if mode.startswith("mqtt") and c.status == 101:
        mqtt(c, seconds)
        return 0
    if mode.startswith("stomp-") and c.status == 101:
        stomp(c, mode, seconds)
        return 0
    if c.status != 101:
        c.until_end(2)
        return 0
    if mode in ("echo-idle", "nopong", "boom", "wait", "chatty", "close1000"):
        c.send(1, b"hello")
        f = c.read_frame(5)
        assert f and f[0] == 1, "no echo: %r" % (f,)
    if mode == "boom":
        c.send(1, b"boom")
    elif mode == "big":
        c.send(1, b"a" * 512)
        f = c.read_frame(5)
        assert f and f[0] == 1, "no echo of 512 bytes: %r" % (f,)
        c.send(1, b"b" * 4000)
    elif mode == "badutf8":
        c.send(1, b"ok \xc3\x28 \xff\xfe")
    elif mode == "close1000":
        c.send(8, struct.pack("!H", 1000) + b"bye")
    c.until_end(seconds, pong=(mode != "nopong"), tick=0.25 if mode == "chatty" else None)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
