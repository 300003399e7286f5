"""CPython itself as the truth for heapglass's lessons.

    python3 lesson_oracle.py topy LESSON > PROGRAM.py
        the same program in Python: run it with any CPython 3.8 or newer and
        it prints what happened (the trace below); exit 3 when the lesson
        cannot be written in Python (a name no variable holds, mark-sweep)
    python3 lesson_oracle.py trace SCRIPT_OUTPUT > TRACE
        the same trace from `heapglass lesson LESSON --python X.Y --script`
    python3 lesson_oracle.py random SEED OUT_DIR ROUNDS
        writes OUT_DIR/rN.lesson: random lessons (objects, fields, lists,
        dicts, cycles, aliases, finalizers, resurrection, weak references
        with and without callbacks, del, gc.collect(), small thresholds,
        gc.freeze()), each one a valid Python program, and OUT_DIR/rN.py
    python3 lesson_oracle.py topy-all LESSON...
        writes LESSON.py next to each lesson that can be written in Python
        (and LESSON.why with the reason for one that cannot)
    python3 lesson_oracle.py trace-all OUTPUT...
        writes OUTPUT.trace next to each heapglass --script output

The trace, one line each:
    L<line>            a statement of that line has finished
    del <name>         <name>.__del__() ran
    cb <callback>      a weak reference callback ran
    collect <n>        gc.collect() returned n
    tm <line> <size> <count>
                       a `tracemalloc` statement: the blocks still allocated
                       by each lesson line that made an instance (size in
                       bytes, count), largest first
    count <a> <b> <c>  gc.get_count() at the end
    obj <name> <gen>   an object alive at the end: its generation (0, 1, 2,
                       permanent, untracked), by name

The Python side: every class has __slots__ (all the fields the lesson
gives objects of that type, and __weakref__), so its objects are one
tracked object each whatever the version (no instance dict), and CPython
clears their fields in sorted order; `finalizer NAME` is
`NAME.__class__ = TYPE_del`, a subclass with the __del__ and the same slots;
lists and dicts are list() and dict().  Nothing in the program allocates a
tracked object but the lesson's statements (the log is a list of strings,
the names a dict of ints), so gc.get_count() and the automatic collections
are the lesson's own; __del__ and the callbacks are called once before the
lesson starts (3.8 to 3.10 keep a frame for each code object).
"""
import random
import re
import sys

CONSTANTS = ("None", "True", "False")


class Untranslatable(Exception):
    pass


def parse_lesson(text):
    """Lesson lines -> list of (line_no, words, rest)."""
    out = []
    for no, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()
        if not s or s.startswith("#"):
            continue
        word, _, rest = s.partition(" ")
        rest = rest.strip()
        if word in ("say", "title"):
            out.append((no, [word], rest))
            continue
        if "#" in rest:
            rest = rest[:rest.index("#")].strip()
        out.append((no, [word] + rest.split(), rest))
    return out


def split_loc(loc):
    """'a.next' -> (a, 'field', next); 'items[0]' -> (items, 'index', 0);
    'd[k]' or d['k'] -> (d, 'key', k)."""
    if "[" in loc and (loc.index("[") < loc.index(".") if "." in loc else True):
        name, _, key = loc.partition("[")
        key = key[:-1]
        if key[:1] in "'\"":
            return name, "key", key[1:-1]
        if key.isdigit():
            return name, "index", int(key)
        return name, "key", key
    name, _, field = loc.partition(".")
    return name, "field", field


