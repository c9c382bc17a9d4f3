#!/bin/sh
# `--follow -r FILE` reads a capture that is still being written, like
# `tail -f`: records come out as connections end, not when the writer is done.
#
# A writer (this script) appends a real capture's bytes to a file in pieces
# cut at arbitrary points (in the middle of record headers and of packet
# data, with pauses longer than wsclosed's look-again interval, so that it
# sees a record cut short at the end of the file and must wait for the rest).
# It writes up to the last frame of the first connection, pauses until a
# record appears on wsclosed's output (bounded: FOLLOW_WAIT seconds), then
# writes the rest, and then sends SIGINT (or SIGTERM).  Checked: the first
# record came out while the writer was still writing, within the hold plus
# a few seconds; wsclosed stopped on the signal with exit status 0 and no
# complaint about a truncated file; the records are those of `-r FILE` on
# the complete file (a record let go while the writer paused cannot know
# the connections after it, as with -i: its cause is not compared).  The
# same for pcapng (made with editcap when it is there).
#
# Also: a signal while the file ends in the middle of a record (the part is
# dropped, no message, exit 0); a file that becomes shorter while followed
# (reported, exit status 2); --follow refused without -r or with two files;
# without --follow a file cut short is still called truncated.
#
# Environment: WSCLOSED (the program), top_srcdir (the source tree).

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
WSCLOSED=${WSCLOSED:-$top_srcdir/src/wsclosed}
PYTHON=${PYTHON:-/usr/bin/python3}
[ -x "$PYTHON" ] || PYTHON=$(command -v python3 2>/dev/null)
if [ -z "$PYTHON" ]; then
  echo "1..0 # SKIP python3 missing"
  exit 0
fi

exec "$PYTHON" - "$top_srcdir" "$WSCLOSED" <<'EOF'
import gzip
import json
import os
import random
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

top, wsclosed = sys.argv[1], sys.argv[2]
wait = float(os.environ.get("FOLLOW_WAIT", "20"))
n = 0
fails = 0


def ok(cond, name, diag=""):
    global n, fails
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, name))
    sys.stdout.flush()
    if not cond:
        fails += 1
        for line in str(diag).splitlines():
            print("# " + line)


def pcap_records(data):
    """Offsets where each record of a classic pcap ends, after the header."""
    end = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    ends, pos = [], 24
    while pos + 16 <= len(data):
        caplen = struct.unpack(end + "I", data[pos + 8:pos + 12])[0]
        pos += 16 + caplen
        ends.append(pos)
    return 24, ends


def pcapng_records(data):
    """Offsets where each Enhanced/Simple Packet Block ends, and where the
    blocks before the first packet end."""
    end = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
    ends, pos, head = [], 0, None
    while pos + 12 <= len(data):
        btype, blen = struct.unpack(end + "II", data[pos:pos + 8])
        if btype in (6, 3) and head is None:
            head = pos
        pos += blen
        if btype in (6, 3):
            ends.append(pos)
    return head, ends


class Follower:
    def __init__(self, path, args):
        self.err = tempfile.TemporaryFile()
        self.p = subprocess.Popen([wsclosed, "--follow", "-r", path] + args,
                                  stdout=subprocess.PIPE, stderr=self.err)
        self.out = b""

    def read_for(self, seconds, until_line=False):
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:
            r, _, _ = select.select([self.p.stdout], [], [], 0.1)
            if r:
                b = os.read(self.p.stdout.fileno(), 65536)
                if not b:
                    break
                self.out += b
                if until_line and b"\n" in self.out:
                    break
        return time.monotonic() - t0

    def stop(self, sig=signal.SIGINT):
        self.p.send_signal(sig)
        try:
            rest, _ = self.p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rest, _ = self.p.communicate()
        self.out += rest
        self.err.seek(0)
        return self.p.returncode, self.err.read().decode(errors="replace")


def append(f, data, rng, pause):
    """data appended in pieces of 1..700 bytes, flushed, pausing now and then
    for longer than wsclosed looks again (100 ms)."""
    pos = 0
    while pos < len(data):
        k = rng.randint(1, 700)
        f.write(data[pos:pos + k])
        f.flush()
        pos += k
        if rng.random() < pause:
            time.sleep(0.15)


