#include "loaders/fmt_csv.h"

#include <csv.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph/core/hmap.h"
#include "graph/core/hugepage.h"
#include "graph/core/mem.h"
#include "graph/core/worker.h"

enum {
	CHUNK = 1 << 20,
	AHEAD = 16,		/* edge rows between an id's prefetch and its look-up */
	LABEL_MAX = 1024,	/* longer names are cut (with "...") when interned */
	MAX_COLS = 64,
	CACHE_BITS = 10,	/* the direct-mapped cache of recent labels: 2^10 slots */
	CACHE_LEN = 24,		/* longer labels go to the intern table directly */
	BLOCK_BYTES = 2 << 20,	/* a block of edge rows the reader thread hands over: */
	BLOCK_ROWS = 98304,	/* a huge page, of this many rows */
	MAX_BLOCKS = 128,	/* blocks queued (12.6M rows) before the reader waits, */
			/* or fewer: what it parses while the nodes load (below) */
	WARM_BLOCKS = 4,	/* spare blocks kept mapped; more go back to the system */
	THREAD_MIN = 1 << 20,	/* an edges file this big is read on a second thread */
	DEFER = 8		/* node rows between a name's intern slot prefetch and its look-up */
};

enum col_role {
	COL_IGNORE,
	COL_ID, COL_TYPE, COL_SIZE, COL_NAME, COL_REFCOUNT, COL_GEN, COL_ROOT, COL_FLAGS,
	COL_FROM, COL_TO, COL_INDEX, COL_KIND
};

static const struct {
	const char *header;
	enum col_role role;
	int edges;		/* column of edges.csv rather than nodes.csv */
} columns[] = {
	{ "id", COL_ID, 0 }, { "type", COL_TYPE, 0 }, { "size", COL_SIZE, 0 },
	{ "name", COL_NAME, 0 }, { "refcount", COL_REFCOUNT, 0 },
	{ "generation", COL_GEN, 0 }, { "root", COL_ROOT, 0 }, { "flags", COL_FLAGS, 0 },
	{ "from", COL_FROM, 1 }, { "to", COL_TO, 1 }, { "name", COL_NAME, 1 },
	{ "index", COL_INDEX, 1 }, { "kind", COL_KIND, 1 },
};

/* Edge rows the reader thread has parsed (ids not yet resolved: the nodes
 * may still be loading), handed to the loading thread in order. */
struct eblock {
	uint32_t n;			/* rows */
	uint32_t n_names;		/* names the reader met first in this block */
	char *names;			/* n_names x (heap_str_t, uint32_t len, bytes) */
	size_t names_len, names_cap;
	uint64_t from[BLOCK_ROWS], to[BLOCK_ROWS];
	uint32_t name[BLOCK_ROWS];	/* the reader's heap_str_t, or HEAP_NAME_INDEX | index */
	uint8_t kind[BLOCK_ROWS];
};

/* The blocks between the reader and the loading thread. */
struct equeue {
	pthread_mutex_t mu;
	pthread_cond_t data;		/* a block was queued, or the reader is done */
	pthread_cond_t space;		/* a block was taken, or stop was set */
	char *map;			/* the blocks: MAX_BLOCKS + 2 (the reader's and */
	size_t map_len;			/* the loading thread's), from a huge page on */
	char *region;
	unsigned ring[MAX_BLOCKS];	/* queued blocks, oldest first */
	unsigned head, queued;
	unsigned spare[MAX_BLOCKS + 2];	/* added blocks the reader fills again */
	unsigned n_spare;
	unsigned n_warm;		/* the top n_warm of spare[] are still mapped */
	unsigned char cold[MAX_BLOCKS + 2];	/* given back to the system: reading
						 * it would fault in a zeroed page */
	unsigned n_new;			/* blocks handed out so far */
	unsigned cap;			/* blocks queued before the reader waits */
	uint64_t nodes_size;		/* bytes of nodes.csv */
	struct csvctx *loader;		/* the loading thread's state for edges.csv */
	struct progress *prog;		/* the reader's progress when it runs alone */
	uint64_t prog_done, prog_total;
	struct hmap names;		/* the reader's string offsets -> the heap's */
	int threaded;			/* the reader runs on its own thread */
	int done;			/* the reader finished (rd_rc says how) */
	int stop;			/* the loading thread gave up: the reader stops */
	uint64_t bytes;			/* bytes of edges.csv the reader has parsed */
	uint64_t reserve;		/* edges estimated from the first chunk, 0 until known */
	int rd_rc;			/* 0, or -1 with rd_err */
	struct error rd_err;
	struct csvctx *rd;		/* the reader's parser state */
	struct worker w;
};

/* A label met recently: the intern table's look-up (a hash over all its
 * bytes and a likely cache miss) only for labels not in the slot their
 * first and last bytes pick. */
struct label_slot {
	uint32_t len;			/* 0: empty */
	heap_str_t str;
	char s[CACHE_LEN];
};

/* A node row read but not yet added: its name's intern table slot is
 * prefetched when the name is read, and looked up DEFER rows later (the
 * look-ups' cache misses overlap instead of coming one by one). */
struct pending_node {
	struct heap_node_rec rec;
	uint64_t line;
	heap_str_t root_kind;
	int is_root;
	uint32_t name_len;		/* the name to intern, in name[]; 0: rec.name is set */
	char name[LABEL_MAX + 3];
};

/* Parser state for one file. */
struct csvctx {
	const char *path;
	struct heap_builder *b;		/* the reader's own builder (strings only) when q */
	struct equeue *q;		/* edges.csv read for the loading thread */
	struct eblock *blk;		/* the reader's block being filled */
	heap_str_t names_max;		/* the reader's last new string */
	struct error *err;
	int failed;
	int slow;			/* the header is not read yet, or failed: every
					 * field and row takes the general path */
	int edges;			/* parsing edges.csv */
	int nl_possible;		/* the chunk or the one before has a quote */
	uint64_t line;			/* 1-based line the current row starts on */
	uint64_t lines_done;		/* newlines seen so far */
	unsigned ncols;			/* header width */
	enum col_role role[MAX_COLS];
	const char *colname[MAX_COLS];
	unsigned field;			/* index of the next field in this row */
	int header_done;
	uint32_t *node_line;		/* nodes.csv: line of each node, for duplicate errors */
	struct pending_node *pend;	/* nodes.csv: a ring of DEFER + 1 rows */
	unsigned pend_head, n_pend;	/* the oldest, how many */

