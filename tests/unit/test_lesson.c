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
#include "graph/gc/world.h"
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
		rc = lesson_run_new(l, l->gc, lesson_py(l), &r, &err);
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
#define COMMANDS "(commands: title gc python threshold new link weak unlink append root unroot del finalizer " \
		 "collect freeze unfreeze refcount counts tracemalloc say, NAME = OTHER)"

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
	{ "new a\nfinalizer a b\n", "t.lesson:2: finalizer: expected 'finalizer NAME [resurrect]'" },
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
	  "t.lesson:2: link: '\\e' is not an object name " NAME_RULE },
	{ "new a\n\xff\xfe\n", "t.lesson:2: unknown command '\\xff\\xfe' " COMMANDS },
	/* run-time errors name the line too */
	{ "new a\nunlink a.next\n", "t.lesson:2: unlink: 'a' has no field 'next'" },
	{ "new a\nnew b\nweak a.w b\nunlink a.v\n", "t.lesson:4: unlink: 'a' has no field 'v'" },
	{ "gc refcount\nnew a\nunroot a\nroot a\n", "t.lesson:4: root: 'a' was already freed at line 3" },
	{ "new a\nroot a\n", "t.lesson:2: root: 'a' is already held by a variable" },
	{ "gc mark-sweep\nnew a\nunroot a\nunroot a\n",
	  "t.lesson:4: unroot: no variable holds 'a' (it was deleted before)" },
	{ "gc refcount\nnew a\nnew b\nunroot b\nlink a.x b\n",
	  "t.lesson:5: link: 'b' was already freed at line 4" },
	{ "new a\nnew b\nlink a.x b\nunroot a\nlink a.y b\n",
	  "t.lesson:5: link: 'a' was already freed at line 4" },
	{ "gc mark-sweep\nnew a\nunroot a\ncollect\nfinalizer a\n",
	  "t.lesson:5: finalizer: 'gc mark-sweep' runs no finalizers (use 'gc cpython' or 'gc refcount')" },
	{ "gc refcount\nnew a\nunroot a\nfinalizer a\n", "t.lesson:4: finalizer: 'a' was already freed at line 3" },
	/* the newer commands */
	{ "python 2.7\nnew a\n", "t.lesson:1: python: '2.7' is not a version heapglass models (3.8 to 3.14)" },
	{ "new a\npython 3.12\n", "t.lesson:2: python: must come before the first step of the lesson" },
	{ "new a\nA = b\n", "t.lesson:2: =: no object named 'b'" },
	{ "new a\nA = a b\n", "t.lesson:2: =: expected 'NAME = OTHER'" },
	{ "new a\n1A = a\n", "t.lesson:2: =: '1A' is not a variable name (letters, digits and _, not starting with a digit)" },
	{ "new a\nlink a.x B\n", "t.lesson:2: link: no object named 'B'" },
	{ "new a\nA = a\nlink A.x A\nunroot A\nunroot A\n",
	  "t.lesson:5: unroot: no variable holds 'A' (it was deleted before)" },
	{ "new a\nweak a.x a cb extra\n", "t.lesson:2: weak: expected 'weak NAME.FIELD NAME [CALLBACK]'" },
	{ "new a\nweak a.x a 1cb\n", "t.lesson:2: weak: '1cb' is not a callback name (letters, digits and _)" },
	{ "new a\nlink a[x b\n", "t.lesson:2: link: 'a[x' should be NAME[INDEX] or NAME[KEY], as in items[0]" },
	{ "new a\nlink a[-1] a\n", "t.lesson:2: link: '-1' is not a key (letters, digits and _)" },
	{ "new a\nlink a[1x] a\n", "t.lesson:2: link: '1x' is not an index (0, 1, 2, ...)" },
	{ "new a\nappend a\n", "t.lesson:2: append: expected 'append LIST NAME'" },
	{ "gc refcount\nnew a\nfreeze\n", "t.lesson:3: freeze: only 'gc cpython' has gc.freeze()" },
	{ "gc mark-sweep\nnew a\ncounts\n", "t.lesson:3: counts: only 'gc cpython' has generations and counts" },
	{ "gc mark-sweep\nnew a\nrefcount a\n", "t.lesson:3: refcount: a tracing collector keeps no refcounts" },
	{ "new a\nfinalizer None\n", "t.lesson:2: finalizer: 'None' cannot be used here" },
	/* ... and their run-time errors, as Python raises them */
	{ "new items list\nnew a\nlink items[0] a\n",
	  "t.lesson:3: link: items[0]: list index out of range (it has 0 items)" },
	{ "new items list\nnew a\nlink items.x a\n", "t.lesson:3: link: 'items' is a list: use items[INDEX]" },
	{ "new a\nnew b\nlink a[0] b\n", "t.lesson:3: link: 'a' is not a list or a dict: use a.FIELD" },
	{ "new d dict\nunlink d[k]\n", "t.lesson:2: unlink: 'd' has no key 'k'" },
	{ "new d dict\nnew a\nappend d a\n", "t.lesson:3: append: 'd' is not a list" },
	{ "new items list\nnew a\nweak a.x items\n",
	  "t.lesson:3: weak: cannot create weak reference to 'list' object (Python: TypeError)" },
	{ "new items list\nfinalizer items\n",
	  "t.lesson:2: finalizer: 'items' is a list: only instances of classes get a __del__" },
	{ "new a\nunroot a\nA = a\n", "t.lesson:3: =: 'a' was already freed at line 2" },
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
	size_t cap = 14 * (LESSON_MAX_ACTIONS + 2), len = 0;
	char *s = mem_alloc(cap);
	struct lesson *l;
	struct error err;

	(void)state;
	len += (size_t)snprintf(s + len, cap - len, "new a\n");
	for (int i = 1; i <= LESSON_MAX_ACTIONS; i++)
		len += (size_t)snprintf(s + len, cap - len, "say %d\n\n", i);	/* paragraphs */
	assert_int_equal(fmt_lesson_parse("t.lesson", s, len, &l, &err), -1);
	assert_string_equal(err.msg, "t.lesson:2000: too many steps (a lesson has at most 1000)");
	free(s);
}

