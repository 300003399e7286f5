#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "../graph/mem.h"

/* A sort key and the index it belongs to; sorting pairs avoids a
 * comparison callback that needs context. */
struct keyed {
	uint64_t key;
	uint32_t idx;
};

static int cmp_desc(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? 1 : -1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int model_edge_retains(const struct heap *h, heap_node_t from, uint8_t kind)
{
	if (kind == HEAP_EDGE_STRONG || kind == HEAP_EDGE_INTERNAL)
		return 1;
	if (kind == HEAP_EDGE_SHORTCUT)
		return (h->flags[from] & HEAP_F_SYNTHETIC) != 0;
	return 0;
}

uint64_t model_retained(const struct model *m, heap_node_t v)
{
	return m->retained ? m->retained[v] : m->h->size[v];
}

/* Breadth-first search from the roots; a queue array, no recursion. */
static int compute_reach(struct model *m, struct progress *prog, struct error *err)
{
	const struct heap *h = m->h;
	heap_node_t *queue = mem_alloc(((size_t)h->n_nodes + 1) * sizeof *queue);
	uint32_t head = 0, tail = 0;

	m->reachable = mem_calloc((size_t)h->n_nodes + 1, 1);
	m->reach_parent = mem_alloc(((size_t)h->n_nodes + 1) * sizeof *m->reach_parent);
	m->reach_edge = mem_alloc(((size_t)h->n_nodes + 1) * sizeof *m->reach_edge);
	for (uint32_t v = 0; v < h->n_nodes; v++) {
		m->reach_parent[v] = HEAP_NONE;
		m->reach_edge[v] = HEAP_NONE;
	}
	for (uint32_t r = 0; r < h->n_roots; r++) {
		heap_node_t v = h->roots[r].node;
		if (!m->reachable[v]) {
			m->reachable[v] = 1;
			queue[tail++] = v;
		}
	}
	while (head < tail) {
		heap_node_t v = queue[head++];

		if ((head & 0xffff) == 0 && progress_tick(prog, "reachability", head, h->n_nodes)) {
			free(queue);
			return error_set(err, "interrupted");
		}
		m->reachable_bytes += h->size[v];
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
			heap_node_t t = h->out_to[e];
			if (m->reachable[t] || !model_edge_retains(h, v, h->out_kind[e]))
				continue;
			m->reachable[t] = 1;
			m->reach_parent[t] = v;
			m->reach_edge[t] = e;
			queue[tail++] = t;
		}
	}
	m->reachable_count = tail;
	free(queue);
	return 0;
}

static uint32_t hash32(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352d;
	x ^= x >> 15;
	x *= 0x846ca68b;
	x ^= x >> 16;
	return x;
}

static void compute_types(struct model *m)
{
	const struct heap *h = m->h;
	uint32_t cap = 1024, mask, cap_types = 256;
	uint32_t *slot = mem_alloc(cap * sizeof *slot);	/* type index + 1, 0 empty */

	memset(slot, 0, cap * sizeof *slot);
	mask = cap - 1;
	m->types = mem_alloc(cap_types * sizeof *m->types);
	m->type_of = mem_alloc(((size_t)h->n_nodes + 1) * sizeof *m->type_of);
	for (uint32_t v = 0; v < h->n_nodes; v++) {
		heap_str_t s = h->type[v];
		uint32_t i = hash32(s) & mask, t;

		while (slot[i] && m->types[slot[i] - 1].name != s)
			i = (i + 1) & mask;
		if (!slot[i]) {
			if (m->n_types == cap_types) {
				cap_types *= 2;
				m->types = mem_realloc_array(m->types, cap_types, sizeof *m->types);
			}
			memset(&m->types[m->n_types], 0, sizeof *m->types);
			m->types[m->n_types].name = s;
			slot[i] = ++m->n_types;
			if (m->n_types * 2 > cap) {	/* grow and rehash */
				free(slot);
				cap *= 4;
				mask = cap - 1;
				slot = mem_calloc(cap, sizeof *slot);
				for (uint32_t k = 0; k < m->n_types; k++) {
					uint32_t j = hash32(m->types[k].name) & mask;
					while (slot[j])
						j = (j + 1) & mask;
					slot[j] = k + 1;
				}
			}
			/* find it again (the table may have been rebuilt) */
			i = hash32(s) & mask;
			while (m->types[slot[i] - 1].name != s)
				i = (i + 1) & mask;
		}
		t = slot[i] - 1;
		m->type_of[v] = t;
		m->types[t].count++;
		m->types[t].shallow += h->size[v];
	}
	free(slot);
	m->type_off = mem_calloc((size_t)m->n_types + 1, sizeof *m->type_off);
	for (uint32_t t = 0; t < m->n_types; t++)
		m->type_off[t + 1] = m->type_off[t] + m->types[t].count;
	m->type_members = mem_alloc(((size_t)h->n_nodes + 1) * sizeof *m->type_members);
	{
		uint32_t *fill = mem_alloc(((size_t)m->n_types + 1) * sizeof *fill);
		memcpy(fill, m->type_off, (size_t)m->n_types * sizeof *fill);
		for (uint32_t v = 0; v < h->n_nodes; v++)
			m->type_members[fill[m->type_of[v]]++] = v;
		free(fill);
	}
	m->type_members_sorted = mem_calloc((size_t)m->n_types + 1, 1);
}

