/* analysis: cycles, types, top, dominator chains and totals against the
 * brute-force oracle on random small heaps. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/analysis.h"
#include "graph/cycles.h"
#include "tests/unit/oracle.h"

enum {
	ROUNDS = 3000
};

/* Whether out-edge e is one of the generator's meta references (named
 * "meta": oracle.h), read from the name, not from the heap's bits. */
static int is_meta(const struct heap *h, uint32_t e)
{
	return !(h->out_name[e] & HEAP_NAME_INDEX) &&
	       strcmp(heap_string(h, h->out_name[e], NULL), "meta") == 0;
}

static int retains(const struct heap *h, heap_node_t v, uint32_t e)
{
	int k = heap_out_kind(h, e);

	return k == HEAP_EDGE_STRONG || k == HEAP_EDGE_INTERNAL ||
	       (k == HEAP_EDGE_SHORTCUT && (h->flags[v] & HEAP_F_SYNTHETIC));
}

/* analysis_cycle_ring() from member v of cycle c (the oracle's set cs):
 * a closed walk over the cycle's own references, as short as the
 * shortest by layers. */
static void check_ring(const struct heap *h, const struct analysis *a, const struct oracle *o,
		       uint32_t c, heap_node_t v, oset cs)
{
	struct analysis_ref ring[ORACLE_MAXN];
	const oset *adj = a->raw ? o->adj : o->uadj;
	oset layer = (oset)1 << v, seen = 0;
	uint32_t k = analysis_cycle_ring(a, c, v, ring, ORACLE_MAXN), shortest = 0;

	for (uint32_t d = 1; d <= ORACLE_MAXN && !shortest; d++) {
		oset next = 0;
		for (uint32_t u = 0; u < h->n_nodes; u++)
			if ((layer >> u) & 1)
				next |= adj[u] & cs;
		if ((next >> v) & 1)
			shortest = d;
		layer = next & ~seen;
		seen |= next;
	}
	assert_int_equal(k, shortest);
	assert_int_equal(ring[0].from, v);
	assert_int_equal(ring[k - 1].to, v);
	for (uint32_t i = 0; i < k; i++) {
		assert_int_equal(h->out_to[ring[i].edge], ring[i].to);
		assert_true(ring[i].edge >= h->out_off[ring[i].from] &&
			    ring[i].edge < h->out_off[ring[i].from + 1]);
		assert_true((cs >> ring[i].to) & 1);
		assert_true(retains(h, ring[i].from, ring[i].edge));
		assert_false(!a->raw && is_meta(h, ring[i].edge));
		if (i)
			assert_int_equal(ring[i - 1].to, ring[i].from);
	}
	assert_int_equal(analysis_cycle_ring(a, c, v, ring, 0), k);
}

/* What holds the cycle cs (cycles.h): its one entered member (a retaining
 * reference from outside, or the virtual root's), else the nearest node
 * that dominates every member, HEAP_NONE for the virtual root. */
static heap_node_t oracle_holder(const struct oracle *o, oset cs)
{
	heap_node_t entered = HEAP_NONE, best = HEAP_NONE;
	uint32_t n_entered = 0;

	for (uint32_t m = 0; m < o->n; m++) {
		int in = 0;
		if (!((cs >> m) & 1))
			continue;
		in = (o->entries >> m) & 1;
		for (uint32_t u = 0; u < o->n; u++)
			in |= !((cs >> u) & 1) && ((o->adj[u] >> m) & 1);
		if (in) {
			n_entered++;
			entered = m;
		}
	}
	if (n_entered == 1)
		return entered;
	for (uint32_t v = 0; v < o->n; v++)
		if ((o->dom[v] & cs) == cs &&
		    (best == HEAP_NONE || __builtin_popcountll(o->dom[v]) < __builtin_popcountll(o->dom[best])))
			best = v;
	return best;
}

/* The cycles of a (the user graph's, or the raw graph's in a raw view)
 * against the oracle's components of that graph. */
