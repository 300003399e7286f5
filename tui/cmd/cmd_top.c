/* heapglass top FILE: the objects that retain the most. */
#include "tui/cmd/command.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "graph/core/mem.h"
#include "tui/cmd/cli_analysis.h"

struct top_opts {
	uint32_t top;
	int all;
};

static const struct top_opts defaults = { .top = 20 };

static const struct cli_option options[] = {
	{ .name = "top", .arg = "N", .kind = CLI_U32, .offset = offsetof(struct top_opts, top),
	  .error = "--top takes a number (0: all)", .help = "show the first N objects (default 20, 0: all)" },
	{ .name = "all", .kind = CLI_FLAG, .offset = offsetof(struct top_opts, all),
	  .help = "include synthetic objects (V8's (GC roots) and the like)" },
	{ .name = NULL },
};

static int run(void *opts, struct cli_args *args)
{
	const struct top_opts *opt = opts;
	uint32_t top = opt->top, m;
	int rc;
	struct heap *h;
	struct analysis *a;
	heap_node_t *out;

	rc = cli_analysis_open(args, &h, &a);
	if (rc != CLI_OK)
		return rc;
	if (top == 0 || top > h->n_nodes)
		top = h->n_nodes;
	out = mem_alloc((top ? top : 1) * sizeof *out);
	m = analysis_top(a, top, !opt->all, out);
	if (args->common.json) {
		json_t *o = json_object(), *arr = json_array();
		for (uint32_t i = 0; i < m; i++) {
			heap_node_t v = out[i];
			json_t *e = cli_analysis_node_json(h, v);
			json_object_set_new(e, "shallow", cli_json_u64(heap_size(h, v)));
			json_object_set_new(e, "retained", cli_json_u64(analysis_retained(a, v)));
			json_object_set_new(e, "distance", a->dist[v] == REACH_UNREACHABLE ? json_null() :
						json_integer(a->dist[v]));
			json_array_append_new(arr, e);
		}
		json_object_set_new(o, "objects", arr);
		rc = cli_print_json(o);
	} else {
		char b1[32], b2[32], text[1024], dist[16];
		printf("%12s %12s %8s  %s\n", "retained", "shallow", "distance", "object");
		for (uint32_t i = 0; i < m; i++) {
			heap_node_t v = out[i];
			if (a->dist[v] == REACH_UNREACHABLE)
				snprintf(dist, sizeof dist, "-");
			else
				snprintf(dist, sizeof dist, "%u", a->dist[v]);
			printf("%12s %12s %8s  %s\n", cli_analysis_bytes(analysis_retained(a, v), b1, sizeof b1),
			       cli_analysis_bytes(heap_size(h, v), b2, sizeof b2), dist,
			       cli_analysis_node_text(h, v, text, sizeof text));
		}
		rc = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
	}
	free(out);
	analysis_free(a);
	heap_free(h);
	return rc;
}

const struct command cmd_top = {
	.name = "top",
	.usage = "top FILE [--top N] [--all] [--json] [--format NAME]",
	.summary = "Print the objects with the largest retained size.",
	.options = options,
	.common = CLI_FORMAT | CLI_JSON,
	.json_help = "print JSON: {\"objects\":[{\"id\",\"type\",\"name\",\"shallow\",\n"
		     "\"retained\",\"distance\"}...]} (distance null: unreachable)",
	.opts_size = sizeof(struct top_opts),
	.defaults = &defaults,
	.run = run,
};
