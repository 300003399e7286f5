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

#include "graph/core/mem.h"
#include "graph/core/text.h"

enum {
	COUNT_LIMIT = 1 << 20,		/* neighbourhood objects counted for "… N more" */
	EDGES_PER_NODE = 3,		/* references drawn at most: max_nodes * this + 32 */
	FAN_OUT = 10,			/* objgraph's too_many: references walked per object and way */
	TAME_NODES = 60,		/* above this, bounded layout effort (tame_layout) */
	TAME_EDGES = 240,
	TYPE_MAX = 64,			/* label bytes per field, before HTML escaping */
	NAME_MAX_BYTES = 64,
	EDGE_NAME_MAX = 40,
	GV_MSG_MAX = 512
};

#define SLOT_MORE UINT32_C(0xfffffffe)	/* edge end: the "… N more" node */
#define EDGE_LINK UINT32_C(0xffffffff)	/* edge index of a link to "more" */

/* ---- a set of node indexes with a value each (open addressing) ---- */

struct nset {
	uint32_t *key;		/* HEAP_NONE: empty */
	uint32_t *val;
	uint32_t cap, count;	/* cap is a power of two */
};

static void nset_init(struct nset *s, uint32_t expect)
{
	uint32_t cap = 16;

	while (cap < expect * 2 && cap < (UINT32_C(1) << 31))
		cap <<= 1;
	s->cap = cap;
	s->count = 0;
	s->key = mem_alloc((size_t)cap * sizeof *s->key);
	s->val = mem_alloc((size_t)cap * sizeof *s->val);
	memset(s->key, 0xff, (size_t)cap * sizeof *s->key);
}

static void nset_fini(struct nset *s)
{
	free(s->key);
	free(s->val);
	s->key = s->val = NULL;
}

static uint32_t nset_pos(const struct nset *s, uint32_t k)
{
	uint32_t i = (k * UINT32_C(2654435761)) & (s->cap - 1);

	while (s->key[i] != HEAP_NONE && s->key[i] != k)
		i = (i + 1) & (s->cap - 1);
	return i;
}

/* The value of k, or HEAP_NONE when absent. */
static uint32_t nset_get(const struct nset *s, uint32_t k)
{
	uint32_t i = nset_pos(s, k);

	return s->key[i] == k ? s->val[i] : HEAP_NONE;
}

static void nset_put(struct nset *s, uint32_t k, uint32_t v);

static void nset_grow(struct nset *s)
{
	struct nset old = *s;

	nset_init(s, old.cap);
	for (uint32_t i = 0; i < old.cap; i++)
		if (old.key[i] != HEAP_NONE)
			nset_put(s, old.key[i], old.val[i]);
	nset_fini(&old);
}

/* Inserts or overwrites. */
static void nset_put(struct nset *s, uint32_t k, uint32_t v)
{
	uint32_t i;

	if ((s->count + 1) * 2 > s->cap)
		nset_grow(s);
	i = nset_pos(s, k);
	if (s->key[i] != k) {
		s->key[i] = k;
		s->count++;
	}
	s->val[i] = v;
}

/* ---- the selection: which objects and references are drawn ---- */

struct sel_edge {
	uint32_t from, to;	/* slots, or SLOT_MORE */
	uint32_t edge;		/* out_* index, or EDGE_LINK */
};

struct sel {
	const struct heap *h;
	const struct export_spec *spec;
	uint32_t max_nodes, max_edges;
	heap_node_t *node;	/* drawn objects, ascending id once sorted */
	uint32_t n_node;
	struct nset slot;	/* node -> slot in node[] */
	struct sel_edge *edge;
	uint32_t n_edge, cap_edge;
	uint8_t *linked;	/* per slot: 1 linked to more, 2 linked from more */
	uint64_t more_nodes;	/* objects left out */
	uint64_t more_edges;	/* references left out (edge cap) */
	int more_over;		/* more_nodes is a lower bound */
	int all_garbage;	/* every drawn object is unreachable */
};

