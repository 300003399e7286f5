/* cpygc: CPython's collection offline, against a truth the generator knows:
 * each object gets a number of references from outside the dump (ext), its
 * refcount is ext plus the retaining references the dump records, and what
 * gc.collect(g) frees is every candidate that no object held from outside,
 * and no object outside the collected generations, reaches. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "graph/analysis.h"
#include "graph/cpygc.h"
#include "tests/unit/oracle.h"

enum {
	ROUNDS = 4000
};

struct pyheap {
	struct heap *h;
	uint32_t ext[ORACLE_MAXN];
	int tracked[ORACLE_MAXN];
};

/* Untracked objects (and tracked ones of unknown generation) refer only to
 * untracked objects, as in CPython, so an object is freed exactly when no
 * object held from outside reaches it. */
static void random_python_heap(uint64_t *st, uint32_t maxn, struct pyheap *p)
{
	struct heap_builder *b = heap_builder_new();
	struct error err;
	uint32_t n = 1 + (uint32_t)(oracle_rand(st) % maxn);
	uint32_t m = (uint32_t)(oracle_rand(st) % (2 * n + 3));
	uint32_t from[3 * ORACLE_MAXN + 8], to[3 * ORACLE_MAXN + 8], kind[3 * ORACLE_MAXN + 8];
	uint32_t in[ORACLE_MAXN] = { 0 }, ne = 0;
	uint8_t gen[ORACLE_MAXN];
	int old[ORACLE_MAXN];

	for (uint32_t v = 0; v < n; v++) {
		p->tracked[v] = oracle_rand(st) % 4 != 0;
		gen[v] = (uint8_t)(oracle_rand(st) % 3);
		old[v] = p->tracked[v] && oracle_rand(st) % 16 == 0;
		if (old[v])
			gen[v] = HEAP_GEN_UNKNOWN;
		p->ext[v] = oracle_rand(st) % 3 == 0 ? 1 + (uint32_t)(oracle_rand(st) % 2) : 0;
	}
	for (uint32_t i = 0; i < m; i++) {
		uint32_t a = (uint32_t)(oracle_rand(st) % n), c = (uint32_t)(oracle_rand(st) % n);
		if (oracle_rand(st) % 6 == 0)
			c = a;
		if ((!p->tracked[a] || old[a]) && p->tracked[c])
			continue;
		from[ne] = a;
		to[ne] = c;
		kind[ne] = oracle_rand(st) % 5 == 0 ? HEAP_EDGE_WEAK : HEAP_EDGE_STRONG;
		if (kind[ne] != HEAP_EDGE_WEAK)
			in[c]++;
		ne++;
	}
	for (uint32_t v = 0; v < n; v++) {
		struct heap_node_rec r = {
			.id = 0x7f0000 + 16 * v,
			.type = heap_builder_intern_cstr(b, p->tracked[v] ? "list" : "int"),
			.size = 16 + v,
			.refcount = p->ext[v] + in[v],
			.flags = HEAP_F_HAS_REFCOUNT,
			.generation = p->tracked[v] ? gen[v] : HEAP_GEN_UNKNOWN,
		};
		if (!p->tracked[v])
			r.flags |= HEAP_F_UNTRACKED;
		if (oracle_rand(st) % 5 == 0)
			r.flags |= HEAP_F_FINALIZER;
		heap_builder_add_node(b, &r, &err);
	}
	for (uint32_t i = 0; i < ne; i++)
		heap_builder_add_edge(b, from[i], to[i], kind[i], 0, &err);
	/* A root in the root list means nothing in a refcount heap. */
	heap_builder_add_root(b, 0, 0, &err);
	p->h = heap_builder_freeze(b, &err);
	heap_builder_free(b);
}

