#include "loaders/fmt_v8.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph/core/mem.h"
#include "loaders/v8_priv.h"

/* ---- meta ---- */

/* Index of `name` in a JSON array of strings, or -1. */
static int field_index(json_t *arr, const char *name)
{
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const char *s = json_string_value(json_array_get(arr, i));
		if (s && strcmp(s, name) == 0)
			return (int)i;
	}
	return -1;
}

static int strings_array(json_t *a, size_t max)
{
	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > max)
		return 0;
	for (size_t i = 0; i < json_array_size(a); i++)
		if (!json_is_string(json_array_get(a, i)))
			return 0;
	return 1;
}

static const struct {
	const char *v8;
	const char *class_name;	/* NULL: the node's own name (object, native) */
} class_rules[] = {
	{ "hidden", "(system)" },
	{ "object", NULL },
	{ "native", NULL },
	{ "code", "(compiled code)" },
	{ "closure", "Function" },
	{ "regexp", "RegExp" },
};

/* Node types that are V8's machinery, not the program's objects: they
 * leave the user graph (HEAP_F_RUNTIME; docs/user-graph.md, "V8").
 * "hidden" is DevTools' "(system)": V8-internal structures (property
 * cells, accessor pairs, oddballs, ...), the native context excepted
 * (an anchor, set by its name). */
static const char *const runtime_types[] = {
	"hidden", "code", "object shape", "string", "concatenated string", "sliced string",
	"number", "bigint", "symbol",
};

static const struct {
	const char *v8;
	enum heap_edge_kind kind;
	int index_name;
} edge_rules[] = {
	{ "context", HEAP_EDGE_STRONG, 0 },
	{ "element", HEAP_EDGE_STRONG, 1 },
	{ "property", HEAP_EDGE_STRONG, 0 },
	{ "internal", HEAP_EDGE_INTERNAL, 0 },
	{ "hidden", HEAP_EDGE_INTERNAL, 1 },
	{ "shortcut", HEAP_EDGE_SHORTCUT, 0 },
	{ "weak", HEAP_EDGE_WEAK, 0 },
};

static int u64_member(json_t *o, const char *key, uint64_t *out)
{
	json_t *j = json_object_get(o, key);

	if (!j)
		return 0;
	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(j);
	return 1;
}

/* The builder's columns, reserved for the counts the meta declares, are
 * faulted in on another core ahead of the loader's writes: zeroing fresh
 * memory was a third of this thread's time (graph/core/worker.h). */
static void prefault_columns(struct v8 *v)
{
	struct heap_builder_view h;
	size_t n = (size_t)v->meta_nodes, m = (size_t)v->meta_edges;

	if (m < PREFAULT_MIN_EDGES)
		return;
	heap_builder_view(v->b, &h);
	v->edge_count = mem_alloc((n + 1) * sizeof *v->edge_count);	/* read_nodes' */
	prefault_add(&v->pf, v->edge_count, (n + 1) * sizeof *v->edge_count, 0);
	if (h.id32)
		prefault_add(&v->pf, h.id32, n * sizeof *h.id32, 0);
	if (h.size32)
		prefault_add(&v->pf, h.size32, n * sizeof *h.size32, 0);
	prefault_add(&v->pf, h.name, n * sizeof *h.name, 0);
	prefault_add(&v->pf, h.type, n * sizeof *h.type, 0);
	prefault_add(&v->pf, h.flags, n * sizeof *h.flags, 0);
	prefault_add(&v->pf, h.category, n * sizeof *h.category, 0);
	if (h.edge_off)
		prefault_add(&v->pf, (void *)h.edge_off, (n + 1) * sizeof *h.edge_off, 1);
	prefault_add(&v->pf, (void *)h.edge_to, m * sizeof *h.edge_to, 1);
	prefault_add(&v->pf, h.edge_name, m * sizeof *h.edge_name, 1);
	prefault_add(&v->pf, h.edge_kind, m * sizeof *h.edge_kind, 1);
	prefault_start(&v->pf);
}

