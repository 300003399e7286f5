/* The world's collectors (graph/gc/world.h) on whole random heaps, against
 * brute-force references and the engine's own analyses (reach, scc, cpygc)
 * on thousands of small heaps (self-loops, repeated edges, weak edges,
 * unrooted parts, untracked objects, finalizers), and stepping: forwards
 * then backwards returns exactly to the start, and step k is the same state
 * whichever way it is reached.  (What CPython itself does with a lesson is
 * tests/e2e/lesson_oracle.sh.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/oracle.h"

#include "graph/cpygc.h"
#include "graph/heap.h"
#include "graph/reach.h"
#include "graph/scc.h"
#include "graph/gc/stepper.h"
#include "graph/gc/subheap.h"
#include "graph/gc/world.h"
#include "graph/near.h"

enum {
	MAXN = 14,
	ROUNDS = 3000
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	/* xorshift64*: deterministic across runs */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 33) % n;
}

/* The random heap, also kept as plain arrays for the references. */
struct g {
	uint32_t n, m;
	uint32_t from[MAXN * 4], to[MAXN * 4];
	uint8_t kind[MAXN * 4];
	int root[MAXN];		/* times in the root list */
	uint8_t gen[MAXN];
	int untracked[MAXN];
	int finalizer[MAXN];
	int64_t extra[MAXN];	/* refcount above the derived one */
	int has_rc;
	struct heap *h;
};

static int retains(const struct g *g, uint32_t i)
{
	return g->kind[i] == HEAP_EDGE_STRONG || g->kind[i] == HEAP_EDGE_INTERNAL;
}

static int64_t derived_rc(const struct g *g, uint32_t v)
{
	int64_t c = g->root[v] + g->extra[v];
	for (uint32_t i = 0; i < g->m; i++)
		if (retains(g, i) && g->to[i] == v)
			c++;
	return c;
}

static void make_heap(struct g *g)
{
	struct heap_builder *b = heap_builder_new();
	struct error err;
	heap_str_t type = heap_builder_intern_cstr(b, "Node");
	heap_str_t field = heap_builder_intern_cstr(b, "f");
	heap_str_t rk = heap_builder_intern_cstr(b, "variable");
	uint32_t weak_pct = rnd(3) * 20;

	memset(g, 0, sizeof *g);
	g->n = 1 + rnd(MAXN);
	g->m = rnd(g->n * 3 + 1);
	g->has_rc = (int)rnd(2);
	for (uint32_t v = 0; v < g->n; v++) {
		g->root[v] = rnd(4) == 0 ? 1 + (int)rnd(2) : 0;
		g->gen[v] = rnd(8) == 0 ? HEAP_GEN_UNKNOWN : (uint8_t)rnd(3);
		g->untracked[v] = rnd(10) == 0;
		g->finalizer[v] = rnd(4) == 0;
		g->extra[v] = g->has_rc ? rnd(2) : 0;
	}
	for (uint32_t i = 0; i < g->m; i++) {
		g->from[i] = rnd(g->n);
		g->to[i] = rnd(4) == 0 ? g->from[i] : rnd(g->n);	/* self-loops */
		g->kind[i] = rnd(100) < weak_pct ? HEAP_EDGE_WEAK
			     : rnd(10) == 0 ? HEAP_EDGE_INTERNAL : HEAP_EDGE_STRONG;
	}
	/* Sort by source so the builder's order equals ours (stable). */
	for (uint32_t i = 1; i < g->m; i++)
		for (uint32_t j = i; j > 0 && g->from[j - 1] > g->from[j]; j--) {
			uint32_t t;
			uint8_t k;
			t = g->from[j]; g->from[j] = g->from[j - 1]; g->from[j - 1] = t;
			t = g->to[j]; g->to[j] = g->to[j - 1]; g->to[j - 1] = t;
			k = g->kind[j]; g->kind[j] = g->kind[j - 1]; g->kind[j - 1] = k;
		}
	for (uint32_t v = 0; v < g->n; v++) {
		struct heap_node_rec rec = {
			.id = 100 + v,
			.type = type,
			.size = 16,
			.generation = g->gen[v],
			.refcount = derived_rc(g, v),
			.flags = (uint16_t)((g->untracked[v] ? HEAP_F_UNTRACKED : 0) |
					    (g->finalizer[v] ? HEAP_F_FINALIZER : 0) |
					    (g->has_rc ? HEAP_F_HAS_REFCOUNT : 0)),
		};
		assert_int_equal(heap_builder_add_node(b, &rec, &err), v);
	}
	assert_int_equal(heap_builder_index(b, NULL, NULL), 0);
	for (uint32_t i = 0; i < g->m; i++)
		assert_int_equal(heap_builder_add_edge(b, g->from[i], g->to[i],
						       (enum heap_edge_kind)g->kind[i], field, &err), 0);
	for (uint32_t v = 0; v < g->n; v++)
		for (int k = 0; k < g->root[v]; k++)
			assert_int_equal(heap_builder_add_root(b, v, rk, &err), 0);
	g->h = heap_builder_freeze(b, &err);
	assert_non_null(g->h);
	heap_builder_free(b);
	/* our edge i must be the heap's out-edge i */
	for (uint32_t i = 0; i < g->m; i++)
		assert_int_equal(g->h->out_to[i], g->to[i]);
}

