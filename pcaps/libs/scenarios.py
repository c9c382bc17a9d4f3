#!/usr/bin/python3
"""The library and proxy scenarios pcaps/libs/record.sh records, how each is
played, and what is known about each connection from the way it was made.

  scenarios.py --list                          names, one a line
  scenarios.py --run NAME PORT BACKEND TMPDIR  play NAME (record.sh captures it)
  scenarios.py --expected NAME PCAP PORT...    write NAME.expected.jsonl

PORT is the port clients connect to; BACKEND the proxied server's port (proxy
scenarios) or unused.  The only values taken from a capture are the clients'
ephemeral ports (from the SYNs, in order), which identify the records.

Keys are those of pcaps/*.expected.jsonl (see pcaps/README), plus "family" and
"situation" (what the scenario provokes) and, where a cause id does not exist
yet, "cause_proposed" (the id a rule should add) with "cause_id" naming the
nearest existing id or null.  cause_id is what a correct diagnosis must say
given how the scenario was made: tests/libs.sh compares it only when
LIBS_CHECK_CAUSES=1.
"""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import expected  # noqa: E402 (pcaps/expected.py)

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(HERE, "peers")
PY = "/usr/bin/python3"
RACE = expected.RACE


def conn(path, close_code, initiator, echoed, end_by, cause, reason=None, status=101,
         tcp_end="fin", port_index=0, host_index=0, proposed=None, evidence=None, detail=None,
         subprotocol=None):
    c = dict(path=path, handshake_status=status, offered_extensions=None,
             accepted_extensions=None, offered_subprotocols=subprotocol,
             accepted_subprotocol=subprotocol,
             close_code=close_code, close_reason=reason, close_initiator=initiator,
             close_echoed=echoed, tcp_end=tcp_end, tcp_end_by=end_by, cause_id=cause,
             _port=port_index, _host=host_index)
    if proposed:
        c["cause_proposed"] = proposed
    if evidence:
        c["evidence_include"] = list(evidence)
    if detail:
        c["cause.detail"] = detail
    return c


def sc(family, situation, desc, conns, server=None, client=("echo-idle", 20), action=None,
       proxy=None, backend=None, path=None, **extra):
    """server: (family, [key=value...]) of pyservers.py or ("mojo", [idle], env);
    client: (rawclient mode, seconds); action: (delay after the client starts, what);
    proxy: "haproxy"/"apache" with backend (pyservers family, opts) on BACKEND."""
    return dict(family=family, situation=situation, desc=desc, conns=conns, server=server,
                client=client, action=action, proxy=proxy, backend=backend,
                path=path or "/" + situation, **extra)


SCENARIOS = {}


def add(name, **kw):
    SCENARIOS[name] = sc(**kw)


# ---------------------------------------------------------------------------
# Filled in below: one block per family.
# ---------------------------------------------------------------------------

WS = ("websockets", [])


def S(name, family, situation, desc, conns, **kw):
    SCENARIOS[name] = sc(family, situation, desc, conns, **kw)


# ---- aiohttp 3.8 ---------------------------------------------------------------
S("aiohttp-keepalive", "aiohttp", "keepalive", "aiohttp heartbeat=1; the raw client never answers pings",
  [conn("/keepalive", 1006, None, False, "server", "keepalive_timeout")],
  server=("aiohttp", ["ping=1"]), client=("nopong", 10))
S("aiohttp-idle", "aiohttp", "idle", "aiohttp receive_timeout=3; the client is silent after one echo",
  [conn("/idle", 1006, None, False, "server", "idle_timeout")],
  server=("aiohttp", ["idle=3"]), client=("echo-idle", 10))
S("aiohttp-exception", "aiohttp", "exception", "aiohttp handler raises RuntimeError",
  [conn("/exception", 1006, None, False, "server", "server_internal_error")],
  server=("aiohttp", []), client=("boom", 8))
