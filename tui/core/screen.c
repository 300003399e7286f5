#include "tui/core/screen.h"

#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <term.h>
#include <wchar.h>

struct glyph_pair {
	const char *utf8, *ascii;
};

static const struct glyph_pair glyphs[GLYPH_COUNT] = {
	[GLYPH_ELLIPSIS] = { .utf8 = "\xe2\x80\xa6", .ascii = "~" },
	[GLYPH_TREE_OPEN] = { .utf8 = "\xe2\x96\xbe", .ascii = "-" },
	[GLYPH_TREE_CLOSED] = { .utf8 = "\xe2\x96\xb8", .ascii = "+" },
	[GLYPH_TREE_LEAF] = { .utf8 = " ", .ascii = " " },
	[GLYPH_ARROW_RIGHT] = { .utf8 = "\xe2\x86\x92", .ascii = ">" },
	[GLYPH_ARROW_LEFT] = { .utf8 = "\xe2\x86\x90", .ascii = "<" },
	[GLYPH_BULLET] = { .utf8 = "\xe2\x97\x8f", .ascii = "o" },
	[GLYPH_SORT_DESC] = { .utf8 = "\xe2\x96\xbc", .ascii = "v" },
	[GLYPH_SORT_ASC] = { .utf8 = "\xe2\x96\xb2", .ascii = "^" },
};

/* A role in the colour theme: foreground, background (-1 = terminal
 * default) and extra attributes; and its monochrome attributes. */
struct role_style {
	short fg, bg;
	attr_t color_attr;
	attr_t mono_attr;
};

static const struct role_style styles[ROLE_COUNT] = {
	[ROLE_NORMAL] = { .fg = -1, .bg = -1, .color_attr = A_NORMAL, .mono_attr = A_NORMAL },
	[ROLE_TITLE] = { .fg = COLOR_BLACK, .bg = COLOR_CYAN, .color_attr = A_NORMAL, .mono_attr = A_REVERSE },
	[ROLE_TAB] = { .fg = COLOR_BLACK, .bg = COLOR_YELLOW, .color_attr = A_BOLD, .mono_attr = A_BOLD | A_UNDERLINE },
	[ROLE_FOOTER] = { .fg = COLOR_BLACK, .bg = COLOR_WHITE, .color_attr = A_NORMAL, .mono_attr = A_REVERSE },
	[ROLE_FOOTER_KEY] = { .fg = COLOR_BLUE, .bg = COLOR_WHITE, .color_attr = A_BOLD, .mono_attr = A_REVERSE | A_BOLD },
	[ROLE_HEADER] = { .fg = COLOR_YELLOW, .bg = -1, .color_attr = A_BOLD, .mono_attr = A_BOLD | A_UNDERLINE },
	[ROLE_CURSOR] = { .fg = COLOR_BLACK, .bg = COLOR_YELLOW, .color_attr = A_NORMAL, .mono_attr = A_REVERSE },
	[ROLE_DIM] = { .fg = COLOR_BLUE, .bg = -1, .color_attr = A_BOLD, .mono_attr = A_DIM },
	[ROLE_TYPE] = { .fg = COLOR_CYAN, .bg = -1, .color_attr = A_NORMAL, .mono_attr = A_NORMAL },
	[ROLE_NAME] = { .fg = -1, .bg = -1, .color_attr = A_BOLD, .mono_attr = A_BOLD },
	[ROLE_SIZE] = { .fg = COLOR_GREEN, .bg = -1, .color_attr = A_NORMAL, .mono_attr = A_NORMAL },
	[ROLE_BAR] = { .fg = COLOR_MAGENTA, .bg = -1, .color_attr = A_NORMAL, .mono_attr = A_NORMAL },
	[ROLE_GARBAGE] = { .fg = COLOR_RED, .bg = -1, .color_attr = A_BOLD, .mono_attr = A_BOLD },
	[ROLE_LIVE] = { .fg = COLOR_GREEN, .bg = -1, .color_attr = A_BOLD, .mono_attr = A_NORMAL },
	[ROLE_WEAK] = { .fg = COLOR_MAGENTA, .bg = -1, .color_attr = A_NORMAL, .mono_attr = A_DIM },
	[ROLE_ROOT] = { .fg = COLOR_YELLOW, .bg = -1, .color_attr = A_NORMAL, .mono_attr = A_UNDERLINE },
	[ROLE_MATCH] = { .fg = COLOR_BLACK, .bg = COLOR_GREEN, .color_attr = A_NORMAL, .mono_attr = A_STANDOUT },
	[ROLE_ERROR] = { .fg = COLOR_WHITE, .bg = COLOR_RED, .color_attr = A_BOLD, .mono_attr = A_BOLD | A_REVERSE },
};

