/* bench/steppers: times the world's collectors (graph/gc/world.h, recording
 * stepper events) on a generated heap (no file I/O).
 *
 *   build/bench/steppers [NODES [EDGES [RUNS]]]     defaults 1000000 4000000 5
 *
 * The heap: 1000 roots; a tree of references from older to newer objects
 * (2% of objects left out of it, so unreachable), then references to
 * objects nearby (cycles form), 10% of them weak; refcounts derived.  For
 * mark-and-sweep, CPython's pass on generation 2 and a refcount release of
 * every root, prints the median over RUNS of the generation time with the
 * event log recorded, the same without recording (the view's counters-only
 * mode on a whole heap), the events and bytes per event, and the time to
 * seek back to step 0 and forward to the end; then the peak RSS.  (The
 * refcount release frees little here: most of this heap hangs off cycles,
 * which reference counting never frees; that is the point of lesson 2.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "graph/gc/stepper.h"
#include "graph/gc/world.h"

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
	ALGOS = 3
};

/* The world on the whole heap, the collector run, frozen: the stepper at
 * its end (and the heap it made, in *part). */
static struct stepper *run(const struct heap *h, int algo, int record, struct heap **part)
{
	static const enum world_mode modes[ALGOS] = { WORLD_MARKSWEEP, WORLD_CPYTHON, WORLD_REFCOUNT };
	struct world *w = world_from_heap(h, NULL, 0, modes[algo], WORLD_PY313);
	struct stepper *s;
	struct error err;
	int64_t ret;

	if (!record)
		world_no_record(w);
	if (algo == 2)
		world_release_outside(w);
	else
		world_collect(w, 2, &ret);
	if (world_finish(w, part, &s, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		exit(1);
	}
	return s;
}

int main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000;
	uint64_t m = argc > 2 ? strtoull(argv[2], NULL, 10) : 4000000;
	int runs = argc > 3 ? atoi(argv[3]) : 5;
	static const char *const names[ALGOS] = { "mark-sweep", "cpython gen 2", "refcount" };
	struct heap_builder *b = heap_builder_new();
	struct error err;
	struct heap *h;
	struct rusage ru;
	uint64_t added = 0;

	if (runs < 1 || runs > MAX_RUNS)
		runs = 5;
	heap_builder_reserve(b, n, m);
	for (uint32_t v = 0; v < n; v++) {
		struct heap_node_rec r = { .id = v + 1, .size = 32, .generation = (uint8_t)(next() % 3) };
		heap_builder_add_node(b, &r, &err);
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
		uint32_t u = (uint32_t)(next() % n);
		int64_t t = (int64_t)u + (int64_t)(next() % 4097) - 2048;
		uint32_t v = t < 0 ? 0 : t >= n ? n - 1 : (uint32_t)t;
		heap_builder_add_edge(b, u, v, next() % 10 == 0 ? HEAP_EDGE_WEAK : HEAP_EDGE_STRONG, 0, &err);
		added++;
	}
	h = heap_builder_freeze(b, &err);
	heap_builder_free(b);
	if (!h) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	printf("heap: %u objects, %u references, %u roots\n", h->n_nodes, h->n_edges, h->n_roots);
	for (int a = 0; a < ALGOS; a++) {
		double rec[MAX_RUNS], norec[MAX_RUNS], back[MAX_RUNS], fwd[MAX_RUNS];
		size_t events = 0, bytes = 0;

		for (int r = 0; r < runs; r++) {
			struct heap *part;
			double t0 = now();
			struct stepper *s = run(h, a, 1, &part);
			rec[r] = now() - t0;
			events = stepper_len(s);
			bytes = s->cap_ev * sizeof *s->ev;
			t0 = now();
			stepper_seek(s, 0);
			back[r] = now() - t0;
			t0 = now();
			stepper_seek(s, stepper_len(s));
			fwd[r] = now() - t0;
			stepper_free(s);
			heap_free(part);

			t0 = now();
			s = run(h, a, 0, &part);
			norec[r] = now() - t0;
			stepper_free(s);
			heap_free(part);
		}
		printf("%-14s %9zu events (%.0f MB log)  recorded %.3f s (%.1f M events/s)  "
		       "counters only %.3f s  seek to 0 %.3f s  seek to end %.3f s\n",
		       names[a], events, (double)bytes / 1e6, median(rec, runs),
		       (double)events / median(rec, runs) / 1e6, median(norec, runs), median(back, runs),
		       median(fwd, runs));
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("peak RSS: %.0f MB (median of %d runs each)\n", (double)ru.ru_maxrss / 1024, runs);
	heap_free(h);
	return 0;
}
