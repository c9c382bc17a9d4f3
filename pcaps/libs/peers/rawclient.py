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
  wait       send "hello", then wait for the server to end (shutdown scenarios)
  close1000  send "hello", then close 1000 "bye" and wait for the echo and EOF

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
    def __init__(self, port, path):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\nUser-Agent: wsclosed-raw-peer\r\n\r\n"
               % (path, port, key))
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

    def send(self, opcode, payload):
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

    def until_end(self, seconds, pong=True):
        """Read until the server ends; answer pings (if PONG) and close frames."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            f = self.read_frame(deadline - time.monotonic())
            if f is None:
                break
            op, payload = f
            if op == 9 and pong:
                self.send(10, payload)
            elif op == 8:
                try:
                    self.send(8, payload)
                except OSError:
                    break
                # wait for the server's FIN, then close
                while self.read_frame(max(0.1, deadline - time.monotonic())) is not None:
                    pass
                break
        self.s.close()


def main(argv):
    mode, port, path = argv[1], int(argv[2]), argv[3]
    seconds = float(argv[4]) if len(argv) > 4 else 20
    c = Conn(port, path)
    if c.status != 101:
        c.until_end(2)
        return 0
    if mode in ("echo-idle", "nopong", "boom", "wait", "close1000"):
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
    c.until_end(seconds, pong=(mode != "nopong"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
