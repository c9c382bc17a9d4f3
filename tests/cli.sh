#!/bin/bash
# The command line: --explain of cause ids and of several codes, limits that
# must be positive, the hint for a second file given without -r, every long
# option accepted in the configuration file, the daemon's pid file error, and
# the systemd unit keeping wsclosed in the foreground.
. "${top_srcdir:-.}/tests/lib.sh"
good="$top_srcdir/pcaps/py-normal-1000.pcap"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# every cause id the README lists has an --explain page with a fix
ids=$(sed -n '/^cause.id is one of:/,/still_open/p' "$top_srcdir/README" \
      | sed 's/cause.id is one of://; s/still_open.*/still_open/' | tr ' ' '\n' | grep -E '^[a-z_]+$')
grep -q tls_not_decrypted "$top_srcdir/README" && ids="$ids tls_not_decrypted"
n_ids=$(echo "$ids" | wc -l)
check "README lists the cause ids ($n_ids)" test "$n_ids" -ge 20
missing=""
for id in $ids; do
  "$WSCLOSED" --explain "$id" >"$tmp/out" 2>&1 && grep -q "^$id: " "$tmp/out" \
    && grep -q "^How to fix it:" "$tmp/out" || missing="$missing $id"
done
check "--explain knows every cause id${missing:+ (missing:$missing)}" test -z "$missing"

# several codes: each one explained, in order
"$WSCLOSED" --explain 1010 1011 idle_timeout >"$tmp/out" 2>&1
rc=$?
check "--explain 1010 1011 idle_timeout: exit 0" test "$rc" -eq 0
check "... 1010 before 1011 before idle_timeout" \
  test "$(grep -E '^(1010 |1011 |idle_timeout:)' "$tmp/out" | cut -c1-4 | tr '\n' ' ')" = "1010 1011 idle "
"$WSCLOSED" --explain no_such_thing >"$tmp/out" 2>"$tmp/err"
rc=$?
check "--explain of an unknown word: exit 1, one line naming it" \
  test "$rc" -eq 1 -a "$(wc -l <"$tmp/err")" -eq 1 -a -n "$(grep -F "'no_such_thing'" "$tmp/err")"

# limits
for opt in "--max-conns 0" "--max-conns -5" "--max-header-bytes 0" "--max-ooo-bytes -1" \
           "--max-inflate-bytes 0" "--hold -3" "--idle-timeout -1"; do
  # shellcheck disable=SC2086
  "$WSCLOSED" $opt -r "$good" >"$tmp/out" 2>"$tmp/err"
  rc=$?
  check "$opt refused (exit 1, message names it)" \
    test "$rc" -eq 1 -a -n "$(grep -F -- "${opt%% *}" "$tmp/err")" -a ! -s "$tmp/out"
done
"$WSCLOSED" --max-conns 1 -F json -r "$good" >"$tmp/out" 2>&1
check "--max-conns 1 accepted" test "$?" -eq 0 -a "$(grep -c '^{' "$tmp/out")" -ge 1

# a second capture without its own -r
"$WSCLOSED" -r "$good" "$top_srcdir/pcaps/py-1011.pcap" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "-r a.pcap b.pcap: exit 1 and a hint to give each file its own -r" \
  test "$rc" -eq 1 -a -n "$(grep -F 'its own -r' "$tmp/err")"

# configuration file: every long option of the main and live tables is a
# known key (values chosen to be valid for each type)
"$WSCLOSED" --help-all | sed -n 's/^ *\(-[A-Za-z], \)\{0,1\}--\([a-z0-9-]*\).*/\2/p' | sort -u >"$tmp/opts"
bad=""
while read -r o; do
  case $o in help*|config|explain|version) continue ;; esac
  case $o in
    read) v="$good" ;;
    keylog) : >"$tmp/empty.keylog"; v="$tmp/empty.keylog" ;;
    interface|user|pidfile|filter) continue ;;  # take effect beyond this test
    format) v=json ;;
    output) v="$tmp/cfg-out" ;;
    hold|idle-timeout|stats-interval) v=1 ;;
    daemon|follow) v=false ;;  # follow=true would wait for the file to grow
    workers) v=2 ;;  # at most 64 (with -r: ignored, with a notice)
    verbose|fast|inflate|no-utf8-check|no-redact|foreground|summary|abnormal|tls) v=true ;;
    *) v=100000 ;;
  esac
  printf '[wsclosed]\n%s=%s\n' "$o" "$v" >"$tmp/c.conf"
  args=(-c "$tmp/c.conf")
  [ "$o" = read ] || args+=(-r "$good")
  "$WSCLOSED" "${args[@]}" >/dev/null 2>"$tmp/err" || bad="$bad $o($(head -1 "$tmp/err"))"
done <"$tmp/opts"
check "every long option is a configuration key${bad:+:$bad}" test -z "$bad"
printf '[wsclosed]\nmax-conns=0\n' >"$tmp/c.conf"
"$WSCLOSED" -c "$tmp/c.conf" -r "$good" >/dev/null 2>"$tmp/err"
check "max-conns=0 in the configuration file refused" test "$?" -eq 1
printf '[wsclosed]\nno-such-key=1\n' >"$tmp/c.conf"
"$WSCLOSED" -c "$tmp/c.conf" -r "$good" >/dev/null 2>"$tmp/err"
check "unknown configuration key refused, named" test "$?" -eq 1 -a -n "$(grep -F no-such-key "$tmp/err")"
printf '[wsclosed]\nformat=csv\n' >"$tmp/c.conf"
"$WSCLOSED" -c "$tmp/c.conf" -F json -r "$good" >"$tmp/out" 2>/dev/null
check "the command line wins over the configuration file" grep -q '^{' "$tmp/out"

