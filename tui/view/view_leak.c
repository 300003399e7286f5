/* One leak cluster of the comparison (graph/diff.h), whole: its trace from
 * a root to the accumulation point, one step a row with the reference's
 * name, the reference by which the point holds the new objects, what they
 * are (by type), and a sample.  Enter on a step or the sample inspects that
 * object; on a type lists the type's new objects.  Tab jumps between the
 * sections; headings take no cursor. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/diff.h"
#include "graph/core/mem.h"
#include "tui/view/app.h"
#include "tui/core/draw.h"
#include "tui/view/row.h"
#include "tui/core/screen.h"
#include "tui/view/view.h"

enum lrow_kind {
	L_HEAD,		/* i: the section */
	L_STEP,		/* i: index into path */
	L_HELD,		/* the reference from the point to the sample */
	L_TYPE,		/* i: index into the cluster's types */
	L_SAMPLE
};

enum {
	SEC_TRACE,
	SEC_TYPES,
	SEC_SAMPLE,
	SEC_N,
	HEAD_LINES = 2
};

struct lrow {
	uint8_t kind;
	uint32_t i;
};

struct leak_state {
	struct list l;
	uint32_t leak;			/* index into the diff's leaks, HEAP_NONE: none */
	struct reach_step *path;	/* root first, the accumulation point last */
	uint32_t path_len;
	struct lrow *rows;
	uint32_t n;
	uint32_t head[SEC_N];
};

static const enum action leak_actions[] = { ACT_ENTER, ACT_SECTION, ACT_NONE };

static void *leak_create(struct app *a)
{
	struct leak_state *s = mem_calloc(1, sizeof *s);

	(void)a;
	s->leak = HEAP_NONE;
	return s;
}

static void leak_destroy(void *st)
{
	struct leak_state *s = st;

	free(s->path);
	free(s->rows);
	free(s);
}

static int is_head(void *ctx, uint32_t i)
{
	const struct leak_state *s = ctx;

	return s->rows[i].kind == L_HEAD;
}

static void build(struct leak_state *s, const struct diff *d, uint32_t i)
{
	const struct diff_leak *l = &d->leaks[i];
	uint32_t n = 0;

	free(s->path);
	s->leak = i;
	s->path_len = diff_leak_path(d, i, NULL, 0);
	s->path = mem_alloc(((size_t)s->path_len + 1) * sizeof *s->path);
	diff_leak_path(d, i, s->path, s->path_len);
	s->rows = mem_realloc_array(s->rows, (size_t)s->path_len + l->n_types + SEC_N + 3, sizeof *s->rows);
	s->head[SEC_TRACE] = n;
	s->rows[n++] = (struct lrow){ .kind = L_HEAD, .i = SEC_TRACE };
	for (uint32_t k = 0; k < s->path_len; k++)
		s->rows[n++] = (struct lrow){ .kind = L_STEP, .i = k };
	s->rows[n++] = (struct lrow){ .kind = L_HELD };
	s->head[SEC_TYPES] = n;
	s->rows[n++] = (struct lrow){ .kind = L_HEAD, .i = SEC_TYPES };
	for (uint32_t k = 0; k < l->n_types; k++)
		s->rows[n++] = (struct lrow){ .kind = L_TYPE, .i = k };
	s->head[SEC_SAMPLE] = n;
	s->rows[n++] = (struct lrow){ .kind = L_HEAD, .i = SEC_SAMPLE };
	s->rows[n++] = (struct lrow){ .kind = L_SAMPLE };
	s->n = n;
	s->l.top = 0;
	list_set_count(&s->l, n);
	/* on the accumulation point: the object that names the leak */
	list_set_cursor_skip(&s->l, s->path_len ? s->path_len : 1, is_head, s);
}

static void leak_enter(void *st, struct app *a, uint64_t arg)
{
	struct leak_state *s = st;

	if (!a->diff || arg >= a->diff->n_leaks) {
		s->n = 0;
		list_set_count(&s->l, 0);
		return;
	}
	if (s->leak != (uint32_t)arg || !s->n)
		build(s, a->diff, (uint32_t)arg);
}

/* The object on row i, and the reference that leads to it (HEAP_NONE if
 * none). */
static heap_node_t row_target(const struct leak_state *s, const struct diff *d, uint32_t i, uint32_t *edge)
{
	const struct diff_leak *l = &d->leaks[s->leak];
	const struct lrow *r = &s->rows[i];

	*edge = HEAP_NONE;
	switch (r->kind) {
	case L_STEP:
		*edge = s->path[r->i].edge;
		return s->path[r->i].node;
	case L_HELD:
		*edge = l->held_edge;
		return l->held_edge != HEAP_NONE ? d->new->heap->out_to[l->held_edge] : l->sample;
	case L_SAMPLE:
		return l->sample;
	default:
		return HEAP_NONE;
	}
}

