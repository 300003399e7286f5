/* Unit tests of the viewer's model (tui/view/model.c) on random heaps, against
 * brute force: the type histogram and per-type instance lists, the
 * generation member lists, the cross-generation lists, the garbage list
 * and the sort orders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/oracle.h"

#include "graph/heap.h"
#include "graph/reach.h"
#include "tui/view/model.h"

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static struct heap *random_heap(uint32_t n, uint32_t m, unsigned ntypes)
{
	struct heap_builder *b = heap_builder_new();
	struct error err;
	heap_str_t types[16], root = heap_builder_intern_cstr(b, "root");
	struct heap *h;

	for (unsigned t = 0; t < ntypes; t++) {
		char name[16];
		snprintf(name, sizeof name, "T%u", t);
		types[t] = heap_builder_intern_cstr(b, name);
	}
	for (uint32_t i = 0; i < n; i++) {
		struct heap_node_rec rec = {
			.id = 1000 + i * 3,
			.type = types[rnd() % ntypes],
			.size = 8 + rnd() % 100,
			.generation = rnd() % 5 == 0 ? HEAP_GEN_UNKNOWN : (uint8_t)(rnd() % 3),
		};
		assert_int_not_equal(heap_builder_add_node(b, &rec, &err), HEAP_NONE);
	}
	assert_int_equal(heap_builder_index(b, &(heap_node_t){ 0 }, &(heap_node_t){ 0 }), 0);
	for (uint32_t e = 0; e < m; e++)
		assert_int_equal(heap_builder_add_edge(b, (heap_node_t)(rnd() % n), (heap_node_t)(rnd() % n),
						       rnd() % 6 == 0 ? HEAP_EDGE_WEAK : HEAP_EDGE_STRONG, 0, &err), 0);
	for (uint32_t r = 0; r < n / 20 + 1; r++)
		assert_int_equal(heap_builder_add_root(b, (heap_node_t)(rnd() % n), root, &err), 0);
	h = heap_builder_freeze(b, &err);
	assert_non_null(h);
	heap_builder_free(b);
	return h;
}

static void check_model(uint32_t n, uint32_t m, unsigned ntypes)
{
	struct heap *h = random_heap(n, m, ntypes);
	struct error err;
	struct model *md = model_new(h, NULL, &err);
	uint32_t total = 0, cnt;
	uint8_t *seen = calloc(n + 1, 1);

	assert_non_null(md);
	/* types: every node once, in the list of its own type, counts and
	 * shallow sums right, instances by retained size descending */
	assert_true(md->n_types <= ntypes);
	for (uint32_t t = 0; t < md->n_types; t++) {
		const heap_node_t *inst = model_type_instances(md, t, &cnt);
		uint64_t shallow = 0, bf_count = 0;
		for (uint32_t v = 0; v < n; v++)
			if (h->type[v] == md->types[t].name)
				bf_count++;
		assert_int_equal(cnt, bf_count);
		assert_int_equal(md->types[t].count, bf_count);
		for (uint32_t i = 0; i < cnt; i++) {
			assert_int_equal(h->type[inst[i]], md->types[t].name);
			assert_int_equal(md->type_of[inst[i]], t);
			assert_false(seen[inst[i]]);
			seen[inst[i]] = 1;
			shallow += heap_size(h, inst[i]);
			if (i)
				assert_true(model_retained(md, inst[i - 1]) >= model_retained(md, inst[i]));
		}
		assert_int_equal(shallow, md->types[t].shallow);
		total += cnt;
	}
	assert_int_equal(total, n);
	/* type orders are permutations sorted by their key */
	for (int k = 0; k < TYPE_SORT_N; k++) {
		const uint32_t *o = model_type_order(md, (enum type_sort)k);
		memset(seen, 0, n + 1);
		for (uint32_t i = 0; i < md->n_types; i++) {
			assert_false(seen[o[i]]);
			seen[o[i]] = 1;
			if (i && k == TYPE_SORT_COUNT)
				assert_true(md->types[o[i - 1]].count >= md->types[o[i]].count);
			if (i && k == TYPE_SORT_SHALLOW)
				assert_true(md->types[o[i - 1]].shallow >= md->types[o[i]].shallow);
			if (i && k == TYPE_SORT_RETAINED)
				assert_true(md->types[o[i - 1]].retained >= md->types[o[i]].retained);
		}
	}
	/* generations: member lists match the column; cross lists hold exactly
	 * the objects some older object retains */
	for (unsigned g = 0; g < 256; g++) {
		const heap_node_t *mem = model_gen_members(md, g, &cnt);
		const heap_node_t *cross;
		uint32_t bf = 0, ncross;
		for (uint32_t v = 0; v < n; v++)
			if ((g == HEAP_GEN_UNKNOWN && h->generation[v] >= md->gens.n_gens) || h->generation[v] == g)
				bf++;
		assert_int_equal(cnt, bf);
		for (uint32_t i = 0; i < cnt; i++)
			assert_true(g == HEAP_GEN_UNKNOWN ? h->generation[mem[i]] >= md->gens.n_gens
							 : h->generation[mem[i]] == g);
		if (g >= md->gens.n_gens)
			continue;
		cross = model_gen_cross(md, g, &ncross);
		memset(seen, 0, n + 1);
		for (uint32_t i = 0; i < ncross; i++)
			seen[cross[i]] = 1;
		for (uint32_t v = 0; v < n; v++) {
			int want = 0;
			if (h->generation[v] != g)
				continue;
			for (uint32_t i = h->in_off[v]; i < h->in_off[v + 1]; i++) {
				heap_node_t u = h->in_from[i];
				if (h->generation[u] < md->gens.n_gens && h->generation[u] > g &&
				    reach_retains(h, u, heap_in_edges(h)[i]))
					want = 1;
			}
			assert_int_equal(seen[v], want);
		}
	}
	/* garbage: exactly the unreachable objects, largest retained first */
	{
		const heap_node_t *gb = model_garbage(md, &cnt);
		uint32_t bf = 0;
		for (uint32_t v = 0; v < n; v++)
			bf += !model_reachable(md, v);
		assert_int_equal(cnt, bf);
		for (uint32_t i = 0; i < cnt; i++) {
			assert_false(model_reachable(md, gb[i]));
			if (i)
				assert_true(model_retained(md, gb[i - 1]) >= model_retained(md, gb[i]));
		}
	}
	/* cycle orders are permutations, largest first */
	{
		const uint32_t *o = model_cycle_order(md, 0, CYCLE_SORT_SHALLOW);
		for (uint32_t i = 1; i < md->an->n_cycles; i++)
			assert_true(md->an->cycles[o[i - 1]].shallow >= md->an->cycles[o[i]].shallow);
	}
	free(seen);
	model_free(md);
	heap_free(h);
}

static void test_model_random(void **state)
{
	(void)state;
	for (int round = 0; round < 30; round++) {
		oracle_round(__func__, round, rng);
		check_model(1 + (uint32_t)(rnd() % 300), (uint32_t)(rnd() % 900), 1 + (unsigned)(rnd() % 12));
	}
	oracle_rounds_done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_model_random, oracle_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
