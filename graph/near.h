/* near: the objects around one object, chosen one way for every picture of
 * a neighbourhood: the diagram `heapglass export --object` draws
 * (graph/export.h) and the part of a heap the GC animation steps through
 * (the viewer's 'a' on an object, `heapglass lesson --heap --object`).
 *
 * A breadth-first walk from the centre that follows references both ways
 * (what an object refers to, then what refers to it, each in the heap's
 * order) out to `depth` references.  Two rules keep the walk to what
 * belongs to the object, as objgraph's does:
 *   - fan_out: an object other than the centre walks at most that many
 *     references each way (objgraph's too_many); the others are counted;
 *   - hubs (near_is_hub: classes, modules and a module's namespace,
 *     immortal objects, synthetic roots), referred to by everything, are
 *     met but not walked through, unless one is the centre.
 * The walk stops when it has met `limit` objects (over).
 */
#ifndef HEAPGLASS_NEAR_H
#define HEAPGLASS_NEAR_H

#include <stdint.h>

#include "graph/core/hmap.h"
#include "graph/heap.h"

enum {
	NEAR_FAN_OUT = 10,	/* objgraph's too_many */
	NEAR_SKIP_OUT = 1,	/* near.skipped: some references out were not walked */
	NEAR_SKIP_IN = 2	/* ... some references in */
};

struct near_rules {
	uint32_t depth;		/* references away from the centre, either way */
	uint32_t limit;		/* objects met at most (>= 1) */
	uint32_t fan_out;	/* references walked each way per object but the
				 * centre; 0: all of them */
	int through_hubs;	/* 1: walk through hubs too (a plain search) */
};

/* The rules of a picture of the neighbourhood (export, the animation). */
struct near_rules near_rules_picture(uint32_t depth, uint32_t limit);

struct near {
	heap_node_t *node;	/* the objects met, nearest first; node[0] is the centre */
	uint32_t n;
	uint8_t *skipped;	/* per object: NEAR_SKIP_OUT | NEAR_SKIP_IN */
	uint64_t skipped_refs;	/* references fan_out left unwalked */
	int over;		/* the walk stopped at limit: there are more */
	struct hmap met;	/* node -> its place in node[] */
};

/* Walks from centre (a node of h) by the rules into nb (near_fini() it).
 * Returns 0, or -1 when centre is not a node of h (nb is then empty). */
int near_walk(const struct heap *h, heap_node_t centre, const struct near_rules *r, struct near *nb);
void near_fini(struct near *nb);

/* 1 when the walk met v. */
int near_met(const struct near *nb, heap_node_t v);

/* Whether v is a hub, which a walk meets but does not go through. */
int near_is_hub(const struct heap *h, heap_node_t v);

#endif
