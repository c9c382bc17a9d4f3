#!/bin/sh
# bench/run.sh - wsclosed's benchmark (`make bench` runs it; see bench/README).
#
# For each capture size and each number of concurrent connections it makes a
# capture with bench/gen-capture (once; kept in a cache directory), reads it
# once to warm the page cache, then runs on the same file, one after another:
#   floor     a bare libpcap loop over every packet (bench/floor)
#   wsclosed  wsclosed -r FILE -F json -o /dev/null
#   inflate   the same with --inflate (compressed messages inflated)
#   tshark    tshark extracting close codes, reasons and handshake headers
# and prints wall time, MB/s, packets/s and peak RSS, and the ratios
# wsclosed/floor (throughput) and tshark/wsclosed (time).  floor, wsclosed
# and inflate run BENCH_RUNS times each and the run with the least CPU time
# is kept (the one least disturbed by anything else on the machine); floor
# and wsclosed run in pairs, one after the other, and the floor ratio is the
# median of the pairs' ratios.  Then peak RSS with and without permessage-deflate at each number
# of connections, with and without --inflate, from which the bytes per
# connection follow.  It measures; it asserts nothing about time.
#
# Environment (all optional):
#   BENCH_DIR       cache of captures (default /var/tmp/wsclosed-bench)
#   BENCH_SIZES     capture sizes (default "200M 1G")
#   BENCH_CONNS     concurrent connections (default "1000 10000 100000"; 0: none)
#   BENCH_TSHARK    largest size tshark is run on (default 200M; 0 = never);
#                   on bigger files its time is extrapolated from its MB/s on
#                   the largest file it ran on with the same connections
#   BENCH_TSHARK_TIMEOUT  seconds before tshark is stopped (default 1800)
#   BENCH_RUNS      runs of floor and wsclosed per capture (default 5): best
#                   kept, ratio the median over floor/wsclosed pairs
#   BENCH_INFLATE   0 to skip the --inflate runs
#   BENCH_MEM       0 to skip the memory-per-connection runs
#   BENCH_PROFILE   1 to also profile wsclosed with perf on the 10k capture
#   BENCH_RATIOS    0 to skip the paired ratios of issue 18 (default on): on
#                   the 1k, the bulk-like (300 connections, messages 256 B -
#                   256 KiB, a third compressed) and the 100k file of
#                   BENCH_RATIO_SIZE (default 200M), each ratio the median of
#                   BENCH_RUNS back-to-back pairs of CPU times: default vs
#                   floor, --fast vs floor, tshark vs default (one run),
#                   --inflate vs the old --inflate, --inflate (every message
#                   inflated as it comes) vs the default (inflating later,
#                   wsframe.c) and default vs the old
#                   default (REF_WSCLOSED, default /work/ref/wsclosed-b91e42d,
#                   skipped when absent), with peak RSS of each
#   GEN FLOOR WSCLOSED  the programs (default: from the build tree)
set -u

here=$(cd "$(dirname "$0")" && pwd)
GEN=${GEN:-$here/gen-capture}
FLOOR=${FLOOR:-$here/floor}
WSCLOSED=${WSCLOSED:-$here/../src/wsclosed}
BENCH_DIR=${BENCH_DIR:-/var/tmp/wsclosed-bench}
BENCH_SIZES=${BENCH_SIZES:-"200M 1G"}
BENCH_CONNS=${BENCH_CONNS:-"1000 10000 100000"}
BENCH_TSHARK=${BENCH_TSHARK:-200M}
BENCH_TSHARK_TIMEOUT=${BENCH_TSHARK_TIMEOUT:-1800}
BENCH_MEM=${BENCH_MEM:-1}
BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_INFLATE=${BENCH_INFLATE:-1}
BENCH_PROFILE=${BENCH_PROFILE:-0}
BENCH_RATIOS=${BENCH_RATIOS:-1}
BENCH_RATIO_SIZE=${BENCH_RATIO_SIZE:-200M}
REF_WSCLOSED=${REF_WSCLOSED:-/work/ref/wsclosed-b91e42d}

for p in "$GEN" "$FLOOR" "$WSCLOSED"; do
  if [ ! -x "$p" ]; then
    echo "run.sh: $p not built (run make bench)" >&2
    exit 1
  fi
done
if [ ! -x /usr/bin/time ]; then
  echo "run.sh: /usr/bin/time is missing (Debian package: time)" >&2
  exit 1
fi
have_tshark=0
command -v tshark >/dev/null 2>&1 && have_tshark=1
mkdir -p "$BENCH_DIR" || exit 1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

