#!/bin/sh
# Loading time follows the file's size, not N x L (issue 22, item 3): a
# 2 MB V8 and HPROF snapshot whose one long string is named by every
# record (bench/nxl/gen.py hostile) must load about as fast as an ordinary
# file of the same size (gen.py plain), the two timed alternately so that
# a loaded machine slows both.  Before the loaders made each distinct
# string once, the V8 one took 76 s at 1 MB (minutes at 2 MB) against a
# fraction of a second.  The figures per size, up to 16 MB, are
# bench/nxl/run.sh's.
. "$TOP/tests/e2e/lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	skip "linear loading time (no python3)"
	exit 0
fi
if [ -n "${HEAPGLASS_WRAP:-}" ]; then
	skip "linear loading time (under HEAPGLASS_WRAP: timing means nothing)"
	exit 0
fi
MB=${NXL_MB:-2}

# ms CMD...: runs CMD (20 s at most), sets $ms to its wall time and $rc
ms() {
	_t0=$(date +%s%N)
	timeout 20 "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	ms=$((($(date +%s%N) - _t0) / 1000000))
}

python3 "$TOP/bench/nxl/gen.py" all "$TMP" "$MB" || notok "the generator failed"
for fmt in v8 hprof; do
	mv "$TMP/$fmt-hostile" "$TMP/hostile.$fmt" && mv "$TMP/$fmt-plain" "$TMP/plain.$fmt" || continue
	# the better of two runs each, alternated (the machine is shared)
	best_h=999999 best_p=999999
	for run in 1 2; do
		ms "$BIN" info "$TMP/plain.$fmt"
		[ "$rc" -eq 0 ] && [ "$ms" -lt "$best_p" ] && best_p=$ms
		ms "$BIN" info "$TMP/hostile.$fmt"
		hrc=$rc
		[ "$rc" -eq 0 ] && [ "$ms" -lt "$best_h" ] && best_h=$ms
		[ "$hrc" -eq 0 ] || break
	done
	size_h=$(stat -c %s "$TMP/hostile.$fmt") size_p=$(stat -c %s "$TMP/plain.$fmt")
	if [ "$hrc" -ne 0 ]; then
		notok "$fmt: the N x L snapshot does not load in 20 s (exit $hrc): $(head -c 300 "$TMP/err")"
		continue
	fi
	figures=$(awk -v sh="$size_h" -v th="$best_h" -v sp="$size_p" -v tp="$best_p" 'BEGIN {
		printf "%.1f MB in %.2f s (%.1f MB/s), ordinary %.1f MB in %.2f s (%.1f MB/s)",
			sh / 1e6, th / 1e3, sh / 1e3 / (th > 0 ? th : 1), sp / 1e6, tp / 1e3, sp / 1e3 / (tp > 0 ? tp : 1) }')
	# linear: at most 3 times the ordinary file's time per byte, plus 2 s
	check "$fmt: the N x L snapshot loads in linear time: $figures" \
		awk -v sh="$size_h" -v th="$best_h" -v sp="$size_p" -v tp="$best_p" \
		'BEGIN { exit !(th <= 3 * tp * sh / sp + 2000) }'
done
