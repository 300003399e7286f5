/* heapglass diff OLD NEW: what grew between two snapshots of one program
 * (graph/diff.h), as text or JSON. */
#include "tui/cmd/command.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/text.h"
#include "graph/diff.h"
#include "tui/cmd/cli_analysis.h"

/* "+1.5 KiB", "-200 B", "0 B". */
static const char *signed_bytes(int64_t v, char *buf, size_t size)
{
	char tmp[32];
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	cli_analysis_bytes(m, tmp, sizeof tmp);
	snprintf(buf, size, "%s%s", v > 0 ? "+" : v < 0 ? "-" : "", tmp);
	return buf;
}

/* The last DIFF_PATH_HOPS + 1 steps of v's retainer path: *first gets the
 * index of the first step shown.  Returns the full length (0: none). */
static uint32_t group_path(const struct analysis *a, heap_node_t v, struct reach_step **out,
			   uint32_t *first)
{
	uint32_t len;

	*out = NULL;
	*first = 0;
	if (a->dist[v] == REACH_UNREACHABLE)
		return 0;
	*out = malloc(((size_t)a->dist[v] + 1) * sizeof **out);
	if (!*out)
		return 0;
	len = analysis_path(a, v, *out);
	*first = len > DIFF_PATH_HOPS + 1 ? len - (DIFF_PATH_HOPS + 1) : 0;
	return len;
}

/* A step's object: its type, and its name when it has one (a function's,
 * a class's, a string's head), shortened. */
static void print_node(const struct heap *h, heap_node_t v)
{
	char type[256], name[256];
	size_t len;

	cli_str(h, h->type[v], type, sizeof type);
	heap_string(h, h->name[v], &len);
	if (!len || h->name[v] == h->type[v]) {
		printf("%s", type);
		return;
	}
	cli_str(h, h->name[v], name, sizeof name);
	if (strlen(name) > 40)
		memcpy(name + 37, "...", 4);
	printf("%s %s", type, name);
}

static void print_path(const struct heap *h, const struct reach_step *p, uint32_t len,
		       uint32_t first)
{
	char ename[256];

	printf("%s", first ? "... " : "(root) ");
	for (uint32_t i = first; i < len; i++) {
		if (i > first || (i > 0 && first)) {
			cli_edge(h, h->out_name[p[i].edge], ename, sizeof ename);
			printf(ename[0] ? "-%s-> " : "%s-> ", ename);
		}
		print_node(h, p[i].node);
		printf("%s", i + 1 < len ? " " : "");
	}
}

/* The name of the reference by which a leak's accumulation point holds its
 * objects, as its trace signature reads it: a position, a name that is all
 * digits and every key of a wide container are "[]". */
static const char *held_text(const struct heap *h, uint32_t e, heap_node_t from, char *buf, size_t size)
{
	size_t i;

	if (e == HEAP_NONE) {
		buf[0] = 0;
		return buf;
	}
	cli_edge(h, h->out_name[e], buf, size);
	for (i = 0; buf[i] >= '0' && buf[i] <= '9'; i++)
		;
	if ((h->out_name[e] & HEAP_NAME_INDEX) || (i && !buf[i]) ||
	    h->out_off[from + 1] - h->out_off[from] > DIFF_WIDE)
		snprintf(buf, size, "[]");
	return buf;
}

static json_t *path_json(const struct heap *h, const struct reach_step *p, uint32_t len,
			 uint32_t first)
{
	json_t *arr = json_array();
	char ename[256];

	for (uint32_t i = first; i < len; i++) {
		json_t *e = json_object();
		json_object_set_new(e, "type", cli_json_str(h, h->type[p[i].node]));
		if (p[i].edge == HEAP_NONE)
			json_object_set_new(e, "edge", json_null());
		else if (h->out_name[p[i].edge] & HEAP_NAME_INDEX)
			json_object_set_new(e, "edge", json_string(heap_edge_name(h, h->out_name[p[i].edge],
									   ename, sizeof ename)));
		else
			json_object_set_new(e, "edge", cli_json_str(h, h->out_name[p[i].edge]));
		json_array_append_new(arr, e);
	}
	return arr;
}

