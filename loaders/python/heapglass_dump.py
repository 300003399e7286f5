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

dump(path, focus=None) is the entry point for anything that runs inside the
process (a signal handler, a debugger, an injected call): it dumps the
process it runs in into the folder `path` and returns (objects, references).

The snapshot is the folder `path` holding nodes.csv and edges.csv in the
format of docs/csv-format.md.

What is recorded
- Every object the cycle collector tracks (gc.get_objects() of generations 0,
  1 and 2), and every object those reference (str, int, code, static types,
  ...), flagged `untracked`.  Objects frozen with gc.freeze() get generation
  3 (CPython's permanent generation; never collected).
- id (id()), type (module.qualname, builtins without module), shallow size
  (sys.getsizeof() when the type's __sizeof__ is C code, else the size from
  tp_basicsize/tp_itemsize), refcount,
  generation, flags (`untracked`, `finalizer`, `weakref`, `class`,
  `immortal`) and a short label (function, class and module names, the head
  of a str, small numbers).
- References: exactly what the collector's tp_traverse reports
  (gc.get_referents()), plus, from weakref objects and proxies, a `weak`
  reference to their referent.  Names: dict keys (str keys as names, int keys
  as index), list and tuple indexes, __slots__ names, instance attributes
  (3.8-3.10 through the instance's __dict__; 3.11-3.13 also when CPython
  keeps them inline, without a __dict__: read from the class's shared keys,
  see below), `__class__`, and a few fixed attributes of functions, methods,
  frames, cells, classes, modules, built-in exceptions and tracebacks.
- The user graph's marks (docs/user-graph.md): classes, modules and their
  dicts are flagged `anchor`; str, bytes, numbers, None, code objects and
  descriptors `runtime`; the interpreter's bookkeeping references (instance
  -> class, function -> __globals__/__builtins__/__code__, frame links,
  everything a class or a module refers to) have the kind `meta`.
- Nothing of the dumper's own: this module, its functions and its working
  state are left out (with the references to them), and so is everything
  its import of ctypes made (3.11+; see _import_ctypes).

Refcounts are the object's reference count minus every reference the dumper
holds, so `refcount - references from other tracked objects` is what
CPython's collector computes: the dump is enough to recompute, offline, the
exact set of objects gc.collect() would free.  Known inexactness: shared
singletons (None, True, False, small ints, interned strings) may carry the
dumper's own transient references, and the dumper's running functions carry
the reference of their own frame.

Inline attributes (3.11-3.13).  An instance whose class keeps its attributes
inline has no __dict__; reading one would create it and change the heap.
The dumper reads, with ctypes, the class's shared keys (the attribute names,
ht_cached_keys) and the instance's value slots, and checks every value it
reads against gc.get_referents() before it names a reference; on any
mismatch (an unknown layout) it stops naming inline attributes, so a name is
never wrong, only missing.  When every attribute of the class is set, the
referents are exactly the values in key order and nothing is read.

Safety: no user code runs.  The dumper never calls repr/str/hash/eq/getattr
on user objects, uses type() not isinstance() nor `in` on types, reads type
attributes through `type`'s own descriptors, keys its tables by id(),
disables the collector, blocks signals and holds other threads off while it
reads the heap (a long switch interval; should another thread get in anyway,
the reference counts change, a second count shows it, and the heap is read
again).  It writes as it reads, into space reserved on disk before the read
(posix_fallocate, then a shared memory map whose written pages are given
back as it goes): copying into a map never lets another thread run, and a
reserved file never faults for want of space.  Its memory is about 20 bytes
per tracked object besides what it reserves; when the reserve is used up, or
where it cannot be made, the rest is kept in memory and written after.
"""

import gc
import os
import signal
import sys
import time
import types
import weakref
from array import array
from itertools import accumulate, chain, compress, count, filterfalse, islice, repeat
from operator import add as _add, eq as _eq, ge as _ge, is_ as _is, itemgetter, not_ as _not, sub as _minus

try:
    import mmap as _mmap
except ImportError:  # pragma: no cover
    _mmap = None

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
_T_NAME = type.__dict__["__name__"].__get__
_T_MODULE = type.__dict__["__module__"].__get__
_T_DICT = type.__dict__["__dict__"].__get__
_T_DICTOFFSET = type.__dict__["__dictoffset__"].__get__
_T_WEAKREFOFFSET = type.__dict__["__weakrefoffset__"].__get__
_T_BASICSIZE = type.__dict__["__basicsize__"].__get__
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
_MANAGED_DICT = 1 << 4      # 3.11+
_INLINE_VALUES = 1 << 2     # 3.13
_IMMORTAL = 1 << 31         # 3.12+: immortal objects' counts are at least this
_HOLD_MIN = 2.0             # s: switch interval while reading the heap (see _dump_to)
_ATTEMPTS = 4               # reads of the heap before giving up on a quiet one
_BATCH = 2048               # objects formatted together
_attempts = 0               # reads the last dump took (for tests)
_LABEL_MAX = 40
_INT_LABEL = 1 << 60        # ints shown as labels when smaller than this
_NAME_MAX = 80
_PAGE = 1 << 16             # written pages are given back this many bytes at a time...
_GIVE_BACK = 1 << 20        # ...once this much has been written since the last time
_NODE_BYTES = 200           # reserve per tracked object: node rows (untracked ones included)
_EDGE_BYTES = 400           # and edge rows
# How a file is created: only a new one, never through a symlink.
_O_NEW = (os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
          | getattr(os, "O_CLOEXEC", 0))

# Types whose __sizeof__ we may call: C descriptors only.
_C_CALLABLES = (types.MethodDescriptorType, types.WrapperDescriptorType,
                types.BuiltinFunctionType, types.ClassMethodDescriptorType)

# C types with a tp_finalize that the collector calls on garbage.
_C_FINALIZER_TYPES = (types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType)

# Object kinds (how references and labels are found).
_K_GENERIC, _K_DICT, _K_LIST, _K_TUPLE, _K_FUNCTION, _K_METHOD, _K_FRAME, \
    _K_CELL, _K_TYPE, _K_MODULE, _K_STR, _K_INT, _K_FLOAT, _K_BYTES, _K_CODE, \
    _K_BUILTIN, _K_GENERATOR, _K_SINGLETON, _K_DICTSUB, _K_INSTANCE, _K_TRACEBACK, \
    _K_EXCEPTION = range(22)

# Objects that are the interpreter's own atoms and machinery (the user
# graph's `runtime` objects): they hold no user data, so no cycle of the
# user's can pass through them.
_RUNTIME_KINDS = frozenset((_K_STR, _K_INT, _K_FLOAT, _K_BYTES, _K_CODE, _K_SINGLETON))
_RUNTIME_TYPES = (complex, type(NotImplemented), type(Ellipsis), types.MethodDescriptorType,
                  types.WrapperDescriptorType, types.GetSetDescriptorType,
                  types.MemberDescriptorType, types.ClassMethodDescriptorType)
# Kinds whose objects never reference anything (no get_referents call).
_ATOMS = frozenset((_K_STR, _K_INT, _K_FLOAT, _K_BYTES, _K_SINGLETON))

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
    id(type(None)): _K_SINGLETON, id(types.TracebackType): _K_TRACEBACK,
}

# Rows (node rows: see _nodes_text).  An edge row from its prefix "from,"
# and the target id with a tail "name,index,kind\n"; an element row with an
# index.
_EDGE_ROW = "%s%d,%s"
_ELEM_ROW = "%s%d,,%d,\n"
_PLAIN = ",,\n"
_NODES_HEADER = b"id,type,size,name,refcount,generation,root,flags\n"
_EDGES_HEADER = b"from,to,name,index,kind\n"
# The rows of a list, a tuple or a dict after their first "from," field, for
# pre.join(): _ELEM_SEPS[n] for n elements, _KEY_SEPS[n] for n str keys
# (see _seq_rows, _dict_rows); longer ones made as needed.
_INDEX_FIELDS = tuple(map("%%d,,%d,\n".__mod__, range(1024)))
_ELEM_SEPS = tuple(map(("",).__add__, map(_INDEX_FIELDS.__getitem__, map(slice, range(64)))))
_KEY_SEPS = tuple(map(("",).__add__, map(("%d,%s,,\n",).__mul__, range(64))))

# Tails of edge rows for fixed names; the references marked `meta` are the
# interpreter's bookkeeping, which every object of its kind has
# (docs/user-graph.md, Python).
_M_CODE = "__code__,,meta\n"
_M_GLOBALS = "__globals__,,meta\n"
_M_BUILTINS = "__builtins__,,meta\n"
_M_CLASS = "__class__,,meta\n"
_M_DICT = "__dict__,,meta\n"
_U_DICT = "__dict__,,\n"

_ONLY_STR = {id(str)}
_TI_UFLAGS = itemgetter(14)
_DICT_VALUES = dict.values
_FIRST = itemgetter(0)
_SECOND = itemgetter(1)
_LAST = itemgetter(-1)
_HEAD = itemgetter(slice(0, _LABEL_MAX))
_NOT_ATOM = itemgetter(13)
_TI_FIELD = itemgetter(0)
_TI_SAFE = itemgetter(2)
_TI_FLAGS = itemgetter(3)


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


def _pct(s):
    """s as literal text in a %-format."""
    return s.replace("%", "%%")


def _fresh(s):
    """A new str equal to s, so that the dumper's tables never hold (and
    count in the refcount of) a string of the program's."""
    return ("." + s)[1:]


# ---- inline attributes (3.11-3.13) ----------------------------------------
#
# Layouts read from CPython's headers (Include/cpython/object.h,
# Include/internal/pycore_dict.h, pycore_object.h) of each version:
#   PyHeapTypeObject: ... ht_name, ht_slots, ht_qualname, ht_cached_keys ...
#     (the offset is found by looking for ht_name and ht_qualname in a class)
#   PyDictKeysObject: refcnt 8, log2_size 1, log2_index_bytes 1, kind 1,
#     (3.13: mutex 1), version 4, usable 8, nentries 8, indices
#     [1 << log2_index_bytes], then entries {key, value} of 16 bytes
#   3.11: values pointer at obj - 4 words, dict pointer at obj - 3 words
#   3.12: one word at obj - 3 words: values pointer - 1 (odd) or dict pointer
#   3.13: inline values at obj + 16 (types with Py_TPFLAGS_INLINE_VALUES):
#     capacity 1, size 1, embedded 1, valid 1, 4 bytes, values[capacity];
#     dict pointer at obj - 3 words
# Only on a 64-bit CPython without Py_TRACE_REFS and with the GIL.

