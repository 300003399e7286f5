/* genheap: writes a big heapglass CSV heap for the viewer benchmark.
 *   genheap DIR NODES EDGES_PER_NODE SEED
 * Shape: 300 types with skewed popularity (a few hold most objects, like
 * str/dict/list), names from a small vocabulary plus ids, 64 roots, a
 * spanning tree of mixed depth, shared hot objects, small cycles, weak
 * references, unreachable subtrees, generations 0..2.  Deterministic for
 * a seed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(int argc, char **argv)
{
	static const char *const words[] = { "user", "session", "cache", "request", "token", "buffer",
					     "node", "entry", "item", "handler", "config", "payload" };
	char path[4096];
	FILE *nf, *ef;
	uint64_t n, k;

	if (argc != 5) {
		fprintf(stderr, "usage: genheap DIR NODES EDGES_PER_NODE SEED\n");
		return 2;
	}
	n = strtoull(argv[2], NULL, 10);
	k = strtoull(argv[3], NULL, 10);
	rng ^= strtoull(argv[4], NULL, 10) * 0x9e3779b97f4a7c15ull;
	snprintf(path, sizeof path, "%s/nodes.csv", argv[1]);
	nf = fopen(path, "w");
	snprintf(path, sizeof path, "%s/edges.csv", argv[1]);
	ef = fopen(path, "w");
	if (!nf || !ef) {
		perror("genheap");
		return 1;
	}
	setvbuf(nf, NULL, _IOFBF, 1 << 20);
	setvbuf(ef, NULL, _IOFBF, 1 << 20);
	fprintf(nf, "id,type,size,name,generation,root\n");
	fprintf(ef, "from,to,name,index,kind\n");
	for (uint64_t i = 1; i <= n; i++) {
		/* skewed type: type t with probability ~ 1/(t+1) */
		uint64_t r = next();
		unsigned t = (unsigned)((r % 1000003) * (r % 1000003) / 1000003 / 3337);
		unsigned size = 16 + (unsigned)(next() % 200) * 8;
		if (t > 299)
			t = 299;
		fprintf(nf, "%" PRIu64 ",Type%u,%u,%s-%" PRIu64 ",%u,%s\n", i, 299 - t, size,
			words[next() % 12], i % 9973, (unsigned)(next() % 3), i % (n / 64 + 1) == 1 ? "global" : "");
	}
	/* Edges.  A tree: node i (> 1) hangs under a parent, half the time
	 * i/2 (a wide, shallow part) and half the time a recent node (long
	 * chains, like linked lists); the other references go to a hot set of
	 * shared objects (the first 1% of ids: interned strings, classes),
	 * which refer only among themselves, and 2% of nodes also point back
	 * to their parent (cycles).  Every 1000th subtree root is left
	 * unattached: unreachable garbage. */
	for (uint64_t i = 2; i <= n; i++) {
		uint64_t hot = n / 100 + 1, p;
		if (next() % 2)
			p = i / 2;
		else
			p = i - 1 - next() % (i - 1 < 50 ? i - 1 : 50);
		if (p < 1)
			p = 1;
		if (i % 1000 != 0)
			fprintf(ef, "%" PRIu64 ",%" PRIu64 ",%s,,\n", p, i, words[next() % 12]);
		if (next() % 50 == 0)
			fprintf(ef, "%" PRIu64 ",%" PRIu64 ",parent,,\n", i, p);
		for (uint64_t e = 1; e < k; e++) {
			uint64_t to = 1 + next() % hot;
			if (i <= hot && to >= i)
				continue;	/* the hot set refers only to older hot objects */
			if (next() % 20 == 0)
				fprintf(ef, "%" PRIu64 ",%" PRIu64 ",,%u,weak\n", i, to, (unsigned)e);
			else
				fprintf(ef, "%" PRIu64 ",%" PRIu64 ",,%u,\n", i, to, (unsigned)e);
		}
	}
	if (fclose(nf) || fclose(ef)) {
		perror("genheap");
		return 1;
	}
	return 0;
}
