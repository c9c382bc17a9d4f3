#!/usr/bin/env python3
"""Compare wsclosed's JSON Lines for captures with expected facts; print TAP.

usage: check-facts.py WSCLOSED EXPECTED.jsonl [EXPECTED.jsonl ...]
       [--capture-dir DIR] [--causes] [--extra-args ARGS]

Each expected line names its capture ("file", relative to --capture-dir, or
several files joined by "+" to read together) and the connection, either as
"client"/"server" ("ip:port") or by "index" (order of records) or by
"server_port" alone.  Every other key is compared with the record:
  plain keys           equal (JSON value)
  cause_id             record["cause"]["id"]
  violations_include   list of {"kind":..,"side":..} that must be present
  violations_none      true: the record has no violations
  evidence_include     list of substrings that must appear in cause evidence
  gaps                 true: some gap was recorded in either direction
  exit_code            wsclosed's exit status for that capture
A record for a connection not listed counts as a failure ("extra record")
unless the file's expectations say "allow_extra": true.
Expected values come from how captures were made or from tshark; never from
wsclosed's own output.
"""
import json
import os
import subprocess
import sys
from collections import OrderedDict


def run(binary, files, extra):
    cmd = [binary]
    for f in files:
        cmd += ["-r", f]
    cmd += ["--format", "json"] + extra
    p = subprocess.run(cmd, capture_output=True, timeout=300)
    recs = []
    bad_lines = 0
    for line in p.stdout.decode("utf-8", "strict").splitlines():
        if not line.strip():
            continue
        try:
            recs.append(json.loads(line))
        except ValueError:
            bad_lines += 1
    return p.returncode, recs, bad_lines, p.stderr.decode("utf-8", "replace")


def endpoint(r, who):
    ip = r.get(who + "_ip")
    if ip and ":" in ip:
        return "[%s]:%s" % (ip, r.get(who + "_port"))
    return "%s:%s" % (ip, r.get(who + "_port"))


def norm_ep(s):
    return s


CAUSE_KEYS = ("cause_id", "evidence_include")


def compare(e, r, causes=False):
    bad = []
    for k, want in e.items():
        if causes and k not in CAUSE_KEYS:
            continue
        if k in ("file", "client", "server", "index", "stream", "note", "allow_extra", "exit_code",
                 "may_be_absent"):
            continue
        if k == "cause_id":
            got = (r.get("cause") or {}).get("id")
            if want is not None and got != want:
                bad.append("cause_id: want %r got %r" % (want, got))
        elif k == "violations_include":
            have = {(v.get("kind"), v.get("side")) for v in r.get("violations") or []}
            for v in want:
                if (v.get("kind"), v.get("side")) not in have:
                    bad.append("missing violation %s by %s (have %s)" % (v.get("kind"), v.get("side"), sorted(have)))
        elif k == "violations_none":
            if want and r.get("violations"):
                bad.append("unexpected violations %s" % [v.get("kind") for v in r["violations"]])
        elif k == "evidence_include":
            ev = " | ".join(x.get("text", "") for x in ((r.get("cause") or {}).get("evidence") or []))
            ev += " | " + ((r.get("cause") or {}).get("summary") or "")
            for sub in want:
                if sub.lower() not in ev.lower():
                    bad.append("evidence lacks %r" % sub)
        elif k == "gaps":
            st = r.get("stats") or {}
            d = st.get("client") or {}
            s = st.get("server") or {}
            got = bool((d.get("gaps") or 0) + (s.get("gaps") or 0))
            if got != want:
                bad.append("gaps: want %r got %r" % (want, got))
        else:
            got = r
            for part in k.split("."):
                got = got.get(part) if isinstance(got, dict) else None
            if got != want:
                bad.append("%s: want %r got %r" % (k, want, got))
    return bad


def main(argv):
    binary = argv[1]
    args = argv[2:]
    capdir = None
    causes = False
    extra = []
    files = []
    testlists = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--capture-dir":
            capdir = args[i + 1]
            i += 2
            continue
        if a == "--testlist":
            testlists.append(args[i + 1])
            i += 2
            continue
        if a == "--causes":
            causes = True
        elif a == "--extra-args":
            extra = args[i + 1].split()
            i += 2
            continue
        else:
            files.append(a)
        i += 1
    groups = OrderedDict()
    for path in testlists:
        base = os.path.dirname(path)
        for line in open(path):
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            name, capfiles, expfile = cols[0], cols[1], cols[2]
            facts = cols[4] if len(cols) > 4 else ""
            key = (base, "+".join(capfiles.split(",")))
            exps = groups.setdefault(key, [])
            for el in open(os.path.join(base, expfile)):
                el = el.strip()
                if not el or el.startswith("#"):
                    continue
                e = json.loads(el)
                e["file"] = key[1]
                if not causes:
                    e.pop("cause_id", None)
                    e.pop("evidence_include", None)
                if "error=" in facts:
                    e["exit_code"] = 2
                exps.append(e)
            if not exps:
                exps.append({"file": key[1], "allow_extra": True,
                             "exit_code": 2 if "error=" in facts else 0})
    for path in files:
        base = capdir or os.path.dirname(path)
        for line in open(path):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            e = json.loads(line)
            if not causes:
                e.pop("cause_id", None)
                e.pop("evidence_include", None)
            key = (base, e["file"])
            groups.setdefault(key, []).append(e)
    results = []
    for (base, fname), exps in groups.items():
        paths = [os.path.join(base, f) for f in fname.split("+")]
        rc, recs, bad_lines, err = run(binary, paths, extra)
        name = fname
        want_rc = None
        for e in exps:
            if "exit_code" in e:
                want_rc = e["exit_code"]
        if want_rc is None:
            want_rc = 0
        results.append((rc == want_rc and bad_lines == 0,
                        "%s: exit %d, %d records" % (name, rc, len(recs)),
                        "want exit %d, got %d; %d unparsable lines; stderr: %s" % (want_rc, rc, bad_lines, err.strip()[:300])))
        used = set()
        for n, e in enumerate(exps):
            if e.get("allow_extra") and len(e) <= 3:
                continue
            r = None
            label = ""
            if "client" in e and "server" in e:
                label = "%s->%s" % (e["client"], e["server"])
                cands = [j for j, x in enumerate(recs)
                         if endpoint(x, "client") == e["client"] and endpoint(x, "server") == e["server"]]
                # the same 4-tuple twice (port reuse): take them in order
                fresh = [j for j in cands if j not in used]
                pick = fresh or cands
                if pick:
                    r, idx = recs[pick[0]], pick[0]
            elif "index" in e:
                label = "#%d" % e["index"]
                if e["index"] < len(recs):
                    r, idx = recs[e["index"]], e["index"]
            else:
                label = "server port %s" % e.get("server_port")
                for j, x in enumerate(recs):
                    if j not in used and x.get("server_port") == e.get("server_port"):
                        r, idx = x, j
                        break
            tname = "%s %s%s" % (name, label, " (cause)" if causes else "")
            if r is None:
                results.append((bool(e.get("may_be_absent")), tname, "no record"))
                continue
            used.add(idx)
            bad = compare(e, r, causes)
            results.append((not bad, tname, "; ".join(bad)))
        allow_extra = any(e.get("allow_extra") for e in exps)
        if not allow_extra:
            for j, x in enumerate(recs):
                if j not in used:
                    results.append((False, "%s extra record %s->%s" % (name, endpoint(x, "client"), endpoint(x, "server")),
                                    "a record for a connection that is not expected"))
    print("1..%d" % len(results))
    for n, (ok, name, why) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", n, name))
        if not ok and why:
            print("# " + why[:1000])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
