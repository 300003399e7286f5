#include "graph/pattern.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include "graph/reach.h"

/* The name of an index edge, and of every name that is only a position. */
static const uint32_t FOLDED = HEAP_NAME_INDEX;

enum {
	MAX_PAIRS = 24,			/* type pairs a signature spells out */
	MAX_NAMES = 4,			/* names of one type pair spelled out */
	MAX_TEXT = 2048,		/* bytes of one signature */
	HEADS = 16,			/* instances asked where they are entered */
	CACHE = 16			/* triples remembered in front of the set */
};

struct triple {
	heap_str_t from, to;
	uint32_t name;		/* a string offset, or FOLDED */
};

/* A triple of one cycle (by its index in a struct cycles_found). */
struct ctriple {
	uint32_t cycle;
	struct triple t;
};

static int triple_cmp(const void *pa, const void *pb)
{
	const struct triple *a = pa, *b = pb;

	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	if (a->to != b->to)
		return a->to < b->to ? -1 : 1;
	return a->name < b->name ? -1 : a->name > b->name;
}

static inline int ctriple_eq(const struct ctriple *a, const struct ctriple *b)
{
	return a->cycle == b->cycle && a->t.from == b->t.from && a->t.to == b->t.to &&
	       a->t.name == b->t.name;
}

static inline uint64_t triple_hash(const struct triple *t)
{
	uint64_t x = ((uint64_t)t->from << 32 | t->to) * 0x9e3779b97f4a7c15ull;

	x ^= (x >> 29) + (uint64_t)t->name * 0xbf58476d1ce4e5b9ull;
	return x ^ (x >> 31);
}

static inline uint64_t ctriple_hash(const struct ctriple *c)
{
	return triple_hash(&c->t) ^ ((uint64_t)c->cycle * 0xd6e8feb86659fd93ull);
}

/* A set of cycle triples, open addressing in one array (an empty slot's
 * cycle is EMPTY: a probe reads one line), with a few recent ones in front
 * (a cycle's references repeat a handful of triples millions of times). */
static const uint32_t EMPTY = UINT32_MAX;	/* no cycle has this index */

struct cset {
	struct ctriple *slot;
	uint32_t cap, n;
	struct ctriple cache[CACHE];
	uint8_t cached[CACHE];
};

static void cset_alloc(struct cset *s, uint32_t cap)
{
	s->cap = cap;
	s->slot = mem_alloc((size_t)cap * sizeof *s->slot);
	for (uint32_t i = 0; i < cap; i++)
		s->slot[i].cycle = EMPTY;
}

static void cset_init(struct cset *s)
{
	memset(s, 0, sizeof *s);
	cset_alloc(s, 64);
}

static void cset_fini(struct cset *s)
{
	free(s->slot);
}

static void cset_insert(struct cset *s, const struct ctriple *c, uint64_t hash)
{
	uint32_t i;

	for (i = (uint32_t)hash & (s->cap - 1); s->slot[i].cycle != EMPTY; i = (i + 1) & (s->cap - 1))
		if (ctriple_eq(&s->slot[i], c))
			return;
	s->slot[i] = *c;
	s->n++;
}

/* Room for k more without growing on the way. */
static void cset_reserve(struct cset *s, uint32_t k)
{
	struct cset old;

	if (2 * ((uint64_t)s->n + k) <= s->cap)
		return;
	old = *s;
	while (2 * ((uint64_t)s->n + k) > s->cap)
		s->cap *= 2;
	cset_alloc(s, s->cap);
	s->n = 0;
	for (uint32_t i = 0; i < old.cap; i++)
		if (old.slot[i].cycle != EMPTY)
			cset_insert(s, &old.slot[i], ctriple_hash(&old.slot[i]));
	free(old.slot);
}

/* Whether c is one of the recent triples; remembers it if not. */
static int cset_recent(struct cset *s, const struct ctriple *c, uint64_t hash)
{
	uint32_t k = (uint32_t)(hash >> 40) & (CACHE - 1);

	if (s->cached[k] && ctriple_eq(&s->cache[k], c))
		return 1;
	s->cache[k] = *c;
	s->cached[k] = 1;
	return 0;
}

