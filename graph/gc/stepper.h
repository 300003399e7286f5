/* stepper: a run of a garbage collector as a list of small, reversible
 * events, and the state they lead to.
 *
 * A stepper holds what a person can see of a heap while a collector works
 * on it (a state column per node: colour, flags, generation, refcount,
 * gc_refs, place in the unreachable list; one per reference: present or
 * not; the three generation counters and gc.get_threshold(); the phase; a
 * worklist) and a log of events.  The world (graph/gc/world.h) runs the
 * program and the collector and appends one event per small act: a
 * reference stored, a refcount lowered, gc_refs copied, one internal
 * reference subtracted, an object found tentatively unreachable, a
 * finalizer run, an object freed...  Each event changes at most one column
 * of one node (or of one reference) and moves the worklist at most one
 * place, and records the old and the new value, so the player can go to any
 * step k by applying events forwards or undoing them backwards: the state
 * at step k is the same either way.
 *
 * The worklist is a queue: a tracing mark and CPython's scan of the young
 * list push at the tail and take from the head.  The deallocations in
 * progress (CPython's tp_dealloc nests them: a stack) are a column, each
 * one's depth, since a collection can start inside one.
 *
 * A stepper can be built while its heap does not exist yet (the world grows
 * it: stepper_grow) and be given the heap at the end (stepper_attach), as
 * long as node i and reference e keep their numbers.
 *
 * Memory: 27 bytes per node and 1 per reference for the columns, 4 per
 * worklist slot, and 32 bytes per recorded event, in arrays grown by
 * doubling.  With `record` 0 no event is stored: the state still reaches
 * the end and kind_count still counts each kind.
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
	STEPPER_GREY = 1,	/* known reachable, references not scanned */
	STEPPER_BLACK = 2,	/* known reachable, references scanned */
	STEPPER_OUTSIDE = 3	/* not part of this collection */
};

/* Per-node flags. */
enum stepper_flag {
	STEPPER_F_FREED = 1u << 0,		/* the object is gone */
	STEPPER_F_UNREACHABLE = 1u << 1,	/* found to be cyclic garbage */
	STEPPER_F_FINALIZED = 1u << 2,		/* its finalizer (__del__) has run */
	STEPPER_F_UNBORN = 1u << 3,		/* not made yet */
	STEPPER_F_ROOT = 1u << 4,		/* held from outside what is shown */
	STEPPER_F_DEL = 1u << 5			/* its class has a finalizer (__del__) */
};

/* Generation column values besides 0..2. */
enum {
	STEPPER_GEN_PERMANENT = 3,		/* gc.freeze() */
	STEPPER_GEN_UNTRACKED = HEAP_GEN_UNKNOWN	/* not tracked by the collector */
};

/* Which state column an event changes. */
enum stepper_col {
	STEPPER_COL_NONE = 0,
	STEPPER_COL_COLOUR,
	STEPPER_COL_FLAGS,
	STEPPER_COL_GEN,
	STEPPER_COL_REFCOUNT,
	STEPPER_COL_GCREFS,
	STEPPER_COL_GENCOUNT,	/* node holds the generation number 0..2 */
	STEPPER_COL_EDGE,	/* the event's edge: 1 present, 0 not */
	STEPPER_COL_ORDER,	/* place in the (tentatively) unreachable list, 0: not in it */
	STEPPER_COL_PHASE,	/* the stepper's phase (node unused) */
	STEPPER_COL_DEAL	/* depth in the stack of deallocations, 0: not in it */
};

/* How an event moves the worklist. */
enum stepper_qop {
	STEPPER_Q_NONE = 0,
	STEPPER_Q_PUSH,		/* node appended at the tail */
	STEPPER_Q_POP		/* the head (== node) taken off */
};

/* What happened: the narration of an event is chosen by its kind (and
 * its `why`). */
