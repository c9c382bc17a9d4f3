#!/bin/bash
# Issue 16's sizes: no file of src/ over 900 lines, no function over 100.
# A function is measured in GNU style as the code is written: from its
# opening brace at the start of a line to the next closing brace at the
# start of a line, both counted.  The checker is first shown a made-up
# file with a function of 101 lines.
. "${top_srcdir:-.}/tests/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
MAX_FILE=900
MAX_FUNC=100

# long_functions FILE...: "lines file:line name" for each function over MAX_FUNC
long_functions() {
  "$PYTHON" - "$MAX_FUNC" "$@" <<'PY'
import re, sys
limit = int(sys.argv[1])
for f in sys.argv[2:]:
    lines = open(f, encoding="utf-8", errors="replace").read().split("\n")
    start = name = None
    for i, l in enumerate(lines):
        if l.startswith("{"):
            start, name = i, "?"
            for j in range(i - 1, max(i - 6, -1), -1):
                m = re.match(r"^([A-Za-z_]\w*) \(", lines[j])
                if m:
                    name = m.group(1)
                    break
        elif l.startswith("}") and start is not None:
            if i - start + 1 > limit:
                print(f"{i - start + 1} {f.split('/')[-1]}:{start + 1} {name}")
            start = None
PY
}

{ printf 'static int\nshort_one (void)\n{\n  return 1;\n}\n\nstatic int\nlong_one (void)\n{\n'
  for i in $(seq 99); do printf '  x++;\n'; done
  printf '}\n'; } >"$tmp/made.c"
check "the checker finds a function of 101 lines (and not the short one)" \
  test "$(long_functions "$tmp/made.c")" = "101 made.c:9 long_one"

long=$(long_functions "$top_srcdir"/src/*.c "$top_srcdir"/src/*.h | tr '\n' ';')
check "no function of src/ over $MAX_FUNC lines${long:+ ($long)}" test -z "$long"
big=$(wc -l "$top_srcdir"/src/*.c "$top_srcdir"/src/*.h | awk -v m=$MAX_FILE '$2 != "total" && $1 > m {sub(/.*\//, "", $2); printf "%s %s;", $2, $1}')
check "no file of src/ over $MAX_FILE lines${big:+ ($big)}" test -z "$big"
tap_end
exit 0
