/* analysis: everything computed once after a heap is loaded, in one call:
 * effective roots and distances (reach.h), strongly connected components
 * and the cycles among them (scc.h), dominators and retained sizes, of
 * objects and of cycles as groups (dom.h).  Views read the columns below
 * directly; the functions after the struct answer the per-object and
 * per-type questions a view asks.
 *
 * Memory: the per-node results are 16 bytes per object (dist 4, idom 4,
 * retained 4, cycle 4), and 16 bytes more per object that retains 4 GiB
 * or more; the optional dominator-children index (domtree.h) adds 4, so
 * about 20 bytes per object.  Cycles add 4 bytes
 * per member (the member lists), sizeof(struct analysis_cycle) = 48
 * bytes per cycle, and per pattern (at most one per cycle) 48 bytes and
 * its signature's text.  Temporary memory while computing: up to about 40
 * bytes per node and 4 per reference at the peak, while both threads run
 * (measured: 194 MiB on bench/engine.sh's 5M/20M heap, 300 MiB on a V8
 * snapshot of 5.8M objects and 23M references), freed before analysis_run
 * returns.
 *
 * Semantics (reach.h, dom.h): retaining references are strong and
 * internal ones, shortcuts only from synthetic nodes; roots are
 * heap->roots, or CPython's externally referenced objects on a Python
 * dump; unreachable objects hang under the virtual root by DevTools' rule
 * on V8-shaped heaps, by the source-component rule otherwise.
 *
 * Everything is read-only after analysis_run(); several threads may read
 * one analysis at once.  The analysis borrows the heap, which must outlive
 * it.
 */
#ifndef HEAPGLASS_ANALYSIS_H
#define HEAPGLASS_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>

#include "graph/core/error.h"
#include "graph/dom.h"
#include "graph/heap.h"
#include "graph/core/progress.h"
#include "graph/reach.h"

/* A cycle: a strongly connected component of the user graph (heap.h; of
 * the raw graph in an analysis_raw_new() view) of two or more objects, or
 * one object with a reference to itself in that graph.  See graph/cycles.h
 * for how they are found and what they retain. */
struct analysis_cycle {
	uint64_t shallow;	/* total shallow size of the members */
	uint64_t retained;	/* bytes freed if the members were all freed: what
				 * becomes unreachable when the cycle, contracted
				 * into one vertex, is removed */
	uint32_t size;		/* number of members */
	uint32_t members;	/* the members are a->members[members .. members+size),
				 * ascending node index */
	uint32_t n_internal;	/* references between members (user cycles: any
				 * kind but the runtime's bookkeeping; raw: any) */
	uint32_t n_entering;	/* references (any kind) from non-members to members */
	uint32_t garbage;	/* 1: no root reaches any member; 0: live */
	uint32_t pattern;	/* index into a->patterns, HEAP_NONE in a raw view */
	heap_node_t holder;	/* what holds the cycle: the member every path from
				 * a root enters by, else the nearest object that
				 * dominates every member (HEAP_NONE: the virtual
				 * root, or not found within the climbs' budget on
				 * a pathological shape); its retained size includes
				 * the cycle's */
	uint32_t reserved;
};

/* A pattern: the cycles whose members have the same types joined by the
 * same references (edge names, element indexes folded to "[]"), e.g. every
 * `Session -history-> Array -[]-> Request -session-> Session`.  Patterns are
 * numbered by retained size, largest first. */
struct analysis_pattern {
	uint64_t shallow;	/* members of all its cycles */
	uint64_t retained;	/* what its cycles retain; a cycle held inside the
				 * dominator subtree of another of the same pattern's
				 * holder is not counted again */
	uint32_t instances;	/* cycles */
	uint32_t objects;	/* members of all its cycles */
	uint32_t garbage;	/* of its cycles, those no root reaches */
	uint32_t example;	/* the cycle shown for it: the one retaining most */
	uint32_t signature;	/* analysis_pattern_signature() */
	uint32_t n_links;	/* distinct (type, reference, type) triples */
	heap_str_t lead;	/* the type its signature starts at: the one that
				 * heads its cycles most often */
	uint64_t key;		/* a hash of its shape by the strings' contents: the
				 * same shape has the same key in another heap */
};

/* The runtime's core: the raw graph's largest strongly connected component
 * (on V8 and JVM heaps, most objects, tied to their maps, classes and
 * loaders), and the references inside it that the user graph leaves out,
 * by name, most first.  objects is 0 when the heap has no user rules (the
 * user graph is the raw one) or no raw component of two or more objects. */