S("aiohttp-shutdown", "aiohttp", "shutdown", "aiohttp web.run_app gets SIGTERM (shutdown_timeout=2)",
  [conn("/shutdown", 1006, None, False, "server", "connection_dropped")],
  server=("aiohttp", ["shutdown=2"]), client=("chatty", 10), action=(1.0, "sigterm"))
S("aiohttp-too-big", "aiohttp", "too-big", "aiohttp max_msg_size=1024; 512 then 4000 bytes",
  [conn("/too-big", 1009, "server", True, "server", "message_too_big", tcp_end="rst")],
  server=("aiohttp", ["maxsize=1024"]), client=("big", 8))
S("aiohttp-bad-utf8", "aiohttp", "bad-utf8", "aiohttp gets a text frame with invalid UTF-8",
  [conn("/bad-utf8", 1007, "server", True, "server", "invalid_payload", tcp_end="rst")],
  server=("aiohttp", []), client=("badutf8", 8))
# ---- tornado 6.2 ---------------------------------------------------------------
S("tornado-keepalive", "tornado", "keepalive", "tornado websocket_ping_interval=1 websocket_ping_timeout=2.5; no pongs",
  [conn("/keepalive", 1005, "server", True, "server", "keepalive_timeout")],
  server=("tornado", ["ping=1", "pingtimeout=2.5"]), client=("nopong", 10))
S("tornado-exception", "tornado", "exception", "tornado on_message raises RuntimeError",
  [conn("/exception", 1006, None, False, "server", "server_internal_error")],
  server=("tornado", []), client=("boom", 8))
S("tornado-shutdown", "tornado", "shutdown", "tornado process gets SIGTERM (no handler: Python's default)",
  [conn("/shutdown", 1006, None, False, "server", "connection_dropped")],
  server=("tornado", []), client=("chatty", 10), action=(1.0, "sigterm"))
S("tornado-too-big", "tornado", "too-big", "tornado websocket_max_message_size=1024; 512 then 4000 bytes",
  [conn("/too-big", 1009, "server", True, "server", "message_too_big", reason="message too big", tcp_end="rst")],
  server=("tornado", ["maxsize=1024"]), client=("big", 8))
S("tornado-bad-utf8", "tornado", "bad-utf8", "tornado gets a text frame with invalid UTF-8",
  [conn("/bad-utf8", 1006, None, False, "server", "invalid_payload")],
  server=("tornado", []), client=("badutf8", 8))
# ---- Starlette on uvicorn with wsproto -------------------------------------------
S("starlette-exception", "starlette-wsproto", "exception", "Starlette endpoint raises RuntimeError (uvicorn --ws wsproto)",
  [conn("/exception", 1006, None, False, "server", "server_internal_error")],
  server=("starlette", []), client=("boom", 8))
S("starlette-shutdown", "starlette-wsproto", "shutdown", "uvicorn (--ws wsproto) gets SIGTERM",
  [conn("/shutdown", 1012, "server", True, "server", "service_restart", tcp_end="rst")],
  server=("starlette", []), client=("chatty", 10), action=(1.0, "sigterm"))
S("starlette-bad-utf8", "starlette-wsproto", "bad-utf8", "uvicorn --ws wsproto gets invalid UTF-8",
  [conn("/bad-utf8", 1006, None, False, "server", "invalid_payload")],
  server=("starlette", []), client=("badutf8", 8))
# ---- Starlette on uvicorn's default (websockets) implementation ------------------
S("uvicorn-keepalive", "uvicorn-websockets", "keepalive", "uvicorn ws_ping_interval=1 ws_ping_timeout=1; no pongs",
  [conn("/keepalive", 1011, "server", True, "server", "keepalive_timeout", reason="keepalive ping timeout")],
  server=("uvicorn-websockets", ["ping=1", "pingtimeout=1"]), client=("nopong", 10))
