/* loop: the one input loop of the front end.
 *
 * The loop reads keys from the terminal or from a key script (--keys),
 * hands each to the mode on top of its stack, redraws and, for a script,
 * writes how long the key took (--timing).  A mode is a screen with its own
 * keys: the viewer (tui/view/app.c) is the bottom one; the GC animation
 * (tui/anim/anim.h) is pushed over it with 'a' and popped when it is done,
 * or runs alone under `heapglass lesson`.  Whatever mode is on top, a
 * script's mouse events, resizes and <Tick>s reach it the same way, and a
 * terminal too small for any mode shows the same notice.
 *
 * Time: a mode that plays (the animation) says how long it wants to wait
 * for a key; when the wait runs out the loop hands it KEYS_TICK, just as a
 * script's <Tick> does.  Scripts have no clock: only <Tick> ticks.
 */
#ifndef HEAPGLASS_LOOP_H
#define HEAPGLASS_LOOP_H

#include <stddef.h>
#include <stdio.h>
#include <wchar.h>

#include <curses.h>

#include "tui/core/keys.h"

enum {
	LOOP_DEPTH = 4		/* modes on the stack at most */
};

/* One input event: a character (is_key 0) or a curses key code (is_key 1):
 * KEY_RESIZE after the screen changed size, KEYS_TICK for a tick,
 * KEY_MOUSE with the event in mouse (NULL when curses had none to give). */
struct loop_event {
	int is_key;
	wint_t ch;
	const MEVENT *mouse;
};

struct loop_mode {
	/* Draws the whole screen on stdscr and wnoutrefresh()es it; the loop
	 * calls doupdate().  Only called when the screen is big enough. */
	void (*draw)(void *st);
	/* Handles one event. */
	void (*key)(void *st, const struct loop_event *ev);
	/* Milliseconds until the mode wants a tick, 0 when one is due, -1
	 * for none.  NULL: never. */
	int (*wait_ms)(void *st);
	/* 1 when the mode is finished: the loop pops it. */
	int (*done)(void *st);
	/* Frees st when the loop pops the mode (NULL: st is not the loop's). */
	void (*close)(void *st);
};

struct loop {
	struct {
		const struct loop_mode *ops;
		void *st;
	} stack[LOOP_DEPTH];
	int depth;
	const struct key_script *ks;	/* NULL: the terminal */
	size_t next;			/* the script's next key */
	FILE *timing;			/* NULL: no timing */
	FILE *dumps;			/* a script's <Dump> writes the screen here
					 * (then a line with a form feed); NULL: ignored */
};

/* A loop reading ks (NULL: the terminal), writing per scripted key its
 * label, wall-clock and CPU milliseconds (from reading the key to the end
 * of its redraw) to timing (NULL: nowhere). */
void loop_init(struct loop *lp, const struct key_script *ks, FILE *timing);

/* Pops (and closes) every mode left on the stack. */
void loop_fini(struct loop *lp);

/* Puts a mode on top; it gets the keys from the next one on.  Returns 0,
 * or -1 when the stack is full (st is then not the loop's). */
int loop_push(struct loop *lp, const struct loop_mode *ops, void *st);

/* Draws the top mode, then runs until the bottom mode is done or the key
 * script ends (the screen then stays as the last key left it).  Returns 1
 * when the script ended, 0 otherwise. */
int loop_run(struct loop *lp);

#endif