/* {"type","edge"} steps of leak cluster i's trace, root first. */
static json_t *leak_path_json(const struct diff *d, uint32_t i)
{
	const struct heap *h = d->new->heap;
	uint32_t len = diff_leak_path(d, i, NULL, 0);
	struct reach_step *p = malloc(((size_t)len + 1) * sizeof *p);
	json_t *arr;

	if (!p)
		return json_array();
	diff_leak_path(d, i, p, len);
	arr = path_json(h, p, len, 0);
	free(p);
	return arr;
}

static json_t *leaks_json(const struct diff *d, uint32_t top)
{
	const struct heap *hn = d->new->heap;
	json_t *arr = json_array();
	char ename[256], where[512];

	for (uint32_t i = 0; i < d->n_leaks && (!top || i < top); i++) {
		const struct diff_leak *l = &d->leaks[i];
		json_t *e = json_object(), *types = json_array();
		for (uint32_t k = 0; k < l->n_types; k++) {
			const struct diff_leak_type *t = &d->leak_types[l->types + k];
			json_t *te = json_object();
			json_object_set_new(te, "type", cli_json_str(hn, t->type));
			json_object_set_new(te, "count", json_integer(t->count));
			json_object_set_new(te, "bytes", json_integer(t->bytes));
			json_array_append_new(types, te);
		}
		diff_leak_access(d, i, where, sizeof where);
		json_object_set_new(e, "where", cli_json_text(where));
		json_object_set_new(e, "path", leak_path_json(d, i));
		json_object_set_new(e, "held_by", l->held_edge == HEAP_NONE ? json_null() :
				    json_string(held_text(hn, l->held_edge, l->point, ename, sizeof ename)));
		json_object_set_new(e, "count", json_integer(l->count));
		json_object_set_new(e, "retained_delta", json_integer(l->retained_delta));
		json_object_set_new(e, "types", types);
		json_object_set_new(e, "point", l->point == HEAP_NONE ? json_null()
					: cli_analysis_node_json(hn, l->point));
		json_object_set_new(e, "sample", cli_analysis_node_json(hn, l->sample));
		json_array_append_new(arr, e);
	}
	return arr;
}

/* "Quote +1,500, (string) +1,500, Array +1,500" (the first few). */
static void leak_types_text(const struct diff *d, const struct diff_leak *l, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = 0;
	for (uint32_t k = 0; k < l->n_types && k < 4 && used + 1 < size; k++) {
		const struct diff_leak_type *t = &d->leak_types[l->types + k];
		char name[128];
		cli_str(d->new->heap, t->type, name, sizeof name);
		snprintf(buf + used, size - used, "%s%s %+" PRId64, k ? ", " : "", name, t->count);
		used += strlen(buf + used);
	}
	if (l->n_types > 4 && used + 1 < size)
		snprintf(buf + used, size - used, ", ... (%u types)", l->n_types);
}

struct type_count {
	const char *s;
	size_t len;
	heap_str_t str;
};

static int type_count_cmp(const void *pa, const void *pb)
{
	const struct type_count *a = pa, *b = pb;
	size_t m = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->s, b->s, m);

	return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* "Node x2, dict x2" for the members of cycle c, escaped. */