bytes_of () { # 200M -> bytes
  awk -v s="$1" 'BEGIN { n = s + 0; u = substr(s, length(s));
    if (u == "K" || u == "k") n *= 1024; else if (u == "M" || u == "m") n *= 1048576;
    else if (u == "G" || u == "g") n *= 1073741824; printf "%d", n }'
}
now () { date +%s.%N; }

# gen NAME ARGS...: make $BENCH_DIR/NAME.pcap (and its summary) unless present
gen () {
  name=$1; shift
  f=$BENCH_DIR/$name.pcap
  if [ ! -s "$f" ] || [ ! -s "$f.summary" ]; then
    echo "generating $f ($*)" >&2
    "$GEN" "$@" -o "$f.tmp" >"$f.summary.tmp" || exit 1
    mv "$f.tmp" "$f" && mv "$f.summary.tmp" "$f.summary"
  fi
}
summary () { awk -v k="$2" '$1 == k { print $2 }' "$1.summary"; }

# measure LABEL CMD...: run CMD, set W (wall s), C (user+system CPU s) and
# M (peak RSS KiB)
measure () {
  label=$1; shift
  t0=$(now)
  /usr/bin/time -f '%M %U %S' -o "$tmp/rss" "$@" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  t1=$(now)
  W=$(echo "$t0 $t1" | awk '{ printf "%.3f", $2 - $1 }')
  M=$(tail -n 1 "$tmp/rss" | awk '{ print $1 }')
  C=$(tail -n 1 "$tmp/rss" | awk '{ printf "%.2f", $2 + $3 }')
  [ "$rc" = 0 ] || echo "  ($label exited with status $rc: $(head -c 300 "$tmp/err"))" >&2
  return $rc
}

# best LABEL CMD...: measure CMD BENCH_RUNS times, keep the run with the least
# CPU time in W, C, M (B_W, B_C, B_M)
best () {
  label=$1; shift
  B_C=; B_W=; B_M=
  i=0
  while [ $i -lt "$BENCH_RUNS" ]; do
    i=$((i + 1))
    measure "$label" "$@" || return 1
    if [ -z "$B_C" ] || awk -v a="$C" -v b="$B_C" 'BEGIN { exit !(a < b) }'; then
      B_C=$C; B_W=$W; B_M=$M
    fi
  done
  C=$B_C; W=$B_W; M=$B_M
}

# pair FILE: the floor and wsclosed on FILE, one after the other, BENCH_RUNS
# times; the best run of each in F_W F_C F_M and W_W W_C W_M, and in RATIO
# the median over the pairs of floor CPU / wsclosed CPU.  On a shared VM the
# speed of the whole machine changes from minute to minute; the two runs of
# a pair see about the same machine, two best-of-N taken minutes apart do
# not.
pair () {
  F_C=; W_C=; : >"$tmp/ratios"
  i=0
  while [ $i -lt "$BENCH_RUNS" ]; do
    i=$((i + 1))
    measure floor "$FLOOR" "$1" || return 1
    fc=$C
    if [ -z "$F_C" ] || awk -v a="$C" -v b="$F_C" 'BEGIN { exit !(a < b) }'; then
      F_C=$C; F_W=$W; F_M=$M
    fi
    measure wsclosed "$WSCLOSED" -r "$1" -F json -o /dev/null || return 1
    if [ -z "$W_C" ] || awk -v a="$C" -v b="$W_C" 'BEGIN { exit !(a < b) }'; then
      W_C=$C; W_W=$W; W_M=$M
    fi
    awk -v f="$fc" -v w="$C" 'BEGIN { if (w < 0.01) w = 0.01; printf "%.4f\n", f / w }' >>"$tmp/ratios"
  done
  RATIO=$(sort -n "$tmp/ratios" | awk '{ r[NR] = $1 } END {
    m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
    printf "%.2fx floor throughput (median of %d pairs, %.2f-%.2f)", m, NR, r[1], r[NR] }')
}

# Throughput is reckoned on CPU time (user + system), which a busy machine
# disturbs far less than wall time; both are shown.
row () { # tool conns size_label file_bytes packets wall cpu rss note
  awk -v t="$1" -v c="$2" -v s="$3" -v b="$4" -v p="$5" -v w="$6" -v u="$7" -v m="$8" -v n="$9" 'BEGIN {
    if (u < 0.01) u = 0.01
    printf "%-9s %7s %5s %8.2f %8.2f %9.1f %10.0f %8.1f  %s\n", t, c, s, w, u, b / 1048576 / u,
      p / u, m / 1024, n }' | tee -a "$tmp/table"
}

