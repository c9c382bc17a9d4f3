#!/bin/sh
# Map step of a nightly wsclosed report with GNU parallel, spread over the
# machines in SSHLOGIN (default ":" = this machine only; e.g. "8/host1,8/host2,:"
# runs up to 8 jobs on host1 and host2 and the default number here).  Each job
# runs `wsclosed -r FILE -F json` where the file is (copied there when remote)
# and the JSON Lines come back to OUTDIR; then reduce:
#
#   contrib/report/parallel.sh out/ /captures/2026-11-23/*.pcap*
#   wsclosed report --html night.html --db history.db out/*.jsonl
#
# wsclosed must be installed on every machine.  Capture paths should be
# absolute (parallel copies them to the same path on remote machines).
set -eu
[ $# -ge 2 ] || { echo "usage: $0 OUTDIR CAPTURE..." >&2; exit 1; }
out=$1
shift
WSCLOSED=${WSCLOSED:-wsclosed}
SSHLOGIN=${SSHLOGIN:-:}
mkdir -p "$out"
cd "$out"
parallel --will-cite --halt now,fail=1 --sshlogin "$SSHLOGIN" \
  --transferfile {} --return {/}.jsonl --cleanup \
  "$WSCLOSED" -r {} -F json -o {/}.jsonl ::: "$@"
