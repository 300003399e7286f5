/* hmap: the one hash table of heapglass, a map from 64-bit keys (object
 * ids, node indexes, string offsets) to 32-bit values (indexes).
 *
 * Open addressing with linear probing.  A slot holds the key and the value
 * side by side, so a lookup costs one cache miss; the first slot is the top
 * bits of the key times 2^64/phi (Fibonacci hashing), which spreads the
 * arithmetic sequences ids usually are.  The table doubles when it is half
 * full.  Any key works; a value is 0 .. UINT32_MAX - 1 (HMAP_NONE means
 * "absent").  Deleting is not supported: nothing here needs it.
 */
#ifndef HEAPGLASS_HMAP_H
#define HEAPGLASS_HMAP_H

#include <stddef.h>
#include <stdint.h>

#define HMAP_NONE UINT32_C(0xffffffff)

struct hmap_slot {
	uint64_t key;
	uint32_t val1;		/* the value + 1; 0: an empty slot */
};

struct hmap {
	struct hmap_slot *slot;
	size_t mask;		/* slots - 1 (a power of two) */
	size_t used;
	unsigned shift;		/* 64 - log2(slots) */
};

/* An empty map with room for `expect` keys before it grows. */
void hmap_init(struct hmap *m, size_t expect);
void hmap_fini(struct hmap *m);

/* The value of key, or HMAP_NONE. */
uint32_t hmap_get(const struct hmap *m, uint64_t key);

/* A hint that key is about to be looked up: starts loading its first slot,
 * so a caller can overlap the cache misses of a batch of keys.  Changes
 * nothing. */
void hmap_prefetch(const struct hmap *m, uint64_t key);

/* Adds key with val unless key is there.  Returns HMAP_NONE when it was
 * added, else the value key already has (left as it is). */
uint32_t hmap_add(struct hmap *m, uint64_t key, uint32_t val);

/* Sets key to val, added or replaced.  Returns the value it had, or
 * HMAP_NONE when it was added. */
uint32_t hmap_put(struct hmap *m, uint64_t key, uint32_t val);

#endif
