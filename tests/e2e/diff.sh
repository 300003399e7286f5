#!/bin/sh
# heapglass diff on real runtimes: a program that leaks a known number of
# objects per iteration must show exactly that growth for its leaking
# types; a program that does not leak must show no growth of its own
# classes (noise, such as ints whose values changed, is allowed only for
# the runtime's types).  Python snapshots are matched by type and path,
# two V8 snapshots of one process by id.  Plus the command's bad input.
. tests/e2e/lib.sh
D=$FIX/diff

# jq-like checks with the Python standard library: jcheck NAME FILE EXPR
# evaluates EXPR with d = the JSON document, t = {type: entry}, g = groups.
jcheck() {
	_n=$1 _f=$2 _e=$3
	if python3 - "$_f" "$_e" <<'PY' >"$TMP/jc" 2>&1; then ok "$_n"; else notok "$_n: $(head -c 400 "$TMP/jc")"; fi
import json, sys
d = json.load(open(sys.argv[1]))
t = {e["type"]: e for e in d["types"]}
g = d["groups"]
def delta(name):
    return t[name]["count_delta"] if name in t else 0
def grown(name):
    return sum(x["count"] for x in g if x["type"] == name)
ok = eval(sys.argv[2])
if not ok:
    print("false:", sys.argv[2], "| matched_by", d["matched_by"], "| types",
          [(e["type"], e["count_delta"]) for e in d["types"][:8]], "| groups",
          [(x["type"], x["count"]) for x in g[:8]])
    sys.exit(1)
PY
}

if ! command -v python3 >/dev/null 2>&1; then
	skip "diff on Python: python3 not installed"
else
	mkdir -p "$TMP/py"
	if PYTHONPATH=$TOP/loaders/python python3 "$D/leaky.py" "$TMP/py/leak" 2>"$TMP/err" &&
	   PYTHONPATH=$TOP/loaders/python python3 "$D/steady.py" "$TMP/py/steady" 2>"$TMP/err"; then
		run_cmd "$BIN" diff --json --top 0 "$TMP/py/leak/a" "$TMP/py/leak/b"
		cp "$TMP/out" "$TMP/leak.json"
		if [ "$rc" -ne 0 ]; then notok "python leak: diff failed: $(cat "$TMP/err")"; else
			jcheck "python leak: matched by type and path" "$TMP/leak.json" 'd["matched_by"] == "type-and-path"'
			jcheck "python leak: Session count grew by exactly 7 x 10" "$TMP/leak.json" 'delta("__main__.Session") == 70'
			jcheck "python leak: Handler count grew by exactly 10" "$TMP/leak.json" 'delta("__main__.Handler") == 10'
			jcheck "python leak: freed temporaries did not grow" "$TMP/leak.json" 'delta("__main__.Work") == 0'
			jcheck "python leak: one group of 70 Sessions, kept by _cache" "$TMP/leak.json" \
				'[(x["count"], any(s["edge"] == "_cache" for s in x["path"])) for x in g if x["type"] == "__main__.Session"] == [(70, True)]'
			jcheck "python leak: groups account for the Handlers" "$TMP/leak.json" 'grown("__main__.Handler") == 10'
			jcheck "python leak: 80 Tokens under 80 different string keys form one group" "$TMP/leak.json" \
				'[x["count"] for x in g if x["type"] == "__main__.Token"] == [80] and delta("__main__.Token") == 80'
			# (leaky.py makes one live Session <-> Handler cycle and one
			# garbage Ring pair per iteration: with the dump's user graph both
			# patterns are seen to grow, each by the 10 iterations between)
			jcheck "python leak: 10 new live Session <-> Handler cycles and 10 garbage Ring cycles, nothing else" "$TMP/leak.json" \
				'sorted((c["count"], c["members"], c["garbage"]) for c in d["cycles"]) == [(10, "__main__.Handler, __main__.Session", False), (10, "__main__.Ring x2", True)]'
			jcheck "python leak: garbage Rings counted in types, not in alive groups" "$TMP/leak.json" \
				'delta("__main__.Ring") == 20 and grown("__main__.Ring") == 0'
		fi
		run_cmd "$BIN" diff --json --top 0 "$TMP/py/steady/a" "$TMP/py/steady/b"
		cp "$TMP/out" "$TMP/steady.json"
		if [ "$rc" -ne 0 ]; then notok "python steady: diff failed: $(cat "$TMP/err")"; else
			jcheck "python steady: none of its classes changed count" "$TMP/steady.json" \
				'not any(e["type"].startswith("__main__.") and e["count_delta"] for e in d["types"])'
			jcheck "python steady: no group of its classes grew" "$TMP/steady.json" \
				'not any(x["type"].startswith("__main__.") for x in g)'
			jcheck "python steady: growth is noise (< 20 objects)" "$TMP/steady.json" 'd["new_objects"] < 20'
		fi
		# The viewer on two snapshots opens on the comparison; a group's
		# Enter opens its sample in the inspector, with the path (Tab Tab:
		# past the leaks and the types, to the groups).
		printf 'q' >"$TMP/k1"
		run_cmd "$BIN" "$TMP/py/leak/a" "$TMP/py/leak/b" --keys "$TMP/k1" --dump-screen "$TMP/s1" --size 100x30 --ascii
		if [ "$rc" -eq 0 ] && grep -q "Comparison with $TMP/py/leak/a" "$TMP/s1" &&
		   grep -q "matched by type and retainer path" "$TMP/s1" && grep -qE '^ +\+70 .*__main__\.Session' "$TMP/s1" &&
		   grep -q "^ Cycle patterns that appeared or grew (2)" "$TMP/s1"; then
			ok "viewer OLD NEW: opens on the comparison (without ids: cycle patterns that appeared or grew)"
		else
			notok "viewer OLD NEW (exit $rc): $(head -c 300 "$TMP/err") $(head -n 8 "$TMP/s1" 2>/dev/null)"
		fi
		printf '<Tab><Tab>/__main__.session<Enter><Enter>' >"$TMP/k2"
		run_cmd "$BIN" "$TMP/py/leak/a" "$TMP/py/leak/b" --keys "$TMP/k2" --dump-screen "$TMP/s2" --size 100x30 --ascii
		if [ "$rc" -eq 0 ] && grep -q "^ Object #" "$TMP/s2" && grep -q "^ __main__.Session" "$TMP/s2" &&
		   grep -q "_cache" "$TMP/s2"; then
			ok "viewer OLD NEW: Enter on the Session group inspects one, path through _cache"
		else
			notok "viewer OLD NEW: group Enter (exit $rc): $(head -n 16 "$TMP/s2" 2>/dev/null)"
		fi
		printf '<BS>' >"$TMP/k3"
		run_cmd "$BIN" "$TMP/py/leak/a" "$TMP/py/leak/b" --keys "$TMP/k3" --dump-screen "$TMP/s3" --size 80x24 --ascii
		check "viewer OLD NEW: Backspace goes to the overview" grep -q "Overview of b" "$TMP/s3"
		run_cmd "$BIN" diff "$TMP/py/leak/a" "$TMP/py/leak/b"
		if [ "$rc" -eq 0 ] && grep -q "matched by type and retainer path" "$TMP/out" &&
		   grep -qE '^ +\+70 .*__main__\.Session' "$TMP/out"; then
			ok "python leak: text output says how it matched and shows +70 Session"
		else
			notok "python leak: text output: $(head -c 600 "$TMP/out")"
		fi
	else
		notok "python fixtures failed to dump: $(tail -n 3 "$TMP/err")"
	fi
