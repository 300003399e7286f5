/* heapglass record -- COMMAND ARGS...: runs a program and takes snapshots
 * of it every few seconds.
 *
 * How each runtime is dumped (the runtime is told by COMMAND's name):
 *   python*  python -c BOOT [interpreter options] SCRIPT|-m MODULE ARGS...
 *            where BOOT imports heapglass_dump (found next to the binary:
 *            loaders/python in a source tree, ../share/heapglass once
 *            installed, or $HEAPGLASS_SHARE), installs its SIGUSR2 handler
 *            and runs the script as __main__ with runpy;
 *   node*    node --require heapglass-preload.js ARGS..., whose SIGUSR2
 *            handler calls v8.writeHeapSnapshot;
 *   java     runs as is; each snapshot is `jcmd PID GC.heap_dump FILE`.
 * Python and node signal that the handler is installed by creating a
 * "ready" file; record waits for it before the first interval starts.
 * A snapshot is complete when its last file appears (the dumpers write
 * under a temporary name and rename).  After the last snapshot the program
 * is stopped with SIGTERM.  Arguments reach the programs through argv
 * arrays and execvp, never through a shell.
 */
#include "tui/cmd/command.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum runtime {
	RT_PYTHON,
	RT_NODE,
	RT_JAVA
};

enum {
	PATH_MAX_LEN = 4096,
	READY_TIMEOUT_MS = 60000,
	DUMP_TIMEOUT_MS = 600000,
	TICK_MS = 20
};

/* Runs the script as __main__ with the dumper's SIGUSR2 handler.  Reads
 * its settings from the environment (never from a string we build). */
static const char python_boot[] =
	"import os, runpy, signal, sys\n"
	"sys.path.insert(0, os.environ.pop('HEAPGLASS_DUMPER_DIR'))\n"
	"import heapglass_dump\n"
	"del sys.path[0]\n"
	"heapglass_dump.install_signal(signal.SIGUSR2, os.environ.pop('HEAPGLASS_RECORD_OUT'))\n"
	"open(os.environ.pop('HEAPGLASS_RECORD_READY'), 'w').close()\n"
	"del sys.argv[0]\n"
	"if sys.argv[0] == '-m':\n"
	"    del sys.argv[0]\n"
	"    runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n"
	"else:\n"
	"    sys.path[0] = os.path.dirname(os.path.abspath(sys.argv[0]))\n"
	"    runpy.run_path(sys.argv[0], run_name='__main__')\n";

static int is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Finds NAME in the folders heapglass ships its helpers in; 0 if found. */
static int find_helper(const char *sub, const char *name, char *out, size_t size)
{
	const char *env = getenv("HEAPGLASS_SHARE");
	char exe[PATH_MAX_LEN - 64];
	ssize_t n;
	char *slash;

	if (env && *env) {
		snprintf(out, size, "%s/%s", env, name);
		return is_file(out) ? 0 : -1;
	}
	n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	snprintf(out, size, "%s/%s/%s", exe, sub, name);
	if (is_file(out))
		return 0;
	snprintf(out, size, "%s/../%s/%s", exe, sub, name);
	if (is_file(out))
		return 0;
	snprintf(out, size, "%s/../share/heapglass/%s", exe, name);
	return is_file(out) ? 0 : -1;
}