def topy(text):
    cmds = parse_lesson(text)
    gc_mode = "cpython"
    threshold = None
    labels = {}        # label -> type
    fields = {}        # type -> set of fields
    callbacks = []
    for no, w, rest in cmds:
        if w[0] == "gc":
            gc_mode = w[1]
        elif w[0] == "threshold":
            threshold = (int(w[1]), int(w[2]), int(w[3]))
        elif w[0] == "new":
            labels[w[1]] = w[2] if len(w) > 2 else "object"
        elif w[0] == "weak" and len(w) == 4 and w[3] not in callbacks:
            callbacks.append(w[3])
    if gc_mode == "mark-sweep":
        raise Untranslatable("mark-and-sweep is not CPython")
    # which variable holds which object, as the lesson goes (to know types)
    var = {}
    body = []
    types_used = set()

    def obj_of(name):
        if name in CONSTANTS:
            return None
        if name not in var:
            raise Untranslatable("line %d: no variable holds '%s'" % (no, name))
        return var[name]

    def pyloc(loc):
        name, kind, key = split_loc(loc)
        lab = obj_of(name)
        t = labels.get(lab, "object")
        if kind == "field":
            if t in ("list", "dict"):
                raise Untranslatable("line %d: a field on a %s" % (no, t))
            fields.setdefault(t, set()).add(key)
            return "%s.%s" % (name, key)
        if kind == "index":
            return "%s[%d]" % (name, key)
        return "%s[%r]" % (name, key)

    makers = []       # lesson lines that make an instance
    revivable = set()
    for no, w, rest in cmds:
        op = w[0]
        stmt = None
        book = None
        if op in ("say", "title", "gc", "threshold", "python", "counts", "refcount"):
            continue
        if op == "tracemalloc":
            body.append((no, "_tm.append(tracemalloc.take_snapshot())", "log.append(('tm', len(_tm) - 1))"))
            continue
        if op == "new":
            t = labels[w[1]]
            types_used.add(t)
            if t in ("list", "dict"):
                stmt = "%s = %s()" % (w[1], t)
            else:
                stmt = "%s = %s()" % (w[1], cls(t))
                makers.append(no)
            book = "names[id(%s)] = %r" % (w[1], w[1])
            var[w[1]] = w[1]
        elif op == "link":
            obj_of(w[2])
            stmt = "%s = %s" % (pyloc(w[1]), w[2])
        elif op == "weak":
            obj_of(w[2])
            if len(w) == 4:
                stmt = "%s = weakref.ref(%s, %s)" % (pyloc(w[1]), w[2], w[3])
            else:
                stmt = "%s = weakref.ref(%s)" % (pyloc(w[1]), w[2])
        elif op in ("unlink",) or (op == "del" and ("." in w[1] or "[" in w[1])):
            stmt = "del %s" % pyloc(w[1])
        elif op == "append":
            obj_of(w[1])
            obj_of(w[2])
            stmt = "%s.append(%s)" % (w[1], w[2])
        elif op in ("unroot", "del"):
            obj_of(w[1])
            stmt = "del %s" % w[1]
            if var[w[1]] not in revivable:
                del var[w[1]]
        elif len(w) == 3 and w[1] == "=":
            var[w[0]] = obj_of(w[2]) if w[2] not in CONSTANTS else w[2]
            stmt = "%s = %s" % (w[0], w[2])
        elif op == "root":
            raise Untranslatable("line %d: root (no Python statement)" % no)
        elif op == "finalizer":
            lab = obj_of(w[1])
            t = labels[lab]
            stmt = "%s.__class__ = %s" % (w[1], cls(t, True))
            if len(w) == 3:
                stmt += "; revive.add(id(%s))" % w[1]
                # its __del__ may bind the name again: trust the lesson
                revivable.add(lab)
        elif op == "collect":
            if gc_mode != "cpython":
                raise Untranslatable("collect without the cycle collector")
            stmt = "log.append(gc.collect(%s))" % (w[1] if len(w) > 1 else "")
        elif op == "freeze":
            stmt = "gc.freeze()"
        elif op == "unfreeze":
            stmt = "gc.unfreeze()"
        elif op == "refcount":
            continue
        else:
            raise Untranslatable("line %d: %s" % (no, op))
        body.append((no, stmt, book))

    out = ["import gc, sys, weakref", "log = []", "names = {}", "revive = set()"]
    for t in sorted(types_used - {"list", "dict"}):
        slots = sorted(fields.get(t, set())) + ["__weakref__"]
        out.append("class %s:\n    __slots__ = %r" % (cls(t), tuple(slots)))
        out.append("class %s(%s):\n    __slots__ = ()\n"
                   "    def __del__(self):\n"
                   "        log.append('del ' + names[id(self)])\n"
                   "        if id(self) in revive:\n"
                   "            globals()[names[id(self)]] = self" % (cls(t, True), cls(t)))
    for cb in callbacks:
        out.append("def %s(wr):\n    log.append('cb %s')" % (cb, cb))
    # warm up: each __del__ and callback once (frames are kept per code object)
    for t in sorted(types_used - {"list", "dict"}):
        out.append("_w = %s(); names[id(_w)] = '_'; del _w" % cls(t, True))
    for cb in callbacks:
        out.append("%s(None)" % cb)
    out.append("log.clear()")
    traced = any(st.startswith("_tm.") for _, st, _ in body)
    if traced:
        out.append("import tracemalloc")
        out.append("_tm = []")
        out.append("tracemalloc.start()")
    if gc_mode == "refcount":
        out.append("gc.disable()")
    if threshold is not None:
        out.append("gc.set_threshold(%d, %d, %d)" % threshold)
    out.append("gc.collect()")
    # each statement on a line of its own (tracemalloc goes by line), the
    # bookkeeping on the next
    prog_line = {}
    line = sum(chunk.count("\n") + 1 for chunk in out)
    for no, stmt, book in body:
        prog_line[line + 1] = no
        line += 2
        out.append(stmt)
        out.append(("%s; " % book if book else "") + "log.append('L%d')" % no)
    out.append(PROBE.replace("LABELS", repr(sorted(labels))).replace(
        "PROGLINES", repr({k: v for k, v in prog_line.items() if v in makers})))
    return "\n".join(out) + "\n"