/* Whether an edge name is only a position: an index, or a string that is
 * digits, or digits in brackets (how some writers spell list slots). */
static int name_is_position(const struct heap *h, uint32_t name)
{
	size_t len, i = 0;
	const char *s;

	if (name & HEAP_NAME_INDEX)
		return 1;
	s = heap_string(h, name, &len);
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
	}
	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* name_is_position() remembered for a few names (direct-mapped): a
 * cycle's references use few names, each millions of times. */
struct position_memo {
	uint32_t name[1024];	/* name + 1, 0: none */
	uint8_t is[1024];
};

static uint32_t fold_name(const struct heap *h, struct position_memo *m, uint32_t name)
{
	uint32_t k = (name * 2654435761u) >> 22;

	if (name & HEAP_NAME_INDEX)
		return FOLDED;
	if (m->name[k] != name + 1) {
		m->name[k] = name + 1;
		m->is[k] = (uint8_t)name_is_position(h, name);
	}
	return m->is[k] ? FOLDED : name;
}

/* Per cycle: its shape, as sorted triples in the pool. */
struct shape {
	uint64_t hash;
	uint32_t off, n;	/* pool[off .. off + n) */
	uint32_t cycle;
};

static int shape_cmp(const void *pa, const void *pb)
{
	const struct shape *a = pa, *b = pb;

	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	return a->cycle < b->cycle ? -1 : a->cycle > b->cycle;
}

static int same_shape(const struct shape *a, const struct shape *b, const struct triple *pool)
{
	if (a->hash != b->hash || a->n != b->n)
		return 0;
	for (uint32_t i = 0; i < a->n; i++)
		if (triple_cmp(&pool[a->off + i], &pool[b->off + i]))
			return 0;
	return 1;
}

/* ---- signatures ---- */

struct text {
	char *buf;
	size_t len, cap;
};

static void text_put(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		t->cap = (t->len + n + 1) * 2;
		t->buf = mem_realloc_array(t->buf, t->cap, 1);
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = 0;
}

static void text_str(struct text *t, const char *s)
{
	text_put(t, s, strlen(s));
}

static void text_heap(struct text *t, const struct heap *h, heap_str_t s)
{
	size_t n;
	const char *p = heap_string(h, s, &n);

	text_put(t, p, n);
}

/* " -a|b-> " for the triples pool[i..j) (one type pair, sorted by name):
 * the first MAX_NAMES names, then how many more ("|+12"). */
static void text_arrow(struct text *t, const struct heap *h, const struct triple *pool,
		       uint32_t i, uint32_t j)
{
	text_str(t, " -");
	for (uint32_t k = i; k < j && k < i + MAX_NAMES; k++) {
		if (k > i)
			text_str(t, "|");
		if (pool[k].name == FOLDED)
			text_str(t, "[]");
		else
			text_heap(t, h, pool[k].name);
	}
	if (j - i > MAX_NAMES) {
		char more[32];
		snprintf(more, sizeof more, "|+%u", j - i - MAX_NAMES);
		text_str(t, more);
	}
	text_str(t, "-> ");
}

static int str_less(const struct heap *h, heap_str_t a, heap_str_t b)
{
	size_t la, lb;
	const char *sa = heap_string(h, a, &la), *sb = heap_string(h, b, &lb);
	int c = memcmp(sa, sb, la < lb ? la : lb);

	return c ? c < 0 : la < lb;
}

/* Writes the signature of a shape (its triples sorted, so a type pair's
 * names are together) into t: a walk from start over the type pairs, each
 * taken once, choosing at each type the pair to a type not yet on the walk
 * (the first by name), until none is left from where it stands; then any
 * pairs left, after a comma. */
