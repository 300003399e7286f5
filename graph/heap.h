/* heap: the frozen, read-only object graph every analysis and view shares,
 * and the builder that loaders stream into.
 *
 * Identity: a node is a 32-bit index 0..n_nodes-1 (heap_node_t).  The
 * runtime's own object id or address is the node's `id` column.
 *
 * Strings: every name is an offset (heap_str_t) into one interned arena.
 * Interned strings are byte strings of known length that may hold any byte,
 * NUL included; heap_string() returns them NUL-terminated as well.  Offset 0
 * is the empty string.  Two equal strings always have the same offset, so a
 * type histogram can group by offset.
 *
 * Edge names: an edge name is either a string offset or, when the
 * HEAP_NAME_INDEX bit is set, an element index (the low 31 bits), as V8
 * element/hidden edges and Java/Python list slots are.
 *
 * Memory, frozen (n = nodes, e = references, both directions included):
 *   per node:      id 4 + type 4 + name 4 + size 4 + flags 2 +
 *                  gen 1 + category 1 + out offset 4 + in offset 4   = 28 bytes
 *                  (id 8 instead when the ids span 2^32 or more, as
 *                  64-bit addresses far apart do; + 16 per object of
 *                  4 GiB or more, in a side table; + refcount 8 for the
 *                  formats that have refcounts (Python); + 4 for the
 *                  id-order permutation when the ids do not ascend,
 *                  built on the first heap_find(), which opening a file
 *                  and its analysis never call).  The builder keeps ids
 *                  and sizes in 32 bits while they fit (each column
 *                  widened to 64 at the first that does not); the freeze
 *                  narrows wide ones in place before it builds the CSRs.
 *   per reference: out target 4 + out name 4 + out kind 2/8 +
 *                  in source 4 + in "retains" bit 1/8 +
 *                  "user" bits out and in 2/8                    = 12.6 bytes
 *                  (+ 1/8 for the "meta" bit when the loader marked any
 *                  reference HEAP_EDGE_META)
 *                  (+ 4 for the in -> out edge index, built on first use
 *                  by heap_in_edges(), after an analysis has given back its
 *                  memory, so it does not count in the peak)
 * plus the string arena (each distinct string once, 5 bytes overhead) and
 * 8 bytes per root.  Budget stated by the design: 48 / 20.
 *
 * Unknown ids: loaders resolve edge targets through heap_builder_find(); a
 * reference to an id that was never added as a node is dropped and counted
 * in heap->unknown_refs (shown by `heapglass info`).
 */
#ifndef HEAPGLASS_HEAP_H
#define HEAPGLASS_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "graph/core/error.h"

typedef uint32_t heap_node_t;
typedef uint32_t heap_str_t;

#define HEAP_NONE UINT32_C(0xffffffff)		/* "no node" */
#define HEAP_NAME_INDEX UINT32_C(0x80000000)	/* edge name is an index, not a string */
#define HEAP_MAX_NODES UINT32_C(0xfffffff0)
/* The most the shallow sizes of a heap may add up to, in bytes (2^63 - 1):
 * every sum of sizes (a type's, a cycle's, what an object retains, a diff
 * between two heaps, signed) then fits in 64 bits, so no total anywhere
 * can wrap.  The builder refuses a node that would pass it. */
#define HEAP_MAX_TOTAL_SIZE UINT64_C(0x7fffffffffffffff)
enum {
	HEAP_GEN_UNKNOWN = 0xff
};

/* What a reference means to a collector.  Only STRONG and INTERNAL keep a
 * target alive; SHORTCUT edges are shown but not followed by reachability or
 * dominators except from a synthetic root (V8's semantics). */
enum heap_edge_kind {
	HEAP_EDGE_STRONG = 0,	/* ordinary reference (field, property, element, key) */
	HEAP_EDGE_INTERNAL = 1,	/* runtime-internal reference; retains like STRONG */
	HEAP_EDGE_WEAK = 2,	/* never retains */
	HEAP_EDGE_SHORTCUT = 3	/* a summary edge (V8 shortcut); retains only from a root */
};

