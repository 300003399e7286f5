#include "tui/anim/anim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curses.h>

#include "graph/export.h"
#include "graph/core/mem.h"
#include "graph/gc/step_cpython.h"
#include "graph/gc/step_gens.h"
#include "graph/gc/step_mark.h"
#include "graph/gc/step_refcount.h"
#include "graph/gc/subheap.h"
#include "graph/core/text.h"
#include "tui/anim/animfit.h"
#include "tui/anim/canvas.h"
#include "tui/core/draw.h"
#include "tui/core/loop.h"
#include "tui/core/screen.h"

enum {
	LABEL_MAX = 32,		/* widest object label in the graph, columns */
	LABEL_MIN = 5,		/* narrowest before the graph gives up */
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
	  .footer = "Step", .help = "one event forward", .global = 1 },
	{ .act = ACT_STEP_BACK, .codes = { KEY_LEFT, 'h' }, .keys = "Left h", .footer_key = "\xe2\x86\x90",
	  .footer = "Back", .help = "one event back", .global = 1 },
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
	{ .ms = 40, .per = 10, .name = "250/s" }, { .ms = 40, .per = 100, .name = "2500/s" },
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

	/* a lesson */
	struct lesson lcopy;		/* the lesson with the chosen collector (shares arrays) */
	struct lesson_run *run;
	struct heap *uheap;		/* every object and reference the lesson ever has */
	uint32_t n_obj;
	uint32_t *pair_ledge;		/* [from * n_obj + to] -> layout edge, UINT32_MAX none */

	/* a heap */
	const struct heap *whole;
	struct heap *part;		/* owned; NULL for the whole heap */
	const struct heap *hh;		/* part or whole */
	struct stepper *st;
	struct anim_counts cnt;
	uint32_t *edge_ledge;		/* hh edge -> layout edge */
	int has_rc, has_gens;

	/* the visible positions: lesson timeline positions, or stepper positions */
	size_t *pos;
	size_t n_pos, k;

	/* layout */
	struct export_layout *lay;	/* NULL: counters only */
	char why_counters[160];
	uint32_t *key_lnode;		/* object (lesson) or node (heap) -> layout node */
	int *want, *want_full;
	double *lx, *ly;
	struct animfit_cell *cells;
	uint32_t *tmp;
	struct animfit_map map;
	int fit_w, fit_h, fit_ok;
	struct canvas cv;
	double *path;

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

	if (s->flags[v] & STEPPER_F_FREED)
		c->freed += d;
	else if (s->colour[v] < 4)
		c->colour[s->colour[v]] += d;
	if (s->flags[v] & STEPPER_F_UNREACHABLE)
		c->unreachable += d;
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

/* Whether a lesson step hides its counter events, as --script does. */
static int quiet_counts(const struct lesson *l, const struct stepper *st)
{
	return l->threshold[0] == 700 && l->threshold[1] == 10 && l->threshold[2] == 10 &&
	       st->kind_count[STEPPER_COLLECT] == 0;
}

static void build_lesson_positions(struct anim *an)
{
	const struct lesson_run *r = an->run;
	size_t n = lesson_run_length(r), t = 0;

	free(an->pos);
	an->pos = mem_alloc((n ? n : 1) * sizeof *an->pos);
	an->n_pos = 0;
	for (uint32_t i = 0; i < r->n_steps; i++) {
		const struct stepper *st = r->steps[i].st;
		int quiet = quiet_counts(r->lesson, st);
		an->pos[an->n_pos++] = t++;
		for (size_t e = 0; e < stepper_len(st); e++, t++)
			if (!(quiet && st->ev[e].kind == STEPPER_COUNT))
				an->pos[an->n_pos++] = t;
	}
	if (an->n_pos == 0)
		an->pos[an->n_pos++] = 0;
}

static void build_heap_positions(struct anim *an)
{
	size_t n = stepper_len(an->st);

	free(an->pos);
	an->pos = mem_alloc((n + 1) * sizeof *an->pos);
	an->n_pos = 0;
	if (!an->st->record) {
		an->pos[an->n_pos++] = 0;
		return;
	}
	an->pos[an->n_pos++] = 0;
	for (size_t e = 0; e < n; e++)
		if (an->st->ev[e].kind != STEPPER_COUNT)
			an->pos[an->n_pos++] = e + 1;
}