static void signature(struct text *t, const struct heap *h, const struct triple *tr, uint32_t n,
		      heap_str_t start)
{
	uint32_t pair_at[MAX_PAIRS + 1], n_pairs = 0, written = 0;
	uint8_t taken[MAX_PAIRS] = { 0 };
	heap_str_t seen[MAX_PAIRS + 1], cur = start;
	uint32_t n_seen = 1;
	size_t begin = t->len;

	for (uint32_t i = 0; i < n && n_pairs < MAX_PAIRS; i++)
		if (i == 0 || tr[i].from != tr[i - 1].from || tr[i].to != tr[i - 1].to)
			pair_at[n_pairs++] = i;
	pair_at[n_pairs] = n;
	if (n_pairs == MAX_PAIRS) {
		/* the end of the last pair spelled out */
		uint32_t k = pair_at[MAX_PAIRS - 1];
		while (k < n && tr[k].from == tr[pair_at[MAX_PAIRS - 1]].from &&
		       tr[k].to == tr[pair_at[MAX_PAIRS - 1]].to)
			k++;
		pair_at[n_pairs] = k;
	}
	seen[0] = start;
	text_heap(t, h, start);
	for (;;) {
		int best = -1, best_new = 0;
		for (uint32_t p = 0; p < n_pairs; p++) {
			heap_str_t to = tr[pair_at[p]].to;
			int is_new = 1;
			if (taken[p] || tr[pair_at[p]].from != cur)
				continue;
			for (uint32_t s = 0; s < n_seen; s++)
				is_new &= seen[s] != to;
			if (best < 0 || (is_new && !best_new) ||
			    (is_new == best_new && str_less(h, to, tr[pair_at[best]].to))) {
				best = (int)p;
				best_new = is_new;
			}
		}
		if (best < 0 || t->len - begin > MAX_TEXT)
			break;
		taken[best] = 1;
		written++;
		text_arrow(t, h, tr, pair_at[best], pair_at[best + 1]);
		cur = tr[pair_at[best]].to;
		text_heap(t, h, cur);
		if (n_seen <= MAX_PAIRS)
			seen[n_seen++] = cur;
	}
	for (uint32_t p = 0; p < n_pairs && t->len - begin <= MAX_TEXT; p++) {
		if (taken[p])
			continue;
		written++;
		text_str(t, ", ");
		text_heap(t, h, tr[pair_at[p]].from);
		text_arrow(t, h, tr, pair_at[p], pair_at[p + 1]);
		text_heap(t, h, tr[pair_at[p]].to);
	}
	{
		/* pairs not spelled out */
		uint32_t all = 0;
		for (uint32_t i = 0; i < n; i++)
			all += i == 0 || tr[i].from != tr[i - 1].from || tr[i].to != tr[i - 1].to;
		if (all > written) {
			char more[48];
			snprintf(more, sizeof more, ", ... (%u more)", all - written);
			text_str(t, more);
		}
	}
}

/* ---- keys ---- */

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static uint64_t bytes_hash(const char *s, size_t n)
{
	uint64_t x = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		x = (x ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return x;
}

static uint64_t str_hash(const struct heap *h, heap_str_t s)
{
	size_t n;
	const char *p = heap_string(h, s, &n);

	return bytes_hash(p, n);
}

/* A shape's key from its strings' contents, independent of their order in
 * the arena: the sum of a hash per triple (each triple once). */
static uint64_t content_key(const struct heap *h, const struct triple *tr, uint32_t n)
{
	uint64_t key = 0;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t name = tr[i].name == FOLDED ? bytes_hash("[]", 2) : str_hash(h, tr[i].name);
		key += mix64(mix64(str_hash(h, tr[i].from) ^ 0x9e3779b97f4a7c15ull) ^ name) ^
		       mix64(str_hash(h, tr[i].to) + 0x632be59bd9b4e019ull);
	}
	return mix64(key + n);
}

struct inst {
	uint32_t pre, end;	/* the holder's subtree; pre = UINT32_MAX: R */
	uint32_t cycle;
};

