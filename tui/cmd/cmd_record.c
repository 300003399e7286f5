/* heapglass record: snapshots of a program it runs (-- COMMAND ARGS...)
 * or of a process that is already running (--pid PID, record_attach.c),
 * every few seconds.  The files both share are in record.h.
 *
 * How a program it starts is dumped (the runtime is told by COMMAND's name):
 *   python*  python -c BOOT [interpreter options] SCRIPT|-m MODULE ARGS...
 *            where BOOT imports heapglass_dump (found next to the binary:
 *            loaders/python in a source tree, ../share/heapglass once
 *            installed, or $HEAPGLASS_SHARE), installs record's SIGUSR2
 *            handler (heapglass_dump._record_signal) and runs the script
 *            as __main__ with runpy;
 *   node*    node --require heapglass-preload.js ARGS..., whose SIGUSR2
 *            handler streams v8.getHeapSnapshot() into a new file;
 *   java     runs as is; each snapshot is `jcmd PID GC.heap_dump FILE`.
 * Python and node signal that the handler is installed by creating a
 * "ready" file; record waits for it before the first interval starts.
 * The dumpers write into record's private folder (record.h), complete
 * snapshots appear there under their final name, and record moves them to
 * DIR; a dumper that fails leaves an .error file there and record stops at
 * once.  After the last snapshot, or when record gets SIGINT, SIGTERM,
 * SIGHUP or SIGPIPE, the program is stopped with SIGTERM (SIGKILL 5 s later).
 * Arguments reach the programs through argv arrays and execvp, never
 * through a shell.
 */
#include "tui/cmd/command.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "graph/core/text.h"
#include "tui/cmd/record.h"

enum {
	READY_TIMEOUT_MS = 60000,
	DUMP_TIMEOUT_MS = 1800000,
	STOP_GRACE_MS = 5000,
	TICK_MS = 20
};

/* Runs the script as __main__ with record's SIGUSR2 handler.  Reads its
 * settings from the environment (never from a string we build). */
static const char python_boot[] =
	"import os, signal, sys\n"
	"sys.path.insert(0, os.environ.pop('HEAPGLASS_DUMPER_DIR'))\n"
	"import heapglass_dump\n"
	"del sys.path[0]\n"
	"heapglass_dump._hide_boot()\n"
	"heapglass_dump._record_signal(signal.SIGUSR2, os.environ.pop('HEAPGLASS_RECORD_TMP'),\n"
	"    os.environ.pop('HEAPGLASS_RECORD_OUT'), os.environ.pop('HEAPGLASS_RECORD_FOCUS', None))\n"
	"open(os.environ.pop('HEAPGLASS_RECORD_READY'), 'w').close()\n"
	"heapglass_dump._record_run()\n";

/* The program record started. */
struct child {
	pid_t pid;
	int status;
	int exited;
};

static int exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

static int runtime_of(const char *cmd, enum record_rt *rt)
{
	const char *base = strrchr(cmd, '/');

	base = base ? base + 1 : cmd;
	if (strncmp(base, "python", 6) == 0 || strncmp(base, "pypy", 4) == 0)
		*rt = RECORD_PYTHON;
	else if (strcmp(base, "node") == 0 || strcmp(base, "nodejs") == 0 ||
		 strncmp(base, "node-", 5) == 0 || strncmp(base, "node2", 5) == 0)
		*rt = RECORD_NODE;
	else if (strcmp(base, "java") == 0)
		*rt = RECORD_JAVA;
	else
		return -1;
	return 0;
}

/* Python options that take a value as the next argument. */
static int python_opt_takes_arg(const char *a)
{
	return strcmp(a, "-W") == 0 || strcmp(a, "-X") == 0 || strcmp(a, "-Q") == 0;
}

