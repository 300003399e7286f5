/* keys: keymaps and key scripts.
 *
 * Each mode of the input loop (tui/core/loop.h: the viewer, the GC
 * animation) has one keymap: a table of actions, each with its keys, its
 * footer label and its help line.  Key handling, the footer and the help
 * screen are all generated from it, so help is never stale.  In the
 * viewer the app runs global actions itself and hands the rest to the
 * current view, which lists in its ops which actions it offers (for the
 * footer and help).
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

/* Keys a table names instead of writing bare numbers. */
enum {
	KEYS_CTRL_B = 'B' - '@',	/* page up */
	KEYS_CTRL_F = 'F' - '@',	/* page down */
	KEYS_CTRL_H = 'H' - '@',	/* what some terminals send for Backspace */
	KEYS_CTRL_L = 'L' - '@',	/* redraw */
	KEYS_CTRL_U = 'U' - '@',	/* clear the prompt */
	KEYS_ESC = 27,
	KEYS_DEL = 127,			/* what most terminals send for Backspace */
	KEYS_TICK = 0x10001,		/* <Tick>: above every curses key code */
	KEYS_DUMP = 0x10002		/* <Dump>: a script writes the screen so far (loop.h) */
};

/* Every action of every mode (the viewer, the GC animation).  A mode's
 * keymap says which keys reach which of them; an action two modes share
 * means the same there in the mode's own terms (ACT_END: the last row of a
 * list, the last event of an animation). */
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
	ACT_FILTER, ACT_SECTION, ACT_SECTION_BACK,
	/* search, export, misc */
	ACT_SEARCH, ACT_NEXT, ACT_PREV, ACT_EXPORT, ACT_ANIMATE, ACT_REDRAW, ACT_QUIT,
	/* the GC animation */
	ACT_PLAY, ACT_STEP, ACT_STEP_BACK, ACT_NEXT_STEP, ACT_PREV_STEP, ACT_FASTER, ACT_SLOWER,
	ACT_ALGO,
	ACT_COUNT
};

enum {
	KEYMAP_CODES = 4	/* keys one action may have in a keymap */
};

/* One action of a mode: the keys that reach it and how help and the
 * footer name it. */
struct keymap_entry {
	enum action act;
	int codes[KEYMAP_CODES];	/* curses KEY_* codes or characters; 0 ends */
	const char *keys;		/* for help: "j Down" */
	const char *footer_key;		/* the key shown in the footer, NULL: not there */
	const char *footer_key_ascii;	/* ... on an ASCII-only screen, when footer_key
					 * is not ASCII (an arrow); NULL: footer_key */
	const char *footer;		/* its short label */
	const char *help;		/* one line for the help screen */
	int global;			/* offered in every view of the mode */
};

/* A mode's keys: the one table its key handling, footer and help come
 * from, in the order help and the footer list them. */
struct keymap {
	const struct keymap_entry *entries;
	size_t n;
};

/* The viewer's keymap (tui/view/app.c runs it). */
extern const struct keymap keys_viewer;

/* The action key means in km (is_key: a curses key code, else a
 * character), ACT_NONE if none. */
enum action keymap_action(const struct keymap *km, int is_key, int key);

/* act's entry in km, NULL if km does not offer it. */
const struct keymap_entry *keymap_entry(const struct keymap *km, enum action act);

/* Draws the footer of a mode on line y of stdscr, cols wide: first the
 * actions in `first` (ACT_NONE-terminated, NULL: none) that have a footer
 * label, then km's global ones, as many as fit. */
void keymap_draw_footer(const struct keymap *km, const enum action *first, int y, int cols);

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