/* Lays the fields out from the parsed "snapshot" object. */
static int apply_meta(struct v8 *v, json_t *snap, uint64_t at)
{
	json_t *meta = json_object_get(snap, "meta");
	json_t *nfields, *ntypes, *efields, *etypes, *ntl, *etl;
	char msg[300];
	int r;

	if (!json_is_object(meta))
		return v8_fail_at(v, at, "snapshot has no \"meta\" object");
	nfields = json_object_get(meta, "node_fields");
	ntypes = json_object_get(meta, "node_types");
	efields = json_object_get(meta, "edge_fields");
	etypes = json_object_get(meta, "edge_types");
	if (!strings_array(nfields, FIELDS_MAX) || !strings_array(efields, FIELDS_MAX))
		return v8_fail_at(v, at, "meta: node_fields and edge_fields must be arrays of field names");
	v->nf = (unsigned)json_array_size(nfields);
	v->ef = (unsigned)json_array_size(efields);
	v->f_type = field_index(nfields, "type");
	v->f_name = field_index(nfields, "name");
	v->f_id = field_index(nfields, "id");
	v->f_size = field_index(nfields, "self_size");
	v->f_edges = field_index(nfields, "edge_count");
	v->f_detached = field_index(nfields, "detachedness");
	v->f_detached_present = v->f_detached >= 0;
	v->e_type = field_index(efields, "type");
	v->e_name = field_index(efields, "name_or_index");
	v->e_to = field_index(efields, "to_node");
	{
		/* optional: a closure's place in its script (DevTools shows it) */
		json_t *lfields = json_object_get(meta, "location_fields");
		if (strings_array(lfields, FIELDS_MAX)) {
			v->l_object = field_index(lfields, "object_index");
			v->l_line = field_index(lfields, "line");
			v->l_column = field_index(lfields, "column");
			if (v->l_object >= 0 && v->l_line >= 0 && v->l_column >= 0)
				v->lf = (unsigned)json_array_size(lfields);
		}
	}
	if (v->f_type < 0 || v->f_name < 0 || v->f_id < 0 || v->f_size < 0 || v->f_edges < 0)
		return v8_fail_at(v, at, "meta: node_fields lacks one of type, name, id, self_size, edge_count");
	if (v->e_type < 0 || v->e_name < 0 || v->e_to < 0)
		return v8_fail_at(v, at, "meta: edge_fields lacks one of type, name_or_index, to_node");
	ntl = json_array_get(ntypes, (size_t)v->f_type);
	etl = json_array_get(etypes, (size_t)v->e_type);
	if (!json_is_array(ntypes) || !strings_array(ntl, TYPES_MAX))
		return v8_fail_at(v, at, "meta: node_types[type] must be an array of type names");
	if (!json_is_array(etypes) || !strings_array(etl, TYPES_MAX))
		return v8_fail_at(v, at, "meta: edge_types[type] must be an array of type names");

	v->n_nt = (unsigned)json_array_size(ntl);
	v->nt = mem_calloc(v->n_nt, sizeof *v->nt);
	for (unsigned i = 0; i < v->n_nt; i++) {
		const char *name = json_string_value(json_array_get(ntl, i));
		struct ntype *t = &v->nt[i];
		size_t k;
		t->category = heap_builder_category(v->b, heap_builder_intern_cstr(v->b, name));
		t->synthetic = strcmp(name, "synthetic") == 0;
		t->hidden = strcmp(name, "hidden") == 0;
		t->array = strcmp(name, "array") == 0;
		t->native = strcmp(name, "native") == 0;
		t->closure = strcmp(name, "closure") == 0;
		if (t->closure)
			v->cat_closure = t->category;
		t->object = strcmp(name, "object") == 0;
		for (k = 0; k < sizeof runtime_types / sizeof runtime_types[0]; k++)
			if (strcmp(name, runtime_types[k]) == 0)
				t->runtime = 1;
		for (k = 0; k < sizeof class_rules / sizeof class_rules[0]; k++)
			if (strcmp(name, class_rules[k].v8) == 0)
				break;
		if (k < sizeof class_rules / sizeof class_rules[0]) {
			t->class_name = class_rules[k].class_name ?
					heap_builder_intern_cstr(v->b, class_rules[k].class_name) : 0;
		} else {
			/* every other type: "(" type ")", as DevTools does */
			size_t len = strlen(name);
			char *s = mem_alloc(len + 3);
			s[0] = '(';
			memcpy(s + 1, name, len);
			s[len + 1] = ')';
			t->class_name = heap_builder_intern(v->b, s, len + 2);
			free(s);
		}
	}
	v->n_et = (unsigned)json_array_size(etl);
	v->et = mem_calloc(v->n_et, sizeof *v->et);
	for (unsigned i = 0; i < v->n_et; i++) {
		const char *name = json_string_value(json_array_get(etl, i));
		struct etype *t = &v->et[i];
		t->kind = HEAP_EDGE_STRONG;	/* unknown names retain, as in DevTools */
		for (size_t k = 0; k < sizeof edge_rules / sizeof edge_rules[0]; k++)
			if (strcmp(name, edge_rules[k].v8) == 0) {
				t->kind = (uint8_t)edge_rules[k].kind;
				t->index_name = edge_rules[k].index_name ? 1 : 0;
			}
	}

	v->meta_nodes = v->meta_edges = UINT64_MAX;
	if ((r = u64_member(snap, "node_count", &v->meta_nodes)) < 0 ||
	    (r = u64_member(snap, "edge_count", &v->meta_edges)) < 0)
		return v8_fail_at(v, at, "snapshot: node_count and edge_count must be non-negative integers");
	v->root_index = 0;
	if (u64_member(snap, "root_index", &v->root_index) < 0)
		return v8_fail_at(v, at, "snapshot: root_index must be a non-negative integer");
	/* Each node takes at least 2 bytes a field ("0,"), each edge too: a
	 * count the file cannot hold is refused before anything is sized by it. */
	if ((v->meta_nodes != UINT64_MAX && v->meta_nodes > v->r.file_size / (2 * v->nf)) ||
	    (v->meta_edges != UINT64_MAX && v->meta_edges > v->r.file_size / (2 * v->ef))) {
		snprintf(msg, sizeof msg, "snapshot: node_count %llu / edge_count %llu cannot fit in a "
			 "file of %llu bytes", (unsigned long long)v->meta_nodes,
			 (unsigned long long)v->meta_edges, (unsigned long long)v->r.file_size);
		return v8_fail_at(v, at, msg);
	}
	if (v->meta_nodes != UINT64_MAX && v->meta_nodes > HEAP_MAX_NODES)
		return v8_fail_at(v, at, "snapshot: more objects than heapglass can index (32 bits)");
	if (v->meta_edges != UINT64_MAX && v->meta_edges > 0xfffffff0u)
		return v8_fail_at(v, at, "snapshot: more references than heapglass can index (32 bits)");
	if (v->meta_nodes != UINT64_MAX && v->meta_edges != UINT64_MAX) {
		/* counts a file can hold may still exceed the machine: refuse now,
		 * naming the need, rather than die of out-of-memory half way */
		snprintf(msg, sizeof msg, "%s: byte %llu: snapshot: %llu objects and %llu references",
			 v->path, (unsigned long long)at, (unsigned long long)v->meta_nodes,
			 (unsigned long long)v->meta_edges);
		/* the heap's, and the loader's own first-edge offsets */
		if (mem_check(heap_estimate_bytes(v->meta_nodes, v->meta_edges) + 4 * v->meta_nodes, msg,
			      v->err) != 0)
			return -1;
		heap_builder_reserve(v->b, v->meta_nodes, v->meta_edges);
		prefault_columns(v);
	}
	v->have_meta = 1;
	return 0;
}

