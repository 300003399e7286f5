#!/bin/sh
# Loading time of snapshots built for N x L (issue 22, item 3) against the
# size of the file: `heapglass info` (load and full analysis) on V8 and
# HPROF files of each size in SIZES (MB), N x L ones (gen.py hostile) and
# ordinary ones of the same shape (gen.py plain).  Prints the median of
# RUNS runs per file (every file taken in turn within each round, so a
# load from elsewhere on a shared machine falls on all of them alike),
# MB/s, and the growth from the smallest size to the largest: linear
# loading grows as the size, N x L as its square.
#
#   sh bench/nxl/run.sh [RUNS] [SIZES]   (default 3 runs, sizes "1 2 4 8 16")
#
# With node installed, a real Node.js snapshot (45,000 linked objects)
# is timed in the same rounds, for MB/s on an ordinary file.
set -e
cd "$(dirname "$0")/../.."
. bench/data.sh
RUNS=${1:-3}
SIZES=${2:-1 2 4 8 16}
BIN=${BIN:-./heapglass}
[ -x "$BIN" ] || { echo "build heapglass first (make)"; exit 1; }
dir=$BIGDATA/nxl
mkdir -p "$dir"
rm -f "$dir/times"

for mb in $SIZES; do
	[ -f "$dir/hprof-plain-$mb" ] && continue
	mkdir -p "$dir/gen"
	python3 bench/nxl/gen.py all "$dir/gen" "$mb"
	for f in v8-hostile v8-plain hprof-hostile hprof-plain; do
		mv "$dir/gen/$f" "$dir/$f-$mb"
	done
done
files=""
for fmt in v8 hprof; do
	for kind in hostile plain; do
		for mb in $SIZES; do
			files="$files $fmt-$kind-$mb"
		done
	done
done
if command -v node >/dev/null 2>&1; then
	[ -f "$dir/v8-node" ] || node -e 'const a = [];
		for (let i = 0; i < 45000; i++) a.push({ id: i, name: "obj" + i, next: null });
		for (let i = 1; i < a.length; i++) a[i - 1].next = a[i]; globalThis.keep = a;
		require("v8").writeHeapSnapshot(process.argv[1]);' "$dir/v8-node"
	files="$files v8-node"
fi
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); $RUNS runs, files in turn"
i=0
while [ "$i" -lt "$RUNS" ]; do
	for f in $files; do
		t0=$(date +%s%N)
		"$BIN" info "$dir/$f" >/dev/null
		echo "$f $(($(date +%s%N) - t0))" >>"$dir/times"
	done
	i=$((i + 1))
done

# median NAME: the median time of NAME in ns
median() {
	awk -v f="$1" '$1 == f { print $2 }' "$dir/times" | sort -n |
		awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
printf '%-20s %8s %10s %8s\n' file MB "median s" "MB/s"
for f in $files; do
	awk -v f="$f" -v s="$(stat -c %s "$dir/$f")" -v t="$(median "$f")" \
		'BEGIN { printf "%-20s %8.1f %10.3f %8.1f\n", f, s / 1e6, t / 1e9, s / 1e3 / (t / 1e6) }'
done
lo=$(echo "$SIZES" | tr ' ' '\n' | sed '/^$/d' | head -n 1)
hi=$(echo "$SIZES" | tr ' ' '\n' | sed '/^$/d' | tail -n 1)
echo
echo "growth from $lo MB to $hi MB (linear: the size ratio, less on small files, where a fixed"
echo "cost of about 0.1 s weighs (start, threads, analyses); N x L: the square of the size ratio)"
for fmt in v8 hprof; do
	for kind in hostile plain; do
		a=$dir/$fmt-$kind-$lo b=$dir/$fmt-$kind-$hi
		awk -v f="$fmt $kind" -v sa="$(stat -c %s "$a")" -v sb="$(stat -c %s "$b")" \
			-v ta="$(median "$fmt-$kind-$lo")" -v tb="$(median "$fmt-$kind-$hi")" 'BEGIN {
			printf "%-14s size x%.1f, time x%.1f\n", f, sb / sa, tb / ta }'
	done
done
