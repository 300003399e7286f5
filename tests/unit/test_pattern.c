/* Cycle patterns (pattern.h): the sort of a shape's triples against qsort
 * with a plain comparison; rings whose patterns, sizes and signatures are
 * known by construction, on a heap big enough for the analysis' second
 * thread; the shapes found by two threads at once against one; and the
 * member that stands for each cycle (analysis_cycle_face()). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/analysis.h"
#include "graph/cycles.h"
#include "graph/pattern.h"
#include "graph/scc.h"

static uint64_t rng;

static uint32_t next32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static int plain_cmp(const void *pa, const void *pb)
{
	const struct pattern_ctriple *a = pa, *b = pb;
	const uint32_t ka[4] = { a->cycle, a->t.from, a->t.to, a->t.name };
	const uint32_t kb[4] = { b->cycle, b->t.from, b->t.to, b->t.name };

	for (int i = 0; i < 4; i++)
		if (ka[i] != kb[i])
			return ka[i] < kb[i] ? -1 : 1;
	return 0;
}

/* A field drawn from few values (ties), from values that differ in one
 * byte only, or from all 32 bits. */
static uint32_t field(int mode, uint32_t base)
{
	switch (mode) {
	case 0: return next32() % 4;
	case 1: return base + (next32() % 3) * 0x01000000u;
	case 2: return base + next32() % 300;
	default: return next32();
	}
}

static void test_sort_matches_qsort(void **state)
{
	static const uint32_t sizes[] = { 0, 1, 2, 3, 47, 48, 49, 50, 257, 5000, 100000 };
	uint32_t max = 100000;
	struct pattern_ctriple *a = malloc(max * sizeof *a), *want = malloc(max * sizeof *a);
	struct pattern_ctriple *tmp = malloc(max * sizeof *a);

	(void)state;
	for (uint64_t seed = 1; seed <= 6; seed++) {
		rng = 0x9e3779b97f4a7c15ull * seed;
		for (uint32_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
			uint32_t n = sizes[s];
			/* per field a mode: mode 4 names are positions (the
			 * folded name is HEAP_NAME_INDEX) half the time */
			int mc = (int)(next32() % 4), mf = (int)(next32() % 4);
			int mt = (int)(next32() % 4), mn = (int)(next32() % 5);
			uint32_t bf = next32(), bt = next32() & 0xffffff;
			uint32_t bn = next32() & 0x7fffffff;
			for (uint32_t i = 0; i < n; i++) {
				a[i].cycle = field(mc, 7);
				a[i].t.from = field(mf, bf);
				a[i].t.to = field(mt, bt);
				a[i].t.name = mn != 4	     ? field(mn, bn) :
					      next32() % 2 ? HEAP_NAME_INDEX :
							     next32() % 5;
			}
			memcpy(want, a, (size_t)n * sizeof *a);
			qsort(want, n, sizeof *want, plain_cmp);
			pattern_sort(a, tmp, n);
			for (uint32_t i = 0; i < n; i++)
				if (plain_cmp(&a[i], &want[i])) {
					fprintf(stderr, "seed %llu size %u: differs at %u\n",
						(unsigned long long)seed, n, i);
					fail();
				}
		}
	}
	free(tmp);
	free(want);
	free(a);
}

/* P + 1 ring patterns, R rings each.  Ring pattern p < P has L(p) =
 * 2 + p % 5 members of types T(p), T(p+1), ..., member i referring to
 * member i+1 by name N((3p + i) mod NN), the last to the first; when p % 3
 * is 0, member 0 refers to member 1 by a second name too.  Pattern P is
 * the same with LONG members from type T(BASE) (more type pairs than a
 * signature spells out), member 0 referring to member 1 by WIDE more names
 * (w0, w1, ...: more than a signature spells out).  Each ring's first member is a root.  So every
 * ring is one cycle, entered at its first member; pattern p has L(p)
 * distinct triples (+1 for the second name), no two patterns have the
 * same, and the signature walks the ring from its first type. */
enum {
	P = 180, R = 160, NT = 211, NN = 13, LONG = 30, BASE = 100, WIDE = 200
};