	/* the row being read */
	struct heap_node_rec rec;
	heap_str_t root_kind;
	int is_root;
	uint64_t from, to;
	uint32_t name, index;
	int has_index;
	uint8_t kind;			/* enum heap_edge_kind, maybe | HEAP_EDGE_META */
	uint64_t rows;			/* data rows so far */
	struct label_slot cache[1 << CACHE_BITS];
};

static int add_pending(struct csvctx *c);

static void fail(struct csvctx *c, const char *fmt, const char *a, const char *b2)
{
	char msg[ERROR_MSG_MAX];

	if (add_pending(c) != 0)	/* an earlier row's error comes first */
		return;
	snprintf(msg, sizeof msg, fmt, a, b2);
	error_set(c->err, "%s:%llu: %s", c->path, (unsigned long long)c->line, msg);
	c->failed = c->slow = 1;
}

/* Quotes a field for an error message. */
static const char *quoted(char *buf, size_t size, const char *s, size_t len)
{
	return error_quote(buf, size, s, len > 40 ? 40 : len);
}

static void trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/* Parses an unsigned 64-bit decimal or 0x-hex number.  Returns 0, -1 for
 * "not a number", -2 for "too large". */
static int parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10;

	if (len && len < 20) {
		/* the common case, every id of a dump: decimal, at most 19
		 * digits (never an overflow), no blanks; anything else
		 * takes the general path below */
		size_t i = 0;
		for (; i < len; i++) {
			unsigned d = (unsigned)(unsigned char)s[i] - '0';
			if (d > 9)
				break;
			v = v * 10 + d;
		}
		if (i == len) {
			*out = v;
			return 0;
		}
		v = 0;
	}
	trim(&s, &len);
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		len -= 2;
	}
	if (len == 0)
		return -1;
	if (base == 10) {
		/* (the common case, every id of a dump: no division per digit;
		 * 19 digits never overflow, a 20th is checked) */
		for (size_t i = 0; i < len; i++) {
			unsigned d = (unsigned)(unsigned char)s[i] - '0';
			if (d > 9)
				return -1;
			if (i >= 19 && (v > UINT64_MAX / 10 || (v == UINT64_MAX / 10 && d > UINT64_MAX % 10)))
				return -2;
			v = v * 10 + d;
		}
		*out = v;
		return 0;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned d;
		char ch = s[i];
		if (ch >= '0' && ch <= '9')
			d = (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			d = (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			d = (unsigned)(ch - 'A' + 10);
		else
			return -1;
		if (v > UINT64_MAX >> 4)
			return -2;
		v = v * 16 + d;
	}
	*out = v;
	return 0;
}

/* Parses a number for column `col`, reporting errors.  Returns 0 or -1. */
static int number(struct csvctx *c, const char *s, size_t len, uint64_t *out, uint64_t max)
{
	char q[200];
	int r = parse_u64(s, len, out);

	if (r == -1) {
		fail(c, "column '%s': '%s' is not an unsigned integer", c->colname[c->field],
		     quoted(q, sizeof q, s, len));
		return -1;
	}
	if (r == -2 || *out > max) {
		char lim[32];
		snprintf(lim, sizeof lim, "%llu", (unsigned long long)max);
		fail(c, "column '%s': number too large (the limit is %s)", c->colname[c->field], lim);
		return -1;
	}
	return 0;
}

/* Interns s[0..len) in c's builder.  The reader's builder is its own: the
 * strings new to it go with the block being filled, and the loading thread
 * interns them in the heap's before it adds the block's rows. */
static heap_str_t intern(struct csvctx *c, const char *s, size_t len)
{
	heap_str_t str = heap_builder_intern(c->b, s, len);
	struct eblock *k = c->blk;
	uint32_t len32 = (uint32_t)len;

	if (!c->q || str <= c->names_max)
		return str;
	c->names_max = str;	/* (offsets grow as strings are added) */
	if (k->names_len + 8 + len > k->names_cap) {
		k->names_cap = (k->names_len + 8 + len) * 2;
		k->names = mem_realloc_array(k->names, k->names_cap, 1);
	}
	memcpy(k->names + k->names_len, &str, 4);
	memcpy(k->names + k->names_len + 4, &len32, 4);
	memcpy(k->names + k->names_len + 8, s, len);
	k->names_len += 8 + len;
	k->n_names++;
	return str;
}

/* The cache slot of a short label, from its length and first and last
 * eight bytes. */
static inline __attribute__((always_inline)) struct label_slot *label_slot(struct csvctx *c, const char *s,
									    size_t len)
{
	uint64_t x = len, y = 0;

	if (len >= 8) {
		memcpy(&x, s, 8);
		memcpy(&y, s + len - 8, 8);
	} else if (len >= 4) {
		uint32_t a, b;
		memcpy(&a, s, 4);
		memcpy(&b, s + len - 4, 4);
		y = (uint64_t)a << 32 | b;
	} else if (len) {
		y = (uint64_t)(unsigned char)s[0] << 16 | (uint64_t)(unsigned char)s[len / 2] << 8 |
		    (unsigned char)s[len - 1];
	}
	x = (x ^ (y * 0x9e3779b97f4a7c15ull) ^ len) * 0xff51afd7ed558ccdull;
	return &c->cache[x >> (64 - CACHE_BITS)];
}

/* Whether a[0..len) and b[0..len) are the same, for 1 <= len <=
 * CACHE_LEN (24), without a call: overlapping loads that cover them. */
static inline int same_short(const char *a, const char *b, size_t len)
{
	uint64_t x0, y0, x1, y1, x2, y2;
	uint32_t u0, v0, u1, v1;

	_Static_assert(CACHE_LEN <= 24, "three 8-byte words cover a cached label");
	if (len >= 8) {
		size_t mid = len > 16 ? 8 : len - 8;
		memcpy(&x0, a, 8);
		memcpy(&y0, b, 8);
		memcpy(&x1, a + mid, 8);
		memcpy(&y1, b + mid, 8);
		memcpy(&x2, a + len - 8, 8);
		memcpy(&y2, b + len - 8, 8);
		return ((x0 ^ y0) | (x1 ^ y1) | (x2 ^ y2)) == 0;
	}
	if (len >= 4) {
		memcpy(&u0, a, 4);
		memcpy(&v0, b, 4);
		memcpy(&u1, a + len - 4, 4);
		memcpy(&v1, b + len - 4, 4);
		return ((u0 ^ v0) | (u1 ^ v1)) == 0;
	}
	return a[0] == b[0] && a[len / 2] == b[len / 2] && a[len - 1] == b[len - 1];
}

static heap_str_t label(struct csvctx *c, const char *s, size_t len)
{
	struct label_slot *slot;

	if (len == 0)
		return 0;
	if (len > LABEL_MAX) {
		char buf[LABEL_MAX + 3];
		memcpy(buf, s, LABEL_MAX);
		memcpy(buf + LABEL_MAX, "...", 3);
		return intern(c, buf, LABEL_MAX + 3);
	}
	if (len > CACHE_LEN)
		return intern(c, s, len);
	slot = label_slot(c, s, len);
	if (slot->len != len || !same_short(slot->s, s, len)) {
		slot->str = intern(c, s, len);
		slot->len = (uint32_t)len;
		memcpy(slot->s, s, len);
	}
	return slot->str;
}

static int word_is(const char *s, size_t len, const char *w)
{
	return strlen(w) == len && memcmp(s, w, len) == 0;
}

static void parse_flags(struct csvctx *c, const char *s, size_t len)
{
	const char *bad;
	size_t bad_len;

	if (heap_parse_flags(s, len, &c->rec.flags, &bad, &bad_len) != 0) {
		char q[200];
		fail(c, "column 'flags': unknown flag '%s' (known: %s)", quoted(q, sizeof q, bad, bad_len),
		     HEAP_FLAG_WORDS);
	}
}

static void header_field(struct csvctx *c, const char *s, size_t len)
{
	enum col_role role = COL_IGNORE;
	const char *name = "?";

	if (c->ncols >= MAX_COLS) {
		fail(c, "more than %s columns in the header%s", "64", "");
		return;
	}
	trim(&s, &len);
	for (size_t k = 0; k < sizeof columns / sizeof columns[0]; k++)
		if (columns[k].edges == c->edges && word_is(s, len, columns[k].header)) {
			role = columns[k].role;
			name = columns[k].header;
		}
	for (unsigned i = 0; i < c->ncols; i++)
		if (role != COL_IGNORE && c->role[i] == role) {
			fail(c, "column '%s' appears twice in the header%s", name, "");
			return;
		}
	c->role[c->ncols] = role;
	c->colname[c->ncols] = name;
	c->ncols++;
}

/* The node's name: from the cache, or copied into the row's pending slot
 * with its intern slot prefetched. */
static void defer_name(struct csvctx *c, const char *s, size_t len)
{
	struct pending_node *p = &c->pend[(c->pend_head + c->n_pend) % (DEFER + 1)];
	struct label_slot *slot;

	c->rec.name = 0;
	p->name_len = 0;
	if (len == 0)
		return;
	if (len <= CACHE_LEN) {
		slot = label_slot(c, s, len);
		if (slot->len == len && same_short(slot->s, s, len)) {
			c->rec.name = slot->str;
			return;
		}
	}
	if (len > LABEL_MAX) {	/* (cut as label() cuts: it leaves this as it is) */
		memcpy(p->name, s, LABEL_MAX);
		memcpy(p->name + LABEL_MAX, "...", 3);
		len = LABEL_MAX + 3;
	} else {
		memcpy(p->name, s, len);
	}
	p->name_len = (uint32_t)len;
	heap_builder_prefetch(c->b, p->name, len);
}

static void node_field(struct csvctx *c, const char *s, size_t len)
{
	uint64_t v;

	switch (c->role[c->field]) {
	case COL_ID:
		if (number(c, s, len, &v, UINT64_MAX) == 0)
			c->rec.id = v;
		break;
	case COL_TYPE:
		c->rec.type = label(c, s, len);
		break;
	case COL_SIZE:
		if (number(c, s, len, &v, UINT64_MAX) == 0)
			c->rec.size = v;
		break;
	case COL_NAME:
		defer_name(c, s, len);
		break;
	case COL_REFCOUNT:
		trim(&s, &len);
		if (len && number(c, s, len, &v, INT64_MAX) == 0) {
			c->rec.refcount = (int64_t)v;
			c->rec.flags |= HEAP_F_HAS_REFCOUNT;
		}
		break;
	case COL_GEN:
		trim(&s, &len);
		if (len && number(c, s, len, &v, 254) == 0)
			c->rec.generation = (uint8_t)v;
		break;
	case COL_ROOT:
		trim(&s, &len);
		if (len && !word_is(s, len, "0")) {
			c->is_root = 1;
			c->root_kind = word_is(s, len, "1") ? heap_builder_intern_cstr(c->b, "root")
							     : label(c, s, len);
		}
		break;
	case COL_FLAGS:
		parse_flags(c, s, len);
		break;
	default:
		break;
	}
}

static void edge_field(struct csvctx *c, const char *s, size_t len)
{
	uint64_t v;

	switch (c->role[c->field]) {
	case COL_FROM:
		if (number(c, s, len, &v, UINT64_MAX) == 0)
			c->from = v;
		break;
	case COL_TO:
		if (number(c, s, len, &v, UINT64_MAX) == 0)
			c->to = v;
		break;
	case COL_NAME:
		c->name = label(c, s, len);
		break;
	case COL_INDEX:
		trim(&s, &len);
		if (len && number(c, s, len, &v, 0x7fffffff) == 0) {
			c->index = (uint32_t)v;
			c->has_index = 1;
		}
		break;
	case COL_KIND:
		trim(&s, &len);
		if (len && heap_parse_kind(s, len, &c->kind) != 0) {	/* (empty: strong) */
			char q[200];
			fail(c, "column 'kind': unknown kind '%s' (%s)", quoted(q, sizeof q, s, len),
			     "expected strong, weak, internal or shortcut, and/or meta");
		}
		break;
	default:
		break;
	}
}

static void on_field(void *data, size_t len, void *ctx)
{
	struct csvctx *c = ctx;
	const char *s = data ? data : "";

	if (c->failed)
		return;
	/* (a newline in a field is quoted: none where the field's chunk and
	 * the one before have no quote) */
	for (const char *nl = len && c->nl_possible ? memchr(s, '\n', len) : NULL; nl;
	     nl = memchr(nl + 1, '\n', len - (size_t)(nl + 1 - s)))
		c->lines_done++;
	if (!c->header_done)
		header_field(c, s, len);
	else if (c->field >= c->ncols)
		; /* counted and reported at the end of the row */
	else if (c->edges)
		edge_field(c, s, len);
	else
		node_field(c, s, len);
	c->field++;
}

static void reset_row(struct csvctx *c)
{
	memset(&c->rec, 0, sizeof c->rec);
	c->rec.generation = HEAP_GEN_UNKNOWN;
	c->is_root = 0;
	c->root_kind = 0;
	c->from = c->to = 0;
	c->name = 0;
	c->index = 0;
	c->has_index = 0;
	c->kind = HEAP_EDGE_STRONG;
	c->field = 0;
}

static int require(struct csvctx *c, enum col_role role, const char *name)
{
	for (unsigned i = 0; i < c->ncols; i++)
		if (c->role[i] == role)
			return 0;
	fail(c, "the header has no '%s' column (required: %s)", name,
	     c->edges ? "from, to" : "id, type, size");
	return -1;
}

static void end_header(struct csvctx *c)
{
	c->header_done = 1;
	if (c->edges) {
		if (require(c, COL_FROM, "from") == 0)
			require(c, COL_TO, "to");
	} else if (require(c, COL_ID, "id") == 0 && require(c, COL_TYPE, "type") == 0) {
		require(c, COL_SIZE, "size");
	}
	c->slow = c->failed;
}

static void add_node(struct csvctx *c, const struct pending_node *p)
{
	heap_node_t v = heap_builder_add_node(c->b, &p->rec, c->err);
	uint32_t n = heap_builder_count(c->b);

	if (v == HEAP_NONE) {
		char msg[ERROR_MSG_MAX];
		snprintf(msg, sizeof msg, "%s", c->err->msg);
		error_set(c->err, "%s:%llu: %s", c->path, (unsigned long long)p->line, msg);
		c->failed = c->slow = 1;
		return;
	}
	if ((n & (n - 1)) == 0 || !c->node_line)	/* grow at powers of two */
		c->node_line = mem_realloc_array(c->node_line, n < 1024 ? 1024 : (size_t)n * 2,
						 sizeof *c->node_line);
	c->node_line[v] = p->line > UINT32_MAX ? UINT32_MAX : (uint32_t)p->line;
	if (p->is_root && heap_builder_add_root(c->b, v, p->root_kind, c->err) != 0)
		c->failed = c->slow = 1;
}

/* Adds the oldest pending node row, its name interned now. */
static void add_oldest(struct csvctx *c)
{
	struct pending_node *p = &c->pend[c->pend_head];

	c->pend_head = (c->pend_head + 1) % (DEFER + 1);
	c->n_pend--;
	if (p->name_len)
		p->rec.name = label(c, p->name, p->name_len);
	add_node(c, p);
}

/* Adds the pending node rows, oldest first.  Returns -1 once the file has
 * failed (now or before). */
static int add_pending(struct csvctx *c)
{
	while (c->n_pend && !c->failed)
		add_oldest(c);
	return c->failed ? -1 : 0;
}

/* Queues the row just read; the oldest is added once DEFER wait. */
static void add_node_row(struct csvctx *c)
{
	struct pending_node *p = &c->pend[(c->pend_head + c->n_pend) % (DEFER + 1)];

	p->rec = c->rec;
	p->line = c->line;
	p->is_root = c->is_root;
	p->root_kind = c->root_kind;
	if (++c->n_pend > DEFER / 2) {
		/* halfway: its slot has arrived; the bytes of the string
		 * there, which the intern compares with, start loading */
		const struct pending_node *h = &c->pend[(c->pend_head + c->n_pend - 1 - DEFER / 2) % (DEFER + 1)];
		if (h->name_len)
			heap_builder_prefetch_match(c->b, h->name, h->name_len);
	}
	if (c->n_pend > DEFER)
		add_oldest(c);
	c->pend[(c->pend_head + c->n_pend) % (DEFER + 1)].name_len = 0;
}

static void queue_push(struct equeue *q, struct eblock *k);
static struct eblock *queue_block(struct equeue *q);

/* Appends the row to the reader's block; a full one goes to the queue. */
static void add_edge_row(struct csvctx *c)
{
	struct eblock *k = c->blk;
	uint32_t i = k->n;

	k->from[i] = c->from;
	k->to[i] = c->to;
	k->name[i] = c->name == 0 && c->has_index ? HEAP_NAME_INDEX | c->index : c->name;
	k->kind[i] = c->kind;
	if (++k->n == BLOCK_ROWS) {
		queue_push(c->q, k);
		c->blk = queue_block(c->q);
	}
}

static void on_row(int term, void *ctx)
{
	struct csvctx *c = ctx;

	if (c->failed)
		return;
	if (c->field == 0) {
		/* a blank line (or the \n of a \r\n pair) */
	} else if (!c->header_done) {
		end_header(c);
	} else if (c->field != c->ncols) {
		char want[16], got[16];
		snprintf(want, sizeof want, "%u", c->ncols);
		snprintf(got, sizeof got, "%u", c->field);
		fail(c, "expected %s fields as in the header, found %s", want, got);
	} else if (c->edges) {
		add_edge_row(c);
		c->rows++;
	} else {
		add_node_row(c);
		c->rows++;
	}
	reset_row(c);
	if (term == '\n')
		c->lines_done++;
	c->line = c->lines_done + 1;
}

/* ---- the data rows' fast path ----
 *
 * libcsv calls back once per field and once per row: 26 million times for
 * the 5M-object heap.  Past the header, the callbacks below take the
 * common fields (plain decimal numbers, labels, empty fields) themselves,
 * with the column's role looked up once, and hand anything else (blanks
 * around a number, hex, errors, kinds, flags, a field past the header's
 * width) to the general functions above, which report the errors. */

/* A plain decimal number of 1 to 19 digits (never an overflow): stores it
 * and returns 1; 0 (nothing stored) for anything else. */
static inline int plain_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len - 1 >= 19)	/* (len 0 wraps) */
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(unsigned char)s[i] - '0';
		if (d > 9)
			return 0;
		v = v * 10 + d;
	}
	*out = v;
	return 1;
}

