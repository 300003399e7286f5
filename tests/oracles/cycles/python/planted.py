"""Planted reference cycles and acyclic controls, dumped twice by
heapglass_dump: once as they are, once after importing more modules and
defining more classes.  The truth for tests/e2e/cycles_python.sh.

    python3 planted.py OUT

writes OUT/plain and OUT/more (heapglass CSV snapshots) and OUT/expected.json:
  "cycles":   {shape: [id, ...]}  the exact members of each planted cycle
  "pairs":    [[id, ...], ...]    the N identical Session/Request cycles
  "controls": {shape: [id, ...]}  objects that are in no cycle
  "anchors":  [id, ...]           every module, class, and their dicts at the first dump
  "runtime":  [id, ...]           a few atoms: a code object, a str, numbers, a descriptor
Ids are id()s, which the dumps use.  Members come from the objects the
program made, never from the dumps: an instance's __dict__ is a member on
3.8-3.10 only (3.11+ keeps the attributes inline; reading __dict__ there
would create one, so it is never read).  Shapes are built in functions
and held by one global, so no frame and no loop variable holds them.
"""
import gc
import json
import os
import sys
import weakref

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "loaders", "python"))
import heapglass_dump  # noqa: E402

INLINE = sys.version_info >= (3, 11)   # attributes kept inline, no __dict__
N_PAIRS = 7


class Node:
    def __init__(self, name):
        self.name = name
        self.next = None


class DNode:
    def __init__(self, name):
        self.name = name
        self.prev = None
        self.next = None


class Parent:
    def __init__(self):
        self.children = []


class Child:
    def __init__(self, parent):
        self.parent = parent


class Session:
    def __init__(self):
        self.requests = []


class Request:
    def __init__(self, session):
        self.session = session


class Widget:
    registry = []          # a class attribute every Widget is listed in

    def __init__(self, name):
        self.name = name
        Widget.registry.append(self)

    def click(self):
        return self.name


class Tree:
    def __init__(self, depth):
        self.children = [Tree(depth - 1) for _ in range(2)] if depth else []


class Back:
    def __init__(self, parent):
        self.parent = weakref.ref(parent) if parent is not None else None
        self.kids = []


def helper():
    """A module-level function: its __globals__ is this module's dict."""
    return CONTROLS


def failing():
    try:
        raise ValueError("kept")
    except ValueError as e:
        err = e    # err -> __traceback__ -> its frame -> the local err
    return err


def with_dicts(objs):
    """The objects, and on 3.8-3.10 their instance dicts."""
    out = list(objs)
    if not INLINE:
        out += [o.__dict__ for o in objs]
    return out


def plant():
    """Builds every shape; returns ({shape: (objects kept, members)}, pairs, controls)."""
    shapes = {}

    ring = [Node("ring-%d" % i) for i in range(3)]
    for i in range(3):
        ring[i].next = ring[(i + 1) % 3]
    shapes["ring"] = (ring[0], with_dicts(ring))

    dl = [DNode("d%d" % i) for i in range(4)]
    for a, b in zip(dl, dl[1:]):
        a.next, b.prev = b, a
    shapes["doubly linked list"] = (dl[0], with_dicts(dl))

    me = Node("self")
    me.next = me
    shapes["self loop"] = (me, with_dicts([me]))
    lst = []
    lst.append(lst)
    shapes["list holding itself"] = (lst, [lst])

    p = Parent()
    kids = [Child(p) for _ in range(3)]
    p.children.extend(kids)
    shapes["parent and children"] = (p, with_dicts([p] + kids) + [p.children])

    w = Widget("button")

    def on_click():
        return w.name
    w.handler = on_click             # w -> on_click -> __closure__ -> cell -> w
    shapes["closure holding its owner"] = (w, with_dicts([w]) + [on_click, on_click.__closure__,
                                                                 on_click.__closure__[0]])

    def countdown(n):
        return countdown(n - 1) if n else 0   # the function's own cell
    shapes["recursive closure"] = (countdown, [countdown, countdown.__closure__,
                                                countdown.__closure__[0]])

    b = Widget("bound")
    b.callback = b.click             # b -> bound method -> __self__ -> b
    shapes["bound method on its instance"] = (b, with_dicts([b]) + [b.callback])

    exc = failing()
    tb = exc.__traceback__
    shapes["exception kept by its frame"] = (exc, [exc, tb, tb.tb_frame])

    pairs = []
    for _ in range(N_PAIRS):
        s = Session()
        r = Request(s)
        s.requests.append(r)
        pairs.append((s, with_dicts([s, r]) + [s.requests]))

    controls = {}
    t = Tree(3)
    todo, nodes = [t], []
    while todo:
        x = todo.pop()
        nodes.append(x)
        todo.extend(x.children)
    controls["tree"] = (t, with_dicts(nodes) + [x.children for x in nodes])
    root = Back(None)
    kid = Back(root)
    root.kids.append(kid)
    controls["weakref back-pointer"] = (root, with_dicts([root, kid]) + [root.kids, kid.parent])
    g = Node("global function")
    g.next = helper                  # g -> helper -> __globals__ -> this module -> g
    controls["function and its globals"] = (g, with_dicts([g]) + [helper])
    m = Node("module")
    m.next = sys.modules[__name__]   # m -> this module -> its dict -> m
    controls["object holding its module"] = (m, with_dicts([m]))
    gl = Node("globals")
    gl.next = globals()              # gl -> this module's dict -> gl
    controls["object holding its globals"] = (gl, with_dicts([gl]))
    v = Widget("namespace")
    v.ns = Widget.__dict__           # v -> mappingproxy -> Widget's dict -> registry -> v
    controls["object holding its class's namespace"] = (v, with_dicts([v]) + [v.ns])
    ns = {}
    exec("def f():\n    return x\n", ns)
    e = Node("exec")
    ns["x"] = e
    e.next = ns["f"]                 # e -> f -> __globals__ (ns, no module's) -> e
    controls["function with globals of its own"] = (e, with_dicts([e]) + [ns["f"], ns])
    return shapes, pairs, controls


