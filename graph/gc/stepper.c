#include "graph/gc/stepper.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include "graph/core/text.h"
#include "graph/trace.h"

static const char *const colour_names[] = {
	[STEPPER_WHITE] = "white",
	[STEPPER_GREY] = "grey",
	[STEPPER_BLACK] = "black",
	[STEPPER_OUTSIDE] = "outside",
};

static const char *const phase_names[] = {
	[STEPPER_PH_NONE] = "",
	[STEPPER_PH_MARK] = "mark",
	[STEPPER_PH_SWEEP] = "sweep",
	[STEPPER_PH_COPY] = "update_refs",
	[STEPPER_PH_SUBTRACT] = "subtract_refs",
	[STEPPER_PH_RESCUE] = "move_unreachable",
	[STEPPER_PH_UNREACHABLE] = "unreachable",
	[STEPPER_PH_WEAKREFS] = "weak references",
	[STEPPER_PH_FINALIZE] = "finalizers",
	[STEPPER_PH_RECHECK] = "resurrected?",
	[STEPPER_PH_CLEAR] = "tp_clear",
	[STEPPER_PH_PROMOTE] = "promote",
	[STEPPER_PH_DEALLOC] = "dealloc",
	[STEPPER_PH_ROOTS] = "mark roots",
	[STEPPER_PH_DONE] = "done",
};

static const char *const kind_names[] = {
	[STEPPER_PHASE] = "phase",
	[STEPPER_ROOT] = "root",
	[STEPPER_POP] = "pop",
	[STEPPER_SCAN] = "scan",
	[STEPPER_SKIP_WEAK] = "skip-weak",
	[STEPPER_SWEEP] = "sweep",
	[STEPPER_ALLOC] = "alloc",
	[STEPPER_TRACK] = "track",
	[STEPPER_UNTRACK] = "untrack",
	[STEPPER_LINK] = "link",
	[STEPPER_UNLINK] = "unlink",
	[STEPPER_INCREF] = "incref",
	[STEPPER_DECREF] = "decref",
	[STEPPER_GETREFCOUNT] = "getrefcount",
	[STEPPER_ZERO] = "zero",
	[STEPPER_FINALIZE] = "finalize",
	[STEPPER_REVIVED] = "revived",
	[STEPPER_WEAKCLEAR] = "weak-clear",
	[STEPPER_CALLBACK] = "callback",
	[STEPPER_FREE] = "free",
	[STEPPER_COUNT] = "count",
	[STEPPER_THRESHOLD] = "threshold",
	[STEPPER_SKIPFULL] = "skip-full",
	[STEPPER_COLLECT] = "collect",
	[STEPPER_RETURN] = "return",
	[STEPPER_FREEZE] = "freeze",
	[STEPPER_OLDER] = "older",
	[STEPPER_WHITEN] = "whiten",
	[STEPPER_COPY] = "copy",
	[STEPPER_SUBTRACT] = "subtract",
	[STEPPER_REACHABLE] = "reachable",
	[STEPPER_VISIT] = "visit",
	[STEPPER_TENTATIVE] = "tentative",
	[STEPPER_MOVEBACK] = "move-back",
	[STEPPER_UNREACHABLE] = "unreachable",
	[STEPPER_RESCUED] = "rescued",
	[STEPPER_CLEAR] = "clear",
	[STEPPER_MOVEOLD] = "move-old",
	[STEPPER_PROMOTE] = "promote",
	[STEPPER_MARKED] = "marked",
	[STEPPER_SETDEL] = "set-del",
	[STEPPER_WORKLEFT] = "work-left",
};

_Static_assert(sizeof kind_names / sizeof kind_names[0] == STEPPER_KINDS, "a name per event kind");
_Static_assert(sizeof phase_names / sizeof phase_names[0] == STEPPER_PHASES, "a name per phase");
_Static_assert(sizeof(struct stepper_event) == 32, "events are 32 bytes");

