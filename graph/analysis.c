#include "graph/analysis.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph/dom.h"
#include "graph/core/hugepage.h"
#include "graph/core/mem.h"
#include "graph/core/worker.h"
#include "graph/scc.h"

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A cycle before it is numbered. */
struct pending {
	uint64_t shallow, retained;
	uint32_t size, comp;
	heap_node_t first;
	uint32_t n_internal, n_entering;
	uint32_t entered;	/* members entered from outside or from R, up to 2 */
	heap_node_t entered_by;	/* one of them */
};

static int by_size(const struct pending *a, const struct pending *b)
{
	if (a->size != b->size)
		return a->size > b->size ? -1 : 1;
	if (a->retained != b->retained)
		return a->retained > b->retained ? -1 : 1;
	return a->first < b->first ? -1 : a->first > b->first;
}

static int by_retained(const struct pending *a, const struct pending *b)
{
	if (a->retained != b->retained)
		return a->retained > b->retained ? -1 : 1;
	if (a->size != b->size)
		return a->size > b->size ? -1 : 1;
	return a->first < b->first ? -1 : a->first > b->first;
}

static int pending_by_size(const void *a, const void *b)
{
	return by_size(a, b);
}

static int pending_by_retained(const void *a, const void *b)
{
	return by_retained(a, b);
}

/* The cycles among the components, before their retained sizes are known:
 * found on the second thread while the first computes dominators. */
struct cycles_found {
	struct pending *pend;	/* one per cycle, in component order */
	uint32_t *cid;		/* component -> index into pend, HEAP_NONE */
	uint32_t nc;
	uint32_t total;		/* members of all cycles */
	int groups;		/* some cycle has two entered members: the
				 * cycles must be solved as groups */
	int numbered;		/* cycles_number() ran: cid holds cycle numbers */
};

/* Finds the cycles and what dom_group_retained() needs to know of them: a
 * cycle entered at one member only (by a retaining reference from outside
 * it, or from the virtual root: mark) is retained exactly by that member,
 * every path into the cycle going through it; one entered at two or more
 * must be solved as a group.  (Counting garbage-to-live references as
 * entering only errs on the safe side.) */
static void cycles_find(const struct heap *h, const uint32_t *comp, uint32_t n_comp,
			const uint8_t *mark, struct cycles_found *cf)
{
	enum { AHEAD = 32 };
	uint32_t n = h->n_nodes, m = h->n_edges, nc = 0, total = 0;
	uint32_t *csize = mem_calloc(n_comp ? n_comp : 1, sizeof *csize);
	uint8_t *selfloop = mem_calloc(n_comp ? n_comp : 1, 1);
	uint32_t *cid = mem_alloc((n_comp ? n_comp : 1) * sizeof *cid);
	struct pending *pend;

	for (heap_node_t v = 0; v < n; v++) {
		csize[comp[v]]++;
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++)
			if (h->out_to[e] == v && reach_retains(h, v, e))
				selfloop[comp[v]] = 1;
	}
	for (uint32_t c = 0; c < n_comp; c++) {
		if (csize[c] >= 2 || selfloop[c]) {
			cid[c] = nc++;
			total += csize[c];
		} else {
			cid[c] = HEAP_NONE;
		}
	}
	free(selfloop);
	pend = mem_calloc(nc ? nc : 1, sizeof *pend);
	for (uint32_t c = 0; c < n_comp; c++) {
		if (cid[c] == HEAP_NONE)
			continue;
		pend[cid[c]].comp = c;
		pend[cid[c]].size = csize[c];
		pend[cid[c]].first = HEAP_NONE;
	}
	free(csize);
	/* Shallow sizes, the references inside and into each cycle (any
	 * kind), and the entered members. */
	cf->groups = 0;
	for (heap_node_t v = 0; v < n; v++) {
		uint32_t i = cid[comp[v]];
		struct pending *pe;
		int entered = mark[v] & DOM_ENTRY;
		if (i == HEAP_NONE)
			continue;
		pe = &pend[i];
		pe->shallow += h->size[v];
		if (pe->first == HEAP_NONE)
			pe->first = v;
		/* The members come in node order, so the references do too: the
		 * component lookups a few references ahead are started early. */
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
			if (e + AHEAD < m)
				__builtin_prefetch(&comp[h->out_to[e + AHEAD]]);
			if (comp[h->out_to[e]] == comp[v])
				pe->n_internal++;
		}
		for (uint32_t k = h->in_off[v]; k < h->in_off[v + 1]; k++) {
			if (k + AHEAD < m)
				__builtin_prefetch(&comp[h->in_from[k + AHEAD]]);
			if (comp[h->in_from[k]] != comp[v]) {
				pe->n_entering++;
				entered |= heap_in_retains(h, k);
			}
		}
		if (!entered)
			continue;
		pe->entered_by = v;
		if (pe->entered < 2 && ++pe->entered == 2 && pe->size >= 2)
			cf->groups = 1;
	}
	cf->pend = pend;
	cf->cid = cid;
	cf->nc = nc;
	cf->total = total;
}

