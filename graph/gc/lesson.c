#include "graph/gc/lesson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include "graph/core/text.h"

/* ---- the program ---- */

struct lesson *lesson_new(const char *path)
{
	struct lesson *l = mem_calloc(1, sizeof *l);

	l->path = mem_strdup(path);
	l->gc = LESSON_GC_CPYTHON;
	l->py = -1;
	memcpy(l->threshold, world_py_info(WORLD_PY_NEWEST)->threshold, sizeof l->threshold);
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

enum world_py lesson_py(const struct lesson *l)
{
	return l->py >= 0 ? (enum world_py)l->py : WORLD_PY_NEWEST;
}

/* ---- the runner ---- */

struct runner {
	const struct lesson *l;
	struct world *w;
	uint32_t *obj_world;		/* lesson object -> world object */
	uint32_t *freed_line;		/* lesson object -> the line that freed it, 0 alive */
	struct error *err;
};

static const char *op_word(enum lesson_op op)
{
	switch (op) {
	case LESSON_SAY: return "say";
	case LESSON_NEW: return "new";
	case LESSON_LINK: return "link";
	case LESSON_WEAK: return "weak";
	case LESSON_UNLINK: return "unlink";
	case LESSON_APPEND: return "append";
	case LESSON_ASSIGN: return "=";
	case LESSON_ROOT: return "root";
	case LESSON_UNROOT: return "unroot";
	case LESSON_FINALIZER: return "finalizer";
	case LESSON_FREEZE: return "freeze";
	case LESSON_UNFREEZE: return "unfreeze";
	case LESSON_REFCOUNT: return "refcount";
	case LESSON_COUNTS: return "counts";
	case LESSON_TRACEMALLOC: return "tracemalloc";
	default: return "collect";
	}
}

static int fail_at(struct runner *r, const struct lesson_action *a, const char *msg)
{
	return error_set(r->err, "%s:%u: %s: %s", r->l->path, (unsigned)a->line, op_word(a->op), msg);
}

static const char *T(const struct runner *r, uint32_t off)
{
	return lesson_text(r->l, off);
}

/* The object `name` means now: a constant, what its variable holds, or
 * the object made under that name.  Fails (with the line) when it is
 * gone. */
static int resolve(struct runner *r, const struct lesson_action *a, uint32_t name, uint32_t *out)
{
	const char *nm = T(r, name);
	uint32_t o = world_constant(r->w, nm), lo;
	char msg[200];

	if (o == WORLD_NONE)
		o = world_var(r->w, nm);
	if (o != WORLD_NONE) {
		*out = o;
		return 0;
	}
	lo = lesson_find(r->l, nm);
	if (lo == LESSON_NONE || r->obj_world[lo] == WORLD_NONE) {
		snprintf(msg, sizeof msg, "name '%s' is not defined at this point", nm);
		return fail_at(r, a, msg);
	}
	if (!world_alive(r->w, r->obj_world[lo])) {
		snprintf(msg, sizeof msg, "'%s' was already freed at line %u", nm, (unsigned)r->freed_line[lo]);
		return fail_at(r, a, msg);
	}
	*out = r->obj_world[lo];
	return 0;
}

/* "a.next", "items[0]", "d['k']" */
static void loc_text(const struct runner *r, const struct lesson_action *a, char *buf, size_t size)
{
	const char *s = T(r, a->subj), *f = T(r, a->text);

	switch (a->loc) {
	case WORLD_LOC_INDEX: snprintf(buf, size, "%s[%s]", s, f); break;
	case WORLD_LOC_KEY: snprintf(buf, size, "%s['%s']", s, f); break;
	default: snprintf(buf, size, "%s.%s", s, f); break;
	}
}

static void describe(const struct runner *r, enum lesson_gc gc, const struct lesson_action *a, char *buf,
		     size_t size)
{
	char loc[160];
	const char *s = T(r, a->subj), *t = T(r, a->target);

	loc_text(r, a, loc, sizeof loc);
	switch (a->op) {
	case LESSON_SAY:
		buf[0] = '\0';
		break;
	case LESSON_NEW:
		snprintf(buf, size, "%s = %s()", lesson_text(r->l, r->l->obj_name[a->obj]), T(r, a->text));
		break;
	case LESSON_LINK:
		snprintf(buf, size, "%s = %s", loc, t);
		break;
	case LESSON_WEAK:
		if (a->cb)
			snprintf(buf, size, "%s = weakref.ref(%s, %s)", loc, t, T(r, a->cb));
		else
			snprintf(buf, size, "%s = weakref.ref(%s)", loc, t);
		break;
	case LESSON_UNLINK:
		snprintf(buf, size, "del %s", loc);
		break;
	case LESSON_APPEND:
		snprintf(buf, size, "%s.append(%s)", s, t);
		break;
	case LESSON_ASSIGN:
		snprintf(buf, size, "%s = %s", s, t);
		break;
	case LESSON_ROOT:
		snprintf(buf, size, "a variable holds %s again", s);
		break;
	case LESSON_UNROOT:
		snprintf(buf, size, "del %s", s);
		break;
	case LESSON_FINALIZER:
		if (a->gen)
			snprintf(buf, size, "%s gets a __del__ that stores it in variable %s", s, s);
		else
			snprintf(buf, size, "%s gets a finalizer (__del__)", s);
		break;
	case LESSON_COLLECT:
		if (gc == LESSON_GC_MARKSWEEP)
			snprintf(buf, size, "collect: mark and sweep");
		else if (a->gen < 0)
			snprintf(buf, size, "gc.collect()");
		else
			snprintf(buf, size, "gc.collect(%d)", a->gen);
		break;
	case LESSON_FREEZE:
		snprintf(buf, size, "gc.freeze()");
		break;
	case LESSON_UNFREEZE:
		snprintf(buf, size, "gc.unfreeze()");
		break;
	case LESSON_REFCOUNT:
		snprintf(buf, size, "sys.getrefcount(%s)", s);
		break;
	case LESSON_COUNTS:
		snprintf(buf, size, "gc.get_count(), gc.get_threshold()");
		break;
	case LESSON_TRACEMALLOC:
		snprintf(buf, size, "tracemalloc.take_snapshot().statistics('lineno')");
		break;
	}
}

static enum world_kind kind_of(const char *type)
{
	if (strcmp(type, "list") == 0)
		return WORLD_LIST;
	if (strcmp(type, "dict") == 0)
		return WORLD_DICT;
	return WORLD_INSTANCE;
}

/* A failure of the world, with the line. */
static int world_failed(struct runner *r, const struct lesson_action *a)
{
	return fail_at(r, a, world_why(r->w));
}

static int act(struct runner *r, enum lesson_gc gc, const struct lesson_action *a)
{
	const struct lesson *l = r->l;
	struct world *w = r->w;
	uint32_t o = WORLD_NONE, t = WORLD_NONE;
	int64_t ret;
	char msg[200];

	switch (a->op) {
	case LESSON_SAY:
	case LESSON_COUNTS:
	case LESSON_TRACEMALLOC:
		return 0;
	case LESSON_NEW: {
		const char *type = T(r, a->text), *name = lesson_text(l, l->obj_name[a->obj]);
		if (world_new_object(w, kind_of(type), name, type, name, &o) != 0)
			return world_failed(r, a);
		r->obj_world[a->obj] = o;
		return 0;
	}
	case LESSON_LINK:
	case LESSON_WEAK:
		if (resolve(r, a, a->subj, &o) != 0 || resolve(r, a, a->target, &t) != 0)
			return -1;
		if (a->op == LESSON_WEAK ? world_store_weak(w, o, (enum world_loc)a->loc, T(r, a->text), t, T(r, a->cb))
					 : world_store(w, o, (enum world_loc)a->loc, T(r, a->text), t))
			return world_failed(r, a);
		return 0;
	case LESSON_UNLINK:
		if (resolve(r, a, a->subj, &o) != 0)
			return -1;
		return world_delete(w, o, (enum world_loc)a->loc, T(r, a->text)) ? world_failed(r, a) : 0;
	case LESSON_APPEND:
		if (resolve(r, a, a->subj, &o) != 0 || resolve(r, a, a->target, &t) != 0)
			return -1;
		return world_append(w, o, t) ? world_failed(r, a) : 0;
	case LESSON_ASSIGN:
		if (resolve(r, a, a->target, &t) != 0)
			return -1;
		return world_assign(w, T(r, a->subj), t) ? world_failed(r, a) : 0;
	case LESSON_ROOT: {
		uint32_t lo = lesson_find(l, T(r, a->subj));
		if (world_var(w, T(r, a->subj)) != WORLD_NONE) {
			snprintf(msg, sizeof msg, "'%s' is already held by a variable", T(r, a->subj));
			return fail_at(r, a, msg);
		}
		if (resolve(r, a, a->subj, &o) != 0)
			return -1;
		(void)lo;
		return world_assign(w, T(r, a->subj), o) ? world_failed(r, a) : 0;
	}
	case LESSON_UNROOT:
		if (world_var(w, T(r, a->subj)) == WORLD_NONE) {
			uint32_t lo = lesson_find(l, T(r, a->subj));
			if (lo != LESSON_NONE && r->freed_line[lo]) {
				snprintf(msg, sizeof msg, "'%s' was already freed at line %u", T(r, a->subj),
					 (unsigned)r->freed_line[lo]);
				return fail_at(r, a, msg);
			}
			snprintf(msg, sizeof msg, "no variable holds '%s' (it was deleted before)", T(r, a->subj));
			return fail_at(r, a, msg);
		}
		return world_del_var(w, T(r, a->subj)) ? world_failed(r, a) : 0;
	case LESSON_FINALIZER:
		if (resolve(r, a, a->subj, &o) != 0)
			return -1;
		return world_finalizer(w, o, a->gen) ? world_failed(r, a) : 0;
	case LESSON_COLLECT:
		return world_collect(w, a->gen, &ret) ? world_failed(r, a) : 0;
	case LESSON_FREEZE:
	case LESSON_UNFREEZE:
		return world_freeze(w, a->op == LESSON_UNFREEZE) ? world_failed(r, a) : 0;
	case LESSON_REFCOUNT:
		if (resolve(r, a, a->subj, &o) != 0)
			return -1;
		return world_getrefcount(w, o, &ret) ? world_failed(r, a) : 0;
	}
	(void)gc;
	return 0;
}

int lesson_event_shown(const struct lesson_run *r, uint32_t i, const struct stepper_event *ev)
{
	const struct lesson_step *s = &r->steps[i];

	if (ev->kind != STEPPER_COUNT || r->lesson->has_threshold)
		return 1;
	for (size_t k = s->first; k < s->first + s->n; k++)
		if (r->st->ev[k].kind == STEPPER_COLLECT)
			return 1;
	return 0;
}

/* The timeline: each step's start, then each shown event (the last one
 * carrying any hidden events after it). */
static void build_timeline(struct lesson_run *r)
{
	size_t cap = r->n_steps + stepper_len(r->st) + 1, n = 0;

	r->pos_ev = mem_alloc(cap * sizeof *r->pos_ev);
	r->pos_desc = mem_alloc(cap * sizeof *r->pos_desc);
	r->pos_step = mem_alloc(cap * sizeof *r->pos_step);
	for (uint32_t i = 0; i < r->n_steps; i++) {
		struct lesson_step *s = &r->steps[i];
		size_t last = n;
		s->t0 = n;
		r->pos_ev[n] = s->first;
		r->pos_desc[n] = SIZE_MAX;
		r->pos_step[n++] = i;
		for (size_t k = s->first; k < s->first + s->n; k++) {
			if (!lesson_event_shown(r, i, &r->st->ev[k]))
				continue;
			last = n;
			r->pos_ev[n] = k + 1;
			r->pos_desc[n] = k;
			r->pos_step[n++] = i;
		}
		if (last != s->t0)
			r->pos_ev[last] = s->first + s->n;
	}
	r->length = n;
}

int lesson_run_new(const struct lesson *l, enum lesson_gc gc, enum world_py py,
		   struct lesson_run **out, struct error *err)
{
	struct lesson_run *r = mem_calloc(1, sizeof *r);
	static const enum world_mode modes[] = {
		[LESSON_GC_CPYTHON] = WORLD_CPYTHON,
		[LESSON_GC_REFCOUNT] = WORLD_REFCOUNT,
		[LESSON_GC_MARKSWEEP] = WORLD_MARKSWEEP,
	};
	struct runner run = { .l = l, .err = err };
	size_t nobj = l->n_objects ? l->n_objects : 1;
	int rc = 0;

