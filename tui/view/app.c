#include "tui/view/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "graph/core/mem.h"
#include "graph/gc/subheap.h"
#include "tui/anim/anim.h"
#include "tui/core/draw.h"
#include "tui/view/export_hook.h"
#include "tui/view/row.h"
#include "tui/core/screen.h"

static const struct view_ops *const views[VIEW_COUNT] = {
	[VIEW_OVERVIEW] = &view_overview,
	[VIEW_TYPES] = &view_types,
	[VIEW_OBJECTS] = &view_objects,
	[VIEW_CYCLES] = &view_cycles,
	[VIEW_CYCLE] = &view_cycle,
	[VIEW_DOMTREE] = &view_domtree,
	[VIEW_GENS] = &view_gens,
	[VIEW_OBJECT] = &view_object,
	[VIEW_HELP] = &view_help,
	[VIEW_DIFF] = &view_diff,
	[VIEW_LEAK] = &view_leak,
};

const struct view_ops *app_view_ops(enum view_id v)
{
	return views[v];
}

static void *state(struct app *a, enum view_id v)
{
	if (!a->state[v])
		a->state[v] = views[v]->create(a);
	return a->state[v];
}

void app_init(struct app *a, const struct heap *h, struct model *m, const char *path)
{
	memset(a, 0, sizeof *a);
	a->h = h;
	a->m = m;
	a->path = path;
	a->cur = HEAP_NONE;
	a->hist_n = 0;
	a->hist_pos = -1;
}

void app_fini(struct app *a)
{
	for (int v = 0; v < VIEW_COUNT; v++)
		if (a->state[v])
			views[v]->destroy(a->state[v]);
	free(a->type_match);
}

void app_message(struct app *a, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof a->msg, fmt, ap);
	va_end(ap);
	a->msg_error = error;
}

/* The current object follows the cursor of the current view. */
static void sync_cur(struct app *a)
{
	void *st = state(a, a->view);
	struct list *l = views[a->view]->list(st);
	heap_node_t v;

	if (!l->count)
		return;
	v = views[a->view]->object(st, a, l->cur);
	if (v != HEAP_NONE)
		a->cur = v;
}

/* Remembers where the cursor of the current entry's view is. */
static void leave_entry(struct app *a)
{
	struct hist_entry *e = &a->hist[a->hist_pos];
	void *st = state(a, e->view);
	struct list *l = views[e->view]->list(st);
	heap_node_t v = l->count ? views[e->view]->object(st, a, l->cur) : HEAP_NONE;

	/* the object under the cursor: a view may already have moved the
	 * shared current object to what it is about to open */
	e->object = v != HEAP_NONE ? v : a->cur;
	e->row = l->cur;
	e->top = l->top;
}

/* Enters the current history entry.  restore: put the cursor back on the
 * row it was on, when that row still shows the same object (identity
 * first; the row only disambiguates, as in the inspector, where every row
 * belongs to the inspected object). */
static void enter_entry(struct app *a, int restore)
{
	struct hist_entry *e = &a->hist[a->hist_pos];
	void *st = state(a, e->view);
	struct list *l = views[e->view]->list(st);

	a->view = e->view;
	if (e->object != HEAP_NONE)
		a->cur = e->object;
	views[e->view]->enter(st, a, e->arg);
	if (restore && e->row < l->count && views[e->view]->object(st, a, e->row) == e->object) {
		l->top = e->top;
		list_set_cursor(l, e->row);
	}
	sync_cur(a);
}

void app_open(struct app *a, enum view_id v, uint64_t arg)
{
	if (a->hist_pos >= 0) {
		leave_entry(a);
		/* the same view and argument: just re-enter (no duplicate entry) */
		if (a->hist[a->hist_pos].view == v && a->hist[a->hist_pos].arg == arg) {
			enter_entry(a, 0);
			return;
		}
	}
	if (a->hist_pos + 1 >= APP_HISTORY) {
		memmove(a->hist, a->hist + 1, (APP_HISTORY - 1) * sizeof a->hist[0]);
		a->hist_pos--;
	}
	a->hist_pos++;
	a->hist_n = a->hist_pos + 1;
	a->hist[a->hist_pos].view = v;
	a->hist[a->hist_pos].arg = arg;
	a->hist[a->hist_pos].object = a->cur;
	a->hist[a->hist_pos].row = HEAP_NONE;
	enter_entry(a, 0);
}

