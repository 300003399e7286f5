#include "loaders/fmt_v8.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph/core/mem.h"
#include "graph/core/worker.h"

enum {
	CHUNK = 8 << 20,		/* read() size */
	LOOKAHEAD = 64,			/* bytes kept in the window by the number loop */
	META_MAX = 16 << 20,		/* snapshot meta object, bytes */
	STRING_MAX = 64 << 20,		/* one string token, bytes */
	KEY_MAX = 256,			/* a top-level key, bytes */
	TYPES_MAX = 4096,		/* entries of node_types / edge_types */
	FIELDS_MAX = 64,		/* entries of node_fields / edge_fields */
	TICK = 1 << 16			/* numbers between progress ticks */
};

/* How one V8 node type is shown and treated. */
struct ntype {
	heap_str_t class_name;	/* DevTools' className() for the type; 0: use the node name */
	uint8_t category;
	unsigned synthetic : 1;
	unsigned hidden : 1;
	unsigned array : 1;
	unsigned native : 1;
	unsigned runtime : 1;	/* V8's machinery: out of the user graph */
	unsigned closure : 1;
	unsigned object : 1;
};

/* How one V8 edge type maps onto heapglass. */
struct etype {
	uint8_t kind;		/* enum heap_edge_kind */
	unsigned index_name : 1;	/* element / hidden: name_or_index is an index */
};

/* The input window: buf[pos..len) are unread bytes; buf[0] is at file
 * offset base.  Read errors go to err as "path: byte N: ...": the V8
 * loader's own record, or the reader thread's while it owns the window. */
struct rd {
	const char *path;
	struct error *err;
	int fd;
	char *buf;
	size_t cap, pos, len;
	uint64_t base;
	uint64_t file_size;
	int eof;
};

/* A small open-addressing map string index -> WeakMap table id, for the
 * ephemeron edge names. */
struct ephmap {
	uint32_t *key;		/* string index + 1; 0 empty */
	uint64_t *table;
	size_t mask, used;
};

struct v8 {
	const char *path;
	struct heap_builder *b;
	struct progress *prog;
	struct error *err;
	struct rd r;

	/* layout from meta */
	unsigned nf, ef;
	int f_type, f_name, f_id, f_size, f_edges, f_detached;
	int e_type, e_name, e_to;
	struct ntype *nt;
	unsigned n_nt;
	struct etype *et;
	unsigned n_et;
	int have_meta;
	int f_detached_present;
	uint64_t meta_nodes, meta_edges;	/* UINT64_MAX when absent */
	uint64_t root_index;

	/* what was read */
	int have_nodes, have_edges, have_strings;
	uint32_t n_nodes;
	uint32_t *edge_count;			/* per node; later first-edge offsets */
	uint64_t n_edges;
	uint64_t max_node_name, max_node_name_at;	/* largest name index and where */
	uint64_t max_edge_name, max_edge_name_at;
	int any_node_name, any_edge_name;

	/* strings */
	heap_str_t *strmap;			/* string index -> arena offset */
	uint32_t n_strings, strmap_cap;
	uint32_t s_external_data;		/* index of "system / ExternalStringData" + 1 */
	uint32_t s_dom_trees;			/* index of "(Document DOM trees)" + 1 */
	uint8_t *sname;				/* string index -> enum sname */
	uint8_t sname_first[256];		/* first bytes of the names (snames_init) */
	uint8_t sname_len[32];			/* their lengths */
	uint64_t *back_meta;			/* per edge: a back link of a pair (user_marks) */
	struct ephmap eph;
	regex_t eph_re;
	int eph_re_ok;
	uint8_t *dom_state;			/* per node: detachedness 0..2, NULL if all 0 */
	size_t dom_state_cap;
	char *tmp;				/* scratch for decoded strings */
	size_t tmp_cap;
};

/* ---- errors ---- */

static int fail_at(struct v8 *v, uint64_t off, const char *what)
{
	return error_set(v->err, "%s: byte %llu: %s", v->path, (unsigned long long)off, what);
}

static uint64_t here(const struct v8 *v)
{
	return v->r.base + v->r.pos;
}

static int fail_here(struct v8 *v, const char *what)
{
	return fail_at(v, here(v), what);
}

/* ---- input ---- */

/* Makes at least `need` unread bytes available unless the file ends first.
 * May move the window (pointers into buf become stale). */
static int rd_fill(struct rd *r, size_t need)
{
	size_t want, limit;

	if (r->len - r->pos >= need || r->eof)
		return 0;
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->base += r->pos;
		r->len -= r->pos;
		r->pos = 0;
	}
	/* The window never grows past the rest of the file (+1 byte to see
	 * its end): a small file gets no buffer sized for a big one (that
	 * kept the V8 fuzzer at 60 loads a second).  A file that grows while
	 * it is read is still read whole: the loop below grows on demand. */
	want = need;
	limit = SIZE_MAX;
	if (r->file_size > r->base && r->file_size - r->base < SIZE_MAX)
		limit = (size_t)(r->file_size - r->base + 1);
	if (want > limit)
		want = limit;
	if (want > r->cap) {
		r->cap = r->cap < limit / 2 ? r->cap * 2 : limit;
		if (r->cap < want)
			r->cap = want;
		r->buf = mem_realloc_array(r->buf, r->cap + 1, 1);
	}
	while (r->len < need && !r->eof) {
		ssize_t n;
		if (r->len == r->cap) {
			r->cap = r->cap * 2 > need ? r->cap * 2 : need;
			r->buf = mem_realloc_array(r->buf, r->cap + 1, 1);
		}
		n = read(r->fd, r->buf + r->len, r->cap - r->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return error_set(r->err, "%s: byte %llu: %s", r->path,
					 (unsigned long long)(r->base + r->len), strerror(errno));
		}
		if (n == 0)
			r->eof = 1;
		r->len += (size_t)n;
	}
	r->buf[r->len] = '\0';
	return 0;
}

/* A progress tick at file offset `at` (here(), or the end of a batch the
 * reader thread has read). */
static int tick_at(struct v8 *v, uint64_t at)
{
	if (progress_tick(v->prog, "parsing", at, v->r.file_size))
		return error_set(v->err, "%s: interrupted", v->path);
	return 0;
}

static int tick(struct v8 *v)
{
	return tick_at(v, here(v));
}

static int is_ws(int c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Skips white space; returns the next byte (not consumed) or -1 at the end
 * of the file.  -2 on a read error. */
static int peek(struct v8 *v)
{
	for (;;) {
		struct rd *r = &v->r;
		while (r->pos < r->len && is_ws((unsigned char)r->buf[r->pos]))
			r->pos++;
		if (r->pos < r->len)
			return (unsigned char)r->buf[r->pos];
		if (r->eof)
			return -1;
		if (rd_fill(&v->r, 1) != 0)
			return -2;
	}
}

static int expect(struct v8 *v, int ch, const char *what)
{
	int c = peek(v);
	char msg[160];

	if (c == ch) {
		v->r.pos++;
		return 0;
	}
	if (c == -2)
		return -1;
	snprintf(msg, sizeof msg, "%s%s", c == -1 ? "unexpected end of file: " : "", what);
	return fail_here(v, msg);
}

/* ---- strings ---- */

/* Index of the first byte of s[0..len) that breaks UTF-8 (overlong forms,
 * surrogates and code points above U+10FFFF included), or len. */
static size_t utf8_check(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return i;
		}
		for (size_t k = 1; k <= n; k++) {
			if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n + 1;
	}
	return len;
}

/* Reads one JSON string at the window (which must start with '"') and
 * returns its decoded bytes in *out / *len (valid until the next read).
 * Strings without escapes are checked here (UTF-8, no raw control
 * characters) and returned in place; strings with escapes are decoded by
 * jansson, which checks the escapes (\uXXXX surrogate pairs included). */
static int read_string(struct v8 *v, const char **out, size_t *len, size_t max)
{
	struct rd *r = &v->r;
	size_t i, start;
	int escaped = 0, high = 0;
	char msg[ERROR_MSG_MAX];

	{
		int c = peek(v);
		if (c == -2)
			return -1;
		if (c != '"')
			return fail_here(v, c == -1 ? "unexpected end of file: expected a string"
					 : "expected a string");
	}
	start = r->pos;
	i = 1;
	for (;;) {
		const char *p = r->buf + start + i, *end = r->buf + r->len;
		while (p < end) {
			unsigned char c = (unsigned char)*p;
			if (c == '"')
				break;
			if (c == '\\') {
				escaped = 1;
				if (p + 1 >= end)
					break;
				p += 2;
				continue;
			}
			if (c < 0x20) {
				snprintf(msg, sizeof msg, "control character 0x%02x inside a string (must be escaped)", c);
				return fail_at(v, r->base + (size_t)(p - r->buf), msg);
			}
			high |= c & 0x80;
			p++;
		}
		i = (size_t)(p - (r->buf + start));
		if (p < end && *p == '"')
			break;
		if (r->eof)
			return fail_at(v, r->base + r->len, "unexpected end of file inside a string");
		if (i > max) {
			snprintf(msg, sizeof msg, "string longer than %zu MiB", max >> 20);
			return fail_at(v, r->base + start, msg);
		}
		r->pos = start;
		if (rd_fill(&v->r, (r->len - r->pos) + CHUNK) != 0)
			return -1;
		start = r->pos;
	}
	/* token is buf[start .. start + i] inclusive of both quotes */
	r->pos = start + i + 1;
	if (!escaped) {
		const unsigned char *s = (const unsigned char *)r->buf + start + 1;
		size_t n = i - 1;
		if (high) {
			size_t bad = utf8_check(s, n);
			if (bad != n) {
				snprintf(msg, sizeof msg, "invalid UTF-8 (byte 0x%02x) in a string", s[bad]);
				return fail_at(v, r->base + start + 1 + bad, msg);
			}
		}
		*out = (const char *)s;
		*len = n;
		return 0;
	}
	{
		json_error_t jerr;
		json_t *j = json_loadb(r->buf + start, i + 1, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
		size_t n;
		if (!j || !json_is_string(j)) {
			json_decref(j);
			snprintf(msg, sizeof msg, "bad string: %.150s", jerr.text);
			return fail_at(v, r->base + start + (jerr.position > 0 ? (size_t)jerr.position - 1 : 0), msg);
		}
		n = json_string_length(j);
		if (n + 1 > v->tmp_cap) {
			v->tmp_cap = n + 1;
			v->tmp = mem_realloc_array(v->tmp, v->tmp_cap, 1);
		}
		memcpy(v->tmp, json_string_value(j), n);
		json_decref(j);
		*out = v->tmp;
		*len = n;
	}
	return 0;
}

/* ---- skipping values nobody needs (trace trees, locations, samples) ---- */

/* Skips one JSON value of any shape, checking its grammar, without
 * recursion (a stack of one byte per open bracket). */
static int skip_value(struct v8 *v)
{
	char *stack = NULL;
	size_t depth = 0, cap = 0;
	int rc = -1;
	uint64_t n = 0;

	for (;;) {
		int c = peek(v);

		if (c == -2)
			goto out;
		if (c == -1) {
			fail_here(v, "unexpected end of file inside a value");
			goto out;
		}
		if ((++n & (TICK - 1)) == 0 && tick(v) != 0)
			goto out;
		if (c == '[' || c == '{') {
			if (depth == cap) {
				cap = cap ? cap * 2 : 64;
				stack = mem_realloc_array(stack, cap, 1);
			}
			stack[depth++] = (char)c;
			v->r.pos++;
			c = peek(v);
			if ((c == ']' && stack[depth - 1] == '[') || (c == '}' && stack[depth - 1] == '{')) {
				v->r.pos++;
				depth--;
			} else if (stack[depth - 1] == '{') {
				const char *s;
				size_t len;
				if (read_string(v, &s, &len, STRING_MAX) != 0 || expect(v, ':', "expected ':'") != 0)
					goto out;
				continue;
			} else {
				continue;
			}
		} else if (c == '"') {
			const char *s;
			size_t len;
			if (read_string(v, &s, &len, STRING_MAX) != 0)
				goto out;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			struct rd *r = &v->r;
			size_t k = 0;
			if (rd_fill(&v->r, LOOKAHEAD) != 0)
				goto out;
			while (r->pos + k < r->len && r->buf[r->pos + k] != '\0' &&
			       strchr("0123456789+-.eE", r->buf[r->pos + k]))
				if (++k > 40) {
					fail_here(v, "number too long");
					goto out;
				}
			r->pos += k;
		} else if (c == 't' || c == 'f' || c == 'n') {
			static const char *const words[] = { "true", "false", "null" };
			const char *w = words[c == 't' ? 0 : c == 'f' ? 1 : 2];
			size_t wl = strlen(w);
			if (rd_fill(&v->r, wl) != 0)
				goto out;
			if (v->r.len - v->r.pos < wl || memcmp(v->r.buf + v->r.pos, w, wl) != 0) {
				fail_here(v, "invalid literal");
				goto out;
			}
			v->r.pos += wl;
		} else {
			fail_here(v, "expected a JSON value");
			goto out;
		}
		/* after a value: ',' or the closing bracket(s) */
		for (;;) {
			if (depth == 0) {
				rc = 0;
				goto out;
			}
			c = peek(v);
			if (c == -2)
				goto out;
			if (c == ',') {
				v->r.pos++;
				if (stack[depth - 1] == '{') {
					const char *s;
					size_t len;
					if (read_string(v, &s, &len, STRING_MAX) != 0 ||
					    expect(v, ':', "expected ':'") != 0)
						goto out;
				}
				break;
			}
			if ((c == ']' && stack[depth - 1] == '[') || (c == '}' && stack[depth - 1] == '{')) {
				v->r.pos++;
				depth--;
				continue;
			}
			fail_here(v, c == -1 ? "unexpected end of file: expected ',' or a closing bracket"
				  : "expected ',' or a closing bracket");
			goto out;
		}
	}
out:
	free(stack);
	return rc;
}

/* ---- meta ---- */

/* Index of `name` in a JSON array of strings, or -1. */
static int field_index(json_t *arr, const char *name)
{
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const char *s = json_string_value(json_array_get(arr, i));
		if (s && strcmp(s, name) == 0)
			return (int)i;
	}
	return -1;
}

