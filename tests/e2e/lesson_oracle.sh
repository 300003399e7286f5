#!/bin/sh
# CPython is the truth for lessons.  tests/oracles/python/lesson_oracle.py
# writes random lessons (objects, fields, lists, dicts, cycles, aliases,
# finalizers, resurrection, weak references and their callbacks, del,
# gc.collect(), small thresholds, gc.freeze()) and translates each, and
# every bundled CPython or reference-counting lesson, into the same
# program in Python.  For every CPython installed (pyenv 3.8 .. 3.13), the
# program's own trace (when each statement finished, each __del__ and
# callback in order, each gc.collect() return value, gc.get_count() at the
# end, and every object alive at the end with its generation) must equal
# the trace heapglass prints for that lesson with --python X.Y.
#
# HEAPGLASS_ORACLE_ROUNDS (default 12) random lessons per version, from
# HEAPGLASS_ORACLE_SEED (default 1); a failure prints the seed, the round,
# the lesson and the two traces.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/oracles/python/pythons.sh"

ORACLE=$TOP/tests/oracles/python/lesson_oracle.py
ROUNDS=${HEAPGLASS_ORACLE_ROUNDS:-12}
SEED=${HEAPGLASS_ORACLE_SEED:-1}

python_list >"$TMP/pythons"
gen_py=
while read -r v py; do [ "$py" != - ] && gen_py=$py; done <"$TMP/pythons"
if [ -z "$gen_py" ]; then
	skip "lesson oracle: no CPython 3.8 or newer installed"
	exit 0
fi
mkdir -p "$TMP/r"
"$gen_py" "$ORACLE" random "$SEED" "$TMP/r" "$ROUNDS" || { notok "lesson_oracle.py random failed"; exit 0; }

# same LESSON PY VERSION NAME: the two traces agree?  Leaves them in
# $TMP/want and $TMP/got.
same() {
	"$gen_py" "$ORACLE" topy "$1" >"$TMP/prog.py" 2>"$TMP/err" || return 2
	"$2" "$TMP/prog.py" >"$TMP/want" 2>"$TMP/perr" || { echo "# python failed: $(tail -n 3 "$TMP/perr")"; return 1; }
	"$BIN" lesson "$1" --python "$3" --script >"$TMP/out" 2>"$TMP/err" || { echo "# heapglass failed: $(cat "$TMP/err")"; return 1; }
	"$gen_py" "$ORACLE" trace "$TMP/out" >"$TMP/got"
	if grep -q '^gc refcount' "$1"; then
		# no generations in a reference-counting lesson's text
		sed -i '/^count /d; s/^\(obj [^ ]*\) .*/\1/' "$TMP/want" "$TMP/got"
	fi
	cmp -s "$TMP/want" "$TMP/got"
}

while read -r v py; do
	if [ "$py" = - ]; then
		skip "lesson oracle on CPython $v: not installed"
		continue
	fi
	bad=
	i=0
	while [ "$i" -lt "$ROUNDS" ]; do
		same "$TMP/r/r$i.lesson" "$py" "$v"
		rc=$?
		if [ "$rc" -ne 0 ]; then
			bad=1
			echo "# CPython $v, seed $SEED round $i (HEAPGLASS_ORACLE_SEED=$SEED): the lesson"
			sed 's/^/#   /' "$TMP/r/r$i.lesson"
			if [ "$rc" -eq 2 ]; then
				echo "# not written in Python: $(cat "$TMP/err")"
			else
				echo "# CPython's trace | heapglass's trace"
				diff -y -W 100 "$TMP/want" "$TMP/got" | sed 's/^/#   /' | head -80
			fi
			break
		fi
		i=$((i + 1))
	done
	if [ -z "$bad" ]; then
		ok "CPython $v: $ROUNDS random lessons (seed $SEED): heapglass's __del__ order, callbacks, gc.collect() values, counts, survivors and generations are CPython's"
	else
		notok "CPython $v: a random lesson differs from CPython (seed $SEED round $i, above)"
	fi
	for f in "$TOP"/assets/lessons/*.lesson; do
		b=$(basename "$f" .lesson)
		grep -q '^gc mark-sweep' "$f" && continue
		cp "$f" "$TMP/b.lesson"
		grep -q '^gc refcount' "$f" || echo counts >>"$TMP/b.lesson"
		same "$TMP/b.lesson" "$py" "$v"
		case $? in
		0) ok "CPython $v: bundled lesson $b runs as in CPython" ;;
		2) notok "CPython $v: bundled lesson $b cannot be written in Python: $(cat "$TMP/err")" ;;
		*) notok "CPython $v: bundled lesson $b differs from CPython:"
		   diff -y -W 100 "$TMP/want" "$TMP/got" | sed 's/^/#   /' | head -60 ;;
		esac
	done
done <"$TMP/pythons"
