/* bench/engine: times the graph engine on a generated heap (no file I/O).
 *
 *   build/bench/engine [NODES [EDGES [RUNS [local|uniform]]]]
 *   defaults 5000000 20000000 5 local
 *
 * The heap: 1000 roots; every other object gets one reference from a
 * nearby older object (a tree, so most of the heap is reachable) except
 * 2% left unreachable; 10% of the other references are weak.  "local"
 * (the default) places the other references as allocation does in real
 * heaps: 60% to an object allocated within 2048 of the source (before or
 * after, so cycles form), 25% to one of 50000 shared "hot" objects (the
 * class / map / prototype objects every object points to), 15% anywhere.
 * "uniform" sends them anywhere at random: no locality at all, the worst
 * case for caches.  Prints the median of RUNS runs of each
 * phase and of analysis_run() as a whole, the analysis's bytes per object
 * and the peak RSS of the process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "graph/analysis.h"
#include "graph/dom.h"
#include "graph/reach.h"
#include "graph/scc.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this thread: the single-threaded phases are timed with it,
 * so other processes on a shared machine do not count. */
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

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, dcmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

enum {
	MAX_RUNS = 15,
	PHASES = 6
};

static double cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 5000000;
	uint64_t m = argc > 2 ? strtoull(argv[2], NULL, 10) : 20000000;
	int runs = argc > 3 ? atoi(argv[3]) : 5;
	int uniform = argc > 4 && strcmp(argv[4], "uniform") == 0;
	static const char *const names[PHASES] = {
		"roots+distances", "scc", "dominators", "cycle retained", "analysis_run wall",
		"analysis_run cpu"
	};
	double t[PHASES][MAX_RUNS], t0;
	struct heap_builder *b = heap_builder_new();
	struct error err;
	struct heap *h;
	struct rusage ru;
	uint64_t added = 0;
	size_t mem = 0;
	uint32_t ncyc = 0, largest = 0;
	uint64_t unreach = 0;

	if (runs < 1 || runs > MAX_RUNS)
		runs = 5;
	t0 = now();
	heap_builder_reserve(b, n, m);
	{
		heap_str_t types[16];
		char buf[16];
		for (int i = 0; i < 16; i++) {
			snprintf(buf, sizeof buf, "Type%d", i);
			types[i] = heap_builder_intern_cstr(b, buf);
		}
		for (uint32_t v = 0; v < n; v++) {
			struct heap_node_rec r = { .id = v, .type = types[next() % 16],
						   .size = 16 + next() % 64,
						   .generation = (uint8_t)(next() % 3) };
			heap_builder_add_node(b, &r, &err);
		}
	}
	for (uint32_t v = 0; v < n && v < 1000; v++)
		heap_builder_add_root(b, v, 0, &err);
	for (uint32_t v = 1000; v < n; v++) {
		if (next() % 50 == 0)
			continue;
		heap_builder_add_edge(b, v - 1 - (uint32_t)(next() % (v < 1000 ? v : 1000)), v,
				      HEAP_EDGE_STRONG, 0, &err);
		added++;
	}
	while (added < m) {
		uint32_t u = (uint32_t)(next() % n), v;
		unsigned k = (unsigned)(next() % 20);
		if (uniform || k < 3) {
			v = (uint32_t)(next() % n);
		} else if (k < 8) {
			uint32_t hot = n < 50000 ? n : 50000;
			v = (uint32_t)(next() % hot) * (n / hot);
		} else {
			int64_t t = (int64_t)u + (int64_t)(next() % 4097) - 2048;
			v = t < 0 ? 0 : t >= n ? n - 1 : (uint32_t)t;
		}
		heap_builder_add_edge(b, u, v, next() % 10 == 0 ? HEAP_EDGE_WEAK : HEAP_EDGE_STRONG,
				      0, &err);
		added++;
	}
	h = heap_builder_freeze(b, &err);
	heap_builder_free(b);
	if (!h) {
		fprintf(stderr, "engine: %s\n", err.msg);
		return 1;
	}
	printf("heap (%s): %u objects, %u references, built in %.2f s\n",
	       uniform ? "uniform" : "local", h->n_nodes, h->n_edges, now() - t0);

	for (int r = 0; r < runs; r++) {
		uint32_t nn = h->n_nodes, n_comp;
		uint8_t *flag = malloc(nn);
		uint32_t *dist = malloc(nn * sizeof *dist), *comp = malloc(nn * sizeof *comp);
		heap_node_t *idom = malloc(nn * sizeof *idom);
		struct dom_sizes ret = { .small = malloc(nn * sizeof *ret.small) };
		uint64_t *gret;
		struct analysis *a;

		t0 = tcpu();
		reach_roots(h, flag);
		reach_distances(h, flag, dist, NULL, &err);
		t[0][r] = tcpu() - t0;
		t0 = tcpu();
		scc_compute(h, comp, &n_comp, NULL, &err);
		t[1][r] = tcpu() - t0;
		t0 = tcpu();
		dom_entries(h, dist, comp, 0, flag);
		dom_compute(h, flag, idom, &ret, NULL, NULL, &err);
		t[2][r] = tcpu() - t0;
		gret = malloc((size_t)n_comp * sizeof *gret);
		t0 = tcpu();
		dom_group_retained(h, comp, n_comp, flag, gret, NULL, NULL, &err);
		t[3][r] = tcpu() - t0;
		free(flag);
		free(dist);
		free(comp);
		free(idom);
		free(ret.small);
		free(ret.big);
		free(gret);

		t0 = now();
		t[5][r] = cpu();
		if (analysis_run(h, NULL, &a, &err)) {
			fprintf(stderr, "engine: %s\n", err.msg);
			return 1;
		}
		t[4][r] = now() - t0;
		t[5][r] = cpu() - t[5][r];
		mem = analysis_memory(a);
		ncyc = a->n_cycles;
		largest = a->largest_cycle;
		unreach = a->unreachable_objects;
		analysis_free(a);
	}
	printf("cycles: %u, largest %u members; unreachable objects: %llu\n", ncyc, largest,
	       (unsigned long long)unreach);
	for (int p = 0; p < PHASES; p++)
		printf("%-20s %7.3f s  (median of %d%s)\n", names[p], median(t[p], runs), runs,
		       p == 4 ? ", wall clock" : p == 5 ? ", CPU time of both threads" : ", CPU time");
	printf("analysis results: %.2f bytes per object\n", (double)mem / h->n_nodes);
	{
		FILE *f = fopen("/proc/loadavg", "r");
		char line[128];
		if (f && fgets(line, sizeof line, f))
			printf("load average during the run: %s", line);
		if (f)
			fclose(f);
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS: %.0f MiB (heap model: %.0f MiB)\n", ru.ru_maxrss / 1024.0,
	       heap_memory(h) / 1048576.0);
	heap_free(h);
	return 0;
}
