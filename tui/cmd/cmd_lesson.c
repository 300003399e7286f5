/* heapglass lesson [NAME|FILE] [--script] [--list]: the classroom lessons.
 *
 * Bundled lessons live in assets/lessons next to the binary, or in
 * PREFIX/share/heapglass/lessons once installed (HEAPGLASS_LESSONS
 * overrides both).  A lesson NAME is a file's name without its number and
 * extension ("refcount" for 01-refcount.lesson); its number ("1") works too.
 *
 * --script prints the narration and the state after each step as plain
 * text, for tests and handouts.  Without it, on a terminal (or headless
 * with --keys), the lesson opens in the animated view (tui/anim/anim.h); when
 * stdout is not a terminal the text is printed instead.
 */
#include "tui/cmd/command.h"

#include <dirent.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph/analysis.h"
#include "graph/gc/lesson.h"
#include "graph/gc/subheap.h"
#include "graph/gc/world.h"
#include "graph/near.h"
#include "graph/core/mem.h"
#include "graph/gc/stepper.h"
#include "graph/core/text.h"
#include "loaders/loader.h"
#include "tui/anim/anim.h"
#include "tui/core/screen.h"

enum {
	MAX_PART = 200,		/* objects in a part of a real heap */
	DEFAULT_DEPTH = 1,
	MAX_LESSONS = 200,
	PATH_BUF = 4096,
	CELL = 200
};

/* ---- finding lessons ---- */

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The directory of bundled lessons into out; 0 if found. */
static int lessons_dir(char *out, size_t size)
{
	const char *env = getenv("HEAPGLASS_LESSONS");
	char exe[PATH_BUF - 64];
	ssize_t n;
	char *slash;

	if (env && *env) {
		snprintf(out, size, "%s", env);
		return is_dir(out) ? 0 : -1;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	snprintf(out, size, "%s/assets/lessons", exe);
	if (is_dir(out))
		return 0;
	snprintf(out, size, "%s/../share/heapglass/lessons", exe);
	if (is_dir(out))
		return 0;
	return -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.lesson file names in dir, sorted; returns the count. */
static size_t list_files(const char *dir, char **names, size_t max)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		size_t len = strlen(de->d_name);
		if (len > 7 && strcmp(de->d_name + len - 7, ".lesson") == 0 && de->d_name[0] != '.')
			names[n++] = mem_strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp_str);
	return n;
}

/* "01-refcount.lesson" -> "refcount" (into buf). */
static const char *short_name(const char *file, char *buf, size_t size)
{
	const char *s = file;
	size_t len;

	while (*s >= '0' && *s <= '9')
		s++;
	if (s != file && *s == '-')
		s++;
	else
		s = file;
	len = strlen(s) - 7;
	if (len >= size)
		len = size - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return buf;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
}

static int list_lessons(void)
{
	char dir[PATH_BUF], path[PATH_BUF + 300], name[256];
	char *names[MAX_LESSONS];
	size_t n, width = 0;
	int rc = CLI_OK;

	if (lessons_dir(dir, sizeof dir) != 0)
		return cli_fail("cannot find the bundled lessons (assets/lessons next to the binary, "
				"or share/heapglass/lessons); set HEAPGLASS_LESSONS to their folder");
	n = list_files(dir, names, MAX_LESSONS);
	for (size_t i = 0; i < n; i++)
		if (strlen(short_name(names[i], name, sizeof name)) > width)
			width = strlen(name);
	for (size_t i = 0; i < n; i++) {
		struct lesson *l;
		struct error err;
		char title[CELL];

		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (loader_open_lesson(path, &l, &err) != 0) {
			rc = cli_fail("%s", err.msg);
			break;
		}
		text_escape(title, sizeof title, lesson_text(l, l->title), strlen(lesson_text(l, l->title)), 0);
		printf("%-*s  %s\n", (int)width, short_name(names[i], name, sizeof name), l->title ? title : "(untitled)");
		lesson_free(l);
	}
	free_names(names, n);
	return rc;
}

