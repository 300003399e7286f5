#include "tui/anim/anim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curses.h>

#include "graph/export.h"
#include "graph/core/mem.h"
#include "graph/gc/subheap.h"
#include "graph/gc/world.h"
#include "graph/core/text.h"
#include "tui/anim/animfit.h"
#include "tui/anim/canvas.h"
#include "tui/core/draw.h"
#include "tui/core/loop.h"
#include "tui/core/screen.h"

enum {
	LABEL_MAX = 32,		/* widest object label in the graph, columns */
	LABEL_MIN = 3,		/* narrowest ("○ a") before the graph gives up */
	BEZIER_PER = 8,		/* polyline points per spline segment */
	PATH_MAX_PTS = 4096,
	NAMES_MAX = 256,	/* field names drawn on references, at most */
	MSG = 256,
	NARR = 1200,
	DEFAULT_SPEED = 2
};

enum tag {
	TAG_WEAK = 1,
	TAG_DEAD = 2,
	TAG_EDGE = 3,
	TAG_HOT = 4		/* the reference the current event is about */
};

/* ---- the keymap: keys, footer and help ---- */

static const struct keymap_entry anim_entries[] = {
	{ .act = ACT_PLAY, .codes = { ' ', 'p' }, .keys = "Space", .footer_key = "Space", .footer = "Play",
	  .help = "play or pause", .global = 1 },
	{ .act = ACT_STEP, .codes = { KEY_RIGHT, 'l' }, .keys = "Right l", .footer_key = "\xe2\x86\x92",
	  .footer_key_ascii = "Right", .footer = "Step", .help = "one event forward", .global = 1 },
	{ .act = ACT_STEP_BACK, .codes = { KEY_LEFT, 'h' }, .keys = "Left h", .footer_key = "\xe2\x86\x90",
	  .footer_key_ascii = "Left", .footer = "Back", .help = "one event back", .global = 1 },
	{ .act = ACT_NEXT_STEP, .codes = { ']', KEY_NPAGE }, .keys = "] PgDn",
	  .help = "to the next action of the lesson (or phase)", .global = 1 },
	{ .act = ACT_PREV_STEP, .codes = { '[', KEY_PPAGE }, .keys = "[ PgUp",
	  .help = "to the previous action of the lesson (or phase)", .global = 1 },
	{ .act = ACT_FASTER, .codes = { '+', '=' }, .keys = "+ =", .footer_key = "+-", .footer = "Speed",
	  .help = "play faster", .global = 1 },
	{ .act = ACT_SLOWER, .codes = { '-', '_' }, .keys = "-", .help = "play slower", .global = 1 },
	{ .act = ACT_HOME, .codes = { 'r', KEY_HOME }, .keys = "r Home", .footer_key = "r", .footer = "Restart",
	  .help = "back to the start", .global = 1 },
	{ .act = ACT_END, .codes = { KEY_END }, .keys = "End", .help = "to the end", .global = 1 },
	{ .act = ACT_ALGO, .codes = { 'g' }, .keys = "g", .footer_key = "g", .footer = "Algorithm",
	  .help = "another algorithm: mark-sweep, CPython, refcount, gens", .global = 1 },
	{ .act = ACT_HELP, .codes = { '?', KEY_F(1) }, .keys = "? F1", .footer_key = "?", .footer = "Help",
	  .help = "this help", .global = 1 },
	{ .act = ACT_REDRAW, .codes = { KEYS_CTRL_L }, .keys = "C-l", .help = "redraw the screen", .global = 1 },
	{ .act = ACT_QUIT, .codes = { 'q', KEYS_ESC }, .keys = "q Esc", .footer_key = "q", .footer = "Quit",
	  .help = "leave the animation", .global = 1 },
};

static const struct keymap anim_keys = {
	.entries = anim_entries,
	.n = sizeof anim_entries / sizeof anim_entries[0],
};

/* Playback speeds: a tick every `ms`, `per` positions a tick. */
struct speed {
	int ms, per;
	const char *name;
};

static const struct speed speeds[] = {
	{ .ms = 2000, .per = 1, .name = "0.5/s" }, { .ms = 1000, .per = 1, .name = "1/s" },
	{ .ms = 500, .per = 1, .name = "2/s" }, { .ms = 250, .per = 1, .name = "4/s" },
	{ .ms = 100, .per = 1, .name = "10/s" }, { .ms = 40, .per = 1, .name = "25/s" },
	{ .ms = 40, .per = 2, .name = "50/s" }, { .ms = 40, .per = 4, .name = "100/s" },
	{ .ms = 40, .per = 10, .name = "250/s" }, { .ms = 40, .per = 40, .name = "1000/s" },
	{ .ms = 40, .per = 100, .name = "2500/s" }, { .ms = 40, .per = 400, .name = "10000/s" },
	{ .ms = 40, .per = 1000, .name = "25000/s" },
};

enum {
	N_SPEEDS = sizeof speeds / sizeof speeds[0]
};

/* ---- the animation ---- */

struct anim {
	int is_lesson;
	char caption[300];
	enum anim_algo algo;
	enum world_py py;

	/* a lesson */
	const struct lesson *lesson;	/* not owned */
	struct lesson_run *run;

	/* a heap */
	const struct heap *whole;
	heap_node_t *sel;		/* the part's nodes (NULL: the whole heap) */
	uint32_t n_sel;
	struct heap *part;		/* the part as the world froze it, owned */
	struct stepper *pst;		/* its run, owned */
	int has_rc, has_gens;

	/* what is drawn: the run's heap and stepper */
	const struct heap *hh;
	struct stepper *st;
	struct anim_counts cnt;
	size_t *freed_ev;		/* node -> the event that freed it, SIZE_MAX never */

	uint8_t *coloured;		/* lesson step -> its objects show a collector's colours */

	/* the visible positions: lesson timeline positions, or stepper positions */
	size_t *pos;
	size_t n_pos, k;

	/* layout */
	struct export_layout *lay;	/* NULL: counters only */
	char why_counters[160];
	uint32_t *key_lnode;		/* node -> layout node */
	uint32_t *edge_ledge;		/* edge -> layout edge */
	int *want, *want_full;
	double *lx, *ly;
	struct animfit_cell *cells;
	uint32_t *tmp;
	struct animfit_map map;
	int fit_w, fit_h, fit_ok;
	struct canvas cv;
	double *path;
	int gx;				/* added to the fitted columns (after the box) */
	int bx;				/* the namespace box's first column */

