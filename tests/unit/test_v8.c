/* Unit tests of the V8 .heapsnapshot loader.
 *
 * The truth is Chrome DevTools itself: tests/fixtures/v8/tiny.heapsnapshot
 * (written by tests/oracles/v8/make-tiny.js) was run through DevTools' heap
 * snapshot worker (tests/oracles/v8/devtools-ref.mjs) and its class names, shallow
 * sizes and retained sizes are the table below (checked by eye against the
 * graph in make-tiny.js).  Retained sizes are recomputed here with a
 * dominator algorithm of the test's own (Cooper-Harvey-Kennedy over the
 * edges heapglass lets retain), independent of graph/dom.c, so the test
 * shows that the loader's edge kinds and sizes make DevTools' numbers come
 * out of heapglass's retention rules.
 *
 * With V8_SNAPSHOT=file and V8_REFERENCE=devtools.json in the environment
 * (tests/e2e/v8.sh sets them for snapshots node writes), the same check
 * runs on a real snapshot: object count, total size, top 20 retained.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "graph/analysis.h"
#include "graph/heap.h"
#include "graph/scc.h"
#include "graph/core/progress.h"
#include "loaders/loader.h"

static char fixture[4096];

static const char *fixture_path(const char *name)
{
	const char *top = getenv("TOP");

	snprintf(fixture, sizeof fixture, "%s/tests/fixtures/v8/%s", top ? top : ".", name);
	return fixture;
}

static const char *tiny_path(void)
{
	return fixture_path("tiny.heapsnapshot");
}

static struct heap *load(const char *path, struct error *err)
{
	struct heap *h = NULL;

	if (loader_open(path, NULL, NULL, &h, err) != 0)
		return NULL;
	return h;
}

/* ---- an independent dominator computation ---- */

static int retains(const struct heap *h, heap_node_t from, uint32_t e)
{
	uint8_t k = heap_out_kind(h, e);

	return k == HEAP_EDGE_STRONG || k == HEAP_EDGE_INTERNAL ||
	       (k == HEAP_EDGE_SHORTCUT && (h->flags[from] & HEAP_F_SYNTHETIC));
}

/* DFS from the nodes in entry[] over retaining edges: postorder numbers
 * in po[], nodes in postorder in order[]; returns how many were reached. */
static uint32_t dfs(const struct heap *h, const uint8_t *entry, uint32_t *po, uint32_t *order)
{
	uint32_t n = h->n_nodes, k = 0;
	uint32_t *stack = malloc(((size_t)n + 1) * sizeof *stack);
	uint32_t *next = malloc(((size_t)n + 1) * sizeof *next);
	uint8_t *seen = calloc(n, 1);

	for (uint32_t s = 0; s < n; s++) {
		size_t sp = 0;
		if (!entry[s] || seen[s])
			continue;
		seen[s] = 1;
		stack[sp++] = s;
		next[s] = h->out_off[s];
		while (sp) {
			uint32_t u = stack[sp - 1];
			if (next[u] < h->out_off[u + 1]) {
				uint32_t e = next[u]++, t = h->out_to[e];
				if (!seen[t] && retains(h, u, e)) {
					seen[t] = 1;
					next[t] = h->out_off[t];
					stack[sp++] = t;
				}
			} else {
				po[u] = k;
				order[k++] = u;
				sp--;
			}
		}
	}
	for (uint32_t v = 0; v < n; v++)
		if (!seen[v])
			po[v] = UINT32_MAX;
	free(stack);
	free(next);
	free(seen);
	return k;
}

/* Retained sizes with DevTools' handling of what the root does not reach:
 * objects no retaining reference points to hang under the root, then
 * whatever is still unreached does too.  out[v]; out[root] includes all. */
