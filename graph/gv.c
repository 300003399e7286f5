#include "graph/gv.h"

#include <string.h>

#include <gvc.h>

static char gv_msg[GV_MSG_MAX];

static int collect(char *msg)
{
	size_t have = strlen(gv_msg), n = strlen(msg);

	if (have + n >= sizeof gv_msg)
		n = sizeof gv_msg - 1 - have;
	memcpy(gv_msg + have, msg, n);
	gv_msg[have + n] = '\0';
	return 0;
}

void gv_hook_on(struct gv_hook *k)
{
	gv_msg[0] = '\0';
	k->old_fn = agseterrf(collect);
	k->old_level = agseterr(AGERR);
}

void gv_hook_off(struct gv_hook *k)
{
	agseterrf(k->old_fn);
	agseterr(k->old_level);
}

const char *gv_message(void)
{
	return gv_msg;
}

int gv_fail(struct error *err, const char *prefix)
{
	char line[GV_MSG_MAX];
	size_t n = 0;

	for (size_t i = 0; gv_msg[i] && n + 1 < sizeof line; i++)
		line[n++] = gv_msg[i] == '\n' ? ' ' : gv_msg[i];
	while (n && line[n - 1] == ' ')
		n--;
	line[n] = '\0';
	if (n == 0)
		return error_set(err, "%s: Graphviz failed", prefix);
	{
		char safe[GV_MSG_MAX];
		error_quote(safe, sizeof safe, line, n);
		return error_set(err, "%s: Graphviz: %s", prefix, safe);
	}
}

/* Graphviz 2.43's pango text layout caches a pointer to the last font
 * name, which lives in the context's font table: freeing a context and
 * making a new one leaves that pointer dangling (a use after free
 * AddressSanitizer sees in the second export of a process).  So one
 * context serves the whole process. */
static GVC_t *gvc_shared;

GVC_t *gv_context(void)
{
	if (!gvc_shared)
		gvc_shared = gvContext();
	return gvc_shared;
}
