"""heapglass_dump: write a heapglass CSV snapshot of a CPython process.

Standard library only; CPython 3.8 to 3.13.

    import heapglass_dump
    heapglass_dump.dump("snap")              # snap/nodes.csv, snap/edges.csv

    heapglass_dump.dump("snap", focus=["__main__"])
        only what __main__ reaches, plus all garbage and what it reaches

    python3 heapglass_dump.py -o snap [--focus MODULE]... -- script.py [args]
        runs script.py as __main__ and dumps when it ends (normally, by
        SystemExit or by an uncaught exception), then exits as the script would.

    heapglass_dump.install_signal(signal.SIGUSR1, "/tmp/heap-{pid}-{n}")
        a running service dumps when it gets the signal; {pid} becomes the
        process id and {n} the dump's number (1, 2, ...) in that process.

The snapshot is the folder `path` holding nodes.csv and edges.csv in the
format of docs/csv-format.md.

What is recorded
- Every object the cycle collector tracks (gc.get_objects() of generations 0,
  1 and 2), and every object those reference (str, int, code, static types,
  ...), flagged `untracked`.  Objects frozen with gc.freeze() get generation
  3 (CPython's permanent generation; never collected).
- id (id()), type (module.qualname, builtins without module), shallow size
  (sys.getsizeof() when the type's __sizeof__ is C code, else the size from
  tp_basicsize/tp_itemsize), refcount, generation, flags (`untracked`,
  `finalizer`, `weakref`, `class`, `immortal`) and a short label (function,
  class and module names, the head of a str, small numbers).
- References: exactly what the collector's tp_traverse reports
  (gc.get_referents()), plus, from weakref objects and proxies, a `weak`
  reference to their referent.  Names: dict keys (str keys as names, int keys
  as index), list and tuple indexes, __slots__ names, `__class__`, and a few
  fixed attributes of functions, methods, frames, cells and classes.
  Instances whose attributes CPython 3.11+ keeps inline (no __dict__ object)
  reference their attribute values without names.
- The user graph's marks (docs/user-graph.md): classes, modules and their
  dicts are flagged `anchor`; str, bytes, numbers, None, code objects and
  descriptors `runtime`; the interpreter's bookkeeping references (instance
  -> class, function -> __globals__/__builtins__/__code__, frame links,
  everything a class or a module refers to) have the kind `meta`.

Refcounts are the object's reference count minus every reference the dumper
holds, so `refcount - references from other tracked objects` is what
CPython's collector computes: the dump is enough to recompute, offline, the
exact set of objects gc.collect() would free.  Known inexactness: shared
singletons (None, True, False, small ints, interned strings) may carry the
dumper's own transient references, and the dumper's running functions carry
the reference of their own frame.

Safety: no user code runs.  The dumper never calls repr/str/hash/eq/getattr
on user objects, uses type() not isinstance() nor `in` on types, reads type
attributes through `type`'s own descriptors, keys its tables by id(),
disables the collector, blocks signals and holds other threads off while it
reads the heap (a long switch interval; should another thread get in anyway,
the reference counts change, a second count shows it, and the heap is read
again), and leaves its own objects out.  The CSV text is built in memory and written after the heap
has been read (a dump costs roughly 80 bytes of memory per object and per
reference while it runs).
"""

import gc
import io
import os
import signal
import sys
import time
import types
import weakref
from array import array
from itertools import compress

try:
    import _io
    _IOBASE = _io._IOBase
except (ImportError, AttributeError):  # pragma: no cover
    _IOBASE = None

__all__ = ["dump", "install_signal", "main"]

_getrefcount = sys.getrefcount
_get_referents = gc.get_referents
_is_tracked = gc.is_tracked
_getsizeof = sys.getsizeof
_obj_sizeof = object.__sizeof__
_getweakrefcount = weakref.getweakrefcount
_getweakrefs = weakref.getweakrefs

_T_MRO = type.__dict__["__mro__"].__get__
_T_QUALNAME = type.__dict__["__qualname__"].__get__
_T_MODULE = type.__dict__["__module__"].__get__
_T_DICT = type.__dict__["__dict__"].__get__
_T_DICTOFFSET = type.__dict__["__dictoffset__"].__get__
_T_WEAKREFOFFSET = type.__dict__["__weakrefoffset__"].__get__
_T_FLAGS = type.__dict__["__flags__"].__get__
_T_BASES = type.__dict__["__bases__"].__get__
_T_BASE = type.__dict__["__base__"].__get__
_T_SUBCLASSES = type.__dict__["__subclasses__"]
_MODULE_DICT = types.ModuleType.__dict__["__dict__"].__get__
_DICT_ITEMS = dict.items
_ARRAY_EXTEND = array.__dict__["extend"]

_PY310 = sys.version_info >= (3, 10)
_PY311 = sys.version_info >= (3, 11)
_HEAPTYPE = 1 << 9
_IMMORTAL = 1 << 31     # 3.12+: immortal objects' counts are at least this
_HOLD_MIN = 2.0         # s: switch interval while reading the heap (see _dump_to)
_ATTEMPTS = 4           # reads of the heap before giving up on a quiet one
_CHUNK_ROWS = 20000     # rows kept as str before they are packed into bytes
_attempts = 0           # reads the last dump took (for tests)
_LABEL_MAX = 40
_INT_LABEL = 1 << 60    # ints shown as labels when smaller than this
_NAME_MAX = 80

