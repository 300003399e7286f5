/* view: one screen of the viewer behind a table of operations (tig-style).
 * Each view lives in tui/view/view_NAME.c and exports `const struct view_ops
 * view_NAME`.  Every view is a virtualised list (tui/core/list.h), possibly
 * under a few header lines; the app owns one state per view kind, created
 * on first use and kept for the session, so sort choices and expanded
 * trees survive switching views.
 */
#ifndef HEAPGLASS_VIEW_H
#define HEAPGLASS_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include <curses.h>

#include "graph/heap.h"
#include "tui/core/keys.h"
#include "tui/core/list.h"

struct app;

enum view_id {
	VIEW_OVERVIEW,
	VIEW_TYPES,
	VIEW_OBJECTS,
	VIEW_CYCLES,
	VIEW_CYCLE,
	VIEW_DOMTREE,
	VIEW_GENS,
	VIEW_OBJECT,
	VIEW_HELP,
	VIEW_DIFF,
	VIEW_LEAK,
	VIEW_COUNT
};

struct view_ops {
	const char *name;		/* "types" */
	const char *tab;		/* tab label in the top bar, NULL: not a tab */
	enum action tab_action;		/* the key that opens it as a tab */
	/* View-specific actions it offers, ACT_NONE-terminated (footer, help). */
	const enum action *actions;
	void *(*create)(struct app *a);
	void (*destroy)(void *st);
	/* (Re)enters the view for argument arg (what it shows: a type, a
	 * cycle, an object); puts the cursor on the app's current object when
	 * the view shows it. */
	void (*enter)(void *st, struct app *a, uint64_t arg);
	/* Draws the body in lines y0 .. y0+rows-1, cols wide. */
	void (*draw)(void *st, struct app *a, WINDOW *w, int y0, int rows, int cols);
	/* A view-specific or overridden action: 1 when handled. */
	int (*action)(void *st, struct app *a, enum action act);
	/* The list the app moves and searches. */
	struct list *(*list)(void *st);
	/* 1 when row i matches the search text q (lower-case). */
	int (*match)(void *st, struct app *a, uint32_t i, const char *q);
	/* The object on row i, HEAP_NONE if it is not an object row. */
	heap_node_t (*object)(void *st, struct app *a, uint32_t i);
	/* Title of the view as shown now ("Objects of type Node"). */
	void (*title)(void *st, struct app *a, char *buf, size_t size);
};

extern const struct view_ops view_overview, view_types, view_objects, view_cycles, view_cycle,
	view_domtree, view_gens, view_object, view_help;
extern const struct view_ops view_diff, view_leak;

/* "Quote +1,500, (string) +3,000": what leak cluster i of d holds more of,
 * most first (view_diff.c; the leak view says it too). */
struct diff;
void view_diff_leak_types(const struct diff *d, uint32_t i, char *buf, size_t size);

/* Arguments of VIEW_CYCLES: which list (view_cycles.c). */
enum cycles_list {
	CYCLES_PATTERNS = 0,	/* the program's cycle patterns (the tab's) */
	CYCLES_ALL = 1,		/* every cycle of the program */
	CYCLES_RAW = 2,		/* the raw graph's cycles */
	CYCLES_PATTERN = 16	/* + p: the cycles of pattern p */
};

/* Argument of VIEW_CYCLE: the cycle's index, with this bit for one of the
 * raw graph's cycles. */
#define CYCLE_RAW ((uint64_t)1 << 32)

/* Arguments of VIEW_OBJECTS: kind in the high 32 bits, value in the low. */
enum objects_kind {
	OBJECTS_TYPE = 1,	/* instances of type index */
	OBJECTS_GEN = 2,	/* members of generation */
	OBJECTS_CROSS = 3,	/* members of generation referenced from older */
	OBJECTS_CYCLE = 4,	/* members of cycle */
	OBJECTS_GARBAGE = 5,	/* unreachable objects */
	OBJECTS_NEW = 6		/* instances of type index that are new in the
				 * comparison (ids not in OLD) */
};

#endif
