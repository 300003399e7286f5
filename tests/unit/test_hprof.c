/* Unit tests of the HPROF loader against the hand-written fixtures of
 * tests/oracles/hprof/gen_fixtures.py (whose docstring states the object graph the
 * assertions below check), every truncation of them, the bad-input
 * fixtures, and a sparse dump over 4 GiB whose record length wraps. */
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

#include "graph/heap.h"
#include "graph/core/progress.h"
#include "loaders/loader.h"

static char *fixture(const char *name)
{
	const char *top = getenv("TOP");
	static char path[4096];

	snprintf(path, sizeof path, "%s/tests/fixtures/hprof/%s", top ? top : ".", name);
	return path;
}

static struct heap *load(const char *name)
{
	struct heap *h = NULL;
	struct error err = { { 0 } };

	if (loader_open(fixture(name), NULL, NULL, &h, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(h->format, "hprof");
	return h;
}

static heap_node_t node(const struct heap *h, uint64_t id)
{
	heap_node_t v = heap_find(h, id);

	if (v == HEAP_NONE)
		fail_msg("no object 0x%llx", (unsigned long long)id);
	return v;
}

static const char *str(const struct heap *h, heap_str_t s)
{
	return heap_string(h, s, NULL);
}

/* The out-edges of id as "name>0xTARGET/kind" joined by spaces; with
 * user_only, only those in the user graph, as "name>0xTARGET". */
static const char *edge_list(const struct heap *h, uint64_t id, int user_only)
{
	static char out[2048];
	heap_node_t v = node(h, id);
	size_t n = 0;

	out[0] = '\0';
	for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
		char name[256], kind[3] = { '/', "SIWX"[h->out_kind[e]], '\0' };
		if (user_only && !heap_out_user(h, e))
			continue;
		heap_edge_name(h, h->out_name[e], name, sizeof name);
		n += (size_t)snprintf(out + n, sizeof out - n, "%s%s>0x%llx%s", n ? " " : "", name,
				      (unsigned long long)h->id[h->out_to[e]], user_only ? "" : kind);
	}
	return out;
}

static const char *edges(const struct heap *h, uint64_t id)
{
	return edge_list(h, id, 0);
}

static const char *user_edges(const struct heap *h, uint64_t id)
{
	return edge_list(h, id, 1);
}

static const char *root_kinds(const struct heap *h, uint64_t id)
{
	static char out[512];
	heap_node_t v = node(h, id);
	size_t n = 0;

	out[0] = '\0';
	for (uint32_t r = 0; r < h->n_roots; r++)
		if (h->roots[r].node == v)
			n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", n ? "," : "",
					      str(h, h->roots[r].kind));
	return out;
}

static void check_type(const struct heap *h, uint64_t id, const char *type, const char *name,
		       uint64_t size)
{
	heap_node_t v = node(h, id);

	assert_string_equal(str(h, h->type[v]), type);
	assert_string_equal(str(h, h->name[v]), name);
	assert_int_equal(h->size[v], size);
}

/* The user graph's marks (docs/user-graph.md, "Java HPROF"): every
 * reference the dump states outside fields (<class>, <super>,
 * <classloader>, <constant pool>...) and nothing else is META, class
 * objects are anchors, and the fields' references are the user's unless
 * weak. */
static void check_user_marks(const struct heap *h)
{
	uint64_t bracketed = 0;

	for (uint32_t e = 0; e < h->n_edges; e++) {
		char name[256];
		heap_edge_name(h, h->out_name[e], name, sizeof name);
		bracketed += name[0] == '<';
	}
	assert_true(bracketed >= 10);
	assert_int_equal(h->meta_refs, bracketed);
	for (uint32_t v = 0; v < h->n_nodes; v++)
		assert_int_equal(!!(h->flags[v] & HEAP_F_ANCHOR), !!(h->flags[v] & HEAP_F_CLASS));
	assert_string_equal(user_edges(h, 0x200), "next>0x201");
	assert_string_equal(user_edges(h, 0x201), "extra>0x500 next>0x200");
	assert_string_equal(user_edges(h, 0x300), "");	/* the referent is weak */
	assert_string_equal(user_edges(h, 0x104), "");	/* an anchor */
}