/* The world's run on the whole heap, frozen: its heap (node i = node i of
 * g->h) and its stepper at the end. */
struct run {
	struct heap *h;
	struct stepper *s;
};

static void finish(struct world *w, struct run *r)
{
	struct error err;

	assert_int_equal(world_finish(w, &r->h, &r->s, &err), 0);
	assert_int_equal(r->h->n_nodes, r->s->n);
}

static void run_free(struct run *r)
{
	stepper_free(r->s);
	heap_free(r->h);
}

/* ---- state snapshots for stepping tests ---- */

struct snap {
	uint8_t colour[MAXN], flags[MAXN], gen[MAXN], edge_on[MAXN * 4];
	int64_t refcount[MAXN], gc_refs[MAXN], gen_count[STEPPER_GENS];
	uint32_t order[MAXN], deal[MAXN];
	uint32_t qhead, qtail;
	uint8_t phase;
};

static void take(const struct stepper *s, struct snap *p)
{
	memset(p, 0, sizeof *p);
	memcpy(p->colour, s->colour, s->n);
	memcpy(p->flags, s->flags, s->n);
	memcpy(p->gen, s->gen, s->n);
	memcpy(p->edge_on, s->edge_on, s->n_edges);
	memcpy(p->refcount, s->refcount, s->n * sizeof *s->refcount);
	memcpy(p->gc_refs, s->gc_refs, s->n * sizeof *s->gc_refs);
	memcpy(p->order, s->order, s->n * sizeof *s->order);
	memcpy(p->deal, s->deal, s->n * sizeof *s->deal);
	memcpy(p->gen_count, s->gen_count, sizeof p->gen_count);
	p->qhead = s->qhead;
	p->qtail = s->qtail;
	p->phase = s->phase;
}

/* Forward then back returns to the start; random step k reached from
 * either side gives the same state; the end is reached again. */
static void check_stepping(struct stepper *s)
{
	struct snap end, now, other, first;
	size_t len = stepper_len(s), k;

	take(s, &end);
	stepper_seek(s, 0);
	take(s, &first);
	const struct snap *start = &first;
	k = len ? rnd((uint32_t)len + 1) : 0;
	stepper_seek(s, k);
	take(s, &now);
	stepper_seek(s, len);
	take(s, &other);
	assert_memory_equal(&other, &end, sizeof other);
	stepper_seek(s, k);
	take(s, &other);
	assert_memory_equal(&other, &now, sizeof other);
	/* one step at a time backwards, then forwards */
	while (stepper_step(s, -1) == 0)
		;
	take(s, &other);
	assert_memory_equal(&other, start, sizeof other);
	while (stepper_step(s, 1) == 0)
		;
	take(s, &other);
	assert_memory_equal(&other, &end, sizeof other);
}

/* ---- brute-force references ---- */

/* reach[v] = reachable from the seeds over retaining edges between nodes
 * where allowed[v] (fixpoint, no worklist: independent of the stepper). */
