/* Types: the histogram of types with count, shallow and retained size;
 * sortable by each column (s cycles, r reverses); Enter lists the
 * instances. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include "tui/view/app.h"
#include "tui/core/draw.h"
#include "tui/view/row.h"
#include "tui/core/screen.h"
#include "tui/view/view.h"

struct types_state {
	struct list l;
	enum type_sort sort;
	int reverse;
	const uint32_t *order;
};

static const enum action types_actions[] = { ACT_ENTER, ACT_SORT, ACT_REVERSE, ACT_NONE };

static const char *const sort_names[TYPE_SORT_N] = {
	[TYPE_SORT_RETAINED] = "retained",
	[TYPE_SORT_SHALLOW] = "shallow",
	[TYPE_SORT_COUNT] = "count",
	[TYPE_SORT_NAME] = "name",
};

static uint32_t type_at(struct types_state *s, struct app *a, uint32_t i)
{
	return s->order[s->reverse ? a->m->n_types - 1 - i : i];
}

static void *types_create(struct app *a)
{
	struct types_state *s = mem_calloc(1, sizeof *s);

	s->sort = TYPE_SORT_RETAINED;
	s->order = model_type_order(a->m, s->sort);
	s->l.count = a->m->n_types;
	return s;
}

static void types_destroy(void *st)
{
	free(st);
}

/* Puts the cursor on type t (identity survives re-sorting). */
static void cursor_to_type(struct types_state *s, struct app *a, uint32_t t)
{
	for (uint32_t i = 0; i < a->m->n_types; i++)
		if (type_at(s, a, i) == t) {
			list_set_cursor(&s->l, i);
			return;
		}
}

static void types_enter(void *st, struct app *a, uint64_t arg)
{
	struct types_state *s = st;

	(void)arg;
	list_set_count(&s->l, a->m->n_types);
	if (a->cur != HEAP_NONE)
		cursor_to_type(s, a, a->m->type_of[a->cur]);
}

static void types_row(void *ctx, uint32_t i, WINDOW *w, int y, int cols, int sel)
{
	struct app *a = ((void **)ctx)[0];
	struct types_state *s = ((void **)ctx)[1];
	const struct model_type *t = &a->m->types[type_at(s, a, i)];
	char b[32];
	size_t len;
	const char *name = heap_string(a->h, t->name, &len);
	int x = 0;

	draw_str_right(w, y, x, 11, draw_count(b, sizeof b, t->count), row_attr(ROLE_NORMAL, sel));
	x += 12;
	draw_str_right(w, y, x, 10, draw_bytes(b, sizeof b, t->shallow), row_attr(ROLE_SIZE, sel));
	x += 11;
	draw_str_right(w, y, x, 10, draw_bytes(b, sizeof b, t->retained), row_attr(ROLE_SIZE, sel));
	x += 12;
	if (len == 0)
		draw_str(w, y, x, cols - x, "(no type)", row_attr(ROLE_DIM, sel));
	else
		draw_text(w, y, x, cols - x, name, len, row_attr(ROLE_TYPE, sel));
}

static void types_draw(void *st, struct app *a, WINDOW *w, int y0, int rows, int cols)
{
	struct types_state *s = st;
	attr_t h = screen_attr(ROLE_HEADER);
	void *ctx[2] = { a, s };
	const char *arrow = screen_glyph(s->reverse ? GLYPH_SORT_ASC : GLYPH_SORT_DESC);
	char lab[32];

	draw_fill(w, y0, 0, cols, h);
	snprintf(lab, sizeof lab, "%scount", s->sort == TYPE_SORT_COUNT ? arrow : "");
	draw_str_right(w, y0, 0, 11, lab, h);
	snprintf(lab, sizeof lab, "%sshallow", s->sort == TYPE_SORT_SHALLOW ? arrow : "");
	draw_str_right(w, y0, 12, 10, lab, h);
	snprintf(lab, sizeof lab, "%sretained", s->sort == TYPE_SORT_RETAINED ? arrow : "");
	draw_str_right(w, y0, 23, 10, lab, h);
	snprintf(lab, sizeof lab, "%stype", s->sort == TYPE_SORT_NAME ? arrow : "");
	draw_str(w, y0, 35, cols - 35, lab, h);
	list_draw(&s->l, w, y0 + 1, rows - 1, cols, types_row, ctx);
}

static int types_action(void *st, struct app *a, enum action act)
{
	struct types_state *s = st;
	uint32_t t = s->l.count ? type_at(s, a, s->l.cur) : 0;

	switch (act) {
	case ACT_SORT:
		s->sort = (enum type_sort)((s->sort + 1) % TYPE_SORT_N);
		s->reverse = 0;
		s->order = model_type_order(a->m, s->sort);
		cursor_to_type(s, a, t);
		app_message(a, 0, "sorted by %s", sort_names[s->sort]);
		return 1;
	case ACT_REVERSE:
		s->reverse = !s->reverse;
		cursor_to_type(s, a, t);
		return 1;
	case ACT_ENTER:
	case ACT_RIGHT:
		if (!s->l.count)
			return 1;
		{
			uint32_t n;
			const heap_node_t *inst = model_type_instances(a->m, t, &n);
			/* the current object becomes the largest instance, unless it
			 * already is of this type */
			if (a->cur == HEAP_NONE || a->m->type_of[a->cur] != t)
				a->cur = n ? inst[0] : HEAP_NONE;
		}
		app_open(a, VIEW_OBJECTS, (uint64_t)OBJECTS_TYPE << 32 | t);
		return 1;
	default:
		return 0;
	}
}

static struct list *types_list(void *st)
{
	return &((struct types_state *)st)->l;
}

static int types_match(void *st, struct app *a, uint32_t i, const char *q)
{
	size_t len;
	const char *name = heap_string(a->h, a->m->types[type_at(st, a, i)].name, &len);

	return row_contains(name, len, q);
}

static heap_node_t types_object(void *st, struct app *a, uint32_t i)
{
	(void)st;
	(void)a;
	(void)i;
	return HEAP_NONE;
}

static void types_title(void *st, struct app *a, char *buf, size_t size)
{
	struct types_state *s = st;
	char b[32];

	snprintf(buf, size, "Types: %s types, sorted by %s%s", draw_count(b, sizeof b, a->m->n_types),
		 sort_names[s->sort], s->reverse ? " (reversed)" : "");
}

const struct view_ops view_types = {
	.name = "types",
	.tab = "Types",
	.tab_action = ACT_VIEW_TYPES,
	.actions = types_actions,
	.create = types_create,
	.destroy = types_destroy,
	.enter = types_enter,
	.draw = types_draw,
	.action = types_action,
	.list = types_list,
	.match = types_match,
	.object = types_object,
	.title = types_title,
};