/* Resolves NAME|FILE into a path. */
static int resolve(const char *arg, char *out, size_t size)
{
	char dir[PATH_BUF], name[256], b[100];
	char *names[MAX_LESSONS];
	struct stat st;
	size_t n;
	int found = 0;
	char *end;
	long num = strtol(arg, &end, 10);

	if (strchr(arg, '/') || (stat(arg, &st) == 0 && S_ISREG(st.st_mode))) {
		snprintf(out, size, "%s", arg);
		return 0;
	}
	if (lessons_dir(dir, sizeof dir) != 0)
		return cli_fail("no file '%s', and cannot find the bundled lessons "
				"(set HEAPGLASS_LESSONS to their folder)",
				error_quote(b, sizeof b, arg, strlen(arg)));
	n = list_files(dir, names, MAX_LESSONS);
	for (size_t i = 0; i < n && !found; i++) {
		long prefix = strtol(names[i], NULL, 10);
		if (strcmp(short_name(names[i], name, sizeof name), arg) == 0 ||
		    (*arg && !*end && names[i][0] >= '0' && names[i][0] <= '9' && prefix == num)) {
			snprintf(out, size, "%s/%s", dir, names[i]);
			found = 1;
		}
	}
	free_names(names, n);
	if (!found)
		return cli_fail("no lesson named '%s' (see heapglass lesson --list)",
				error_quote(b, sizeof b, arg, strlen(arg)));
	return 0;
}

/* ---- printing a run ---- */

/* Which columns the state table has. */
struct cols {
	int refs, gens, dels, counts;
};

/* A node a person sees: made, not freed before `since` (the stepper
 * position where the current action began: what it freed shows once). */
static int visible(const struct stepper *s, heap_node_t v)
{
	return !(s->flags[v] & (STEPPER_F_UNBORN | STEPPER_F_FREED)) && v != s->ns_node;
}

/* Whether a row is worth printing: objects the collector does not track
 * (None, True, False, strings of a real heap) only while something refers
 * to them. */
static int shown(const struct stepper *s, heap_node_t v)
{
	const struct heap *h = s->heap;
	const uint32_t *in_edge;

	if (!visible(s, v))
		return 0;
	if (!(h->flags[v] & HEAP_F_UNTRACKED))
		return 1;
	in_edge = heap_in_edges(h);
	for (uint32_t i = h->in_off[v]; i < h->in_off[v + 1]; i++)
		if (s->edge_on[in_edge[i]] && !(s->flags[h->in_from[i]] & STEPPER_F_FREED))
			return 1;
	return (s->flags[v] & STEPPER_F_ROOT) != 0;
}

/* The worklist after an event that moved it, named for what it is. */
static void print_worklist(const struct stepper *s, const struct stepper_event *ev)
{
	char b[128];
	const char *what = "worklist";

	switch (ev->kind) {
	case STEPPER_COPY:
	case STEPPER_REACHABLE:
	case STEPPER_TENTATIVE:
	case STEPPER_MOVEBACK:
		what = "to scan";
		break;
	default:
		break;
	}
	printf("   [%s:", what);
	if (s->qhead == s->qtail)
		printf(" empty");
	for (uint32_t i = s->qhead; i < s->qtail; i++)
		printf(" %s", stepper_label(s->heap, s->queue[i], b, sizeof b));
	printf("]");
}

/* The live nodes with a non-zero key (key[v]: a place in a list) in the
 * order of their keys: "[what: a b c]". */
static void print_ordered(const struct stepper *s, const uint32_t *key, const char *what)
{
	char b[128];
	uint32_t next = 0;

	printf("   [%s:", what);
	for (;;) {
		uint32_t best = UINT32_MAX;
		heap_node_t bv = HEAP_NONE;
		for (uint32_t v = 0; v < s->n; v++)
			if (key[v] > next && key[v] < best && !(s->flags[v] & STEPPER_F_FREED)) {
				best = key[v];
				bv = v;
			}
		if (bv == HEAP_NONE)
			break;
		printf(" %s", stepper_label(s->heap, bv, b, sizeof b));
		next = best;
	}
	if (!next)
		printf(" empty");
	printf("]");
}

/* CPython's unreachable list after an event that moved it. */
static void print_unreachable(const struct stepper *s)
{
	heap_node_t *ul = mem_alloc((s->n ? s->n : 1) * sizeof *ul);
	uint32_t n = stepper_unreachable_list(s, ul);
	char b[128];

	printf(" [unreachable:");
	for (uint32_t i = 0; i < n; i++)
		printf(" %s", stepper_label(s->heap, ul[i], b, sizeof b));
	if (!n)
		printf(" empty");
	printf("]");
	free(ul);
}

