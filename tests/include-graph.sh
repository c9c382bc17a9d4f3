#!/bin/bash
# No include cycles among the modules of src/ (a .c with its .h): every
# cycle tests/include-graph.py finds must be listed in
# tests/include-cycles.known (those still to be broken), and every listed
# one must still be there.  The checker is first shown a made-up tree with
# a cycle three modules long, so that it is known to find one.
. "${top_srcdir:-.}/tests/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
graph="$PYTHON $top_srcdir/tests/include-graph.py"

mkdir "$tmp/src"
printf '#include "b.h"\n' >"$tmp/src/a.c"; : >"$tmp/src/a.h"
printf '#include "c.h"\n' >"$tmp/src/b.h"; : >"$tmp/src/b.c"
printf '#include "a.h"\n#include "d.h"\n' >"$tmp/src/c.c"; : >"$tmp/src/c.h"
printf '#include <stdio.h>\n#include "a.h"\n' >"$tmp/src/d.h"
printf '#include "d.h"\n' >"$tmp/src/e.c"
check "the checker finds a made cycle a -> b -> c -> a (and d -> a -> ...)" \
  test "$($graph "$tmp/src")" = "a b c d"
rm "$tmp/src/d.h"
check "... and a, b, c alone once d.h is gone" test "$($graph "$tmp/src")" = "a b c"
printf '\n' >"$tmp/src/c.c"
check "... and none once c.c includes nothing" test -z "$($graph "$tmp/src")"

$graph "$top_srcdir/src" >"$tmp/found"
check "include-graph.py ran on src/" test $? -eq 0
grep -v '^#' "$top_srcdir/tests/include-cycles.known" | sed '/^$/d' | sort >"$tmp/known"
sort "$tmp/found" >"$tmp/found.s"
new=$(comm -23 "$tmp/found.s" "$tmp/known" | tr '\n' ';')
gone=$(comm -13 "$tmp/found.s" "$tmp/known" | tr '\n' ';')
check "no include cycle in src/ but the known ones${new:+ (new: $new)}" test -z "$new"
check "every known cycle is still there${gone:+ (gone, remove from include-cycles.known: $gone)}" test -z "$gone"
check "src/wsframe.c includes neither conn.h nor record.h (the frame layer knows no connection)" \
  bash -c "! grep -qE '#include \"(conn|record)\\.h\"' '$top_srcdir/src/wsframe.c' '$top_srcdir/src/wsframe.h' '$top_srcdir/src/pmd.c' '$top_srcdir/src/wschain.c'"
tap_end
exit 0
