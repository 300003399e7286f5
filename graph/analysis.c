#include "graph/analysis.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph/cycles.h"
#include "graph/dom.h"
#include "graph/core/hugepage.h"
#include "graph/core/mem.h"
#include "graph/core/worker.h"
#include "graph/pattern.h"
#include "graph/scc.h"

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Work handed to the second thread: one call, no progress reporting (the
 * progress record belongs to the calling thread). */
struct job {
	struct worker w;
	int rc;
	struct error err;
	const struct heap *h;
	/* the raw graph's components, then the user graph's; the distances
	 * come from the main thread's live dominator run, which numbers the
	 * heap breadth first anyway */
	uint32_t *comp;
	uint32_t n_comp;
	const uint32_t *dist;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int dist_state;		/* 0 not yet, 1 complete, -1 never (the run failed) */
	int live_state;		/* the same for the whole live run */
	/* then the entries of the garbage (dom.h), which need the raw
	 * components, the runtime's core, the user components, and the
	 * cycles found among them */
	uint8_t *mark;
	int devtools;
	struct cycles_found *found;
	/* the shapes' references, shared with the main thread once its live
	 * run is done (pattern.h): 0 not yet, 1 ready, -1 never */
	struct pattern_work *shapes;
	int shapes_state;
	struct analysis *a;
};

/* Sets *what (j->dist_state or j->live_state) unless it is set. */
static void settle(struct job *j, int *what, int state)
{
	pthread_mutex_lock(&j->lock);
	if (*what == 0)
		*what = state;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->lock);
}

/* dom_compute_roots()'s call once dist is complete. */
static void dist_ready(void *arg)
{
	struct job *j = arg;

	settle(j, &j->dist_state, 1);
}

/* Whether *what completed: waits until it did, or never will. */
static int settled(struct job *j, const int *what)
{
	int state;

	pthread_mutex_lock(&j->lock);
	while (*what == 0)
		pthread_cond_wait(&j->cond, &j->lock);
	state = *what;
	pthread_mutex_unlock(&j->lock);
	return state > 0;
}

/* The main thread's share of the shapes' references, when the job gets
 * that far: waits until it does, or never will. */
static void shapes_help(struct job *j)
{
	if (settled(j, &j->shapes_state))
		pattern_shapes_help(j->shapes, 1);
}

/* The second thread's steps, beside the live dominators: each in the
 * memory the one before gave back.  The last, the shapes' references, is
 * shared with the main thread once its live run is done, and finished
 * (pattern_shapes_end) after the join. */
static void job_steps(struct job *j)
{
	/* Without user rules the user graph is the raw retaining graph, edge
	 * for edge (heap.h): one search serves both.  It is the user graph's,
	 * numbered as scc_compute_user() numbers it, since the cycles and
	 * patterns follow that order; the raw components' readers below
	 * (dom_entries(), cycles_core()) ask only which objects share one. */
	int same = !heap_has_user_rules(j->h);

	j->rc = (same ? scc_compute_user : scc_compute)(j->h, j->comp, &j->n_comp, NULL, &j->err);
	if (j->rc)
		return;
	if (!settled(j, &j->dist_state)) {
		j->rc = error_set(&j->err, "interrupted");
		return;
	}
	j->devtools = dom_devtools_shape(j->h, j->dist);
	/* The live run reads the roots' marks no more (dom_compute_roots()).
	 * The source-component rule needs the raw components, so its entries
	 * come now; DevTools' rule needs none, so its entries come once the
	 * live run is done: until then the marks' pages are given back, and
	 * they are not beside the live run's busiest memory (1 byte an object,
	 * 5.6 MiB at the peak on the 592 MB V8 snapshot). */
	if (j->devtools)
		mem_zero_release(j->mark, j->h->n_nodes);
	else
		dom_entries(j->h, j->dist, j->comp, 0, j->mark);
	cycles_core(j->a, j->comp, j->n_comp);
	if (!same)
		j->rc = scc_compute_user(j->h, j->comp, &j->n_comp, NULL, &j->err);
	if (j->rc)
		return;
	if (j->devtools) {
		if (!settled(j, &j->live_state)) {
			j->rc = error_set(&j->err, "interrupted");
			return;
		}
		dom_entries(j->h, j->dist, j->comp, 1, j->mark);
	}
	cycles_find(j->h, 1, j->comp, j->n_comp, j->mark, j->found);
	j->shapes = pattern_shapes_begin(j->h, j->found, j->comp, j->dist);
	settle(j, &j->shapes_state, 1);
	pattern_shapes_help(j->shapes, 0);
}

