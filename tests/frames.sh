#!/bin/sh
# Records link back to the packets: source_file, first_frame, last_frame and
# display_filter, checked against tshark.
#
# For each capture in pcaps/ and a few in tests/data/ (pcapng, gzip, IPv6,
# a merged pcapng), every record's display_filter is run through
# `tshark -r FILE -Y FILTER`: it must select frames, the first of them
# first_frame and the last last_frame, and exactly the frames of tshark's own
# TCP stream (tcp.stream of first_frame) between the two: tshark's stream
# index is the independent oracle for "that connection's frames".  Then
# once with a BPF filter (frames the filter drops still count in Wireshark's
# numbering), once through standard input (source_file "-").  At most
# FRAMES_MAX records a capture (default 2) keep the test short.
#
# Environment: WSCLOSED (the program), top_srcdir (the source tree).

. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

if ! command -v tshark >/dev/null 2>&1; then
	echo "1..0 # SKIP tshark not installed"
	exit 0
fi

exec "$PYTHON" - "$top_srcdir" "$WSCLOSED" <<'EOF'
import glob
import json
import os
import subprocess
import sys

top, wsclosed = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(top, "tests"))
from tap import ok, done  # noqa: E402

per_file = int(os.environ.get("FRAMES_MAX", "2"))


def tshark(path, flt, fields):
    out = subprocess.run(["tshark", "-n", "-r", path, "-Y", flt, "-T", "fields"]
                         + sum([["-e", f] for f in fields], []),
                         capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def records(args, stdin=None):
    p = subprocess.run([wsclosed, "-F", "json"] + args, capture_output=True,
                       stdin=stdin, env=dict(os.environ, LC_ALL="C.UTF-8"))
    return [json.loads(line) for line in p.stdout.decode().splitlines() if line]


def check_file(path, recs, label):
    recs = [r for r in recs if r.get("display_filter")][:per_file]
    bad = []
    given = path
    for r in recs:
        path = given or r["source_file"]
        got = [int(x[0]) for x in tshark(path, r["display_filter"], ["frame.number"])]
        if not got or got[0] != r["first_frame"] or got[-1] != r["last_frame"]:
            bad.append("id %s: filter selects %s..%s (%d frames), record says %s..%s" % (
                r["id"], got[0] if got else "-", got[-1] if got else "-", len(got),
                r["first_frame"], r["last_frame"]))
            continue
        first = tshark(path, "frame.number==%d" % r["first_frame"], ["tcp.stream"])
        stream = first[0][0].split(",")[-1] if first else ""
        same = [int(x[0]) for x in tshark(
            path, "tcp.stream==%s && frame.number>=%d && frame.number<=%d" % (
                stream, r["first_frame"], r["last_frame"]), ["frame.number"])]
        if same != got:
            bad.append("id %s: %d frames by the filter, %d in tcp.stream %s" % (
                r["id"], len(got), len(same), stream))
    ok(recs and not bad, "%s: %d records, display_filter selects first_frame..last_frame, "
       "as tcp.stream" % (label, len(recs)), "\n".join(bad))


files = sorted(glob.glob(os.path.join(top, "pcaps", "*.pcap")))
files += [os.path.join(top, "tests", "data", f) for f in
          ("gz.pcap.gz", "ipv6.pcap", "nanosecond.pcap", "merged-eth-sll.pcapng",
           "bigendian.pcap")]
for f in files:
    if not os.path.exists(f):
        continue
    recs = records(["-r", f])
    if not recs:
        continue
    label = os.path.relpath(f, top)
    ok(all(r.get("source_file") == f for r in recs),
       "%s: source_file names the file" % label)
    check_file(f, recs, label)

# a BPF filter drops frames; the numbering is still the file's
storm = os.path.join(top, "pcaps", "py-close-storm.pcap")
recs = records(["-r", storm, "tcp port 18300 and (tcp[13] & 0x18 != 0 or tcp[13] & 0x7 != 0)"])
check_file(storm, recs, "with a BPF filter that drops the bare ACKs")

# standard input: the file is "-", the frames those of the stream
with open(storm, "rb") as fh:
    recs = records(["-r", "-"], stdin=fh)
ok(recs and all(r.get("source_file") == "-" for r in recs), "standard input: source_file is -")
check_file(storm, recs, "standard input")

# two files read as one capture: each record's frames are those of its file
a = os.path.join(top, "pcaps", "py-1008.pcap")
b = os.path.join(top, "pcaps", "py-1011.pcap")
recs = records(["-r", a, "-r", b])
ok({r.get("source_file") for r in recs} == {a, b}, "two files: records name each file")
recs = sorted(recs, key=lambda r: r["source_file"] != b)
check_file(None, recs, "two files, each record checked in its own file")
done()
EOF
