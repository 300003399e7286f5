#!/bin/sh
# Attribute names on every CPython installed (pyenv 3.8 .. 3.13), 3.11+'s
# inline attributes included: tests/oracles/python/names.py plants
# instances of many layouts with copies, dumps, and check_names.py compares
# the dump's names with vars() of the copies (and the process's count of
# objects and dicts before and after the dump).  Then heapglass itself: the
# path to a planted a.alpha -> b, b.gamma -> a pair (plain and __slots__)
# ends with alpha (through a's __dict__ on 3.8-3.10), and the export of the garbage pair's cycle names both.
. tests/e2e/lib.sh
. tests/oracles/python/pythons.sh
ORACLE=$TOP/tests/oracles/python

field() { # $1 = expected.json, $2 = key
	sed -n "s/.*\"$2\": \\([0-9]*\\).*/\\1/p" "$1"
}

python_list >"$TMP/pythons"
while read -r v py; do
	if [ "$py" = - ]; then skip "CPython $v: not installed"; continue; fi
	d=$TMP/$v
	if ! "$py" "$ORACLE/names.py" "$d" >"$TMP/names.out" 2>&1; then
		notok "$v names.py failed: $(tail -n 3 "$TMP/names.out")"
		continue
	fi
	"$py" "$ORACLE/check_names.py" "$d"
	for pair in live slot; do
		a=$(field "$d/expected.json" ${pair}_a)
		b=$(field "$d/expected.json" ${pair}_b)
		run_cmd "$BIN" path "$d/dump" "$b" --json
		if "$py" - "$TMP/out" "$a" "$b" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["path"]
a, b = int(sys.argv[2]), int(sys.argv[3])
# a -alpha-> b, or (3.8-3.10, a's dict is an object) a -__dict__-> dict -alpha-> b
direct = len(p) >= 2 and p[-2]["id"] == a
through = len(p) >= 3 and p[-3]["id"] == a and p[-2]["edge"] == "__dict__"
sys.exit(0 if p[-1]["id"] == b and p[-1]["edge"] == "alpha" and (direct or through) else 1)
PY
		then
			ok "$v path to the $pair pair's b ends a -alpha-> b"
		else
			notok "$v path to the $pair pair's b: $(tr -d '\n ' <"$TMP/out" | head -c 400)"
		fi
	done
	# one meaning per word: info's roots are the viewer's, its collectable
	# objects are what `unreachable` lists, its untracked ones the dump's
	run_cmd "$BIN" info --json "$d/dump"
	cp "$TMP/out" "$d/info.json"
	run_cmd "$BIN" unreachable --json --top 1 "$d/dump"
	cp "$TMP/out" "$d/unreachable.json"
	: >"$TMP/nokeys"
	run_cmd "$BIN" "$d/dump" --keys "$TMP/nokeys" --dump-screen "$d/overview" --size 160x24
	if "$py" - "$d" <<'PY'
import json, os, re, sys
d = sys.argv[1]
info = json.load(open(os.path.join(d, "info.json")))
unr = json.load(open(os.path.join(d, "unreachable.json")))
screen = open(os.path.join(d, "overview"), encoding="utf-8").read()
roots = int(re.search(r"([0-9,]+) roots", screen).group(1).replace(",", ""))
garbage = re.search(r"Unreachable +([0-9,]+) objects.*gc.collect\(\) frees ([0-9,]+)", screen)
untracked = sum(1 for line in open(os.path.join(d, "dump", "nodes.csv"), encoding="utf-8",
                                   errors="replace") if "untracked" in line.rsplit(",", 1)[-1])
got = (info["roots"], info["unreachable"]["objects"], info["collectable"]["objects"],
       info["untracked"])
want = (roots, int(garbage.group(1).replace(",", "")), unr["count"], untracked)
assert got == want and int(garbage.group(2).replace(",", "")) == unr["count"], (got, want)
PY
	then
		ok "$v info, the viewer and unreachable agree on roots, unreachable, collectable and untracked"
	else
		notok "$v info, the viewer and unreachable disagree: $(grep -E 'roots|Unreachable' "$d/overview" | head -c 300)"
	fi
	ring=$(field "$d/expected.json" ring_a)
	run_cmd "$BIN" cycles "$d/dump" --json --top 0
	n=$("$py" - "$TMP/out" "$ring" <<'PY'
import json, sys
for c in json.load(open(sys.argv[1]))["cycles"]:
    if any(m["id"] == int(sys.argv[2]) for m in c["members"]):
        print(c["index"])
PY
)
	if [ -z "$n" ]; then notok "$v the garbage pair is in no cycle"; continue; fi
	run_cmd "$BIN" export "$d/dump" --cycle "$n" -o "$d/ring.dot"
	if [ "$rc" -eq 0 ] && grep -q 'hg_name=alpha' "$d/ring.dot" && grep -q 'hg_name=gamma' "$d/ring.dot"; then
		ok "$v the garbage pair's cycle ($n) exports with alpha and gamma"
	else
		notok "$v export of cycle $n: exit $rc, names $(grep -o 'hg_name=[a-z_]*' "$d/ring.dot" 2>/dev/null | sort -u | tr '\n' ' ')"
	fi
	# An exception kept by a local of the frame it was raised through: the
	# references of the exception and its traceback are named (the ids are
	# the program's own, written before the dump).
	cat >"$d/exc.py" <<'PY'
import gc, sys
gc.disable()
def inner():
    raise ValueError("boom")
def outer():
    try:
        inner()
    except ValueError as e:
        err = e
    return err
kept = outer()
tb = kept.__traceback__
with open(sys.argv[1], "w") as f:
    f.write("%d %d %d %d %d\n" % (id(kept), id(tb), id(tb.tb_frame), id(tb.tb_next), id(kept.args)))
del tb
PY
	"$py" "$TOP/loaders/python/heapglass_dump.py" -o "$d/exc" -- "$d/exc.py" "$d/exc.ids" >/dev/null 2>&1
	if "$py" - "$d/exc" "$d/exc.ids" <<'PY'
import csv, sys
e, tb, fr, nxt, args = map(int, open(sys.argv[2]).read().split())
rows = set()
with open(sys.argv[1] + "/edges.csv", newline="") as f:
    for r in csv.DictReader(f):
        rows.add((int(r["from"]), int(r["to"]), r["name"]))
want = {(e, tb, "__traceback__"), (tb, fr, "tb_frame"), (tb, nxt, "tb_next"), (e, args, "args")}
sys.exit(0 if want <= rows else 1)
PY
	then
		ok "$v an exception's references are named: __traceback__, args, tb_frame, tb_next"
	else
		notok "$v exception and traceback references: $(grep -c . "$d/exc/edges.csv" 2>/dev/null) rows, none or not all named"
	fi
done <"$TMP/pythons"
