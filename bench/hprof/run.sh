#!/bin/sh
# Benchmark of the HPROF loader: a ~370 MB dump of ~6M live objects
# (bench/hprof/BigHeap.java), opened with `heapglass info` (load and, once
# the engine is in, full analysis) RUNS times, one run at a time.
# Prints the median wall time, the median CPU time (all of it, and the
# load's: on a busy machine the wall time says how busy the others were)
# and the peak RSS.
#
#   sh bench/hprof/run.sh [RUNS]      (default 5)
#
# Environment: BIN (default ./heapglass), BIGDATA (the dump goes in
# $BIGDATA/hprof, bench/data.sh), REGEN=1 to write the dump again.
# Target (issue 23): <= 3 s and <= 700 MB on a quiet 2-core machine.
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/../.."
. bench/data.sh
RUNS=${1:-5}
BIN=${BIN:-./heapglass}
OUT=$BIGDATA/hprof
DUMP=$OUT/big.hprof

command -v java >/dev/null 2>&1 || { echo "skip: no java"; exit 0; }
[ -x "$BIN" ] || { echo "build heapglass first (make)"; exit 1; }
mkdir -p "$OUT"
if [ ! -f "$DUMP" ] || [ "${REGEN:-0}" = 1 ]; then
	javac -d "$OUT" "$HERE/BigHeap.java"
	rm -f "$DUMP"
	echo "writing $DUMP ..."
	java -Xmx3g -cp "$OUT" BigHeap "$DUMP" >/dev/null
fi
echo "dump: $(du -h "$DUMP" | cut -f1) ($(stat -c %s "$DUMP") bytes)"
"$BIN" info "$DUMP" | grep -E '^(objects|references|roots|shallow size|references to unknown ids|memory):'

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
i=0
while [ "$i" -lt "$RUNS" ]; do
	/usr/bin/time -v "$BIN" info --json "$DUMP" >"$tmp/out.$i" 2>"$tmp/time.$i"
	i=$((i + 1))
done
for i in $(seq 0 $((RUNS - 1))); do
	wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$tmp/time.$i" |
		awk -F: '{ s = 0; for (k = 1; k <= NF; k++) s = s * 60 + $k; print s }')
	user=$(sed -n 's/.*User time (seconds): //p' "$tmp/time.$i")
	sys=$(sed -n 's/.*System time (seconds): //p' "$tmp/time.$i")
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time.$i")
	load=$(sed -n 's/.*"load_seconds": \([0-9.]*\).*/\1/p' "$tmp/out.$i")
	lcpu=$(sed -n 's/.*"load_cpu_seconds": \([0-9.]*\).*/\1/p' "$tmp/out.$i")
	echo "$wall $user $sys $rss $load $lcpu"
done >"$tmp/runs"
echo "runs: $RUNS (wall s, user s, sys s, peak RSS KB, load_seconds, load_cpu_seconds):"
sed 's/^/  /' "$tmp/runs"
med() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
echo "median wall: $(awk '{ print $1 }' "$tmp/runs" | med) s"
echo "median cpu (user+sys): $(awk '{ print $2 + $3 }' "$tmp/runs" | med) s"
echo "median load_seconds: $(awk '{ print $5 }' "$tmp/runs" | med) s"
echo "median load_cpu_seconds: $(awk '{ print $6 }' "$tmp/runs" | med) s"
echo "peak RSS: $(awk '{ print $4 }' "$tmp/runs" | sort -n | tail -1 | awk '{ printf "%.0f MB", $1 / 1024 }')"