static void sel_fini(struct sel *s)
{
	free(s->node);
	free(s->edge);
	free(s->linked);
	nset_fini(&s->slot);
}

static void add_edge(struct sel *s, uint32_t from, uint32_t to, uint32_t edge)
{
	if (edge != EDGE_LINK && s->n_edge >= s->max_edges) {
		s->more_edges++;
		return;
	}
	if (s->n_edge == s->cap_edge) {
		s->cap_edge = s->cap_edge ? s->cap_edge * 2 : 64;
		s->edge = mem_realloc_array(s->edge, s->cap_edge, sizeof *s->edge);
	}
	s->edge[s->n_edge++] = (struct sel_edge){ .from = from, .to = to, .edge = edge };
}

/* A link between drawn slot v and the "more" node; out: v refers to a
 * hidden object (else a hidden one refers to v).  Once per direction. */
static void link_more(struct sel *s, uint32_t v, int out)
{
	uint8_t bit = out ? 1 : 2;

	if (s->linked[v] & bit)
		return;
	s->linked[v] |= bit;
	if (out)
		add_edge(s, v, SLOT_MORE, EDGE_LINK);
	else
		add_edge(s, SLOT_MORE, v, EDGE_LINK);
}

/* qsort has no context argument in C11: sort (id, node) pairs instead. */
struct id_node {
	uint64_t id;
	heap_node_t node;
};