static void cycle_types(const struct analysis *a, uint32_t c, char *buf, size_t size)
{
	const struct heap *h = a->heap;
	const struct analysis_cycle *cy = &a->cycles[c];
	struct type_count *t = malloc((size_t)cy->size * sizeof *t + 1);
	size_t used = 0;

	buf[0] = 0;
	if (!t)
		return;
	for (uint32_t i = 0; i < cy->size; i++) {
		t[i].str = h->type[a->members[cy->members + i]];
		t[i].s = heap_string(h, t[i].str, &t[i].len);
	}
	qsort(t, cy->size, sizeof *t, type_count_cmp);
	for (uint32_t i = 0; i < cy->size && used + 1 < size;) {
		uint32_t j = i;
		char name[128];
		while (j < cy->size && type_count_cmp(&t[i], &t[j]) == 0)
			j++;
		cli_str(h, t[i].str, name, sizeof name);
		if (j - i > 1)
			snprintf(buf + used, size - used, "%s%s x%u", used ? ", " : "", name, j - i);
		else
			snprintf(buf + used, size - used, "%s%s", used ? ", " : "", name);
		used += strlen(buf + used);
		i = j;
	}
	free(t);
}

/* The signature of cycle c's pattern, escaped (a raw view: its members'
 * types). */
static void pattern_text(const struct analysis *a, uint32_t c, char *buf, size_t size)
{
	const char *s;

	if (a->cycles[c].pattern == HEAP_NONE) {
		cycle_types(a, c, buf, size);
		return;
	}
	s = analysis_pattern_signature(a, a->cycles[c].pattern);
	text_escape(buf, size, s, strlen(s), 0);
}

/* The leak clusters, each with its whole trace from the root. */
static void leaks_text(const struct diff *d, uint32_t top)
{
	const struct heap *hn = d->new->heap;
	uint32_t shown = top && top < d->n_leaks ? top : d->n_leaks;
	char b1[48], types[512], ename[256], name[256], where[512], ewhere[1024];

	if (!d->n_leaks) {
		printf(d->ages ? "No leak candidate: no object allocated between A and B is alive in C.\n\n"
		       : "No leak: no trace from a root holds more objects than before.\n\n");
		return;
	}
	if (d->ages)
		printf("Leak candidates (objects allocated between A and B, still alive in C), clustered "
		       "by the trace from a root to what holds them, most memory first:\n");
	else
		printf("Leaks: %s objects, clustered by the trace from a root to what holds them, "
		       "most memory first:\n", d->matched_by == DIFF_BY_ID ? "new" : "more");
	for (uint32_t i = 0; i < shown; i++) {
		const struct diff_leak *l = &d->leaks[i];
		uint32_t len = diff_leak_path(d, i, NULL, 0);
		struct reach_step *p = malloc(((size_t)len + 1) * sizeof *p);
		leak_types_text(d, l, types, sizeof types);
		diff_leak_access(d, i, where, sizeof where);
		text_escape(ewhere, sizeof ewhere, where, strlen(where), 0);
		printf("%3u. %s: %+" PRId64 " objects, %s: %s\n     ", i + 1, ewhere, l->count,
		       signed_bytes(l->retained_delta, b1, sizeof b1), types);
		if (p && len) {
			diff_leak_path(d, i, p, len);
			print_path(hn, p, len, 0);
			printf(" -%s-> ", held_text(hn, l->held_edge, l->point, ename, sizeof ename));
		} else {
			printf("(root) ");
		}
		printf("%s  e.g. @%" PRIu64 "\n", cli_str(hn, hn->type[l->sample], name, sizeof name),
		       heap_id(hn, l->sample));
		free(p);
	}
	if (shown < d->n_leaks)
		printf("(%u of %u clusters; --top 0 shows all)\n", shown, d->n_leaks);
	printf("\n");
}

static const char *type_of(const struct diff *d, const struct diff_type *t, char *buf, size_t size)
{
	if (t->new_type != HEAP_NONE)
		return cli_str(d->new->heap, t->new_type, buf, size);
	return cli_str(d->old->heap, t->old_type, buf, size);
}

