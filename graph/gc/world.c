#include "graph/gc/world.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include "graph/core/text.h"
#include "graph/reach.h"

/* ---- versions ---- */

static const struct world_pyinfo pyinfo[WORLD_PYS] = {
	[WORLD_PY38] = { .name = "3.8", .inst_bytes = 40, .weakref_bytes = 72, .threshold = { 700, 10, 10 }, .gc_in_alloc = 1,
			 .resurrect_keeps_all = 1, .untrack_dicts = 1, .interpreter_objects = 4800 },
	[WORLD_PY39] = { .name = "3.9", .inst_bytes = 40, .weakref_bytes = 72, .threshold = { 700, 10, 10 }, .gc_in_alloc = 1,
			 .untrack_dicts = 1, .interpreter_objects = 5000 },
	[WORLD_PY310] = { .name = "3.10", .inst_bytes = 40, .weakref_bytes = 72, .threshold = { 700, 10, 10 }, .gc_in_alloc = 1,
			  .untrack_dicts = 1, .interpreter_objects = 5100 },
	[WORLD_PY311] = { .name = "3.11", .inst_bytes = 40, .weakref_bytes = 80, .threshold = { 700, 10, 10 }, .gc_in_alloc = 1,
			  .untrack_dicts = 1, .interpreter_objects = 11000 },
	[WORLD_PY312] = { .name = "3.12", .inst_bytes = 48, .weakref_bytes = 80, .threshold = { 700, 10, 10 }, .immortal = 1,
			  .untrack_dicts = 1, .interpreter_objects = 5400,
			  .immortal_refcount = 4294967295 },
	[WORLD_PY313] = { .name = "3.13", .inst_bytes = 48, .weakref_bytes = 80, .threshold = { 2000, 10, 10 }, .immortal = 1,
			  .untrack_dicts = 1, .interpreter_objects = 5500,
			  .immortal_refcount = 4294967295 },
	[WORLD_PY314] = { .name = "3.14", .inst_bytes = 48, .weakref_bytes = 80, .threshold = { 2000, 10, 0 }, .immortal = 1,
			  .incremental = 1, .interpreter_objects = 5500,
			  .immortal_refcount = 3221225472 },
};

const struct world_pyinfo *world_py_info(enum world_py py)
{
	return &pyinfo[(unsigned)py < WORLD_PYS ? py : WORLD_PY_NEWEST];
}

int world_py_parse(const char *s, enum world_py *out)
{
	for (int i = 0; i < WORLD_PYS; i++)
		if (strcmp(s, pyinfo[i].name) == 0) {
			*out = (enum world_py)i;
			return 0;
		}
	return -1;
}

/* ---- the world ---- */

enum wflag {
	W_ALIVE = 1u << 0,	/* made and not freed */
	W_FIN = 1u << 1,	/* its class has __del__ */
	W_REVIVE = 1u << 2,	/* __del__ stores it in its variable */
	W_COLLECTING = 1u << 3,	/* in the list being collected */
	W_TENTATIVE = 1u << 4,	/* in the (tentatively) unreachable list */
	W_IMMORTAL = 1u << 5,	/* refcount never changes */
	W_GC = 1u << 6,		/* a container the collector can track */
	W_FINALIZED = 1u << 7,	/* its finalizer has run (PEP 442) */
	W_ROOT = 1u << 8,	/* held from outside (a part of a real heap) */
	W_DEALLOC = 1u << 9,	/* its deallocator is running */
	W_EVER_FIN = 1u << 10	/* had a __del__ at some point */
};

enum {
	TUPLE_SAVE = 20,	/* PyTuple_MAXSAVESIZE: tuples of 1..19 items are kept */
	TUPLE_FREE_MAX = 2000	/* PyTuple_MAXFREELIST */
};

/* CPython's gc lists. */
enum {
	L_GEN0 = 0, L_GEN1, L_GEN2, L_PERM,
	L_UNREACH,		/* move_unreachable's unreachable list */
	L_FINAL,		/* still unreachable after the finalizers */
	L_WRCB,			/* weak references whose callbacks are to run */
	L_SURV,			/* scratch */
	L_INC,			/* 3.14: the increment being collected */
	L_COUNT
};

struct wlist {
	uint32_t head, tail, n;
};

/* A deallocation in progress (tp_dealloc nests them; the stack keeps the
 * nesting off the C stack). */
enum dstage { D_START = 0, D_AFTER_FIN, D_AFTER_DEL, D_FIELDS };

struct dframe {
	uint32_t o;
	uint8_t stage;
};

struct world {
	enum world_mode mode;
	enum world_py py;
	const struct world_pyinfo *pi;
	struct stepper *s;		/* the visible state and the log */
	char why[200];

	char *text;			/* labels, types and names; offset 0 is "" */
	size_t text_len, text_cap;

	/* objects */
	uint32_t n, cap;
	uint8_t *kind;
	uint32_t *label, *type;
	uint16_t *wf;
	uint64_t *orig_id;		/* real heaps: the original id */
	uint64_t *size;
	uint32_t *gprev, *gnext;	/* gc list links */
	uint8_t *glist;			/* the list an object is in, 0xff none */
	uint32_t *first_ref, *last_ref;	/* its references, in traverse order */
	uint32_t *wr_first;		/* the weak references to it, CPython's order */
	uint32_t *wr_next;		/* (a weakref) the next one in its referent's list */
	uint32_t *wr_edge;		/* (a weakref) its referent reference, or NONE */
	uint32_t *cb;			/* (a weakref) its callback's name, 0 none */

	/* references */
	uint32_t m, ecap;
	uint32_t *e_from, *e_to, *e_name, *e_prev, *e_next;
	uint8_t *e_loc, *e_weak, *e_alive;

	struct wlist list[L_COUNT];
	uint32_t ns;				/* the namespace, or NONE */
	uint32_t none_obj, true_obj, false_obj;
	int64_t long_lived_pending, long_lived_total;
	int64_t freelist[2];			/* list, dict: numfree */
	int64_t tuples[TUPLE_SAVE];		/* tuple free lists by size: numfree */
	int scheduled;				/* 3.12+: a collection waits for the eval breaker */
	int interp_frozen;			/* gc.freeze() took the interpreter's own objects too */
	int collecting;
	uint32_t next_order;

	/* 3.14 */
	int mark_done;
	int64_t work_to_do;
	uint32_t on_stack;		/* the result of the call being made, or NONE */

	/* the deallocation stack */
	struct dframe *ds;
	uint32_t nd, dcap;
	int in_machine;
};

enum {
	FREELIST_MAX = 80,	/* PyList_MAXFREELIST, PyDict_MAXFREELIST */
	LIST_NONE = 0xff
};

static int fail(struct world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct world *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->why, sizeof w->why, fmt, ap);
	va_end(ap);
	return -1;
}

const char *world_why(const struct world *w)
{
	return w->why;
}

static uint32_t add_text(struct world *w, const char *s)
{
	size_t len = strlen(s);
	uint32_t off;

	if (!len)
		return 0;
	if (w->text_len + len + 1 > w->text_cap) {
		/* s may be a text of the arena itself (revive() stores under an
		 * object's label): where it is, as an offset, across the move */
		uintptr_t at = (uintptr_t)s - (uintptr_t)w->text;
		int inside = w->text && (uintptr_t)s >= (uintptr_t)w->text && at < w->text_len;
		while (w->text_len + len + 1 > w->text_cap)
			w->text_cap = w->text_cap ? w->text_cap * 2 : 256;
		w->text = mem_realloc_array(w->text, w->text_cap, 1);
		if (inside)
			s = w->text + at;
	}
	off = (uint32_t)w->text_len;
	memcpy(w->text + off, s, len + 1);
	w->text_len += len + 1;
	return off;
}

static const char *txt(const struct world *w, uint32_t off)
{
	return w->text + off;
}

const char *world_label(const struct world *w, uint32_t o)
{
	return o < w->n ? txt(w, w->label[o]) : "?";
}

uint32_t world_namespace(const struct world *w)
{
	return w->ns;
}

int world_alive(const struct world *w, uint32_t o)
{
	return o < w->n && (w->wf[o] & W_ALIVE);
}

enum world_kind world_object_kind(const struct world *w, uint32_t o)
{
	return (enum world_kind)w->kind[o];
}

static int cpython(const struct world *w)
{
	return w->mode == WORLD_CPYTHON;
}

static int counts_refs(const struct world *w)
{
	return w->mode != WORLD_MARKSWEEP;
}

/* ---- gc lists ---- */

static void wl_append(struct world *w, int l, uint32_t o)
{
	struct wlist *L = &w->list[l];

	assert(w->glist[o] == LIST_NONE);
	w->gprev[o] = L->tail;
	w->gnext[o] = WORLD_NONE;
	if (L->tail != WORLD_NONE)
		w->gnext[L->tail] = o;
	else
		L->head = o;
	L->tail = o;
	L->n++;
	w->glist[o] = (uint8_t)l;
}

static void wl_remove(struct world *w, uint32_t o)
{
	struct wlist *L;

	if (w->glist[o] == LIST_NONE)
		return;
	L = &w->list[w->glist[o]];
	if (w->gprev[o] != WORLD_NONE)
		w->gnext[w->gprev[o]] = w->gnext[o];
	else
		L->head = w->gnext[o];
	if (w->gnext[o] != WORLD_NONE)
		w->gprev[w->gnext[o]] = w->gprev[o];
	else
		L->tail = w->gprev[o];
	L->n--;
	w->glist[o] = LIST_NONE;
}

static void wl_move(struct world *w, uint32_t o, int l)
{
	wl_remove(w, o);
	wl_append(w, l, o);
}

/* Appends every object of list `from` to list `to`, in order. */
static void wl_merge(struct world *w, int from, int to)
{
	while (w->list[from].head != WORLD_NONE)
		wl_move(w, w->list[from].head, to);
}

static int tracked(const struct world *w, uint32_t o)
{
	return w->glist[o] != LIST_NONE;
}

/* ---- objects and references ---- */

static uint32_t object_add(struct world *w, enum world_kind kind, const char *label, const char *type,
			   int born)
{
	uint32_t o = w->n;

	if (w->n == w->cap) {
		uint32_t cap = w->cap ? w->cap * 2 : 32;
		w->kind = mem_realloc_array(w->kind, cap, sizeof *w->kind);
		w->label = mem_realloc_array(w->label, cap, sizeof *w->label);
		w->type = mem_realloc_array(w->type, cap, sizeof *w->type);
		w->wf = mem_realloc_array(w->wf, cap, sizeof *w->wf);
		w->orig_id = mem_realloc_array(w->orig_id, cap, sizeof *w->orig_id);
		w->size = mem_realloc_array(w->size, cap, sizeof *w->size);
		w->gprev = mem_realloc_array(w->gprev, cap, sizeof *w->gprev);
		w->gnext = mem_realloc_array(w->gnext, cap, sizeof *w->gnext);
		w->glist = mem_realloc_array(w->glist, cap, sizeof *w->glist);
		w->first_ref = mem_realloc_array(w->first_ref, cap, sizeof *w->first_ref);
		w->last_ref = mem_realloc_array(w->last_ref, cap, sizeof *w->last_ref);
		w->wr_first = mem_realloc_array(w->wr_first, cap, sizeof *w->wr_first);
		w->wr_next = mem_realloc_array(w->wr_next, cap, sizeof *w->wr_next);
		w->wr_edge = mem_realloc_array(w->wr_edge, cap, sizeof *w->wr_edge);
		w->cb = mem_realloc_array(w->cb, cap, sizeof *w->cb);
		w->cap = cap;
	}
	w->kind[o] = (uint8_t)kind;
	w->label[o] = add_text(w, label);
	w->type[o] = add_text(w, type);
	w->wf[o] = born ? W_ALIVE : 0;
	if (kind == WORLD_INSTANCE || kind == WORLD_LIST || kind == WORLD_DICT || kind == WORLD_WEAKREF ||
	    kind == WORLD_NAMESPACE)
		w->wf[o] |= W_GC;
	w->orig_id[o] = (uint64_t)o + 1;
	w->size[o] = 0;
	w->glist[o] = LIST_NONE;
	w->gprev[o] = w->gnext[o] = WORLD_NONE;
	w->first_ref[o] = w->last_ref[o] = WORLD_NONE;
	w->wr_first[o] = w->wr_next[o] = w->wr_edge[o] = WORLD_NONE;
	w->cb[o] = 0;
	w->n++;
	stepper_grow(w->s, w->n, w->m, born ? 0 : STEPPER_F_UNBORN, STEPPER_GEN_UNTRACKED, 1, 0);
	return o;
}

