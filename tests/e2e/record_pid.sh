#!/bin/sh
# heapglass record --pid on programs started WITHOUT heapglass, with every
# runtime that is installed (CPython 3.8 .. 3.13 and the system python3,
# with the main thread waiting and with it holding the GIL; node, java): each program holds a known number of objects of a planted
# class (tests/fixtures/record); one snapshot, then three; each snapshot
# holds exactly that number; afterwards the program still answers on its
# stdin, nothing traces it any more, no temporary folder is left, and a
# Node process has no inspector port open.  Then the failures, each one line
# with the process left running: no such process, an unknown runtime, an
# interpreter without the symbols gdb needs, another user's process, a
# process already traced, no gdb, a taken inspector port, Python 3.7, and
# SIGINT in the middle of a run.
. tests/e2e/lib.sh
. tests/oracles/python/pythons.sh
R=$FIX/record
TPID=

# wait_line FILE TEXT: waits up to 20 s for a line TEXT in FILE.
wait_line() {
	_i=0
	while [ "$_i" -lt 200 ]; do
		grep -qx "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}

# start NAME CMD...: runs CMD with its stdin a FIFO held open on fd 3 and
# its stdout in $TMP/NAME.out; waits for its "ready".  Sets TPID.
start() {
	_n=$1
	shift
	rm -f "$TMP/$_n.in" "$TMP/$_n.out"
	mkfifo "$TMP/$_n.in"
	"$@" <"$TMP/$_n.in" >"$TMP/$_n.out" 2>"$TMP/$_n.err" &
	TPID=$!
	exec 3>"$TMP/$_n.in"
	OUT=$TMP/$_n.out
	wait_line "$OUT" ready
}

# finish: closes the program's stdin (it ends), kills it if it does not.
finish() {
	exec 3>&-
	[ -n "$TPID" ] || return 0
	_i=0
	while kill -0 "$TPID" 2>/dev/null && [ "$_i" -lt 30 ]; do sleep 0.1; _i=$((_i + 1)); done
	kill -9 "$TPID" 2>/dev/null
	wait "$TPID" 2>/dev/null
	TPID=
}
trap 'finish; rm -rf "$TMP"' EXIT

# answers N: the program is still running and answers "pong N".
answers() {
	_pongs=$(grep -c '^pong' "$OUT")
	echo ping >&3
	_i=0
	while [ "$_i" -lt 100 ]; do
		[ "$(grep -c '^pong' "$OUT")" -gt "$_pongs" ] && break
		sleep 0.1
		_i=$((_i + 1))
	done
	kill -0 "$TPID" 2>/dev/null && [ "$(grep '^pong' "$OUT" | tail -n 1)" = "pong $1" ]
}

# untraced: nothing ptrace-attached to the program any more.
untraced() {
	[ "$(sed -n 's/^TracerPid:[[:space:]]*//p' "/proc/$TPID/status")" = 0 ]
}

# listeners PID: the TCP ports PID listens on (hex), from /proc.
listeners() {
	for _ino in $(ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\].*/\1/p'); do
		awk -v i="$_ino" '$4 == "0A" && $10 == i { print $2 }' "/proc/$1/net/tcp" "/proc/$1/net/tcp6"
	done
}

# counts TYPE FILE...: the number of TYPE objects in each snapshot, as
# "a b c" (heapglass types --json).
counts() {
	_t=$1
	shift
	for _f in "$@"; do
		"$BIN" types --json --top 0 "$_f" 2>/dev/null | python3 -c '
import json, sys
t = {e["type"]: e["count"] for e in json.load(sys.stdin)["types"]}
print(t.get(sys.argv[1], 0))' "$_t" 2>/dev/null || echo error
	done | tr '\n' ' ' | sed 's/ $//'
}

# attach NAME DIR COUNT TYPE N EXT [OPTIONS...]: record --pid $TPID COUNT
# snapshots into DIR; checks them and the program afterwards.
attach() {
	_name=$1 _dir=$2 _count=$3 _type=$4 _n=$5 _ext=$6
	shift 6
	run_cmd "$BIN" record --pid "$TPID" -o "$_dir" --count "$_count" --every 0.2 "$@"
	if [ "$rc" -ne 0 ]; then
		notok "$_name: record --pid exited $rc: $(tail -n 2 "$TMP/err")"
		return
	fi
	_files= _want=
	_k=1
	while [ "$_k" -le "$_count" ]; do
		_files="$_files $_dir/snap-$_k$_ext"
		_want="$_want $_n"
		_k=$((_k + 1))
	done
	_want=${_want# }
	# shellcheck disable=SC2086
	_got=$(counts "$_type" $_files)
	if [ "$_got" = "$_want" ] && [ ! -e "$_dir/snap-$_k$_ext" ]; then
		ok "$_name: $_count snapshot(s), each with exactly $_n $_type"
	else
		notok "$_name: $_type per snapshot: $_got (want $_want); $(ls -a "$_dir" | tr '\n' ' ')"
	fi
	# Python's answer also counts what is left of the injected dumper: none.
	case $_type in __main__.*) _n="$_n 0" ;; esac
	# Nor is anything of the injection in its dumps: the two commands'
	# parses and code (the inner one travels in hex), their globals, the
	# dumper's code and what compiling it made, the paths it was given.
	# (planted.py names heapglass_dump itself: that name alone is its own.)
	case $_type in __main__.*)
		_left=
		for _f in $_files; do
			_left="$_left$(grep -E "heapglass_dump: write|usage: heapglass_dump|cannot load heapglass_dump|\.heapglass-|_HEAPGLASS_RECORD|696d706f7274|loaders/python/heapglass_dump" "$_f/nodes.csv" | head -n 3 | cut -c 1-80)"
		done
		if [ -z "$_left" ]; then
			ok "$_name: nothing of the injected code or the dumper in the dumps"
		else
			notok "$_name: the dumps hold the injection: $_left"
		fi ;;
	esac
	if answers "$_n" && untraced; then
		ok "$_name: still running and answering, not traced"
	else
		notok "$_name: afterwards: $(tail -n 2 "$OUT"), $(grep TracerPid "/proc/$TPID/status" 2>&1)"
	fi
	if ls -a "$_dir" | grep -q '^\.heapglass-'; then
		notok "$_name: temporary folder left: $(ls -a "$_dir" | tr '\n' ' ')"
	fi
}