static oset reach_set(const struct heap *h, oset from)
{
	oset seen = from, frontier = from;

	while (frontier) {
		oset next = 0;
		for (uint32_t v = 0; v < h->n_nodes; v++) {
			if (!((frontier >> v) & 1))
				continue;
			for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++)
				if (heap_out_kind(h, e) != HEAP_EDGE_WEAK)
					next |= (oset)1 << h->out_to[e];
		}
		frontier = next & ~seen;
		seen |= next;
	}
	return seen;
}

static void test_random_collections(void **state)
{
	uint64_t seed = 0xabcdef0123456789u;
	struct error err;

	(void)state;
	for (int round = 0; round < ROUNDS; round++) {
		oracle_round(__func__, round, seed);
		struct pyheap p;
		struct heap *h;
		struct analysis *a;
		oset held = 0, full = 0;

		random_python_heap(&seed, round < 2000 ? 8 : 48, &p);
		h = p.h;
		for (uint32_t v = 0; v < h->n_nodes; v++)
			if (p.ext[v])
				held |= (oset)1 << v;
		for (int g = 0; g <= 2; g++) {
			struct cpygc_result r;
			oset cand = 0, outside, expect, got = 0, fin = 0;
			uint32_t ncand = 0;
			for (uint32_t v = 0; v < h->n_nodes; v++)
				if (p.tracked[v] && h->generation[v] <= g) {
					cand |= (oset)1 << v;
					ncand++;
				}
			outside = held | ~cand;
			if (h->n_nodes < 64)
				outside &= ((oset)1 << h->n_nodes) - 1;
			expect = cand & ~reach_set(h, outside);
			assert_int_equal(cpygc_collect(h, g, &r, NULL, &err), 0);
			assert_int_equal(r.n_candidates, ncand);
			for (uint32_t i = 0; i < r.n_unreachable; i++) {
				got |= (oset)1 << r.unreachable[i];
				if (i)
					assert_true(r.unreachable[i - 1] < r.unreachable[i]);
			}
			assert_int_equal(got, expect);
			assert_int_equal(r.n_unreachable, __builtin_popcountll(expect));
			assert_int_equal(r.unreachable_bytes, oracle_size(h, expect));
			for (uint32_t i = 0; i < r.n_finalizers; i++)
				fin |= (oset)1 << r.finalizers[i];
			for (uint32_t v = 0; v < h->n_nodes; v++)
				assert_int_equal((fin >> v) & 1,
						 ((expect >> v) & 1) && (h->flags[v] & HEAP_F_FINALIZER));
			if (g == 2)
				full = got;
			cpygc_result_fini(&r);
		}
		/* The analysis's roots are CPython's: its unreachable objects are
		 * what nothing held from outside reaches, and its unreachable
		 * tracked ones are what the full collection frees. */
		assert_int_equal(analysis_run(h, NULL, &a, &err), 0);
		assert_int_equal(a->refcount_mode, 1);
		for (uint32_t v = 0; v < h->n_nodes; v++) {
			int dead = !((reach_set(h, held) >> v) & 1);
			assert_int_equal(!analysis_reachable(a, v), dead);
			if (p.tracked[v] && h->generation[v] <= 2)
				assert_int_equal(dead, (full >> v) & 1);
		}
		analysis_free(a);
		heap_free(h);
	}
	oracle_rounds_done();
}

static void test_errors(void **state)
{
	uint64_t seed = 99;
	struct heap *h = oracle_random_heap(&seed, 8);
	struct pyheap p;
	struct cpygc_result r;
	struct error err;

	(void)state;
	assert_int_equal(cpygc_collect(h, 2, &r, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "not a Python dump"));
	cpygc_result_fini(&r);
	heap_free(h);
	random_python_heap(&seed, 8, &p);
	assert_int_equal(cpygc_collect(p.h, 3, &r, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "generation 3"));
	assert_int_equal(cpygc_collect(p.h, -1, &r, NULL, &err), -1);
	cpygc_result_fini(&r);
	heap_free(p.h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_random_collections, oracle_teardown),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
