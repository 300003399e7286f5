#include "graph/gc/lesson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include "graph/core/text.h"
#include "graph/gc/step_cpython.h"
#include "graph/gc/step_gens.h"
#include "graph/gc/step_mark.h"
#include "graph/gc/step_refcount.h"

/* ---- the program ---- */

struct lesson *lesson_new(const char *path)
{
	struct lesson *l = mem_calloc(1, sizeof *l);

	l->path = mem_strdup(path);
	l->gc = LESSON_GC_CPYTHON;
	l->threshold[0] = 700;
	l->threshold[1] = 10;
	l->threshold[2] = 10;
	l->text_cap = 256;
	l->text = mem_alloc(l->text_cap);
	l->text[0] = '\0';
	l->text_len = 1;
	return l;
}

void lesson_free(struct lesson *l)
{
	if (!l)
		return;
	free(l->path);
	free(l->obj_name);
	free(l->obj_line);
	free(l->obj_type);
	free(l->actions);
	free(l->text);
	free(l);
}

uint32_t lesson_add_text(struct lesson *l, const char *s, size_t len)
{
	uint32_t off;

	if (len == 0)
		return 0;
	while (l->text_len + len + 1 > l->text_cap) {
		l->text_cap *= 2;
		l->text = mem_realloc_array(l->text, l->text_cap, 1);
	}
	off = (uint32_t)l->text_len;
	memcpy(l->text + off, s, len);
	l->text[off + len] = '\0';
	l->text_len += len + 1;
	return off;
}

const char *lesson_text(const struct lesson *l, uint32_t off)
{
	return l->text + off;
}

uint32_t lesson_find(const struct lesson *l, const char *name)
{
	for (uint32_t i = 0; i < l->n_objects; i++)
		if (strcmp(l->text + l->obj_name[i], name) == 0)
			return i;
	return LESSON_NONE;
}

uint32_t lesson_add_object(struct lesson *l, const char *name, const char *type, uint32_t line)
{
	if (l->n_objects >= LESSON_MAX_OBJECTS)
		return LESSON_NONE;
	if (l->n_objects == l->obj_cap) {
		l->obj_cap = l->obj_cap ? l->obj_cap * 2 : 16;
		l->obj_name = mem_realloc_array(l->obj_name, l->obj_cap, sizeof *l->obj_name);
		l->obj_line = mem_realloc_array(l->obj_line, l->obj_cap, sizeof *l->obj_line);
		l->obj_type = mem_realloc_array(l->obj_type, l->obj_cap, sizeof *l->obj_type);
	}
	l->obj_name[l->n_objects] = lesson_add_text(l, name, strlen(name));
	l->obj_type[l->n_objects] = lesson_add_text(l, type, strlen(type));
	l->obj_line[l->n_objects] = line;
	return l->n_objects++;
}

int lesson_add_action(struct lesson *l, const struct lesson_action *a)
{
	if (l->n_actions >= LESSON_MAX_ACTIONS)
		return -1;
	if (l->n_actions == l->act_cap) {
		l->act_cap = l->act_cap ? l->act_cap * 2 : 32;
		l->actions = mem_realloc_array(l->actions, l->act_cap, sizeof *l->actions);
	}
	l->actions[l->n_actions++] = *a;
	return 0;
}

const char *lesson_gc_name(enum lesson_gc gc)
{
	switch (gc) {
	case LESSON_GC_REFCOUNT: return "refcount";
	case LESSON_GC_MARKSWEEP: return "mark-sweep";
	default: return "cpython";
	}
}

const char *lesson_gc_title(enum lesson_gc gc)
{
	switch (gc) {
	case LESSON_GC_REFCOUNT:
		return "reference counting only (no cycle detector)";
	case LESSON_GC_MARKSWEEP:
		return "tracing: mark-and-sweep from the roots (no reference counts)";
	default:
		return "CPython: reference counting plus the generational cycle detector";
	}
}

/* ---- the world ---- */

