/* hg-analyse: what `heapglass info` will cost once it runs the full
 * analysis (load, freeze, graph/analysis.h), timed phase by phase, for
 * bench/v8/run.  Prints one JSON object: objects, references, load and
 * analysis seconds, and the top 20 retained sizes (the root's made
 * DevTools': it retains everything, the unreachable part included); then
 * the program's cycles: how many, the largest, the patterns, and the raw
 * graph's core (analysis.h).
 *   hg-analyse FILE.heapsnapshot
 * Built by bench/v8/run against build/libheapglass.a. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph/analysis.h"
#include "graph/core/hugepage.h"
#include "graph/heap.h"
#include "loaders/loader.h"

static double clock_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* the process' CPU time, all threads: on a loaded machine the wall time
 * says how busy the others were, this what the phase cost */
static double cpu(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

/* The k largest retained sizes into out[0..k), descending, the root's
 * taken as root_total: one pass with a small sorted buffer (k is 20). */
static uint32_t top_k(const struct analysis *a, heap_node_t root, uint64_t root_total,
		      uint64_t *out, uint32_t k)
{
	uint32_t m = 0;

	for (uint32_t v = 0; v < a->heap->n_nodes; v++) {
		uint64_t r = v == root ? root_total : analysis_retained(a, v);
		uint32_t j;
		if (m == k && r <= out[k - 1])
			continue;
		j = m < k ? m++ : k - 1;
		while (j > 0 && out[j - 1] < r) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = r;
	}
	return m;
}

int main(int argc, char **argv)
{
	struct heap *h;
	struct analysis *a;
	struct error err;
	double t0, t1, t2, c0, c1, c2;
	uint64_t top[20], root_total = 0;
	uint32_t ntop;
	heap_node_t root;

#ifdef HUGEPAGE_RESTART
	hugepage_restart(argv);	/* as heapglass does (an OLD tree may not) */
#endif
	if (argc != 2) {
		fprintf(stderr, "usage: hg-analyse FILE\n");
		return 2;
	}
	t0 = now();
	c0 = cpu();
	if (loader_open(argv[1], NULL, NULL, &h, &err) != 0) {
		fprintf(stderr, "hg-analyse: %s\n", err.msg);
		return 1;
	}
	t1 = now();
	c1 = cpu();
	if (analysis_run(h, NULL, &a, &err) != 0) {
		fprintf(stderr, "hg-analyse: %s\n", err.msg);
		return 1;
	}
	t2 = now();
	c2 = cpu();
	root = h->roots[0].node;
	for (uint32_t v = 0; v < h->n_nodes; v++)
		if (a->idom[v] == HEAP_NONE)
			root_total += analysis_retained(a, v);
	/* the root retains everything, as in DevTools */
	ntop = top_k(a, root, root_total, top, 20);
	printf("{\"objects\":%u,\"references\":%u,\"total_size\":%llu,\"load_seconds\":%.3f,"
	       "\"analysis_seconds\":%.3f,\"load_cpu_seconds\":%.3f,\"analysis_cpu_seconds\":%.3f,"
	       "\"heap_bytes\":%zu,\"analysis_bytes\":%zu,\"top\":[",
	       h->n_nodes, h->n_edges, (unsigned long long)h->total_size, t1 - t0, t2 - t1, c1 - c0,
	       c2 - c1, heap_memory(h), analysis_memory(a));
	for (uint32_t i = 0; i < ntop; i++)
		printf("%s%llu", i ? "," : "", (unsigned long long)top[i]);
	printf("],\"user_cycles\":%u,\"largest_user_cycle\":%u,\"patterns\":%u,\"runtime_core\":%u}\n",
	       a->n_cycles, a->largest_cycle, a->n_patterns, a->core.objects);
	analysis_free(a);
	heap_free(h);
	return 0;
}
