/* v8_rules: DevTools' rules and the user graph, once a V8 snapshot is read
 * (loaders/v8_priv.h, docs/v8-format.md, docs/user-graph.md). */
#include "loaders/v8_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/hugepage.h"
#include "graph/core/mem.h"

/* ---- DevTools' semantics, once everything is read ---- */

static int bit_get(const uint64_t *bits, uint32_t i)
{
	return (int)((bits[i >> 6] >> (i & 63)) & 1);
}

static void bit_set(uint64_t *bits, uint32_t i)
{
	bits[i >> 6] |= UINT64_C(1) << (i & 63);
}

/* DevTools' calculateShallowSizes: a hidden or array object (or the
 * native "system / ExternalStringData") reachable from exactly one
 * ordinary object, through hidden and array objects only, is counted in
 * that owner's shallow size.  Runs only when the root has user roots
 * (a snapshot taken without "expose internals"). */
static void own_shallow_sizes(struct v8 *v, struct heap_builder_view *h, const uint32_t *first,
			      uint32_t root)
{
	const uint32_t unvisited = 0xffffffffu, multiple = 0xfffffffeu;
	uint32_t n = h->n_nodes;
	uint32_t *owner, *work;
	size_t nwork = 0, cap;
	int user_roots = 0;
	uint8_t cat_kind[256];

	for (uint32_t e = first[root]; e < first[root + 1]; e++) {
		uint32_t t = h->edge_to[e];
		if (!(h->flags[t] & HEAP_F_SYNTHETIC) ||
		    (v->s_dom_trees && h->name[t] == v->s_dom_trees - 1))
			user_roots = 1;
	}
	if (!user_roots || n >= multiple)
		return;
	/* per category: 1 hidden or array, 2 native */
	memset(cat_kind, 0, sizeof cat_kind);
	for (unsigned t = v->n_nt; t-- > 0;)
		cat_kind[v->nt[t].category] = v->nt[t].hidden || v->nt[t].array ? 1 : v->nt[t].native ? 2 : 0;
	/* owner[] is read at random for every reference the walk follows */
	owner = hugepage_advise(mem_alloc((size_t)n * sizeof *owner), (size_t)n * sizeof *owner);
	cap = (size_t)n + 1024;
	work = hugepage_advise(mem_alloc(cap * sizeof *work), cap * sizeof *work);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t k = cat_kind[h->category[i]];
		int owned = k == 1 || (k == 2 && v->s_external_data && h->name[i] == v->s_external_data - 1);
		if (owned) {
			owner[i] = unvisited;
		} else {
			owner[i] = i;
			work[nwork++] = i;
		}
	}
	while (nwork) {
		uint32_t id = work[--nwork], own = owner[id];
		for (uint32_t e = first[id]; e < first[id + 1]; e++) {
			uint32_t t;
			if (h->edge_kind[e] == HEAP_EDGE_WEAK)
				continue;
			t = h->edge_to[e];
			if (owner[t] == unvisited) {
				owner[t] = own;
			} else if (owner[t] == t || owner[t] == own || owner[t] == multiple) {
				continue;
			} else {
				owner[t] = multiple;
			}
			if (nwork == cap) {
				cap += cap / 2;
				work = mem_realloc_array(work, cap, sizeof *work);
			}
			work[nwork++] = t;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t o = owner[i];
		if (o == unvisited || o == multiple || o == i)
			continue;
		if ((h->flags[o] & HEAP_F_SYNTHETIC) || o == root)
			continue;
		if (h->size32) {
			uint64_t sum = (uint64_t)h->size32[o] + h->size32[i];
			if (sum < HEAP_SIZE_BIG) {
				h->size32[o] = (uint32_t)sum;
				h->size32[i] = 0;
				continue;
			}
			/* an owner of 4 GiB or more: 64 bits from here on (the
			 * other job of fjob_pair reads no size) */
			{
				struct heap_builder_view w;
				heap_builder_widen_sizes(v->b);
				heap_builder_view(v->b, &w);
				h->size32 = NULL;
				h->size64 = w.size64;
			}
		}
		h->size64[o] += h->size64[i];
		h->size64[i] = 0;
	}
	free(owner);
	free(work);
}

enum {
	DOM_UNKNOWN = 0,
	DOM_ATTACHED = 1,
	DOM_DETACHED = 2,
	DOM_VISITED = 4
};

