/* command: the subcommands of the command line, one const table entry each
 * (as tmux lists its commands), one file per command (tui/cmd/cmd_NAME.c).
 * An entry declares the command's options (tui/cmd/cli.h); command_run()
 * parses them once, so run() starts with everything read.
 */
#ifndef HEAPGLASS_COMMAND_H
#define HEAPGLASS_COMMAND_H

#include <stddef.h>

#include "tui/cmd/cli.h"

struct command {
	const char *name;	/* "info"; NULL: the viewer (heapglass FILE) */
	const char *usage;	/* "info FILE [--json] [--format NAME]" */
	const char *summary;	/* one line for `heapglass --help` */
	const struct cli_option *options;	/* its own options (NULL: none) */
	unsigned common;	/* enum cli_common_opt: takes --format, --json */
	const char *json_help;	/* --json's help (NULL: a generic line) */
	const char *notes;	/* text after the options in --help, or NULL */
	int in_order;		/* the first argument that is not an option ends them */
	/* The options struct run() gets: opts_size bytes, a copy of
	 * *defaults before the command line is read (0: none). */
	size_t opts_size;
	const void *defaults;
	/* Runs the command.  Returns the process exit status: 0 success,
	 * 1 bad input or failure, 2 bad usage. */
	int (*run)(void *opts, struct cli_args *args);
	/* A command that reads its own argv (argv[0] is its name); while
	 * set, run and the declarations above are not used. */
	int (*run_argv)(int argc, char **argv);
};

/* The commands (each in tui/cmd/cmd_NAME.c). */
extern const struct command cmd_info;
extern const struct command cmd_types;
extern const struct command cmd_top;
extern const struct command cmd_cycles;
extern const struct command cmd_unreachable;
extern const struct command cmd_path;
extern const struct command cmd_export;
extern const struct command cmd_lesson;
extern const struct command cmd_demo;
extern const struct command cmd_diff;
extern const struct command cmd_record;

/* NULL-terminated, in the order `--help` lists them. */
extern const struct command *const command_table[];

/* The command named name, or NULL. */
const struct command *command_find(const char *name);

/* Parses argv (argv[0] is the command's name) by cmd's declarations and
 * runs it.  Returns the process exit status. */
int command_run(const struct command *cmd, int argc, char **argv);

/* Prints "usage: heapglass USAGE", the summary and the options' help to
 * stdout. */
void command_print_help(const struct command *cmd);

#endif