/* Cuts the "snapshot" object out of the stream (strings aware, iterative)
 * and parses it with jansson. */
static int read_meta(struct v8 *v)
{
	struct rd *r = &v->r;
	size_t i, start;
	uint64_t at;
	long depth = 0;
	int in_str = 0;
	json_t *snap;
	json_error_t jerr;
	char msg[300];
	int rc;

	if (v8_peek(v) != '{')
		return v8_fail_here(v, v8_peek(v) == -1 ? "unexpected end of file: expected the snapshot object"
				 : "\"snapshot\" must be an object");
	start = r->pos;
	at = v8_here(v);
	i = 0;
	for (;;) {
		if (start + i >= r->len) {
			if (r->eof)
				return v8_fail_at(v, r->base + r->len, "unexpected end of file inside the snapshot meta");
			if (i > META_MAX)
				return v8_fail_at(v, at, "snapshot meta object larger than 16 MiB");
			r->pos = start;
			if (v8_rd_fill(&v->r, (r->len - r->pos) + (1 << 16)) != 0)
				return -1;
			start = r->pos;
			continue;
		}
		{
			char c = r->buf[start + i];
			if (in_str) {
				if (c == '\\')
					i++;
				else if (c == '"')
					in_str = 0;
			} else if (c == '"') {
				in_str = 1;
			} else if (c == '{' || c == '[') {
				depth++;
			} else if (c == '}' || c == ']') {
				if (--depth == 0)
					break;
			}
		}
		i++;
	}
	snap = json_loadb(r->buf + start, i + 1, 0, &jerr);
	r->pos = start + i + 1;
	if (!snap) {
		snprintf(msg, sizeof msg, "snapshot meta: %.200s", jerr.text);
		return v8_fail_at(v, at + (jerr.position > 0 ? (uint64_t)jerr.position - 1 : 0), msg);
	}
	rc = apply_meta(v, snap, at);
	json_decref(snap);
	return rc;
}

static int read_nodes_with(struct v8 *v, struct pipe *p)
{
	const uint64_t *f, *at;
	struct heap_node_rec rec;
	size_t cap = v->meta_nodes != UINT64_MAX ? (size_t)v->meta_nodes : 1024;
	char msg[ERROR_MSG_MAX];

	if (!v->have_meta)
		return v8_fail_here(v, "\"nodes\" comes before the snapshot meta");
	if (v8_expect(v, '[', "\"nodes\" must be an array") != 0)
		return -1;
	v8_pipe_start(v, p, 1);
	if (!v->edge_count)	/* else made for the meta's count (prefault_columns) */
		v->edge_count = mem_alloc((cap + 1) * sizeof *v->edge_count);
	memset(&rec, 0, sizeof rec);
	rec.generation = HEAP_GEN_UNKNOWN;
	for (;;) {
		int rc = v8_next_record(v, p, &f, &at, v->nf, "nodes array ends inside a node", "node");

		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		if (v->meta_nodes != UINT64_MAX && v->n_nodes >= v->meta_nodes) {
			snprintf(msg, sizeof msg, "more nodes than node_count (%llu) says",
				 (unsigned long long)v->meta_nodes);
			return v8_fail_at(v, at[0], msg);
		}
		if (f[v->f_type] >= v->n_nt) {
			snprintf(msg, sizeof msg, "node type %llu is not one of the %u node_types",
				 (unsigned long long)f[v->f_type], v->n_nt);
			return v8_fail_at(v, at[v->f_type], msg);
		}
		if (f[v->f_name] > 0x7fffffffu) {
			snprintf(msg, sizeof msg, "node name index %llu past the string table",
				 (unsigned long long)f[v->f_name]);
			return v8_fail_at(v, at[v->f_name], msg);
		}
		if (f[v->f_edges] > 0xffffffffu) {
			snprintf(msg, sizeof msg, "edge_count %llu is more than the file can hold",
				 (unsigned long long)f[v->f_edges]);
			return v8_fail_at(v, at[v->f_edges], msg);
		}
		if (!v->any_node_name || f[v->f_name] > v->max_node_name) {
			v->max_node_name = f[v->f_name];
			v->max_node_name_at = at[v->f_name];
			v->any_node_name = 1;
		}
		{
			const struct ntype *t = &v->nt[f[v->f_type]];
			rec.id = f[v->f_id];
			rec.name = (heap_str_t)f[v->f_name];	/* a string index until the strings are read */
			rec.type = 0;
			rec.size = f[v->f_size];
			rec.category = t->category;
			rec.flags = t->synthetic ? HEAP_F_SYNTHETIC : 0;
			if (v->f_detached >= 0 && f[v->f_detached] != 0) {
				if (!v->dom_state) {
					v->dom_state = mem_calloc(cap + 1, 1);
					v->dom_state_cap = cap;
				}
				if (f[v->f_detached] <= 2)
					v->dom_state[v->n_nodes] = (uint8_t)f[v->f_detached];
			}
		}
		if (heap_builder_add_node(v->b, &rec, v->err) == HEAP_NONE) {
			snprintf(msg, sizeof msg, "%s", v->err->msg);
			return v8_fail_at(v, at[0], msg);
		}
		if (v->n_nodes + 1 >= cap) {
			cap += cap / 2 + 1024;
			v->edge_count = mem_realloc_array(v->edge_count, cap + 1, sizeof *v->edge_count);
		}
		if (v->dom_state && v->dom_state_cap < cap) {
			v->dom_state = mem_realloc_array(v->dom_state, cap + 1, 1);
			memset(v->dom_state + v->dom_state_cap + 1, 0, cap - v->dom_state_cap);
			v->dom_state_cap = cap;
		}
		v->edge_count[v->n_nodes++] = (uint32_t)f[v->f_edges];
		if ((v->n_nodes & (TICK - 1)) == 0 && v8_tick_at(v, p->cur->end) != 0)
			return -1;
	}
	v8_pipe_fini(v, p);	/* joined already (the closing batch): v8_here() is the loader's */
	if (v->meta_nodes != UINT64_MAX && v->n_nodes != v->meta_nodes) {
		snprintf(msg, sizeof msg, "nodes array holds %u nodes, node_count says %llu", v->n_nodes,
			 (unsigned long long)v->meta_nodes);
		return v8_fail_at(v, v8_here(v) - 1, msg);
	}
	if (v->n_nodes == 0)
		return v8_fail_at(v, v8_here(v) - 1, "nodes array is empty (a snapshot has at least its root)");
	if (v->root_index % v->nf != 0 || v->root_index / v->nf >= v->n_nodes)
		return v8_fail_at(v, v8_here(v) - 1, "snapshot root_index does not name a node");
	v->have_nodes = 1;
	return 0;
}

