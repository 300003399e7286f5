#!/usr/bin/env python3
"""Checks `heapglass cycles --json --top 0` on the two dumps of
tests/oracles/cycles/java/Shapes.java against the dumps themselves
(stdlib only; the script reads the HPROF files on its own).

    check.py ALL.hprof ALL.json LIVE.hprof LIVE.json

ALL is the dump taken with `-all` before Shapes loaded its extra classes
(it holds the garbage ring), LIVE the live dump taken after.  The planted
objects are found in each dump by their class and the int `tag` the program
gave them (Shapes.java's table), and:
  - each planted shape is one user cycle whose members are exactly its
    objects (by id), live, and the garbage ring one marked garbage;
  - the N owner <-> pet pairs are N cycles of one pattern of N instances;
  - no cycle holds a control object (tree, WeakHashMap and WeakReference
    back-pointers, finalizable and cleanable objects, the extra classes'
    singletons), a class object or a class loader, or a Finalizer or
    Cleaner link;
  - no cycle is there but the planted ones, in either dump: the extra
    classes left the user's rows unchanged.
Prints one line per finding; exits 1 on the first mismatch."""
import json
import struct
import sys

T_OBJECT = 2
SIZES = {4: 1, 5: 2, 6: 4, 7: 8, 8: 1, 9: 2, 10: 4, 11: 8}
PAIRS = 12


class Dump:
    """The classes, instances and object arrays of one HPROF heap dump."""

    def __init__(self, path):
        with open(path, "rb") as f:
            data = f.read()
        end = data.index(b"\0")
        self.idsz = struct.unpack(">I", data[end + 1:end + 5])[0]
        self.strings, names, self.classes = {}, {}, {}
        self.instances, self.arrays = {}, {}
        pos = end + 1 + 4 + 8
        while pos < len(data):
            tag = data[pos]
            length = struct.unpack(">I", data[pos + 5:pos + 9])[0]
            body = pos + 9
            if tag == 0x01:
                self.strings[self.rid(data, body)] = data[body + self.idsz:body + length].decode("utf-8", "replace")
            elif tag == 0x02:
                names[self.rid(data, body + 4)] = self.rid(data, body + 8 + self.idsz)
            elif tag in (0x0C, 0x1C):
                self.heap(data, body, body + length)
            pos = body + length
        for cid, c in self.classes.items():
            c["name"] = self.strings.get(names.get(cid), "").replace("/", ".")
        self.loaders = {c["loader"] for c in self.classes.values()} - {0}

    def rid(self, data, at):
        return int.from_bytes(data[at:at + self.idsz], "big")

    def heap(self, data, p, end):
        I = self.idsz
        roots = {0x01: 2 * I, 0x02: I + 8, 0x03: I + 8, 0x04: I + 4, 0x05: I, 0x06: I + 4,
                 0x07: I, 0x08: I + 8, 0x89: I, 0x8a: I, 0x8b: I, 0x8c: I, 0x8d: I,
                 0x8e: I + 8, 0xff: I}
        while p < end:
            sub = data[p]
            p += 1
            if sub in roots:
                p += roots[sub]
            elif sub == 0x20:
                cid, sup, loader = self.rid(data, p), self.rid(data, p + I + 4), self.rid(data, p + 2 * I + 4)
                p += 7 * I + 8
                n, p = struct.unpack(">H", data[p:p + 2])[0], p + 2
                for _ in range(n):    # constant pool: u2 index, u1 type, value
                    t = data[p + 2]
                    p += 3 + (I if t == T_OBJECT else SIZES[t])
                n, p = struct.unpack(">H", data[p:p + 2])[0], p + 2
                for _ in range(n):    # statics: name id, u1 type, value
                    t = data[p + I]
                    p += I + 1 + (I if t == T_OBJECT else SIZES[t])
                fields = []
                n, p = struct.unpack(">H", data[p:p + 2])[0], p + 2
                for _ in range(n):    # instance fields: name id, u1 type
                    fields.append((self.strings.get(self.rid(data, p), "?"), data[p + I]))
                    p += I + 1
                self.classes[cid] = {"super": sup, "loader": loader, "fields": fields}
            elif sub == 0x21:
                oid, cid = self.rid(data, p), self.rid(data, p + I + 4)
                n = struct.unpack(">I", data[p + 2 * I + 4:p + 2 * I + 8])[0]
                start = p + 2 * I + 8
                self.instances[oid] = (cid, data[start:start + n])
                p = start + n
            elif sub == 0x22:
                oid = self.rid(data, p)
                n = struct.unpack(">I", data[p + I + 4:p + I + 8])[0]
                start = p + 2 * I + 8
                self.arrays[oid] = [self.rid(data, start + k * I) for k in range(n)]
                p = start + n * I
            elif sub == 0x23:
                n = struct.unpack(">I", data[p + I + 4:p + I + 8])[0]
                p += I + 9 + n * SIZES[data[p + I + 8]]
            else:
                raise ValueError("sub-record 0x%02x at %d: not written by HotSpot" % (sub, p - 1))

    def type_of(self, oid):
        return self.classes[self.instances[oid][0]]["name"]

    def fields(self, oid):
        """An instance's field values by name (own class first, as laid out)."""
        cid, raw = self.instances[oid]
        out, at = {}, 0
        while cid in self.classes:
            for name, t in self.classes[cid]["fields"]:
                size = self.idsz if t == T_OBJECT else SIZES[t]
                value = int.from_bytes(raw[at:at + size], "big", signed=(t != T_OBJECT))
                out.setdefault(name, value)
                at += size
            cid = self.classes[cid]["super"]
        return out

    def tagged(self, cls, lo, hi):
        """Ids of the instances of cls whose tag is in lo..hi, by tag."""
        found = {}
        for oid, (cid, _) in self.instances.items():
            if self.classes.get(cid, {}).get("name") == cls:
                tag = self.fields(oid)["tag"]
                if lo <= tag <= hi:
                    found[tag] = oid
        return found


