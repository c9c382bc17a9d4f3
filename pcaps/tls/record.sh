#!/bin/bash
# Record the wss test captures in pcaps/tls/ from real peers on loopback, with
# the key log each client wrote.
#
# usage (as root):  pcaps/tls/record.sh [SCENARIO...]    default: every scenario
#                   pcaps/tls/record.sh --list
#
# For each scenario: make a throwaway certificate, start tcpdump on lo for the
# scenario's port, start the server and the client (python3-websockets 10.4
# with ssl.SSLContext.keylog_filename: peer.py; node + ws with --tls-keylog:
# ws_tls.js; openssl s_client -keylogfile, which sends KeyUpdates on
# command, with a hand-written WebSocket client's bytes; headless Chromium
# with --ssl-key-log-file loading pcaps/tls/chromium.html), let them play, stop everything, then have scenarios.py check the
# scenario's facts against tshark's decryption of the capture with the key log
# and write SCENARIO.expected.jsonl.  A capture and its key log replace the
# committed ones only when that check passes; a failed scenario is retried
# twice.  Then tls13-dsb.pcapng: tls13-aes128-1000 with its secrets injected
# into a Decryption Secrets Block by editcap --inject-secrets.
#
# TLS 1.3 suites are chosen through OPENSSL_CONF (Python's ssl module cannot
# set them); TLS 1.2 ciphers and encrypt-then-MAC in peer.py.
# Needs: tcpdump, tshark, editcap, openssl, /usr/bin/python3 with
# python3-websockets, node + pcaps/node's `npm ci`, chromium.  Every wait is
# bounded.

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
rec_tmp wssrecord

[ "$(id -u)" = 0 ] || die "run as root (tcpdump on lo)"
for t in tcpdump tshark editcap openssl node; do
	command -v "$t" >/dev/null || die "$t not installed"
done
[ -d "$here/../node/node_modules/ws" ] || (cd "$here/../node" && npm ci --silent --no-audit --no-fund) \
	|| die "npm ci in pcaps/node failed"

if [ "${1:-}" = "--list" ]; then
	"$PY" "$here/scenarios.py" --list
	exit 0
fi

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
	-days 30 -subj /CN=wss.test >/dev/null 2>&1 || die "openssl req failed"

