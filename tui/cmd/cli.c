#include "tui/cmd/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "graph/core/text.h"
#include "loaders/loader.h"

const char cli_common_help[] =
	"  --format NAME   read FILE as NAME (csv, v8, hprof, dot) instead of sniffing it\n"
	"  --json          print JSON for scripts instead of text\n"
	"  -h, --help      show this help\n";

static int stderr_progress(void *ctx, const char *what, uint64_t done, uint64_t total)
{
	struct cli_progress *ps = ctx;

	if (!ps->tty)
		return 0;
	if (total)
		fprintf(stderr, "\r\033[K%s %3.0f%%", what, 100.0 * (double)done / (double)total);
	else
		fprintf(stderr, "\r\033[K%s %llu", what, (unsigned long long)done);
	ps->shown = 1;
	return 0;
}

void cli_progress_begin(struct cli_progress *cp)
{
	cp->tty = isatty(2);
	cp->shown = 0;
	cp->prog = (struct progress){ .fn = stderr_progress, .ctx = cp, .next_ns = 0 };
}

void cli_progress_end(struct cli_progress *cp)
{
	if (cp->shown)
		fprintf(stderr, "\r\033[K");
	cp->shown = 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cli_open(const char *path, struct cli_common *common, struct heap **out)
{
	struct cli_progress cp;
	struct error err;
	double t0 = now_s();
	int rc;

	cli_progress_begin(&cp);
	rc = loader_open(path, common->format, &cp.prog, out, &err);
	cli_progress_end(&cp);
	common->load_seconds = now_s() - t0;
	if (rc != 0)
		return cli_fail("%s", err.msg);
	return CLI_OK;
}

/* Writes "PREFIX: " and the formatted message, escaped as a whole (its
 * arguments are raw file names and strings from a snapshot), then SUFFIX
 * and a newline, on stderr. */
static void message(const char *prefix, const char *suffix, const char *fmt, va_list ap)
{
	char raw[ERROR_MSG_MAX * 2], safe[ERROR_MSG_MAX * 4];

	vsnprintf(raw, sizeof raw, fmt, ap);
	text_escape(safe, sizeof safe, raw, strlen(raw), 0);
	fprintf(stderr, "%s: %s%s\n", prefix, safe, suffix);
}

int cli_usage(const struct command *cmd, const char *fmt, ...)
{
	char prefix[64], suffix[64];
	va_list ap;

	snprintf(prefix, sizeof prefix, "heapglass %s", cmd->name);
	snprintf(suffix, sizeof suffix, " (see heapglass %s --help)", cmd->name);
	va_start(ap, fmt);
	message(prefix, suffix, fmt, ap);
	va_end(ap);
	return CLI_USAGE;
}

int cli_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	message("heapglass", "", fmt, ap);
	va_end(ap);
	return CLI_FAIL;
}

int cli_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int cli_print_json(json_t *j)
{
	int rc = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	json_decref(j);
	fputc('\n', stdout);
	if (rc != 0 || fflush(stdout) != 0)
		return cli_fail("cannot write the output: %s", strerror(errno));
	return CLI_OK;
}

json_t *cli_json_str(const struct heap *h, heap_str_t s)
{
	size_t len;
	const char *str = heap_string(h, s, &len);
	char buf[4096];

	text_escape(buf, sizeof buf, str, len, 0);
	return json_string(buf);
}

json_t *cli_json_u64(uint64_t v)
{
	char buf[32];

	if (v <= (uint64_t)INT64_MAX)
		return json_integer((json_int_t)v);
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
	return json_string(buf);
}

json_t *cli_json_text(const char *s)
{
	char buf[4096];

	text_escape(buf, sizeof buf, s, strlen(s), 0);
	return json_string(buf);
}

const char *cli_text(const char *s, char *buf, size_t size)
{
	text_escape(buf, size, s, strlen(s), 0);
	return buf;
}

const char *cli_edge(const struct heap *h, uint32_t name, char *buf, size_t size)
{
	if (name & HEAP_NAME_INDEX)
		return heap_edge_name(h, name, buf, size);
	return cli_str(h, name, buf, size);
}

const char *cli_str(const struct heap *h, heap_str_t s, char *buf, size_t size)
{
	size_t len;
	const char *str = heap_string(h, s, &len);

	text_escape(buf, size, str, len, 0);
	return buf;
}
