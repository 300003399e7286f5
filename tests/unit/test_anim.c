/* The GC animation's pure parts: the canvas (lines into cells, blocked
 * labels, arrowheads, splines), the fit of a layout into a terminal area
 * (checked against a brute-force overlap test on random layouts), the
 * incremental colour counters (against a full count after every move), and
 * the animation object on a lesson and on a heap part (lengths, seeking,
 * switching algorithms). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/oracle.h"

#include "graph/heap.h"
#include "graph/gc/lesson.h"
#include "graph/gc/world.h"
#include "graph/gc/stepper.h"
#include "loaders/fmt_lesson.h"
#include "tui/anim/anim.h"
#include "tui/anim/animfit.h"
#include "tui/anim/canvas.h"

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 2685821657736338717ull) >> 33) % n;
}

/* ---- canvas ---- */

static void test_canvas_horizontal(void **state)
{
	struct canvas c;
	char buf[8];

	(void)state;
	canvas_init(&c, 5, 2);
	/* the top dot row of cells 1..3 (dots x 2..7, y 0) */
	canvas_line(&c, 2, 0, 7, 0, 3, 0);
	assert_int_equal(canvas_cell(&c, 0, 0, 1, buf), 0);
	for (int x = 1; x <= 3; x++) {
		assert_int_equal(canvas_cell(&c, x, 0, 1, buf), 3);
		assert_string_equal(buf, "\xe2\xa0\x89");	/* U+2809: dots 1 and 4 */
		assert_int_equal(canvas_cell(&c, x, 0, 0, buf), 3);
		assert_string_equal(buf, "-");
	}
	assert_int_equal(canvas_cell(&c, 4, 0, 1, buf), 0);
	assert_int_equal(canvas_cell(&c, 1, 1, 1, buf), 0);
	canvas_clear(&c);
	assert_int_equal(canvas_cell(&c, 2, 0, 1, buf), 0);
	canvas_fini(&c);
}

static void test_canvas_directions(void **state)
{
	struct canvas c;
	char buf[8];

	(void)state;
	canvas_init(&c, 10, 10);
	canvas_line(&c, 1, 0, 1, 39, 1, 0);	/* vertical in column 0 */
	assert_int_equal(canvas_cell(&c, 0, 5, 0, buf), 1);
	assert_string_equal(buf, "|");
	canvas_clear(&c);
	canvas_line(&c, 0, 0, 19, 39, 1, 0);	/* down-right, one cell per cell */
	assert_int_equal(canvas_cell(&c, 5, 5, 0, buf), 1);
	assert_string_equal(buf, "\\");
	canvas_clear(&c);
	canvas_line(&c, 19, 0, 0, 39, 1, 0);	/* down-left */
	assert_int_equal(canvas_cell(&c, 4, 5, 0, buf), 1);
	assert_string_equal(buf, "/");
	canvas_fini(&c);
}

static void test_canvas_block_and_arrow(void **state)
{
	struct canvas c;
	char buf[8];
	/* from the top of column 2 straight down into a label on row 5 */
	double path[] = { 5, 0, 5, 22 };
	double tip[] = { 5, 22 };

	(void)state;
	canvas_init(&c, 8, 8);
	canvas_block(&c, 1, 5, 3);
	assert_true(canvas_blocked(&c, 2, 5));
	assert_false(canvas_blocked(&c, 4, 5));
	assert_false(canvas_blocked(&c, -1, 5));
	canvas_path(&c, path, 2, 2, 0, tip);
	/* the label is never drawn over */
	assert_int_equal(canvas_cell(&c, 2, 5, 1, buf), 0);
	/* the arrow sits just above it, pointing down */
	assert_int_equal(canvas_cell(&c, 2, 4, 1, buf), 2);
	assert_string_equal(buf, "\xe2\x96\xbc");
	assert_int_equal(canvas_cell(&c, 2, 4, 0, buf), 2);
	assert_string_equal(buf, "v");
	assert_int_equal(canvas_cell(&c, 2, 3, 0, buf), 2);
	assert_string_equal(buf, "|");
	/* sideways into a label on the same row */
	canvas_clear(&c);
	canvas_block(&c, 6, 1, 2);
	{
		double p2[] = { 0, 6, 14, 6 }, t2[] = { 13, 6 };
		canvas_path(&c, p2, 2, 1, 0, t2);
	}
	assert_int_equal(canvas_cell(&c, 5, 1, 0, buf), 1);
	assert_string_equal(buf, ">");
	canvas_fini(&c);
}

