"""tap.py - TAP output for the test drivers written in Python (tests/frames.sh,
tests/pipe.sh): ok() prints a line a check, with the diagnostics under a
failure as comments, and done() the plan and the exit status.

    sys.path.insert(0, os.path.join(top_srcdir, "tests"))
    from tap import ok, done
"""
import sys

n = 0
fails = 0


def ok(cond, name, diag=""):
    global n, fails
    n += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, name))
    if not cond:
        fails += 1
        for line in diag.splitlines():
            print("# " + line)


def done():
    print("1..%d" % n)
    sys.exit(1 if fails else 0)