static void history_move(struct app *a, int delta)
{
	int to = a->hist_pos + delta;

	if (to < 0 || to >= a->hist_n) {
		app_message(a, 0, delta < 0 ? "at the start of the history" : "at the end of the history");
		return;
	}
	leave_entry(a);
	a->hist_pos = to;
	enter_entry(a, 1);
}

/* ---- drawing ---- */

static void draw_top(struct app *a, int cols)
{
	attr_t t = screen_attr(ROLE_TITLE);
	int x = 0;
	char title[512];
	void *st = state(a, a->view);

	draw_fill(stdscr, 0, 0, cols, t);
	x += draw_str(stdscr, 0, x, cols - x, " heapglass ", t | A_BOLD);
	for (int v = 0; v < VIEW_COUNT && x < cols; v++) {
		const char *keys;
		char tab[48];
		int active;
		if (!views[v]->tab)
			continue;
		keys = keys_action_defs[views[v]->tab_action].keys;
		active = a->view == (enum view_id)v ||
			 (a->view == VIEW_OBJECTS && v == VIEW_TYPES) ||
			 (a->view == VIEW_CYCLE && v == VIEW_CYCLES);
		snprintf(tab, sizeof tab, " %c %s ", keys[0], views[v]->tab);
		x += draw_str(stdscr, 0, x, cols - x, tab, active ? screen_attr(ROLE_TAB) : t);
	}
	if (x + 4 < cols) {
		const char *base = strrchr(a->path, '/');
		base = base && base[1] ? base + 1 : a->path;
		int bw = draw_width(base, strlen(base));
		int room = cols - x - 2;
		if (bw > room)
			bw = room;
		draw_str(stdscr, 0, cols - bw - 1, bw, base, t);
	}
	views[a->view]->title(st, a, title, sizeof title);
	draw_fill(stdscr, 1, 0, cols, A_NORMAL);
	{
		/* where the cursor is, like tig's "line 3 of 16" */
		struct list *l = views[a->view]->list(st);
		char pos[48], c1[24], c2[24];
		int pw = 0;
		if (l->count) {
			snprintf(pos, sizeof pos, "%s/%s", draw_count(c1, sizeof c1, (uint64_t)l->cur + 1),
				 draw_count(c2, sizeof c2, l->count));
			pw = (int)strlen(pos);
			draw_str(stdscr, 1, cols - pw - 1, pw, pos, screen_attr(ROLE_DIM));
		}
		draw_str(stdscr, 1, 1, cols - pw - 3, title, screen_attr(ROLE_HEADER));
	}
}

static int footer_item(int x, int cols, const char *key, const char *label)
{
	int kw = draw_width(key, strlen(key)), lw = draw_width(label, strlen(label));

	if (x + kw + lw + 3 > cols)
		return -1;
	x += draw_str(stdscr, LINES - 1, x, kw, key, screen_attr(ROLE_FOOTER_KEY));
	x += draw_str(stdscr, LINES - 1, x, 1, " ", screen_attr(ROLE_FOOTER));
	x += draw_str(stdscr, LINES - 1, x, lw + 2, label, screen_attr(ROLE_FOOTER));
	x += draw_str(stdscr, LINES - 1, x, 2, "  ", screen_attr(ROLE_FOOTER));
	return x;
}