# Types whose __sizeof__ we may call: C descriptors only.
_C_CALLABLES = (types.MethodDescriptorType, types.WrapperDescriptorType,
                types.BuiltinFunctionType, types.ClassMethodDescriptorType)

# C types with a tp_finalize that the collector calls on garbage.
_C_FINALIZER_TYPES = (types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType)

# Object kinds (how references and labels are found).
_K_GENERIC, _K_DICT, _K_LIST, _K_TUPLE, _K_FUNCTION, _K_METHOD, _K_FRAME, \
    _K_CELL, _K_TYPE, _K_MODULE, _K_STR, _K_INT, _K_FLOAT, _K_BYTES, _K_CODE, \
    _K_BUILTIN, _K_GENERATOR, _K_SINGLETON, _K_DICTSUB = range(19)

# Objects that are the interpreter's own atoms and machinery (the user
# graph's `runtime` objects): they hold no user data, so no cycle of the
# user's can pass through them.
_RUNTIME_KINDS = frozenset((_K_STR, _K_INT, _K_FLOAT, _K_BYTES, _K_CODE, _K_SINGLETON))
_RUNTIME_TYPES = (complex, type(NotImplemented), type(Ellipsis), types.MethodDescriptorType,
                  types.WrapperDescriptorType, types.GetSetDescriptorType,
                  types.MemberDescriptorType, types.ClassMethodDescriptorType)

_LABELLED = frozenset((_K_FUNCTION, _K_METHOD, _K_FRAME, _K_TYPE, _K_MODULE, _K_STR, _K_INT,
                       _K_FLOAT, _K_BYTES, _K_CODE, _K_BUILTIN, _K_GENERATOR, _K_SINGLETON))

_KIND_OF = {
    id(dict): _K_DICT, id(list): _K_LIST, id(tuple): _K_TUPLE,
    id(types.FunctionType): _K_FUNCTION, id(types.MethodType): _K_METHOD,
    id(types.FrameType): _K_FRAME, id(types.CellType): _K_CELL,
    id(types.ModuleType): _K_MODULE, id(str): _K_STR, id(int): _K_INT, id(bool): _K_SINGLETON,
    id(float): _K_FLOAT, id(bytes): _K_BYTES, id(types.CodeType): _K_CODE,
    id(types.BuiltinFunctionType): _K_BUILTIN, id(types.GeneratorType): _K_GENERATOR,
    id(types.CoroutineType): _K_GENERATOR, id(types.AsyncGeneratorType): _K_GENERATOR,
    id(type(None)): _K_SINGLETON,
}


def _among(x, seq):
    """x in seq by identity: `in` would call a metaclass's __eq__."""
    for y in seq:
        if y is x:
            return True
    return False


def _csv(s):
    """s as one CSV field: quoted when it holds a comma, quote or newline;
    NUL written as \\0 (many CSV readers refuse NUL bytes)."""
    if "\x00" in s:
        s = s.replace("\x00", "\\0")
    if "," in s or '"' in s or "\n" in s or "\r" in s:
        return '"' + s.replace('"', '""') + '"'
    return s


def _typeinfo(t, cache):
    """Facts about type t, computed from type-level data only; cached by id."""
    mro = _T_MRO(t)
    if mro is None:
        # a static type never readied (3.8's functools._lru_list_elem,
        # whose objects live in lru_cache dicts): no mro, no dict
        mro = (t,)
    qual = _T_QUALNAME(t)
    mod = _T_MODULE(t)
    if type(qual) is not str:
        qual = "?"
    if type(mod) is str and mod != "builtins":
        name = mod + "." + qual
    else:
        name = qual
    flags = []
    heap = bool(_T_FLAGS(t) & _HEAPTYPE)
    finalizer = _among(t, _C_FINALIZER_TYPES) or (_IOBASE is not None and _among(_IOBASE, mro))
    sizeof_safe = True
    sizeof_found = False
    weak = (t is weakref.ProxyType or t is weakref.CallableProxyType
            or _among(weakref.ReferenceType, mro))
    slots = []
    for base in mro:
        d = _T_DICT(base)
        if d is None:
            continue
        if "__del__" in d:
            finalizer = True
        if not sizeof_found and "__sizeof__" in d:
            sizeof_found = True
            sizeof_safe = _among(type(d["__sizeof__"]), _C_CALLABLES)
        if _T_FLAGS(base) & _HEAPTYPE:
            slotnames = d.get("__slots__")
            if slotnames is not None:
                for key, value in _DICT_ITEMS(dict(d)):
                    if type(key) is str and type(value) is types.MemberDescriptorType:
                        slots.append((value, _csv(key[:_NAME_MAX]) + ","))
    if finalizer:
        flags.append("finalizer")
    if weak:
        flags.append("weakref")
    if _among(type, mro):
        flags.append("class")
    kind = _KIND_OF.get(id(t), _K_GENERIC)
    if kind == _K_GENERIC and "class" in flags:
        kind = _K_TYPE
    elif kind == _K_GENERIC and _among(types.ModuleType, mro):
        kind = _K_MODULE
    elif kind == _K_GENERIC and _among(dict, mro):
        kind = _K_DICTSUB
    # The user graph (docs/user-graph.md): classes and modules are anchors,
    # the interpreter's own atoms and machinery are runtime objects.
    if kind == _K_TYPE or kind == _K_MODULE:
        flags.append("anchor")
    elif kind in _RUNTIME_KINDS or _among(t, _RUNTIME_TYPES):
        flags.append("runtime")
    info = (
        _csv(name) + ",",                 # 0 type field with its comma
        kind,                             # 1
        sizeof_safe,                      # 2
        " ".join(flags) + "",             # 3 flags words
        _T_WEAKREFOFFSET(t) != 0,         # 4 instances can be weakly referenced
        tuple(slots),                     # 5 (member descriptor, "name,")
        heap and _T_DICTOFFSET(t) != 0,   # 6 instances of a class with __dict__
        heap,                             # 7
        kind in _LABELLED,                # 8 _label() has something to say
        # 9 the tail of an unnamed reference's row: everything a class or
        # a module refers to is its bookkeeping
        ",,meta\n" if kind == _K_TYPE or kind == _K_MODULE else ",,\n",
    )
    cache[id(t)] = info
    return info


