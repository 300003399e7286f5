/* Objects: a list of objects (instances of a type, members of a
 * generation or of a cycle, unreachable objects), largest retained first
 * where the model keeps them sorted.  Enter inspects one. */
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

struct objects_state {
	struct list l;
	uint64_t arg;
	const heap_node_t *rows;
	heap_node_t *owned;	/* rows the view computed itself */
	uint32_t n;
};

static const enum action objects_actions[] = { ACT_ENTER, ACT_NONE };

static void *objects_create(struct app *a)
{
	(void)a;
	return mem_calloc(1, sizeof(struct objects_state));
}

static void objects_destroy(void *st)
{
	struct objects_state *s = st;

	free(s->owned);
	free(s);
}

static void load_rows(struct objects_state *s, struct app *a, uint64_t arg)
{
	uint32_t kind = (uint32_t)(arg >> 32), val = (uint32_t)arg;
	struct model *m = a->m;

	free(s->owned);
	s->owned = NULL;
	s->rows = NULL;
	s->n = 0;
	switch (kind) {
	case OBJECTS_TYPE:
		if (val < m->n_types)
			s->rows = model_type_instances(m, val, &s->n);
		break;
	case OBJECTS_GEN:
		s->rows = model_gen_members(m, val & 0xff, &s->n);
		break;
	case OBJECTS_CROSS:
		s->rows = model_gen_cross(m, val & 0xff, &s->n);
		break;
	case OBJECTS_CYCLE:
		if (val < m->an->n_cycles)
			s->rows = model_cycle_members(m, val, &s->n);
		break;
	case OBJECTS_GARBAGE:
		s->rows = model_garbage(m, &s->n);
		break;
	case OBJECTS_NEW:
		/* the type's instances (largest retained first) that are new */
		if (val < m->n_types && a->diff && a->diff->fresh) {
			uint32_t n;
			const heap_node_t *all = model_type_instances(m, val, &n);
			s->owned = mem_alloc(((size_t)n + 1) * sizeof *s->owned);
			for (uint32_t i = 0; i < n; i++)
				if (a->diff->fresh[all[i]])
					s->owned[s->n++] = all[i];
			s->rows = s->owned;
		}
		break;
	default:
		break;
	}
	s->arg = arg;
}

static void objects_enter(void *st, struct app *a, uint64_t arg)
{
	struct objects_state *s = st;

	if (arg != s->arg || !s->rows) {
		load_rows(s, a, arg);
		s->l.cur = s->l.top = 0;
	}
	list_set_count(&s->l, s->n);
	/* the current object, if it is in this list; lists are at most one
	 * type or generation, so this scan happens on entering only */
	if (a->cur != HEAP_NONE)
		for (uint32_t i = 0; i < s->n; i++)
			if (s->rows[i] == a->cur) {
				list_set_cursor(&s->l, i);
				break;
			}
}

static void objects_row(void *ctx, uint32_t i, WINDOW *w, int y, int cols, int sel)
{
	struct app *a = ((void **)ctx)[0];
	struct objects_state *s = ((void **)ctx)[1];

	row_object(a, w, y, 0, cols, s->rows[i], sel);
}

static void objects_draw(void *st, struct app *a, WINDOW *w, int y0, int rows, int cols)
{
	struct objects_state *s = st;
	void *ctx[2] = { a, s };

	row_object_header(w, y0, 0, cols);
	list_draw(&s->l, w, y0 + 1, rows - 1, cols, objects_row, ctx);
}

static struct list *objects_list(void *st)
{
	return &((struct objects_state *)st)->l;
}

static int objects_match(void *st, struct app *a, uint32_t i, const char *q)
{
	return row_object_match(a, ((struct objects_state *)st)->rows[i], q);
}

static heap_node_t objects_object(void *st, struct app *a, uint32_t i)
{
	struct objects_state *s = st;

	(void)a;
	return i < s->n ? s->rows[i] : HEAP_NONE;
}

static void objects_title(void *st, struct app *a, char *buf, size_t size)
{
	struct objects_state *s = st;
	uint32_t kind = (uint32_t)(s->arg >> 32), val = (uint32_t)s->arg;
	char n[32], t[256];

	draw_count(n, sizeof n, s->n);
	switch (kind) {
	case OBJECTS_TYPE:
	case OBJECTS_NEW: {
		size_t len;
		const char *name = heap_string(a->h, a->m->types[val].name, &len);
		if (len > sizeof t - 1)
			len = sizeof t - 1;
		memcpy(t, name, len);
		t[len] = 0;
		if (kind == OBJECTS_NEW)
			snprintf(buf, size, "New objects of type %s: %s%s", t, n,
				 a->diff && a->diff->ages ? " (born between A and B)" : "");
		else
			snprintf(buf, size, "Objects of type %s: %s", t, n);
		break;
	}
	case OBJECTS_GEN:
		if (val == HEAP_GEN_UNKNOWN)
			snprintf(buf, size, "Objects of %s generation: %s",
				 strcmp(a->m->gen_unknown_word, "untracked") ? "unknown" : "no (untracked)", n);
		else
			snprintf(buf, size, "Objects in generation %u: %s", val, n);
		break;
	case OBJECTS_CROSS:
		snprintf(buf, size, "Objects in generation %u referenced from an older generation: %s", val, n);
		break;
	case OBJECTS_CYCLE:
		snprintf(buf, size, "Members of cycle %u: %s", val + 1, n);
		break;
	case OBJECTS_GARBAGE:
		snprintf(buf, size, "Unreachable objects (garbage): %s", n);
		break;
	default:
		snprintf(buf, size, "Objects");
	}
}

const struct view_ops view_objects = {
	.name = "objects",
	.actions = objects_actions,
	.create = objects_create,
	.destroy = objects_destroy,
	.enter = objects_enter,
	.draw = objects_draw,
	.list = objects_list,
	.match = objects_match,
	.object = objects_object,
	.title = objects_title,
};
