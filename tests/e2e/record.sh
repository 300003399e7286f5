#!/bin/sh
# heapglass record with every runtime that is installed: N snapshots
# appear, each loads, the program got its arguments verbatim (no shell),
# ran as __main__, was stopped at the end, and diff between the first and
# last snapshot shows its leaking class growing.  Plus bad command lines.
. tests/e2e/lib.sh
D=$FIX/diff
WEIRD='a b $(touch '"$TMP"'/pwned) ;*'

# recorded NAME DIR EXT TYPE: 3 snapshots DIR/snap-{1,2,3}EXT that load and
# show TYPE growing from the first to the last.
recorded() {
	_n=$1 _d=$2 _x=$3 _t=$4
	if [ "$rc" -ne 0 ]; then notok "$_n: record exited $rc: $(tail -n 2 "$TMP/err")"; return; fi
	if [ -e "$_d/snap-1$_x" ] && [ -e "$_d/snap-2$_x" ] && [ -e "$_d/snap-3$_x" ] && [ ! -e "$_d/snap-4$_x" ]; then
		ok "$_n: 3 snapshots written"
	else
		notok "$_n: snapshots: $(ls "$_d")"; return
	fi
	if grep -q "heapglass diff $_d/snap-1$_x $_d/snap-3$_x" "$TMP/out"; then
		ok "$_n: prints how to compare them"
	else
		notok "$_n: output: $(head -c 400 "$TMP/out")"
	fi
	_ok=1
	for _k in 1 2 3; do "$BIN" info "$_d/snap-$_k$_x" >/dev/null 2>&1 || _ok=0; done
	check "$_n: every snapshot loads" [ "$_ok" = 1 ]
	"$BIN" diff --json --top 0 "$_d/snap-1$_x" "$_d/snap-3$_x" >"$TMP/d.json" 2>"$TMP/d.err"
	if python3 - "$TMP/d.json" "$_t" <<'PY'; then ok "$_n: diff shows $_t growing"; else notok "$_n: diff: $(head -c 300 "$TMP/d.err")"; fi
import json, sys
d = json.load(open(sys.argv[1]))
t = {e["type"]: e["count_delta"] for e in d["types"]}
sys.exit(0 if t.get(sys.argv[2], 0) > 0 else 1)
PY
}

# stopped PIDFILE: the recorded program is gone.
gone() {
	sleep 0.2
	! kill -0 "$1" 2>/dev/null
}

not_in_dump() {
	! grep -qF -- "$1" "$2"
}

if ! command -v python3 >/dev/null 2>&1; then
	skip "record python: python3 not installed"
else
	run_cmd "$BIN" record -o "$TMP/py" --every 0.3 --count 3 -- python3 "$D/grow.py" "$TMP/py.args" "$WEIRD"
	recorded "record python" "$TMP/py" "" "__main__.Item"
	if python3 - "$TMP/py.args" "$D/grow.py" "$WEIRD" <<'PY'; then ok "record python: argv verbatim, run as __main__, sys.path[0] the script's folder"; else notok "record python: argv $(cat "$TMP/py.args")"; fi
import json, os, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["argv"] == [sys.argv[2], sys.argv[1], sys.argv[3]] and d["name"] == "__main__"
         and d["path0"] == os.path.dirname(sys.argv[2]) else 1)