def _label(o, kind):
    """A short label for o, or "".  Only C code on exact built-in types runs."""
    try:
        if kind == _K_STR:
            s = o[:_LABEL_MAX]
        elif kind == _K_FUNCTION or kind == _K_GENERATOR:
            s = o.__qualname__
        elif kind == _K_TYPE:
            s = _T_QUALNAME(o)
        elif kind == _K_MODULE:
            s = _MODULE_DICT(o).get("__name__")
        elif kind == _K_INT:
            if -_INT_LABEL < o < _INT_LABEL:
                return "%d" % o
            return ""
        elif kind == _K_FLOAT:
            return _csv(float.__repr__(o))
        elif kind == _K_SINGLETON:
            return "None" if o is None else ("True" if o is True else "False")
        elif kind == _K_METHOD:
            f = o.__func__
            if type(f) is not types.FunctionType:
                return ""
            s = f.__qualname__
        elif kind == _K_FRAME:
            s = o.f_code.co_name
        elif kind == _K_CODE:
            s = o.co_name
        elif kind == _K_BUILTIN:
            s = o.__name__
        elif kind == _K_BYTES:
            return _csv(bytes.__repr__(o[:_LABEL_MAX]))
        else:
            return ""
    except Exception:
        return ""
    if type(s) is not str:
        return ""
    return _csv(s[:_LABEL_MAX])


