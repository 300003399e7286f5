#!/usr/bin/env python3
"""Writes the small HPROF fixtures of tests/fixtures/hprof/ (stdlib only).

    python3 tests/oracles/hprof/gen_fixtures.py [OUTDIR]

Every fixture is written by hand, record by record, so that the unit tests
(tests/unit/test_hprof.c) can check the loader against facts stated here:

  small-id8.hprof    JAVA PROFILE 1.0.2, 8-byte ids, two HEAP_DUMP_SEGMENTs
                     and HEAP_DUMP_END, skipped FRAME/TRACE/START_THREAD
                     records, a second dump after the first (ignored)
  small-id4.hprof    JAVA PROFILE 1.0.1, 4-byte ids, one HEAP_DUMP record
  android.hprof      JAVA PROFILE 1.0.3 (Android ART), 4-byte ids,
                     HEAP_DUMP_INFO, Android root kinds, PRIMITIVE_ARRAY_NODATA,
                     the $classOverhead static, runtime instance sizes
  strings-jdk9.hprof java.lang.String labels, JDK 9+ layout (byte[] + coder)
  strings-jdk8.hprof the same with JDK 8's char[] value, 4-byte ids
  bad-*.hprof        one defect each (see BAD below)

The object graph of small-id8 / small-id4 (ids are the same in both):
  class objects: java.lang.Object 0x100, java.lang.Class 0x101,
      java.lang.ref.Reference 0x102, java.lang.ref.WeakReference 0x103,
      demo.Node 0x104 (next: Object, value: int; static COUNT: int,
      static ALL: Object -> 0x500), demo.Sub 0x105 extends demo.Node
      (extra: Object, flag: boolean), java.lang.Object[] 0x106, int[] 0x107,
      int[][] 0x108, long[] 0x109
  0x200 demo.Node  next -> 0x201, value 7
  0x201 demo.Sub   next -> 0x200, value 8, extra -> 0x500, flag 1
  0x300 java.lang.ref.WeakReference  referent -> 0x200 (weak), queue null
  0x500 java.lang.Object[4] {0x200, null, 0x201, 0xdead (not in the dump)}
  0x600 int[3] {1, 2, 3}
  0x601 int[][1] {0x600}
  0x602 long[1]
  roots: 0x104 sticky class, 0x200 Java frame, 0x300 JNI global,
         0x201 thread object, 0xbeef unknown (not in the dump)
"""
import os
import struct
import sys

T_OBJECT, T_BOOLEAN, T_CHAR, T_FLOAT, T_DOUBLE, T_BYTE, T_SHORT, T_INT, T_LONG = 2, 4, 5, 6, 7, 8, 9, 10, 11
# ART names the statics overhead array class|1 (free there: ART addresses are
# 8-aligned); the fixture's class ids are not, so it uses an id of its own.
OVERHEAD = 0x10104
SIZES = {T_BOOLEAN: 1, T_CHAR: 2, T_FLOAT: 4, T_DOUBLE: 8, T_BYTE: 1, T_SHORT: 2, T_INT: 4, T_LONG: 8}


