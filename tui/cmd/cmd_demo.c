/* heapglass demo: the first lesson (reference counting), as
 * `heapglass lesson refcount` shows it. */
#include "tui/cmd/cli.h"

#include <string.h>

static int run(int argc, char **argv)
{
	char *args[] = { argv[0], "refcount", NULL, NULL };
	int n = 2;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			command_print_help(&cmd_demo);
			return CLI_OK;
		}
		if (strcmp(argv[i], "--script") != 0 || n == 3)
			return cli_usage(&cmd_demo, "unknown argument '%s'", argv[i]);
		args[n++] = argv[i];
	}
	return cmd_lesson.run(n, args);
}

const struct command cmd_demo = {
	.name = "demo",
	.usage = "demo [--script]",
	.summary = "Show the first classroom lesson (reference counting); the same as 'lesson refcount'.",
	.help = "  --script       print it as text\n",
	.run = run,
};