def _snapshot(own, focus):
    """Reads the heap and returns (nodes rows, edges rows, objects,
    references, stable): stable is False when reference counts changed
    while it read (another thread ran).

    Called with the collector disabled, signals blocked and thread switches
    held off.  `own`: one object of the caller's to leave out (or None);
    `focus`: module names to restrict the dump to (see dump()), or None.
    Every reference the dumper holds to a heap object while it counts is
    either uniform (one list slot and one map() temporary, the calibrated k
    below) or subtracted explicitly (`sub`: what the dumper's own frames
    reference on 3.8-3.10, where frames are heap objects, and what the
    counting itself holds).
    """
    # The calibration object: referenced by this local only.  Everything in
    # the lists below is counted with the same construct, so its measured
    # count minus 1 is the number of references the dumper adds to each.
    sentinel = [None]
    # The counts go into arrays (no int objects kept alive), made before the
    # counting (after the lists: from 3.10 arrays are tracked) so that the
    # same four arrays exist at every count: from 3.10 array.array is a heap
    # type, which each array references.
    l0 = gc.get_objects(0)
    l1 = gc.get_objects(1)
    l2 = gc.get_objects(2)
    r0 = array("q")
    r1 = array("q")
    r2 = array("q")
    chk = array("q")
    r0.extend(map(_getrefcount, l0))
    r1.extend(map(_getrefcount, l1))
    r2.extend(map(_getrefcount, l2))
    k = None
    for i in range(len(l0) - 1, -1, -1):
        if l0[i] is sentinel:
            k = r0[i] - 1
            break
    del i
    if k is None:  # pragma: no cover - the sentinel is always in generation 0
        raise RuntimeError("heapglass_dump: calibration object not found")

    # Objects the dumper owns and leaves out, and the references they hold
    # (subtracted: they are the dumper's, not the program's).
    skip = {id(sentinel): 1}
    if own is not None:
        skip[id(own)] = 1
    sub = {}
    # While counting, the dumper also holds: the four arrays' references to
    # their type (a heap type from 3.10), array.extend on the stack, and
    # getrefcount in the map() object.
    if _T_FLAGS(array) & _HEAPTYPE:
        sub[id(array)] = 4
    sub[id(_ARRAY_EXTEND)] = 1
    sub[id(_getrefcount)] = 1
    if not _PY311:
        f = sys._getframe()
        r = None
        while f is not None and id(f.f_code) in _SKIP_CODES:
            skip[id(f)] = 1
            for r in _get_referents(f):
                rid = id(r)
                sub[rid] = sub.get(rid, 0) + 1
            f = f.f_back
        del f, r

    # Objects frozen by gc.freeze() are tracked but in no generation list.
    listed = None
    if hasattr(gc, "get_freeze_count") and gc.get_freeze_count():
        listed = set(map(id, l0))
        listed.update(map(id, l1))
        listed.update(map(id, l2))

    st = _State(k, sub, skip, listed)
    st[_S_ANCHORS] = _anchor_dicts((l0, l1, l2))
    if focus is not None:
        st[_S_KEEP] = _focus_set(focus, (l0, l1, l2), (r0, r1, r2), k, sub, skip)
        st[_S_LIMIT] = 1 << 62      # _drop_dangling reads the rows at the end
    _walk(st, l0, r0, "0")
    _walk(st, l1, r1, "1")
    _walk(st, l2, r2, "2")
    extra = st[_S_EXTRA]
    _walk_extra(st)
    # Nothing of the dumper but `extra` holds these objects now (the lists
    # above hold tracked objects only, and those are not in `extra`).
    rex = array("q", map(_getrefcount, extra))
    _extra_nodes(st, rex)
    del extra, rex
    # Did anything else run meanwhile?  Another thread that got the GIL
    # changes reference counts; counted again the same way, they must match.
    st[_S_TCACHE].clear()
    chk.extend(map(_getrefcount, l0))
    stable = chk == r0
    del chk[:]
    chk.extend(map(_getrefcount, l1))
    stable = stable and chk == r1
    del chk[:]
    chk.extend(map(_getrefcount, l2))
    stable = stable and chk == r2
    del chk
    del l0, l1, l2, r0, r1, r2
    if focus is not None:
        _drop_dangling(st)
    _compact(st[_S_NODES], st[_S_NBLOBS])
    _compact(st[_S_EDGES], st[_S_EBLOBS])
    return st[_S_NBLOBS], st[_S_EBLOBS], st[_S_NN], st[_S_NE], stable


# The dump's working state: one list, indexed by the _S_ constants (the
# dumper defines no classes: a class would be a reference cycle in the heap).
_S_K, _S_SUB, _S_SKIP, _S_LISTED, _S_TCACHE, _S_EXTRA, _S_SEEN, _S_NODES, \
    _S_EDGES, _S_NN, _S_NE, _S_KEEP, _S_NBLOBS, _S_EBLOBS, _S_LIMIT, _S_ANCHORS = range(16)


def _State(k, sub, skip, listed):
    return [k, sub, skip, listed, {}, [], {}, [], [], 0, 0, None, [], [], _CHUNK_ROWS, None]


def _anchor_dicts(lists):
    """Ids of the dicts of every class and every module: anchors of the user
    graph, like the classes and modules themselves.  Classes are found from
    `object` down through type.__subclasses__ (every class but `object`
    has a base, whose subclass list holds it until it dies); modules by
    their exact type among the tracked objects.  Keeps ids only."""
    anchors = {}
    module_types = set()
    seen = {id(object)}
    todo = [object]
    while todo:
        t = todo.pop()
        for d in _get_referents(_T_DICT(t)):
            anchors[id(d)] = 1
        if _among(types.ModuleType, _T_MRO(t)):
            module_types.add(id(t))
        for sub in _T_SUBCLASSES(t):
            if id(sub) not in seen:
                seen.add(id(sub))
                todo.append(sub)
    is_module = module_types.__contains__
    for lst in lists:
        for m in compress(lst, map(is_module, map(id, map(type, lst)))):
            anchors[id(_MODULE_DICT(m))] = 1
    return anchors


def _compact(rows, blobs):
    """Moves rows (str) into blobs as one UTF-8 bytes object: a third of
    the memory of the row strings."""
    blobs.append("".join(rows).encode("utf-8", "backslashreplace"))
    del rows[:]