static int inst_cmp(const void *pa, const void *pb)
{
	const struct inst *a = pa, *b = pb;

	if (a->pre != b->pre)
		return a->pre < b->pre ? -1 : 1;
	if (a->end != b->end)
		return a->end > b->end ? -1 : 1;
	return a->cycle < b->cycle ? -1 : a->cycle > b->cycle;
}

/* patterns_retained() with the dominator tree's intervals: per pattern, its
 * cycles by their holders' preorder; one whose holder lies strictly inside
 * the subtree of an earlier one's is left out (the same holder is not
 * inside). */
static void patterns_retained_tree(const struct analysis *a, struct analysis_pattern *pat,
				   uint32_t np, const uint32_t *list, const uint32_t *pstart)
{
	struct cycles_tree tree;
	struct inst *inst = mem_alloc(((size_t)a->n_cycles + 1) * sizeof *inst);

	cycles_tree_init(&tree, a->heap, a->idom);
	for (uint32_t p = 0; p < np; p++) {
		uint32_t n_inst = 0;
		for (uint32_t k = pstart[p]; k < pstart[p + 1]; k++) {
			uint32_t c = list[k];
			heap_node_t hd = a->cycles[c].holder;
			inst[n_inst++] = (struct inst){
				.pre = hd == HEAP_NONE ? UINT32_MAX : tree.pre[hd],
				.end = hd == HEAP_NONE ? UINT32_MAX : tree.end[hd], .cycle = c };
		}
		qsort(inst, n_inst, sizeof *inst, inst_cmp);
		pat[p].retained = 0;
		for (uint32_t k = 0, cur_pre = UINT32_MAX, cur_end = 0; k < n_inst; k++) {
			if (inst[k].pre != UINT32_MAX && inst[k].pre != cur_pre && inst[k].pre < cur_end)
				continue;
			pat[p].retained += a->cycles[inst[k].cycle].retained;
			if (inst[k].pre != UINT32_MAX && inst[k].pre != cur_pre) {
				cur_pre = inst[k].pre;
				cur_end = inst[k].end;
			}
		}
	}
	cycles_tree_fini(&tree);
	free(inst);
}

/* Retained size per pattern: the sum of its cycles', leaving out a cycle
 * whose holder lies strictly inside the dominator subtree of another cycle's
 * holder of the same pattern (what that one retains includes it).  Found by
 * climbing from each holder through the holders above it (each node lists
 * the cycles it holds); when the climbs would cost more than a few times V,
 * by the dominator tree's intervals instead.  pstart[p] .. pstart[p + 1]:
 * pattern p's cycles in sh. */
static void patterns_retained(const struct analysis *a, struct analysis_pattern *pat, uint32_t np,
			      const uint32_t *list, const uint32_t *pstart)
{
	const struct heap *h = a->heap;
	uint32_t n = h->n_nodes, *first, *next;
	uint64_t budget = cycles_budget(4 * (uint64_t)n + 65536);
	int over = 0, several = 0;

	for (uint32_t p = 0; p < np; p++) {
		pat[p].retained = a->cycles[list[pstart[p]]].retained;
		several |= pstart[p + 1] - pstart[p] > 1;
	}
	if (!several)
		return;
	/* first[v]: a cycle v holds, next[c]: another with the same holder */
	first = mem_alloc((n ? n : 1) * sizeof *first);
	next = mem_alloc(((size_t)a->n_cycles + 1) * sizeof *next);
	for (heap_node_t v = 0; v < n; v++)
		first[v] = HEAP_NONE;
	for (uint32_t c = 0; c < a->n_cycles; c++) {
		heap_node_t hd = a->cycles[c].holder;
		next[c] = HEAP_NONE;
		if (hd != HEAP_NONE) {
			next[c] = first[hd];
			first[hd] = c;
		}
	}
	for (uint32_t p = 0; p < np && !over; p++) {
		pat[p].retained = 0;
		for (uint32_t k = pstart[p]; k < pstart[p + 1] && !over; k++) {
			const struct analysis_cycle *cy = &a->cycles[list[k]];
			int nested = 0;
			for (heap_node_t x = cy->holder == HEAP_NONE ? HEAP_NONE : a->idom[cy->holder];
			     x != HEAP_NONE && !nested; x = a->idom[x]) {
				if (budget-- == 0) {
					over = 1;
					break;
				}
				for (uint32_t c = first[x]; c != HEAP_NONE && !nested; c = next[c])
					nested = a->cycles[c].pattern == p;
			}
			if (!nested)
				pat[p].retained += cy->retained;
		}
	}
	free(next);
	free(first);
	if (over)
		patterns_retained_tree(a, pat, np, list, pstart);
}

