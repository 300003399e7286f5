#!/usr/bin/env python3
# Rewrites a genheap CSV heap (bench/tui/genheap.c) as a Python dump looks: ids are addresses
# (shuffled), edges.csv has CRLF rows, a refcount column, and a quoted name with a comma, quotes
# and a newline every 1000 nodes / 5000 edges.  usage: bench/csv-pylike.py SRC_DIR DST_DIR
# (bench/csv-results-2026-12-07.txt: the Python-like 500k heap)
import csv
import os
import random
import sys

src, dst = sys.argv[1], sys.argv[2]
rnd = random.Random(7)
n = sum(1 for _ in open(src + "/nodes.csv")) - 1
perm = list(range(n + 1)); rnd.shuffle(perm)
base = 0x7f3a00000000
def m(x): return str(base + 48 * perm[int(x)])
os.makedirs(dst, exist_ok=True)
with open(src + "/nodes.csv", newline="") as f, open(dst + "/nodes.csv", "w", newline="") as g:
    r = csv.reader(f); w = csv.writer(g, lineterminator="\n")
    w.writerow(next(r) + ["refcount"])
    for i, row in enumerate(r):
        row[0] = m(row[0])
        if i % 1000 == 7: row[3] = 'quo"ted, name\nwith newline %d' % i
        w.writerow(row + [str(i % 13)])
with open(src + "/edges.csv", newline="") as f, open(dst + "/edges.csv", "w", newline="") as g:
    r = csv.reader(f); w = csv.writer(g, lineterminator="\r\n")
    w.writerow(next(r))
    for i, row in enumerate(r):
        row[0] = m(row[0]); row[1] = m(row[1])
        if i % 5000 == 3: row[2] = 'edge, "name"\nx'
        w.writerow(row)
