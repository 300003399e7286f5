/* lesson: a classroom lesson as a program of Python statements on a small
 * heap, and the runner that plays it in a world (graph/gc/world.h).
 *
 * A lesson (struct lesson) is what loaders/fmt_lesson.c reads from a script:
 * a title, a collector (CPython = reference counting + the generational
 * cycle detector; reference counting alone; or tracing mark-and-sweep), a
 * CPython version, thresholds, the objects the script makes (each with a
 * label and a type), and a list of actions each with its line.  Names in
 * actions are kept as written and resolved when the lesson runs, as Python
 * resolves them: a bound variable means the object it holds now; a name
 * no variable holds names the object made under that name (a shortcut a
 * lesson may take); None, True and False are the constants.  Everything
 * that depends on the run (an object already freed, a field not set) is
 * checked by the runner, which names the line the same way.
 *
 * The runner (struct lesson_run) plays every action in one world and keeps
 * the whole run: one heap holding every object and reference the lesson
 * ever has (so an object keeps its identity and its place in a drawing),
 * and one stepper holding every event, each action's events a stretch of
 * it.  "The state after action i" is the stepper at the end of step i.
 *
 * Limits: LESSON_MAX_OBJECTS objects made by `new` and LESSON_MAX_ACTIONS
 * actions.  A run costs its events (32 bytes each) and the objects and
 * references it makes.
 */
#ifndef HEAPGLASS_LESSON_H
#define HEAPGLASS_LESSON_H

#include <stddef.h>
#include <stdint.h>

#include "graph/core/error.h"
#include "graph/heap.h"
#include "graph/gc/stepper.h"
#include "graph/gc/world.h"

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
	LESSON_NEW,		/* obj (object number), text: its type.  NAME = TYPE() */
	LESSON_LINK,		/* subj.loc[text] = target */
	LESSON_WEAK,		/* subj.loc[text] = weakref.ref(target[, cb]) */
	LESSON_UNLINK,		/* del subj.loc[text] */
	LESSON_APPEND,		/* subj.append(target) */
	LESSON_ASSIGN,		/* variable subj = target */
	LESSON_ROOT,		/* the variable named subj holds that object again */
	LESSON_UNROOT,		/* del subj (a variable) */
	LESSON_FINALIZER,	/* subj's class gets __del__; gen 1: it resurrects */
	LESSON_COLLECT,		/* gen: 0..2 (gc.collect(gen)), -1 for the default */
	LESSON_FREEZE,		/* gc.freeze() */
	LESSON_UNFREEZE,	/* gc.unfreeze() */
	LESSON_REFCOUNT,	/* sys.getrefcount(subj) */
	LESSON_COUNTS,		/* gc.get_count(), gc.get_threshold() */
	LESSON_TRACEMALLOC	/* tracemalloc's statistics by line */
};

struct lesson_action {
	enum lesson_op op;
	uint32_t line;		/* 1-based line in the script */
	uint32_t obj;		/* NEW: the object number */
	uint32_t subj;		/* text offset: the name acted on */
	uint32_t target;	/* text offset: the name stored, appended, assigned */
	uint32_t text;		/* text offset: say text, type, field / index / key */
	uint32_t cb;		/* text offset: WEAK's callback name, 0 none */
	uint8_t loc;		/* enum world_loc of LINK/WEAK/UNLINK */
	int gen;
};

struct lesson {
	char *path;			/* as given, for messages */
	uint32_t title;			/* text offset; 0 = "" (untitled) */
	enum lesson_gc gc;
	int py;				/* enum world_py, or -1: the newest */
	int64_t threshold[STEPPER_GENS];
	int has_threshold;		/* the script sets them */
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

/* An empty lesson (collector CPython, the newest version, its
 * thresholds).  Aborts on out of memory. */
struct lesson *lesson_new(const char *path);
void lesson_free(struct lesson *l);

/* Copies len bytes into the arena (NUL-terminated) and returns the offset. */
uint32_t lesson_add_text(struct lesson *l, const char *s, size_t len);
const char *lesson_text(const struct lesson *l, uint32_t off);

/* The object made under `name`, or LESSON_NONE. */
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
	size_t first, n;		/* its events: st->ev[first .. first + n) */
	size_t t0;			/* its position on the timeline */
	char what[200];			/* the action in Python: "a.next = b" */
};

struct lesson_run {
	const struct lesson *lesson;	/* not owned */
	enum lesson_gc gc;
	enum world_py py;
	struct heap *heap;		/* every object and reference, owned */
	struct stepper *st;		/* every event, owned */
	struct lesson_step *steps;	/* one per action */
	uint32_t n_steps;
	uint32_t *obj_node;		/* lesson object -> heap node */
	uint32_t *node_line;		/* heap node -> the line that made it, 0 none */
	uint32_t ns;			/* the namespace node */
	size_t length;			/* timeline positions */
	size_t *pos_ev;			/* position -> stepper position */
	size_t *pos_desc;		/* position -> the event it narrates, SIZE_MAX at a step's start */
	uint32_t *pos_step;		/* position -> step */
};

/* Plays the whole lesson under collector gc and CPython version py.
 * Returns 0, or -1 with err holding "PATH:LINE: WORD: problem" for an
 * action that cannot be done at that point (an object already freed, a
 * field that is not set, ...). */
int lesson_run_new(const struct lesson *l, enum lesson_gc gc, enum world_py py,
		   struct lesson_run **out, struct error *err);
void lesson_run_free(struct lesson_run *r);

/* The version a lesson runs under when none is asked for. */
enum world_py lesson_py(const struct lesson *l);

/* Whether event ev of step i has a position of its own: a generation
 * counter moving is left out of steps without a collection unless the
 * lesson sets its own thresholds (noise otherwise). */
int lesson_event_shown(const struct lesson_run *r, uint32_t i, const struct stepper_event *ev);

/* One line of tracemalloc.take_snapshot().statistics('lineno'). */
struct lesson_tm_line {
	uint32_t line;		/* the lesson line that allocated */
	uint64_t bytes, count;	/* blocks still allocated */
};

/* The statistic at the run's current stepper position, for the lines
 * that make the lesson's instances: the blocks still allocated, by the
 * line that allocated them, largest first (then by line), into out (room
 * for max); returns how many lines (at most max).  Lists, dicts and weak
 * references also allocate tables and argument tuples: left out. */
uint32_t lesson_tracemalloc(const struct lesson_run *r, struct lesson_tm_line *out, uint32_t max);

/* ---- the timeline, for an animated view and the text ----
 * A played lesson as one sequence of positions a view can step through with
 * a single integer: for each step, its start (the action, before its first
 * event) and then each of its events that is shown.  Moving is
 * stepper_seek() on the run's stepper, so going back is exact. */

/* Number of positions. */
size_t lesson_run_length(const struct lesson_run *r);

/* Goes to position t (clamped): seeks the stepper and returns the step;
 * *event gets how many of that step's events are applied. */
uint32_t lesson_run_seek(struct lesson_run *r, size_t t, size_t *event);

/* The position of the start of step i. */
size_t lesson_run_step_start(const struct lesson_run *r, uint32_t i);

/* One line of narration for position t: at a step's start, the say text or
 * the action in Python ("[line 9] a.next = b"); else the event just applied
 * (stepper_describe).  Display text: the say text (a paragraph's lines
 * joined by spaces) is escaped here, as stepper_describe's names are
 * (graph/core/text.h). */
const char *lesson_run_narration(struct lesson_run *r, size_t t, char *buf, size_t size);

#endif
