/* world: a small simulated heap run the way CPython runs it, every change
 * recorded as a stepper event (graph/gc/stepper.h).
 *
 * A lesson (graph/gc/lesson.h) and a part of a real heap (the animation and
 * `heapglass lesson --heap`) both run here.  The world is mutable: objects
 * are made, references are stored and let go, collections run; each change
 * of what a person can see (a refcount, gc_refs, a generation, a colour, a
 * reference appearing or going away, an object freed) is one event in the
 * world's stepper, whose columns ARE the visible state.  What nobody sees
 * (the order of CPython's gc lists, whose object is being collected, the
 * free lists) is kept in the world beside it.  world_finish() then freezes
 * every object and every reference the world ever had into one heap (node
 * = world object, so objects keep their identity and a layout their
 * place), maps the events onto it, and hands both over: stepping that
 * stepper from 0 to its end replays the whole run exactly, backwards too.
 *
 * Three modes:
 *   WORLD_CPYTHON   reference counting as CPython's tp_dealloc does it
 *                   (depth first: an object's finalizer, its weak references
 *                   cleared and their callbacks, then each reference it holds
 *                   let go in its type's order, a dying child freed before
 *                   the next field is touched, the object itself last), and
 *                   the generational cycle collector of the chosen version
 *                   (below);
 *   WORLD_REFCOUNT  reference counting only: cycles leak, `collect` is not
 *                   possible;
 *   WORLD_MARKSWEEP a tracing collector: no refcounts; letting go of a
 *                   reference frees nothing; world_collect() marks from the
 *                   roots and sweeps what stayed white.
 *
 * CPython's collector, per version (world_py), read from CPython's
 * Modules/gcmodule.c (3.8 to 3.11) and Python/gc.c (3.12 on):
 *   - gc.collect(g) and collect_generations(): counters (generation g + 1
 *     counts one more collection, 0..g are reset), the generations 0..g
 *     merged into one list (generation g first, then 0, 1, ...),
 *     update_refs (gc_refs = refcount), subtract_refs (each reference from
 *     inside the list, in tp_traverse order), move_unreachable (the list is
 *     scanned once; an object with gc_refs 0 is moved to the tentatively
 *     unreachable list, and moved back to the end of the scan when an object
 *     scanned later reaches it); survivors promoted to g + 1 (their list
 *     order, which later collections inherit, is CPython's); dicts left with
 *     nothing tracked are untracked by a full collection (3.8 to 3.13);
 *     weak references to the garbage cleared and the callbacks of those
 *     outside it called; finalizers (PEP 442, once per object); then, 3.8:
 *     if any of the garbage was resurrected, all of it survives;
 *     3.9 on: the garbage is looked at again and what a finalizer made
 *     reachable survives, the rest is cleared; tp_clear on each object in
 *     turn (the collector holds it meanwhile), the refcount cascade freeing
 *     what falls to 0, an object still alive after its own tp_clear moved to
 *     the older generation; gc.collect()'s return value (the unreachable
 *     objects found, plus weak references freed by their callbacks);
 *   - automatic collections: each allocation of a tracked container counts
 *     (lists and dicts come from CPython's free lists while those have
 *     some; a full collection empties them), and the deallocation of one
 *     takes one off; above threshold 0, collect_generations() picks the
 *     oldest generation over its threshold, a full collection only when the
 *     objects promoted to generation 2 since the last one exceed 25% of the
 *     long-lived ones (the interpreter's own objects included: about
 *     world_py_interpreter_objects()); 3.8 to 3.11 collect inside the
 *     allocation, before the new object is tracked; 3.12 on at the end of
 *     the call that allocated, with the new object tracked and held by the
 *     call's result;
 *   - 3.14: the incremental collector (young collections, increments of the
 *     old generation after a mark from the interpreter's roots, full
 *     collections) as Python/gc.c of 3.14 has it, with the interpreter's own
 *     objects counted, not modelled one by one.  No CPython 3.14 was at hand
 *     to check it against; 3.8 to 3.13 are checked against the real
 *     interpreters (tests/oracles/python/lesson_oracle.py).
 * Variables are module-level: they live in the module's globals dict (a
 * tracked dict in generation 2, held from outside by the running code), so a
 * young collection sees a variable's reference as coming from outside, and
 * a full collection subtracts it and then finds the object reachable from
 * globals.  gc.freeze() moves every tracked object to the permanent
 * generation, which no collection looks at.  In 3.12 on, None, True and
 * False are immortal: their refcount never changes.
 *
 * Not modelled: the trashcan (CPython defers deallocations nested more
 * than 50 deep), tuples, frames, and memory other than objects; legacy
 * tp_del finalizers (gc.garbage).  A weak reference callback only reports
 * that it ran.
 *
 * Names: objects have a label ("a", "ref(b)", "globals") and a type; the
 * caller picks labels.  Errors are never printed: functions that can fail
 * return -1 with a short reason in w->why (the lesson runner adds file and
 * line).  Everything is iterative; a dealloc cascade of any depth uses an
 * explicit stack.
 */
