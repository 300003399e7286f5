/* Unit tests of the heap builder and the frozen heap, against a plain
 * edge-list reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/oracle.h"

#include "graph/heap.h"
#include "graph/reach.h"

static uint64_t rng_state = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void test_intern(void **state)
{
	struct heap_builder *b = heap_builder_new();
	struct error err;
	heap_str_t a, a2, nul, empty;
	struct heap_node_rec rec = { .generation = HEAP_GEN_UNKNOWN };
	struct heap *h;
	size_t len;

	(void)state;
	a = heap_builder_intern_cstr(b, "Node");
	a2 = heap_builder_intern(b, "Node!", 4);
	assert_int_equal(a, a2);
	nul = heap_builder_intern(b, "a\0b", 3);
	assert_int_not_equal(nul, a);
	empty = heap_builder_intern(b, "", 0);
	assert_int_equal(empty, 0);
	/* many strings force the table and arena to grow; half way, a
	 * reserve resizes the table at once: every string keeps its offset */
	{
		heap_str_t *off = malloc(40000 * sizeof *off);
		for (int i = 0; i < 40000; i++) {
			char buf[32];
			int n = snprintf(buf, sizeof buf, "s%d", i);
			if (i == 20000)
				heap_builder_reserve_strings(b, 100000);
			off[i] = heap_builder_intern(b, buf, (size_t)n);
			assert_true(off[i] != a && off[i] != nul);
			assert_true(i == 0 || off[i] > off[i - 1]);
		}
		heap_builder_reserve_strings(b, 10);	/* smaller: changes nothing */
		/* the arena's room, reserved: each new string takes its length
		 * + 5 of it, and the table is the other range */
		{
			void *p[2];
			size_t rlen[2], room;
			heap_builder_reserve_arena(b, 100000);
			assert_int_equal(heap_builder_string_room(b, p, rlen), 2);
			assert_true(rlen[0] >= 100000 * 4 / 3 * sizeof(uint64_t) / 2);	/* the table */
			room = rlen[1];
			assert_true(room >= 100000);
			assert_int_not_equal(heap_builder_intern_cstr(b, "0123456789"), 0);
			assert_int_equal(heap_builder_string_room(b, p, rlen), 2);
			assert_int_equal(rlen[1], room - 15);
		}
		for (int i = 0; i < 40000; i += 7) {
			char buf[32];
			int n = snprintf(buf, sizeof buf, "s%d", i);
			assert_int_equal(heap_builder_intern(b, buf, (size_t)n), off[i]);
		}
		free(off);
	}
	assert_int_equal(heap_builder_intern_cstr(b, "s123"), heap_builder_intern_cstr(b, "s123"));
	assert_int_equal(heap_builder_intern_cstr(b, "Node"), a);
	rec.type = a;
	rec.name = nul;
	heap_builder_add_node(b, &rec, &err);
	h = heap_builder_freeze(b, &err);
	assert_non_null(h);
	assert_string_equal(heap_string(h, h->type[0], &len), "Node");
	assert_int_equal(len, 4);
	assert_memory_equal(heap_string(h, h->name[0], &len), "a\0b", 3);
	assert_int_equal(len, 3);
	assert_string_equal(heap_string(h, 0, &len), "");
	assert_int_equal(len, 0);
	heap_free(h);
	heap_builder_free(b);
}

/* Random graphs: the frozen CSR must hold exactly the added edges, each
 * source's edges in the order added, and the incoming index must mirror
 * the outgoing one; the user-graph bits follow heap.h's rule.  One round
 * in eight is big enough (thousands of references) for the scatter's
 * prefetching to run far ahead. */
