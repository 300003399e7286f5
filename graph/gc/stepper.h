/* stepper: a garbage collection as a list of small, reversible events.
 *
 * A stepper holds the collector's view of one frozen heap (a state column per
 * node: colour, flags, generation, refcount, gc_refs; the three generation
 * counters; the worklist) and a log of events.  A generator module
 * (step_mark, step_cpython, step_refcount, step_gens) runs an algorithm on
 * the state and appends one event per small act: push a root, pop the
 * worklist, scan one reference, subtract one internal reference, free one
 * object...  Each event changes at most one state column of one node and
 * moves the worklist at most one place, and records the old and the new
 * value, so the player can go to any step k by applying events forwards or
 * undoing them backwards: the state at step k is the same either way.
 *
 * Generators can be chained on one stepper (a generational collection runs
 * the CPython pass, which ends with a refcount cascade): each appends to the
 * log and leaves the state at the end of the log.
 *
 * Memory: 19 bytes per node for the columns plus 4 per worklist slot, and 32
 * bytes per recorded event, in arrays grown by doubling (never a malloc per
 * event).  On a big heap set `record` to 0 before running a generator: the
 * state still reaches the final result and `kind_count` still counts each
 * kind of event, but no event is stored (no stepping back then).
 *
 * Weak references never retain: no generator follows or counts them.
 * Every generator is iterative; none recurses.
 */
#ifndef HEAPGLASS_STEPPER_H
#define HEAPGLASS_STEPPER_H

#include <stddef.h>
#include <stdint.h>

#include "graph/heap.h"

enum {
	STEPPER_GENS = 3	/* CPython's generations 0, 1, 2 */
};

/* The tri-colour of a node in the current collection. */
enum stepper_colour {
	STEPPER_WHITE = 0,	/* not (yet) known to be reachable */
	STEPPER_GREY = 1,	/* known reachable, on the worklist, references not scanned */
	STEPPER_BLACK = 2,	/* known reachable, references scanned */
	STEPPER_OUTSIDE = 3	/* not part of this collection (an older generation) */
};

/* Per-node flags. */
enum stepper_flag {
	STEPPER_F_FREED = 1u << 0,		/* the object is gone */
	STEPPER_F_UNREACHABLE = 1u << 1,	/* found to be cyclic garbage */
	STEPPER_F_FINALIZED = 1u << 2,		/* its finalizer (__del__) has run */
	STEPPER_F_CANDIDATE = 1u << 3		/* in the generation being collected */
};

/* Which state column an event changes. */
enum stepper_col {
	STEPPER_COL_NONE = 0,
	STEPPER_COL_COLOUR,
	STEPPER_COL_FLAGS,
	STEPPER_COL_GEN,
	STEPPER_COL_REFCOUNT,
	STEPPER_COL_GCREFS,
	STEPPER_COL_GENCOUNT	/* node holds the generation number 0..2 */
};

/* How an event moves the worklist (a FIFO: push at the tail, pop at the head). */
enum stepper_qop {
	STEPPER_Q_NONE = 0,
	STEPPER_Q_PUSH,
	STEPPER_Q_POP
};

/* What happened: the narration of an event is chosen by its kind. */
enum stepper_kind {
	STEPPER_PHASE = 0,	/* a phase starts: new = enum stepper_phase */
	STEPPER_ROOT,		/* a root is coloured grey and pushed */
	STEPPER_POP,		/* taken off the worklist, coloured black */
	STEPPER_SCAN,		/* reference other -edge-> node scanned (maybe greys node) */
	STEPPER_SKIP_WEAK,	/* a weak reference, seen and not followed */
	STEPPER_SWEEP,		/* a white object is freed by the sweep */
	STEPPER_COPY,		/* gc_refs = refcount */
	STEPPER_SUBTRACT,	/* gc_refs -= 1 for one reference from inside the generation */
	STEPPER_EXTERNAL,	/* gc_refs > 0: referenced from outside, pushed */
	STEPPER_UNREACHABLE,	/* still white after the rescue: garbage */
	STEPPER_WEAKCLEAR,	/* a weak reference to a dying object is cleared */
	STEPPER_FINALIZE,	/* its finalizer (__del__) runs */
	STEPPER_CLEAR,		/* cyclic garbage cleared and freed */
	STEPPER_RELEASE,	/* a reference is let go (del x, x.f = ...): refcount -= 1 */
	STEPPER_DECREF,		/* refcount -= 1 because `other` was freed */
	STEPPER_ZERO,		/* refcount reached 0: pushed to be freed */
	STEPPER_FREE,		/* popped and freed by reference counting */
	STEPPER_PROMOTE,	/* a survivor moves to an older generation */
	STEPPER_COUNT,		/* a generation counter changes (node = generation) */
	STEPPER_THRESHOLD,	/* a counter is compared with its threshold (node = gen) */
	STEPPER_COLLECT,	/* a collection of generation `node` starts */
	STEPPER_OLDER,		/* an object of an older generation: outside this collection */
	STEPPER_WHITEN,		/* coloured white again for a new collection */
	STEPPER_KINDS
};

enum stepper_phase {
	STEPPER_PH_MARK = 0,
	STEPPER_PH_SWEEP,
	STEPPER_PH_COPY,
	STEPPER_PH_SUBTRACT,
	STEPPER_PH_RESCUE,
	STEPPER_PH_UNREACHABLE,
	STEPPER_PH_FINALIZE,
	STEPPER_PH_CLEAR,
	STEPPER_PH_PROMOTE,
	STEPPER_PH_CASCADE,
	STEPPER_PH_DONE,
	STEPPER_PHASES
};

