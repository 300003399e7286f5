#include "tui/cmd/command.h"

#include <stdio.h>
#include <string.h>

#include "tui/cmd/cli.h"

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

void command_print_help(const struct command *cmd)
{
	printf("usage: heapglass %s\n\n%s\n", cmd->usage, cmd->summary);
	if (cmd->help && *cmd->help)
		printf("\n%s", cmd->help);
}