static void draw_footer(struct app *a, int cols)
{
	int y = LINES - 1, x = 0;
	const enum action *va = views[a->view]->actions;

	draw_fill(stdscr, y, 0, cols, screen_attr(ROLE_FOOTER));
	if (a->prompt) {
		const char *label = a->prompt == '/' ? "/" : "Export to: ";
		int lw = draw_str(stdscr, y, 0, cols, label, screen_attr(ROLE_FOOTER_KEY));
		int iw = draw_str(stdscr, y, lw, cols - lw - 1, a->input, screen_attr(ROLE_FOOTER));
		draw_str(stdscr, y, lw + iw, 1, "_", screen_attr(ROLE_FOOTER) | A_BLINK);
		if (a->msg[0] && lw + iw + 4 < cols)
			draw_str_right(stdscr, y, lw + iw + 2, cols - lw - iw - 3, a->msg,
				       screen_attr(a->msg_error ? ROLE_ERROR : ROLE_FOOTER));
		return;
	}
	if (a->msg[0]) {
		draw_str(stdscr, y, 0, cols, a->msg, screen_attr(a->msg_error ? ROLE_ERROR : ROLE_FOOTER));
		return;
	}
	x = 1;
	for (int i = 0; va && va[i] != ACT_NONE && x >= 0; i++)
		if (keys_action_defs[va[i]].footer)
			x = footer_item(x, cols, keys_action_defs[va[i]].footer_key, keys_action_defs[va[i]].footer);
	for (int i = 0; i < ACT_COUNT && x >= 0; i++)
		if (keys_action_defs[i].global && keys_action_defs[i].footer)
			x = footer_item(x, cols, keys_action_defs[i].footer_key, keys_action_defs[i].footer);
}

static void draw_all(struct app *a)
{
	if (!screen_big_enough()) {
		screen_draw_too_small();
		doupdate();
		return;
	}
	if (a->dirty) {
		clearok(curscr, TRUE);
		a->dirty = 0;
	}
	draw_top(a, COLS);
	views[a->view]->draw(state(a, a->view), a, stdscr, 2, LINES - 3, COLS);
	draw_footer(a, COLS);
	wnoutrefresh(stdscr);
	doupdate();
}

/* ---- search ---- */

static void lower_copy(char *out, size_t size, const char *in)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < size; i++)
		out[i] = (in[i] >= 'A' && in[i] <= 'Z') ? (char)(in[i] - 'A' + 'a') : in[i];
	out[i] = 0;
}

/* Finds the next row matching a->query from row `from` in direction dir
 * (+1/-1), wrapping once.  Returns 1 and moves the cursor when found. */
static int search_from(struct app *a, uint32_t from, int dir)
{
	void *st = state(a, a->view);
	const struct view_ops *ops = views[a->view];
	struct list *l = ops->list(st);
	uint32_t n = l->count, i = from;

	if (!n || !ops->match || !a->query[0])
		return 0;
	row_search_prepare(a, a->query);
	if (i >= n)
		i = dir > 0 ? 0 : n - 1;
	for (uint32_t k = 0; k < n; k++) {
		if (ops->match(st, a, i, a->query)) {
			list_set_cursor(l, i);
			sync_cur(a);
			return 1;
		}
		i = dir > 0 ? (i + 1 == n ? 0 : i + 1) : (i == 0 ? n - 1 : i - 1);
	}
	return 0;
}

static void search_update(struct app *a)
{
	struct list *l = views[a->view]->list(state(a, a->view));

	lower_copy(a->query, sizeof a->query, a->input);
	a->msg[0] = 0;
	a->msg_error = 0;
	if (!a->query[0]) {
		list_set_cursor(l, a->search_origin);
		return;
	}
	if (!search_from(a, a->search_origin, 1)) {
		list_set_cursor(l, a->search_origin);
		app_message(a, 1, "no match");
	}
}

static void search_next(struct app *a, int dir)
{
	struct list *l = views[a->view]->list(state(a, a->view));

	if (!a->query[0]) {
		app_message(a, 0, "no search yet: press / to search");
		return;
	}
	if (!views[a->view]->match) {
		app_message(a, 0, "nothing to search in this view");
		return;
	}
	if (!search_from(a, l->count ? (dir > 0 ? l->cur + 1 : (l->cur ? l->cur - 1 : l->count - 1)) : 0, dir))
		app_message(a, 1, "no match for '%s'", a->query);
}

/* ---- keys ---- */

