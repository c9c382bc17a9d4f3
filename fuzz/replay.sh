#!/bin/bash
# Replays every seed corpus file and every saved crash of each fuzz target
# through its plain replay driver (fuzz/replay-TARGET, no fuzzing engine).
# Under --enable-sanitizers a memory error or undefined behaviour fails the
# test; in any build a crash, an abort from a target's own checks, or an
# unreadable corpus file does.
. "${top_srcdir:-.}/tests/lib.sh"
for t in http ext frames capture tls subproto inflate; do
  bin="$top_builddir/fuzz/replay-$t"
  dirs=("$top_srcdir/fuzz/corpus/$t")
  [ -d "$top_srcdir/fuzz/regressions/$t" ] && dirs+=("$top_srcdir/fuzz/regressions/$t")
  if [ ! -x "$bin" ]; then
    not_ok "$t: $bin not built"
    continue
  fi
  out=$("$bin" "${dirs[@]}" 2>/dev/null)
  rc=$?
  n=$(printf '%s\n' "$out" | sed -n 's/^replayed \([0-9]*\) inputs$/\1/p')
  if [ "$rc" -eq 0 ] && [ "${n:-0}" -ge 5 ]; then
    ok "$t: $n inputs replayed"
  else
    not_ok "$t: exit $rc after ${n:-?} inputs (run $bin -v ${dirs[*]} to see which)"
  fi
done
tap_end
[ "$tap_fail" -eq 0 ]
