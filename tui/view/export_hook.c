#include "tui/view/export_hook.h"

#include <stdio.h>
#include <string.h>

#include "graph/export.h"
#include "tui/view/app.h"

enum {
	OBJECT_DEPTH = 2	/* an object's export: everything two references away */
};

/* The cycle the user is looking at: the one open in the cycle view, or the
 * one under the cursor in the cycle list; HEAP_NONE otherwise. */
static uint32_t current_cycle(const struct app *a)
{
	if (a->view == VIEW_CYCLE && a->hist_pos >= 0)
		return (uint32_t)a->hist[a->hist_pos].arg;
	if (a->view == VIEW_CYCLES && a->cur != HEAP_NONE)
		return a->m->an->cycle[a->cur];
	return HEAP_NONE;
}

int export_hook_default_name(struct app *a, char *name, size_t size, char *err, size_t errsize)
{
	uint32_t c = current_cycle(a);

	if (c != HEAP_NONE) {
		snprintf(name, size, "heapglass-cycle-%u.svg", c + 1);
		return 0;
	}
	if (a->cur == HEAP_NONE) {
		snprintf(err, errsize, "nothing to export: select an object or a cycle first");
		return -1;
	}
	snprintf(name, size, "heapglass-object-%llu.svg", (unsigned long long)heap_id(a->h, a->cur));
	return 0;
}

int export_hook_run(struct app *a, const char *path, char *errbuf, size_t errsize)
{
	struct export_spec spec = { .what = EXPORT_OBJECT };
	enum export_format fmt;
	struct error err;
	uint32_t c = current_cycle(a);
	char title[128];

	if (!path[0]) {
		snprintf(errbuf, errsize, "export cancelled: no file name");
		return -1;
	}
	if (export_format_from_path(path, &fmt, &err) != 0) {
		snprintf(errbuf, errsize, "%s", err.msg);
		return -1;
	}
	spec.retained = &a->m->an->retained;
	spec.dist = a->m->an->dist;
	if (c != HEAP_NONE) {
		spec.what = EXPORT_CYCLE;
		spec.nodes = model_cycle_members(a->m, c, &spec.n_nodes);
		snprintf(title, sizeof title, "cycle %u: %u objects (%s)", c + 1, spec.n_nodes,
			 a->m->an->cycles[c].garbage ? "garbage" : "live");
	} else if (a->cur != HEAP_NONE) {
		spec.object = a->cur;
		spec.depth = OBJECT_DEPTH;
		snprintf(title, sizeof title, "object #%llu and its neighbours (2 references away)",
			 (unsigned long long)heap_id(a->h, a->cur));
	} else {
		snprintf(errbuf, errsize, "nothing to export: select an object or a cycle first");
		return -1;
	}
	spec.title = title;
	if (export_write(a->h, &spec, path, fmt, &err) != 0) {
		snprintf(errbuf, errsize, "%s", err.msg);
		return -1;
	}
	return 0;
}