def norm(text, early):
    res = {}
    for x in text.decode().splitlines():
        if not x.strip():
            continue
        r = json.loads(x)
        if r["id"] in early:
            r.pop("cause", None)
        res[r["id"]] = r
    return res


def follow_case(label, src, data, head, ends, sig, gz=False):
    tmp = tempfile.mkdtemp(prefix="wsclosed-follow.")
    try:
        path = os.path.join(tmp, os.path.basename(src))
        complete = os.path.join(tmp, "complete.pcap" if gz else "complete" + os.path.splitext(src)[1])
        with open(complete, "wb") as f:
            f.write(data)
        args = ["-F", "json", "--hold", "1"]
        full = subprocess.run([wsclosed, "-r", complete] + args, capture_output=True).stdout
        first = json.loads(full.splitlines()[0])
        full = full.replace(complete.encode(), path.encode())  # source_file
        cut = ends[first["last_frame"] - 1]
        if gz:
            # two gzip members, the first ending at the cut (as a writer
            # that flushes would leave them)
            one = gzip.compress(data[:cut])
            data, cut, head = one + gzip.compress(data[cut:]), len(one), 10
        rng = random.Random(label)
        f = open(path, "wb")
        # the header alone first: wsclosed opens a file that has nothing more
        f.write(data[:min(head, 10)])
        f.flush()
        w = Follower(path, args)
        time.sleep(0.3)
        append(f, data[min(head, 10):cut], rng, 0.05)
        delay = w.read_for(wait, until_line=True)
        early = {json.loads(x)["id"] for x in w.out.decode().splitlines() if x.strip()}
        ok(len(early) > 0, "%s: a record while the file was still being written "
           "(%.1f s after the writer paused)" % (label, delay),
           "nothing within %s s" % wait)
        ok(delay < 1 + 5, "%s: within the hold (1 s) and the idle tick (1 s), with slack"
           % label, "%.1f s" % delay)
        # the rest, cut mid-record with pauses; then the signal
        append(f, data[cut:], rng, 0.3)
        f.close()
        w.read_for(1.5)
        rc, err = w.stop(sig)
        ok(rc == 0 and "truncated" not in err,
           "%s: %s stops it cleanly (exit 0, no complaint)" % (label, signal.Signals(sig).name),
           "exit %s, stderr: %s" % (rc, err))
        a, b = norm(w.out, early), norm(full, early)
        diff = [i for i in b if a.get(i) != b[i]]
        ok(len(b) > 1 and a.keys() == b.keys() and not diff,
           "%s: the same records as -r on the complete file (%d; %d let go early, causes "
           "aside)" % (label, len(b), len(early)),
           "ids %s vs %s; differ: %s" % (sorted(a), sorted(b), diff))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


pcap = os.path.join(top, "pcaps", "py-close-storm.pcap")
data = open(pcap, "rb").read()
head, ends = pcap_records(data)
follow_case("pcap", pcap, data, head, ends, signal.SIGINT)
follow_case("pcap, SIGTERM", pcap, data, head, ends, signal.SIGTERM)
follow_case("pcap.gz", pcap + ".gz", data, head, ends, signal.SIGINT, gz=True)

editcap = shutil.which("editcap")
if editcap:
    tmp = tempfile.mkdtemp(prefix="wsclosed-follow.")
    ng = os.path.join(tmp, "storm.pcapng")
    subprocess.run([editcap, "-F", "pcapng", pcap, ng], check=True)
    ngdata = open(ng, "rb").read()
    nghead, ngends = pcapng_records(ngdata)
    shutil.rmtree(tmp, ignore_errors=True)
    ok(len(ngends) == len(ends), "pcapng copy: as many packet blocks as records")
    follow_case("pcapng", ng, ngdata, nghead, ngends, signal.SIGINT)
else:
    print("ok %d - pcapng # SKIP editcap missing" % (n + 1))
    n += 1