/* Counts the newlines inside a (quoted) field (s NULL when len is 0). */
static __attribute__((noinline)) void field_newlines(struct csvctx *c, const char *s, size_t len)
{
	if (len == 0)
		return;
	for (const char *nl = memchr(s, '\n', len); nl; nl = memchr(nl + 1, '\n', len - (size_t)(nl + 1 - s)))
		c->lines_done++;
}

/* A short label (1 <= len) in the cache: stores its string and returns 1,
 * or 0. */
static inline int label_cached(struct csvctx *c, const char *s, size_t len, heap_str_t *out)
{
	const struct label_slot *slot;

	if (len > CACHE_LEN)
		return 0;
	slot = label_slot(c, s, len);
	if (slot->len != len || !same_short(slot->s, s, len))
		return 0;
	*out = slot->str;
	return 1;
}

/* The labels not in the cache (kept out of the callbacks below, whose
 * common paths then call nothing). */
static __attribute__((noinline)) void edge_name(struct csvctx *c, const char *s, size_t len)
{
	c->name = label(c, s, len);
}

static __attribute__((noinline)) void node_type(struct csvctx *c, const char *s, size_t len)
{
	c->rec.type = label(c, s, len);
}

/* The general path of field f (the fast one did not take it). */
static __attribute__((noinline)) void slow_field(struct csvctx *c, unsigned f, const char *s, size_t len)
{
	c->field = f;
	if (c->edges)
		edge_field(c, s, len);
	else
		node_field(c, s, len);
	c->field = f + 1;
}