struct wobj {
	uint8_t alive, root, finalizer, finalized, gen;
	uint32_t freed_line;
};

struct wedge {
	uint32_t from, to, field;	/* objects; field is a lesson text offset */
	uint8_t weak, alive;
};

struct world {
	const struct lesson *l;
	struct wobj *obj;		/* n_objects */
	struct wedge *edge;
	uint32_t n_edge, cap_edge;
	int64_t gen_count[STEPPER_GENS];
};

static const char *oname(const struct world *w, uint32_t o)
{
	return w->l->text + w->l->obj_name[o];
}

static uint32_t find_field(const struct world *w, uint32_t from, uint32_t field)
{
	const char *f = w->l->text + field;

	for (uint32_t i = 0; i < w->n_edge; i++)
		if (w->edge[i].alive && w->edge[i].from == from &&
		    strcmp(w->l->text + w->edge[i].field, f) == 0)
			return i;
	return LESSON_NONE;
}

static void add_edge(struct world *w, uint32_t from, uint32_t to, uint32_t field, int weak)
{
	if (w->n_edge == w->cap_edge) {
		w->cap_edge = w->cap_edge ? w->cap_edge * 2 : 32;
		w->edge = mem_realloc_array(w->edge, w->cap_edge, sizeof *w->edge);
	}
	w->edge[w->n_edge++] = (struct wedge){ .from = from, .to = to, .field = field,
					       .weak = (uint8_t)weak, .alive = 1 };
}

/* Freezes the live part of the world into step->heap and step->node_obj;
 * node_of[o] gets the node of live object o (HEAP_NONE if none). */
static int freeze(const struct world *w, struct lesson_step *step, uint32_t *node_of,
		  struct error *err)
{
	const struct lesson *l = w->l;
	struct heap_builder *b = heap_builder_new();
	uint32_t n = 0;
	heap_str_t var;

	if (!b)
		return error_set(err, "out of memory");
	var = heap_builder_intern_cstr(b, "variable");
	step->node_obj = mem_alloc((l->n_objects ? l->n_objects : 1) * sizeof *step->node_obj);
	/* The refcount column, as a Python dump would have it: variables plus
	 * strong references (live edges join live objects only). */
	for (uint32_t o = 0; o < l->n_objects; o++)
		node_of[o] = w->obj[o].alive && w->obj[o].root;
	for (uint32_t i = 0; i < w->n_edge; i++)
		if (w->edge[i].alive && !w->edge[i].weak)
			node_of[w->edge[i].to]++;
	for (uint32_t o = 0; o < l->n_objects; o++) {
		struct heap_node_rec rec;
		uint32_t refs = node_of[o];

		node_of[o] = HEAP_NONE;
		if (!w->obj[o].alive)
			continue;
		rec = (struct heap_node_rec){
			.id = (uint64_t)o + 1,
			.type = heap_builder_intern_cstr(b, l->text + l->obj_type[o]),
			.name = heap_builder_intern_cstr(b, oname(w, o)),
			.size = 64,
			.flags = (uint16_t)((w->obj[o].finalizer ? HEAP_F_FINALIZER : 0) |
					    (l->gc != LESSON_GC_MARKSWEEP ? HEAP_F_HAS_REFCOUNT : 0)),
			.refcount = refs,
			.generation = l->gc == LESSON_GC_CPYTHON ? w->obj[o].gen : HEAP_GEN_UNKNOWN,
		};
		if (heap_builder_add_node(b, &rec, err) == HEAP_NONE)
			goto fail;
		node_of[o] = n;
		step->node_obj[n++] = o;
	}
	if (heap_builder_index(b, NULL, NULL) != 0) {
		error_set(err, "internal error: duplicate object ids");
		goto fail;
	}
	for (uint32_t i = 0; i < w->n_edge; i++) {
		const struct wedge *e = &w->edge[i];
		if (!e->alive)
			continue;
		if (heap_builder_add_edge(b, node_of[e->from], node_of[e->to],
					  e->weak ? HEAP_EDGE_WEAK : HEAP_EDGE_STRONG,
					  heap_builder_intern_cstr(b, l->text + e->field), err) != 0)
			goto fail;
	}
	for (uint32_t o = 0; o < l->n_objects; o++)
		if (w->obj[o].alive && w->obj[o].root &&
		    heap_builder_add_root(b, node_of[o], var, err) != 0)
			goto fail;
	step->heap = heap_builder_freeze(b, err);
	if (!step->heap)
		goto fail;
	step->heap->format = "lesson";
	heap_builder_free(b);
	return 0;
fail:
	heap_builder_free(b);
	return -1;
}

