#include "loaders/fmt_dot.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cgraph.h>

#include "graph/export.h"
#include "graph/core/mem.h"
#include "graph/gv.h"

enum {
	LABEL_MAX = 1024,		/* longer names are cut (with "...") */
	MAX_FILE = 256 << 20		/* cgraph holds the whole graph; DOT heaps are small */
};

/* ---- Graphviz's error hook (graph/gv.h) ---- */

/* What cgraph said, as one line naming the file and the line. */
static int syntax_error(const char *path, struct error *err)
{
	char line[GV_MSG_MAX], q[GV_MSG_MAX];
	const char *m = gv_message(), *at;
	size_t n = 0;
	unsigned long lineno = 0;

	if (strncmp(m, "Error: ", 7) == 0)
		m += 7;
	if (strncmp(m, "dot: ", 5) == 0)
		m += 5;
	while (m[n] && m[n] != '\n' && n + 1 < sizeof line) {
		line[n] = m[n];
		n++;
	}
	line[n] = '\0';
	at = strstr(line, " in line ");
	if (at && isdigit((unsigned char)at[9])) {
		char *end;
		lineno = strtoul(at + 9, &end, 10);
		memmove((char *)at, end, strlen(end) + 1);
	}
	n = strlen(line);
	if (n == 0) {
		strcpy(line, "not a DOT graph");
		n = strlen(line);
	}
	error_quote(q, sizeof q, line, n > 300 ? 300 : n);
	if (lineno)
		return error_set(err, "%s:%lu: DOT %s", path, lineno, q);
	return error_set(err, "%s: DOT %s", path, q);
}

/* ---- attributes ---- */

struct syms {
	Agsym_t *id, *type, *name, *size, *root, *root_kind, *gen, *refcount, *flags, *more;
	Agsym_t *p_type, *p_name, *p_label, *p_size, *p_root, *p_root_kind, *p_gen, *p_generation,
		*p_refcount, *p_flags;
	Agsym_t *e_name, *e_index, *e_kind, *e_label, *ep_name, *ep_index, *ep_weak, *ep_kind, *ep_meta;
};

static Agsym_t *look(Agraph_t *g, int kind, const char *name)
{
	return agattr(g, kind, (char *)name, NULL);
}

/* The value of attribute s on obj, or NULL when absent or empty. */
static const char *val(void *obj, Agsym_t *s)
{
	const char *v;

	if (!s)
		return NULL;
	v = agxget(obj, s);
	return v && *v ? v : NULL;
}

/* The first non-empty of an hg_* attribute and its plain twin; *pct is
 * set when the hg_* one (percent-encoded) was taken. */
static const char *pick(void *obj, Agsym_t *hg, Agsym_t *plain, int *pct)
{
	const char *v = val(obj, hg);

	if (pct)
		*pct = v != NULL;
	return v ? v : val(obj, plain);
}

struct dotctx {
	const char *path;
	struct heap_builder *b;
	struct error *err;
	Agraph_t *g;
	struct syms y;
};

/* Quotes a node's name for an error message. */
static const char *qname(char *buf, size_t size, Agnode_t *n)
{
	const char *s = agnameof(n);

	return error_quote(buf, size, s, strlen(s) > 40 ? 40 : strlen(s));
}

static int bad_node(struct dotctx *c, Agnode_t *n, const char *attr, const char *v, const char *want)
{
	char qn[200], qv[200];

	error_quote(qv, sizeof qv, v, strlen(v) > 40 ? 40 : strlen(v));
	return error_set(c->err, "%s: node '%s': %s='%s' is not %s", c->path, qname(qn, sizeof qn, n),
			 attr, qv, want);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	while (*s == ' ')
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	while (*end == ' ')
		end++;
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

static int parse_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*out = v;
	return 0;
}