static uint32_t ring_len(uint32_t p)
{
	return p == P ? LONG : 2 + p % 5;
}

static uint32_t ring_type(uint32_t p, uint32_t i)
{
	return (p == P ? BASE : p) + i % ring_len(p);
}

static uint32_t ring_name(uint32_t p, uint32_t i)
{
	return (3 * p + i) % NN;
}

static int second_name(uint32_t p)
{
	return p < P && p % 3 == 0;
}

static struct heap *rings(void)
{
	struct heap_builder *b = heap_builder_new();
	heap_str_t type[NT], name[NN], wide[WIDE];
	struct error err;
	struct heap *h;
	uint32_t v = 0;

	/* interned in order: offsets ascend with the numbers */
	for (uint32_t t = 0; t < NT; t++) {
		char s[16];
		snprintf(s, sizeof s, "T%u", t);
		type[t] = heap_builder_intern_cstr(b, s);
	}
	for (uint32_t k = 0; k < NN; k++) {
		char s[16];
		snprintf(s, sizeof s, "n%u", k);
		name[k] = heap_builder_intern_cstr(b, s);
	}
	for (uint32_t k = 0; k < WIDE; k++) {
		char s[16];
		snprintf(s, sizeof s, "w%u", k);
		wide[k] = heap_builder_intern_cstr(b, s);
	}
	/* the rings of one pattern far apart in node order */
	for (uint32_t r = 0; r < R; r++)
		for (uint32_t p = 0; p <= P; p++) {
			uint32_t len = ring_len(p);
			for (uint32_t i = 0; i < len; i++) {
				struct heap_node_rec rec = {
					.id = v + i, .type = type[ring_type(p, i)], .size = 8,
					.generation = HEAP_GEN_UNKNOWN
				};
				assert_int_equal(heap_builder_add_node(b, &rec, &err), v + i);
			}
			for (uint32_t i = 0; i < len; i++)
				heap_builder_add_edge(b, v + i, v + (i + 1) % len, HEAP_EDGE_STRONG,
						      name[ring_name(p, i)], &err);
			if (second_name(p))
				heap_builder_add_edge(b, v, v + 1, HEAP_EDGE_STRONG,
						      name[ring_name(p, 7)], &err);
			for (uint32_t k = 0; p == P && k < WIDE; k++)
				heap_builder_add_edge(b, v, v + 1, HEAP_EDGE_STRONG, wide[k], &err);
			heap_builder_add_root(b, v, 0, &err);
			v += len;
		}
	h = heap_builder_freeze(b, &err);
	heap_builder_free(b);
	assert_non_null(h);
	return h;
}

/* The walk from the first type; past 24 type pairs (pattern.c's
 * MAX_PAIRS, the first ones by source type) what is left is counted. */
static void expected_signature(uint32_t p, char *out, size_t cap)
{
	size_t len = 0;
	uint32_t n = ring_len(p), steps = n > 24 ? 24 : n;

	len += (size_t)snprintf(out + len, cap - len, "T%u", ring_type(p, 0));
	for (uint32_t i = 0; i < steps; i++) {
		uint32_t a = ring_name(p, i);
		if (i == 0 && p == P) {
			/* the first 4 names by offset, then how many more */
			len += (size_t)snprintf(out + len, cap - len, " -n%u|w0|w1|w2|+%u->", a,
						WIDE + 1 - 4);
		} else if (i == 0 && second_name(p)) {
			uint32_t b = ring_name(p, 7);
			len += (size_t)snprintf(out + len, cap - len, " -n%u|n%u->", a < b ? a : b,
						a < b ? b : a);
		} else {
			len += (size_t)snprintf(out + len, cap - len, " -n%u->", a);
		}
		len += (size_t)snprintf(out + len, cap - len, " T%u", ring_type(p, i + 1));
	}
	if (steps < n)
		snprintf(out + len, cap - len, ", ... (%u more)", n - steps);
}