static void retained_sizes(const struct heap *h, uint64_t *out)
{
	uint32_t n = h->n_nodes, R = n, reached;
	uint8_t *entry = calloc(n, 1);
	uint32_t *po = malloc(((size_t)n + 1) * sizeof *po);
	uint32_t *order = malloc(((size_t)n + 1) * sizeof *order);
	uint32_t *idom = malloc(((size_t)n + 1) * sizeof *idom);
	heap_node_t root = h->roots[0].node;
	int changed = 1;

	entry[root] = 1;
	reached = dfs(h, entry, po, order);
	if (reached < n) {
		for (uint32_t v = 0; v < n; v++) {
			int held = 0;
			if (po[v] != UINT32_MAX)
				continue;
			for (uint32_t i = h->in_off[v]; i < h->in_off[v + 1]; i++)
				if (h->in_from[i] != v && retains(h, h->in_from[i], heap_in_edges(h)[i]))
					held = 1;
			if (!held)
				entry[v] = 1;
		}
		reached = dfs(h, entry, po, order);
		for (uint32_t v = 0; v < n; v++)
			if (po[v] == UINT32_MAX)
				entry[v] = 1;
		reached = dfs(h, entry, po, order);
	}
	assert_int_equal(reached, n);
	po[R] = n;
	for (uint32_t v = 0; v <= n; v++)
		idom[v] = UINT32_MAX;
	idom[R] = R;
	while (changed) {
		changed = 0;
		for (uint32_t i = n; i-- > 0;) {
			uint32_t v = order[i], cand = UINT32_MAX;
			uint32_t preds = h->in_off[v + 1] - h->in_off[v] + 1;
			for (uint32_t j = 0; j < preds; j++) {
				uint32_t p;
				if (j == preds - 1) {
					if (!entry[v])
						continue;
					p = R;
				} else {
					uint32_t x = h->in_off[v] + j;
					p = h->in_from[x];
					if (!retains(h, p, heap_in_edges(h)[x]) || idom[p] == UINT32_MAX)
						continue;
				}
				if (cand == UINT32_MAX) {
					cand = p;
					continue;
				}
				{
					uint32_t a = p, b = cand;
					while (a != b) {
						while (po[a] < po[b])
							a = idom[a];
						while (po[b] < po[a])
							b = idom[b];
					}
					cand = a;
				}
			}
			if (cand != UINT32_MAX && idom[v] != cand) {
				idom[v] = cand;
				changed = 1;
			}
		}
	}
	for (uint32_t v = 0; v < n; v++)
		out[v] = heap_size(h, v);
	out[R] = 0;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t v = order[i];
		out[idom[v]] += out[v];
	}
	/* DevTools' root retains everything: what hangs under the virtual root */
	out[root] = out[R];
	free(entry);
	free(po);
	free(order);
	free(idom);
}

/* ---- the tiny fixture ---- */

static const struct {
	uint64_t id;
	uint64_t retained, self;
	const char *class_name;
} devtools[] = {
	{ 1, 5080, 0, "(synthetic)" },
	{ 3, 0, 0, "(synthetic)" },
	{ 5, 0, 0, "(synthetic)" },
	{ 7, 0, 0, "(synthetic)" },
	{ 9, 300, 300, "(compiled code)" },
	{ 11, 40, 40, "(object shape)" },
	{ 13, 1470, 156, "global" },
	{ 15, 0, 0, "(array)" },
	{ 17, 0, 0, "system / ExternalStringData" },
	{ 19, 112, 32, "ListNode" },
	{ 21, 80, 32, "ListNode" },
	{ 23, 48, 32, "ListNode" },
	{ 25, 16, 16, "(number)" },
	{ 27, 492, 64, "Function" },
	{ 29, 128, 48, "system / Context" },
	{ 31, 80, 24, "Object" },
	{ 33, 56, 56, "RegExp" },
	{ 35, 40, 40, "(string)" },
	{ 37, 96, 96, "WeakMap" },
	{ 39, 0, 0, "(array)" },
	{ 41, 344, 24, "Key" },
	{ 43, 320, 320, "Value" },
	{ 45, 0, 0, "(array)" },
	{ 47, 24, 24, "WeakRef" },
	{ 49, 570, 500, "Object" },
	{ 51, 70, 70, "Object" },
	{ 53, 110, 80, "Detached <div>" },
	{ 55, 30, 30, "Detached Detached <span id=\"y\">" },
	{ 57, 8, 8, "Object" },
	{ 59, 1000, 1000, "Garbage" },
	{ 61, 2000, 2000, "Garbage" },
	{ 63, 48, 16, "RingNode" },
	{ 65, 32, 16, "RingNode" },
	{ 67, 16, 16, "RingNode" },
	{ 69, 24, 24, "(symbol)" },
	{ 71, 16, 16, "(bigint)" },
};

