/* libFuzzer harness for one snapshot loader, chosen at build time with
 * -DFUZZ_FORMAT=\"csv\" (or v8, hprof, dot).  The input is written to a
 * file in a private temporary folder and loaded through the registry, as
 * `heapglass info --format FORMAT` would.  For csv, the input is split at
 * the first "@@\n" into nodes.csv and edges.csv.
 *
 * What loads then goes through what a user would do with it (stages()):
 * every analysis, an SVG export of the first cycle and of the first
 * object's neighbourhood (Graphviz lays both out), and the viewer, run
 * headless from a key script that opens every view, as `heapglass FILE
 * --keys SCRIPT` does.  FUZZ_STAGES=0 in the environment fuzzes the
 * loader alone (faster, for a parser's corners). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graph/analysis.h"
#include "graph/export.h"
#include "graph/gc/lesson.h"
#include "loaders/loader.h"
#include "tui/view/tui.h"

#ifndef FUZZ_FORMAT
#error "build with -DFUZZ_FORMAT=\"name\""
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void put(const char *name, const uint8_t *data, size_t size)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		abort();
	if (size && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
}

/* Every view, and in each the keys that sort, expand, follow and search. */
static const char view_keys[] =
	"o<Enter><BS>tsssr<Enter><Enter><BS><BS>c<Enter><Enter>jj<Enter><BS><BS>R<Enter><BS>R"
	"d*<End><Enter>h-y<Enter><BS>x<Enter>i<Enter>jj<Enter>u<Enter>/a<Enter>nN/#1<Enter>"
	"<PgDn><PgUp>]<Home><End>q";

static void stages(struct heap *h, const char *path)
{
	struct analysis *an;
	struct error err;
	char out[128], keys[128];

	if (analysis_run(h, NULL, &an, &err) != 0)
		abort();	/* no progress to stop it: it cannot fail */
	snprintf(out, sizeof out, "%s/out.svg", dir);
	if (an->n_cycles) {
		const struct analysis_cycle *c = &an->cycles[0];
		struct export_spec spec = {
			.what = EXPORT_CYCLE, .nodes = an->members + c->members, .n_nodes = c->size,
			.max_nodes = 20, .retained = &an->retained, .dist = an->dist, .title = "cycle 1",
		};
		export_write(h, &spec, out, EXPORT_SVG, &err);
	}
	if (h->n_nodes) {
		struct export_spec spec = {
			.what = EXPORT_OBJECT, .object = 0, .depth = 2, .max_nodes = 20,
			.retained = &an->retained, .dist = an->dist,
		};
		export_write(h, &spec, out, EXPORT_SVG, &err);
	}
	analysis_free(an);

	snprintf(keys, sizeof keys, "%s/keys", dir);
	if (access(keys, F_OK) != 0)
		put("keys", (const uint8_t *)view_keys, sizeof view_keys - 1);
	char *argv[] = { "heapglass", (char *)path, "--format", FUZZ_FORMAT, "--keys", keys, NULL };
	tui_main(6, argv);
}

/* The private folder and what the inputs left in it, at exit. */
static void cleanup(void)
{
	static const char *const names[] = { "nodes.csv", "edges.csv", "input", "keys", "out.svg" };
	char path[128];

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct heap *h = NULL;
	struct error err;
	char path[128];

	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/hgfuzz.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		atexit(cleanup);
	}
	if (strcmp(FUZZ_FORMAT, "csv") == 0) {
		const uint8_t *sep = NULL;
		for (size_t i = 0; i + 3 <= size && !sep; i++)
			if (data[i] == '@' && data[i + 1] == '@' && data[i + 2] == '\n')
				sep = data + i;
		if (sep) {
			put("nodes.csv", data, (size_t)(sep - data));
			put("edges.csv", sep + 3, size - (size_t)(sep - data) - 3);
		} else {
			put("nodes.csv", data, size);
			put("edges.csv", (const uint8_t *)"from,to\n", 8);
		}
		snprintf(path, sizeof path, "%s", dir);
	} else {
		put("input", data, size);
		snprintf(path, sizeof path, "%s/input", dir);
	}
	if (strcmp(FUZZ_FORMAT, "lesson") == 0) {
		/* lessons are scripts: parse, then play every step */
		struct lesson *l;
		struct lesson_run *r;
		if (loader_open_lesson(path, &l, &err) == 0) {
			if (lesson_run_new(l, l->gc, lesson_py(l), &r, &err) == 0)
				lesson_run_free(r);
			lesson_free(l);
		}
		return 0;
	}
	if (loader_open(path, FUZZ_FORMAT, NULL, &h, &err) == 0) {
		const char *st = getenv("FUZZ_STAGES");
		if (!st || strcmp(st, "0") != 0)
			stages(h, path);
		heap_free(h);
	}
	return 0;
}
