/* Overview: totals, reachable against unreachable, cycles, generation
 * bars, then the largest objects by retained size (a list: Enter inspects,
 * / searches it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include "tui/view/app.h"
#include "tui/core/draw.h"
#include "tui/view/row.h"
#include "tui/core/screen.h"
#include "tui/view/view.h"

struct overview_state {
	struct list l;
};

static const enum action overview_actions[] = { ACT_ENTER, ACT_NONE };

enum {
	LABEL_W = 13
};

static void *overview_create(struct app *a)
{
	struct overview_state *s = mem_calloc(1, sizeof *s);

	s->l.count = a->m->n_top;
	return s;
}

static void overview_destroy(void *st)
{
	free(st);
}

static void overview_enter(void *st, struct app *a, uint64_t arg)
{
	struct overview_state *s = st;

	(void)arg;
	list_set_count(&s->l, a->m->n_top);
}

static void overview_row(void *ctx, uint32_t i, WINDOW *w, int y, int cols, int sel)
{
	struct app *a = ctx;

	row_object(a, w, y, 0, cols, a->m->top[i], sel);
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* The generation bars: one line per known generation present. */
static int draw_gens(struct app *a, WINDOW *w, int y, int cols, int max_lines)
{
	const struct model *m = a->m;
	uint64_t most = 1;
	int lines = 0;

	for (int g = 0; g < 255; g++)
		if (m->gen_count[g] > most)
			most = m->gen_count[g];
	for (int g = 0; g < 255 && lines < max_lines; g++) {
		char c[32], b[32], lab[32];
		int bw = cols - LABEL_W - 36;
		if (!m->gen_count[g])
			continue;
		snprintf(lab, sizeof lab, "  gen %d", g);
		draw_fill(w, y + lines, 0, cols, A_NORMAL);
		draw_str(w, y + lines, 0, LABEL_W, lab, screen_attr(ROLE_NORMAL));
		draw_str_right(w, y + lines, LABEL_W, 11, draw_count(c, sizeof c, m->gen_count[g]), screen_attr(ROLE_NORMAL));
		draw_str_right(w, y + lines, LABEL_W + 12, 10, draw_bytes(b, sizeof b, m->gen_bytes[g]), screen_attr(ROLE_SIZE));
		if (bw > 4)
			draw_bar(w, y + lines, LABEL_W + 24, bw, (double)m->gen_count[g] / (double)most, screen_attr(ROLE_BAR));
		lines++;
	}
	return lines;
}