/* What small-id8 and small-id4 share: the same graph, other sizes. */
static void check_graph(const struct heap *h)
{
	assert_int_equal(h->n_nodes, 17);
	assert_int_equal(h->n_edges, 25);
	assert_int_equal(h->n_roots, 4);
	assert_int_equal(h->unknown_refs, 2);	/* array slot 0xdead, root 0xbeef */

	assert_string_equal(edges(h, 0x200), "<class>>0x104/I next>0x201/S");
	/* own fields first, then the superclass's, as HPROF lays them out */
	assert_string_equal(edges(h, 0x201), "<class>>0x105/I extra>0x500/S next>0x200/S");
	assert_string_equal(edges(h, 0x300), "<class>>0x103/I referent>0x200/W");
	assert_string_equal(edges(h, 0x500), "<class>>0x106/I [0]>0x200/S [2]>0x201/S");
	assert_string_equal(edges(h, 0x600), "<class>>0x107/I");
	assert_string_equal(edges(h, 0x601), "<class>>0x108/I [0]>0x600/S");
	assert_string_equal(edges(h, 0x602), "<class>>0x109/I");
	assert_string_equal(edges(h, 0x104), "<super>>0x100/I <constant pool>>0x601/S ALL>0x500/S");
	assert_string_equal(edges(h, 0x105), "<super>>0x104/I");
	assert_string_equal(edges(h, 0x100), "");

	assert_string_equal(root_kinds(h, 0x104), "sticky class");
	assert_string_equal(root_kinds(h, 0x200), "Java frame");
	assert_string_equal(root_kinds(h, 0x300), "JNI global");
	assert_string_equal(root_kinds(h, 0x201), "thread object");
	assert_true(h->flags[node(h, 0x200)] & HEAP_F_ROOT);
	assert_false(h->flags[node(h, 0x500)] & HEAP_F_ROOT);

	assert_true(h->flags[node(h, 0x104)] & HEAP_F_CLASS);
	assert_false(h->flags[node(h, 0x200)] & HEAP_F_CLASS);
	assert_true(h->flags[node(h, 0x300)] & HEAP_F_WEAKREF);
	assert_false(h->flags[node(h, 0x201)] & HEAP_F_WEAKREF);
	assert_int_equal(heap_find(h, 0x999), HEAP_NONE);	/* the second dump is not read */
	check_user_marks(h);
}

static void test_small_id8(void **state)
{
	struct heap *h = load("small-id8.hprof");

	(void)state;
	check_graph(h);
	/* 64-bit HotSpot, compressed oops: 12-byte header, 16 for arrays */
	check_type(h, 0x104, "java.lang.Class", "demo.Node", 32);	/* 24 + 8 of statics */
	check_type(h, 0x105, "java.lang.Class", "demo.Sub", 24);
	check_type(h, 0x106, "java.lang.Class", "java.lang.Object[]", 24);
	check_type(h, 0x108, "java.lang.Class", "int[][]", 24);
	check_type(h, 0x200, "demo.Node", "", 24);	/* 12 + 4 + 4 */
	check_type(h, 0x201, "demo.Sub", "", 32);	/* 12 + 8 + 4 + 1 */
	check_type(h, 0x300, "java.lang.ref.WeakReference", "", 24);
	check_type(h, 0x500, "java.lang.Object[]", "", 32);	/* 16 + 4 * 4 */
	check_type(h, 0x600, "int[]", "", 32);		/* 16 + 12 */
	check_type(h, 0x601, "int[][]", "", 24);
	check_type(h, 0x602, "long[]", "", 24);
	assert_int_equal(h->total_size, 440);
	heap_free(h);
}

static void test_small_id4(void **state)
{
	struct heap *h = load("small-id4.hprof");

	(void)state;
	check_graph(h);
	/* 32-bit: 8-byte header, 12 for arrays, 8-byte elements from 16 */
	check_type(h, 0x104, "java.lang.Class", "demo.Node", 24);
	check_type(h, 0x200, "demo.Node", "", 16);
	check_type(h, 0x201, "demo.Sub", "", 24);
	check_type(h, 0x500, "java.lang.Object[]", "", 32);
	check_type(h, 0x600, "int[]", "", 24);
	check_type(h, 0x602, "long[]", "", 24);
	assert_int_equal(h->total_size, 320);
	heap_free(h);
}

