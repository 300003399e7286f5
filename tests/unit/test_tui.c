/* Unit tests of the viewer's pure parts: the virtualised list's movement,
 * the key-script parser, and the one text-drawing function (on a headless
 * virtual screen, read back cell by cell). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <wchar.h>
#include <locale.h>
#include <cmocka.h>

#include "tui/core/draw.h"
#include "tui/core/keys.h"
#include "tui/core/list.h"
#include "tui/core/screen.h"

static void test_list_move(void **state)
{
	struct list l = { .rows = 10 };

	(void)state;
	list_set_count(&l, 100);
	assert_true(list_move(&l, ACT_DOWN));
	assert_int_equal(l.cur, 1);
	list_move(&l, ACT_PGDN);
	assert_int_equal(l.cur, 10);	/* a page is rows - 1 */
	assert_true(l.cur >= l.top && l.cur < l.top + 10);
	list_move(&l, ACT_END);
	assert_int_equal(l.cur, 99);
	assert_int_equal(l.top, 90);
	list_move(&l, ACT_DOWN);
	assert_int_equal(l.cur, 99);
	list_move(&l, ACT_HOME);
	assert_int_equal(l.cur, 0);
	assert_int_equal(l.top, 0);
	list_move(&l, ACT_UP);
	assert_int_equal(l.cur, 0);
	list_set_cursor(&l, 50);	/* off screen: centred */
	assert_int_equal(l.top, 45);
	list_set_count(&l, 20);		/* shrinking clamps cursor and top */
	assert_int_equal(l.cur, 19);
	assert_int_equal(l.top, 10);
	list_set_count(&l, 0);
	assert_true(list_move(&l, ACT_DOWN));
	assert_int_equal(l.cur, 0);
	assert_false(list_move(&l, ACT_SEARCH));
}

static void test_key_script(void **state)
{
	char path[] = "/tmp/hgkeysXXXXXX";
	int fd = mkstemp(path);
	struct key_script ks;
	struct error err;
	static const char text[] = "ab<Enter>\n<Resize 100x30><C-u><lt><PgDn>";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof text - 1), (int)(sizeof text - 1));
	close(fd);
	assert_int_equal(keys_script_load(path, &ks, &err), 0);
	assert_int_equal(ks.n, 7);
	assert_int_equal(ks.ev[0].code, 'a');
	assert_int_equal(ks.ev[1].code, 'b');
	assert_int_equal(ks.ev[2].code, '\r');
	assert_int_equal(ks.ev[3].code, KEY_RESIZE);
	assert_int_equal(ks.ev[3].cols, 100);
	assert_int_equal(ks.ev[3].rows, 30);
	assert_int_equal(ks.ev[4].code, 21);
	assert_int_equal(ks.ev[5].code, '<');
	assert_int_equal(ks.ev[6].code, KEY_NPAGE);
	assert_int_equal(keymap_action(&keys_viewer, 1, ks.ev[6].code), ACT_PGDN);
	keys_script_fini(&ks);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "x\ny<Bogus>", 10), 10);
	close(fd);
	assert_int_equal(keys_script_load(path, &ks, &err), -1);
	assert_non_null(strstr(err.msg, ":2: unknown key <Bogus>"));
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "<Enter", 6), 6);
	close(fd);
	assert_int_equal(keys_script_load(path, &ks, &err), -1);
	assert_non_null(strstr(err.msg, "unterminated"));
	unlink(path);
}

/* Reads row y of the virtual screen back as UTF-8, trailing blanks cut. */
static void row_text(int y, char *out, size_t size)
{
	size_t o = 0, keep = 0;

	for (int x = 0; x < COLS; x++) {
		cchar_t cc;
		wchar_t wch[CCHARW_MAX + 1];
		attr_t a;
		short pair;
		char mb[16];
		size_t n;

		mvwin_wch(stdscr, y, x, &cc);
		getcchar(&cc, wch, &a, &pair, NULL);
		n = wcrtomb(mb, wch[0], NULL);
		if (o + n + 1 >= size)
			break;
		memcpy(out + o, mb, n);
		o += n;
		if (wch[0] != L' ')
			keep = o;
		if (wcwidth(wch[0]) == 2)
			x++;
	}
	out[keep] = 0;
}

static int setup_screen(void **state)
{
	struct screen_opts o = { .theme = THEME_MONO, .headless = 1, .cols = 80, .rows = 24 };
	char err[256];

	(void)state;
	setenv("LC_ALL", "C.UTF-8", 1);
	if (screen_init(&o, err, sizeof err) != 0)
		return -1;
	return 0;
}

static int teardown_screen(void **state)
{
	(void)state;
	screen_fini();
	return 0;
}