# ratio NAME "CMD A" "CMD B": A and B one right after the other, BENCH_RUNS
# times; prints A's and B's least CPU time and largest peak RSS and the
# median (range) of the pairs' CPU ratios A/B -- B's throughput relative to
# A's when A is the floor.
ratio () {
  : >"$tmp/rr"; ba=; bb=; ma=0; mb=0
  i=0
  while [ $i -lt "$BENCH_RUNS" ]; do
    i=$((i + 1))
    eval "measure a $2" || return 1
    ca=$C; [ "$M" -gt "$ma" ] && ma=$M
    { [ -z "$ba" ] || awk -v a="$C" -v b="$ba" 'BEGIN { exit !(a < b) }'; } && ba=$C
    eval "measure b $3" || return 1
    cb=$C; [ "$M" -gt "$mb" ] && mb=$M
    { [ -z "$bb" ] || awk -v a="$C" -v b="$bb" 'BEGIN { exit !(a < b) }'; } && bb=$C
    awk -v a="$ca" -v b="$cb" 'BEGIN { if (a < 0.01) a = 0.01; if (b < 0.01) b = 0.01; printf "%.4f\n", a / b }' >>"$tmp/rr"
  done
  sort -n "$tmp/rr" | awk -v n="$1" -v ba="$ba" -v bb="$bb" -v ma="$ma" -v mb="$mb" '{ r[NR] = $1 } END {
    m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
    printf "  %-34s %6.2fx  (%.2f-%.2f, %d pairs)  cpu %5.2f s / %5.2f s  rss %6.1f / %6.1f MB\n",
      n, m, r[1], r[NR], NR, ba, bb, ma / 1024, mb / 1024 }'
}

ratios () {
  s=$BENCH_RATIO_SIZE
  echo "Paired ratios (issue 18), CPU time A/B, median of $BENCH_RUNS pairs (range):"
  gen c1000-s$s --conns 1000 --bytes "$s" --seed 1
  gen bulk-s$s --conns 300 --bytes "$s" --seed 3 --msg-size 256:262144
  gen c100000-s$s --conns 100000 --bytes "$s" --seed 1
  have_ref=0
  [ -x "$REF_WSCLOSED" ] && have_ref=1
  for name in c1000-s$s bulk-s$s c100000-s$s; do
    f=$BENCH_DIR/$name.pcap
    cat "$f" >/dev/null
    echo " $name ($(($(stat -c %s "$f") / 1048576)) MB, $(summary "$f" connections) connections,"\
      "$(summary "$f" deflate) with permessage-deflate, $(summary "$f" compressed_messages)" \
      "of $(summary "$f" messages) messages compressed):"
    ratio "default (exact) vs floor" "\"\$FLOOR\" \"$f\"" \
      "\"\$WSCLOSED\" -r \"$f\" -F json -o /dev/null"
    ratio "--fast vs floor" "\"\$FLOOR\" \"$f\"" \
      "\"\$WSCLOSED\" --fast -r \"$f\" -F json -o /dev/null"
    ratio "--inflate (every message) vs default" \
      "\"\$WSCLOSED\" --inflate -r \"$f\" -F json -o /dev/null" \
      "\"\$WSCLOSED\" -r \"$f\" -F json -o /dev/null"
    if [ "$have_ref" = 1 ]; then
      ratio "old --inflate vs --inflate (speed-up)" \
        "\"\$REF_WSCLOSED\" --inflate -r \"$f\" -F json -o /dev/null" \
        "\"\$WSCLOSED\" --inflate -r \"$f\" -F json -o /dev/null"
      ratio "old default (wire sizes) vs default" \
        "\"\$REF_WSCLOSED\" -r \"$f\" -F json -o /dev/null" \
        "\"\$WSCLOSED\" -r \"$f\" -F json -o /dev/null"
    fi
    if [ "$have_tshark" = 1 ] && [ "$BENCH_TSHARK" != 0 ]; then
      measure wsclosed "$WSCLOSED" -r "$f" -F json -o /dev/null
      wc=$C
      if measure tshark timeout "$BENCH_TSHARK_TIMEOUT" tshark -n -r "$f" \
          -Y 'websocket.payload.close.status_code || http.upgrade' -T fields \
          -e frame.number -e websocket.payload.close.status_code -e http.sec_websocket_extensions; then
        awk -v t="$C" -v w="$wc" -v m="$M" 'BEGIN { if (w < 0.01) w = 0.01
          printf "  %-34s %6.1fx  (one run)  cpu %5.2f s / %5.2f s  rss %6.1f MB\n",
            "tshark time / default time", t / w, t, w, m / 1024 }'
      fi
    fi
  done
  echo
}

