#!/usr/bin/python3
"""Record tests/data/client-id.pcap: WebSocket clients that say who they are
behind proxies, from real peers on loopback (Debian's python3-websockets).

usage (as root): tests/gen/client-id.py OUT.pcap

tcpdump records one port on lo while a websockets server echoes and three
python websockets clients connect one after another, each sending one
message and closing 1000:
  1. X-Forwarded-For (two hops), Forwarded (RFC 7239), X-Real-IP and
     X-Request-ID;
  2. an X-Forwarded-For of 400 bytes (a long proxy chain), which wsclosed
     keeps cut to 256 bytes, and X-Forwarded-For sent twice (joined);
  3. none of them.
tests/client-id.sh checks wsclosed's keys against tshark's decoding of the
request lines.  Every wait is bounded.
"""
import asyncio
import socket
import subprocess
import sys
import time

import websockets

CHAIN = ", ".join("10.%d.%d.%d" % (i // 65536, (i // 256) % 256, i % 256) for i in range(1, 40))[:400]
CLIENTS = [
    [("X-Forwarded-For", "203.0.113.7, 198.51.100.2"),
     ("Forwarded", 'for=203.0.113.7;proto=https, for="[2001:db8::1]:4711"'),
     ("X-Real-IP", "203.0.113.7"),
     ("X-Request-ID", "f3b1c9a0-5d2e-4c1b-9a77-0c4e2b1d8e61")],
    [("X-Forwarded-For", CHAIN), ("X-Forwarded-For", "192.0.2.99")],
    [],
]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


async def echo(ws, path=None):
    async for m in ws:
        await ws.send(m)


async def play(port):
    async with websockets.serve(echo, "127.0.0.1", port, compression=None, ping_interval=None):
        for i, headers in enumerate(CLIENTS):
            async with websockets.connect("ws://127.0.0.1:%d/client-id/%d" % (port, i + 1),
                                          extra_headers=headers, compression=None,
                                          ping_interval=None) as ws:
                await ws.send("hello %d" % (i + 1))
                await asyncio.wait_for(ws.recv(), 5)
            await asyncio.sleep(0.1)


def main():
    out = sys.argv[1]
    port = free_port()
    dump = subprocess.Popen(["tcpdump", "-i", "lo", "-w", out, "-U", "-s", "0",
                             "tcp port %d" % port], stderr=subprocess.PIPE)
    time.sleep(1.0)   # tcpdump listening
    try:
        asyncio.run(asyncio.wait_for(play(port), 20))
        time.sleep(0.5)
    finally:
        dump.terminate()
        try:
            dump.wait(5)
        except subprocess.TimeoutExpired:
            dump.kill()


main()
