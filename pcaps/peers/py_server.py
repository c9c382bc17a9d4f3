#!/usr/bin/python3
"""WebSocket server built on Debian's python3-websockets 10.4, one behaviour per
scenario, used by pcaps/record.sh to record test captures.

usage: py_server.py SCENARIO PORT READY_FILE

Listens on 127.0.0.1:PORT, creates READY_FILE once listening, and exits by itself
when its scenario is over (or after LIFETIME seconds at most).  Extra markers for
record.sh are written next to READY_FILE (READY_FILE + ".paused", ...).
"""
import asyncio
import http
import os
import sys

import websockets

LIFETIME = float(os.environ.get("PEER_LIFETIME", "20"))
STORM_CLIENTS = 6      # py-close-storm: connections open when the server shuts down
IDLE_CLIENTS = 3       # idle-backend: connections the idle proxy forwards


def touch(path):
    with open(path, "w"):
        pass


async def echo(ws):
    async for msg in ws:
        await ws.send(msg)


async def main(scenario, port, ready):
    done = asyncio.get_running_loop().create_future()
    opts = dict(compression=None, ping_interval=None)

    def finish():
        if not done.done():
            done.set_result(None)

    # Whether the end of any one connection ends the scenario (not so where
    # several connections must stay open until the scenario's end).
    finish_on_each = True

    if scenario in ("py-normal-1000", "py-4000"):
        opts["subprotocols"] = ["chat.v1"]

        async def handler(ws):
            await echo(ws)
            finish()

    elif scenario == "py-deflate":
        opts["compression"] = "deflate"

        async def handler(ws):
            await echo(ws)
            finish()

    elif scenario in ("py-server-1001",):
        # The handler answers one message, then the whole server shuts down,
        # which makes websockets send 1001 (going away) to open connections.
        async def handler(ws):
            await ws.send(await ws.recv())
            finish()
            await ws.wait_closed()

    elif scenario == "py-close-storm":
        # Each handler answers one message; once STORM_CLIENTS connections have
        # had their echo the server shuts down, sending 1001 on all of them at
        # the same moment.
        finish_on_each = False
        echoed = 0

        async def handler(ws):
            nonlocal echoed
            await ws.send(await ws.recv())
            echoed += 1
            if echoed == STORM_CLIENTS:
                finish()
            await ws.wait_closed()

    elif scenario == "idle-backend":
        # Behind pcaps/peers/idle_proxy.py: echo, and end once all IDLE_CLIENTS
        # connections were cut by the proxy (not at the first one, or the
        # shutdown would send 1001 on the others).
        finish_on_each = False
        ended = 0

        async def handler(ws):
            nonlocal ended
            try:
                await echo(ws)
            finally:
                ended += 1
                if ended == IDLE_CLIENTS:
                    finish()

    elif scenario.startswith("chromium-"):
        # Headless Chromium's page opens one WebSocket; the scenario ends when
        # that connection does (however the browser ends it).
        async def handler(ws):
            try:
                await echo(ws)
            finally:
                finish()

    elif scenario in ("raw-unmasked-1002", "raw-utf8-1007", "raw-close-no-wait"):
        async def handler(ws):
            try:
                await echo(ws)
            finally:
                finish()

    elif scenario == "py-1008":
        async def handler(ws):
            async for msg in ws:
                if "forbidden" in msg:
                    await ws.close(1008, "topic not allowed")
                else:
                    await ws.send(msg)
            finish()

    elif scenario in ("py-1009", "py-deflate-1009"):
        opts["max_size"] = 1024
        if scenario == "py-deflate-1009":
            opts["compression"] = "deflate"

        async def handler(ws):
            try:
                await echo(ws)
            finally:
                finish()

    elif scenario == "py-1011":
        async def handler(ws):
            try:
                msg = await ws.recv()
                raise RuntimeError("handler bug while processing %r" % msg)
            finally:
                finish()

    elif scenario == "py-3003":
        async def handler(ws):
            msg = await ws.recv()
            await ws.close(3003, "forbidden: token lacks scope")
            finish()

    elif scenario in ("py-no-close-fin",):
        async def handler(ws):
            try:
                await echo(ws)
            finally:
                finish()

    elif scenario == "py-no-close-rst":
        async def handler(ws):
            await ws.send("hello")
            # Stop reading: what the client sends next stays unread in the
            # kernel, so the SIGKILL that record.sh sends makes the kernel
            # answer with RST instead of FIN.
            ws.transport.pause_reading()
            touch(ready + ".paused")
            await asyncio.sleep(LIFETIME)

    elif scenario in ("py-handshake-403", "py-handshake-426"):
        async def process_request(path, headers):
            finish()
            if scenario == "py-handshake-403":
                return (http.HTTPStatus.FORBIDDEN, [], b"Forbidden: no session\n")
            return (http.HTTPStatus.UPGRADE_REQUIRED,
                    [("Sec-WebSocket-Version", "13")], b"Upgrade Required\n")
        opts["process_request"] = process_request

        async def handler(ws):
            await ws.close()

    elif scenario == "raw-keepalive-timeout":
        opts.update(ping_interval=1, ping_timeout=1, close_timeout=1)

        async def handler(ws):
            try:
                await echo(ws)
            finally:
                finish()

    elif scenario == "nginx-backend":
        async def handler(ws):
            try:
                await echo(ws)
            finally:
                finish()

    elif scenario == "py-1012-restart":
        return await restart(port, ready)

    else:
        sys.exit("py_server: unknown scenario %s" % scenario)

    async def handler_then_finish(ws):
        # ConnectionClosedError (any code but 1000/1001) ends echo() with an
        # exception; the scenario is over either way.
        try:
            await handler(ws)
        finally:
            if finish_on_each:
                finish()

    server = await websockets.serve(handler_then_finish, "127.0.0.1", port, **opts)
    touch(ready)
    try:
        await asyncio.wait_for(done, LIFETIME)
    except asyncio.TimeoutError:
        pass
    if scenario not in ("py-server-1001", "py-close-storm"):
        # Let the last connection finish its closing handshake first.
        await asyncio.sleep(0.5)
    server.close()
    await asyncio.wait_for(server.wait_closed(), 5)


async def restart(port, ready):
    """First instance closes its connection with 1012 and stops listening;
    a second instance starts on the same port half a second later."""
    loop = asyncio.get_running_loop()
    first_done = loop.create_future()
    second_done = loop.create_future()

    async def first(ws):
        await ws.send(await ws.recv())
        await ws.close(1012, "service restart")
        first_done.set_result(None)

    async def second(ws):
        try:
            await echo(ws)
        finally:
            if not second_done.done():
                second_done.set_result(None)

    opts = dict(compression=None, ping_interval=None)
    server = await websockets.serve(first, "127.0.0.1", port, **opts)
    touch(ready)
    await asyncio.wait_for(first_done, LIFETIME)
    server.close()
    await asyncio.wait_for(server.wait_closed(), 5)
    await asyncio.sleep(0.5)
    server = await websockets.serve(second, "127.0.0.1", port, **opts)
    touch(ready + ".restarted")
    try:
        await asyncio.wait_for(second_done, LIFETIME)
    except asyncio.TimeoutError:
        pass
    await asyncio.sleep(0.5)
    server.close()
    await asyncio.wait_for(server.wait_closed(), 5)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