/* Field f of an edge row (past the header, f < ncols).  nl: the field may
 * hold quoted newlines, which the line count needs (a plain number holds
 * none: only the other fields are searched). */
static inline void edge_field_fast(struct csvctx *c, unsigned f, const char *s, size_t len, int nl)
{
	uint64_t v;

	c->field = f + 1;
	switch (c->role[f]) {
	case COL_FROM:
		if (plain_u64(s, len, &c->from))
			return;
		break;
	case COL_TO:
		if (plain_u64(s, len, &c->to))
			return;
		break;
	case COL_NAME:
		if (len == 0) {
			c->name = 0;
			return;
		}
		if (nl)
			field_newlines(c, s, len);
		if (label_cached(c, s, len, &c->name))
			return;
		edge_name(c, s, len);
		return;
	case COL_INDEX:
		if (len == 0)
			return;
		if (plain_u64(s, len, &v) && v <= 0x7fffffff) {
			c->index = (uint32_t)v;
			c->has_index = 1;
			return;
		}
		break;
	case COL_KIND:
		if (len == 0)
			return;
		break;
	default:
		if (nl && len)
			field_newlines(c, s, len);
		return;
	}
	if (nl)
		field_newlines(c, s, len);
	slow_field(c, f, s ? s : "", len);
}

