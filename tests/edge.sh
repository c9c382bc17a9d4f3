#!/bin/sh
# TCP and link-layer edge cases derived from the real captures in pcaps/ by
# tests/gen/gen-edge.py (reordering, overlap, loss, midstream, VLAN, IPv6,
# SLL/SLL2/NULL/raw, pcapng, gzip, split files, snaplen, truncation); the
# table is tests/data/TESTLIST, expected facts come from tshark on the source.
. "${top_srcdir:-.}/tests/lib.sh"
list="$top_srcdir/tests/data/TESTLIST"
[ -f "$list" ] || { echo "1..0 # SKIP no generated captures in tests/data/"; exit 0; }
exec "$PYTHON" "$top_srcdir/tests/check-facts.py" "$WSCLOSED" --testlist "$list"