static void check_cycles(const struct heap *h, const struct analysis *a, const struct oracle *o)
{
	uint32_t ncyc = 0, largest = 0;
	oset counted = 0;
	uint32_t order[ORACLE_MAXN];
	struct analysis_ref refs[8 * ORACLE_MAXN];
	int user = !a->raw;

	for (uint32_t v = 0; v < h->n_nodes; v++) {
		oset c = user ? o->ucomp[v] : o->comp[v];
		int self = (((user ? o->uadj : o->adj)[v]) >> v) & 1;
		int is_cycle = (c & (c - 1)) != 0 || self;
		if (!is_cycle) {
			assert_int_equal(a->cycle[v], HEAP_NONE);
			continue;
		}
		assert_true(a->cycle[v] < a->n_cycles);
		if (user)
			assert_false(h->flags[v] & (HEAP_F_ANCHOR | HEAP_F_RUNTIME));
		if (!(counted & ((oset)1 << v))) {
			const struct analysis_cycle *cy = &a->cycles[a->cycle[v]];
			uint32_t size = (uint32_t)__builtin_popcountll(c), internal = 0, entering = 0;
			oset all = oracle_reach_without(o, 0);
			counted |= c;
			ncyc++;
			if (size > largest)
				largest = size;
			assert_int_equal(cy->size, size);
			assert_int_equal(cy->shallow, oracle_size(h, c));
			assert_int_equal(cy->retained,
					 oracle_size(h, c | (all & ~oracle_reach_without(o, c))));
			assert_int_equal(cy->garbage, !(o->reach & c));
			for (uint32_t i = 0; i < size; i++) {
				heap_node_t m = a->members[cy->members + i];
				assert_true((c >> m) & 1);
				if (i)
					assert_true(a->members[cy->members + i - 1] < m);
			}
			for (uint32_t u = 0; u < h->n_nodes; u++)
				for (uint32_t e = h->out_off[u]; e < h->out_off[u + 1]; e++) {
					int from_in = (c >> u) & 1, to_in = (c >> h->out_to[e]) & 1;
					/* user cycles leave out the bookkeeping */
					internal += from_in && to_in &&
						    !(user && retains(h, u, e) && is_meta(h, e));
					entering += !from_in && to_in;
				}
			assert_int_equal(cy->n_internal, internal);
			assert_int_equal(cy->n_entering, entering);
			check_ring(h, a, o, a->cycle[v], v, c);
			if (user)
				assert_int_equal(cy->holder, oracle_holder(o, c));
			assert_true(internal <= 8 * ORACLE_MAXN && entering <= 8 * ORACLE_MAXN);
			assert_int_equal(analysis_cycle_internal(a, a->cycle[v], refs), internal);
			for (uint32_t i = 0; i < internal; i++) {
				assert_true((c >> refs[i].from) & 1);
				assert_true((c >> refs[i].to) & 1);
				assert_int_equal(h->out_to[refs[i].edge], refs[i].to);
			}
			assert_int_equal(analysis_cycle_entering(a, a->cycle[v], refs), entering);
			for (uint32_t i = 0; i < entering; i++) {
				assert_false((c >> refs[i].from) & 1);
				assert_true((c >> refs[i].to) & 1);
				assert_int_equal(h->out_to[refs[i].edge], refs[i].to);
				assert_true(refs[i].edge >= h->out_off[refs[i].from] &&
					    refs[i].edge < h->out_off[refs[i].from + 1]);
			}
		}
	}
	assert_int_equal(a->n_cycles, ncyc);
	assert_int_equal(a->largest_cycle, largest);
	/* Default order: size descending, then retained descending. */
	for (uint32_t i = 1; i < a->n_cycles; i++) {
		const struct analysis_cycle *p = &a->cycles[i - 1], *q = &a->cycles[i];
		assert_true(p->size > q->size || (p->size == q->size && p->retained >= q->retained));
	}
	analysis_cycles_sorted(a, ANALYSIS_BY_RETAINED, order);
	for (uint32_t i = 1; i < a->n_cycles; i++)
		assert_true(a->cycles[order[i - 1]].retained >= a->cycles[order[i]].retained);
	analysis_cycles_sorted(a, ANALYSIS_BY_SIZE, order);
	for (uint32_t i = 0; i < a->n_cycles; i++)
		assert_int_equal(order[i], i);
}