/* x / d for the node field counts snapshots have (7 with detachedness, 6
 * or 5 without) by constants, which the compiler turns into a multiply: a
 * 64-bit division by a variable costs tens of cycles, on every edge. */
static inline uint64_t div_fields(uint64_t x, unsigned d)
{
	switch (d) {
	case 7:
		return x / 7;
	case 6:
		return x / 6;
	case 5:
		return x / 5;
	default:
		return x / d;
	}
}

static int read_edges_with(struct v8 *v, struct pipe *p)
{
	const uint64_t *f, *at;
	uint32_t from = 0, left;
	uint64_t nf = v->nf, limit = (uint64_t)v->n_nodes * v->nf;
	char msg[ERROR_MSG_MAX];

	if (!v->have_nodes)
		return v8_fail_here(v, "\"edges\" comes before \"nodes\"");
	if (v8_expect(v, '[', "\"edges\" must be an array") != 0)
		return -1;
	v8_pipe_start(v, p, 1);
	left = v->edge_count[0];
	for (;;) {
		int rc = v8_next_record(v, p, &f, &at, v->ef, "edges array ends inside an edge", "edge");
		const struct etype *t;
		uint32_t name;
		uint64_t to;

		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		while (left == 0 && from < v->n_nodes) {
			if (++from < v->n_nodes)
				left = v->edge_count[from];
		}
		if (from >= v->n_nodes) {
			snprintf(msg, sizeof msg, "more edges than the nodes' edge_count fields add up to (%llu)",
				 (unsigned long long)v->n_edges);
			return v8_fail_at(v, at[0], msg);
		}
		if (f[v->e_type] >= v->n_et) {
			snprintf(msg, sizeof msg, "edge type %llu is not one of the %u edge_types",
				 (unsigned long long)f[v->e_type], v->n_et);
			return v8_fail_at(v, at[v->e_type], msg);
		}
		to = div_fields(f[v->e_to], v->nf);
		if (f[v->e_to] - to * nf != 0) {
			snprintf(msg, sizeof msg, "to_node %llu is not a multiple of the %u node fields",
				 (unsigned long long)f[v->e_to], v->nf);
			return v8_fail_at(v, at[v->e_to], msg);
		}
		if (f[v->e_to] >= limit) {
			snprintf(msg, sizeof msg, "to_node %llu is past the last node (%u nodes)",
				 (unsigned long long)f[v->e_to], v->n_nodes);
			return v8_fail_at(v, at[v->e_to], msg);
		}
		t = &v->et[f[v->e_type]];
		if (t->index_name) {
			/* indexes beyond 31 bits are clamped (see docs/v8-format.md) */
			name = HEAP_NAME_INDEX | (uint32_t)(f[v->e_name] > 0x7fffffffu ? 0x7fffffffu : f[v->e_name]);
		} else {
			if (f[v->e_name] > 0x7fffffffu) {
				snprintf(msg, sizeof msg, "edge name index %llu past the string table",
					 (unsigned long long)f[v->e_name]);
				return v8_fail_at(v, at[v->e_name], msg);
			}
			name = (uint32_t)f[v->e_name];
			if (!v->any_edge_name || name > v->max_edge_name) {
				v->max_edge_name = name;
				v->max_edge_name_at = at[v->e_name];
				v->any_edge_name = 1;
			}
		}
		if (heap_builder_add_edge(v->b, from, (heap_node_t)to, (enum heap_edge_kind)t->kind,
					  name, v->err) != 0) {
			snprintf(msg, sizeof msg, "%s", v->err->msg);
			return v8_fail_at(v, at[0], msg);
		}
		left--;
		v->n_edges++;
		if ((v->n_edges & (TICK - 1)) == 0 && v8_tick_at(v, p->cur->end) != 0)
			return -1;
	}
	v8_pipe_fini(v, p);	/* joined already (the closing batch): v8_here() is the loader's */
	while (left == 0 && from + 1 < v->n_nodes)
		left = v->edge_count[++from];
	if (left != 0) {
		snprintf(msg, sizeof msg, "edges array holds %llu edges, fewer than the nodes' edge_count "
			 "fields add up to", (unsigned long long)v->n_edges);
		return v8_fail_at(v, v8_here(v) - 1, msg);
	}
	if (v->meta_edges != UINT64_MAX && v->n_edges != v->meta_edges) {
		snprintf(msg, sizeof msg, "edges array holds %llu edges, edge_count says %llu",
			 (unsigned long long)v->n_edges, (unsigned long long)v->meta_edges);
		return v8_fail_at(v, v8_here(v) - 1, msg);
	}
	v->have_edges = 1;
	return 0;
}