/* The kind of the edge named `name` from the node with id `from`. */
static int edge_kind(const struct heap *h, uint64_t from, const char *name)
{
	heap_node_t u = heap_find(h, from);
	char buf[256];

	assert_int_not_equal(u, HEAP_NONE);
	for (uint32_t e = h->out_off[u]; e < h->out_off[u + 1]; e++)
		if (strcmp(heap_edge_name(h, h->out_name[e], buf, sizeof buf), name) == 0)
			return heap_out_kind(h, e);
	fail_msg("no edge %s from @%llu", name, (unsigned long long)from);
	return -1;
}

static void test_tiny_model(void **state)
{
	struct error err;
	struct heap *h = load(tiny_path(), &err);
	size_t len;
	const char *s;
	heap_node_t v;

	(void)state;
	if (!h)
		fail_msg("%s", err.msg);
	assert_string_equal(h->format, "v8");
	assert_int_equal(h->n_nodes, 36);
	assert_int_equal(h->n_edges, 42);
	assert_int_equal(h->total_size, 5080);
	assert_int_equal(h->n_roots, 1);
	assert_int_equal(h->roots[0].node, 0);
	for (size_t i = 0; i < sizeof devtools / sizeof devtools[0]; i++) {
		v = heap_find(h, devtools[i].id);
		assert_int_not_equal(v, HEAP_NONE);
		/* shallow sizes after DevTools' ownership transfer, class names */
		if (heap_size(h, v) != devtools[i].self)
			fail_msg("@%llu: shallow %llu, DevTools %llu", (unsigned long long)devtools[i].id,
				 (unsigned long long)heap_size(h, v), (unsigned long long)devtools[i].self);
		assert_string_equal(heap_string(h, h->type[v], NULL), devtools[i].class_name);
	}
	/* synthetic nodes, detached DOM (propagated to the span) */
	assert_true(h->flags[heap_find(h, 3)] & HEAP_F_SYNTHETIC);
	assert_false(h->flags[heap_find(h, 13)] & HEAP_F_SYNTHETIC);
	assert_true(h->flags[heap_find(h, 53)] & HEAP_F_DETACHED);
	assert_true(h->flags[heap_find(h, 55)] & HEAP_F_DETACHED);
	assert_false(h->flags[heap_find(h, 49)] & HEAP_F_DETACHED);
	assert_string_equal(heap_string(h, h->name[heap_find(h, 53)], NULL),
			    "Detached <div id=\"x\" class=\"big\">");
	/* escapes, a surrogate pair, a control character */
	s = heap_string(h, h->name[heap_find(h, 35)], &len);
	assert_int_equal(len, strlen("caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\"\n\\ \x01"));
	assert_memory_equal(s, "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\"\n\\ \x01", len);
	/* categories keep the V8 node type */
	assert_string_equal(heap_string(h, h->categories[h->category[heap_find(h, 27)]], NULL), "closure");
	assert_string_equal(heap_string(h, h->categories[h->category[heap_find(h, 11)]], NULL),
			    "object shape");
	/* edge kinds */
	assert_int_equal(edge_kind(h, 1, "global"), HEAP_EDGE_SHORTCUT);
	assert_int_equal(edge_kind(h, 1, "[1]"), HEAP_EDGE_STRONG);
	assert_int_equal(edge_kind(h, 13, "list"), HEAP_EDGE_STRONG);
	assert_int_equal(edge_kind(h, 13, "elements"), HEAP_EDGE_INTERNAL);
	assert_int_equal(edge_kind(h, 13, "[3]"), HEAP_EDGE_INTERNAL);	/* hidden, by index */
	assert_int_equal(edge_kind(h, 29, "captured"), HEAP_EDGE_STRONG);	/* context */
	assert_int_equal(edge_kind(h, 47, "target"), HEAP_EDGE_WEAK);
	/* the WeakMap's table does not retain the value; the key does */
	assert_int_equal(edge_kind(h, 39, "1 / part of key (Key @41) -> value (Value @43) pair in WeakMap (table @39)"),
			 HEAP_EDGE_WEAK);
	assert_int_equal(edge_kind(h, 41, "1 / part of key (Key @41) -> value (Value @43) pair in WeakMap (table @39)"),
			 HEAP_EDGE_INTERNAL);
	/* edges from outside the page into it do not retain */
	assert_int_equal(edge_kind(h, 7, "[1]"), HEAP_EDGE_WEAK);	/* (Global handles) -> global */
	assert_int_equal(edge_kind(h, 5, "x"), HEAP_EDGE_WEAK);	/* (Strong roots) -> Key */
	assert_int_equal(edge_kind(h, 3, "[1]"), HEAP_EDGE_STRONG);	/* (GC roots) -> (Strong roots) */
	/* "locations": [91,3,10,4, 63,3,20,8]: node 13 (@27, the closure
	 * inner) at 10:4 is kept; node 9 (@19, an object: its constructor's
	 * location) is not, nor has any other node one */
	assert_int_equal(h->n_locations, 1);
	assert_int_equal(h->locations[0].node, heap_find(h, 27));
	assert_int_equal(heap_location_of(h, heap_find(h, 27))->line, 10);
	assert_int_equal(heap_location_of(h, heap_find(h, 27))->column, 4);
	assert_null(heap_location_of(h, heap_find(h, 19)));
	assert_null(heap_location_of(h, heap_find(h, 13)));
	heap_free(h);
}

