#!/bin/sh
# The Python dumper on every CPython installed (pyenv 3.8 .. 3.13): facts
# the test arranged (refcounts, names, flags, no user code run: see
# tests/oracles/python/check_dump.py), the command line (exit status kept, dump
# written on SystemExit and on an uncaught exception), the signal handler,
# and heapglass loading what it wrote with the counts the dumper reported.
. tests/e2e/lib.sh
. tests/oracles/python/pythons.sh
DUMPER=$TOP/loaders/python/heapglass_dump.py
# The command-line checks run a copy of the dumper from a short folder: the
# dump keeps only the first 40 characters of a text (and 80 of a key), so
# counting the texts that name the dumper needs its whole path to fit (a
# clone's own path may be any length).
SHORT=$(mktemp -d /tmp/hgd.XXXXXX)
trap 'rm -rf "$TMP" "$SHORT"' EXIT
cp "$DUMPER" "$SHORT/heapglass_dump.py"
CLI_DUMPER=$SHORT/heapglass_dump.py

# low_refcounts PY DUMP: rows whose refcount is below 1 (at most 3).
low_refcounts() {
	"$1" - "$2/nodes.csv" <<'PY'
import csv, sys
n = 0
with open(sys.argv[1], newline="", encoding="utf-8", errors="surrogateescape") as f:
    for r in csv.DictReader(f):
        if r["refcount"] != "" and int(r["refcount"]) < 1 and n < 3:
            print(r["id"], r["type"], r["refcount"])
            n += 1
PY
}

# info_matches NAME DUMP OBJECTS REFERENCES: heapglass info agrees.
info_matches() {
	run_cmd "$BIN" info --json "$2"
	if [ "$rc" -ne 0 ]; then notok "$1: heapglass info failed: $(head -c 300 "$TMP/err")"; return; fi
	_o=$(sed -n 's/^ *"objects": *\([0-9]*\),*$/\1/p' "$TMP/out" | head -n 1)
	_r=$(sed -n 's/^ *"references": *\([0-9]*\),*$/\1/p' "$TMP/out" | head -n 1)
	_u=$(sed -n 's/^ *"unknown_references": *\([0-9]*\),*$/\1/p' "$TMP/out" | head -n 1)
	if [ "$_o" = "$3" ] && [ "$_r" = "$4" ] && [ "$_u" = 0 ]; then
		ok "$1: heapglass info reads $3 objects, $4 references, none unknown"
	else
		notok "$1: heapglass info: objects $_o references $_r unknown $_u, dumper wrote $3 / $4"
	fi
}

python_list >"$TMP/pythons"
while read -r v py; do
	if [ "$py" = - ]; then skip "CPython $v: not installed"; continue; fi
	d=$TMP/$v
	mkdir -p "$d"
	"$py" tests/oracles/python/check_dump.py "$d/check" >"$d/check.out" 2>"$d/check.err"
	crc=$?
	cat "$d/check.out"
	[ "$crc" -eq 0 ] || notok "$v check_dump.py exited $crc: $(tail -n 3 "$d/check.err")"

	# Command line: runs the script as __main__ with its arguments, keeps
	# its exit status, dumps even when it calls sys.exit().
	cat >"$d/app.py" <<'PY'
import gc, sys
gc.disable()    # (the garbage cycle below stays for the dump)
class Leaky:
    pass