enum {
	ANALYSIS_CORE_NAMES = 8
};
struct analysis_core {
	uint32_t objects;
	uint32_t n_names;
	uint64_t references;	/* all the left-out references inside it */
	struct {
		uint32_t name;	/* an edge name (heap.h): a string offset, or
				 * HEAP_NAME_INDEX for element indexes */
		uint64_t count;
	} names[ANALYSIS_CORE_NAMES];
};

/* Orders of analysis_cycles_sorted() and the CLI. */
enum analysis_cycle_order {
	ANALYSIS_BY_SIZE = 0,	/* size desc, retained desc, first member asc */
	ANALYSIS_BY_RETAINED	/* retained desc, size desc, first member asc */
};

struct analysis {
	const struct heap *heap;
	int refcount_mode;		/* roots from CPython's rules (reach.h) */

	/* Per node (h->n_nodes entries each). */
	uint32_t *dist;			/* distance to the nearest root over retaining
					 * references: 0 = an effective root,
					 * REACH_UNREACHABLE = no root reaches it */
	heap_node_t *idom;		/* immediate dominator; HEAP_NONE = the virtual
					 * root (roots, and entries of the unreachable
					 * part: see dom.h).  With exactly one root,
					 * synthetic (V8), and some garbage, that root
					 * stands for the virtual root, as in DevTools: the garbage entries get
					 * it as idom and it retains the whole heap. */
	struct dom_sizes retained;	/* retained size in bytes (>= shallow size),
					 * 4 bytes per node: analysis_retained() */
	uint32_t *cycle;		/* index into cycles[], HEAP_NONE if the object
					 * is in no cycle */

	/* Cycles in the default order (ANALYSIS_BY_SIZE): cycles[0] is the CLI's
	 * cycle 1 (`cycles`, `export --cycle N`).  The user graph's, or the raw
	 * graph's in a view from analysis_raw_new() (raw = 1). */
	struct analysis_cycle *cycles;
	uint32_t n_cycles;
	heap_node_t *members;		/* all cycles' members, grouped by cycle */
	int raw;

	/* The user cycles' patterns, largest retained first (none in a raw
	 * view), and their signatures' text. */
	struct analysis_pattern *patterns;
	uint32_t n_patterns;
	char *pattern_text;		/* NUL-terminated signatures, back to back */
	size_t pattern_text_len;

	struct analysis_core core;

	/* Totals. */
	uint32_t n_roots;		/* effective roots (dist == 0) */
	uint64_t reachable_objects, reachable_bytes;
	uint64_t unreachable_objects, unreachable_bytes;
	uint32_t largest_cycle;		/* members of the largest cycle, 0 if none */
	double seconds;			/* wall time of analysis_run */

	/* A raw view borrows every column but the cycles' from this one. */
	const struct analysis *base;
	/* The single root that stands for the virtual root (HEAP_NONE: none),
	 * and its retained size as the dominator tree gave it, before. */
	heap_node_t adopted_root;
	uint64_t adopted_own;
};

/* Runs every analysis on h.  Uses two threads when that helps.  Returns 0
 * and *out (free with analysis_free), or -1 with err filled when progress
 * asked to stop; out of memory aborts (mem.h). */
int analysis_run(const struct heap *h, struct progress *p, struct analysis **out,
		 struct error *err);

/* analysis_free(NULL) is a no-op.  A raw view is freed before its base. */
void analysis_free(struct analysis *a);

/* A view of a whose cycles are the raw graph's strongly connected
 * components (every retaining reference: what the runtime sees, for
 * teaching and for formats without user rules); every other column is
 * a's, borrowed.  Costs a component search and a cycle table (4 bytes per
 * object and per member).  Returns 0 and *out, or -1 with err filled when
 * progress asked to stop. */
int analysis_raw_new(const struct analysis *a, struct progress *p, struct analysis **out,
		     struct error *err);

/* The signature of pattern i: its types and references around the cycle,
 * as "Type -field-> Type -[]-> Type", starting from the type that holds
 * its cycles most often; names from the snapshot, not escaped. */
const char *analysis_pattern_signature(const struct analysis *a, uint32_t i);

/* Bytes the analysis results occupy (not counting the heap). */
size_t analysis_memory(const struct analysis *a);