/* The second thread's part: its steps, then whatever happened, no longer
 * a main thread waiting for the shapes. */
static void *job_components(void *arg)
{
	struct job *j = arg;

	job_steps(j);
	settle(j, &j->shapes_state, -1);	/* when it failed before them */
	return NULL;
}

/* Waits for the job; returns rc, or the job's failure copied into err. */
static int job_wait(struct job *j, int rc, struct error *err)
{
	worker_join(&j->w);
	if (rc == 0 && j->rc)
		rc = error_set(err, "%s", j->err.msg);
	return rc;
}

/* Whether a retaining reference goes from an unreachable object to a
 * reachable one. */
static int garbage_holds_live(const struct heap *h, const uint32_t *dist)
{
	for (heap_node_t u = 0; u < h->n_nodes; u++) {
		if (dist[u] != REACH_UNREACHABLE)
			continue;
		for (uint32_t e = h->out_off[u]; e < h->out_off[u + 1]; e++)
			if (dist[h->out_to[e]] != REACH_UNREACHABLE && reach_retains(h, u, e))
				return 1;
	}
	return 0;
}

/* With a single synthetic root (V8's "(root)"), that root plays the
 * virtual root, as in DevTools: the garbage entries hang under it and it
 * retains the whole heap. */
static void adopt_garbage(struct analysis *a)
{
	const struct heap *h = a->heap;
	heap_node_t root = HEAP_NONE;

	if (a->n_roots != 1 || a->unreachable_objects == 0)
		return;
	for (heap_node_t v = 0; v < h->n_nodes && root == HEAP_NONE; v++)
		if (a->dist[v] == 0)
			root = v;
	for (heap_node_t v = 0; v < h->n_nodes; v++)
		if (a->idom[v] == HEAP_NONE && v != root)
			a->idom[v] = root;
	a->adopted_root = root;
	a->adopted_own = analysis_retained(a, root);
	dom_sizes_set(&a->retained, root, h->total_size);
}

/* The schedule, on two threads:
 *   main: dominators of the live objects (the roots as entries), whose
 *         breadth-first numbering gives the distances
 *         ||  other: the raw graph's components, then, once the distances
 *             are there, the entries of the garbage (dom_entries), the
 *             runtime's core, the user graph's components, the cycles
 *             among them and their shapes (pattern.h), whose references
 *             the main thread shares once its live run is done;
 *   main: the dominators of the garbage (of everything again when, under
 *         DevTools' rule, garbage refers to live objects: dom.h), in the
 *         working memory the first run touched; the cycles' retained sizes
 *         from the finished tree (cycles.h), their numbers, the cycle column
 *         and member lists, the patterns ranked; the totals. */
int analysis_run(const struct heap *h, struct progress *p, struct analysis **out,
		 struct error *err)
{
	struct analysis *a = mem_calloc(1, sizeof *a);
	uint32_t n = h->n_nodes;
	size_t nn = n ? n : 1;
	/* 1 for a root: DOM_ENTRY, the live run's marks as they are; once the
	 * distances are known (the live run reads it no more), the second
	 * thread writes the garbage's entries there (dom_entries()) */
	uint8_t *mark = mem_alloc(nn);
	uint32_t *comp = hugepage_advise(mem_alloc(nn * sizeof *comp), nn * sizeof *comp);
	double t0 = now_seconds();
	struct job j = { .h = h };
	struct cycles_found cf = { .pend = NULL };
	struct pattern_shapes shapes = { 0 };
	struct dom_work *work = dom_work_new();
	int rc, threaded;

