/* heapglass top FILE: the objects that retain the most. */
#include "tui/cmd/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "graph/core/mem.h"
#include "tui/cmd/cli_analysis.h"

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "top", required_argument, NULL, 't' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_common common = { 0 };
	uint32_t top = 20, m;
	int c, rc, all = 0;
	struct heap *h;
	struct analysis *a;
	heap_node_t *out;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': common.json = 1; break;
		case 'f': common.format = optarg; break;
		case 'a': all = 1; break;
		case 't':
			if (cli_analysis_top(optarg, &top))
				return cli_usage(&cmd_top, "--top takes a number (0: all)");
			break;
		case 'h': command_print_help(&cmd_top); return CLI_OK;
		default: return cli_usage(&cmd_top, "unknown option '%s'", argv[optind - 1]);
		}
	}
	rc = cli_analysis_open(&cmd_top, argc, argv, optind, &common, &h, &a);
	if (rc != CLI_OK)
		return rc;
	if (top == 0 || top > h->n_nodes)
		top = h->n_nodes;
	out = mem_alloc((top ? top : 1) * sizeof *out);
	m = analysis_top(a, top, !all, out);
	if (common.json) {
		json_t *o = json_object(), *arr = json_array();
		for (uint32_t i = 0; i < m; i++) {
			heap_node_t v = out[i];
			json_t *e = cli_analysis_node_json(h, v);
			json_object_set_new(e, "shallow", cli_json_u64(h->size[v]));
			json_object_set_new(e, "retained", cli_json_u64(a->retained[v]));
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
			printf("%12s %12s %8s  %s\n", cli_analysis_bytes(a->retained[v], b1, sizeof b1),
			       cli_analysis_bytes(h->size[v], b2, sizeof b2), dist,
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
	.help = "  --top N         show the first N objects (default 20, 0: all)\n"
		"  --all           include synthetic objects (V8's (GC roots) and the like)\n"
		"  --format NAME   read FILE as NAME (csv, v8, hprof, dot) instead of sniffing it\n"
		"  --json          print JSON: {\"objects\":[{\"id\",\"type\",\"name\",\"shallow\",\n"
		"                  \"retained\",\"distance\"}...]} (distance null: unreachable)\n"
		"  -h, --help      show this help\n",
	.run = run,
};