static int cmp_id_node(const void *a, const void *b)
{
	const struct id_node *x = a, *y = b;

	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

/* Sorts the drawn objects by id and fills the slot map. */
static void sel_sort(struct sel *s)
{
	struct id_node *tmp = mem_alloc((size_t)(s->n_node ? s->n_node : 1) * sizeof *tmp);

	for (uint32_t i = 0; i < s->n_node; i++)
		tmp[i] = (struct id_node){ .id = s->h->id[s->node[i]], .node = s->node[i] };
	qsort(tmp, s->n_node, sizeof *tmp, cmp_id_node);
	nset_fini(&s->slot);
	nset_init(&s->slot, s->n_node);
	for (uint32_t i = 0; i < s->n_node; i++) {
		s->node[i] = tmp[i].node;
		nset_put(&s->slot, s->node[i], i);
	}
	free(tmp);
	s->linked = mem_calloc(s->n_node ? s->n_node : 1, 1);
	s->all_garbage = s->spec->dist != NULL;
	for (uint32_t i = 0; i < s->n_node && s->all_garbage; i++)
		if (s->spec->dist[s->node[i]] != EXPORT_UNREACHABLE)
			s->all_garbage = 0;
}

static int check_node(const struct heap *h, heap_node_t v, struct error *err)
{
	if (v >= h->n_nodes)
		return error_set(err, "object index %lu is out of range (the heap has %lu objects)",
				 (unsigned long)v, (unsigned long)h->n_nodes);
	return 0;
}

/* EXPORT_CYCLE: members; when there are too many, the first max_nodes met
 * by a breadth-first walk inside the cycle from the member of lowest id,
 * so the drawn part stays connected. */
/* Two bits per node, for member sets that may be most of a big heap (a V8
 * heap's main cycle): n/4 bytes instead of a hash table of the members. */
enum {
	MEMBER = 1,
	QUEUED = 2
};

static unsigned mark_get(const uint8_t *bits, heap_node_t v)
{
	return (bits[v >> 2] >> ((v & 3) * 2)) & 3u;
}

static void mark_set(uint8_t *bits, heap_node_t v, unsigned m)
{
	bits[v >> 2] |= (uint8_t)(m << ((v & 3) * 2));
}

static int select_cycle(struct sel *s, struct error *err)
{
	const struct heap *h = s->h;
	const struct export_spec *sp = s->spec;
	uint8_t *member;	/* 2 bits per node (mark_get): MEMBER, QUEUED */
	heap_node_t *queue = NULL;
	uint32_t n_member = 0, qt = 0, want, start = HEAP_NONE;
	int rc = -1;

	if (sp->n_nodes == 0 || !sp->nodes)
		return error_set(err, "the cycle has no members");
	member = mem_calloc(((size_t)h->n_nodes + 3) / 4, 1);
	for (uint32_t i = 0; i < sp->n_nodes; i++) {
		heap_node_t v = sp->nodes[i];
		if (check_node(h, v, err) != 0)
			goto out;
		if (!mark_get(member, v)) {
			mark_set(member, v, MEMBER);
			n_member++;
			if (start == HEAP_NONE || h->id[v] < h->id[start] ||
			    (h->id[v] == h->id[start] && v < start))
				start = v;
		}
	}
	want = n_member < s->max_nodes ? n_member : s->max_nodes;
	queue = mem_alloc((size_t)want * sizeof *queue);
	/* Walk from start, both ways, only inside the cycle, until `want`
	 * objects are met.  The first pass takes at most FAN_OUT references
	 * per object and way (objgraph's too_many), so a hub such as V8's
	 * global object does not fill the picture with its referrers and the
	 * walk goes deep; a second pass without the cap fills up what is
	 * left.  Members no walk reaches (the caller may pass any set) are
	 * taken in the order given. */
	queue[qt++] = start;
	mark_set(member, start, QUEUED);
	for (int pass = 0; pass < 2 && qt < want; pass++) {
		for (uint32_t qh = 0; qh < qt && qt < want; qh++) {
			heap_node_t v = queue[qh];
			for (int dir = 0; dir < 2 && qt < want; dir++) {
				uint32_t lo = dir ? h->in_off[v] : h->out_off[v];
				uint32_t hi = dir ? h->in_off[v + 1] : h->out_off[v + 1];
				uint32_t taken = 0;
				for (uint32_t e = lo; e < hi && qt < want; e++) {
					heap_node_t w = dir ? h->in_from[e] : h->out_to[e];
					unsigned mark = mark_get(member, w);
					if (!mark)
						continue;
					if (pass == 0 && taken++ >= FAN_OUT)
						break;
					if (!(mark & QUEUED)) {
						mark_set(member, w, QUEUED);
						queue[qt++] = w;
					}
				}
			}
		}
	}
	for (uint32_t i = 0; i < sp->n_nodes && qt < want; i++)
		if (!(mark_get(member, sp->nodes[i]) & QUEUED)) {
			mark_set(member, sp->nodes[i], QUEUED);
			queue[qt++] = sp->nodes[i];
		}
	s->n_node = n_member < s->max_nodes ? n_member : s->max_nodes;
	s->more_nodes = n_member - s->n_node;
	s->node = mem_alloc((size_t)s->n_node * sizeof *s->node);
	memcpy(s->node, queue, (size_t)s->n_node * sizeof *s->node);
	sel_sort(s);
	for (uint32_t i = 0; i < s->n_node; i++) {
		heap_node_t v = s->node[i];
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
			uint32_t t = nset_get(&s->slot, h->out_to[e]);
			if (t != HEAP_NONE)
				add_edge(s, i, t, e);
			else if (mark_get(member, h->out_to[e]))
				link_more(s, i, 1);
		}
		for (uint32_t e = h->in_off[v]; e < h->in_off[v + 1]; e++)
			if (nset_get(&s->slot, h->in_from[e]) == HEAP_NONE &&
			    mark_get(member, h->in_from[e]))
				link_more(s, i, 0);
	}
	rc = 0;
out:
	free(queue);
	free(member);
	return rc;
}

/* Objects a neighbourhood walk draws but does not walk through (unless
 * one is the centre), as objgraph stops at modules: classes, modules and
 * immortal objects (None, small ints) are referred to by everything, and
 * synthetic roots refer to every root. */
