/* hg-peak: the load's and the analysis' own peak memory, apart.  Loads
 * FILE (loader_open), reads the process' peak RSS (VmHWM), resets it
 * (/proc/self/clear_refs "5"), runs the full analysis (analysis_run, what
 * `heapglass info` runs) and reads it again: the second figure is the
 * analysis' peak, the heap model included.  Prints one line: wall and CPU
 * (all threads) of each phase, both peaks, the RSS after each, and the
 * model's and the results' own bytes (heap_memory, analysis_memory).
 *   hg-peak FILE
 * Build: see bench/analysis/run.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph/analysis.h"
#include "graph/heap.h"
#include "loaders/loader.h"

static double clock_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A "Vm...:" field of /proc/self/status in KiB, -1 if absent. */
static long status_kib(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t n = strlen(key);
	long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = atol(line + n + 1);
	fclose(f);
	return v;
}

static int reset_peak(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	int ok;

	if (!f)
		return 0;
	ok = fputs("5", f) >= 0;
	return fclose(f) == 0 && ok;
}

int main(int argc, char **argv)
{
	struct heap *h;
	struct analysis *a;
	struct error err;
	double t0, t1, t2, c0, c1, c2;
	long load_peak, load_rss, peak, rss;

	if (argc != 2) {
		fprintf(stderr, "usage: hg-peak FILE\n");
		return 2;
	}
	t0 = clock_s(CLOCK_MONOTONIC);
	c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	if (loader_open(argv[1], NULL, NULL, &h, &err) != 0) {
		fprintf(stderr, "hg-peak: %s\n", err.msg);
		return 1;
	}
	t1 = clock_s(CLOCK_MONOTONIC);
	c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	load_peak = status_kib("VmHWM");
	load_rss = status_kib("VmRSS");
	if (!reset_peak())
		fprintf(stderr, "hg-peak: cannot reset the peak: the analysis' figure includes the load's\n");
	if (analysis_run(h, NULL, &a, &err) != 0) {
		fprintf(stderr, "hg-peak: %s\n", err.msg);
		return 1;
	}
	t2 = clock_s(CLOCK_MONOTONIC);
	c2 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	peak = status_kib("VmHWM");
	rss = status_kib("VmRSS");
	printf("load %.2f s wall %.2f s cpu, peak %ld MiB, rss after %ld MiB | analysis %.2f s wall "
	       "%.2f s cpu, peak %ld MiB, rss after %ld MiB | model %zu MiB, results %zu MiB\n",
	       t1 - t0, c1 - c0, load_peak >> 10, load_rss >> 10, t2 - t1, c2 - c1, peak >> 10,
	       rss >> 10, heap_memory(h) >> 20, analysis_memory(a) >> 20);
	analysis_free(a);
	heap_free(h);
	return 0;
}