/* The pipe is stopped and its reader joined on every path. */
static int read_nodes(struct v8 *v)
{
	struct pipe p;
	int rc;

	p.started = 0;
	rc = read_nodes_with(v, &p);
	v8_pipe_fini(v, &p);
	return rc;
}

static int read_edges(struct v8 *v)
{
	struct pipe p;
	int rc;

	p.started = 0;
	rc = read_edges_with(v, &p);
	v8_pipe_fini(v, &p);
	return rc;
}

/* "locations": [object_index, script_id, line, column, ...] (the order
 * from meta.location_fields), after "nodes"; each says where a closure's
 * function is.  Skipped without location_fields or before "nodes".  V8
 * gives other objects locations too (their constructor's): only closures'
 * are kept, which is what a label shows (label.h). */
static int read_locations_with(struct v8 *v, struct pipe *p)
{
	const uint64_t *f, *at;
	uint64_t limit = (uint64_t)v->n_nodes * v->nf, n = 0;
	char msg[ERROR_MSG_MAX];
	struct heap_builder_view h;

	heap_builder_view(v->b, &h);
	if (v8_expect(v, '[', "\"locations\" must be an array") != 0)
		return -1;
	v8_pipe_start(v, p, 0);
	for (;;) {
		int rc = v8_next_record(v, p, &f, &at, v->lf, "locations array ends inside a location", "location");
		uint64_t obj;

		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		obj = f[v->l_object];
		if (obj % v->nf != 0 || obj >= limit) {
			snprintf(msg, sizeof msg, "location object_index %llu is not a node (%u nodes of %u fields)",
				 (unsigned long long)obj, v->n_nodes, v->nf);
			return v8_fail_at(v, at[v->l_object], msg);
		}
		if (h.category[obj / v->nf] == v->cat_closure &&
		    heap_builder_add_location(v->b, (heap_node_t)(obj / v->nf),
					      f[v->l_line] > UINT32_MAX ? UINT32_MAX : (uint32_t)f[v->l_line],
					      f[v->l_column] > UINT32_MAX ? UINT32_MAX : (uint32_t)f[v->l_column],
					      v->err) != 0) {
			snprintf(msg, sizeof msg, "%s", v->err->msg);
			return v8_fail_at(v, at[v->l_object], msg);
		}
		if ((++n & (TICK - 1)) == 0 && v8_tick_at(v, p->cur->end) != 0)
			return -1;
	}
	return 0;
}

static int read_locations(struct v8 *v)
{
	struct pipe p;
	int rc;

	if (!v->lf || !v->have_nodes)
		return v8_skip_int_array(v);
	p.started = 0;
	rc = read_locations_with(v, &p);
	v8_pipe_fini(v, &p);
	return rc;
}

/* ---- the string table ---- */

static void eph_put(struct ephmap *m, uint32_t key, uint64_t table)
{
	size_t i;

	if ((m->used + 1) * 2 > (m->mask + 1)) {
		size_t old = m->key ? m->mask + 1 : 0, size = old ? old * 2 : 1024;
		uint32_t *ok = m->key;
		uint64_t *ot = m->table;
		m->key = mem_calloc(size, sizeof *m->key);
		m->table = mem_alloc(size * sizeof *m->table);
		m->mask = size - 1;
		for (size_t j = 0; j < old; j++)
			if (ok[j]) {
				for (i = (ok[j] * 2654435761u) & m->mask; m->key[i]; i = (i + 1) & m->mask)
					;
				m->key[i] = ok[j];
				m->table[i] = ot[j];
			}
		free(ok);
		free(ot);
	}
	for (i = ((key + 1) * 2654435761u) & m->mask; m->key[i]; i = (i + 1) & m->mask)
		;
	m->key[i] = key + 1;
	m->table[i] = table;
	m->used++;
}

/* The WeakMap table id an ephemeron edge name names, or 0 (none). */
int v8_eph_get(const struct ephmap *m, uint32_t key, uint64_t *table)
{
	if (!m->key)
		return 0;
	for (size_t i = ((key + 1) * 2654435761u) & m->mask; m->key[i]; i = (i + 1) & m->mask)
		if (m->key[i] == key + 1) {
			*table = m->table[i];
			return 1;
		}
	return 0;
}

