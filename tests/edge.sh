#!/bin/sh
# TCP and link-layer edge cases derived from real captures by
# tests/gen/gen-edge.py (reordering, loss, VLAN, IPv6, split files, ...).
. "${top_srcdir:-.}/tests/lib.sh"
set -- "$top_srcdir"/tests/data/*.expected.jsonl
[ -f "$1" ] || { echo "1..0 # SKIP no generated captures in tests/data/"; exit 0; }
exec "$PYTHON" "$top_srcdir/tests/check-facts.py" "$WSCLOSED" "$@"