def fail(msg):
    print(msg)
    sys.exit(1)


def shapes(d, garbage):
    """The planted shapes of dump d: (name, member ids, garbage?)."""
    out = []

    def need(cls, lo, hi):
        got = d.tagged(cls, lo, hi)
        if sorted(got) != list(range(lo, hi + 1)):
            fail("the dump holds %s tags %s, not %d..%d" % (cls, sorted(got), lo, hi))
        return got

    out.append(("ring", set(need("CyRing", 1000, 1006).values()), False))
    out.append(("doubly linked list", set(need("CyDNode", 2000, 2005).values()), False))
    out.append(("self loop", set(need("CySelf", 3000, 3000).values()), False))
    parent = need("CyParent", 4000, 4000)[4000]
    children = d.fields(parent)["children"]
    out.append(("parent <-> children", {parent, children, d.fields(children)["elementData"]} |
                set(need("CyChild", 4001, 4004).values()), False))
    owners, pets = need("CyOwner", 5000, 5000 + PAIRS - 1), need("CyPet", 5100, 5100 + PAIRS - 1)
    for i in range(PAIRS):
        if d.fields(owners[5000 + i])["pet"] != pets[5100 + i]:
            fail("owner %d does not hold pet %d" % (5000 + i, 5100 + i))
        out.append(("owner <-> pet %d" % i, {owners[5000 + i], pets[5100 + i]}, False))
    # the HashMap that holds itself: the node whose value is the map
    maps = [(oid, d.fields(oid)) for oid in d.instances if d.type_of(oid) == "java.util.HashMap$Node"]
    self_maps = [(oid, f["value"]) for oid, f in maps
                 if f["value"] in d.instances and d.type_of(f["value"]) == "java.util.HashMap" and
                 oid in d.arrays.get(d.fields(f["value"])["table"], [])]
    if len(self_maps) != 1:
        fail("%d HashMaps hold themselves in the dump, 1 planted" % len(self_maps))
    node, hmap = self_maps[0]
    out.append(("self-containing HashMap", {hmap, d.fields(hmap)["table"], node}, False))
    if garbage:
        out.append(("garbage ring", set(need("CyGarbage", 9000, 9002).values()), True))
    return out


def controls(d):
    """Ids that must be in no cycle, by what they are.  The references
    that make the controls tempting must be in the dump: weak referents,
    finalizer and cleaner registrations, an exception that is its own
    cause."""
    out = {}
    for cls in ("CyTree", "CyRegistry", "CyItem", "CyWidget", "CyListener", "CyFinal", "CyClean", "CyFailure"):
        for oid in d.tagged(cls, 0, 1 << 30).values():
            out[oid] = cls
    referents = {}
    for oid, (cid, _) in d.instances.items():
        name = d.classes.get(cid, {}).get("name", "")
        if name.startswith("Cyx") or name.startswith("jdk.internal.ref.CleanerImpl") or name in (
                "java.lang.ref.Finalizer", "java.util.WeakHashMap", "java.util.WeakHashMap$Entry",
                "java.lang.ref.WeakReference", "java.lang.IllegalStateException"):
            out[oid] = name
            ref = d.fields(oid).get("referent")
            if ref in d.instances:
                key = (name, d.type_of(ref))
                referents[key] = referents.get(key, 0) + 1
    for key, n in ((("java.lang.ref.Finalizer", "CyFinal"), 3),
                   (("jdk.internal.ref.CleanerImpl$PhantomCleanableRef", "CyClean"), 3),
                   (("java.util.WeakHashMap$Entry", "CyItem"), 3),
                   (("java.lang.ref.WeakReference", "CyWidget"), 1)):
        if referents.get(key, 0) != n:
            fail("the dump holds %d %s referring to a %s, %d planted" % (referents.get(key, 0), key[0], key[1], n))
    causes = [oid for oid, name in out.items() if name == "java.lang.IllegalStateException" and
              d.fields(oid)["cause"] == oid]
    if len(causes) != 1:
        fail("%d IllegalStateExceptions are their own cause, 1 planted" % len(causes))
    for cid in d.classes:
        out[cid] = "class object"
    for oid in d.loaders:
        out[oid] = "class loader"
    return out