echo "wsclosed benchmark: $(uname -m), $(nproc) CPUs, $("$WSCLOSED" --version 2>/dev/null | head -n 1)"
echo "captures in $BENCH_DIR; sizes: $BENCH_SIZES; connections: $BENCH_CONNS"
echo
echo "load average before: $(cut -d ' ' -f 1-3 /proc/loadavg)"
printf '%-9s %7s %5s %8s %8s %9s %10s %8s  %s\n' tool conns size wall_s cpu_s MB/s pkts/s rss_MB note \
  | tee "$tmp/table"

[ "$BENCH_RATIOS" != 0 ] && ratios

tshark_max=0
[ "$BENCH_TSHARK" != 0 ] && tshark_max=$(bytes_of "$BENCH_TSHARK")
for c in $BENCH_CONNS; do
  [ "$c" = 0 ] && continue   # BENCH_CONNS=0: only the ratios
  ts_rate=                    # tshark MB/s measured at this many connections
  for s in $BENCH_SIZES; do
    name=c$c-s$s
    gen "$name" --conns "$c" --bytes "$s" --seed 1
    f=$BENCH_DIR/$name.pcap
    fb=$(stat -c %s "$f")
    pk=$(summary "$f" packets)
    cat "$f" >/dev/null       # warm the page cache

    pair "$f" || continue
    fc=$F_C; wc=$W_C
    row floor "$c" "$s" "$fb" "$pk" "$F_W" "$F_C" "$F_M" ""
    echo "$c $s $fb $(summary "$f" connections) $pk $fc $wc" >>"$tmp/model"
    row wsclosed "$c" "$s" "$fb" "$pk" "$W_W" "$W_C" "$W_M" "$RATIO"

    if [ "$BENCH_INFLATE" != 0 ]; then
      best inflate "$WSCLOSED" --inflate -r "$f" -F json -o /dev/null
      row inflate "$c" "$s" "$fb" "$pk" "$W" "$C" "$M" \
        "$(awk -v f="$fc" -v w="$C" -v d="$wc" 'BEGIN { printf "%.2fx floor throughput, %.1fx wsclosed time", f / w, w / d }')"
    fi

    # Are wsclosed's close codes those the generator made?  (untimed run)
    "$WSCLOSED" -r "$f" -F json -o "$tmp/ws.json" 2>/dev/null
    got=$(awk '{ if (match($0, /"close_code":(null|[0-9]+)/)) n[substr($0, RSTART + 13, RLENGTH - 13)]++ }
      END { printf "1000=%d 1001=%d 1006=%d 1009=%d 1011=%d open=%d", n["1000"], n["1001"],
        n["1006"], n["1009"], n["1011"], n["null"] }' "$tmp/ws.json")
    want="1000=$(summary "$f" end_1000) 1001=$(summary "$f" end_1001)"
    want="$want 1006=$(( $(summary "$f" end_fin) + $(summary "$f" end_rst) ))"
    want="$want 1009=$(summary "$f" end_1009) 1011=$(summary "$f" end_1011) open=$(summary "$f" open)"
    if [ "$got" = "$want" ]; then
      echo "          close codes as generated: $got" | tee -a "$tmp/table"
    else
      echo "          CLOSE CODES DIFFER: wsclosed $got; generated $want" | tee -a "$tmp/table"
    fi

    if [ "$have_tshark" = 1 ] && [ "$(bytes_of "$s")" -le "$tshark_max" ]; then
      if measure tshark timeout "$BENCH_TSHARK_TIMEOUT" tshark -n -r "$f" \
          -Y 'websocket.payload.close.status_code || http.upgrade' -T fields \
          -e frame.number -e tcp.stream -e websocket.payload.close.status_code \
          -e websocket.payload.close.reason -e http.host -e http.request.uri \
          -e http.user_agent -e http.sec_websocket_key -e http.sec_websocket_accept \
          -e http.sec_websocket_extensions -e http.sec_websocket_protocol; then
        ts_rate=$(awk -v b="$fb" -v w="$C" 'BEGIN { printf "%.3f", b / 1048576 / w }')
        closes=$(awk -F '\t' '$3 != ""' "$tmp/out" | wc -l)
        row tshark "$c" "$s" "$fb" "$pk" "$W" "$C" "$M" \
          "$(awk -v t="$C" -v w="$wc" 'BEGIN { printf "%.1fx wsclosed time", t / w }'); $closes close frames"
      else
        echo "tshark   $c $s: stopped after ${BENCH_TSHARK_TIMEOUT}s" | tee -a "$tmp/table"
      fi
    elif [ "$have_tshark" = 1 ] && [ -n "$ts_rate" ]; then
      est=$(awk -v b="$fb" -v r="$ts_rate" 'BEGIN { printf "%.1f", b / 1048576 / r }')
      awk -v t="$est" -v w="$wc" -v c="$c" -v s="$s" 'BEGIN {
        printf "%-9s %7s %5s %8s %8.1f  (CPU s extrapolated from its MB/s on the smaller file: %.1fx wsclosed)\n",
          "tshark~", c, s, "-", t, t / w }' | tee -a "$tmp/table"
    fi
  done