/* Takes the world's next state from the step's final state. */
static void absorb(struct world *w, const struct lesson_step *step, uint32_t line)
{
	const struct stepper *s = step->st;

	for (uint32_t v = 0; v < s->n; v++) {
		struct wobj *o = &w->obj[step->node_obj[v]];
		if (s->flags[v] & STEPPER_F_FREED) {
			o->alive = 0;
			o->root = 0;
			o->freed_line = line;
		}
		if (s->flags[v] & STEPPER_F_FINALIZED)
			o->finalized = 1;
		if (s->gen[v] != HEAP_GEN_UNKNOWN)
			o->gen = s->gen[v];
	}
	memcpy(w->gen_count, s->gen_count, sizeof w->gen_count);
	/* References out of freed objects go with them; weak ones to freed
	 * objects were cleared. */
	for (uint32_t i = 0; i < w->n_edge; i++)
		if (w->edge[i].alive && (!w->obj[w->edge[i].from].alive || !w->obj[w->edge[i].to].alive))
			w->edge[i].alive = 0;
}

static int fail_at(const struct lesson *l, const struct lesson_action *a, struct error *err,
		   const char *word, const char *fmt, const char *name, const char *extra)
{
	char msg[300];

	snprintf(msg, sizeof msg, fmt, name, extra);
	return error_set(err, "%s:%u: %s: %s", l->path, (unsigned)a->line, word, msg);
}

static const char *op_word(enum lesson_op op)
{
	switch (op) {
	case LESSON_SAY: return "say";
	case LESSON_NEW: return "new";
	case LESSON_LINK: return "link";
	case LESSON_WEAK: return "weak";
	case LESSON_UNLINK: return "unlink";
	case LESSON_ROOT: return "root";
	case LESSON_UNROOT: return "unroot";
	case LESSON_FINALIZER: return "finalizer";
	default: return "collect";
	}
}

/* An object the action needs alive. */
static int need_alive(const struct world *w, const struct lesson_action *a, uint32_t o,
		      struct error *err)
{
	char line[32];

	if (w->obj[o].alive)
		return 0;
	snprintf(line, sizeof line, "%u", (unsigned)w->obj[o].freed_line);
	return fail_at(w->l, a, err, op_word(a->op), "'%s' was already freed at line %s",
		       oname(w, o), line);
}

static void describe(const struct world *w, const struct lesson_action *a, char *buf, size_t size)
{
	const struct lesson *l = w->l;
	const char *f = l->text + a->text;

	switch (a->op) {
	case LESSON_SAY:
		buf[0] = '\0';
		break;
	case LESSON_NEW:
		snprintf(buf, size, "%s = %s()", oname(w, a->obj), f);
		break;
	case LESSON_LINK:
		snprintf(buf, size, "%s.%s = %s", oname(w, a->obj), f, oname(w, a->target));
		break;
	case LESSON_WEAK:
		snprintf(buf, size, "%s.%s = weakref.ref(%s)", oname(w, a->obj), f, oname(w, a->target));
		break;
	case LESSON_UNLINK:
		snprintf(buf, size, "del %s.%s", oname(w, a->obj), f);
		break;
	case LESSON_ROOT:
		snprintf(buf, size, "a variable holds %s again", oname(w, a->obj));
		break;
	case LESSON_UNROOT:
		snprintf(buf, size, "del %s", oname(w, a->obj));
		break;
	case LESSON_FINALIZER:
		snprintf(buf, size, "%s gets a finalizer (__del__)", oname(w, a->obj));
		break;
	case LESSON_COLLECT:
		if (l->gc == LESSON_GC_MARKSWEEP)
			snprintf(buf, size, "collect: mark and sweep");
		else
			snprintf(buf, size, "gc.collect(%d)", a->gen < 0 ? 2 : a->gen);
		break;
	}
}

