#!/bin/bash
# Tunnels, link types and pcapng as other tools write it.  The captures in
# tests/data/ are made by tests/gen/gen-tunnels.py and make-data.sh from a
# real recording (TUNNELS lists them; TUNNELS-VERIFY is tshark's verdict on
# each when they were made).  For each: the facts tshark decodes in the source
# (check-facts.py), the same wire facts as wsclosed finds in the source itself,
# the packets counted as tunneled (or too deep), and, when tshark is there,
# as many WebSocket frames for tshark as in the source.
. "${top_srcdir:-.}/tests/lib.sh"
d="$top_srcdir/tests/data"
list="$d/TUNNELS"
[ -f "$list" ] || { echo "1..0 # SKIP no generated captures in tests/data/"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# facts from tshark on the source, as for tests/edge.sh
"$PYTHON" "$top_srcdir/tests/check-facts.py" "$WSCLOSED" --testlist "$list" >"$tmp/facts" 2>&1
while read -r line; do
  case "$line" in
    "ok "*) ok "facts: ${line#ok * - }" ;;
    "not ok "*) not_ok "facts: ${line#not ok * - }" ;;
    "# "*) echo "$line" ;;
  esac
done <"$tmp/facts"

# wire facts: the same as in the reference capture (everything but the ids)
wire='[.[] | {client_ip, client_port, server_ip, server_port, start_ts, end_ts, request_ts,
       response_ts, handshake_status, close_code, close_reason, close_initiator, close_echoed,
       close_frames, tcp_end, tcp_end_by, client_bytes, server_bytes, client_frames,
       server_frames, stats, violations, midstream, syn_seen, cause}]'
facts() { "$WSCLOSED" -r "$1" -F json 2>/dev/null | jq -s -c "$wire"; }
ref_of() {  # the reference capture of a TUNNELS line's source column
  if [ -f "$d/$1" ]; then echo "$d/$1"; else echo "$top_srcdir/pcaps/$1"; fi
}
have_tshark=false
command -v tshark >/dev/null 2>&1 && have_tshark=true
while IFS=$'\t' read -r name file _ src extra; do
  case "$name" in ''|'#'*) continue ;; esac
  ref=$(ref_of "$src")
  [ -f "$ref" ] || { ok "$name # SKIP reference $src missing"; continue; }
  packets=${extra#packets=}
  got=$(facts "$d/$file")
  want=$(facts "$ref")
  case "$name" in
    tun-vxlan-two) want=$(jq -c -n --argjson a "$want" '$a + $a') ;;
    tun-too-deep) want='[]' ;;
  esac
  check "$name: wire facts as in $src" test "$got" = "$want"
  "$WSCLOSED" -r "$d/$file" >"$tmp/text" 2>&1
  case "$name" in
    tun-too-deep)
      check "$name: every packet counted as too deep" \
        grep -q "tunnels too deep $packets," "$tmp/text" ;;
    tun-wlan|tun-radiotap|tun-ppp|tun-ppp-hdlc|tun-nflog)
      check "$name: no tunnel, nothing left undecoded" \
        sh -c "! grep -q -e 'inside tunnels' -e 'not decoded' '$tmp/text'" ;;
    *)
      check "$name: all $packets packets found inside tunnels" \
        grep -q "TCP segments inside tunnels: $packets\$" "$tmp/text" ;;
  esac
  if $have_tshark && [ "$name" != tun-vxlan-two ] && [ "$name" != tun-too-deep ]; then
    a=$(tshark -n -r "$d/$file" -Y websocket 2>/dev/null | wc -l)
    key=$(basename "$ref")
    [ -f "$tmp/ws.$key" ] || tshark -n -r "$ref" -Y websocket 2>/dev/null | wc -l >"$tmp/ws.$key"
    b=$(cat "$tmp/ws.$key")
    check "$name: tshark finds the $b WebSocket frames of $src (got $a)" test "$a" -eq "$b" -a "$b" -gt 0
  fi
done <"$list"
check "the tunnel captures were checked against tshark when made" \
  sh -c "test \$(grep -c ' ok' '$d/TUNNELS-VERIFY') -eq \$(grep -vc '^#' '$list')"

# pcapng from mergecap: Ethernet (snaplen 262144) + Linux cooked (snaplen 60000)
m="$d/merged-eth-sll.pcapng"
both=$(jq -s -c "$wire" <(cat <("$WSCLOSED" -r "$top_srcdir/pcaps/py-normal-1000.pcap" -F json) \
                               <("$WSCLOSED" -r "$d/sll.pcap" -F json)))
"$WSCLOSED" -r "$m" -F json >"$tmp/m.out" 2>"$tmp/m.err"
rc=$?
check "mergecap of two link types: both connections, exit 0, nothing on stderr" \
  test "$(jq -s -c "$wire" "$tmp/m.out")" = "$both" -a $rc -eq 0 -a ! -s "$tmp/m.err"