#ifndef HEAPGLASS_WORLD_H
#define HEAPGLASS_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "graph/core/error.h"
#include "graph/heap.h"
#include "graph/gc/stepper.h"

#define WORLD_NONE UINT32_C(0xffffffff)

enum world_mode {
	WORLD_CPYTHON = 0,
	WORLD_REFCOUNT,
	WORLD_MARKSWEEP
};

/* The CPython versions modelled, oldest first. */
enum world_py {
	WORLD_PY38 = 0,
	WORLD_PY39,
	WORLD_PY310,
	WORLD_PY311,
	WORLD_PY312,
	WORLD_PY313,
	WORLD_PY314,
	WORLD_PYS
};
#define WORLD_PY_NEWEST WORLD_PY314

/* What an object is (what its references mean and in which order CPython
 * traverses and clears them). */
enum world_kind {
	WORLD_INSTANCE = 0,	/* an instance of a class with __slots__: fields, sorted by name */
	WORLD_LIST,		/* items by index; traversed and cleared from the last */
	WORLD_DICT,		/* values by key, insertion order; untracked until it holds a tracked object */
	WORLD_WEAKREF,		/* weakref.ref(target[, callback]) */
	WORLD_NAMESPACE,	/* the module's globals: the variables */
	WORLD_IMMORTAL,		/* None, True, False: not tracked; immortal from 3.12 */
	WORLD_PLAIN		/* an object of a real heap: references in the heap's order */
};

/* Where a reference is stored. */
enum world_loc {
	WORLD_LOC_FIELD = 0,	/* obj.name */
	WORLD_LOC_INDEX,	/* obj[i] */
	WORLD_LOC_KEY,		/* obj['name'] */
	WORLD_LOC_VAR,		/* the variable name (from the namespace) */
	WORLD_LOC_REFERENT	/* a weakref's referent (weak) */
};

/* Visible generation values beyond 0..2 (stepper gen column). */
enum {
	WORLD_GEN_PERMANENT = 3	/* gc.freeze()'s permanent generation */
};

struct world_pyinfo {
	const char *name;		/* "3.12" */
	int64_t threshold[STEPPER_GENS];	/* gc.get_threshold() at start */
	int gc_in_alloc;		/* 3.8-3.11: collect inside the allocation */
	int resurrect_keeps_all;	/* 3.8: any resurrection keeps all the garbage */
	int immortal;			/* 3.12+: None/True/False immortal */
	int untrack_dicts;		/* 3.8-3.13: full collections untrack dicts */
	int incremental;		/* 3.14 */
	int64_t interpreter_objects;	/* tracked objects of a bare interpreter in
					 * generation 2 after gc.collect(), about */
	int64_t immortal_refcount;	/* what sys.getrefcount(None) says (3.12+) */
	uint32_t inst_bytes;		/* an instance of a class with __slots__, no
					 * field: its memory block (tracemalloc) */
	uint32_t weakref_bytes;		/* a weakref.ref object's block */
};

const struct world_pyinfo *world_py_info(enum world_py py);
/* "3.8".."3.14" -> version; returns 0, or -1 for anything else. */
int world_py_parse(const char *s, enum world_py *out);

struct world;

/* An empty world: only the namespace (label "globals"), and in CPython mode
 * None, True and False, made silently (they exist before the first event).
 * Aborts on out of memory. */
struct world *world_new(enum world_mode mode, enum world_py py);
void world_free(struct world *w);

/* Sets gc.set_threshold() before anything happens (no event). */
void world_set_threshold(struct world *w, const int64_t threshold[STEPPER_GENS]);

/* The short reason of the last failure ("'a' has no field 'x'"). */
const char *world_why(const struct world *w);

/* ---- objects and references ---- */

