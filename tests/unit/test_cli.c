/* Unit tests of the command line's one parser (tui/cmd/cli.c cli_parse):
 * against glibc's getopt_long, the parser every command used before the
 * options were declared, on random command lines; then the values and the
 * errors getopt_long leaves to each command (ranges, choices, conflicts). */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/oracle.h"
#include "tui/cmd/cli.h"
#include "tui/cmd/command.h"

struct t_opts {
	int all;
	const char *out;
	uint32_t top;
	int sort;
	uint64_t depth;
	int want;
};

static const struct t_opts t_defaults = { .top = 20, .sort = 7, .want = -1 };

static const struct cli_choice sorts[] = {
	{ .word = "size", .value = 1 },
	{ .word = "retained", .value = 2 },
	{ .word = "bytes", .value = 2, .hidden = 1 },
	{ .word = NULL },
};

static const struct cli_option t_options[] = {
	{ .name = "all", .kind = CLI_FLAG, .offset = offsetof(struct t_opts, all), .help = "a flag" },
	{ .name = "output", .short_name = 'o', .arg = "OUT", .kind = CLI_STRING,
	  .offset = offsetof(struct t_opts, out), .help = "a string" },
	{ .name = "top", .arg = "N", .kind = CLI_U32, .offset = offsetof(struct t_opts, top), .help = "a number" },
	{ .name = "sort", .arg = "KEY", .kind = CLI_CHOICE, .offset = offsetof(struct t_opts, sort), .choices = sorts,
	  .help = "a choice" },
	{ .name = "depth", .arg = "D", .kind = CLI_U64, .offset = offsetof(struct t_opts, depth), .min = 1, .max = 9,
	  .help = "a range" },
	{ .name = "garbage", .kind = CLI_SET, .offset = offsetof(struct t_opts, want), .value = 1,
	  .conflict = "--garbage and --live exclude each other", .help = "one" },
	{ .name = "live", .kind = CLI_SET, .offset = offsetof(struct t_opts, want), .value = 0,
	  .conflict = "--garbage and --live exclude each other", .help = "the other" },
	{ .name = NULL },
};

static struct command t_cmd = {
	.name = "t",
	.usage = "t FILE",
	.summary = "a command for tests",
	.options = t_options,
	.common = CLI_FORMAT | CLI_JSON,
};

/* Parses a command line of words with cli_parse.  Returns its status;
 * o and args as it left them. */
static int parse(struct t_opts *o, struct cli_args *args, int n, const char *const *words)
{
	char *argv[64];

	assert_true(n < 63);
	argv[0] = "t";
	for (int i = 0; i < n; i++)
		argv[i + 1] = (char *)words[i];
	argv[n + 1] = NULL;
	*o = t_defaults;
	return cli_parse(&t_cmd, n + 1, argv, o, args);
}

/* What getopt_long makes of the same words, with the same options. */
struct ref {
	int ok;
	struct t_opts o;
	struct cli_common common;
	int argc;
	const char *argv[64];
};

static void reference(struct ref *r, int in_order, int n, const char *const *words)
{
	static const struct option lopts[] = {
		{ "all", no_argument, NULL, 'a' }, { "output", required_argument, NULL, 'o' },
		{ "top", required_argument, NULL, 't' }, { "sort", required_argument, NULL, 's' },
		{ "depth", required_argument, NULL, 'd' }, { "garbage", no_argument, NULL, 'g' },
		{ "live", no_argument, NULL, 'l' }, { "format", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char *argv[64];
	int c;

	argv[0] = "t";
	for (int i = 0; i < n; i++)
		argv[i + 1] = (char *)words[i];
	argv[n + 1] = NULL;
	memset(r, 0, sizeof *r);
	r->o = t_defaults;
	r->ok = 1;
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(n + 1, argv, in_order ? "+ho:" : "ho:", lopts, NULL)) != -1) {
		switch (c) {
		case 'a': r->o.all = 1; break;
		case 'o': r->o.out = optarg; break;
		case 't': r->o.top = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 's': r->o.sort = strcmp(optarg, "size") == 0 ? 1 : 2; break;
		case 'd': r->o.depth = strtoull(optarg, NULL, 0); break;
		case 'g': r->o.want = 1; break;
		case 'l': r->o.want = 0; break;
		case 'f': r->common.format = optarg; break;
		case 'j': r->common.json = 1; break;
		default: r->ok = 0; return;
		}
	}
	for (int i = optind; i <= n; i++)
		r->argv[r->argc++] = argv[i];
}

/* A random word of a command line: an option (whole, cut to a prefix,
 * with its value after '=' or as the next word, short), a value, a
 * positional word, "--" or "-". */