static void closure(const struct g *g, int *reach, const int *allowed)
{
	int changed = 1;
	while (changed) {
		changed = 0;
		for (uint32_t i = 0; i < g->m; i++)
			if (retains(g, i) && reach[g->from[i]] && !reach[g->to[i]] &&
			    (!allowed || allowed[g->to[i]])) {
				reach[g->to[i]] = 1;
				changed = 1;
			}
	}
}

/* on_cycle[v]: v reaches itself over one or more retaining edges. */
static void cycles(const struct g *g, int *on_cycle)
{
	int r[MAXN][MAXN];
	memset(r, 0, sizeof r);
	for (uint32_t i = 0; i < g->m; i++)
		if (retains(g, i))
			r[g->from[i]][g->to[i]] = 1;
	for (uint32_t k = 0; k < g->n; k++)
		for (uint32_t a = 0; a < g->n; a++)
			for (uint32_t b = 0; b < g->n; b++)
				if (r[a][k] && r[k][b])
					r[a][b] = 1;
	for (uint32_t v = 0; v < g->n; v++)
		on_cycle[v] = r[v][v];
}

/* Reference counting by fixpoint: free any live node at exactly 0 that
 * was pending (reached 0 by a decrement), decrement its targets. */
static void brute_rc(const struct g *g, int64_t *rc, int *freed, int *pending)
{
	int changed = 1;
	while (changed) {
		changed = 0;
		for (uint32_t v = 0; v < g->n; v++) {
			if (freed[v] || !pending[v] || rc[v] != 0)
				continue;
			freed[v] = 1;
			changed = 1;
			for (uint32_t i = 0; i < g->m; i++)
				if (retains(g, i) && g->from[i] == v && !freed[g->to[i]]) {
					rc[g->to[i]]--;
					pending[g->to[i]] = 1;
				}
		}
	}
}

/* ---- the engine as the second oracle ---- */

/* unreach[v] = the engine's reachability says no seed reaches v. */
static void engine_unreachable(const struct heap *h, const uint8_t *seeds, int *unreach)
{
	uint32_t dist[MAXN];
	struct error err;

	assert_int_equal(reach_distances(h, seeds, dist, NULL, &err), 0);
	for (uint32_t v = 0; v < h->n_nodes; v++)
		unreach[v] = dist[v] == REACH_UNREACHABLE;
}

/* on_cycle[v] from the engine's SCCs: a component of two or more, or a
 * retaining self-reference. */
static void engine_cycles(const struct heap *h, int *on_cycle)
{
	uint32_t comp[MAXN], size[MAXN] = { 0 }, nc;
	struct error err;

	assert_int_equal(scc_compute(h, comp, &nc, NULL, &err), 0);
	for (uint32_t v = 0; v < h->n_nodes; v++)
		size[comp[v]]++;
	for (uint32_t v = 0; v < h->n_nodes; v++)
		on_cycle[v] = size[comp[v]] >= 2;
	for (uint32_t v = 0; v < h->n_nodes; v++)
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++)
			if (h->out_to[e] == v && reach_retains(h, v, e))
				on_cycle[v] = 1;
}

/* ---- tests ---- */

/* The start of a world made from g: what the heap says. */
static void check_start(const struct g *g, struct stepper *s)
{
	stepper_seek(s, 0);
	for (uint32_t v = 0; v < g->n; v++) {
		uint8_t gen = g->untracked[v] || g->gen[v] == HEAP_GEN_UNKNOWN ? STEPPER_GEN_UNTRACKED : g->gen[v];
		assert_int_equal(s->gen[v], gen);
		assert_int_equal(s->refcount[v], derived_rc(g, v));
		assert_int_equal(s->flags[v] & ~(STEPPER_F_ROOT | STEPPER_F_DEL), 0);
		assert_int_equal(!!(s->flags[v] & STEPPER_F_DEL), g->finalizer[v]);
	}
	for (uint32_t i = 0; i < g->m; i++)
		assert_int_equal(s->edge_on[i], 1);
	stepper_seek(s, stepper_len(s));
}

