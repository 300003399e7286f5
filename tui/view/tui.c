#include "tui/view/tui.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "graph/diff.h"
#include "graph/core/mem.h"
#include "graph/core/text.h"
#include "loaders/loader.h"
#include "tui/view/app.h"
#include "tui/cmd/cli.h"
#include "tui/core/draw.h"
#include "tui/core/keys.h"
#include "tui/view/model.h"
#include "tui/core/screen.h"

const char tui_help[] =
	"viewer options (heapglass FILE [OPTIONS]):\n"
	"  --format NAME       read FILE as NAME instead of sniffing it\n"
	"  --mono              monochrome (also when NO_COLOR is set)\n"
	"  --color             colour even when NO_COLOR is set\n"
	"  --ascii             ASCII only (default when the locale is not UTF-8)\n"
	"  --keys SCRIPT       headless: replay the keys in SCRIPT, no terminal needed\n"
	"  --dump-screen FILE  headless: write the final screen as text to FILE ('-': stdout)\n"
	"  --size COLSxROWS    headless screen size (default 80x24)\n"
	"  --timing FILE       headless: per-key handling + redraw time in ms to FILE\n";

struct load_progress {
	const char *path;
	int headless;
	int aborted;
};

/* Draws the load screen; polls the keyboard so q aborts. */
static int load_progress(void *ctx, const char *what, uint64_t done, uint64_t total)
{
	struct load_progress *lp = ctx;
	int y = LINES / 2 - 2, w = COLS - 8;
	char line[256], b1[32], b2[32];

	if (w > 70)
		w = 70;
	if (w < 10)
		w = 10;
	werase(stdscr);
	snprintf(line, sizeof line, "Loading %s", lp->path);
	draw_str(stdscr, y, 4, COLS - 8, line, screen_attr(ROLE_HEADER));
	if (total) {
		double pc = 100.0 * (double)done / (double)total;
		if (strcmp(what, "parsing") == 0 || strstr(what, "read"))
			snprintf(line, sizeof line, "%s: %s of %s (%.0f%%)", what, draw_bytes(b1, sizeof b1, done),
				 draw_bytes(b2, sizeof b2, total), pc);
		else
			snprintf(line, sizeof line, "%s: %s of %s (%.0f%%)", what, draw_count(b1, sizeof b1, done),
				 draw_count(b2, sizeof b2, total), pc);
	} else {
		snprintf(line, sizeof line, "%s", what);
	}
	draw_str(stdscr, y + 1, 4, COLS - 8, line, screen_attr(ROLE_NORMAL));
	draw_fill(stdscr, y + 2, 4, w, screen_attr(ROLE_DIM) | A_REVERSE);
	draw_bar(stdscr, y + 2, 4, w, total ? (double)done / (double)total : 0.0, screen_attr(ROLE_BAR));
	draw_str(stdscr, y + 4, 4, COLS - 8, "q aborts", screen_attr(ROLE_DIM));
	wnoutrefresh(stdscr);
	doupdate();
	if (!lp->headless) {
		int ch;
		while ((ch = wgetch(stdscr)) != ERR)
			if (ch == 'q' || ch == 'Q' || ch == 27) {
				lp->aborted = 1;
				return 1;
			}
	}
	return 0;
}

static int parse_size(const char *s, int *cols, int *rows)
{
	char extra;

	return sscanf(s, "%dx%d%c", cols, rows, &extra) == 2 && *cols > 0 && *rows > 0 && *cols <= 1000 &&
			       *rows <= 1000
		       ? 0
		       : -1;
}

static void oom_hook(void)
{
	screen_fini();
}

/* Writes the ages of c's objects from snapshots ab[0], ab[1] (diff_ages)
 * into c's generation column: 2 old, 1 middle, 0 young.  Returns 0. */
static int ages_into(struct heap *c, struct heap *ab[2])
{
	uint64_t counts[3];

	diff_ages(ab[0], ab[1], c, c->generation, counts);
	c->max_generation = 2;
	return 0;
}

