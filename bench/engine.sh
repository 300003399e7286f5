#!/bin/sh
# Benchmark of the graph engine: reachability, SCCs, dominators and retained
# sizes on a generated heap of 5M objects / 20M references (by default).
#   sh bench/engine.sh [NODES [EDGES [RUNS]]]
set -e
cd "$(dirname "$0")/.."
make --no-print-directory build/libheapglass.a >/dev/null
mkdir -p build/bench
cc -std=c11 -O2 -g -D_DEFAULT_SOURCE -I. -o build/bench/engine bench/engine.c build/libheapglass.a -lpthread -lm
echo "machine: $(nproc) cores, $(uname -m)"
build/bench/engine "$@"