static void test_tiny_retained(void **state)
{
	struct error err;
	struct heap *h = load(tiny_path(), &err);
	uint64_t *ret;

	(void)state;
	if (!h)
		fail_msg("%s", err.msg);
	ret = calloc((size_t)h->n_nodes + 1, sizeof *ret);
	retained_sizes(h, ret);
	for (size_t i = 0; i < sizeof devtools / sizeof devtools[0]; i++) {
		heap_node_t v = heap_find(h, devtools[i].id);
		if (ret[v] != devtools[i].retained)
			fail_msg("@%llu retains %llu, DevTools says %llu", (unsigned long long)devtools[i].id,
				 (unsigned long long)ret[v], (unsigned long long)devtools[i].retained);
	}
	free(ret);
	heap_free(h);
}

/* Retained sizes from heapglass's engine (graph/analysis.h), with the
 * root's made DevTools': the engine hangs unreachable objects under a
 * virtual root, DevTools under its root. */
static uint64_t *engine_retained(const struct heap *h)
{
	struct analysis *a;
	struct error err;
	uint64_t *out = calloc((size_t)h->n_nodes + 1, sizeof *out);
	heap_node_t root = h->roots[0].node;

	if (analysis_run(h, NULL, &a, &err) != 0)
		fail_msg("analysis: %s", err.msg);
	for (uint32_t v = 0; v < h->n_nodes; v++)
		out[v] = analysis_retained(a, v);
	out[root] = 0;
	for (uint32_t v = 0; v < h->n_nodes; v++)
		if (a->idom[v] == HEAP_NONE)
			out[root] += analysis_retained(a, v);
	analysis_free(a);
	return out;
}