int tui_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "mono", no_argument, NULL, 'm' },
		{ "color", no_argument, NULL, 'c' },
		{ "ascii", no_argument, NULL, 'a' },
		{ "keys", required_argument, NULL, 'k' },
		{ "dump-screen", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "timing", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct screen_opts so = { .theme = THEME_AUTO, .cols = 80, .rows = 24 };
	const char *format = NULL, *keys_path = NULL, *dump_path = NULL, *timing_path = NULL, *path;
	const char *old_path = NULL;	/* heapglass OLD NEW: compare with OLD */
	const char *age_paths[2] = { NULL, NULL };	/* heapglass A B C: ages */
	struct heap *age_h[2] = { NULL, NULL };
	struct analysis *age_b = NULL;	/* B's analysis: the comparison of A B C */
	struct heap *old_h = NULL;
	struct analysis *old_an = NULL;
	struct diff *d = NULL;
	struct key_script ks = { 0 };
	struct error err;
	struct heap *h = NULL;
	struct model *m = NULL;
	struct app *a = NULL;
	struct load_progress lp = { 0 };
	struct progress prog = { load_progress, &lp, 0 };
	FILE *timing = NULL;
	char serr[ERROR_MSG_MAX];
	int c, rc = CLI_FAIL;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'f': format = optarg; break;
		case 'm': so.theme = THEME_MONO; break;
		case 'c': so.theme = THEME_COLOR; break;
		case 'a': so.ascii = 1; break;
		case 'k': keys_path = optarg; break;
		case 'd': dump_path = optarg; break;
		case 't': timing_path = optarg; break;
		case 's':
			if (parse_size(optarg, &so.cols, &so.rows) != 0) {
				fprintf(stderr, "heapglass: --size wants COLSxROWS, like 80x24\n");
				return CLI_USAGE;
			}
			break;
		case 'h': printf("usage: heapglass FILE [OPTIONS]\n\n%s", tui_help); return CLI_OK;
		default:
			fprintf(stderr, "heapglass: unknown option '%s' (see heapglass --help)\n", argv[optind - 1]);
			return CLI_USAGE;
		}
	}
	if (optind == argc || optind + 3 < argc) {
		fprintf(stderr, "heapglass: %s (see heapglass --help)\n", optind == argc ? "a FILE is needed" : "one FILE, two to compare (OLD NEW) or three V8 snapshots for ages (A B C)");
		return CLI_USAGE;
	}
	if (optind + 3 == argc) {
		age_paths[0] = argv[optind++];
		age_paths[1] = argv[optind];
	}
	if (optind + 2 == argc)
		old_path = argv[optind++];
	path = argv[optind];
	if ((dump_path || timing_path) && !keys_path) {
		fprintf(stderr, "heapglass: --dump-screen and --timing need --keys SCRIPT\n");
		return CLI_USAGE;
	}
	if (keys_path) {
		if (keys_script_load(keys_path, &ks, &err) != 0) {
			fprintf(stderr, "heapglass: %s\n", err.msg);
			return CLI_USAGE;
		}
		so.headless = 1;
		lp.headless = 1;
	} else if (!isatty(0) || !isatty(1)) {
		fprintf(stderr, "heapglass: the viewer needs a terminal; for scripts use a command "
				"(heapglass info %s) or --keys\n", path);
		return CLI_USAGE;
	}
	if (timing_path) {
		timing = strcmp(timing_path, "-") == 0 ? stdout : fopen(timing_path, "w");
		if (!timing) {
			fprintf(stderr, "heapglass: %s: cannot write\n", timing_path);
			keys_script_fini(&ks);
			return CLI_FAIL;
		}
	}
	lp.path = path;
	mem_set_oom_hook(oom_hook);
	if (screen_init(&so, serr, sizeof serr) != 0) {
		fprintf(stderr, "heapglass: %s\n", serr);
		goto out;
	}
	if (!so.headless)
		wtimeout(stdscr, 0);
	/* A B C: C's generation column becomes the ages (diff.h), before
	 * anything reads it. */
	for (int i = 0; i < 2 && age_paths[0]; i++) {
		lp.path = age_paths[i];
		if (loader_open(age_paths[i], format, &prog, &age_h[i], &err) != 0)
			break;
		if (!age_h[i]->format || strcmp(age_h[i]->format, "v8") != 0) {
			error_set(&err, "%s is not a V8 snapshot; ages need ids that are stable across snapshots "
				  "(three V8 snapshots of one process)", age_paths[i]);
			break;
		}
	}
	lp.path = path;
	if ((age_paths[0] && (!age_h[0] || !age_h[1] || !age_h[1]->format ||
			      strcmp(age_h[1]->format, "v8") != 0)) ||
	    loader_open(path, format, &prog, &h, &err) != 0 ||
	    (age_paths[0] && strcmp(h->format, "v8") != 0 &&
	     error_set(&err, "%s is not a V8 snapshot; ages need ids that are stable across snapshots", path)) ||
	    (age_paths[0] && ages_into(h, age_h)) ||
	    !(m = model_new(h, &prog, &err))) {
		char safe[ERROR_MSG_MAX * 2];
		screen_fini();
		if (lp.aborted) {
			fprintf(stderr, "heapglass: %s: loading aborted\n", path);
		} else {
			text_escape(safe, sizeof safe, err.msg, strlen(err.msg), 0);
			fprintf(stderr, "heapglass: %s\n", safe);
		}
		goto out;
	}
	/* A B C: the comparison is B -> C with the leak candidates (objects
	 * of C born between A and B) */
	if (age_paths[0]) {
		lp.path = age_paths[1];
		if (analysis_run(age_h[1], &prog, &age_b, &err) != 0 ||
		    diff_run_ages(age_h[0], age_b, m->an, &d, &err) != 0) {
			char safe[ERROR_MSG_MAX * 2];
			screen_fini();
			if (lp.aborted) {
				fprintf(stderr, "heapglass: %s: loading aborted\n", age_paths[1]);
			} else {
				text_escape(safe, sizeof safe, err.msg, strlen(err.msg), 0);
				fprintf(stderr, "heapglass: %s\n", safe);
			}
			goto out;
		}
		old_path = age_paths[0];
	} else if (old_path) {
		lp.path = old_path;
		if (loader_open(old_path, format, &prog, &old_h, &err) != 0 ||
		    analysis_run(old_h, &prog, &old_an, &err) != 0 || diff_run(old_an, m->an, DIFF_AUTO, &d, &err) != 0) {
			char safe[ERROR_MSG_MAX * 2];
			screen_fini();
			if (lp.aborted) {
				fprintf(stderr, "heapglass: %s: loading aborted\n", old_path);
			} else {
				text_escape(safe, sizeof safe, err.msg, strlen(err.msg), 0);
				fprintf(stderr, "heapglass: %s\n", safe);
			}
			goto out;
		}
	}
	if (!so.headless)
		wtimeout(stdscr, -1);
	a = mem_alloc(sizeof *a);
	app_init(a, h, m, path);
	a->diff = d;
	a->diff_path = old_path;
	app_run(a, keys_path ? &ks : NULL, timing);
	rc = CLI_OK;
	if (dump_path) {
		FILE *f = strcmp(dump_path, "-") == 0 ? stdout : fopen(dump_path, "w");
		if (!f || screen_dump(f) != 0) {
			rc = CLI_FAIL;
			screen_fini();
			fprintf(stderr, "heapglass: %s: cannot write the screen dump\n", dump_path);
		}
		if (f && f != stdout)
			fclose(f);
	}
	screen_fini();
out:
	if (a) {
		app_fini(a);
		free(a);
	}
	diff_free(d);
	analysis_free(age_b);
	heap_free(age_h[0]);
	heap_free(age_h[1]);
	analysis_free(old_an);
	heap_free(old_h);
	model_free(m);
	heap_free(h);
	keys_script_fini(&ks);
	if (timing && timing != stdout)
		fclose(timing);
	return rc;
}
