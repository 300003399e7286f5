/* fmt_dot: a Graphviz DOT graph as a heap (docs/dot-format.md), read with
 * cgraph's agread.
 *
 * Every DOT node is an object and every edge a reference (a -- b in an
 * undirected graph reads as a -> b).  Optional node attributes: type, name
 * (else a plain-text label, else the DOT node name), size, root, root_kind, gen (or generation), refcount, flags; optional
 * edge attributes: label (or name), index, weak, kind.  heapglass's own
 * exports carry the same facts as hg_* attributes, which win over the
 * plain ones, and load back exactly; their "… N more" node (hg_more) is
 * skipped.  Object ids: hg_id when every node has one, else the node names
 * when every name is a decimal number, else 1, 2, 3 ... in the order nodes
 * first appear in the file.
 *
 * Graphviz's own error printing is switched off while reading: a syntax
 * error becomes one line "PATH:LINE: ...".  Bad attribute values name the
 * node or edge.  Only the first graph of a file is read.
 */
#ifndef HEAPGLASS_FMT_DOT_H
#define HEAPGLASS_FMT_DOT_H

#include "loaders/loader.h"

extern const struct loader fmt_dot;

#endif
