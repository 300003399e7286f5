/* Unit tests of the CSV loader against the heaps they write: random
 * snapshots in every spelling docs/csv-format.md allows (columns in any
 * order, unknown columns, blanks around numbers, hex, quoted numbers,
 * leading zeros, names with commas, quotes, newlines and CRLFs, names past
 * the cache's and the label's lengths, a byte order mark, LF or CRLF rows,
 * empty optional fields), loaded and compared field by field and edge by
 * edge with what was written; then the same files with one bad number
 * planted, whose error must name the file and the row's line (counting the
 * newlines inside quoted names).  One round's edges.csv passes 1 MiB, so
 * the reader thread parses it. */
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
#include "oracle.h"

enum {
	MAX_NODES = 40000,
	MAX_EDGES = 160000,
	LABEL_CUT = 1024	/* the loader's LABEL_MAX */
};

struct xnode {
	uint64_t id, size;
	int64_t refcount;
	int has_refcount;
	uint8_t generation;
	const char *type, *name;	/* the pool's strings */
	const char *root;		/* NULL: not a root; else the kind read */
	uint64_t line;			/* where its row starts */
};

struct xedge {
	uint32_t from, to;		/* node indexes; to == MAX_NODES: an unknown id */
	const char *name;
	uint32_t index;
	int has_index;
	uint8_t kind;			/* enum heap_edge_kind | HEAP_EDGE_META */
	uint64_t line;
};

struct world {
	uint64_t rng;
	struct xnode *nodes;
	struct xedge *edges;
	uint32_t n, m;
	char dir[64];
	int crlf;
	uint64_t line;			/* the line the next row starts on */
	char *pool[64];			/* labels */
};

static uint64_t rnd(struct world *w, uint64_t n)
{
	return oracle_rand(&w->rng) % n;
}

/* Labels: short (the cache), long (past it), past the label limit, with
 * commas, quotes, newlines, CRLFs, blanks at the ends, UTF-8. */
static void make_pool(struct world *w)
{
	static const char *const fixed[] = {
		"a", "Node", "dict", "list", "al,pha", "gam\"ma", "two\nlines", "cr\r\nlf", " padded ",
		"\"\"", ",", "caf\xc3\xa9", "x123456789012345678901234", "__init__", "0", "1", "12",
		"a-very-long-type-name-of-forty-bytes-xx", "tab\there",
	};
	size_t i = 0;

	for (; i < sizeof fixed / sizeof fixed[0]; i++)
		w->pool[i] = strdup(fixed[i]);
	for (; i < 62; i++) {
		char buf[64];
		snprintf(buf, sizeof buf, "w%zu-%llu", i, (unsigned long long)rnd(w, 1000));
		w->pool[i] = strdup(buf);
	}
	w->pool[62] = malloc(LABEL_CUT + 1);	/* exactly the limit: kept */
	memset(w->pool[62], 'k', LABEL_CUT);
	w->pool[62][LABEL_CUT] = '\0';
	w->pool[63] = malloc(LABEL_CUT + 41);	/* past it: cut */
	memset(w->pool[63], 'c', LABEL_CUT + 40);
	w->pool[63][LABEL_CUT + 40] = '\0';
}

static const char *pick(struct world *w)
{
	return w->pool[rnd(w, 64)];
}

/* Writes s as a CSV field (quoted when it must be, or at random). */
static void put_field(struct world *w, FILE *f, const char *s)
{
	size_t len = strlen(s);
	/* (libcsv drops the blanks around an unquoted field) */
	int must = strpbrk(s, ",\"\r\n") != NULL ||
		   (len && strchr(" \t", s[0])) || (len && strchr(" \t", s[len - 1]));

	if (!must && !rnd(w, 8)) {
		fprintf(f, "\"%s\"", s);
		return;
	}
	if (!must) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		if (*s == '\n')
			w->line++;
		fputc(*s, f);
	}
	fputc('"', f);
}

/* A number in one of the spellings the loader reads. */
static void put_number(struct world *w, FILE *f, uint64_t v)
{
	switch (rnd(w, 12)) {
	case 0:
		fprintf(f, " %llu\t", (unsigned long long)v);
		break;
	case 1:
		fprintf(f, "0x%llx", (unsigned long long)v);
		break;
	case 2:
		fprintf(f, "\"%llu\"", (unsigned long long)v);
		break;
	case 3:
		fprintf(f, "00%llu", (unsigned long long)v);
		break;
	default:
		fprintf(f, "%llu", (unsigned long long)v);
		break;
	}
}

