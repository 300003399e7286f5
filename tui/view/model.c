#include "tui/view/model.h"

#include <stdlib.h>
#include <string.h>

#include "graph/core/hmap.h"
#include "graph/cpygc.h"
#include "graph/core/mem.h"

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

static void compute_types(struct model *m)
{
	const struct heap *h = m->h;
	uint32_t cap_types = 256;
	struct hmap index;	/* type name -> type */

	hmap_init(&index, cap_types);
	m->types = mem_alloc(cap_types * sizeof *m->types);
	m->type_of = mem_alloc(((size_t)h->n_nodes + 1) * sizeof *m->type_of);
	for (uint32_t v = 0; v < h->n_nodes; v++) {
		heap_str_t s = h->type[v];
		uint32_t t = hmap_add(&index, s, m->n_types);

		if (t == HMAP_NONE) {
			if (m->n_types == cap_types) {
				cap_types *= 2;
				m->types = mem_realloc_array(m->types, cap_types, sizeof *m->types);
			}
			memset(&m->types[m->n_types], 0, sizeof *m->types);
			m->types[m->n_types].name = s;
			t = m->n_types++;
		}
		m->type_of[v] = t;
		m->types[t].count++;
		m->types[t].shallow += heap_size(h, v);
	}
	hmap_fini(&index);
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

static void compute_type_retained(struct model *m)
{
	struct analysis_type *at;
	uint32_t n = analysis_types(m->an, ANALYSIS_TYPES_BY_COUNT, &at);
	struct keyed *byname = mem_alloc(((size_t)m->n_types + 1) * sizeof *byname);

	/* both lists hold each type string once: match them by offset with a
	 * binary search over our types sorted by offset */
	for (uint32_t i = 0; i < m->n_types; i++) {
		byname[i].key = m->types[i].name;
		byname[i].idx = i;
	}
	qsort(byname, m->n_types, sizeof *byname, cmp_desc);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t lo = 0, hi = m->n_types;
		while (lo < hi) {
			uint32_t mid = lo + (hi - lo) / 2;
			if (byname[mid].key > at[i].type)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < m->n_types && byname[lo].key == at[i].type)
			m->types[byname[lo].idx].retained = at[i].retained;
	}
	free(byname);
	free(at);
}

static void compute_gens(struct model *m)
{
	const struct heap *h = m->h;
	uint32_t fill[256], ng;

	gens_compute(h, m->an->dist, &m->gens);
	ng = m->gens.n_gens;
	for (uint32_t g = 0; g < ng && g < 255; g++) {
		m->gen_count[g] = m->gens.stat[g].objects;
		m->gen_bytes[g] = m->gens.stat[g].bytes;
		m->gen_garbage[g] = m->gens.stat[g].garbage_objects;
		for (uint32_t f = g + 1; f < ng; f++)
			m->gen_cross_in[g] += m->gens.refs[(size_t)f * (ng + 1) + g];
	}
	m->gen_count[HEAP_GEN_UNKNOWN] = m->gens.stat[ng].objects;
	m->gen_bytes[HEAP_GEN_UNKNOWN] = m->gens.stat[ng].bytes;
	m->gen_garbage[HEAP_GEN_UNKNOWN] = m->gens.stat[ng].garbage_objects;
	m->gen_unknown_word = "unknown";
	/* member lists: a generation outside 0..n_gens-1 counts as unknown */
	m->gen_off[0] = 0;
	for (int g = 0; g < 256; g++)
		m->gen_off[g + 1] = m->gen_off[g] + (uint32_t)m->gen_count[g];
	memcpy(fill, m->gen_off, sizeof fill);
	m->gen_members = mem_alloc(((size_t)h->n_nodes + 1) * sizeof *m->gen_members);
	for (uint32_t v = 0; v < h->n_nodes; v++) {
		unsigned g = h->generation[v] < ng ? h->generation[v] : HEAP_GEN_UNKNOWN;
		m->gen_members[fill[g]++] = v;
	}
	/* a Python dump gives no generation to what the collector does not track */
	if (m->gen_count[HEAP_GEN_UNKNOWN]) {
		uint32_t u = m->gen_off[HEAP_GEN_UNKNOWN], e = m->gen_off[HEAP_GEN_UNKNOWN + 1];
		while (u < e && (h->flags[m->gen_members[u]] & HEAP_F_UNTRACKED))
			u++;
		if (u == e)
			m->gen_unknown_word = "untracked";
	}
}

static void compute_garbage(struct model *m)
{
	const struct heap *h = m->h;
	struct keyed *k = mem_alloc(((size_t)m->an->unreachable_objects + 1) * sizeof *k);
	uint32_t n = 0;

	for (uint32_t v = 0; v < h->n_nodes; v++)
		if (!model_reachable(m, v)) {
			k[n].key = analysis_retained(m->an, v);
			k[n].idx = v;
			n++;
		}
	qsort(k, n, sizeof *k, cmp_desc);
	m->garbage = mem_alloc(((size_t)n + 1) * sizeof *m->garbage);
	for (uint32_t i = 0; i < n; i++)
		m->garbage[i] = k[i].idx;
	m->n_garbage = n;
	free(k);
}

