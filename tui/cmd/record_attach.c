/* record_attach: heapglass record --pid PID, snapshots of a process that
 * is already running, left running as it was.
 *
 * The runtime is read from the process, not from a flag: its executable
 * (/proc/PID/exe) and the libraries it has mapped (/proc/PID/maps):
 * libjvm.so or an executable named java is a JVM, libpython3.N or
 * python3.N is CPython 3.N, an executable named node or nodejs (or
 * libnode.so) is Node.js.  Each snapshot is then taken the runtime's way:
 * the Python dumper injected (record_python.c), the inspector
 * (record_node.c), or jcmd PID GC.heap_dump.  The first snapshot is taken
 * at once, the next ones SECONDS apart.  A failure stops the run with one
 * line; SIGINT, SIGTERM or SIGHUP end it after the step in progress, which
 * is never cut short (a gdb inside the process or an open inspector would
 * be left behind).
 */
#include "tui/cmd/record.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "graph/core/text.h"
#include "tui/cmd/cli.h"

enum {
	JCMD_TIMEOUT_MS = 1800000
};

static const char *const rt_name[] = { [RECORD_PYTHON] = "python", [RECORD_NODE] = "node",
				       [RECORD_JAVA] = "java" };

/* The process state letter from /proc/PID/stat, or 0 when gone. */
static char proc_state(pid_t pid)
{
	char text[512], *close;
	size_t n;
	FILE *f = record_proc_open(pid, "stat");

	if (!f)
		return 0;
	n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	/* "pid (comm) S ...": comm may hold spaces and parentheses. */
	close = strrchr(text, ')');
	return close && close[1] == ' ' ? close[2] : 0;
}

int record_target_alive(const struct record_target *t)
{
	char s = proc_state(t->pid);

	return s && s != 'Z' && s != 'X';
}

static int target_alive_cb(void *ctx)
{
	return record_target_alive(ctx);
}

/* Uid: and Gid: of /proc/PID/status (the effective ids, second field). */
static int proc_ids(pid_t pid, uid_t *uid, gid_t *gid)
{
	char line[256];
	int found = 0;
	FILE *f = record_proc_open(pid, "status");

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		unsigned long r, e;
		if (sscanf(line, "Uid: %lu %lu", &r, &e) == 2) {
			*uid = (uid_t)e;
			found |= 1;
		} else if (sscanf(line, "Gid: %lu %lu", &r, &e) == 2) {
			*gid = (gid_t)e;
			found |= 2;
		}
	}
	fclose(f);
	return found == 3 ? 0 : -1;
}

/* The number after "python3." at s (3.N), or -1. */
static int py_minor_at(const char *s)
{
	if (strncmp(s, "python3.", 8) != 0 || s[8] < '0' || s[8] > '9')
		return -1;
	return atoi(s + 8);
}

/* Scans /proc/PID/maps for the runtime libraries.  Returns 0, or -1 when
 * it cannot be read. */
static int scan_maps(pid_t pid, int *jvm, int *py_minor, int *libnode)
{
	char line[RECORD_PATH_MAX + 256];
	FILE *f = record_proc_open(pid, "maps");

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		const char *lib = strrchr(line, '/');
		if (!lib)
			continue;
		lib++;
		if (strncmp(lib, "libjvm.so", 9) == 0)
			*jvm = 1;
		else if (strncmp(lib, "libnode.so", 10) == 0)
			*libnode = 1;
		else if (strncmp(lib, "libpython3.", 11) == 0 && *py_minor < 0)
			*py_minor = py_minor_at(lib + 3);
	}
	fclose(f);
	return 0;
}

static int is_node_name(const char *base)
{
	size_t n = strlen(base);

	if (strcmp(base, "node") == 0 || strcmp(base, "nodejs") == 0)
		return 1;
	/* node20, node-20 (versioned installs) */
	return strncmp(base, "node", 4) == 0 && n > 4 &&
	       strspn(base + 4 + (base[4] == '-'), "0123456789.") == n - 4 - (base[4] == '-');
}

