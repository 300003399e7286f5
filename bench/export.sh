#!/bin/sh
# Benchmark of `heapglass export`: the time Graphviz takes to lay out and
# render a slice of the biggest cycle of a real V8 heap (node's own heap,
# about 13 000 objects in one SCC), at several --max-nodes, median of RUNS.
#   sh bench/export.sh [RUNS]            (needs node; writes under
#                                        $BIGDATA/export, bench/data.sh)
set -e
cd "$(dirname "$0")/.."
. bench/data.sh
runs=${1:-3}
dir=$BIGDATA/export
mkdir -p "$dir"
make --no-print-directory heapglass >/dev/null
snap=$dir/node-self.heapsnapshot
if [ ! -f "$snap" ]; then
	command -v node >/dev/null || { echo "node is needed to write a V8 snapshot"; exit 1; }
	node -e "require('v8').writeHeapSnapshot('$snap')"
fi
echo "machine: $(nproc) cores; $(dot -V 2>&1)"
./heapglass cycles "$snap" --top 1 | sed -n 2p | cut -c1-60
for n in 25 100 200 400; do
	for fmt in svg png; do
		times=""
		i=0
		while [ "$i" -lt "$runs" ]; do
			t0=$(date +%s.%N)
			./heapglass export "$snap" --cycle 1 --max-nodes "$n" -o "$dir/bench.$fmt"
			t1=$(date +%s.%N)
			times="$times $(echo "$t1 - $t0" | bc)"
			i=$((i + 1))
		done
		med=$(echo "$times" | tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
		printf 'cycle 1, %4d objects, .%s: median %.2f s of %d runs\n' "$n" "$fmt" "$med" "$runs"
	done
done
rm -f "$dir/bench.svg" "$dir/bench.png"
