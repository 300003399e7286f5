/* Unit tests of graph/export (selection, caps, layout, percent-encoding)
 * and of the DOT loader's state between reads.  Expected sets are worked
 * out by hand in the comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/oracle.h"

#include "graph/export.h"
#include "graph/heap.h"
#include "loaders/loader.h"

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* A heap of n nodes (ids 0..n-1, type "T") and the given edges. */
static struct heap *make_heap(uint32_t n, const uint32_t (*edges)[2], uint32_t n_edges)
{
	struct heap_builder *b = heap_builder_new();
	struct error err;
	struct heap *h;
	heap_str_t t = heap_builder_intern_cstr(b, "T");
	heap_str_t next = heap_builder_intern_cstr(b, "next");

	for (uint32_t i = 0; i < n; i++) {
		struct heap_node_rec rec = { .id = i, .type = t, .size = 16, .generation = HEAP_GEN_UNKNOWN };
		assert_int_not_equal(heap_builder_add_node(b, &rec, &err), HEAP_NONE);
	}
	assert_int_equal(heap_builder_index(b, &(heap_node_t){ 0 }, &(heap_node_t){ 0 }), 0);
	for (uint32_t i = 0; i < n_edges; i++)
		assert_int_equal(heap_builder_add_edge(b, edges[i][0], edges[i][1], HEAP_EDGE_STRONG, next, &err), 0);
	h = heap_builder_freeze(b, &err);
	heap_builder_free(b);
	assert_non_null(h);
	return h;
}

static struct heap *ring(uint32_t n)
{
	uint32_t (*e)[2] = malloc(n * sizeof *e);
	struct heap *h;

	for (uint32_t i = 0; i < n; i++) {
		e[i][0] = i;
		e[i][1] = (i + 1) % n;
	}
	h = make_heap(n, (const uint32_t (*)[2])e, n);
	free(e);
	return h;
}

static void test_pct_roundtrip(void **state)
{
	(void)state;
	for (int round = 0; round < 2000; round++) {
		oracle_round(__func__, round, rng_state);
		char in[64], copy[64 * 3 + 1];
		size_t len = (size_t)(rnd() % sizeof in), n;
		char *enc;
		for (size_t i = 0; i < len; i++)
			in[i] = (char)(round == 0 ? (int)i * 4 : (int)(rnd() & 0xff));
		if (round == 1) {	/* a bidi override and a trailing backslash */
			memcpy(in, "a\xe2\x80\xae" "b\\", 6);
			len = 6;
		}
		enc = export_pct_encode(in, len);
		for (const char *p = enc; *p; p++) {
			unsigned char c = (unsigned char)*p;
			assert_true(c >= 0x20 && c != 0x7f && c != '"' && c != '\\');
		}
		assert_null(strstr(enc, "\xe2\x80\xae"));
		n = strlen(enc);
		memcpy(copy, enc, n + 1);
		assert_int_equal(export_pct_decode(copy, n), len);
		assert_memory_equal(copy, in, len);
		free(enc);
	}
	oracle_rounds_done();
	{
		char bad[] = "50%", bad2[] = "%zz";
		assert_int_equal(export_pct_decode(bad, 3), (size_t)-1);
		assert_int_equal(export_pct_decode(bad2, 3), (size_t)-1);
	}
}

static void test_format_from_path(void **state)
{
	enum export_format f;
	struct error err;

	(void)state;
	assert_int_equal(export_format_from_path("a/b.svg", &f, &err), 0);
	assert_int_equal(f, EXPORT_SVG);
	assert_int_equal(export_format_from_path("X.PNG", &f, &err), 0);
	assert_int_equal(f, EXPORT_PNG);
	assert_int_equal(export_format_from_path("x.gv", &f, &err), 0);
	assert_int_equal(f, EXPORT_DOT);
	assert_int_equal(export_format_from_path("x.pdf", &f, &err), 0);
	assert_int_equal(f, EXPORT_PDF);
	assert_int_equal(export_format_from_path("dir.svg/x", &f, &err), -1);
	assert_int_equal(export_format_from_path(".svg", &f, &err), -1);
	assert_int_equal(export_format_from_path("x.jpg", &f, &err), -1);
	assert_non_null(strstr(err.msg, "unknown output extension"));
}

/* A 5-ring: every node and reference laid out, splines start and end at
 * the boxes they join. */
