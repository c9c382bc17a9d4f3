#!/bin/sh
# Golden test: every capture recorded from real peers in pcaps/ against its
# expected facts (written from how the scenario was made, checked with tshark).
. "${top_srcdir:-.}/tests/lib.sh"
set -- "$top_srcdir"/pcaps/*.expected.jsonl
[ -f "$1" ] || { echo "1..0 # SKIP no expected files in pcaps/"; exit 0; }
exec "$PYTHON" "$top_srcdir/tests/check-facts.py" "$WSCLOSED" "$@"