static void match_note(const struct diff *d, char *buf, size_t size)
{
	if (d->matched_by == DIFF_BY_ID)
		snprintf(buf, size, "by id (V8 object ids, stable within one process: %.1f%% of OLD's "
			 "objects are in NEW with the same id and type)", d->id_rate * 100);
	else if (d->id_rate > 0)
		snprintf(buf, size, "by type and retainer path (only %.1f%% of OLD's V8 ids are in NEW: "
			 "not one process?)", d->id_rate * 100);
	else
		snprintf(buf, size, "by type and retainer path (%s ids are addresses, not stable across "
			 "snapshots)", d->new->heap->format ? d->new->heap->format : "these");
}

static json_t *diff_json(const struct diff *d, uint32_t top)
{
	const struct heap *hn = d->new->heap;
	json_t *o = json_object(), *types = json_array(), *groups = json_array(), *cycles = json_array();

	for (uint32_t i = 0; i < d->n_types && (!top || i < top); i++) {
		const struct diff_type *t = &d->types[i];
		json_t *e = json_object();
		json_object_set_new(e, "type", t->new_type != HEAP_NONE ? cli_json_str(hn, t->new_type)
						: cli_json_str(d->old->heap, t->old_type));
		json_object_set_new(e, "old_count", cli_json_u64(t->old_count));
		json_object_set_new(e, "new_count", cli_json_u64(t->new_count));
		json_object_set_new(e, "count_delta", json_integer(t->count_delta));
		json_object_set_new(e, "shallow_delta", json_integer(t->shallow_delta));
		json_object_set_new(e, "retained_delta", json_integer(t->retained_delta));
		json_array_append_new(types, e);
	}
	for (uint32_t i = 0; i < d->n_groups && (!top || i < top); i++) {
		const struct diff_group *g = &d->groups[i];
		json_t *e = json_object();
		struct reach_step *p;
		uint32_t first, len = group_path(d->new, g->sample, &p, &first);
		json_object_set_new(e, "type", cli_json_str(hn, g->type));
		json_object_set_new(e, "count", json_integer(g->growth));
		json_object_set_new(e, "old_count", cli_json_u64(g->old_count));
		json_object_set_new(e, "new_count", cli_json_u64(g->new_count));
		json_object_set_new(e, "shallow", cli_json_u64(g->shallow));
		json_object_set_new(e, "path", path_json(hn, p, len, first));
		json_object_set_new(e, "path_length", json_integer(len ? len - 1 : 0));
		json_object_set_new(e, "sample", cli_analysis_node_json(hn, g->sample));
		free(p);
		json_array_append_new(groups, e);
	}
	for (uint32_t i = 0; i < d->n_cycles && (!top || i < top); i++) {
		const struct diff_cycle *c = &d->cycles[i];
		const struct analysis_cycle *cy = &d->new->cycles[c->sample];
		json_t *e = json_object();
		char members[1024], sig[1024];
		cycle_types(d->new, c->sample, members, sizeof members);
		pattern_text(d->new, c->sample, sig, sizeof sig);
		json_object_set_new(e, "count", json_integer(c->count));
		json_object_set_new(e, "pattern", json_string(sig));
		json_object_set_new(e, "size", json_integer(cy->size));
		json_object_set_new(e, "members", json_string(members));
		json_object_set_new(e, "retained", cli_json_u64(cy->retained));
		json_object_set_new(e, "garbage", json_boolean(cy->garbage));
		json_object_set_new(e, "sample", cli_analysis_node_json(hn, analysis_cycle_face(d->new, c->sample)));
		json_array_append_new(cycles, e);
	}
	json_object_set_new(o, "matched_by", json_string(d->matched_by == DIFF_BY_ID ? "id"
							 : "type-and-path"));
	json_object_set_new(o, "id_rate", json_real(d->id_rate));
	json_object_set_new(o, "leaks", leaks_json(d, top));
	json_object_set_new(o, "types", types);
	json_object_set_new(o, "new_objects", cli_json_u64(d->new_objects));
	json_object_set_new(o, "new_bytes", cli_json_u64(d->new_bytes));
	json_object_set_new(o, "groups", groups);
	json_object_set_new(o, "cycles", cycles);
	return o;
}

