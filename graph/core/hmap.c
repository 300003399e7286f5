#include "graph/core/hmap.h"

#include <stdlib.h>

#include "graph/core/hugepage.h"
#include "graph/core/mem.h"

enum {
	MIN_SLOTS = 16
};

/* The key mixed (MurmurHash3's finaliser: every bit of the key moves
 * every bit of the hash), its top bits the slot.  A multiplication alone
 * (Fibonacci hashing) left ids 48 bytes apart in a few arenas, as Python's
 * are, in long runs of full slots: 5x slower lookups (bench/idmap). */
static size_t first_slot(const struct hmap *m, uint64_t key)
{
	key ^= key >> 33;
	key *= UINT64_C(0xff51afd7ed558ccd);
	key ^= key >> 33;
	key *= UINT64_C(0xc4ceb9fe1a85ec53);
	key ^= key >> 33;
	return (size_t)(key >> m->shift);
}

static void alloc_slots(struct hmap *m, size_t slots)
{
	unsigned bits = 0;

	while (((size_t)1 << bits) < slots)
		bits++;
	m->slot = mem_calloc((size_t)1 << bits, sizeof *m->slot);
	/* probes land anywhere: fewer TLB misses on a big table */
	(void)hugepage_advise(m->slot, ((size_t)1 << bits) * sizeof *m->slot);
	m->mask = ((size_t)1 << bits) - 1;
	m->shift = 64 - bits;
	m->used = 0;
}

void hmap_init(struct hmap *m, size_t expect)
{
	size_t slots = MIN_SLOTS;

	while (slots < expect * 2)
		slots *= 2;
	alloc_slots(m, slots);
}

void hmap_fini(struct hmap *m)
{
	free(m->slot);
	m->slot = NULL;
	m->mask = m->used = 0;
}

uint32_t hmap_get(const struct hmap *m, uint64_t key)
{
	if (!m->slot)
		return HMAP_NONE;
	for (size_t i = first_slot(m, key); m->slot[i].val1; i = (i + 1) & m->mask)
		if (m->slot[i].key == key)
			return m->slot[i].val1 - 1;
	return HMAP_NONE;
}

void hmap_prefetch(const struct hmap *m, uint64_t key)
{
	if (m->slot)
		__builtin_prefetch(&m->slot[first_slot(m, key)]);
}

static void grow(struct hmap *m)
{
	struct hmap old = *m;

	alloc_slots(m, (old.mask + 1) * 2);
	for (size_t j = 0; j <= old.mask; j++) {
		size_t i;
		if (!old.slot[j].val1)
			continue;
		for (i = first_slot(m, old.slot[j].key); m->slot[i].val1; i = (i + 1) & m->mask)
			;
		m->slot[i] = old.slot[j];
	}
	m->used = old.used;
	free(old.slot);
}

/* The slot of key, or the empty one where it would go. */
static size_t find(struct hmap *m, uint64_t key)
{
	size_t i;

	if (!m->slot)
		hmap_init(m, 0);
	else if ((m->used + 1) * 2 > m->mask + 1)
		grow(m);
	for (i = first_slot(m, key); m->slot[i].val1 && m->slot[i].key != key; i = (i + 1) & m->mask)
		;
	return i;
}

uint32_t hmap_add(struct hmap *m, uint64_t key, uint32_t val)
{
	size_t i = find(m, key);

	if (m->slot[i].val1)
		return m->slot[i].val1 - 1;
	m->slot[i].key = key;
	m->slot[i].val1 = val + 1;
	m->used++;
	return HMAP_NONE;
}

uint32_t hmap_put(struct hmap *m, uint64_t key, uint32_t val)
{
	size_t i = find(m, key);
	uint32_t old = m->slot[i].val1 ? m->slot[i].val1 - 1 : HMAP_NONE;

	if (!m->slot[i].val1)
		m->used++;
	m->slot[i].key = key;
	m->slot[i].val1 = val + 1;
	return old;
}