/* Retained size per type: an instance counts unless one of its dominators
 * is an instance of the same type (so a linked list of Nodes is not counted
 * once per node).  Walks the dominator tree top-down with an explicit stack. */
static void compute_type_retained(struct model *m)
{
	const struct heap *h = m->h;
	uint32_t *stack, sp = 0;
	uint32_t *inside;	/* per type: how many instances on the current path */
	uint8_t *state;

	if (!m->retained || !m->dom_off)
		return;
	stack = mem_alloc(((size_t)h->n_nodes + 2) * sizeof *stack);
	state = mem_calloc((size_t)h->n_nodes + 1, 1);
	inside = mem_calloc((size_t)m->n_types + 1, sizeof *inside);
	for (uint32_t k = m->dom_off[h->n_nodes]; k < m->dom_off[h->n_nodes + 1]; k++)
		stack[sp++] = m->dom_kids[k];
	while (sp) {
		heap_node_t v = stack[sp - 1];
		uint32_t t = m->type_of[v];

		if (state[v] == 0) {
			state[v] = 1;
			if (inside[t] == 0)
				m->types[t].retained += m->retained[v];
			inside[t]++;
			for (uint32_t k = m->dom_off[v]; k < m->dom_off[v + 1]; k++)
				stack[sp++] = m->dom_kids[k];
		} else {
			sp--;
			if (state[v] == 1) {
				state[v] = 2;
				inside[t]--;
			}
		}
	}
	free(stack);
	free(state);
	free(inside);
}

static void compute_gens(struct model *m)
{
	const struct heap *h = m->h;
	uint32_t fill[256];

	for (uint32_t v = 0; v < h->n_nodes; v++) {
		m->gens[h->generation[v]].count++;
		m->gens[h->generation[v]].bytes += h->size[v];
	}
	m->gen_off[0] = 0;
	for (int g = 0; g < 256; g++)
		m->gen_off[g + 1] = m->gen_off[g] + (uint32_t)m->gens[g].count;
	memcpy(fill, m->gen_off, sizeof fill);
	m->gen_members = mem_alloc(((size_t)h->n_nodes + 1) * sizeof *m->gen_members);
	for (uint32_t v = 0; v < h->n_nodes; v++)
		m->gen_members[fill[h->generation[v]]++] = v;
	/* references from an older (higher) into a younger generation */
	for (uint32_t v = 0; v < h->n_nodes; v++) {
		uint8_t gv = h->generation[v];
		if (gv == HEAP_GEN_UNKNOWN)
			continue;
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
			uint8_t gt = h->generation[h->out_to[e]];
			if (gt != HEAP_GEN_UNKNOWN && gt < gv) {
				m->gens[gt].cross_in++;
				m->cross_gen_edges++;
			}
		}
	}
}

