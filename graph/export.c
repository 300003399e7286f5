/* export: drawing and writing a selection (graph/export_select.c) with
 * Graphviz (graph/gv.h): labels, styles and the hg_* attributes the DOT
 * loader reads back, the layout, the files. */
#include "graph/export.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gvc.h>

#include "graph/core/hmap.h"
#include "graph/core/mem.h"
#include "graph/core/text.h"
#include "graph/export_priv.h"
#include "graph/gv.h"
#include "graph/label.h"

enum {
	TAME_NODES = 60,		/* above this, bounded layout effort (tame_layout) */
	TAME_EDGES = 240,
	TYPE_MAX = 64,			/* label bytes per field, before HTML escaping */
	NAME_MAX_BYTES = 64,
	EDGE_NAME_MAX = 40
};

/* ---- text ---- */

/* A growable string. */
struct buf {
	char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = mem_realloc_array(b->p, cap, 1);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_fmt(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void buf_fmt(struct buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		buf_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Appends untrusted bytes for an HTML-like label: printable (text_escape,
 * cut to max bytes) and with every character that means something to
 * Graphviz's HTML parser, to XML or to DOT written as an entity; every
 * backslash doubled, as Graphviz's escapes want. */
static void buf_html(struct buf *b, const char *s, size_t len, size_t max)
{
	char safe[512];
	size_t n;

	if (max + 1 > sizeof safe)
		max = sizeof safe - 1;
	n = text_escape(safe, max + 1 < 4 ? 4 : max + 1, s, len, 0);
	for (size_t i = 0; i < n; i++) {
		switch (safe[i]) {
		case '&': buf_str(b, "&amp;"); break;
		case '<': buf_str(b, "&lt;"); break;
		case '>': buf_str(b, "&gt;"); break;
		case '"': buf_str(b, "&quot;"); break;
		case '\'': buf_str(b, "&#39;"); break;
		/* Graphviz reads escapes in label text even after the entity
		 * is decoded (\N: the node's name, \G: the graph's, \\: one
		 * backslash): each backslash of the text goes in doubled */
		case '\\': buf_str(b, "&#92;&#92;"); break;
		default: buf_add(b, safe + i, 1); break;
		}
	}
}

char *export_pct_encode(const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = mem_alloc(len * 3 + 1), *o = out;
	size_t i = 0;

	while (i < len) {
		unsigned cp;
		size_t step = text_utf8_decode(s + i, len - i, &cp);
		int enc = step == 0 || cp < 0x20 || cp == 0x7f || cp == '%' || cp == '"' ||
			  cp == '\\' || (cp >= 0x80 && cp < 0xa0) || text_invisible(cp);
		if (step == 0)
			step = 1;
		for (size_t k = 0; k < step; k++) {
			unsigned char c = (unsigned char)s[i + k];
			if (enc) {
				*o++ = '%';
				*o++ = hex[c >> 4];
				*o++ = hex[c & 15];
			} else {
				*o++ = (char)c;
			}
		}
		i += step;
	}
	*o = '\0';
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t export_pct_decode(char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%') {
			s[o++] = s[i];
			continue;
		}
		if (i + 2 >= len)
			return (size_t)-1;
		int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
		if (hi < 0 || lo < 0)
			return (size_t)-1;
		s[o++] = (char)(hi * 16 + lo);
		i += 2;
	}
	if (o < len)
		s[o] = '\0';
	return o;
}

int export_format_from_path(const char *out_path, enum export_format *fmt, struct error *err)
{
	static const struct {
		const char *ext;
		enum export_format fmt;
	} exts[] = {
		{ .ext = "dot", .fmt = EXPORT_DOT }, { .ext = "gv", .fmt = EXPORT_DOT },
		{ .ext = "svg", .fmt = EXPORT_SVG }, { .ext = "png", .fmt = EXPORT_PNG },
		{ .ext = "pdf", .fmt = EXPORT_PDF },
	};
	const char *base = strrchr(out_path, '/');
	const char *dot;

	base = base ? base + 1 : out_path;
	dot = strrchr(base, '.');
	if (dot && dot != base) {
		for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
			if (strcasecmp(dot + 1, exts[i].ext) == 0) {
				*fmt = exts[i].fmt;
				return 0;
			}
	}
	{
		char q[128];
		error_quote(q, sizeof q, base, strlen(base) > 60 ? 60 : strlen(base));
		return error_set(err, "%s: unknown output extension (use .dot, .svg, .png or .pdf)", q);
	}
}

/* ---- building the cgraph graph ---- */

/* Pastel fills.  A diagram gives its types colours in the order they
 * first appear (objects in id order), so up to 12 types are told apart at
 * a glance; black text stays readable on every one. */
static const char *const palette[] = {
	"#a6cee3", "#b2df8a", "#fdbf6f", "#cab2d6", "#ffff99", "#8dd3c7",
	"#fccde5", "#fb9a99", "#e5d8bd", "#ccebc5", "#d9d9d9", "#bebada",
};

/* Attribute handles, declared once per graph with their defaults. */
struct gsyms {
	Agsym_t *label, *fillcolor, *style, *penwidth, *color, *fontcolor, *peripheries, *shape;
	Agsym_t *hg_id, *hg_type, *hg_name, *hg_size, *hg_retained, *hg_root, *hg_root_kind,
		*hg_gen, *hg_refcount, *hg_flags, *hg_garbage, *hg_more;
	Agsym_t *e_dir, *e_arrowsize, *e_label, *e_style, *e_color, *e_fontcolor, *e_arrowhead, *e_hg_name, *e_hg_index,
		*e_hg_kind;
};

static Agsym_t *sym(Agraph_t *g, int kind, const char *name, const char *def)
{
	return agattr(g, kind, (char *)name, (char *)def);
}

/* Sets an attribute to a HTML-like label built in b. */
static void set_html(Agraph_t *g, void *obj, Agsym_t *s, const char *html)
{
	char *ref = agstrdup_html(g, (char *)html);

	agxset(obj, s, ref);
	agstrfree(g, ref);
}

static void set_pct(void *obj, Agsym_t *s, const char *str, size_t len)
{
	char *enc = export_pct_encode(str, len);

	agxset(obj, s, enc);
	free(enc);
}

static void set_u64(void *obj, Agsym_t *s, uint64_t v)
{
	char num[32];

	snprintf(num, sizeof num, "%llu", (unsigned long long)v);
	agxset(obj, s, num);
}

/* For each drawn slot, the root kind of its first root entry (0 if none). */
static heap_str_t *root_kinds(const struct sel *s)
{
	heap_str_t *kind = mem_calloc(s->n_node ? s->n_node : 1, sizeof *kind);
	uint8_t *seen = mem_calloc(s->n_node ? s->n_node : 1, 1);

	for (uint32_t r = 0; r < s->h->n_roots; r++) {
		uint32_t slot = sel_slot(s, s->h->roots[r].node);
		if (slot != HMAP_NONE && !seen[slot]) {
			seen[slot] = 1;
			kind[slot] = s->h->roots[r].kind;
		}
	}
	free(seen);
	return kind;
}

static void node_label(const struct sel *s, uint32_t slot, heap_str_t root_kind, struct buf *b)
{
	const struct heap *h = s->h;
	heap_node_t v = s->node[slot];
	size_t tlen, nlen, klen;
	const char *type = heap_string(h, h->type[v], &tlen);
	const char *name = heap_string(h, h->name[v], &nlen);
	const char *kind = heap_string(h, root_kind, &klen);
	char sz[32], rs[32];

	b->len = 0;
	buf_str(b, "<B>");
	if (tlen)
		buf_html(b, type, tlen, TYPE_MAX);
	else
		buf_str(b, "(no type)");
	buf_str(b, "</B>");
	/* V8 names most objects after their constructor: "Array / Array"
	 * says nothing twice; an object without a name of its own is named
	 * by what holds it (graph/label.h), in italics */
	if (nlen && !(nlen == tlen && memcmp(name, type, nlen) == 0)) {
		buf_str(b, "<BR/>");
		buf_html(b, name, nlen, NAME_MAX_BYTES);
	} else {
		char holder[256];
		size_t hl = label_holder(h, s->spec->dist, v, holder, sizeof holder);
		if (hl) {
			buf_str(b, "<BR/><I>");
			buf_html(b, holder, hl, NAME_MAX_BYTES);
			buf_str(b, "</I>");
		}
	}
	buf_fmt(b, "<BR/><FONT POINT-SIZE=\"9\" COLOR=\"#404040\">@%llu &#183; %s",
		(unsigned long long)heap_id(h, v), text_bytes(sz, sizeof sz, heap_size(h, v)));
	if (s->spec->retained)
		buf_fmt(b, " &#183; retains %s", text_bytes(rs, sizeof rs, dom_sizes_get(s->spec->retained, v)));
	buf_str(b, "</FONT>");
	if (h->flags[v] & HEAP_F_ROOT) {
		buf_str(b, "<BR/><FONT POINT-SIZE=\"9\" COLOR=\"#1f3f7f\">root");
		if (klen) {
			buf_str(b, ": ");
			buf_html(b, kind, klen, 32);
		}
		buf_str(b, "</FONT>");
	}
	/* the dashed red border says it too; the word helps where live and
	 * garbage objects mix, and is noise where everything is garbage */
	if (s->spec->dist && s->spec->dist[v] == EXPORT_UNREACHABLE && !s->all_garbage)
		buf_str(b, "<BR/><FONT POINT-SIZE=\"9\" COLOR=\"#a01010\">garbage: no root reaches it</FONT>");
}

static void flags_words(uint16_t flags, struct buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
	for (unsigned i = 0; i < 16; i++) {
		const char *word = heap_flag_word((uint16_t)(flags & (1u << i)));
		if ((flags & (1u << i)) && word) {
			if (b->len)
				buf_str(b, ",");
			buf_str(b, word);
		}
	}
	if (!b->p)
		buf_str(b, "");
}

static void declare(Agraph_t *g, struct gsyms *y, const char *title)
{
	/* graph */
	sym(g, AGRAPH, "rankdir", "TB");
	sym(g, AGRAPH, "nodesep", "0.35");
	sym(g, AGRAPH, "ranksep", "0.45");
	sym(g, AGRAPH, "fontname", "Helvetica");
	sym(g, AGRAPH, "fontsize", "11");
	sym(g, AGRAPH, "bgcolor", "white");
	if (title && *title) {
		struct buf b = { 0 };
		Agsym_t *l = sym(g, AGRAPH, "label", "");
		buf_str(&b, "<FONT POINT-SIZE=\"11\">");	/* never equal to a plain value */
		buf_html(&b, title, strlen(title), 200);
		buf_str(&b, "</FONT>");
		set_html(g, g, l, b.p);
		free(b.p);
		sym(g, AGRAPH, "labelloc", "b");
	}
	/* objects */
	y->shape = sym(g, AGNODE, "shape", "box");
	y->style = sym(g, AGNODE, "style", "rounded,filled");
	y->fillcolor = sym(g, AGNODE, "fillcolor", "#d9d9d9");
	y->color = sym(g, AGNODE, "color", "#404040");
	y->penwidth = sym(g, AGNODE, "penwidth", "1");
	y->peripheries = sym(g, AGNODE, "peripheries", "1");
	y->fontcolor = sym(g, AGNODE, "fontcolor", "black");
	sym(g, AGNODE, "fontname", "Helvetica");
	sym(g, AGNODE, "fontsize", "11");
	sym(g, AGNODE, "margin", "0.12,0.06");
	y->label = sym(g, AGNODE, "label", "\\N");
	y->hg_id = sym(g, AGNODE, "hg_id", "");
	y->hg_type = sym(g, AGNODE, "hg_type", "");
	y->hg_name = sym(g, AGNODE, "hg_name", "");
	y->hg_size = sym(g, AGNODE, "hg_size", "");
	y->hg_retained = sym(g, AGNODE, "hg_retained", "");
	y->hg_root = sym(g, AGNODE, "hg_root", "");
	y->hg_root_kind = sym(g, AGNODE, "hg_root_kind", "");
	y->hg_gen = sym(g, AGNODE, "hg_gen", "");
	y->hg_refcount = sym(g, AGNODE, "hg_refcount", "");
	y->hg_flags = sym(g, AGNODE, "hg_flags", "");
	y->hg_garbage = sym(g, AGNODE, "hg_garbage", "");
	y->hg_more = sym(g, AGNODE, "hg_more", "");
	/* references */
	sym(g, AGEDGE, "fontname", "Helvetica");
	sym(g, AGEDGE, "fontsize", "9");
	y->e_arrowsize = sym(g, AGEDGE, "arrowsize", "0.7");
	y->e_dir = sym(g, AGEDGE, "dir", "forward");
	y->e_label = sym(g, AGEDGE, "label", "");
	y->e_style = sym(g, AGEDGE, "style", "solid");
	y->e_color = sym(g, AGEDGE, "color", "#303030");
	y->e_fontcolor = sym(g, AGEDGE, "fontcolor", "#303030");
	y->e_arrowhead = sym(g, AGEDGE, "arrowhead", "normal");
	y->e_hg_name = sym(g, AGEDGE, "hg_name", "");
	y->e_hg_index = sym(g, AGEDGE, "hg_index", "");
	y->e_hg_kind = sym(g, AGEDGE, "hg_kind", "");
}

static void style_node(const struct sel *s, uint32_t slot, Agnode_t *n, const struct gsyms *y,
		       struct hmap *colours)
{
	const struct heap *h = s->h;
	heap_node_t v = s->node[slot];
	int root = (h->flags[v] & HEAP_F_ROOT) != 0;
	int garbage = s->spec->dist && s->spec->dist[v] == EXPORT_UNREACHABLE;
	int synthetic = (h->flags[v] & HEAP_F_SYNTHETIC) != 0;

	uint32_t colour = hmap_get(colours, h->type[v]);

	if (colour == HMAP_NONE) {
		colour = (uint32_t)(colours->used % (sizeof palette / sizeof palette[0]));
		hmap_put(colours, h->type[v], colour);
	}
	agxset(n, y->fillcolor, synthetic ? "white" : (char *)palette[colour]);
	if (root) {
		agxset(n, y->penwidth, "2.5");
		agxset(n, y->color, "#1f3f7f");
		agxset(n, y->peripheries, "2");
	}
	if (garbage) {
		agxset(n, y->style, "rounded,filled,dashed");
		agxset(n, y->color, "#a01010");
		agxset(n, y->penwidth, "1.5");
	}
	if (s->spec->what == EXPORT_OBJECT && v == s->spec->object)
		agxset(n, y->penwidth, root ? "3.5" : "2.5");
	else if (s->spec->what == EXPORT_PATH && s->spec->n_nodes && v == s->spec->nodes[s->spec->n_nodes - 1])
		agxset(n, y->penwidth, "2.5");
}

static void hg_node(const struct sel *s, uint32_t slot, heap_str_t root_kind, Agnode_t *n,
		    const struct gsyms *y, struct buf *b)
{
	const struct heap *h = s->h;
	heap_node_t v = s->node[slot];
	size_t len;
	const char *str;

	set_u64(n, y->hg_id, heap_id(h, v));
	str = heap_string(h, h->type[v], &len);
	set_pct(n, y->hg_type, str, len);
	str = heap_string(h, h->name[v], &len);
	if (len)
		set_pct(n, y->hg_name, str, len);
	set_u64(n, y->hg_size, heap_size(h, v));
	if (s->spec->retained)
		set_u64(n, y->hg_retained, dom_sizes_get(s->spec->retained, v));
	if (h->flags[v] & HEAP_F_ROOT) {
		agxset(n, y->hg_root, "true");
		str = heap_string(h, root_kind, &len);
		if (len)
			set_pct(n, y->hg_root_kind, str, len);
	}
	if (h->generation[v] != HEAP_GEN_UNKNOWN)
		set_u64(n, y->hg_gen, h->generation[v]);
	if (h->flags[v] & HEAP_F_HAS_REFCOUNT) {
		char num[32];
		snprintf(num, sizeof num, "%lld", (long long)heap_refcount(h, v));
		agxset(n, y->hg_refcount, num);
	}
	flags_words(h->flags[v], b);
	if (b->len)
		agxset(n, y->hg_flags, b->p);
	if (s->spec->dist && s->spec->dist[v] == EXPORT_UNREACHABLE)
		agxset(n, y->hg_garbage, "true");
}

/* Whether out-edge e of node `from` (a reference to `to`) was loaded with
 * HEAP_EDGE_META: the frozen heap keeps only its effect, so a reference
 * that retains between two user objects and is still not in the user graph
 * was one.  Exported as the word `meta` so that it reads back the same. */
static int edge_is_meta(const struct heap *h, heap_node_t from, heap_node_t to, uint32_t e)
{
	return heap_edge_retains(heap_out_kind(h, e), h->flags[from]) &&
	       !((h->flags[from] | h->flags[to]) & HEAP_F_NOT_USER) && !heap_out_user(h, e);
}

static Agedge_t *build_edge(const struct sel *s, Agraph_t *g, Agnode_t *a, Agnode_t *b_node,
			    const struct sel_edge *se, const struct gsyms *y, struct buf *b)
{
	const struct heap *h = s->h;
	Agedge_t *e;

	if (se->edge == EDGE_LINK) {
		/* A hidden object refers to a drawn one: made as drawn -> more
		 * and drawn backwards, so "more" always ranks below what it
		 * links and never drags the centre down. */
		if (se->from == SLOT_MORE) {
			e = agedge(g, b_node, a, NULL, 1);
			agxset(e, y->e_dir, "back");
		} else {
			e = agedge(g, a, b_node, NULL, 1);
		}
		agxset(e, y->e_style, "dashed");
		agxset(e, y->e_color, "#b0b0b0");
		agxset(e, y->e_arrowsize, "0.5");
		return e;
	}
	e = agedge(g, a, b_node, NULL, 1);
	uint32_t name = h->out_name[se->edge];
	uint8_t kind = heap_out_kind(h, se->edge);
	int meta = edge_is_meta(h, s->node[se->from], s->node[se->to], se->edge);
	char nb[32];

	/* The label is wrapped in a FONT element even though it changes
	 * nothing: cgraph interns HTML and plain strings in one table, so a
	 * bare label "next" would become the plain string of hg_name=next
	 * (and Graphviz would then read backslash escapes in it). */
	b->len = 0;
	buf_str(b, "<FONT POINT-SIZE=\"9\">");
	if (name & HEAP_NAME_INDEX) {
		set_u64(e, y->e_hg_index, name & ~HEAP_NAME_INDEX);
		buf_str(b, heap_edge_name(h, name, nb, sizeof nb));
	} else {
		size_t len;
		const char *str = heap_string(h, name, &len);
		if (len) {
			set_pct(e, y->e_hg_name, str, len);
			buf_html(b, str, len, EDGE_NAME_MAX);
		}
	}
	buf_str(b, "</FONT>");
	if (b->len > strlen("<FONT POINT-SIZE=\"9\"></FONT>"))
		set_html(g, e, y->e_label, b->p);
	if (kind != HEAP_EDGE_STRONG || meta) {
		b->len = 0;
		buf_str(b, heap_kind_word(kind));
		if (meta)
			buf_str(b, " meta");
		agxset(e, y->e_hg_kind, b->p);
	}
	if (kind == HEAP_EDGE_WEAK) {
		agxset(e, y->e_style, "dashed");
		agxset(e, y->e_color, "#808080");
		agxset(e, y->e_fontcolor, "#808080");
		agxset(e, y->e_arrowhead, "empty");
	} else if (kind == HEAP_EDGE_SHORTCUT) {
		agxset(e, y->e_style, "dotted");
	} else if (kind == HEAP_EDGE_INTERNAL) {
		agxset(e, y->e_color, "#606060");
		agxset(e, y->e_fontcolor, "#606060");
	}
	return e;
}

/* Builds the cgraph graph of a selection; *nodes gets the cgraph node of
 * each slot, *more the summary node or NULL, *edges the cgraph edge of
 * each selected edge (all three arrays are the caller's to free). */
static Agraph_t *build_graph(const struct sel *s, Agnode_t ***nodes_out, Agnode_t **more_out,
			     Agedge_t ***edges_out)
{
	const struct heap *h = s->h;
	Agraph_t *g = agopen("heapglass", Agdirected, NULL);
	Agnode_t **nodes = mem_alloc((size_t)(s->n_node ? s->n_node : 1) * sizeof *nodes);
	Agnode_t *more = NULL;
	Agedge_t **edges = mem_calloc(s->n_edge ? s->n_edge : 1, sizeof *edges);
	heap_str_t *rk = root_kinds(s);
	struct gsyms y;
	struct buf b = { 0 }, fw = { 0 };
	struct hmap colours;	/* type -> palette index */

	hmap_init(&colours, 16);
	declare(g, &y, s->spec->title);
	for (uint32_t i = 0; i < s->n_node; i++) {
		char name[32];
		snprintf(name, sizeof name, "%llu", (unsigned long long)heap_id(h, s->node[i]));
		nodes[i] = agnode(g, name, 1);
		node_label(s, i, rk[i], &b);
		set_html(g, nodes[i], y.label, b.p);
		style_node(s, i, nodes[i], &y, &colours);
		hg_node(s, i, rk[i], nodes[i], &y, &fw);
	}
	if (s->more_nodes || s->more_edges) {
		more = agnode(g, "more", 1);
		b.len = 0;
		if (s->more_nodes)
			buf_fmt(&b, "&#8230; %s%llu more object%s", s->more_over ? "over " : "",
				(unsigned long long)s->more_nodes, s->more_nodes == 1 ? "" : "s");
		if (s->more_edges)
			buf_fmt(&b, "%s&#8230; %llu more reference%s", s->more_nodes ? "<BR/>" : "",
				(unsigned long long)s->more_edges, s->more_edges == 1 ? "" : "s");
		set_html(g, more, y.label, b.p);
		agxset(more, y.shape, "note");
		agxset(more, y.style, "filled,dashed");
		agxset(more, y.fillcolor, "white");
		agxset(more, y.color, "#909090");
		agxset(more, y.fontcolor, "#404040");
		set_u64(more, y.hg_more, s->more_nodes);
	}
	for (uint32_t i = 0; i < s->n_edge; i++) {
		const struct sel_edge *se = &s->edge[i];
		Agnode_t *a = se->from == SLOT_MORE ? more : nodes[se->from];
		Agnode_t *t = se->to == SLOT_MORE ? more : nodes[se->to];
		if (a && t)
			edges[i] = build_edge(s, g, a, t, se, &y, &b);
	}
	hmap_fini(&colours);
	free(rk);
	free(b.p);
	free(fw.p);
	*nodes_out = nodes;
	*more_out = more;
	*edges_out = edges;
	return g;
}

/* dot's default effort grows much faster than the graph: a 200-object
 * slice of a V8 heap's big cycle (1000 references spanning 28 ranks) takes
 * 15 s, 400 objects 8 minutes.  Big diagrams are unreadable anyway, so
 * past a size they get a bounded effort (network simplex and crossing
 * minimisation iterations); small ones keep the best layout.
 *
 * A bounded effort has a price: nslimit stops the horizontal placement
 * before it is solved, and dot's spline router, which counts on a solved
 * placement, then reads outside its boxes (Graphviz 2.42: a ring of 280
 * labelled references is a SIGSEGV in dot_layout; upstream's issue 462
 * "Crash from use of nslimit").  Solving it instead costs minutes (150
 * objects and 300 references: 215 s against 3), so past the same size
 * the references are straight lines, which dot draws without the router:
 * no crash, and the router's time (most of what remains) is saved too. */
static void tame_layout(Agraph_t *g, const struct sel *s)
{
	if (s->n_node <= TAME_NODES && s->n_edge <= TAME_EDGES)
		return;
	agsafeset(g, "nslimit", "0.2", "");
	agsafeset(g, "nslimit1", "0.2", "");
	agsafeset(g, "mclimit", "0.3", "");
	agsafeset(g, "searchsize", "10", "");
	agsafeset(g, "splines", "line", "");
}

/* ---- writing ---- */

static const char *const render_format[] = {
	[EXPORT_DOT] = "dot", [EXPORT_SVG] = "svg", [EXPORT_PNG] = "png", [EXPORT_PDF] = "pdf",
};

/* Renders g into a temporary file beside path and renames it into place.
 * gvRender on the FILE* of mkstemp's descriptor is what gvRenderFilename
 * does after opening a name, without a window in which another process
 * could swap the file. */
static int render_to(GVC_t *gvc, Agraph_t *g, const char *out_path, enum export_format fmt,
		     struct error *err)
{
	const char *slash = strrchr(out_path, '/');
	size_t dlen = slash ? (size_t)(slash - out_path) : 0;
	char *tmp = mem_alloc(strlen(out_path) + 16);
	char qp[256];
	mode_t mask;
	FILE *fp;
	int fd, rc = -1, saved;

	error_quote(qp, sizeof qp, out_path, strlen(out_path) > 200 ? 200 : strlen(out_path));
	if (slash)
		sprintf(tmp, "%.*s/.%s.XXXXXX", (int)dlen, out_path, slash + 1);
	else
		sprintf(tmp, ".%s.XXXXXX", out_path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		error_set(err, "%s: cannot write there: %s", qp, strerror(errno));
		free(tmp);
		return -1;
	}
	mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	fp = fdopen(fd, "wb");
	if (!fp) {
		saved = errno;
		close(fd);
		error_set(err, "%s: %s", qp, strerror(saved));
		goto out;
	}
	if (gvRender(gvc, g, render_format[fmt], fp) != 0) {
		fclose(fp);
		gv_fail(err, qp);
		goto out;
	}
	if (fflush(fp) != 0 || ferror(fp)) {
		saved = errno;
		fclose(fp);
		error_set(err, "%s: cannot write: %s", qp, strerror(saved));
		goto out;
	}
	if (fclose(fp) != 0) {
		error_set(err, "%s: cannot write: %s", qp, strerror(errno));
		goto out;
	}
	if (rename(tmp, out_path) != 0) {
		error_set(err, "%s: cannot write: %s", qp, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

int export_write(const struct heap *h, const struct export_spec *spec, const char *out_path,
		 enum export_format fmt, struct error *err)
{
	struct sel s;
	struct gv_hook hook;
	Agraph_t *g;
	Agnode_t **nodes, *more;
	Agedge_t **edges;
	GVC_t *gvc;
	int rc = -1;

	if ((unsigned)fmt >= sizeof render_format / sizeof render_format[0])
		return error_set(err, "unknown export format %d", (int)fmt);
	if (sel_build(&s, h, spec, err) != 0) {
		sel_fini(&s);
		return -1;
	}
	gv_hook_on(&hook);
	gvc = gv_context();
	g = build_graph(&s, &nodes, &more, &edges);
	tame_layout(g, &s);
	/* 96 dpi reads small on a slide.  Bounding the size (inches; only
	 * ever scales down) keeps a big PNG under ~16000 pixels a side, far
	 * from cairo's 32767 limit, past which Graphviz would print a warning
	 * straight to stderr, and a PDF page inside PDF's 200 inches. */
	if (fmt == EXPORT_PNG) {
		agsafeset(g, "dpi", "120", "");
		agsafeset(g, "size", "130,130", "");
	} else if (fmt == EXPORT_PDF) {
		agsafeset(g, "size", "190,190", "");
	}
	if (gvLayout(gvc, g, "dot") != 0) {
		gv_fail(err, "layout");
	} else {
		rc = render_to(gvc, g, out_path, fmt, err);
		gvFreeLayout(gvc, g);
	}
	agclose(g);
	gv_hook_off(&hook);
	free(nodes);
	free(edges);
	sel_fini(&s);
	return rc;
}

int export_layout_new(const struct heap *h, const struct export_spec *spec,
		      struct export_layout **out, struct error *err)
{
	struct sel s;
	struct gv_hook hook;
	struct export_layout *l = NULL;
	Agraph_t *g;
	Agnode_t **nodes, *more;
	Agedge_t **edges;
	GVC_t *gvc;
	uint32_t np = 0;
	int rc = -1;

	*out = NULL;
	if (sel_build(&s, h, spec, err) != 0) {
		sel_fini(&s);
		return -1;
	}
	gv_hook_on(&hook);
	gvc = gv_context();
	g = build_graph(&s, &nodes, &more, &edges);
	tame_layout(g, &s);
	if (gvLayout(gvc, g, "dot") != 0) {
		gv_fail(err, "layout");
		goto out;
	}
	l = mem_calloc(1, sizeof *l);
	l->n_nodes = s.n_node + (more ? 1 : 0);
	l->nodes = mem_calloc(l->n_nodes ? l->n_nodes : 1, sizeof *l->nodes);
	for (uint32_t i = 0; i < l->n_nodes; i++) {
		Agnode_t *n = i < s.n_node ? nodes[i] : more;
		l->nodes[i] = (struct export_lnode){
			.node = i < s.n_node ? s.node[i] : HEAP_NONE,
			.x = ND_coord(n).x, .y = ND_coord(n).y,
			.width = ND_width(n) * 72.0, .height = ND_height(n) * 72.0,
		};
	}
	for (uint32_t i = 0; i < s.n_edge; i++)
		if (edges[i] && ED_spl(edges[i]) && ED_spl(edges[i])->size > 0)
			np += (uint32_t)ED_spl(edges[i])->list[0].size;
	l->points = mem_calloc(np ? np : 1, sizeof *l->points);
	l->edges = mem_calloc(s.n_edge ? s.n_edge : 1, sizeof *l->edges);
	np = 0;
	for (uint32_t i = 0; i < s.n_edge; i++) {
		const struct sel_edge *se = &s.edge[i];
		struct export_ledge *le = &l->edges[l->n_edges];
		if (!edges[i])
			continue;
		*le = (struct export_ledge){
			.from = se->from == SLOT_MORE ? s.n_node : se->from,
			.to = se->to == SLOT_MORE ? s.n_node : se->to,
			.edge = se->edge, .first_point = np,
		};
		if (ED_spl(edges[i]) && ED_spl(edges[i])->size > 0) {
			const bezier *bz = &ED_spl(edges[i])->list[0];
			int back = se->from == SLOT_MORE;	/* made the other way round */
			for (int k = 0; k < bz->size; k++) {
				const pointf *p = &bz->list[back ? bz->size - 1 - k : k];
				l->points[np++] = (struct export_point){ .x = p->x, .y = p->y };
			}
			le->n_points = (uint32_t)bz->size;
		}
		l->n_edges++;
	}
	l->n_points = np;
	l->width = GD_bb(g).UR.x - GD_bb(g).LL.x;
	l->height = GD_bb(g).UR.y - GD_bb(g).LL.y;
	l->more = s.more_nodes;
	gvFreeLayout(gvc, g);
	*out = l;
	rc = 0;
out:
	agclose(g);
	gv_hook_off(&hook);
	free(nodes);
	free(edges);
	sel_fini(&s);
	return rc;
}

void export_layout_free(struct export_layout *l)
{
	if (!l)
		return;
	free(l->nodes);
	free(l->edges);
	free(l->points);
	free(l);
}
