#include "graph/pattern.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/hmap.h"
#include "graph/core/mem.h"
#include "graph/reach.h"

/* The name of an index edge, and of every name that is only a position. */
static const uint32_t FOLDED = HEAP_NAME_INDEX;

enum {
	MAX_PAIRS = 24,			/* type pairs a signature spells out */
	MAX_NAMES = 4,			/* names of one type pair spelled out */
	MAX_TEXT = 2048,		/* bytes of one signature */
	HEADS = 16			/* instances asked where they are entered */
};

static int triple_cmp(const void *pa, const void *pb)
{
	const struct pattern_triple *a = pa, *b = pb;

	if (a->from != b->from)
		return a->from < b->from ? -1 : 1;
	if (a->to != b->to)
		return a->to < b->to ? -1 : 1;
	return a->name < b->name ? -1 : a->name > b->name;
}

static inline uint64_t triple_hash(const struct pattern_triple *t)
{
	uint64_t x = ((uint64_t)t->from << 32 | t->to) * 0x9e3779b97f4a7c15ull;

	x ^= (x >> 29) + (uint64_t)t->name * 0xbf58476d1ce4e5b9ull;
	return x ^ (x >> 31);
}

static inline uint64_t ctriple_hash(const struct pattern_ctriple *c)
{
	return triple_hash(&c->t) ^ ((uint64_t)c->cycle * 0xd6e8feb86659fd93ull);
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

static int same_shape(const struct shape *a, const struct shape *b,
		      const struct pattern_triple *pool)
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
static void text_arrow(struct text *t, const struct heap *h, const struct pattern_triple *pool,
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
static void signature(struct text *t, const struct heap *h, const struct pattern_triple *tr,
		      uint32_t n, heap_str_t start)
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
static uint64_t content_key(const struct heap *h, const struct pattern_triple *tr, uint32_t n)
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

static inline int ctriple_less(const struct pattern_ctriple *a, const struct pattern_ctriple *b)
{
	if (a->cycle != b->cycle)
		return a->cycle < b->cycle;
	if (a->t.from != b->t.from)
		return a->t.from < b->t.from;
	if (a->t.to != b->t.to)
		return a->t.to < b->t.to;
	return a->t.name < b->t.name;
}

/* Byte d of a's key (cycle, from, to, name), d = 0 the lowest. */
static inline uint32_t key_byte(const struct pattern_ctriple *a, unsigned d)
{
	uint32_t f = d < 4 ? a->t.name : d < 8 ? a->t.to : d < 12 ? a->t.from : a->cycle;

	return (f >> (8 * (d % 4))) & 255;
}

void pattern_sort(struct pattern_ctriple *a, struct pattern_ctriple *tmp, uint32_t n)
{
	enum { SMALL = 48, KEY_BYTES = 16 };
	uint32_t (*count)[256];
	struct pattern_ctriple *src = a, *dst = tmp;

	if (n <= SMALL) {
		for (uint32_t i = 1; i < n; i++) {
			struct pattern_ctriple x = a[i];
			uint32_t j = i;
			for (; j > 0 && ctriple_less(&x, &a[j - 1]); j--)
				a[j] = a[j - 1];
			a[j] = x;
		}
		return;
	}
	/* least significant byte first; a byte all entries share moves
	 * nothing (a group's source type, the high bytes of small numbers) */
	count = mem_calloc(KEY_BYTES, sizeof *count);
	for (uint32_t i = 0; i < n; i++)
		for (unsigned d = 0; d < KEY_BYTES; d++)
			count[d][key_byte(&a[i], d)]++;
	for (unsigned d = 0; d < KEY_BYTES; d++) {
		uint32_t sum = 0;
		if (count[d][key_byte(&a[0], d)] == n)
			continue;
		for (unsigned k = 0; k < 256; k++) {
			uint32_t c = count[d][k];
			count[d][k] = sum;
			sum += c;
		}
		for (uint32_t i = 0; i < n; i++)
			dst[count[d][key_byte(&src[i], d)]++] = src[i];
		src = dst;
		dst = src == a ? tmp : a;
	}
	if (src != a)
		memcpy(a, src, (size_t)n * sizeof *a);
	free(count);
}

/* The distinct triples of one source type at a time: open addressing over
 * indexes into the list they are appended to (slot value index + 1).  A
 * slot whose index is below the current type's first is empty: the next
 * type starts without clearing anything. */
struct tset {
	uint32_t *slot;
	uint32_t cap;		/* a power of two */
	struct pattern_ctriple *list;
	uint32_t n, room;	/* list[0 .. n), room for room */
	uint32_t first;		/* the current type's first in list */
};

static void tset_slots(struct tset *s, uint32_t cap)
{
	free(s->slot);
	s->cap = cap;
	s->slot = mem_calloc(cap, sizeof *s->slot);
	for (uint32_t k = s->first; k < s->n; k++) {
		uint32_t i = (uint32_t)ctriple_hash(&s->list[k]) & (cap - 1);
		while (s->slot[i] > s->first)
			i = (i + 1) & (cap - 1);
		s->slot[i] = k + 1;
	}
}

/* Appends c to the list unless the current type has it. */
static inline void tset_add(struct tset *s, const struct pattern_ctriple *c)
{
	uint32_t i = (uint32_t)ctriple_hash(c) & (s->cap - 1);

	for (; s->slot[i] > s->first; i = (i + 1) & (s->cap - 1)) {
		const struct pattern_ctriple *o = &s->list[s->slot[i] - 1];
		if (o->cycle == c->cycle && o->t.to == c->t.to && o->t.name == c->t.name &&
		    o->t.from == c->t.from)
			return;
	}
	if (s->n == s->room) {
		s->room = s->room ? 2 * s->room : 1024;
		s->list = mem_realloc_array(s->list, s->room, sizeof *s->list);
	}
	s->list[s->n] = *c;
	s->slot[i] = ++s->n;
	if (2 * (uint64_t)(s->n - s->first) > s->cap)
		tset_slots(s, 2 * s->cap);
}

/* type -> its dense index, a few remembered in front of the map
 * (direct-mapped: a heap has few types, each asked for many times) */
enum {
	TYPE_MEMO = 1024
};

struct type_ids {
	struct hmap map;
	heap_str_t memo_type[TYPE_MEMO];
	uint32_t memo_id[TYPE_MEMO];	/* id + 1, 0: none */
	uint32_t n, room;
	uint64_t *key;		/* per id: type << 32 | id, sorted later */
	uint32_t *count;	/* per id: members, then where they go */
};

static inline uint32_t type_id(struct type_ids *t, heap_str_t type)
{
	uint32_t k = (type * 2654435761u) >> 22, id;

	if (t->memo_id[k] && t->memo_type[k] == type)
		return t->memo_id[k] - 1;
	id = hmap_add(&t->map, type, t->n);
	if (id == HMAP_NONE) {
		if (t->n == t->room) {
			t->room = t->room ? 2 * t->room : 64;
			t->key = mem_realloc_array(t->key, t->room, sizeof *t->key);
			t->count = mem_realloc_array(t->count, t->room, sizeof *t->count);
		}
		id = t->n++;
		t->key[id] = (uint64_t)type << 32 | id;
		t->count[id] = 0;
	}
	t->memo_type[k] = type;
	t->memo_id[k] = id + 1;
	return id;
}

static int u64_cmp(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return a < b ? -1 : a > b;
}

enum {
	AHEAD = 4		/* members ahead whose references' targets are loaded */
};

/* The triples of the members of source type from, mem[0 .. k), into s. */
static void type_triples(const struct heap *h, const struct cycles_found *cf,
			 const uint32_t *comp, struct position_memo *memo, heap_str_t from,
			 const heap_node_t *mem, uint32_t k, struct tset *s)
{
	for (uint32_t j = 0; j < k; j++) {
		heap_node_t v = mem[j];
		uint32_t cv = comp[v], e1 = h->out_off[v + 1];
		struct pattern_ctriple c = { .cycle = cycles_cid(cf, cv), .t = { .from = from } };
		/* the members' references are far apart: their rows a few
		 * members ahead, their targets' components and types nearer */
		if (j + 4 * AHEAD < k) {
			__builtin_prefetch(&h->out_off[mem[j + 4 * AHEAD]]);
			__builtin_prefetch(&comp[mem[j + 4 * AHEAD]]);
		}
		if (j + 2 * AHEAD < k) {
			uint32_t o = h->out_off[mem[j + 2 * AHEAD]];
			__builtin_prefetch(&h->out_to[o]);
			__builtin_prefetch(&h->out_name[o]);
			__builtin_prefetch(&h->out_user[o / 64]);
		}
		if (j + AHEAD < k) {
			heap_node_t a = mem[j + AHEAD];
			for (uint32_t e = h->out_off[a]; e < h->out_off[a + 1]; e++) {
				__builtin_prefetch(&comp[h->out_to[e]]);
				__builtin_prefetch(&h->type[h->out_to[e]]);
			}
		}
		for (uint32_t e = h->out_off[v]; e < e1; e++) {
			heap_node_t w = h->out_to[e];
			if (comp[w] != cv || !heap_out_user(h, e))
				continue;
			c.t.to = h->type[w];
			c.t.name = fold_name(h, memo, h->out_name[e]);
			tset_add(s, &c);
		}
	}
}

/* What phase 1's steps share (pattern.h). */
struct pattern_work {
	const struct heap *h;
	const struct cycles_found *cf;
	const uint32_t *comp;
	heap_node_t *head;	/* per cycle */
	heap_node_t *mem;	/* the members, by type */
	uint32_t n_types;
	uint64_t *key;		/* per rank (ascending type): type << 32 | id */
	uint32_t *start;	/* per rank: its members mem[start[r] .. start[r + 1]) */
	uint32_t *order;	/* the ranks, most members first: the order they are taken */
	atomic_uint next;	/* into order: the next to take */
	/* per rank: the helper that took it, and where its triples are in
	 * that helper's list */
	uint8_t *by;
	uint32_t *first, *count;
	struct tset set[PATTERN_HELPERS];
};

void pattern_work_free(struct pattern_work *w)
{
	if (!w)
		return;
	for (unsigned k = 0; k < PATTERN_HELPERS; k++) {
		free(w->set[k].slot);
		free(w->set[k].list);
	}
	free(w->head);
	free(w->mem);
	free(w->key);
	free(w->start);
	free(w->order);
	free(w->by);
	free(w->first);
	free(w->count);
	free(w);
}

static int u64_desc(const void *pa, const void *pb)
{
	uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;

	return a > b ? -1 : a < b;
}

struct pattern_work *pattern_shapes_begin(const struct heap *h, const struct cycles_found *cf,
					  const uint32_t *comp, const uint32_t *dist)
{
	struct pattern_work *w = mem_calloc(1, sizeof *w);
	uint32_t nc = cf->nc, n_mem = 0;
	struct type_ids *ti = mem_calloc(1, sizeof *ti);
	uint64_t *by_size;

	w->h = h;
	w->cf = cf;
	w->comp = comp;
	w->head = mem_alloc(((size_t)nc + 1) * sizeof *w->head);
	atomic_init(&w->next, 0);
	/* Each cycle's head: its one entered member, else its member nearest
	 * to a root; and the members' types. */
	for (uint32_t i = 0; i < nc; i++)
		w->head[i] = cf->pend[i].entered == 1 ? cf->pend[i].entered_by : HEAP_NONE;
	hmap_init(&ti->map, 64);
	for (heap_node_t v = 0; nc && v < h->n_nodes; v++) {
		uint32_t i = cycles_cid(cf, comp[v]), id;
		if (i == HEAP_NONE)
			continue;
		if (cf->pend[i].entered != 1 &&
		    (w->head[i] == HEAP_NONE || dist[v] < dist[w->head[i]]))
			w->head[i] = v;
		id = type_id(ti, h->type[v]);	/* may move ti->count */
		ti->count[id]++;
		n_mem++;
	}
	/* the members by type (ascending offsets), in node order within one */
	w->n_types = ti->n;
	if (ti->n > 1)	/* (ti->key is NULL with no cycle: qsort's pointer must not be) */
		qsort(ti->key, ti->n, sizeof *ti->key, u64_cmp);
	w->start = mem_alloc(((size_t)ti->n + 1) * sizeof *w->start);
	by_size = mem_alloc(((size_t)ti->n + 1) * sizeof *by_size);
	for (uint32_t r = 0, at = 0; r < ti->n; r++) {
		uint32_t id = (uint32_t)ti->key[r];
		uint32_t c = ti->count[id];
		by_size[r] = (uint64_t)c << 32 | r;
		w->start[r] = at;
		ti->count[id] = at;
		at += c;
	}
	w->start[ti->n] = n_mem;
	w->mem = mem_alloc(((size_t)n_mem + 1) * sizeof *w->mem);
	for (heap_node_t v = 0; nc && v < h->n_nodes; v++) {
		uint32_t id;
		if (cycles_cid(cf, comp[v]) == HEAP_NONE)
			continue;
		id = type_id(ti, h->type[v]);
		w->mem[ti->count[id]++] = v;
	}
	hmap_fini(&ti->map);
	free(ti->count);
	w->key = ti->key;
	free(ti);
	/* the biggest types first, so that the helpers end together */
	qsort(by_size, w->n_types, sizeof *by_size, u64_desc);
	w->order = mem_alloc(((size_t)w->n_types + 1) * sizeof *w->order);
	for (uint32_t r = 0; r < w->n_types; r++)
		w->order[r] = (uint32_t)by_size[r];
	free(by_size);
	w->by = mem_alloc((size_t)w->n_types + 1);
	w->first = mem_alloc(((size_t)w->n_types + 1) * sizeof *w->first);
	w->count = mem_alloc(((size_t)w->n_types + 1) * sizeof *w->count);
	return w;
}

void pattern_shapes_help(struct pattern_work *w, unsigned helper)
{
	struct tset *set = &w->set[helper];
	struct position_memo *memo = mem_calloc(1, sizeof *memo);
	struct pattern_ctriple *tmp = NULL;
	uint32_t tmp_room = 0, i;

	if (!set->slot)
		tset_slots(set, 1024);
	while ((i = atomic_fetch_add(&w->next, 1)) < w->n_types) {
		uint32_t r = w->order[i], k;
		set->first = set->n;
		type_triples(w->h, w->cf, w->comp, memo, (heap_str_t)(w->key[r] >> 32),
			     w->mem + w->start[r], w->start[r + 1] - w->start[r], set);
		k = set->n - set->first;
		if (k > tmp_room) {
			tmp_room = k;
			free(tmp);
			tmp = mem_alloc((size_t)k * sizeof *tmp);
		}
		pattern_sort(set->list + set->first, tmp, k);
		w->by[r] = (uint8_t)helper;
		w->first[r] = set->first;
		w->count[r] = k;
	}
	free(tmp);
	free(memo);
}

void pattern_shapes(const struct heap *h, struct cycles_found *cf, const uint32_t *comp,
		    const uint32_t *dist, struct pattern_shapes *ps)
{
	struct pattern_work *w = pattern_shapes_begin(h, cf, comp, dist);

	pattern_shapes_help(w, 0);
	pattern_shapes_end(w, cf, ps);
}

void pattern_shapes_end(struct pattern_work *w, struct cycles_found *cf, struct pattern_shapes *ps)
{
	const struct heap *h = w->h;
	uint32_t nc = cf->nc, n_groups = 0, total = 0;
	uint32_t *off = mem_calloc((size_t)nc + 2, sizeof *off);
	heap_node_t *head = w->head;
	struct pattern_triple *pool;
	struct shape *sh;
	uint32_t *rep;		/* per group: the shape index of its first member */
	struct text text = { NULL, 0, 0 };

	memset(ps, 0, sizeof *ps);
	free(w->mem);
	w->mem = NULL;
	if (nc == 0) {
		pattern_work_free(w);
		free(off);
		return;
	}
	/* each cycle's triples together: sorted, since each type's were and
	 * the types are taken in order */
	for (uint32_t r = 0; r < w->n_types; r++) {
		const struct pattern_ctriple *l = w->set[w->by[r]].list + w->first[r];
		for (uint32_t k = 0; k < w->count[r]; k++)
			off[l[k].cycle + 2]++;
		total += w->count[r];
	}
	for (uint32_t i = 0; i <= nc; i++)
		off[i + 1] += off[i];
	pool = mem_alloc(((size_t)total + 1) * sizeof *pool);
	for (uint32_t r = 0; r < w->n_types; r++) {
		const struct pattern_ctriple *l = w->set[w->by[r]].list + w->first[r];
		for (uint32_t k = 0; k < w->count[r]; k++)
			pool[off[l[k].cycle + 1]++] = l[k].t;
	}
	w->head = NULL;
	pattern_work_free(w);
	sh = mem_alloc((size_t)nc * sizeof *sh);
	for (uint32_t i = 0; i < nc; i++) {
		uint64_t hash = 0x84222325cbf29ce4ull;
		uint32_t n = off[i + 1] - off[i];
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
	ps->lead = mem_alloc(((size_t)n_groups + 1) * sizeof *ps->lead);
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
		ps->lead[g] = start;
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
	free(ps->lead);
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
		pat[g].lead = ps->lead[g];
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