static void input_add(struct app *a, wint_t ch)
{
	char mb[8];
	size_t len = strlen(a->input), n;
	mbstate_t ps;

	memset(&ps, 0, sizeof ps);
	n = wcrtomb(mb, (wchar_t)ch, &ps);
	if (n == (size_t)-1 || len + n + 1 >= sizeof a->input)
		return;
	memcpy(a->input + len, mb, n);
	a->input[len + n] = 0;
}

static void input_backspace(struct app *a)
{
	size_t len = strlen(a->input);

	while (len > 0 && ((unsigned char)a->input[len - 1] & 0xc0) == 0x80)
		len--;
	if (len > 0)
		len--;
	a->input[len] = 0;
}

/* The object whose id is q ("1234", "#1234", "0x7f3a..."), HEAP_NONE if
 * q is not an id or no object has it. */
static heap_node_t find_id(const struct app *a, const char *q)
{
	char *end;
	unsigned long long id;

	if (*q == '#')
		q++;
	if (!*q || *q == '-' || *q == '+' || *q == ' ')
		return HEAP_NONE;
	id = strtoull(q, &end, 0);
	if (*end)
		return HEAP_NONE;
	return heap_find(a->h, (uint64_t)id);
}

static void prompt_key(struct app *a, int is_key, wint_t ch)
{
	int kind = a->prompt;

	if (!is_key && ch == 27) {	/* Esc: cancel */
		a->prompt = 0;
		a->msg[0] = 0;
		if (kind == '/')
			list_set_cursor(views[a->view]->list(state(a, a->view)), a->search_origin);
		sync_cur(a);
		return;
	}
	if ((!is_key && (ch == '\r' || ch == '\n')) || (is_key && ch == KEY_ENTER)) {
		a->prompt = 0;
		if (kind == 'e') {
			char err[ERROR_MSG_MAX];
			if (export_hook_run(a, a->input, err, sizeof err) == 0)
				app_message(a, 0, "exported to %s", a->input);
			else
				app_message(a, 1, "%s", err);
		} else if (a->msg_error) {
			/* not in this list: an id opens that object wherever it is */
			heap_node_t v = find_id(a, a->query);
			if (v != HEAP_NONE) {
				a->cur = v;
				app_open(a, VIEW_OBJECT, v);
				app_message(a, 0, "not in this list: opened object %s", a->input);
			} else {
				app_message(a, 1, "no match for '%s'", a->query);
			}
		}
		return;
	}
	if ((is_key && ch == KEY_BACKSPACE) || (!is_key && (ch == 127 || ch == 8))) {
		input_backspace(a);
	} else if (!is_key && ch == 21) {	/* C-u: clear */
		a->input[0] = 0;
	} else if (!is_key && ch >= 0x20 && ch != 0x7f) {
		input_add(a, ch);
	} else {
		return;
	}
	if (kind == '/')
		search_update(a);
}

static void view_switch(struct app *a, enum view_id v)
{
	uint64_t arg = 0;

	if (v == VIEW_OBJECT) {
		if (a->cur == HEAP_NONE) {
			app_message(a, 0, "no current object yet: select one in a list");
			return;
		}
		arg = a->cur;
	}
	app_open(a, v, arg);
}

enum {
	ANIMATE_DEPTH = 1	/* an object's neighbourhood: one reference away */
};

/* 'a': the GC animation on what the user is looking at: the open cycle (or
 * the one under the cursor in the cycle list), the whole heap from the
 * overview, else the current object and its neighbours. */
