/* diff: what changed between two analysed heaps of one program, OLD and
 * NEW (objgraph's show_growth, DevTools' Comparison view).
 *
 * Matching.  Objects are matched by id when ids are stable across
 * snapshots: only V8 object ids within one process are (Python and HPROF
 * ids are addresses, which are reused and moved).  diff_run decides: both
 * heaps come from the V8 loader and at least DIFF_ID_MIN_RATE of OLD's
 * objects are found in NEW under the same id with the same type.  Anything
 * else falls back to types and retainer paths (DIFF_BY_TYPE_AND_PATH).
 *
 * Retainer-path signature.  Every object reached from a root has one
 * shortest retainer path (reach_path's choice: at each step the first
 * retaining incoming reference one step closer to a root).  Its signature
 * hashes the object's type and, for the DIFF_PATH_HOPS nearest steps up
 * that path, the reference's name and the retainer's type.  Element
 * indexes ("[3]") hash as one name "[]", so the 10th and the 1000th item of
 * a list share a signature; so do all the references of an object with
 * more than DIFF_WIDE of them (a container whose reference names are its
 * keys, such as a dict with a string key per entry).  Strings are hashed by content, so signatures
 * compare across heaps.
 *
 * Groups: objects of one signature (hence one type).  By id, a group
 * counts the NEW objects alive in NEW whose id is not in OLD; by type and
 * path, it counts the alive objects of the signature on each side, and
 * growth is the difference.
 *
 * Cycles (the program's, analysis.h) are compared by pattern: a cycle's
 * signature is its pattern's key, the shape by the strings' contents.  By
 * id, a NEW cycle "appeared" when none of its members was in a cycle in
 * OLD; by type and path, when NEW has more cycles of that pattern than OLD
 * (the surplus is reported).  Either way a row is a pattern that is new or
 * grew.
 *
 * Leak clusters (memlab's clustered leak traces, ranked as DevTools ranks
 * its comparison, by size delta).  Each heap gets its trace tree
 * (graph/trace.h: one shortest path from a root per object over the user
 * graph's references, which may pass anchors but never meta references or
 * the runtime's machinery) and each object its trace signature: a hash of
 * its whole trace, steps named as above (element positions, names that
 * are all digits and a wide container's keys fold to "[]"), a step that
 * repeats the one before it (a linked list's -next-> Node) or goes from an
 * element to an object of its type (a hash table's collision chain) adding
 * nothing,
 * and starting afresh at each anchor (from its id when matched by id,
 * else from its type, name and the step that reaches it), so the route a
 * trace happens to take to a module's scope or a class does not matter.
 * A signature grows when NEW has more objects with it than OLD (whichever
 * the matching: objects moved from one holder to another count where they
 * are, and a request's objects replaced by the next request's cancel out).
 * The signatures form a tree (a trace's steps); a cluster is the growing
 * signatures that hang, through growing signatures only, from one
 * signature that does not grow: the accumulation point, the object whose
 * growth holds them (the Map, the listener array, the log).  Its size is
 * what its signatures grew by, in objects and in shallow bytes (the memory
 * the new objects add, which the accumulation point alone keeps unless
 * they are held elsewhere too).  Objects no trace reaches (held only
 * through the runtime's machinery, or garbage) are in no cluster.
 *
 * Cost: O((V + E) + V log V) per heap, no quadratic step; memory about
 * 40 bytes per node of both heaps while computing, 9 bytes per NEW node
 * kept (diff->fresh, diff->trace).  Strings in the results are offsets into NEW's
 * arena except diff_type.old_type (OLD's arena).  The diff borrows both
 * analyses, which must outlive it.
 */
#ifndef HEAPGLASS_DIFF_H
#define HEAPGLASS_DIFF_H

#include <stdint.h>

#include "graph/analysis.h"
#include "graph/core/error.h"
#include "graph/heap.h"

enum {
	DIFF_PATH_HOPS = 3,
	DIFF_WIDE = 32,
	DIFF_ACCESS_STEPS = 4
};

/* Share of OLD's objects that must be matched by id (same id, same type)
 * for id matching to be chosen automatically. */
#define DIFF_ID_MIN_RATE 0.5

enum diff_match {
	DIFF_AUTO = 0,		/* diff_run decides (above) */
	DIFF_BY_ID,
	DIFF_BY_TYPE_AND_PATH
};

struct diff_type {
	heap_str_t old_type;	/* offset in OLD's arena, HEAP_NONE if absent there */
	heap_str_t new_type;	/* offset in NEW's arena, HEAP_NONE if absent there */
	uint64_t old_count, new_count;
	int64_t count_delta, shallow_delta, retained_delta;
};

struct diff_group {
	heap_str_t type;	/* in NEW's arena */
	uint64_t sig;		/* the retainer-path signature */
	uint64_t old_count;	/* alive objects with sig in OLD (0 by id) */
	uint64_t new_count;	/* by id: new objects alive in NEW; else alive in NEW */
	int64_t growth;		/* new_count - old_count */
	uint64_t shallow;	/* shallow bytes of the group's NEW objects */
	heap_node_t sample;	/* one NEW object of the group (lowest index) */
};

struct diff_cycle {
	uint64_t sig;		/* the pattern's key */
	uint32_t count;		/* cycles of this pattern that appeared */
	uint32_t sample;	/* one of them: an index into NEW's a->cycles, whose
				 * pattern field names the pattern; by id the
				 * largest new one, by type the largest of the
				 * class (size, garbage or live) that grew most */
};

/* What a leak cluster's objects are: one type. */
struct diff_leak_type {
	heap_str_t type;	/* in NEW's arena */
	int64_t count;		/* objects more */
	int64_t bytes;		/* shallow bytes more */
};

