/* scc: components against mutual reachability on random small heaps. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>

#include "graph/reach.h"
#include "graph/scc.h"
#include "tests/unit/oracle.h"

enum {
	ROUNDS = 4000
};

static void test_random_components(void **state)
{
	uint64_t seed = 0x123456789abcdefu;
	struct error err;

	(void)state;
	for (int round = 0; round < ROUNDS; round++) {
		oracle_round(__func__, round, seed);
		struct heap *h = oracle_random_heap(&seed, round < 2000 ? 8 : 64);
		struct oracle o;
		uint32_t comp[ORACLE_MAXN], n_comp = 0, distinct = 0;
		uint8_t used[ORACLE_MAXN] = { 0 };

		oracle_compute(h, &o);
		assert_int_equal(scc_compute(h, comp, &n_comp, NULL, &err), 0);
		for (uint32_t v = 0; v < h->n_nodes; v++) {
			assert_true(comp[v] < n_comp);
			if (!used[comp[v]]++)
				distinct++;
			for (uint32_t w = 0; w < h->n_nodes; w++) {
				int same = (o.comp[v] >> w) & 1;
				assert_int_equal(comp[v] == comp[w], same);
				/* Reverse topological numbering. */
				if (((o.adj[v] >> w) & 1) && !same)
					assert_true(comp[v] > comp[w]);
			}
		}
		assert_int_equal(distinct, n_comp);
		heap_free(h);
	}
	oracle_rounds_done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_random_components, oracle_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