/* Or-ed into the kind a loader gives heap_builder_add_edge() (or writes into
 * heap_builder_view's edge_kind): the reference is the runtime's bookkeeping
 * (a V8 map, a JVM instance's class, a Python instance's type), which every
 * object of its kind has, not one the user's program made.  It still retains
 * as its kind says; it only leaves the user graph (below).  The frozen
 * heap_out_kind() never has this bit. */
#define HEAP_EDGE_META 0x80u

/* Node flags. */
enum heap_flag {
	HEAP_F_ROOT = 1u << 0,		/* in the root list */
	HEAP_F_SYNTHETIC = 1u << 1,	/* not a real object: (GC roots), (Stack roots) */
	HEAP_F_WEAKREF = 1u << 2,	/* a weak-reference object (weakref, WeakRef) */
	HEAP_F_FINALIZER = 1u << 3,	/* has a finalizer (__del__, finalize()) */
	HEAP_F_IMMORTAL = 1u << 4,	/* never freed by the runtime (immortal objects) */
	HEAP_F_DETACHED = 1u << 5,	/* detached DOM node (V8 detachedness) */
	HEAP_F_UNTRACKED = 1u << 6,	/* not tracked by the cycle collector */
	HEAP_F_HAS_REFCOUNT = 1u << 7,	/* refcount column is meaningful */
	HEAP_F_CLASS = 1u << 8,		/* a class / type object */
	HEAP_F_ANCHOR = 1u << 9,	/* permanent infrastructure the user's objects
					 * hang from (a class, module, native context,
					 * global object): user paths may pass it, user
					 * cycles never include it */
	HEAP_F_RUNTIME = 1u << 10	/* the runtime's own machinery (code, shapes,
					 * strings, numbers): not in the user graph */
};

/* The user graph.  The raw graph is what the runtime wrote; GC questions
 * (reachability, retained sizes, CPython's collector) are answered on it.
 * The user graph is the same nodes with only the references the user's
 * program made: a reference is in it when it retains (heap_edge_retains),
 * is not HEAP_EDGE_META, and neither end has HEAP_F_ANCHOR or
 * HEAP_F_RUNTIME.  Each loader sets the bits by its format's rules
 * (docs/user-graph.md; a synthetic node is marked by its loader like any
 * other); without them the user graph is the raw retaining graph, exactly.
 * Cycles (user SCCs) are found on it. */
#define HEAP_F_NOT_USER (HEAP_F_ANCHOR | HEAP_F_RUNTIME)

/* Whether a reference of kind `kind` from a node with flags `from_flags`
 * keeps its target alive: STRONG and INTERNAL do, WEAK never, SHORTCUT only
 * from a synthetic root. */
static inline int heap_edge_retains(uint8_t kind, uint16_t from_flags)
{
	return kind == HEAP_EDGE_STRONG || kind == HEAP_EDGE_INTERNAL ||
	       (kind == HEAP_EDGE_SHORTCUT && (from_flags & HEAP_F_SYNTHETIC));
}

/* ---- words ----
 * The text formats (CSV, DOT, heapglass's own DOT exports) name node flags
 * and reference kinds with the same words, from one table (heap.c), so a
 * word means the same thing in every file heapglass reads or writes. */

/* Every flag word, for error messages. */
#define HEAP_FLAG_WORDS "synthetic weakref finalizer immortal detached untracked class anchor runtime"

/* The flag bit the word s[0..len) names (exact case), or 0 when it names
 * none.  HEAP_F_ROOT and HEAP_F_HAS_REFCOUNT have no word: they come from
 * their own columns. */
uint16_t heap_flag_bit(const char *s, size_t len);

/* Or-s into *flags the bits of a list of flag words separated by spaces,
 * commas or '|'.  Returns 0, or -1 with *bad / *bad_len set to the first
 * unknown word. */