static void test_canvas_clip_and_weak(void **state)
{
	struct canvas c;
	char buf[8];
	int n = 0;

	(void)state;
	canvas_init(&c, 4, 4);
	canvas_line(&c, -100, -100, 1000, 1000, 1, 0);	/* clipped, no crash */
	canvas_line(&c, NAN, 0, 3, 3, 1, 0);		/* ignored */
	canvas_line(&c, 0, 0, 1e12, 0, 1, 0);		/* too long: ignored */
	canvas_clear(&c);
	/* a dotted line has about half the dots of a solid one */
	canvas_line(&c, 0, 1, 7, 1, 1, 1);
	for (int x = 0; x < 4; x++) {
		canvas_cell(&c, x, 0, 1, buf);
		if (buf[0])
			n += __builtin_popcount((unsigned)((unsigned char)buf[2] & 0x3f) |
						(((unsigned char)buf[1] & 3u) << 6));
	}
	assert_int_equal(n, 4);
	/* and in ASCII it is dotted too: '.' across, ':' down, where a solid
	 * line is '-' and '|' */
	for (int x = 0; x < 4; x++)
		if (canvas_cell(&c, x, 0, 0, buf))
			assert_string_equal(buf, ".");
	canvas_clear(&c);
	canvas_line(&c, 1, 0, 1, 15, 1, 1);
	assert_int_equal(canvas_cell(&c, 0, 1, 0, buf), 1);
	assert_string_equal(buf, ":");
	canvas_clear(&c);
	canvas_line(&c, 1, 0, 1, 15, 1, 0);
	assert_int_equal(canvas_cell(&c, 0, 1, 0, buf), 1);
	assert_string_equal(buf, "|");
	canvas_fini(&c);
	canvas_init(&c, 0, 0);	/* empty canvases are fine */
	canvas_line(&c, 0, 0, 5, 5, 1, 0);
	assert_int_equal(canvas_cell(&c, 0, 0, 1, buf), 0);
	canvas_fini(&c);
}

static void test_canvas_bezier(void **state)
{
	/* a straight "spline": samples lie on the line, end points exact */
	double pts[] = { 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6 };
	double out[64];
	size_t m;

	(void)state;
	m = canvas_bezier(pts, 7, 4, out, 32);
	assert_int_equal(m, 1 + 2 * 4);
	for (size_t i = 0; i < m; i++)
		assert_true(fabs(out[2 * i] - out[2 * i + 1]) < 1e-9);
	assert_true(fabs(out[0]) < 1e-9 && fabs(out[2 * (m - 1)] - 6) < 1e-9);
	for (size_t i = 1; i < m; i++)
		assert_true(out[2 * i] > out[2 * i - 2]);
	/* room for 3 points only */
	assert_int_equal(canvas_bezier(pts, 7, 4, out, 3), 3);
	/* fewer than 4 points are copied */
	assert_int_equal(canvas_bezier(pts, 2, 4, out, 32), 2);
	assert_true(out[2] == 1 && out[3] == 1);
}

/* ---- fit ---- */

/* Brute force: every label inside the area, none touching another on its
 * row, none overlapping one on the row above or below. */
static int placed_ok(const struct animfit_cell *c, uint32_t n, int w, int h)
{
	for (uint32_t i = 0; i < n; i++) {
		if (c[i].row < 0 || c[i].row >= h || c[i].col < 0 || c[i].col + c[i].w > w || c[i].w < 1)
			return 0;
		for (uint32_t j = 0; j < i; j++) {
			if (c[i].row == c[j].row && c[i].col <= c[j].col + c[j].w &&
			    c[j].col <= c[i].col + c[i].w)
				return 0;
			if (abs(c[i].row - c[j].row) == 1 && c[i].col < c[j].col + c[j].w &&
			    c[j].col < c[i].col + c[i].w)
				return 0;
		}
	}
	return 1;
}

