/* Big shapes whose answers are known in closed form: a linked list of 10
 * million objects (depth never reaches the C stack), a single cycle of 1
 * million, a complete graph, a star with 1 million leaves; cycles whose
 * names are positions among thousands of other names. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/analysis.h"
#include "graph/dom.h"
#include "graph/domtree.h"
#include "graph/gens.h"

static struct heap_builder *nodes(uint32_t n, uint64_t size)
{
	struct heap_builder *b = heap_builder_new();
	struct error err;
	heap_str_t t = heap_builder_intern_cstr(b, "Node");

	heap_builder_reserve(b, n, n);
	for (uint32_t v = 0; v < n; v++) {
		struct heap_node_rec r = { .id = v, .type = t, .size = size,
					   .generation = (uint8_t)(v % 3) };
		heap_builder_add_node(b, &r, &err);
	}
	return b;
}

static struct heap *freeze(struct heap_builder *b)
{
	struct error err;
	struct heap *h = heap_builder_freeze(b, &err);

	heap_builder_free(b);
	assert_non_null(h);
	return h;
}

static void test_linked_list_10m(void **state)
{
	enum { N = 10000000 };
	struct heap_builder *b = nodes(N, 16);
	struct error err;
	struct heap *h;
	struct analysis *a;
	struct reach_step *path;
	heap_node_t top[3];

	(void)state;
	for (uint32_t v = 0; v + 1 < N; v++)
		heap_builder_add_edge(b, v, v + 1, HEAP_EDGE_STRONG, 0, &err);
	heap_builder_add_root(b, 0, 0, &err);
	h = freeze(b);
	assert_int_equal(analysis_run(h, NULL, &a, &err), 0);
	for (uint32_t v = 0; v < N; v++) {
		if (a->dist[v] != v || analysis_retained(a, v) != 16ull * (N - v) ||
		    a->idom[v] != (v ? v - 1 : HEAP_NONE) || a->cycle[v] != HEAP_NONE)
			fail_msg("node %u: dist %u idom %u retained %llu", v, a->dist[v], a->idom[v],
				 (unsigned long long)analysis_retained(a, v));
	}
	assert_int_equal(a->n_cycles, 0);
	assert_int_equal(a->reachable_objects, N);
	path = malloc((size_t)N * sizeof *path);
	assert_int_equal(analysis_path(a, N - 1, path), N);
	assert_int_equal(path[0].node, 0);
	assert_int_equal(path[N / 2].node, N / 2);
	assert_int_equal(analysis_dominators(a, N - 1, NULL, 0), N - 1);
	free(path);
	assert_int_equal(analysis_top(a, 3, 0, top), 3);
	assert_int_equal(top[0], 0);
	assert_int_equal(top[2], 2);
	analysis_free(a);
	heap_free(h);
}

static void test_cycle_1m(void **state)
{
	enum { N = 1000000 };
	struct error err;
	struct analysis *a;

	(void)state;
	for (int live = 0; live < 2; live++) {
		struct heap_builder *b = nodes(N, 8);
		struct heap *h;
		struct analysis_ref *refs;
		for (uint32_t v = 0; v < N; v++)
			heap_builder_add_edge(b, v, (v + 1) % N, HEAP_EDGE_STRONG, 0, &err);
		if (live)
			heap_builder_add_root(b, 5, 0, &err);
		h = freeze(b);
		assert_int_equal(analysis_run(h, NULL, &a, &err), 0);
		assert_int_equal(a->n_cycles, 1);
		assert_int_equal(a->largest_cycle, N);
		assert_int_equal(a->cycles[0].size, N);
		assert_int_equal(a->cycles[0].shallow, 8ull * N);
		assert_int_equal(a->cycles[0].retained, 8ull * N);
		assert_int_equal(a->cycles[0].garbage, !live);
		assert_int_equal(a->cycles[0].n_internal, N);
		assert_int_equal(a->cycles[0].n_entering, 0);
		refs = malloc((size_t)N * sizeof *refs);
		assert_int_equal(analysis_cycle_internal(a, 0, refs), N);
		free(refs);
		for (uint32_t v = 0; v < N; v++) {
			assert_int_equal(a->cycle[v], 0);
			assert_int_equal(a->members[v], v);
			if (live) {
				uint32_t d = (v + N - 5) % N;
				assert_int_equal(a->dist[v], d);
				assert_int_equal(analysis_retained(a, v), 8ull * (N - d));
			} else {
				/* Garbage: every member is an entry of the unreachable part. */
				assert_int_equal(a->dist[v], REACH_UNREACHABLE);
				assert_int_equal(a->idom[v], HEAP_NONE);
				assert_int_equal(analysis_retained(a, v), 8);
			}
		}
		analysis_free(a);
		heap_free(h);
	}
}