enum {
	EDGE_W = 22
};

static void leak_row(void *ctx, uint32_t i, WINDOW *w, int y, int cols, int sel)
{
	struct app *a = ((void **)ctx)[0];
	struct leak_state *s = ((void **)ctx)[1];
	const struct diff *d = a->diff;
	const struct diff_leak *l = &d->leaks[s->leak];
	const struct lrow *r = &s->rows[i];
	const struct heap *h = a->h;
	char b[256], c1[32], c2[32];
	uint32_t edge;
	heap_node_t t;

	if (r->kind == L_HEAD) {
		attr_t at = row_attr(ROLE_HEADER, sel);
		draw_fill(w, y, 0, cols, at);
		if (r->i == SEC_TRACE)
			draw_printf(w, y, 0, cols, at, "Trace from a root to what holds them (%s steps)",
				    draw_count(c1, sizeof c1, s->path_len ? s->path_len - 1 : 0));
		else if (r->i == SEC_TYPES)
			draw_printf(w, y, 0, cols, at, "What it holds more of (%u types; Enter: the new objects)", l->n_types);
		else
			draw_str(w, y, 0, cols, "A sample", at);
		return;
	}
	if (r->kind == L_TYPE) {
		const struct diff_leak_type *ty = &d->leak_types[l->types + r->i];
		char cnt[32], by[32];
		uint64_t m = ty->bytes < 0 ? (uint64_t)0 - (uint64_t)ty->bytes : (uint64_t)ty->bytes;
		snprintf(cnt, sizeof cnt, "%s%s", ty->count > 0 ? "+" : ty->count < 0 ? "-" : "",
			 draw_count(c1, sizeof c1, ty->count < 0 ? (uint64_t)0 - (uint64_t)ty->count : (uint64_t)ty->count));
		snprintf(by, sizeof by, "%s%s", ty->bytes > 0 ? "+" : ty->bytes < 0 ? "-" : "", draw_bytes(c2, sizeof c2, m));
		draw_str_right(w, y, 1, 10, cnt, row_attr(ROLE_NORMAL, sel));
		draw_str_right(w, y, 12, 12, by, row_attr(ROLE_SIZE, sel));
		draw_str(w, y, 26, cols - 27, heap_string(h, ty->type, NULL), row_attr(ROLE_TYPE, sel));
		return;
	}
	t = row_target(s, d, i, &edge);
	if (t == HEAP_NONE)
		return;
	if (edge != HEAP_NONE) {
		int x = 2;
		if (r->kind == L_HELD) {
			/* the held reference stands for many: an element is "[]" */
			row_edge_name(h, edge, b, sizeof b);
			if (b[0] == '[' || (h->out_off[l->point + 1] - h->out_off[l->point] > DIFF_WIDE))
				snprintf(b, sizeof b, "[]");
			x += draw_str(w, y, x, 3, "  ", row_attr(ROLE_DIM, sel));
		} else {
			row_edge_name(h, edge, b, sizeof b);
		}
		draw_text(w, y, x, EDGE_W - x - 1, b, strlen(b), row_attr(ROLE_NAME, sel));
	} else if (r->kind == L_STEP) {
		draw_str(w, y, 2, EDGE_W - 2, "(root)", row_attr(ROLE_ROOT, sel));
	} else {
		draw_str(w, y, 2, EDGE_W - 2, "e.g.", row_attr(ROLE_DIM, sel));
	}
	if (r->kind == L_HELD) {
		/* the objects held, not one of them */
		int x = EDGE_W;
		char types[512];
		view_diff_leak_types(d, s->leak, types, sizeof types);
		x += draw_printf(w, y, x, cols - x, row_attr(ROLE_NORMAL, sel), "%s objects, ",
				 draw_count(c1, sizeof c1, l->count > 0 ? (uint64_t)l->count : 0));
		draw_text(w, y, x, cols - x, types, strlen(types), row_attr(ROLE_TYPE, sel));
		return;
	}
	row_object(a, w, y, EDGE_W, cols - EDGE_W, t, sel);
	if (r->kind == L_STEP && r->i + 1 == s->path_len)
		draw_str(w, y, 0, 1, ">", row_attr(ROLE_GARBAGE, sel) | A_BOLD);
}

