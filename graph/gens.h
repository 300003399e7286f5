/* gens: what a generational collector sees: objects and bytes per
 * generation, and the references that cross generations (the remembered
 * set an old-to-young barrier must keep).
 */
#ifndef HEAPGLASS_GENS_H
#define HEAPGLASS_GENS_H

#include <stdint.h>

#include "graph/heap.h"

struct gens_stat {
	uint64_t objects;
	uint64_t bytes;
	uint64_t garbage_objects;	/* of which unreachable (when dist given) */
	uint64_t garbage_bytes;
};

/* Generations 0..n_gens-1 plus, at index n_gens, the objects of unknown
 * generation.  refs[from * (n_gens + 1) + to] counts the retaining
 * references (reach_retains()) from objects of generation `from` to objects
 * of generation `to`, unknown at index n_gens. */
struct gens {
	uint32_t n_gens;		/* heap->max_generation + 1, 0 if unknown */
	struct gens_stat *stat;		/* n_gens + 1 */
	uint64_t *refs;			/* (n_gens + 1)^2 */
	uint64_t old_to_young;		/* retaining references from a known
					 * generation to a younger (smaller) one */
	uint64_t old_to_young_targets;	/* distinct objects such references reach */
	uint64_t young_to_old;
};

/* Fills g (free with gens_fini).  dist (from reach_distances, may be NULL)
 * fills the garbage columns.  O(V + E); temporary memory n/8 bytes. */
void gens_compute(const struct heap *h, const uint32_t *dist, struct gens *g);
void gens_fini(struct gens *g);

#endif
