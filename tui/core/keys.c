#include "tui/core/keys.h"

#include <ctype.h>
#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"

const struct action_def keys_action_defs[ACT_COUNT] = {
	[ACT_UP] = { .keys = "k Up", .help = "move up", .global = 1 },
	[ACT_DOWN] = { .keys = "j Down", .help = "move down", .global = 1 },
	[ACT_PGUP] = { .keys = "PgUp C-b", .help = "page up", .global = 1 },
	[ACT_PGDN] = { .keys = "PgDn C-f Space", .help = "page down", .global = 1 },
	[ACT_HOME] = { .keys = "Home g", .help = "first row", .global = 1 },
	[ACT_END] = { .keys = "End G", .help = "last row", .global = 1 },
	[ACT_ENTER] = { .keys = "Enter", .footer = "Open", .footer_key = "Enter",
			.help = "follow: open the selected object, type, cycle or generation" },
	[ACT_RIGHT] = { .keys = "l Right", .help = "follow (tree: expand)" },
	[ACT_LEFT] = { .keys = "h Left", .help = "back (tree: collapse, then go to the parent)" },
	[ACT_BACK] = { .keys = "Backspace [", .footer = "Back", .footer_key = "BS",
		       .help = "back in history", .global = 1 },
	[ACT_FORWARD] = { .keys = "]", .help = "forward in history", .global = 1 },
	[ACT_INSPECT] = { .keys = "i", .footer = "Inspect", .footer_key = "i",
			  .help = "inspect the selected object", .global = 1 },
	[ACT_VIEW_OVERVIEW] = { .keys = "1 o", .help = "overview: totals, reachability, largest retainers", .global = 1 },
	[ACT_VIEW_TYPES] = { .keys = "2 t", .help = "types: count, shallow and retained size per type", .global = 1 },
	[ACT_VIEW_CYCLES] = { .keys = "3 c", .help = "cycles of the program's objects, grouped into patterns", .global = 1 },
	[ACT_VIEW_DOMTREE] = { .keys = "4 d", .help = "dominator tree with retained sizes", .global = 1 },
	[ACT_VIEW_GENS] = { .keys = "5 y", .help = "generations and cross-generation references", .global = 1 },
	[ACT_VIEW_OBJECT] = { .keys = "6", .help = "object inspector on the current object", .global = 1 },
	[ACT_GARBAGE] = { .keys = "u", .help = "unreachable objects (garbage), largest retained first", .global = 1 },
	[ACT_HELP] = { .keys = "? F1", .footer = "Help", .footer_key = "?", .help = "this help", .global = 1 },
	[ACT_SORT] = { .keys = "s", .footer = "Sort", .footer_key = "s", .help = "sort by the next column" },
	[ACT_REVERSE] = { .keys = "r", .help = "reverse the sort order" },
	[ACT_EXPAND_ALL] = { .keys = "*", .help = "expand the selected subtree (largest first, up to 1000 rows)" },
	[ACT_COLLAPSE_ALL] = { .keys = "-", .help = "collapse everything" },
	[ACT_RAW] = { .keys = "R", .footer = "Raw", .footer_key = "R",
		      .help = "cycles: the raw graph's (every retaining reference) or the program's" },
	[ACT_CROSS] = { .keys = "x", .footer = "Cross", .footer_key = "x",
			.help = "objects referenced from an older generation" },
	[ACT_SEARCH] = { .keys = "/", .footer = "Search", .footer_key = "/",
			 .help = "search this list by type, name or id (incremental)", .global = 1 },
	[ACT_NEXT] = { .keys = "n", .help = "next match", .global = 1 },
	[ACT_PREV] = { .keys = "N", .help = "previous match", .global = 1 },
	[ACT_EXPORT] = { .keys = "e", .footer = "Export", .footer_key = "e",
			 .help = "export the current cycle or object (Graphviz)", .global = 1 },
	[ACT_ANIMATE] = { .keys = "a",
			  .help = "animate a collector on the current cycle, the current object's "
				  "neighbours, or (overview) the whole heap", .global = 1 },
	[ACT_REDRAW] = { .keys = "C-l", .help = "redraw the screen", .global = 1 },
	[ACT_QUIT] = { .keys = "q", .footer = "Quit", .footer_key = "q", .help = "quit", .global = 1 },
};

struct key_binding {
	int key;
	enum action act;
};