/* A reference record, not yet in its object's list. */
static uint32_t edge_add(struct world *w, uint32_t from, uint32_t to, enum world_loc loc,
			 const char *name, int weak)
{
	uint32_t e = w->m;

	if (w->m == w->ecap) {
		uint32_t cap = w->ecap ? w->ecap * 2 : 64;
		w->e_from = mem_realloc_array(w->e_from, cap, sizeof *w->e_from);
		w->e_to = mem_realloc_array(w->e_to, cap, sizeof *w->e_to);
		w->e_name = mem_realloc_array(w->e_name, cap, sizeof *w->e_name);
		w->e_prev = mem_realloc_array(w->e_prev, cap, sizeof *w->e_prev);
		w->e_next = mem_realloc_array(w->e_next, cap, sizeof *w->e_next);
		w->e_loc = mem_realloc_array(w->e_loc, cap, sizeof *w->e_loc);
		w->e_weak = mem_realloc_array(w->e_weak, cap, sizeof *w->e_weak);
		w->e_alive = mem_realloc_array(w->e_alive, cap, sizeof *w->e_alive);
		w->ecap = cap;
	}
	w->e_from[e] = from;
	w->e_to[e] = to;
	w->e_name[e] = add_text(w, name);
	w->e_prev[e] = w->e_next[e] = WORLD_NONE;
	w->e_loc[e] = (uint8_t)loc;
	w->e_weak[e] = (uint8_t)weak;
	w->e_alive[e] = 0;
	w->m++;
	stepper_grow(w->s, w->n, w->m, 0, 0, 0, 0);
	return e;
}

/* Puts e into its object's list after `after` (NONE: first). */
static void ref_insert_after(struct world *w, uint32_t e, uint32_t after)
{
	uint32_t o = w->e_from[e];
	uint32_t next = after == WORLD_NONE ? w->first_ref[o] : w->e_next[after];

	w->e_prev[e] = after;
	w->e_next[e] = next;
	if (after == WORLD_NONE)
		w->first_ref[o] = e;
	else
		w->e_next[after] = e;
	if (next == WORLD_NONE)
		w->last_ref[o] = e;
	else
		w->e_prev[next] = e;
}

static void ref_remove(struct world *w, uint32_t e)
{
	uint32_t o = w->e_from[e];

	if (w->e_prev[e] != WORLD_NONE)
		w->e_next[w->e_prev[e]] = w->e_next[e];
	else
		w->first_ref[o] = w->e_next[e];
	if (w->e_next[e] != WORLD_NONE)
		w->e_prev[w->e_next[e]] = w->e_prev[e];
	else
		w->last_ref[o] = w->e_prev[e];
	w->e_prev[e] = w->e_next[e] = WORLD_NONE;
}

/* The live reference of o at loc/name, or NONE. */
static uint32_t ref_find(const struct world *w, uint32_t o, enum world_loc loc, const char *name)
{
	for (uint32_t e = w->first_ref[o]; e != WORLD_NONE; e = w->e_next[e])
		if (w->e_loc[e] == loc && strcmp(txt(w, w->e_name[e]), name) == 0)
			return e;
	return WORLD_NONE;
}

uint32_t world_get(const struct world *w, uint32_t o, enum world_loc loc, const char *name)
{
	uint32_t e;

	if (o >= w->n)
		return WORLD_NONE;
	e = ref_find(w, o, loc, name);
	return e == WORLD_NONE ? WORLD_NONE : w->e_to[e];
}

uint32_t world_var(const struct world *w, const char *name)
{
	return w->ns == WORLD_NONE ? WORLD_NONE : world_get(w, w->ns, WORLD_LOC_VAR, name);
}

uint32_t world_constant(const struct world *w, const char *name)
{
	if (strcmp(name, "None") == 0)
		return w->none_obj;
	if (strcmp(name, "True") == 0)
		return w->true_obj;
	if (strcmp(name, "False") == 0)
		return w->false_obj;
	return WORLD_NONE;
}

uint32_t world_list_len(const struct world *w, uint32_t o)
{
	uint32_t k = 0;

	for (uint32_t e = w->first_ref[o]; e != WORLD_NONE; e = w->e_next[e])
		k++;
	return k;
}

/* ---- events ---- */

static struct stepper *S(struct world *w)
{
	return w->s;
}

static void ev(struct world *w, enum stepper_kind kind, enum stepper_col col, uint32_t node,
	       int64_t value, enum stepper_qop qop, uint32_t other, uint32_t edge, enum stepper_why why)
{
	stepper_emit(w->s, kind, col, node, value, qop, other, edge, why);
}

static void note(struct world *w, enum stepper_kind kind, uint32_t node, int64_t a, int64_t b)
{
	stepper_note(w->s, kind, node, a, b, HEAP_NONE, HEAP_NONE);
}

static int64_t rc(const struct world *w, uint32_t o)
{
	return w->s->refcount[o];
}

static void set_gen(struct world *w, enum stepper_kind kind, uint32_t o, int gen, enum stepper_why why)
{
	if (S(w)->gen[o] != gen)
		ev(w, kind, STEPPER_COL_GEN, o, gen, STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE, why);
}

static void set_count(struct world *w, int g, int64_t v)
{
	if (S(w)->gen_count[g] != v)
		ev(w, STEPPER_COUNT, STEPPER_COL_GENCOUNT, (uint32_t)g, v, STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE,
		   STEPPER_WHY_NONE);
}

/* The visible generation of a gc list. */
static int list_gen(const struct world *w, int l)
{
	switch (l) {
	case L_GEN0: return 0;
	case L_GEN1: return w->pi->incremental ? 2 : 1;	/* 3.14: old, visited */
	case L_GEN2: return 2;
	case L_PERM: return WORLD_GEN_PERMANENT;
	default: return -1;
	}
}

/* ---- reference counting ---- */

static void dealloc_push(struct world *w, uint32_t o);
static void dealloc_run(struct world *w, uint32_t base);

static void incref(struct world *w, uint32_t o, uint32_t edge, enum stepper_why why)
{
	if (!counts_refs(w) || (w->wf[o] & W_IMMORTAL))
		return;
	ev(w, STEPPER_INCREF, STEPPER_COL_REFCOUNT, o, rc(w, o) + 1, STEPPER_Q_NONE, HEAP_NONE, edge, why);
}

/* Lowers o's refcount; at 0 its deallocation starts: inside the machine it
 * is only pushed (the machine runs it next, depth first), outside the
 * machine it runs to its end before this returns. */
static void decref(struct world *w, uint32_t o, uint32_t edge, enum stepper_why why)
{
	if (!counts_refs(w) || (w->wf[o] & W_IMMORTAL) || !(w->wf[o] & W_ALIVE))
		return;
	ev(w, STEPPER_DECREF, STEPPER_COL_REFCOUNT, o, rc(w, o) - 1, STEPPER_Q_NONE, HEAP_NONE, edge, why);
	if (rc(w, o) != 0 || (w->wf[o] & W_DEALLOC))
		return;
	if (w->in_machine) {
		dealloc_push(w, o);
	} else {
		uint32_t base = w->nd;
		dealloc_push(w, o);
		dealloc_run(w, base);
	}
}

/* Makes reference e live (LINK): into its object's list after `after`, and,
 * for a weak reference's referent, into the target's list of weak
 * references (at its head, or after the callback-less one). */
static void link_edge(struct world *w, uint32_t e, uint32_t after, enum stepper_why why)
{
	ref_insert_after(w, e, after);
	w->e_alive[e] = 1;
	ev(w, STEPPER_LINK, STEPPER_COL_EDGE, w->e_to[e], 1, STEPPER_Q_NONE, w->e_from[e], e, why);
}

/* Ends reference e (UNLINK); the caller lowers the target's refcount. */
static void unlink_edge(struct world *w, uint32_t e, enum stepper_why why, uint32_t by)
{
	ref_remove(w, e);
	w->e_alive[e] = 0;
	ev(w, STEPPER_UNLINK, STEPPER_COL_EDGE, w->e_to[e], 0, STEPPER_Q_NONE,
	   by != WORLD_NONE ? by : w->e_from[e], e, why);
}

/* The reference after which a new one named `name` goes in o's list. */
static uint32_t insert_point(const struct world *w, uint32_t o, enum world_loc loc, const char *name)
{
	uint32_t after = WORLD_NONE;

	if (w->kind[o] != WORLD_INSTANCE || loc != WORLD_LOC_FIELD)
		return w->last_ref[o];	/* dicts, lists, the namespace: at the end */
	/* __slots__ are sorted by name: CPython traverses and clears them so */
	for (uint32_t e = w->first_ref[o]; e != WORLD_NONE; e = w->e_next[e]) {
		if (w->e_loc[e] == WORLD_LOC_FIELD && strcmp(txt(w, w->e_name[e]), name) > 0)
			break;
		after = e;
	}
	return after;
}

/* The weak references to t: wr is removed from t's list. */
static void wr_unlist(struct world *w, uint32_t wr)
{
	uint32_t e = w->wr_edge[wr], t, *p;

	if (e == WORLD_NONE)
		return;
	t = w->e_to[e];
	for (p = &w->wr_first[t]; *p != WORLD_NONE; p = &w->wr_next[*p])
		if (*p == wr) {
			*p = w->wr_next[wr];
			break;
		}
	w->wr_next[wr] = WORLD_NONE;
	w->wr_edge[wr] = WORLD_NONE;
}

/* Clears weak reference wr (its referent goes: calling it returns None). */
static void wr_clear(struct world *w, uint32_t wr, enum stepper_kind kind)
{
	uint32_t e = w->wr_edge[wr];

	if (e == WORLD_NONE)
		return;
	wr_unlist(w, wr);
	ref_remove(w, e);
	w->e_alive[e] = 0;
	ev(w, kind, STEPPER_COL_EDGE, w->e_to[e], 0, STEPPER_Q_NONE, wr, e,
	   kind == STEPPER_UNLINK ? STEPPER_WHY_DEALLOC : STEPPER_WHY_NONE);
}

/* The free list of lists or dicts (-1: the kind has none). */
static int freelist_of(const struct world *w, uint32_t o)
{
	(void)w;
	if (w->kind[o] == WORLD_LIST)
		return 0;
	if (w->kind[o] == WORLD_DICT)
		return 1;
	return -1;
}

static void schedule_check(struct world *w);

/* The collector stops tracking o (3.14 counts it). */
static void untrack(struct world *w, uint32_t o)
{
	if (!tracked(w, o))
		return;
	wl_remove(w, o);
	if (w->pi->incremental && S(w)->gen_count[0] > 0)
		set_count(w, 0, S(w)->gen_count[0] - 1);
}

/* The collector starts tracking o: generation 0's tail (3.14 counts it and
 * may schedule a collection). */
static void track(struct world *w, uint32_t o, int visible)
{
	if (tracked(w, o))
		return;
	wl_append(w, L_GEN0, o);
	if (visible)
		set_gen(w, STEPPER_TRACK, o, 0, STEPPER_WHY_NONE);
	if (w->pi->incremental) {
		set_count(w, 0, S(w)->gen_count[0] + 1);
		schedule_check(w);
	}
}

