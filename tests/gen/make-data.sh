#!/bin/sh
# Regenerate tests/data/ from source captures with gen-edge.py.
#
# usage: tests/gen/make-data.sh [PCAPS_DIR [ZEEK_DIR]]
#   PCAPS_DIR  captures recorded by pcaps/record.sh (default: pcaps/ of this tree)
#   ZEEK_DIR   fallback corpus with expected.jsonl (default: ../shared/corpus/zeek)
# For each variant the table below names a source in PCAPS_DIR and a fallback in
# ZEEK_DIR; the PCAPS_DIR one is used when it exists (facts from tshark on it),
# else the zeek one (facts from the corpus's expected.jsonl, itself tshark's decoding).
# Writes tests/data/<name>.* and tests/data/TESTLIST, then checks every capture
# with tshark and tcpdump (tests/data/VERIFY shows what tshark says).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
pcaps=${1:-$top/pcaps}
zeek=${2:-$top/../shared/corpus/zeek}
out=$top/tests/data
gen="/usr/bin/python3 $here/gen-edge.py"

# variant             pcaps source             zeek source                     second source (port-reuse: pcaps|zeek)
table='
reordered             py-normal-1000.pcap      two-binary-fragments.pcap
reordered-fine        ws-normal-1000.pcap      reply-ping-separate.pcap
duplicated            py-4000.pcap             pr5646-websocket_compressed.pcap
overlap               py-normal-1000.pcap      reply-ping-separate.pcap
overlap-diff-late     py-4000.pcap             reply-ping-separate.pcap
overlap-diff-early    ws-normal-1000.pcap      message-too-big-status.pcap
midstream             ws-normal-1000.pcap      reply-ping-separate.pcap
loss                  py-1009.pcap             http-websocket.pcap
seqwrap               py-1009.pcap             two-binary-fragments.pcap
port-reuse            py-normal-1000.pcap      reply-ping-separate.pcap        py-4000.pcap|message-too-big-status.pcap
frag-ipv4             py-4000.pcap             reply-ping-separate.pcap
frag-ipv6             ws-normal-1000.pcap      message-too-big-status.pcap
frag-dup              py-1011.pcap             two-binary-fragments.pcap
vlan                  ws-normal-1000.pcap      reply-ping-separate.pcap
qinq                  py-normal-1000.pcap      two-binary-fragments.pcap
ipv6                  py-deflate.pcap          pr5646-websocket_compressed.pcap
ipv6-ext              ws-normal-1000.pcap      message-too-big-status.pcap
sll                   py-server-1001.pcap      pr5646-websocket_baseline.pcap
sll2                  ws-empty-close-1005.pcap http-websocket.pcap
null                  py-3003.pcap             reply-ping-separate.pcap
null-be               py-normal-1000.pcap      two-binary-fragments.pcap
null-v6-24            py-4000.pcap             message-too-big-status.pcap
null-v6-28            py-4000.pcap             message-too-big-status.pcap
null-v6-30            py-4000.pcap             message-too-big-status.pcap
raw                   py-1011.pcap             reply-ping-coalesced.pcap
raw-v6                py-1011.pcap             reply-ping-coalesced.pcap
raw-ipv4              ws-normal-1000.pcap      reply-ping-separate.pcap
raw-ipv6              ws-normal-1000.pcap      reply-ping-separate.pcap
split                 py-1012-restart.pcap     http-websocket.pcap
pcapng                py-no-close-rst.pcap     wstunnel-http.pcap
gz                    py-no-close-fin.pcap     message-too-big-status.pcap
snaplen               py-1009.pcap             pr5646-websocket_baseline.pcap
truncated             py-normal-1000.pcap      reply-ping-separate.pcap
nanosecond            ws-normal-1000.pcap      two-binary-fragments.pcap
bigendian             py-1011.pcap             reply-ping-coalesced.pcap
'

mkdir -p "$out"
rm -f "$out"/*.pcap "$out"/*.pcapng "$out"/*.gz "$out"/*.expected.jsonl "$out"/TESTLIST "$out"/VERIFY \
  "$out"/TUNNELS "$out"/TUNNELS-VERIFY
tl=$out/TESTLIST
{
  echo "# name	files (read together)	expected	source	facts beyond expected (key=value)"
  echo "# written by tests/gen/make-data.sh; see README"
} > "$tl"

# pick NAME_IN_PCAPS NAME_IN_ZEEK -> "path facts-option"
pick() {
  if [ -f "$pcaps/$1" ]; then
    echo "$pcaps/$1"
  elif [ -f "$zeek/$2" ]; then
    echo "$zeek/$2"
  else
    echo "make-data: neither $pcaps/$1 nor $zeek/$2 exists" >&2
    exit 1
  fi
}
facts_for() {
  case "$1" in
    "$zeek"/*) echo "--facts $zeek/expected.jsonl" ;;
    *) echo "" ;;
  esac
}

echo "$table" | while read -r variant psrc zsrc second; do
  [ -n "$variant" ] || continue
  src=$(pick "$psrc" "$zsrc")
  facts=$(facts_for "$src")
  extra=""
  if [ -n "${second:-}" ]; then
    s2=$(pick "${second%%|*}" "${second##*|}")
    # both sources must take facts the same way
    if [ "$(facts_for "$s2")" != "$facts" ]; then
      src=$zeek/$zsrc; s2=$zeek/${second##*|}; facts="--facts $zeek/expected.jsonl"
    fi
    extra="--second $s2"
  fi
  # shellcheck disable=SC2086
  $gen gen "$variant" "$src" "$out" $facts $extra >> "$tl"
done

$gen verify "$tl" "$out" | tee "$out/VERIFY"

# tunnels and link types (gen-tunnels.py; tests/tunnels.sh reads TUNNELS)
tsrc=$(pick ws-normal-1000.pcap reply-ping-separate.pcap)
/usr/bin/python3 "$here/gen-tunnels.py" "$tsrc" "$out" > "$out/TUNNELS"
/usr/bin/python3 "$here/gen-tunnels.py" verify "$out/TUNNELS" "$out" "$(dirname "$tsrc")" |
  tee "$out/TUNNELS-VERIFY"

# pcapng as other tools write it: mergecap of two link types with different snap
# lengths, one interface of a link type wsclosed does not decode, and a Decryption
# Secrets Block injected by editcap (tests/tunnels.sh, tests/pcapng.test)
msrc=$(pick py-normal-1000.pcap reply-ping-separate.pcap)
/usr/bin/python3 -c '
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
d[16:20] = struct.pack("<I", 60000)   # the snap length in the file header
open(sys.argv[2], "wb").write(d)
' "$out/sll.pcap" "$out/sll-snap60000.tmp.pcap"
mergecap -w "$out/merged-eth-sll.pcapng" "$msrc" "$out/sll-snap60000.tmp.pcap"
editcap -T user0 "$out/sll.pcap" "$out/user0.tmp.pcap"
mergecap -w "$out/merged-unsupported.pcapng" "$msrc" "$out/user0.tmp.pcap"
rm -f "$out"/*.tmp.pcap
/usr/bin/python3 -c '
import hashlib
for i in range(3):
    h = lambda s: hashlib.sha256(("%s%d" % (s, i)).encode()).hexdigest()
    print("CLIENT_RANDOM %s %s" % (h("r"), (h("m") + h("n"))[:96]))
print("# a comment line, kept as it is")
' > "$out/secrets.keylog"
editcap --inject-secrets tls,"$out/secrets.keylog" "$msrc" "$out/secrets.pcapng"
