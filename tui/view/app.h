/* app: the viewer: one input loop, the shared current object and the
 * back/forward history, the top bar, the footer generated from the action
 * table, the search prompt and messages.
 *
 * `heapglass FILE` runs tui_main() (tui/view/tui.h); it loads the file with a
 * progress bar, runs the analyses, then hands the heap to app_run().
 */
#ifndef HEAPGLASS_APP_H
#define HEAPGLASS_APP_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "graph/heap.h"
#include "tui/core/keys.h"
#include "tui/view/model.h"
#include "tui/view/view.h"

enum {
	APP_HISTORY = 256,
	APP_QUERY = 128
};

struct diff;
struct loop;

struct hist_entry {
	enum view_id view;
	uint64_t arg;
	heap_node_t object;	/* current object when the entry was left */
	uint32_t row, top;	/* the view's cursor and scroll when it was left */
};

struct app {
	const struct heap *h;
	struct model *m;
	const char *path;

	heap_node_t cur;		/* the shared current object */
	struct hist_entry hist[APP_HISTORY];
	int hist_n, hist_pos;
	void *state[VIEW_COUNT];
	enum view_id view;

	char msg[256];
	int msg_error;

	/* prompts: search ('/') and export file name ('e') */
	int prompt;			/* 0, '/' or 'e' */
	char query[APP_QUERY];		/* the search text (kept for n/N) */
	char input[APP_QUERY * 2];
	uint32_t search_origin;

	/* search cache, the app's (allocated and filled by its search, freed
	 * by app_fini): which types match type_match_q (n_types bytes), so a
	 * scan over millions of objects compares one byte per row for the
	 * type; row_object_match() reads it */
	uint8_t *type_match;
	char type_match_q[APP_QUERY];
	const struct diff *diff;	/* heapglass OLD NEW: the comparison (view_diff.c), or NULL */
	const char *diff_path;		/* OLD */

	/* the input loop app_run() runs; 'a' pushes the GC animation on it */
	struct loop *loop;

	int quit;
	int dirty;			/* redraw everything (after resize) */
};

/* Opens view v with argument arg as a new history entry. */
void app_open(struct app *a, enum view_id v, uint64_t arg);

/* Shows a one-line message in the footer until the next key. */
void app_message(struct app *a, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Runs the loop on a loaded heap.  keys: a key script (NULL: the
 * terminal); timing: where to write one line per scripted key with the
 * time it took to handle and redraw (NULL: nowhere).  Returns 0. */
struct key_script;
int app_run(struct app *a, const struct key_script *keys, FILE *timing);

void app_init(struct app *a, const struct heap *h, struct model *m, const char *path);
void app_fini(struct app *a);

/* The ops of view v. */
const struct view_ops *app_view_ops(enum view_id v);

#endif
