#!/usr/bin/python3
"""Read wsclosed's JSON Lines output for tests/live.sh (a file may be missing
or end in a line still being written: both count as "no record yet").

Connections are named by their request path (the "path" field), which the
peers in this directory make unique for each connection.

usage:
  records.py get FILE PATH FIELD...
      print the fields (dotted: cause.id) of the one record of that path,
      JSON-encoded, one per line; exit 1 if there is none yet, 2 if there
      are several
  records.py has FILE... -- PATH...
      exit 0 when every path has a record in the files together (has and
      once fail when no path is given)
  records.py once FILE... -- PATH...
      for each path print "PATH N" where N counts its records in the files;
      exit 0 when every N is 1
  records.py count FILE... -- PATH...
      print, for each file, how many records have one of the paths
  records.py limit FILE LIMIT
      print how many records list LIMIT (e.g. evicted) in "limits"
"""
import json
import sys


def load(path):
    out = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if not line.endswith("\n"):
                    break
                line = line.strip()
                if line.startswith("{"):
                    out.append(json.loads(line))
    except FileNotFoundError:
        pass
    return out


def field(rec, path):
    v = rec
    for part in path.split("."):
        if not isinstance(v, dict) or part not in v:
            return "<missing>"
        v = v[part]
    return v


def split_args(args):
    i = args.index("--")
    return args[:i], args[i + 1:]


def main(argv):
    cmd = argv[1]
    if cmd == "get":
        recs = [r for r in load(argv[2]) if r.get("path") == argv[3]]
        if not recs:
            return 1
        if len(recs) > 1:
            return 2
        for f in argv[4:]:
            print(json.dumps(field(recs[0], f)))
        return 0
    if cmd in ("has", "once", "count"):
        files, paths = split_args(argv[2:])
        if not paths and cmd != "count":
            print("no paths given")
            return 1
        per_file = [load(f) for f in files]
        if cmd == "count":
            want = set(paths)
            for f, recs in zip(files, per_file):
                print(f, sum(1 for r in recs if r.get("path") in want))
            return 0
        n = {p: 0 for p in paths}
        for recs in per_file:
            for r in recs:
                if r.get("path") in n:
                    n[r["path"]] += 1
        if cmd == "has":
            return 0 if all(n.values()) else 1
        for p in paths:
            print(p, n[p])
        return 0 if all(v == 1 for v in n.values()) else 1
    if cmd == "limit":
        print(sum(1 for r in load(argv[2]) if argv[3] in (r.get("limits") or [])))
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
