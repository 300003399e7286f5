/* v8_priv: what the parts of the V8 loader share, private to them:
 * loaders/fmt_v8.c (the format: meta, the node and edge records, the
 * string table, the top level), loaders/v8_json.c (the streaming JSON
 * reader: input window, tokens, strings, skipping), loaders/v8_pipe.c (the
 * reader thread that turns the big integer arrays into numbers) and
 * loaders/v8_rules.c (DevTools' rules and the user graph, once everything
 * is read).  Nothing else includes it (tests/layers checks). */
#ifndef HEAPGLASS_V8_PRIV_H
#define HEAPGLASS_V8_PRIV_H

#include <pthread.h>
#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/core/error.h"
#include "graph/core/progress.h"
#include "graph/core/worker.h"
#include "graph/heap.h"

enum {
	CHUNK = 1 << 20,		/* read() size: the window the reader parses stays in the caches (8 MiB did not, and took 4 huge pages to zero) */
	LOOKAHEAD = 64,			/* bytes kept in the window by the number loop */
	META_MAX = 16 << 20,		/* snapshot meta object, bytes */
	STRING_MAX = 64 << 20,		/* one string token, bytes */
	KEY_MAX = 256,			/* a top-level key, bytes */
	TYPES_MAX = 4096,		/* entries of node_types / edge_types */
	FIELDS_MAX = 64,		/* entries of node_fields / edge_fields */
	TICK = 1 << 16,			/* numbers between progress ticks */
	PREFAULT_MIN_EDGES = 1 << 20,	/* below, a thread to fault in ahead costs more */
	PREFAULT_MIN_STRINGS = 1 << 18,	/* the same for the string table */
	ARENA_PER_STRING = 48		/* bytes a string is reserved at most in the arena */
};

/* How one V8 node type is shown and treated. */
struct ntype {
	heap_str_t class_name;	/* DevTools' className() for the type; 0: use the node name */
	uint8_t category;
	unsigned synthetic : 1;
	unsigned hidden : 1;
	unsigned array : 1;
	unsigned native : 1;
	unsigned runtime : 1;	/* V8's machinery: out of the user graph */
	unsigned closure : 1;
	unsigned object : 1;
};

/* How one V8 edge type maps onto heapglass. */
struct etype {
	uint8_t kind;		/* enum heap_edge_kind */
	unsigned index_name : 1;	/* element / hidden: name_or_index is an index */
};

/* The input window: buf[pos..len) are unread bytes; buf[0] is at file
 * offset base.  Read errors go to err as "path: byte N: ...": the V8
 * loader's own record, or the reader thread's while it owns the window. */
struct rd {
	const char *path;
	struct error *err;
	int fd;
	char *buf;
	size_t cap, pos, len;
	uint64_t base;
	uint64_t file_size;
	int eof;
};

/* A small open-addressing map string index -> WeakMap table id, for the
 * ephemeron edge names. */
struct ephmap {
	uint32_t *key;		/* string index + 1; 0 empty */
	uint64_t *table;
	size_t mask, used;
};

struct v8 {
	struct prefault pf;			/* the builder's columns, ahead */
	const char *path;
	struct heap_builder *b;
	struct progress *prog;
	struct error *err;
	struct rd r;

	/* layout from meta */
	unsigned nf, ef;
	int f_type, f_name, f_id, f_size, f_edges, f_detached;
	int e_type, e_name, e_to;
	unsigned lf;				/* location fields, 0 when none */
	int l_object, l_line, l_column;
	int cat_closure;			/* the category of "closure" nodes, -1 if none */
	struct ntype *nt;
	unsigned n_nt;
	struct etype *et;
	unsigned n_et;
	int have_meta;
	int f_detached_present;
	uint64_t meta_nodes, meta_edges;	/* UINT64_MAX when absent */
	uint64_t root_index;

	/* what was read */
	int have_nodes, have_edges, have_strings;
	uint32_t n_nodes;
	uint32_t *edge_count;			/* per node; later first-edge offsets */
	uint64_t n_edges;
	uint64_t max_node_name, max_node_name_at;	/* largest name index and where */
	uint64_t max_edge_name, max_edge_name_at;
	int any_node_name, any_edge_name;