struct diff_leak {
	uint64_t key;		/* the accumulation point's trace signature (0: the
				 * objects are roots themselves) */
	heap_node_t point;	/* an object of NEW at the accumulation point
				 * (HEAP_NONE for key 0): diff_leak_path() */
	heap_node_t sample;	/* an object of the cluster (a new one, by id, when
				 * there is one) held from point through the
				 * signature that grew most in bytes */
	uint32_t held_edge;	/* the reference from point to the objects it holds
				 * on sample's trace (an out-edge of NEW), HEAP_NONE
				 * when point is HEAP_NONE */
	int64_t count;		/* objects more in the cluster */
	int64_t retained_delta;	/* their shallow bytes more */
	uint32_t types;		/* its types, most objects first: */
	uint32_t n_types;	/* d->leak_types[types .. types + n_types) */
};

struct diff {
	const struct analysis *old, *new;
	enum diff_match matched_by;	/* DIFF_BY_ID or DIFF_BY_TYPE_AND_PATH */
	double id_rate;			/* OLD objects matched by id and type / OLD objects
					 * (computed for two V8 heaps, else 0) */

	/* Types whose count, shallow or retained size changed, by count_delta
	 * descending, then shallow_delta descending, then name. */
	struct diff_type *types;
	uint32_t n_types;

	/* By id: NEW objects (alive in NEW) whose id is not in OLD.  By type and
	 * path: the sum of the groups' positive growth. */
	uint64_t new_objects;
	uint64_t new_bytes;

	/* Groups with growth > 0, by growth descending, shallow descending,
	 * sample ascending. */
	struct diff_group *groups;
	uint32_t n_groups;

	/* Cycles that appeared, by count descending, then the sample cycle's
	 * size descending. */
	struct diff_cycle *cycles;
	uint32_t n_cycles;

	/* By id: fresh[v] = 1 when NEW's object v has an id not in OLD, else
	 * 0; NULL by type and path. */
	uint8_t *fresh;

	/* Leak clusters (above), by retained_delta descending, count
	 * descending, key ascending, and their types. */
	struct diff_leak *leaks;
	uint32_t n_leaks;
	struct diff_leak_type *leak_types;
	uint32_t n_leak_types;

	/* NEW's trace tree (graph/trace.h's edge column). */
	uint32_t *trace;

	/* 1 for diff_run_ages(): fresh marks C's middle-aged objects and the
	 * leak clusters and groups are theirs. */
	int ages;
};

/* Compares two analysed heaps.  match: DIFF_AUTO, or a forced mode
 * (DIFF_BY_ID on heaps whose ids are not stable gives nonsense, but is
 * allowed: the caller asked).  Heaps from two different loaders (a Python
 * dump and a V8 snapshot) are refused.  Returns 0 and *out (diff_free), or
 * -1 with err filled. */
int diff_run(const struct analysis *old, const struct analysis *new, enum diff_match match,
	     struct diff **out, struct error *err);

/* Three snapshots A, B, C of one process, matched by id (diff_ages): a
 * diff of C (new) against B (old) whose leak clusters and groups are
 * memlab's leak candidates, C's objects allocated between A and B and
 * still alive (counted alone: nothing is subtracted); d->fresh marks them,
 * d->ages is 1, types compare B with C, no cycles.  Only A's heap is read.
 * Returns 0 and *out, or -1 with err filled (three formats not one). */
int diff_run_ages(const struct heap *a, const struct analysis *b, const struct analysis *c,
		  struct diff **out, struct error *err);

/* The trace of leak cluster i from its root to its accumulation point
 * (trace_path's contract: root first; returns the full length, writing
 * only when it is <= max; 0 for a cluster of roots). */
uint32_t diff_leak_path(const struct diff *d, uint32_t i, struct reach_step *out, uint32_t max);

/* Where leak cluster i's objects are, written as an access from the last
 * anchor on its trace (a module's scope, a class: "Service" then its
 * field) or, without one, from DIFF_ACCESS_STEPS steps before the
 * accumulation point ("..."), down to the objects it holds:
 * "quoteCache.table[]", "Service.sessionRegistry.table[]"; "(roots)" when
 * the objects are roots themselves, "(root)" when a root holds them with
 * no name on the way.  Names are the snapshot's, not escaped; buf is always terminated
 * (size > 0). */
void diff_leak_access(const struct diff *d, uint32_t i, char *buf, size_t size);

/* diff_free(NULL) is a no-op. */
void diff_free(struct diff *d);

/* The retainer-path signature of every node of a's heap (see above):
 * sig[v] for reached objects, 0 for unreachable ones.  sig has n_nodes
 * entries.  Exposed for tests. */
void diff_signatures(const struct analysis *a, uint64_t *sig);

/* Groups (by retainer-path signature) of the reached nodes v of a's heap
 * with only[v] set: new_count = objects, growth = the same, old_count 0.
 * Sorted like diff->groups.  Returns the count and *out (mem_alloc'd; the
 * caller frees it). */
uint32_t diff_group_nodes(const struct analysis *a, const uint8_t *only, struct diff_group **out);

/* Ages from three snapshots A, B, C of one V8 process, matched by id:
 * gen[v] for C's object v is 2 when its id is in A (old), 1 when it is in B
 * but not A (middle: allocated between A and B and still alive, memlab's
 * leak candidates), 0 when it is in neither (young).  gen has C's n_nodes
 * entries.  counts[g] gets the number of objects of each age. */
void diff_ages(const struct heap *a, const struct heap *b, const struct heap *c, uint8_t *gen,
	       uint64_t counts[3]);

#endif
