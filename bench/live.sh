#!/bin/bash
# bench/live.sh - the daemon under load: replay a benchmark capture with
# tcpreplay on one end of a veth pair inside a network namespace this script
# creates, while `wsclosed -i` captures on the other end; report the kernel's
# received/dropped counts (pcap_stats, from the daemon's SIGUSR1 line) at
# increasing replay rates, once for each --workers count in one run, and for
# each the highest rate with no drop.  Needs root and tcpreplay (Debian
# package).  Traffic never leaves the namespace.
#
#   bench/live.sh [CAPTURE]      (default: the 1k/200M benchmark capture)
# Environment: WSCLOSED (default: the build tree's), LIVE_RATES (Mbit/s list,
#   increasing, "top" for tcpreplay --topspeed; default "250 500 1000 2000
#   4000 top"), LIVE_WORKERS (default "1 2"), LIVE_BUFFER_KIB (the daemon's
#   -B, per capture handle; default the daemon's own, 32768)
set -u
WSCLOSED=${WSCLOSED:-$(dirname "$0")/../src/wsclosed}
CAP=${1:-/var/tmp/wsclosed-bench/c1000-s200M.pcap}
RATES=${LIVE_RATES:-"250 500 1000 2000 4000 top"}
WORKERS=${LIVE_WORKERS:-"1 2"}
BUF=${LIVE_BUFFER_KIB:+-B $LIVE_BUFFER_KIB}
NS=wsclosed-bench-$$
[ "$(id -u)" -eq 0 ] || { echo "bench/live.sh: needs root" >&2; exit 1; }
command -v tcpreplay >/dev/null || { echo "bench/live.sh: install tcpreplay" >&2; exit 1; }
[ -f "$CAP" ] || { echo "bench/live.sh: $CAP missing (run make bench first)" >&2; exit 1; }
tmp=$(mktemp -d)
cleanup() {
  [ -n "${dpid:-}" ] && kill "$dpid" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$NS"
ip netns exec "$NS" ip link add wsb-rep type veth peer name wsb-cap
ip netns exec "$NS" ip link set wsb-rep mtu 9000 up
ip netns exec "$NS" ip link set wsb-cap mtu 9000 up
ip netns exec "$NS" ip link set lo up

mb=$(($(stat -c %s "$CAP") / 1000000))
echo "capture: $CAP ($mb MB); $(nproc) CPUs; buffer ${LIVE_BUFFER_KIB:-32768} KiB per handle"
printf '%-8s %-9s %8s %9s %8s %9s %8s %8s  %s\n' workers rate_Mbps replay_s achieved sent \
  received dropped drop_pct per_worker
summary=""
for n in $WORKERS; do
  best="" clean=1 fastest=0
  for rate in $RATES; do
    # ip netns exec execs the program: $! is wsclosed's pid
    ip netns exec "$NS" "$WSCLOSED" -i wsb-cap -F json -o /dev/null --hold 1 --idle-timeout 30 \
      --workers "$n" $BUF 2>"$tmp/err" &
    dpid=$!
    sleep 1
    if [ "$rate" = top ]; then opt=--topspeed; else opt=--mbps=$rate; fi
    start=$(date +%s.%N)
    ip netns exec "$NS" tcpreplay -q -i wsb-rep $opt "$CAP" >"$tmp/rep" 2>&1
    end=$(date +%s.%N)
    sent=$(sed -n 's/.*Successful packets: *\([0-9]*\).*/\1/p' "$tmp/rep" | head -1)
    sleep 1
    kill -USR1 "$dpid"
    sleep 1
    kill -TERM "$dpid"
    for _ in $(seq 600); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$dpid" 2>/dev/null
    wait "$dpid" 2>/dev/null
    dpid=""
    line=$(grep 'stats:' "$tmp/err" | tail -1)
    recv=$(sed -n 's/.*kernel: received \([0-9]*\).*/\1/p' <<<"$line")
    drop=$(sed -n 's/.*kernel: received [0-9]*, dropped \([0-9]*\).*/\1/p' <<<"$line")
    per=$(sed -n 's/.*; workers: received \(.*\)$/\1/p' <<<"$line")
    pct=$(awk -v d="${drop:-0}" -v r="${recv:-0}" 'BEGIN { printf "%.2f", r ? 100 * d / r : 0 }')
    secs=$(echo "$end - $start" | bc)
    # what tcpreplay reached (its "Rated" line): asking for more than the sender can do is
    # "as fast as it could", whatever the rate asked
    got=$(sed -n 's/^Rated: .*, \([0-9.]*\) Mbps.*/\1/p' "$tmp/rep" | head -1)
    got=$(printf '%.0f' "${got:-0}")
    printf '%-8s %-9s %8.2f %9s %8s %9s %8s %8s  %s\n' "$n" "$rate" "$secs" "$got" \
      "${sent:-?}" "${recv:-?}" "${drop:-?}" "$pct" "${per:--}"
    if [ "${drop:-1}" = 0 ] && [ "$clean" = 1 ]; then
      best=$rate
      [ "$got" -gt "$fastest" ] && fastest=$got
    else
      clean=0       # a rate that dropped ends the run of clean rates
    fi
  done
  summary+="--workers $n: no kernel drop up to rate ${best:-none of those tried}"
  summary+="${best:+ (reached $fastest Mbit/s)}"$'\n'
done
printf '%s' "$summary"