/* The MODEL_TOP largest objects by retained size: a bounded min-heap. */
static void compute_top(struct model *m)
{
	const struct heap *h = m->h;
	uint32_t k = h->n_nodes < MODEL_TOP ? h->n_nodes : MODEL_TOP, n = 0;
	struct keyed *heap = mem_alloc(((size_t)k + 1) * sizeof *heap);

	for (uint32_t v = 0; v < h->n_nodes && k; v++) {
		uint64_t key = model_retained(m, v);
		uint32_t i;

		if (h->flags[v] & HEAP_F_SYNTHETIC)
			continue;
		if (n < k) {
			i = n++;
			while (i > 0 && heap[(i - 1) / 2].key > key) {
				heap[i] = heap[(i - 1) / 2];
				i = (i - 1) / 2;
			}
			heap[i].key = key;
			heap[i].idx = v;
		} else if (key > heap[0].key) {
			i = 0;
			for (;;) {
				uint32_t c = 2 * i + 1;
				if (c >= n)
					break;
				if (c + 1 < n && heap[c + 1].key < heap[c].key)
					c++;
				if (heap[c].key >= key)
					break;
				heap[i] = heap[c];
				i = c;
			}
			heap[i].key = key;
			heap[i].idx = v;
		}
	}
	qsort(heap, n, sizeof *heap, cmp_desc);
	m->top = mem_alloc(((size_t)n + 1) * sizeof *m->top);
	for (uint32_t i = 0; i < n; i++)
		m->top[i] = heap[i].idx;
	m->n_top = n;
	free(heap);
}

struct model *model_new(const struct heap *h, struct progress *prog, struct error *err)
{
	struct model *m = mem_calloc(1, sizeof *m);

	m->h = h;
	progress_force(prog, "reachability", 0, h->n_nodes);
	if (compute_reach(m, prog, err) != 0)
		goto fail;
	if (progress_force(prog, "types", 0, 0)) {
		error_set(err, "interrupted");
		goto fail;
	}
	compute_types(m);
	if (progress_force(prog, "generations", 0, 0)) {
		error_set(err, "interrupted");
		goto fail;
	}
	compute_gens(m);
	compute_type_retained(m);
	compute_top(m);
	return m;
fail:
	model_free(m);
	return NULL;
}

void model_free(struct model *m)
{
	if (!m)
		return;
	free(m->reachable);
	free(m->reach_parent);
	free(m->reach_edge);
	free(m->types);
	free(m->type_of);
	free(m->type_off);
	free(m->type_members);
	free(m->type_members_sorted);
	for (int i = 0; i < TYPE_SORT_N; i++)
		free(m->type_order[i]);
	free(m->idom);
	free(m->retained);
	free(m->dom_off);
	free(m->dom_kids);
	free(m->cycles);
	free(m->cycle_members);
	free(m->cycle_of);
	for (int i = 0; i < CYCLE_SORT_N; i++)
		free(m->cycle_order[i]);
	free(m->gen_members);
	free(m->cross_members);
	free(m->cross_off);
	free(m->top);
	free(m);
}

static int cmp_name(const struct heap *h, heap_str_t a, heap_str_t b)
{
	size_t la, lb;
	const char *sa = heap_string(h, a, &la), *sb = heap_string(h, b, &lb);
	int c = memcmp(sa, sb, la < lb ? la : lb);

	return c ? c : (la > lb) - (la < lb);
}

const uint32_t *model_type_order(struct model *m, enum type_sort key)
{
	struct keyed *k;
	uint32_t *o;

	if (m->type_order[key])
		return m->type_order[key];
	o = mem_alloc(((size_t)m->n_types + 1) * sizeof *o);
	if (key == TYPE_SORT_NAME) {
		/* insertion into a sorted order by merge sort over indexes */
		uint32_t *tmp = mem_alloc(((size_t)m->n_types + 1) * sizeof *tmp);
		for (uint32_t i = 0; i < m->n_types; i++)
			o[i] = i;
		for (uint32_t width = 1; width < m->n_types; width *= 2) {
			for (uint32_t lo = 0; lo < m->n_types; lo += 2 * width) {
				uint32_t mid = lo + width < m->n_types ? lo + width : m->n_types;
				uint32_t hi = lo + 2 * width < m->n_types ? lo + 2 * width : m->n_types;
				uint32_t a = lo, b = mid, t = lo;
				while (a < mid && b < hi)
					tmp[t++] = cmp_name(m->h, m->types[o[a]].name, m->types[o[b]].name) <= 0 ? o[a++] : o[b++];
				while (a < mid)
					tmp[t++] = o[a++];
				while (b < hi)
					tmp[t++] = o[b++];
			}
			memcpy(o, tmp, (size_t)m->n_types * sizeof *o);
		}
		free(tmp);
	} else {
		k = mem_alloc(((size_t)m->n_types + 1) * sizeof *k);
		for (uint32_t i = 0; i < m->n_types; i++) {
			k[i].idx = i;
			k[i].key = key == TYPE_SORT_COUNT ? m->types[i].count
				 : key == TYPE_SORT_SHALLOW ? m->types[i].shallow
				 : m->retained ? m->types[i].retained : m->types[i].shallow;
		}
		qsort(k, m->n_types, sizeof *k, cmp_desc);
		for (uint32_t i = 0; i < m->n_types; i++)
			o[i] = k[i].idx;
		free(k);
	}
	m->type_order[key] = o;
	return o;
}

