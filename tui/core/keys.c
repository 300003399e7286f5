#include "tui/core/keys.h"

#include <ctype.h>
#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include "tui/core/draw.h"
#include "tui/core/screen.h"

/* In the order of enum action, which is the order of help and footer. */
static const struct keymap_entry viewer_entries[] = {
	{ .act = ACT_UP, .codes = { 'k', KEY_UP }, .keys = "k Up", .help = "move up", .global = 1 },
	{ .act = ACT_DOWN, .codes = { 'j', KEY_DOWN }, .keys = "j Down", .help = "move down", .global = 1 },
	{ .act = ACT_PGUP, .codes = { KEY_PPAGE, KEYS_CTRL_B }, .keys = "PgUp C-b", .help = "page up", .global = 1 },
	{ .act = ACT_PGDN, .codes = { KEY_NPAGE, KEYS_CTRL_F, ' ' }, .keys = "PgDn C-f Space", .help = "page down",
	  .global = 1 },
	{ .act = ACT_HOME, .codes = { KEY_HOME, 'g' }, .keys = "Home g", .help = "first row", .global = 1 },
	{ .act = ACT_END, .codes = { KEY_END, 'G' }, .keys = "End G", .help = "last row", .global = 1 },
	{ .act = ACT_ENTER, .codes = { '\r', '\n', KEY_ENTER }, .keys = "Enter", .footer = "Open", .footer_key = "Enter",
	  .help = "follow: open the selected object, type, cycle or generation" },
	{ .act = ACT_RIGHT, .codes = { 'l', KEY_RIGHT }, .keys = "l Right", .help = "follow (tree: expand)" },
	{ .act = ACT_LEFT, .codes = { 'h', KEY_LEFT }, .keys = "h Left",
	  .help = "back (tree: collapse, then go to the parent)" },
	{ .act = ACT_BACK, .codes = { KEY_BACKSPACE, KEYS_DEL, KEYS_CTRL_H, '[' }, .keys = "Backspace [",
	  .footer = "Back", .footer_key = "BS", .help = "back in history", .global = 1 },
	{ .act = ACT_FORWARD, .codes = { ']' }, .keys = "]", .help = "forward in history", .global = 1 },
	{ .act = ACT_INSPECT, .codes = { 'i' }, .keys = "i", .footer = "Inspect", .footer_key = "i",
	  .help = "inspect the selected object", .global = 1 },
	{ .act = ACT_VIEW_OVERVIEW, .codes = { '1', 'o' }, .keys = "1 o",
	  .help = "overview: totals, reachability, largest retainers", .global = 1 },
	{ .act = ACT_VIEW_TYPES, .codes = { '2', 't' }, .keys = "2 t",
	  .help = "types: count, shallow and retained size per type", .global = 1 },
	{ .act = ACT_VIEW_CYCLES, .codes = { '3', 'c' }, .keys = "3 c",
	  .help = "cycles of the program's objects, grouped into patterns", .global = 1 },
	{ .act = ACT_VIEW_DOMTREE, .codes = { '4', 'd' }, .keys = "4 d", .help = "dominator tree with retained sizes",
	  .global = 1 },
	{ .act = ACT_VIEW_GENS, .codes = { '5', 'y' }, .keys = "5 y",
	  .help = "generations and cross-generation references", .global = 1 },
	{ .act = ACT_VIEW_OBJECT, .codes = { '6' }, .keys = "6", .help = "object inspector on the current object",
	  .global = 1 },
	{ .act = ACT_GARBAGE, .codes = { 'u' }, .keys = "u",
	  .help = "unreachable objects (garbage), largest retained first", .global = 1 },
	{ .act = ACT_HELP, .codes = { '?', KEY_F(1) }, .keys = "? F1", .footer = "Help", .footer_key = "?",
	  .help = "this help", .global = 1 },
	{ .act = ACT_SORT, .codes = { 's' }, .keys = "s", .footer = "Sort", .footer_key = "s",
	  .help = "sort by the next column" },
	{ .act = ACT_REVERSE, .codes = { 'r' }, .keys = "r", .help = "reverse the sort order" },
	{ .act = ACT_EXPAND_ALL, .codes = { '*' }, .keys = "*",
	  .help = "expand the selected subtree (largest first, up to 1000 rows)" },
	{ .act = ACT_COLLAPSE_ALL, .codes = { '-' }, .keys = "-", .help = "collapse everything" },
	{ .act = ACT_CROSS, .codes = { 'x' }, .keys = "x", .footer = "Cross", .footer_key = "x",
	  .help = "objects referenced from an older generation" },
	{ .act = ACT_RAW, .codes = { 'R' }, .keys = "R", .footer = "Raw", .footer_key = "R",
	  .help = "cycles: the raw graph's (every retaining reference) or the program's" },
	{ .act = ACT_FILTER, .codes = { 'f' }, .keys = "f", .footer = "New only", .footer_key = "f",
	  .help = "comparison: new objects only, or every object of a type" },
	{ .act = ACT_SECTION, .codes = { '\t' }, .keys = "Tab", .footer = "Section", .footer_key = "Tab",
	  .help = "jump to the next section (inspector, comparison)" },
	{ .act = ACT_SECTION_BACK, .codes = { KEY_BTAB }, .keys = "S-Tab", .help = "jump to the previous section" },
	{ .act = ACT_SEARCH, .codes = { '/' }, .keys = "/", .footer = "Search", .footer_key = "/",
	  .help = "search this list by type, name or id (incremental)", .global = 1 },
	{ .act = ACT_NEXT, .codes = { 'n' }, .keys = "n", .help = "next match", .global = 1 },
	{ .act = ACT_PREV, .codes = { 'N' }, .keys = "N", .help = "previous match", .global = 1 },
	{ .act = ACT_EXPORT, .codes = { 'e' }, .keys = "e", .footer = "Export", .footer_key = "e",
	  .help = "export the current cycle or object (Graphviz)", .global = 1 },
	{ .act = ACT_ANIMATE, .codes = { 'a' }, .keys = "a",
	  .help = "animate a collector on the current cycle, the current object's "
		  "neighbours, or (overview) the whole heap", .global = 1 },
	{ .act = ACT_REDRAW, .codes = { KEYS_CTRL_L }, .keys = "C-l", .help = "redraw the screen", .global = 1 },
	{ .act = ACT_QUIT, .codes = { 'q' }, .keys = "q", .footer = "Quit", .footer_key = "q", .help = "quit",
	  .global = 1 },
};