static const struct key_binding bindings[] = {
	{ .key = 'k', .act = ACT_UP }, { .key = KEY_UP, .act = ACT_UP },
	{ .key = 'j', .act = ACT_DOWN }, { .key = KEY_DOWN, .act = ACT_DOWN },
	{ .key = KEY_PPAGE, .act = ACT_PGUP }, { .key = 2, .act = ACT_PGUP },
	{ .key = KEY_NPAGE, .act = ACT_PGDN }, { .key = 6, .act = ACT_PGDN }, { .key = ' ', .act = ACT_PGDN },
	{ .key = KEY_HOME, .act = ACT_HOME }, { .key = 'g', .act = ACT_HOME },
	{ .key = KEY_END, .act = ACT_END }, { .key = 'G', .act = ACT_END },
	{ .key = '\r', .act = ACT_ENTER }, { .key = '\n', .act = ACT_ENTER }, { .key = KEY_ENTER, .act = ACT_ENTER },
	{ .key = 'l', .act = ACT_RIGHT }, { .key = KEY_RIGHT, .act = ACT_RIGHT },
	{ .key = 'h', .act = ACT_LEFT }, { .key = KEY_LEFT, .act = ACT_LEFT },
	{ .key = KEY_BACKSPACE, .act = ACT_BACK }, { .key = 127, .act = ACT_BACK }, { .key = 8, .act = ACT_BACK },
	{ .key = '[', .act = ACT_BACK }, { .key = ']', .act = ACT_FORWARD },
	{ .key = 'i', .act = ACT_INSPECT },
	{ .key = '1', .act = ACT_VIEW_OVERVIEW }, { .key = 'o', .act = ACT_VIEW_OVERVIEW },
	{ .key = '2', .act = ACT_VIEW_TYPES }, { .key = 't', .act = ACT_VIEW_TYPES },
	{ .key = '3', .act = ACT_VIEW_CYCLES }, { .key = 'c', .act = ACT_VIEW_CYCLES },
	{ .key = '4', .act = ACT_VIEW_DOMTREE }, { .key = 'd', .act = ACT_VIEW_DOMTREE },
	{ .key = '5', .act = ACT_VIEW_GENS }, { .key = 'y', .act = ACT_VIEW_GENS },
	{ .key = '6', .act = ACT_VIEW_OBJECT },
	{ .key = 'u', .act = ACT_GARBAGE },
	{ .key = '?', .act = ACT_HELP }, { .key = KEY_F(1), .act = ACT_HELP },
	{ .key = 's', .act = ACT_SORT }, { .key = 'r', .act = ACT_REVERSE },
	{ .key = 'R', .act = ACT_RAW },
	{ .key = '*', .act = ACT_EXPAND_ALL }, { .key = '-', .act = ACT_COLLAPSE_ALL },
	{ .key = 'x', .act = ACT_CROSS },
	{ .key = '/', .act = ACT_SEARCH }, { .key = 'n', .act = ACT_NEXT }, { .key = 'N', .act = ACT_PREV },
	{ .key = 'e', .act = ACT_EXPORT },
	{ .key = 'a', .act = ACT_ANIMATE },
	{ .key = 12, .act = ACT_REDRAW },
	{ .key = 'q', .act = ACT_QUIT },
};

enum action keys_action(int key)
{
	for (size_t i = 0; i < sizeof bindings / sizeof bindings[0]; i++)
		if (bindings[i].key == key)
			return bindings[i].act;
	return ACT_NONE;
}

struct key_name {
	const char *name;
	int code;
};

static const struct key_name key_names[] = {
	{ .name = "Enter", .code = '\r' }, { .name = "Esc", .code = 27 }, { .name = "Tab", .code = '\t' },
	{ .name = "BS", .code = KEY_BACKSPACE }, { .name = "Up", .code = KEY_UP },
	{ .name = "Down", .code = KEY_DOWN }, { .name = "Left", .code = KEY_LEFT },
	{ .name = "Right", .code = KEY_RIGHT }, { .name = "PgUp", .code = KEY_PPAGE },
	{ .name = "PgDn", .code = KEY_NPAGE }, { .name = "Home", .code = KEY_HOME },
	{ .name = "End", .code = KEY_END }, { .name = "F1", .code = KEY_F(1) },
	{ .name = "lt", .code = '<' }, { .name = "Space", .code = ' ' },
	{ .name = "Tick", .code = KEYS_TICK },
};

