#include "tests/unit/oracle.h"

#include <stdio.h>
#include <string.h>

#include "graph/core/error.h"

static struct {
	const char *test;	/* NULL: no round under way */
	int round;
	uint64_t state;
} current;

void oracle_round(const char *test, int round, uint64_t state)
{
	current.test = test;
	current.round = round;
	current.state = state;
}

void oracle_rounds_done(void)
{
	current.test = NULL;
}

int oracle_teardown(void **state)
{
	(void)state;
	if (current.test)
		fprintf(stderr, "%s: failed in round %d (generator state 0x%016llx)\n", current.test, current.round,
			(unsigned long long)current.state);
	current.test = NULL;
	return 0;
}

uint64_t oracle_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

static struct heap *random_heap(uint64_t *st, uint32_t maxn, int ring, int rules, unsigned shift);

struct heap *oracle_random_heap(uint64_t *st, uint32_t maxn)
{
	return random_heap(st, maxn, 0, 0, 0);
}

struct heap *oracle_random_ring_heap(uint64_t *st, uint32_t maxn)
{
	return random_heap(st, maxn, 1, 0, 0);
}

struct heap *oracle_random_user_heap(uint64_t *st, uint32_t maxn)
{
	return random_heap(st, maxn, oracle_rand(st) % 2, 1, 0);
}

struct heap *oracle_random_heap_scaled(uint64_t *st, uint32_t maxn, int kind, unsigned shift)
{
	return random_heap(st, maxn, kind == 1 || (kind == 2 && oracle_rand(st) % 2), kind == 2, shift);
}

/* ring: first a cycle of strong references through the first 7/8 of the
 * nodes (or more), so the heap has few components.  rules: anchors,
 * runtime objects and meta references (named "meta") among them. */
static struct heap *random_heap(uint64_t *st, uint32_t maxn, int ring, int rules, unsigned shift)
{
	static const char *const types[] = { "A", "B", "C", "D" };
	struct heap_builder *b = heap_builder_new();
	struct error err;
	uint32_t n = 1 + (uint32_t)(oracle_rand(st) % maxn);
	uint32_t m = (uint32_t)(oracle_rand(st) % (2 * n + 3));
	uint32_t nroots = (uint32_t)(oracle_rand(st) % 4);
	struct heap *h;

	for (uint32_t v = 0; v < n; v++) {
		struct heap_node_rec r = {
			.id = 1000 + v,
			.type = heap_builder_intern_cstr(b, types[oracle_rand(st) % 4]),
			.size = (1 + oracle_rand(st) % 100) << shift,
			.generation = HEAP_GEN_UNKNOWN,
		};
		if (oracle_rand(st) % 8 == 0)
			r.flags |= HEAP_F_SYNTHETIC;
		if (rules && oracle_rand(st) % 6 == 0)
			r.flags |= oracle_rand(st) % 2 ? HEAP_F_ANCHOR : HEAP_F_RUNTIME;
		heap_builder_add_node(b, &r, &err);
	}
	if (ring) {
		uint32_t len = n - (uint32_t)(oracle_rand(st) % (n / 8 + 1));
		for (uint32_t v = 0; v + 1 < len; v++)
			heap_builder_add_edge(b, v, v + 1, HEAP_EDGE_STRONG, 0, &err);
		heap_builder_add_edge(b, len - 1, 0, HEAP_EDGE_STRONG, 0, &err);
	}
	for (uint32_t i = 0; i < m; i++) {
		heap_node_t from = (heap_node_t)(oracle_rand(st) % n);
		heap_node_t to = oracle_rand(st) % 6 == 0 ? from : (heap_node_t)(oracle_rand(st) % n);
		unsigned k = (unsigned)(oracle_rand(st) % 10);
		unsigned kind = k < 5 ? HEAP_EDGE_STRONG : k < 7 ? HEAP_EDGE_INTERNAL :
				k < 9 ? HEAP_EDGE_WEAK : HEAP_EDGE_SHORTCUT;
		uint32_t name = 0;
		if (rules && oracle_rand(st) % 5 == 0) {
			kind |= HEAP_EDGE_META;
			name = heap_builder_intern_cstr(b, "meta");
		}
		heap_builder_add_edge(b, from, to, kind, name, &err);
		if (oracle_rand(st) % 10 == 0)	/* a repeated reference */
			heap_builder_add_edge(b, from, to, kind, name, &err);
	}
	for (uint32_t i = 0; i < nroots; i++)
		heap_builder_add_root(b, (heap_node_t)(oracle_rand(st) % n),
				      heap_builder_intern_cstr(b, "test"), &err);
	h = heap_builder_freeze(b, &err);
	heap_builder_free(b);
	return h;
}