PY
	# (3.10+) sys.orig_argv is the command as typed: record's boot code is
	# neither seen by the program nor left in the dump
	if python3 - "$TMP/py.args" <<'PY'; then ok "record python: sys.orig_argv as typed"; else notok "record python: orig_argv $(cat "$TMP/py.args")"; fi
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["orig_argv"] is None or d["orig_argv"][1:] == d["argv"] else 1)
PY
	check "record python: the boot code is not in the dump" not_in_dump "import os, runpy" "$TMP/py/snap-1/nodes.csv"
	# the same on every installed CPython (3.13 also keeps -c's source in
	# linecache)
	. tests/oracles/python/pythons.sh
	python_list >"$TMP/pythons"
	while read -r v py; do
		[ "$py" = - ] && continue
		run_cmd "$BIN" record -o "$TMP/py$v" --every 0.3 --count 1 -- "$py" "$D/grow.py" "$TMP/py$v.args" x
		# nor the boot's parse, the dumper's module spec, or the import
		# system's listing of its folder: nothing names the dumper; and of
		# the frames (3.8-3.10 keep running frames as objects), only the
		# program's own module frame, not the boot's or _record_run's below it
		if [ "$rc" -eq 0 ] && not_in_dump "import os, runpy" "$TMP/py$v/snap-1/nodes.csv" &&
			not_in_dump "heapglass_dump" "$TMP/py$v/snap-1/nodes.csv" &&
			not_in_dump ",$TOP/loaders/python," "$TMP/py$v/snap-1/edges.csv" &&
			not_in_dump ",_record_run," "$TMP/py$v/snap-1/nodes.csv" &&
			[ "$(grep -c ',frame,[0-9]*,<module>,' "$TMP/py$v/snap-1/nodes.csv")" -le 1 ] &&
			"$py" - "$TMP/py$v.args" <<'PY'; then
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["orig_argv"] is None or d["orig_argv"][1:] == d["argv"] else 1)
PY
			ok "record python $v: nothing of the boot code or the dumper in the dump, nor in sys.orig_argv"
		else
			notok "record python $v: exit $rc, $(grep -m 2 'import os, runpy\|heapglass_dump' "$TMP/py$v/snap-1/nodes.csv" | cut -c 1-90), $(cat "$TMP/py$v.args")"
		fi
	done <"$TMP/pythons"
	check "record python: no shell ran the arguments" [ ! -e "$TMP/pwned" ]
	# --focus MODULE: only what __main__ reaches (and any garbage)
	run_cmd "$BIN" record -o "$TMP/pyf" --every 0.3 --count 1 --focus __main__ -- python3 "$D/grow.py" "$TMP/pyf.args"
	if [ "$rc" -eq 0 ] && python3 - "$TMP/py/snap-1" "$TMP/pyf/snap-1" <<'PY'; then
import csv, os, sys
def rows(d):
    with open(os.path.join(d, "nodes.csv"), newline="", encoding="utf-8", errors="replace") as f:
        return list(csv.DictReader(f))
full, focused = rows(sys.argv[1]), rows(sys.argv[2])
items = sum(r["type"] == "__main__.Item" for r in focused)
modules = sorted(r["name"] for r in focused if r["type"] == "module")
sys.exit(0 if items > 0 and 4 * len(focused) < len(full) and modules == ["__main__"] else 1)
PY
		ok "record python --focus __main__: the items, module __main__ and no other, a quarter of the objects at most"
	else
		notok "record python --focus __main__: exit $rc, $(tail -n 2 "$TMP/err")"
	fi
	# -m MODULE: run as python -m runs it, in the one module __main__
	(cd "$D" && exec "$BIN" record -o "$TMP/pym" --every 0.3 --count 1 -- python3 -m grow "$TMP/pym.args" x) \
		>"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ "$rc" -eq 0 ] && python3 - "$TMP/pym.args" "$D/grow.py" "$TMP/pym/snap-1/nodes.csv" <<'PY'; then
