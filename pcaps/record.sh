#!/bin/bash
# Record the test captures in pcaps/ from real WebSocket peers on loopback.
#
# usage (as root):  pcaps/record.sh [SCENARIO...]     default: every scenario
#                   pcaps/record.sh --list
#
# For each scenario: start tcpdump on lo for the scenario's ports, start the
# peers (Debian's python3-websockets 10.4, `ws` from npm, hand-made raw clients,
# nginx as a reverse proxy), let them play the scenario, stop everything, then
# write SCENARIO.expected.jsonl from scenarios.py (what is known from how the
# scenario was made) and check it against tshark's decoding of the capture.
# A capture replaces the committed one only when that check passes; a failed
# scenario is retried twice (loopback timing can differ from run to run).
#
# Needs: tcpdump, tshark, node + npm, /usr/bin/python3 with python3-websockets,
# nginx (nginx-light is enough) for the nginx-* scenarios, chromium for the
# chromium-* ones (skipped without it).  Every wait is bounded.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
rec_tmp wsrecord
peers=$here/peers

# ---- helpers -----------------------------------------------------------------

py_server() { start_bg server env PEER_LIFETIME="${LIFETIME:-20}" "$PY" "$peers/py_server.py" "$@"; server_pid=$last_pid; }
ws_server() { start_bg server node "$peers/ws_server.js" "$@"; server_pid=$last_pid; }

# ---- scenarios -----------------------------------------------------------------

# run_plain NAME PORT: one server, one client, each ends by itself.
run_plain() {
	local name=$1 port=$2 ready=$tmp/ready
	rm -f "$ready"*
	case $name in
	ws-*)	ws_server "$name" "$port" "$ready" ;;
	*)	py_server "$name" "$port" "$ready" ;;
	esac
	wait_file "$ready" 10 || return 1
	case $name in
	ws-normal-1000|ws-empty-close-1005|ws-client-1001|ws-1010|ws-deflate)
		timeout 15 node "$peers/ws_client.js" "$name" "$port" >"$tmp/client.log" 2>&1 ;;
	py-1012-restart)
		timeout 30 "$PY" "$peers/py_client.py" "$name" "$port" "$ready.restarted" \
			>"$tmp/client.log" 2>&1 ;;
	*)	timeout 15 "$PY" "$peers/py_client.py" "$name" "$port" >"$tmp/client.log" 2>&1 ;;
	esac
	wait_pid "$server_pid" 10
}

run_rst() {   # the server is killed while the client's data sits unread
	local name=$1 port=$2 ready=$tmp/ready
	rm -f "$ready"*
	py_server "$name" "$port" "$ready"
	wait_file "$ready" 10 || return 1
	start_bg client timeout 15 "$PY" "$peers/py_client.py" "$name" "$port" "$ready"
	local client_pid=$last_pid
	wait_file "$ready.sent" 10 || return 1
	kill -KILL "$server_pid"
	{ wait_pid "$server_pid" 5; } 2>/dev/null   # no "Killed" job notice
	wait_pid "$client_pid" 10
}

run_nginx() {   # run_nginx NAME PORT BACKEND_PORT READ_TIMEOUT
	local name=$1 port=$2 backend=$3 rt=$4 ready=$tmp/ready ngx=$tmp/nginx
	rm -rf "$ready"* "$ngx"
	mkdir -p "$ngx/logs"
	cat >"$ngx/nginx.conf" <<-EOF
		daemon off;
		master_process on;
		worker_processes 1;
		user root;
		pid $ngx/nginx.pid;
		error_log $ngx/logs/error.log info;
		events { worker_connections 64; }
		http {
		    access_log off;
		    client_body_temp_path $ngx/body;
		    proxy_temp_path $ngx/proxy;
		    server {
		        listen 127.0.0.1:$port;
		        location / {
		            proxy_pass http://127.0.0.1:$backend;
		            proxy_http_version 1.1;
		            proxy_set_header Upgrade \$http_upgrade;
		            proxy_set_header Connection "upgrade";
		            proxy_set_header Host \$http_host;
		            proxy_read_timeout $rt;
		        }
		    }
		}
	EOF
	LIFETIME=$(( ${rt%s} + 30 )) py_server nginx-backend "$backend" "$ready"
	wait_file "$ready" 10 || return 1
	start_bg nginx nginx -p "$ngx" -c "$ngx/nginx.conf"
	local nginx_pid=$last_pid
	wait_listen "$port" 10 || return 1
	IDLE_WAIT=$(( ${rt%s} + 15 )) timeout $(( ${rt%s} + 30 )) \
		"$PY" "$peers/py_client.py" "$name" "$port" >"$tmp/client.log" 2>&1
	kill -QUIT "$nginx_pid" 2>/dev/null
	wait_pid "$nginx_pid" 10
	wait_pid "$server_pid" 10
}

run_idle_proxy() {   # run_idle_proxy NAME PORT BACKEND_PORT IDLE_SECONDS
	local name=$1 port=$2 backend=$3 idle=$4 ready=$tmp/ready
	rm -f "$ready"*
	LIFETIME=$(( idle + 30 )) py_server idle-backend "$backend" "$ready"
	wait_file "$ready" 10 || return 1
	start_bg proxy env PEER_LIFETIME=$(( idle + 30 )) \
		"$PY" "$peers/idle_proxy.py" "$port" "$backend" "$idle" 3 "$ready.proxy"
	local proxy_pid=$last_pid
	wait_file "$ready.proxy" 10 || return 1
	IDLE_WAIT=$(( idle + 15 )) timeout $(( idle + 30 )) \
		"$PY" "$peers/py_client.py" "$name" "$port" >"$tmp/client.log" 2>&1
	wait_pid "$proxy_pid" 10
	wait_pid "$server_pid" 10
}

