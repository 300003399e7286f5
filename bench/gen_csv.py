#!/usr/bin/env python3
"""Writes a random heapglass CSV snapshot: N objects, about 4 references each.

usage: gen_csv.py DIR N [SEED]
Objects get ids like addresses, a few types, sizes 16..1024, generations
0..2; 1% are roots; references are mostly local (like real heaps) with some
long-range ones, a few weak.
"""
import os
import random
import sys


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    os.makedirs(out, exist_ok=True)
    types = ["dict", "list", "tuple", "str", "int", "Node", "function", "cell", "frame", "Leaf"]
    base = 0x7F0000000000
    with open(os.path.join(out, "nodes.csv"), "w") as f:
        f.write("id,type,size,name,refcount,generation,root\n")
        lines = []
        for i in range(n):
            lines.append("%d,%s,%d,n%d,%d,%d,%s\n" % (
                base + 16 * i, types[i % 10], 16 + (i * 37) % 1009, i % 1000,
                1 + i % 4, i % 3, "stack" if i % 100 == 0 else ""))
            if len(lines) >= 100000:
                f.write("".join(lines))
                lines = []
        f.write("".join(lines))
    with open(os.path.join(out, "edges.csv"), "w") as f:
        f.write("from,to,name,kind\n")
        lines = []
        for i in range(n):
            src = base + 16 * i
            for k in range(4):
                j = (i + rnd.randint(1, 50)) % n if k < 3 else rnd.randrange(n)
                lines.append("%d,%d,f%d,%s\n" % (src, base + 16 * j, k,
                                                 "weak" if k == 3 and i % 7 == 0 else ""))
            if len(lines) >= 100000:
                f.write("".join(lines))
                lines = []
        f.write("".join(lines))


if __name__ == "__main__":
    main()