static int is_module(const struct heap *h, heap_node_t v)
{
	size_t len;
	const char *type = heap_string(h, h->type[v], &len);

	return len == 6 && memcmp(type, "module", 6) == 0;
}

static int is_hub(const struct heap *h, heap_node_t v)
{
	const uint32_t *in_edge;

	if (h->flags[v] & (HEAP_F_CLASS | HEAP_F_SYNTHETIC | HEAP_F_IMMORTAL))
		return 1;
	if (is_module(h, v))
		return 1;
	/* a module's namespace (its __dict__) is the module, for this purpose:
	 * every global of a Python program hangs off it */
	in_edge = heap_in_edges(h);
	for (uint32_t i = h->in_off[v]; i < h->in_off[v + 1]; i++) {
		uint32_t name = h->out_name[in_edge[i]];
		size_t len;
		const char *str;
		if (name & HEAP_NAME_INDEX || !is_module(h, h->in_from[i]))
			continue;
		str = heap_string(h, name, &len);
		if (len == 8 && memcmp(str, "__dict__", 8) == 0)
			return 1;
	}
	return 0;
}

/* EXPORT_OBJECT: breadth-first both ways to spec->depth.  Like objgraph's
 * too_many, an object other than the centre contributes at most FAN_OUT
 * references each way to the walk; the rest are counted as "more
 * references".  Hubs (is_hub) are drawn but not walked through.  The first
 * max_nodes objects met are drawn, the others met (counted up to
 * COUNT_LIMIT) are summed up as "more objects". */
static int select_object(struct sel *s, struct error *err)
{
	const struct heap *h = s->h;
	const struct export_spec *sp = s->spec;
	struct nset dist;	/* node -> distance from the centre */
	heap_node_t *queue;
	uint8_t *skipped;	/* per queue entry: 1 out-refs skipped, 2 in-refs skipped */
	uint32_t qh = 0, qt = 0, qcap = 1024;

	if (check_node(h, sp->object, err) != 0)
		return -1;
	if (sp->depth > EXPORT_MAX_DEPTH)
		return error_set(err, "depth %lu is too deep (at most %d)", (unsigned long)sp->depth,
				 EXPORT_MAX_DEPTH);
	nset_init(&dist, 1024);
	queue = mem_alloc(qcap * sizeof *queue);
	skipped = mem_calloc(qcap, 1);
	queue[qt++] = sp->object;
	nset_put(&dist, sp->object, 0);
	while (qh < qt && !s->more_over) {
		uint32_t qi = qh++;
		heap_node_t v = queue[qi];
		uint32_t d = nset_get(&dist, v);
		if (d >= sp->depth || (v != sp->object && is_hub(h, v)))
			continue;
		for (int dir = 0; dir < 2 && !s->more_over; dir++) {
			uint32_t lo = dir ? h->in_off[v] : h->out_off[v];
			uint32_t hi = dir ? h->in_off[v + 1] : h->out_off[v + 1];
			uint32_t taken = 0;
			for (uint32_t e = lo; e < hi; e++) {
				heap_node_t w = dir ? h->in_from[e] : h->out_to[e];
				if (v != sp->object && taken >= FAN_OUT) {
					s->more_edges += hi - e;
					skipped[qi] |= (uint8_t)(dir ? 2 : 1);
					break;
				}
				taken++;
				if (nset_get(&dist, w) != HEAP_NONE)
					continue;
				if (qt >= COUNT_LIMIT) {
					s->more_over = 1;
					break;
				}
				if (qt == qcap) {
					qcap *= 2;
					queue = mem_realloc_array(queue, qcap, sizeof *queue);
					skipped = mem_realloc_array(skipped, qcap, 1);
					memset(skipped + qcap / 2, 0, qcap / 2);
				}
				nset_put(&dist, w, d + 1);
				queue[qt++] = w;
			}
		}
	}
	s->n_node = qt < s->max_nodes ? qt : s->max_nodes;
	s->more_nodes = qt - s->n_node;
	s->node = mem_alloc((size_t)s->n_node * sizeof *s->node);
	memcpy(s->node, queue, (size_t)s->n_node * sizeof *s->node);
	sel_sort(s);
	for (uint32_t qi = 0; qi < s->n_node; qi++) {
		uint32_t slot = nset_get(&s->slot, queue[qi]);
		if (skipped[qi] & 1)
			link_more(s, slot, 1);
		if (skipped[qi] & 2)
			link_more(s, slot, 0);
	}
	free(queue);
	free(skipped);
	for (uint32_t i = 0; i < s->n_node; i++) {
		heap_node_t v = s->node[i];
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
			uint32_t t = nset_get(&s->slot, h->out_to[e]);
			if (t != HEAP_NONE)
				add_edge(s, i, t, e);
			else if (nset_get(&dist, h->out_to[e]) != HEAP_NONE)
				link_more(s, i, 1);
		}
		for (uint32_t e = h->in_off[v]; e < h->in_off[v + 1]; e++)
			if (nset_get(&s->slot, h->in_from[e]) == HEAP_NONE &&
			    nset_get(&dist, h->in_from[e]) != HEAP_NONE)
				link_more(s, i, 0);
	}
	nset_fini(&dist);
	return 0;
}

