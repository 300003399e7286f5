#include "graph/heap.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "graph/core/hmap.h"
#include "graph/core/hugepage.h"
#include "graph/core/mem.h"
#include "graph/core/worker.h"

enum {
	DENSE_SPAN = 4		/* ids in a range this many times the node count:
				 * an array maps them (struct heap_builder) */
};

/* A growable column: data, used count, capacity (in elements). */
struct column {
	void *data;
	size_t n;
	size_t cap;
};


struct heap_builder {
	/* node columns; ids and sizes in 32 bits (id_wide, size_wide 0) until
	 * one does not fit: an id of 2^32 or more, a size of HEAP_SIZE_BIG or
	 * more (column_widen) */
	struct column id, type, name, size, refcount, flags, generation, category;
	int id_wide, size_wide;
	/* edges, in the order added */
	struct column e_from, e_to, e_name, e_kind;
	/* While the edges come grouped by source in ascending order (V8,
	 * most CSV files), the sources are not stored one per edge: e_off[v]
	 * is where source v's edges start, for v <= the last source so far
	 * (e_off.n of them), and becomes the out CSR's offsets at the freeze.
	 * The first edge out of that order writes e_from out in full
	 * (edges_unsort) and e_from is kept from then on. */
	struct column e_off;
	int edges_sorted;		/* e_off mode: e_from is empty */
	struct column roots;
	struct column locations;	/* struct heap_location */

	/* string arena and its intern table (offsets; 0 = empty slot, since
	 * offset 0 is the empty string, which is never stored in the table) */
	char *arena;
	size_t arena_len, arena_cap;
	uint64_t *strtab;
	size_t strtab_mask, strtab_used;

	heap_str_t categories[256];
	uint32_t n_categories;

	/* id -> node, built by heap_builder_index: when the ids lie in a range
	 * at most DENSE_SPAN times the node count (1, 2, 3, ... as generators
	 * and some formats number them), an array over that range (dense[id -
	 * dense_lo], HEAP_NONE where no node has the id), where ids that
	 * follow each other sit side by side; otherwise the hash table */
	struct hmap ids;
	uint32_t *dense;
	uint64_t dense_lo, dense_n;

	uint64_t unknown_refs;
	uint64_t total_size;
	uint8_t max_generation;
};

/* ---- columns ---- */

/* Big columns are filled front to back once: backing them with huge pages
 * cuts page faults (the dominant cost of loading a big snapshot) by 512x,
 * and the graph walks' TLB misses with them. */
static void advise_huge(void *p, size_t bytes)
{
	(void)hugepage_advise(p, bytes);
}

static void column_grow(struct column *c, size_t elem, size_t want)
{
	size_t cap;

	if (want <= c->cap)
		return;
	cap = c->cap ? c->cap : 1024;
	while (cap < want)
		cap += cap / 2 + 1;
	c->data = mem_realloc_array(c->data, cap, elem);
	c->cap = cap;
	advise_huge(c->data, cap * elem);
}

static void *column_take(struct column *c, size_t elem)
{
	void *p = c->data ? mem_realloc_array(c->data, c->n ? c->n : 1, elem) : mem_alloc(elem);

	c->data = NULL;
	c->n = c->cap = 0;
	return p;
}

static void column_fini(struct column *c)
{
	free(c->data);
	c->data = NULL;
	c->n = c->cap = 0;
}

/* A column of 32-bit values as 64-bit ones, in place (from the end down:
 * value i is read before the 64-bit slot i, which lies above it, is
 * written); capacity kept. */
static void column_widen(struct column *c)
{
	size_t cap = c->cap ? c->cap : 1;
	unsigned char *p;

	c->data = mem_realloc_array(c->data, cap, 8);
	advise_huge(c->data, cap * 8);
	p = c->data;
	for (size_t i = c->n; i-- > 0;) {
		uint32_t x;
		uint64_t y;
		memcpy(&x, p + 4 * i, 4);
		y = x;
		memcpy(p + 8 * i, &y, 8);
	}
	c->cap = cap;
}

/* Appends one element of type T to column c: no function-like macro, so one
 * small function per element width. */
static void push_u8(struct column *c, uint8_t v)
{
	if (c->n >= c->cap)
		column_grow(c, 1, c->n + 1);
	((uint8_t *)c->data)[c->n++] = v;
}

static void push_u16(struct column *c, uint16_t v)
{
	if (c->n >= c->cap)
		column_grow(c, 2, c->n + 1);
	((uint16_t *)c->data)[c->n++] = v;
}

static void push_u32(struct column *c, uint32_t v)
{
	if (c->n >= c->cap)
		column_grow(c, 4, c->n + 1);
	((uint32_t *)c->data)[c->n++] = v;
}

static void push_u64(struct column *c, uint64_t v)
{
	if (c->n >= c->cap)
		column_grow(c, 8, c->n + 1);
	((uint64_t *)c->data)[c->n++] = v;
}

/* ---- strings ---- */

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h ^ (h >> 29);
}

static uint32_t str_len_at(const char *arena, heap_str_t off)
{
	uint32_t len;

	memcpy(&len, arena + off - 4, 4);
	return len;
}

/* Intern table slots hold (low 32 bits of the hash) << 32 | offset, 0 when
 * empty: probing and growing compare hashes without touching the arena, so
 * a new string costs one cache miss, not one per probe. */
static void strtab_put(struct heap_builder *b, uint64_t slot)
{
	size_t i = (size_t)(slot >> 32) & b->strtab_mask;

	while (b->strtab[i])
		i = (i + 1) & b->strtab_mask;
	b->strtab[i] = slot;
}

/* Rehashes the intern table into `size` slots (a power of two, above what
 * it holds). */
static void strtab_resize(struct heap_builder *b, size_t size)
{
	uint64_t *old = b->strtab;
	size_t old_size = b->strtab ? b->strtab_mask + 1 : 0;

	b->strtab = mem_calloc(size, sizeof *b->strtab);
	advise_huge(b->strtab, size * sizeof *b->strtab);	/* random access: TLB misses */
	b->strtab_mask = size - 1;
	for (size_t i = 0; i < old_size; i++)
		if (old[i])
			strtab_put(b, old[i]);
	free(old);
}

static void strtab_grow(struct heap_builder *b)
{
	strtab_resize(b, b->strtab ? (b->strtab_mask + 1) * 2 : 4096);
}

void heap_builder_reserve_strings(struct heap_builder *b, uint64_t strings)
{
	size_t size = b->strtab ? b->strtab_mask + 1 : 4096;

	if (strings > 0x7fffffffu)
		strings = 0x7fffffffu;
	/* the load factor intern() keeps: below 3/4 */
	while ((b->strtab_used + strings + 1) * 4 >= (uint64_t)size * 3)
		size *= 2;
	if (!b->strtab || size > b->strtab_mask + 1)
		strtab_resize(b, size);
}

void heap_builder_reserve_arena(struct heap_builder *b, uint64_t bytes)
{
	uint64_t want = (uint64_t)b->arena_len + bytes;

	if (want > 0x7fffffffu)
		want = 0x7fffffffu;
	if (want <= b->arena_cap)
		return;
	b->arena = mem_realloc_array(b->arena, (size_t)want, 1);
	b->arena_cap = (size_t)want;
	advise_huge(b->arena, b->arena_cap);	/* filled front to back */
}

unsigned heap_builder_string_room(struct heap_builder *b, void *p[2], size_t len[2])
{
	unsigned k = 0;

	if (b->strtab) {
		p[k] = b->strtab;
		len[k++] = (b->strtab_mask + 1) * sizeof *b->strtab;
	}
	if (b->arena_cap > b->arena_len) {
		p[k] = b->arena + b->arena_len;
		len[k++] = b->arena_cap - b->arena_len;
	}
	return k;
}