	/* strings */
	heap_str_t *strmap;			/* string index -> arena offset */
	uint32_t n_strings, strmap_cap;
	uint32_t s_external_data;		/* index of "system / ExternalStringData" + 1 */
	uint32_t s_dom_trees;			/* index of "(Document DOM trees)" + 1 */
	uint8_t *sname;				/* string index -> enum sname */
	uint8_t sname_first[256];		/* first bytes of the names (snames_init) */
	uint8_t sname_len[32];			/* their lengths */
	uint64_t *back_meta;			/* per edge: a back link of a pair (user_marks) */
	struct ephmap eph;
	regex_t eph_re;
	int eph_re_ok;
	uint8_t *dom_state;			/* per node: detachedness 0..2, NULL if all 0 */
	size_t dom_state_cap;
	char *tmp;				/* scratch for decoded strings */
	size_t tmp_cap;
};


/* The names the user-graph rules look at (docs/user-graph.md, "V8").
 * Each string of the snapshot is classified once, as it is read, so the
 * passes over nodes and references compare one byte, never a string. */
enum sname {
	SN_OTHER = 0,
	/* internal references that are V8's bookkeeping (HEAP_EDGE_META) */
	SN_MAP,
	SN_ELEMENTS,
	SN_PROPERTIES,
	SN_SHARED,
	SN_CODE,
	SN_FEEDBACK_CELL,
	SN_SCOPE_INFO,
	SN_INITIAL_MAP,
	SN_NATIVE_CONTEXT_REF,
	SN_GLOBAL_PROXY,
	/* the prototype chain: META as properties too */
	SN_PROTO,
	SN_CONSTRUCTOR,
	SN_PROTOTYPE,
	/* references the node rules follow */
	SN_PREVIOUS,
	SN_BACK_POINTER,
	SN_SCRIPT,
	SN_BOUND_FUNCTION,
	SN_CONTEXT_REF,
	SN_EXPORTS,
	SN_JS_TO_NATIVE,
	SN_NATIVE_TO_JS,
	SN_OWNER_SYMBOL,	/* "<symbol owner_symbol>", "<symbol resource_symbol>" */
	/* node names */
	SN_NATIVE_CONTEXT,	/* "system / NativeContext", "system / NativeContext / URL" */
	SN_CONTEXT,		/* "system / Context" */
	SN_SCRIPT_BUILTIN,	/* a Node.js builtin's script: "node:..." */
	SN_SCRIPT_LOADER	/* Node.js's module loader: node:internal/modules/, node:internal/bootstrap/ */
};


/* ---- the JSON reader (v8_json.c) ---- */

/* "PATH: byte OFF: WHAT" into v->err.  Returns -1. */
int v8_fail_at(struct v8 *v, uint64_t off, const char *what);
int v8_fail_here(struct v8 *v, const char *what);

/* The file offset of the next unread byte. */
static inline uint64_t v8_here(const struct v8 *v)
{
	return v->r.base + v->r.pos;
}