def check(label, d, js, garbage):
    cycles = js["cycles"]
    by_member = {}
    for c in cycles:
        if len(c["members"]) != c["size"]:
            fail("%s: cycle %s lists %d members, size %d" % (label, c["index"], len(c["members"]), c["size"]))
        for m in c["members"]:
            by_member[m["id"]] = c
    planted = shapes(d, garbage)
    seen = set()
    for name, ids, is_garbage in planted:
        c = by_member.get(next(iter(ids)))
        if c is None:
            fail("%s: the %s is in no cycle" % (label, name))
        got = {m["id"] for m in c["members"]}
        if got != ids:
            fail("%s: the %s's cycle has %d members (%s), %d planted" %
                 (label, name, len(got), ", ".join(sorted(m["type"] for m in c["members"])), len(ids)))
        if bool(c["garbage"]) != is_garbage:
            fail("%s: the %s's cycle is marked garbage=%s" % (label, name, c["garbage"]))
        seen.add(c["index"])
    ctl = controls(d)
    for c in cycles:
        for m in c["members"]:
            if m["id"] in ctl:
                fail("%s: cycle %s holds a %s (%s)" % (label, c["index"], ctl[m["id"]], m["type"]))
    extra = [c for c in cycles if c["index"] not in seen]
    if extra:
        fail("%s: %d cycles were not planted, first: %s" %
             (label, len(extra), ", ".join(m["type"] for m in extra[0]["members"][:12])))
    print("%s: %d cycles, exactly the planted shapes (%d garbage)" %
          (label, len(cycles), sum(1 for c in cycles if c["garbage"])))
    if js.get("graph") != "user" or js.get("runtime", {}).get("objects", 0) < 1000:
        fail("%s: graph %r, runtime core %r: the user graph's cycles and the raw graph's core "
             "summarised expected" % (label, js.get("graph"), js.get("runtime")))
    pairs = {by_member[next(iter(ids))]["pattern"] for name, ids, _ in planted if name.startswith("owner")}
    if len(pairs) != 1:
        fail("%s: the %d owner <-> pet cycles fall in %d patterns" % (label, PAIRS, len(pairs)))
    pair_pattern = pairs.pop()
    pat = [p for p in js["patterns"] if p["pattern"] == pair_pattern][0]
    if pat["instances"] != PAIRS or pat["objects"] != 2 * PAIRS:
        fail("%s: the owner <-> pet pattern has %d instances, %d objects" % (label, pat["instances"], pat["objects"]))
    if pat["signature"] not in ("CyOwner -pet-> CyPet -owner-> CyOwner", "CyPet -owner-> CyOwner -pet-> CyPet"):
        fail("%s: the owner <-> pet pattern's signature is %r" % (label, pat["signature"]))
    others = [p for p in js["patterns"] if p is not pat]
    if len(others) != len(planted) - PAIRS or any(p["instances"] != 1 for p in others):
        fail("%s: %d other patterns (%s), %d planted shapes of one cycle each" %
             (label, len(others), "; ".join(p["signature"] for p in others), len(planted) - PAIRS))
    print("%s: %d patterns, one of %d instances: %s" % (label, len(js["patterns"]), PAIRS, pat["signature"]))


def rows(js):
    """The live cycles of a --json output as comparable rows: the member
    types, the pattern's signature when there are patterns."""
    sig = {p["pattern"]: p["signature"] for p in js.get("patterns", [])}
    return sorted((tuple(sorted(m["type"] for m in c["members"])), sig.get(c.get("pattern"), ""))
                  for c in js["cycles"] if not c["garbage"])


def main():
    all_hprof, all_json, live_hprof, live_json = sys.argv[1:5]
    found = []
    for label, hprof, js, garbage in (("-all dump", all_hprof, all_json, True),
                                      ("live dump after 40 more classes", live_hprof, live_json, False)):
        with open(js) as f:
            data = json.load(f)
        check(label, Dump(hprof), data, garbage)
        found.append(rows(data))
    if found[0] != found[1]:
        fail("the live cycles differ between the dumps: %s" %
             sorted(set(found[0]) ^ set(found[1]))[:4])
    print("the %d live cycles are the same in both dumps" % len(found[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