/* Finds out what pid is and whether heapglass may attach to it. */
static int identify(pid_t pid, struct record_target *t)
{
	char path[64], safe[RECORD_PATH_MAX];
	const char *base;
	ssize_t n;
	int jvm = 0, libnode = 0, py_minor = -1;
	char state;

	memset(t, 0, sizeof *t);
	t->pid = pid;
	t->py_minor = -1;
	if (pid == getpid())
		return cli_fail("record: %ld is heapglass itself", (long)pid);
	state = proc_state(pid);
	if (!state)
		return cli_fail("record: no process %ld", (long)pid);
	if (state == 'Z' || state == 'X')
		return cli_fail("record: process %ld has exited (a zombie)", (long)pid);
	if (proc_ids(pid, &t->uid, &t->gid) != 0)
		return cli_fail("record: cannot read /proc/%ld/status", (long)pid);
	if (geteuid() != 0 && t->uid != geteuid()) {
		struct passwd *pw = getpwuid(t->uid);
		return cli_fail("record: process %ld belongs to user %s (uid %ld): run heapglass as that user, "
				"or as root", (long)pid, pw ? pw->pw_name : "?", (long)t->uid);
	}
	snprintf(path, sizeof path, "/proc/%ld/exe", (long)pid);
	n = readlink(path, t->exe, sizeof t->exe - 1);
	if (n <= 0) {
		if (errno == ENOENT)
			return cli_fail("record: process %ld has no executable (a kernel thread?)", (long)pid);
		return cli_fail("record: cannot read /proc/%ld/exe: %s", (long)pid, strerror(errno));
	}
	t->exe[n] = '\0';
	/* An executable replaced since it started reads "PATH (deleted)". */
	if (n > 10 && strcmp(t->exe + n - 10, " (deleted)") == 0)
		t->exe[n - 10] = '\0';
	if (scan_maps(pid, &jvm, &py_minor, &libnode) != 0)
		return cli_fail("record: cannot read /proc/%ld/maps: %s", (long)pid, strerror(errno));
	base = strrchr(t->exe, '/');
	base = base ? base + 1 : t->exe;
	text_escape(safe, sizeof safe, t->exe, strlen(t->exe), 0);
	if (jvm || strcmp(base, "java") == 0) {
		t->rt = RECORD_JAVA;
	} else if (strncmp(base, "pypy", 4) == 0) {
		return cli_fail("record: %ld runs %s: PyPy is not supported (heapglass attaches to CPython 3.8+, "
				"Node.js and Java)", (long)pid, safe);
	} else if (py_minor >= 0 || strncmp(base, "python", 6) == 0) {
		t->rt = RECORD_PYTHON;
		t->py_minor = py_minor >= 0 ? py_minor : py_minor_at(base);
	} else if (libnode || is_node_name(base)) {
		t->rt = RECORD_NODE;
	} else {
		return cli_fail("record: %ld runs %s, a runtime heapglass does not know (it attaches to CPython "
				"3.8+, Node.js and Java)", (long)pid, safe);
	}
	return CLI_OK;
}

int record_jcmd_dump(pid_t pid, const char *exe, int all, uid_t uid, gid_t gid, const char *file,
		     char *why, size_t size)
{
	char jcmd[RECORD_PATH_MAX], spid[32], line[512];
	char *argv[] = { jcmd, spid, "GC.heap_dump", all ? "-all" : (char *)file, all ? (char *)file : NULL,
			 NULL };
	struct record_helper *h = malloc(sizeof *h);
	struct stat st;
	int rc = -1;

	if (!h) {
		snprintf(why, size, "out of memory");
		return -1;
	}
	/* The JDK's own jcmd speaks its JVM's attach protocol best. */
	snprintf(jcmd, sizeof jcmd, "jcmd");
	if (exe) {
		const char *slash = strrchr(exe, '/');
		if (slash) {
			snprintf(jcmd, sizeof jcmd, "%.*s/jcmd", (int)(slash - exe), exe);
			if (access(jcmd, X_OK) != 0)
				snprintf(jcmd, sizeof jcmd, "jcmd");
		}
	}
	snprintf(spid, sizeof spid, "%ld", (long)pid);
	if (record_helper_run(argv, uid, gid, JCMD_TIMEOUT_MS, 0, h) != 0)
		snprintf(why, size, "cannot run jcmd: %s", strerror(errno));
	else if (WIFEXITED(h->status) && WEXITSTATUS(h->status) == 127)
		snprintf(why, size, "jcmd not found: it comes with the JDK (Debian: openjdk-17-jdk-headless)");
	else if (lstat(file, &st) == 0 && S_ISREG(st.st_mode) && WIFEXITED(h->status) && WEXITSTATUS(h->status) == 0)
		rc = 0;
	else
		snprintf(why, size, "jcmd %ld GC.heap_dump failed: %s", (long)pid,
			 record_helper_line(h, NULL, line, sizeof line));
	free(h);
	return rc;
}

/* One snapshot of t: written as tmp in the private folder, then moved to
 * final. */
static int snapshot(struct record_target *t, const struct record_opts *o, const struct record_priv *p,
		    uint64_t k, const char *tmp, const char *final)
{
	char why[1024], part[RECORD_PATH_MAX + 80];

	switch (t->rt) {
	case RECORD_PYTHON:
		/* The dumper claims part, then renames it to tmp. */
		snprintf(part, sizeof part, "%s.part", tmp);
		if (record_python_snap(t, o, p, k, part, tmp) != CLI_OK)
			return CLI_FAIL;
		break;
	case RECORD_NODE:
		if (record_node_snap(t, tmp) != CLI_OK)
			return CLI_FAIL;
		break;
	case RECORD_JAVA:
		if (record_jcmd_dump(t->pid, t->exe, o->all, t->uid, t->gid, tmp, why, sizeof why) != 0)
			return cli_fail("record: %s", why);
		break;
	}
	if (record_commit(tmp, final) != 0)
		return cli_fail("record: cannot move the snapshot to %s: %s", final, strerror(errno));
	return CLI_OK;
}