/* Frees o (its deallocator is done): PyObject_GC_Del or a free list. */
static void free_object(struct world *w, uint32_t o)
{
	int fl = freelist_of(w, o);

	untrack(w, o);
	w->wf[o] &= (uint16_t)~(W_ALIVE | W_DEALLOC | W_COLLECTING | W_TENTATIVE);
	ev(w, STEPPER_FREE, STEPPER_COL_FLAGS, o, S(w)->flags[o] | STEPPER_F_FREED, STEPPER_Q_NONE,
	   HEAP_NONE, HEAP_NONE, STEPPER_WHY_NONE);
	if (!cpython(w) || w->pi->incremental || !(w->wf[o] & W_GC))
		return;
	if (fl >= 0 && w->freelist[fl] < FREELIST_MAX) {
		w->freelist[fl]++;
		return;
	}
	if (S(w)->gen_count[0] > 0)
		set_count(w, 0, S(w)->gen_count[0] - 1);
}

static void dealloc_push(struct world *w, uint32_t o)
{
	if (w->nd == w->dcap) {
		w->dcap = w->dcap ? w->dcap * 2 : 32;
		w->ds = mem_realloc_array(w->ds, w->dcap, sizeof *w->ds);
	}
	w->wf[o] |= W_DEALLOC;
	w->ds[w->nd++] = (struct dframe){ .o = o, .stage = D_START };
}

static void revive(struct world *w, uint32_t o);
static void tuple_alloc(struct world *w, uint32_t n);
static void tuple_free(struct world *w, uint32_t n);
static void eval_breaker(struct world *w);

/* The next reference a deallocation or tp_clear lets go of: lists from
 * their last item, everything else from the first. */
static uint32_t next_to_clear(const struct world *w, uint32_t o)
{
	return w->kind[o] == WORLD_LIST ? w->last_ref[o] : w->first_ref[o];
}

/* Runs the deallocations on the stack until it is back to `base` frames:
 * subtype_dealloc's order for each object, a child's deallocation nested
 * inside its parent's. */
static void dealloc_run(struct world *w, uint32_t base)
{
	int was = w->in_machine;

	w->in_machine = 1;
	while (w->nd > base) {
		struct dframe *f = &w->ds[w->nd - 1];
		uint32_t o = f->o, e;

		switch (f->stage) {
		case D_START:
			ev(w, STEPPER_ZERO, STEPPER_COL_DEAL, o, w->nd, STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE,
			   STEPPER_WHY_NONE);
			untrack(w, o);
			f->stage = D_AFTER_DEL;
			if ((w->wf[o] & W_FIN) && !(w->wf[o] & W_FINALIZED)) {
				/* PyObject_CallFinalizerFromDealloc: the object is
				 * alive (refcount 1) and tracked again while __del__
				 * runs (a collection then sees it) */
				w->wf[o] |= W_FINALIZED;
				if (cpython(w))
					track(w, o, 0);
				ev(w, STEPPER_INCREF, STEPPER_COL_REFCOUNT, o, rc(w, o) + 1, STEPPER_Q_NONE, HEAP_NONE,
				   HEAP_NONE, STEPPER_WHY_FINALIZER);
				ev(w, STEPPER_FINALIZE, STEPPER_COL_FLAGS, o, S(w)->flags[o] | STEPPER_F_FINALIZED,
				   STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE, STEPPER_WHY_NONE);
				if (cpython(w))
					eval_breaker(w);	/* __del__'s RESUME */
				if (w->wf[o] & W_REVIVE)
					revive(w, o);	/* may push: those run first */
				f->stage = D_AFTER_FIN;
			}
			break;
		case D_AFTER_FIN:
			ev(w, STEPPER_DECREF, STEPPER_COL_REFCOUNT, o, rc(w, o) - 1, STEPPER_Q_NONE, HEAP_NONE,
			   HEAP_NONE, STEPPER_WHY_FINALIZER);
			f->stage = D_AFTER_DEL;
			break;
		case D_AFTER_DEL: {
			uint32_t cbs[64], ncb = 0;

			if (rc(w, o) > 0) {
				/* resurrected: it stays, tracked (generation 0) */
				w->wf[o] &= (uint16_t)~W_DEALLOC;
				ev(w, STEPPER_REVIVED, STEPPER_COL_DEAL, o, 0, STEPPER_Q_NONE, HEAP_NONE,
				   HEAP_NONE, STEPPER_WHY_NONE);
				if (cpython(w))
					set_gen(w, STEPPER_TRACK, o, 0, STEPPER_WHY_NONE);
				w->nd--;
				break;
			}
			if (cpython(w))
				untrack(w, o);
			/* PyObject_ClearWeakRefs: the callback-less one first,
			 * then the others, then their callbacks; with two or more
			 * callbacks (3.13: with any) they wait in a tuple */
			{
				uint32_t cbn = 0, tup = 0;
				for (uint32_t wr = w->wr_first[o]; wr != WORLD_NONE; wr = w->wr_next[wr])
					cbn += w->cb[wr] != 0;
				if (w->py >= WORLD_PY313 ? cbn >= 1 : cbn >= 2)
					tup = 2 * cbn;
				if (tup)
					tuple_alloc(w, tup);
				while (w->wr_first[o] != WORLD_NONE) {
					uint32_t wr = w->wr_first[o];
					if (w->cb[wr] && ncb < 64)
						cbs[ncb++] = wr;
					wr_clear(w, wr, STEPPER_WEAKCLEAR);
				}
				for (uint32_t i = 0; i < ncb; i++)
					if (w->wf[cbs[i]] & W_ALIVE) {
						if (cpython(w))
							eval_breaker(w);	/* the callback's RESUME */
						ev(w, STEPPER_CALLBACK, STEPPER_COL_NONE, cbs[i], 0, STEPPER_Q_NONE, o,
						   HEAP_NONE, STEPPER_WHY_NONE);
					}
				if (tup)
					tuple_free(w, tup);
			}
			f->stage = D_FIELDS;
			break;
		}
		case D_FIELDS:
			e = next_to_clear(w, o);
			if (e == WORLD_NONE) {
				w->nd--;
				free_object(w, o);
				break;
			}
			if (w->e_loc[e] == WORLD_LOC_REFERENT) {
				wr_clear(w, o, STEPPER_UNLINK);	/* a weakref dies */
				break;
			}
			unlink_edge(w, e, STEPPER_WHY_DEALLOC, o);
			if (!w->e_weak[e])
				decref(w, w->e_to[e], e, STEPPER_WHY_DEALLOC);
			break;
		}
	}
	w->in_machine = was;
}

/* Stores a reference: o.loc[name] = t (t's refcount already raised by the
 * caller or not: `incr` says whether to raise it now), letting go of what
 * was there.  Returns the new reference. */
static uint32_t store(struct world *w, uint32_t o, enum world_loc loc, const char *name, uint32_t t,
		      int incr, enum stepper_why why)
{
	uint32_t old = ref_find(w, o, loc, name);
	uint32_t after = old != WORLD_NONE ? w->e_prev[old] : insert_point(w, o, loc, name);
	uint32_t e = edge_add(w, o, t, loc, name, 0);

	if (old != WORLD_NONE) {
		/* the new reference takes the old one's place */
		ref_remove(w, old);
		w->e_alive[old] = 0;
	}
	link_edge(w, e, after, why);
	if (incr)
		incref(w, t, e, why);
	if (old != WORLD_NONE) {
		ev(w, STEPPER_UNLINK, STEPPER_COL_EDGE, w->e_to[old], 0, STEPPER_Q_NONE, o, old,
		   STEPPER_WHY_STORE);
		if (!w->e_weak[old])
			decref(w, w->e_to[old], old, STEPPER_WHY_STORE);
	}
	return e;
}

/* A finalizer stores o in the variable named after it. */
static void revive(struct world *w, uint32_t o)
{
	if (w->ns == WORLD_NONE)
		return;
	store(w, w->ns, WORLD_LOC_VAR, txt(w, w->label[o]), o, 1, STEPPER_WHY_REVIVE);
}

/* ---- the cycle collector (3.8 to 3.13) ---- */

static int64_t collect(struct world *w, int g, int how);

/* collect_generations(): the oldest generation over its threshold. */
static void collect_generations(struct world *w, int how)
{
	for (int i = STEPPER_GENS - 1; i >= 0; i--) {
		note(w, STEPPER_THRESHOLD, (uint32_t)i, S(w)->gen_count[i], S(w)->threshold[i]);
		if (S(w)->gen_count[i] > S(w)->threshold[i]) {
			if (i == STEPPER_GENS - 1 && w->long_lived_pending < w->long_lived_total / 4) {
				note(w, STEPPER_SKIPFULL, 2, w->long_lived_pending, w->long_lived_total);
				continue;
			}
			collect(w, i, how);
			return;
		}
	}
}

static void increment(struct world *w, int how);

/* An allocation of a container: counted and, in 3.8 to 3.11, a
 * collection right here when over threshold 0; 3.12 on only schedule one.
 * (list() and dict() allocate through their type, never from the free
 * lists their deallocations fill.) */
static void count_alloc(struct world *w)
{
	if (!cpython(w) || w->pi->incremental)
		return;
	set_count(w, 0, S(w)->gen_count[0] + 1);
	schedule_check(w);
}

/* A tuple of n items (a call's arguments, PyObject_ClearWeakRefs's list of
 * callbacks): from the free list of its size when it has one (a full
 * collection empties them), else a counted allocation. */
static void tuple_alloc(struct world *w, uint32_t n)
{
	if (!cpython(w) || w->pi->incremental)
		return;
	if (n < TUPLE_SAVE && w->tuples[n] > 0) {
		w->tuples[n]--;
		return;
	}
	count_alloc(w);
}

/* The tuple goes back to its free list (or is freed: one off the count). */
static void tuple_free(struct world *w, uint32_t n)
{
	if (!cpython(w) || w->pi->incremental)
		return;
	if (n < TUPLE_SAVE && w->tuples[n] < TUPLE_FREE_MAX) {
		w->tuples[n]++;
		return;
	}
	if (S(w)->gen_count[0] > 0)
		set_count(w, 0, S(w)->gen_count[0] - 1);
}

static void schedule_check(struct world *w)
{
	if (S(w)->gen_count[0] <= S(w)->threshold[0] || S(w)->threshold[0] == 0 || w->collecting)
		return;
	if (w->pi->gc_in_alloc) {
		int was = w->in_machine;
		w->collecting = 1;
		w->in_machine = 0;	/* its frees run to their end here */
		collect_generations(w, 1);
		w->in_machine = was;
		w->collecting = 0;
	} else {
		w->scheduled = 1;
	}
}

/* The eval breaker (the end of a call, 3.12 on): a scheduled collection
 * runs now. */
static void eval_breaker(struct world *w)
{
	if (!w->scheduled)
		return;
	w->scheduled = 0;
	w->collecting = 1;
	if (w->pi->incremental)
		increment(w, 2);
	else
		collect_generations(w, 2);
	w->on_stack = WORLD_NONE;
	w->collecting = 0;
}

/* Colours every live object: white when in the list `l` (the
 * collection), outside otherwise. */
static void colour_for(struct world *w, int l)
{
	for (uint32_t o = 0; o < w->n; o++) {
		int in = w->glist[o] == l;
		if (!(w->wf[o] & W_ALIVE) || !(w->wf[o] & W_GC))
			continue;
		if (in && S(w)->colour[o] != STEPPER_WHITE)
			ev(w, STEPPER_WHITEN, STEPPER_COL_COLOUR, o, STEPPER_WHITE, STEPPER_Q_NONE, HEAP_NONE,
			   HEAP_NONE, STEPPER_WHY_NONE);
		else if (!in && S(w)->colour[o] != STEPPER_OUTSIDE)
			ev(w, STEPPER_OLDER, STEPPER_COL_COLOUR, o, STEPPER_OUTSIDE, STEPPER_Q_NONE, HEAP_NONE,
			   HEAP_NONE, STEPPER_WHY_NONE);
	}
}

