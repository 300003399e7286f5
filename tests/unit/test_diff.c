/* diff: compared with brute force on random pairs of small heaps.
 * Signatures are rebuilt independently as strings from the retainer path
 * reach_path gives (root marker, types and edge names of the last hops),
 * types and cycles are counted by name with quadratic loops. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/analysis.h"
#include "graph/diff.h"
#include "tests/unit/oracle.h"

enum {
	ROUNDS = 300,
	KEY_MAX = 256
};

static const char *type_name(const struct heap *h, heap_node_t v)
{
	return heap_string(h, h->type[v], NULL);
}

/* The path signature of v as a string ("" when unreachable). */
static void path_key(const struct analysis *a, heap_node_t v, char *out)
{
	const struct heap *h = a->heap;
	struct reach_step p[ORACLE_MAXN + 1];
	uint32_t len, start;
	char name[64];

	out[0] = 0;
	len = analysis_path(a, v, p);
	if (!len)
		return;
	start = len - 1 > DIFF_PATH_HOPS ? len - 1 - DIFF_PATH_HOPS : 0;
	if (start == 0)
		strcat(out, "ROOT|");
	strcat(out, type_name(h, p[start].node));
	for (uint32_t i = start + 1; i < len; i++) {
		uint32_t nm = h->out_name[p[i].edge];
		heap_node_t from = p[i - 1].node;
		int wide = h->out_off[from + 1] - h->out_off[from] > DIFF_WIDE;
		snprintf(name, sizeof name, "-%s->", (nm & HEAP_NAME_INDEX) || wide ? "[]" : heap_string(h, nm, NULL));
		strcat(out, name);
		strcat(out, type_name(h, p[i].node));
	}
}

/* The shape of cycle c, by brute force: its distinct "from|name|to"
 * triples over the retaining references between members (the heaps here
 * carry no user-graph marks), positions folded to "[]", sorted, joined. */
