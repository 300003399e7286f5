/* Cycles: the strongly connected components (two or more objects, or one
 * referring to itself), sortable by retained size, members or shallow
 * size; garbage cycles (no root reaches them) are marked apart from live
 * ones.  Enter opens the cycle. */
#include <stdio.h>
#include <stdlib.h>

#include "graph/core/mem.h"
#include "tui/view/app.h"
#include "tui/core/draw.h"
#include "tui/view/row.h"
#include "tui/core/screen.h"
#include "tui/view/view.h"

struct cycles_state {
	struct list l;
	enum cycle_sort sort;
	int reverse;
	const uint32_t *order;
};

static const enum action cycles_actions[] = { ACT_ENTER, ACT_SORT, ACT_REVERSE, ACT_NONE };

static const char *const sort_names[CYCLE_SORT_N] = {
	[CYCLE_SORT_RETAINED] = "retained size",
	[CYCLE_SORT_SIZE] = "members",
	[CYCLE_SORT_SHALLOW] = "shallow size",
};

static uint32_t cycle_at(const struct cycles_state *s, const struct app *a, uint32_t i)
{
	return s->order[s->reverse ? a->m->an->n_cycles - 1 - i : i];
}

static void *cycles_create(struct app *a)
{
	struct cycles_state *s = mem_calloc(1, sizeof *s);

	s->sort = CYCLE_SORT_RETAINED;
	s->order = model_cycle_order(a->m, s->sort);
	s->l.count = a->m->an->n_cycles;
	return s;
}

static void cycles_destroy(void *st)
{
	free(st);
}

static void cursor_to_cycle(struct cycles_state *s, struct app *a, uint32_t c)
{
	for (uint32_t i = 0; i < a->m->an->n_cycles; i++)
		if (cycle_at(s, a, i) == c) {
			list_set_cursor(&s->l, i);
			return;
		}
}

static void cycles_enter(void *st, struct app *a, uint64_t arg)
{
	struct cycles_state *s = st;

	(void)arg;
	if (a->cur != HEAP_NONE && a->m->an->cycle[a->cur] != HEAP_NONE)
		cursor_to_cycle(s, a, a->m->an->cycle[a->cur]);
}

/* The member that best names a cycle: its largest by retained size. */
static heap_node_t cycle_face(const struct app *a, uint32_t c)
{
	uint32_t n;
	const heap_node_t *mem = model_cycle_members(a->m, c, &n);
	heap_node_t best = mem[0];

	for (uint32_t i = 1; i < n && i < 64; i++)
		if (model_retained(a->m, mem[i]) > model_retained(a->m, best))
			best = mem[i];
	return best;
}

static void cycles_row(void *ctx, uint32_t i, WINDOW *w, int y, int cols, int sel)
{
	struct app *a = ((void **)ctx)[0];
	struct cycles_state *s = ((void **)ctx)[1];
	uint32_t c = cycle_at(s, a, i);
	const struct analysis_cycle *cy = &a->m->an->cycles[c];
	char b[32];

	draw_printf(w, y, 0, 7, row_attr(ROLE_DIM, sel), "%6u", c + 1);
	draw_str_right(w, y, 7, 9, draw_count(b, sizeof b, cy->size), row_attr(ROLE_NORMAL, sel));
	draw_str_right(w, y, 17, 10, draw_bytes(b, sizeof b, cy->retained), row_attr(ROLE_SIZE, sel));
	draw_str_right(w, y, 28, 10, draw_bytes(b, sizeof b, cy->shallow), row_attr(ROLE_SIZE, sel));
	draw_str(w, y, 40, 8, cy->garbage ? "garbage" : "live", row_attr(cy->garbage ? ROLE_GARBAGE : ROLE_LIVE, sel));
	row_object_label(a, w, y, 48, cols - 48, cycle_face(a, c), sel);
}