S("uvicorn-exception", "uvicorn-websockets", "exception", "Starlette endpoint raises RuntimeError (uvicorn, websockets)",
  [conn("/exception", 1006, None, False, "server", "server_internal_error")],
  server=("uvicorn-websockets", []), client=("boom", 8))
S("uvicorn-shutdown", "uvicorn-websockets", "shutdown", "uvicorn (websockets) gets SIGTERM",
  [conn("/shutdown", 1006, None, False, "server", "connection_dropped")],
  server=("uvicorn-websockets", []), client=("chatty", 10), action=(1.0, "sigterm"))
# ---- Mojolicious 9.31 ------------------------------------------------------------
S("mojo-idle", "mojolicious", "idle", "Mojolicious inactivity_timeout 3; silent client",
  [conn("/idle", 1006, None, False, "server", "idle_timeout")],
  server=("mojo", ["3"]), client=("echo-idle", 10))
S("mojo-exception", "mojolicious", "exception", "Mojolicious message handler dies",
  [conn("/exception", 1006, None, False, "client", "connection_dropped")],
  server=("mojo", []), client=("boom", 4))
S("mojo-shutdown", "mojolicious", "shutdown", "Mojolicious daemon gets SIGTERM",
  [conn("/shutdown", 1006, None, False, "server", "connection_dropped")],
  server=("mojo", []), client=("chatty", 10), action=(1.0, "sigterm"))
S("mojo-too-big", "mojolicious", "too-big", "MOJO_MAX_WEBSOCKET_SIZE=1024; 512 then 4000 bytes",
  [conn("/too-big", 1009, "server", True, "server", "message_too_big", tcp_end=RACE)],
  server=("mojo", [], {"MOJO_MAX_WEBSOCKET_SIZE": "1024"}), client=("big", 8))
S("mojo-bad-utf8", "mojolicious", "bad-utf8", "Mojolicious gets invalid UTF-8",
  [conn("/bad-utf8", 1006, None, False, "client", "connection_dropped")],
  server=("mojo", []), client=("badutf8", 4))
# ---- gorilla/websocket 1.5 (Go 1.19) -----------------------------------------------
S("gorilla-keepalive", "gorilla", "keepalive", "gorilla chat-example keepalive: ping every 0.9 s, read deadline 1 s renewed by pongs; no pongs",
  [conn("/keepalive", 1006, None, False, "server", "keepalive_timeout")],
  server=("gorilla", ["ping=0.9", "pongwait=1"]), client=("nopong", 10))
S("gorilla-idle", "gorilla", "idle", "gorilla read deadline 3 s (no pings); silent client",
  [conn("/idle", 1006, None, False, "server", "idle_timeout")],
  server=("gorilla", ["idle=3"]), client=("echo-idle", 10))
S("gorilla-exception", "gorilla", "exception", "gorilla handler panics (net/http recovers the panic)",
  [conn("/exception", 1006, None, False, "server", "server_internal_error")],
  server=("gorilla", []), client=("boom", 4))
S("gorilla-shutdown", "gorilla", "shutdown", "gorilla server process gets SIGTERM (Go's default: exit)",
  [conn("/shutdown", 1006, None, False, "server", "connection_dropped")],
  server=("gorilla", []), client=("chatty", 10), action=(1.0, "sigterm"))
S("gorilla-too-big", "gorilla", "too-big", "gorilla SetReadLimit(1024); 512 then 4000 bytes",
  [conn("/too-big", 1009, "server", True, "server", "message_too_big", tcp_end="rst")],
  server=("gorilla", ["maxsize=1024"]), client=("big", 8))
S("gorilla-bad-utf8", "gorilla", "bad-utf8", "gorilla gets invalid UTF-8",
  [conn("/bad-utf8", 1006, None, False, "client", "connection_dropped")],
  server=("gorilla", []), client=("badutf8", 4))
