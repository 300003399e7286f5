/* libcsv alone on a CSV snapshot: how long parsing nodes.csv and edges.csv
 * takes with callbacks that only count the fields and rows, read in the
 * loader's chunks with the loader's options.  bench/csv-load compares the
 * CSV loader (the same parse, plus numbers, names and the heap model)
 * with it.
 *   usage: build/bench/libcsv-alone DIR   prints "SECONDS FIELDS ROWS" */
#include <csv.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

enum {
	CHUNK = 1 << 20
};

struct counts {
	unsigned long long fields, rows, bytes;
};

static void on_field(void *data, size_t len, void *ctx)
{
	struct counts *c = ctx;

	(void)data;
	c->fields++;
	c->bytes += len;
}

static void on_row(int term, void *ctx)
{
	(void)term;
	((struct counts *)ctx)->rows++;
}

static int parse(const char *path, char *buf, struct counts *c)
{
	struct csv_parser p;
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0 || csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL | CSV_EMPTY_IS_NULL) != 0) {
		perror(path);
		return -1;
	}
	csv_set_blk_size(&p, CHUNK);
	while ((n = read(fd, buf, CHUNK)) > 0)
		if (csv_parse(&p, buf, (size_t)n, on_field, on_row, c) != (size_t)n) {
			fprintf(stderr, "%s: %s\n", path, csv_strerror(csv_error(&p)));
			return -1;
		}
	csv_fini(&p, on_field, on_row, c);
	csv_free(&p);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	char path[4096];
	struct counts c = { 0 };
	struct timespec t0, t1;
	char *buf = malloc(CHUNK);

	if (argc != 2 || !buf) {
		fprintf(stderr, "usage: libcsv-alone DIR\n");
		return 2;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	snprintf(path, sizeof path, "%s/nodes.csv", argv[1]);
	if (parse(path, buf, &c) != 0)
		return 1;
	snprintf(path, sizeof path, "%s/edges.csv", argv[1]);
	if (parse(path, buf, &c) != 0)
		return 1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	printf("%.3f %llu %llu\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       c.fields, c.rows);
	free(buf);
	return 0;
}
