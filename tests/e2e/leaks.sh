#!/bin/sh
# Leak clusters (heapglass diff, graph/diff.h) on real programs: the same
# small quote service in Node, Python and Java (tests/fixtures/leaks), each
# with three planted leaks of different shapes: a cache that is never
# evicted, one listener per request that is never removed, and a log or a
# registry that only grows.  Each runtime writes two snapshots of its own
# process.  The first three clusters of `diff --json` must be the three
# leaks, each trace naming the leak's root field and counting exactly the
# planted objects of its class; the same program with the leaks fixed
# (argument "fixed") must have no cluster holding any of its classes.
. tests/e2e/lib.sh
L=$FIX/leaks

# leaks NAME JSON FIXED SPEC: SPEC is "field:Class:count field:Class:count
# field:Class:count" for the three leaks (in any order); FIXED is 1 for the
# fixed program, whose clusters must not hold a Class of SPEC.
leaks() {
	_ln=$1
	if python3 - "$2" "$3" "$4" <<'PY' >"$TMP/lc" 2>&1; then ok "$_ln"; else notok "$_ln: $(head -c 900 "$TMP/lc")"; fi
import json, sys
d = json.load(open(sys.argv[1]))
fixed = sys.argv[2] == "1"
spec = [s.split(":") for s in sys.argv[3].split()]
leaks = d["leaks"]
def show(l):
    return "%+d %s via %s" % (l["count"], [(t["type"], t["count"]) for t in l["types"][:4]],
                              " ".join("-%s-> %s" % (s["edge"], s["type"]) for s in l["path"][-5:]))
def count_of(l, cls):
    return sum(t["count"] for t in l["types"] if t["type"] == cls)
if fixed:
    bad = [l for l in leaks if any(count_of(l, cls) > 0 for _, cls, _ in spec)]
    if bad:
        print("a cluster holds the program's classes:", "; ".join(show(l) for l in bad[:3]))
        sys.exit(1)
    sys.exit(0)
if len(leaks) < 3:
    print("fewer than 3 clusters:", [show(l) for l in leaks])
    sys.exit(1)
left = list(spec)
for i, l in enumerate(leaks[:3]):
    edges = [s["edge"] for s in l["path"]]
    hit = [s for s in left if s[0] in edges and count_of(l, s[1]) == int(s[2])]
    if not hit:
        print("cluster %d is none of the planted leaks %s: %s" % (i + 1, left, show(l)))
        sys.exit(1)
    left.remove(hit[0])
    if l["retained_delta"] <= 0 or not l["sample"] or l["path"][0]["edge"] is not None:
        print("cluster %d: bytes, sample or root step wrong: %s" % (i + 1, json.dumps(l)[:300]))
        sys.exit(1)
PY
}

# viewer NAME DIR A B WHERE...: `heapglass DIR/A DIR/B` opens on the
# comparison, whose first screen (80x24) names each leak's root: the three
# leak rows come first, each with one of WHERE (an access such as
# quoteCache.table[]); Enter on the first opens its whole trace, from the
# root to the object that grows.
viewer() {
	_vn=$1 _vd=$2 _va=$3 _vb=$4
	shift 4
	printf 'q' >"$TMP/kq"
	run_cmd "$BIN" "$_vd/$_va" "$_vd/$_vb" --keys "$TMP/kq" --dump-screen "$TMP/v0" --size 80x24 --ascii
	_ok=$rc
	for _w in "$@"; do
		sed -n '5,7p' "$TMP/v0" | grep -qF -- " $_w " || _ok=1
	done
	if [ "$_ok" -eq 0 ] && sed -n 4p "$TMP/v0" | grep -q '^ Leaks: '; then
		ok "$_vn viewer: the first screen names each leak's root"
	else
		notok "$_vn viewer: first screen (exit $rc): $(head -n 9 "$TMP/v0" 2>/dev/null)"
	fi
	printf '<Enter>' >"$TMP/ke"
	run_cmd "$BIN" "$_vd/$_va" "$_vd/$_vb" --keys "$TMP/ke" --dump-screen "$TMP/v1" --size 80x24 --ascii
	if [ "$rc" -eq 0 ] && grep -q '^ Leak 1 of ' "$TMP/v1" && grep -q '^  (root) ' "$TMP/v1" &&
	   [ "$(grep -c '^>' "$TMP/v1")" -eq 1 ] && grep -q '^Trace from a root' "$TMP/v1"; then
		ok "$_vn viewer: Enter on the first leak shows its whole trace"
	else
		notok "$_vn viewer: leak view (exit $rc): $(head -n 16 "$TMP/v1" 2>/dev/null)"
	fi
}

