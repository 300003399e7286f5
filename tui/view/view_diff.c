/* Comparison (heapglass OLD NEW): what changed from OLD to the heap being
 * viewed (NEW), from graph/diff.h: the types that changed, the groups of
 * new objects still alive with the retainer path that keeps them, and the
 * cycles that appeared.  Enter on a type lists its objects in NEW, on a
 * group opens its sample object, on a cycle opens the cycle.  Not a tab:
 * it opens first, and Backspace / ] move between it and the other views. */
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

enum row_kind {
	R_HEAD,
	R_TYPE,
	R_GROUP,
	R_CYCLE,
	R_NOTE
};

struct drow {
	uint8_t kind;
	uint32_t i;	/* index into the diff's types / groups / cycles; R_HEAD: section */
};

struct diff_state {
	struct list l;
	struct drow *rows;
};

static const enum action diff_actions[] = { ACT_ENTER, ACT_NONE };

static const char *const heads[] = {
	"Types that changed        count      shallow     retained",
	"New objects still alive, by type and the path that keeps them",
	"Cycles that appeared",
};

static void *diff_create(struct app *a)
{
	struct diff_state *s = mem_calloc(1, sizeof *s);
	const struct diff *d = a->diff;
	size_t n = 0;

	if (!d) {
		s->rows = mem_alloc(sizeof *s->rows);
		s->rows[0] = (struct drow){ .kind = R_NOTE };
		s->l.count = 1;
		return s;
	}
	s->rows = mem_alloc(((size_t)d->n_types + d->n_groups + d->n_cycles + 6) * sizeof *s->rows);
	s->rows[n++] = (struct drow){ .kind = R_HEAD, .i = 0 };
	for (uint32_t i = 0; i < d->n_types; i++)
		s->rows[n++] = (struct drow){ .kind = R_TYPE, .i = i };
	s->rows[n++] = (struct drow){ .kind = R_HEAD, .i = 1 };
	for (uint32_t i = 0; i < d->n_groups; i++)
		s->rows[n++] = (struct drow){ .kind = R_GROUP, .i = i };
	s->rows[n++] = (struct drow){ .kind = R_HEAD, .i = 2 };
	for (uint32_t i = 0; i < d->n_cycles; i++)
		s->rows[n++] = (struct drow){ .kind = R_CYCLE, .i = i };
	s->l.count = (uint32_t)n;
	s->l.cur = d->n_types ? 1 : 0;
	return s;
}

static void diff_destroy(void *st)
{
	struct diff_state *s = st;

	if (!s)
		return;
	free(s->rows);
	free(s);
}

static void diff_enter(void *st, struct app *a, uint64_t arg)
{
	(void)st;
	(void)a;
	(void)arg;
}

static const char *signed_count(int64_t v, char *buf, size_t size)
{
	snprintf(buf, size, "%+" PRId64, v);
	return buf;
}

static const char *signed_bytes(int64_t v, char *buf, size_t size)
{
	char tmp[32];
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	draw_bytes(tmp, sizeof tmp, m);
	snprintf(buf, size, "%s%s", v > 0 ? "+" : v < 0 ? "-" : "", tmp);
	return buf;
}

/* "... dict -cache-> list -[]-> Node": the last hops of v's path. */
static void path_text(const struct analysis *an, heap_node_t v, char *buf, size_t size)
{
	const struct heap *h = an->heap;
	struct reach_step *p;
	uint32_t len, first;
	size_t used = 0;
	char ename[128];

	buf[0] = 0;
	if (an->dist[v] == REACH_UNREACHABLE)
		return;
	p = mem_alloc(((size_t)an->dist[v] + 1) * sizeof *p);
	len = analysis_path(an, v, p);
	first = len > DIFF_PATH_HOPS + 1 ? len - (DIFF_PATH_HOPS + 1) : 0;
	snprintf(buf, size, "%s", first ? "... " : "(root) ");
	used = strlen(buf);
	for (uint32_t i = first; i < len && used + 1 < size; i++) {
		if (i > 0) {
			heap_edge_name(h, h->out_name[p[i].edge], ename, sizeof ename);
			snprintf(buf + used, size - used, ename[0] ? "-%s-> " : "-> ", ename);
			used += strlen(buf + used);
		}
		snprintf(buf + used, size - used, "%s ", heap_string(h, h->type[p[i].node], NULL));
		used += strlen(buf + used);
	}
	free(p);
}