/* Builds the child's argv (mem-owned array of borrowed strings). */
static int child_argv(enum record_rt rt, int argc, char **argv, const char *helper, char ***out)
{
	char **v = calloc((size_t)argc + 8, sizeof *v);
	int n = 0, i = 1;

	if (!v)
		return cli_fail("out of memory");
	v[n++] = argv[0];
	if (rt == RECORD_PYTHON) {
		/* Interpreter options stay before -c; then the script or -m. */
		while (i < argc && argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "-m") != 0) {
			if (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--") == 0) {
				free(v);
				return cli_fail("record: '%s -c CODE' is not supported: put the program in a file",
						argv[0]);
			}
			if (python_opt_takes_arg(argv[i]) && i + 1 < argc)
				v[n++] = argv[i++];
			v[n++] = argv[i++];
		}
		if (i >= argc || (strcmp(argv[i], "-m") == 0 && i + 1 >= argc)) {
			free(v);
			return cli_fail("record: %s needs a script (or -m MODULE) to run", argv[0]);
		}
		v[n++] = "-c";
		v[n++] = (char *)python_boot;
	} else if (rt == RECORD_NODE) {
		v[n++] = "--require";
		v[n++] = (char *)helper;
	}
	for (; i < argc; i++)
		v[n++] = argv[i];
	v[n] = NULL;
	*out = v;
	return CLI_OK;
}

static int child_running(struct child *c)
{
	if (!c->exited && waitpid(c->pid, &c->status, WNOHANG) == c->pid)
		c->exited = 1;
	return !c->exited;
}

static int child_running_cb(void *ctx)
{
	return child_running(ctx);
}

/* Waits up to ms for path to exist while the child runs.  0 when it
 * exists, 1 when the child exited, 2 on a caught signal, -1 on timeout. */
static int wait_ready(const char *path, struct child *c, long ms)
{
	for (long t = 0;; t += TICK_MS) {
		if (exists(path))
			return 0;
		if (!child_running(c))
			return exists(path) ? 0 : 1;
		if (record_signal_caught())
			return 2;
		if (t >= ms)
			return -1;
		record_sleep_ms(TICK_MS);
	}
}

static const char *status_text(int st, char *buf, size_t size)
{
	if (WIFEXITED(st))
		snprintf(buf, size, "exit status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, size, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(buf, size, "status %d", st);
	return buf;
}

/* Snapshot k of the child into done (in the private folder): by signal
 * and waiting for the dumper, or by jcmd.  CLI_OK or CLI_FAIL. */
static int take(enum record_rt rt, struct child *c, const struct record_opts *o, const char *cmd,
		const char *done)
{
	char err[RECORD_PATH_MAX + 96], why[1024], buf[64];

	if (rt == RECORD_JAVA) {
		/* The JVM may not accept attach yet: retry while it runs. */
		for (long t = 0; record_jcmd_dump(c->pid, NULL, o->all, (uid_t)-1, (gid_t)-1, done, why,
						  sizeof why) != 0; t += 500) {
			if (!child_running(c) || record_sleep_ms(500) || t > READY_TIMEOUT_MS)
				return cli_fail("record: %s", why);
		}
		return CLI_OK;
	}
	snprintf(err, sizeof err, "%s.part.error", done);
	kill(c->pid, SIGUSR2);
	for (long t = 0; !exists(done); t += TICK_MS) {
		if (record_read_error(err, why, sizeof why) == 0)
			return cli_fail("record: %s's dumper failed: %s", cmd, why);
		if (!child_running(c))
			return cli_fail("record: %s %s before its snapshot was written", cmd,
					status_text(c->status, buf, sizeof buf));
		if (t > DUMP_TIMEOUT_MS)
			return cli_fail("record: %s wrote no snapshot in %d minutes", cmd, DUMP_TIMEOUT_MS / 60000);
		record_sleep_ms(TICK_MS);
	}
	return CLI_OK;
}

/* Stops the child: SIGTERM, then SIGKILL if it is still there. */
static void stop(struct child *c)
{
	if (!child_running(c))
		return;
	kill(c->pid, SIGTERM);
	for (long t = 0; t < STOP_GRACE_MS && child_running(c); t += TICK_MS)
		record_sleep_ms(TICK_MS);
	if (child_running(c)) {
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, &c->status, 0) == -1 && errno == EINTR)
			;
		c->exited = 1;
	}
}