/* Prints events [from, to) of s (seeking through them), each with the
 * worklist after it when it moved; `shown` filters (NULL: all). */
static void print_events(struct stepper *s, size_t from, size_t to, const struct lesson_run *r, uint32_t step)
{
	char line[600];

	stepper_seek(s, from);
	for (size_t i = from; i < to; i++) {
		const struct stepper_event *ev = &s->ev[i];

		stepper_step(s, 1);
		if (r && !lesson_event_shown(r, step, ev))
			continue;
		stepper_describe(s, ev, line, sizeof line);
		if (ev->kind == STEPPER_PHASE)
			printf("    -- %s\n", line);
		else if (ev->kind == STEPPER_COLLECT)
			printf("    == %s\n", line);
		else {
			printf("       %s", line);
			if (ev->qop != STEPPER_Q_NONE)
				print_worklist(s, ev);
			if (ev->kind == STEPPER_TENTATIVE || ev->kind == STEPPER_MOVEBACK)
				print_unreachable(s);
			if (ev->kind == STEPPER_ZERO || ev->kind == STEPPER_FREE || ev->kind == STEPPER_REVIVED)
				print_ordered(s, s->deal, "deallocating");
			printf("\n");
		}
	}
}

/* A table cell list: rows x cols of strings. */
struct table {
	char (*cell)[CELL];
	size_t rows, cols;
};

static void print_table(const struct table *t, const int *right)
{
	size_t width[8] = { 0 };

	for (size_t r = 0; r < t->rows; r++)
		for (size_t c = 0; c < t->cols; c++) {
			size_t w = strlen(t->cell[r * t->cols + c]);
			if (w > width[c])
				width[c] = w;
		}
	for (size_t r = 0; r < t->rows; r++) {
		printf("    ");
		for (size_t c = 0; c < t->cols; c++) {
			const char *s = t->cell[r * t->cols + c];
			int last = c + 1 == t->cols;
			if (right[c])
				printf("%*s", (int)width[c], s);
			else if (last)
				printf("%s", s);
			else
				printf("%-*s", (int)width[c], s);
			if (!last)
				printf("  ");
		}
		printf("\n");
	}
}

/* "variable a, b.prev, ref(a)() (weak), held from outside" */
static void held_by(const struct stepper *s, heap_node_t v, char *buf, size_t size)
{
	const struct heap *h = s->heap;
	char f[300];
	size_t len = 0;
	const uint32_t *in_edge = heap_in_edges(h);

	buf[0] = '\0';
	if (s->flags[v] & STEPPER_F_ROOT)
		len += (size_t)snprintf(buf, size, "held from outside");
	for (uint32_t i = h->in_off[v]; i < h->in_off[v + 1] && len < size; i++) {
		uint32_t e = in_edge[i];
		if (!s->edge_on[e] || (s->flags[h->in_from[i]] & STEPPER_F_FREED))
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s%s", len ? ", " : "",
					stepper_ref_text(s, e, f, sizeof f),
					heap_out_kind(h, e) == HEAP_EDGE_WEAK ? " (weak)" : "");
	}
	if (!len)
		snprintf(buf, size, "nothing");
}

static int uses(const struct lesson *l, enum lesson_op op)
{
	for (uint32_t i = 0; i < l->n_actions; i++)
		if (l->actions[i].op == op)
			return 1;
	return 0;
}

static void print_counts(const struct stepper *s)
{
	printf("    gc.get_count() = (%lld, %lld, %lld), gc.get_threshold() = (%lld, %lld, %lld)\n",
	       (long long)s->gen_count[0], (long long)s->gen_count[1], (long long)s->gen_count[2],
	       (long long)s->threshold[0], (long long)s->threshold[1], (long long)s->threshold[2]);
}

/* The objects alive at the stepper's position, and those freed in events
 * [since, pos). */
