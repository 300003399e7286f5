/* export_select: what a diagram draws (graph/export_priv.h): the members
 * of a cycle, an object's neighbourhood (graph/near.h), a retainer path;
 * at most max_nodes objects, the rest counted. */
#include "graph/export_priv.h"

#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include "graph/near.h"

enum {
	COUNT_LIMIT = 1 << 20,		/* neighbourhood objects counted for "… N more" */
	EDGES_PER_NODE = 3,		/* references drawn at most: max_nodes * this + 32 */
	FAN_OUT = NEAR_FAN_OUT		/* references walked per object and way in a big cycle */
};

/* ---- the selection: which objects and references are drawn ---- */

void sel_fini(struct sel *s)
{
	free(s->node);
	free(s->edge);
	free(s->linked);
	hmap_fini(&s->slot);
}

uint32_t sel_slot(const struct sel *s, heap_node_t v)
{
	return hmap_get(&s->slot, v);
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
		tmp[i] = (struct id_node){ .id = heap_id(s->h, s->node[i]), .node = s->node[i] };
	qsort(tmp, s->n_node, sizeof *tmp, cmp_id_node);
	hmap_fini(&s->slot);
	hmap_init(&s->slot, s->n_node);
	for (uint32_t i = 0; i < s->n_node; i++) {
		s->node[i] = tmp[i].node;
		hmap_put(&s->slot, s->node[i], i);
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

static int is_member(const void *member, heap_node_t v)
{
	return mark_get(member, v) != 0;
}

static int is_met(const void *nb, heap_node_t v)
{
	return near_met(nb, v);
}

/* Every reference between two drawn objects, and a link to "more" from
 * each drawn object a hidden one that `chosen` says was chosen refers to
 * or is referred to by. */
static void draw_edges(struct sel *s, int (*chosen)(const void *ctx, heap_node_t v), const void *ctx)
{
	const struct heap *h = s->h;

	for (uint32_t i = 0; i < s->n_node; i++) {
		heap_node_t v = s->node[i];
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
			uint32_t t = sel_slot(s, h->out_to[e]);
			if (t != HMAP_NONE)
				add_edge(s, i, t, e);
			else if (chosen(ctx, h->out_to[e]))
				link_more(s, i, 1);
		}
		for (uint32_t e = h->in_off[v]; e < h->in_off[v + 1]; e++)
			if (sel_slot(s, h->in_from[e]) == HMAP_NONE && chosen(ctx, h->in_from[e]))
				link_more(s, i, 0);
	}
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
			if (start == HEAP_NONE || heap_id(h, v) < heap_id(h, start) ||
			    (heap_id(h, v) == heap_id(h, start) && v < start))
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
	draw_edges(s, is_member, member);
	rc = 0;
out:
	free(queue);
	free(member);
	return rc;
}

/* EXPORT_OBJECT: the neighbourhood as graph/near.h chooses it, to
 * spec->depth.  The first max_nodes objects met are drawn, the others met
 * (counted up to COUNT_LIMIT) are summed up as "more objects", and the
 * references the walk left (fan-out) as "more references". */
static int select_object(struct sel *s, struct error *err)
{
	const struct heap *h = s->h;
	const struct export_spec *sp = s->spec;
	struct near_rules rules = near_rules_picture(sp->depth, COUNT_LIMIT);
	struct near nb;

	if (check_node(h, sp->object, err) != 0)
		return -1;
	if (sp->depth > EXPORT_MAX_DEPTH)
		return error_set(err, "depth %lu is too deep (at most %d)", (unsigned long)sp->depth,
				 EXPORT_MAX_DEPTH);
	near_walk(h, sp->object, &rules, &nb);
	s->more_edges = nb.skipped_refs;
	s->more_over = nb.over;
	s->n_node = nb.n < s->max_nodes ? nb.n : s->max_nodes;
	s->more_nodes = nb.n - s->n_node;
	s->node = mem_alloc((size_t)s->n_node * sizeof *s->node);
	memcpy(s->node, nb.node, (size_t)s->n_node * sizeof *s->node);
	sel_sort(s);
	for (uint32_t qi = 0; qi < s->n_node; qi++) {
		uint32_t slot = sel_slot(s, nb.node[qi]);
		if (nb.skipped[qi] & NEAR_SKIP_OUT)
			link_more(s, slot, 1);
		if (nb.skipped[qi] & NEAR_SKIP_IN)
			link_more(s, slot, 0);
	}
	draw_edges(s, is_met, &nb);
	near_fini(&nb);
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
		if (heap_out_kind(h, e) != HEAP_EDGE_WEAK)
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
	struct hmap seen;

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
					  (unsigned long)i + 1, (unsigned long long)heap_id(h, sp->nodes[i]),
					  (unsigned long long)heap_id(h, sp->nodes[i + 1]));
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
	hmap_init(&seen, n);
	s->node = mem_alloc((size_t)n * sizeof *s->node);
	for (uint32_t i = 0; i < n; i++) {
		if (i >= head && i < n - tail)
			continue;
		if (hmap_add(&seen, sp->nodes[i], 0) == HMAP_NONE)
			s->node[s->n_node++] = sp->nodes[i];
	}
	hmap_fini(&seen);
	s->more_nodes = n - head - tail;
	sel_sort(s);
	for (uint32_t i = 0; i + 1 < n; i++) {
		uint32_t a = sel_slot(s, sp->nodes[i]), b = sel_slot(s, sp->nodes[i + 1]);
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

int sel_build(struct sel *s, const struct heap *h, const struct export_spec *sp, struct error *err)
{
	memset(s, 0, sizeof *s);
	s->h = h;
	s->spec = sp;
	s->max_nodes = sp->max_nodes ? sp->max_nodes : EXPORT_DEFAULT_MAX_NODES;
	if (s->max_nodes > EXPORT_MAX_MAX_NODES)
		s->max_nodes = EXPORT_MAX_MAX_NODES;
	s->max_edges = s->max_nodes * EDGES_PER_NODE + 32;
	hmap_init(&s->slot, 16);
	switch (sp->what) {
	case EXPORT_CYCLE: return select_cycle(s, err);
	case EXPORT_OBJECT: return select_object(s, err);
	case EXPORT_PATH: return select_path(s, err);
	}
	return error_set(err, "unknown export kind %d", (int)sp->what);
}

