/* libFuzzer harness for one snapshot loader, chosen at build time with
 * -DFUZZ_FORMAT=\"csv\" (or v8, hprof, dot).  The input is written to a
 * file in a private temporary folder and loaded through the registry, as
 * `heapglass info --format FORMAT` would.  For csv, the input is split at
 * the first "@@\n" into nodes.csv and edges.csv. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graph/gc/lesson.h"
#include "loaders/loader.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct heap *h = NULL;
	struct error err;
	char path[128];

	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/hgfuzz.XXXXXX");
		if (!mkdtemp(dir))
			abort();
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
	if (loader_open(path, FUZZ_FORMAT, NULL, &h, &err) == 0)
		heap_free(h);
	return 0;
}
