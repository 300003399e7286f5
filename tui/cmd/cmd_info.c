/* heapglass info FILE [--json]: what the snapshot holds, at a glance. */
#include "tui/cmd/command.h"

#include <stdio.h>
#include <stdlib.h>

#include "graph/core/text.h"
#include "graph/cpygc.h"
#include "tui/cmd/cli_analysis.h"

enum {
	GEN_SLOTS = 256
};

struct gen_stat {
	uint64_t objects, bytes;
};

/* On a Python dump, the word "unreachable" is the analysis' (every object
 * nothing held from outside reaches, untracked ones included, as the viewer
 * counts them); what gc.collect() frees (the tracked ones among them, as
 * `heapglass unreachable` lists them) is named "collectable". */
struct collectable {
	int known;
	uint32_t objects;
	uint64_t bytes;
};

static struct collectable collectable_of(const struct heap *h, const struct analysis *a)
{
	struct collectable c = { 0 };
	struct cpygc_result r = { 0 };
	struct error err;

	if (a->refcount_mode && cpygc_collect(h, 2, &r, NULL, &err) == 0) {
		c.known = 1;
		c.objects = r.n_unreachable;
		c.bytes = r.unreachable_bytes;
	}
	cpygc_result_fini(&r);
	return c;
}

static int run(void *opts, struct cli_args *args)
{
	struct heap *h;
	struct analysis *a;
	struct gen_stat *gen;
	struct collectable coll;
	uint64_t unknown_untracked = 0;
	const char *unknown_word;
	int rc;

	(void)opts;
	rc = cli_analysis_open(args, &h, &a);
	if (rc != CLI_OK)
		return rc;
	gen = calloc(GEN_SLOTS, sizeof *gen);
	if (!gen) {
		analysis_free(a);
		heap_free(h);
		return cli_fail("out of memory");
	}
	for (uint32_t v = 0; v < h->n_nodes; v++) {
		gen[h->generation[v]].objects++;
		gen[h->generation[v]].bytes += heap_size(h, v);
		if (h->generation[v] == HEAP_GEN_UNKNOWN && (h->flags[v] & HEAP_F_UNTRACKED))
			unknown_untracked++;
	}
	/* a Python dump gives no generation to the objects the collector does
	 * not track: name them so */
	unknown_word = unknown_untracked && unknown_untracked == gen[HEAP_GEN_UNKNOWN].objects
		       ? "untracked" : "unknown";
	coll = collectable_of(h, a);

	if (args->common.json) {
		json_t *o = json_object(), *gens = json_array();
		json_object_set_new(o, "file", cli_json_text(args->argv[0]));
		json_object_set_new(o, "format", json_string(h->format));
		json_object_set_new(o, "objects", json_integer(h->n_nodes));
		json_object_set_new(o, "references", json_integer(h->n_edges));
		/* roots: the objects the analysis starts from, as the viewer counts
		 * them; root_records: the file's root entries (several may name
		 * one object; a Python dump has none) */
		json_object_set_new(o, "roots", json_integer(a->n_roots));
		json_object_set_new(o, "root_records", json_integer(h->n_roots));
		json_object_set_new(o, "shallow_bytes", cli_json_u64(h->total_size));
		json_object_set_new(o, "unknown_references", cli_json_u64(h->unknown_refs));
		for (int g = 0; g < GEN_SLOTS; g++) {
			json_t *e;
			if (!gen[g].objects || g == HEAP_GEN_UNKNOWN)
				continue;
			e = json_object();
			json_object_set_new(e, "generation", json_integer(g));
			json_object_set_new(e, "objects", cli_json_u64(gen[g].objects));
			json_object_set_new(e, "bytes", cli_json_u64(gen[g].bytes));
			json_array_append_new(gens, e);
		}
		json_object_set_new(o, "generations", gens);
		json_object_set_new(o, "unknown_generation",
				    cli_json_u64(gen[HEAP_GEN_UNKNOWN].objects));
		json_object_set_new(o, "untracked", cli_json_u64(unknown_untracked));
		{
			json_t *r = json_object(), *u = json_object();
			json_object_set_new(r, "objects", cli_json_u64(a->reachable_objects));
			json_object_set_new(r, "bytes", cli_json_u64(a->reachable_bytes));
			json_object_set_new(u, "objects", cli_json_u64(a->unreachable_objects));
			json_object_set_new(u, "bytes", cli_json_u64(a->unreachable_bytes));
			json_object_set_new(o, "reachable", r);
			json_object_set_new(o, "unreachable", u);
			if (coll.known) {
				json_t *c = json_object();
				json_object_set_new(c, "objects", json_integer(coll.objects));
				json_object_set_new(c, "bytes", cli_json_u64(coll.bytes));
				json_object_set_new(o, "collectable", c);
			}
			json_object_set_new(o, "cycles", json_integer(a->n_cycles));
			json_object_set_new(o, "largest_cycle", json_integer(a->largest_cycle));
		}
		json_object_set_new(o, "memory_bytes", cli_json_u64(heap_memory(h)));
		json_object_set_new(o, "load_seconds", json_real(args->common.load_seconds));
		json_object_set_new(o, "load_cpu_seconds", json_real(args->common.load_cpu_seconds));
		rc = cli_print_json(o);
	} else {
		char b1[32], file[4096];
		printf("file:         %s\n", cli_text(args->argv[0], file, sizeof file));
		printf("format:       %s\n", h->format);
		printf("objects:      %u\n", (unsigned)h->n_nodes);
		printf("references:   %u\n", (unsigned)h->n_edges);
		if (a->refcount_mode)
			printf("roots:        %u (held from outside the dump: a reference count above "
			       "the references to it)\n", (unsigned)a->n_roots);
		else if (a->n_roots != h->n_roots)
			printf("roots:        %u (%u root records)\n", (unsigned)a->n_roots, (unsigned)h->n_roots);
		else
			printf("roots:        %u\n", (unsigned)a->n_roots);
		printf("shallow size: %s (%llu bytes)\n", text_bytes(b1, sizeof b1, h->total_size),
		       (unsigned long long)h->total_size);
		printf("references to unknown ids: %llu\n", (unsigned long long)h->unknown_refs);
		if (h->max_generation != HEAP_GEN_UNKNOWN) {
			printf("generations:\n");
			for (int g = 0; g < GEN_SLOTS; g++) {
				if (!gen[g].objects)
					continue;
				if (g == HEAP_GEN_UNKNOWN)
					printf("  %-9s%10llu objects  %s\n", unknown_word,
					       (unsigned long long)gen[g].objects,
					       text_bytes(b1, sizeof b1, gen[g].bytes));
				else
					printf("  gen %-4d %10llu objects  %s\n", g,
					       (unsigned long long)gen[g].objects,
					       text_bytes(b1, sizeof b1, gen[g].bytes));
			}
		}
		printf("reachable:    %llu objects, %s\n", (unsigned long long)a->reachable_objects,
		       text_bytes(b1, sizeof b1, a->reachable_bytes));
		printf("unreachable:  %llu objects, %s\n", (unsigned long long)a->unreachable_objects,
		       text_bytes(b1, sizeof b1, a->unreachable_bytes));
		if (coll.known)
			printf("collectable:  %u objects, %s (what gc.collect() frees; `unreachable` lists "
			       "them)\n", coll.objects,
			       text_bytes(b1, sizeof b1, coll.bytes));
		printf("cycles:       %u (largest: %u objects)\n", a->n_cycles, a->largest_cycle);
		printf("memory:       %s for the heap model\n", text_bytes(b1, sizeof b1, heap_memory(h)));
		printf("load time:    %.3f s, analysis %.3f s\n", args->common.load_seconds, a->seconds);
		rc = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
	}
	free(gen);
	analysis_free(a);
	heap_free(h);
	return rc;
}

const struct command cmd_info = {
	.name = "info",
	.usage = "info FILE [--json] [--format NAME]",
	.summary = "Print the format, object, reference and root counts, sizes and generations of a snapshot.",
	.common = CLI_FORMAT | CLI_JSON,
	.run = run,
};
