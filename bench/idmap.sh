#!/bin/sh
# The id -> node table (graph/core/hmap.h under heap_builder_index/find) on
# generated ids: sh bench/idmap.sh [NODES [RUNS]]   (defaults 5000000 7)
set -e
cd "$(dirname "$0")/.."
make --no-print-directory build/libheapglass.a >/dev/null
mkdir -p build/bench
cc -std=c11 -O2 -g -D_DEFAULT_SOURCE -Wall -Wextra -I. -o build/bench/idmap bench/idmap.c build/libheapglass.a -lpthread -lm
echo "machine: $(nproc) cores, $(uname -m)"
build/bench/idmap "$@"
