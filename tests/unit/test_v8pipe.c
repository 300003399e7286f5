/* The V8 loader's two-thread pipeline (loaders/fmt_v8.c): a reader thread
 * tokenizes "nodes" and "edges" a batch at a time into a small ring while
 * the loader's thread checks and stores the records.
 *
 * A generated snapshot of 40 000 nodes and 120 000 edges spans about 70
 * batches of nodes and 90 of edges, so the ring fills, the reader waits
 * for the loader, and records straddle batches.  The truth is the
 * generator itself: every id, size and edge target is compared, and each
 * broken variant names the byte offset the generator knows the defect is
 * at.  The variants cover the thread-specific paths: the loader failing
 * while the reader is ahead (blocked on a full ring), the reader failing
 * while the loader is behind (the loader's earlier error must still win),
 * the file ending inside an array at many offsets, and an interruption
 * from the progress callback.  Under `make asan` a reader left running or
 * a batch leaked shows up as a leak report.
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

#include "graph/heap.h"
#include "loaders/loader.h"

enum {
	N_NODES = 40000,
	EDGES_PER = 3,
	N_EDGES = N_NODES * EDGES_PER,
	NF = 7,
	EF = 3,
	N_STRINGS = 50
};

static const char meta[] =
	"{\"node_fields\":[\"type\",\"name\",\"id\",\"self_size\",\"edge_count\",\"trace_node_id\","
	"\"detachedness\"],\"node_types\":[[\"hidden\",\"array\",\"string\",\"object\",\"code\","
	"\"closure\",\"regexp\",\"number\",\"native\",\"synthetic\"],\"string\",\"number\",\"number\","
	"\"number\",\"number\",\"number\"],\"edge_fields\":[\"type\",\"name_or_index\",\"to_node\"],"
	"\"edge_types\":[[\"context\",\"element\",\"property\",\"internal\",\"hidden\",\"shortcut\","
	"\"weak\"],\"string_or_number\",\"node\"],\"location_fields\":[\"object_index\",\"script_id\","
	"\"line\",\"column\"]}";

/* The generated snapshot and where each array value starts. */
struct snap {
	char *text;
	size_t len, cap;
	size_t node_at[N_NODES * NF];
	size_t edge_at[N_EDGES * EF];
	size_t nodes_end, edges_end;	/* offsets of the arrays' ']' */
};

static struct snap *S;
static char path[] = "/tmp/heapglass-v8pipe-XXXXXX";

static void put(struct snap *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(s->text + s->len, s->cap - s->len, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if ((size_t)n < s->cap - s->len)
			break;
		s->cap = s->cap * 2 + (size_t)n;
		s->text = realloc(s->text, s->cap);
		assert_non_null(s->text);
	}
	s->len += (size_t)n;
}

static uint64_t edge_target(uint32_t i, unsigned k)
{
	return k == 0 ? (i + 1) % N_NODES : k == 1 ? (uint64_t)i * 7919 % N_NODES : 0;
}

static void generate(struct snap *s)
{
	s->cap = 1 << 20;
	s->len = 0;
	s->text = malloc(s->cap);
	assert_non_null(s->text);
	put(s, "{\"snapshot\":{\"meta\":%s,\"node_count\":%d,\"edge_count\":%d},\n\"nodes\":[", meta,
	    N_NODES, N_EDGES);
	for (uint32_t i = 0; i < N_NODES; i++) {
		/* the root is synthetic; the rest objects */
		uint64_t f[NF] = { i == 0 ? 9 : 3, i % N_STRINGS, 2 * (uint64_t)i + 1, i % 1000, EDGES_PER, 0, 0 };
		for (unsigned k = 0; k < NF; k++) {
			put(s, "%s", i + k ? "," : "");
			s->node_at[i * NF + k] = s->len;
			put(s, "%llu", (unsigned long long)f[k]);
		}
		if (i % 8 == 7)
			put(s, "\n");
	}
	s->nodes_end = s->len;
	put(s, "],\n\"edges\":[");
	for (uint32_t i = 0; i < N_NODES; i++) {
		for (unsigned k = 0; k < EDGES_PER; k++) {
			uint64_t f[EF] = { 2, (i + k) % N_STRINGS, edge_target(i, k) * NF };
			for (unsigned j = 0; j < EF; j++) {
				put(s, "%s", i + k + j ? "," : "");
				s->edge_at[((size_t)i * EDGES_PER + k) * EF + j] = s->len;
				put(s, "%llu", (unsigned long long)f[j]);
			}
		}
		if (i % 8 == 7)
			put(s, "\n");
	}
	s->edges_end = s->len;
	put(s, "],\n\"locations\":[0,2,3,4],\n\"strings\":[");
	for (unsigned i = 0; i < N_STRINGS; i++)
		put(s, "%s\"s%u\"", i ? "," : "", i);
	put(s, "]}\n");
}

