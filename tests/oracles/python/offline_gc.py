"""A plain reference implementation of CPython's collection on a heapglass
CSV dump, independent of heapglass's C engine (used to check the dumper).

    python3 offline_gc.py DUMP [GENERATION]   prints the unreachable ids

Candidates: rows with a refcount, not flagged untracked, generation 0..g.
gc_refs = refcount - strong references from candidates; candidates with
gc_refs > 0 are referenced from outside; what they reach among candidates
is alive, the rest is unreachable.
"""
import csv
import os
import sys


def unreachable(folder, gen=2):
    cand = {}
    with open(os.path.join(folder, "nodes.csv"), newline="", encoding="utf-8", errors="replace") as f:
        for row in csv.DictReader(f):
            g = row["generation"]
            if row["refcount"] == "" or "untracked" in row["flags"].split() or g == "" or int(g) > gen:
                continue
            cand[int(row["id"])] = int(row["refcount"])
    out = {}
    with open(os.path.join(folder, "edges.csv"), newline="", encoding="utf-8", errors="replace") as f:
        for row in csv.DictReader(f):
            if row["kind"] == "weak":
                continue
            a, b = int(row["from"]), int(row["to"])
            if a in cand and b in cand:
                cand[b] -= 1
                out.setdefault(a, []).append(b)
    alive = set(i for i, r in cand.items() if r > 0)
    todo = list(alive)
    while todo:
        v = todo.pop()
        for w in out.get(v, ()):
            if w not in alive:
                alive.add(w)
                todo.append(w)
    return sorted(set(cand) - alive), cand


if __name__ == "__main__":
    ids, _ = unreachable(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2)
    for i in ids:
        print(i)