/* ---- phase 1: shapes ---- */

enum {
	BATCH = 256,		/* triples whose slots are loaded together */
	AHEAD = 16		/* references ahead */
};

static void cset_add_batch(struct cset *s, const struct ctriple *c, const uint64_t *hash,
			   uint32_t n)
{
	cset_reserve(s, n);
	for (uint32_t k = 0; k < n; k++)
		__builtin_prefetch(&s->slot[(uint32_t)hash[k] & (s->cap - 1)]);
	for (uint32_t k = 0; k < n; k++)
		cset_insert(s, &c[k], hash[k]);
}

void pattern_shapes(const struct heap *h, struct cycles_found *cf, const uint32_t *comp,
		    const uint32_t *dist, struct pattern_shapes *ps)
{
	uint32_t nc = cf->nc, n_groups = 0;
	heap_node_t *head = mem_alloc(((size_t)nc + 1) * sizeof *head);
	uint32_t *off = mem_calloc((size_t)nc + 2, sizeof *off);
	struct cset folded;
	struct position_memo *memo;
	struct ctriple *batch;
	uint64_t *hashes;
	uint32_t n_batch = 0;
	struct triple *pool;
	struct shape *sh;
	uint32_t *rep;		/* per group: the shape index of its first member */
	struct text text = { NULL, 0, 0 };

	memset(ps, 0, sizeof *ps);
	if (nc == 0) {
		free(head);
		free(off);
		return;
	}
	/* Every user reference inside a cycle, as a triple of that cycle, its
	 * name folded when it is only a position; and each cycle's head: its
	 * one entered member, else its member nearest to a root.  In batches
	 * of references: the targets' components and types are loaded a few
	 * references ahead, and the set's slots of a whole batch before its
	 * triples go in (a set of a million triples misses the caches on
	 * every probe). */
	for (uint32_t i = 0; i < nc; i++)
		head[i] = cf->pend[i].entered == 1 ? cf->pend[i].entered_by : HEAP_NONE;
	memo = mem_calloc(1, sizeof *memo);
	batch = mem_alloc(BATCH * sizeof *batch);
	hashes = mem_alloc(BATCH * sizeof *hashes);
	cset_init(&folded);
	for (heap_node_t v = 0; v < h->n_nodes; v++) {
		uint32_t i = cycles_cid(cf, comp[v]), e1 = h->out_off[v + 1], m = h->n_edges;
		if (i == HEAP_NONE)
			continue;
		if (cf->pend[i].entered != 1 &&
		    (head[i] == HEAP_NONE || dist[v] < dist[head[i]]))
			head[i] = v;
		for (uint32_t e = h->out_off[v]; e < e1; e++) {
			heap_node_t w = h->out_to[e];
			struct ctriple c;
			uint64_t hash;
			if (e + AHEAD < m) {
				__builtin_prefetch(&comp[h->out_to[e + AHEAD]]);
				__builtin_prefetch(&h->type[h->out_to[e + AHEAD]]);
			}
			if (comp[w] != comp[v] || !heap_out_user(h, e))
				continue;
			c = (struct ctriple){ .cycle = i, .t = { .from = h->type[v], .to = h->type[w],
								 .name = fold_name(h, memo, h->out_name[e]) } };
			hash = ctriple_hash(&c);
			if (cset_recent(&folded, &c, hash))
				continue;
			batch[n_batch] = c;
			hashes[n_batch++] = hash;
			if (n_batch == BATCH) {
				cset_add_batch(&folded, batch, hashes, n_batch);
				n_batch = 0;
			}
		}
	}
	cset_add_batch(&folded, batch, hashes, n_batch);
	free(hashes);
	free(batch);
	free(memo);
	/* each cycle's triples together, sorted */
	for (uint32_t k = 0; k < folded.cap; k++)
		if (folded.slot[k].cycle != EMPTY)
			off[folded.slot[k].cycle + 2]++;
	for (uint32_t i = 0; i <= nc; i++)
		off[i + 1] += off[i];
	pool = mem_alloc(((size_t)folded.n + 1) * sizeof *pool);
	for (uint32_t k = 0; k < folded.cap; k++)
		if (folded.slot[k].cycle != EMPTY)
			pool[off[folded.slot[k].cycle + 1]++] = folded.slot[k].t;
	cset_fini(&folded);
	sh = mem_alloc((size_t)nc * sizeof *sh);
	for (uint32_t i = 0; i < nc; i++) {
		uint64_t hash = 0x84222325cbf29ce4ull;
		uint32_t n = off[i + 1] - off[i];
		qsort(pool + off[i], n, sizeof *pool, triple_cmp);
		for (uint32_t k = 0; k < n; k++)
			hash = (hash ^ triple_hash(&pool[off[i] + k])) * 0x100000001b3ull;
		sh[i] = (struct shape){ .hash = hash, .off = off[i], .n = n, .cycle = i };
	}
	/* groups: equal shapes, found among equal hashes */
	qsort(sh, nc, sizeof *sh, shape_cmp);
	rep = mem_alloc((size_t)nc * sizeof *rep);
	for (uint32_t i = 0, j; i < nc; i = j) {
		uint32_t first = n_groups;
		for (j = i; j < nc && sh[j].hash == sh[i].hash && sh[j].n == sh[i].n; j++) {
			uint32_t g = first;
			while (g < n_groups && !same_shape(&sh[rep[g]], &sh[j], pool))
				g++;
			if (g == n_groups)
				rep[n_groups++] = j;
			cf->pend[sh[j].cycle].shape = g;
		}
	}
	ps->n = n_groups;
	ps->signature = mem_alloc(((size_t)n_groups + 1) * sizeof *ps->signature);
	ps->n_links = mem_alloc(((size_t)n_groups + 1) * sizeof *ps->n_links);
	ps->key = mem_alloc(((size_t)n_groups + 1) * sizeof *ps->key);
	for (uint32_t g = 0; g < n_groups; g++) {
		const struct shape *s = &sh[rep[g]];
		heap_str_t ty[HEADS], start = h->type[head[s->cycle]];
		uint32_t nt = 0, best_heads = 0;
		/* the signature starts at the type that heads its cycles most
		 * often (among the first few; ties: the smallest name) */
		for (uint32_t k = rep[g]; k < nc && nt < HEADS; k++)
			if (cf->pend[sh[k].cycle].shape == g)
				ty[nt++] = h->type[head[sh[k].cycle]];
		for (uint32_t k = 0; k < nt; k++) {
			uint32_t heads = 0;
			for (uint32_t m = 0; m < nt; m++)
				heads += ty[m] == ty[k];
			if (heads > best_heads || (heads == best_heads && str_less(h, ty[k], start))) {
				best_heads = heads;
				start = ty[k];
			}
		}
		ps->signature[g] = (uint32_t)text.len;
		ps->n_links[g] = s->n;
		ps->key[g] = content_key(h, pool + s->off, s->n);
		signature(&text, h, pool + s->off, s->n, start);
		text_put(&text, "", 0);
		text.len++;	/* keep the NUL */
	}
	ps->text = text.buf;
	ps->text_len = text.len;
	free(rep);
	free(sh);
	free(pool);
	free(off);
	free(head);
}

