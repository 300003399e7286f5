#include "tui/view/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "graph/core/mem.h"
#include "graph/near.h"
#include "tui/anim/anim.h"
#include "tui/core/draw.h"
#include "tui/core/loop.h"
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
		keys = keymap_entry(&keys_viewer, views[v]->tab_action)->keys;
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

static void draw_footer(struct app *a, int cols)
{
	int y = LINES - 1;

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
	keymap_draw_footer(&keys_viewer, views[a->view]->actions, y, cols);
}

/* The loop's draw: the top bar, the view, the footer. */
static void app_draw(void *st)
{
	struct app *a = st;

	if (a->dirty) {
		clearok(curscr, TRUE);
		a->dirty = 0;
	}
	draw_top(a, COLS);
	views[a->view]->draw(state(a, a->view), a, stdscr, 2, LINES - 3, COLS);
	draw_footer(a, COLS);
	wnoutrefresh(stdscr);
}

/* ---- search ---- */

static void lower_copy(char *out, size_t size, const char *in)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < size; i++)
		out[i] = (in[i] >= 'A' && in[i] <= 'Z') ? (char)(in[i] - 'A' + 'a') : in[i];
	out[i] = 0;
}

/* The search cache for query q (app.h type_match): which types match,
 * once per query rather than once per row. */
static void search_prepare(struct app *a, const char *q)
{
	if (a->type_match && strcmp(a->type_match_q, q) == 0)
		return;
	if (!a->type_match)
		a->type_match = mem_alloc((size_t)a->m->n_types + 1);
	for (uint32_t t = 0; t < a->m->n_types; t++) {
		size_t len;
		const char *s = heap_string(a->h, a->m->types[t].name, &len);
		a->type_match[t] = (uint8_t)row_contains(s, len, q);
	}
	snprintf(a->type_match_q, sizeof a->type_match_q, "%s", q);
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
	search_prepare(a, a->query);
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

	if (!is_key && ch == KEYS_ESC) {	/* cancel */
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
	if ((is_key && ch == KEY_BACKSPACE) || (!is_key && (ch == KEYS_DEL || ch == KEYS_CTRL_H))) {
		input_backspace(a);
	} else if (!is_key && ch == KEYS_CTRL_U) {	/* clear */
		a->input[0] = 0;
	} else if (!is_key && ch >= 0x20 && ch != KEYS_DEL) {
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
		if (n <= ANIM_MAX_DRAW) {
			/* the cycle and what only it holds, as lesson --heap --cycle */
			heap_node_t *part = mem_alloc(ANIM_MAX_DRAW * sizeof *part);
			uint32_t k = anim_cycle_part(a->h, mem, n, c + 1, a->m->an->cycles[c].garbage, ANIM_MAX_DRAW,
						     part, what, sizeof what);
			an = anim_new_heap(a->h, part, k, what, &err);
			free(part);
		} else {
			snprintf(what, sizeof what, "cycle %u (%u objects, %s)", c + 1, n,
				 a->m->an->cycles[c].garbage ? "garbage" : "live");
			an = anim_new_heap(a->h, mem, n, what, &err);
		}
	} else if (a->view == VIEW_OVERVIEW) {
		snprintf(what, sizeof what, "the whole heap (%u objects)", a->h->n_nodes);
		an = anim_new_heap(a->h, NULL, 0, what, &err);
	} else if (a->cur != HEAP_NONE) {
		struct near_rules rules = near_rules_picture(ANIMATE_DEPTH, ANIM_MAX_DRAW);
		struct near nb;
		near_walk(a->h, a->cur, &rules, &nb);
		snprintf(what, sizeof what, "object #%llu and its neighbours (%u object%s%s)",
			 (unsigned long long)heap_id(a->h, a->cur), nb.n, nb.n == 1 ? "" : "s",
			 nb.over ? ", the nearest only" : "");
		an = anim_new_heap(a->h, nb.node, nb.n, what, &err);
		near_fini(&nb);
	} else {
		app_message(a, 0, "nothing to animate: select an object or a cycle first");
		return;
	}
	if (!an) {
		app_message(a, 1, "%s", err.msg);
		return;
	}
	/* a mode of this loop: it gets the keys until it is done */
	if (loop_push(a->loop, &anim_mode, an) != 0) {
		anim_free(an);
		app_message(a, 1, "the animation cannot open here");
	}
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
static void handle_mouse(struct app *a, const MEVENT *me)
{
	struct list *l = views[a->view]->list(state(a, a->view));
	uint32_t row;

	if (!me || a->prompt || !screen_big_enough())
		return;
	if (me->bstate & BUTTON4_PRESSED) {
		for (int i = 0; i < 3; i++)
			handle_action(a, ACT_UP);
		return;
	}
	if (me->bstate & BUTTON5_PRESSED) {
		for (int i = 0; i < 3; i++)
			handle_action(a, ACT_DOWN);
		return;
	}
	row = list_row_at(l, me->y);
	if (row == UINT32_MAX || !(me->bstate & (BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED)))
		return;
	list_set_cursor(l, row);
	sync_cur(a);
	if (me->bstate & BUTTON1_DOUBLE_CLICKED)
		handle_action(a, ACT_ENTER);
}

/* The loop's key handler. */
static void app_key(void *st, const struct loop_event *ev)
{
	struct app *a = st;
	int is_key = ev->is_key;
	wint_t ch = ev->ch;

	if (is_key && ch == KEY_RESIZE) {
		a->dirty = 1;
		return;
	}
	if (is_key && ch == KEY_MOUSE) {
		a->msg[0] = 0;
		handle_mouse(a, ev->mouse);
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
	if (!is_key && ch == KEYS_ESC) {	/* leaves help, else nothing */
		if (a->view == VIEW_HELP)
			history_move(a, -1);
		return;
	}
	if (a->view == VIEW_HELP && !is_key && ch == 'q') {
		history_move(a, -1);
		return;
	}
	handle_action(a, keymap_action(&keys_viewer, is_key, (int)ch));
}

static int app_done(void *st)
{
	return ((struct app *)st)->quit;
}

static const struct loop_mode app_mode = {
	.draw = app_draw,
	.key = app_key,
	.done = app_done,
};

int app_run(struct app *a, const struct key_script *ks, FILE *timing)
{
	struct loop lp;

	loop_init(&lp, ks, timing);
	a->loop = &lp;
	app_open(a, VIEW_OVERVIEW, 0);
	if (a->diff)
		app_open(a, VIEW_DIFF, 0);
	loop_push(&lp, &app_mode, a);
	loop_run(&lp);
	loop_fini(&lp);
	a->loop = NULL;
	return 0;
}
