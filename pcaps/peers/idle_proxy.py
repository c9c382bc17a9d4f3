#!/usr/bin/python3
"""A plain TCP proxy that cuts idle connections, used by pcaps/record.sh to play
"a middlebox with a fixed idle timeout" (like a firewall or a load balancer
nobody remembers configuring).

usage: idle_proxy.py LISTEN_PORT BACKEND_PORT IDLE_SECONDS COUNT READY_FILE

Listens on 127.0.0.1:LISTEN_PORT; for each connection it opens one to
127.0.0.1:BACKEND_PORT and copies bytes both ways without looking at them.
When no byte has passed in either direction for IDLE_SECONDS it closes both
sockets (a FIN to each side, no WebSocket close frame: it does not speak
WebSocket).  It creates READY_FILE once listening and exits after COUNT
connections have ended (or after PEER_LIFETIME seconds at most).
"""
import asyncio
import os
import sys

LIFETIME = float(os.environ.get("PEER_LIFETIME", "30"))


async def pump(reader, writer, activity):
    while True:
        data = await reader.read(65536)
        if not data:
            return
        activity()
        writer.write(data)
        await writer.drain()


async def serve_pair(creader, cwriter, backend, idle, ended):
    loop = asyncio.get_running_loop()
    last = [loop.time()]

    def activity():
        last[0] = loop.time()

    bwriter = None
    try:
        breader, bwriter = await asyncio.open_connection("127.0.0.1", backend)
        tasks = [asyncio.create_task(pump(creader, bwriter, activity)),
                 asyncio.create_task(pump(breader, cwriter, activity))]
        while True:
            left = last[0] + idle - loop.time()
            if left <= 0:
                break                       # idle for IDLE_SECONDS: cut
            done, _ = await asyncio.wait(tasks, timeout=left,
                                         return_when=asyncio.FIRST_COMPLETED)
            if done:
                break                       # one side ended by itself
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    except OSError as exc:
        print("idle_proxy: %s" % exc, file=sys.stderr)
    finally:
        # The client's side first, then the backend's, at the same moment.
        cwriter.close()
        if bwriter is not None:
            bwriter.close()
        waits = [cwriter.wait_closed()] + ([bwriter.wait_closed()] if bwriter else [])
        await asyncio.gather(*waits, return_exceptions=True)
        ended()


async def main(port, backend, idle, count, ready):
    loop = asyncio.get_running_loop()
    all_done = loop.create_future()
    n = [0]

    def ended():
        n[0] += 1
        if n[0] >= count and not all_done.done():
            all_done.set_result(None)

    server = await asyncio.start_server(
        lambda r, w: serve_pair(r, w, backend, idle, ended), "127.0.0.1", port)
    with open(ready, "w"):
        pass
    try:
        await asyncio.wait_for(all_done, LIFETIME)
    except asyncio.TimeoutError:
        print("idle_proxy: lifetime over", file=sys.stderr)
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]),
                     int(sys.argv[4]), sys.argv[5]))