/* DevTools' propagateDOMState: native objects reachable (not over hidden or
 * weak edges) from an attached one are attached, the rest reachable from a
 * detached one are detached; JavaScript objects stop the spread.  Leaves
 * DOM_DETACHED in v->dom_state[] for each detached native object. */
static void propagate_dom_state(struct v8 *v, struct heap_builder_view *h, const uint32_t *first)
{
	uint8_t *st = v->dom_state;
	uint32_t n = h->n_nodes, *stack[2];
	size_t sp[2] = { 0, 0 }, cap[2] = { 1024, 1024 };
	uint8_t native_cat = 0;
	int have_native = 0;

	for (unsigned t = 0; t < v->n_nt; t++)
		if (v->nt[t].native) {
			native_cat = v->nt[t].category;
			have_native = 1;
		}
	stack[0] = mem_alloc(cap[0] * sizeof *stack[0]);
	stack[1] = mem_alloc(cap[1] * sizeof *stack[1]);
	/* pass 0 seeds from the snapshot's own states; then attached spreads
	 * first, detached second */
	for (int pass = 0; pass < 3; pass++) {
		for (uint32_t i = 0; pass == 0 && i < n; i++) {
			if ((st[i] & 3) == DOM_UNKNOWN)
				continue;
			if (!have_native || h->category[i] != native_cat) {
				st[i] = DOM_VISITED;
				continue;
			}
			st[i] |= DOM_VISITED;
			{
				int k = (st[i] & 3) == DOM_ATTACHED ? 0 : 1;
				if (sp[k] == cap[k]) {
					cap[k] *= 2;
					stack[k] = mem_realloc_array(stack[k], cap[k], sizeof *stack[k]);
				}
				stack[k][sp[k]++] = i;
			}
		}
		if (pass == 0)
			continue;
		{
			int k = pass - 1;
			uint8_t state = pass == 1 ? DOM_ATTACHED : DOM_DETACHED;
			while (sp[k]) {
				uint32_t u = stack[k][--sp[k]];
				if (k == 1 && (st[u] & 3) == DOM_ATTACHED)
					continue;
				for (uint32_t e = first[u]; e < first[u + 1]; e++) {
					uint32_t t = h->edge_to[e];
					if (h->edge_kind[e] == HEAP_EDGE_WEAK ||
					    (h->edge_kind[e] == HEAP_EDGE_INTERNAL && (h->edge_name[e] & HEAP_NAME_INDEX)))
						continue;	/* V8 weak and hidden edges */
					if (st[t] & DOM_VISITED)
						continue;
					if (!have_native || h->category[t] != native_cat) {
						st[t] = DOM_VISITED;
						continue;
					}
					st[t] = DOM_VISITED | state;
					if (sp[k] == cap[k]) {
						cap[k] *= 2;
						stack[k] = mem_realloc_array(stack[k], cap[k], sizeof *stack[k]);
					}
					stack[k][sp[k]++] = t;
				}
			}
		}
	}
	free(stack[0]);
	free(stack[1]);
	for (uint32_t i = 0; i < n; i++) {
		st[i] &= 3;
		if (st[i] == DOM_DETACHED)
			h->flags[i] |= HEAP_F_DETACHED;
	}
}

/* DevTools' markPageOwnedNodes: the objects reachable (over non-weak
 * edges) from the root's shortcut targets (the global objects) and from
 * "(Document DOM trees)".  Returns a bit set, or NULL when there are none. */
static uint64_t *page_owned(struct v8 *v, struct heap_builder_view *h, const uint32_t *first,
			    uint32_t root)
{
	uint32_t n = h->n_nodes, *stack;
	size_t sp = 0;
	/* the page's bits are tested for every reference's target
	 * (weigh_edges): huge pages, or megabytes of them miss the TLB */
	uint64_t *page = hugepage_advise(mem_calloc(((size_t)n + 63) / 64, sizeof *page),
					 ((size_t)n + 63) / 64 * sizeof *page);

	stack = mem_alloc(((size_t)n + 1) * sizeof *stack);
	for (uint32_t e = first[root]; e < first[root + 1]; e++) {
		uint32_t t = h->edge_to[e];
		int entry = h->edge_kind[e] == HEAP_EDGE_SHORTCUT ||
			    ((h->edge_name[e] & HEAP_NAME_INDEX) && h->edge_kind[e] == HEAP_EDGE_STRONG &&
			     (h->flags[t] & HEAP_F_SYNTHETIC) && v->s_dom_trees &&
			     h->name[t] == v->s_dom_trees - 1);
		if (entry && !bit_get(page, t)) {
			bit_set(page, t);
			stack[sp++] = t;
		}
	}
	if (sp == 0) {
		free(stack);
		free(page);
		return NULL;
	}
	while (sp) {
		uint32_t u = stack[--sp];
		for (uint32_t e = first[u]; e < first[u + 1]; e++) {
			uint32_t t = h->edge_to[e];
			if (bit_get(page, t) || h->edge_kind[e] == HEAP_EDGE_WEAK)
				continue;
			bit_set(page, t);
			stack[sp++] = t;
		}
	}
	free(stack);
	return page;
}

