/* The GC steppers against brute-force references on thousands of random
 * small heaps (self-loops, repeated edges, weak edges, unrooted parts,
 * untracked objects), and stepping: forwards then backwards returns exactly
 * to the start, and step k is the same state whichever way it is reached. */
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
#include "graph/gc/step_cpython.h"
#include "graph/gc/step_gens.h"
#include "graph/gc/step_mark.h"
#include "graph/gc/step_refcount.h"
#include "graph/gc/stepper.h"
#include "graph/gc/subheap.h"
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
	for (uint32_t i = 0; i < g->m; i++) {
		assert_int_equal(g->h->out_to[i], g->to[i]);
		assert_int_equal(stepper_edge_source(g->h, i), g->from[i]);
	}
}

/* Sets the stepper's refcounts as the test's model says. */
static void set_rc(const struct g *g, struct stepper *s)
{
	for (uint32_t v = 0; v < g->n; v++)
		s->refcount[v] = derived_rc(g, v);
}

/* ---- state snapshots for stepping tests ---- */

struct snap {
	uint8_t colour[MAXN], flags[MAXN], gen[MAXN];
	int64_t refcount[MAXN], gc_refs[MAXN], gen_count[STEPPER_GENS];
	uint32_t qhead, qtail;
};

static void take(const struct stepper *s, struct snap *p)
{
	memset(p, 0, sizeof *p);
	memcpy(p->colour, s->colour, s->n);
	memcpy(p->flags, s->flags, s->n);
	memcpy(p->gen, s->gen, s->n);
	memcpy(p->refcount, s->refcount, s->n * sizeof *s->refcount);
	memcpy(p->gc_refs, s->gc_refs, s->n * sizeof *s->gc_refs);
	memcpy(p->gen_count, s->gen_count, sizeof p->gen_count);
	p->qhead = s->qhead;
	p->qtail = s->qtail;
}

/* Forward then back returns to the start; random step k reached from
 * either side gives the same state; the end is reached again. */