# ---- HAProxy 2.6 in front of websockets ------------------------------------------
S("haproxy-idle", "haproxy", "idle", "HAProxy timeout tunnel 3s; silent client and backend",
  [conn("/idle", 1006, None, False, "server", "idle_timeout"),
   conn("/idle", 1006, None, False, "client", "idle_timeout", tcp_end="rst", port_index=1)],
  proxy="haproxy", backend=WS, client=("echo-idle", 12))
S("haproxy-idle-front", "haproxy", "idle", "as haproxy-idle, captured on the client side only (tcp port of the frontend)",
  [conn("/idle", 1006, None, False, "server", "idle_timeout")],
  proxy="haproxy", backend=WS, client=("echo-idle", 12), path="/idle", capture="front")
S("haproxy-backend-down", "haproxy", "backend-down", "HAProxy with nothing listening on the backend port",
  [conn("/backend-down", 1006, None, False, "client", "handshake_rejected", status=503, proposed="backend_unavailable")],
  proxy="haproxy", backend=None, client=("echo-idle", 8))
S("haproxy-backend-killed", "haproxy", "backend-killed", "HAProxy; the backend is killed (SIGKILL) 1 s after the echo",
  [conn("/backend-killed", 1006, None, False, "server", "connection_dropped", proposed="backend_dropped"),
   conn("/backend-killed", 1006, None, False, "server", "connection_dropped", port_index=1)],
  proxy="haproxy", backend=WS, client=("chatty", 10), action=(1.0, "sigkill"))
# ---- Apache httpd 2.4 mod_proxy_wstunnel -----------------------------------------
S("apache-idle", "apache", "idle", "Apache Timeout 3 and ProxyTimeout 3; silent client and backend",
  [conn("/idle", 1006, None, False, "server", "idle_timeout"),
   conn("/idle", 1006, None, False, "client", "idle_timeout", port_index=1, host_index=1)],
  proxy="apache", backend=WS, client=("echo-idle", 12))
S("apache-backend-down", "apache", "backend-down", "Apache with nothing listening on the backend port",
  [conn("/backend-down", 1006, None, False, "server", "handshake_rejected", status=503, proposed="backend_unavailable")],
  proxy="apache", backend=None, client=("echo-idle", 8))
S("apache-backend-killed", "apache", "backend-killed", "Apache; the backend is killed (SIGKILL) 1 s after the echo",
  [conn("/backend-killed", 1006, None, False, "server", "connection_dropped", proposed="backend_dropped"),
   conn("/backend-killed", 1006, None, False, "server", "connection_dropped", port_index=1, host_index=1)],
  proxy="apache", backend=WS, client=("chatty", 10), action=(1.0, "sigkill"))
# ---- subprotocols (npm) ------------------------------------------------------------
SIO = "/socket.io/?EIO=4&transport=websocket"
S("socketio-ping-timeout", "socket.io", "keepalive", "Socket.IO 4 server (pingInterval 1000, pingTimeout 1000); the client never answers the \"2\" pings",
  [conn(SIO, 1005, "server", True, "server", "keepalive_timeout", evidence=["ping"])],
  server=("node", ["socketio"]), client=("sio-nopong", 8), path=SIO)
S("socketio-pong", "socket.io", "normal", "Socket.IO 4 server; the client answers pings for 2.5 s, then disconnects (41) and closes 1000",
  [conn(SIO, 1000, "client", True, "server", "normal_closure")],
  server=("node", ["socketio"]), client=("sio-pong", 8), path=SIO)
S("socketio-kicked", "socket.io", "server-disconnect", "Socket.IO 4 server; the client emits \"kick\" and the server calls socket.disconnect(true): \"41\", then an empty close frame",
  [conn(SIO, 1005, "server", True, "server", "no_status", evidence=["41 disconnect"])],
  server=("node", ["socketio"]), client=("sio-kicked", 8), path=SIO)
