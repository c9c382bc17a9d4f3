#!/bin/sh
# The evidence behind a cause is only built when the report shows it (JSON,
# text with -v).  Without it the diagnosis must be the same: the text table
# without -v must equal the verbose table with its evidence blocks (and the
# tcp:, packets: and wireshark: lines only -v shows) removed,
# and the CSV's cause columns must equal the JSON's, on every bundled capture.
. "${top_srcdir:-.}/tests/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; bad_text=; bad_csv=
for f in "$top_srcdir"/pcaps/*.pcap "$top_srcdir"/tests/data/*.pcap; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  b=$(basename "$f")
  "$WSCLOSED" -F text -v -r "$f" 2>/dev/null \
    | awk '/^    (evidence:$|tcp: |packets: |wireshark: )/ { skip = 1; next }
           skip && /^      / { next } { skip = 0; print }' >"$tmp/verbose"
  "$WSCLOSED" -F text -r "$f" 2>/dev/null >"$tmp/plain"
  cmp -s "$tmp/verbose" "$tmp/plain" || bad_text="$bad_text $b"
  if command -v jq >/dev/null 2>&1 && [ -n "$PYTHON" ]; then
    "$WSCLOSED" -F json -r "$f" 2>/dev/null | jq -r '[.id, (.cause.id // ""), (.cause.summary // "")] | @tsv' >"$tmp/json"
    "$WSCLOSED" -F csv -r "$f" 2>/dev/null | "$PYTHON" -c '
import csv, sys
rows = list(csv.DictReader(sys.stdin))
for r in rows:
    s = r["cause_summary"]
    if s.startswith("\x27"):
        s = s[1:]
    print("\t".join([r["id"], r["cause_id"], s]))' >"$tmp/csv"
    cmp -s "$tmp/json" "$tmp/csv" || bad_csv="$bad_csv $b"
  fi
done
check "text without -v = verbose text less its evidence, on $n captures (differ:${bad_text:- none})" test -z "$bad_text"
check "CSV causes = JSON causes, on $n captures (differ:${bad_csv:- none})" test -z "$bad_csv"
check "some captures were read" test "$n" -gt 10
tap_end