static void on_edge_field(void *data, size_t len, void *ctx)
{
	struct csvctx *c = ctx;
	unsigned f = c->field;

	if (c->slow || f >= c->ncols)
		on_field(data, len, ctx);
	else
		edge_field_fast(c, f, data, len, c->nl_possible);	/* (data NULL when len is 0) */
}

/* Field f of a node row (past the header, f < ncols), as edge_field_fast. */
static inline void node_field_fast(struct csvctx *c, unsigned f, const char *s, size_t len, int nl)
{
	uint64_t v;

	c->field = f + 1;
	switch (c->role[f]) {
	case COL_ID:
		if (plain_u64(s, len, &c->rec.id))
			return;
		break;
	case COL_TYPE:
		if (len == 0) {
			c->rec.type = 0;
			return;
		}
		if (nl)
			field_newlines(c, s, len);
		if (label_cached(c, s, len, &c->rec.type))
			return;
		node_type(c, s, len);
		return;
	case COL_SIZE:
		if (plain_u64(s, len, &c->rec.size))
			return;
		break;
	case COL_NAME:
		if (nl && len)
			field_newlines(c, s, len);
		defer_name(c, s ? s : "", len);
		return;
	case COL_REFCOUNT:
		if (len == 0)
			return;
		if (plain_u64(s, len, &v) && v <= INT64_MAX) {
			c->rec.refcount = (int64_t)v;
			c->rec.flags |= HEAP_F_HAS_REFCOUNT;
			return;
		}
		break;
	case COL_GEN:
		if (len == 0)
			return;
		if (len == 1 && (unsigned)(unsigned char)s[0] - '0' <= 9) {
			c->rec.generation = (uint8_t)(s[0] - '0');
			return;
		}
		break;
	case COL_ROOT:
		if (len == 0)
			return;
		break;
	case COL_IGNORE:
		if (nl && len)
			field_newlines(c, s, len);
		return;
	default:
		break;
	}
	if (nl && len)
		field_newlines(c, s, len);
	slow_field(c, f, s ? s : "", len);
}

static void on_node_field(void *data, size_t len, void *ctx)
{
	struct csvctx *c = ctx;
	unsigned f = c->field;

	if (c->slow || f >= c->ncols)
		on_field(data, len, ctx);
	else
		node_field_fast(c, f, data, len, c->nl_possible);	/* (data NULL when len is 0) */
}

/* The end of a data row with as many fields as the header. */
static void row_done(struct csvctx *c, int term)
{
	c->rows++;
	c->field = 0;
	if (term == '\n')
		c->lines_done++;
	c->line = c->lines_done + 1;
}

/* What both fast row ends share: a blank line, or the \n of a \r\n pair,
 * only counts its line (the row state is as the last row's end left it); a
 * row the fast path did not take whole goes to on_row.  Returns 1 when the
 * row is dealt with. */
static inline int row_end_other(struct csvctx *c, int term)
{
	if (c->field == 0 && !c->slow) {
		if (term == '\n')
			c->lines_done++;
		c->line = c->lines_done + 1;
		return 1;
	}
	if (c->slow || c->field != c->ncols) {
		on_row(term, c);
		return 1;
	}
	return 0;
}

static void on_edge_row(int term, void *ctx)
{
	struct csvctx *c = ctx;

	if (row_end_other(c, term))
		return;
	add_edge_row(c);
	c->from = c->to = 0;
	c->name = 0;
	c->index = 0;
	c->has_index = 0;
	c->kind = HEAP_EDGE_STRONG;
	row_done(c, term);
}

static void on_node_row(int term, void *ctx)
{
	struct csvctx *c = ctx;

	if (row_end_other(c, term))
		return;
	add_node_row(c);
	memset(&c->rec, 0, sizeof c->rec);
	c->rec.generation = HEAP_GEN_UNKNOWN;
	c->is_root = 0;
	c->root_kind = 0;
	row_done(c, term);
}

/* Streams one CSV file through libcsv. */
static const char BOM[] = "\xef\xbb\xbf";	/* UTF-8 byte order mark */

/* After a chunk of n bytes: the progress, and whether to go on (0) or stop
 * (-1 with c->err).  The reader thread reports to the queue only. */
static int chunk_done(struct csvctx *c, uint64_t n, struct progress *prog, uint64_t *done,
		      uint64_t total)
{
	struct equeue *q = c->q;
	int stop = 0;

	*done += n;
	if (q) {
		pthread_mutex_lock(&q->mu);
		q->bytes += n;
		stop = q->stop;
		pthread_mutex_unlock(&q->mu);
	}
	if (stop || ((!q || !q->threaded) && progress_tick(prog, "reading CSV", *done, total)))
		return error_set(c->err, "%s: interrupted", c->path);
	return 0;
}

