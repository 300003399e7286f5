/* Object inspector: one object's facts, then four sections in one
 * virtualised list: its references (edge name and kind), its retainers,
 * the shortest path from a root, and its dominator chain.  Enter follows
 * the object on the selected row; Tab and S-Tab jump between sections,
 * whose headings take no cursor.
 *
 * Retainers are a tree, as DevTools' retainers: the object's retainers,
 * the program's references first (the user graph's, heap.h), then the
 * runtime's and internal ones, then weak ones, each group nearest a root
 * first; Right (l) expands a retainer into its own retainers, sorted the
 * same way, Left (h) folds it or goes to the row it hangs from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include "graph/core/text.h"
#include "tui/view/app.h"
#include "tui/core/draw.h"
#include "tui/view/row.h"
#include "tui/core/screen.h"
#include "tui/view/view.h"

enum section {
	SEC_REFS,
	SEC_RETAINERS,
	SEC_PATH,
	SEC_DOM,
	SEC_N
};

static const char *const sec_names[SEC_N] = {
	[SEC_REFS] = "References",
	[SEC_RETAINERS] = "Retainers (who refers to it)",
	[SEC_PATH] = "Shortest path from a root",
	[SEC_DOM] = "Dominator chain (who keeps it alive)",
};

/* A row of the retainers tree: the retainer, the reference from it (an
 * out-edge index), its depth (0: retains the inspected object). */
struct ret_row {
	heap_node_t node;
	uint32_t edge;
	uint32_t depth;
	uint8_t expanded;
};

struct object_state {
	struct list l;
	heap_node_t v;
	struct ret_row *ret;		/* the retainers tree, shown rows */
	uint32_t n_ret, cap_ret;
	uint32_t sec_start[SEC_N + 1];	/* row of each section's heading */
	uint32_t sec_len[SEC_N];	/* rows under the heading */
	heap_node_t *path;		/* root first, v last */
	uint32_t *path_edge;		/* edge used to reach path[i] (HEAP_NONE for the root) */
	uint32_t path_len;
	heap_node_t *dom;		/* outermost first, idom(v) last */
	uint32_t dom_len;
};

enum {
	HEAD_LINES = 3		/* lines of facts above the list */
};

enum {
	OBJECT_MIN_W = 2 * ROW_SIZE_W + 40	/* an indented retainer's object
						 * keeps its id and tags */
};

/* The column for edge names: wider on wide screens (V8 names are long). */
static int edge_w(int cols)
{
	return cols >= 120 ? 30 : cols >= 100 ? 24 : 18;
}

static const enum action object_actions[] = { ACT_ENTER, ACT_RIGHT, ACT_LEFT, ACT_SECTION, ACT_NONE };

static void *object_create(struct app *a)
{
	(void)a;
	return mem_calloc(1, sizeof(struct object_state));
}

static void object_destroy(void *st)
{
	struct object_state *s = st;

	free(s->path);
	free(s->path_edge);
	free(s->dom);
	free(s->ret);
	free(s);
}

/* How a retainer ranks: the program's references (user graph) first, then
 * the runtime's bookkeeping and internal ones, then those that do not
 * retain (weak); within each, the retainer nearest a root first. */
struct ret_key {
	uint64_t key;
	struct ret_row r;
};

static int ret_key_cmp(const void *pa, const void *pb)
{
	const struct ret_key *a = pa, *b = pb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->r.edge < b->r.edge ? -1 : a->r.edge > b->r.edge;
}

/* v's retainers, sorted (above), at depth into a new array; *n gets the
 * count. */
static struct ret_row *retainers_of(const struct app *a, heap_node_t v, uint32_t depth, uint32_t *n)
{
	const struct heap *h = a->h;
	const uint32_t *dist = a->m->an->dist, *in_edge = heap_in_edges(h);
	uint32_t k = h->in_off[v + 1] - h->in_off[v];
	struct ret_key *keys = mem_alloc(((size_t)k + 1) * sizeof *keys);
	struct ret_row *out = mem_alloc(((size_t)k + 1) * sizeof *out);

	for (uint32_t j = 0; j < k; j++) {
		uint32_t i = h->in_off[v] + j;
		heap_node_t u = h->in_from[i];
		uint64_t cls = heap_in_user(h, i) ? 0 : heap_in_retains(h, i) ? 1 : 2;
		keys[j].key = cls << 32 | dist[u];
		keys[j].r = (struct ret_row){ .node = u, .edge = in_edge[i], .depth = depth };
	}
	qsort(keys, k, sizeof *keys, ret_key_cmp);
	for (uint32_t j = 0; j < k; j++)
		out[j] = keys[j].r;
	free(keys);
	*n = k;
	return out;
}

