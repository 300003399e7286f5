/* anim: the GC animation view.  A collector steps through a heap while the
 * graph, laid out by Graphviz and scaled into the terminal (animfit,
 * canvas), shows each object's state; beside it the worklist and a table
 * of refcounts / gc_refs; one line of narration per event at the bottom.
 *
 * Two sources:
 *   - a lesson (graph/gc/lesson.h): its timeline of actions and events; the
 *     layout is made once over every object and reference the lesson ever
 *     has, so objects keep their place while they come and go;
 *   - a heap (a cycle or an object's neighbourhood cut out with
 *     graph/gc/subheap.h, or a whole heap): one stepper run on it.  Above
 *     ANIM_MAX_DRAW objects, or when the layout does not fit the terminal,
 *     the view shows counters (objects per colour, worklist, events done)
 *     instead of a drawing.  A whole heap above ANIM_MAX_RECORD objects and
 *     references is refused (pick a cycle or an object).
 * Position k of N counts the positions `heapglass lesson --script` prints
 * (an allocation's counter update is left out unless the lesson changes
 * the thresholds), so both agree line for line.
 *
 * Playback waits in the input loop for the next tick, never a busy loop.
 * In a key script (--keys), time does not pass: a <Tick> key stands for
 * one timer tick while playing, so scripted runs are exact.
 */
#ifndef HEAPGLASS_ANIM_H
#define HEAPGLASS_ANIM_H

#include <stddef.h>
#include <stdint.h>

#include "graph/core/error.h"
#include "graph/heap.h"
#include "graph/gc/lesson.h"
#include "graph/gc/stepper.h"
#include "graph/gc/world.h"
#include "tui/core/loop.h"

enum {
	ANIM_MAX_DRAW = 200,		/* objects drawn at most; above: counters */
	ANIM_MAX_RECORD = 2000000	/* nodes + edges above which events are not kept */
};

enum anim_algo {
	ANIM_MARKSWEEP = 0,	/* tri-colour mark-and-sweep from the roots */
	ANIM_CPYTHON,		/* lesson: CPython (refcounts + detector + generations);
				 * heap: gc.collect(2) */
	ANIM_REFCOUNT,		/* lesson: refcounting only; heap: what holds the
				 * objects from outside lets go */
	ANIM_GENS,		/* heap: gc.collect(0), survivors promoted */
	ANIM_ALGOS
};

struct anim;

/* An animation of lesson l (not owned; must outlive it) with the lesson's
 * own collector.  Returns NULL with err when the lesson cannot be played. */
struct anim *anim_new_lesson(const struct lesson *l, struct error *err);

/* An animation of a collector on nodes[0..n) of h (n >= 1), or on the whole
 * of h when nodes is NULL.  h must outlive it.  what: a caption ("cycle 3
 * (4 objects, garbage)").  Returns NULL with err on failure. */
struct anim *anim_new_heap(const struct heap *h, const heap_node_t *nodes, uint32_t n,
			   const char *what, struct error *err);
void anim_free(struct anim *an);

/* The part of h a collection of cycle number `no` (1-based, as 'heapglass
 * cycles' numbers them) is shown on: its members[0..n) and what only they
 * hold, which the collection frees with them (subheap_held), at most max
 * objects, into out (room for max); its caption into what.  Returns how
 * many. */
uint32_t anim_cycle_part(const struct heap *h, const heap_node_t *members, uint32_t n, uint64_t no,
			 int garbage, uint32_t max, heap_node_t *out, char *what, size_t size);

/* The animation as a mode of the input loop (tui/core/loop.h), with a
 * struct anim as its state: the viewer pushes it with 'a'; it is done
 * after q or Esc, and the loop then frees it with anim_free().  Its keys,
 * footer and help come from its keymap; the mouse wheel steps back and
 * forward; a key script's <Tick> (or, in a terminal, the playback timer)
 * plays one tick. */
extern const struct loop_mode anim_mode;

/* ---- for tests ---- */

/* Number of positions and the current one (0-based). */
size_t anim_length(const struct anim *an);
size_t anim_position(const struct anim *an);
/* Goes to position k (clamped). */
void anim_seek(struct anim *an, size_t k);
/* Chooses algorithm algo; returns 0, or -1 with err when it cannot run here. */
int anim_set_algo(struct anim *an, enum anim_algo algo, struct error *err);
/* Chooses the CPython version whose collector runs; returns 0 or -1. */
int anim_set_python(struct anim *an, enum world_py py);

/* Objects per state in a stepper, each object counted once: freed ones,
 * live ones found unreachable (cyclic garbage), and the other live ones by
 * colour.  Objects not made yet are not counted. */
struct anim_counts {
	uint64_t colour[4];	/* enum stepper_colour: live, not unreachable */
	uint64_t freed;
	uint64_t unreachable;	/* live garbage */
};

/* Counts the stepper's current state (one pass over its nodes). */
void anim_counts_init(struct anim_counts *c, const struct stepper *s);

/* Moves s one event (dir +1 or -1) and updates c from the node the event
 * changed, without a pass over the heap.  Returns stepper_step()'s result. */
int anim_counts_step(struct anim_counts *c, struct stepper *s, int dir);



/* ---- standalone (heapglass lesson) ---- */

struct screen_opts;

/* Sets up the screen with so (headless when keys_path is set: the keys
 * come from that script and, with dump_path, the last screen is written
 * there, '-' for stdout; with timing_path each key's time, as the viewer's
 * --timing writes it), runs the view, restores the terminal.  Returns
 * 0, or -1 with err (a bad key script, no usable terminal, a dump that
 * cannot be written).  an stays the caller's. */
int anim_standalone(struct anim *an, struct screen_opts *so, const char *keys_path,
		    const char *dump_path, const char *timing_path, struct error *err);

#endif
