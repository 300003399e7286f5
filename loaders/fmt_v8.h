/* fmt_v8: V8 .heapsnapshot files (Node.js v8.writeHeapSnapshot(), Chrome,
 * Edge, Electron, Deno), read the way Chrome DevTools reads them.
 *
 * One streaming pass over the file with read() in big chunks; the JSON is
 * never held whole.  snapshot.meta is cut out and parsed with jansson; the
 * field layout (node_fields, node_types, edge_fields, edge_types) is taken
 * from it by name.  The bulk integer arrays are parsed by a hand-written
 * loop straight into the heap builder; strings go through a validating
 * scanner, and jansson decodes the ones with escapes.  Everything decided
 * about DevTools' semantics (root, edge kinds, WeakMap ephemerons, class
 * names, shallow-size ownership, page-owned objects) is written down in
 * docs/v8-format.md.
 *
 * Errors name the byte offset: "PATH: byte N: what".
 */
#ifndef HEAPGLASS_FMT_V8_H
#define HEAPGLASS_FMT_V8_H

#include "loaders/loader.h"

extern const struct loader fmt_v8;

#endif