static void cycles_found_fini(struct cycles_found *cf)
{
	free(cf->pend);
	free(cf->cid);
	cf->pend = NULL;
	cf->cid = NULL;
}

/* Numbers the cycles cf found in the default order, now that their
 * retained sizes are known (grp_retained when they were solved as groups,
 * else their entered members' retained sizes): fills a->cycles, and cf's
 * component -> cycle map with the new numbers. */
static void cycles_number(struct analysis *a, struct cycles_found *cf, const uint64_t *grp_retained)
{
	uint32_t nc = cf->nc;
	struct pending *pend = cf->pend;

	for (uint32_t i = 0; i < nc; i++)
		pend[i].retained = cf->groups ? grp_retained[pend[i].comp] :
				   pend[i].entered ? a->retained[pend[i].entered_by] : 0;
	qsort(pend, nc, sizeof *pend, pending_by_size);

	a->n_cycles = nc;
	a->cycles = mem_calloc(nc ? nc : 1, sizeof *a->cycles);
	for (uint32_t i = 0, off = 0; i < nc; i++) {
		struct analysis_cycle *cy = &a->cycles[i];
		cf->cid[pend[i].comp] = i;
		cy->shallow = pend[i].shallow;
		cy->retained = pend[i].retained;
		cy->size = pend[i].size;
		cy->members = off;
		cy->n_internal = pend[i].n_internal;
		cy->n_entering = pend[i].n_entering;
		cy->garbage = a->dist[pend[i].first] == REACH_UNREACHABLE;
		off += pend[i].size;
		if (cy->size > a->largest_cycle)
			a->largest_cycle = cy->size;
	}
	cf->numbered = 1;
}

/* The per-object cycle column and the member lists, once the cycles are
 * numbered: 4 bytes per object and per member, allocated at the end, when
 * the dominator runs have given their memory back. */
static void cycles_place(struct analysis *a, const uint32_t *comp, const struct cycles_found *cf)
{
	uint32_t n = a->heap->n_nodes, nc = cf->nc;
	uint32_t *fill = mem_alloc((nc ? nc : 1) * sizeof *fill);

	a->members = mem_alloc((cf->total ? cf->total : 1) * sizeof *a->members);
	a->cycle = mem_alloc((n ? n : 1) * sizeof *a->cycle);
	for (uint32_t i = 0; i < nc; i++)
		fill[i] = a->cycles[i].members;
	for (heap_node_t v = 0; v < n; v++) {
		uint32_t i = cf->cid[comp[v]];
		a->cycle[v] = i;
		if (i != HEAP_NONE)
			a->members[fill[i]++] = v;
	}
	free(fill);
}

/* Work handed to the second thread: one call, no progress reporting (the
 * progress record belongs to the calling thread). */
struct job {
	struct worker w;
	int rc;
	struct error err;
	const struct heap *h;
	/* the components; the distances come from the main thread's live
	 * dominator run, which numbers the heap breadth first anyway */
	uint32_t *comp;
	uint32_t n_comp;
	const uint32_t *dist;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int dist_state;		/* 0 not yet, 1 complete, -1 never (the run failed) */
	/* then the entries of the garbage (dom.h), the cycles found, and the
	 * cycles solved as groups when they must be, and then numbered into
	 * a's cycle table, which needs nothing of the main thread's then */
	uint8_t *mark;
	int devtools;
	struct cycles_found *found;
	uint64_t *grp_retained;
	struct analysis *a;
};

static void dist_settle(struct job *j, int state)
{
	pthread_mutex_lock(&j->lock);
	if (j->dist_state == 0)
		j->dist_state = state;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->lock);
}

/* dom_compute_roots()'s call once dist is complete. */
static void dist_ready(void *arg)
{
	dist_settle(arg, 1);
}

/* Whether dist is complete: waits until it is, or never will be. */
static int dist_wait(struct job *j)
{
	int state;

	pthread_mutex_lock(&j->lock);
	while (j->dist_state == 0)
		pthread_cond_wait(&j->cond, &j->lock);
	state = j->dist_state;
	pthread_mutex_unlock(&j->lock);
	return state > 0;
}