static void print_state(const struct stepper *s, const struct cols *k, size_t since)
{
	const struct heap *h = s->heap;
	struct table t = { .cols = 0 };
	int right[8] = { 0 };
	size_t live = 0, c = 0;
	char a[128];
	int any_freed = 0;

	for (uint32_t v = 0; v < s->n; v++)
		live += shown(s, v);
	t.cols = 3 + (size_t)k->refs + (size_t)k->gens + (size_t)k->dels;
	t.cell = mem_calloc((live + 1) * t.cols, sizeof *t.cell);
	snprintf(t.cell[c++], CELL, "object");
	snprintf(t.cell[c++], CELL, "type");
	if (k->refs) {
		right[c] = 1;
		snprintf(t.cell[c++], CELL, "refcount");
	}
	if (k->gens) {
		right[c] = 1;
		snprintf(t.cell[c++], CELL, "gen");
	}
	if (k->dels)
		snprintf(t.cell[c++], CELL, "__del__");
	snprintf(t.cell[c++], CELL, "held by");
	for (uint32_t v = 0; v < s->n; v++) {
		size_t tl;
		const char *type;

		if (!shown(s, v))
			continue;
		stepper_label(h, v, t.cell[c++], CELL);
		type = heap_string(h, h->type[v], &tl);
		text_escape(t.cell[c++], CELL, type, tl, 0);
		if (k->refs)
			snprintf(t.cell[c++], CELL, "%lld", (long long)s->refcount[v]);
		if (k->gens)
			stepper_gen_name(s->gen[v], t.cell[c++], CELL);
		if (k->dels)
			snprintf(t.cell[c++], CELL, "%s",
				 (s->flags[v] & STEPPER_F_FINALIZED) ? "ran"
				 : (s->flags[v] & STEPPER_F_DEL) ? "yes" : "-");
		held_by(s, v, t.cell[c++], CELL);
	}
	t.rows = live + 1;
	if (live)
		print_table(&t, right);
	else
		printf("    (no objects)\n");
	free(t.cell);
	for (size_t i = since; i < s->pos; i++) {
		const struct stepper_event *ev = &s->ev[i];
		if (ev->kind != STEPPER_FREE && ev->kind != STEPPER_SWEEP)
			continue;
		printf("%s%s", any_freed ? ", " : "    freed: ", stepper_label(h, ev->node, a, sizeof a));
		any_freed = 1;
	}
	if (any_freed)
		printf("\n");
	if (k->gens && k->counts)
		print_counts(s);
}

/* tracemalloc.take_snapshot().statistics('lineno') (lesson_tracemalloc). */
static void print_tracemalloc(const struct lesson_run *r)
{
	struct lesson_tm_line *tl = mem_alloc(((size_t)LESSON_MAX_ACTIONS + 1) * sizeof *tl);
	uint32_t n = lesson_tracemalloc(r, tl, LESSON_MAX_ACTIONS + 1);

	printf("    tracemalloc: the lesson's instances still allocated, by the line that made them:\n");
	if (!n)
		printf("      nothing\n");
	for (uint32_t i = 0; i < n; i++)
		printf("      line %u: size=%llu B, count=%llu, average=%llu B\n", (unsigned)tl[i].line,
		       (unsigned long long)tl[i].bytes, (unsigned long long)tl[i].count,
		       (unsigned long long)(tl[i].bytes / tl[i].count));
	free(tl);
}

/* A say paragraph, one printed line per line of it. */
static void print_say(const char *t)
{
	char b[1100];

	while (*t) {
		size_t len = strcspn(t, "\n");
		text_escape(b, sizeof b, t, len, 0);
		printf("%s\n", b);
		t += len + (t[len] == '\n');
	}
}

static void print_run(const struct lesson *l, struct lesson_run *r)
{
	char b[1100];
	const char *title = lesson_text(l, l->title);
	struct cols cols = {
		.refs = r->gc != LESSON_GC_MARKSWEEP,
		.gens = r->gc == LESSON_GC_CPYTHON,
		.dels = uses(l, LESSON_FINALIZER),
	};

	text_escape(b, sizeof b, title, strlen(title), 0);
	printf("Lesson: %s\n", l->title ? b : "(untitled)");
	if (r->gc == LESSON_GC_CPYTHON)
		printf("Collector: CPython %s: reference counting plus the generational cycle detector%s\n",
		       world_py_info(r->py)->name, world_py_info(r->py)->incremental ? " (incremental)" : "");
	else
		printf("Collector: %s\n", lesson_gc_title(r->gc));
	for (uint32_t i = 0; i < r->n_steps; i++) {
		struct lesson_step *step = &r->steps[i];
		const struct lesson_action *a = &l->actions[step->action];

		if (a->op == LESSON_SAY) {
			printf("\n");	/* a paragraph */
			print_say(lesson_text(l, a->text));
			continue;
		}
		text_escape(b, sizeof b, step->what, strlen(step->what), 0);
		printf("\n[line %u] %s\n", (unsigned)a->line, b);
		print_events(r->st, step->first, step->first + step->n, r, i);
		cols.counts = l->has_threshold || a->op == LESSON_COUNTS || a->op == LESSON_FREEZE ||
			      a->op == LESSON_UNFREEZE;
		for (size_t k = step->first; k < step->first + step->n; k++)
			cols.counts |= r->st->ev[k].kind == STEPPER_COLLECT;
		print_state(r->st, &cols, step->first);
		if (a->op == LESSON_TRACEMALLOC)
			print_tracemalloc(r);
	}
}