# pair_run DIR CMD...: runs `CMD DIR` (leaky) and `CMD DIR/fixed fixed`
# at once (the two cores); true when both succeed, stderr in $TMP/err.
pair_run() {
	_pd=$1
	shift
	"$@" "$_pd" 2>"$TMP/err" &
	_pp=$!
	"$@" "$_pd/fixed" fixed 2>"$TMP/err2"
	_pr2=$?
	wait "$_pp"
	_pr1=$?
	[ "$_pr2" -eq 0 ] || cp "$TMP/err2" "$TMP/err"
	[ "$_pr1" -eq 0 ] && [ "$_pr2" -eq 0 ]
}

# run_pair NAME DIR A B SPEC: diffs DIR/A DIR/B (leaky) and DIR/fixed/A
# DIR/fixed/B (fixed).
run_pair() {
	_n=$1 _d=$2 _a=$3 _b=$4 _s=$5
	run_cmd "$BIN" diff --json --top 0 "$_d/$_a" "$_d/$_b"
	if [ "$rc" -ne 0 ]; then notok "$_n: diff failed: $(head -c 300 "$TMP/err")"; else
		cp "$TMP/out" "$TMP/$_n.json"
		leaks "$_n: the first three clusters are the three leaks, each trace naming its root field" \
			"$TMP/$_n.json" 0 "$_s"
	fi
	run_cmd "$BIN" diff --json --top 0 "$_d/fixed/$_a" "$_d/fixed/$_b"
	if [ "$rc" -ne 0 ]; then notok "$_n fixed: diff failed: $(head -c 300 "$TMP/err")"; else
		cp "$TMP/out" "$TMP/$_n-fixed.json"
		leaks "$_n fixed: no cluster holds the program's classes" "$TMP/$_n-fixed.json" 1 "$_s"
	fi
}

if ! command -v python3 >/dev/null 2>&1; then
	skip "leaks: python3 not installed (it checks the JSON)"
	exit 0
fi

if ! command -v node >/dev/null 2>&1; then
	skip "leaks on V8: node not installed"