static void set_env(enum record_rt rt, const struct record_opts *o, const char *priv,
		    const char *ready, const char *helper_dir)
{
	char tmp[RECORD_PATH_MAX + 64], out[RECORD_PATH_MAX + 64];

	if (rt == RECORD_PYTHON) {
		snprintf(tmp, sizeof tmp, "%s/snap-{n}.part", priv);
		snprintf(out, sizeof out, "%s/snap-{n}", priv);
		setenv("HEAPGLASS_DUMPER_DIR", helper_dir, 1);
		setenv("HEAPGLASS_RECORD_TMP", tmp, 1);
		if (o->focus)
			setenv("HEAPGLASS_RECORD_FOCUS", o->focus, 1);
	} else {
		snprintf(out, sizeof out, "%s/snap-{n}.heapsnapshot", priv);
	}
	setenv("HEAPGLASS_RECORD_OUT", out, 1);
	setenv("HEAPGLASS_RECORD_READY", ready, 1);
}

static void unset_env(void)
{
	unsetenv("HEAPGLASS_DUMPER_DIR");
	unsetenv("HEAPGLASS_RECORD_TMP");
	unsetenv("HEAPGLASS_RECORD_FOCUS");
	unsetenv("HEAPGLASS_RECORD_OUT");
	unsetenv("HEAPGLASS_RECORD_READY");
}

static int record(enum record_rt rt, const struct record_opts *o, char **cargv, const char *helper_dir)
{
	struct record_priv priv = { "" };
	struct child c = { 0 };
	char ready[RECORD_PATH_MAX + 32], name[64], done[RECORD_PATH_MAX + 64];
	char final[RECORD_PATH_MAX + 64], buf[64], safe[RECORD_PATH_MAX];
	uint64_t taken = 0;
	int rc;

	rc = record_check_free(rt, o->dir, o->count);
	if (rc == CLI_OK)
		rc = record_priv_make(&priv, o->dir, (uid_t)-1, (gid_t)-1);
	if (rc != CLI_OK)
		return rc;
	snprintf(ready, sizeof ready, "%s/ready", priv.path);
	set_env(rt, o, priv.path, ready, helper_dir);
	record_signals_catch();
	fflush(NULL);
	c.pid = fork();
	if (c.pid < 0) {
		unset_env();
		record_priv_remove(&priv);
		return cli_fail("record: fork: %s", strerror(errno));
	}
	if (c.pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		execvp(cargv[0], cargv);
		cli_fail("record: cannot run '%s': %s", cargv[0], strerror(errno));
		_exit(127);
	}
	unset_env();
	text_escape(safe, sizeof safe, o->dir, strlen(o->dir), 0);
	fprintf(stderr, "heapglass record: pid %ld, %llu snapshot%s every %g s into %s\n", (long)c.pid,
		(unsigned long long)o->count, o->count == 1 ? "" : "s", o->every, safe);
	if (rt != RECORD_JAVA) {
		int w = wait_ready(ready, &c, READY_TIMEOUT_MS);
		if (w == 1 || w == -1)
			rc = cli_fail("record: %s %s before its snapshot handler was installed", cargv[0],
				      w > 0 ? status_text(c.status, buf, sizeof buf) : "did not start in 60 s");
		if (w)
			goto end;
	}
	for (uint64_t k = 1; k <= o->count; k++) {
		int w = record_wait_interval((long)(o->every * 1000), k, o->count, child_running_cb, &c);
		if (w == 1) {
			rc = cli_fail("record: %s %s after %llu of %llu snapshots", cargv[0],
				      status_text(c.status, buf, sizeof buf), (unsigned long long)taken,
				      (unsigned long long)o->count);
			break;
		}
		if (w == 2)
			break;
		record_snap_name(rt, k, name, sizeof name);
		snprintf(done, sizeof done, "%s/%s", priv.path, name);
		snprintf(final, sizeof final, "%s/%s", o->dir, name);
		rc = take(rt, &c, o, cargv[0], done);
		if (rc == CLI_OK && record_commit(done, final) != 0)
			rc = cli_fail("record: cannot move the snapshot to %s: %s", final, strerror(errno));
		if (rc != CLI_OK)
			break;
		taken++;
		text_escape(safe, sizeof safe, final, strlen(final), 0);
		fprintf(stderr, "heapglass record: snapshot %llu of %llu: %s\n", (unsigned long long)k,
			(unsigned long long)o->count, safe);
	}
end:
	stop(&c);
	record_priv_remove(&priv);
	if (rc == CLI_OK && record_signal_caught())
		rc = cli_fail("record: interrupted (signal %d) after %llu of %llu snapshots; %s stopped",
			      record_signal_caught(), (unsigned long long)taken, (unsigned long long)o->count,
			      cargv[0]);
	if (record_summary(rt, o->dir, taken) != CLI_OK && rc == CLI_OK)
		rc = CLI_FAIL;
	return rc;
}

