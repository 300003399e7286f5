/* gv: heapglass's glue to Graphviz, shared by the exports (graph/export.c)
 * and the DOT loader (loaders/fmt_dot.c).
 *
 * Graphviz reports errors through one process-wide hook and prints them on
 * stderr unless the hook is replaced.  While heapglass calls Graphviz,
 * gv_hook_on() has the hook collect the text instead; gv_message() is what
 * it collected (one buffer, at most GV_MSG_MAX bytes); gv_hook_off() puts
 * the previous hook back.  The hook is global: not thread-safe.
 *
 * gv_context() is the process's one gvc context (layout and rendering).
 */
#ifndef HEAPGLASS_GV_H
#define HEAPGLASS_GV_H

#include <cgraph.h>

#include "graph/core/error.h"

enum {
	GV_MSG_MAX = 1024
};

struct gv_hook {
	agusererrf old_fn;
	agerrlevel_t old_level;
};

/* Collects Graphviz's messages (errors only) from now on, starting empty. */
void gv_hook_on(struct gv_hook *k);
void gv_hook_off(struct gv_hook *k);

/* What Graphviz said since gv_hook_on(), "" if nothing. */
const char *gv_message(void);

/* Sets err to "PREFIX: Graphviz: MESSAGE" (the message on one line,
 * printable) or "PREFIX: Graphviz failed".  Returns -1. */
int gv_fail(struct error *err, const char *prefix);

/* The process's one Graphviz context (a GVC_t of <gvc.h>, which the DOT
 * loader does not need), made on first use, never freed. */
struct GVC_s;
struct GVC_s *gv_context(void);

#endif
