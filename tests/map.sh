#!/bin/bash
# tests/map.sh - doc/map.md names every file of src/ (issue 16: the one-page
# map stays true).  A .c must be named; a .h is covered by its .c, and a
# header without a .c must be named itself.
srcdir=${srcdir:-.}
. "$srcdir/tests/lib.sh"
map="$srcdir/doc/map.md"
missing=()
for f in "$srcdir"/src/*.c "$srcdir"/src/*.h; do
  b=$(basename "$f")
  case "$b" in
    *.h) [ -f "$srcdir/src/${b%.h}.c" ] && continue ;;  # its .c is checked
  esac
  # whole names: conn.c is not named by tlsconn.c
  grep -q -E "(^|[^A-Za-z0-9_-])${b//./\\.}" "$map" || missing+=("$b")
done
if [ ${#missing[@]} -eq 0 ]; then
  ok "doc/map.md names every file of src/"
else
  not_ok "doc/map.md does not name: ${missing[*]}"
fi
n=$(ls "$srcdir"/src/*.c | wc -l)
[ "$n" -gt 50 ] && ok "src/ read ($n .c files)" || not_ok "src/ not found from $srcdir ($n .c files)"
tap_end
exit 0