struct record_cmd_opts {
	struct record_opts rec;
	const char *dir;	/* as given (rec.dir is made absolute) */
	uint64_t pid;		/* 0: run COMMAND */
};

static const struct record_cmd_opts defaults = {
	.rec = { .every = 10, .count = 3 },
	.dir = "heapglass-snapshots",
};

static int parse_every(void *dest, const char *arg)
{
	double *every = dest;
	char *end;

	errno = 0;
	*every = strtod(arg, &end);
	return errno || end == arg || *end || !(*every >= 0.05 && *every <= 86400) ? -1 : 0;
}

static int parse_focus(void *dest, const char *arg)
{
	*(const char **)dest = arg;
	return *arg ? 0 : -1;
}

static const struct cli_option options[] = {
	{ .name = "pid", .arg = "PID", .kind = CLI_U64, .offset = offsetof(struct record_cmd_opts, pid), .min = 1,
	  .max = INT_MAX, .error = "--pid takes a process id",
	  .help = "snapshots of the running process PID, which is left running\n"
		  "as it was; the first at once, the next ones SECONDS apart" },
	{ .name = "output", .short_name = 'o', .arg = "DIR", .kind = CLI_STRING,
	  .offset = offsetof(struct record_cmd_opts, dir),
	  .help = "where the snapshots go (default heapglass-snapshots)" },
	{ .name = "every", .arg = "SECONDS", .kind = CLI_PARSE, .offset = offsetof(struct record_cmd_opts, rec.every),
	  .parse = parse_every, .error = "--every takes seconds, from 0.05 to 86400",
	  .help = "time between snapshots (default 10)" },
	{ .name = "count", .arg = "N", .kind = CLI_U64, .offset = offsetof(struct record_cmd_opts, rec.count),
	  .min = 1, .max = 1000, .error = "--count takes a number from 1 to 1000",
	  .help = "snapshots to take (default 3); a program record started is\nthen stopped" },
	{ .name = "focus", .arg = "MODULE", .kind = CLI_PARSE, .offset = offsetof(struct record_cmd_opts, rec.focus),
	  .parse = parse_focus, .error = "--focus takes module names",
	  .help = "Python: only what MODULE (e.g. __main__) reaches, plus all\ngarbage; several as a,b" },
	{ .name = "all", .kind = CLI_FLAG, .offset = offsetof(struct record_cmd_opts, rec.all),
	  .help = "Java: keep unreachable objects too (jcmd GC.heap_dump -all)" },
	{ .name = NULL },
};