	r->lesson = l;
	r->gc = gc;
	r->py = py;
	r->steps = mem_calloc(l->n_actions ? l->n_actions : 1, sizeof *r->steps);
	run.w = world_new(modes[gc], py);
	if (gc == LESSON_GC_CPYTHON && l->has_threshold)
		world_set_threshold(run.w, l->threshold);
	run.obj_world = mem_alloc(nobj * sizeof *run.obj_world);
	run.freed_line = mem_calloc(nobj, sizeof *run.freed_line);
	for (uint32_t i = 0; i < l->n_objects; i++)
		run.obj_world[i] = WORLD_NONE;
	r->node_line = mem_calloc(LESSON_MAX_OBJECTS + l->n_actions + 8, sizeof *r->node_line);
	for (uint32_t i = 0; i < l->n_actions && rc == 0; i++) {
		const struct lesson_action *a = &l->actions[i];
		struct lesson_step *s = &r->steps[i];
		uint32_t before = world_objects(run.w);
		s->action = i;
		s->first = world_events(run.w);
		describe(&run, gc, a, s->what, sizeof s->what);
		rc = act(&run, gc, a);
		s->n = world_events(run.w) - s->first;
		for (uint32_t o = before; o < world_objects(run.w); o++)
			r->node_line[o] = a->line;	/* at most one object an action */
		r->n_steps = i + 1;
		for (uint32_t k = 0; k < l->n_objects; k++)
			if (run.obj_world[k] != WORLD_NONE && !run.freed_line[k] &&
			    !world_alive(run.w, run.obj_world[k]))
				run.freed_line[k] = a->line;
	}
	r->ns = world_namespace(run.w);
	r->obj_node = run.obj_world;	/* world object = heap node */
	free(run.freed_line);
	if (rc != 0) {
		world_free(run.w);
		lesson_run_free(r);
		return -1;
	}
	world_set_sizes(run.w);
	if (world_finish(run.w, &r->heap, &r->st, err) != 0) {
		lesson_run_free(r);
		return -1;
	}
	build_timeline(r);
	*out = r;
	return 0;
}

void lesson_run_free(struct lesson_run *r)
{
	if (!r)
		return;
	stepper_free(r->st);
	heap_free(r->heap);
	free(r->steps);
	free(r->obj_node);
	free(r->node_line);
	free(r->pos_ev);
	free(r->pos_desc);
	free(r->pos_step);
	free(r);
}

size_t lesson_run_length(const struct lesson_run *r)
{
	return r->length;
}

size_t lesson_run_step_start(const struct lesson_run *r, uint32_t i)
{
	return i < r->n_steps ? r->steps[i].t0 : r->length;
}

uint32_t lesson_run_seek(struct lesson_run *r, size_t t, size_t *event)
{
	uint32_t i;

	if (r->length == 0) {
		*event = 0;
		return 0;
	}
	if (t >= r->length)
		t = r->length - 1;
	i = r->pos_step[t];
	stepper_seek(r->st, r->pos_ev[t]);
	*event = r->pos_ev[t] - r->steps[i].first;
	return i;
}

const char *lesson_run_narration(struct lesson_run *r, size_t t, char *buf, size_t size)
{
	const struct lesson *l = r->lesson;
	const struct lesson_step *step;
	const struct lesson_action *a;
	size_t ev;
	uint32_t i;

	if (r->length == 0) {
		snprintf(buf, size, "%s", "");
		return buf;
	}
	if (t >= r->length)
		t = r->length - 1;
	i = lesson_run_seek(r, t, &ev);
	step = &r->steps[i];
	a = &l->actions[step->action];
	if (r->pos_desc[t] == SIZE_MAX) {
		if (a->op == LESSON_SAY) {
			/* a paragraph flows as one text: its lines joined by
			 * spaces, then escaped once */
			size_t n = strlen(l->text + a->text);
			char *flat = mem_alloc(n + 1);
			memcpy(flat, l->text + a->text, n + 1);
			for (char *nl = strchr(flat, '\n'); nl; nl = strchr(nl, '\n'))
				*nl = ' ';
			text_escape(buf, size, flat, n, 0);
			free(flat);
		} else {
			snprintf(buf, size, "[line %u] %s", (unsigned)a->line, step->what);
		}
		return buf;
	}
	return stepper_describe(r->st, &r->st->ev[r->pos_desc[t]], buf, size);
}

static int by_bytes(const void *pa, const void *pb)
{
	const struct lesson_tm_line *a = pa, *b = pb;

	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	return (a->line > b->line) - (a->line < b->line);
}

uint32_t lesson_tracemalloc(const struct lesson_run *r, struct lesson_tm_line *out, uint32_t max)
{
	const struct stepper *s = r->st;
	const struct heap *h = r->heap;
	struct lesson_tm_line *all = mem_alloc(((size_t)LESSON_MAX_ACTIONS + 1) * sizeof *all);
	uint32_t n = 0;

	for (uint32_t v = 0; v < s->n; v++) {
		uint32_t k;
		if ((s->flags[v] & (STEPPER_F_UNBORN | STEPPER_F_FREED)) || v == s->ns_node || !heap_size(h, v) ||
		    !r->node_line[v] || (h->flags[v] & HEAP_F_WEAKREF))
			continue;
		for (k = 0; k < n && all[k].line != r->node_line[v]; k++)
			;
		if (k == n) {
			if (n == LESSON_MAX_ACTIONS + 1)
				continue;
			all[n++] = (struct lesson_tm_line){ .line = r->node_line[v] };
		}
		all[k].bytes += heap_size(h, v);
		all[k].count++;
	}
	qsort(all, n, sizeof *all, by_bytes);
	if (n > max)
		n = max;
	memcpy(out, all, n * sizeof *out);
	free(all);
	return n;
}
