#include "graph/diff.h"

#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include "graph/reach.h"

/* ---- hashing (by content, so values compare across heaps) ---- */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

static uint64_t combine(uint64_t a, uint64_t b)
{
	return mix(a ^ (b + UINT64_C(0x9e3779b97f4a7c15) + (a << 6) + (a >> 2)));
}

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t x = UINT64_C(0xcbf29ce484222325);

	for (size_t i = 0; i < n; i++) {
		x ^= (unsigned char)s[i];
		x *= UINT64_C(0x100000001b3);
	}
	return mix(x);
}

static uint64_t hash_str(const struct heap *h, heap_str_t s)
{
	size_t len;
	const char *p = heap_string(h, s, &len);

	return hash_bytes(p, len);
}

/* The name of reference e from `from`, for a signature: elements, and
 * every reference of a wide container (where names are keys, such as a
 * dict with a string key per entry), hash as "[]". */
static uint64_t hash_edge_name(const struct heap *h, heap_node_t from, uint32_t e)
{
	uint32_t name = h->out_name[e];

	if ((name & HEAP_NAME_INDEX) || h->out_off[from + 1] - h->out_off[from] > DIFF_WIDE)
		return hash_bytes("[]", 2);
	return hash_str(h, name);
}

static int same_str(const struct heap *a, heap_str_t sa, const struct heap *b, heap_str_t sb)
{
	size_t la, lb;
	const char *pa = heap_string(a, sa, &la), *pb = heap_string(b, sb, &lb);

	return la == lb && memcmp(pa, pb, la) == 0;
}

/* ---- sorting helpers ---- */

struct keyed {
	uint64_t key;
	uint32_t v;
};

static int keyed_cmp(const void *pa, const void *pb)
{
	const struct keyed *a = pa, *b = pb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->v < b->v ? -1 : a->v > b->v;
}