static void check_random(int sorted)
{
	for (int round = 0; round < 200; round++) {
		oracle_round(__func__, round, rng_state);
		struct heap_builder *b = heap_builder_new();
		struct error err;
		int big = round % 8 == 7;
		uint32_t n = 1 + (uint32_t)(rnd() % (big ? 3000 : 60));
		uint32_t m = (uint32_t)(rnd() % (big ? 12000 : 200));
		uint32_t *ef = malloc(m * 4 + 4), *et = malloc(m * 4 + 4), *en = malloc(m * 4 + 4);
		uint8_t *meta = malloc(m + 1);
		uint16_t *fl = malloc(n * 2 + 2);
		uint64_t n_meta = 0;
		uint32_t n_not_user = 0;
		struct heap *h;

		for (uint32_t v = 0; v < n; v++) {
			static const uint16_t pick[] = { 0, 0, 0, HEAP_F_ANCHOR, HEAP_F_RUNTIME, HEAP_F_SYNTHETIC,
							 HEAP_F_SYNTHETIC | HEAP_F_RUNTIME };
			struct heap_node_rec rec = { .id = 1000 + 7 * (uint64_t)(n - v), .size = v,
						     .generation = (uint8_t)(v % 3) };
			rec.flags = fl[v] = pick[rnd() % 7];
			n_not_user += (fl[v] & HEAP_F_NOT_USER) != 0;
			assert_int_equal(heap_builder_add_node(b, &rec, &err), v);
		}
		for (uint32_t e = 0; e < m; e++) {
			ef[e] = (uint32_t)(rnd() % n);
			et[e] = (uint32_t)(rnd() % n);
			en[e] = HEAP_NAME_INDEX | e;
			meta[e] = rnd() % 5 == 0;
			n_meta += meta[e];
		}
		if (sorted) { /* insertion sort by source, stable (2: all but the last edge) */
			for (uint32_t i = 1; i < (sorted == 2 && m ? m - 1 : m); i++)
				for (uint32_t j = i; j > 0 && ef[j - 1] > ef[j]; j--) {
					uint32_t t;
					t = ef[j], ef[j] = ef[j - 1], ef[j - 1] = t;
					t = et[j], et[j] = et[j - 1], et[j - 1] = t;
					t = en[j], en[j] = en[j - 1], en[j - 1] = t;
					t = meta[j], meta[j] = meta[j - 1], meta[j - 1] = (uint8_t)t;
				}
		}
		for (uint32_t e = 0; e < m; e++)
			assert_int_equal(heap_builder_add_edge(b, ef[e], et[e], (enum heap_edge_kind)(((en[e] & ~HEAP_NAME_INDEX) % 4) |
												 (meta[e] ? HEAP_EDGE_META : 0)),
							       en[e], &err), 0);
		/* the builder keeps the sources as offsets while they ascend,
		 * one per edge from the first that does not */
		for (uint32_t e = 0; e < m; e++)
			assert_int_equal(heap_builder_edge_from(b, e), ef[e]);
		if (n > 1)
			assert_int_equal(heap_builder_add_root(b, 1, 0, &err), 0);
		h = heap_builder_freeze(b, &err);
		assert_non_null(h);
		assert_int_equal(h->n_nodes, n);
		assert_int_equal(h->n_edges, m);
		/* outgoing: for each source, the edges in insertion order */
		for (uint32_t v = 0; v < n; v++) {
			uint32_t k = h->out_off[v];
			for (uint32_t e = 0; e < m; e++) {
				if (ef[e] != v)
					continue;
				assert_true(k < h->out_off[v + 1]);
				assert_int_equal(h->out_to[k], et[e]);
				assert_int_equal(h->out_name[k], en[e]);
				assert_int_equal(heap_out_kind(h, k), (en[e] & ~HEAP_NAME_INDEX) % 4);
				/* the user graph: retains, not meta, neither end an
				 * anchor or the runtime's */
				assert_int_equal(heap_out_user(h, k),
						 heap_edge_retains(heap_out_kind(h, k), fl[v]) && !meta[e] &&
						 !(fl[v] & HEAP_F_NOT_USER) && !(fl[et[e]] & HEAP_F_NOT_USER));
				k++;
			}
			assert_int_equal(k, h->out_off[v + 1]);
		}
		/* incoming mirrors outgoing */
		assert_int_equal(h->in_off[n], m);
		for (uint32_t v = 0; v < n; v++)
			for (uint32_t k = h->in_off[v]; k < h->in_off[v + 1]; k++) {
				uint32_t e = heap_in_edges(h)[k];
				uint32_t u = h->in_from[k];
				assert_true(e >= h->out_off[u] && e < h->out_off[u + 1]);
				assert_int_equal(h->out_to[e], v);
				/* the retains bit is the edge's rule; sources ascend,
				 * repeated references in out-edge order */
				assert_int_equal(heap_in_retains(h, k), reach_retains(h, u, e));
				assert_int_equal(heap_in_user(h, k), heap_out_user(h, e));
				if (k > h->in_off[v])
					assert_true(h->in_from[k - 1] < u ||
						    (h->in_from[k - 1] == u && heap_in_edges(h)[k - 1] < e));
			}
		assert_int_equal(h->meta_refs, n_meta);
		assert_int_equal(h->not_user_nodes, n_not_user);
		/* ids are descending: heap_find must use the sorted order */
		for (uint32_t v = 0; v < n; v++)
			assert_int_equal(heap_find(h, heap_id(h, v)), v);
		assert_int_equal(heap_find(h, 3), HEAP_NONE);
		assert_int_equal(heap_find(h, 1001), HEAP_NONE);
		if (n > 1) {
			assert_int_equal(h->n_roots, 1);
			assert_true(h->flags[1] & HEAP_F_ROOT);
		}
		heap_free(h);
		heap_builder_free(b);
		free(ef);
		free(et);
		free(en);
		free(meta);
		free(fl);
	}
	oracle_rounds_done();
}

