/* Lessons: every parser and runner error is its own test with the exact
 * message; good scripts parse as written; and random lessons, played
 * through the runner, free exactly what the engine (reach, scc, cpygc)
 * says at every step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/oracle.h"

#include "graph/cpygc.h"
#include "graph/gc/lesson.h"
#include "graph/core/mem.h"
#include "graph/core/text.h"
#include "graph/reach.h"
#include "graph/scc.h"
#include "graph/gc/stepper.h"
#include "loaders/fmt_lesson.h"

struct bad {
	const char *script;
	const char *msg;
};

/* One bad script and its one-line message (parse or run). */
static void check_bad(void **state)
{
	const struct bad *b = *state;
	struct lesson *l = NULL;
	struct lesson_run *r = NULL;
	struct error err = { { 0 } };
	char shown[ERROR_MSG_MAX * 4];
	int rc = fmt_lesson_parse("t.lesson", b->script, strlen(b->script), &l, &err);

	if (rc == 0) {
		rc = lesson_run_new(l, &r, &err);
		lesson_free(l);
		assert_int_equal(rc, -1);
	}
	/* the message as it is shown: escaped as a whole where it is printed
	 * (it holds the script's bytes as they are) */
	text_escape(shown, sizeof shown, err.msg, strlen(err.msg), 0);
	assert_null(strchr(shown, '\n'));
	if (strcmp(shown, b->msg) != 0)
		fail_msg("script %s\n got: %s\nwant: %s", b->script, shown, b->msg);
}

#define NAME_RULE "(letters, digits and _, not starting with a digit)"
#define COMMANDS "(commands: title gc threshold new link weak unlink root unroot finalizer collect say)"