static void overview_draw(void *st, struct app *a, WINDOW *w, int y0, int rows, int cols)
{
	struct overview_state *s = st;
	const struct heap *h = a->h;
	const struct model *m = a->m;
	char b1[32], b2[32], b3[32], b4[32], b5[32];
	attr_t lab = screen_attr(ROLE_HEADER);
	uint64_t garbage = m->an->unreachable_objects;
	int y = y0, gl;

	for (int i = 0; i < 6; i++)
		draw_fill(w, y0 + i, 0, cols, A_NORMAL);
	draw_str(w, y, 1, LABEL_W, "Objects", lab);
	draw_printf(w, y++, LABEL_W + 1, cols - LABEL_W - 1, screen_attr(ROLE_NORMAL),
		    "%s objects, %s shallow, %s references, %s %s",
		    draw_count(b1, sizeof b1, h->n_nodes), draw_bytes(b2, sizeof b2, h->total_size),
		    draw_count(b3, sizeof b3, h->n_edges), draw_count(b4, sizeof b4, m->an->n_roots), m->an->n_roots == 1 ? "root" : "roots");
	draw_str(w, y, 1, LABEL_W, "Reachable", lab);
	draw_printf(w, y++, LABEL_W + 1, cols - LABEL_W - 1, screen_attr(ROLE_LIVE),
		    "%s objects (%.1f%%), %s", draw_count(b1, sizeof b1, m->an->reachable_objects),
		    pct(m->an->reachable_objects, h->n_nodes), draw_bytes(b2, sizeof b2, m->an->reachable_bytes));
	draw_str(w, y, 1, LABEL_W, "Unreachable", lab);
	if (m->collectable_known && garbage)
		/* one word, one number: the collectable ones are named apart */
		draw_printf(w, y++, LABEL_W + 1, cols - LABEL_W - 1, screen_attr(ROLE_GARBAGE),
			    "%s objects (%.1f%%), %s; gc.collect() frees %s of them (u)",
			    draw_count(b1, sizeof b1, garbage), pct(garbage, h->n_nodes),
			    draw_bytes(b2, sizeof b2, m->an->unreachable_bytes),
			    draw_count(b3, sizeof b3, m->collectable));
	else
		draw_printf(w, y++, LABEL_W + 1, cols - LABEL_W - 1, screen_attr(garbage ? ROLE_GARBAGE : ROLE_NORMAL),
			    "%s objects (%.1f%%), %s%s", draw_count(b1, sizeof b1, garbage), pct(garbage, h->n_nodes),
			    draw_bytes(b2, sizeof b2, m->an->unreachable_bytes),
			    m->an->n_roots ? (garbage ? "  garbage: u lists it" : "")
				       : "  (no roots: the snapshot names none)");
	draw_str(w, y, 1, LABEL_W, "Cycles", lab);
	draw_printf(w, y++, LABEL_W + 1, cols - LABEL_W - 1,
			    screen_attr(m->garbage_cycles ? ROLE_GARBAGE : ROLE_NORMAL),
			    "%s cycle%s in %s pattern%s, %s garbage (%s objects)%s%s%s",
			    draw_count(b1, sizeof b1, m->an->n_cycles), m->an->n_cycles == 1 ? "" : "s",
			    draw_count(b4, sizeof b4, m->an->n_patterns), m->an->n_patterns == 1 ? "" : "s",
			    draw_count(b2, sizeof b2, m->garbage_cycles), draw_count(b3, sizeof b3, m->garbage_cycle_objects),
			    m->an->core.objects ? "; runtime core " : "",
			    m->an->core.objects ? draw_count(b5, sizeof b5, m->an->core.objects) : "",
			    m->an->core.objects ? " objects" : "");
	draw_str(w, y, 1, LABEL_W, "Generations", lab);
	if (h->max_generation == HEAP_GEN_UNKNOWN) {
		draw_str(w, y++, LABEL_W + 1, cols - LABEL_W - 1, "unknown (the format has none)", screen_attr(ROLE_DIM));
	} else {
		draw_printf(w, y++, LABEL_W + 1, cols - LABEL_W - 1, screen_attr(ROLE_NORMAL),
			    "%s references from older to younger generations",
			    draw_count(b4, sizeof b4, m->gens.old_to_young));
		gl = draw_gens(a, w, y, cols, 4);
		y += gl;
	}
	draw_fill(w, y, 0, cols, A_NORMAL);
	y++;
	if (y + 3 > y0 + rows)
		y = y0 + rows - 3;
	draw_fill(w, y, 0, cols, screen_attr(ROLE_HEADER));
	draw_str(w, y++, 1, cols - 1, "Largest objects by retained size (what each alone keeps alive)",
		 screen_attr(ROLE_HEADER));
	row_object_header(w, y++, 0, cols);
	list_draw(&s->l, w, y, y0 + rows - y, cols, overview_row, a);
}

static struct list *overview_list(void *st)
{
	return &((struct overview_state *)st)->l;
}

static int overview_match(void *st, struct app *a, uint32_t i, const char *q)
{
	(void)st;
	return row_object_match(a, a->m->top[i], q);
}

static heap_node_t overview_object(void *st, struct app *a, uint32_t i)
{
	(void)st;
	return i < a->m->n_top ? a->m->top[i] : HEAP_NONE;
}

static void overview_title(void *st, struct app *a, char *buf, size_t size)
{
	(void)st;
	const char *base = strrchr(a->path, '/');

	/* the base name: what the user typed may be a long path */
	while (base && !base[1] && base > a->path) {
		const char *p = base - 1;
		while (p > a->path && *p != '/')
			p--;
		base = *p == '/' ? p : NULL;
		if (!base)
			break;
	}
	snprintf(buf, size, "Overview of %s (%s)", base ? base + 1 : a->path, a->h->format ? a->h->format : "?");
}

const struct view_ops view_overview = {
	.name = "overview",
	.tab = "Overview",
	.tab_action = ACT_VIEW_OVERVIEW,
	.actions = overview_actions,
	.create = overview_create,
	.destroy = overview_destroy,
	.enter = overview_enter,
	.draw = overview_draw,
	.list = overview_list,
	.match = overview_match,
	.object = overview_object,
	.title = overview_title,
};
