/* heapglass path FILE ID: the shortest chain of references from a root to
 * an object, and its dominator chain. */
#include "tui/cmd/command.h"

#include <stdio.h>
#include <stdlib.h>

#include "graph/core/mem.h"
#include "tui/cmd/cli_analysis.h"

/* The name of reference e: its string, or "[i]" for an index. */
static json_t *edge_json(const struct heap *h, uint32_t e)
{
	char buf[64];

	if (e == HEAP_NONE)
		return json_null();
	if (!(h->out_name[e] & HEAP_NAME_INDEX))
		return cli_json_str(h, h->out_name[e]);
	return json_string(heap_edge_name(h, h->out_name[e], buf, sizeof buf));
}

static const char *kind_text(uint8_t k)
{
	switch (k) {
	case HEAP_EDGE_INTERNAL: return " (internal)";
	case HEAP_EDGE_WEAK: return " (weak)";
	case HEAP_EDGE_SHORTCUT: return " (shortcut)";
	default: return "";
	}
}

static int run(void *opts, struct cli_args *args)
{
	int rc;
	struct heap *h;
	struct analysis *a;
	heap_node_t v, *chain;
	struct reach_step *path;
	uint32_t len, nd;

	(void)opts;
	if (args->argc != 2)
		return cli_usage(&cmd_path, args->argc < 2 ? "a FILE and an object ID are needed"
							 : "one FILE and one ID only");
	rc = cli_open(args->argv[0], &args->common, &h);
	if (rc != CLI_OK)
		return rc;
	rc = cli_analysis_find(&cmd_path, h, args->argv[0], args->argv[1], &v);
	if (rc != CLI_OK) {
		heap_free(h);
		return rc;
	}
	rc = cli_analysis_run(h, &a);
	if (rc != CLI_OK) {
		heap_free(h);
		return rc;
	}
	path = mem_alloc(((size_t)(a->dist[v] == REACH_UNREACHABLE ? 0 : a->dist[v]) + 1) * sizeof *path);
	len = analysis_path(a, v, path);
	nd = analysis_dominators(a, v, NULL, 0);
	chain = mem_alloc(((size_t)nd + 1) * sizeof *chain);
	analysis_dominators(a, v, chain, nd);

	if (args->common.json) {
		json_t *o = json_object(), *p = json_array(), *d = json_array();
		json_object_set_new(o, "object", cli_analysis_node_json(h, v));
		json_object_set_new(o, "reachable", json_boolean(len > 0));
		json_object_set_new(o, "distance", len ? json_integer(a->dist[v]) : json_null());
		json_object_set_new(o, "retained", cli_json_u64(analysis_retained(a, v)));
		for (uint32_t i = 0; i < len; i++) {
			json_t *e = cli_analysis_node_json(h, path[i].node);
			json_object_set_new(e, "edge", edge_json(h, path[i].edge));
			json_array_append_new(p, e);
		}
		json_object_set_new(o, "path", p);
		for (uint32_t i = 0; i < nd; i++) {
			json_t *e = cli_analysis_node_json(h, chain[i]);
			json_object_set_new(e, "retained", cli_json_u64(analysis_retained(a, chain[i])));
			json_array_append_new(d, e);
		}
		json_object_set_new(o, "dominators", d);
		rc = cli_print_json(o);
	} else {
		char text[1024], ename[512], b1[32];
		printf("%s: retained %s\n", cli_analysis_node_text(h, v, text, sizeof text),
		       cli_analysis_bytes(analysis_retained(a, v), b1, sizeof b1));
		if (len == 0) {
			printf("no root reaches it (it is garbage%s)\n",
			       a->idom[v] == HEAP_NONE ? "" : "; see its dominators for what holds it");
		} else {
			printf("shortest path from a root (%u reference%s):\n", len - 1, len == 2 ? "" : "s");
			for (uint32_t i = 0; i < len; i++) {
				if (i == 0) {
					printf("  %s  [root]\n",
					       cli_analysis_node_text(h, path[i].node, text, sizeof text));
					continue;
				}
				cli_edge(h, h->out_name[path[i].edge], ename, sizeof ename);
				printf("  %*s-%s%s-> %s\n", (int)(i > 8 ? 8 : i - 1) * 2, "", ename,
				       kind_text(heap_out_kind(h, path[i].edge)),
				       cli_analysis_node_text(h, path[i].node, text, sizeof text));
			}
		}
		printf("dominators (nearest first):%s\n", nd ? "" : " none (only the virtual root)");
		for (uint32_t i = 0; i < nd; i++)
			printf("  %12s  %s\n", cli_analysis_bytes(analysis_retained(a, chain[i]), b1, sizeof b1),
			       cli_analysis_node_text(h, chain[i], text, sizeof text));
		rc = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
	}
	free(chain);
	free(path);
	analysis_free(a);
	heap_free(h);
	return rc;
}

const struct command cmd_path = {
	.name = "path",
	.usage = "path FILE ID [--json] [--format NAME]",
	.summary = "Print the shortest chain of references from a root to object ID, and its dominators.",
	.common = CLI_FORMAT | CLI_JSON,
	.json_help = "print JSON: {\"path\":[{\"id\",\"type\",\"name\",\"edge\"}...],\n"
		     "\"dominators\":[{\"id\",\"type\",\"name\",\"retained\"}...]}\n"
		     "(path[0] is the root, its edge null; dominators nearest first)",
	.notes = "ID is the object's id in the snapshot (decimal or 0x hex: a Python id(), a V8\n"
		 "node id, a Java object id).\n",
	.run = run,
};