/* The references of o in tp_traverse order into out (room for cap);
 * returns how many.  Lists traverse from their last item. */
static uint32_t traverse(const struct world *w, uint32_t o, uint32_t *out, uint32_t cap)
{
	uint32_t k = 0;

	if (w->kind[o] == WORLD_LIST) {
		for (uint32_t e = w->last_ref[o]; e != WORLD_NONE && k < cap; e = w->e_prev[e])
			out[k++] = e;
	} else {
		for (uint32_t e = w->first_ref[o]; e != WORLD_NONE && k < cap; e = w->e_next[e])
			if (!w->e_weak[e])
				out[k++] = e;
	}
	return k;
}

/* Scratch for traversals: every reference of one object. */
static uint32_t *scratch(struct world *w, uint32_t *cap)
{
	*cap = w->m ? w->m : 1;
	return mem_alloc(*cap * sizeof(uint32_t));
}

/* deduce_unreachable(): update_refs, subtract_refs, move_unreachable on
 * list `l`, leaving the survivors in `l` (in the order move_unreachable
 * leaves them) and the unreachable in `unreach`.  `mark` colours them. */
static void deduce_unreachable(struct world *w, int l, int unreach)
{
	uint32_t cap, *refs = scratch(w, &cap);

	stepper_phase(S(w), STEPPER_PH_COPY);
	/* the list becomes the worklist, in order */
	while (w->list[l].head != WORLD_NONE) {
		uint32_t o = w->list[l].head;
		wl_move(w, o, L_SURV);
		w->wf[o] |= W_COLLECTING;
		ev(w, STEPPER_COPY, STEPPER_COL_GCREFS, o, rc(w, o), STEPPER_Q_PUSH, HEAP_NONE, HEAP_NONE,
		   STEPPER_WHY_NONE);
	}
	wl_merge(w, L_SURV, l);
	stepper_phase(S(w), STEPPER_PH_SUBTRACT);
	for (uint32_t o = w->list[l].head; o != WORLD_NONE; o = w->gnext[o]) {
		uint32_t k = traverse(w, o, refs, cap);
		for (uint32_t i = 0; i < k; i++) {
			uint32_t t = w->e_to[refs[i]];
			if (w->wf[t] & W_COLLECTING)
				ev(w, STEPPER_SUBTRACT, STEPPER_COL_GCREFS, t, S(w)->gc_refs[t] - 1,
				   STEPPER_Q_NONE, o, refs[i], STEPPER_WHY_NONE);
		}
	}
	stepper_phase(S(w), STEPPER_PH_RESCUE);
	/* the scan: the stepper's queue is the young list */
	for (uint32_t o = w->list[l].head; o != WORLD_NONE;) {
		uint32_t next = w->gnext[o];
		wl_remove(w, o);
		o = next;
	}
	while (S(w)->qhead < S(w)->qtail) {
		uint32_t o = S(w)->queue[S(w)->qhead];

		if (S(w)->gc_refs[o] > 0) {
			uint32_t k;
			ev(w, STEPPER_REACHABLE, STEPPER_COL_COLOUR, o, STEPPER_BLACK, STEPPER_Q_POP, HEAP_NONE,
			   HEAP_NONE, STEPPER_WHY_NONE);
			w->wf[o] &= (uint16_t)~W_COLLECTING;
			wl_append(w, l, o);
			k = traverse(w, o, refs, cap);
			for (uint32_t i = 0; i < k; i++) {
				uint32_t t = w->e_to[refs[i]];
				if (!(w->wf[t] & W_COLLECTING))
					continue;
				if (w->wf[t] & W_TENTATIVE) {
					w->wf[t] &= (uint16_t)~W_TENTATIVE;
					wl_remove(w, t);
					ev(w, STEPPER_MOVEBACK, STEPPER_COL_ORDER, t, 0, STEPPER_Q_PUSH, o, refs[i],
					   STEPPER_WHY_NONE);
					ev(w, STEPPER_VISIT, STEPPER_COL_GCREFS, t, 1, STEPPER_Q_NONE, o, refs[i],
					   (enum stepper_why)1);
				} else if (S(w)->gc_refs[t] == 0) {
					ev(w, STEPPER_VISIT, STEPPER_COL_GCREFS, t, 1, STEPPER_Q_NONE, o, refs[i],
					   STEPPER_WHY_NONE);
				}
			}
		} else {
			w->wf[o] |= W_TENTATIVE;
			wl_append(w, unreach, o);
			ev(w, STEPPER_TENTATIVE, STEPPER_COL_ORDER, o, ++w->next_order, STEPPER_Q_POP, HEAP_NONE,
			   HEAP_NONE, STEPPER_WHY_NONE);
		}
	}
	free(refs);
}

/* Weak references to the garbage (list u) are cleared; the callbacks of
 * those outside it run.  3.14 clears only those with callbacks here (the
 * rest after the finalizers).  Returns the weak references freed. */
static int64_t handle_weakrefs(struct world *w, int u, int old)
{
	int only_cb = w->pi->incremental;
	int any = 0;

	for (uint32_t o = w->list[u].head; o != WORLD_NONE; o = w->gnext[o]) {
		if ((w->kind[o] == WORLD_WEAKREF && !only_cb && w->wr_edge[o] != WORLD_NONE) ||
		    w->wr_first[o] != WORLD_NONE)
			any = 1;
	}
	if (!any)
		return 0;
	stepper_phase(S(w), STEPPER_PH_WEAKREFS);
	for (uint32_t o = w->list[u].head; o != WORLD_NONE; o = w->gnext[o]) {
		uint32_t wr, next;
		if (w->kind[o] == WORLD_WEAKREF && !only_cb)
			wr_clear(w, o, STEPPER_WEAKCLEAR);
		for (wr = w->wr_first[o]; wr != WORLD_NONE; wr = next) {
			next = w->wr_next[wr];
			if (only_cb && !w->cb[wr])
				continue;
			wr_clear(w, wr, STEPPER_WEAKCLEAR);
			if (!w->cb[wr] || (w->wf[wr] & W_COLLECTING))
				continue;
			/* keep the referent for the narration in wr_next */
			wl_move(w, wr, L_WRCB);
			w->wr_next[wr] = o;
		}
	}
	while (w->list[L_WRCB].head != WORLD_NONE) {
		uint32_t wr = w->list[L_WRCB].head;
		ev(w, STEPPER_CALLBACK, STEPPER_COL_NONE, wr, 0, STEPPER_Q_NONE, w->wr_next[wr], HEAP_NONE,
		   STEPPER_WHY_NONE);
		w->wr_next[wr] = WORLD_NONE;
		wl_move(w, wr, old);
		set_gen(w, STEPPER_MOVEOLD, wr, list_gen(w, old), STEPPER_WHY_NONE);
	}
	return 0;
}

/* 3.14: weak references without callbacks to what is still garbage. */
static void clear_weakrefs(struct world *w, int u)
{
	for (uint32_t o = w->list[u].head; o != WORLD_NONE; o = w->gnext[o]) {
		if (w->kind[o] == WORLD_WEAKREF)
			wr_clear(w, o, STEPPER_WEAKCLEAR);
		while (w->wr_first[o] != WORLD_NONE)
			wr_clear(w, w->wr_first[o], STEPPER_WEAKCLEAR);
	}
}

/* finalize_garbage(): __del__ of each, once ever.  Returns how many ran. */
static int finalize_garbage(struct world *w, int u)
{
	uint32_t n = w->list[u].n, k = 0, *objs = mem_alloc((n ? n : 1) * sizeof *objs);
	int ran = 0;

	for (uint32_t o = w->list[u].head; o != WORLD_NONE; o = w->gnext[o])
		objs[k++] = o;
	for (uint32_t i = 0; i < k; i++) {
		uint32_t o = objs[i];
		if (!(w->wf[o] & W_ALIVE) || !(w->wf[o] & W_FIN) || (w->wf[o] & W_FINALIZED))
			continue;
		if (!ran)
			stepper_phase(S(w), STEPPER_PH_FINALIZE);
		ran++;
		w->wf[o] |= W_FINALIZED;
		ev(w, STEPPER_FINALIZE, STEPPER_COL_FLAGS, o, S(w)->flags[o] | STEPPER_F_FINALIZED,
		   STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE, STEPPER_WHY_NONE);
		if (w->wf[o] & W_REVIVE)
			revive(w, o);
	}
	free(objs);
	return ran;
}

/* Moves every object of list `from` to `to`, each one's generation shown
 * as `to`'s (kind: the event). */
static void move_all(struct world *w, int from, int to, enum stepper_kind kind, enum stepper_why why)
{
	while (w->list[from].head != WORLD_NONE) {
		uint32_t o = w->list[from].head;
		wl_move(w, o, to);
		if (kind == STEPPER_RESCUED) {
			ev(w, STEPPER_RESCUED, STEPPER_COL_FLAGS, o, S(w)->flags[o] & ~STEPPER_F_UNREACHABLE,
			   STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE, why);
			set_gen(w, STEPPER_MOVEOLD, o, list_gen(w, to), STEPPER_WHY_NONE);
		} else {
			set_gen(w, kind, o, list_gen(w, to), why);
		}
	}
}

/* The "survivors move" phase, only when one of list l changes generation
 * by going to generation gen. */
static void promote_phase(struct world *w, int l, int gen)
{
	for (uint32_t o = w->list[l].head; o != WORLD_NONE; o = w->gnext[o])
		if (S(w)->gen[o] != gen) {
			stepper_phase(S(w), STEPPER_PH_PROMOTE);
			return;
		}
}

/* 3.8's check_garbage(): is any of the garbage referenced from outside
 * it now?  (gc_refs recomputed over the list.) */
static int check_garbage(struct world *w, int u)
{
	uint32_t cap, *refs = scratch(w, &cap);
	int any = 0;

	stepper_phase(S(w), STEPPER_PH_RECHECK);
	for (uint32_t o = w->list[u].head; o != WORLD_NONE; o = w->gnext[o])
		ev(w, STEPPER_COPY, STEPPER_COL_GCREFS, o, rc(w, o), STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE,
		   STEPPER_WHY_NONE);
	for (uint32_t o = w->list[u].head; o != WORLD_NONE; o = w->gnext[o]) {
		uint32_t k = traverse(w, o, refs, cap);
		for (uint32_t i = 0; i < k; i++) {
			uint32_t t = w->e_to[refs[i]];
			if (w->wf[t] & W_COLLECTING)
				ev(w, STEPPER_SUBTRACT, STEPPER_COL_GCREFS, t, S(w)->gc_refs[t] - 1,
				   STEPPER_Q_NONE, o, refs[i], STEPPER_WHY_NONE);
		}
	}
	for (uint32_t o = w->list[u].head; o != WORLD_NONE; o = w->gnext[o]) {
		any |= S(w)->gc_refs[o] != 0;
		w->wf[o] &= (uint16_t)~W_COLLECTING;
	}
	free(refs);
	return any;
}

/* delete_garbage(): tp_clear on each in turn, the collector holding it
 * meanwhile; what is still alive afterwards goes to `old`. */