static void test_ring_patterns(void **state)
{
	struct heap *h = rings();
	struct analysis *a;
	struct error err;
	uint32_t *pattern_of = malloc((P + 1) * sizeof *pattern_of);
	uint8_t *taken;
	heap_node_t v = 0;

	(void)state;
	assert_true(h->n_nodes >= 100000);	/* the analysis' two threads */
	assert_int_equal(analysis_run(h, NULL, &a, &err), 0);
	assert_int_equal(a->n_cycles, (P + 1) * R);
	assert_int_equal(a->n_patterns, P + 1);
	taken = calloc(P + 1, 1);
	for (uint32_t r = 0; r < R; r++)
		for (uint32_t p = 0; p <= P; p++) {
			const struct analysis_cycle *cy = &a->cycles[a->cycle[v]];
			assert_int_equal(cy->size, ring_len(p));
			if (r == 0) {
				char want[512];
				const struct analysis_pattern *pt = &a->patterns[cy->pattern];
				uint32_t links = ring_len(p) + second_name(p) + (p == P ? WIDE : 0);
				assert_false(taken[cy->pattern]);
				taken[cy->pattern] = 1;
				pattern_of[p] = cy->pattern;
				assert_int_equal(pt->n_links, links);
				assert_int_equal(pt->instances, R);
				/* entered at their first members: that type heads them */
				assert_int_equal(pt->lead, h->type[v]);
				expected_signature(p, want, sizeof want);
				assert_string_equal(analysis_pattern_signature(a, cy->pattern),
						    want);
			}
			assert_int_equal(cy->pattern, pattern_of[p]);
			v += ring_len(p);
		}
	free(taken);
	free(pattern_of);
	analysis_free(a);
	heap_free(h);
}

static void *help_one(void *arg)
{
	pattern_shapes_help(arg, 1);
	return NULL;
}

/* The same shapes, taken type by type by two threads at once, as by one. */
static void test_two_helpers(void **state)
{
	struct heap *h = rings();
	uint32_t n = h->n_nodes, n_comp;
	uint32_t *comp = malloc(n * sizeof *comp), *dist = calloc(n, sizeof *dist);
	uint8_t *mark = calloc(n, 1);
	struct cycles_found one = { .pend = NULL }, two = { .pend = NULL };
	struct pattern_shapes ps1, ps2;
	struct pattern_work *w;
	struct error err;
	pthread_t t;

	(void)state;
	assert_int_equal(scc_compute_user(h, comp, &n_comp, NULL, &err), 0);
	cycles_find(h, 1, comp, n_comp, mark, &one);
	cycles_find(h, 1, comp, n_comp, mark, &two);
	assert_int_equal(one.nc, (P + 1) * R);
	pattern_shapes(h, &one, comp, dist, &ps1);
	w = pattern_shapes_begin(h, &two, comp, dist);
	assert_int_equal(pthread_create(&t, NULL, help_one, w), 0);
	pattern_shapes_help(w, 0);
	pthread_join(t, NULL);
	pattern_shapes_end(w, &two, &ps2);
	assert_int_equal(ps1.n, P + 1);
	assert_int_equal(ps2.n, ps1.n);
	for (uint32_t g = 0; g < ps1.n; g++) {
		assert_int_equal(ps2.n_links[g], ps1.n_links[g]);
		assert_int_equal(ps2.lead[g], ps1.lead[g]);
		assert_true(ps2.key[g] == ps1.key[g]);
		assert_string_equal(ps2.text + ps2.signature[g], ps1.text + ps1.signature[g]);
	}
	for (uint32_t i = 0; i < one.nc; i++)
		assert_int_equal(two.pend[i].shape, one.pend[i].shape);
	pattern_shapes_fini(&ps1);
	pattern_shapes_fini(&ps2);
	cycles_found_fini(&one);
	cycles_found_fini(&two);
	free(mark);
	free(dist);
	free(comp);
	heap_free(h);
}

/* Rings A -a-> B -b-> C -c-> A of one shape: GARBAGE of them that nothing
 * refers to, LIVE that a root enters at two members (held, then, by the
 * root, not by a member), and HELD that a root enters at one member of
 * type B.  Each ring's members are added in a rotated order (the ring r
 * starts at type r % 3) and with sizes that make a different member the
 * largest in each rotation, so neither the first member nor the one that
 * retains most has one type across the rings.  The member that stands for
 * a cycle is the one its holder is when a member holds it, else a member
 * of the type the pattern's signature starts at: one type for the whole
 * pattern. */