def _focus_set(focus, lists, rcs, k, sub, skip):
    """Ids of the tracked objects a focused dump keeps: what the focus
    modules reach, and the garbage (CPython's unreachable set, computed here
    as the collector does) with what it reaches.  Walks stop at every other
    module, module dict and sys.modules, so the rest of the interpreter stays
    out.  Refcounts are untouched: objects the dropped part references keep
    those references as references from outside, which they are."""
    if type(focus) is str:
        focus = focus.split(",")
    names = set()
    for name in focus:
        if type(name) is str:
            names.add(name)
    stop = {id(sys.modules): 1}
    queue = []
    for name, m in list(_DICT_ITEMS(sys.modules)):
        if not _among(types.ModuleType, _T_MRO(type(m))):
            continue
        if type(name) is str and name in names:
            queue.append(m)
        else:
            stop[id(m)] = 1
            stop[id(_MODULE_DICT(m))] = 1
    # gc_refs of every candidate, then what objects referenced from outside
    # reach among candidates; the rest is garbage.
    refs = {}
    objs = {}
    for lst, rc in zip(lists, rcs):
        for i in range(len(lst)):
            o = lst[i]
            oid = id(o)
            if oid in skip:
                continue
            objs[oid] = o
            refs[oid] = rc[i] - k - (sub.get(oid, 0) if sub else 0)
    for o in objs.values():
        for r in _get_referents(o):
            rid = id(r)
            if rid in refs:
                refs[rid] -= 1
    alive = {}
    todo = [oid for oid, n in refs.items() if n > 0]
    for oid in todo:
        alive[oid] = 1
    while todo:
        for r in _get_referents(objs[todo.pop()]):
            rid = id(r)
            if rid in objs and rid not in alive:
                alive[rid] = 1
                todo.append(rid)
    for oid in objs:
        if oid not in alive:
            queue.append(objs[oid])
    del todo, alive, refs
    keep = {}
    for o in queue:
        keep[id(o)] = 1
    i = 0
    while i < len(queue):
        for r in _get_referents(queue[i]):
            rid = id(r)
            if rid not in keep and rid not in stop and rid not in skip:
                keep[rid] = 1
                queue.append(r)
        i += 1
    return keep


def _drop_dangling(st):
    """A focused dump keeps only references between objects it holds."""
    ids = set()
    for row in st[_S_NODES]:
        ids.add(row[:row.index(",")])
    kept = []
    for row in st[_S_EDGES]:
        a, b, _ = row.split(",", 2)
        if a in ids and b in ids:
            kept.append(row)
    st[_S_EDGES] = kept
    st[_S_NE] = len(kept)


def _walk(st, lst, rcs, gen):
    """Node rows and references of the tracked objects of one generation."""
    k = st[_S_K]
    sub = st[_S_SUB]
    skip = st[_S_SKIP]
    listed = st[_S_LISTED]
    tcache = st[_S_TCACHE]
    extra = st[_S_EXTRA]
    seen = st[_S_SEEN]
    nodes = st[_S_NODES]
    edges = st[_S_EDGES]
    nappend = nodes.append
    eappend = edges.append
    nblobs = st[_S_NBLOBS]
    eblobs = st[_S_EBLOBS]
    limit = st[_S_LIMIT]
    keep = st[_S_KEEP]
    anchors = st[_S_ANCHORS]
    n_nodes = 0
    n_edges = 0
    for i in range(len(lst)):
        o = lst[i]
        oid = id(o)
        if oid in skip or (keep is not None and oid not in keep):
            continue
        t = type(o)
        ti = tcache.get(id(t))
        if ti is None:
            ti = _typeinfo(t, tcache)
        kind = ti[1]
        raw = rcs[i]
        rc = raw - k
        if sub:
            rc -= sub.get(oid, 0)
        flags = ti[3]
        if raw >= _IMMORTAL:
            rc = raw
            flags = (flags + " immortal") if flags else "immortal"
        if ti[2]:
            try:
                size = _getsizeof(o)
            except Exception:
                size = _obj_sizeof(o)
        else:
            size = _obj_sizeof(o)
        label = _label(o, kind) if ti[8] else ""
        if kind == _K_DICT and oid in anchors:
            flags = (flags + " anchor") if flags else "anchor"
        nappend("%d,%s%d,%s,%d,%s,,%s\n" % (oid, ti[0], size, label, rc, gen, flags))
        n_nodes += 1
        pre = "%d," % oid
        if kind == _K_DICT:
            refs = []
            rappend = refs.append
            for key, v in _DICT_ITEMS(o):
                tk = type(key)
                if tk is str:
                    eappend("%s%d,%s,,\n" % (pre, id(v), _csv(key[:_NAME_MAX])))
                else:
                    if tk is int and 0 <= key < 0x7fffffff:
                        eappend("%s%d,,%d,\n" % (pre, id(v), key))
                    else:
                        eappend("%s%d,,,\n" % (pre, id(v)))
                    eappend("%s%d,(key),,\n" % (pre, id(key)))
                    rappend(key)
                rappend(v)
            if refs:
                del key, v
        elif kind == _K_LIST or kind == _K_TUPLE:
            refs = o
            j = 0
            for v in refs:
                eappend("%s%d,,%d,\n" % (pre, id(v), j))
                j += 1
            if j:
                del v
        else:
            refs = _get_referents(o)
            if kind != _K_GENERIC:
                names = _names(o, kind, refs)
            elif ti[7]:
                names = _instance_names(o, t, ti, refs)
            else:
                names = None
            tail = ti[9]
            if names:
                for v in refs:
                    eappend("%s%d,%s" % (pre, id(v), names.get(id(v), tail)))
                if refs:
                    del v
            else:
                for v in refs:
                    eappend("%s%d,%s" % (pre, id(v), tail))
                if refs:
                    del v
            del names
        n_edges += len(refs)
        for v in refs:
            if not _is_tracked(v):
                vid = id(v)
                if vid not in seen:
                    seen[vid] = 1
                    extra.append(v)
            elif listed is not None:
                vid = id(v)
                if vid not in listed and vid not in seen and vid not in skip:
                    seen[vid] = 3
                    extra.append(v)
        if refs:
            del v
        del refs
        if ti[4] and _getweakrefcount(o):
            for w in _getweakrefs(o):
                eappend("%d,%d,,,weak\n" % (id(w), oid))
                n_edges += 1
                if not _is_tracked(w) and id(w) not in seen:
                    seen[id(w)] = 1
                    extra.append(w)
            del w
        if len(edges) >= limit:
            _compact(edges, eblobs)
        if len(nodes) >= limit:
            _compact(nodes, nblobs)
    st[_S_NN] += n_nodes
    st[_S_NE] += n_edges