static const struct bad bad_cases[] = {
	{ "lnk a.b c\n", "t.lesson:1: unknown command 'lnk' " COMMANDS },
	{ "new a Node\nlink a.next c\n", "t.lesson:2: link: no object named 'c'" },
	{ "new a\nweak c.next a\n", "t.lesson:2: weak: no object named 'c'" },
	{ "new a\nnew a\n", "t.lesson:2: new: 'a' already exists (line 1); give the new object another name" },
	{ "new 1a\n", "t.lesson:1: new: '1a' is not an object name " NAME_RULE },
	{ "new a-b\n", "t.lesson:1: new: 'a-b' is not an object name " NAME_RULE },
	{ "new a No-de\n", "t.lesson:1: new: 'No-de' is not a type name" },
	{ "new a Node extra\n", "t.lesson:1: new: expected 'new NAME [TYPE]'" },
	{ "new\n", "t.lesson:1: new: expected 'new NAME [TYPE]'" },
	{ "new a\nlink a a\n", "t.lesson:2: link: 'a' should be OBJECT.FIELD, as in a.next" },
	{ "new a\nlink a. a\n", "t.lesson:2: link: '' is not a field name (letters, digits and _)" },
	{ "new a\nlink a.b.c a\n", "t.lesson:2: link: 'b.c' is not a field name (letters, digits and _)" },
	{ "new a\nlink a.next\n", "t.lesson:2: link: expected 'link NAME.FIELD NAME'" },
	{ "new a\nunlink a.x a\n", "t.lesson:2: unlink: expected 'unlink NAME.FIELD'" },
	{ "new a\nunroot\n", "t.lesson:2: unroot: expected 'unroot NAME'" },
	{ "new a\nfinalizer a b\n", "t.lesson:2: finalizer: expected 'finalizer NAME'" },
	{ "new a\ncollect 3\n", "t.lesson:2: collect: the generation is 0, 1 or 2, not '3'" },
	{ "new a\ncollect 0 1\n", "t.lesson:2: collect: expected 'collect [GEN]'" },
	{ "gc refcount\nnew a\ncollect\n",
	  "t.lesson:3: collect: 'gc refcount' has no collector to run (use 'gc cpython' or 'gc mark-sweep')" },
	{ "gc mark-sweep\nnew a\ncollect 0\n",
	  "t.lesson:3: collect: mark-and-sweep has no generations: write 'collect' alone" },
	{ "gc java\n", "t.lesson:1: gc: unknown collector 'java' (cpython, refcount or mark-sweep)" },
	{ "gc\n", "t.lesson:1: gc: expected 'gc cpython|refcount|mark-sweep'" },
	{ "gc refcount\ngc cpython\n", "t.lesson:2: gc: given twice (first at line 1)" },
	{ "new a\ngc refcount\n", "t.lesson:2: gc: must come before the first step of the lesson" },
	{ "say hi\ntitle T\n", "t.lesson:2: title: must come before the first step of the lesson" },
	{ "threshold 1 2\n", "t.lesson:1: threshold: expected 'threshold GEN0 GEN1 GEN2'" },
	{ "threshold 1 x 2\n", "t.lesson:1: threshold: 'x' is not a count from 0 to 1000000" },
	{ "threshold -1 1 1\n", "t.lesson:1: threshold: '-1' is not a count from 0 to 1000000" },
	{ "threshold 1 1 99999999999999999999\n",
	  "t.lesson:1: threshold: '99999999999999999999' is not a count from 0 to 1000000" },
	{ "gc refcount\nthreshold 1 1 1\nnew a\n",
	  "t.lesson:2: threshold: only 'gc cpython' has generations and thresholds" },
	{ "title A\ntitle B\n", "t.lesson:2: title: given twice (first at line 1)" },
	{ "title\n", "t.lesson:1: title: needs some text" },
	{ "say \"unterminated\n", "t.lesson:1: say: the opening \" has no closing \"" },
	{ "say \"x\" y\n", "t.lesson:1: say: text after the closing \"" },
	{ "say\n", "t.lesson:1: say: needs some text" },
	{ "say \"\"\n", "t.lesson:1: say: needs some text" },
	{ "# only comments\n\n   \n", "t.lesson: the lesson has no steps (new, link, say, collect, ...)" },
	{ "", "t.lesson: the lesson has no steps (new, link, say, collect, ...)" },
	{ "title Only a title\ngc cpython\n", "t.lesson: the lesson has no steps (new, link, say, collect, ...)" },
	{ "new a\nlink \x1b[31m.x a\n",
	  "t.lesson:2: link: '\\e[31m' is not an object name " NAME_RULE },
	{ "new a\n\xff\xfe\n", "t.lesson:2: unknown command '\\xff\\xfe' " COMMANDS },
	/* run-time errors name the line too */
	{ "new a\nunlink a.next\n", "t.lesson:2: unlink: 'a' has no field 'next'" },
	{ "new a\nnew b\nweak a.w b\nunlink a.v\n", "t.lesson:4: unlink: 'a' has no field 'v'" },
	{ "gc refcount\nnew a\nunroot a\nroot a\n", "t.lesson:4: root: 'a' was already freed at line 3" },
	{ "new a\nroot a\n", "t.lesson:2: root: 'a' is already held by a variable" },
	{ "gc mark-sweep\nnew a\nunroot a\nunroot a\n",
	  "t.lesson:4: unroot: no variable holds 'a' (it was unrooted before)" },
	{ "gc refcount\nnew a\nnew b\nunroot b\nlink a.x b\n",
	  "t.lesson:5: link: 'b' was already freed at line 4" },
	{ "new a\nnew b\nlink a.x b\nunroot a\nlink a.y b\n",
	  "t.lesson:5: link: 'a' was already freed at line 4" },
	{ "gc mark-sweep\nnew a\nunroot a\ncollect\nfinalizer a\n",
	  "t.lesson:5: finalizer: 'a' was already freed at line 4" },
	{ "new a\nnew b\nlink a.n b\nlink b.n a\nunroot a\nunroot b\ncollect 0\nunlink a.n\n",
	  "t.lesson:8: unlink: 'a' was already freed at line 7" },
};

