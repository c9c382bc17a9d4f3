#!/bin/bash
# Live capture: wsclosed -i lo runs as a daemon while real peers
# (python3-websockets, node `ws`) play scenarios on loopback ports.  Each
# record must come out while the daemon is still running, with the close
# code, TCP end and cause the scenario was built to produce.  Then: SIGHUP in
# the middle of a stream of connections (old + new file hold every record
# once), SIGTERM with an open connection (written as still_open, exit 0),
# -Z nobody (and running unprivileged with only the capabilities the systemd
# unit in contrib/ grants), the bounded connection table (--max-conns,
# SIGUSR1 and --stats-interval statistics), and a config file (-c; options
# win; daemon=true with a pid file).
#
# Needs root (capture on lo) and /usr/bin/python3 with python3-websockets;
# the node scenario also needs node and $top_srcdir/pcaps/node/node_modules/ws,
# the capabilities check setpriv (util-linux).  Every wait is bounded; every
# process started here is killed on exit.  Takes about 40 s.
# KEEP_TMP=1 keeps the daemons' output and logs.
. "${top_srcdir:-.}/tests/lib.sh"
PY=/usr/bin/python3
peers=$top_srcdir/tests/live-peers
node_modules=$top_srcdir/pcaps/node/node_modules

skip() { echo "1..0 # SKIP $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip "not root"
[ -e /sys/class/net/lo ] || skip "no lo interface"
"$PY" -c 'import socket; socket.socket(socket.AF_PACKET, socket.SOCK_RAW).close()' 2>/dev/null \
  || skip "cannot capture packets here (no CAP_NET_RAW)"
"$PY" -c 'import websockets' 2>/dev/null || skip "$PY has no websockets module (python3-websockets)"
have_node=0
command -v node >/dev/null 2>&1 && [ -d "$node_modules/ws" ] && have_node=1

tmp=$(mktemp -d /tmp/wsclosed-live.XXXXXX)
chmod 755 "$tmp"   # -Z nobody must reach its output directory
pids=()

cleanup() {
  local p
  for p in "${pids[@]}"; do signal TERM "$p"; done
  sleep 0.2
  for p in "${pids[@]}"; do signal KILL "$p"; done
  wait 2>/dev/null
  if [ -n "${KEEP_TMP:-}" ]; then echo "# kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- helpers -----------------------------------------------------------------

diag() { printf '# %s\n' "$@"; }

# spawn NAME CMD...: run CMD in the background (stdout $tmp/NAME.out, stderr
# $tmp/NAME.err); its pid in $last.
spawn() {
  local name=$1
  shift
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  last=$!
  pids+=("$last")
}

# signal SIG PID: kill -SIG PID, only for a real process id (never 0 or
# empty, which would signal the whole process group, make included)
signal() {
  case $2 in
    '' | *[!0-9]* | 0 | 1) return 1 ;;
  esac
  kill "-$1" "$2" 2>/dev/null
}

# alive PID: running (a zombie child that was not waited for is not)
alive() {
  local st
  signal 0 "$1" || return 1
  st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
  [ -n "$st" ] && [ "$st" != Z ]
}

# wait_for SECS CMD...: poll CMD every 0.1 s until it succeeds; 1 when SECS
# (whole seconds, wall clock) pass first
wait_for() {
  local end=$((SECONDS + $1 + 1))
  shift
  while ((SECONDS < end)); do
    "$@" && return 0
    sleep 0.1
  done
  "$@"
}

# wait_exit PID SECS: wait for a child to end (SIGKILL after SECS); its exit
# status in $exit_rc ("killed" when it had to be killed)
wait_exit() {
  local pid=$1 end=$((SECONDS + $2 + 1))
  while ((SECONDS < end)) && alive "$pid"; do
    sleep 0.1
  done
  if alive "$pid"; then
    signal KILL "$pid"
    wait "$pid" 2>/dev/null
    exit_rc=killed
    return 1
  fi
  wait "$pid" 2>/dev/null
  exit_rc=$?
  return 0
}

# start_daemon NAME ARGS...: start wsclosed ARGS and wait until it captures;
# pid in $dpid (empty when it did not start).  start_cmd NAME CMD...: the
# same for a command that runs wsclosed (exec'ing it, so the pid stays).
start_cmd() {
  local name=$1
  shift
  spawn "$name" "$@"
  dpid=$last
  if ! wait_for 5 grep -qs 'capturing on' "$tmp/$name.err"; then
    diag "$* did not start:" "$(head -5 "$tmp/$name.err")"
    dpid=
    return 1
  fi
}
start_daemon() {
  local name=$1
  shift
  start_cmd "$name" "$WSCLOSED" "$@"
}

gone() { ! alive "$1"; }
file_exists() { [ -e "$1" ]; }
all_exist() { local f; for f in "$@"; do [ -e "$f" ] || return 1; done; }
has_lines() { [ "$(grep -c . "$1" 2>/dev/null)" -ge "$2" ]; }
records() { "$PY" "$peers/records.py" "$@"; }
first_conn() { sed -n 1p "$tmp/$1.out" 2>/dev/null; }

# expect_record NAME FILE CONN DAEMON_PID FIELD=JSON...: the record of the
# connection CONN (its request path, printed by the peer) appears in FILE
# within 15 s while the daemon is running, with these field values
# (JSON-encoded, dotted names)
expect_record() {
  local name=$1 file=$2 conn=$3 pid=$4 kv f want got bad=
  shift 4
  if [ -z "$conn" ]; then
    not_ok "$name: the peer made no connection"
    return
  fi
  if ! wait_for 15 records get "$file" "$conn"; then
    not_ok "$name: no record for $conn within 15 s"
    return
  fi
  if ! alive "$pid"; then
    not_ok "$name: record written, but the daemon is no longer running"
    return
  fi
  local fields=() values
  for kv in "$@"; do fields+=("${kv%%=*}"); done
  mapfile -t values < <(records get "$file" "$conn" "${fields[@]}")
  local i=0
  for kv in "$@"; do
    f=${kv%%=*}
    want=${kv#*=}
    got=${values[i]-}
    i=$((i + 1))
    [ "$got" = "$want" ] || bad="$bad $f=$got (want $want)"
  done
  if [ -z "$bad" ]; then
    ok "$name"
  else
    not_ok "$name"
    diag "record of $conn:$bad"
  fi
}

# stats_field FILE WORDS: the numbers after "WORDS " in each stats line
stats_field() { grep 'stats:' "$1" | sed -n "s/.*$2 \([0-9]*\).*/\1/p"; }

# ---- ports -------------------------------------------------------------------

ports_free() {
  "$PY" - "$@" <<'EOF'
import socket, sys
for p in sys.argv[1:]:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", int(p)))
    except OSError:
        sys.exit(1)
    finally:
        s.close()
EOF
}
# below the usual ephemeral range (32768-), unique per run
base=$((20000 + ($$ % 1000) * 12))
for ((i = 0; i < 20; i++)); do
  ports_free $(seq "$base" $((base + 8))) && break
  base=$((base + 12))
done
P_PY=$base P_NODE=$((base + 1)) P_ERR=$((base + 2)) P_KILL=$((base + 3)) P_RST=$((base + 4))
P_Z=$((base + 5)) P_BURST=$((base + 6)) P_CONF=$((base + 7)) P_OTHER=$((base + 8))
export PEER_LIFETIME=40

# ---- scenarios: records come out while the daemon runs -----------------------
diag "scenarios (at $SECONDS s)"

start_daemon main -i lo -f "tcp portrange $P_PY-$P_RST" --hold 1 -F json -o "$tmp/main.jsonl"
main_pid=$dpid
if [ -z "$main_pid" ]; then
  not_ok "wsclosed -i lo starts"
  tap_end
  exit 0
fi
ok "wsclosed -i lo starts and reports that it captures"

spawn srv_py "$PY" "$peers/peer.py" server echo "$P_PY" "$tmp/py.ready"
spawn srv_err "$PY" "$peers/peer.py" server error "$P_ERR" "$tmp/err.ready"
spawn srv_kill "$PY" "$peers/peer.py" server stall "$P_KILL" "$tmp/kill.ready"
srv_kill=$last
spawn srv_rst1 "$PY" "$peers/peer.py" server restart "$P_RST" "$tmp/rst1.ready"
ready=("$tmp/py.ready" "$tmp/err.ready" "$tmp/kill.ready" "$tmp/rst1.ready")
if [ "$have_node" = 1 ]; then
  spawn srv_node env NODE_PATH="$node_modules" node "$peers/ws_peer.js" server "$P_NODE" "$tmp/node.ready"
  ready+=("$tmp/node.ready")
fi
wait_for 10 all_exist "${ready[@]}" || diag "servers not ready: $(cat "$tmp"/srv_*.err)"

spawn cl_normal "$PY" "$peers/peer.py" client normal "$P_PY"
cl_normal=$last
spawn cl_err "$PY" "$peers/peer.py" client feed "$P_ERR"
cl_err=$last
spawn cl_kill "$PY" "$peers/peer.py" client stalled "$P_KILL" "$tmp/kill.ready"
cl_kill=$last
spawn cl_rst "$PY" "$peers/peer.py" client reconnect "$P_RST"
cl_rst=$last
spawn srv_rst2 "$PY" "$peers/peer.py" server echo "$P_RST" "$tmp/rst2.ready"
if [ "$have_node" = 1 ]; then
  spawn cl_node env NODE_PATH="$node_modules" node "$peers/ws_peer.js" client "$P_NODE"
  cl_node=$last
fi

# killed server: the client's data sits unread in the server's socket, so the
# kernel answers the SIGKILL with RST
if wait_for 10 file_exists "$tmp/kill.ready.sent"; then
  signal KILL "$srv_kill"
  wait "$srv_kill" 2>/dev/null   # (no "Killed" message from bash)
else
  diag "stalled client never sent its data: $(cat "$tmp/cl_kill.err")"
fi
# restart: the first server stops listening, closes with 1012 and exits; a
# new process (started already, waiting for the port) takes over and the
# client reconnects to it
wait_for 10 file_exists "$tmp/rst1.ready.done" \
  || diag "first server of the restart scenario did not stop: $(cat "$tmp/srv_rst1.err")"
for p in "$cl_normal" "$cl_err" "$cl_kill" "$cl_rst" ${cl_node:+"$cl_node"}; do
  wait_exit "$p" 15
done

expect_record "python normal close: 1000, FIN, normal_closure" \
  "$tmp/main.jsonl" "$(first_conn cl_normal)" "$main_pid" \
  close_code=1000 close_initiator='"client"' close_echoed=true tcp_end='"fin"' \
  cause.id='"normal_closure"'
if [ "$have_node" = 1 ]; then
  expect_record "node ws normal close: 1000 \"bye\", FIN, normal_closure" \
    "$tmp/main.jsonl" "$(first_conn cl_node)" "$main_pid" \
    close_code=1000 close_reason='"bye"' close_initiator='"client"' tcp_end='"fin"' \
    cause.id='"normal_closure"'
else
  ok "node ws normal close # SKIP node or $node_modules/ws missing"
fi
# The handler's exception makes websockets close with 1011 and the client
# echoes it; the server ends TCP (with a FIN, and an RST when the client's
# last segment finds its socket gone, as in pcaps/py-1011.pcap: timing).
expect_record "python handler exception: 1011 from the server, server_internal_error" \
  "$tmp/main.jsonl" "$(first_conn cl_err)" "$main_pid" \
  close_code=1011 close_initiator='"server"' close_echoed=true tcp_end_by='"server"' \
  cause.id='"server_internal_error"'
expect_record "killed server: no close frame, RST by the server, peer_reset" \
  "$tmp/main.jsonl" "$(first_conn cl_kill)" "$main_pid" \
  close_code=1006 close_initiator=null tcp_end='"rst"' tcp_end_by='"server"' \
  cause.id='"peer_reset"' cause.detail='"server_reset"'
rst_first=$(first_conn cl_rst)
rst_second=$(sed -n 2p "$tmp/cl_rst.out")
expect_record "1012 restart: service_restart, FIN" \
  "$tmp/main.jsonl" "$rst_first" "$main_pid" \
  close_code=1012 close_reason='"service restart"' close_initiator='"server"' \
  tcp_end='"fin"' cause.id='"service_restart"'
if [ -n "$rst_first" ] && records get "$tmp/main.jsonl" "$rst_first" cause.evidence \
   | grep -q 'reconnected after'; then
  ok "1012 restart: the record notes the client's reconnect"
else
  not_ok "1012 restart: the record notes the client's reconnect"
  diag "evidence: $(records get "$tmp/main.jsonl" "$rst_first" cause.evidence)"
fi
expect_record "1012 restart: the reconnection to the new server closes normally" \
  "$tmp/main.jsonl" "$rst_second" "$main_pid" \
  close_code=1000 close_initiator='"client"' cause.id='"normal_closure"'

# ---- SIGHUP in the middle of a stream of connections ---------------------------
diag "SIGHUP in the middle of a stream of connections (at $SECONDS s)"

n_stream=60
spawn cl_stream "$PY" "$peers/peer.py" client stream "$P_PY" "$n_stream" 0.08
cl_stream=$last
# rotate once the first records of the stream are in the file
stream_in_file() {
  local conns
  conns=$(cat "$tmp/cl_stream.out")
  [ -n "$conns" ] || return 1
  # shellcheck disable=SC2086
  [ "$(records count "$tmp/main.jsonl" -- $conns | awk '{print $2}')" -ge 3 ]
}
wait_for 15 stream_in_file || diag "no stream record in the file after 15 s"
mv "$tmp/main.jsonl" "$tmp/main.jsonl.1"
signal HUP "$main_pid"
if alive "$cl_stream"; then
  ok "SIGHUP sent while connections keep coming"
else
  not_ok "SIGHUP sent while connections keep coming (the stream already ended)"
fi
wait_exit "$cl_stream" 20
stream_conns=$(cat "$tmp/cl_stream.out")
check "stream: all $n_stream connections were made" test "$(grep -c . <<<"$stream_conns")" -eq "$n_stream"
# shellcheck disable=SC2086
wait_for 15 records has "$tmp/main.jsonl.1" "$tmp/main.jsonl" -- $stream_conns
# shellcheck disable=SC2086
if records once "$tmp/main.jsonl.1" "$tmp/main.jsonl" -- $stream_conns >"$tmp/once"; then
  ok "SIGHUP: old and new file together hold every record exactly once"
else
  not_ok "SIGHUP: old and new file together hold every record exactly once"
  diag "connections not seen exactly once: $(awk '$2 != 1' "$tmp/once" | tr '\n' ' ')"
fi
# shellcheck disable=SC2086
split=$(records count "$tmp/main.jsonl.1" "$tmp/main.jsonl" -- $stream_conns | awk '{print $2}' | tr '\n' ' ')
read -r in_old in_new <<<"$split"
if [ "${in_old:-0}" -gt 0 ] && [ "${in_new:-0}" -gt 0 ]; then
  ok "SIGHUP: records before it in the old file ($in_old), after it in the new one ($in_new)"
else
  not_ok "SIGHUP: records on both sides of the reopen (old $in_old, new $in_new)"
fi
check "SIGHUP is logged" grep -q 'SIGHUP: reopened' "$tmp/main.err"

# ---- SIGTERM with an open connection -----------------------------------------
diag "SIGTERM with an open connection (at $SECONDS s)"

spawn cl_hold "$PY" "$peers/peer.py" client hold "$P_PY"
cl_hold=$last
wait_for 10 has_lines "$tmp/cl_hold.out" 1
sleep 0.5   # let the daemon read the handshake and the first frames
hold_conn=$(first_conn cl_hold)
if [ -n "$hold_conn" ] && records get "$tmp/main.jsonl" "$hold_conn"; then
  not_ok "open connection not reported before SIGTERM"
else
  ok "open connection not reported before SIGTERM"
fi
signal TERM "$main_pid"
wait_exit "$main_pid" 10
check "SIGTERM: exit status 0 (was $exit_rc)" test "$exit_rc" = 0
# (the daemon has exited: $$ stands in for a process that is running)
expect_record "SIGTERM: the open connection is written as still_open" \
  "$tmp/main.jsonl" "$hold_conn" "$$" \
  close_code=null tcp_end='"open"' cause.id='"still_open"'
# shellcheck disable=SC2086
check "SIGTERM: no stream record written again at exit" \
  eval 'records once "$tmp/main.jsonl.1" "$tmp/main.jsonl" -- $stream_conns >/dev/null'
check "SIGTERM: logged" grep -q 'stopping: writing' "$tmp/main.err"
signal KILL "$cl_hold"
wait "$cl_hold" 2>/dev/null

# ---- -Z nobody; capabilities only -------------------------------------------------
diag "-Z nobody; capabilities only (at $SECONDS s)"

# Two daemons watch the same connection: one started as root with -Z nobody,
# one started as nobody with only CAP_NET_RAW and CAP_NET_ADMIN, as the
# systemd unit in contrib/ runs it.
if ! nobody_uid=$(id -u nobody 2>/dev/null); then
  ok "-Z nobody # SKIP no user nobody"
else
  nobody_gid=$(id -g nobody)
  mkdir "$tmp/nobody"
  chown nobody "$tmp/nobody"
  start_daemon z -i lo -f "tcp port $P_Z" --hold 1 -F json -o "$tmp/nobody/z.jsonl" \
    -Z nobody --pidfile "$tmp/z.pid" --stats-interval 1
  z_pid=$dpid
  caps_pid=
  have_setpriv=0
  if command -v setpriv >/dev/null 2>&1; then
    have_setpriv=1
    start_cmd caps setpriv --reuid "$nobody_uid" --regid "$nobody_gid" --init-groups \
      --inh-caps +net_raw,+net_admin --ambient-caps +net_raw,+net_admin -- \
      "$WSCLOSED" -i lo -f "tcp port $P_Z" --hold 1 -F json -o "$tmp/nobody/caps.jsonl"
    caps_pid=$dpid
  fi
  status=$(cat "/proc/$z_pid/status" 2>/dev/null)
  uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' <<<"$status")
  gids=$(awk '/^Gid:/ {print $2, $3, $4, $5}' <<<"$status")
  groups=$(awk '/^Groups:/ {$1 = ""; print}' <<<"$status" | tr ' ' '\n' | grep . | sort -n | tr '\n' ' ')
  want_groups=$(id -G nobody | tr ' ' '\n' | sort -n | tr '\n' ' ')
  check "-Z nobody: real, effective, saved and fs uid are nobody's ($uids)" \
    test "$uids" = "$nobody_uid $nobody_uid $nobody_uid $nobody_uid"
  check "-Z nobody: all gids are nobody's group ($gids)" \
    test "$gids" = "$nobody_gid $nobody_gid $nobody_gid $nobody_gid"
  check "-Z nobody: supplementary groups are nobody's ($groups)" test "$groups" = "$want_groups"
  check "-Z nobody: no capabilities left" \
    grep -q '^CapEff:[[:space:]]*0*$' <<<"$status"
  check "--pidfile holds the daemon's pid" test "$(cat "$tmp/z.pid" 2>/dev/null)" = "$z_pid"
  spawn srv_z "$PY" "$peers/peer.py" server echo "$P_Z" "$tmp/z.ready"
  wait_for 10 file_exists "$tmp/z.ready"
  spawn cl_z "$PY" "$peers/peer.py" client normal "$P_Z"
  wait_exit "$last" 10
  expect_record "-Z nobody: still captures after dropping root" \
    "$tmp/nobody/z.jsonl" "$(first_conn cl_z)" "$z_pid" \
    close_code=1000 cause.id='"normal_closure"'
  check "-Z nobody: the output file was created by nobody" \
    test "$(stat -c %u "$tmp/nobody/z.jsonl" 2>/dev/null)" = "$nobody_uid"
  if [ "$have_setpriv" = 0 ]; then
    ok "unprivileged with CAP_NET_RAW and CAP_NET_ADMIN # SKIP no setpriv"
  elif [ -z "$caps_pid" ]; then
    not_ok "unprivileged with CAP_NET_RAW and CAP_NET_ADMIN only: starts"
  else
    expect_record "unprivileged with CAP_NET_RAW and CAP_NET_ADMIN only: captures" \
      "$tmp/nobody/caps.jsonl" "$(first_conn cl_z)" "$caps_pid" \
      close_code=1000 cause.id='"normal_closure"'
    signal TERM "$caps_pid"
    wait_exit "$caps_pid" 10
  fi
  # this daemon gets no SIGUSR1: every statistics line before the stop is
  # from --stats-interval (it ran about 4 s)
  check "--stats-interval 1: statistics every second ($(grep -c 'stats:' "$tmp/z.err") lines)" \
    test "$(grep -c 'stats:' "$tmp/z.err")" -ge 2
  signal TERM "$z_pid"
  wait_exit "$z_pid" 10
  check "-Z nobody: SIGTERM exit status 0 (was $exit_rc)" test "$exit_rc" = 0
fi

# ---- bounded connection table ------------------------------------------------------
diag "bounded connection table (at $SECONDS s)"

n_burst=300
start_daemon burst -i lo -f "tcp port $P_BURST" --hold 1 -F json -o "$tmp/burst.jsonl" \
  --max-conns 50
burst_pid=$dpid
spawn srv_burst "$PY" "$peers/peer.py" server echo "$P_BURST" "$tmp/burst.ready"
wait_for 10 file_exists "$tmp/burst.ready"
spawn cl_burst "$PY" "$peers/peer.py" client burst "$P_BURST" "$n_burst" 20
cl_burst=$last
# statistics on SIGUSR1 while the connections come
for ((i = 0; i < 300; i++)); do
  alive "$cl_burst" || break
  signal USR1 "$burst_pid"
  sleep 0.2
done
wait_exit "$cl_burst" 20
burst_conns=$(cat "$tmp/cl_burst.out")
check "burst: all $n_burst connections were made" test "$(grep -c . <<<"$burst_conns")" -eq "$n_burst"
# shellcheck disable=SC2086
wait_for 15 records has "$tmp/burst.jsonl" -- $burst_conns
# shellcheck disable=SC2086
if records once "$tmp/burst.jsonl" -- $burst_conns >"$tmp/once"; then
  ok "burst: every connection has exactly one record"
else
  not_ok "burst: every connection has exactly one record"
  diag "$(awk '$2 != 1' "$tmp/once" | wc -l) connections without exactly one record" \
    "$(grep 'stats:' "$tmp/burst.err" | tail -1)"
fi
n_stats=$(grep -c 'stats:' "$tmp/burst.err")
signal USR1 "$burst_pid"
wait_for 5 test "$(grep -c 'stats:' "$tmp/burst.err")" -gt "$n_stats"
max_tracked=$(stats_field "$tmp/burst.err" 'connections tracked' | sort -n | tail -1)
evicted=$(stats_field "$tmp/burst.err" 'evicted' | tail -1)
rec_evicted=$(records limit "$tmp/burst.jsonl" evicted)
drops=$(grep 'stats:' "$tmp/burst.err" | tail -1 | sed -n 's/.*kernel: received [0-9]*, dropped \([0-9]*\).*/\1/p')
check "burst: statistics show at most 50 connections tracked (max $max_tracked)" \
  test "${max_tracked:-999}" -le 50
# With at most 20 connections open at once, a full table is made room in by
# ending connections already closed both ways (their linger is cut short);
# only open ones are evicted and marked so.
diag "burst: evicted $evicted (open connections ended early)"
check "burst: records marked evicted ($rec_evicted) = evicted in the statistics ($evicted)" \
  test "$rec_evicted" = "$evicted"
check "statistics include kernel counters from pcap_stats" test -n "$drops"
check "burst: the kernel dropped no packets with the default buffer (dropped ${drops:-?})" \
  test "${drops:-1}" = 0
signal TERM "$burst_pid"
wait_exit "$burst_pid" 10
check "burst: SIGTERM exit status 0 (was $exit_rc)" test "$exit_rc" = 0

# ---- config file -----------------------------------------------------------------
diag "config file (at $SECONDS s)"

cat >"$tmp/bad.conf" <<EOF
[wsclosed]
interface=lo
colour=blue
EOF
"$WSCLOSED" -c "$tmp/bad.conf" >/dev/null 2>"$tmp/bad.err"
rc=$?
check "config: an unknown key is a usage error naming it (exit $rc)" \
  eval '[ "$rc" = 1 ] && grep -q colour "$tmp/bad.err"'

cat >"$tmp/wsclosed.conf" <<EOF
# settings for the live test; the command line overrides format and output
[wsclosed]
interface=lo
filter=tcp port $P_CONF
format=csv
output=$tmp/conf-from-file.out
hold=1
daemon=true
pidfile=$tmp/conf.pid
EOF
spawn srv_conf "$PY" "$peers/peer.py" server echo "$P_CONF" "$tmp/conf.ready"
spawn srv_other "$PY" "$peers/peer.py" server echo "$P_OTHER" "$tmp/other.ready"
wait_for 10 all_exist "$tmp/conf.ready" "$tmp/other.ready"
"$WSCLOSED" -c "$tmp/wsclosed.conf" -F json -o "$tmp/conf.jsonl" 2>"$tmp/conf.err"
rc=$?
check "config: daemon=true detaches (exit $rc)" test "$rc" = 0
wait_for 5 test -s "$tmp/conf.pid"
conf_pid=$(cat "$tmp/conf.pid" 2>/dev/null)
if [ -n "$conf_pid" ] && alive "$conf_pid"; then
  pids+=("$conf_pid")
  ok "config: pidfile from the config file names the running daemon"
else
  not_ok "config: pidfile from the config file names the running daemon"
  conf_pid=
fi
# the other port first: were it captured, its record would be out first
spawn cl_other "$PY" "$peers/peer.py" client normal "$P_OTHER"
wait_exit "$last" 10
spawn cl_conf "$PY" "$peers/peer.py" client normal "$P_CONF"
wait_exit "$last" 10
expect_record "config: interface and filter from the file, format and output from options" \
  "$tmp/conf.jsonl" "$(first_conn cl_conf)" "$conf_pid" \
  close_code=1000 cause.id='"normal_closure"'
check "config: the file's output is not used when -o is given" test ! -e "$tmp/conf-from-file.out"
other_conn=$(first_conn cl_other)
if [ -n "$other_conn" ] && records get "$tmp/conf.jsonl" "$(first_conn cl_conf)" \
   && ! records get "$tmp/conf.jsonl" "$other_conn"; then
  ok "config: the file's filter leaves out other ports"
else
  not_ok "config: the file's filter leaves out other ports"
fi
signal TERM "$conf_pid"
wait_for 10 gone "$conf_pid"
check "config: detached daemon stops on SIGTERM" gone "$conf_pid"
check "config: pidfile removed at exit" test ! -e "$tmp/conf.pid"

tap_end
