"""CPython's own collector as the truth for heapglass's offline collection.

    python3 gc_oracle.py OUT [--freeze] [--focus] [--threads] [--gen G]

With the collector disabled, builds garbage of many shapes (and live
structures next to it), dumps the process with heapglass_dump into OUT/dump,
then runs gc.collect() with DEBUG_COLLECTABLE | DEBUG_UNCOLLECTABLE and
writes the ids CPython reported as unreachable to OUT/collected.txt (one
decimal id a line).  OUT/process.txt records the process's own count of
tracked objects just before the dump (len(gc.get_objects())) and how many
of them are the dumper's own (its module, functions and tables, which it
leaves out) or were made by its import of ctypes (3.11+: left out too):
the dump's tracked rows must be the difference.  --freeze first moves everything alive into
the permanent generation (gc.freeze()), so frozen objects referencing young
ones are covered too; --focus dumps with focus=["__main__"] (the program and
the garbage only), whose garbage must still be exactly CPython's; --threads
keeps another thread allocating while the dump runs; --gen G collects only
generations 0..G (gc.collect(G)) instead of all three.
"""
import builtins
import collections
import functools
import gc
import io
import operator
import os
import re
import sys
import types
import warnings
import weakref

gc.disable()
warnings.simplefilter("ignore")       # "coroutine was never awaited" on collection
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "loaders", "python"))
EARLIER = gc.get_objects()            # (held: every id stays unique)
import heapglass_dump  # noqa: E402

out = sys.argv[1]
freeze = "--freeze" in sys.argv[2:]
focus = ["__main__"] if "--focus" in sys.argv[2:] else None
threads = "--threads" in sys.argv[2:]
generation = 2
if "--gen" in sys.argv[2:]:
    generation = int(sys.argv[sys.argv.index("--gen") + 1])
gc.collect()


class Node:
    def __init__(self, name):
        self.name = name
        self.next = None


class Slotted:
    __slots__ = ("a", "b", "__weakref__")


class Fin:
    """Has a finalizer; the collector still frees cycles of these (PEP 442)."""
    def __del__(self):
        pass


resurrected = []


class Phoenix:
    """Its finalizer resurrects it: found unreachable, then not freed."""
    def __del__(self):
        resurrected.append(self)


class Meth:
    def method(self):
        return self


# --- live things, part 1: these survive a young collection into generation 1/2
live = {"ring": None}
old_ring = [Node("old%d" % i) for i in range(50)]
for i in range(50):
    old_ring[i].next = old_ring[(i + 1) % 50]
live["ring"] = old_ring[0]
to_be_garbage_old = [Node("og%d" % i) for i in range(20)]
for i in range(20):
    to_be_garbage_old[i].next = to_be_garbage_old[(i + 1) % 20]
gc.collect(0)                  # survivors move to generation 1
mid = [Node("mid%d" % i) for i in range(5)]
mid[0].next = mid
gc.collect(1)                  # ... and on to generation 2
if freeze:
    gc.freeze()
# garbage in generation 1: a ring, and a pair with one member in generation
# 1 and one in generation 0 (only gc.collect(1) or (2) can free those)
gen1_ring = [Node("g1-%d" % i) for i in range(30)]
for i in range(30):
    gen1_ring[i].next = gen1_ring[(i + 1) % 30]
gen1_half = Node("gen1 half")
gc.collect(0)                  # these move to generation 1
gen0_half = Node("gen0 half")
gen1_half.next = gen0_half
gen0_half.next = gen1_half
del gen1_ring, gen1_half, gen0_half
young_partner = Node("young partner of an old cycle")
to_be_garbage_old[3].partner = young_partner
young_partner.back = to_be_garbage_old[3]
del to_be_garbage_old          # an old garbage ring with a young member
del mid                        # old garbage: a list cycle through its nodes
live_cycle = Node("live-a")
live_cycle.next = Node("live-b")
live_cycle.next.next = live_cycle