static void end_row(struct world *w, FILE *f)
{
	fputs(w->crlf ? "\r\n" : "\n", f);
	w->line++;
}

enum { C_ID, C_TYPE, C_SIZE, C_NAME, C_REFCOUNT, C_GEN, C_ROOT, C_EXTRA, N_NCOLS };
enum { E_FROM, E_TO, E_NAME, E_INDEX, E_KIND, E_EXTRA, N_ECOLS };

static void shuffle(struct world *w, int *order, int n)
{
	for (int i = 0; i < n; i++)
		order[i] = i;
	for (int i = n - 1; i > 0; i--) {
		int j = (int)rnd(w, (uint64_t)i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

static FILE *open_file(struct world *w, const char *name)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", w->dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	if (!rnd(w, 4))
		fputs("\xef\xbb\xbf", f);
	w->line = 1;
	w->crlf = (int)rnd(w, 2);
	return f;
}

static void write_nodes(struct world *w)
{
	static const char *const head[] = { "id", "type", "size", "name", "refcount", "generation", "root",
					    "extra" };
	int order[N_NCOLS];
	FILE *f = open_file(w, "nodes.csv");

	shuffle(w, order, N_NCOLS);
	for (int k = 0; k < N_NCOLS; k++)
		fprintf(f, "%s%s", k ? "," : "", head[order[k]]);
	end_row(w, f);
	for (uint32_t i = 0; i < w->n; i++) {
		struct xnode *x = &w->nodes[i];
		x->line = w->line;
		for (int k = 0; k < N_NCOLS; k++) {
			if (k)
				fputc(',', f);
			switch (order[k]) {
			case C_ID:
				put_number(w, f, x->id);
				break;
			case C_TYPE:
				put_field(w, f, x->type);
				break;
			case C_SIZE:
				put_number(w, f, x->size);
				break;
			case C_NAME:
				put_field(w, f, x->name);
				break;
			case C_REFCOUNT:
				if (x->has_refcount)
					put_number(w, f, (uint64_t)x->refcount);
				else if (rnd(w, 2))
					fputs(" ", f);
				break;
			case C_GEN:
				if (x->generation != HEAP_GEN_UNKNOWN)
					put_number(w, f, x->generation);
				break;
			case C_ROOT:
				if (!x->root)
					fputs(rnd(w, 2) ? "0" : rnd(w, 2) ? " " : "", f);
				else if (strcmp(x->root, "root") == 0)
					fputs(rnd(w, 2) ? "1" : " 1 ", f);
				else
					fputs(x->root, f);
				break;
			default:
				put_field(w, f, pick(w));
				break;
			}
		}
		end_row(w, f);
	}
	assert_int_equal(fclose(f), 0);
}

static void write_edges(struct world *w)
{
	static const char *const head[] = { "from", "to", "name", "index", "kind", "extra" };
	static const char *const kinds[] = { "", "strong", "weak", "internal", "shortcut", "meta",
					     "weak meta", " weak" };
	static const uint8_t kind_of[] = { HEAP_EDGE_STRONG, HEAP_EDGE_STRONG, HEAP_EDGE_WEAK,
					   HEAP_EDGE_INTERNAL, HEAP_EDGE_SHORTCUT,
					   HEAP_EDGE_STRONG | HEAP_EDGE_META,
					   HEAP_EDGE_WEAK | HEAP_EDGE_META, HEAP_EDGE_WEAK };
	int order[N_ECOLS];
	FILE *f = open_file(w, "edges.csv");

	shuffle(w, order, N_ECOLS);
	for (int k = 0; k < N_ECOLS; k++)
		fprintf(f, "%s%s", k ? "," : "", head[order[k]]);
	end_row(w, f);
	for (uint32_t i = 0; i < w->m; i++) {
		struct xedge *e = &w->edges[i];
		int kind = (int)rnd(w, 8);
		e->kind = kind_of[kind];
		e->line = w->line;
		for (int k = 0; k < N_ECOLS; k++) {
			if (k)
				fputc(',', f);
			switch (order[k]) {
			case E_FROM:
				put_number(w, f, w->nodes[e->from].id);
				break;
			case E_TO:
				/* an id no node has: the largest plus one */
				put_number(w, f, e->to == MAX_NODES ? w->nodes[0].id + (uint64_t)w->n * 48 + 1
								     : w->nodes[e->to].id);
				break;
			case E_NAME:
				put_field(w, f, e->name);
				break;
			case E_INDEX:
				if (e->has_index)
					put_number(w, f, e->index);
				break;
			case E_KIND:
				fputs(kinds[kind], f);
				break;
			default:
				put_field(w, f, pick(w));
				break;
			}
		}
		end_row(w, f);
	}
	assert_int_equal(fclose(f), 0);
}

/* A random heap: ids small and shuffled, or addresses. */
static void make_heap(struct world *w, uint32_t n, uint32_t m)
{
	int addresses = (int)rnd(w, 2);

	w->n = n;
	w->m = m;
	for (uint32_t i = 0; i < n; i++) {
		struct xnode *x = &w->nodes[i];
		/* ids i * 48 + base, shuffled below: unique */
		x->id = (addresses ? 0x7f3a12340000ull : 1 + rnd(w, 3)) + (uint64_t)i * 48;
		x->size = rnd(w, 4) ? rnd(w, 2000) : rnd(w, 1ull << 40);
		x->has_refcount = (int)rnd(w, 2);
		x->refcount = x->has_refcount ? (int64_t)rnd(w, 1000) : 0;
		x->generation = rnd(w, 3) ? (uint8_t)rnd(w, rnd(w, 2) ? 3 : 255) : HEAP_GEN_UNKNOWN;
		x->type = pick(w);
		x->name = rnd(w, 3) ? pick(w) : "";
		x->root = rnd(w, 20) ? NULL : rnd(w, 2) ? "root" : rnd(w, 2) ? "stack" : "global";
	}
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = (uint32_t)rnd(w, (uint64_t)i + 1);
		uint64_t t = w->nodes[i].id;
		w->nodes[i].id = w->nodes[j].id;
		w->nodes[j].id = t;
	}
	/* ids ascending from 0, so "largest plus one" above is unknown */
	for (uint32_t i = 1; i < n; i++)
		if (w->nodes[i].id < w->nodes[0].id) {
			uint64_t t = w->nodes[i].id;
			w->nodes[i].id = w->nodes[0].id;
			w->nodes[0].id = t;
		}
	for (uint32_t i = 0; i < m; i++) {
		struct xedge *e = &w->edges[i];
		/* runs of one source, as dumps write them, and scattered rows */
		e->from = i && rnd(w, 3) ? w->edges[i - 1].from : (uint32_t)rnd(w, n);
		e->to = rnd(w, 50) ? (uint32_t)rnd(w, n) : MAX_NODES;
		e->name = rnd(w, 2) ? pick(w) : "";
		e->has_index = (int)rnd(w, 2);
		e->index = (uint32_t)rnd(w, rnd(w, 2) ? 10 : 0x80000000u);
	}
}

static void expect_label(const struct heap *h, heap_str_t s, const char *want)
{
	size_t len, wlen = strlen(want);
	const char *got = heap_string(h, s, &len);

	if (wlen > LABEL_CUT) {
		assert_int_equal(len, LABEL_CUT + 3);
		assert_memory_equal(got, want, LABEL_CUT);
		assert_memory_equal(got + LABEL_CUT, "...", 3);
		return;
	}
	assert_int_equal(len, wlen);
	assert_memory_equal(got, want, wlen);
}

static void check_heap(struct world *w, const struct heap *h)
{
	uint32_t unknown = 0, roots = 0;
	uint32_t *next = calloc(w->n, sizeof *next);

	assert_int_equal(h->n_nodes, w->n);
	for (uint32_t v = 0; v < w->n; v++) {
		const struct xnode *x = &w->nodes[v];
		assert_int_equal(heap_id(h, v), x->id);
		assert_int_equal(heap_size(h, v), x->size);
		expect_label(h, h->type[v], x->type);
		expect_label(h, h->name[v], x->name);
		assert_int_equal(!!(h->flags[v] & HEAP_F_HAS_REFCOUNT), x->has_refcount);
		assert_int_equal(heap_refcount(h, v), x->refcount);
		assert_int_equal(h->generation[v], x->generation);
		assert_int_equal(!!(h->flags[v] & HEAP_F_ROOT), x->root != NULL);
		if (x->root) {
			assert_true(roots < h->n_roots);
			assert_int_equal(h->roots[roots].node, v);
			expect_label(h, h->roots[roots].kind, x->root);
			roots++;
		}
		next[v] = h->out_off[v];
	}
	assert_int_equal(h->n_roots, roots);
	for (uint32_t i = 0; i < w->m; i++) {
		const struct xedge *x = &w->edges[i];
		uint32_t e = next[x->from]++;
		if (x->to == MAX_NODES) {
			unknown++;
			next[x->from]--;
			continue;
		}
		assert_true(e < h->out_off[x->from + 1]);
		assert_int_equal(h->out_to[e], x->to);
		if (*x->name)
			expect_label(h, h->out_name[e], x->name);
		else
			assert_int_equal(h->out_name[e], x->has_index ? HEAP_NAME_INDEX | x->index : 0);
		assert_int_equal(heap_out_kind(h, e), x->kind & ~HEAP_EDGE_META);
		assert_int_equal(heap_out_meta(h, e), !!(x->kind & HEAP_EDGE_META));
	}
	for (uint32_t v = 0; v < w->n; v++)
		assert_int_equal(next[v], h->out_off[v + 1]);
	assert_int_equal(h->unknown_refs, unknown);
	assert_int_equal(h->n_edges, w->m - unknown);
	free(next);
}

/* Replaces the first field of the given line of FILE with "12x". */
static void plant(struct world *w, const char *file, uint64_t line)
{
	char path[128], *buf;
	FILE *f;
	long len;
	uint64_t at = 1;
	long i = 0;

	snprintf(path, sizeof path, "%s/%s", w->dir, file);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len + 8);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	for (; i < len && at < line; i++)
		at += buf[i] == '\n';
	f = fopen(path, "wb");
	fwrite(buf, 1, (size_t)i, f);
	fputs("12x,", f);
	fwrite(buf + i, 1, (size_t)(len - i), f);
	fclose(f);
	free(buf);
}