static void test_nul_byte(void **state)
{
	static const char s[] = "new a\nnew b\0\nsay x\n";
	struct lesson *l;
	struct error err;

	(void)state;
	assert_int_equal(fmt_lesson_parse("t.lesson", s, sizeof s - 1, &l, &err), -1);
	assert_string_equal(err.msg, "t.lesson:2: a NUL byte: this is not a text file");
}

static void test_long_line(void **state)
{
	char *s = mem_alloc(FMT_LESSON_MAX_LINE + 20);
	struct lesson *l;
	struct error err;

	(void)state;
	memcpy(s, "new a\nsay ", 10);
	memset(s + 10, 'x', FMT_LESSON_MAX_LINE);
	s[FMT_LESSON_MAX_LINE + 10] = '\n';
	assert_int_equal(fmt_lesson_parse("t.lesson", s, FMT_LESSON_MAX_LINE + 11, &l, &err), -1);
	assert_string_equal(err.msg, "t.lesson:2: line longer than 1000 bytes");
	free(s);
}

static void test_too_many_objects(void **state)
{
	size_t cap = 20 * (LESSON_MAX_OBJECTS + 2), len = 0;
	char *s = mem_alloc(cap);
	struct lesson *l;
	struct error err;

	(void)state;
	for (int i = 0; i <= LESSON_MAX_OBJECTS; i++)
		len += (size_t)snprintf(s + len, cap - len, "new o%d\n", i);
	assert_int_equal(fmt_lesson_parse("t.lesson", s, len, &l, &err), -1);
	assert_string_equal(err.msg, "t.lesson:101: new: too many objects (a lesson has at most 100)");
	free(s);
}

static void test_too_many_steps(void **state)
{
	size_t cap = 12 * (LESSON_MAX_ACTIONS + 2), len = 0;
	char *s = mem_alloc(cap);
	struct lesson *l;
	struct error err;

	(void)state;
	len += (size_t)snprintf(s + len, cap - len, "new a\n");
	for (int i = 1; i <= LESSON_MAX_ACTIONS; i++)
		len += (size_t)snprintf(s + len, cap - len, "say %d\n", i);
	assert_int_equal(fmt_lesson_parse("t.lesson", s, len, &l, &err), -1);
	assert_string_equal(err.msg, "t.lesson:1001: too many steps (a lesson has at most 1000)");
	free(s);
}

static void test_missing_file(void **state)
{
	struct lesson *l;
	struct error err;

	(void)state;
	assert_int_equal(fmt_lesson_load("/nonexistent/x.lesson", &l, &err), -1);
	assert_string_equal(err.msg, "/nonexistent/x.lesson: No such file or directory");
	assert_int_equal(fmt_lesson_load("/", &l, &err), -1);
	assert_string_equal(err.msg, "/: not a regular file");
}

/* What good scripts mean: comments, quotes, CRLF, tabs, defaults. */
static void test_good_script(void **state)
{
	static const char s[] =
		"# a comment\r\n"
		"title \"Quoted # title\"   # and a comment\r\n"
		"gc cpython\n"
		"threshold 5 3 2\n"
		"\tnew a   Node   # a = Node()\n"
		"new b\n"
		"link a.next b\n"
		"weak b.back a\n"
		"say plain text # kept, with the hash\n"
		"say \"quoted\" # comment\n"
		"unlink a.next\n"
		"collect\n"
		"collect 1\n";
	struct lesson *l;
	struct error err;

	(void)state;
	assert_int_equal(fmt_lesson_parse("g.lesson", s, sizeof s - 1, &l, &err), 0);
	assert_string_equal(lesson_text(l, l->title), "Quoted # title");
	assert_int_equal(l->gc, LESSON_GC_CPYTHON);
	assert_int_equal(l->threshold[0], 5);
	assert_int_equal(l->threshold[2], 2);
	assert_int_equal(l->n_objects, 2);
	assert_string_equal(lesson_text(l, l->obj_type[0]), "Node");
	assert_string_equal(lesson_text(l, l->obj_type[1]), "object");
	assert_int_equal(l->n_actions, 9);
	assert_int_equal(l->actions[0].op, LESSON_NEW);
	assert_int_equal(l->actions[0].line, 5);
	assert_int_equal(l->actions[2].op, LESSON_LINK);
	assert_string_equal(lesson_text(l, l->actions[2].text), "next");
	assert_int_equal(l->actions[3].op, LESSON_WEAK);
	assert_int_equal(l->actions[3].target, 0);
	assert_string_equal(lesson_text(l, l->actions[4].text), "plain text # kept, with the hash");
	assert_string_equal(lesson_text(l, l->actions[5].text), "quoted");
	assert_int_equal(l->actions[7].gen, -1);
	assert_int_equal(l->actions[8].gen, 1);
	lesson_free(l);
}

