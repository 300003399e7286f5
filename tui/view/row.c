#include "tui/view/row.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "tui/view/app.h"
#include "tui/core/draw.h"
#include "tui/core/screen.h"

attr_t row_attr(int role, int selected)
{
	return selected ? screen_attr(ROLE_CURSOR) : screen_attr((enum role)role);
}

const char *row_id(char *buf, size_t size, uint64_t id)
{
	if (id > 0xffffff)
		snprintf(buf, size, "#0x%llx", (unsigned long long)id);
	else
		snprintf(buf, size, "#%llu", (unsigned long long)id);
	return buf;
}

const char *row_edge_name(const struct heap *h, uint32_t e, char *buf, size_t size)
{
	uint32_t name = h->out_name[e];

	if (name & HEAP_NAME_INDEX) {
		snprintf(buf, size, "[%u]", name & ~HEAP_NAME_INDEX);
	} else if (name == 0) {
		buf[0] = 0;
	} else {
		size_t len;
		const char *s = heap_string(h, name, &len);
		/* the caller escapes when drawing; keep bytes as they are */
		if (len + 2 > size)
			len = size - 2;
		buf[0] = '.';
		memcpy(buf + 1, s, len);
		buf[len + 1] = 0;
	}
	return buf;
}

const char *row_edge_kind(uint8_t kind)
{
	switch (kind) {
	case HEAP_EDGE_WEAK: return "weak";
	case HEAP_EDGE_INTERNAL: return "int";
	case HEAP_EDGE_SHORTCUT: return "sc";
	default: return "";
	}
}

/* For an object without a name (most dicts, lists, tuples), who holds it:
 * "<- Widget w1.__dict__", from the first few references to it (one whose
 * source has a name if there is one).  Looks at 8 references at most, so
 * a row costs the same whatever the in-degree. */
static size_t owner_hint(const struct app *a, heap_node_t v, char *buf, size_t size)
{
	const struct heap *h = a->h;
	const uint32_t *dist = a->m->an->dist;
	const uint32_t *cycle = a->m->an->cycle;
	uint32_t best = HEAP_NONE, end = h->in_off[v + 1];
	size_t tl, nl, o;
	const char *type, *name;
	char edge[128];

	int best_score = -1;

	/* score: on a shortest path from a root 4, outside v's own cycle 2,
	 * named 1 (the owner a reader expects: module before its functions) */
	for (uint32_t i = h->in_off[v]; i < end && i < h->in_off[v] + 8; i++) {
		heap_node_t u = h->in_from[i];
		int score = 0;
		if (dist[v] != REACH_UNREACHABLE && dist[u] + 1 == dist[v])
			score += 4;
		if (cycle[v] == HEAP_NONE || cycle[u] != cycle[v])
			score += 2;
		if (h->name[u])
			score += 1;
		if (score > best_score) {
			best_score = score;
			best = i;
		}
	}
	if (best == HEAP_NONE)
		return 0;
	type = heap_string(h, h->type[h->in_from[best]], &tl);
	name = heap_string(h, h->name[h->in_from[best]], &nl);
	row_edge_name(h, heap_in_edges(h)[best], edge, sizeof edge);
	o = (size_t)snprintf(buf, size, "<- %.*s%s%.*s%s", (int)(tl > 40 ? 40 : tl), type, nl ? " " : "",
			     (int)(nl > 40 ? 40 : nl), name, edge);
	return o < size ? o : size - 1;
}

