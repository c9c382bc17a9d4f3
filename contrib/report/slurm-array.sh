#!/bin/sh
# Map step of a nightly wsclosed report as a Slurm job array: task N analyses
# line N+1 of a list of captures and writes OUTDIR/NAME.jsonl.  The reduce is
# `wsclosed report OUTDIR/*.jsonl` once every task has finished.
#
#   find /captures/2026-11-23 -name '*.pcap*' | sort > night.list
#   n=$(wc -l < night.list)
#   job=$(sbatch --parsable --array=0-$((n - 1))%32 slurm-array.sh night.list out/)
#   sbatch --dependency=afterok:$job --wrap \
#     'wsclosed report --html night.html --db history.db --label 2026-11-23 out/*.jsonl'
#
# A connection that spans two rotated files is cut in two by a per-file map;
# list such a set of files on one line (space-separated) to keep it whole.
#SBATCH --job-name=wsclosed-map
#SBATCH --time=01:00:00
#SBATCH --mem=2G
#SBATCH --cpus-per-task=1
set -eu
[ $# -eq 2 ] || { echo "usage: $0 LIST OUTDIR" >&2; exit 1; }
list=$1
out=$2
: "${SLURM_ARRAY_TASK_ID:?run this as a Slurm array job (sbatch --array=...)}"
WSCLOSED=${WSCLOSED:-wsclosed}

line=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" "$list")
[ -n "$line" ] || { echo "$0: $list has no line $((SLURM_ARRAY_TASK_ID + 1))" >&2; exit 1; }
set -- $line
name=$(basename "$1")
args=""
for f in "$@"; do
  args="$args -r $f"
done
mkdir -p "$out"
# written under a temporary name, so the reduce never reads half a file
$WSCLOSED $args -F json -o "$out/$name.jsonl.part"
mv "$out/$name.jsonl.part" "$out/$name.jsonl"