/* ---- random lessons against the engine ---- */

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 2685821657736338717ull) >> 33) % n;
}

static const char *const fields[] = { "a", "b", "c" };

static void random_action(struct lesson *l, struct lesson_action *a)
{
	uint32_t k = rnd(100);

	memset(a, 0, sizeof *a);
	a->gen = -1;
	a->line = l->n_actions + 1;
	if (l->n_objects == 0 || k < 15) {
		char name[16];
		snprintf(name, sizeof name, "o%u", (unsigned)l->n_objects);
		a->op = LESSON_NEW;
		a->obj = lesson_add_object(l, name, "Node", a->line);
		a->text = l->obj_type[a->obj];
		return;
	}
	a->obj = rnd(l->n_objects);
	a->target = rnd(l->n_objects);
	a->text = lesson_add_text(l, fields[rnd(3)], 1);
	if (k < 45)
		a->op = LESSON_LINK;
	else if (k < 52)
		a->op = LESSON_WEAK;
	else if (k < 64)
		a->op = LESSON_UNLINK;
	else if (k < 70)
		a->op = LESSON_ROOT;
	else if (k < 84)
		a->op = LESSON_UNROOT;
	else if (k < 88)
		a->op = LESSON_FINALIZER;
	else if (l->gc != LESSON_GC_REFCOUNT) {
		a->op = LESSON_COLLECT;
		if (l->gc == LESSON_GC_CPYTHON)
			a->gen = (int)rnd(4) - 1;
	} else {
		a->op = LESSON_UNROOT;
	}
}

/* Builds a random valid lesson: an action the runner refuses is dropped. */
static struct lesson *random_lesson(enum lesson_gc gc, int steps)
{
	struct lesson *l = lesson_new("r.lesson");
	struct lesson_run *r;
	struct error err;

	l->gc = gc;
	if (gc == LESSON_GC_CPYTHON && rnd(2))
		for (int i = 0; i < 3; i++)
			l->threshold[i] = rnd(4);
	for (int i = 0; i < steps; i++) {
		struct lesson_action a;
		random_action(l, &a);
		lesson_add_action(l, &a);
		if (lesson_run_new(l, &r, &err) == 0) {
			lesson_run_free(r);
		} else {
			l->n_actions--;
			if (a.op == LESSON_NEW)
				l->n_objects--;
		}
	}
	return l;
}

