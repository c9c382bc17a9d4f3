#!/bin/bash
# wss: wsclosed --keylog on the captures of pcaps/tls/ (recorded with real
# peers by pcaps/tls/record.sh) against their expected facts (how each
# scenario was made, checked against tshark's decryption), and the ways
# decryption must fail without stopping: a wrong key, a missing key, a
# truncated handshake, a capture starting mid-TLS, a corrupted record, a
# malformed key log, a missing key log.  --tls without a key log (facts
# from the scenarios and tshark: who ended TCP, silences, the timing causes),
# a TLS alert in clear, a capture gap resynced, the totals by SNI and
# server, close_notify weighed for decrypted wss, nginx's two legs.
# Secrets never appear in any output.
. "${top_srcdir:-.}/tests/lib.sh"
caps=$top_srcdir/pcaps/tls
tmp=$(mktemp -d /tmp/wsclosed-tls.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$PYTHON

# ---- the recorded captures: every fact, then the causes -----------------------
for exp in "$caps"/*.expected.jsonl; do
  name=$(basename "$exp" .expected.jsonl)
  for mode in facts causes; do
    out=$("$PY" "$top_srcdir/tests/check-facts.py" "$WSCLOSED" "$exp" \
          $([ $mode = causes ] && echo --causes) --extra-args "--keylog $caps/$name.keylog" 2>&1)
    rc=$?
    if [ "$rc" != 0 ] || printf '%s\n' "$out" | grep -q '^not ok' \
       || ! printf '%s\n' "$out" | grep -q '^ok'; then
      not_ok "$name: $mode"
      printf '%s\n' "$out" | grep -v '^ok' | head -20 | sed 's/^/# /'
    else
      ok "$name: $mode ($(printf '%s\n' "$out" | grep -c '^ok') checks)"
    fi
  done
done

json() { "$WSCLOSED" -F json "$@" 2>"$tmp/stderr"; }
# jq_is FILTER WANT JSONFILE
jq_is() { [ "$(jq -c "$1" "$3" 2>/dev/null)" = "$2" ]; }

# ---- the secrets in a pcapng Decryption Secrets Block (editcap --inject-secrets):
# read like the pcap, with --keylog and with the block's own secrets alone
# (but for the file each record names and its frame numbers: the pcapng's
# blocks are other frames)
nofile='del(.id, .source_file, .first_frame, .last_frame, .display_filter)'
json -r "$caps/tls13-dsb.pcapng" --keylog "$caps/tls13-aes128-1000.keylog" >"$tmp/dsb.json"
json -r "$caps/tls13-aes128-1000.pcap" --keylog "$caps/tls13-aes128-1000.keylog" >"$tmp/pcap.json"
check "pcapng with a DSB: the same record as the pcap" \
  cmp -s <(jq -c "$nofile" "$tmp/dsb.json") <(jq -c "$nofile" "$tmp/pcap.json")
json -r "$caps/tls13-dsb.pcapng" >"$tmp/dsb-only.json"
check "pcapng with a DSB and no --keylog: decrypted with the embedded secrets, the same record" \
  cmp -s <(jq -c "$nofile" "$tmp/dsb-only.json") <(jq -c "$nofile" "$tmp/pcap.json")

# ---- the same exchange over ws and over wss gives the same record ----------
# (but for the tls object, addresses, ports, Host, times, TCP byte counts,
# who sent the first FIN - a race - and the evidence texts made of those)
norm='del(.id,.tls,.client_ip,.client_port,.server_ip,.server_port,.community_id,.host,.client_bytes,.server_bytes,.tcp_end_by,.source_file,.first_frame,.last_frame,.display_filter,.duration_s,.idle_before_close_s,.last_ping_rtt_s)
      | .cause |= {id,detail,confidence}
      | walk(if type == "object" then with_entries(select(.key | test("_ts$|^ts$|^tcp_bytes$") | not)) else . end)'
"$WSCLOSED" -r "$caps/ws-twin-1000.pcap" -F json | jq -S "$norm" >"$tmp/ws.json"
json -r "$caps/tls13-twin-1000.pcap" --keylog "$caps/tls13-twin-1000.keylog" | jq -S "$norm" >"$tmp/wss.json"
check "ws-twin-1000 and tls13-twin-1000: the same record ($(wc -l <"$tmp/ws.json") lines compared)" \
  test -s "$tmp/ws.json" -a "$(jq -r .cause.id "$tmp/ws.json")" = normal_closure -a -z "$(diff "$tmp/ws.json" "$tmp/wss.json")"

# ---- without --keylog nothing changes: TLS is counted, no record -------------
n=$("$WSCLOSED" -r "$caps/tls12-gcm-1000.pcap" -F json | wc -l)
t=$("$WSCLOSED" -r "$caps/tls12-gcm-1000.pcap" | grep -c 'encrypted (TLS) connections, not analysed: 1')
check "no key log: no record, counted as TLS" test "$n" = 0 -a "$t" = 1

# ---- a missing key: a record of kind tls, not decrypted, why ----------------
: >"$tmp/empty.keylog"
json -r "$caps/tls13-aes128-1000.pcap" --keylog "$tmp/empty.keylog" >"$tmp/nokey.json"
check "missing key: kind tls, no_key, SNI and suite from the handshake" \
  jq_is '[.kind,.close_code,.tls.decrypted,.tls.not_decrypted_reason,.tls.sni,.tls.cipher_suite,.cause.id,.cause.detail]' \
  '["tls",null,false,"no_key","wss.test","TLS_AES_128_GCM_SHA256","tls_not_decrypted","no_key"]' "$tmp/nokey.json"
# the key log of another capture: no key for this random either
json -r "$caps/tls12-gcm-1000.pcap" --keylog "$caps/tls13-aes128-1000.keylog" >"$tmp/other.json"
check "another capture's key log: no_key" \
  jq_is '[.kind,.tls.not_decrypted_reason,.tls.version]' '["tls","no_key","TLS 1.2"]' "$tmp/other.json"

# ---- a wrong key: the client random is there, every secret is wrong ----------
for name in tls13-aes128-1000 tls12-cbc-etm-1000; do
  # flip the last hex digit of each secret
  awk '{ s = $3; d = substr(s, length(s)); d = (d == "0") ? "1" : "0";
         print $1, $2, substr(s, 1, length(s) - 1) d }' "$caps/$name.keylog" >"$tmp/wrong.keylog"
  json -r "$caps/$name.pcap" --keylog "$tmp/wrong.keylog" >"$tmp/wrong.json"; rc=$?
  check "$name, wrong key: not decrypted, bad record MACs counted, exit 0" \
    test "$rc" = 0 -a "$(jq -c '[.kind,.tls.decrypted,(.tls.bad_record_mac > 0)]' "$tmp/wrong.json")" = '["tls",false,true]'
done

# ---- a truncated handshake: the capture ends after the ClientHello ----------
ch=$(tshark -r "$caps/tls12-gcm-1000.pcap" -Y 'tls.handshake.type == 1' -T fields -e frame.number 2>/dev/null | head -1)
editcap -r "$caps/tls12-gcm-1000.pcap" "$tmp/trunc.pcap" "1-$ch" 2>/dev/null
json -r "$tmp/trunc.pcap" --keylog "$caps/tls12-gcm-1000.keylog" >"$tmp/trunc.json"
check "truncated handshake (ClientHello only): handshake_incomplete" \
  jq_is '[.kind,.tls.decrypted,.tls.not_decrypted_reason,.tls.version,.tls.sni]' \
  '["tls",false,"handshake_incomplete",null,"wss.test"]' "$tmp/trunc.json"

# ---- a capture starting mid-TLS: the handshake is not in it -----------------
for name in tls13-aes128-1000 tls12-gcm-1000; do
  first=$(tshark -r "$caps/$name.pcap" -o "tls.keylog_file:$caps/$name.keylog" \
          -Y 'websocket' -T fields -e frame.number 2>/dev/null | head -1)
  editcap "$caps/$name.pcap" "$tmp/mid.pcap" "1-$((first - 1))" 2>/dev/null
  json -r "$tmp/mid.pcap" --keylog "$caps/$name.keylog" >"$tmp/mid.json"; rc=$?
  check "$name from its first WebSocket frame on: began_after_handshake, midstream" \
    test "$rc" = 0 -a "$(jq -c '[.kind,.midstream,.tls.decrypted,.tls.not_decrypted_reason]' "$tmp/mid.json")" \
    = '["tls",true,false,"began_after_handshake"]'
done

# ---- a corrupted record: counted, the records after it still decrypt -------
# the client's text message (its second application data record) gets its
# last byte (the AEAD tag's, or the HMAC's) flipped
corrupt() {  # corrupt IN OUT FRAME
  "$PY" - "$@" <<'PYEOF'
import struct, sys
src, dst, frame = sys.argv[1], sys.argv[2], int(sys.argv[3])
b = bytearray(open(src, "rb").read())
off, n = 24, 0
while off + 16 <= len(b):
    incl = struct.unpack_from("<I", b, off + 8)[0]
    n += 1
    if n == frame:
        b[off + 16 + incl - 1] ^= 0x01
        break
    off += 16 + incl
open(dst, "wb").write(b)
PYEOF
}
for name in tls12-gcm-1000 tls13-chacha-idle tls12-cbc-noetm-1000; do
  cport=$(tshark -r "$caps/$name.pcap" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -e tcp.srcport 2>/dev/null | head -1)
  frame=$(tshark -r "$caps/$name.pcap" -Y "tls.app_data && tcp.srcport == $cport" \
          -T fields -e frame.number 2>/dev/null | sed -n 2p)
  corrupt "$caps/$name.pcap" "$tmp/bad.pcap" "$frame"
  json -r "$tmp/bad.pcap" --keylog "$caps/$name.keylog" >"$tmp/bad.json"; rc=$?
  got=$(jq -c 'select(.client_port == '"$cport"') | [.kind,.close_code,.tls.decrypted,.tls.bad_record_mac]' "$tmp/bad.json")
  good=$(json -r "$caps/$name.pcap" --keylog "$caps/$name.keylog" | jq -c 'select(.client_port == '"$cport"') | [.kind,.close_code,.tls.decrypted,.tls.bad_record_mac + 1]')
  check "$name, client record in frame $frame corrupted: one bad record MAC, the close still seen" \
    test "$rc" = 0 -a -n "$got" -a "$got" = "$good"
done

# ---- the key log itself ------------------------------------------------------
{ echo "CLIENT_RANDOM nothex"; echo "SOMETHING else entirely"; cat "$caps/tls12-gcm-1000.keylog"; } >"$tmp/mixed.keylog"
json -r "$caps/tls12-gcm-1000.pcap" --keylog "$tmp/mixed.keylog" >"$tmp/mixed.json"; rc=$?
check "malformed key log lines: warned with their line numbers, the rest used" \
  test "$rc" = 0 -a "$(grep -c 'mixed.keylog:[12]: ' "$tmp/stderr")" = 2 \
  -a "$(jq -c .tls.decrypted "$tmp/mixed.json")" = true
"$WSCLOSED" -r "$caps/tls12-gcm-1000.pcap" --keylog "$tmp/absent.keylog" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "missing key log file: exit 1, one line naming it" \
  test "$rc" = 1 -a "$(wc -l <"$tmp/err")" = 1 -a "$(grep -c absent.keylog "$tmp/err")" = 1
# two key logs, one per capture, read together
json -r "$caps/tls12-gcm-1000.pcap" -r "$caps/tls13-aes128-1000.pcap" \
  --keylog "$caps/tls12-gcm-1000.keylog" --keylog "$caps/tls13-aes128-1000.keylog" >"$tmp/two.json"
check "two --keylog files: both connections decrypted" \
  test "$(jq -c 'select(.kind == "websocket") | .tls.decrypted' "$tmp/two.json" | grep -c true)" = 2

# the configuration file's keylog key (a list)
printf '[wsclosed]\nkeylog=%s;%s\n' "$caps/tls12-gcm-1000.keylog" "$caps/tls13-aes128-1000.keylog" >"$tmp/conf"
json -c "$tmp/conf" -r "$caps/tls13-aes128-1000.pcap" >"$tmp/conf.json"
check "keylog= in the configuration file" test "$(jq -c .tls.decrypted "$tmp/conf.json")" = true

# live: the key log starts empty and the client appends its secrets while
# the daemon runs (read again once a second; the records wait for them)
if [ "$(id -u)" = 0 ] && command -v openssl >/dev/null && "$PY" -c 'import websockets' 2>/dev/null; then
  port=$((18700 + $$ % 200))
  : >"$tmp/live.keylog"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
    -days 1 -subj /CN=wss.test >/dev/null 2>&1
  "$WSCLOSED" -i lo --keylog "$tmp/live.keylog" -F json -o "$tmp/live.json" --hold 1 \
    "tcp port $port" 2>"$tmp/live.err" &
  wpid=$!
  for i in $(seq 100); do grep -q capturing "$tmp/live.err" 2>/dev/null && break; sleep 0.05; done
  OPENSSL_CONF=/dev/null timeout 20 "$PY" "$caps/peer.py" server tls13-live-1000 "$port" "$tmp/ready" \
    "$tmp/cert.pem" "$tmp/key.pem" >/dev/null 2>&1 &
  spid=$!
  for i in $(seq 100); do [ -e "$tmp/ready" ] && break; sleep 0.05; done
  timeout 20 "$PY" "$caps/peer.py" client tls13-live-1000 "$port" "$tmp/live.keylog" >/dev/null 2>&1
  wait "$spid"
  sleep 3                          # linger after both FINs, then the hold
  kill -TERM "$wpid"; wait "$wpid"
  check "live: key log appended while running: decrypted, close 1000" \
    test "$(jq -c '[.kind,.tls.decrypted,.close_code]' "$tmp/live.json" 2>/dev/null)" = '["websocket",true,1000]'
else
  ok "# SKIP live key log (needs root, openssl and python3-websockets)"
fi

# ---- --tls without a key log: a record of kind tls per connection ------------
# facts from each scenario and from tshark (who ended TCP, each side's last
# record before the end), the timing causes where the scenario made them
if command -v tshark >/dev/null; then
  for exp in "$caps"/*.expected.jsonl; do
    name=$(basename "$exp" .expected.jsonl)
    out=$("$PY" "$top_srcdir/tests/check-tls-nokeys.py" "$WSCLOSED" "$exp" 2>&1)
    if [ $? != 0 ] || printf '%s\n' "$out" | grep -q '^not ok' \
       || ! printf '%s\n' "$out" | grep -q '^ok'; then
      not_ok "$name, --tls without a key log"
      printf '%s\n' "$out" | grep -v '^ok' | head -20 | sed 's/^/# /'
    else
      ok "$name, --tls without a key log ($(printf '%s\n' "$out" | grep -c '^ok') checks)"
    fi
  done

  # a fatal alert in clear: the client refused the self-signed certificate
  # (tshark: one alert, unknown_ca (48), fatal, from the client's port)
  a=$(tshark -r "$caps/tls-alert-unknown-ca.pcap" -Y tls.alert_message -T fields \
        -e tcp.srcport -e tls.alert_message.level -e tls.alert_message.desc 2>/dev/null)
  json -r "$caps/tls-alert-unknown-ca.pcap" --tls >"$tmp/alert.json"
  check "tls-alert-unknown-ca: tls_alert unknown_ca from the client, high (tshark: $a)" \
    test "$a" = "$(jq -r '"\(.client_port)\t2\t48"' "$tmp/alert.json")" \
      -a "$(jq -c '[.kind,.cause.id,.cause.detail,.cause.confidence,.tls.alerts[0].side,.tls.alerts[0].encrypted]' "$tmp/alert.json")" \
         = '["tls","tls_alert","unknown_ca","high","client",false]'

  # ---- a capture gap: records resume at the next record boundary ----------
  # frame 12 of tls13-aes128-1000 holds exactly one client record (tshark:
  # the client's text message); without it the client's close record is
  # found again and authenticates at the sequence number one further on
  editcap "$caps/tls13-aes128-1000.pcap" "$tmp/gap.pcap" 12 >/dev/null 2>&1
  f12=$(tshark -r "$caps/tls13-aes128-1000.pcap" -o "tls.keylog_file:$caps/tls13-aes128-1000.keylog" \
          -Y 'frame.number == 12' -T fields -e tls.record.length -e websocket.opcode 2>/dev/null)
  json -r "$tmp/gap.pcap" --keylog "$caps/tls13-aes128-1000.keylog" >"$tmp/gap.json"
  check "capture gap (frame 12, one record: $f12): resynced, 1 record lost, the client's close 1000 still seen" \
    test "$(printf '%s' "$f12" | tr '\t' ' ')" = "51 1" \
      -a "$(jq -c '[.tls.gaps,.tls.resyncs,.tls.lost_records,.tls.bad_record_mac,.close_initiator,.close_code]' "$tmp/gap.json")" \
         = '[1,1,1,0,"client",1000]'
  json -r "$tmp/gap.pcap" --tls >"$tmp/gapn.json"
  check "capture gap without keys: resynced, lost records not counted (null)" \
    jq_is '[.kind,.tls.gaps,.tls.resyncs,.tls.lost_records]' '["tls",1,1,null]' "$tmp/gapn.json"
  # ---- TLS 1.3 0-RTT: early records decrypted with the early secret, else counted
  # tshark decrypts them with CLIENT_EARLY_TRAFFIC_SECRET: the client's
  # application data records before its Finished, and EndOfEarlyData
  early=$(tshark -r "$caps/tls13-0rtt.pcap" -o "tls.keylog_file:$caps/tls13-0rtt.keylog" \
            -T fields -e tcp.srcport -e tls.record.content_type -e tls.handshake.type 2>/dev/null \
          | "$PY" -c '
import sys
cport, n, done = None, 0, False
for line in sys.stdin:
    port, types, hs = (line.rstrip("\n").split("\t") + ["", ""])[:3]
    hs, types = hs.split(","), types.split(",")
    if "1" in hs:
        cport = port
    if port != cport or done:
        continue
    for i, t in enumerate(types):
        if t == "23":
            n += 1
    n += hs.count("5")
    done = "20" in hs and "5" in hs
print(n)')
  uri=$(tshark -r "$caps/tls13-0rtt.pcap" -o "tls.keylog_file:$caps/tls13-0rtt.keylog" \
          -Y http.request -T fields -e http.request.uri 2>/dev/null)
  json -r "$caps/tls13-0rtt.pcap" --keylog "$caps/tls13-0rtt.keylog" --tls >"$tmp/0rtt.json"
  check "0-RTT: $early early records (tshark) decrypted with CLIENT_EARLY_TRAFFIC_SECRET: the upgrade request for $uri read from them, no bad MAC" \
    jq_is '[.tls.early_data,.tls.bad_record_mac,.kind,.path]' \
      "[{\"offered\":true,\"accepted\":true,\"records\":$early,\"decrypted_records\":$early},0,\"websocket\",\"$uri\"]" "$tmp/0rtt.json"
  grep -v '^CLIENT_EARLY_TRAFFIC_SECRET' "$caps/tls13-0rtt.keylog" >"$tmp/noearly.keylog"
  json -r "$caps/tls13-0rtt.pcap" --keylog "$tmp/noearly.keylog" --tls >"$tmp/0rtt-no.json"
  check "0-RTT without the early secret: the early records counted, not decrypted, not bad MACs" \
    jq_is '[.tls.early_data,.tls.bad_record_mac,.kind]' \
      "[{\"offered\":true,\"accepted\":true,\"records\":$early,\"decrypted_records\":0},0,\"tls\"]" "$tmp/0rtt-no.json"
fi

# ---- the totals: TLS connections by SNI and server ---------------------------
# tls13-chacha-idle: three clients to one server (its expected file), SNI wss.test
srv=$(grep "^{" "$caps/tls13-chacha-idle.expected.jsonl" | jq -r .server | sort -u)
n=$(grep -c '^{' "$caps/tls13-chacha-idle.expected.jsonl")
"$WSCLOSED" -r "$caps/tls13-chacha-idle.pcap" -r "$caps/tls12-gcm-1000.pcap" >"$tmp/totals.txt"
check "totals: TLS connections by SNI and server ($n to $srv)" \
  grep -q "^      wss.test at $srv: $n\$" "$tmp/totals.txt"
check "--tls: no record for a decrypted connection, records for the others" \
  test "$(json -r "$caps/tls13-chacha-idle.pcap" -r "$caps/tls12-gcm-1000.pcap" --tls \
            --keylog "$caps/tls12-gcm-1000.keylog" | jq -r .kind | sort | uniq -c | tr -s ' ' | tr '\n' ';')" \
       = " 3 tls; 1 websocket;"

# ---- close_notify weighed for decrypted wss ----------------------------------
# tls13-aes128-1000: both sides sent close_notify (the scenario) before TCP ended
json -r "$caps/tls13-aes128-1000.pcap" --keylog "$caps/tls13-aes128-1000.keylog" >"$tmp/cn.json"
check "close_notify before the TCP end: an orderly TLS end in the evidence" \
  test "$(jq '[.cause.evidence[].text | select(test("sent TLS close_notify before its (FIN|RST): an orderly TLS end"))] | length' "$tmp/cn.json")" = 1
# tls12-chacha-rst: the server reset without close_notify after decrypted traffic
json -r "$caps/tls12-chacha-rst.pcap" --keylog "$caps/tls12-chacha-rst.keylog" >"$tmp/trunc.json"
check "RST without close_notify after decrypted traffic: truncation in the evidence and the summary" \
  test "$(jq '[.cause.evidence[].text | select(test("server ended TCP \\(RST\\) without TLS close_notify"))] | length' "$tmp/trunc.json")" = 1 \
    -a "$(jq -r '.cause.summary | test("TLS session was truncated")' "$tmp/trunc.json")" = true

# ---- nginx terminating TLS: both legs, the same close facts -------------------
json -r "$caps/nginx-tls13-1011.pcap" --keylog "$caps/nginx-tls13-1011.keylog" \
  | jq -c '{tls: (.tls != null), f: [.path,.close_code,.close_initiator,.close_reason,.close_echoed,.cause.id]}' >"$tmp/legs.json"
check "nginx-tls13-1011: the TLS leg (decrypted) and the plain leg give the same close facts" \
  test "$(jq -c 'select(.tls).f' "$tmp/legs.json")" = "$(jq -c 'select(.tls|not).f' "$tmp/legs.json")" \
    -a "$(jq -c 'select(.tls).f' "$tmp/legs.json")" = '["/nginx",1011,"server",null,true,"server_internal_error"]'

# no secret (nor client random) in any output format, nor on stderr
leak=0
for name in tls13-aes128-1000 tls12-cbc-etm-1000; do
  for fmt in json csv text; do
    "$WSCLOSED" -r "$caps/$name.pcap" --keylog "$caps/$name.keylog" -F $fmt -v >"$tmp/o" 2>&1
    while read -r _ rnd secret; do
      grep -qi -e "${secret:0:16}" -e "${rnd:0:16}" "$tmp/o" && leak=1
    done <"$caps/$name.keylog"
  done
done
check "no secret or client random in any output" test "$leak" = 0
tap_end
[ "$tap_fail" -eq 0 ]
