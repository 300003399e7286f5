#!/bin/sh
# Loading speed of snapshots built for N x L (issue 22, item 3), against
# ordinary snapshots of about the same size: MB/s of `heapglass info`
# (load and full analysis), the median of RUNS runs, the files taken in
# turn within each round (the machine may be shared).
#
#   sh bench/nxl/run.sh [RUNS] [MB]      (default 5 runs, 10 MB)
#
# V8: gen.py hostile and plain, and a real Node.js snapshot of 45,000
# linked objects (node required).  HPROF: gen.py hostile and plain.
set -e
RUNS=${1:-5}
MB=${2:-10}
BIN=${BIN:-./heapglass}
HERE=$(cd "$(dirname "$0")" && pwd)
[ -x "$BIN" ] || { echo "build heapglass first (make)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

files=""
for fmt in v8 hprof; do
	for kind in hostile plain; do
		python3 "$HERE/gen.py" "$fmt" "$kind" "$tmp/$fmt-$kind" "$MB"
		files="$files $fmt-$kind"
	done
done
if command -v node >/dev/null 2>&1; then
	node -e 'const a = []; for (let i = 0; i < 45000; i++) a.push({ id: i, name: "obj" + i, next: null });
		for (let i = 1; i < a.length; i++) a[i - 1].next = a[i]; globalThis.keep = a;
		require("v8").writeHeapSnapshot(process.argv[1]);' "$tmp/v8-node"
	files="$files v8-node"
fi
i=0
while [ "$i" -lt "$RUNS" ]; do
	for f in $files; do
		t0=$(date +%s%N)
		"$BIN" info "$tmp/$f" >/dev/null
		echo "$f $(($(date +%s%N) - t0))" >>"$tmp/times"
	done
	i=$((i + 1))
done
printf '%-14s %10s %10s %10s\n' file MB "median s" "MB/s"
for f in $files; do
	size=$(stat -c %s "$tmp/$f")
	med=$(awk -v f="$f" '$1 == f { print $2 }' "$tmp/times" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	awk -v f="$f" -v s="$size" -v t="$med" 'BEGIN { printf "%-14s %10.1f %10.2f %10.1f\n", f, s / 1e6, t / 1e9, s / 1e3 / (t / 1e6) }'
done
