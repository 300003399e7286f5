#include "graph/gc/stepper.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include "graph/reach.h"
#include "graph/core/text.h"

static const char *const colour_names[] = {
	[STEPPER_WHITE] = "white",
	[STEPPER_GREY] = "grey",
	[STEPPER_BLACK] = "black",
	[STEPPER_OUTSIDE] = "outside",
};

static const char *const phase_names[] = {
	[STEPPER_PH_MARK] = "mark",
	[STEPPER_PH_SWEEP] = "sweep",
	[STEPPER_PH_COPY] = "copy refcounts",
	[STEPPER_PH_SUBTRACT] = "subtract internal references",
	[STEPPER_PH_RESCUE] = "rescue",
	[STEPPER_PH_UNREACHABLE] = "unreachable",
	[STEPPER_PH_FINALIZE] = "finalize",
	[STEPPER_PH_CLEAR] = "clear",
	[STEPPER_PH_PROMOTE] = "promote",
	[STEPPER_PH_CASCADE] = "refcount cascade",
	[STEPPER_PH_DONE] = "done",
};

static const char *const kind_names[] = {
	[STEPPER_PHASE] = "phase",
	[STEPPER_ROOT] = "root",
	[STEPPER_POP] = "pop",
	[STEPPER_SCAN] = "scan",
	[STEPPER_SKIP_WEAK] = "skip-weak",
	[STEPPER_SWEEP] = "sweep",
	[STEPPER_COPY] = "copy",
	[STEPPER_SUBTRACT] = "subtract",
	[STEPPER_EXTERNAL] = "external",
	[STEPPER_UNREACHABLE] = "unreachable",
	[STEPPER_WEAKCLEAR] = "weak-clear",
	[STEPPER_FINALIZE] = "finalize",
	[STEPPER_CLEAR] = "clear",
	[STEPPER_RELEASE] = "release",
	[STEPPER_DECREF] = "decref",
	[STEPPER_ZERO] = "zero",
	[STEPPER_FREE] = "free",
	[STEPPER_PROMOTE] = "promote",
	[STEPPER_COUNT] = "count",
	[STEPPER_THRESHOLD] = "threshold",
	[STEPPER_COLLECT] = "collect",
	[STEPPER_OLDER] = "older",
	[STEPPER_WHITEN] = "whiten",
};

struct stepper *stepper_new(const struct heap *h)
{
	struct stepper *s = mem_calloc(1, sizeof *s);
	uint32_t n = h->n_nodes;
	size_t cells = n ? n : 1;

	s->heap = h;
	s->n = n;
	s->colour = mem_calloc(cells, 1);
	s->flags = mem_calloc(cells, 1);
	s->gen = mem_alloc(cells);
	s->refcount = mem_calloc(cells, sizeof *s->refcount);
	s->gc_refs = mem_calloc(cells, sizeof *s->gc_refs);
	memcpy(s->gen, h->generation, n);
	s->threshold[0] = 700;
	s->threshold[1] = 10;
	s->threshold[2] = 10;
	s->record = 1;
	stepper_derive_refcount(s);
	for (uint32_t v = 0; v < n; v++)
		if (h->flags[v] & HEAP_F_HAS_REFCOUNT)
			s->refcount[v] = h->refcount[v];
	return s;
}

void stepper_free(struct stepper *s)
{
	if (!s)
		return;
	free(s->colour);
	free(s->flags);
	free(s->gen);
	free(s->refcount);
	free(s->gc_refs);
	free(s->queue);
	free(s->ev);
	free(s);
}

int stepper_edge_retains(const struct heap *h, heap_node_t from, uint32_t e)
{
	return reach_retains(h, from, e);	/* the engine's one predicate */
}

heap_node_t stepper_edge_source(const struct heap *h, uint32_t e)
{
	uint32_t lo = 0, hi = h->n_nodes;

	/* the last v with out_off[v] <= e */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (h->out_off[mid] <= e)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

void stepper_derive_refcount(struct stepper *s)
{
	const struct heap *h = s->heap;

	for (uint32_t v = 0; v < s->n; v++)
		s->refcount[v] = 0;
	for (uint32_t v = 0; v < s->n; v++)
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++)
			if (stepper_edge_retains(h, v, e))
				s->refcount[h->out_to[e]]++;
	for (uint32_t r = 0; r < h->n_roots; r++)
		s->refcount[h->roots[r].node]++;
}