# run_chromium NAME PORT PAGE_PORT: headless Chromium loads a page (served on
# PAGE_PORT, not captured) whose script opens a WebSocket to the server on PORT.
run_chromium() {
	local name=$1 port=$2 pageport=$3 ready=$tmp/ready page
	rm -rf "$ready"* "$tmp/chromium-profile"
	mkdir -p "$tmp/chromium-profile"
	local flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
		--disable-component-update --disable-sync --no-first-run
		--user-data-dir="$tmp/chromium-profile" --remote-debugging-port=0)
	case $name in
	chromium-close-1000) page=close-1000.html ;;
	chromium-navigate-1001)
		# without the back/forward cache leaving the page unloads it
		page=navigate.html
		flags+=(--disable-features=BackForwardCache) ;;
	esac
	py_server "$name" "$port" "$ready"
	wait_file "$ready" 10 || return 1
	start_bg pages "$PY" -m http.server --bind 127.0.0.1 --directory "$peers/chromium" "$pageport"
	wait_listen "$pageport" 10 || return 1
	start_bg chromium timeout 40 chromium "${flags[@]}" \
		"http://127.0.0.1:$pageport/$page?port=$port"
	local chromium_pid=$last_pid
	# the server ends once the browser has ended its WebSocket
	wait_pid "$server_pid" 20
	kill -TERM "$chromium_pid" 2>/dev/null
	wait_pid "$chromium_pid" 10
}

# record NAME BASE_PORT: record one scenario into $tmp, check it, install it.
record() {
	local name=$1 port backend="" pcap=$tmp/$1.pcap
	port=$(free_port "$2")
	local ports=("$port")
	case $name in
	nginx-*)
		command -v nginx >/dev/null || { log "$name: nginx not installed, skipped"; return 2; }
		backend=$(free_port $(( port + 1 )))
		ports+=("$backend") ;;
	py-idle-*)
		backend=$(free_port $(( port + 1 )))
		ports+=("$backend") ;;
	chromium-*)
		command -v chromium >/dev/null || { log "$name: chromium not installed, skipped"; return 2; }
		backend=$(free_port $(( port + 1 ))) ;;   # the page's port, not captured
	esac
	rm -f "$pcap"
	capture_start "$pcap" "${ports[@]}" || return 1
	case $name in
	py-no-close-rst) run_rst "$name" "$port" ;;
	nginx-idle-5s) run_nginx "$name" "$port" "$backend" 5s ;;
	nginx-idle-60s) run_nginx "$name" "$port" "$backend" 60s ;;
	py-idle-1006-fixed) run_idle_proxy "$name" "$port" "$backend" 3 ;;
	chromium-*) run_chromium "$name" "$port" "$backend" ;;
	*) run_plain "$name" "$port" ;;
	esac
	capture_stop
	reap
	local exp
	exp=$("$PY" "$here/scenarios.py" --expected "$name" "$pcap" "${ports[@]}") || return 1
	check_install "$name" "$pcap" "$exp" /tmp/wsrecord-failed
}

# ---- main ------------------------------------------------------------------------

if [ "${1:-}" = "--list" ]; then
	"$PY" "$here/scenarios.py" --list
	exit 0
fi
[ "$(id -u)" = 0 ] || die "run as root (tcpdump on lo)"
for tool in tcpdump tshark node npm ss timeout; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
"$PY" -c 'import websockets' 2>/dev/null || die "$PY lacks websockets (apt-get install python3-websockets)"
if [ ! -e "$here/node/node_modules/ws/package.json" ]; then
	log "installing ws from package-lock.json (npm ci)"
	(cd "$here/node" && timeout 300 npm ci --no-audit --no-fund) >&2 || die "npm ci failed"
fi

all=$("$PY" "$here/scenarios.py" --list) || die "scenarios.py --list failed"
if [ $# -gt 0 ]; then
	wanted=("$@")
else
	mapfile -t wanted <<<"$all"
fi

failed=() skipped=()
for name in "${wanted[@]}"; do
	base=$(scenario_base "$all" "$name" 18000) || exit 1
	ok=no
	for attempt in 1 2 3; do
		log "$name (attempt $attempt)"
		record "$name" "$base"
		rc=$?
		reap
		if [ $rc = 0 ]; then ok=yes; break; fi
		if [ $rc = 2 ]; then ok=skip; break; fi
		for f in server client nginx proxy pages chromium; do
			[ -s "$tmp/$f.log" ] && sed "s/^/  $f: /" "$tmp/$f.log" | tail -5 >&2
		done
	done
	case $ok in
	yes) log "  ok: $name.pcap ($(stat -c %s "$here/$name.pcap") bytes)" ;;
	skip) skipped+=("$name") ;;
	*) failed+=("$name"); log "  FAILED: $name (committed capture left as it was)" ;;
	esac
done

log "recorded $(( ${#wanted[@]} - ${#failed[@]} - ${#skipped[@]} )), skipped ${#skipped[@]}${skipped[*]:+ (${skipped[*]})}, failed ${#failed[@]}${failed[*]:+ (${failed[*]})}"
[ ${#failed[@]} = 0 ]