static oset bit(uint32_t v)
{
	return (oset)1 << v;
}

static oset closure_adj(const oset *adj, uint32_t n, oset from, oset removed)
{
	oset seen = from & ~removed, frontier = seen;

	while (frontier) {
		oset next = 0;
		for (uint32_t v = 0; v < n; v++)
			if (frontier & bit(v))
				next |= adj[v];
		next &= ~seen & ~removed;
		seen |= next;
		frontier = next;
	}
	return seen;
}

oset oracle_closure(const struct oracle *o, oset from)
{
	return closure_adj(o->adj, o->n, from, 0);
}

oset oracle_reach_without(const struct oracle *o, oset removed)
{
	return closure_adj(o->dadj, o->n, o->entries, removed);
}

uint64_t oracle_size(const struct heap *h, oset s)
{
	uint64_t t = 0;

	for (uint32_t v = 0; v < h->n_nodes; v++)
		if (s & bit(v))
			t += heap_size(h, v);
	return t;
}

/* dom.h's test: exactly one root, synthetic. */
int oracle_devtools(const struct heap *h, const struct oracle *o)
{
	uint32_t root = 0;

	if (__builtin_popcountll(o->roots) != 1)
		return 0;
	while (!(o->roots & bit(root)))
		root++;
	return (h->flags[root] & HEAP_F_SYNTHETIC) != 0;
}

void oracle_compute(const struct heap *h, struct oracle *o)
{
	oracle_compute_mode(h, o, -1);
}