static void test_mark_random(void **state)
{
	(void)state;
	for (int round = 0; round < ROUNDS; round++) {
		oracle_round(__func__, round, rng_state);
		struct g g;
		struct run r;
		struct world *w;
		int64_t ret;
		int reach[MAXN] = { 0 };

		make_heap(&g);
		w = world_from_heap(g.h, NULL, 0, WORLD_MARKSWEEP, WORLD_PY_NEWEST);
		world_collect(w, 2, &ret);
		finish(w, &r);
		check_start(&g, r.s);

		for (uint32_t v = 0; v < g.n; v++)
			reach[v] = g.root[v] > 0;
		closure(&g, reach, NULL);
		{
			/* the engine, from the same roots */
			uint8_t seeds[MAXN];
			int eng[MAXN];
			for (uint32_t v = 0; v < g.n; v++)
				seeds[v] = (g.h->flags[v] & HEAP_F_ROOT) != 0;
			engine_unreachable(g.h, seeds, eng);
			for (uint32_t v = 0; v < g.n; v++)
				assert_int_equal(!!(r.s->flags[v] & STEPPER_F_FREED), eng[v]);
		}
		for (uint32_t v = 0; v < g.n; v++) {
			assert_int_equal(!!(r.s->flags[v] & STEPPER_F_FREED), !reach[v]);
			assert_int_equal(r.s->colour[v], reach[v] ? STEPPER_BLACK : STEPPER_WHITE);
		}
		assert_int_equal(r.s->qhead, r.s->qtail);
		/* one scan event per reference out of a reached object */
		{
			uint64_t scans = 0;
			for (uint32_t i = 0; i < g.m; i++)
				scans += reach[g.from[i]];
			assert_int_equal(r.s->kind_count[STEPPER_SCAN] + r.s->kind_count[STEPPER_SKIP_WEAK], scans);
		}
		check_stepping(r.s);
		run_free(&r);
		heap_free(g.h);
	}
	oracle_rounds_done();
}

/* Everything outside lets go (world_release_outside): what a cycle does
 * not hold is freed, depth first. */
static void test_refcount_random(void **state)
{
	(void)state;
	for (int round = 0; round < ROUNDS; round++) {
		oracle_round(__func__, round, rng_state);
		struct g g;
		struct run r;
		struct world *w;
		int64_t rc[MAXN];
		int freed[MAXN] = { 0 }, pending[MAXN] = { 0 }, keep[MAXN], on_cycle[MAXN];

		make_heap(&g);
		w = world_from_heap(g.h, NULL, 0, WORLD_REFCOUNT, WORLD_PY_NEWEST);
		world_release_outside(w);
		finish(w, &r);
		check_start(&g, r.s);

		/* brute force: each node keeps the references from other nodes */
		for (uint32_t v = 0; v < g.n; v++) {
			rc[v] = derived_rc(&g, v) - g.root[v] - g.extra[v];
			pending[v] = g.root[v] + g.extra[v] > 0;
		}
		brute_rc(&g, rc, freed, pending);
		/* and the structural truth: live = reached from an object on a
		 * cycle (or never held from outside at all) */
		cycles(&g, on_cycle);
		for (uint32_t v = 0; v < g.n; v++)
			keep[v] = on_cycle[v] || derived_rc(&g, v) == 0;
		closure(&g, keep, NULL);
		{
			/* the engine: unreachable from cycles */
			uint8_t seeds[MAXN];
			int eng_cycle[MAXN], eng[MAXN];
			engine_cycles(g.h, eng_cycle);
			for (uint32_t v = 0; v < g.n; v++) {
				assert_int_equal(eng_cycle[v], on_cycle[v]);
				seeds[v] = eng_cycle[v] || derived_rc(&g, v) == 0;
			}
			engine_unreachable(g.h, seeds, eng);
			for (uint32_t v = 0; v < g.n; v++)
				assert_int_equal(!!(r.s->flags[v] & STEPPER_F_FREED), eng[v]);
		}
		for (uint32_t v = 0; v < g.n; v++) {
			assert_int_equal(!!(r.s->flags[v] & STEPPER_F_FREED), freed[v]);
			assert_int_equal(freed[v], !keep[v]);
			if (!freed[v])
				assert_int_equal(r.s->refcount[v], rc[v]);
			assert_int_equal(!!(r.s->flags[v] & STEPPER_F_FINALIZED), freed[v] && g.finalizer[v]);
			if (!freed[v])
				assert_int_equal(r.s->deal[v], 0);	/* no deallocation left half done */
		}
		check_stepping(r.s);
		run_free(&r);
		heap_free(g.h);
	}
	oracle_rounds_done();
}

