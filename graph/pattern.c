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
	HEADS = 16			/* instances asked where they are entered */
};

struct triple {
	heap_str_t from, to;
	uint32_t name;		/* a string offset, or FOLDED */
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

static inline uint64_t triple_hash(const struct triple *t)
{
	uint64_t x = ((uint64_t)t->from << 32 | t->to) * 0x9e3779b97f4a7c15ull;

	x ^= (x >> 29) + (uint64_t)t->name * 0xbf58476d1ce4e5b9ull;
	return x ^ (x >> 31);
}

/* A set of triples, open addressing; cleared by its list of used slots. */
struct tset {
	struct triple *slot;
	uint8_t *used;
	uint32_t *list;		/* occupied slot indexes */
	uint32_t cap, n;
};

static void tset_init(struct tset *s)
{
	s->cap = 64;
	s->slot = mem_alloc(s->cap * sizeof *s->slot);
	s->used = mem_calloc(s->cap, 1);
	s->list = mem_alloc(s->cap * sizeof *s->list);
	s->n = 0;
}

static void tset_fini(struct tset *s)
{
	free(s->slot);
	free(s->used);
	free(s->list);
}

static void tset_clear(struct tset *s)
{
	for (uint32_t i = 0; i < s->n; i++)
		s->used[s->list[i]] = 0;
	s->n = 0;
}

static void tset_add(struct tset *s, const struct triple *t);

static void tset_grow(struct tset *s)
{
	struct tset old = *s;

	s->cap *= 2;
	s->slot = mem_alloc(s->cap * sizeof *s->slot);
	s->used = mem_calloc(s->cap, 1);
	s->list = mem_alloc(s->cap * sizeof *s->list);
	s->n = 0;
	for (uint32_t i = 0; i < old.n; i++)
		tset_add(s, &old.slot[old.list[i]]);
	tset_fini(&old);
}

static void tset_add(struct tset *s, const struct triple *t)
{
	uint32_t i;

	if (2 * (s->n + 1) > s->cap)
		tset_grow(s);
	for (i = (uint32_t)triple_hash(t) & (s->cap - 1); s->used[i];
	     i = (i + 1) & (s->cap - 1))
		if (triple_cmp(&s->slot[i], t) == 0)
			return;
	s->used[i] = 1;
	s->slot[i] = *t;
	s->list[s->n++] = i;
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

/* Per cycle: its shape, as sorted triples in the pool. */
struct shape {
	uint64_t hash;
	uint32_t off, n;	/* pool[off .. off + n) */
	uint32_t cycle;
};

static const struct triple *g_pool;	/* for shape_cmp: qsort has no argument */

static int shape_cmp(const void *pa, const void *pb)
{
	const struct shape *a = pa, *b = pb;

	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	for (uint32_t i = 0; i < a->n; i++) {
		int c = triple_cmp(&g_pool[a->off + i], &g_pool[b->off + i]);
		if (c)
			return c;
	}
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

/* ---- the patterns ---- */

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

static int pattern_rank(const struct analysis_pattern *a, const struct analysis_pattern *b,
			const char *text)
{
	if (a->retained != b->retained)
		return a->retained > b->retained ? -1 : 1;
	if (a->objects != b->objects)
		return a->objects > b->objects ? -1 : 1;
	return strcmp(text + a->signature, text + b->signature);
}

static const char *g_text;
static const struct analysis_pattern *g_pat;

/* qsort of pattern indexes (g_pat, g_text: qsort has no argument) */
static int pattern_cmp(const void *pa, const void *pb)
{
	return pattern_rank(&g_pat[*(const uint32_t *)pa], &g_pat[*(const uint32_t *)pb], g_text);
}

/* The member of cycle c highest in the dominator tree: where the cycle is
 * entered. */
static heap_node_t head_of(const struct analysis *a, const struct cycles_tree *tree, uint32_t c)
{
	const struct analysis_cycle *cy = &a->cycles[c];
	heap_node_t best = a->members[cy->members];

	if (cy->holder != HEAP_NONE && a->cycle[cy->holder] == c)
		return cy->holder;
	for (uint32_t i = 1; i < cy->size; i++) {
		heap_node_t v = a->members[cy->members + i];
		if (tree->pre[v] < tree->pre[best])
			best = v;
	}
	return best;
}

void pattern_compute(struct analysis *a, const struct cycles_tree *tree)
{
	const struct heap *h = a->heap;
	uint32_t nc = a->n_cycles, pool_n = 0, pool_cap = 64, np = 0;
	struct triple *pool;
	struct shape *sh;
	struct tset raw, folded;
	struct text text = { NULL, 0, 0 };
	struct analysis_pattern *pat;
	struct inst *inst;
	uint32_t *order, *old_to_new;

	a->patterns = NULL;
	a->n_patterns = 0;
	if (nc == 0)
		return;
	pool = mem_alloc(pool_cap * sizeof *pool);
	sh = mem_alloc(nc * sizeof *sh);
	tset_init(&raw);
	tset_init(&folded);
	for (uint32_t c = 0; c < nc; c++) {
		const struct analysis_cycle *cy = &a->cycles[c];
		uint64_t hash = 0x84222325cbf29ce4ull;

		tset_clear(&raw);
		tset_clear(&folded);
		for (uint32_t i = 0; i < cy->size; i++) {
			heap_node_t v = a->members[cy->members + i];
			for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
				heap_node_t w = h->out_to[e];
				struct triple tr;
				if (a->cycle[w] != c || !heap_out_user(h, e))
					continue;
				tr = (struct triple){ .from = h->type[v], .to = h->type[w],
						      .name = h->out_name[e] & HEAP_NAME_INDEX ?
								FOLDED : h->out_name[e] };
				tset_add(&raw, &tr);
			}
		}
		/* fold positions once per distinct raw triple */
		for (uint32_t i = 0; i < raw.n; i++) {
			struct triple tr = raw.slot[raw.list[i]];
			if (tr.name != FOLDED && name_is_position(h, tr.name))
				tr.name = FOLDED;
			tset_add(&folded, &tr);
		}
		while (pool_n + folded.n > pool_cap) {
			pool_cap *= 2;
			pool = mem_realloc_array(pool, pool_cap, sizeof *pool);
		}
		for (uint32_t i = 0; i < folded.n; i++)
			pool[pool_n + i] = folded.slot[folded.list[i]];
		qsort(pool + pool_n, folded.n, sizeof *pool, triple_cmp);
		for (uint32_t i = 0; i < folded.n; i++)
			hash = (hash ^ triple_hash(&pool[pool_n + i])) * 0x100000001b3ull;
		sh[c] = (struct shape){ .hash = hash, .off = pool_n, .n = folded.n, .cycle = c };
		pool_n += folded.n;
	}
	tset_fini(&raw);
	tset_fini(&folded);

	g_pool = pool;
	qsort(sh, nc, sizeof *sh, shape_cmp);
	pat = mem_calloc(nc, sizeof *pat);
	inst = mem_alloc(nc * sizeof *inst);
	for (uint32_t i = 0, j; i < nc; i = j) {
		struct analysis_pattern *p = &pat[np];
		uint32_t n_inst = 0, best_heads = 0;
		heap_str_t start = h->type[a->members[a->cycles[sh[i].cycle].members]];

		for (j = i; j < nc && same_shape(&sh[i], &sh[j], pool); j++) {
			uint32_t c = sh[j].cycle;
			const struct analysis_cycle *cy = &a->cycles[c];
			heap_node_t hd = cy->holder;
			a->cycles[c].pattern = np;
			p->instances++;
			p->objects += cy->size;
			p->shallow += cy->shallow;
			p->garbage += cy->garbage;
			if (j == i || cy->retained > a->cycles[p->example].retained ||
			    (cy->retained == a->cycles[p->example].retained && c < p->example))
				p->example = c;
			inst[n_inst++] = (struct inst){
				.pre = hd == HEAP_NONE ? UINT32_MAX : tree->pre[hd],
				.end = hd == HEAP_NONE ? UINT32_MAX : tree->end[hd], .cycle = c };
		}
		/* retained: instances not held inside another's holder subtree */
		qsort(inst, n_inst, sizeof *inst, inst_cmp);
		for (uint32_t k = 0, cur_end = 0; k < n_inst; k++) {
			if (inst[k].pre != UINT32_MAX && inst[k].pre < cur_end)
				continue;
			p->retained += a->cycles[inst[k].cycle].retained;
			if (inst[k].pre != UINT32_MAX)
				cur_end = inst[k].end;
		}
		/* the signature starts at the type that heads its cycles most
		 * often (among the first few; ties: the smallest name) */
		{
			heap_str_t ty[HEADS];
			uint32_t nt = 0;
			for (uint32_t k = i; k < j && nt < HEADS; k++)
				ty[nt++] = h->type[head_of(a, tree, sh[k].cycle)];
			for (uint32_t k = 0; k < nt; k++) {
				uint32_t heads = 0;
				for (uint32_t m = 0; m < nt; m++)
					heads += ty[m] == ty[k];
				if (heads > best_heads ||
				    (heads == best_heads && str_less(h, ty[k], start))) {
					best_heads = heads;
					start = ty[k];
				}
			}
		}
		p->signature = (uint32_t)text.len;
		p->n_links = sh[i].n;
		p->key = content_key(h, pool + sh[i].off, sh[i].n);
		signature(&text, h, pool + sh[i].off, sh[i].n, start);
		text_put(&text, "", 0);
		text.len++;	/* keep the NUL */
		np++;
	}
	free(inst);
	free(sh);
	free(pool);

	/* number the patterns by retained size */
	g_text = text.buf;
	g_pat = pat;
	order = mem_alloc((np ? np : 1) * sizeof *order);
	old_to_new = mem_alloc((np ? np : 1) * sizeof *old_to_new);
	for (uint32_t i = 0; i < np; i++)
		order[i] = i;
	qsort(order, np, sizeof *order, pattern_cmp);
	{
		struct analysis_pattern *sorted = mem_alloc((np ? np : 1) * sizeof *sorted);
		for (uint32_t i = 0; i < np; i++) {
			sorted[i] = pat[order[i]];
			old_to_new[order[i]] = i;
		}
		free(pat);
		pat = sorted;
	}
	for (uint32_t c = 0; c < nc; c++)
		a->cycles[c].pattern = old_to_new[a->cycles[c].pattern];
	free(order);
	free(old_to_new);
	a->patterns = mem_realloc_array(pat, np ? np : 1, sizeof *pat);
	a->n_patterns = np;
	a->pattern_text = text.buf;
	a->pattern_text_len = text.len;
}

const char *analysis_pattern_signature(const struct analysis *a, uint32_t i)
{
	return i < a->n_patterns ? a->pattern_text + a->patterns[i].signature : "";
}
