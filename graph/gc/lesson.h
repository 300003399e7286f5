/* lesson: a classroom lesson as a program of actions on a small heap, and
 * the runner that plays it through the GC steppers.
 *
 * A lesson (struct lesson) is what loaders/fmt_lesson.c reads from a script:
 * a title, a collector (CPython = reference counting + generational cycle
 * detector; reference counting alone; or tracing mark-and-sweep),
 * thresholds, the named objects, and a list of actions each with its line.
 * Names are resolved when the script is read; everything that depends on
 * the run (an object already freed, a field not set) is checked by the
 * runner, which names the line the same way.
 *
 * The runner (struct lesson_run) keeps a mutable world (objects, fields,
 * variables) and, for every action, produces one step: a frozen heap of the
 * live objects at that moment (node id = object number, name = the
 * object's name, type, edges named by field, roots = variables) and a
 * stepper holding the events the action caused (a refcount cascade, a
 * collection; none for a `link` that frees nothing) with its state left at
 * the end of them.  So "the state after step i" is steps[i].st at its end,
 * and an animation can seek inside steps[i].st.  The world takes its next
 * state from the stepper's final state (what was freed, generations,
 * counters), so the lesson shows exactly what the steppers compute.
 *
 * Limits: LESSON_MAX_OBJECTS objects and LESSON_MAX_ACTIONS actions.  Every
 * step keeps a frozen copy of the world (for stepping and printing), so a
 * run costs steps x (objects + references); at the limits that is about
 * 25 MB and 0.4 s, and the runner's linear look-ups stay small.
 */
#ifndef HEAPGLASS_LESSON_H
#define HEAPGLASS_LESSON_H

#include <stddef.h>
#include <stdint.h>

#include "graph/core/error.h"
#include "graph/heap.h"
#include "graph/gc/stepper.h"

enum {
	LESSON_MAX_OBJECTS = 100,
	LESSON_MAX_ACTIONS = 1000
};
#define LESSON_NONE UINT32_C(0xffffffff)	/* no object */

enum lesson_gc {
	LESSON_GC_CPYTHON = 0,	/* refcounting, plus gc.collect() and generations */
	LESSON_GC_REFCOUNT,	/* refcounting only: cycles leak */
	LESSON_GC_MARKSWEEP	/* no refcounts: `collect` marks from the roots and sweeps */
};

enum lesson_op {
	LESSON_SAY = 0,		/* text: the narration */
	LESSON_NEW,		/* obj, text: its type.  The variable obj holds it. */
	LESSON_LINK,		/* obj.text = target (strong; replaces the old value) */
	LESSON_WEAK,		/* obj.text = a weak reference to target */
	LESSON_UNLINK,		/* del obj.text */
	LESSON_ROOT,		/* a variable holds obj again */
	LESSON_UNROOT,		/* del obj: the variable lets go */
	LESSON_FINALIZER,	/* obj gets a finalizer (__del__) */
	LESSON_COLLECT		/* gen: 0..2 (gc.collect(gen)), -1 for the default */
};

struct lesson_action {
	enum lesson_op op;
	uint32_t line;		/* 1-based line in the script */
	uint32_t obj;		/* object number, or LESSON_NONE */
	uint32_t target;	/* LINK/WEAK: object number */
	uint32_t text;		/* offset in the text arena: say text, type, or field */
	int gen;
};

struct lesson {
	char *path;			/* as given, for messages */
	uint32_t title;			/* text offset; 0 = "" (untitled) */
	enum lesson_gc gc;
	int64_t threshold[STEPPER_GENS];
	uint32_t n_objects;
	uint32_t *obj_name;		/* text offsets */
	uint32_t *obj_type;		/* text offsets */
	uint32_t *obj_line;		/* line of each object's `new` */
	struct lesson_action *actions;
	uint32_t n_actions;
	char *text;			/* arena of NUL-terminated strings; offset 0 is "" */
	size_t text_len, text_cap;
	uint32_t obj_cap, act_cap;
};

/* An empty lesson (collector CPython, thresholds 700/10/10).  Aborts on out
 * of memory. */
struct lesson *lesson_new(const char *path);
void lesson_free(struct lesson *l);

/* Copies len bytes into the arena (NUL-terminated) and returns the offset. */
uint32_t lesson_add_text(struct lesson *l, const char *s, size_t len);
const char *lesson_text(const struct lesson *l, uint32_t off);

/* The object named `name`, or LESSON_NONE. */
uint32_t lesson_find(const struct lesson *l, const char *name);

/* Adds an object of a type (the name must be new); returns its number, or
 * LESSON_NONE at LESSON_MAX_OBJECTS. */
uint32_t lesson_add_object(struct lesson *l, const char *name, const char *type, uint32_t line);

/* Appends an action; returns 0, or -1 at LESSON_MAX_ACTIONS. */
int lesson_add_action(struct lesson *l, const struct lesson_action *a);

/* "cpython", "refcount", "mark-sweep"; and a phrase for people. */
const char *lesson_gc_name(enum lesson_gc gc);
const char *lesson_gc_title(enum lesson_gc gc);

/* ---- the runner ---- */

struct lesson_step {
	uint32_t action;		/* index in lesson->actions */
	struct heap *heap;		/* the world during this step, owned */
	struct stepper *st;		/* this step's events, at their end, owned */
	uint32_t *node_obj;		/* heap node -> object number, owned */
	char what[200];			/* the action in words: "a.next = b" */
};

struct lesson_run {
	const struct lesson *lesson;	/* not owned */
	struct lesson_step *steps;	/* one per action */
	uint32_t n_steps;
};

/* Plays the whole lesson.  Returns 0, or -1 with err holding
 * "PATH:LINE: WORD: problem" for an action that cannot be done at that
 * point (an object already freed, a field that is not set, ...). */
int lesson_run_new(const struct lesson *l, struct lesson_run **out, struct error *err);
void lesson_run_free(struct lesson_run *r);

/* ---- the timeline, for an animated view ----
 * A played lesson as one sequence of positions a view can step through with
 * a single integer: for each step, its start (the action just done, event
 * 0 of its stepper) and then each of its events.  Position t of
 * lesson_run_length() positions; moving is stepper_seek() on the step's
 * stepper, so going back is exact. */

/* Number of positions: the sum over steps of 1 + its events. */
size_t lesson_run_length(const struct lesson_run *r);

/* Goes to position t (clamped): seeks that step's stepper to the event and
 * returns the step; *event gets the number of its events applied. */
uint32_t lesson_run_seek(struct lesson_run *r, size_t t, size_t *event);

/* One line of narration for position t: at a step's start, the say text or
 * the action in words ("[line 9] a.next = b"); else the event just applied
 * (stepper_describe).  Display text: the say text is escaped here, as
 * stepper_describe's names are (graph/core/text.h). */
const char *lesson_run_narration(struct lesson_run *r, size_t t, char *buf, size_t size);

#endif
