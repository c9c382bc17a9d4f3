#!/bin/bash
# `wsclosed report` over the captures recorded from real peers (pcaps/):
# a directory read as one capture, rotated file names, the map/reduce path
# (per-file JSON Lines merged, by a loop, by GNU parallel and by the Slurm
# array script) against the single-process report, the SQLite history over
# two nights, exit codes and the quiet stderr.  Expected counts come from the
# pcaps' *.expected.jsonl (written from how each capture was made).
. "${top_srcdir:-.}/tests/lib.sh"

REPORT=("$WSCLOSED" report)
set -- "$top_srcdir"/pcaps/*.expected.jsonl
[ -f "$1" ] || { echo "1..0 # SKIP no captures in pcaps/"; exit 0; }

export TZ=UTC
T=$(mktemp -d "${TMPDIR:-/tmp}/wsclosed-report.XXXXXX")
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/night" "$T/n1" "$T/n2" "$T/map"
i=0
for exp in "$top_srcdir"/pcaps/*.expected.jsonl; do
  pcap=${exp%.expected.jsonl}.pcap
  [ -f "$pcap" ] || continue
  cp "$pcap" "$exp" "$T/night/"
  # two simulated nights: alternate captures
  if [ $((i % 2)) -eq 0 ]; then cp "$pcap" "$exp" "$T/n1/"; else cp "$pcap" "$exp" "$T/n2/"; fi
  i=$((i + 1))
done
echo "# $i captures, report: ${REPORT[*]}"

# expected totals of a directory, from its *.expected.jsonl files:
# {"connections": N, "by_code": {...}} (records that may be absent left out)
expected() {
  "$PYTHON" - "$1" <<'EOF'
import glob, json, os, sys
n, codes = 0, {}
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.expected.jsonl"))):
    for line in open(f):
        r = json.loads(line)
        if r.get("may_be_absent"):
            continue
        n += 1
        k = "open" if r.get("close_code") is None else str(r["close_code"])
        codes[k] = codes.get(k, 0) + 1
print(json.dumps({"connections": n, "by_code": codes}, sort_keys=True))
EOF
}

# the same totals from a report's --format json
totals() {
  "$PYTHON" -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(json.dumps({"connections": r["connections"],
                  "by_code": {k: v["count"] for k, v in r["by_code"].items()}}, sort_keys=True))' "$1"
}

# 1: a directory is one capture; its totals are those the captures were made with
"${REPORT[@]}" --format json --db "$T/h.db" --label single "$T/night" >"$T/single.json" 2>"$T/single.err"
rc=$?
check "directory input exits 0" test $rc -eq 0
check "stderr is quiet when it is not a terminal" test ! -s "$T/single.err"
if [ "$(totals "$T/single.json")" = "$(expected "$T/night")" ]; then
  ok "directory: connections and close codes as recorded"
else
  not_ok "directory: connections and close codes as recorded"
  echo "# got      $(totals "$T/single.json")"; echo "# expected $(expected "$T/night")"
fi

# 2: rotated names (tcpdump -C: x.pcap, x.pcap1; logrotate: x.pcap.2) read
# together, so a connection cut by the rotation stays whole
mkdir -p "$T/rot"
if [ -f "$top_srcdir/tests/data/split-1.pcap" ]; then
  cp "$top_srcdir/tests/data/split-1.pcap" "$T/rot/cap.pcap"
  cp "$top_srcdir/tests/data/split-2.pcap" "$T/rot/cap.pcap1"
  cp "$top_srcdir/tests/data/split.expected.jsonl" "$T/rot/"
  echo "not a capture" >"$T/rot/notes.txt"
  "${REPORT[@]}" --format json "$T/rot" >"$T/rot.json" 2>"$T/rot.err"
  rc=$?
  if [ $rc -eq 0 ] && [ "$(totals "$T/rot.json")" = "$(expected "$T/rot")" ]; then
    ok "rotated files in a directory read as one capture"
  else
    not_ok "rotated files in a directory read as one capture (rc $rc)"
    cat "$T/rot.err" | sed 's/^/# /'
  fi
else
  ok "# SKIP tests/data/split-*.pcap not found"
fi

# 3: map/reduce by a loop: one wsclosed per capture, then report over the JSON Lines
for f in "$T"/night/*.pcap; do
  "$WSCLOSED" -r "$f" -F json -o "$T/map/$(basename "$f").jsonl" || echo "# map failed: $f"
done
"${REPORT[@]}" --format json --db "$T/h.db" --label merged "$T"/map/*.jsonl >"$T/merged.json" 2>"$T/merged.err"
check "reduce over JSON Lines exits 0" test $? -eq 0

# same totals by code, cause and server, same ranking, and the same records
same_report() {  # same_report A.json B.json LABEL_A LABEL_B
  "$PYTHON" - "$@" "$T/h.db" <<'EOF'
import json, sqlite3, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
bad = []
for k in ("connections", "abnormal", "handshake_failures", "still_open", "by_code",
          "by_cause", "by_server", "by_host", "by_path", "idle_before_1006", "top",
          "first_ts", "last_ts"):
    if a[k] != b[k]:
        bad.append(k)
db = sqlite3.connect(sys.argv[5])
cols = ("client_ip, client_port, server_ip, server_port, host, path, start_us, end_us,"
        " handshake_status, handshake_failed, close_code, close_reason, close_initiator,"
        " tcp_end, tcp_end_by, cause_id, cause_detail, cause_summary, cause_fix,"
        " cause_confidence, evidence, idle_us, abnormal")
# Evidence may name another connection by its id ("connection 11"), which is
# the order of first packet within one process: a per-file map numbers from 1
# again.  Everything else must be identical.
import re
ids = re.compile(r"\bconnection \d+\b")
def recs(label):
    return sorted(ids.sub("connection N", repr(r)) for r in db.execute(
        "SELECT %s FROM records WHERE run_id = (SELECT id FROM runs WHERE label = ?)" % cols,
        (label,)))
ra, rb = recs(sys.argv[3]), recs(sys.argv[4])
if ra != rb or not ra:
    bad.append("records (%d vs %d)" % (len(ra), len(rb)))
if bad:
    print("# differ: " + ", ".join(bad))
sys.exit(1 if bad else 0)
EOF
}
check "map/reduce (loop) equals the single-process report" same_report "$T/single.json" "$T/merged.json" single merged

# 4: GNU parallel over the local login
if command -v parallel >/dev/null 2>&1; then
  WSCLOSED="$WSCLOSED" SSHLOGIN=: "$top_srcdir/contrib/report/parallel.sh" "$T/par" "$T"/night/*.pcap \
    >"$T/par.out" 2>&1
  rc=$?
  n_out=$(ls "$T"/par/*.jsonl 2>/dev/null | wc -l)
  n_in=$(ls "$T"/night/*.pcap | wc -l)
  check "parallel --sshlogin : wrote one JSON Lines file per capture" test $rc -eq 0 -a "$n_out" -eq "$n_in"
  n_left=$(ls "$T"/night/*.pcap | wc -l)
  check "parallel left the captures in place" test "$n_left" -eq "$n_in"
  "${REPORT[@]}" --format json --db "$T/h.db" --label parallel "$T"/par/*.jsonl >"$T/par.json" 2>/dev/null
  check "map/reduce (GNU parallel) equals the single-process report" same_report "$T/single.json" "$T/par.json" single parallel
else
  ok "# SKIP GNU parallel not installed (Debian package parallel)"
  ok "# SKIP GNU parallel not installed"
  ok "# SKIP GNU parallel not installed"
fi

# 5: the Slurm array script, run task by task with SLURM_ARRAY_TASK_ID set
ls "$T"/night/*.pcap >"$T/night.list"
n=$(wc -l <"$T/night.list")
fails=0
for ((task = 0; task < n; task++)); do
  SLURM_ARRAY_TASK_ID=$task WSCLOSED="$WSCLOSED" sh "$top_srcdir/contrib/report/slurm-array.sh" \
    "$T/night.list" "$T/slurm" || fails=$((fails + 1))
done
check "slurm-array.sh: every task succeeded" test $fails -eq 0
check "slurm-array.sh: a task past the list fails" \
  sh -c "! SLURM_ARRAY_TASK_ID=$n sh '$top_srcdir/contrib/report/slurm-array.sh' '$T/night.list' '$T/slurm' 2>/dev/null"
"${REPORT[@]}" --format json --db "$T/h.db" --label slurm "$T"/slurm/*.jsonl >"$T/slurm.json" 2>/dev/null
check "map/reduce (Slurm array) equals the single-process report" same_report "$T/single.json" "$T/slurm.json" single slurm

# 6: two nights of history, then night 1 again
"${REPORT[@]}" --db "$T/nights.db" --label 2026-11-22 "$T/n1" >"$T/n1.txt" 2>&1
"${REPORT[@]}" --db "$T/nights.db" --label 2026-11-23 "$T/n2" >"$T/n2.txt" 2>&1
"${REPORT[@]}" --db "$T/nights.db" --label 2026-11-22 "$T/n1" >"$T/n1b.txt" 2>&1
history_ok() {
  "$PYTHON" - "$T/nights.db" "$(expected "$T/n1")" "$(expected "$T/n2")" <<'EOF'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
e1, e2 = json.loads(sys.argv[2]), json.loads(sys.argv[3])
q = lambda sql, *a: db.execute(sql, a).fetchall()
bad = []
if q("SELECT version FROM schema_version") != [(1,)]:
    bad.append("schema version")
if q("SELECT label FROM runs ORDER BY label") != [("2026-11-22",), ("2026-11-23",)]:
    bad.append("runs %r" % q("SELECT label FROM runs"))
for label, e in (("2026-11-22", e1), ("2026-11-23", e2)):
    n = q("SELECT count(*) FROM records r JOIN runs u ON u.id = r.run_id WHERE u.label = ?", label)[0][0]
    c = q("SELECT connections FROM runs WHERE label = ?", label)[0][0]
    if n != e["connections"] or c != n:
        bad.append("%s: %d records, %d in runs, %d expected" % (label, n, c, e["connections"]))
    codes = dict(q("SELECT s.key, s.count FROM summary s JOIN runs u ON u.id = s.run_id"
                   " WHERE u.label = ? AND s.dim = 'code'", label))
    if codes != e["by_code"]:
        bad.append("%s: codes %r, expected %r" % (label, codes, e["by_code"]))
if q("SELECT count(*) FROM records WHERE run_id NOT IN (SELECT id FROM runs)")[0][0]:
    bad.append("orphan records")
if bad:
    print("# " + "; ".join(bad))
sys.exit(1 if bad else 0)
EOF
}
check "history: two nights stored, night 1 replaced (not doubled)" history_ok
check "night 2 is compared with night 1" grep -q "Compared with 2026-11-22" "$T/n2.txt"
check "night 1 has nothing before it" grep -q "no earlier run" "$T/n1b.txt"

# 7: exit codes: an input that cannot be read, a bad JSON line (the rest is still counted)
f1=$(ls "$T"/map/*.jsonl | head -1)
{ cat "$f1"; echo '{"truncated":'; } >"$T/bad.jsonl"
"${REPORT[@]}" --format json "$T/bad.jsonl" >"$T/bad.json" 2>"$T/bad.err"
rc=$?
n_good=$(grep -c '^{' "$f1")
got=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["connections"])' "$T/bad.json" 2>/dev/null)
check "a bad JSON line: exit 2, the other records counted" test $rc -eq 2 -a "$got" = "$n_good"
"${REPORT[@]}" "$T/does-not-exist" "$f1" >/dev/null 2>&1
check "a missing input: exit 2" test $? -eq 2
"${REPORT[@]}" >/dev/null 2>&1
check "no input: usage error" test $? -eq 1
"${REPORT[@]}" --format xml "$f1" >/dev/null 2>&1
check "unknown format: usage error" test $? -eq 1

# 8: progress bar only on a terminal
if command -v script >/dev/null 2>&1; then
  script -qec "${REPORT[*]} '$T/night' >/dev/null" /dev/null >"$T/tty.out" 2>&1
  check "progress bar on a terminal" grep -q "files" "$T/tty.out"
else
  ok "# SKIP script(1) not installed"
fi

tap_end
exit 0
