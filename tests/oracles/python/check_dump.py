"""Checks heapglass_dump against facts the test builds itself.

    python3 check_dump.py OUT

Prints one "ok - ..." / "not ok - ..." line per check (tests/e2e/lib.sh
style).  The truths: reference counts the test arranged on purpose, the
references it made, sys.getsizeof on built-in objects, and flags recording
that no user code (__repr__, __eq__, __hash__, __sizeof__, __del__, a
metaclass __getattribute__ or __module__ property) ran during the dump.
"""
import csv
import gc
import os
import sys
import weakref

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "loaders", "python"))
import heapglass_dump  # noqa: E402

V = "%d.%d" % sys.version_info[:2]
out = sys.argv[1]
called = []


def check(name, cond, detail=""):
    print(("ok - " if cond else "not ok - ") + V + " " + name + ("" if cond or not detail else ": " + detail))


class Meta(type):
    def __getattribute__(cls, name):
        called.append("meta getattribute " + name)
        return type.__getattribute__(cls, name)

    def __eq__(cls, other):
        called.append("meta eq")
        return type.__eq__(cls, other)

    def __hash__(cls):
        called.append("meta hash")
        return type.__hash__(cls)

    @property
    def __module__(cls):
        called.append("meta module")
        return "hacked"


class Evil(metaclass=Meta):
    def __repr__(self):
        called.append("repr")
        return "evil"

    def __eq__(self, other):
        called.append("eq")
        return True

    def __hash__(self):
        called.append("hash")
        return 1

    def __sizeof__(self):
        called.append("sizeof")
        return 10 ** 9

    def __del__(self):
        called.append("del")

    def __getattribute__(self, name):
        called.append("getattribute " + name)
        return object.__getattribute__(self, name)


class Plain:
    pass


class Slotted:
    __slots__ = ("left", "right", "__weakref__")


class Registry(dict):
    pass


def a_function():
    return 1


evil = Evil()
evil_key = {Evil(): "v"}
evil.self = evil
evil_list = [Evil() for _ in range(3)]

x = Plain()
holder = [x, x]                               # x: global + 2 slots = 3
unique = "".join(["heapglass", "-unique-", "string"])   # untracked str
table = {"key": unique}                       # unique: global + table = 2
big = int("1" + "0" * 30) + 7
tup = (big, big)                              # big: global + 2 = 3
slotted = Slotted()
slotted.left = x                              # x: now 4
slotted.right = [1]
wr = weakref.ref(x)
ints = {5: x}                                 # x: now 5
registry = Registry(alpha=x)                  # x: now 6
stray_label = "line1\nline2,\"quoted\""
labels = [stray_label]

gc.disable()
gc.collect()
young = [Plain()]                             # in generation 0 at the dump
del called[:]                                 # (building evil_key hashed)
n_objects, n_refs = heapglass_dump.dump(out)

check("dump ran no user code", not called, ", ".join(called))
check("a quiet heap is read once", heapglass_dump._attempts == 1, str(heapglass_dump._attempts))
check("collector left disabled as it was", not gc.isenabled())
gc.enable()
heapglass_dump.dump(os.path.join(out, "again"))
check("collector re-enabled after a dump when it was enabled", gc.isenabled())
gc.disable()

nodes = {}
with open(os.path.join(out, "nodes.csv"), newline="", encoding="utf-8", errors="surrogateescape") as f:
    for row in csv.DictReader(f):
        nodes[int(row["id"])] = row
edges = {}
short = 0
with open(os.path.join(out, "edges.csv"), newline="", encoding="utf-8", errors="surrogateescape") as f:
    for row in csv.DictReader(f):
        if None in row.values() or None in row:
            short += 1
        edges.setdefault(int(row["from"]), []).append(row)
with open(os.path.join(out, "nodes.csv"), newline="", encoding="utf-8", errors="surrogateescape") as f:
    for row in csv.DictReader(f):
        if None in row.values() or None in row:
            short += 1
check("every row has as many fields as its header", short == 0, "%d rows differ" % short)

check("object count returned = rows", n_objects == len(nodes), "%d vs %d" % (n_objects, len(nodes)))
check("reference count returned = rows", n_refs == sum(len(v) for v in edges.values()))


low = [r for r in nodes.values() if r["refcount"] != "" and int(r["refcount"]) < 1]
check("every object has a refcount of at least 1", not low, str(low[:3]))


def refcount(o):
    r = nodes.get(id(o))
    return int(r["refcount"]) if r else None