void pattern_shapes_fini(struct pattern_shapes *ps)
{
	free(ps->signature);
	free(ps->n_links);
	free(ps->key);
	free(ps->text);
	memset(ps, 0, sizeof *ps);
}

/* ---- phase 2: patterns ---- */

struct rank {
	uint64_t retained;
	uint32_t objects;
	uint32_t group;
	const char *signature;
};

static int rank_cmp(const void *pa, const void *pb)
{
	const struct rank *a = pa, *b = pb;
	int c;

	if (a->retained != b->retained)
		return a->retained > b->retained ? -1 : 1;
	if (a->objects != b->objects)
		return a->objects > b->objects ? -1 : 1;
	c = strcmp(a->signature, b->signature);
	return c ? c : (a->group > b->group) - (a->group < b->group);
}

void pattern_finish(struct analysis *a, const struct cycles_found *cf, struct pattern_shapes *ps)
{
	uint32_t nc = a->n_cycles, np = ps->n;
	struct analysis_pattern *pat, *sorted;
	uint32_t *pstart, *list, *fill, *new_of;
	struct rank *rk;

	a->patterns = NULL;
	a->n_patterns = 0;
	if (nc == 0 || np == 0)
		return;
	/* a->cycles[c] was made from cf->pend[c] */
	pat = mem_calloc(np, sizeof *pat);
	pstart = mem_calloc((size_t)np + 1, sizeof *pstart);
	for (uint32_t c = 0; c < nc; c++)
		pstart[cf->pend[c].shape + 1]++;
	for (uint32_t g = 0; g < np; g++)
		pstart[g + 1] += pstart[g];
	fill = mem_alloc(((size_t)np + 1) * sizeof *fill);
	memcpy(fill, pstart, ((size_t)np + 1) * sizeof *fill);
	list = mem_alloc((size_t)nc * sizeof *list);
	for (uint32_t c = 0; c < nc; c++) {
		uint32_t g = cf->pend[c].shape;
		const struct analysis_cycle *cy = &a->cycles[c];
		struct analysis_pattern *p = &pat[g];
		list[fill[g]++] = c;
		a->cycles[c].pattern = g;
		if (p->instances == 0 || cy->retained > a->cycles[p->example].retained)
			p->example = c;
		p->instances++;
		p->objects += cy->size;
		p->shallow += cy->shallow;
		p->garbage += cy->garbage;
	}
	free(fill);
	for (uint32_t g = 0; g < np; g++) {
		pat[g].signature = ps->signature[g];
		pat[g].n_links = ps->n_links[g];
		pat[g].key = ps->key[g];
	}
	patterns_retained(a, pat, np, list, pstart);
	/* numbered by retained size */
	rk = mem_alloc((size_t)np * sizeof *rk);
	for (uint32_t g = 0; g < np; g++)
		rk[g] = (struct rank){ .retained = pat[g].retained, .objects = pat[g].objects,
				       .group = g, .signature = ps->text + pat[g].signature };
	qsort(rk, np, sizeof *rk, rank_cmp);
	sorted = mem_alloc((size_t)np * sizeof *sorted);
	new_of = mem_alloc((size_t)np * sizeof *new_of);
	for (uint32_t i = 0; i < np; i++) {
		sorted[i] = pat[rk[i].group];
		new_of[rk[i].group] = i;
	}
	for (uint32_t c = 0; c < nc; c++)
		a->cycles[c].pattern = new_of[a->cycles[c].pattern];
	free(new_of);
	free(rk);
	free(pat);
	free(list);
	free(pstart);
	a->patterns = sorted;
	a->n_patterns = np;
	a->pattern_text = ps->text;
	a->pattern_text_len = ps->text_len;
	ps->text = NULL;
}

const char *analysis_pattern_signature(const struct analysis *a, uint32_t i)
{
	return i < a->n_patterns ? a->pattern_text + a->patterns[i].signature : "";
}
