/* dom: entries, immediate dominators, retained sizes, group retained sizes
 * and the children index against dominance by deletion on random heaps. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "graph/dom.h"
#include "graph/domtree.h"
#include "graph/reach.h"
#include "graph/scc.h"
#include "tests/unit/oracle.h"

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
		oracle_round(__func__, round, seed);
		struct heap *h = oracle_random_heap(&seed, round < 1500 ? 8 : 40);
		struct dom_work *w = round % 3 ? shared : NULL;
		/* The shared workspace cycles through the three algorithms:
		 * the iterative one, Semi-NCA (its fallback) and
		 * Lengauer-Tarjan's buckets (Semi-NCA's). */
		dom_work_method(shared, (enum dom_method)(round / 3 % 3));
		struct oracle o;
		uint8_t roots[ORACLE_MAXN], entry[ORACLE_MAXN];
		uint32_t dist[ORACLE_MAXN], comp[ORACLE_MAXN], n_comp;
		heap_node_t idom[ORACLE_MAXN];
		uint32_t small[ORACLE_MAXN];
		struct dom_sizes retained = { .small = small };
		uint64_t grp[ORACLE_MAXN], top = 0;
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
			small[v] = 0;
		}
		assert_int_equal(dom_compute(h, entry, idom, &retained, w, NULL, &err), 0);
		for (uint32_t v = 0; v < h->n_nodes; v++) {
			assert_int_equal(idom[v], o.idom[v]);
			assert_int_equal(dom_sizes_get(&retained, v), o.retained[v]);
			if (idom[v] == HEAP_NONE)
				top += dom_sizes_get(&retained, v);
		}
		/* Every object hangs somewhere under the virtual root. */
		assert_int_equal(top, h->total_size);

		/* Groups: the components, removed as a whole.  Numbered as
		 * scc_compute() does (the contracted graph backwards: one pass in
		 * topological order), and in every other round the other way
		 * round, which that pass must notice and leave to the general
		 * method. */
		{
			uint32_t gid[ORACLE_MAXN];
			int flip = round % 2;
			for (uint32_t v = 0; v < h->n_nodes; v++)
				gid[v] = flip ? n_comp - 1 - comp[v] : comp[v];
			assert_int_equal(dom_group_retained(h, gid, n_comp, entry, grp, w, NULL, &err), 0);
			for (uint32_t v = 0; v < h->n_nodes; v++) {
				oset members = o.comp[v];
				oset all = oracle_reach_without(&o, 0);
				oset gone = all & ~oracle_reach_without(&o, members);
				assert_int_equal(grp[gid[v]], oracle_size(h, gone | members));
			}
		}

		/* Children index: each node listed once, under its idom, sorted. */
		t = domtree_new(h, idom, &retained);
		for (uint32_t p = 0; p <= h->n_nodes; p++) {
			heap_node_t parent = p == h->n_nodes ? HEAP_NONE : p;
			nk = domtree_children(t, parent, &kids);
			for (uint32_t i = 0; i < nk; i++) {
				assert_int_equal(idom[kids[i]], parent);
				if (i)
					assert_true(dom_sizes_get(&retained, kids[i - 1]) >
							    dom_sizes_get(&retained, kids[i]) ||
						    (dom_sizes_get(&retained, kids[i - 1]) ==
							     dom_sizes_get(&retained, kids[i]) &&
						     kids[i - 1] < kids[i]));
			}
			seen += nk;
		}
		assert_int_equal(seen, h->n_nodes);
		domtree_free(t);
		free(retained.big);
		heap_free(h);
	}
	oracle_rounds_done();
	dom_work_free(shared);
}

/* Cooper, Harvey & Kennedy's iterative dominators ("A Simple, Fast
 * Dominance Algorithm", 2001): an algorithm independent of the one under
 * test, for heaps too big for dominance by deletion.  R = n is the
 * virtual root above the entries; out[v] = idom(v), n for R, HEAP_NONE
 * when nothing reaches v. */