S("graphql-ws-4408", "graphql-ws", "init-timeout", "graphql-ws 5 (connectionInitWaitTimeout 1000); the client never sends connection_init",
  [conn("/graphql", 4408, "server", True, "server", "subprotocol_code", reason="Connection initialisation timeout", subprotocol="graphql-transport-ws")],
  server=("node", ["graphql"]), client=("gql-noinit", 8), path="/graphql")
S("graphql-ws-4429", "graphql-ws", "init-twice", "graphql-ws 5; connection_init, ping/pong, connection_init again",
  [conn("/graphql", 4429, "server", True, "server", "subprotocol_code", reason="Too many initialisation requests", subprotocol="graphql-transport-ws")],
  server=("node", ["graphql"]), client=("gql-twice", 8), path="/graphql")
S("graphql-ws-4400", "graphql-ws", "bad-message", "graphql-ws 5; connection_init, then {\"type\":\"bogus\"}",
  [conn("/graphql", 4400, "server", True, "server", "subprotocol_code", reason="Invalid message received", subprotocol="graphql-transport-ws")],
  server=("node", ["graphql"]), client=("gql-bad", 8), path="/graphql")
S("graphql-ws-4401", "graphql-ws", "subscribe-early", "graphql-ws 5; subscribe before connection_init/connection_ack",
  [conn("/graphql", 4401, "server", True, "server", "subprotocol_code", reason="Unauthorized", subprotocol="graphql-transport-ws")],
  server=("node", ["graphql"]), client=("gql-early", 8), path="/graphql")
S("mqtt-keepalive", "aedes", "keepalive", "aedes MQTT broker over ws; CONNECT keepalive 2 s, one PINGREQ, then silence",
  [conn("/mqtt", 1006, None, False, "server", "keepalive_timeout", subprotocol="mqtt")],
  server=("node", ["mqtt"]), client=("mqtt", 10), path="/mqtt")
# ---- STOMP over WebSocket: stomp-broker-js 1.3 (npm) ----------------------------
S("stomp-heartbeat", "stomp-broker-js", "keepalive", "stomp-broker-js heartbeat [0,1000]; CONNECT heart-beat:1000,0, one SEND, then no heart-beats",
  [conn("/stomp", 1005, "server", True, "server", "keepalive_timeout", subprotocol="v12.stomp", detail="app_peer_silent", evidence=["heart-beat"])],
  server=("node", ["stomp"]), client=("stomp-nobeat", 10), path="/stomp")
S("stomp-disconnect", "stomp-broker-js", "normal", "STOMP DISCONNECT receipt:77, RECEIPT, then the client closes 1000",
  [conn("/stomp", 1000, "client", True, "server", "normal_closure", subprotocol="v12.stomp", evidence=["DISCONNECT"])],
  server=("node", ["stomp"]), client=("stomp-disconnect", 8), path="/stomp")
S("stomp-error", "stomp-broker-js", "error", "CONNECT login:bad refused by a connect middleware: the broker sends ERROR and keeps the connection open; the client ends TCP after 3 s",
  [conn("/stomp", 1006, None, False, "client", "connection_dropped", subprotocol="v12.stomp", evidence=["ERROR"])],
  server=("node", ["stomp"]), client=("stomp-bad", 3), path="/stomp")
# ---- Jetty 9.4 (Debian libjetty9-java, libjetty9-extra-java; OpenJDK 17) ------------
S("jetty-idle", "jetty", "idle", "Jetty WebSocketPolicy idle timeout 3 s; the client is silent after one echo (Jetty closes 1001 with the TimeoutException as reason, then FIN and RST)",
  [conn("/idle", 1001, "server", True, "server", "idle_timeout", reason=RACE, tcp_end=RACE)],
  server=("jetty", ["idle=3"]), client=("echo-idle", 10))
S("jetty-exception", "jetty", "exception", "Jetty @OnWebSocketMessage throws RuntimeException",
  [conn("/exception", 1011, "server", True, "server", "server_internal_error", reason="boom")],
  server=("jetty", []), client=("boom", 8))