record_one() {   # record_one NAME PORT: capture in $tmp/NAME.pcap, key log in $tmp/NAME.keylog
	local name=$1 port=$2 ready=$tmp/ready suites conf=$tmp/openssl.cnf
	rm -f "$ready" "$tmp/$name.pcap" "$tmp/$name.keylog"
	suites=$("$PY" "$here/scenarios.py" --ciphersuites "$name")
	{
		echo "openssl_conf = default_conf"
		echo "[default_conf]"
		echo "ssl_conf = ssl_sect"
		echo "[ssl_sect]"
		echo "system_default = system_default_sect"
		echo "[system_default_sect]"
		[ -n "$suites" ] && echo "Ciphersuites = $suites"
	} >"$conf"
	# nginx-*: nginx terminates TLS on $port and proxies to a plain
	# websockets server on $bport; both legs are captured
	local bport=0 ports=("$port")
	case $name in nginx-*)
		bport=$(free_port $(( port + 1 )))
		ports+=("$bport") ;;
	esac
	capture_start "$tmp/$name.pcap" "${ports[@]}" || return 1
	case $name in
	node-*)
		start_bg server node "$here/ws_tls.js" server "$name" "$port" "$ready" "$tmp/cert.pem" "$tmp/key.pem"
		local sp=$last_pid
		wait_file "$ready" 10 || return 1
		timeout 15 node --tls-keylog="$tmp/$name.keylog" "$here/ws_tls.js" client "$name" "$port" \
			>"$tmp/client.log" 2>&1 ;;
	chromium-*)
		start_bg server env OPENSSL_CONF="$conf" "$PY" "$here/peer.py" server "$name" "$port" "$ready" \
			"$tmp/cert.pem" "$tmp/key.pem"
		local sp=$last_pid
		wait_file "$ready" 10 || return 1
		local pageport
		pageport=$(free_port $(( port + 100 )))
		start_bg pages "$PY" -m http.server --bind 127.0.0.1 --directory "$here" "$pageport"
		wait_listen "$pageport" 5
		rm -rf "$tmp/chromium-profile"
		start_bg chromium timeout 40 chromium --headless --no-sandbox --disable-gpu \
			--disable-background-networking --disable-component-update --disable-sync \
			--no-first-run --user-data-dir="$tmp/chromium-profile" --remote-debugging-port=0 \
			--ignore-certificate-errors --host-resolver-rules="MAP wss.test 127.0.0.1" \
			--ssl-key-log-file="$tmp/$name.keylog" \
			"http://127.0.0.1:$pageport/chromium.html?port=$port"
		local cp=$last_pid
		# the server ends once the browser has ended its WebSocket
		wait_pid "$sp" 20
		kill -TERM "$cp" 2>/dev/null
		wait_pid "$cp" 10 ;;
	nginx-*)
		start_bg server "$PY" "$here/peer.py" server "ws-nginx-${name##*-}" "$bport" "$ready" - -
		local sp=$last_pid
		wait_file "$ready" 10 || return 1
		mkdir -p "$tmp/nginx"
		cat >"$tmp/nginx.conf" <<-EOF
		user root;
		worker_processes 1;
		error_log $tmp/nginx/error.log;
		pid $tmp/nginx/nginx.pid;
		events { worker_connections 64; }
		http {
		  access_log off;
		  client_body_temp_path $tmp/nginx; proxy_temp_path $tmp/nginx;
		  fastcgi_temp_path $tmp/nginx; uwsgi_temp_path $tmp/nginx; scgi_temp_path $tmp/nginx;
		  server {
		    listen 127.0.0.1:$port ssl;
		    ssl_certificate $tmp/cert.pem;
		    ssl_certificate_key $tmp/key.pem;
		    ssl_protocols TLSv1.3;
		    location / {
		      proxy_pass http://127.0.0.1:$bport;
		      proxy_http_version 1.1;
		      proxy_set_header Upgrade \$http_upgrade;
		      proxy_set_header Connection "upgrade";
		      proxy_read_timeout 30s;
		    }
		  }
		}
		EOF
		start_bg nginx nginx -c "$tmp/nginx.conf" -g 'daemon off;'
		local np=$last_pid
		wait_listen "$port" 5
		OPENSSL_CONF=$conf timeout 20 "$PY" "$here/peer.py" client "$name" "$port" \
			"$tmp/$name.keylog" >"$tmp/client.log" 2>&1
		wait_pid "$sp" 15
		sleep 0.3
		kill -QUIT "$np" 2>/dev/null
		wait_pid "$np" 5 ;;
	tls13-keyupdate-*)
		start_bg server env OPENSSL_CONF="$conf" "$PY" "$here/peer.py" server "$name" "$port" "$ready" \
			"$tmp/cert.pem" "$tmp/key.pem"
		local sp=$last_pid
		wait_file "$ready" 10 || return 1
		"$PY" "$here/peer.py" sclient-input | OPENSSL_CONF=$conf timeout 20 openssl s_client \
			-connect "127.0.0.1:$port" -servername wss.test -tls1_3 -alpn http/1.1 \
			-ciphersuites "$suites" -keylogfile "$tmp/$name.keylog" \
			>"$tmp/client.log" 2>&1 ;;
	*)
		start_bg server env OPENSSL_CONF="$conf" "$PY" "$here/peer.py" server "$name" "$port" "$ready" \
			"$tmp/cert.pem" "$tmp/key.pem"
		local sp=$last_pid
		wait_file "$ready" 10 || return 1
		OPENSSL_CONF=$conf timeout 20 "$PY" "$here/peer.py" client "$name" "$port" \
			"$tmp/$name.keylog" >"$tmp/client.log" 2>&1 ;;
	esac
	wait_pid "$sp" 15
	capture_stop
	case $name in ws-*) return 0 ;; esac
	[ -s "$tmp/$name.keylog" ] || { log "  no key log written"; return 1; }
}

