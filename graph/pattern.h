/* pattern: the user cycles of an analysis grouped by shape.  Internal to
 * graph/ (analysis.c runs it; analysis.h has the results).
 *
 * A cycle's shape is the set of distinct (source type, reference name,
 * target type) triples over its user references, element indexes and
 * names that are only a number ("[3]", "17") folded to "[]".  Cycles with
 * the same set form one pattern, whatever their sizes: every ring of Node
 * objects linked by `next`, every Session with its Requests.
 *
 * Two phases, so the first can run on the analysis' second thread:
 * pattern_shapes() needs only the cycles found (cycles.h) and the
 * distances; pattern_finish() makes the patterns once the cycles are
 * numbered and their retained sizes known.  O(references inside cycles)
 * expected time: the members taken type by type (so each cycle's triples
 * come out grouped by source type, and the set that finds the distinct
 * ones holds one source type's at a time); memory a word per member and a
 * few per distinct triple of each cycle. */
#ifndef HEAPGLASS_PATTERN_H
#define HEAPGLASS_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#include "graph/analysis.h"
#include "graph/cycles.h"
#include "graph/heap.h"

/* The shapes of a cycles_found's cycles: cf->pend[i].shape is cycle i's
 * group, 0..n-1; per group its signature (an offset into text, NUL
 * terminated), distinct triples and content key (analysis_pattern). */
struct pattern_shapes {
	uint32_t n;
	uint32_t *signature, *n_links;
	heap_str_t *lead;
	uint64_t *key;
	char *text;
	size_t text_len;
};

/* A shape's element, (source type, target type, name), with the cycle it
 * belongs to: phase 1 works on these. */
struct pattern_triple {
	heap_str_t from, to;
	uint32_t name;		/* a string offset, or HEAP_NAME_INDEX: a position */
};
struct pattern_ctriple {
	uint32_t cycle;
	struct pattern_triple t;
};

/* Sorts a[0..n) by cycle, then from, to, name (as unsigned numbers), with
 * tmp as room for n more: a radix sort over the bytes that differ, an
 * insertion sort for a few.  Not stable (there is nothing to keep: equal
 * entries are equal).  Exported for the tests. */
void pattern_sort(struct pattern_ctriple *a, struct pattern_ctriple *tmp, uint32_t n);

/* Phase 1: fills ps and each cf->pend[i].shape.  comp: the user components
 * cf was found among; dist: the distances (reach.h), for where each cycle
 * is entered (its one entered member, else its member nearest a root), by
 * which the signature's walk starts. */
void pattern_shapes(const struct heap *h, struct cycles_found *cf, const uint32_t *comp,
		    const uint32_t *dist, struct pattern_shapes *ps);

/* Phase 1 in three steps, so that a second thread can share its middle
 * one, the references of the cycles' members, type by type:
 *   begin: the members by type (and the heads), on one thread; returns
 *          the work, which reads h, cf, comp until end;
 *   help:  takes types nobody took yet, until none is left: any number of
 *          threads at once, once begin has returned, each with its own
 *          helper number below PATTERN_HELPERS;
 *   end:   once every help returned: fills ps and each cf->pend[i].shape,
 *          and frees the work.
 * pattern_shapes() is the three on one thread.  pattern_work_free(): the
 * work without an end (after a failure); NULL is a no-op. */
enum {
	PATTERN_HELPERS = 2
};
struct pattern_work;
struct pattern_work *pattern_shapes_begin(const struct heap *h, const struct cycles_found *cf,
					  const uint32_t *comp, const uint32_t *dist);
void pattern_shapes_help(struct pattern_work *w, unsigned helper);
void pattern_shapes_end(struct pattern_work *w, struct cycles_found *cf, struct pattern_shapes *ps);
void pattern_work_free(struct pattern_work *w);
void pattern_shapes_fini(struct pattern_shapes *ps);

/* Phase 2: a->patterns, a->n_patterns, a->pattern_text (taken from ps) and
 * each cycle's pattern, once cycles_number() made a->cycles from cf (so
 * a->cycles[c] is cf->pend[c]) and a's dominator tree is finished (before
 * the single V8 root stands for the virtual root). */
void pattern_finish(struct analysis *a, const struct cycles_found *cf, struct pattern_shapes *ps);

#endif
