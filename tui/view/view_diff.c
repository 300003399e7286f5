/* Comparison (heapglass OLD NEW, or A B C): what changed from OLD to the
 * heap being viewed (NEW), from graph/diff.h, in four sections: the leak
 * clusters (new objects by the trace that holds them, each named by where
 * they are: quoteCache.table[]), the types that changed, the groups of new
 * objects by type and the last steps of their path, and the cycles that
 * appeared.  Enter on a leak opens its whole trace (view_leak.c), on a type
 * lists its new objects (f: every object of the type), on a group opens
 * its sample in the inspector, on a cycle opens the cycle.  s sorts by
 * size or by count, Tab jumps between sections; headings take no cursor.
 * Not a tab: it opens first, and Backspace / ] move between it and the
 * other views. */
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
	R_LEAK,
	R_TYPE,
	R_GROUP,
	R_CYCLE,
	R_NOTE
};

enum section {
	S_LEAKS,
	S_TYPES,
	S_GROUPS,
	S_CYCLES,
	S_N
};

/* What s sorts by: the growth in bytes (DevTools' default), or in objects. */
enum diff_sort {
	SORT_SIZE,
	SORT_COUNT,
	SORT_N
};

struct drow {
	uint8_t kind;
	uint32_t i;	/* index into the diff's leaks / types / groups / cycles; R_HEAD: section */
};

struct diff_state {
	struct list l;
	struct drow *rows;
	uint32_t n;
	uint32_t head[S_N];	/* row of each section's heading */
	enum diff_sort sort;
	int new_only;		/* types: only those with new objects; Enter lists the new ones */
};

static const enum action diff_actions[] = { ACT_ENTER, ACT_SORT, ACT_FILTER, ACT_SECTION, ACT_NONE };

static const char *const sort_names[SORT_N] = { "size", "count" };

static const struct diff_state *sort_ctx;
static const struct diff *sort_diff;

static int64_t type_key(const struct diff_type *t, enum diff_sort k)
{
	return k == SORT_COUNT ? t->count_delta : t->shallow_delta;
}

static int cmp_i64(int64_t a, int64_t b)
{
	return a > b ? -1 : a < b;
}

static int leak_cmp(const void *pa, const void *pb)
{
	const struct diff_leak *a = &sort_diff->leaks[((const struct drow *)pa)->i];
	const struct diff_leak *b = &sort_diff->leaks[((const struct drow *)pb)->i];
	int c = sort_ctx->sort == SORT_COUNT ? cmp_i64(a->count, b->count) : cmp_i64(a->retained_delta, b->retained_delta);

	if (!c)
		c = sort_ctx->sort == SORT_COUNT ? cmp_i64(a->retained_delta, b->retained_delta) : cmp_i64(a->count, b->count);
	return c ? c : (a > b) - (a < b);
}

static int type_cmp(const void *pa, const void *pb)
{
	const struct diff_type *a = &sort_diff->types[((const struct drow *)pa)->i];
	const struct diff_type *b = &sort_diff->types[((const struct drow *)pb)->i];
	int c = cmp_i64(type_key(a, sort_ctx->sort), type_key(b, sort_ctx->sort));

	if (!c)
		c = cmp_i64(type_key(a, (enum diff_sort)!sort_ctx->sort), type_key(b, (enum diff_sort)!sort_ctx->sort));
	return c ? c : (a > b) - (a < b);
}

static int group_cmp(const void *pa, const void *pb)
{
	const struct diff_group *a = &sort_diff->groups[((const struct drow *)pa)->i];
	const struct diff_group *b = &sort_diff->groups[((const struct drow *)pb)->i];
	int c = sort_ctx->sort == SORT_COUNT ? cmp_i64(a->growth, b->growth)
		: cmp_i64((int64_t)a->shallow, (int64_t)b->shallow);

	if (!c)
		c = sort_ctx->sort == SORT_COUNT ? cmp_i64((int64_t)a->shallow, (int64_t)b->shallow)
			: cmp_i64(a->growth, b->growth);
	return c ? c : (a > b) - (a < b);
}

