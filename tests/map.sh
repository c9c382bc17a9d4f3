#!/bin/bash
# doc/map.md names every file of src/ (a .c or .h, in backquotes), and every
# `name.c`/`name.h` it names is a file of src/: the map stays true as files
# are split or added.  The checker is first shown a made-up tree and map.
. "${top_srcdir:-.}/tests/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# missing SRCDIR MAP: the files of SRCDIR the map does not name, then the
# names in the map that are no file of SRCDIR (prefixed "stale:")
missing() {
  local f b
  for f in "$1"/*.c "$1"/*.h; do
    [ -e "$f" ] || continue
    b=${f##*/}
    grep -qF "\`$b\`" "$2" || echo "$b"
  done
  grep -oE '`[A-Za-z0-9_-]+\.[ch]`' "$2" | tr -d '`' | sort -u | while read -r b; do
    [ -e "$1/$b" ] || echo "stale:$b"
  done
}

mkdir "$tmp/src"
: >"$tmp/src/a.c"; : >"$tmp/src/a.h"; : >"$tmp/src/b.c"
printf '| x | `a.c` `a.h` |\n' >"$tmp/map.md"
check "the checker finds a file the map does not name" test "$(missing "$tmp/src" "$tmp/map.md")" = "b.c"
printf '| y | `b.c` `gone.c` |\n' >>"$tmp/map.md"
check "... and a name on the map that is no file" test "$(missing "$tmp/src" "$tmp/map.md")" = "stale:gone.c"

out=$(missing "$top_srcdir/src" "$top_srcdir/doc/map.md" | tr '\n' ' ')
check "doc/map.md names every file of src/, and only those${out:+ (not so: $out)}" test -z "$out"
tap_end
exit 0