static void cycles_draw(void *st, struct app *a, WINDOW *w, int y0, int rows, int cols)
{
	struct cycles_state *s = st;
	void *ctx[2] = { a, s };
	attr_t h = screen_attr(ROLE_HEADER);
	const char *arrow = screen_glyph(s->reverse ? GLYPH_SORT_ASC : GLYPH_SORT_DESC);
	char lab[32];

	draw_fill(w, y0, 0, cols, h);
	draw_str_right(w, y0, 0, 6, "cycle", h);
	snprintf(lab, sizeof lab, "%smembers", s->sort == CYCLE_SORT_SIZE ? arrow : "");
	draw_str_right(w, y0, 7, 9, lab, h);
	snprintf(lab, sizeof lab, "%sretained", s->sort == CYCLE_SORT_RETAINED ? arrow : "");
	draw_str_right(w, y0, 17, 10, lab, h);
	snprintf(lab, sizeof lab, "%sshallow", s->sort == CYCLE_SORT_SHALLOW ? arrow : "");
	draw_str_right(w, y0, 28, 10, lab, h);
	draw_str(w, y0, 40, 8, "status", h);
	draw_str(w, y0, 48, cols - 48, "largest member", h);
	if (!s->l.count) {
		for (int y = y0 + 1; y < y0 + rows; y++)
			draw_fill(w, y, 0, cols, A_NORMAL);
		draw_str(w, y0 + 2, 2, cols - 4, "No reference cycles in this heap.",
			 screen_attr(ROLE_DIM));
		return;
	}
	list_draw(&s->l, w, y0 + 1, rows - 1, cols, cycles_row, ctx);
}

static int cycles_action(void *st, struct app *a, enum action act)
{
	struct cycles_state *s = st;
	uint32_t c = s->l.count ? cycle_at(s, a, s->l.cur) : 0;

	switch (act) {
	case ACT_SORT:
		s->sort = (enum cycle_sort)((s->sort + 1) % CYCLE_SORT_N);
		s->reverse = 0;
		s->order = model_cycle_order(a->m, s->sort);
		if (s->l.count)
			cursor_to_cycle(s, a, c);
		app_message(a, 0, "sorted by %s", sort_names[s->sort]);
		return 1;
	case ACT_REVERSE:
		s->reverse = !s->reverse;
		if (s->l.count)
			cursor_to_cycle(s, a, c);
		return 1;
	case ACT_ENTER:
	case ACT_RIGHT:
		if (!s->l.count)
			return 1;
		if (a->cur == HEAP_NONE || a->m->an->cycle[a->cur] != c)
			a->cur = cycle_face(a, c);
		app_open(a, VIEW_CYCLE, c);
		return 1;
	default:
		return 0;
	}
}

static struct list *cycles_list(void *st)
{
	return &((struct cycles_state *)st)->l;
}

/* A cycle matches when its largest member does. */
static int cycles_match(void *st, struct app *a, uint32_t i, const char *q)
{
	return row_object_match(a, cycle_face(a, cycle_at(st, a, i)), q);
}

static heap_node_t cycles_object(void *st, struct app *a, uint32_t i)
{
	return cycle_face(a, cycle_at(st, a, i));
}

static void cycles_title(void *st, struct app *a, char *buf, size_t size)
{
	struct cycles_state *s = st;
	char b1[32], b2[32];

	snprintf(buf, size, "Cycles: %s, %s garbage; sorted by %s%s", draw_count(b1, sizeof b1, a->m->an->n_cycles),
		 draw_count(b2, sizeof b2, a->m->garbage_cycles), sort_names[s->sort], s->reverse ? " (reversed)" : "");
}

const struct view_ops view_cycles = {
	.name = "cycles",
	.tab = "Cycles",
	.tab_action = ACT_VIEW_CYCLES,
	.actions = cycles_actions,
	.create = cycles_create,
	.destroy = cycles_destroy,
	.enter = cycles_enter,
	.draw = cycles_draw,
	.action = cycles_action,
	.list = cycles_list,
	.match = cycles_match,
	.object = cycles_object,
	.title = cycles_title,
};