PROBE = '''
gc.disable()
_count = gc.get_count()
_labels = LABELS
_before = gc.get_objects()
_ids = {}
for _g in range(3):
    for _o in gc.get_objects(_g):
        _ids[id(_o)] = str(_g)
gc.unfreeze()
_lesson = {}
_todo = [globals()[_v] for _v in _labels if _v in globals()]
# everything tracked (the frozen included now), minus the probe's own
_mine = {id(_before), id(_ids), id(_labels), id(log), id(names), id(revive)}
_todo += [_o for _o in gc.get_objects() if id(_o) not in _mine and id(_o) != id(_todo)]
while _todo:
    _o = _todo.pop()
    if id(_o) in _lesson or id(_o) not in names or names[id(_o)] not in _labels:
        continue
    if not (type(_o).__name__.startswith("C_") or type(_o) in (list, dict)):
        continue
    _lesson[id(_o)] = _o
    _todo.extend(gc.get_referents(_o))
_proglines = PROGLINES
for _line in log:
    if isinstance(_line, int):
        print("collect", _line)
    elif isinstance(_line, tuple):
        _st = {}
        for _s in _tm[_line[1]].statistics("lineno"):
            _f = _s.traceback[0]
            if _f.filename == __file__ and _f.lineno in _proglines:
                _st[_proglines[_f.lineno]] = (_s.size, _s.count)
        for _n, (_sz, _c) in sorted(_st.items(), key=lambda x: (-x[1][0], x[0])):
            print("tm %d %d %d" % (_n, _sz, _c))
    else:
        print(_line)
print("count %d %d %d" % _count)
_rows = []
for _i, _o in _lesson.items():
    if not gc.is_tracked(_o):
        _gen = "untracked"
    else:
        _gen = _ids.get(_i, "permanent")
    _rows.append((names[_i], _gen))
for _n, _g in sorted(_rows):
    print("obj", _n, _g)
'''


def cls(t, fin=False):
    return "C_" + re.sub(r"\W", "_", t) + ("_del" if fin else "")