/* ---- per object ---- */

/* The retained size of v in bytes (>= its shallow size). */
static inline uint64_t analysis_retained(const struct analysis *a, heap_node_t v)
{
	return dom_sizes_get(&a->retained, v);
}

/* Non-zero when some root reaches v. */
int analysis_reachable(const struct analysis *a, heap_node_t v);

/* The shortest retainer path from a root to v: see reach_path().  Returns
 * the number of steps written into out (which must hold a->dist[v] + 1
 * entries), 0 when v is unreachable. */
uint32_t analysis_path(const struct analysis *a, heap_node_t v, struct reach_step *out);

/* The dominator chain of v: writes v's immediate dominator, its dominator,
 * and so on up to a child of the virtual root, into out (up to max
 * entries), and returns the full chain length (which may exceed max, so a
 * caller can size a buffer with max = 0).  v itself is not included; a
 * child of the virtual root has a chain of length 0. */
uint32_t analysis_dominators(const struct analysis *a, heap_node_t v, heap_node_t *out,
			     uint32_t max);

/* ---- cycles ---- */

/* A reference, as the cycle and type views list them: edge is the index
 * into h->out_to / out_name / out_kinds, from its source. */
struct analysis_ref {
	heap_node_t from;
	heap_node_t to;
	uint32_t edge;
};

/* The references among the members of cycle c (n_internal of them, any
 * kind), in member order then edge order.  out holds n_internal entries.
 * Returns the count written. */
uint32_t analysis_cycle_internal(const struct analysis *a, uint32_t c, struct analysis_ref *out);

/* The references entering cycle c from non-members (n_entering, any kind;
 * a weak one keeps nothing alive but is shown), in member order then in_*
 * order.  Returns the count written. */
uint32_t analysis_cycle_entering(const struct analysis *a, uint32_t c, struct analysis_ref *out);

/* A shortest closed walk around cycle c through its member start (a member
 * of c) over the cycle's own references (of the user graph, or retaining
 * ones in a raw view): the references out[0..k), out[0] leaving start and
 * out[k-1] entering it.  Returns k, having written out only when k <= max
 * (else call again with a buffer that big); 0 when start is not a member.
 * O(members log members + their references); temporary memory 8 bytes per
 * member. */
uint32_t analysis_cycle_ring(const struct analysis *a, uint32_t c, heap_node_t start,
			     struct analysis_ref *out, uint32_t max);

/* The member that names cycle c wherever one member stands for it (its
 * row, where its ring starts, a diff's sample): the member its holder is;
 * else, of the members of its pattern's lead type, the one that retains
 * most; else the member that retains most (the first such in member order;
 * among the first 64 members: a cycle of millions is not read
 * whole).  The same choice for every cycle of a pattern, so a garbage
 * cycle, which nothing holds, reads like its pattern's signature. */
heap_node_t analysis_cycle_face(const struct analysis *a, uint32_t c);

/* Cycle indexes in the given order into out (a->n_cycles entries). */
void analysis_cycles_sorted(const struct analysis *a, enum analysis_cycle_order order,
			    uint32_t *out);

/* ---- types ---- */

struct analysis_type {
	heap_str_t type;
	uint64_t count;
	uint64_t shallow;
	/* Bytes freed if every object of this type were freed: the sum of the
	 * retained sizes of the objects of this type that no other object of
	 * this type dominates (so nothing is counted twice), as DevTools does. */
	uint64_t retained;
};

enum analysis_type_order {
	ANALYSIS_TYPES_BY_COUNT = 0,
	ANALYSIS_TYPES_BY_SHALLOW,
	ANALYSIS_TYPES_BY_RETAINED
};

/* The per-type histogram, sorted by the given key descending, then type
 * name ascending (bytewise).  Returns the number of types and *out
 * (mem_alloc'd; the caller frees it).  O(V log T) for T types; temporary
 * memory 8 bytes per node. */
uint32_t analysis_types(const struct analysis *a, enum analysis_type_order order,
			struct analysis_type **out);

/* The k objects with the largest retained size (fewer if the heap has
 * fewer), largest first, ties by node index; objects with HEAP_F_SYNTHETIC
 * are left out when skip_synthetic.  Writes into out (k entries) and
 * returns the count.  O(V log k). */
uint32_t analysis_top(const struct analysis *a, uint32_t k, int skip_synthetic, heap_node_t *out);

#endif
