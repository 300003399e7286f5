/* heapglass cycles FILE: the program's reference cycles (strongly connected
 * components of the user graph), grouped into patterns; --raw: the raw
 * graph's components, as the runtime sees them. */
#include "tui/cmd/command.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include "graph/core/text.h"
#include "tui/cmd/cli_analysis.h"

enum {
	TEXT_MEMBERS = 6,	/* members shown per cycle in text */
	RING_SHOWN = 8,		/* steps of an example ring shown in text */
	SIGNATURE_BYTES = 4096
};

/* "Type@id" of a member, escaped. */
static const char *member_text(const struct heap *h, heap_node_t v, char *buf, size_t size)
{
	char type[256];
	size_t len;
	const char *t = heap_string(h, h->type[v], &len);

	text_escape(type, sizeof type, t, len, 0);
	snprintf(buf, size, "%s@%llu", type, (unsigned long long)heap_id(h, v));
	return buf;
}

/* The example cycle of a pattern as a ring from its face (the member that
 * holds it, else one of its pattern's lead type: analysis_cycle_face()):
 * "Session@12 -history-> Array@13 -[0]-> Request@14 -session-> Session@12". */
static void print_ring(const struct heap *h, const struct analysis *a, uint32_t c)
{
	heap_node_t start = analysis_cycle_face(a, c);
	struct analysis_ref ring[RING_SHOWN];
	uint32_t k = analysis_cycle_ring(a, c, start, ring, RING_SHOWN);
	char b1[512], b2[300];

	printf("%s", member_text(h, start, b1, sizeof b1));
	if (k > RING_SHOWN) {
		/* too long to spell out: the first steps only */
		struct analysis_ref *all = mem_alloc(k * sizeof *all);
		analysis_cycle_ring(a, c, start, all, k);
		for (uint32_t i = 0; i < RING_SHOWN - 1; i++)
			printf(" -%s-> %s", cli_edge(h, h->out_name[all[i].edge], b2, sizeof b2),
			       member_text(h, all[i].to, b1, sizeof b1));
		printf(" ... (%u more steps) -> %s", k - (RING_SHOWN - 1),
		       member_text(h, start, b1, sizeof b1));
		free(all);
		return;
	}
	for (uint32_t i = 0; i < k; i++)
		printf(" -%s-> %s", cli_edge(h, h->out_name[ring[i].edge], b2, sizeof b2),
		       member_text(h, ring[i].to, b1, sizeof b1));
}

static json_t *ring_json(const struct heap *h, const struct analysis *a, uint32_t c)
{
	heap_node_t start = analysis_cycle_face(a, c);
	uint32_t k = analysis_cycle_ring(a, c, start, NULL, 0);
	struct analysis_ref *ring = mem_alloc((k ? k : 1) * sizeof *ring);
	json_t *arr = json_array();
	char b[300];

	analysis_cycle_ring(a, c, start, ring, k);
	for (uint32_t i = 0; i < k; i++) {
		json_t *step = cli_analysis_node_json(h, ring[i].from);
		json_object_set_new(step, "edge", json_string(cli_edge(h, h->out_name[ring[i].edge],
									 b, sizeof b)));
		json_array_append_new(arr, step);
	}
	free(ring);
	return arr;
}

static const char *core_name(const struct heap *h, uint32_t name, char *buf, size_t size)
{
	if (name == HEAP_NAME_INDEX)
		return snprintf(buf, size, "[]"), buf;
	return cli_edge(h, name, buf, size);
}

struct cycles_opts {
	uint32_t top;
	int want;		/* -1 all, 1 garbage, 0 live */
	int order;		/* enum analysis_cycle_order */
	int raw;
};

static const struct cycles_opts defaults = { .top = 20, .want = -1, .order = ANALYSIS_BY_SIZE };

static const struct cli_choice orders[] = {
	{ .word = "size", .value = ANALYSIS_BY_SIZE },
	{ .word = "retained", .value = ANALYSIS_BY_RETAINED },
	{ .word = NULL },
};

static const struct cli_option options[] = {
	{ .name = "top", .arg = "N", .kind = CLI_U32, .offset = offsetof(struct cycles_opts, top),
	  .error = "--top takes a number (0: all)",
	  .help = "show the first N patterns and cycles (default 20, 0: all)" },
	{ .name = "garbage", .kind = CLI_SET, .offset = offsetof(struct cycles_opts, want), .value = 1,
	  .conflict = "--garbage and --live exclude each other",
	  .help = "only cycles no root reaches (patterns with such cycles)" },
	{ .name = "live", .kind = CLI_SET, .offset = offsetof(struct cycles_opts, want), .value = 0,
	  .conflict = "--garbage and --live exclude each other",
	  .help = "only cycles a root reaches (patterns with such cycles)" },
	{ .name = "sort", .arg = "KEY", .kind = CLI_CHOICE, .offset = offsetof(struct cycles_opts, order),
	  .choices = orders, .help = "cycles by size (objects, the default) or retained bytes" },
	{ .name = "raw", .kind = CLI_FLAG, .offset = offsetof(struct cycles_opts, raw),
	  .help = "the raw graph's cycles: every retaining reference, the\n"
		  "runtime's bookkeeping included (as the collector sees them)" },
	{ .name = NULL },
};

