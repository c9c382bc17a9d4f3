#!/bin/sh
# Compressed messages are inflated by default (as with --inflate); with --fast
# they are measured on the wire and the record says so.  The sizes expected
# are those the scenarios sent (pcaps/peers): py-deflate-1009 sends 512 then
# 4000 bytes of one repeated letter to a server whose limit is 1024 bytes;
# py-deflate echoes three messages of "compress me please " * 20 + digit
# (381 bytes).
. "${top_srcdir:-.}/tests/lib.sh"
command -v jq >/dev/null 2>&1 || { echo "1..0 # SKIP jq missing"; exit 0; }
p=$top_srcdir/pcaps
q() { # q ARGS... -- JQ: one record's facts
  "$WSCLOSED" -F json "$@" 2>/dev/null
}
t1=$(q --fast -r "$p/py-deflate-1009.pcap" | jq -r '[.permessage_deflate.inflated, .stats.client.largest_message, .stats.client.compressed_messages, .cause.id, .cause.confidence, (.cause.summary | test("--inflate")), ([.cause.evidence[].text] | any(test("compressed sizes on the wire")))] | @tsv')
check "--fast: not inflated, wire sizes under the 512 bytes sent, medium confidence (got: $t1)" \
  sh -c "echo '$t1' | awk -F '\t' '\$1 == \"false\" && \$2 > 0 && \$2 < 512 && \$3 == 2 && \$4 == \"message_too_big\" && \$5 == \"medium\" && \$7 == \"true\" { ok = 1 } END { exit !ok }'"
t2=$(q --inflate -r "$p/py-deflate-1009.pcap" | jq -r '[.permessage_deflate.inflated, .stats.client.largest_message, .cause.confidence, (.cause.summary | test("between 512 bytes .* and 4000 bytes"))] | @tsv')
check "--inflate: 4000 bytes rejected, 512 accepted, high confidence (got: $t2)" \
  test "$t2" = "$(printf 'true\t4000\thigh\ttrue')"
t3=$(q --fast -r "$p/py-deflate.pcap" | jq -r '[.stats.client.largest_message, .stats.server.largest_message] | @tsv')
t4=$(q --inflate -r "$p/py-deflate.pcap" | jq -r '[.stats.client.largest_message, .stats.server.largest_message] | @tsv')
check "py-deflate --inflate: 381-byte messages both ways (got: $t4)" test "$t4" = "$(printf '381\t381')"
check "py-deflate --fast: compressed sizes, smaller (got: $t3)" \
  sh -c "echo '$t3' | awk -F '\t' '\$1 < 381 && \$2 < 381 && \$1 > 0 { ok = 1 } END { exit !ok }'"
t0=$(q -r "$p/py-deflate-1009.pcap" | jq -r '[.permessage_deflate.inflated, .stats.client.largest_message, .cause.confidence] | @tsv')
check "default: inflated like --inflate, 4000 bytes rejected, high confidence (got: $t0)" \
  test "$t0" = "$(printf 'true\t4000\thigh')"
t5=$(q --fast --inflate -r "$p/py-deflate.pcap" | jq -r '.permessage_deflate.inflated')
check "--fast wins over --inflate (got: $t5)" test "$t5" = false
cfg=$(mktemp); trap 'rm -f "$cfg"' EXIT
printf '[wsclosed]\ninflate=true\n' >"$cfg"
t6=$(q -c "$cfg" -r "$p/py-deflate.pcap" | jq -r '.stats.client.largest_message')
check "inflate=true in a configuration file (got: $t6)" test "$t6" = 381
tap_end