import json, os, sys
d = json.load(open(sys.argv[1]))
mains = [l for l in open(sys.argv[3]) if l.split(",")[1:2] == ["module"] and ",__main__," in l]
ok = d["argv"] == [sys.argv[2], sys.argv[1], "x"] and d["name"] == "__main__" and len(mains) == 1
# sys.path[0]: the current folder, as a full path, as python -m puts it
ok = ok and d["path0"] == os.path.dirname(sys.argv[2])
sys.exit(0 if ok and (d["orig_argv"] is None or d["orig_argv"][1:] == ["-m", "grow", sys.argv[1], "x"]) else 1)
PY
		ok "record python -m MODULE: argv and sys.orig_argv as python -m gives them, one module __main__"
	else
		notok "record python -m: exit $rc, $(tail -n 1 "$TMP/err") $(cat "$TMP/pym.args")"
	fi
	expect_fail "record python: refuses to overwrite earlier snapshots" "snap-1 already exists" \
		"$BIN" record -o "$TMP/py" --every 0.3 --count 3 -- python3 "$D/grow.py" "$TMP/py.args2"
	pid=$(sed -n 's/^heapglass record: pid \([0-9]*\),.*/\1/p' "$TMP/err")
	check "record python: the program was stopped" gone "$pid"
	# A program that ends before the snapshots: one clear line, exit 1.
	printf 'import time\ntime.sleep(0.3)\n' >"$TMP/short.py"
	run_cmd "$BIN" record -o "$TMP/short" --every 0.2 --count 5 -- python3 "$TMP/short.py"
	if [ "$rc" -eq 1 ] && grep -qE "^heapglass: record: python3 exit status 0 after 1 of 5 snapshots" "$TMP/err" &&
	   grep -q "snap-1" "$TMP/out"; then
		ok "record python: a program that ends early is reported, its snapshot listed"
	else
		notok "record python: short program (exit $rc): $(tail -n 2 "$TMP/err")"
	fi
	run_cmd "$BIN" record -o "$TMP/missing" --every 0.2 -- python3 "$TMP/no-such-script.py"
	if [ "$rc" -eq 1 ] && tail -n 1 "$TMP/err" | grep -q "^heapglass: record: python3 exit status 2 after 0 of 3 snapshots" &&
		grep -q "^python3: can.t open file .*no-such-script.py.: \[Errno 2\]" "$TMP/err"; then
		ok "record python: a missing script is reported"
	else
		notok "record python: missing script (exit $rc): $(tail -n 2 "$TMP/err")"
	fi
	expect_fail "record python: -c is refused" "put the program in a file" \
		"$BIN" record -o "$TMP/c" -- python3 -c 'print(1)'
	# A dumper that fails (the program may not write files over 200 bytes):
	# record sees its reason at once, not after a long timeout.
	printf 'import resource, time\nresource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))\nwhile True:\n    time.sleep(0.05)\n' >"$TMP/fsize.py"
	t0=$(date +%s)
	run_cmd "$BIN" record -o "$TMP/fsize" --every 0.2 --count 2 -- python3 "$TMP/fsize.py"
	if [ "$rc" -eq 1 ] && grep -q "^heapglass: record: python3's dumper failed: .*File too large" "$TMP/err" &&
	   [ $(($(date +%s) - t0)) -lt 20 ] && ! ls -a "$TMP/fsize" | grep -q '^\.heapglass-'; then
		ok "record python: a failed dump is reported at once, nothing left behind"
	else
		notok "record python: failed dump (exit $rc, $(($(date +%s) - t0)) s): $(tail -n 2 "$TMP/err")"
	fi
	# A dangling symlink at a snapshot's name is refused, not written through.
	mkdir -p "$TMP/dang"
	ln -s "$TMP/victim" "$TMP/dang/snap-1"
	expect_fail "record python: a dangling symlink at snap-1 is refused" "snap-1 already exists" \
		"$BIN" record -o "$TMP/dang" --every 0.2 --count 1 -- python3 "$D/grow.py" "$TMP/dang.args"
	# SIGTERM to record takes the program down with it.
	"$BIN" record -o "$TMP/term" --every 0.3 --count 100 -- python3 "$D/grow.py" "$TMP/term.args" >"$TMP/term.out" 2>"$TMP/term.err" &
	hg=$!
	_i=0
	while [ ! -e "$TMP/term/snap-1" ] && [ "$_i" -lt 200 ]; do sleep 0.1; _i=$((_i + 1)); done
	kill -TERM "$hg"
	wait "$hg"
	rc=$?
	pid=$(sed -n 's/^heapglass record: pid \([0-9]*\),.*/\1/p' "$TMP/term.err")
	if [ "$rc" -eq 1 ] && grep -q "interrupted (signal 15) after [1-9][0-9]* of 100 snapshots; python3 stopped" "$TMP/term.err" &&
	   [ -n "$pid" ] && gone "$pid" && grep -q "snap-1" "$TMP/term.out"; then
		ok "record python: SIGTERM to record stops the program too"
	else
		notok "record python: SIGTERM (exit $rc): $(tail -n 2 "$TMP/term.err")"
	fi
	# Its output into a pipe that closes (| head): the program is stopped too.
	{ "$BIN" record -o "$TMP/pipe" --every 0.3 --count 100 -- python3 "$D/grow.py" "$TMP/pipe.args" 2>&1
	  echo $? >"$TMP/pipe.rc"; } | head -n 2 >"$TMP/pipe.out"
	pid=$(sed -n 's/^heapglass record: pid \([0-9]*\),.*/\1/p' "$TMP/pipe.out")
	_i=0
	while [ -n "$pid" ] && ! gone "$pid" && [ "$_i" -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	if [ -n "$pid" ] && gone "$pid" && [ "$(cat "$TMP/pipe.rc")" = 1 ]; then
		ok "record python: a closed output pipe stops record and the program"
	else
		notok "record python: closed pipe: record exit $(cat "$TMP/pipe.rc"), program $pid $(gone "$pid" || echo still running)"
		[ -n "$pid" ] && kill "$pid"
	fi
fi

if ! command -v node >/dev/null 2>&1; then
	skip "record node: node not installed"
else
	# The preload's old temporary name, planted as a symlink: never written through.
	mkdir -p "$TMP/js"
	ln -s "$TMP/js-victim" "$TMP/js/snap-1.heapsnapshot.tmp"
	run_cmd "$BIN" record -o "$TMP/js" --every 0.3 --count 3 -- node "$D/grow.js" "$TMP/js.args" "$WEIRD"
	recorded "record node" "$TMP/js" ".heapsnapshot" "Item"
	check "record node: a planted symlink is not written through" [ ! -e "$TMP/js-victim" ]
	if python3 - "$TMP/js.args" "$WEIRD" <<'PY'; then ok "record node: argv verbatim"; else notok "record node: argv $(cat "$TMP/js.args")"; fi
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["argv"] == [sys.argv[1], sys.argv[2]] else 1)
PY
	if grep -q "heapglass diff .*snap-1.heapsnapshot .*snap-2.heapsnapshot .*snap-3.heapsnapshot" "$TMP/out"; then
		ok "record node: suggests the three-snapshot comparison"
	else
		notok "record node: no A B C suggestion: $(cat "$TMP/out")"
	fi
	pid=$(sed -n 's/^heapglass record: pid \([0-9]*\),.*/\1/p' "$TMP/err")
	check "record node: the program was stopped" gone "$pid"