static void diff_text(const struct diff *d, uint32_t top, const char *old_path, const char *new_path)
{
	const struct heap *hn = d->new->heap;
	char b1[48], b2[48], name[512], note[256], oldp[4096], newp[4096];
	uint32_t shown;

	match_note(d, note, sizeof note);
	cli_text(old_path, oldp, sizeof oldp);
	cli_text(new_path, newp, sizeof newp);
	printf("OLD %s: %u objects\nNEW %s: %u objects\nmatched %s\n\n", oldp,
	       d->old->heap->n_nodes, newp, hn->n_nodes, note);
	leaks_text(d, top);
	shown = top && top < d->n_types ? top : d->n_types;
	if (!d->n_types)
		printf("No type changed.\n");
	else
		printf("Types that changed:\n%10s %12s %12s  %s\n", "count", "shallow", "retained", "type");
	for (uint32_t i = 0; i < shown; i++) {
		const struct diff_type *t = &d->types[i];
		printf("%+10" PRId64 " %12s %12s  %s\n", t->count_delta,
		       signed_bytes(t->shallow_delta, b1, sizeof b1),
		       signed_bytes(t->retained_delta, b2, sizeof b2), type_of(d, t, name, sizeof name));
	}
	if (shown < d->n_types)
		printf("(%u of %u types; --top 0 shows all)\n", shown, d->n_types);

	printf("\n%s: %" PRIu64 " (%s)%s\n", d->matched_by == DIFF_BY_ID ?
	       "New objects still alive in NEW" : "Objects more in NEW, by type and retainer path",
	       d->new_objects, signed_bytes((int64_t)d->new_bytes, b1, sizeof b1),
	       d->n_groups ? ", grouped by type and the path that keeps them alive:" : "");
	shown = top && top < d->n_groups ? top : d->n_groups;
	for (uint32_t i = 0; i < shown; i++) {
		const struct diff_group *g = &d->groups[i];
		struct reach_step *p;
		uint32_t first, len = group_path(d->new, g->sample, &p, &first);
		printf("%+10" PRId64 " %12s  %s", g->growth, cli_analysis_bytes(g->shallow, b1, sizeof b1),
		       cli_str(hn, g->type, name, sizeof name));
		if (d->matched_by != DIFF_BY_ID)
			printf(" (%" PRIu64 " -> %" PRIu64 ")", g->old_count, g->new_count);
		printf("  e.g. @%" PRIu64 "\n%25s", heap_id(hn, g->sample), "via ");
		print_path(hn, p, len, first);
		printf("\n");
		free(p);
	}
	if (shown < d->n_groups)
		printf("(%u of %u groups; --top 0 shows all)\n", shown, d->n_groups);

	printf("\nCycle patterns that appeared or grew: %u%s\n", d->n_cycles, d->n_cycles ? "" : "");
	shown = top && top < d->n_cycles ? top : d->n_cycles;
	for (uint32_t i = 0; i < shown; i++) {
		const struct diff_cycle *c = &d->cycles[i];
		const struct analysis_cycle *cy = &d->new->cycles[c->sample];
		char sig[512];
		pattern_text(d->new, c->sample, sig, sizeof sig);
		printf("%+10d x %u objects, %s retained%s: %s  e.g. @%" PRIu64 "\n", (int)c->count, cy->size,
		       cli_analysis_bytes(cy->retained, b1, sizeof b1), cy->garbage ? ", garbage" : "",
		       sig, heap_id(hn, analysis_cycle_face(d->new, c->sample)));
	}
	if (shown < d->n_cycles)
		printf("(%u of %u; --top 0 shows all)\n", shown, d->n_cycles);
	if (d->n_groups)
		printf("\nNext: heapglass path %s ID  shows the whole retainer path of an object.\n", newp);
}

/* Three snapshots A B C of one V8 process: ages of C's objects. */
static int run_ages(struct analysis *an[3], const char *paths[3], int json, uint32_t top,
		    enum diff_match match);