/* Writes text[0..cut) with text[at..at+old) replaced by rep. */
static void write_variant(size_t cut, size_t at, size_t old, const char *rep)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	if (rep) {
		assert_true(at + old <= cut);
		assert_int_equal(fwrite(S->text, 1, at, f), at);
		assert_int_equal(fwrite(rep, 1, strlen(rep), f), strlen(rep));
		assert_int_equal(fwrite(S->text + at + old, 1, cut - at - old, f), cut - at - old);
	} else {
		assert_int_equal(fwrite(S->text, 1, cut, f), cut);
	}
	assert_int_equal(fclose(f), 0);
}

/* Length of the number at offset at. */
static size_t token_len(size_t at)
{
	size_t n = 0;

	while (S->text[at + n] >= '0' && S->text[at + n] <= '9')
		n++;
	return n;
}

/* Writes the whole snapshot with two numbers replaced (a1 < a2). */
static void write_two(size_t a1, const char *r1, size_t a2, const char *r2)
{
	size_t l1 = token_len(a1), l2 = token_len(a2);
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_true(a1 + l1 <= a2);
	assert_int_equal(fwrite(S->text, 1, a1, f), a1);
	assert_int_equal(fwrite(r1, 1, strlen(r1), f), strlen(r1));
	assert_int_equal(fwrite(S->text + a1 + l1, 1, a2 - a1 - l1, f), a2 - a1 - l1);
	assert_int_equal(fwrite(r2, 1, strlen(r2), f), strlen(r2));
	assert_int_equal(fwrite(S->text + a2 + l2, 1, S->len - a2 - l2, f), S->len - a2 - l2);
	assert_int_equal(fclose(f), 0);
}

/* Loads the variant and checks it fails with "byte OFF: WHAT...". */
static void expect_error(size_t off, const char *what, struct progress *prog)
{
	struct heap *h = NULL;
	struct error err;
	char want[300];

	if (loader_open(path, "v8", prog, &h, &err) == 0) {
		heap_free(h);
		fail_msg("loaded; wanted byte %zu: %s", off, what);
	}
	snprintf(want, sizeof want, "%s: byte %zu: %s", path, off, what);
	if (strncmp(err.msg, want, strlen(want)) != 0)
		fail_msg("got  %s\nwant %s...", err.msg, want);
}

static int setup(void **state)
{
	int fd;

	(void)state;
	S = calloc(1, sizeof *S);
	assert_non_null(S);
	generate(S);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	free(S->text);
	free(S);
	return 0;
}

