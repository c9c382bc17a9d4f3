#!/usr/bin/python3
"""WebSocket clients for pcaps/record.sh: python3-websockets 10.4 clients, and
"raw-*" clients that speak the protocol by hand over a plain socket to do what no
library does (unmasked frames, invalid UTF-8, never answering pings, ...).

usage: py_client.py SCENARIO PORT [MARKER_PREFIX]

Every wait is bounded; the process ends by itself.
"""
import asyncio
import base64
import os
import socket
import struct
import sys
import time

import websockets

TIMEOUT = 10.0


def touch(path):
    with open(path, "w"):
        pass


# ---- websockets clients --------------------------------------------------

async def run_lib(scenario, port, marker):
    url = "ws://127.0.0.1:%d/" % port
    opts = dict(compression=None, ping_interval=None, open_timeout=TIMEOUT,
                close_timeout=TIMEOUT)

    if scenario in ("py-normal-1000", "py-4000"):
        async with websockets.connect(url + "chat", subprotocols=["chat.v2", "chat.v1"],
                                      **opts) as ws:
            await ws.send("hello")
            await asyncio.wait_for(ws.recv(), TIMEOUT)
            if scenario == "py-4000":
                await ws.close(4000, "user logged out")
            else:
                await ws.close()

    elif scenario == "py-deflate":
        opts["compression"] = "deflate"
        async with websockets.connect(url + "deflate", **opts) as ws:
            for i in range(3):
                await ws.send("compress me please " * 20 + str(i))
                await asyncio.wait_for(ws.recv(), TIMEOUT)
            await ws.close()

    elif scenario in ("py-server-1001", "py-1011", "py-3003"):
        async with websockets.connect(url + "feed", **opts) as ws:
            await ws.send("hello")
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), TIMEOUT)
            except websockets.ConnectionClosed:
                pass

    elif scenario in ("ws-1003", "ws-1013", "ws-1014", "ws-3000"):
        # websockets client against a ws server that will close the connection
        path = {"ws-1003": "text-only", "ws-1013": "busy", "ws-1014": "gateway",
                "ws-3000": "auth"}[scenario]
        first = {"ws-1003": b"\x01\x02\x03\x04", "ws-1013": None, "ws-1014": "fetch",
                 "ws-3000": "token=expired"}[scenario]
        async with websockets.connect(url + path, **opts) as ws:
            if first is not None:
                await ws.send(first)
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), TIMEOUT)
            except websockets.ConnectionClosed:
                pass

    elif scenario == "py-1008":
        async with websockets.connect(url + "topics", **opts) as ws:
            await ws.send("subscribe news")
            await asyncio.wait_for(ws.recv(), TIMEOUT)
            await ws.send("subscribe forbidden-stuff")
            try:
                await asyncio.wait_for(ws.recv(), TIMEOUT)
            except websockets.ConnectionClosed:
                pass

    elif scenario in ("py-1009", "ws-1009", "py-deflate-1009"):
        if scenario == "py-deflate-1009":
            opts["compression"] = "deflate"
        async with websockets.connect(url + "upload", **opts) as ws:
            await ws.send("a" * 512)            # accepted (limit is 1024)
            await asyncio.wait_for(ws.recv(), TIMEOUT)
            await ws.send("b" * 4000)           # rejected
            try:
                await asyncio.wait_for(ws.recv(), TIMEOUT)
            except websockets.ConnectionClosed:
                pass

    elif scenario == "py-1012-restart":
        ws = await websockets.connect(url + "live", **opts)
        await ws.send("hello")
        await asyncio.wait_for(ws.recv(), TIMEOUT)
        try:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
        except websockets.ConnectionClosed:
            pass
        await ws.wait_closed()
        # Reconnect once the server listens again (record.sh passes the
        # restart marker's path as MARKER_PREFIX).
        deadline = time.monotonic() + TIMEOUT
        while not os.path.exists(marker) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        async with websockets.connect(url + "live", **opts) as ws:
            await ws.send("hello again")
            await asyncio.wait_for(ws.recv(), TIMEOUT)
            await ws.close()

    elif scenario == "py-no-close-fin":
        ws = await websockets.connect(url + "crash", **opts)
        await ws.send("hello")
        await asyncio.wait_for(ws.recv(), TIMEOUT)
        # The process dies without a closing handshake; nothing is left
        # unread, so the kernel closes the socket with FIN.
        os._exit(0)

    elif scenario == "py-no-close-rst":
        ws = await websockets.connect(url + "stream", **opts)
        await asyncio.wait_for(ws.recv(), TIMEOUT)
        deadline = time.monotonic() + TIMEOUT
        while not os.path.exists(marker + ".paused") and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await ws.send("data the server will never read")
        await asyncio.sleep(0.2)
        touch(marker + ".sent")
        try:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
        except websockets.ConnectionClosed:
            pass

    elif scenario in ("py-handshake-403", "py-handshake-426"):
        path = "private" if scenario == "py-handshake-403" else "v1"
        try:
            async with websockets.connect(url + path, **opts):
                pass
        except websockets.InvalidStatusCode as exc:
            print("py_client: rejected with %d" % exc.status_code)

    elif scenario in ("py-close-storm", "py-idle-1006-fixed"):
        # Several distinct connections, opened one after the other (each gets
        # its echo before the next one starts, so the capture's order is
        # known), then all wait for the server or the proxy to end them.
        if scenario == "py-close-storm":
            path, count, wait = "storm", 6, TIMEOUT
        else:
            path, count, wait = "idle", 3, float(os.environ.get("IDLE_WAIT", "20"))
        conns = []
        for i in range(count):
            ws = await websockets.connect(url + path, **opts)
            await ws.send("hello %d" % i)
            await asyncio.wait_for(ws.recv(), TIMEOUT)
            conns.append(ws)

        async def until_closed(ws):
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), wait)
            except websockets.ConnectionClosed:
                pass
            await ws.wait_closed()

        await asyncio.gather(*(until_closed(ws) for ws in conns))

    elif scenario.startswith("nginx-idle"):
        async with websockets.connect(url + "idle", **opts) as ws:
            await ws.send("hello")
            await asyncio.wait_for(ws.recv(), TIMEOUT)
            try:
                await asyncio.wait_for(ws.recv(), float(os.environ.get("IDLE_WAIT", "20")))
            except websockets.ConnectionClosed:
                pass

    else:
        sys.exit("py_client: unknown scenario %s" % scenario)


