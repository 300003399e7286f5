#!/usr/bin/env python3
"""Writes snapshots built to make a loader pay N x L (issue 22, item 3).

    python3 bench/nxl/gen.py v8|hprof hostile|plain OUT [MEGABYTES]
    python3 bench/nxl/gen.py all DIR [MEGABYTES]

all: the four files, DIR/{v8,hprof}-{hostile,plain} (one interpreter start
instead of four: a pyenv shim alone can take a second or two).

hostile: about half the file is one long string of L bytes, and the rest
is N small records that all name it, so a loader that copies, hashes or
scans the string once per record (instead of once per distinct string)
does N x L work: about 10^12 byte operations for 10 MB.

  v8     N native objects with detachedness 2 (detached DOM: DevTools renames
         them "Detached <name>") named '<' + L x 'x' + ' y>' (DevTools cuts
         the type at the first space: the whole string is scanned), and N
         edges named by the string
  hprof  one UTF8 record of L bytes that names: a class of which N object
         arrays are dumped without its CLASS_DUMP (the class name is looked
         up per array), N classes (LOAD_CLASS + CLASS_DUMP), N instance
         fields and N object statics, and N HEAP_DUMP_INFO heap names

plain: the same records, each with its own short name, for the bench's
baseline (MB/s of an ordinary file of the same size).

Both are valid snapshots that heapglass loads; stdlib only.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "oracles", "hprof"))
from gen_fixtures import T_OBJECT, T_INT, Writer  # noqa: E402

V8_META = ('{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],'
           '"node_types":[["hidden","array","string","object","code","closure","regexp","number",'
           '"native","synthetic"],"string","number","number","number","number","number"],'
           '"edge_fields":["type","name_or_index","to_node"],'
           '"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],'
           '"string_or_number","node"]}')


def v8(hostile, size):
    """A root (synthetic) holding n native objects, each with an edge named
    by the long string (hostile) or by a name of its own (plain)."""
    # per object: its node (~22 bytes) and one edge (~13 bytes); plain:
    # and its own name (~21 bytes)
    n = max(1, size // 2 // 35) if hostile else max(1, size // 60)
    long_len = size - n * 35 if hostile else 0
    nf = 7
    parts = ['{"snapshot":{"meta":%s,"node_count":%d,"edge_count":%d},\n"nodes":[' % (V8_META, n + 1, n)]
    # strings: 0 "", 1 "(root)", 2 the long name (or names 2.. n+1)
    rows = ["9,1,1,0,%d,0,0" % n]
    for i in range(n):
        name = 2 if hostile else 2 + i
        rows.append("8,%d,%d,32,0,0,2" % (name, 3 + 2 * i))
    parts.append(",\n".join(rows))
    parts.append('],\n"edges":[')
    rows = []
    for i in range(n):
        name = 2 if hostile else 2 + i
        rows.append("2,%d,%d" % (name, (i + 1) * nf))
    parts.append(",\n".join(rows))
    parts.append('],\n"strings":["","(root)",')
    if hostile:
        parts.append('"<%s y>"' % ("x" * max(16, long_len)))
    else:
        parts.append(",".join('"<div id=\\"n%d\\">"' % i for i in range(n)))
    parts.append("]}\n")
    return "".join(parts).encode()


def hprof(hostile, size):
    w = Writer("1.0.3", 8)
    # per unit: a class with a field and a static (~130 bytes), an array of
    # the class without a dump (~25) and a heap name record (~13); plain:
    # and its own name (~26)
    unit = 168
    n = max(1, size // 2 // unit) if hostile else max(1, size // (unit + 26))
    long_name = "L" + "x" * max(16, size - n * unit - 2000) + ";" if hostile else None

    def name(i):
        return long_name if hostile else "demo/C%d" % i

    w.load_class(1, 0x100, "java/lang/Object")
    w.load_class(2, 0x101, "[Ljava/lang/Object;")
    # the class of the arrays: named, never dumped
    w.load_class(3, 0x102, name(0) if hostile else "[Ldemo/Arr;")
    subs = [w.class_dump(0x100, 0, 0), w.class_dump(0x101, 0x100, 0)]
    for i in range(n):
        cid = 0x1000 + i
        w.load_class(10 + i, cid, name(i))
        subs.append(w.class_dump(cid, 0x100, 4, statics=[(name(i), T_OBJECT, 0x100)],
                                 fields=[(name(i), T_INT)]))
    body = []
    for i in range(n):
        # HEAP_DUMP_INFO: the heap's name (ART)
        body.append(b"\xfe" + struct.pack(">I", i & 0xff) + w.id(w.string(name(i))))
        body.append(w.obj_array(0x10000000 + i, 0x102, []))
    body.append(w.root(0x05, 0x100))
    w.record(0x1c, b"".join(subs + body))
    w.record(0x2c, b"")
    return bytes(w.out)


def write(fmt, kind, out, size):
    data = (v8 if fmt == "v8" else hprof)(kind == "hostile", size)
    with open(out, "wb") as f:
        f.write(data)


def megabytes(arg):
    return int(float(arg) * 1e6) if arg is not None else 10 ** 7


def main():
    a = sys.argv[1:]
    if len(a) in (2, 3) and a[0] == "all":
        for fmt in ("v8", "hprof"):
            for kind in ("hostile", "plain"):
                write(fmt, kind, os.path.join(a[1], "%s-%s" % (fmt, kind)), megabytes(a[2] if len(a) > 2 else None))
        return
    if len(a) not in (3, 4) or a[0] not in ("v8", "hprof") or a[1] not in ("hostile", "plain"):
        sys.exit(__doc__)
    write(a[0], a[1], a[2], megabytes(a[3] if len(a) > 3 else None))


if __name__ == "__main__":
    main()