/* 1 true, 0 false, -1 neither. */
static int parse_bool(const char *s)
{
	static const char *const yes[] = { "true", "yes", "1", "on" };
	static const char *const no[] = { "false", "no", "0", "off" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return 1;
		if (strcasecmp(s, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* Interns v (decoding %XX when pct), cut to LABEL_MAX bytes.  Returns 0,
 * or -1 when the percent-encoding is broken. */
static int intern(struct dotctx *c, const char *v, int pct, heap_str_t *out)
{
	size_t len = strlen(v);
	char *tmp = mem_alloc(len + 4);

	memcpy(tmp, v, len + 1);
	if (pct) {
		len = export_pct_decode(tmp, len);
		if (len == (size_t)-1) {
			free(tmp);
			return -1;
		}
	}
	if (len > LABEL_MAX) {
		memcpy(tmp + LABEL_MAX, "...", 3);
		len = LABEL_MAX + 3;
	}
	*out = heap_builder_intern(c->b, tmp, len);
	free(tmp);
	return 0;
}

static int is_decimal(const char *s)
{
	if (!*s || strlen(s) > 19)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* Reads one object.  Returns 0 or -1. */
static int add_node(struct dotctx *c, Agnode_t *n, uint64_t id, heap_node_t *out)
{
	struct syms *y = &c->y;
	struct heap_node_rec rec = { .id = id, .generation = HEAP_GEN_UNKNOWN };
	const char *v;
	int pct, is_root = 0;
	const char *bad;
	size_t bad_len;
	heap_str_t root_kind = 0;
	uint64_t u;

	v = pick(n, y->type, y->p_type, &pct);
	if (intern(c, v ? v : "object", v && pct, &rec.type) != 0)
		return bad_node(c, n, "hg_type", v, "percent-encoded text");
	v = pick(n, y->name, y->p_name, &pct);
	if (!v && !val(n, y->id)) {
		/* a drawing's own label, when it is plain text, names the object
		 * better than the DOT identifier does */
		v = val(n, y->p_label);
		if (!v || aghtmlstr((char *)v) || strcmp(v, "\\N") == 0)
			v = agnameof(n);
		pct = 0;
	}
	if (v && intern(c, v, pct, &rec.name) != 0)
		return bad_node(c, n, "hg_name", v, "percent-encoded text");
	v = pick(n, y->size, y->p_size, NULL);
	if (v) {
		if (parse_u64(v, &u) != 0)
			return bad_node(c, n, "size", v, "a number of bytes");
		rec.size = u;
	}
	v = pick(n, y->gen, y->p_gen, NULL);
	if (!v)
		v = val(n, y->p_generation);
	if (v) {
		if (parse_u64(v, &u) != 0 || u >= HEAP_GEN_UNKNOWN)
			return bad_node(c, n, "gen", v, "a generation number (0-254)");
		rec.generation = (uint8_t)u;
	}
	v = pick(n, y->refcount, y->p_refcount, NULL);
	if (v) {
		if (parse_i64(v, &rec.refcount) != 0)
			return bad_node(c, n, "refcount", v, "an integer");
		rec.flags |= HEAP_F_HAS_REFCOUNT;
	}
	v = pick(n, y->flags, y->p_flags, NULL);
	if (v && heap_parse_flags(v, strlen(v), &rec.flags, &bad, &bad_len) != 0)
		return bad_node(c, n, "flags", v, "a list of: " HEAP_FLAG_WORDS);
	v = pick(n, y->root, y->p_root, NULL);
	if (v) {
		is_root = parse_bool(v);
		if (is_root < 0)
			return bad_node(c, n, "root", v, "true or false");
	}
	if (is_root) {
		v = pick(n, y->root_kind, y->p_root_kind, &pct);
		if (intern(c, v ? v : "dot", v && pct, &root_kind) != 0)
			return bad_node(c, n, "hg_root_kind", v, "percent-encoded text");
	}
	*out = heap_builder_add_node(c->b, &rec, c->err);
	if (*out == HEAP_NONE)
		return -1;
	if (is_root && heap_builder_add_root(c->b, *out, root_kind, c->err) != 0)
		return -1;
	return 0;
}

static int bad_edge(struct dotctx *c, Agedge_t *e, const char *attr, const char *v, const char *want)
{
	char qa[200], qb[200], qv[200];

	error_quote(qv, sizeof qv, v, strlen(v) > 40 ? 40 : strlen(v));
	return error_set(c->err, "%s: edge '%s' -> '%s': %s='%s' is not %s", c->path,
			 qname(qa, sizeof qa, agtail(e)), qname(qb, sizeof qb, aghead(e)), attr, qv, want);
}

static int add_edge(struct dotctx *c, Agedge_t *e, heap_node_t from, heap_node_t to)
{
	struct syms *y = &c->y;
	uint8_t kind = HEAP_EDGE_STRONG;
	uint32_t name = 0;
	const char *v;
	int pct;
	uint64_t u;

	v = pick(e, y->e_index, y->ep_index, NULL);
	if (v) {
		if (parse_u64(v, &u) != 0 || u >= HEAP_NAME_INDEX)
			return bad_edge(c, e, "index", v, "an element index");
		name = HEAP_NAME_INDEX | (uint32_t)u;
	} else {
		v = pick(e, y->e_name, y->ep_name, &pct);
		if (!v && !val(e, y->e_name)) {
			v = val(e, y->e_label);
			pct = 0;
			if (v && aghtmlstr((char *)v))
				v = NULL;	/* an HTML-like label is drawing, not a name */
		}
		if (v && intern(c, v, pct, &name) != 0)
			return bad_edge(c, e, "hg_name", v, "percent-encoded text");
	}
	v = pick(e, y->e_kind, y->ep_kind, NULL);
	if (v && heap_parse_kind(v, strlen(v), &kind) != 0)
		return bad_edge(c, e, "kind", v, "strong, weak, internal or shortcut, and/or meta");
	v = val(e, y->ep_weak);
	if (v) {
		int w = parse_bool(v);
		if (w < 0)
			return bad_edge(c, e, "weak", v, "true or false");
		if (w)
			kind = (uint8_t)(HEAP_EDGE_WEAK | (kind & HEAP_EDGE_META));
	}
	v = val(e, y->ep_meta);
	if (v) {
		int m = parse_bool(v);
		if (m < 0)
			return bad_edge(c, e, "meta", v, "true or false");
		if (m)
			kind |= HEAP_EDGE_META;
	}
	return heap_builder_add_edge(c->b, from, to, (enum heap_edge_kind)kind, name, c->err);
}

static void find_syms(Agraph_t *g, struct syms *y)
{
	y->id = look(g, AGNODE, "hg_id");
	y->type = look(g, AGNODE, "hg_type");
	y->name = look(g, AGNODE, "hg_name");
	y->size = look(g, AGNODE, "hg_size");
	y->root = look(g, AGNODE, "hg_root");
	y->root_kind = look(g, AGNODE, "hg_root_kind");
	y->gen = look(g, AGNODE, "hg_gen");
	y->refcount = look(g, AGNODE, "hg_refcount");
	y->flags = look(g, AGNODE, "hg_flags");
	y->more = look(g, AGNODE, "hg_more");
	y->p_type = look(g, AGNODE, "type");
	y->p_name = look(g, AGNODE, "name");
	y->p_label = look(g, AGNODE, "label");
	y->p_size = look(g, AGNODE, "size");
	y->p_root = look(g, AGNODE, "root");
	y->p_root_kind = look(g, AGNODE, "root_kind");
	y->p_gen = look(g, AGNODE, "gen");
	y->p_generation = look(g, AGNODE, "generation");
	y->p_refcount = look(g, AGNODE, "refcount");
	y->p_flags = look(g, AGNODE, "flags");
	y->e_name = look(g, AGEDGE, "hg_name");
	y->e_index = look(g, AGEDGE, "hg_index");
	y->e_kind = look(g, AGEDGE, "hg_kind");
	y->e_label = look(g, AGEDGE, "label");
	y->ep_name = look(g, AGEDGE, "name");
	y->ep_index = look(g, AGEDGE, "index");
	y->ep_weak = look(g, AGEDGE, "weak");
	y->ep_kind = look(g, AGEDGE, "kind");
	y->ep_meta = look(g, AGEDGE, "meta");
}

/* Reads the graph into the builder. */
static int convert(struct dotctx *c)
{
	Agraph_t *g = c->g;
	struct syms *y = &c->y;
	heap_node_t *idx = NULL, dup_a, dup_b;
	Agnode_t **by_index = NULL;
	uint64_t max_seq = 0;
	uint32_t count = 0;
	int all_hg = 1, all_num = 1, rc = -1;

	find_syms(g, y);
	for (Agnode_t *n = agfstnode(g); n; n = agnxtnode(g, n)) {
		if ((uint64_t)AGSEQ(n) > max_seq)
			max_seq = AGSEQ(n);
		if (val(n, y->more))
			continue;
		count++;
		if (!val(n, y->id))
			all_hg = 0;
		if (!is_decimal(agnameof(n)))
			all_num = 0;
	}
	idx = mem_alloc((size_t)(max_seq + 1) * sizeof *idx);
	by_index = mem_alloc((size_t)(count ? count : 1) * sizeof *by_index);
	heap_builder_reserve(c->b, count, (uint64_t)agnedges(g));
	count = 0;
	for (Agnode_t *n = agfstnode(g); n; n = agnxtnode(g, n)) {
		uint64_t id = count + 1;
		idx[AGSEQ(n)] = HEAP_NONE;
		if (val(n, y->more))
			continue;
		if (all_hg) {
			const char *v = val(n, y->id);
			if (parse_u64(v, &id) != 0) {
				bad_node(c, n, "hg_id", v, "an object id");
				goto out;
			}
		} else if (all_num) {
			parse_u64(agnameof(n), &id);
		}
		if (add_node(c, n, id, &idx[AGSEQ(n)]) != 0)
			goto out;
		by_index[count++] = n;
	}
	if (heap_builder_index(c->b, &dup_a, &dup_b) != 0) {
		char qa[200], qb[200];
		error_set(c->err, "%s: nodes '%s' and '%s' have the same object id %llu", c->path,
			  qname(qa, sizeof qa, by_index[dup_a]), qname(qb, sizeof qb, by_index[dup_b]),
			  (unsigned long long)heap_builder_node_id(c->b, dup_b));
		goto out;
	}
	for (uint32_t i = 0; i < count; i++) {
		Agnode_t *n = by_index[i];
		for (Agedge_t *e = agfstout(g, n); e; e = agnxtout(g, e)) {
			heap_node_t to = idx[AGSEQ(aghead(e))];
			if (to == HEAP_NONE)
				continue;	/* the "… N more" summary */
			if (add_edge(c, e, i, to) != 0)
				goto out;
		}
	}
	rc = 0;
out:
	free(idx);
	free(by_index);
	return rc;
}

static int dot_load(const char *path, struct heap_builder *b, struct progress *prog,
		    struct error *err)
{
	struct dotctx c = { .path = path, .b = b, .err = err };
	struct gv_hook hook;
	struct stat st;
	Agraph_t *extra;
	FILE *fp;
	int rc = -1;

	fp = fopen(path, "r");
	if (!fp)
		return error_set(err, "%s: %s", path, strerror(errno));
	if (fstat(fileno(fp), &st) == 0 && st.st_size > MAX_FILE) {
		fclose(fp);
		return error_set(err, "%s: a DOT file of %lld bytes is too big (at most 256 MiB; "
				 "use the CSV format for big heaps)", path, (long long)st.st_size);
	}
	{
		/* a UTF-8 byte order mark (what Windows editors save) is not
		 * DOT: cgraph would call it a syntax error; start after it */
		unsigned char bom[3];
		if (fread(bom, 1, 3, fp) != 3 || memcmp(bom, "\xef\xbb\xbf", 3) != 0)
			rewind(fp);
	}
	progress_force(prog, "parsing", 0, 0);
	gv_hook_on(&hook);
	agsetfile("dot");
	c.g = agread(fp, NULL);
	if (!c.g) {
		syntax_error(path, err);
		goto out;
	}
	/* Read on to the end, so that nothing is left in cgraph's scanner for
	 * the next file, and refuse a second graph rather than ignore it. */
	extra = agread(fp, NULL);
	if (extra) {
		agclose(extra);
		error_set(err, "%s: holds more than one graph; heapglass reads a file with one", path);
		goto out;
	}
	if (gv_message()[0]) {
		syntax_error(path, err);
		goto out;
	}
	rc = convert(&c);
out:
	if (c.g)
		agclose(c.g);
	gv_hook_off(&hook);
	fclose(fp);
	return rc;
}

/* Skips blanks and DOT comments (C, C++ and '#' lines). */
static size_t skip_space(const unsigned char *s, size_t len, size_t i)
{
	while (i < len) {
		if (isspace(s[i])) {
			i++;
		} else if (s[i] == '#' || (s[i] == '/' && i + 1 < len && s[i + 1] == '/')) {
			while (i < len && s[i] != '\n')
				i++;
		} else if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
			i += 2;
			while (i + 1 < len && !(s[i] == '*' && s[i + 1] == '/'))
				i++;
			i += 2;
		} else {
			break;
		}
	}
	return i;
}

static int keyword(const unsigned char *s, size_t len, size_t *i, const char *w)
{
	size_t n = strlen(w);

	if (*i + n > len || strncasecmp((const char *)s + *i, w, n) != 0)
		return 0;
	if (*i + n < len && (isalnum(s[*i + n]) || s[*i + n] == '_'))
		return 0;
	*i += n;
	return 1;
}

static int dot_sniff(const char *path, const unsigned char *head, size_t len, int is_dir)
{
	size_t i = 0;

	(void)path;
	if (is_dir)
		return 0;
	if (len >= 3 && head[0] == 0xef && head[1] == 0xbb && head[2] == 0xbf)
		i = 3;
	i = skip_space(head, len, i);
	if (keyword(head, len, &i, "strict"))
		i = skip_space(head, len, i);
	if (keyword(head, len, &i, "digraph") || keyword(head, len, &i, "graph"))
		return 90;
	return 0;
}

const struct loader fmt_dot = {
	.name = "dot",
	.description = "Graphviz DOT: a hand-drawn heap or a heapglass export (docs/dot-format.md)",
	.sniff = dot_sniff,
	.load = dot_load,
};