/* The reference a -> b drawn for a path step: the given one, or the first
 * retaining one, or the first weak one.  HEAP_NONE when there is none. */
static uint32_t path_edge(const struct heap *h, heap_node_t a, heap_node_t b)
{
	uint32_t weak = HEAP_NONE;

	for (uint32_t e = h->out_off[a]; e < h->out_off[a + 1]; e++) {
		if (h->out_to[e] != b)
			continue;
		if (h->out_kind[e] != HEAP_EDGE_WEAK)
			return e;
		if (weak == HEAP_NONE)
			weak = e;
	}
	return weak;
}

/* EXPORT_PATH: the chain; a long one keeps its two ends and sums up the
 * middle. */
static int select_path(struct sel *s, struct error *err)
{
	const struct heap *h = s->h;
	const struct export_spec *sp = s->spec;
	uint32_t n = sp->n_nodes, head, tail;
	uint32_t *step;
	struct nset seen;

	if (n == 0 || !sp->nodes)
		return error_set(err, "the path is empty");
	step = mem_alloc((size_t)n * sizeof *step);
	for (uint32_t i = 0; i < n; i++) {
		if (check_node(h, sp->nodes[i], err) != 0)
			goto fail;
		if (i + 1 == n)
			break;
		if (check_node(h, sp->nodes[i + 1], err) != 0)
			goto fail;
		if (sp->path_edges) {
			uint32_t e = sp->path_edges[i];
			heap_node_t a = sp->nodes[i];
			if (e < h->out_off[a] || e >= h->out_off[a + 1] || h->out_to[e] != sp->nodes[i + 1]) {
				error_set(err, "path step %lu: reference %lu does not link the two objects",
					  (unsigned long)i + 1, (unsigned long)e);
				goto fail;
			}
			step[i] = e;
		} else {
			step[i] = path_edge(h, sp->nodes[i], sp->nodes[i + 1]);
			if (step[i] == HEAP_NONE) {
				error_set(err, "path step %lu: object %llu does not refer to object %llu",
					  (unsigned long)i + 1, (unsigned long long)h->id[sp->nodes[i]],
					  (unsigned long long)h->id[sp->nodes[i + 1]]);
				goto fail;
			}
		}
	}
	head = n, tail = 0;
	if (n > s->max_nodes) {
		head = (s->max_nodes + 1) / 2;
		tail = s->max_nodes - head;
	}
	/* a path from the engine has no repeats, but be safe: draw each object once */
	nset_init(&seen, n);
	s->node = mem_alloc((size_t)n * sizeof *s->node);
	for (uint32_t i = 0; i < n; i++) {
		if (i >= head && i < n - tail)
			continue;
		if (nset_get(&seen, sp->nodes[i]) == HEAP_NONE) {
			nset_put(&seen, sp->nodes[i], 0);
			s->node[s->n_node++] = sp->nodes[i];
		}
	}
	nset_fini(&seen);
	s->more_nodes = n - head - tail;
	sel_sort(s);
	for (uint32_t i = 0; i + 1 < n; i++) {
		uint32_t a = nset_get(&s->slot, sp->nodes[i]), b = nset_get(&s->slot, sp->nodes[i + 1]);
		int a_drawn = i < head || i >= n - tail, b_drawn = i + 1 < head || i + 1 >= n - tail;
		if (a_drawn && b_drawn)
			add_edge(s, a, b, step[i]);
		else if (a_drawn)
			add_edge(s, a, SLOT_MORE, EDGE_LINK);
		else if (b_drawn)
			add_edge(s, SLOT_MORE, b, EDGE_LINK);
	}
	free(step);
	return 0;
fail:
	free(step);
	return -1;
}