static void check_stepping(struct stepper *s, const struct snap *start)
{
	struct snap end, now, other;
	size_t len = stepper_len(s), k;

	take(s, &end);
	stepper_seek(s, 0);
	take(s, &now);
	assert_memory_equal(&now, start, sizeof now);
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

static void test_mark_random(void **state)
{
	(void)state;
	for (int round = 0; round < ROUNDS; round++) {
		oracle_round(__func__, round, rng_state);
		struct g g;
		struct stepper *s;
		struct snap start;
		int reach[MAXN] = { 0 };

		make_heap(&g);
		s = stepper_new(g.h);
		take(s, &start);
		step_mark_run(s);

		for (uint32_t v = 0; v < g.n; v++)
			reach[v] = g.root[v] > 0;
		closure(&g, reach, NULL);
		{
			/* the engine, from the same roots */
			uint8_t seeds[MAXN];
			int eng[MAXN];
			for (uint32_t v = 0; v < g.n; v++)
				seeds[v] = (g.h->flags[v] & HEAP_F_ROOT) != 0;
			if (!g.has_rc) {
				uint8_t eff[MAXN];
				reach_roots(g.h, eff);
				assert_memory_equal(eff, seeds, g.n);
			}
			engine_unreachable(g.h, seeds, eng);
			for (uint32_t v = 0; v < g.n; v++)
				assert_int_equal(!!(s->flags[v] & STEPPER_F_FREED), eng[v]);
		}
		for (uint32_t v = 0; v < g.n; v++) {
			assert_int_equal(!!(s->flags[v] & STEPPER_F_FREED), !reach[v]);
			assert_int_equal(s->colour[v], reach[v] ? STEPPER_BLACK : STEPPER_WHITE);
		}
		assert_int_equal(s->qhead, s->qtail);
		/* one scan event per reference out of a reached object */
		{
			uint64_t scans = 0;
			for (uint32_t i = 0; i < g.m; i++)
				scans += reach[g.from[i]];
			assert_int_equal(s->kind_count[STEPPER_SCAN] + s->kind_count[STEPPER_SKIP_WEAK],
					 scans);
		}
		check_stepping(s, &start);
		stepper_free(s);
		heap_free(g.h);
	}
	oracle_rounds_done();
}

static void test_refcount_random(void **state)
{
	(void)state;
	for (int round = 0; round < ROUNDS; round++) {
		oracle_round(__func__, round, rng_state);
		struct g g;
		struct stepper *s;
		struct snap start;
		heap_node_t drops[MAXN * 2];
		size_t nd = 0;
		int64_t rc[MAXN];
		int freed[MAXN] = { 0 }, pending[MAXN], keep[MAXN], on_cycle[MAXN];
		int remaining_roots[MAXN];

		make_heap(&g);
		for (uint32_t v = 0; v < g.n; v++)
			g.extra[v] = 0;		/* consistent counts: rc = references + roots */
		s = stepper_new(g.h);
		set_rc(&g, s);
		take(s, &start);

		/* First free what is already at 0, then drop some root holds. */
		for (uint32_t v = 0; v < g.n; v++) {
			rc[v] = s->refcount[v];
			pending[v] = 1;
			remaining_roots[v] = g.root[v];
			if (rc[v] == 0)
				drops[nd++] = v;	/* see below: released from 1 */
		}
		/* zero-count nodes: give them a count of 1 and release it */
		for (size_t i = 0; i < nd; i++) {
			s->refcount[drops[i]] = 1;
			start.refcount[drops[i]] = 1;
		}
		for (uint32_t v = 0; v < g.n; v++)
			for (int k = 0; k < g.root[v]; k++)
				if (rnd(2)) {
					drops[nd++] = v;
					rc[v]--;
					remaining_roots[v]--;
				}
		step_refcount_release(s, drops, nd);

		brute_rc(&g, rc, freed, pending);
		/* and the structural truth: live = reached from a remaining root
		 * or from an object on a cycle */
		cycles(&g, on_cycle);
		for (uint32_t v = 0; v < g.n; v++)
			keep[v] = remaining_roots[v] > 0 || on_cycle[v];
		closure(&g, keep, NULL);
		{
			/* the engine: unreachable from remaining roots and cycles */
			uint8_t seeds[MAXN];
			int eng_cycle[MAXN], eng[MAXN];
			engine_cycles(g.h, eng_cycle);
			for (uint32_t v = 0; v < g.n; v++) {
				assert_int_equal(eng_cycle[v], on_cycle[v]);
				seeds[v] = remaining_roots[v] > 0 || eng_cycle[v];
			}
			engine_unreachable(g.h, seeds, eng);
			for (uint32_t v = 0; v < g.n; v++)
				assert_int_equal(!!(s->flags[v] & STEPPER_F_FREED), eng[v]);
		}
		for (uint32_t v = 0; v < g.n; v++) {
			assert_int_equal(!!(s->flags[v] & STEPPER_F_FREED), freed[v]);
			assert_int_equal(freed[v], !keep[v]);
			if (!freed[v])
				assert_int_equal(s->refcount[v], rc[v]);
			assert_int_equal(!!(s->flags[v] & STEPPER_F_FINALIZED), freed[v] && g.finalizer[v]);
		}
		check_stepping(s, &start);
		stepper_free(s);
		heap_free(g.h);
	}
	oracle_rounds_done();
}

/* Brute-force gc.collect(gen) on plain arrays; freed/gen/counts in-out. */
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
		struct stepper *s;
		struct snap start;
		unsigned gen = rnd(3);
		int gens = (int)rnd(2);
		int64_t rc[MAXN];
		int freed[MAXN] = { 0 }, unreach[MAXN];
		uint8_t gcol[MAXN];

		make_heap(&g);
		s = stepper_new(g.h);
		set_rc(&g, s);
		s->gen_count[0] = rnd(5);
		s->gen_count[1] = rnd(5);
		s->gen_count[2] = rnd(5);
		take(s, &start);
		step_cpython_run(s, gen, gens);

		for (uint32_t v = 0; v < g.n; v++) {
			rc[v] = derived_rc(&g, v);
			gcol[v] = g.gen[v];
		}
		brute_cpython(&g, gen, rc, freed, gcol, unreach);
		if (g.has_rc) {
			/* the engine's offline gc.collect(gen) */
			struct cpygc_result r = { 0 };
			struct error err;
			int eng[MAXN] = { 0 };
			uint32_t fin = 0;
			assert_int_equal(cpygc_collect(g.h, (int)gen, &r, NULL, &err), 0);
			for (uint32_t i = 0; i < r.n_unreachable; i++)
				eng[r.unreachable[i]] = 1;
			for (uint32_t v = 0; v < g.n; v++) {
				assert_int_equal(!!(s->flags[v] & STEPPER_F_UNREACHABLE), eng[v]);
				fin += eng[v] && (s->flags[v] & STEPPER_F_FINALIZED);
			}
			assert_int_equal(fin, r.n_finalizers);
			engine_checked++;
			cpygc_result_fini(&r);
		}
		for (uint32_t v = 0; v < g.n; v++) {
			assert_int_equal(!!(s->flags[v] & STEPPER_F_UNREACHABLE), unreach[v]);
			assert_int_equal(!!(s->flags[v] & STEPPER_F_FREED), freed[v]);
			if (!freed[v])
				assert_int_equal(s->refcount[v], rc[v]);
			if (gens && !freed[v])
				assert_int_equal(s->gen[v], gcol[v]);
			if (!gens)
				assert_int_equal(s->gen[v], g.gen[v]);
			assert_int_equal(!!(s->flags[v] & STEPPER_F_FINALIZED),
					 freed[v] && g.finalizer[v]);
		}
		if (gens) {
			for (unsigned i = 0; i <= gen; i++)
				assert_int_equal(s->gen_count[i], 0);
			if (gen < 2)
				assert_int_equal(s->gen_count[gen + 1], start.gen_count[gen + 1] + 1);
		}
		check_stepping(s, &start);
		stepper_free(s);
		heap_free(g.h);
	}
	oracle_rounds_done();
	assert_true(engine_checked > ROUNDS / 3);
}