# ---------------------------------------------------------------- Python
# Whether this machine lets gdb attach at all (kernel.yama.ptrace_scope 3,
# or a container without CAP_SYS_PTRACE, do not).
ptrace_ok() {
	sleep 5 &
	_sp=$!
	gdb -batch -nx -p "$_sp" >"$TMP/ptrace.out" 2>&1
	kill "$_sp" 2>/dev/null
	wait "$_sp" 2>/dev/null
	! grep -q "ptrace: Operation not permitted" "$TMP/ptrace.out"
}

# Whether gdb can call a function in a process here and put its registers
# back: gdb 13 and older cannot on a CPU with AMX state (the kernel refuses
# their write of the extended state).  The same write record makes first.
gdb_calls_ok() {
	sleep 5 &
	_sp=$!
	printf 'set $x = $xmm0.v4_int32[0]\nset $xmm0.v4_int32[0] = $x + 1\nset $xmm0.v4_int32[0] = $x\necho REGS-OK\\n\n' >"$TMP/regs.gdb"
	gdb -batch -nx -p "$_sp" -x "$TMP/regs.gdb" >"$TMP/regs.out" 2>&1
	kill "$_sp" 2>/dev/null
	wait "$_sp" 2>/dev/null
	[ "$(uname -m)" != x86_64 ] || grep -q "^REGS-OK" "$TMP/regs.out"
}

if ! command -v gdb >/dev/null 2>&1; then
	skip "record --pid python: gdb not installed"
elif ! ptrace_ok; then
	scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo none)
	skip "record --pid python: ptrace is not allowed here (kernel.yama.ptrace_scope: $scope)"
	py=$(command -v python3)
	if [ -n "$py" ] && start pyp "$py" "$R/planted.py" 5 wait; then
		expect_fail "record --pid: ptrace refused is one line" "ptrace of $TPID refused" \
			"$BIN" record --pid "$TPID" -o "$TMP/x" --count 1
		finish
	fi
