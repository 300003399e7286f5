/* One cycle: its members, the references among them and the references
 * entering it from outside (who keeps it alive, if anyone).  A small simple
 * cycle is drawn as a ring above the lists.  Enter follows the object on a
 * row: a member, the target of an internal reference, or the source of an
 * entering one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include "tui/view/app.h"
#include "tui/core/draw.h"
#include "tui/view/row.h"
#include "tui/core/screen.h"
#include "tui/view/view.h"

enum csec {
	CS_MEMBERS,
	CS_INTERNAL,
	CS_ENTERING,
	CS_N
};

enum {
	RING_MAX = 5,		/* largest cycle drawn as a ring */
	REF_EDGE_W = 16
};

struct cycle_state {
	struct list l;
	uint32_t c;
	int raw;		/* one of the raw graph's cycles */
	const struct analysis *an;
	int loaded;
	const heap_node_t *members;
	uint32_t n_members;
	struct analysis_ref *internal, *entering;
	uint32_t n_internal, n_entering;
	uint32_t start[CS_N + 1];
	heap_node_t ring[RING_MAX];
	uint32_t ring_edge[RING_MAX];	/* edge from ring[i] to ring[i+1 mod n] */
	uint32_t ring_len;		/* 0: not drawn */
};

static const char *const csec_names[CS_N] = {
	[CS_MEMBERS] = "Members",
	[CS_INTERNAL] = "References among the members",
	[CS_ENTERING] = "References entering the cycle (what keeps it alive)",
};

static const enum action cycle_actions[] = { ACT_ENTER, ACT_NONE };

static void *cycle_create(struct app *a)
{
	(void)a;
	return mem_calloc(1, sizeof(struct cycle_state));
}

static void cycle_destroy(void *st)
{
	struct cycle_state *s = st;

	free(s->internal);
	free(s->entering);
	free(s);
}

static uint32_t sec_rows(const struct cycle_state *s, enum csec k)
{
	uint32_t n = k == CS_MEMBERS ? s->n_members : k == CS_INTERNAL ? s->n_internal : s->n_entering;

	return n ? n : 1;
}

/* The ring drawn above the lists: a shortest walk around the cycle from
 * its face (analysis_cycle_face()), when it has at most
 * RING_MAX steps: the whole cycle for a simple one, one way around for
 * the others. */
static void find_ring(struct cycle_state *s)
{
	heap_node_t start = analysis_cycle_face(s->an, s->c);
	struct analysis_ref ring[RING_MAX];
	uint32_t k = analysis_cycle_ring(s->an, s->c, start, ring, RING_MAX);

	s->ring_len = 0;
	if (k == 0 || k > RING_MAX)
		return;
	for (uint32_t i = 0; i < k; i++) {
		s->ring[i] = ring[i].from;
		s->ring_edge[i] = ring[i].edge;
	}
	s->ring_len = k;
}

static void cycle_enter(void *st, struct app *a, uint64_t arg)
{
	struct cycle_state *s = st;
	int raw = (arg & CYCLE_RAW) != 0;
	const struct analysis *an = model_cycles(a->m, raw);
	uint32_t c = (uint32_t)arg;

	if (c >= an->n_cycles)
		c = 0;
	if (!s->loaded || c != s->c || raw != s->raw) {
		const struct analysis_cycle *cy = &an->cycles[c];
		free(s->internal);
		free(s->entering);
		s->c = c;
		s->raw = raw;
		s->an = an;
		s->loaded = 1;
		s->members = an->members + cy->members;
		s->n_members = cy->size;
		s->internal = mem_alloc(((size_t)cy->n_internal + 1) * sizeof *s->internal);
		s->n_internal = analysis_cycle_internal(an, c, s->internal);
		s->entering = mem_alloc(((size_t)cy->n_entering + 1) * sizeof *s->entering);
		s->n_entering = analysis_cycle_entering(an, c, s->entering);
		s->start[0] = 0;
		for (int k = 0; k < CS_N; k++)
			s->start[k + 1] = s->start[k] + 1 + sec_rows(s, (enum csec)k);
		s->l.cur = 1;
		s->l.top = 0;
		list_set_count(&s->l, s->start[CS_N]);
		find_ring(s);
	}
	if (a->cur != HEAP_NONE)
		for (uint32_t i = 0; i < s->n_members; i++)
			if (s->members[i] == a->cur) {
				list_set_cursor(&s->l, 1 + i);
				break;
			}
}