static int sel_build(struct sel *s, const struct heap *h, const struct export_spec *sp,
		     struct error *err)
{
	memset(s, 0, sizeof *s);
	s->h = h;
	s->spec = sp;
	s->max_nodes = sp->max_nodes ? sp->max_nodes : EXPORT_DEFAULT_MAX_NODES;
	if (s->max_nodes > EXPORT_MAX_MAX_NODES)
		s->max_nodes = EXPORT_MAX_MAX_NODES;
	s->max_edges = s->max_nodes * EDGES_PER_NODE + 32;
	nset_init(&s->slot, 16);
	switch (sp->what) {
	case EXPORT_CYCLE: return select_cycle(s, err);
	case EXPORT_OBJECT: return select_object(s, err);
	case EXPORT_PATH: return select_path(s, err);
	}
	return error_set(err, "unknown export kind %d", (int)sp->what);
}

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
 * Graphviz's HTML parser, to XML or to DOT written as an entity. */
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
		case '\\': buf_str(b, "&#92;"); break;
		default: buf_add(b, safe + i, 1); break;
		}
	}
}

static int is_invisible(unsigned cp)
{
	return (cp >= 0x80 && cp < 0xa0) || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) ||
	       cp == 0xfeff || cp == 0x061c || (cp >= 0xfff9 && cp <= 0xfffb);
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
			  cp == '\\' || is_invisible(cp);
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

/* ---- Graphviz errors ---- */

/* Graphviz reports through a global hook; while heapglass calls it, the
 * hook collects the text here instead of printing it. */
static char gv_msg[GV_MSG_MAX];

static int gv_collect(char *msg)
{
	size_t have = strlen(gv_msg), n = strlen(msg);

	if (have + n >= sizeof gv_msg)
		n = sizeof gv_msg - 1 - have;
	memcpy(gv_msg + have, msg, n);
	gv_msg[have + n] = '\0';
	return 0;
}

struct gv_hook {
	agusererrf old_fn;
	agerrlevel_t old_level;
};

static void gv_hook_on(struct gv_hook *k)
{
	gv_msg[0] = '\0';
	k->old_fn = agseterrf(gv_collect);
	k->old_level = agseterr(AGERR);
}

static void gv_hook_off(struct gv_hook *k)
{
	agseterrf(k->old_fn);
	agseterr(k->old_level);
}

/* Puts what Graphviz said (one line, printable) into err after prefix. */
static int gv_fail(struct error *err, const char *prefix)
{
	char line[GV_MSG_MAX];
	size_t n = 0;

	for (size_t i = 0; gv_msg[i] && n + 1 < sizeof line; i++)
		line[n++] = gv_msg[i] == '\n' ? ' ' : gv_msg[i];
	while (n && line[n - 1] == ' ')
		n--;
	line[n] = '\0';
	if (n == 0)
		return error_set(err, "%s: Graphviz failed", prefix);
	{
		char safe[GV_MSG_MAX];
		error_quote(safe, sizeof safe, line, n);
		return error_set(err, "%s: Graphviz: %s", prefix, safe);
	}
}