static void chk_idom(const struct heap *h, const uint8_t *entry, uint32_t *out)
{
	uint32_t n = h->n_nodes, R = n, np = 0, sp = 0;
	uint32_t *po = malloc((n + 1) * sizeof *po), *order = malloc((n + 1) * sizeof *order);
	uint32_t *stk = malloc((n + 1) * sizeof *stk), *cur = malloc((n + 1) * sizeof *cur);
	int changed = 1;

	for (uint32_t v = 0; v <= n; v++) {
		po[v] = UINT32_MAX;
		out[v] = HEAP_NONE;
	}
	/* Postorder by an iterative search from R; cur = next child index. */
	stk[sp++] = R;
	cur[R] = 0;
	po[R] = UINT32_MAX - 1;		/* on the stack */
	while (sp) {
		uint32_t x = stk[sp - 1], y = HEAP_NONE;
		if (x == R) {
			while (cur[R] < n && y == HEAP_NONE) {
				uint32_t c = cur[R]++;
				if ((entry[c] & DOM_ENTRY) && po[c] == UINT32_MAX)
					y = c;
			}
		} else {
			while (cur[x] < h->out_off[x + 1] && y == HEAP_NONE) {
				uint32_t e = cur[x]++, z = h->out_to[e];
				if (reach_retains(h, x, e) && po[z] == UINT32_MAX)
					y = z;
			}
		}
		if (y == HEAP_NONE) {
			po[x] = np;
			order[np++] = x;
			sp--;
			continue;
		}
		po[y] = UINT32_MAX - 1;
		cur[y] = h->out_off[y];
		stk[sp++] = y;
	}
	out[R] = R;
	while (changed) {
		changed = 0;
		for (uint32_t k = np - 1; k-- > 0;) {	/* reverse postorder, R excluded */
			uint32_t v = order[k], d = (entry[v] & DOM_ENTRY) ? R : HEAP_NONE;
			for (uint32_t i = h->in_off[v]; i < h->in_off[v + 1]; i++) {
				uint32_t p = h->in_from[i];
				if (p == v || !reach_retains(h, p, heap_in_edges(h)[i]) || out[p] == HEAP_NONE)
					continue;
				if (d == HEAP_NONE) {
					d = p;
					continue;
				}
				while (d != p) {
					while (po[d] < po[p])
						d = out[d];
					while (po[p] < po[d])
						p = out[p];
				}
			}
			if (out[v] != d) {
				out[v] = d;
				changed = 1;
			}
		}
	}
	free(po);
	free(order);
	free(stk);
	free(cur);
}

/* Heaps of tens of thousands of objects, so that the dominator pass works
 * through many chunks and deep search trees: idoms against chk_idom(),
 * retained sizes against sums over its tree.  The last rounds give one
 * object in six a shallow size of 2 to 4 GiB, half of them within 400
 * bytes of 4 GiB, so that thousands of retained sizes reach 4 GiB (the
 * column's side table, dom.h), many by a few bytes, and every method sums
 * across that bound. */
