"""Attribute names in a dump, against vars() of copies (stdlib only).

    python3 names.py OUT

Builds instances whose attributes CPython 3.11+ keeps inline (no __dict__),
instances with __slots__, with some of their class's attributes missing,
with a single attribute holding a dict, with a materialised __dict__, with
__slots__ and a __dict__, with more attributes than a class's shared keys
hold, of a subclass, of an exception class; and, for each, a copy made the
same way (the same attribute values, assigned in the same order).  vars()
of the copy names the attributes (reading the original's would create its
dict).  Dumps the process into OUT/dump and writes OUT/expected.json:
  "objects": [{"id", "what", "names": {name: id of the value}}]
  "live_a", "live_b": the ids of a live a.alpha -> b, b.gamma -> a pair
  "ring_a", "ring_b": the same pair, garbage (a cycle of its own)
  "census": [objects, dicts] tracked before the dump, and after it
The dump must not change the heap: the census is taken the same way twice.
"""
import gc
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "loaders", "python"))
import heapglass_dump  # noqa: E402


class A:
    pass


class B:
    pass


class SA:
    __slots__ = ("alpha",)


class SB:
    __slots__ = ("gamma",)


class Partial:
    pass


class OneDict:
    pass


class SlotsAndDict:
    __slots__ = ("s", "__dict__")


class Wide:
    pass


class Sub(A):
    pass


class Failure(Exception):
    pass


def census():
    objs = gc.get_objects()
    n = len(objs)
    d = 0
    for o in objs:
        if type(o) is dict:
            d += 1
    del objs, o
    return n, d


RECORDS = []
KEEP = []


def plant(cls, what, assignments, materialise=False):
    """An instance of cls and its copy, with the same assignments; returns
    the instance.  The copy's vars() are the expected names."""
    obj = cls()
    twin = cls()
    for name, value in assignments:
        setattr(obj, name, value)
        setattr(twin, name, value)
    if materialise:
        vars(obj)
    names = {k: id(v) for k, v in vars(twin).items()} if hasattr(twin, "__dict__") else {}
    for name in getattr(cls, "__slots__", ()):
        if name != "__dict__" and hasattr(twin, name):
            names[name] = id(getattr(twin, name))
    RECORDS.append({"id": id(obj), "what": what, "names": names})
    KEEP.append((obj, twin))
    return obj


def build():
    shared = [object() for _ in range(40)]
    plant(Partial, "all attributes", [("x", shared[0]), ("y", shared[1]), ("z", shared[2])])
    plant(Partial, "some attributes (x, z)", [("x", shared[3]), ("z", shared[4])])
    plant(Partial, "one attribute (y)", [("y", shared[5])])
    plant(Partial, "the same value twice", [("x", shared[6]), ("y", shared[6])])
    plant(OneDict, "one attribute holding a dict", [("only", {"k": shared[7]})])
    plant(A, "a materialised __dict__", [("alpha", shared[8]), ("beta", shared[9])],
          materialise=True)
    plant(SlotsAndDict, "__slots__ and a __dict__", [("s", shared[10]), ("extra", shared[11])])
    plant(Wide, "40 attributes", [("w%02d" % i, shared[i % 40]) for i in range(40)])
    plant(Sub, "a subclass", [("alpha", shared[12]), ("delta", shared[13])])
    plant(Failure, "an exception", [("code", shared[14]), ("detail", shared[15])])
    # the planted pairs: live, and garbage
    a, b = A(), B()
    a.alpha, b.gamma = b, a
    sa, sb = SA(), SB()
    sa.alpha, sb.gamma = sb, sa
    ga, gb = A(), B()
    ga.alpha, gb.gamma = gb, ga
    for o, twin_names in ((a, {"alpha": id(b)}), (b, {"gamma": id(a)}), (sa, {"alpha": id(sb)}),
                          (sb, {"gamma": id(sa)}), (ga, {"alpha": id(gb)}),
                          (gb, {"gamma": id(ga)})):
        RECORDS.append({"id": id(o), "what": "the planted pair's " + type(o).__name__,
                        "names": twin_names})
    return a, b, sa, sb, (id(ga), id(gb))


def main():
    out = sys.argv[1]
    gc.disable()
    global HOLDER
    a, b, sa, sb, ring = build()
    HOLDER = [a, sa]          # the only way to the live pairs
    exp = {"objects": RECORDS, "live_a": id(a), "live_b": id(b), "slot_a": id(sa),
           "slot_b": id(sb), "ring_a": ring[0], "ring_b": ring[1],
           "version": "%d.%d" % sys.version_info[:2]}
    del a, b, sa, sb, ring
    n0, d0 = census()         # (ints only: no object of the test between the counts)
    heapglass_dump.dump(os.path.join(out, "dump"))
    n1, d1 = census()
    exp["census"] = [[n0, d0], [n1, d1]]
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(exp, f)


if __name__ == "__main__":
    main()
