/* label: how rows name an object without a name of its own, on small heaps
 * shaped as the runtimes write them (a Python module's namespace and an
 * instance's __dict__, V8 scopes and unnamed containers).  The expected
 * labels are written out by hand from the references each heap holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "graph/heap.h"
#include "graph/label.h"

struct spec_node {
	const char *type, *name;
	uint16_t flags;
};

struct spec_edge {
	heap_node_t from, to;
	const char *name;
	uint8_t kind;
};

static struct heap *build(const struct spec_node *n, size_t nn, const struct spec_edge *e, size_t ne)
{
	struct heap_builder *b = heap_builder_new();
	struct error err;
	struct heap *h;

	for (size_t i = 0; i < nn; i++) {
		struct heap_node_rec rec = {
			.id = 100 + i,
			.type = heap_builder_intern_cstr(b, n[i].type),
			.name = heap_builder_intern_cstr(b, n[i].name),
			.size = 16,
			.flags = n[i].flags,
			.generation = HEAP_GEN_UNKNOWN,
		};
		assert_int_not_equal(heap_builder_add_node(b, &rec, &err), HEAP_NONE);
	}
	assert_int_equal(heap_builder_index(b, NULL, NULL), 0);
	for (size_t i = 0; i < ne; i++)
		assert_int_equal(heap_builder_add_edge(b, e[i].from, e[i].to, (enum heap_edge_kind)e[i].kind,
						       heap_builder_intern_cstr(b, e[i].name), &err), 0);
	assert_int_equal(heap_builder_add_root(b, 0, 0, &err), 0);
	h = heap_builder_freeze(b, &err);
	heap_builder_free(b);
	assert_non_null(h);
	return h;
}

static void assert_holder(const struct heap *h, heap_node_t v, const char *want)
{
	char buf[256];
	size_t len = label_holder(h, NULL, v, buf, sizeof buf);

	assert_int_equal(len, strlen(buf));
	assert_string_equal(buf, want);
}

/* A Python program's globals and an instance's attributes: the module's
 * namespace stands for the module, an attribute in an instance's __dict__
 * for the instance. */
static void test_python(void **state)
{
	const struct spec_node n[] = {
		{ "module", "__main__", HEAP_F_ANCHOR },		/* 0 */
		{ "dict", "__main__.__dict__", HEAP_F_ANCHOR },	/* 1 */
		{ "dict", "", 0 },					/* 2 cache */
		{ "__main__.PriceFeed", "", 0 },			/* 3 */
		{ "dict", "", 0 },					/* 4 its __dict__ */
		{ "list", "", 0 },					/* 5 listeners */
		{ "type", "__main__.PriceFeed", HEAP_F_CLASS | HEAP_F_ANCHOR },	/* 6 */
		{ "dict", "__main__.PriceFeed.__dict__", HEAP_F_ANCHOR },	/* 7 */
		{ "list", "", 0 },					/* 8 a class attribute */
	};
	const struct spec_edge e[] = {
		{ 0, 1, "__dict__", HEAP_EDGE_STRONG | HEAP_EDGE_META },
		{ 1, 2, "cache", HEAP_EDGE_STRONG },
		{ 1, 3, "price_feed", HEAP_EDGE_STRONG },
		{ 3, 4, "__dict__", HEAP_EDGE_STRONG },
		{ 4, 5, "listeners", HEAP_EDGE_STRONG },
		{ 1, 6, "PriceFeed", HEAP_EDGE_STRONG },
		{ 3, 6, "__class__", HEAP_EDGE_STRONG | HEAP_EDGE_META },
		{ 6, 7, "__dict__", HEAP_EDGE_STRONG | HEAP_EDGE_META },
		{ 7, 8, "registry", HEAP_EDGE_STRONG },
	};
	struct heap *h = build(n, sizeof n / sizeof *n, e, sizeof e / sizeof *e);

	(void)state;
	assert_holder(h, 2, "cache of __main__");
	assert_holder(h, 3, "price_feed of __main__");
	assert_holder(h, 4, "__dict__ of __main__.PriceFeed price_feed");
	assert_holder(h, 5, "listeners of __main__.PriceFeed");
	assert_holder(h, 8, "registry of __main__.PriceFeed");
	assert_int_equal(label_has_name(h, 1), 1);
	assert_int_equal(label_has_name(h, 2), 0);
	heap_free(h);
}

/* V8: a scope is named by its function, an unnamed container by the
 * reference that holds it and that reference's holder. */
static void test_v8(void **state)
{
	const struct spec_node n[] = {
		{ "(GC roots)", "", HEAP_F_SYNTHETIC },		/* 0 */
		{ "Function", "onTick", 0 },			/* 1 */
		{ "system / Context", "", 0 },			/* 2 */
		{ "Map", "Map", 0 },				/* 3 */
		{ "(array)", "", 0 },				/* 4 */
		{ "Array", "Array", 0 },			/* 5 */
	};
	const struct spec_edge e[] = {
		{ 0, 1, "onTick", HEAP_EDGE_STRONG },
		{ 1, 2, "context", HEAP_EDGE_INTERNAL },
		{ 2, 3, "quoteCache", HEAP_EDGE_STRONG },
		{ 3, 4, "table", HEAP_EDGE_INTERNAL },
		{ 2, 5, "undoLog", HEAP_EDGE_STRONG },
	};
	struct heap *h = build(n, sizeof n / sizeof *n, e, sizeof e / sizeof *e);

	(void)state;
	assert_holder(h, 2, "of onTick()");
	assert_holder(h, 3, "quoteCache of onTick()");
	assert_holder(h, 4, "table of Map quoteCache");
	assert_holder(h, 5, "undoLog of onTick()");
	assert_int_equal(label_has_name(h, 3), 0);	/* V8's name is its type */
	heap_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_python),
		cmocka_unit_test(test_v8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
