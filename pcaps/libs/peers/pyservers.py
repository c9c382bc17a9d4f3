#!/usr/bin/python3
"""WebSocket echo servers on Debian 12's Python libraries, each as its
documentation shows it, with the library's own settings for the scenario:

usage: pyservers.py FAMILY PORT READY_FILE [KEY=VALUE...]

FAMILY: aiohttp (3.8, web.run_app), tornado (6.2), starlette (0.26 on uvicorn
0.17 with --ws wsproto, wsproto 1.2), uvicorn-websockets (Starlette on
uvicorn's default WebSocket implementation, websockets 10.4), websockets
(10.4 alone: the proxies' backend and the restart captures' server).
KEY: ping (keepalive interval, s), pingtimeout (s), maxsize (bytes),
     idle (aiohttp receive_timeout, s), graceful (websockets: SIGTERM closes
     the server, 1001 to every client), lifetime (s, default 60: the server
     exits by itself after that).
Every handler echoes text and binary messages; the text "boom" makes the
handler raise RuntimeError (an application bug).  SIGTERM is left to each
library's (or Python's) default handling: that is the "server shutdown".
"""
import os
import signal
import sys
import threading


def touch(path):
    with open(path, "w"):
        pass


def opts(argv):
    o = {}
    for a in argv:
        k, _, v = a.partition("=")
        o[k] = float(v) if "." in v else int(v)
    return o


def exit_after(seconds):
    t = threading.Timer(seconds, lambda: os._exit(3))
    t.daemon = True
    t.start()


def run_aiohttp(port, ready, o):
    from aiohttp import web

    async def handler(request):
        ws = web.WebSocketResponse(heartbeat=o.get("ping"),
                                   max_msg_size=o.get("maxsize", 4 * 1024 * 1024),
                                   receive_timeout=o.get("idle"))
        await ws.prepare(request)
        async for msg in ws:
            if msg.type == web.WSMsgType.TEXT:
                if msg.data == "boom":
                    raise RuntimeError("boom")
                await ws.send_str(msg.data)
            elif msg.type == web.WSMsgType.BINARY:
                await ws.send_bytes(msg.data)
        return ws

    async def on_startup(app):
        touch(ready)

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    app.on_startup.append(on_startup)
    web.run_app(app, host="127.0.0.1", port=port, print=None,
                shutdown_timeout=o.get("shutdown", 2))


def run_tornado(port, ready, o):
    import asyncio
    import tornado.web
    import tornado.websocket

    class Echo(tornado.websocket.WebSocketHandler):
        def on_message(self, message):
            if message == "boom":
                raise RuntimeError("boom")
            self.write_message(message, binary=isinstance(message, bytes))

    settings = {}
    if "ping" in o:
        settings["websocket_ping_interval"] = o["ping"]
    if "pingtimeout" in o:
        settings["websocket_ping_timeout"] = o["pingtimeout"]
    if "maxsize" in o:
        settings["websocket_max_message_size"] = o["maxsize"]

    async def main():
        app = tornado.web.Application([(r"/.*", Echo)], **settings)
        app.listen(port, address="127.0.0.1")
        touch(ready)
        await asyncio.Event().wait()

    asyncio.run(main())


def run_starlette(port, ready, o, ws_impl):
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute

    async def endpoint(websocket):
        await websocket.accept()
        while True:
            msg = await websocket.receive()
            if msg["type"] == "websocket.disconnect":
                return
            if msg.get("text") is not None:
                if msg["text"] == "boom":
                    raise RuntimeError("boom")
                await websocket.send_text(msg["text"])
            elif msg.get("bytes") is not None:
                await websocket.send_bytes(msg["bytes"])

    async def startup():
        touch(ready)

    app = Starlette(routes=[WebSocketRoute("/{p:path}", endpoint)], on_startup=[startup])
    kw = dict(host="127.0.0.1", port=port, ws=ws_impl, log_level="info", lifespan="on")
    if "maxsize" in o:
        kw["ws_max_size"] = o["maxsize"]
    if "ping" in o:
        kw["ws_ping_interval"] = o["ping"]
    if "pingtimeout" in o:
        kw["ws_ping_timeout"] = o["pingtimeout"]
    uvicorn.run(app, **kw)


def run_websockets(port, ready, o):
    """websockets 10.4 echo server (a proxy's backend); with graceful=1 SIGTERM
    closes the server as the websockets documentation shows (1001 to all)."""
    import asyncio
    import websockets

    async def handler(ws):
        async for msg in ws:
            await ws.send(msg)

    async def main():
        stop = asyncio.get_running_loop().create_future()
        if o.get("graceful"):
            asyncio.get_running_loop().add_signal_handler(
                signal.SIGTERM, lambda: stop.done() or stop.set_result(None))
        async with websockets.serve(handler, "127.0.0.1", port, compression=None,
                                    ping_interval=None):
            touch(ready)
            await stop

    asyncio.run(main())


def main(argv):
    family, port, ready = argv[1], int(argv[2]), argv[3]
    o = opts(argv[4:])
    exit_after(o.get("lifetime", 60))
    if family == "aiohttp":
        run_aiohttp(port, ready, o)
    elif family == "tornado":
        run_tornado(port, ready, o)
    elif family == "starlette":
        run_starlette(port, ready, o, "wsproto")
    elif family == "uvicorn-websockets":
        run_starlette(port, ready, o, "websockets")
    elif family == "websockets":
        run_websockets(port, ready, o)
    else:
        sys.exit("unknown family " + family)


if __name__ == "__main__":
    main(sys.argv)