/* Brute-force gc.collect(gen) on plain arrays; freed/gen in-out. */
static void brute_cpython(const struct g *g, unsigned gen, int64_t *rc, int *freed, uint8_t *gens,
			  int *unreach)
{
	int cand[MAXN] = { 0 }, reach[MAXN] = { 0 }, pending[MAXN] = { 0 };
	int64_t refs[MAXN];

	for (uint32_t v = 0; v < g->n; v++) {
		cand[v] = !freed[v] && !g->untracked[v] && gens[v] != HEAP_GEN_UNKNOWN && gens[v] <= gen;
		refs[v] = rc[v];
	}
	for (uint32_t i = 0; i < g->m; i++)
		if (retains(g, i) && cand[g->from[i]] && cand[g->to[i]])
			refs[g->to[i]]--;
	for (uint32_t v = 0; v < g->n; v++)
		reach[v] = cand[v] && refs[v] > 0;
	closure(g, reach, cand);
	for (uint32_t v = 0; v < g->n; v++)
		unreach[v] = cand[v] && !reach[v];
	for (uint32_t v = 0; v < g->n; v++)
		if (unreach[v])
			freed[v] = 1;
	for (uint32_t i = 0; i < g->m; i++)
		if (retains(g, i) && unreach[g->from[i]] && !freed[g->to[i]]) {
			rc[g->to[i]]--;
			pending[g->to[i]] = 1;
		}
	brute_rc(g, rc, freed, pending);
	for (uint32_t v = 0; v < g->n; v++)
		if (cand[v] && !freed[v])
			gens[v] = (uint8_t)(gen + 1 < 3 ? gen + 1 : 2);
}

static void test_cpython_random(void **state)
{
	int engine_checked = 0;

	(void)state;
	for (int round = 0; round < ROUNDS; round++) {
		oracle_round(__func__, round, rng_state);
		struct g g;
		struct run r;
		struct world *w;
		/* every version but 3.14, whose gc.collect(1) is an increment */
		enum world_py py = (enum world_py)rnd(WORLD_PY314);
		unsigned gen = rnd(3);
		int64_t rc[MAXN], ret, m = 0;
		int freed[MAXN] = { 0 }, unreach[MAXN];
		uint8_t gcol[MAXN];

		make_heap(&g);
		w = world_from_heap(g.h, NULL, 0, WORLD_CPYTHON, py);
		world_collect(w, (int)gen, &ret);
		finish(w, &r);
		check_start(&g, r.s);

		for (uint32_t v = 0; v < g.n; v++) {
			rc[v] = derived_rc(&g, v);
			gcol[v] = g.gen[v];
		}
		brute_cpython(&g, gen, rc, freed, gcol, unreach);
		if (g.has_rc) {
			/* the engine's offline gc.collect(gen) */
			struct cpygc_result cr = { 0 };
			struct error err;
			int eng[MAXN] = { 0 };
			uint32_t fin = 0;
			assert_int_equal(cpygc_collect(g.h, (int)gen, &cr, NULL, &err), 0);
			for (uint32_t i = 0; i < cr.n_unreachable; i++)
				eng[cr.unreachable[i]] = 1;
			for (uint32_t v = 0; v < g.n; v++) {
				assert_int_equal(!!(r.s->flags[v] & STEPPER_F_UNREACHABLE), eng[v]);
				fin += eng[v] && (r.s->flags[v] & STEPPER_F_FINALIZED);
			}
			assert_int_equal(fin, cr.n_finalizers);
			engine_checked++;
			cpygc_result_fini(&cr);
		}
		for (uint32_t v = 0; v < g.n; v++) {
			m += unreach[v];
			assert_int_equal(!!(r.s->flags[v] & STEPPER_F_UNREACHABLE), unreach[v]);
			assert_int_equal(!!(r.s->flags[v] & STEPPER_F_FREED), freed[v]);
			if (!freed[v])
				assert_int_equal(r.s->refcount[v], rc[v]);
			if (!freed[v] && !(g.untracked[v] || g.gen[v] == HEAP_GEN_UNKNOWN))
				assert_int_equal(r.s->gen[v], gcol[v]);
			assert_int_equal(!!(r.s->flags[v] & STEPPER_F_FINALIZED), freed[v] && g.finalizer[v]);
		}
		/* what gc.collect() returns: the unreachable objects found */
		assert_int_equal(ret, m);
		for (unsigned i = 0; i <= gen; i++)
			assert_int_equal(r.s->gen_count[i], 0);
		if (gen < 2)
			assert_int_equal(r.s->gen_count[gen + 1], 1);
		check_stepping(r.s);
		run_free(&r);
		heap_free(g.h);
	}
	oracle_rounds_done();
	assert_true(engine_checked > ROUNDS / 3);
}