static void delete_garbage(struct world *w, int u, int old)
{
	if (w->list[u].head == WORLD_NONE)
		return;
	stepper_phase(S(w), STEPPER_PH_CLEAR);
	while (w->list[u].head != WORLD_NONE) {
		uint32_t o = w->list[u].head, e;

		note(w, STEPPER_CLEAR, o, 0, 0);
		ev(w, STEPPER_INCREF, STEPPER_COL_REFCOUNT, o, rc(w, o) + 1, STEPPER_Q_NONE, HEAP_NONE,
		   HEAP_NONE, STEPPER_WHY_HOLD);
		while ((e = next_to_clear(w, o)) != WORLD_NONE) {
			if (w->e_loc[e] == WORLD_LOC_REFERENT) {
				wr_clear(w, o, STEPPER_UNLINK);
				continue;
			}
			unlink_edge(w, e, STEPPER_WHY_CLEAR, o);
			if (!w->e_weak[e])
				decref(w, w->e_to[e], e, STEPPER_WHY_CLEAR);
		}
		decref(w, o, HEAP_NONE, STEPPER_WHY_HOLD);
		if (w->list[u].head == o) {
			w->wf[o] &= (uint16_t)~(W_COLLECTING | W_TENTATIVE);
			wl_move(w, o, old);
			set_gen(w, STEPPER_MOVEOLD, o, list_gen(w, old), STEPPER_WHY_CLEAR);
		}
	}
}

/* Survivors of a full collection: dicts holding nothing tracked are
 * untracked (3.8 to 3.13). */
static void untrack_dicts(struct world *w, int l)
{
	for (uint32_t o = w->list[l].head, next; o != WORLD_NONE; o = next) {
		int holds = 0;
		next = w->gnext[o];
		if (w->kind[o] != WORLD_DICT)
			continue;
		for (uint32_t e = w->first_ref[o]; e != WORLD_NONE; e = w->e_next[e])
			holds |= (w->wf[w->e_to[e]] & W_GC) != 0;
		if (holds)
			continue;
		wl_remove(w, o);
		set_gen(w, STEPPER_UNTRACK, o, STEPPER_GEN_UNTRACKED, STEPPER_WHY_NONE);
	}
}

/* The part all versions share once the unreachable are known: weak
 * references, finalizers, resurrection, tp_clear.  Returns the number
 * gc.collect() counts. */
static int64_t collect_unreachable(struct world *w, int old)
{
	int64_t m = 0;
	int ran;

	if (w->list[L_UNREACH].head != WORLD_NONE)
		stepper_phase(S(w), STEPPER_PH_UNREACHABLE);
	for (uint32_t o = w->list[L_UNREACH].head; o != WORLD_NONE; o = w->gnext[o]) {
		w->wf[o] &= (uint16_t)~W_TENTATIVE;
		ev(w, STEPPER_UNREACHABLE, STEPPER_COL_FLAGS, o, S(w)->flags[o] | STEPPER_F_UNREACHABLE,
		   STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE, STEPPER_WHY_NONE);
	}
	m += handle_weakrefs(w, L_UNREACH, old);
	ran = finalize_garbage(w, L_UNREACH);
	if (w->pi->resurrect_keeps_all) {
		if (ran && check_garbage(w, L_UNREACH)) {
			move_all(w, L_UNREACH, old, STEPPER_RESCUED, (enum stepper_why)1);
			return m;
		}
		wl_merge(w, L_UNREACH, L_FINAL);
	} else if (ran) {
		/* handle_resurrected_objects(): deduce again over the garbage */
		for (uint32_t o = w->list[L_UNREACH].head; o != WORLD_NONE; o = w->gnext[o])
			w->wf[o] &= (uint16_t)~W_COLLECTING;
		stepper_phase(S(w), STEPPER_PH_RECHECK);
		deduce_unreachable(w, L_UNREACH, L_FINAL);
		for (uint32_t o = w->list[L_FINAL].head; o != WORLD_NONE; o = w->gnext[o])
			w->wf[o] &= (uint16_t)~W_TENTATIVE;
		move_all(w, L_UNREACH, old, STEPPER_RESCUED, STEPPER_WHY_NONE);
	} else {
		wl_merge(w, L_UNREACH, L_FINAL);
	}
	if (w->pi->incremental)
		clear_weakrefs(w, L_FINAL);
	m += w->list[L_FINAL].n;
	delete_garbage(w, L_FINAL, old);
	return m;
}

/* gc_collect_main(generation): how: 0 gc.collect(), 1 automatic inside an
 * allocation, 2 automatic at the end of a call.  Returns what gc.collect()
 * returns. */
static int64_t collect(struct world *w, int g, int how)
{
	int young = L_GEN0 + g, old = g + 1 < STEPPER_GENS ? L_GEN0 + g + 1 : young;
	int64_t m, survivors = 0;

	ev(w, STEPPER_COLLECT, STEPPER_COL_NONE, (uint32_t)g, 0, STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE,
	   (enum stepper_why)how);
	if (g + 1 < STEPPER_GENS)
		set_count(w, g + 1, S(w)->gen_count[g + 1] + 1);
	for (int i = 0; i <= g; i++)
		set_count(w, i, 0);
	/* generation g first, then 0, 1, ... */
	for (int i = 0; i < g; i++)
		wl_merge(w, L_GEN0 + i, young);
	colour_for(w, young);
	w->next_order = 0;
	deduce_unreachable(w, young, L_UNREACH);
	for (uint32_t o = w->list[young].head; o != WORLD_NONE; o = w->gnext[o])
		survivors++;
	if (young != old) {
		if (g == STEPPER_GENS - 2)
			w->long_lived_pending += survivors;
		promote_phase(w, young, list_gen(w, old));
		move_all(w, young, old, STEPPER_PROMOTE, STEPPER_WHY_NONE);
	} else {
		if (w->pi->untrack_dicts)
			untrack_dicts(w, young);
		/* the promotions happened when the objects came to generation 2 */
		promote_phase(w, young, 2);
		for (uint32_t o = w->list[young].head; o != WORLD_NONE; o = w->gnext[o])
			set_gen(w, STEPPER_PROMOTE, o, 2, STEPPER_WHY_NONE);
		w->long_lived_pending = 0;
		w->long_lived_total = (int64_t)w->list[young].n +
				      (w->interp_frozen ? 0 : w->pi->interpreter_objects);
	}
	m = collect_unreachable(w, old);
	if (g == STEPPER_GENS - 1) {
		/* clear_freelists() */
		w->freelist[0] = w->freelist[1] = 0;
		memset(w->tuples, 0, sizeof w->tuples);
	}
	stepper_phase(S(w), STEPPER_PH_DONE);
	ev(w, STEPPER_RETURN, STEPPER_COL_NONE, (uint32_t)g, m, STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE,
	   (enum stepper_why)how);
	return m;
}

/* ---- 3.14: the incremental collector ---- */

/* 3.14's lists: young is L_GEN0, the old generation's visited space
 * L_GEN1 and its pending space L_GEN2 (shown as generations 1 and 2).
 * CPython flips a bit where this moves the visited objects to pending at
 * the end of a scavenge; what is seen is the same. */

/* gc_collect_region(): from's survivors go to `to` before the
 * finalizers run. */
static int64_t collect_region(struct world *w, int from, int to)
{
	w->next_order = 0;
	colour_for(w, from);
	deduce_unreachable(w, from, L_UNREACH);
	promote_phase(w, from, list_gen(w, to));
	if (from != to)
		move_all(w, from, to, STEPPER_PROMOTE, STEPPER_WHY_NONE);
	else
		for (uint32_t o = w->list[to].head; o != WORLD_NONE; o = w->gnext[o])
			set_gen(w, STEPPER_PROMOTE, o, list_gen(w, to), STEPPER_WHY_NONE);
	return collect_unreachable(w, to);
}

/* The end of a scavenge: every visited object is pending again, and the
 * next increment starts with a mark. */
static void completed_scavenge(struct world *w)
{
	wl_merge(w, L_GEN1, L_GEN2);
	w->mark_done = 0;
	w->work_to_do = 0;
}

/* Moves what `from` (and, as roots, the namespace, the objects held from
 * outside and the call's result) reach, not yet visited, to the visited
 * space.  Returns how many. */
static int64_t mark_visited(struct world *w, int roots)
{
	uint32_t cap, *refs = scratch(w, &cap), *stack = mem_alloc((w->n ? w->n : 1) * sizeof *stack);
	uint32_t ns = 0;
	int64_t marked = 0;

	for (uint32_t o = 0; o < w->n; o++)
		if ((w->wf[o] & W_ALIVE) &&
		    (o == w->ns || o == w->on_stack || (roots && (w->wf[o] & W_ROOT))))
			stack[ns++] = o;
	while (ns) {
		uint32_t o = stack[--ns], k;
		if (tracked(w, o) && w->glist[o] != L_GEN1 && w->glist[o] != L_PERM) {
			wl_move(w, o, L_GEN1);
			ev(w, STEPPER_MARKED, STEPPER_COL_GEN, o, 2, STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE,
			   STEPPER_WHY_NONE);
			marked++;
		}
		k = traverse(w, o, refs, cap);
		for (uint32_t i = 0; i < k; i++) {
			uint32_t t = w->e_to[refs[i]];
			if (tracked(w, t) && w->glist[t] != L_GEN1 && w->glist[t] != L_PERM && ns < w->n)
				stack[ns++] = t;
		}
	}
	free(stack);
	free(refs);
	return marked;
}

/* gc_collect_increment(): the work to do grows with the young objects
 * (and a hundredth of the heap, at most twice the young objects); below 0
 * nothing happens.  The first increment after a scavenge marks what the
 * roots reach (the interpreter's own objects among it: that work is taken
 * off twice, as CPython's gc.c does); later ones mark from the running
 * code, then collect the young objects and, while the work lasts, the
 * pending old ones with what they reach. */
static void increment(struct world *w, int how)
{
	int64_t young = S(w)->gen_count[0], m = 0;
	int64_t heap = (w->interp_frozen ? 0 : w->pi->interpreter_objects) + w->list[L_GEN0].n +
		       w->list[L_GEN1].n + w->list[L_GEN2].n;
	int64_t scale = S(w)->threshold[1] < 2 ? 2 : S(w)->threshold[1], frac = heap / 10 / scale;

	ev(w, STEPPER_COLLECT, STEPPER_COL_NONE, 1, 1, STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE,
	   (enum stepper_why)(how != 0));
	if (frac > 2 * young)
		frac = 2 * young;
	w->work_to_do += young + frac;
	set_count(w, 0, 0);
	if (w->work_to_do < 0) {
		note(w, STEPPER_WORKLEFT, 0, w->work_to_do, 0);
	} else if (!w->mark_done) {
		int64_t marked;
		stepper_phase(S(w), STEPPER_PH_ROOTS);
		marked = (w->interp_frozen ? 0 : w->pi->interpreter_objects) + mark_visited(w, 1);
		w->work_to_do -= 2 * marked;
		w->mark_done = 1;
	} else {
		int64_t size = 0;
		uint32_t cap, *refs;

		stepper_phase(S(w), STEPPER_PH_ROOTS);
		w->work_to_do -= mark_visited(w, 0);
		refs = scratch(w, &cap);
		wl_merge(w, L_GEN0, L_INC);
		size = w->list[L_INC].n;
		while (size < w->work_to_do && w->list[L_GEN2].head != WORLD_NONE) {
			uint32_t o = w->list[L_GEN2].head;
			wl_move(w, o, L_INC);
			size++;
			for (uint32_t x = o; x != WORLD_NONE; x = w->gnext[x]) {
				uint32_t k = traverse(w, x, refs, cap);
				for (uint32_t i = 0; i < k; i++) {
					uint32_t t = w->e_to[refs[i]];
					if (w->glist[t] == L_GEN2) {
						wl_move(w, t, L_INC);
						size++;
					}
				}
			}
		}
		free(refs);
		m = collect_region(w, L_INC, L_GEN1);
		w->work_to_do -= size;
		if (w->list[L_GEN2].head == WORLD_NONE)
			completed_scavenge(w);
	}
	stepper_phase(S(w), STEPPER_PH_DONE);
	ev(w, STEPPER_RETURN, STEPPER_COL_NONE, 1, m, STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE,
	   (enum stepper_why)how);
}

/* gc.collect(g) in 3.14: 0 a young collection, 1 an increment, 2 a full
 * collection. */