static struct {
	int active;
	int headless;
	int utf8;
	int color;
	SCREEN *scr;
	FILE *out, *in;
	attr_t attrs[ROLE_COUNT];
} S;

/* ncurses restores the terminal on SIGINT and SIGTERM but not on SIGQUIT
 * (Ctrl-\ in cbreak mode) nor on SIGHUP (the terminal window closed, the
 * ssh connection dropped, tmux's kill-pane), which would leave it in the
 * viewer's modes, in the alternate screen with the cursor hidden: both
 * take SIGTERM's way out (raise() is async-signal-safe). */
static void quit_as_term(int sig)
{
	(void)sig;
	raise(SIGTERM);
}

static void catch_quit(void)
{
	static const int sigs[] = { SIGQUIT, SIGHUP };

	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		struct sigaction sa, old;

		if (sigaction(sigs[i], NULL, &old) != 0 || old.sa_handler != SIG_DFL)
			continue;	/* ignored or handled by whoever started us */
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = quit_as_term;
		sigemptyset(&sa.sa_mask);
		sigaction(sigs[i], &sa, NULL);
	}
}

/* Closes the /dev/null streams of a headless screen. */
static void close_null(void)
{
	if (S.out)
		fclose(S.out);
	if (S.in)
		fclose(S.in);
	S.out = S.in = NULL;
}

static const char *const headless_terms[] = { "xterm-256color", "xterm", "vt100", NULL };

int screen_init(const struct screen_opts *o, char *err, size_t errsize)
{
	const char *cs;

	setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	S.utf8 = !o->ascii && cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
	S.headless = o->headless;
	if (o->headless) {
		S.out = fopen("/dev/null", "w");
		S.in = fopen("/dev/null", "r");
		if (!S.out || !S.in) {
			snprintf(err, errsize, "cannot open /dev/null");
			close_null();
			return -1;
		}
		for (int i = 0; headless_terms[i] && !S.scr; i++)
			S.scr = newterm(headless_terms[i], S.out, S.in);
		if (!S.scr) {
			snprintf(err, errsize, "no terminfo entry for a virtual terminal (xterm, vt100)");
			close_null();
			return -1;
		}
		set_term(S.scr);
		resizeterm(o->rows > 0 ? o->rows : 24, o->cols > 0 ? o->cols : 80);
	} else {
		S.scr = newterm(NULL, stdout, stdin);
		if (!S.scr) {
			const char *t = getenv("TERM");
			snprintf(err, errsize, "cannot use the terminal (TERM=%s)", t ? t : "unset");
			return -1;
		}
		set_term(S.scr);
		{
			/* a terminal that cannot move the cursor (TERM=dumb)
			 * would get a garbled screen: refuse it plainly */
			char cap[] = "cup";
			char *cup = tigetstr(cap);
			if (!cup || cup == (char *)-1) {
				const char *t = getenv("TERM");
				endwin();
				delscreen(S.scr);
				S.scr = NULL;
				snprintf(err, errsize, "the terminal (TERM=%s) cannot move the cursor; "
					 "set TERM to your terminal (e.g. xterm-256color)", t ? t : "unset");
				return -1;
			}
		}
	}
	S.active = 1;
	if (!o->headless)
		catch_quit();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	intrflush(stdscr, FALSE);
	set_escdelay(25);
	curs_set(0);
	leaveok(stdscr, TRUE);
	mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);

	S.color = 0;
	if (o->theme == THEME_COLOR || (o->theme == THEME_AUTO && !getenv("NO_COLOR")))
		S.color = has_colors();
	if (S.color && start_color() == OK) {
		use_default_colors();
		for (int r = 1; r < ROLE_COUNT; r++)
			init_pair((short)r, styles[r].fg, styles[r].bg);
	} else {
		S.color = 0;
	}
	for (int r = 0; r < ROLE_COUNT; r++)
		S.attrs[r] = S.color ? (COLOR_PAIR(r) | styles[r].color_attr) : styles[r].mono_attr;
	return 0;
}