/* (Re)builds the rows for the current sort and filter. */
static void build(struct diff_state *s, const struct diff *d)
{
	uint32_t n = 0, start;

	s->rows = mem_realloc_array(s->rows, (size_t)d->n_leaks + d->n_types + d->n_groups + d->n_cycles + S_N + 1,
				    sizeof *s->rows);
	sort_ctx = s;
	sort_diff = d;
	s->head[S_LEAKS] = n;
	s->rows[n++] = (struct drow){ .kind = R_HEAD, .i = S_LEAKS };
	start = n;
	for (uint32_t i = 0; i < d->n_leaks; i++)
		s->rows[n++] = (struct drow){ .kind = R_LEAK, .i = i };
	qsort(s->rows + start, n - start, sizeof *s->rows, leak_cmp);
	s->head[S_TYPES] = n;
	s->rows[n++] = (struct drow){ .kind = R_HEAD, .i = S_TYPES };
	start = n;
	for (uint32_t i = 0; i < d->n_types; i++)
		if (!s->new_only || d->types[i].count_delta > 0)
			s->rows[n++] = (struct drow){ .kind = R_TYPE, .i = i };
	qsort(s->rows + start, n - start, sizeof *s->rows, type_cmp);
	s->head[S_GROUPS] = n;
	s->rows[n++] = (struct drow){ .kind = R_HEAD, .i = S_GROUPS };
	start = n;
	for (uint32_t i = 0; i < d->n_groups; i++)
		s->rows[n++] = (struct drow){ .kind = R_GROUP, .i = i };
	qsort(s->rows + start, n - start, sizeof *s->rows, group_cmp);
	s->head[S_CYCLES] = n;
	s->rows[n++] = (struct drow){ .kind = R_HEAD, .i = S_CYCLES };
	for (uint32_t i = 0; i < d->n_cycles; i++)
		s->rows[n++] = (struct drow){ .kind = R_CYCLE, .i = i };
	s->n = n;
	list_set_count(&s->l, n);
}

static int is_head(void *ctx, uint32_t i)
{
	const struct diff_state *s = ctx;

	return s->rows[i].kind == R_HEAD;
}

