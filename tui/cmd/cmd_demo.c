/* heapglass demo: the first lesson (reference counting), as
 * `heapglass lesson refcount` shows it. */
#include "tui/cmd/command.h"

#include <stddef.h>

struct demo_opts {
	int script;
};

static const struct demo_opts defaults = { 0 };

static const struct cli_option options[] = {
	{ .name = "script", .kind = CLI_FLAG, .offset = offsetof(struct demo_opts, script),
	  .help = "print it as text" },
	{ .name = NULL },
};

static int run(void *opts, struct cli_args *args)
{
	const struct demo_opts *o = opts;
	char *argv[] = { "lesson", "refcount", "--script", NULL };

	if (args->argc)
		return cli_usage(&cmd_demo, "unknown argument '%s'", args->argv[0]);
	return command_run(&cmd_lesson, o->script ? 3 : 2, argv);
}

const struct command cmd_demo = {
	.name = "demo",
	.usage = "demo [--script]",
	.summary = "Show the first classroom lesson (reference counting); the same as 'lesson refcount'.",
	.options = options,
	.opts_size = sizeof(struct demo_opts),
	.defaults = &defaults,
	.run = run,
};