	a->heap = h;
	a->adopted_root = HEAP_NONE;
	a->refcount_mode = reach_refcount_mode(h);
	a->dist = hugepage_advise(mem_alloc(nn * sizeof *a->dist), nn * sizeof *a->dist);
	a->idom = hugepage_advise(mem_alloc(nn * sizeof *a->idom), nn * sizeof *a->idom);
	a->retained.small = hugepage_advise(mem_alloc(nn * sizeof *a->retained.small),
					    nn * sizeof *a->retained.small);
	/* idom and retained are first written at the end of the live run
	 * (dom_compute_roots): untouched, they take no memory beside its
	 * work arrays and the components */

	a->n_roots = reach_roots(h, mark);
	j.dist = a->dist;
	j.comp = comp;
	j.found = &cf;
	j.mark = mark;
	j.a = a;
	pthread_mutex_init(&j.lock, NULL);
	pthread_cond_init(&j.cond, NULL);
	/* The second thread starts on the components at once and waits for
	 * the distances after; on a small heap its part runs after the live
	 * run, on this thread. */
	threaded = n >= 100000 && worker_start(&j.w, job_components, &j);
	rc = dom_compute_roots(h, mark, a->dist, dist_ready, &j, a->idom, &a->retained, work, p,
			       err);
	settle(&j, &j.dist_state, rc ? -1 : 1);
	settle(&j, &j.live_state, rc ? -1 : 1);
	if (rc == 0 && !threaded)
		job_components(&j);
	else if (rc == 0)
		shapes_help(&j);	/* the job's last step, shared */
	rc = job_wait(&j, rc, err);
	pthread_cond_destroy(&j.cond);
	pthread_mutex_destroy(&j.lock);
	if (rc)
		goto out;
	pattern_shapes_end(j.shapes, &cf, &shapes);
	j.shapes = NULL;
	for (heap_node_t v = 0; v < n; v++) {
		if (a->dist[v] == REACH_UNREACHABLE) {
			a->unreachable_objects++;
			a->unreachable_bytes += heap_size(h, v);
		} else {
			a->reachable_objects++;
			a->reachable_bytes += heap_size(h, v);
		}
	}