/* ---- the user graph (docs/user-graph.md, "V8") ---- */

/* Per node, while the rules run: the Node.js script class of a closure,
 * of a function's shared info or of a map's constructor (UM_CLASS, found
 * once and remembered), and the marks to set. */
enum {
	UM_CLASS = 3,		/* 0 not looked at yet, or one of: */
	UC_NONE = 1,		/* not a Node.js builtin */
	UC_BUILTIN = 2,		/* defined by a "node:..." script */
	UC_LOADER = 3,		/* defined by Node.js's module loader */
	UM_VISITING = 4,	/* on the back-pointer walk now (a loop in bad input) */
	UM_ANCHOR = 8,
	UM_RUNTIME = 16,
	OWNER_SCAN = 64		/* references of a handle's owner looked at */
};

enum {
	CAT_RUNTIME = 1,
	CAT_CLOSURE = 2,
	CAT_OBJECT = 4,
	CAT_NATIVE = 8
};

struct user {
	struct v8 *v;
	const struct heap_builder_view *h;
	const uint32_t *first;
	uint8_t *um;			/* per node, UM_ */
	uint8_t cat[256];		/* per category, CAT_ */
};

/* The string class of a reference's name (SN_OTHER for an index). */
static uint8_t edge_sname(const struct user *u, size_t e)
{
	uint32_t name = u->h->edge_name[e];

	return (name & HEAP_NAME_INDEX) ? SN_OTHER : u->v->sname[name];
}

/* The target of node n's first reference of kind `kind` named by class
 * sn, or HEAP_NONE. */
static uint32_t edge_named(const struct user *u, uint32_t n, uint8_t kind, uint8_t sn)
{
	for (uint32_t e = u->first[n]; e < u->first[n + 1]; e++)
		if (u->h->edge_kind[e] == kind && edge_sname(u, e) == sn)
			return u->h->edge_to[e];
	return HEAP_NONE;
}

/* The class of a function: closure -shared-> SharedFunctionInfo
 * -script-> Script, whose name says where it was defined
 * (V8HeapExplorer::ExtractJSObjectReferences and
 * ExtractSharedFunctionInfoReferences); a bound function has the class
 * of the function it binds (-bound_function->, followed a few steps). */
static uint8_t closure_class(struct user *u, uint32_t c)
{
	uint32_t f = c, sfi = HEAP_NONE, script;
	uint8_t cls = UC_NONE;

	if (u->um[c] & UM_CLASS)
		return u->um[c] & UM_CLASS;
	for (int hop = 0; hop < 8 && f != HEAP_NONE && sfi == HEAP_NONE; hop++) {
		sfi = edge_named(u, f, HEAP_EDGE_INTERNAL, SN_SHARED);
		if (sfi == HEAP_NONE)
			f = edge_named(u, f, HEAP_EDGE_INTERNAL, SN_BOUND_FUNCTION);
	}
	if (sfi != HEAP_NONE) {
		if (u->um[sfi] & UM_CLASS) {
			cls = u->um[sfi] & UM_CLASS;
		} else {
			script = edge_named(u, sfi, HEAP_EDGE_INTERNAL, SN_SCRIPT);
			if (script != HEAP_NONE && u->v->sname[u->h->name[script]] == SN_SCRIPT_LOADER)
				cls = UC_LOADER;
			else if (script != HEAP_NONE && u->v->sname[u->h->name[script]] == SN_SCRIPT_BUILTIN)
				cls = UC_BUILTIN;
			u->um[sfi] |= cls;
		}
	}
	u->um[c] |= cls;
	return cls;
}

/* The class of the constructor of the objects of map m.  V8 keeps the
 * constructor at the root of a map's transition tree: a map's
 * constructor_or_back_pointer field is the parent map ("back_pointer")
 * or, at the root, the constructor (Map::GetConstructor;
 * V8HeapExplorer::ExtractMapReferences).  Each map is walked once: the
 * class is remembered on every map of the walk. */
