# End-to-end tests of the HPROF loader: the committed fixtures through the
# binary, bad input (one line, non-zero exit), and real dumps of a JVM with
# planted cycles (tests/oracles/hprof/Planted.java) when a JDK is installed.
. "$TOP/tests/e2e/lib.sh"
H=$FIX/hprof

# --- committed fixtures ---
run_cmd "$BIN" info --json "$H/small-id8.hprof"
if [ "$rc" -eq 0 ] && grep -q '"format": "hprof"' "$TMP/out" && grep -q '"objects": 17' "$TMP/out" &&
	grep -q '"references": 25' "$TMP/out" && grep -q '"roots": 4' "$TMP/out" &&
	grep -q '"shallow_bytes": 440' "$TMP/out"; then
	ok "hprof: 1.0.2 with 8-byte ids is sniffed and loaded"
else
	notok "hprof: small-id8 (exit $rc): $(cat "$TMP/out" "$TMP/err" | head -c 600)"
fi
run_cmd "$BIN" info --json "$H/small-id4.hprof"
if [ "$rc" -eq 0 ] && grep -q '"objects": 17' "$TMP/out" && grep -q '"shallow_bytes": 320' "$TMP/out"; then
	ok "hprof: 1.0.1 with 4-byte ids"
else
	notok "hprof: small-id4 (exit $rc): $(cat "$TMP/out" "$TMP/err" | head -c 600)"
fi
run_cmd "$BIN" info --json "$H/android.hprof"
if [ "$rc" -eq 0 ] && grep -q '"objects": 19' "$TMP/out" && grep -q '"root_records": 6' "$TMP/out" &&
	grep -q '"roots": 1' "$TMP/out"; then
	ok "hprof: Android 1.0.3"
else
	notok "hprof: android (exit $rc): $(cat "$TMP/out" "$TMP/err" | head -c 600)"
fi

