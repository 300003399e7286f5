/* Generations: one row per generation with members, bytes and the
 * references that cross into it from older generations (what a minor
 * collection must treat as roots).  Enter lists the members; x lists the
 * members referenced from an older generation. */
#include <stdio.h>
#include <stdlib.h>

#include "graph/core/mem.h"
#include "tui/view/app.h"
#include "tui/core/draw.h"
#include "tui/view/row.h"
#include "tui/core/screen.h"
#include "tui/view/view.h"

struct gens_state {
	struct list l;
	uint8_t gen[256];	/* row -> generation */
};

static const enum action gens_actions[] = { ACT_ENTER, ACT_CROSS, ACT_NONE };

static void *gens_create(struct app *a)
{
	struct gens_state *s = mem_calloc(1, sizeof *s);
	uint32_t n = 0;

	for (int g = 0; g < 256; g++)
		if (a->m->gen_count[g])
			s->gen[n++] = (uint8_t)g;
	s->l.count = n;
	return s;
}

static void gens_destroy(void *st)
{
	free(st);
}

static void gens_enter(void *st, struct app *a, uint64_t arg)
{
	struct gens_state *s = st;

	(void)arg;
	if (a->cur != HEAP_NONE)
		for (uint32_t i = 0; i < s->l.count; i++)
			if (s->gen[i] == a->h->generation[a->cur])
				list_set_cursor(&s->l, i);
}

static void gens_row(void *ctx, uint32_t i, WINDOW *w, int y, int cols, int sel)
{
	struct app *a = ((void **)ctx)[0];
	struct gens_state *s = ((void **)ctx)[1];
	unsigned g = s->gen[i];
	uint64_t most = 1;
	char b[32];
	int bw = cols - 60;

	for (uint32_t k = 0; k < s->l.count; k++)
		if (a->m->gen_bytes[s->gen[k]] > most)
			most = a->m->gen_bytes[s->gen[k]];
	if (s->gen[i] == HEAP_GEN_UNKNOWN)
		draw_str(w, y, 1, 10, a->m->gen_unknown_word, row_attr(ROLE_NORMAL, sel));
	else
		draw_printf(w, y, 1, 10, row_attr(ROLE_NORMAL, sel), "gen %u", s->gen[i]);
	draw_str_right(w, y, 12, 11, draw_count(b, sizeof b, a->m->gen_count[g]), row_attr(ROLE_NORMAL, sel));
	draw_str_right(w, y, 24, 10, draw_bytes(b, sizeof b, a->m->gen_bytes[g]), row_attr(ROLE_SIZE, sel));
	draw_str_right(w, y, 35, 9, draw_count(b, sizeof b, a->m->gen_garbage[g]),
		       row_attr(a->m->gen_garbage[g] ? ROLE_GARBAGE : ROLE_NORMAL, sel));
	draw_str_right(w, y, 46, 10, s->gen[i] == HEAP_GEN_UNKNOWN ? "-" : draw_count(b, sizeof b, a->m->gen_cross_in[g]),
		       row_attr(ROLE_NORMAL, sel));
	if (bw > 4)
		draw_bar(w, y, 58, bw, (double)a->m->gen_bytes[g] / (double)most, row_attr(ROLE_BAR, sel));
}

static void gens_draw(void *st, struct app *a, WINDOW *w, int y0, int rows, int cols)
{
	struct gens_state *s = st;
	void *ctx[2] = { a, s };
	attr_t h = screen_attr(ROLE_HEADER);
	int lrows = rows - 5;

	draw_fill(w, y0, 0, cols, h);
	draw_str(w, y0, 1, 10, "generation", h);
	draw_str_right(w, y0, 12, 11, "objects", h);
	draw_str_right(w, y0, 24, 10, "bytes", h);
	draw_str_right(w, y0, 35, 9, "garbage", h);
	draw_str_right(w, y0, 46, 10, "from older", h);
	if ((uint32_t)lrows > s->l.count + 1)
		lrows = (int)s->l.count + 1;
	list_draw(&s->l, w, y0 + 1, lrows, cols, gens_row, ctx);
	for (int y = y0 + 1 + lrows; y < y0 + rows; y++)
		draw_fill(w, y, 0, cols, A_NORMAL);
	if (a->h->max_generation == HEAP_GEN_UNKNOWN) {
		draw_str(w, y0 + lrows + 2, 1, cols - 2, "This snapshot records no generations.", screen_attr(ROLE_DIM));
		return;
	}
	draw_str(w, y0 + lrows + 2, 1, cols - 2,
		 "Generation 0 is the youngest. A reference from an older object into a younger",
		 screen_attr(ROLE_DIM));
	draw_str(w, y0 + lrows + 3, 1, cols - 2,
		 "generation keeps the younger object alive in a minor collection that does not",
		 screen_attr(ROLE_DIM));
	draw_str(w, y0 + lrows + 4, 1, cols - 2,
		 "scan the older one: such objects are listed with x.", screen_attr(ROLE_DIM));
}

static int gens_action(void *st, struct app *a, enum action act)
{
	struct gens_state *s = st;
	unsigned g;

	if (act != ACT_ENTER && act != ACT_RIGHT && act != ACT_CROSS)
		return 0;
	if (!s->l.count)
		return 1;
	g = s->gen[s->l.cur];
	if (act == ACT_CROSS) {
		uint32_t n;
		const heap_node_t *mem;
		if (g == HEAP_GEN_UNKNOWN) {
			app_message(a, 0, "no cross-generation references for %s objects", a->m->gen_unknown_word);
			return 1;
		}
		mem = model_gen_cross(a->m, g, &n);
		if (!n) {
			app_message(a, 0, "nothing in generation %u is referenced from an older generation", g);
			return 1;
		}
		a->cur = mem[0];
		app_open(a, VIEW_OBJECTS, (uint64_t)OBJECTS_CROSS << 32 | g);
	} else {
		uint32_t n;
		const heap_node_t *mem = model_gen_members(a->m, g, &n);
		if (n && (a->cur == HEAP_NONE || a->h->generation[a->cur] != g))
			a->cur = mem[0];
		app_open(a, VIEW_OBJECTS, (uint64_t)OBJECTS_GEN << 32 | g);
	}
	return 1;
}

static struct list *gens_list(void *st)
{
	return &((struct gens_state *)st)->l;
}

static heap_node_t gens_object(void *st, struct app *a, uint32_t i)
{
	(void)st;
	(void)a;
	(void)i;
	return HEAP_NONE;
}

static void gens_title(void *st, struct app *a, char *buf, size_t size)
{
	char b[32];

	(void)st;
	snprintf(buf, size, "Generations: %s references from older into younger generations",
		 draw_count(b, sizeof b, a->m->gens.old_to_young));
}

const struct view_ops view_gens = {
	.name = "generations",
	.tab = "Gens",
	.tab_action = ACT_VIEW_GENS,
	.actions = gens_actions,
	.create = gens_create,
	.destroy = gens_destroy,
	.enter = gens_enter,
	.draw = gens_draw,
	.action = gens_action,
	.list = gens_list,
	.object = gens_object,
	.title = gens_title,
};