static void test_complete_graph(void **state)
{
	enum { N = 1500 };
	struct heap_builder *b = nodes(N, 4);
	struct error err;
	struct heap *h;
	struct analysis *a;

	(void)state;
	for (uint32_t u = 0; u < N; u++)
		for (uint32_t v = 0; v < N; v++)
			heap_builder_add_edge(b, u, v, HEAP_EDGE_STRONG, 0, &err);
	heap_builder_add_root(b, 7, 0, &err);
	h = freeze(b);
	assert_int_equal(analysis_run(h, NULL, &a, &err), 0);
	assert_int_equal(a->n_cycles, 1);
	assert_int_equal(a->cycles[0].n_internal, N * N);
	for (uint32_t v = 0; v < N; v++) {
		assert_int_equal(a->dist[v], v == 7 ? 0 : 1);
		assert_int_equal(a->idom[v], v == 7 ? HEAP_NONE : 7);
		assert_int_equal(analysis_retained(a, v), v == 7 ? 4ull * N : 4);
	}
	analysis_free(a);
	heap_free(h);
}

static void test_star_1m(void **state)
{
	enum { N = 1000001 };
	struct error err;

	(void)state;
	/* Out-star: the centre holds every leaf. */
	{
		struct heap_builder *b = nodes(N, 10);
		struct heap *h;
		struct analysis *a;
		struct domtree *t;
		const heap_node_t *kids;
		struct gens g;
		for (uint32_t v = 1; v < N; v++)
			heap_builder_add_edge(b, 0, v, HEAP_EDGE_STRONG, 0, &err);
		heap_builder_add_root(b, 0, 0, &err);
		h = freeze(b);
		assert_int_equal(analysis_run(h, NULL, &a, &err), 0);
		assert_int_equal(analysis_retained(a, 0), 10ull * N);
		for (uint32_t v = 1; v < N; v++)
			assert_int_equal(a->idom[v], 0);
		t = domtree_new(h, a->idom, &a->retained);
		assert_int_equal(domtree_children(t, 0, &kids), N - 1);
		assert_int_equal(kids[0], 1);
		assert_int_equal(domtree_children(t, HEAP_NONE, &kids), 1);
		assert_int_equal(domtree_children(t, 5, &kids), 0);
		domtree_free(t);
		/* Generations v % 3: the centre (gen 0) refers to younger-or-equal only. */
		gens_compute(h, a->dist, &g);
		assert_int_equal(g.n_gens, 3);
		assert_int_equal(g.stat[0].objects, (N + 2) / 3);
		assert_int_equal(g.old_to_young, 0);
		assert_int_equal(g.young_to_old, (N - 1) - (N - 1) / 3);
		assert_int_equal(g.refs[0 * 4 + 1], (N - 1 + 2) / 3);
		gens_fini(&g);
		analysis_free(a);
		heap_free(h);
	}
	/* In-star: every leaf is a root and refers to the centre. */
	{
		struct heap_builder *b = nodes(N, 10);
		struct heap *h;
		struct analysis *a;
		for (uint32_t v = 1; v < N; v++) {
			heap_builder_add_edge(b, v, 0, HEAP_EDGE_STRONG, 0, &err);
			heap_builder_add_root(b, v, 0, &err);
		}
		h = freeze(b);
		assert_int_equal(analysis_run(h, NULL, &a, &err), 0);
		assert_int_equal(a->idom[0], HEAP_NONE);
		assert_int_equal(analysis_retained(a, 0), 10);
		assert_int_equal(a->dist[0], 1);
		assert_int_equal(analysis_retained(a, 1), 10);
		analysis_free(a);
		heap_free(h);
	}
}