static void test_tiny_engine(void **state)
{
	struct error err;
	struct heap *h = load(tiny_path(), &err);
	uint64_t *ret;

	(void)state;
	if (!h)
		fail_msg("%s", err.msg);
	ret = engine_retained(h);
	for (size_t i = 0; i < sizeof devtools / sizeof devtools[0]; i++) {
		heap_node_t v = heap_find(h, devtools[i].id);
		if (ret[v] != devtools[i].retained)
			fail_msg("engine: @%llu retains %llu, DevTools says %llu",
				 (unsigned long long)devtools[i].id, (unsigned long long)ret[v],
				 (unsigned long long)devtools[i].retained);
	}
	free(ret);
	heap_free(h);
}

static int cmp_desc(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* A snapshot node wrote, against DevTools' own numbers for it. */
static void test_reference(void **state)
{
	const char *snap = getenv("V8_SNAPSHOT"), *ref = getenv("V8_REFERENCE");
	json_t *j, *top;
	json_error_t jerr;
	struct error err;
	struct heap *h;
	uint64_t *ret, *sorted;
	size_t n;

	(void)state;
	if (!snap || !ref)
		skip();
	j = json_load_file(ref, 0, &jerr);
	if (!j)
		fail_msg("%s: %s", ref, jerr.text);
	h = load(snap, &err);
	if (!h)
		fail_msg("%s", err.msg);
	assert_int_equal(h->n_nodes, json_integer_value(json_object_get(j, "objects")));
	assert_int_equal(h->total_size, (uint64_t)json_number_value(json_object_get(j, "total_size")));
	if (getenv("V8_ENGINE")) {
		ret = engine_retained(h);
	} else {
		ret = calloc((size_t)h->n_nodes + 1, sizeof *ret);
		retained_sizes(h, ret);
	}
	sorted = malloc(h->n_nodes * sizeof *sorted);
	memcpy(sorted, ret, h->n_nodes * sizeof *sorted);
	qsort(sorted, h->n_nodes, sizeof *sorted, cmp_desc);
	top = json_object_get(j, "top");
	n = json_array_size(top);
	for (size_t i = 0; i < n; i++) {
		json_t *t = json_array_get(top, i);
		uint64_t want = (uint64_t)json_number_value(json_object_get(t, "retained"));
		uint64_t id = (uint64_t)json_integer_value(json_object_get(t, "id"));
		heap_node_t v = heap_find(h, id);
		if (sorted[i] != want)
			fail_msg("%s top %zu: heapglass %llu, DevTools %llu (@%llu)", getenv("V8_ENGINE") ? "engine" : "loader", i + 1,
				 (unsigned long long)sorted[i], (unsigned long long)want, (unsigned long long)id);
		if (v == HEAP_NONE || ret[v] != want)
			fail_msg("@%llu: heapglass retains %llu, DevTools %llu", (unsigned long long)id,
				 v == HEAP_NONE ? 0ull : (unsigned long long)ret[v], (unsigned long long)want);
	}
	free(ret);
	free(sorted);
	json_decref(j);
	heap_free(h);
}

/* Every prefix of the fixture is refused with one line naming a byte
 * offset inside the file. */
static void test_truncated_everywhere(void **state)
{
	FILE *f = fopen(tiny_path(), "rb");
	char *data, path[] = "/tmp/heapglass-v8-XXXXXX";
	long size;
	int fd;

	(void)state;
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	data = malloc((size_t)size);
	assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	for (long cut = 1; cut < size - 1; cut++) {
		struct error err;
		struct heap *h;
		const char *at;
		unsigned long long off;
		assert_int_equal(ftruncate(fd, 0), 0);
		assert_int_equal(pwrite(fd, data, (size_t)cut, 0), cut);
		h = load(path, &err);
		if (h) {
			/* a prefix can only load if nothing but white space was cut */
			for (long k = cut; k < size; k++)
				if (data[k] != '\n' && data[k] != ' ')
					fail_msg("prefix of %ld bytes loaded", cut);
			heap_free(h);
			continue;
		}
		if (strchr(err.msg, '\n'))
			fail_msg("multi-line error: %s", err.msg);
		at = strstr(err.msg, ": byte ");
		if (!at) {
			/* the only error without an offset: not sniffed as V8 at all */
			if (!strstr(err.msg, "not a heap snapshot"))
				fail_msg("cut %ld: no byte offset in: %s", cut, err.msg);
			continue;
		}
		off = strtoull(at + 7, NULL, 10);
		if (off > (unsigned long long)cut)
			fail_msg("cut %ld: offset %llu is past the end: %s", cut, off, err.msg);
	}
	close(fd);
	unlink(path);
	free(data);
}

/* ---- the user graph (docs/user-graph.md, "V8") ----
 *
 * tests/fixtures/v8/user.heapsnapshot (tests/oracles/v8/make-tiny.js user)
 * holds one object or reference per rule, shaped as node 20 writes them.
 * The tables are the rules applied by hand: each reference's
 * HEAP_EDGE_META (read from the builder, before the freeze strips it) and
 * whether it is in the frozen user graph; each object's mark. */
static const struct {
	uint64_t from;
	const char *name;
	int meta, user;
} user_refs[] = {
	{ 1, "[1]", 0, 0 }, { 1, "global", 0, 0 },			/* synthetic: runtime */
	{ 3, "[1]", 0, 0 },
	{ 5, "global_proxy_object", 0, 0 }, { 5, "extension", 0, 0 },	/* native context: anchor */
	{ 5, "scope_info", 1, 0 }, { 5, "map", 1, 0 },
	{ 7, "global_proxy", 1, 0 }, { 7, "native_context", 1, 0 },	/* global object: anchor */
	{ 7, "list", 0, 0 }, { 7, "weakmap", 0, 0 }, { 7, "wmkey", 0, 0 }, { 7, "tcp", 0, 0 },
	{ 7, "other", 0, 0 }, { 7, "selfy", 0, 0 }, { 7, "mod", 0, 0 }, { 7, "mod2", 0, 0 },
	{ 7, "stream", 0, 0 }, { 7, "ctx2", 0, 0 }, { 7, "cons", 0, 0 }, { 7, "sliced", 0, 0 },
	{ 7, "server", 0, 0 }, { 7, "parser", 0, 0 }, { 7, "lonely", 0, 0 },
	{ 9, "native_context", 1, 0 },
	{ 11, "previous", 0, 0 }, { 11, "Widget", 1, 0 }, { 11, "scope_info", 1, 0 },	/* module scope */
	{ 17, "constructor", 1, 0 }, { 17, "prototype", 1, 0 }, { 17, "map", 1, 0 },	/* maps */
	{ 19, "back_pointer", 0, 0 },
	{ 21, "prototype", 1, 0 }, { 21, "initial_map", 1, 0 }, { 21, "context", 0, 0 },	/* a class */
	{ 21, "shared", 1, 0 }, { 21, "code", 1, 0 },
	{ 23, "constructor", 1, 0 },
	{ 25, "script_or_debug_info", 0, 0 },
	{ 29, "onClick", 0, 1 }, { 29, "name", 0, 0 }, { 29, "__proto__", 1, 0 },	/* an instance */
	{ 29, "map", 1, 0 }, { 29, "properties", 1, 0 }, { 29, "[1]", 1, 0 }, { 29, "count", 0, 0 },
	{ 31, "context", 0, 1 }, { 31, "shared", 1, 0 },			/* its closure */
	{ 33, "this", 0, 1 }, { 33, "previous", 0, 0 }, { 33, "scope_info", 1, 0 },	/* and scope */
	{ 35, "[0]", 1, 0 },
	{ 37, "[0]", 0, 1 }, { 37, "elements", 1, 0 },			/* an array */
	{ 39, "0", 0, 1 },
	{ 43, "first", 0, 0 }, { 45, "parent", 0, 0 },
	{ 55, "shared", 1, 0 }, { 55, "context", 0, 0 },		/* a builtin */
	{ 57, "script_or_debug_info", 0, 0 },
	{ 61, "deprecated", 1, 0 }, { 61, "previous", 0, 0 },
	{ 63, "bound_function", 0, 0 }, { 63, "bound_this", 0, 0 },	/* bound builtin */
	{ 65, "onwrite", 0, 0 }, { 65, "chunk", 0, 0 },
	{ 67, "map", 1, 0 }, { 67, "exports", 0, 0 }, { 67, "children", 0, 0 },	/* Module */
	{ 69, "map", 1, 0 },
	{ 71, "constructor", 1, 0 }, { 73, "back_pointer", 0, 0 },
	{ 75, "shared", 1, 0 }, { 77, "script_or_debug_info", 0, 0 },
	{ 81, "widget", 0, 0 }, { 81, "sym", 0, 0 },			/* its exports */
	{ 83, "1 / part of key (WmKey @83) -> value (WmValue @85) pair in WeakMap (table @87)", 1, 0 },
	{ 85, "key", 0, 1 },
	{ 87, "1", 0, 0 },
	{ 87, "2 / part of key (WmKey @83) -> value (WmValue @85) pair in WeakMap (table @87)", 1, 0 },
	{ 89, "table", 0, 1 },
	{ 91, "javascript_to_native", 0, 1 }, { 92, "native_to_javascript", 1, 0 },	/* wrapper */
	{ 94, "native_to_javascript", 0, 1 },
	{ 95, "me", 0, 1 },
	{ 99, "<symbol owner_symbol>", 1, 0 }, { 101, "_handle", 0, 1 },	/* handle, owner */
	{ 103, "<symbol resource_symbol>", 1, 0 },
	{ 105, "<symbol owner_symbol>", 0, 1 },
	{ 97, "constructor", 0, 1 }, { 97, "previous", 0, 1 },		/* a scope variable */
	{ 97, "helper", 1, 0 }, { 97, "handler", 0, 1 },		/* its own function */
	{ 107, "context", 0, 1 },
};

static const uint64_t user_anchors[] = { 5, 7, 9, 11, 55, 63, 67, 69, 75, 81 };
static const uint64_t user_runtime[] = { 1,  3,  13, 15, 17, 19, 25, 27, 35, 41, 43,
					 45, 47, 49, 51, 53, 57, 59, 71, 73, 77, 79 };

static int id_in(uint64_t id, const uint64_t *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == id)
			return 1;
	return 0;
}