heap_str_t heap_builder_intern(struct heap_builder *b, const char *s, size_t len)
{
	uint32_t h;
	size_t i;
	heap_str_t off;

	if (len == 0)
		return 0;
	if (len > 0x7fffffffu)
		len = 0x7fffffffu;
	if ((b->strtab_used + 1) * 4 >= (b->strtab_mask + 1) * 3 || !b->strtab)
		strtab_grow(b);
	h = (uint32_t)hash_bytes(s, len);
	for (i = h & b->strtab_mask; b->strtab[i]; i = (i + 1) & b->strtab_mask) {
		if ((uint32_t)(b->strtab[i] >> 32) != h)
			continue;
		off = (heap_str_t)b->strtab[i];
		if (str_len_at(b->arena, off) == len && memcmp(b->arena + off, s, len) == 0)
			return off;
	}
	if (b->arena_len + len + 5 > 0x7fffffffu)
		mem_fatal("the snapshot's distinct strings take more than 2 GiB");
	if (b->arena_len + len + 5 > b->arena_cap) {
		size_t cap = b->arena_cap * 2;
		while (cap < b->arena_len + len + 5)
			cap *= 2;
		b->arena = mem_realloc_array(b->arena, cap, 1);
		b->arena_cap = cap;
	}
	{
		uint32_t l32 = (uint32_t)len;
		memcpy(b->arena + b->arena_len, &l32, 4);
	}
	off = (heap_str_t)(b->arena_len + 4);
	memcpy(b->arena + off, s, len);
	b->arena[off + len] = '\0';
	b->arena_len = off + len + 1;
	b->strtab[i] = (uint64_t)h << 32 | off;
	b->strtab_used++;
	return off;
}

heap_str_t heap_builder_intern_cstr(struct heap_builder *b, const char *s)
{
	return heap_builder_intern(b, s, strlen(s));
}

void heap_builder_prefetch(const struct heap_builder *b, const char *s, size_t len)
{
	if (!b->strtab || len == 0)
		return;
	__builtin_prefetch(&b->strtab[(uint32_t)hash_bytes(s, len) & b->strtab_mask]);
}

void heap_builder_prefetch_match(const struct heap_builder *b, const char *s, size_t len)
{
	uint32_t h;

	if (!b->strtab || len == 0)
		return;
	h = (uint32_t)hash_bytes(s, len);
	for (size_t i = h & b->strtab_mask, k = 0; k < 4 && b->strtab[i]; i = (i + 1) & b->strtab_mask, k++)
		if ((uint32_t)(b->strtab[i] >> 32) == h) {
			__builtin_prefetch(b->arena + (heap_str_t)b->strtab[i] - 4);
			return;
		}
}

const char *heap_builder_string(const struct heap_builder *b, heap_str_t s, size_t *len)
{
	if (s == 0 || s >= b->arena_len) {
		if (len)
			*len = 0;
		return "";
	}
	if (len)
		*len = str_len_at(b->arena, s);
	return b->arena + s;
}

uint8_t heap_builder_category(struct heap_builder *b, heap_str_t name)
{
	for (uint32_t i = 0; i < b->n_categories; i++)
		if (b->categories[i] == name)
			return (uint8_t)i;
	if (b->n_categories >= 255)
		return 255;
	b->categories[b->n_categories] = name;
	return (uint8_t)b->n_categories++;
}

/* ---- builder ---- */

struct heap_builder *heap_builder_new(void)
{
	struct heap_builder *b = mem_calloc(1, sizeof *b);

	/* The arena starts with the empty string at offset 4 - 4 = 0: a zero
	 * length word at bytes 0..3 would put it at offset 4, so instead offset
	 * 0 is reserved for "" by convention and its length is read as 0 from a
	 * leading NUL.  Layout: [len=0 (4 bytes)] [NUL] then real strings. */
	b->arena_cap = 1 << 16;
	b->arena = mem_alloc(b->arena_cap);
	memset(b->arena, 0, 5);
	b->arena_len = 5;
	b->edges_sorted = 1;
	b->max_generation = HEAP_GEN_UNKNOWN;
	b->categories[0] = 0;
	b->n_categories = 1;
	return b;
}

static void builder_clear(struct heap_builder *b)
{
	struct column *cols[] = {
		&b->id, &b->type, &b->name, &b->size, &b->refcount, &b->flags,
		&b->generation, &b->category, &b->e_from, &b->e_off, &b->e_to, &b->e_name,
		&b->e_kind, &b->roots, &b->locations,
	};

	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
		column_fini(cols[i]);
	free(b->arena);
	b->arena = NULL;
	b->arena_len = b->arena_cap = 0;
	free(b->strtab);
	b->strtab = NULL;
	hmap_fini(&b->ids);
	free(b->dense);
	b->dense = NULL;
	b->dense_n = 0;
	b->id_wide = b->size_wide = 0;
}

void heap_builder_free(struct heap_builder *b)
{
	if (!b)
		return;
	builder_clear(b);
	free(b);
}

void heap_builder_reserve(struct heap_builder *b, uint64_t nodes, uint64_t edges)
{
	if (nodes > HEAP_MAX_NODES)
		nodes = HEAP_MAX_NODES;
	if (edges > 0xffffffffu)
		edges = 0xffffffffu;
	column_grow(&b->id, b->id_wide ? 8 : 4, nodes);
	column_grow(&b->type, 4, nodes);
	column_grow(&b->name, 4, nodes);
	column_grow(&b->size, b->size_wide ? 8 : 4, nodes);
	if (b->refcount.n)
		column_grow(&b->refcount, 8, nodes);
	column_grow(&b->flags, 2, nodes);
	column_grow(&b->generation, 1, nodes);
	column_grow(&b->category, 1, nodes);
	if (b->edges_sorted)
		column_grow(&b->e_off, 4, nodes + 1);
	else
		column_grow(&b->e_from, 4, edges);
	column_grow(&b->e_to, 4, edges);
	column_grow(&b->e_name, 4, edges);
	column_grow(&b->e_kind, 1, edges);
}

heap_node_t heap_builder_add_node(struct heap_builder *b, const struct heap_node_rec *rec,
				  struct error *err)
{
	if (b->id.n >= HEAP_MAX_NODES) {
		error_set(err, "more than %u objects: heapglass indexes objects with 32 bits",
			  (unsigned)HEAP_MAX_NODES);
		return HEAP_NONE;
	}
	if (rec->size > HEAP_MAX_TOTAL_SIZE - b->total_size) {
		error_set(err, "object sizes add up to more than 2^63-1 bytes (object %llu: %llu bytes, "
			  "after %llu bytes before it): no heap is that big, and totals would wrap",
			  (unsigned long long)rec->id, (unsigned long long)rec->size,
			  (unsigned long long)b->total_size);
		return HEAP_NONE;
	}
	if (!b->id_wide && rec->id > UINT32_MAX) {
		column_widen(&b->id);
		b->id_wide = 1;
	}
	if (b->id_wide)
		push_u64(&b->id, rec->id);
	else
		push_u32(&b->id, (uint32_t)rec->id);
	push_u32(&b->type, rec->type);
	push_u32(&b->name, rec->name);
	if (!b->size_wide && rec->size >= HEAP_SIZE_BIG)
		heap_builder_widen_sizes(b);
	if (b->size_wide)
		push_u64(&b->size, rec->size);
	else
		push_u32(&b->size, (uint32_t)rec->size);
	/* The refcount column stays empty until a node has a refcount, so
	 * formats without refcounts never touch its memory (see freeze). */
	if (b->refcount.n || rec->refcount != 0 || (rec->flags & HEAP_F_HAS_REFCOUNT)) {
		size_t before = b->id.n - 1;	/* nodes added before this one */
		if (b->refcount.n < before) {
			column_grow(&b->refcount, 8, before + 1);
			memset(b->refcount.data, 0, before * 8);
			b->refcount.n = before;
		}
		push_u64(&b->refcount, (uint64_t)rec->refcount);
	}
	push_u16(&b->flags, rec->flags);
	push_u8(&b->generation, rec->generation);
	push_u8(&b->category, rec->category);
	b->total_size += rec->size;
	if (rec->generation != HEAP_GEN_UNKNOWN &&
	    (b->max_generation == HEAP_GEN_UNKNOWN || rec->generation > b->max_generation))
		b->max_generation = rec->generation;
	return (heap_node_t)(b->id.n - 1);
}