# stopped while the file ends in the middle of a record: no message, exit 0
tmp = tempfile.mkdtemp(prefix="wsclosed-follow.")
try:
    path = os.path.join(tmp, "cut.pcap")
    with open(path, "wb") as f:
        f.write(data[:ends[5] + 20])
    w = Follower(path, ["-F", "json"])
    w.read_for(0.8)
    rc, err = w.stop()
    recs = [json.loads(x) for x in w.out.decode().splitlines() if x.strip()]
    ok(rc == 0 and err == "" and len(recs) >= 1,
       "stopped with a record cut short at the end: the part dropped, no message, exit 0",
       "exit %s, stderr %r, %d records" % (rc, err, len(recs)))
    # without --follow the same file is a truncated file, as before
    r = subprocess.run([wsclosed, "-r", path, "-F", "json"], capture_output=True)
    ok(r.returncode == 2 and b"truncated" in r.stderr,
       "without --follow the same file is called truncated (exit 2)",
       "exit %s, stderr %r" % (r.returncode, r.stderr))

    # a file that becomes shorter while followed (truncated, rewritten)
    path2 = os.path.join(tmp, "shrinks.pcap")
    with open(path2, "wb") as f:
        f.write(data[:ends[20]])
    w = Follower(path2, ["-F", "json"])
    w.read_for(0.8)
    with open(path2, "r+b") as f:
        f.truncate(ends[3])
    t0 = time.monotonic()
    try:
        w.p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    gone = w.p.poll() is not None
    rc, err = w.stop() if not gone else (w.p.returncode, None)
    if err is None:
        w.out += w.p.stdout.read()
        w.err.seek(0)
        err = w.err.read().decode(errors="replace")
    ok(gone and rc == 2 and "shorter while being followed" in err,
       "a followed file that shrinks: reading stops, reported, exit 2 (%.1f s)"
       % (time.monotonic() - t0), "ended by itself: %s, exit %s, stderr %r" % (gone, rc, err))

    # usage errors
    r = subprocess.run([wsclosed, "--follow", "-r", path, "-r", path], capture_output=True)
    ok(r.returncode == 1 and b"--follow" in r.stderr, "--follow with two files: usage error",
       r.stderr)
    r = subprocess.run([wsclosed, "--follow"], capture_output=True)
    ok(r.returncode == 1, "--follow without -r: usage error", r.stderr)
finally:
    shutil.rmtree(tmp, ignore_errors=True)

# `-r -` (tcpdump -w - | wsclosed -r -): the writer still has the pipe open
# when the signal comes; wsclosed stops reading, writes every record still
# held and exits 0, as with --follow and -i (it used to die and lose them)
for sig in (signal.SIGINT, signal.SIGTERM):
    args = ["-F", "json", "--hold", "1"]
    full = subprocess.run([wsclosed, "-r", pcap] + args, capture_output=True).stdout
    err = tempfile.TemporaryFile()
    p = subprocess.Popen([wsclosed, "-r", "-"] + args, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=err)
    p.stdin.write(data)
    p.stdin.flush()
    out, t0 = b"", time.monotonic()
    while time.monotonic() - t0 < 1.5:
        r, _, _ = select.select([p.stdout], [], [], 0.1)
        if r:
            b = os.read(p.stdout.fileno(), 65536)
            if not b:
                break
            out += b
    early = {json.loads(x)["id"] for x in out.decode().splitlines() if x.strip()}
    p.send_signal(sig)
    try:
        rest, _ = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        rest, _ = p.communicate()
    out += rest
    err.seek(0)
    msg = err.read().decode(errors="replace")
    a = norm(out.replace(b'"source_file":"-"', b'"source_file":"%s"' % pcap.encode()), early)
    b = norm(full, early)
    diff = [i for i in b if a.get(i) != b[i]]
    ok(p.returncode == 0 and msg == "" and len(b) > 1 and a.keys() == b.keys() and not diff,
       "-r - with the writer still there: %s writes the %d records still held, exit 0"
       % (signal.Signals(sig).name, len(b)),
       "exit %s, stderr %r, ids %s vs %s, differ %s"
       % (p.returncode, msg, sorted(a), sorted(b), diff))

print("1..%d" % n)
sys.exit(1 if fails else 0)
EOF