def dumper_own():
    """How many of the tracked objects are the dumper's own, which it leaves
    out of its dumps: its module, the module's dict, the functions defined
    in it, and the containers only those hold, their code objects'
    constants included, and the import's spec and loader of the module
    (found here with gc.get_referrers, not the way the dumper finds them)."""
    me = sys.modules["heapglass_dump"]
    mine = vars(me)
    spec, loader = mine["__spec__"], mine["__loader__"]
    kinds = (dict, list, tuple, set, frozenset, types.CellType, types.FunctionType,
             type(type.__dict__["__mro__"].__get__), operator.itemgetter)
    todo = [o for o in gc.get_objects() if type(o) is types.FunctionType and o.__globals__ is mine]
    own = {id(me), id(mine)}
    own.update(map(id, todo))
    todo.append(mine)
    here = sys._getframe()
    # The spec and the loader hold each other (up to 3.10 through the
    # spec's attribute dict), so neither alone is held by own objects
    # only: both are the module's when nothing else holds either.  (No
    # vars(spec): from 3.11 that would make the dict.)
    parts = [r for r in gc.get_referents(spec) + gc.get_referents(loader) if type(r) is dict]
    holders = gc.get_referrers(spec) + gc.get_referrers(loader)
    # (plain loops: a comprehension that named spec or loader would make
    # them cell variables, and the cells would hold them)
    others = 0
    h = p = None
    for h in holders:
        if h is here or h is todo or h is parts or id(h) in own or h is spec or h is loader:
            continue
        for p in parts:
            if p is h:
                break
        else:
            others += 1
    if not others:
        own.update((id(spec), id(loader)))
        todo.extend((spec, loader))
    del parts, holders, h, p
    while todo:
        o = todo.pop()
        # a code object is untracked (no referents for gc): its constants
        refs = [o.co_consts] if type(o) is types.CodeType else gc.get_referents(o)
        for r in refs:
            if type(r) is types.CodeType and type(o) in (types.FunctionType, types.CodeType, tuple):
                todo.append(r)  # the way to the tuples of its constants
                continue
            if id(r) in own or not gc.is_tracked(r) or r is vars(builtins):
                continue
            if type(r) not in kinds:
                continue
            if type(r) is types.FunctionType and r.__globals__ is not mine:
                continue
            holders = [h for h in gc.get_referrers(r) if h is not todo and h is not here
                       and h is not refs]
            if all(id(h) in own for h in holders):
                own.add(id(r))
                todo.append(r)
    listed = set(map(id, gc.get_objects()))
    return len(own & listed)


def ctypes_hidden():
    """How many tracked objects the dumper's own import of ctypes made (3.11+;
    it leaves them out of its dumps and records them in ctypes' module dict),
    and how many of the ids it hides are wrong: those of objects that
    existed before the dumper was imported (EARLIER) and those no hidden
    object holds (a dead object's id can be reused by one of the program's).
    This program never imports ctypes itself."""
    m = sys.modules.get("ctypes")
    stash = vars(m).get("_heapglass_hidden") if m is not None else None
    if stash is None:
        return 0, 0
    objs, ids = stash
    hidden = set(ids)
    held = set(map(id, objs))
    held.update((id(objs), id(stash)))
    wrong = len(hidden & set(map(id, EARLIER))) + len(hidden - held)
    hidden.add(id(ids))
    listed = set(map(id, gc.get_objects()))
    return len(hidden & listed), wrong


