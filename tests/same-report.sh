#!/bin/bash
# tests/same-report.sh - a developer script (not run by `make check`): does
# `wsclosed report` of this build say exactly what a reference build says?
#
#   tests/same-report.sh REFERENCE-BINARY [NEW-BINARY]
#
# NEW-BINARY defaults to src/wsclosed of the build tree.  Both are run on the
# same inputs, each case in text (with --html) and in json, and stdout, stderr,
# the HTML page and the exit status are compared byte for byte:
#   - every capture in pcaps/, tests/data/, the shared corpora
#     (/work/shared/corpus/zeek and wild, when present; CORPORA= overrides)
#     and a bench sample (made with bench/gen-capture when it is built),
#     alone, also with --inflate;
#   - JSON Lines: each capture's records written by the reference
#     (`-F json`), the *.expected.jsonl files (hand-written, not our writer's:
#     other key orders, missing keys) and tests/zeek-extra.jsonl, and a file
#     of broken lines;
#   - multi-file nights: every directory as one capture, all captures of
#     pcaps/ and tests/data/ given as files, captures and JSON Lines mixed;
#   - history: two consecutive nights in a database in a temporary
#     directory, then the first night again (replaced), so "What changed"
#     has an earlier run and an average;
#   - errors: a missing file, a directory without captures, a bad option,
#     no input, an unwritable --html and --db.
# Masked: only the random six-character suffix of the temporary file GLib
# names in the error for an unwritable --html.  Time-dependent but not
# masked: the default label of a report without connections (today's local
# date), the same for both binaries unless a run straddles midnight.  TZ is fixed (UTC, and one pass
# in America/New_York for the local-hour charts).
# Prints one line per difference and a count; exits 1 when anything differs.
set -u

REF=${1:?usage: tests/same-report.sh REFERENCE-BINARY [NEW-BINARY]}
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
NEW=${2:-$top/src/wsclosed}
CORPORA=${CORPORA:-/work/shared/corpus/zeek /work/shared/corpus/wild /work/shared/corpus/wild/negative}
export TZ=UTC LC_ALL=C.UTF-8

T=$(mktemp -d "${TMPDIR:-/tmp}/same-report.XXXXXX")
trap 'rm -rf "$T"' EXIT
cases=0
diffs=0

# run NAME ARGS...: the report of both binaries on ARGS; "@HTML@" in ARGS
# becomes a per-binary HTML path, "@DB@" a per-binary database path.
run() {
  local name=$1
  shift
  local b bin
  for b in ref new; do
    [ $b = ref ] && bin=$REF || bin=$NEW
    local args=() a
    for a in "$@"; do
      a=${a//@HTML@/$T/$b.html}
      a=${a//@DB@/$T/$b.db}
      args+=("$a")
    done
    rm -f "$T/$b.html"
    "$bin" report "${args[@]}" >"$T/$b.out" 2>"$T/$b.err"
    echo $? >"$T/$b.rc"
    [ -e "$T/$b.html" ] || echo "(no html)" >"$T/$b.html"
    # GLib's temporary name beside the HTML file is random
    sed -i -E 's/(\.html)\.[A-Za-z0-9]{6}/\1.XXXXXX/g' "$T/$b.err"
  done
  cases=$((cases + 1))
  local what
  for what in out err rc html; do
    if ! cmp -s "$T/ref.$what" "$T/new.$what"; then
      diffs=$((diffs + 1))
      echo "DIFF $what: $name"
      diff "$T/ref.$what" "$T/new.$what" | head -5 | sed 's/^/    /'
    fi
  done
}

# both formats of one case
both() {
  local name=$1
  shift
  run "$name (text+html)" --html @HTML@ "$@"
  run "$name (json)" -F json "$@"
}

captures=()
for d in "$top/pcaps" "$top/tests/data" $CORPORA; do
  [ -d "$d" ] || continue
  for f in "$d"/*; do
    case $f in
      *.pcap|*.pcapng|*.cap|*.pcap.gz|*.pcapng.gz) captures+=("$f") ;;
    esac
  done
done
if [ -x "$top/bench/gen-capture" ]; then
  "$top/bench/gen-capture" --conns 300 --bytes 20000000 -o "$T/bench.pcap" >/dev/null 2>&1 &&
    captures+=("$T/bench.pcap")
fi
echo "# ${#captures[@]} captures; reference $REF, new $NEW"

# 1. each capture alone, and with --inflate
for f in "${captures[@]}"; do
  both "$f" "$f"
  run "$f (--inflate, text)" --inflate "$f"
done

# 2. JSON Lines: the reference's records of each capture, the hand-written
# expected files, and broken lines
mkdir -p "$T/jsonl"
i=0
for f in "${captures[@]}"; do
  "$REF" -r "$f" -F json -o "$T/jsonl/$i.jsonl" 2>/dev/null
  both "$f as JSON Lines" "$T/jsonl/$i.jsonl"
  i=$((i + 1))
done
for f in "$top"/pcaps/*.expected.jsonl "$top"/tests/data/*.expected.jsonl \
         "$top/tests/zeek-extra.jsonl" /work/shared/corpus/*/*.jsonl; do
  [ -f "$f" ] && both "$f" "$f"
done
printf '{"close_code":1006,"server_ip":"192.0.2.1"}\nnot json\n[1,2]\n{"a":\n\n{"close_code":1000}' \
  >"$T/broken.jsonl"
both "broken lines" "$T/broken.jsonl"
both "all JSON Lines at once" "$T"/jsonl/*.jsonl

# 3. multi-file nights
for d in "$top/pcaps" "$top/tests/data" $CORPORA; do
  [ -d "$d" ] && both "directory $d" "$d"
done
pc=("$top"/pcaps/*.pcap)
td=("$top"/tests/data/*.pcap*)
both "pcaps/ files" "${pc[@]}"
both "tests/data files" "${td[@]}"
both "captures and JSON Lines mixed" "${pc[@]:0:5}" "$T/jsonl/0.jsonl" "$T/jsonl/3.jsonl" "${td[@]:0:5}"
TZ=America/New_York both "pcaps/ files, New York time" "${pc[@]}"

# 4. history: two consecutive nights, then the first again
half=$(( ${#pc[@]} / 2 ))
rm -f "$T"/ref.db "$T"/new.db
both "night 1" --db @DB@ --label 2026-11-22 "${pc[@]:0:$half}"
both "night 2" --db @DB@ --label 2026-11-23 "${pc[@]:$half}" "${td[@]}"
both "night 1 again" --db @DB@ --label 2026-11-22 "${pc[@]:0:3}"
both "night 3, default label" --db @DB@ "${td[@]:0:4}"
for b in ref new; do
  sqlite3 "$T/$b.db" "SELECT label, connections, abnormal FROM runs ORDER BY label;
                      SELECT count(*) FROM records; SELECT dim, key, count FROM summary
                      ORDER BY 1, 2, 3;" >"$T/$b.dbdump" 2>&1
done
cases=$((cases + 1))
cmp -s "$T/ref.dbdump" "$T/new.dbdump" || { diffs=$((diffs + 1)); echo "DIFF history database"; }

# 5. errors and exit codes
both "missing file" /nonexistent.pcap "${pc[0]}"
mkdir -p "$T/empty"
both "directory without captures" "$T/empty"
run "bad format" -F xml "${pc[0]}"
run "no input"
run "unknown option" --nope "${pc[0]}"
run "unwritable html" --html /nonexistent/dir/x.html "${pc[0]}"
run "unwritable db" --db /proc/none/x.db "${pc[0]}"
run "help" --help

echo "# $cases cases, $diffs differences"
[ $diffs -eq 0 ]
