#!/bin/sh
# heapglass lesson: the bundled lessons' scripted output against golden
# files (read by eye when they were made), --list, lookup by name, number
# and path, the demo alias, and bad input (one line, non-zero exit).
. "$(dirname "$0")/lib.sh"
L=$TOP/assets/lessons
G=$FIX/lessons

for f in "$L"/*.lesson; do
	b=$(basename "$f" .lesson)
	run_cmd "$BIN" lesson "$f" --script
	if [ "$rc" -eq 0 ] && [ ! -s "$TMP/err" ] && cmp -s "$TMP/out" "$G/$b.txt"; then
		ok "lesson $b --script matches its golden file"
	else
		notok "lesson $b --script (exit $rc): $(diff "$G/$b.txt" "$TMP/out" | head -20) $(head -c 300 "$TMP/err")"
	fi
done

run_cmd "$BIN" lesson --list
if [ "$rc" -eq 0 ] && cmp -s "$TMP/out" "$G/list.txt"; then ok "lesson --list"; else notok "lesson --list: $(diff "$G/list.txt" "$TMP/out")"; fi
check "seven lessons or more" [ "$(wc -l <"$TMP/out")" -ge 7 ]

# By name and by number, found next to the binary (assets/lessons).
run_cmd "$BIN" lesson refcount --script
check "lesson NAME finds the bundled lesson" cmp -s "$TMP/out" "$G/01-refcount.txt"
run_cmd "$BIN" lesson --script 4
check "lesson NUMBER (option first) finds lesson 4" cmp -s "$TMP/out" "$G/04-mark-sweep.txt"
HEAPGLASS_LESSONS=$L run_cmd "$BIN" lesson weakref --script
check "HEAPGLASS_LESSONS points at the lessons" cmp -s "$TMP/out" "$G/06-weakref.txt"
run_cmd "$BIN" demo --script
check "demo is lesson 1" cmp -s "$TMP/out" "$G/01-refcount.txt"

# Without --script and not on a terminal: the same text, and a plain note
# (on a terminal it opens the animated view: tests/e2e/anim.sh).
run_cmd "$BIN" lesson refcount
if [ "$rc" -eq 0 ] && cmp -s "$TMP/out" "$G/01-refcount.txt" && grep -q "not a terminal" "$TMP/err"; then
	ok "lesson NAME without --script, not on a terminal, prints the text and says why"
else
	notok "lesson NAME without --script (exit $rc)"
fi

# An installed layout: bin/heapglass + share/heapglass/lessons.
mkdir -p "$TMP/inst/bin" "$TMP/inst/share/heapglass/lessons"
cp "$BIN" "$TMP/inst/bin/heapglass"
cp "$L"/*.lesson "$TMP/inst/share/heapglass/lessons/"
run_cmd "$TMP/inst/bin/heapglass" lesson --list
check "installed binary finds share/heapglass/lessons" cmp -s "$TMP/out" "$G/list.txt"

# A teacher's own lesson file.
cat >"$TMP/mine.lesson" <<'LESSON'
title My lesson
gc refcount
new x Thing
say "x is here"
unroot x
LESSON
run_cmd "$BIN" lesson "$TMP/mine.lesson" --script
if [ "$rc" -eq 0 ] && grep -q "^Lesson: My lesson" "$TMP/out" && grep -q "freed: x" "$TMP/out"; then
	ok "lesson FILE runs a teacher's script"
else
	notok "lesson FILE (exit $rc): $(cat "$TMP/err")"
fi

# Bad input: one line naming the file and line, non-zero exit.
printf 'new a Node\nlink a.next c\n' >"$TMP/bad.lesson"
expect_fail "unknown object names file, line and problem" \
	"bad.lesson:2: link: no object named 'c'\$" "$BIN" lesson "$TMP/bad.lesson" --script
printf 'gc refcount\nnew a\nunroot a\nunlink a.x\n' >"$TMP/bad2.lesson"
expect_fail "run-time error names the line" \
	"bad2.lesson:4: unlink: 'a' was already freed at line 3\$" "$BIN" lesson "$TMP/bad2.lesson" --script
expect_fail "no such lesson" "no lesson named 'nosuch' \\(see heapglass lesson --list\\)" \
	"$BIN" lesson nosuch --script
expect_fail "missing file" "No such file or directory" "$BIN" lesson ./nosuch.lesson
expect_fail "a directory is not a lesson" "not a regular file" "$BIN" lesson "$TMP/"
printf 'new a\n\033]0;pwned\007\n' >"$TMP/esc.lesson"
expect_fail "escape bytes are quoted in the message" "esc.lesson:2: unknown command '\\\\e\\]0;pwned\\\\x07'" \
	"$BIN" lesson "$TMP/esc.lesson"
head -c 2000000 /dev/zero | tr '\0' 'x' >"$TMP/big.lesson"
expect_fail "a huge file is refused" "too big for a lesson" "$BIN" lesson "$TMP/big.lesson"
expect_fail "no lesson given" "a lesson NAME or FILE is needed" "$BIN" lesson
expect_fail "two lessons" "one lesson at a time" "$BIN" lesson 1 2
expect_fail "unknown option" "unknown option '--bogus'" "$BIN" lesson --bogus
expect_fail "--list takes nothing else" "--list takes nothing else" "$BIN" lesson --list 1
HEAPGLASS_LESSONS=$TMP/none run_cmd "$BIN" lesson --list
if [ "$rc" -ne 0 ] && grep -q "cannot find the bundled lessons" "$TMP/err"; then ok "missing lessons folder is explained"; else notok "missing lessons folder (exit $rc)"; fi
run_cmd "$BIN" lesson --help
if [ "$rc" -eq 0 ] && grep -q -- "--script" "$TMP/out" && grep -q -- "--list" "$TMP/out"; then ok "lesson --help"; else notok "lesson --help"; fi

# --- a collector on part of a real heap (--heap), against golden files
# (paths relative to the source tree: the first line names the file)
cd "$TOP" || exit 1
for spec in "heap-classroom-cycle2:assets/heaps/classroom.dot --cycle 2" \
	"heap-classroom-cycle1-cpython1:assets/heaps/classroom.dot --cycle 1 --gc cpython --generation 1" \
	"heap-classroom-object3-cpython0:assets/heaps/classroom.dot --object 3 --gc cpython --generation 0" \
	"heap-py-cycle1:tests/fixtures/engine/py --cycle 1" "heap-py-cycle3:tests/fixtures/engine/py --cycle 3"; do
	name=${spec%%:*}
	# shellcheck disable=SC2086
	run_cmd "$BIN" lesson --heap ${spec#*:}
	if [ "$rc" -eq 0 ] && cmp -s "$TMP/out" "$G/$name.txt"; then
		ok "lesson --heap: $name matches its golden file"
	else
		notok "lesson --heap $name (exit $rc): $(diff "$G/$name.txt" "$TMP/out" | head -20) $(head -c 300 "$TMP/err")"
	fi
done
C=$TOP/assets/heaps/classroom.dot
expect_fail "--heap: no such cycle" "no cycle 9: the heap has 2 \\(1 to 2" "$BIN" lesson --heap "$C" --cycle 9
expect_fail "--heap: no such object" "no object with id 999 in" "$BIN" lesson --heap "$C" --object 999
expect_fail "--heap: cycle or object, not both" "one of --cycle N and --object ID" "$BIN" lesson --heap "$C" --cycle 1 --object 2
expect_fail "--heap: neither" "one of --cycle N and --object ID" "$BIN" lesson --heap "$C"
expect_fail "--heap: --depth needs --object" "--depth goes with --object" "$BIN" lesson --heap "$C" --cycle 1 --depth 2
expect_fail "--heap: bad collector" "--gc is cpython or mark-sweep, not 'java'" "$BIN" lesson --heap "$C" --cycle 1 --gc java
expect_fail "--heap: bad generation" "--generation is 0, 1 or 2" "$BIN" lesson --heap "$C" --cycle 1 --generation 3
expect_fail "--heap: bad cycle number" "--cycle needs a cycle number, not 'x'" "$BIN" lesson --heap "$C" --cycle x
expect_fail "--heap takes no lesson" "--heap FILE takes no lesson" "$BIN" lesson --heap "$C" --cycle 1 refcount
expect_fail "--cycle without --heap" "go with --heap FILE" "$BIN" lesson refcount --cycle 1
expect_fail "--heap: missing file" "nosuch" "$BIN" lesson --heap "$TMP/nosuch" --cycle 1
# A ring of 300 objects is too big to step through one by one.
mkdir -p "$TMP/ring"
awk 'BEGIN { print "id,type,size,root"; for (i = 1; i <= 300; i++) print i ",Node,16," (i == 1 ? "true" : "") }' >"$TMP/ring/nodes.csv"
awk 'BEGIN { print "from,to,name"; for (i = 1; i <= 300; i++) print i "," (i % 300) + 1 ",next" }' >"$TMP/ring/edges.csv"
expect_fail "--heap: a 300-object cycle is refused" "cycle 1 has 300 objects; stepping through takes at most 200" \
	"$BIN" lesson --heap "$TMP/ring" --cycle 1
# One neighbourhood for every picture of it (graph/near.h): an object, its
# class and the class's 20 other instances; at depth 2 the class is met
# but not walked through (a hub), so the animation's part and the export
# hold the object and its class only.
mkdir -p "$TMP/hub"
{
	echo "id,type,size,root,flags"
	echo "1,Item,16,true,"
	echo "2,ItemClass,64,,class"
	for i in $(seq 3 22); do echo "$i,Item,16,true,"; done
} >"$TMP/hub/nodes.csv"
{ echo "from,to,name"; for i in 1 $(seq 3 22); do echo "$i,2,__class__"; done; } >"$TMP/hub/edges.csv"
run_cmd "$BIN" lesson --heap "$TMP/hub" --object 1 --depth 2 --script
check "--heap --object: a class is met, not walked through (2 objects, as export draws)" \
	grep -q "object 1 and its neighbours within 2 references (2 objects)" "$TMP/out"
"$BIN" export "$TMP/hub" --object 1 --depth 2 -o "$TMP/hub.dot" 2>/dev/null
check "... export --object draws the same two" test "$(grep -c 'hg_id=' "$TMP/hub.dot")" -eq 2
run_cmd "$BIN" lesson --heap "$TMP/ring" --object 1 --depth 16
if [ "$rc" -eq 0 ] && grep -q "object 1 and its neighbours within 16 references (33 objects)" "$TMP/out" &&
	! grep -q "is white: freed" "$TMP/out"; then
	ok "--heap --object on a big ring: 33 nearest objects, nothing freed (the part is held from outside)"
else
	notok "--heap --object on a big ring (exit $rc): $(head -3 "$TMP/out") $(cat "$TMP/err")"
fi