_string_at = _u64 = _py_object = _cast = None
_KEYS_OFFSET = None
_INLINE = 0                 # 11, 12 or 13 when inline attributes can be read


def _words(addr, n):
    return memoryview(_string_at(addr, 8 * n)).cast("Q")


def _new_objects(before, after):
    """The objects of the list `after` not in `before` (two reads of a
    generation's list, `before` held meanwhile so that no id is reused):
    new objects are appended, so usually `after` starts with `before`."""
    k = len(before)
    if len(after) >= k and all(map(_is, islice(after, k), before)):
        return after[k:]
    old = set(map(id, before))
    return [o for o in after if id(o) not in old]


def _import_ctypes():
    """ctypes, imported so that nothing of it appears in a dump.  When the
    program has not imported it, the import runs with the collector off, so
    that every object it makes is tracked in generation 0; those not
    reachable from another module it imported (such as struct, which stays
    the program's) nor from the finders it cached are kept alive (no id of
    theirs is reused) and left out of every dump: in a list stored in
    ctypes' module dict (with their ids), where a later import of this file
    finds them again (record --pid executes it anew each time).  A program
    that imports ctypes later gets this module, hidden but for what it adds."""
    mods = sys.modules
    m = mods.get("ctypes")
    if m is not None:
        d = _MODULE_DICT(m)
        stash = d.get(_HIDDEN_KEY) if type(d) is dict else None
        if type(stash) is list and len(stash) == 2 and type(stash[1]) is frozenset:
            _HIDDEN[:] = [stash[1]]
        import ctypes
        return ctypes
    keys = list(mods)
    was = gc.isenabled()
    gc.disable()
    try:
        before = gc.get_objects(0)
        import ctypes
        after = gc.get_objects(0)
    finally:
        if was:
            gc.enable()
    new = {}
    for o in _new_objects(before, after):
        new[id(o)] = o
    new.pop(id(before), None)       # (this function's own: they hold others' objects)
    new.pop(id(keys), None)
    # What other modules the import brought (such as struct) reach, and
    # the finders it added to sys.path_importer_cache, are the program's
    # from now on; every other object it made is ctypes' (its modules, and
    # what they alone reach, such as a copy of _ctypes' dict the
    # interpreter keeps) and is hidden.
    old = set(map(id, keys))
    theirs = []
    for name, m in list(_DICT_ITEMS(mods)):
        if id(name) not in old and id(m) in new and not (type(name) is str and (
                name == "ctypes" or name == "_ctypes" or name.startswith("ctypes."))):
            theirs.append(m)
    cache = getattr(sys, "path_importer_cache", None)
    if type(cache) is dict:
        theirs.extend(_DICT_VALUES(cache))
    keep = _reach_within(theirs, new)
    mine = []
    for oid in new:
        if oid not in keep:
            mine.append(oid)
    objs = tuple(map(new.__getitem__, mine))
    stash = [objs, None]
    stash[1] = ids = frozenset(chain(mine, (id(objs), id(stash))))
    _MODULE_DICT(ctypes)[_HIDDEN_KEY] = stash
    _HIDDEN[:] = [ids]
    return ctypes


def _reach_within(starts, among):
    """Ids of the objects of `among` ({id: object}) reachable from starts
    through objects of `among` only."""
    seen = set()
    todo = []
    for o in starts:
        if id(o) in among and id(o) not in seen:
            seen.add(id(o))
            todo.append(o)
    while todo:
        for r in _get_referents(todo.pop()):
            rid = id(r)
            if rid in among and rid not in seen:
                seen.add(rid)
                todo.append(r)
    return seen


_HIDDEN_KEY = "_heapglass_hidden"
_HIDDEN = []                # [frozenset of the ids of what the dumper's import of ctypes made]