S("jetty-too-big", "jetty", "too-big", "Jetty maxTextMessageSize 1024; 512 then 4000 bytes",
  [conn("/too-big", 1009, "server", True, "server", "message_too_big", reason="Text message size [4000] exceeds maximum size [1024]")],
  server=("jetty", ["maxsize=1024"]), client=("big", 8))
S("jetty-shutdown", "jetty", "shutdown", "Jetty server process gets SIGTERM (setStopAtShutdown: the shutdown hook stops the server; Jetty sends an empty close frame)",
  [conn("/shutdown", 1005, "server", True, "server", "no_status")],
  server=("jetty", []), client=("chatty", 10), action=(4.0, "sigterm"))
S("jetty-bad-utf8", "jetty", "bad-utf8", "Jetty gets a text frame with invalid UTF-8",
  [conn("/bad-utf8", 1007, "server", True, "server", "invalid_payload", reason="org.eclipse.jetty.util.Utf8Appendable$NotUtf8Exception: Not valid UTF8! byte 28 in state 2")],
  server=("jetty", []), client=("badutf8", 8))
# ---- faye-websocket 0.11 on thin 1.8 (Debian ruby-faye-websocket, thin) -----------
S("faye-exception", "faye-websocket", "exception", "faye-websocket message handler raises: the exception ends EventMachine's reactor and the whole thin process (bare FIN, no close frame)",
  [conn("/exception", 1006, None, False, "server", "server_internal_error")],
  server=("faye", []), client=("boom", 8))
S("faye-too-big", "faye-websocket", "too-big", "faye-websocket max_length 1024; 512 then 4000 bytes (1009, and TCP closed at once without waiting for the echo: RST)",
  [conn("/too-big", 1009, "server", True, "server", "message_too_big", reason="WebSocket frame length too large", tcp_end="rst")],
  server=("faye", ["maxsize=1024"]), client=("big", 8))
S("faye-shutdown", "faye-websocket", "shutdown", "thin (faye-websocket) gets SIGTERM: its graceful stop waits for open connections, so the server sends nothing and the client gives up after 10 s (FIN, no close frame)",
  [conn("/shutdown", 1006, None, False, "client", "connection_dropped")],
  server=("faye", []), client=("chatty", 10), action=(1.5, "sigterm"))
S("faye-bad-utf8", "faye-websocket", "bad-utf8", "faye-websocket gets a text frame with invalid UTF-8 (1007, TCP closed at once: RST on the echo)",
  [conn("/bad-utf8", 1007, "server", True, "server", "invalid_payload", reason="Could not decode a text frame as UTF-8", tcp_end="rst")],
  server=("faye", []), client=("badutf8", 8))
# ---- restarts: 20 long-lived reconnecting clients ---------------------------------
S("restart-sigterm", "websockets", "restart-sigterm", "websockets server with 20 clients gets SIGTERM (server.close(): 1001 to all), starts again 1 s later; clients reconnect",
  [*[conn("/live", 1001, "server", True, "server", "endpoint_going_away", detail="close_storm", evidence=["restarted or was redeployed"])] * 20,
   *[conn("/live", 1000, "client", True, "server", "normal_closure")] * 20],
  nclients=20, down_for=1.0, path="/live")
S("restart-sigkill", "websockets", "restart-sigkill", "websockets server with 20 clients is killed (SIGKILL), starts again 1 s later; clients reconnect",
  [*[conn("/live", 1006, None, False, "server", "connection_dropped", detail="close_storm", evidence=["restarted or was redeployed"])] * 20,
   *[conn("/live", 1000, "client", True, "server", "normal_closure")] * 20],
  nclients=20, down_for=1.0, path="/live")


# ---- playing a scenario ------------------------------------------------------