	/* player */
	int playing, speed, help, quit;
	uint64_t next_tick;
	char msg[MSG];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- counters ---- */

static void contrib(struct anim_counts *c, const struct stepper *s, uint32_t v, int sign)
{
	uint64_t d = (uint64_t)(int64_t)sign;

	if (s->flags[v] & STEPPER_F_UNBORN)
		return;
	if (s->flags[v] & STEPPER_F_FREED)
		c->freed += d;
	else if (s->flags[v] & STEPPER_F_UNREACHABLE)
		c->unreachable += d;
	else if (s->colour[v] < 4)
		c->colour[s->colour[v]] += d;
}

void anim_counts_init(struct anim_counts *c, const struct stepper *s)
{
	memset(c, 0, sizeof *c);
	for (uint32_t v = 0; v < s->n; v++)
		contrib(c, s, v, 1);
}

int anim_counts_step(struct anim_counts *c, struct stepper *s, int dir)
{
	const struct stepper_event *ev;
	size_t i;
	int touches;

	if (dir > 0 ? s->pos >= s->n_ev : s->pos == 0)
		return -1;
	i = dir > 0 ? s->pos : s->pos - 1;
	ev = &s->ev[i];
	touches = (ev->col == STEPPER_COL_COLOUR || ev->col == STEPPER_COL_FLAGS) && ev->node < s->n;
	if (touches)
		contrib(c, s, ev->node, -1);
	stepper_step(s, dir);
	if (touches)
		contrib(c, s, ev->node, 1);
	return 0;
}

/* ---- sources ---- */

/* Which steps show a collection's colours: one that collects, and the say
 * paragraphs right after it (its narration); the colours of an earlier
 * collection do not stay on later statements. */
static void build_coloured(struct anim *an)
{
	const struct lesson_run *r = an->run;

	free(an->coloured);
	an->coloured = mem_calloc(r->n_steps ? r->n_steps : 1, 1);
	for (uint32_t i = 0; i < r->n_steps; i++) {
		const struct lesson_step *st = &r->steps[i];
		if (r->lesson->actions[st->action].op == LESSON_SAY) {
			an->coloured[i] = i ? an->coloured[i - 1] : 0;
			continue;
		}
		for (size_t k = st->first; k < st->first + st->n && !an->coloured[i]; k++)
			an->coloured[i] = r->st->ev[k].kind == STEPPER_COLLECT || r->st->ev[k].kind == STEPPER_ROOT;
	}
}

static void build_lesson_positions(struct anim *an)
{
	size_t n = lesson_run_length(an->run);

	free(an->pos);
	an->pos = mem_alloc((n ? n : 1) * sizeof *an->pos);
	for (size_t t = 0; t < n; t++)
		an->pos[t] = t;
	an->n_pos = n ? n : 1;
	if (!n)
		an->pos[0] = 0;
}

static void build_heap_positions(struct anim *an)
{
	size_t n = stepper_len(an->st);

	free(an->pos);
	an->pos = mem_alloc((n + 1) * sizeof *an->pos);
	an->n_pos = 0;
	an->pos[an->n_pos++] = 0;
	for (size_t e = 0; e < n; e++)
		if (an->st->ev[e].kind != STEPPER_COUNT)
			an->pos[an->n_pos++] = e + 1;
}

/* For each node, the event that freed it (one pass over the log). */
static void build_freed(struct anim *an)
{
	free(an->freed_ev);
	an->freed_ev = mem_alloc((an->hh->n_nodes ? an->hh->n_nodes : 1) * sizeof *an->freed_ev);
	for (uint32_t v = 0; v < an->hh->n_nodes; v++)
		an->freed_ev[v] = SIZE_MAX;
	for (size_t i = 0; i < stepper_len(an->st); i++) {
		const struct stepper_event *ev = &an->st->ev[i];
		if ((ev->kind == STEPPER_FREE || ev->kind == STEPPER_SWEEP) && ev->node < an->hh->n_nodes)
			an->freed_ev[ev->node] = i;
	}
}

static void layout_drop(struct anim *an)
{
	export_layout_free(an->lay);
	an->lay = NULL;
	free(an->key_lnode);
	free(an->want);
	free(an->want_full);
	free(an->lx);
	free(an->ly);
	free(an->cells);
	free(an->tmp);
	free(an->edge_ledge);
	an->key_lnode = NULL;
	an->want = an->want_full = NULL;
	an->lx = an->ly = NULL;
	an->cells = NULL;
	an->tmp = NULL;
	an->edge_ledge = NULL;
	an->fit_w = an->fit_h = -1;
}

/* Lays out h (all of it) with Graphviz, once: every object and reference
 * the run ever has, so objects keep their places. */
static void layout_make(struct anim *an, const struct heap *h)
{
	struct export_spec spec = { .what = EXPORT_CYCLE };
	struct error err;
	heap_node_t *all;
	size_t n_fit;

	layout_drop(an);
	an->why_counters[0] = '\0';
	if (h->n_nodes > ANIM_MAX_DRAW) {
		snprintf(an->why_counters, sizeof an->why_counters,
			 "%lu objects: too many to draw (at most %d); counting instead",
			 (unsigned long)h->n_nodes, ANIM_MAX_DRAW);
		return;
	}
	if (h->n_nodes == 0) {
		snprintf(an->why_counters, sizeof an->why_counters, "no objects");
		return;
	}
	/* the namespace is drawn apart (a box of the variables), not laid
	 * out; nor are a lesson's None, True and False when nothing ever
	 * refers to them (they are drawn only while something does) */
	all = mem_alloc(h->n_nodes * sizeof *all);
	for (uint32_t v = 0; v < h->n_nodes; v++) {
		if (an->st && v == an->st->ns_node)
			continue;
		if (an->is_lesson && (h->flags[v] & HEAP_F_UNTRACKED) && !(h->flags[v] & HEAP_F_WEAKREF) &&
		    h->in_off[v] == h->in_off[v + 1])
			continue;
		all[spec.n_nodes++] = v;
	}
	spec.nodes = all;
	spec.max_nodes = h->n_nodes;
	if (export_layout_new(h, &spec, &an->lay, &err) != 0) {
		snprintf(an->why_counters, sizeof an->why_counters, "no layout: %.140s", err.msg);
		an->lay = NULL;
		free(all);
		return;
	}
	free(all);
	an->key_lnode = mem_alloc(h->n_nodes * sizeof *an->key_lnode);
	for (uint32_t v = 0; v < h->n_nodes; v++)
		an->key_lnode[v] = UINT32_MAX;
	/* the nodes, then the control points of the references' curves
	 * (which must stay inside the area too: no label, want -1) */
	n_fit = (size_t)an->lay->n_nodes + an->lay->n_points;
	an->lx = mem_alloc(n_fit * sizeof *an->lx);
	an->ly = mem_alloc(n_fit * sizeof *an->ly);
	an->want = mem_alloc(n_fit * sizeof *an->want);
	an->want_full = mem_alloc(n_fit * sizeof *an->want_full);
	an->cells = mem_alloc(n_fit * sizeof *an->cells);
	an->tmp = mem_alloc(n_fit * sizeof *an->tmp);
	for (uint32_t j = 0; j < an->lay->n_points; j++) {
		an->lx[an->lay->n_nodes + j] = an->lay->points[j].x;
		an->ly[an->lay->n_nodes + j] = an->lay->points[j].y;
		an->want[an->lay->n_nodes + j] = an->want_full[an->lay->n_nodes + j] = -1;
	}
	for (uint32_t i = 0; i < an->lay->n_nodes; i++) {
		const struct export_lnode *ln = &an->lay->nodes[i];
		char lb[160];
		int w;
		an->lx[i] = ln->x;
		an->ly[i] = ln->y;
		if (ln->node != HEAP_NONE && ln->node < h->n_nodes)
			an->key_lnode[ln->node] = i;
		if (ln->node == HEAP_NONE) {
			w = 8;
		} else if (an->is_lesson) {
			size_t len;
			const char *nm = heap_string(h, h->name[ln->node], &len);
			text_escape(lb, sizeof lb, nm, len, 0);
			w = draw_escaped_width(lb, strlen(lb));
		} else {
			stepper_label(h, ln->node, lb, sizeof lb);
			w = draw_escaped_width(lb, strlen(lb));
		}
		/* "○ name [12]" */
		w += 2 + 5;
		an->want_full[i] = w > LABEL_MAX ? LABEL_MAX : w;
	}
	an->edge_ledge = mem_alloc((h->n_edges ? h->n_edges : 1) * sizeof *an->edge_ledge);
	for (uint32_t e = 0; e < h->n_edges; e++)
		an->edge_ledge[e] = UINT32_MAX;
	for (uint32_t j = 0; j < an->lay->n_edges; j++)
		if (an->lay->edges[j].edge < h->n_edges)
			an->edge_ledge[an->lay->edges[j].edge] = j;
}

static const char *algo_short(enum anim_algo a)
{
	static const char *const names[ANIM_ALGOS] = {
		[ANIM_MARKSWEEP] = "mark-sweep",
		[ANIM_CPYTHON] = "CPython gc",
		[ANIM_REFCOUNT] = "refcount",
		[ANIM_GENS] = "generations",
	};
	return names[a];
}

static const char *algo_name(const struct anim *an, enum anim_algo a)
{
	static const char *const lesson_names[ANIM_ALGOS] = {
		[ANIM_MARKSWEEP] = "mark-and-sweep",
		[ANIM_CPYTHON] = "CPython (refcounts + cycle detector)",
		[ANIM_REFCOUNT] = "reference counting only",
		[ANIM_GENS] = "generations",
	};
	static const char *const heap_names[ANIM_ALGOS] = {
		[ANIM_MARKSWEEP] = "mark-and-sweep",
		[ANIM_CPYTHON] = "CPython cycle collection, gc.collect(2)",
		[ANIM_REFCOUNT] = "reference counting (the outside lets go)",
		[ANIM_GENS] = "generations: gc.collect(0), survivors promoted",
	};
	return an->is_lesson ? lesson_names[a] : heap_names[a];
}

/* Runs algorithm algo on the heap part in a world; returns 0 or -1. */
static int heap_run(struct anim *an, enum anim_algo algo, struct error *err)
{
	struct world *w = world_from_heap(an->whole, an->sel, an->n_sel,
					  algo == ANIM_MARKSWEEP ? WORLD_MARKSWEEP :
					  algo == ANIM_REFCOUNT ? WORLD_REFCOUNT : WORLD_CPYTHON, an->py);
	int64_t ret;

	switch (algo) {
	case ANIM_MARKSWEEP:
	case ANIM_CPYTHON:
		world_collect(w, 2, &ret);
		break;
	case ANIM_GENS:
		world_collect(w, 0, &ret);
		break;
	case ANIM_REFCOUNT:
		world_release_outside(w);
		break;
	default:
		break;
	}
	stepper_free(an->pst);
	heap_free(an->part);
	an->pst = NULL;
	an->part = NULL;
	return world_finish(w, &an->part, &an->pst, err);
}

static int algo_allowed(const struct anim *an, enum anim_algo algo, struct error *err)
{
	if (an->is_lesson && algo == ANIM_GENS)
		return error_set(err, "in a lesson, generations are part of the CPython collector");
	if (an->is_lesson && algo != ANIM_CPYTHON)
		for (uint32_t i = 0; i < an->lesson->n_actions; i++) {
			const struct lesson_action *a = &an->lesson->actions[i];
			if (algo == ANIM_REFCOUNT && a->op == LESSON_COLLECT)
				return error_set(err, "reference counting alone has no collector, and this "
						      "lesson calls collect (line %u)", (unsigned)a->line);
			if (algo == ANIM_MARKSWEEP && (a->op == LESSON_FINALIZER || a->op == LESSON_REFCOUNT))
				return error_set(err, "mark-and-sweep keeps no refcounts and runs no finalizers, and "
						      "this lesson uses them (line %u)", (unsigned)a->line);
			if (a->op == LESSON_FREEZE || a->op == LESSON_UNFREEZE || a->op == LESSON_COUNTS)
				return error_set(err, "only CPython has gc.freeze() and the counts this lesson "
						      "uses (line %u)", (unsigned)a->line);
		}
	if (!an->is_lesson && (algo == ANIM_CPYTHON || algo == ANIM_GENS) && !an->has_gens)
		return error_set(err, "CPython's collector needs GC generations; this heap has none "
				      "(a Python dump has them)");
	return 0;
}

static int switch_to(struct anim *an, enum anim_algo algo, struct error *err)
{
	size_t keep = 0;

	if (an->is_lesson) {
		static const enum lesson_gc gcs[ANIM_ALGOS] = {
			[ANIM_MARKSWEEP] = LESSON_GC_MARKSWEEP,
			[ANIM_CPYTHON] = LESSON_GC_CPYTHON,
			[ANIM_REFCOUNT] = LESSON_GC_REFCOUNT,
			[ANIM_GENS] = LESSON_GC_CPYTHON,
		};
		struct lesson_run *r;
		uint32_t step = 0;
		if (an->run && an->n_pos) {
			size_t ev;
			step = lesson_run_seek(an->run, an->pos[an->k], &ev);
		}
		if (lesson_run_new(an->lesson, gcs[algo], an->py, &r, err) != 0)
			return -1;
		/* the same statement under the other collector (its start) */
		keep = lesson_run_step_start(r, step < r->n_steps ? step : 0);
		lesson_run_free(an->run);
		an->run = r;
		an->hh = r->heap;
		an->st = r->st;
		build_lesson_positions(an);
		build_coloured(an);
	} else {
		if (heap_run(an, algo, err) != 0)
			return -1;
		an->hh = an->part;
		an->st = an->pst;
		build_heap_positions(an);
		stepper_seek(an->st, 0);
		anim_counts_init(&an->cnt, an->st);
	}
	build_freed(an);
	/* the heap of a lesson is the same whatever the collector runs it
	 * (objects and references made by the program), a heap part too */
	layout_make(an, an->hh);
	an->algo = algo;
	an->k = 0;
	an->playing = 0;
	anim_seek(an, keep);
	return 0;
}

int anim_set_algo(struct anim *an, enum anim_algo algo, struct error *err)
{
	if (algo >= ANIM_ALGOS || algo_allowed(an, algo, err) != 0)
		return -1;
	return switch_to(an, algo, err);
}

int anim_set_python(struct anim *an, enum world_py py)
{
	struct error err;

	if ((unsigned)py >= WORLD_PYS || py == an->py)
		return 0;
	an->py = py;
	return switch_to(an, an->algo, &err);
}

static struct anim *anim_alloc(void)
{
	struct anim *an = mem_calloc(1, sizeof *an);

	an->speed = DEFAULT_SPEED;
	an->fit_w = an->fit_h = -1;
	an->py = WORLD_PY_NEWEST;
	canvas_init(&an->cv, 0, 0);
	an->path = mem_alloc(2 * PATH_MAX_PTS * sizeof *an->path);
	return an;
}

struct anim *anim_new_lesson(const struct lesson *l, struct error *err)
{
	struct anim *an = anim_alloc();
	static const enum anim_algo of_gc[] = {
		[LESSON_GC_CPYTHON] = ANIM_CPYTHON,
		[LESSON_GC_REFCOUNT] = ANIM_REFCOUNT,
		[LESSON_GC_MARKSWEEP] = ANIM_MARKSWEEP,
	};