static void diff_row(void *ctx, uint32_t i, WINDOW *w, int y, int cols, int sel)
{
	struct app *a = ((void **)ctx)[0];
	struct diff_state *s = ((void **)ctx)[1];
	const struct diff *d = a->diff;
	const struct drow *r = &s->rows[i];
	char b1[48], b2[48], b3[48], text[1024];
	attr_t n = row_attr(ROLE_NORMAL, sel);

	draw_fill(w, y, 0, cols, n);
	switch (r->kind) {
	case R_NOTE:
		draw_str(w, y, 1, cols - 2, "No comparison: open two snapshots, heapglass OLD NEW.", n);
		break;
	case R_HEAD: {
		uint64_t k = r->i == 0 ? d->n_types : r->i == 1 ? d->new_objects : d->n_cycles;
		draw_printf(w, y, 1, cols - 2, row_attr(ROLE_HEADER, sel), "%s  (%s)", heads[r->i],
			    draw_count(b1, sizeof b1, k));
		break;
	}
	case R_TYPE: {
		const struct diff_type *t = &d->types[r->i];
		const char *name = t->new_type != HEAP_NONE ? heap_string(d->new->heap, t->new_type, NULL)
				 : heap_string(d->old->heap, t->old_type, NULL);
		draw_str_right(w, y, 1, 10, signed_count(t->count_delta, b1, sizeof b1), n);
		draw_str_right(w, y, 12, 12, signed_bytes(t->shallow_delta, b2, sizeof b2), row_attr(ROLE_SIZE, sel));
		draw_str_right(w, y, 25, 12, signed_bytes(t->retained_delta, b3, sizeof b3), row_attr(ROLE_SIZE, sel));
		draw_str(w, y, 39, cols - 40, name, row_attr(ROLE_TYPE, sel));
		break;
	}
	case R_GROUP: {
		const struct diff_group *g = &d->groups[r->i];
		int x;
		draw_str_right(w, y, 1, 10, signed_count(g->growth, b1, sizeof b1), n);
		draw_str_right(w, y, 12, 12, draw_bytes(b2, sizeof b2, g->shallow), row_attr(ROLE_SIZE, sel));
		x = 26 + draw_str(w, y, 26, cols - 27, heap_string(a->h, g->type, NULL), row_attr(ROLE_TYPE, sel));
		path_text(d->new, g->sample, text, sizeof text);
		if (x + 6 < cols) {
			draw_str(w, y, x + 1, 4, "via", row_attr(ROLE_DIM, sel));
			draw_str(w, y, x + 5, cols - x - 6, text, n);
		}
		break;
	}
	case R_CYCLE: {
		const struct diff_cycle *c = &d->cycles[r->i];
		const struct analysis_cycle *cy = &d->new->cycles[c->sample];
		draw_str_right(w, y, 1, 10, signed_count(c->count, b1, sizeof b1), n);
		draw_str_right(w, y, 12, 12, draw_bytes(b2, sizeof b2, cy->retained), row_attr(ROLE_SIZE, sel));
		int x = 26 + draw_printf(w, y, 26, cols - 27, row_attr(cy->garbage ? ROLE_GARBAGE : ROLE_LIVE, sel),
					 "x %u%s ", cy->size, cy->garbage ? " gc" : "");
		if (cy->pattern != HEAP_NONE) {
			const char *sig = analysis_pattern_signature(d->new, cy->pattern);
			draw_text(w, y, x, cols - x - 1, sig, strlen(sig), row_attr(ROLE_NAME, sel));
		} else {
			row_object_label(a, w, y, x, cols - x - 1, d->new->members[cy->members], sel);
		}
		break;
	}
	default:
		break;
	}
}

