#include "loaders/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loaders/fmt_csv.h"
#include "loaders/fmt_dot.h"
#include "loaders/fmt_hprof.h"
#include "loaders/fmt_v8.h"

/* Sniffing priority: the formats with unmistakable magic come first. */
const struct loader *const loader_table[] = {
	&fmt_hprof,
	&fmt_v8,
	&fmt_csv,
	&fmt_dot,
	NULL
};

const struct loader *loader_by_name(const char *name)
{
	for (size_t i = 0; loader_table[i]; i++)
		if (strcmp(loader_table[i]->name, name) == 0)
			return loader_table[i];
	return NULL;
}

/* Checks that path is something a loader can read, and reads its head.
 * Returns 1 for a directory, 0 for a regular file, -1 on error. */
static int read_head(const char *path, unsigned char *head, size_t *len, struct error *err)
{
	struct stat st;
	int fd;
	ssize_t n;

	*len = 0;
	if (stat(path, &st) != 0)
		return error_set(err, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return access(path, R_OK | X_OK) == 0 ? 1 : error_set(err, "%s: %s", path, strerror(EACCES));
	if (!S_ISREG(st.st_mode))
		return error_set(err, "%s: not a regular file (a snapshot must be a file or a folder)", path);
	if (st.st_size == 0)
		return error_set(err, "%s: empty file", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, "%s: %s", path, strerror(errno));
	n = read(fd, head, LOADER_SNIFF_BYTES);
	close(fd);
	if (n < 0)
		return error_set(err, "%s: %s", path, strerror(errno));
	*len = (size_t)n;
	return 0;
}

int loader_open(const char *path, const char *format, struct progress *prog,
		struct heap **out, struct error *err)
{
	unsigned char head[LOADER_SNIFF_BYTES];
	size_t len;
	int is_dir, best_score = 0;
	const struct loader *best = NULL;
	struct heap_builder *b;
	struct heap *h;

	*out = NULL;
	is_dir = read_head(path, head, &len, err);
	if (is_dir < 0)
		return -1;
	if (format) {
		best = loader_by_name(format);
		if (!best)
			return error_set(err, "unknown format '%s' (see heapglass --help for the list)", format);
	} else {
		for (size_t i = 0; loader_table[i]; i++) {
			int score = loader_table[i]->sniff(path, head, len, is_dir);
			if (score > best_score) {
				best_score = score;
				best = loader_table[i];
			}
		}
		if (!best) {
			if (is_dir)
				return error_set(err, "%s: a folder, but not a heapglass CSV snapshot "
						 "(no nodes.csv and edges.csv in it)", path);
			return error_set(err, "%s: not a heap snapshot heapglass knows (V8 .heapsnapshot, "
					 "HPROF, heapglass CSV or DOT); --format forces one", path);
		}
	}
	b = heap_builder_new();
	if (best->load(path, b, prog, err) != 0) {
		heap_builder_free(b);
		return -1;
	}
	h = heap_builder_freeze(b, err);
	heap_builder_free(b);
	if (!h)
		return -1;
	h->format = best->name;
	*out = h;
	return 0;
}

/* Lessons (the tui reaches loaders only through this header). */
#include "loaders/fmt_lesson.h"

int loader_open_lesson(const char *path, struct lesson **out, struct error *err)
{
	return fmt_lesson_load(path, out, err);
}