/* Whether s[0..len) contains the C string w. */
static int contains(const char *s, size_t len, const char *w)
{
	size_t wl = strlen(w);

	for (const char *p = s; (size_t)(s + len - p) >= wl; p++) {
		p = memchr(p, w[0], (size_t)(s + len - p) - wl + 1);
		if (!p)
			return 0;
		if (memcmp(p, w, wl) == 0)
			return 1;
	}
	return 0;
}

/* DevTools' ephemeron name pattern (HeapSnapshot.ts tryParseWeakMapEdgeName):
 *   ^\d+ / part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(\d+)\)$ */
static void note_ephemeron(struct v8 *v, uint32_t index, const char *s, size_t len)
{
	regmatch_t m[2];
	char buf[32];
	size_t n;
	uint64_t table = 0;

	if (len < 40 || memchr(s, '\0', len) || !contains(s, len, " / part of key ("))
		return;
	if (!v->eph_re_ok) {
		if (regcomp(&v->eph_re, "^[0-9]+ / part of key \\(.* @[0-9]+\\) -> value \\(.* @[0-9]+\\) "
			    "pair in WeakMap \\(table @([0-9]+)\\)$", REG_EXTENDED) != 0)
			return;
		v->eph_re_ok = 1;
	}
	{
		/* regexec wants a C string; s may point into the read window */
		char *z = mem_alloc(len + 1);
		int rc;
		memcpy(z, s, len);
		z[len] = '\0';
		rc = regexec(&v->eph_re, z, 2, m, 0);
		free(z);
		if (rc != 0 || m[1].rm_so < 0)
			return;
	}
	n = (size_t)(m[1].rm_eo - m[1].rm_so);
	if (n == 0 || n >= sizeof buf)
		return;
	memcpy(buf, s + m[1].rm_so, n);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		table = table * 10 + (uint64_t)(buf[i] - '0');
	eph_put(&v->eph, index, table);
}

static const struct {
	const char *s;
	uint8_t sn;
} snames[] = {
	{ "map", SN_MAP },
	{ "elements", SN_ELEMENTS },
	{ "properties", SN_PROPERTIES },
	{ "shared", SN_SHARED },
	{ "code", SN_CODE },
	{ "feedback_cell", SN_FEEDBACK_CELL },
	{ "scope_info", SN_SCOPE_INFO },
	{ "initial_map", SN_INITIAL_MAP },
	{ "native_context", SN_NATIVE_CONTEXT_REF },
	{ "global_proxy", SN_GLOBAL_PROXY },
	{ "__proto__", SN_PROTO },
	{ "constructor", SN_CONSTRUCTOR },
	{ "prototype", SN_PROTOTYPE },
	{ "previous", SN_PREVIOUS },
	{ "back_pointer", SN_BACK_POINTER },
	{ "script", SN_SCRIPT },
	{ "script_or_debug_info", SN_SCRIPT },
	{ "bound_function", SN_BOUND_FUNCTION },
	{ "context", SN_CONTEXT_REF },
	{ "exports", SN_EXPORTS },
	{ "javascript_to_native", SN_JS_TO_NATIVE },
	{ "native_to_javascript", SN_NATIVE_TO_JS },
	{ "<symbol owner_symbol>", SN_OWNER_SYMBOL },
	{ "<symbol resource_symbol>", SN_OWNER_SYMBOL },
	{ "system / NativeContext", SN_NATIVE_CONTEXT },
	{ "system / Context", SN_CONTEXT },
};

_Static_assert(sizeof snames / sizeof snames[0] <= sizeof ((struct v8 *)0)->sname_len,
	       "struct v8's sname_len holds a length per name");

static int has_prefix(const char *s, size_t len, const char *p)
{
	size_t pl = strlen(p);

	return len >= pl && memcmp(s, p, pl) == 0;
}

/* The names' lengths and first bytes, so that most strings are told
 * apart from every name by one table look-up. */
static void snames_init(struct v8 *v)
{
	for (size_t k = 0; k < sizeof snames / sizeof snames[0]; k++) {
		v->sname_len[k] = (uint8_t)strlen(snames[k].s);
		v->sname_first[(unsigned char)snames[k].s[0]] = 1;
	}
	v->sname_first['n'] = 1;	/* the prefixes below */
	v->sname_first['s'] = 1;
}

static uint8_t sname_of(const struct v8 *v, const char *s, size_t len)
{
	if (len == 0 || !v->sname_first[(unsigned char)s[0]])
		return SN_OTHER;
	for (size_t k = 0; k < sizeof snames / sizeof snames[0]; k++)
		if (v->sname_len[k] == len && memcmp(snames[k].s, s, len) == 0)
			return snames[k].sn;
	if (s[0] == 's')
		return has_prefix(s, len, "system / NativeContext / ") ? SN_NATIVE_CONTEXT : SN_OTHER;
	if (s[0] != 'n' || !has_prefix(s, len, "node:"))
		return SN_OTHER;
	if (has_prefix(s, len, "node:internal/modules/") || has_prefix(s, len, "node:internal/bootstrap/"))
		return SN_SCRIPT_LOADER;
	return SN_SCRIPT_BUILTIN;
}

static const char external_data[] = "system / ExternalStringData";
static const char dom_trees[] = "(Document DOM trees)";

/* Strings are interned a batch at a time: the builder is told about the
 * whole batch first (heap_builder_prefetch), so the intern table's cache
 * misses overlap instead of coming one after another. */
enum {
	STR_BATCH = 32
};

struct strbatch {
	char *buf;			/* the pending strings, back to back */
	size_t len, cap;
	size_t off[STR_BATCH], slen[STR_BATCH];
	unsigned n;
};

