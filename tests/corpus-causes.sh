#!/bin/sh
# The shared corpus: the cause of every connection that has a cause_id.
. "${top_srcdir:-.}/tests/lib.sh"
corpus=${WSCLOSED_CORPUS:-$top_srcdir/../shared/corpus/zeek}
if [ ! -f "$corpus/expected.jsonl" ]; then
  echo "1..0 # SKIP shared corpus not found at $corpus (set WSCLOSED_CORPUS)"
  exit 0
fi
exec "$PYTHON" "$top_srcdir/tests/check-facts.py" "$WSCLOSED" --causes --capture-dir "$corpus" \
  "$corpus/expected.jsonl"