int heap_parse_flags(const char *s, size_t len, uint16_t *flags, const char **bad,
		     size_t *bad_len);

/* The word of one flag bit, or NULL when the bit has none. */
const char *heap_flag_word(uint16_t bit);

/* Parses a reference kind: one of `strong`, `weak`, `internal`, `shortcut`
 * (any case) and/or the word `meta` (HEAP_EDGE_META: the runtime's
 * bookkeeping), separated by spaces, commas or '|'; `meta` alone is a
 * strong reference.  An empty text is `strong`.  Returns 0 and sets *kind
 * (the enum heap_edge_kind value, or-ed with HEAP_EDGE_META), or -1. */
int heap_parse_kind(const char *s, size_t len, uint8_t *kind);

/* The word of a kind (without HEAP_EDGE_META): "strong", "internal", ... */
const char *heap_kind_word(uint8_t kind);

struct heap_root {
	heap_node_t node;
	heap_str_t kind;	/* "gc roots", "ROOT_JNI_GLOBAL", "external ref", ... */
};

/* Where an object's code is in its source (V8's "locations": a closure's
 * function), 0-based line and column. */
struct heap_location {
	heap_node_t node;
	uint32_t line;
	uint32_t column;
};

/* What a loader says about one object. */
struct heap_node_rec {
	uint64_t id;		/* runtime id or address; unique within a heap */
	heap_str_t type;	/* type / class name */
	heap_str_t name;	/* short label: function name, string head, key */
	uint64_t size;		/* shallow size in bytes */
	int64_t refcount;	/* meaningful when flags has HEAP_F_HAS_REFCOUNT */
	uint16_t flags;		/* enum heap_flag */
	uint8_t generation;	/* 0.., or HEAP_GEN_UNKNOWN */
	uint8_t category;	/* index into heap->categories (V8 node type), 0 if none */
};

/* A shallow size too big for the size column: size16[node] is
 * HEAP_SIZE16_BIG (or size32[node] HEAP_SIZE_BIG) and the size is here
 * (heap_size()). */
struct heap_big_size {
	heap_node_t node;
	uint64_t size;
};

#define HEAP_SIZE_BIG UINT32_C(0xffffffff)
#define HEAP_SIZE16_BIG UINT16_C(0xffff)

/* Ids in runs (a V8 snapshot's ids go up by 2 from object to object, with
 * a few dozen jumps): from node `first` up to the next run's first, node v
 * has id + stride * (v - first), in 64-bit unsigned arithmetic (a stride
 * may be "negative"). */
struct heap_id_run {
	uint64_t id;
	uint64_t stride;
	heap_node_t first;
};

/* heap_id_run()'s index: id_block[b] is the run holding node b << BITS
 * (the last run for the block past the end), so node v's run is found
 * among those from id_block[b] to id_block[b + 1], b = v >> BITS: most
 * often one. */
enum {
	HEAP_ID_BLOCK_BITS = 12
};

/* The frozen heap.  All arrays are owned by the heap and read-only after
 * heap_builder_freeze().  Columns are indexed by heap_node_t.  The id,
 * size and refcount columns are read through heap_id(), heap_size() and
 * heap_refcount() (below), which hide how they are stored. */
struct heap {
	uint32_t n_nodes;
	uint32_t n_edges;
	uint32_t n_roots;

	/* ids: in runs (id_runs, at most one for 64 nodes: no column at
	 * all), else id_base + id32[v], or id64[v] when the ids span 2^32 or
	 * more; the other two NULL */
	uint64_t id_base;
	uint32_t *id32;
	uint64_t *id64;
	struct heap_id_run *id_runs;
	uint32_t n_id_runs;
	uint32_t *id_block;		/* [((n_nodes - 1) >> HEAP_ID_BLOCK_BITS) + 2] */
	heap_str_t *type;
	heap_str_t *name;
	/* shallow sizes: size16[v] (size32 NULL) while at most one node in
	 * 64 has 64 KiB or more, else size32[v]; where that is
	 * HEAP_SIZE16_BIG (HEAP_SIZE_BIG), big_sizes[] (sorted by node) */
	uint16_t *size16;
	uint32_t *size32;
	struct heap_big_size *big_sizes;
	uint32_t n_big_sizes;
	int64_t *refcount;		/* NULL when no node has HEAP_F_HAS_REFCOUNT
					 * or a refcount */
	uint16_t *flags;
	uint8_t *generation;
	uint8_t *category;