static int64_t collect314(struct world *w, int g, int how)
{
	int64_t m;

	if (g == 1) {
		increment(w, how);
		return S(w)->ev && S(w)->n_ev ? S(w)->ev[S(w)->n_ev - 1].new : 0;
	}
	ev(w, STEPPER_COLLECT, STEPPER_COL_NONE, (uint32_t)g, 1, STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE,
	   (enum stepper_why)(how != 0));
	if (g == 0) {
		m = collect_region(w, L_GEN0, L_GEN1);
		set_count(w, 0, 0);
		set_count(w, 1, S(w)->gen_count[1] + 1);
	} else {
		/* visited, then pending, then young: one list */
		wl_merge(w, L_GEN2, L_GEN1);
		wl_merge(w, L_GEN0, L_GEN1);
		set_count(w, 0, 0);
		m = collect_region(w, L_GEN1, L_GEN1);
		set_count(w, 0, 0);
		set_count(w, 1, 0);
		set_count(w, 2, 0);
		completed_scavenge(w);
	}
	stepper_phase(S(w), STEPPER_PH_DONE);
	ev(w, STEPPER_RETURN, STEPPER_COL_NONE, (uint32_t)g, m, STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE,
	   (enum stepper_why)how);
	return m;
}

/* ---- mark and sweep ---- */

static void mark_sweep(struct world *w)
{
	uint32_t cap, *refs = scratch(w, &cap);

	for (uint32_t o = 0; o < w->n; o++)
		if ((w->wf[o] & W_ALIVE) && S(w)->colour[o] != STEPPER_WHITE)
			ev(w, STEPPER_WHITEN, STEPPER_COL_COLOUR, o, STEPPER_WHITE, STEPPER_Q_NONE, HEAP_NONE,
			   HEAP_NONE, STEPPER_WHY_NONE);
	stepper_phase(S(w), STEPPER_PH_MARK);
	for (uint32_t o = 0; o < w->n; o++)
		if ((w->wf[o] & W_ALIVE) && (o == w->ns || (w->wf[o] & W_ROOT)) &&
		    S(w)->colour[o] == STEPPER_WHITE)
			ev(w, STEPPER_ROOT, STEPPER_COL_COLOUR, o, STEPPER_GREY, STEPPER_Q_PUSH, HEAP_NONE,
			   HEAP_NONE, STEPPER_WHY_NONE);
	while (S(w)->qhead < S(w)->qtail) {
		uint32_t o = S(w)->queue[S(w)->qhead];
		ev(w, STEPPER_POP, STEPPER_COL_COLOUR, o, STEPPER_BLACK, STEPPER_Q_POP, HEAP_NONE, HEAP_NONE,
		   STEPPER_WHY_NONE);
		for (uint32_t e = w->first_ref[o]; e != WORLD_NONE; e = w->e_next[e]) {
			uint32_t t = w->e_to[e];
			if (!(w->wf[t] & W_ALIVE))
				continue;
			if (w->e_weak[e])
				ev(w, STEPPER_SKIP_WEAK, STEPPER_COL_NONE, t, S(w)->colour[t], STEPPER_Q_NONE, o, e,
				   STEPPER_WHY_NONE);
			else if (S(w)->colour[t] == STEPPER_WHITE)
				ev(w, STEPPER_SCAN, STEPPER_COL_COLOUR, t, STEPPER_GREY, STEPPER_Q_PUSH, o, e,
				   STEPPER_WHY_NONE);
			else
				ev(w, STEPPER_SCAN, STEPPER_COL_NONE, t, S(w)->colour[t], STEPPER_Q_NONE, o, e,
				   STEPPER_WHY_NONE);
		}
	}
	stepper_phase(S(w), STEPPER_PH_SWEEP);
	for (uint32_t o = 0; o < w->n; o++) {
		if (!(w->wf[o] & W_ALIVE) || S(w)->colour[o] != STEPPER_WHITE)
			continue;
		w->wf[o] &= (uint16_t)~W_ALIVE;
		ev(w, STEPPER_SWEEP, STEPPER_COL_FLAGS, o, S(w)->flags[o] | STEPPER_F_FREED, STEPPER_Q_NONE,
		   HEAP_NONE, HEAP_NONE, STEPPER_WHY_NONE);
	}
	/* weak references to what was swept now point nowhere; the swept
	 * objects' own references go with them */
	for (uint32_t o = 0; o < w->n; o++) {
		if (w->kind[o] == WORLD_WEAKREF && (w->wf[o] & W_ALIVE) && w->wr_edge[o] != WORLD_NONE &&
		    !(w->wf[w->e_to[w->wr_edge[o]]] & W_ALIVE))
			wr_clear(w, o, STEPPER_WEAKCLEAR);
	}
	free(refs);
	stepper_phase(S(w), STEPPER_PH_DONE);
}

/* ---- the world ---- */

struct world *world_new(enum world_mode mode, enum world_py py)
{
	struct world *w = mem_calloc(1, sizeof *w);

	w->mode = mode;
	w->py = py;
	w->pi = world_py_info(py);
	w->s = stepper_new(NULL, 0, 0);
	for (int l = 0; l < L_COUNT; l++)
		w->list[l] = (struct wlist){ .head = WORLD_NONE, .tail = WORLD_NONE };
	w->none_obj = w->true_obj = w->false_obj = WORLD_NONE;
	w->on_stack = WORLD_NONE;
	memcpy(S(w)->threshold, w->pi->threshold, sizeof S(w)->threshold);
	w->text = mem_alloc(256);
	w->text_cap = 256;
	w->text[0] = '\0';
	w->text_len = 1;
	w->ns = object_add(w, WORLD_NAMESPACE, "globals", "dict", 1);
	S(w)->ns_node = w->ns;
	if (mode == WORLD_CPYTHON) {
		/* the module's globals: an old dict, held by the running code */
		wl_append(w, L_GEN2, w->ns);
		S(w)->gen[w->ns] = 2;
	}
	S(w)->flags[w->ns] = STEPPER_F_ROOT;
	if (mode != WORLD_MARKSWEEP) {
		static const char *const names[3] = { "None", "True", "False" };
		static const char *const types[3] = { "NoneType", "bool", "bool" };
		uint32_t *slot[3] = { &w->none_obj, &w->true_obj, &w->false_obj };
		for (int i = 0; i < 3; i++) {
			uint32_t o = object_add(w, WORLD_IMMORTAL, names[i], types[i], 1);
			*slot[i] = o;
			if (w->pi->immortal) {
				w->wf[o] |= W_IMMORTAL;
				S(w)->refcount[o] = w->pi->immortal_refcount;
			} else {
				/* about what a bare interpreter holds */
				S(w)->refcount[o] = i == 0 ? 4000 : 100;
			}
		}
	}
	w->long_lived_total = w->pi->interpreter_objects;
	return w;
}

void world_free(struct world *w)
{
	if (!w)
		return;
	stepper_free(w->s);
	free(w->text);
	free(w->kind);
	free(w->label);
	free(w->type);
	free(w->wf);
	free(w->orig_id);
	free(w->size);
	free(w->gprev);
	free(w->gnext);
	free(w->glist);
	free(w->first_ref);
	free(w->last_ref);
	free(w->wr_first);
	free(w->wr_next);
	free(w->wr_edge);
	free(w->cb);
	free(w->e_from);
	free(w->e_to);
	free(w->e_name);
	free(w->e_prev);
	free(w->e_next);
	free(w->e_loc);
	free(w->e_weak);
	free(w->e_alive);
	free(w->ds);
	free(w);
}

void world_set_threshold(struct world *w, const int64_t threshold[STEPPER_GENS])
{
	memcpy(S(w)->threshold, threshold, sizeof S(w)->threshold);
}

size_t world_events(const struct world *w)
{
	return w->s->n_ev;
}

void world_no_record(struct world *w)
{
	w->s->record = 0;
}

/* ---- statements ---- */

/* A label not used yet: label, or label#2, label#3, ... */
static void unique_label(const struct world *w, const char *want, char *buf, size_t size)
{
	snprintf(buf, size, "%s", want);
	for (int k = 2;; k++) {
		int used = 0;
		for (uint32_t o = 0; o < w->n && !used; o++)
			used = strcmp(txt(w, w->label[o]), buf) == 0;
		if (!used)
			return;
		snprintf(buf, size, "%s#%d", want, k);
	}
}

/* Binds variable var to o (o's refcount: incr says whether to raise it). */
static void bind(struct world *w, const char *var, uint32_t o, int incr)
{
	store(w, w->ns, WORLD_LOC_VAR, var, o, incr, STEPPER_WHY_STORE);
}

int world_new_object(struct world *w, enum world_kind kind, const char *label, const char *type,
		     const char *var, uint32_t *out)
{
	uint32_t o;

	/* 3.8 to 3.11 may collect here, before the object exists */
	if (w->pi->gc_in_alloc)
		count_alloc(w);
	o = object_add(w, kind, label, type, 0);
	w->wf[o] |= W_ALIVE;
	ev(w, STEPPER_ALLOC, STEPPER_COL_FLAGS, o, S(w)->flags[o] & ~STEPPER_F_UNBORN, STEPPER_Q_NONE,
	   HEAP_NONE, HEAP_NONE, STEPPER_WHY_NONE);
	if (!w->pi->gc_in_alloc)
		count_alloc(w);
	w->on_stack = o;
	if (cpython(w) && kind != WORLD_DICT)
		track(w, o, 1);
	if (cpython(w))
		eval_breaker(w);
	w->on_stack = WORLD_NONE;
	if (w->ns != WORLD_NONE)
		bind(w, var, o, 0);
	*out = o;
	return 0;
}

void world_set_sizes(struct world *w)
{
	for (uint32_t o = 0; o < w->n; o++) {
		uint32_t slots = 0;
		if (w->kind[o] == WORLD_WEAKREF) {
			w->size[o] = w->pi->weakref_bytes;
			continue;
		}
		if (w->kind[o] != WORLD_INSTANCE)
			continue;
		/* the distinct fields any instance of its type is given */
		for (uint32_t e = 0; e < w->m; e++) {
			int seen = 0;
			uint32_t f = w->e_from[e];
			if (w->e_loc[e] != WORLD_LOC_FIELD || w->kind[f] != WORLD_INSTANCE ||
			    strcmp(txt(w, w->type[f]), txt(w, w->type[o])) != 0)
				continue;
			for (uint32_t e2 = 0; e2 < e && !seen; e2++)
				seen = w->e_loc[e2] == WORLD_LOC_FIELD && w->kind[w->e_from[e2]] == WORLD_INSTANCE &&
				       strcmp(txt(w, w->type[w->e_from[e2]]), txt(w, w->type[o])) == 0 &&
				       strcmp(txt(w, w->e_name[e2]), txt(w, w->e_name[e])) == 0;
			slots += !seen;
		}
		w->size[o] = w->pi->inst_bytes + 8u * slots;
	}
}

uint32_t world_objects(const struct world *w)
{
	return w->n;
}

int world_assign(struct world *w, const char *var, uint32_t obj)
{
	if (!world_alive(w, obj))
		return fail(w, "'%s' was already freed", world_label(w, obj));
	bind(w, var, obj, 1);
	return 0;
}

int world_del_var(struct world *w, const char *var)
{
	uint32_t e = ref_find(w, w->ns, WORLD_LOC_VAR, var);

	if (e == WORLD_NONE)
		return fail(w, "no variable '%s' (Python: NameError)", var);
	unlink_edge(w, e, STEPPER_WHY_DEL, WORLD_NONE);
	decref(w, w->e_to[e], e, STEPPER_WHY_DEL);
	return 0;
}

/* dict insertion tracks a dict that gets a container, tracked or not
 * (MAINTAIN_TRACKING, _PyObject_GC_MAY_BE_TRACKED) */
