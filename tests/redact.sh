#!/bin/bash
# Secrets stay out of every output by default: query-string values of the
# path are REDACTED in JSON, CSV, text -v and the report; --no-redact keeps
# them.  (Subprotocol lists are not redacted by default yet: the shared
# corpora take them as wire facts.)  The capture is a whole WebSocket
# exchange written by the negative-capture generator's TCP helpers.
. "${top_srcdir:-.}/tests/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
JWT="eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlLXNlY3JldA"
"$PYTHON" - "$top_srcdir/tests/gen/gen-negative.py" "$tmp/secret.pcap" "$JWT" <<'PY'
import base64, hashlib, importlib.util, os, struct, sys
spec = importlib.util.spec_from_file_location("gen", sys.argv[1])
gen = importlib.util.module_from_spec(spec); spec.loader.exec_module(gen)
jwt = sys.argv[3].encode()
key = b"dGhlIHNhbXBsZSBub25jZQ=="
acc = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
req = (b"GET /ws?token=s3cr3tvalue&room=42 HTTP/1.1\r\nHost: app.example.com\r\n"
       b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
       b"\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat, " + jwt + b"\r\n\r\n")
resp = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + acc + b"\r\nSec-WebSocket-Protocol: chat\r\n\r\n")
def masked(op, payload):
    m = b"\x01\x02\x03\x04"
    return bytes([0x80 | op, 0x80 | len(payload)]) + m + bytes(b ^ m[i % 4] for i, b in enumerate(payload))
close = struct.pack("!H", 1000) + b"bye"
msgs = [(0, req), (1, resp), (0, masked(1, b"hello")), (1, bytes([0x81, 5]) + b"world"),
        (1, bytes([0x88, len(close)]) + close), (0, masked(8, close))]
gen.write(sys.argv[2], [(t, f) for t, f, _, _ in gen.conversation(msgs, 42000, 8080)])
PY
check "capture written" test -s "$tmp/secret.pcap"
"$WSCLOSED" -r "$tmp/secret.pcap" -F json >"$tmp/j" 2>&1
check "the exchange is one WebSocket record closed with 1000" \
  test "$(jq -r '[.close_code, .handshake_status] | join(" ")' "$tmp/j" 2>/dev/null)" = "1000 101"
check "JSON: the path's query values redacted" \
  test "$(jq -r '.path' "$tmp/j")" = "/ws?token=REDACTED&room=REDACTED"
for mode in "-F json" "-F csv" "-v" ""; do
  # shellcheck disable=SC2086
  "$WSCLOSED" -r "$tmp/secret.pcap" $mode >"$tmp/out" 2>&1
  check "${mode:-text}: no secret in the output" \
    test -z "$(grep -e s3cr3tvalue -e 'room=42' "$tmp/out")"
done
"$WSCLOSED" report -F json --html "$tmp/rep.html" "$tmp/secret.pcap" >"$tmp/rep" 2>&1
check "report (JSON and HTML): the path shown, no secret" \
  test -n "$(grep -F 'token=REDACTED' "$tmp/rep" "$tmp/rep.html")" \
    -a -z "$(grep -e s3cr3tvalue "$tmp/rep" "$tmp/rep.html")"
"$WSCLOSED" -r "$tmp/secret.pcap" -F json --no-redact >"$tmp/raw" 2>&1
check "--no-redact keeps the values" \
  test "$(jq -r '[.path, .offered_subprotocols] | join("|")' "$tmp/raw")" = \
       "/ws?token=s3cr3tvalue&room=42|chat, $JWT"
tap_end
exit 0