static int run(void *opts, struct cli_args *args)
{
	const struct cycles_opts *opt = opts;
	enum analysis_cycle_order order = (enum analysis_cycle_order)opt->order;
	uint32_t top = opt->top, shown = 0, matching = 0, pshown = 0, pmatching = 0;
	int rc, want = opt->want, raw = opt->raw;
	struct heap *h;
	struct analysis *a, *view;
	uint32_t *idx;
	json_t *arr = NULL, *parr = NULL;
	char b1[32], b2[32], sig[SIGNATURE_BYTES];

	rc = cli_analysis_open(args, &h, &a);
	if (rc != CLI_OK)
		return rc;
	view = a;
	if (raw) {
		struct error err;
		if (analysis_raw_new(a, NULL, &view, &err) != 0) {
			rc = cli_fail("%s", err.msg);
			analysis_free(a);
			heap_free(h);
			return rc;
		}
	}
	idx = mem_alloc((view->n_cycles ? view->n_cycles : 1) * sizeof *idx);
	analysis_cycles_sorted(view, order, idx);

	/* patterns first (the user graph's), best first */
	if (args->common.json) {
		parr = json_array();
	} else if (!raw && view->n_patterns) {
		printf("Patterns: cycles of the same shape, by the memory they retain\n");
		printf("%7s %7s %9s %12s  %s\n", "pattern", "cycles", "objects", "retained",
		       "signature");
	}
	for (uint32_t p = 0; p < view->n_patterns; p++) {
		const struct analysis_pattern *pt = &view->patterns[p];
		const char *s = analysis_pattern_signature(view, p);
		if (want != -1 && (want ? pt->garbage == 0 : pt->garbage == pt->instances))
			continue;
		pmatching++;
		if (top && pshown >= top)
			continue;
		pshown++;
		text_escape(sig, sizeof sig, s, strlen(s), 0);
		if (args->common.json) {
			json_t *e = json_object();
			json_object_set_new(e, "pattern", json_integer((json_int_t)p + 1));
			json_object_set_new(e, "signature", json_string(sig));
			json_object_set_new(e, "instances", json_integer(pt->instances));
			json_object_set_new(e, "objects", json_integer(pt->objects));
			json_object_set_new(e, "shallow", cli_json_u64(pt->shallow));
			json_object_set_new(e, "retained", cli_json_u64(pt->retained));
			json_object_set_new(e, "garbage", json_integer(pt->garbage));
			json_object_set_new(e, "example", json_integer((json_int_t)pt->example + 1));
			json_object_set_new(e, "ring", ring_json(h, view, pt->example));
			json_array_append_new(parr, e);
		} else {
			printf("%7u %7u %9u %12s  %s\n", p + 1, pt->instances, pt->objects,
			       cli_analysis_bytes(pt->retained, b1, sizeof b1), sig);
			printf("%39s e.g. cycle %u: ", "", pt->example + 1);
			print_ring(h, view, pt->example);
			printf("\n");
		}
	}
	if (!args->common.json && !raw && pshown < pmatching)
		printf("(%u of %u patterns; --top 0 shows all)\n", pshown, pmatching);

	if (args->common.json)
		arr = json_array();
	else if (view->n_cycles)
		printf("%sCycles%s\n%7s %9s %12s %12s %8s %7s  %s\n", raw ? "" : "\n",
		       raw ? " of the raw graph (every retaining reference)" : "", "cycle",
		       "objects", "shallow", "retained", "state", raw ? "" : "pattern", "members");
	for (uint32_t k = 0; k < view->n_cycles; k++) {
		uint32_t i = idx[k];
		const struct analysis_cycle *cy = &view->cycles[i];
		if (want != -1 && (int)cy->garbage != want)
			continue;
		matching++;
		if (top && shown >= top)
			continue;
		shown++;
		if (args->common.json) {
			json_t *e = json_object(), *mem = json_array();
			json_object_set_new(e, "index", json_integer((json_int_t)i + 1));
			json_object_set_new(e, "size", json_integer(cy->size));
			json_object_set_new(e, "shallow", cli_json_u64(cy->shallow));
			json_object_set_new(e, "retained", cli_json_u64(cy->retained));
			json_object_set_new(e, "garbage", json_boolean(cy->garbage));
			json_object_set_new(e, "pattern", cy->pattern == HEAP_NONE ?
								  json_null() :
								  json_integer((json_int_t)cy->pattern + 1));
			json_object_set_new(e, "references", json_integer(cy->n_internal));
			json_object_set_new(e, "entering", json_integer(cy->n_entering));
			json_object_set_new(e, "holder", cy->holder == HEAP_NONE ?
								 json_null() :
								 cli_analysis_node_json(h, cy->holder));
			for (uint32_t m = 0; m < cy->size; m++)
				json_array_append_new(mem, cli_analysis_node_json(h, view->members[cy->members + m]));
			json_object_set_new(e, "members", mem);
			json_array_append_new(arr, e);
		} else {
			char text[1024], pat[16] = "";
			if (cy->pattern != HEAP_NONE)
				snprintf(pat, sizeof pat, "%u", cy->pattern + 1);
			printf("%7u %9u %12s %12s %8s %7s ", i + 1, cy->size,
			       cli_analysis_bytes(cy->shallow, b1, sizeof b1),
			       cli_analysis_bytes(cy->retained, b2, sizeof b2),
			       cy->garbage ? "garbage" : "live", pat);
			for (uint32_t m = 0; m < cy->size && m < TEXT_MEMBERS; m++)
				printf(" %s%s", cli_analysis_node_text(h, view->members[cy->members + m], text,
								       sizeof text),
				       m + 1 < cy->size ? "," : "");
			if (cy->size > TEXT_MEMBERS)
				printf(" ... (%u more)", cy->size - TEXT_MEMBERS);
			printf("\n");
		}
	}
	if (args->common.json) {
		json_t *o = json_object(), *rt = json_object(), *kinds = json_object();
		char b[300];
		json_object_set_new(o, "graph", json_string(raw ? "raw" : "user"));
		json_object_set_new(o, "cycles", arr);
		json_object_set_new(o, "total_cycles", json_integer(view->n_cycles));
		json_object_set_new(o, "patterns", parr);
		json_object_set_new(o, "total_patterns", json_integer(view->n_patterns));
		json_object_set_new(rt, "objects", json_integer(a->core.objects));
		json_object_set_new(rt, "references", cli_json_u64(a->core.references));
		for (uint32_t i = 0; i < a->core.n_names; i++)
			json_object_set_new(kinds, core_name(h, a->core.names[i].name, b, sizeof b),
					    cli_json_u64(a->core.names[i].count));
		json_object_set_new(rt, "edge_kinds", kinds);
		json_object_set_new(o, "runtime", rt);
		rc = cli_print_json(o);
	} else {
		if (shown < matching)
			printf("(%u of %u cycles; --top 0 shows all)\n", shown, matching);
		else if (matching == 0)
			printf("(no %scycles%s)\n", want == 1 ? "garbage " : want == 0 ? "live " : "",
			       raw ? "" : " among the program's own objects");
		if (!raw && a->core.objects) {
			char b[300];
			printf("\nRuntime core (not the program's cycles): %u objects in one component of "
			       "the raw graph, tied by", a->core.objects);
			for (uint32_t i = 0; i < a->core.n_names; i++) {
				printf("%s %s %llu", i ? "," : "", core_name(h, a->core.names[i].name, b, sizeof b),
				       (unsigned long long)a->core.names[i].count);
			}
			printf("%s; --raw lists the raw graph's cycles\n",
			       a->core.n_names ? "" : " references of the runtime");
		}
		rc = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
	}
	free(idx);
	if (view != a)
		analysis_free(view);
	analysis_free(a);
	heap_free(h);
	return rc;
}