static void animate(struct app *a)
{
	struct error err;
	struct anim *an = NULL;
	char what[200];
	uint32_t c = HEAP_NONE;

	if (a->view == VIEW_CYCLE && a->hist_pos >= 0)
		c = (uint32_t)a->hist[a->hist_pos].arg;
	else if (a->view == VIEW_CYCLES && a->cur != HEAP_NONE)
		c = a->m->an->cycle[a->cur];
	if (c != HEAP_NONE && c < a->m->an->n_cycles) {
		uint32_t n;
		const heap_node_t *mem = model_cycle_members(a->m, c, &n);
		snprintf(what, sizeof what, "cycle %u (%u object%s, %s)", c + 1, n, n == 1 ? "" : "s",
			 a->m->an->cycles[c].garbage ? "garbage" : "live");
		an = anim_new_heap(a->h, mem, n, what, &err);
	} else if (a->view == VIEW_OVERVIEW) {
		snprintf(what, sizeof what, "the whole heap (%u objects)", a->h->n_nodes);
		an = anim_new_heap(a->h, NULL, 0, what, &err);
	} else if (a->cur != HEAP_NONE) {
		heap_node_t *sel = mem_alloc(ANIM_MAX_DRAW * sizeof *sel);
		uint32_t n = subheap_neighbourhood(a->h, a->cur, ANIMATE_DEPTH, ANIM_MAX_DRAW, sel);
		snprintf(what, sizeof what, "object #%llu and its neighbours (%u object%s%s)",
			 (unsigned long long)a->h->id[a->cur], n, n == 1 ? "" : "s",
			 n == ANIM_MAX_DRAW ? ", the nearest only" : "");
		an = anim_new_heap(a->h, sel, n, what, &err);
		free(sel);
	} else {
		app_message(a, 0, "nothing to animate: select an object or a cycle first");
		return;
	}
	if (!an) {
		app_message(a, 1, "%s", err.msg);
		return;
	}
	if (anim_run(an, a->ks, &a->ks_next) == 1)
		a->quit = 1;	/* a key script ended in the animation: keep its screen */
	anim_free(an);
	a->dirty = 1;
}

static void handle_action(struct app *a, enum action act)
{
	void *st = state(a, a->view);
	const struct view_ops *ops = views[a->view];

	if (ops->action && ops->action(st, a, act)) {
		sync_cur(a);
		return;
	}
	if (list_move(ops->list(st), act)) {
		sync_cur(a);
		return;
	}
	switch (act) {
	case ACT_QUIT:
		a->quit = 1;
		break;
	case ACT_BACK:
	case ACT_LEFT:
		history_move(a, -1);
		break;
	case ACT_FORWARD:
		history_move(a, +1);
		break;
	case ACT_RIGHT:
	case ACT_ENTER:
	case ACT_INSPECT: {
		struct list *l = ops->list(st);
		heap_node_t v = l->count ? ops->object(st, a, l->cur) : HEAP_NONE;
		if (v == HEAP_NONE) {
			app_message(a, 0, "nothing to open here");
			break;
		}
		a->cur = v;
		app_open(a, VIEW_OBJECT, v);
		break;
	}
	case ACT_VIEW_OVERVIEW: view_switch(a, VIEW_OVERVIEW); break;
	case ACT_VIEW_TYPES: view_switch(a, VIEW_TYPES); break;
	case ACT_VIEW_CYCLES: view_switch(a, VIEW_CYCLES); break;
	case ACT_VIEW_DOMTREE: view_switch(a, VIEW_DOMTREE); break;
	case ACT_VIEW_GENS: view_switch(a, VIEW_GENS); break;
	case ACT_VIEW_OBJECT: view_switch(a, VIEW_OBJECT); break;
	case ACT_GARBAGE:
		if (!a->m->an->unreachable_objects) {
			app_message(a, 0, "no unreachable objects: every object is reachable from a root");
			break;
		}
		app_open(a, VIEW_OBJECTS, (uint64_t)OBJECTS_GARBAGE << 32);
		break;
	case ACT_HELP:
		if (a->view == VIEW_HELP)
			history_move(a, -1);
		else
			app_open(a, VIEW_HELP, 0);
		break;
	case ACT_SEARCH:
		if (!ops->match) {
			app_message(a, 0, "nothing to search in this view");
			break;
		}
		a->prompt = '/';
		a->input[0] = 0;
		a->search_origin = ops->list(st)->cur;
		break;
	case ACT_NEXT: search_next(a, +1); break;
	case ACT_PREV: search_next(a, -1); break;
	case ACT_EXPORT: {
		char name[APP_QUERY * 2], err[ERROR_MSG_MAX];
		if (export_hook_default_name(a, name, sizeof name, err, sizeof err) != 0) {
			app_message(a, 1, "%s", err);
			break;
		}
		a->prompt = 'e';
		snprintf(a->input, sizeof a->input, "%s", name);
		break;
	}
	case ACT_ANIMATE:
		animate(a);
		break;
	case ACT_REDRAW:
		a->dirty = 1;
		break;
	default:
		break;
	}
}