/* The order CPython's collector leaves things in, on heaps small enough to
 * follow by hand: move_unreachable's tentatively unreachable objects
 * moved back (the devguide's example: A <- B <- C, C held from outside),
 * and the order of __del__ calls (the unreachable list's order). */
static void test_cpython_by_hand(void **state)
{
	struct heap_builder *b = heap_builder_new();
	struct error err;
	struct heap *h;
	struct world *w;
	struct run r;
	heap_str_t t = heap_builder_intern_cstr(b, "Node");
	int64_t ret;
	/* A(0) <- B(1) <- C(2); C is held from outside (refcount 2) */
	int64_t rc[3] = { 1, 1, 2 };
	size_t tent = 0, back = 0;

	(void)state;
	for (uint32_t v = 0; v < 3; v++) {
		struct heap_node_rec rec = { .id = v + 1, .type = t, .generation = 0, .refcount = rc[v],
					     .flags = HEAP_F_HAS_REFCOUNT };
		heap_builder_add_node(b, &rec, &err);
	}
	heap_builder_index(b, NULL, NULL);
	heap_builder_add_edge(b, 1, 0, HEAP_EDGE_STRONG, 0, &err);
	heap_builder_add_edge(b, 2, 1, HEAP_EDGE_STRONG, 0, &err);
	h = heap_builder_freeze(b, &err);
	heap_builder_free(b);
	w = world_from_heap(h, NULL, 0, WORLD_CPYTHON, WORLD_PY312);
	world_collect(w, 0, &ret);
	finish(w, &r);
	assert_int_equal(ret, 0);
	/* A and B are tentatively unreachable, then moved back, B first */
	for (size_t i = 0; i < stepper_len(r.s); i++) {
		const struct stepper_event *ev = &r.s->ev[i];
		if (ev->kind == STEPPER_TENTATIVE)
			assert_int_equal(ev->node, tent++);
		if (ev->kind == STEPPER_MOVEBACK)
			assert_int_equal(ev->node, back++ == 0 ? 1u : 0u);
	}
	assert_int_equal(tent, 2);
	assert_int_equal(back, 2);
	for (uint32_t v = 0; v < 3; v++) {
		assert_int_equal(r.s->gen[v], 1);
		assert_false(r.s->flags[v] & STEPPER_F_FREED);
	}
	run_free(&r);
	heap_free(h);
}