class Writer:
    def __init__(self, version="1.0.2", idsz=8):
        self.idsz = idsz
        self.out = bytearray(("JAVA PROFILE %s" % version).encode() + b"\0")
        self.out += struct.pack(">IQ", idsz, 1700000000000)
        self.strings = {}
        self.next_str = 0x10000

    def id(self, v):
        return struct.pack(">Q" if self.idsz == 8 else ">I", v)

    def record(self, tag, body, length=None):
        self.out += struct.pack(">BII", tag, 0, len(body) if length is None else length) + body

    def string(self, text):
        if text not in self.strings:
            self.next_str += 1
            self.strings[text] = self.next_str
            self.record(0x01, self.id(self.next_str) + text.encode())
        return self.strings[text]

    def load_class(self, serial, cid, name):
        self.record(0x02, struct.pack(">I", serial) + self.id(cid) + struct.pack(">I", 0) +
                    self.id(self.string(name)))

    def value(self, t, v):
        if t == T_OBJECT:
            return self.id(v)
        fmt = {1: ">B", 2: ">H", 4: ">I", 8: ">Q"}[SIZES[t]]
        return struct.pack(fmt, v)

    # --- sub-records (bytes) ---
    def class_dump(self, cid, super_id, inst_size, statics=(), fields=(), loader=0, cpool=()):
        b = bytearray(b"\x20" + self.id(cid) + struct.pack(">I", 0) + self.id(super_id) +
                      self.id(loader) + self.id(0) * 4 + struct.pack(">I", inst_size))
        b += struct.pack(">H", len(cpool))
        for idx, t, v in cpool:
            b += struct.pack(">HB", idx, t) + self.value(t, v)
        b += struct.pack(">H", len(statics))
        for name, t, v in statics:
            b += self.id(self.string(name)) + bytes([t]) + self.value(t, v)
        b += struct.pack(">H", len(fields))
        for name, t in fields:
            b += self.id(self.string(name)) + bytes([t])
        return bytes(b)

    def instance(self, oid, cid, values):
        data = b"".join(self.value(t, v) for t, v in values)
        return b"\x21" + self.id(oid) + struct.pack(">I", 0) + self.id(cid) + struct.pack(">I", len(data)) + data

    def obj_array(self, oid, cid, elems):
        return (b"\x22" + self.id(oid) + struct.pack(">II", 0, len(elems)) + self.id(cid) +
                b"".join(self.id(e) for e in elems))

    def prim_array(self, oid, t, elems):
        return (b"\x23" + self.id(oid) + struct.pack(">IIB", 0, len(elems), t) +
                b"".join(self.value(t, e) for e in elems))

    def root(self, tag, oid):
        extra = {0x01: self.id(0x77), 0x02: b"\0" * 8, 0x03: struct.pack(">II", 1, 0),
                 0x04: b"\0" * 4, 0x06: b"\0" * 4, 0x08: struct.pack(">II", 1, 0),
                 0x8e: b"\0" * 8}.get(tag, b"")
        return bytes([tag]) + self.id(oid) + extra

    def save(self, path):
        with open(path, "wb") as f:
            f.write(self.out)


def java_classes(w, art=False):
    """LOAD_CLASS records and CLASS_DUMP sub-records of the shared classes."""
    names = [(0x100, "java/lang/Object"), (0x101, "java/lang/Class"), (0x102, "java/lang/ref/Reference"),
             (0x103, "java/lang/ref/WeakReference"), (0x104, "demo/Node"), (0x105, "demo/Sub"),
             (0x106, "[Ljava/lang/Object;"), (0x107, "[I"), (0x108, "[[I"), (0x109, "[J")]
    for serial, (cid, name) in enumerate(names, 1):
        w.load_class(serial, cid, name)
    node_statics = [("COUNT", T_INT, 2), ("ALL", T_OBJECT, 0x500)]
    if art:
        node_statics = [("$classOverhead", T_OBJECT, OVERHEAD)] + node_statics
    subs = [
        w.class_dump(0x100, 0, 8 if art else 0),
        w.class_dump(0x101, 0x100, 120 if art else 8, fields=[("name", T_OBJECT), ("modifiers", T_INT)]),
        w.class_dump(0x102, 0x100, 24 if art else 0, fields=[("referent", T_OBJECT), ("queue", T_OBJECT)]),
        w.class_dump(0x103, 0x102, 24 if art else 0),
        w.class_dump(0x104, 0x100, 16 if art else 0, statics=node_statics,
                     fields=[("next", T_OBJECT), ("value", T_INT)], cpool=[(1, T_OBJECT, 0x601)]),
        w.class_dump(0x105, 0x104, 24 if art else 0, fields=[("extra", T_OBJECT), ("flag", T_BOOLEAN)]),
    ] + [w.class_dump(c, 0x100, 0) for c in (0x106, 0x107, 0x108, 0x109)]
    return subs


