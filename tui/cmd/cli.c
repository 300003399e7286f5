#include "tui/cmd/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "graph/core/mem.h"
#include "graph/core/text.h"
#include "loaders/loader.h"
#include "tui/cmd/command.h"
#include "tui/core/screen.h"

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

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

int cli_open(const char *path, struct cli_common *common, struct heap **out)
{
	struct cli_progress cp;
	struct error err;
	double t0 = now_s(), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	int rc;

	cli_progress_begin(&cp);
	rc = loader_open(path, common->format, &cp.prog, out, &err);
	cli_progress_end(&cp);
	common->load_seconds = now_s() - t0;
	common->load_cpu_seconds = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
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

	snprintf(prefix, sizeof prefix, "heapglass%s%s", cmd->name ? " " : "", cmd->name ? cmd->name : "");
	snprintf(suffix, sizeof suffix, " (see heapglass%s%s --help)", cmd->name ? " " : "",
		 cmd->name ? cmd->name : "");
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

/* ---- declared options ---- */

enum {
	OPT_MAX = 64,		/* own options of a command at most (bits of given) */
	HELP_COL_MAX = 24	/* help text starts at most at this column */
};

/* The options every command may take, by struct command.common; their
 * values go into struct cli_common. */
static const struct cli_option format_option = {
	.name = "format", .arg = "NAME", .kind = CLI_STRING, .offset = offsetof(struct cli_common, format),
};
static const struct cli_option json_option = {
	.name = "json", .kind = CLI_FLAG, .offset = offsetof(struct cli_common, json),
};
static const struct cli_option help_option = {
	.name = "help", .short_name = 'h', .help = "show this help",
};

/* Option k of cmd: its own, then the common ones it takes, then --help;
 * NULL past the end. */
static const struct cli_option *option_at(const struct command *cmd, size_t k)
{
	size_t n = 0;

	while (cmd->options && cmd->options[n].name)
		n++;
	if (k < n)
		return &cmd->options[k];
	k -= n;
	if ((cmd->common & CLI_FORMAT) && k-- == 0)
		return &format_option;
	if ((cmd->common & CLI_JSON) && k-- == 0)
		return &json_option;
	return k == 0 ? &help_option : NULL;
}

static int own(const struct command *cmd, const struct cli_option *o)
{
	return o != &format_option && o != &json_option && o != &help_option && cmd->options;
}

/* The option a is (a long name, cut to a unique prefix, or a short one),
 * NULL if none; *k its index. */
static const struct cli_option *find_option(const struct command *cmd, const char *a, size_t *k)
{
	const struct cli_option *o, *hit = NULL;
	size_t len, hits = 0;

	if (a[1] != '-') {
		for (*k = 0; (o = option_at(cmd, *k)); (*k)++)
			if (o->short_name && o->short_name == a[1])
				return o;
		return NULL;
	}
	a += 2;
	len = strcspn(a, "=");
	for (size_t i = 0; (o = option_at(cmd, i)); i++) {
		if (strncmp(o->name, a, len) != 0)
			continue;
		if (o->name[len] == '\0') {
			*k = i;
			return o;
		}
		hit = o;
		*k = i;
		hits++;
	}
	return hits == 1 ? hit : NULL;
}

/* The largest number o takes. */
static uint64_t max_of(const struct cli_option *o)
{
	if (o->max)
		return o->max;
	return o->kind == CLI_U32 ? UINT32_MAX : o->kind == CLI_INT ? INT_MAX : UINT64_MAX;
}

static int bad_value(const struct command *cmd, const struct cli_option *o, const char *value)
{
	char list[256];
	size_t n = 0, shown = 0;

	if (o->error)
		return cli_usage(cmd, o->error, value);
	if (o->kind == CLI_CHOICE) {
		for (size_t i = 0; o->choices[i].word; i++)
			shown += !o->choices[i].hidden;
		list[0] = '\0';
		for (size_t i = 0, j = 0; o->choices[i].word && n < sizeof list; i++) {
			if (o->choices[i].hidden)
				continue;
			j++;
			n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", j == 1 ? "" : j == shown ? " or " : ", ",
					      o->choices[i].word);
		}
		return cli_usage(cmd, "--%s takes %s", o->name, list);
	}
	if (o->kind == CLI_PARSE)
		return cli_usage(cmd, "--%s: '%s' is not a valid value", o->name, value);
	return cli_usage(cmd, "--%s needs a number from %llu to %llu", o->name, (unsigned long long)o->min,
			 (unsigned long long)max_of(o));
}

/* Stores value (NULL for a flag) as o says at base.  Returns 0, or the
 * status to exit with. */
static int store(const struct command *cmd, const struct cli_option *o, char *base, const char *value)
{
	uint64_t v;

	switch (o->kind) {
	case CLI_FLAG:
		*(int *)(base + o->offset) = 1;
		return 0;
	case CLI_SET:
		*(int *)(base + o->offset) = o->value;
		return 0;
	case CLI_STRING:
		*(const char **)(base + o->offset) = value;
		return 0;
	case CLI_CHOICE:
		for (size_t i = 0; o->choices[i].word; i++)
			if (strcmp(o->choices[i].word, value) == 0) {
				*(int *)(base + o->offset) = o->choices[i].value;
				return 0;
			}
		return bad_value(cmd, o, value);
	case CLI_PARSE:
		return o->parse(base + o->offset, value) == 0 ? 0 : bad_value(cmd, o, value);
	default:
		break;
	}
	if (cli_parse_u64(value, &v) != 0 || v < o->min || v > max_of(o))
		return bad_value(cmd, o, value);
	if (o->kind == CLI_U32)
		*(uint32_t *)(base + o->offset) = (uint32_t)v;
	else if (o->kind == CLI_INT)
		*(int *)(base + o->offset) = (int)v;
	else
		*(uint64_t *)(base + o->offset) = v;
	return 0;
}

