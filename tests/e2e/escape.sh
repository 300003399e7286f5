#!/bin/sh
# Nothing from a snapshot or a file name reaches the terminal raw (issue 22,
# items 1, 2 and 7): every command, in text and JSON, its errors, hints and
# lesson scripts, runs over a corpus of hostile names (tests/fixtures/escape:
# OSC title and clipboard sequences, CSI, C1, DEL, bidi overrides, Unicode
# tags and fillers, invalid UTF-8, a literal backslash) in folders and files
# whose names are hostile too; each output is then checked byte by byte by
# tests/e2e/escape_check.py against Python's own Unicode tables.
. "$TOP/tests/e2e/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	skip "escaping of every output (no python3)"
	exit 0
fi
ESC=$(printf '\033') BEL=$(printf '\007')
# a folder name that sets the title, clears the screen, breaks out of
# single quotes, holds a backslash and a byte that is not UTF-8
BAD="$TMP/h${ESC}]0;PWNED${BEL}${ESC}[2J'; echo INJECTED; '\\e$(printf '\377')"
mkdir -p "$BAD" "$TMP/runs"
cp "$FIX/escape/nodes.csv" "$FIX/escape/edges.csv" "$BAD/"
mkdir "$BAD/hostile"
cp "$FIX/tui/hostile/nodes.csv" "$FIX/tui/hostile/edges.csv" "$BAD/hostile/"
n=0
# out NAME CMD...: runs CMD with its stdout and stderr kept for the check,
# which wants something escaped in them; plain NAME CMD...: the same for a
# run whose output need hold nothing hostile (only its bytes are checked)
out() {
	_name=$1
	shift
	n=$((n + 1))
	"$@" >"$TMP/runs/$n.out" 2>"$TMP/runs/$n.err" </dev/null
	echo "$_name" >"$TMP/runs/$n.name"
}
plain() {
	out "$@"
	: >"$TMP/runs/$n.plain"
}
H=$BAD
for cmd in info types top cycles unreachable; do
	out "$cmd" "$BIN" "$cmd" "$H"
	out "$cmd --json" "$BIN" "$cmd" "$H" --json
done
out "types (tui fixture)" "$BIN" types "$H/hostile" --top 0
out "cycles --raw" "$BIN" cycles "$H" --raw
out "top --all" "$BIN" top "$H" --all --top 0
out "unreachable --all" "$BIN" unreachable "$H" --all --json
out "unreachable --generation 0" "$BIN" unreachable "$H" --generation 0
out "unreachable --generation on a heap without refcounts" "$BIN" unreachable "$H/hostile" --generation 0
out "path" "$BIN" path "$H" 5
out "path --json" "$BIN" path "$H" 5 --json
out "path: no such id" "$BIN" path "$H" 99
out "path: bad id" "$BIN" path "$H" "1${ESC}]0;PWNED${BEL}"
plain "export --cycle" "$BIN" export "$H" --cycle 1 -o "$H/c.dot"
# Graphviz indents with tabs (dot.tabs); the labels are ours
cp "$H/c.dot" "$TMP/runs/dot.out" && : >"$TMP/runs/dot.err" && : >"$TMP/runs/dot.tabs" && : >"$TMP/runs/dot.plain" &&
	echo "the exported DOT file" >"$TMP/runs/dot.name"
plain "export: no cycle 9" "$BIN" export "$H" --cycle 9 -o "$H/c.dot"
out "export: no object" "$BIN" export "$H" --object 99 -o "$H/c.dot"
out "export: bad extension" "$BIN" export "$H" --cycle 1 -o "$H/c.${ESC}]0;PWNED${BEL}"
out "export: cannot write" "$BIN" export "$H" --cycle 1 -o "$H/nonexistent/c.svg"
out "lesson --heap --cycle (cpython)" "$BIN" lesson --heap "$H" --cycle 1 --script
out "lesson --heap --cycle (mark-sweep)" "$BIN" lesson --heap "$H" --cycle 2 --gc mark-sweep --script
out "lesson --heap --object" "$BIN" lesson --heap "$H" --object 3 --depth 2 --script
out "lesson --heap, not a terminal" "$BIN" lesson --heap "$H" --cycle 1
plain "lesson --heap: no cycle" "$BIN" lesson --heap "$H" --cycle 9 --script
printf 'title A ti\033]0;PWNED\007tle MARK\\e\nnew a Node\nsay he\033[2Jllo MARK\\e\nlink a.next a\nunroot a\ncollect\n' \
	>"$H/ok.lesson"
out "lesson FILE --script" "$BIN" lesson "$H/ok.lesson" --script
printf 'new a Node\n\033]0;PWNED\007 a\n' >"$H/bad.lesson"
out "lesson: parse error" "$BIN" lesson "$H/bad.lesson" --script
out "lesson: no such lesson" "$BIN" lesson "no${ESC}]0;PWNED${BEL}" --script
out "diff" "$BIN" diff "$H" "$H"
out "diff --json" "$BIN" diff "$H/hostile" "$H" --json
out "diff, two heaps" "$BIN" diff "$H/hostile" "$H"
out "diff A B C: not V8" "$BIN" diff "$H" "$H" "$H"
out "viewer needs a terminal" "$BIN" "$H"
plain "viewer headless" "$BIN" "$H" --keys "$FIX/escape/keys.txt" --dump-screen "$TMP/runs/screen.txt" --size 120x30
cp "$TMP/runs/screen.txt" "$TMP/runs/screen.out" 2>/dev/null && echo "viewer screen dump" >"$TMP/runs/screen.name" \
	&& : >"$TMP/runs/screen.err"
out "no such file" "$BIN" info "$H/none${ESC}[2J"
out "not a command, not a file" "$BIN" "$H/none${ESC}[2J"
ln -s "$H/gone${ESC}]0;PWNED${BEL}" "$H/dangling"
out "dangling symlink" "$BIN" info "$H/dangling"
gzip -c "$FIX/hprof/small-id8.hprof" >"$TMP/x'; echo INJECTED; '.hprof"
plain "gzip hint, a quote in the name" "$BIN" info "$TMP/x'; echo INJECTED; '.hprof"
cp "$TMP/x'; echo INJECTED; '.hprof" "$H/y.hprof"
out "gzip hint, escapes in the name" "$BIN" info "$H/y.hprof"
out "record: not a runtime it knows" "$BIN" record -o "$TMP/rec" -- "$H/prog"
out "record: a script that is not there" "$BIN" record -o "$TMP/rec2" -- python3 "$H/none.py"
out "record: cannot create -o" "$BIN" record -o "$H/nonexistent/deeper" -- python3 -c pass

python3 "$TOP/tests/e2e/escape_check.py" "$TMP/runs"

# info --json keeps "file" when the name is not UTF-8 (escaped, like every
# other string of the output)
run_cmd "$BIN" info --json "$H"
check "info --json names a file whose name is not UTF-8" python3 -c '
import json, sys
f = json.load(open(sys.argv[1]))["file"]
assert f.endswith("\\\\e\\xff") and "\\e]0;PWNED\\x07" in f, f' "$TMP/out"

# the gzip hint is a command that runs gunzip on exactly that file
hint=$(sed -n 's/.*decompress it first: \(gunzip -c .*\) > dump.hprof$/\1/p' "$TMP/runs/"*.err | head -n 1)
if [ -n "$hint" ] && (cd "$TMP" && eval "$hint" 2>/dev/null | cmp -s - "$FIX/hprof/small-id8.hprof"); then
	ok "the gzip hint, pasted into a shell, decompresses that file and runs nothing else"
else
	notok "the gzip hint is not a safe command: '$hint'"
fi