static void push(struct key_script *ks, size_t *cap, int code, int cols, int rows, const char *label)
{
	if (ks->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		ks->ev = mem_realloc_array(ks->ev, *cap, sizeof *ks->ev);
	}
	ks->ev[ks->n].code = code;
	ks->ev[ks->n].cols = cols;
	ks->ev[ks->n].rows = rows;
	ks->ev[ks->n].mouse = 0;
	snprintf(ks->ev[ks->n].label, sizeof ks->ev[ks->n].label, "%s", label);
	ks->n++;
}

int keys_script_load(const char *path, struct key_script *ks, struct error *err)
{
	FILE *f = fopen(path, "r");
	size_t cap = 0;
	int c, line = 1;

	ks->ev = NULL;
	ks->n = 0;
	if (!f)
		return error_set(err, "%s: %s", path, strerror(errno));
	while ((c = fgetc(f)) != EOF) {
		char tok[64], label[8];
		size_t tl = 0;

		if (c == '\n') {
			line++;
			continue;
		}
		if (c != '<') {
			if (c < 0x20 || c == 0x7f)
				snprintf(label, sizeof label, "^%c", c ^ 0x40);
			else
				snprintf(label, sizeof label, "%c", c);
			push(ks, &cap, c, 0, 0, label);
			continue;
		}
		while ((c = fgetc(f)) != EOF && c != '>' && c != '\n' && tl + 1 < sizeof tok)
			tok[tl++] = (char)c;
		tok[tl] = 0;
		if (c != '>') {
			fclose(f);
			keys_script_fini(ks);
			return error_set(err, "%s:%d: unterminated <key> (write <lt> for a '<')", path, line);
		}
		if (strncmp(tok, "Resize ", 7) == 0) {
			int cols, rows;
			if (sscanf(tok + 7, "%dx%d", &cols, &rows) != 2 || cols < 1 || rows < 1 ||
			    cols > 1000 || rows > 1000) {
				fclose(f);
				keys_script_fini(ks);
				return error_set(err, "%s:%d: <Resize COLSxROWS> expected", path, line);
			}
			push(ks, &cap, KEY_RESIZE, cols, rows, "<Resize>");
			continue;
		}
		if (strncmp(tok, "Click ", 6) == 0 || strncmp(tok, "DClick ", 7) == 0) {
			int x, y;
			if (sscanf(strchr(tok, ' ') + 1, "%d,%d", &x, &y) != 2 || x < 0 || y < 0) {
				fclose(f);
				keys_script_fini(ks);
				return error_set(err, "%s:%d: <Click X,Y> expected", path, line);
			}
			push(ks, &cap, KEY_MOUSE, x, y, tok[0] == 'D' ? "<DClick>" : "<Click>");
			ks->ev[ks->n - 1].mouse = tok[0] == 'D' ? BUTTON1_DOUBLE_CLICKED : BUTTON1_CLICKED;
			continue;
		}
		if (strcmp(tok, "WheelUp") == 0 || strcmp(tok, "WheelDown") == 0) {
			push(ks, &cap, KEY_MOUSE, 0, 0, tok[5] == 'U' ? "<WheelUp>" : "<WheelDown>");
			ks->ev[ks->n - 1].mouse = tok[5] == 'U' ? BUTTON4_PRESSED : BUTTON5_PRESSED;
			continue;
		}
		if (tl == 3 && tok[0] == 'C' && tok[1] == '-' && isalpha((unsigned char)tok[2])) {
			char lb[8];
			snprintf(lb, sizeof lb, "^%c", toupper((unsigned char)tok[2]));
			push(ks, &cap, toupper((unsigned char)tok[2]) - '@', 0, 0, lb);
			continue;
		}
		{
			size_t i;
			for (i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
				if (strcmp(tok, key_names[i].name) == 0)
					break;
			if (i == sizeof key_names / sizeof key_names[0]) {
				char q[80];
				fclose(f);
				keys_script_fini(ks);
				return error_set(err, "%s:%d: unknown key <%s>", path, line,
						 error_quote(q, sizeof q, tok, tl));
			}
			{
				char lb[24];
				snprintf(lb, sizeof lb, "<%.20s>", tok);
				push(ks, &cap, key_names[i].code, 0, 0, lb);
			}
		}
	}
	fclose(f);
	return 0;
}

void keys_script_fini(struct key_script *ks)
{
	free(ks->ev);
	ks->ev = NULL;
	ks->n = 0;
}