def _inline_setup():
    """Finds ht_cached_keys in a class (after ht_name, ht_slots, ht_qualname)
    and checks it on a second one; leaves _INLINE at 0 when anything is off.
    Runs when this module is imported, so that no dump changes the heap
    (see _import_ctypes for what that import leaves)."""
    global _string_at, _u64, _py_object, _cast, _KEYS_OFFSET, _INLINE
    v = sys.version_info[:2]
    if not ((3, 11) <= v <= (3, 13)) or sys.maxsize < 1 << 32 \
            or sys.implementation.name != "cpython" or hasattr(sys, "gettotalrefcount"):
        return
    if "t" in getattr(sys, "abiflags", ""):      # a free-threaded build
        return
    try:
        ctypes = _import_ctypes()
    except Exception:
        return
    _string_at = ctypes.string_at
    _u64 = ctypes.c_uint64     # (not its bound from_address: that would be an object of its own)
    _py_object = ctypes.py_object
    _cast = ctypes.cast
    found = []
    for t in (weakref.WeakMethod, weakref.finalize):
        w = _words(id(t), _T_BASICSIZE(type) // 8)
        n, q = id(_T_NAME(t)), id(_T_QUALNAME(t))
        found.append(None)
        for i in range(len(w) - 3):
            if w[i] == n and w[i + 2] == q:
                found[-1] = (i + 3) * 8
                break
    if found[0] is None or found[0] != found[1]:
        return
    _KEYS_OFFSET = found[0]
    _INLINE = v[1]


def _shared_keys(t):
    """The tails ("name,,\\n") of the attribute names in class t's shared
    keys, in their order, or None."""
    if not _INLINE:
        return None
    try:
        kp = _u64.from_address(id(t) + _KEYS_OFFSET).value
        if not kp:
            return None
        hdr = _string_at(kp, 32)
        log2_index_bytes, kind = hdr[9], hdr[10]
        nentries = int.from_bytes(hdr[24:32], "little")
        if kind != 2 or log2_index_bytes > 12 or nentries > 1024:   # DICT_KEYS_SPLIT
            return None
        ents = _words(kp + 32 + (1 << log2_index_bytes), 2 * nentries)
        tails = []
        for i in range(nentries):
            if not ents[2 * i]:
                return None
            key = _cast(ents[2 * i], _py_object).value
            if type(key) is not str:
                return None
            tails.append(_csv(_fresh(key[:_NAME_MAX])) + ",,\n")
            del key
        return tuple(tails)
    except Exception:
        return None


def _inline_values(o, oid, ti):
    """[(id, tail)] of the inline attribute values of o in key order, or
    [(id of its dict, "__dict__")] when its attributes live in a dict, or
    None when they cannot be read."""
    keys = ti[10]
    if keys is None:
        return None
    n = len(keys)
    if _INLINE == 13:
        if ti[11]:
            b = _string_at(oid + 16, 8)
            if b[3]:                                  # valid
                vals = _words(oid + 24, min(b[0], n))
                return [(vals[i], keys[i]) for i in range(len(vals)) if vals[i]]
        d = _u64.from_address(oid - 24).value
    elif _INLINE == 12:
        w = _u64.from_address(oid - 24).value
        if w & 1:
            vals = _words(w + 1, n)
            return [(vals[i], keys[i]) for i in range(n) if vals[i]]
        d = w
    else:
        vp = _u64.from_address(oid - 32).value
        if vp:
            vals = _words(vp, n)
            return [(vals[i], keys[i]) for i in range(n) if vals[i]]
        d = _u64.from_address(oid - 24).value
    return [(d, _U_DICT)] if d else []


# ---- types -----------------------------------------------------------------

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
    tflags = _T_FLAGS(t)
    heap = bool(tflags & _HEAPTYPE)
    finalizer = _among(t, _C_FINALIZER_TYPES) or (_IOBASE is not None and _among(_IOBASE, mro))
    sizeof_safe = True
    sizeof_found = False
    sizeof_method = False
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
            sizeof_method = type(d["__sizeof__"]) is types.MethodDescriptorType
        # ("in" and [], not mappingproxy.get: on 3.13 its first call makes
        # a tuple of keyword names that stays, and a dump must change nothing)
        if _T_FLAGS(base) & _HEAPTYPE and "__slots__" in d:
            if d["__slots__"] is not None:
                for key, value in _DICT_ITEMS(dict(d)):
                    if type(key) is str and type(value) is types.MemberDescriptorType:
                        slots.append((value, _csv(_fresh(key[:_NAME_MAX])) + ",,\n"))
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
    elif kind == _K_GENERIC and heap:
        kind = _K_INSTANCE
    elif kind == _K_GENERIC and _among(BaseException, mro):
        kind = _K_EXCEPTION     # a built-in exception
    # The user graph (docs/user-graph.md): classes and modules are anchors,
    # the interpreter's own atoms and machinery are runtime objects.
    if kind == _K_TYPE or kind == _K_MODULE:
        flags.append("anchor")
    elif kind in _RUNTIME_KINDS or _among(t, _RUNTIME_TYPES):
        flags.append("runtime")
    keys = None
    fast = None
    if kind == _K_INSTANCE:
        if _PY311 and tflags & _MANAGED_DICT:
            keys = _shared_keys(t)
            if keys is not None and not slots:
                # every attribute set: the referents are the values in key
                # order, then the class
                fast = keys + (_M_CLASS,)
        elif not _PY311 and not slots and _T_DICTOFFSET(t) != 0:
            fast = (_U_DICT, _M_CLASS)
    info = (
        _csv(name) + ",",                 # 0 type field with its comma
        kind,                             # 1
        sizeof_safe,                      # 2
        " ".join(flags),                  # 3 flags words
        _T_WEAKREFOFFSET(t) != 0,         # 4 instances can be weakly referenced
        tuple(slots),                     # 5 (member descriptor, tail)
        heap and _T_DICTOFFSET(t) != 0,   # 6 instances of a class with __dict__
        heap,                             # 7
        kind in _LABELLED,                # 8 _label() has something to say
        # 9 the tail of an unnamed reference's row: everything a class or
        # a module refers to is its bookkeeping
        ",,meta\n" if kind == _K_TYPE or kind == _K_MODULE else _PLAIN,
        keys,                             # 10 shared keys' tails (3.11+)
        bool(tflags & _INLINE_VALUES),    # 11 3.13 inline values
        fast,                             # 12 the tails when all attributes are set
        kind not in _ATOMS,               # 13 may refer to something
        " ".join(flags + ["untracked"]),  # 14 the flags of an untracked one
        bool(tflags & _MANAGED_DICT),     # 15 3.11+: a managed dict
        # Pieces of row formats (see _plan_text): "%" doubled in text
        _pct(_csv(name)) + ",",           # 16 the type field (0)
        # 17 the rows of fast (12) after the first "from," field, each
        # with a "%d" for its "to" id: pre.join() of it is an object's rows
        None if fast is None else ("",) + tuple(map("%d,".__add__, map(_pct, fast))),
        # 18 the "to" field of an unnamed reference's row (9)
        "%d," + (",,meta\n" if kind == _K_TYPE or kind == _K_MODULE else _PLAIN),
        # 19 sizes by __sizeof__ (a C method), plus what getsizeof adds,
        # the same for all (but for classes: a static one has no GC header)
        sizeof_method and kind != _K_TYPE,
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


def _names(o, kind, refs):
    """{id(referent): [row tail]} for a few fixed attributes of built-in kinds."""
    n = {}
    try:
        if kind == _K_FUNCTION:
            # what func_traverse visits and can be read without creating
            # anything (__dict__ and __annotations__ getters create dicts)
            n[id(o.__qualname__)] = ["__qualname__,,\n"]
            n[id(o.__name__)] = ["__name__,,\n"]
            n[id(o.__module__)] = ["__module__,,\n"]
            n[id(o.__doc__)] = ["__doc__,,\n"]
            if o.__defaults__ is not None:
                n[id(o.__defaults__)] = ["__defaults__,,\n"]
            if o.__kwdefaults__ is not None:
                n[id(o.__kwdefaults__)] = ["__kwdefaults__,,\n"]
            if o.__closure__ is not None:
                n[id(o.__closure__)] = ["__closure__,,\n"]
            n[id(o.__code__)] = [_M_CODE]
            if _PY310:
                n[id(o.__builtins__)] = [_M_BUILTINS]
            n[id(o.__globals__)] = [_M_GLOBALS]
        elif kind == _K_METHOD:
            n[id(o.__func__)] = ["__func__,,\n"]
            n[id(o.__self__)] = ["__self__,,\n"]
        elif kind == _K_FRAME:
            code = o.f_code
            n[id(code)] = ["f_code,,meta\n"]
            if not _PY311:
                n[id(o.f_builtins)] = ["f_builtins,,meta\n"]
                n[id(o.f_globals)] = ["f_globals,,meta\n"]
                if o.f_back is not None:
                    n[id(o.f_back)] = ["f_back,,meta\n"]
            elif refs:
                # 3.11+: reading f_back can create the caller's frame
                # object, but frame_traverse visits f_back first, then
                # f_trace, then the frame's function and code (the globals
                # and builtins are not visited).
                if type(refs[0]) is types.FrameType:
                    n[id(refs[0])] = ["f_back,,meta\n"]
                for r in refs:
                    if type(r) is types.FunctionType and r.__code__ is code:
                        n[id(r)] = ["f_func,,meta\n"]
                        break
        elif kind == _K_DICTSUB:
            for key, v in _DICT_ITEMS(o):
                if type(key) is str:
                    n.setdefault(id(v), []).append(_csv(key[:_NAME_MAX]) + ",,\n")
            n.setdefault(id(type(o)), []).append(_M_CLASS)
        elif kind == _K_CELL:
            for r in refs:
                n[id(r)] = ["cell_contents,,\n"]
        elif kind == _K_TYPE:
            for r in refs:
                if type(r) is dict:
                    n[id(r)] = [_M_DICT]
                    break
            n[id(_T_BASE(o))] = ["__base__,,meta\n"]
            n[id(_T_BASES(o))] = ["__bases__,,meta\n"]
            n[id(_T_MRO(o))] = ["__mro__,,meta\n"]
        elif kind == _K_MODULE:
            n[id(_MODULE_DICT(o))] = [_M_DICT]
        elif kind == _K_TRACEBACK:
            # what tb_traverse visits: the next entry and the frame
            if o.tb_next is not None:
                n[id(o.tb_next)] = ["tb_next,,\n"]
            n.setdefault(id(o.tb_frame), []).append("tb_frame,,\n")
        elif kind == _K_EXCEPTION:
            # BaseException_traverse: dict, args, notes (3.11+), traceback,
            # context, cause (stored values: reading them creates nothing)
            n.setdefault(id(o.args), []).append("args,,\n")
            if o.__traceback__ is not None:
                n.setdefault(id(o.__traceback__), []).append("__traceback__,,\n")
            if o.__context__ is not None:
                n.setdefault(id(o.__context__), []).append("__context__,,\n")
            if o.__cause__ is not None:
                n.setdefault(id(o.__cause__), []).append("__cause__,,\n")
    except Exception:
        pass
    return n


def _instance_names(st, o, oid, t, ti, refs):
    """{id(referent): [row tails in traverse order]} of an instance: its
    __slots__, its attributes (inline or the __dict__ holding them) and its
    class."""
    n = {}
    for desc, tail in ti[5]:
        try:
            v = desc.__get__(o, t)
        except Exception:
            continue
        n.setdefault(id(v), []).append(tail)
    if _PY311:
        if ti[10] is not None and st[_S_INLINE]:
            vals = _inline_values(o, oid, ti)
            if vals:
                # every value read must be a referent, or the layout is
                # not what this dumper knows: then name nothing inline
                have = set(map(id, refs))
                for vid, tail in vals:
                    if vid not in have:
                        st[_S_INLINE] = False
                        vals = ()
                        break
                for vid, tail in vals:
                    n.setdefault(vid, []).append(tail)
    if ti[6] and (not _PY311 or not ti[15]):
        # A dict at a fixed offset (3.8-3.10; __slots__ with __dict__, an
        # exception): the instance dict, if it exists, is the referent of
        # type dict that is not a slot value.  (Reading __dict__ would
        # create it.)
        for r in refs:
            if type(r) is dict and id(r) not in n:
                n[id(r)] = [_U_DICT]
                break
    n.setdefault(id(t), []).append(_M_CLASS)
    return n


def _named_rows(pre, refs, names, tail):
    """Edge rows of refs, named from names ({id: [tails]}, used in order)."""
    rows = []
    for v in refs:
        vid = id(v)
        lst = names.get(vid)
        if lst:
            rows.append(_EDGE_ROW % (pre, vid, lst.pop(0) if len(lst) > 1 else lst[0]))
        else:
            rows.append(_EDGE_ROW % (pre, vid, tail))
    return "".join(rows)


# ---- output -----------------------------------------------------------------
#
# An output is a list [fd, map or None, written, reserved, spill, given back,
# temporary path]: rows are copied into the map of a file whose space was
# reserved before the heap was read (no system call, so no other thread runs
# meanwhile); beyond the reserve they are kept in `spill` and written after
# the read.

def _out_open(base, reserve, header):
    """A new temporary file base (or base.1, base.2, ... when taken),
    created new (O_EXCL) and never through a symlink (O_NOFOLLOW)."""
    i = 0
    while True:
        path = base if i == 0 else base + b".%d" % i
        try:
            fd = os.open(path, _O_NEW, 0o666)
            break
        except FileExistsError:
            i += 1
            if i == 100:
                raise
    out = [fd, None, 0, 0, [], 0, path]
    if _mmap is not None and hasattr(os, "posix_fallocate") and reserve > 0:
        try:
            st = os.statvfs(path)
            reserve = min(reserve, st.f_bavail * st.f_frsize // 3)
            reserve -= reserve % _PAGE
            if reserve >= _PAGE:
                os.posix_fallocate(fd, 0, reserve)
                out[1] = _mmap.mmap(fd, reserve)
                out[3] = reserve
        except (OSError, ValueError, OverflowError):
            out[1] = None
            out[3] = 0
            os.ftruncate(fd, 0)
    _out_write(out, header)
    return out


def _out_write(out, b):
    pos = out[2]
    end = pos + len(b)
    if end > out[3] or out[4]:
        out[4].append(b)
        return
    out[1][pos:end] = b
    out[2] = end
    if end - out[5] >= _GIVE_BACK and hasattr(out[1], "madvise"):
        # written pages stay in the file's page cache; they need not stay
        # in this process
        hi = end - end % _PAGE
        out[1].madvise(_mmap.MADV_DONTNEED, out[5], hi - out[5])
        out[5] = hi


def _out_rewind(out, header):
    out[2] = header
    out[5] = 0
    del out[4][:]


def _out_close(out, final):
    """After the read: the spilled rows, the file cut to its size, renamed
    over final (which replaces a symlink there, not its target)."""
    fd = out[0]
    if out[1] is not None:
        out[1].close()
    os.ftruncate(fd, out[2])
    os.lseek(fd, out[2], os.SEEK_SET)
    for b in out[4]:
        view = memoryview(b)
        while view:
            view = view[os.write(fd, view):]
    os.close(fd)
    os.replace(out[6], final)


def _out_discard(out):
    if out[1] is not None:
        out[1].close()
    os.close(out[0])
    try:
        os.unlink(out[6])
    except OSError:
        pass


# ---- reading the heap ---------------------------------------------------------

# The dump's working state: one list, indexed by the _S_ constants (the
# dumper defines no classes: a class would be a reference cycle in the heap).
_S_K, _S_SUB, _S_SKIP, _S_LISTED, _S_TCACHE, _S_EXTRA, _S_SEEN, _S_NOUT, _S_EOUT, \
    _S_NN, _S_NE, _S_KEEP, _S_ANCHORS, _S_INLINE, _S_FROZEN, _S_DONE, _S_SINGLE, \
    _S_LAST = range(18)


def _State(k, sub, skip, listed, nout, eout):
    return [k, sub, skip, listed, {}, [], {}, nout, eout, 0, 0, None, None, _INLINE != 0, set(),
            set(), _single_count(), None]


def _anchor_dicts(lists):
    """Ids of the dicts of every class and every module (anchors of the user
    graph, like the classes and modules themselves) with their labels
    ("OWNER.__dict__", new strings: see _fresh), and the modules among
    the tracked objects.  Classes are found from `object` down through
    type.__subclasses__ (every class but `object` has a base, whose
    subclass list holds it until it dies); modules by their exact type."""
    anchors = {}
    module_types = []
    seen = {id(object)}
    todo = [object]
    while todo:
        t = todo.pop()
        for d in _get_referents(_T_DICT(t)):
            q = _T_QUALNAME(t)
            anchors[id(d)] = (q[:_LABEL_MAX - 9] if type(q) is str else "?") + ".__dict__"
        if _among(types.ModuleType, _T_MRO(t)):
            module_types.append(t)
        for s in _T_SUBCLASSES(t):
            if id(s) not in seen:
                seen.add(id(s))
                todo.append(s)
    del t, s, q
    # (by identity with each module type: no id(), no hashing, per object)
    positions = []
    for lst in lists:
        pos = []
        for mt in module_types:
            pos.extend(compress(range(len(lst)), map(_is, map(type, lst), repeat(mt))))
        pos.sort()
        positions.append(pos)
        for i in pos:
            d = _MODULE_DICT(lst[i])
            name = d.get("__name__") if type(d) is dict else None
            anchors[id(d)] = (name[:_LABEL_MAX - 9] if type(name) is str else "?") + ".__dict__"
    # the interpreter's table of modules, which holds every module: an
    # anchor too, by the name a program knows it by
    anchors[id(sys.modules)] = "sys.modules"
    return anchors, positions


def _seen_new(seen, objs, extra):
    """Appends to extra the objects of objs not seen before (each once);
    seen is a bitmap per 4 KiB of address space (objects are 8-byte
    aligned), a few bytes per object where a set of ids would take 60."""
    get = seen.get
    for v, vid in zip(objs, map(id, objs)):
        pg = vid >> 12
        bm = get(pg)
        if bm is None:
            bm = seen[pg] = bytearray(64)
        bit = (vid >> 3) & 511
        mask = 1 << (bit & 7)
        if bm[bit >> 3] & mask:
            continue
        bm[bit >> 3] |= mask
        extra.append(v)


def _mark_all(bits, lst):
    """Marks the ids of lst in the bitmap bits (as _seen_new)."""
    for vid in map(id, lst):
        pg = vid >> 12
        bm = bits.get(pg)
        if bm is None:
            bm = bits[pg] = bytearray(64)
        bit = (vid >> 3) & 511
        bm[bit >> 3] |= 1 << (bit & 7)


def _unmarked(bits, ids):
    """The ids not marked in the bitmap bits."""
    out = []
    for vid in ids:
        bm = bits.get(vid >> 12)
        bit = (vid >> 3) & 511
        if bm is None or not bm[bit >> 3] & (1 << (bit & 7)):
            out.append(vid)
    return out


def _mark_seen(seen, vid):
    pg = vid >> 12
    bm = seen.get(pg)
    if bm is None:
        bm = seen[pg] = bytearray(64)
    bit = (vid >> 3) & 511
    bm[bit >> 3] |= 1 << (bit & 7)


def _interleave(n, *cols):
    """The fields of n rows from the columns, row by row, in one list."""
    k = len(cols)
    args = [None] * (k * n)
    for j in range(k):
        args[j::k] = cols[j]
    return args


def _sizes(objs, i, j, ti):
    """The shallow sizes of objs[i:j], all of the class of ti: what
    sys.getsizeof() says, when the class's __sizeof__ is C code, else
    object.__sizeof__().  (getsizeof looks __sizeof__ up and binds it for
    every object: calling the C method itself is several times faster.)"""
    f = None
    if ti[19]:
        # (found as _typeinfo found it; not kept there: a table of the
        # dumper's must not hold a heap object while it is counted)
        for base in _T_MRO(type(objs[i])):
            d = _T_DICT(base)
            if d is not None and "__sizeof__" in d:
                f = d["__sizeof__"]
                break
        del base, d
    if type(f) is types.MethodDescriptorType:
        try:
            sizes = list(map(f, islice(objs, i, j)))
            extra = _getsizeof(objs[i]) - sizes[0]
            return list(map(_add, sizes, repeat(extra))) if extra else sizes
        except Exception:
            pass
    del f
    sizes = []
    for o in islice(objs, i, j):
        if ti[2]:
            try:
                sizes.append(_getsizeof(o))
                continue
            except Exception:
                pass
        sizes.append(_obj_sizeof(o))
    return sizes


def _id_fields(ids):
    """The "id," field of each of ids, formatted together."""
    pres = (("%d,\n" * len(ids)) % tuple(ids)).split("\n")
    pres.pop()
    return pres


# Rows are formatted a run at a time with one %: the format is the run's
# rows, joined from pieces that hold every field known as text (the "id,"
# of the object, its type, flags, names: "%" doubled), with a placeholder
# for each field left (sizes, counts, labels; the "to" ids of references).
# map(fmt.__mod__, ...) would call a slot wrapper per row, and fewer fields
# to format mean fewer objects to gather for it.

def _nodes_text(st, objs, ids, pres, tis, raws, gen, untracked, held=0):
    """The node rows of one batch (sorted by class; pres: their "id,"
    fields); held: references the dumper held beyond the calibrated k when
    it counted (raws)."""
    n = len(objs)
    k = st[_S_K] + held
    sub = st[_S_SUB]
    rcs = list(map(_minus, raws, repeat(k)))
    if not sub.keys().isdisjoint(ids):
        for i in range(n):
            s = sub.get(ids[i])
            if s:
                rcs[i] -= s
    # Rows whose flags are not their class's: {index: (flags, label)}
    odd = None
    anchors = st[_S_ANCHORS]
    if not anchors.keys().isdisjoint(ids):
        # the dict of a class or a module: an anchor, named after its owner
        odd = {}
        for i in range(n):
            if ids[i] in anchors and (tis[i][1] == _K_DICT or tis[i][1] == _K_DICTSUB):
                odd[i] = ("anchor", _csv(anchors[ids[i]]))
    if max(raws) >= _IMMORTAL:      # (no default=: on 3.13 its first use makes a lasting tuple)
        # 3.12+: an immortal object's count is a marker, kept as it is
        if odd is None:
            odd = {}
        for i in compress(range(n), map(_ge, raws, repeat(_IMMORTAL))):
            rcs[i] = raws[i]
            odd[i] = (odd[i][0] + " immortal", odd[i][1]) if i in odd else ("immortal", None)
    tail = "," + gen + ",,"
    fmts = []
    args = []
    i = 0
    while i < n:
        ti = tis[i]
        j = i + 1
        while j < n and tis[j] is ti:
            j += 1
        m = j - i
        sizes = _sizes(objs, i, j, ti)
        head = ti[16] + "%d,"
        flags = ti[14] if untracked else ti[3]
        labels = None
        if ti[8]:
            kind = ti[1]
            run = objs[i:j]
            if kind == _K_STR:
                labels = list(map(_HEAD, run))
                blob = "".join(labels)
                if "," in blob or '"' in blob or "\n" in blob or "\r" in blob or "\x00" in blob:
                    labels = list(map(_csv, labels))
                del blob
                fmt = head + "%s,%d" + tail
            elif kind == _K_INT and -_INT_LABEL < min(run) and max(run) < _INT_LABEL:
                labels = run            # (formatted as they are)
                fmt = head + "%d,%d" + tail
            else:
                labels = [_label(o, kind) for o in run]
                fmt = head + "%s,%d" + tail
            del run
            args += _interleave(m, sizes, labels, rcs[i:j])
        else:
            fmt = head + ",%d" + tail
            args += _interleave(m, sizes, rcs[i:j])
        # the rows of the run: pres[r] + row, that is row.join(pres[i:j]) + row
        row = fmt + flags + "\n"
        a = i
        if odd is not None:
            for r in range(i, j):
                if r in odd:
                    if r > a:
                        fmts.append(row.join(pres[a:r]))
                        fmts.append(row)
                    word, label = odd[r]
                    f = (flags + " " + word) if flags else word
                    fmts.append(pres[r])
                    if labels is None and label is not None:
                        fmts.append(head + _pct(label) + ",%d" + tail + f + "\n")
                    else:
                        fmts.append(fmt + f + "\n")
                    a = r + 1
        if j > a:
            fmts.append(row.join(pres[a:j]))
            fmts.append(row)
        i = j
    return "".join(fmts) % tuple(args)


# The edge rows of a batch are planned first, then written: each group of
# objects appends its referents to `cand` and an entry to `plan`, either
# (format, rows, None) or (format, rows, column) for rows whose "to" ids
# come from cand: the format has a "%d" for each of them, followed by a
# field from column when there is one; or (None, rows, text) for rows
# already written.  The format of an object's rows is pre.join(seps), pre
# its "from," field and seps the rest of each row, after a "".  The ids of cand are taken once, for the
# rows, for the check against the objects left out and for finding the
# untracked ones (id() is not free: an audit event).

def _seq_rows(grp, pres, cand, plan):
    """Rows of a run of lists or tuples (element rows, with the index)."""
    lens = list(map(len, grp))
    start = len(cand)
    cand.extend(chain.from_iterable(grp))
    n = len(cand) - start
    if n:
        longest = max(lens)
        if longest < len(_ELEM_SEPS):
            plan.append(("".join(map(str.join, pres, map(_ELEM_SEPS.__getitem__, lens))), n, None))
        elif longest <= len(_INDEX_FIELDS):
            plan.append(("".join(map(str.join, pres, map(_elem_seps, lens))), n, None))
        else:
            plan.append(("".join(map(str.join, pres, map(_long_seps, lens))), n,
                         chain.from_iterable(map(range, lens))))
    return n


def _elem_seps(n):
    if n < len(_ELEM_SEPS):
        return _ELEM_SEPS[n]
    return ("",) + _INDEX_FIELDS[:n]


def _long_seps(n):
    return ("",) + ("%d,,%d,\n",) * n


def _key_seps(n):
    if n < len(_KEY_SEPS):
        return _KEY_SEPS[n]
    return ("",) + ("%d,%s,,\n",) * n


def _dict_rows(grp, ids, pres, cand, plan):
    """Rows of a run of dicts: a value named by its str key, indexed by a
    small int key; any other key gets a row of its own."""
    lens = list(map(len, grp))
    keys = list(chain.from_iterable(grp))
    if not keys:
        return 0
    if set(map(id, map(type, keys))) == _ONLY_STR and max(map(len, keys)) <= _NAME_MAX:
        blob = "".join(keys)
        if "," not in blob and '"' not in blob and "\n" not in blob and "\r" not in blob \
                and "\x00" not in blob:
            # every key a plain str: one pass for the whole run
            start = len(cand)
            cand.extend(chain.from_iterable(map(_DICT_VALUES, grp)))
            n = len(keys)
            if len(cand) - start == n:
                seps = map(_KEY_SEPS.__getitem__ if max(lens) < len(_KEY_SEPS) else _key_seps, lens)
                plan.append(("".join(map(str.join, pres, seps)), n, keys))
                return n
            del cand[start:]
    del keys
    n_edges = 0
    for o, pre in zip(grp, pres):
        if not o:
            continue
        rows = []
        n = 0
        for key, v in _DICT_ITEMS(o):
            cand.append(v)
            tk = type(key)
            if tk is str:
                rows.append(_EDGE_ROW % (pre, id(v), _csv(key[:_NAME_MAX]) + ",,\n"))
            else:
                if tk is int and 0 <= key < 0x7fffffff:
                    rows.append(_ELEM_ROW % (pre, id(v), key))
                else:
                    rows.append(_EDGE_ROW % (pre, id(v), _PLAIN))
                rows.append(_EDGE_ROW % (pre, id(key), "(key),,\n"))
                cand.append(key)
                n += 1
            n += 1
        plan.append((None, n, "".join(rows)))
        n_edges += n
    return n_edges


def _instance_rows(st, grp, ids, pres, t, ti, cand, plan):
    """Rows of a run of instances of one class t (made by a class
    statement): when all its attributes are set, the referents are the
    attribute values in key order (3.11+) or the __dict__ (3.8-3.10), then
    the class, and the rows of the whole run are written in one pass."""
    fast = ti[12]
    nf = len(fast)
    refs_all = list(map(_get_referents, grp))
    ok = list(map(nf.__eq__, map(len, refs_all)))
    if all(ok):
        ok = list(map(_is, map(_LAST, refs_all), repeat(t)))
        if nf == 2 and all(ok):
            first = list(map(_is, map(type, map(_FIRST, refs_all)), repeat(dict)))
            ok = list(map(_not, first)) if _PY311 else first
    else:
        for i in compress(range(len(ok)), ok):
            ok[i] = refs_all[i][-1] is t and (
                (_PY311 and (nf != 2 or type(refs_all[i][0]) is not dict))
                or (not _PY311 and type(refs_all[i][0]) is dict))
    n_edges = 0
    i = 0
    n = len(grp)
    while i < n:
        j = i + 1
        while j < n and ok[j] == ok[i]:
            j += 1
        if ok[i]:
            start = len(cand)
            cand.extend(chain.from_iterable(refs_all[i:j]))
            m = len(cand) - start
            plan.append(("".join(map(str.join, pres[i:j], repeat(ti[17]))), m, None))
            n_edges += m
        else:
            for o, oid, pre, refs in zip(grp[i:j], ids[i:j], pres[i:j], refs_all[i:j]):
                cand.extend(refs)
                plan.append((None, len(refs), _named_rows(
                    pre, refs, _instance_names(st, o, oid, t, ti, refs), _PLAIN)))
                n_edges += len(refs)
        i = j
    return n_edges


def _plain_rows(grp, pres, field, cand, plan):
    """Rows of a run of objects whose references have no names (field: the
    "to" field of their rows)."""
    refs_all = list(map(_get_referents, grp))
    start = len(cand)
    cand.extend(chain.from_iterable(refs_all))
    n = len(cand) - start
    if n:
        plan.append((field.join(chain.from_iterable(map(repeat, pres, map(len, refs_all))))
                     + field, n, None))
    return n


def _other_rows(st, grp, ids, pres, tis, cand, plan):
    """Rows of objects of every other kind, from gc.get_referents()."""
    n_edges = 0
    for o, oid, pre, ti in zip(grp, ids, pres, tis):
        kind = ti[1]
        if kind in _ATOMS:
            continue
        refs = _get_referents(o)
        if not refs:
            continue
        cand.extend(refs)
        n = len(refs)
        n_edges += n
        if kind == _K_INSTANCE:
            plan.append((None, n, _named_rows(pre, refs, _instance_names(st, o, oid, type(o), ti, refs),
                                              _PLAIN)))
            continue
        names = _names(o, kind, refs) if kind != _K_GENERIC else None
        if names:
            plan.append((None, n, _named_rows(pre, refs, names, ti[9])))
        else:
            plan.append(((pre + ti[18]) * n, n, None))
    return n_edges


def _group_rows(st, objs, ids, pres, ts, tis, cand, plan):
    """Plans the edge rows of a batch sorted by class (pres: the objects'
    "id," fields); returns their number."""
    n_edges = 0
    n = len(objs)
    i = 0
    while i < n:
        t = ts[i]
        ti = tis[i]
        kind = ti[1]
        j = i + 1
        while j < n and ts[j] is t:
            j += 1
        if kind == _K_LIST or kind == _K_TUPLE:
            n_edges += _seq_rows(objs[i:j], pres[i:j], cand, plan)
        elif kind == _K_DICT:
            n_edges += _dict_rows(objs[i:j], ids[i:j], pres[i:j], cand, plan)
        elif kind == _K_INSTANCE and ti[12] is not None:
            n_edges += _instance_rows(st, objs[i:j], ids[i:j], pres[i:j], t, ti, cand, plan)
        elif kind == _K_GENERIC:
            n_edges += _plain_rows(objs[i:j], pres[i:j], ti[18], cand, plan)
        elif kind not in _ATOMS:
            n_edges += _other_rows(st, objs[i:j], ids[i:j], pres[i:j], tis[i:j], cand, plan)
        i = j
    return n_edges


def _plan_texts(plan, cids):
    """The text of each entry of plan, the "to" ids taken in order from
    cids."""
    texts = []
    it = iter(cids)
    for entry in plan:
        if entry[0] is None:
            texts.append(entry[2])
            next(islice(it, entry[1], entry[1]), None)      # (skips them)
        elif entry[2] is None:
            texts.append(entry[0] % tuple(islice(it, entry[1])))
        else:
            texts.append(entry[0] % tuple(_interleave(entry[1], islice(it, entry[1]), entry[2])))
    return texts


def _single_count():
    """What map(getrefcount) reads in _discover for an object referenced
    once (here by a tuple), found once among the candidates."""
    holder = (float("0.5"),)
    cand = [holder[0]]
    u = list(filterfalse(_is_tracked, cand))
    return list(map(_getrefcount, u))[0]


def _discover(st, cand, cids, near=None):
    """The untracked objects among cand (cids: their ids) not seen before
    join the extras, and so do, after gc.freeze(), tracked ones in no
    generation list.  One referenced once in all the heap (most strings and
    numbers) can only be found once: it needs no check."""
    u = list(filterfalse(_is_tracked, cand))
    if u:
        single = list(map(_eq, map(_getrefcount, u), repeat(st[_S_SINGLE])))
        extra = st[_S_EXTRA]
        extra += compress(u, single)
        if not all(single):
            u = list(compress(u, map(_not, single)))
            _seen_new(st[_S_SEEN], u, extra)
        del single
    del u
    if st[_S_LISTED] is None:
        return
    tracked = list(map(_is_tracked, cand))
    if any(tracked):
        check = set(compress(cids, tracked))
        if near is not None:
            # ids known to be listed (the batch's own objects and the last
            # batch's, which objects mostly refer to): no bitmap to look up
            check.difference_update(near)
        missing = set(_unmarked(st[_S_LISTED], check)) if check else check
        if missing:
            missing -= st[_S_FROZEN]
            missing -= st[_S_SKIP]
        if missing:
            _frozen_extra(st, [v for v, vid in zip(cand, cids) if vid in missing])


def _batch(st, objs, raws, gen):
    """Node and edge rows of a batch of objects (raws: their counts as
    measured); the untracked objects they reference join st's extra."""
    skip = st[_S_SKIP]
    done = st[_S_DONE]
    ids = list(map(id, objs))
    keep = st[_S_KEEP]
    if not skip.isdisjoint(ids) or not done.isdisjoint(ids) or keep is not None:
        sel = []
        for i in range(len(ids)):
            if ids[i] not in skip and ids[i] not in done and (keep is None or ids[i] in keep):
                sel.append(i)
        if len(sel) != len(ids):
            objs = [objs[i] for i in sel]
            raws = [raws[i] for i in sel]
            ids = [ids[i] for i in sel]
    if not objs:
        return
    ts = list(map(type, objs))
    tids = list(map(id, ts))
    tcache = st[_S_TCACHE]
    if not tcache.keys() >= set(tids):
        for tid, t in zip(tids, ts):
            if tid not in tcache:
                _typeinfo(t, tcache)
        del t
    # by class: each class has one way of writing its rows (nodes and edges
    # keep the same order)
    order = sorted(range(len(objs)), key=tids.__getitem__)
    objs = list(map(objs.__getitem__, order))
    ids = list(map(ids.__getitem__, order))
    ts = list(map(ts.__getitem__, order))
    raws = list(map(raws.__getitem__, order))
    tis = list(map(tcache.__getitem__, map(tids.__getitem__, order)))
    del order, tids
    pres = _id_fields(ids)
    _out_write(st[_S_NOUT], _nodes_text(st, objs, ids, pres, tis, raws, gen, False)
               .encode("utf-8", "backslashreplace"))
    st[_S_NN] += len(objs)

    cand = []
    plan = []
    n_edges = _group_rows(st, objs, ids, pres, ts, tis, cand, plan)
    del pres
    weak = list(compress(range(len(objs)), map(itemgetter(4), tis)))
    if weak:
        for i in compress(weak, map(_getweakrefcount, map(objs.__getitem__, weak))):
            oid = ids[i]
            for w in _getweakrefs(objs[i]):
                wid = id(w)
                if wid in skip or (keep is not None and wid not in keep and _is_tracked(w)):
                    continue            # a weakref left out: its reference goes too
                plan.append((None, 1, "%d,%d,,,weak\n" % (wid, oid)))
                n_edges += 1
                cand.append(w)
            del w
    del weak
    if cand:
        cids = list(map(id, cand))
        texts = _plan_texts(plan, cids)
        if keep is not None or not skip.isdisjoint(cids):
            # references to objects left out go too
            n_edges -= _drop_rows(st, plan, texts, cand, cids)
            cand, cids = _unskipped(skip, cand, cids)
        del plan
        text = "".join(texts)
        del texts
        near = None
        if st[_S_LISTED] is not None:
            near = set(ids)
            if st[_S_LAST] is not None:
                st[_S_LAST] |= near
                near, st[_S_LAST] = st[_S_LAST], near
            else:
                st[_S_LAST] = near
        _discover(st, cand, cids, near)
        del cids, near
        st[_S_NE] += n_edges
        if text:
            _out_write(st[_S_EOUT], text.encode("utf-8", "backslashreplace"))


def _unskipped(skip, cand, cids):
    """cand and cids (their ids) without the objects left out, so that
    they are not found through the references just dropped either: the
    launch's frames below the program's (3.8-3.10) are untracked while
    they run, so only such a reference would reach them."""
    if skip.isdisjoint(cids):
        return cand, cids
    pos = list(compress(count(), map(_not, map(skip.__contains__, cids))))
    return list(map(cand.__getitem__, pos)), list(map(cids.__getitem__, pos))


def _drop_rows(st, plan, texts, cand, cids):
    """Leaves out the rows whose target is an object left out: the dumper's
    own, and in a focused dump the tracked objects outside its set
    (untracked ones are dumped as the extras of what is kept).  texts: the
    text of each entry of plan (see _plan_texts), cut where needed.
    Returns the number of rows left out."""
    skip = st[_S_SKIP]
    keep = st[_S_KEEP]
    if keep is None:
        pos = list(compress(count(), map(skip.__contains__, cids)))
    else:
        frozen = st[_S_FROZEN]
        pos = []
        for i, v, vid in zip(count(), cand, cids):
            if vid in skip or (vid not in keep and _is_tracked(v) and vid not in frozen):
                pos.append(i)
        del v
    if not pos:
        return 0
    # the entries that hold them: only their text is searched
    ends = list(accumulate(map(_SECOND, plan)))
    gone = {}
    e = 0
    for i in pos:
        while ends[e] <= i:
            e += 1
        gone.setdefault(e, set()).add("%d" % cids[i])
    dropped = 0
    for e, ids in _DICT_ITEMS(gone):
        texts[e], n = _cut_rows(texts[e], ids)
        dropped += n
    return dropped


def _cut_rows(text, gone):
    """text less its rows whose second field is one of the ids gone (str),
    and the number of rows cut."""
    # The rows are found with str.find: the text of a list of a million
    # items is tens of megabytes, and a list of its rows would be as much
    # again.
    cuts = []
    for g in gone:
        pat = "," + g + ","
        i = text.find(pat)
        while i >= 0:
            start = text.rfind("\n", 0, i) + 1
            if text.find(",", start, i) < 0:
                end = text.find("\n", i) + 1
                cuts.append((start, end if end else len(text)))
            i = text.find(pat, i + 1)
    if not cuts:
        return text, 0
    cuts.sort()
    pieces = []
    pos = 0
    for start, end in cuts:
        pieces.append(text[pos:start])
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces), len(cuts)


def _frozen_extra(st, tracked):
    """gc.freeze(): tracked objects in no generation list are dumped as
    extras too, with generation 3.  Once all are found, nothing is checked."""
    skip = st[_S_SKIP]
    frozen = st[_S_FROZEN]
    keep = st[_S_KEEP]
    for v in tracked:
        vid = id(v)
        # (a focused dump: only those its set holds; the rest of the
        # interpreter, frozen, stays out as it does unfrozen)
        if vid not in frozen and vid not in skip and (keep is None or vid in keep):
            frozen.add(vid)
            st[_S_EXTRA].append(v)
            _mark_seen(st[_S_SEEN], vid)
    del v
    if len(frozen) >= gc.get_freeze_count():
        st[_S_LISTED] = None


def _extras(st):
    """Rows of the untracked (and frozen) objects reached, and of what they
    reach in turn, a batch at a time: counted when the batch starts, while
    nothing of the dumper holds them but `extra` and the batch (the count
    is then k + 1, with k the calibrated references of the lists; see
    _snapshot), node rows by class, then the references of the containers
    among them (atoms such as str and int refer to nothing)."""
    extra = st[_S_EXTRA]
    tcache = st[_S_TCACHE]
    frozen = st[_S_FROZEN]
    nout = st[_S_NOUT]
    eout = st[_S_EOUT]
    i = 0
    while i < len(extra):
        objs = extra[i:i + _BATCH]
        # (into an array: a list would hold the counts, as ints that may be
        # among the objects counted)
        raws = array("q", map(_getrefcount, objs)).tolist()
        i += len(objs)
        ts = list(map(type, objs))
        tids = list(map(id, ts))
        if not tcache.keys() >= set(tids):
            for tid, t in zip(tids, ts):
                if tid not in tcache:
                    _typeinfo(t, tcache)
            del t
        # by class, nodes and references alike
        order = sorted(range(len(objs)), key=tids.__getitem__)
        objs = list(map(objs.__getitem__, order))
        raws = list(map(raws.__getitem__, order))
        ts = list(map(ts.__getitem__, order))
        tis = list(map(tcache.__getitem__, map(tids.__getitem__, order)))
        del order, tids
        ids = list(map(id, objs))
        pres = _id_fields(ids)
        if frozen and not frozen.isdisjoint(ids):
            for j in range(len(objs)):
                gen = "3" if ids[j] in frozen else ""
                _out_write(nout, _nodes_text(st, objs[j:j + 1], ids[j:j + 1], pres[j:j + 1],
                                             tis[j:j + 1], raws[j:j + 1], gen, not gen, 1)
                           .encode("utf-8", "backslashreplace"))
        else:
            _out_write(nout, _nodes_text(st, objs, ids, pres, tis, raws, "", True, 1)
                       .encode("utf-8", "backslashreplace"))
        st[_S_NN] += len(objs)
        del raws
        sel = list(compress(range(len(objs)), map(_NOT_ATOM, tis)))
        if len(sel) != len(objs):
            objs = list(map(objs.__getitem__, sel))
            ts = list(map(ts.__getitem__, sel))
            tis = list(map(tis.__getitem__, sel))
            ids = list(map(ids.__getitem__, sel))
            pres = list(map(pres.__getitem__, sel))
        del sel
        if not objs:
            continue
        cand = []
        plan = []
        n_edges = _group_rows(st, objs, ids, pres, ts, tis, cand, plan)
        # (nothing may hold an object of extra when the next batch is counted:
        # a type in ts can be one, an untracked static type)
        del objs, ts, ids, tis, pres
        if not cand:
            continue
        cids = list(map(id, cand))
        texts = _plan_texts(plan, cids)
        if st[_S_KEEP] is not None or not st[_S_SKIP].isdisjoint(cids):
            n_edges -= _drop_rows(st, plan, texts, cand, cids)
            cand, cids = _unskipped(st[_S_SKIP], cand, cids)
        del plan
        text = "".join(texts)
        del texts
        _discover(st, cand, cids)
        del cand, cids
        st[_S_NE] += n_edges
        if text:
            _out_write(eout, text.encode("utf-8", "backslashreplace"))
        del text


def _snapshot(own, focus, nout, eout):
    """Reads the heap into the outputs nout and eout; returns (objects,
    references, stable): stable is False when reference counts changed
    while it read (another thread ran).

    Called with the collector disabled, signals blocked and thread switches
    held off.  `own`: objects of the caller's to leave out; `focus`: module
    names to restrict the dump to (see dump()), or None.  Every reference
    the dumper holds to a heap object while it counts is either uniform (one
    list slot and one map() temporary, the calibrated k below) or
    subtracted explicitly (`sub`: what the dumper's own frames reference on
    3.8-3.10, where frames are heap objects, and what the counting itself
    holds).
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
    skip = {id(sentinel), id(l0), id(l1), id(l2), id(r0), id(r1), id(r2), id(chk), id(own)}
    skip.update(own)
    if _HIDDEN:
        # what the dumper's import of ctypes made (see _import_ctypes)
        skip.update(_HIDDEN[0])
        skip.add(id(_HIDDEN[0]))
    sub = {}
    # While counting, the dumper also holds: the four arrays' references to
    # their type (a heap type from 3.10), array.extend on the stack, and
    # getrefcount in the map() object.
    if _T_FLAGS(array) & _HEAPTYPE:
        sub[id(array)] = 4
    sub[id(_ARRAY_EXTEND)] = 1
    sub[id(_getrefcount)] = 1
    if not _PY311:
        # every frame of the dumper's on the stack: those dumping, and
        # below the program's own, those that started it (_cli and main,
        # or record's _record_run, and the boot command's)
        f = sys._getframe()
        r = None
        while f is not None:
            if id(f.f_code) in _SKIP_CODES:
                skip.add(id(f))
                for r in _get_referents(f):
                    rid = id(r)
                    if type(r) is types.CellType:
                        skip.add(rid)       # a cell of the dumper's own
                    sub[rid] = sub.get(rid, 0) + 1
            f = f.f_back
        del f, r
    # The dumper's own module, functions and tables (when imported rather
    # than run): theirs are the program's references to them, not counted.
    for o in _own_objects():
        skip.add(id(o))
    del o

    # Objects frozen by gc.freeze() are tracked but in no generation list.
    # (3.12 starts with a few hundred.)  A bitmap of the listed ones, as the
    # bitmap of the untracked ones seen: a set of ids would take 60 bytes
    # an object.
    listed = None
    if hasattr(gc, "get_freeze_count") and gc.get_freeze_count():
        listed = {}
        _mark_all(listed, l0)
        _mark_all(listed, l1)
        _mark_all(listed, l2)

    st = _State(k, sub, skip, listed, nout, eout)
    st[_S_ANCHORS], positions = _anchor_dicts((l0, l1, l2))
    if focus is not None:
        st[_S_KEEP], fz = _focus_set(focus, (l0, l1, l2), (r0, r1, r2), k, sub, skip)
        if fz and listed is not None:
            _frozen_extra(st, fz)
        del fz
    # Modules first: their rows, and so their references, come before any
    # other's, so a module's dict is seen as the module's, not as the
    # globals of its first function.
    done = st[_S_DONE]
    for lst, rc, gen, pos in ((l0, r0, "0", positions[0]), (l1, r1, "1", positions[1]),
                              (l2, r2, "2", positions[2])):
        if pos:
            objs = list(map(lst.__getitem__, pos))
            _batch(st, objs, list(map(rc.__getitem__, pos)), gen)
            done.update(map(id, objs))
            del objs
    del positions, pos, done
    for lst, rc, gen in ((l0, r0, "0"), (l1, r1, "1"), (l2, r2, "2")):
        for i in range(0, len(lst), _BATCH):
            _batch(st, lst[i:i + _BATCH], rc[i:i + _BATCH], gen)
    del lst, rc
    _extras(st)
    # Did anything else run meanwhile?  Another thread that got the GIL
    # changes reference counts; counted again the same way, they must match.
    st[_S_TCACHE].clear()
    st[_S_NOUT] = st[_S_EOUT] = None
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
    return st[_S_NN], st[_S_NE], stable


def _own_objects():
    """This module's own tracked objects: the module, its dict, its
    functions (with their defaults and closures) and its tables.  Classes,
    modules and builtins it refers to are the program's too and stay."""
    mine = globals()
    me = sys.modules.get(__name__)
    todo = [v for k, v in mine.items() if k != "__builtins__"]
    if me is not None and _MODULE_DICT(me) is mine:
        out = [me, mine]
        # the import's record of this module, nobody else's: its spec and
        # its loader, and the containers they hold (their attribute dicts
        # up to 3.10, the spec's list of submodules from 3.11)
        for o in (mine.get("__spec__"), mine.get("__loader__")):
            if o is not None and _is_tracked(o) and getattr(o, "name", None) == __name__:
                out.append(o)
                todo.extend(r for r in gc.get_referents(o) if type(r) is dict or type(r) is list)
        del o
    else:
        # executed into a dictionary of its own (record --pid): no module
        out = [mine]
    # What the launch left (_LAUNCH): the objects themselves, and a code
    # object's constants walked as this module's are; nothing else is
    # looked into (a command's globals hold the builtins and modules, the
    # list of what compile() made may be anything).
    todo = [v for v in todo if v is not _LAUNCH]
    out.append(_LAUNCH)
    seen = set(map(id, out))
    for o in _LAUNCH:
        if type(o) is types.CodeType:
            todo.append(o)
        elif _is_tracked(o) and id(o) not in seen:
            seen.add(id(o))
            out.append(o)
    while todo:
        o = todo.pop()
        if type(o) is types.CodeType:
            # untracked itself, but the tuples of its constants are
            # tracked, and the dumper's alone
            todo.append(o.co_consts)
            continue
        if id(o) in seen or not _is_tracked(o):
            continue
        t = type(o)
        if t is types.FunctionType:
            if o.__globals__ is not mine:
                continue
        elif t is types.MethodType or t is types.CellType or t is types.BuiltinMethodType:
            if t is types.BuiltinMethodType:
                continue
        elif t is itemgetter:
            seen.add(id(o))     # (its items are this module's constants)
            out.append(o)
            continue
        elif not (t is dict or t is list or t is tuple or t is set or t is frozenset
                  or t is array or t is type(_T_MRO)):
            continue
        seen.add(id(o))
        out.append(o)
        if t is types.FunctionType:
            todo.extend((o.__defaults__ or (), o.__kwdefaults__ or {}, o.__closure__ or (),
                         o.__code__))
        elif t is dict:
            todo.extend(o.values())
        elif t is types.CellType:
            try:
                todo.append(o.cell_contents)
            except ValueError:
                pass
        elif t is not array and t is not type(_T_MRO):
            todo.extend(o)
    return out


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
    # After gc.freeze() what the set holds may be frozen, in no generation
    # list (the focus modules themselves, what they held then): found here,
    # since no listed object it keeps may lead to them.
    frozen = []
    if hasattr(gc, "get_freeze_count") and gc.get_freeze_count():
        frozen = [o for o in queue if id(o) not in objs and _is_tracked(o)]
    return keep, frozen


# ---- dumping --------------------------------------------------------------------

def _dump_to(dest, focus):
    """Dumps into folder dest (bytes path).  Returns (objects, references)."""
    global _attempts
    os.makedirs(dest, exist_ok=True)
    # (no comprehension: on 3.8-3.11 it would make dest a cell, an object
    # of the dumper's in the heap it reads)
    paths = []
    for name in (b"nodes.csv.tmp", b"edges.csv.tmp", b"nodes.csv", b"edges.csv"):
        paths.append(os.path.join(dest, name))
    was_enabled = gc.isenabled()
    gc.disable()
    interval = sys.getswitchinterval()
    masked = None
    nout = eout = None
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
    # The space for the rows is reserved first: that takes system calls,
    # during which other threads run.
    hold = _HOLD_MIN
    try:
        tracked = len(gc.get_objects())
        nout = _out_open(paths[0], max(tracked * _NODE_BYTES, 1 << 20), _NODES_HEADER)
        eout = _out_open(paths[1], max(tracked * _EDGE_BYTES, 1 << 20), _EDGES_HEADER)
        own = (id(nout), id(eout), id(nout[1]), id(eout[1]), id(nout[4]), id(eout[4]),
               id(masked), id(paths))
        for attempt in range(1, _ATTEMPTS + 1):
            sys.setswitchinterval(hold)
            start = time.perf_counter()
            n_nodes, n_edges, stable = _snapshot(own, focus, nout, eout)
            if stable:
                break
            if attempt < _ATTEMPTS:
                # again, into the same reserve: no system call in between,
                # so the other thread that got in does not get in again
                _out_rewind(nout, len(_NODES_HEADER))
                _out_rewind(eout, len(_EDGES_HEADER))
                hold = max(hold, 3 * (time.perf_counter() - start))
        _attempts = attempt
        sys.setswitchinterval(interval)     # (writing lets other threads run)
        _out_close(nout, paths[2])
        nout = None
        _out_close(eout, paths[3])
        eout = None
    finally:
        if masked is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, masked)
        sys.setswitchinterval(interval)
        for out in (nout, eout):
            if out is not None:
                _out_discard(out)
        if was_enabled:
            gc.enable()
    if not stable:
        sys.stderr.write("heapglass_dump: the heap kept changing while it was read (other threads "
                         "ran); this dump may be inconsistent\n")
    return n_nodes, n_edges


def dump(path, focus=None):
    """Writes a heapglass snapshot of this process into the folder `path`
    (created if missing; nodes.csv and edges.csv inside are replaced).
    Returns (objects, references) written.

    focus: None (the whole heap), or module names, such as ["__main__"]
    (a list, a tuple, or one str with names separated by commas): the dump
    then holds only what those modules reach plus all garbage (what a full
    gc.collect() would free) and what it reaches, stopping at other
    modules.  Refcounts stay the true ones, so the garbage found offline is
    still exactly CPython's."""
    if focus is not None and type(focus) not in (list, tuple, str):
        raise TypeError("heapglass_dump.dump: focus must be a list or tuple of module names")
    dest = os.fsencode(path)
    if dest is path:
        dest = bytes(dest)
    del path
    return _dump_to(dest, focus)


def install_signal(signum=None, path="heapglass-{pid}-{n}", focus=None):
    """Makes this process dump on signal `signum` (default SIGUSR1) into
    `path`, where {pid} is replaced by the process id and {n} by 1, 2, ...
    for each dump; focus as for dump().  Returns the previous handler.  The
    dump runs in the main thread, between two bytecodes, like any Python
    signal handler."""
    if signum is None:
        signum = signal.SIGUSR1
    template = os.fsdecode(path)
    dumps = [0]

    def _heapglass_on_signal(sig, frame):
        del frame
        dumps[0] += 1
        target = template.replace("{pid}", str(os.getpid())).replace("{n}", str(dumps[0]))
        try:
            n, e = dump(target, focus)
        except Exception as exc:  # never break the program it interrupted
            sys.stderr.write("heapglass_dump: no dump at %s: %s\n" % (target, exc))
            return
        sys.stderr.write("heapglass_dump: %d objects, %d references -> %s\n" % (n, e, target))

    _HANDLERS.append(_heapglass_on_signal)
    return signal.signal(signum, _heapglass_on_signal)


_HANDLERS = []                  # the handlers install_signal made (left out of dumps)
_LAUNCH = []                    # what starting the dumper left (_boot_parse, _injection_leftovers)


_USAGE = ("usage: heapglass_dump.py -o OUT [--focus MODULE]... [--] script.py [args...]\n"
          "  runs script.py as __main__, then dumps this process into the folder OUT\n"
          "  --focus MODULE  dump only what MODULE (e.g. __main__) reaches, plus all garbage\n")


def _main_namespace(**names):
    """Module __main__'s namespace, emptied of the launcher's names (the
    boot code ran in it), with `names` and the builtins."""
    import __main__
    import builtins
    d = __main__.__dict__
    d.clear()
    d.update(names, __name__="__main__", __builtins__=builtins)
    return d


def _as_main(args):
    """Makes args[0], a script, the program, as `python SCRIPT ARGS` does:
    sys.argv, sys.path[0], and module __main__ (the one there is, not a
    second one as runpy.run_path would make).  Returns its compiled code
    and __main__'s namespace to run it in; OSError if it cannot be read."""
    script = args[0]
    with open(script, "rb") as f:
        source = f.read()
    code = compile(source, script, "exec")
    del source, f
    sys.argv[:] = args
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    _program_start()
    return code, _main_namespace(__file__=script, __package__=None, __doc__=None, __loader__=None,
                                 __spec__=None, __cached__=None)


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
    try:
        code, main_dict = _as_main(args)
    except OSError as e:
        sys.stderr.write("heapglass_dump: cannot read %s: %s\n" % (args[0], e.strerror))
        return 2
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


def _record_dump(tmp, final, focus=None):
    """heapglass record's entry point, for a program it started (from the
    handler _record_signal installs) and for a running one it attached to
    (from the code it injects, see _record_injected).  `tmp` and `final`
    are bytes paths; `tmp` lies in a folder only record writes to.

    Claims the request by creating the folder `tmp` (a request that comes
    after record gave up on it finds `tmp` taken, or its folder gone, and
    does nothing), dumps into it, then renames it to `final` (never onto
    an existing file or symlink: rename refuses).  On failure writes one
    line into `tmp + b".error"` so that record notices at once.  Returns
    True when the snapshot is in place."""
    try:
        os.mkdir(tmp)
    except OSError:
        return False
    try:
        _dump_to(tmp, focus)
        os.rename(tmp, final)
        return True
    except BaseException as exc:
        try:
            fd = os.open(tmp + b".error", _O_NEW, 0o666)
            try:
                os.write(fd, (" ".join(str(exc).split()) or type(exc).__name__).encode("utf-8", "replace"))
            finally:
                os.close(fd)
        except OSError:
            pass
        if not isinstance(exc, Exception):
            raise
        return False


_PARSE_MAX = 4096               # tokens in the parse of a launch command, at most


def _parse_of(lst, objs, marks):
    """Whether lst is the parse of a command (its arena's list of tokens,
    names and constants, which nothing else refers to) holding a str that
    starts with one of marks.  (Called with no * arguments: the tuple of
    such a call would refer to lst.)"""
    named = False
    for x in lst:
        if type(x) is str and x.startswith(marks):
            named = True
            break
    # (after the loop: its iterator refers to lst)
    return named and not [r for r in gc.get_referrers(lst) if r is not objs]


def _boot_parse():
    """The parse of the `-c BOOT` command that imported this module: the
    interpreter keeps its arena (a list of BOOT's tokens and names) alive
    while the command runs, that is, as long as the program does.  Found
    as the one list that holds the name heapglass_dump and that nothing
    else refers to; kept in _LAUNCH, a table of this module's, so that it
    is left out of every dump, and its tokens with it.  So is what runs
    the command: its function object (3.11+) or its frame (3.8-3.10), and
    its code's constants."""
    if not _PY311:
        f = sys._getframe()
        while f.f_back is not None:
            f = f.f_back
        if f.f_code.co_name == "<module>" and "heapglass_dump" in f.f_code.co_names:
            _SKIP_CODES.add(id(f.f_code))
            _LAUNCH.append(f.f_code)
        del f
    # With the collector off and no generator made: what this allocates
    # for a moment must not trigger a collection that the program would
    # not have had there (its garbage at the dump would differ).
    main = sys.modules.get("__main__")
    main_dict = _MODULE_DICT(main) if main is not None else None
    del main
    was = gc.isenabled()
    gc.disable()
    try:
        objs = gc.get_objects()
        for o in objs:
            if type(o) is list and len(o) <= _PARSE_MAX and _parse_of(o, objs, ("heapglass_dump",)):
                _LAUNCH.append(o)
            elif type(o) is types.FunctionType and o.__globals__ is main_dict \
                    and _launch_function(o, ("heapglass_dump",)):
                _LAUNCH.append(o)                   # 3.11+: what runs the command
                _LAUNCH.append(o.__code__)
        del objs
    finally:
        if was:
            gc.enable()


def _program_start():
    """Just before the program starts, what the launch left goes:
    - the boot put this file's folder first on sys.path to import it, and
      `python -c` the current folder (""); the program's own sys.path (set
      by _as_main, or left by the boot) holds neither, so the import
      system's listings of those folders (a FileFinder and a set of file
      names each, this one's among them) go too;
    - the launch's garbage: this module's imports make some (3.11's
      signal builds its enums through throwaway classes), which the
      program's own collector might not get to before the dump (or ever,
      with gc.disable()).  Python running the program directly has none
      of it, so it is collected now."""
    here = os.path.dirname(os.path.abspath(__file__))
    if here not in sys.path:
        sys.path_importer_cache.pop(here, None)
    try:
        cwd = os.getcwd()       # ("" is cached under it from 3.10 or so)
    except OSError:
        cwd = None
    if "" not in sys.path and cwd not in sys.path:
        sys.path_importer_cache.pop("", None)
        sys.path_importer_cache.pop(cwd, None)
    gc.collect()


def _hide_boot(typed=None):
    """sys.orig_argv (3.10+) as the command line was typed, without the
    `-c BOOT` that started heapglass_dump: for the command line (see _cli),
    BOOT and the folder after it become `typed`, this file's path; for
    heapglass record's boot, both go.  The program sees its own command
    line, and the boot's source is not left in the dump (3.13 also keeps
    it in linecache, for tracebacks), nor its parse (_boot_parse)."""
    _boot_parse()
    lc = sys.modules.get("linecache")
    entry = lc.cache.get("<string>") if lc is not None else None
    if type(entry) is tuple and len(entry) > 2 and "import heapglass_dump" in "".join(entry[2]):
        del lc.cache["<string>"]
    del lc, entry
    v = getattr(sys, "orig_argv", None)
    if v is None:
        return
    for i in range(len(v) - 1):
        if v[i] == "-c" and "import heapglass_dump" in v[i + 1]:
            if typed is None:
                del v[i:i + 2]
            else:
                v[i:i + 3] = [typed]
            return


def _cli():
    """The command line, re-executed as `python -c _BOOT DIR ARGS`."""
    typed = os.environ.pop("HEAPGLASS_DUMP_EXECED", None)
    if typed:
        _hide_boot(typed)
    del typed
    # the boot put this file's folder before the "" of `python -c`, which
    # _as_main replaces with the script's, as `python SCRIPT` has it
    if sys.path and sys.path[0] == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]
    return main()