static void *diff_create(struct app *a)
{
	struct diff_state *s = mem_calloc(1, sizeof *s);
	const struct diff *d = a->diff;

	if (!d) {
		s->rows = mem_alloc(sizeof *s->rows);
		s->rows[0] = (struct drow){ .kind = R_NOTE };
		s->n = 1;
		list_set_count(&s->l, 1);
		return s;
	}
	s->new_only = d->matched_by == DIFF_BY_ID;
	build(s, d);
	list_set_cursor_skip(&s->l, 0, is_head, s);
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
	char tmp[27];
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	draw_count(tmp, sizeof tmp, m);
	snprintf(buf, size, "%s%s", v > 0 ? "+" : v < 0 ? "-" : "", tmp);
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

/* "Quote +1,500, (string) +3,000": a leak's types, most first. */
void view_diff_leak_types(const struct diff *d, uint32_t i, char *buf, size_t size)
{
	const struct diff_leak *l = &d->leaks[i];
	size_t used = 0;

	buf[0] = 0;
	for (uint32_t k = 0; k < l->n_types && used + 1 < size; k++) {
		const struct diff_leak_type *t = &d->leak_types[l->types + k];
		char c[32];
		snprintf(buf + used, size - used, "%s%s %s", k ? ", " : "", heap_string(d->new->heap, t->type, NULL),
			 signed_count(t->count, c, sizeof c));
		used += strlen(buf + used);
	}
}

static void head_row(const struct diff_state *s, const struct diff *d, uint32_t sec, WINDOW *w, int y,
		     int cols, int sel)
{
	attr_t at = row_attr(ROLE_HEADER, sel);
	char b1[32];

	draw_fill(w, y, 0, cols, at);
	switch (sec) {
	case S_LEAKS:
		draw_printf(w, y, 1, cols - 2, at, "%s (%s)   by the trace that holds them; Enter: the whole trace",
			    d->ages ? "Leak candidates: objects born between A and B, alive in C"
			    : d->matched_by == DIFF_BY_ID ? "Leaks: new objects" : "Leaks: more objects",
			    draw_count(b1, sizeof b1, d->n_leaks));
		break;
	case S_TYPES:
		draw_str_right(w, y, 1, 10, "count", at);
		draw_str_right(w, y, 12, 12, "shallow", at);
		draw_str_right(w, y, 25, 12, "retained", at);
		draw_printf(w, y, 39, cols - 40, at, "Types that %s (%s)", s->new_only ? "gained objects" : "changed",
			    draw_count(b1, sizeof b1, s->head[S_GROUPS] - s->head[S_TYPES] - 1));
		break;
	case S_GROUPS:
		draw_printf(w, y, 1, cols - 2, at, "%s, by type and the last steps of their path (%s)",
			    d->ages ? "Born between A and B, alive in C" :
			    d->matched_by == DIFF_BY_ID ? "New objects still alive" : "Objects more in NEW",
			    draw_count(b1, sizeof b1, d->new_objects));
		break;
	default:
		/* by id the cycles listed are new ones; by type, patterns
		 * with more cycles than before */
		draw_printf(w, y, 1, cols - 2, at, "%s (%s)",
			    d->matched_by == DIFF_BY_ID ? "Cycles that appeared" : "Cycle patterns that appeared or grew",
			    draw_count(b1, sizeof b1, d->n_cycles));
		break;
	}
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
	case R_HEAD:
		head_row(s, d, r->i, w, y, cols, sel);
		break;
	case R_LEAK: {
		const struct diff_leak *l = &d->leaks[r->i];
		int x, aw;
		draw_str_right(w, y, 1, 9, signed_count(l->count, b1, sizeof b1), n);
		draw_str_right(w, y, 11, 10, signed_bytes(l->retained_delta, b2, sizeof b2), row_attr(ROLE_SIZE, sel));
		diff_leak_access(d, r->i, text, sizeof text);
		/* where: as much as fits, leaving the types a few columns */
		aw = draw_width(text, strlen(text));
		if (aw > cols - 23 - 14)
			aw = cols - 23 - 14 > 12 ? cols - 23 - 14 : 12;
		x = 23 + draw_text(w, y, 23, aw, text, strlen(text), row_attr(ROLE_NAME, sel));
		if (x + 4 < cols) {
			view_diff_leak_types(d, r->i, text, sizeof text);
			draw_text(w, y, x + 2, cols - x - 3, text, strlen(text), row_attr(ROLE_TYPE, sel));
		}
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
		int x;
		draw_str_right(w, y, 1, 10, signed_count(c->count, b1, sizeof b1), n);
		draw_str_right(w, y, 12, 12, draw_bytes(b2, sizeof b2, cy->retained), row_attr(ROLE_SIZE, sel));
		x = 26 + draw_printf(w, y, 26, cols - 27, row_attr(cy->garbage ? ROLE_GARBAGE : ROLE_LIVE, sel),
				     "x %u%s ", cy->size, cy->garbage ? " gc" : "");
		if (cy->pattern != HEAP_NONE) {
			const char *sig = analysis_pattern_signature(d->new, cy->pattern);
			draw_text(w, y, x, cols - x - 1, sig, strlen(sig), row_attr(ROLE_NAME, sel));
		} else {
			row_object_label(a, w, y, x, cols - x - 1, analysis_cycle_face(d->new, c->sample), sel);
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
	char b1[32], b2[32];

	draw_fill(w, y0, 0, cols, dim);
	if (d)
		draw_printf(w, y0, 1, cols - 2, dim, "%s -> %s objects; matched %s; sorted by %s%s",
			    draw_count(b1, sizeof b1, d->old->heap->n_nodes), draw_count(b2, sizeof b2, d->new->heap->n_nodes),
			    d->ages ? "by id (A B C: ages)" : d->matched_by == DIFF_BY_ID ? "by id (V8 ids of one process)"
			    : "by type and retainer path (ids are not stable)", sort_names[s->sort],
			    s->new_only ? "; new objects only" : "");
	list_draw(&s->l, w, y0 + 1, rows - 1, cols, diff_row, ctx);
}

/* The section row i is in. */
static uint32_t section_of(const struct diff_state *s, uint32_t i)
{
	uint32_t sec = S_N - 1;

	while (sec > 0 && i < s->head[sec])
		sec--;
	return sec;
}

/* Rebuilds the rows keeping the cursor on the same leak, type, group or
 * cycle. */
static void rebuild(struct diff_state *s, const struct diff *d)
{
	struct drow keep = s->rows[s->l.cur];
	uint32_t at = 0;

	build(s, d);
	for (uint32_t i = 0; i < s->n; i++)
		if (s->rows[i].kind == keep.kind && s->rows[i].i == keep.i)
			at = i;
	list_set_cursor_skip(&s->l, at, is_head, s);
}

static void open_type(struct diff_state *s, struct app *a, const struct diff_type *t)
{
	const struct diff *d = a->diff;

	for (uint32_t k = 0; t->new_type != HEAP_NONE && k < a->m->n_types; k++)
		if (a->m->types[k].name == t->new_type) {
			if (s->new_only && d->fresh)
				app_open(a, VIEW_OBJECTS, (uint64_t)OBJECTS_NEW << 32 | k);
			else
				app_open(a, VIEW_OBJECTS, (uint64_t)OBJECTS_TYPE << 32 | k);
			if (s->new_only && !d->fresh)
				app_message(a, 0, "every object of the type: without stable ids, which are new is not known");
			return;
		}
	app_message(a, 0, "no object of this type is left in this snapshot");
}

static int diff_action(void *st, struct app *a, enum action act)
{
	struct diff_state *s = st;
	const struct diff *d = a->diff;
	const struct drow *r;

	if (!d || !s->n)
		return 0;
	if (list_move_skip(&s->l, act, is_head, s))
		return 1;
	r = &s->rows[s->l.cur];
	switch (act) {
	case ACT_SORT:
		s->sort = (enum diff_sort)((s->sort + 1) % SORT_N);
		rebuild(s, d);
		app_message(a, 0, "sorted by %s delta", sort_names[s->sort]);
		return 1;
	case ACT_FILTER:
		s->new_only = !s->new_only;
		rebuild(s, d);
		app_message(a, 0, s->new_only ? "types that gained objects; Enter lists the new ones"
			    : "every type that changed; Enter lists all its objects");
		return 1;
	case ACT_SECTION:
	case ACT_SECTION_BACK: {
		uint32_t sec = section_of(s, s->l.cur);
		for (uint32_t k = 1; k <= S_N; k++) {
			uint32_t to = act == ACT_SECTION ? (sec + k) % S_N : (sec + S_N * 2 - k) % S_N;
			uint32_t end = to + 1 < S_N ? s->head[to + 1] : s->n;
			if (s->head[to] + 1 < end) {
				s->l.top = s->head[to];
				list_set_cursor(&s->l, s->head[to] + 1);
				return 1;
			}
		}
		return 1;
	}
	case ACT_ENTER:
	case ACT_RIGHT:
		break;
	default:
		return 0;
	}
	if (r->kind == R_LEAK) {
		a->cur = d->leaks[r->i].point != HEAP_NONE ? d->leaks[r->i].point : d->leaks[r->i].sample;
		app_open(a, VIEW_LEAK, r->i);
	} else if (r->kind == R_TYPE) {
		open_type(s, a, &d->types[r->i]);
	} else if (r->kind == R_GROUP) {
		a->cur = d->groups[r->i].sample;
		app_open(a, VIEW_OBJECT, a->cur);
	} else if (r->kind == R_CYCLE) {
		uint32_t c = d->cycles[r->i].sample;
		a->cur = analysis_cycle_face(d->new, c);
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

	if (r->kind == R_LEAK) {
		char text[1024];
		diff_leak_access(d, r->i, text, sizeof text);
		if (row_contains(text, strlen(text), q))
			return 1;
		view_diff_leak_types(d, r->i, text, sizeof text);
		return row_contains(text, strlen(text), q);
	}
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

	if (r->kind == R_LEAK)
		return d->leaks[r->i].point != HEAP_NONE ? d->leaks[r->i].point : d->leaks[r->i].sample;
	if (r->kind == R_GROUP)
		return d->groups[r->i].sample;
	if (r->kind == R_CYCLE)
		return analysis_cycle_face(d->new, d->cycles[r->i].sample);
	return HEAP_NONE;
}

static void diff_title(void *st, struct app *a, char *buf, size_t size)
{
	(void)st;
	if (a->diff && a->diff->ages)
		snprintf(buf, size, "Leak candidates of %s (ages from %s)", a->path, a->diff_path ? a->diff_path : "");
	else
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