uint32_t heap_builder_count(const struct heap_builder *b)
{
	return (uint32_t)b->id.n;
}

uint64_t heap_builder_node_id(const struct heap_builder *b, heap_node_t v)
{
	return b->id_wide ? ((const uint64_t *)b->id.data)[v] : ((const uint32_t *)b->id.data)[v];
}

void heap_builder_widen_sizes(struct heap_builder *b)
{
	if (b->size_wide)
		return;
	column_widen(&b->size);
	b->size_wide = 1;
}

int heap_builder_index(struct heap_builder *b, heap_node_t *dup_a, heap_node_t *dup_b)
{
	uint64_t lo = UINT64_MAX, hi = 0;

	hmap_fini(&b->ids);
	free(b->dense);
	b->dense = NULL;
	b->dense_n = 0;
	for (size_t v = 0; v < b->id.n; v++) {
		lo = heap_builder_node_id(b, (heap_node_t)v) < lo ? heap_builder_node_id(b, (heap_node_t)v) : lo;
		hi = heap_builder_node_id(b, (heap_node_t)v) > hi ? heap_builder_node_id(b, (heap_node_t)v) : hi;
	}
	if (b->id.n && hi - lo < (uint64_t)b->id.n * DENSE_SPAN) {
		b->dense_lo = lo;
		b->dense_n = hi - lo + 1;
		b->dense = mem_alloc(b->dense_n * sizeof *b->dense);
		memset(b->dense, 0xff, b->dense_n * sizeof *b->dense);	/* HEAP_NONE */
		for (size_t v = 0; v < b->id.n; v++) {
			uint32_t *slot = &b->dense[heap_builder_node_id(b, (heap_node_t)v) - lo];
			if (*slot != HEAP_NONE) {
				*dup_a = *slot;
				*dup_b = (heap_node_t)v;
				return -1;
			}
			*slot = (uint32_t)v;
		}
		return 0;
	}
	hmap_init(&b->ids, b->id.n);
	for (size_t v = 0; v < b->id.n; v++) {
		uint32_t first = hmap_add(&b->ids, heap_builder_node_id(b, (heap_node_t)v), (uint32_t)v);
		if (first != HMAP_NONE) {
			*dup_a = first;
			*dup_b = (heap_node_t)v;
			return -1;
		}
	}
	return 0;
}

void heap_builder_prefetch_id(const struct heap_builder *b, uint64_t id)
{
	if (b->dense) {
		if (id - b->dense_lo < b->dense_n)
			__builtin_prefetch(&b->dense[id - b->dense_lo]);
		return;
	}
	hmap_prefetch(&b->ids, id);
}

heap_node_t heap_builder_find(const struct heap_builder *b, uint64_t id)
{
	uint32_t v;

	if (b->dense)
		return id - b->dense_lo < b->dense_n ? b->dense[id - b->dense_lo] : HEAP_NONE;
	v = hmap_get(&b->ids, id);

	return v == HMAP_NONE ? HEAP_NONE : v;
}

void heap_builder_unknown_ref(struct heap_builder *b)
{
	b->unknown_refs++;
}

/* Leaves the offsets mode: the sources of the edges so far, one per edge,
 * into e_from. */
static void edges_unsort(struct heap_builder *b)
{
	size_t m = b->e_to.n, k = b->e_off.n;
	const uint32_t *off = b->e_off.data;
	uint32_t *from;

	column_grow(&b->e_from, 4, b->e_to.cap > m + 1 ? b->e_to.cap : m + 1);
	from = b->e_from.data;
	for (size_t v = 0; v < k; v++) {
		size_t end = v + 1 < k ? off[v + 1] : m;
		for (size_t e = off[v]; e < end; e++)
			from[e] = (uint32_t)v;
	}
	b->e_from.n = m;
	column_fini(&b->e_off);
	b->edges_sorted = 0;
}

heap_node_t heap_builder_edge_from(const struct heap_builder *b, size_t e)
{
	const uint32_t *off = b->e_off.data;
	size_t lo = 0, hi = b->e_off.n;

	if (!b->edges_sorted)
		return ((const uint32_t *)b->e_from.data)[e];
	/* the last source whose edges start at or before e */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (off[mid] <= e)
			lo = mid;
		else
			hi = mid;
	}
	return (heap_node_t)lo;
}

int heap_builder_add_edge(struct heap_builder *b, heap_node_t from, heap_node_t to,
			  enum heap_edge_kind kind, uint32_t name, struct error *err)
{
	if (from >= b->id.n || to >= b->id.n)
		return error_set(err, "reference %u -> %u names an object that does not exist",
				 (unsigned)from, (unsigned)to);
	if (b->e_to.n >= 0xfffffff0u)
		return error_set(err, "more than 4294967280 references");
	if (b->edges_sorted) {
		if (from + (size_t)1 < b->e_off.n)
			edges_unsort(b);
		else
			while (b->e_off.n <= from)
				push_u32(&b->e_off, (uint32_t)b->e_to.n);
	}
	if (!b->edges_sorted)
		push_u32(&b->e_from, from);
	push_u32(&b->e_to, to);
	push_u32(&b->e_name, name);
	push_u8(&b->e_kind, (uint8_t)kind);
	return 0;
}

int heap_builder_add_root(struct heap_builder *b, heap_node_t node, heap_str_t kind,
			  struct error *err)
{
	struct heap_root r = { node, kind };

	if (node >= b->id.n)
		return error_set(err, "root %u names an object that does not exist", (unsigned)node);
	column_grow(&b->roots, sizeof r, b->roots.n + 1);
	((struct heap_root *)b->roots.data)[b->roots.n++] = r;
	((uint16_t *)b->flags.data)[node] |= HEAP_F_ROOT;
	return 0;
}

int heap_builder_add_location(struct heap_builder *b, heap_node_t node, uint32_t line, uint32_t column,
			      struct error *err)
{
	struct heap_location l = { node, line, column };

	if (node >= b->id.n)
		return error_set(err, "location of object %u, which does not exist", (unsigned)node);
	column_grow(&b->locations, sizeof l, b->locations.n + 1);
	((struct heap_location *)b->locations.data)[b->locations.n++] = l;
	return 0;
}

static int location_cmp(const void *pa, const void *pb)
{
	const struct heap_location *a = pa, *b = pb;

	return a->node < b->node ? -1 : a->node > b->node;
}

void heap_builder_view(struct heap_builder *b, struct heap_builder_view *v)
{
	v->n_nodes = (uint32_t)b->id.n;
	v->n_edges = b->e_to.n;
	v->type = b->type.data;
	v->name = b->name.data;
	v->size32 = b->size_wide ? NULL : b->size.data;
	v->size64 = b->size_wide ? b->size.data : NULL;
	v->id32 = b->id_wide ? NULL : b->id.data;
	v->id64 = b->id_wide ? b->id.data : NULL;
	v->flags = b->flags.data;
	v->category = b->category.data;
	v->edge_off = b->edges_sorted ? b->e_off.data : NULL;
	v->edge_to = b->e_to.data;
	v->edge_name = b->e_name.data;
	v->edge_kind = b->e_kind.data;
}

