#!/usr/bin/env python3
"""Checks heapglass's cycles and unreachable output for a dump of
tests/oracles/hprof/Planted.java (stdlib only).

    check_cycles.py live|all CYCLES.json UNREACHABLE.json

Among the cycles with a member whose class starts with "Planted", exactly
the planted ones must be found (as multisets of member types, live or
garbage), and the unreachable objects of "Planted" classes must be exactly
the garbage ring's three (none in a live dump).  Prints one line per
finding; exits 1 on a mismatch."""
import json
import sys

LIVE = [
    (("PlantedSelf",), False),
    (("PlantedDNode",) * 5, False),
    (("PlantedRing",) * 4, False),
    (tuple(sorted(("PlantedParent", "java.util.ArrayList", "java.lang.Object[]") + ("PlantedChild",) * 3)), False),
    (tuple(sorted(("PlantedMap", "java.util.HashMap$Node[]", "java.util.HashMap$Node"))), False),
]
GARBAGE = [(("PlantedGarbage",) * 3, True)]


def main():
    mode, cycles_path, unreachable_path = sys.argv[1:4]
    expected = sorted(LIVE + (GARBAGE if mode == "all" else []))
    with open(cycles_path) as f:
        cycles = json.load(f)["cycles"]
    found = []
    for c in cycles:
        types = tuple(sorted(m["type"] for m in c["members"]))
        if len(types) != c["size"]:
            print("cycle %s lists %d members but its size is %s" % (c.get("index"), len(types), c["size"]))
            return 1
        if any(t.startswith("Planted") for t in types):
            found.append((types, bool(c["garbage"])))
    found.sort()
    ok = found == expected
    print("planted cycles found: %d, expected %d%s" % (len(found), len(expected), "" if ok else " MISMATCH"))
    if not ok:
        for f in found:
            print("  found    %s" % (f,))
        for e in expected:
            print("  expected %s" % (e,))
        return 1
    with open(unreachable_path) as f:
        unreachable = json.load(f)
    if unreachable["count"] != len(unreachable["objects"]):
        print("unreachable: count %d but %d objects listed" % (unreachable["count"], len(unreachable["objects"])))
        return 1
    planted = sorted(o["type"] for o in unreachable["objects"] if o["type"].startswith("Planted"))
    want = ["PlantedGarbage"] * 3 if mode == "all" else []
    print("unreachable planted objects: %s" % (planted,))
    return 0 if planted == want else 1


if __name__ == "__main__":
    sys.exit(main())
