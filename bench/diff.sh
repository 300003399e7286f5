#!/bin/sh
# heapglass diff on two generated CSV heaps of N objects each (default
# 1,000,000; about 4 references per object): median wall time and peak RSS
# of 3 runs of `diff`, against `info` on one heap (load + analysis) for
# scale.  Heaps go under $BIGDATA/diff (bench/data.sh).
#   sh bench/diff.sh [N]
set -e
cd "$(dirname "$0")/.."
. bench/data.sh
N=${1:-1000000}
BIG=$BIGDATA/diff
BIN=${BIN:-./heapglass}
mkdir -p "$BIG"
[ -f "$BIG/a-$N/edges.csv" ] || python3 bench/gen_csv.py "$BIG/a-$N" "$N" 1
[ -f "$BIG/b-$N/edges.csv" ] || python3 bench/gen_csv.py "$BIG/b-$N" "$N" 2

# median3 CMD...: prints "median_seconds max_rss_kb" over 3 runs.
median3() {
	for i in 1 2 3; do
		/usr/bin/time -f "%e %M" "$@" >/dev/null 2>>"$BIG/time.$$" || true
	done
	tail -n 3 "$BIG/time.$$" | sort -n | sed -n 2p
	rm -f "$BIG/time.$$"
}
set -- $(median3 "$BIN" info "$BIG/a-$N")
echo "info (load + analysis of one heap), $N objects: $1 s, peak RSS $(( $2 / 1024 )) MiB"
set -- $(median3 "$BIN" diff --top 5 "$BIG/a-$N" "$BIG/b-$N")
echo "diff OLD NEW (two loads + analyses + diff), $N objects each: $1 s, peak RSS $(( $2 / 1024 )) MiB"