static void sections(struct object_state *s)
{
	s->sec_len[SEC_RETAINERS] = s->n_ret;
	s->sec_start[0] = 0;
	for (int k = 0; k < SEC_N; k++)
		s->sec_start[k + 1] = s->sec_start[k] + 1 + (s->sec_len[k] ? s->sec_len[k] : 1);
	list_set_count(&s->l, s->sec_start[SEC_N]);
}

static void build(struct object_state *s, struct app *a, heap_node_t v)
{
	const struct heap *h = a->h;
	const struct model *m = a->m;
	uint32_t n, r;

	s->v = v;
	free(s->path);
	free(s->path_edge);
	free(s->dom);
	s->path = NULL;
	s->path_edge = NULL;
	s->dom = NULL;
	s->path_len = s->dom_len = 0;

	if (model_reachable(m, v)) {
		struct reach_step *steps = mem_alloc(((size_t)m->an->dist[v] + 1) * sizeof *steps);
		n = analysis_path(m->an, v, steps);
		s->path = mem_alloc(((size_t)n + 1) * sizeof *s->path);
		s->path_edge = mem_alloc(((size_t)n + 1) * sizeof *s->path_edge);
		for (r = 0; r < n; r++) {
			s->path[r] = steps[r].node;
			s->path_edge[r] = steps[r].edge;
		}
		s->path_len = n;
		free(steps);
	}
	n = analysis_dominators(m->an, v, NULL, 0);
	s->dom = mem_alloc(((size_t)n + 1) * sizeof *s->dom);
	analysis_dominators(m->an, v, s->dom, n);
	/* outermost first: reverse the chain */
	for (r = 0; r < n / 2; r++) {
		heap_node_t t = s->dom[r];
		s->dom[r] = s->dom[n - 1 - r];
		s->dom[n - 1 - r] = t;
	}
	s->dom_len = n;
	s->sec_len[SEC_REFS] = h->out_off[v + 1] - h->out_off[v];
	free(s->ret);
	s->ret = retainers_of(a, v, 0, &s->n_ret);
	s->cap_ret = s->n_ret + 1;
	s->sec_len[SEC_PATH] = s->path_len ? s->path_len : 1;
	s->sec_len[SEC_DOM] = s->dom_len ? s->dom_len : 1;
	s->l.cur = s->l.top = 0;
	sections(s);
}

/* Row i is a heading, or the "(none)" line of an empty section. */
static int not_a_row(void *ctx, uint32_t i)
{
	const struct object_state *s = ctx;
	int sec = SEC_N - 1;

	while (sec > 0 && i < s->sec_start[sec])
		sec--;
	return i == s->sec_start[sec] || !s->sec_len[sec] ||
	       (sec == SEC_PATH && !s->path_len) || (sec == SEC_DOM && !s->dom_len);
}

static void object_enter(void *st, struct app *a, uint64_t arg)
{
	struct object_state *s = st;
	heap_node_t v = (heap_node_t)arg;

	if (v >= a->h->n_nodes)
		v = 0;
	if (v != s->v || !s->l.count) {
		build(s, a, v);
		/* start on the first row that is an object */
		list_set_cursor_skip(&s->l, 1, not_a_row, s);
	}
}

/* Which section row i is in, and its index under the heading (-1 for the
 * heading itself). */
static enum section locate(const struct object_state *s, uint32_t i, int64_t *k)
{
	int sec = SEC_N - 1;

	while (sec > 0 && i < s->sec_start[sec])
		sec--;
	*k = (int64_t)i - s->sec_start[sec] - 1;
	return (enum section)sec;
}

/* The object on row i and the edge that leads there (HEAP_NONE if none). */
static heap_node_t row_target(const struct object_state *s, const struct app *a, uint32_t i, uint32_t *edge)
{
	const struct heap *h = a->h;
	int64_t k;
	enum section sec = locate(s, i, &k);

	*edge = HEAP_NONE;
	if (k < 0 || (uint64_t)k >= s->sec_len[sec])
		return HEAP_NONE;
	switch (sec) {
	case SEC_REFS:
		*edge = h->out_off[s->v] + (uint32_t)k;
		return h->out_to[*edge];
	case SEC_RETAINERS:
		*edge = s->ret[k].edge;
		return s->ret[k].node;
	case SEC_PATH:
		if (!s->path_len)
			return HEAP_NONE;
		*edge = s->path_edge[k];
		return s->path[k];
	case SEC_DOM:
		return s->dom_len ? s->dom[k] : HEAP_NONE;
	default:
		return HEAP_NONE;
	}
}