/* Grows the node columns to hold `n` nodes (new ones as given). */
static void grow_nodes(struct stepper *s, uint32_t n, uint8_t flags, uint8_t gen, int64_t refcount)
{
	if (n > s->cap_n) {
		uint32_t cap = s->cap_n ? s->cap_n : 16;
		while (cap < n)
			cap *= 2;
		s->colour = mem_realloc_array(s->colour, cap, 1);
		s->flags = mem_realloc_array(s->flags, cap, 1);
		s->gen = mem_realloc_array(s->gen, cap, 1);
		s->refcount = mem_realloc_array(s->refcount, cap, sizeof *s->refcount);
		s->gc_refs = mem_realloc_array(s->gc_refs, cap, sizeof *s->gc_refs);
		s->order = mem_realloc_array(s->order, cap, sizeof *s->order);
		s->deal = mem_realloc_array(s->deal, cap, sizeof *s->deal);
		s->cap_n = cap;
	}
	for (uint32_t v = s->n; v < n; v++) {
		s->colour[v] = STEPPER_WHITE;
		s->flags[v] = flags;
		s->gen[v] = gen;
		s->refcount[v] = refcount;
		s->gc_refs[v] = 0;
		s->order[v] = 0;
		s->deal[v] = 0;
	}
	if (n > s->n)
		s->n = n;
}

static void grow_edges(struct stepper *s, uint32_t m, uint8_t on)
{
	if (m > s->cap_e) {
		uint32_t cap = s->cap_e ? s->cap_e : 16;
		while (cap < m)
			cap *= 2;
		s->edge_on = mem_realloc_array(s->edge_on, cap, 1);
		s->cap_e = cap;
	}
	for (uint32_t e = s->n_edges; e < m; e++)
		s->edge_on[e] = on;
	if (m > s->n_edges)
		s->n_edges = m;
}

struct stepper *stepper_new(const struct heap *h, uint32_t n, uint32_t m)
{
	struct stepper *s = mem_calloc(1, sizeof *s);

	s->heap = h;
	s->threshold[0] = 700;
	s->threshold[1] = 10;
	s->threshold[2] = 10;
	s->ns_node = HEAP_NONE;
	s->record = 1;
	grow_nodes(s, n ? n : 1, 0, STEPPER_GEN_UNTRACKED, 0);
	s->n = n;
	grow_edges(s, m ? m : 1, 1);
	s->n_edges = m;
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
	free(s->order);
	free(s->deal);
	free(s->edge_on);
	free(s->queue);
	free(s->ev);
	free(s);
}

void stepper_grow(struct stepper *s, uint32_t n, uint32_t m, uint8_t flags, uint8_t gen,
		  int64_t refcount, uint8_t edge_on)
{
	grow_nodes(s, n, flags, gen, refcount);
	grow_edges(s, m, edge_on);
}

void stepper_attach(struct stepper *s, const struct heap *h, const uint32_t *new_edge)
{
	s->heap = h;
	if (!new_edge)
		return;
	{
		uint8_t *on = mem_alloc(s->n_edges ? s->n_edges : 1);
		for (uint32_t e = 0; e < s->n_edges; e++)
			on[new_edge[e]] = s->edge_on[e];
		memcpy(s->edge_on, on, s->n_edges);
		free(on);
	}
	for (size_t i = 0; i < s->n_ev; i++)
		if (s->ev[i].edge != HEAP_NONE && s->ev[i].edge < s->n_edges)
			s->ev[i].edge = new_edge[s->ev[i].edge];
}

static int64_t col_get(const struct stepper *s, enum stepper_col col, uint32_t node, uint32_t edge)
{
	switch (col) {
	case STEPPER_COL_COLOUR: return s->colour[node];
	case STEPPER_COL_FLAGS: return s->flags[node];
	case STEPPER_COL_GEN: return s->gen[node];
	case STEPPER_COL_REFCOUNT: return s->refcount[node];
	case STEPPER_COL_GCREFS: return s->gc_refs[node];
	case STEPPER_COL_GENCOUNT: return s->gen_count[node];
	case STEPPER_COL_EDGE: return s->edge_on[edge];
	case STEPPER_COL_ORDER: return s->order[node];
	case STEPPER_COL_PHASE: return s->phase;
	case STEPPER_COL_DEAL: return s->deal[node];
	default: return 0;
	}
}