def anchors():
    """Ids of every module and class the collector tracks, and their dicts
    (but the dumper's own)."""
    # What the dumper's own import of ctypes made (3.11+) it leaves out too;
    # it lists them in ctypes' dict (tests/e2e/cpython_gc.sh checks that list).
    m = sys.modules.get("ctypes")
    stash = vars(m).get("_heapglass_hidden") if m is not None else None
    hidden = set(stash[1]) if stash is not None else set()
    out = set()
    for m in list(sys.modules.values()):
        # (typing puts classes there too; the dumper leaves itself out)
        if isinstance(m, type(sys)) and m is not heapglass_dump and id(m) not in hidden:
            out.add(id(m))
            out.add(id(m.__dict__))
    for o in gc.get_objects():
        if isinstance(type(o), type) and issubclass(type(o), type) and id(o) not in hidden:
            out.add(id(o))
            for r in gc.get_referents(type.__dict__["__dict__"].__get__(o)):
                out.add(id(r))
    return sorted(out - hidden)


SHAPES, PAIRS, CONTROLS = plant()
BIG = 10 ** 30
FLOAT = 2.5


def more():
    """More modules and classes, none of them touching the planted shapes."""
    import argparse, asyncio, collections, dataclasses, decimal, email.message, enum  # noqa: E401,F401
    import http.client, json as json_, logging, pathlib, typing, unittest, xml.etree.ElementTree  # noqa
    global EXTRA
    EXTRA = []
    for i in range(20):
        cls = type("Extra%d" % i, (object,), {"n": i, "f": lambda self: self})
        EXTRA.append(cls())
    EXTRA.append(json_.loads('{"a": [1, 2, {"b": null}]}'))


def main():
    out = sys.argv[1]
    gc.disable()
    anchor_ids = anchors()           # those of the first dump
    heapglass_dump.dump(os.path.join(out, "plain"))
    more()
    heapglass_dump.dump(os.path.join(out, "more"))
    expected = {
        "version": "%d.%d" % sys.version_info[:2],
        "cycles": {k: sorted(set(map(id, v[1]))) for k, v in SHAPES.items()},
        "pairs": [sorted(set(map(id, v[1]))) for v in PAIRS],
        "controls": {k: sorted(set(map(id, v[1]))) for k, v in CONTROLS.items()},
        "anchors": anchor_ids,
        # the table of modules, and a module's dict, by their names
        "named": {str(id(sys.modules)): "sys.modules", str(id(vars(json))): "json.__dict__"},
        # the interpreter's atoms and machinery: a code object, a str, an
        # int, a float, a method descriptor
        "runtime": [id(Node.__init__.__code__), id(SHAPES["ring"][0].name), id(BIG),
                    id(FLOAT), id(str.join)],
    }
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f)


if __name__ == "__main__":
    main()