# ---- raw clients ---------------------------------------------------------

def frame(opcode, payload, mask=True, fin=True):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    mbit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mbit | n])
    elif n < 65536:
        head += bytes([mbit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([mbit | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def raw_handshake(port, path):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    key = base64.b64encode(os.urandom(16)).decode()
    req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
           "Sec-WebSocket-Version: 13\r\nUser-Agent: wsclosed-raw-peer\r\n\r\n"
           % (path, port, key))
    s.sendall(req.encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("raw: connection closed during handshake")
        buf += chunk
    if not buf.startswith(b"HTTP/1.1 101"):
        raise SystemExit("raw: handshake failed: %r" % buf[:40])
    return s, buf.split(b"\r\n\r\n", 1)[1]


def read_until_eof(s, limit):
    """Read and discard everything until the peer's FIN (or limit seconds)."""
    deadline = time.monotonic() + limit
    s.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            if not s.recv(65536):
                return True
        except socket.timeout:
            continue
        except ConnectionError:
            return False
    return False


def run_raw(scenario, port):
    if scenario == "raw-unmasked-1002":
        s, _ = raw_handshake(port, "/raw")
        s.sendall(frame(0x1, b"hello, unmasked", mask=False))
        read_until_eof(s, TIMEOUT)
        s.close()
    elif scenario == "raw-utf8-1007":
        s, _ = raw_handshake(port, "/raw")
        s.sendall(frame(0x1, b"caf\xc3 \xff\xfe bad utf-8"))
        read_until_eof(s, TIMEOUT)
        s.close()
    elif scenario == "raw-close-no-wait":
        s, _ = raw_handshake(port, "/raw")
        s.sendall(frame(0x1, b"hello"))
        # wait for the echo so that nothing else is pending
        s.settimeout(TIMEOUT)
        s.recv(4096)
        # Send close 1001 and tear TCP down at once, without waiting for
        # the server's close frame: "failing the WebSocket connection".
        s.sendall(frame(0x8, struct.pack("!H", 1001)))
        s.close()
    elif scenario == "raw-keepalive-timeout":
        s, _ = raw_handshake(port, "/raw")
        # Never answer the server's pings; just wait for it to give up.
        read_until_eof(s, TIMEOUT)
        s.close()
    else:
        sys.exit("py_client: unknown scenario %s" % scenario)


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    scen, prt = sys.argv[1], int(sys.argv[2])
    mark = sys.argv[3] if len(sys.argv) == 4 else ""
    if scen.startswith("raw-"):
        run_raw(scen, prt)
    else:
        asyncio.run(run_lib(scen, prt, mark))
