/* Unit tests of the one hash table (graph/core/hmap.h) against a plain
 * array searched from end to start: random keys of the shapes ids have
 * (dense, strided, scattered, 0 and ~0 included), adds, puts, growth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "tests/unit/oracle.h"

#include "graph/core/hmap.h"

enum {
	MAXK = 3000
};

/* The reference: the value of key, the last one set, or HMAP_NONE. */
static uint32_t ref_get(const uint64_t *k, const uint32_t *v, size_t n, uint64_t key)
{
	for (size_t i = n; i-- > 0;)
		if (k[i] == key)
			return v[i];
	return HMAP_NONE;
}

static void test_against_array(void **state)
{
	static uint64_t keys[MAXK];
	static uint32_t vals[MAXK];
	uint64_t seed = 0x4a4d4150u;

	(void)state;
	for (int round = 0; round < 300; round++) {
		struct hmap m;
		size_t n = 0, want = 1 + oracle_rand(&seed) % MAXK;
		unsigned shape = (unsigned)(oracle_rand(&seed) % 4);
		uint64_t base = oracle_rand(&seed);

		oracle_round(__func__, round, seed);
		if (round % 2)
			hmap_init(&m, oracle_rand(&seed) % 50);
		else
			m = (struct hmap){ 0 };	/* a zeroed map works too */
		while (n < want) {
			uint64_t r = oracle_rand(&seed), key;
			uint32_t val = (uint32_t)(oracle_rand(&seed) % 1000000), old;
			/* a key seen before, half the time once there are some */
			if (n && r % 2)
				key = keys[oracle_rand(&seed) % n];
			else if (shape == 0)
				key = r % (want * 2);
			else if (shape == 1)
				key = base + 48 * (r % want) + ((r >> 40) % 5 << 32);
			else if (shape == 2)
				key = r;
			else
				key = r % 3 == 0 ? 0 : r % 3 == 1 ? UINT64_MAX : r % 64;
			old = ref_get(keys, vals, n, key);
			if (oracle_rand(&seed) % 2) {
				assert_int_equal(hmap_put(&m, key, val), old);
				keys[n] = key;
				vals[n++] = val;
			} else {
				assert_int_equal(hmap_add(&m, key, val), old);
				if (old == HMAP_NONE) {
					keys[n] = key;
					vals[n++] = val;
				}
			}
		}
		for (size_t i = 0; i < n; i++)
			assert_int_equal(hmap_get(&m, keys[i]), ref_get(keys, vals, n, keys[i]));
		for (int i = 0; i < 100; i++) {
			uint64_t key = oracle_rand(&seed);
			assert_int_equal(hmap_get(&m, key), ref_get(keys, vals, n, key));
		}
		assert_true(m.used * 2 <= m.mask + 1);	/* at most half full */
		hmap_fini(&m);
		assert_int_equal(hmap_get(&m, 0), HMAP_NONE);
	}
	oracle_rounds_done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_against_array, oracle_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