/* Changes the world's structure for action a; drops[] gets the objects
 * that lose a (strong) reference by it. */
static int mutate(struct world *w, const struct lesson_action *a, uint32_t *drops, size_t *nd,
		  struct error *err)
{
	uint32_t e;

	*nd = 0;
	switch (a->op) {
	case LESSON_SAY:
	case LESSON_COLLECT:
		return 0;
	case LESSON_NEW:
		w->obj[a->obj] = (struct wobj){ .alive = 1, .root = 1, .gen = 0 };
		return 0;
	case LESSON_LINK:
	case LESSON_WEAK:
		if (need_alive(w, a, a->obj, err) || need_alive(w, a, a->target, err))
			return -1;
		e = find_field(w, a->obj, a->text);
		if (e != LESSON_NONE) {
			w->edge[e].alive = 0;
			if (!w->edge[e].weak)
				drops[(*nd)++] = w->edge[e].to;
		}
		add_edge(w, a->obj, a->target, a->text, a->op == LESSON_WEAK);
		return 0;
	case LESSON_UNLINK:
		if (need_alive(w, a, a->obj, err))
			return -1;
		e = find_field(w, a->obj, a->text);
		if (e == LESSON_NONE)
			return fail_at(w->l, a, err, "unlink", "'%s' has no field '%s'", oname(w, a->obj),
				       w->l->text + a->text);
		w->edge[e].alive = 0;
		if (!w->edge[e].weak)
			drops[(*nd)++] = w->edge[e].to;
		return 0;
	case LESSON_ROOT:
		if (need_alive(w, a, a->obj, err))
			return -1;
		if (w->obj[a->obj].root)
			return fail_at(w->l, a, err, "root", "'%s' is already held by a variable%s",
				       oname(w, a->obj), "");
		w->obj[a->obj].root = 1;
		return 0;
	case LESSON_UNROOT:
		if (need_alive(w, a, a->obj, err))
			return -1;
		if (!w->obj[a->obj].root)
			return fail_at(w->l, a, err, "unroot", "no variable holds '%s'%s", oname(w, a->obj),
				       " (it was unrooted before)");
		w->obj[a->obj].root = 0;
		drops[(*nd)++] = a->obj;
		return 0;
	case LESSON_FINALIZER:
		if (need_alive(w, a, a->obj, err))
			return -1;
		w->obj[a->obj].finalizer = 1;
		return 0;
	}
	return 0;
}

static int run_step(struct world *w, const struct lesson_action *a, struct lesson_step *step,
		    uint32_t *node_of, struct error *err)
{
	const struct lesson *l = w->l;
	uint32_t drops[2];
	heap_node_t dn[2];
	size_t nd;
	struct stepper *s;

	describe(w, a, step->what, sizeof step->what);
	if (mutate(w, a, drops, &nd, err) != 0)
		return -1;
	if (freeze(w, step, node_of, err) != 0)
		return -1;
	s = step->st = stepper_new(step->heap);
	memcpy(s->threshold, l->threshold, sizeof s->threshold);
	memcpy(s->gen_count, w->gen_count, sizeof s->gen_count);
	s->count_frees = l->gc == LESSON_GC_CPYTHON;
	for (uint32_t v = 0; v < s->n; v++)
		if (w->obj[step->node_obj[v]].finalized)
			s->flags[v] |= STEPPER_F_FINALIZED;
	/* The refcounts before the action let go of its references. */
	for (size_t i = 0; i < nd; i++) {
		dn[i] = node_of[drops[i]];
		s->refcount[dn[i]]++;
	}

	switch (a->op) {
	case LESSON_NEW:
		if (l->gc == LESSON_GC_CPYTHON)
			step_gens_alloc(s);
		break;
	case LESSON_COLLECT:
		if (l->gc == LESSON_GC_MARKSWEEP)
			step_mark_run(s);
		else
			step_gens_collect(s, a->gen < 0 ? 2u : (unsigned)a->gen);
		break;
	default:
		if (nd && l->gc != LESSON_GC_MARKSWEEP)
			step_refcount_release(s, dn, nd);
		break;
	}
	absorb(w, step, a->line);
	return 0;
}