void oracle_compute_mode(const struct heap *h, struct oracle *o, int devtools)
{
	uint32_t n = h->n_nodes;
	oset all = n == 64 ? ~(oset)0 : bit(n) - 1, cl[ORACLE_MAXN], layer, seen;

	memset(o, 0, sizeof *o);
	o->n = n;
	/* Retaining references, written out from the rules in reach.h. */
	for (uint32_t v = 0; v < n; v++)
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
			int k = heap_out_kind(h, e);
			if (k == HEAP_EDGE_STRONG || k == HEAP_EDGE_INTERNAL ||
			    (k == HEAP_EDGE_SHORTCUT && (h->flags[v] & HEAP_F_SYNTHETIC)))
				o->adj[v] |= bit(h->out_to[e]);
		}
	/* The user graph, from heap.h's rule: retaining, not named "meta",
	 * neither end an anchor or a runtime object. */
	for (uint32_t v = 0; v < n; v++)
		for (uint32_t e = h->out_off[v]; e < h->out_off[v + 1]; e++) {
			heap_node_t w = h->out_to[e];
			const char *name = h->out_name[e] & HEAP_NAME_INDEX ? "" :
					   heap_string(h, h->out_name[e], NULL);
			if (!(o->adj[v] & bit(w)) || strcmp(name, "meta") == 0 ||
			    ((h->flags[v] | h->flags[w]) & (HEAP_F_ANCHOR | HEAP_F_RUNTIME)))
				continue;
			/* adj is per pair: this reference must retain itself */
			{
				int k = heap_out_kind(h, e);
				if (k == HEAP_EDGE_STRONG || k == HEAP_EDGE_INTERNAL ||
				    (k == HEAP_EDGE_SHORTCUT && (h->flags[v] & HEAP_F_SYNTHETIC)))
					o->uadj[v] |= bit(w);
			}
		}
	for (uint32_t i = 0; i < h->n_roots; i++)
		o->roots |= bit(h->roots[i].node);
	o->reach = closure_adj(o->adj, n, o->roots, 0);
	if (devtools < 0)
		devtools = oracle_devtools(h, o);
	/* Distances by layers. */
	for (uint32_t v = 0; v < n; v++)
		o->dist[v] = UINT32_MAX;
	layer = seen = o->roots;
	for (uint32_t d = 0; layer; d++) {
		oset next = 0;
		for (uint32_t v = 0; v < n; v++)
			if (layer & bit(v)) {
				o->dist[v] = d;
				next |= o->adj[v];
			}
		layer = next & ~seen;
		seen |= next;
	}
	/* Components: mutual reachability. */
	for (uint32_t v = 0; v < n; v++)
		cl[v] = closure_adj(o->adj, n, bit(v), 0);
	for (uint32_t v = 0; v < n; v++)
		for (uint32_t w = 0; w < n; w++)
			if ((cl[v] & bit(w)) && (cl[w] & bit(v)))
				o->comp[v] |= bit(w);
	for (uint32_t v = 0; v < n; v++)
		cl[v] = closure_adj(o->uadj, n, bit(v), 0);
	for (uint32_t v = 0; v < n; v++)
		for (uint32_t w = 0; w < n; w++)
			if ((cl[v] & bit(w)) && (cl[w] & bit(v)))
				o->ucomp[v] |= bit(w);
	o->entries = o->roots;
	if (!devtools) {
		/* Every member of a garbage component no retaining reference
		 * enters from outside it. */
		for (uint32_t v = 0; v < n; v++) {
			int entered = 0;
			if (o->reach & bit(v))
				continue;
			for (uint32_t u = 0; u < n; u++)
				if (!(o->comp[v] & bit(u)) && (o->adj[u] & o->comp[v]))
					entered = 1;
			if (!entered)
				o->entries |= bit(v);
		}
	} else {
		/* DevTools: garbage no other object holds; then garbage still not
		 * reached from those. */
		oset first = 0;
		for (uint32_t v = 0; v < n; v++) {
			int held = 0;
			if (o->reach & bit(v))
				continue;
			for (uint32_t u = 0; u < n; u++)
				if (o->adj[u] & bit(v))
					held = 1;
			if (!held)
				first |= bit(v);
		}
		o->entries |= first;
		o->entries |= all & ~o->reach & ~closure_adj(o->adj, n, first, 0);
	}
	for (uint32_t v = 0; v < n; v++)
		o->dadj[v] = (!devtools && !(o->reach & bit(v))) ? o->adj[v] & ~o->reach : o->adj[v];
	/* Dominance by deletion. */
	seen = oracle_reach_without(o, 0);
	for (uint32_t v = 0; v < n; v++) {
		o->dom[v] = (seen & ~oracle_reach_without(o, bit(v))) & all;
		o->retained[v] = oracle_size(h, o->dom[v]);
		if (!(seen & bit(v)))
			o->retained[v] = heap_size(h, v);
	}
	for (uint32_t w = 0; w < n; w++) {
		oset strict = 0;
		o->idom[w] = HEAP_NONE;
		for (uint32_t v = 0; v < n; v++)
			if (v != w && (o->dom[v] & bit(w)))
				strict |= bit(v);
		for (uint32_t d = 0; d < n; d++) {
			int all_above = 1;
			if (!(strict & bit(d)))
				continue;
			for (uint32_t e = 0; e < n; e++)
				if ((strict & bit(e)) && e != d && !(o->dom[e] & bit(d)))
					all_above = 0;
			if (all_above)
				o->idom[w] = d;
		}
	}
}

void oracle_adopt(const struct heap *h, struct oracle *o)
{
	uint32_t n = o->n, root = 0;
	oset all = n == 64 ? ~(oset)0 : bit(n) - 1;

	if (!oracle_devtools(h, o) || o->reach == all)
		return;
	while (!(o->roots & bit(root)))
		root++;
	for (uint32_t v = 0; v < n; v++)
		if (v != root && o->idom[v] == HEAP_NONE)
			o->idom[v] = root;
	o->dom[root] = all;
	o->retained[root] = h->total_size;
}