	if (a->unreachable_objects && j.devtools && garbage_holds_live(h, a->dist)) {
		/* DevTools' rule: garbage references into live objects count, so
		 * the live part changes too: solve the whole graph. */
		rc = dom_compute(h, mark, a->idom, &a->retained, work, p, err);
	} else if (a->unreachable_objects) {
		/* The garbage alone: the live part is final.  Its marks become
		 * DOM_SKIP for that run, and are put back after (a root's
		 * DOM_ENTRY, 0 for the others: what dom_entries() gave them). */
		for (heap_node_t v = 0; v < n; v++)
			if (a->dist[v] != REACH_UNREACHABLE)
				mark[v] = DOM_SKIP;
		rc = dom_compute(h, mark, a->idom, &a->retained, work, p, err);
		for (heap_node_t v = 0; v < n; v++)
			if (a->dist[v] != REACH_UNREACHABLE)
				mark[v] = a->dist[v] == 0 ? DOM_ENTRY : 0;
	}
	dom_work_free(work);	/* before the cycle table needs memory */
	work = NULL;
	if (rc)
		goto out;
	/* after the garbage run, which writes retained[], and before the root
	 * stands for the virtual root */
	rc = cycles_retain(a, &cf, comp, j.n_comp, j.mark, j.devtools, p, err);
	if (rc)
		goto out;
	cycles_number(a, &cf);
	cycles_place(a, comp, &cf);
	comp = NULL;	/* a->cycle now */
	pattern_finish(a, &cf, &shapes);
	if (j.devtools)
		adopt_garbage(a);
	a->seconds = now_seconds() - t0;
out:
	pattern_work_free(j.shapes);
	cycles_found_fini(&cf);
	pattern_shapes_fini(&shapes);
	dom_work_free(work);
	free(mark);
	free(comp);
	if (rc) {
		analysis_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

void analysis_free(struct analysis *a)
{
	if (!a)
		return;
	if (!a->base) {
		free(a->dist);
		free(a->idom);
		free(a->retained.small);
		free(a->retained.big);
	}
	free(a->cycle);
	free(a->cycles);
	free(a->members);
	free(a->patterns);
	free(a->pattern_text);
	free(a);
}

size_t analysis_memory(const struct analysis *a)
{
	size_t n = a->heap->n_nodes, m = 0;

	for (uint32_t i = 0; i < a->n_cycles; i++)
		m += a->cycles[i].size;
	return sizeof *a +
	       (a->base ? 0 : n * (sizeof *a->dist + sizeof *a->idom + sizeof *a->retained.small) +
				  (size_t)a->retained.n_big * sizeof *a->retained.big) +
	       n * sizeof *a->cycle + m * sizeof *a->members +
	       (size_t)a->n_cycles * sizeof *a->cycles +
	       (size_t)a->n_patterns * sizeof *a->patterns +
	       a->pattern_text_len;
}

int analysis_reachable(const struct analysis *a, heap_node_t v)
{
	return v < a->heap->n_nodes && a->dist[v] != REACH_UNREACHABLE;
}

uint32_t analysis_path(const struct analysis *a, heap_node_t v, struct reach_step *out)
{
	return reach_path(a->heap, a->dist, v, out);
}

uint32_t analysis_dominators(const struct analysis *a, heap_node_t v, heap_node_t *out,
			     uint32_t max)
{
	uint32_t len = 0;

	if (v >= a->heap->n_nodes)
		return 0;
	for (heap_node_t d = a->idom[v]; d != HEAP_NONE; d = a->idom[d]) {
		if (len < max)
			out[len] = d;
		len++;
	}
	return len;
}

/* ---- types ---- */

static int u32_cmp(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return a < b ? -1 : a > b;
}

struct type_sort {
	struct analysis_type t;
	const char *name;
	size_t len;
	enum analysis_type_order order;
};

static int type_cmp(const void *pa, const void *pb)
{
	const struct type_sort *a = pa, *b = pb;
	uint64_t ka, kb;
	size_t m;
	int c;

	switch (a->order) {
	case ANALYSIS_TYPES_BY_SHALLOW: ka = a->t.shallow; kb = b->t.shallow; break;
	case ANALYSIS_TYPES_BY_RETAINED: ka = a->t.retained; kb = b->t.retained; break;
	default: ka = a->t.count; kb = b->t.count; break;
	}
	if (ka != kb)
		return ka > kb ? -1 : 1;
	m = a->len < b->len ? a->len : b->len;
	c = memcmp(a->name, b->name, m);
	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static uint32_t type_index(const uint32_t *uniq, uint32_t nt, heap_str_t t)
{
	uint32_t lo = 0, hi = nt;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (uniq[mid] < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t analysis_types(const struct analysis *a, enum analysis_type_order order,
			struct analysis_type **out)
{
	const struct heap *h = a->heap;
	uint32_t n = h->n_nodes, nt = 0;
	size_t nn = n ? n : 1;
	uint32_t *tid = mem_alloc(nn * sizeof *tid);
	uint32_t *uniq, *off, *kids, *depth, *stack, *cursor;
	struct type_sort *ts;
	uint32_t sp = 0;

	/* Dense type ids: the distinct type offsets, sorted. */
	memcpy(tid, h->type, n * sizeof *tid);
	qsort(tid, n, sizeof *tid, u32_cmp);
	for (uint32_t i = 0; i < n; i++)
		if (i == 0 || tid[i] != tid[nt - 1])
			tid[nt++] = tid[i];
	uniq = mem_alloc((nt ? nt : 1) * sizeof *uniq);
	memcpy(uniq, tid, nt * sizeof *uniq);
	for (heap_node_t v = 0; v < n; v++)
		tid[v] = type_index(uniq, nt, h->type[v]);

	ts = mem_calloc(nt ? nt : 1, sizeof *ts);
	for (uint32_t i = 0; i < nt; i++) {
		ts[i].t.type = uniq[i];
		ts[i].name = heap_string(h, uniq[i], &ts[i].len);
		ts[i].order = order;
	}
	for (heap_node_t v = 0; v < n; v++) {
		ts[tid[v]].t.count++;
		ts[tid[v]].t.shallow += heap_size(h, v);
	}

	/* Retained per type: walk the dominator tree depth-first, counting for
	 * each type how many of the current node's ancestors have it; a node
	 * counts when none does.  Children index: counting sort by idom + 1. */
	off = mem_calloc((size_t)n + 2, sizeof *off);
	kids = mem_alloc(nn * sizeof *kids);
	for (heap_node_t v = 0; v < n; v++)
		off[a->idom[v] + 1 + 1]++;	/* HEAP_NONE + 1 == 0 */
	for (uint32_t i = 0; i <= n; i++)
		off[i + 1] += off[i];
	for (heap_node_t v = 0; v < n; v++)
		kids[off[a->idom[v] + 1]++] = v;
	for (uint32_t i = n + 1; i > 0; i--)
		off[i] = off[i - 1];
	off[0] = 0;
	depth = mem_calloc(nt ? nt : 1, sizeof *depth);
	stack = mem_alloc(nn * sizeof *stack);
	cursor = mem_alloc(nn * sizeof *cursor);
	/* Frames: stack[i] = node, cursor[i] = next index into kids.  The
	 * virtual root's children are kids[off[0] .. off[1]). */
	for (uint32_t r = off[0]; r < off[1]; r++) {
		heap_node_t v = kids[r];
		if (depth[tid[v]]++ == 0)
			ts[tid[v]].t.retained += analysis_retained(a, v);
		stack[0] = v;
		cursor[0] = off[v + 1];
		sp = 1;
		while (sp) {
			heap_node_t x = stack[sp - 1];
			if (cursor[sp - 1] < off[x + 2]) {
				heap_node_t y = kids[cursor[sp - 1]++];
				if (depth[tid[y]]++ == 0)
					ts[tid[y]].t.retained += analysis_retained(a, y);
				stack[sp] = y;
				cursor[sp] = off[y + 1];
				sp++;
			} else {
				depth[tid[x]]--;
				sp--;
			}
		}
	}
	free(cursor);
	free(stack);
	free(depth);
	free(kids);
	free(off);

	qsort(ts, nt, sizeof *ts, type_cmp);
	*out = mem_alloc((nt ? nt : 1) * sizeof **out);
	for (uint32_t i = 0; i < nt; i++)
		(*out)[i] = ts[i].t;
	free(ts);
	free(uniq);
	free(tid);
	return nt;
}

/* ---- top ---- */

/* "a ranks before b": larger retained, then smaller index. */
static int ranks_before(const struct analysis *a, heap_node_t x, heap_node_t y)
{
	uint64_t rx = analysis_retained(a, x), ry = analysis_retained(a, y);

	if (rx != ry)
		return rx > ry;
	return x < y;
}

/* Puts v at the root of the heap out[0..size) (worst-ranked on top) and
 * sifts it down to its place. */
static void sift_down(const struct analysis *a, heap_node_t *out, uint32_t size, heap_node_t v)
{
	uint32_t i = 0;

	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, w = i;
		heap_node_t wv = v;
		if (l < size && ranks_before(a, wv, out[l])) {
			w = l;
			wv = out[l];
		}
		if (r < size && ranks_before(a, wv, out[r])) {
			w = r;
			wv = out[r];
		}
		if (w == i)
			break;
		out[i] = out[w];
		i = w;
	}
	out[i] = v;
}

uint32_t analysis_top(const struct analysis *a, uint32_t k, int skip_synthetic, heap_node_t *out)
{
	const struct heap *h = a->heap;
	uint32_t m = 0;

	if (k == 0)
		return 0;
	/* out[0..m) is a binary heap whose top is the worst-ranked kept node. */
	for (heap_node_t v = 0; v < h->n_nodes; v++) {
		uint32_t i;
		if (skip_synthetic && (h->flags[v] & HEAP_F_SYNTHETIC))
			continue;
		if (m < k) {
			i = m++;
			while (i > 0 && ranks_before(a, out[(i - 1) / 2], v)) {
				out[i] = out[(i - 1) / 2];
				i = (i - 1) / 2;
			}
			out[i] = v;
			continue;
		}
		if (!ranks_before(a, v, out[0]))
			continue;
		sift_down(a, out, m, v);
	}
	/* Heap order to rank order: repeatedly move the worst to the end. */
	for (uint32_t end = m; end > 1; end--) {
		heap_node_t worst = out[0];

		sift_down(a, out, end - 1, out[end - 1]);
		out[end - 1] = worst;
	}
	return m;
}
