/* heapglass unreachable FILE: the objects no root reaches.  On a Python
 * dump: what CPython's gc.collect() would free (cpygc.h). */
#include "tui/cmd/command.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "graph/cpygc.h"
#include "graph/core/mem.h"
#include "tui/cmd/cli_analysis.h"

struct unreachable_opts {
	int generation;		/* -1: not given */
	int all;
	uint32_t top;
};

static const struct unreachable_opts defaults = { .generation = -1 };

static const struct cli_option options[] = {
	{ .name = "generation", .arg = "G", .kind = CLI_INT, .offset = offsetof(struct unreachable_opts, generation),
	  .max = 2, .error = "--generation takes 0, 1 or 2", .conflict = "--all and --generation exclude each other",
	  .help = "Python dumps: what gc.collect(G) frees, G = 0, 1 or 2 (default 2)" },
	{ .name = "all", .kind = CLI_FLAG, .offset = offsetof(struct unreachable_opts, all),
	  .conflict = "--all and --generation exclude each other",
	  .help = "Python dumps: every object nothing held from outside reaches,\n"
		  "untracked ones included (they die with the garbage by refcount)" },
	{ .name = "top", .arg = "N", .kind = CLI_U32, .offset = offsetof(struct unreachable_opts, top),
	  .error = "--top takes a number (0: all)", .help = "list the first N objects (default 0: all)" },
	{ .name = NULL },
};

static int run(void *opts, struct cli_args *args)
{
	const struct unreachable_opts *opt = opts;
	int rc, generation = opt->generation, all = opt->all, python;
	uint32_t top = opt->top, count = 0, shown;
	uint64_t bytes = 0;
	struct heap *h;
	struct analysis *a = NULL;
	struct cpygc_result r = { 0 };
	heap_node_t *list;
	struct error err;
	const char *file = args->argv[0];

	if (args->argc != 1)
		return cli_usage(&cmd_unreachable, args->argc == 0 ? "a FILE is needed" : "one FILE only");
	rc = cli_open(file, &args->common, &h);
	if (rc != CLI_OK)
		return rc;
	python = 0;
	for (uint32_t v = 0; v < h->n_nodes && !python; v++)
		python = (h->flags[v] & HEAP_F_HAS_REFCOUNT) != 0;
	if (generation >= 0 && !python) {
		heap_free(h);
		return cli_fail("%s: --generation needs a Python dump (objects with reference counts)", file);
	}
	if (python && !all) {
		if (cpygc_collect(h, generation < 0 ? 2 : generation, &r, NULL, &err)) {
			heap_free(h);
			return cli_fail("%s: %s", file, err.msg);
		}
		list = r.unreachable;
		count = r.n_unreachable;
		bytes = r.unreachable_bytes;
	} else {
		rc = cli_analysis_run(h, &a);
		if (rc != CLI_OK) {
			heap_free(h);
			return rc;
		}
		list = mem_alloc((a->unreachable_objects ? a->unreachable_objects : 1) * sizeof *list);
		for (heap_node_t v = 0; v < h->n_nodes; v++)
			if (a->dist[v] == REACH_UNREACHABLE)
				list[count++] = v;
		bytes = a->unreachable_bytes;
	}
	shown = top && top < count ? top : count;
	if (args->common.json) {
		json_t *o = json_object(), *arr = json_array();
		json_object_set_new(o, "count", json_integer(count));
		json_object_set_new(o, "bytes", cli_json_u64(bytes));
		if (python && !all) {
			json_t *fin = json_array();
			json_object_set_new(o, "generation", json_integer(r.generation));
			for (uint32_t i = 0; i < r.n_finalizers; i++)
				json_array_append_new(fin, cli_json_u64(heap_id(h, r.finalizers[i])));
			json_object_set_new(o, "finalizers", fin);
		}
		for (uint32_t i = 0; i < shown; i++) {
			json_t *e = cli_analysis_node_json(h, list[i]);
			json_object_set_new(e, "shallow", cli_json_u64(heap_size(h, list[i])));
			json_array_append_new(arr, e);
		}
		json_object_set_new(o, "objects", arr);
		rc = cli_print_json(o);
	} else {
		char b1[32], text[1024];
		if (python && !all)
			printf("%u unreachable objects, %s: what gc.collect(%d) would free "
			       "(%u with finalizers)\n", count, cli_analysis_bytes(bytes, b1, sizeof b1),
			       r.generation, r.n_finalizers);
		else
			printf("%u unreachable objects, %s\n", count, cli_analysis_bytes(bytes, b1, sizeof b1));
		for (uint32_t i = 0; i < shown; i++)
			printf("%12s  %s%s\n", cli_analysis_bytes(heap_size(h, list[i]), b1, sizeof b1),
			       cli_analysis_node_text(h, list[i], text, sizeof text),
			       (h->flags[list[i]] & HEAP_F_FINALIZER) ? "  [finalizer]" : "");
		if (shown < count)
			printf("(%u of %u; --top 0 shows all)\n", shown, count);
		rc = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
	}
	if (a)
		free(list);
	cpygc_result_fini(&r);
	analysis_free(a);
	heap_free(h);
	return rc;
}

const struct command cmd_unreachable = {
	.name = "unreachable",
	.usage = "unreachable FILE [--generation G] [--all] [--top N] [--json] [--format NAME]",
	.summary = "Print the objects no root reaches (on a Python dump: what gc.collect() frees).",
	.options = options,
	.common = CLI_FORMAT | CLI_JSON,
	.json_help = "print JSON: {\"count\",\"bytes\",\"objects\":[{\"id\",\"type\",\"name\",\"shallow\"}...]}\n"
		     "(Python dumps add \"generation\" and \"finalizers\": [ids])",
	.opts_size = sizeof(struct unreachable_opts),
	.defaults = &defaults,
	.notes = "On a Python dump the roots are what CPython sees as referenced from outside:\n"
		 "tracked objects whose refcount exceeds the references from other tracked\n"
		 "objects.  The list is the tracked objects the collection would find\n"
		 "unreachable, as gc.set_debug(gc.DEBUG_COLLECTABLE) reports them; ids are id().\n",
	.run = run,
};