/* ---- freezing ---- */

/* Sorts edges by source with a stable counting sort (keeps each source's
 * edge order), when the loader did not add them in source order. */
static void sort_edges(struct heap_builder *b, uint32_t n, const uint32_t *off)
{
	size_t m = b->e_from.n;
	const uint32_t *from = b->e_from.data;
	uint32_t *pos = mem_alloc(((size_t)n + 1) * sizeof *pos);
	uint32_t *to = mem_alloc(m * 4 + 1), *name = mem_alloc(m * 4 + 1);
	uint8_t *kind = mem_alloc(m + 1);

	memcpy(pos, off, ((size_t)n + 1) * sizeof *pos);
	for (size_t e = 0; e < m; e++) {
		uint32_t p = pos[from[e]]++;
		to[p] = ((uint32_t *)b->e_to.data)[e];
		name[p] = ((uint32_t *)b->e_name.data)[e];
		kind[p] = ((uint8_t *)b->e_kind.data)[e];
	}
	free(pos);
	free(b->e_to.data);
	free(b->e_name.data);
	free(b->e_kind.data);
	b->e_to.data = to;
	b->e_name.data = name;
	b->e_kind.data = kind;
	b->e_to.cap = b->e_name.cap = b->e_kind.cap = m;
}

/* Merges the sorted runs a[bound[k] .. bound[k + 1]) pairwise into t until
 * one is left; returns the array that holds it (a or t). */
static heap_node_t *merge_runs(const struct heap *h, heap_node_t *a, heap_node_t *t,
			       uint32_t *bound, uint32_t runs)
{
	while (runs > 1) {
		uint32_t k, out = 0;
		for (k = 0; k + 1 < runs; k += 2) {
			uint32_t i = bound[k], j = bound[k + 1], mid = j, end = bound[k + 2], o = i;
			while (i < mid && j < end)
				t[o++] = heap_id(h, a[j]) < heap_id(h, a[i]) ? a[j++] : a[i++];
			while (i < mid)
				t[o++] = a[i++];
			while (j < end)
				t[o++] = a[j++];
			bound[out++] = bound[k];
		}
		if (k < runs) {	/* an odd run out: copied as it is */
			memcpy(t + bound[k], a + bound[k], (bound[k + 1] - bound[k]) * sizeof *a);
			bound[out++] = bound[k];
		}
		bound[out] = bound[runs];
		runs = out;
		{
			heap_node_t *s = a;
			a = t;
			t = s;
		}
	}
	return a;
}

enum {
	FEW_RUNS = 64,		/* merged; more are radix-sorted */
	AHEAD = 16,		/* references a scatter prefetches ahead */
	PREFAULT_MIN_REFS = 1 << 16	/* fewer references: no thread to fault in ahead */
};

/* Node indexes in id order, NULL when the ids ascend already.  Loaders
 * mostly write ids in ascending runs (V8: three; HPROF: a few hundred), so
 * a few runs are merged (a pass or two, in order); otherwise an LSD radix
 * sort, 16 bits a pass. */
