/* Cycles: the program's reference cycles (strongly connected components of
 * the user graph: graph/heap.h), in three lists of one view:
 *   - patterns (the default): cycles of the same shape, by the memory they
 *     retain, each with its signature; then one row for the runtime's core
 *     (the raw graph's giant component) when the heap has one;
 *   - the cycles of one pattern, or all of them: sortable by retained size,
 *     members or shallow size, garbage apart from live;
 *   - the raw graph's cycles (R), as the collector sees them.
 * Enter goes down (pattern -> its cycles -> the cycle); Back goes up.
 *
 * The view's argument says which list: CYCLES_PATTERNS, CYCLES_ALL,
 * CYCLES_RAW, or CYCLES_PATTERN + p for pattern p. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include "tui/core/draw.h"
#include "tui/core/screen.h"
#include "tui/view/app.h"
#include "tui/view/row.h"
#include "tui/view/view.h"

enum mode {
	MODE_PATTERNS,
	MODE_CYCLES
};

struct cycles_state {
	struct list l;
	enum mode mode;
	int raw;		/* cycles of the raw graph */
	uint32_t pattern;	/* MODE_CYCLES: only this pattern's, HEAP_NONE: all */
	enum cycle_sort sort;
	int reverse;
	const struct analysis *an;	/* model_cycles(raw) */
	uint32_t *order;	/* the cycles listed, in the sort order */
	uint32_t n_order;
	int core_row;		/* MODE_PATTERNS: the last row is the runtime core */
	uint32_t n_garbage;	/* garbage cycles of an */
};

static const enum action cycles_actions[] = { ACT_ENTER, ACT_SORT, ACT_REVERSE, ACT_RAW, ACT_NONE };

static const char *const sort_names[CYCLE_SORT_N] = {
	[CYCLE_SORT_RETAINED] = "retained size",
	[CYCLE_SORT_SIZE] = "members",
	[CYCLE_SORT_SHALLOW] = "shallow size",
};

static uint32_t cycle_at(const struct cycles_state *s, uint32_t i)
{
	return s->order[s->reverse ? s->n_order - 1 - i : i];
}

static uint32_t pattern_at(const struct cycles_state *s, uint32_t i)
{
	return s->reverse ? s->an->n_patterns - 1 - i : i;
}

/* The cycles listed: the sort order, kept to one pattern when asked. */
static void build(struct cycles_state *s, struct app *a)
{
	const uint32_t *o = model_cycle_order(a->m, s->raw, s->sort);
	uint32_t n = 0;

	s->an = model_cycles(a->m, s->raw);
	free(s->order);
	s->order = mem_alloc(((size_t)s->an->n_cycles + 1) * sizeof *s->order);
	for (uint32_t i = 0; i < s->an->n_cycles; i++)
		if (s->pattern == HEAP_NONE || s->an->cycles[o[i]].pattern == s->pattern)
			s->order[n++] = o[i];
	s->n_order = n;
	s->n_garbage = 0;
	for (uint32_t i = 0; i < s->an->n_cycles; i++)
		s->n_garbage += s->an->cycles[i].garbage;
	s->core_row = s->mode == MODE_PATTERNS && s->an->core.objects > 0;
	list_set_count(&s->l, s->mode == MODE_PATTERNS ? s->an->n_patterns + (uint32_t)s->core_row : n);
}

static void *cycles_create(struct app *a)
{
	struct cycles_state *s = mem_calloc(1, sizeof *s);

	(void)a;
	s->sort = CYCLE_SORT_RETAINED;
	s->pattern = HEAP_NONE;
	return s;
}

static void cycles_destroy(void *st)
{
	struct cycles_state *s = st;

	free(s->order);
	free(s);
}

static void cursor_to_cycle(struct cycles_state *s, uint32_t c)
{
	for (uint32_t i = 0; i < s->n_order; i++)
		if (cycle_at(s, i) == c) {
			list_set_cursor(&s->l, i);
			return;
		}
}

static void cycles_enter(void *st, struct app *a, uint64_t arg)
{
	struct cycles_state *s = st;
	const struct analysis *an;
	uint32_t c;

	s->raw = arg == CYCLES_RAW;
	s->mode = arg == CYCLES_PATTERNS ? MODE_PATTERNS : MODE_CYCLES;
	s->pattern = arg >= CYCLES_PATTERN ? (uint32_t)(arg - CYCLES_PATTERN) : HEAP_NONE;
	/* without patterns (a heap with no cycles), the plain list */
	if (s->mode == MODE_PATTERNS && a->m->an->n_patterns == 0)
		s->mode = MODE_CYCLES;
	build(s, a);
	an = s->an;
	c = a->cur != HEAP_NONE ? an->cycle[a->cur] : HEAP_NONE;
	if (c == HEAP_NONE)
		return;
	if (s->mode == MODE_CYCLES)
		cursor_to_cycle(s, c);
	else
		list_set_cursor(&s->l, s->reverse ? an->n_patterns - 1 - an->cycles[c].pattern :
						    an->cycles[c].pattern);
}

