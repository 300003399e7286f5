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
		const char *ns = heap_string(h, nm, NULL);
		int digits = ns[0] && strspn(ns, "0123456789") == strlen(ns);
		snprintf(name, sizeof name, "-%s->", (nm & HEAP_NAME_INDEX) || wide || digits ? "[]" : ns);
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
			int k = heap_out_kind(h, e), dup = 0;
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
			if (heap_id(ho, u) == heap_id(hn, v) && strcmp(type_name(ho, u), type_name(hn, v)) == 0)
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
	/* each row's sample: of its shape, of the class (size, garbage or
	 * live) that grew most, the first of that class */
	for (uint32_t i = 0; i < d->n_cycles; i++) {
		uint32_t s = d->cycles[i].sample, best_first = 0;
		int64_t best = INT64_MIN, mine = 0;
		char k3[sizeof k2];
		cycle_key(an, s, k1);
		for (uint32_t x = 0; x < an->n_cycles; x++) {
			int64_t g = 0;
			uint32_t first = x;
			cycle_key(an, x, k2);
			if (strcmp(k1, k2) != 0)
				continue;
			for (uint32_t y = 0; y < an->n_cycles; y++) {
				if (an->cycles[y].size != an->cycles[x].size ||
				    an->cycles[y].garbage != an->cycles[x].garbage)
					continue;
				cycle_key(an, y, k3);
				if (strcmp(k1, k3) == 0) {
					g++;
					if (y < first)
						first = y;
				}
			}
			for (uint32_t y = 0; y < ao->n_cycles; y++) {
				if (ao->cycles[y].size != an->cycles[x].size ||
				    ao->cycles[y].garbage != an->cycles[x].garbage)
					continue;
				cycle_key(ao, y, k3);
				g -= strcmp(k1, k3) == 0;
			}
			if (g > best || (g == best && first < best_first)) {
				best = g;
				best_first = first;
			}
			if (x == s)
				mine = g;
		}
		assert_int_equal(mine, best);
		assert_int_equal(s, best_first);
	}
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
				if (heap_id(ao->heap, u) == heap_id(an->heap, v) && !d->fresh[v] && ao->cycle[u] != HEAP_NONE)
					old = 1;
		}
		appeared += !old;
	}
	for (uint32_t i = 0; i < d->n_cycles; i++)
		listed += d->cycles[i].count;
	assert_int_equal(appeared, listed);
}

/* ---- leak clusters, by brute force ---- */

enum {
	SIG_MAX = 8192
};

struct osig {
	char s[ORACLE_MAXN][SIG_MAX];	/* "" when no trace reaches the node */
	char step[ORACLE_MAXN][128];	/* the step that reaches it */
	heap_node_t parent[ORACLE_MAXN];
};

/* A reference a trace may use (trace.h), from the rules' own words: it
 * retains, is not named "meta" (the generator's meta references), and
 * leaves an object that is not a runtime object unless it is synthetic. */
static int oracle_follows(const struct heap *h, heap_node_t u, uint32_t e)
{
	int k = heap_out_kind(h, e);
	uint32_t nm = h->out_name[e];

	if ((h->flags[u] & HEAP_F_RUNTIME) && !(h->flags[u] & HEAP_F_SYNTHETIC))
		return 0;
	if (!(nm & HEAP_NAME_INDEX) && strcmp(heap_string(h, nm, NULL), "meta") == 0)
		return 0;
	return k == HEAP_EDGE_STRONG || k == HEAP_EDGE_INTERNAL ||
	       (k == HEAP_EDGE_SHORTCUT && (h->flags[u] & HEAP_F_SYNTHETIC));
}

/* The trace tree by a plain breadth-first search from the roots in index
 * order, and each node's signature as a string: the root's type, then
 * "-name->Type" per step, a step equal to the one before, or from an
 * element ("-[]->") to its own type, adding nothing,
 * an anchor starting afresh ("#id", or its type and name and its parent's
 * with the step's name). */
