#!/bin/sh
# Application protocols over WebSocket (src/subproto.c, src/rules-subproto.c)
# on the library captures of pcaps/libs/: the protocol found, its keepalive
# settings, pings and ends, and the cause.  The expected values come from how
# each scenario was made (pcaps/libs/scenarios.py: Socket.IO pingInterval and
# pingTimeout 1000, a client that never answers "2" or answers two of them,
# graphql-ws connectionInitWaitTimeout 1000, aedes with CONNECT keepalive
# 2 s, the STOMP scenarios of record-more.sh) and from tshark's decoding of
# the messages (websocket.payload.text, mqtt.msgtype).  Captures of plain
# traffic must show no protocol at all.
. "${top_srcdir:-.}/tests/lib.sh"
libs=$top_srcdir/pcaps/libs

checks() {
"$PYTHON" - "$WSCLOSED" "$libs" "$top_srcdir/pcaps" <<'PY'
import glob, json, os, subprocess, sys
wsclosed, libs, pcaps = sys.argv[1:4]

def records(path):
    out = subprocess.run([wsclosed, "-F", "json", "-r", path], capture_output=True,
                         text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines() if l.strip()]

def get(rec, dotted):
    v = rec
    for k in dotted.split("."):
        if not isinstance(v, dict) or k not in v:
            return "<absent>"
        v = v[k]
    return v

WANT = {
    "socketio-ping-timeout": {
        "subprotocol_app": "socket.io", "app.detected_by": "path", "app.version": 4,
        "app.ping_interval_ms": 1000, "app.ping_timeout_ms": 1000,
        "app.server.pings": 1, "app.client.pongs": 0, "app.client.inits": 1,
        "app.end": None, "cause.id": "keepalive_timeout",
        "cause.detail": "app_ping_unanswered", "cause.confidence": "high"},
    "socketio-pong": {
        "subprotocol_app": "socket.io", "app.server.pings": 2, "app.client.pongs": 2,
        "app.client.pings": 0, "app.end.side": "client", "app.end.what": "41 disconnect",
        "cause.id": "normal_closure"},
    "graphql-ws-4408": {
        "subprotocol_app": "graphql-transport-ws", "app.detected_by": "subprotocol",
        "app.client.inits": 0, "app.handshake_done": False,
        "cause.id": "subprotocol_code", "cause.detail": "graphql-transport-ws-4408"},
    "graphql-ws-4429": {
        "subprotocol_app": "graphql-transport-ws", "app.client.inits": 2,
        "app.client.pings": 1, "app.server.pongs": 1, "app.handshake_done": True,
        "cause.id": "subprotocol_code", "cause.detail": "graphql-transport-ws-4429"},
    "mqtt-keepalive": {
        "subprotocol_app": "mqtt", "app.version": 4, "app.ping_interval_ms": 2000,
        "app.handshake_done": True, "app.client.pings": 1, "app.server.pongs": 1,
        "cause.id": "keepalive_timeout", "cause.detail": "app_peer_silent"},
}
# evidence a reader needs: the setting and the unanswered ping or the silence
EVIDENCE = {
    "socketio-ping-timeout": ["pingTimeout 1.0 s", "no answer from the client"],
    "graphql-ws-4408": ["the client sent no connection_init"],
    "graphql-ws-4429": ["connection_init 2 times"],
    "mqtt-keepalive": ["keepalive 2.0 s"],
}
# captures recorded by record-more.sh, when present: their expected app facts
# are in NAME.app.json beside them (written from the scenario)
for path in sorted(glob.glob(os.path.join(libs, "*.app.json"))):
    name = os.path.basename(path)[:-len(".app.json")]
    with open(path) as f:
        spec = json.load(f)
    WANT[name] = spec["want"]
    EVIDENCE[name] = spec.get("evidence", [])

n = 0
def tap(ok, name):
    global n
    n += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, name))

for name, want in sorted(WANT.items()):
    recs = records(os.path.join(libs, name + ".pcap"))
    tap(len(recs) == 1, "%s: one connection" % name)
    if not recs:
        continue
    r = recs[0]
    for k, v in sorted(want.items()):
        got = get(r, k)
        tap(got == v, "%s: %s = %r" % (name, k, v) + ("" if got == v else " (got %r)" % (got,)))
    texts = " | ".join(e["text"] for e in r["cause"]["evidence"])
    for needle in EVIDENCE.get(name, []):
        tap(needle in texts, "%s: evidence has %r" % (name, needle))
    if r["cause"]["id"] == "keepalive_timeout" and name.startswith("socketio"):
        tap("pingTimeout" in r["cause"]["fix"], "%s: fix names pingTimeout" % name)

# no protocol on plain traffic (every other capture)
plain = [p for p in sorted(glob.glob(os.path.join(pcaps, "*.pcap")) +
                           glob.glob(os.path.join(libs, "*.pcap")))
         if os.path.basename(p)[:-5] not in WANT]
found = [(os.path.basename(p), r.get("subprotocol_app")) for p in plain
         for r in records(p) if "subprotocol_app" in r]
tap(not found, "no subprotocol_app on %d captures of plain traffic%s"
    % (len(plain), "" if not found else " (got %r)" % found[:5]))
PY
[ $? = 0 ] || echo "not ok - the checks ran to the end"

# --explain: the subprotocol's meaning of its codes, and the cause id
for code in 4400 4401 4403 4408 4409 4429 4500; do
	out=$("$WSCLOSED" --explain "$code" 2>&1)
	case $out in
	*"In the subprotocol graphql-transport-ws: $code"*) echo "ok - --explain $code tells graphql-transport-ws's meaning" ;;
	*) echo "not ok - --explain $code tells graphql-transport-ws's meaning"; echo "$out" | sed 's/^/# /' ;;
	esac
done
out=$("$WSCLOSED" --explain 4000 2>&1)
case $out in
*"In the subprotocol"*) echo "not ok - --explain 4000 has no subprotocol section" ;;
*) echo "ok - --explain 4000 has no subprotocol section" ;;
esac
if "$WSCLOSED" --explain subprotocol_code >/dev/null 2>&1; then
	echo "ok - --explain subprotocol_code"
else
	echo "not ok - --explain subprotocol_code"
fi
}

# one TAP stream, numbered, with its plan
checks | awk '
/^ok( [0-9]+)? - / { n++; sub(/^ok( [0-9]+)? - /, ""); print "ok " n " - " $0; next }
/^not ok( [0-9]+)? - / { n++; sub(/^not ok( [0-9]+)? - /, ""); print "not ok " n " - " $0; next }
{ print }
END { print "1.." n }'