/* The second thread's part, beside the live dominators: each step in the
 * memory the one before gave back. */
static void *job_components(void *arg)
{
	struct job *j = arg;
	size_t nc;

	j->rc = scc_compute(j->h, j->comp, &j->n_comp, NULL, &j->err);
	if (j->rc)
		return NULL;
	if (!dist_wait(j)) {
		j->rc = error_set(&j->err, "interrupted");
		return NULL;
	}
	j->devtools = dom_devtools_shape(j->h, j->dist);
	dom_entries(j->h, j->dist, j->comp, j->devtools, j->mark);
	cycles_find(j->h, j->comp, j->n_comp, j->mark, j->found);
	if (!j->found->groups)
		return NULL;
	nc = j->n_comp ? j->n_comp : 1;
	j->grp_retained = mem_alloc(nc * sizeof *j->grp_retained);
	j->rc = dom_group_retained(j->h, j->comp, j->n_comp, j->mark, j->grp_retained, NULL, NULL,
				   &j->err);
	if (j->rc == 0)
		cycles_number(j->a, j->found, j->grp_retained);
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
	a->retained[root] = h->total_size;
}

/* The schedule, on two threads:
 *   main: dominators of the live objects (the roots as entries), whose
 *         breadth-first numbering gives the distances
 *         ||  other: components, then, once the distances are there, the
 *             entries of the garbage (dom_entries), the cycles found, the
 *             cycles solved as groups when they must be, and then their
 *             numbers;
 *   main: the dominators of the garbage (of everything again when, under
 *         DevTools' rule, garbage refers to live objects: dom.h), in the
 *         working memory the first run touched; the cycles' numbers if
 *         they were not solved as groups (their retained sizes are then
 *         their entered members'); the cycle column and member lists; the
 *         totals. */
int analysis_run(const struct heap *h, struct progress *p, struct analysis **out,
		 struct error *err)
{
	struct analysis *a = mem_calloc(1, sizeof *a);
	uint32_t n = h->n_nodes;
	size_t nn = n ? n : 1;
	/* 1 for a root: DOM_ENTRY, the live run's marks as they are */
	uint8_t *is_root = mem_alloc(nn);
	uint8_t *gmark = NULL;
	uint32_t *comp = hugepage_advise(mem_alloc(nn * sizeof *comp), nn * sizeof *comp);
	double t0 = now_seconds();
	struct job j = { .h = h };
	struct cycles_found cf = { .pend = NULL };
	struct dom_work *work = dom_work_new();
	int rc, threaded;

	a->heap = h;
	a->refcount_mode = reach_refcount_mode(h);
	a->dist = hugepage_advise(mem_alloc(nn * sizeof *a->dist), nn * sizeof *a->dist);
	a->idom = hugepage_advise(mem_alloc(nn * sizeof *a->idom), nn * sizeof *a->idom);
	a->retained = hugepage_advise(mem_alloc(nn * sizeof *a->retained), nn * sizeof *a->retained);
	for (heap_node_t v = 0; v < n; v++) {
		a->idom[v] = HEAP_NONE;
		a->retained[v] = h->size[v];
	}

	a->n_roots = reach_roots(h, is_root);
	j.dist = a->dist;
	j.comp = comp;
	j.found = &cf;
	j.mark = mem_alloc(nn);
	j.a = a;
	pthread_mutex_init(&j.lock, NULL);
	pthread_cond_init(&j.cond, NULL);
	/* The second thread starts on the components at once and waits for
	 * the distances after; on a small heap its part runs after the live
	 * run, on this thread. */
	threaded = n >= 100000 && worker_start(&j.w, job_components, &j);
	rc = dom_compute_roots(h, is_root, a->dist, dist_ready, &j, a->idom, a->retained, work, p,
			       err);
	if (rc)
		dist_settle(&j, -1);
	else if (!threaded)
		job_components(&j);
	rc = job_wait(&j, rc, err);
	pthread_cond_destroy(&j.cond);
	pthread_mutex_destroy(&j.lock);
	if (rc)
		goto out;
	for (heap_node_t v = 0; v < n; v++) {
		if (a->dist[v] == REACH_UNREACHABLE) {
			a->unreachable_objects++;
			a->unreachable_bytes += h->size[v];
		} else {
			a->reachable_objects++;
			a->reachable_bytes += h->size[v];
		}
	}