else
	mkdir -p "$TMP/js/fixed"
	if pair_run "$TMP/js" node "$L/service.js"; then
		run_pair node "$TMP/js" a.heapsnapshot b.heapsnapshot \
			"quoteCache:Quote:1500 priceFeed:Order:1500 undoLog:TreeNode:3000"
		viewer node "$TMP/js" a.heapsnapshot b.heapsnapshot "quoteCache.table[]" "priceFeed._events.tick[]" "undoLog[]"
		# a closure names where its code is (the snapshot's locations,
		# resolved through -shared-> -script->): the listener leak's sample
		# is an onTick, whose line the source itself says
		_id=$(python3 -c 'import json,sys; print([l for l in json.load(open(sys.argv[1]))["leaks"] if l["where"].startswith("priceFeed.")][0]["sample"]["id"])' "$TMP/node.json" 2>/dev/null)
		_line=$(grep -n 'function onTick' "$L/service.js" | cut -d: -f1)
		printf '/#%s<Enter>' "$_id" >"$TMP/kl"
		run_cmd "$BIN" "$TMP/js/b.heapsnapshot" --keys "$TMP/kl" --dump-screen "$TMP/vl" --size 100x30
		if [ "$rc" -eq 0 ] && grep -q "^ Function onTick service.js:$_line #$_id\$" "$TMP/vl"; then
			ok "node viewer: the onTick closure reads 'Function onTick service.js:$_line'"
		else
			notok "node viewer: closure location (want service.js:$_line): $(sed -n 1,4p "$TMP/vl" 2>/dev/null)"
		fi
		run_cmd "$BIN" path "$TMP/js/b.heapsnapshot" "$_id"
		if [ "$rc" -eq 0 ] && head -n 1 "$TMP/out" | grep -q "^Function onTick service.js:$_line @$_id:"; then
			ok "node: path names the closure 'Function onTick service.js:$_line' too"
		else
			notok "node: path: closure location (want service.js:$_line): $(head -n 1 "$TMP/out")"
		fi
		# the text says the same, each trace whole from the root
		run_cmd "$BIN" diff --top 3 "$TMP/js/a.heapsnapshot" "$TMP/js/b.heapsnapshot"
		if [ "$rc" -eq 0 ] && grep -q '^  1\. ' "$TMP/out" && grep -q -- '-quoteCache-> Map -table-> (array) -\[\]-> ' "$TMP/out" &&
		   grep -q -- '-undoLog-> Array -\[\]-> Object' "$TMP/out" && grep -q -- '-priceFeed-> EventEmitter -_events-> Object -tick-> Array -\[\]-> Function' "$TMP/out" &&
		   [ "$(grep -c '^     (root) ' "$TMP/out")" -eq 3 ]; then
			ok "node: the text prints each of the three traces whole from the root"
		else
			notok "node: text: $(sed -n '/^Leaks/,/^$/p' "$TMP/out" | head -c 900)"
		fi
	else
		notok "node service.js failed: $(tail -n 3 "$TMP/err")"
	fi
fi

if ! command -v python3 >/dev/null 2>&1; then
	skip "leaks on Python: python3 not installed"
else
	mkdir -p "$TMP/py/fixed"
	if pair_run "$TMP/py" env PYTHONPATH="$TOP/loaders/python" python3 "$L/service.py"; then
		run_pair python "$TMP/py" a b \
			"quote_cache:__main__.Quote:1000 price_feed:__main__.Order:1000 audit_log:__main__.AuditEntry:1000"
		# a global reads as the module's attribute and an instance's
		# attribute as itself, whether CPython keeps it in a __dict__
		# (3.8-3.10) or inline (3.11+): no "__dict__" step in either
		viewer python "$TMP/py" a b "__main__.quote_cache[]" "__main__.audit_log[]"
		if sed -n '5,7p' "$TMP/v0" | grep -qE ' __main__\.price_feed\.listeners\[\] '; then
			ok "python viewer: the first screen names the price feed's listeners"
		else
			notok "python viewer: no price_feed.listeners row: $(sed -n '5,7p' "$TMP/v0")"
		fi
	else
		notok "python service.py failed: $(tail -n 3 "$TMP/err")"
	fi
fi

if ! command -v javac >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
	skip "leaks on a JVM: javac or java not installed"
else
	mkdir -p "$TMP/java/fixed" "$TMP/cls"
	if javac -J-XX:TieredStopAtLevel=1 -d "$TMP/cls" "$L/Service.java" 2>"$TMP/err" &&
	   pair_run "$TMP/java" java -XX:TieredStopAtLevel=1 -Xmx64m -cp "$TMP/cls" Service; then
		run_pair java "$TMP/java" a.hprof b.hprof \
			"quoteCache:Service\$Quote:1500 priceFeed:Service\$Order:1500 sessionRegistry:Service\$Session:1500"
		viewer java "$TMP/java" a.hprof b.hprof "Service.quoteCache.table[]" "Service.sessionRegistry.table[]" \
			"Service.priceFeed.listeners.elementData[]"
	else
		notok "java Service failed: $(tail -n 3 "$TMP/err")"
	fi
fi
