#!/bin/bash
# Every record's community_id is the one tshark computes for its flow
# (Wireshark's communityid dissector), IPv4 and IPv6.
. "${top_srcdir:-.}/tests/lib.sh"
command -v tshark >/dev/null || { echo "1..0 # SKIP tshark missing"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in "$top_srcdir"/pcaps/py-normal-1000.pcap "$top_srcdir"/pcaps/py-close-storm.pcap \
         "$top_srcdir"/pcaps/chromium-close-1000.pcap "$top_srcdir"/tests/data/ipv6.pcap; do
  [ -f "$f" ] || continue
  "$WSCLOSED" -r "$f" -F json 2>/dev/null \
    | jq -r '[.client_port, .server_port, .community_id] | @tsv' | sort >"$tmp/ours"
  tshark -r "$f" --enable-protocol communityid -Y tcp -T fields \
    -e tcp.srcport -e tcp.dstport -e communityid 2>/dev/null | sort -u >"$tmp/theirs"
  n=0 bad=0
  while IFS=$'\t' read -r cp sp id; do
    n=$((n + 1))
    grep -qP "^$cp\t$sp\t\Q$id\E$" "$tmp/theirs" || bad=$((bad + 1))
  done <"$tmp/ours"
  check "$(basename "$f"): $n records, community_id as tshark computes it" test "$n" -ge 1 -a "$bad" -eq 0
done
tap_end
exit 0