/* A 200 000-long chain and a 100 000-cycle: no recursion, linear time. */
static void test_long_chain(void **state)
{
	struct heap_builder *b = heap_builder_new();
	struct error err;
	struct heap *h;
	struct world *w;
	struct run r;
	uint32_t n = 200000;
	int64_t ret;
	heap_str_t t = heap_builder_intern_cstr(b, "Node");

	(void)state;
	heap_builder_reserve(b, n, n);
	for (uint32_t i = 0; i < n; i++) {
		struct heap_node_rec rec = { .id = i + 1, .type = t, .generation = 0 };
		heap_builder_add_node(b, &rec, &err);
	}
	heap_builder_index(b, NULL, NULL);
	for (uint32_t i = 0; i + 1 < n; i++)
		heap_builder_add_edge(b, i, i + 1, HEAP_EDGE_STRONG, 0, &err);
	heap_builder_add_edge(b, n - 1, n / 2, HEAP_EDGE_STRONG, 0, &err);	/* cycle in the 2nd half */
	heap_builder_add_root(b, 0, 0, &err);
	h = heap_builder_freeze(b, &err);
	heap_builder_free(b);

	w = world_from_heap(h, NULL, 0, WORLD_MARKSWEEP, WORLD_PY_NEWEST);
	world_collect(w, 2, &ret);
	finish(w, &r);
	assert_int_equal(r.s->kind_count[STEPPER_SWEEP], 0);
	stepper_seek(r.s, 0);
	assert_int_equal(r.s->colour[n - 1], STEPPER_WHITE);
	run_free(&r);

	/* the root lets go: the first half is freed depth first, a
	 * deallocation nested in each, 100 000 deep; the cycle stays */
	w = world_from_heap(h, NULL, 0, WORLD_REFCOUNT, WORLD_PY_NEWEST);
	world_release_outside(w);
	finish(w, &r);
	assert_int_equal(r.s->kind_count[STEPPER_FREE], n / 2);
	run_free(&r);
	heap_free(h);

	/* without the root: the whole chain is garbage, one tp_clear frees it */
	b = heap_builder_new();
	t = heap_builder_intern_cstr(b, "Node");
	for (uint32_t i = 0; i < n; i++) {
		struct heap_node_rec rec = { .id = i + 1, .type = t, .generation = 0 };
		heap_builder_add_node(b, &rec, &err);
	}
	heap_builder_index(b, NULL, NULL);
	for (uint32_t i = 0; i + 1 < n; i++)
		heap_builder_add_edge(b, i, i + 1, HEAP_EDGE_STRONG, 0, &err);
	heap_builder_add_edge(b, n - 1, n / 2, HEAP_EDGE_STRONG, 0, &err);
	h = heap_builder_freeze(b, &err);
	heap_builder_free(b);
	w = world_from_heap(h, NULL, 0, WORLD_CPYTHON, WORLD_PY313);
	world_collect(w, 2, &ret);
	finish(w, &r);
	assert_int_equal(ret, n);
	assert_int_equal(r.s->kind_count[STEPPER_FREE], n);
	run_free(&r);
	heap_free(h);
}

/* On a part of a heap the collectors free no more than on the whole heap
 * (what holds the part from outside counts as outside), and on the whole
 * heap taken as a part exactly the same. */
static void test_subheap_random(void **state)
{
	(void)state;
	for (int round = 0; round < ROUNDS; round++) {
		oracle_round(__func__, round, rng_state);
		struct g g;
		heap_node_t sel[MAXN];
		uint32_t n = 0;
		int all = (int)rnd(4) == 0;
		enum world_mode mode = rnd(2) ? WORLD_CPYTHON : WORLD_MARKSWEEP;
		struct run whole, part;
		int64_t ret;

		make_heap(&g);
		for (uint32_t v = 0; v < g.n; v++)
			if (all || rnd(2))
				sel[n++] = v;
		if (!n)
			sel[n++] = 0;
		{
			struct world *w = world_from_heap(g.h, NULL, 0, mode, WORLD_PY313);
			world_collect(w, 2, &ret);
			finish(w, &whole);
			w = world_from_heap(g.h, sel, n, mode, WORLD_PY313);
			world_collect(w, 2, &ret);
			finish(w, &part);
		}
		assert_int_equal(part.s->n, n);
		for (uint32_t i = 0; i < n; i++) {
			int fp = !!(part.s->flags[i] & STEPPER_F_FREED), fw = !!(whole.s->flags[sel[i]] & STEPPER_F_FREED);
			assert_int_equal(heap_id(part.h, i), heap_id(g.h, sel[i]));
			assert_true(!fp || fw);
			if (all)
				assert_int_equal(fp, fw);
		}
		run_free(&part);
		run_free(&whole);
		heap_free(g.h);
	}
	oracle_rounds_done();
}

/* subheap_held(): the group, and what it reaches that nothing held from
 * outside reaches around it (brute force: reach from the outside with the
 * group taken away). */