static void test_layout_ring(void **state)
{
	struct heap *h = ring(5);
	heap_node_t members[] = { 4, 2, 0, 1, 3, 3 };
	struct export_spec spec = { .what = EXPORT_CYCLE, .nodes = members, .n_nodes = 6 };
	struct export_layout *l;
	struct error err;

	(void)state;
	assert_int_equal(export_layout_new(h, &spec, &l, &err), 0);
	assert_int_equal(l->n_nodes, 5);
	assert_int_equal(l->n_edges, 5);
	assert_int_equal(l->more, 0);
	assert_true(l->width > 0 && l->height > 0);
	for (uint32_t i = 0; i < 5; i++) {
		assert_int_equal(l->nodes[i].node, i);	/* ascending id */
		assert_true(l->nodes[i].width > 10 && l->nodes[i].height > 10);
		for (uint32_t j = 0; j < i; j++)
			assert_true(l->nodes[i].x != l->nodes[j].x || l->nodes[i].y != l->nodes[j].y);
	}
	for (uint32_t i = 0; i < l->n_edges; i++) {
		const struct export_ledge *e = &l->edges[i];
		const struct export_lnode *a = &l->nodes[e->from], *b = &l->nodes[e->to];
		const struct export_point *p0 = &l->points[e->first_point];
		const struct export_point *p1 = &l->points[e->first_point + e->n_points - 1];
		assert_int_equal(h->out_to[e->edge], l->nodes[e->to].node);
		assert_true(e->n_points >= 4 && (e->n_points - 1) % 3 == 0);
		assert_true(e->to == (e->from + 1) % 5);
		/* the spline starts on a's box and ends near b's box (the arrow head
		 * takes the last few points) */
		assert_true(p0->x >= a->x - a->width / 2 - 1 && p0->x <= a->x + a->width / 2 + 1);
		assert_true(p0->y >= a->y - a->height / 2 - 1 && p0->y <= a->y + a->height / 2 + 1);
		assert_true(p1->x >= b->x - b->width / 2 - 15 && p1->x <= b->x + b->width / 2 + 15);
		assert_true(p1->y >= b->y - b->height / 2 - 15 && p1->y <= b->y + b->height / 2 + 15);
	}
	export_layout_free(l);
	heap_free(h);
}

static int has_node(const struct export_layout *l, heap_node_t v)
{
	for (uint32_t i = 0; i < l->n_nodes; i++)
		if (l->nodes[i].node == v)
			return 1;
	return 0;
}

/* A 50-ring capped at 10: the walk from id 0 goes both ways round the
 * ring, 0 1 49 2 48 3 47 4 46 5, so those are drawn, and 40 are summed up. */
static void test_cycle_cap(void **state)
{
	struct heap *h = ring(50);
	heap_node_t members[50];
	static const heap_node_t drawn[] = { 0, 1, 2, 3, 4, 5, 46, 47, 48, 49 };
	struct export_spec spec = { .what = EXPORT_CYCLE, .nodes = members, .n_nodes = 50, .max_nodes = 10 };
	struct export_layout *l;
	struct error err;
	uint32_t links = 0;

	(void)state;
	for (uint32_t i = 0; i < 50; i++)
		members[i] = 49 - i;
	assert_int_equal(export_layout_new(h, &spec, &l, &err), 0);
	assert_int_equal(l->n_nodes, 11);
	assert_int_equal(l->more, 40);
	assert_int_equal(l->nodes[10].node, HEAP_NONE);
	for (size_t i = 0; i < sizeof drawn / sizeof drawn[0]; i++)
		assert_true(has_node(l, drawn[i]));
	/* references among the drawn: 0->1 ... 4->5 and 46->47 ... 49->0 = 9;
	 * links: 5 -> more, more -> 46 */
	for (uint32_t i = 0; i < l->n_edges; i++)
		links += l->edges[i].edge == UINT32_MAX;
	assert_int_equal(links, 2);
	assert_int_equal(l->n_edges, 11);
	export_layout_free(l);
	heap_free(h);
}

/* A star: hub 0 refers to leaves 1..30.  Centred on the hub, every leaf
 * is drawn; centred on leaf 1 at depth 2, the hub (not the centre) walks
 * only FAN_OUT = 10 of its references: leaf 1 itself and leaves 2..10. */