static void test_random_sorted(void **state)
{
	(void)state;
	check_random(1);
}

/* Grouped by source up to the last edge, which goes back to an earlier
 * source: the builder's offsets become one source per edge at the end. */
static void test_random_late_unsorted(void **state)
{
	(void)state;
	check_random(2);
}

static void test_random_unsorted(void **state)
{
	(void)state;
	check_random(0);
}

/* A heap big enough that the freeze faults its in CSR in on another
 * thread while it builds it, and prefetches far ahead, with edges grouped
 * by source and not: every in-edge is its out-edge's (heap_in_edges,
 * built apart from the freeze), the sources of each target ascend, and
 * the retains and user bits follow the rules on both sides. */
/* The in-lists against an independent count, sorted and unsorted, below
 * and above the size where the freeze builds them on two threads (heap.c:
 * CSR_SPLIT_MIN_REFS, 2^20 references). */
static void test_big(void **state)
{
	(void)state;
	for (int run = 0; run < 4; run++) {
		enum { N = 30000 };
		const uint32_t M = run < 2 ? 150000 : 1200000;
		int sorted = run % 2;
		struct heap_builder *b = heap_builder_new();
		struct error err;
		uint32_t *ef = malloc(M * 4), *et = malloc(M * 4);
		uint8_t *kd = malloc(M);
		uint16_t *fl = malloc(N * 2);
		uint64_t n_meta = 0;
		uint32_t *deg = calloc(N, 4);
		const uint32_t *ie;
		struct heap *h;

		for (uint32_t v = 0; v < N; v++) {
			static const uint16_t pick[] = { 0, 0, 0, HEAP_F_ANCHOR, HEAP_F_RUNTIME, HEAP_F_SYNTHETIC };
			struct heap_node_rec rec = { .id = 5 + 2 * (uint64_t)v, .generation = HEAP_GEN_UNKNOWN };
			rec.flags = fl[v] = pick[rnd() % 6];
			assert_int_equal(heap_builder_add_node(b, &rec, &err), v);
		}
		for (uint32_t e = 0; e < M; e++) {
			ef[e] = sorted ? (uint32_t)((uint64_t)e * N / M) : (uint32_t)(rnd() % N);
			/* a few targets take many references */
			et[e] = rnd() % 4 == 0 ? (uint32_t)(rnd() % 8) : (uint32_t)(rnd() % N);
			kd[e] = (uint8_t)(rnd() % 4 | (rnd() % 5 == 0 ? HEAP_EDGE_META : 0));
			n_meta += (kd[e] & HEAP_EDGE_META) != 0;
			deg[et[e]]++;
			assert_int_equal(heap_builder_add_edge(b, ef[e], et[e], (enum heap_edge_kind)kd[e],
							       HEAP_NAME_INDEX | e, &err), 0);
		}
		h = heap_builder_freeze(b, &err);
		assert_non_null(h);
		assert_int_equal(h->meta_refs, n_meta);
		for (uint32_t e = 0; e < M; e++) {
			uint32_t k = h->out_name[e] & ~HEAP_NAME_INDEX;	/* the edge as added */
			uint16_t f = fl[ef[k]];
			int ret = heap_edge_retains(kd[k] & 3, f);
			assert_int_equal(h->out_to[e], et[k]);
			assert_int_equal(heap_out_kind(h, e), kd[k] & 3);
			assert_int_equal(heap_out_meta(h, e), (kd[k] & HEAP_EDGE_META) != 0);
			assert_int_equal(heap_out_user(h, e), ret && !(kd[k] & HEAP_EDGE_META) &&
							      !(f & HEAP_F_NOT_USER) && !(fl[et[k]] & HEAP_F_NOT_USER));
		}
		ie = heap_in_edges(h);
		assert_int_equal(h->in_off[N], M);
		for (uint32_t v = 0; v < N; v++) {
			assert_int_equal(h->in_off[v + 1] - h->in_off[v], deg[v]);
			for (uint32_t k = h->in_off[v]; k < h->in_off[v + 1]; k++) {
				uint32_t e = ie[k], u = h->in_from[k];
				assert_true(e >= h->out_off[u] && e < h->out_off[u + 1]);
				assert_int_equal(h->out_to[e], v);
				assert_int_equal(heap_in_retains(h, k), heap_edge_retains(heap_out_kind(h, e), h->flags[u]));
				assert_int_equal(heap_in_user(h, k), heap_out_user(h, e));
				if (k > h->in_off[v])
					assert_true(h->in_from[k - 1] < u ||
						    (h->in_from[k - 1] == u && ie[k - 1] < e));
			}
		}
		heap_free(h);
		heap_builder_free(b);
		free(ef);
		free(et);
		free(kd);
		free(fl);
		free(deg);
	}
}