struct diff_opts {
	uint32_t top;
	int match;		/* enum diff_match */
};

static const struct diff_opts defaults = { .top = 20, .match = DIFF_AUTO };

static const struct cli_choice matches[] = {
	{ .word = "auto", .value = DIFF_AUTO },
	{ .word = "id", .value = DIFF_BY_ID },
	{ .word = "path", .value = DIFF_BY_TYPE_AND_PATH },
	{ .word = "type-and-path", .value = DIFF_BY_TYPE_AND_PATH, .hidden = 1 },
	{ .word = NULL },
};

static const struct cli_option options[] = {
	{ .name = "top", .arg = "N", .kind = CLI_U32, .offset = offsetof(struct diff_opts, top),
	  .error = "--top takes a number (0: all)", .help = "show the first N rows of each table (default 20, 0: all)" },
	{ .name = "match", .arg = "MODE", .kind = CLI_CHOICE, .offset = offsetof(struct diff_opts, match),
	  .choices = matches, .help = "how objects are matched: auto (default), id, or path\n(types and retainer paths)" },
	{ .name = NULL },
};

static int run(void *opts, struct cli_args *args)
{
	const struct diff_opts *o = opts;
	enum diff_match match = (enum diff_match)o->match;
	uint32_t top = o->top;
	struct heap *h[3] = { NULL, NULL, NULL };
	struct analysis *a[3] = { NULL, NULL, NULL };
	const char *paths[3];
	struct diff *d = NULL;
	struct error err;
	int rc = CLI_OK, nfiles = args->argc;

	if (nfiles < 2 || nfiles > 3)
		return cli_usage(&cmd_diff, nfiles < 2 ? "two snapshots are needed: OLD NEW"
				 : "at most three snapshots: A B C");
	for (int i = 0; i < nfiles && rc == CLI_OK; i++) {
		paths[i] = args->argv[i];
		rc = cli_open(paths[i], &args->common, &h[i]);
		if (rc == CLI_OK)
			rc = cli_analysis_run(h[i], &a[i]);
	}
	if (rc != CLI_OK)
		goto out;
	if (nfiles == 3) {
		rc = run_ages(a, paths, args->common.json, top, match);
		goto out;
	}
	if (diff_run(a[0], a[1], match, &d, &err)) {
		rc = cli_fail("%s", err.msg);
		goto out;
	}
	if (args->common.json) {
		rc = cli_print_json(diff_json(d, top));
	} else {
		diff_text(d, top, paths[0], paths[1]);
		rc = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
	}
out:
	diff_free(d);
	for (int i = 0; i < 3; i++) {
		analysis_free(a[i]);
		heap_free(h[i]);
	}
	return rc;
}

struct age_row {
	heap_str_t type;
	uint64_t n[3];
};

static int age_row_cmp(const void *pa, const void *pb)
{
	const struct age_row *a = pa, *b = pb;

	if (a->n[1] != b->n[1])
		return a->n[1] > b->n[1] ? -1 : 1;
	if (a->n[0] != b->n[0])
		return a->n[0] > b->n[0] ? -1 : 1;
	return a->type < b->type ? -1 : a->type > b->type;
}

static int type_node_cmp(const void *pa, const void *pb)
{
	const uint64_t *a = pa, *b = pb;

	return *a < *b ? -1 : *a > *b;
}