class Procs:
    def __init__(self, tmp):
        self.tmp = tmp
        self.procs = []

    def start(self, name, cmd, env=None):
        e = dict(os.environ)
        e.update(env or {})
        log = open(os.path.join(self.tmp, name + ".log"), "w")
        p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=e,
                             start_new_session=True)
        self.procs.append(p)
        return p

    def end_all(self):
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 3
        for p in self.procs:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def listening(port):
    out = subprocess.run(["ss", "-Htln", "sport = :%d" % port], capture_output=True,
                         text=True).stdout
    return bool(out.strip())


def wait_listen(port, secs=10):
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        if listening(port):
            return True
        time.sleep(0.05)
    raise SystemExit("nothing listens on %d after %d s" % (port, secs))


def start_server(P, spec, port, name="server"):
    kind, args = spec[0], list(spec[1]) if len(spec) > 1 else []
    env = spec[2] if len(spec) > 2 else None
    ready = os.path.join(P.tmp, name + ".ready")
    if kind == "gorilla":
        binary = os.path.join(P.tmp, "gorilla")
        if not os.path.exists(binary):
            env = dict(os.environ, GOPATH="/usr/share/gocode", GO111MODULE="off",
                       GOFLAGS="", GOCACHE=os.path.join(P.tmp, "gocache"))
            subprocess.run(["go", "build", "-o", binary,
                            os.path.join(PEERS, "gorilla", "main.go")], env=env, check=True,
                           timeout=300)
        p = P.start(name, [binary, str(port), ready] + args)
    elif kind == "jetty":
        classes = os.path.join(P.tmp, "jetty")
        jars = ["jetty9-%s.jar" % j for j in (
            "server", "http", "io", "util", "servlet", "security", "xml", "websocket-api",
            "websocket-common", "websocket-server", "websocket-servlet", "websocket-client")]
        cp = ":".join(os.path.join("/usr/share/java", j) for j in jars + ["servlet-api.jar"])
        if not os.path.isdir(classes):
            subprocess.run(["javac", "-d", classes, "-cp", cp,
                            os.path.join(PEERS, "jetty", "JettyPeer.java")], check=True,
                           timeout=300)
        p = P.start(name, ["java", "-cp", classes + ":" + cp, "JettyPeer", str(port), ready]
                    + args)
    elif kind == "faye":
        p = P.start(name, ["ruby", os.path.join(PEERS, "faye.rb"), str(port), ready] + args)
    elif kind == "node":
        p = P.start(name, ["node", os.path.join(PEERS, "subproto.js"), args[0], str(port), ready])
    elif kind == "mojo":
        p = P.start(name, ["perl", os.path.join(PEERS, "mojo.pl"), str(port), ready] + args,
                    env=env)
    else:
        p = P.start(name, [PY, os.path.join(PEERS, "pyservers.py"), kind, str(port), ready]
                    + args, env=env)
    wait_listen(port)
    return p


HAPROXY = """global
    log stderr format raw local0 info
defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout tunnel %(tunnel)s
frontend ws
    bind 127.0.0.1:%(port)d
    default_backend app
backend app
    server app1 127.0.0.1:%(backend)d
"""

APACHE = """ServerRoot %(tmp)s
DefaultRuntimeDir %(tmp)s
PidFile %(tmp)s/apache.pid
ErrorLog %(tmp)s/apache-error.log
LogLevel info
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule proxy_module /usr/lib/apache2/modules/mod_proxy.so
LoadModule proxy_http_module /usr/lib/apache2/modules/mod_proxy_http.so
LoadModule proxy_wstunnel_module /usr/lib/apache2/modules/mod_proxy_wstunnel.so
User daemon
Group daemon
Listen 127.0.0.1:%(port)d
ServerName localhost
Timeout %(timeout)s
ProxyTimeout %(timeout)s
ProxyPass / ws://127.0.0.1:%(backend)d/
"""