/* Ids in k ascending runs (loaders write a few: V8 three, HPROF a few
 * hundred): merged when there are few runs, radix-sorted when many; either
 * way heap_find() finds every node and the id order (built by the first
 * heap_find(), not before) ascends.  Ids that span 2^32 or more (noise in
 * the high bits) are kept in 64 bits, the others in 32 over the lowest,
 * which is far from 0. */
static void test_id_runs(void **state)
{
	static const uint32_t runs[] = { 1, 2, 3, 63, 64, 65, 66, 1000, 5000 };

	(void)state;
	for (size_t rr = 0; rr < 2 * sizeof runs / sizeof *runs; rr++) {
		size_t r = rr / 2;
		int wide = rr % 2;
		enum { N = 5000 };
		struct heap_builder *b = heap_builder_new();
		struct error err;
		uint64_t *ids = malloc(N * sizeof *ids);
		struct heap *h;

		/* distinct ids (a permutation of multiples of 3 plus noise in the
		 * high bits), then each run sorted: k runs exactly when the
		 * runs' ends and starts descend */
		for (uint32_t v = 0; v < N; v++)
			ids[v] = (wide ? (uint64_t)(rnd() % 4) << 40 : UINT64_C(0x7f0000000000)) +
				 3 * (uint64_t)v;
		for (uint32_t v = N - 1; v > 0; v--) {
			uint32_t j = (uint32_t)(rnd() % (v + 1));
			uint64_t t = ids[v];
			ids[v] = ids[j];
			ids[j] = t;
		}
		for (uint32_t k = 0; k < runs[r]; k++) {
			uint32_t lo = (uint32_t)((uint64_t)N * k / runs[r]), hi = (uint32_t)((uint64_t)N * (k + 1) / runs[r]);
			for (uint32_t i = lo + 1; i < hi; i++)	/* insertion sort, ascending */
				for (uint32_t j = i; j > lo && ids[j - 1] > ids[j]; j--) {
					uint64_t t = ids[j];
					ids[j] = ids[j - 1];
					ids[j - 1] = t;
				}
		}
		for (uint32_t v = 0; v < N; v++) {
			struct heap_node_rec rec = { .id = ids[v], .generation = HEAP_GEN_UNKNOWN };
			assert_int_equal(heap_builder_add_node(b, &rec, &err), v);
		}
		/* the builder's ids: 32 bits until the first that needs 64 */
		{
			struct heap_builder_view bv;
			heap_builder_view(b, &bv);
			assert_true(bv.id64 && !bv.id32);	/* every run has ids of 2^32 and more */
			for (uint32_t v = 0; v < N; v++) {
				assert_int_equal(heap_builder_node_id(b, v), ids[v]);
				assert_int_equal(heap_builder_view_id(&bv, v), ids[v]);
			}
		}
		h = heap_builder_freeze(b, &err);
		assert_non_null(h);
		if (!wide && runs[r] == 1)	/* base + 3v: one run of steps */
			assert_true(h->id_runs != NULL && h->id32 == NULL && h->id64 == NULL);
		else
			assert_true(wide ? h->id64 != NULL && h->id32 == NULL : h->id32 != NULL && h->id64 == NULL);
		for (uint32_t v = 0; v < N; v++)
			assert_int_equal(heap_id(h, v), ids[v]);
		assert_null(atomic_load(&h->id_order_memo));
		for (uint32_t v = 0; v < N; v++)
			assert_int_equal(heap_find(h, ids[v]), v);
		assert_true(runs[r] == 1 ? heap_id_order(h) == NULL : heap_id_order(h) != NULL);
		for (uint32_t i = 1; heap_id_order(h) && i < N; i++)
			assert_true(ids[heap_id_order(h)[i - 1]] < ids[heap_id_order(h)[i]]);
		assert_int_equal(heap_find(h, 1), HEAP_NONE);
		heap_free(h);
		heap_builder_free(b);
		free(ids);
	}
}

