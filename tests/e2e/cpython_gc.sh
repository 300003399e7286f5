#!/bin/sh
# CPython's collector is the truth for heapglass's offline collection.  For
# every CPython installed (pyenv 3.8 .. 3.13), tests/oracles/python/gc_oracle.py
# builds garbage of many shapes, dumps the process and records the ids
# gc.collect() reported (DEBUG_COLLECTABLE); once plainly and once with
# everything older frozen by gc.freeze(), and once focused on __main__
# (dump(focus=["__main__"]): the program and the garbage only), and once
# with another thread allocating all the time; and collecting generation 0
# only and generations 0-1 only (gc.collect(0), gc.collect(1)).  Checks:
#  - the dump's tracked objects are exactly as many as the process had,
#    less the dumper's own (its module, functions and tables: left out) and
#    less what its import of ctypes made (3.11+; left out too: none of
#    them an object older than the dumper, each held so that no id is reused);
#  - heapglass info reads every object and reference the dumper wrote;
#  - a plain reference collector (tests/oracles/python/offline_gc.py) on the dump
#    finds exactly CPython's set (the dumper's refcounts and edges are right);
#  - `heapglass unreachable --json` lists exactly CPython's set, each id
#    once (skipped while the command does not exist).
. tests/e2e/lib.sh
. tests/oracles/python/pythons.sh

have_unreachable=
if "$BIN" --help 2>&1 | grep -qE '^ +unreachable '; then have_unreachable=1; fi
[ -n "$have_unreachable" ] || skip "heapglass unreachable: command not built yet"

python_list >"$TMP/pythons"
while read -r v py; do
	if [ "$py" = - ]; then skip "CPython $v: not installed"; continue; fi
	for mode in plain freeze focus threads gen0 gen1; do
		d=$TMP/$v-$mode
		flag=
		[ "$mode" = freeze ] && flag=--freeze
		[ "$mode" = focus ] && flag=--focus
		[ "$mode" = threads ] && flag=--threads
		gen=2
		case $mode in gen?) gen=${mode#gen}; flag="--gen $gen" ;; esac
		if ! "$py" tests/oracles/python/gc_oracle.py "$d" $flag >"$TMP/oracle.out" 2>"$TMP/oracle.err"; then
			notok "$v $mode: gc_oracle.py failed: $(tail -n 3 "$TMP/oracle.err")"
			continue
		fi
		want=$(wc -l <"$d/collected.txt")
		if [ "$want" -lt 1000 ]; then notok "$v $mode: CPython found only $want objects"; fi
		# Tracked rows (generation 0..2, not untracked) vs the process's count.
		"$py" - "$d" >"$TMP/counts" <<'PY'
import csv, os, sys
d = sys.argv[1]
n = low = 0
with open(os.path.join(d, "dump", "nodes.csv"), newline="", encoding="utf-8", errors="surrogateescape") as f:
    for r in csv.DictReader(f):
        if "untracked" not in r["flags"].split() and r["generation"] in ("0", "1", "2"):
            n += 1
        if int(r["refcount"]) < 1:
            low += 1
print(n, low)
PY
		tracked=$(sed -n 's/^tracked //p' "$d/process.txt")
		own=$(sed -n 's/^own //p' "$d/process.txt")
		hidden=$(sed -n 's/^hidden //p' "$d/process.txt")
		wrong=$(sed -n 's/^hidden_wrong //p' "$d/process.txt")
		tracked=$((tracked - own - hidden))
		if [ "$wrong" != 0 ]; then notok "$v $mode: the dumper hides $wrong ids not of its import of ctypes"; fi
		got=$(cut -d' ' -f1 "$TMP/counts")
		low=$(cut -d' ' -f2 "$TMP/counts")
		if [ "$low" = 0 ]; then ok "$v $mode: every refcount is at least 1"; else notok "$v $mode: $low objects with a refcount below 1"; fi
		if [ "$mode" = threads ]; then
			: # the other thread changes the count between the two readings
		elif [ "$mode" = focus ]; then
			if [ "$got" -lt "$tracked" ]; then
				ok "$v $mode: focused dump holds $got of the process's $tracked tracked objects"
			else
				notok "$v $mode: focused dump holds $got tracked objects, the process had $tracked"
			fi
		elif [ "$got" = "$tracked" ]; then
			ok "$v $mode: dump holds the process's $tracked tracked objects"
		else
			notok "$v $mode: dump holds $got tracked objects, the process had $tracked"
		fi
		objs=$(sed -n 's/^objects //p' "$d/process.txt")
		refs=$(sed -n 's/^references //p' "$d/process.txt")
		run_cmd "$BIN" info --json "$d/dump"
		o=$(sed -n 's/^ *"objects": *\([0-9]*\),*$/\1/p' "$TMP/out" | head -n 1)
		r=$(sed -n 's/^ *"references": *\([0-9]*\),*$/\1/p' "$TMP/out" | head -n 1)
		if [ "$rc" -eq 0 ] && [ "$o" = "$objs" ] && [ "$r" = "$refs" ]; then
			ok "$v $mode: heapglass info reads $objs objects, $refs references"
		else
			notok "$v $mode: heapglass info: exit $rc, objects $o/$objs references $r/$refs"
		fi
		"$py" tests/oracles/python/offline_gc.py "$d/dump" "$gen" >"$d/offline.txt"
		if cmp -s "$d/offline.txt" "$d/collected.txt"; then
			ok "$v $mode: reference collector on the dump = CPython's $want unreachable objects"
		else
			notok "$v $mode: reference collector differs from CPython: $(diff "$d/offline.txt" "$d/collected.txt" | grep -c '^[<>]') ids"
		fi
		[ -n "$have_unreachable" ] || continue
		run_cmd "$BIN" unreachable --json --generation "$gen" "$d/dump"
		if [ "$rc" -ne 0 ]; then
			notok "$v $mode: heapglass unreachable failed (exit $rc): $(head -c 300 "$TMP/err")"
			continue
		fi
		# CPython reports only tracked objects; untracked ones that die with
		# them (by reference counting) must not be in the answer either.
		"$py" - "$d" "$TMP/out" >"$d/engine.txt" 2>"$TMP/cmp.err" <<'PY'
import csv, json, os, sys
d, js = sys.argv[1], sys.argv[2]
untracked = set()
with open(os.path.join(d, "dump", "nodes.csv"), newline="", encoding="utf-8", errors="surrogateescape") as f:
    for r in csv.DictReader(f):
        if "untracked" in r["flags"].split():
            untracked.add(int(r["id"]))
with open(js) as f:
    doc = json.load(f)
ids = [o["id"] for o in doc["objects"]]
if len(ids) != doc["count"] or len(set(ids)) != len(ids):
    print("count %d, %d objects listed, %d distinct" % (doc["count"], len(ids), len(set(ids))))
for i in sorted(set(ids)):
    print(i)
sys.stderr.write("untracked in the answer: %d" % sum(1 for i in ids if i in untracked))
PY
		if cmp -s "$d/engine.txt" "$d/collected.txt"; then
			ok "$v $mode: heapglass unreachable = CPython's $want unreachable objects ($(cat "$TMP/cmp.err"))"
		else
			notok "$v $mode: heapglass unreachable differs from CPython: $(diff "$d/engine.txt" "$d/collected.txt" | grep -c '^<') extra, $(diff "$d/engine.txt" "$d/collected.txt" | grep -c '^>') missing; $(cat "$TMP/cmp.err")"
		fi
	done
done <"$TMP/pythons"
