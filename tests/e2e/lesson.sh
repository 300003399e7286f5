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

# Without --script: the same text, and a plain note that the animated view
# is not there yet.
run_cmd "$BIN" lesson refcount
if [ "$rc" -eq 0 ] && cmp -s "$TMP/out" "$G/01-refcount.txt" && grep -q "not built yet" "$TMP/err"; then
	ok "lesson NAME without --script prints the text and says the view is to come"
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
expect_fail "escape bytes are quoted in the message" "esc.lesson:2: unknown command '\\\\x1b\\]0;pwned\\\\x07'" \
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