/* A heap of n nodes with ids[] and sizes[] (sizes NULL: 0), no edges. */
static struct heap *nodes_heap(uint32_t n, const uint64_t *ids, const uint64_t *sizes)
{
	struct heap_builder *b = heap_builder_new();
	struct error err;
	struct heap *h;

	for (uint32_t v = 0; v < n; v++) {
		struct heap_node_rec rec = { .id = ids[v], .size = sizes ? sizes[v] : 0,
					     .generation = HEAP_GEN_UNKNOWN };
		assert_int_equal(heap_builder_add_node(b, &rec, &err), v);
	}
	h = heap_builder_freeze(b, &err);
	assert_non_null(h);
	heap_builder_free(b);
	return h;
}

/* Ids that go in steps (V8's: +2 from object to object, a few dozen jumps,
 * some down, a cluster at the end) are kept as runs, no column: heap_id()
 * gives back every id as added, across runs and blocks, many runs in one
 * block too, and heap_find() finds every node (the runs ascending or not).
 * Too many runs (more than one for 64 nodes) keep the column. */
static void test_id_steps(void **state)
{
	enum { N = 3 * (1 << HEAP_ID_BLOCK_BITS) + 77 };
	uint64_t *ids = malloc(N * sizeof *ids);
	struct heap *h;

	(void)state;
	for (int kind = 0; kind < 7; kind++) {
		uint64_t id = kind == 1 ? UINT64_C(0x7f0000000000) : 1, step = kind == 2 ? (uint64_t)-16 : 2;
		uint32_t starts = 0;
		for (uint32_t v = 0; v < N; v++) {
			int jump = 0;
			if (kind == 0 || kind == 1 || kind == 2)	/* V8-like: a jump every 997 */
				jump = v % 997 == 500;
			else if (kind == 3)	/* 150 runs inside the second block */
				jump = v > (1u << HEAP_ID_BLOCK_BITS) && (v - (1u << HEAP_ID_BLOCK_BITS)) % 20 == 7 &&
				       (v - (1u << HEAP_ID_BLOCK_BITS)) / 20 < 150;
			else if (kind == 4)	/* 20 in the last few nodes (as V8's end) */
				jump = v >= N - 40 && v % 2;
			else if (kind == 5)	/* one run for 63 nodes: too many */
				jump = v % 63 == 0;
			else			/* an outlier in a run of steps, ids over 2^32 */
				jump = v == 5000;
			if (jump) {
				starts++;
				id += kind == 0 ? UINT64_C(1) << 33 : kind == 2 ? 12345 : 1000;
			}
			ids[v] = kind == 6 && v == 5000 ? UINT64_C(1) << 40 : id;
			id += step;
			if (kind == 6)
				ids[v] += UINT64_C(1) << 35;
		}
		/* a jump makes one run; an outlier two more (it, and the steps after) */
		h = nodes_heap(N, ids, NULL);
		if (kind == 5) {
			assert_null(h->id_runs);
			assert_true(h->id32 != NULL || h->id64 != NULL);
		} else {
			assert_non_null(h->id_runs);
			assert_true(h->id32 == NULL && h->id64 == NULL);
			assert_int_equal(h->n_id_runs, kind == 6 ? 3 : starts + 1);
		}
		for (uint32_t v = 0; v < N; v++)
			assert_int_equal(heap_id(h, v), ids[v]);
		for (uint32_t v = 0; v < N; v++)
			assert_int_equal(heap_find(h, ids[v]), v);
		assert_int_equal(heap_find(h, ids[0] + 1), HEAP_NONE);
		heap_free(h);
	}
	/* one block of 640 nodes: 10 runs kept as runs, 11 not */
	for (uint32_t k = 10; k <= 11; k++) {
		for (uint32_t v = 0; v < 640; v++)
			ids[v] = 3 + 2 * (uint64_t)v + (uint64_t)(v * k / 640) * 1000;
		h = nodes_heap(640, ids, NULL);
		assert_true(k == 10 ? h->id_runs != NULL && h->n_id_runs == 10 : h->id_runs == NULL);
		for (uint32_t v = 0; v < 640; v++)
			assert_int_equal(heap_id(h, v), ids[v]);
		heap_free(h);
	}
	free(ids);
}

