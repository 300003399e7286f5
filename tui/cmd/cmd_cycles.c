/* heapglass cycles FILE: reference cycles (strongly connected components). */
#include "tui/cmd/command.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"
#include "tui/cmd/cli_analysis.h"

enum {
	TEXT_MEMBERS = 6	/* members shown per cycle in text */
};

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "top", required_argument, NULL, 't' },
		{ "garbage", no_argument, NULL, 'g' },
		{ "live", no_argument, NULL, 'l' },
		{ "sort", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_common common = { 0 };
	enum analysis_cycle_order order = ANALYSIS_BY_SIZE;
	uint32_t top = 20, shown = 0, matching = 0;
	int c, rc, want = -1;	/* -1 all, 1 garbage, 0 live */
	struct heap *h;
	struct analysis *a;
	uint32_t *idx;
	json_t *arr = NULL;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': common.json = 1; break;
		case 'f': common.format = optarg; break;
		case 'g':
		case 'l':
			if (want != -1 && want != (c == 'g'))
				return cli_usage(&cmd_cycles, "--garbage and --live exclude each other");
			want = c == 'g';
			break;
		case 's':
			if (strcmp(optarg, "size") == 0)
				order = ANALYSIS_BY_SIZE;
			else if (strcmp(optarg, "retained") == 0)
				order = ANALYSIS_BY_RETAINED;
			else
				return cli_usage(&cmd_cycles, "--sort takes size or retained");
			break;
		case 't':
			if (cli_analysis_top(optarg, &top))
				return cli_usage(&cmd_cycles, "--top takes a number (0: all)");
			break;
		case 'h': command_print_help(&cmd_cycles); return CLI_OK;
		default: return cli_usage(&cmd_cycles, "unknown option '%s'", argv[optind - 1]);
		}
	}
	rc = cli_analysis_open_argv(&cmd_cycles, argc, argv, optind, &common, &h, &a);
	if (rc != CLI_OK)
		return rc;
	idx = mem_alloc((a->n_cycles ? a->n_cycles : 1) * sizeof *idx);
	analysis_cycles_sorted(a, order, idx);
	if (common.json)
		arr = json_array();
	else
		printf("%7s %9s %12s %12s %8s  %s\n", "cycle", "objects", "shallow", "retained",
		       "state", "members");
	for (uint32_t k = 0; k < a->n_cycles; k++) {
		uint32_t i = idx[k];
		const struct analysis_cycle *cy = &a->cycles[i];
		if (want != -1 && (int)cy->garbage != want)
			continue;
		matching++;
		if (top && shown >= top)
			continue;
		shown++;
		if (common.json) {
			json_t *e = json_object(), *mem = json_array();
			json_object_set_new(e, "index", json_integer((json_int_t)i + 1));
			json_object_set_new(e, "size", json_integer(cy->size));
			json_object_set_new(e, "shallow", cli_json_u64(cy->shallow));
			json_object_set_new(e, "retained", cli_json_u64(cy->retained));
			json_object_set_new(e, "garbage", json_boolean(cy->garbage));
			json_object_set_new(e, "references", json_integer(cy->n_internal));
			json_object_set_new(e, "entering", json_integer(cy->n_entering));
			for (uint32_t m = 0; m < cy->size; m++)
				json_array_append_new(mem, cli_analysis_node_json(h, a->members[cy->members + m]));
			json_object_set_new(e, "members", mem);
			json_array_append_new(arr, e);
		} else {
			char b1[32], b2[32], text[1024];
			printf("%7u %9u %12s %12s %8s ", i + 1, cy->size,
			       cli_analysis_bytes(cy->shallow, b1, sizeof b1),
			       cli_analysis_bytes(cy->retained, b2, sizeof b2),
			       cy->garbage ? "garbage" : "live");
			for (uint32_t m = 0; m < cy->size && m < TEXT_MEMBERS; m++)
				printf(" %s%s", cli_analysis_node_text(h, a->members[cy->members + m], text,
								       sizeof text),
				       m + 1 < cy->size ? "," : "");
			if (cy->size > TEXT_MEMBERS)
				printf(" ... (%u more)", cy->size - TEXT_MEMBERS);
			printf("\n");
		}
	}
	if (common.json) {
		json_t *o = json_object();
		json_object_set_new(o, "cycles", arr);
		json_object_set_new(o, "total_cycles", json_integer(a->n_cycles));
		rc = cli_print_json(o);
	} else {
		if (shown < matching)
			printf("(%u of %u cycles; --top 0 shows all)\n", shown, matching);
		else if (matching == 0)
			printf("(no %scycles)\n", want == 1 ? "garbage " : want == 0 ? "live " : "");
		rc = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
	}
	free(idx);
	analysis_free(a);
	heap_free(h);
	return rc;
}

const struct command cmd_cycles = {
	.name = "cycles",
	.usage = "cycles FILE [--top N] [--garbage|--live] [--sort size|retained] [--json] [--format NAME]",
	.summary = "Print the reference cycles (strongly connected components), largest first.",
	.notes = "  --top N         show the first N cycles (default 20, 0: all)\n"
		"  --garbage       only cycles no root reaches\n"
		"  --live          only cycles a root reaches\n"
		"  --sort KEY      size (objects, the default) or retained bytes, largest first\n"
		"  --format NAME   read FILE as NAME (csv, v8, hprof, dot) instead of sniffing it\n"
		"  --json          print JSON: {\"cycles\":[{\"index\",\"size\",\"shallow\",\"retained\",\n"
		"                  \"garbage\",\"references\",\"entering\",\"members\":[{\"id\",\"type\",\"name\"}...]}...]}\n"
		"  -h, --help      show this help\n"
		"\nA cycle is a group of two or more objects that all reach each other through\n"
		"strong references, or one object that refers to itself.  The index is the\n"
		"cycle's number in the default order (by size) whatever --sort or filter is\n"
		"given; `export --cycle N` uses the same number.  retained: what freeing the\n"
		"whole group would free.\n",
	.run_argv = run,
};