static enum csec locate(const struct cycle_state *s, uint32_t i, int64_t *k)
{
	int sec = CS_N - 1;

	while (sec > 0 && i < s->start[sec])
		sec--;
	*k = (int64_t)i - s->start[sec] - 1;
	return (enum csec)sec;
}

static heap_node_t target(const struct cycle_state *s, uint32_t i)
{
	int64_t k;
	enum csec sec = locate(s, i, &k);

	if (k < 0)
		return HEAP_NONE;
	if (sec == CS_MEMBERS)
		return (uint64_t)k < s->n_members ? s->members[k] : HEAP_NONE;
	if (sec == CS_INTERNAL)
		return (uint64_t)k < s->n_internal ? s->internal[k].to : HEAP_NONE;
	return (uint64_t)k < s->n_entering ? s->entering[k].from : HEAP_NONE;
}

static void ref_row(struct app *a, WINDOW *w, int y, int cols, const struct analysis_ref *r, int sel)
{
	char b[256];
	const char *kind = row_edge_kind(heap_out_kind(a->h, r->edge));
	int half = (cols - REF_EDGE_W - 4) / 2, x;

	x = 2 + row_object_label(a, w, y, 2, half, r->from, sel);
	x += draw_str(w, y, x, 1, " ", row_attr(ROLE_NORMAL, sel));
	row_edge_name(a->h, r->edge, b, sizeof b);
	x += draw_text(w, y, x, REF_EDGE_W, b, strlen(b), row_attr(ROLE_NAME, sel));
	if (*kind)
		x += draw_printf(w, y, x, 10, row_attr(ROLE_WEAK, sel), " (%s)", kind);
	x += draw_printf(w, y, x, 3, row_attr(ROLE_DIM, sel), " %s ", screen_glyph(GLYPH_ARROW_RIGHT));
	row_object_label(a, w, y, x, cols - x, r->to, sel);
}

static void cycle_row(void *ctx, uint32_t i, WINDOW *w, int y, int cols, int sel)
{
	struct app *a = ((void **)ctx)[0];
	struct cycle_state *s = ((void **)ctx)[1];
	int64_t k;
	enum csec sec = locate(s, i, &k);
	char b[64], cnt[32];

	if (k < 0) {
		uint32_t n = sec == CS_MEMBERS ? s->n_members : sec == CS_INTERNAL ? s->n_internal : s->n_entering;
		snprintf(b, sizeof b, " (%s)", draw_count(cnt, sizeof cnt, n));
		k = draw_str(w, y, 0, cols, csec_names[sec], row_attr(ROLE_HEADER, sel));
		draw_str(w, y, (int)k, cols - (int)k, b, row_attr(ROLE_HEADER, sel));
		return;
	}
	if (sec == CS_MEMBERS) {
		if (s->n_members)
			row_object(a, w, y, 0, cols, s->members[k], sel);
	} else if (sec == CS_INTERNAL) {
		if (s->n_internal)
			ref_row(a, w, y, cols, &s->internal[k], sel);
	} else if (s->n_entering) {
		ref_row(a, w, y, cols, &s->entering[k], sel);
	} else {
		draw_str(w, y, 2, cols - 2, "(none: nothing outside refers to the cycle)", row_attr(ROLE_DIM, sel));
	}
}

/* The ring, 2 lines per member. */
static int draw_ring(struct cycle_state *s, struct app *a, WINDOW *w, int y, int cols)
{
	int u = screen_utf8();
	const char *top = u ? "\xe2\x95\xad\xe2\x94\x80\xe2\x96\xb6 " : "+-> ";
	const char *side = u ? "\xe2\x94\x82   " : "|   ";
	const char *down = u ? "\xe2\x86\x93" : "v";
	const char *bottom = u ? "\xe2\x95\xb0\xe2\x94\x80\xe2\x94\x80\xe2\x94\x80" : "+---";
	char b[256];

	for (uint32_t i = 0; i < s->ring_len; i++) {
		int x = 2;
		draw_fill(w, y, 0, cols, A_NORMAL);
		x += draw_str(w, y, x, 4, i == 0 ? top : side, screen_attr(ROLE_BAR));
		row_object_label(a, w, y, x, cols - x, s->ring[i], 0);
		y++;
		draw_fill(w, y, 0, cols, A_NORMAL);
		x = 2;
		row_edge_name(a->h, s->ring_edge[i], b, sizeof b);
		if (i + 1 < s->ring_len) {
			x += draw_str(w, y, x, 4, side, screen_attr(ROLE_BAR));
			x += draw_printf(w, y, x, 3, screen_attr(ROLE_BAR), " %s ", down);
		} else {
			x += draw_str(w, y, x, 4, bottom, screen_attr(ROLE_BAR));
			x += draw_str(w, y, x, 3, " ", A_NORMAL);
		}
		draw_text(w, y, x, cols - x, b[0] ? b : "(unnamed)", strlen(b[0] ? b : "(unnamed)"),
			  screen_attr(ROLE_NAME));
		y++;
	}
	return (int)s->ring_len * 2;
}