/* Sizes in 16 bits while at most one node in 64 has 64 KiB or more, those
 * in the side table, from a 32-bit builder column and from a 64-bit one (a
 * size of 4 GiB or more); one more big size keeps 32 bits. */
static void test_sizes16(void **state)
{
	enum { N = 6400 };
	uint64_t *ids = malloc(N * sizeof *ids), *sizes = malloc(N * sizeof *sizes);

	(void)state;
	for (uint32_t v = 0; v < N; v++)
		ids[v] = 7 * (uint64_t)v * v + 1;
	for (int kind = 0; kind < 3; kind++) {
		struct heap *h;
		uint64_t total = 0;
		uint32_t big = 0;
		for (uint32_t v = 0; v < N; v++) {
			sizes[v] = (rnd() % 65535);	/* 0 .. 0xfffe */
			if (v % 64 == 63 || (kind == 2 && v == 10)) {
				sizes[v] = kind == 1 && v == 63 ? UINT64_C(0x123456789ab) : 0xffff + rnd() % 100000;
				big++;
			}
			total += sizes[v];
		}
		h = nodes_heap(N, ids, sizes);
		if (kind < 2) {
			assert_non_null(h->size16);
			assert_null(h->size32);
		} else {
			assert_null(h->size16);
			assert_non_null(h->size32);
		}
		assert_int_equal(h->n_big_sizes, kind < 2 ? big : kind == 1);
		for (uint32_t v = 0; v < N; v++)
			assert_int_equal(heap_size(h, v), sizes[v]);
		assert_int_equal(h->total_size, total);
		heap_free(h);
	}
	free(ids);
	free(sizes);
}