static heap_node_t *sort_by_id(const struct heap *h)
{
	uint32_t n = h->n_nodes;
	heap_node_t *a, *t;
	size_t *count;
	uint32_t bound[FEW_RUNS + 1], runs = 1;

	bound[0] = 0;
	for (uint32_t v = 1; v < n && runs <= FEW_RUNS; v++)
		if (heap_id(h, v - 1) > heap_id(h, v) && runs++ < FEW_RUNS)
			bound[runs - 1] = v;
	if (runs == 1)
		return NULL;
	a = mem_alloc((size_t)n * sizeof *a);
	t = mem_alloc((size_t)n * sizeof *t);
	for (uint32_t v = 0; v < n; v++)
		a[v] = v;
	if (runs <= FEW_RUNS) {
		heap_node_t *r;
		bound[runs] = n;
		r = merge_runs(h, a, t, bound, runs);
		free(r == a ? t : a);
		return r;
	}
	count = mem_alloc(65536 * sizeof *count);
	for (int shift = 0; shift < 64; shift += 16) {
		size_t sum = 0;
		memset(count, 0, 65536 * sizeof *count);
		for (uint32_t v = 0; v < n; v++)
			count[(heap_id(h, v) >> shift) & 0xffff]++;
		if (count[(heap_id(h, 0) >> shift) & 0xffff] == n)
			continue;
		for (size_t d = 0; d < 65536; d++) {
			size_t c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (uint32_t i = 0; i < n; i++)
			t[count[(heap_id(h, a[i]) >> shift) & 0xffff]++] = a[i];
		{
			heap_node_t *s = a;
			a = t;
			t = s;
		}
	}
	free(t);
	free(count);
	return a;
}

/* A column of n 64-bit values as 32-bit ones, in the same memory (value i
 * is read before the 32-bit slot i, which lies below it, is written), the
 * rest given back. */
static uint32_t *narrow(struct column *c, uint64_t base, uint32_t big)
{
	unsigned char *p = c->data;
	size_t n = c->n;

	/* bytes, not two types of pointer to the same memory (aliasing) */
	for (size_t i = 0; i < n; i++) {
		uint64_t x;
		uint32_t y;
		memcpy(&x, p + 8 * i, 8);
		x -= base;
		y = x < big ? (uint32_t)x : big;
		memcpy(p + 4 * i, &y, 4);
	}
	c->n = (n + 1) / 2;	/* the 8-byte elements the 32-bit values fill */
	return column_take(c, 8);
}

/* Value i of an id or size column of 32 (wide 0) or 64-bit values. */
static uint64_t column_get(const struct column *c, int wide, size_t i)
{
	return wide ? ((const uint64_t *)c->data)[i] : ((const uint32_t *)c->data)[i];
}

/* The end of the run of ids that starts at node s (heap.h): as far as the
 * step from s to s + 1 repeats. */
static size_t id_run_end(const struct column *c, int wide, size_t s, uint64_t *stride)
{
	size_t n = c->n, e = s + 1;

	*stride = 0;
	if (e < n) {
		*stride = column_get(c, wide, e) - column_get(c, wide, s);
		for (e++; e < n && column_get(c, wide, e) - column_get(c, wide, e - 1) == *stride; e++)
			;
	}
	return e;
}

/* The ids as runs, when there is at most one run for 64 nodes; then the
 * column is given back.  Returns whether it did.  Two passes: a count,
 * given up as soon as the limit is passed, then the runs. */
static int take_id_runs(struct heap *h, struct column *c, int wide)
{
	size_t n = c->n, max = n / 64, nr = 0, r = 0, nb = ((n - 1) >> HEAP_ID_BLOCK_BITS) + 1;
	uint64_t stride;

	if (n < 64)
		return 0;
	for (size_t s = 0, e; s < n; s = e) {
		e = id_run_end(c, wide, s, &stride);
		if (++nr > max)
			return 0;
	}
	h->id_runs = mem_alloc(nr * sizeof *h->id_runs);
	h->id_block = mem_alloc((nb + 1) * sizeof *h->id_block);
	h->id_block[nb] = (uint32_t)nr - 1;
	h->n_id_runs = (uint32_t)nr;
	for (size_t s = 0, e; s < n; s = e, r++) {
		e = id_run_end(c, wide, s, &stride);
		h->id_runs[r] = (struct heap_id_run){ column_get(c, wide, s), stride, (heap_node_t)s };
		for (size_t b = (s + (1u << HEAP_ID_BLOCK_BITS) - 1) >> HEAP_ID_BLOCK_BITS;
		     (b << HEAP_ID_BLOCK_BITS) < e; b++)
			h->id_block[b] = (uint32_t)r;
	}
	column_fini(c);
	return 1;
}

/* The id column: runs where the ids go in steps (take_id_runs), else 32
 * bits over the lowest id when the ids span less than 2^32 (V8's, most
 * dumps' addresses), else as it is. */
static void take_ids(struct heap *h, struct column *c, int wide)
{
	const uint64_t *ids = c->data;
	uint64_t lo = UINT64_MAX, hi = 0;

	if (take_id_runs(h, c, wide))
		return;
	if (!wide) {
		/* 32 bits already: over the lowest, in place */
		uint32_t *id = c->data, lo32 = UINT32_MAX;
		for (size_t v = 0; v < c->n; v++)
			lo32 = id[v] < lo32 ? id[v] : lo32;
		h->id_base = c->n ? lo32 : 0;
		if (h->id_base)
			for (size_t v = 0; v < c->n; v++)
				id[v] -= lo32;
		h->id32 = column_take(c, 4);
		return;
	}

	for (size_t v = 0; v < c->n; v++) {
		lo = ids[v] < lo ? ids[v] : lo;
		hi = ids[v] > hi ? ids[v] : hi;
	}
	if (c->n == 0 || hi - lo <= UINT32_MAX) {
		h->id_base = c->n ? lo : 0;
		h->id32 = narrow(c, h->id_base, UINT32_MAX);
	} else {
		h->id64 = column_take(c, 8);
	}
}

/* The side table of the sizes of `big` or more (k of them). */
static void take_big_sizes(struct heap *h, const struct column *c, int wide, uint64_t big, uint32_t k)
{
	h->n_big_sizes = k;
	if (!k)
		return;
	h->big_sizes = mem_alloc((size_t)k * sizeof *h->big_sizes);
	k = 0;
	for (size_t v = 0; v < c->n; v++) {
		uint64_t x = column_get(c, wide, v);
		if (x >= big)
			h->big_sizes[k++] = (struct heap_big_size){ (heap_node_t)v, x };
	}
}

/* The size column: 16 bits when at most one node in 64 has 64 KiB or more
 * (the others in the side table), else 32 bits, the sizes of 4 GiB or more
 * in the side table. */
static void take_sizes(struct heap *h, struct column *c, int wide)
{
	size_t n = c->n, big16 = 0;
	uint32_t k = 0;
	unsigned char *p = c->data;

	for (size_t v = 0; v < n && big16 <= n / 64; v++)
		big16 += column_get(c, wide, v) >= HEAP_SIZE16_BIG;
	if (n && big16 <= n / 64) {
		take_big_sizes(h, c, wide, HEAP_SIZE16_BIG, (uint32_t)big16);
		/* in place, as narrow() does: value i is read before the 16-bit
		 * slot i, which lies below it, is written */
		for (size_t v = 0; v < n; v++) {
			uint64_t x = column_get(c, wide, v);
			uint16_t y = x < HEAP_SIZE16_BIG ? (uint16_t)x : HEAP_SIZE16_BIG;
			memcpy(p + 2 * v, &y, 2);
		}
		c->n = (n + 3) / 4;	/* the 8-byte elements the 16-bit values fill */
		h->size16 = column_take(c, 8);
		return;
	}
	if (!wide) {	/* 32 bits, none HEAP_SIZE_BIG: as it is */
		h->size32 = column_take(c, 4);
		return;
	}
	for (size_t v = 0; v < n; v++)
		k += column_get(c, wide, v) >= HEAP_SIZE_BIG;
	take_big_sizes(h, c, wide, HEAP_SIZE_BIG, k);
	h->size32 = narrow(c, 0, HEAP_SIZE_BIG);
}

static int ids_ascend(const struct heap *h)
{
	for (uint32_t v = 1; v < h->n_nodes; v++)
		if (heap_id(h, v - 1) > heap_id(h, v))
			return 0;
	return 1;
}

/* The in CSR's build (heap_builder_freeze), on two threads where there is
 * enough of it: the references split in two halves by source, each half
 * read once, by one thread.  A target's sources from the first half go
 * first in its in-list and those from the second after them, where the
 * second half's own cursors start (so the lists are in source order, as
 * one thread makes them); the second thread sets its bits in bitmaps of
 * its own, ORed in afterwards, since the two halves' bits share words.
 * (An earlier split by target, each thread reading every reference, cost
 * 15-40 % more CPU for no wall time: bench/v8/results-2026-12-07.txt.) */
struct csr_job {
	struct heap *h;
	const uint16_t *flags;
	const uint8_t *kind;
	const uint64_t *nu;		/* bit per node: HEAP_F_NOT_USER */
	heap_node_t v0, v1;		/* the sources placed: [v0, v1) */
	uint32_t *cnt;			/* counts, then cursors: cnt[w] for target w */
	uint64_t *out_kinds, *out_meta, *out_user, *in_retains, *in_user;
	uint64_t meta;			/* csr_place's count of meta references */
};

enum {
	CSR_SPLIT_MIN_REFS = 1 << 20	/* fewer references: one thread */
};

/* Counts the in-edges of the job's sources' references into cnt[w]. */
static void *csr_count(void *arg)
{
	struct csr_job *j = arg;
	const heap_node_t *to = j->h->out_to;
	uint32_t *cnt = j->cnt, e0 = j->h->out_off[j->v0], e1 = j->h->out_off[j->v1];

	for (uint32_t e = e0; e < e1; e++) {
		if (e + AHEAD < e1)
			__builtin_prefetch(&cnt[to[e + AHEAD]], 1);
		cnt[to[e]]++;
	}
	return NULL;
}

/* Places the in-edges of the job's sources (cnt[w] is w's cursor): the
 * sources and the retains and user bits; and the out bits (kind, meta,
 * user). */
static void *csr_place(void *arg)
{
	struct csr_job *j = arg;
	struct heap *h = j->h;
	const heap_node_t *to = h->out_to;
	const uint16_t *flags = j->flags;
	const uint8_t *kind = j->kind;
	const uint64_t *nu = j->nu;
	uint64_t *in_retains = j->in_retains, *in_user = j->in_user;
	uint32_t *cur = j->cnt, m = h->out_off[j->v1];
	uint64_t meta = 0;

	for (uint32_t v = j->v0; v < j->v1; v++) {
		int v_user = !(flags[v] & HEAP_F_NOT_USER);

		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
			heap_node_t w = to[e];
			uint8_t k = kind[e] & ~HEAP_EDGE_META;
			int is_meta = (kind[e] & HEAP_EDGE_META) != 0;
			int retains = heap_edge_retains(k, flags[v]);
			int user;
			uint32_t p;

			if (e + 2 * AHEAD < m)
				__builtin_prefetch(&cur[to[e + 2 * AHEAD]], 1);
			if (e + AHEAD < m) {
				heap_node_t x = to[e + AHEAD];
				uint32_t q = cur[x];
				/* the target's bit: 1/512 of the nodes'
				 * memory, still megabytes */
				__builtin_prefetch(&nu[x / 64]);
				__builtin_prefetch(&h->in_from[q], 1);
				__builtin_prefetch(&in_retains[q / 64], 1);
				__builtin_prefetch(&in_user[q / 64], 1);
			}
			user = retains && v_user && !is_meta && !((nu[w / 64] >> (w % 64)) & 1);
			j->out_kinds[e / 32] |= (uint64_t)(k & 3) << (e % 32 * 2);
			meta += is_meta;
			if (is_meta)
				j->out_meta[e / 64] |= (uint64_t)1 << (e % 64);
			p = cur[w]++;
			h->in_from[p] = v;
			if (retains)
				in_retains[p / 64] |= (uint64_t)1 << (p % 64);
			if (user) {
				j->out_user[e / 64] |= (uint64_t)1 << (e % 64);
				in_user[p / 64] |= (uint64_t)1 << (p % 64);
			}
		}
	}
	j->meta = meta;
	return NULL;
}