void screen_fini(void)
{
	if (!S.active)
		return;
	S.active = 0;
	endwin();
	if (S.scr) {
		delscreen(S.scr);
		S.scr = NULL;
	}
	close_null();
}

attr_t screen_attr(enum role r)
{
	return S.attrs[r];
}

int screen_utf8(void)
{
	return S.utf8;
}

const char *screen_glyph(enum glyph g)
{
	return S.utf8 ? glyphs[g].utf8 : glyphs[g].ascii;
}

int screen_big_enough(void)
{
	return COLS >= SCREEN_MIN_COLS && LINES >= SCREEN_MIN_ROWS;
}

int screen_headless(void)
{
	return S.headless;
}

static int center(const char *s)
{
	int x = (COLS - (int)strlen(s)) / 2;

	return x > 0 ? x : 0;
}

void screen_draw_too_small(void)
{
	char line[128];
	int y = LINES / 2 - 1;

	werase(stdscr);
	if (y < 0)
		y = 0;
	snprintf(line, sizeof line, "Terminal too small: %dx%d", COLS, LINES);
	mvwaddnstr(stdscr, y, center(line), line, COLS);
	snprintf(line, sizeof line, "heapglass needs %dx%d.", SCREEN_MIN_COLS, SCREEN_MIN_ROWS);
	if (y + 1 < LINES)
		mvwaddnstr(stdscr, y + 1, center(line), line, COLS);
	if (y + 2 < LINES)
		mvwaddnstr(stdscr, y + 2, center("Enlarge the window, or q to quit."),
			   "Enlarge the window, or q to quit.", COLS);
	wnoutrefresh(stdscr);
}

void screen_resize(int cols, int rows)
{
	if (cols < 1)
		cols = 1;
	if (rows < 1)
		rows = 1;
	resizeterm(rows, cols);
}

int screen_dump(FILE *out)
{
	for (int y = 0; y < LINES; y++) {
		char line[4096];
		size_t len = 0, keep = 0;

		for (int x = 0; x < COLS; x++) {
			cchar_t cc;
			wchar_t wch[CCHARW_MAX + 1];
			attr_t a;
			short pair;
			char mb[MB_LEN_MAX * (CCHARW_MAX + 1)];
			size_t n = 0;
			int w;

			if (mvwin_wch(stdscr, y, x, &cc) == ERR)
				break;
			if (getcchar(&cc, wch, &a, &pair, NULL) == ERR)
				continue;
			for (int k = 0; wch[k] && k < CCHARW_MAX; k++) {
				size_t m = wcrtomb(mb + n, wch[k], NULL);
				if (m == (size_t)-1) {
					mb[n] = '?';
					m = 1;
				}
				n += m;
			}
			if (n == 0)
				mb[n++] = ' ';
			if (len + n >= sizeof line)
				break;
			memcpy(line + len, mb, n);
			len += n;
			if (!(n == 1 && mb[0] == ' '))
				keep = len;
			w = wch[0] ? wcwidth(wch[0]) : 1;
			if (w == 2)
				x++;
		}
		fwrite(line, 1, keep, out);
		fputc('\n', out);
	}
	return ferror(out) ? -1 : 0;
}