static void test_big_dominators(void **state)
{
	uint64_t seed = 0x0123456789abcdefu;
	struct dom_work *shared = dom_work_new();
	struct error err;

	(void)state;
	for (int round = 0; round < 9; round++) {
		oracle_round(__func__, round, seed);
		struct heap_builder *b = heap_builder_new();
		int huge = round >= 6;
		uint32_t n_big = 0;
		uint32_t n = 20000 + (uint32_t)(oracle_rand(&seed) % 40000);
		uint32_t m = n * (1 + (uint32_t)(oracle_rand(&seed) % 4));
		uint32_t *ref = malloc((n + 1) * sizeof *ref), *ord = malloc(n * sizeof *ord);
		uint8_t *entry = malloc(n);
		heap_node_t *idom = malloc(n * sizeof *idom);
		uint64_t *want = calloc(n, sizeof *want);
		struct dom_sizes retained = { .small = malloc(n * sizeof *retained.small) };
		struct heap *h;

		for (uint32_t v = 0; v < n; v++) {
			struct heap_node_rec r = { .id = v, .size = 1 + oracle_rand(&seed) % 100,
						   .generation = HEAP_GEN_UNKNOWN };
			if (huge && oracle_rand(&seed) % 6 == 0)
				r.size = oracle_rand(&seed) % 2 ?
						 HEAP_SIZE_BIG - oracle_rand(&seed) % 400 :
						 (UINT64_C(1) << 31) + oracle_rand(&seed) % (UINT64_C(1) << 31);
			if (huge && oracle_rand(&seed) % 1000 == 0)
				r.size += UINT64_C(5) << 30;	/* heap.h's own side table */
			heap_builder_add_node(b, &r, &err);
		}
		/* A tree from 5 roots (with gaps, so some objects are held only
		 * through the other references), then local and far references,
		 * weak ones and self-references. */
		for (uint32_t v = 5; v < n; v++)
			if (oracle_rand(&seed) % 20)
				heap_builder_add_edge(b, v - 1 - (uint32_t)(oracle_rand(&seed) % (v < 50 ? v : 50)),
						      v, HEAP_EDGE_STRONG, 0, &err);
		for (uint32_t i = 0; i < m; i++) {
			uint32_t u = (uint32_t)(oracle_rand(&seed) % n), v;
			unsigned k = (unsigned)(oracle_rand(&seed) % 10);
			int64_t t = (int64_t)u + (int64_t)(oracle_rand(&seed) % 401) - 200;
			v = k < 6 ? (uint32_t)(t < 0 ? 0 : t >= n ? n - 1 : t) :
			    k < 9 ? (uint32_t)(oracle_rand(&seed) % n) : u;
			heap_builder_add_edge(b, u, v, oracle_rand(&seed) % 8 ? HEAP_EDGE_STRONG : HEAP_EDGE_WEAK,
					      0, &err);
		}
		h = heap_builder_freeze(b, &err);
		heap_builder_free(b);
		assert_non_null(h);
		for (uint32_t v = 0; v < n; v++)
			entry[v] = v < 5 ? DOM_ENTRY : 0;
		chk_idom(h, entry, ref);
		dom_work_method(shared, (enum dom_method)(round % 3));
		assert_int_equal(dom_compute(h, entry, idom, &retained, round % 2 ? shared : NULL,
					     NULL, &err), 0);
		/* The oracle's tree, children after parents: sum sizes upwards. */
		{
			uint32_t no = 0, head = 0;
			uint32_t *kid_off = calloc(n + 2, sizeof *kid_off), *kids = malloc(n * sizeof *kids);
			for (uint32_t v = 0; v < n; v++)
				if (ref[v] != HEAP_NONE)
					kid_off[ref[v] + 1]++;
			for (uint32_t v = 0; v <= n; v++)
				kid_off[v + 1] += kid_off[v];
			for (uint32_t v = 0; v < n; v++)
				if (ref[v] != HEAP_NONE)
					kids[kid_off[ref[v]]++] = v;
			for (uint32_t v = n + 1; v > 0; v--)
				kid_off[v] = kid_off[v - 1];
			kid_off[0] = 0;
			for (uint32_t i = kid_off[n]; i < kid_off[n + 1]; i++)
				ord[no++] = kids[i];
			while (head < no) {
				uint32_t v = ord[head++];
				for (uint32_t i = kid_off[v]; i < kid_off[v + 1]; i++)
					ord[no++] = kids[i];
			}
			for (uint32_t k = no; k-- > 0;) {
				uint32_t v = ord[k];
				want[v] += heap_size(h, v);
				if (ref[v] != n)
					want[ref[v]] += want[v];
			}
			free(kid_off);
			free(kids);
		}
		for (uint32_t v = 0; v < n; v++) {
			if (ref[v] == HEAP_NONE)
				continue;	/* unreached: dom_compute leaves it alone */
			assert_int_equal(idom[v], ref[v] == n ? HEAP_NONE : ref[v]);
			assert_int_equal(dom_sizes_get(&retained, v), want[v]);
			n_big += want[v] >= HEAP_SIZE_BIG;
		}
		/* the huge rounds reach the side table, and it holds nothing else */
		assert_true(!huge || n_big > 100);
		assert_int_equal(retained.n_big, n_big);
		if (huge) {
			/* Runs into the same column write over it: every object an
			 * entry (each retains itself alone), then the first run's
			 * graph again; the side table follows, stale records gone. */
			uint8_t *all = malloc(n);
			uint32_t own_big = 0;
			memset(all, DOM_ENTRY, n);
			assert_int_equal(dom_compute(h, all, idom, &retained, shared, NULL, &err), 0);
			for (uint32_t v = 0; v < n; v++) {
				assert_int_equal(dom_sizes_get(&retained, v), heap_size(h, v));
				own_big += heap_size(h, v) >= HEAP_SIZE_BIG;
			}
			assert_int_equal(retained.n_big, own_big);
			assert_true(own_big < n_big);
			assert_int_equal(dom_compute(h, entry, idom, &retained, NULL, NULL, &err), 0);
			for (uint32_t v = 0; v < n; v++)
				if (ref[v] != HEAP_NONE)
					assert_int_equal(dom_sizes_get(&retained, v), want[v]);
			free(all);
		}
		heap_free(h);
		free(ref);
		free(ord);
		free(entry);
		free(idom);
		free(retained.small);
		free(retained.big);
		free(want);
	}
	oracle_rounds_done();
	dom_work_free(shared);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_random_dominators, oracle_teardown),
		cmocka_unit_test_teardown(test_big_dominators, oracle_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
