# filter.py DIR: sorted rows of DIR/{full,focus}/{nodes,edges}.csv without the objects made after
# the heap was built (the dumper's own constants) -> DIR/*.flt
import sys, csv
from array import array
d = sys.argv[1]
before = array("q")
with open(d + "/before.bin", "rb") as f:
    before.frombytes(f.read())
before = set(before)
for part in ("full", "focus"):
    nodes = open("%s/%s/nodes.csv" % (d, part), encoding="utf-8", errors="surrogateescape").read().split("\n")
    edges = open("%s/%s/edges.csv" % (d, part), encoding="utf-8", errors="surrogateescape").read().split("\n")
    # rows may hold quoted newlines: fine for ids, as the first field is always an id
    info = {}
    for line in nodes[1:]:
        f = line.split(",", 1)
        if f[0].isdigit():
            info[int(f[0])] = line
    # untracked rows end with "untracked"
    keep = set(i for i, l in info.items() if i in before)
    out = {}
    for l in edges[1:]:
        f = l.split(",", 2)
        if len(f) > 2 and f[0].isdigit() and f[1].isdigit():
            out.setdefault(int(f[0]), []).append(int(f[1]))
    todo = list(keep)
    while todo:
        for t in out.get(todo.pop(), ()):
            if t not in keep and t in info and "untracked" in info[t]:
                keep.add(t); todo.append(t)
    with open("%s/%s.nodes.flt" % (d, part), "w", encoding="utf-8", errors="surrogateescape") as fo:
        fo.write("\n".join(sorted(l for l in nodes if l.split(",", 1)[0].isdigit() and int(l.split(",", 1)[0]) in keep)))
    with open("%s/%s.edges.flt" % (d, part), "w", encoding="utf-8", errors="surrogateescape") as fo:
        fo.write("\n".join(sorted(l for l in edges if l.split(",", 1)[0].isdigit() and int(l.split(",", 1)[0]) in keep
                                 and int(l.split(",", 2)[1]) in keep)))
    print(part, "kept", len(keep), "of", len(info))
