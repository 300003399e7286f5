# The user's cycles on real JVM heaps: tests/oracles/cycles/java/Shapes.java
# plants known shapes and acyclic controls, JDK 17's `jcmd PID GC.heap_dump`
# dumps it twice (-all, then live after it loaded 40 more classes), and
# tests/oracles/cycles/java/check.py reads the dumps itself to check that
# `heapglass cycles --json` lists exactly the planted shapes with exactly
# their objects (docs/user-graph.md, "Java HPROF").  One JVM, two jcmds.
. "$TOP/tests/e2e/lib.sh"
SRC=$TOP/tests/oracles/cycles/java

for tool in javac java jcmd python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		skip "cycles_hprof: real JVM dumps ($tool not found)"
		exit 0
	fi
done
mkdir -p "$TMP/cls" "$TMP/run"
if ! javac -J-XX:TieredStopAtLevel=1 -d "$TMP/cls" "$SRC/Shapes.java" "$SRC/Extra.java" 2>"$TMP/javac.err"; then
	notok "cycles_hprof: javac Shapes.java: $(head -c 400 "$TMP/javac.err")"
	exit 0
fi

java -XX:TieredStopAtLevel=1 -Xmx64m -cp "$TMP/cls" Shapes "$TMP/run" >"$TMP/java.out" 2>&1 &
JPID=$!
trap 'kill "$JPID" 2>/dev/null; rm -rf "$TMP"' EXIT

# await FILE: waits up to 60 s for the program to write FILE (0), or for it
# to die (1).
await() {
	_n=0
	while [ ! -e "$1" ]; do
		if ! kill -0 "$JPID" 2>/dev/null || [ "$_n" -ge 600 ]; then
			return 1
		fi
		sleep 0.1
		_n=$((_n + 1))
	done
}
# dump ARGS... FILE: jcmd GC.heap_dump; ok when the file is written.
dump() {
	if jcmd "$JPID" GC.heap_dump "$@" >"$TMP/jcmd.out" 2>&1 && [ -s "$(eval echo "\${$#}")" ]; then
		return 0
	fi
	notok "cycles_hprof: jcmd $JPID GC.heap_dump $*: $(head -c 400 "$TMP/jcmd.out")"
	exit 0
}
if ! await "$TMP/run/ready1"; then
	notok "cycles_hprof: Shapes did not start: $(head -c 400 "$TMP/java.out")"
	exit 0
fi
dump -all "$TMP/all.hprof"
touch "$TMP/run/more"
if ! await "$TMP/run/ready2"; then
	notok "cycles_hprof: Shapes did not load its extra classes: $(head -c 400 "$TMP/java.out")"
	exit 0
fi
dump "$TMP/live.hprof"
touch "$TMP/run/quit"
wait "$JPID"
ok "cycles_hprof: the JVM dumped Shapes twice (jcmd GC.heap_dump -all, then live)"

for d in all live; do
	if ! "$BIN" cycles --json --top 0 "$TMP/$d.hprof" >"$TMP/$d.json" 2>"$TMP/err"; then
		notok "cycles_hprof: heapglass cycles --json on the $d dump: $(head -c 400 "$TMP/err")"
		exit 0
	fi
done
if python3 "$SRC/check.py" "$TMP/all.hprof" "$TMP/all.json" "$TMP/live.hprof" "$TMP/live.json" \
	>"$TMP/check" 2>&1; then
	ok "cycles_hprof: $(tr '\n' ';' <"$TMP/check" | sed 's/;$//')"
else
	notok "cycles_hprof: $(tr '\n' ' ' <"$TMP/check" | head -c 1500)"
fi