static void cycle_draw(void *st, struct app *a, WINDOW *w, int y0, int rows, int cols)
{
	struct cycle_state *s = st;
	const struct analysis_cycle *cy = &s->an->cycles[s->c];
	void *ctx[2] = { a, s };
	char b1[32], b2[32];
	int y = y0, x;

	draw_fill(w, y, 0, cols, A_NORMAL);
	draw_printf(w, y++, 1, cols - 2, screen_attr(cy->garbage ? ROLE_GARBAGE : ROLE_LIVE),
		    "%s: %u objects, %s shallow, %s retained as a group%s", cy->garbage ? "GARBAGE cycle" : "Live cycle",
		    cy->size, draw_bytes(b1, sizeof b1, cy->shallow), draw_bytes(b2, sizeof b2, cy->retained),
		    cy->garbage ? "; no root reaches it" : "");
	if (cy->pattern != HEAP_NONE && rows > 12) {
		const char *sig = analysis_pattern_signature(s->an, cy->pattern);
		draw_fill(w, y, 0, cols, A_NORMAL);
		uint32_t n = s->an->patterns[cy->pattern].instances;
		x = 1 + draw_printf(w, y, 1, cols - 2, screen_attr(ROLE_DIM), "pattern %u (%s cycle%s): ",
				    cy->pattern + 1, draw_count(b1, sizeof b1, n), n == 1 ? "" : "s");
		draw_text(w, y++, x, cols - x - 1, sig, strlen(sig), screen_attr(ROLE_NAME));
	}
	if (cy->holder != HEAP_NONE && s->an->cycle[cy->holder] != s->c && rows > 12) {
		draw_fill(w, y, 0, cols, A_NORMAL);
		x = 1 + draw_str(w, y, 1, cols - 2, "held by ", screen_attr(ROLE_DIM));
		row_object_label(a, w, y++, x, cols - x, cy->holder, 0);
	}
	if (s->ring_len && y0 + rows - y - 2 * (int)s->ring_len >= 8)
		y += draw_ring(s, a, w, y, cols);
	list_draw(&s->l, w, y, y0 + rows - y, cols, cycle_row, ctx);
}

static int cycle_action(void *st, struct app *a, enum action act)
{
	struct cycle_state *s = st;
	heap_node_t t;

	if (act != ACT_ENTER && act != ACT_RIGHT)
		return 0;
	t = s->l.count ? target(s, s->l.cur) : HEAP_NONE;
	if (t == HEAP_NONE) {
		app_message(a, 0, "nothing to follow on this row");
		return 1;
	}
	a->cur = t;
	app_open(a, VIEW_OBJECT, t);
	return 1;
}

static struct list *cycle_list(void *st)
{
	return &((struct cycle_state *)st)->l;
}

static int cycle_match(void *st, struct app *a, uint32_t i, const char *q)
{
	heap_node_t t = target(st, i);

	return t != HEAP_NONE && row_object_match(a, t, q);
}

static heap_node_t cycle_object(void *st, struct app *a, uint32_t i)
{
	(void)a;
	return target(st, i);
}

static void cycle_title(void *st, struct app *a, char *buf, size_t size)
{
	struct cycle_state *s = st;

	(void)a;
	snprintf(buf, size, "%s %u", s->raw ? "Raw cycle" : "Cycle", s->c + 1);
}

const struct view_ops view_cycle = {
	.name = "cycle",
	.actions = cycle_actions,
	.create = cycle_create,
	.destroy = cycle_destroy,
	.enter = cycle_enter,
	.draw = cycle_draw,
	.action = cycle_action,
	.list = cycle_list,
	.match = cycle_match,
	.object = cycle_object,
	.title = cycle_title,
};