gzip -c "$m" >"$tmp/m.pcapng.gz"
"$WSCLOSED" -r "$tmp/m.pcapng.gz" -F json >"$tmp/gz.out" 2>/dev/null
nofile() { jq -c 'del(.source_file)' "$1"; }  # the file each names differs
check "the same pcapng gzip-compressed" test "$(nofile "$tmp/m.out")" = "$(nofile "$tmp/gz.out")"
"$WSCLOSED" -r - -F json <"$m" >"$tmp/stdin.out" 2>/dev/null
check "the same pcapng on standard input" test "$(nofile "$tmp/m.out")" = "$(nofile "$tmp/stdin.out")"
"$WSCLOSED" -r "$m" -F json 'tcp port 18040' >"$tmp/f.out" 2>/dev/null
check "a filter compiled for each interface's link type" \
  test "$(jq -s -c '[.[].server_port]' "$tmp/f.out")" = "[18040]"

# an interface of a link type we do not decode: one line, its packets counted,
# the other interface read
u="$d/merged-unsupported.pcapng"
"$WSCLOSED" -r "$u" >"$tmp/u.out" 2>"$tmp/u.err"
rc=$?
n_user=$(tshark -r "$d/sll.pcap" 2>/dev/null | wc -l)
[ "$n_user" -gt 0 ] || n_user=15
check "unsupported interface: exit 2, one line naming the file and link type 147" \
  test $rc -eq 2 -a "$(wc -l <"$tmp/u.err")" -eq 1 -a "$(grep -c "$u: unsupported link type 147" "$tmp/u.err")" -eq 1
check "unsupported interface: the other interface's connection is read" \
  grep -q "^  WebSocket connections: 1$" "$tmp/u.out"
check "unsupported interface: its $n_user packets counted" \
  grep -q "unsupported link type $n_user\$" "$tmp/u.out"

# a pcapng cut anywhere: never a crash; one line naming the file when the cut
# falls inside a block, and the connections before the cut
size=$(stat -c %s "$m")
bad=0; n=0
for cut in $(seq 0 160) $(seq 161 31 "$size"); do
  head -c "$cut" "$m" >"$tmp/cut.pcapng"
  "$WSCLOSED" -r "$tmp/cut.pcapng" -F json >"$tmp/c.out" 2>"$tmp/c.err"
  rc=$?
  n=$((n + 1))
  lines=$(wc -l <"$tmp/c.err")
  if [ $rc -eq 0 ] && [ "$lines" -eq 0 ]; then continue; fi
  if [ $rc -eq 2 ] && [ "$lines" -eq 1 ] && grep -q "cut.pcapng: \(empty\|truncated\|not a capture\|the capture file has no Interface\)" "$tmp/c.err"; then
    continue
  fi
  bad=$((bad + 1)); echo "# cut $cut: exit $rc: $(head -2 "$tmp/c.err")"
done
check "$n cuts of a merged pcapng: exit 0, or exit 2 and one line" test $bad -eq 0

# garbled blocks: lengths that do not add up
"$PYTHON" - "$m" "$tmp" <<'EOF'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
# the third block (the second interface description, or the first packet)
off = 0
offs = []
while off + 8 <= len(d):
    offs.append(off)
    off += struct.unpack_from("<I", d, off + 4)[0]
b = offs[4]
g = bytearray(d); struct.pack_into("<I", g, b + 4, 13)           # not a multiple of 4
open(sys.argv[2] + "/g1.pcapng", "wb").write(g)
g = bytearray(d); n = struct.unpack_from("<I", g, b + 4)[0]
struct.pack_into("<I", g, b + n - 4, n + 4)                      # trailing length differs
open(sys.argv[2] + "/g2.pcapng", "wb").write(g)
g = bytearray(d); struct.pack_into("<I", g, b + 4, 0x7ffffff0)   # absurd length
open(sys.argv[2] + "/g3.pcapng", "wb").write(g)
EOF
for g in g1 g2 g3; do
  "$WSCLOSED" -r "$tmp/$g.pcapng" -r "$top_srcdir/pcaps/ws-normal-1000.pcap" -F json >"$tmp/g.out" 2>"$tmp/g.err"
  rc=$?
  check "garbled block ($g): exit 2, one line naming the file, the other file read" \
    test $rc -eq 2 -a "$(wc -l <"$tmp/g.err")" -eq 1 -a "$(grep -c "$g.pcapng: garbled pcapng block" "$tmp/g.err")" -eq 1 \
         -a "$(grep -c '"server_port":18180' "$tmp/g.out")" -eq 1
done
tap_end
