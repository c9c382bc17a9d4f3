#!/bin/bash
# Record the library and proxy captures in pcaps/libs/ from real peers on loopback.
#
# usage (as root):  pcaps/libs/record.sh [SCENARIO...]     default: every scenario
#                   pcaps/libs/record.sh --list
#                   pcaps/libs/record.sh --explore SCENARIO  record into /tmp and
#                       print tshark's facts (no expected file, nothing installed)
#
# For each scenario (scenarios.py): start tcpdump on lo for the scenario's ports,
# let scenarios.py --run play it with the real library or proxy (every wait in it
# is bounded, every process it starts is ended), stop tcpdump, write
# SCENARIO.expected.jsonl from scenarios.py (what is known from how the scenario
# was made) and check it against tshark's decoding (../tshark_facts.py --check).
# A capture replaces the committed one only when that check passes; a failed
# scenario is retried twice.
#
# Needs: tcpdump, tshark, /usr/bin/python3 with python3-websockets,
# python3-aiohttp, python3-tornado, python3-uvicorn, python3-starlette,
# python3-wsproto; perl with libmojolicious-perl; golang-go with
# golang-github-gorilla-websocket-dev; node + npm (Socket.IO, graphql-ws, aedes,
# stomp-broker-js from node/package-lock.json); haproxy; apache2;
# libjetty9-java libjetty9-extra-java with a JDK (javac); ruby-faye-websocket
# and thin.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
export PYTHONDONTWRITEBYTECODE=1
rec_tmp wslibs
capture_opts=(-B 16384)

# record NAME BASE_PORT [explore]
record() {
	local name=$1 pcap=$tmp/$1.pcap port backend rc
	port=$(free_port "$2")
	backend=$(free_port $(( port + 1 )))
	rm -f "$pcap" "$tmp"/*.log "$tmp"/*.ready "$tmp"/clients.connected
	if [ "$("$PY" "$here/scenarios.py" --capture "$name")" = front ]; then
		capture_start "$pcap" "$port" || return 1    # one leg of a proxy only
	else
		capture_start "$pcap" "$port" "$backend" || return 1
	fi
	timeout 120 "$PY" "$here/scenarios.py" --run "$name" "$port" "$backend" "$tmp"
	rc=$?
	capture_stop
	if [ $rc != 0 ]; then
		for f in "$tmp"/*.log; do
			[ -s "$f" ] && sed "s/^/  $(basename "$f" .log): /" "$f" | tail -5 >&2
		done
		return 1
	fi
	if [ "${3:-}" = explore ]; then
		mkdir -p /tmp/wslibs-explore
		cp "$pcap" /tmp/wslibs-explore/
		cat "$tmp/tcpdump.log"; "$PY" "$here/../tshark_facts.py" "$pcap" | jq -c "{client_port,server_port,handshake_status,close_code,close_reason,close_initiator,close_echoed,tcp_end,tcp_end_by,close_codes_all}"
		tshark -n -r "$pcap" -o tcp.desegment_tcp_streams:TRUE -d "tcp.port==$port,http" \
			-d "tcp.port==$backend,http" -t r \
			-Y 'websocket or tcp.flags.fin==1 or tcp.flags.reset==1 or http' 2>/dev/null | cut -c1-150
		return 0
	fi
	local exp
	exp=$("$PY" "$here/scenarios.py" --expected "$name" "$pcap" "$port" "$backend") || return 1
	check_install "$name" "$pcap" "$exp" /tmp/wslibs-failed
}

if [ "${1:-}" = "--list" ]; then
	"$PY" "$here/scenarios.py" --list
	exit 0
fi
[ "$(id -u)" = 0 ] || die "run as root (tcpdump on lo)"
for tool in tcpdump tshark ss timeout perl haproxy apache2; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
"$PY" -c 'import websockets, aiohttp, tornado, uvicorn, starlette, wsproto' 2>/dev/null ||
	die "$PY lacks a library (python3-websockets python3-aiohttp python3-tornado python3-uvicorn python3-starlette python3-wsproto)"
perl -MMojolicious -e1 2>/dev/null || die "perl lacks Mojolicious (libmojolicious-perl)"
[ -d /usr/share/gocode/src/github.com/gorilla/websocket ] && command -v go >/dev/null ||
	die "gorilla scenarios need golang-go and golang-github-gorilla-websocket-dev"
if [ ! -e "$here/node/node_modules/socket.io/package.json" ]; then
	log "installing the subprotocol servers from package-lock.json (npm ci)"
	(cd "$here/node" && timeout 300 npm ci --no-audit --no-fund) >&2 || die "npm ci failed"
fi

all=$("$PY" "$here/scenarios.py" --list) || die "scenarios.py --list failed"
explore=
if [ "${1:-}" = "--explore" ]; then explore=explore; shift; fi
if [ $# -gt 0 ]; then wanted=("$@"); else mapfile -t wanted <<<"$all"; fi

failed=()
for name in "${wanted[@]}"; do
	base=$(scenario_base "$all" "$name" 19000) || exit 1
	ok=no
	for attempt in 1 2 3; do
		log "$name (attempt $attempt)"
		if record "$name" "$base" $explore; then ok=yes; break; fi
		[ -n "$explore" ] && break
	done
	if [ $ok = yes ]; then
		[ -z "$explore" ] && log "  ok: $name.pcap ($(stat -c %s "$here/$name.pcap") bytes)"
	else
		failed+=("$name"); log "  FAILED: $name (committed capture left as it was)"
	fi
done
log "recorded $(( ${#wanted[@]} - ${#failed[@]} )), failed ${#failed[@]}${failed[*]:+ (${failed[*]})}"
[ ${#failed[@]} = 0 ]