static void test_fan_out(void **state)
{
	uint32_t e[30][2];
	struct heap *h;
	struct export_spec spec = { .what = EXPORT_OBJECT, .object = 0, .depth = 1 };
	struct export_layout *l;
	struct error err;

	(void)state;
	for (uint32_t i = 0; i < 30; i++) {
		e[i][0] = 0;
		e[i][1] = i + 1;
	}
	h = make_heap(31, (const uint32_t (*)[2])e, 30);
	assert_int_equal(export_layout_new(h, &spec, &l, &err), 0);
	assert_int_equal(l->n_nodes, 31);
	assert_int_equal(l->n_edges, 30);
	export_layout_free(l);

	spec.object = 1;
	spec.depth = 2;
	assert_int_equal(export_layout_new(h, &spec, &l, &err), 0);
	assert_int_equal(l->n_nodes, 11 + 1);
	for (heap_node_t v = 0; v <= 10; v++)
		assert_true(has_node(l, v));
	assert_false(has_node(l, 11));
	assert_int_equal(l->more, 0);	/* no object met was left out ... */
	assert_int_equal(l->nodes[11].node, HEAP_NONE);	/* ... but references were */
	export_layout_free(l);

	spec.depth = 0;
	assert_int_equal(export_layout_new(h, &spec, &l, &err), 0);
	assert_int_equal(l->n_nodes, 1);
	assert_int_equal(l->n_edges, 0);
	export_layout_free(l);

	spec.depth = EXPORT_MAX_DEPTH + 1;
	assert_int_equal(export_layout_new(h, &spec, &l, &err), -1);
	assert_null(l);
	spec.depth = 1;
	spec.object = 31;
	assert_int_equal(export_layout_new(h, &spec, &l, &err), -1);
	assert_non_null(strstr(err.msg, "out of range"));
	heap_free(h);
}

/* A Python module 0 with namespace dict 1 holding globals 2, 3, 4; 2
 * refers to 5.  Around 2 at depth 3 the walk meets 1 and 5 but does not
 * walk through the namespace (objgraph stops at modules): 0, 3 and 4 are
 * not drawn.  Around the dict itself (the centre is always walked) they
 * are. */
static void test_module_namespace_is_a_hub(void **state)
{
	struct heap_builder *b = heap_builder_new();
	struct error err;
	struct heap *h;
	struct export_layout *l;
	struct export_spec spec = { .what = EXPORT_OBJECT, .object = 2, .depth = 3 };
	heap_str_t module = heap_builder_intern_cstr(b, "module");
	heap_str_t dict = heap_builder_intern_cstr(b, "dict");
	heap_str_t obj = heap_builder_intern_cstr(b, "object");
	heap_str_t ns = heap_builder_intern_cstr(b, "__dict__");
	heap_str_t x = heap_builder_intern_cstr(b, "x");

	(void)state;
	for (uint32_t i = 0; i < 6; i++) {
		struct heap_node_rec rec = { .id = i, .type = i == 0 ? module : i == 1 ? dict : obj,
					     .generation = HEAP_GEN_UNKNOWN };
		heap_builder_add_node(b, &rec, &err);
	}
	assert_int_equal(heap_builder_index(b, &(heap_node_t){ 0 }, &(heap_node_t){ 0 }), 0);
	assert_int_equal(heap_builder_add_edge(b, 0, 1, HEAP_EDGE_STRONG, ns, &err), 0);
	for (uint32_t g = 2; g <= 4; g++)
		assert_int_equal(heap_builder_add_edge(b, 1, g, HEAP_EDGE_STRONG, x, &err), 0);
	assert_int_equal(heap_builder_add_edge(b, 2, 5, HEAP_EDGE_STRONG, x, &err), 0);
	h = heap_builder_freeze(b, &err);
	heap_builder_free(b);
	assert_int_equal(export_layout_new(h, &spec, &l, &err), 0);
	assert_int_equal(l->n_nodes, 3);
	assert_true(has_node(l, 1) && has_node(l, 2) && has_node(l, 5));
	export_layout_free(l);
	spec.object = 1;
	assert_int_equal(export_layout_new(h, &spec, &l, &err), 0);
	assert_int_equal(l->n_nodes, 6);
	export_layout_free(l);
	heap_free(h);
}

/* A chain 0 -> 1 -> ... -> 19 drawn as a path with max 6: 0 1 2, a
 * "more" standing for 14, then 17 18 19. */
