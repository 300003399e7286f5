/* The user graph's marks in the text formats: the CSV and DOT loaders read
 * the words `anchor` / `runtime` (node flags) and `meta` (a reference kind,
 * or DOT's meta=true), a file without them has a user graph equal to its
 * raw retaining graph, and a DOT export reads back with the same marks.
 * The expected user references are worked out by hand from the rule in
 * graph/heap.h (retains, not meta, neither end anchor/runtime/synthetic). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "graph/export.h"
#include "graph/heap.h"
#include "loaders/loader.h"

static char dir[] = "/tmp/hg-usermarks-XXXXXX";

static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Whether the reference named `name` from id a to id b is in the user
 * graph; fails the test when there is none. */
static int user_ref(const struct heap *h, uint64_t a, uint64_t b, const char *name)
{
	heap_node_t u = heap_find(h, a), v = heap_find(h, b);
	char buf[32];

	assert_int_not_equal(u, HEAP_NONE);
	assert_int_not_equal(v, HEAP_NONE);
	for (uint32_t e = h->out_off[u]; e < h->out_off[u + 1]; e++)
		if (h->out_to[e] == v && strcmp(heap_edge_name(h, h->out_name[e], buf, sizeof buf), name) == 0)
			return heap_out_user(h, e);
	fail_msg("no reference %llu -> %llu", (unsigned long long)a, (unsigned long long)b);
	return -1;
}

static uint16_t flags_of(const struct heap *h, uint64_t id)
{
	heap_node_t v = heap_find(h, id);

	assert_int_not_equal(v, HEAP_NONE);
	return h->flags[v];
}

/* 1 module (anchor) -> 2 instance; 2 -> 3 its type (anchor) as meta;
 * 2 <-> 4 a user cycle; 4 -> 5 str (runtime); 2 -> 4 again as
 * "internal meta"; 4 -> 2 weak; 6 -> 2 a "weak meta". */
static const char nodes_csv[] =
	"id,type,size,flags\n"
	"1,module,72,anchor\n"
	"2,Node,48,\n"
	"3,type,900,class anchor\n"
	"4,Node,48,\n"
	"5,str,60,untracked|runtime\n"
	"6,weakref,64,weakref\n";
static const char edges_csv[] =
	"from,to,name,kind\n"
	"1,2,a,\n"
	"2,3,__class__,meta\n"
	"2,4,next,strong\n"
	"4,2,prev,\n"
	"4,5,label,\n"
	"2,4,shadow,internal meta\n"
	"4,2,back,weak\n"
	"6,2,,weak meta\n";

static void check_marks(const struct heap *h)
{
	assert_true(flags_of(h, 1) & HEAP_F_ANCHOR);
	assert_true(flags_of(h, 3) & HEAP_F_ANCHOR);
	assert_true(flags_of(h, 3) & HEAP_F_CLASS);
	assert_true(flags_of(h, 5) & HEAP_F_RUNTIME);
	assert_true(flags_of(h, 5) & HEAP_F_UNTRACKED);
	assert_false(flags_of(h, 2) & (HEAP_F_ANCHOR | HEAP_F_RUNTIME));
	assert_false(flags_of(h, 4) & (HEAP_F_ANCHOR | HEAP_F_RUNTIME));
	assert_int_equal(h->not_user_nodes, 3);
	assert_true(heap_has_user_rules(h));

	assert_false(user_ref(h, 1, 2, "a"));	/* from an anchor */
	assert_false(user_ref(h, 2, 3, "__class__"));	/* meta, and into an anchor */
	assert_true(user_ref(h, 2, 4, "next"));		/* next */
	assert_true(user_ref(h, 4, 2, "prev"));		/* prev */
	assert_false(user_ref(h, 4, 5, "label"));	/* into a runtime object */
	assert_false(user_ref(h, 6, 2, ""));	/* weak */
	assert_false(user_ref(h, 4, 2, "back"));	/* weak */
	assert_false(user_ref(h, 2, 4, "shadow"));	/* internal, but meta */
}

