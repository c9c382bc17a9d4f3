#!/bin/sh
# The text report fits the terminal: every capture in pcaps/ and tests/data/,
# as text, text -v and --summary, at COLUMNS=80 and 120.  No line is wider
# than the width, except a line that holds one word after its indentation
# (and its label, e.g. "fix: "): a wire value that cannot be broken (a long
# path, a token, a close reason without spaces), which the report puts on a
# line of its own rather than cut (README, "Text output").  Every connection
# row keeps its endpoints whole: the client's address and port as JSON gives
# them appear on the report.
. "${top_srcdir:-.}/tests/lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# the lines wider than $1 that are not one word
too_wide() {
  awk -v w="$1" '{
      if (length($0) <= w) next
      s = $0; sub(/^ +/, "", s); sub(/^[a-z ]+: /, "", s)
      if (s ~ / /) print FILENAME ": " length($0) ": " $0
    }' "$2"
}

for cols in 80 120; do
  bad=; n=0; cut=
  for f in "$top_srcdir"/pcaps/*.pcap "$top_srcdir"/tests/data/*.pcap*; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    for mode in "" "-v" "--summary"; do
      COLUMNS=$cols LC_ALL=C.UTF-8 "$WSCLOSED" -r "$f" $mode >"$tmp/out" 2>/dev/null
      w=$(too_wide "$cols" "$tmp/out" | head -3)
      [ -z "$w" ] || bad="$bad
$(basename "$f") $mode: $w"
    done
    # endpoints whole: each client endpoint of the JSON is on the text report
    COLUMNS=$cols "$WSCLOSED" -r "$f" >"$tmp/text" 2>/dev/null
    "$WSCLOSED" -r "$f" -F json 2>/dev/null \
      | jq -r 'if (.client_ip | test(":")) then "[\(.client_ip)]:\(.client_port)"
               else "\(.client_ip):\(.client_port)" end' >"$tmp/ends"
    while read -r e; do
      grep -qF -- "$e" "$tmp/text" || cut="$cut $(basename "$f"):$e"
    done <"$tmp/ends"
  done
  check "COLUMNS=$cols: no line wider on $n captures (text, -v, --summary) but single words" \
    test -z "$bad"
  [ -z "$bad" ] || echo "$bad" | head -20 | sed 's/^/# /'
  check "COLUMNS=$cols: every client endpoint whole on the report" test -z "$cut"
  [ -z "$cut" ] || echo "# cut:$cut" | head -5
done

# no terminal and no COLUMNS: 80
env -u COLUMNS "$WSCLOSED" -r "$top_srcdir/pcaps/py-close-storm.pcap" -v >"$tmp/out" 2>/dev/null
check "no COLUMNS, not a terminal: 80 columns" test -z "$(too_wide 80 "$tmp/out")" \
  -a "$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$tmp/out")" -gt 72
tap_end
