#include "tui/view/row.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "graph/core/mem.h"
#include "graph/label.h"
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

int row_object_label(struct app *a, WINDOW *w, int y, int x, int cols, heap_node_t v, int selected)
{
	const struct heap *h = a->h;
	size_t tl, nl;
	const char *type = heap_string(h, h->type[v], &tl);
	const char *name = heap_string(h, h->name[v], &nl);
	char id[32], tags[96], holder[256];
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
	row_id(id, sizeof id, heap_id(h, v));
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
	if (label_has_name(h, v)) {
		if (used + 2 < rest) {
			used += draw_str(w, y, x + used, 1, " ", row_attr(ROLE_NORMAL, selected));
			used += draw_text(w, y, x + used, rest - used, name, nl, row_attr(ROLE_NAME, selected));
		}
	} else if (used + 4 < rest) {
		/* no name of its own: what holds it (graph/label.h) */
		size_t hl = label_holder(h, a->m->an->dist, v, holder, sizeof holder);
		if (hl) {
			used += draw_str(w, y, x + used, 1, " ", row_attr(ROLE_NORMAL, selected));
			used += draw_text(w, y, x + used, rest - used, holder, hl, row_attr(ROLE_NAME, selected));
		}
	}
	if (h->n_locations && used + 8 < rest) {
		/* where a closure's code is (V8), as DevTools shows it */
		char loc[80];
		size_t ll = label_location(h, v, loc, sizeof loc);
		if (ll) {
			used += draw_str(w, y, x + used, 1, " ", row_attr(ROLE_NORMAL, selected));
			used += draw_text(w, y, x + used, rest - used, loc, ll, row_attr(ROLE_DIM, selected));
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
	draw_str_right(w, y, x + ROW_SIZE_W, ROW_SIZE_W - 1, draw_bytes(b2, sizeof b2, heap_size(a->h, v)),
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
	snprintf(id, sizeof id, "%llu", (unsigned long long)heap_id(h, v));
	if (strncmp(id, q, strlen(q)) == 0)
		return 1;
	snprintf(id, sizeof id, "0x%llx", (unsigned long long)heap_id(h, v));
	return strncmp(id, q, strlen(q)) == 0 || strncmp(id + 2, q, strlen(q)) == 0;
}

int row_ref_match(const struct app *a, uint32_t edge, heap_node_t v, const char *q)
{
	char b[256];

	if (edge != HEAP_NONE) {
		row_edge_name(a->h, edge, b, sizeof b);
		if (row_contains(b, strlen(b), q))
			return 1;
	}
	return row_object_match(a, v, q);
}