/* Every step a new variable (`vN = None`): the variables' table is as
 * big as the steps' limit, and the step past it is refused before it
 * binds a name (the fuzzer's stack overflow). */
static void test_too_many_variables(void **state)
{
	size_t cap = 16 * (LESSON_MAX_ACTIONS + 2), len = 0;
	char *s = mem_alloc(cap);
	struct lesson *l;
	struct error err;

	(void)state;
	for (int i = 0; i <= LESSON_MAX_ACTIONS; i++)
		len += (size_t)snprintf(s + len, cap - len, "v%d = None\n", i);
	assert_int_equal(fmt_lesson_parse("t.lesson", s, len, &l, &err), -1);
	assert_string_equal(err.msg, "t.lesson:1001: too many steps (a lesson has at most 1000)");
	free(s);
}

/* A resurrecting __del__ stores its object in the variable named after
 * it, a name the world's own text arena holds: when that store is the one
 * that grows the arena, the name must be copied from where it is now, not
 * from the block realloc() gave back (CI's fuzz run found that
 * use-after-free; ASan and valgrind see it here).  Padding names of every
 * length put the store at each offset of the arena around its growths. */
static void test_resurrect_grows_text(void **state)
{
	char s[2048];

	(void)state;
	for (int k = 0; k <= 12; k++)
		for (int len = 1; len <= 48; len++) {
			struct lesson *l;
			struct lesson_run *r;
			struct error err;
			int n = snprintf(s, sizeof s, "gc cpython\n");
			for (int i = 0; i < k; i++)
				n += snprintf(s + n, sizeof s - (size_t)n, "new q%02d%.*s Node\n", i, 44,
					      "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
			n += snprintf(s + n, sizeof s - (size_t)n, "new p%.*s Node\n", len,
				      "pppppppppppppppppppppppppppppppppppppppppppppppp");
			n += snprintf(s + n, sizeof s - (size_t)n,
				      "new a Node\nlink a.me a\nfinalizer a resurrect\ndel a\ncollect\nrefcount a\n");
			assert_int_equal(fmt_lesson_parse("r.lesson", s, (size_t)n, &l, &err), 0);
			if (lesson_run_new(l, l->gc, lesson_py(l), &r, &err) != 0)
				fail_msg("k %d, len %d: %s", k, len, err.msg);
			lesson_run_free(r);
			lesson_free(l);
		}
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
		"\n"
		"say \"quoted\" # comment\n"
		"# a comment does not end a paragraph\n"
		"say and more\n"
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
	assert_string_equal(lesson_text(l, l->actions[3].target), "a");
	assert_string_equal(lesson_text(l, l->actions[4].text), "plain text # kept, with the hash");
	assert_string_equal(lesson_text(l, l->actions[5].text), "quoted\nand more");
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
static const char *const aliases[] = { "A", "B" };

/* A name for an object: its own, or now and then an alias. */
static uint32_t some_name(struct lesson *l)
{
	if (rnd(6) == 0)
		return lesson_add_text(l, aliases[rnd(2)], 1);
	return l->obj_name[rnd(l->n_objects)];
}

static void random_action(struct lesson *l, struct lesson_action *a)
{
	uint32_t k = rnd(100);

	memset(a, 0, sizeof *a);
	a->gen = -1;
	a->line = l->n_actions + 1;
	if (l->n_objects == 0 || k < 15) {
		static const char *const types[] = { "Node", "Node", "list", "dict" };
		char name[16];
		const char *t = types[rnd(4)];
		snprintf(name, sizeof name, "o%u", (unsigned)l->n_objects);
		a->op = LESSON_NEW;
		a->obj = lesson_add_object(l, name, t, a->line);
		a->text = l->obj_type[a->obj];
		return;
	}
	a->subj = some_name(l);
	a->target = some_name(l);
	a->text = lesson_add_text(l, fields[rnd(3)], 1);
	a->loc = WORLD_LOC_FIELD;
	if (rnd(3) == 0) {
		/* an item: an index of a list, or a key of a dict (the runner
		 * refuses what does not fit) */
		char idx[4] = { (char)('0' + rnd(3)), 0 };
		a->loc = rnd(2) ? WORLD_LOC_INDEX : WORLD_LOC_KEY;
		a->text = lesson_add_text(l, a->loc == WORLD_LOC_INDEX ? idx : fields[rnd(3)], 1);
	}
	if (k < 40)
		a->op = LESSON_LINK;
	else if (k < 47) {
		a->op = LESSON_WEAK;
		if (rnd(2))
			a->cb = lesson_add_text(l, "cb", 2);
	} else if (k < 57)
		a->op = LESSON_UNLINK;
	else if (k < 62)
		a->op = LESSON_APPEND;
	else if (k < 66)
		a->op = LESSON_ASSIGN;
	else if (k < 70)
		a->op = LESSON_ROOT;
	else if (k < 83)
		a->op = LESSON_UNROOT;
	else if (k < 87 && l->gc != LESSON_GC_MARKSWEEP)
		a->op = LESSON_FINALIZER;
	else if (k < 89 && l->gc != LESSON_GC_MARKSWEEP)
		a->op = LESSON_REFCOUNT;
	else if (l->gc != LESSON_GC_REFCOUNT) {
		a->op = LESSON_COLLECT;
		if (l->gc == LESSON_GC_CPYTHON)
			a->gen = (int)rnd(4) - 1;
	} else {
		a->op = LESSON_UNROOT;
	}
	if (a->op == LESSON_ASSIGN)
		a->subj = lesson_add_text(l, aliases[rnd(2)], 1);
}

/* Builds a random valid lesson: an action the runner refuses is dropped. */
static struct lesson *random_lesson(enum lesson_gc gc, int steps)
{
	struct lesson *l = lesson_new("r.lesson");
	struct lesson_run *r;
	struct error err;

	l->gc = gc;
	l->py = (int)rnd(WORLD_PYS);
	if (gc == LESSON_GC_CPYTHON && rnd(2)) {
		for (int i = 0; i < 3; i++)
			l->threshold[i] = rnd(4);
		l->has_threshold = 1;
	}
	for (int i = 0; i < steps; i++) {
		struct lesson_action a;
		random_action(l, &a);
		lesson_add_action(l, &a);
		if (lesson_run_new(l, l->gc, lesson_py(l), &r, &err) == 0) {
			lesson_run_free(r);
		} else {
			l->n_actions--;
			if (a.op == LESSON_NEW)
				l->n_objects--;
		}
	}
	return l;
}

/* Whether node v of the run is alive (made, not freed). */
static int alive(const struct stepper *s, uint32_t v)
{
	return !(s->flags[v] & (STEPPER_F_UNBORN | STEPPER_F_FREED));
}

/* The state at the end of step i, against brute force: every refcount is
 * the references to it; under reference counting alone the live objects
 * are those a variable or a cycle reaches; after a full collection (or a
 * mark-and-sweep) those a variable reaches. */
static void check_step(struct lesson_run *r, uint32_t i)
{
	const struct heap *h = r->heap;
	struct stepper *s = r->st;
	const struct lesson_action *a = &r->lesson->actions[r->steps[i].action];
	uint32_t n = h->n_nodes;
	int64_t *refs = mem_calloc(n + 1, sizeof *refs);
	uint8_t *keep = mem_calloc(n + 1, 1);
	int changed = 1;

	stepper_seek(s, r->steps[i].first + r->steps[i].n);
	for (uint32_t v = 0; v < n; v++)
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++)
			if (s->edge_on[e] && alive(s, v) && heap_out_kind(h, e) != HEAP_EDGE_WEAK)
				refs[h->out_to[e]]++;
	if (r->gc != LESSON_GC_MARKSWEEP)
		for (uint32_t v = 0; v < n; v++) {
			if (!alive(s, v) || v == r->ns || (h->flags[v] & HEAP_F_UNTRACKED))
				continue;	/* the namespace and the constants are held from outside */
			assert_int_equal(s->refcount[v], refs[v]);
			assert_true(refs[v] > 0);
			assert_int_equal(s->deal[v], 0);
		}
	/* no live reference from or to a freed object */
	for (uint32_t v = 0; v < n; v++)
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++)
			if (s->edge_on[e] && heap_out_kind(h, e) != HEAP_EDGE_WEAK && alive(s, v))
				assert_true(alive(s, h->out_to[e]));
	/* what the variables reach, and (reference counting) what cycles reach */
	keep[r->ns] = 1;
	if (r->gc == LESSON_GC_REFCOUNT) {
		uint32_t *comp = mem_calloc(n + 1, sizeof *comp), *size = mem_calloc(n + 1, sizeof *size), nc;
		struct error err;
		assert_int_equal(scc_compute(h, comp, &nc, NULL, &err), 0);
		/* scc over the union heap would join past references: use a
		 * fixpoint on the live references instead */
		for (uint32_t v = 0; v < n; v++) {
			uint8_t *seen = mem_calloc(n + 1, 1);
			uint32_t *st = mem_alloc((n + 1) * sizeof *st), sp = 0;
			if (!alive(s, v)) {
				free(seen);
				free(st);
				continue;
			}
			st[sp++] = v;
			while (sp && !keep[v]) {
				uint32_t u = st[--sp];
				for (uint32_t e = h->out_off[u]; e < h->out_off[u + 1]; e++) {
					uint32_t t = h->out_to[e];
					if (!s->edge_on[e] || heap_out_kind(h, e) == HEAP_EDGE_WEAK || !alive(s, t))
						continue;
					if (t == v)
						keep[v] = 1;	/* v is on a cycle */
					else if (!seen[t]) {
						seen[t] = 1;
						st[sp++] = t;
					}
				}
			}
			free(seen);
			free(st);
		}
		free(comp);
		free(size);
	}
	while (changed) {
		changed = 0;
		for (uint32_t v = 0; v < n; v++) {
			if (!keep[v])
				continue;
			for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++)
				if (s->edge_on[e] && heap_out_kind(h, e) != HEAP_EDGE_WEAK && !keep[h->out_to[e]] &&
				    alive(s, h->out_to[e])) {
					keep[h->out_to[e]] = 1;
					changed = 1;
				}
		}
	}
	if (r->gc == LESSON_GC_REFCOUNT ||
	    (a->op == LESSON_COLLECT && (r->gc == LESSON_GC_MARKSWEEP || a->gen < 0 || a->gen == 2)))
		for (uint32_t v = 0; v < n; v++)
			if (!(h->flags[v] & HEAP_F_UNTRACKED) || r->gc == LESSON_GC_MARKSWEEP)
				assert_int_equal(alive(s, v), keep[v]);
	free(refs);
	free(keep);
}

