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
#include "graph/gc/step_cpython.h"
#include "graph/gc/step_gens.h"
#include "graph/gc/step_mark.h"
#include "graph/gc/subheap.h"
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
	size_t n;
	int rc = CLI_OK;

	if (lessons_dir(dir, sizeof dir) != 0)
		return cli_fail("cannot find the bundled lessons (assets/lessons next to the binary, "
				"or share/heapglass/lessons); set HEAPGLASS_LESSONS to their folder");
	n = list_files(dir, names, MAX_LESSONS);
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
		printf("%-14s %s\n", short_name(names[i], name, sizeof name), l->title ? title : "(untitled)");
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

static const char *label(const struct stepper *s, heap_node_t v, char *buf, size_t size)
{
	return stepper_node_label(s, v, buf, size);
}

/* Which columns the state table has. */
struct cols {
	int refs, gens, dels, names, counts;
};

static void print_worklist(const struct stepper *s, const struct stepper_event *ev)
{
	char b[128];
	int rc = ev->kind == STEPPER_ZERO || ev->kind == STEPPER_FREE;

	printf("   [%s:", rc ? "to free" : "worklist");
	if (s->qhead == s->qtail)
		printf(" empty");
	for (uint32_t i = s->qhead; i < s->qtail; i++)
		printf(" %s", label(s, s->queue[i], b, sizeof b));
	printf("]");
}

/* Replays the step's events from the start, printing each with the
 * worklist after it when it moved, and leaves the stepper at the end. */