static void test_fit_small(void **state)
{
	/* a above, b and c below (points, y up), as dot puts them */
	double x[] = { 100, 50, 150 }, y[] = { 200, 100, 100 };
	int want[] = { 5, 7, 7 };
	struct animfit_cell c[3];
	struct animfit_map m;
	uint32_t tmp[3];

	(void)state;
	assert_int_equal(animfit_place(x, y, want, 3, 60, 20, 3, c, &m, tmp), 0);
	assert_true(placed_ok(c, 3, 60, 20));
	assert_true(c[0].row < c[1].row);
	assert_int_equal(c[1].row, c[2].row);
	assert_true(c[1].col < c[0].col && c[0].col < c[2].col);
	assert_int_equal(c[1].w, 7);
	/* at most ANIMFIT_COLS_PER_INCH columns per inch: 100 pt apart */
	assert_true(c[2].col - c[1].col <= (int)(100.0 * ANIMFIT_COLS_PER_INCH / 72.0) + 1);
	/* centred: as much room on the left as on the right (within a cell) */
	assert_true(abs(c[1].col - (60 - (c[2].col + c[2].w))) <= 1);
	/* too narrow for two labels side by side, even cut to 3 */
	assert_int_equal(animfit_place(x, y, want, 3, 6, 20, 3, c, &m, tmp), -1);
	/* cutting labels makes them fit */
	assert_int_equal(animfit_place(x, y, want, 3, 12, 20, 3, c, &m, tmp), 0);
	assert_true(placed_ok(c, 3, 12, 20));
	assert_true(c[1].w < 7);
	/* one node, and the empty graph */
	assert_int_equal(animfit_place(x, y, want, 1, 20, 5, 3, c, &m, tmp), 0);
	assert_true(placed_ok(c, 1, 20, 5));
	assert_int_equal(animfit_place(x, y, want, 0, 20, 5, 3, c, &m, tmp), 0);
	assert_int_equal(animfit_place(x, y, want, 1, 0, 5, 3, c, &m, tmp), -1);
	/* a point that is not drawn (want 0) takes no room: far to the left
	 * and below, it moves nothing */
	{
		double gx[] = { 100, 50, 150, -900 }, gy[] = { 200, 100, 100, -500 };
		int gwant[] = { 5, 7, 7, 0 };
		struct animfit_cell g[4], plain[3];
		uint32_t gtmp[4];
		assert_int_equal(animfit_place(x, y, want, 3, 60, 20, 3, plain, &m, tmp), 0);
		assert_int_equal(animfit_place(gx, gy, gwant, 4, 60, 20, 3, g, &m, gtmp), 0);
		for (int i = 0; i < 3; i++) {
			assert_int_equal(g[i].row, plain[i].row);
			assert_int_equal(g[i].col, plain[i].col);
			assert_int_equal(g[i].w, plain[i].w);
		}
		assert_int_equal(g[3].w, 0);
		/* a point with no label that must lie inside (-1): the area
		 * stretches to it, so the labels keep their order but move off
		 * the left edge, and it gets no cell */
		gwant[3] = -1;
		gx[3] = -50;
		assert_int_equal(animfit_place(gx, gy, gwant, 4, 60, 20, 3, g, &m, gtmp), 0);
		assert_int_equal(g[3].w, 0);
		assert_true(g[1].col > plain[1].col);
		assert_true(g[1].col < g[0].col && g[0].col < g[2].col);
		{
			double pc, pr;
			animfit_point(&m, gx[3], gy[3], &pc, &pr);
			assert_true(pc >= 0 && pc < 60 && pr >= 0 && pr < 20);
		}
	}
}