enum stepper_kind {
	STEPPER_PHASE = 0,	/* a phase starts */
	/* tracing */
	STEPPER_ROOT,		/* a root turns grey, pushed */
	STEPPER_POP,		/* taken off the worklist, black */
	STEPPER_SCAN,		/* reference other -edge-> node scanned (maybe greys node) */
	STEPPER_SKIP_WEAK,	/* a weak reference, seen and not followed */
	STEPPER_SWEEP,		/* a white object freed by the sweep */
	/* the program */
	STEPPER_ALLOC,		/* a new object (UNBORN cleared; refcount 1 already) */
	STEPPER_TRACK,		/* the collector starts tracking it: generation 0 */
	STEPPER_UNTRACK,	/* a dict holding nothing tracked is untracked */
	STEPPER_LINK,		/* reference other -edge-> node appears */
	STEPPER_UNLINK,		/* reference other -edge-> node goes away */
	STEPPER_INCREF,		/* refcount + 1 (edge: the reference, if any) */
	STEPPER_DECREF,		/* refcount - 1 (edge: the reference, if any) */
	STEPPER_GETREFCOUNT,	/* sys.getrefcount(node): old = refcount, new = the result */
	/* reference counting */
	STEPPER_ZERO,		/* refcount 0: the deallocator starts (deal = depth) */
	STEPPER_FINALIZE,	/* its finalizer (__del__) runs */
	STEPPER_REVIVED,	/* a finalizer made it reachable: not freed (deal = 0) */
	STEPPER_WEAKCLEAR,	/* weak reference object other loses its referent node */
	STEPPER_CALLBACK,	/* the callback of weak reference object node runs */
	STEPPER_FREE,		/* freed (flags; its deal stays, freed objects are not in the stack) */
	/* generations */
	STEPPER_COUNT,		/* a generation counter changes (node = generation) */
	STEPPER_THRESHOLD,	/* a counter compared with its threshold (node = gen) */
	STEPPER_SKIPFULL,	/* the 25% rule defers a full collection: old = pending,
				 * new = long-lived */
	STEPPER_COLLECT,	/* a collection of generation node starts (why 1: automatic) */
	STEPPER_RETURN,		/* gc.collect() returns old */
	STEPPER_FREEZE,		/* gc.freeze() / gc.unfreeze() moves node */
	/* the cycle collector */
	STEPPER_OLDER,		/* not in this collection: outside */
	STEPPER_WHITEN,		/* white again for a new collection */
	STEPPER_COPY,		/* update_refs: gc_refs = refcount (pushed on the list) */
	STEPPER_SUBTRACT,	/* subtract_refs: gc_refs - 1 for reference other -edge-> node */
	STEPPER_REACHABLE,	/* move_unreachable: gc_refs > 0: reachable, black (popped) */
	STEPPER_VISIT,		/* reached through other -edge-> node: gc_refs 0 -> 1 */
	STEPPER_TENTATIVE,	/* gc_refs 0: tentatively unreachable (popped; order set) */
	STEPPER_MOVEBACK,	/* reached after all: back at the end of the list (pushed) */
	STEPPER_UNREACHABLE,	/* still unreachable at the end of the scan */
	STEPPER_RESCUED,	/* a finalizer made it reachable again: it survives */
	STEPPER_CLEAR,		/* tp_clear runs on it */
	STEPPER_MOVEOLD,	/* moved to an older generation (alive after tp_clear,
				 * a weak reference after its callback, resurrected) */
	STEPPER_PROMOTE,	/* a survivor moves to an older generation */
	STEPPER_MARKED,		/* 3.14: reachable from the roots, marked visited */
	STEPPER_SETDEL,		/* its class gets a __del__ (flags) */
	STEPPER_WORKLEFT,	/* 3.14: an increment has no work to do yet (old: work_to_do) */
	STEPPER_KINDS
};

/* Why a reference came or went (event `why` for LINK, UNLINK, INCREF,
 * DECREF). */
enum stepper_why {
	STEPPER_WHY_NONE = 0,
	STEPPER_WHY_STORE,	/* an assignment stored it, or replaced it */
	STEPPER_WHY_DEL,	/* a del statement */
	STEPPER_WHY_CLEAR,	/* tp_clear (the cycle collector) */
	STEPPER_WHY_DEALLOC,	/* its holder is being freed */
	STEPPER_WHY_SHIFT,	/* list items moved down */
	STEPPER_WHY_REVIVE,	/* a finalizer stored the object */
	STEPPER_WHY_HOLD,	/* the collector holds it during tp_clear */
	STEPPER_WHY_OUTSIDE,	/* the rest of the heap lets go (a part of a real heap) */
	STEPPER_WHY_FINALIZER,	/* __del__ gets the dying object while it runs */
	STEPPER_WHY_AUTO = 1	/* COLLECT: an automatic collection */
};

enum stepper_phase {
	STEPPER_PH_NONE = 0,
	STEPPER_PH_MARK,
	STEPPER_PH_SWEEP,
	STEPPER_PH_COPY,
	STEPPER_PH_SUBTRACT,
	STEPPER_PH_RESCUE,
	STEPPER_PH_UNREACHABLE,
	STEPPER_PH_WEAKREFS,
	STEPPER_PH_FINALIZE,
	STEPPER_PH_RECHECK,
	STEPPER_PH_CLEAR,
	STEPPER_PH_PROMOTE,
	STEPPER_PH_DEALLOC,
	STEPPER_PH_ROOTS,	/* 3.14: mark from the interpreter's roots */
	STEPPER_PH_DONE,
	STEPPER_PHASES
};

/* One event, 32 bytes.  `node` is the node whose column changes (or the
 * subject when nothing changes; the generation for COUNT and THRESHOLD);
 * `other` the node on the far side of `edge` (HEAP_NONE if none); `edge` an
 * index into the heap's out_* arrays (HEAP_NONE if none), and the
 * reference COL_EDGE changes.  old/new are the column's values before and
 * after (or, for notes, two numbers for the narration). */
struct stepper_event {
	int64_t old, new;
	uint32_t node;
	uint32_t other;
	uint32_t edge;
	uint8_t kind;		/* enum stepper_kind */
	uint8_t col;		/* enum stepper_col */
	uint8_t qop;		/* enum stepper_qop */
	uint8_t why;		/* enum stepper_why */
};