static void test_android(void **state)
{
	struct heap *h = load("android.hprof");
	heap_node_t v;

	(void)state;
	assert_int_equal(h->n_nodes, 19);
	assert_int_equal(h->n_edges, 26);
	assert_int_equal(h->n_roots, 6);
	assert_string_equal(root_kinds(h, 0x200), "interned string,finalizing,debugger,"
			    "reference cleanup,VM internal,JNI monitor");
	assert_string_equal(root_kinds(h, 0x201), "");	/* UNREACHABLE is no root */
	/* ART states instance sizes itself (header included) */
	check_type(h, 0x104, "java.lang.Class", "demo.Node", 120);
	check_type(h, 0x200, "demo.Node", "", 16);
	check_type(h, 0x201, "demo.Sub", "", 24);
	check_type(h, 0x500, "java.lang.Object[]", "", 32);
	check_type(h, 0x10104, "byte[]", "", 24);
	check_type(h, 0x700, "char[]", "", 216);	/* PRIMITIVE_ARRAY_NODATA: 12 + 200 */
	assert_int_equal(h->total_size, 1600);
	assert_string_equal(edges(h, 0x104), "<super>>0x100/I <constant pool>>0x601/S "
			    "$classOverhead>0x10104/S ALL>0x500/S");
	/* HEAP_DUMP_INFO names the heap of what follows */
	v = node(h, 0x104);
	assert_string_equal(str(h, h->categories[h->category[v]]), "zygote");
	v = node(h, 0x200);
	assert_string_equal(str(h, h->categories[h->category[v]]), "app");
	heap_free(h);
}

/* java.lang.String instances are named by their first 40 characters. */
static void check_strings(const char *name)
{
	struct heap *h = load(name);
	char fifty[64];

	memset(fifty, 'a', 40);
	strcpy(fifty + 40, "...");
	check_type(h, 0x800, "java.lang.String", "hello", h->size[node(h, 0x800)]);
	assert_string_equal(str(h, h->name[node(h, 0x801)]), "h\xc3\xa9llo\xe2\x82\xac");
	assert_string_equal(str(h, h->name[node(h, 0x802)]), fifty);
	assert_string_equal(str(h, h->name[node(h, 0x803)]), "\"\"");
	assert_string_equal(str(h, h->name[node(h, 0x804)]), "");	/* value not in the dump */
	assert_string_equal(str(h, h->name[node(h, 0x900)]), "");	/* arrays stay unnamed */
	/* ids interleave (0x900, 0x800, 0x901, 0x801...): the id index's
	 * out-of-order path resolves the references */
	assert_string_equal(edges(h, 0x801), "<class>>0x110/I value>0x901/S");
	assert_string_equal(edges(h, 0x803), "<class>>0x110/I value>0x903/S");
	assert_int_equal(h->unknown_refs, 1);	/* 0x804's value 0x9ff */
	heap_free(h);
}

