#!/bin/sh
# same-output.sh - is a build's output byte-identical to a reference binary's?
#
#   tests/same-output.sh REF [NEW]
#
# REF is a wsclosed binary built from an earlier commit (e.g.
# /work/ref/wsclosed-9a8ee0b); NEW defaults to src/wsclosed of the build
# directory this is run from.  For a refactoring that must not change what
# the program writes.  Not part of `make check`: it needs the reference
# binary and the shared corpora, and takes a minute or so.
#
# Every capture under pcaps/, tests/data/, the shared corpora
# (/work/shared/corpus/zeek and wild, negative/ included; CORPUS_DIRS to
# change) and, when present, the bench samples in $BENCH_SAMPLES (a list of
# files; see bench/README, e.g. `bench/gen-capture --conns 1000 --bytes 20M
# --seed 1 -o s.pcap`) is run through both binaries in each mode:
#
#   -F json, -F csv, text, text -v, -F json --inflate, -v --inflate,
#   -F json --fast, -F json --no-utf8-check,
#   report (text), report -F json, report --html FILE
#
# and once more per directory as one report.  Standard output, standard
# error and the exit status must match exactly; the HTML pages too (they
# hold no date or time of the run, so they are compared as they are).  The
# reference's outputs are kept in $SAME_CACHE (default
# /var/tmp/wsclosed-same/<hash of REF>-<today>) so that a second run costs only the
# new binary's runs.  Exit status 0 when all are identical, 1 otherwise
# (the differing cases are listed, with a diff of the first few).
set -u

ref=${1:?usage: same-output.sh REF [NEW]}
new=${2:-src/wsclosed}
srcdir=$(cd "$(dirname "$0")/.." && pwd)
corpus=${CORPUS_DIRS:-/work/shared/corpus/zeek /work/shared/corpus/wild}
[ -x "$ref" ] || { echo "no reference binary $ref" >&2; exit 2; }
[ -x "$new" ] || { echo "no binary $new (run from the build directory)" >&2; exit 2; }
new=$(cd "$(dirname "$new")" && pwd)/$(basename "$new")

refhash=$(sha1sum "$ref" | cut -c1-12)
# per day: a report without connections is labelled with the local date
cache=${SAME_CACHE:-/var/tmp/wsclosed-same/$refhash-$(date +%F)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$cache"

# The cases: one line each, "name<TAB>args", args split on spaces (no
# capture path here holds one); @OUT@ is a file the run may write (its
# content is compared too).
list=$work/cases
: >"$list"
dirs=""
for d in "$srcdir/pcaps" "$srcdir/tests/data" $corpus; do
  [ -d "$d" ] || continue
  dirs="$dirs $d"
  find "$d" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.pcap.gz' \) \
       -not -path '*/node_modules/*' | LC_ALL=C sort
done >"$work/files"
for f in ${BENCH_SAMPLES:-}; do
  [ -f "$f" ] && echo "$f"
done >>"$work/files"

while read -r f; do
  for mode in "-F json" "-F csv" "" "-v" "-F json --inflate" "-v --inflate" \
              "-F json --fast" "-F json --no-utf8-check"; do
    printf '%s\t-r %s %s\n' "$f" "$f" "$mode"
  done
  printf '%s\treport %s\n' "$f" "$f"
  printf '%s\treport -F json %s\n' "$f" "$f"
  printf '%s\treport --html @OUT@ %s\n' "$f" "$f"
done <"$work/files" >>"$list"
for d in $dirs; do
  printf '%s\treport %s\n' "$d" "$d"
  printf '%s\treport -F json --html @OUT@ %s\n' "$d" "$d"
done >>"$list"

# run BIN ARGS... into $1 (a directory): out, err, rc and file
run () {
  dir=$1; shift
  bin=$1; shift
  mkdir -p "$dir"
  run_args=$(printf '%s' "$*" | sed "s|@OUT@|$dir/file|g")
  rm -f "$dir/file"
  # shellcheck disable=SC2086
  (cd "$work" && LC_ALL=C.UTF-8 TZ=UTC "$bin" $run_args >"$dir/out" 2>"$dir/err"; echo $? >"$dir/rc")
  [ -f "$dir/file" ] || : >"$dir/file"
  # the HTML names the file it was written to; the two runs write to two places
  sed -i "s|$dir/file|OUT|g" "$dir/out" "$dir/err" "$dir/file"
}

n=0 bad=0
while IFS="$(printf '\t')" read -r name args; do
  n=$((n + 1))
  key=$(printf '%s' "$args" | sha1sum | cut -c1-16)
  if [ ! -f "$cache/$key/rc" ]; then
    run "$cache/$key" "$ref" $args
    printf '%s\n' "$args" >"$cache/$key/args"
  fi
  run "$work/new" "$new" $args
  same=1
  for part in out err rc file; do
    cmp -s "$cache/$key/$part" "$work/new/$part" || same=0
  done
  if [ $same = 0 ]; then
    bad=$((bad + 1))
    echo "DIFFERS: wsclosed $args"
    if [ $bad -le 3 ]; then
      for part in out err rc file; do
        diff "$cache/$key/$part" "$work/new/$part" | head -20
      done
    fi
  fi
done <"$list"

echo "same-output: $n cases, $((n - bad)) identical, $bad differ (ref $ref, new $new)"
[ $bad = 0 ]