	/* Outgoing CSR: the edges of node v are out_*[out_off[v] .. out_off[v+1]),
	 * in the order the loader added them. */
	uint32_t *out_off;		/* n_nodes + 1 */
	heap_node_t *out_to;
	uint32_t *out_name;		/* heap_str_t or HEAP_NAME_INDEX|index */
	uint64_t *out_kinds;		/* enum heap_edge_kind, 2 bits each:
					 * heap_out_kind() */

	/* Incoming CSR: for node v, in_from[in_off[v] .. in_off[v+1]) are the
	 * sources, ascending; bit i of in_retains says whether in-edge i keeps
	 * its target alive (heap_edge_retains()).  The matching index into the
	 * out_* arrays comes from heap_in_edges(). */
	uint32_t *in_off;		/* n_nodes + 1 */
	heap_node_t *in_from;
	uint64_t *in_retains;
	uint32_t *_Atomic in_edge_memo;	/* heap_in_edges()'s, NULL until then */

	/* The user graph (above): bit e of out_user says whether out-edge e is
	 * in it, bit i of in_user whether in-edge i is. */
	uint64_t *out_user;
	uint64_t *in_user;

	/* Bit e says whether the loader marked out-edge e HEAP_EDGE_META (the
	 * one mark out_user cannot tell apart from an anchor at either end:
	 * a leak trace may pass an anchor, never a meta reference).  NULL when
	 * meta_refs is 0. */
	uint64_t *out_meta;

	struct heap_root *roots;

	/* Source locations, sorted by node (heap_location_of); NULL when the
	 * format has none. */
	struct heap_location *locations;
	uint32_t n_locations;

	/* Node indexes sorted by id, for heap_find(): built on its first call
	 * (NULL until then), never when the id column ascends already. */
	int ids_ascend;
	heap_node_t *_Atomic id_order_memo;

	/* Category names (V8 node types); categories[0] is "" when unused. */
	heap_str_t categories[256];
	uint32_t n_categories;

	char *strings;			/* the arena */
	size_t strings_len;

	/* Facts about the load. */
	uint64_t unknown_refs;		/* references to ids never seen as objects */
	uint64_t total_size;		/* sum of shallow sizes */
	uint64_t meta_refs;		/* references with HEAP_EDGE_META */
	uint32_t not_user_nodes;	/* nodes with HEAP_F_ANCHOR or HEAP_F_RUNTIME */
	uint8_t max_generation;		/* highest generation seen, or HEAP_GEN_UNKNOWN */
	const char *format;		/* static loader name, set by the loader registry */

	/* NULL, or the heap whose columns this one borrows (heap_regenerate):
	 * it owns only its generation column and its in_edge_memo. */
	const struct heap *borrowed;
};

/* Node v's id from the runs. */
static inline uint64_t heap_id_run(const struct heap *h, heap_node_t v)
{
	uint32_t lo = h->id_block[v >> HEAP_ID_BLOCK_BITS], hi = h->id_block[(v >> HEAP_ID_BLOCK_BITS) + 1];
	const struct heap_id_run *x;

	while (lo < hi) {	/* the last run from lo to hi that starts at v or before */
		uint32_t mid = hi - (hi - lo) / 2;
		if (h->id_runs[mid].first <= v)
			lo = mid;
		else
			hi = mid - 1;
	}
	x = &h->id_runs[lo];
	return x->id + x->stride * (v - x->first);
}

