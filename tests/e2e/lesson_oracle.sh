#!/bin/sh
# CPython is the truth for lessons.  tests/oracles/python/lesson_oracle.py
# writes random lessons (objects, fields, lists, dicts, cycles, aliases,
# finalizers, resurrection, weak references and their callbacks, del,
# gc.collect(), small thresholds, gc.freeze()) and translates each, and
# every bundled CPython or reference-counting lesson, into the same
# program in Python.  For every CPython installed (pyenv 3.8 .. 3.13), the
# program's own trace (when each statement finished, each __del__ and
# callback in order, each gc.collect() return value, gc.get_count() at the
# end, every object alive at the end with its generation, tracemalloc's
# sizes) must equal the trace heapglass prints for that lesson with
# --python X.Y.
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

# the lessons and their programs, once: rN.lesson(.py) and bN.lesson(.py)
mkdir -p "$TMP/l"
"$gen_py" "$ORACLE" random "$SEED" "$TMP/l" "$ROUNDS" || { notok "lesson_oracle.py random failed"; exit 0; }
for f in "$TOP"/assets/lessons/*.lesson; do
	b=$(basename "$f" .lesson)
	grep -q '^gc mark-sweep' "$f" && continue	# not CPython
	cp "$f" "$TMP/l/b-$b.lesson"
	grep -q '^gc refcount' "$f" || echo counts >>"$TMP/l/b-$b.lesson"
done
"$gen_py" "$ORACLE" topy-all "$TMP"/l/b-*.lesson || { notok "lesson_oracle.py topy-all failed"; exit 0; }
for f in "$TMP"/l/b-*.lesson.why; do
	[ -f "$f" ] || continue
	notok "bundled lesson $(basename "$f" .lesson.why) cannot be written in Python: $(cat "$f")"
done

# clean WANT GOT LESSON: what a lesson's text does not show is left out of
# both traces
clean() {
	if grep -q '^tracemalloc' "$3"; then
		# tracemalloc's snapshots allocate: the counts are not the lesson's
		sed -i '/^count /d' "$1" "$2"
	fi
	if grep -q '^gc refcount' "$3"; then
		# no generations in a reference-counting lesson's text
		sed -i '/^count /d; s/^\(obj [^ ]*\) .*/\1/' "$1" "$2"
	fi
}

while read -r v py; do
	if [ "$py" = - ]; then
		skip "lesson oracle on CPython $v: not installed"
		continue
	fi
	# both sides of every lesson, then the traces in one go
	for p in "$TMP"/l/*.lesson.py "$TMP"/l/r*.py; do
		case $p in *.lesson.py) l=${p%.py} ;; *) l=${p%.py}.lesson ;; esac
		[ -f "$p" ] || continue
		"$py" "$p" >"$l.want" 2>"$l.perr" || echo "python failed: $(tail -n 3 "$l.perr")" >"$l.want"
		"$BIN" lesson "$l" --python "$v" --script >"$l.out" 2>"$l.herr" ||
			echo "heapglass failed: $(cat "$l.herr")" >"$l.out"
	done
	"$gen_py" "$ORACLE" trace-all "$TMP"/l/*.lesson.out || { notok "CPython $v: lesson_oracle.py trace-all failed"; continue; }
	bad=
	i=0
	while [ "$i" -lt "$ROUNDS" ]; do
		l=$TMP/l/r$i.lesson
		clean "$l.want" "$l.out.trace" "$l"
		if ! cmp -s "$l.want" "$l.out.trace"; then
			bad=1
			echo "# CPython $v, seed $SEED round $i (HEAPGLASS_ORACLE_SEED=$SEED): the lesson"
			sed 's/^/#   /' "$l"
			echo "# CPython's trace | heapglass's trace"
			diff -y -W 100 "$l.want" "$l.out.trace" | sed 's/^/#   /' | head -80
			break
		fi
		i=$((i + 1))
	done
	if [ -z "$bad" ]; then
		ok "CPython $v: $ROUNDS random lessons (seed $SEED): heapglass's __del__ order, callbacks, gc.collect() values, counts, survivors and generations are CPython's"
	else
		notok "CPython $v: a random lesson differs from CPython (seed $SEED round $i, above)"
	fi
	for l in "$TMP"/l/b-*.lesson; do
		[ -f "$l.py" ] || continue
		b=$(basename "$l" .lesson)
		clean "$l.want" "$l.out.trace" "$l"
		if cmp -s "$l.want" "$l.out.trace"; then
			ok "CPython $v: bundled lesson ${b#b-} runs as in CPython"
		else
			notok "CPython $v: bundled lesson ${b#b-} differs from CPython:"
			diff -y -W 100 "$l.want" "$l.out.trace" | sed 's/^/#   /' | head -60
		fi
	done
done <"$TMP/pythons"