# The committed fixtures are what the generator writes.
if command -v python3 >/dev/null 2>&1; then
	python3 "$TOP/tests/oracles/hprof/gen_fixtures.py" "$TMP/gen" >/dev/null 2>&1
	same=1
	for f in "$H"/*.hprof; do
		cmp -s "$f" "$TMP/gen/$(basename "$f")" || same=0
	done
	if [ "$same" = 1 ]; then ok "hprof: fixtures match tests/oracles/hprof/gen_fixtures.py"; else
		notok "hprof: fixtures differ from tests/oracles/hprof/gen_fixtures.py (regenerate and commit)"; fi
else
	skip "hprof: fixture generator check (no python3)"
fi

# --- bad input: one line with the byte offset, non-zero exit ---
expect_fail "hprof: id size 6" 'bad-idsize.hprof: offset 19: identifier size 6' "$BIN" info "$H/bad-idsize.hprof"
expect_fail "hprof: unknown version" 'unsupported HPROF version' "$BIN" info "$H/bad-version.hprof"
expect_fail "hprof: unknown record tag" 'offset [0-9]+: unknown record tag 0x55' "$BIN" info "$H/bad-tag.hprof"
expect_fail "hprof: unknown sub-record tag" 'offset [0-9]+: unknown heap dump sub-record tag 0x42' \
	"$BIN" info "$H/bad-subtag.hprof"
expect_fail "hprof: class chain loops" 'offset [0-9]+: the superclass chain of class demo/Node loops' \
	"$BIN" info "$H/bad-loop.hprof"
expect_fail "hprof: instance bytes disagree with the class" \
	'offset [0-9]+: instance 0x200 of class demo/Node holds 9 bytes of field values, but the class and its superclasses declare 12' \
	"$BIN" info "$H/bad-fields.hprof"
expect_fail "hprof: element count overflows the record" 'offset [0-9]+: OBJ_ARRAY_DUMP of 4294967295 elements' \
	"$BIN" info "$H/bad-count.hprof"
expect_fail "hprof: record length past the end" 'offset [0-9]+: HEAP_DUMP_SEGMENT record of 4294967280 bytes runs past the end' \
	"$BIN" info "$H/bad-reclen.hprof"
expect_fail "hprof: duplicate object id" 'offset [0-9]+: object id 0x200 appears again \(first at offset [0-9]+\)' \
	"$BIN" info "$H/bad-duplicate.hprof"
expect_fail "hprof: invalid field type" 'offset [0-9]+: CLASS_DUMP instance field of invalid type 3' \
	"$BIN" info "$H/bad-fieldtype.hprof"
expect_fail "hprof: no heap dump" 'no heap dump in this HPROF file' "$BIN" info "$H/bad-nodump.hprof"
gzip -c "$H/small-id8.hprof" >"$TMP/small.hprof.gz"
expect_fail "hprof: gzip-compressed dump" 'small.hprof.gz: a gzip-compressed HPROF dump .*gunzip -c' \
	"$BIN" info "$TMP/small.hprof.gz"
for cut in 10 30 200 901 1500 2000; do
	head -c "$cut" "$H/small-id8.hprof" >"$TMP/cut.hprof"
	expect_fail "hprof: truncated at byte $cut" 'cut.hprof: (offset [0-9]+|not an HPROF)' "$BIN" info "$TMP/cut.hprof"
done

# --- real dumps from a JVM ---
if ! command -v javac >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
	skip "hprof: real JVM dumps (no JDK: javac/java not found)"
	exit 0
fi
mkdir -p "$TMP/java"
if ! javac -d "$TMP/java" "$TOP/tests/oracles/hprof/Planted.java" 2>"$TMP/javac.err"; then
	notok "hprof: javac Planted.java: $(head -c 400 "$TMP/javac.err")"
	exit 0
fi
for mode in live all; do
	if java -Xint -Xmx64m -cp "$TMP/java" Planted "$TMP/$mode.hprof" "$mode" >/dev/null 2>"$TMP/java.err"; then
		ok "hprof: JVM dumped itself ($mode)"
	else
		notok "hprof: java Planted $mode: $(head -c 400 "$TMP/java.err")"
	fi
	expect_ok "hprof: heapglass info on the $mode dump" "$BIN" info "$TMP/$mode.hprof"
done
# jcmd -gz writes gzip with an "HPROF BLOCKSIZE=" comment (header made by hand)
{ printf '\037\213\010\020\0\0\0\0\004\377'; printf 'HPROF BLOCKSIZE=1048576'; printf '\0'; } >"$TMP/jcmd.hprof.gz"
expect_fail "hprof: jcmd -gz dump (gzip comment)" 'a gzip-compressed HPROF dump' "$BIN" info "$TMP/jcmd.hprof.gz"

# The planted cycles, found by `heapglass cycles` and `heapglass unreachable`.
# (listed by --help: `heapglass NAME --help` would open NAME as a file)
if ! "$BIN" --help 2>/dev/null | grep -q '^  cycles ' || ! "$BIN" --help 2>/dev/null | grep -q '^  unreachable '; then
	skip "hprof: planted cycles (no cycles/unreachable command in this build)"
	exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
	skip "hprof: planted cycles (python3 reads the JSON)"
	exit 0
fi
for mode in live all; do
	"$BIN" cycles --json --top 0 "$TMP/$mode.hprof" >"$TMP/$mode.cycles" 2>"$TMP/err.c"
	rc1=$?
	"$BIN" unreachable --json "$TMP/$mode.hprof" >"$TMP/$mode.unreachable" 2>"$TMP/err.u"
	rc2=$?
	if [ "$rc1" -ne 0 ] || [ "$rc2" -ne 0 ]; then
		notok "hprof: cycles/unreachable on the $mode dump (exit $rc1/$rc2): $(cat "$TMP/err.c" "$TMP/err.u" | head -c 400)"
	elif python3 "$TOP/tests/oracles/hprof/check_cycles.py" "$mode" "$TMP/$mode.cycles" "$TMP/$mode.unreachable" >"$TMP/check" 2>&1; then
		ok "hprof: exactly the planted cycles in the $mode dump ($(tr '\n' ' ' <"$TMP/check"))"
	else
		notok "hprof: planted cycles in the $mode dump: $(head -c 1500 "$TMP/check")"
	fi
done

# Sizes (compressed oops: -Xmx64m) and edge names through the commands: five
# PlantedDNode of 12 + 4 + 4 + 4 -> 24 bytes; the ring hangs from main's
# local Object[] at index 2, a Java-frame root, then along `next`.
"$BIN" types --json --top 0 "$TMP/live.hprof" >"$TMP/types.json" 2>"$TMP/err"
"$BIN" cycles --json --top 0 "$TMP/live.hprof" >"$TMP/live.cycles" 2>>"$TMP/err"
ring=$(python3 -c '
import json, sys
for c in json.load(open(sys.argv[1]))["cycles"]:
    for m in c["members"]:
        if m["type"] == "PlantedRing":
            print(m["id"]); sys.exit()' "$TMP/live.cycles")
"$BIN" path --json "$TMP/live.hprof" "$ring" >"$TMP/path.json" 2>>"$TMP/err"
if python3 - "$TMP/types.json" "$TMP/path.json" <<'PY'
import json, sys
types = {t["type"]: t for t in json.load(open(sys.argv[1]))["types"]}
assert types["PlantedDNode"]["count"] == 5 and types["PlantedDNode"]["shallow"] == 120, types["PlantedDNode"]
assert types["PlantedSelf"]["shallow"] == 16 and types["PlantedMap"]["shallow"] == 48
assert types["java.lang.Class"]["count"] > 100
path = json.load(open(sys.argv[2]))["path"]
steps = [(p["type"], p["edge"]) for p in path]
assert steps[:2] == [("java.lang.Object[]", None), ("PlantedRing", "[2]")], steps
assert all(step == ("PlantedRing", "next") for step in steps[2:]), steps
PY
then
	ok "hprof: types, sizes and the path to a planted ring through the commands"
else
	notok "hprof: types/path on the live dump: $(head -c 400 "$TMP/err")"
fi
