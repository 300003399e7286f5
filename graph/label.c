#include "graph/label.h"

#include <stdio.h>
#include <string.h>

#include "graph/reach.h"

enum {
	PART_MAX = 48,		/* bytes of one name in a label */
	LOC_SCAN = 64		/* references searched for -shared-> and -script-> */
};

int label_has_name(const struct heap *h, heap_node_t v)
{
	size_t len;

	heap_string(h, h->name[v], &len);
	return len && h->name[v] != h->type[v];
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

/* The in-edge (an index into in_from) whose reference best names v, or
 * HEAP_NONE: it must have a name (not a position, not the runtime's
 * bookkeeping, not from a synthetic root category); then a retaining one
 * first, one on a shortest path from a root, one from the program's
 * objects. */
static uint32_t best_ref(const struct heap *h, const uint32_t *dist, heap_node_t v)
{
	const uint32_t *in_edge = heap_in_edges(h);
	uint32_t end = h->in_off[v + 1], best = HEAP_NONE;
	int best_score = 0;

	if (end - h->in_off[v] > LABEL_SCAN)
		end = h->in_off[v] + LABEL_SCAN;
	for (uint32_t i = h->in_off[v]; i < end; i++) {
		heap_node_t u = h->in_from[i];
		uint32_t e = in_edge[i], name = h->out_name[e];
		size_t len;
		const char *s;
		int score = 1;

		if ((name & HEAP_NAME_INDEX) || heap_out_meta(h, e) || (h->flags[u] & HEAP_F_SYNTHETIC))
			continue;
		s = heap_string(h, name, &len);
		if (!len || all_digits(s, len))
			continue;
		if (heap_in_retains(h, i))
			score += 4;
		if (dist && dist[v] != REACH_UNREACHABLE && dist[u] != REACH_UNREACHABLE && dist[u] + 1 == dist[v])
			score += 2;
		if (!(h->flags[u] & HEAP_F_RUNTIME))
			score += 1;
		if (score > best_score) {
			best_score = score;
			best = i;
		}
	}
	return best;
}

/* Appends fmt's output to buf[*used..size). */
static void put(char *buf, size_t size, size_t *used, const char *fmt, const char *a, size_t alen,
		const char *b, size_t blen)
{
	int n;

	if (*used >= size)
		return;
	n = snprintf(buf + *used, size - *used, fmt, (int)(alen > PART_MAX ? PART_MAX : alen), a,
		     (int)(blen > PART_MAX ? PART_MAX : blen), b);
	if (n > 0)
		*used += (size_t)n < size - *used ? (size_t)n : size - *used - 1;
}

size_t label_owner_len(const char *name, size_t len)
{
	return len > 9 && memcmp(name + len - 9, ".__dict__", 9) == 0 ? len - 9 : len;
}

/* "of NAME()" for a scope held by its function (V8's closure -context->
 * scope), "of NAME" for a class or module, else "of TYPE NAME". */
static void put_of(const struct heap *h, heap_node_t u, uint32_t e, char *buf, size_t size, size_t *used)
{
	size_t tl, nl, el;
	const char *type = heap_string(h, h->type[u], &tl);
	const char *name = heap_string(h, h->name[u], &nl);
	const char *edge = heap_string(h, h->out_name[e], &el);

	if (el == 7 && memcmp(edge, "context", 7) == 0)
		put(buf, size, used, "of %.*s%.*s()", name, nl, "", 0);
	else if (h->flags[u] & (HEAP_F_CLASS | HEAP_F_ANCHOR))
		put(buf, size, used, "of %.*s%.*s", name, label_owner_len(name, nl), "", 0);
	else
		put(buf, size, used, "of %.*s %.*s", type, tl, name, nl);
}

size_t label_holder(const struct heap *h, const uint32_t *dist, heap_node_t v, char *buf, size_t size)
{
	uint32_t i = best_ref(h, dist, v), i2, e, e2;
	heap_node_t u, u2;
	size_t used = 0, el, el2;
	const char *edge, *edge2;

	if (!size)
		return 0;
	buf[0] = 0;
	if (i == HEAP_NONE)
		return 0;
	u = h->in_from[i];
	e = heap_in_edges(h)[i];
	edge = heap_string(h, h->out_name[e], &el);
	if (el == 7 && memcmp(edge, "context", 7) == 0) {
		/* a scope, named by its function: "of onTick()", or by what
		 * holds an anonymous one: "of _onImmediate()" */
		if (label_has_name(h, u)) {
			put_of(h, u, e, buf, size, &used);
			return used;
		}
		i2 = best_ref(h, dist, u);
		if (i2 != HEAP_NONE) {
			edge2 = heap_string(h, h->out_name[heap_in_edges(h)[i2]], &el2);
			put(buf, size, &used, "of %.*s%.*s()", edge2, el2, "", 0);
			return used;
		}
	}
	put(buf, size, &used, "%.*s%.*s", edge, el, "", 0);
	if (label_has_name(h, u)) {
		put(buf, size, &used, " ", "", 0, "", 0);
		put_of(h, u, e, buf, size, &used);
		return used;
	}
	/* The holder has no name either: name it by its own holder, unless it
	 * is where names start (a root, a module's scope, a class). */
	if ((h->flags[u] & (HEAP_F_ANCHOR | HEAP_F_CLASS | HEAP_F_SYNTHETIC)) || (dist && dist[u] == 0))
		return used;
	i2 = best_ref(h, dist, u);
	if (i2 == HEAP_NONE)
		return used;
	u2 = h->in_from[i2];
	e2 = heap_in_edges(h)[i2];
	edge2 = heap_string(h, h->out_name[e2], &el2);
	if (el2 == 7 && memcmp(edge2, "context", 7) == 0 && label_has_name(h, u2)) {
		put(buf, size, &used, " ", "", 0, "", 0);
		put_of(h, u2, e2, buf, size, &used);	/* "order of onTick()" */
	} else if (el2 == 8 && memcmp(edge2, "__dict__", 8) == 0) {
		/* an attribute in a Python object's __dict__ is the object's:
		 * "listeners of __main__.PriceFeed" */
		size_t tl;
		const char *type = heap_string(h, h->type[u2], &tl);
		put(buf, size, &used, " of %.*s%.*s", type, tl, "", 0);
	} else {
		size_t tl;
		const char *type = heap_string(h, h->type[u], &tl);
		put(buf, size, &used, " of %.*s %.*s", type, tl, edge2, el2);
	}
	return used;
}

/* The object v's reference named `name` leads to (among its first
 * LOC_SCAN references), or HEAP_NONE. */
static heap_node_t ref_named(const struct heap *h, heap_node_t v, const char *name)
{
	size_t want = strlen(name);
	uint32_t end = h->out_off[v + 1];

	if (end - h->out_off[v] > LOC_SCAN)
		end = h->out_off[v] + LOC_SCAN;
	for (uint32_t e = h->out_off[v]; e < end; e++) {
		size_t len;
		const char *s;
		if (h->out_name[e] & HEAP_NAME_INDEX)
			continue;
		s = heap_string(h, h->out_name[e], &len);
		if (len == want && memcmp(s, name, len) == 0)
			return h->out_to[e];
	}
	return HEAP_NONE;
}

size_t label_location(const struct heap *h, heap_node_t v, char *buf, size_t size)
{
	const struct heap_location *l = h->n_locations ? heap_location_of(h, v) : NULL;
	heap_node_t sfi, script = HEAP_NONE;
	size_t len = 0;
	const char *file = NULL;
	int n;

	if (!size)
		return 0;
	buf[0] = 0;
	if (!l)
		return 0;
	if ((sfi = ref_named(h, v, "shared")) != HEAP_NONE &&
	    (script = ref_named(h, sfi, "script")) == HEAP_NONE)
		script = ref_named(h, sfi, "script_or_debug_info");
	if (script != HEAP_NONE) {
		const char *slash;
		file = heap_string(h, h->name[script], &len);
		/* the file name: what follows the last '/' of a path or URL */
		while (len && (slash = memchr(file, '/', len)) != NULL) {
			len -= (size_t)(slash + 1 - file);
			file = slash + 1;
		}
		if (len > PART_MAX)
			len = PART_MAX;
	}
	if (!len)
		return 0;	/* a line without its file says little */
	n = snprintf(buf, size, "%.*s:%llu", (int)len, file, (unsigned long long)l->line + 1);
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

size_t label_name(const struct heap *h, const uint32_t *dist, heap_node_t v, char *buf, size_t size)
{
	size_t len;
	const char *name = heap_string(h, h->name[v], &len);

	if (!size)
		return 0;
	if (label_has_name(h, v)) {
		if (len > size - 1)
			len = size - 1;
		memcpy(buf, name, len);
		buf[len] = 0;
		return len;
	}
	return label_holder(h, dist, v, buf, size);
}