static void test_held_random(void **state)
{
	(void)state;
	for (int round = 0; round < ROUNDS; round++) {
		oracle_round(__func__, round, rng_state);
		struct g g;
		heap_node_t grp[MAXN], out[MAXN];
		uint32_t k = 0, n;
		int more, ingrp[MAXN] = { 0 }, outside[MAXN] = { 0 }, held[MAXN] = { 0 }, got[MAXN] = { 0 };
		int changed = 1;

		make_heap(&g);
		for (uint32_t v = 0; v < g.n; v++)
			if (rnd(3) == 0) {
				grp[k++] = v;
				ingrp[v] = 1;
			}
		if (!k) {
			grp[k++] = 0;
			ingrp[0] = 1;
		}
		n = subheap_held(g.h, grp, k, MAXN, out, &more);
		assert_false(more);
		for (uint32_t v = 0; v < g.n; v++)
			outside[v] = !ingrp[v] && (g.root[v] > 0 || (g.has_rc && g.extra[v] > 0));
		while (changed) {
			changed = 0;
			for (uint32_t i = 0; i < g.m; i++)
				if (retains(&g, i) && outside[g.from[i]] && !outside[g.to[i]] && !ingrp[g.to[i]]) {
					outside[g.to[i]] = 1;
					changed = 1;
				}
		}
		for (uint32_t v = 0; v < g.n; v++)
			held[v] = ingrp[v];
		closure(&g, held, NULL);
		for (uint32_t i = 0; i < n; i++) {
			assert_false(got[out[i]]);
			got[out[i]] = 1;
			if (i < k)
				assert_int_equal(out[i], grp[i]);
		}
		for (uint32_t v = 0; v < g.n; v++)
			assert_int_equal(got[v], ingrp[v] || (held[v] && !outside[v]));
		heap_free(g.h);
	}
	oracle_rounds_done();
}

/* graph/near.h's walk from node 0 without its picture rules (every
 * reference, through every object): a plain breadth-first search both
 * ways.  Writes the nodes met into out (room for max); returns how many. */
static uint32_t plain_walk(const struct heap *h, uint32_t depth, uint32_t max, heap_node_t *out)
{
	struct near_rules rules = { .depth = depth, .limit = max, .through_hubs = 1 };
	struct near nb;
	uint32_t n;

	near_walk(h, 0, &rules, &nb);
	n = nb.n;
	memcpy(out, nb.node, n * sizeof *out);
	near_fini(&nb);
	return n;
}

/* The neighbourhood: breadth-first both ways, within depth, capped. */
static void test_neighbourhood(void **state)
{
	(void)state;
	for (int round = 0; round < 500; round++) {
		oracle_round(__func__, round, rng_state);
		struct g g;
		heap_node_t out[MAXN];
		uint32_t d[MAXN], depth = rnd(4), n;
		int changed = 1;

		make_heap(&g);
		n = plain_walk(g.h, depth, MAXN, out);
		/* brute force: undirected distances from node 0 */
		for (uint32_t v = 0; v < g.n; v++)
			d[v] = v == 0 ? 0 : UINT32_MAX;
		while (changed) {
			changed = 0;
			for (uint32_t i = 0; i < g.m; i++) {
				uint32_t a = g.from[i], b = g.to[i];
				if (d[a] != UINT32_MAX && d[a] + 1 < d[b]) { d[b] = d[a] + 1; changed = 1; }
				if (d[b] != UINT32_MAX && d[b] + 1 < d[a]) { d[a] = d[b] + 1; changed = 1; }
			}
		}
		{
			uint32_t want = 0;
			int seen[MAXN] = { 0 };
			for (uint32_t v = 0; v < g.n; v++)
				want += d[v] <= depth;
			assert_int_equal(n, want);
			for (uint32_t i = 0; i < n; i++) {
				assert_true(d[out[i]] <= depth);
				assert_false(seen[out[i]]);
				seen[out[i]] = 1;
				if (i)
					assert_true(d[out[i - 1]] <= d[out[i]]);	/* nearest first */
			}
		}
		assert_int_equal(plain_walk(g.h, depth, 1, out), 1);
		heap_free(g.h);
	}
	oracle_rounds_done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_mark_random, oracle_teardown),
		cmocka_unit_test_teardown(test_refcount_random, oracle_teardown),
		cmocka_unit_test_teardown(test_cpython_random, oracle_teardown),
		cmocka_unit_test(test_cpython_by_hand),
		cmocka_unit_test(test_long_chain),
		cmocka_unit_test_teardown(test_subheap_random, oracle_teardown),
		cmocka_unit_test_teardown(test_held_random, oracle_teardown),
		cmocka_unit_test_teardown(test_neighbourhood, oracle_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
