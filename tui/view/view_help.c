/* Help: generated from the viewer's keymap (tui/core/keys.c) and the
 * views' action lists, so it is never stale. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include "tui/view/app.h"
#include "tui/core/draw.h"
#include "tui/view/row.h"
#include "tui/core/screen.h"
#include "tui/view/view.h"

enum {
	HELP_LINES = ACT_COUNT + 16,
	KEYS_W = 18
};

struct help_line {
	const struct keymap_entry *e;	/* NULL: a heading or text */
	char text[160];
	int heading;
};

struct help_state {
	struct list l;
	struct help_line lines[HELP_LINES];
};

static void add(struct help_state *s, const struct keymap_entry *e, int heading, const char *text)
{
	struct help_line *hl;

	if (s->l.count >= HELP_LINES)
		return;
	hl = &s->lines[s->l.count++];
	hl->e = e;
	hl->heading = heading;
	snprintf(hl->text, sizeof hl->text, "%s", text);
}

static void *help_create(struct app *a)
{
	struct help_state *s = mem_calloc(1, sizeof *s);

	(void)a;
	add(s, NULL, 1, "Keys everywhere");
	for (size_t i = 0; i < keys_viewer.n; i++)
		if (keys_viewer.entries[i].global)
			add(s, &keys_viewer.entries[i], 0, keys_viewer.entries[i].help);
	add(s, NULL, 0, "");
	add(s, NULL, 1, "Keys in some views");
	for (size_t i = 0; i < keys_viewer.n; i++) {
		const struct keymap_entry *e = &keys_viewer.entries[i];
		char views[128], line[160];
		size_t o = 0;
		if (e->global)
			continue;
		views[0] = 0;
		for (int v = 0; v < VIEW_COUNT; v++) {
			const enum action *va = app_view_ops((enum view_id)v)->actions;
			for (int k = 0; va && va[k] != ACT_NONE; k++)
				if (va[k] == e->act && o + 20 < sizeof views)
					o += (size_t)snprintf(views + o, sizeof views - o, "%s%s", o ? ", " : "",
							      app_view_ops((enum view_id)v)->name);
		}
		if (e->act == ACT_LEFT || e->act == ACT_RIGHT)
			snprintf(line, sizeof line, "%s", e->help);
		else
			snprintf(line, sizeof line, "%s%s%s%s", e->help, o ? " (" : "", views, o ? ")" : "");
		add(s, e, 0, line);
	}
	add(s, NULL, 0, "");
	add(s, NULL, 1, "Reading the screens");
	add(s, NULL, 0, "retained: bytes freed if this object went (what it alone keeps alive)");
	add(s, NULL, 0, "shallow: the object's own bytes; garbage: unreachable from every root");
	add(s, NULL, 0, "Names from the snapshot are shown escaped (\\e, \\x00, \\u{202E}).");
	add(s, NULL, 0, "Search matches type, name or id; Enter keeps the match, Esc goes back.");
	return s;
}

static void help_destroy(void *st)
{
	free(st);
}

static void help_enter(void *st, struct app *a, uint64_t arg)
{
	(void)st;
	(void)a;
	(void)arg;
}

static void help_row(void *ctx, uint32_t i, WINDOW *w, int y, int cols, int sel)
{
	struct help_state *s = ctx;
	const struct help_line *hl = &s->lines[i];

	if (hl->heading) {
		draw_str(w, y, 1, cols - 1, hl->text, row_attr(ROLE_HEADER, sel));
		return;
	}
	if (hl->e)
		draw_str(w, y, 3, KEYS_W - 3, hl->e->keys, row_attr(ROLE_FOOTER_KEY, sel) | A_BOLD);
	draw_str(w, y, hl->e ? KEYS_W + 1 : 3, cols - KEYS_W - 1, hl->text, row_attr(ROLE_NORMAL, sel));
}

static void help_draw(void *st, struct app *a, WINDOW *w, int y0, int rows, int cols)
{
	struct help_state *s = st;

	(void)a;
	list_draw(&s->l, w, y0, rows, cols, help_row, s);
}

static struct list *help_list(void *st)
{
	return &((struct help_state *)st)->l;
}

static int help_match(void *st, struct app *a, uint32_t i, const char *q)
{
	struct help_state *s = st;

	(void)a;
	return row_contains(s->lines[i].text, strlen(s->lines[i].text), q) ||
	       (s->lines[i].e && row_contains(s->lines[i].e->keys, strlen(s->lines[i].e->keys), q));
}

static heap_node_t help_object(void *st, struct app *a, uint32_t i)
{
	(void)st;
	(void)a;
	(void)i;
	return HEAP_NONE;
}

static void help_title(void *st, struct app *a, char *buf, size_t size)
{
	(void)st;
	(void)a;
	snprintf(buf, size, "Help: q, Esc or ? to close");
}

const struct view_ops view_help = {
	.name = "help",
	.create = help_create,
	.destroy = help_destroy,
	.enter = help_enter,
	.draw = help_draw,
	.list = help_list,
	.match = help_match,
	.object = help_object,
	.title = help_title,
};