def trace(text):
    """heapglass lesson --script output -> the trace."""
    out = []
    line = None
    table = []
    count = None
    in_table = False
    header = None

    def flush():
        if line is not None:
            out.append("L%d" % line)

    for raw in text.splitlines():
        m = re.match(r"^\[line (\d+)\] (.*)", raw)
        if m:
            flush()
            # statements with nothing to run in Python leave no mark
            quiet = m.group(2).startswith(("gc.get_count()", "sys.getrefcount("))
            line = None if quiet else int(m.group(1))
            in_table = False
            continue
        if not raw.strip():
            continue
        if raw.startswith("       ") and not in_table:
            s = raw.strip()
            m = re.match(r"^(\S+)\.__del__\(\) runs", s)
            if m:
                out.append("del " + m.group(1))
                continue
            m = re.match(r"^the callback of ref\(\S+, (\w+)\)", s)
            if m:
                out.append("cb " + m.group(1))
                continue
            m = re.match(r"^gc\.collect\(\) returns (\d+)$", s)
            if m:
                out.append("collect " + m.group(1))
                continue
            continue
        m = re.match(r"^      line (\d+): size=(\d+) B, count=(\d+),", raw)
        if m:
            out.append("tm %s %s %s" % m.groups())
            continue
        if raw.startswith("    object  "):
            in_table = True
            header = raw
            table = []
            continue
        if raw.startswith("    gc.get_count() = "):
            m = re.match(r"^    gc\.get_count\(\) = \((\d+), (\d+), (\d+)\)", raw)
            count = m.groups()
            continue
        if in_table and raw.startswith("    ") and not raw.startswith("    freed: ") \
                and not raw.startswith("    (no objects)"):
            table.append(raw)
            continue
        if raw.startswith("    (no objects)"):
            in_table = True
            table = []
            continue
        if not raw.startswith(" "):
            in_table = False
    flush()
    if count:
        out.append("count %s %s %s" % count)
    rows = []
    if header:
        cols = header.split()
        gi = cols.index("gen") if "gen" in cols else None
        for r in table:
            parts = r.split()
            name = parts[0]
            if name.startswith("ref(") or name in CONSTANTS:
                continue
            rows.append((name, parts[gi] if gi is not None else "?"))
    for n, g in sorted(rows):
        out.append("obj %s %s" % (n, g))
    return "\n".join(out) + "\n"


# ---- random lessons ----

