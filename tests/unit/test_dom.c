/* dom: entries, immediate dominators, retained sizes, group retained sizes
 * and the children index against dominance by deletion on random heaps. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>

#include "graph/dom.h"
#include "graph/reach.h"
#include "graph/scc.h"
#include "oracle.h"

enum {
	ROUNDS = 3000
};

static void test_random_dominators(void **state)
{
	uint64_t seed = 0xfeedfacecafebeefu;
	struct error err;
	/* Two rounds in three reuse one workspace across heaps of every size
	 * (stale contents from the previous heap must not matter). */
	struct dom_work *shared = dom_work_new();

	(void)state;
	for (int round = 0; round < ROUNDS; round++) {
		struct heap *h = oracle_random_heap(&seed, round < 1500 ? 8 : 40);
		struct dom_work *w = round % 3 ? shared : NULL;
		struct oracle o;
		uint8_t roots[ORACLE_MAXN], entry[ORACLE_MAXN];
		uint32_t dist[ORACLE_MAXN], comp[ORACLE_MAXN], n_comp;
		heap_node_t idom[ORACLE_MAXN];
		uint64_t retained[ORACLE_MAXN], grp[ORACLE_MAXN], top = 0;
		struct domtree *t;
		const heap_node_t *kids;
		uint32_t nk, seen = 0;

		oracle_compute(h, &o);
		reach_roots(h, roots);
		assert_int_equal(reach_distances(h, roots, dist, NULL, &err), 0);
		assert_int_equal(scc_compute(h, comp, &n_comp, NULL, &err), 0);
		assert_int_equal(dom_devtools_shape(h, dist), oracle_devtools(h, &o));
		/* Both rules on every heap: odd rounds DevTools', even rounds the
		 * source-component rule. */
		oracle_compute_mode(h, &o, round % 2);
		dom_entries(h, dist, comp, round % 2, entry);
		for (uint32_t v = 0; v < h->n_nodes; v++) {
			assert_int_equal(!!(entry[v] & DOM_ENTRY), (o.entries >> v) & 1);
			assert_int_equal(!!(entry[v] & DOM_GARBAGE), !(round % 2) && !((o.reach >> v) & 1));
			idom[v] = 12345;
			retained[v] = 0;
		}
		assert_int_equal(dom_compute(h, entry, idom, retained, w, NULL, &err), 0);
		for (uint32_t v = 0; v < h->n_nodes; v++) {
			assert_int_equal(idom[v], o.idom[v]);
			assert_int_equal(retained[v], o.retained[v]);
			if (idom[v] == HEAP_NONE)
				top += retained[v];
		}
		/* Every object hangs somewhere under the virtual root. */
		assert_int_equal(top, h->total_size);

		/* Groups: the components, removed as a whole. */
		assert_int_equal(dom_group_retained(h, comp, n_comp, entry, grp, w, NULL, &err), 0);
		for (uint32_t v = 0; v < h->n_nodes; v++) {
			oset members = o.comp[v];
			oset all = oracle_reach_without(&o, 0);
			oset gone = all & ~oracle_reach_without(&o, members);
			assert_int_equal(grp[comp[v]], oracle_size(h, gone | members));
		}

		/* Children index: each node listed once, under its idom, sorted. */
		t = domtree_new(h, idom, retained);
		for (uint32_t p = 0; p <= h->n_nodes; p++) {
			heap_node_t parent = p == h->n_nodes ? HEAP_NONE : p;
			nk = domtree_children(t, parent, &kids);
			for (uint32_t i = 0; i < nk; i++) {
				assert_int_equal(idom[kids[i]], parent);
				if (i)
					assert_true(retained[kids[i - 1]] > retained[kids[i]] ||
						    (retained[kids[i - 1]] == retained[kids[i]] &&
						     kids[i - 1] < kids[i]));
			}
			seen += nk;
		}
		assert_int_equal(seen, h->n_nodes);
		domtree_free(t);
		heap_free(h);
	}
	dom_work_free(shared);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_dominators),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