/* First index in sorted k[0..n) whose key is >= key. */
static size_t keyed_lower(const struct keyed *k, size_t n, uint64_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- signatures ---- */

void diff_signatures(const struct analysis *a, uint64_t *sig)
{
	const struct heap *h = a->heap;
	uint32_t n = h->n_nodes;
	heap_node_t *par = mem_alloc((size_t)n * sizeof *par + 1);
	uint64_t *link = mem_alloc((size_t)n * sizeof *link + 1);
	uint64_t *next = mem_alloc((size_t)n * sizeof *next + 1);
	const uint64_t root_tag = hash_bytes("(root)", 6);
	const uint32_t *in_edge = heap_in_edges(h);

	/* sig_0(v) = H(type) (H(type, root) for a root); link[v] = H(type,
	 * name of the reference from the parent). */
	for (uint32_t v = 0; v < n; v++) {
		uint64_t th = hash_str(h, h->type[v]);
		uint32_t d = a->dist[v];

		par[v] = HEAP_NONE;
		link[v] = 0;
		if (d == REACH_UNREACHABLE) {
			sig[v] = 0;
			continue;
		}
		if (d == 0) {
			sig[v] = combine(th, root_tag);
			continue;
		}
		sig[v] = th;
		for (uint32_t i = h->in_off[v]; i < h->in_off[v + 1]; i++) {
			heap_node_t u = h->in_from[i];
			uint32_t e = in_edge[i];
			if (a->dist[u] == d - 1 && heap_in_retains(h, i)) {
				par[v] = u;
				link[v] = combine(th, hash_edge_name(h, u, e));
				break;
			}
		}
	}
	/* sig_k(v) = H(link(v), sig_{k-1}(parent)); roots keep sig_0. */
	for (int k = 0; k < DIFF_PATH_HOPS; k++) {
		for (uint32_t v = 0; v < n; v++)
			next[v] = par[v] == HEAP_NONE ? sig[v] : combine(link[v], sig[par[v]]);
		memcpy(sig, next, (size_t)n * sizeof *sig);
	}
	/* 0 is reserved for "unreachable". */
	for (uint32_t v = 0; v < n; v++)
		if (a->dist[v] != REACH_UNREACHABLE && sig[v] == 0)
			sig[v] = 1;
	free(par);
	free(link);
	free(next);
}

/* The signature of every cycle of a into out (a->n_cycles entries): its
 * pattern's key (analysis.h: the shape by the strings' contents, so equal
 * across heaps), or, in a raw view, a hash of its size. */
static void cycle_signatures(const struct analysis *a, uint64_t *out)
{
	for (uint32_t c = 0; c < a->n_cycles; c++) {
		uint32_t p = a->cycles[c].pattern;
		uint64_t s = p != HEAP_NONE ? a->patterns[p].key : mix(a->cycles[c].size);
		out[c] = s ? s : 1;
	}
}

/* ---- types ---- */

struct named {
	const char *s;
	size_t len;
	uint32_t i;
};

static int named_cmp(const void *pa, const void *pb)
{
	const struct named *a = pa, *b = pb;
	size_t m = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->s, b->s, m);

	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static struct named *named_types(const struct heap *h, const struct analysis_type *t, uint32_t n)
{
	struct named *k = mem_alloc((size_t)n * sizeof *k + 1);

	for (uint32_t i = 0; i < n; i++) {
		k[i].s = heap_string(h, t[i].type, &k[i].len);
		k[i].i = i;
	}
	qsort(k, n, sizeof *k, named_cmp);
	return k;
}

struct type_row {
	struct diff_type t;
	struct named name;
};

static int type_row_cmp(const void *pa, const void *pb)
{
	const struct type_row *a = pa, *b = pb;

	if (a->t.count_delta != b->t.count_delta)
		return a->t.count_delta > b->t.count_delta ? -1 : 1;
	if (a->t.shallow_delta != b->t.shallow_delta)
		return a->t.shallow_delta > b->t.shallow_delta ? -1 : 1;
	return named_cmp(&a->name, &b->name);
}

static void diff_types(struct diff *d)
{
	struct analysis_type *to, *tn;
	uint32_t no = analysis_types(d->old, ANALYSIS_TYPES_BY_COUNT, &to);
	uint32_t nn = analysis_types(d->new, ANALYSIS_TYPES_BY_COUNT, &tn);
	struct named *ko = named_types(d->old->heap, to, no);
	struct named *kn = named_types(d->new->heap, tn, nn);
	struct type_row *rows = mem_alloc(((size_t)no + nn) * sizeof *rows + 1);
	uint32_t i = 0, j = 0, r = 0;

	while (i < no || j < nn) {
		int c = i == no ? 1 : j == nn ? -1 : named_cmp(&ko[i], &kn[j]);
		const struct analysis_type *o = c <= 0 ? &to[ko[i].i] : NULL;
		const struct analysis_type *w = c >= 0 ? &tn[kn[j].i] : NULL;
		struct type_row *row = &rows[r];

		row->t.old_type = o ? o->type : HEAP_NONE;
		row->t.new_type = w ? w->type : HEAP_NONE;
		row->t.old_count = o ? o->count : 0;
		row->t.new_count = w ? w->count : 0;
		row->t.count_delta = (int64_t)row->t.new_count - (int64_t)row->t.old_count;
		row->t.shallow_delta = (int64_t)(w ? w->shallow : 0) - (int64_t)(o ? o->shallow : 0);
		row->t.retained_delta = (int64_t)(w ? w->retained : 0) - (int64_t)(o ? o->retained : 0);
		row->name = c <= 0 ? ko[i] : kn[j];
		if (row->t.count_delta || row->t.shallow_delta || row->t.retained_delta)
			r++;
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
	qsort(rows, r, sizeof *rows, type_row_cmp);
	d->types = mem_alloc((size_t)r * sizeof *d->types + 1);
	for (uint32_t k = 0; k < r; k++)
		d->types[k] = rows[k].t;
	d->n_types = r;
	free(rows);
	free(ko);
	free(kn);
	free(to);
	free(tn);
}

/* ---- groups ---- */

static int group_cmp(const void *pa, const void *pb)
{
	const struct diff_group *a = pa, *b = pb;

	if (a->growth != b->growth)
		return a->growth > b->growth ? -1 : 1;
	if (a->shallow != b->shallow)
		return a->shallow > b->shallow ? -1 : 1;
	return a->sample < b->sample ? -1 : a->sample > b->sample;
}

/* Sorted (signature, node) pairs of the reached nodes of a, optionally
 * only those with only[v] set.  Returns the count. */
static size_t sig_pairs(const struct analysis *a, const uint8_t *only, struct keyed **out)
{
	uint32_t n = a->heap->n_nodes;
	uint64_t *sig = mem_alloc((size_t)n * sizeof *sig + 1);
	struct keyed *k = mem_alloc((size_t)n * sizeof *k + 1);
	size_t m = 0;

	diff_signatures(a, sig);
	for (uint32_t v = 0; v < n; v++) {
		if (!sig[v] || (only && !only[v]))
			continue;
		k[m].key = sig[v];
		k[m].v = v;
		m++;
	}
	free(sig);
	qsort(k, m, sizeof *k, keyed_cmp);
	*out = k;
	return m;
}

static void diff_groups(struct diff *d)
{
	const struct heap *hn = d->new->heap, *ho = d->old->heap;
	struct keyed *kn, *ko = NULL;
	size_t nn = sig_pairs(d->new, d->fresh, &kn), no = 0, r = 0;

	if (!d->fresh)
		no = sig_pairs(d->old, NULL, &ko);
	d->groups = mem_alloc(nn * sizeof *d->groups + 1);
	for (size_t i = 0; i < nn;) {
		size_t j = i;
		uint64_t shallow = 0, old_count = 0, old_shallow = 0;
		struct diff_group *g = &d->groups[r];

		while (j < nn && kn[j].key == kn[i].key)
			shallow += hn->size[kn[j++].v];
		if (ko) {
			for (size_t k = keyed_lower(ko, no, kn[i].key); k < no && ko[k].key == kn[i].key; k++) {
				old_count++;
				old_shallow += ho->size[ko[k].v];
			}
		}
		g->type = hn->type[kn[i].v];
		g->sig = kn[i].key;
		g->old_count = old_count;
		g->new_count = j - i;
		g->growth = (int64_t)g->new_count - (int64_t)old_count;
		g->shallow = shallow;
		g->sample = kn[i].v;
		if (g->growth > 0) {
			r++;
			d->new_objects += (uint64_t)g->growth;
			d->new_bytes += shallow > old_shallow ? shallow - old_shallow : 0;
		}
		i = j;
	}
	qsort(d->groups, r, sizeof *d->groups, group_cmp);
	d->n_groups = (uint32_t)r;
	free(kn);
	free(ko);
}

/* ---- cycles ---- */

/* Cycles sorted by one key: count and size packed, sample as tie-break. */
struct cyc_row {
	uint64_t key;	/* ~(count << 32 | size): ascending = wanted order */
	struct diff_cycle c;
};

static int cyc_row_cmp(const void *pa, const void *pb)
{
	const struct cyc_row *a = pa, *b = pb;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return a->c.sample < b->c.sample ? -1 : a->c.sample > b->c.sample;
}

static void diff_cycles(struct diff *d, const heap_node_t *old_of)
{
	const struct analysis *an = d->new, *ao = d->old;
	uint64_t *sn = mem_alloc((size_t)an->n_cycles * sizeof *sn + 1);
	uint64_t *so = mem_alloc((size_t)ao->n_cycles * sizeof *so + 1);
	struct keyed *kn = mem_alloc((size_t)an->n_cycles * sizeof *kn + 1);
	struct keyed *ko = mem_alloc((size_t)ao->n_cycles * sizeof *ko + 1);
	struct cyc_row *rows;
	size_t m = 0, r = 0;

	cycle_signatures(an, sn);
	cycle_signatures(ao, so);
	for (uint32_t c = 0; c < an->n_cycles; c++) {
		if (old_of) {
			const struct analysis_cycle *cy = &an->cycles[c];
			int seen = 0;
			for (uint32_t i = 0; i < cy->size && !seen; i++) {
				heap_node_t u = old_of[an->members[cy->members + i]];
				seen = u != HEAP_NONE && ao->cycle[u] != HEAP_NONE;
			}
			if (seen)
				continue;
		}
		kn[m].key = sn[c];
		kn[m].v = c;
		m++;
	}
	for (uint32_t c = 0; c < ao->n_cycles; c++) {
		ko[c].key = so[c];
		ko[c].v = c;
	}
	qsort(kn, m, sizeof *kn, keyed_cmp);
	qsort(ko, ao->n_cycles, sizeof *ko, keyed_cmp);
	rows = mem_alloc(m * sizeof *rows + 1);
	for (size_t i = 0; i < m;) {
		size_t j = i, old_count = 0;
		while (j < m && kn[j].key == kn[i].key)
			j++;
		if (!old_of)
			for (size_t k = keyed_lower(ko, ao->n_cycles, kn[i].key);
			     k < ao->n_cycles && ko[k].key == kn[i].key; k++)
				old_count++;
		if (j - i > old_count) {
			struct cyc_row *row = &rows[r++];
			row->c.sig = kn[i].key;
			row->c.count = (uint32_t)(j - i - old_count);
			row->c.sample = kn[i].v;
			row->key = ~(((uint64_t)row->c.count << 32) | an->cycles[kn[i].v].size);
		}
		i = j;
	}
	qsort(rows, r, sizeof *rows, cyc_row_cmp);
	d->cycles = mem_alloc(r * sizeof *d->cycles + 1);
	for (size_t i = 0; i < r; i++)
		d->cycles[i] = rows[i].c;
	d->n_cycles = (uint32_t)r;
	free(rows);
	free(sn);
	free(so);
	free(kn);
	free(ko);
}

/* ---- the diff ---- */

static int is_v8(const struct heap *h)
{
	return h->format && strcmp(h->format, "v8") == 0;
}

int diff_run(const struct analysis *old, const struct analysis *new, enum diff_match match,
	     struct diff **out, struct error *err)
{
	const struct heap *ho = old->heap, *hn = new->heap;
	struct diff *d;
	heap_node_t *old_of = NULL;
	uint64_t matched = 0;

	if (!ho || !hn)
		return error_set(err, "diff: a heap is missing");
	d = mem_calloc(1, sizeof *d);
	d->old = old;
	d->new = new;
	if (match == DIFF_BY_ID || (match == DIFF_AUTO && is_v8(ho) && is_v8(hn))) {
		old_of = mem_alloc((size_t)hn->n_nodes * sizeof *old_of + 1);
		for (uint32_t v = 0; v < hn->n_nodes; v++) {
			heap_node_t u = heap_find(ho, hn->id[v]);
			if (u != HEAP_NONE && !same_str(ho, ho->type[u], hn, hn->type[v]))
				u = HEAP_NONE;
			old_of[v] = u;
			matched += u != HEAP_NONE;
		}
		d->id_rate = ho->n_nodes ? (double)matched / ho->n_nodes : 0;
	}
	if (match == DIFF_AUTO)
		match = old_of && d->id_rate >= DIFF_ID_MIN_RATE ? DIFF_BY_ID : DIFF_BY_TYPE_AND_PATH;
	d->matched_by = match;
	if (match == DIFF_BY_ID) {
		d->fresh = mem_alloc((size_t)hn->n_nodes + 1);
		for (uint32_t v = 0; v < hn->n_nodes; v++)
			d->fresh[v] = old_of[v] == HEAP_NONE;
	} else {
		free(old_of);
		old_of = NULL;
	}
	diff_types(d);
	diff_groups(d);
	diff_cycles(d, old_of);
	free(old_of);
	*out = d;
	return 0;
}

void diff_free(struct diff *d)
{
	if (!d)
		return;
	free(d->types);
	free(d->groups);
	free(d->cycles);
	free(d->fresh);
	free(d);
}

uint32_t diff_group_nodes(const struct analysis *a, const uint8_t *only, struct diff_group **out)
{
	const struct heap *h = a->heap;
	struct keyed *k;
	size_t n = sig_pairs(a, only, &k), r = 0;
	struct diff_group *g = mem_alloc(n * sizeof *g + 1);

	for (size_t i = 0; i < n;) {
		size_t j = i;
		uint64_t shallow = 0;
		while (j < n && k[j].key == k[i].key)
			shallow += h->size[k[j++].v];
		g[r].type = h->type[k[i].v];
		g[r].sig = k[i].key;
		g[r].old_count = 0;
		g[r].new_count = j - i;
		g[r].growth = (int64_t)(j - i);
		g[r].shallow = shallow;
		g[r].sample = k[i].v;
		r++;
		i = j;
	}
	qsort(g, r, sizeof *g, group_cmp);
	free(k);
	*out = g;
	return (uint32_t)r;
}

void diff_ages(const struct heap *a, const struct heap *b, const struct heap *c, uint8_t *gen,
	       uint64_t counts[3])
{
	counts[0] = counts[1] = counts[2] = 0;
	for (uint32_t v = 0; v < c->n_nodes; v++) {
		uint64_t id = c->id[v];
		uint8_t g = heap_find(a, id) != HEAP_NONE ? 2 : heap_find(b, id) != HEAP_NONE ? 1 : 0;
		gen[v] = g;
		counts[g]++;
	}
}