/* The runtime's id of node v. */
static inline uint64_t heap_id(const struct heap *h, heap_node_t v)
{
	if (h->id32)
		return h->id_base + h->id32[v];
	return h->id64 ? h->id64[v] : heap_id_run(h, v);
}

uint64_t heap_size_big(const struct heap *h, heap_node_t v);

/* The shallow size of node v, in bytes. */
static inline uint64_t heap_size(const struct heap *h, heap_node_t v)
{
	uint32_t s;

	if (h->size16) {
		s = h->size16[v];
		return s != HEAP_SIZE16_BIG ? s : heap_size_big(h, v);
	}
	s = h->size32[v];
	return s != HEAP_SIZE_BIG ? s : heap_size_big(h, v);
}

/* Node v's refcount (meaningful when its flags have HEAP_F_HAS_REFCOUNT),
 * 0 for formats without refcounts. */
static inline int64_t heap_refcount(const struct heap *h, heap_node_t v)
{
	return h->refcount ? h->refcount[v] : 0;
}

/* Node indexes in id order (built on the first call, kept with the heap,
 * safe from several threads), or NULL when the ids ascend already (then
 * the order is the index order). */
const heap_node_t *heap_id_order(const struct heap *h);

/* The kind of out-edge e (enum heap_edge_kind). */
static inline uint8_t heap_out_kind(const struct heap *h, uint32_t e)
{
	return (uint8_t)((h->out_kinds[e / 32] >> (e % 32 * 2)) & 3);
}

/* Whether in-edge i (an index into in_from) keeps its target alive. */
static inline int heap_in_retains(const struct heap *h, uint32_t i)
{
	return (h->in_retains[i / 64] >> (i % 64)) & 1;
}

/* Whether out-edge e / in-edge i is in the user graph. */
static inline int heap_out_user(const struct heap *h, uint32_t e)
{
	return (h->out_user[e / 64] >> (e % 64)) & 1;
}

static inline int heap_in_user(const struct heap *h, uint32_t i)
{
	return (h->in_user[i / 64] >> (i % 64)) & 1;
}

/* Whether the loader marked out-edge e HEAP_EDGE_META. */
static inline int heap_out_meta(const struct heap *h, uint32_t e)
{
	return h->out_meta && ((h->out_meta[e / 64] >> (e % 64)) & 1);
}

/* Non-zero when the loader's rules took something out of the user graph
 * (meta references, anchors or runtime nodes): then the user graph differs
 * from the raw retaining graph beyond synthetic nodes. */
static inline int heap_has_user_rules(const struct heap *h)
{
	return h->meta_refs != 0 || h->not_user_nodes != 0;
}

/* For each in-edge i, the index into the out_* arrays of the same
 * reference.  Built on the first call (4 bytes per reference, O(E)) and
 * kept with the heap; safe to call from several threads.  The analysis
 * never needs it, so a caller that opens a heap reaches its peak memory
 * without it. */
const uint32_t *heap_in_edges(const struct heap *h);

/* Frees everything the heap owns.  heap_free(NULL) is a no-op. */
void heap_free(struct heap *h);

/* A heap that is h with another generation column: a copy of gen
 * (n_nodes bytes, each 0..max_gen or HEAP_GEN_UNKNOWN) and max_gen.  Every
 * other column is h's, borrowed, so h must outlive it; h itself is not
 * written (a frozen heap stays read-only).  For the ages the viewer shows
 * on `heapglass A B C` (diff_ages). */
struct heap *heap_regenerate(const struct heap *h, const uint8_t *gen, uint8_t max_gen);

/* The string at offset s (NUL-terminated); *len gets its byte length when
 * len is not NULL. */
const char *heap_string(const struct heap *h, heap_str_t s, size_t *len);

/* v's source location, or NULL when it has none.  O(log n). */
const struct heap_location *heap_location_of(const struct heap *h, heap_node_t v);

/* Finds the node with runtime id `id`: HEAP_NONE if absent.  O(log n). */
heap_node_t heap_find(const struct heap *h, uint64_t id);

