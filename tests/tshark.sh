#!/bin/sh
# Check every capture in pcaps/ against tshark's own decoding (TAP output).
#
# For each capture, tshark (via pcaps/tshark_facts.py) gives per TCP stream the
# first close frame's code and reason, who sent it and whether it was answered,
# the HTTP status, the Sec-WebSocket-Extensions / -Protocol headers, the path and
# Host, and how TCP ended; `$WSCLOSED -r FILE --format json` must report the same
# for the same connection (matched by addresses and ports).  One test per capture;
# differences are printed as TAP diagnostics.
#
# Environment: WSCLOSED (the program), top_srcdir (the source tree).

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
WSCLOSED=${WSCLOSED:-$top_srcdir/src/wsclosed}

if ! command -v tshark >/dev/null 2>&1; then
	echo "1..0 # SKIP tshark not installed"
	exit 0
fi
PYTHON=${PYTHON:-/usr/bin/python3}
[ -x "$PYTHON" ] || PYTHON=$(command -v python3 2>/dev/null)
if [ -z "$PYTHON" ]; then
	echo "1..0 # SKIP python3 not installed"
	exit 0
fi

exec "$PYTHON" - "$top_srcdir" "$WSCLOSED" <<'EOF'
import glob
import ipaddress
import json
import os
import subprocess
import sys

top, wsclosed = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(top, "pcaps"))
import tshark_facts  # noqa: E402

FIELDS = ["host", "path", "handshake_status", "offered_extensions", "accepted_extensions",
          "offered_subprotocols", "accepted_subprotocol", "close_code", "close_reason",
          "close_initiator", "close_echoed", "tcp_end", "tcp_end_by"]

files = sorted(f for pat in ("*.pcap", "*.pcapng", "*.pcap.gz", "*.pcapng.gz")
               for f in glob.glob(os.path.join(top, "pcaps", pat)))
print("1..%d" % len(files))
if not files:
    sys.exit(0)
if not os.access(wsclosed, os.X_OK):
    print("Bail out! WSCLOSED=%s is not an executable program" % wsclosed)
    sys.exit(1)


def ip(s):
    try:
        return str(ipaddress.ip_address(s))
    except (ValueError, TypeError):
        return str(s)


def key(r):
    return (ip(r.get("client_ip")), r.get("client_port"), ip(r.get("server_ip")),
            r.get("server_port"))


def conn_name(k):
    return "%s:%s -> %s:%s" % k


def run_wsclosed(path):
    p = subprocess.run([wsclosed, "-r", path, "--format", "json"], capture_output=True,
                       text=True, errors="replace", timeout=120)
    recs, junk = [], []
    for line in p.stdout.splitlines():
        if not line.strip():
            continue
        try:
            recs.append(json.loads(line))
        except ValueError:
            junk.append(line)
    return p.returncode, recs, junk, p.stderr


failed = 0
for n, path in enumerate(files, 1):
    name = os.path.relpath(path, top)
    diags = []
    try:
        streams = tshark_facts.facts(path, all_streams=True)
    except Exception as exc:  # tshark itself failed: report, do not guess
        print("not ok %d - %s" % (n, name))
        print("# tshark: %s" % exc)
        failed += 1
        continue
    try:
        rc, recs, junk, err = run_wsclosed(path)
    except subprocess.TimeoutExpired:
        rc, recs, junk, err = -1, [], [], "timed out after 120 s"
    if rc != 0:
        diags.append("wsclosed exited with %d: %s" % (rc, err.strip()[-500:]))
    for line in junk[:3]:
        diags.append("not JSON: %s" % line[:200])

    # Pair records with tshark's streams by 4-tuple, in order (ports can be reused).
    by_key = {}
    for r in recs:
        by_key.setdefault(key(r), []).append(r)
    tcp_keys = {key(s) for s in streams}
    compared = 0
    for s in streams:
        k = key(s)
        if not s["websocket"]:
            continue
        mine = by_key.get(k)
        if not mine:
            diags.append("%s: tshark sees a WebSocket connection, wsclosed has no record"
                         % conn_name(k))
            continue
        r = mine.pop(0)
        compared += 1
        for f in FIELDS:
            if f not in r:
                diags.append("%s: key %s missing from wsclosed's record" % (conn_name(k), f))
            elif r[f] != s[f]:
                diags.append("%s: %s: tshark %s, wsclosed %s" % (
                    conn_name(k), f, json.dumps(s[f]), json.dumps(r[f])))
    notes = []
    for k, rest in by_key.items():
        for r in rest:
            if k in tcp_keys:
                # A TCP stream tshark did not decode as WebSocket (for instance
                # one that began before the capture): tshark cannot say more.
                notes.append("%s: wsclosed reports a connection tshark does not decode "
                             "as WebSocket (close_code %s); not compared"
                             % (conn_name(k), json.dumps(r.get("close_code"))))
            else:
                diags.append("%s: wsclosed reports a connection with no such TCP stream"
                             % conn_name(k))
    if diags:
        failed += 1
        print("not ok %d - %s" % (n, name))
        for d in diags:
            print("# " + d)
    else:
        print("ok %d - %s (%d connection%s agree)" % (n, name, compared,
                                                     "" if compared == 1 else "s"))
    for d in notes:
        print("# note: " + d)
sys.exit(0)  # the TAP lines carry the verdict
EOF