static void test_fit_random(void **state)
{
	enum { N = 40 };
	double x[N], y[N];
	int want[N];
	struct animfit_cell c[N];
	struct animfit_map m;
	uint32_t tmp[N];
	int fits = 0, fails = 0;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		oracle_round(__func__, round, rng_state);
		uint32_t n = 1 + rnd(N);
		int w = 1 + (int)rnd(200), h = 1 + (int)rnd(60);
		for (uint32_t i = 0; i < n; i++) {
			x[i] = rnd(2000) / 3.0;
			y[i] = (double)(rnd(8) * 70);
			want[i] = 1 + (int)rnd(18);
		}
		if (animfit_place(x, y, want, n, w, h, 4, c, &m, tmp) == 0) {
			fits++;
			assert_true(placed_ok(c, n, w, h));
			for (uint32_t i = 0; i < n; i++) {
				double col, row;
				assert_true(c[i].w <= want[i]);
				assert_true(c[i].w >= (want[i] < 4 ? want[i] : 4));
				/* the label is on its node's row, around its column */
				animfit_point(&m, x[i], y[i], &col, &row);
				assert_int_equal(c[i].row, (int)floor(row) < h ? (int)floor(row) : h - 1);
				assert_true(col >= c[i].col - 1 && col <= c[i].col + c[i].w + 1);
			}
		} else {
			fails++;
		}
	}
	oracle_rounds_done();
	/* both outcomes happen, so both paths are exercised */
	assert_true(fits > 100 && fails > 100);
}

/* ---- counters ---- */

static struct heap *random_heap(uint32_t n)
{
	struct heap_builder *b = heap_builder_new();
	struct error err;
	struct heap *h;
	heap_str_t t = heap_builder_intern_cstr(b, "T");

	for (uint32_t v = 0; v < n; v++) {
		struct heap_node_rec r = { .id = v + 1, .type = t, .size = 8, .generation = (uint8_t)rnd(3),
					   .flags = HEAP_F_HAS_REFCOUNT, .refcount = 1 + rnd(3) };
		assert_int_not_equal(heap_builder_add_node(b, &r, &err), HEAP_NONE);
	}
	assert_int_equal(heap_builder_index(b, NULL, NULL), 0);
	for (uint32_t e = 0; e < 2 * n; e++)
		assert_int_equal(heap_builder_add_edge(b, rnd(n), rnd(n), rnd(5) == 0 ? HEAP_EDGE_WEAK : HEAP_EDGE_STRONG,
						       0, &err), 0);
	for (uint32_t r = 0; r < 1 + n / 5; r++)
		assert_int_equal(heap_builder_add_root(b, rnd(n), t, &err), 0);
	h = heap_builder_freeze(b, &err);
	assert_non_null(h);
	heap_builder_free(b);
	return h;
}

static void test_counts_follow_steps(void **state)
{
	(void)state;
	for (int round = 0; round < 200; round++) {
		oracle_round(__func__, round, rng_state);
		struct heap *h = random_heap(2 + rnd(20)), *part;
		struct world *w = world_from_heap(h, NULL, 0, (round & 1) ? WORLD_MARKSWEEP : WORLD_CPYTHON,
						  (enum world_py)rnd(WORLD_PYS));
		struct stepper *s;
		struct anim_counts c, full;
		struct error err;
		int64_t ret;

		world_collect(w, (int)rnd(3), &ret);
		assert_int_equal(world_finish(w, &part, &s, &err), 0);
		stepper_seek(s, 0);
		anim_counts_init(&c, s);
		for (int k = 0; k < 300; k++) {
			int dir = rnd(3) == 0 ? -1 : 1;
			int moved = anim_counts_step(&c, s, dir) == 0;
			anim_counts_init(&full, s);
			assert_memory_equal(&c, &full, sizeof c);
			if (!moved)
				assert_true(dir > 0 ? s->pos == stepper_len(s) : s->pos == 0);
		}
		stepper_free(s);
		heap_free(part);
		heap_free(h);
	}
	oracle_rounds_done();
}

/* ---- the animation object ---- */

static const char script[] =
	"title t\n"
	"new a Node\nnew b Node\nnew c Node\n"
	"link a.next b\nlink b.prev a\nlink a.data c\nweak c.w a\n"
	"unroot a\nunroot b\n"
	"say now collect\n"
	"collect\n";