static uint8_t map_class(struct user *u, uint32_t m, uint32_t **path, size_t *cap)
{
	size_t n = 0;
	uint8_t cls = UC_NONE;
	uint32_t cur = m;

	for (;;) {
		uint32_t c, back;
		if (u->um[cur] & UM_CLASS) {
			cls = u->um[cur] & UM_CLASS;
			break;
		}
		if (u->um[cur] & UM_VISITING)
			break;	/* a loop of back pointers: bad input */
		if (n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*path = mem_realloc_array(*path, *cap, sizeof **path);
		}
		(*path)[n++] = cur;
		u->um[cur] |= UM_VISITING;
		c = edge_named(u, cur, HEAP_EDGE_INTERNAL, SN_CONSTRUCTOR);
		if (c != HEAP_NONE) {
			if (u->cat[u->h->category[c]] & CAT_CLOSURE)
				cls = closure_class(u, c);
			break;
		}
		back = edge_named(u, cur, HEAP_EDGE_INTERNAL, SN_BACK_POINTER);
		if (back == HEAP_NONE)
			break;
		cur = back;
	}
	while (n > 0) {
		uint32_t p = (*path)[--n];
		u->um[p] = (uint8_t)((u->um[p] & ~UM_VISITING) | cls);
	}
	return cls;
}

/* (*arr)[at] = val unless already set; *arr (n + 1 entries, HEAP_NONE
 * each) is allocated on first use: only snapshots that have the pairs pay. */
static void note_first(uint32_t **arr, uint32_t n, uint32_t at, uint32_t val)
{
	if (!*arr) {
		*arr = mem_alloc(((size_t)n + 1) * sizeof **arr);
		memset(*arr, 0xff, ((size_t)n + 1) * sizeof **arr);
	}
	if ((*arr)[at] == HEAP_NONE)
		(*arr)[at] = val;
}

/* Reference e is the back link of a pair: META (user_meta). */
static void back_link(struct v8 *v, const struct heap_builder_view *h, uint32_t e)
{
	if (!v->back_meta)
		v->back_meta = mem_calloc(h->n_edges / 64 + 1, sizeof *v->back_meta);
	bit_set(v->back_meta, e);
}

/* The node marks, from the references as the snapshot has them (names
 * are still string indexes), returned per node (UM_ANCHOR, UM_RUNTIME;
 * user_apply sets them; reads the graph only, so it runs beside the
 * other passes over it): HEAP_F_RUNTIME on V8's machinery and the
 * synthetic nodes, HEAP_F_ANCHOR on the native contexts, the global
 * objects and their proxies, the top-level scopes, Node.js's builtin
 * functions and its module loader's objects and their exports; and, in
 * v->back_meta, the back link of each pair: a native object's to its
 * JavaScript wrapper, a Node.js handle's to its owner, a scope's to a
 * function made in it.
 * O(V + E): a closure's or map's class is found once. */
