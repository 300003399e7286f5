/* heapglass export FILE (--cycle N | --pattern N | --object ID [--depth D] | --path ID)
 *                  [--max-nodes N] -o OUT: a Graphviz diagram of one cycle,
 * one object's neighbourhood or one retainer path (graph/export.h). */
#include "tui/cmd/command.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/analysis.h"
#include "graph/export.h"
#include "graph/core/text.h"

enum {
	DEFAULT_DEPTH = 2
};

enum what {
	WHAT_NONE, WHAT_CYCLE, WHAT_PATTERN, WHAT_OBJECT, WHAT_PATH
};

/* Parses an object id: decimal, 0x-hex, with an optional '@' as labels
 * show it. */
static int parse_id(const char *s, uint64_t *id)
{
	if (s && *s == '@')
		s++;
	return cli_parse_u64(s, id);
}

/* Whether num names one of the n cycles or patterns of file; if not, says
 * which numbers do. */
static int numbered(const char *file, const char *what, uint64_t num, uint32_t n)
{
	if (num >= 1 && num <= n)
		return 1;
	if (n == 0)
		cli_fail("%s has no cycles", file);
	else
		cli_fail("no %s %llu: the heap has %lu (1 to %lu, as 'heapglass cycles' numbers them)",
			 what, (unsigned long long)num, (unsigned long)n, (unsigned long)n);
	return 0;
}

/* What to draw: the kind, and the cycle or pattern number or object id. */
struct target {
	int what;		/* enum what */
	uint64_t num;
};

struct export_opts {
	struct target target;
	uint64_t depth, max_nodes;
	const char *out;
};

static const struct export_opts defaults = {
	.target = { .what = WHAT_NONE },
	.depth = DEFAULT_DEPTH,
	.max_nodes = EXPORT_DEFAULT_MAX_NODES,
};

static int target(void *dest, enum what what, int (*parse)(const char *, uint64_t *), const char *arg)
{
	struct target *t = dest;

	t->what = what;
	return parse(arg, &t->num);
}

static int parse_cycle(void *dest, const char *arg)
{
	return target(dest, WHAT_CYCLE, cli_parse_u64, arg);
}

static int parse_pattern(void *dest, const char *arg)
{
	return target(dest, WHAT_PATTERN, cli_parse_u64, arg);
}

static int parse_object(void *dest, const char *arg)
{
	return target(dest, WHAT_OBJECT, parse_id, arg);
}

static int parse_path(void *dest, const char *arg)
{
	return target(dest, WHAT_PATH, parse_id, arg);
}

static const char one_of[] = "give one of --cycle, --pattern, --object and --path";

static const struct cli_option options[] = {
	{ .name = "cycle", .arg = "N", .kind = CLI_PARSE, .offset = offsetof(struct export_opts, target),
	  .parse = parse_cycle, .error = "--cycle needs a cycle number, not '%s'", .conflict = one_of,
	  .help = "cycle N, numbered as 'heapglass cycles' lists them (1 = first)" },
	{ .name = "pattern", .arg = "N", .kind = CLI_PARSE, .offset = offsetof(struct export_opts, target),
	  .parse = parse_pattern, .error = "--pattern needs a pattern number, not '%s'", .conflict = one_of,
	  .help = "one cycle of pattern N (the one retaining most), titled with\n"
		  "how many cycles share its shape, as 'heapglass cycles' numbers them" },
	{ .name = "object", .arg = "ID", .kind = CLI_PARSE, .offset = offsetof(struct export_opts, target),
	  .parse = parse_object, .error = "--object needs an object id, not '%s'", .conflict = one_of,
	  .help = "the object with this id and its neighbours, both ways" },
	{ .name = "depth", .arg = "D", .kind = CLI_U64, .offset = offsetof(struct export_opts, depth),
	  .max = EXPORT_MAX_DEPTH, .help = "how many references away from --object to go (default 2)" },
	{ .name = "path", .arg = "ID", .kind = CLI_PARSE, .offset = offsetof(struct export_opts, target),
	  .parse = parse_path, .error = "--path needs an object id, not '%s'", .conflict = one_of,
	  .help = "the shortest chain of references from a root to the object" },
	{ .name = "max-nodes", .arg = "N", .kind = CLI_U64, .offset = offsetof(struct export_opts, max_nodes),
	  .min = 1, .max = EXPORT_MAX_MAX_NODES,
	  .help = "draw at most N objects (default 100); the rest become\none \"... N more\" box" },
	{ .name = "output", .short_name = 'o', .arg = "OUT", .kind = CLI_STRING,
	  .offset = offsetof(struct export_opts, out),
	  .help = "the file to write; its extension picks the format:\n.dot (with layout), .svg, .png or .pdf" },
	{ .name = NULL },
};

