#!/bin/sh
# Exact by default: the default mode must give, on every capture, the causes
# (id, detail, summary, confidence), their evidence, the violations and the
# close and size facts that full inflation gives.  The reference is
# `--inflate` with zlib as the inflater (WSCLOSED_INFLATER=zlib, whatever
# back end the default uses: src/inflater.h), sizes of every message
# included.
#
# Captures: pcaps/ (all subdirectories), tests/data/, the shared corpora
# (../shared/corpus/* next to the source tree, or WSCLOSED_CORPUS_DIRS), and
# two small bench samples made with bench/gen-capture (a third of the
# connections compressed, half of those with context takeover; and one where
# every connection is compressed with messages of 64 B - 16 KiB).
#
# The default keeps compressed messages and inflates them only for
# connections whose diagnosis can depend on them (src/wsframe.c, "Inflating
# later"); the others keep wire sizes and say so in stats.<side>.wire_sizes.
# Where the default marks a side so, that side's
# largest_message, last_message and open_message (and the mark), and the
# largest size in its "last frame from the <side>" evidence line, are left
# out of the comparison on both; nothing else is.
#
# The comparison can fail: the same records under --fast (nothing inflated)
# must differ on py-deflate-1009 (sizes on the wire, another confidence).
. "${top_srcdir:-.}/tests/lib.sh"
command -v jq >/dev/null 2>&1 || { echo "1..0 # SKIP jq missing"; exit 0; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# one line per record: everything a diagnosis or a size depends on
facts() {
  jq -c '[.id, .client_ip, .client_port, .server_ip, .server_port, .close_code,
          .close_reason, .close_initiator, .tcp_end, .tcp_end_by, .stage,
          .cause.id, .cause.detail, .cause.summary, .cause.fix, .cause.confidence,
          [.cause.evidence[]? | .text], .violations, .violations_dropped,
          .stats, .permessage_deflate, .limits]' 2>/dev/null
}

set --
for f in "$top_srcdir"/pcaps/*.pcap "$top_srcdir"/pcaps/*/*.pcap "$top_srcdir"/pcaps/*/*/*.pcap \
         "$top_srcdir"/pcaps/*/*.pcapng "$top_srcdir"/tests/data/*.pcap "$top_srcdir"/tests/data/*.pcapng; do
  [ -f "$f" ] && set -- "$@" "$f"
done
dirs=${WSCLOSED_CORPUS_DIRS:-}
if [ -z "$dirs" ]; then
  for d in "$top_srcdir"/../shared/corpus/* "$top_srcdir"/../../shared/corpus/*; do
    [ -d "$d" ] && dirs="$dirs $d"
  done
fi
for d in $dirs; do
  for f in "$d"/*.pcap "$d"/*.pcapng "$d"/negative/*.pcap "$d"/negative/*.pcapng; do
    [ -f "$f" ] && set -- "$@" "$f"
  done
done
gen=$top_builddir/bench/gen-capture
if [ -x "$gen" ]; then
  "$gen" --conns 200 --bytes 6M --seed 5 -o "$tmp/bench-mix.pcap" >/dev/null &&
    set -- "$@" "$tmp/bench-mix.pcap"
  "$gen" --conns 100 --bytes 3M --seed 6 --deflate 1 --msg-size 64:16384 \
    -o "$tmp/bench-deflate.pcap" >/dev/null && set -- "$@" "$tmp/bench-deflate.pcap"
fi

# ref and new (JSON lines, record for record): the sides new marks as wire
# sizes and ref does not lose their size fields in both.
unwire() {
  jq -c -n --slurpfile r "$1" --slurpfile n "$2" '
    def strip($s): .stats[$s] |= del(.largest_message, .last_message, .open_message, .wire_sizes)
      | (.cause.evidence[]? | select(.text | startswith("last frame from the \($s);")) | .text)
        |= sub(" \\(largest .*\\), (?<n>[0-9]+) pings"; ", \(.n) pings");
    def lazy($a; $b; $s): $b.stats[$s].wire_sizes == true;
    range(0; [($r | length), ($n | length)] | max) as $i
    | ($r[$i] // {}) as $a | ($n[$i] // {}) as $b
    | (if $ARGS.named.which == "ref" then $a else $b end)
    | reduce ("client", "server") as $s (.;
        if lazy($a; $b; $s) and .stats? then strip($s) else . end)' \
    --arg which "$3"
}

n=0; nrec=0; ncomp=0; nwire=0; bad=
for f in "$@"; do
  n=$((n + 1))
  WSCLOSED_INFLATER=zlib "$WSCLOSED" --inflate -F json -r "$f" 2>/dev/null >"$tmp/ref.json"
  "$WSCLOSED" -F json -r "$f" 2>/dev/null >"$tmp/new.json"
  unwire "$tmp/ref.json" "$tmp/new.json" ref | facts >"$tmp/ref"
  unwire "$tmp/ref.json" "$tmp/new.json" new | facts >"$tmp/new"
  nrec=$((nrec + $(wc -l <"$tmp/ref")))
  ncomp=$((ncomp + $(grep -c '"compressed_messages":[1-9]' "$tmp/ref")))
  nwire=$((nwire + $(grep -c '"wire_sizes":true' "$tmp/new.json")))
  if ! cmp -s "$tmp/ref" "$tmp/new"; then
    bad="$bad $(basename "$f")"
    diff "$tmp/ref" "$tmp/new" | head -n 6 | sed 's/^/# /'
  fi
done
check "default = --inflate with zlib on $n captures, $nrec records, $ncomp with compressed messages, $nwire kept at wire sizes (differ:${bad:- none})" \
  test -z "$bad"
check "captures with compressed messages were compared ($ncomp records)" test "$ncomp" -ge 5
check "bench samples were made (bench/gen-capture)" test -s "$tmp/bench-deflate.pcap"

f=$top_srcdir/pcaps/py-deflate-1009.pcap
"$WSCLOSED" -F json -r "$f" 2>/dev/null | facts >"$tmp/new"
"$WSCLOSED" --fast -F json -r "$f" 2>/dev/null | facts >"$tmp/fast"
check "the comparison can fail: --fast differs on py-deflate-1009" sh -c "! cmp -s '$tmp/new' '$tmp/fast'"
tap_end