/* a[k] |= b[k] for k in [from, to) */
static void or_words(uint64_t *a, const uint64_t *b, size_t from, size_t to)
{
	for (size_t k = from; k < to; k++)
		a[k] |= b[k];
}

/* The in CSR by counting targets: in_off[w + 2] counts w's in-edges (the
 * first half's: the second counts its own into b->cnt), so after the sums
 * in_off[w + 1] is where w's sources start, and it serves as w's cursor
 * while they are placed; placed, it is where they end, which is where
 * w + 1's start: the offsets, with no second array of n cursors (but for
 * the second half's).  The targets are in no order: each reference costs a
 * cache miss on the cursor and one on the slot, which the loops prefetch a
 * fixed distance ahead so that the misses overlap (on a heap of tens of
 * millions of objects a miss that waits for the one before costs more
 * than all the rest of the work).  Returns the meta references. */
static uint64_t csr_build(struct heap *h, const uint16_t *flags, const uint8_t *kind,
			  const uint64_t *nu)
{
	uint32_t n = h->n_nodes, m = h->n_edges, mid = n;
	size_t words = (size_t)m / 64 + 1, kwords = (size_t)m / 32 + 1;
	struct csr_job a = { .h = h, .flags = flags, .kind = kind, .nu = nu, .v0 = 0,
			     .cnt = h->in_off + 2, .out_kinds = h->out_kinds, .out_meta = h->out_meta,
			     .out_user = h->out_user, .in_retains = h->in_retains, .in_user = h->in_user };
	struct csr_job b = a;
	struct worker w = { .started = 0 };
	int split = m >= CSR_SPLIT_MIN_REFS;

	if (split) {
		/* the first source whose references start past the middle */
		uint32_t lo = 0, hi = n;
		while (lo < hi) {
			uint32_t c = lo + (hi - lo) / 2;
			if (h->out_off[c] < m / 2)
				lo = c + 1;
			else
				hi = c;
		}
		mid = lo;
		b.v0 = mid;
		b.cnt = mem_calloc((size_t)n + 1, sizeof *b.cnt);
		advise_huge(b.cnt, ((size_t)n + 1) * sizeof *b.cnt);
		/* untouched pages of a calloc cost nothing: the out bits are
		 * written only in the second half */
		b.out_kinds = mem_calloc(kwords, sizeof *b.out_kinds);
		b.out_meta = h->out_meta ? mem_calloc(words, sizeof *b.out_meta) : NULL;
		b.out_user = mem_calloc(words, sizeof *b.out_user);
		b.in_retains = mem_calloc(words, sizeof *b.in_retains);
		b.in_user = mem_calloc(words, sizeof *b.in_user);
		advise_huge(b.in_retains, words * 8);
		advise_huge(b.in_user, words * 8);
	}
	a.v1 = mid;
	b.v1 = n;
	if (split)
		worker_run(&w, 1, csr_count, &b);
	csr_count(&a);
	worker_join(&w);
	if (split)
		for (uint32_t v = 0; v < n; v++)
			h->in_off[v + 2] += b.cnt[v];
	for (uint32_t v = 1; v < n; v++)
		h->in_off[v + 1] += h->in_off[v];
	a.cnt = h->in_off + 1;
	if (split) {
		/* the second half's sources of w go last: its cursor is w's
		 * end less their count */
		for (uint32_t v = 0; v + 1 < n; v++)
			b.cnt[v] = h->in_off[v + 2] - b.cnt[v];
		b.cnt[n - 1] = m - b.cnt[n - 1];	/* (in_off[n + 1] holds a count) */
		worker_run(&w, 1, csr_place, &b);
	}
	csr_place(&a);
	worker_join(&w);
	if (split) {
		size_t e0 = h->out_off[mid];
		/* each w's first-half cursor stopped where its second half starts */
		memcpy(h->in_off + 1, b.cnt, (size_t)n * sizeof *b.cnt);
		or_words(h->out_kinds, b.out_kinds, e0 / 32, kwords);
		if (h->out_meta)
			or_words(h->out_meta, b.out_meta, e0 / 64, words);
		or_words(h->out_user, b.out_user, e0 / 64, words);
		or_words(h->in_retains, b.in_retains, 0, words);
		or_words(h->in_user, b.in_user, 0, words);
		free(b.cnt);
		free(b.out_kinds);
		free(b.out_meta);
		free(b.out_user);
		free(b.in_retains);
		free(b.in_user);
	}
	return a.meta + b.meta;
}

struct heap *heap_builder_freeze(struct heap_builder *b, struct error *err)
{
	struct heap *h;
	uint32_t n = (uint32_t)b->id.n;
	uint32_t m = (uint32_t)b->e_to.n;
	struct prefault pf;

	(void)err;
	prefault_init(&pf);
	h = mem_calloc(1, sizeof *h);
	h->n_nodes = n;
	h->n_edges = m;
	h->n_roots = (uint32_t)b->roots.n;
	/* first, so that the CSRs are built in the memory they give back */
	take_ids(h, &b->id, b->id_wide);
	take_sizes(h, &b->size, b->size_wide);

	if (b->edges_sorted) {
		/* the offsets as the edges came: the sources past the last
		 * one with edges start (and end) at m */
		column_grow(&b->e_off, 4, (size_t)n + 1);
		for (size_t v = b->e_off.n; v <= n; v++)
			((uint32_t *)b->e_off.data)[v] = m;
		b->e_off.n = (size_t)n + 1;
		h->out_off = column_take(&b->e_off, 4);
	} else {
		/* out offsets by counting sources */
		const uint32_t *from = b->e_from.data;
		h->out_off = mem_calloc((size_t)n + 1, sizeof *h->out_off);
		advise_huge(h->out_off, ((size_t)n + 1) * sizeof *h->out_off);
		for (uint32_t e = 0; e < m; e++)
			h->out_off[from[e] + 1]++;
		for (uint32_t v = 0; v < n; v++)
			h->out_off[v + 1] += h->out_off[v];
		sort_edges(b, n, h->out_off);
	}

	h->out_to = column_take(&b->e_to, 4);
	h->out_name = column_take(&b->e_name, 4);