def _record_run():
    """heapglass record's boot code, last: runs the program, sys.argv[1:]
    (SCRIPT ARGS or -m MODULE ARGS), as python itself would, in module
    __main__."""
    args = sys.argv[1:]
    if args[0] == "-m":
        import runpy
        module = args[1]
        sys.argv[:] = ["-m"] + args[2:]
        del args
        # python -m puts the current folder first as a full path, where
        # python -c (the boot) put ""
        if sys.path and sys.path[0] == "":
            try:
                sys.path[0] = os.getcwd()
            except OSError:
                pass
        _program_start()
        _main_namespace()
        runpy._run_module_as_main(module)
        return
    try:
        code, main_dict = _as_main(args)
    except OSError as e:
        sys.stderr.write("%s: can't open file %r: [Errno %d] %s\n"
                         % (os.path.basename(sys.executable), args[0], e.errno, e.strerror))
        sys.exit(2)
    del args
    exec(code, main_dict)


def _record_signal(signum, tmp, final, focus=None):
    """For heapglass record's boot code: on signal `signum`, dump N (1, 2,
    ...) with _record_dump(tmp with {n} = N, final with {n} = N, focus)."""
    count = [0]

    def _heapglass_record_on_signal(sig, frame):
        del frame
        count[0] += 1
        n = str(count[0])
        _record_dump(os.fsencode(tmp.replace("{n}", n)), os.fsencode(final.replace("{n}", n)), focus)

    _HANDLERS.append(_heapglass_record_on_signal)
    return signal.signal(signum, _heapglass_record_on_signal)