static void print_header(const struct record_target *t, const struct record_opts *o)
{
	char exe[RECORD_PATH_MAX], dir[RECORD_PATH_MAX], rt[32];

	text_escape(exe, sizeof exe, t->exe, strlen(t->exe), 0);
	text_escape(dir, sizeof dir, o->dir, strlen(o->dir), 0);
	if (t->rt == RECORD_PYTHON && t->py_minor >= 0)
		snprintf(rt, sizeof rt, "python 3.%d", t->py_minor);
	else
		snprintf(rt, sizeof rt, "%s", rt_name[t->rt]);
	fprintf(stderr, "heapglass record: pid %ld (%s, %s), %llu snapshot%s every %g s into %s\n",
		(long)t->pid, rt, exe, (unsigned long long)o->count, o->count == 1 ? "" : "s", o->every, dir);
}

int record_attach(const struct record_opts *o, pid_t pid)
{
	struct record_target *t = malloc(sizeof *t);
	struct record_priv priv = { "" };
	char name[64], tmp[RECORD_PATH_MAX + 64], final[RECORD_PATH_MAX + 64], safe[RECORD_PATH_MAX];
	uint64_t taken = 0;
	int rc;

	if (!t)
		return cli_fail("out of memory");
	rc = identify(pid, t);
	if (rc == CLI_OK && o->focus && t->rt != RECORD_PYTHON)
		rc = cli_fail("record: --focus is for Python; %ld runs %s", (long)pid, rt_name[t->rt]);
	if (rc == CLI_OK && o->all && t->rt != RECORD_JAVA)
		rc = cli_fail("record: --all is for Java; %ld runs %s", (long)pid, rt_name[t->rt]);
	if (rc == CLI_OK)
		rc = record_check_free(t->rt, o->dir, o->count);
	if (rc == CLI_OK && t->rt == RECORD_PYTHON)
		rc = record_python_prepare(t, o);
	if (rc == CLI_OK && t->rt == RECORD_NODE)
		rc = record_node_prepare(t);
	/* The process writes into the private folder itself (Python, Java). */
	if (rc == CLI_OK)
		rc = record_priv_make(&priv, o->dir, t->rt == RECORD_NODE ? (uid_t)-1 : t->uid, t->gid);
	if (rc != CLI_OK) {
		free(t);
		return rc;
	}
	record_signals_catch();
	if (isatty(2)) {
		fprintf(stderr, "\r\033[Kheapglass record: attaching to %ld (%s)", (long)pid, rt_name[t->rt]);
		fflush(stderr);
	}
	for (uint64_t k = 1; k <= o->count; k++) {
		long long t0;
		if (k > 1) {
			int w = record_wait_interval((long)(o->every * 1000), k, o->count, target_alive_cb, t);
			if (w == 1) {
				rc = cli_fail("record: %ld exited after %llu of %llu snapshots", (long)pid,
					      (unsigned long long)taken, (unsigned long long)o->count);
				break;
			}
			if (w == 2)
				break;
		}
		record_snap_name(t->rt, k, name, sizeof name);
		snprintf(tmp, sizeof tmp, "%s/%s", priv.path, name);
		snprintf(final, sizeof final, "%s/%s", o->dir, name);
		t0 = record_now_ms();
		rc = snapshot(t, o, &priv, k, tmp, final);
		if (k == 1 && isatty(2))
			fprintf(stderr, "\r\033[K");
		if (rc != CLI_OK)
			break;
		if (k == 1)
			/* Only now: a first attach that fails is its one line. */
			print_header(t, o);
		taken++;
		text_escape(safe, sizeof safe, final, strlen(final), 0);
		fprintf(stderr, "heapglass record: snapshot %llu of %llu: %s (%.1f s)\n", (unsigned long long)k,
			(unsigned long long)o->count, safe, (double)(record_now_ms() - t0) / 1000.0);
		if (record_signal_caught())
			break;
	}
	if (t->rt == RECORD_PYTHON)
		record_python_end(t, &priv);
	record_priv_remove(&priv);
	if (rc == CLI_OK && record_signal_caught())
		rc = cli_fail("record: interrupted (signal %d) after %llu of %llu snapshots; %ld left running",
			      record_signal_caught(), (unsigned long long)taken, (unsigned long long)o->count,
			      (long)pid);
	if (record_summary(t->rt, o->dir, taken) != CLI_OK && rc == CLI_OK)
		rc = CLI_FAIL;
	free(t);
	return rc;
}