/* ---- a collector on part of a real heap ---- */

/* The animated view's options (--keys, --dump-screen, --size, ...). */
struct view_opts {
	struct screen_opts so;
	const char *keys, *dump, *timing;
};

struct heap_opts {
	const char *file;
	struct cli_common common;
	uint64_t cycle, object, depth;
	int have_cycle, have_object, have_depth;
	int gc;			/* -1: by the heap (cpython with refcounts, else mark-sweep) */
	int generation;
	int py;			/* enum world_py */
	int animate;		/* open the animated view */
	struct view_opts *view;
};

/* Runs an animation (owned: freed here) in the terminal or headless. */
static int animate(struct anim *an, struct view_opts *vo)
{
	struct error err;
	int rc = anim_standalone(an, &vo->so, vo->keys, vo->dump, vo->timing, &err);

	anim_free(an);
	if (rc != 0)
		return cli_fail("%s", err.msg);
	return CLI_OK;
}


static int any_flag(const struct heap *h, uint16_t flag)
{
	for (uint32_t v = 0; v < h->n_nodes; v++)
		if (h->flags[v] & flag)
			return 1;
	return 0;
}

/* The part of the heap --cycle or --object asks for into sel (room for
 * MAX_PART), its caption into what.  Returns its size, or 0 after
 * printing why. */
static uint32_t choose_part(struct heap_opts *o, const struct heap *h, heap_node_t *sel, char *what,
			    size_t size)
{
	struct analysis *a = NULL;
	struct error err;
	uint32_t n = 0;

	if (o->have_cycle) {
		const struct analysis_cycle *cy;
		if (analysis_run(h, NULL, &a, &err) != 0) {
			cli_fail("%s", err.msg);
			return 0;
		}
		if (o->cycle < 1 || o->cycle > a->n_cycles) {
			if (a->n_cycles == 0)
				cli_fail("%s has no cycles", o->file);
			else
				cli_fail("no cycle %llu: the heap has %lu (1 to %lu, as 'heapglass cycles' numbers them)",
					 (unsigned long long)o->cycle, (unsigned long)a->n_cycles,
					 (unsigned long)a->n_cycles);
			analysis_free(a);
			return 0;
		}
		cy = &a->cycles[o->cycle - 1];
		if (cy->size > MAX_PART) {
			cli_fail("cycle %llu has %lu objects; stepping through takes at most %d",
				 (unsigned long long)o->cycle, (unsigned long)cy->size, MAX_PART);
			analysis_free(a);
			return 0;
		}
		/* the cycle and what only it holds: what the collection frees with it */
		n = anim_cycle_part(h, a->members + cy->members, cy->size, o->cycle, cy->garbage, MAX_PART, sel,
				    what, size);
		analysis_free(a);
		return n;
	}
	{
		heap_node_t v = heap_find(h, o->object);
		if (v == HEAP_NONE) {
			cli_fail("no object with id %llu in %s", (unsigned long long)o->object, o->file);
			return 0;
		}
		{
			/* the neighbourhood a diagram of it shows (graph/near.h) */
			struct near_rules rules = near_rules_picture((uint32_t)o->depth, MAX_PART);
			struct near nb;
			near_walk(h, v, &rules, &nb);
			n = nb.n;
			memcpy(sel, nb.node, n * sizeof *sel);
			snprintf(what, size, "object %llu and its neighbours within %llu reference%s (%lu objects%s)",
				 (unsigned long long)o->object, (unsigned long long)o->depth,
				 o->depth == 1 ? "" : "s", (unsigned long)n, nb.over ? ", the nearest only" : "");
			near_fini(&nb);
		}
	}
	return n;
}