const heap_node_t *model_garbage(const struct model *m, uint32_t *n)
{
	*n = m->n_garbage;
	return m->garbage;
}

struct model *model_new(const struct heap *h, struct progress *prog, struct error *err)
{
	struct model *m = mem_calloc(1, sizeof *m);

	m->h = h;
	if (analysis_run(h, prog, &m->an, err) != 0)
		goto fail;
	if (progress_force(prog, "indexing", 0, 0)) {
		error_set(err, "interrupted");
		goto fail;
	}
	m->dt = domtree_new(h, m->an->idom, &m->an->retained);
	compute_types(m);
	compute_type_retained(m);
	compute_gens(m);
	/* the per-type instance orders and the cross-generation lists are
	 * built here, not on a keystroke: one pass each */
	for (uint32_t t = 0; t < m->n_types; t++) {
		uint32_t n;
		if ((t & 63) == 0 && progress_tick(prog, "indexing", t, m->n_types)) {
			error_set(err, "interrupted");
			goto fail;
		}
		model_type_instances(m, t, &n);
	}
	model_gen_cross(m, 0, &(uint32_t){ 0 });
	compute_garbage(m);
	if (m->an->refcount_mode) {
		struct cpygc_result r = { 0 };
		if (cpygc_collect(h, 2, &r, NULL, err) == 0) {
			m->collectable_known = 1;
			m->collectable = r.n_unreachable;
		}
		cpygc_result_fini(&r);
	}
	for (uint32_t c = 0; c < m->an->n_cycles; c++)
		if (m->an->cycles[c].garbage) {
			m->garbage_cycles++;
			m->garbage_cycle_objects += m->an->cycles[c].size;
		}
	m->top = mem_alloc(((size_t)(h->n_nodes < MODEL_TOP ? h->n_nodes : MODEL_TOP) + 1) * sizeof *m->top);
	m->n_top = analysis_top(m->an, h->n_nodes < MODEL_TOP ? h->n_nodes : MODEL_TOP, 1, m->top);
	return m;
fail:
	model_free(m);
	return NULL;
}

void model_free(struct model *m)
{
	if (!m)
		return;
	analysis_free(m->raw);	/* a view of an: first */
	m->raw = NULL;
	analysis_free(m->an);
	domtree_free(m->dt);
	if (m->gens.stat)
		gens_fini(&m->gens);
	free(m->types);
	free(m->type_of);
	free(m->type_off);
	free(m->type_members);
	free(m->type_members_sorted);
	for (int i = 0; i < TYPE_SORT_N; i++)
		free(m->type_order[i]);
	for (int r = 0; r < 2; r++)
		for (int i = 0; i < CYCLE_SORT_N; i++)
			free(m->cycle_order[r][i]);
	free(m->gen_members);
	free(m->cross_members);
	free(m->cross_off);
	free(m->top);
	free(m->garbage);
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
				 : m->types[i].retained;
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

const struct analysis *model_cycles(struct model *m, int raw)
{
	struct error err;

	if (!raw)
		return m->an;
	/* the search can only be interrupted, and nothing here asks it to */
	if (!m->raw && analysis_raw_new(m->an, NULL, &m->raw, &err) != 0)
		return m->an;
	return m->raw;
}

const uint32_t *model_cycle_order(struct model *m, int raw, enum cycle_sort key)
{
	const struct analysis *an = model_cycles(m, raw);
	struct keyed *k;
	uint32_t *o;

	raw = raw && an != m->an;
	if (m->cycle_order[raw][key])
		return m->cycle_order[raw][key];
	o = mem_alloc(((size_t)an->n_cycles + 1) * sizeof *o);
	if (key == CYCLE_SORT_SIZE || key == CYCLE_SORT_RETAINED) {
		analysis_cycles_sorted(an, key == CYCLE_SORT_SIZE ? ANALYSIS_BY_SIZE : ANALYSIS_BY_RETAINED, o);
	} else {
		k = mem_alloc(((size_t)an->n_cycles + 1) * sizeof *k);
		for (uint32_t i = 0; i < an->n_cycles; i++) {
			k[i].idx = i;
			k[i].key = an->cycles[i].shallow;
		}
		qsort(k, an->n_cycles, sizeof *k, cmp_desc);
		for (uint32_t i = 0; i < an->n_cycles; i++)
			o[i] = k[i].idx;
		free(k);
	}
	m->cycle_order[raw][key] = o;
	return o;
}

const heap_node_t *model_cycle_members(const struct model *m, uint32_t c, uint32_t *n)
{
	*n = m->an->cycles[c].size;
	return m->an->members + m->an->cycles[c].members;
}

const heap_node_t *model_dom_children(const struct model *m, heap_node_t v, uint32_t *n)
{
	const heap_node_t *kids;

	*n = domtree_children(m->dt, v, &kids);
	return kids;
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
			if (gv >= m->gens.n_gens)
				continue;
			for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
				heap_node_t t = h->out_to[e];
				if (h->generation[t] < gv && reach_retains(h, v, e))
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
