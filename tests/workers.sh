#!/bin/bash
# --workers N (a live capture spread over threads with PACKET_FANOUT): the
# option's limits and its notice with -r (any user); then, as root in a
# network namespace made here, a capture of 23 WebSocket connections from
# pcaps/ (a close storm of 6, an idle-timeout storm of 6, a restart, a
# rejected handshake, ...; each file moved in time to start 0.3 s after the
# previous one and merged) replayed by tcpreplay on one end of a veth pair
# while `wsclosed -i` captures on the other with --workers 2: the records
# (endpoints, close codes, who closed, causes and their details, how TCP
# ended, the next connection) must be those `wsclosed -r` gives for the
# same file, the connection ids unique, both workers must have received
# packets (the flow hash spread them), and no packet may be lost.  The same
# again with --workers 1 (today's path).
#
# The live part is skipped (TAP SKIP) without root, ip netns, tcpreplay or
# editcap/mergecap/capinfos.  Every wait is bounded; the namespace and every
# process started here are removed on exit.  About 20 s.
. "${top_srcdir:-.}/tests/lib.sh"

tmp=$(mktemp -d /tmp/wsclosed-workers.XXXXXX)
NS=wsclosed-workers-$$
dpid=
cleanup() {
  case $dpid in '' | *[!0-9]*) ;; *) kill -KILL "$dpid" 2>/dev/null ;; esac
  ip netns del "$NS" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pcap=$top_srcdir/pcaps/py-normal-1000.pcap

# ---- the option ---------------------------------------------------------------
"$WSCLOSED" -r "$pcap" --workers 0 >/dev/null 2>"$tmp/e0"
check "--workers 0 is a usage error" test $? = 1
check "... saying why" grep -q -- "--workers 0: must be at least 1" "$tmp/e0"
"$WSCLOSED" -r "$pcap" --workers 65 >/dev/null 2>"$tmp/e65"
check "--workers 65 is a usage error (at most 64)" test $? = 1
"$WSCLOSED" -r "$pcap" -F json >"$tmp/one.json" 2>/dev/null
"$WSCLOSED" -r "$pcap" -F json --workers 2 >"$tmp/two.json" 2>"$tmp/e2"
check "with -r, --workers 2 is ignored: the same records" cmp -s "$tmp/one.json" "$tmp/two.json"
check "... and said so" grep -q -- "--workers 2 ignored: a capture file is read by one thread" "$tmp/e2"
check "with -r, --workers 1 says nothing" \
  bash -c '"$1" -r "$2" --workers 1 -F json 2>&1 >/dev/null | grep -c . | grep -qx 0' _ "$WSCLOSED" "$pcap"

skip_live() {
  local i
  for i in $(seq 12); do ok "# SKIP live: $*"; done
  tap_end
  exit 0
}
[ "$(id -u)" -eq 0 ] || skip_live "not root"
for t in ip tcpreplay editcap mergecap capinfos jq bc timeout; do
  command -v $t >/dev/null 2>&1 || skip_live "no $t"
done
ip netns add "$NS" 2>/dev/null || skip_live "cannot create a network namespace"
in_ns() { ip netns exec "$NS" "$@"; }
in_ns ip link add rep type veth peer name cap || skip_live "no veth"
in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
for l in rep cap; do in_ns ip link set $l mtu 65535 up; done

# ---- the capture: several pcaps/ files moved to start 0.3 s apart -------------
files="py-close-storm py-1012-restart py-idle-1006-fixed py-1008 py-1011 py-4000 ws-1003
  py-handshake-403 py-deflate raw-unmasked-1002 py-no-close-rst ws-normal-1000"
i=0
base=$(date +%s)
for f in $files; do
  first=$(capinfos -a -T -r -S "$top_srcdir/pcaps/$f.pcap" | awk '{ print $2 }')
  editcap -t "$(echo "$base + $i * 0.3 - $first" | bc)" "$top_srcdir/pcaps/$f.pcap" \
    "$tmp/part$(printf %02d $i).pcap"
  i=$((i + 1))
