#!/bin/bash
# The two ways a capture is read give the same result: classic pcap files are
# read in blocks by capture.c, everything else goes through libpcap's own
# reader (WSCLOSED_READER=libpcap forces that for every file).  For each
# capture the records, the stderr line and the exit status must be the same,
# including for damaged files: cut at many points, absurd capture lengths,
# the byte-swapped and nanosecond formats, a BPF filter, and several files
# merged; and for a capture of several MiB whose records cross the 1 MiB
# read blocks at many points, with records up to the largest capture length.
. "${top_srcdir:-.}/tests/lib.sh"
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run READER ARGS...: wsclosed with that reader; output in $tmp/READER.*
run() {
  local r=$1; shift
  WSCLOSED_READER=$r "$WSCLOSED" -F json "$@" >"$tmp/$r.out" 2>"$tmp/$r.err" </dev/null
  echo $? >"$tmp/$r.rc"
}

# same NAME ARGS...: both readers on ARGS (run side by side), ours compared
# with libpcap's
same() {
  local name=$1 r fail=0; shift
  run direct "$@" & run libpcap "$@" & wait
  for r in direct; do
    if cmp -s "$tmp/$r.rc" "$tmp/libpcap.rc" && cmp -s "$tmp/$r.out" "$tmp/libpcap.out" &&
       cmp -s "$tmp/$r.err" "$tmp/libpcap.err"; then
      continue
    fi
    fail=1
    echo "# $name: $r exit $(cat "$tmp/$r.rc"), libpcap exit $(cat "$tmp/libpcap.rc")"
    diff "$tmp/$r.err" "$tmp/libpcap.err" | head -4 | sed 's/^/#   /'
    diff "$tmp/$r.out" "$tmp/libpcap.out" | head -4 | cut -c1-200 | sed 's/^/#   /'
  done
  return $fail
}