fi

if ! command -v node >/dev/null 2>&1; then
	skip "diff on V8: node not installed"
else
	mkdir -p "$TMP/js/leak" "$TMP/js/steady"
	if node "$D/leaky.js" "$TMP/js/leak" 2>"$TMP/err" && node "$D/steady.js" "$TMP/js/steady" 2>"$TMP/err"; then
		run_cmd "$BIN" diff --json --top 0 "$TMP/js/leak/a.heapsnapshot" "$TMP/js/leak/b.heapsnapshot"
		cp "$TMP/out" "$TMP/jsleak.json"
		jcheck "node leak: matched by id" "$TMP/jsleak.json" 'd["matched_by"] == "id" and d["id_rate"] > 0.9'
		jcheck "node leak: Session count grew by exactly 70" "$TMP/jsleak.json" 'delta("Session") == 70'
		jcheck "node leak: Handler count grew by exactly 10" "$TMP/jsleak.json" 'delta("Handler") == 10'
		jcheck "node leak: 70 new Sessions alive, kept by cache" "$TMP/jsleak.json" \
			'grown("Session") == 70 and any(s["edge"] == "cache" for x in g if x["type"] == "Session" for s in x["path"])'
		jcheck "node leak: 10 new Handlers alive" "$TMP/jsleak.json" 'grown("Handler") == 10'
		printf 'q' >"$TMP/k1"
		run_cmd "$BIN" "$TMP/js/leak/a.heapsnapshot" "$TMP/js/leak/b.heapsnapshot" --keys "$TMP/k1" --dump-screen "$TMP/s4" --size 100x30 --ascii
		if [ "$rc" -eq 0 ] && grep -q "matched by id" "$TMP/s4" && grep -qE '^ +\+70 .*Session' "$TMP/s4"; then
			ok "viewer OLD NEW on V8: matched by id, +70 Session"
		else
			notok "viewer OLD NEW on V8 (exit $rc): $(head -n 8 "$TMP/s4" 2>/dev/null)"
		fi
		run_cmd "$BIN" diff --json --top 0 "$TMP/js/steady/a.heapsnapshot" "$TMP/js/steady/b.heapsnapshot"
		cp "$TMP/out" "$TMP/jssteady.json"
		jcheck "node steady: Request and Worker did not change" "$TMP/jssteady.json" \
			'delta("Request") == 0 and delta("Worker") == 0 and grown("Request") == 0 and grown("Worker") == 0'
		# Forcing path matching on V8 must agree on the type growth.
		run_cmd "$BIN" diff --json --match path --top 0 "$TMP/js/leak/a.heapsnapshot" "$TMP/js/leak/b.heapsnapshot"
		cp "$TMP/out" "$TMP/jspath.json"
		jcheck "node leak, --match path: 70 Sessions more on the cache path" "$TMP/jspath.json" \
			'd["matched_by"] == "type-and-path" and grown("Session") == 70'
	else
		notok "node fixtures failed: $(tail -n 3 "$TMP/err")"
	fi
	# Ages from three snapshots of one process.
	mkdir -p "$TMP/js/three"
	if node "$D/three.js" "$TMP/js/three" 2>"$TMP/err"; then
		run_cmd "$BIN" diff --json --top 0 "$TMP/js/three/A.heapsnapshot" "$TMP/js/three/B.heapsnapshot" \
			"$TMP/js/three/C.heapsnapshot"
		cp "$TMP/out" "$TMP/ages.json"
		jcheck "node ages: 70 Sessions old, 70 middle, 70 young" "$TMP/ages.json" \
			'[(e["old"], e["middle"], e["young"]) for e in d["types"] if e["type"] == "Session"] == [(70, 70, 70)]'
		jcheck "node ages: the top leak candidates are the 70 middle Sessions, kept by cache" "$TMP/ages.json" \
			'g[0]["type"] == "Session" and g[0]["count"] == 70 and any(s["edge"] == "cache" for s in g[0]["path"])'
		jcheck "node ages: counts add up to C's objects" "$TMP/ages.json" \
			'd["ages"]["old"] + d["ages"]["middle"] + d["ages"]["young"] > 0 and d["ages"]["middle"] >= 70'
		# The viewer on A B C: the generations view shows the same ages.
		printf '5' >"$TMP/k5"
		run_cmd "$BIN" "$TMP/js/three/A.heapsnapshot" "$TMP/js/three/B.heapsnapshot" "$TMP/js/three/C.heapsnapshot" \
			--keys "$TMP/k5" --dump-screen "$TMP/s5" --size 100x24 --ascii
		if [ "$rc" -eq 0 ] && python3 - "$TMP/ages.json" "$TMP/s5" <<'PY'; then ok "viewer A B C: generations view shows the ages"; else notok "viewer A B C (exit $rc): $(head -n 8 "$TMP/s5" 2>/dev/null)"; fi