const struct keymap keys_viewer = {
	.entries = viewer_entries,
	.n = sizeof viewer_entries / sizeof viewer_entries[0],
};

enum action keymap_action(const struct keymap *km, int is_key, int key)
{
	/* a curses key code and a wide character may share a number */
	if (is_key != (key >= KEY_MIN) || (!is_key && key > 0x7f))
		return ACT_NONE;
	for (size_t i = 0; i < km->n; i++)
		for (int k = 0; k < KEYMAP_CODES && km->entries[i].codes[k]; k++)
			if (km->entries[i].codes[k] == key)
				return km->entries[i].act;
	return ACT_NONE;
}

const struct keymap_entry *keymap_entry(const struct keymap *km, enum action act)
{
	for (size_t i = 0; i < km->n; i++)
		if (km->entries[i].act == act)
			return &km->entries[i];
	return NULL;
}

/* One entry's "key label" pair at column x; -1 when it does not fit. */
static int footer_item(int y, int x, int cols, const struct keymap_entry *e)
{
	const char *key = !screen_utf8() && e->footer_key_ascii ? e->footer_key_ascii : e->footer_key;
	const char *label = e->footer;
	int kw = draw_width(key, strlen(key)), lw = draw_width(label, strlen(label));

	if (x + kw + lw + 3 > cols)
		return -1;
	x += draw_str(stdscr, y, x, kw, key, screen_attr(ROLE_FOOTER_KEY));
	x += draw_str(stdscr, y, x, 1, " ", screen_attr(ROLE_FOOTER));
	x += draw_str(stdscr, y, x, lw + 2, label, screen_attr(ROLE_FOOTER));
	x += draw_str(stdscr, y, x, 2, "  ", screen_attr(ROLE_FOOTER));
	return x;
}

void keymap_draw_footer(const struct keymap *km, const enum action *first, int y, int cols)
{
	int x = 1;

	draw_fill(stdscr, y, 0, cols, screen_attr(ROLE_FOOTER));
	for (int i = 0; first && first[i] != ACT_NONE && x >= 0; i++) {
		const struct keymap_entry *e = keymap_entry(km, first[i]);
		if (e && e->footer)
			x = footer_item(y, x, cols, e);
	}
	for (size_t i = 0; i < km->n && x >= 0; i++)
		if (km->entries[i].global && km->entries[i].footer)
			x = footer_item(y, x, cols, &km->entries[i]);
}

struct key_name {
	const char *name;
	int code;
};

static const struct key_name key_names[] = {
	{ .name = "Enter", .code = '\r' }, { .name = "Esc", .code = KEYS_ESC }, { .name = "Tab", .code = '\t' },
	{ .name = "BS", .code = KEY_BACKSPACE }, { .name = "Up", .code = KEY_UP },
	{ .name = "Down", .code = KEY_DOWN }, { .name = "Left", .code = KEY_LEFT },
	{ .name = "Right", .code = KEY_RIGHT }, { .name = "PgUp", .code = KEY_PPAGE },
	{ .name = "PgDn", .code = KEY_NPAGE }, { .name = "Home", .code = KEY_HOME },
	{ .name = "End", .code = KEY_END }, { .name = "F1", .code = KEY_F(1) },
	{ .name = "BTab", .code = KEY_BTAB },
	{ .name = "lt", .code = '<' }, { .name = "Space", .code = ' ' },
	{ .name = "Tick", .code = KEYS_TICK }, { .name = "Dump", .code = KEYS_DUMP },
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