class Gen:
    """Random lessons that are valid Python: only bound variables are used,
    and a variable whose object may resurrect is never bound again."""

    def __init__(self, rng):
        self.rng = rng
        self.lines = []
        self.labels = {}      # label -> type
        self.var = {}         # variable -> label
        self.fields = {}      # label -> set of fields set
        self.keys = {}        # dict label -> set of keys
        self.length = {}      # list label -> length
        self.retired = set()  # names never to bind again
        self.n = 0
        self.fin = set()

    def emit(self, s):
        self.lines.append(s)

    def bound(self, kinds=None):
        vs = [v for v, lab in self.var.items()
              if kinds is None or self.labels[lab] in kinds]
        return self.rng.choice(sorted(vs)) if vs else None

    def step(self):
        r = self.rng
        k = r.random()
        inst = ("Node", "Item")
        if not self.var or k < 0.14:
            if len(self.labels) >= 24:
                return
            t = r.choice(["Node", "Node", "Item", "list", "dict"])
            name = "o%d" % self.n
            self.n += 1
            self.emit("new %s %s" % (name, t))
            self.labels[name] = t
            self.var[name] = name
            self.fields[name] = set()
            if t == "dict":
                self.keys[name] = set()
            if t == "list":
                self.length[name] = 0
            return
        if k < 0.40:
            a = self.bound()
            b = self.bound()
            t = self.labels[self.var[a]]
            target = b if r.random() > 0.05 else "None"
            if t in inst:
                f = r.choice("xyz")
                self.emit("link %s.%s %s" % (a, f, target))
                self.fields[self.var[a]].add(f)
            elif t == "dict":
                key = r.choice(["k", "m", "n"])
                self.emit("link %s[%s] %s" % (a, key, target))
                self.keys[self.var[a]].add(key)
            else:
                n = self.length[self.var[a]]
                if n and r.random() < 0.4:
                    self.emit("link %s[%d] %s" % (a, r.randrange(n), target))
                else:
                    self.emit("append %s %s" % (a, target))
                    self.length[self.var[a]] += 1
            return
        if k < 0.47:
            a = self.bound()
            b = self.bound(inst)
            if b is None or self.labels[self.var[a]] not in inst:
                return
            f = r.choice("xyz")
            cb = " cb%d" % r.randrange(2) if r.random() < 0.5 else ""
            self.emit("weak %s.%s %s%s" % (a, f, b, cb))
            self.fields[self.var[a]].add(f)
            return
        if k < 0.57:
            a = self.bound()
            lab = self.var[a]
            t = self.labels[lab]
            if t in inst and self.fields[lab]:
                f = r.choice(sorted(self.fields[lab]))
                self.emit("unlink %s.%s" % (a, f))
                self.fields[lab].discard(f)
            elif t == "dict" and self.keys[lab]:
                key = r.choice(sorted(self.keys[lab]))
                self.emit("unlink %s[%s]" % (a, key))
                self.keys[lab].discard(key)
            elif t == "list" and self.length[lab]:
                self.emit("unlink %s[%d]" % (a, r.randrange(self.length[lab])))
                self.length[lab] -= 1
            return
        if k < 0.62:
            a = self.bound()
            name = "A%d" % r.randrange(4)
            if name in self.retired:
                return
            self.emit("%s = %s" % (name, a))
            self.var[name] = self.var[a]
            return
        if k < 0.78:
            a = self.bound()
            self.emit("del %s" % a)
            del self.var[a]
            if self.var_is_reviving(a):
                self.retired.add(a)
            return
        if k < 0.83:
            a = self.bound(inst)
            if a is None or self.var[a] in self.fin:
                return
            lab = self.var[a]
            # only the object's own variable is rebound by its __del__
            res = r.random() < 0.3 and a == lab
            self.emit("finalizer %s%s" % (a, " resurrect" if res else ""))
            self.fin.add(lab)
            if res:
                self.retired.add(lab)
                self.reviving = getattr(self, "reviving", set()) | {lab}
            return
        if k < 0.95:
            g = r.choice(["", " 0", " 1", " 2"])
            self.emit("collect%s" % g)
            return
        if k < 0.97:
            self.emit(r.choice(["freeze", "unfreeze"]))
            return

    def var_is_reviving(self, a):
        return a in getattr(self, "reviving", set())

    def lesson(self, steps):
        if self.rng.random() < 0.5:
            t = [self.rng.randrange(1, 6), self.rng.randrange(0, 4), self.rng.randrange(0, 4)]
            self.lines.append("threshold %d %d %d" % tuple(t))
        for _ in range(steps):
            self.step()
        self.emit("counts")
        return "\n".join(self.lines) + "\n"


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "topy":
        with open(sys.argv[2], encoding="utf-8") as f:
            try:
                sys.stdout.write(topy(f.read()))
            except Untranslatable as e:
                print("untranslatable:", e, file=sys.stderr)
                sys.exit(3)
        return
    if len(sys.argv) >= 3 and sys.argv[1] == "trace":
        with open(sys.argv[2], encoding="utf-8") as f:
            sys.stdout.write(trace(f.read()))
        return
    if len(sys.argv) == 5 and sys.argv[1] == "random":
        seed, out, rounds = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
        for i in range(rounds):
            g = Gen(random.Random(seed * 100003 + i))
            text = g.lesson(g.rng.randrange(10, 60))
            with open("%s/r%d.lesson" % (out, i), "w", encoding="utf-8") as f:
                f.write(text)
            with open("%s/r%d.py" % (out, i), "w", encoding="utf-8") as f:
                f.write(topy(text))
        return
    if len(sys.argv) >= 2 and sys.argv[1] == "topy-all":
        for path in sys.argv[2:]:
            with open(path, encoding="utf-8") as f:
                text = f.read()
            try:
                prog = topy(text)
            except Untranslatable as e:
                with open(path + ".why", "w", encoding="utf-8") as f:
                    f.write(str(e) + "\n")
                continue
            with open(path + ".py", "w", encoding="utf-8") as f:
                f.write(prog)
        return
    if len(sys.argv) >= 2 and sys.argv[1] == "trace-all":
        for path in sys.argv[2:]:
            with open(path, encoding="utf-8") as f:
                t = trace(f.read())
            with open(path + ".trace", "w", encoding="utf-8") as f:
                f.write(t)
        return
    print(__doc__, file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main()
