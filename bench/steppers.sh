#!/bin/sh
# Benchmark of the world's collectors (graph/gc/world.h) on a generated heap.
#   sh bench/steppers.sh [NODES [EDGES [RUNS]]]      defaults 1000000 4000000 5
set -e
cd "$(dirname "$0")/.."
make --no-print-directory build/libheapglass.a >/dev/null
mkdir -p build/bench
cc -std=c11 -O2 -g -D_DEFAULT_SOURCE -Wall -Wextra -I. -o build/bench/steppers bench/steppers.c build/libheapglass.a -lpthread -lm
echo "machine: $(nproc) cores, $(uname -m)"
build/bench/steppers "$@"