/* One Graphviz context for the whole process, made on first use and never
 * freed.  Graphviz 2.43's pango text layout caches a pointer to the last
 * font name, which lives in the context's font table: freeing a context
 * and making a new one leaves that pointer dangling (a use after free
 * AddressSanitizer sees in the second export of a process). */
static GVC_t *gvc_shared;

static GVC_t *gv_context(void)
{
	if (!gvc_shared)
		gvc_shared = gvContext();
	return gvc_shared;
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
		uint32_t slot = nset_get(&s->slot, s->h->roots[r].node);
		if (slot != HEAP_NONE && !seen[slot]) {
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
	 * says nothing twice */
	if (nlen && !(nlen == tlen && memcmp(name, type, nlen) == 0)) {
		buf_str(b, "<BR/>");
		buf_html(b, name, nlen, NAME_MAX_BYTES);
	}
	buf_fmt(b, "<BR/><FONT POINT-SIZE=\"9\" COLOR=\"#404040\">@%llu &#183; %s",
		(unsigned long long)h->id[v], text_bytes(sz, sizeof sz, h->size[v]));
	if (s->spec->retained)
		buf_fmt(b, " &#183; retains %s", text_bytes(rs, sizeof rs, s->spec->retained[v]));
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
		       struct nset *colours)
{
	const struct heap *h = s->h;
	heap_node_t v = s->node[slot];
	int root = (h->flags[v] & HEAP_F_ROOT) != 0;
	int garbage = s->spec->dist && s->spec->dist[v] == EXPORT_UNREACHABLE;
	int synthetic = (h->flags[v] & HEAP_F_SYNTHETIC) != 0;

	uint32_t colour = nset_get(colours, h->type[v]);

	if (colour == HEAP_NONE) {
		colour = colours->count % (uint32_t)(sizeof palette / sizeof palette[0]);
		nset_put(colours, h->type[v], colour);
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

	set_u64(n, y->hg_id, h->id[v]);
	str = heap_string(h, h->type[v], &len);
	set_pct(n, y->hg_type, str, len);
	str = heap_string(h, h->name[v], &len);
	if (len)
		set_pct(n, y->hg_name, str, len);
	set_u64(n, y->hg_size, h->size[v]);
	if (s->spec->retained)
		set_u64(n, y->hg_retained, s->spec->retained[v]);
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
		snprintf(num, sizeof num, "%lld", (long long)h->refcount[v]);
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
	return heap_edge_retains(h->out_kind[e], h->flags[from]) &&
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
	uint8_t kind = h->out_kind[se->edge];
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
	struct nset colours;	/* type -> palette index */

	nset_init(&colours, 16);
	declare(g, &y, s->spec->title);
	for (uint32_t i = 0; i < s->n_node; i++) {
		char name[32];
		snprintf(name, sizeof name, "%llu", (unsigned long long)h->id[s->node[i]]);
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
	nset_fini(&colours);
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
 * minimisation iterations); small ones keep the best layout. */
static void tame_layout(Agraph_t *g, const struct sel *s)
{
	if (s->n_node <= TAME_NODES && s->n_edge <= TAME_EDGES)
		return;
	agsafeset(g, "nslimit", "0.2", "");
	agsafeset(g, "nslimit1", "0.2", "");
	agsafeset(g, "mclimit", "0.3", "");
	agsafeset(g, "searchsize", "10", "");
}

/* ---- writing ---- */

static const char *const gv_format[] = {
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
	if (gvRender(gvc, g, gv_format[fmt], fp) != 0) {
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

	if ((unsigned)fmt >= sizeof gv_format / sizeof gv_format[0])
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