static void pattern_row(struct cycles_state *s, uint32_t i, WINDOW *w, int y, int cols, int sel)
{
	const struct analysis *an = s->an;
	char b[32];

	if (s->core_row && i == an->n_patterns) {
		draw_fill(w, y, 0, cols, row_attr(ROLE_DIM, sel));
		draw_str_right(w, y, 7, 9, draw_count(b, sizeof b, an->core.objects),
			       row_attr(ROLE_DIM, sel));
		draw_printf(w, y, 39, cols - 39, row_attr(ROLE_DIM, sel),
			    "runtime core (not the program's cycles): one raw component; R lists the raw graph's");
		return;
	}
	{
		uint32_t p = pattern_at(s, i);
		const struct analysis_pattern *pt = &an->patterns[p];
		const char *sig = analysis_pattern_signature(an, p);
		int x;

		draw_printf(w, y, 0, 6, row_attr(ROLE_DIM, sel), "%5u", p + 1);
		draw_str_right(w, y, 6, 7, draw_count(b, sizeof b, pt->instances), row_attr(ROLE_NORMAL, sel));
		draw_str_right(w, y, 14, 9, draw_count(b, sizeof b, pt->objects), row_attr(ROLE_NORMAL, sel));
		draw_str_right(w, y, 24, 10, draw_bytes(b, sizeof b, pt->retained), row_attr(ROLE_SIZE, sel));
		x = 35;
		x += draw_str(w, y, x, 4, pt->garbage == pt->instances ? "gc " : pt->garbage ? "gc+" : "   ",
			      row_attr(ROLE_GARBAGE, sel));
		draw_text(w, y, x, cols - x, sig, strlen(sig), row_attr(ROLE_NAME, sel));
	}
}

static void cycle_row(struct app *a, struct cycles_state *s, uint32_t i, WINDOW *w, int y, int cols,
		      int sel)
{
	uint32_t c = cycle_at(s, i);
	const struct analysis_cycle *cy = &s->an->cycles[c];
	char b[32];

	draw_printf(w, y, 0, 7, row_attr(ROLE_DIM, sel), "%6u", c + 1);
	draw_str_right(w, y, 7, 9, draw_count(b, sizeof b, cy->size), row_attr(ROLE_NORMAL, sel));
	draw_str_right(w, y, 17, 10, draw_bytes(b, sizeof b, cy->retained), row_attr(ROLE_SIZE, sel));
	draw_str_right(w, y, 28, 10, draw_bytes(b, sizeof b, cy->shallow), row_attr(ROLE_SIZE, sel));
	draw_str(w, y, 40, 8, cy->garbage ? "garbage" : "live", row_attr(cy->garbage ? ROLE_GARBAGE : ROLE_LIVE, sel));
	/* Held from outside, the holder names the cycle best; else the member
	 * it is entered at (tagged "cycle" like every member). */
	row_object_label(a, w, y, 48, cols - 48,
			 cy->holder != HEAP_NONE ? cy->holder : analysis_cycle_face(s->an, c), sel);
}

static void cycles_row(void *ctx, uint32_t i, WINDOW *w, int y, int cols, int sel)
{
	struct app *a = ((void **)ctx)[0];
	struct cycles_state *s = ((void **)ctx)[1];

	if (s->mode == MODE_PATTERNS)
		pattern_row(s, i, w, y, cols, sel);
	else
		cycle_row(a, s, i, w, y, cols, sel);
}

static void cycles_draw(void *st, struct app *a, WINDOW *w, int y0, int rows, int cols)
{
	struct cycles_state *s = st;
	void *ctx[2] = { a, s };
	attr_t h = screen_attr(ROLE_HEADER);
	const char *arrow = screen_glyph(s->reverse ? GLYPH_SORT_ASC : GLYPH_SORT_DESC);
	char lab[32];

	draw_fill(w, y0, 0, cols, h);
	if (s->mode == MODE_PATTERNS) {
		draw_str_right(w, y0, 0, 5, "pat.", h);
		draw_str_right(w, y0, 6, 7, "cycles", h);
		draw_str_right(w, y0, 14, 9, "objects", h);
		snprintf(lab, sizeof lab, "%sretained", arrow);
		draw_str_right(w, y0, 24, 10, lab, h);
		draw_str(w, y0, 39, cols - 39, "shape: types and references around the cycle", h);
	} else {
		draw_str_right(w, y0, 0, 6, "cycle", h);
		snprintf(lab, sizeof lab, "%smembers", s->sort == CYCLE_SORT_SIZE ? arrow : "");
		draw_str_right(w, y0, 7, 9, lab, h);
		snprintf(lab, sizeof lab, "%sretained", s->sort == CYCLE_SORT_RETAINED ? arrow : "");
		draw_str_right(w, y0, 17, 10, lab, h);
		snprintf(lab, sizeof lab, "%sshallow", s->sort == CYCLE_SORT_SHALLOW ? arrow : "");
		draw_str_right(w, y0, 28, 10, lab, h);
		draw_str(w, y0, 40, 8, "status", h);
		draw_str(w, y0, 48, cols - 48, "held by", h);
	}
	if (!s->l.count) {
		for (int y = y0 + 1; y < y0 + rows; y++)
			draw_fill(w, y, 0, cols, A_NORMAL);
		draw_str(w, y0 + 2, 2, cols - 4,
			 s->raw ? "No reference cycles in this heap." :
				  "No reference cycles among the program's objects (R: the raw graph's).",
			 screen_attr(ROLE_DIM));
		return;
	}
	list_draw(&s->l, w, y0 + 1, rows - 1, cols, cycles_row, ctx);
}