static void leak_draw(void *st, struct app *a, WINDOW *w, int y0, int rows, int cols)
{
	struct leak_state *s = st;
	void *ctx[2] = { a, s };
	const struct diff *d = a->diff;
	char where[512], b1[32], b2[32];

	for (int k = 0; k < HEAD_LINES; k++)
		draw_fill(w, y0 + k, 0, cols, A_NORMAL);
	if (!d || s->leak == HEAP_NONE || !s->n) {
		draw_str(w, y0, 1, cols - 1, "No leak cluster here.", screen_attr(ROLE_DIM));
		return;
	}
	{
		const struct diff_leak *l = &d->leaks[s->leak];
		uint64_t m = l->retained_delta < 0 ? (uint64_t)0 - (uint64_t)l->retained_delta : (uint64_t)l->retained_delta;
		diff_leak_access(d, s->leak, where, sizeof where);
		draw_text(w, y0, 1, cols - 1, where, strlen(where), screen_attr(ROLE_NAME) | A_BOLD);
		draw_printf(w, y0 + 1, 1, cols - 1, screen_attr(ROLE_NORMAL),
			    "%s%s objects, %s%s more, held by the object marked > (%s)",
			    l->count >= 0 ? "+" : "-", draw_count(b1, sizeof b1, l->count >= 0 ? (uint64_t)l->count
									  : (uint64_t)0 - (uint64_t)l->count),
			    l->retained_delta >= 0 ? "+" : "-", draw_bytes(b2, sizeof b2, m),
			    d->matched_by == DIFF_BY_ID ? "new since OLD" : "more than in OLD");
	}
	list_draw(&s->l, w, y0 + HEAD_LINES, rows - HEAD_LINES, cols, leak_row, ctx);
}

static int leak_action(void *st, struct app *a, enum action act)
{
	struct leak_state *s = st;
	const struct diff *d = a->diff;
	const struct lrow *r;
	uint32_t edge;
	heap_node_t t;

	if (!d || !s->n)
		return 0;
	if (list_move_skip(&s->l, act, is_head, s))
		return 1;
	if (act == ACT_SECTION || act == ACT_SECTION_BACK) {
		uint32_t sec = s->l.cur >= s->head[SEC_SAMPLE] ? SEC_SAMPLE : s->l.cur >= s->head[SEC_TYPES] ? SEC_TYPES
			       : SEC_TRACE;
		sec = act == ACT_SECTION ? (sec + 1) % SEC_N : (sec + SEC_N - 1) % SEC_N;
		list_set_cursor_skip(&s->l, s->head[sec] + 1, is_head, s);
		return 1;
	}
	if (act != ACT_ENTER && act != ACT_RIGHT)
		return 0;
	r = &s->rows[s->l.cur];
	if (r->kind == L_TYPE) {
		heap_str_t ty = d->leak_types[d->leaks[s->leak].types + r->i].type;
		for (uint32_t k = 0; k < a->m->n_types; k++)
			if (a->m->types[k].name == ty) {
				app_open(a, VIEW_OBJECTS, (uint64_t)(d->fresh ? OBJECTS_NEW : OBJECTS_TYPE) << 32 | k);
				return 1;
			}
		return 1;
	}
	t = row_target(s, d, s->l.cur, &edge);
	if (t == HEAP_NONE)
		return 1;
	a->cur = t;
	app_open(a, VIEW_OBJECT, t);
	return 1;
}

static struct list *leak_list(void *st)
{
	return &((struct leak_state *)st)->l;
}

static int leak_match(void *st, struct app *a, uint32_t i, const char *q)
{
	struct leak_state *s = st;
	uint32_t edge;
	heap_node_t t = row_target(s, a->diff, i, &edge);

	return t != HEAP_NONE && row_ref_match(a, edge, t, q);
}

static heap_node_t leak_object(void *st, struct app *a, uint32_t i)
{
	struct leak_state *s = st;
	uint32_t edge;

	if (!a->diff || i >= s->n)
		return HEAP_NONE;
	return row_target(s, a->diff, i, &edge);
}

static void leak_title(void *st, struct app *a, char *buf, size_t size)
{
	struct leak_state *s = st;

	if (!a->diff || s->leak == HEAP_NONE)
		snprintf(buf, size, "Leak");
	else
		snprintf(buf, size, "Leak %u of %u", s->leak + 1, a->diff->n_leaks);
}

const struct view_ops view_leak = {
	.name = "leak",
	.tab = NULL,
	.tab_action = ACT_NONE,
	.actions = leak_actions,
	.create = leak_create,
	.destroy = leak_destroy,
	.enter = leak_enter,
	.draw = leak_draw,
	.action = leak_action,
	.list = leak_list,
	.match = leak_match,
	.object = leak_object,
	.title = leak_title,
};