done
mergecap -w "$tmp/merged.pcap" "$tmp"/part*.pcap
sent=$(capinfos -c -M "$tmp/merged.pcap" | sed -n 's/^Number of packets: *//p')

# (the idle time in a detail like fixed_3s is the replay's, which a loaded
# machine may stretch by a second: the number is left out)
key='[.kind, .stage, .client_ip, .client_port, .server_ip, .server_port, .handshake_status,
      .close_code, .close_initiator, .cause.id,
      (.cause.detail | tostring | sub("^fixed_[0-9]+s$"; "fixed_Ns")), .tcp_end, .tcp_end_by,
      (.next_connection.client_port // "-")] | map(tostring) | join(" ")'
"$WSCLOSED" -r "$tmp/merged.pcap" -F json | jq -r "$key" | sort >"$tmp/file.keys"
nfile=$(wc -l <"$tmp/file.keys")

# live N: capture on cap with --workers N while the capture is replayed;
# records in $tmp/liveN.json, log in $tmp/liveN.err
live() {
  local n=$1 i
  # ip netns exec execs the program: $! is wsclosed's pid
  ip netns exec "$NS" "$WSCLOSED" -i cap -F json -o "$tmp/live$n.json" --workers "$n" \
    2>"$tmp/live$n.err" &
  dpid=$!
  for i in $(seq 50); do
    grep -q "capturing on cap" "$tmp/live$n.err" && break
    sleep 0.1
  done
  sleep 0.3
  timeout 60 ip netns exec "$NS" tcpreplay -q -i rep "$tmp/merged.pcap" >"$tmp/rep$n" 2>&1
  sleep 1
  kill -TERM "$dpid"
  for i in $(seq 100); do
    kill -0 "$dpid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$dpid" 2>/dev/null
  wait "$dpid"
  echo "$?" >"$tmp/live$n.rc"
  dpid=
}

for n in 2 1; do
  live $n
  check "--workers $n: exit 0 after SIGTERM" test "$(cat "$tmp/live$n.rc")" = 0
  jq -r "$key" "$tmp/live$n.json" | sort >"$tmp/live$n.keys"
  if diff "$tmp/file.keys" "$tmp/live$n.keys" >"$tmp/diff$n"; then
    ok "--workers $n: the $nfile records of -r (endpoints, codes, causes, next connection)"
  else
    not_ok "--workers $n: the records of -r"
    sed 's/^/# /' "$tmp/diff$n"
  fi
  ids=$(jq -r .id "$tmp/live$n.json" | sort | uniq -d | wc -l)
  check "--workers $n: connection ids unique" test "$ids" = 0
  stats=$(grep 'stats:' "$tmp/live$n.err" | tail -1)
  recv=$(sed -n 's/.*kernel: received \([0-9]*\), dropped \([0-9]*\).*/\1/p' <<<"$stats")
  drop=$(sed -n 's/.*kernel: received \([0-9]*\), dropped \([0-9]*\).*/\2/p' <<<"$stats")
  check "--workers $n: the kernel handed on every packet sent ($recv >= $sent), none dropped" \
    test "${recv:-0}" -ge "$sent" -a "${drop:-1}" = 0
  pkts=$(sed -n 's/.*stats: packets \([0-9]*\) .*/\1/p' <<<"$stats")
  written=$(sed -n 's/.*, written \([0-9]*\),.*/\1/p' <<<"$stats")
  check "--workers $n: counters summed: packets $pkts = received $recv, written $written = $nfile" \
    test "${pkts:-x}" = "$recv" -a "${written:-x}" = "$nfile"
done
per=$(sed -n 's/.*; workers: received \(.*\)$/\1/p' "$tmp/live2.err" | tail -1)
check "--workers 2: both workers received packets ($per)" \
  bash -c '[[ $1 =~ ^[1-9][0-9]*\ \+\ [1-9][0-9]*$ ]]' _ "$per"
check "--workers 1: no per-worker counts in the log" bash -c '! grep -q "; workers:" "$1"' _ "$tmp/live1.err"
tap_end
