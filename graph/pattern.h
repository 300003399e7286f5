/* pattern: the user cycles of an analysis grouped by shape.  Internal to
 * graph/ (analysis.c runs it; analysis.h has the results).
 *
 * A cycle's shape is the set of distinct (source type, reference name,
 * target type) triples over its user references, element indexes and
 * names that are only a number ("[3]", "17") folded to "[]".  Cycles with
 * the same set form one pattern, whatever their sizes: every ring of Node
 * objects linked by `next`, every Session with its Requests.  O(references
 * inside cycles) expected time, with a hash set per cycle; memory a few
 * words per distinct triple. */
#ifndef HEAPGLASS_PATTERN_H
#define HEAPGLASS_PATTERN_H

#include "graph/analysis.h"
#include "graph/cycles.h"

/* Fills a->patterns, a->n_patterns, a->pattern_text and each cycle's
 * pattern, from a's numbered and placed user cycles.  tree: the dominator
 * tree's intervals (cycles_tree_init) when a has cycles. */
void pattern_compute(struct analysis *a, const struct cycles_tree *tree);

#endif
