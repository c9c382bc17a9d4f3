#!/usr/bin/python3
"""N long-lived websockets (10.4) clients that reconnect, as applications do.

usage: reconnecting_clients.py PORT PATH N SECONDS READY_FILE

Each client connects, sends "hello", reads the echo and stays connected
(no keepalive pings: ping_interval=None).  When the server ends the connection
(any way) the client waits 0.5 s plus 0.1 s times its number (staggered, as a
backoff with jitter would) and connects again; a refused connection is retried
the same way.  READY_FILE is created once all N are connected the first time.
After SECONDS every client still connected closes with 1000, one by one.
"""
import asyncio
import sys

import websockets


async def client(i, port, path, end, connected, first_done):
    while asyncio.get_running_loop().time() < end:
        try:
            ws = await websockets.connect("ws://127.0.0.1:%d%s" % (port, path),
                                          compression=None, ping_interval=None,
                                          close_timeout=2, open_timeout=3)
        except (OSError, asyncio.TimeoutError, websockets.InvalidHandshake):
            await asyncio.sleep(0.5 + 0.1 * i)
            continue
        await ws.send("hello %d" % i)
        await ws.recv()
        if not first_done.is_set():
            connected.add(i)
        try:
            left = end - asyncio.get_running_loop().time()
            await asyncio.wait_for(ws.wait_closed(), max(0.01, left))
        except asyncio.TimeoutError:
            # the scenario is over: close normally, one client after the other
            await asyncio.sleep(0.02 * i)
            await ws.close(1000)
            return
        await asyncio.sleep(0.5 + 0.1 * i)


async def main(port, path, n, seconds, ready):
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    connected = set()
    first_done = asyncio.Event()

    async def watch():
        while len(connected) < n and loop.time() < end:
            await asyncio.sleep(0.05)
        first_done.set()
        open(ready, "w").close()

    w = asyncio.ensure_future(watch())
    await asyncio.gather(*(client(i, port, path, end, connected, first_done)
                           for i in range(n)))
    await w


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4]),
                     sys.argv[5]))