def _walk_extra(st):
    """References of the untracked objects reached (untracked tuples and
    dicts of constants hold some), adding what they reach in turn."""
    skip = st[_S_SKIP]
    listed = st[_S_LISTED]
    tcache = st[_S_TCACHE]
    extra = st[_S_EXTRA]
    seen = st[_S_SEEN]
    edges = st[_S_EDGES]
    eappend = edges.append
    eblobs = st[_S_EBLOBS]
    limit = st[_S_LIMIT]
    n_edges = 0
    i = 0
    while i < len(extra):
        if len(edges) >= limit:
            _compact(edges, eblobs)
        o = extra[i]
        i += 1
        refs = _get_referents(o)
        if not refs:
            continue
        t = type(o)
        pre = "%d," % id(o)
        ti = tcache.get(id(t))
        if ti is None:
            ti = _typeinfo(t, tcache)
        kind = ti[1]
        if kind == _K_LIST or kind == _K_TUPLE:
            refs = list(o)
            j = 0
            for v in refs:
                eappend("%s%d,,%d,\n" % (pre, id(v), j))
                j += 1
        else:
            names = _names(o, kind, refs) if kind != _K_GENERIC else None
            tail = ti[9]
            for v in refs:
                eappend("%s%d,%s" % (pre, id(v), names.get(id(v), tail) if names else tail))
            del names
        n_edges += len(refs)
        for v in refs:
            vid = id(v)
            if vid in seen or vid in skip:
                continue
            if not _is_tracked(v):
                seen[vid] = 1
                extra.append(v)
            elif listed is not None and vid not in listed:
                seen[vid] = 3
                extra.append(v)
        del v
    st[_S_NE] += n_edges


def _extra_nodes(st, rex):
    """Node rows of the untracked (and frozen) objects; rex: measured counts."""
    k = st[_S_K]
    sub = st[_S_SUB]
    tcache = st[_S_TCACHE]
    extra = st[_S_EXTRA]
    seen = st[_S_SEEN]
    nodes = st[_S_NODES]
    nappend = nodes.append
    nblobs = st[_S_NBLOBS]
    limit = st[_S_LIMIT]
    anchors = st[_S_ANCHORS]
    for i in range(len(extra)):
        if len(nodes) >= limit:
            _compact(nodes, nblobs)
        o = extra[i]
        oid = id(o)
        t = type(o)
        ti = tcache.get(id(t))
        if ti is None:
            ti = _typeinfo(t, tcache)
        kind = ti[1]
        raw = rex[i]
        rc = raw - k
        if sub:
            rc -= sub.get(oid, 0)
        tracked = seen[oid] == 3
        flags = ti[3]
        if not tracked:
            flags = (flags + " untracked") if flags else "untracked"
        if kind == _K_DICT and oid in anchors:
            flags += " anchor"
        if raw >= _IMMORTAL:
            rc = raw
            flags += " immortal"
        if ti[2]:
            try:
                size = _getsizeof(o)
            except Exception:
                size = _obj_sizeof(o)
        else:
            size = _obj_sizeof(o)
        if kind == _K_STR:
            label = _csv(o[:_LABEL_MAX])
        elif kind == _K_INT:
            label = ("%d" % o) if -_INT_LABEL < o < _INT_LABEL else ""
        elif ti[8]:
            label = _label(o, kind)
        else:
            label = ""
        nappend("%d,%s%d,%s,%d,%s,,%s\n" % (oid, ti[0], size, label, rc,
                                             "3" if tracked else "", flags))
    st[_S_NN] += len(extra)


# Tails of edge rows ("name,index,kind\n") for the fixed names below; the
# references marked `meta` are the interpreter's bookkeeping, which every
# object of its kind has (docs/user-graph.md, Python).
_M_CODE = "__code__,,meta\n"
_M_GLOBALS = "__globals__,,meta\n"
_M_BUILTINS = "__builtins__,,meta\n"
_M_CLASS = "__class__,,meta\n"
_M_DICT = "__dict__,,meta\n"


