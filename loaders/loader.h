/* loader: the registry of snapshot formats.
 *
 * Each format is one const table entry (as tmux lists its commands): a
 * content sniffer and a load function that streams the file into a
 * heap_builder.  Loaders know file formats and nothing of analysis or
 * screens; they never touch a frozen heap.
 */
#ifndef HEAPGLASS_LOADER_H
#define HEAPGLASS_LOADER_H

#include <stddef.h>

#include "graph/core/error.h"
#include "graph/heap.h"
#include "graph/core/progress.h"

enum {
	LOADER_SNIFF_BYTES = 4096	/* how much of the file a sniffer sees */
};

struct loader {
	const char *name;		/* "csv", "v8", "hprof", "dot": --format NAME */
	const char *description;	/* one line for --help */
	/* How sure the loader is that the content is its format: 0 (no) to
	 * 100.  head holds the first min(len, LOADER_SNIFF_BYTES) bytes;
	 * is_dir is set (and head empty) when path is a directory. */
	int (*sniff)(const char *path, const unsigned char *head, size_t len, int is_dir);
	/* Streams path into b.  Returns 0, or -1 with err filled in as
	 * "PATH: where: what". */
	int (*load)(const char *path, struct heap_builder *b, struct progress *prog,
		    struct error *err);
};

/* NULL-terminated table of every loader, in sniffing priority order. */
extern const struct loader *const loader_table[];

/* The loader named `name`, or NULL. */
const struct loader *loader_by_name(const char *name);

/* Opens path with the loader named `format` (NULL: sniff the content),
 * freezes, and returns the heap in *out (format set to the loader's name).
 * Refuses missing files, unreadable files, FIFOs/devices, empty files and
 * unknown formats with one clear line in err. */
int loader_open(const char *path, const char *format, struct progress *prog,
		struct heap **out, struct error *err);

/* Classroom lessons are scripts, not snapshots: this reads one (see
 * loaders/fmt_lesson.h and graph/gc/lesson.h).  Returns 0 and the lesson in
 * *out (free with lesson_free), or -1 with "PATH:LINE: ..." in err. */
struct lesson;
int loader_open_lesson(const char *path, struct lesson **out, struct error *err);

#endif