/* A sequence of allocations with small thresholds against a brute-force
 * model of collect_generations(). */
static void test_gens_random(void **state)
{
	(void)state;
	for (int round = 0; round < ROUNDS / 3; round++) {
		oracle_round(__func__, round, rng_state);
		struct g g;
		struct stepper *s;
		struct snap start;
		int64_t rc[MAXN], count[3] = { 0 }, thr[3];
		int freed[MAXN] = { 0 }, unreach[MAXN];
		uint8_t gcol[MAXN];
		int allocs = 1 + (int)rnd(40);

		make_heap(&g);
		s = stepper_new(g.h);
		set_rc(&g, s);
		for (int i = 0; i < 3; i++)
			s->threshold[i] = thr[i] = rnd(4);
		take(s, &start);
		for (uint32_t v = 0; v < g.n; v++) {
			rc[v] = derived_rc(&g, v);
			gcol[v] = g.gen[v];
		}
		for (int a = 0; a < allocs; a++) {
			int got = step_gens_alloc(s), want = -1;

			count[0]++;
			if (thr[0] != 0 && count[0] > thr[0]) {
				for (int i = 2; i >= 0; i--)
					if (count[i] > thr[i]) {
						want = i;
						break;
					}
			}
			assert_int_equal(got, want);
			if (want >= 0) {
				if (want < 2)
					count[want + 1]++;
				for (int i = 0; i <= want; i++)
					count[i] = 0;
				brute_cpython(&g, (unsigned)want, rc, freed, gcol, unreach);
			}
		}
		for (int i = 0; i < 3; i++)
			assert_int_equal(s->gen_count[i], count[i]);
		for (uint32_t v = 0; v < g.n; v++) {
			assert_int_equal(!!(s->flags[v] & STEPPER_F_FREED), freed[v]);
			if (!freed[v]) {
				assert_int_equal(s->gen[v], gcol[v]);
				assert_int_equal(s->refcount[v], rc[v]);
			}
		}
		/* many collections in one log: still reversible */
		check_stepping(s, &start);
		stepper_free(s);
		heap_free(g.h);
	}
	oracle_rounds_done();
}