static void maybe_track_dict(struct world *w, uint32_t d, uint32_t t)
{
	if (cpython(w) && w->kind[d] == WORLD_DICT && !tracked(w, d) && (w->wf[t] & W_GC))
		track(w, d, 1);
}

static int check_loc(struct world *w, uint32_t o, enum world_loc loc, const char *name, int must_exist)
{
	if (!world_alive(w, o))
		return fail(w, "'%s' was already freed", world_label(w, o));
	switch (w->kind[o]) {
	case WORLD_INSTANCE:
		if (loc != WORLD_LOC_FIELD)
			return fail(w, "'%s' is not a list or a dict: use %s.FIELD", world_label(w, o),
				    world_label(w, o));
		break;
	case WORLD_LIST:
		if (loc != WORLD_LOC_INDEX)
			return fail(w, "'%s' is a list: use %s[INDEX]", world_label(w, o), world_label(w, o));
		if (strtoul(name, NULL, 10) >= world_list_len(w, o))
			return fail(w, "%s[%s]: list index out of range (it has %u item%s)", world_label(w, o), name,
				    (unsigned)world_list_len(w, o), world_list_len(w, o) == 1 ? "" : "s");
		return 0;
	case WORLD_DICT:
		if (loc != WORLD_LOC_KEY)
			return fail(w, "'%s' is a dict: use %s[KEY]", world_label(w, o), world_label(w, o));
		break;
	default:
		return fail(w, "'%s' cannot hold references", world_label(w, o));
	}
	if (must_exist && ref_find(w, o, loc, name) == WORLD_NONE)
		return fail(w, loc == WORLD_LOC_KEY ? "'%s' has no key '%s'" : "'%s' has no field '%s'",
			    world_label(w, o), name);
	return 0;
}

int world_store(struct world *w, uint32_t obj, enum world_loc loc, const char *name, uint32_t target)
{
	if (check_loc(w, obj, loc, name, 0) != 0)
		return -1;
	if (!world_alive(w, target))
		return fail(w, "'%s' was already freed", world_label(w, target));
	maybe_track_dict(w, obj, target);
	store(w, obj, loc, name, target, 1, STEPPER_WHY_STORE);
	return 0;
}

int world_store_weak(struct world *w, uint32_t obj, enum world_loc loc, const char *name,
		     uint32_t target, const char *callback)
{
	uint32_t wr = w->wr_first[target], basic = WORLD_NONE;
	char label[160];

	if (check_loc(w, obj, loc, name, 0) != 0)
		return -1;
	if (!world_alive(w, target))
		return fail(w, "'%s' was already freed", world_label(w, target));
	if (w->kind[target] != WORLD_INSTANCE && w->kind[target] != WORLD_PLAIN)
		return fail(w, "cannot create weak reference to '%s' object (Python: TypeError)",
			    txt(w, w->type[target]));
	if (wr != WORLD_NONE && !w->cb[wr])
		basic = wr;
	/* weakref.ref(...) is a call of a type: its arguments make a tuple */
	tuple_alloc(w, *callback ? 2 : 1);
	if (!*callback && basic != WORLD_NONE) {
		/* weakref.ref(target) returns the one it has */
		tuple_free(w, 1);
		if (cpython(w))
			eval_breaker(w);
		maybe_track_dict(w, obj, basic);
		store(w, obj, loc, name, basic, 1, STEPPER_WHY_STORE);
		return 0;
	}
	if (*callback) {
		char want[160];
		snprintf(want, sizeof want, "ref(%s, %s)", world_label(w, target), callback);
		unique_label(w, want, label, sizeof label);
	} else {
		char want[160];
		snprintf(want, sizeof want, "ref(%s)", world_label(w, target));
		unique_label(w, want, label, sizeof label);
	}
	if (w->pi->gc_in_alloc)
		count_alloc(w);
	wr = object_add(w, WORLD_WEAKREF, label, "weakref", 0);
	w->wf[wr] |= W_ALIVE;
	w->cb[wr] = add_text(w, callback);
	ev(w, STEPPER_ALLOC, STEPPER_COL_FLAGS, wr, S(w)->flags[wr] & ~STEPPER_F_UNBORN, STEPPER_Q_NONE,
	   HEAP_NONE, HEAP_NONE, STEPPER_WHY_NONE);
	{
		uint32_t e = edge_add(w, wr, target, WORLD_LOC_REFERENT, "()", 1);
		link_edge(w, e, WORLD_NONE, STEPPER_WHY_STORE);
		w->wr_edge[wr] = e;
		/* a callback-less one goes first; the others after it (newest
		 * first among them) */
		if (basic != WORLD_NONE) {
			w->wr_next[wr] = w->wr_next[basic];
			w->wr_next[basic] = wr;
		} else {
			w->wr_next[wr] = w->wr_first[target];
			w->wr_first[target] = wr;
		}
	}
	w->on_stack = wr;
	if (!w->pi->gc_in_alloc)
		count_alloc(w);
	if (cpython(w))
		track(w, wr, 1);
	tuple_free(w, *callback ? 2 : 1);
	if (cpython(w))
		eval_breaker(w);
	w->on_stack = WORLD_NONE;
	maybe_track_dict(w, obj, wr);
	store(w, obj, loc, name, wr, 0, STEPPER_WHY_STORE);
	return 0;
}

int world_append(struct world *w, uint32_t list, uint32_t target)
{
	char idx[24];

	if (!world_alive(w, list))
		return fail(w, "'%s' was already freed", world_label(w, list));
	if (w->kind[list] != WORLD_LIST)
		return fail(w, "'%s' is not a list", world_label(w, list));
	if (!world_alive(w, target))
		return fail(w, "'%s' was already freed", world_label(w, target));
	snprintf(idx, sizeof idx, "%u", (unsigned)world_list_len(w, list));
	store(w, list, WORLD_LOC_INDEX, idx, target, 1, STEPPER_WHY_STORE);
	if (cpython(w))
		eval_breaker(w);
	return 0;
}

int world_delete(struct world *w, uint32_t obj, enum world_loc loc, const char *name)
{
	uint32_t e;

	if (check_loc(w, obj, loc, name, 1) != 0)
		return -1;
	e = ref_find(w, obj, loc, name);
	if (w->kind[obj] == WORLD_LIST) {
		/* the items after it move down one place */
		uint32_t i = (uint32_t)strtoul(name, NULL, 10), n = world_list_len(w, obj);
		uint32_t t = w->e_to[e], pos = w->e_prev[e];
		unlink_edge(w, e, STEPPER_WHY_DEL, WORLD_NONE);
		for (uint32_t j = i + 1; j < n; j++) {
			char from[24], to[24];
			uint32_t old, ne, after;
			snprintf(from, sizeof from, "%u", (unsigned)j);
			snprintf(to, sizeof to, "%u", (unsigned)(j - 1));
			old = ref_find(w, obj, WORLD_LOC_INDEX, from);
			after = pos;
			ref_remove(w, old);
			w->e_alive[old] = 0;
			ev(w, STEPPER_UNLINK, STEPPER_COL_EDGE, w->e_to[old], 0, STEPPER_Q_NONE, obj, old,
			   STEPPER_WHY_SHIFT);
			ne = edge_add(w, obj, w->e_to[old], WORLD_LOC_INDEX, to, 0);
			link_edge(w, ne, after, STEPPER_WHY_SHIFT);
			pos = ne;
		}
		decref(w, t, e, STEPPER_WHY_DEL);
		return 0;
	}
	unlink_edge(w, e, STEPPER_WHY_DEL, WORLD_NONE);
	if (!w->e_weak[e])
		decref(w, w->e_to[e], e, STEPPER_WHY_DEL);
	return 0;
}

int world_finalizer(struct world *w, uint32_t obj, int revive_it)
{
	if (w->mode == WORLD_MARKSWEEP)
		return fail(w, "a tracing collector here runs no finalizers");
	if (!world_alive(w, obj))
		return fail(w, "'%s' was already freed", world_label(w, obj));
	if (w->kind[obj] != WORLD_INSTANCE)
		return fail(w, "'%s' is a %s: only instances of classes get a __del__", world_label(w, obj),
			    txt(w, w->type[obj]));
	w->wf[obj] |= W_FIN | W_EVER_FIN;
	if (revive_it)
		w->wf[obj] |= W_REVIVE;
	ev(w, STEPPER_SETDEL, STEPPER_COL_FLAGS, obj, S(w)->flags[obj] | STEPPER_F_DEL, STEPPER_Q_NONE,
	   HEAP_NONE, HEAP_NONE, (enum stepper_why)(revive_it != 0));
	return 0;
}

int world_collect(struct world *w, int gen, int64_t *ret)
{
	*ret = 0;
	if (w->mode == WORLD_REFCOUNT)
		return fail(w, "reference counting alone has no collector to run");
	if (w->mode == WORLD_MARKSWEEP) {
		mark_sweep(w);
		return 0;
	}
	if (gen < 0 || gen > 2)
		gen = 2;
	w->collecting = 1;
	*ret = w->pi->incremental ? collect314(w, gen, 0) : collect(w, gen, 0);
	w->collecting = 0;
	return 0;
}

int world_freeze(struct world *w, int unfreeze)
{
	if (!cpython(w))
		return fail(w, "only CPython has gc.freeze()");
	w->interp_frozen = !unfreeze;
	if (unfreeze) {
		int to = w->pi->incremental ? L_GEN1 : L_GEN2;
		while (w->list[L_PERM].head != WORLD_NONE) {
			uint32_t o = w->list[L_PERM].head;
			wl_move(w, o, to);
			set_gen(w, STEPPER_FREEZE, o, list_gen(w, to), STEPPER_WHY_NONE);
		}
		return 0;
	}
	for (int l = L_GEN0; l <= L_GEN2; l++) {
		while (w->list[l].head != WORLD_NONE) {
			uint32_t o = w->list[l].head;
			wl_move(w, o, L_PERM);
			set_gen(w, STEPPER_FREEZE, o, WORLD_GEN_PERMANENT, STEPPER_WHY_NONE);
		}
		set_count(w, l, 0);
	}
	return 0;
}

int world_getrefcount(struct world *w, uint32_t obj, int64_t *ret)
{
	if (!counts_refs(w))
		return fail(w, "a tracing collector keeps no refcounts");
	if (!world_alive(w, obj))
		return fail(w, "'%s' was already freed", world_label(w, obj));
	*ret = (w->wf[obj] & W_IMMORTAL) ? rc(w, obj) : rc(w, obj) + 1;
	note(w, STEPPER_GETREFCOUNT, obj, rc(w, obj), *ret);
	return 0;
}

/* ---- parts of real heaps ---- */

enum {
	SHORT_ID_MIN = 3,		/* digits an id keeps at least */
	SHORT_ID_MAX_PART = 100000	/* above: full ids (the sort is not free) */
};

/* The decimal digits of id, last first, into d; returns how many. */
static int rev_digits(uint64_t id, char *d)
{
	int n = 0;

	do {
		d[n++] = (char)('0' + id % 10);
		id /= 10;
	} while (id);
	return n;
}

/* How many trailing digits two ids share. */
static int common_tail(uint64_t a, uint64_t b)
{
	int n = 0;

	while (a % 10 == b % 10) {
		n++;
		a /= 10;
		b /= 10;
		if (!a || !b)
			break;
	}
	return n;
}

/* Sort key of an object of the part: its type, then its id read from the
 * last digit (so that ids ending alike are neighbours). */
struct short_key {
	heap_str_t type;
	char rd[24];
	int nd;
	uint32_t i;
};

static int by_type_tail(const void *pa, const void *pb)
{
	const struct short_key *a = pa, *b = pb;
	int n = a->nd < b->nd ? a->nd : b->nd, c;

	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	c = memcmp(a->rd, b->rd, (size_t)n);
	if (c)
		return c;
	return (a->nd > b->nd) - (a->nd < b->nd);
}