static void strings_flush(struct v8 *v, struct strbatch *sb)
{
	for (unsigned i = 0; i < sb->n; i++)
		heap_builder_prefetch(v->b, sb->buf + sb->off[i], sb->slen[i]);
	for (unsigned i = 0; i < sb->n; i++)
		v->strmap[v->n_strings++] = heap_builder_intern(v->b, sb->buf + sb->off[i], sb->slen[i]);
	sb->n = 0;
	sb->len = 0;
}

static void strings_add(struct v8 *v, struct strbatch *sb, const char *s, size_t len)
{
	uint32_t index = v->n_strings + sb->n;

	if (len == sizeof external_data - 1 && memcmp(s, external_data, len) == 0)
		v->s_external_data = index + 1;
	if (len == sizeof dom_trees - 1 && memcmp(s, dom_trees, len) == 0)
		v->s_dom_trees = index + 1;
	note_ephemeron(v, index, s, len);
	v->sname[index] = sname_of(v, s, len);
	if (!sb->buf || sb->len + len > sb->cap) {
		sb->cap = sb->len + len + (1 << 16);
		sb->buf = mem_realloc_array(sb->buf, sb->cap, 1);
	}
	if (len)
		memcpy(sb->buf + sb->len, s, len);
	sb->off[sb->n] = sb->len;
	sb->slen[sb->n] = len;
	sb->len += len;
	if (++sb->n == STR_BATCH)
		strings_flush(v, sb);
}

static int read_strings_with(struct v8 *v, struct strbatch *sb)
{
	int c;

	if (v8_expect(v, '[', "\"strings\" must be an array") != 0)
		return -1;
	/* The names the nodes and edges use say how many strings there are
	 * (V8 writes each once): the intern table and the maps are sized
	 * once.  What the rest of the file can hold (4 bytes a string, "",
	 * and some) bounds a hint a broken file inflates. */
	{
		uint64_t want = 0, room = v->r.file_size > v8_here(v) ? (v->r.file_size - v8_here(v)) / 4 : 0, arena;
		if (v->any_node_name)
			want = v->max_node_name + 1;
		if (v->any_edge_name && v->max_edge_name + 1 > want)
			want = v->max_edge_name + 1;
		if (want > room)
			want = room;
		heap_builder_reserve_strings(v->b, want);
		/* the arena: the strings' bytes (their JSON, less quotes and
		 * commas, plus 5 each), when the table ends the file as V8
		 * writes it; bounded for a file where more follows */
		arena = room * 4 + 2 * want;
		if (arena > want * ARENA_PER_STRING)
			arena = want * ARENA_PER_STRING;
		heap_builder_reserve_arena(v->b, arena);
		v->strmap_cap = (uint32_t)want + STR_BATCH + 1;
	}
	if (v->strmap_cap < 1 << 16)
		v->strmap_cap = 1 << 16;
	v->strmap = mem_alloc(v->strmap_cap * sizeof *v->strmap);
	v->sname = mem_alloc(v->strmap_cap);
	/* the intern table (hit at random), the arena and the maps (filled
	 * front to back) are faulted in on another core while this one reads
	 * (loaders/v8_priv.h prefault; the columns' thread is done by now) */
	if (v->strmap_cap >= PREFAULT_MIN_STRINGS) {
		void *p[2];
		size_t len[2];
		unsigned k = heap_builder_string_room(v->b, p, len);
		prefault_join(&v->pf);
		prefault_init(&v->pf);
		for (unsigned i = 0; i < k; i++)
			prefault_add(&v->pf, p[i], len[i], 0);
		prefault_add(&v->pf, v->strmap, v->strmap_cap * sizeof *v->strmap, 0);
		prefault_add(&v->pf, v->sname, v->strmap_cap, 0);
		prefault_start(&v->pf);
	}
	snames_init(v);
	c = v8_peek(v);
	if (c == ']') {
		v->r.pos++;
		v->have_strings = 1;
		return 0;
	}
	for (;;) {
		const char *s;
		size_t len;
		if (v->n_strings + sb->n >= 0x7fffffffu)
			return v8_fail_here(v, "more than 2^31 strings");
		if (v8_read_string(v, &s, &len, STRING_MAX) != 0)
			return -1;
		if (v->n_strings + STR_BATCH >= v->strmap_cap) {
			v->strmap_cap += v->strmap_cap / 2;
			v->strmap = mem_realloc_array(v->strmap, v->strmap_cap, sizeof *v->strmap);
			v->sname = mem_realloc_array(v->sname, v->strmap_cap, 1);
		}
		strings_add(v, sb, s, len);
		if (((v->n_strings + sb->n) & (TICK - 1)) == 0 && v8_tick(v) != 0)
			return -1;
		c = v8_peek(v);
		if (c == ',') {
			v->r.pos++;
			continue;
		}
		if (c == ']') {
			v->r.pos++;
			break;
		}
		if (c == -2)
			return -1;
		return v8_fail_here(v, c == -1 ? "unexpected end of file: expected ',' or ']' in the strings array"
				 : "expected ',' or ']' in the strings array");
	}
	strings_flush(v, sb);
	v->have_strings = 1;
	return 0;
}

static int read_strings(struct v8 *v)
{
	struct strbatch sb;
	int rc;

	memset(&sb, 0, sizeof sb);
	rc = read_strings_with(v, &sb);
	free(sb.buf);
	return rc;
}

/* ---- the top level ---- */