static int cycles_action(void *st, struct app *a, enum action act)
{
	struct cycles_state *s = st;
	int patterns = s->mode == MODE_PATTERNS;
	uint32_t c = !patterns && s->l.count ? cycle_at(s, s->l.cur) : 0;

	switch (act) {
	case ACT_SORT:
		if (patterns) {
			app_message(a, 0, "patterns are ranked by retained size (r reverses)");
			return 1;
		}
		s->sort = (enum cycle_sort)((s->sort + 1) % CYCLE_SORT_N);
		s->reverse = 0;
		build(s, a);
		if (s->l.count)
			cursor_to_cycle(s, c);
		app_message(a, 0, "sorted by %s", sort_names[s->sort]);
		return 1;
	case ACT_REVERSE:
		s->reverse = !s->reverse;
		if (!patterns && s->l.count)
			cursor_to_cycle(s, c);
		else if (patterns && s->l.count && s->l.cur < s->an->n_patterns)
			list_set_cursor(&s->l, s->an->n_patterns - 1 - s->l.cur);
		return 1;
	case ACT_RAW: {
		int to_raw = !s->raw;
		app_open(a, VIEW_CYCLES, to_raw ? CYCLES_RAW : CYCLES_PATTERNS);
		app_message(a, 0, to_raw ? "the raw graph's cycles: every retaining reference" :
					   "the program's cycles (the runtime's bookkeeping left out)");
		return 1;
	}
	case ACT_ENTER:
	case ACT_RIGHT:
		if (!s->l.count)
			return 1;
		if (patterns) {
			uint32_t p;
			if (s->core_row && s->l.cur == s->an->n_patterns) {
				app_open(a, VIEW_CYCLES, CYCLES_RAW);
				return 1;
			}
			p = pattern_at(s, s->l.cur);
			a->cur = analysis_cycle_face(s->an, s->an->patterns[p].example);
			app_open(a, VIEW_CYCLES, CYCLES_PATTERN + p);
			return 1;
		}
		if (a->cur == HEAP_NONE || s->an->cycle[a->cur] != c)
			a->cur = analysis_cycle_face(s->an, c);
		app_open(a, VIEW_CYCLE, c | (s->raw ? CYCLE_RAW : 0));
		return 1;
	default:
		return 0;
	}
}

static struct list *cycles_list(void *st)
{
	return &((struct cycles_state *)st)->l;
}

/* A pattern matches by its signature; a cycle when its face does. */
static int cycles_match(void *st, struct app *a, uint32_t i, const char *q)
{
	struct cycles_state *s = st;

	if (s->mode == MODE_PATTERNS) {
		const char *sig;
		if (i >= s->an->n_patterns)
			return 0;
		sig = analysis_pattern_signature(s->an, pattern_at(s, i));
		return row_contains(sig, strlen(sig), q);
	}
	return row_object_match(a, analysis_cycle_face(s->an, cycle_at(s, i)), q);
}

static heap_node_t cycles_object(void *st, struct app *a, uint32_t i)
{
	struct cycles_state *s = st;

	(void)a;
	if (s->mode == MODE_PATTERNS)
		return i < s->an->n_patterns ?
			       analysis_cycle_face(s->an, s->an->patterns[pattern_at(s, i)].example) :
			       HEAP_NONE;
	return analysis_cycle_face(s->an, cycle_at(s, i));
}

static void cycles_title(void *st, struct app *a, char *buf, size_t size)
{
	struct cycles_state *s = st;
	const struct analysis *an = s->an;
	char b1[32], b2[32];

	if (s->mode == MODE_PATTERNS)
		snprintf(buf, size, "Cycles of the program: %s cycle%s in %s pattern%s, by retained size%s",
			 draw_count(b1, sizeof b1, an->n_cycles), an->n_cycles == 1 ? "" : "s",
			 draw_count(b2, sizeof b2, an->n_patterns), an->n_patterns == 1 ? "" : "s",
			 s->reverse ? " (reversed)" : "");
	else if (s->pattern != HEAP_NONE)
		snprintf(buf, size, "Pattern %u: %s cycle%s; sorted by %s%s", s->pattern + 1,
			 draw_count(b1, sizeof b1, s->n_order), s->n_order == 1 ? "" : "s", sort_names[s->sort],
			 s->reverse ? " (reversed)" : "");
	else
		snprintf(buf, size, "%s: %s, %s garbage; sorted by %s%s",
			 s->raw ? "Cycles of the raw graph" : "Cycles", draw_count(b1, sizeof b1, an->n_cycles),
			 draw_count(b2, sizeof b2, s->n_garbage), sort_names[s->sort],
			 s->reverse ? " (reversed)" : "");
	(void)a;
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
