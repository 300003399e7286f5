/* record: what the files of `heapglass record` share.  cmd_record.c parses
 * the command line and starts a program; record_attach.c takes snapshots of
 * a running process (record_python.c injects the Python dumper with gdb,
 * record_node.c drives Node's inspector); record_util.c holds the
 * mechanics below.  Private to tui/cmd/cmd_record.c and tui/cmd/record_*.c.
 *
 * Files: every snapshot is first written inside a private folder
 * DIR/.heapglass-XXXXXX (mode 0700, made by mkdtemp, removed at the end)
 * and then moved to its final name DIR/snap-K[.ext], never over an
 * existing file and never through a symlink.  A dumper that fails writes
 * one line into TMP.error in the same private folder, where record sees it
 * at once.
 *
 * Functions return 0 or CLI_OK on success; those that fail for a reason the
 * user must see print it with cli_fail() (one line) and return CLI_FAIL.
 */
#ifndef HEAPGLASS_RECORD_H
#define HEAPGLASS_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

enum record_rt {
	RECORD_PYTHON,
	RECORD_NODE,
	RECORD_JAVA
};

enum {
	RECORD_PATH_MAX = 4096,
	RECORD_OUT_MAX = 16384		/* bytes of a helper's output kept */
};

/* What the user asked for. */
struct record_opts {
	const char *dir;		/* absolute output folder */
	double every;			/* seconds before each snapshot */
	uint64_t count;			/* snapshots to take */
	const char *focus;		/* --focus for Python, "a,b" or NULL */
	int all;			/* --all: Java dumps keep unreachable objects */
};

/* One run's private folder. */
struct record_priv {
	char path[RECORD_PATH_MAX];	/* DIR/.heapglass-XXXXXX, "" when none */
};

/* A helper program's result (record_helper_run). */
struct record_helper {
	char out[RECORD_OUT_MAX];	/* its stdout and stderr, NUL-terminated */
	int status;			/* waitpid status when it ended */
	int ended;			/* 0: still running at the timeout (left) */
	int killed;			/* 1: killed at the timeout */
	pid_t pid;
};

/* --- record_util.c --- */

/* /proc/PID/NAME opened for reading, or NULL (errno set). */
FILE *record_proc_open(pid_t pid, const char *name);

/* Finds NAME among heapglass's helper files: $HEAPGLASS_SHARE/NAME, or
 * next to the binary (SUB/NAME, ../SUB/NAME, ../share/heapglass/NAME).
 * Returns 0 when found. */
int record_find_helper(const char *sub, const char *name, char *out, size_t size);

/* "snap-K", "snap-K.heapsnapshot" or "snap-K.hprof" for runtime rt. */
void record_snap_name(enum record_rt rt, uint64_t k, char *out, size_t size);

/* Refuses (CLI_FAIL, one line) when any of DIR/snap-1 .. snap-count
 * exists, even as a dangling symlink: it would pass for a new snapshot. */
int record_check_free(enum record_rt rt, const char *dir, uint64_t count);

/* Makes the private folder in dir; when uid is not -1 and differs from
 * ours (we are root), hands it to uid:gid so that the process being
 * recorded can write into it, and checks that uid can reach it.  CLI_OK or
 * CLI_FAIL. */
int record_priv_make(struct record_priv *p, const char *dir, uid_t uid, gid_t gid);

/* Removes the private folder and what is left in it (temporary files,
 * claimed or failed snapshot folders).  No-op when none was made. */
void record_priv_remove(struct record_priv *p);

/* Moves tmp (a file or a folder) to final: a file by link() + unlink(), a
 * folder by rename(); neither replaces anything at final.  0 or -1 with
 * errno. */
int record_commit(const char *tmp, const char *final);

/* Reads the first line of the file path (a dumper's .error file) into buf,
 * escaped for the terminal.  Returns 0 when the file exists. */
int record_read_error(const char *path, char *buf, size_t size);

/* SIGINT, SIGTERM and SIGHUP set a flag instead of ending heapglass, so
 * that record can stop the program it started, or detach from the one it
 * attached to, first.  record_signal_caught() is that signal, 0 if none. */
