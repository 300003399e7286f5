/* mem: allocation that aborts on out-of-memory.
 *
 * Out of memory is the one error heapglass does not return: it calls the
 * hook the front end registered (which restores the terminal), prints one
 * line naming how much was asked for, and exits with status 70.
 */
#ifndef HEAPGLASS_MEM_H
#define HEAPGLASS_MEM_H

#include <stddef.h>
#include <stdint.h>

struct error;

void *mem_alloc(size_t size);
void *mem_calloc(size_t n, size_t size);
/* Grows or shrinks p to n * size bytes, checking the product for overflow. */
void *mem_realloc_array(void *p, size_t n, size_t size);
char *mem_strdup(const char *s);
/* What mem_alloc() and the others ask malloc for, for a block of `size`
 * bytes: size, or for a block of 2 to 8 MiB a few bytes short of whole
 * huge pages when the spare end is at most a third of it (mem.c). */
size_t mem_request(size_t size);

/* Zeroes p[0 .. len) and gives the whole pages inside it back to the
 * system (madvise MADV_DONTNEED): they read as zero and take no memory
 * until written again.  For a big scratch array that must be zero at its
 * next use, between uses that are far apart. */
void mem_zero_release(void *p, size_t len);

/* Registers the function run before exiting on out-of-memory (once). */
void mem_set_oom_hook(void (*hook)(void));

/* Exits for a limit of the model that is as fatal as out-of-memory (the
 * string arena's 2 GiB): runs the hook (the terminal is restored), prints
 * "heapglass: WHAT" and exits with status 70. */
void mem_fatal(const char *what) __attribute__((noreturn));

/* How many more bytes this process can expect to get: the smaller of what
 * the system has to give (MemAvailable + SwapFree in /proc/meminfo) and
 * what the address-space limit (RLIMIT_AS, `ulimit -v`) leaves beside what
 * is mapped already.  UINT64_MAX when neither is known.  *source (may be
 * NULL) gets a static phrase naming the bound that applied. */
uint64_t mem_available(const char **source);

/* Refuses early a load that cannot fit: 0 when `need` bytes (a lower bound
 * of what the work will allocate) fit in mem_available(), otherwise -1
 * with err set to "PREFIX: needs at least N MiB of memory, only M MiB
 * available (SOURCE)".  PREFIX names the file and what claimed the size. */
int mem_check(uint64_t need, const char *prefix, struct error *err);

#endif
