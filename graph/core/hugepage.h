/* hugepage: a hint that a big array is accessed at random, so the kernel
 * should back it with transparent huge pages (fewer TLB misses on graph
 * walks).  Harmless where unsupported. */
#ifndef HEAPGLASS_HUGEPAGE_H
#define HEAPGLASS_HUGEPAGE_H

#include <stddef.h>

/* Advises MADV_HUGEPAGE on the whole 2 MiB pages inside [p, p + len);
 * arrays under 4 MiB are left alone.  Returns p. */
void *hugepage_advise(void *p, size_t len);

/* glibc's malloc asks for transparent huge pages for its own big mappings
 * and its heap only when told so at start-up (the tunable
 * glibc.malloc.hugetlb=1).  Where the kernel gives huge pages on request
 * (THP "madvise" mode), restarts the program once (execv of
 * /proc/self/exe, same argv) with the tunable added to GLIBC_TUNABLES;
 * called again in the restarted program, puts GLIBC_TUNABLES back as it
 * was, so that the programs heapglass runs do not inherit it.  Returns
 * without restarting under valgrind (it would not follow), when the
 * tunable is set already, or when anything fails.  On this class of VM a
 * 4 KiB page fault costs about 4 us: faulting the model's arrays page by
 * page was a quarter of the CPU of opening a snapshot.  Call first thing
 * in main(), when there is a big snapshot to open (a restart costs about
 * 10 ms of CPU). */
#define HUGEPAGE_RESTART 1
/* Whether transparent huge pages are in "madvise" mode (in "always" glibc
 * needs no telling, in "never" telling it does nothing). */
int hugepage_madvise_mode(void);
void hugepage_restart(char **argv);

#endif