/* A cycle's shape for the generator's heaps: its user references' (source
 * type, target type) pairs (every such reference has the empty name), as
 * a 16-bit set over the 4 type names. */
static uint32_t shape_of(const struct heap *h, const struct analysis *a, uint32_t c)
{
	const struct analysis_cycle *cy = &a->cycles[c];
	uint32_t mask = 0;

	for (uint32_t i = 0; i < cy->size; i++) {
		heap_node_t u = a->members[cy->members + i];
		for (uint32_t e = h->out_off[u]; e < h->out_off[u + 1]; e++) {
			heap_node_t w = h->out_to[e];
			if (a->cycle[w] != c || !retains(h, u, e) || is_meta(h, e))
				continue;
			mask |= 1u << ((heap_string(h, h->type[u], NULL)[0] - 'A') * 4 +
				       (heap_string(h, h->type[w], NULL)[0] - 'A'));
		}
	}
	return mask;
}

/* Patterns: cycles share one exactly when their shapes are equal; counts
 * add up; the example retains most; ranked by retained size. */
static void check_patterns(const struct heap *h, const struct analysis *a, const struct oracle *o)
{
	uint32_t inst[ORACLE_MAXN] = { 0 }, objs[ORACLE_MAXN] = { 0 };
	uint64_t shallow[ORACLE_MAXN] = { 0 }, sum[ORACLE_MAXN] = { 0 }, most[ORACLE_MAXN] = { 0 };

	assert_true(a->n_patterns <= a->n_cycles);
	for (uint32_t c = 0; c < a->n_cycles; c++) {
		uint32_t p = a->cycles[c].pattern;
		assert_true(p < a->n_patterns);
		for (uint32_t d = 0; d < c; d++)
			assert_int_equal(a->cycles[d].pattern == p, shape_of(h, a, d) == shape_of(h, a, c));
		inst[p]++;
		objs[p] += a->cycles[c].size;
		shallow[p] += a->cycles[c].shallow;
		sum[p] += a->cycles[c].retained;
		if (a->cycles[c].retained > most[p])
			most[p] = a->cycles[c].retained;
	}
	for (uint32_t p = 0; p < a->n_patterns; p++) {
		const struct analysis_pattern *pt = &a->patterns[p];
		assert_int_equal(pt->instances, inst[p]);
		assert_int_equal(pt->objects, objs[p]);
		assert_int_equal(pt->shallow, shallow[p]);
		assert_true(pt->retained >= most[p] && pt->retained <= sum[p]);
		{
			/* exactly: the cycles not held strictly inside the subtree
			 * of another's holder of the same pattern */
			uint64_t want = 0;
			for (uint32_t c = 0; c < a->n_cycles; c++) {
				heap_node_t hc = a->cycles[c].holder;
				int nested = 0;
				if (a->cycles[c].pattern != p)
					continue;
				for (uint32_t d = 0; d < a->n_cycles && hc != HEAP_NONE; d++) {
					heap_node_t hd = a->cycles[d].holder;
					if (d != c && a->cycles[d].pattern == p && hd != HEAP_NONE && hd != hc &&
					    ((o->dom[hd] >> hc) & 1))
						nested = 1;
				}
				if (!nested)
					want += a->cycles[c].retained;
			}
			assert_int_equal(pt->retained, want);
		}
		assert_int_equal(a->cycles[pt->example].pattern, p);
		assert_int_equal(a->cycles[pt->example].retained, most[p]);
		assert_true(strlen(analysis_pattern_signature(a, p)) > 0);
		if (p)
			assert_true(a->patterns[p - 1].retained >= pt->retained);
	}
}