static void object_row(void *ctx, uint32_t i, WINDOW *w, int y, int cols, int sel)
{
	struct app *a = ((void **)ctx)[0];
	struct object_state *s = ((void **)ctx)[1];
	const struct heap *h = a->h;
	int64_t k;
	enum section sec = locate(s, i, &k);
	uint32_t edge;
	heap_node_t t;
	char b[256];
	int ew = edge_w(cols);

	if (k < 0) {
		char cnt[32];
		int x = draw_str(w, y, 0, cols, sec_names[sec], row_attr(ROLE_HEADER, sel));
		if (sec == SEC_REFS || sec == SEC_RETAINERS || (sec == SEC_PATH && s->path_len) ||
		    (sec == SEC_DOM && s->dom_len)) {
			snprintf(b, sizeof b, " (%s)", draw_count(cnt, sizeof cnt, sec == SEC_REFS ? s->sec_len[SEC_REFS]
				 : sec == SEC_RETAINERS ? h->in_off[s->v + 1] - h->in_off[s->v]
				 : sec == SEC_PATH ? s->path_len : s->dom_len));
			draw_str(w, y, x, cols - x, b, row_attr(ROLE_HEADER, sel));
		}
		return;
	}
	t = row_target(s, a, i, &edge);
	if (t == HEAP_NONE) {
		const char *why = sec == SEC_REFS ? "(none)" : sec == SEC_RETAINERS ? "(none: nothing refers to it)"
				: sec == SEC_PATH ? "(none: unreachable from every root, so it is garbage)"
				: "(none: only the roots as a whole keep it alive)";
		draw_str(w, y, 2, cols - 2, why, row_attr(ROLE_DIM, sel));
		return;
	}
	/* edge column: for references the field name, for retainers the
	 * retainer's field, for the path the field used to get here.  A
	 * retainer tree's row is indented by its depth; on a wide screen the
	 * object column moves right with it while the object keeps room for
	 * its id and tags (OBJECT_MIN_W), on a narrow one the columns stay
	 * aligned; a deep row gives up the reference's kind (but weak) before
	 * its name. */
	if (edge != HEAP_NONE) {
		uint8_t ek = h->out_kind[edge];
		const char *kind = row_edge_kind(ek);
		int x = 2, kw = *kind ? (int)strlen(kind) + 1 : 0;
		row_edge_name(h, edge, b, sizeof b);
		if (sec == SEC_RETAINERS) {
			const struct ret_row *rr = &s->ret[k];
			uint32_t in = h->in_off[rr->node + 1] - h->in_off[rr->node];
			int ind = 2 * (int)(rr->depth > 8 ? 8 : rr->depth);
			int shift = cols >= 100 ? cols - ew - OBJECT_MIN_W : 0;
			const char *g = !in ? " " : rr->expanded ? screen_glyph(GLYPH_TREE_OPEN)
					: screen_glyph(GLYPH_TREE_CLOSED);
			shift = shift < 0 ? 0 : shift < ind ? shift : ind;
			x += ind;
			x += draw_str(w, y, x, 1, g, row_attr(ROLE_DIM, sel));
			x += draw_str(w, y, x, 2, "<-", row_attr(ROLE_DIM, sel));
			ew += shift;
			if (rr->depth && ek != HEAP_EDGE_WEAK && ew - x - 1 - kw < draw_width(b, strlen(b)))
				kind = "", kw = 0;
		}
		x += draw_text(w, y, x, ew - x - 1 - kw, b, strlen(b),
			       row_attr(ek == HEAP_EDGE_WEAK ? ROLE_WEAK : ROLE_NAME, sel));
		if (*kind)
			draw_str(w, y, x + 1, kw, kind,
				 row_attr(ek == HEAP_EDGE_WEAK ? ROLE_WEAK : ROLE_DIM, sel) |
					 (ek == HEAP_EDGE_WEAK ? A_BOLD : 0));
	} else if (sec == SEC_PATH) {
		draw_str(w, y, 2, ew - 2, "(root)", row_attr(ROLE_ROOT, sel));
	}
	row_object(a, w, y, ew, cols - ew, t, sel);
}