static int parse_file(struct csvctx *c, struct progress *prog, uint64_t *done, uint64_t total)
{
	struct csv_parser p;
	char *buf = NULL;
	int fd = -1, rc = -1, quote_before = 0;
	uint64_t offset = 0, file_size = 0;
	struct stat st;

	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL | CSV_EMPTY_IS_NULL) != 0)
		return error_set(c->err, "%s: cannot start the CSV parser", c->path);
	fd = open(c->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error_set(c->err, "%s: %s", c->path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == 0 && st.st_size > 0)
		file_size = (uint64_t)st.st_size;
	/* libcsv grows its field buffer by blk_size (128 bytes by default) at
	 * a time: a 100 MB field meant 800000 reallocs, each copying the field
	 * (minutes under ASan).  Blocks of a chunk, then of the buffer's own
	 * size after each chunk: the buffer doubles, once per chunk at most. */
	csv_set_blk_size(&p, CHUNK);
	buf = mem_alloc(CHUNK);
	if (!c->edges)
		c->pend = mem_calloc(DEFER + 1, sizeof *c->pend);
	c->line = 1;
	c->slow = 1;
	reset_row(c);
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);
		size_t used, skip;
		int quote;
		if (n < 0) {
			error_set(c->err, "%s: %s", c->path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		/* a UTF-8 byte order mark (Excel's "CSV UTF-8") is not part of
		 * the first column's name */
		skip = offset == 0 && n >= 3 && memcmp(buf, BOM, 3) == 0 ? 3 : 0;
		quote = memchr(buf + skip, '"', (size_t)n - skip) != NULL;
		c->nl_possible = quote || quote_before;
		quote_before = quote;
		used = csv_parse(&p, buf + skip, (size_t)n - skip, c->edges ? on_edge_field : on_node_field,
				 c->edges ? on_edge_row : on_node_row, c);
		if (c->failed)
			goto out;
		if (used != (size_t)n - skip) {
			if (add_pending(c) == 0)
				error_set(c->err, "%s:%llu: malformed CSV at byte %llu: %s", c->path,
					  (unsigned long long)c->line, (unsigned long long)(offset + skip + used),
					  csv_strerror(csv_error(&p)));
			goto out;
		}
		if (csv_get_buffer_size(&p) > CHUNK)
			csv_set_blk_size(&p, csv_get_buffer_size(&p));
		if (offset == 0 && c->rows && file_size > (uint64_t)n) {
			/* the columns sized once, from the first chunk's rows per byte
			 * (and a tenth more), not grown and copied as they fill; the
			 * rows it cannot hold are bounded by the file's size */
			uint64_t est = c->rows * (file_size / (uint64_t)n + 1);
			est += est / 10;
			if (c->q) {
				/* the queue holds what the reader parses while the
				 * nodes load (as many bytes as nodes.csv holds, the
				 * two parsers going at about the same speed), and a
				 * quarter more: once the nodes are in, the loading
				 * thread keeps up or is the slower one, and rows
				 * waiting longer would only take memory */
				uint64_t cap = c->rows * c->q->nodes_size / (uint64_t)n / BLOCK_ROWS;
				pthread_mutex_lock(&c->q->mu);
				c->q->reserve = est;
				c->q->cap = cap + cap / 4 + 2 < MAX_BLOCKS ? (unsigned)(cap + cap / 4 + 2) : MAX_BLOCKS;
				pthread_mutex_unlock(&c->q->mu);
			} else {
				heap_builder_reserve(c->b, c->edges ? 0 : est, c->edges ? est : 0);
			}
		}
		offset += (uint64_t)n;
		if (chunk_done(c, (uint64_t)n, prog, done, total) != 0)
			goto out;
	}
	c->nl_possible = 1;
	if (csv_fini(&p, on_field, on_row, c) != 0) {
		if (add_pending(c) == 0)
			error_set(c->err, "%s:%llu: malformed CSV at the end of the file: %s (truncated?)",
				  c->path, (unsigned long long)c->line, csv_strerror(csv_error(&p)));
		goto out;
	}
	if (add_pending(c) != 0)
		goto out;
	if (!c->header_done) {
		error_set(c->err, "%s: no header row", c->path);
		goto out;
	}
	rc = 0;
out:
	csv_free(&p);
	free(buf);
	free(c->pend);
	c->pend = NULL;
	c->n_pend = 0;
	if (fd >= 0)
		close(fd);
	return rc;
}


/* ---- edges.csv on a second thread ----
 *
 * The reader parses edges.csv into blocks of raw rows (ids, its own string
 * offsets, kinds) while the loading thread parses nodes.csv; once the nodes
 * are in and indexed, the loading thread resolves the queued blocks, in
 * order, as the reader goes on.  The reader touches its own parser state,
 * its own builder (for the edge names) and the blocks it fills; the queue
 * under its mutex is all they share.  Blocks are mapped, not malloc'd, so
 * the memory of a long queue goes back to the system when it drains. */

static struct eblock *block_at(const struct equeue *q, unsigned i)
{
	return (struct eblock *)(q->region + (size_t)i * BLOCK_BYTES);
}

/* Maps the blocks: address space only, until they are filled. */
static void queue_init(struct equeue *q)
{
	const size_t huge = (size_t)2 << 20;

	_Static_assert(sizeof(struct eblock) <= BLOCK_BYTES, "a block fits its huge page");
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->data, NULL);
	pthread_cond_init(&q->space, NULL);
	q->map_len = (size_t)(MAX_BLOCKS + 2) * BLOCK_BYTES + huge;
	q->map = mmap(NULL, q->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		      -1, 0);
	if (q->map == MAP_FAILED)
		mem_fatal("the queue of CSV edge rows");
	q->region = (char *)(((uintptr_t)q->map + huge - 1) & ~(uintptr_t)(huge - 1));
	hugepage_advise(q->region, (size_t)(MAX_BLOCKS + 2) * BLOCK_BYTES);
	hmap_init(&q->names, 1024);
}

/* An empty block for the reader: a spare one, or a new one. */
static struct eblock *queue_block(struct equeue *q)
{
	struct eblock *k;
	unsigned i;

