/* heapglass types FILE: the per-type histogram (count, shallow, retained). */
#include "tui/cmd/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/cmd/cli_analysis.h"

static int run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, 'f' },
		{ "sort", required_argument, NULL, 's' },
		{ "top", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct cli_common common = { 0 };
	enum analysis_type_order order = ANALYSIS_TYPES_BY_RETAINED;
	uint32_t top = 20, nt, shown;
	struct heap *h;
	struct analysis *a;
	struct analysis_type *t;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': common.json = 1; break;
		case 'f': common.format = optarg; break;
		case 's':
			if (strcmp(optarg, "count") == 0)
				order = ANALYSIS_TYPES_BY_COUNT;
			else if (strcmp(optarg, "shallow") == 0)
				order = ANALYSIS_TYPES_BY_SHALLOW;
			else if (strcmp(optarg, "retained") == 0)
				order = ANALYSIS_TYPES_BY_RETAINED;
			else
				return cli_usage(&cmd_types, "--sort takes count, shallow or retained");
			break;
		case 't':
			if (cli_analysis_top(optarg, &top))
				return cli_usage(&cmd_types, "--top takes a number (0: all)");
			break;
		case 'h': command_print_help(&cmd_types); return CLI_OK;
		default: return cli_usage(&cmd_types, "unknown option '%s'", argv[optind - 1]);
		}
	}
	rc = cli_analysis_open(&cmd_types, argc, argv, optind, &common, &h, &a);
	if (rc != CLI_OK)
		return rc;
	nt = analysis_types(a, order, &t);
	shown = top && top < nt ? top : nt;
	if (common.json) {
		json_t *o = json_object(), *arr = json_array();
		for (uint32_t i = 0; i < shown; i++) {
			json_t *e = json_object();
			json_object_set_new(e, "type", cli_json_str(h, t[i].type));
			json_object_set_new(e, "count", cli_json_u64(t[i].count));
			json_object_set_new(e, "shallow", cli_json_u64(t[i].shallow));
			json_object_set_new(e, "retained", cli_json_u64(t[i].retained));
			json_array_append_new(arr, e);
		}
		json_object_set_new(o, "types", arr);
		json_object_set_new(o, "total_types", json_integer(nt));
		rc = cli_print_json(o);
	} else {
		char b1[32], b2[32], name[512];
		printf("%12s %12s %12s  %s\n", "count", "shallow", "retained", "type");
		for (uint32_t i = 0; i < shown; i++)
			printf("%12llu %12s %12s  %s\n", (unsigned long long)t[i].count,
			       cli_analysis_bytes(t[i].shallow, b1, sizeof b1),
			       cli_analysis_bytes(t[i].retained, b2, sizeof b2),
			       cli_str(h, t[i].type, name, sizeof name));
		if (shown < nt)
			printf("(%u of %u types; --top 0 shows all)\n", shown, nt);
		rc = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
	}
	free(t);
	analysis_free(a);
	heap_free(h);
	return rc;
}

const struct command cmd_types = {
	.name = "types",
	.usage = "types FILE [--sort count|shallow|retained] [--top N] [--json] [--format NAME]",
	.summary = "Print the objects per type: count, shallow size and retained size.",
	.help = "  --sort KEY      order by count, shallow or retained (default) size, largest first\n"
		"  --top N         show the first N types (default 20, 0: all)\n"
		"  --format NAME   read FILE as NAME (csv, v8, hprof, dot) instead of sniffing it\n"
		"  --json          print JSON: {\"types\":[{\"type\",\"count\",\"shallow\",\"retained\"}...]}\n"
		"  -h, --help      show this help\n"
		"\nA type's retained size counts each object once: the retained sizes of its\n"
		"objects that no other object of the same type dominates.\n",
	.run = run,
};
