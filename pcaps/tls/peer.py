#!/usr/bin/python3
"""wss peers for pcaps/tls/record.sh: python3-websockets 10.4 over TLS, both
ends in this file, one behaviour per scenario.

usage: peer.py server SCENARIO PORT READY_FILE CERT KEY   (ws-*: CERT, KEY "-")
       peer.py client SCENARIO PORT KEYLOG
       peer.py sclient-input | openssl s_client ...

The client writes the TLS secrets of its connection to KEYLOG (NSS key log
format, ssl.SSLContext.keylog_filename).  ws-twin-1000 is tls13-twin-1000
without TLS: the same exchange in clear; ws-nginx-1011 is the plain server
behind nginx for nginx-tls13-1011 (nginx terminates the client's TLS).  The TLS version and cipher come
from the scenario's name: tls13-* pins TLS 1.3 (its suite through the
OPENSSL_CONF that record.sh sets), tls12-* pins TLS 1.2 and the cipher
below.  Every wait is bounded; both processes end by themselves.
"""
import asyncio
import os
import socket
import ssl
import struct
import sys

import websockets

TIMEOUT = 10.0
SNI = "wss.test"
IDLE_CLIENTS = 3
ALPN = ["http/1.1"]

# TLS 1.2 scenarios: OpenSSL cipher name, and whether encrypt-then-MAC is
# switched off (SSL_OP_NO_ENCRYPT_THEN_MAC; Python has no name for it)
TLS12 = {
    "tls12-gcm-1000": ("ECDHE-RSA-AES128-GCM-SHA256", False),
    "tls12-gcm256-1011": ("ECDHE-RSA-AES256-GCM-SHA384", False),
    "tls12-chacha-rst": ("ECDHE-RSA-CHACHA20-POLY1305", False),
    "tls12-cbc-etm-1000": ("ECDHE-RSA-AES128-SHA", False),
    "tls12-cbc-noetm-1000": ("ECDHE-RSA-AES256-SHA384", True),
}
OP_NO_ENCRYPT_THEN_MAC = 1 << 19


def touch(path):
    with open(path, "w"):
        pass


def context(scenario, server):
    if scenario.startswith("ws-"):
        return None                  # the plain twin of a wss scenario
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
    if "tls13" in scenario:
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    else:
        ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        cipher, no_etm = TLS12[scenario]
        ctx.set_ciphers(cipher)
        if no_etm:
            ctx.options |= OP_NO_ENCRYPT_THEN_MAC
    ctx.set_alpn_protocols(ALPN)
    if not server:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


async def server(scenario, port, ready, cert, key):
    ctx = context(scenario, True)
    if ctx and cert != "-":
        ctx.load_cert_chain(cert, key)
    done = asyncio.get_running_loop().create_future()

    def finish():
        if not done.done():
            done.set_result(None)

    left = [IDLE_CLIENTS if scenario.endswith("-idle") else 1]

    async def handler(ws):
        try:
            if scenario.endswith("-1011"):
                msg = await ws.recv()
                raise RuntimeError("handler bug while processing %r" % msg)
            if scenario.endswith("-rst"):
                await ws.send(await ws.recv())
                await asyncio.sleep(0.3)
                # SO_LINGER 0: close() resets the connection
                sock = ws.transport.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                ws.transport.abort()
                return
            if scenario.endswith("-idle"):
                await ws.send(await ws.recv())
                # 3 s without a byte either way, then the server ends TCP
                # (FIN, no close frame, no close_notify): an idle cut as a
                # load balancer does it
                await asyncio.sleep(3)
                ws.transport.abort()
                return
            async for msg in ws:
                await ws.send(msg)
        finally:
            left[0] -= 1
            if left[0] == 0:
                finish()

    async with websockets.serve(handler, "127.0.0.1", port, ssl=ctx, compression=None,
                                ping_interval=None):
        touch(ready)
        await asyncio.wait_for(done, 20)
        await asyncio.sleep(0.5)


async def client(scenario, port, keylog):
    if scenario.endswith("-idle"):
        # several connections cut after the same silence: a fixed idle timeout
        await asyncio.gather(*(one_client(scenario, port, keylog, i)
                               for i in range(IDLE_CLIENTS)))
    else:
        await one_client(scenario, port, keylog, 0)


async def one_client(scenario, port, keylog, i):
    await asyncio.sleep(0.2 * i)     # in a known order
    ctx = context(scenario, False)
    path = "twin" if "-twin-" in scenario else scenario.split("-")[0]
    if ctx:
        ctx.keylog_filename = keylog
        url = "wss://127.0.0.1:%d/%s" % (port, path)
        tls = dict(ssl=ctx, server_hostname=SNI)
    else:
        url = "ws://127.0.0.1:%d/%s" % (port, path)
        tls = {}
    async with websockets.connect(url, **tls, compression=None,
                                  ping_interval=None, open_timeout=TIMEOUT,
                                  close_timeout=TIMEOUT) as ws:
        await ws.send("hello over " + ("twin" if "-twin-" in scenario else scenario))
        try:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
            if scenario.endswith("-1000"):
                await ws.close(1000, "bye")
            else:
                await asyncio.wait_for(ws.recv(), TIMEOUT)
        except (websockets.ConnectionClosed, asyncio.TimeoutError):
            pass


def sclient_input():
    """What `openssl s_client` is fed for tls13-keyupdate-1000: a WebSocket
    upgrade and masked frames written by hand, and between them s_client's
    own commands "k" (KeyUpdate, update_not_requested) and "K" (KeyUpdate,
    update_requested: the server's OpenSSL updates its keys too).  Each
    piece is its own write, as s_client looks for a command at the start of
    what one read returns."""
    import time

    def frame(opcode, payload, mask=b"\x11\x22\x33\x44"):
        head = bytes([0x80 | opcode, 0x80 | len(payload)]) + mask
        return head + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))

    out = sys.stdout.buffer

    def put(b, pause=0.4):
        out.write(b)
        out.flush()
        time.sleep(pause)

    time.sleep(1.0)                  # the TLS handshake
    put(b"GET /keyupdate HTTP/1.1\r\nHost: wss.test\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n")
    put(frame(1, b"before the key update"))
    put(b"k\n")
    put(frame(1, b"after one key update"))
    put(b"K\n")
    put(frame(1, b"after both sides updated"))
    put(frame(8, struct.pack("!H", 1000) + b"done"), 1.0)


def main():
    if sys.argv[1] == "sclient-input":
        sclient_input()
        return
    role, scenario, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if role == "server":
        asyncio.run(server(scenario, port, *sys.argv[4:7]))
    else:
        asyncio.run(client(scenario, port, sys.argv[4]))


if __name__ == "__main__":
    main()
