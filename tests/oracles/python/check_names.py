"""Checks the attribute names of a dump of names.py (stdlib only).

    check_names.py OUT

For each object names.py planted, the references the dump names after its
attributes (straight from the object, or through its __dict__) must be
exactly vars() of its copy: the same names, each to the same object.  And
the census of tracked objects and dicts must be the same before and after
the dump.  And nothing of ctypes (which names.py does not import; the
dumper does on 3.11+) may be in the dump: no module ctypes or _ctypes, no
dict of theirs, no object of a type of theirs.  Prints one "ok - ..." / "not ok - ..." line per check.
"""
import csv
import json
import os
import sys


def main():
    out = sys.argv[1]
    with open(os.path.join(out, "expected.json")) as f:
        exp = json.load(f)
    v = exp["version"]
    edges = {}
    with open(os.path.join(out, "dump", "edges.csv"), newline="", encoding="utf-8",
              errors="surrogateescape") as f:
        for r in csv.DictReader(f):
            edges.setdefault(int(r["from"]), []).append(r)
    failures = 0

    def check(name, cond, detail=""):
        nonlocal failures
        print(("ok - " if cond else "not ok - ") + v + " " + name +
              ("" if cond or not detail else ": " + detail))
        failures += not cond

    def named(oid):
        got = {}
        for r in edges.get(oid, []):
            if r["name"] == "__dict__":
                for d in edges.get(int(r["to"]), []):
                    if d["name"]:
                        got.setdefault(d["name"], []).append(int(d["to"]))
            elif r["name"] and r["name"] != "__class__":
                got.setdefault(r["name"], []).append(int(r["to"]))
        return got

    for rec in exp["objects"]:
        want = {k: [i] for k, i in rec["names"].items()}
        got = named(rec["id"])
        check("names of %s = vars() of its copy (%d)" % (rec["what"], len(want)), got == want,
              "extra %s, missing %s" % (sorted(set(got) - set(want)), sorted(set(want) - set(got)))
              if set(got) != set(want) else "values differ: %s" % sorted(
                  k for k in want if got.get(k) != want[k]))
    ctypes_rows = []
    with open(os.path.join(out, "dump", "nodes.csv"), newline="", encoding="utf-8",
              errors="surrogateescape") as f:
        for r in csv.DictReader(f):
            t, name = r["type"], r["name"]
            if t.startswith(("ctypes.", "_ctypes.")) or \
                    (t == "module" and (name in ("ctypes", "_ctypes") or name.startswith("ctypes."))) or \
                    (t == "dict" and name.startswith(("ctypes.", "_ctypes."))):
                ctypes_rows.append("%s %s" % (t, name))
    check("nothing of ctypes in the dump", not ctypes_rows,
          "%d objects: %s" % (len(ctypes_rows), ", ".join(ctypes_rows[:6])))
    before, after = exp["census"]
    check("dumping left the tracked objects and dicts as they were (%d, %d)" % tuple(before),
          before == after, "before %s, after %s" % (before, after))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