static void draw_facts(struct object_state *s, struct app *a, WINDOW *w, int y, int cols)
{
	const struct heap *h = a->h;
	const struct model *m = a->m;
	heap_node_t v = s->v;
	char b1[32], b2[32], line[512];
	size_t o = 0;
	int x;

	for (int i = 0; i < HEAD_LINES; i++)
		draw_fill(w, y + i, 0, cols, A_NORMAL);
	x = row_object_label(a, w, y, 1, cols - 1, v, 0);
	(void)x;
	o += (size_t)snprintf(line + o, sizeof line - o, "shallow %s", draw_bytes(b1, sizeof b1, h->size[v]));
	o += (size_t)snprintf(line + o, sizeof line - o, "   retained %s", draw_bytes(b2, sizeof b2, model_retained(m, v)));
	/* (3.12+ gives an immortal object a count that is a marker, not a count) */
	if ((h->flags[v] & HEAP_F_HAS_REFCOUNT) && (h->flags[v] & HEAP_F_IMMORTAL))
		o += (size_t)snprintf(line + o, sizeof line - o, "   refcount immortal");
	else if (h->flags[v] & HEAP_F_HAS_REFCOUNT)
		o += (size_t)snprintf(line + o, sizeof line - o, "   refcount %lld", (long long)h->refcount[v]);
	if (h->generation[v] != HEAP_GEN_UNKNOWN)
		o += (size_t)snprintf(line + o, sizeof line - o, "   generation %u", h->generation[v]);
	else if (h->flags[v] & HEAP_F_UNTRACKED)
		o += (size_t)snprintf(line + o, sizeof line - o, "   untracked");
	if (o < sizeof line)
		snprintf(line + o, sizeof line - o, "   %s", model_reachable(m, v) ? "reachable" : "UNREACHABLE (garbage)");
	draw_str(w, y + 1, 1, cols - 1, line, model_reachable(m, v) ? screen_attr(ROLE_NORMAL) : screen_attr(ROLE_GARBAGE));
	o = 0;
	line[0] = 0;
	if (m->an->cycle[v] != HEAP_NONE) {
		const struct analysis_cycle *c = &m->an->cycles[m->an->cycle[v]];
		char cnt[32];
		o += (size_t)snprintf(line + o, sizeof line - o, "in cycle %u (%s objects, %s)  ",
				      m->an->cycle[v] + 1, draw_count(cnt, sizeof cnt, c->size),
				      c->garbage ? "garbage" : "live");
	}
	if (h->flags[v] & HEAP_F_ROOT) {
		for (uint32_t r = 0; r < h->n_roots && o + 64 < sizeof line; r++)
			if (h->roots[r].node == v) {
				char k[48];
				size_t kl;
				const char *ks = heap_string(h, h->roots[r].kind, &kl);
				text_escape(k, sizeof k, ks, kl, 0);
				o += (size_t)snprintf(line + o, sizeof line - o, "root (%s)  ", k);
				break;
			}
	}
	if ((h->flags[v] & HEAP_F_FINALIZER) && o + 16 < sizeof line)
		o += (size_t)snprintf(line + o, sizeof line - o, "has finalizer  ");
	if ((h->flags[v] & HEAP_F_WEAKREF) && o + 16 < sizeof line)
		o += (size_t)snprintf(line + o, sizeof line - o, "weakref  ");
	if ((h->flags[v] & HEAP_F_DETACHED) && o + 16 < sizeof line)
		o += (size_t)snprintf(line + o, sizeof line - o, "detached  ");
	if ((h->flags[v] & HEAP_F_IMMORTAL) && o + 16 < sizeof line)
		snprintf(line + o, sizeof line - o, "immortal  ");
	/* display text: the root kind in it is escaped already */
	draw_escaped(w, y + 2, 1, cols - 1, line, strlen(line), screen_attr(ROLE_DIM));
}

static void object_draw(void *st, struct app *a, WINDOW *w, int y0, int rows, int cols)
{
	struct object_state *s = st;
	void *ctx[2] = { a, s };

	draw_facts(s, a, w, y0, cols);
	list_draw(&s->l, w, y0 + HEAD_LINES, rows - HEAD_LINES, cols, object_row, ctx);
}

/* Inserts the retainers of retainer row k under it. */
static uint32_t ret_expand(struct object_state *s, const struct app *a, uint32_t k)
{
	uint32_t n;
	struct ret_row *kids;

	if (s->ret[k].expanded)
		return 0;
	kids = retainers_of(a, s->ret[k].node, s->ret[k].depth + 1, &n);
	if (n) {
		if (s->n_ret + n > s->cap_ret) {
			s->cap_ret = (s->n_ret + n) * 2;
			s->ret = mem_realloc_array(s->ret, s->cap_ret, sizeof *s->ret);
		}
		memmove(s->ret + k + 1 + n, s->ret + k + 1, (size_t)(s->n_ret - k - 1) * sizeof *s->ret);
		memcpy(s->ret + k + 1, kids, (size_t)n * sizeof *kids);
		s->n_ret += n;
		s->ret[k].expanded = 1;
	}
	free(kids);
	return n;
}

