# Sourced by every benchmark once it is at the top of the tree.  BIGDATA is
# the one folder for what the benchmarks generate (heaps, dumps, snapshots:
# gigabytes), each benchmark in a subfolder named after it (BIGDATA/v8,
# BIGDATA/tui, ...).  Default build/bigdata, which make clean removes; on a
# machine with a scratch disk: BIGDATA=/work/bigdata sh bench/...
: "${BIGDATA:=$(pwd)/build/bigdata}"
export BIGDATA
