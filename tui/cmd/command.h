/* command: the subcommands of the command line, one const table entry each
 * (as tmux lists its commands), one file per command (tui/cmd/cmd_NAME.c).
 */
#ifndef HEAPGLASS_COMMAND_H
#define HEAPGLASS_COMMAND_H

struct command {
	const char *name;	/* "info" */
	const char *usage;	/* "info FILE [--json] [--format NAME]" */
	const char *summary;	/* one line for `heapglass --help` */
	const char *help;	/* the options, one per line, for `heapglass CMD --help` */
	/* argv[0] is the command name.  Returns the process exit status:
	 * 0 success, 1 bad input or failure, 2 bad usage. */
	int (*run)(int argc, char **argv);
};

/* NULL-terminated, in the order `--help` lists them. */
extern const struct command *const command_table[];

/* The command named name, or NULL. */
const struct command *command_find(const char *name);

/* Prints "usage: heapglass USAGE" and the command's help to stdout. */
void command_print_help(const struct command *cmd);

#endif
