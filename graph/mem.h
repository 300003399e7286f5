/* mem: allocation that aborts on out-of-memory.
 *
 * Out of memory is the one error heapglass does not return: it calls the
 * hook the front end registered (which restores the terminal), prints one
 * line naming how much was asked for, and exits with status 70.
 */
#ifndef HEAPGLASS_MEM_H
#define HEAPGLASS_MEM_H

#include <stddef.h>

void *mem_alloc(size_t size);
void *mem_calloc(size_t n, size_t size);
/* Grows or shrinks p to n * size bytes, checking the product for overflow. */
void *mem_realloc_array(void *p, size_t n, size_t size);
char *mem_strdup(const char *s);

/* Registers the function run before exiting on out-of-memory (once). */
void mem_set_oom_hook(void (*hook)(void));

#endif