else
	if ! gdb_calls_ok; then
		skip "record --pid python: gdb cannot call into a process on this machine ($(grep -m1 -i "couldn't\|cannot" "$TMP/regs.out"); gdb $(gdb --version | sed -n '1s/.* //p'))"
		start pyf "$(command -v python3)" "$R/planted.py" 77 wait
		expect_fail "record --pid: a gdb that cannot restore registers is one line" \
			"gdb cannot restore $TPID's registers after a call on this machine .*so heapglass called nothing and $TPID runs on unchanged" \
			"$BIN" record --pid "$TPID" -o "$TMP/x" --count 1
		if answers "77 0" && untraced; then ok "record --pid: ... and the process runs on, untraced"; else notok "record --pid: after the refused call: $(tail -n 1 "$OUT")"; fi
	else
		python_list >"$TMP/pythons"
		# The distribution's own python3 (stripped: only its dynamic symbols).
		for _sys in /usr/bin/python3; do
			[ -x "$_sys" ] && ! grep -q " $_sys\$" "$TMP/pythons" && echo "system $_sys" >>"$TMP/pythons"
		done
		n=100
		while read -r v py; do
			if [ "$py" = - ]; then skip "record --pid CPython $v: not installed"; continue; fi
			n=$((n + 11))
			if start "py$v" "$py" "$R/planted.py" "$n" wait; then
				attach "record --pid CPython $v, main thread waiting" "$TMP/py$v-1" 1 __main__.Planted "$n" ""
			else
				notok "record --pid CPython $v: planted.py did not start"
			fi
			finish
			if start "py$v" "$py" "$R/planted.py" "$n" held; then
				attach "record --pid CPython $v, main thread holding the GIL" "$TMP/py$v-3" 3 __main__.Planted "$n" ""
			else
				notok "record --pid CPython $v: planted.py did not start"
			fi
			finish
			lastv=$v lastpy=$py
		done <"$TMP/pythons"

		start pyf "$lastpy" "$R/planted.py" 77 wait
		attach "record --pid --focus __main__" "$TMP/pyf" 1 __main__.Planted 77 "" --focus __main__
		"$BIN" info --json "$TMP/pyf/snap-1" >"$TMP/pyf.json" 2>/dev/null
		"$BIN" info --json "$TMP/py$lastv-1/snap-1" >"$TMP/pyfull.json" 2>/dev/null
		_f=$(sed -n 's/^ *"objects": *\([0-9]*\),*$/\1/p' "$TMP/pyf.json" | head -n 1)
		_full=$(sed -n 's/^ *"objects": *\([0-9]*\),*$/\1/p' "$TMP/pyfull.json" | head -n 1)
		if [ -n "$_f" ] && [ -n "$_full" ] && [ "$_f" -lt "$_full" ]; then
			ok "record --pid --focus: a smaller snapshot ($_f objects, $_full without)"
		else
			notok "record --pid --focus: $_f objects, $_full without"
		fi

		# SIGINT in the middle: the run ends after the snapshot in progress.
		"$BIN" record --pid "$TPID" -o "$TMP/int" --count 50 --every 0.3 >"$TMP/int.out" 2>"$TMP/int.err" &
		hg=$!
		_i=0
		while [ ! -e "$TMP/int/snap-1" ] && [ "$_i" -lt 200 ]; do sleep 0.1; _i=$((_i + 1)); done
		kill -INT "$hg"
		wait "$hg"
		rc=$?
		if [ "$rc" -eq 1 ] && grep -q "^heapglass: record: interrupted (signal 2) after [1-9][0-9]* of 50 snapshots; $TPID left running" "$TMP/int.err" &&
		   answers "77 0" && untraced && ! ls -a "$TMP/int" | grep -q '^\.heapglass-' && [ -d "$TMP/int/snap-1" ] &&
		   ! pgrep -f "gdb .*attach-" >/dev/null 2>&1; then
			ok "record --pid: SIGINT detaches cleanly, the process runs on"
		else
			notok "record --pid: SIGINT (exit $rc): $(tail -n 2 "$TMP/int.err")"
		fi

	fi
	expect_fail "record --pid: --all is for Java" "--all is for Java; $TPID runs python" \
		"$BIN" record --pid "$TPID" -o "$TMP/x" --all
	# Already traced by someone else.
	gdb -batch -nx -p "$TPID" -ex 'shell sleep 3' >/dev/null 2>&1 &
	gpid=$!
	_i=0
	while untraced && [ "$_i" -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
	expect_fail "record --pid: a process already traced" "$TPID is already traced by process" \
		"$BIN" record --pid "$TPID" -o "$TMP/x" --count 1
	wait "$gpid"
	if answers "77 0"; then ok "record --pid: the traced process runs on"; else notok "record --pid: traced process: $(tail -n 1 "$OUT")"; fi
	# No gdb on PATH.
	expect_fail "record --pid: without gdb" "needs gdb, which is not installed" \
		env PATH=/nonexistent "$BIN" record --pid "$TPID" -o "$TMP/x" --count 1
	# Another user's process.
	if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
		mkdir -m 1777 "$TMP/pub"
		chmod 755 "$TMP"
		expect_fail "record --pid: another user's process" "belongs to user root .*run heapglass as that user, or as root" \
			setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" record --pid "$TPID" -o "$TMP/pub/x" --count 1
		chmod 700 "$TMP"
	else
		skip "record --pid: another user's process (needs root and setpriv)"
	fi
	finish

	# A "python" without the interpreter's symbols.
	cp "$(command -v sleep)" "$TMP/python3.11"
	"$TMP/python3.11" 30 &
	sp=$!
	sleep 0.2
	expect_fail "record --pid: an interpreter without the needed symbols" \
		"$sp's interpreter .* has no symbol Py_AddPendingCall" "$BIN" record --pid "$sp" -o "$TMP/x" --count 1
	if kill "$sp" 2>/dev/null; then ok "record --pid: it runs on after the failed attach"; else notok "record --pid: it died"; fi
	wait "$sp" 2>/dev/null

	old=$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.7.*/bin/python3 2>/dev/null | tail -n 1)
	if [ -n "$old" ]; then
		start py37 "$old" "$R/planted.py" 5 wait
		expect_fail "record --pid: CPython 3.7" "runs Python 3.7: heapglass's dumper needs CPython 3.8" \
			"$BIN" record --pid "$TPID" -o "$TMP/x" --count 1
		finish
	else
		skip "record --pid: CPython 3.7 refused (not installed)"
	fi