static void check_types(const struct heap *h, const struct analysis *a, const struct oracle *o)
{
	static const enum analysis_type_order orders[] = {
		ANALYSIS_TYPES_BY_COUNT, ANALYSIS_TYPES_BY_SHALLOW, ANALYSIS_TYPES_BY_RETAINED
	};

	for (int k = 0; k < 3; k++) {
		struct analysis_type *t;
		uint32_t nt = analysis_types(a, orders[k], &t), total = 0;
		for (uint32_t i = 0; i < nt; i++) {
			uint64_t count = 0, shallow = 0, retained = 0;
			for (uint32_t v = 0; v < h->n_nodes; v++) {
				int dominated_by_same = 0;
				if (h->type[v] != t[i].type)
					continue;
				count++;
				shallow += heap_size(h, v);
				for (uint32_t d = 0; d < h->n_nodes; d++)
					if (d != v && h->type[d] == h->type[v] && ((o->dom[d] >> v) & 1))
						dominated_by_same = 1;
				if (!dominated_by_same)
					retained += o->retained[v];
			}
			assert_int_equal(t[i].count, count);
			assert_int_equal(t[i].shallow, shallow);
			assert_int_equal(t[i].retained, retained);
			total += (uint32_t)count;
			if (i) {
				const struct analysis_type *p = &t[i - 1], *q = &t[i];
				uint64_t kp = k == 0 ? p->count : k == 1 ? p->shallow : p->retained;
				uint64_t kq = k == 0 ? q->count : k == 1 ? q->shallow : q->retained;
				assert_true(kp > kq || (kp == kq && strcmp(heap_string(h, p->type, NULL),
									   heap_string(h, q->type, NULL)) < 0));
			}
		}
		assert_int_equal(total, h->n_nodes);
		free(t);
	}
}

static void check_top(const struct heap *h, const struct analysis *a)
{
	heap_node_t top[ORACLE_MAXN];
	uint32_t k = 1 + h->n_nodes / 2;

	for (int skip = 0; skip < 2; skip++) {
		uint32_t m = analysis_top(a, k, skip, top), eligible = 0;
		for (uint32_t v = 0; v < h->n_nodes; v++)
			eligible += !(skip && (h->flags[v] & HEAP_F_SYNTHETIC));
		assert_int_equal(m, eligible < k ? eligible : k);
		for (uint32_t i = 0; i < m; i++) {
			/* Exactly the nodes that rank before top[i] come before it. */
			uint32_t better = 0;
			for (uint32_t v = 0; v < h->n_nodes; v++) {
				if (skip && (h->flags[v] & HEAP_F_SYNTHETIC))
					continue;
				uint64_t rv = analysis_retained(a, v), rt = analysis_retained(a, top[i]);
				if (rv > rt || (rv == rt && v < top[i]))
					better++;
			}
			assert_int_equal(better, i);
		}
	}
}

/* Everything analysis_run() says about h against the oracle's brute
 * force; force_groups: see cycles_retain_force_groups().  Frees h.  Returns
 * the objects whose retained size is 4 GiB or more. */