static void col_set(struct stepper *s, enum stepper_col col, uint32_t node, uint32_t edge, int64_t v)
{
	switch (col) {
	case STEPPER_COL_COLOUR: s->colour[node] = (uint8_t)v; break;
	case STEPPER_COL_FLAGS: s->flags[node] = (uint8_t)v; break;
	case STEPPER_COL_GEN: s->gen[node] = (uint8_t)v; break;
	case STEPPER_COL_REFCOUNT: s->refcount[node] = v; break;
	case STEPPER_COL_GCREFS: s->gc_refs[node] = v; break;
	case STEPPER_COL_GENCOUNT: s->gen_count[node] = v; break;
	case STEPPER_COL_EDGE: s->edge_on[edge] = (uint8_t)v; break;
	case STEPPER_COL_ORDER: s->order[node] = (uint32_t)v; break;
	case STEPPER_COL_PHASE: s->phase = (uint8_t)v; break;
	case STEPPER_COL_DEAL: s->deal[node] = (uint32_t)v; break;
	default: break;
	}
}

static void queue_room(struct stepper *s)
{
	if (s->qtail == s->qcap) {
		s->qcap = s->qcap ? s->qcap * 2 : 64;
		s->queue = mem_realloc_array(s->queue, s->qcap, sizeof *s->queue);
	}
}

/* Applies ev forwards (dir > 0) or undoes it (dir < 0).  Each queue slot
 * is written once per run (a push writes its node again when redone). */
static void apply(struct stepper *s, const struct stepper_event *ev, int dir)
{
	col_set(s, ev->col, ev->node, ev->edge, dir > 0 ? ev->new : ev->old);
	switch (ev->qop) {
	case STEPPER_Q_PUSH:
		if (dir > 0) {
			queue_room(s);
			s->queue[s->qtail++] = ev->node;
		} else {
			s->qtail--;
		}
		break;
	case STEPPER_Q_POP:
		if (dir > 0)
			s->qhead++;
		else
			s->qhead--;
		break;
	default:
		break;
	}
}

static void append(struct stepper *s, const struct stepper_event *ev)
{
	assert(s->pos == s->n_ev);
	assert(ev->qop != STEPPER_Q_POP || (s->qhead < s->qtail && s->queue[s->qhead] == ev->node));
	apply(s, ev, 1);
	s->kind_count[ev->kind]++;
	if (!s->record)
		return;
	if (s->n_ev == s->cap_ev) {
		s->cap_ev = s->cap_ev ? s->cap_ev * 2 : 256;
		s->ev = mem_realloc_array(s->ev, s->cap_ev, sizeof *s->ev);
	}
	s->ev[s->n_ev++] = *ev;
	s->pos = s->n_ev;
}

void stepper_emit(struct stepper *s, enum stepper_kind kind, enum stepper_col col, uint32_t node,
		  int64_t value, enum stepper_qop qop, uint32_t other, uint32_t edge,
		  enum stepper_why why)
{
	struct stepper_event ev = {
		.old = col == STEPPER_COL_NONE ? value : col_get(s, col, node, edge),
		.new = value,
		.node = node,
		.other = other,
		.edge = edge,
		.kind = (uint8_t)kind,
		.col = (uint8_t)col,
		.qop = (uint8_t)qop,
		.why = (uint8_t)why,
	};

	append(s, &ev);
}

void stepper_note(struct stepper *s, enum stepper_kind kind, uint32_t node, int64_t a, int64_t b,
		  uint32_t other, uint32_t edge)
{
	struct stepper_event ev = {
		.old = a,
		.new = b,
		.node = node,
		.other = other,
		.edge = edge,
		.kind = (uint8_t)kind,
		.col = STEPPER_COL_NONE,
	};

	append(s, &ev);
}