int lesson_run_new(const struct lesson *l, struct lesson_run **out, struct error *err)
{
	struct lesson_run *r = mem_calloc(1, sizeof *r);
	struct world w = { .l = l };
	uint32_t *node_of = mem_alloc((l->n_objects ? l->n_objects : 1) * sizeof *node_of);
	int rc = 0;

	r->lesson = l;
	r->steps = mem_calloc(l->n_actions ? l->n_actions : 1, sizeof *r->steps);
	w.obj = mem_calloc(l->n_objects ? l->n_objects : 1, sizeof *w.obj);
	for (uint32_t i = 0; i < l->n_actions; i++) {
		r->steps[i].action = i;
		r->n_steps = i + 1;
		if (run_step(&w, &l->actions[i], &r->steps[i], node_of, err) != 0) {
			rc = -1;
			break;
		}
	}
	free(node_of);
	free(w.obj);
	free(w.edge);
	if (rc != 0) {
		lesson_run_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

void lesson_run_free(struct lesson_run *r)
{
	if (!r)
		return;
	for (uint32_t i = 0; i < r->n_steps; i++) {
		stepper_free(r->steps[i].st);
		heap_free(r->steps[i].heap);
		free(r->steps[i].node_obj);
	}
	free(r->steps);
	free(r);
}

size_t lesson_run_length(const struct lesson_run *r)
{
	size_t n = 0;

	for (uint32_t i = 0; i < r->n_steps; i++)
		n += 1 + stepper_len(r->steps[i].st);
	return n;
}

/* The step holding position t, and t's event inside it. */
static uint32_t locate(const struct lesson_run *r, size_t t, size_t *event)
{
	for (uint32_t i = 0; i < r->n_steps; i++) {
		size_t len = 1 + stepper_len(r->steps[i].st);
		if (t < len || i + 1 == r->n_steps) {
			*event = t < len ? t : len - 1;
			return i;
		}
		t -= len;
	}
	*event = 0;
	return 0;
}

uint32_t lesson_run_seek(struct lesson_run *r, size_t t, size_t *event)
{
	size_t k;
	uint32_t i;

	if (r->n_steps == 0) {
		*event = 0;
		return 0;
	}
	i = locate(r, t, &k);
	stepper_seek(r->steps[i].st, k);
	*event = k;
	return i;
}

const char *lesson_run_narration(struct lesson_run *r, size_t t, char *buf, size_t size)
{
	const struct lesson *l = r->lesson;
	const struct lesson_step *step;
	const struct lesson_action *a;
	size_t k;
	uint32_t i;

	if (r->n_steps == 0) {
		snprintf(buf, size, "%s", "");
		return buf;
	}
	i = locate(r, t, &k);
	step = &r->steps[i];
	a = &l->actions[step->action];
	if (k == 0) {
		if (a->op == LESSON_SAY)
			text_escape(buf, size, l->text + a->text, strlen(l->text + a->text), 0);
		else
			snprintf(buf, size, "[line %u] %s", (unsigned)a->line, step->what);
		return buf;
	}
	return stepper_describe(step->st, &step->st->ev[k - 1], buf, size);
}