void record_signals_catch(void);
int record_signal_caught(void);

/* Monotonic milliseconds; sleeping that returns early on a caught signal
 * (returns 1 then). */
long long record_now_ms(void);
int record_sleep_ms(long ms);

/* Waits until the interval before snapshot k (1-based) of count is over,
 * showing a countdown on stderr when it is a terminal.  alive() is asked
 * every tick: when it returns 0 the wait ends and so does this (returns
 * 1); a caught signal returns 2; 0 when the time is up. */
int record_wait_interval(long ms, uint64_t k, uint64_t count, int (*alive)(void *), void *ctx);

/* Runs argv (argv[0] looked up in PATH) with stdin /dev/null and stdout and
 * stderr collected into h->out, in its own process group (so a Ctrl-C at
 * the terminal does not reach it); as uid:gid when uid is not -1 and
 * differs from ours.  Waits at most timeout_ms: a helper still running
 * then is left running when leave is set (h->ended 0), otherwise killed
 * (h->killed 1).
 * Signals caught meanwhile are left for the caller.  Returns 0 when it ran
 * (see h->status), -1 when it could not be started (errno). */
int record_helper_run(char *const argv[], uid_t uid, gid_t gid, long timeout_ms, int leave,
		      struct record_helper *h);

/* The last non-empty line of h->out that contains needle (or the last
 * non-empty line when needle is NULL), escaped for the terminal, in buf. */
const char *record_helper_line(const struct record_helper *h, const char *needle, char *buf,
			       size_t size);

/* Prints the list of snapshots taken and the commands that open and
 * compare them on stdout.  CLI_OK, or CLI_FAIL when stdout fails. */
int record_summary(enum record_rt rt, const char *dir, uint64_t taken);

/* --- record_attach.c --- */

/* A running process being recorded. */
struct record_target {
	pid_t pid;
	enum record_rt rt;
	uid_t uid;			/* its effective user and group */
	gid_t gid;
	char exe[RECORD_PATH_MAX];	/* /proc/PID/exe */
	int py_minor;			/* Python 3.N: N, or -1 when unknown */
	/* record_python.c: the process memory holding the injected code. */
	unsigned long long py_buf;	/* its address, 0 when none */
	unsigned long long py_buf_size;
	int py_buf_busy;		/* a queued request may still read it */
	/* record_node.c */
	int node_port_kept;		/* the inspector was open before record */
};

/* heapglass record --pid PID: snapshots of a running process. */
int record_attach(const struct record_opts *o, pid_t pid);

/* Whether the process still runs (not gone, not a zombie). */
int record_target_alive(const struct record_target *t);

/* jcmd PID GC.heap_dump [-all] FILE, run as uid:gid (the JVM's user) when
 * uid is not -1; jcmd is the JDK's (next to the JVM's java when exe is
 * given, else from PATH).  0 when FILE appeared; otherwise -1 with the
 * reason in why. */
int record_jcmd_dump(pid_t pid, const char *exe, int all, uid_t uid, gid_t gid, const char *file,
		     char *why, size_t size);

/* --- record_python.c --- */

/* Checks that a snapshot of t can be taken (the dumper, gdb or
 * sys.remote_exec, the version).  CLI_OK or CLI_FAIL (one line printed). */
int record_python_prepare(struct record_target *t, const struct record_opts *o);

/* Snapshot k: the dumper in the process claims the folder tmp, dumps into
 * it and renames it to done (both inside the private folder).  CLI_OK or
 * CLI_FAIL. */
int record_python_snap(struct record_target *t, const struct record_opts *o,
		       const struct record_priv *p, uint64_t k, const char *tmp, const char *done);

/* Releases the process memory the injected code used, unless a request
 * that never ran may still read it (then says so). */
void record_python_end(struct record_target *t, const struct record_priv *p);

/* --- record_node.c --- */

int record_node_prepare(struct record_target *t);

/* Snapshot into the file tmp through the inspector (opened for it and
 * closed again).  CLI_OK or CLI_FAIL. */
int record_node_snap(struct record_target *t, const char *tmp);

#endif