/* A known case by hand: the CPython pass on a 2-cycle held by nothing and
 * a 2-cycle held by a root, event by event. */
static void test_cpython_by_hand(void **state)
{
	struct heap_builder *b = heap_builder_new();
	struct error err;
	struct heap *h;
	struct stepper *s;
	heap_str_t t = heap_builder_intern_cstr(b, "Node");
	heap_str_t f = heap_builder_intern_cstr(b, "next");
	const char *names[] = { "a", "b", "c", "d" };
	char line[512];
	int saw_subtract_ab = 0;

	(void)state;
	for (int i = 0; i < 4; i++) {
		struct heap_node_rec rec = { .id = (uint64_t)i + 1, .type = t, .generation = 0,
					     .name = heap_builder_intern_cstr(b, names[i]) };
		heap_builder_add_node(b, &rec, &err);
	}
	heap_builder_index(b, NULL, NULL);
	heap_builder_add_edge(b, 0, 1, HEAP_EDGE_STRONG, f, &err);	/* a -> b */
	heap_builder_add_edge(b, 1, 0, HEAP_EDGE_STRONG, f, &err);	/* b -> a */
	heap_builder_add_edge(b, 2, 3, HEAP_EDGE_STRONG, f, &err);	/* c -> d */
	heap_builder_add_edge(b, 3, 2, HEAP_EDGE_STRONG, f, &err);	/* d -> c */
	heap_builder_add_root(b, 2, heap_builder_intern_cstr(b, "variable"), &err);
	h = heap_builder_freeze(b, &err);
	heap_builder_free(b);
	assert_non_null(h);
	s = stepper_new(h);
	assert_int_equal(s->refcount[0], 1);
	assert_int_equal(s->refcount[2], 2);
	step_cpython_run(s, 0, 1);
	for (size_t i = 0; i < stepper_len(s); i++) {
		stepper_describe(s, &s->ev[i], line, sizeof line);
		if (strcmp(line, "a.next -> b comes from inside: b gc_refs 1 -> 0") == 0)
			saw_subtract_ab = 1;
	}
	assert_true(saw_subtract_ab);
	assert_int_equal(s->flags[0] & STEPPER_F_FREED, STEPPER_F_FREED);
	assert_int_equal(s->flags[1] & STEPPER_F_FREED, STEPPER_F_FREED);
	assert_int_equal(s->flags[2] & STEPPER_F_FREED, 0);
	assert_int_equal(s->gc_refs[2], 1);
	assert_int_equal(s->gen[2], 1);
	assert_int_equal(s->gen[3], 1);
	assert_int_equal(s->gen_count[1], 1);
	stepper_free(s);
	heap_free(h);
}

/* Without recording, the final state is the same and nothing is stored. */
static void test_no_record(void **state)
{
	(void)state;
	for (int round = 0; round < 200; round++) {
		oracle_round(__func__, round, rng_state);
		struct g g;
		struct stepper *a, *b2;
		struct snap sa, sb;
		make_heap(&g);
		a = stepper_new(g.h);
		b2 = stepper_new(g.h);
		b2->record = 0;
		step_mark_run(a);
		step_mark_run(b2);
		take(a, &sa);
		take(b2, &sb);
		assert_memory_equal(&sa, &sb, sizeof sa);
		assert_int_equal(stepper_len(b2), 0);
		assert_memory_equal(a->kind_count, b2->kind_count, sizeof a->kind_count);
		stepper_free(a);
		stepper_free(b2);
		heap_free(g.h);
	}
	oracle_rounds_done();
}