check("refcount of an instance (6 references)", refcount(x) == 6, str(refcount(x)))
check("refcount of a str (2 references)", refcount(unique) == 2, str(refcount(unique)))
check("refcount of a big int (3 references)", refcount(big) == 3, str(refcount(big)))
check("refcount of a list (1 global)", refcount(holder) == 1, str(refcount(holder)))
check("refcount of a weakref (1 global)", refcount(wr) == 1, str(refcount(wr)))
check("str flagged untracked", "untracked" in nodes[id(unique)]["flags"].split())
check("str has no generation", nodes[id(unique)]["generation"] == "")
check("list tracked, generation 0", nodes[id(young)]["generation"] == "0"
      and "untracked" not in nodes[id(young)]["flags"])
check("old list in generation 2", nodes[id(holder)]["generation"] == "2", nodes[id(holder)]["generation"])
check("weakref flagged", "weakref" in nodes[id(wr)]["flags"].split())
check("finalizer flagged", "finalizer" in nodes[id(evil)]["flags"].split())
check("no finalizer on a plain instance", "finalizer" not in nodes[id(x)]["flags"].split())
check("class flagged", "class" in nodes[id(Plain)]["flags"].split())
check("type name of an instance", nodes[id(x)]["type"] == "__main__.Plain", nodes[id(x)]["type"])
check("type name of a metaclass instance read safely", nodes[id(evil)]["type"] == "__main__.Evil",
      nodes[id(evil)]["type"])
check("class label", nodes[id(Plain)]["name"] == "Plain", nodes[id(Plain)]["name"])
check("function label", nodes[id(a_function)]["name"] == "a_function")
check("module label", nodes[id(sys.modules["__main__"])]["name"] == "__main__")
check("str label is its head", nodes[id(unique)]["name"] == unique)
check("label with newline, comma and quote survives CSV", nodes[id(stray_label)]["name"] == stray_label)
check("int label", nodes[id(big)]["name"] == "", nodes[id(big)]["name"])
check("size of a list is sys.getsizeof", int(nodes[id(holder)]["size"]) == sys.getsizeof(holder))
check("size of a dict is sys.getsizeof", int(nodes[id(table)]["size"]) == sys.getsizeof(table))
check("size of a str is sys.getsizeof", int(nodes[id(unique)]["size"]) == sys.getsizeof(unique))
check("user __sizeof__ not used", int(nodes[id(evil)]["size"]) < 10 ** 6, nodes[id(evil)]["size"])


def refs_of(o):
    return edges.get(id(o), [])


hl = refs_of(holder)
check("list references carry indexes", sorted((int(e["to"]), e["index"]) for e in hl)
      == sorted([(id(x), "0"), (id(x), "1")]), str(hl))
tk = [e for e in refs_of(table) if int(e["to"]) == id(unique)]
check("dict value named by its str key", len(tk) == 1 and tk[0]["name"] == "key", str(tk))
ik = [e for e in refs_of(ints) if int(e["to"]) == id(x)]
check("dict value under an int key has the index", len(ik) == 1 and ik[0]["index"] == "5", str(ik))
rg = [e for e in refs_of(registry) if int(e["to"]) == id(x)]
check("dict subclass value named by its key", len(rg) == 1 and rg[0]["name"] == "alpha", str(rg))
sl = dict((e["name"], int(e["to"])) for e in refs_of(slotted))
check("__slots__ named", sl.get("left") == id(x) and sl.get("right") == id(slotted.right), str(sl))
check("__class__ named", sl.get("__class__") == id(Slotted), str(sl))
wk = [e for e in refs_of(wr) if int(e["to"]) == id(x)]
check("weakref -> referent is weak", len(wk) == 1 and wk[0]["kind"] == "weak", str(wk))
fe = dict((e["name"], int(e["to"])) for e in refs_of(a_function))
check("function references named", fe.get("__code__") == id(a_function.__code__)
      and fe.get("__globals__") == id(globals()), str(fe))
tr = [int(e["to"]) for e in refs_of(tup)]
check("untracked tuple's references included", tr.count(id(big)) == 2, str(tr))

# The tracked rows and their references are exactly what gc reports.
tracked = [o for o in gc.get_objects() if id(o) in nodes and nodes[id(o)]["generation"] in ("0", "1", "2")]
bad = 0
for o in tracked[:3000]:
    if type(o) is dict or type(o) is list or type(o) is tuple:
        continue
    want = sorted(id(r) for r in gc.get_referents(o))
    got = sorted(int(e["to"]) for e in refs_of(o) if e["kind"] != "weak")
    if want != got:
        bad += 1
check("references of tracked objects = gc.get_referents", bad == 0, "%d differ" % bad)
del tracked