static void oracle_sigs(const struct analysis *a, int by_id, struct osig *o)
{
	const struct heap *h = a->heap;
	heap_node_t queue[ORACLE_MAXN];
	uint32_t head = 0, tail = 0;

	for (uint32_t v = 0; v < h->n_nodes; v++) {
		o->s[v][0] = 0;
		o->step[v][0] = 0;
		o->parent[v] = HEAP_NONE;
		if (a->dist[v] == 0) {
			snprintf(o->s[v], SIG_MAX, "ROOT:%s", type_name(h, v));
			queue[tail++] = v;
		}
	}
	while (head < tail) {
		heap_node_t u = queue[head++];
		for (uint32_t e = h->out_off[u]; e < h->out_off[u + 1]; e++) {
			heap_node_t w = h->out_to[e];
			const char *ns = heap_string(h, h->out_name[e], NULL);
			int wide = h->out_off[u + 1] - h->out_off[u] > DIFF_WIDE;
			int digits = ns[0] && strspn(ns, "0123456789") == strlen(ns);
			char name[64];
			if (o->s[w][0] || !oracle_follows(h, u, e))
				continue;
			snprintf(name, sizeof name, "%s", (h->out_name[e] & HEAP_NAME_INDEX) || wide || digits ? "[]" : ns);
			snprintf(o->step[w], sizeof o->step[w], "-%s->%s", name, type_name(h, w));
			o->parent[w] = u;
			if (h->flags[w] & HEAP_F_ANCHOR) {
				if (by_id)
					snprintf(o->s[w], SIG_MAX, "#%llu", (unsigned long long)heap_id(h, w));
				else
					snprintf(o->s[w], SIG_MAX, "A:%s/%s|%s/%s|%s", type_name(h, w),
						 heap_string(h, h->name[w], NULL), type_name(h, u),
						 heap_string(h, h->name[u], NULL), name);
				o->step[w][0] = 0;
			} else if (strcmp(o->step[w], o->step[u]) == 0 ||
				   (strcmp(type_name(h, w), type_name(h, u)) == 0 && strncmp(o->step[u], "-[]->", 5) == 0)) {
				strcpy(o->s[w], o->s[u]);
			} else {
				static char tmp[SIG_MAX];
				snprintf(tmp, sizeof tmp, "%s%s", o->s[u], o->step[w]);
				memcpy(o->s[w], tmp, sizeof tmp);
			}
			queue[tail++] = w;
		}
	}
}

static int64_t sig_count(const struct heap *h, const struct osig *o, const char *sig, int64_t *bytes)
{
	int64_t n = 0;

	for (uint32_t v = 0; v < h->n_nodes; v++)
		if (o->s[v][0] && strcmp(o->s[v], sig) == 0) {
			n++;
			*bytes += (int64_t)heap_size(h, v);
		}
	return n;
}

/* The signature above sig (the first ancestor of one of its nodes with
 * another), "" for a root's. */
static const char *sig_parent(const struct heap *h, const struct osig *o, const char *sig)
{
	for (uint32_t v = 0; v < h->n_nodes; v++) {
		heap_node_t u = v;
		if (strcmp(o->s[v], sig) != 0)
			continue;
		while (o->parent[u] != HEAP_NONE && strcmp(o->s[o->parent[u]], sig) == 0)
			u = o->parent[u];
		return o->parent[u] == HEAP_NONE ? "" : o->s[o->parent[u]];
	}
	return "";
}

static int64_t sig_growth(const struct heap *hn, const struct osig *on, const struct heap *ho,
			  const struct osig *oo, const char *sig, int64_t *bytes)
{
	int64_t bn = 0, bo = 0, g;

	if (!sig[0])
		return 0;
	g = sig_count(hn, on, sig, &bn) - sig_count(ho, oo, sig, &bo);
	*bytes = bn - bo;
	return g;
}

