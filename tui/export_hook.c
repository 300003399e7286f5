#include "export_hook.h"

#include <stdio.h>

#include "app.h"

int export_hook_default_name(struct app *a, char *name, size_t size, char *err, size_t errsize)
{
	(void)a;
	(void)name;
	(void)size;
	snprintf(err, errsize, "export is not available in this build");
	return -1;
}

int export_hook_run(struct app *a, const char *path, char *err, size_t errsize)
{
	(void)a;
	(void)path;
	snprintf(err, errsize, "export is not available in this build");
	return -1;
}