static int run(void *opts, struct cli_args *args)
{
	struct record_cmd_opts *opt = opts;
	struct record_opts o = opt->rec;
	const char *dir = opt->dir;
	uint64_t pid = opt->pid;
	enum record_rt rt;
	char helper[RECORD_PATH_MAX], helper_dir[RECORD_PATH_MAX], absdir[PATH_MAX];
	char **cargv = NULL;
	int rc, argc = args->argc;
	char **argv = args->argv;

	/* the options end at COMMAND (in_order), so its options stay its own */
	if (pid && argc > 0)
		return cli_usage(&cmd_record, "--pid PID and a COMMAND to run do not go together");
	if (!pid && argc == 0)
		return cli_usage(&cmd_record, "a COMMAND to run (after --) or --pid PID is needed");
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return cli_fail("record: cannot create %s: %s", dir, strerror(errno));
	/* Absolute, since jcmd's file name is the JVM's and the program may
	 * change directory. */
	if (!realpath(dir, absdir))
		return cli_fail("record: %s: %s", dir, strerror(errno));
	o.dir = absdir;
	if (pid)
		return record_attach(&o, (pid_t)pid);
	if (runtime_of(argv[0], &rt))
		return cli_usage(&cmd_record, "cannot tell how to dump '%s': COMMAND must be python3, node "
				 "or java", argv[0]);
	if (o.focus && rt != RECORD_PYTHON)
		return cli_usage(&cmd_record, "--focus is for Python programs");
	if (o.all && rt != RECORD_JAVA)
		return cli_usage(&cmd_record, "--all is for Java programs");
	if (rt == RECORD_PYTHON &&
	    record_find_helper("loaders/python", "heapglass_dump.py", helper, sizeof helper))
		return cli_fail("record: heapglass_dump.py not found next to heapglass (loaders/python or "
				"share/heapglass); set HEAPGLASS_SHARE to its folder");
	if (rt == RECORD_NODE &&
	    record_find_helper("loaders/node", "heapglass-preload.js", helper, sizeof helper))
		return cli_fail("record: heapglass-preload.js not found next to heapglass (loaders/node or "
				"share/heapglass); set HEAPGLASS_SHARE to its folder");
	if (rt == RECORD_PYTHON) {
		char *slash;
		snprintf(helper_dir, sizeof helper_dir, "%s", helper);
		slash = strrchr(helper_dir, '/');
		if (slash)
			*slash = '\0';
	}
	rc = child_argv(rt, argc, argv, helper, &cargv);
	if (rc != CLI_OK)
		return rc;
	rc = record(rt, &o, cargv, helper_dir);
	free(cargv);
	return rc;
}

const struct command cmd_record = {
	.name = "record",
	.usage = "record [-o DIR] [--every SECONDS] [--count N] [--focus MODULE] [--all] "
		 "(--pid PID | -- COMMAND ARGS...)",
	.summary = "Snapshots of a running python3, node or java process, or of a program it runs.",
	.options = options,
	.in_order = 1,
	.opts_size = sizeof(struct record_cmd_opts),
	.defaults = &defaults,
	.notes = "With --pid, the runtime is read from the process (its executable and\n"
		 "libraries).  CPython 3.8-3.13 gets heapglass's dumper injected with gdb (as\n"
		 "root, or with kernel.yama.ptrace_scope 0), 3.14+ with sys.remote_exec; it runs\n"
		 "in the main thread with the GIL held (DIR/snap-N, folders of CSV).  Node.js\n"
		 "opens its inspector on SIGUSR1, heapglass takes the snapshot over it and closes\n"
		 "it again (DIR/snap-N.heapsnapshot).  Java is dumped with jcmd PID GC.heap_dump\n"
		 "(DIR/snap-N.hprof).  Ctrl-C ends the run after the snapshot in progress.\n"
		 "\nWith -- COMMAND, COMMAND is run directly (no shell).  python3 SCRIPT runs under\n"
		 "heapglass_dump; node runs with --require heapglass-preload.js (snapshots written\n"
		 "on SIGUSR2 when the event loop is free); java is dumped with jcmd.  The first\n"
		 "snapshot comes after SECONDS; Ctrl-C, SIGTERM, SIGHUP or a closed output pipe\n"
		 "stop the program too.\n"
		 "\nSnapshots are written under temporary names inside DIR and renamed into place;\n"
		 "record never overwrites one.  At the end it prints the commands that open and\n"
		 "compare them.\n",
	.run = run,
};
