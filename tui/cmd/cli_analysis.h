/* cli_analysis: what the engine's commands (types, top, cycles,
 * unreachable, path, info) share: running the analysis with progress on
 * stderr, finding an object by the id a user typed, and printing an object
 * as text or JSON.
 */
#ifndef HEAPGLASS_CLI_ANALYSIS_H
#define HEAPGLASS_CLI_ANALYSIS_H

#include <jansson.h>
#include <stdint.h>

#include "graph/analysis.h"
#include "graph/heap.h"
#include "tui/cmd/cli.h"
#include "tui/cmd/command.h"

/* Runs analysis_run on h with progress on stderr (when a terminal).  On
 * failure prints the error line and returns CLI_FAIL; else CLI_OK. */
int cli_analysis_run(const struct heap *h, struct analysis **out);

/* What most snapshot commands do after their options: args must hold the
 * one FILE (else a usage error); opens it with args' --format and runs the
 * analysis.  Returns CLI_OK with *h and *a (the caller frees both), or the
 * status to exit with (nothing to free). */
int cli_analysis_open(struct cli_args *args, struct heap **h, struct analysis **a);

/* Parses ID (decimal or 0x hex, the runtime's object id) and finds it.
 * Bad syntax: usage message, CLI_USAGE.  No such object: one line naming
 * the id and file, CLI_FAIL.  Else CLI_OK and *out. */
int cli_analysis_find(const struct command *cmd, const struct heap *h, const char *file,
		      const char *id, heap_node_t *out);

/* {"id", "type", "name"} of node v. */
json_t *cli_analysis_node_json(const struct heap *h, heap_node_t v);

/* Writes "TYPE NAME @ID" (escaped, at most size bytes) into buf, "TYPE @ID"
 * when the name is empty or the type itself; returns buf. */
const char *cli_analysis_node_text(const struct heap *h, heap_node_t v, char *buf, size_t size);

/* A byte count for a column: "1.5 MiB" (always the unit). */
const char *cli_analysis_bytes(uint64_t bytes, char *buf, size_t size);

#endif
