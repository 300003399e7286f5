/* Dominator tree, ncdu-like: each row is an object under the object that
 * alone keeps it alive (its immediate dominator), children largest retained
 * first, with a retained-size bar.  Enter/Right/l expand, Left/h collapse
 * (or go to the parent), * expands the largest part of a subtree, -
 * collapses everything, i inspects.
 *
 * Children of one type, when there are GROUP_MIN or more of them under one
 * object, are one row, as in Eclipse MAT's "group by class": "34,600 x
 * Session" with what they retain together, ranked among its siblings by that
 * sum; it expands into its members, largest first.
 *
 * The visible tree is a flat array of rows (node, depth, expanded); expand
 * and collapse insert or remove a node's rows, so drawing only touches the
 * visible rows and a cursor is a row index.  Entering the view reveals the
 * current object by expanding its dominator chain (and the group it is in). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include "tui/view/app.h"
#include "tui/core/draw.h"
#include "tui/view/row.h"
#include "tui/core/screen.h"
#include "tui/view/view.h"

struct tree_row {
	heap_node_t node;	/* the object; for a group, its largest member */
	uint32_t depth;
	uint32_t count;		/* 0: an object; else a group of count objects
				 * of node's type (same dominator parent) */
	uint8_t expanded;
	uint64_t ret;		/* a group: what its members retain together */
};

struct domtree_state {
	struct list l;
	struct tree_row *rows;
	uint32_t n, cap;
	uint64_t total;
};

enum {
	EXPAND_ALL_MAX = 1000,	/* rows '*' adds at most */
	INDENT_MAX = 30,
	BAR_W = 10,
	GROUP_MIN = 10		/* children of one type that make a group row */
};

static const enum action domtree_actions[] = { ACT_ENTER, ACT_RIGHT, ACT_LEFT, ACT_EXPAND_ALL, ACT_COLLAPSE_ALL, ACT_NONE };

static void reserve(struct domtree_state *s, uint32_t extra)
{
	if (s->n + extra <= s->cap)
		return;
	while (s->n + extra > s->cap)
		s->cap = s->cap ? s->cap * 2 : 1024;
	s->rows = mem_realloc_array(s->rows, s->cap, sizeof *s->rows);
}

static uint64_t row_retained(const struct app *a, const struct tree_row *r)
{
	return r->count ? r->ret : model_retained(a->m, r->node);
}

/* Rows a row expands into: a group's members, an object's children. */
static uint32_t row_kids(const struct app *a, const struct tree_row *r)
{
	uint32_t n;

	if (r->count)
		return r->count;
	model_dom_children(a->m, r->node, &n);
	return n;
}

struct kid_key {
	heap_str_t type;
	uint32_t k;		/* index among the children */
};