/* Writes an edge name for display into buf: the string, or "[i]" for an
 * index.  Returns buf. */
const char *heap_edge_name(const struct heap *h, uint32_t name, char *buf, size_t size);

/* Bytes the frozen heap occupies (columns, edges, roots, arena). */
size_t heap_memory(const struct heap *h);

/* A lower bound of the bytes loading a heap of `nodes` objects and `edges`
 * references takes (the builder's columns and references, which become
 * the frozen columns and both CSRs; no strings, no analysis): what a
 * loader passes to mem_check() before it trusts a count a file claims. */
uint64_t heap_estimate_bytes(uint64_t nodes, uint64_t edges);

/* ---- the builder ---- */

struct heap_builder;

/* Returns NULL only when out of memory. */
struct heap_builder *heap_builder_new(void);
void heap_builder_free(struct heap_builder *b);

/* Interns len bytes at s and returns their offset.  Aborts on out of memory. */
heap_str_t heap_builder_intern(struct heap_builder *b, const char *s, size_t len);
heap_str_t heap_builder_intern_cstr(struct heap_builder *b, const char *s);

/* A hint that s[0..len) is about to be interned: starts loading its intern
 * table slot, so a loader can overlap the cache misses of a batch of
 * strings.  Changes nothing. */
void heap_builder_prefetch(const struct heap_builder *b, const char *s, size_t len);

/* A second hint, a while after heap_builder_prefetch(b, s, len), when its
 * slot has had time to arrive: if a string with s's hash is there (or a
 * few slots on), starts loading its bytes, which intern compares with s
 * (a cache miss per string met again, when the strings are many).  Changes
 * nothing. */
void heap_builder_prefetch_match(const struct heap_builder *b, const char *s, size_t len);

/* The interned string at offset s (NUL-terminated, valid until the next
 * intern); *len gets its length when len is not NULL. */
const char *heap_builder_string(const struct heap_builder *b, heap_str_t s, size_t *len);

/* Registers a category name (V8 node type); returns its index (0..255), or
 * 255 once the table is full. */
uint8_t heap_builder_category(struct heap_builder *b, heap_str_t name);

/* Optional: tells the builder that about `strings` more distinct strings
 * are coming, so its intern table is sized once instead of growing (each
 * growth rehashes every string, at a cache miss each).  A hint above what
 * the input can hold must be refused (or cut) by the loader. */
void heap_builder_reserve_strings(struct heap_builder *b, uint64_t strings);

/* Optional: room for about `bytes` more bytes of distinct strings in the
 * arena (each string takes its length + 5), so that it is sized once. */
void heap_builder_reserve_arena(struct heap_builder *b, uint64_t bytes);

/* The builder's string memory not written yet: the intern table and the
 * arena's free room, for a loader that faults it in ahead on another core
 * (graph/core/worker.h prefault) before it interns many strings.  Fills
 * p[] / len[] and returns how many ranges (at most 2).  Valid until the
 * next intern or reserve. */
unsigned heap_builder_string_room(struct heap_builder *b, void *p[2], size_t len[2]);

/* Optional: tells the builder how many nodes / edges are coming, so columns
 * are sized once.  Hints above what the input can hold must be refused by
 * the loader before calling this. */
void heap_builder_reserve(struct heap_builder *b, uint64_t nodes, uint64_t edges);

/* Adds a node and returns its index, or HEAP_NONE (and fills err) when the
 * node limit is reached. */
heap_node_t heap_builder_add_node(struct heap_builder *b, const struct heap_node_rec *rec,
				  struct error *err);

/* Number of nodes added so far. */
uint32_t heap_builder_count(const struct heap_builder *b);

/* The id of node v (v < heap_builder_count()). */
uint64_t heap_builder_node_id(const struct heap_builder *b, heap_node_t v);