	an->is_lesson = 1;
	an->lesson = l;
	an->py = lesson_py(l);
	snprintf(an->caption, sizeof an->caption, "%s", l->title ? lesson_text(l, l->title) : "(untitled lesson)");
	if (anim_set_algo(an, of_gc[l->gc], err) != 0) {
		anim_free(an);
		return NULL;
	}
	return an;
}

static int any_flag(const struct heap *h, uint16_t flag)
{
	for (uint32_t v = 0; v < h->n_nodes; v++)
		if (h->flags[v] & flag)
			return 1;
	return 0;
}

uint32_t anim_cycle_part(const struct heap *h, const heap_node_t *members, uint32_t n, uint64_t no,
			 int garbage, uint32_t max, heap_node_t *out, char *what, size_t size)
{
	int more = 0;
	uint32_t k = subheap_held(h, members, n, max, out, &more);

	snprintf(what, size, "cycle %llu (%lu object%s, %s)%s%s", (unsigned long long)no, (unsigned long)n,
		 n == 1 ? "" : "s", garbage ? "garbage" : "live", k > n ? " and what only it holds" : "",
		 more ? " (the nearest only)" : "");
	return k;
}

struct anim *anim_new_heap(const struct heap *h, const heap_node_t *nodes, uint32_t n,
			   const char *what, struct error *err)
{
	struct anim *an = anim_alloc();

	an->whole = h;
	for (uint32_t i = 0; nodes && i < n; i++)
		if (nodes[i] >= h->n_nodes) {
			anim_free(an);
			error_set(err, "node %lu is not in the heap", (unsigned long)nodes[i]);
			return NULL;
		}
	if (nodes) {
		an->sel = mem_alloc((n ? n : 1) * sizeof *an->sel);
		memcpy(an->sel, nodes, n * sizeof *an->sel);
		an->n_sel = n;
	} else if ((uint64_t)h->n_nodes + h->n_edges > ANIM_MAX_RECORD) {
		anim_free(an);
		error_set(err, "the whole heap (%lu objects) is too big to step through: animate a cycle or an object",
			  (unsigned long)h->n_nodes);
		return NULL;
	}
	snprintf(an->caption, sizeof an->caption, "%s", what);
	an->has_rc = any_flag(h, HEAP_F_HAS_REFCOUNT);
	an->has_gens = h->max_generation != HEAP_GEN_UNKNOWN;
	if (anim_set_algo(an, an->has_rc && an->has_gens ? ANIM_CPYTHON : ANIM_MARKSWEEP, err) != 0) {
		anim_free(an);
		return NULL;
	}
	return an;
}

void anim_free(struct anim *an)
{
	if (!an)
		return;
	layout_drop(an);
	lesson_run_free(an->run);
	stepper_free(an->pst);
	heap_free(an->part);
	free(an->sel);
	free(an->freed_ev);
	free(an->coloured);
	free(an->pos);
	free(an->path);
	canvas_fini(&an->cv);
	free(an);
}

size_t anim_length(const struct anim *an)
{
	return an->n_pos;
}

size_t anim_position(const struct anim *an)
{
	return an->k;
}

void anim_seek(struct anim *an, size_t k)
{
	if (k >= an->n_pos)
		k = an->n_pos - 1;
	an->k = k;
	if (an->is_lesson) {
		size_t ev;
		lesson_run_seek(an->run, an->pos[k], &ev);
		return;
	}
	while (an->st->pos < an->pos[k] && anim_counts_step(&an->cnt, an->st, 1) == 0)
		;
	while (an->st->pos > an->pos[k] && anim_counts_step(&an->cnt, an->st, -1) == 0)
		;
}

/* ---- the current frame ---- */

struct frame {
	const struct heap *h;
	struct stepper *s;
	const struct stepper_event *ev;	/* the event just narrated, or NULL */
	size_t since;			/* where the current action began (a say
					 * paragraph's: the action it explains) */
	uint32_t step;			/* lesson step */
};

static void frame_get(struct anim *an, struct frame *f)
{
	memset(f, 0, sizeof *f);
	f->h = an->hh;
	f->s = an->st;
	if (an->is_lesson) {
		size_t ev, t = an->pos[an->k];
		uint32_t a;
		f->step = lesson_run_seek(an->run, t, &ev);
		/* what an action freed stays (crossed out) while the say
		 * paragraphs after it explain it */
		for (a = f->step; a > 0 && an->run->lesson->actions[an->run->steps[a].action].op == LESSON_SAY; a--)
			;
		f->since = an->run->steps[a].first;
		if (an->run->pos_desc[t] != SIZE_MAX)
			f->ev = &an->st->ev[an->run->pos_desc[t]];
	} else {
		f->ev = an->st->pos ? &an->st->ev[an->st->pos - 1] : NULL;
	}
}

/* Whether node v is on the screen: made, and not freed before the current
 * action began (what it freed shows as freed). */
static int node_visible(const struct anim *an, const struct frame *f, heap_node_t v)
{
	const struct stepper *s = f->s;

	if (s->flags[v] & STEPPER_F_UNBORN)
		return 0;
	if (s->flags[v] & STEPPER_F_FREED)
		return an->freed_ev[v] == SIZE_MAX || an->freed_ev[v] >= f->since;
	if (!(f->h->flags[v] & HEAP_F_UNTRACKED) || (f->h->flags[v] & HEAP_F_WEAKREF))
		return 1;
	/* None, True, False: while something refers to them */
	{
		const uint32_t *in_edge = heap_in_edges(f->h);
		for (uint32_t i = f->h->in_off[v]; i < f->h->in_off[v + 1]; i++)
			if (s->edge_on[in_edge[i]])
				return 1;
	}
	return !an->is_lesson;
}

/* Layout node of frame node v, UINT32_MAX if none or not visible. */
static uint32_t lnode_of(const struct anim *an, const struct frame *f, heap_node_t v)
{
	if (!an->lay || !an->key_lnode || v >= f->h->n_nodes || !node_visible(an, f, v))
		return UINT32_MAX;
	return an->key_lnode[v];
}

static uint32_t ledge_of(const struct anim *an, const struct frame *f, heap_node_t from, uint32_t e)
{
	(void)f;
	(void)from;
	return an->edge_ledge ? an->edge_ledge[e] : UINT32_MAX;
}

/* How a node looks: glyph (UTF-8, ASCII), word, attribute. */
struct look {
	const char *glyph;
	const char *word;
	attr_t attr;
};

/* Whether the objects show a collector's colours at this frame. */
static int colours_shown(const struct anim *an, const struct frame *f)
{
	return !an->is_lesson || an->coloured[f->step];
}

static void node_look(const struct anim *an, const struct frame *f, heap_node_t v, struct look *lk)
{
	const struct stepper *s = f->s;
	int u = screen_utf8();

	if (s->flags[v] & STEPPER_F_FREED) {
		*lk = (struct look){ u ? "\xe2\x9c\x97" : "x", "freed", screen_attr(ROLE_DIM) };
	} else if (s->flags[v] & STEPPER_F_UNREACHABLE) {
		*lk = (struct look){ u ? "\xe2\x8a\x98" : "!", "garbage", screen_attr(ROLE_GARBAGE) };
	} else if (f->h->flags[v] & HEAP_F_IMMORTAL) {
		*lk = (struct look){ u ? "\xc2\xb7" : ".", "immortal", screen_attr(ROLE_DIM) };
	} else if (s->gen[v] == STEPPER_GEN_UNTRACKED && (an->algo == ANIM_CPYTHON || an->algo == ANIM_GENS) &&
		   s->colour[v] != STEPPER_BLACK && s->colour[v] != STEPPER_GREY) {
		*lk = (struct look){ u ? "\xc2\xb7" : ".", "untracked", screen_attr(ROLE_DIM) };
	} else if (!colours_shown(an, f)) {
		*lk = (struct look){ u ? "\xe2\x97\x8b" : "o", "live", screen_attr(ROLE_NORMAL) };
	} else {
		switch (s->colour[v]) {
		case STEPPER_GREY:
			*lk = (struct look){ u ? "\xe2\x97\x90" : "+", "grey", screen_attr(ROLE_ROOT) | A_BOLD };
			break;
		case STEPPER_BLACK:
			*lk = (struct look){ u ? "\xe2\x97\x8f" : "#", "black", screen_attr(ROLE_NORMAL) | A_REVERSE };
			break;
		case STEPPER_OUTSIDE:
			*lk = (struct look){ u ? "\xc2\xb7" : ".", "outside", screen_attr(ROLE_DIM) };
			break;
		default:
			*lk = (struct look){ u ? "\xe2\x97\x8b" : "o", "white", screen_attr(ROLE_NORMAL) };
			break;
		}
	}
}

/* Whether gc_refs mean something now (CPython's pass is under way). */
static int gcrefs_phase(const struct stepper *s)
{
	enum stepper_phase p = (enum stepper_phase)s->phase;

	return p == STEPPER_PH_COPY || p == STEPPER_PH_SUBTRACT || p == STEPPER_PH_RESCUE ||
	       p == STEPPER_PH_RECHECK;
}

static int uses_rc(const struct anim *an)
{
	return an->algo != ANIM_MARKSWEEP;
}

static const char *node_name(const struct anim *an, const struct frame *f, heap_node_t v, char *buf,
			     size_t size)
{
	if (an->is_lesson) {
		size_t len;
		const char *nm = heap_string(f->h, f->h->name[v], &len);
		text_escape(buf, size, nm, len, 0);
		return buf;
	}
	return stepper_label(f->h, v, buf, size);
}

/* The node an event is about (HEAP_NONE: none). */
static heap_node_t ev_subject(const struct frame *f)
{
	if (!f->ev)
		return HEAP_NONE;
	switch (f->ev->kind) {
	case STEPPER_PHASE:
	case STEPPER_COUNT:
	case STEPPER_THRESHOLD:
	case STEPPER_COLLECT:
		return HEAP_NONE;
	default:
		return f->ev->node < f->h->n_nodes ? f->ev->node : HEAP_NONE;
	}
}

/* ---- drawing ---- */

static int fit(struct anim *an, int w, int h)
{
	if (!an->lay)
		return 0;
	if (w == an->fit_w && h == an->fit_h)
		return an->fit_ok;
	an->fit_w = w;
	an->fit_h = h;
	/* labels at most a third of the width, so the drawing keeps its shape */
	for (uint32_t i = 0; i < an->lay->n_nodes; i++) {
		an->want[i] = an->want_full[i] < w / 3 ? an->want_full[i] : w / 3;
		if (an->want[i] < LABEL_MIN)
			an->want[i] = LABEL_MIN;
		if (an->lay->nodes[i].node == HEAP_NONE)
			an->want[i] = 0;	/* outside the set: never drawn */
	}
	an->fit_ok = animfit_place(an->lx, an->ly, an->want, an->lay->n_nodes + an->lay->n_points, w, h, LABEL_MIN,
				   an->cells, &an->map, an->tmp) == 0;
	return an->fit_ok;
}

static attr_t tag_attr(int tag)
{
	switch (tag) {
	case TAG_HOT: return screen_attr(ROLE_HEADER) | A_BOLD;
	case TAG_WEAK: return screen_attr(ROLE_WEAK);
	case TAG_DEAD: return screen_attr(ROLE_DIM);
	default: return screen_attr(ROLE_TYPE);
	}
}

/* Whether h has a reference t -> v as well as v -> t. */
static int has_reverse(const struct heap *h, heap_node_t v, heap_node_t t)
{
	for (uint32_t e = h->out_off[t]; e < h->out_off[t + 1]; e++)
		if (h->out_to[e] == v)
			return 1;
	return 0;
}

enum {
	NS_ROWS_MAX = 64	/* variables shown in the namespace box, at most */
};

/* The variables (references from the namespace to objects on the
 * screen), in the namespace's order, into vars; returns how many. */
static int ns_vars(const struct anim *an, const struct frame *f, uint32_t *vars, int max)
{
	const struct heap *h = f->h;
	uint32_t ns = f->s->ns_node;
	int n = 0;

	if (!an->is_lesson || ns == HEAP_NONE)
		return 0;
	for (uint32_t e = h->out_off[ns]; e < h->out_off[ns + 1] && n < max; e++)
		if (f->s->edge_on[e] && node_visible(an, f, h->out_to[e]))
			vars[n++] = e;
	return n;
}

/* How many variables fit in a box h rows high (a title and a bottom line). */
static int ns_rows(int h)
{
	return h > 3 ? h - 2 : 0;
}

/* The namespace box's width for a lesson (0: none): its widest variable
 * name, at least "globals", at most a fifth of the area. */
static int ns_width(const struct anim *an, const struct frame *f, int w)
{
	uint32_t vars[NS_ROWS_MAX];
	int nv, bw = 12;	/* "┌ globals ─┐" */

	if (!an->is_lesson || f->s->ns_node == HEAP_NONE)
		return 0;
	nv = ns_vars(an, f, vars, NS_ROWS_MAX);
	for (int k = 0; k < nv; k++) {
		char nm[128];
		int nw;
		heap_edge_name(f->h, f->h->out_name[vars[k]], nm, sizeof nm);
		nw = draw_width(nm, strlen(nm)) + 4;
		if (nw > bw)
			bw = nw;
	}
	if (bw > w / 5)
		bw = w / 5;
	/* only where the drawing keeps room for itself (a projector) */
	return bw < 10 || w - bw < 70 ? 0 : bw;
}

/* The box and the graph side by side, centred together, a gap of up to 8
 * columns for the arrows between them (Python Tutor's frame and objects):
 * sets bx and gx once the graph is fitted right of the box. */
static void place_box(struct anim *an, int w, int bw)
{
	int minc = w, maxc = 0, gap, start;

	for (uint32_t i = 0; i < an->lay->n_nodes; i++) {
		if (an->cells[i].w == 0)
			continue;
		if (an->cells[i].col < minc)
			minc = an->cells[i].col;
		if (an->cells[i].col + an->cells[i].w > maxc)
			maxc = an->cells[i].col + an->cells[i].w;
	}
	if (maxc <= minc)
		return;
	/* the fitted graph lies in [gx + minc, gx + maxc) */
	gap = w - bw - (maxc - minc);
	if (gap > 8)
		gap = 8;
	if (gap < 3)
		return;
	start = (w - bw - gap - (maxc - minc)) / 2;
	if (start < 0)
		start = 0;
	an->bx = start;
	an->gx = start + bw + gap - minc;
}

/* The box of the variables (Python Tutor's frame): "globals", one row per
 * variable, the arrows start at its right edge. */
static void draw_namespace(struct anim *an, const struct frame *f, int y0, int x0, int bw, int h)
{
	uint32_t vars[NS_ROWS_MAX];
	int nv = ns_vars(an, f, vars, NS_ROWS_MAX), rows = ns_rows(h), u = screen_utf8();
	attr_t at = screen_attr(ROLE_DIM);
	char line[200];

	if (rows < 1)
		return;
	if (nv > rows)
		nv = rows;
	/* top: ┌ globals ─┐ */
	snprintf(line, sizeof line, "%s globals ", u ? "\xe2\x94\x8c" : "+");
	draw_str(stdscr, y0, x0, bw, line, screen_attr(ROLE_HEADER));
	for (int c = draw_width(line, strlen(line)); c < bw - 1; c++)
		draw_str(stdscr, y0, x0 + c, 1, u ? "\xe2\x94\x80" : "-", at);
	draw_str(stdscr, y0, x0 + bw - 1, 1, u ? "\xe2\x94\x90" : "+", at);
	for (int k = 0; k < nv; k++) {
		char nm[128], esc[160];
		uint32_t e = vars[k];
		attr_t na = f->ev && f->ev->edge == e ? screen_attr(ROLE_HEADER) | A_BOLD : screen_attr(ROLE_NAME);
		heap_edge_name(f->h, f->h->out_name[e], nm, sizeof nm);
		text_escape(esc, sizeof esc, nm, strlen(nm), u ? 0 : TEXT_ASCII);
		draw_str(stdscr, y0 + 1 + k, x0, 1, u ? "\xe2\x94\x82" : "|", at);
		draw_escaped(stdscr, y0 + 1 + k, x0 + 2, bw - 4, esc, strlen(esc), na);
		draw_str(stdscr, y0 + 1 + k, x0 + bw - 1, 1, u ? "\xe2\x94\x9c" : "+", at);
	}
	if (nv == 0) {
		draw_str(stdscr, y0 + 1, x0, 1, u ? "\xe2\x94\x82" : "|", at);
		draw_str(stdscr, y0 + 1, x0 + 2, bw - 4, "(none)", at);
		draw_str(stdscr, y0 + 1, x0 + bw - 1, 1, u ? "\xe2\x94\x82" : "|", at);
		nv = 1;
	}
	draw_str(stdscr, y0 + 1 + nv, x0, 1, u ? "\xe2\x94\x94" : "+", at);
	for (int c = 1; c < bw - 1; c++)
		draw_str(stdscr, y0 + 1 + nv, x0 + c, 1, u ? "\xe2\x94\x80" : "-", at);
	draw_str(stdscr, y0 + 1 + nv, x0 + bw - 1, 1, u ? "\xe2\x94\x98" : "+", at);
}

/* The generations as areas under the drawing: one box per generation (and
 * the permanent one when gc.freeze() filled it), titled with its count and
 * threshold (gc.get_count(), gc.get_threshold()), listing the objects in
 * it; on one row when there is little room.  3.14 has a young and an old
 * generation. */
static void draw_gens(struct anim *an, const struct frame *f, int y0, int x0, int w, int rows)
{
	static const uint8_t all[] = { 0, 1, 2, STEPPER_GEN_PERMANENT };
	const struct stepper *s = f->s;
	int incremental = an->is_lesson ? world_py_info(an->run->py)->incremental : world_py_info(an->py)->incremental;
	uint8_t gens[4];
	int ng = 0, u = screen_utf8();
	attr_t dim = screen_attr(ROLE_DIM);

	for (size_t i = 0; i < sizeof all; i++) {
		int any = 0;
		for (uint32_t v = 0; v < s->n && !any; v++)
			any = s->gen[v] == all[i] && node_visible(an, f, v) && !(s->flags[v] & STEPPER_F_FREED);
		if (all[i] == 1 && incremental)
			continue;
		if (all[i] == STEPPER_GEN_PERMANENT && !any)
			continue;
		gens[ng++] = all[i];
	}
	for (int i = 0; i < ng; i++) {
		int bx = x0 + i * w / ng, bwid = (i + 1) * w / ng - i * w / ng;
		char title[120], names[600];
		size_t len = 0;
		uint8_t g = gens[i];
		if (g == STEPPER_GEN_PERMANENT)
			snprintf(title, sizeof title, "permanent");
		else if (!an->is_lesson)	/* a snapshot's gc counters are not known */
			snprintf(title, sizeof title, incremental ? (g == 0 ? "young" : "old") : "generation %u",
				 (unsigned)g);
		else if (incremental)
			snprintf(title, sizeof title, "%s %lld/%lld", g == 0 ? "young" : "old", (long long)s->gen_count[g == 0 ? 0 : 1],
				 (long long)s->threshold[g == 0 ? 0 : 1]);
		else
			snprintf(title, sizeof title, "generation %u %lld/%lld", (unsigned)g, (long long)s->gen_count[g],
				 (long long)s->threshold[g]);
		/* the objects, the namespace (globals) last; 3.14's old
		 * generation holds both of its halves (pending, visited) */
		names[0] = '\0';
		for (uint32_t k = 0; k <= s->n; k++) {
			char nm[128];
			uint32_t v = k < s->n ? k : s->ns_node;
			if (v >= s->n || (k < s->n && v == s->ns_node))
				continue;
			if (!(s->gen[v] == g || (incremental && g == 2 && s->gen[v] == 1)) || !node_visible(an, f, v) ||
			    (s->flags[v] & STEPPER_F_FREED))
				continue;
			node_name(an, f, v, nm, sizeof nm);
			len += (size_t)snprintf(names + len, len < sizeof names ? sizeof names - len : 0, "%s%s",
						len ? " " : "", nm);
		}
		if (rows >= 3 && bwid >= 8) {
			char top[160];
			snprintf(top, sizeof top, "%s %s ", u ? "\xe2\x94\x8c" : "+", title);
			draw_str(stdscr, y0, bx, bwid, top, screen_attr(ROLE_HEADER));
			for (int c = draw_width(top, strlen(top)); c < bwid - 1; c++)
				draw_str(stdscr, y0, bx + c, 1, u ? "\xe2\x94\x80" : "-", dim);
			draw_str(stdscr, y0, bx + bwid - 1, 1, u ? "\xe2\x94\x90" : "+", dim);
			draw_str(stdscr, y0 + 1, bx, 1, u ? "\xe2\x94\x82" : "|", dim);
			draw_escaped(stdscr, y0 + 1, bx + 2, bwid - 4, names[0] ? names : "(empty)",
				     strlen(names[0] ? names : "(empty)"),
				 names[0] ? screen_attr(ROLE_NAME) : dim);
			draw_str(stdscr, y0 + 1, bx + bwid - 1, 1, u ? "\xe2\x94\x82" : "|", dim);
			draw_str(stdscr, y0 + 2, bx, 1, u ? "\xe2\x94\x94" : "+", dim);
			for (int c = 1; c < bwid - 1; c++)
				draw_str(stdscr, y0 + 2, bx + c, 1, u ? "\xe2\x94\x80" : "-", dim);
			draw_str(stdscr, y0 + 2, bx + bwid - 1, 1, u ? "\xe2\x94\x98" : "+", dim);
		} else {
			char one[800];
			if (g == STEPPER_GEN_PERMANENT)
				snprintf(title, sizeof title, "perm");
			else if (!an->is_lesson)
				snprintf(title, sizeof title, incremental ? (g == 0 ? "young" : "old") : "gen%u",
					 (unsigned)g);
			else if (incremental)
				snprintf(title, sizeof title, "%s %lld/%lld", g == 0 ? "young" : "old",
					 (long long)s->gen_count[g == 0 ? 0 : 1], (long long)s->threshold[g == 0 ? 0 : 1]);
			else
				snprintf(title, sizeof title, "gen%u %lld/%lld", (unsigned)g, (long long)s->gen_count[g],
					 (long long)s->threshold[g]);
			snprintf(one, sizeof one, "%s%s: %s", i ? (u ? "\xe2\x94\x82" : "|") : "", title,
				 names[0] ? names : "-");
			draw_escaped(stdscr, y0, bx, bwid, one, strlen(one), screen_attr(ROLE_NAME));
		}
	}
}

/* A layout point in the graph's columns: animfit's, moved right by the
 * namespace box. */
static void pt(const struct anim *an, double x, double y, double *col, double *row)
{
	animfit_point(&an->map, x, y, col, row);
	*col += an->gx;
}

/* Draws an object's name in w columns at (y, x); when it does not fit, a
 * real heap's "TYPE@..ID" keeps its id (what tells two objects of a type
 * apart) and cuts the type: "func…@..032".  Returns the columns drawn. */
static int draw_name(int y, int x, int w, const char *nm, attr_t at)
{
	const char *tail = strstr(nm, "@");
	int nmw = draw_escaped_width(nm, strlen(nm)), tw, x0 = x;

	if (nmw <= w || !tail || tail == nm)
		return draw_escaped(stdscr, y, x, w, nm, strlen(nm), at);
	tw = draw_escaped_width(tail, strlen(tail));
	if (tw + 2 > w)
		return draw_escaped(stdscr, y, x, w, nm, strlen(nm), at);
	/* the type cut to w - tw columns (its last one an ellipsis) */
	x += draw_escaped(stdscr, y, x, w - tw, nm, (size_t)(tail - nm) + 1, at);
	x += draw_escaped(stdscr, y, x, tw, tail, strlen(tail), at);
	return x - x0;
}

/* Draws the graph into the area w x h at (y0, x0): the objects and their
 * references (the layout fitted into the area right of the column gx),
 * and, on the left, the namespace box of the variables (bw columns, a
 * lesson's) with an arrow from each variable to its object. */
static void draw_graph(struct anim *an, const struct frame *f, int y0, int x0, int w, int h, int bw)
{
	const struct heap *hp = f->h;
	const struct stepper *s = f->s;
	heap_node_t subj = ev_subject(f);
	int gc_refs = gcrefs_phase(s);
	struct canvas *cv = &an->cv;
	struct {
		uint32_t e, tag;
		double x, y;
	} names[NAMES_MAX];
	uint32_t n_names = 0;

	if (cv->w != w || cv->h != h) {
		canvas_fini(cv);
		canvas_init(cv, w, h);
	}
	canvas_clear(cv);
	for (int r = 0; bw && r < h; r++)
		canvas_block(cv, an->bx, r, bw);
	for (uint32_t v = 0; v < hp->n_nodes; v++) {
		uint32_t i = lnode_of(an, f, v);
		if (i != UINT32_MAX)
			canvas_block(cv, (an->cells[i].col + an->gx), an->cells[i].row, an->cells[i].w);
	}
	for (uint32_t v = 0; v < hp->n_nodes; v++) {
		uint32_t iv = lnode_of(an, f, v);
		if (iv == UINT32_MAX)
			continue;
		for (uint32_t e = hp->out_off[v]; e < hp->out_off[v + 1]; e++) {
			heap_node_t t = hp->out_to[e];
			uint32_t it = lnode_of(an, f, t), j;
			uint8_t tag = TAG_EDGE;
			size_t np = 0;
			if (it == UINT32_MAX || t == v)
				continue;
			if (heap_out_kind(hp, e) == HEAP_EDGE_WEAK)
				tag = TAG_WEAK;
			if ((s->flags[v] | s->flags[t]) & STEPPER_F_FREED)
				tag = TAG_DEAD;
			if (f->ev && f->ev->edge == e && f->ev->kind != STEPPER_PHASE)
				tag = TAG_HOT;
			j = ledge_of(an, f, v, e);
			if (j != UINT32_MAX && an->lay->edges[j].n_points >= 2) {
				const struct export_ledge *le = &an->lay->edges[j];
				const struct export_point *p = &an->lay->points[le->first_point];
				double ctl[2 * 64];
				size_t nc = le->n_points < 64 ? le->n_points : 64;
				int fwd = an->lay->edges[j].from == iv;
				for (size_t q = 0; q < nc; q++) {
					const struct export_point *pp = fwd ? &p[q] : &p[le->n_points - 1 - q];
					double c, r;
					pt(an, pp->x, pp->y, &c, &r);
					ctl[2 * q] = c * 2;
					ctl[2 * q + 1] = r * 4;
				}
				nc = (nc - 1) / 3 * 3 + 1;
				/* The spline starts at Graphviz's node border, which is
				 * not where the label is: start at the source's centre. */
				{
					double c, r;
					pt(an, an->lx[iv], an->ly[iv], &c, &r);
					an->path[0] = c * 2;
					an->path[1] = r * 4;
				}
				np = 1 + canvas_bezier(ctl, nc, BEZIER_PER, an->path + 2, PATH_MAX_PTS - 2);
				/* The spline ends at Graphviz's node border: go on to
				 * the centre so the arrow meets the label. */
				if (np > 0 && np < PATH_MAX_PTS) {
					double c, r;
					pt(an, an->lx[it], an->ly[it], &c, &r);
					an->path[2 * np] = c * 2;
					an->path[2 * np + 1] = r * 4;
					np++;
				}
			}
			if (np < 2) {
				double c, r;
				pt(an, an->lx[iv], an->ly[iv], &c, &r);
				an->path[0] = c * 2;
				an->path[1] = r * 4;
				pt(an, an->lx[it], an->ly[it], &c, &r);
				an->path[2] = c * 2;
				an->path[3] = r * 4;
				np = 2;
			}
			/* a reference both ways (a cycle of two): draw the two
			 * side by side, not on top of each other */
			if (has_reverse(hp, v, t)) {
				double dx = v < t ? -2 : 2;
				for (size_t q = 1; q + 1 < np; q++)
					an->path[2 * q] += dx;
			}
			{
				double tip[2];
				tip[0] = ((an->cells[it].col + an->gx) + an->cells[it].w / 2.0) * 2;
				tip[1] = (an->cells[it].row + 0.5) * 4;
				/* a weak reference stays dotted, highlighted or cleared */
				canvas_path(cv, an->path, np, tag, heap_out_kind(hp, e) == HEAP_EDGE_WEAK, tip);
			}
			if (n_names < NAMES_MAX) {
				names[n_names].e = e;
				names[n_names].x = an->path[2 * (np / 2)] / 2;
				names[n_names].y = an->path[2 * (np / 2) + 1] / 4;
				names[n_names].tag = tag;
				n_names++;
			}
		}
	}
	/* the variables: an arrow from each one's row of the box */
	if (bw) {
		uint32_t vars[NS_ROWS_MAX];
		int nv = ns_vars(an, f, vars, NS_ROWS_MAX), rows = ns_rows(h);
		for (int k = 0; k < nv && k < rows; k++) {
			uint32_t e = vars[k], it = lnode_of(an, f, hp->out_to[e]);
			double tip[2], c, r;
			uint8_t tag = f->ev && f->ev->edge == e ? TAG_HOT : TAG_EDGE;
			if (it == UINT32_MAX)
				continue;
			pt(an, an->lx[it], an->ly[it], &c, &r);
			an->path[0] = (an->bx + bw) * 2.0;
			an->path[1] = (1 + k + 0.5) * 4;
			an->path[2] = c * 2;
			an->path[3] = r * 4;
			tip[0] = (an->cells[it].col + an->gx + an->cells[it].w / 2.0) * 2;
			tip[1] = (an->cells[it].row + 0.5) * 4;
			canvas_path(cv, an->path, 2, tag, 0, tip);
		}
	}
	for (int r = 0; r < h; r++)
		for (int c = 0; c < w; c++) {
			char buf[8];
			int tag = canvas_cell(cv, c, r, screen_utf8(), buf);
			/* the canvas's own characters: a line drawn with a backslash
			 * in ASCII is not a snapshot's backslash, shown doubled */
			if (tag)
				draw_escaped(stdscr, y0 + r, x0 + c, 1, buf, strlen(buf), tag_attr(tag));
		}
	if (bw)
		draw_namespace(an, f, y0, x0 + an->bx, bw, h);
	/* field names at the middle of their reference, where nothing else is */
	for (uint32_t k = 0; k < n_names; k++) {
		char fb[64], nb[72];
		int x, nw, free_run = 1;
		heap_edge_name(hp, hp->out_name[names[k].e], fb, sizeof fb);
		snprintf(nb, sizeof nb, "%s%s", (hp->out_name[names[k].e] & HEAP_NAME_INDEX) ? "" : ".", fb);
		nw = draw_width(nb, strlen(nb));
		if (nw > 12)
			nw = 12;
		x = (int)names[k].x + 1;
		if (x + nw > w || (int)names[k].y < 0 || (int)names[k].y >= h)
			continue;
		for (int q = x - 1; q <= x + nw; q++)
			if (canvas_blocked(cv, q, (int)names[k].y))
				free_run = 0;
		if (!free_run)
			continue;
		canvas_block(cv, x, (int)names[k].y, nw);
		draw_str(stdscr, y0 + (int)names[k].y, x0 + x, nw, nb,
			 names[k].tag == TAG_HOT ? tag_attr(TAG_HOT) : screen_attr(ROLE_DIM));
	}
	for (uint32_t v = 0; v < hp->n_nodes; v++) {
		uint32_t i = lnode_of(an, f, v);
		struct look lk;
		char name[160], label[200], num[32] = "";
		attr_t at;
		int self = 0;
		if (i == UINT32_MAX)
			continue;
		node_look(an, f, v, &lk);
		for (uint32_t e = hp->out_off[v]; e < hp->out_off[v + 1]; e++)
			self |= hp->out_to[e] == v;
		if (!(s->flags[v] & STEPPER_F_FREED)) {
			if (gc_refs && s->colour[v] != STEPPER_OUTSIDE)
				snprintf(num, sizeof num, " (%lld)", (long long)s->gc_refs[v]);
			else if (uses_rc(an))
				snprintf(num, sizeof num, " [%lld]", (long long)s->refcount[v]);
		}
		node_name(an, f, v, name, sizeof name);
		/* a finalizer that has yet to run: a dagger */
		if ((hp->flags[v] & HEAP_F_FINALIZER) && !(s->flags[v] & STEPPER_F_FINALIZED))
			snprintf(name + strlen(name), sizeof name - strlen(name), "%s", screen_utf8() ? "\xe2\x80\xa0" : "%");
		if (self)	/* it refers to itself */
			snprintf(name + strlen(name), sizeof name - strlen(name), "%s", screen_utf8() ? "\xe2\x86\xba" : "@");
		snprintf(label, sizeof label, "%s %s%s", lk.glyph, name, num);
		at = lk.attr;
		if (v == subj)
			at |= A_UNDERLINE | A_BOLD;
		if (draw_escaped_width(label, strlen(label)) > an->cells[i].w) {
			/* no room for all: the glyph and the name first (cut with
			 * an ellipsis), the number only when it fits after them */
			int x = x0 + (an->cells[i].col + an->gx), room = an->cells[i].w;
			int namew = draw_escaped_width(name, strlen(name)), numw = draw_width(num, strlen(num));
			x += draw_str(stdscr, y0 + an->cells[i].row, x, 2, lk.glyph, at);
			x += draw_str(stdscr, y0 + an->cells[i].row, x, 1, " ", at);
			room -= 2;
			if (room > 0)
				x += draw_name(y0 + an->cells[i].row, x, room, name, at);
			if (num[0] && room - namew >= numw)
				draw_str(stdscr, y0 + an->cells[i].row, x, numw, num, at);
		} else {
			draw_escaped(stdscr, y0 + an->cells[i].row, x0 + (an->cells[i].col + an->gx), an->cells[i].w, label,
				     strlen(label), at);
		}
	}
}

static const char *count_str(char *buf, size_t size, uint64_t n)
{
	return draw_count(buf, size, n);
}

/* The counts of what is on the screen: a lesson's objects as drawn (not
 * the namespace, which is the variables; what the current statement freed,
 * not what earlier ones did), or a heap's counters. */
static void frame_counts(struct anim *an, const struct frame *f, struct anim_counts *c)
{
	if (!an->is_lesson) {
		*c = an->cnt;
		return;
	}
	memset(c, 0, sizeof *c);
	for (uint32_t v = 0; v < f->s->n; v++) {
		if (v == f->s->ns_node || !node_visible(an, f, v))
			continue;
		if (f->s->flags[v] & STEPPER_F_FREED)
			c->freed++;
		else if (f->s->flags[v] & STEPPER_F_UNREACHABLE)
			c->unreachable++;
		else
			c->colour[f->s->colour[v] & 3]++;
	}
}

/* The legend under the drawing: each object counted once, by the look it
 * has on the screen ("live" when no collection's colours are shown). */
static void legend(struct anim *an, const struct frame *f, char *line, size_t size)
{
	enum { L_WHITE, L_GREY, L_BLACK, L_OUTSIDE, L_LIVE, L_UNTRACKED, L_IMMORTAL, L_FREED, L_GARBAGE, L_N };
	static const char *const words[L_N] = { "white", "grey", "black", "outside", "live", "untracked",
						"immortal", "freed", "garbage" };
	static const char *const glyph_u[L_N] = { "\xe2\x97\x8b", "\xe2\x97\x90", "\xe2\x97\x8f", "\xc2\xb7",
						  "\xe2\x97\x8b", "\xc2\xb7", "\xc2\xb7", "\xe2\x9c\x97",
						  "\xe2\x8a\x98" };
	static const char *const glyph_a[L_N] = { "o", "+", "#", ".", "o", ".", ".", "x", "!" };
	uint64_t n[L_N] = { 0 };
	int shown = colours_shown(an, f);
	size_t len = 0;

	if (!an->is_lesson) {
		n[L_WHITE] = an->cnt.colour[STEPPER_WHITE];
		n[L_GREY] = an->cnt.colour[STEPPER_GREY];
		n[L_BLACK] = an->cnt.colour[STEPPER_BLACK];
		n[L_OUTSIDE] = an->cnt.colour[STEPPER_OUTSIDE];
		n[L_FREED] = an->cnt.freed;
		n[L_GARBAGE] = an->cnt.unreachable;
	} else {
		for (uint32_t v = 0; v < f->s->n; v++) {
			struct look lk;
			if (v == f->s->ns_node || !node_visible(an, f, v))
				continue;
			node_look(an, f, v, &lk);
			for (int i = 0; i < L_N; i++)
				if (strcmp(lk.word, words[i]) == 0)
					n[i]++;
		}
	}
	line[0] = '\0';
	for (int i = 0; i < L_N; i++) {
		char b[24];
		int always = shown ? (i <= L_BLACK || i >= L_FREED) : (i == L_LIVE || i == L_FREED);
		if (!always && !n[i])
			continue;
		len += (size_t)snprintf(line + len, len < size ? size - len : 0, " %s %s %s ",
					screen_utf8() ? glyph_u[i] : glyph_a[i], words[i], draw_count(b, sizeof b, n[i]));
	}
}

/* The counters shown instead of a drawing. */
static void draw_counters(struct anim *an, const struct frame *f, int y0, int x0, int w, int h)
{
	struct anim_counts c;
	char b[32], line[200];
	int y = y0 + 1;
	static const char *const names[4] = { "white (not yet reached)", "grey (on the worklist)",
					       "black (reached, scanned)", "outside this collection" };

	frame_counts(an, f, &c);
	draw_str(stdscr, y0, x0 + 1, w - 2, an->why_counters[0] ? an->why_counters : "counting",
		 screen_attr(ROLE_DIM));
	for (int i = 0; i < 4 && y < y0 + h; i++, y++) {
		snprintf(line, sizeof line, "%14s  %s", count_str(b, sizeof b, c.colour[i]), names[i]);
		draw_str(stdscr, y, x0 + 1, w - 2, line, screen_attr(ROLE_NORMAL));
	}
	if (y < y0 + h) {
		snprintf(line, sizeof line, "%14s  freed", count_str(b, sizeof b, c.freed));
		draw_str(stdscr, y++, x0 + 1, w - 2, line, screen_attr(ROLE_NORMAL));
	}
	if (y < y0 + h) {
		snprintf(line, sizeof line, "%14s  found unreachable (cyclic garbage)", count_str(b, sizeof b, c.unreachable));
		draw_str(stdscr, y++, x0 + 1, w - 2, line, screen_attr(ROLE_NORMAL));
	}
	if (y < y0 + h) {
		snprintf(line, sizeof line, "%14s  on the worklist", count_str(b, sizeof b, (uint64_t)(f->s->qtail - f->s->qhead)));
		draw_str(stdscr, y++, x0 + 1, w - 2, line, screen_attr(ROLE_NORMAL));
	}
	if (y < y0 + h) {
		char b2[32];
		snprintf(line, sizeof line, "%14s  events done, of %s", count_str(b, sizeof b, (uint64_t)f->s->pos),
			 count_str(b2, sizeof b2, (uint64_t)stepper_len(f->s)));
		draw_str(stdscr, y++, x0 + 1, w - 2, line, screen_attr(ROLE_NORMAL));
	}
	if (!f->s->record && y + 1 < y0 + h)
		draw_str(stdscr, y + 1, x0 + 1, w - 2,
			 "Too big to keep every event: this is the state after the collection.",
			 screen_attr(ROLE_DIM));
}

/* Beside the graph: the worklist, then the objects' table. */
enum {
	TM_ROWS_MAX = 8		/* tracemalloc lines in the panel, on a tall screen */
};

/* Whether the frame is at a lesson's tracemalloc statement or the say
 * paragraphs after it. */
static int tracemalloc_shown(const struct anim *an, const struct frame *f)
{
	const struct lesson_run *r = an->run;
	uint32_t a = f->step;

	if (!an->is_lesson)
		return 0;
	while (a > 0 && r->lesson->actions[r->steps[a].action].op == LESSON_SAY)
		a--;
	return r->lesson->actions[r->steps[a].action].op == LESSON_TRACEMALLOC;
}

/* Names of the n objects in v[] on up to `rows` lines from (y, x), w wide,
 * "+N" for those that do not fit, "(empty)" for none; subj highlighted. */
static void panel_names(struct anim *an, const struct frame *f, const uint32_t *v, uint32_t n, int y, int x,
			int w, int rows, heap_node_t subj)
{
	char b[160], more[24];
	int cx = x, last = y + rows - 1;

	if (n == 0) {
		draw_str(stdscr, y, x, w, "(empty)", screen_attr(ROLE_DIM));
		return;
	}
	for (uint32_t q = 0; q < n && y <= last;) {
		const char *nm = node_name(an, f, v[q], b, sizeof b);
		int nwid = draw_escaped_width(nm, strlen(nm));
		if (cx > x && cx + nwid + 1 > x + w) {
			y++;
			cx = x;
			continue;
		}
		if (y == last && cx + nwid + 4 > x + w && q + 1 < n) {
			snprintf(more, sizeof more, "+%lu", (unsigned long)(n - q));
			draw_str(stdscr, y, cx, x + w - cx, more, screen_attr(ROLE_DIM));
			break;
		}
		cx += draw_escaped(stdscr, y, cx, x + w - cx, nm, strlen(nm),
				   v[q] == subj ? screen_attr(ROLE_MATCH) : screen_attr(ROLE_NORMAL));
		cx += 1;
		q++;
	}
}

static void draw_panel(struct anim *an, const struct frame *f, int y0, int x0, int w, int h)
{
	const struct stepper *s = f->s;
	const struct heap *hp = f->h;
	heap_node_t subj = ev_subject(f);
	int y = y0, gc = gcrefs_phase(s) || an->algo == ANIM_CPYTHON || an->algo == ANIM_GENS;
	int rc = uses_rc(an), gens = an->algo == ANIM_CPYTHON || an->algo == ANIM_GENS;
	int to_free = f->ev && (f->ev->kind == STEPPER_ZERO || f->ev->kind == STEPPER_FREE ||
				f->ev->kind == STEPPER_DECREF || f->ev->kind == STEPPER_UNLINK ||
				f->ev->kind == STEPPER_FINALIZE || f->ev->kind == STEPPER_REVIVED);
	int x = x0, nw, sw, rows, first = 0;
	char b[160], line[300];
	int top = 4;	/* rows above the table */

	if (!an->is_lesson && !an->has_gens)
		gens = 0;
	if (tracemalloc_shown(an, f)) {
		/* tracemalloc's statistic (--script prints the same) in place
		 * of the worklist: the heap beside the memory by line */
		struct lesson_tm_line tl[TM_ROWS_MAX + 1];
		uint32_t n = lesson_tracemalloc(an->run, tl, TM_ROWS_MAX + 1), rows_tm = h >= 40 ? TM_ROWS_MAX : 3;
		top = 1 + (int)(n < rows_tm ? (n > 3 ? n : 3) : rows_tm);
		draw_str(stdscr, y++, x0, w, "tracemalloc: by line", screen_attr(ROLE_HEADER));
		for (uint32_t i = 0; i < n; i++) {
			if (i + 1 == rows_tm && n > rows_tm) {
				snprintf(line, sizeof line, "+%lu more lines", (unsigned long)(n - i));
				draw_str(stdscr, y++, x0, w, line, screen_attr(ROLE_DIM));
				break;
			}
			snprintf(line, sizeof line, "line %u: %llu B, %llu block%s", (unsigned)tl[i].line,
				 (unsigned long long)tl[i].bytes, (unsigned long long)tl[i].count,
				 tl[i].count == 1 ? "" : "s");
			draw_str(stdscr, y++, x0, w, line, screen_attr(ROLE_NORMAL));
		}
		if (!n)
			draw_str(stdscr, y, x0, w, "(nothing)", screen_attr(ROLE_DIM));
	} else {
		/* the list being scanned: up to three lines, two when CPython's
		 * unreachable list is shown under it (as --script prints them) */
		int cpy_scan = (an->algo == ANIM_CPYTHON || an->algo == ANIM_GENS) &&
			       (s->phase == STEPPER_PH_COPY || s->phase == STEPPER_PH_SUBTRACT ||
				s->phase == STEPPER_PH_RESCUE);
		/* CPython's unreachable list lives from move_unreachable to
		 * tp_clear; what a finalizer brought back has left it */
		int cpy_unreach = (an->algo == ANIM_CPYTHON || an->algo == ANIM_GENS) &&
				  s->phase >= STEPPER_PH_RESCUE && s->phase <= STEPPER_PH_CLEAR;
		heap_node_t *ul = mem_alloc((s->n ? s->n : 1) * sizeof *ul);
		uint32_t n_unreach = cpy_unreach ? stepper_unreachable_list(s, ul) : 0;
		snprintf(line, sizeof line, "%s (%lu)", to_free ? "To free" : cpy_scan ? "To scan" : "Worklist",
			 (unsigned long)(s->qtail - s->qhead));
		draw_str(stdscr, y++, x0, w, line, screen_attr(ROLE_HEADER));
		panel_names(an, f, s->queue + s->qhead, s->qtail - s->qhead, y, x0, w, n_unreach ? 2 : 3, subj);
		if (n_unreach) {
			snprintf(line, sizeof line, "Unreachable (%lu):", (unsigned long)n_unreach);
			x = x0 + draw_str(stdscr, y0 + 3, x0, w, line, screen_attr(ROLE_HEADER)) + 1;
			panel_names(an, f, ul, n_unreach, y0 + 3, x, x0 + w - x, 1, subj);
		}
		free(ul);
	}
	y = y0 + top;
	if (y >= y0 + h)
		return;
	/* the table of the objects on the screen; when narrow, the state is
	 * its glyph alone */
	{
		uint32_t *row = mem_alloc((hp->n_nodes ? hp->n_nodes : 1) * sizeof *row), nrow = 0, at_subj = 0;
		int gw_col = gens ? (w >= 44 ? 9 : 4) : 0;
		for (uint32_t v = 0; v < hp->n_nodes; v++) {
			if (v == s->ns_node || !node_visible(an, f, v))
				continue;
			if (v == subj)
				at_subj = nrow;
			row[nrow++] = v;
		}
		sw = 12;
		nw = w - sw - (rc ? 5 : 0) - (gc ? 5 : 0) - (gens ? gw_col + 1 : 0);
		if (nw < 10) {
			sw = 2;
			nw += 10;
		}
		if (nw < 3)
			nw = 3;
		x = x0;
		draw_printf(stdscr, y, x, nw, screen_attr(ROLE_HEADER), "%-*s", nw, nw >= 6 ? "object" : "obj");
		x += nw + 1;
		if (sw > 2)
			draw_str(stdscr, y, x, sw - 1, "state", screen_attr(ROLE_HEADER));
		x += sw;
		if (rc) {
			draw_str_right(stdscr, y, x, 4, "rc", screen_attr(ROLE_HEADER));
			x += 5;
		}
		if (gc) {
			draw_str_right(stdscr, y, x, 4, "gcr", screen_attr(ROLE_HEADER));
			x += 5;
		}
		if (gens)
			draw_str_right(stdscr, y, x, gw_col, "gen", screen_attr(ROLE_HEADER));
		y++;
		rows = y0 + h - y;
		/* keep the event's object in view */
		if (subj != HEAP_NONE && (int)at_subj >= rows)
			first = (int)at_subj - rows / 2;
		if (first + rows > (int)nrow)
			first = (int)nrow - rows;
		if (first < 0)
			first = 0;
		for (uint32_t i = (uint32_t)first; i < nrow && y < y0 + h; i++, y++) {
			uint32_t v = row[i];
			struct look lk;
			attr_t at;
			node_look(an, f, v, &lk);
			at = v == subj ? screen_attr(ROLE_MATCH) : screen_attr(ROLE_NORMAL);
			x = x0;
			draw_fill(stdscr, y, x0, w, at);
			draw_name(y, x, nw, node_name(an, f, v, b, sizeof b), at);
			x += nw + 1;
			if (sw > 2)
				snprintf(line, sizeof line, "%s %s", lk.glyph, lk.word);
			else
				snprintf(line, sizeof line, "%s", lk.glyph);
			draw_str(stdscr, y, x, sw - 1, line, v == subj ? at : lk.attr);
			x += sw;
			if (rc) {
				if (hp->flags[v] & HEAP_F_IMMORTAL)
					snprintf(line, sizeof line, "imm");
				else
					snprintf(line, sizeof line, "%lld", (long long)s->refcount[v]);
				draw_str_right(stdscr, y, x, 4, line, at);
				x += 5;
			}
			if (gc) {
				if (gcrefs_phase(s) && s->colour[v] != STEPPER_OUTSIDE && s->gen[v] != STEPPER_GEN_UNTRACKED)
					snprintf(line, sizeof line, "%lld", (long long)s->gc_refs[v]);
				else
					snprintf(line, sizeof line, "-");
				draw_str_right(stdscr, y, x, 4, line, at);
				x += 5;
			}
			if (gens) {
				if (s->gen[v] == STEPPER_GEN_UNTRACKED)
					snprintf(line, sizeof line, "-");
				else if (s->gen[v] == STEPPER_GEN_PERMANENT)
					snprintf(line, sizeof line, gw_col >= 9 ? "permanent" : "perm");
				else
					snprintf(line, sizeof line, "%u", (unsigned)s->gen[v]);
				draw_str_right(stdscr, y, x, gw_col, line, at);
			}
		}
		free(row);
	}
	if (first > 0)
		draw_str_right(stdscr, y0 + top, x0, w, screen_utf8() ? "\xe2\x86\x91" : "^", screen_attr(ROLE_DIM));
}

/* The narration of the current position: display text (the say text and
 * the stepper's names escaped once already, by graph/gc). */
static void narration_text(struct anim *an, char *safe, size_t size)
{
	if (an->is_lesson) {
		lesson_run_narration(an->run, an->pos[an->k], safe, size);
	} else if (!an->st->record) {
		snprintf(safe, size, "%s", "The collection is done (too big to step through: not recorded).");
	} else if (an->k == 0) {
		snprintf(safe, size, "Before the collection (%s). Space plays, Right steps.", algo_name(an, an->algo));
	} else {
		stepper_describe(an->st, &an->st->ev[an->pos[an->k] - 1], safe, size);
	}
}

enum {
	NARR_LINES_MAX = 12
};

/* Where each line of text starts when it is wrapped at spaces into w
 * columns: starts[0..n), at most max lines (the last one then holds the
 * rest, cut with an ellipsis when drawn).  Returns n >= 1. */
static int wrap(const char *t, size_t len, int w, size_t *starts, int max)
{
	size_t p = 0;
	int n = 0;

	while (n < max) {
		size_t cut = 0;
		while (p < len && t[p] == ' ')
			p++;
		starts[n++] = p;
		if (draw_escaped_width(t + p, len - p) <= w)
			break;
		for (size_t i = p + 1; i <= len; i++) {
			if (draw_escaped_width(t + p, i - p) > w)
				break;
			if (i == len || t[i] == ' ')
				cut = i;
		}
		if (cut == 0) {
			/* one word wider than the line: cut it */
			for (cut = p + 1; cut < len && draw_escaped_width(t + p, cut + 1 - p) <= w; cut++)
				;
		}
		p = cut;
		if (p >= len)
			break;
	}
	return n;
}

/* Draws the narration wrapped on lines y .. y + lines - 1. */
static void draw_narration(const char *safe, int y, int lines, int w)
{
	size_t starts[NARR_LINES_MAX], len = strlen(safe);
	int n = wrap(safe, len, w - 2, starts, lines);

	for (int i = 0; i < lines; i++)
		draw_fill(stdscr, y + i, 0, COLS, screen_attr(ROLE_NORMAL));
	for (int i = 0; i < n; i++) {
		size_t end = i + 1 < n ? starts[i + 1] : len;
		/* the spaces where the line was cut are not part of it: a line
		 * that fills the width exactly is not cut short */
		while (end > starts[i] && safe[end - 1] == ' ')
			end--;
		draw_escaped(stdscr, y + i, 1, w - 2, safe + starts[i], end - starts[i],
			     screen_attr(ROLE_NAME) | A_BOLD);
	}
}

static void draw_help(void)
{
	int w = 74, h = (int)anim_keys.n + 10, y, x;

	if (w > COLS - 2)
		w = COLS - 2;
	if (h > LINES - 2)
		h = LINES - 2;
	y = (LINES - h) / 2;
	x = (COLS - w) / 2;
	for (int r = 0; r < h; r++)
		draw_fill(stdscr, y + r, x, w, screen_attr(ROLE_FOOTER));
	draw_str(stdscr, y, x + 2, w - 4, "GC animation: keys", screen_attr(ROLE_FOOTER_KEY));
	for (size_t i = 0, r = 2; i < anim_keys.n && (int)r < h - 1; i++, r++) {
		draw_str(stdscr, y + (int)r, x + 2, 12, anim_entries[i].keys, screen_attr(ROLE_FOOTER_KEY));
		draw_str(stdscr, y + (int)r, x + 15, w - 17, anim_entries[i].help, screen_attr(ROLE_FOOTER));
	}
	{
		static const char *const legend[] = {
			"o white: not reached yet    + grey: reached, on the worklist",
			"# black: reached, scanned   x freed    ! cyclic garbage",
			"[n] refcount  (n) gc_refs in CPython's pass  % __del__ to run",
			"Any key closes this help.",
		};
		static const char *const legend_u[] = {
			"\xe2\x97\x8b white: not reached yet    \xe2\x97\x90 grey: reached, on the worklist",
			"\xe2\x97\x8f black: reached, scanned   \xe2\x9c\x97 freed    \xe2\x8a\x98 cyclic garbage",
			"[n] refcount  (n) gc_refs in CPython's pass  \xe2\x80\xa0 __del__ to run",
			"Any key closes this help.",
		};
		for (int i = 0; i < 4; i++) {
			int r = h - 5 + i;
			if (r > 1)
				draw_str(stdscr, y + r, x + 2, w - 4, screen_utf8() ? legend_u[i] : legend[i],
					 screen_attr(ROLE_FOOTER));
		}
	}
}

/* The loop's draw. */
static void draw_frame(void *st)
{
	struct anim *an = st;
	struct frame f;
	int pw, gw, body_y = 2, body_h;
	char line[600], b1[32], b2[32];
	char narr[NARR * 2];
	int drawn, ph_shown, nl, bw, gens_h;

	werase(stdscr);
	frame_get(an, &f);
	/* top bar */
	draw_fill(stdscr, 0, 0, COLS, screen_attr(ROLE_TITLE));
	snprintf(line, sizeof line, " heapglass %s: %s", an->is_lesson ? "lesson" : "GC animation", an->caption);
	{
		const char *al = algo_name(an, an->algo);
		int aw = draw_width(al, strlen(al));
		int tw = draw_str(stdscr, 0, 0, COLS - 1, line, screen_attr(ROLE_TITLE) | A_BOLD);
		if (tw + aw + 3 < COLS)
			draw_str(stdscr, 0, COLS - aw - 1, aw, al, screen_attr(ROLE_TITLE));
	}
	/* status line: step k/N, algorithm, phase, speed */
	ph_shown = f.s->phase != STEPPER_PH_NONE && f.s->phase != STEPPER_PH_DONE;
	snprintf(line, sizeof line, " step %s/%s  %s  %s%s%s%s %s", draw_count(b1, sizeof b1, (uint64_t)an->k),
		 draw_count(b2, sizeof b2, (uint64_t)(an->n_pos - 1)), algo_short(an->algo),
		 ph_shown ? "phase " : "",
		 ph_shown ? stepper_phase_name((enum stepper_phase)f.s->phase) : "",
		 ph_shown ? "  " : "",
		 an->playing ? (screen_utf8() ? "\xe2\x96\xb6 playing" : "> playing") : (screen_utf8() ? "\xe2\x9d\x9a\xe2\x9d\x9a paused" : "|| paused"),
		 speeds[an->speed].name);
	draw_str(stdscr, 1, 0, COLS, line, screen_attr(ROLE_HEADER));
	/* the narration takes the lines it needs: two at least, a third of the
	 * screen at most */
	narration_text(an, narr, sizeof narr);
	{
		size_t starts[NARR_LINES_MAX];
		/* the graph needs the rows at 80x24 */
		int max = LINES >= 40 ? (LINES - 8) / 3 : LINES >= 24 ? 4 : 3;
		if (max < 2)
			max = 2;
		if (max > NARR_LINES_MAX)
			max = NARR_LINES_MAX;
		nl = wrap(narr, strlen(narr), COLS - 2, starts, max);
		if (nl < 2)
			nl = 2;
	}
	body_h = LINES - body_y - 2 - nl;
	pw = COLS * 9 / 25;
	if (pw < 29)
		pw = 29;
	if (pw > 48)
		pw = 48;
	gw = COLS - pw - 1;
	/* the generations under the drawing (CPython), 3 rows when there is
	 * room, else 1 */
	gens_h = 0;
	if ((an->algo == ANIM_CPYTHON || an->algo == ANIM_GENS) && (an->is_lesson || an->has_gens))
		gens_h = body_h >= 24 ? 3 : 1;
	body_h -= gens_h;
	/* the variables' box on the left, then a gap for their arrows */
	bw = ns_width(an, &f, gw);
	an->gx = bw ? bw + 3 : 0;
	an->bx = 0;
	drawn = an->lay && fit(an, gw - an->gx, body_h);
	if (drawn && bw)
		place_box(an, gw, bw);
	if (an->lay && !drawn)
		snprintf(an->why_counters, sizeof an->why_counters,
			 "too big to draw in %dx%d: enlarge the terminal", gw, body_h);
	if (drawn)
		draw_graph(an, &f, body_y, 0, gw, body_h, bw);
	else
		draw_counters(an, &f, body_y, 0, gw, body_h);
	if (gens_h)
		draw_gens(an, &f, body_y + body_h, 0, gw, gens_h);
	for (int r = body_y; r < body_y + body_h + gens_h; r++)
		draw_str(stdscr, r, gw, 1, screen_utf8() ? "\xe2\x94\x82" : "|", screen_attr(ROLE_DIM));
	draw_panel(an, &f, body_y, gw + 2, pw - 2, body_h + gens_h);
	/* counts */
	legend(an, &f, line, sizeof line);
	draw_str(stdscr, LINES - 2 - nl, 0, COLS, line, screen_attr(ROLE_DIM));
	draw_narration(narr, LINES - 1 - nl, nl, COLS);
	if (an->msg[0])
		draw_str(stdscr, LINES - 1, 0, COLS, an->msg, screen_attr(ROLE_FOOTER) | A_BOLD);
	else
		keymap_draw_footer(&anim_keys, NULL, LINES - 1, COLS);
	if (an->help)
		draw_help();
	wnoutrefresh(stdscr);
}

/* ---- keys ---- */

/* The next (dir +1) or previous (-1) position that starts a lesson action,
 * or, on a heap, a phase. */
static size_t step_boundary(struct anim *an, int dir)
{
	size_t k = an->k;

	for (;;) {
		if (dir > 0 ? k + 1 >= an->n_pos : k == 0)
			return dir > 0 ? an->n_pos - 1 : 0;
		k = dir > 0 ? k + 1 : k - 1;
		if (k == 0)
			return 0;
		if (an->is_lesson) {
			size_t ev;
			lesson_run_seek(an->run, an->pos[k], &ev);
			if (ev == 0)
				return k;
		} else if (an->st->ev[an->pos[k] - 1].kind == STEPPER_PHASE) {
			return k;
		}
	}
}

static void forward(struct anim *an, size_t by)
{
	if (an->k + 1 >= an->n_pos) {
		an->playing = 0;
		snprintf(an->msg, sizeof an->msg, " The end: r restarts, g tries another algorithm, q leaves.");
		return;
	}
	anim_seek(an, an->k + by < an->n_pos ? an->k + by : an->n_pos - 1);
}

static void tick(struct anim *an)
{
	forward(an, (size_t)speeds[an->speed].per);
	an->next_tick = now_ms() + (uint64_t)speeds[an->speed].ms;
}

static void act(struct anim *an, enum action a)
{
	struct error err;

	switch (a) {
	case ACT_PLAY:
		an->playing = !an->playing;
		if (an->playing && an->k + 1 >= an->n_pos)
			anim_seek(an, 0);
		an->next_tick = now_ms() + (uint64_t)speeds[an->speed].ms;
		break;
	case ACT_STEP: an->playing = 0; forward(an, 1); break;
	case ACT_STEP_BACK:
		an->playing = 0;
		if (an->k > 0)
			anim_seek(an, an->k - 1);
		break;
	case ACT_NEXT_STEP: an->playing = 0; anim_seek(an, step_boundary(an, 1)); break;
	case ACT_PREV_STEP: an->playing = 0; anim_seek(an, step_boundary(an, -1)); break;
	case ACT_FASTER:
		if (an->speed + 1 < (int)N_SPEEDS)
			an->speed++;
		snprintf(an->msg, sizeof an->msg, " speed %s", speeds[an->speed].name);
		break;
	case ACT_SLOWER:
		if (an->speed > 0)
			an->speed--;
		snprintf(an->msg, sizeof an->msg, " speed %s", speeds[an->speed].name);
		break;
	case ACT_HOME: an->playing = 0; anim_seek(an, 0); break;
	case ACT_END: an->playing = 0; anim_seek(an, an->n_pos - 1); break;
	case ACT_ALGO: {
		enum anim_algo next = an->algo;
		for (int i = 0; i < ANIM_ALGOS; i++) {
			next = (enum anim_algo)((next + 1) % ANIM_ALGOS);
			if (algo_allowed(an, next, &err) == 0)
				break;
		}
		if (next == an->algo) {
			snprintf(an->msg, sizeof an->msg, " only %s works here", algo_name(an, an->algo));
		} else if (anim_set_algo(an, next, &err) != 0) {
			snprintf(an->msg, sizeof an->msg, " %.250s", err.msg);
		} else {
			snprintf(an->msg, sizeof an->msg, " algorithm: %s", algo_name(an, an->algo));
		}
		break;
	}
	case ACT_HELP: an->help = 1; break;
	case ACT_REDRAW: clearok(curscr, TRUE); break;
	case ACT_QUIT: an->quit = 1; break;
	default: break;
	}
}

/* The loop's key handler. */
static void anim_key(void *st, const struct loop_event *ev)
{
	struct anim *an = st;
	int key = (int)ev->ch;

	if (ev->is_key && key == KEY_RESIZE) {
		an->fit_w = -1;	/* fit again */
		clearok(curscr, TRUE);
		return;
	}
	if (ev->is_key && key == KEYS_TICK) {
		if (an->playing)
			tick(an);
		return;
	}
	an->msg[0] = '\0';
	if (!screen_big_enough()) {
		if (key == 'q')
			an->quit = 1;
		return;
	}
	if (an->help) {
		an->help = 0;
		return;
	}
	if (ev->is_key && key == KEY_MOUSE) {
		/* the wheel steps through the events */
		if (ev->mouse && (ev->mouse->bstate & BUTTON4_PRESSED))
			act(an, ACT_STEP_BACK);
		else if (ev->mouse && (ev->mouse->bstate & BUTTON5_PRESSED))
			act(an, ACT_STEP);
		return;
	}
	act(an, keymap_action(&anim_keys, ev->is_key, key));
}

/* While playing, the time to the next tick. */
static int anim_wait_ms(void *st)
{
	struct anim *an = st;
	uint64_t now;

	if (!an->playing)
		return -1;
	now = now_ms();
	return an->next_tick > now ? (int)(an->next_tick - now) : 0;
}

static int anim_done(void *st)
{
	return ((struct anim *)st)->quit;
}

static void anim_close(void *st)
{
	anim_free(st);
}

const struct loop_mode anim_mode = {
	.draw = draw_frame,
	.key = anim_key,
	.wait_ms = anim_wait_ms,
	.done = anim_done,
	.close = anim_close,
};

static const struct loop_mode anim_standalone_mode = {
	.draw = draw_frame,
	.key = anim_key,
	.wait_ms = anim_wait_ms,
	.done = anim_done,
};

int anim_standalone(struct anim *an, struct screen_opts *so, const char *keys_path,
		    const char *dump_path, const char *timing_path, struct error *err)
{
	struct key_script ks = { 0 };
	char serr[ERROR_MSG_MAX];
	struct loop lp;
	FILE *timing = NULL, *dump = NULL;
	int rc = 0;

	if (keys_path) {
		if (keys_script_load(keys_path, &ks, err) != 0)
			return -1;
		so->headless = 1;
	}
	if (timing_path) {
		timing = strcmp(timing_path, "-") == 0 ? stdout : fopen(timing_path, "w");
		if (!timing) {
			keys_script_fini(&ks);
			return error_set(err, "%s: cannot write", timing_path);
		}
	}
	if (screen_init(so, serr, sizeof serr) != 0) {
		keys_script_fini(&ks);
		if (timing && timing != stdout)
			fclose(timing);
		return error_set(err, "%s", serr);
	}
	/* the dump file is open while the script runs: each <Dump> key
	 * writes the screen so far into it, the last screen follows */
	if (dump_path) {
		dump = strcmp(dump_path, "-") == 0 ? stdout : fopen(dump_path, "w");
		if (!dump)
			rc = -1;
	}
	/* the loop does not own an: the caller frees it */
	loop_init(&lp, keys_path ? &ks : NULL, timing);
	lp.dumps = dump;
	loop_push(&lp, &anim_standalone_mode, an);
	loop_run(&lp);
	loop_fini(&lp);
	if (dump && screen_dump(dump) != 0)
		rc = -1;
	if (dump && dump != stdout && fclose(dump) != 0)
		rc = -1;
	screen_fini();
	keys_script_fini(&ks);
	if (timing && timing != stdout && fclose(timing) != 0 && rc == 0)
		return error_set(err, "%s: cannot write", timing_path);
	if (rc != 0)
		return error_set(err, "%s: cannot write the screen dump", dump_path);
	return 0;
}