fi

if ! command -v java >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1 || ! command -v jcmd >/dev/null 2>&1; then
	skip "record java: java, javac or jcmd not installed"
else
	mkdir -p "$TMP/cls"
	if javac -d "$TMP/cls" "$D/Grow.java" 2>"$TMP/err"; then
		run_cmd "$BIN" record -o "$TMP/jv" --every 0.5 --count 3 -- java -cp "$TMP/cls" Grow "$TMP/jv.args" "$WEIRD"
		recorded "record java" "$TMP/jv" ".hprof" 'Grow$Item'
		if [ "$(sed -n 2p "$TMP/jv.args")" = "$WEIRD" ]; then ok "record java: argv verbatim"; else notok "record java: argv $(cat "$TMP/jv.args")"; fi
	else
		notok "record java: javac failed: $(head -n 3 "$TMP/err")"
	fi
fi

expect_fail "record: no command" "a COMMAND to run .*or --pid PID is needed" "$BIN" record -o "$TMP/x"
expect_fail "record: unknown runtime" "cannot tell how to dump 'ls'" "$BIN" record -o "$TMP/x" -- ls -l
expect_fail "record: bad --every" "--every takes seconds" "$BIN" record --every zero -- python3 x.py
expect_fail "record: bad --count" "--count takes" "$BIN" record --count 0 -- python3 x.py
expect_fail "record: python without a script" "needs a script" "$BIN" record -o "$TMP/x" -- python3 -u
: >"$TMP/file"
expect_fail "record: -o is a file" "cannot create|Not a directory" "$BIN" record -o "$TMP/file/sub" -- python3 x.py
