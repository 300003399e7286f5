/* heapglass: the entry point.  `heapglass FILE` opens the viewer;
 * `heapglass COMMAND ...` runs one subcommand (tui/cmd/cmd_*.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "graph/core/hugepage.h"
#include "loaders/loader.h"
#include "tui/cmd/command.h"
#include "tui/view/tui.h"

#ifndef HEAPGLASS_VERSION
#define HEAPGLASS_VERSION "0.1.0"
#endif

static void usage(FILE *out)
{
	fprintf(out, "usage: heapglass FILE              open the viewer on a heap snapshot\n"
		     "       heapglass OLD NEW           the same on NEW, opening on what changed since OLD\n"
		     "       heapglass COMMAND [ARGS]    run one command\n\n"
		     "commands:\n");
	for (size_t i = 0; command_table[i]; i++)
		fprintf(out, "  %-12s %s\n", command_table[i]->name, command_table[i]->summary);
	fprintf(out, "\nformats (sniffed from the content; --format NAME forces one):\n");
	for (size_t i = 0; loader_table[i]; i++)
		fprintf(out, "  %-12s %s\n", loader_table[i]->name, loader_table[i]->description);
	fprintf(out, "\nviewer options (heapglass FILE [OPTIONS]):\n");
	cli_print_options(out, &tui_command);
	fprintf(out, "\n'heapglass COMMAND --help' shows a command's options; 'man heapglass' has the rest.\n");
}

int main(int argc, char **argv)
{
	const struct command *cmd;

	hugepage_restart(argv);
	if (argc < 2) {
		usage(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		if (argc > 2 && (cmd = command_find(argv[2]))) {
			command_print_help(cmd);
			return CLI_OK;
		}
		usage(stdout);
		return CLI_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("heapglass %s\n", HEAPGLASS_VERSION);
		return CLI_OK;
	}
	cmd = command_find(argv[1]);
	if (cmd)
		return command_run(cmd, argc - 1, argv + 1);
	/* heapglass FILE [viewer options]; a word that is neither a command nor
	 * a file is a mistyped command (and must not open the viewer's --help) */
	if (argv[1][0] != '-' && access(argv[1], F_OK) != 0) {
		return cli_fail("%s: %s, and not a command (see heapglass --help)", argv[1], strerror(errno));
	}
	return tui_main(argc, argv);
}