static int resurrects(const struct lesson *l)
{
	for (uint32_t i = 0; i < l->n_actions; i++)
		if (l->actions[i].op == LESSON_FINALIZER && l->actions[i].gen)
			return 1;
	return 0;
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

		if (lesson_run_new(l, l->gc, lesson_py(l), &r, &err) != 0)
			fail_msg("%s", err.msg);
		assert_int_equal(r->n_steps, l->n_actions);
		if (!resurrects(l))
			for (uint32_t i = 0; i < r->n_steps; i++)
				check_step(r, i);
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
		x = (x ^ (uint64_t)s->refcount[v] ^ ((uint64_t)s->gc_refs[v] << 32) ^
		     ((uint64_t)s->order[v] << 48) ^ ((uint64_t)s->deal[v] << 40)) * 1099511628211ull;
	for (uint32_t e = 0; e < s->n_edges; e++)
		x = (x ^ s->edge_on[e]) * 1099511628211ull;
	for (int g = 0; g < STEPPER_GENS; g++)
		x = (x ^ (uint64_t)s->gen_count[g]) * 1099511628211ull;
	return (x ^ s->qhead ^ ((uint64_t)s->qtail << 32) ^ s->phase) * 1099511628211ull;
}

/* The timeline: one position per step start and per shown event; the same
 * state at every position going forwards and backwards; a line for each. */
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

		assert_int_equal(lesson_run_new(l, l->gc, lesson_py(l), &r, &err), 0);
		for (uint32_t i = 0; i < r->n_steps; i++) {
			want++;
			for (size_t k = r->steps[i].first; k < r->steps[i].first + r->steps[i].n; k++)
				want += lesson_event_shown(r, i, &r->st->ev[k]);
		}
		len = lesson_run_length(r);
		assert_int_equal(len, want);
		fwd = mem_calloc(len + 1, sizeof *fwd);
		for (size_t t = 0; t < len; t++) {
			uint32_t i = lesson_run_seek(r, t, &ev);
			assert_int_equal(r->st->pos, r->steps[i].first + ev);
			assert_true(ev <= r->steps[i].n);
			if (t == lesson_run_step_start(r, i))
				assert_int_equal(ev, 0);
			fwd[t] = state_hash(r->st) ^ ((uint64_t)i << 48);
			lesson_run_narration(r, t, line, sizeof line);
			assert_true(line[0] != '\0');
		}
		for (size_t t = len; t-- > 0;) {
			uint32_t i = lesson_run_seek(r, t, &ev);
			assert_int_equal(state_hash(r->st) ^ ((uint64_t)i << 48), fwd[t]);
		}
		/* the start of the first step is the first action; past the end clamps */
		lesson_run_narration(r, 0, line, sizeof line);
		if (l->actions[0].op != LESSON_SAY)
			assert_int_equal(strncmp(line, "[line 1] ", 9), 0);
		assert_int_equal(lesson_run_seek(r, len + 5, &ev), r->n_steps - 1);
		assert_int_equal(ev, r->steps[r->n_steps - 1].n);
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
	struct CMUnitTest tests[N_BAD + 10];
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
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_too_many_variables);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_resurrect_grows_text);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_missing_file);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_good_script);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_teardown(test_random_lessons, oracle_teardown);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test_teardown(test_timeline, oracle_teardown);
	return _cmocka_run_group_tests("lesson", tests, n, NULL, NULL);
}