	h->in_off = mem_calloc((size_t)n + 2, sizeof *h->in_off);
	advise_huge(h->in_off, ((size_t)n + 2) * sizeof *h->in_off);
	/* The sources, when stored, are spent: their pages, already faulted
	 * in, take the in-edge sources (fresh pages cost a fault and zeroing
	 * each). */
	if (b->edges_sorted) {
		h->in_from = mem_alloc((size_t)m * 4 + 4);
		advise_huge(h->in_from, (size_t)m * 4);
	} else {
		h->in_from = column_take(&b->e_from, 4);
	}
	/* bits per reference, set at random (in_*) and tested at random by
	 * every walk: huge pages, or a bitmap of tens of megabytes misses the
	 * TLB on each */
	h->in_retains = mem_calloc((size_t)m / 64 + 1, sizeof *h->in_retains);
	advise_huge(h->in_retains, ((size_t)m / 64 + 1) * sizeof *h->in_retains);
	h->out_user = mem_calloc((size_t)m / 64 + 1, sizeof *h->out_user);
	advise_huge(h->out_user, ((size_t)m / 64 + 1) * sizeof *h->out_user);
	h->in_user = mem_calloc((size_t)m / 64 + 1, sizeof *h->in_user);
	advise_huge(h->in_user, ((size_t)m / 64 + 1) * sizeof *h->in_user);
	/* untouched pages of a calloc cost nothing: freed below if no
	 * reference is meta */
	h->out_meta = mem_calloc((size_t)m / 64 + 1, sizeof *h->out_meta);
	h->out_kinds = mem_calloc((size_t)m / 32 + 1, sizeof *h->out_kinds);
	advise_huge(h->out_kinds, ((size_t)m / 32 + 1) * sizeof *h->out_kinds);
	/* What the placing writes is faulted in on another core meanwhile
	 * (graph/core/worker.h): the kernel zeroes fresh memory at about
	 * 1 GB/s on this class of machine, on the writer's time otherwise. */
	if (m >= PREFAULT_MIN_REFS) {
		size_t words = (size_t)m / 64 + 1;
		prefault_add(&pf, h->in_off, ((size_t)n + 2) * sizeof *h->in_off, 0);
		if (b->edges_sorted)
			prefault_add(&pf, h->in_from, (size_t)m * 4, 1);
		prefault_add(&pf, h->in_retains, words * 8, 1);
		prefault_add(&pf, h->in_user, words * 8, 1);
		prefault_add(&pf, h->out_user, words * 8, 1);
		prefault_add(&pf, h->out_kinds, ((size_t)m / 32 + 1) * 8, 1);
		prefault_start(&pf);
	}
	{
		const uint16_t *flags = b->flags.data;
		/* a bit per node for "not in the user graph": the flag a
		 * reference's target is tested for, in 1/16 of the memory */
		uint64_t *nu = mem_calloc((size_t)n / 64 + 1, sizeof *nu);
		uint32_t not_user = 0;
		uint64_t meta;

		advise_huge(nu, ((size_t)n / 64 + 1) * sizeof *nu);
		for (uint32_t v = 0; v < n; v++)
			if (flags[v] & HEAP_F_NOT_USER) {
				nu[v / 64] |= (uint64_t)1 << (v % 64);
				not_user++;
			}
		meta = csr_build(h, flags, b->e_kind.data, nu);
		free(nu);
		column_fini(&b->e_kind);
		if (!meta) {
			free(h->out_meta);
			h->out_meta = NULL;
		}
		h->meta_refs = meta;
		h->not_user_nodes = not_user;
	}
	prefault_join(&pf);

	h->type = column_take(&b->type, 4);
	h->name = column_take(&b->name, 4);
	h->refcount = b->refcount.n ? column_take(&b->refcount, 8) : NULL;
	column_fini(&b->refcount);
	h->flags = column_take(&b->flags, 2);
	h->generation = column_take(&b->generation, 1);
	h->category = column_take(&b->category, 1);
	h->roots = column_take(&b->roots, sizeof(struct heap_root));
	if (b->locations.n) {
		/* sorted by node, one per node */
		struct heap_location *l = b->locations.data;
		size_t k = 0, sorted = 1;
		while (sorted < b->locations.n && l[sorted - 1].node < l[sorted].node)
			sorted++;
		if (sorted < b->locations.n)	/* V8 writes them in node order */
			qsort(l, b->locations.n, sizeof *l, location_cmp);
		for (size_t i = 0; i < b->locations.n; i++)
			if (!k || l[k - 1].node != l[i].node)
				l[k++] = l[i];
		b->locations.n = k;
		h->n_locations = (uint32_t)k;
		h->locations = column_take(&b->locations, sizeof *l);
	}
	column_fini(&b->locations);
	h->ids_ascend = ids_ascend(h);

	memcpy(h->categories, b->categories, sizeof h->categories);
	h->n_categories = b->n_categories;
	h->strings = mem_realloc_array(b->arena, b->arena_len, 1);
	h->strings_len = b->arena_len;
	b->arena = NULL;
	h->unknown_refs = b->unknown_refs;
	h->total_size = b->total_size;
	h->max_generation = b->max_generation;
	h->format = "";

	builder_clear(b);
	/* leave the builder reusable-but-empty: a fresh arena */
	b->arena_cap = 1 << 12;
	b->arena = mem_alloc(b->arena_cap);
	memset(b->arena, 0, 5);
	b->arena_len = 5;
	b->edges_sorted = 1;
	b->unknown_refs = 0;
	b->total_size = 0;
	b->max_generation = HEAP_GEN_UNKNOWN;
	return h;
}

/* ---- the frozen heap ---- */

struct heap *heap_regenerate(const struct heap *h, const uint8_t *gen, uint8_t max_gen)
{
	struct heap *d = mem_alloc(sizeof *d);

	memcpy(d, h, sizeof *d);
	atomic_init(&d->in_edge_memo, NULL);
	atomic_init(&d->id_order_memo, NULL);
	d->generation = mem_alloc(h->n_nodes ? h->n_nodes : 1);
	memcpy(d->generation, gen, h->n_nodes);
	d->max_generation = max_gen;
	d->borrowed = h;
	return d;
}

void heap_free(struct heap *h)
{
	if (!h)
		return;
	if (h->borrowed) {
		free(h->generation);
		free(atomic_load(&h->in_edge_memo));
		free(atomic_load(&h->id_order_memo));
		free(h);
		return;
	}
	free(h->id32);
	free(h->id64);
	free(h->id_runs);
	free(h->id_block);
	free(h->type);
	free(h->name);
	free(h->size16);
	free(h->size32);
	free(h->big_sizes);
	free(h->refcount);
	free(h->flags);
	free(h->generation);
	free(h->category);
	free(h->out_off);
	free(h->out_to);
	free(h->out_name);
	free(h->out_kinds);
	free(h->in_off);
	free(h->in_from);
	free(h->in_retains);
	free(h->out_user);
	free(h->in_user);
	free(h->out_meta);
	free(atomic_load(&h->in_edge_memo));
	free(h->roots);
	free(h->locations);
	free(atomic_load(&h->id_order_memo));
	free(h->strings);
	free(h);
}

const char *heap_string(const struct heap *h, heap_str_t s, size_t *len)
{
	if (s == 0 || s >= h->strings_len) {
		if (len)
			*len = 0;
		return "";
	}
	if (len)
		*len = str_len_at(h->strings, s);
	return h->strings + s;
}

/* The record of node v in n records of `stride` bytes sorted by node, a
 * heap_node_t first in each (struct heap_location, struct heap_big_size),
 * or NULL.  O(log n). */
static const void *find_record(const void *base, size_t stride, uint32_t n, heap_node_t v)
{
	const unsigned char *r = base;
	uint32_t lo = 0, hi = n;
	heap_node_t x;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		memcpy(&x, r + (size_t)mid * stride, sizeof x);
		if (x < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == n)
		return NULL;
	memcpy(&x, r + (size_t)lo * stride, sizeof x);
	return x == v ? r + (size_t)lo * stride : NULL;
}

const struct heap_location *heap_location_of(const struct heap *h, heap_node_t v)
{
	return find_record(h->locations, sizeof *h->locations, h->n_locations, v);
}

uint64_t heap_size_big(const struct heap *h, heap_node_t v)
{
	const struct heap_big_size *b = find_record(h->big_sizes, sizeof *h->big_sizes, h->n_big_sizes, v);

	return b ? b->size : HEAP_SIZE_BIG;
}

const heap_node_t *heap_id_order(const struct heap *h)
{
	/* A cache on a heap allocated non-const, as heap_in_edges()'s; a
	 * regenerated heap has its owner's ids, so its owner's order. */
	struct heap *w = (struct heap *)(h->borrowed ? h->borrowed : h);
	heap_node_t *o = atomic_load_explicit(&w->id_order_memo, memory_order_acquire), *none = NULL;

	if (o || w->ids_ascend)
		return o;
	o = sort_by_id(w);
	if (!atomic_compare_exchange_strong_explicit(&w->id_order_memo, &none, o, memory_order_acq_rel,
						     memory_order_acquire)) {
		free(o);	/* another thread built it first */
		o = none;
	}
	return o;
}

