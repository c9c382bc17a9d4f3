#!/bin/bash
# Valgrind memcheck: no invalid access, no use of uninitialised values, no
# definite leak, over the unit tests, wsclosed on a few captures (each
# output format) and the fuzz replay drivers over their corpora.  Skipped
# when valgrind is missing or the build uses ASan (the two do not mix).
# VALGRIND_TIMEOUT (default 120) bounds each run.
. "${top_srcdir:-.}/tests/lib.sh"
command -v valgrind >/dev/null 2>&1 || { echo "1..0 # SKIP valgrind not installed"; exit 0; }
if ldd "$WSCLOSED" 2>/dev/null | grep -q 'libasan\|libubsan' || nm "$WSCLOSED" 2>/dev/null | grep -q __asan_init; then
  echo "1..0 # SKIP sanitizer build (valgrind cannot run ASan binaries)"; exit 0
fi
VALGRIND_TIMEOUT=${VALGRIND_TIMEOUT:-120}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export G_SLICE=always-malloc G_DEBUG=gc-friendly

# vg NAME PROGRAM ARGS...: ok when memcheck reports nothing and the program
# exits with $want_rc (default 0); the first errors are shown otherwise.
vg() {
  local name=$1; shift
  local t0=$SECONDS
  timeout "$VALGRIND_TIMEOUT" valgrind -q --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite --show-leak-kinds=definite --track-origins=yes \
    --log-file="$tmp/vg.log" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ $rc -eq "${want_rc:-0}" ] && ! [ -s "$tmp/vg.log" ]; then
    ok "$name ($((SECONDS - t0)) s)"
  else
    not_ok "$name: exit $rc ($((SECONDS - t0)) s)"
    grep -E 'Invalid|uninitialised|definitely lost|at 0x|by 0x' "$tmp/vg.log" | head -12 | sed 's/^/# /'
  fi
}

for t in "$top_builddir"/tests/*.test; do
  [ -x "$t" ] || continue
  vg "unit test $(basename "$t")" env G_TEST_SRCDIR="$top_srcdir/tests" G_TEST_BUILDDIR="$top_builddir/tests" "$t"
done

n=0
for p in py-deflate ws-1009 py-1012-restart raw-utf8-1007; do
  f="$top_srcdir/pcaps/$p.pcap"
  [ -f "$f" ] || continue
  fmts=(text json csv)
  fmt=${fmts[$((n % 3))]}
  n=$((n + 1))
  vg "wsclosed -r $p.pcap -F $fmt -v" "$WSCLOSED" -r "$f" -F "$fmt" -v
done
f="$top_srcdir/pcaps/ws-deflate.pcap"
if [ -f "$f" ]; then
  gzip -c "$f" >"$tmp/c.pcap.gz"
  head -c $(($(stat -c %s "$f") - 9)) "$f" >"$tmp/trunc.pcap"
  want_rc=2 vg "wsclosed on a gzip capture and a truncated one together (exit 2)" \
    "$WSCLOSED" -r "$tmp/c.pcap.gz" -r "$tmp/trunc.pcap" -F json
fi

for t in http ext frames capture; do
  bin="$top_builddir/fuzz/replay-$t"
  [ -x "$bin" ] || continue
  dirs=("$top_srcdir/fuzz/corpus/$t")
  [ -d "$top_srcdir/fuzz/regressions/$t" ] && dirs+=("$top_srcdir/fuzz/regressions/$t")
  vg "replay-$t over its corpus" "$bin" "${dirs[@]}"
done

tap_end
[ "$tap_fail" -eq 0 ]