static void check_step(const struct lesson *l, const struct lesson_step *step)
{
	const struct heap *h = step->heap;
	const struct stepper *s = step->st;
	uint32_t n = h->n_nodes;
	uint8_t *seeds = mem_calloc(n + 1, 1);
	uint32_t *dist = mem_calloc(n + 1, sizeof *dist);
	uint32_t *comp = mem_calloc(n + 1, sizeof *comp), *size = mem_calloc(n + 1, sizeof *size), nc;
	int64_t *rc = mem_calloc(n + 1, sizeof *rc);
	struct error err;
	int collected = s->kind_count[STEPPER_COLLECT] || s->kind_count[STEPPER_SWEEP] ||
			(l->gc == LESSON_GC_MARKSWEEP && s->kind_count[STEPPER_PHASE]);

	/* RC modes: every survivor's refcount is its variable plus the
	 * strong references from survivors, and is above 0. */
	if (l->gc != LESSON_GC_MARKSWEEP) {
		for (uint32_t v = 0; v < n; v++) {
			if (s->flags[v] & STEPPER_F_FREED)
				continue;
			rc[v] += (h->flags[v] & HEAP_F_ROOT) != 0;
			for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++)
				if (reach_retains(h, v, e))
					rc[h->out_to[e]]++;
		}
		for (uint32_t v = 0; v < n; v++)
			if (!(s->flags[v] & STEPPER_F_FREED)) {
				assert_int_equal(s->refcount[v], rc[v]);
				assert_true(rc[v] > 0);
			}
	}

	if (l->gc == LESSON_GC_MARKSWEEP || (collected && l->gc == LESSON_GC_CPYTHON)) {
		for (uint32_t v = 0; v < n; v++)
			seeds[v] = (h->flags[v] & HEAP_F_ROOT) != 0;
	} else {
		/* reference counting: freed = what no variable and no cycle reaches */
		assert_int_equal(scc_compute(h, comp, &nc, NULL, &err), 0);
		for (uint32_t v = 0; v < n; v++)
			size[comp[v]]++;
		for (uint32_t v = 0; v < n; v++) {
			seeds[v] = (h->flags[v] & HEAP_F_ROOT) || size[comp[v]] > 1;
			for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++)
				if (h->out_to[e] == v && reach_retains(h, v, e))
					seeds[v] = 1;
		}
	}
	assert_int_equal(reach_distances(h, seeds, dist, NULL, &err), 0);
	if (l->gc == LESSON_GC_MARKSWEEP && !collected) {
		for (uint32_t v = 0; v < n; v++)
			assert_false(s->flags[v] & STEPPER_F_FREED);
	} else if (l->gc == LESSON_GC_CPYTHON && collected) {
		/* a collection: the unreachable set is the engine's gc.collect(g) */
		for (size_t i = 0; i < stepper_len(s); i++)
			if (s->ev[i].kind == STEPPER_COLLECT) {
				struct cpygc_result r = { 0 };
				if (n == 0)
					break;	/* nothing to collect: not a "dump" for cpygc */
				if (cpygc_collect(h, (int)s->ev[i].node, &r, NULL, &err) != 0)
					fail_msg("%s", err.msg);
				assert_int_equal(r.n_unreachable, s->kind_count[STEPPER_UNREACHABLE]);
				for (uint32_t k = 0; k < r.n_unreachable; k++)
					assert_true(s->flags[r.unreachable[k]] & STEPPER_F_UNREACHABLE);
				/* after a full collection only what the roots reach is left */
				if (s->ev[i].node == 2)
					for (uint32_t v = 0; v < n; v++)
						assert_int_equal(!!(s->flags[v] & STEPPER_F_FREED),
								 dist[v] == REACH_UNREACHABLE);
				cpygc_result_fini(&r);
			}
	} else {
		for (uint32_t v = 0; v < n; v++)
			assert_int_equal(!!(s->flags[v] & STEPPER_F_FREED), dist[v] == REACH_UNREACHABLE);
	}
	free(seeds);
	free(dist);
	free(comp);
	free(size);
	free(rc);
}

static void test_random_lessons(void **state)
{
	(void)state;
	for (int round = 0; round < 300; round++) {
		oracle_round(__func__, round, rng);
		enum lesson_gc gc = (enum lesson_gc)(round % 3);
		struct lesson *l = random_lesson(gc, 5 + (int)rnd(30));
		struct lesson_run *r;
		struct error err;

		if (lesson_run_new(l, &r, &err) != 0)
			fail_msg("%s", err.msg);
		assert_int_equal(r->n_steps, l->n_actions);
		for (uint32_t i = 0; i < r->n_steps; i++)
			check_step(l, &r->steps[i]);
		lesson_run_free(r);
		lesson_free(l);
	}
	oracle_rounds_done();
}