static void test_strings(void **state)
{
	(void)state;
	check_strings("strings-jdk9.hprof");
	check_strings("strings-jdk8.hprof");
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Every prefix of a fixture either loads (only when it ends exactly at a
 * record boundary after a heap dump record) or fails with one line that
 * names the file; never a crash or a leak (run under `make asan`). */
static void truncations(const char *name)
{
	size_t len, hdr;
	unsigned char *buf = slurp(fixture(name), &len);
	char tmp[] = "/tmp/hg-hprof-trunc-XXXXXX";
	int fd = mkstemp(tmp);
	unsigned char *boundary = calloc(len + 1, 1);
	unsigned loaded = 0;

	assert_true(fd >= 0);
	close(fd);
	/* record boundaries, by the record headers */
	hdr = strlen((const char *)buf) + 1 + 12;
	for (size_t p = hdr; p + 9 <= len;) {
		p += 9 + ((size_t)buf[p + 5] << 24 | (size_t)buf[p + 6] << 16 | (size_t)buf[p + 7] << 8 |
			  buf[p + 8]);
		if (p <= len)
			boundary[p] = 1;
	}
	{
		FILE *f = fopen(tmp, "wb");
		assert_int_equal(fwrite(buf, 1, len, f), len);
		fclose(f);
	}
	/* cut the one file shorter and shorter, rather than write each prefix */
	for (size_t cut = len; cut >= 1; cut--) {
		struct heap *h = NULL;
		struct error err = { { 0 } };
		int rc;
		assert_int_equal(truncate(tmp, (off_t)cut), 0);
		rc = loader_open(tmp, "hprof", NULL, &h, &err);
		if (rc == 0) {
			if (!boundary[cut])
				fail_msg("%s cut at %zu loaded", name, cut);
			loaded++;
			heap_free(h);
		} else {
			assert_null(h);
			assert_non_null(strstr(err.msg, tmp));
			assert_null(strchr(err.msg, '\n'));
			if (cut > hdr && !strstr(err.msg, "offset") && !strstr(err.msg, "no heap dump"))
				fail_msg("%s cut at %zu: message without an offset: %s", name, cut, err.msg);
		}
	}
	assert_true(loaded > 0);
	unlink(tmp);
	free(boundary);
	free(buf);
}

static void test_truncated(void **state)
{
	(void)state;
	truncations("small-id8.hprof");
	truncations("small-id4.hprof");
	truncations("android.hprof");
	truncations("strings-jdk9.hprof");
}

static void expect_error(const char *name, const char *what)
{
	struct heap *h = NULL;
	struct error err = { { 0 } };

	if (loader_open(fixture(name), NULL, NULL, &h, &err) == 0)
		fail_msg("%s loaded", name);
	assert_null(h);
	if (!strstr(err.msg, what))
		fail_msg("%s: expected \"%s\" in: %s", name, what, err.msg);
}

static void test_bad(void **state)
{
	(void)state;
	expect_error("bad-idsize.hprof", "offset 19: identifier size 6 (only 4 and 8");
	expect_error("bad-version.hprof", "unsupported HPROF version \"JAVA PROFILE 1.0.9\"");
	expect_error("bad-tag.hprof", "unknown record tag 0x55");
	expect_error("bad-subtag.hprof", "unknown heap dump sub-record tag 0x42");
	expect_error("bad-loop.hprof", "superclass chain of class demo/Node loops");
	expect_error("bad-fields.hprof", "holds 9 bytes of field values, but the class and its "
		     "superclasses declare 12");
	expect_error("bad-count.hprof", "OBJ_ARRAY_DUMP of 4294967295 elements");
	expect_error("bad-reclen.hprof", "runs past the end of the file");
	expect_error("bad-duplicate.hprof", "object id 0x200 appears again (first at offset");
	expect_error("bad-fieldtype.hprof", "instance field of invalid type 3");
	expect_error("bad-nodump.hprof", "no heap dump");
}

static void put(FILE *f, const void *p, size_t n)
{
	assert_int_equal(fwrite(p, 1, n, f), n);
}

static void put_u(FILE *f, uint64_t v, int bytes)
{
	unsigned char b[8];

	for (int i = 0; i < bytes; i++)
		b[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
	put(f, b, (size_t)bytes);
}

/* A dump whose heap dump record holds a 4 GiB byte[] between two
 * instances: its 32-bit length wraps.  segment = 0: a 1.0.1 HEAP_DUMP to
 * the end of the file; 1: a 1.0.2 HEAP_DUMP_SEGMENT followed by
 * HEAP_DUMP_END.  The file is sparse (the array's bytes are a hole), so it
 * costs no disk and no reading. */
static void length_wraps(int segment)
{
	char tmp[] = "/tmp/hg-hprof-big-XXXXXX";
	int fd = mkstemp(tmp);
	FILE *f = fdopen(fd, "wb");
	const uint64_t big = 0xffffffffu;
	uint64_t len = 0, len_pos, end;
	struct heap *h = NULL;
	struct error err = { { 0 } };
	struct stat st;

	assert_non_null(f);
	put(f, segment ? "JAVA PROFILE 1.0.2" : "JAVA PROFILE 1.0.1", 19);
	put_u(f, 8, 4);
	put_u(f, 0, 8);
	put_u(f, segment ? 0x1c : 0x0c, 1);
	put_u(f, 0, 4);
	len_pos = (uint64_t)ftell(f);
	put_u(f, 0, 4);
	/* CLASS_DUMP 0x10: no statics, no fields */
	put_u(f, 0x20, 1); put_u(f, 0x10, 8); put_u(f, 0, 4);
	for (int i = 0; i < 6; i++)
		put_u(f, 0, 8);
	put_u(f, 0, 4); put_u(f, 0, 2); put_u(f, 0, 2); put_u(f, 0, 2);
	len += 1 + 8 + 4 + 48 + 4 + 6;
	/* INSTANCE_DUMP 0x20 */
	put_u(f, 0x21, 1); put_u(f, 0x20, 8); put_u(f, 0, 4); put_u(f, 0x10, 8); put_u(f, 0, 4);
	len += 25;
	/* PRIM_ARRAY_DUMP 0x30: byte[2^32 - 1], left as a hole */
	put_u(f, 0x23, 1); put_u(f, 0x30, 8); put_u(f, 0, 4); put_u(f, big, 4); put_u(f, 8, 1);
	len += 18 + big;
	assert_int_equal(fseek(f, (long)big, SEEK_CUR), 0);
	/* INSTANCE_DUMP 0x40 and a root on it, after the array */
	put_u(f, 0x21, 1); put_u(f, 0x40, 8); put_u(f, 0, 4); put_u(f, 0x10, 8); put_u(f, 0, 4);
	put_u(f, 0x05, 1); put_u(f, 0x40, 8);
	len += 25 + 9;
	if (segment) {
		put_u(f, 0x2c, 1);
		put_u(f, 0, 8);
	}
	end = (uint64_t)ftell(f);
	assert_int_equal(fseek(f, (long)len_pos, SEEK_SET), 0);
	put_u(f, len & 0xffffffffu, 4);
	fclose(f);
	assert_int_equal(stat(tmp, &st), 0);
	assert_int_equal((uint64_t)st.st_size, end);
	if ((uint64_t)st.st_blocks * 512 > (64u << 20)) {
		unlink(tmp);
		skip();	/* this file system does not keep holes */
	}
	if (loader_open(tmp, NULL, NULL, &h, &err) != 0) {
		unlink(tmp);
		fail_msg("%s", err.msg);
	}
	unlink(tmp);
	assert_int_equal(h->n_nodes, 4);
	assert_int_equal(h->n_roots, 1);
	assert_int_equal(h->roots[0].node, heap_find(h, 0x40));
	assert_int_equal(h->size[heap_find(h, 0x30)], 16 + big + 1);	/* align8(16 + 2^32 - 1) */
	heap_free(h);
}

static void test_length_wraps(void **state)
{
	(void)state;
	length_wraps(0);
	length_wraps(1);
}

/* Writes an HPROF record header (tag, time 0, length). */
static void put_record(FILE *f, unsigned tag, uint64_t len)
{
	put_u(f, tag, 1);
	put_u(f, 0, 4);
	put_u(f, len, 4);
}

/* A CLASS_DUMP of class id with superclass super, no statics, and the
 * given instance fields (name ids and types); returns its bytes. */
static uint64_t put_class(FILE *f, uint64_t id, uint64_t super, int nf, const uint64_t *names,
			  const uint8_t *types)
{
	put_u(f, 0x20, 1); put_u(f, id, 8); put_u(f, 0, 4); put_u(f, super, 8);
	for (int i = 0; i < 5; i++)
		put_u(f, 0, 8);
	put_u(f, 0, 4); put_u(f, 0, 2); put_u(f, 0, 2); put_u(f, (uint64_t)nf, 2);
	for (int i = 0; i < nf; i++) {
		put_u(f, names[i], 8);
		put_u(f, types[i], 1);
	}
	return 1 + 8 + 4 + 6 * 8 + 4 + 6 + 9 * (uint64_t)nf;
}

enum { W_N = 200000 };	/* holders and array slots: megabytes, many read windows */

static uint64_t w_holder(uint64_t k)
{
	return 0x100000 + 16 * k;
}

/* What slot i of the big array holds: null, an unknown id or a holder. */
static uint64_t w_slot(uint64_t i)
{
	if (i % 7 == 0)
		return 0;
	if (i % 1000 == 1)
		return 0xdead0 + 16 * i;
	return w_holder((i * 7919 + 3) % W_N);
}

/* The loader reads the walks through a window of the file (fmt_hprof.c):
 * a dump of megabytes whose records straddle its edges, an Object[] of
 * 200,000 slots (1.6 MB), 200,000 instances after it and Strings whose
 * values are megabytes before or after them; every reference and label is
 * checked against what was written. */
static void test_window(void **state)
{
	char tmp[] = "/tmp/hg-hprof-window-XXXXXX";
	int fd = mkstemp(tmp);
	FILE *f = fdopen(fd, "wb");
	static const char *const names[] = { "java/lang/Object", "java/lang/String", "value", "coder",
					     "Holder", "f" };
	const uint64_t str_fields[] = { 3, 4 }, holder_fields[] = { 6 };
	const uint8_t str_types[] = { 2, 8 }, holder_types[] = { 2 };
	uint64_t len = 0, len_pos, unknown = 0;
	struct heap *h = NULL;
	struct error err = { { 0 } };
	heap_node_t v;

	(void)state;
	assert_non_null(f);
	put(f, "JAVA PROFILE 1.0.2", 19);
	put_u(f, 8, 4);
	put_u(f, 0, 8);
	for (uint64_t i = 0; i < 6; i++) {	/* UTF8 ids 1..6 */
		put_record(f, 0x01, 8 + strlen(names[i]));
		put_u(f, i + 1, 8);
		put(f, names[i], strlen(names[i]));
	}
	for (uint64_t i = 0; i < 3; i++) {	/* classes 0x08, 0x10, 0x20 */
		static const uint64_t cid[] = { 0x08, 0x10, 0x20 }, cname[] = { 1, 2, 5 };
		put_record(f, 0x02, 24);
		put_u(f, i + 1, 4); put_u(f, cid[i], 8); put_u(f, 0, 4); put_u(f, cname[i], 8);
	}
	put_record(f, 0x1c, 0);
	len_pos = (uint64_t)ftell(f) - 4;
	len += put_class(f, 0x08, 0, 0, NULL, NULL);
	len += put_class(f, 0x10, 0x08, 2, str_fields, str_types);
	len += put_class(f, 0x20, 0x08, 1, holder_fields, holder_types);
	/* byte[] 0x1000 "far away", before the array and the holders */
	put_u(f, 0x23, 1); put_u(f, 0x1000, 8); put_u(f, 0, 4); put_u(f, 8, 4); put_u(f, 8, 1);
	put(f, "far away", 8);
	/* String 0x3300 on byte[] 0x3400, which comes megabytes after it */
	put_u(f, 0x21, 1); put_u(f, 0x3300, 8); put_u(f, 0, 4); put_u(f, 0x10, 8); put_u(f, 9, 4);
	put_u(f, 0x3400, 8); put_u(f, 0, 1);
	len += 18 + 8 + 34;
	/* Object[] 0x2000 */
	put_u(f, 0x22, 1); put_u(f, 0x2000, 8); put_u(f, 0, 4); put_u(f, W_N, 4); put_u(f, 0, 8);
	for (uint64_t i = 0; i < W_N; i++) {
		put_u(f, w_slot(i), 8);
		unknown += w_slot(i) >= 0xdead0 && w_slot(i) < 0x100000;
	}
	len += 25 + 8 * (uint64_t)W_N;
	/* the holders: f = the holder k * 31 + 5 on */
	for (uint64_t k = 0; k < W_N; k++) {
		put_u(f, 0x21, 1); put_u(f, w_holder(k), 8); put_u(f, 0, 4); put_u(f, 0x20, 8); put_u(f, 8, 4);
		put_u(f, w_holder((k * 31 + 5) % W_N), 8);
	}
	len += 33 * (uint64_t)W_N;
	/* String 0x3000 on the far array; byte[] 0x3100 and String 0x3200 on it */
	put_u(f, 0x21, 1); put_u(f, 0x3000, 8); put_u(f, 0, 4); put_u(f, 0x10, 8); put_u(f, 9, 4);
	put_u(f, 0x1000, 8); put_u(f, 0, 1);
	put_u(f, 0x23, 1); put_u(f, 0x3100, 8); put_u(f, 0, 4); put_u(f, 4, 4); put_u(f, 8, 1);
	put(f, "near", 4);
	put_u(f, 0x21, 1); put_u(f, 0x3200, 8); put_u(f, 0, 4); put_u(f, 0x10, 8); put_u(f, 9, 4);
	put_u(f, 0x3100, 8); put_u(f, 0, 1);
	put_u(f, 0x23, 1); put_u(f, 0x3400, 8); put_u(f, 0, 4); put_u(f, 5, 4); put_u(f, 8, 1);
	put(f, "after", 5);
	put_u(f, 0xff, 1); put_u(f, 0x2000, 8);	/* ROOT_UNKNOWN on the array */
	len += 34 + 18 + 4 + 34 + 18 + 5 + 9;
	put_record(f, 0x2c, 0);
	assert_int_equal(fseek(f, (long)len_pos, SEEK_SET), 0);
	put_u(f, len, 4);
	fclose(f);
	if (loader_open(tmp, NULL, NULL, &h, &err) != 0) {
		unlink(tmp);
		fail_msg("%s", err.msg);
	}
	unlink(tmp);
	assert_int_equal(h->n_nodes, 3 + 2 + W_N + 5);
	assert_int_equal(h->unknown_refs, unknown);
	v = node(h, 0x2000);
	{
		uint32_t e = h->out_off[v];
		for (uint64_t i = 0; i < W_N; i++) {
			uint64_t id = w_slot(i);
			if (id == 0 || (id >= 0xdead0 && id < 0x100000))
				continue;
			assert_true(e < h->out_off[v + 1]);
			assert_int_equal(h->out_name[e], HEAP_NAME_INDEX | i);
			assert_int_equal(h->id[h->out_to[e]], id);
			e++;
		}
		assert_int_equal(e, h->out_off[v + 1]);
	}
	for (uint64_t k = 0; k < W_N; k++) {
		heap_node_t w = node(h, w_holder(k));
		uint32_t e = h->out_off[w];
		assert_int_equal(h->out_off[w + 1] - e, 2);	/* <class>, f */
		assert_string_equal(str(h, h->out_name[e + 1]), "f");
		assert_int_equal(h->id[h->out_to[e + 1]], w_holder((k * 31 + 5) % W_N));
	}
	check_type(h, 0x3000, "java.lang.String", "far away", 24);
	check_type(h, 0x3200, "java.lang.String", "near", 24);
	check_type(h, 0x3300, "java.lang.String", "after", 24);
	assert_string_equal(root_kinds(h, 0x2000), "unknown");
	heap_free(h);
}

/* A progress callback that asks to stop in one phase (ctx: the struct
 * progress, whose clock it resets so that every tick reports). */
static int stop_in(void *ctx, const char *what, uint64_t done, uint64_t total)
{
	(void)done;
	(void)total;
	((struct progress *)ctx)->next_ns = 0;
	return strcmp(what, "classes") == 0;
}

/* q aborts the phase after the parse too (issue 22): it ticks, and stops
 * with "interrupted" when asked. */
static void test_abort_classes(void **state)
{
	struct progress p = { .fn = stop_in, .next_ns = 0 };
	struct heap *h = NULL;
	struct error err = { { 0 } };

	(void)state;
	p.ctx = &p;
	assert_int_equal(loader_open(fixture("small-id8.hprof"), NULL, &p, &h, &err), -1);
	assert_null(h);
	assert_non_null(strstr(err.msg, "interrupted"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_id8),
		cmocka_unit_test(test_small_id4),
		cmocka_unit_test(test_android),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_length_wraps),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_abort_classes),
	};

	return cmocka_run_group_tests_name("hprof", tests, NULL, NULL);
}