if [ $# -gt 0 ]; then mapfile -t names < <(printf '%s\n' "$@" | grep -v '^ws-\|^tls-alert-\|^tls13-0rtt$'); else mapfile -t names < <("$PY" "$here/scenarios.py" --list); fi
status=0
for name in "${names[@]}"; do
	done_ok=0
	for attempt in 1 2 3; do
		port=$(free_port 18443)
		log "$name (attempt $attempt, port $port)"
		record_one "$name" "$port" || continue
		# the comment lines of the key log (OpenSSL's header) are dropped:
		# the committed file holds only the secrets of this capture
		grep -v '^#' "$tmp/$name.keylog" >"$tmp/$name.keys"
		if "$PY" "$here/scenarios.py" --expected "$name" "$tmp/$name.pcap" "$tmp/$name.keys"; then
			cp "$tmp/$name.pcap" "$here/$name.pcap"
			cp "$tmp/$name.keys" "$here/$name.keylog"
			mv "$tmp/$name.expected.jsonl" "$here/$name.expected.jsonl"
			done_ok=1
			break
		fi
	done
	[ "$done_ok" = 1 ] || { log "$name: FAILED"; status=1; }
done

# the plain twin of tls13-twin-1000: the same peers and exchange without TLS
# (no key log, no expected file: tests/tls.sh compares the two records)
if [ $# -eq 0 ] || [[ " $* " == *" ws-twin-1000 "* ]]; then
	log "ws-twin-1000"
	record_one ws-twin-1000 "$(free_port 18443)" && cp "$tmp/ws-twin-1000.pcap" "$here/" || status=1
fi

# a TLS alert in clear: a TLS 1.2 client that verifies the server's
# (self-signed) certificate refuses it with a fatal unknown_ca alert, sent
# before its ChangeCipherSpec (no key log: the alert is in clear;
# tests/tls.sh checks it against tshark)
if [ $# -eq 0 ] || [[ " $* " == *" tls-alert-unknown-ca "* ]]; then
	log "tls-alert-unknown-ca"
	port=$(free_port 18443)
	capture_start "$tmp/alert.pcap" "$port"
	# s_server ends when its input does: keep it open while the client runs
	sleep 6 | openssl s_server -accept "127.0.0.1:$port" -cert "$tmp/cert.pem" \
		-key "$tmp/key.pem" -tls1_2 -naccept 1 >"$tmp/server.log" 2>&1 &
	sp=$!
	bg_pids+=("$sp")
	wait_listen "$port" 5
	timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername wss.test -tls1_2 \
		-verify 1 -verify_return_error </dev/null >"$tmp/client.log" 2>&1
	sleep 0.2
	capture_stop
	kill -TERM "$sp" 2>/dev/null
	if [ "$(tshark -r "$tmp/alert.pcap" -Y 'tls.alert_message.desc == 48' 2>/dev/null | wc -l)" = 1 ]; then
		cp "$tmp/alert.pcap" "$here/tls-alert-unknown-ca.pcap"
	else
		log "tls-alert-unknown-ca: no unknown_ca alert captured"; status=1
	fi
fi

# TLS 1.3 0-RTT: openssl s_client resumes a session saved from a first
# connection (not captured) and sends a WebSocket upgrade request for /0rtt
# as early data (s_server does not answer it), which
# s_server (-early_data -no_anti_replay) accepts; the key log has
# CLIENT_EARLY_TRAFFIC_SECRET.  tests/tls.sh checks what wsclosed says of
# the early records against tshark's decryption.
if [ $# -eq 0 ] || [[ " $* " == *" tls13-0rtt "* ]]; then
	log "tls13-0rtt"
	port=$(free_port 18443)
	sleep 15 | openssl s_server -accept "127.0.0.1:$port" -cert "$tmp/cert.pem" \
		-key "$tmp/key.pem" -tls1_3 -early_data -no_anti_replay -naccept 2 \
		>"$tmp/server.log" 2>&1 &
	sp=$!
	bg_pids+=("$sp")
	wait_listen "$port" 5
	# the first connection: its session ticket (sent after the handshake)
	sleep 1 | timeout 5 openssl s_client -connect "127.0.0.1:$port" -servername wss.test \
		-tls1_3 -sess_out "$tmp/0rtt.sess" >/dev/null 2>&1
	printf 'GET /0rtt HTTP/1.1\r\nHost: wss.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n' >"$tmp/early.txt"
	capture_start "$tmp/0rtt.pcap" "$port"
	sleep 1 | timeout 5 openssl s_client -connect "127.0.0.1:$port" -servername wss.test \
		-tls1_3 -sess_in "$tmp/0rtt.sess" -early_data "$tmp/early.txt" \
		-keylogfile "$tmp/0rtt.keylog" >"$tmp/client.log" 2>&1
	sleep 0.2
	capture_stop
	kill -TERM "$sp" 2>/dev/null
	if grep -q "Early data was accepted" "$tmp/client.log"; then
		cp "$tmp/0rtt.pcap" "$here/tls13-0rtt.pcap"
		grep -v '^#' "$tmp/0rtt.keylog" >"$here/tls13-0rtt.keylog"
	else
		log "tls13-0rtt: the early data was not accepted"; status=1
	fi
fi

# the same capture with its secrets inside (pcapng Decryption Secrets Block)
if [ -f "$here/tls13-aes128-1000.pcap" ]; then
	editcap --inject-secrets "tls,$here/tls13-aes128-1000.keylog" -F pcapng \
		"$here/tls13-aes128-1000.pcap" "$here/tls13-dsb.pcapng" || status=1
	# tshark must decrypt it with no key log option
	n=$(tshark -r "$here/tls13-dsb.pcapng" -Y websocket 2>/dev/null | wc -l)
	[ "$n" -gt 0 ] || { log "tls13-dsb.pcapng: tshark decrypts nothing"; status=1; }
fi
exit $status