static void round_trip(struct world *w, uint32_t n, uint32_t m)
{
	struct heap *h = NULL;
	struct error err = { { 0 } };
	char want[256];
	const char *file;
	uint64_t line;

	make_heap(w, n, m);
	write_nodes(w);
	write_edges(w);
	if (loader_open(w->dir, "csv", NULL, &h, &err) != 0)
		fail_msg("%s", err.msg);
	check_heap(w, h);
	heap_free(h);

	/* one bad number (a field more, too: either error names the row) at
	 * a row after names with newlines */
	if (rnd(w, 2) || m == 0) {
		file = "nodes.csv";
		line = w->nodes[rnd(w, n)].line;
	} else {
		file = "edges.csv";
		line = w->edges[rnd(w, m)].line;
	}
	plant(w, file, line);
	assert_int_not_equal(loader_open(w->dir, "csv", NULL, &h, &err), 0);
	snprintf(want, sizeof want, "%s/%s:%llu: ", w->dir, file, (unsigned long long)line);
	if (strncmp(err.msg, want, strlen(want)) != 0)
		fail_msg("expected \"%s...\", got \"%s\"", want, err.msg);
}

static void test_round_trip(void **state)
{
	struct world w = { .rng = 0x5eed0c5ull };

	(void)state;
	snprintf(w.dir, sizeof w.dir, "/tmp/heapglass-csv-XXXXXX");
	assert_non_null(mkdtemp(w.dir));
	w.nodes = calloc(MAX_NODES, sizeof *w.nodes);
	w.edges = calloc(MAX_EDGES, sizeof *w.edges);
	make_pool(&w);
	for (int round = 0; round < 40; round++) {
		oracle_round("csv round trip", round, w.rng);
		/* the last round: edges.csv past 1 MiB, read on a second thread */
		if (round == 39)
			round_trip(&w, MAX_NODES, MAX_EDGES);
		else
			round_trip(&w, 1 + (uint32_t)rnd(&w, 300), (uint32_t)rnd(&w, 1200));
	}
	oracle_rounds_done();
	for (int i = 0; i < 64; i++)
		free(w.pool[i]);
	free(w.nodes);
	free(w.edges);
	{
		char path[128];
		snprintf(path, sizeof path, "%s/nodes.csv", w.dir);
		unlink(path);
		snprintf(path, sizeof path, "%s/edges.csv", w.dir);
		unlink(path);
		rmdir(w.dir);
	}
}