/* The heap every lesson step is a part of: each object, and one reference
 * for each pair of objects ever linked (the first name and kind seen). */
static int build_union(struct anim *an, struct error *err)
{
	const struct lesson *l = &an->lcopy;
	struct heap_builder *b = heap_builder_new();
	uint8_t *seen;
	uint32_t n = l->n_objects;

	if (!b)
		return error_set(err, "out of memory");
	seen = mem_calloc((size_t)(n ? n : 1) * (n ? n : 1), 1);
	for (uint32_t o = 0; o < n; o++) {
		struct heap_node_rec rec = {
			.id = (uint64_t)o + 1,
			.type = heap_builder_intern_cstr(b, lesson_text(l, l->obj_type[o])),
			.name = heap_builder_intern_cstr(b, lesson_text(l, l->obj_name[o])),
			.size = 64,
			.generation = HEAP_GEN_UNKNOWN,
		};
		if (heap_builder_add_node(b, &rec, err) == HEAP_NONE)
			goto fail;
	}
	if (heap_builder_index(b, NULL, NULL) != 0) {
		error_set(err, "internal error: duplicate object ids");
		goto fail;
	}
	for (uint32_t i = 0; i < an->run->n_steps; i++) {
		const struct lesson_step *step = &an->run->steps[i];
		const struct heap *h = step->heap;
		for (uint32_t v = 0; v < h->n_nodes; v++)
			for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
				uint32_t f = step->node_obj[v], t = step->node_obj[h->out_to[e]];
				char name[128];
				if (seen[(size_t)f * n + t])
					continue;
				seen[(size_t)f * n + t] = 1;
				heap_edge_name(h, h->out_name[e], name, sizeof name);
				if (heap_builder_add_edge(b, f, t, (enum heap_edge_kind)h->out_kind[e],
							  heap_builder_intern_cstr(b, name), err) != 0)
					goto fail;
			}
	}
	free(seen);
	heap_free(an->uheap);
	an->uheap = heap_builder_freeze(b, err);
	heap_builder_free(b);
	return an->uheap ? 0 : -1;
fail:
	free(seen);
	heap_builder_free(b);
	return -1;
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
	free(an->pair_ledge);
	free(an->edge_ledge);
	an->key_lnode = NULL;
	an->want = an->want_full = NULL;
	an->lx = an->ly = NULL;
	an->cells = NULL;
	an->tmp = NULL;
	an->pair_ledge = NULL;
	an->edge_ledge = NULL;
	an->fit_w = an->fit_h = -1;
}