int row_object_label(struct app *a, WINDOW *w, int y, int x, int cols, heap_node_t v, int selected)
{
	const struct heap *h = a->h;
	size_t tl, nl;
	const char *type = heap_string(h, h->type[v], &tl);
	const char *name = heap_string(h, h->name[v], &nl);
	char id[32], tags[96];
	int used = 0, idw, tagw, tw, rest;
	size_t o = 0;

	tags[0] = 0;
	if (h->flags[v] & HEAP_F_ROOT)
		o += (size_t)snprintf(tags + o, sizeof tags - o, " root");
	if (!model_reachable(a->m, v))
		o += (size_t)snprintf(tags + o, sizeof tags - o, " garbage");
	if (a->m->an->cycle[v] != HEAP_NONE && o < sizeof tags)
		o += (size_t)snprintf(tags + o, sizeof tags - o, " cycle");
	if ((h->flags[v] & HEAP_F_FINALIZER) && o < sizeof tags)
		o += (size_t)snprintf(tags + o, sizeof tags - o, " finalizer");
	if ((h->flags[v] & HEAP_F_WEAKREF) && o < sizeof tags)
		snprintf(tags + o, sizeof tags - o, " weakref");
	row_id(id, sizeof id, h->id[v]);
	idw = (int)strlen(id) + 1;
	if (cols < 40)		/* narrow: id and tags go */
		idw = 0, tags[0] = 0;
	tagw = (int)strlen(tags);
	/* type gets up to half, the name the rest; id and tags go last */
	tw = draw_width(type, tl);
	rest = cols - idw - tagw;
	if (rest < 8) {
		tagw = 0;
		rest = cols - idw;
	}
	if (tw > rest / 2)
		tw = tw < 16 ? tw : rest / 2 > 16 ? rest / 2 : 16;
	used += draw_text(w, y, x, tw < rest ? tw : rest, type, tl, row_attr(ROLE_TYPE, selected));
	if (nl && used + 2 < rest) {
		used += draw_str(w, y, x + used, 1, " ", row_attr(ROLE_NORMAL, selected));
		used += draw_text(w, y, x + used, rest - used, name, nl, row_attr(ROLE_NAME, selected));
	} else if (!nl && used + 8 < rest) {
		char hint[256];
		size_t hl = owner_hint(a, v, hint, sizeof hint);
		if (hl) {
			used += draw_str(w, y, x + used, 1, " ", row_attr(ROLE_NORMAL, selected));
			used += draw_text(w, y, x + used, rest - used, hint, hl, row_attr(ROLE_DIM, selected));
		}
	}
	if (idw) {
		used += draw_str(w, y, x + used, cols - used, " ", row_attr(ROLE_NORMAL, selected));
		used += draw_str(w, y, x + used, cols - used, id, row_attr(ROLE_DIM, selected));
	}
	if (tagw)
		used += draw_str(w, y, x + used, cols - used, tags,
				 row_attr(model_reachable(a->m, v) ? ROLE_ROOT : ROLE_GARBAGE, selected));
	return used;
}

void row_object(struct app *a, WINDOW *w, int y, int x, int cols, heap_node_t v, int selected)
{
	char b1[32], b2[32];

	if (cols < 2 * ROW_SIZE_W + 10) {
		row_object_label(a, w, y, x, cols, v, selected);
		return;
	}
	draw_str_right(w, y, x, ROW_SIZE_W - 1, draw_bytes(b1, sizeof b1, model_retained(a->m, v)),
		       row_attr(ROLE_SIZE, selected));
	draw_str_right(w, y, x + ROW_SIZE_W, ROW_SIZE_W - 1, draw_bytes(b2, sizeof b2, a->h->size[v]),
		       row_attr(ROLE_SIZE, selected));
	row_object_label(a, w, y, x + 2 * ROW_SIZE_W + 1, cols - 2 * ROW_SIZE_W - 1, v, selected);
}

void row_object_header(WINDOW *w, int y, int x, int cols)
{
	attr_t at = screen_attr(ROLE_HEADER);

	draw_fill(w, y, x, cols, at);
	draw_str_right(w, y, x, ROW_SIZE_W - 1, "retained", at);
	draw_str_right(w, y, x + ROW_SIZE_W, ROW_SIZE_W - 1, "shallow", at);
	draw_str(w, y, x + 2 * ROW_SIZE_W + 1, cols - 2 * ROW_SIZE_W - 1, "type name #id", at);
}

int row_contains(const char *s, size_t len, const char *q)
{
	size_t ql = strlen(q);

	if (ql == 0)
		return 1;
	if (ql > len)
		return 0;
	for (size_t i = 0; i + ql <= len; i++) {
		size_t k = 0;
		while (k < ql && tolower((unsigned char)s[i + k]) == q[k])
			k++;
		if (k == ql)
			return 1;
	}
	return 0;
}

/* Could q be (the start of) an id: digits, or hex with or without 0x? */
static int id_like(const char *q)
{
	if (q[0] == '0' && q[1] == 'x')
		q += 2;
	if (!*q)
		return 0;
	for (; *q; q++)
		if (!isxdigit((unsigned char)*q))
			return 0;
	return 1;
}

int row_object_match(const struct app *a, heap_node_t v, const char *q)
{
	const struct heap *h = a->h;
	size_t len;
	const char *s;
	char id[32];

	if (a->type_match && strcmp(a->type_match_q, q) == 0) {
		if (a->type_match[a->m->type_of[v]])
			return 1;
	} else {
		s = heap_string(h, h->type[v], &len);
		if (row_contains(s, len, q))
			return 1;
	}
	s = heap_string(h, h->name[v], &len);
	if (row_contains(s, len, q))
		return 1;
	if (q[0] == '#')
		q++;
	if (!id_like(q))
		return 0;
	snprintf(id, sizeof id, "%llu", (unsigned long long)h->id[v]);
	if (strncmp(id, q, strlen(q)) == 0)
		return 1;
	snprintf(id, sizeof id, "0x%llx", (unsigned long long)h->id[v]);
	return strncmp(id, q, strlen(q)) == 0 || strncmp(id + 2, q, strlen(q)) == 0;
}
