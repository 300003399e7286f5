# User cycles on real V8 heaps: node (v20) runs a program with planted shapes
# (tests/oracles/cycles/node/planted.js: a ring, a doubly linked list, a self
# loop, a parent and its children through an array, 25 identical
# Session/Request cycles, closure cycles, and acyclic controls) and writes
# its own heap snapshot, once as it is and once after loading more builtin
# and local modules; `heapglass cycles --json --top 0` of each must list
# exactly the planted cycles with exactly their members, the controls in no
# cycle, no V8 machinery or runtime infrastructure in any cycle, and the
# same rows for both snapshots (tests/oracles/cycles/node/check.js).  The
# rules are in docs/user-graph.md, "V8".  Skips itself without node.
. "$TOP/tests/e2e/lib.sh"
D=$TOP/tests/oracles/cycles/node

if ! command -v node >/dev/null 2>&1; then
	skip "cycles v8: planted shapes on a Node.js heap (node not found)"
	exit 0
fi
# The committed fixtures the unit tests read are what the generator writes.
same=1
node "$TOP/tests/oracles/v8/make-tiny.js" >"$TMP/tiny" && cmp -s "$TMP/tiny" "$FIX/v8/tiny.heapsnapshot" || same=0
node "$TOP/tests/oracles/v8/make-tiny.js" user >"$TMP/user" && cmp -s "$TMP/user" "$FIX/v8/user.heapsnapshot" || same=0
if [ "$same" = 1 ]; then ok "cycles v8: the V8 fixtures match tests/oracles/v8/make-tiny.js"; else
	notok "cycles v8: the V8 fixtures differ from tests/oracles/v8/make-tiny.js (regenerate and commit)"; fi

if ! "$BIN" cycles --help 2>&1 | grep -q -- '--raw'; then
	skip "cycles v8: planted shapes on a Node.js heap (this heapglass has no user graph in cycles yet)"
	exit 0
fi
for run in base more; do
	arg=
	[ "$run" = more ] && arg=more
	if ! (cd "$TMP" && node "$D/planted.js" "$TMP/$run.heapsnapshot" $arg) 2>"$TMP/node.err"; then
		notok "cycles v8: node could not write the $run snapshot: $(head -c 300 "$TMP/node.err")"
		exit 0
	fi
	run_cmd "$BIN" cycles --json --top 0 "$TMP/$run.heapsnapshot"
	if [ "$rc" -ne 0 ]; then
		notok "cycles v8: heapglass cycles failed on the $run snapshot (exit $rc): $(head -c 300 "$TMP/err")"
		exit 0
	fi
	cp "$TMP/out" "$TMP/$run.json"
done
node "$D/check.js" "$TMP/base.json" "$TMP/more.json"