done

echo "load average after: $(cut -d ' ' -f 1-3 /proc/loadavg)"

# Linear cost: between the two file sizes at the same concurrency, the extra
# CPU time per extra MB (fixed costs -- start-up, the connections open at
# the end -- cancel out), for wsclosed and for the floor.
if [ -s "$tmp/model" ]; then
  echo
  echo "Marginal cost between the file sizes (extra CPU per extra MB read):"
  printf '  %-7s %-11s %12s %14s %14s %10s\n' conns sizes "+connections" "wsclosed ms/MB" "floor ms/MB" ratio
  awk '{ k = $1; if (!(k in mb0)) { mb0[k] = $3 / 1048576; n0[k] = $4; f0[k] = $6; w0[k] = $7; s0[k] = $2; order[++m] = k }
         else { mb1[k] = $3 / 1048576; n1[k] = $4; f1[k] = $6; w1[k] = $7; s1[k] = $2 } }
    END { for (i = 1; i <= m; i++) { k = order[i]; if (!(k in mb1) || mb1[k] == mb0[k]) continue
            d = mb1[k] - mb0[k]; wm = (w1[k] - w0[k]) / d; fm = (f1[k] - f0[k]) / d
            printf "  %-7s %-11s %12d %14.3f %14.3f %9.2fx\n", k, s0[k] "->" s1[k], n1[k] - n0[k],
              wm * 1000, fm * 1000, (wm > 0 ? fm / wm : 0) } }' "$tmp/model"
fi

if [ "$BENCH_MEM" != 0 ]; then
  echo
  echo "Peak RSS by connections open at once (all stay open; messages 64 B-1 KiB so that"
  echo "every message of a deflate connection is compressed; 6 messages a connection):"
  printf '%-10s %-10s %7s %9s %8s\n' deflate mode conns file_MB rss_MB
  for d in 0 1; do
    for mode in default --inflate; do
      [ "$mode" = --inflate ] && [ "$BENCH_INFLATE" = 0 ] && continue
      prev_c=; prev_m=
      for c in $BENCH_CONNS; do
        [ "$c" = 0 ] && continue
        name=mem-c$c-d$d
        gen "$name" --conns "$c" --bytes $((c * 5 * 1024)) --msgs 1000000 --deflate "$d" \
          --msg-size 64:1024 --seed 2
        f=$BENCH_DIR/$name.pcap
        cat "$f" >/dev/null
        if [ "$mode" = --inflate ]; then
          measure wsclosed "$WSCLOSED" --inflate -r "$f" -F json -o /dev/null || continue
        else
          measure wsclosed "$WSCLOSED" -r "$f" -F json -o /dev/null || continue
        fi
        printf '%-10s %-10s %7s %9.0f %8.1f' "$([ $d = 1 ] && echo all || echo none)" "$mode" "$c" \
          "$(($(stat -c %s "$f") / 1048576))" "$(echo "$M" | awk '{ print $1 / 1024 }')"
        if [ -n "$prev_c" ]; then
          awk -v a="$prev_m" -v b="$M" -v ca="$prev_c" -v cb="$c" 'BEGIN {
            printf "   %.0f bytes per connection (%d -> %d)", (b - a) * 1024 / (cb - ca), ca, cb }'
        fi
        echo
        prev_c=$c; prev_m=$M
      done
    done
  done
fi

if [ "$BENCH_PROFILE" = 1 ] && command -v perf >/dev/null 2>&1; then
  f=$(ls "$BENCH_DIR"/c10000-s*.pcap 2>/dev/null | head -n 1)
  if [ -n "$f" ]; then
    echo
    echo "perf profile of wsclosed on $f (self time, top 25):"
    perf record -q -e cpu-clock -o "$tmp/perf.data" "$WSCLOSED" -r "$f" -F json -o /dev/null \
      >/dev/null 2>&1
    perf report -i "$tmp/perf.data" --no-children --sort dso,sym --stdio 2>/dev/null \
      | grep -E '^ +[0-9]' | head -n 25
  fi
fi