static int strings_array(json_t *a, size_t max)
{
	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > max)
		return 0;
	for (size_t i = 0; i < json_array_size(a); i++)
		if (!json_is_string(json_array_get(a, i)))
			return 0;
	return 1;
}

static const struct {
	const char *v8;
	const char *class_name;	/* NULL: the node's own name (object, native) */
} class_rules[] = {
	{ "hidden", "(system)" },
	{ "object", NULL },
	{ "native", NULL },
	{ "code", "(compiled code)" },
	{ "closure", "Function" },
	{ "regexp", "RegExp" },
};

/* Node types that are V8's machinery, not the program's objects: they
 * leave the user graph (HEAP_F_RUNTIME; docs/user-graph.md, "V8").
 * "hidden" is DevTools' "(system)": V8-internal structures (property
 * cells, accessor pairs, oddballs, ...), the native context excepted
 * (an anchor, set by its name). */
static const char *const runtime_types[] = {
	"hidden", "code", "object shape", "string", "concatenated string", "sliced string",
	"number", "bigint", "symbol",
};

static const struct {
	const char *v8;
	enum heap_edge_kind kind;
	int index_name;
} edge_rules[] = {
	{ "context", HEAP_EDGE_STRONG, 0 },
	{ "element", HEAP_EDGE_STRONG, 1 },
	{ "property", HEAP_EDGE_STRONG, 0 },
	{ "internal", HEAP_EDGE_INTERNAL, 0 },
	{ "hidden", HEAP_EDGE_INTERNAL, 1 },
	{ "shortcut", HEAP_EDGE_SHORTCUT, 0 },
	{ "weak", HEAP_EDGE_WEAK, 0 },
};

static int u64_member(json_t *o, const char *key, uint64_t *out)
{
	json_t *j = json_object_get(o, key);

	if (!j)
		return 0;
	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(j);
	return 1;
}

/* Lays the fields out from the parsed "snapshot" object. */
static int apply_meta(struct v8 *v, json_t *snap, uint64_t at)
{
	json_t *meta = json_object_get(snap, "meta");
	json_t *nfields, *ntypes, *efields, *etypes, *ntl, *etl;
	char msg[300];
	int r;

	if (!json_is_object(meta))
		return fail_at(v, at, "snapshot has no \"meta\" object");
	nfields = json_object_get(meta, "node_fields");
	ntypes = json_object_get(meta, "node_types");
	efields = json_object_get(meta, "edge_fields");
	etypes = json_object_get(meta, "edge_types");
	if (!strings_array(nfields, FIELDS_MAX) || !strings_array(efields, FIELDS_MAX))
		return fail_at(v, at, "meta: node_fields and edge_fields must be arrays of field names");
	v->nf = (unsigned)json_array_size(nfields);
	v->ef = (unsigned)json_array_size(efields);
	v->f_type = field_index(nfields, "type");
	v->f_name = field_index(nfields, "name");
	v->f_id = field_index(nfields, "id");
	v->f_size = field_index(nfields, "self_size");
	v->f_edges = field_index(nfields, "edge_count");
	v->f_detached = field_index(nfields, "detachedness");
	v->f_detached_present = v->f_detached >= 0;
	v->e_type = field_index(efields, "type");
	v->e_name = field_index(efields, "name_or_index");
	v->e_to = field_index(efields, "to_node");
	if (v->f_type < 0 || v->f_name < 0 || v->f_id < 0 || v->f_size < 0 || v->f_edges < 0)
		return fail_at(v, at, "meta: node_fields lacks one of type, name, id, self_size, edge_count");
	if (v->e_type < 0 || v->e_name < 0 || v->e_to < 0)
		return fail_at(v, at, "meta: edge_fields lacks one of type, name_or_index, to_node");
	ntl = json_array_get(ntypes, (size_t)v->f_type);
	etl = json_array_get(etypes, (size_t)v->e_type);
	if (!json_is_array(ntypes) || !strings_array(ntl, TYPES_MAX))
		return fail_at(v, at, "meta: node_types[type] must be an array of type names");
	if (!json_is_array(etypes) || !strings_array(etl, TYPES_MAX))
		return fail_at(v, at, "meta: edge_types[type] must be an array of type names");

	v->n_nt = (unsigned)json_array_size(ntl);
	v->nt = mem_calloc(v->n_nt, sizeof *v->nt);
	for (unsigned i = 0; i < v->n_nt; i++) {
		const char *name = json_string_value(json_array_get(ntl, i));
		struct ntype *t = &v->nt[i];
		size_t k;
		t->category = heap_builder_category(v->b, heap_builder_intern_cstr(v->b, name));
		t->synthetic = strcmp(name, "synthetic") == 0;
		t->hidden = strcmp(name, "hidden") == 0;
		t->array = strcmp(name, "array") == 0;
		t->native = strcmp(name, "native") == 0;
		t->closure = strcmp(name, "closure") == 0;
		t->object = strcmp(name, "object") == 0;
		for (k = 0; k < sizeof runtime_types / sizeof runtime_types[0]; k++)
			if (strcmp(name, runtime_types[k]) == 0)
				t->runtime = 1;
		for (k = 0; k < sizeof class_rules / sizeof class_rules[0]; k++)
			if (strcmp(name, class_rules[k].v8) == 0)
				break;
		if (k < sizeof class_rules / sizeof class_rules[0]) {
			t->class_name = class_rules[k].class_name ?
					heap_builder_intern_cstr(v->b, class_rules[k].class_name) : 0;
		} else {
			/* every other type: "(" type ")", as DevTools does */
			size_t len = strlen(name);
			char *s = mem_alloc(len + 3);
			s[0] = '(';
			memcpy(s + 1, name, len);
			s[len + 1] = ')';
			t->class_name = heap_builder_intern(v->b, s, len + 2);
			free(s);
		}
	}
	v->n_et = (unsigned)json_array_size(etl);
	v->et = mem_calloc(v->n_et, sizeof *v->et);
	for (unsigned i = 0; i < v->n_et; i++) {
		const char *name = json_string_value(json_array_get(etl, i));
		struct etype *t = &v->et[i];
		t->kind = HEAP_EDGE_STRONG;	/* unknown names retain, as in DevTools */
		for (size_t k = 0; k < sizeof edge_rules / sizeof edge_rules[0]; k++)
			if (strcmp(name, edge_rules[k].v8) == 0) {
				t->kind = (uint8_t)edge_rules[k].kind;
				t->index_name = edge_rules[k].index_name ? 1 : 0;
			}
	}

	v->meta_nodes = v->meta_edges = UINT64_MAX;
	if ((r = u64_member(snap, "node_count", &v->meta_nodes)) < 0 ||
	    (r = u64_member(snap, "edge_count", &v->meta_edges)) < 0)
		return fail_at(v, at, "snapshot: node_count and edge_count must be non-negative integers");
	v->root_index = 0;
	if (u64_member(snap, "root_index", &v->root_index) < 0)
		return fail_at(v, at, "snapshot: root_index must be a non-negative integer");
	/* Each node takes at least 2 bytes a field ("0,"), each edge too: a
	 * count the file cannot hold is refused before anything is sized by it. */
	if ((v->meta_nodes != UINT64_MAX && v->meta_nodes > v->r.file_size / (2 * v->nf)) ||
	    (v->meta_edges != UINT64_MAX && v->meta_edges > v->r.file_size / (2 * v->ef))) {
		snprintf(msg, sizeof msg, "snapshot: node_count %llu / edge_count %llu cannot fit in a "
			 "file of %llu bytes", (unsigned long long)v->meta_nodes,
			 (unsigned long long)v->meta_edges, (unsigned long long)v->r.file_size);
		return fail_at(v, at, msg);
	}
	if (v->meta_nodes != UINT64_MAX && v->meta_nodes > HEAP_MAX_NODES)
		return fail_at(v, at, "snapshot: more objects than heapglass can index (32 bits)");
	if (v->meta_edges != UINT64_MAX && v->meta_edges > 0xfffffff0u)
		return fail_at(v, at, "snapshot: more references than heapglass can index (32 bits)");
	if (v->meta_nodes != UINT64_MAX && v->meta_edges != UINT64_MAX) {
		/* counts a file can hold may still exceed the machine: refuse now,
		 * naming the need, rather than die of out-of-memory half way */
		snprintf(msg, sizeof msg, "%s: byte %llu: snapshot: %llu objects and %llu references",
			 v->path, (unsigned long long)at, (unsigned long long)v->meta_nodes,
			 (unsigned long long)v->meta_edges);
		if (mem_check(heap_estimate_bytes(v->meta_nodes, v->meta_edges), msg, v->err) != 0)
			return -1;
		heap_builder_reserve(v->b, v->meta_nodes, v->meta_edges);
	}
	v->have_meta = 1;
	return 0;
}

/* Cuts the "snapshot" object out of the stream (strings aware, iterative)
 * and parses it with jansson. */