static void test_user_marks(void **state)
{
	const struct loader *v8 = loader_by_name("v8");
	struct heap_builder *b = heap_builder_new();
	struct heap_builder_view bv;
	struct error err;
	struct heap *h;
	uint32_t *comp, n_comp, widget;
	char buf[256];
	size_t checked = 0;

	(void)state;
	if (v8->load(fixture_path("user.heapsnapshot"), b, NULL, &err) != 0)
		fail_msg("%s", err.msg);
	heap_builder_view(b, &bv);
	assert_int_equal(bv.n_edges, sizeof user_refs / sizeof user_refs[0]);
	for (size_t e = 0; e < bv.n_edges; e++) {
		uint64_t from = heap_builder_view_id(&bv, heap_builder_edge_from(b, e));
		uint32_t name = bv.edge_name[e];
		size_t k;
		if (name & HEAP_NAME_INDEX)
			snprintf(buf, sizeof buf, "[%u]", name & ~HEAP_NAME_INDEX);
		else
			snprintf(buf, sizeof buf, "%s", heap_builder_string(b, name, NULL));
		for (k = 0; k < sizeof user_refs / sizeof user_refs[0]; k++)
			if (user_refs[k].from == from && strcmp(user_refs[k].name, buf) == 0)
				break;
		if (k == sizeof user_refs / sizeof user_refs[0])
			fail_msg("@%llu -%s-> is not in the table", (unsigned long long)from, buf);
		if (((bv.edge_kind[e] & HEAP_EDGE_META) != 0) != user_refs[k].meta)
			fail_msg("@%llu -%s->: META is %d, the rules say %d", (unsigned long long)from, buf,
				 (bv.edge_kind[e] & HEAP_EDGE_META) != 0, user_refs[k].meta);
	}
	for (uint32_t v = 0; v < bv.n_nodes; v++) {
		uint64_t id = heap_builder_view_id(&bv, v);
		int anchor = id_in(id, user_anchors, sizeof user_anchors / sizeof user_anchors[0]);
		int runtime = id_in(id, user_runtime, sizeof user_runtime / sizeof user_runtime[0]);
		if (((bv.flags[v] & HEAP_F_ANCHOR) != 0) != anchor ||
		    ((bv.flags[v] & HEAP_F_RUNTIME) != 0) != runtime)
			fail_msg("@%llu: anchor %d runtime %d, the rules say %d %d", (unsigned long long)id,
				 (bv.flags[v] & HEAP_F_ANCHOR) != 0, (bv.flags[v] & HEAP_F_RUNTIME) != 0, anchor,
				 runtime);
	}
	h = heap_builder_freeze(b, &err);
	heap_builder_free(b);
	if (!h)
		fail_msg("%s", err.msg);
	for (uint32_t u = 0; u < h->n_nodes; u++)
		for (uint32_t e = h->out_off[u]; e < h->out_off[u + 1]; e++) {
			heap_edge_name(h, h->out_name[e], buf, sizeof buf);
			for (size_t k = 0; k < sizeof user_refs / sizeof user_refs[0]; k++)
				if (user_refs[k].from == heap_id(h, u) && strcmp(user_refs[k].name, buf) == 0) {
					if (heap_out_user(h, e) != user_refs[k].user)
						fail_msg("@%llu -%s->: user %d, the rules say %d",
							 (unsigned long long)heap_id(h, u), buf, heap_out_user(h, e),
							 user_refs[k].user);
					/* the frozen heap keeps the mark (leak traces
					 * read it where an anchor hides it from out_user) */
					if (heap_out_meta(h, e) != user_refs[k].meta)
						fail_msg("@%llu -%s->: frozen meta %d, the rules say %d",
							 (unsigned long long)heap_id(h, u), buf, heap_out_meta(h, e),
							 user_refs[k].meta);
					checked++;
				}
		}
	assert_int_equal(checked, h->n_edges);
	/* the user cycles: Widget -onClick-> closure -context-> scope -this->
	 * Widget, and the self loop; every other object alone */
	comp = malloc((size_t)h->n_nodes * sizeof *comp);
	assert_int_equal(scc_compute_user(h, comp, &n_comp, NULL, &err), 0);
	assert_int_equal(n_comp, h->n_nodes - 2);
	widget = comp[heap_find(h, 29)];
	assert_int_equal(comp[heap_find(h, 31)], widget);
	assert_int_equal(comp[heap_find(h, 33)], widget);
	free(comp);
	heap_free(h);
}

/* A progress callback that asks to stop in one phase (ctx: the struct
 * progress, whose clock it resets so that every tick reports). */
static int stop_in(void *ctx, const char *what, uint64_t done, uint64_t total)
{
	(void)done;
	(void)total;
	((struct progress *)ctx)->next_ns = 0;
	return strcmp(what, "resolving") == 0;
}

/* q aborts the phase after the parse too (issue 22): it ticks, and stops
 * with "interrupted" when asked. */
static void test_abort_resolving(void **state)
{
	struct progress p = { .fn = stop_in, .next_ns = 0 };
	struct heap *h = NULL;
	struct error err = { { 0 } };

	(void)state;
	p.ctx = &p;
	assert_int_equal(loader_open(fixture_path("user.heapsnapshot"), NULL, &p, &h, &err), -1);
	assert_null(h);
	assert_non_null(strstr(err.msg, "interrupted"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tiny_model),
		cmocka_unit_test(test_tiny_retained),
		cmocka_unit_test(test_tiny_engine),
		cmocka_unit_test(test_reference),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_user_marks),
		cmocka_unit_test(test_abort_resolving),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