	pthread_mutex_lock(&q->mu);
	/* (at most MAX_BLOCKS queued, one being added and this one) */
	i = q->n_spare ? q->spare[--q->n_spare] : q->n_new++;
	k = block_at(q, i);
	q->cold[i] = 0;
	if (q->n_warm)
		q->n_warm--;
	pthread_mutex_unlock(&q->mu);
	k->n = k->n_names = 0;
	k->names_len = 0;
	return k;
}

/* Gives an added block back to the reader (the queue's mutex held).  The
 * reader takes spare blocks from the top: the WARM_BLOCKS kept mapped stay
 * there, and the blocks given back to the system go to the bottom (taken
 * last: once the backlog of the nodes' time is added, the reader and the
 * loading thread pass the warm blocks round, with no page faults). */
static void queue_spare(struct equeue *q, struct eblock *k)
{
	unsigned i = (unsigned)(((char *)k - q->region) / BLOCK_BYTES);

	if (q->n_warm >= WARM_BLOCKS) {
		free(k->names);
		k->names = NULL;
		k->names_cap = 0;
		(void)madvise(k, BLOCK_BYTES, MADV_DONTNEED);
		q->cold[i] = 1;
		memmove(q->spare + 1, q->spare, q->n_spare * sizeof *q->spare);
		q->spare[0] = i;
		q->n_spare++;
		return;
	}
	q->spare[q->n_spare++] = i;
	q->n_warm++;
}

static void add_block(struct csvctx *c, struct hmap *names, const struct eblock *k);

/* Queues the reader's block k.  Beside the loading thread the reader waits
 * while MAX_BLOCKS are queued; alone (after the nodes), it adds them
 * itself. */
static void queue_push(struct equeue *q, struct eblock *k)
{
	pthread_mutex_lock(&q->mu);
	while (q->threaded && q->queued >= q->cap && !q->stop)
		pthread_cond_wait(&q->space, &q->mu);
	if (!q->threaded && q->queued == MAX_BLOCKS) {
		for (; q->queued; q->queued--, q->head = (q->head + 1) % MAX_BLOCKS) {
			struct eblock *old = block_at(q, q->ring[q->head]);
			if (!q->loader->failed)
				add_block(q->loader, &q->names, old);
			queue_spare(q, old);
		}
		q->stop = q->loader->failed;
	}
	q->ring[(q->head + q->queued++) % MAX_BLOCKS] = (unsigned)(((char *)k - q->region) / BLOCK_BYTES);
	pthread_cond_signal(&q->data);
	pthread_mutex_unlock(&q->mu);
}