const struct command cmd_cycles = {
	.name = "cycles",
	.usage = "cycles FILE [--top N] [--garbage|--live] [--sort size|retained] [--raw] [--json] [--format NAME]",
	.summary = "Print the program's reference cycles, grouped into patterns.",
	.options = options,
	.common = CLI_FORMAT | CLI_JSON,
	.json_help = "print JSON: {\"graph\":\"user\"|\"raw\",\n"
		     "\"cycles\":[{\"index\",\"size\",\"shallow\",\"retained\",\"garbage\",\n"
		     "\"pattern\",\"references\",\"entering\",\"holder\",\n"
		     "\"members\":[{\"id\",\"type\",\"name\"}...]}...],\n"
		     "\"patterns\":[{\"pattern\",\"signature\",\"instances\",\"objects\",\n"
		     "\"shallow\",\"retained\",\"garbage\",\"example\",\"ring\"}...],\n"
		     "\"runtime\":{\"objects\",\"references\",\"edge_kinds\":{NAME:COUNT}}}",
	.opts_size = sizeof(struct cycles_opts),
	.defaults = &defaults,
	.notes = "A cycle is a group of the program's objects that all reach each other through\n"
		 "its own references, or one object that refers to itself.  The runtime's\n"
		 "bookkeeping (V8 maps, a Java object's class, a Python object's type) is left out,\n"
		 "and its permanent infrastructure (classes, modules, contexts, the global object)\n"
		 "takes part in no cycle (docs/user-graph.md has the rules per format); what ties\n"
		 "everything to it is summarised last as the runtime core.  Cycles of the same\n"
		 "types joined by the same fields form a pattern, ranked by the memory its cycles\n"
		 "retain, with one example ring.  The cycle index is its number in the default\n"
		 "order (by size) whatever --sort or filter is given; `export --cycle N` uses the\n"
		 "same number.  retained: what freeing the whole cycle would free.\n",
	.run = run,
};