keep = [Leaky() for _ in range(100)]
cyc = Leaky(); cyc.me = cyc; del cyc
assert __name__ == "__main__", __name__
print("args", sys.argv[1:])
print("orig", getattr(sys, "orig_argv", [None, "?"])[1:])
import os
print("path", sys.path[0] == os.path.dirname(os.path.abspath(__file__)), "" in sys.path)
sys.exit(3)
PY
	"$py" "$CLI_DUMPER" -o "$d/cli" -- "$d/app.py" one two >"$d/cli.out" 2>"$d/cli.err"
	crc=$?
	if [ "$crc" -eq 3 ] && grep -q "args \['one', 'two'\]" "$d/cli.out" && [ -f "$d/cli/nodes.csv" ]; then
		ok "$v command line: script ran as __main__ with its args, exit status 3 kept, dump written"
	else
		notok "$v command line: exit $crc, out $(cat "$d/cli.out"), err $(head -c 300 "$d/cli.err")"
	fi
	# sys.path as `python SCRIPT` has it: the script's folder first, not
	# the current folder ("", which `python -c` puts there)
	if grep -q '^path True False$' "$d/cli.out"; then
		ok "$v command line: sys.path starts with the script's folder, without the current one"
	else
		notok "$v command line: sys.path: $(grep '^path' "$d/cli.out")"
	fi
	# (3.10+) sys.orig_argv as typed, without the boot command it was re-run
	# with (whose source is not left in the dump either)
	case $(sed -n 's/^orig //p' "$d/cli.out") in
	"['?']" | "['$CLI_DUMPER', '-o', '$d/cli', '--', '$d/app.py', 'one', 'two']")
		ok "$v command line: sys.orig_argv as typed" ;;
	*) notok "$v command line: sys.orig_argv: $(sed -n 's/^orig //p' "$d/cli.out")" ;;
	esac
	if grep -q 'sys.path.insert(0, sys.argv\|HEAPGLASS_DUMP_EXECED' "$d/cli/nodes.csv"; then
		notok "$v command-line dump holds the dumper's boot: $(grep 'sys.path.insert(0, sys.argv\|HEAPGLASS_DUMP_EXECED' "$d/cli/nodes.csv" | head -c 300)"
	else
		ok "$v command-line dump holds nothing of the dumper's boot"
	fi
	# nor the boot's parse (its tokens: 3.9+ keep b'heapglass_dump' and
	# the name), this module's spec and loader, or the import system's
	# listing of the dumper's folder: the one text that names the dumper
	# is the path typed on the command line, in sys.orig_argv (3.10+)
	traces=$(grep -c "heapglass_dump" "$d/cli/nodes.csv")
	want=1
	grep -q "^orig \\['?'\\]" "$d/cli.out" && want=0
	folder=$(grep -c ",$SHORT," "$d/cli/edges.csv")
	if [ "$traces" -eq "$want" ] && [ "$folder" -eq 0 ]; then
		ok "$v command-line dump names the dumper only where the command line does ($want)"
	else
		notok "$v command-line dump names the dumper $traces times (want $want), its folder $folder: $(grep "heapglass_dump" "$d/cli/nodes.csv" | head -n 4 | cut -c 1-90 | tr '\n' '|')"
	fi
	# the garbage is the program's own, its one Leaky (and that one's
	# __dict__ where it has one), not the launch's (3.9 and 3.11 made
	# throwaway classes importing the dumper's modules)
	"$BIN" unreachable "$d/cli" --top 0 >"$d/unreach.txt" 2>&1
	garbage=$(awk 'NR > 1 && $3 != "" { print $3 }' "$d/unreach.txt" | sort | uniq -c | awk '{ printf "%s %s, ", $1, $2 }')
	case $garbage in
	"1 __main__.Leaky, " | "1 __main__.Leaky, 1 dict, ")
		ok "$v command-line dump: the garbage is the program's alone ($garbage)" ;;
	*) notok "$v command-line dump: garbage $garbage$(head -c 300 "$d/unreach.txt")" ;;
	esac