static void *reader_main(void *arg)
{
	struct equeue *q = arg;
	struct csvctx *c = q->rd;
	uint64_t done = q->threaded ? 0 : q->prog_done;
	int rc;

	c->blk = queue_block(q);
	rc = parse_file(c, q->threaded ? NULL : q->prog, &done, q->threaded ? 0 : q->prog_total);
	queue_push(q, c->blk);	/* the last rows (the loading thread adds
				 * those before an error's line, as it
				 * would reading alone) */
	c->blk = NULL;
	pthread_mutex_lock(&q->mu);
	q->rd_rc = rc;
	q->done = 1;
	pthread_cond_signal(&q->data);
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* Tells the reader to stop and waits for it. */
static void queue_stop(struct equeue *q)
{
	if (!q->threaded)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_signal(&q->space);
	pthread_mutex_unlock(&q->mu);
	worker_join(&q->w);
	q->threaded = 0;
}

static void queue_fini(struct equeue *q)
{
	queue_stop(q);
	for (unsigned i = 0; i < q->n_new; i++)
		if (!q->cold[i])	/* (a cold one's names were freed) */
			free(block_at(q, i)->names);
	munmap(q->map, q->map_len);
	hmap_fini(&q->names);
	pthread_cond_destroy(&q->space);
	pthread_cond_destroy(&q->data);
	pthread_mutex_destroy(&q->mu);
}

/* Adds block k's rows: its new names first (into names: the reader's
 * offsets to the heap's), then the rows, in order, each id's index slot
 * prefetched AHEAD rows before its look-up so that the misses overlap. */
static void add_block(struct csvctx *c, struct hmap *names, const struct eblock *k)
{
	const char *p = k->names;
	uint64_t last_from = 0;
	heap_node_t from = HEAP_NONE;
	uint32_t last_name = 0, name = 0;

	for (uint32_t i = 0; i < k->n_names; i++) {
		heap_str_t off;
		uint32_t len;
		memcpy(&off, p, 4);
		memcpy(&len, p + 4, 4);
		hmap_put(names, off, heap_builder_intern(c->b, p + 8, len));
		p += 8 + len;
	}
	for (uint32_t i = 0; i < k->n && !c->failed; i++) {
		heap_node_t to;
		if (i + AHEAD < k->n) {
			if (k->from[i + AHEAD] != k->from[i + AHEAD - 1])
				heap_builder_prefetch_id(c->b, k->from[i + AHEAD]);
			heap_builder_prefetch_id(c->b, k->to[i + AHEAD]);
		}
		/* a dump writes an object's references together: most rows
		 * need one id looked up, not two */
		if (i == 0 || k->from[i] != last_from) {
			last_from = k->from[i];
			from = heap_builder_find(c->b, last_from);
		}
		to = heap_builder_find(c->b, k->to[i]);
		if (k->name[i] != last_name) {
			last_name = k->name[i];
			name = last_name == 0 || last_name & HEAP_NAME_INDEX ? last_name
								      : hmap_get(names, last_name);
		}
		if (from == HEAP_NONE || to == HEAP_NONE)
			heap_builder_unknown_ref(c->b);
		else if (heap_builder_add_edge(c->b, from, to, (enum heap_edge_kind)k->kind[i], name,
					       c->err) != 0)
			c->failed = 1;
	}
}

/* Takes the reader's blocks, in order, and adds their rows (c is the
 * loading thread's state for edges.csv).  Returns 0, or -1 with c->err
 * when adding a row failed or the user interrupted; the reader's own
 * failure is the caller's to report, after this. */
static int take_edges(struct csvctx *c, struct equeue *q, struct progress *prog, uint64_t done,
		      uint64_t total)
{
	struct eblock *k = NULL;
	int reserved = 0;

	while (!c->failed) {
		uint64_t bytes, reserve;

		pthread_mutex_lock(&q->mu);
		if (k)
			queue_spare(q, k);
		while (!q->queued && !q->done)
			pthread_cond_wait(&q->data, &q->mu);
		k = NULL;
		if (q->queued) {
			k = block_at(q, q->ring[q->head]);
			q->head = (q->head + 1) % MAX_BLOCKS;
			q->queued--;
			pthread_cond_signal(&q->space);
		}
		bytes = q->bytes;
		reserve = q->reserve;
		pthread_mutex_unlock(&q->mu);
		if (!k)
			break;
		if (!reserved && reserve) {
			heap_builder_reserve(c->b, 0, reserve);
			reserved = 1;
		}
		add_block(c, &q->names, k);
		if (!c->failed && q->threaded && progress_tick(prog, "reading CSV", done + bytes, total)) {
			error_set(c->err, "%s: interrupted", c->path);
			c->failed = 1;
		}
	}
	return c->failed ? -1 : 0;
}

/* ---- paths ---- */

static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Replaces the last "from" in the file-name part of path with "to" into
 * out.  Returns 0, or -1 when the name has no "from". */
static int swap_name(const char *path, const char *from, const char *to, char *out, size_t size)
{
	const char *base = strrchr(path, '/');
	const char *hit = NULL, *p;

	base = base ? base + 1 : path;
	for (p = strstr(base, from); p; p = strstr(p + 1, from))
		hit = p;
	if (!hit)
		return -1;
	if ((size_t)snprintf(out, size, "%.*s%s%s", (int)(hit - path), path, to,
			     hit + strlen(from)) >= size)
		return -1;
	return 0;
}

/* Finds the nodes and edges files for path.  Returns 0 or -1 with err. */
static int find_pair(const char *path, char *nodes, char *edges, size_t size, struct error *err)
{
	if (is_dir(path)) {
		snprintf(nodes, size, "%s/nodes.csv", path);
		snprintf(edges, size, "%s/edges.csv", path);
	} else if (swap_name(path, "nodes", "edges", edges, size) == 0) {
		snprintf(nodes, size, "%s", path);
	} else if (swap_name(path, "edges", "nodes", nodes, size) == 0) {
		snprintf(edges, size, "%s", path);
	} else {
		return error_set(err, "%s: a CSV snapshot is a folder with nodes.csv and edges.csv, or "
				 "two files named *nodes*.csv and *edges*.csv", path);
	}
	if (!is_file(nodes))
		return error_set(err, "%s: the nodes file of this CSV snapshot is missing", nodes);
	if (!is_file(edges))
		return error_set(err, "%s: the edges file of this CSV snapshot is missing", edges);
	return 0;
}

static int header_has(const unsigned char *head, size_t len, const char *const *names, size_t n)
{
	size_t eol = 0;

	while (eol < len && head[eol] != '\n')
		eol++;
	for (size_t k = 0; k < n; k++) {
		size_t w = strlen(names[k]);
		int found = 0;
		for (size_t i = 0; i + w <= eol && !found; i++)
			if (memcmp(head + i, names[k], w) == 0 && (i == 0 || head[i - 1] == ',' ||
				head[i - 1] == '"') && (i + w == eol || head[i + w] == ',' ||
				head[i + w] == '"' || head[i + w] == '\r'))
				found = 1;
		if (!found)
			return 0;
	}
	return 1;
}

static int csv_sniff(const char *path, const unsigned char *head, size_t len, int dir)
{
	static const char *const node_cols[] = { "id", "type", "size" };
	static const char *const edge_cols[] = { "from", "to" };
	char a[4096], b2[4096];
	struct error err;

	if (dir)
		return find_pair(path, a, b2, sizeof a, &err) == 0 ? 90 : 0;
	if (len >= 3 && memcmp(head, BOM, 3) == 0)
		head += 3, len -= 3;
	if (header_has(head, len, node_cols, 3) || header_has(head, len, edge_cols, 2))
		return 80;
	return 0;
}

static int csv_load(const char *path, struct heap_builder *b, struct progress *prog,
		    struct error *err)
{
	char nodes[4096], edges[4096];
	struct csvctx *c = NULL, *rd = NULL;
	struct equeue q;
	struct stat st;
	uint64_t total = 0, done = 0, edges_size = 0;
	heap_node_t dup_a, dup_b;
	int rc = -1;

	if (find_pair(path, nodes, edges, sizeof nodes, err) != 0)
		return -1;
	if (stat(nodes, &st) == 0)
		total += (uint64_t)st.st_size;
	if (stat(edges, &st) == 0)
		edges_size = (uint64_t)st.st_size;
	total += edges_size;

	c = mem_calloc(1, sizeof *c);
	rd = mem_calloc(1, sizeof *rd);
	memset(&q, 0, sizeof q);
	queue_init(&q);
	q.rd = rd;
	q.cap = MAX_BLOCKS;
	q.nodes_size = total - edges_size;
	rd->path = edges;
	rd->b = heap_builder_new();
	if (!rd->b)
		mem_fatal("the CSV edge names");
	rd->q = &q;
	rd->err = &q.rd_err;
	rd->edges = 1;
	/* edges.csv read beside nodes.csv (small files are read after it) */
	q.threaded = edges_size >= THREAD_MIN;	/* (set before the reader reads it) */
	if (q.threaded && !worker_start(&q.w, reader_main, &q))
		q.threaded = 0;

	c->path = nodes;
	c->b = b;
	c->err = err;
	if (parse_file(c, prog, &done, total) != 0)
		goto out;
	if (heap_builder_index(b, &dup_a, &dup_b) != 0) {
		error_set(err, "%s:%u: object id %llu appears again (first on line %u)", nodes,
			  (unsigned)c->node_line[dup_b],
			  (unsigned long long)heap_builder_node_id(b, dup_b), (unsigned)c->node_line[dup_a]);
		goto out;
	}
	free(c->node_line);
	memset(c, 0, sizeof *c);

	c->path = edges;
	c->b = b;
	c->err = err;
	c->edges = 1;
	pthread_mutex_lock(&q.mu);
	q.loader = c;
	pthread_mutex_unlock(&q.mu);
	if (!q.threaded) {
		q.prog = prog;
		q.prog_done = done;
		q.prog_total = total;
		reader_main(&q);
	}
	if (take_edges(c, &q, prog, done, total) != 0)
		goto out;
	/* every block is added: the reader is done */
	if (q.rd_rc != 0) {
		error_set(err, "%s", q.rd_err.msg);
		goto out;
	}
	rc = 0;
out:
	queue_fini(&q);
	heap_builder_free(rd->b);
	free(c->node_line);
	free(c);
	free(rd);
	return rc;
}

const struct loader fmt_csv = {
	.name = "csv",
	.description = "heapglass CSV: a folder with nodes.csv + edges.csv (docs/csv-format.md)",
	.sniff = csv_sniff,
	.load = csv_load,
};