def _names(o, kind, refs):
    """{id(referent): row tail} for a few fixed attributes of built-in kinds."""
    n = {}
    try:
        if kind == _K_DICT:
            for key, v in _DICT_ITEMS(o):
                if type(key) is str:
                    n[id(v)] = _csv(key[:_NAME_MAX]) + ",,\n"
        elif kind == _K_FUNCTION:
            # what func_traverse visits and can be read without creating
            # anything (__dict__ and __annotations__ getters create dicts)
            n[id(o.__qualname__)] = "__qualname__,,\n"
            n[id(o.__name__)] = "__name__,,\n"
            n[id(o.__module__)] = "__module__,,\n"
            n[id(o.__doc__)] = "__doc__,,\n"
            if o.__defaults__ is not None:
                n[id(o.__defaults__)] = "__defaults__,,\n"
            if o.__kwdefaults__ is not None:
                n[id(o.__kwdefaults__)] = "__kwdefaults__,,\n"
            if o.__closure__ is not None:
                n[id(o.__closure__)] = "__closure__,,\n"
            n[id(o.__code__)] = _M_CODE
            if _PY310:
                n[id(o.__builtins__)] = _M_BUILTINS
            n[id(o.__globals__)] = _M_GLOBALS
        elif kind == _K_METHOD:
            n[id(o.__func__)] = "__func__,,\n"
            n[id(o.__self__)] = "__self__,,\n"
        elif kind == _K_FRAME:
            code = o.f_code
            n[id(code)] = "f_code,,meta\n"
            if not _PY311:
                n[id(o.f_builtins)] = "f_builtins,,meta\n"
                n[id(o.f_globals)] = "f_globals,,meta\n"
                if o.f_back is not None:
                    n[id(o.f_back)] = "f_back,,meta\n"
            elif refs:
                # 3.11+: reading f_back can create the caller's frame
                # object, but frame_traverse visits f_back first, then
                # f_trace, then the frame's function and code (the globals
                # and builtins are not visited).
                if type(refs[0]) is types.FrameType:
                    n[id(refs[0])] = "f_back,,meta\n"
                for r in refs:
                    if type(r) is types.FunctionType and r.__code__ is code:
                        n[id(r)] = "f_func,,meta\n"
                        break
        elif kind == _K_DICTSUB:
            for key, v in _DICT_ITEMS(o):
                if type(key) is str:
                    n[id(v)] = _csv(key[:_NAME_MAX]) + ",,\n"
            n[id(type(o))] = _M_CLASS
        elif kind == _K_CELL:
            for r in refs:
                n[id(r)] = "cell_contents,,\n"
        elif kind == _K_TYPE:
            for r in refs:
                if type(r) is dict:
                    n[id(r)] = _M_DICT
                    break
            n[id(_T_BASE(o))] = "__base__,,meta\n"
            n[id(_T_BASES(o))] = "__bases__,,meta\n"
            n[id(_T_MRO(o))] = "__mro__,,meta\n"
        elif kind == _K_MODULE:
            n[id(_MODULE_DICT(o))] = _M_DICT
    except Exception:
        pass
    return n


def _instance_names(o, t, ti, refs):
    """Row tails of an instance's references: __slots__, __class__, __dict__."""
    n = {id(t): _M_CLASS}
    for desc, name in ti[5]:
        try:
            v = desc.__get__(o, t)
        except Exception:
            continue
        n[id(v)] = name + ",\n"
    if ti[6] and not _PY311:
        # 3.8-3.10: the instance dict, if it exists, is the referent of type
        # dict that is not a slot value.  (Reading __dict__ would create it.)
        for r in refs:
            if type(r) is dict and id(r) not in n:
                n[id(r)] = "__dict__,,\n"
                break
    return n


_NODES_HEADER = "id,type,size,name,refcount,generation,root,flags\n"
_EDGES_HEADER = "from,to,name,index,kind\n"


def _write(dest, blobs, name, header):
    """Writes header + blobs (bytes) to dest/name via a temporary file."""
    tmp = os.path.join(dest, name + b".tmp")
    with open(tmp, "wb") as f:
        f.write(header.encode("ascii"))
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, os.path.join(dest, name))


def _dump_to(dest, focus):
    """Dumps into folder dest (bytes path).  Returns (objects, references)."""
    global _attempts
    was_enabled = gc.isenabled()
    gc.disable()
    interval = sys.getswitchinterval()
    masked = None
    if hasattr(signal, "pthread_sigmask") and hasattr(signal, "valid_signals"):
        try:
            masked = signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
        except (OSError, ValueError):
            masked = None
    # Other threads: a thread waiting for the GIL takes it from us once the
    # switch interval has passed, and may change the heap while we read it.
    # A long interval holds them off, but one that was already waiting under
    # the old interval can still take over once, and then keeps the GIL for
    # up to the new interval.  So: an interval longer than a dump, a check
    # that nothing changed (reference counts counted twice), and a retry.
    hold = _HOLD_MIN
    try:
        for attempt in range(1, _ATTEMPTS + 1):
            sys.setswitchinterval(hold)
            start = time.perf_counter()
            nodes, edges, n_nodes, n_edges, stable = _snapshot(masked, focus)
            if stable:
                break
            if attempt < _ATTEMPTS:
                del nodes, edges
                hold = max(hold, 3 * (time.perf_counter() - start))
        _attempts = attempt
    finally:
        if masked is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, masked)
        sys.setswitchinterval(interval)
        if was_enabled:
            gc.enable()
    if not stable:
        sys.stderr.write("heapglass_dump: the heap kept changing while it was read (other threads "
                         "ran); this dump may be inconsistent\n")
    os.makedirs(dest, exist_ok=True)
    _write(dest, nodes, b"nodes.csv", _NODES_HEADER)
    del nodes
    _write(dest, edges, b"edges.csv", _EDGES_HEADER)
    return n_nodes, n_edges


