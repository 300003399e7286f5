/* row: how one object looks in any list, and how search matches it.
 *
 * An object row is: retained size, shallow size, type, name, id and tags
 * (root, garbage, cycle, weakref, finalizer).  Every view that lists
 * objects uses these, so an object looks the same everywhere.
 */
#ifndef HEAPGLASS_ROW_H
#define HEAPGLASS_ROW_H

#include <stddef.h>
#include <stdint.h>

#include <curses.h>

#include "graph/heap.h"

struct app;

/* Widths of the two size columns. */
enum {
	ROW_SIZE_W = 10
};

/* Draws object v in columns x .. x+cols-1 of line y: sizes, then
 * type name "name" #id and tags. */
void row_object(struct app *a, WINDOW *w, int y, int x, int cols, heap_node_t v, int selected);

/* Draws only "type name #id tags" (no sizes) in cols columns; returns the
 * columns used. */
int row_object_label(struct app *a, WINDOW *w, int y, int x, int cols, heap_node_t v, int selected);

/* Column headings matching row_object(). */
void row_object_header(WINDOW *w, int y, int x, int cols);

/* The attribute for a role, or the cursor's when selected. */
attr_t row_attr(int role, int selected);

/* 1 when q (lower-case) is in v's type or name (case-insensitive), or is a
 * prefix of v's id written in decimal or hex (with or without 0x or #).
 * Uses the app's search cache (app.h type_match) when it is for q. */
int row_object_match(const struct app *a, heap_node_t v, const char *q);

/* 1 when q is in the name of reference `edge` (HEAP_NONE: none), or
 * row_object_match(a, v, q): a row that shows a reference and the object
 * it leads to. */
int row_ref_match(const struct app *a, uint32_t edge, heap_node_t v, const char *q);

/* Case-insensitive (ASCII) substring test: is q (lower-case) in s[0..len)? */
int row_contains(const char *s, size_t len, const char *q);

/* "#1234" or "#0x7f3a..." into buf. */
const char *row_id(char *buf, size_t size, uint64_t id);

/* An edge's name for display: ".name", "[3]", or "" into buf. */
const char *row_edge_name(const struct heap *h, uint32_t e, char *buf, size_t size);

/* A short edge kind for a column: "weak", "int" (internal), "sc"
 * (shortcut), or "" for a strong reference. */
const char *row_edge_kind(uint8_t kind);

#endif
