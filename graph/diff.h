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
 * Cost: O((V + E) + V log V) per heap, no quadratic step; memory about
 * 40 bytes per node of both heaps while computing, 4 bytes per NEW node
 * kept (diff->fresh).  Strings in the results are offsets into NEW's
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
	DIFF_WIDE = 32
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
				 * pattern field names the pattern */
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
};

/* Compares two analysed heaps.  match: DIFF_AUTO, or a forced mode
 * (DIFF_BY_ID on heaps whose ids are not stable gives nonsense, but is
 * allowed: the caller asked).  Returns 0 and *out (diff_free), or -1 with
 * err filled. */
int diff_run(const struct analysis *old, const struct analysis *new, enum diff_match match,
	     struct diff **out, struct error *err);

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
