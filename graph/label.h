/* label: how a person names an object.  An object with a name of its own
 * (a function's, a class's, a module's, a string's head) is its type and
 * that name.  Most objects have none (V8 names an object after its
 * constructor, which is its type again; a Python dict or list, a Java
 * HashMap has none), and a row of "Array", "Array", "Map" says nothing: such
 * an object is named by what holds it, the reference a program wrote to
 * reach it: "Array undoLog", "Map quoteCache", "(array) table of Map
 * quoteCache", "java.util.HashMap quoteCache of Service", and a V8 scope by
 * its function, "Context of onTick()".  Every view, the commands and the
 * exports name objects this way, so an object reads the same everywhere.
 *
 * The holder is the best of the first LABEL_SCAN references to the object
 * (a reference that retains, is not the runtime's bookkeeping, has a
 * name that is not a position, and lies on a shortest path from a root),
 * so naming a row costs the same whatever the object's in-degree; when
 * that reference's object has no name either, its own holder is looked up
 * once more.  Names are the snapshot's bytes, not escaped. */
#ifndef HEAPGLASS_LABEL_H
#define HEAPGLASS_LABEL_H

#include <stddef.h>
#include <stdint.h>

#include "graph/heap.h"

enum {
	LABEL_SCAN = 16
};

/* Non-zero when v has a name of its own (not empty, not its type). */
int label_has_name(const struct heap *h, heap_node_t v);

/* What holds v, for a label: "undoLog", "table of Map quoteCache", "of
 * onTick()", "quoteCache of Service", or "" when nothing names it.  dist:
 * distances from the roots (analysis.h), or NULL.  Writes at most size bytes
 * (always terminated when size > 0) and returns the length written. */
size_t label_holder(const struct heap *h, const uint32_t *dist, heap_node_t v, char *buf, size_t size);

/* Where v's code is, for a label: "orders.js:38" (the script's file name
 * and the 1-based line) for a V8 closure with a location (heap.h), the
 * script found through its references -shared-> -script-> (its name is
 * the script's URL or path); "" (0) when v has no location or no script
 * (V8 gives other objects locations too, their constructor's).  Writes at most size bytes (always terminated
 * when size > 0) and returns the length written. */
size_t label_location(const struct heap *h, heap_node_t v, char *buf, size_t size);

/* The length of a name without a namespace's ".__dict__": a Python module's
 * or class's namespace (a dict named "NAME.__dict__") stands for its owner,
 * as `NAME.attr` reads in the program; other names keep their length. */
size_t label_owner_len(const char *name, size_t len);

/* v's name for a label: its own name, else label_holder()'s. */
size_t label_name(const struct heap *h, const uint32_t *dist, heap_node_t v, char *buf, size_t size);

#endif
