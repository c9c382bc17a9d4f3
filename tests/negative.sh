#!/bin/sh
# Streams that are not WebSocket give no record; WebSocket attempts do, whatever
# the server answered.  Captures from tests/gen/gen-negative.py (real TCP
# exchanges of DNS over TCP, TLS, SSH, HTTP/1.1 keep-alive, SMTP, Redis,
# PostgreSQL, MQTT and random bytes, each with its TCP handshake and without
# it; attempts whose Upgrade/Connection a proxy dropped or rewrote; an h2c
# upgrade; pcaps/py-normal-1000.pcap with its request cut off, and cut by a
# 100-byte snaplen).
. "${top_srcdir:-.}/tests/lib.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
"$PYTHON" "$top_srcdir/tests/gen/gen-negative.py" "$tmp" "$top_srcdir/pcaps" >"$tmp/list" || {
  echo "Bail out! gen-negative.py failed"; exit 1; }

records() { "$WSCLOSED" -r "$1" --format json | grep -c '^{'; }
totals() { "$WSCLOSED" -r "$1" 2>/dev/null; }
has() { grep -qF -- "$2" "$1"; }

for name in $(grep '^neg-' "$tmp/list"); do
  f=$tmp/$name.pcap
  totals "$f" >"$tmp/out"
  check "$name: no record" test "$(records "$f")" -eq 0
  case $name in
    neg-tls*) check "$name: counted as encrypted" has "$tmp/out" "encrypted (TLS) connections, not analysed: 1" ;;
    *-nosyn) check "$name: counted as looked at and rejected" has "$tmp/out" "rejected as not WebSocket: 1" ;;
    *) check "$name: rejected as no upgrade from the start" has "$tmp/out" "no upgrade request from the start: 1," ;;
  esac
done

json() { "$WSCLOSED" -r "$tmp/$1.pcap" --format json; }
jq_ok() {  # jq_ok NAME CAPTURE FILTER: the filter is true for the only record
  local name=$1 cap=$2 filter=$3
  if command -v jq >/dev/null 2>&1; then
    check "$name" test "$(json "$cap" | jq -s "length == 1 and (.[0] | $filter)")" = true
  else
    ok "$name # SKIP no jq"
  fi
}

# Sec-WebSocket-Key with Upgrade dropped and Connection: close; the app said 400
jq_ok "dropped Upgrade: an attempt with its 400" attempt-dropped-upgrade \
  '.handshake_status == 400 and .cause.id == "handshake_rejected" and
   (.cause.summary | contains("no Upgrade header and Connection: close instead of Upgrade")) and
   (.cause.summary | contains("proxy"))'
jq_ok "Connection: keep-alive: an attempt with its 200" attempt-keepalive \
  '.handshake_status == 200 and .cause.id == "handshake_rejected" and
   (.cause.summary | contains("Connection: keep-alive instead of Upgrade")) and
   ([.cause.evidence[].text] | any(contains("proxy_set_header")))'
# an h2c upgrade is not WebSocket, and its HTTP/2 is not read as frames
check "h2c 101: no record" test "$(records "$tmp/h2c-upgrade.pcap")" -eq 0
totals "$tmp/h2c-upgrade.pcap" >"$tmp/out"
check "h2c 101: counted as another upgrade" has "$tmp/out" "other upgrades (not WebSocket, e.g. h2c): 1"

if [ -f "$tmp/only101.pcap" ]; then
  # tshark on py-normal-1000.pcap: close 1000 from the client, echoed; the
  # 101 chose subprotocol chat.v1, which the request (not captured) offered
  jq_ok "101 only: mid-stream, status 101, accept not checkable" only101 \
    '.midstream == true and .handshake_status == 101 and .accept_valid == null and
     .method == null and .handshake_problem == null and .close_code == 1000 and
     .close_initiator == "client" and .accepted_subprotocol == "chat.v1" and
     ([.cause.evidence[].text] | any(contains("capture began after the request"))) and
     ([.cause.evidence[].text] | all(contains("handshake facts unknown") or
                                      contains("did not offer") | not))'
  totals "$tmp/only101.pcap" >"$tmp/out"
  check "101 only: not a handshake failure" has "$tmp/out" "handshake failures: 0"
  # 100-byte snaplen: 66 bytes of Ethernet, IP and TCP headers leave 34 bytes
  # of the request ("GET /chat HTTP/1.1\r\nHost: 127.0.0.") and of the 101
  # ("HTTP/1.1 101 Switching Protocols\r\n")
  jq_ok "snaplen cut: the connection with what was captured and the cut named" snaplen \
    '.method == "GET" and .path == "/chat" and .handshake_status == 101 and
     .close_code == 1000 and .close_initiator == "client" and
     ([.cause.evidence[].text] | any(contains("cut by the snaplen (or lost) after 34 bytes of the request"))) and
     ([.cause.evidence[].text] | any(contains("after 34 bytes of the response")))'
  if command -v tshark >/dev/null 2>&1; then
    check "snaplen cut: tshark sees the request and the 101 cut to 34 bytes" test \
      "$(tshark -r "$tmp/snaplen.pcap" -Y 'tcp.len > 0 and frame.cap_len == 100' -T fields -e tcp.srcport 2>/dev/null | head -2 | tr '\n' ' ')" = "42722 18010 "
  fi
fi
if [ -f "$tmp/nofin.pcap" ]; then
  # the capture missed the server's FIN: its sequence number is not a lost byte
  jq_ok "missed FIN: no gap counted" nofin \
    '.stats.server.gaps == 0 and .stats.server.gap_bytes == 0 and .stats.client.gaps == 0 and
     .tcp_end == "fin" and .tcp_end_by == "client"'
  totals "$tmp/nofin.pcap" >"$tmp/out"
  check "missed FIN: no byte missed in the totals" has "$tmp/out" "gaps in TCP streams: 0 (0 bytes missed)"
fi
tap_end
[ "$tap_fail" -eq 0 ]
