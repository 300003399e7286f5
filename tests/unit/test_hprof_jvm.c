/* The planted-cycle test on real JVM dumps, through the library: compiles
 * and runs tests/oracles/hprof/Planted.java (skipped without a JDK), which dumps
 * its own heap with live=true and live=false, then loads each dump and runs
 * the engine's analysis.  Among the cycles with a member of a "Planted"
 * class, exactly the planted ones must be found, with the right member
 * types, live or garbage; the unreachable objects of "Planted" classes must
 * be the garbage ring's three (none in the live dump).  tests/e2e/hprof.sh
 * checks the same through `heapglass cycles` and `heapglass unreachable`.
 *
 * The shallow size rule is checked against the JVM's own addresses: two
 * objects next to each other in a dump (HotSpot writes them in address
 * order) are exactly the first one's size apart, unless free space lies
 * between them; at least 90% must be, with compressed oops and without. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "graph/analysis.h"
#include "graph/heap.h"
#include "loaders/loader.h"

static char dir[64];

/* One expected cycle: its member types, sorted, joined by spaces. */
static const char *const live_cycles[] = {
	"PlantedSelf",
	"PlantedDNode PlantedDNode PlantedDNode PlantedDNode PlantedDNode",
	"PlantedRing PlantedRing PlantedRing PlantedRing",
	"PlantedChild PlantedChild PlantedChild PlantedParent java.lang.Object[] java.util.ArrayList",
	"PlantedMap java.util.HashMap$Node java.util.HashMap$Node[]",
};
static const char garbage_cycle[] = "PlantedGarbage PlantedGarbage PlantedGarbage";

static int have(const char *tool)
{
	char cmd[256];

	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

static int setup(void **state)
{
	const char *top = getenv("TOP");
	char cmd[1024];

	(void)state;
	if (!have("javac") || !have("java"))
		return 0;
	snprintf(dir, sizeof dir, "/tmp/hg-planted-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cmd, sizeof cmd,
		 "javac -d %s %s/tests/oracles/hprof/Planted.java && "
		 "java -Xint -Xmx64m -cp %s Planted %s/live.hprof live >/dev/null && "
		 "java -Xint -Xmx64m -cp %s Planted %s/all.hprof all >/dev/null && "
		 "java -Xint -Xmx64m -XX:-UseCompressedOops -cp %s Planted %s/wide.hprof live >/dev/null",
		 dir, top ? top : ".", dir, dir, dir, dir, dir, dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "could not make the JVM dumps: %s\n", cmd);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	if (dir[0]) {
		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The member types of cycle c, sorted and joined, into buf. */
static const char *cycle_types(const struct heap *h, const struct analysis *a,
			       const struct analysis_cycle *c, char *buf, size_t size)
{
	const char **types = calloc(c->size, sizeof *types);
	size_t n = 0;

	for (uint32_t i = 0; i < c->size; i++)
		types[i] = heap_string(h, h->type[a->members[c->members + i]], NULL);
	qsort(types, c->size, sizeof *types, cmp_str);
	buf[0] = '\0';
	for (uint32_t i = 0; i < c->size && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? " " : "", types[i]);
	free(types);
	return buf;
}

static void check_dump(const char *name, int with_garbage)
{
	char path[128], buf[4096];
	struct heap *h = NULL;
	struct analysis *a = NULL;
	struct error err = { { 0 } };
	int seen[5] = { 0 }, garbage_seen = 0;
	uint32_t planted_cycles = 0, planted_unreachable = 0;

	if (!dir[0])
		skip();	/* no JDK */
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (loader_open(path, NULL, NULL, &h, &err) != 0)
		fail_msg("%s", err.msg);
	if (analysis_run(h, NULL, &a, &err) != 0)
		fail_msg("%s", err.msg);
	for (uint32_t c = 0; c < a->n_cycles; c++) {
		const struct analysis_cycle *cy = &a->cycles[c];
		int planted = 0, matched = 0;
		for (uint32_t i = 0; i < cy->size; i++)
			if (strncmp(heap_string(h, h->type[a->members[cy->members + i]], NULL), "Planted", 7) == 0)
				planted = 1;
		if (!planted)
			continue;
		planted_cycles++;
		cycle_types(h, a, cy, buf, sizeof buf);
		for (int k = 0; k < 5; k++)
			if (strcmp(buf, live_cycles[k]) == 0 && !cy->garbage) {
				seen[k]++;
				matched = 1;
			}
		if (with_garbage && strcmp(buf, garbage_cycle) == 0 && cy->garbage) {
			garbage_seen++;
			matched = 1;
		}
		if (!matched)
			fail_msg("%s: unexpected cycle (%s): %s", name, cy->garbage ? "garbage" : "live", buf);
	}
	for (int k = 0; k < 5; k++)
		if (seen[k] != 1)
			fail_msg("%s: cycle \"%s\" found %d times", name, live_cycles[k], seen[k]);
	assert_int_equal(garbage_seen, with_garbage ? 1 : 0);
	assert_int_equal(planted_cycles, with_garbage ? 6 : 5);

	for (uint32_t v = 0; v < h->n_nodes; v++)
		if (a->dist[v] == REACH_UNREACHABLE &&
		    strncmp(heap_string(h, h->type[v], NULL), "Planted", 7) == 0) {
			assert_string_equal(heap_string(h, h->type[v], NULL), "PlantedGarbage");
			planted_unreachable++;
		}
	assert_int_equal(planted_unreachable, with_garbage ? 3 : 0);
	analysis_free(a);
	heap_free(h);
}

static void test_live_dump(void **state)
{
	(void)state;
	check_dump("live.hprof", 0);
}

static void test_all_dump(void **state)
{
	(void)state;
	check_dump("all.hprof", 1);
}

/* The share of neighbouring objects whose address gap is the first one's
 * computed size, in percent. */
static double sizes_match(const char *name)
{
	char path[128];
	struct heap *h = NULL;
	struct error err = { { 0 } };
	uint64_t n = 0, eq = 0;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (loader_open(path, NULL, NULL, &h, &err) != 0)
		fail_msg("%s", err.msg);
	for (uint32_t v = 0; v + 1 < h->n_nodes; v++) {
		uint64_t gap = heap_id(h, v + 1) - heap_id(h, v);
		if (h->flags[v] & HEAP_F_CLASS || heap_id(h, v + 1) <= heap_id(h, v) || gap > 65536)
			continue;
		n++;
		eq += gap == heap_size(h, v);
	}
	heap_free(h);
	assert_true(n > 1000);
	return 100.0 * (double)eq / (double)n;
}

static void test_sizes(void **state)
{
	double coops, wide;

	(void)state;
	if (!dir[0])
		skip();
	coops = sizes_match("live.hprof");
	wide = sizes_match("wide.hprof");
	if (coops < 90 || wide < 90)
		fail_msg("sizes equal the address gaps for %.1f%% (compressed oops) and %.1f%% "
			 "(-XX:-UseCompressedOops) of neighbours", coops, wide);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_dump),
		cmocka_unit_test(test_all_dump),
		cmocka_unit_test(test_sizes),
	};

	return cmocka_run_group_tests_name("hprof_jvm", tests, setup, teardown);
}
