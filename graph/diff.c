#include "graph/diff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include "graph/core/worker.h"
#include "graph/label.h"
#include "graph/reach.h"
#include "graph/trace.h"

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

/* Whether a name is a position written as text ("4202": V8 writes a
 * hash table's slots so). */
static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

/* The name of reference e from `from`, for a signature: elements (by
 * index, or by a name that is all digits), and every reference of a wide
 * container (where names are keys, such as a dict with a string key per
 * entry), hash as "[]". */
static uint64_t hash_edge_name(const struct heap *h, heap_node_t from, uint32_t e)
{
	uint32_t name = h->out_name[e];
	size_t len;
	const char *s;

	if ((name & HEAP_NAME_INDEX) || h->out_off[from + 1] - h->out_off[from] > DIFF_WIDE)
		return hash_bytes("[]", 2);
	s = heap_string(h, name, &len);
	return all_digits(s, len) ? hash_bytes("[]", 2) : hash_bytes(s, len);
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

/* Sorts k[0..n) by key, stably (pairs built in node order stay in node
 * order within a key): an LSD radix sort, 16 bits a pass, skipping passes
 * whose digit is the same for every key.  Temporary memory: n pairs. */
static void keyed_sort(struct keyed *k, size_t n)
{
	struct keyed *a = k, *t;
	size_t *count;

	if (n < 2)
		return;
	t = mem_alloc(n * sizeof *t);
	count = mem_alloc(65536 * sizeof *count);
	for (int shift = 0; shift < 64; shift += 16) {
		size_t sum = 0;
		memset(count, 0, 65536 * sizeof *count);
		for (size_t i = 0; i < n; i++)
			count[(a[i].key >> shift) & 0xffff]++;
		if (count[(a[0].key >> shift) & 0xffff] == n)
			continue;
		for (size_t d = 0; d < 65536; d++) {
			size_t c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			t[count[(a[i].key >> shift) & 0xffff]++] = a[i];
		{
			struct keyed *x = a;
			a = t;
			t = x;
		}
	}
	if (a != k) {
		memcpy(k, a, n * sizeof *k);
		t = a;
	}
	free(t);
	free(count);
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
	keyed_sort(k, m);
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
			shallow += heap_size(hn, kn[j++].v);
		if (ko) {
			for (size_t k = keyed_lower(ko, no, kn[i].key); k < no && ko[k].key == kn[i].key; k++) {
				old_count++;
				old_shallow += heap_size(ho, ko[k].v);
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

/* A cycle's class within its pattern: its size, and garbage or live. */
static uint64_t cycle_class(const struct analysis *a, uint32_t c)
{
	return (uint64_t)a->cycles[c].size << 1 | (a->cycles[c].garbage != 0);
}

/* The sample of a pattern whose cycles grew from OLD's ko[0 .. n_old) to
 * NEW's kn[0 .. n_new) (one key, ascending cycle numbers), matched by type:
 * which of them are the new ones is not known, so the first (the largest)
 * of the class (size, garbage or live) that grew most (on a tie, the class
 * whose first cycle comes first), so that the row's "x N objects, garbage"
 * says what the new ones are.  tn and to are room for n_new and n_old
 * entries. */
static uint32_t grown_sample(const struct analysis *an, const struct keyed *kn, size_t n_new,
			     const struct analysis *ao, const struct keyed *ko, size_t n_old,
			     struct keyed *tn, struct keyed *to)
{
	uint32_t best = kn[0].v;
	int64_t best_growth = INT64_MIN;

	for (size_t k = 0; k < n_new; k++)
		tn[k] = (struct keyed){ .key = cycle_class(an, kn[k].v), .v = kn[k].v };
	for (size_t k = 0; k < n_old; k++)
		to[k] = (struct keyed){ .key = cycle_class(ao, ko[k].v), .v = ko[k].v };
	qsort(tn, n_new, sizeof *tn, keyed_cmp);
	qsort(to, n_old, sizeof *to, keyed_cmp);
	for (size_t i = 0, j, o = 0; i < n_new; i = j) {
		int64_t growth;
		for (j = i; j < n_new && tn[j].key == tn[i].key; j++)
			;
		while (o < n_old && to[o].key < tn[i].key)
			o++;
		growth = (int64_t)(j - i);
		for (; o < n_old && to[o].key == tn[i].key; o++)
			growth--;
		if (growth > best_growth || (growth == best_growth && tn[i].v < best)) {
			best_growth = growth;
			best = tn[i].v;
		}
	}
	return best;
}

static void diff_cycles(struct diff *d, const heap_node_t *old_of)
{
	const struct analysis *an = d->new, *ao = d->old;
	uint64_t *sn = mem_alloc((size_t)an->n_cycles * sizeof *sn + 1);
	uint64_t *so = mem_alloc((size_t)ao->n_cycles * sizeof *so + 1);
	struct keyed *kn = mem_alloc((size_t)an->n_cycles * sizeof *kn + 1);
	struct keyed *ko = mem_alloc((size_t)ao->n_cycles * sizeof *ko + 1);
	struct keyed *tn = NULL, *to = NULL;
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
	if (!old_of) {
		tn = mem_alloc(m * sizeof *tn + 1);
		to = mem_alloc((size_t)ao->n_cycles * sizeof *to + 1);
	}
	for (size_t i = 0; i < m;) {
		size_t j = i, old_count = 0, k0 = 0;
		while (j < m && kn[j].key == kn[i].key)
			j++;
		if (!old_of)
			for (size_t k = k0 = keyed_lower(ko, ao->n_cycles, kn[i].key);
			     k < ao->n_cycles && ko[k].key == kn[i].key; k++)
				old_count++;
		if (j - i > old_count) {
			struct cyc_row *row = &rows[r++];
			row->c.sig = kn[i].key;
			row->c.count = (uint32_t)(j - i - old_count);
			/* by id, every one listed is new: the first, the largest */
			row->c.sample = old_of ? kn[i].v : grown_sample(an, kn + i, j - i, ao, ko + k0,
									 old_count, tn, to);
			row->key = ~(((uint64_t)row->c.count << 32) | an->cycles[row->c.sample].size);
		}
		i = j;
	}
	free(tn);
	free(to);
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

/* ---- leak clusters ---- */

/* A small cache of string hashes by arena offset (types and edge names
 * repeat: a heap of millions of objects has thousands of them).  A name
 * cache folds names that are all digits to "[]" (hash_edge_name). */
enum {
	HCACHE_BITS = 14
};

struct hcache {
	heap_str_t str[1u << HCACHE_BITS];
	uint64_t hash[1u << HCACHE_BITS];
	int names;
};

static uint64_t cached_hash(struct hcache *c, const struct heap *h, heap_str_t s)
{
	uint32_t slot = (uint32_t)((s * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - HCACHE_BITS));

	if (c->str[slot] != s || !c->hash[slot]) {
		size_t len;
		const char *p = heap_string(h, s, &len);
		c->str[slot] = s;
		c->hash[slot] = c->names && all_digits(p, len) ? hash_bytes("[]", 2) : hash_bytes(p, len);
	}
	return c->hash[slot];
}

/* The trace signature of every object the trace tree reaches (graph/trace.h):
 * a hash of its whole trace, each step the reference's name (folded as
 * hash_edge_name does) and the object's type, from the root's type.  A step
 * that repeats the one before it (the same name to the same type: a linked
 * list's -next-> Node) adds nothing, so every node of a chain shares the
 * signature of its first; so does a step to the type of an object held in
 * an element (a hash table's collision chain, slot -[]-> Node -next->
 * Node: which entries collide changes as a table grows).  An anchor (heap.h: a module's scope, a class)
 * starts its signature afresh, from its id when ids are stable (by_id),
 * else from its type and name and the step that reaches it: the route a
 * trace takes to an anchor changes between snapshots (which timer or
 * request happened to be running), the anchor does not.  sig[v] = 0 for
 * objects the tree does not reach.  Scratch: link (n entries). */
static void trace_signatures(const struct heap *h, const uint32_t *edge, const heap_node_t *order,
			     const heap_node_t *parent, uint32_t reached, int by_id, uint64_t *sig,
			     uint64_t *link)
{
	struct hcache *types = mem_calloc(1, sizeof *types), *names = mem_calloc(1, sizeof *names);
	const uint64_t root_tag = hash_bytes("(root)", 6), elem = hash_bytes("[]", 2);

	names->names = 1;
	memset(sig, 0, (size_t)h->n_nodes * sizeof *sig);
	for (uint32_t i = 0; i < reached; i++) {
		heap_node_t v = order[i], p;
		uint64_t th = cached_hash(types, h, h->type[v]), nh;
		uint32_t e = edge[v], name;

		if (e == TRACE_ROOT) {
			sig[v] = combine(th, root_tag);
			link[v] = 0;
			continue;
		}
		p = parent[v];
		name = h->out_name[e];
		if ((name & HEAP_NAME_INDEX) || h->out_off[p + 1] - h->out_off[p] > DIFF_WIDE)
			nh = elem;
		else
			nh = cached_hash(names, h, name);
		/* the low bit: the step is an element's */
		link[v] = (combine(nh, th) & ~(uint64_t)1) | (nh == elem);
		if (h->flags[v] & HEAP_F_ANCHOR) {
			uint64_t who = by_id ? mix(heap_id(h, v)) :
				       combine(combine(th, cached_hash(types, h, h->name[v])),
					       combine(combine(cached_hash(types, h, h->type[p]),
							       cached_hash(types, h, h->name[p])), nh));
			sig[v] = combine(root_tag, who);
			link[v] = 0;
		} else {
			int same = link[v] == link[p] || (h->type[v] == h->type[p] && (link[p] & 1));
			sig[v] = same ? sig[p] : combine(sig[p], link[v]);
		}
		if (!sig[v])
			sig[v] = 1;
	}
	free(types);
	free(names);
}

/* One trace signature of NEW (a node of the trie the signatures form). */
struct tnode {
	uint64_t sig;
	uint64_t parent;	/* the signature of the step above (0: none, a root's) */
	int64_t growth;		/* counted objects more in NEW than in OLD */
	int64_t bytes;		/* their shallow bytes more */
	heap_node_t first;	/* a NEW object with it: the first in breadth-first
				 * order, or the first new one (by id) */
	uint32_t up;		/* the tnode of parent when it grows, else HEAP_NONE */
};

static size_t tnode_find(const struct tnode *t, size_t n, uint64_t sig)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t[mid].sig < sig)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && t[lo].sig == sig ? lo : n;
}

/* One heap's side: its trace tree and signatures, and its counted objects
 * (only[v] set, or every reached one) as sorted (signature, node) pairs. */
static size_t trace_side(const struct analysis *a, const uint8_t *only, int by_id, uint32_t *edge,
			 uint64_t *sig, struct keyed **pairs)
{
	const struct heap *h = a->heap;
	uint32_t n = h->n_nodes;
	heap_node_t *order = mem_alloc((size_t)n * sizeof *order + 1);
	heap_node_t *parent = mem_alloc((size_t)n * sizeof *parent + 1);
	uint64_t *link = mem_alloc((size_t)n * sizeof *link + 1);
	uint32_t reached = trace_build(a, edge, order, parent);
	struct keyed *k;
	size_t m = 0;

	trace_signatures(h, edge, order, parent, reached, by_id, sig, link);
	free(link);
	free(parent);
	k = mem_alloc((size_t)reached * sizeof *k + 1);
	for (uint32_t i = 0; i < reached; i++) {
		heap_node_t v = order[i];
		if (only && !only[v])
			continue;
		k[m].key = sig[v];
		k[m].v = v;
		m++;
	}
	free(order);
	keyed_sort(k, m);
	*pairs = k;
	return m;
}

/* OLD's side, computed on the second thread while NEW's is. */
struct side_job {
	const struct analysis *a;
	int by_id;
	struct keyed *pairs;
	size_t n;
};

static void *side_run(void *arg)
{
	struct side_job *j = arg;
	uint32_t n = j->a->heap->n_nodes;
	uint32_t *edge = mem_alloc((size_t)n * sizeof *edge + 1);
	uint64_t *sig = mem_alloc((size_t)n * sizeof *sig + 1);

	j->n = trace_side(j->a, NULL, j->by_id, edge, sig, &j->pairs);
	free(edge);
	free(sig);
	return NULL;
}

/* The object at the top of v's run of signature s (v itself unless its
 * trace parent shares s), and that object's trace parent (HEAP_NONE: a
 * root).  Costs the run's length. */
static heap_node_t run_top(const struct heap *h, const uint32_t *edge, const uint64_t *sig, heap_node_t v,
			   heap_node_t *parent)
{
	*parent = HEAP_NONE;
	while (edge[v] != TRACE_ROOT) {
		heap_node_t p = trace_edge_source(h, edge[v]);
		if (sig[p] != sig[v]) {
			*parent = p;
			break;
		}
		v = p;
	}
	return v;
}

struct leak_row {
	struct diff_leak l;
	uint32_t held;		/* tnode of the sample */
};

static int leak_row_cmp(const void *pa, const void *pb)
{
	const struct leak_row *a = pa, *b = pb;

	if (a->l.retained_delta != b->l.retained_delta)
		return a->l.retained_delta > b->l.retained_delta ? -1 : 1;
	if (a->l.count != b->l.count)
		return a->l.count > b->l.count ? -1 : 1;
	return a->l.key < b->l.key ? -1 : a->l.key > b->l.key;
}

static int leak_type_cmp(const void *pa, const void *pb)
{
	const struct diff_leak_type *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	return a->type < b->type ? -1 : a->type > b->type;
}

static int type_first_cmp(const void *pa, const void *pb)
{
	const struct diff_leak_type *a = pa, *b = pb;

	return a->type < b->type ? -1 : a->type > b->type;
}

/* The leak clusters (diff.h) of the objects of NEW counted by only_new (NULL:
 * all it reaches), less all of OLD's (ao NULL: none).  A cluster's sample
 * is one with d->fresh set when there is one.  Fills d->leaks,
 * d->leak_types and d->trace. */
static void diff_leaks(struct diff *d, const struct analysis *an, const uint8_t *only_new,
		       const struct analysis *ao, int by_id)
{
	const struct heap *hn = an->heap;
	uint32_t n = hn->n_nodes;
	uint64_t *sig = mem_alloc((size_t)n * sizeof *sig + 1);
	struct keyed *kn, *ko = NULL, *acc;
	struct tnode *t;
	struct leak_row *rows;
	struct diff_leak_type *types;
	uint32_t *stack;
	size_t nn, no = 0, nt = 0, ng = 0, nr = 0, ntypes = 0;
	struct side_job old_side = { .a = ao, .by_id = by_id };
	struct worker wk = { 0 };

	/* both heaps at once: twice the scratch memory, half the time */
	if (ao)
		worker_run(&wk, 1, side_run, &old_side);
	d->trace = mem_alloc((size_t)n * sizeof *d->trace + 1);
	nn = trace_side(an, only_new, by_id, d->trace, sig, &kn);
	t = mem_alloc(nn * sizeof *t + 1);
	for (size_t i = 0; i < nn;) {
		size_t j = i;
		int64_t bytes = 0;
		heap_node_t first = kn[i].v;
		for (; j < nn && kn[j].key == kn[i].key; j++) {
			bytes += (int64_t)heap_size(hn, kn[j].v);
			if (d->fresh && d->fresh[kn[j].v] && !d->fresh[first])
				first = kn[j].v;
		}
		t[nt].sig = kn[i].key;
		t[nt].parent = 0;
		t[nt].growth = (int64_t)(j - i);
		t[nt].bytes = bytes;
		t[nt].first = first;
		t[nt].up = HEAP_NONE;
		nt++;
		i = j;
	}
	free(kn);
	if (ao) {
		const struct heap *ho = ao->heap;
		worker_join(&wk);
		ko = old_side.pairs;
		no = old_side.n;
		for (size_t i = 0; i < no;) {
			size_t j = i, at = tnode_find(t, nt, ko[i].key);
			int64_t bytes = 0;
			while (j < no && ko[j].key == ko[i].key)
				bytes += (int64_t)heap_size(ho, ko[j++].v);
			if (at < nt) {
				t[at].growth -= (int64_t)(j - i);
				t[at].bytes -= bytes;
			}
			i = j;
		}
		free(ko);
	}
	/* The trie: each growing signature's parent, and whether that grows. */
	for (size_t i = 0; i < nt; i++) {
		heap_node_t p;
		if (t[i].growth <= 0)
			continue;
		run_top(hn, d->trace, sig, t[i].first, &p);
		t[i].parent = p == HEAP_NONE ? 0 : sig[p];
		ng++;
	}
	for (size_t i = 0; i < nt; i++) {
		size_t at;
		if (t[i].growth <= 0 || !t[i].parent)
			continue;
		at = tnode_find(t, nt, t[i].parent);
		if (at < nt && t[at].growth > 0)
			t[i].up = (uint32_t)at;
	}
	/* Each growing signature's accumulation point: the parent of the
	 * highest growing signature above it (iteratively: a trace may be
	 * millions of steps long).  acc[i].key holds it once known. */
	acc = mem_alloc(nt * sizeof *acc + 1);
	stack = mem_alloc(nt * sizeof *stack + 1);
	for (size_t i = 0; i < nt; i++)
		acc[i].v = HEAP_NONE;
	for (size_t i = 0; i < nt; i++) {
		size_t sp = 0;
		uint32_t x = (uint32_t)i;
		uint64_t key;
		if (t[i].growth <= 0 || acc[i].v != HEAP_NONE)
			continue;
		while (t[x].up != HEAP_NONE && acc[x].v == HEAP_NONE && sp < nt) {
			stack[sp++] = x;
			x = t[x].up;
		}
		key = acc[x].v != HEAP_NONE ? acc[x].key : t[x].parent;
		acc[x].key = key;
		acc[x].v = x;
		while (sp)
			acc[stack[--sp]] = (struct keyed){ .key = key, .v = stack[sp] };
	}
	free(stack);
	/* Clusters: the growing signatures grouped by accumulation point. */
	for (size_t i = 0; i < nt; i++)
		if (t[i].growth > 0)
			acc[nr++] = acc[i];
	qsort(acc, nr, sizeof *acc, keyed_cmp);
	rows = mem_alloc(nr * sizeof *rows + 1);
	types = mem_alloc(nr * sizeof *types + 1);
	ng = 0;
	for (size_t i = 0; i < nr;) {
		size_t j = i, nty = 0;
		struct leak_row *r = &rows[ng++];
		int64_t best = INT64_MIN;
		memset(r, 0, sizeof *r);
		r->l.key = acc[i].key;
		r->l.types = (uint32_t)ntypes;
		for (; j < nr && acc[j].key == acc[i].key; j++) {
			const struct tnode *x = &t[acc[j].v];
			r->l.count += x->growth;
			r->l.retained_delta += x->bytes;
			/* the sample: from the held signature that grew most */
			if (x->up == HEAP_NONE && x->bytes > best) {
				best = x->bytes;
				r->held = acc[j].v;
			}
			types[ntypes + nty].type = hn->type[x->first];
			types[ntypes + nty].count = x->growth;
			types[ntypes + nty].bytes = x->bytes;
			nty++;
		}
		/* per type, most first */
		qsort(types + ntypes, nty, sizeof *types, type_first_cmp);
		{
			size_t w = 0;
			for (size_t k = 0; k < nty; k++) {
				if (w && types[ntypes + w - 1].type == types[ntypes + k].type) {
					types[ntypes + w - 1].count += types[ntypes + k].count;
					types[ntypes + w - 1].bytes += types[ntypes + k].bytes;
				} else {
					types[ntypes + w++] = types[ntypes + k];
				}
			}
			nty = w;
		}
		qsort(types + ntypes, nty, sizeof *types, leak_type_cmp);
		r->l.n_types = (uint32_t)nty;
		ntypes += nty;
		i = j;
	}
	for (size_t i = 0; i < ng; i++) {
		struct leak_row *r = &rows[i];
		heap_node_t top = run_top(hn, d->trace, sig, t[r->held].first, &r->l.point);
		r->l.sample = t[r->held].first;
		r->l.held_edge = d->trace[top] == TRACE_ROOT ? HEAP_NONE : d->trace[top];
	}
	qsort(rows, ng, sizeof *rows, leak_row_cmp);
	d->leaks = mem_alloc(ng * sizeof *d->leaks + 1);
	for (size_t i = 0; i < ng; i++)
		d->leaks[i] = rows[i].l;
	d->n_leaks = (uint32_t)ng;
	d->leak_types = types;
	d->n_leak_types = (uint32_t)ntypes;
	free(rows);
	free(acc);
	free(t);
	free(sig);
}

/* Whether a step named s[0..len) is a Python object's (or module's)
 * namespace: `obj.attr` reads an attribute through its __dict__ without
 * saying so, and an access path says it the same way. */
static int is_namespace_step(const char *s, size_t len)
{
	return len == 8 && memcmp(s, "__dict__", 8) == 0;
}

/* Appends a step's name to buf as an access: "[]" for an element (as a
 * signature folds it; a wide container's key too when held, the sample's
 * key being one of many), ".name" for a field, ".<Type>" for a reference
 * without a name. */
static size_t access_step(const struct heap *h, heap_node_t from, uint32_t e, heap_node_t to, int held,
			  char *buf, size_t size, size_t used)
{
	uint32_t name = h->out_name[e];
	size_t len = 0;
	const char *s = (name & HEAP_NAME_INDEX) ? "" : heap_string(h, name, &len);
	int n;

	if (used >= size || is_namespace_step(s, len))
		return used;
	if ((name & HEAP_NAME_INDEX) || all_digits(s, len) ||
	    (held && h->out_off[from + 1] - h->out_off[from] > DIFF_WIDE))
		n = snprintf(buf + used, size - used, "[]");
	else if (len)
		n = snprintf(buf + used, size - used, "%s%.*s", used ? "." : "", (int)(len > 64 ? 64 : len), s);
	else
		n = snprintf(buf + used, size - used, "%s<%s>", used ? "." : "", heap_string(h, h->type[to], NULL));
	return n < 0 ? used : used + (size_t)n;
}

void diff_leak_access(const struct diff *d, uint32_t i, char *buf, size_t size)
{
	const struct heap *h = d->new->heap;
	const struct diff_leak *l = &d->leaks[i];
	uint32_t len = diff_leak_path(d, i, NULL, 0), first;
	struct reach_step *p = mem_alloc(((size_t)len + 1) * sizeof *p);
	size_t used = 0;

	if (!size)
		goto out;
	buf[0] = 0;
	diff_leak_path(d, i, p, len);
	/* from the last anchor on the trace, else the last few steps */
	first = len;
	while (first > 0 && !(h->flags[p[first - 1].node] & HEAP_F_ANCHOR) && len - first < DIFF_ACCESS_STEPS)
		first--;
	if (first > 0 && (h->flags[p[first - 1].node] & HEAP_F_ANCHOR)) {
		size_t nl;
		const char *nm = heap_string(h, h->name[p[first - 1].node], &nl);
		/* a namespace anchor (a module's or class's __dict__) reads as
		 * its owner: `__main__.cache`, not `__main__.__dict__.cache` */
		nl = label_owner_len(nm, nl);
		if (nl && h->name[p[first - 1].node] != h->type[p[first - 1].node])
			used = (size_t)snprintf(buf, size, "%.*s", (int)(nl > 64 ? 64 : nl), nm);
	} else if (first > 1) {
		used = (size_t)snprintf(buf, size, "...");
	}
	if (first == 0)
		first = 1;	/* the root has no step */
	for (uint32_t k = first; k < len && used < size; k++)
		used = access_step(h, p[k - 1].node, p[k].edge, p[k].node, 0, buf, size, used);
	if (l->held_edge != HEAP_NONE && used < size)
		used = access_step(h, l->point, l->held_edge, h->out_to[l->held_edge], 1, buf, size, used);
out:
	if (size && !buf[0])
		/* the objects are roots themselves (no accumulation point), or
		 * a root without a name holds them: say so, as a trace does */
		snprintf(buf, size, "%s", l->point == HEAP_NONE ? "(roots)" : "(root)");
	free(p);
}

uint32_t diff_leak_path(const struct diff *d, uint32_t i, struct reach_step *out, uint32_t max)
{
	const struct diff_leak *l = &d->leaks[i];

	if (l->point == HEAP_NONE)
		return 0;
	return trace_path(d->new->heap, d->trace, l->point, out, max);
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
	if (ho->format && hn->format && strcmp(ho->format, hn->format) != 0)
		return error_set(err, "diff: OLD is a %s snapshot and NEW a %s one: compare two snapshots "
				 "of one program, taken the same way", ho->format, hn->format);
	d = mem_calloc(1, sizeof *d);
	d->old = old;
	d->new = new;
	if (match == DIFF_BY_ID || (match == DIFF_AUTO && is_v8(ho) && is_v8(hn))) {
		old_of = mem_alloc((size_t)hn->n_nodes * sizeof *old_of + 1);
		for (uint32_t v = 0; v < hn->n_nodes; v++) {
			heap_node_t u = heap_find(ho, heap_id(hn, v));
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
	diff_leaks(d, new, NULL, old, match == DIFF_BY_ID);
	free(old_of);
	*out = d;
	return 0;
}

int diff_run_ages(const struct heap *a, const struct analysis *b, const struct analysis *c,
		  struct diff **out, struct error *err)
{
	const struct heap *hb = b->heap, *hc = c->heap;
	struct diff *d;
	uint8_t *gen;
	uint64_t counts[3];

	if (!a->format || !hb->format || !hc->format || strcmp(a->format, hb->format) != 0 ||
	    strcmp(hb->format, hc->format) != 0)
		return error_set(err, "diff: the three snapshots are not of one format: compare three "
				 "snapshots of one program");
	d = mem_calloc(1, sizeof *d);
	d->old = b;
	d->new = c;
	d->matched_by = DIFF_BY_ID;
	d->ages = 1;
	gen = mem_alloc((size_t)hc->n_nodes + 1);
	diff_ages(a, hb, hc, gen, counts);
	d->fresh = gen;
	for (uint32_t v = 0; v < hc->n_nodes; v++)
		gen[v] = gen[v] == 1;
	{
		uint64_t matched = 0;
		for (uint32_t v = 0; v < hb->n_nodes; v++)
			matched += heap_find(hc, heap_id(hb, v)) != HEAP_NONE;
		d->id_rate = hb->n_nodes ? (double)matched / hb->n_nodes : 0;
	}
	diff_types(d);
	d->n_groups = diff_group_nodes(c, d->fresh, &d->groups);
	for (uint32_t i = 0; i < d->n_groups; i++) {
		d->new_objects += d->groups[i].new_count;
		d->new_bytes += d->groups[i].shallow;
	}
	d->cycles = mem_alloc(1);
	diff_leaks(d, c, d->fresh, NULL, 1);
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
	free(d->leaks);
	free(d->leak_types);
	free(d->trace);
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
			shallow += heap_size(h, k[j++].v);
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
		uint64_t id = heap_id(c, v);
		uint8_t g = heap_find(a, id) != HEAP_NONE ? 2 : heap_find(b, id) != HEAP_NONE ? 1 : 0;
		gen[v] = g;
		counts[g]++;
	}
}
