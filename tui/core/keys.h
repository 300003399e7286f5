/* keys: the one action table.  Keys, the help screen and the footer are all
 * generated from it, so help is never stale.
 *
 * A key (a curses key code or a character) maps to an action; the app runs
 * global actions itself and hands the rest to the current view, which lists
 * in its ops which actions it offers (for the footer and help).
 *
 * Key scripts (--keys FILE) are text: every character is a key except
 * newlines (ignored) and <Name> tokens for special keys: <Enter> <Esc>
 * <Tab> <BS> <Up> <Down> <Left> <Right> <PgUp> <PgDn> <Home> <End> <F1>
 * <lt> (a '<'), <C-x> (control-x), <Tick> (one timer tick of the GC
 * animation's playback: scripts have no clock), <Resize COLSxROWS>, which resizes
 * the virtual screen, and mouse events <Click X,Y> <DClick X,Y> (0-based
 * column and line) <WheelUp> <WheelDown>.
 */
#ifndef HEAPGLASS_KEYS_H
#define HEAPGLASS_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "graph/core/error.h"

/* The key code of <Tick>: above every curses key code. */
enum {
	KEYS_TICK = 0x10001
};

enum action {
	ACT_NONE = 0,
	/* movement (every list) */
	ACT_UP, ACT_DOWN, ACT_PGUP, ACT_PGDN, ACT_HOME, ACT_END,
	/* following and history */
	ACT_ENTER, ACT_RIGHT, ACT_LEFT, ACT_BACK, ACT_FORWARD, ACT_INSPECT,
	/* views */
	ACT_VIEW_OVERVIEW, ACT_VIEW_TYPES, ACT_VIEW_CYCLES, ACT_VIEW_DOMTREE,
	ACT_VIEW_GENS, ACT_VIEW_OBJECT, ACT_GARBAGE, ACT_HELP,
	/* view-specific */
	ACT_SORT, ACT_REVERSE, ACT_EXPAND_ALL, ACT_COLLAPSE_ALL, ACT_CROSS, ACT_RAW,
	/* search, export, misc */
	ACT_SEARCH, ACT_NEXT, ACT_PREV, ACT_EXPORT, ACT_ANIMATE, ACT_REDRAW, ACT_QUIT,
	ACT_COUNT
};

struct action_def {
	const char *keys;	/* for help: "j Down" */
	const char *footer;	/* short footer label, NULL: not in the footer */
	const char *footer_key;	/* the key shown in the footer */
	const char *help;	/* one line for the help screen */
	int global;		/* the app handles it in every view */
};

extern const struct action_def keys_action_defs[ACT_COUNT];

/* The action for a key code (curses KEY_* or a character), ACT_NONE if the
 * key means nothing. */
enum action keys_action(int key);

/* One key of a script: a curses key code or character; a <Resize> is
 * KEY_RESIZE with cols and rows set; a mouse event is KEY_MOUSE with the
 * position in cols, rows and the curses button mask in mouse. */
struct key_event {
	int code;
	int cols, rows;
	unsigned long mouse;
	char label[24];		/* printable name, for timing output */
};

struct key_script {
	struct key_event *ev;
	size_t n;
};

/* Parses a key script file.  Returns 0 or -1 with err naming the line. */
int keys_script_load(const char *path, struct key_script *ks, struct error *err);
void keys_script_fini(struct key_script *ks);

#endif