def objects(w):
    return [
        # own fields first, then the superclass's (HPROF order)
        w.instance(0x200, 0x104, [(T_OBJECT, 0x201), (T_INT, 7)]),
        w.instance(0x201, 0x105, [(T_OBJECT, 0x500), (T_BOOLEAN, 1), (T_OBJECT, 0x200), (T_INT, 8)]),
        w.instance(0x300, 0x103, [(T_OBJECT, 0x200), (T_OBJECT, 0)]),
        w.obj_array(0x500, 0x106, [0x200, 0, 0x201, 0xdead]),
        w.prim_array(0x600, T_INT, [1, 2, 3]),
        w.obj_array(0x601, 0x108, [0x600]),
        w.prim_array(0x602, T_LONG, [5]),
    ]


def roots(w):
    return [w.root(0x05, 0x104), w.root(0x03, 0x200), w.root(0x01, 0x300), w.root(0x08, 0x201),
            w.root(0xff, 0xbeef)]


def small_id8():
    w = Writer("1.0.2", 8)
    w.record(0x04, w.id(1) + w.id(2) + w.id(3) + w.id(4) + struct.pack(">II", 1, 10))  # FRAME
    subs = java_classes(w)
    w.record(0x05, struct.pack(">III", 1, 1, 0))  # TRACE
    w.record(0x0a, struct.pack(">I", 1) + w.id(0x201) + struct.pack(">I", 1) + w.id(1) + w.id(2) + w.id(3))
    objs = objects(w)
    w.record(0x1c, b"".join(roots(w) + subs))
    w.record(0x1c, b"".join(objs))
    w.record(0x2c, b"")
    # a second dump in the same file: the loader reads the first one only
    w.record(0x1c, w.instance(0x999, 0x104, [(T_OBJECT, 0), (T_INT, 1)]))
    w.record(0x2c, b"")
    return w


def small_id4():
    w = Writer("1.0.1", 4)
    subs = java_classes(w)
    objs = objects(w)
    w.record(0x0c, b"".join(subs + objs + roots(w)))
    return w


def android():
    """ART: the class statics overhead is a byte[] (OVERHEAD); heaps are
    named by HEAP_DUMP_INFO; instance sizes are the runtime's."""
    w = Writer("1.0.3", 4)
    subs = java_classes(w, art=True)
    app, zygote = w.string("app"), w.string("zygote")
    info = lambda heap, name: b"\xfe" + struct.pack(">I", heap) + w.id(name)
    # ART writes objects in heap order: here the instances come before the
    # CLASS_DUMPs of their classes
    body = [info(ord("A"), app)] + objects(w)
    body += [info(ord("Z"), zygote), w.prim_array(OVERHEAD, T_BYTE, [0] * 10)] + subs
    body += [b"\xc3" + w.id(0x700) + struct.pack(">IIB", 0, 100, T_CHAR)]  # PRIMITIVE_ARRAY_NODATA
    body += [w.root(t, 0x200) for t in (0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e)]
    body += [b"\x90" + w.id(0x201)]  # UNREACHABLE: not a root
    w.record(0x1c, b"".join(body))
    w.record(0x2c, b"")
    return w


