#!/bin/sh
# The committed Python heaps: tests/fixtures/python/small (with
# small.collected, what CPython's collector itself reported unreachable when
# it was made) and the demo heap assets/sample-python.  heapglass must load
# both; the reference collector and `heapglass unreachable` must find exactly
# CPython's set on the fixture; the sample's garbage must hold the leaks
# assets/sample-python.py builds.
. tests/e2e/lib.sh
SMALL=$FIX/python/small
SAMPLE=$TOP/assets/sample-python
PY=$(command -v python3)

for dir in "$SMALL" "$SAMPLE"; do
	run_cmd "$BIN" info --json "$dir"
	if [ "$rc" -eq 0 ] && grep -q '"unknown_references": 0' "$TMP/out"; then
		ok "info loads $(basename "$dir") with no unknown references"
	else
		notok "info on $dir: exit $rc $(head -c 300 "$TMP/err")"
	fi
done
size=$(du -sk "$SAMPLE" | cut -f1)
if [ "$size" -lt 200 ]; then ok "sample heap is $size KB (< 200)"; else notok "sample heap is $size KB"; fi

if [ -z "$PY" ]; then
	skip "python3 not installed: reference collector checks"
else
	"$PY" tests/oracles/python/offline_gc.py "$SMALL" >"$TMP/small.offline"
	if cmp -s "$TMP/small.offline" "$FIX/python/small.collected"; then
		ok "reference collector on the fixture = CPython's $(wc -l <"$FIX/python/small.collected") objects"
	else
		notok "reference collector on the fixture differs from CPython"
	fi
	"$PY" - "$SAMPLE" "$TOP" >"$TMP/sample.types" <<'PY'
import csv, os, sys
sys.path.insert(0, os.path.join(sys.argv[2], "tests", "oracles", "python"))
import offline_gc
dead, _ = offline_gc.unreachable(sys.argv[1])
dead = set(dead)
count = {}
with open(os.path.join(sys.argv[1], "nodes.csv"), newline="", encoding="utf-8", errors="replace") as f:
    for r in csv.DictReader(f):
        if int(r["id"]) in dead:
            count[r["type"]] = count.get(r["type"], 0) + 1
for t in ("__main__.Connection", "__main__.Link", "__main__.TreeNode", "__main__.Widget",
          "__main__.Response", "ValueError", "traceback"):
    print(t, count.get(t, 0))
PY
	want="__main__.Connection 2
__main__.Link 8
__main__.TreeNode 2
__main__.Widget 0
__main__.Response 0
ValueError 1
traceback 1"
	if [ "$(cat "$TMP/sample.types")" = "$want" ]; then
		ok "sample garbage: the finalizer pair, the linked list, the removed subtree, the kept exception; widgets and cache alive"
	else
		notok "sample garbage by type: $(tr '\n' ' ' <"$TMP/sample.types")"
	fi
fi

if "$BIN" --help 2>&1 | grep -qE '^ +unreachable '; then
	run_cmd "$BIN" unreachable --json "$SMALL"
	if [ "$rc" -ne 0 ]; then
		notok "unreachable on the fixture: exit $rc $(head -c 300 "$TMP/err")"
	elif [ -z "$PY" ]; then
		skip "python3 not installed: comparing unreachable ids"
	else
		"$PY" - "$SMALL" "$TMP/out" >"$TMP/engine" <<'PY'
import csv, json, os, sys
doc = json.load(open(sys.argv[2]))
ids = [o["id"] for o in doc["objects"]]
if len(ids) != doc["count"] or len(set(ids)) != len(ids):
    print("count %d, %d objects listed, %d distinct" % (doc["count"], len(ids), len(set(ids))))
for i in sorted(set(ids)):
    print(i)
PY
		if cmp -s "$TMP/engine" "$FIX/python/small.collected"; then
			ok "heapglass unreachable on the fixture = CPython's set"
		else
			notok "heapglass unreachable on the fixture differs from CPython: $(diff "$TMP/engine" "$FIX/python/small.collected" | grep -c '^[<>]') ids"
		fi
	fi
else
	skip "heapglass unreachable: command not built yet"
fi