/* The usage error when option k excludes one given before, else 0. */
static int conflict(const struct command *cmd, const struct cli_args *args, size_t k)
{
	const struct cli_option *o = option_at(cmd, k), *p;

	if (!o->conflict)
		return 0;
	for (size_t i = 0; i < OPT_MAX && (p = option_at(cmd, i)) && own(cmd, p); i++)
		if (i != k && (args->given >> i & 1) && p->conflict && strcmp(p->conflict, o->conflict) == 0)
			return cli_usage(cmd, "%s", o->conflict);
	return 0;
}

int cli_parse(const struct command *cmd, int argc, char **argv, void *opts, struct cli_args *args)
{
	int only_args = 0;

	memset(args, 0, sizeof *args);
	args->cmd = cmd;
	args->argv = mem_alloc(((size_t)(argc > 0 ? argc : 0) + 1) * sizeof *args->argv);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *value = NULL;
		const struct cli_option *o;
		size_t k;
		int rc;

		if (only_args || a[0] != '-' || a[1] == '\0') {
			args->argv[args->argc++] = argv[i];
			only_args |= cmd->in_order;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_args = 1;
			continue;
		}
		o = find_option(cmd, a, &k);
		if (o && a[1] == '-' && strchr(a, '='))
			value = strchr(a, '=') + 1;
		else if (o && a[1] != '-' && a[2])
			value = a + 2;
		if (!o || (value && !o->arg))
			return cli_usage(cmd, "unknown option '%s'", a);
		if (o == &help_option) {
			command_print_help(cmd);
			return CLI_OK;
		}
		if (o->arg && !value) {
			if (i + 1 == argc)
				return cli_usage(cmd, "option '%s' needs a value", a);
			value = argv[++i];
		}
		rc = store(cmd, o, own(cmd, o) ? opts : (char *)&args->common, value);
		if (rc != 0)
			return rc;
		if (own(cmd, o) && k < OPT_MAX) {
			rc = conflict(cmd, args, k);
			if (rc != 0)
				return rc;
			args->given |= (uint64_t)1 << k;
		}
	}
	args->argv[args->argc] = NULL;
	return CLI_RUN;
}

void cli_args_fini(struct cli_args *args)
{
	free(args->argv);
	args->argv = NULL;
	args->argc = 0;
}

int cli_given(const struct cli_args *args, const char *name)
{
	const struct cli_option *o;

	for (size_t i = 0; i < OPT_MAX && (o = option_at(args->cmd, i)) && own(args->cmd, o); i++)
		if (strcmp(o->name, name) == 0)
			return (int)(args->given >> i & 1);
	return 0;
}

int cli_parse_size(void *dest, const char *arg)
{
	struct screen_opts *so = dest;
	int cols, rows;
	char extra;

	if (sscanf(arg, "%dx%d%c", &cols, &rows, &extra) != 2 || cols < 1 || rows < 1 || cols > 1000 ||
	    rows > 1000)
		return -1;
	so->cols = cols;
	so->rows = rows;
	return 0;
}

/* "-o, --output OUT" */
static void option_left(const struct cli_option *o, char *buf, size_t size)
{
	if (o->short_name && o->arg)
		snprintf(buf, size, "-%c, --%s %s", o->short_name, o->name, o->arg);
	else if (o->short_name)
		snprintf(buf, size, "-%c, --%s", o->short_name, o->name);
	else
		snprintf(buf, size, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

/* The format list, from loader_table: "hprof, v8, csv or dot". */
static const char *format_names(char *buf, size_t size)
{
	size_t n = 0, count = 0;

	while (loader_table[count])
		count++;
	buf[0] = '\0';
	for (size_t i = 0; i < count && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i == 0 ? "" : i + 1 == count ? " or " : ", ",
				      loader_table[i]->name);
	return buf;
}

void cli_print_options(FILE *out, const struct command *cmd)
{
	const struct cli_option *o;
	char left[96], formats[128], fhelp[256];
	int col = 0;

	for (size_t k = 0; (o = option_at(cmd, k)); k++) {
		option_left(o, left, sizeof left);
		if ((int)strlen(left) + 4 > col)
			col = (int)strlen(left) + 4;
	}
	if (col > HELP_COL_MAX)
		col = HELP_COL_MAX;
	snprintf(fhelp, sizeof fhelp, "read as format NAME (%s) instead of sniffing it",
		 format_names(formats, sizeof formats));
	for (size_t k = 0; (o = option_at(cmd, k)); k++) {
		const char *help = o->help, *nl;
		int w;
		if (o == &format_option)
			help = fhelp;
		else if (o == &json_option)
			help = cmd->json_help ? cmd->json_help : "print JSON for scripts instead of text";
		option_left(o, left, sizeof left);
		w = fprintf(out, "  %s", left);
		/* each line of the help at col, the first beside the option */
		do {
			nl = strchr(help, '\n');
			fprintf(out, "%*s%.*s\n", w + 2 > col ? 2 : col - w, "", (int)(nl ? nl - help : (ptrdiff_t)strlen(help)),
				help);
			w = 0;
			help = nl ? nl + 1 : NULL;
		} while (help);
	}
}