n=$(sed -n 's/^heapglass_dump: \([0-9]*\) objects, \([0-9]*\) references.*/\1/p' "$d/cli.err")
	e=$(sed -n 's/^heapglass_dump: \([0-9]*\) objects, \([0-9]*\) references.*/\2/p' "$d/cli.err")
	info_matches "$v command-line dump" "$d/cli" "$n" "$e"
	if grep -q '__main__\.Leaky' "$d/cli/nodes.csv" && [ "$(grep -c ',__main__\.Leaky,' "$d/cli/nodes.csv")" -eq 101 ]; then
		ok "$v command-line dump holds the script's 100 live and 1 garbage instances"
	else
		notok "$v command-line dump: $(grep -c ',__main__\.Leaky,' "$d/cli/nodes.csv") Leaky instances, want 101"
	fi
	# An object that exists has a reference: a count below 1 would be one
	# the dumper held (and subtracted) but failed to leave out.
	low=$(low_refcounts "$py" "$d/cli")
	if [ -z "$low" ]; then ok "$v command-line dump: every refcount is at least 1"; else notok "$v command-line dump: refcount < 1: $low"; fi
	"$py" "$DUMPER" -o "$d/focus" --focus __main__ -- "$d/app.py" >/dev/null 2>"$d/focus.err"
	n=$(sed -n 's/^heapglass_dump: \([0-9]*\) objects, \([0-9]*\) references.*/\1/p' "$d/focus.err")
	e=$(sed -n 's/^heapglass_dump: \([0-9]*\) objects, \([0-9]*\) references.*/\2/p' "$d/focus.err")
	info_matches "$v focused command-line dump" "$d/focus" "$n" "$e"
	if [ "$(grep -c ',__main__\.Leaky,' "$d/focus/nodes.csv")" -eq 101 ] && [ "$n" -lt 2000 ]; then
		ok "$v --focus __main__: the script's 101 instances in a dump of $n objects"
	else
		notok "$v --focus __main__: $(grep -c ',__main__\.Leaky,' "$d/focus/nodes.csv") instances, $n objects"
	fi
	low=$(low_refcounts "$py" "$d/focus")
	if [ -z "$low" ]; then ok "$v focused dump: every refcount is at least 1"; else notok "$v focused dump: refcount < 1: $low"; fi
	# After gc.freeze() (as prefork servers call it) the frozen interpreter
	# stays out of a focused dump as it does unfrozen; the frozen instances
	# and the garbage made after are in.
	sed 's/^keep = \(.*\)$/keep = \1\ngc.freeze()/' "$d/app.py" >"$d/frozen.py"
	"$py" "$DUMPER" -o "$d/ffocus" --focus __main__ -- "$d/frozen.py" >/dev/null 2>"$d/ffocus.err"
	n=$(sed -n 's/^heapglass_dump: \([0-9]*\) objects, \([0-9]*\) references.*/\1/p' "$d/ffocus.err")
	e=$(sed -n 's/^heapglass_dump: \([0-9]*\) objects, \([0-9]*\) references.*/\2/p' "$d/ffocus.err")
	info_matches "$v focused dump after gc.freeze()" "$d/ffocus" "$n" "$e"
	if grep -q '^gc.freeze()$' "$d/frozen.py" && [ "$(grep -c ',__main__\.Leaky,' "$d/ffocus/nodes.csv")" -eq 101 ] && [ "$n" -lt 2000 ]; then
		ok "$v --focus __main__ after gc.freeze(): the script's 101 instances in a dump of $n objects"
	else
		notok "$v --focus __main__ after gc.freeze(): $(grep -c ',__main__\.Leaky,' "$d/ffocus/nodes.csv") instances, $n objects"
	fi
	low=$(low_refcounts "$py" "$d/ffocus")
	if [ -z "$low" ]; then ok "$v focused dump after gc.freeze(): every refcount is at least 1"; else notok "$v focused dump after gc.freeze(): refcount < 1: $low"; fi
	printf 'x = [1]\nraise KeyError("boom")\n' >"$d/boom.py"
	"$py" "$DUMPER" -o "$d/boom" "$d/boom.py" >/dev/null 2>"$d/boom.err"
	crc=$?
	if [ "$crc" -eq 1 ] && grep -q KeyError "$d/boom.err" && [ -f "$d/boom/edges.csv" ]; then
		ok "$v command line: an uncaught exception is printed, exit 1, dump written"
	else
		notok "$v command line on an exception: exit $crc, $(head -c 300 "$d/boom.err")"
	fi
	run_cmd "$py" "$DUMPER" -o
	if [ "$rc" -eq 2 ] && grep -q usage "$TMP/err"; then ok "$v command line: usage error"; else notok "$v usage error: exit $rc"; fi
	run_cmd "$py" "$DUMPER" -o "$d/no-such-dir/x" -- "$d/missing.py"
	if [ "$rc" -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "cannot read" "$TMP/err"; then
		ok "$v command line: a missing script is one line, exit 2"
	else
		notok "$v missing script: exit $rc, $(head -c 300 "$TMP/err")"
	fi
	printf 'pass\n' >"$d/empty.py"
	: >"$d/file"
	run_cmd "$py" "$DUMPER" -o "$d/file/sub" -- "$d/empty.py"
	if [ "$rc" -eq 1 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && grep -q "cannot write" "$TMP/err"; then
		ok "$v command line: an unwritable OUT is one line, exit 1"
	else
		notok "$v unwritable OUT: exit $rc, $(head -c 300 "$TMP/err")"
	fi

	# Signal: a service dumps on SIGUSR1, twice, into {pid}-{n} folders.
	# (It reports each dump on stderr once written; wait for that line.)
	cat >"$d/service.py" <<PY
import sys, time
sys.path.insert(0, "$TOP/loaders/python")
import heapglass_dump, signal
heapglass_dump.install_signal(signal.SIGUSR1, "$d/svc-{pid}-{n}")
state = {"requests": [object() for _ in range(50)]}
open("$d/ready", "w").close()
for _ in range(300):
    time.sleep(0.05)
PY
	rm -f "$d/ready"
	"$py" "$d/service.py" 2>"$d/svc.err" &
	pid=$!
	i=0
	while [ ! -f "$d/ready" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -USR1 "$pid"
	i=0
	while ! grep -q -- "-1\$" "$d/svc.err" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -USR1 "$pid"
	i=0
	while ! grep -q -- "-2\$" "$d/svc.err" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ -f "$d/svc-$pid-1/edges.csv" ] && [ -f "$d/svc-$pid-2/edges.csv" ]; then
		ok "$v signal: two dumps into svc-{pid}-1 and svc-{pid}-2"
		n=$(sed -n 's/^heapglass_dump: \([0-9]*\) objects, \([0-9]*\) references -> .*-2$/\1/p' "$d/svc.err")
		e=$(sed -n 's/^heapglass_dump: \([0-9]*\) objects, \([0-9]*\) references -> .*-2$/\2/p' "$d/svc.err")
		info_matches "$v signal dump" "$d/svc-$pid-2" "$n" "$e"
	else
		notok "$v signal: no dump ($(ls "$d" | tr '\n' ' '); $(head -c 300 "$d/svc.err"))"
	fi
done <"$TMP/pythons"