static void test_path_cap(void **state)
{
	uint32_t e[19][2];
	heap_node_t chain[20];
	struct heap *h;
	struct export_spec spec = { .what = EXPORT_PATH, .nodes = chain, .n_nodes = 20, .max_nodes = 6 };
	struct export_layout *l;
	struct error err;

	(void)state;
	for (uint32_t i = 0; i < 19; i++) {
		e[i][0] = i;
		e[i][1] = i + 1;
	}
	for (uint32_t i = 0; i < 20; i++)
		chain[i] = i;
	h = make_heap(20, (const uint32_t (*)[2])e, 19);
	assert_int_equal(export_layout_new(h, &spec, &l, &err), 0);
	assert_int_equal(l->n_nodes, 7);
	assert_int_equal(l->more, 14);
	for (heap_node_t v = 0; v < 20; v++)
		assert_int_equal(has_node(l, v), v < 3 || v >= 17);
	assert_int_equal(l->n_edges, 6);	/* 0-1 1-2, 2-more, more-17, 17-18 18-19 */
	export_layout_free(l);

	/* a step that is no reference */
	chain[5] = 9;
	assert_int_equal(export_layout_new(h, &spec, &l, &err), -1);
	assert_non_null(strstr(err.msg, "does not refer to"));
	heap_free(h);
}

static char *temp_file(const char *text, const char *suffix)
{
	char *path = malloc(64);
	FILE *f;
	int fd;

	snprintf(path, 64, "/tmp/hg-test-XXXXXX%s", suffix);
	fd = mkstemps(path, (int)strlen(suffix));
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

/* cgraph keeps scanner state between reads: a file with an error, or with
 * a second graph, must not leak into the next file read. */
static void test_dot_reads_are_independent(void **state)
{
	static const char *const bad[] = {
		"digraph { a -> ; }\n",
		"digraph { a } digraph { zz -> yy }\n",
		"digraph { a [label=\"never closed]; }\n",
		"digraph { a } junk junk\n",
	};
	char *good = temp_file("digraph { x -> y; y -> x [weak=true]; }\n", ".dot");
	struct heap *h;
	struct error err;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *p = temp_file(bad[i], ".dot");
		assert_int_equal(loader_open(p, NULL, NULL, &h, &err), -1);
		assert_null(strchr(err.msg, '\n'));
		assert_int_equal(loader_open(good, NULL, NULL, &h, &err), 0);
		assert_int_equal(h->n_nodes, 2);
		assert_int_equal(h->n_edges, 2);
		assert_int_equal(heap_out_kind(h, h->out_off[1]), HEAP_EDGE_WEAK);
		heap_free(h);
		unlink(p);
		free(p);
	}
	unlink(good);
	free(good);
}

/* Writing twice gives the same bytes; a failed write leaves nothing. */
static void test_write(void **state)
{
	struct heap *h = ring(4);
	heap_node_t m[] = { 0, 1, 2, 3 };
	struct export_spec spec = { .what = EXPORT_CYCLE, .nodes = m, .n_nodes = 4, .title = "a <title> & \"more\"" };
	struct error err;
	char dir[] = "/tmp/hg-export-XXXXXX", a[128], b[128];
	FILE *fa, *fb;
	int ca, cb;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(a, sizeof a, "%s/a.svg", dir);
	snprintf(b, sizeof b, "%s/b.svg", dir);
	assert_int_equal(export_write(h, &spec, a, EXPORT_SVG, &err), 0);
	assert_int_equal(export_write(h, &spec, b, EXPORT_SVG, &err), 0);
	fa = fopen(a, "rb");
	fb = fopen(b, "rb");
	do {
		ca = fgetc(fa);
		cb = fgetc(fb);
		assert_int_equal(ca, cb);
	} while (ca != EOF);
	fclose(fa);
	fclose(fb);
	unlink(a);
	unlink(b);
	snprintf(a, sizeof a, "%s/nope/a.svg", dir);
	assert_int_equal(export_write(h, &spec, a, EXPORT_SVG, &err), -1);
	assert_non_null(strstr(err.msg, "cannot write there"));
	assert_int_equal(rmdir(dir), 0);	/* empty: no temporary file left */
	heap_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_pct_roundtrip, oracle_teardown),
		cmocka_unit_test(test_format_from_path),
		cmocka_unit_test(test_layout_ring),
		cmocka_unit_test(test_cycle_cap),
		cmocka_unit_test(test_fan_out),
		cmocka_unit_test(test_module_namespace_is_a_hub),
		cmocka_unit_test(test_path_cap),
		cmocka_unit_test(test_dot_reads_are_independent),
		cmocka_unit_test(test_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