static inline int v8_is_ws(int c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Makes at least `need` unread bytes available unless the file ends first.
 * May move the window (pointers into buf become stale).  0, or -1 with
 * r->err. */
int v8_rd_fill(struct rd *r, size_t need);
/* Reports progress at file offset `at` (v8_tick: at the window); -1 with
 * "PATH: interrupted" in v->err when the user aborts. */
int v8_tick_at(struct v8 *v, uint64_t at);
int v8_tick(struct v8 *v);
/* Skips white space; the next byte (not consumed), -1 at the end of the
 * file, -2 on a read error. */
int v8_peek(struct v8 *v);
/* Consumes ch after white space, or fails with `what`. */
int v8_expect(struct v8 *v, int ch, const char *what);
/* Reads the JSON string at the window (it starts with '"'), of at most
 * max bytes, decoded and checked, into *out / *len (valid until the next
 * read).  0 or -1. */
int v8_read_string(struct v8 *v, const char **out, size_t *len, size_t max);
/* Skips one JSON value of any kind.  0 or -1. */
int v8_skip_value(struct v8 *v);

/* ---- the integer arrays (v8_pipe.c) ---- */

/* The big integer arrays ("nodes", "edges") are read on both cores: a
 * reader thread reads the file and turns its text into numbers
 * (fill_batch) into a ring of RING slots; the loader's thread takes the
 * slots in order and checks and stores the records (next_record).  From
 * the array's '[' to its ']' the reader owns the input window v->r and
 * nothing else: it never touches the builder, the progress callback or
 * v->err (its errors go to pipe.err).
 *
 * Numbers are tokenized BATCH at a time, SLOT / BATCH batches to a slot
 * (fewer hand-overs).  A batch the tokenizer cannot finish is dropped
 * whole and its slot marked failed: the error is raised only once the
 * loader has used up the slot's earlier batches, so it checks every
 * record before first, exactly as when one thread did both: the errors,
 * their byte offsets and their order do not depend on the threads.  On
 * every path the loader stops and joins the reader before it returns
 * (pipe_fini).  Arrays nobody needs (samples; locations without
 * location_fields) are tokenized the
 * same way on the loader's own thread (nothing to overlap), and so is
 * every array when no thread can be started. */
enum {
	BATCH = 4096,
	SLOT = 4 * BATCH,
	RING = 8,		/* 8 slots of 256 KiB */
	A_START = 0,		/* expecting a number or ']' */
	A_VALUE,		/* after a number: ',' or ']' */
	A_COMMA			/* after a comma: a number */
};

struct batch {
	size_t n;		/* numbers in val[] / at[] */
	int closed;		/* the closing bracket ends this slot */
	int failed;		/* the batch after val[n - 1] failed; the error is in pipe.err */
	uint64_t end;		/* file offset after the slot (progress) */
	uint64_t val[SLOT];
	uint64_t at[SLOT];	/* file offset of each */
};

struct pipe {
	int started, threaded;
	struct rd *r;
	struct error err;	/* the reader's error record (r->err while it runs) */
	int state;		/* the tokenizer's A_ state (the reader's) */
	struct batch *ring;	/* RING batches (1 without a thread) */
	struct worker reader;
	/* shared by both threads, under mu */
	pthread_mutex_t mu;
	pthread_cond_t data, space;
	unsigned head, tail;	/* batches produced, batches given back */
	int stop, reader_waits, loader_waits;
	/* the loader's side */
	struct batch *cur;	/* the batch being handed out, or NULL */
	size_t i;		/* cur->val[i..n) are not handed out yet */
	uint64_t f[FIELDS_MAX], at[FIELDS_MAX];	/* a record that spans two batches */
};


/* Starts reading the array whose '[' was just read, on a reader thread
 * when threaded and one can be started. */
void v8_pipe_start(struct v8 *v, struct pipe *p, int threaded);
/* Stops and joins the reader; safe on a pipe never started. */
void v8_pipe_fini(struct v8 *v, struct pipe *p);
int v8_next_record_slow(struct v8 *v, struct pipe *p, const uint64_t **f, const uint64_t **at,
			unsigned nf, const char *inside, const char *kind);
/* Hands out the next record of nf fields: 1 with *f / *at pointing at its
 * values and their file offsets (valid until the next call), 0 at the end
 * of the array, -1 after an error; an array that ends inside a record is
 * an error starting with `inside`. */
static inline int v8_next_record(struct v8 *v, struct pipe *p, const uint64_t **f, const uint64_t **at,
				 unsigned nf, const char *inside, const char *kind)
{
	struct batch *b = p->cur;

	if (b && b->n - p->i >= nf && nf > 0) {
		*f = b->val + p->i;
		*at = b->at + p->i;
		p->i += nf;
		return 1;
	}
	return v8_next_record_slow(v, p, f, at, nf, inside, kind);
}

/* Skips an array of unsigned integers (locations, samples, ...). */
int v8_skip_int_array(struct v8 *v);

/* ---- the format (fmt_v8.c) ---- */

/* The WeakMap table id an ephemeron edge name (string index key) names:
 * 1 and *table, or 0. */
int v8_eph_get(const struct ephmap *m, uint32_t key, uint64_t *table);

/* ---- DevTools' rules and the user graph (v8_rules.c) ---- */

/* Once everything is read: the root, edge kinds, shallow sizes, page
 * ownership, detachedness, the user graph's marks.  0 or -1 with v->err. */
int v8_finish(struct v8 *v);

#endif
