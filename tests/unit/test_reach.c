/* reach: effective roots, distances and shortest retainer paths against the
 * brute-force oracle on thousands of random small heaps. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>

#include "graph/reach.h"
#include "tests/unit/oracle.h"

enum {
	ROUNDS = 4000
};

static void test_random_distances_and_paths(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15u;
	struct error err;

	(void)state;
	for (int round = 0; round < ROUNDS; round++) {
		oracle_round(__func__, round, seed);
		struct heap *h = oracle_random_heap(&seed, round < 2000 ? 8 : 40);
		struct oracle o;
		uint8_t roots[ORACLE_MAXN];
		uint32_t dist[ORACLE_MAXN], nroots, expect_roots = 0;
		struct reach_step path[ORACLE_MAXN + 1];

		oracle_compute(h, &o);
		nroots = reach_roots(h, roots);
		for (uint32_t v = 0; v < h->n_nodes; v++) {
			assert_int_equal(roots[v], (o.roots >> v) & 1);
			expect_roots += (o.roots >> v) & 1;
		}
		assert_int_equal(nroots, expect_roots);
		assert_int_equal(reach_distances(h, roots, dist, NULL, &err), 0);
		for (uint32_t v = 0; v < h->n_nodes; v++) {
			uint32_t len;
			assert_int_equal(dist[v], o.dist[v] == UINT32_MAX ? REACH_UNREACHABLE : o.dist[v]);
			len = reach_path(h, dist, v, path);
			if (dist[v] == REACH_UNREACHABLE) {
				assert_int_equal(len, 0);
				continue;
			}
			/* A real chain of retaining references from a root to v. */
			assert_int_equal(len, dist[v] + 1);
			assert_true((o.roots >> path[0].node) & 1);
			assert_int_equal(path[0].edge, HEAP_NONE);
			assert_int_equal(path[len - 1].node, v);
			for (uint32_t i = 1; i < len; i++) {
				heap_node_t a = path[i - 1].node, b = path[i].node;
				uint32_t e = path[i].edge;
				assert_true(e >= h->out_off[a] && e < h->out_off[a + 1]);
				assert_int_equal(h->out_to[e], b);
				assert_true(reach_retains(h, a, e));
				assert_true((o.adj[a] >> b) & 1);
			}
		}
		heap_free(h);
	}
	oracle_rounds_done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_random_distances_and_paths, oracle_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