void stepper_phase(struct stepper *s, enum stepper_phase ph)
{
	if (s->phase == ph)
		return;
	stepper_emit(s, STEPPER_PHASE, STEPPER_COL_PHASE, HEAP_NONE, ph, STEPPER_Q_NONE, HEAP_NONE,
		     HEAP_NONE, STEPPER_WHY_NONE);
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

const char *stepper_gen_name(uint8_t gen, char *buf, size_t size)
{
	if (gen == STEPPER_GEN_UNTRACKED)
		snprintf(buf, size, "untracked");
	else if (gen == STEPPER_GEN_PERMANENT)
		snprintf(buf, size, "permanent");
	else
		snprintf(buf, size, "%u", (unsigned)gen);
	return buf;
}

const char *stepper_label(const struct heap *h, heap_node_t v, char *buf, size_t size)
{
	size_t len;
	const char *name;

	if (!h || v >= h->n_nodes) {
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
		snprintf(buf, size, "%s#%llu", tbuf, (unsigned long long)heap_id(h, v));
	}
	return buf;
}

static int by_key(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint32_t stepper_unreachable_list(const struct stepper *s, heap_node_t *out)
{
	uint8_t *queued = mem_calloc(s->n ? s->n : 1, 1);
	uint64_t *key = mem_alloc((s->n ? s->n : 1) * sizeof *key);
	uint32_t k = 0;

	for (uint32_t q = s->qhead; q < s->qtail; q++)
		if (s->queue[q] < s->n)
			queued[s->queue[q]] = 1;
	for (uint32_t v = 0; v < s->n; v++)
		if (s->order[v] && !queued[v] && s->colour[v] != STEPPER_BLACK && !(s->flags[v] & STEPPER_F_FREED))
			key[k++] = (uint64_t)s->order[v] << 32 | v;
	qsort(key, k, sizeof *key, by_key);
	for (uint32_t i = 0; i < k; i++)
		out[i] = (heap_node_t)(key[i] & 0xffffffffu);
	free(queued);
	free(key);
	return k;
}

const char *stepper_ref_text(const struct stepper *s, uint32_t e, char *buf, size_t size)
{
	const struct heap *h = s->heap;
	char from[128], raw[128], name[200];
	heap_node_t v;

	if (!h || e >= h->n_edges) {
		snprintf(buf, size, "?");
		return buf;
	}
	v = trace_edge_source(h, e);
	/* a field name from a snapshot is escaped once, here, as labels are */
	heap_edge_name(h, h->out_name[e], raw, sizeof raw);
	text_escape(name, sizeof name, raw, strlen(raw), 0);
	if (v == s->ns_node) {
		snprintf(buf, size, "variable %s", name);
		return buf;
	}
	stepper_label(h, v, from, sizeof from);
	if (h->out_name[e] & HEAP_NAME_INDEX || name[0] == '[' || name[0] == '(')
		snprintf(buf, size, "%s%s", from, name);
	else
		snprintf(buf, size, "%s.%s", from, name[0] ? name : "?");
	return buf;
}

static const char *phase_text(enum stepper_phase p)
{
	switch (p) {
	case STEPPER_PH_MARK:
		return "mark: each root turns grey and goes onto the worklist";
	case STEPPER_PH_SWEEP:
		return "sweep: what is still white was not reached from a root: freed";
	case STEPPER_PH_COPY:
		return "update_refs: copy each object's refcount into gc_refs";
	case STEPPER_PH_SUBTRACT:
		return "subtract_refs: take off each reference from inside the list, one at a time";
	case STEPPER_PH_RESCUE:
		return "move_unreachable: scan the list once; gc_refs 0 means tentatively unreachable";
	case STEPPER_PH_UNREACHABLE:
		return "what is left in the unreachable list is garbage";
	case STEPPER_PH_WEAKREFS:
		return "clear the weak references to the garbage; call the callbacks of those outside it";
	case STEPPER_PH_FINALIZE:
		return "run the finalizers (__del__) of the garbage, once each";
	case STEPPER_PH_RECHECK:
		return "did a finalizer make any of the garbage reachable? count again";
	case STEPPER_PH_CLEAR:
		return "tp_clear each one in turn: reference counting frees what falls to 0";
	case STEPPER_PH_PROMOTE:
		return "the survivors move to an older generation";
	case STEPPER_PH_DEALLOC:
		return "deallocation";
	case STEPPER_PH_ROOTS:
		return "mark: what the interpreter's roots reach is visited, not collected";
	case STEPPER_PH_DONE:
		return "collection done";
	default:
		return "";
	}
}

/* "(a.next)" for an event's reference, or "" when it has none. */
static const char *paren_ref(const struct stepper *s, uint32_t e, char *buf, size_t size)
{
	char r[300];

	if (e == HEAP_NONE) {
		buf[0] = '\0';
		return buf;
	}
	snprintf(buf, size, " (%s)", stepper_ref_text(s, e, r, sizeof r));
	return buf;
}

static int is_immortal(const struct stepper *s, uint32_t v)
{
	return s->heap && v < s->heap->n_nodes && (s->heap->flags[v] & HEAP_F_IMMORTAL);
}

const char *stepper_describe(const struct stepper *s, const struct stepper_event *ev, char *buf,
			     size_t size)
{
	const struct heap *h = s->heap;
	char a[128], o[128], e[300], p[320], g1[16], g2[16];
	long long old = (long long)ev->old, nw = (long long)ev->new;

	if (ev->kind != STEPPER_PHASE && ev->kind != STEPPER_COUNT && ev->kind != STEPPER_THRESHOLD &&
	    ev->kind != STEPPER_COLLECT && ev->kind != STEPPER_RETURN && ev->kind != STEPPER_SKIPFULL)
		stepper_label(h, ev->node, a, sizeof a);
	else
		a[0] = '\0';
	if (ev->other != HEAP_NONE)
		stepper_label(h, ev->other, o, sizeof o);
	else
		o[0] = '\0';
	if (ev->edge != HEAP_NONE)
		stepper_ref_text(s, ev->edge, e, sizeof e);
	else
		e[0] = '\0';
	paren_ref(s, ev->edge, p, sizeof p);

	switch ((enum stepper_kind)ev->kind) {
	case STEPPER_PHASE:
		snprintf(buf, size, "%s", phase_text((enum stepper_phase)ev->new));
		break;
	case STEPPER_ROOT:
		if (ev->node == s->ns_node)
			snprintf(buf, size, "%s (the variables) is a root: grey, onto the worklist", a);
		else
			snprintf(buf, size, "%s is a root: grey, onto the worklist", a);
		break;
	case STEPPER_POP:
		snprintf(buf, size, "take %s off the worklist: black; scan its references", a);
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
	case STEPPER_ALLOC: {
		char t[96];
		size_t len;
		const char *type = heap_string(h, h->type[ev->node], &len);
		text_escape(t, sizeof t, type, len, 0);
		snprintf(buf, size, "a new %s object, %s: refcount 1 (the result of the call)", t, a);
		break;
	}
	case STEPPER_TRACK:
		snprintf(buf, size, "the collector tracks %s: it joins generation 0", a);
		break;
	case STEPPER_UNTRACK:
		snprintf(buf, size, "%s holds nothing the collector tracks: untracked", a);
		break;
	case STEPPER_LINK:
		if (ev->why == STEPPER_WHY_REVIVE)
			snprintf(buf, size, "%s's __del__ stores it: %s refers to %s again", a, e, a);
		else
			snprintf(buf, size, "%s now refers to %s", e, a);
		break;
	case STEPPER_UNLINK:
		switch (ev->why) {
		case STEPPER_WHY_DEL:
			if (ev->other == s->ns_node) {
				char nm[128];
				heap_edge_name(h, h->out_name[ev->edge], nm, sizeof nm);
				snprintf(buf, size, "del %s: the variable %s no longer refers to %s", nm, nm, a);
			} else {
				snprintf(buf, size, "del %s: it no longer refers to %s", e, a);
			}
			break;
		case STEPPER_WHY_CLEAR:
			snprintf(buf, size, "tp_clear(%s) clears %s, which referred to %s", o, e, a);
			break;
		case STEPPER_WHY_DEALLOC:
			snprintf(buf, size, "%s is being freed: %s lets go of %s", o, e, a);
			break;
		case STEPPER_WHY_SHIFT:
			snprintf(buf, size, "%s moves down one place: it no longer refers to %s", e, a);
			break;
		default:
			snprintf(buf, size, "%s no longer refers to %s (replaced)", e, a);
			break;
		}
		break;
	case STEPPER_INCREF:
		if (ev->why == STEPPER_WHY_FINALIZER)
			snprintf(buf, size, "%s is alive again while its __del__ runs: refcount %lld -> %lld", a, old, nw);
		else if (ev->why == STEPPER_WHY_HOLD)
			snprintf(buf, size, "the collector holds %s while it clears it: refcount %lld -> %lld", a,
				 old, nw);
		else if (ev->edge == HEAP_NONE && ev->why == STEPPER_WHY_REVIVE)
			snprintf(buf, size, "%s gains a reference: refcount %lld -> %lld", a, old, nw);
		else
			snprintf(buf, size, "%s gains a reference%s: refcount %lld -> %lld", a, p, old, nw);
		break;
	case STEPPER_DECREF:
		if (ev->why == STEPPER_WHY_FINALIZER)
			snprintf(buf, size, "%s.__del__() returns: refcount %lld -> %lld", a, old, nw);
		else if (ev->why == STEPPER_WHY_HOLD)
			snprintf(buf, size, "the collector lets go of %s: refcount %lld -> %lld", a, old, nw);
		else if (ev->why == STEPPER_WHY_OUTSIDE)
			snprintf(buf, size, "what holds %s from outside lets go: refcount %lld -> %lld", a, old,
				 nw);
		else
			snprintf(buf, size, "%s loses a reference%s: refcount %lld -> %lld", a, p, old, nw);
		break;
	case STEPPER_GETREFCOUNT:
		if (is_immortal(s, ev->node) && old == nw)
			snprintf(buf, size, "sys.getrefcount(%s) returns %lld: %s is immortal, its refcount never changes",
				 a, nw, a);
		else
			snprintf(buf, size,
				 "sys.getrefcount(%s) returns %lld: its %lld reference%s, plus one: the argument of the call",
				 a, nw, old, old == 1 ? "" : "s");
		break;
	case STEPPER_ZERO:
		snprintf(buf, size, "%s has refcount 0: its deallocator runs", a);
		break;
	case STEPPER_FINALIZE:
		snprintf(buf, size, "%s.__del__() runs", a);
		break;
	case STEPPER_REVIVED:
		snprintf(buf, size, "%s is referenced again after __del__: it is not freed", a);
		break;
	case STEPPER_WEAKCLEAR:
		snprintf(buf, size, "%s, a weak reference to %s, is cleared: calling it now returns None", o, a);
		break;
	case STEPPER_CALLBACK:
		snprintf(buf, size, "the callback of %s runs (its referent %s is going away)", a, o[0] ? o : "?");
		break;
	case STEPPER_FREE:
		snprintf(buf, size, "%s is freed", a);
		break;
	case STEPPER_COUNT:
		snprintf(buf, size, "gc.get_count()[%u]: %lld -> %lld", (unsigned)ev->node, old, nw);
		break;
	case STEPPER_THRESHOLD:
		snprintf(buf, size, "generation %u count %lld %s threshold %lld%s", (unsigned)ev->node, old,
			 old > nw ? ">" : "<=", nw, old > nw ? ": collect it" : "");
		break;
	case STEPPER_SKIPFULL:
		snprintf(buf, size,
			 "but only %lld object%s reached generation 2 since the last full collection, not over a "
			 "quarter of the %lld long-lived ones: no full collection yet",
			 old, old == 1 ? "" : "s", nw);
		break;
	case STEPPER_COLLECT:
		if (ev->old == 1) {	/* 3.14 */
			static const char *const what[] = {
				"a young collection: generation 0 alone",
				"an increment: the young objects and a slice of the old ones",
				"a full collection: every generation",
			};
			snprintf(buf, size, "%s%s", ev->why ? "automatic " : "gc.collect(): ",
				 what[ev->node < 3 ? ev->node : 2]);
		} else if (ev->why == 1) {
			snprintf(buf, size, "collect generation%s %s, now, inside the allocation (the new object is not tracked yet)",
				 ev->node ? "s 0 to" : "", ev->node ? (ev->node == 1 ? "1" : "2") : "0");
		} else if (ev->why == 2) {
			snprintf(buf, size, "collect generation%s %s at the end of the call (the new object is tracked, held by the call's result)",
				 ev->node ? "s 0 to" : "", ev->node ? (ev->node == 1 ? "1" : "2") : "0");
		} else if (ev->node == 0) {
			snprintf(buf, size, "collect generation 0");
		} else {
			snprintf(buf, size, "collect generations 0 to %u: one list, generation %u first",
				 (unsigned)ev->node, (unsigned)ev->node);
		}
		break;
	case STEPPER_RETURN:
		if (ev->why)
			snprintf(buf, size, "the collection found %lld unreachable object%s", old, old == 1 ? "" : "s");
		else
			snprintf(buf, size, "gc.collect() returns %lld", old);
		break;
	case STEPPER_FREEZE:
		snprintf(buf, size, "%s moves from generation %s to %s", a,
			 stepper_gen_name((uint8_t)ev->old, g1, sizeof g1),
			 stepper_gen_name((uint8_t)ev->new, g2, sizeof g2));
		break;
	case STEPPER_OLDER:
		if (s->gen[ev->node] == STEPPER_GEN_UNTRACKED)
			snprintf(buf, size, "%s is not tracked by the collector: outside this collection", a);
		else
			snprintf(buf, size, "%s is in generation %s: outside this collection", a,
				 stepper_gen_name(s->gen[ev->node], g1, sizeof g1));
		break;
	case STEPPER_WHITEN:
		snprintf(buf, size, "%s takes part in this collection", a);
		break;
	case STEPPER_COPY:
		snprintf(buf, size, "%s: gc_refs = refcount = %lld", a, nw);
		break;
	case STEPPER_SUBTRACT:
		snprintf(buf, size, "%s -> %s is inside the list: %s gc_refs %lld -> %lld", e, a, a, old, nw);
		break;
	case STEPPER_REACHABLE:
		snprintf(buf, size, "%s has gc_refs %lld > 0: reachable; scan its references", a,
			 (long long)s->gc_refs[ev->node]);
		break;
	case STEPPER_VISIT:
		if (ev->why)
			snprintf(buf, size, "%s: gc_refs 0 -> 1, to be scanned again", a);
		else
			snprintf(buf, size, "%s -> %s: %s is reachable: gc_refs 0 -> 1, scanned when its turn comes",
				 e, a, a);
		break;
	case STEPPER_TENTATIVE:
		snprintf(buf, size, "%s has gc_refs 0: tentatively unreachable, moved to the unreachable list", a);
		break;
	case STEPPER_MOVEBACK:
		snprintf(buf, size, "%s -> %s: %s was tentatively unreachable, but it is reachable: back to the end of the list",
			 e, a, a);
		break;
	case STEPPER_UNREACHABLE:
		snprintf(buf, size, "%s is still in the unreachable list: garbage", a);
		break;
	case STEPPER_RESCUED:
		if (ev->why)
			snprintf(buf, size, "%s survives: in 3.8, when a finalizer resurrects any of the garbage, all of it is kept",
				 a);
		else
			snprintf(buf, size, "%s is reachable again (a finalizer stored a reference): it survives", a);
		break;
	case STEPPER_CLEAR:
		snprintf(buf, size, "tp_clear(%s): it lets go of each reference it holds", a);
		break;
	case STEPPER_MOVEOLD:
		snprintf(buf, size, "%s is still alive: moved to generation %s%s", a,
			 stepper_gen_name((uint8_t)ev->new, g2, sizeof g2),
			 ev->why == STEPPER_WHY_CLEAR ? "; it dies when the rest of the garbage lets go of it" : "");
		break;
	case STEPPER_PROMOTE:
		snprintf(buf, size, "%s survives: generation %s -> %s", a,
			 stepper_gen_name((uint8_t)ev->old, g1, sizeof g1),
			 stepper_gen_name((uint8_t)ev->new, g2, sizeof g2));
		break;
	case STEPPER_MARKED:
		snprintf(buf, size, "%s is reachable from the roots: marked visited, not collected in this round", a);
		break;
	case STEPPER_SETDEL:
		if (ev->why)
			snprintf(buf, size, "%s's class has a __del__ that stores the object in variable %s", a, a);
		else
			snprintf(buf, size, "%s's class has a __del__", a);
		break;
	case STEPPER_WORKLEFT:
		snprintf(buf, size, "the increment's work to do is %lld, below 0: nothing is collected this time", old);
		break;
	default:
		snprintf(buf, size, "?");
		break;
	}
	return buf;
}