def dump(path, focus=None):
    """Writes a heapglass snapshot of this process into the folder `path`
    (created if missing; nodes.csv and edges.csv inside are replaced).
    Returns (objects, references) written.

    focus: None (the whole heap), or module names, such as ["__main__"]
    (a list, a tuple, or one str with names separated by commas): the dump then holds only what those modules reach plus
    all garbage (what a full gc.collect() would free) and what it reaches,
    stopping at other modules.  Refcounts stay the true ones, so the
    garbage found offline is still exactly CPython's."""
    if focus is not None and type(focus) not in (list, tuple, str):
        raise TypeError("heapglass_dump.dump: focus must be a list or tuple of module names")
    dest = os.fsencode(path)
    if dest is path:
        dest = bytes(dest)
    del path
    return _dump_to(dest, focus)


def install_signal(signum=None, path="heapglass-{pid}-{n}"):
    """Makes this process dump on signal `signum` (default SIGUSR1) into
    `path`, where {pid} is replaced by the process id and {n} by 1, 2, ...
    for each dump.  Returns the previous handler.  The dump runs in the main
    thread, between two bytecodes, like any Python signal handler."""
    if signum is None:
        signum = signal.SIGUSR1
    template = os.fsdecode(path)
    count = [0]

    def _heapglass_on_signal(sig, frame):
        del frame
        count[0] += 1
        target = template.replace("{pid}", str(os.getpid())).replace("{n}", str(count[0]))
        try:
            n, e = dump(target)
        except Exception as exc:  # never break the program it interrupted
            sys.stderr.write("heapglass_dump: no dump at %s: %s\n" % (target, exc))
            return
        sys.stderr.write("heapglass_dump: %d objects, %d references -> %s\n" % (n, e, target))

    return signal.signal(signum, _heapglass_on_signal)


_USAGE = ("usage: heapglass_dump.py -o OUT [--focus MODULE]... [--] script.py [args...]\n"
          "  runs script.py as __main__, then dumps this process into the folder OUT\n"
          "  --focus MODULE  dump only what MODULE (e.g. __main__) reaches, plus all garbage\n")


def main(argv=None):
    """Command line: runs a script as __main__, then dumps into OUT."""
    args = list(sys.argv[1:] if argv is None else argv)
    out = None
    focus = None
    while args:
        a = args[0]
        if a == "-o" and len(args) > 1:
            out = args[1]
            del args[:2]
        elif a == "--focus" and len(args) > 1:
            focus = args[1] if focus is None else focus + "," + args[1]
            del args[:2]
        elif a.startswith("-o") and len(a) > 2:
            out = a[2:]
            del args[0]
        elif a in ("-h", "--help"):
            sys.stdout.write(_USAGE)
            return 0
        elif a == "--":
            del args[0]
            break
        elif a.startswith("-"):
            sys.stderr.write("heapglass_dump: unknown option %s\n%s" % (a, _USAGE))
            return 2
        else:
            break
    if out is None or not args:
        sys.stderr.write(_USAGE)
        return 2
    script = args[0]
    try:
        with open(script, "rb") as f:
            source = f.read()
        del f
    except OSError as e:
        sys.stderr.write("heapglass_dump: cannot read %s: %s\n" % (script, e.strerror))
        return 2
    code = compile(source, script, "exec")
    del source
    import __main__
    import builtins
    main_dict = __main__.__dict__
    main_dict.clear()
    main_dict.update({"__name__": "__main__", "__file__": script, "__builtins__": builtins,
                      "__package__": None, "__doc__": None, "__loader__": None,
                      "__spec__": None, "__cached__": None})
    sys.argv[:] = args
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    status = 0
    try:
        exec(code, main_dict)
    except SystemExit as e:
        status = e.code
    except BaseException:
        import traceback
        traceback.print_exc()
        status = 1
    del code, main_dict, args, a
    try:
        n, e = dump(out, focus)
    except OSError as exc:
        sys.stderr.write("heapglass_dump: cannot write %s: %s\n" % (out, exc.strerror or exc))
        return 1
    sys.stderr.write("heapglass_dump: %d objects, %d references -> %s\n" % (n, e, out))
    return status


# The dumper's own frames (3.8-3.10 keep them as heap objects): left out.
_SKIP_CODES = {id(f.__code__) for f in (_snapshot, _dump_to, dump, main)}
_SKIP_CODES.update(id(c) for c in install_signal.__code__.co_consts if type(c) is types.CodeType)

if __name__ == "__main__":
    # Run from a proper module so the script can own __main__.
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import heapglass_dump as _self
    sys.exit(_self.main())