const heap_node_t *model_type_instances(struct model *m, uint32_t t, uint32_t *n)
{
	heap_node_t *mem = m->type_members + m->type_off[t];

	*n = m->types[t].count;
	if (!m->type_members_sorted[t]) {
		struct keyed *k = mem_alloc(((size_t)*n + 1) * sizeof *k);
		for (uint32_t i = 0; i < *n; i++) {
			k[i].idx = mem[i];
			k[i].key = model_retained(m, mem[i]);
		}
		qsort(k, *n, sizeof *k, cmp_desc);
		for (uint32_t i = 0; i < *n; i++)
			mem[i] = k[i].idx;
		free(k);
		m->type_members_sorted[t] = 1;
	}
	return mem;
}

const uint32_t *model_cycle_order(struct model *m, enum cycle_sort key)
{
	struct keyed *k;
	uint32_t *o;

	if (m->cycle_order[key])
		return m->cycle_order[key];
	o = mem_alloc(((size_t)m->n_cycles + 1) * sizeof *o);
	k = mem_alloc(((size_t)m->n_cycles + 1) * sizeof *k);
	for (uint32_t i = 0; i < m->n_cycles; i++) {
		k[i].idx = i;
		k[i].key = key == CYCLE_SORT_SIZE ? m->cycles[i].count
			 : key == CYCLE_SORT_SHALLOW ? m->cycles[i].shallow : m->cycles[i].retained;
	}
	qsort(k, m->n_cycles, sizeof *k, cmp_desc);
	for (uint32_t i = 0; i < m->n_cycles; i++)
		o[i] = k[i].idx;
	free(k);
	m->cycle_order[key] = o;
	return o;
}

const heap_node_t *model_dom_children(const struct model *m, heap_node_t v, uint32_t *n)
{
	uint32_t i = v == HEAP_NONE ? m->h->n_nodes : v;

	if (!m->dom_off) {
		*n = 0;
		return NULL;
	}
	*n = m->dom_off[i + 1] - m->dom_off[i];
	return m->dom_kids + m->dom_off[i];
}

const heap_node_t *model_gen_members(const struct model *m, unsigned g, uint32_t *n)
{
	*n = m->gen_off[g + 1] - m->gen_off[g];
	return m->gen_members + m->gen_off[g];
}

const heap_node_t *model_gen_cross(struct model *m, unsigned g, uint32_t *n)
{
	const struct heap *h = m->h;

	if (!m->cross_off) {
		uint8_t *mark = mem_calloc((size_t)h->n_nodes + 1, 1);
		uint32_t fill[257], total = 0;

		for (uint32_t v = 0; v < h->n_nodes; v++) {
			uint8_t gv = h->generation[v];
			if (gv == HEAP_GEN_UNKNOWN)
				continue;
			for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
				heap_node_t t = h->out_to[e];
				uint8_t gt = h->generation[t];
				if (gt != HEAP_GEN_UNKNOWN && gt < gv)
					mark[t] = 1;
			}
		}
		m->cross_off = mem_calloc(257, sizeof *m->cross_off);
		for (uint32_t v = 0; v < h->n_nodes; v++)
			if (mark[v]) {
				m->cross_off[h->generation[v] + 1]++;
				total++;
			}
		for (int k = 0; k < 256; k++)
			m->cross_off[k + 1] += m->cross_off[k];
		memcpy(fill, m->cross_off, sizeof fill);
		m->cross_members = mem_alloc(((size_t)total + 1) * sizeof *m->cross_members);
		for (uint32_t v = 0; v < h->n_nodes; v++)
			if (mark[v])
				m->cross_members[fill[h->generation[v]]++] = v;
		free(mark);
	}
	*n = m->cross_off[g + 1] - m->cross_off[g];
	return m->cross_members + m->cross_off[g];
}
