/* cli: what the subcommands share: opening a snapshot with progress on
 * stderr, option parsing for the common options, JSON and text output.
 *
 * Every command prints one line "heapglass: ..." on stderr and returns a
 * non-zero status on bad input; nothing below it prints.
 */
#ifndef HEAPGLASS_CLI_H
#define HEAPGLASS_CLI_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/heap.h"
#include "graph/core/progress.h"
#include "tui/cmd/command.h"

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

/* Options every command that reads a snapshot accepts. */
struct cli_common {
	const char *format;	/* --format NAME, NULL to sniff */
	int json;		/* --json */
	double load_seconds;	/* filled by cli_open */
};

enum cli_status {
	CLI_OK = 0,
	CLI_FAIL = 1,		/* bad input, failed work */
	CLI_USAGE = 2		/* bad command line */
};

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

/* Prints "heapglass CMD: MESSAGE (see heapglass CMD --help)" on stderr and
 * returns CLI_USAGE. */
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

/* Prints the standard options block for `--help` of snapshot commands. */
extern const char cli_common_help[];

#endif