/* Lays out h (all of it) with Graphviz; keys: n_keys slots for key_lnode. */
static void layout_make(struct anim *an, const struct heap *h)
{
	struct export_spec spec = { .what = EXPORT_CYCLE };
	struct error err;
	heap_node_t *all;

	layout_drop(an);
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
	all = mem_alloc(h->n_nodes * sizeof *all);
	for (uint32_t v = 0; v < h->n_nodes; v++)
		all[v] = v;
	spec.nodes = all;
	spec.n_nodes = h->n_nodes;
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
	an->lx = mem_alloc(an->lay->n_nodes * sizeof *an->lx);
	an->ly = mem_alloc(an->lay->n_nodes * sizeof *an->ly);
	an->want = mem_alloc(an->lay->n_nodes * sizeof *an->want);
	an->want_full = mem_alloc(an->lay->n_nodes * sizeof *an->want_full);
	an->cells = mem_alloc(an->lay->n_nodes * sizeof *an->cells);
	an->tmp = mem_alloc(an->lay->n_nodes * sizeof *an->tmp);
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
	if (an->is_lesson) {
		uint32_t n = an->n_obj;
		an->pair_ledge = mem_alloc((size_t)(n ? n : 1) * (n ? n : 1) * sizeof *an->pair_ledge);
		for (size_t i = 0; i < (size_t)n * n; i++)
			an->pair_ledge[i] = UINT32_MAX;
		for (uint32_t j = 0; j < an->lay->n_edges; j++) {
			const struct export_ledge *le = &an->lay->edges[j];
			uint32_t f, t;
			if (le->from >= an->lay->n_nodes || le->to >= an->lay->n_nodes)
				continue;
			f = an->lay->nodes[le->from].node;
			t = an->lay->nodes[le->to].node;
			if (f < n && t < n)
				an->pair_ledge[(size_t)f * n + t] = j;
		}
	} else {
		an->edge_ledge = mem_alloc((h->n_edges ? h->n_edges : 1) * sizeof *an->edge_ledge);
		for (uint32_t e = 0; e < h->n_edges; e++)
			an->edge_ledge[e] = UINT32_MAX;
		for (uint32_t j = 0; j < an->lay->n_edges; j++)
			if (an->lay->edges[j].edge < h->n_edges)
				an->edge_ledge[an->lay->edges[j].edge] = j;
	}
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

/* The stepper of a heap animation for algorithm algo, run to its end. */
static struct stepper *heap_stepper(struct anim *an, enum anim_algo algo)
{
	const struct heap *h = an->hh;
	struct stepper *s = stepper_new(h);

	s->label_ids = 1;
	if (an->part && !an->has_rc)
		subheap_refcounts(an->whole, an->part, s->refcount);
	s->record = (uint64_t)h->n_nodes + h->n_edges <= ANIM_MAX_RECORD;
	switch (algo) {
	case ANIM_MARKSWEEP:
		step_mark_run(s);
		break;
	case ANIM_CPYTHON:
		step_gens_collect(s, 2);	/* as heapglass lesson --heap runs it */
		break;
	case ANIM_GENS:
		step_gens_collect(s, 0);
		break;
	case ANIM_REFCOUNT: {
		/* Everything outside lets go: each object loses the references
		 * its refcount holds beyond those from inside the part. */
		size_t nd = 0, cap = 64;
		heap_node_t *drops = mem_alloc(cap * sizeof *drops);
		const uint32_t *in_edge = heap_in_edges(h);
		for (uint32_t v = 0; v < h->n_nodes; v++) {
			int64_t inside = 0, out;
			for (uint32_t i = h->in_off[v]; i < h->in_off[v + 1]; i++)
				inside += stepper_edge_retains(h, h->in_from[i], in_edge[i]);
			out = s->refcount[v] - inside;
			for (int64_t k = 0; k < out && nd < (size_t)4 * ANIM_MAX_RECORD; k++) {
				if (nd == cap) {
					cap *= 2;
					drops = mem_realloc_array(drops, cap, sizeof *drops);
				}
				drops[nd++] = v;
			}
		}
		step_refcount_release(s, drops, nd);
		free(drops);
		break;
	}
	default:
		break;
	}
	return s;
}

static int algo_allowed(const struct anim *an, enum anim_algo algo, struct error *err)
{
	if (an->is_lesson && algo == ANIM_GENS)
		return error_set(err, "in a lesson, generations are part of the CPython collector");
	if (an->is_lesson && algo == ANIM_REFCOUNT)
		for (uint32_t i = 0; i < an->lcopy.n_actions; i++)
			if (an->lcopy.actions[i].op == LESSON_COLLECT)
				return error_set(err, "reference counting alone has no collector, and this "
						      "lesson calls collect (line %u)",
						 (unsigned)an->lcopy.actions[i].line);
	if (!an->is_lesson && (algo == ANIM_CPYTHON || algo == ANIM_GENS) && !an->has_gens)
		return error_set(err, "CPython's collector needs GC generations; this heap has none "
				      "(a Python dump has them)");
	return 0;
}

int anim_set_algo(struct anim *an, enum anim_algo algo, struct error *err)
{
	if (algo >= ANIM_ALGOS || algo_allowed(an, algo, err) != 0)
		return -1;
	if (an->is_lesson) {
		static const enum lesson_gc gcs[ANIM_ALGOS] = {
			[ANIM_MARKSWEEP] = LESSON_GC_MARKSWEEP,
			[ANIM_CPYTHON] = LESSON_GC_CPYTHON,
			[ANIM_REFCOUNT] = LESSON_GC_REFCOUNT,
			[ANIM_GENS] = LESSON_GC_CPYTHON,
		};
		struct lesson_run *r;
		enum lesson_gc old = an->lcopy.gc;
		an->lcopy.gc = gcs[algo];
		if (lesson_run_new(&an->lcopy, &r, err) != 0) {
			an->lcopy.gc = old;
			return -1;
		}
		lesson_run_free(an->run);
		an->run = r;
		build_lesson_positions(an);
		if (build_union(an, err) != 0)
			return -1;
		layout_make(an, an->uheap);
	} else {
		stepper_free(an->st);
		an->st = heap_stepper(an, algo);
		build_heap_positions(an);
		if (an->st->record)
			stepper_seek(an->st, 0);
		anim_counts_init(&an->cnt, an->st);
		if (!an->lay && !an->why_counters[0])
			layout_make(an, an->hh);	/* once: the part is the same for every algorithm */
	}
	an->algo = algo;
	an->k = 0;
	an->playing = 0;
	if (an->is_lesson)
		anim_seek(an, 0);
	return 0;
}

static struct anim *anim_alloc(void)
{
	struct anim *an = mem_calloc(1, sizeof *an);

	an->speed = DEFAULT_SPEED;
	an->fit_w = an->fit_h = -1;
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
	an->lcopy = *l;
	an->n_obj = l->n_objects;
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

struct anim *anim_new_heap(const struct heap *h, const heap_node_t *nodes, uint32_t n,
			   const char *what, struct error *err)
{
	struct anim *an = anim_alloc();

	an->whole = h;
	if (nodes) {
		if (subheap_new(h, nodes, n, &an->part, err) != 0) {
			anim_free(an);
			return NULL;
		}
		an->hh = an->part;
	} else {
		an->hh = h;
	}
	snprintf(an->caption, sizeof an->caption, "%s", what);
	an->has_rc = any_flag(h, HEAP_F_HAS_REFCOUNT);
	an->has_gens = an->hh->max_generation != HEAP_GEN_UNKNOWN;
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
	heap_free(an->uheap);
	stepper_free(an->st);
	heap_free(an->part);
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
	if (!an->st->record)
		return;
	while (an->st->pos < an->pos[k] && anim_counts_step(&an->cnt, an->st, 1) == 0)
		;
	while (an->st->pos > an->pos[k] && anim_counts_step(&an->cnt, an->st, -1) == 0)
		;
}

/* ---- the current frame ---- */

struct frame {
	const struct heap *h;
	struct stepper *s;
	const struct stepper_event *ev;	/* the event just applied, or NULL */
	const uint32_t *node_obj;	/* lesson: heap node -> object */
	uint32_t step;			/* lesson step */
};

static void frame_get(struct anim *an, struct frame *f)
{
	memset(f, 0, sizeof *f);
	if (an->is_lesson) {
		size_t ev;
		f->step = lesson_run_seek(an->run, an->pos[an->k], &ev);
		f->h = an->run->steps[f->step].heap;
		f->s = an->run->steps[f->step].st;
		f->node_obj = an->run->steps[f->step].node_obj;
		f->ev = ev ? &f->s->ev[ev - 1] : NULL;
	} else {
		f->h = an->hh;
		f->s = an->st;
		f->ev = an->st->record && an->st->pos ? &an->st->ev[an->st->pos - 1] : NULL;
	}
}

/* Layout node of frame node v, UINT32_MAX if none. */
static uint32_t lnode_of(const struct anim *an, const struct frame *f, heap_node_t v)
{
	uint32_t key = f->node_obj ? f->node_obj[v] : v;

	if (!an->lay || !an->key_lnode)
		return UINT32_MAX;
	return key < (an->is_lesson ? an->n_obj : an->hh->n_nodes) ? an->key_lnode[key] : UINT32_MAX;
}

static uint32_t ledge_of(const struct anim *an, const struct frame *f, heap_node_t from, uint32_t e)
{
	if (an->is_lesson) {
		uint32_t a = f->node_obj[from], b = f->node_obj[f->h->out_to[e]];
		return an->pair_ledge ? an->pair_ledge[(size_t)a * an->n_obj + b] : UINT32_MAX;
	}
	return an->edge_ledge ? an->edge_ledge[e] : UINT32_MAX;
}

/* How a node looks: glyph (UTF-8, ASCII), word, attribute. */
struct look {
	const char *glyph;
	const char *word;
	attr_t attr;
};

static void node_look(const struct stepper *s, heap_node_t v, struct look *lk)
{
	int u = screen_utf8();

	if (s->flags[v] & STEPPER_F_FREED) {
		*lk = (struct look){ u ? "\xe2\x9c\x97" : "x", "freed", screen_attr(ROLE_DIM) };
	} else if (s->flags[v] & STEPPER_F_UNREACHABLE) {
		*lk = (struct look){ u ? "\xe2\x8a\x98" : "!", "garbage", screen_attr(ROLE_GARBAGE) };
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
	enum stepper_phase p = stepper_current_phase(s);

	return p == STEPPER_PH_COPY || p == STEPPER_PH_SUBTRACT || p == STEPPER_PH_RESCUE ||
	       p == STEPPER_PH_UNREACHABLE;
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
	}
	an->fit_ok = animfit_place(an->lx, an->ly, an->want, an->lay->n_nodes, w, h, LABEL_MIN, an->cells,
				   &an->map, an->tmp) == 0;
	canvas_fini(&an->cv);
	canvas_init(&an->cv, w, h);
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

static void draw_graph(struct anim *an, const struct frame *f, int y0, int x0, int w, int h)
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

	canvas_clear(cv);
	for (uint32_t v = 0; v < hp->n_nodes; v++) {
		uint32_t i = lnode_of(an, f, v);
		if (i != UINT32_MAX)
			canvas_block(cv, an->cells[i].col, an->cells[i].row, an->cells[i].w);
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
			if (hp->out_kind[e] == HEAP_EDGE_WEAK)
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
					animfit_point(&an->map, pp->x, pp->y, &c, &r);
					ctl[2 * q] = c * 2;
					ctl[2 * q + 1] = r * 4;
				}
				nc = (nc - 1) / 3 * 3 + 1;
				/* The spline starts at Graphviz's node border, which is
				 * not where the label is: start at the source's centre. */
				{
					double c, r;
					animfit_point(&an->map, an->lx[iv], an->ly[iv], &c, &r);
					an->path[0] = c * 2;
					an->path[1] = r * 4;
				}
				np = 1 + canvas_bezier(ctl, nc, BEZIER_PER, an->path + 2, PATH_MAX_PTS - 2);
				/* The spline ends at Graphviz's node border: go on to
				 * the centre so the arrow meets the label. */
				if (np > 0 && np < PATH_MAX_PTS) {
					double c, r;
					animfit_point(&an->map, an->lx[it], an->ly[it], &c, &r);
					an->path[2 * np] = c * 2;
					an->path[2 * np + 1] = r * 4;
					np++;
				}
			}
			if (np < 2) {
				double c, r;
				animfit_point(&an->map, an->lx[iv], an->ly[iv], &c, &r);
				an->path[0] = c * 2;
				an->path[1] = r * 4;
				animfit_point(&an->map, an->lx[it], an->ly[it], &c, &r);
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
				tip[0] = (an->cells[it].col + an->cells[it].w / 2.0) * 2;
				tip[1] = (an->cells[it].row + 0.5) * 4;
				canvas_path(cv, an->path, np, tag, tag == TAG_WEAK, tip);
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
	for (int r = 0; r < h; r++)
		for (int c = 0; c < w; c++) {
			char buf[8];
			int tag = canvas_cell(cv, c, r, screen_utf8(), buf);
			if (tag)
				draw_str(stdscr, y0 + r, x0 + c, 1, buf, tag_attr(tag));
		}
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
		node_look(s, v, &lk);
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
		snprintf(label, sizeof label, "%s %s%s%s", lk.glyph, name, self ? (screen_utf8() ? "\xe2\x86\xba" : "@") : "", num);
		at = lk.attr;
		if (v == subj)
			at |= A_UNDERLINE | A_BOLD;
		if (draw_escaped_width(label, strlen(label)) > an->cells[i].w && num[0]) {
			/* keep the number: cut the name */
			int nw = an->cells[i].w - draw_width(num, strlen(num)) - 2;
			int x = x0 + an->cells[i].col;
			x += draw_str(stdscr, y0 + an->cells[i].row, x, 2, lk.glyph, at);
			x += draw_str(stdscr, y0 + an->cells[i].row, x, 1, " ", at);
			if (nw > 0)
				x += draw_escaped(stdscr, y0 + an->cells[i].row, x, nw, name, strlen(name), at);
			draw_str(stdscr, y0 + an->cells[i].row, x, an->cells[i].w, num, at);
		} else {
			draw_escaped(stdscr, y0 + an->cells[i].row, x0 + an->cells[i].col, an->cells[i].w, label,
				     strlen(label), at);
		}
	}
}

static const char *count_str(char *buf, size_t size, uint64_t n)
{
	return draw_count(buf, size, n);
}

static void frame_counts(struct anim *an, const struct frame *f, struct anim_counts *c)
{
	if (an->is_lesson)
		anim_counts_init(c, f->s);
	else
		*c = an->cnt;
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
static void draw_panel(struct anim *an, const struct frame *f, int y0, int x0, int w, int h)
{
	const struct stepper *s = f->s;
	const struct heap *hp = f->h;
	heap_node_t subj = ev_subject(f);
	int y = y0, gc = gcrefs_phase(s) || an->algo == ANIM_CPYTHON || an->algo == ANIM_GENS;
	int rc = uses_rc(an), gens = an->algo == ANIM_CPYTHON || an->algo == ANIM_GENS;
	int to_free = f->ev && (f->ev->kind == STEPPER_ZERO || f->ev->kind == STEPPER_FREE ||
				f->ev->kind == STEPPER_DECREF || f->ev->kind == STEPPER_RELEASE);
	int x = x0, nw, sw, rows, first = 0;
	uint32_t n_live = 0;
	char b[160], line[300];

	if (an->is_lesson && an->lcopy.gc != LESSON_GC_CPYTHON)
		gens = 0;
	if (hp->max_generation == HEAP_GEN_UNKNOWN)
		gens = 0;
	/* worklist: up to three lines */
	snprintf(line, sizeof line, "%s (%lu)", to_free ? "To free" : "Worklist",
		 (unsigned long)(s->qtail - s->qhead));
	draw_str(stdscr, y++, x0, w, line, screen_attr(ROLE_HEADER));
	for (uint32_t q = s->qhead; q < s->qtail && y < y0 + 4; ) {
		const char *nm = node_name(an, f, s->queue[q], b, sizeof b);
		int nwid = draw_escaped_width(nm, strlen(nm));
		if (x > x0 && x + nwid + 1 > x0 + w) {
			y++;
			x = x0;
			continue;
		}
		if (y == y0 + 3 && x + nwid + 4 > x0 + w && q + 1 < s->qtail) {
			snprintf(line, sizeof line, "+%lu", (unsigned long)(s->qtail - q));
			draw_str(stdscr, y, x, x0 + w - x, line, screen_attr(ROLE_DIM));
			break;
		}
		x += draw_escaped(stdscr, y, x, x0 + w - x, nm, strlen(nm),
				  s->queue[q] == subj ? screen_attr(ROLE_MATCH) : screen_attr(ROLE_NORMAL));
		x += 1;
		q++;
	}
	if (s->qhead == s->qtail)
		draw_str(stdscr, y, x0, w, "(empty)", screen_attr(ROLE_DIM));
	y = y0 + 4;
	if (y >= y0 + h)
		return;
	/* the table; when narrow, the state is its glyph alone */
	sw = 8;
	nw = w - sw - (rc ? 5 : 0) - (gc ? 5 : 0) - (gens ? 4 : 0);
	if (nw < 10) {
		sw = 2;
		nw += 6;
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
		draw_str_right(stdscr, y, x, 3, "gen", screen_attr(ROLE_HEADER));
	y++;
	rows = y0 + h - y;
	n_live = hp->n_nodes;
	/* keep the event's object in view */
	if (subj != HEAP_NONE && (int)subj >= rows)
		first = (int)subj - rows / 2;
	if (first + rows > (int)n_live)
		first = (int)n_live - rows;
	if (first < 0)
		first = 0;
	for (uint32_t v = (uint32_t)first; v < hp->n_nodes && y < y0 + h; v++, y++) {
		struct look lk;
		attr_t at;
		node_look(s, v, &lk);
		at = v == subj ? screen_attr(ROLE_MATCH) : screen_attr(ROLE_NORMAL);
		x = x0;
		draw_fill(stdscr, y, x0, w, at);
		node_name(an, f, v, b, sizeof b);
		draw_escaped(stdscr, y, x, nw, b, strlen(b), at);
		x += nw + 1;
		if (sw > 2)
			snprintf(line, sizeof line, "%s %s", lk.glyph, lk.word);
		else
			snprintf(line, sizeof line, "%s", lk.glyph);
		draw_str(stdscr, y, x, sw - 1, line, v == subj ? at : lk.attr);
		x += sw;
		if (rc) {
			snprintf(line, sizeof line, "%lld", (long long)s->refcount[v]);
			draw_str_right(stdscr, y, x, 4, line, at);
			x += 5;
		}
		if (gc) {
			if ((s->flags[v] & STEPPER_F_CANDIDATE) || gcrefs_phase(s))
				snprintf(line, sizeof line, "%lld", (long long)s->gc_refs[v]);
			else
				snprintf(line, sizeof line, "-");
			draw_str_right(stdscr, y, x, 4, line, at);
			x += 5;
		}
		if (gens) {
			if (s->gen[v] == HEAP_GEN_UNKNOWN)
				snprintf(line, sizeof line, "-");
			else
				snprintf(line, sizeof line, "%u", (unsigned)s->gen[v]);
			draw_str_right(stdscr, y, x, 3, line, at);
		}
	}
	if (first > 0)
		draw_str_right(stdscr, y0 + 4, x0, w, "\xe2\x86\x91", screen_attr(ROLE_DIM));
}

/* Narration over two lines, cut at a space where it can be. */
static void draw_narration(struct anim *an, const struct frame *f, int y, int w)
{
	char safe[NARR];
	size_t len, cut;

	(void)f;
	if (an->is_lesson) {
		lesson_run_narration(an->run, an->pos[an->k], safe, sizeof safe);
	} else if (!an->st->record) {
		snprintf(safe, sizeof safe, "%s", "The collection is done (too big to step through: not recorded).");
	} else if (an->k == 0) {
		snprintf(safe, sizeof safe, "Before the collection (%s). Space plays, Right steps.",
			 algo_name(an, an->algo));
	} else {
		stepper_describe(an->st, &an->st->ev[an->pos[an->k] - 1], safe, sizeof safe);
	}
	/* display text (names escaped by the stepper): drawn as it is */
	len = strlen(safe);
	draw_fill(stdscr, y, 0, COLS, screen_attr(ROLE_NORMAL));
	draw_fill(stdscr, y + 1, 0, COLS, screen_attr(ROLE_NORMAL));
	if (draw_escaped_width(safe, len) <= w - 2) {
		draw_escaped(stdscr, y, 1, w - 2, safe, len, screen_attr(ROLE_NAME) | A_BOLD);
		return;
	}
	/* the longest prefix that fits, ending at a space */
	cut = 0;
	for (size_t i = 1; i <= len; i++)
		if ((i == len || safe[i] == ' ') && draw_escaped_width(safe, i) <= w - 2)
			cut = i;
	if (cut == 0)
		cut = len;
	draw_escaped(stdscr, y, 1, w - 2, safe, cut, screen_attr(ROLE_NAME) | A_BOLD);
	while (cut < len && safe[cut] == ' ')
		cut++;
	draw_escaped(stdscr, y + 1, 1, w - 2, safe + cut, len - cut, screen_attr(ROLE_NAME) | A_BOLD);
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
	struct anim_counts c;
	int drawn;

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
	snprintf(line, sizeof line, " step %s/%s  %s  %s%s%s%s %s", draw_count(b1, sizeof b1, (uint64_t)an->k),
		 draw_count(b2, sizeof b2, (uint64_t)(an->n_pos - 1)), algo_short(an->algo),
		 stepper_current_phase(f.s) < STEPPER_PHASES ? "phase " : "",
		 stepper_current_phase(f.s) < STEPPER_PHASES ? stepper_phase_name(stepper_current_phase(f.s)) : "",
		 stepper_current_phase(f.s) < STEPPER_PHASES ? "  " : "",
		 an->playing ? (screen_utf8() ? "\xe2\x96\xb6 playing" : "> playing") : (screen_utf8() ? "\xe2\x9d\x9a\xe2\x9d\x9a paused" : "|| paused"),
		 speeds[an->speed].name);
	draw_str(stdscr, 1, 0, COLS, line, screen_attr(ROLE_HEADER));
	body_h = LINES - body_y - 4;
	pw = COLS * 9 / 25;
	if (pw < 29)
		pw = 29;
	if (pw > 48)
		pw = 48;
	gw = COLS - pw - 1;
	drawn = an->lay && fit(an, gw, body_h);
	if (an->lay && !drawn)
		snprintf(an->why_counters, sizeof an->why_counters,
			 "too big to draw in %dx%d: enlarge the terminal", gw, body_h);
	if (drawn)
		draw_graph(an, &f, body_y, 0, gw, body_h);
	else
		draw_counters(an, &f, body_y, 0, gw, body_h);
	for (int r = body_y; r < body_y + body_h; r++)
		draw_str(stdscr, r, gw, 1, screen_utf8() ? "\xe2\x94\x82" : "|", screen_attr(ROLE_DIM));
	draw_panel(an, &f, body_y, gw + 2, pw - 2, body_h);
	/* counts */
	frame_counts(an, &f, &c);
	{
		char w1[24], w2[24], w3[24], w4[24], w5[24], w6[24], outside[40] = "";
		int u = screen_utf8();
		if (c.colour[STEPPER_OUTSIDE])
			snprintf(outside, sizeof outside, "  %s outside %s", u ? "\xc2\xb7" : ".",
				 draw_count(w6, sizeof w6, c.colour[STEPPER_OUTSIDE]));
		snprintf(line, sizeof line, " %s white %s  %s grey %s  %s black %s  %s freed %s  %s garbage %s%s",
			 u ? "\xe2\x97\x8b" : "o", draw_count(w1, sizeof w1, c.colour[0]),
			 u ? "\xe2\x97\x90" : "+", draw_count(w2, sizeof w2, c.colour[1]),
			 u ? "\xe2\x97\x8f" : "#", draw_count(w3, sizeof w3, c.colour[2]),
			 u ? "\xe2\x9c\x97" : "x", draw_count(w4, sizeof w4, c.freed),
			 u ? "\xe2\x8a\x98" : "!", draw_count(w5, sizeof w5, c.unreachable),
			 outside);
		draw_str(stdscr, LINES - 4, 0, COLS, line, screen_attr(ROLE_DIM));
	}
	draw_narration(an, &f, LINES - 3, COLS);
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
	FILE *timing = NULL;
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
	/* the loop does not own an: the caller frees it */
	loop_init(&lp, keys_path ? &ks : NULL, timing);
	loop_push(&lp, &anim_standalone_mode, an);
	loop_run(&lp);
	loop_fini(&lp);
	if (dump_path) {
		FILE *f = strcmp(dump_path, "-") == 0 ? stdout : fopen(dump_path, "w");
		if (!f || screen_dump(f) != 0)
			rc = -1;
		if (f && f != stdout)
			fclose(f);
	}
	screen_fini();
	keys_script_fini(&ks);
	if (timing && timing != stdout && fclose(timing) != 0 && rc == 0)
		return error_set(err, "%s: cannot write", timing_path);
	if (rc != 0)
		return error_set(err, "%s: cannot write the screen dump", dump_path);
	return 0;
}