static int64_t col_get(const struct stepper *s, enum stepper_col col, uint32_t node)
{
	switch (col) {
	case STEPPER_COL_COLOUR: return s->colour[node];
	case STEPPER_COL_FLAGS: return s->flags[node];
	case STEPPER_COL_GEN: return s->gen[node];
	case STEPPER_COL_REFCOUNT: return s->refcount[node];
	case STEPPER_COL_GCREFS: return s->gc_refs[node];
	case STEPPER_COL_GENCOUNT: return s->gen_count[node];
	default: return 0;
	}
}

static void col_set(struct stepper *s, enum stepper_col col, uint32_t node, int64_t v)
{
	switch (col) {
	case STEPPER_COL_COLOUR: s->colour[node] = (uint8_t)v; break;
	case STEPPER_COL_FLAGS: s->flags[node] = (uint8_t)v; break;
	case STEPPER_COL_GEN: s->gen[node] = (uint8_t)v; break;
	case STEPPER_COL_REFCOUNT: s->refcount[node] = v; break;
	case STEPPER_COL_GCREFS: s->gc_refs[node] = v; break;
	case STEPPER_COL_GENCOUNT: s->gen_count[node] = v; break;
	default: break;
	}
}

/* Applies ev forwards (dir > 0) or undoes it (dir < 0). */
static void apply(struct stepper *s, const struct stepper_event *ev, int dir)
{
	col_set(s, ev->col, ev->node, dir > 0 ? ev->new : ev->old);
	if (ev->qop == STEPPER_Q_PUSH) {
		if (dir > 0)
			s->queue[s->qtail++] = ev->node;
		else
			s->qtail--;
	} else if (ev->qop == STEPPER_Q_POP) {
		if (dir > 0)
			s->qhead++;
		else
			s->qhead--;
	}
}

void stepper_emit(struct stepper *s, enum stepper_kind kind, enum stepper_col col,
		  uint32_t node, int64_t value, enum stepper_qop qop, uint32_t other,
		  uint32_t edge)
{
	struct stepper_event ev = {
		.old = col == STEPPER_COL_NONE ? value : col_get(s, col, node),
		.new = value,
		.node = node,
		.other = other,
		.edge = edge,
		.kind = (uint8_t)kind,
		.col = (uint8_t)col,
		.qop = (uint8_t)qop,
	};

	assert(s->pos == s->n_ev);
	if (qop == STEPPER_Q_PUSH && s->qtail == s->qcap) {
		s->qcap = s->qcap ? s->qcap * 2 : 64;
		s->queue = mem_realloc_array(s->queue, s->qcap, sizeof *s->queue);
	}
	assert(qop != STEPPER_Q_POP || (s->qhead < s->qtail && s->queue[s->qhead] == node));
	apply(s, &ev, 1);
	s->kind_count[kind]++;
	if (!s->record)
		return;
	if (s->n_ev == s->cap_ev) {
		s->cap_ev = s->cap_ev ? s->cap_ev * 2 : 256;
		s->ev = mem_realloc_array(s->ev, s->cap_ev, sizeof *s->ev);
	}
	s->ev[s->n_ev++] = ev;
	s->pos = s->n_ev;
}

void stepper_note(struct stepper *s, enum stepper_kind kind, uint32_t node, int64_t a, int64_t b)
{
	stepper_emit(s, kind, STEPPER_COL_NONE, node, b, STEPPER_Q_NONE, HEAP_NONE, HEAP_NONE);
	if (s->record)
		s->ev[s->n_ev - 1].old = a;
}

void stepper_phase(struct stepper *s, enum stepper_phase ph)
{
	stepper_emit(s, STEPPER_PHASE, STEPPER_COL_NONE, HEAP_NONE, ph, STEPPER_Q_NONE,
		     HEAP_NONE, HEAP_NONE);
}

size_t stepper_len(const struct stepper *s)
{
	return s->n_ev;
}

void stepper_seek(struct stepper *s, size_t k)
{
	if (k > s->n_ev)
		k = s->n_ev;
	while (s->pos < k)
		apply(s, &s->ev[s->pos++], 1);
	while (s->pos > k)
		apply(s, &s->ev[--s->pos], -1);
}

int stepper_step(struct stepper *s, int dir)
{
	if (dir > 0) {
		if (s->pos >= s->n_ev)
			return -1;
		apply(s, &s->ev[s->pos++], 1);
	} else {
		if (s->pos == 0)
			return -1;
		apply(s, &s->ev[--s->pos], -1);
	}
	return 0;
}