def _injection_leftovers():
    """What record --pid's injected code (request_code() in
    tui/cmd/record_python.c) leaves while this file runs from it, into
    _LAUNCH: the parse of the outer command, whose text holds the inner
    one in hex, and of the inner one (both alive while they run); the inner
    one's globals (os, t, f, c: c this file's code), the file it read, and
    this file's code, whose constants (a tuple: the docstrings, the usage,
    every function's code) the running module keeps alive.  Found without
    calling any of the program's code: dicts by their values' identity,
    lists by their strs."""
    mark = _record_injected.__code__
    marks = ("import gc, os\nt = ".encode().hex(), "_HEAPGLASS_RECORD")
    was = gc.isenabled()
    gc.disable()
    try:
        # All of it is new: in the young generation, or the middle one if a
        # collection came before the inner command turned the collector
        # off (not the whole heap: a scan of millions of objects would add
        # seconds to every snapshot).
        objs = gc.get_objects(0)
        objs.extend(gc.get_objects(1))
        for o in objs:
            t = type(o)
            if t is list and len(o) <= _PARSE_MAX and _parse_of(o, objs, marks):
                _LAUNCH.append(o)
            elif t is dict and len(o) <= 12:
                code = None
                for v in o.values():
                    if type(v) is types.CodeType:
                        for x in v.co_consts:
                            if x is mark:
                                code = v
                                break
                if code is not None:
                    _LAUNCH.append(o)
                    _LAUNCH.append(code)
                    for v in o.values():
                        if v is not code and _is_tracked(v) and type(v) is not dict \
                                and not _among(types.ModuleType, _T_MRO(type(v))):
                            _LAUNCH.append(v)       # the list of what compile() made
            elif t is types.FunctionType and _launch_function(o, marks, mark):
                _LAUNCH.append(o)                   # 3.11+: what runs a command
                _LAUNCH.append(o.__code__)
        del objs
    finally:
        if was:
            gc.enable()


