#!/bin/sh
# Keystroke benchmark of the viewer: replays bench/tui/keys.txt headless
# (--keys, --timing) on a generated heap and prints the time from reading a
# key to the end of its redraw (doupdate): median, 95th percentile and
# maximum over all keys and over several runs, plus the slowest keys.
#   sh bench/tui/run.sh [NODES [RUNS]]        (default 5000000 objects, 3 runs)
# The heap is generated once under $BIGDATA/tui (bench/data.sh).
set -e
cd "$(dirname "$0")/../.."
N=${1:-5000000}
RUNS=${2:-3}
. bench/data.sh
DIR=$BIGDATA/tui/heap-$N
make --no-print-directory heapglass >/dev/null
mkdir -p build/bench "$DIR"
cc -O2 -o build/bench/genheap bench/tui/genheap.c
if [ ! -f "$DIR/edges.csv" ]; then
	echo "generating $N objects into $DIR ..."
	build/bench/genheap "$DIR" "$N" 4 1
fi
echo "machine: $(nproc) cores; heap: $N objects, $(($(wc -l <"$DIR/edges.csv") - 1)) references"
all=$(mktemp)
trap 'rm -f "$all" "$all".*' EXIT
for r in $(seq "$RUNS"); do
	start=$(date +%s.%N)
	./heapglass "$DIR" --keys bench/tui/keys.txt --timing "$all.$r" --dump-screen /dev/null
	end=$(date +%s.%N)
	echo "run $r: $(wc -l <"$all.$r") keys, $(echo "$end - $start" | bc) s including load and analysis"
	cat "$all.$r" >>"$all"
done
# columns: key, wall ms, cpu ms (this thread's CPU time: what the key costs
# when other processes share the machine; wall includes their preemption)
stats() { # $1 = column, $2 = label
	sort -t '	' -k"$1" -g "$all" | awk -F '\t' -v c="$1" -v label="$2" '
	{ v[NR] = $c; k[NR] = $1 }
	END {
		n = NR
		over = 0
		for (i = 1; i <= n; i++) if (v[i] > 16) over++
		printf "%s: %d keys   median %.2f ms   p95 %.2f ms   p99 %.2f ms   max %.2f ms   over 16 ms: %d\n", label, n, v[int(n * 0.5) + 1], v[int(n * 0.95) + 1], v[int(n * 0.99) + 1], v[n], over
		printf "  slowest:"
		for (i = n; i > n - 6 && i > 0; i--) printf " %s=%.1fms", k[i], v[i]
		printf "\n"
	}'
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
stats 2 "wall (key read -> doupdate done)"
stats 3 "cpu  (thread CPU time)         "