/* Mouse (optional): the wheel moves, a click selects a row, a double
 * click follows it. */
static void handle_mouse(struct app *a)
{
	MEVENT ev;
	struct list *l = views[a->view]->list(state(a, a->view));
	uint32_t row;

	if (getmouse(&ev) != OK || a->prompt || !screen_big_enough())
		return;
	if (ev.bstate & BUTTON4_PRESSED) {
		for (int i = 0; i < 3; i++)
			handle_action(a, ACT_UP);
		return;
	}
	if (ev.bstate & BUTTON5_PRESSED) {
		for (int i = 0; i < 3; i++)
			handle_action(a, ACT_DOWN);
		return;
	}
	row = list_row_at(l, ev.y);
	if (row == UINT32_MAX || !(ev.bstate & (BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED)))
		return;
	list_set_cursor(l, row);
	sync_cur(a);
	if (ev.bstate & BUTTON1_DOUBLE_CLICKED)
		handle_action(a, ACT_ENTER);
}

static void handle_key(struct app *a, int is_key, wint_t ch)
{
	int key = (int)ch;

	if (is_key && ch == KEY_RESIZE) {
		a->dirty = 1;
		return;
	}
	if (is_key && ch == KEY_MOUSE) {
		a->msg[0] = 0;
		handle_mouse(a);
		return;
	}
	if (a->prompt) {
		prompt_key(a, is_key, ch);
		return;
	}
	a->msg[0] = 0;
	if (!screen_big_enough()) {
		if (!is_key && ch == 'q')
			a->quit = 1;
		return;
	}
	if (!is_key && ch == 27) {	/* Esc leaves help, else nothing */
		if (a->view == VIEW_HELP)
			history_move(a, -1);
		return;
	}
	if (!is_key && ch > 0x7f)
		return;
	if (a->view == VIEW_HELP && !is_key && ch == 'q') {
		history_move(a, -1);
		return;
	}
	handle_action(a, keys_action(key));
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wall-clock time, and the CPU time of this thread (what a keystroke costs
 * even when other processes share the machine). */
static uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static uint64_t cpu_ns(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

int app_run(struct app *a, const struct key_script *ks, FILE *timing)
{
	size_t next = 0;

	a->ks = ks;
	app_open(a, VIEW_OVERVIEW, 0);
	if (a->diff)
		app_open(a, VIEW_DIFF, 0);
	draw_all(a);
	while (!a->quit) {
		wint_t ch;
		int is_key;
		uint64_t t0, c0;

		if (ks) {
			const struct key_event *ev;
			if (a->ks_next >= ks->n)
				break;
			ev = &ks->ev[a->ks_next++];
			next = a->ks_next;
			t0 = now_ns();
			c0 = cpu_ns();
			if (ev->code == KEY_MOUSE) {
				MEVENT me = { .x = ev->cols, .y = ev->rows, .bstate = (mmask_t)ev->mouse };
				ungetmouse(&me);
				is_key = 1;
				ch = KEY_MOUSE;
			} else if (ev->code == KEY_RESIZE) {
				screen_resize(ev->cols, ev->rows);
				is_key = 1;
				ch = KEY_RESIZE;
			} else {
				is_key = ev->code >= KEY_MIN;
				ch = (wint_t)ev->code;
			}
		} else {
			int r = wget_wch(stdscr, &ch);
			if (r == ERR)
				continue;
			is_key = r == KEY_CODE_YES;
			t0 = now_ns();
			c0 = cpu_ns();
		}
		handle_key(a, is_key, ch);
		if (a->quit)
			break;
		draw_all(a);
		if (timing && ks)
			fprintf(timing, "%s\t%.3f\t%.3f\n", ks->ev[next - 1].label, (double)(now_ns() - t0) / 1e6,
				(double)(cpu_ns() - c0) / 1e6);
	}
	return 0;
}
