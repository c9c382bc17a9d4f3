# pcaps/lib.sh - what the recording scripts share (pcaps/record.sh,
# pcaps/tls/record.sh, pcaps/libs/record.sh; bash, sourced):
#
#   . "$(dirname "$0")/lib.sh"          (or ../lib.sh)
#   rec_tmp NAME                        scratch directory $tmp (/tmp/NAME.XXXXXX)
#
# Background processes started with start_bg (or added to bg_pids) are
# ended at exit, and $tmp removed.  Every wait here is bounded.  tcpdump
# runs on lo with -U --immediate-mode: without it packets wait in the
# kernel's ring buffer until a block fills or times out, and tcpdump
# stopping with SIGINT can lose them; capture_opts adds options (-B ...).

set -u
export LC_ALL=C.UTF-8

PY=/usr/bin/python3
pcaps=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bg_pids=()
capture_opts=()
tcpdump_pid=
tmp=

log() { printf '%s\n' "$*" >&2; }
die() { log "record.sh: $*"; exit 1; }

rec_cleanup() {
	local p
	for p in "${bg_pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	sleep 0.2
	for p in "${bg_pids[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	[ -n "$tmp" ] && rm -rf "$tmp"
}

# rec_tmp NAME: make the scratch directory $tmp; clean up at exit
rec_tmp() {
	tmp=$(mktemp -d "/tmp/$1.XXXXXX") || die "mktemp failed"
	trap rec_cleanup EXIT
	trap 'exit 130' INT TERM
}

# wait_pid PID SECS: wait for PID to exit; after SECS kill it.  Returns 1 on kill.
wait_pid() {
	local pid=$1 i n=$(( $2 * 20 ))
	for (( i = 0; i < n; i++ )); do
		kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
		sleep 0.05
	done
	log "  pid $pid still running after $2 s: killing it"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 1
}

# reap: end every background process this script started that is still running
reap() {
	local p
	for p in "${bg_pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${bg_pids[@]}"; do
		wait_pid "$p" 2 >/dev/null 2>&1
	done
	bg_pids=()
}

# start_bg LOGNAME CMD...: run CMD in the background, output in $tmp/LOGNAME.log;
# its pid ends up in $last_pid.
start_bg() {
	local name=$1
	shift
	"$@" >"$tmp/$name.log" 2>&1 &
	last_pid=$!
	bg_pids+=("$last_pid")
}

# wait_file FILE SECS
wait_file() {
	local i n=$(( $2 * 20 ))
	for (( i = 0; i < n; i++ )); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	log "  timed out waiting for $1"
	return 1
}

# wait_listen PORT SECS: wait until something listens on 127.0.0.1:PORT
# (asks the kernel with ss; no probe connection that would end up in a capture)
wait_listen() {
	local i n=$(( $2 * 20 ))
	for (( i = 0; i < n; i++ )); do
		[ -n "$(ss -Htln "sport = :$1")" ] && return 0
		sleep 0.05
	done
	log "  timed out waiting for a listener on port $1"
	return 1
}

port_busy() { [ -n "$(ss -Htan "( sport = :$1 or dport = :$1 )")" ]; }

# free_port BASE: first port from BASE on that no socket uses
free_port() {
	local p=$1
	while port_busy "$p"; do
		p=$(( p + 1 ))
	done
	echo "$p"
}

# capture_start FILE PORT...: tcpdump on lo for those TCP ports, into FILE
capture_start() {
	local file=$1 filter="" p i
	shift
	for p in "$@"; do
		filter="${filter:+$filter or }tcp port $p"
	done
	rm -f "$tmp/tcpdump.log"
	tcpdump -i lo "${capture_opts[@]}" -w "$file" -U --immediate-mode -Z root "$filter" \
		>"$tmp/tcpdump.log" 2>&1 &
	tcpdump_pid=$!
	bg_pids+=("$tcpdump_pid")
	for (( i = 0; i < 100; i++ )); do
		grep -q "listening on" "$tmp/tcpdump.log" 2>/dev/null && return 0
		kill -0 "$tcpdump_pid" 2>/dev/null || break
		sleep 0.05
	done
	log "  tcpdump did not start: $(cat "$tmp/tcpdump.log")"
	return 1
}

capture_stop() {
	local p keep=()
	sleep 0.3   # let the last packets reach the capture
	kill -INT "$tcpdump_pid" 2>/dev/null
	wait_pid "$tcpdump_pid" 5
	# gone: not to be signalled at exit (its pid may be another's by then)
	for p in "${bg_pids[@]}"; do
		[ "$p" = "$tcpdump_pid" ] || keep+=("$p")
	done
	bg_pids=("${keep[@]}")
	tcpdump_pid=
}

# check_install NAME PCAP EXPECTED KEEPDIR: check the capture against its
# expected file with tshark (pcaps/tshark_facts.py --check); when it passes,
# install both as $here/NAME.pcap and $here/NAME.expected.jsonl, else keep
# the capture in KEEPDIR and return 1.
check_install() {
	local name=$1 pcap=$2 exp=$3 keep=$4
	if ! "$PY" "$pcaps/tshark_facts.py" --check "$pcap" "$exp" >"$tmp/check.log" 2>&1; then
		sed 's/^/  /' "$tmp/check.log" >&2
		mkdir -p "$keep"
		cp "$pcap" "$keep/$name.pcap"
		log "  capture kept as $keep/$name.pcap"
		return 1
	fi
	cp "$pcap" "$here/$name.pcap"
	cp "$exp" "$here/$name.expected.jsonl"
	return 0
}

# scenario_base LIST NAME FIRST: the base port of scenario NAME, FIRST plus
# ten times its line number in LIST (the names, one a line); dies on a name
# not there.
scenario_base() {
	local idx
	idx=$(grep -nx -- "$2" <<<"$1" | cut -d: -f1)
	[ -n "$idx" ] || die "unknown scenario $2 (see --list)"
	echo $(( $3 + 10 * idx ))
}
