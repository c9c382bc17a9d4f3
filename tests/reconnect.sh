#!/bin/bash
# reconnect_delay_s and next_connection: for every record that names the
# client's next connection, tshark sees that connection's SYN from the same
# client address to the same server at next_connection.start_ts, with that
# Community ID, and the delay is that start minus the record's end_ts.
. "${top_srcdir:-.}/tests/lib.sh"
command -v tshark >/dev/null || { echo "1..0 # SKIP tshark missing"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
total=0
for f in "$top_srcdir"/pcaps/*.pcap "$top_srcdir"/pcaps/libs/*.pcap; do
  [ -f "$f" ] || continue
  "$WSCLOSED" -r "$f" -F json 2>/dev/null | jq -r 'select(.next_connection != null)
    | [.client_ip, .server_ip, .server_port, .end_ts, .reconnect_delay_s,
       .next_connection.client_port, .next_connection.start_ts,
       .next_connection.community_id] | @tsv' >"$tmp/ours"
  [ -s "$tmp/ours" ] || continue
  tshark -r "$f" --enable-protocol communityid -Y "tcp.flags.syn==1 && tcp.flags.ack==0" \
    -T fields -e ip.src -e ipv6.src -e ip.dst -e ipv6.dst -e tcp.srcport -e tcp.dstport \
    -e frame.time_epoch -e communityid 2>/dev/null >"$tmp/syns"
  n=0 bad=0
  while IFS=$'\t' read -r cip sip sport end delay nport nstart ncid; do
    n=$((n + 1))
    ok=$(awk -F'\t' -v c="$cip" -v s="$sip" -v sp="$sport" -v np="$nport" -v t="$nstart" \
      -v id="$ncid" -v e="$end" -v d="$delay" '
      ($1 == c || $2 == c) && ($3 == s || $4 == s) && $5 == np && $6 == sp \
        && ($7 - t < 0.000002 && t - $7 < 0.000002) && $8 == id \
        && (t - e - d < 0.000002 && d - (t - e) < 0.000002) && d >= 0 { print "y"; exit }' "$tmp/syns")
    [ "$ok" = y ] || bad=$((bad + 1))
  done <"$tmp/ours"
  total=$((total + n))
  check "$(basename "$f"): $n next connections as tshark sees their SYNs" test "$bad" -eq 0
done
check "some records name the client's next connection ($total)" test "$total" -ge 1
tap_end
exit 0