static int kid_key_cmp(const void *pa, const void *pb)
{
	const struct kid_key *x = pa, *y = pb;

	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

static int row_cmp(const void *pa, const void *pb)
{
	const struct tree_row *x = pa, *y = pb;

	/* ret holds every row's retained size while sorting; ties keep the
	 * children's order (node index ascending, dom.h) */
	if (x->ret != y->ret)
		return x->ret > y->ret ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

/* The rows for the children of v (HEAP_NONE: the top level) at depth: one
 * row per child, except that the children of a type with GROUP_MIN or more
 * of them make one group row; largest retained first.  Returns the count;
 * *out is new memory. */
static uint32_t children_rows(const struct app *a, heap_node_t v, uint32_t depth, struct tree_row **out)
{
	const struct heap *h = a->h;
	uint32_t n, m = 0;
	const heap_node_t *kids = model_dom_children(a->m, v, &n);
	struct tree_row *rows = mem_alloc(((size_t)n + 1) * sizeof *rows);
	struct kid_key *key;
	uint8_t *grouped;

	if (n < GROUP_MIN) {
		for (uint32_t k = 0; k < n; k++)
			rows[k] = (struct tree_row){ .node = kids[k], .depth = depth };
		*out = rows;
		return n;
	}
	/* sort by type to find the types with GROUP_MIN children or more;
	 * a group row stands where its first (largest) member was */
	key = mem_alloc((size_t)n * sizeof *key);
	grouped = mem_calloc(n, 1);	/* 1: first member of a group, 2: another */
	for (uint32_t k = 0; k < n; k++)
		key[k] = (struct kid_key){ .type = h->type[kids[k]], .k = k };
	qsort(key, n, sizeof *key, kid_key_cmp);
	for (uint32_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && key[j].type == key[i].type; j++)
			;
		if (j - i < GROUP_MIN)
			continue;
		grouped[key[i].k] = 1;
		for (uint32_t g = i + 1; g < j; g++)
			grouped[key[g].k] = 2;
		rows[m] = (struct tree_row){ .node = kids[key[i].k], .depth = depth, .count = j - i };
		for (uint32_t g = i; g < j; g++)
			rows[m].ret += model_retained(a->m, kids[key[g].k]);
		m++;
	}
	for (uint32_t k = 0; k < n; k++)
		if (!grouped[k])
			rows[m++] = (struct tree_row){ .node = kids[k], .depth = depth,
						       .ret = model_retained(a->m, kids[k]) };
	qsort(rows, m, sizeof *rows, row_cmp);
	for (uint32_t k = 0; k < m; k++)
		if (!rows[k].count)
			rows[k].ret = 0;
	free(key);
	free(grouped);
	*out = rows;
	return m;
}

/* The rows for the members of group row g, whose parent is p (HEAP_NONE:
 * the top level): the parent's children of g's type, largest first. */
static uint32_t group_rows(const struct app *a, heap_node_t p, const struct tree_row *g, struct tree_row **out)
{
	const struct heap *h = a->h;
	uint32_t n, m = 0;
	const heap_node_t *kids = model_dom_children(a->m, p, &n);
	struct tree_row *rows = mem_alloc(((size_t)g->count + 1) * sizeof *rows);

	for (uint32_t k = 0; k < n && m < g->count; k++)
		if (h->type[kids[k]] == h->type[g->node])
			rows[m++] = (struct tree_row){ .node = kids[k], .depth = g->depth + 1 };
	*out = rows;
	return m;
}

static uint32_t parent_row(const struct domtree_state *s, uint32_t i)
{
	uint32_t d = s->rows[i].depth;

	if (d == 0)
		return HEAP_NONE;
	while (i > 0 && s->rows[i].depth >= d)
		i--;
	return i;
}

/* Inserts row i's children (or a group's members) after it. */
static uint32_t expand(struct domtree_state *s, struct app *a, uint32_t i)
{
	struct tree_row *kids;
	uint32_t n;

	if (s->rows[i].expanded || !row_kids(a, &s->rows[i]))
		return 0;
	if (s->rows[i].count) {
		uint32_t p = parent_row(s, i);
		n = group_rows(a, p == HEAP_NONE ? HEAP_NONE : s->rows[p].node, &s->rows[i], &kids);
	} else {
		n = children_rows(a, s->rows[i].node, s->rows[i].depth + 1, &kids);
	}
	reserve(s, n);
	memmove(s->rows + i + 1 + n, s->rows + i + 1, (size_t)(s->n - i - 1) * sizeof *s->rows);
	memcpy(s->rows + i + 1, kids, (size_t)n * sizeof *kids);
	free(kids);
	s->rows[i].expanded = 1;
	s->n += n;
	return n;
}

/* Removes the rows under row i. */
static void collapse(struct domtree_state *s, uint32_t i)
{
	uint32_t end = i + 1;

	while (end < s->n && s->rows[end].depth > s->rows[i].depth)
		end++;
	memmove(s->rows + i + 1, s->rows + end, (size_t)(s->n - end) * sizeof *s->rows);
	s->n -= end - i - 1;
	s->rows[i].expanded = 0;
}

static void reset(struct domtree_state *s, struct app *a)
{
	struct tree_row *kids;
	uint32_t n = children_rows(a, HEAP_NONE, 0, &kids);

	s->n = 0;
	reserve(s, n + 1);
	memcpy(s->rows, kids, (size_t)n * sizeof *kids);
	free(kids);
	s->n = n;
	s->l.cur = s->l.top = 0;
	list_set_count(&s->l, s->n);
}

static void *domtree_create(struct app *a)
{
	struct domtree_state *s = mem_calloc(1, sizeof *s);
	uint32_t n;
	const heap_node_t *kids = model_dom_children(a->m, HEAP_NONE, &n);

	for (uint32_t k = 0; k < n; k++)
		s->total += model_retained(a->m, kids[k]);
	reset(s, a);
	return s;
}

static void domtree_destroy(void *st)
{
	struct domtree_state *s = st;

	free(s->rows);
	free(s);
}

/* Row of object v among the rows under row p at depth (p HEAP_NONE: the
 * top level), or HEAP_NONE; group is 1 to find the group row of v's type
 * instead. */
static uint32_t find_row(const struct domtree_state *s, const struct heap *h, uint32_t p, uint32_t depth,
			 heap_node_t v, int group)
{
	for (uint32_t i = p == HEAP_NONE ? 0 : p + 1; i < s->n && s->rows[i].depth >= depth; i++) {
		const struct tree_row *r = &s->rows[i];
		if (r->depth == depth && (group ? r->count && h->type[r->node] == h->type[v]
					       : !r->count && r->node == v))
			return i;
	}
	return HEAP_NONE;
}

/* The row of v, a child of the object on row p (HEAP_NONE: a top-level
 * object), expanding the group it is in; HEAP_NONE if not there. */
static uint32_t child_row(struct domtree_state *s, struct app *a, uint32_t p, heap_node_t v)
{
	uint32_t depth = p == HEAP_NONE ? 0 : s->rows[p].depth + 1;
	uint32_t r = find_row(s, a->h, p, depth, v, 0);

	if (r == HEAP_NONE && (r = find_row(s, a->h, p, depth, v, 1)) != HEAP_NONE) {
		expand(s, a, r);
		r = find_row(s, a->h, r, depth + 1, v, 0);
	}
	return r;
}

/* Expands the dominator chain of v and puts the cursor on it. */
static void reveal(struct domtree_state *s, struct app *a, heap_node_t v)
{
	uint32_t n = analysis_dominators(a->m->an, v, NULL, 0), row = HEAP_NONE;
	heap_node_t *chain = mem_alloc(((size_t)n + 1) * sizeof *chain);

	analysis_dominators(a->m->an, v, chain, n);
	/* chain[n-1] is the outermost; walk down from it, then v itself */
	for (uint32_t k = n + 1; k-- > 0;) {
		heap_node_t u = k == 0 ? v : chain[k - 1];
		uint32_t r = child_row(s, a, row, u);
		if (r == HEAP_NONE)
			break;
		row = r;
		if (k > 0)
			expand(s, a, r);
	}
	free(chain);
	list_set_count(&s->l, s->n);
	list_set_cursor(&s->l, row == HEAP_NONE ? 0 : row);
}

static void domtree_enter(void *st, struct app *a, uint64_t arg)
{
	struct domtree_state *s = st;

	(void)arg;
	list_set_count(&s->l, s->n);
	/* a group row stands for its largest member (domtree_object) */
	if (a->cur != HEAP_NONE && (s->l.cur >= s->n || s->rows[s->l.cur].node != a->cur))
		reveal(s, a, a->cur);
}

static void domtree_row(void *ctx, uint32_t i, WINDOW *w, int y, int cols, int sel)
{
	struct app *a = ((void **)ctx)[0];
	struct domtree_state *s = ((void **)ctx)[1];
	const struct tree_row *r = &s->rows[i];
	uint64_t ret = row_retained(a, r);
	uint32_t nk = row_kids(a, r);
	char b[32];
	int x = 0, ind;
	const char *g;

	draw_str_right(w, y, x, 9, draw_bytes(b, sizeof b, ret), row_attr(ROLE_SIZE, sel));
	x += 10;
	draw_printf(w, y, x, 6, row_attr(ROLE_DIM, sel), "%5.1f%%",
		    s->total ? 100.0 * (double)ret / (double)s->total : 0.0);
	x += 7;
	draw_bar(w, y, x, BAR_W, s->total ? (double)ret / (double)s->total : 0.0, row_attr(ROLE_BAR, sel));
	x += BAR_W + 1;
	ind = (int)(r->depth > INDENT_MAX ? INDENT_MAX : r->depth) * 2;
	if (r->depth > INDENT_MAX) {
		draw_printf(w, y, x, ind, row_attr(ROLE_DIM, sel), "%*s", ind, "");
		draw_printf(w, y, x, 6, row_attr(ROLE_DIM, sel), "+%u ", r->depth);
	}
	x += ind;
	g = nk == 0 ? screen_glyph(GLYPH_TREE_LEAF) : r->expanded ? screen_glyph(GLYPH_TREE_OPEN)
								   : screen_glyph(GLYPH_TREE_CLOSED);
	x += draw_str(w, y, x, 1, g, row_attr(ROLE_DIM, sel));
	x += draw_str(w, y, x, 1, " ", row_attr(ROLE_NORMAL, sel));
	if (r->count) {
		size_t tl;
		const char *type = heap_string(a->h, a->h->type[r->node], &tl);
		x += draw_str(w, y, x, cols - x, draw_count(b, sizeof b, r->count), row_attr(ROLE_SIZE, sel));
		x += draw_str(w, y, x, cols - x, " x ", row_attr(ROLE_DIM, sel));
		x += draw_text(w, y, x, cols - x, type, tl, row_attr(ROLE_TYPE, sel));
		return;
	}
	x += row_object_label(a, w, y, x, cols - x, r->node, sel);
	if (nk && !r->expanded && x + 12 < cols)
		draw_printf(w, y, x, cols - x, row_attr(ROLE_DIM, sel), "  (%s)", draw_count(b, sizeof b, nk));
}

static void domtree_draw(void *st, struct app *a, WINDOW *w, int y0, int rows, int cols)
{
	struct domtree_state *s = st;
	void *ctx[2] = { a, s };
	attr_t h = screen_attr(ROLE_HEADER);

	draw_fill(w, y0, 0, cols, h);
	draw_str_right(w, y0, 0, 9, "retained", h);
	draw_str(w, y0, 10, 17, "   share", h);
	draw_str(w, y0, 28, cols - 28, "object (children: what it alone keeps alive)", h);
	list_draw(&s->l, w, y0 + 1, rows - 1, cols, domtree_row, ctx);
}

/* Expands the largest children first, in display order, until max rows
 * are added.  The work happens on a copy of row i's subtree, so the rows
 * below it (perhaps a hundred thousand top-level objects) move once, not
 * once per expanded node. */
static void expand_largest(struct domtree_state *s, struct app *a, uint32_t i, uint32_t max)
{
	struct domtree_state sub = { 0 };
	uint32_t end = i + 1, added, old;

	/* in place: a group row finds its members through its parent */
	added = expand(s, a, i);
	while (end < s->n && s->rows[end].depth > s->rows[i].depth)
		end++;
	old = end - i;
	reserve(&sub, old);
	memcpy(sub.rows, s->rows + i, (size_t)old * sizeof *sub.rows);
	sub.n = old;
	for (uint32_t r = 1; r < sub.n && added < max; r++) {
		uint32_t nk = row_kids(a, &sub.rows[r]);
		if (!sub.rows[r].expanded && nk && added + nk <= max)
			added += expand(&sub, a, r);
	}
	reserve(s, sub.n - old);
	memmove(s->rows + i + sub.n, s->rows + end, (size_t)(s->n - end) * sizeof *s->rows);
	memcpy(s->rows + i, sub.rows, (size_t)sub.n * sizeof *s->rows);
	s->n += sub.n - old;
	free(sub.rows);
}

static int domtree_action(void *st, struct app *a, enum action act)
{
	struct domtree_state *s = st;
	uint32_t i = s->l.cur;

	if (!s->n)
		return 0;
	switch (act) {
	case ACT_ENTER:
		if (s->rows[i].expanded)
			collapse(s, i);
		else if (!expand(s, a, i))
			app_message(a, 0, "keeps nothing else alive: i inspects it");
		break;
	case ACT_RIGHT:
		if (s->rows[i].expanded) {
			if (i + 1 < s->n && s->rows[i + 1].depth > s->rows[i].depth)
				s->l.cur = i + 1;
		} else if (!expand(s, a, i)) {
			app_message(a, 0, "keeps nothing else alive: i inspects it");
		}
		break;
	case ACT_LEFT:
		if (s->rows[i].expanded) {
			collapse(s, i);
		} else {
			uint32_t p = parent_row(s, i);
			if (p == HEAP_NONE)
				return 0;	/* at the top: history back */
			s->l.cur = p;
		}
		break;
	case ACT_EXPAND_ALL:
		expand_largest(s, a, i, EXPAND_ALL_MAX);
		break;
	case ACT_COLLAPSE_ALL: {
		heap_node_t v = s->rows[i].node;
		uint32_t n = analysis_dominators(a->m->an, v, NULL, 0);
		if (n) {
			heap_node_t *chain = mem_alloc((size_t)n * sizeof *chain);
			analysis_dominators(a->m->an, v, chain, n);
			v = chain[n - 1];
			free(chain);
		}
		reset(s, a);
		i = child_row(s, a, HEAP_NONE, v);
		list_set_cursor(&s->l, i == HEAP_NONE ? 0 : i);
		break;
	}
	default:
		return 0;
	}
	list_set_count(&s->l, s->n);
	list_set_cursor(&s->l, s->l.cur);
	return 1;
}

static struct list *domtree_list(void *st)
{
	return &((struct domtree_state *)st)->l;
}

static int domtree_match(void *st, struct app *a, uint32_t i, const char *q)
{
	return row_object_match(a, ((struct domtree_state *)st)->rows[i].node, q);
}

static heap_node_t domtree_object(void *st, struct app *a, uint32_t i)
{
	struct domtree_state *s = st;

	(void)a;
	return i < s->n ? s->rows[i].node : HEAP_NONE;
}

static void domtree_title(void *st, struct app *a, char *buf, size_t size)
{
	struct domtree_state *s = st;
	char b[32];
	uint32_t n;

	model_dom_children(a->m, HEAP_NONE, &n);
	snprintf(buf, size, "Dominator tree: %s top-level objects retain %s", draw_count(b, sizeof b, n),
		 draw_bytes((char[32]){ 0 }, 32, s->total));
}

const struct view_ops view_domtree = {
	.name = "dominators",
	.tab = "Dominators",
	.tab_action = ACT_VIEW_DOMTREE,
	.actions = domtree_actions,
	.create = domtree_create,
	.destroy = domtree_destroy,
	.enter = domtree_enter,
	.draw = domtree_draw,
	.action = domtree_action,
	.list = domtree_list,
	.match = domtree_match,
	.object = domtree_object,
	.title = domtree_title,
};