static uint32_t check_analysis(struct heap *h, int force_groups)
{
	struct analysis *raw;
	struct oracle o;
	struct analysis *a;
	struct error err;
	uint64_t rb = 0, ro = 0;
	uint32_t n_big = 0;
	heap_node_t chain[ORACLE_MAXN];

	oracle_compute(h, &o);
	cycles_retain_force_groups(force_groups);
	assert_int_equal(analysis_run(h, NULL, &a, &err), 0);
	cycles_retain_force_groups(0);
	assert_int_equal(a->refcount_mode, 0);
	/* Cycles' group retained sizes are those of the virtual root. */
	check_cycles(h, a, &o);
	check_patterns(h, a, &o);
	assert_int_equal(analysis_raw_new(a, NULL, &raw, &err), 0);
	assert_int_equal(raw->raw, 1);
	check_cycles(h, raw, &o);
	analysis_free(raw);
	oracle_adopt(h, &o);
	for (uint32_t v = 0; v < h->n_nodes; v++) {
		uint32_t len;
		assert_int_equal(a->dist[v], o.dist[v]);
		assert_int_equal(a->idom[v], o.idom[v]);
		assert_int_equal(analysis_retained(a, v), o.retained[v]);
		n_big += o.retained[v] >= HEAP_SIZE_BIG;
		assert_int_equal(analysis_reachable(a, v), (o.reach >> v) & 1);
		if ((o.reach >> v) & 1) {
			ro++;
			rb += heap_size(h, v);
		}
		/* The chain: every strict dominator of v, nearest first. */
		len = analysis_dominators(a, v, chain, ORACLE_MAXN);
		for (uint32_t i = 0; i < len; i++) {
			assert_true((o.dom[chain[i]] >> v) & 1);
			if (i)
				assert_true((o.dom[chain[i]] >> chain[i - 1]) & 1);
		}
		for (uint32_t d = 0, strict = 0; d < h->n_nodes; d++) {
			strict += d != v && ((o.dom[d] >> v) & 1);
			if (d == h->n_nodes - 1)
				assert_int_equal(len, strict);
		}
		assert_int_equal(analysis_dominators(a, v, NULL, 0), len);
	}
	assert_int_equal(a->reachable_objects, ro);
	assert_int_equal(a->reachable_bytes, rb);
	assert_int_equal(a->unreachable_objects, h->n_nodes - ro);
	assert_int_equal(a->unreachable_bytes, h->total_size - rb);
	/* no stale records in the side table (dom.h) */
	assert_int_equal(a->retained.n_big, n_big);
	check_types(h, a, &o);
	check_top(h, a);
	/* 16 bytes per object, 16 more per object retaining 4 GiB or more */
	assert_true(analysis_memory(a) <= sizeof *a + 16 * (size_t)h->n_nodes + 16 * (size_t)n_big +
		    4 * (size_t)h->n_nodes +
		    (sizeof(struct analysis_cycle) + sizeof(struct analysis_pattern)) * (size_t)a->n_cycles + a->pattern_text_len);
	analysis_free(a);
	heap_free(h);
	return n_big;
}

static void test_random_analysis(void **state)
{
	uint64_t seed = 0x0ddba11c0ffee42u;

	(void)state;
	for (int round = 0; round < ROUNDS; round++) {
		oracle_round(__func__, round, seed);
		/* One round in four has a cycle through most of the heap: few
		 * components, so the groups are planned beside the live run. */
		uint32_t maxn = round < 1500 ? 8 : 32;
		struct heap *h = round % 4 == 3 ? oracle_random_ring_heap(&seed, maxn) :
				 round % 4 == 1 ? oracle_random_user_heap(&seed, maxn) :
						  oracle_random_heap(&seed, maxn);

		/* every eighth round solves the cycles held high in the tree by
		 * one dominator run, as when the searches run out of budget */
		check_analysis(h, round % 8 == 5);
	}
	oracle_rounds_done();
}

/* Retained sizes of 4 GiB and more (analysis.h keeps them in a side table
 * beside a 32-bit column): the random heaps with sizes in units of 64 MiB
 * (a sum of 64 or more units passes 4 GiB, a single object of 64 units or
 * more is one of heap.h's own big sizes), then sums at the bound exactly. */
