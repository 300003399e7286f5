# planted.py: a deterministic heap, then a dump of it by the dumper in $DUMPER into
# $OUT/full and $OUT/focus, with the ids of the objects that existed before the dumper
# was imported in $OUT/before.bin (see bench/python-same-dump).
import gc, os, sys, weakref, collections, functools, types, signal, array, mmap, time, itertools, operator, _io
N = int(os.environ.get("N", "200000"))
class Item:
    def __init__(self, i, parent):
        self.i = i
        self.name = "item-%d" % i
        self.parent = parent
        self.tags = [i, i + 1]
        self.meta = {"k": (i, "x")}
class Slot:
    __slots__ = ("a", "b")
class SlotDict:
    __slots__ = ("p", "__dict__", "__weakref__")
Weird = type("Pct%d,\"x\n", (), {})
class Sub(Item):
    pass
class Exc(Exception):
    pass
class D(dict):
    pass
root = []
parent = None
i = 0
while i * 7 < N:
    it = Item(i, parent) if i % 3 else Sub(i, parent)
    if i % 10 == 0:
        parent = it
    if i % 50 == 0:
        s = Slot(); s.a = it; s.b = s
        root.append(s)
    if i % 7 == 0:
        del it.tags          # an attribute missing
    if i % 11 == 0:
        it.extra = i * 1.5
    if i % 97 == 0:
        it.__dict__          # materialised
    root.append(it)
    i += 1
w = Weird(); setattr(w, "a%sb", "v%s"); setattr(w, "c,d", 2); setattr(w, 'q"', [1]); setattr(w, "n\nl", 3)
sd = SlotDict(); sd.p = w; sd.q = "qq"
wr = weakref.ref(sd); wv = weakref.WeakValueDictionary({1: sd})
weird_dict = {"k%d": 1, "x,y": 2, 5: "five", (1, 2): 3, "ok": [1, 2, 3], "nul\x00": 4, -3: 5, 2**40: 6}
plain_dicts = [{"alpha": j, "beta": str(j), "gamma": [j]} for j in range(3000)]
pct_dicts = [{"a%": j} for j in range(100)]
strs = ["a%sb", "has,comma", 'q"uote', "nl\nx", "nul\x00x", "%%%", "x" * 100, "é,ü", "\ud800x", "cr\rx"]
byts = [b"a%b,c", b"\x00\xff", b"plain"]
nums = [1.5, float("nan"), 2**70, -2**70, -5, 10**17, 2**62, 1 << 60, (1 << 60) - 1, True, None, 3+4j]
big_list = list(range(100000, 105000))
big_tuple = tuple(str(j) for j in range(2000))
mid_lists = [list(range(j, j + 100)) for j in range(20)] + [tuple(range(700))] + [[None] * 1024, [None] * 1025, [None] * 64, [None] * 63]
big_dicts = [dict(("key%d" % j, j) for j in range(n)) for n in (63, 64, 65, 300, 2000)] + [{("%%s%d" % j): j for j in range(100)}]
short_lists = [[j] * (j % 5) for j in range(2000)]
sets = [set(range(j % 4)) for j in range(500)] + [frozenset({"a", "b"})]
def outer():
    x = [1]
    def inner():
        return x
    return inner
fns = [outer() for _ in range(50)] + [lambda y=[]: y]
def gen():
    yield 1
gens = [gen() for _ in range(10)]
meths = [it.__init__ for _ in range(3)]
e = Exc("boom"); e.note = "%n"
dsub = D(a=1, b=[2]); dsub["c%"] = 3
od = collections.OrderedDict(a=1)
dq = collections.deque([1, 2])
part = functools.partial(print, 1)
mod = types.ModuleType("fake%mod")
garbage = [1]; garbage.append(garbage); del garbage
pre_freeze = []
if os.environ.get("FREEZE") == "1":
    pre_freeze = gc.get_objects()
    gc.freeze()
    frozen_after = [object(), [1, 2]]
gc.collect()
gc.disable()
cyc = [2]; cyc.append(cyc); del cyc
from array import array as _array
before = gc.get_objects() + pre_freeze   # (alive till the end: no id of theirs reused)
sys.path.insert(0, os.environ["DUMPER"])
import heapglass_dump
out = os.environ["OUT"]
print(heapglass_dump.dump(out + "/full"))
print(heapglass_dump.dump(out + "/focus", focus=["__main__"]))
with open(out + "/before.bin", "wb") as f:
    _array("q", map(id, before)).tofile(f)
