#!/bin/sh
# End-to-end tests of the engine's commands (types, top, cycles,
# unreachable, path, info) on two hand-made heaps whose answers were worked
# out by hand (tests/fixtures/engine/README.md) and frozen as golden files.
. "$(dirname "$0")/lib.sh"
E=$FIX/engine
G=$E/golden

# golden NAME FILE CMD...: CMD must exit 0 and print exactly FILE.
golden() {
	_name=$1 _file=$2
	shift 2
	run_cmd "$@"
	if [ "$rc" -eq 0 ] && cmp -s "$TMP/out" "$G/$_file"; then
		ok "$_name"
	else
		notok "$_name (exit $rc): $(diff "$G/$_file" "$TMP/out" | head -20) $(head -c 300 "$TMP/err")"
	fi
}

golden "types --json" js-types.json "$BIN" types "$E/js" --json --top 0
golden "types --sort count --top 3" js-types-count.txt "$BIN" types "$E/js" --sort count --top 3
golden "top --json" js-top.json "$BIN" top "$E/js" --json --top 5
golden "top --all keeps synthetic objects" js-top-all.txt "$BIN" top "$E/js" --all --top 2
golden "cycles --json" js-cycles.json "$BIN" cycles "$E/js" --json
golden "cycles --live --sort retained keeps the default numbering" js-cycles-live.txt \
	"$BIN" cycles "$E/js" --live --sort retained
golden "unreachable --json" js-unreachable.json "$BIN" unreachable "$E/js" --json
golden "path --json (shortcut from a synthetic root, index edge)" js-path-6.json \
	"$BIN" path "$E/js" 6 --json
golden "path text" js-path-6.txt "$BIN" path "$E/js" 6
golden "path of garbage, hex id" js-path-11.txt "$BIN" path "$E/js" 0xb
for g in 0 1 2; do
	golden "python unreachable --generation $g" py-unreachable-$g.json \
		"$BIN" unreachable "$E/py" --generation $g --json
done
golden "python unreachable --all adds untracked objects freed with the garbage" \
	py-unreachable-all.json "$BIN" unreachable "$E/py" --all --json
golden "python unreachable text (full collection, finalizer marked)" py-unreachable.txt \
	"$BIN" unreachable "$E/py"

run_cmd "$BIN" unreachable "$E/py" --json
check "python unreachable defaults to gc.collect(2)" cmp -s "$TMP/out" "$G/py-unreachable-2.json"

run_cmd "$BIN" info --json "$E/js"
check "info --json reports reachability and cycles" \
	test "$(jq -c '[.reachable, .unreachable, .cycles, .largest_cycle]' "$TMP/out")" = \
	'[{"objects":9,"bytes":366},{"objects":3,"bytes":160},3,2]'
run_cmd "$BIN" info --json "$E/py"
check "info on a Python dump uses CPython's roots" \
	test "$(jq -c '[.reachable.objects, .unreachable.objects, .cycles]' "$TMP/out")" = '[6,5,3]'
run_cmd "$BIN" info "$E/js"
check "info text has the reachability lines" grep -q '^unreachable:  3 objects, 160 B' "$TMP/out"

# Bad arguments: usage errors exit 2, bad input exits 1; one line each.
expect_fail "path: id that is not a number" "not an object id" "$BIN" path "$E/js" abc
[ "$rc" -eq 2 ] || notok "path: bad id exits 2 (got $rc)"
expect_fail "path: id not in the heap" "no object with id 999" "$BIN" path "$E/js" 999
[ "$rc" -eq 1 ] || notok "path: missing id exits 1 (got $rc)"
expect_fail "path: no id" "FILE and an object ID" "$BIN" path "$E/js"
expect_fail "types: bad --sort" "--sort takes" "$BIN" types "$E/js" --sort size
expect_fail "types: bad --top" "--top takes" "$BIN" types "$E/js" --top -1
expect_fail "top: no file" "a FILE is needed" "$BIN" top
expect_fail "cycles: --garbage with --live" "exclude each other" "$BIN" cycles "$E/js" --garbage --live
expect_fail "cycles: bad --sort" "--sort takes size or retained" "$BIN" cycles "$E/js" --sort count
expect_fail "unreachable: generation 3" "--generation takes 0, 1 or 2" \
	"$BIN" unreachable "$E/py" --generation 3
[ "$rc" -eq 2 ] || notok "unreachable: bad generation exits 2 (got $rc)"
expect_fail "unreachable: --generation needs a Python dump" "needs a Python dump" \
	"$BIN" unreachable "$E/js" --generation 0
[ "$rc" -eq 1 ] || notok "unreachable: --generation on a non-Python heap exits 1 (got $rc)"
expect_fail "unreachable: missing file" "heapglass: " "$BIN" unreachable "$TMP/nothing-here"
expect_fail "cycles: unknown option" "unknown option" "$BIN" cycles "$E/js" --bogus

# Python rule for garbage dominators: the cycle {200,201} heads the garbage
# and retains all of it (tests/fixtures/engine/README.md).
run_cmd "$BIN" cycles "$E/py" --json
check "python garbage cycle retains the garbage it heads" \
	test "$(jq -c '.cycles[0] | [.index, .size, .retained, .garbage]' "$TMP/out")" = '[1,2,301,true]'

# The analysis's retained sizes against Chrome DevTools' own, on snapshots
# node writes (tests/oracles/v8/gen.js, with garbage cycles and weak references):
# the top 50 objects and their retained sizes must be the same.
if ! command -v node >/dev/null 2>&1; then
	skip "analysis vs DevTools retained sizes (node not found)"
elif ! sh "$TOP/tests/oracles/v8/build-ref.sh" 2>"$TMP/build.err"; then
	skip "analysis vs DevTools retained sizes ($(head -n 1 "$TMP/build.err"))"
else
	for scale in 1 2; do
		snap=$TMP/v8-$scale.heapsnapshot
		if node "$TOP/tests/oracles/v8/gen.js" "$snap" "$scale" 2>/dev/null &&
			node "$TOP/tests/oracles/v8/devtools-ref.mjs" "$snap" 50 2>/dev/null |
			jq -c '.top[] | [.id, .retained]' >"$TMP/want.txt" &&
			"$BIN" top "$snap" --all --json --top 50 |
			jq -c '.objects[] | [.id, .retained]' >"$TMP/got.txt"; then
			check "v8 scale $scale: top 50 retained sizes = DevTools" cmp -s "$TMP/want.txt" "$TMP/got.txt"
		else
			notok "v8 scale $scale: could not produce both lists"
		fi
	done
fi
