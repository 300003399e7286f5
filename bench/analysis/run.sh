#!/bin/sh
# bench/analysis/run.sh [FILE...]: hg-peak (the load's and the analysis'
# peaks and times apart) on each file, RUNS times, alternating with
# OLD's library when OLD names a built tree (OLD=/work/base83).
# Default files: the 592 MB and 1 GB V8 snapshots and the CSV 5M heap of
# bench/tui under BIGDATA.  Results: bench/analysis/results-*.txt.
set -e
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BIGDATA=${BIGDATA:-$top/bench/data}
RUNS=${RUNS:-3}
out=$top/bench/out/analysis
mkdir -p "$out"
libs="$(pkg-config --libs ncursesw libcgraph libgvc jansson) -lcsv -lm -lpthread"
make -C "$top" -s heapglass >/dev/null
cc -std=c11 -O2 -D_DEFAULT_SOURCE -I"$top" -o "$out/hg-peak" "$here/hg-peak.c" "$top/build/libheapglass.a" $libs
bins=new
if [ -n "$OLD" ]; then
	cc -std=c11 -O2 -D_DEFAULT_SOURCE -I"$OLD" -o "$out/hg-peak-old" "$here/hg-peak.c" "$OLD/build/libheapglass.a" $libs
	bins="old new"
fi
[ $# -gt 0 ] || set -- "$BIGDATA/v8/500mb.heapsnapshot" "$BIGDATA/v8/1gb.heapsnapshot" "$BIGDATA/tui/heap-5000000"
for f in "$@"; do
	i=0
	while [ "$i" -lt "$RUNS" ]; do
		for b in $bins; do
			bin=$out/hg-peak; [ "$b" = old ] && bin=$out/hg-peak-old
			echo "$(basename "$f") $b (load average $(cut -d' ' -f1 /proc/loadavg)): $("$bin" "$f")"
		done
		i=$((i + 1))
	done
done
