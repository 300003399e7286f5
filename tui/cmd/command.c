#include "tui/cmd/command.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/core/mem.h"

const struct command *const command_table[] = {
	&cmd_info,
	&cmd_types,
	&cmd_top,
	&cmd_cycles,
	&cmd_unreachable,
	&cmd_path,
	&cmd_export,
	&cmd_lesson,
	&cmd_demo,
	&cmd_diff,
	&cmd_record,
	NULL
};

const struct command *command_find(const char *name)
{
	for (size_t i = 0; command_table[i]; i++)
		if (strcmp(command_table[i]->name, name) == 0)
			return command_table[i];
	return NULL;
}

int command_run(const struct command *cmd, int argc, char **argv)
{
	struct cli_args args;
	void *opts = NULL;
	int rc;

	if (cmd->run_argv)
		return cmd->run_argv(argc, argv);
	if (cmd->opts_size) {
		opts = mem_alloc(cmd->opts_size);
		memcpy(opts, cmd->defaults, cmd->opts_size);
	}
	rc = cli_parse(cmd, argc, argv, opts, &args);
	if (rc == CLI_RUN)
		rc = cmd->run(opts, &args);
	cli_args_fini(&args);
	free(opts);
	return rc;
}

void command_print_help(const struct command *cmd)
{
	printf("usage: heapglass %s\n\n%s\n", cmd->usage, cmd->summary);
	if (cmd->run_argv) {
		if (cmd->notes)
			printf("\n%s", cmd->notes);
		return;
	}
	printf("\n");
	cli_print_options(stdout, cmd);
	if (cmd->notes)
		printf("\n%s", cmd->notes);
}