/* Per type of C: objects of each age, by middle-aged count descending. */
static uint32_t age_types(const struct heap *h, const uint8_t *gen, struct age_row **out)
{
	/* (type << 32 | node) sorted groups nodes by type offset. */
	uint64_t *k = malloc((size_t)h->n_nodes * sizeof *k + 1);
	struct age_row *rows = malloc((size_t)h->n_nodes * sizeof *rows + 1);
	uint32_t r = 0;

	if (!k || !rows) {
		free(k);
		free(rows);
		*out = NULL;
		return 0;
	}
	for (uint32_t v = 0; v < h->n_nodes; v++)
		k[v] = (uint64_t)h->type[v] << 32 | v;
	qsort(k, h->n_nodes, sizeof *k, type_node_cmp);
	for (uint32_t i = 0; i < h->n_nodes;) {
		uint32_t j = i;
		struct age_row *row = &rows[r++];
		row->type = (heap_str_t)(k[i] >> 32);
		row->n[0] = row->n[1] = row->n[2] = 0;
		while (j < h->n_nodes && (k[j] >> 32) == row->type)
			row->n[gen[(uint32_t)k[j++]]]++;
		i = j;
	}
	qsort(rows, r, sizeof *rows, age_row_cmp);
	free(k);
	*out = rows;
	return r;
}

static int is_v8_heap(const struct heap *h)
{
	return h->format && strcmp(h->format, "v8") == 0;
}

static int run_ages(struct analysis *an[3], const char *paths[3], int json, uint32_t top,
		    enum diff_match match)
{
	const struct heap *hc = an[2]->heap;
	struct diff *d = NULL;
	struct error err;
	uint8_t *gen, *middle;
	uint64_t counts[3];
	struct diff_group *g;
	struct age_row *rows;
	uint32_t ng, nr, shown;
	int rc;

	if (match == DIFF_BY_TYPE_AND_PATH)
		return cli_usage(&cmd_diff, "three snapshots are compared by id only (--match path takes two)");
	if (match == DIFF_AUTO)
		for (int i = 0; i < 3; i++)
			if (!is_v8_heap(an[i]->heap))
				return cli_fail("diff A B C: %s is not a V8 snapshot; ages need ids that are stable "
						"across snapshots (three V8 snapshots of one process; --match id forces it)",
						paths[i]);
	if (diff_run_ages(an[0]->heap, an[1], an[2], &d, &err))
		return cli_fail("%s", err.msg);
	gen = malloc((size_t)hc->n_nodes + 1);
	middle = malloc((size_t)hc->n_nodes + 1);
	if (!gen || !middle) {
		diff_free(d);
		free(gen);
		free(middle);
		return cli_fail("out of memory");
	}
	diff_ages(an[0]->heap, an[1]->heap, hc, gen, counts);
	for (uint32_t v = 0; v < hc->n_nodes; v++)
		middle[v] = gen[v] == 1;
	ng = diff_group_nodes(an[2], middle, &g);
	nr = age_types(hc, gen, &rows);
	if (json) {
		json_t *o = json_object(), *ages = json_object(), *types = json_array(), *groups = json_array();
		json_object_set_new(o, "matched_by", json_string("id"));
		json_object_set_new(o, "leaks", leaks_json(d, top));
		json_object_set_new(ages, "old", cli_json_u64(counts[2]));
		json_object_set_new(ages, "middle", cli_json_u64(counts[1]));
		json_object_set_new(ages, "young", cli_json_u64(counts[0]));
		json_object_set_new(o, "ages", ages);
		for (uint32_t i = 0; i < nr && (!top || i < top); i++) {
			json_t *e = json_object();
			json_object_set_new(e, "type", cli_json_str(hc, rows[i].type));
			json_object_set_new(e, "old", cli_json_u64(rows[i].n[2]));
			json_object_set_new(e, "middle", cli_json_u64(rows[i].n[1]));
			json_object_set_new(e, "young", cli_json_u64(rows[i].n[0]));
			json_array_append_new(types, e);
		}
		json_object_set_new(o, "types", types);
		for (uint32_t i = 0; i < ng && (!top || i < top); i++) {
			json_t *e = json_object();
			struct reach_step *p;
			uint32_t first, len = group_path(an[2], g[i].sample, &p, &first);
			json_object_set_new(e, "type", cli_json_str(hc, g[i].type));
			json_object_set_new(e, "count", cli_json_u64(g[i].new_count));
			json_object_set_new(e, "shallow", cli_json_u64(g[i].shallow));
			json_object_set_new(e, "path", path_json(hc, p, len, first));
			json_object_set_new(e, "sample", cli_analysis_node_json(hc, g[i].sample));
			free(p);
			json_array_append_new(groups, e);
		}
		json_object_set_new(o, "groups", groups);
		rc = cli_print_json(o);
	} else {
		char name[512], b1[48], pa[4096], pb[4096], pc[4096];
		printf("A %s\nB %s\nC %s: %u objects, matched by id (V8 object ids)\n\n",
		       cli_text(paths[0], pa, sizeof pa), cli_text(paths[1], pb, sizeof pb),
		       cli_text(paths[2], pc, sizeof pc), hc->n_nodes);
		printf("Ages of C's objects: %llu old (since A), %llu middle (allocated between A and B, "
		       "still alive), %llu young (since B)\n\n", (unsigned long long)counts[2],
		       (unsigned long long)counts[1], (unsigned long long)counts[0]);
		leaks_text(d, top);
		shown = top && top < nr ? top : nr;
		printf("%10s %10s %10s  %s\n", "middle", "young", "old", "type");
		for (uint32_t i = 0; i < shown; i++)
			printf("%10llu %10llu %10llu  %s\n", (unsigned long long)rows[i].n[1],
			       (unsigned long long)rows[i].n[0], (unsigned long long)rows[i].n[2],
			       cli_str(hc, rows[i].type, name, sizeof name));
		if (shown < nr)
			printf("(%u of %u types; --top 0 shows all)\n", shown, nr);
		printf("\nLeak candidates (middle-aged objects alive in C), by type and retainer path: %s\n",
		       ng ? "" : "none");
		shown = top && top < ng ? top : ng;
		for (uint32_t i = 0; i < shown; i++) {
			struct reach_step *p;
			uint32_t first, len = group_path(an[2], g[i].sample, &p, &first);
			printf("%10llu %12s  %s  e.g. @%llu\n%25s", (unsigned long long)g[i].new_count,
			       cli_analysis_bytes(g[i].shallow, b1, sizeof b1), cli_str(hc, g[i].type, name, sizeof name),
			       (unsigned long long)heap_id(hc, g[i].sample), "via ");
			print_path(hc, p, len, first);
			printf("\n");
			free(p);
		}
		if (shown < ng)
			printf("(%u of %u groups; --top 0 shows all)\n", shown, ng);
		rc = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
	}
	free(g);
	free(rows);
	free(gen);
	free(middle);
	diff_free(d);
	return rc;
}