def _launch_function(f, marks, mark=None):
    """Whether f is the function object 3.11+ makes to run a piece of the
    launch's module-level code: a command's (its constants hold a str of
    marks, or its names one of them), or this file's (mark among its
    constants)."""
    code = f.__code__
    if code.co_name != "<module>":
        return False
    for x in code.co_consts:
        if x is mark or (type(x) is str and x.startswith(marks)):
            return True
        if type(x) is tuple:    # a dict display's constant keys
            for y in x:
                if type(y) is str and y.startswith(marks):
                    return True
    for x in code.co_names:
        if x.startswith(marks):
            return True
    return False


def _record_injected(args):
    """Run by the code `heapglass record --pid` injects into a running
    interpreter (at a safe point, with the GIL held): it executes this
    file into a fresh dictionary, with _HEAPGLASS_RECORD = args = (TMP,
    DONE, FOCUS, NEW) set, from inside two levels of exec; NEW lists what
    compiling this file made (the tuples of its code's constants and
    names).  Those three frames are the dumper's own (3.8-3.10 keep frames
    as heap objects), and what they run, and the objects in args, are left
    out of the dump (see _injection_leftovers).  Afterwards the dictionary
    is emptied, so nothing of the dumper is left for the program's
    collector."""
    _LAUNCH.append(args)
    if len(args) > 3:
        _LAUNCH.append(args[3])
        _LAUNCH.extend(args[3])
    if not _PY311:
        f = sys._getframe(1)
        for _ in range(3):
            if f is None:
                break
            _SKIP_CODES.add(id(f.f_code))
            _LAUNCH.append(f.f_code)
            f = f.f_back
        del f
    _injection_leftovers()
    try:
        _record_dump(args[0], args[1], args[2])
    finally:
        globals().clear()