static void test_big_retained(void **state)
{
	uint64_t seed = 0xb16b00b5cafe5eedu;
	uint32_t n_big = 0;

	(void)state;
	for (int round = 0; round < ROUNDS / 4; round++) {
		oracle_round(__func__, round, seed);
		uint32_t maxn = round < 300 ? 8 : 32;
		struct heap *h = oracle_random_heap_scaled(&seed, maxn, round % 3, 26);

		n_big += check_analysis(h, round % 8 == 5);
	}
	oracle_rounds_done();
	assert_true(n_big > 1000);
	/* A root holding a chain whose retained sizes run across the bound:
	 * 2^32 + 1, 2^32, 2^32 - 1 (the column's marker itself), 2^32 - 2. */
	for (int garbage = 0; garbage < 2; garbage++) {
		struct heap_builder *b = heap_builder_new();
		struct error err;
		struct heap *h;
		static const uint64_t size[] = { 1, 1, 1, UINT64_C(0xfffffffe) };
		struct analysis *a;

		for (uint32_t v = 0; v < 4; v++) {
			struct heap_node_rec r = { .id = v, .size = size[v], .generation = HEAP_GEN_UNKNOWN };
			heap_builder_add_node(b, &r, &err);
		}
		for (uint32_t v = 0; v + 1 < 4; v++)
			heap_builder_add_edge(b, v, v + 1, HEAP_EDGE_STRONG, 0, &err);
		if (!garbage)
			heap_builder_add_root(b, 0, 0, &err);
		h = heap_builder_freeze(b, &err);
		heap_builder_free(b);
		assert_int_equal(analysis_run(h, NULL, &a, &err), 0);
		for (uint32_t v = 0; v < 4; v++)
			assert_int_equal(analysis_retained(a, v), UINT64_C(0xfffffffe) + 3 - v);
		assert_int_equal(a->retained.n_big, 3);
		analysis_free(a);
		check_analysis(h, 0);
	}
}

static void test_empty_heap(void **state)
{
	struct heap_builder *b = heap_builder_new();
	struct error err;
	struct heap *h = heap_builder_freeze(b, &err);
	struct analysis *a;
	struct analysis_type *t;

	(void)state;
	heap_builder_free(b);
	assert_non_null(h);
	assert_int_equal(analysis_run(h, NULL, &a, &err), 0);
	assert_int_equal(a->n_cycles, 0);
	assert_int_equal(a->reachable_objects + a->unreachable_objects, 0);
	assert_int_equal(analysis_types(a, ANALYSIS_TYPES_BY_COUNT, &t), 0);
	free(t);
	analysis_free(a);
	analysis_free(NULL);
	heap_free(h);
}

static int stop_now(void *ctx, const char *what, uint64_t done, uint64_t total)
{
	(void)ctx;
	(void)what;
	(void)done;
	(void)total;
	return 1;
}

/* A progress callback that asks to stop interrupts the run cleanly. */
static void test_interrupted(void **state)
{
	uint64_t seed = 7;
	struct heap_builder *b = heap_builder_new();
	struct error err;
	struct heap *h;
	struct analysis *a = NULL;
	struct progress p = { .fn = stop_now };
	enum { N = 300000 };

	(void)state;
	for (uint32_t v = 0; v < N; v++) {
		struct heap_node_rec r = { .id = v, .size = 8, .generation = HEAP_GEN_UNKNOWN };
		heap_builder_add_node(b, &r, &err);
	}
	for (uint32_t v = 0; v < N; v++)
		heap_builder_add_edge(b, v, (heap_node_t)(oracle_rand(&seed) % N), HEAP_EDGE_STRONG, 0, &err);
	heap_builder_add_root(b, 0, 0, &err);
	h = heap_builder_freeze(b, &err);
	heap_builder_free(b);
	assert_int_equal(analysis_run(h, &p, &a, &err), -1);
	assert_null(a);
	assert_string_equal(err.msg, "interrupted");
	heap_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_random_analysis, oracle_teardown),
		cmocka_unit_test_teardown(test_big_retained, oracle_teardown),
		cmocka_unit_test(test_empty_heap),
		cmocka_unit_test(test_interrupted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
