#!/bin/sh
# The shared corpus (Zeek's WebSocket captures): wire facts from its
# expected.jsonl (tshark's decoding) and the facts its README states
# (tests/zeek-extra.jsonl).
. "${top_srcdir:-.}/tests/lib.sh"
corpus=${WSCLOSED_CORPUS:-$top_srcdir/../shared/corpus/zeek}
if [ ! -f "$corpus/expected.jsonl" ]; then
  echo "1..0 # SKIP shared corpus not found at $corpus (set WSCLOSED_CORPUS)"
  exit 0
fi
exec "$PYTHON" "$top_srcdir/tests/check-facts.py" "$WSCLOSED" --capture-dir "$corpus" \
  "$corpus/expected.jsonl" "$top_srcdir/tests/zeek-extra.jsonl"