static int read_meta(struct v8 *v)
{
	struct rd *r = &v->r;
	size_t i, start;
	uint64_t at;
	long depth = 0;
	int in_str = 0;
	json_t *snap;
	json_error_t jerr;
	char msg[300];
	int rc;

	if (peek(v) != '{')
		return fail_here(v, peek(v) == -1 ? "unexpected end of file: expected the snapshot object"
				 : "\"snapshot\" must be an object");
	start = r->pos;
	at = here(v);
	i = 0;
	for (;;) {
		if (start + i >= r->len) {
			if (r->eof)
				return fail_at(v, r->base + r->len, "unexpected end of file inside the snapshot meta");
			if (i > META_MAX)
				return fail_at(v, at, "snapshot meta object larger than 16 MiB");
			r->pos = start;
			if (rd_fill(&v->r, (r->len - r->pos) + (1 << 16)) != 0)
				return -1;
			start = r->pos;
			continue;
		}
		{
			char c = r->buf[start + i];
			if (in_str) {
				if (c == '\\')
					i++;
				else if (c == '"')
					in_str = 0;
			} else if (c == '"') {
				in_str = 1;
			} else if (c == '{' || c == '[') {
				depth++;
			} else if (c == '}' || c == ']') {
				if (--depth == 0)
					break;
			}
		}
		i++;
	}
	snap = json_loadb(r->buf + start, i + 1, 0, &jerr);
	r->pos = start + i + 1;
	if (!snap) {
		snprintf(msg, sizeof msg, "snapshot meta: %.200s", jerr.text);
		return fail_at(v, at + (jerr.position > 0 ? (uint64_t)jerr.position - 1 : 0), msg);
	}
	rc = apply_meta(v, snap, at);
	json_decref(snap);
	return rc;
}

/* ---- the integer arrays ---- */

/* The big integer arrays ("nodes", "edges") are read on both cores: a
 * reader thread reads the file and turns its text into numbers
 * (fill_batch) into a ring of RING slots; the loader's thread takes the
 * slots in order and checks and stores the records (next_record).  From
 * the array's '[' to its ']' the reader owns the input window v->r and
 * nothing else: it never touches the builder, the progress callback or
 * v->err (its errors go to pipe.err).
 *
 * Numbers are tokenized BATCH at a time, SLOT / BATCH batches to a slot
 * (fewer hand-overs).  A batch the tokenizer cannot finish is dropped
 * whole and its slot marked failed: the error is raised only once the
 * loader has used up the slot's earlier batches, so it checks every
 * record before first, exactly as when one thread did both: the errors,
 * their byte offsets and their order do not depend on the threads.  On
 * every path the loader stops and joins the reader before it returns
 * (pipe_fini).  Arrays nobody needs (locations, samples) are tokenized the
 * same way on the loader's own thread (nothing to overlap), and so is
 * every array when no thread can be started. */
enum {
	BATCH = 4096,
	SLOT = 4 * BATCH,
	RING = 8,		/* 8 slots of 256 KiB */
	A_START = 0,		/* expecting a number or ']' */
	A_VALUE,		/* after a number: ',' or ']' */
	A_COMMA			/* after a comma: a number */
};

struct batch {
	size_t n;		/* numbers in val[] / at[] */
	int closed;		/* the closing bracket ends this slot */
	int failed;		/* the batch after val[n - 1] failed; the error is in pipe.err */
	uint64_t end;		/* file offset after the slot (progress) */
	uint64_t val[SLOT];
	uint64_t at[SLOT];	/* file offset of each */
};

struct pipe {
	int started, threaded;
	struct rd *r;
	struct error err;	/* the reader's error record (r->err while it runs) */
	int state;		/* the tokenizer's A_ state (the reader's) */
	struct batch *ring;	/* RING batches (1 without a thread) */
	struct worker reader;
	/* shared by both threads, under mu */
	pthread_mutex_t mu;
	pthread_cond_t data, space;
	unsigned head, tail;	/* batches produced, batches given back */
	int stop, reader_waits, loader_waits;
	/* the loader's side */
	struct batch *cur;	/* the batch being handed out, or NULL */
	size_t i;		/* cur->val[i..n) are not handed out yet */
	uint64_t f[FIELDS_MAX], at[FIELDS_MAX];	/* a record that spans two batches */
};