enum stepper_phase stepper_current_phase(const struct stepper *s)
{
	for (size_t i = s->pos; i > 0; i--)
		if (s->ev[i - 1].kind == STEPPER_PHASE)
			return (enum stepper_phase)s->ev[i - 1].new;
	return STEPPER_PHASES;
}

const char *stepper_colour_name(enum stepper_colour c)
{
	return (unsigned)c <= STEPPER_OUTSIDE ? colour_names[c] : "?";
}

const char *stepper_phase_name(enum stepper_phase p)
{
	return (unsigned)p < STEPPER_PHASES ? phase_names[p] : "?";
}

const char *stepper_kind_name(enum stepper_kind k)
{
	return (unsigned)k < STEPPER_KINDS ? kind_names[k] : "?";
}

const char *stepper_label(const struct heap *h, heap_node_t v, char *buf, size_t size)
{
	size_t len;
	const char *name;

	if (v >= h->n_nodes) {
		snprintf(buf, size, "?");
		return buf;
	}
	name = heap_string(h, h->name[v], &len);
	if (len) {
		text_escape(buf, size, name, len, 0);
	} else {
		char tbuf[96];
		const char *type = heap_string(h, h->type[v], &len);
		text_escape(tbuf, sizeof tbuf, type, len, 0);
		snprintf(buf, size, "%s#%llu", tbuf, (unsigned long long)h->id[v]);
	}
	return buf;
}

const char *stepper_node_label(const struct stepper *s, heap_node_t v, char *buf, size_t size)
{
	const struct heap *h = s->heap;
	char tbuf[96];
	size_t len;
	const char *type;

	if (!s->label_ids || v >= h->n_nodes)
		return stepper_label(h, v, buf, size);
	type = heap_string(h, h->type[v], &len);
	text_escape(tbuf, sizeof tbuf, type, len, 0);
	snprintf(buf, size, "%s@%llu", tbuf, (unsigned long long)h->id[v]);
	return buf;
}

/* "a.next" for out-edge e. */
static const char *edge_text(const struct stepper *s, uint32_t e, char *buf, size_t size)
{
	const struct heap *h = s->heap;
	char from[128], nbuf[128], name[128];
	size_t len;
	const char *raw;

	stepper_node_label(s, stepper_edge_source(h, e), from, sizeof from);
	if (h->out_name[e] & HEAP_NAME_INDEX) {
		heap_edge_name(h, h->out_name[e], name, sizeof name);
		snprintf(buf, size, "%s%s", from, name);
		return buf;
	}
	raw = heap_string(h, h->out_name[e], &len);
	text_escape(nbuf, sizeof nbuf, raw, len, 0);
	snprintf(buf, size, "%s.%s", from, len ? nbuf : "?");
	return buf;
}

static const char *phase_text(enum stepper_phase p)
{
	switch (p) {
	case STEPPER_PH_MARK:
		return "mark: all start white; each root turns grey, onto the worklist";
	case STEPPER_PH_SWEEP:
		return "sweep: what is still white was not reached from a root: freed";
	case STEPPER_PH_COPY:
		return "copy each object's refcount into gc_refs";
	case STEPPER_PH_SUBTRACT:
		return "subtract each reference from inside the generation, one at a time";
	case STEPPER_PH_RESCUE:
		return "gc_refs > 0: held from outside; rescue those and all they reach";
	case STEPPER_PH_UNREACHABLE:
		return "what is still white is reachable only from garbage: unreachable";
	case STEPPER_PH_FINALIZE:
		return "run the finalizers (__del__) of the unreachable objects, once each";
	case STEPPER_PH_CLEAR:
		return "clear the unreachable: drop their references, free them";
	case STEPPER_PH_PROMOTE:
		return "the survivors move to an older generation";
	case STEPPER_PH_CASCADE:
		return "reference counting frees what only the freed objects held";
	case STEPPER_PH_DONE:
		return "collection done";
	default:
		return "?";
	}
}