static void print_events(struct stepper *s, int quiet_counts)
{
	char line[600];

	stepper_seek(s, 0);
	for (size_t i = 0; i < stepper_len(s); i++) {
		const struct stepper_event *ev = &s->ev[i];

		stepper_step(s, 1);
		if (quiet_counts && ev->kind == STEPPER_COUNT)
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

/* "variable a, b.prev, w.ref (weak)" */
static void held_by(const struct stepper *s, heap_node_t v, char *buf, size_t size)
{
	const struct heap *h = s->heap;
	char a[128], f[128];
	size_t len = 0;
	const uint32_t *in_edge = heap_in_edges(h);

	buf[0] = '\0';
	if ((h->flags[v] & HEAP_F_ROOT) && !s->label_ids)
		len += (size_t)snprintf(buf + len, size - len, "variable %s", label(s, v, a, sizeof a));
	for (uint32_t r = 0; s->label_ids && r < h->n_roots && len < size; r++)
		if (h->roots[r].node == v) {
			char k[96];
			len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
						cli_str(h, h->roots[r].kind, k, sizeof k));
		}
	for (uint32_t i = h->in_off[v]; i < h->in_off[v + 1] && len < size; i++) {
		heap_node_t u = h->in_from[i];
		uint32_t e = in_edge[i];
		if (s->flags[u] & STEPPER_F_FREED)
			continue;
		cli_edge(h, h->out_name[e], f, sizeof f);
		len += (size_t)snprintf(buf + len, size - len, "%s%s%s%s%s", len ? ", " : "",
					label(s, u, a, sizeof a),
					(h->out_name[e] & HEAP_NAME_INDEX) ? "" : ".", f,
					h->out_kind[e] == HEAP_EDGE_WEAK ? " (weak)" : "");
	}
	if (!len)
		snprintf(buf, size, "nothing");
}

static int uses_finalizers(const struct lesson *l)
{
	for (uint32_t i = 0; i < l->n_actions; i++)
		if (l->actions[i].op == LESSON_FINALIZER)
			return 1;
	return 0;
}

static void print_state(const struct stepper *s, const struct cols *k)
{
	const struct heap *h = s->heap;
	int refs = k->refs, gens = k->gens, dels = k->dels;
	struct table t = { .cols = 0 };
	int right[8] = { 0 };
	size_t live = 0, c = 0;
	char a[128];
	int any_freed = 0;

	for (uint32_t v = 0; v < s->n; v++)
		live += !(s->flags[v] & STEPPER_F_FREED);
	t.cols = 3 + (size_t)refs + (size_t)gens + (size_t)dels + (size_t)k->names;
	t.cell = mem_calloc((live + 1) * t.cols, sizeof *t.cell);
	snprintf(t.cell[c++], CELL, "object");
	snprintf(t.cell[c++], CELL, "type");
	if (k->names)
		snprintf(t.cell[c++], CELL, "name");
	if (refs) {
		right[c] = 1;
		snprintf(t.cell[c++], CELL, "refcount");
	}
	if (gens) {
		right[c] = 1;
		snprintf(t.cell[c++], CELL, "gen");
	}
	if (dels)
		snprintf(t.cell[c++], CELL, "__del__");
	snprintf(t.cell[c++], CELL, "held by");
	for (uint32_t v = 0; v < s->n; v++) {
		size_t tl;
		const char *type;

		if (s->flags[v] & STEPPER_F_FREED)
			continue;
		label(s, v, t.cell[c++], CELL);
		type = heap_string(h, h->type[v], &tl);
		text_escape(t.cell[c++], CELL, type, tl, 0);
		if (k->names)
			cli_str(h, h->name[v], t.cell[c++], CELL);
		if (refs)
			snprintf(t.cell[c++], CELL, "%lld", (long long)s->refcount[v]);
		if (gens && s->gen[v] == HEAP_GEN_UNKNOWN)
			snprintf(t.cell[c++], CELL, "-");
		else if (gens)
			snprintf(t.cell[c++], CELL, "%u", (unsigned)s->gen[v]);
		if (dels)
			snprintf(t.cell[c++], CELL, "%s",
				 (s->flags[v] & STEPPER_F_FINALIZED) ? "ran"
				 : (h->flags[v] & HEAP_F_FINALIZER) ? "yes" : "-");
		held_by(s, v, t.cell[c++], CELL);
	}
	t.rows = live + 1;
	if (live)
		print_table(&t, right);
	else
		printf("    (no objects)\n");
	free(t.cell);

	for (uint32_t v = 0; v < s->n; v++) {
		if (!(s->flags[v] & STEPPER_F_FREED))
			continue;
		printf("%s%s", any_freed ? ", " : "    freed: ", label(s, v, a, sizeof a));
		any_freed = 1;
	}
	if (any_freed)
		printf("\n");
	if (gens && k->counts)
		printf("    gc.get_count() = (%lld, %lld, %lld), thresholds (%lld, %lld, %lld)\n",
		       (long long)s->gen_count[0], (long long)s->gen_count[1], (long long)s->gen_count[2],
		       (long long)s->threshold[0], (long long)s->threshold[1], (long long)s->threshold[2]);
}

static void print_run(const struct lesson *l, struct lesson_run *r)
{
	char b[1100];
	const char *title = lesson_text(l, l->title);
	int prev_say = 0;
	/* With the default thresholds, counting each allocation is noise. */
	int quiet_counts = l->threshold[0] == 700 && l->threshold[1] == 10 && l->threshold[2] == 10;
	struct cols cols = {
		.refs = l->gc != LESSON_GC_MARKSWEEP,
		.gens = l->gc == LESSON_GC_CPYTHON,
		.dels = uses_finalizers(l),
	};

	text_escape(b, sizeof b, title, strlen(title), 0);
	printf("Lesson: %s\n", l->title ? b : "(untitled)");
	printf("Collector: %s\n", lesson_gc_title(l->gc));
	for (uint32_t i = 0; i < r->n_steps; i++) {
		struct lesson_step *step = &r->steps[i];
		const struct lesson_action *a = &l->actions[step->action];

		if (a->op == LESSON_SAY) {
			const char *t = lesson_text(l, a->text);
			text_escape(b, sizeof b, t, strlen(t), 0);
			printf("%s%s\n", prev_say ? "" : "\n", b);
			prev_say = 1;
			continue;
		}
		prev_say = 0;
		text_escape(b, sizeof b, step->what, strlen(step->what), 0);
		printf("\n[line %u] %s\n", (unsigned)a->line, b);
		print_events(step->st, quiet_counts && step->st->kind_count[STEPPER_COLLECT] == 0);
		cols.counts = !quiet_counts || step->st->kind_count[STEPPER_COLLECT] != 0;
		print_state(step->st, &cols);
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

static int run_heap(struct heap_opts *o)
{
	struct heap *h = NULL, *part = NULL;
	struct analysis *a = NULL;
	struct stepper *s = NULL;
	struct error err;
	heap_node_t *sel = NULL;
	uint32_t n = 0;
	char what[200], b[64], file[4096];
	int rc;
	int has_rc;
	struct cols cols = { .names = 1 };

	rc = cli_open(o->file, &o->common, &h);
	if (rc != CLI_OK)
		return rc;
	rc = CLI_FAIL;
	has_rc = any_flag(h, HEAP_F_HAS_REFCOUNT);
	if (o->gc < 0)
		o->gc = has_rc ? LESSON_GC_CPYTHON : LESSON_GC_MARKSWEEP;
	sel = mem_alloc(MAX_PART * sizeof *sel);
	if (o->have_cycle) {
		const struct analysis_cycle *cy;
		if (analysis_run(h, NULL, &a, &err) != 0) {
			cli_fail("%s", err.msg);
			goto out;
		}
		if (o->cycle < 1 || o->cycle > a->n_cycles) {
			if (a->n_cycles == 0)
				cli_fail("%s has no cycles", o->file);
			else
				cli_fail("no cycle %llu: the heap has %lu (1 to %lu, as 'heapglass cycles' numbers them)",
					 (unsigned long long)o->cycle, (unsigned long)a->n_cycles,
					 (unsigned long)a->n_cycles);
			goto out;
		}
		cy = &a->cycles[o->cycle - 1];
		if (cy->size > MAX_PART) {
			cli_fail("cycle %llu has %lu objects; stepping through takes at most %d",
				 (unsigned long long)o->cycle, (unsigned long)cy->size, MAX_PART);
			goto out;
		}
		memcpy(sel, a->members + cy->members, cy->size * sizeof *sel);
		n = cy->size;
		snprintf(what, sizeof what, "cycle %llu (%lu object%s, %s)", (unsigned long long)o->cycle,
			 (unsigned long)cy->size, cy->size == 1 ? "" : "s", cy->garbage ? "garbage" : "live");
	} else {
		heap_node_t v = heap_find(h, o->object);
		if (v == HEAP_NONE) {
			cli_fail("no object with id %llu in %s", (unsigned long long)o->object, o->file);
			goto out;
		}
		{
			/* the neighbourhood a diagram of it shows (graph/near.h) */
			struct near_rules rules = near_rules_picture((uint32_t)o->depth, MAX_PART);
			struct near nb;
			near_walk(h, v, &rules, &nb);
			n = nb.n;
			memcpy(sel, nb.node, n * sizeof *sel);
			snprintf(what, sizeof what,
				 "object %llu and its neighbours within %llu reference%s (%lu objects%s)",
				 (unsigned long long)o->object, (unsigned long long)o->depth,
				 o->depth == 1 ? "" : "s", (unsigned long)n, nb.over ? ", the nearest only" : "");
			near_fini(&nb);
		}
	}
	if (o->animate) {
		struct anim *an = anim_new_heap(h, sel, n, what, &err);
		if (!an) {
			cli_fail("%s", err.msg);
			goto out;
		}
		if (o->gc == LESSON_GC_MARKSWEEP || !has_rc)
			anim_set_algo(an, o->gc == LESSON_GC_MARKSWEEP ? ANIM_MARKSWEEP : ANIM_CPYTHON, &err);
		rc = animate(an, o->view);
		goto out;
	}
	if (subheap_new(h, sel, n, &part, &err) != 0) {
		cli_fail("%s", err.msg);
		goto out;
	}
	s = stepper_new(part);
	s->label_ids = 1;
	if (!has_rc)
		subheap_refcounts(h, part, s->refcount);	/* as the whole heap holds them */
	cols.refs = o->gc == LESSON_GC_CPYTHON;
	cols.gens = o->gc == LESSON_GC_CPYTHON && part->max_generation != HEAP_GEN_UNKNOWN;
	cols.dels = any_flag(part, HEAP_F_FINALIZER);
	printf("Heap: %s, %s\n", cli_text(o->file, file, sizeof file), what);
	if (o->gc == LESSON_GC_CPYTHON)
		printf("Collector: CPython's cycle detector, gc.collect(%d)%s\n", o->generation,
		       has_rc ? "" : " (refcounts: the references in the whole heap)");
	else
		printf("Collector: mark-and-sweep from the roots\n");
	printf("Outside the part: what holds it from elsewhere in the heap counts as a root%s.\n",
	       o->gc == LESSON_GC_CPYTHON ? ", and in its refcount" : "");
	printf("\nBefore:\n");
	print_state(s, &cols);
	if (o->gc == LESSON_GC_CPYTHON)
		step_gens_collect(s, (unsigned)o->generation);
	else
		step_mark_run(s);
	if (o->gc == LESSON_GC_CPYTHON)
		snprintf(b, sizeof b, "[gc.collect(%d)]", o->generation);
	else
		snprintf(b, sizeof b, "[collect: mark and sweep]");
	printf("\n%s\n", b);
	print_events(s, 1);	/* a snapshot's gc counters are not known: leave them out */
	print_state(s, &cols);
	rc = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
out:
	stepper_free(s);
	heap_free(part);
	analysis_free(a);
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
	.heap = { .gc = -1, .generation = 2, .depth = DEFAULT_DEPTH },
	.view = { .so = { .theme = THEME_AUTO, .cols = 80, .rows = 24 } },
};

/* --cycle N and --object ID; an id may be written as labels show it (@ID). */
static int parse_number(void *dest, const char *arg)
{
	return cli_parse_u64(arg + (arg[0] == '@'), dest);
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
	{ .name = "keys", .arg = "SCRIPT", .kind = CLI_STRING, .offset = offsetof(struct lesson_opts, view.keys),
	  .help = "headless: drive the view with keys (<Tick>: one tick)" },
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
	if (lesson_run_new(l, &r, &err) != 0) {
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
	.usage = "lesson NAME|FILE [--script | --keys SCRIPT [--dump-screen FILE] [--timing FILE]]\n"
		 "       heapglass lesson --list\n"
		 "       heapglass lesson --heap SNAPSHOT (--cycle N | --object ID [--depth D])\n"
		 "                        [--gc cpython|mark-sweep] [--generation G]",
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
