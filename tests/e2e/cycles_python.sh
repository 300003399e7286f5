#!/bin/sh
# The user's cycles on real CPython heaps, on every CPython installed (pyenv
# 3.8 .. 3.13): tests/oracles/cycles/python/planted.py plants a ring, a
# doubly linked list, self loops, parent<->children through a list, N
# identical Session/Request cycles, closure and bound-method cycles and an
# exception kept by its frame, plus acyclic controls, and dumps itself
# twice (as it is, then after importing more modules and defining more
# classes).  check_cycles.py compares `heapglass cycles --json --top 0` on
# both dumps, and the dump's own marks, with the ids the program recorded.
. tests/e2e/lib.sh
. tests/oracles/python/pythons.sh
ORACLE=$TOP/tests/oracles/cycles/python

python_list >"$TMP/pythons"
while read -r v py; do
	if [ "$py" = - ]; then skip "CPython $v: not installed"; continue; fi
	d=$TMP/$v
	if ! "$py" "$ORACLE/planted.py" "$d" >"$TMP/planted.out" 2>&1; then
		notok "$v planted.py failed: $(tail -n 3 "$TMP/planted.out")"
		continue
	fi
	for which in plain more; do
		run_cmd "$BIN" cycles --json --top 0 "$d/$which"
		if [ "$rc" -ne 0 ]; then
			notok "$v heapglass cycles on the $which dump: exit $rc: $(head -c 300 "$TMP/err")"
			continue 2
		fi
		cp "$TMP/out" "$d/$which.json"
	done
	"$py" "$ORACLE/check_cycles.py" "$d/expected.json" "$d/plain.json" "$d/more.json" "$d/plain"
done <"$TMP/pythons"
