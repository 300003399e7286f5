/* export_hook: what `e` does.  The Graphviz export lives in graph/export.h
 * (another module); this file is the viewer's only link to it, so a build
 * without it still runs and says so. */
#ifndef HEAPGLASS_EXPORT_HOOK_H
#define HEAPGLASS_EXPORT_HOOK_H

#include <stddef.h>

struct app;

/* Proposes an output file name for what is on screen (the current cycle or
 * object).  Returns 0, or -1 with a message in err (export unavailable,
 * nothing to export). */
int export_hook_default_name(struct app *a, char *name, size_t size, char *err, size_t errsize);

/* Exports the current cycle or object to path (format from the extension).
 * Returns 0, or -1 with a message in err. */
int export_hook_run(struct app *a, const char *path, char *err, size_t errsize);

#endif
