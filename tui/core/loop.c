#include "tui/core/loop.h"

#include <string.h>
#include <time.h>

#include "tui/core/screen.h"

void loop_init(struct loop *lp, const struct key_script *ks, FILE *timing)
{
	memset(lp, 0, sizeof *lp);
	lp->ks = ks;
	lp->timing = timing;
}

static void pop(struct loop *lp)
{
	lp->depth--;
	if (lp->stack[lp->depth].ops->close)
		lp->stack[lp->depth].ops->close(lp->stack[lp->depth].st);
	/* what was under it repaints every cell */
	clearok(curscr, TRUE);
}

void loop_fini(struct loop *lp)
{
	while (lp->depth > 0)
		pop(lp);
}

int loop_push(struct loop *lp, const struct loop_mode *ops, void *st)
{
	if (lp->depth == LOOP_DEPTH)
		return -1;
	lp->stack[lp->depth].ops = ops;
	lp->stack[lp->depth].st = st;
	lp->depth++;
	return 0;
}

static void draw(struct loop *lp)
{
	if (!screen_big_enough())
		screen_draw_too_small();
	else
		lp->stack[lp->depth - 1].ops->draw(lp->stack[lp->depth - 1].st);
	doupdate();
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The top mode's wait for a tick, -1 for none. */
static int wait_ms(const struct loop *lp)
{
	const struct loop_mode *ops = lp->stack[lp->depth - 1].ops;

	return ops->wait_ms ? ops->wait_ms(lp->stack[lp->depth - 1].st) : -1;
}

/* The next event from the script.  Returns 0, or -1 at its end. */
static int script_event(struct loop *lp, struct loop_event *ev, MEVENT *me)
{
	const struct key_event *k;

	if (lp->next >= lp->ks->n)
		return -1;
	k = &lp->ks->ev[lp->next++];
	ev->mouse = NULL;
	if (k->code == KEY_MOUSE) {
		memset(me, 0, sizeof *me);
		me->x = k->cols;
		me->y = k->rows;
		me->bstate = (mmask_t)k->mouse;
		ev->mouse = me;
	} else if (k->code == KEY_RESIZE) {
		screen_resize(k->cols, k->rows);
	}
	ev->is_key = k->code >= KEY_MIN;
	ev->ch = (wint_t)k->code;
	return 0;
}

/* The next event from the terminal, waiting at most for the top mode's
 * tick.  Returns 0, or -1 when nothing came (try again). */
static int terminal_event(struct loop *lp, struct loop_event *ev, MEVENT *me)
{
	int wait = wait_ms(lp), r;

	wtimeout(stdscr, wait);
	r = wget_wch(stdscr, &ev->ch);
	ev->mouse = NULL;
	if (r == ERR) {
		if (wait < 0 || wait_ms(lp) != 0)
			return -1;
		ev->is_key = 1;
		ev->ch = KEYS_TICK;
		return 0;
	}
	ev->is_key = r == KEY_CODE_YES;
	if (ev->is_key && ev->ch == KEY_MOUSE && getmouse(me) == OK)
		ev->mouse = me;
	return 0;
}

int loop_run(struct loop *lp)
{
	int ended = 0;

	if (lp->depth == 0)
		return 0;
	draw(lp);
	while (lp->depth > 0) {
		struct loop_event ev;
		MEVENT me;
		uint64_t t0, c0;
		void *st = lp->stack[lp->depth - 1].st;
		const struct loop_mode *ops = lp->stack[lp->depth - 1].ops;

		/* from reading the key; the CPU time is this thread's: what a
		 * key costs even when other processes share the machine */
		if (lp->ks) {
			t0 = clock_ns(CLOCK_MONOTONIC);
			c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
			if (script_event(lp, &ev, &me) != 0) {
				ended = 1;
				break;
			}
			if (ev.is_key && ev.ch == KEYS_DUMP) {
				/* the screen as the keys so far left it */
				if (lp->dumps) {
					screen_dump(lp->dumps);
					fputs("\f\n", lp->dumps);
				}
				continue;
			}
		} else {
			if (terminal_event(lp, &ev, &me) != 0)
				continue;
			t0 = clock_ns(CLOCK_MONOTONIC);
			c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		}
		ops->key(st, &ev);
		if (ops->done && ops->done(st)) {
			pop(lp);
			if (lp->depth == 0)
				break;
		}
		draw(lp);
		if (lp->timing && lp->ks)
			fprintf(lp->timing, "%s\t%.3f\t%.3f\n", lp->ks->ev[lp->next - 1].label,
				(double)(clock_ns(CLOCK_MONOTONIC) - t0) / 1e6,
				(double)(clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0) / 1e6);
	}
	if (!lp->ks)
		wtimeout(stdscr, -1);
	return ended;
}