static void test_anim_lesson(void **state)
{
	struct lesson *l;
	struct lesson_run *r;
	struct anim *an;
	struct error err;
	size_t shown = 0;

	(void)state;
	assert_int_equal(fmt_lesson_parse("t.lesson", script, sizeof script - 1, &l, &err), 0);
	assert_int_equal(lesson_run_new(l, l->gc, lesson_py(l), &r, &err), 0);
	/* the positions --script prints: each action, then its events except
	 * the allocation counters (default thresholds, no collection) */
	for (uint32_t i = 0; i < r->n_steps; i++) {
		int collects = 0;
		shown++;
		for (size_t e = r->steps[i].first; e < r->steps[i].first + r->steps[i].n; e++)
			collects |= r->st->ev[e].kind == STEPPER_COLLECT;
		for (size_t e = r->steps[i].first; e < r->steps[i].first + r->steps[i].n; e++)
			shown += !(r->st->ev[e].kind == STEPPER_COUNT && !collects);
	}
	assert_int_equal(lesson_run_length(r), shown);
	an = anim_new_lesson(l, &err);
	assert_non_null(an);
	assert_int_equal(anim_length(an), shown);
	anim_seek(an, (size_t)-1);
	assert_int_equal(anim_position(an), shown - 1);
	anim_seek(an, 3);
	assert_int_equal(anim_position(an), 3);
	assert_int_equal(anim_set_algo(an, ANIM_MARKSWEEP, &err), 0);
	assert_int_equal(anim_position(an), 0);
	/* reference counting alone has no collect, as the parser says */
	assert_int_equal(anim_set_algo(an, ANIM_REFCOUNT, &err), -1);
	assert_non_null(strstr(err.msg, "collect (line 12)"));
	assert_int_equal(anim_set_algo(an, ANIM_GENS, &err), -1);
	assert_non_null(strstr(err.msg, "generations"));
	assert_int_equal(anim_set_algo(an, ANIM_CPYTHON, &err), 0);
	assert_int_equal(anim_length(an), shown);
	anim_free(an);
	lesson_run_free(r);
	lesson_free(l);
	/* without collect, reference counting runs: the cycle stays */
	{
		static const char s2[] = "new a Node\nnew b Node\nlink a.x b\nlink b.y a\nunroot a\nunroot b\n";
		assert_int_equal(fmt_lesson_parse("t2.lesson", s2, sizeof s2 - 1, &l, &err), 0);
		an = anim_new_lesson(l, &err);
		assert_non_null(an);
		assert_int_equal(anim_set_algo(an, ANIM_REFCOUNT, &err), 0);
		assert_int_equal(anim_set_algo(an, ANIM_MARKSWEEP, &err), 0);
		anim_free(an);
		lesson_free(l);
	}
}

static void test_anim_heap(void **state)
{
	struct heap *h = random_heap(30);
	struct error err;
	heap_node_t part[] = { 1, 2, 3, 5, 8 };
	struct anim *an;

	(void)state;
	an = anim_new_heap(h, part, 5, "part", &err);
	assert_non_null(an);
	for (int a = 0; a < ANIM_ALGOS; a++) {
		assert_int_equal(anim_set_algo(an, (enum anim_algo)a, &err), 0);
		assert_true(anim_length(an) >= 1);
		anim_seek(an, anim_length(an) - 1);
		anim_seek(an, 0);
		assert_int_equal(anim_position(an), 0);
	}
	anim_free(an);
	an = anim_new_heap(h, NULL, 0, "whole", &err);
	assert_non_null(an);
	anim_free(an);
	/* a node out of range is an error, not a crash */
	part[0] = 999;
	assert_null(anim_new_heap(h, part, 5, "bad", &err));
	heap_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canvas_horizontal),
		cmocka_unit_test(test_canvas_directions),
		cmocka_unit_test(test_canvas_block_and_arrow),
		cmocka_unit_test(test_canvas_clip_and_weak),
		cmocka_unit_test(test_canvas_bezier),
		cmocka_unit_test(test_fit_small),
		cmocka_unit_test_teardown(test_fit_random, oracle_teardown),
		cmocka_unit_test_teardown(test_counts_follow_steps, oracle_teardown),
		cmocka_unit_test(test_anim_lesson),
		cmocka_unit_test(test_anim_heap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