static void check_leaks(const struct diff *d)
{
	static struct osig on, oo;
	const struct heap *hn = d->new->heap, *ho = d->old->heap;
	int by_id = d->matched_by == DIFF_BY_ID;
	static char acc[ORACLE_MAXN][SIG_MAX];
	int64_t want_count[ORACLE_MAXN], want_bytes[ORACLE_MAXN];
	uint32_t n_acc = 0, matched = 0;

	oracle_sigs(d->new, by_id, &on);
	oracle_sigs(d->old, by_id, &oo);
	/* every growing signature, by its first node, climbs to its
	 * accumulation point */
	for (uint32_t v = 0; v < hn->n_nodes; v++) {
		int64_t bytes, pb;
		const char *s = on.s[v], *up;
		int first = 1;
		uint32_t k;
		if (!s[0] || sig_growth(hn, &on, ho, &oo, s, &bytes) <= 0)
			continue;
		for (uint32_t u = 0; u < v; u++)
			first &= strcmp(on.s[u], s) != 0;
		if (!first)
			continue;
		up = sig_parent(hn, &on, s);
		while (up[0] && sig_growth(hn, &on, ho, &oo, up, &pb) > 0)
			up = sig_parent(hn, &on, up);
		for (k = 0; k < n_acc && strcmp(acc[k], up) != 0; k++)
			;
		if (k == n_acc) {
			strcpy(acc[n_acc], up);
			want_count[k] = want_bytes[k] = 0;
			n_acc++;
		}
		want_count[k] += sig_growth(hn, &on, ho, &oo, s, &bytes);
		want_bytes[k] += bytes;
	}
	assert_int_equal(d->n_leaks, n_acc);
	for (uint32_t i = 0; i < d->n_leaks; i++) {
		const struct diff_leak *l = &d->leaks[i];
		const char *point = l->point == HEAP_NONE ? "" : on.s[l->point];
		int64_t tc = 0, tb = 0;
		for (uint32_t k = 0; k < n_acc; k++)
			if (strcmp(acc[k], point) == 0) {
				assert_int_equal(l->count, want_count[k]);
				assert_int_equal(l->retained_delta, want_bytes[k]);
				matched++;
			}
		/* the sample hangs from the point through the held reference;
		 * the types add up */
		assert_true(on.s[l->sample][0]);
		if (l->point != HEAP_NONE) {
			assert_true(hn->out_off[l->point] <= l->held_edge && l->held_edge < hn->out_off[l->point + 1]);
			assert_string_equal(on.s[hn->out_to[l->held_edge]], on.s[l->sample]);
		}
		for (uint32_t k = 0; k < l->n_types; k++) {
			tc += d->leak_types[l->types + k].count;
			tb += d->leak_types[l->types + k].bytes;
		}
		assert_int_equal(tc, l->count);
		assert_int_equal(tb, l->retained_delta);
		if (i)
			assert_true(d->leaks[i - 1].retained_delta >= l->retained_delta);
	}
	assert_int_equal(matched, n_acc);
}