struct stepper {
	const struct heap *heap;	/* not owned; NULL until attached */
	uint32_t n;			/* nodes */
	uint32_t n_edges;		/* references */
	uint32_t cap_n, cap_e;

	/* The state, indexed by node (edge_on by reference). */
	uint8_t *colour;		/* enum stepper_colour */
	uint8_t *flags;			/* enum stepper_flag */
	uint8_t *gen;			/* generation 0..2, STEPPER_GEN_* */
	int64_t *refcount;
	int64_t *gc_refs;
	uint32_t *order;		/* 1-based place in the unreachable list */
	uint32_t *deal;			/* depth in the deallocation stack, 0 none */
	uint8_t *edge_on;
	int64_t gen_count[STEPPER_GENS];	/* gc.get_count() */
	int64_t threshold[STEPPER_GENS];	/* gc.get_threshold() */
	uint8_t phase;			/* enum stepper_phase */
	uint32_t ns_node;		/* the namespace (variables), HEAP_NONE if none */

	/* The worklist: queue[qhead..qtail). */
	heap_node_t *queue;
	uint32_t qhead, qtail, qcap;

	/* The log: ev[0..n_ev); the state is at step `pos` (events
	 * ev[0..pos) applied). */
	struct stepper_event *ev;
	size_t n_ev, cap_ev, pos;
	int record;			/* store events (default 1) */
	uint64_t kind_count[STEPPER_KINDS];	/* events generated, by kind */
};

/* A stepper over n nodes and m references, all in the initial state:
 * white, flags 0, untracked, refcount 0, references present.  heap may be
 * NULL (stepper_attach later).  Aborts on out of memory. */
struct stepper *stepper_new(const struct heap *h, uint32_t n, uint32_t m);
void stepper_free(struct stepper *s);

/* Room for node n-1 and reference m-1, the new ones in the initial state
 * given (flags, generation, refcount; references present when edge_on). */
void stepper_grow(struct stepper *s, uint32_t n, uint32_t m, uint8_t flags, uint8_t gen,
		  int64_t refcount, uint8_t edge_on);

/* Gives the stepper its heap, renumbering references: new_edge[e] is the
 * heap's number of the stepper's reference e (NULL: the same). */
void stepper_attach(struct stepper *s, const struct heap *h, const uint32_t *new_edge);

/* Appends an event that sets column col of `node` (of `edge` for
 * COL_EDGE; node ignored for COL_PHASE and COL_GENCOUNT uses the
 * generation) to `value`, reading the old value from the state, moves the
 * worklist by qop (a push appends node), applies it and counts it.  The
 * stepper must be at the end of its log. */
void stepper_emit(struct stepper *s, enum stepper_kind kind, enum stepper_col col, uint32_t node,
		  int64_t value, enum stepper_qop qop, uint32_t other, uint32_t edge,
		  enum stepper_why why);

/* Appends an event that changes nothing and carries a and b for the
 * narration in old and new. */
void stepper_note(struct stepper *s, enum stepper_kind kind, uint32_t node, int64_t a, int64_t b,
		  uint32_t other, uint32_t edge);

/* Appends a phase change. */
void stepper_phase(struct stepper *s, enum stepper_phase ph);

/* ---- the player ---- */

size_t stepper_len(const struct stepper *s);

/* Moves the state to step k (0 = before the first event, stepper_len() =
 * after the last), applying or undoing events one by one.  k is clamped. */
void stepper_seek(struct stepper *s, size_t k);

/* One step forward (+1) or back (-1); returns 0, or -1 at either end. */
int stepper_step(struct stepper *s, int dir);

/* CPython's unreachable list at the current step, in its order, into out
 * (room for s->n); returns how many.  An object is in it when it was put
 * there (order) and is neither waiting in the list to scan, nor found
 * reachable since (black), nor freed: so a second look after the
 * finalizers (3.9+) lists only what it finds again.  Meaningful from
 * move_unreachable to tp_clear. */
uint32_t stepper_unreachable_list(const struct stepper *s, heap_node_t *out);

/* ---- narration ---- */

/* The label of node v for people: its name when it has one, else
 * "TYPE#ID"; control bytes escaped.  Returns buf. */
const char *stepper_label(const struct heap *h, heap_node_t v, char *buf, size_t size);

/* Where reference e is, for people: "a.next", "items[0]", "d['k']", or
 * "variable a" for a reference from the namespace.  Returns buf. */
const char *stepper_ref_text(const struct stepper *s, uint32_t e, char *buf, size_t size);

/* The generation in words: "0", "1", "2", "permanent", "untracked". */
const char *stepper_gen_name(uint8_t gen, char *buf, size_t size);

/* One line of narration for event ev (no newline).  Returns buf. */
const char *stepper_describe(const struct stepper *s, const struct stepper_event *ev, char *buf,
			     size_t size);

const char *stepper_colour_name(enum stepper_colour c);
const char *stepper_phase_name(enum stepper_phase p);
const char *stepper_kind_name(enum stepper_kind k);

#endif