static int run_heap(struct heap_opts *o)
{
	struct heap *h = NULL, *part = NULL;
	struct stepper *s = NULL;
	struct world *w;
	struct error err;
	heap_node_t *sel = NULL;
	uint32_t n;
	char what[300], file[4096];
	int64_t ret;
	int rc, has_rc;
	struct cols cols = { 0 };

	rc = cli_open(o->file, &o->common, &h);
	if (rc != CLI_OK)
		return rc;
	rc = CLI_FAIL;
	has_rc = any_flag(h, HEAP_F_HAS_REFCOUNT);
	if (o->gc < 0)
		o->gc = has_rc ? LESSON_GC_CPYTHON : LESSON_GC_MARKSWEEP;
	sel = mem_alloc(MAX_PART * sizeof *sel);
	n = choose_part(o, h, sel, what, sizeof what);
	if (n == 0)
		goto out;
	if (o->animate) {
		struct anim *an = anim_new_heap(h, sel, n, what, &err);
		if (!an) {
			cli_fail("%s", err.msg);
			goto out;
		}
		anim_set_python(an, (enum world_py)o->py);
		if (o->gc == LESSON_GC_MARKSWEEP || !has_rc)
			anim_set_algo(an, o->gc == LESSON_GC_MARKSWEEP ? ANIM_MARKSWEEP : ANIM_CPYTHON, &err);
		rc = animate(an, o->view);
		goto out;
	}
	w = world_from_heap(h, sel, n, o->gc == LESSON_GC_CPYTHON ? WORLD_CPYTHON : WORLD_MARKSWEEP,
			    (enum world_py)o->py);
	world_collect(w, o->gc == LESSON_GC_CPYTHON ? o->generation : 2, &ret);
	if (world_finish(w, &part, &s, &err) != 0) {
		cli_fail("%s", err.msg);
		goto out;
	}
	cols.refs = o->gc == LESSON_GC_CPYTHON;
	cols.gens = o->gc == LESSON_GC_CPYTHON && h->max_generation != HEAP_GEN_UNKNOWN;
	cols.dels = any_flag(part, HEAP_F_FINALIZER);
	printf("Heap: %s, %s\n", cli_text(o->file, file, sizeof file), what);
	if (o->gc == LESSON_GC_CPYTHON)
		printf("Collector: CPython %s's cycle detector, gc.collect(%d)%s\n", world_py_info((enum world_py)o->py)->name,
		       o->generation, has_rc ? "" : " (refcounts: the references in the whole heap)");
	else
		printf("Collector: mark-and-sweep from the roots\n");
	printf("Outside the part: what holds it from elsewhere in the heap counts as a root%s.\n",
	       o->gc == LESSON_GC_CPYTHON ? ", and in its refcount" : "");
	printf("\nBefore:\n");
	stepper_seek(s, 0);
	print_state(s, &cols, 0);
	if (o->gc == LESSON_GC_CPYTHON)
		printf("\n[gc.collect(%d)]\n", o->generation);
	else
		printf("\n[collect: mark and sweep]\n");
	print_events(s, 0, stepper_len(s), NULL, 0);
	cols.counts = 0;	/* a snapshot's gc counters are not known */
	print_state(s, &cols, 0);
	rc = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
out:
	stepper_free(s);
	heap_free(part);
	heap_free(h);
	free(sel);
	return rc;
}

struct lesson_opts {
	int list, script;
	struct heap_opts heap;
	struct view_opts view;
};

static const struct lesson_opts defaults = {
	.heap = { .gc = -1, .generation = 2, .depth = DEFAULT_DEPTH, .py = -1 },
	.view = { .so = { .theme = THEME_AUTO, .cols = 80, .rows = 24 } },
};

/* --cycle N and --object ID; an id may be written as labels show it (@ID). */
static int parse_number(void *dest, const char *arg)
{
	return cli_parse_u64(arg + (arg[0] == '@'), dest);
}

/* --python X.Y: a version the world models, into an int (enum world_py). */
static int parse_python(void *dest, const char *arg)
{
	enum world_py py;

	if (world_py_parse(arg, &py) != 0)
		return -1;
	*(int *)dest = (int)py;
	return 0;
}

