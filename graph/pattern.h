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
 * expected time with one hash set (a few recent triples in front of it);
 * memory a few words per distinct triple of each cycle. */
#ifndef HEAPGLASS_PATTERN_H
#define HEAPGLASS_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#include "graph/analysis.h"
#include "graph/cycles.h"

/* The shapes of a cycles_found's cycles: cf->pend[i].shape is cycle i's
 * group, 0..n-1; per group its signature (an offset into text, NUL
 * terminated), distinct triples and content key (analysis_pattern). */
struct pattern_shapes {
	uint32_t n;
	uint32_t *signature, *n_links;
	uint64_t *key;
	char *text;
	size_t text_len;
};

/* Phase 1: fills ps and each cf->pend[i].shape.  comp: the user components
 * cf was found among; dist: the distances (reach.h), for where each cycle
 * is entered (its one entered member, else its member nearest a root), by
 * which the signature's walk starts. */
void pattern_shapes(const struct heap *h, struct cycles_found *cf, const uint32_t *comp,
		    const uint32_t *dist, struct pattern_shapes *ps);
void pattern_shapes_fini(struct pattern_shapes *ps);

/* Phase 2: a->patterns, a->n_patterns, a->pattern_text (taken from ps) and
 * each cycle's pattern, once cycles_number() made a->cycles from cf (so
 * a->cycles[c] is cf->pend[c]) and a's dominator tree is finished (before
 * the single V8 root stands for the virtual root). */
void pattern_finish(struct analysis *a, const struct cycles_found *cf, struct pattern_shapes *ps);

#endif
