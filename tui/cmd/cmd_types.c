/* heapglass types FILE: the per-type histogram (count, shallow, retained). */
#include "tui/cmd/command.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "tui/cmd/cli_analysis.h"

struct types_opts {
	int order;		/* enum analysis_type_order */
	uint32_t top;
};

static const struct types_opts defaults = { .order = ANALYSIS_TYPES_BY_RETAINED, .top = 20 };

static const struct cli_choice orders[] = {
	{ .word = "count", .value = ANALYSIS_TYPES_BY_COUNT },
	{ .word = "shallow", .value = ANALYSIS_TYPES_BY_SHALLOW },
	{ .word = "retained", .value = ANALYSIS_TYPES_BY_RETAINED },
	{ .word = NULL },
};

static const struct cli_option options[] = {
	{ .name = "sort", .arg = "KEY", .kind = CLI_CHOICE, .offset = offsetof(struct types_opts, order),
	  .choices = orders, .help = "order by count, shallow or retained (default) size, largest first" },
	{ .name = "top", .arg = "N", .kind = CLI_U32, .offset = offsetof(struct types_opts, top),
	  .error = "--top takes a number (0: all)", .help = "show the first N types (default 20, 0: all)" },
	{ .name = NULL },
};

static int run(void *opts, struct cli_args *args)
{
	const struct types_opts *opt = opts;
	uint32_t nt, shown;
	struct heap *h;
	struct analysis *a;
	struct analysis_type *t;
	int rc;

	rc = cli_analysis_open(args, &h, &a);
	if (rc != CLI_OK)
		return rc;
	nt = analysis_types(a, (enum analysis_type_order)opt->order, &t);
	shown = opt->top && opt->top < nt ? opt->top : nt;
	if (args->common.json) {
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
	.options = options,
	.common = CLI_FORMAT | CLI_JSON,
	.json_help = "print JSON: {\"types\":[{\"type\",\"count\",\"shallow\",\"retained\"}...]}",
	.notes = "A type's retained size counts each object once: the retained sizes of its\n"
		 "objects that no other object of the same type dominates.\n",
	.opts_size = sizeof(struct types_opts),
	.defaults = &defaults,
	.run = run,
};