/* Loads a two-file snapshot written from the given texts: 0, or -1 with
 * the error's text after "DIR/". */
static int load_texts(const char *nodes, const char *edges, struct heap **h, char *msg, size_t size)
{
	char dir[64] = "/tmp/heapglass-csv-XXXXXX", path[128];
	struct error err = { { 0 } };
	FILE *f;
	int rc;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/nodes.csv", dir);
	f = fopen(path, "wb");
	fputs(nodes, f);
	fclose(f);
	snprintf(path, sizeof path, "%s/edges.csv", dir);
	f = fopen(path, "wb");
	fputs(edges, f);
	fclose(f);
	*h = NULL;
	rc = loader_open(dir, "csv", NULL, h, &err);
	snprintf(msg, size, "%s", rc ? err.msg + strlen(dir) + 1 : "");
	unlink(path);
	snprintf(path, sizeof path, "%s/nodes.csv", dir);
	unlink(path);
	rmdir(dir);
	return rc;
}

/* The limits of each number column, on both sides of the limit (the
 * loader reads plain short numbers on a fast path and the others on the
 * general one: both must agree). */
static void test_limits(void **state)
{
	static const struct {
		const char *nodes, *edges, *error;
	} cases[] = {
		{ "id,type,size\n18446744073709551615,A,9000000000000000000\n", "from,to,index\n", NULL },
		{ "id,type,size\n18446744073709551616,A,8\n", "from,to\n",
		  "nodes.csv:2: column 'id': number too large (the limit is 18446744073709551615)" },
		{ "id,type,size,refcount\n1,A,8,9223372036854775807\n", "from,to\n", NULL },
		{ "id,type,size,refcount\n1,A,8,9223372036854775808\n", "from,to\n",
		  "nodes.csv:2: column 'refcount': number too large (the limit is 9223372036854775807)" },
		{ "id,type,size,generation\n1,A,8,254\n", "from,to\n", NULL },
		{ "id,type,size,generation\n1,A,8,255\n", "from,to\n",
		  "nodes.csv:2: column 'generation': number too large (the limit is 254)" },
		{ "id,type,size,generation\n1,A,8,x\n", "from,to\n",
		  "nodes.csv:2: column 'generation': 'x' is not an unsigned integer" },
		{ "id,type,size\n1,A,8\n", "from,to,index\n1,1,2147483647\n", NULL },
		{ "id,type,size\n1,A,8\n", "from,to,index\n1,1,2147483648\n",
		  "edges.csv:2: column 'index': number too large (the limit is 2147483647)" },
		{ "id,type,size\n1,A,8\n", "from,to\n1,-1\n",
		  "edges.csv:2: column 'to': '-1' is not an unsigned integer" },
		{ "id,type,size\n1,A,8\n", "from,to\n1,1,\n", "edges.csv:2: expected 2 fields as in the header, found 3" },
		{ "id,type,size\n1,A,8,\n", "from,to\n", "nodes.csv:2: expected 3 fields as in the header, found 4" },
	};
	char msg[512];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct heap *h;
		int rc = load_texts(cases[i].nodes, cases[i].edges, &h, msg, sizeof msg);
		if (!cases[i].error) {
			if (rc != 0)
				fail_msg("case %zu: %s", i, msg);
			heap_free(h);
		} else if (rc == 0 || strcmp(msg, cases[i].error) != 0) {
			fail_msg("case %zu: expected \"%s\", got \"%s\"", i, cases[i].error, rc ? msg : "no error");
		}
	}
	{
		struct heap *h;
		assert_int_equal(load_texts("id,type,size,refcount,generation\n18446744073709551615,A,9000000000000000000,"
					    "9223372036854775807,254\n", "from,to,index\n18446744073709551615,"
					    "18446744073709551615,2147483647\n", &h, msg, sizeof msg), 0);
		assert_int_equal(heap_id(h, 0), UINT64_MAX);
		assert_int_equal(heap_size(h, 0), 9000000000000000000ull);
		assert_int_equal(heap_refcount(h, 0), INT64_MAX);
		assert_int_equal(h->generation[0], 254);
		assert_int_equal(h->out_name[0], HEAP_NAME_INDEX | 2147483647u);
		heap_free(h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_round_trip, oracle_teardown),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