/* ids base + i * stride for i < 100000: stride 16 (addresses, as a Python
 * dump's) takes the hash table, stride 3 the array over a dense range; the
 * same answers either way, holes and ids outside the range included. */
static void index_and_duplicates(uint64_t base, uint64_t stride)
{
	struct heap_builder *b = heap_builder_new();
	struct error err;
	heap_node_t a = 0, c = 0;

	for (uint64_t i = 0; i < 100000; i++) {
		struct heap_node_rec rec = { .id = i * stride + base };
		heap_builder_add_node(b, &rec, &err);
	}
	assert_int_equal(heap_builder_index(b, &a, &c), 0);
	for (uint64_t i = 0; i < 100000; i += 997) {
		heap_builder_prefetch_id(b, i * stride + base);
		assert_int_equal(heap_builder_find(b, i * stride + base), i);
	}
	assert_int_equal(heap_builder_find(b, 99999 * stride + base), 99999);
	if (stride > 1)
		assert_int_equal(heap_builder_find(b, 1 + base), HEAP_NONE);
	assert_int_equal(heap_builder_find(b, base - 1), HEAP_NONE);
	assert_int_equal(heap_builder_find(b, 99999 * stride + base + 1), HEAP_NONE);
	assert_int_equal(heap_builder_find(b, 0), HEAP_NONE);
	assert_int_equal(heap_builder_find(b, UINT64_MAX), HEAP_NONE);
	heap_builder_prefetch_id(b, UINT64_MAX);
	{
		struct heap_node_rec rec = { .id = 5 * stride + base };
		heap_builder_add_node(b, &rec, &err);
	}
	assert_int_equal(heap_builder_index(b, &a, &c), -1);
	assert_int_equal(a, 5);
	assert_int_equal(c, 100000);
	heap_builder_free(b);
}

/* Shallow sizes are kept in 32 bits, those of 4 GiB or more in a side
 * table: heap_size() gives back every size as added, around the edge
 * (2^32 - 2 fits, 2^32 - 1 does not), and the total.  The refcount column
 * exists only when a node has a refcount. */
static void test_sizes(void **state)
{
	static const uint64_t sizes[] = {
		0, 1, 4095, UINT64_C(0xfffffffe), UINT64_C(0xffffffff), 7, UINT64_C(0x100000000),
		UINT64_C(0x123456789ab), 16, UINT64_C(0xffffffff), 0x7fffffff,
	};
	enum { N = sizeof sizes / sizeof *sizes };

	(void)state;
	for (int rc = 0; rc < 2; rc++) {
		struct heap_builder *b = heap_builder_new();
		struct error err;
		struct heap *h;
		uint64_t total = 0;

		for (uint32_t v = 0; v < N; v++) {
			struct heap_node_rec rec = { .id = 10 + v, .size = sizes[v],
						     .generation = HEAP_GEN_UNKNOWN };
			if (rc && v == 3) {
				rec.flags = HEAP_F_HAS_REFCOUNT;
				rec.refcount = 42;
			}
			assert_int_equal(heap_builder_add_node(b, &rec, &err), v);
			total += sizes[v];
		}
		h = heap_builder_freeze(b, &err);
		assert_non_null(h);
		for (uint32_t v = 0; v < N; v++) {
			assert_int_equal(heap_size(h, v), sizes[v]);
			assert_int_equal(heap_refcount(h, v), rc && v == 3 ? 42 : 0);
		}
		assert_int_equal(h->n_big_sizes, 4);
		assert_int_equal(h->total_size, total);
		assert_true(rc ? h->refcount != NULL : h->refcount == NULL);
		heap_free(h);
		heap_builder_free(b);
	}
}

static void test_index_and_duplicates(void **state)
{
	(void)state;
	index_and_duplicates(0x7f0000000000ull, 16);
	index_and_duplicates(1000, 3);
	index_and_duplicates(1, 1);
}