def make_garbage():
    # self-cycles
    lst = []
    lst.append(lst)
    d = {}
    d["self"] = d
    n = Node("self")
    n.next = n
    # rings of instances (3 and 1000)
    for size in (3, 1000):
        ring = [Node("r%d" % i) for i in range(size)]
        for i in range(size):
            ring[i].next = ring[(i + 1) % size]
    # dict cycle between two dicts, with a non-str key
    a, b = {}, {}
    a[1] = b
    b[(1, 2)] = a
    b[Node("key")] = "value"
    # through list / tuple / set
    t = ([],)
    t[0].append(t)
    s = set()
    holder = Node("set-holder")
    holder.s = s
    s.add(holder)
    # repeated references to one object
    rep = []
    for _ in range(5):
        rep.append(rep)
    # closure cycle
    def outer():
        box = []

        def inner():
            return box
        box.append(inner)
        return inner
    outer()
    # bound method cycle
    m = Meth()
    m.bound = m.method
    # slots cycle with a weakref to it, and a weakref with a callback
    sa = Slotted()
    sb = Slotted()
    sa.a = sb
    sb.b = sa
    sa.b = weakref.ref(sb)                      # weakref inside the garbage
    sb.a = weakref.ref(sa, lambda r: None)      # with a callback
    # a live weakref pointing into garbage
    g = Node("weakly held garbage")
    g.next = g
    live_weak.append(weakref.ref(g))
    live_weak.append(weakref.proxy(g))
    # finalizers
    f1, f2 = Fin(), Fin()
    f1.other = f2
    f2.other = f1
    ph = Phoenix()
    ph.self = ph
    # garbage reachable from garbage (not cyclic itself)
    c = Node("carrier")
    c.next = c
    c.payload = [[1, 2, 3], {"x": [4]}, Node("payload")]
    # a frame cycle: a frame whose local refers to the frame
    def frame_cycle():
        fr = sys._getframe()
        return fr
    frame_cycle()
    # an exception caught and kept in a local: traceback -> frame -> local
    def keep_exception():
        try:
            raise ValueError("kept")
        except ValueError as e:
            kept = e
        return None
    keep_exception()
    # a generator that refers to itself
    def gen():
        yield me
    me = gen()
    # a class defined and dropped (class <-> its mro, dict, descriptors)
    class Local:
        pass
    Local.me = Local()
    # C containers and builtin subclasses
    dq = collections.deque()
    dq.append(dq)
    od = collections.OrderedDict()
    od["me"] = od
    dd = collections.defaultdict(list)
    dd["x"].append(dd)
    part = functools.partial(print)
    part.__dict__["me"] = part

    class SelfList(list):
        pass
    sl = SelfList()
    sl.append(sl)
    sl.attr = sl
    mod = types.ModuleType("garbage_module")
    mod.me = mod
    prop = property(lambda self: None)
    prop_holder = Node("property holder")
    prop_holder.p = prop
    prop_holder.next = prop_holder
    # a coroutine that was never started, in a cycle through its argument
    async def coro(arg):
        return arg
    box = []
    co = coro(box)
    box.append(co)
    # a cycle of objects with both __slots__ and __dict__
    class Both:
        __slots__ = ("s", "__dict__")
    b1, b2 = Both(), Both()
    b1.s, b2.s = b2, b1
    b1.d = [b1]
    # a cycle referenced only from a dead (garbage) object that is also
    # referenced by a live one: must be live
    shared = Node("shared live")
    shared.next = shared
    keeper.append(shared)
    dead = Node("dead referrer")
    dead.next = dead
    dead.payload = shared


live_weak = []
keeper = []
make_garbage()
# live: global references into structures
live_list = [Node("live%d" % i) for i in range(10)]
live_list.append(live_list)

churner = None
if threads:
    # Another thread allocating and dropping containers (never cycles) all
    # the time: the dump must still read one consistent heap.
    import threading
    running = [True]
    churn = []

    def churning():
        n = 0
        while running[0]:
            churn.append([n, {"n": n}])
            if len(churn) > 200:
                del churn[:100]
            n += 1
    churner = threading.Thread(target=churning, daemon=True)
    churner.start()
    while len(churn) < 150:
        pass
own = dumper_own()
hidden, hidden_wrong = ctypes_hidden()
before = len(gc.get_objects())
n_objects, n_refs = heapglass_dump.dump(os.path.join(out, "dump"), focus=focus)
if churner is not None:
    running[0] = False
    churner.join()
captured = io.StringIO()
saved = sys.stderr
sys.stderr = captured
gc.set_debug(gc.DEBUG_COLLECTABLE | gc.DEBUG_UNCOLLECTABLE)
try:
    found = gc.collect(generation)
finally:
    gc.set_debug(0)
    sys.stderr = saved
ids = []
pat = re.compile(r"^gc: (?:collectable|uncollectable) <.* (0x[0-9a-fA-F]+)>$")
for line in captured.getvalue().splitlines():
    m = pat.match(line)
    if m:
        ids.append(int(m.group(1), 16))
with open(os.path.join(out, "collected.txt"), "w") as f:
    for i in sorted(set(ids)):
        f.write("%d\n" % i)
with open(os.path.join(out, "process.txt"), "w") as f:
    f.write("tracked %d\nobjects %d\nreferences %d\ncollected %d\nversion %d.%d\ngeneration %d\n"
            "attempts %d\nown %d\nhidden %d\nhidden_wrong %d\n"
            % (before, n_objects, n_refs, len(set(ids)), sys.version_info[0], sys.version_info[1],
               generation, heapglass_dump._attempts, own, hidden, hidden_wrong))
print("%d.%d: dumped %d objects, %d references; CPython found %d unreachable"
      % (sys.version_info[0], sys.version_info[1], n_objects, n_refs, len(set(ids))))
