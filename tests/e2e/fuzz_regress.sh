#!/bin/sh
# Replays every fuzz crash regression (tests/fixtures/fuzz/NAME/*, see the
# README there) through the binary: each must load, or fail with one line
# and exit 1, with no sanitizer or valgrind report.
. "$TOP/tests/e2e/lib.sh"

n=0
for f in "$FIX"/fuzz/*/*; do
	[ -f "$f" ] || continue
	fmt=$(basename "$(dirname "$f")")
	name=$fmt/$(basename "$f")
	n=$((n + 1))
	case $fmt in
	csv)
		# the harness's split: nodes, a line "@@", edges
		d=$TMP/csv$n
		mkdir -p "$d"
		python3 - "$f" "$d" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
i = data.find(b"@@\n")
nodes, edges = (data, b"from,to\n") if i < 0 else (data[:i], data[i + 3:])
open(sys.argv[2] + "/nodes.csv", "wb").write(nodes)
open(sys.argv[2] + "/edges.csv", "wb").write(edges)
PY
		run_cmd "$BIN" info --format csv "$d" ;;
	lesson) run_cmd "$BIN" lesson --script "$f" ;;
	*) run_cmd "$BIN" info --format "$fmt" "$f" ;;
	esac
	lines=$(wc -l <"$TMP/err")
	if [ "$rc" -eq 0 ] || { [ "$rc" -eq 1 ] && [ "$lines" -eq 1 ]; }; then
		ok "fuzz regression $name: exit $rc"
	else
		notok "fuzz regression $name: exit $rc, $lines stderr lines: $(head -c 600 "$TMP/err")"
	fi
done
[ "$n" -gt 0 ] || skip "fuzz regressions (none in tests/fixtures/fuzz yet)"