/* A hash of a stepper's whole state. */
static uint64_t state_hash(const struct stepper *s)
{
	uint64_t x = 1469598103934665603ull;
	const uint8_t *cols[] = { s->colour, s->flags, s->gen };

	for (int c = 0; c < 3; c++)
		for (uint32_t v = 0; v < s->n; v++)
			x = (x ^ cols[c][v]) * 1099511628211ull;
	for (uint32_t v = 0; v < s->n; v++)
		x = (x ^ (uint64_t)s->refcount[v] ^ ((uint64_t)s->gc_refs[v] << 32)) * 1099511628211ull;
	for (int g = 0; g < STEPPER_GENS; g++)
		x = (x ^ (uint64_t)s->gen_count[g]) * 1099511628211ull;
	return (x ^ s->qhead ^ ((uint64_t)s->qtail << 32)) * 1099511628211ull;
}

/* The timeline: one position per step start and per event; the same state
 * at every position going forwards and backwards; a line for each. */
static void test_timeline(void **state)
{
	(void)state;
	for (int round = 0; round < 60; round++) {
		oracle_round(__func__, round, rng);
		struct lesson *l = random_lesson((enum lesson_gc)(round % 3), 5 + (int)rnd(25));
		struct lesson_run *r;
		struct error err;
		size_t len, want = 0, ev;
		uint64_t *fwd;
		char line[600];

		assert_int_equal(lesson_run_new(l, &r, &err), 0);
		for (uint32_t i = 0; i < r->n_steps; i++)
			want += 1 + stepper_len(r->steps[i].st);
		len = lesson_run_length(r);
		assert_int_equal(len, want);
		fwd = mem_calloc(len + 1, sizeof *fwd);
		for (size_t t = 0; t < len; t++) {
			uint32_t i = lesson_run_seek(r, t, &ev);
			assert_int_equal(r->steps[i].st->pos, ev);
			fwd[t] = state_hash(r->steps[i].st) ^ ((uint64_t)i << 48);
			lesson_run_narration(r, t, line, sizeof line);
			assert_true(line[0] != '\0');
		}
		for (size_t t = len; t-- > 0;) {
			uint32_t i = lesson_run_seek(r, t, &ev);
			assert_int_equal(state_hash(r->steps[i].st) ^ ((uint64_t)i << 48), fwd[t]);
		}
		/* the start of the first step is the first action; past the end clamps */
		lesson_run_narration(r, 0, line, sizeof line);
		if (l->actions[0].op != LESSON_SAY)
			assert_int_equal(strncmp(line, "[line 1] ", 9), 0);
		assert_int_equal(lesson_run_seek(r, len + 5, &ev), r->n_steps - 1);
		assert_int_equal(ev, stepper_len(r->steps[r->n_steps - 1].st));
		free(fwd);
		lesson_run_free(r);
		lesson_free(l);
	}
	oracle_rounds_done();
}

int main(void)
{
	enum { N_BAD = sizeof bad_cases / sizeof bad_cases[0] };
	static char names[N_BAD][16];
	struct CMUnitTest tests[N_BAD + 9];
	size_t n = 0;

	for (size_t i = 0; i < N_BAD; i++) {
		snprintf(names[i], sizeof names[i], "bad_%02zu", i + 1);
		tests[n++] = (struct CMUnitTest){ .name = names[i], .test_func = check_bad,
						  .initial_state = (void *)&bad_cases[i] };
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_nul_byte);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_long_line);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_too_many_objects);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_too_many_steps);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_missing_file);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_good_script);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_teardown(test_random_lessons, oracle_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_teardown(test_timeline, oracle_teardown);
	return _cmocka_run_group_tests("lesson", tests, n, NULL, NULL);
}