heap_node_t heap_find(const struct heap *h, uint64_t id)
{
	const heap_node_t *order = heap_id_order(h);
	size_t lo = 0, hi = h->n_nodes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		heap_node_t v = order ? order[mid] : (heap_node_t)mid;
		if (heap_id(h, v) < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < h->n_nodes) {
		heap_node_t v = order ? order[lo] : (heap_node_t)lo;
		if (heap_id(h, v) == id)
			return v;
	}
	return HEAP_NONE;
}

const char *heap_edge_name(const struct heap *h, uint32_t name, char *buf, size_t size)
{
	if (name & HEAP_NAME_INDEX)
		snprintf(buf, size, "[%u]", (unsigned)(name & ~HEAP_NAME_INDEX));
	else
		snprintf(buf, size, "%s", heap_string(h, name, NULL));
	return buf;
}

const uint32_t *heap_in_edges(const struct heap *h)
{
	/* A cache on a heap allocated non-const: casting const away is fine. */
	struct heap *w = (struct heap *)h;
	uint32_t *e = atomic_load_explicit(&w->in_edge_memo, memory_order_acquire), *none = NULL;
	uint32_t *pos;

	if (e)
		return e;
	e = hugepage_advise(mem_alloc((size_t)h->n_edges * 4 + 1), (size_t)h->n_edges * 4);
	pos = mem_alloc(((size_t)h->n_nodes + 1) * sizeof *pos);
	memcpy(pos, h->in_off, ((size_t)h->n_nodes + 1) * sizeof *pos);
	/* The order freeze filled in_from in: sources ascending. */
	for (uint32_t v = 0; v < h->n_nodes; v++)
		for (uint32_t k = h->out_off[v]; k < h->out_off[v + 1]; k++)
			e[pos[h->out_to[k]]++] = k;
	free(pos);
	if (!atomic_compare_exchange_strong_explicit(&w->in_edge_memo, &none, e, memory_order_acq_rel,
						     memory_order_acquire)) {
		free(e);	/* another thread built it first */
		e = none;
	}
	return e;
}

uint64_t heap_estimate_bytes(uint64_t nodes, uint64_t edges)
{
	/* The builder's node columns (id 4, type 4, name 4, size 4, flags 2,
	 * generation 1, category 1: ids and sizes are widened to 8 only when
	 * one needs it) and, at the freeze, the out and in offsets (4 each),
	 * and references (source or in-edge source, target, name 4 each, kind
	 * 1), which become the CSRs; at the freeze, beside them, the kinds'
	 * and the retains and user bits (5/8 a reference).  No strings, no
	 * analysis. */
	if (nodes > UINT64_MAX / 64 || edges > UINT64_MAX / 64)
		return UINT64_MAX;
	return nodes * (4 + 4 + 4 + 4 + 2 + 1 + 1 + 4 + 4) + edges * (4 + 4 + 4 + 1) + edges * 5 / 8;
}

size_t heap_memory(const struct heap *h)
{
	size_t n = h->n_nodes, m = h->n_edges;

	return n * ((h->id32 ? 4 : h->id64 ? 8 : 0) + 4 + 4 + (h->size16 ? 2 : 4) +
		    (h->refcount ? 8 : 0) + 2 + 1 + 1 + (atomic_load(&h->id_order_memo) ? 4 : 0)) +
	       (size_t)h->n_id_runs * sizeof(struct heap_id_run) +
	       (h->id_block ? ((n - 1) >> HEAP_ID_BLOCK_BITS) + 2 : 0) * sizeof(uint32_t) +
	       (size_t)h->n_big_sizes * sizeof(struct heap_big_size) +
	       (n + 1) * 8 + m * (4 + 4 + 4 + (atomic_load(&h->in_edge_memo) ? 4 : 0)) +
	       (m / 32 + 1) * 8 +
	       (3 + (h->out_meta != NULL)) * (m / 64 + 1) * 8 +
	       (size_t)h->n_roots * sizeof(struct heap_root) + h->strings_len +
	       (size_t)h->n_locations * sizeof(struct heap_location);
}

/* ---- words ---- */

static const struct {
	const char *word;
	uint16_t bit;
} flag_words[] = {
	{ .word = "synthetic", .bit = HEAP_F_SYNTHETIC }, { .word = "weakref", .bit = HEAP_F_WEAKREF },
	{ .word = "finalizer", .bit = HEAP_F_FINALIZER }, { .word = "immortal", .bit = HEAP_F_IMMORTAL },
	{ .word = "detached", .bit = HEAP_F_DETACHED }, { .word = "untracked", .bit = HEAP_F_UNTRACKED },
	{ .word = "class", .bit = HEAP_F_CLASS }, { .word = "anchor", .bit = HEAP_F_ANCHOR },
	{ .word = "runtime", .bit = HEAP_F_RUNTIME },
};

static const char *const kind_words[] = {
	[HEAP_EDGE_STRONG] = "strong", [HEAP_EDGE_INTERNAL] = "internal",
	[HEAP_EDGE_WEAK] = "weak", [HEAP_EDGE_SHORTCUT] = "shortcut",
};

/* The next word of s[*i..len) (separators: space, comma, '|'): its start,
 * length in *wlen, and *i moved past it; NULL at the end. */
static const char *next_word(const char *s, size_t len, size_t *i, size_t *wlen)
{
	size_t j;

	while (*i < len && (s[*i] == ' ' || s[*i] == ',' || s[*i] == '|'))
		(*i)++;
	for (j = *i; j < len && s[j] != ' ' && s[j] != ',' && s[j] != '|'; j++)
		;
	if (j == *i)
		return NULL;
	*wlen = j - *i;
	s += *i;
	*i = j;
	return s;
}

uint16_t heap_flag_bit(const char *s, size_t len)
{
	for (size_t k = 0; k < sizeof flag_words / sizeof flag_words[0]; k++)
		if (strlen(flag_words[k].word) == len && memcmp(s, flag_words[k].word, len) == 0)
			return flag_words[k].bit;
	return 0;
}

int heap_parse_flags(const char *s, size_t len, uint16_t *flags, const char **bad,
		     size_t *bad_len)
{
	size_t i = 0, n;
	const char *w;

	while ((w = next_word(s, len, &i, &n)) != NULL) {
		uint16_t bit = heap_flag_bit(w, n);
		if (!bit) {
			*bad = w;
			*bad_len = n;
			return -1;
		}
		*flags |= bit;
	}
	return 0;
}

const char *heap_flag_word(uint16_t bit)
{
	for (size_t k = 0; k < sizeof flag_words / sizeof flag_words[0]; k++)
		if (flag_words[k].bit == bit)
			return flag_words[k].word;
	return NULL;
}

int heap_parse_kind(const char *s, size_t len, uint8_t *kind)
{
	size_t i = 0, n;
	const char *w;
	int base = -1, meta = 0;

	while ((w = next_word(s, len, &i, &n)) != NULL) {
		size_t k;
		if (n == 4 && strncasecmp(w, "meta", 4) == 0 && !meta) {
			meta = 1;
			continue;
		}
		for (k = 0; k < sizeof kind_words / sizeof kind_words[0]; k++)
			if (strlen(kind_words[k]) == n && strncasecmp(w, kind_words[k], n) == 0)
				break;
		if (k == sizeof kind_words / sizeof kind_words[0] || base >= 0)
			return -1;
		base = (int)k;
	}
	*kind = (uint8_t)((base < 0 ? HEAP_EDGE_STRONG : base) | (meta ? HEAP_EDGE_META : 0));
	return 0;
}

const char *heap_kind_word(uint8_t kind)
{
	kind &= (uint8_t)~HEAP_EDGE_META;
	return kind < sizeof kind_words / sizeof kind_words[0] ? kind_words[kind] : "strong";
}