static const struct cli_choice collectors[] = {
	{ .word = "cpython", .value = LESSON_GC_CPYTHON },
	{ .word = "mark-sweep", .value = LESSON_GC_MARKSWEEP },
	{ .word = NULL },
};

static const struct cli_option options[] = {
	{ .name = "list", .kind = CLI_FLAG, .offset = offsetof(struct lesson_opts, list),
	  .help = "the bundled lessons: one name per line, then its title" },
	{ .name = "script", .kind = CLI_FLAG, .offset = offsetof(struct lesson_opts, script),
	  .help = "print the narration and the state after each step as text\n"
		  "(no terminal needed: for tests and handouts)" },
	{ .name = "heap", .arg = "SNAPSHOT", .kind = CLI_STRING, .offset = offsetof(struct lesson_opts, heap.file),
	  .help = "run a collector, step by step, on part of a real heap:" },
	{ .name = "cycle", .arg = "N", .kind = CLI_PARSE, .offset = offsetof(struct lesson_opts, heap.cycle),
	  .parse = parse_number, .error = "--cycle needs a cycle number, not '%s'",
	  .help = "cycle N, numbered as 'heapglass cycles' lists them" },
	{ .name = "object", .arg = "ID", .kind = CLI_PARSE, .offset = offsetof(struct lesson_opts, heap.object),
	  .parse = parse_number, .error = "--object needs an object id, not '%s'",
	  .help = "the object with this id and its neighbours, both ways" },
	{ .name = "depth", .arg = "D", .kind = CLI_U64, .offset = offsetof(struct lesson_opts, heap.depth), .max = 16,
	  .help = "how many references away from --object (default 1)" },
	{ .name = "gc", .arg = "NAME", .kind = CLI_CHOICE, .offset = offsetof(struct lesson_opts, heap.gc),
	  .choices = collectors, .error = "--gc is cpython or mark-sweep, not '%s'",
	  .help = "cpython (the default for a heap with refcounts) or\nmark-sweep (the default otherwise)" },
	{ .name = "generation", .arg = "G", .kind = CLI_INT, .offset = offsetof(struct lesson_opts, heap.generation),
	  .max = 2, .error = "--generation is 0, 1 or 2", .help = "with cpython: gc.collect(G), 0 to 2 (default 2)" },
	{ .name = "python", .arg = "X.Y", .kind = CLI_PARSE, .offset = offsetof(struct lesson_opts, heap.py),
	  .parse = parse_python, .error = "--python is a version heapglass models (3.8 to 3.14), not '%s'",
	  .help = "the CPython whose collector runs: 3.8 to 3.14 (default:\nthe lesson's own 'python' line, else 3.14)" },
	{ .name = "keys", .arg = "SCRIPT", .kind = CLI_STRING, .offset = offsetof(struct lesson_opts, view.keys),
	  .help = "headless: drive the view with keys (<Tick>: one tick;\n<Dump>: the screen so far into the --dump-screen file)" },
	{ .name = "dump-screen", .arg = "FILE", .kind = CLI_STRING, .offset = offsetof(struct lesson_opts, view.dump),
	  .help = "headless: write the last screen to FILE ('-': stdout)" },
	{ .name = "size", .arg = "COLSxROWS", .kind = CLI_PARSE, .offset = offsetof(struct lesson_opts, view.so),
	  .parse = cli_parse_size, .error = "--size wants COLSxROWS, like 80x24",
	  .help = "headless screen size (default 80x24)" },
	{ .name = "timing", .arg = "FILE", .kind = CLI_STRING, .offset = offsetof(struct lesson_opts, view.timing),
	  .help = "headless: per-key handling + redraw time in ms to FILE" },
	{ .name = "mono", .kind = CLI_SET, .offset = offsetof(struct lesson_opts, view.so.theme), .value = THEME_MONO,
	  .help = "monochrome, as for the viewer" },
	{ .name = "color", .kind = CLI_SET, .offset = offsetof(struct lesson_opts, view.so.theme), .value = THEME_COLOR,
	  .help = "colour even when NO_COLOR is set" },
	{ .name = "ascii", .kind = CLI_FLAG, .offset = offsetof(struct lesson_opts, view.so.ascii),
	  .help = "ASCII only" },
	{ .name = NULL },
};

