# compare.py OUTS: the filtered rows (filter.py) of OUTS/cA and OUTS/cB; rows that differ beyond
# the refcount of shared untracked atoms (and the ids of the classes the dumpers import
# made, as keys of type.__subclasses__ dicts) are printed and counted.
import sys
base = sys.argv[1] + "/"
bad = 0
rc_only = 0
for x in ("full.nodes", "full.edges", "focus.nodes", "focus.edges"):
    a = open(base + "cA/" + x + ".flt", encoding="utf-8", errors="surrogateescape").read().split("\n")
    b = open(base + "cB/" + x + ".flt", encoding="utf-8", errors="surrogateescape").read().split("\n")
    if a == b:
        continue
    # noise: the ids of classes made by the dumper's import (ctypes, 3.11+) as keys
    # of type.__subclasses__ dicts: int nodes holding addresses, and (key) rows
    def noise(l):
        f = l.split(",")
        return (len(f) > 4 and f[1] == "int" and f[2] == "32" and f[3].isdigit() and int(f[3]) > 1 << 40
                and f[4] == "1") or l.endswith(",(key),,")
    a = [l for l in a if not noise(l)]
    b = [l for l in b if not noise(l)]
    sa, sb = set(a), set(b)
    only_a = sorted(sa - sb); only_b = sorted(sb - sa)
    if x.endswith("nodes"):
        ka = {l.split(",", 1)[0]: l for l in only_a}
        kb = {l.split(",", 1)[0]: l for l in only_b}
        for k in sorted(set(ka) | set(kb)):
            la, lb = ka.get(k), kb.get(k)
            if la and lb:
                fa, fb = la.split(","), lb.split(",")
                if len(fa) == len(fb) and fa[:4] == fb[:4] and fa[5:] == fb[5:] and "untracked" in fa[-1]:
                    rc_only += 1
                    continue
            bad += 1
            if bad <= 20:
                print(x, "A:", la, "| B:", lb)
    else:
        for l in only_a[:10]: print(x, "A only:", l)
        for l in only_b[:10]: print(x, "B only:", l)
        bad += len(only_a) + len(only_b)
print("rows differing beyond shared atoms' refcounts: %d (refcount-only: %d)" % (bad, rc_only))