# The dumper's own frames (3.8-3.10 keep them as heap objects): left out.
_SKIP_CODES = {id(f.__code__) for f in (_snapshot, _dump_to, dump, main, _cli, _record_dump, _record_injected,
                                         _record_run)}
for _f in (install_signal, _record_signal):
    _SKIP_CODES.update(id(c) for c in _f.__code__.co_consts if type(c) is types.CodeType)
del _f
_inline_setup()

# Run as a script, the interpreter keeps this file's parse (every token of
# it) alive until the script ends, so it would be in the dump: start again
# with a one-line command that imports this file as a module instead.
_BOOT = ("import sys; sys.path.insert(0, sys.argv.pop(1)); import heapglass_dump; "
         "sys.exit(heapglass_dump._cli())")

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    if os.name == "posix" and not os.environ.get("HEAPGLASS_DUMP_EXECED"):
        # the interpreter's options as typed (3.10+), or as its flags say
        orig = getattr(sys, "orig_argv", ())
        if len(orig) > len(sys.argv) and orig[len(orig) - len(sys.argv):] == sys.argv:
            opts = orig[1:len(orig) - len(sys.argv)]
        else:
            import subprocess
            opts = subprocess._args_from_interpreter_flags()
        os.environ["HEAPGLASS_DUMP_EXECED"] = sys.argv[0] or __file__
        os.execv(sys.executable, [sys.executable] + opts + ["-c", _BOOT, here] + sys.argv[1:])
    sys.path.insert(0, here)
    import heapglass_dump as _self
    sys.exit(_self.main())
elif "_HEAPGLASS_RECORD" in globals():
    # Executed by heapglass record --pid's injected code (see _record_injected).
    _record_injected(globals().pop("_HEAPGLASS_RECORD"))