/* A 200 000-long chain and a 100 000-cycle: no recursion, linear time. */
static void test_long_chain(void **state)
{
	struct heap_builder *b = heap_builder_new();
	struct error err;
	struct heap *h;
	struct stepper *s;
	uint32_t n = 200000;
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

	s = stepper_new(h);
	step_mark_run(s);
	assert_int_equal(s->kind_count[STEPPER_SWEEP], 0);
	stepper_seek(s, 0);
	assert_int_equal(s->colour[n - 1], STEPPER_WHITE);
	stepper_free(s);

	s = stepper_new(h);
	{
		heap_node_t r = 0;
		step_refcount_release(s, &r, 1);	/* frees the first half, the cycle stays */
	}
	assert_int_equal(s->kind_count[STEPPER_FREE], n / 2);
	stepper_free(s);

	s = stepper_new(h);
	s->refcount[0]--;	/* the root is gone: the whole chain is garbage */
	step_cpython_run(s, 2, 1);
	assert_int_equal(s->kind_count[STEPPER_CLEAR], n);
	stepper_free(s);
	heap_free(h);
}

/* On a part of a heap, the collectors free no more than on the whole heap
 * (what holds the part from outside counts as outside), and on the whole
 * heap taken as a part exactly the same. */
static void test_subheap_random(void **state)
{
	(void)state;
	for (int round = 0; round < ROUNDS; round++) {
		oracle_round(__func__, round, rng_state);
		struct g g;
		struct stepper *whole, *ps;
		struct heap *part;
		struct error err;
		heap_node_t sel[MAXN];
		uint32_t n = 0;
		int all = rnd(4) == 0, mark = (int)rnd(2);
		unsigned gen = rnd(3);

		make_heap(&g);
		for (uint32_t v = 0; v < g.n; v++)
			if (all || rnd(2))
				sel[n++] = v;
		whole = stepper_new(g.h);
		set_rc(&g, whole);
		if (mark)
			step_mark_run(whole);
		else
			step_cpython_run(whole, gen, 0);
		assert_int_equal(subheap_new(g.h, sel, n, &part, &err), 0);
		assert_int_equal(part->n_nodes, n);
		ps = stepper_new(part);
		for (uint32_t i = 0; i < n; i++) {
			assert_int_equal(part->id[i], g.h->id[sel[i]]);
			ps->refcount[i] = derived_rc(&g, sel[i]);
		}
		if (mark)
			step_mark_run(ps);
		else
			step_cpython_run(ps, gen, 0);
		for (uint32_t i = 0; i < n; i++) {
			int fp = !!(ps->flags[i] & STEPPER_F_UNREACHABLE), fw = !!(whole->flags[sel[i]] & STEPPER_F_UNREACHABLE);
			if (mark) {
				fp = !!(ps->flags[i] & STEPPER_F_FREED);
				fw = !!(whole->flags[sel[i]] & STEPPER_F_FREED);
			}
			assert_true(!fp || fw);		/* freed in the part => freed in the whole */
			if (all)
				assert_int_equal(fp, fw);
		}
		stepper_free(ps);
		stepper_free(whole);
		heap_free(part);
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
		cmocka_unit_test_teardown(test_gens_random, oracle_teardown),
		cmocka_unit_test(test_cpython_by_hand),
		cmocka_unit_test_teardown(test_no_record, oracle_teardown),
		cmocka_unit_test(test_long_chain),
		cmocka_unit_test_teardown(test_subheap_random, oracle_teardown),
		cmocka_unit_test_teardown(test_neighbourhood, oracle_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
