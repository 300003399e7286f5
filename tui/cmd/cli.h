/* cli: what the subcommands share: declared options and the one parser
 * that reads them, opening a snapshot with progress on stderr, JSON and
 * text output.
 *
 * A command declares its options in its table entry (tui/cmd/command.h):
 * each option's name, the name of its value, its help and where its value
 * goes in the command's options struct.  cli_parse() reads them all, and
 * --format, --json and --help for every command that takes them; --help is
 * printed from the same declarations, the format list from loader_table.
 *
 * Every command prints one line "heapglass: ..." on stderr and returns a
 * non-zero status on bad input; nothing below it prints.
 */
#ifndef HEAPGLASS_CLI_H
#define HEAPGLASS_CLI_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "graph/heap.h"
#include "graph/core/progress.h"

struct command;

/* Options every command that reads a snapshot may take (struct
 * command.common says which). */
struct cli_common {
	const char *format;	/* --format NAME, NULL to sniff */
	int json;		/* --json */
	double load_seconds;	/* filled by cli_open */
	double load_cpu_seconds;	/* the process's CPU time during the load */
};

enum cli_common_opt {
	CLI_FORMAT = 1,		/* --format NAME */
	CLI_JSON = 2		/* --json */
};

enum cli_status {
	CLI_RUN = -1,		/* cli_parse(): go on and run the command */
	CLI_OK = 0,
	CLI_FAIL = 1,		/* bad input, failed work */
	CLI_USAGE = 2		/* bad command line */
};

/* What an option's value is, and what cli_parse() stores at its offset in
 * the command's options struct. */
enum cli_kind {
	CLI_FLAG,		/* no value; int: 1 */
	CLI_SET,		/* no value; int: .value */
	CLI_STRING,		/* const char *: the value as given */
	CLI_U64,		/* uint64_t: a number .min to .max, decimal or 0x hex */
	CLI_U32,		/* uint32_t: likewise */
	CLI_INT,		/* int: likewise */
	CLI_CHOICE,		/* int: the .value of the word given, one of .choices */
	CLI_PARSE		/* whatever .parse() makes of the value */
};

struct cli_choice {
	const char *word;	/* NULL ends the list */
	int value;
	int hidden;		/* an alias: accepted, not listed */
};

struct cli_option {
	const char *name;	/* "top" for --top; NULL ends a table */
	char short_name;	/* 'o' for -o as well, 0: none */
	const char *arg;	/* the value's name in help ("N"); NULL: a flag */
	const char *help;	/* its help; '\n' starts another line */
	enum cli_kind kind;
	size_t offset;		/* where the value goes in the options struct */
	int value;		/* CLI_SET: what it stores */
	uint64_t min, max;	/* the numbers: the range (max 0: the type's limit) */
	const struct cli_choice *choices;	/* CLI_CHOICE */
	/* CLI_PARSE: reads arg into dest (at offset); 0, or -1 when it is
	 * not valid. */
	int (*parse)(void *dest, const char *arg);
	/* The usage message for a value that is not valid, with "%s" where
	 * the value goes (at most once); NULL: "--NAME needs a number from
	 * MIN to MAX", "--NAME takes A, B or C". */
	const char *error;
	/* Options with the same text exclude each other: it is the message
	 * when two are given. */
	const char *conflict;
};

/* What cli_parse() leaves for the command's run(). */
struct cli_args {
	const struct command *cmd;
	struct cli_common common;
	int argc;		/* the arguments that are not options, in order */
	char **argv;		/* (NULL-terminated; owned by cli_args_fini) */
	uint64_t given;		/* bit i: the command's option i was given */
};

/* Reads argv[1..argc) (argv[0] is the command's name) by cmd's options
 * into opts (already holding the defaults) and args.  Options and other
 * arguments may come in any order (unless cmd says in_order: then the
 * first other argument ends the options), "--" ends the options, a value
 * follows its option ("--top 5", "--top=5", "-o OUT", "-oOUT"), and an
 * option may be cut to a prefix no other option shares.  Returns CLI_RUN
 * to go on; CLI_OK after printing --help; CLI_USAGE after printing what
 * was wrong.  Call cli_args_fini() whatever it returns. */
int cli_parse(const struct command *cmd, int argc, char **argv, void *opts, struct cli_args *args);
void cli_args_fini(struct cli_args *args);

/* 1 when the command's option named name was on the command line. */
int cli_given(const struct cli_args *args, const char *name);

/* A CLI_PARSE reader: "COLSxROWS" (1 to 1000 each) into the cols and rows
 * of the struct screen_opts at dest (--size of the viewer and lessons). */
int cli_parse_size(void *dest, const char *arg);

/* Writes cmd's options, one per line, with their help, as --help shows
 * them (its own, then --format, --json, --help). */
void cli_print_options(FILE *out, const struct command *cmd);

/* Progress on stderr for long work: a "\r what NN%" line while stderr is a
 * terminal, nothing otherwise; cli_progress_end() clears the line. */
struct cli_progress {
	struct progress prog;	/* pass &cp.prog to the work */
	int tty;
	int shown;
};
void cli_progress_begin(struct cli_progress *cp);
void cli_progress_end(struct cli_progress *cp);

/* Loads path (format sniffed unless common->format), showing progress on
 * stderr when it is a terminal.  On failure prints the error line and
 * returns CLI_FAIL. */
int cli_open(const char *path, struct cli_common *common, struct heap **out);

/* Messages: the arguments are raw (file names, strings from a snapshot as
 * they are): the formatted message is escaped as a whole (text_escape), so
 * never pass text that is escaped already (cli_str, cli_text). */

/* Prints "heapglass CMD: MESSAGE (see heapglass CMD --help)" on stderr
 * (for the viewer, whose name is NULL: "heapglass: MESSAGE (see heapglass
 * --help)") and returns CLI_USAGE. */
int cli_usage(const struct command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints "heapglass: MESSAGE" on stderr and returns CLI_FAIL. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parses a non-negative integer option value; returns 0 or -1. */
int cli_parse_u64(const char *s, uint64_t *out);

/* Prints j (and a newline) on stdout and releases it.  Returns CLI_OK, or
 * CLI_FAIL when stdout fails. */
int cli_print_json(json_t *j);

/* A JSON string of heap string s, escaped for safety (text_escape). */
json_t *cli_json_str(const struct heap *h, heap_str_t s);

/* A JSON integer for an unsigned 64-bit value (ids above 2^63 become
 * their decimal string, since JSON integers are signed here). */
json_t *cli_json_u64(uint64_t v);

/* A JSON string of text s (a file name, a message), escaped as
 * cli_json_str() escapes; never NULL, whatever bytes s holds. */
json_t *cli_json_text(const char *s);

/* Writes text s (a file name: any bytes) escaped for a terminal into buf;
 * returns buf. */
const char *cli_text(const char *s, char *buf, size_t size);

/* Writes the name of a reference (an out_name: "[3]" for an index, else
 * its string) escaped for a terminal into buf; returns buf. */
const char *cli_edge(const struct heap *h, uint32_t name, char *buf, size_t size);

/* Writes heap string s escaped for a terminal into buf; returns buf. */
const char *cli_str(const struct heap *h, heap_str_t s, char *buf, size_t size);

#endif