def strings(jdk9):
    """java.lang.String instances: JDK 9+ (byte[] value + coder; 8-byte ids)
    or JDK 8 (char[] value; 4-byte ids).  Labels expected by the tests:
      0x800 "hello"             0x801 "h\u00e9llo\u20ac" (UTF-16 in JDK 9+)
      0x802 50 x "a" -> 40 x "a" + "..."     0x803 "" (empty)
      0x804 value array missing -> no label"""
    w = Writer("1.0.2", 8 if jdk9 else 4)
    w.load_class(1, 0x100, "java/lang/Object")
    w.load_class(2, 0x110, "java/lang/String")
    if jdk9:
        fields = [("value", T_OBJECT), ("coder", T_BYTE), ("hash", T_INT)]
    else:
        fields = [("value", T_OBJECT), ("hash", T_INT)]
    subs = [w.class_dump(0x100, 0, 0), w.class_dump(0x110, 0x100, 0, fields=fields)]
    texts = ["hello", "h\u00e9llo\u20ac", "a" * 50, ""]
    for i, text in enumerate(texts):
        sid, aid = 0x800 + i, 0x900 + i
        if jdk9:
            latin = all(ord(ch) < 256 for ch in text)
            data = text.encode("latin-1") if latin else text.encode("utf-16-le")
            subs.append(w.prim_array(aid, T_BYTE, list(data)))
            subs.append(w.instance(sid, 0x110, [(T_OBJECT, aid), (T_BYTE, 0 if latin else 1), (T_INT, 0)]))
        else:
            subs.append(w.prim_array(aid, T_CHAR, [ord(ch) for ch in text]))
            subs.append(w.instance(sid, 0x110, [(T_OBJECT, aid), (T_INT, 0)]))
    if jdk9:
        subs.append(w.instance(0x804, 0x110, [(T_OBJECT, 0x9ff), (T_BYTE, 0), (T_INT, 0)]))
    else:
        subs.append(w.instance(0x804, 0x110, [(T_OBJECT, 0x9ff), (T_INT, 0)]))
    w.record(0x1c, b"".join(subs))
    w.record(0x2c, b"")
    return w


def bad(kind):
    """One defect each; the loader must refuse it with one clear line."""
    if kind == "idsize":
        w = Writer("1.0.2", 8)
        w.out[19:23] = struct.pack(">I", 6)
        return w
    if kind == "version":
        return Writer("1.0.9", 8)
    w = Writer("1.0.2", 8)
    subs = java_classes(w)
    objs = objects(w)
    if kind == "tag":
        w.record(0x1c, b"".join(subs))
        w.record(0x55, b"xx")
    elif kind == "subtag":
        w.record(0x1c, b"".join(subs) + b"\x42" + w.id(1))
    elif kind == "loop":
        # demo.Node's superclass is demo.Sub, whose superclass is demo.Node
        subs[4] = w.class_dump(0x104, 0x105, 0, fields=[("next", T_OBJECT), ("value", T_INT)])
        w.record(0x1c, b"".join(subs + objs))
    elif kind == "fields":
        # a demo.Node instance with 9 bytes of field values; the class says 12
        w.record(0x1c, b"".join(subs + [w.instance(0x200, 0x104, [(T_OBJECT, 0), (T_BYTE, 1)])]))
    elif kind == "count":
        # an object array claiming 2^32-1 elements inside a small record
        arr = b"\x22" + w.id(0x500) + struct.pack(">II", 0, 0xffffffff) + w.id(0x106) + w.id(0x200)
        w.record(0x1c, b"".join(subs) + arr)
    elif kind == "reclen":
        # a record whose length runs past the end of the file
        w.record(0x1c, b"".join(subs), length=0xfffffff0)
    elif kind == "duplicate":
        w.record(0x1c, b"".join(subs + objs + [objs[0]]))
    elif kind == "fieldtype":
        subs[4] = w.class_dump(0x104, 0x100, 0, fields=[("next", 3)])
        w.record(0x1c, b"".join(subs))
    elif kind == "nodump":
        pass
    return w


BAD = ["idsize", "version", "tag", "subtag", "loop", "fields", "count", "reclen", "duplicate",
       "fieldtype", "nodump"]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "hprof")
    os.makedirs(out, exist_ok=True)
    small_id8().save(os.path.join(out, "small-id8.hprof"))
    small_id4().save(os.path.join(out, "small-id4.hprof"))
    strings(True).save(os.path.join(out, "strings-jdk9.hprof"))
    strings(False).save(os.path.join(out, "strings-jdk8.hprof"))
    android().save(os.path.join(out, "android.hprof"))
    for kind in BAD:
        bad(kind).save(os.path.join(out, "bad-%s.hprof" % kind))


if __name__ == "__main__":
    main()
