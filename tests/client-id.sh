#!/bin/bash
# Client identity behind proxies: the upgrade request's X-Forwarded-For,
# Forwarded, X-Real-IP and X-Request-ID go into the JSON record as
# x_forwarded_for, forwarded, x_real_ip and request_id, only when sent,
# repeated headers joined with ", ", each cut to 256 bytes.  The capture
# (tests/data/client-id.pcap) is recorded from real peers by
# tests/gen/client-id.py; the expected values are tshark's decoding of each
# request's header lines.
. "${top_srcdir:-.}/tests/lib.sh"
cap="$top_srcdir/tests/data/client-id.pcap"
command -v tshark >/dev/null 2>&1 || { echo "1..0 # SKIP no tshark"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$WSCLOSED" -r "$cap" -F json >"$tmp/records" 2>"$tmp/err"
check "wsclosed reads the capture" test $? -eq 0
tshark -r "$cap" -Y 'http.request' -T json -e tcp.srcport -e http.request.line \
  >"$tmp/tshark" 2>/dev/null
check "tshark reads the capture" test $? -eq 0

"$PYTHON" - "$tmp/records" "$tmp/tshark" >"$tmp/out" <<'PY'
import json, sys
recs = {r["client_port"]: r for r in map(json.loads, open(sys.argv[1]))}
keys = {"x-forwarded-for": "x_forwarded_for", "forwarded": "forwarded",
        "x-real-ip": "x_real_ip", "x-request-id": "request_id"}
n = 0
for pkt in json.load(open(sys.argv[2])):
    f = pkt["_source"]["layers"]
    port = int(f["tcp.srcport"][0])
    want = {}
    for line in f.get("http.request.line", []):
        name, _, value = line.rstrip("\r\n").partition(":")
        k = keys.get(name.strip().lower())
        if k:
            v = value.strip()
            want[k] = want[k] + ", " + v if k in want else v
    want = {k: v[:256] for k, v in want.items()}
    r = recs.get(port)
    if r is None:
        print("not ok - no record for client port %d" % port)
        continue
    got = {k: r[k] for k in keys.values() if k in r}
    n += 1
    print(("ok" if got == want else "not ok") +
          " - port %d: %s (tshark: %s)" % (port, sorted(got), sorted(want)))
    if got != want:
        print("# got  %r\n# want %r" % (got, want))
print("requests %d" % n)
PY
while IFS= read -r line; do
  case $line in
    "ok - "*) ok "${line#ok - }" ;;
    "not ok - "*) not_ok "${line#not ok - }" ;;
    "# "*) echo "$line" ;;
  esac
done <"$tmp/out"
check "three upgrade requests compared" grep -qx "requests 3" "$tmp/out"
check "the first request's four identity keys" \
  test "$(jq -c 'select(.path == "/client-id/1") | [.x_forwarded_for, .forwarded, .x_real_ip, .request_id] | map(length > 0) | all' "$tmp/records")" = true
check "the long chain is cut to 256 bytes" \
  test "$(jq -r 'select(.path == "/client-id/2") | .x_forwarded_for | length' "$tmp/records")" = 256
check "no identity key on the request that sent none" \
  test "$(jq -c 'select(.path == "/client-id/3") | [has("x_forwarded_for"), has("forwarded"), has("x_real_ip"), has("request_id")] | any' "$tmp/records")" = false
tap_end
exit 0