const char *stepper_describe(const struct stepper *s, const struct stepper_event *ev,
			     char *buf, size_t size)
{
	char a[128], o[128], e[300];

	if (ev->kind != STEPPER_PHASE && ev->kind != STEPPER_COUNT && ev->kind != STEPPER_THRESHOLD &&
	    ev->kind != STEPPER_COLLECT)
		stepper_node_label(s, ev->node, a, sizeof a);
	else
		a[0] = '\0';
	if (ev->edge != HEAP_NONE)
		edge_text(s, ev->edge, e, sizeof e);
	else
		e[0] = '\0';

	switch ((enum stepper_kind)ev->kind) {
	case STEPPER_PHASE:
		snprintf(buf, size, "%s", phase_text((enum stepper_phase)ev->new));
		break;
	case STEPPER_ROOT:
		snprintf(buf, size, "%s is a root: grey, onto the worklist", a);
		break;
	case STEPPER_POP:
		snprintf(buf, size, "take %s off the worklist: black, scan its references", a);
		break;
	case STEPPER_SCAN:
		if (ev->col == STEPPER_COL_COLOUR)
			snprintf(buf, size, "scan %s -> %s: %s was white: grey, onto the worklist", e, a, a);
		else
			snprintf(buf, size, "scan %s -> %s: %s is already %s", e, a, a,
				 stepper_colour_name((enum stepper_colour)ev->new));
		break;
	case STEPPER_SKIP_WEAK:
		snprintf(buf, size, "%s -> %s is a weak reference: not followed", e, a);
		break;
	case STEPPER_SWEEP:
		snprintf(buf, size, "%s is white: freed", a);
		break;
	case STEPPER_COPY:
		snprintf(buf, size, "%s: gc_refs = refcount = %lld", a, (long long)ev->new);
		break;
	case STEPPER_SUBTRACT:
		snprintf(buf, size, "%s -> %s comes from inside: %s gc_refs %lld -> %lld", e, a, a,
			 (long long)ev->old, (long long)ev->new);
		break;
	case STEPPER_EXTERNAL:
		snprintf(buf, size, "%s has gc_refs > 0 (held from outside): grey", a);
		break;
	case STEPPER_UNREACHABLE:
		snprintf(buf, size, "%s is still white: unreachable", a);
		break;
	case STEPPER_WEAKCLEAR:
		snprintf(buf, size, "%s pointed weakly at %s, which is dying: cleared (now None)", e, a);
		break;
	case STEPPER_FINALIZE:
		snprintf(buf, size, "%s.__del__() runs", a);
		break;
	case STEPPER_CLEAR:
		snprintf(buf, size, "%s is cleared and freed", a);
		break;
	case STEPPER_RELEASE:
		snprintf(buf, size, "%s loses a reference: refcount %lld -> %lld", a, (long long)ev->old,
			 (long long)ev->new);
		break;
	case STEPPER_DECREF:
		stepper_node_label(s, ev->other, o, sizeof o);
		snprintf(buf, size, "%s is gone, so %s no longer holds %s: refcount %lld -> %lld", o, e, a,
			 (long long)ev->old, (long long)ev->new);
		break;
	case STEPPER_ZERO:
		snprintf(buf, size, "%s has refcount 0: it will be freed", a);
		break;
	case STEPPER_FREE:
		snprintf(buf, size, "%s is freed", a);
		break;
	case STEPPER_PROMOTE:
		snprintf(buf, size, "%s survives: generation %lld -> %lld", a, (long long)ev->old,
			 (long long)ev->new);
		break;
	case STEPPER_COUNT:
		snprintf(buf, size, "generation %u count %lld -> %lld", (unsigned)ev->node,
			 (long long)ev->old, (long long)ev->new);
		break;
	case STEPPER_THRESHOLD:
		snprintf(buf, size, "generation %u count %lld %s threshold %lld%s", (unsigned)ev->node,
			 (long long)ev->old, ev->old > ev->new ? ">" : "<=", (long long)ev->new,
			 ev->old > ev->new ? ": collect it" : "");
		break;
	case STEPPER_OLDER:
		if (s->heap->flags[ev->node] & HEAP_F_UNTRACKED)
			snprintf(buf, size, "%s is untracked: the collector never looks at it", a);
		else if (s->gen[ev->node] == HEAP_GEN_UNKNOWN)
			snprintf(buf, size, "%s has no generation: outside this collection", a);
		else
			snprintf(buf, size, "%s is in generation %u: outside this collection", a,
				 (unsigned)s->gen[ev->node]);
		break;
	case STEPPER_WHITEN:
		snprintf(buf, size, "%s is white again for this collection", a);
		break;
	case STEPPER_COLLECT:
		if (ev->node == 0)
			snprintf(buf, size, "collect generation 0");
		else
			snprintf(buf, size, "collect generation %u (with the younger ones: 0..%u)",
				 (unsigned)ev->node, (unsigned)ev->node);
		break;
	default:
		snprintf(buf, size, "?");
		break;
	}
	return buf;
}