static void test_bad_edges(void **state)
{
	struct heap_builder *b = heap_builder_new();
	struct error err;
	struct heap_node_rec rec = { .id = 1 };

	(void)state;
	heap_builder_add_node(b, &rec, &err);
	assert_int_equal(heap_builder_add_edge(b, 0, 1, HEAP_EDGE_STRONG, 0, &err), -1);
	assert_non_null(strstr(err.msg, "does not exist"));
	assert_int_equal(heap_builder_add_root(b, 7, 0, &err), -1);
	/* self-reference and repeated references are kept */
	assert_int_equal(heap_builder_add_edge(b, 0, 0, HEAP_EDGE_STRONG, 0, &err), 0);
	assert_int_equal(heap_builder_add_edge(b, 0, 0, HEAP_EDGE_STRONG, 0, &err), 0);
	{
		struct heap *h = heap_builder_freeze(b, &err);
		assert_int_equal(h->n_edges, 2);
		assert_int_equal(h->in_off[1] - h->in_off[0], 2);
		heap_free(h);
	}
	heap_builder_free(b);
	heap_free(NULL);
	heap_builder_free(NULL);
}

static void test_empty_heap(void **state)
{
	struct heap_builder *b = heap_builder_new();
	struct error err;
	struct heap *h;

	(void)state;
	h = heap_builder_freeze(b, &err);
	assert_non_null(h);
	assert_int_equal(h->n_nodes, 0);
	assert_int_equal(heap_find(h, 0), HEAP_NONE);
	heap_free(h);
	heap_builder_free(b);
}

/* heap_regenerate: another generation column over the same heap, the
 * frozen one untouched; each heap_free()s what it owns. */
static void test_regenerate(void **state)
{
	struct heap_builder *b = heap_builder_new();
	struct error err;
	struct heap *h, *d;
	uint8_t gen[3] = { 2, 0, 1 };
	const uint32_t *in_edge;

	(void)state;
	for (uint64_t id = 1; id <= 3; id++) {
		struct heap_node_rec rec = { .id = id * 10, .size = id, .generation = HEAP_GEN_UNKNOWN };
		heap_builder_add_node(b, &rec, &err);
	}
	heap_builder_add_edge(b, 0, 1, HEAP_EDGE_STRONG, 0, &err);
	heap_builder_add_edge(b, 2, 1, HEAP_EDGE_WEAK, 0, &err);
	h = heap_builder_freeze(b, &err);
	heap_builder_free(b);
	d = heap_regenerate(h, gen, 2);
	gen[0] = 7;	/* copied, not kept */
	assert_int_equal(d->generation[0], 2);
	assert_int_equal(d->generation[1], 0);
	assert_int_equal(d->generation[2], 1);
	assert_int_equal(d->max_generation, 2);
	for (int v = 0; v < 3; v++)
		assert_int_equal(h->generation[v], HEAP_GEN_UNKNOWN);
	assert_int_equal(h->max_generation, HEAP_GEN_UNKNOWN);
	assert_int_equal(heap_find(d, 30), 2);
	assert_int_equal(d->n_edges, 2);
	in_edge = heap_in_edges(d);
	assert_int_equal(d->out_to[in_edge[0]], 1);
	heap_free(d);
	assert_int_equal(heap_find(h, 20), 1);	/* h still whole */
	heap_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intern),
		cmocka_unit_test_teardown(test_random_sorted, oracle_teardown),
		cmocka_unit_test_teardown(test_random_unsorted, oracle_teardown),
		cmocka_unit_test_teardown(test_random_late_unsorted, oracle_teardown),
		cmocka_unit_test(test_big),
		cmocka_unit_test(test_id_runs),
		cmocka_unit_test(test_id_steps),
		cmocka_unit_test(test_sizes16),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_index_and_duplicates),
		cmocka_unit_test(test_bad_edges),
		cmocka_unit_test(test_empty_heap),
		cmocka_unit_test(test_regenerate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