/* Builds the id -> index map over the nodes added so far (call once, after
 * the last add_node and before heap_builder_find).  If two nodes share an
 * id, returns -1 and stores their indexes in *dup_a < *dup_b so the loader
 * can name both places. */
int heap_builder_index(struct heap_builder *b, heap_node_t *dup_a, heap_node_t *dup_b);

/* Index of the node with id `id`, or HEAP_NONE.  Needs heap_builder_index(). */
heap_node_t heap_builder_find(const struct heap_builder *b, uint64_t id);

/* A hint that heap_builder_find(b, id) is coming: starts loading its index
 * slot, so a loader can overlap the cache misses of a batch of ids.
 * Changes nothing. */
void heap_builder_prefetch_id(const struct heap_builder *b, uint64_t id);

/* Counts one reference to an unknown id (reported by `info`). */
void heap_builder_unknown_ref(struct heap_builder *b);

/* Adds a reference from -> to.  Edges of one source keep their order.
 * Returns -1 (and fills err) when an index is out of range or the edge
 * limit is reached. */
int heap_builder_add_edge(struct heap_builder *b, heap_node_t from, heap_node_t to,
			  enum heap_edge_kind kind, uint32_t name, struct error *err);

/* Marks node as a root of the given kind (adds HEAP_F_ROOT).  A node may be
 * a root more than once with different kinds. */
int heap_builder_add_root(struct heap_builder *b, heap_node_t node, heap_str_t kind,
			  struct error *err);

/* Says where node's code is (0-based line and column); a node given twice
 * keeps one of them.  Fails (err) when node does not exist. */
int heap_builder_add_location(struct heap_builder *b, heap_node_t node, uint32_t line, uint32_t column,
			      struct error *err);

/* Writable views of the builder's columns, for a loader that must revisit
 * what it added before freezing (the V8 loader resolves names once the
 * string table, which comes last in the file, is read, and re-weighs edges
 * and shallow sizes as DevTools does).  Valid until the next add_node,
 * add_edge or freeze.  Changing size[] does not update the total shallow
 * size, so a loader may only move bytes between nodes. */
struct heap_builder_view {
	uint32_t n_nodes;
	size_t n_edges;
	heap_str_t *type;		/* [n_nodes] */
	heap_str_t *name;		/* [n_nodes] */
	/* sizes and ids: in 32 bits while each fits (the other NULL), else
	 * in 64 (heap_builder_view_id, heap_builder_widen_sizes) */
	uint32_t *size32;		/* [n_nodes] */
	uint64_t *size64;
	uint32_t *id32;			/* [n_nodes] */
	uint64_t *id64;
	uint16_t *flags;		/* [n_nodes] */
	uint8_t *category;		/* [n_nodes] */
	const uint32_t *edge_off;	/* while the edges come grouped by
					 * source: where each source's start,
					 * room reserved for n_nodes + 1
					 * (heap_builder_reserve); else NULL */
	const heap_node_t *edge_to;	/* [n_edges] */
	uint32_t *edge_name;		/* [n_edges] */
	uint8_t *edge_kind;		/* [n_edges], enum heap_edge_kind */
};
void heap_builder_view(struct heap_builder *b, struct heap_builder_view *v);

/* Node i's id in a view. */
static inline uint64_t heap_builder_view_id(const struct heap_builder_view *v, uint32_t i)
{
	return v->id32 ? v->id32[i] : v->id64[i];
}

/* Keeps the sizes in 64 bits from now on (a view taken before is stale):
 * for a loader about to move sizes that may add up past 32 bits. */
void heap_builder_widen_sizes(struct heap_builder *b);

/* The source of edge e (e < the edges added so far).  The builder keeps no
 * source per edge while they come grouped by source (the V8 format's
 * order): then O(log n). */
heap_node_t heap_builder_edge_from(const struct heap_builder *b, size_t e);

/* Freezes into a heap and empties the builder (which must still be freed).
 * Returns NULL and fills err on failure. */
struct heap *heap_builder_freeze(struct heap_builder *b, struct error *err);

#endif