static int run(void *opts, struct cli_args *args)
{
	struct lesson_opts *o = opts;
	struct heap_opts *ho = &o->heap;
	struct view_opts *vo = &o->view;
	char path[PATH_BUF + 300];
	int rc;
	struct lesson *l;
	struct lesson_run *r;
	struct error err;

	ho->common = args->common;
	ho->have_cycle = cli_given(args, "cycle");
	ho->have_object = cli_given(args, "object");
	ho->have_depth = cli_given(args, "depth");
	if ((vo->dump || vo->timing) && !vo->keys)
		return cli_usage(&cmd_lesson, "%s needs --keys SCRIPT", vo->dump ? "--dump-screen" : "--timing");
	if (o->script && vo->keys)
		return cli_usage(&cmd_lesson, "--script prints text; --keys drives the animated view: one or the other");
	ho->view = vo;
	ho->animate = !o->script && (vo->keys || (isatty(0) && isatty(1)));
	if (o->list) {
		if (args->argc != 0 || o->script || ho->file)
			return cli_usage(&cmd_lesson, "--list takes nothing else");
		return list_lessons();
	}
	if (ho->file) {
		if (args->argc != 0)
			return cli_usage(&cmd_lesson, "--heap FILE takes no lesson");
		if (ho->have_cycle == ho->have_object)
			return cli_usage(&cmd_lesson, "--heap needs one of --cycle N and --object ID");
		if (ho->have_depth && !ho->have_object)
			return cli_usage(&cmd_lesson, "--depth goes with --object");
		if (ho->py < 0)
			ho->py = WORLD_PY_NEWEST;
		return run_heap(ho);
	}
	if (ho->have_cycle || ho->have_object || ho->have_depth || cli_given(args, "gc") || ho->common.format)
		return cli_usage(&cmd_lesson, "--cycle, --object, --depth, --gc and --format go with --heap FILE");
	if (args->argc != 1)
		return cli_usage(&cmd_lesson, args->argc == 0 ? "a lesson NAME or FILE is needed (see --list)"
							     : "one lesson at a time");
	rc = resolve(args->argv[0], path, sizeof path);
	if (rc != CLI_OK)
		return rc;
	if (loader_open_lesson(path, &l, &err) != 0)
		return cli_fail("%s", err.msg);
	if (ho->py >= 0)
		l->py = ho->py;	/* --python wins over the lesson's own line */
	if (lesson_run_new(l, l->gc, lesson_py(l), &r, &err) != 0) {
		lesson_free(l);
		return cli_fail("%s", err.msg);
	}
	if (ho->animate) {
		struct anim *an = anim_new_lesson(l, &err);
		lesson_run_free(r);
		if (!an) {
			lesson_free(l);
			return cli_fail("%s", err.msg);
		}
		rc = animate(an, vo);
		lesson_free(l);
		return rc;
	}
	if (!o->script)
		fprintf(stderr, "heapglass: not a terminal: printing the lesson as text (--script)\n");
	print_run(l, r);
	lesson_run_free(r);
	lesson_free(l);
	return fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
}

const struct command cmd_lesson = {
	.name = "lesson",
	.usage = "lesson NAME|FILE [--python X.Y] [--script | --keys SCRIPT [--dump-screen FILE] [--timing FILE]]\n"
		 "       heapglass lesson --list\n"
		 "       heapglass lesson --heap SNAPSHOT (--cycle N | --object ID [--depth D])\n"
		 "                        [--gc cpython|mark-sweep] [--generation G] [--python X.Y]",
	.summary = "Step through a garbage-collection lesson (reference counting, cycles, mark-and-sweep, generations).",
	.options = options,
	.common = CLI_FORMAT,
	.notes = "NAME is a bundled lesson, by name (refcount) or number (1); FILE a lesson\n"
		 "script of your own (see docs/lessons.md).  --cycle, --object, --depth, --gc,\n"
		 "--generation and --format go with --heap.\n"
		 "\nWithout --script, on a terminal, the lesson (or --heap part) opens in the\n"
		 "animated view: Space plays, Right/Left step, + - speed, r restarts, g changes\n"
		 "the algorithm, ? help, q quits.  Not on a terminal: text.\n"
		 "\nHEAPGLASS_LESSONS (environment): the folder of bundled lessons.\n",
	.opts_size = sizeof(struct lesson_opts),
	.defaults = &defaults,
	.run = run,
};
