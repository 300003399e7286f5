/* export: Graphviz diagrams of a part of a heap (a cycle, an object's
 * neighbourhood, a retainer path), written as DOT, SVG, PNG or PDF, and
 * laid out for the terminal (the GC animation view).
 *
 * The API is opaque: nothing here exposes cgraph or gvc types, so the TUI
 * (which includes curses, whose macros clash with gvc.h) can call it.
 *
 * What is drawn (the "selection"):
 *   EXPORT_CYCLE   the given members and every reference among them (any
 *                  set of objects works: the GC animation lays out its own);
 *   EXPORT_OBJECT  the object and everything within `depth` references of
 *                  it, following references both ways (what it refers to
 *                  and what refers to it), plus every reference among those;
 *   EXPORT_PATH    the given chain, a root first and the object last, with
 *                  the reference that links each step to the next.
 * At most max_nodes objects are drawn; the rest are summed up in one node
 * "… N more" linked (dashed) from every drawn object that refers to or is
 * referred to by a hidden one, as objgraph's too_many does.
 *
 * Output is deterministic: objects are emitted in ascending id order and
 * references in the order of the heap's edge arrays, so the same heap and
 * spec give byte-identical files.  Every string from a snapshot (types,
 * names, edge names, root kinds) is made printable with text_escape() and
 * then escaped for an HTML-like label, so it can neither end a DOT string
 * nor break the SVG nor put control bytes into the file.
 *
 * Files are written to a temporary file in the directory of the output and
 * renamed into place: a failed export never leaves a half-written file.
 *
 * The .dot output carries extra attributes (hg_id, hg_type, hg_name,
 * hg_size, hg_retained, hg_root, hg_root_kind, hg_gen, hg_refcount,
 * hg_flags on objects; hg_name, hg_index, hg_kind on references; hg_more on
 * the summary node) so that the DOT loader reads an export back as a heap.
 * String values of hg_* attributes are percent-encoded (see
 * docs/dot-format.md), which makes them exact.
 */
#ifndef HEAPGLASS_EXPORT_H
#define HEAPGLASS_EXPORT_H

#include <stdint.h>

#include "graph/core/error.h"
#include "graph/dom.h"
#include "graph/heap.h"

enum {
	EXPORT_DEFAULT_MAX_NODES = 100,
	EXPORT_MAX_MAX_NODES = 1000,	/* dot takes minutes beyond this */
	EXPORT_MAX_DEPTH = 64
};

#define EXPORT_UNREACHABLE UINT32_C(0xffffffff)

enum export_what {
	EXPORT_CYCLE,
	EXPORT_OBJECT,
	EXPORT_PATH
};

enum export_format {
	EXPORT_DOT,
	EXPORT_SVG,
	EXPORT_PNG,
	EXPORT_PDF
};

/* What to draw.  Start from `struct export_spec s = { .what = ... }`: zero
 * means "default" or "unknown" for every optional field. */
struct export_spec {
	enum export_what what;

	/* EXPORT_CYCLE: the members, in any order (duplicates ignored).
	 * EXPORT_PATH: the chain, root first, object last; n_nodes >= 1. */
	const heap_node_t *nodes;
	uint32_t n_nodes;
	/* EXPORT_PATH, optional: path_edges[i] is the index into the heap's
	 * out_* arrays of the reference nodes[i] -> nodes[i+1] (n_nodes - 1
	 * entries).  NULL: the first retaining reference between the two is
	 * drawn (a weak one when there is no other). */
	const uint32_t *path_edges;

	/* EXPORT_OBJECT: the centre and how many references away to go
	 * (0: only the object; at most EXPORT_MAX_DEPTH). */
	heap_node_t object;
	uint32_t depth;

	/* Objects drawn at most (0: EXPORT_DEFAULT_MAX_NODES; capped at
	 * EXPORT_MAX_MAX_NODES). */
	uint32_t max_nodes;

	/* Optional analysis results, indexed by node; NULL when not known
	 * (struct analysis has both columns).
	 * retained: retained sizes in bytes (shown in the label).
	 * dist: distance from a root; EXPORT_UNREACHABLE (= REACH_UNREACHABLE)
	 * marks garbage, which is drawn dashed in red. */
	const struct dom_sizes *retained;
	const uint32_t *dist;

	/* Optional caption drawn under the diagram (escaped here). */
	const char *title;
};

/* The format implied by path's extension (.dot .gv .svg .png .pdf, any
 * case).  Returns 0, or -1 with "OUT: unknown extension ..." in err. */
int export_format_from_path(const char *path, enum export_format *fmt, struct error *err);

/* Draws spec from h into path in format fmt.  Returns 0, or -1 with one
 * line in err (an unknown node, an unwritable directory, a Graphviz
 * failure).  Uses Graphviz's global error hook while it runs (restored
 * before returning), so it is not thread-safe. */
int export_write(const struct heap *h, const struct export_spec *spec, const char *path,
		 enum export_format fmt, struct error *err);

/* ---- layout for drawing elsewhere (the terminal) ---- */

struct export_point {
	double x, y;		/* points (1/72 inch), origin bottom-left, y up */
};

struct export_lnode {
	heap_node_t node;	/* HEAP_NONE for the "… N more" node */
	double x, y;		/* centre */
	double width, height;	/* points */
};

struct export_ledge {
	uint32_t from, to;	/* indexes into export_layout.nodes */
	uint32_t edge;		/* index into the heap's out_* arrays, or UINT32_MAX
				 * for a link to the "… N more" node */
	uint32_t first_point;	/* into export_layout.points */
	uint32_t n_points;	/* cubic B-spline control points, 1 + 3k of them;
				 * 0 when Graphviz routed no spline */
};

struct export_layout {
	uint32_t n_nodes, n_edges, n_points;
	struct export_lnode *nodes;	/* in ascending id order, "more" last */
	struct export_ledge *edges;
	struct export_point *points;
	double width, height;		/* bounding box, points */
	uint64_t more;			/* objects left out (0: no "more" node) */
};

/* Lays out spec with Graphviz "dot" and returns the positions in *out
 * (free with export_layout_free).  Returns 0 or -1 with err filled in. */
int export_layout_new(const struct heap *h, const struct export_spec *spec,
		      struct export_layout **out, struct error *err);
void export_layout_free(struct export_layout *l);

/* Percent-encodes len bytes of s for a hg_* attribute value into a new
 * NUL-terminated string (mem_alloc; the caller frees): '%', '"', '\\',
 * bytes below 0x20, DEL, bytes of invalid UTF-8 and invisible or
 * direction-changing characters become %XX; everything else is kept. */
char *export_pct_encode(const char *s, size_t len);

/* Decodes %XX sequences of s (len bytes) in place; returns the new length,
 * or (size_t)-1 when a '%' is not followed by two hex digits. */
size_t export_pct_decode(char *s, size_t len);

#endif