const struct command cmd_diff = {
	.name = "diff",
	.usage = "diff OLD NEW [--top N] [--match auto|id|path] [--json] [--format NAME]\n"
		 "       heapglass diff A B C [--top N] [--json]",
	.summary = "Compare two snapshots of one program: what grew, what keeps it alive, new cycles.",
	.options = options,
	.common = CLI_FORMAT | CLI_JSON,
	.json_help = "print JSON: {\"matched_by\",\"types\":[{\"type\",\"count_delta\",\n"
		     "\"shallow_delta\",\"retained_delta\"}...],\"new_objects\",\"groups\":[...],\n"
		     "\"cycles\":[...]}",
	.opts_size = sizeof(struct diff_opts),
	.defaults = &defaults,
	.notes = "Objects are matched by id when the ids are stable: two V8 snapshots of one\n"
		 "process (auto checks that most of OLD's ids are in NEW with the same type).\n"
		 "Otherwise (Python, HPROF: ids are addresses) objects are grouped by type and by\n"
		 "the last " "3" " steps of their shortest retainer path, and groups are compared by\n"
		 "count.  The output says which was used.\n"
		 "\nWith three V8 snapshots A B C of one process, each object of C gets an age:\n"
		 "old (in A), middle (allocated between A and B) or young (since B).  Middle-aged\n"
		 "objects still alive in C are the leak candidates (memlab's rule), grouped by\n"
		 "type and retainer path.\n",
	.run = run,
};
