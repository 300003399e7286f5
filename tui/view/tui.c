#include "tui/view/tui.h"

#include <stddef.h>
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
#include "tui/cmd/command.h"
#include "tui/core/draw.h"
#include "tui/core/keys.h"
#include "tui/view/model.h"
#include "tui/core/screen.h"

struct view_opts {
	struct screen_opts so;
	const char *keys, *dump, *timing;
};

static const struct view_opts defaults = { .so = { .theme = THEME_AUTO, .cols = 80, .rows = 24 } };

static const struct cli_option options[] = {
	{ .name = "mono", .kind = CLI_SET, .offset = offsetof(struct view_opts, so.theme), .value = THEME_MONO,
	  .help = "monochrome (also when NO_COLOR is set)" },
	{ .name = "color", .kind = CLI_SET, .offset = offsetof(struct view_opts, so.theme), .value = THEME_COLOR,
	  .help = "colour even when NO_COLOR is set" },
	{ .name = "ascii", .kind = CLI_FLAG, .offset = offsetof(struct view_opts, so.ascii),
	  .help = "ASCII only (default when the locale is not UTF-8)" },
	{ .name = "keys", .arg = "SCRIPT", .kind = CLI_STRING, .offset = offsetof(struct view_opts, keys),
	  .help = "headless: replay the keys in SCRIPT, no terminal needed" },
	{ .name = "dump-screen", .arg = "FILE", .kind = CLI_STRING, .offset = offsetof(struct view_opts, dump),
	  .help = "headless: write the final screen as text to FILE ('-': stdout)" },
	{ .name = "size", .arg = "COLSxROWS", .kind = CLI_PARSE, .offset = offsetof(struct view_opts, so),
	  .parse = cli_parse_size, .error = "--size wants COLSxROWS, like 80x24",
	  .help = "headless screen size (default 80x24)" },
	{ .name = "timing", .arg = "FILE", .kind = CLI_STRING, .offset = offsetof(struct view_opts, timing),
	  .help = "headless: per-key handling + redraw time in ms to FILE" },
	{ .name = NULL },
};

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
			if (ch == 'q' || ch == 'Q' || ch == KEYS_ESC) {
				lp->aborted = 1;
				return 1;
			}
	}
	return 0;
}

static void oom_hook(void)
{
	screen_fini();
}

/* c with the ages of its objects from snapshots ab[0], ab[1] (diff_ages)
 * as its generations: 2 old, 1 middle, 0 young.  c stays as it is. */
static struct heap *aged(const struct heap *c, struct heap *ab[2])
{
	uint64_t counts[3];
	uint8_t *gen = mem_alloc(c->n_nodes ? c->n_nodes : 1);
	struct heap *d;

	diff_ages(ab[0], ab[1], c, gen, counts);
	d = heap_regenerate(c, gen, 2);
	free(gen);
	return d;
}

static int run(void *opts, struct cli_args *args)
{
	struct view_opts *vo = opts;
	struct screen_opts so = vo->so;
	const char *format = args->common.format, *keys_path = vo->keys, *dump_path = vo->dump;
	const char *timing_path = vo->timing, *path;
	const char *old_path = NULL;	/* heapglass OLD NEW: compare with OLD */
	const char *age_paths[2] = { NULL, NULL };	/* heapglass A B C: ages */
	struct heap *age_h[2] = { NULL, NULL };
	struct analysis *age_b = NULL;	/* B's analysis: the comparison of A B C */
	struct heap *old_h = NULL;
	struct analysis *old_an = NULL;
	struct diff *d = NULL;
	struct key_script ks = { 0 };
	struct error err;
	struct heap *c = NULL;	/* FILE as loaded */
	struct heap *h = NULL;	/* what the viewer shows: c, or c with ages */
	struct model *m = NULL;
	struct app *a = NULL;
	struct load_progress lp = { 0 };
	struct progress prog = { load_progress, &lp, 0 };
	FILE *timing = NULL;
	char serr[ERROR_MSG_MAX];
	int rc = CLI_FAIL, next = 0;

	if (args->argc == 0 || args->argc > 3)
		return cli_usage(&tui_command, args->argc == 0 ? "a FILE is needed" :
					"one FILE, two to compare (OLD NEW) or three V8 snapshots for ages (A B C)");
	if (args->argc == 3) {
		age_paths[0] = args->argv[next++];
		age_paths[1] = args->argv[next];
	}
	if (args->argc - next == 2)
		old_path = args->argv[next++];
	path = args->argv[next];
	if ((dump_path || timing_path) && !keys_path)
		return cli_usage(&tui_command, "--dump-screen and --timing need --keys SCRIPT");
	if (keys_path) {
		if (keys_script_load(keys_path, &ks, &err) != 0) {
			cli_fail("%s", err.msg);
			return CLI_USAGE;
		}
		so.headless = 1;
		lp.headless = 1;
	} else if (!isatty(0) || !isatty(1)) {
		cli_fail("the viewer needs a terminal; for scripts use a command (heapglass info %s) or --keys",
			 path);
		return CLI_USAGE;
	}
	if (timing_path) {
		timing = strcmp(timing_path, "-") == 0 ? stdout : fopen(timing_path, "w");
		if (!timing) {
			cli_fail("%s: cannot write", timing_path);
			keys_script_fini(&ks);
			return CLI_FAIL;
		}
	}
	lp.path = path;
	mem_set_oom_hook(oom_hook);
	if (screen_init(&so, serr, sizeof serr) != 0) {
		cli_fail("%s", serr);
		goto out;
	}
	if (!so.headless)
		wtimeout(stdscr, 0);
	/* A B C: the viewer shows C with the ages (diff.h) as generations. */
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
	    loader_open(path, format, &prog, &c, &err) != 0 ||
	    (age_paths[0] && strcmp(c->format, "v8") != 0 &&
	     error_set(&err, "%s is not a V8 snapshot; ages need ids that are stable across snapshots", path)) ||
	    !(h = age_paths[0] ? aged(c, age_h) : c) ||
	    !(m = model_new(h, &prog, &err))) {
		screen_fini();
		if (lp.aborted)
			cli_fail("%s: loading aborted", path);
		else
			cli_fail("%s", err.msg);
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
			screen_fini();
			if (lp.aborted)
				cli_fail("%s: loading aborted", old_path);
			else
				cli_fail("%s", err.msg);
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
			cli_fail("%s: cannot write the screen dump", dump_path);
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
	if (h != c)
		heap_free(h);
	heap_free(c);
	keys_script_fini(&ks);
	if (timing && timing != stdout)
		fclose(timing);
	return rc;
}

int tui_main(int argc, char **argv)
{
	return command_run(&tui_command, argc, argv);
}

const struct command tui_command = {
	.name = NULL,
	.usage = "FILE [OPTIONS]",
	.summary = "Open the viewer on FILE; with OLD NEW, on NEW and what changed since OLD; with\n"
		   "three V8 snapshots A B C, on C with each object's age.",
	.options = options,
	.common = CLI_FORMAT,
	.opts_size = sizeof(struct view_opts),
	.defaults = &defaults,
	.run = run,
};
