/* hugepage: a hint that a big array is accessed at random, so the kernel
 * should back it with transparent huge pages (fewer TLB misses on graph
 * walks).  Harmless where unsupported. */
#ifndef HEAPGLASS_HUGEPAGE_H
#define HEAPGLASS_HUGEPAGE_H

#include <stddef.h>

/* Advises MADV_HUGEPAGE on the whole 2 MiB pages inside [p, p + len);
 * arrays under 4 MiB are left alone.  Returns p. */
void *hugepage_advise(void *p, size_t len);

#endif