static void test_csv_marks(void **state)
{
	struct heap *h;
	struct error err;
	heap_node_t two, four;
	int shadow = 0;

	(void)state;
	write_file("nodes.csv", nodes_csv);
	write_file("edges.csv", edges_csv);
	assert_int_equal(loader_open(dir, "csv", NULL, &h, &err), 0);
	check_marks(h);
	/* the second 2 -> 4 ("internal meta") retains but is not the user's */
	two = heap_find(h, 2);
	four = heap_find(h, 4);
	for (uint32_t e = h->out_off[two]; e < h->out_off[two + 1]; e++)
		if (h->out_to[e] == four && heap_out_kind(h, e) == HEAP_EDGE_INTERNAL) {
			assert_false(heap_out_user(h, e));
			shadow++;
		}
	assert_int_equal(shadow, 1);
	assert_int_equal(h->meta_refs, 3);
	heap_free(h);
}

/* Without the words, every retaining reference between real objects is in
 * the user graph: the raw graph is the user graph. */
static void test_csv_without_marks(void **state)
{
	struct heap *h;
	struct error err;

	(void)state;
	write_file("nodes.csv", "id,type,size\n1,module,72\n2,Node,48\n3,type,900\n");
	write_file("edges.csv", "from,to,name,index,kind\n1,2,a,,\n2,3,,,\n3,2,,,weak\n2,2,,0,internal\n");
	assert_int_equal(loader_open(dir, "csv", NULL, &h, &err), 0);
	assert_false(heap_has_user_rules(h));
	for (heap_node_t v = 0; v < h->n_nodes; v++)
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++)
			assert_int_equal(heap_out_user(h, e), heap_edge_retains(heap_out_kind(h, e), h->flags[v]));
	heap_free(h);
}

static void test_csv_bad_words(void **state)
{
	struct heap *h;
	struct error err;

	(void)state;
	write_file("nodes.csv", "id,type,size,flags\n1,A,8,anchored\n");
	write_file("edges.csv", "from,to\n");
	assert_int_equal(loader_open(dir, "csv", NULL, &h, &err), -1);
	assert_non_null(strstr(err.msg, "nodes.csv:2: column 'flags': unknown flag 'anchored'"));
	assert_non_null(strstr(err.msg, "anchor runtime"));
	write_file("nodes.csv", "id,type,size\n1,A,8\n");
	write_file("edges.csv", "from,to,kind\n1,1,strong weak\n");
	assert_int_equal(loader_open(dir, "csv", NULL, &h, &err), -1);
	assert_non_null(strstr(err.msg, "edges.csv:2: column 'kind': unknown kind 'strong weak'"));
	write_file("edges.csv", "from,to,kind\n1,1,meta meta\n");
	assert_int_equal(loader_open(dir, "csv", NULL, &h, &err), -1);
	write_file("edges.csv", "from,to,kind\n1,1,META\n");
	assert_int_equal(loader_open(dir, "csv", NULL, &h, &err), 0);
	assert_int_equal(h->meta_refs, 1);
	assert_int_equal(heap_out_kind(h, 0), HEAP_EDGE_STRONG);
	heap_free(h);
}

static void test_parse_kind(void **state)
{
	uint8_t k;

	(void)state;
	assert_int_equal(heap_parse_kind("", 0, &k), 0);
	assert_int_equal(k, HEAP_EDGE_STRONG);
	assert_int_equal(heap_parse_kind("meta", 4, &k), 0);
	assert_int_equal(k, HEAP_EDGE_STRONG | HEAP_EDGE_META);
	assert_int_equal(heap_parse_kind("meta|Internal", 13, &k), 0);
	assert_int_equal(k, HEAP_EDGE_INTERNAL | HEAP_EDGE_META);
	assert_int_equal(heap_parse_kind("shortcut", 8, &k), 0);
	assert_int_equal(k, HEAP_EDGE_SHORTCUT);
	assert_int_equal(heap_parse_kind("metal", 5, &k), -1);
	assert_int_equal(heap_parse_kind("weak,strong", 11, &k), -1);
}