	if (a->unreachable_objects && j.devtools && garbage_holds_live(h, a->dist)) {
		/* DevTools' rule: garbage references into live objects count, so
		 * the live part changes too: solve the whole graph. */
		gmark = j.mark;
	} else if (a->unreachable_objects) {
		/* The garbage alone: the live part is final.  is_root becomes the
		 * garbage run's marks. */
		for (heap_node_t v = 0; v < n; v++)
			is_root[v] = a->dist[v] == REACH_UNREACHABLE ? j.mark[v] : DOM_SKIP;
		gmark = is_root;
	}
	if (gmark)
		rc = dom_compute(h, gmark, a->idom, a->retained, work, p, err);
	dom_work_free(work);	/* before the cycle table needs memory */
	work = NULL;
	if (rc)
		goto out;
	/* without groups: after the garbage run, which writes retained[], and
	 * before the root stands for the virtual root */
	if (!cf.numbered)
		cycles_number(a, &cf, j.grp_retained);
	cycles_place(a, comp, &cf);
	if (j.devtools)
		adopt_garbage(a);
	a->seconds = now_seconds() - t0;
out:
	cycles_found_fini(&cf);
	dom_work_free(work);
	free(j.mark);
	free(j.grp_retained);
	free(comp);
	free(is_root);
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
	free(a->dist);
	free(a->idom);
	free(a->retained);
	free(a->cycle);
	free(a->cycles);
	free(a->members);
	free(a);
}

size_t analysis_memory(const struct analysis *a)
{
	size_t n = a->heap->n_nodes, m = 0;

	for (uint32_t i = 0; i < a->n_cycles; i++)
		m += a->cycles[i].size;
	return sizeof *a + n * (sizeof *a->dist + sizeof *a->idom + sizeof *a->retained +
				sizeof *a->cycle) +
	       m * sizeof *a->members + (size_t)a->n_cycles * sizeof *a->cycles;
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

uint32_t analysis_cycle_internal(const struct analysis *a, uint32_t c, struct analysis_ref *out)
{
	const struct heap *h = a->heap;
	const struct analysis_cycle *cy = &a->cycles[c];
	uint32_t k = 0;

	for (uint32_t i = 0; i < cy->size; i++) {
		heap_node_t v = a->members[cy->members + i];
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++)
			if (a->cycle[h->out_to[e]] == c)
				out[k++] = (struct analysis_ref){ .from = v, .to = h->out_to[e], .edge = e };
	}
	return k;
}

uint32_t analysis_cycle_entering(const struct analysis *a, uint32_t c, struct analysis_ref *out)
{
	const struct heap *h = a->heap;
	const struct analysis_cycle *cy = &a->cycles[c];
	const uint32_t *in_edge = heap_in_edges(h);
	uint32_t k = 0;

	for (uint32_t i = 0; i < cy->size; i++) {
		heap_node_t v = a->members[cy->members + i];
		for (uint32_t j = h->in_off[v]; j < h->in_off[v + 1]; j++)
			if (a->cycle[h->in_from[j]] != c)
				out[k++] = (struct analysis_ref){ .from = h->in_from[j], .to = v,
								  .edge = in_edge[j] };
	}
	return k;
}

void analysis_cycles_sorted(const struct analysis *a, enum analysis_cycle_order order,
			    uint32_t *out)
{
	uint32_t nc = a->n_cycles;
	struct pending *p = mem_alloc((nc ? nc : 1) * sizeof *p);

	for (uint32_t i = 0; i < nc; i++) {
		const struct analysis_cycle *cy = &a->cycles[i];
		p[i] = (struct pending){ .shallow = cy->shallow, .retained = cy->retained,
					 .size = cy->size, .comp = i,
					 .first = a->members[cy->members] };
	}
	qsort(p, nc, sizeof *p, order == ANALYSIS_BY_RETAINED ? pending_by_retained : pending_by_size);
	for (uint32_t i = 0; i < nc; i++)
		out[i] = p[i].comp;
	free(p);
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
		ts[tid[v]].t.shallow += h->size[v];
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
			ts[tid[v]].t.retained += a->retained[v];
		stack[0] = v;
		cursor[0] = off[v + 1];
		sp = 1;
		while (sp) {
			heap_node_t x = stack[sp - 1];
			if (cursor[sp - 1] < off[x + 2]) {
				heap_node_t y = kids[cursor[sp - 1]++];
				if (depth[tid[y]]++ == 0)
					ts[tid[y]].t.retained += a->retained[y];
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
	if (a->retained[x] != a->retained[y])
		return a->retained[x] > a->retained[y];
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