/* 100000 two-object cycles, each entered at both members (both roots), so
 * the contracted graph is solved on the second thread; plus as many
 * garbage pairs, each holding a live object. */
static void test_many_entered_cycles(void **state)
{
	enum { PAIRS = 100000, N = 4 * PAIRS };
	struct heap_builder *b = nodes(N, 8);
	struct error err;
	struct heap *h;
	struct analysis *a;

	(void)state;
	for (uint32_t i = 0; i < 2 * PAIRS; i += 2) {
		heap_builder_add_edge(b, i, i + 1, HEAP_EDGE_STRONG, 0, &err);
		heap_builder_add_edge(b, i + 1, i, HEAP_EDGE_STRONG, 0, &err);
		heap_builder_add_root(b, i, 0, &err);
		heap_builder_add_root(b, i + 1, 0, &err);
	}
	for (uint32_t i = 2 * PAIRS; i < N; i += 2) {
		heap_builder_add_edge(b, i, i + 1, HEAP_EDGE_STRONG, 0, &err);
		heap_builder_add_edge(b, i + 1, i, HEAP_EDGE_STRONG, 0, &err);
		heap_builder_add_edge(b, i, i - 2 * PAIRS, HEAP_EDGE_STRONG, 0, &err);
	}
	h = freeze(b);
	assert_int_equal(analysis_run(h, NULL, &a, &err), 0);
	assert_int_equal(a->n_cycles, 2 * PAIRS);
	assert_int_equal(a->unreachable_objects, 2 * PAIRS);
	for (uint32_t c = 0; c < a->n_cycles; c++) {
		assert_int_equal(a->cycles[c].size, 2);
		assert_int_equal(a->cycles[c].retained, 16);
	}
	for (uint32_t v = 0; v < N; v++) {
		assert_int_equal(analysis_retained(a, v), 8);
		assert_int_equal(a->idom[v], HEAP_NONE);
	}
	analysis_free(a);
	heap_free(h);
}

/* Two long chains with a cross reference from each link of the first to
 * the next link of the second: the shape that makes iterative dominator
 * algorithms (and Semi-NCA's tree walks) quadratic.  Must stay fast. */
static void test_crossed_chains(void **state)
{
	enum { L = 1000000, N = 2 * L };
	struct heap_builder *b = nodes(N, 4);
	struct error err;
	struct heap *h;
	struct analysis *a;

	(void)state;
	for (uint32_t i = 0; i + 1 < L; i++) {
		heap_builder_add_edge(b, i, i + 1, HEAP_EDGE_STRONG, 0, &err);		/* a_i -> a_i+1 */
		heap_builder_add_edge(b, L + i, L + i + 1, HEAP_EDGE_STRONG, 0, &err);	/* b_i -> b_i+1 */
		heap_builder_add_edge(b, i, L + i + 1, HEAP_EDGE_STRONG, 0, &err);	/* a_i -> b_i+1 */
	}
	heap_builder_add_root(b, 0, 0, &err);
	heap_builder_add_root(b, L, 0, &err);
	h = freeze(b);
	assert_int_equal(analysis_run(h, NULL, &a, &err), 0);
	for (uint32_t i = 0; i < L; i++) {
		if (a->idom[i] != (i ? i - 1 : HEAP_NONE) || a->idom[L + i] != HEAP_NONE ||
		    analysis_retained(a, i) != 4ull * (L - i) || analysis_retained(a, L + i) != 4)
			fail_msg("link %u: idom %u/%u retained %llu/%llu", i, a->idom[i], a->idom[L + i],
				 (unsigned long long)analysis_retained(a, i), (unsigned long long)analysis_retained(a, L + i));
	}
	analysis_free(a);
	heap_free(h);
}

