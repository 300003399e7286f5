"""Checks `heapglass cycles --json --top 0` on the two dumps of planted.py
against what the program recorded (stdlib only).

    check_cycles.py EXPECTED.json PLAIN.json MORE.json PLAIN_DUMP

Prints one "ok - ..." / "not ok - ..." line per check (tests/e2e/lib.sh).
The truth is the program's own objects, by id():
- each planted shape is one user cycle whose members are exactly its objects;
- the N Session/Request cycles are N cycles of one pattern, which has
  exactly N instances and no other cycle;
- no control object (a tree, a weakref back-pointer, objects holding a
  module-level function, their module, its globals, their class's
  namespace, a function with globals of its own) is in any cycle;
- no cycle holds a module, a class, or the dict of either;
- every cycle with an object of the program's own classes is a planted one,
  and importing more modules and defining more classes changes none of them;
- in the dump itself (PLAIN_DUMP/nodes.csv), every module, class and dict of
  either is flagged `anchor`, the atoms the program recorded (a code object,
  a str, an int, a float, a method descriptor) `runtime`, and none of the
  planted objects either.
"""
import csv
import json
import sys
from collections import Counter


def load(path):
    with open(path) as f:
        return json.load(f)


def main():
    exp = load(sys.argv[1])
    dumps = {"plain": load(sys.argv[2]), "more": load(sys.argv[3])}
    v = exp["version"]
    failures = 0

    def check(name, cond, detail=""):
        nonlocal failures
        print(("ok - " if cond else "not ok - ") + v + " " + name +
              ("" if cond or not detail else ": " + detail))
        failures += not cond

    planted = {}
    for shape, ids in exp["cycles"].items():
        planted[shape] = frozenset(ids)
    for i, ids in enumerate(exp["pairs"]):
        planted["session pair %d" % i] = frozenset(ids)
    control_ids = set()
    for ids in exp["controls"].values():
        control_ids.update(ids)
    anchor_ids = set(exp["anchors"])
    mine = {}                         # the program's cycles per dump, for the comparison
    for which, d in dumps.items():
        check(which + ": the cycles are the user graph's", d.get("graph") == "user", str(d.get("graph")))
        cycles = d["cycles"]
        by_member = {}
        sets = []
        for c in cycles:
            ids = frozenset(m["id"] for m in c["members"])
            sets.append(ids)
            for i in ids:
                by_member[i] = c
            if len(ids) != c["size"]:
                check("%s: cycle %s lists its %s members" % (which, c["index"], c["size"]), False,
                      "%d listed" % len(ids))
        for shape, ids in sorted(planted.items()):
            if shape.startswith("session pair") and shape != "session pair 0":
                continue
            hits = {id(by_member[i]): by_member[i] for i in ids if i in by_member}
            got = frozenset(m["id"] for c in hits.values() for m in c["members"])
            garbage = [c["garbage"] for c in hits.values()]
            check("%s: %s is one live user cycle of exactly its %d objects" % (which, shape, len(ids)),
                  len(hits) == 1 and got == ids and garbage == [False],
                  "%d cycles hold them, %d members, %d expected%s" % (
                      len(hits), len(got), len(ids),
                      "" if len(hits) != 1 else ", extra: %s" % Counter(
                          m["type"] for c in hits.values() for m in c["members"]
                          if m["id"] not in ids).most_common(4)))
        pair_cycles = []
        for ids in exp["pairs"]:
            c = by_member.get(ids[0])
            if c is not None and frozenset(m["id"] for m in c["members"]) == frozenset(ids):
                pair_cycles.append(c)
        check("%s: the %d Session/Request pairs are %d cycles" % (which, len(exp["pairs"]), len(exp["pairs"])),
              len(pair_cycles) == len(exp["pairs"]), "%d found" % len(pair_cycles))
        pats = {c.get("pattern") for c in pair_cycles}
        same = [c for c in cycles if c.get("pattern") in pats]
        patterns = {p.get("pattern"): p for p in d.get("patterns", [])}
        p = patterns.get(next(iter(pats))) if len(pats) == 1 else None
        check("%s: they are one pattern with exactly %d instances" % (which, len(exp["pairs"])),
              len(pats) == 1 and p is not None and p.get("instances") == len(exp["pairs"]) and
              len(same) == len(exp["pairs"]),
              "patterns %s, instances %s, %d cycles of that pattern" % (
                  sorted(map(str, pats)), p and p.get("instances"), len(same)))
        bad = sorted(i for i in control_ids if i in by_member)
        check("%s: no control object is in a cycle" % which, not bad,
              "%d are, in cycles %s" % (len(bad), sorted({by_member[i]["index"] for i in bad})))
        bad = [m for c in cycles for m in c["members"] if m["id"] in anchor_ids]
        check("%s: no cycle holds a module, a class or their dicts" % which, not bad,
              ", ".join("%s @%d" % (m["type"], m["id"]) for m in bad[:5]))
        ours = [s for s, c in zip(sets, cycles)
                if any(m["type"].startswith("__main__.") for m in c["members"])]
        strays = [s for s in ours if s not in planted.values()]
        check("%s: every cycle with an object of the program's classes is a planted one" % which,
              not strays, "%d others, the first: %s" % (len(strays), strays and sorted(
                  "%s @%d" % (m["type"], m["id"]) for c in cycles for m in c["members"]
                  if frozenset(x["id"] for x in c["members"]) == strays[0])[:8]))
        mine[which] = set(ours)
    check("more modules and classes change none of the program's cycles (%d)" % len(mine["plain"]),
          mine["plain"] == mine["more"],
          "%d only before, %d only after" % (len(mine["plain"] - mine["more"]),
                                             len(mine["more"] - mine["plain"])))
    flags = {}
    names = {}
    with open(sys.argv[4] + "/nodes.csv", newline="", encoding="utf-8", errors="surrogateescape") as f:
        for r in csv.DictReader(f):
            flags[int(r["id"])] = set(r["flags"].split())
            names[int(r["id"])] = r["name"]
    for i, name in sorted(exp["named"].items()):
        check("plain: %s is an anchor by that name" % name,
              names.get(int(i)) == name and "anchor" in flags.get(int(i), ()),
              "name %r, flags %s" % (names.get(int(i)), sorted(flags.get(int(i), ()))))
    missing = [i for i in anchor_ids if i in flags and "anchor" not in flags[i]]
    absent = [i for i in anchor_ids if i not in flags]
    check("plain: the %d modules, classes and their dicts are anchors" % len(anchor_ids),
          not missing and not absent, "%d not flagged, %d not in the dump" % (len(missing), len(absent)))
    rt = exp["runtime"]
    check("plain: a code object, a str, an int, a float, a method descriptor are runtime",
          all("runtime" in flags.get(i, ()) for i in rt),
          str([sorted(flags.get(i, {"(missing)"})) for i in rt]))
    mine_ids = set().union(*planted.values(), control_ids)
    marked = [i for i in mine_ids if flags.get(i, set()) & {"anchor", "runtime"}]
    check("plain: no planted object is an anchor or a runtime object", not marked,
          "%d are" % len(marked))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