# --daemon with a pid file that cannot be written: an error, not exit 0
if [ "$(id -u)" -eq 0 ]; then
  "$WSCLOSED" -i lo --daemon --pidfile "$tmp/no/such/dir/ws.pid" -o "$tmp/d.out" >/dev/null 2>"$tmp/err"
  rc=$?
  check "--daemon with an unwritable pid file: exit non-zero, named" \
    test "$rc" -ne 0 -a -n "$(grep -F ws.pid "$tmp/err")"
else
  ok "--daemon with an unwritable pid file # SKIP needs root to open lo"
fi

# an empty file is said to be empty, not "truncated"; when every input
# failed, no all-zero totals block
: >"$tmp/empty.pcap"
"$WSCLOSED" -r "$tmp/empty.pcap" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "empty file: exit 2, called empty, not truncated" \
  test $rc -eq 2 -a -n "$(grep -F "empty.pcap: empty file" "$tmp/err")" -a -z "$(grep -i truncated "$tmp/err")"
check "every input failed: no totals block" test ! -s "$tmp/out"
"$WSCLOSED" -r - <"$tmp/empty.pcap" >"$tmp/out" 2>"$tmp/err"
check "empty standard input: called empty" grep -q "^wsclosed: -: empty" "$tmp/err"
"$WSCLOSED" -r "$tmp/empty.pcap" -r "$good" >"$tmp/out" 2>/dev/null
check "one input of two failed: the totals of the other" grep -q "^  WebSocket connections: 1$" "$tmp/out"

# an evicted connection: one record, "evicted", never "still open when the
# capture ended" and never again as a mid-stream connection
storm="$top_srcdir/pcaps/py-close-storm.pcap"
"$WSCLOSED" -r "$storm" --max-conns 2 -F json >"$tmp/ev.json" 2>/dev/null
check "evicted: 6 records for 6 connections, none mid-stream" \
  test "$(jq -s 'length' "$tmp/ev.json")" -eq 6 -a "$(jq -s '[.[] | select(.midstream)] | length' "$tmp/ev.json")" -eq 0
check "evicted: its summary says evicted, not the end of the capture" \
  test "$(jq -s '[.[] | select(.limits | index("evicted")) | .cause.summary
                  | select(test("evicted") and (test("capture ended") | not))] | length' "$tmp/ev.json")" \
       -eq "$(jq -s '[.[] | select(.limits | index("evicted"))] | length' "$tmp/ev.json")" \
       -a "$(jq -s '[.[] | select(.limits | index("evicted"))] | length' "$tmp/ev.json")" -gt 0

# --abnormal: only closes other than 1000/1001/1005 by choice, and failed
# handshakes; --summary: groups with counts and an example, in every format
n_all=0; n_ab=0; want_ab=0
for f in "$top_srcdir"/pcaps/*.pcap; do
  "$WSCLOSED" -r "$f" -F json 2>/dev/null >"$tmp/all.json"
  "$WSCLOSED" -r "$f" -F json --abnormal 2>/dev/null >"$tmp/ab.json"
  n_all=$((n_all + $(wc -l <"$tmp/all.json")))
  n_ab=$((n_ab + $(wc -l <"$tmp/ab.json")))
  want_ab=$((want_ab + $(jq -s '[.[] | select((.handshake_status != null and .handshake_status != 101)
      or .accept_valid == false or .handshake_problem_kind != null
      or (.close_code != null and .close_code != 1000 and .close_code != 1001
          and (.close_code != 1005 or (.close_frames.client == null or .close_frames.server == null))))]
      | length' "$tmp/all.json")))
done
check "--abnormal on pcaps/: $n_ab of $n_all records, as the close codes say ($want_ab)" \
  test "$n_ab" -eq "$want_ab" -a "$n_ab" -gt 0 -a "$n_ab" -lt "$n_all"
"$WSCLOSED" -r "$storm" --abnormal >"$tmp/ab.txt" 2>/dev/null
check "--abnormal: a storm of 1001 closes shows no connection" test -z "$(grep -c '127.0.0.1:18300' "$tmp/ab.txt" | grep -v '^0$')"
"$WSCLOSED" -r "$storm" --summary -F json >"$tmp/sum.json" 2>/dev/null
check "--summary -F json: the storm is one group of 6 with an example" \
  test "$(jq -c '[.count, .cause_id, .cause_detail, .server_port, .path, (.example_id > 0)]' "$tmp/sum.json")" \
       = '[6,"endpoint_going_away","close_storm",18300,"/storm",true]'
"$WSCLOSED" -r "$storm" --summary -F csv >"$tmp/sum.csv" 2>/dev/null
check "--summary -F csv: a header row and one group" \
  test "$(head -1 "$tmp/sum.csv" | tr -d '\r')" = "count,cause_id,cause_detail,server_ip,server_port,path,example_id,example_close_code,first_end_ts,last_end_ts" \
       -a "$(wc -l <"$tmp/sum.csv")" -eq 2
"$WSCLOSED" -r "$storm" --summary >"$tmp/sum.txt" 2>/dev/null
check "--summary text: one line for the group, then the totals" \
  test "$(grep -c '^ *6  endpoint_going_away/close_storm 127.0.0.1:18300 /storm (e.g. #[0-9]*)$' "$tmp/sum.txt")" -eq 1 \
       -a "$(grep -c '^Totals$' "$tmp/sum.txt")" -eq 1 -a "$(grep -c '^    cause:' "$tmp/sum.txt")" -eq 0

# the systemd unit keeps wsclosed in the foreground even if daemon=true
unit="$top_srcdir/contrib/wsclosed.service.in"
check "systemd unit passes --foreground" grep -q '^ExecStart=.*wsclosed --foreground' "$unit"
tap_end
exit 0
