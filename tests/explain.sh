#!/bin/bash
# --explain with two or more codes: each page, then the difference (who
# sends each, what to check first, what the capture shows, which evidence
# separates them); the facts of the seed pages (1010 vs 1011, 1010 vs
# 1012) are all there; the same as JSON.
. "${top_srcdir:-.}/tests/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# has FILE PATTERN...: every pattern (case-insensitive, extended) is in FILE
has() {
  local f=$1 p miss=""; shift
  # one line, single spaces: phrases are wrapped across lines on the page
  tr -s '\n ' '  ' <"$f" >"$f.flat"
  for p in "$@"; do grep -qiE -- "$p" "$f.flat" || grep -qiE -- "$p" "$f" || miss="$miss [$p]"; done
  [ -z "$miss" ] || { echo "# missing:$miss"; return 1; }
}

LANGUAGE= LC_ALL=C.UTF-8 "$WSCLOSED" --explain 1010 1011 >"$tmp/a" 2>&1
check "--explain 1010 1011: exit 0" test "$?" -eq 0
check "... both pages and the difference" \
  has "$tmp/a" "^1010 Mandatory Extension" "^1011 Internal Error" "^The difference: 1010 .* vs 1011 " \
      "^Who sends it:" "^Check first on the wire:" "^What the capture shows:" "^How wsclosed tells them apart:"
# the seed page 1010 vs 1011: meaning, when you see it, how to fix, for both
check "... carries every fact of the seed page 1010 vs 1011" \
  has "$tmp/a" "server did not (accept|negotiate)" "client" "permessage-deflate" \
      "Sec-WebSocket-Extensions" "make the extension optional on the client|extension optional" \
      "Enable the extension on the server" "unexpected condition" "HTTP 500" \
      "unhandled exception" "processing a message" "logs" "stack trace" \
      "error handling around message processing"
check "... says who sends each: the client only for 1010, the server for 1011" \
  has "$tmp/a" "1010 Mandatory Extension: the client only" "1011 Internal Error: the server"

LANGUAGE= LC_ALL=C.UTF-8 "$WSCLOSED" --explain 1010 1012 >"$tmp/b" 2>&1
check "--explain 1010 1012: the facts of the seed page" \
  has "$tmp/b" "^The difference: 1010 .* vs 1012 " "restart" "deploy" "configuration reload" \
      "reconnect" "1-5 s" "should succeed once it is back" "planned restart"

LANGUAGE= LC_ALL=C.UTF-8 "$WSCLOSED" --explain 1010 1011 -F json >"$tmp/j" 2>&1
check "-F json: one valid JSON object with two items and a difference" \
  test "$(jq -r '[(.items|length), (.difference.check_first|length), .items[0].key, .items[1].code] | join(" ")' "$tmp/j" 2>/dev/null)" = "2 1 1010 1011"
check "... who_sends, wire and wsclosed_evidence for each item" \
  test "$(jq '[.items[] | select(.who_sends and .wire and .wsclosed_evidence)] | length' "$tmp/j" 2>/dev/null)" = 2

# three kinds mixed: a status, a code and a cause id
LANGUAGE= LC_ALL=C.UTF-8 "$WSCLOSED" --explain 403 1006 idle_timeout >"$tmp/c" 2>&1
check "--explain 403 1006 idle_timeout: three pages and the difference" \
  has "$tmp/c" "^HTTP 403" "^1006 Abnormal Closure" "^idle_timeout: " "Whether the upgrade succeeded" \
      "What came just before the close"
"$WSCLOSED" --explain 1010 bogus_word >"$tmp/d" 2>"$tmp/e"
check "an unknown second word: exit 1, named, nothing on stdout" \
  test "$?" -eq 1 -a ! -s "$tmp/d" -a -n "$(grep -F bogus_word "$tmp/e")"
tap_end
exit 0