static void cycle_key(const struct analysis *a, uint32_t c, char *out)
{
	const struct heap *h = a->heap;
	const struct analysis_cycle *cy = &a->cycles[c];
	static char trip[8 * ORACLE_MAXN * 3][64];
	const char *sorted[8 * ORACLE_MAXN * 3];
	uint32_t n = 0;

	for (uint32_t i = 0; i < cy->size; i++) {
		heap_node_t u = a->members[cy->members + i];
		for (uint32_t e = h->out_off[u]; e < h->out_off[u + 1]; e++) {
			heap_node_t w = h->out_to[e];
			int k = h->out_kind[e], dup = 0;
			char name[32];
			if (a->cycle[w] != c || !(k == HEAP_EDGE_STRONG || k == HEAP_EDGE_INTERNAL ||
						  (k == HEAP_EDGE_SHORTCUT && (h->flags[u] & HEAP_F_SYNTHETIC))))
				continue;
			heap_edge_name(h, h->out_name[e], name, sizeof name);
			if (name[0] == '[' || (name[0] >= '0' && name[0] <= '9'))
				strcpy(name, "[]");
			snprintf(trip[n], sizeof trip[n], "%s|%s|%s;", type_name(h, u), name, type_name(h, w));
			for (uint32_t x = 0; x < n; x++)
				dup |= strcmp(trip[x], trip[n]) == 0;
			if (!dup)
				sorted[n] = trip[n], n++;
		}
	}
	for (uint32_t i = 1; i < n; i++)
		for (uint32_t j = i; j > 0 && strcmp(sorted[j - 1], sorted[j]) > 0; j--) {
			const char *t = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	out[0] = 0;
	for (uint32_t i = 0; i < n; i++)
		strcat(out, sorted[i]);
}

static int64_t type_count(const struct heap *h, const char *t)
{
	int64_t n = 0;

	for (uint32_t v = 0; v < h->n_nodes; v++)
		n += strcmp(type_name(h, v), t) == 0;
	return n;
}

static void check_types(const struct diff *d)
{
	static const char *const all[] = { "A", "B", "C", "D" };
	const struct heap *ho = d->old->heap, *hn = d->new->heap;

	for (size_t k = 0; k < 4; k++) {
		int64_t delta = type_count(hn, all[k]) - type_count(ho, all[k]);
		int found = 0;
		for (uint32_t i = 0; i < d->n_types; i++) {
			const struct diff_type *t = &d->types[i];
			const char *nm = t->new_type != HEAP_NONE ? heap_string(hn, t->new_type, NULL)
				       : heap_string(ho, t->old_type, NULL);
			if (strcmp(nm, all[k]) == 0) {
				assert_int_equal(t->count_delta, delta);
				found++;
			}
		}
		assert_true(found <= 1);
		if (delta)
			assert_int_equal(found, 1);
	}
	for (uint32_t i = 1; i < d->n_types; i++)
		assert_true(d->types[i - 1].count_delta >= d->types[i].count_delta);
}

static void check_groups_by_path(const struct diff *d)
{
	const struct analysis *ao = d->old, *an = d->new;
	char k1[KEY_MAX], k2[KEY_MAX];
	uint64_t total = 0, listed = 0;

	/* Every node of NEW with a key that occurs more often in NEW than in
	 * OLD adds its surplus once, counted at the key's first node. */
	for (uint32_t v = 0; v < an->heap->n_nodes; v++) {
		int64_t n = 0, o = 0, first = 1;
		path_key(an, v, k1);
		if (!k1[0])
			continue;
		for (uint32_t u = 0; u < an->heap->n_nodes; u++) {
			path_key(an, u, k2);
			if (strcmp(k1, k2) == 0) {
				n++;
				if (u < v)
					first = 0;
			}
		}
		for (uint32_t u = 0; u < ao->heap->n_nodes; u++) {
			path_key(ao, u, k2);
			o += strcmp(k1, k2) == 0;
		}
		if (!first || n <= o)
			continue;
		total += (uint64_t)(n - o);
		/* The group sampled at v (lowest index of its key) says the same. */
		int seen = 0;
		for (uint32_t i = 0; i < d->n_groups; i++)
			if (d->groups[i].sample == v) {
				assert_int_equal(d->groups[i].growth, n - o);
				assert_int_equal(d->groups[i].new_count, n);
				assert_int_equal(d->groups[i].old_count, o);
				seen = 1;
			}
		assert_true(seen);
	}
	for (uint32_t i = 0; i < d->n_groups; i++)
		listed += (uint64_t)d->groups[i].growth;
	assert_int_equal(total, d->new_objects);
	assert_int_equal(listed, d->new_objects);
}

static void check_groups_by_id(const struct diff *d)
{
	const struct heap *ho = d->old->heap, *hn = d->new->heap;
	uint64_t fresh = 0, listed = 0;

	for (uint32_t v = 0; v < hn->n_nodes; v++) {
		int found = 0;
		for (uint32_t u = 0; u < ho->n_nodes; u++)
			if (ho->id[u] == hn->id[v] && strcmp(type_name(ho, u), type_name(hn, v)) == 0)
				found = 1;
		assert_int_equal(d->fresh[v], !found);
		fresh += !found && analysis_reachable(d->new, v);
	}
	for (uint32_t i = 0; i < d->n_groups; i++) {
		assert_int_equal(d->groups[i].old_count, 0);
		assert_true(d->fresh[d->groups[i].sample]);
		listed += d->groups[i].new_count;
	}
	assert_int_equal(fresh, d->new_objects);
	assert_int_equal(listed, fresh);
}

static void check_cycles_by_type(const struct diff *d)
{
	const struct analysis *ao = d->old, *an = d->new;
	static char k1[8 * ORACLE_MAXN * 3 * 64], k2[8 * ORACLE_MAXN * 3 * 64];
	uint64_t surplus = 0, listed = 0;

	for (uint32_t c = 0; c < an->n_cycles; c++) {
		int64_t n = 0, o = 0, first = 1;
		cycle_key(an, c, k1);
		for (uint32_t x = 0; x < an->n_cycles; x++) {
			cycle_key(an, x, k2);
			if (strcmp(k1, k2) == 0) {
				n++;
				first &= x >= c;
			}
		}
		for (uint32_t x = 0; x < ao->n_cycles; x++) {
			cycle_key(ao, x, k2);
			o += strcmp(k1, k2) == 0;
		}
		if (first && n > o)
			surplus += (uint64_t)(n - o);
	}
	for (uint32_t i = 0; i < d->n_cycles; i++)
		listed += d->cycles[i].count;
	assert_int_equal(surplus, listed);
}

static void check_cycles_by_id(const struct diff *d)
{
	const struct analysis *ao = d->old, *an = d->new;
	uint64_t appeared = 0, listed = 0;

	for (uint32_t c = 0; c < an->n_cycles; c++) {
		const struct analysis_cycle *cy = &an->cycles[c];
		int old = 0;
		for (uint32_t i = 0; i < cy->size; i++) {
			heap_node_t v = an->members[cy->members + i];
			for (uint32_t u = 0; u < ao->heap->n_nodes; u++)
				if (ao->heap->id[u] == an->heap->id[v] && !d->fresh[v] && ao->cycle[u] != HEAP_NONE)
					old = 1;
		}
		appeared += !old;
	}
	for (uint32_t i = 0; i < d->n_cycles; i++)
		listed += d->cycles[i].count;
	assert_int_equal(appeared, listed);
}

static void test_random_pairs(void **state)
{
	uint64_t seed = 12345;
	struct error err;

	(void)state;
	for (int r = 0; r < ROUNDS; r++) {
		oracle_round(__func__, r, seed);
		struct heap *ho = oracle_random_heap(&seed, 40), *hn = oracle_random_heap(&seed, 40);
		struct analysis *ao, *an;
		struct diff *d;

		assert_int_equal(analysis_run(ho, NULL, &ao, &err), 0);
		assert_int_equal(analysis_run(hn, NULL, &an, &err), 0);

		assert_int_equal(diff_run(ao, an, DIFF_AUTO, &d, &err), 0);
		assert_int_equal(d->matched_by, DIFF_BY_TYPE_AND_PATH);	/* not V8 */
		check_types(d);
		check_groups_by_path(d);
		check_cycles_by_type(d);
		diff_free(d);

		assert_int_equal(diff_run(ao, an, DIFF_BY_ID, &d, &err), 0);
		assert_int_equal(d->matched_by, DIFF_BY_ID);
		check_types(d);
		check_groups_by_id(d);
		check_cycles_by_id(d);
		diff_free(d);

		/* A heap against itself: nothing changed, whichever matching. */
		for (int m = DIFF_BY_ID; m <= DIFF_BY_TYPE_AND_PATH; m++) {
			assert_int_equal(diff_run(an, an, (enum diff_match)m, &d, &err), 0);
			assert_int_equal(d->n_types, 0);
			assert_int_equal(d->n_groups, 0);
			assert_int_equal(d->new_objects, 0);
			assert_int_equal(d->n_cycles, 0);
			diff_free(d);
		}
		analysis_free(ao);
		analysis_free(an);
		heap_free(ho);
		heap_free(hn);
	}
	oracle_rounds_done();
	diff_free(NULL);
}

/* module -cache-> dict -"kN"-> Session for n entries. */
static struct heap *keyed_cache(uint32_t n)
{
	struct heap_builder *b = heap_builder_new();
	struct error err;
	struct heap_node_rec r = { .size = 8, .generation = HEAP_GEN_UNKNOWN };
	struct heap *h;
	char key[32];

	r.id = 1;
	r.type = heap_builder_intern_cstr(b, "module");
	heap_builder_add_node(b, &r, &err);
	r.id = 2;
	r.type = heap_builder_intern_cstr(b, "dict");
	heap_builder_add_node(b, &r, &err);
	for (uint32_t i = 0; i < n; i++) {
		r.id = 10 + i;
		r.type = heap_builder_intern_cstr(b, "Session");
		heap_builder_add_node(b, &r, &err);
	}
	heap_builder_add_root(b, 0, 0, &err);
	heap_builder_add_edge(b, 0, 1, HEAP_EDGE_STRONG, heap_builder_intern_cstr(b, "cache"), &err);
	for (uint32_t i = 0; i < n; i++) {
		snprintf(key, sizeof key, "k%u", i);
		heap_builder_add_edge(b, 1, 2 + i, HEAP_EDGE_STRONG, heap_builder_intern_cstr(b, key), &err);
	}
	h = heap_builder_freeze(b, &err);
	heap_builder_free(b);
	assert_non_null(h);
	return h;
}

/* Entries of a wide dict keyed by strings group together; a narrow
 * object's field names keep objects apart. */
static void test_wide_container(void **state)
{
	struct heap *ho = keyed_cache(DIFF_WIDE + 10), *hn = keyed_cache(DIFF_WIDE + 40);
	struct heap *no = keyed_cache(3), *nn = keyed_cache(5);
	struct analysis *ao, *an, *bo, *bn;
	struct diff *d;
	struct error err;

	(void)state;
	assert_int_equal(analysis_run(ho, NULL, &ao, &err), 0);
	assert_int_equal(analysis_run(hn, NULL, &an, &err), 0);
	assert_int_equal(diff_run(ao, an, DIFF_AUTO, &d, &err), 0);
	assert_int_equal(d->n_groups, 1);
	assert_int_equal(d->groups[0].growth, 30);
	assert_int_equal(d->groups[0].old_count, DIFF_WIDE + 10);
	assert_int_equal(d->new_objects, 30);
	diff_free(d);
	/* Narrow: "k3" and "k4" are fields, each its own group of one. */
	assert_int_equal(analysis_run(no, NULL, &bo, &err), 0);
	assert_int_equal(analysis_run(nn, NULL, &bn, &err), 0);
	assert_int_equal(diff_run(bo, bn, DIFF_AUTO, &d, &err), 0);
	assert_int_equal(d->n_groups, 2);
	assert_int_equal(d->new_objects, 2);
	diff_free(d);
	analysis_free(ao);
	analysis_free(an);
	analysis_free(bo);
	analysis_free(bn);
	heap_free(ho);
	heap_free(hn);
	heap_free(no);
	heap_free(nn);
}

/* Ages: ids in A are old, in B only middle, else young. */
static void test_ages(void **state)
{
	uint64_t seed = 99;
	uint8_t gen[ORACLE_MAXN];
	uint64_t counts[3];

	(void)state;
	for (int r = 0; r < 100; r++) {
		oracle_round(__func__, r, seed);
		struct heap *a = oracle_random_heap(&seed, 20), *b = oracle_random_heap(&seed, 40);
		struct heap *c = oracle_random_heap(&seed, 64);
		uint64_t want[3] = { 0, 0, 0 };

		diff_ages(a, b, c, gen, counts);
		for (uint32_t v = 0; v < c->n_nodes; v++) {
			int in_a = 0, in_b = 0;
			for (uint32_t u = 0; u < a->n_nodes; u++)
				in_a |= a->id[u] == c->id[v];
			for (uint32_t u = 0; u < b->n_nodes; u++)
				in_b |= b->id[u] == c->id[v];
			assert_int_equal(gen[v], in_a ? 2 : in_b ? 1 : 0);
			want[gen[v]]++;
		}
		assert_memory_equal(counts, want, sizeof want);
		heap_free(a);
		heap_free(b);
		heap_free(c);
	}
	oracle_rounds_done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_random_pairs, oracle_teardown),
		cmocka_unit_test(test_wide_container),
		cmocka_unit_test_teardown(test_ages, oracle_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