static const char dot_text[] =
	"digraph {\n"
	"  1 [type=module flags=anchor];\n"
	"  2 [type=\"Node\"];\n"
	"  3 [type=type flags=\"class,anchor\"];\n"
	"  4 [type=\"Node\"];\n"
	"  5 [type=str flags=\"untracked runtime\"];\n"
	"  6 [type=weakref flags=weakref];\n"
	"  1 -> 2 [label=a];\n"
	"  2 -> 3 [label=__class__ meta=true];\n"
	"  2 -> 4 [label=next];\n"
	"  4 -> 2 [label=prev];\n"
	"  4 -> 5 [label=label];\n"
	"  2 -> 4 [label=shadow kind=\"internal meta\"];\n"
	"  4 -> 2 [label=back weak=true];\n"
	"  6 -> 2 [kind=meta weak=true];\n"
	"}\n";

static void test_dot_marks(void **state)
{
	struct heap *h;
	struct error err;

	(void)state;
	assert_int_equal(loader_open(write_file("marks.dot", dot_text), NULL, NULL, &h, &err), 0);
	check_marks(h);
	assert_int_equal(h->meta_refs, 3);
	heap_free(h);
	assert_int_equal(loader_open(write_file("bad.dot", "digraph { a -> b [meta=perhaps] }\n"), NULL, NULL,
				     &h, &err), -1);
	assert_non_null(strstr(err.msg, "meta='perhaps' is not true or false"));
	assert_int_equal(loader_open(write_file("bad.dot", "digraph { a [flags=anchorage] }\n"), NULL, NULL,
				     &h, &err), -1);
	assert_non_null(strstr(err.msg, "flags='anchorage' is not a list of"));
}

/* heapglass's DOT export of the marked heap reads back with the same
 * marks: anchor/runtime in hg_flags, meta in hg_kind. */
static void test_export_roundtrip(void **state)
{
	struct heap *h, *back;
	struct error err;
	heap_node_t all[6];
	struct export_spec spec = { .what = EXPORT_CYCLE, .nodes = all, .n_nodes = 6 };
	char out[256];

	(void)state;
	write_file("nodes.csv", nodes_csv);
	write_file("edges.csv", edges_csv);
	assert_int_equal(loader_open(dir, "csv", NULL, &h, &err), 0);
	for (heap_node_t v = 0; v < 6; v++)
		all[v] = v;
	snprintf(out, sizeof out, "%s/out.dot", dir);
	assert_int_equal(export_write(h, &spec, out, EXPORT_DOT, &err), 0);
	assert_int_equal(loader_open(out, NULL, NULL, &back, &err), 0);
	check_marks(back);
	assert_int_equal(back->n_edges, h->n_edges);
	for (heap_node_t v = 0; v < h->n_nodes; v++)
		assert_int_equal(flags_of(back, heap_id(h, v)) & ~HEAP_F_ROOT, h->flags[v] & ~HEAP_F_ROOT);
	/* one meta reference between user objects (2 -> 4 "shadow") needs
	 * the word to come back out of the user graph */
	assert_int_equal(back->meta_refs >= 1, 1);
	heap_free(back);
	heap_free(h);
	unlink(out);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char p[256];
	static const char *const names[] = { "nodes.csv", "edges.csv", "marks.dot", "bad.dot", "out.dot" };

	(void)state;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		unlink(p);
	}
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_kind),
		cmocka_unit_test(test_csv_marks),
		cmocka_unit_test(test_csv_without_marks),
		cmocka_unit_test(test_csv_bad_words),
		cmocka_unit_test(test_dot_marks),
		cmocka_unit_test(test_export_roundtrip),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