static uint8_t *user_marks(struct v8 *v, const struct heap_builder_view *h, const uint32_t *first)
{
	struct user u;
	uint32_t n = h->n_nodes, *path = NULL, *wrapper_of = NULL, *handles = NULL;
	uint32_t *scope_of = hugepage_advise(mem_alloc(((size_t)n + 1) * sizeof *scope_of),
					     ((size_t)n + 1) * sizeof *scope_of);
	size_t cap = 0, n_handles = 0, handles_cap = 0;

	memset(&u, 0, sizeof u);
	u.v = v;
	u.h = h;
	u.first = first;
	u.um = hugepage_advise(mem_calloc((size_t)n + 1, 1), (size_t)n + 1);
	for (unsigned t = 0; t < v->n_nt; t++)
		u.cat[v->nt[t].category] |= (uint8_t)((v->nt[t].runtime ? CAT_RUNTIME : 0) |
						       (v->nt[t].closure ? CAT_CLOSURE : 0) |
						       (v->nt[t].object ? CAT_OBJECT : 0) |
						       (v->nt[t].native ? CAT_NATIVE : 0));
	for (uint32_t i = 0; i < n; i++) {
		uint8_t cat = u.cat[h->category[i]];
		uint8_t sn = v->sname[h->name[i]];
		uint32_t map = HEAP_NONE, exports = HEAP_NONE;

		if ((cat & CAT_RUNTIME) || (h->flags[i] & HEAP_F_SYNTHETIC))
			u.um[i] |= UM_RUNTIME;
		if (sn == SN_NATIVE_CONTEXT)
			u.um[i] |= UM_ANCHOR;
		scope_of[i] = HEAP_NONE;
		if (!(cat & (CAT_OBJECT | CAT_CLOSURE)))
			continue;	/* the references below are an object's or a function's */
		for (uint32_t e = first[i]; e < first[i + 1]; e++) {
			uint32_t t = h->edge_to[e];
			uint8_t kind = h->edge_kind[e], es = edge_sname(&u, e);
			if (kind == HEAP_EDGE_STRONG) {
				if (es == SN_OWNER_SYMBOL) {
					if (n_handles == handles_cap) {
						handles_cap = handles_cap ? handles_cap * 2 : 256;
						handles = mem_realloc_array(handles, handles_cap, sizeof *handles);
					}
					handles[n_handles++] = e;
				} else if (es == SN_EXPORTS && exports == HEAP_NONE)
					exports = t;
				continue;
			}
			if (kind != HEAP_EDGE_INTERNAL)
				continue;
			switch (es) {
			case SN_MAP:
				if (map == HEAP_NONE)
					map = t;
				break;
			case SN_CONTEXT_REF:
				if ((cat & CAT_CLOSURE) && scope_of[i] == HEAP_NONE)
					scope_of[i] = t;
				break;
			case SN_GLOBAL_PROXY:
				/* a JSGlobalObject and its JSGlobalProxy */
				u.um[i] |= UM_ANCHOR;
				u.um[t] |= UM_ANCHOR;
				break;
			case SN_PREVIOUS:
				/* a scope whose outer scope is the native
				 * context: a module's or a script's */
				if (sn == SN_CONTEXT && v->sname[h->name[t]] == SN_NATIVE_CONTEXT)
					u.um[i] |= UM_ANCHOR;
				break;
			case SN_JS_TO_NATIVE:
				note_first(&wrapper_of, n, t, i);
				break;
			default:
				break;
			}
		}
		if ((cat & CAT_CLOSURE) && closure_class(&u, i) >= UC_BUILTIN)
			u.um[i] |= UM_ANCHOR;
		if ((cat & CAT_OBJECT) && map != HEAP_NONE && map_class(&u, map, &path, &cap) == UC_LOADER) {
			u.um[i] |= UM_ANCHOR;
			if (exports != HEAP_NONE)
				u.um[exports] |= UM_ANCHOR;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		uint8_t sn = v->sname[h->name[i]];
		uint8_t cat = u.cat[h->category[i]];
		if (sn != SN_CONTEXT && !(wrapper_of && (cat & CAT_NATIVE)))
			continue;
		for (uint32_t e = first[i]; e < first[i + 1]; e++) {
			uint32_t t = h->edge_to[e];
			uint8_t kind = h->edge_kind[e];
			/* a scope holds the functions made in it that something
			 * refers to by name, and each of them holds the scope
			 * (its context): the scope's link to such a function is
			 * not the program's, or every one and its scope is a
			 * cycle (ExtractContextReferences, ExtractJSObjectReferences) */
			if (sn == SN_CONTEXT && kind == HEAP_EDGE_STRONG && scope_of[t] == i)
				back_link(v, h, e);
			/* a native object and its JavaScript wrapper point at each
			 * other (Node.js's BaseObject, Blink's wrappers): the
			 * native's link back to its own wrapper */
			if (wrapper_of && (cat & CAT_NATIVE) && kind == HEAP_EDGE_INTERNAL && t == wrapper_of[i] &&
			    edge_sname(&u, e) == SN_NATIVE_TO_JS)
				back_link(v, h, e);
		}
	}
	/* a Node.js handle (a TCP, an HTTPParser, ...) points at the object
	 * that owns it with [owner_symbol] or [resource_symbol]
	 * (typings/internalBinding/async_wrap.d.ts: a resource's public
	 * object; lib/internal/async_hooks.js looks both up), which holds it
	 * (server._handle, socket[kHandle]): the same pair, in JavaScript.
	 * The owner's first OWNER_SCAN references are looked at (a bound:
	 * many handles may share an owner) */
	for (uint32_t i = 0; handles && i < n_handles; i++) {
		uint32_t back = handles[i], hd = heap_builder_edge_from(v->b, back), o = h->edge_to[back];
		for (uint32_t e = first[o]; e < first[o + 1] && e - first[o] < OWNER_SCAN; e++)
			if (h->edge_to[e] == hd && h->edge_kind[e] == HEAP_EDGE_STRONG) {
				back_link(v, h, back);
				break;
			}
	}
	free(scope_of);
	free(wrapper_of);
	free(handles);
	free(path);
	return u.um;
}

/* Sets the marks user_marks() found (an anchor is never a runtime
 * object too) and frees them. */
static void user_apply(struct heap_builder_view *h, uint8_t *um)
{
	for (uint32_t i = 0; i < h->n_nodes; i++)
		if (um[i] & UM_ANCHOR)
			h->flags[i] |= HEAP_F_ANCHOR;
		else if (um[i] & UM_RUNTIME)
			h->flags[i] |= HEAP_F_RUNTIME;
	free(um);
}

/* Whether reference e of node u (its name still a string index; ephemeron:
 * it is internal and named as a WeakMap entry's) is V8's
 * bookkeeping, not one the program made (HEAP_EDGE_META): hidden
 * references, the internal ones named in enum sname (map, the property
 * and element stores, ...), the prototype chain (__proto__, constructor,
 * prototype: a scope's variables of those names excepted), WeakMap
 * ephemerons, and the back link of a pair (a native's to its own wrapper, a
 * Node.js handle's to its owner, a scope's to a function made in it). */
static int user_meta(const struct v8 *v, const struct heap_builder_view *h, uint32_t u, uint32_t e,
		     int ephemeron)
{
	uint32_t name = h->edge_name[e];
	uint8_t kind = h->edge_kind[e];

	if (v->back_meta && bit_get(v->back_meta, e))
		return 1;
	if (name & HEAP_NAME_INDEX)
		return kind == HEAP_EDGE_INTERNAL;	/* V8's "hidden" */
	switch (v->sname[name]) {
	case SN_MAP:
	case SN_ELEMENTS:
	case SN_PROPERTIES:
	case SN_SHARED:
	case SN_CODE:
	case SN_FEEDBACK_CELL:
	case SN_SCOPE_INFO:
	case SN_INITIAL_MAP:
	case SN_NATIVE_CONTEXT_REF:
	case SN_GLOBAL_PROXY:
		return kind == HEAP_EDGE_INTERNAL;
	case SN_PROTO:
	case SN_CONSTRUCTOR:
	case SN_PROTOTYPE:
		return kind == HEAP_EDGE_INTERNAL ||
		       (kind == HEAP_EDGE_STRONG && v->sname[h->name[u]] != SN_CONTEXT);
	default:
		return ephemeron;
	}
}

/* Edges of nodes [lo, hi): what DevTools' computeIsEssentialEdge leaves
 * out of its dominator tree becomes HEAP_EDGE_WEAK (the only kind that
 * never retains in heapglass): WeakMap table -> value ephemerons, edges
 * from outside the page into it, shortcuts of synthetic nodes other than
 * the root.  The user graph's HEAP_EDGE_META is or-ed in (user_meta).
 * Names become arena offsets.  Writes only these nodes' edges. */
static void weigh_edges(const struct v8 *v, struct heap_builder_view *hv, const uint32_t *first,
			uint32_t root, const uint64_t *page, uint32_t lo, uint32_t hi)
{
	struct heap_builder_view h = *hv;

	for (uint32_t u = lo; u < hi; u++) {
		for (uint32_t e = first[u]; e < first[u + 1]; e++) {
			uint32_t name = h.edge_name[e];
			uint64_t table;
			int eph = !(name & HEAP_NAME_INDEX) && h.edge_kind[e] == HEAP_EDGE_INTERNAL &&
				  v8_eph_get(&v->eph, name, &table);
			uint8_t meta = user_meta(v, hv, u, e, eph) ? HEAP_EDGE_META : 0;
			if (!(name & HEAP_NAME_INDEX)) {
				if (eph && table == heap_builder_view_id(&h, u))
					h.edge_kind[e] = HEAP_EDGE_WEAK;
				h.edge_name[e] = v->strmap[name];
			}
			if (u == root || h.edge_kind[e] == HEAP_EDGE_WEAK) {
				/* stays */
			} else if (h.edge_kind[e] == HEAP_EDGE_SHORTCUT) {
				/* heapglass lets shortcuts of every synthetic node
				 * retain; DevTools only the root's */
				if (h.flags[u] & HEAP_F_SYNTHETIC)
					h.edge_kind[e] = HEAP_EDGE_WEAK;
			} else if (page && bit_get(page, h.edge_to[e]) && !bit_get(page, u)) {
				h.edge_kind[e] = HEAP_EDGE_WEAK;
			}
			h.edge_kind[e] |= meta;
		}
	}
}

/* The passes over the whole graph that v8_finish() runs two at a time: the
 * page-owned set (reads the edges) then the shallow sizes (moves size[])
 * with the user graph's node marks (reads the graph), then the edge
 * weighing split in two node ranges.  No two write the same memory. */
struct fjob {
	int what;			/* FJ_ */
	struct v8 *v;
	struct heap_builder_view *h;
	const uint32_t *first;
	uint32_t root, lo, hi;
	uint64_t *page;			/* FJ_PAGE's result; FJ_WEIGH's input */
	uint8_t *um;			/* FJ_USER's result */
};

enum {
	FJ_PAGE,			/* the page-owned set, then the shallow sizes */
	FJ_USER,			/* the user graph's node marks */
	FJ_WEIGH,
	FJ_MIN_EDGES = 1 << 16		/* below this a thread costs more than it saves */
};

static void *fjob_run(void *arg)
{
	struct fjob *j = arg;

	if (j->what == FJ_PAGE) {
		j->page = page_owned(j->v, j->h, j->first, j->root);
		own_shallow_sizes(j->v, j->h, j->first, j->root);
	} else if (j->what == FJ_USER) {
		j->um = user_marks(j->v, j->h, j->first);
	} else {
		weigh_edges(j->v, j->h, j->first, j->root, j->page, j->lo, j->hi);
	}
	return NULL;
}

/* Runs a on a helper thread and b on this one (both here when the graph
 * is small or no thread starts); returns when both are done. */
static void fjob_pair(struct fjob *a, struct fjob *b, size_t n_edges)
{
	struct worker w;

	worker_run(&w, n_edges >= FJ_MIN_EDGES, fjob_run, a);
	fjob_run(b);
	worker_join(&w);
}

/* What v8_finish() makes of a string of the table, made once per string
 * (not once per object: a name a million objects share is copied, hashed
 * and scanned once): "Detached " + it, and DevTools' type cut of it and of
 * that.  Indexed by string index; 0: not made yet (allocated when first
 * needed). */
struct name_memo {
	uint32_t n;
	heap_str_t *detached, *cut, *cut_detached;
};

/* DevTools renames detached DOM objects: "Detached " + name. */
static heap_str_t detached_name(struct v8 *v, heap_str_t name)
{
	size_t len;
	const char *s = heap_builder_string(v->b, name, &len);
	char *c = mem_alloc(len + 9);
	heap_str_t r;

	memcpy(c, "Detached ", 9);
	memcpy(c + 9, s, len);
	r = heap_builder_intern(v->b, c, len + 9);
	free(c);
	return r;
}

/* DevTools' type of a native or other class-less object: its name, cut at
 * the first space of a tag: '<div id="a">' -> '<div>', 'Detached <div
 * id="a">' -> 'Detached <div>'. */
static heap_str_t cut_type(struct v8 *v, heap_str_t name)
{
	size_t len, skip;
	const char *s = heap_builder_string(v->b, name, &len), *sp;
	char *c;
	heap_str_t r;

	if (!((len > 1 && s[0] == '<') || (len > 10 && memcmp(s, "Detached <", 10) == 0)))
		return name;
	skip = s[0] == '<' ? 0 : 10;
	sp = memchr(s + skip, ' ', len - skip);
	if (!sp)
		return name;
	c = mem_alloc((size_t)(sp - s) + 1);
	memcpy(c, s, (size_t)(sp - s));
	c[sp - s] = '>';
	r = heap_builder_intern(v->b, c, (size_t)(sp - s) + 1);
	free(c);
	return r;
}

/* (*tab)[si]: make(v, from), where from is string si or what was made of
 * it, made the first time only. */
static heap_str_t memo(struct v8 *v, heap_str_t **tab, uint32_t n, uint32_t si, heap_str_t from,
		       heap_str_t (*make)(struct v8 *, heap_str_t))
{
	if (!*tab)
		*tab = mem_calloc((size_t)n + 1, sizeof **tab);
	if (!(*tab)[si])
		(*tab)[si] = make(v, from);
	return (*tab)[si];
}

int v8_finish(struct v8 *v)
{
	struct heap_builder_view h;
	uint32_t *first = v->edge_count;	/* becomes first-edge offsets */
	uint32_t root;
	uint64_t *page;
	char msg[ERROR_MSG_MAX];

	if (!v->have_meta || !v->have_nodes || !v->have_strings || !v->have_edges) {
		snprintf(msg, sizeof msg, "not a complete heap snapshot: no %s",
			 !v->have_meta ? "\"snapshot\" meta" : !v->have_nodes ? "\"nodes\" array" :
			 !v->have_edges ? "\"edges\" array" : "\"strings\" array");
		return v8_fail_here(v, msg);
	}
	/* only now: without the meta, nf is 0 (a fuzzer found the division) */
	root = (uint32_t)(v->root_index / v->nf);
	if (v->any_node_name && v->max_node_name >= v->n_strings) {
		snprintf(msg, sizeof msg, "node name index %llu past the string table (%u strings)",
			 (unsigned long long)v->max_node_name, v->n_strings);
		return v8_fail_at(v, v->max_node_name_at, msg);
	}
	if (v->any_edge_name && v->max_edge_name >= v->n_strings) {
		snprintf(msg, sizeof msg, "edge name index %llu past the string table (%u strings)",
			 (unsigned long long)v->max_edge_name, v->n_strings);
		return v8_fail_at(v, v->max_edge_name_at, msg);
	}
	progress_force(v->prog, "resolving", 0, 0);
	heap_builder_view(v->b, &h);
	{
		uint32_t sum = 0;
		for (uint32_t i = 0; i < v->n_nodes; i++) {
			uint32_t c = first[i];
			first[i] = sum;
			sum += c;
		}
		first[v->n_nodes] = sum;
	}
	if (v->dom_state)
		propagate_dom_state(v, &h, first);
	{
		struct fjob a = { .what = FJ_PAGE, .v = v, .h = &h, .first = first, .root = root };
		struct fjob b = a;
		uint32_t mid = 0, hi = v->n_nodes;
		b.what = FJ_USER;
		fjob_pair(&a, &b, h.n_edges);
		page = a.page;
		user_apply(&h, b.um);
		/* the edges split in halves by count: the first node whose
		 * edges start past the middle */
		while (mid < hi) {
			uint32_t m = mid + (hi - mid) / 2;
			if (first[m] < first[v->n_nodes] / 2)
				mid = m + 1;
			else
				hi = m;
		}
		a.what = b.what = FJ_WEIGH;
		a.page = b.page = page;
		a.lo = mid;
		a.hi = v->n_nodes;
		b.lo = 0;
		b.hi = mid;
		fjob_pair(&a, &b, h.n_edges);
	}
	free(page);

	/* Nodes: names, and DevTools' class names as the type column. */
	{
		uint8_t cat_type[256];
		uint8_t have[256];
		struct name_memo nm = { .n = v->n_strings };
		int rc = 0;
		memset(have, 0, sizeof have);
		for (unsigned t = 0; t < v->n_nt; t++)
			if (!have[v->nt[t].category]) {
				have[v->nt[t].category] = 1;
				cat_type[v->nt[t].category] = (uint8_t)t;
			}
		for (uint32_t i = 0; i < v->n_nodes; i++) {
			const struct ntype *t = &v->nt[cat_type[h.category[i]]];
			uint32_t si = h.name[i];
			int detached = v->dom_state && v->dom_state[i] == DOM_DETACHED;
			heap_str_t name = detached ? memo(v, &nm.detached, nm.n, si, v->strmap[si], detached_name)
						   : v->strmap[si];
			if ((i & 0xffff) == 0 && progress_tick(v->prog, "resolving", i, v->n_nodes)) {
				rc = error_set(v->err, "%s: interrupted", v->path);
				break;
			}
			h.name[i] = name;
			if (!v->f_detached_present && t->native) {
				/* old snapshots: DevTools takes "Detached ..." natives as detached */
				size_t len;
				const char *s = heap_builder_string(v->b, name, &len);
				if (len >= 9 && memcmp(s, "Detached ", 9) == 0)
					h.flags[i] |= HEAP_F_DETACHED;
			}
			if (t->class_name)
				h.type[i] = t->class_name;
			else if (name)
				h.type[i] = memo(v, detached ? &nm.cut_detached : &nm.cut, nm.n, si, name, cut_type);
			else
				h.type[i] = 0;
		}
		free(nm.detached);
		free(nm.cut);
		free(nm.cut_detached);
		if (rc)
			return rc;
	}
	return heap_builder_add_root(v->b, root, heap_builder_intern_cstr(v->b, "root"), v->err);
}