static void test_draw_text(void **state)
{
	char row[1024];
	static const char cjk[] = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe5\x90\x8d\xe5\x89\x8d"; /* 12 columns */
	static const char hostile[] = "\x1b]0;title\x07\x1b[2J\xe2\x80\xae!";

	(void)state;
	if (!screen_utf8())
		skip();
	werase(stdscr);
	/* wide characters: cut at a character boundary, ellipsis fits */
	assert_int_equal(draw_text(stdscr, 0, 0, 10, cjk, strlen(cjk), A_NORMAL), 9);
	row_text(0, row, sizeof row);
	assert_string_equal(row, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe2\x80\xa6");
	assert_int_equal(draw_text(stdscr, 1, 0, 12, cjk, strlen(cjk), A_NORMAL), 12);
	assert_int_equal(draw_text(stdscr, 2, 0, 11, cjk, strlen(cjk), A_NORMAL), 11);
	/* 11 columns: 5 characters (10) + ellipsis */
	row_text(2, row, sizeof row);
	assert_int_equal(strlen(row), 5 * 3 + 3);
	/* control characters and bidi overrides become visible escapes */
	assert_int_equal(draw_text(stdscr, 3, 0, 80, hostile, strlen(hostile), A_NORMAL),
			 (int)strlen("\\e]0;title\\x07\\e[2J\\u{202E}!"));
	row_text(3, row, sizeof row);
	assert_string_equal(row, "\\e]0;title\\x07\\e[2J\\u{202E}!");
	/* NUL inside a name is shown, not a terminator */
	assert_int_equal(draw_text(stdscr, 4, 0, 80, "a\0b", 3, A_NORMAL), 6);
	row_text(4, row, sizeof row);
	assert_string_equal(row, "a\\x00b");
	/* never more than width columns, never a stray byte past it */
	draw_fill(stdscr, 5, 0, 80, A_NORMAL);
	assert_int_equal(draw_text(stdscr, 5, 0, 1, "abc", 3, A_NORMAL), 1);
	row_text(5, row, sizeof row);
	assert_string_equal(row, "\xe2\x80\xa6");
	assert_int_equal(draw_text(stdscr, 6, 0, 0, "abc", 3, A_NORMAL), 0);
	/* a combining mark with nothing before it is escaped */
	assert_int_equal(draw_text(stdscr, 7, 0, 80, "\xcc\x81x", 3, A_NORMAL), 9);
	row_text(7, row, sizeof row);
	assert_string_equal(row, "\\u{0301}x");
}

static void noop_row(void *ctx, uint32_t i, WINDOW *w, int y, int cols, int sel)
{
	(void)ctx, (void)i, (void)w, (void)y, (void)cols, (void)sel;
}

/* A cursor set before the list was ever drawn (page height unknown) must
 * not scroll the first rows away: regression for a types view that hid
 * its largest type. */
static void test_list_first_draw(void **state)
{
	struct list l = { 0 };

	(void)state;
	list_set_count(&l, 142);
	list_set_cursor(&l, 1);
	list_draw(&l, stdscr, 0, 20, 80, noop_row, NULL);
	assert_int_equal(l.top, 0);
	assert_int_equal(l.cur, 1);
	memset(&l, 0, sizeof l);
	list_set_count(&l, 142);
	list_set_cursor(&l, 100);
	list_draw(&l, stdscr, 0, 20, 80, noop_row, NULL);
	assert_int_equal(l.top, 90);	/* far away: centred */
}

static void test_bar_and_counts(void **state)
{
	char b[32], row[1024];

	(void)state;
	assert_string_equal(draw_count(b, sizeof b, 5000000), "5,000,000");
	assert_string_equal(draw_count(b, sizeof b, 999), "999");
	assert_string_equal(draw_count(b, sizeof b, 1000), "1,000");
	if (!screen_utf8())
		skip();
	werase(stdscr);
	draw_bar(stdscr, 0, 0, 10, 0.5, A_NORMAL);
	row_text(0, row, sizeof row);
	assert_string_equal(row, "\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88\xe2\x96\x88");
	draw_bar(stdscr, 1, 0, 10, 2.0, A_NORMAL);	/* clamped */
	row_text(1, row, sizeof row);
	assert_int_equal(strlen(row), 30);
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_list_move),
		cmocka_unit_test(test_key_script),
	};
	const struct CMUnitTest screen[] = {
		cmocka_unit_test(test_draw_text),
		cmocka_unit_test(test_bar_and_counts),
		cmocka_unit_test(test_list_first_draw),
	};
	int rc = cmocka_run_group_tests(pure, NULL, NULL);

	return rc | cmocka_run_group_tests(screen, setup_screen, teardown_screen);
}