import json, re, sys
d = json.load(open(sys.argv[1]))["ages"]
screen = open(sys.argv[2]).read()
got = {int(m.group(1)): int(m.group(2).replace(",", "")) for m in re.finditer(r"^ gen (\d) +([\d,]+)", screen, re.M)}
sys.exit(0 if got == {0: d["young"], 1: d["middle"], 2: d["old"]} else 1)
PY
	else
		notok "node three.js failed: $(tail -n 3 "$TMP/err")"
	fi
fi

# Bad command lines and inputs: one line, non-zero exit.
expect_fail "diff: one file is a usage error" "two snapshots are needed" "$BIN" diff "$FIX/csv"
expect_fail "diff A B C: Python snapshots are refused (ids unstable)" "is not a V8 snapshot" \
	"$BIN" diff "$FIX/../../assets/sample-python" "$FIX/../../assets/sample-python" "$FIX/../../assets/sample-python"
expect_fail "viewer: four files is a usage error" "one FILE, two to compare" \
	"$BIN" "$FIX/csv" "$FIX/csv" "$FIX/csv" "$FIX/csv" --keys /dev/null
printf 'q' >"$TMP/kq"
expect_fail "viewer A B C: Python snapshots are refused" "is not a V8 snapshot" \
	"$BIN" "$TOP/assets/sample-python" "$TOP/assets/sample-python" "$TOP/assets/sample-python" --keys "$TMP/kq"
expect_fail "diff: four files is a usage error" "at most three" "$BIN" diff a b c d
expect_fail "diff: bad --match" "--match takes" "$BIN" diff --match foo a b
expect_fail "diff: bad --top" "--top takes" "$BIN" diff --top x a b
expect_fail "diff: missing NEW names the file" "nonexistent" "$BIN" diff "$TMP/py/leak/a" "$TMP/nonexistent"
printf 'not a snapshot\n' >"$TMP/junk"
expect_fail "diff: junk OLD names the file" "junk" "$BIN" diff "$TMP/junk" "$TMP/py/leak/b"
