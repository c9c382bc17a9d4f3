#!/bin/sh
# `-r -` streams: records come out as connections end (after the hold, in
# capture time, which goes on with the wall clock while the pipe is silent),
# not when the pipe closes.
#
# A feeder (bounded: it waits at most PIPE_WAIT seconds) writes a capture to
# wsclosed's standard input up to the last frame of its first connection,
# then stops writing and waits for a record on wsclosed's output; only then
# does it write the rest and close the pipe.  The first record must arrive
# while the pipe is still open, within the hold plus a few seconds, and the
# records in the end must be those of the same file read with -r FILE.  The
# same through gzip, and with text output.  A record let go while the pipe
# is silent cannot know the connections that come after it (as with -i):
# its cause is not compared.
#
# Environment: WSCLOSED (the program), top_srcdir (the source tree).

. "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"

exec "$PYTHON" - "$top_srcdir" "$WSCLOSED" <<'EOF'
import gzip
import json
import os
import select
import struct
import subprocess
import sys
import time

top, wsclosed = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(top, "tests"))
from tap import ok, done  # noqa: E402

wait = float(os.environ.get("PIPE_WAIT", "20"))


def frames(path):
    """The file header and each record (header + data) of a classic pcap."""
    data = open(path, "rb").read()
    magic = data[:4]
    end = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    out, pos = [], 24
    while pos + 16 <= len(data):
        caplen = struct.unpack(end + "I", data[pos + 8:pos + 12])[0]
        out.append(data[pos:pos + 16 + caplen])
        pos += 16 + caplen
    return data[:24], out


def run(path, args, compress=False, hold="1"):
    head, recs = frames(path)
    full = subprocess.run([wsclosed, "-r", path, "--hold", hold] + args,
                          capture_output=True).stdout
    first = json.loads(subprocess.run([wsclosed, "-r", path, "-F", "json"],
                                      capture_output=True).stdout.splitlines()[0])
    cut = first["last_frame"]
    p = subprocess.Popen([wsclosed, "-r", "-", "--hold", hold] + args,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    z = gzip.GzipFile(fileobj=p.stdin, mode="wb") if compress else None

    def write(b):
        if z:
            z.write(b)
            z.flush()  # Z_SYNC_FLUSH: what was written can be inflated
        else:
            p.stdin.write(b)
        p.stdin.flush()

    write(head + b"".join(recs[:cut]))
    t0 = time.monotonic()
    seen = b""
    while time.monotonic() - t0 < wait:
        r, _, _ = select.select([p.stdout], [], [], 0.2)
        if r:
            seen += os.read(p.stdout.fileno(), 65536)
            if b"\n" in seen:
                break
    delay = time.monotonic() - t0
    write(b"".join(recs[cut:]))
    if z:
        z.close()
    p.stdin.close()
    rest = p.stdout.read()
    p.wait(timeout=60)
    return seen, delay, seen + rest, full, p.returncode


cap = os.path.join(top, "pcaps", "py-close-storm.pcap")
for label, args, gz in (("json", ["-F", "json"], False), ("json, gzip", ["-F", "json"], True),
                        ("text", [], False)):
    seen, delay, out, full, rc = run(cap, args, gz)
    ok(b"\n" in seen, "%s: a record before the pipe closed (%.1f s after the writer paused)"
       % (label, delay), "nothing came out within %s s" % wait)
    ok(delay < 1 + 4, "%s: within the hold (1 s) and the idle tick (1 s), with slack" % label,
       "%.1f s" % delay)
    if args:
        # a record let go while the pipe was silent cannot know the
        # connections after it (as with -i): its cause may differ (here: one
        # of a close storm); every other key, and every later record, agree
        early = {json.loads(x)["id"] for x in seen.decode().splitlines() if x}
        def norm(text, ids):
            res = {}
            for x in text.decode().splitlines():
                r = json.loads(x)
                r.pop("source_file", None)
                if r["id"] in ids:
                    r.pop("cause", None)
                res[r["id"]] = r
            return res
        a, b = norm(out, early), norm(full, early)
        diff = [i for i in b if a.get(i) != b[i]]
        ok(a.keys() == b.keys() and not diff,
           "%s: the same records as -r FILE (%d; %d let go early, causes aside)"
           % (label, len(b), len(early)), "differ: %s" % diff)
    else:
        ok(out.count(b"\n    cause: ") == full.count(b"\n    cause: ") and rc == 0,
           "%s: the same number of connections as -r FILE" % label)

done()
EOF
