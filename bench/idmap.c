/* bench/idmap: the id -> node table every loader uses (heap_builder_index,
 * heap_builder_find; graph/core/hmap.h), on ids shaped as the runtimes
 * write them, without file I/O.
 *
 *   build/bench/idmap [NODES [RUNS]]      defaults 5000000 7
 *
 * Ids: "v8" odd numbers 2 apart (V8's node ids), "hprof" 8-aligned
 * addresses with gaps, "python" id()s (16-aligned addresses scattered over
 * a few arenas).  For each: the CPU time of heap_builder_index over NODES
 * ids and of NODES lookups in a random order (one per reference, as the CSV
 * loader does), median of RUNS, in this thread's CPU time so other
 * processes on a shared machine count less. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph/heap.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double tcpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The i-th id of a shape; prev: the id before it. */
static uint64_t make_id(int shape, uint64_t i, uint64_t prev)
{
	switch (shape) {
	case 0: return 2 * i + 1;
	case 1: return (i ? prev : 0x7f0000000000ull) + 8 * (1 + next() % 4);
	default: return 0x7f3a00000000ull + ((i % 5) << 32) + 16 * (i / 5) * 3;
	}
}

int main(int argc, char **argv)
{
	static const char *const shapes[] = { "v8", "hprof", "python" };
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 5000000;
	int runs = argc > 2 ? atoi(argv[2]) : 7;
	uint64_t *ids = malloc((size_t)n * sizeof *ids);
	uint32_t *order = malloc((size_t)n * sizeof *order);
	double *ti = malloc((size_t)runs * sizeof *ti), *tf = malloc((size_t)runs * sizeof *tf);
	struct error err;

	for (int shape = 0; shape < 3; shape++) {
		uint64_t found = 0;
		for (uint32_t i = 0; i < n; i++) {
			ids[i] = make_id(shape, i, i ? ids[i - 1] : 0);
			order[i] = (uint32_t)(next() % n);
		}
		for (int r = 0; r < runs; r++) {
			struct heap_builder *b = heap_builder_new();
			heap_node_t da, db;
			double t0;
			for (uint32_t i = 0; i < n; i++) {
				struct heap_node_rec rec = { .id = ids[i], .generation = HEAP_GEN_UNKNOWN };
				heap_builder_add_node(b, &rec, &err);
			}
			t0 = tcpu();
			if (heap_builder_index(b, &da, &db) != 0) {
				fprintf(stderr, "duplicate ids %u %u\n", da, db);
				return 1;
			}
			ti[r] = tcpu() - t0;
			t0 = tcpu();
			for (uint32_t i = 0; i < n; i++)
				found += heap_builder_find(b, ids[order[i]]) == order[i];
			tf[r] = tcpu() - t0;
			heap_builder_free(b);
		}
		qsort(ti, (size_t)runs, sizeof *ti, dcmp);
		qsort(tf, (size_t)runs, sizeof *tf, dcmp);
		printf("%-7s %u ids: index %.3f s, %u lookups %.3f s (median of %d; %s)\n", shapes[shape], n,
		       ti[runs / 2], n, tf[runs / 2], runs, found == (uint64_t)n * runs ? "all found" : "MISSED");
	}
	free(ids);
	free(order);
	free(ti);
	free(tf);
	return 0;
}