enum {
	GARBAGE = 30, LIVE = 12, HELD = 9
};

static void test_faces(void **state)
{
	struct heap_builder *b = heap_builder_new();
	heap_str_t type[3], name[3], root_type;
	struct error err;
	struct heap *h;
	struct analysis *a;
	heap_node_t v = 0, root;
	uint32_t held = 0, lead_rows = 0;

	(void)state;
	type[0] = heap_builder_intern_cstr(b, "A");
	type[1] = heap_builder_intern_cstr(b, "B");
	type[2] = heap_builder_intern_cstr(b, "C");
	name[0] = heap_builder_intern_cstr(b, "a");
	name[1] = heap_builder_intern_cstr(b, "b");
	name[2] = heap_builder_intern_cstr(b, "c");
	root_type = heap_builder_intern_cstr(b, "Root");
	{
		struct heap_node_rec rec = { .id = 1000000, .type = root_type, .size = 8,
					     .generation = HEAP_GEN_UNKNOWN };
		root = heap_builder_add_node(b, &rec, &err);
		heap_builder_add_root(b, root, 0, &err);
	}
	v = root + 1;
	for (uint32_t r = 0; r < GARBAGE + LIVE + HELD; r++, v += 3) {
		heap_node_t of[3];	/* the node of each type */
		for (uint32_t i = 0; i < 3; i++) {
			uint32_t t = (r + i) % 3;
			struct heap_node_rec rec = { .id = v + i, .type = type[t],
						     .size = 8 + 40 * (i == r / 3 % 3),
						     .generation = HEAP_GEN_UNKNOWN };
			of[t] = heap_builder_add_node(b, &rec, &err);
			assert_int_equal(of[t], v + i);
		}
		for (uint32_t t = 0; t < 3; t++)
			heap_builder_add_edge(b, of[t], of[(t + 1) % 3], HEAP_EDGE_STRONG, name[t], &err);
		if (r >= GARBAGE + LIVE) {
			heap_builder_add_edge(b, root, of[1], HEAP_EDGE_STRONG, name[0], &err);
		} else if (r >= GARBAGE) {
			heap_builder_add_edge(b, root, of[r % 3], HEAP_EDGE_STRONG, name[0], &err);
			heap_builder_add_edge(b, root, of[(r + 1) % 3], HEAP_EDGE_STRONG, name[1], &err);
		}
	}
	h = heap_builder_freeze(b, &err);
	heap_builder_free(b);
	assert_non_null(h);
	assert_int_equal(analysis_run(h, NULL, &a, &err), 0);
	assert_int_equal(a->n_cycles, GARBAGE + LIVE + HELD);
	assert_int_equal(a->n_patterns, 1);
	{
		const struct analysis_pattern *pt = &a->patterns[0];
		size_t len;
		const char *lead = heap_string(h, pt->lead, &len);
		const char *sig = analysis_pattern_signature(a, 0);
		/* the signature starts at the lead type */
		assert_true(len == 1 && strncmp(sig, lead, 1) == 0 && sig[1] == ' ');
		for (uint32_t c = 0; c < a->n_cycles; c++) {
			const struct analysis_cycle *cy = &a->cycles[c];
			heap_node_t f = analysis_cycle_face(a, c);
			assert_int_equal(a->cycle[f], c);
			if (cy->holder != HEAP_NONE && a->cycle[cy->holder] == c) {
				/* held by a member: that member, of type B */
				assert_int_equal(f, cy->holder);
				assert_int_equal(h->type[f], type[1]);
				held++;
			} else {
				assert_int_equal(h->type[f], pt->lead);
				lead_rows++;
			}
		}
	}
	assert_int_equal(held, HELD);
	assert_int_equal(lead_rows, GARBAGE + LIVE);
	analysis_free(a);
	heap_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sort_matches_qsort),
		cmocka_unit_test(test_ring_patterns),
		cmocka_unit_test(test_two_helpers),
		cmocka_unit_test(test_faces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