static int parse(struct v8 *v)
{
	char key[KEY_MAX + 1];
	int c;

	if (v8_rd_fill(&v->r, 3) != 0)
		return -1;
	if (v->r.len >= 3 && memcmp(v->r.buf, "\xef\xbb\xbf", 3) == 0)
		v->r.pos = 3;
	if (v8_expect(v, '{', "expected '{' (a V8 heap snapshot is a JSON object)") != 0)
		return -1;
	if (v8_peek(v) == '}')
		return v8_fail_here(v, "empty object: not a heap snapshot");
	for (;;) {
		const char *s;
		size_t len;
		uint64_t at = v8_here(v);
		int rc;

		if (v8_read_string(v, &s, &len, KEY_MAX) != 0)
			return -1;
		if (len > KEY_MAX)
			return v8_fail_at(v, at, "key too long");
		memcpy(key, s, len);
		key[len] = '\0';
		if (strlen(key) != len)
			return v8_fail_at(v, at, "key holds a NUL character");
		if (v8_expect(v, ':', "expected ':' after a key") != 0)
			return -1;
		if (strcmp(key, "snapshot") == 0) {
			rc = v->have_meta ? v8_fail_at(v, at, "second \"snapshot\"") : read_meta(v);
		} else if (strcmp(key, "nodes") == 0) {
			rc = v->have_nodes ? v8_fail_at(v, at, "second \"nodes\"") : read_nodes(v);
		} else if (strcmp(key, "edges") == 0) {
			rc = v->have_edges ? v8_fail_at(v, at, "second \"edges\"") : read_edges(v);
		} else if (strcmp(key, "strings") == 0) {
			rc = v->have_strings ? v8_fail_at(v, at, "second \"strings\"") : read_strings(v);
		} else if (strcmp(key, "locations") == 0) {
			rc = read_locations(v);
		} else if (strcmp(key, "samples") == 0 ||
			   strcmp(key, "trace_function_infos") == 0) {
			rc = v8_skip_int_array(v);
		} else {
			rc = v8_skip_value(v);	/* trace_tree, scopes, ... */
		}
		if (rc != 0)
			return -1;
		c = v8_peek(v);
		if (c == ',') {
			v->r.pos++;
			continue;
		}
		if (c == '}') {
			v->r.pos++;
			break;
		}
		if (c == -2)
			return -1;
		return v8_fail_here(v, c == -1 ? "unexpected end of file: expected ',' or '}'"
				 : "expected ',' or '}' after a top-level value");
	}
	c = v8_peek(v);
	if (c == -2)
		return -1;
	if (c != -1)
		return v8_fail_here(v, "data after the end of the snapshot object");
	return v8_finish(v);
}

static int load(const char *path, struct heap_builder *b, struct progress *prog, struct error *err)
{
	struct v8 v;
	struct stat st;
	int rc;

	memset(&v, 0, sizeof v);
	prefault_init(&v.pf);
	v.cat_closure = -1;
	v.path = path;
	v.b = b;
	v.prog = prog;
	v.err = err;
	v.r.path = path;
	v.r.err = err;
	v.r.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (v.r.fd < 0)
		return error_set(err, "%s: %s", path, strerror(errno));
	if (fstat(v.r.fd, &st) != 0) {
		error_set(err, "%s: %s", path, strerror(errno));
		close(v.r.fd);
		return -1;
	}
	v.r.file_size = (uint64_t)st.st_size;
#ifdef POSIX_FADV_SEQUENTIAL
	(void)posix_fadvise(v.r.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	/* the window starts at CHUNK, or the file's size when smaller (a
	 * FIFO or a device reports 0: 64 KiB, grown as needed) */
	v.r.cap = CHUNK;
	if (S_ISREG(st.st_mode) && st.st_size > 0 && (uint64_t)st.st_size < CHUNK)
		v.r.cap = (size_t)st.st_size + 1;
	else if (!S_ISREG(st.st_mode))
		v.r.cap = 1 << 16;
	v.r.buf = mem_alloc(v.r.cap + 1);
	progress_force(prog, "parsing", 0, v.r.file_size);
	rc = parse(&v);
	prefault_join(&v.pf);	/* before the builder's memory can go */
	progress_force(prog, "parsing", v.r.file_size, v.r.file_size);
	close(v.r.fd);
	free(v.r.buf);
	free(v.nt);
	free(v.et);
	free(v.edge_count);
	free(v.strmap);
	free(v.sname);
	free(v.back_meta);
	free(v.eph.key);
	free(v.eph.table);
	free(v.tmp);
	free(v.dom_state);
	if (v.eph_re_ok)
		regfree(&v.eph_re);
	return rc;
}

/* A V8 snapshot starts with {"snapshot":{"meta":...; white space allowed. */
static int sniff(const char *path, const unsigned char *head, size_t len, int is_dir)
{
	size_t i = 0;

	(void)path;
	if (is_dir)
		return 0;
	if (len >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && v8_is_ws(head[i]))
		i++;
	if (i >= len || head[i] != '{')
		return 0;
	i++;
	while (i < len && v8_is_ws(head[i]))
		i++;
	if (len - i >= 10 && memcmp(head + i, "\"snapshot\"", 10) == 0)
		return 100;
	if (contains((const char *)head, len, "\"node_fields\""))
		return 60;
	return 0;
}

const struct loader fmt_v8 = {
	.name = "v8",
	.description = "V8 .heapsnapshot (Node.js, Chrome, Edge, Electron, Deno)",
	.sniff = sniff,
	.load = load,
};