static int run(void *opts, struct cli_args *args)
{
	const struct command *self = &cmd_export;
	const struct export_opts *opt = opts;
	struct export_spec spec = { 0 };
	enum what what = (enum what)opt->target.what;
	enum export_format fmt;
	const char *out = opt->out, *file = args->argv[0];
	uint64_t num = opt->target.num, depth = opt->depth;
	struct heap *h = NULL;
	struct analysis *a = NULL;
	struct reach_step *steps = NULL;
	heap_node_t *chain = NULL;
	uint32_t *chain_edges = NULL;
	struct error err;
	char title[512], b1[32];
	int rc = CLI_FAIL;

	if (args->argc != 1)
		return cli_usage(self, args->argc == 0 ? "a FILE is needed" : "one FILE only");
	if (what == WHAT_NONE)
		return cli_usage(self, "say what to draw: --cycle N, --pattern N, --object ID or --path ID");
	if (cli_given(args, "depth") && what != WHAT_OBJECT)
		return cli_usage(self, "--depth goes with --object");
	if (!out)
		return cli_usage(self, "-o OUT is needed (.dot, .svg, .png or .pdf)");
	if (export_format_from_path(out, &fmt, &err) != 0)
		return cli_fail("%s", err.msg);

	rc = cli_open(file, &args->common, &h);
	if (rc != CLI_OK)
		return rc;
	rc = CLI_FAIL;
	if (analysis_run(h, NULL, &a, &err) != 0) {
		cli_fail("%s", err.msg);
		goto out;
	}
	spec.retained = &a->retained;
	spec.dist = a->dist;
	spec.max_nodes = (uint32_t)opt->max_nodes;
	spec.title = title;
	if (what == WHAT_PATTERN) {
		const struct analysis_pattern *pt;
		const struct analysis_cycle *cy;
		char sig[160];
		const char *s;
		if (!numbered(file, "pattern", num, a->n_patterns))
			goto out;
		pt = &a->patterns[num - 1];
		cy = &a->cycles[pt->example];
		s = analysis_pattern_signature(a, (uint32_t)num - 1);
		text_escape(sig, sizeof sig, s, strlen(s), 0);
		spec.what = EXPORT_CYCLE;
		spec.nodes = a->members + cy->members;
		spec.n_nodes = cy->size;
		snprintf(title, sizeof title, "pattern %llu, one of %lu cycle%s like it (%lu objects, retain %s): "
			 "cycle %lu, %s", (unsigned long long)num, (unsigned long)pt->instances,
			 pt->instances == 1 ? "" : "s", (unsigned long)pt->objects,
			 text_bytes(b1, sizeof b1, pt->retained), (unsigned long)pt->example + 1, sig);
	} else if (what == WHAT_CYCLE) {
		const struct analysis_cycle *cy;
		if (!numbered(file, "cycle", num, a->n_cycles))
			goto out;
		cy = &a->cycles[num - 1];
		spec.what = EXPORT_CYCLE;
		spec.nodes = a->members + cy->members;
		spec.n_nodes = cy->size;
		snprintf(title, sizeof title, "cycle %llu: %lu objects, %lu references, retains %s%s",
			 (unsigned long long)num, (unsigned long)cy->size, (unsigned long)cy->n_internal,
			 text_bytes(b1, sizeof b1, cy->retained), cy->garbage ? " (garbage)" : "");
	} else {
		heap_node_t v = heap_find(h, num);
		if (v == HEAP_NONE) {
			cli_fail("no object with id %llu in %s", (unsigned long long)num, file);
			goto out;
		}
		if (what == WHAT_OBJECT) {
			spec.what = EXPORT_OBJECT;
			spec.object = v;
			spec.depth = (uint32_t)depth;
			snprintf(title, sizeof title, "within %llu reference%s of @%llu, both ways",
				 (unsigned long long)depth, depth == 1 ? "" : "s", (unsigned long long)num);
		} else {
			uint32_t n;
			if (a->dist[v] == REACH_UNREACHABLE) {
				cli_fail("object %llu is garbage: no root reaches it, so it has no retainer "
					 "path (try --object %llu)", (unsigned long long)num,
					 (unsigned long long)num);
				goto out;
			}
			steps = malloc(((size_t)a->dist[v] + 1) * sizeof *steps);
			chain = malloc(((size_t)a->dist[v] + 1) * sizeof *chain);
			chain_edges = malloc(((size_t)a->dist[v] + 1) * sizeof *chain_edges);
			if (!steps || !chain || !chain_edges) {
				cli_fail("out of memory");
				goto out;
			}
			n = analysis_path(a, v, steps);
			for (uint32_t i = 0; i < n; i++) {
				chain[i] = steps[i].node;
				if (i > 0)
					chain_edges[i - 1] = steps[i].edge;
			}
			spec.what = EXPORT_PATH;
			spec.nodes = chain;
			spec.n_nodes = n;
			spec.path_edges = chain_edges;
			if (n == 1)
				snprintf(title, sizeof title, "@%llu is a root: nothing else keeps it alive",
					 (unsigned long long)num);
			else
				snprintf(title, sizeof title, "what keeps @%llu alive: %lu step%s from a root",
					 (unsigned long long)num, (unsigned long)(n - 1), n == 2 ? "" : "s");
		}
	}
	if (export_write(h, &spec, out, fmt, &err) != 0) {
		cli_fail("%s", err.msg);
		goto out;
	}
	rc = CLI_OK;
out:
	free(steps);
	free(chain);
	free(chain_edges);
	analysis_free(a);
	heap_free(h);
	return rc;
}

const struct command cmd_export = {
	.name = "export",
	.usage = "export FILE (--cycle N | --pattern N | --object ID [--depth D] | --path ID) [--max-nodes N] -o OUT",
	.summary = "Draw a cycle, a cycle pattern, an object's neighbourhood or a retainer path with Graphviz "
		   "(.dot .svg .png .pdf).",
	.options = options,
	.common = CLI_FORMAT,
	.opts_size = sizeof(struct export_opts),
	.defaults = &defaults,
	.run = run,
};
