/* heapglass: the entry point.  `heapglass FILE` opens the viewer;
 * `heapglass COMMAND ...` runs one subcommand (tui/cmd/cmd_*.c). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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

/* Whether an argument names a snapshot big enough (a file, or the files
 * of a folder, of BIG_INPUT bytes and more) for huge pages to repay the
 * restart hugepage_restart() makes (about 10 ms of CPU). */
#define BIG_INPUT ((off_t)32 << 20)

static int big_input(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		struct stat st;
		off_t sum = 0;
		DIR *d;
		struct dirent *e;

		if (argv[i][0] == '-' || stat(argv[i], &st) != 0)
			continue;
		if (S_ISREG(st.st_mode) && st.st_size >= BIG_INPUT)
			return 1;
		if (!S_ISDIR(st.st_mode) || !(d = opendir(argv[i])))
			continue;
		while ((e = readdir(d)) && sum < BIG_INPUT) {
			char path[4096];
			if (snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name) < (int)sizeof path &&
			    stat(path, &st) == 0 && S_ISREG(st.st_mode))
				sum += st.st_size;
		}
		closedir(d);
		if (sum >= BIG_INPUT)
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct command *cmd;

	if (big_input(argc, argv))
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