static void diff_draw(void *st, struct app *a, WINDOW *w, int y0, int rows, int cols)
{
	struct diff_state *s = st;
	void *ctx[2] = { a, s };
	const struct diff *d = a->diff;
	attr_t dim = screen_attr(ROLE_DIM);

	draw_fill(w, y0, 0, cols, dim);
	if (d)
		draw_printf(w, y0, 1, cols - 2, dim, "%u -> %u objects; matched %s", d->old->heap->n_nodes,
			    d->new->heap->n_nodes, d->matched_by == DIFF_BY_ID ? "by id (V8 ids of one process)"
			    : "by type and retainer path (ids are not stable)");
	list_draw(&s->l, w, y0 + 1, rows - 1, cols, diff_row, ctx);
}

static int diff_action(void *st, struct app *a, enum action act)
{
	struct diff_state *s = st;
	const struct diff *d = a->diff;
	const struct drow *r;

	if (act != ACT_ENTER && act != ACT_RIGHT)
		return 0;
	if (!d || !s->l.count)
		return 1;
	r = &s->rows[s->l.cur];
	if (r->kind == R_TYPE) {
		heap_str_t t = d->types[r->i].new_type;
		for (uint32_t k = 0; t != HEAP_NONE && k < a->m->n_types; k++)
			if (a->m->types[k].name == t) {
				app_open(a, VIEW_OBJECTS, (uint64_t)OBJECTS_TYPE << 32 | k);
				return 1;
			}
		app_message(a, 0, "no object of this type is left in this snapshot");
	} else if (r->kind == R_GROUP) {
		a->cur = d->groups[r->i].sample;
		app_open(a, VIEW_OBJECT, a->cur);
	} else if (r->kind == R_CYCLE) {
		uint32_t c = d->cycles[r->i].sample;
		a->cur = d->new->members[d->new->cycles[c].members];
		app_open(a, VIEW_CYCLE, c);
	}
	return 1;
}

static struct list *diff_list(void *st)
{
	return &((struct diff_state *)st)->l;
}

static int diff_match(void *st, struct app *a, uint32_t i, const char *q)
{
	struct diff_state *s = st;
	const struct drow *r = &s->rows[i];
	const struct diff *d = a->diff;
	heap_str_t t;
	size_t len;
	const char *name;

	if (r->kind == R_TYPE)
		t = d->types[r->i].new_type;
	else if (r->kind == R_GROUP)
		t = d->groups[r->i].type;
	else
		return 0;
	if (t == HEAP_NONE)
		return 0;
	name = heap_string(a->h, t, &len);
	return row_contains(name, len, q);
}

static heap_node_t diff_object(void *st, struct app *a, uint32_t i)
{
	struct diff_state *s = st;
	const struct drow *r = &s->rows[i];
	const struct diff *d = a->diff;

	if (r->kind == R_GROUP)
		return d->groups[r->i].sample;
	if (r->kind == R_CYCLE)
		return d->new->members[d->new->cycles[d->cycles[r->i].sample].members];
	return HEAP_NONE;
}

static void diff_title(void *st, struct app *a, char *buf, size_t size)
{
	(void)st;
	snprintf(buf, size, "Comparison with %s", a->diff_path ? a->diff_path : "(none)");
}

const struct view_ops view_diff = {
	.name = "comparison",
	.tab = NULL,
	.tab_action = ACT_NONE,
	.actions = diff_actions,
	.create = diff_create,
	.destroy = diff_destroy,
	.enter = diff_enter,
	.draw = diff_draw,
	.action = diff_action,
	.list = diff_list,
	.match = diff_match,
	.object = diff_object,
	.title = diff_title,
};
