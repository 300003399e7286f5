#!/bin/sh
# The V8 loader against Chrome DevTools itself: node writes snapshots of
# programs with lists, rings, trees with parent pointers, Maps, closures,
# WeakMap/WeakRef and garbage cycles (tests/oracles/v8/gen.js); DevTools' heap
# snapshot worker (tests/oracles/v8/devtools-ref.mjs, built by tests/oracles/v8/build-ref.sh
# with npm + esbuild) reads each one; heapglass must agree on the object
# count, the total size and the top 20 retained sizes.  Skips itself
# without node, or when the DevTools bundle cannot be built (no npm, no
# registry).
. "$TOP/tests/e2e/lib.sh"

if ! command -v node >/dev/null 2>&1; then
	skip "v8 DevTools comparison (node not found)"
	exit 0
fi
if ! sh "$TOP/tests/oracles/v8/build-ref.sh" 2>"$TMP/build.err"; then
	skip "v8 DevTools comparison ($(head -n 1 "$TMP/build.err"))"
	exit 0
fi

# field FILE KEY: a top-level number of a JSON file
field() {
	node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1])); console.log(j[process.argv[2]])' "$1" "$2"
}

for scale in 1 3; do
	snap=$TMP/gen$scale.heapsnapshot
	if ! node "$TOP/tests/oracles/v8/gen.js" "$snap" "$scale" 2>"$TMP/gen.err"; then
		notok "v8 scale $scale: node could not write a snapshot: $(head -c 300 "$TMP/gen.err")"
		continue
	fi
	if ! node "$TOP/tests/oracles/v8/devtools-ref.mjs" "$snap" 20 >"$TMP/ref$scale.json" 2>/dev/null; then
		notok "v8 scale $scale: DevTools could not read the snapshot"
		continue
	fi
	run_cmd "$BIN" info --json "$snap"
	if [ "$rc" -ne 0 ]; then
		notok "v8 scale $scale: heapglass info failed: $(head -c 300 "$TMP/err")"
		continue
	fi
	cp "$TMP/out" "$TMP/info$scale.json"
	want=$(field "$TMP/ref$scale.json" objects) got=$(field "$TMP/info$scale.json" objects)
	check "v8 scale $scale: object count $got = DevTools $want" [ "$got" = "$want" ]
	want=$(field "$TMP/ref$scale.json" total_size) got=$(field "$TMP/info$scale.json" shallow_bytes)
	check "v8 scale $scale: total size $got = DevTools $want" [ "$got" = "$want" ]
	# top 20 retained sizes through the command line: heapglass top --all
	# (synthetic objects included, as DevTools lists them)
	run_cmd "$BIN" top --all --json --top 20 "$snap"
	if [ "$rc" -eq 0 ]; then
		cmp=$(node -e '
const fs = require("fs");
const hg = JSON.parse(fs.readFileSync(process.argv[1])).objects;
const dt = JSON.parse(fs.readFileSync(process.argv[2])).top;
const a = hg.map(o => o.retained).join(","), b = dt.map(t => t.retained).join(",");
if (a !== b) { console.log("heapglass " + a + " / DevTools " + b); process.exit(0); }
for (let i = 0; i < dt.length; i++) {
  const same = dt.filter(t => t.retained === dt[i].retained).length;
  if (same === 1 && hg[i].id !== dt[i].id) { console.log("top " + (i + 1) + ": @" + hg[i].id + " vs DevTools @" + dt[i].id); process.exit(0); }
}
console.log("same");' "$TMP/out" "$TMP/ref$scale.json")
		check "v8 scale $scale: heapglass top = DevTools top 20 (sizes and ids) ($cmp)" [ "$cmp" = same ]
	else
		notok "v8 scale $scale: heapglass top failed: $(head -c 300 "$TMP/err")"
	fi
	# top 20 retained sizes: the loader's edge kinds and sizes, through an
	# independent dominator pass (tests/unit/test_v8.c test_reference)
	V8_SNAPSHOT=$snap V8_REFERENCE=$TMP/ref$scale.json "$BUILD/tests/test_v8" >"$TMP/unit.out" 2>&1
	if grep -q '^\[       OK \] test_reference' "$TMP/unit.out"; then
		ok "v8 scale $scale: top 20 retained sizes (loader + independent dominators) = DevTools"
	else
		notok "v8 scale $scale: top 20 retained sizes differ: $(grep -E 'ERROR|top|retains' "$TMP/unit.out" | head -3)"
	fi
	# and through heapglass's own engine (graph/analysis.h)
	V8_ENGINE=1 V8_SNAPSHOT=$snap V8_REFERENCE=$TMP/ref$scale.json "$BUILD/tests/test_v8" >"$TMP/unit.out" 2>&1
	if grep -q '^\[       OK \] test_reference' "$TMP/unit.out"; then
		ok "v8 scale $scale: top 20 retained sizes (engine) = DevTools"
	else
		notok "v8 scale $scale: engine's top 20 retained sizes differ: $(grep -E 'ERROR|top|retains' "$TMP/unit.out" | head -3)"
	fi
done