static int runtime_of(const char *cmd, enum runtime *rt)
{
	const char *base = strrchr(cmd, '/');

	base = base ? base + 1 : cmd;
	if (strncmp(base, "python", 6) == 0 || strncmp(base, "pypy", 4) == 0)
		*rt = RT_PYTHON;
	else if (strcmp(base, "node") == 0 || strcmp(base, "nodejs") == 0 ||
		 strncmp(base, "node-", 5) == 0 || strncmp(base, "node2", 5) == 0)
		*rt = RT_NODE;
	else if (strcmp(base, "java") == 0)
		*rt = RT_JAVA;
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
static int child_argv(enum runtime rt, int argc, char **argv, const char *helper, char ***out)
{
	char **v = calloc((size_t)argc + 8, sizeof *v);
	int n = 0, i = 1;

	if (!v)
		return cli_fail("out of memory");
	v[n++] = argv[0];
	if (rt == RT_PYTHON) {
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
		(void)helper;
	} else if (rt == RT_NODE) {
		v[n++] = "--require";
		v[n++] = (char *)helper;
	}
	for (; i < argc; i++)
		v[n++] = argv[i];
	v[n] = NULL;
	*out = v;
	return CLI_OK;
}

/* Waits up to ms for path to exist while pid runs.  Returns 0 when it
 * exists, 1 when the child exited (*status set), -1 on timeout. */
static int wait_file(const char *path, pid_t pid, long ms, int *status, int *exited)
{
	for (long t = 0;; t += TICK_MS) {
		if (is_file(path))
			return 0;
		if (!*exited && waitpid(pid, status, WNOHANG) == pid)
			*exited = 1;
		if (*exited)
			return is_file(path) ? 0 : 1;
		if (t >= ms)
			return -1;
		sleep_ms(TICK_MS);
	}
}

/* Sleeps ms while pid runs; returns 1 if it exited meanwhile. */
static int wait_running(pid_t pid, long ms, int *status, int *exited)
{
	for (long t = 0; t < ms && !*exited; t += TICK_MS) {
		if (waitpid(pid, status, WNOHANG) == pid)
			*exited = 1;
		else
			sleep_ms(TICK_MS);
	}
	return *exited;
}

/* jcmd PID GC.heap_dump FILE, output silenced; 0 when FILE appeared. */
static int jcmd_dump(pid_t pid, const char *file)
{
	char spid[32];
	char *av[] = { "jcmd", spid, "GC.heap_dump", (char *)file, NULL };
	pid_t j;
	int st;

	snprintf(spid, sizeof spid, "%ld", (long)pid);
	j = fork();
	if (j < 0)
		return -1;
	if (j == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(av[0], av);
		_exit(127);
	}
	while (waitpid(j, &st, 0) == -1 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 && is_file(file) ? 0 : -1;
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

static void snap_path(enum runtime rt, const char *dir, int k, char *out, size_t size)
{
	if (rt == RT_PYTHON)
		snprintf(out, size, "%s/snap-%d", dir, k);
	else if (rt == RT_NODE)
		snprintf(out, size, "%s/snap-%d.heapsnapshot", dir, k);
	else
		snprintf(out, size, "%s/snap-%d.hprof", dir, k);
}

static int record(enum runtime rt, const char *dir, double every, uint64_t count, char **cargv,
		  const char *helper_dir)
{
	char ready[PATH_MAX_LEN + 32], pattern[PATH_MAX_LEN + 32], file[PATH_MAX_LEN + 64];
	char done[PATH_MAX_LEN + 80], buf[64];
	pid_t pid;
	int status = 0, exited = 0, rc = CLI_OK;
	uint64_t taken = 0;
	long every_ms = (long)(every * 1000);

	/* A snapshot left by an earlier run would pass for a new one. */
	for (uint64_t k = 1; k <= count; k++) {
		struct stat st;
		snap_path(rt, dir, (int)k, file, sizeof file);
		if (stat(file, &st) == 0)
			return cli_fail("record: %s already exists: choose another -o DIR or remove the old "
					"snapshots", file);
	}
	snprintf(ready, sizeof ready, "%s/.ready-%ld", dir, (long)getpid());
	unlink(ready);
	if (rt == RT_PYTHON) {
		snprintf(pattern, sizeof pattern, "%s/snap-{n}", dir);
		setenv("HEAPGLASS_DUMPER_DIR", helper_dir, 1);
	} else {
		snprintf(pattern, sizeof pattern, "%s/snap-{n}.heapsnapshot", dir);
	}
	setenv("HEAPGLASS_RECORD_OUT", pattern, 1);
	setenv("HEAPGLASS_RECORD_READY", ready, 1);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return cli_fail("record: fork: %s", strerror(errno));
	if (pid == 0) {
		execvp(cargv[0], cargv);
		fprintf(stderr, "heapglass: record: cannot run '%s': %s\n", cargv[0], strerror(errno));
		_exit(127);
	}
	unsetenv("HEAPGLASS_DUMPER_DIR");
	unsetenv("HEAPGLASS_RECORD_OUT");
	unsetenv("HEAPGLASS_RECORD_READY");
	fprintf(stderr, "heapglass record: pid %ld, %llu snapshot%s every %g s into %s\n", (long)pid,
		(unsigned long long)count, count == 1 ? "" : "s", every, dir);
	if (rt != RT_JAVA) {
		int w = wait_file(ready, pid, READY_TIMEOUT_MS, &status, &exited);
		unlink(ready);
		if (w) {
			rc = cli_fail("record: %s %s before its snapshot handler was installed", cargv[0],
				      w > 0 ? status_text(status, buf, sizeof buf) : "did not start in 60 s");
			goto stop;
		}
	}
	for (uint64_t k = 1; k <= count; k++) {
		if (wait_running(pid, every_ms, &status, &exited))
			break;
		snap_path(rt, dir, (int)k, file, sizeof file);
		if (rt == RT_JAVA) {
			/* The JVM may not accept attach yet: retry while it runs. */
			long t = 0;
			while (jcmd_dump(pid, file) != 0) {
				if (wait_running(pid, 500, &status, &exited) || (t += 500) > READY_TIMEOUT_MS)
					break;
			}
			if (!is_file(file))
				break;
		} else {
			if (rt == RT_PYTHON)
				snprintf(done, sizeof done, "%s/edges.csv", file);
			else
				snprintf(done, sizeof done, "%s", file);
			kill(pid, SIGUSR2);
			if (wait_file(done, pid, DUMP_TIMEOUT_MS, &status, &exited))
				break;
		}
		taken++;
		fprintf(stderr, "heapglass record: snapshot %llu of %llu: %s\n", (unsigned long long)k,
			(unsigned long long)count, file);
	}
	if (taken < count)
		rc = cli_fail("record: %s %s after %llu of %llu snapshots", cargv[0],
			      exited ? status_text(status, buf, sizeof buf) : "did not write its snapshot",
			      (unsigned long long)taken, (unsigned long long)count);
stop:
	if (!exited) {
		kill(pid, SIGTERM);
		if (!wait_running(pid, 5000, &status, &exited)) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
				;
		}
	}
	if (taken) {
		char first[PATH_MAX_LEN + 64], last[PATH_MAX_LEN + 64];
		snap_path(rt, dir, 1, first, sizeof first);
		snap_path(rt, dir, (int)taken, last, sizeof last);
		printf("%llu snapshot%s in %s:\n", (unsigned long long)taken, taken == 1 ? "" : "s", dir);
		for (uint64_t k = 1; k <= taken; k++) {
			snap_path(rt, dir, (int)k, file, sizeof file);
			printf("  %s\n", file);
		}
		printf("Open one:       heapglass %s\n", last);
		if (taken > 1)
			printf("What grew:      heapglass diff %s %s\n", first, last);
		if (taken > 2 && rt == RT_NODE) {
			char mid[PATH_MAX_LEN + 64];
			snap_path(rt, dir, (int)(taken + 1) / 2, mid, sizeof mid);
			printf("Ages (A B C):   heapglass diff %s %s %s\n", first, mid, last);
		}
		if (fflush(stdout) != 0 && rc == CLI_OK)
			rc = CLI_FAIL;
	}
	return rc;
}

struct record_opts {
	const char *dir;
	double every;
	uint64_t count;
};

static const struct record_opts defaults = { .dir = "heapglass-snapshots", .every = 10, .count = 3 };

static int parse_every(void *dest, const char *arg)
{
	double *every = dest;
	char *end;

	errno = 0;
	*every = strtod(arg, &end);
	return errno || end == arg || *end || !(*every >= 0.05 && *every <= 86400) ? -1 : 0;
}

static const struct cli_option options[] = {
	{ .name = "output", .short_name = 'o', .arg = "DIR", .kind = CLI_STRING,
	  .offset = offsetof(struct record_opts, dir), .help = "where the snapshots go (default heapglass-snapshots)" },
	{ .name = "every", .arg = "SECONDS", .kind = CLI_PARSE, .offset = offsetof(struct record_opts, every),
	  .parse = parse_every,
	  .error = "--every takes seconds, from 0.05 to 86400", .help = "time before each snapshot (default 10)" },
	{ .name = "count", .arg = "N", .kind = CLI_U64, .offset = offsetof(struct record_opts, count), .min = 1,
	  .max = 1000, .error = "--count takes a number from 1 to 1000",
	  .help = "snapshots to take (default 3); the program is then stopped" },
	{ .name = NULL },
};

static int run(void *opts, struct cli_args *args)
{
	const struct record_opts *o = opts;
	const char *dir = o->dir;
	enum runtime rt;
	char helper[PATH_MAX_LEN], helper_dir[PATH_MAX_LEN], absdir[PATH_MAX_LEN];
	char **cargv = NULL;
	int rc, argc = args->argc;
	char **argv = args->argv;

	/* the options end at COMMAND (in_order), so its options stay its own */
	if (argc == 0)
		return cli_usage(&cmd_record, "a COMMAND to run is needed (after --)");
	if (runtime_of(argv[0], &rt))
		return cli_usage(&cmd_record, "cannot tell how to dump '%s': COMMAND must be python3, node "
				 "or java", argv[0]);
	if (rt == RT_PYTHON && find_helper("loaders/python", "heapglass_dump.py", helper, sizeof helper))
		return cli_fail("record: heapglass_dump.py not found next to heapglass (loaders/python or "
				"share/heapglass); set HEAPGLASS_SHARE to its folder");
	if (rt == RT_NODE && find_helper("loaders/node", "heapglass-preload.js", helper, sizeof helper))
		return cli_fail("record: heapglass-preload.js not found next to heapglass (loaders/node or "
				"share/heapglass); set HEAPGLASS_SHARE to its folder");
	if (rt == RT_PYTHON) {
		char *slash;
		snprintf(helper_dir, sizeof helper_dir, "%s", helper);
		slash = strrchr(helper_dir, '/');
		if (slash)
			*slash = '\0';
	}
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return cli_fail("record: cannot create %s: %s", dir, strerror(errno));
	/* Absolute, since jcmd's file name is the JVM's and the program may
	 * change directory. */
	if (!realpath(dir, absdir))
		return cli_fail("record: %s: %s", dir, strerror(errno));
	rc = child_argv(rt, argc, argv, helper, &cargv);
	if (rc != CLI_OK)
		return rc;
	rc = record(rt, absdir, o->every, o->count, cargv, helper_dir);
	free(cargv);
	return rc;
}

const struct command cmd_record = {
	.name = "record",
	.usage = "record [-o DIR] [--every SECONDS] [--count N] -- COMMAND ARGS...",
	.summary = "Run a python3, node or java program and take N snapshots of it, SECONDS apart.",
	.options = options,
	.in_order = 1,
	.opts_size = sizeof(struct record_opts),
	.defaults = &defaults,
	.notes = "COMMAND is run directly (no shell).  python3 SCRIPT runs under heapglass_dump\n"
		 "(snapshots DIR/snap-N, folders of CSV); node runs with --require\n"
		 "heapglass-preload.js (DIR/snap-N.heapsnapshot, written on SIGUSR2 when the event\n"
		 "loop is free); java is dumped with jcmd PID GC.heap_dump (DIR/snap-N.hprof).\n"
		 "At the end record prints the commands that open and compare the snapshots.\n",
	.run = run,
};
