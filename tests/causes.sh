#!/bin/sh
# Causes: every capture in pcaps/ yields the cause a reader of the capture
# would name (cause_id and key evidence in the expected files).  Then no
# high-confidence cause contradicts its capture, over pcaps/, pcaps/libs/
# and the shared corpora when present (WSCLOSED_CORPORA, default
# ../shared/corpus): a keepalive timeout without pings or with the pong
# after the last ping, an idle timeout with traffic in the last second, a
# restart or close storm without 5 server ends within a second at that
# server, a code's cause without that code on the wire (1000, 1007, 1009,
# 1011), a reset without an RST, a rejected upgrade with a 101.
. "${top_srcdir:-.}/tests/lib.sh"
set -- "$top_srcdir"/pcaps/*.expected.jsonl
[ -f "$1" ] || { echo "1..0 # SKIP no expected files in pcaps/"; exit 0; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/causes.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
"$PYTHON" "$top_srcdir/tests/check-facts.py" "$WSCLOSED" --causes "$@" >"$tmp/facts.tap" 2>&1
grep -E '^(ok|not ok) ' "$tmp/facts.tap" | sed -E 's/^(ok|not ok) [0-9]+ /\1 /' >"$tmp/lines"
grep -E '^#' "$tmp/facts.tap" >"$tmp/diag"

corpora=${WSCLOSED_CORPORA:-$top_srcdir/../shared/corpus}
for dir in "$top_srcdir/pcaps" "$top_srcdir/pcaps/libs" "$corpora"/*; do
	[ -d "$dir" ] || continue
	find "$dir" -maxdepth 2 \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.pcap.gz' \) | sort |
		while IFS= read -r cap; do
			printf '%s\t' "$cap"
			"$WSCLOSED" -r "$cap" --format json 2>/dev/null | tr -d '\t' | tr '\n' '\t'
			echo
		done
done >"$tmp/records.tsv"

"$PYTHON" - "$tmp/records.tsv" >>"$tmp/lines" <<'PY'
import json, sys

def end_of(r):
    """The first FIN or RST of the side that ended TCP, else end_ts."""
    side = r.get("tcp_end_by")
    st = (r.get("stats") or {}).get(side) if side in ("client", "server") else None
    if st:
        ts = [t for t in (st.get("fin_ts"), st.get("rst_ts")) if t]
        if ts:
            return min(ts)
    return r.get("end_ts")

def close_end(r):
    cf = r.get("close_frames") or {}
    ts = [f.get("ts") for f in cf.values() if isinstance(f, dict) and f.get("ts")]
    return min(ts) if ts else end_of(r)

def contradictions(r, same_file):
    c = r.get("cause") or {}
    if c.get("confidence") != "high":
        return []
    cid, detail, summary = c.get("id"), c.get("detail") or "", c.get("summary") or ""
    st = r.get("stats") or {}
    cl, sv = st.get("client") or {}, st.get("server") or {}
    code = r.get("close_code")
    out = []
    app = r.get("app") or {}
    if cid == "keepalive_timeout" and (detail.startswith("app_") or detail == "mqtt_keepalive"):
        # an application-level keepalive (src/subproto.c): its own pings or intervals
        aside = [app.get(k) or {} for k in ("client", "server")]
        if not r.get("subprotocol_app"):
            out.append("app-level keepalive_timeout without an application protocol")
        elif detail == "app_ping_unanswered" and not any(a.get("pings") for a in aside):
            out.append("app_ping_unanswered without app-level pings")
        elif detail in ("app_peer_silent", "mqtt_keepalive") and not any(
                app.get(k) for k in ("ping_interval_ms", "ping_timeout_ms", "client_heartbeat_ms",
                                     "server_heartbeat_ms")):
            out.append("%s without a negotiated keepalive interval" % detail)
    elif cid == "keepalive_timeout":
        pingers = [(s, o) for s, o in ((cl, sv), (sv, cl)) if s.get("pings")]
        if not pingers:
            out.append("keepalive_timeout without pings")
        elif all(o.get("last_pong_ts") and s.get("last_ping_ts")
                 and o["last_pong_ts"] >= s["last_ping_ts"] for s, o in pingers):
            out.append("keepalive_timeout with a pong after every side's last ping")
    if cid == "idle_timeout" and detail == "endpoint_idle_timeout":
        # the closing endpoint's own reason names the idle timeout
        if "idle" not in (r.get("close_reason") or "").lower():
            out.append("endpoint_idle_timeout without a close reason naming it")
    elif cid == "idle_timeout" and not detail.startswith("lifetime") and detail != "envoy_route_timeout":
        last = max([t for t in (cl.get("last_frame_ts"), sv.get("last_frame_ts")) if t] or [0])
        end = end_of(r)
        if last and end and end - last < 1.0:
            out.append("idle_timeout with a frame %.3f s before the end" % (end - last))
    if "restarted or was redeployed" in summary or detail == "close_storm":
        end = close_end(r)
        n = sum(1 for o in same_file
                if o.get("server_ip") == r.get("server_ip") and o.get("server_port") == r.get("server_port")
                and (o.get("close_initiator") == "server"
                     or (o.get("close_initiator") is None and o.get("tcp_end_by") == "server"))
                and close_end(o) and end and abs(close_end(o) - end) <= 1.0)
        if n < 5:
            out.append("restart or close storm with %d server ends within 1 s" % n)
    if cid == "idle_timeout":
        end = end_of(r)
        burst = sum(1 for o in same_file
                    if o.get("server_ip") == r.get("server_ip") and o.get("server_port") == r.get("server_port")
                    and o.get("tcp_end_by") == "server" and o.get("close_code") == 1006
                    and end_of(o) and end and abs(end_of(o) - end) <= 0.2)
        if burst >= 5:
            out.append("idle_timeout on one burst of %d server ends within 0.2 s" % burst)
    if cid == "no_status":
        closer = r.get("close_initiator")
        if closer in ("client", "server"):
            other = "server" if closer == "client" else "client"
            if (st.get(closer) or {}).get("pings") and not (st.get(other) or {}).get("pongs"):
                out.append("no_status after the closer's pings all went unanswered")
    want = {"normal_closure": 1000, "invalid_payload": 1007, "message_too_big": 1009}
    if cid in want and code != want[cid] and not (cid == "invalid_payload" and any(
            v.get("kind") == "text_not_utf8" for v in r.get("violations") or [])):
        out.append("%s with close code %s" % (cid, code))
    if cid == "server_internal_error" and code != 1011:
        out.append("server_internal_error at high confidence without 1011")
    if cid == "peer_reset" and r.get("tcp_end") != "rst":
        out.append("peer_reset without an RST")
    if cid == "handshake_rejected" and r.get("handshake_status") == 101:
        out.append("handshake_rejected with a 101")
    return out

# the checks themselves: records that contradict must be flagged
def rec(**kw):
    r = {"server_ip": "10.0.0.1", "server_port": 80, "client_ip": "10.0.0.2", "client_port": 1,
         "close_code": 1006, "tcp_end": "fin", "tcp_end_by": "server", "close_initiator": None,
         "handshake_status": 101, "close_frames": {"client": None, "server": None},
         "stats": {"client": {"last_frame_ts": 9.5}, "server": {"fin_ts": 10.0}}}
    r.update(kw)
    return r
selftest = [
    rec(cause={"id": "keepalive_timeout", "confidence": "high"}),
    rec(cause={"id": "idle_timeout", "detail": "fixed_3s", "confidence": "high"}),
    rec(cause={"id": "connection_dropped", "detail": "close_storm", "confidence": "high"}),
    rec(cause={"id": "peer_reset", "confidence": "high"}),
    rec(close_code=1000, cause={"id": "server_internal_error", "confidence": "high"}),
]
flagged = sum(1 for r in selftest if contradictions(r, [r]))
print("%s - the contradiction checks flag %d of %d made-up contradictions"
      % ("ok" if flagged == len(selftest) else "not ok", flagged, len(selftest)))

n = 0
for line in open(sys.argv[1]):
    cap, _, rest = line.rstrip("\n").partition("\t")
    recs = []
    for part in rest.split("\t"):
        if part.strip():
            try:
                recs.append(json.loads(part))
            except ValueError:
                pass
    bad = []
    for r in recs:
        for why in contradictions(r, recs):
            bad.append("%s:%s %s" % (r.get("client_ip"), r.get("client_port"), why))
    n += len(recs)
    name = "/".join(cap.split("/")[-2:])
    if bad:
        print("not ok - %s: %d high-confidence causes contradict the capture" % (name, len(bad)))
        for b in bad[:5]:
            print("#   " + b)
    else:
        print("ok - %s: no high-confidence cause contradicts the capture (%d records)" % (name, len(recs)))
PY

i=0
while IFS= read -r line; do
	case $line in
	"ok - "*) i=$((i + 1)); echo "ok $i ${line#ok - }" ;;
	"not ok - "*) i=$((i + 1)); echo "not ok $i ${line#not ok - }" ;;
	"ok "*) i=$((i + 1)); echo "ok $i ${line#ok }" ;;
	"not ok "*) i=$((i + 1)); echo "not ok $i ${line#not ok }" ;;
	*) echo "$line" ;;
	esac
done <"$tmp/lines"
cat "$tmp/diag"
echo "1..$i"