def start_proxy(P, kind, port, backend, s):
    opts = s.get("proxy_opts", {})
    if kind == "haproxy":
        cfg = os.path.join(P.tmp, "haproxy.cfg")
        with open(cfg, "w") as f:
            f.write(HAPROXY % dict(port=port, backend=backend, tunnel=opts.get("timeout", "3s")))
        p = P.start("proxy", ["haproxy", "-db", "-f", cfg])
    else:
        cfg = os.path.join(P.tmp, "apache.conf")
        with open(cfg, "w") as f:
            f.write(APACHE % dict(tmp=P.tmp, port=port, backend=backend,
                                  timeout=opts.get("timeout", "3")))
        p = P.start("proxy", ["apache2", "-X", "-f", cfg])
    wait_listen(port)
    return p


def run(name, port, backend, tmp):
    s = SCENARIOS[name]
    P = Procs(tmp)
    try:
        if s["situation"].startswith("restart"):
            return run_restart(P, s, port)
        server = None
        if s["proxy"]:
            if s["backend"]:
                server = start_server(P, s["backend"], backend)
            start_proxy(P, s["proxy"], port, backend, s)
        else:
            server = start_server(P, s["server"], port)
        mode, secs = s["client"]
        client = P.start("client", [PY, os.path.join(PEERS, "rawclient.py"), mode, str(port),
                                    s["path"], str(secs)])
        if s["action"]:
            delay, what = s["action"]
            time.sleep(delay)
            sig = {"sigterm": signal.SIGTERM, "sigkill": signal.SIGKILL}[what]
            server.send_signal(sig)
        try:
            client.wait(secs + 15)
        except subprocess.TimeoutExpired:
            raise SystemExit("client still running after %d s" % (secs + 15))
        if client.returncode != 0:
            raise SystemExit("client failed (exit %d)" % client.returncode)
        time.sleep(0.3)
    finally:
        P.end_all()
    return 0


def run_restart(P, s, port):
    """~20 long-lived websockets clients; the server is stopped (SIGTERM with a
    graceful close, or SIGKILL) and started again; the clients reconnect."""
    graceful = s["situation"] == "restart-sigterm"
    spec = ("websockets", ["graceful=1", "lifetime=40"] if graceful else ["lifetime=40"])
    server = start_server(P, spec, port)
    clients = P.start("clients", [PY, os.path.join(PEERS, "reconnecting_clients.py"),
                                  str(port), s["path"], str(s["nclients"]), "14",
                                  os.path.join(P.tmp, "clients.connected")])
    deadline = time.monotonic() + 15
    while not os.path.exists(os.path.join(P.tmp, "clients.connected")):
        if time.monotonic() > deadline:
            raise SystemExit("clients did not connect")
        time.sleep(0.05)
    time.sleep(2)   # long-lived: every connection is a few seconds old
    server.send_signal(signal.SIGTERM if graceful else signal.SIGKILL)
    server.wait(10)
    time.sleep(s["down_for"])
    start_server(P, spec, port, name="server2")
    clients.wait(30)
    if clients.returncode != 0:
        raise SystemExit("clients failed (exit %d)" % clients.returncode)
    time.sleep(0.3)
    P.end_all()
    return 0


# ---- expected facts ----------------------------------------------------------

def write_expected(name, pcap, ports):
    s = SCENARIOS[name]
    clients = expected.client_endpoints(pcap, decode_as_ports=True)
    return expected.write_jsonl(pcap, s["conns"], ports, clients,
                                extra=dict(family=s["family"], situation=s["situation"]))


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[:1] == ["--list"]:
        print("\n".join(SCENARIOS))
    elif a[:1] == ["--describe"]:
        print(SCENARIOS[a[1]]["desc"])
    elif a[:1] == ["--capture"]:
        print(SCENARIOS[a[1]].get("capture", "both"))
    elif a[:1] == ["--run"] and len(a) == 5:
        sys.exit(run(a[1], int(a[2]), int(a[3]), a[4]))
    elif a[:1] == ["--expected"] and len(a) >= 4:
        print(write_expected(a[1], a[2], [int(p) for p in a[3:]]))
    else:
        sys.exit(__doc__)
