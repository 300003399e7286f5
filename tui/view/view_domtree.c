/* Dominator tree, ncdu-like: each row is an object under the object that
 * alone keeps it alive (its immediate dominator), children largest retained
 * first, with a retained-size bar.  Enter/Right/l expand, Left/h collapse
 * (or go to the parent), * expands the largest part of a subtree, -
 * collapses everything, i inspects.
 *
 * The visible tree is a flat array of rows (node, depth, expanded); expand
 * and collapse insert or remove a node's rows, so drawing only touches the
 * visible rows and a cursor is a row index.  Entering the view reveals the
 * current object by expanding its dominator chain. */
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
	heap_node_t node;
	uint32_t depth;
	uint8_t expanded;
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
	BAR_W = 10
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

/* Inserts v's children after row i. */
static uint32_t expand(struct domtree_state *s, struct app *a, uint32_t i)
{
	uint32_t n;
	const heap_node_t *kids = model_dom_children(a->m, s->rows[i].node, &n);

	if (s->rows[i].expanded || !n)
		return 0;
	reserve(s, n);
	memmove(s->rows + i + 1 + n, s->rows + i + 1, (size_t)(s->n - i - 1) * sizeof *s->rows);
	for (uint32_t k = 0; k < n; k++) {
		s->rows[i + 1 + k].node = kids[k];
		s->rows[i + 1 + k].depth = s->rows[i].depth + 1;
		s->rows[i + 1 + k].expanded = 0;
	}
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
	uint32_t n;
	const heap_node_t *kids = model_dom_children(a->m, HEAP_NONE, &n);

	s->n = 0;
	reserve(s, n + 1);
	for (uint32_t k = 0; k < n; k++) {
		s->rows[k].node = kids[k];
		s->rows[k].depth = 0;
		s->rows[k].expanded = 0;
	}
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

/* Row of v among rows [from, end of from's parent subtree), or HEAP_NONE. */
static uint32_t find_row(const struct domtree_state *s, uint32_t from, uint32_t depth, heap_node_t v)
{
	for (uint32_t i = from; i < s->n && s->rows[i].depth >= depth; i++)
		if (s->rows[i].depth == depth && s->rows[i].node == v)
			return i;
	return HEAP_NONE;
}

/* Expands the dominator chain of v and puts the cursor on it. */
static void reveal(struct domtree_state *s, struct app *a, heap_node_t v)
{
	uint32_t n = analysis_dominators(a->m->an, v, NULL, 0), row = 0;
	heap_node_t *chain = mem_alloc(((size_t)n + 1) * sizeof *chain);

	analysis_dominators(a->m->an, v, chain, n);
	/* chain[n-1] is the outermost; walk down from it, then v itself */
	for (uint32_t k = n + 1; k-- > 0;) {
		heap_node_t u = k == 0 ? v : chain[k - 1];
		uint32_t depth = n - k;
		uint32_t r = find_row(s, depth == 0 ? 0 : row + 1, depth, u);
		if (r == HEAP_NONE)
			break;
		row = r;
		if (k > 0)
			expand(s, a, r);
	}
	free(chain);
	list_set_count(&s->l, s->n);
	list_set_cursor(&s->l, row);
}

static void domtree_enter(void *st, struct app *a, uint64_t arg)
{
	struct domtree_state *s = st;

	(void)arg;
	list_set_count(&s->l, s->n);
	if (a->cur != HEAP_NONE && (s->l.cur >= s->n || s->rows[s->l.cur].node != a->cur))
		reveal(s, a, a->cur);
}

static void domtree_row(void *ctx, uint32_t i, WINDOW *w, int y, int cols, int sel)
{
	struct app *a = ((void **)ctx)[0];
	struct domtree_state *s = ((void **)ctx)[1];
	const struct tree_row *r = &s->rows[i];
	uint64_t ret = model_retained(a->m, r->node);
	uint32_t nk;
	char b[32];
	int x = 0, ind;
	const char *g;

	model_dom_children(a->m, r->node, &nk);
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

static uint32_t parent_row(const struct domtree_state *s, uint32_t i)
{
	uint32_t d = s->rows[i].depth;

	if (d == 0)
		return HEAP_NONE;
	while (i > 0 && s->rows[i].depth >= d)
		i--;
	return i;
}

/* Expands the largest children first, in display order, until max rows
 * are added.  The work happens on a copy of row i's subtree, so the rows
 * below it (perhaps a hundred thousand top-level objects) move once, not
 * once per expanded node. */
static void expand_largest(struct domtree_state *s, struct app *a, uint32_t i, uint32_t max)
{
	struct domtree_state sub = { 0 };
	uint32_t end = i + 1, added = 0, old;

	while (end < s->n && s->rows[end].depth > s->rows[i].depth)
		end++;
	old = end - i;
	reserve(&sub, old);
	memcpy(sub.rows, s->rows + i, (size_t)old * sizeof *sub.rows);
	sub.n = old;
	added += expand(&sub, a, 0);
	for (uint32_t r = 1; r < sub.n && added < max; r++) {
		uint32_t nk;
		model_dom_children(a->m, sub.rows[r].node, &nk);
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
		i = find_row(s, 0, 0, v);
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
