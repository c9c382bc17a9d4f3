#!/bin/sh
# Causes: every capture in pcaps/ yields the cause a reader of the capture
# would name (cause_id and key evidence in the expected files).
. "${top_srcdir:-.}/tests/lib.sh"
set -- "$top_srcdir"/pcaps/*.expected.jsonl
[ -f "$1" ] || { echo "1..0 # SKIP no expected files in pcaps/"; exit 0; }
exec "$PYTHON" "$top_srcdir/tests/check-facts.py" "$WSCLOSED" --causes "$@"