static void test_leaks_random(void **state)
{
	uint64_t seed = 777;
	struct error err;

	(void)state;
	for (int r = 0; r < ROUNDS; r++) {
		struct heap *ho = r % 2 ? oracle_random_user_heap(&seed, 40) : oracle_random_heap(&seed, 40);
		struct heap *hn = r % 2 ? oracle_random_user_heap(&seed, 40) : oracle_random_heap(&seed, 40);
		struct analysis *ao, *an;
		struct diff *d;

		assert_int_equal(analysis_run(ho, NULL, &ao, &err), 0);
		assert_int_equal(analysis_run(hn, NULL, &an, &err), 0);
		for (int m = DIFF_BY_ID; m <= DIFF_BY_TYPE_AND_PATH; m++) {
			assert_int_equal(diff_run(ao, an, (enum diff_match)m, &d, &err), 0);
			check_leaks(d);
			diff_free(d);
		}
		/* against itself: no leak */
		assert_int_equal(diff_run(an, an, DIFF_BY_TYPE_AND_PATH, &d, &err), 0);
		assert_int_equal(d->n_leaks, 0);
		diff_free(d);
		analysis_free(ao);
		analysis_free(an);
		heap_free(ho);
		heap_free(hn);
	}
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

/* A Python program's heap: __main__'s namespace holds a cache (a dict
 * keyed by position) of n Quotes and a feed whose __dict__ holds a
 * listeners list of n Orders; `roots` more ints are roots themselves. */
static struct heap *python_service(uint32_t n, uint32_t roots)
{
	struct heap_builder *b = heap_builder_new();
	struct error err;
	struct heap_node_rec r = { .size = 8, .generation = HEAP_GEN_UNKNOWN };
	static const char *const types[] = { "module", "dict", "dict", "__main__.PriceFeed", "dict", "list" };
	static const char *const names[] = { "__main__", "__main__.__dict__", "", "", "", "" };
	static const struct { heap_node_t from, to; const char *name; uint8_t kind; } edges[] = {
		{ 0, 1, "__dict__", HEAP_EDGE_STRONG | HEAP_EDGE_META }, { 1, 2, "cache", HEAP_EDGE_STRONG },
		{ 1, 3, "feed", HEAP_EDGE_STRONG }, { 3, 4, "__dict__", HEAP_EDGE_STRONG },
		{ 4, 5, "listeners", HEAP_EDGE_STRONG },
	};
	struct heap *h;
	char key[32];

	for (uint32_t i = 0; i < 6; i++) {
		r.id = 1 + i;
		r.type = heap_builder_intern_cstr(b, types[i]);
		r.name = heap_builder_intern_cstr(b, names[i]);
		r.flags = i < 2 ? HEAP_F_ANCHOR : 0;
		heap_builder_add_node(b, &r, &err);
	}
	r.name = 0;
	r.flags = 0;
	for (uint32_t i = 0; i < 2 * n + roots; i++) {
		r.id = 100 + i;
		r.type = heap_builder_intern_cstr(b, i < n ? "__main__.Quote" : i < 2 * n ? "__main__.Order" : "int");
		heap_builder_add_node(b, &r, &err);
	}
	assert_int_equal(heap_builder_index(b, NULL, NULL), 0);
	heap_builder_add_root(b, 0, 0, &err);
	heap_builder_add_root(b, 1, 0, &err);	/* as CPython's roots include it */
	for (uint32_t i = 0; i < roots; i++)
		heap_builder_add_root(b, 6 + 2 * n + i, 0, &err);
	for (size_t i = 0; i < sizeof edges / sizeof *edges; i++)
		heap_builder_add_edge(b, edges[i].from, edges[i].to, (enum heap_edge_kind)edges[i].kind,
				      heap_builder_intern_cstr(b, edges[i].name), &err);
	for (uint32_t i = 0; i < n; i++) {
		snprintf(key, sizeof key, "%u", i);
		heap_builder_add_edge(b, 2, 6 + i, HEAP_EDGE_STRONG, heap_builder_intern_cstr(b, key), &err);
		heap_builder_add_edge(b, 5, 6 + n + i, HEAP_EDGE_STRONG, HEAP_NAME_INDEX | i, &err);
	}
	h = heap_builder_freeze(b, &err);
	heap_builder_free(b);
	assert_non_null(h);
	return h;
}

/* Where a cluster is reads as the program would write it: a namespace as
 * its module, an instance's __dict__ as the instance; objects that are
 * roots themselves say "(roots)". */
static void test_access(void **state)
{
	struct heap *ho = python_service(3, 0), *hn = python_service(13, 5);
	struct analysis *ao, *an;
	struct diff *d;
	struct error err;
	char where[128];
	int seen = 0;

	(void)state;
	assert_int_equal(analysis_run(ho, NULL, &ao, &err), 0);
	assert_int_equal(analysis_run(hn, NULL, &an, &err), 0);
	assert_int_equal(diff_run(ao, an, DIFF_AUTO, &d, &err), 0);
	assert_int_equal(d->n_leaks, 3);
	for (uint32_t i = 0; i < d->n_leaks; i++) {
		diff_leak_access(d, i, where, sizeof where);
		if (strcmp(where, "__main__.cache[]") == 0 || strcmp(where, "__main__.feed.listeners[]") == 0) {
			assert_int_equal(d->leaks[i].count, 10);
			seen |= where[9] == 'c' ? 1 : 2;
		} else {
			assert_string_equal(where, "(roots)");
			assert_int_equal(d->leaks[i].count, 5);
			seen |= 4;
		}
	}
	assert_int_equal(seen, 7);
	diff_leak_access(d, 0, where, 1);
	assert_string_equal(where, "");
	diff_free(d);
	analysis_free(ao);
	analysis_free(an);
	heap_free(ho);
	heap_free(hn);
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
				in_a |= heap_id(a, u) == heap_id(c, v);
			for (uint32_t u = 0; u < b->n_nodes; u++)
				in_b |= heap_id(b, u) == heap_id(c, v);
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
		cmocka_unit_test(test_leaks_random),
		cmocka_unit_test(test_wide_container),
		cmocka_unit_test_teardown(test_ages, oracle_teardown),
		cmocka_unit_test(test_access),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