uint32_t world_namespace(const struct world *w);
/* The object a variable holds, WORLD_NONE if the name is not bound. */
uint32_t world_var(const struct world *w, const char *name);
/* None, True or False (CPython and refcount modes), else WORLD_NONE. */
uint32_t world_constant(const struct world *w, const char *name);
int world_alive(const struct world *w, uint32_t o);
enum world_kind world_object_kind(const struct world *w, uint32_t o);
const char *world_label(const struct world *w, uint32_t o);
/* What `o` holds at loc/name now (WORLD_NONE if nothing). */
uint32_t world_get(const struct world *w, uint32_t o, enum world_loc loc, const char *name);
/* Number of items of a list. */
uint32_t world_list_len(const struct world *w, uint32_t o);

/* ---- statements (each a Python statement of the lesson) ----
 * All return 0, or -1 with world_why() (nothing changed then). */

/* var = TYPE(): a new object (WORLD_INSTANCE, WORLD_LIST or WORLD_DICT)
 * labelled `label`; the variable `var` holds it (what it held before is let
 * go).  Returns the object in *out. */
int world_new_object(struct world *w, enum world_kind kind, const char *label, const char *type,
		     const char *var, uint32_t *out);

/* Gives every instance and weak reference the size of its memory block
 * as CPython allocates it (what tracemalloc sees): an instance's class has
 * a slot for each field its instances are ever given (8 bytes each).  Call
 * once the program has run. */
void world_set_sizes(struct world *w);
uint32_t world_objects(const struct world *w);

/* var = obj (a second name, or None/True/False). */
int world_assign(struct world *w, const char *var, uint32_t obj);

/* del var. */
int world_del_var(struct world *w, const char *var);

/* obj.name = target / obj[i] = target / obj['name'] = target.  A list
 * index must exist (Python's IndexError otherwise). */
int world_store(struct world *w, uint32_t obj, enum world_loc loc, const char *name, uint32_t target);

/* obj.name = weakref.ref(target[, callback]): a new weak reference object,
 * or the target's existing one when there is no callback (CPython shares
 * it); `callback` names the callback ("" for none). */
int world_store_weak(struct world *w, uint32_t obj, enum world_loc loc, const char *name,
		     uint32_t target, const char *callback);

/* list.append(target). */
int world_append(struct world *w, uint32_t list, uint32_t target);

/* del obj.name / del obj[i] (later items move down) / del obj['name']. */
int world_delete(struct world *w, uint32_t obj, enum world_loc loc, const char *name);

/* obj's class gets a __del__; with revive, __del__ stores the object in
 * the variable named after its label (resurrection).  Not in mark-sweep. */
int world_finalizer(struct world *w, uint32_t obj, int revive);

/* gc.collect(gen) (CPython) or a mark-and-sweep (gen ignored).  *ret gets
 * gc.collect()'s return value. */
int world_collect(struct world *w, int gen, int64_t *ret);

/* gc.freeze() / gc.unfreeze(). */
int world_freeze(struct world *w, int unfreeze);

/* sys.getrefcount(obj): a note with the value it returns. */
int world_getrefcount(struct world *w, uint32_t obj, int64_t *ret);

/* ---- parts of real heaps ---- */

/* A world holding a copy of nodes[0..n) of h (every node when nodes is
 * NULL): their labels "TYPE@ID" (the id's last digits only, "dict@..3632",
 * when they are enough to tell it from the part's other objects of its
 * type, at least 3 of them), types, refcounts (h's column, or for a
 * heap without refcounts the retaining references in the whole of h),
 * generations, finalizers and untracked flags, every reference between
 * them in h's order, and, as roots, the nodes h's roots or references from
 * outside the part hold.  Object i is nodes[i] (or node i).  Nothing
 * happens yet. */
struct world *world_from_heap(const struct heap *h, const heap_node_t *nodes, uint32_t n,
			      enum world_mode mode, enum world_py py);

/* Everything outside the part lets go of it (reference counting). */
void world_release_outside(struct world *w);

/* ---- the record ---- */

/* Number of events so far (the position a caller can remember as the start
 * of a statement). */
size_t world_events(const struct world *w);

/* Starts recording only counts (no events kept), for a run too big to
 * step through; world_finish() then leaves the stepper at the end. */
void world_no_record(struct world *w);

/* Freezes every object and reference the world ever had into one heap
 * (*heap: node i = object i, id i + 1; references in their objects' order;
 * name "globals" for the namespace) and returns the stepper of the whole
 * run on it, at its end.  The world is freed.  Returns 0, or -1 with err. */
int world_finish(struct world *w, struct heap **heap, struct stepper **st, struct error *err);

#endif