/* Names that are only positions ("12", "[7]", an index) fold into one
 * pattern; others ("x12", "1a") do not, with more distinct names than
 * pattern_shapes() remembers (its memo of name_is_position() is
 * direct-mapped: colliding names must not take each other's answer).
 * Cycle k: A_k -name_k-> B -next-> A_k, names alternating between
 * positions and not; each position cycle also has A_k -index 3-> B. */
static void test_position_names(void **state)
{
	enum { K = 4000 };
	struct heap_builder *b = heap_builder_new();
	heap_str_t ta = heap_builder_intern_cstr(b, "A"), tb = heap_builder_intern_cstr(b, "B");
	heap_str_t next = heap_builder_intern_cstr(b, "next");
	struct error err;
	struct analysis *a;
	struct heap *h;
	uint32_t pos_pattern = HEAP_NONE, n_other = 0;
	uint8_t *other_seen;

	(void)state;
	for (uint32_t k = 0; k < 2 * K; k++) {
		struct heap_node_rec r = { .id = k, .type = k % 2 ? tb : ta, .size = 8,
					   .generation = HEAP_GEN_UNKNOWN };
		heap_builder_add_node(b, &r, &err);
	}
	for (uint32_t k = 0; k < K; k++) {
		char name[32];
		int position = k % 2 == 0;
		if (position)
			snprintf(name, sizeof name, k % 4 ? "[%u]" : "%u", k);
		else
			snprintf(name, sizeof name, k % 4 == 1 ? "x%u" : "%ua", k);
		heap_builder_add_edge(b, 2 * k, 2 * k + 1, HEAP_EDGE_STRONG,
				      heap_builder_intern_cstr(b, name), &err);
		if (position)
			heap_builder_add_edge(b, 2 * k, 2 * k + 1, HEAP_EDGE_STRONG, HEAP_NAME_INDEX | 3,
					      &err);
		heap_builder_add_edge(b, 2 * k + 1, 2 * k, HEAP_EDGE_STRONG, next, &err);
		heap_builder_add_root(b, 2 * k, 0, &err);
	}
	h = freeze(b);
	assert_int_equal(analysis_run(h, NULL, &a, &err), 0);
	assert_int_equal(a->n_cycles, K);
	/* one pattern for the positions, one per other name */
	assert_int_equal(a->n_patterns, 1 + K / 2);
	other_seen = calloc(a->n_patterns, 1);
	for (uint32_t k = 0; k < K; k++) {
		const struct analysis_cycle *cy = &a->cycles[a->cycle[2 * k]];
		const struct analysis_pattern *pt = &a->patterns[cy->pattern];
		if (k % 2 == 0) {
			if (pos_pattern == HEAP_NONE)
				pos_pattern = cy->pattern;
			assert_int_equal(cy->pattern, pos_pattern);
			assert_int_equal(pt->n_links, 2);	/* A -[]-> B, B -next-> A */
			assert_int_equal(pt->instances, K / 2);
			assert_string_equal(analysis_pattern_signature(a, cy->pattern),
					    "A -[]-> B -next-> A");
		} else {
			assert_int_not_equal(cy->pattern, pos_pattern);
			assert_false(other_seen[cy->pattern]);
			other_seen[cy->pattern] = 1;
			n_other++;
			assert_int_equal(pt->n_links, 2);
			assert_int_equal(pt->instances, 1);
		}
	}
	assert_int_equal(n_other, K / 2);
	free(other_seen);
	analysis_free(a);
	heap_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_linked_list_10m),
		cmocka_unit_test(test_cycle_1m),
		cmocka_unit_test(test_complete_graph),
		cmocka_unit_test(test_star_1m),
		cmocka_unit_test(test_many_entered_cycles),
		cmocka_unit_test(test_crossed_chains),
		cmocka_unit_test(test_position_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