/* For each of the cnt objects of the part (nodes[i], or node i), how many
 * of its id's last digits tell it apart from every other object of its
 * type in the part (at least SHORT_ID_MIN; all of them for a large part),
 * into keep[i]: a label can say "dict@..3632" instead of fifteen digits. */
static void short_ids(const struct heap *h, const heap_node_t *nodes, uint32_t cnt, uint8_t *keep)
{
	struct short_key *k;

	for (uint32_t i = 0; i < cnt; i++)
		keep[i] = 20;
	if (cnt > SHORT_ID_MAX_PART)
		return;
	k = mem_alloc((cnt ? cnt : 1) * sizeof *k);
	for (uint32_t i = 0; i < cnt; i++) {
		heap_node_t v = nodes ? nodes[i] : i;
		k[i].i = i;
		k[i].type = v < h->n_nodes ? h->type[v] : 0;
		k[i].nd = rev_digits(v < h->n_nodes ? heap_id(h, v) : 0, k[i].rd);
	}
	qsort(k, cnt, sizeof *k, by_type_tail);
	for (uint32_t j = 0; j < cnt; j++) {
		int need = SHORT_ID_MIN - 1;
		heap_node_t v = nodes ? nodes[k[j].i] : k[j].i;
		for (int d = -1; d <= 1; d += 2) {
			uint32_t o = j + (uint32_t)d;
			heap_node_t u;
			if ((d < 0 && j == 0) || o >= cnt || k[o].type != k[j].type)
				continue;
			u = nodes ? nodes[k[o].i] : k[o].i;
			if (v < h->n_nodes && u < h->n_nodes && common_tail(heap_id(h, v), heap_id(h, u)) > need)
				need = common_tail(heap_id(h, v), heap_id(h, u));
		}
		keep[k[j].i] = (uint8_t)(need + 1);
	}
	free(k);
}

struct world *world_from_heap(const struct heap *h, const heap_node_t *nodes, uint32_t n,
			      enum world_mode mode, enum world_py py)
{
	struct world *w = mem_calloc(1, sizeof *w);
	uint32_t *sub = mem_alloc(((size_t)h->n_nodes + 1) * sizeof *sub);
	uint32_t cnt = nodes ? n : h->n_nodes;
	uint8_t *keep = mem_alloc(cnt ? cnt : 1);
	int has_rc = 0;

	w->mode = mode;
	w->py = py;
	w->pi = world_py_info(py);
	w->s = stepper_new(NULL, 0, 0);
	for (int l = 0; l < L_COUNT; l++)
		w->list[l] = (struct wlist){ .head = WORLD_NONE, .tail = WORLD_NONE };
	w->ns = w->none_obj = w->true_obj = w->false_obj = w->on_stack = WORLD_NONE;
	w->text = mem_alloc(256);
	w->text_cap = 256;
	w->text[0] = '\0';
	w->text_len = 1;
	w->long_lived_total = w->pi->interpreter_objects;
	short_ids(h, nodes, cnt, keep);
	for (uint32_t v = 0; v < h->n_nodes; v++) {
		sub[v] = WORLD_NONE;
		has_rc |= (h->flags[v] & HEAP_F_HAS_REFCOUNT) != 0;
	}
	for (uint32_t i = 0; i < cnt; i++) {
		heap_node_t v = nodes ? nodes[i] : i;
		char label[200], type[160];
		size_t len;
		const char *t;
		uint32_t o;

		if (v >= h->n_nodes || sub[v] != WORLD_NONE)
			continue;
		/* raw bytes: the label and the type are escaped once, where
		 * they are shown (stepper_label, the views) */
		t = heap_string(h, h->type[v], &len);
		if (len >= sizeof type)
			len = sizeof type - 1;
		memcpy(type, t, len);
		type[len] = '\0';
		{
			/* the id's last keep[i] digits, enough to tell it apart */
			char id[24];
			int idn = snprintf(id, sizeof id, "%llu", (unsigned long long)heap_id(h, v));
			if (keep[i] < idn)
				snprintf(label, sizeof label, "%s@..%s", type, id + idn - keep[i]);
			else
				snprintf(label, sizeof label, "%s@%s", type, id);
		}
		o = object_add(w, (h->flags[v] & HEAP_F_WEAKREF) ? WORLD_WEAKREF : WORLD_PLAIN, label, type, 1);
		sub[v] = o;
		w->orig_id[o] = heap_id(h, v);
		w->size[o] = heap_size(h, v);
		if (h->flags[v] & HEAP_F_FINALIZER) {
			w->wf[o] |= W_FIN | W_EVER_FIN;
			S(w)->flags[o] |= STEPPER_F_DEL;
		}
		if (h->flags[v] & HEAP_F_IMMORTAL)
			w->wf[o] |= W_IMMORTAL;
		if (!(h->flags[v] & HEAP_F_UNTRACKED) && h->generation[v] != HEAP_GEN_UNKNOWN) {
			w->wf[o] |= W_GC;
			wl_append(w, L_GEN0 + (h->generation[v] > 2 ? 2 : h->generation[v]), o);
			S(w)->gen[o] = h->generation[v] > 2 ? 2 : h->generation[v];
		}
		if (has_rc && (h->flags[v] & HEAP_F_HAS_REFCOUNT)) {
			S(w)->refcount[o] = heap_refcount(h, v);
		} else {
			int64_t c = 0;
			for (uint32_t k = h->in_off[v]; k < h->in_off[v + 1]; k++)
				c += heap_in_retains(h, k);
			for (uint32_t r = 0; r < h->n_roots; r++)
				c += h->roots[r].node == v;
			S(w)->refcount[o] = c;
		}
		if (h->flags[v] & HEAP_F_ROOT)
			w->wf[o] |= W_ROOT;
	}
	/* references between the chosen nodes, in the heap's order */
	for (uint32_t v = 0; v < h->n_nodes; v++) {
		uint32_t o = sub[v];
		if (o == WORLD_NONE)
			continue;
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
			uint32_t t = sub[h->out_to[e]], ne;
			char name[128];
			int weak = !heap_edge_retains(heap_out_kind(h, e), h->flags[v]);
			if (t == WORLD_NONE)
				continue;
			heap_edge_name(h, h->out_name[e], name, sizeof name);
			if (h->out_name[e] & HEAP_NAME_INDEX)
				ne = edge_add(w, o, t, WORLD_LOC_INDEX, name + 1, weak);
			else
				ne = edge_add(w, o, t, weak && w->kind[o] == WORLD_WEAKREF ? WORLD_LOC_REFERENT : WORLD_LOC_FIELD,
					      name, weak);
			ref_insert_after(w, ne, w->last_ref[o]);
			w->e_alive[ne] = 1;
			S(w)->edge_on[ne] = 1;
			if (w->e_loc[ne] == WORLD_LOC_REFERENT && w->wr_edge[o] == WORLD_NONE) {
				w->wr_edge[o] = ne;
				w->wr_next[o] = w->wr_first[t];
				w->wr_first[t] = o;
			}
		}
		/* held from outside the part */
		for (uint32_t k = h->in_off[v]; k < h->in_off[v + 1]; k++)
			if (sub[h->in_from[k]] == WORLD_NONE && heap_in_retains(h, k)) {
				w->wf[o] |= W_ROOT;
				break;
			}
	}
	for (uint32_t o = 0; o < w->n; o++)
		if (w->wf[o] & W_ROOT)
			S(w)->flags[o] |= STEPPER_F_ROOT;
	free(sub);
	free(keep);
	return w;
}

void world_release_outside(struct world *w)
{
	int64_t *out = mem_calloc(w->n ? w->n : 1, sizeof *out);

	/* what the outside holds, counted before anything is let go */
	for (uint32_t o = 0; o < w->n; o++)
		out[o] = rc(w, o);
	for (uint32_t e = 0; e < w->m; e++)
		if (w->e_alive[e] && !w->e_weak[e])
			out[w->e_to[e]]--;
	stepper_phase(S(w), STEPPER_PH_DEALLOC);
	for (uint32_t o = 0; o < w->n; o++)
		for (int64_t k = 0; k < out[o] && (w->wf[o] & W_ALIVE); k++)
			decref(w, o, HEAP_NONE, STEPPER_WHY_OUTSIDE);
	free(out);
}

/* ---- the frozen record ---- */

int world_finish(struct world *w, struct heap **heap, struct stepper **st, struct error *err)
{
	struct heap_builder *b = heap_builder_new();
	uint32_t *new_edge = NULL, *off = NULL;
	heap_str_t vars, outside;
	struct heap *h;
	int rc_mode = counts_refs(w);

	if (!b) {
		world_free(w);
		return error_set(err, "out of memory");
	}
	for (uint32_t o = 0; o < w->n; o++) {
		struct heap_node_rec rec = {
			.id = w->orig_id[o],
			.type = heap_builder_intern_cstr(b, txt(w, w->type[o])),
			.name = heap_builder_intern_cstr(b, txt(w, w->label[o])),
			.size = w->size[o],
			.flags = (uint16_t)((rc_mode ? HEAP_F_HAS_REFCOUNT : 0) |
					    (w->kind[o] == WORLD_WEAKREF ? HEAP_F_WEAKREF : 0) |
					    ((w->wf[o] & W_EVER_FIN) ? HEAP_F_FINALIZER : 0) |
					    ((w->wf[o] & W_IMMORTAL) ? HEAP_F_IMMORTAL : 0) |
					    (!(w->wf[o] & W_GC) ? HEAP_F_UNTRACKED : 0)),
			.refcount = S(w)->refcount[o],
			.generation = HEAP_GEN_UNKNOWN,
		};
		if (heap_builder_add_node(b, &rec, err) == HEAP_NONE)
			goto fail;
	}
	if (heap_builder_index(b, NULL, NULL) != 0) {
		error_set(err, "internal error: duplicate object ids");
		goto fail;
	}
	for (uint32_t e = 0; e < w->m; e++) {
		uint32_t name;
		const char *nm = txt(w, w->e_name[e]);
		char buf[200];
		switch (w->e_loc[e]) {
		case WORLD_LOC_INDEX:
			name = HEAP_NAME_INDEX | (uint32_t)strtoul(nm, NULL, 10);
			break;
		case WORLD_LOC_KEY:
			snprintf(buf, sizeof buf, "['%s']", nm);
			name = heap_builder_intern_cstr(b, buf);
			break;
		default:
			name = heap_builder_intern_cstr(b, nm);
			break;
		}
		if (heap_builder_add_edge(b, w->e_from[e], w->e_to[e], w->e_weak[e] ? HEAP_EDGE_WEAK : HEAP_EDGE_STRONG,
					  name, err) != 0)
			goto fail;
	}
	vars = heap_builder_intern_cstr(b, "the variables");
	outside = heap_builder_intern_cstr(b, "held from outside");
	for (uint32_t o = 0; o < w->n; o++)
		if ((o == w->ns || (w->wf[o] & W_ROOT)) &&
		    heap_builder_add_root(b, o, o == w->ns ? vars : outside, err) != 0)
			goto fail;
	h = heap_builder_freeze(b, err);
	if (!h)
		goto fail;
	h->format = "lesson";
	heap_builder_free(b);
	b = NULL;
	/* the builder keeps each object's references in the order added */
	new_edge = mem_alloc((w->m ? w->m : 1) * sizeof *new_edge);
	off = mem_alloc(((size_t)w->n + 1) * sizeof *off);
	memcpy(off, h->out_off, ((size_t)w->n + 1) * sizeof *off);
	for (uint32_t e = 0; e < w->m; e++)
		new_edge[e] = off[w->e_from[e]]++;
	free(off);
	stepper_attach(w->s, h, new_edge);
	free(new_edge);
	*heap = h;
	*st = w->s;
	w->s = NULL;
	world_free(w);
	return 0;
fail:
	heap_builder_free(b);
	world_free(w);
	return -1;
}