/* Removes the rows under retainer row k. */
static void ret_collapse(struct object_state *s, uint32_t k)
{
	uint32_t end = k + 1;

	while (end < s->n_ret && s->ret[end].depth > s->ret[k].depth)
		end++;
	memmove(s->ret + k + 1, s->ret + end, (size_t)(s->n_ret - end) * sizeof *s->ret);
	s->n_ret -= end - k - 1;
	s->ret[k].expanded = 0;
}

/* The retainers tree's keys: 1 when handled. */
static int ret_action(struct object_state *s, struct app *a, enum action act, uint32_t k)
{
	uint32_t row = s->sec_start[SEC_RETAINERS] + 1 + k;

	if (act == ACT_RIGHT) {
		if (s->ret[k].expanded) {
			if (k + 1 < s->n_ret && s->ret[k + 1].depth > s->ret[k].depth)
				list_set_cursor(&s->l, row + 1);
		} else if (!ret_expand(s, a, k)) {
			app_message(a, 0, "nothing refers to it: Enter inspects it");
		}
	} else if (act == ACT_LEFT) {
		if (s->ret[k].expanded) {
			ret_collapse(s, k);
		} else if (s->ret[k].depth > 0) {
			uint32_t p = k;
			while (p > 0 && s->ret[p].depth >= s->ret[k].depth)
				p--;
			list_set_cursor(&s->l, s->sec_start[SEC_RETAINERS] + 1 + p);
		} else {
			return 0;	/* history back */
		}
	} else {
		return 0;
	}
	sections(s);
	return 1;
}

static int object_action(void *st, struct app *a, enum action act)
{
	struct object_state *s = st;
	uint32_t edge;
	heap_node_t t;
	int64_t k;
	enum section sec;

	if (!s->l.count)
		return 0;
	if (list_move_skip(&s->l, act, not_a_row, s))
		return 1;
	sec = locate(s, s->l.cur, &k);
	if (act == ACT_SECTION || act == ACT_SECTION_BACK) {
		for (int step = 1; step <= SEC_N; step++) {
			int to = act == ACT_SECTION ? ((int)sec + step) % SEC_N : ((int)sec + SEC_N * 2 - step) % SEC_N;
			if (!not_a_row(s, s->sec_start[to] + 1)) {
				s->l.top = s->sec_start[to];
				list_set_cursor(&s->l, s->sec_start[to] + 1);
				return 1;
			}
		}
		return 1;
	}
	if (sec == SEC_RETAINERS && k >= 0 && (uint64_t)k < s->n_ret && (act == ACT_RIGHT || act == ACT_LEFT))
		return ret_action(s, a, act, (uint32_t)k);
	if (act != ACT_ENTER && act != ACT_RIGHT)
		return 0;
	t = row_target(s, a, s->l.cur, &edge);
	if (t == HEAP_NONE) {
		app_message(a, 0, "nothing to follow on this row");
		return 1;
	}
	a->cur = t;
	app_open(a, VIEW_OBJECT, t);
	return 1;
}

static struct list *object_list(void *st)
{
	return &((struct object_state *)st)->l;
}

static int object_match(void *st, struct app *a, uint32_t i, const char *q)
{
	uint32_t edge;
	heap_node_t t = row_target(st, a, i, &edge);

	return t != HEAP_NONE && row_ref_match(a, edge, t, q);
}

/* Rows stand for other objects; the inspected one stays current until
 * something is followed, so the view reports the inspected object. */
static heap_node_t object_object(void *st, struct app *a, uint32_t i)
{
	(void)a;
	(void)i;
	return ((struct object_state *)st)->v;
}

static void object_title(void *st, struct app *a, char *buf, size_t size)
{
	struct object_state *s = st;
	char id[32];

	snprintf(buf, size, "Object %s", row_id(id, sizeof id, a->h->id[s->v]));
}

const struct view_ops view_object = {
	.name = "object",
	.tab = "Object",
	.tab_action = ACT_VIEW_OBJECT,
	.actions = object_actions,
	.create = object_create,
	.destroy = object_destroy,
	.enter = object_enter,
	.draw = object_draw,
	.action = object_action,
	.list = object_list,
	.match = object_match,
	.object = object_object,
	.title = object_title,
};