fi

# ---------------------------------------------------------------- Node.js
if ! command -v node >/dev/null 2>&1; then
	skip "record --pid node: node not installed"
else
	start js node "$R/planted.js" 123
	attach "record --pid node" "$TMP/js-1" 1 Planted 123 .heapsnapshot
	attach "record --pid node" "$TMP/js-3" 3 Planted 123 .heapsnapshot
	if [ -z "$(listeners "$TPID")" ]; then
		ok "record --pid node: no inspector port left open (/proc)"
	else
		notok "record --pid node: listening on $(listeners "$TPID")"
	fi
	if command -v ss >/dev/null 2>&1; then
		if ss -ltnp | grep -q "pid=$TPID,"; then notok "record --pid node: ss -ltnp: $(ss -ltnp | grep "pid=$TPID,")"; else ok "record --pid node: no inspector port left open (ss -ltnp)"; fi
	fi
	expect_fail "record --pid: --focus is for Python" "--focus is for Python; $TPID runs node" \
		"$BIN" record --pid "$TPID" -o "$TMP/x" --focus __main__
	# Port 9229 taken by another process: refused before any signal.
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 9229))
s.listen(1)
print("ready", flush=True)
time.sleep(30)' >"$TMP/port.out" 2>&1 &
		lp=$!
		if wait_line "$TMP/port.out" ready; then
			expect_fail "record --pid node: inspector port taken" "port 9229 is already taken by another process" \
				"$BIN" record --pid "$TPID" -o "$TMP/x" --count 1
			if answers 123 && [ -z "$(listeners "$TPID")" ]; then ok "record --pid node: runs on, no port opened"; else notok "record --pid node: after the taken port: $(tail -n 1 "$OUT")"; fi
		else
			skip "record --pid node: port 9229 already in use here"
		fi
		kill "$lp" 2>/dev/null
		wait "$lp" 2>/dev/null
	fi
	finish
fi

# ---------------------------------------------------------------- Java
if ! command -v java >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1 || ! command -v jcmd >/dev/null 2>&1; then
	skip "record --pid java: java, javac or jcmd not installed"
else
	mkdir -p "$TMP/cls"
	if javac -d "$TMP/cls" "$R/Planted.java" 2>"$TMP/javac.err"; then
		start jv java -Xshare:auto -cp "$TMP/cls" Planted 42
		attach "record --pid java" "$TMP/jv-1" 1 Planted 42 .hprof
		attach "record --pid java --all" "$TMP/jv-3" 3 Planted 42 .hprof --all
		finish
	else
		notok "record --pid java: javac failed: $(head -n 3 "$TMP/javac.err")"
	fi
fi

# ---------------------------------------------------------------- anything else
sh -c 'exit 0' &
gone=$!
wait "$gone"
expect_fail "record --pid: no such process" "no process $gone" "$BIN" record --pid "$gone" -o "$TMP/x"
sleep 30 &
sp=$!
expect_fail "record --pid: a runtime heapglass does not know" "$sp runs .*sleep, a runtime heapglass does not know" \
	"$BIN" record --pid "$sp" -o "$TMP/x"
if kill "$sp" 2>/dev/null; then ok "record --pid: the unknown process runs on"; else notok "record --pid: the unknown process died"; fi
expect_fail "record --pid: bad pid" "--pid takes a process id" "$BIN" record --pid x
expect_fail "record --pid: with a command" "do not go together" "$BIN" record --pid 1 -- python3 x.py
