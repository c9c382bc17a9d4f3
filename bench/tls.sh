#!/bin/sh
# bench/tls.sh - what decrypting wss costs (`make bench` runs it after
# bench/run.sh).  bench/gen-tls.py writes the same WebSocket traffic twice,
# in clear and in TLS 1.3 AES-128-GCM with its key log (kept in a cache
# directory); wsclosed then reads, one after another on the same machine:
#   plain      plain.pcap                        (-F json -o /dev/null)
#   decrypt    tls.pcap --keylog tls.keylog      (the same records)
#   no-keys    tls.pcap --tls                    (records of kind tls: parsed,
#                                                 not decrypted)
# each BENCH_RUNS times, the run with the least CPU time kept, and prints
# time, MB/s and the ratio decrypt/plain.  It measures; it asserts nothing
# about time (it does check that both runs give the same number of records).
#
# Environment (all optional):
#   BENCH_DIR        cache (default /var/tmp/wsclosed-bench)
#   BENCH_TLS_MB     megabytes of WebSocket payload (default 200)
#   BENCH_TLS_CONNS  connections (default 1000)
#   BENCH_RUNS       runs per mode (default 5)
#   WSCLOSED         the binary (default src/wsclosed)
set -u
here=$(cd "$(dirname "$0")" && pwd)
WSCLOSED=${WSCLOSED:-src/wsclosed}
mb=${BENCH_TLS_MB:-200}
conns=${BENCH_TLS_CONNS:-1000}
runs=${BENCH_RUNS:-5}
dir=${BENCH_DIR:-/var/tmp/wsclosed-bench}/tls-$mb-$conns
PY=/usr/bin/python3

"$PY" -c 'import cryptography' 2>/dev/null \
  || { echo "bench/tls.sh: python3-cryptography is needed (apt-get install python3-cryptography)" >&2; exit 1; }
if [ ! -s "$dir/tls.keylog" ]; then
  echo "bench/tls.sh: making $mb MB over $conns connections in $dir" >&2
  "$PY" "$here/gen-tls.py" "$dir" "$mb" "$conns" || exit 1
fi

# best CPU time (user+sys, s, from wait4's rusage) and its wall time over
# $runs runs
best() {
  set -- $("$PY" - "$runs" "$WSCLOSED" "$@" -F json -o /dev/null <<'PYEOF'
import os, sys, time
runs, argv = int(sys.argv[1]), sys.argv[2:]
best = None
for _ in range(runs):
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 2)
        os.execv(argv[0], argv)
    _, status, ru = os.wait4(pid, 0)
    wall = time.monotonic() - t0
    if status != 0:
        sys.exit("bench/tls.sh: %s failed" % " ".join(argv))
    cpu = ru.ru_utime + ru.ru_stime
    if best is None or cpu < best[0]:
        best = (cpu, wall)
print("%.4f %.4f" % best)
PYEOF
)
  best_cpu=$1 best_wall=$2
}

cat "$dir/plain.pcap" "$dir/tls.pcap" >/dev/null    # the page cache
n_plain=$("$WSCLOSED" -r "$dir/plain.pcap" -F json | wc -l)
n_tls=$("$WSCLOSED" -r "$dir/tls.pcap" --keylog "$dir/tls.keylog" -F json | grep -c '"decrypted":true')
size_plain=$(stat -c %s "$dir/plain.pcap")
size_tls=$(stat -c %s "$dir/tls.pcap")

echo
echo "TLS decryption: $mb MB of WebSocket payload over $conns connections, TLS 1.3 AES-128-GCM"
printf '  %-9s %10s %10s %10s %9s\n' mode "file MB" "cpu s" "wall s" "MB/s"
row() {  # row NAME SIZE
  printf '  %-9s %10.1f %10.3f %10.3f %9.1f\n' "$1" "$(echo "$2 / 1000000" | bc -l)" \
    "$best_cpu" "$best_wall" "$(echo "$2 / 1000000 / ($best_cpu + 0.001)" | bc -l)"
}
best -r "$dir/plain.pcap"; plain_cpu=$best_cpu; row plain "$size_plain"
best -r "$dir/tls.pcap" --keylog "$dir/tls.keylog"; dec_cpu=$best_cpu; row decrypt "$size_tls"
best -r "$dir/tls.pcap" --tls; row no-keys "$size_tls"
printf '  decrypt/plain CPU time: %.2fx   (records: %s plain, %s decrypted)\n' \
  "$(echo "$dec_cpu / ($plain_cpu + 0.001)" | bc -l)" "$n_plain" "$n_tls"
[ "$n_plain" = "$conns" ] && [ "$n_tls" = "$conns" ] \
  || { echo "bench/tls.sh: expected $conns records each way" >&2; exit 1; }
