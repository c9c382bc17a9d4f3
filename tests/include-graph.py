#!/usr/bin/env python3
"""include-graph.py - the include graph of src/ as modules, and its cycles.

A module is a .c file with its .h (conn.c + conn.h is "conn"); module A
depends on B when a file of A includes "B.h".  A cycle among modules means
two stages that each need the other (conn.c <-> wsframe.c <-> diagnose.c
was one).  Prints one line per cycle (a strongly connected component of
more than one module): its modules, sorted, space-separated, sorted by
first module.  With --edges A B ...: the edges among those modules, to see
why they form a cycle.

    tests/include-graph.py SRCDIR [--edges MOD...]
"""
import os
import re
import sys

INCLUDE = re.compile(r'\s*#\s*include\s+"([^"/]+)\.h"')


def graph(src):
    mods = {}
    for name in sorted(os.listdir(src)):
        base, ext = os.path.splitext(name)
        if ext not in ('.c', '.h'):
            continue
        deps = mods.setdefault(base, set())
        with open(os.path.join(src, name), errors='replace') as f:
            for line in f:
                m = INCLUDE.match(line)
                if m and m.group(1) != base and os.path.exists(os.path.join(src, m.group(1) + '.h')):
                    deps.add(m.group(1))
    return mods


def cycles(mods):
    """Tarjan's strongly connected components, iteratively."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in sorted(mods):
        if root in index:
            continue
        work = [(root, iter(sorted(mods.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(mods.get(w, ())))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return sorted(out)


def main():
    src = sys.argv[1]
    mods = graph(src)
    if len(sys.argv) > 2 and sys.argv[2] == '--edges':
        want = set(sys.argv[3:])
        for a in sorted(want):
            for b in sorted(mods.get(a, ())):
                if b in want:
                    print(a, '->', b)
        return
    for c in cycles(mods):
        print(' '.join(c))


main()
