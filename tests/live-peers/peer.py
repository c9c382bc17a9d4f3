#!/usr/bin/python3
"""WebSocket peers for tests/live.sh, built on Debian's python3-websockets 10.4.

usage: peer.py server MODE PORT READY_FILE
       peer.py client MODE PORT [ARG...]

Servers listen on 127.0.0.1:PORT (waiting up to 10 s for the port to be
free) and create READY_FILE once listening.
Clients give every connection they make a request path of its own
(/MODE/PID-N) and print it, one per line, as soon as the connection is open,
so that the test can find the record of each connection by its path (client
ports can repeat across a test run).  Every wait is bounded: a peer ends by
itself after PEER_LIFETIME seconds (default 30) at most.

Server modes:
  echo      answer every message with itself, serve until killed
  error     read one message, then the handler raises: websockets closes 1011
  stall     send "hello", then stop reading (READY_FILE.paused appears); what
            the client sends stays unread, so a SIGKILL makes the kernel
            answer with RST
  restart   answer one message, stop listening, close 1012 "service
            restart" and exit (READY_FILE.done appears before the exit)

Client modes:
  normal            send, receive the echo, close 1000
  feed              send, then read until the server closes
  stalled MARKER    receive "hello", wait for MARKER.paused, send data the
                    server will not read, create MARKER.sent, wait for the end
  reconnect         send, read until the server closes (1012), then connect
                    again (retrying for up to 10 s) and close normally
  hold              send, receive the echo, then stay open until killed
  stream N GAP      N connections one after another (normal close each),
                    GAP seconds apart
  burst N PAR       N connections, PAR at a time (normal close each)
"""
import asyncio
import os
import sys
import time

import websockets

LIFETIME = float(os.environ.get("PEER_LIFETIME", "30"))
TIMEOUT = 10.0
OPTS = dict(compression=None, ping_interval=None)


def touch(path):
    with open(path, "w"):
        pass


def say_path(ws):
    print(ws.path, flush=True)


# ---- servers ---------------------------------------------------------------

async def server(mode, port, ready):
    stop = asyncio.get_running_loop().create_future()

    async def echo(ws):
        async for msg in ws:
            await ws.send(msg)

    async def error(ws):
        msg = await ws.recv()
        raise RuntimeError("handler bug while processing %r" % msg)

    async def stall(ws):
        await ws.send("hello")
        ws.transport.pause_reading()
        touch(ready + ".paused")
        await asyncio.sleep(LIFETIME)

    async def restart(ws):
        await ws.send(await ws.recv())
        # As a restarting server does: stop accepting first, so that the
        # client's reconnect reaches the next instance, then say why.
        srv.server.close()
        await ws.close(1012, "service restart")
        if not stop.done():
            stop.set_result(None)

    handlers = dict(echo=echo, error=error, stall=stall, restart=restart)
    if mode not in handlers:
        sys.exit("peer.py: unknown server mode %s" % mode)
    # While another server still listens on the port, keep trying: the
    # restart scenario starts the next instance before the first one stops.
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            srv = await websockets.serve(handlers[mode], "127.0.0.1", port, **OPTS)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.02)
    touch(ready)
    try:
        await asyncio.wait_for(stop, LIFETIME)
    except asyncio.TimeoutError:
        pass
    srv.close()
    await asyncio.wait_for(srv.wait_closed(), 5)
    touch(ready + ".done")


# ---- clients ---------------------------------------------------------------

serial = 0


async def connect(port, mode):
    global serial
    serial += 1
    url = "ws://127.0.0.1:%d/%s/%d-%d" % (port, mode, os.getpid(), serial)
    return await websockets.connect(url, open_timeout=TIMEOUT, close_timeout=TIMEOUT,
                                    **OPTS)


async def one_normal(port, path):
    ws = await connect(port, path)
    say_path(ws)
    await ws.send("hello")
    await asyncio.wait_for(ws.recv(), TIMEOUT)
    await ws.close()


async def read_until_closed(ws):
    try:
        while True:
            await asyncio.wait_for(ws.recv(), TIMEOUT)
    except websockets.ConnectionClosed:
        pass


async def client(mode, port, args):
    if mode == "normal":
        await one_normal(port, "normal")

    elif mode == "feed":
        ws = await connect(port, "feed")
        say_path(ws)
        await ws.send("hello")
        await read_until_closed(ws)

    elif mode == "stalled":
        marker = args[0]
        ws = await connect(port, "stalled")
        say_path(ws)
        await asyncio.wait_for(ws.recv(), TIMEOUT)
        deadline = time.monotonic() + TIMEOUT
        while not os.path.exists(marker + ".paused") and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await ws.send("data the server will never read " * 8)
        await asyncio.sleep(0.2)
        touch(marker + ".sent")
        await read_until_closed(ws)

    elif mode == "reconnect":
        ws = await connect(port, "live")
        say_path(ws)
        await ws.send("hello")
        await read_until_closed(ws)
        await ws.wait_closed()
        # Like a real client: try again until the restarted server answers
        # (refused while no one listens, 503 from the old one while it stops).
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                ws = await connect(port, "live")
                break
            except (OSError, websockets.InvalidStatusCode):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)
        say_path(ws)
        await ws.send("hello again")
        await asyncio.wait_for(ws.recv(), TIMEOUT)
        await ws.close()

    elif mode == "hold":
        ws = await connect(port, "hold")
        say_path(ws)
        await ws.send("hello")
        await asyncio.wait_for(ws.recv(), TIMEOUT)
        await asyncio.sleep(LIFETIME)

    elif mode == "stream":
        n, gap = int(args[0]), float(args[1])
        for _ in range(n):
            await one_normal(port, "stream")
            await asyncio.sleep(gap)

    elif mode == "burst":
        n, par = int(args[0]), int(args[1])
        sem = asyncio.Semaphore(par)

        async def one():
            async with sem:
                await one_normal(port, "burst")

        await asyncio.gather(*(one() for _ in range(n)))

    else:
        sys.exit("peer.py: unknown client mode %s" % mode)


def main():
    if len(sys.argv) < 4 or sys.argv[1] not in ("server", "client"):
        sys.exit(__doc__)
    role, mode, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if role == "server":
        if len(sys.argv) != 5:
            sys.exit(__doc__)
        coro = server(mode, port, sys.argv[4])
    else:
        coro = asyncio.wait_for(client(mode, port, sys.argv[4:]), LIFETIME)
    asyncio.run(coro)


if __name__ == "__main__":
    main()