/* Every value arrives, in order, across batch and record boundaries. */
static void test_good(void **state)
{
	struct heap *h = NULL;
	struct error err;
	uint64_t total = 0;

	(void)state;
	write_variant(S->len, 0, 0, NULL);
	if (loader_open(path, "v8", NULL, &h, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(h->n_nodes, N_NODES);
	assert_int_equal(h->n_edges, N_EDGES);
	for (uint32_t i = 0; i < N_NODES; i++) {
		assert_int_equal(heap_id(h, i), 2 * (uint64_t)i + 1);
		total += i % 1000;
		assert_int_equal(h->out_off[i + 1] - h->out_off[i], EDGES_PER);
		for (unsigned k = 0; k < EDGES_PER; k++)
			assert_int_equal(h->out_to[h->out_off[i] + k], edge_target(i, k));
	}
	assert_int_equal(h->total_size, total);
	heap_free(h);
}

/* The loader fails early while the reader is ahead and waiting on a full
 * ring: the reader must be stopped and joined. */
static void test_loader_error_reader_ahead(void **state)
{
	size_t at = S->node_at[10 * NF + 0];

	(void)state;
	write_variant(S->len, at, token_len(at), "99");
	expect_error(at, "node type 99 is not one of the 10 node_types", NULL);
	at = S->edge_at[(size_t)(N_EDGES - 5000) * EF + 2];
	write_variant(S->len, at, token_len(at), "5");
	expect_error(at, "to_node 5 is not a multiple of the 7 node fields", NULL);
	/* the first edge, and the last */
	at = S->edge_at[0];
	write_variant(S->len, at, token_len(at), "7");
	expect_error(at, "edge type 7 is not one of the 7 edge_types", NULL);
	at = S->edge_at[(size_t)(N_EDGES - 1) * EF + 2];
	write_variant(S->len, at, token_len(at), "280000");
	expect_error(at, "to_node 280000 is past the last node (40000 nodes)", NULL);
}

/* The reader fails in a batch the loader has not reached: the error is
 * raised when the loader gets there, not before. */
static void test_reader_error(void **state)
{
	size_t at = S->edge_at[(size_t)70000 * EF + 1];

	(void)state;
	write_variant(S->len, at, 0, "-");
	expect_error(at, "negative number where a count, index or size belongs", NULL);
	at = S->node_at[(size_t)30000 * NF + 3];
	write_variant(S->len, at, token_len(at), "1.5");
	expect_error(at, "expected an integer, found a fraction or exponent", NULL);
	at = S->node_at[(size_t)NF * 2];
	write_variant(S->len, at, 0, "x");
	expect_error(at, "expected an unsigned integer", NULL);

	/* an earlier record's error wins over the reader's later one, some
	 * slots further on, or in the same slot of 4 batches of 4096 numbers
	 * but a later batch (edge 16418's type is number 49254, in batch 12,
	 * slot 3; edge 19000's number 57000, in batch 13, slot 3) */
	write_two(S->edge_at[(size_t)20000 * EF], "9", S->edge_at[(size_t)40000 * EF], "x");
	expect_error(S->edge_at[(size_t)20000 * EF], "edge type 9 is not one of the 7 edge_types", NULL);
	write_two(S->edge_at[(size_t)16418 * EF], "9", S->edge_at[(size_t)19000 * EF], "x");
	expect_error(S->edge_at[(size_t)16418 * EF], "edge type 9 is not one of the 7 edge_types", NULL);
	/* and the reader's error comes once the loader gets there */
	write_two(S->edge_at[(size_t)16418 * EF], "-", S->edge_at[(size_t)19000 * EF], "9");
	expect_error(S->edge_at[(size_t)16418 * EF], "negative number", NULL);
}

/* The file ends inside the nodes or the edges array, at many offsets
 * (with the reader anywhere relative to the loader). */
static void test_truncated_arrays(void **state)
{
	/* shorter files cannot hold the counts the meta claims (another error) */
	size_t start = 2 * EF * (size_t)N_EDGES, step = 7919, n = 0;

	(void)state;
	assert_true(start > S->node_at[0] && start < S->nodes_end);
	for (size_t cut = start + 1; cut < S->edges_end; cut += step) {
		if (cut >= S->nodes_end && cut < S->edge_at[0] + 1)
			continue;	/* between the arrays: another message */
		write_variant(cut, 0, 0, NULL);
		expect_error(cut, "unexpected end of file inside an array", NULL);
		n++;
	}
	assert_true(n > 100);
}

/* A count that disagrees is found after the reader has finished (the
 * loader reads the window again after joining it). */
static void test_counts_after_join(void **state)
{
	size_t at = S->edge_at[(size_t)(N_EDGES - 1) * EF + 2];
	size_t len = token_len(at);

	(void)state;
	/* drop the last edge: ",2,N,M" before the ']' */
	{
		size_t from = S->edge_at[(size_t)(N_EDGES - 1) * EF] - 1;
		write_variant(S->len, from, at + len - from, "");
		/* at the ']' (after the line break that followed the last edge) */
		expect_error(from + (S->edges_end - (at + len)), "edges array holds 119999 edges, fewer than",
			     NULL);
	}
	/* a node array one field short: ends inside a node at its ']' */
	{
		size_t k = S->node_at[(size_t)N_NODES * NF - 1] - 1;	/* the last ',' */
		write_variant(S->len, k, S->nodes_end - k, "");
		expect_error(k, "nodes array ends inside a node", NULL);
	}
}

struct stopper {
	struct progress *p;
	unsigned calls;
	int stopped;
};

/* Reports on every tick (next_ns 0) and stops the load once the edges are
 * being read. */
static int stop_in_edges(void *ctx, const char *what, uint64_t done, uint64_t total)
{
	struct stopper *s = ctx;

	(void)total;
	s->p->next_ns = 0;
	s->calls++;
	if (strcmp(what, "parsing") == 0 && done > S->edge_at[0] && done < S->edges_end) {
		s->stopped = 1;
		return 1;
	}
	return 0;
}

/* Interrupted by the progress callback in the middle of the edges. */
static void test_interrupted(void **state)
{
	struct progress p;
	struct stopper s = { &p, 0, 0 };
	struct heap *h = NULL;
	struct error err;

	(void)state;
	p.fn = stop_in_edges;
	p.ctx = &s;
	p.next_ns = 0;
	write_variant(S->len, 0, 0, NULL);
	assert_int_not_equal(loader_open(path, "v8", &p, &h, &err), 0);
	assert_true(s.stopped);
	assert_non_null(strstr(err.msg, "interrupted"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_loader_error_reader_ahead),
		cmocka_unit_test(test_reader_error),
		cmocka_unit_test(test_truncated_arrays),
		cmocka_unit_test(test_counts_after_join),
		cmocka_unit_test(test_interrupted),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