# every capture shipped with the tests
bad=0; n=0
for f in "$top_srcdir"/pcaps/*.pcap "$top_srcdir"/tests/data/*.pcap \
         "$top_srcdir"/../shared/corpus/zeek/*.pcap; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  same "$(basename "$f")" -r "$f" || bad=$((bad + 1))
done
check "$n bundled captures: own and libpcap readers agree" test $bad -eq 0 -a $n -gt 30

d="$top_srcdir/tests/data"
check "two files merged (split-1 + split-2)" same split -r "$d/split-1.pcap" -r "$d/split-2.pcap"
check "file read by us merged with a gzip one (libpcap)" same gz+plain -r "$d/gz.pcap.gz" -r "$d/vlan.pcap"
check "BPF filter (tcp port 18030)" same filter -r "$top_srcdir/pcaps/py-deflate.pcap" "tcp port 18030"
check "BPF filter matching nothing" same filter0 -r "$top_srcdir/pcaps/py-deflate.pcap" "port 1"

# damaged files: cut at every byte of the first three records and every 13th
# after, up to 3000 bytes; absurd capture lengths
src="$top_srcdir/pcaps/py-normal-1000.pcap"
bad=0; n=0
for cut in $(seq 0 80) $(seq 81 13 3000); do
  head -c "$cut" "$src" >"$tmp/cut.pcap"
  n=$((n + 1))
  same "cut $cut" -r "$tmp/cut.pcap" || bad=$((bad + 1))
done
check "$n truncated copies: same records, message and exit status" test $bad -eq 0

if [ -x "$PY" ]; then
  for k in caplen-snap caplen-256k caplen-4g caplen-orig; do
    "$PY" "$top_srcdir/tests/hostile/gen-hostile.py" "$k" "$tmp/$k.pcap" >/dev/null
    check "$k: same result" same "$k" -r "$tmp/$k.pcap"
  done
  # old formats wrote the original length before the captured one: 2.2 and
  # older always, 2.3 sometimes (libpcap swaps when caplen > len)
  "$PY" - "$src" "$tmp" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
out = sys.argv[2]
recs, p = [], 24
while p + 16 <= len(d):
    ts, us, cl, wl = struct.unpack("<IIII", d[p:p + 16])
    recs.append((ts, us, cl, d[p + 16:p + 16 + cl])); p += 16 + cl
for minor in (2, 3):
    hdr = bytearray(d[:24]); hdr[6:8] = struct.pack("<H", minor)
    with open("%s/v2%d.pcap" % (out, minor), "wb") as f:
        f.write(hdr)
        for i, (ts, us, cl, data) in enumerate(recs):
            wl = cl + 100 * (i % 2)   # every other packet "cut by the snaplen"
            f.write(struct.pack("<IIII", ts, us, wl, cl) + data)
EOF
  check "format 2.2 (lengths always swapped)" same v22 -r "$tmp/v22.pcap"
  check "format 2.3 (lengths swapped when caplen > len)" same v23 -r "$tmp/v23.pcap"

  # Records crossing block boundaries: at every 512 KiB of the file (offset
  # 24 + k x 512 KiB) the record across it starts t bytes before it, t cycling from 0 (a record starts on it) through
  # a cut header (1, 8, 15), a cut body, up to 262159 (a record of the
  # largest capture length, 262144, with all but its last byte before the
  # boundary), each a record of a bundled capture (with a trailer of zeros
  # when short).  Between them: the records of every bundled capture, each
  # capture's times moved to a window of its own, filling 14 blocks.
  if ! "$PY" - "$tmp/big.pcap" "$top_srcdir"/pcaps/*.pcap <<'EOF'
import struct, sys
RDATA, BLOCKS = 512 * 1024, 14
TAILS = [0, 1, 8, 15, 16, 17, 40, 300, 1500, 65536, 262143, 262159]
out, real = sys.argv[1], []
for f in sys.argv[2:]:
    d = open(f, "rb").read()
    if len(d) < 24 or d[:4] != bytes.fromhex("d4c3b2a1") or d[20:24] != b"\1\0\0\0":
        continue
    p = 24
    while p + 16 <= len(d):
        ts, us, cl, wl = struct.unpack("<IIII", d[p:p + 16])
        if p + 16 + cl > len(d):
            break
        real.append((ts, us, wl, d[p + 16:p + 16 + cl])); p += 16 + cl
assert len(real) > 500, len(real)
t0 = real[0][0]
def pad(n):   # an Ethernet frame of n bytes of a local ethertype: skipped
    return bytes(12) + b"\x88\xb5" + bytes(n - 14)
buf = bytearray(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
def rec(ts, us, wl, data):
    buf.extend(struct.pack("<IIII", ts, us, len(data), max(wl, len(data))) + data)
i, k, win = 0, 1, 0
while k < BLOCKS:
    b = 24 + k * RDATA
    t = TAILS[(k - 1) % len(TAILS)]
    ts, us, wl, data = real[i % len(real)]
    if i % len(real) == 0:
        win += 1
    start, size = len(buf), 16 + len(data)
    if start + size + 16 + 60 <= b - t:
        rec(ts - t0 + win * 100000, us, wl, data); i += 1
        continue
    if start < b - t:
        rec(0, 0, 0, pad(b - t - start - 16))
    assert len(buf) == b - t
    # the next record across it, grown with an Ethernet trailer if short
    n = max(len(data), min(t + 64, 16 + 262144) - 16)
    rec(ts - t0 + win * 100000, us, max(wl, n), data + bytes(n - len(data))); i += 1
    k += 1
for j in range(200):
    ts, us, wl, data = real[(i + j) % len(real)]
    rec(ts - t0 + win * 100000, us, wl, data)
open(out, "wb").write(buf)
EOF
  then
    not_ok "generating a capture with records across block boundaries"
  fi
  big="$tmp/big.pcap"
  "$WSCLOSED" -F json -r "$big" >"$tmp/big.out" 2>&1
  check "records across block boundaries: connections reported" \
    test "$(grep -c '"close' "$tmp/big.out")" -gt 1000
  check "records across block boundaries: same result" same big -r "$big"
  check "... with a BPF filter" same big-filter -r "$big" "tcp port 18030 or port 80"
  check "... merged with itself and a small file" same big-merge -r "$big" -r "$big" -r "$d/vlan.pcap"
  check "... a bad filter" same big-badfilter -r "$big" "tcp port ((("
  bad=0; n=0
  for k in 1 2 3 11 12; do
    b=$((24 + k * 524288))
    for cut in $((b - 1)) $b $((b + 1)) $((b + 17)) $((b - 262159 + 5000)); do
      head -c "$cut" "$big" >"$tmp/cut.pcap"
      n=$((n + 1))
      same "big cut $cut" -r "$tmp/cut.pcap" || bad=$((bad + 1))
    done
  done
  check "$n copies cut around block boundaries: same result" test $bad -eq 0
  head -c $((24 + 5 * 524288 + 1000)) "$big" >"$tmp/cut.pcap"
  check "... merged with a cut copy of itself" same big-cut-merge -r "$tmp/cut.pcap" -r "$big"
else
  ok "hostile variants # SKIP $PY missing"
fi


# pcapng with one interface: read by pcapng.c, compared with libpcap's reader
# (WSCLOSED_READER=libpcap) whole, gzip-compressed, on standard input's path
# and cut at every byte of the first 200 and every 17th after
ng="$d/pcapng.pcapng"
check "pcapng: own and libpcap readers agree" same ng -r "$ng"
gzip -c "$ng" >"$tmp/ng.pcapng.gz"
check "pcapng.gz: own and libpcap readers agree" same nggz -r "$tmp/ng.pcapng.gz"
check "pcapng with a filter" same ngf -r "$ng" "tcp port 18110"
size=$(stat -c %s "$ng")
bad=0; n=0
for cut in $(seq 0 200) $(seq 201 17 "$size"); do
  head -c "$cut" "$ng" >"$tmp/cut.pcapng"
  n=$((n + 1))
  same "pcapng cut $cut" -r "$tmp/cut.pcapng" || bad=$((bad + 1))
done
check "$n truncated pcapng copies: same records, message and exit status" test $bad -eq 0

tap_end
exit 0