/* 20-digit numbers: parses s[0..len) with an overflow check. */
static int parse_long(const char *s, size_t len, uint64_t *out)
{
	uint64_t x = 0;

	if (len > 20)
		return -1;
	for (size_t k = 0; k < len; k++) {
		unsigned d = (unsigned)(s[k] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return -1;
		x = x * 10 + d;
	}
	*out = x;
	return 0;
}

static int rd_fail(struct rd *r, const char *p, const char *what)
{
	r->pos = (size_t)(p - r->buf);
	return error_set(r->err, "%s: byte %llu: %s", r->path, (unsigned long long)(r->base + r->pos), what);
}

/* Parses up to BATCH numbers of the array into b->val / b->at after the
 * slot's b->n.  Stops early only at the closing bracket (b->closed).
 * Keeps LOOKAHEAD bytes in the window at each token, so a number never
 * straddles a refill; the NUL after the window stops every inner loop.
 * Touches r, *state and b only (runs on the reader thread); on failure
 * the batch's numbers are not added. */
static int fill_batch(struct rd *r, struct batch *b, int *state_io)
{
	const char *p = r->buf + r->pos, *end = r->buf + r->len;
	uint64_t *val = b->val + b->n, *at = b->at + b->n;
	size_t n = 0;
	int state = *state_io;

	while (n < BATCH) {
		unsigned char c;
		unsigned d;
		const char *s;
		uint64_t x;

		if ((size_t)(end - p) < LOOKAHEAD && !r->eof) {
			r->pos = (size_t)(p - r->buf);
			if (rd_fill(r, LOOKAHEAD) != 0)
				return -1;
			p = r->buf + r->pos;
			end = r->buf + r->len;
		}
		c = (unsigned char)*p;
		while (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			c = (unsigned char)*++p;
		if (p == end) {
			if (r->eof)
				return rd_fail(r, p, "unexpected end of file inside an array");
			continue;
		}
		if (state == A_VALUE) {
			if (c != ',') {
				if (c == ']') {
					p++;
					b->closed = 1;
					break;
				}
				return rd_fail(r, p, "expected ',' or ']' in an integer array");
			}
			c = (unsigned char)*++p;
			while (c == ' ' || c == '\n' || c == '\r' || c == '\t')
				c = (unsigned char)*++p;
			state = A_COMMA;
			if (p == end)
				continue;
		} else if (state == A_START && c == ']') {
			p++;
			b->closed = 1;
			break;
		}
		d = (unsigned)c - '0';
		if (d > 9) {
			if (c == '-')
				return rd_fail(r, p, "negative number where a count, index or size belongs");
			return rd_fail(r, p, "expected an unsigned integer");
		}
		s = p++;
		x = d;
		if (d == 0 && (unsigned)((unsigned char)*p - '0') <= 9)
			return rd_fail(r, s, "number with a leading zero");
		while ((d = (unsigned)((unsigned char)*p - '0')) <= 9) {
			x = x * 10 + d;
			p++;
		}
		if (p - s >= 20 && parse_long(s, (size_t)(p - s), &x) != 0)
			return rd_fail(r, s, "number too large for 64 bits");
		if (*p == '.' || *p == 'e' || *p == 'E')
			return rd_fail(r, s, "expected an integer, found a fraction or exponent");
		val[n] = x;
		at[n] = r->base + (size_t)(s - r->buf);
		n++;
		state = A_VALUE;
	}
	r->pos = (size_t)(p - r->buf);
	*state_io = state;
	b->n += n;
	return 0;
}

/* Fills one slot; returns whether it is the array's last. */
static int produce(struct pipe *p, struct batch *b)
{
	b->n = 0;
	b->closed = 0;
	b->failed = 0;
	while (b->n < SLOT && !b->closed && !b->failed)
		b->failed = fill_batch(p->r, b, &p->state) != 0;
	b->end = p->r->base + p->r->pos;
	return b->failed || b->closed;
}

static void *reader_main(void *arg)
{
	struct pipe *p = arg;

	for (;;) {
		struct batch *b;
		int last;

		pthread_mutex_lock(&p->mu);
		while (!p->stop && p->head - p->tail == RING) {
			p->reader_waits = 1;
			pthread_cond_wait(&p->space, &p->mu);
		}
		p->reader_waits = 0;
		if (p->stop) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		pthread_mutex_unlock(&p->mu);
		/* only this thread writes head */
		b = &p->ring[p->head % RING];
		last = produce(p, b);
		pthread_mutex_lock(&p->mu);
		p->head++;
		/* a loader that found the ring empty sleeps till it is half
		 * full (or done): a wake-up per slot costs more than the slot */
		if (p->loader_waits && (last || p->head - p->tail >= RING / 2))
			pthread_cond_signal(&p->data);
		pthread_mutex_unlock(&p->mu);
		if (last)
			break;
	}
	return NULL;
}

/* Starts reading an integer array whose '[' was just consumed: on a reader
 * thread when `threaded` (and one can be started), else on demand. */
static void pipe_start(struct v8 *v, struct pipe *p, int threaded)
{
	memset(p, 0, sizeof *p);
	p->r = &v->r;
	p->state = A_START;
	p->ring = mem_alloc((threaded ? RING : 1) * sizeof *p->ring);
	p->started = 1;
	v->r.err = &p->err;
	if (!threaded)
		return;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->data, NULL);
	pthread_cond_init(&p->space, NULL);
	p->threaded = worker_start(&p->reader, reader_main, p);
	if (!p->threaded) {
		pthread_cond_destroy(&p->space);
		pthread_cond_destroy(&p->data);
		pthread_mutex_destroy(&p->mu);
	}
}

/* Stops the reader (if it still runs) and joins it; the input window and
 * its error record are the loader's again. */
static void pipe_join(struct v8 *v, struct pipe *p)
{
	if (p->threaded) {
		pthread_mutex_lock(&p->mu);
		p->stop = 1;
		pthread_cond_signal(&p->space);
		pthread_mutex_unlock(&p->mu);
		worker_join(&p->reader);
		pthread_cond_destroy(&p->space);
		pthread_cond_destroy(&p->data);
		pthread_mutex_destroy(&p->mu);
		p->threaded = 0;
	}
	v->r.err = v->err;
}

/* Ends the array's reading on every path (a no-op when never started). */
static void pipe_fini(struct v8 *v, struct pipe *p)
{
	if (!p->started)
		return;
	pipe_join(v, p);
	free(p->ring);
	p->ring = NULL;
	p->cur = NULL;
	p->started = 0;
}

/* The array's next slot, in order.  Gives the previous one back.  A last
 * slot (closed or failed) joins the reader first: the window is the
 * loader's again. */
static struct batch *pipe_take(struct v8 *v, struct pipe *p)
{
	struct batch *b;

	if (!p->threaded) {
		b = &p->ring[0];
		produce(p, b);
	} else {
		pthread_mutex_lock(&p->mu);
		if (p->cur) {
			p->tail++;
			if (p->reader_waits && RING - (p->head - p->tail) >= RING / 2)
				pthread_cond_signal(&p->space);
		}
		while (p->head == p->tail) {
			p->loader_waits = 1;
			pthread_cond_wait(&p->data, &p->mu);
		}
		p->loader_waits = 0;
		pthread_mutex_unlock(&p->mu);
		b = &p->ring[p->tail % RING];
	}
	p->cur = b;
	p->i = 0;
	if (b->failed || b->closed)
		pipe_join(v, p);
	return b;
}

/* Raises the reader's error (its slot's numbers are used up). */
static int pipe_fail(struct v8 *v, struct pipe *p)
{
	*v->err = p->err;
	return -1;
}

/* Reads one record of nf fields, across batches: the slow path of
 * next_record. */
static int next_record_slow(struct v8 *v, struct pipe *p, const uint64_t **f, const uint64_t **at,
			    unsigned nf, const char *inside, const char *kind)
{
	char msg[160];
	unsigned k = 0;

	if (nf == 0)
		return 0;
	while (k < nf) {
		struct batch *b = p->cur;
		if (b && p->i < b->n) {
			p->f[k] = b->val[p->i];
			p->at[k] = b->at[p->i];
			p->i++;
			k++;
			continue;
		}
		if (b && b->closed)
			break;
		if (b && b->failed)
			return pipe_fail(v, p);
		pipe_take(v, p);
	}
	if (k == nf) {
		*f = p->f;
		*at = p->at;
		return 1;
	}
	if (k == 0)
		return 0;
	snprintf(msg, sizeof msg, "%s (its length is not a multiple of the %u %s fields)", inside, nf,
		 kind);
	return fail_at(v, here(v) - 1, msg);
}

/* Hands out the next record of nf fields: 1 with *f / *at pointing at its
 * values and their file offsets (valid until the next call), 0 at the end
 * of the array, -1 after an error; an array that ends inside a record is
 * an error starting with `inside`. */
static inline int next_record(struct v8 *v, struct pipe *p, const uint64_t **f, const uint64_t **at,
			      unsigned nf, const char *inside, const char *kind)
{
	struct batch *b = p->cur;

	if (b && b->n - p->i >= nf && nf > 0) {
		*f = b->val + p->i;
		*at = b->at + p->i;
		p->i += nf;
		return 1;
	}
	return next_record_slow(v, p, f, at, nf, inside, kind);
}

/* Skips an array of unsigned integers (locations, samples, ...) at full
 * speed. */
static int skip_int_array(struct v8 *v)
{
	struct pipe p;
	int rc = -1;
	uint64_t n = 0;

	p.started = 0;
	if (expect(v, '[', "expected an array of integers") != 0)
		goto out;
	pipe_start(v, &p, 0);
	for (;;) {
		const struct batch *b = pipe_take(v, &p);
		if (b->failed) {
			pipe_fail(v, &p);
			goto out;
		}
		if ((++n & 15) == 0 && tick_at(v, b->end) != 0)
			goto out;
		if (b->closed)
			break;
	}
	rc = 0;
out:
	pipe_fini(v, &p);
	return rc;
}

static int read_nodes_with(struct v8 *v, struct pipe *p)
{
	const uint64_t *f, *at;
	struct heap_node_rec rec;
	size_t cap = v->meta_nodes != UINT64_MAX ? (size_t)v->meta_nodes : 1024;
	char msg[ERROR_MSG_MAX];

	if (!v->have_meta)
		return fail_here(v, "\"nodes\" comes before the snapshot meta");
	if (expect(v, '[', "\"nodes\" must be an array") != 0)
		return -1;
	pipe_start(v, p, 1);
	v->edge_count = mem_alloc((cap + 1) * sizeof *v->edge_count);
	memset(&rec, 0, sizeof rec);
	rec.generation = HEAP_GEN_UNKNOWN;
	for (;;) {
		int rc = next_record(v, p, &f, &at, v->nf, "nodes array ends inside a node", "node");

		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		if (v->meta_nodes != UINT64_MAX && v->n_nodes >= v->meta_nodes) {
			snprintf(msg, sizeof msg, "more nodes than node_count (%llu) says",
				 (unsigned long long)v->meta_nodes);
			return fail_at(v, at[0], msg);
		}
		if (f[v->f_type] >= v->n_nt) {
			snprintf(msg, sizeof msg, "node type %llu is not one of the %u node_types",
				 (unsigned long long)f[v->f_type], v->n_nt);
			return fail_at(v, at[v->f_type], msg);
		}
		if (f[v->f_name] > 0x7fffffffu) {
			snprintf(msg, sizeof msg, "node name index %llu past the string table",
				 (unsigned long long)f[v->f_name]);
			return fail_at(v, at[v->f_name], msg);
		}
		if (f[v->f_edges] > 0xffffffffu) {
			snprintf(msg, sizeof msg, "edge_count %llu is more than the file can hold",
				 (unsigned long long)f[v->f_edges]);
			return fail_at(v, at[v->f_edges], msg);
		}
		if (!v->any_node_name || f[v->f_name] > v->max_node_name) {
			v->max_node_name = f[v->f_name];
			v->max_node_name_at = at[v->f_name];
			v->any_node_name = 1;
		}
		{
			const struct ntype *t = &v->nt[f[v->f_type]];
			rec.id = f[v->f_id];
			rec.name = (heap_str_t)f[v->f_name];	/* a string index until the strings are read */
			rec.type = 0;
			rec.size = f[v->f_size];
			rec.category = t->category;
			rec.flags = t->synthetic ? HEAP_F_SYNTHETIC : 0;
			if (v->f_detached >= 0 && f[v->f_detached] != 0) {
				if (!v->dom_state) {
					v->dom_state = mem_calloc(cap + 1, 1);
					v->dom_state_cap = cap;
				}
				if (f[v->f_detached] <= 2)
					v->dom_state[v->n_nodes] = (uint8_t)f[v->f_detached];
			}
		}
		if (heap_builder_add_node(v->b, &rec, v->err) == HEAP_NONE) {
			snprintf(msg, sizeof msg, "%s", v->err->msg);
			return fail_at(v, at[0], msg);
		}
		if (v->n_nodes + 1 >= cap) {
			cap += cap / 2 + 1024;
			v->edge_count = mem_realloc_array(v->edge_count, cap + 1, sizeof *v->edge_count);
		}
		if (v->dom_state && v->dom_state_cap < cap) {
			v->dom_state = mem_realloc_array(v->dom_state, cap + 1, 1);
			memset(v->dom_state + v->dom_state_cap + 1, 0, cap - v->dom_state_cap);
			v->dom_state_cap = cap;
		}
		v->edge_count[v->n_nodes++] = (uint32_t)f[v->f_edges];
		if ((v->n_nodes & (TICK - 1)) == 0 && tick_at(v, p->cur->end) != 0)
			return -1;
	}
	pipe_fini(v, p);	/* joined already (the closing batch): here() is the loader's */
	if (v->meta_nodes != UINT64_MAX && v->n_nodes != v->meta_nodes) {
		snprintf(msg, sizeof msg, "nodes array holds %u nodes, node_count says %llu", v->n_nodes,
			 (unsigned long long)v->meta_nodes);
		return fail_at(v, here(v) - 1, msg);
	}
	if (v->n_nodes == 0)
		return fail_at(v, here(v) - 1, "nodes array is empty (a snapshot has at least its root)");
	if (v->root_index % v->nf != 0 || v->root_index / v->nf >= v->n_nodes)
		return fail_at(v, here(v) - 1, "snapshot root_index does not name a node");
	v->have_nodes = 1;
	return 0;
}

/* x / d for the node field counts snapshots have (7 with detachedness, 6
 * or 5 without) by constants, which the compiler turns into a multiply: a
 * 64-bit division by a variable costs tens of cycles, on every edge. */
static inline uint64_t div_fields(uint64_t x, unsigned d)
{
	switch (d) {
	case 7:
		return x / 7;
	case 6:
		return x / 6;
	case 5:
		return x / 5;
	default:
		return x / d;
	}
}

static int read_edges_with(struct v8 *v, struct pipe *p)
{
	const uint64_t *f, *at;
	uint32_t from = 0, left;
	uint64_t nf = v->nf, limit = (uint64_t)v->n_nodes * v->nf;
	char msg[ERROR_MSG_MAX];

	if (!v->have_nodes)
		return fail_here(v, "\"edges\" comes before \"nodes\"");
	if (expect(v, '[', "\"edges\" must be an array") != 0)
		return -1;
	pipe_start(v, p, 1);
	left = v->edge_count[0];
	for (;;) {
		int rc = next_record(v, p, &f, &at, v->ef, "edges array ends inside an edge", "edge");
		const struct etype *t;
		uint32_t name;
		uint64_t to;

		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		while (left == 0 && from < v->n_nodes) {
			if (++from < v->n_nodes)
				left = v->edge_count[from];
		}
		if (from >= v->n_nodes) {
			snprintf(msg, sizeof msg, "more edges than the nodes' edge_count fields add up to (%llu)",
				 (unsigned long long)v->n_edges);
			return fail_at(v, at[0], msg);
		}
		if (f[v->e_type] >= v->n_et) {
			snprintf(msg, sizeof msg, "edge type %llu is not one of the %u edge_types",
				 (unsigned long long)f[v->e_type], v->n_et);
			return fail_at(v, at[v->e_type], msg);
		}
		to = div_fields(f[v->e_to], v->nf);
		if (f[v->e_to] - to * nf != 0) {
			snprintf(msg, sizeof msg, "to_node %llu is not a multiple of the %u node fields",
				 (unsigned long long)f[v->e_to], v->nf);
			return fail_at(v, at[v->e_to], msg);
		}
		if (f[v->e_to] >= limit) {
			snprintf(msg, sizeof msg, "to_node %llu is past the last node (%u nodes)",
				 (unsigned long long)f[v->e_to], v->n_nodes);
			return fail_at(v, at[v->e_to], msg);
		}
		t = &v->et[f[v->e_type]];
		if (t->index_name) {
			/* indexes beyond 31 bits are clamped (see docs/v8-format.md) */
			name = HEAP_NAME_INDEX | (uint32_t)(f[v->e_name] > 0x7fffffffu ? 0x7fffffffu : f[v->e_name]);
		} else {
			if (f[v->e_name] > 0x7fffffffu) {
				snprintf(msg, sizeof msg, "edge name index %llu past the string table",
					 (unsigned long long)f[v->e_name]);
				return fail_at(v, at[v->e_name], msg);
			}
			name = (uint32_t)f[v->e_name];
			if (!v->any_edge_name || name > v->max_edge_name) {
				v->max_edge_name = name;
				v->max_edge_name_at = at[v->e_name];
				v->any_edge_name = 1;
			}
		}
		if (heap_builder_add_edge(v->b, from, (heap_node_t)to, (enum heap_edge_kind)t->kind,
					  name, v->err) != 0) {
			snprintf(msg, sizeof msg, "%s", v->err->msg);
			return fail_at(v, at[0], msg);
		}
		left--;
		v->n_edges++;
		if ((v->n_edges & (TICK - 1)) == 0 && tick_at(v, p->cur->end) != 0)
			return -1;
	}
	pipe_fini(v, p);	/* joined already (the closing batch): here() is the loader's */
	while (left == 0 && from + 1 < v->n_nodes)
		left = v->edge_count[++from];
	if (left != 0) {
		snprintf(msg, sizeof msg, "edges array holds %llu edges, fewer than the nodes' edge_count "
			 "fields add up to", (unsigned long long)v->n_edges);
		return fail_at(v, here(v) - 1, msg);
	}
	if (v->meta_edges != UINT64_MAX && v->n_edges != v->meta_edges) {
		snprintf(msg, sizeof msg, "edges array holds %llu edges, edge_count says %llu",
			 (unsigned long long)v->n_edges, (unsigned long long)v->meta_edges);
		return fail_at(v, here(v) - 1, msg);
	}
	v->have_edges = 1;
	return 0;
}

/* The pipe is stopped and its reader joined on every path. */
static int read_nodes(struct v8 *v)
{
	struct pipe p;
	int rc;

	p.started = 0;
	rc = read_nodes_with(v, &p);
	pipe_fini(v, &p);
	return rc;
}

static int read_edges(struct v8 *v)
{
	struct pipe p;
	int rc;

	p.started = 0;
	rc = read_edges_with(v, &p);
	pipe_fini(v, &p);
	return rc;
}

/* ---- the string table ---- */

static void eph_put(struct ephmap *m, uint32_t key, uint64_t table)
{
	size_t i;

	if ((m->used + 1) * 2 > (m->mask + 1)) {
		size_t old = m->key ? m->mask + 1 : 0, size = old ? old * 2 : 1024;
		uint32_t *ok = m->key;
		uint64_t *ot = m->table;
		m->key = mem_calloc(size, sizeof *m->key);
		m->table = mem_alloc(size * sizeof *m->table);
		m->mask = size - 1;
		for (size_t j = 0; j < old; j++)
			if (ok[j]) {
				for (i = (ok[j] * 2654435761u) & m->mask; m->key[i]; i = (i + 1) & m->mask)
					;
				m->key[i] = ok[j];
				m->table[i] = ot[j];
			}
		free(ok);
		free(ot);
	}
	for (i = ((key + 1) * 2654435761u) & m->mask; m->key[i]; i = (i + 1) & m->mask)
		;
	m->key[i] = key + 1;
	m->table[i] = table;
	m->used++;
}

/* The WeakMap table id an ephemeron edge name names, or 0 (none). */
static int eph_get(const struct ephmap *m, uint32_t key, uint64_t *table)
{
	if (!m->key)
		return 0;
	for (size_t i = ((key + 1) * 2654435761u) & m->mask; m->key[i]; i = (i + 1) & m->mask)
		if (m->key[i] == key + 1) {
			*table = m->table[i];
			return 1;
		}
	return 0;
}

/* Whether s[0..len) contains the C string w. */
static int contains(const char *s, size_t len, const char *w)
{
	size_t wl = strlen(w);

	for (const char *p = s; (size_t)(s + len - p) >= wl; p++) {
		p = memchr(p, w[0], (size_t)(s + len - p) - wl + 1);
		if (!p)
			return 0;
		if (memcmp(p, w, wl) == 0)
			return 1;
	}
	return 0;
}

/* DevTools' ephemeron name pattern (HeapSnapshot.ts tryParseWeakMapEdgeName):
 *   ^\d+ / part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(\d+)\)$ */
static void note_ephemeron(struct v8 *v, uint32_t index, const char *s, size_t len)
{
	regmatch_t m[2];
	char buf[32];
	size_t n;
	uint64_t table = 0;

	if (len < 40 || memchr(s, '\0', len) || !contains(s, len, " / part of key ("))
		return;
	if (!v->eph_re_ok) {
		if (regcomp(&v->eph_re, "^[0-9]+ / part of key \\(.* @[0-9]+\\) -> value \\(.* @[0-9]+\\) "
			    "pair in WeakMap \\(table @([0-9]+)\\)$", REG_EXTENDED) != 0)
			return;
		v->eph_re_ok = 1;
	}
	{
		/* regexec wants a C string; s may point into the read window */
		char *z = mem_alloc(len + 1);
		int rc;
		memcpy(z, s, len);
		z[len] = '\0';
		rc = regexec(&v->eph_re, z, 2, m, 0);
		free(z);
		if (rc != 0 || m[1].rm_so < 0)
			return;
	}
	n = (size_t)(m[1].rm_eo - m[1].rm_so);
	if (n == 0 || n >= sizeof buf)
		return;
	memcpy(buf, s + m[1].rm_so, n);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		table = table * 10 + (uint64_t)(buf[i] - '0');
	eph_put(&v->eph, index, table);
}

/* The names the user-graph rules look at (docs/user-graph.md, "V8").
 * Each string of the snapshot is classified once, as it is read, so the
 * passes over nodes and references compare one byte, never a string. */
enum sname {
	SN_OTHER = 0,
	/* internal references that are V8's bookkeeping (HEAP_EDGE_META) */
	SN_MAP,
	SN_ELEMENTS,
	SN_PROPERTIES,
	SN_SHARED,
	SN_CODE,
	SN_FEEDBACK_CELL,
	SN_SCOPE_INFO,
	SN_INITIAL_MAP,
	SN_NATIVE_CONTEXT_REF,
	SN_GLOBAL_PROXY,
	/* the prototype chain: META as properties too */
	SN_PROTO,
	SN_CONSTRUCTOR,
	SN_PROTOTYPE,
	/* references the node rules follow */
	SN_PREVIOUS,
	SN_BACK_POINTER,
	SN_SCRIPT,
	SN_BOUND_FUNCTION,
	SN_CONTEXT_REF,
	SN_EXPORTS,
	SN_JS_TO_NATIVE,
	SN_NATIVE_TO_JS,
	SN_OWNER_SYMBOL,	/* "<symbol owner_symbol>", "<symbol resource_symbol>" */
	/* node names */
	SN_NATIVE_CONTEXT,	/* "system / NativeContext", "system / NativeContext / URL" */
	SN_CONTEXT,		/* "system / Context" */
	SN_SCRIPT_BUILTIN,	/* a Node.js builtin's script: "node:..." */
	SN_SCRIPT_LOADER	/* Node.js's module loader: node:internal/modules/, node:internal/bootstrap/ */
};

static const struct {
	const char *s;
	uint8_t sn;
} snames[] = {
	{ "map", SN_MAP },
	{ "elements", SN_ELEMENTS },
	{ "properties", SN_PROPERTIES },
	{ "shared", SN_SHARED },
	{ "code", SN_CODE },
	{ "feedback_cell", SN_FEEDBACK_CELL },
	{ "scope_info", SN_SCOPE_INFO },
	{ "initial_map", SN_INITIAL_MAP },
	{ "native_context", SN_NATIVE_CONTEXT_REF },
	{ "global_proxy", SN_GLOBAL_PROXY },
	{ "__proto__", SN_PROTO },
	{ "constructor", SN_CONSTRUCTOR },
	{ "prototype", SN_PROTOTYPE },
	{ "previous", SN_PREVIOUS },
	{ "back_pointer", SN_BACK_POINTER },
	{ "script", SN_SCRIPT },
	{ "script_or_debug_info", SN_SCRIPT },
	{ "bound_function", SN_BOUND_FUNCTION },
	{ "context", SN_CONTEXT_REF },
	{ "exports", SN_EXPORTS },
	{ "javascript_to_native", SN_JS_TO_NATIVE },
	{ "native_to_javascript", SN_NATIVE_TO_JS },
	{ "<symbol owner_symbol>", SN_OWNER_SYMBOL },
	{ "<symbol resource_symbol>", SN_OWNER_SYMBOL },
	{ "system / NativeContext", SN_NATIVE_CONTEXT },
	{ "system / Context", SN_CONTEXT },
};

_Static_assert(sizeof snames / sizeof snames[0] <= sizeof ((struct v8 *)0)->sname_len,
	       "struct v8's sname_len holds a length per name");

static int has_prefix(const char *s, size_t len, const char *p)
{
	size_t pl = strlen(p);

	return len >= pl && memcmp(s, p, pl) == 0;
}

/* The names' lengths and first bytes, so that most strings are told
 * apart from every name by one table look-up. */
static void snames_init(struct v8 *v)
{
	for (size_t k = 0; k < sizeof snames / sizeof snames[0]; k++) {
		v->sname_len[k] = (uint8_t)strlen(snames[k].s);
		v->sname_first[(unsigned char)snames[k].s[0]] = 1;
	}
	v->sname_first['n'] = 1;	/* the prefixes below */
	v->sname_first['s'] = 1;
}

static uint8_t sname_of(const struct v8 *v, const char *s, size_t len)
{
	if (len == 0 || !v->sname_first[(unsigned char)s[0]])
		return SN_OTHER;
	for (size_t k = 0; k < sizeof snames / sizeof snames[0]; k++)
		if (v->sname_len[k] == len && memcmp(snames[k].s, s, len) == 0)
			return snames[k].sn;
	if (s[0] == 's')
		return has_prefix(s, len, "system / NativeContext / ") ? SN_NATIVE_CONTEXT : SN_OTHER;
	if (s[0] != 'n' || !has_prefix(s, len, "node:"))
		return SN_OTHER;
	if (has_prefix(s, len, "node:internal/modules/") || has_prefix(s, len, "node:internal/bootstrap/"))
		return SN_SCRIPT_LOADER;
	return SN_SCRIPT_BUILTIN;
}

static const char external_data[] = "system / ExternalStringData";
static const char dom_trees[] = "(Document DOM trees)";

/* Strings are interned a batch at a time: the builder is told about the
 * whole batch first (heap_builder_prefetch), so the intern table's cache
 * misses overlap instead of coming one after another. */
enum {
	STR_BATCH = 32
};

struct strbatch {
	char *buf;			/* the pending strings, back to back */
	size_t len, cap;
	size_t off[STR_BATCH], slen[STR_BATCH];
	unsigned n;
};

static void strings_flush(struct v8 *v, struct strbatch *sb)
{
	for (unsigned i = 0; i < sb->n; i++)
		heap_builder_prefetch(v->b, sb->buf + sb->off[i], sb->slen[i]);
	for (unsigned i = 0; i < sb->n; i++)
		v->strmap[v->n_strings++] = heap_builder_intern(v->b, sb->buf + sb->off[i], sb->slen[i]);
	sb->n = 0;
	sb->len = 0;
}

static void strings_add(struct v8 *v, struct strbatch *sb, const char *s, size_t len)
{
	uint32_t index = v->n_strings + sb->n;

	if (len == sizeof external_data - 1 && memcmp(s, external_data, len) == 0)
		v->s_external_data = index + 1;
	if (len == sizeof dom_trees - 1 && memcmp(s, dom_trees, len) == 0)
		v->s_dom_trees = index + 1;
	note_ephemeron(v, index, s, len);
	v->sname[index] = sname_of(v, s, len);
	if (!sb->buf || sb->len + len > sb->cap) {
		sb->cap = sb->len + len + (1 << 16);
		sb->buf = mem_realloc_array(sb->buf, sb->cap, 1);
	}
	if (len)
		memcpy(sb->buf + sb->len, s, len);
	sb->off[sb->n] = sb->len;
	sb->slen[sb->n] = len;
	sb->len += len;
	if (++sb->n == STR_BATCH)
		strings_flush(v, sb);
}

static int read_strings_with(struct v8 *v, struct strbatch *sb)
{
	int c;

	if (expect(v, '[', "\"strings\" must be an array") != 0)
		return -1;
	v->strmap_cap = 1 << 16;
	v->strmap = mem_alloc(v->strmap_cap * sizeof *v->strmap);
	v->sname = mem_alloc(v->strmap_cap);
	snames_init(v);
	c = peek(v);
	if (c == ']') {
		v->r.pos++;
		v->have_strings = 1;
		return 0;
	}
	for (;;) {
		const char *s;
		size_t len;
		if (v->n_strings + sb->n >= 0x7fffffffu)
			return fail_here(v, "more than 2^31 strings");
		if (read_string(v, &s, &len, STRING_MAX) != 0)
			return -1;
		if (v->n_strings + STR_BATCH >= v->strmap_cap) {
			v->strmap_cap += v->strmap_cap / 2;
			v->strmap = mem_realloc_array(v->strmap, v->strmap_cap, sizeof *v->strmap);
			v->sname = mem_realloc_array(v->sname, v->strmap_cap, 1);
		}
		strings_add(v, sb, s, len);
		if (((v->n_strings + sb->n) & (TICK - 1)) == 0 && tick(v) != 0)
			return -1;
		c = peek(v);
		if (c == ',') {
			v->r.pos++;
			continue;
		}
		if (c == ']') {
			v->r.pos++;
			break;
		}
		if (c == -2)
			return -1;
		return fail_here(v, c == -1 ? "unexpected end of file: expected ',' or ']' in the strings array"
				 : "expected ',' or ']' in the strings array");
	}
	strings_flush(v, sb);
	v->have_strings = 1;
	return 0;
}

static int read_strings(struct v8 *v)
{
	struct strbatch sb;
	int rc;

	memset(&sb, 0, sizeof sb);
	rc = read_strings_with(v, &sb);
	free(sb.buf);
	return rc;
}

/* ---- DevTools' semantics, once everything is read ---- */

static int bit_get(const uint64_t *bits, uint32_t i)
{
	return (int)((bits[i >> 6] >> (i & 63)) & 1);
}

static void bit_set(uint64_t *bits, uint32_t i)
{
	bits[i >> 6] |= UINT64_C(1) << (i & 63);
}

/* DevTools' calculateShallowSizes: a hidden or array object (or the
 * native "system / ExternalStringData") reachable from exactly one
 * ordinary object, through hidden and array objects only, is counted in
 * that owner's shallow size.  Runs only when the root has user roots
 * (a snapshot taken without "expose internals"). */
static void own_shallow_sizes(struct v8 *v, struct heap_builder_view *h, const uint32_t *first,
			      uint32_t root)
{
	const uint32_t unvisited = 0xffffffffu, multiple = 0xfffffffeu;
	uint32_t n = h->n_nodes;
	uint32_t *owner, *work;
	size_t nwork = 0, cap;
	int user_roots = 0;
	uint8_t cat_kind[256];

	for (uint32_t e = first[root]; e < first[root + 1]; e++) {
		uint32_t t = h->edge_to[e];
		if (!(h->flags[t] & HEAP_F_SYNTHETIC) ||
		    (v->s_dom_trees && h->name[t] == v->s_dom_trees - 1))
			user_roots = 1;
	}
	if (!user_roots || n >= multiple)
		return;
	/* per category: 1 hidden or array, 2 native */
	memset(cat_kind, 0, sizeof cat_kind);
	for (unsigned t = v->n_nt; t-- > 0;)
		cat_kind[v->nt[t].category] = v->nt[t].hidden || v->nt[t].array ? 1 : v->nt[t].native ? 2 : 0;
	owner = mem_alloc((size_t)n * sizeof *owner);
	cap = (size_t)n + 1024;
	work = mem_alloc(cap * sizeof *work);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t k = cat_kind[h->category[i]];
		int owned = k == 1 || (k == 2 && v->s_external_data && h->name[i] == v->s_external_data - 1);
		if (owned) {
			owner[i] = unvisited;
		} else {
			owner[i] = i;
			work[nwork++] = i;
		}
	}
	while (nwork) {
		uint32_t id = work[--nwork], own = owner[id];
		for (uint32_t e = first[id]; e < first[id + 1]; e++) {
			uint32_t t;
			if (h->edge_kind[e] == HEAP_EDGE_WEAK)
				continue;
			t = h->edge_to[e];
			if (owner[t] == unvisited) {
				owner[t] = own;
			} else if (owner[t] == t || owner[t] == own || owner[t] == multiple) {
				continue;
			} else {
				owner[t] = multiple;
			}
			if (nwork == cap) {
				cap += cap / 2;
				work = mem_realloc_array(work, cap, sizeof *work);
			}
			work[nwork++] = t;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t o = owner[i];
		if (o == unvisited || o == multiple || o == i)
			continue;
		if ((h->flags[o] & HEAP_F_SYNTHETIC) || o == root)
			continue;
		h->size[o] += h->size[i];
		h->size[i] = 0;
	}
	free(owner);
	free(work);
}

enum {
	DOM_UNKNOWN = 0,
	DOM_ATTACHED = 1,
	DOM_DETACHED = 2,
	DOM_VISITED = 4
};

/* DevTools' propagateDOMState: native objects reachable (not over hidden or
 * weak edges) from an attached one are attached, the rest reachable from a
 * detached one are detached; JavaScript objects stop the spread.  Leaves
 * DOM_DETACHED in v->dom_state[] for each detached native object. */
static void propagate_dom_state(struct v8 *v, struct heap_builder_view *h, const uint32_t *first)
{
	uint8_t *st = v->dom_state;
	uint32_t n = h->n_nodes, *stack[2];
	size_t sp[2] = { 0, 0 }, cap[2] = { 1024, 1024 };
	uint8_t native_cat = 0;
	int have_native = 0;

	for (unsigned t = 0; t < v->n_nt; t++)
		if (v->nt[t].native) {
			native_cat = v->nt[t].category;
			have_native = 1;
		}
	stack[0] = mem_alloc(cap[0] * sizeof *stack[0]);
	stack[1] = mem_alloc(cap[1] * sizeof *stack[1]);
	/* pass 0 seeds from the snapshot's own states; then attached spreads
	 * first, detached second */
	for (int pass = 0; pass < 3; pass++) {
		for (uint32_t i = 0; pass == 0 && i < n; i++) {
			if ((st[i] & 3) == DOM_UNKNOWN)
				continue;
			if (!have_native || h->category[i] != native_cat) {
				st[i] = DOM_VISITED;
				continue;
			}
			st[i] |= DOM_VISITED;
			{
				int k = (st[i] & 3) == DOM_ATTACHED ? 0 : 1;
				if (sp[k] == cap[k]) {
					cap[k] *= 2;
					stack[k] = mem_realloc_array(stack[k], cap[k], sizeof *stack[k]);
				}
				stack[k][sp[k]++] = i;
			}
		}
		if (pass == 0)
			continue;
		{
			int k = pass - 1;
			uint8_t state = pass == 1 ? DOM_ATTACHED : DOM_DETACHED;
			while (sp[k]) {
				uint32_t u = stack[k][--sp[k]];
				if (k == 1 && (st[u] & 3) == DOM_ATTACHED)
					continue;
				for (uint32_t e = first[u]; e < first[u + 1]; e++) {
					uint32_t t = h->edge_to[e];
					if (h->edge_kind[e] == HEAP_EDGE_WEAK ||
					    (h->edge_kind[e] == HEAP_EDGE_INTERNAL && (h->edge_name[e] & HEAP_NAME_INDEX)))
						continue;	/* V8 weak and hidden edges */
					if (st[t] & DOM_VISITED)
						continue;
					if (!have_native || h->category[t] != native_cat) {
						st[t] = DOM_VISITED;
						continue;
					}
					st[t] = DOM_VISITED | state;
					if (sp[k] == cap[k]) {
						cap[k] *= 2;
						stack[k] = mem_realloc_array(stack[k], cap[k], sizeof *stack[k]);
					}
					stack[k][sp[k]++] = t;
				}
			}
		}
	}
	free(stack[0]);
	free(stack[1]);
	for (uint32_t i = 0; i < n; i++) {
		st[i] &= 3;
		if (st[i] == DOM_DETACHED)
			h->flags[i] |= HEAP_F_DETACHED;
	}
}

/* DevTools' markPageOwnedNodes: the objects reachable (over non-weak
 * edges) from the root's shortcut targets (the global objects) and from
 * "(Document DOM trees)".  Returns a bit set, or NULL when there are none. */
static uint64_t *page_owned(struct v8 *v, struct heap_builder_view *h, const uint32_t *first,
			    uint32_t root)
{
	uint32_t n = h->n_nodes, *stack;
	size_t sp = 0;
	uint64_t *page = mem_calloc(((size_t)n + 63) / 64, sizeof *page);

	stack = mem_alloc(((size_t)n + 1) * sizeof *stack);
	for (uint32_t e = first[root]; e < first[root + 1]; e++) {
		uint32_t t = h->edge_to[e];
		int entry = h->edge_kind[e] == HEAP_EDGE_SHORTCUT ||
			    ((h->edge_name[e] & HEAP_NAME_INDEX) && h->edge_kind[e] == HEAP_EDGE_STRONG &&
			     (h->flags[t] & HEAP_F_SYNTHETIC) && v->s_dom_trees &&
			     h->name[t] == v->s_dom_trees - 1);
		if (entry && !bit_get(page, t)) {
			bit_set(page, t);
			stack[sp++] = t;
		}
	}
	if (sp == 0) {
		free(stack);
		free(page);
		return NULL;
	}
	while (sp) {
		uint32_t u = stack[--sp];
		for (uint32_t e = first[u]; e < first[u + 1]; e++) {
			uint32_t t = h->edge_to[e];
			if (bit_get(page, t) || h->edge_kind[e] == HEAP_EDGE_WEAK)
				continue;
			bit_set(page, t);
			stack[sp++] = t;
		}
	}
	free(stack);
	return page;
}

/* ---- the user graph (docs/user-graph.md, "V8") ---- */

/* Per node, while the rules run: the Node.js script class of a closure,
 * of a function's shared info or of a map's constructor (UM_CLASS, found
 * once and remembered), and the marks to set. */
enum {
	UM_CLASS = 3,		/* 0 not looked at yet, or one of: */
	UC_NONE = 1,		/* not a Node.js builtin */
	UC_BUILTIN = 2,		/* defined by a "node:..." script */
	UC_LOADER = 3,		/* defined by Node.js's module loader */
	UM_VISITING = 4,	/* on the back-pointer walk now (a loop in bad input) */
	UM_ANCHOR = 8,
	UM_RUNTIME = 16,
	OWNER_SCAN = 64		/* references of a handle's owner looked at */
};

enum {
	CAT_RUNTIME = 1,
	CAT_CLOSURE = 2,
	CAT_OBJECT = 4,
	CAT_NATIVE = 8
};

struct user {
	struct v8 *v;
	const struct heap_builder_view *h;
	const uint32_t *first;
	uint8_t *um;			/* per node, UM_ */
	uint8_t cat[256];		/* per category, CAT_ */
};

/* The string class of a reference's name (SN_OTHER for an index). */
static uint8_t edge_sname(const struct user *u, size_t e)
{
	uint32_t name = u->h->edge_name[e];

	return (name & HEAP_NAME_INDEX) ? SN_OTHER : u->v->sname[name];
}

/* The target of node n's first reference of kind `kind` named by class
 * sn, or HEAP_NONE. */
static uint32_t edge_named(const struct user *u, uint32_t n, uint8_t kind, uint8_t sn)
{
	for (uint32_t e = u->first[n]; e < u->first[n + 1]; e++)
		if (u->h->edge_kind[e] == kind && edge_sname(u, e) == sn)
			return u->h->edge_to[e];
	return HEAP_NONE;
}

/* The class of a function: closure -shared-> SharedFunctionInfo
 * -script-> Script, whose name says where it was defined
 * (V8HeapExplorer::ExtractJSObjectReferences and
 * ExtractSharedFunctionInfoReferences); a bound function has the class
 * of the function it binds (-bound_function->, followed a few steps). */
static uint8_t closure_class(struct user *u, uint32_t c)
{
	uint32_t f = c, sfi = HEAP_NONE, script;
	uint8_t cls = UC_NONE;

	if (u->um[c] & UM_CLASS)
		return u->um[c] & UM_CLASS;
	for (int hop = 0; hop < 8 && f != HEAP_NONE && sfi == HEAP_NONE; hop++) {
		sfi = edge_named(u, f, HEAP_EDGE_INTERNAL, SN_SHARED);
		if (sfi == HEAP_NONE)
			f = edge_named(u, f, HEAP_EDGE_INTERNAL, SN_BOUND_FUNCTION);
	}
	if (sfi != HEAP_NONE) {
		if (u->um[sfi] & UM_CLASS) {
			cls = u->um[sfi] & UM_CLASS;
		} else {
			script = edge_named(u, sfi, HEAP_EDGE_INTERNAL, SN_SCRIPT);
			if (script != HEAP_NONE && u->v->sname[u->h->name[script]] == SN_SCRIPT_LOADER)
				cls = UC_LOADER;
			else if (script != HEAP_NONE && u->v->sname[u->h->name[script]] == SN_SCRIPT_BUILTIN)
				cls = UC_BUILTIN;
			u->um[sfi] |= cls;
		}
	}
	u->um[c] |= cls;
	return cls;
}

/* The class of the constructor of the objects of map m.  V8 keeps the
 * constructor at the root of a map's transition tree: a map's
 * constructor_or_back_pointer field is the parent map ("back_pointer")
 * or, at the root, the constructor (Map::GetConstructor;
 * V8HeapExplorer::ExtractMapReferences).  Each map is walked once: the
 * class is remembered on every map of the walk. */
static uint8_t map_class(struct user *u, uint32_t m, uint32_t **path, size_t *cap)
{
	size_t n = 0;
	uint8_t cls = UC_NONE;
	uint32_t cur = m;

	for (;;) {
		uint32_t c, back;
		if (u->um[cur] & UM_CLASS) {
			cls = u->um[cur] & UM_CLASS;
			break;
		}
		if (u->um[cur] & UM_VISITING)
			break;	/* a loop of back pointers: bad input */
		if (n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*path = mem_realloc_array(*path, *cap, sizeof **path);
		}
		(*path)[n++] = cur;
		u->um[cur] |= UM_VISITING;
		c = edge_named(u, cur, HEAP_EDGE_INTERNAL, SN_CONSTRUCTOR);
		if (c != HEAP_NONE) {
			if (u->cat[u->h->category[c]] & CAT_CLOSURE)
				cls = closure_class(u, c);
			break;
		}
		back = edge_named(u, cur, HEAP_EDGE_INTERNAL, SN_BACK_POINTER);
		if (back == HEAP_NONE)
			break;
		cur = back;
	}
	while (n > 0) {
		uint32_t p = (*path)[--n];
		u->um[p] = (uint8_t)((u->um[p] & ~UM_VISITING) | cls);
	}
	return cls;
}

/* (*arr)[at] = val unless already set; *arr (n + 1 entries, HEAP_NONE
 * each) is allocated on first use: only snapshots that have the pairs pay. */
static void note_first(uint32_t **arr, uint32_t n, uint32_t at, uint32_t val)
{
	if (!*arr) {
		*arr = mem_alloc(((size_t)n + 1) * sizeof **arr);
		memset(*arr, 0xff, ((size_t)n + 1) * sizeof **arr);
	}
	if ((*arr)[at] == HEAP_NONE)
		(*arr)[at] = val;
}

/* Reference e is the back link of a pair: META (user_meta). */
static void back_link(struct v8 *v, const struct heap_builder_view *h, uint32_t e)
{
	if (!v->back_meta)
		v->back_meta = mem_calloc(h->n_edges / 64 + 1, sizeof *v->back_meta);
	bit_set(v->back_meta, e);
}

/* The node marks, from the references as the snapshot has them (names
 * are still string indexes), returned per node (UM_ANCHOR, UM_RUNTIME;
 * user_apply sets them; reads the graph only, so it runs beside the
 * other passes over it): HEAP_F_RUNTIME on V8's machinery and the
 * synthetic nodes, HEAP_F_ANCHOR on the native contexts, the global
 * objects and their proxies, the top-level scopes, Node.js's builtin
 * functions and its module loader's objects and their exports; and, in
 * v->back_meta, the back link of each pair: a native object's to its
 * JavaScript wrapper, a Node.js handle's to its owner, a scope's to a
 * function made in it.
 * O(V + E): a closure's or map's class is found once. */
static uint8_t *user_marks(struct v8 *v, const struct heap_builder_view *h, const uint32_t *first)
{
	struct user u;
	uint32_t n = h->n_nodes, *path = NULL, *wrapper_of = NULL, *handles = NULL;
	uint32_t *scope_of = mem_alloc(((size_t)n + 1) * sizeof *scope_of);
	size_t cap = 0, n_handles = 0, handles_cap = 0;

	memset(&u, 0, sizeof u);
	u.v = v;
	u.h = h;
	u.first = first;
	u.um = mem_calloc((size_t)n + 1, 1);
	for (unsigned t = 0; t < v->n_nt; t++)
		u.cat[v->nt[t].category] |= (uint8_t)((v->nt[t].runtime ? CAT_RUNTIME : 0) |
						       (v->nt[t].closure ? CAT_CLOSURE : 0) |
						       (v->nt[t].object ? CAT_OBJECT : 0) |
						       (v->nt[t].native ? CAT_NATIVE : 0));
	for (uint32_t i = 0; i < n; i++) {
		uint8_t cat = u.cat[h->category[i]];
		uint8_t sn = v->sname[h->name[i]];
		uint32_t map = HEAP_NONE, exports = HEAP_NONE;

		if ((cat & CAT_RUNTIME) || (h->flags[i] & HEAP_F_SYNTHETIC))
			u.um[i] |= UM_RUNTIME;
		if (sn == SN_NATIVE_CONTEXT)
			u.um[i] |= UM_ANCHOR;
		scope_of[i] = HEAP_NONE;
		if (!(cat & (CAT_OBJECT | CAT_CLOSURE)))
			continue;	/* the references below are an object's or a function's */
		for (uint32_t e = first[i]; e < first[i + 1]; e++) {
			uint32_t t = h->edge_to[e];
			uint8_t kind = h->edge_kind[e], es = edge_sname(&u, e);
			if (kind == HEAP_EDGE_STRONG) {
				if (es == SN_OWNER_SYMBOL) {
					if (n_handles == handles_cap) {
						handles_cap = handles_cap ? handles_cap * 2 : 256;
						handles = mem_realloc_array(handles, handles_cap, sizeof *handles);
					}
					handles[n_handles++] = e;
				} else if (es == SN_EXPORTS && exports == HEAP_NONE)
					exports = t;
				continue;
			}
			if (kind != HEAP_EDGE_INTERNAL)
				continue;
			switch (es) {
			case SN_MAP:
				if (map == HEAP_NONE)
					map = t;
				break;
			case SN_CONTEXT_REF:
				if ((cat & CAT_CLOSURE) && scope_of[i] == HEAP_NONE)
					scope_of[i] = t;
				break;
			case SN_GLOBAL_PROXY:
				/* a JSGlobalObject and its JSGlobalProxy */
				u.um[i] |= UM_ANCHOR;
				u.um[t] |= UM_ANCHOR;
				break;
			case SN_PREVIOUS:
				/* a scope whose outer scope is the native
				 * context: a module's or a script's */
				if (sn == SN_CONTEXT && v->sname[h->name[t]] == SN_NATIVE_CONTEXT)
					u.um[i] |= UM_ANCHOR;
				break;
			case SN_JS_TO_NATIVE:
				note_first(&wrapper_of, n, t, i);
				break;
			default:
				break;
			}
		}
		if ((cat & CAT_CLOSURE) && closure_class(&u, i) >= UC_BUILTIN)
			u.um[i] |= UM_ANCHOR;
		if ((cat & CAT_OBJECT) && map != HEAP_NONE && map_class(&u, map, &path, &cap) == UC_LOADER) {
			u.um[i] |= UM_ANCHOR;
			if (exports != HEAP_NONE)
				u.um[exports] |= UM_ANCHOR;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		uint8_t sn = v->sname[h->name[i]];
		uint8_t cat = u.cat[h->category[i]];
		if (sn != SN_CONTEXT && !(wrapper_of && (cat & CAT_NATIVE)))
			continue;
		for (uint32_t e = first[i]; e < first[i + 1]; e++) {
			uint32_t t = h->edge_to[e];
			uint8_t kind = h->edge_kind[e];
			/* a scope holds the functions made in it that something
			 * refers to by name, and each of them holds the scope
			 * (its context): the scope's link to such a function is
			 * not the program's, or every one and its scope is a
			 * cycle (ExtractContextReferences, ExtractJSObjectReferences) */
			if (sn == SN_CONTEXT && kind == HEAP_EDGE_STRONG && scope_of[t] == i)
				back_link(v, h, e);
			/* a native object and its JavaScript wrapper point at each
			 * other (Node.js's BaseObject, Blink's wrappers): the
			 * native's link back to its own wrapper */
			if (wrapper_of && (cat & CAT_NATIVE) && kind == HEAP_EDGE_INTERNAL && t == wrapper_of[i] &&
			    edge_sname(&u, e) == SN_NATIVE_TO_JS)
				back_link(v, h, e);
		}
	}
	/* a Node.js handle (a TCP, an HTTPParser, ...) points at the object
	 * that owns it with [owner_symbol] or [resource_symbol]
	 * (typings/internalBinding/async_wrap.d.ts: a resource's public
	 * object; lib/internal/async_hooks.js looks both up), which holds it
	 * (server._handle, socket[kHandle]): the same pair, in JavaScript.
	 * The owner's first OWNER_SCAN references are looked at (a bound:
	 * many handles may share an owner) */
	for (uint32_t i = 0; handles && i < n_handles; i++) {
		uint32_t back = handles[i], hd = h->edge_from[back], o = h->edge_to[back];
		for (uint32_t e = first[o]; e < first[o + 1] && e - first[o] < OWNER_SCAN; e++)
			if (h->edge_to[e] == hd && h->edge_kind[e] == HEAP_EDGE_STRONG) {
				back_link(v, h, back);
				break;
			}
	}
	free(scope_of);
	free(wrapper_of);
	free(handles);
	free(path);
	return u.um;
}

/* Sets the marks user_marks() found (an anchor is never a runtime
 * object too) and frees them. */
static void user_apply(struct heap_builder_view *h, uint8_t *um)
{
	for (uint32_t i = 0; i < h->n_nodes; i++)
		if (um[i] & UM_ANCHOR)
			h->flags[i] |= HEAP_F_ANCHOR;
		else if (um[i] & UM_RUNTIME)
			h->flags[i] |= HEAP_F_RUNTIME;
	free(um);
}

/* Whether reference e of node u (its name still a string index; ephemeron:
 * it is internal and named as a WeakMap entry's) is V8's
 * bookkeeping, not one the program made (HEAP_EDGE_META): hidden
 * references, the internal ones named in enum sname (map, the property
 * and element stores, ...), the prototype chain (__proto__, constructor,
 * prototype: a scope's variables of those names excepted), WeakMap
 * ephemerons, and the back link of a pair (a native's to its own wrapper, a
 * Node.js handle's to its owner, a scope's to a function made in it). */
static int user_meta(const struct v8 *v, const struct heap_builder_view *h, uint32_t u, uint32_t e,
		     int ephemeron)
{
	uint32_t name = h->edge_name[e];
	uint8_t kind = h->edge_kind[e];

	if (v->back_meta && bit_get(v->back_meta, e))
		return 1;
	if (name & HEAP_NAME_INDEX)
		return kind == HEAP_EDGE_INTERNAL;	/* V8's "hidden" */
	switch (v->sname[name]) {
	case SN_MAP:
	case SN_ELEMENTS:
	case SN_PROPERTIES:
	case SN_SHARED:
	case SN_CODE:
	case SN_FEEDBACK_CELL:
	case SN_SCOPE_INFO:
	case SN_INITIAL_MAP:
	case SN_NATIVE_CONTEXT_REF:
	case SN_GLOBAL_PROXY:
		return kind == HEAP_EDGE_INTERNAL;
	case SN_PROTO:
	case SN_CONSTRUCTOR:
	case SN_PROTOTYPE:
		return kind == HEAP_EDGE_INTERNAL ||
		       (kind == HEAP_EDGE_STRONG && v->sname[h->name[u]] != SN_CONTEXT);
	default:
		return ephemeron;
	}
}

/* Edges of nodes [lo, hi): what DevTools' computeIsEssentialEdge leaves
 * out of its dominator tree becomes HEAP_EDGE_WEAK (the only kind that
 * never retains in heapglass): WeakMap table -> value ephemerons, edges
 * from outside the page into it, shortcuts of synthetic nodes other than
 * the root.  The user graph's HEAP_EDGE_META is or-ed in (user_meta).
 * Names become arena offsets.  Writes only these nodes' edges. */
static void weigh_edges(const struct v8 *v, struct heap_builder_view *hv, const uint32_t *first,
			uint32_t root, const uint64_t *page, uint32_t lo, uint32_t hi)
{
	struct heap_builder_view h = *hv;

	for (uint32_t u = lo; u < hi; u++) {
		for (uint32_t e = first[u]; e < first[u + 1]; e++) {
			uint32_t name = h.edge_name[e];
			uint64_t table;
			int eph = !(name & HEAP_NAME_INDEX) && h.edge_kind[e] == HEAP_EDGE_INTERNAL &&
				  eph_get(&v->eph, name, &table);
			uint8_t meta = user_meta(v, hv, u, e, eph) ? HEAP_EDGE_META : 0;
			if (!(name & HEAP_NAME_INDEX)) {
				if (eph && table == h.id[u])
					h.edge_kind[e] = HEAP_EDGE_WEAK;
				h.edge_name[e] = v->strmap[name];
			}
			if (u == root || h.edge_kind[e] == HEAP_EDGE_WEAK) {
				/* stays */
			} else if (h.edge_kind[e] == HEAP_EDGE_SHORTCUT) {
				/* heapglass lets shortcuts of every synthetic node
				 * retain; DevTools only the root's */
				if (h.flags[u] & HEAP_F_SYNTHETIC)
					h.edge_kind[e] = HEAP_EDGE_WEAK;
			} else if (page && bit_get(page, h.edge_to[e]) && !bit_get(page, u)) {
				h.edge_kind[e] = HEAP_EDGE_WEAK;
			}
			h.edge_kind[e] |= meta;
		}
	}
}

/* The passes over the whole graph that finish() runs two at a time: the
 * page-owned set (reads the edges) then the shallow sizes (moves size[])
 * with the user graph's node marks (reads the graph), then the edge
 * weighing split in two node ranges.  No two write the same memory. */
struct fjob {
	int what;			/* FJ_ */
	struct v8 *v;
	struct heap_builder_view *h;
	const uint32_t *first;
	uint32_t root, lo, hi;
	uint64_t *page;			/* FJ_PAGE's result; FJ_WEIGH's input */
	uint8_t *um;			/* FJ_USER's result */
};

enum {
	FJ_PAGE,			/* the page-owned set, then the shallow sizes */
	FJ_USER,			/* the user graph's node marks */
	FJ_WEIGH,
	FJ_MIN_EDGES = 1 << 16		/* below this a thread costs more than it saves */
};

static void *fjob_run(void *arg)
{
	struct fjob *j = arg;

	if (j->what == FJ_PAGE) {
		j->page = page_owned(j->v, j->h, j->first, j->root);
		own_shallow_sizes(j->v, j->h, j->first, j->root);
	} else if (j->what == FJ_USER) {
		j->um = user_marks(j->v, j->h, j->first);
	} else {
		weigh_edges(j->v, j->h, j->first, j->root, j->page, j->lo, j->hi);
	}
	return NULL;
}

/* Runs a on a helper thread and b on this one (both here when the graph
 * is small or no thread starts); returns when both are done. */
static void fjob_pair(struct fjob *a, struct fjob *b, size_t n_edges)
{
	struct worker w;

	worker_run(&w, n_edges >= FJ_MIN_EDGES, fjob_run, a);
	fjob_run(b);
	worker_join(&w);
}

static int finish(struct v8 *v)
{
	struct heap_builder_view h;
	uint32_t *first = v->edge_count;	/* becomes first-edge offsets */
	uint32_t root;
	uint64_t *page;
	char msg[ERROR_MSG_MAX];

	if (!v->have_meta || !v->have_nodes || !v->have_strings || !v->have_edges) {
		snprintf(msg, sizeof msg, "not a complete heap snapshot: no %s",
			 !v->have_meta ? "\"snapshot\" meta" : !v->have_nodes ? "\"nodes\" array" :
			 !v->have_edges ? "\"edges\" array" : "\"strings\" array");
		return fail_here(v, msg);
	}
	/* only now: without the meta, nf is 0 (a fuzzer found the division) */
	root = (uint32_t)(v->root_index / v->nf);
	if (v->any_node_name && v->max_node_name >= v->n_strings) {
		snprintf(msg, sizeof msg, "node name index %llu past the string table (%u strings)",
			 (unsigned long long)v->max_node_name, v->n_strings);
		return fail_at(v, v->max_node_name_at, msg);
	}
	if (v->any_edge_name && v->max_edge_name >= v->n_strings) {
		snprintf(msg, sizeof msg, "edge name index %llu past the string table (%u strings)",
			 (unsigned long long)v->max_edge_name, v->n_strings);
		return fail_at(v, v->max_edge_name_at, msg);
	}
	progress_force(v->prog, "resolving", 0, 0);
	heap_builder_view(v->b, &h);
	{
		uint32_t sum = 0;
		for (uint32_t i = 0; i < v->n_nodes; i++) {
			uint32_t c = first[i];
			first[i] = sum;
			sum += c;
		}
		first[v->n_nodes] = sum;
	}
	if (v->dom_state)
		propagate_dom_state(v, &h, first);
	{
		struct fjob a = { .what = FJ_PAGE, .v = v, .h = &h, .first = first, .root = root };
		struct fjob b = a;
		uint32_t mid = 0, hi = v->n_nodes;
		b.what = FJ_USER;
		fjob_pair(&a, &b, h.n_edges);
		page = a.page;
		user_apply(&h, b.um);
		/* the edges split in halves by count: the first node whose
		 * edges start past the middle */
		while (mid < hi) {
			uint32_t m = mid + (hi - mid) / 2;
			if (first[m] < first[v->n_nodes] / 2)
				mid = m + 1;
			else
				hi = m;
		}
		a.what = b.what = FJ_WEIGH;
		a.page = b.page = page;
		a.lo = mid;
		a.hi = v->n_nodes;
		b.lo = 0;
		b.hi = mid;
		fjob_pair(&a, &b, h.n_edges);
	}
	free(page);

	/* Nodes: names, and DevTools' class names as the type column. */
	{
		uint8_t cat_type[256];
		uint8_t have[256];
		memset(have, 0, sizeof have);
		for (unsigned t = 0; t < v->n_nt; t++)
			if (!have[v->nt[t].category]) {
				have[v->nt[t].category] = 1;
				cat_type[v->nt[t].category] = (uint8_t)t;
			}
		for (uint32_t i = 0; i < v->n_nodes; i++) {
			const struct ntype *t = &v->nt[cat_type[h.category[i]]];
			heap_str_t name = v->strmap[h.name[i]];
			if (v->dom_state && v->dom_state[i] == DOM_DETACHED) {
				/* DevTools renames detached DOM objects */
				size_t len;
				const char *s = heap_builder_string(v->b, name, &len);
				char *c = mem_alloc(len + 9);
				memcpy(c, "Detached ", 9);
				memcpy(c + 9, s, len);
				name = heap_builder_intern(v->b, c, len + 9);
				free(c);
			}
			h.name[i] = name;
			if (!v->f_detached_present && t->native) {
				/* old snapshots: DevTools takes "Detached ..." natives as detached */
				size_t len;
				const char *s = heap_builder_string(v->b, name, &len);
				if (len >= 9 && memcmp(s, "Detached ", 9) == 0)
					h.flags[i] |= HEAP_F_DETACHED;
			}
			if (t->class_name) {
				h.type[i] = t->class_name;
			} else {
				size_t len;
				const char *s = NULL;
				h.type[i] = name;
				/* '<div id="a">' -> '<div>', 'Detached <div id="a">' -> 'Detached <div>' */
				if (h.name[i] && (s = heap_builder_string(v->b, name, &len)) != NULL &&
				    ((len > 1 && s[0] == '<') || (len > 10 && memcmp(s, "Detached <", 10) == 0))) {
					const char *sp = memchr(s + (s[0] == '<' ? 0 : 10), ' ',
								len - (s[0] == '<' ? 0 : 10));
					if (sp) {
						size_t k = (size_t)(sp - s);
						char *c = mem_alloc(k + 1);
						memcpy(c, s, k);
						c[k] = '>';
						h.type[i] = heap_builder_intern(v->b, c, k + 1);
						free(c);
					}
				}
			}
		}
	}
	return heap_builder_add_root(v->b, root, heap_builder_intern_cstr(v->b, "root"), v->err);
}

/* ---- the top level ---- */

static int parse(struct v8 *v)
{
	char key[KEY_MAX + 1];
	int c;

	if (rd_fill(&v->r, 3) != 0)
		return -1;
	if (v->r.len >= 3 && memcmp(v->r.buf, "\xef\xbb\xbf", 3) == 0)
		v->r.pos = 3;
	if (expect(v, '{', "expected '{' (a V8 heap snapshot is a JSON object)") != 0)
		return -1;
	if (peek(v) == '}')
		return fail_here(v, "empty object: not a heap snapshot");
	for (;;) {
		const char *s;
		size_t len;
		uint64_t at = here(v);
		int rc;

		if (read_string(v, &s, &len, KEY_MAX) != 0)
			return -1;
		if (len > KEY_MAX)
			return fail_at(v, at, "key too long");
		memcpy(key, s, len);
		key[len] = '\0';
		if (strlen(key) != len)
			return fail_at(v, at, "key holds a NUL character");
		if (expect(v, ':', "expected ':' after a key") != 0)
			return -1;
		if (strcmp(key, "snapshot") == 0) {
			rc = v->have_meta ? fail_at(v, at, "second \"snapshot\"") : read_meta(v);
		} else if (strcmp(key, "nodes") == 0) {
			rc = v->have_nodes ? fail_at(v, at, "second \"nodes\"") : read_nodes(v);
		} else if (strcmp(key, "edges") == 0) {
			rc = v->have_edges ? fail_at(v, at, "second \"edges\"") : read_edges(v);
		} else if (strcmp(key, "strings") == 0) {
			rc = v->have_strings ? fail_at(v, at, "second \"strings\"") : read_strings(v);
		} else if (strcmp(key, "locations") == 0 || strcmp(key, "samples") == 0 ||
			   strcmp(key, "trace_function_infos") == 0) {
			rc = skip_int_array(v);
		} else {
			rc = skip_value(v);	/* trace_tree, scopes, ... */
		}
		if (rc != 0)
			return -1;
		c = peek(v);
		if (c == ',') {
			v->r.pos++;
			continue;
		}
		if (c == '}') {
			v->r.pos++;
			break;
		}
		if (c == -2)
			return -1;
		return fail_here(v, c == -1 ? "unexpected end of file: expected ',' or '}'"
				 : "expected ',' or '}' after a top-level value");
	}
	c = peek(v);
	if (c == -2)
		return -1;
	if (c != -1)
		return fail_here(v, "data after the end of the snapshot object");
	return finish(v);
}

static int load(const char *path, struct heap_builder *b, struct progress *prog, struct error *err)
{
	struct v8 v;
	struct stat st;
	int rc;

	memset(&v, 0, sizeof v);
	v.path = path;
	v.b = b;
	v.prog = prog;
	v.err = err;
	v.r.path = path;
	v.r.err = err;
	v.r.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (v.r.fd < 0)
		return error_set(err, "%s: %s", path, strerror(errno));
	if (fstat(v.r.fd, &st) != 0) {
		error_set(err, "%s: %s", path, strerror(errno));
		close(v.r.fd);
		return -1;
	}
	v.r.file_size = (uint64_t)st.st_size;
#ifdef POSIX_FADV_SEQUENTIAL
	(void)posix_fadvise(v.r.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	/* the window starts at CHUNK, or the file's size when smaller (a
	 * FIFO or a device reports 0: 64 KiB, grown as needed) */
	v.r.cap = CHUNK;
	if (S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size < CHUNK)
		v.r.cap = (size_t)st.st_size + 1;
	else if (!S_ISREG(st.st_mode))
		v.r.cap = 1 << 16;
	v.r.buf = mem_alloc(v.r.cap + 1);
	progress_force(prog, "parsing", 0, v.r.file_size);
	rc = parse(&v);
	progress_force(prog, "parsing", v.r.file_size, v.r.file_size);
	close(v.r.fd);
	free(v.r.buf);
	free(v.nt);
	free(v.et);
	free(v.edge_count);
	free(v.strmap);
	free(v.sname);
	free(v.back_meta);
	free(v.eph.key);
	free(v.eph.table);
	free(v.tmp);
	free(v.dom_state);
	if (v.eph_re_ok)
		regfree(&v.eph_re);
	return rc;
}

/* A V8 snapshot starts with {"snapshot":{"meta":...; white space allowed. */
static int sniff(const char *path, const unsigned char *head, size_t len, int is_dir)
{
	size_t i = 0;

	(void)path;
	if (is_dir)
		return 0;
	if (len >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && is_ws(head[i]))
		i++;
	if (i >= len || head[i] != '{')
		return 0;
	i++;
	while (i < len && is_ws(head[i]))
		i++;
	if (len - i >= 10 && memcmp(head + i, "\"snapshot\"", 10) == 0)
		return 100;
	if (contains((const char *)head, len, "\"node_fields\""))
		return 60;
	return 0;
}

const struct loader fmt_v8 = {
	.name = "v8",
	.description = "V8 .heapsnapshot (Node.js, Chrome, Edge, Electron, Deno)",
	.sniff = sniff,
	.load = load,
};