static int random_words(uint64_t *seed, const char **w, int max)
{
	static const char *const flags[] = { "--all", "--al", "--json", "--js", "--garbage", "--ga" };
	static const char *const valued[] = { "--output", "--out", "-o", "--top", "--to", "--sort", "--so",
					      "--depth", "--dep", "--format", "--form" };
	static const char *const eq[] = { "--output=x.dot", "--top=5", "--sort=retained", "--so=bytes",
					  "--depth=3", "--format=csv", "-ox.svg", "-o-" };
	static const char *const values[] = { "12", "0x10", "size", "retained", "2", "-dash.dot", "v8" };
	static const char *const plain[] = { "FILE", "b", "-", "--", "c.dot" };
	int n = (int)(oracle_rand(seed) % (uint64_t)max), k = 0;

	while (k < n) {
		switch (oracle_rand(seed) % 4) {
		case 0:
			w[k++] = flags[oracle_rand(seed) % 6];
			break;
		case 1:
			if (k + 2 > max)
				break;
			w[k] = valued[oracle_rand(seed) % 11];
			/* a value the option takes: a number, a word, a name */
			if (strstr(w[k], "-t") || strstr(w[k], "--dep"))
				w[k + 1] = oracle_rand(seed) % 2 ? "2" : "0x3";
			else if (strstr(w[k], "--so"))
				w[k + 1] = oracle_rand(seed) % 2 ? "size" : "retained";
			else
				w[k + 1] = values[oracle_rand(seed) % 7];
			k += 2;
			break;
		case 2:
			w[k++] = eq[oracle_rand(seed) % 8];
			break;
		default:
			w[k++] = plain[oracle_rand(seed) % 5];
			break;
		}
	}
	return k;
}

static void test_against_getopt(void **state)
{
	uint64_t seed = 0x5eed0c11u;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		const char *w[24];
		int in_order = round % 3 == 2, n = random_words(&seed, w, 20), rc;
		struct t_opts o;
		struct cli_args args;
		struct ref r;

		t_cmd.in_order = in_order;
		reference(&r, in_order, n, w);
		rc = parse(&o, &args, n, w);
		if ((rc == CLI_RUN) != r.ok || (rc == CLI_RUN &&
		    (memcmp(&o, &r.o, sizeof o) != 0 || args.common.json != r.common.json ||
		     args.common.format != r.common.format || args.argc != r.argc))) {
			fprintf(stderr, "round %d (seed 0x5eed0c11, in order %d): cli_parse %d, getopt_long %s:", round,
				in_order, rc, r.ok ? "ok" : "error");
			for (int i = 0; i < n; i++)
				fprintf(stderr, " %s", w[i]);
			fprintf(stderr, "\n");
			fail();
		}
		for (int i = 0; rc == CLI_RUN && i < args.argc; i++)
			assert_ptr_equal(args.argv[i], r.argv[i]);
		cli_args_fini(&args);
	}
	t_cmd.in_order = 0;
}

static int parse_words(struct t_opts *o, const char *line)
{
	const char *w[32];
	char buf[256], *save = NULL;
	struct cli_args args;
	int n = 0, rc;

	snprintf(buf, sizeof buf, "%s", line);
	for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	rc = parse(o, &args, n, w);
	cli_args_fini(&args);
	return rc;
}

/* What getopt_long left to every command: values in range, words among
 * the choices, options that exclude each other, --help. */
static void test_values(void **state)
{
	struct t_opts o;
	struct cli_args args;
	static const char *const words[] = { "--top", "7", "F", "--depth=9", "--sort", "bytes", "--garbage" };

	(void)state;
	assert_int_equal(parse(&o, &args, 7, words), CLI_RUN);
	assert_int_equal(o.top, 7);
	assert_int_equal(o.depth, 9);
	assert_int_equal(o.sort, 2);	/* a hidden alias */
	assert_int_equal(o.want, 1);
	assert_true(cli_given(&args, "top"));
	assert_true(cli_given(&args, "garbage"));
	assert_false(cli_given(&args, "live"));
	assert_false(cli_given(&args, "all"));
	assert_int_equal(args.argc, 1);
	assert_string_equal(args.argv[0], "F");
	assert_null(args.argv[1]);
	cli_args_fini(&args);

	assert_int_equal(parse_words(&o, "--depth 0"), CLI_USAGE);	/* below min */
	assert_int_equal(parse_words(&o, "--depth 10"), CLI_USAGE);	/* above max */
	assert_int_equal(parse_words(&o, "--depth 1"), CLI_RUN);
	assert_int_equal(parse_words(&o, "--top -1"), CLI_USAGE);
	assert_int_equal(parse_words(&o, "--top 4294967296"), CLI_USAGE);	/* above UINT32_MAX */
	assert_int_equal(parse_words(&o, "--top 4294967295"), CLI_RUN);
	assert_int_equal(o.top, UINT32_MAX);
	assert_int_equal(parse_words(&o, "--sort count"), CLI_USAGE);
	assert_int_equal(parse_words(&o, "--garbage --live"), CLI_USAGE);
	assert_int_equal(parse_words(&o, "--live --garbage"), CLI_USAGE);
	assert_int_equal(parse_words(&o, "--garbage --garbage"), CLI_RUN);
	assert_int_equal(parse_words(&o, "--live"), CLI_RUN);
	assert_int_equal(o.want, 0);
	assert_int_equal(parse_words(&o, "--all=1"), CLI_USAGE);	/* a flag takes no value */
	assert_int_equal(parse_words(&o, "--top"), CLI_USAGE);		/* no value */
	assert_int_equal(parse_words(&o, "--g"), CLI_RUN);		/* a prefix only --garbage has */
	assert_int_equal(o.want, 1);
	assert_int_equal(parse_words(&o, "--bogus"), CLI_USAGE);
	assert_int_equal(parse_words(&o, "-x"), CLI_USAGE);
	assert_int_equal(parse_words(&o, "F -- --all"), CLI_RUN);
	assert_int_equal(o.all, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_getopt),
		cmocka_unit_test(test_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