/* One event, 32 bytes.  `node` is the node whose column changes (or the
 * subject when nothing changes); `other` the node on the far side of `edge`
 * (HEAP_NONE if none); `edge` an index into the heap's out_* arrays
 * (HEAP_NONE if none).  old/new are the column's values before and after. */
struct stepper_event {
	int64_t old, new;
	uint32_t node;
	uint32_t other;
	uint32_t edge;
	uint8_t kind;		/* enum stepper_kind */
	uint8_t col;		/* enum stepper_col */
	uint8_t qop;		/* enum stepper_qop */
	uint8_t pad;
};

struct stepper {
	const struct heap *heap;	/* not owned; must outlive the stepper */
	uint32_t n;			/* heap->n_nodes */

	/* The state, indexed by node. */
	uint8_t *colour;		/* enum stepper_colour */
	uint8_t *flags;			/* enum stepper_flag */
	uint8_t *gen;			/* generation, HEAP_GEN_UNKNOWN if none */
	int64_t *refcount;
	int64_t *gc_refs;
	int64_t gen_count[STEPPER_GENS];	/* CPython's gc.get_count() */
	int64_t threshold[STEPPER_GENS];	/* gc.get_threshold(), 700/10/10 by default */

	/* The worklist: queue[qhead..qtail) is waiting.  Each slot is written
	 * once per run, so undoing a pop or a push only moves an index. */
	heap_node_t *queue;
	uint32_t qhead, qtail, qcap;

	/* The log: ev[0..n_ev); the state is at step `pos` (events
	 * ev[0..pos) applied). */
	struct stepper_event *ev;
	size_t n_ev, cap_ev, pos;
	int record;			/* store events (default 1) */
	int label_ids;			/* narrate objects as TYPE@ID (real heaps)
					 * rather than by name (lessons) */
	int count_frees;		/* each refcount free lowers gen_count[0]
					 * when above 0, as CPython's dealloc does
					 * (default 0) */
	uint64_t kind_count[STEPPER_KINDS];	/* events generated, by kind */
};

/* A stepper over heap h in its initial state: every node white, flags 0,
 * generation from the heap, refcount from the heap's refcount column where
 * it has one and otherwise derived (stepper_derive_refcount), gc_refs 0,
 * counters 0, thresholds 700/10/10, empty log.  Aborts on out of memory. */
struct stepper *stepper_new(const struct heap *h);
void stepper_free(struct stepper *s);

/* Sets refcount[v] to the number of retaining references into v plus the
 * number of times v is in the root list: what reference counting would
 * hold if the roots were variables.  Use before running a generator. */
void stepper_derive_refcount(struct stepper *s);

/* Whether out-edge e (of node `from`) keeps its target alive: STRONG and
 * INTERNAL do, WEAK never, SHORTCUT only from a synthetic root.  This is
 * reach_retains(), the predicate every engine analysis uses. */
int stepper_edge_retains(const struct heap *h, heap_node_t from, uint32_t e);

/* The source node of out-edge e (binary search over out_off). */
heap_node_t stepper_edge_source(const struct heap *h, uint32_t e);

/* ---- for generators ---- */

/* Appends an event that sets column `col` of `node` to `value` (reading the
 * old value from the state) and moves the worklist by qop (a push appends
 * `node`), applies it, and counts it.  The stepper must be at the end of its
 * log (pos == n_ev). */
void stepper_emit(struct stepper *s, enum stepper_kind kind, enum stepper_col col,
		  uint32_t node, int64_t value, enum stepper_qop qop, uint32_t other,
		  uint32_t edge);

/* Appends an event that changes nothing and carries two values for the
 * narration in old and new (STEPPER_THRESHOLD: the counter, the threshold). */
void stepper_note(struct stepper *s, enum stepper_kind kind, uint32_t node, int64_t a, int64_t b);

/* Appends a phase marker. */
void stepper_phase(struct stepper *s, enum stepper_phase ph);

/* ---- the player ---- */

/* Number of events in the log. */
size_t stepper_len(const struct stepper *s);

/* Moves the state to step k (0 = before the first event, stepper_len() =
 * after the last), applying or undoing events one by one.  k is clamped. */
void stepper_seek(struct stepper *s, size_t k);

/* One step forward (+1) or back (-1); returns 0, or -1 at either end. */
int stepper_step(struct stepper *s, int dir);

/* The current phase: the phase of the last phase marker before pos, or
 * STEPPER_PHASES when none. */
enum stepper_phase stepper_current_phase(const struct stepper *s);

/* ---- narration ---- */

/* Writes the label of node v for people into buf: its name when it has
 * one, else "TYPE#ID"; control bytes escaped.  Returns buf. */
const char *stepper_label(const struct heap *h, heap_node_t v, char *buf, size_t size);

/* The label the narration uses: stepper_label(), or "TYPE@ID" when
 * s->label_ids is set. */
const char *stepper_node_label(const struct stepper *s, heap_node_t v, char *buf, size_t size);

/* Writes one line of narration for event ev into buf (no newline), e.g.
 * "scan a.next -> b: b is white: grey, onto the worklist".  Returns buf. */
const char *stepper_describe(const struct stepper *s, const struct stepper_event *ev,
			     char *buf, size_t size);

/* Short names: "white", "grey", "black", "outside"; "mark", "sweep", ... */
const char *stepper_colour_name(enum stepper_colour c);
const char *stepper_phase_name(enum stepper_phase p);
const char *stepper_kind_name(enum stepper_kind k);

#endif
