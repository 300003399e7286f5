/* record_python: a snapshot of a running CPython, taken by heapglass's own
 * dumper (loaders/python/heapglass_dump.py) inside that interpreter.
 *
 * What runs in the process is one piece of Python, the "request": it
 * compiles heapglass_dump.py (with the collector off, noting the objects
 * the compiler makes: the dumper's, to be left out of the dump) and
 * executes it into a fresh dictionary with _HEAPGLASS_RECORD = (TMP, DONE,
 * FOCUS, NEW), which makes the dumper call
 * _record_injected(): claim TMP by creating it, dump, rename TMP to DONE
 * (or write TMP.error), then empty its own dictionary.  A dumper that
 * cannot be read or compiled claims TMP and writes TMP.error itself.  The request binds
 * no name in __main__, swallows every exception (a KeyboardInterrupt that
 * arrived meanwhile is passed on with _thread.interrupt_main()), and does
 * nothing when TMP is taken, which is how record withdraws a request that
 * did not start in time.  Paths reach it as \x escapes inside a hex
 * string, so no byte of them can change its meaning.
 *
 * How the request gets in, CPython 3.8 - 3.13: gdb in batch mode attaches
 * (reading only ELF symbols, -readnever), maps one anonymous page range
 * with mmap(), writes the request there and then, in the main thread:
 *  - when that thread is blocked in a system call that waits (sleep,
 *    select/poll/epoll, read/recv/accept, futex, wait) with the GIL
 *    released, calls PyGILState_Ensure(), PyRun_SimpleString(request),
 *    PyGILState_Release() right there, as pyrasite does: the thread takes
 *    the GIL as it would on waking, so the dump runs with the GIL held and
 *    no lock of the thread's is half-taken;
 *  - otherwise (it runs Python, or C code that may hold malloc's or any
 *    other lock), queues the request with Py_AddPendingCall(
 *    PyRun_SimpleString, request), as memray does: the interpreter runs it
 *    in the main thread between two bytecodes, with the GIL, like a signal
 *    handler; gdb detaches at once, and record waits for TMP to appear.
 * Every signal is passed to the process untouched while gdb is attached.
 * A request queued but never run needs its memory until it runs, so that
 * range is then left mapped (and said so); otherwise it is unmapped at the
 * end.  3.14 and later: sys.remote_exec() (PEP 768) from the process's own
 * interpreter queues the same request from a file.
 */
#include "tui/cmd/record.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "graph/core/text.h"
#include "tui/cmd/cli.h"

enum {
	START_TIMEOUT_MS = 30000,	/* a queued request must start by then */
	DUMP_TIMEOUT_MS = 1800000,	/* and end by then */
	GDB_TIMEOUT_MS = 1800000,
	TICK_MS = 20,
	PAGE = 4096
};

/* Where heapglass_dump.py is (set by record_python_prepare). */
static char dumper[RECORD_PATH_MAX];

/* A growable string. */
struct buf {
	char *s;
	size_t len, cap;
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		char *p;
		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->s, cap);
		if (!p)
			return -1;
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

static int buf_str(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

/* s as a Python bytes literal made only of \x escapes. */
static int buf_bytes_lit(struct buf *b, const char *s)
{
	char esc[5];
	int rc = buf_str(b, "b'");

	for (; *s && rc == 0; s++) {
		snprintf(esc, sizeof esc, "\\x%02x", (unsigned char)*s);
		rc = buf_add(b, esc, 4);
	}
	return rc ? rc : buf_str(b, "'");
}

/* The request (see the top of the file) into out. */
static int request_code(const char *tmp, const char *done, const char *focus, struct buf *out)
{
	struct buf in = { 0 };
	int rc = 0;

	/* A dumper that cannot be read or compiled (another user's process)
	 * claims TMP and says why, so record does not wait for it. */
	rc |= buf_str(&in, "import gc, os\nt = ");
	rc |= buf_bytes_lit(&in, tmp);
	rc |= buf_str(&in, "\ng = gc.isenabled()\n"
			   "gc.disable()\n"
			   "try:\n    with open(");
	rc |= buf_bytes_lit(&in, dumper);
	rc |= buf_str(&in, ", 'rb') as f:\n        s = f.read()\n"
			   "    del f\n"
			   "    b = set(map(id, gc.get_objects(0)))\n"
			   "    c = compile(s, ");
	rc |= buf_bytes_lit(&in, dumper);
	rc |= buf_str(&in, ", 'exec')\n"
			   "    del s\n"
			   "    n = [o for o in gc.get_objects(0) if id(o) not in b]\n"
			   "    del b\n"
			   "except Exception as e:\n"
			   "    try:\n"
			   "        os.mkdir(t)\n"
			   "    except OSError:\n"
			   "        pass\n"
			   "    else:\n"
			   "        fd = os.open(t + b'.error', os.O_WRONLY | os.O_CREAT | os.O_EXCL | "
			   "getattr(os, 'O_NOFOLLOW', 0), 0o600)\n"
			   "        os.write(fd, ('cannot load heapglass_dump.py: %s' % e).encode('utf-8', 'replace'))\n"
			   "        os.close(fd)\n"
			   "else:\n"
			   "    exec(c, {'__name__': 'heapglass_dump', '_HEAPGLASS_RECORD': (t, ");
	rc |= buf_bytes_lit(&in, done);
	rc |= buf_str(&in, ", ");
	if (focus) {
		rc |= buf_bytes_lit(&in, focus);
		rc |= buf_str(&in, ".decode('utf-8', 'surrogateescape')");
	} else {
		rc |= buf_str(&in, "None");
	}
	rc |= buf_str(&in, ", n)})\n"
			   "finally:\n"
			   "    if g:\n"
			   "        gc.enable()\n");
	rc |= buf_str(out, "try:\n exec(bytes.fromhex('");
	for (size_t i = 0; i < in.len && rc == 0; i++) {
		char hex[3];
		snprintf(hex, sizeof hex, "%02x", (unsigned char)in.s[i]);
		rc |= buf_add(out, hex, 2);
	}
	rc |= buf_str(out, "'), {})\nexcept KeyboardInterrupt:\n __import__('_thread').interrupt_main()\n"
		      "except BaseException:\n pass\n");
	free(in.s);
	return rc;
}

/* The system calls in which a thread waits without holding a lock that
 * Python code would need (never mmap, brk and the like, which malloc makes
 * while it holds an arena's lock), as a gdb condition on the syscall
 * number register reg. */
static int wait_syscalls(struct buf *b, const char *reg)
{
	static const long nr[] = {
#ifdef SYS_read
		SYS_read,
#endif
#ifdef SYS_readv
		SYS_readv,
#endif
#ifdef SYS_recvfrom
		SYS_recvfrom,
#endif
#ifdef SYS_recvmsg
		SYS_recvmsg,
#endif
#ifdef SYS_accept
		SYS_accept,
#endif
#ifdef SYS_accept4
		SYS_accept4,
#endif
#ifdef SYS_select
		SYS_select,
#endif
#ifdef SYS_pselect6
		SYS_pselect6,
#endif
#ifdef SYS_poll
		SYS_poll,
#endif
#ifdef SYS_ppoll
		SYS_ppoll,
#endif
#ifdef SYS_epoll_wait
		SYS_epoll_wait,
#endif
#ifdef SYS_epoll_pwait
		SYS_epoll_pwait,
#endif
#ifdef SYS_nanosleep
		SYS_nanosleep,
#endif
#ifdef SYS_clock_nanosleep
		SYS_clock_nanosleep,
#endif
#ifdef SYS_futex
		SYS_futex,
#endif
#ifdef SYS_wait4
		SYS_wait4,
#endif
#ifdef SYS_waitid
		SYS_waitid,
#endif
#ifdef SYS_pause
		SYS_pause,
#endif
#ifdef SYS_rt_sigtimedwait
		SYS_rt_sigtimedwait,
#endif
	};
	char one[64];
	int rc = 0;

	for (size_t i = 0; i < sizeof nr / sizeof nr[0]; i++) {
		snprintf(one, sizeof one, "%s%s == %ld", i ? " || " : "", reg, nr[i]);
		rc |= buf_str(b, one);
	}
	return rc;
}

/* gdb condition: the current thread stopped right after a system call
 * instruction, in one of the waiting calls.  NULL-equivalent (returns 1)
 * on architectures not handled here: then the request is always queued. */
static int in_wait_syscall(struct buf *b)
{
#if defined(__x86_64__)
	buf_str(b, "if *(unsigned char *) ($pc - 2) == 0x0f && *(unsigned char *) ($pc - 1) == 0x05\n"
		   "  if ");
	wait_syscalls(b, "$orig_rax");
	return buf_str(b, "\n    set $hg_wait = 1\n  end\nend\n");
#elif defined(__aarch64__)
	buf_str(b, "if *(unsigned int *) ($pc - 4) == 0xd4000001\n  if ");
	wait_syscalls(b, "$x8");
	return buf_str(b, "\n    set $hg_wait = 1\n  end\nend\n");
#else
	(void)b;
	return 0;
#endif
}

static const char gdb_head[] =
	"set pagination off\n"
	"set confirm off\n"
	"set width 0\n"
	"set height 0\n"
	"set print thread-events off\n"
	"set print inferior-events off\n"
	/* Signals reach the process as they would without gdb. */
	"handle all nostop noprint pass\n"
	"handle SIGINT nostop noprint pass\n";

/* After attaching: the symbols of libpython and libc only (gdb runs with
 * auto-solib-add off; a static interpreter has its own in the executable);
 * then the main thread (gdb's thread 1 is the process's first). */
static const char gdb_libs[] =
	"sharedlibrary libpython\n"
	"sharedlibrary libc[.-]\n"
	"thread 1\n";

/* Before the first call into the process: whether gdb can write the
 * thread's registers back, which every call ends with.  gdb 13 and older
 * write the x86 extended state in a layout of their own size, which a kernel
 * whose CPU has AMX state refuses ("Couldn't write extended state status:
 * Bad address"); after a call that cannot be undone the process would crash.
 * The probe changes xmm0 and puts it back: refused, nothing has changed, and
 * the script stops here. */
static int regs_probe(struct buf *b)
{
#if defined(__x86_64__)
	return buf_str(b, "set $hg_x = $xmm0.v4_int32[0]\n"
			  "set $xmm0.v4_int32[0] = $hg_x + 1\n"
			  "set $xmm0.v4_int32[0] = $hg_x\n"
			  "echo HEAPGLASS-REGS\\n\n");
#else
	return buf_str(b, "echo HEAPGLASS-REGS\\n\n");
#endif
}

/* A symbol the script needs: its own marker first, so that a missing one is
 * named (the script stops at the first error). */
static int gdb_symbol(struct buf *b, const char *var, const char *name)
{
	char line[256];

	snprintf(line, sizeof line, "echo HEAPGLASS-SYMBOL %s\\n\nset $%s = (void *) &%s\n", name, var, name);
	return buf_str(b, line);
}

/* The gdb script of one snapshot: attach, put the request at t->py_buf (or
 * a new mapping), run or queue it.  When unmap is set and the request runs
 * at once, the mapping is released in the same session. */
static int gdb_script(const struct record_target *t, const char *code, size_t code_len, int unmap,
		      struct buf *b)
{
	char line[512];
	int rc = 0;

	rc |= buf_str(b, gdb_head);
	snprintf(line, sizeof line, "attach %ld\necho HEAPGLASS-ATTACHED\\n\n%s", (long)t->pid, gdb_libs);
	rc |= buf_str(b, line);
	rc |= gdb_symbol(b, "hg_apc", "Py_AddPendingCall");
	rc |= gdb_symbol(b, "hg_run", "PyRun_SimpleString");
	rc |= gdb_symbol(b, "hg_ens", "PyGILState_Ensure");
	rc |= gdb_symbol(b, "hg_rel", "PyGILState_Release");
	rc |= gdb_symbol(b, "hg_chk", "PyGILState_Check");
	rc |= gdb_symbol(b, "hg_this", "PyGILState_GetThisThreadState");
	rc |= gdb_symbol(b, "hg_mmap", "mmap");
	rc |= gdb_symbol(b, "hg_munmap", "munmap");
	rc |= buf_str(b, "echo HEAPGLASS-SYMBOLS\\n\n");
	rc |= regs_probe(b);
	if (t->py_buf)
		snprintf(line, sizeof line, "set $hg_buf = (char *) 0x%llx\n", t->py_buf);
	else
		snprintf(line, sizeof line,
			 "set $hg_buf = ((char *(*)(void *, unsigned long, int, int, int, long)) $hg_mmap)"
			 "(0, 0x%llx, %d, %d, -1, 0)\n", t->py_buf_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS);
	rc |= buf_str(b, line);
	rc |= buf_str(b, "if $hg_buf == (char *) -1\n  echo HEAPGLASS-NOMEM\\n\nelse\n"
			 "printf \"HEAPGLASS-BUF %llu\\n\", (unsigned long long) $hg_buf\n");
	/* The request, written into the process's memory (no call). */
	snprintf(line, sizeof line, "set {char [%zu]} $hg_buf = \"", code_len + 1);
	rc |= buf_str(b, line);
	for (size_t i = 0; i < code_len; i++) {
		/* code is ASCII letters, digits, punctuation without " and \, and \n. */
		rc |= code[i] == '\n' ? buf_str(b, "\\n") : buf_add(b, code + i, 1);
	}
	rc |= buf_str(b, "\"\nset $hg_wait = 0\n");
	rc |= in_wait_syscall(b);
	/* Blocked in a wait, with a thread state, not holding the GIL: run. */
	/* Nested: gdb cannot evaluate such calls on the skipped side of &&. */
	rc |= buf_str(b, "set $hg_run_now = 0\n"
			 "if $hg_wait\n"
			 "  if ((void *(*)(void)) $hg_this)() != 0\n"
			 "    if ((int (*)(void)) $hg_chk)() == 0\n"
			 "      set $hg_run_now = 1\n"
			 "    end\n"
			 "  end\n"
			 "end\n"
			 "if $hg_run_now\n"
			 "  echo HEAPGLASS-SYNC\\n\n"
			 "  set $hg_st = ((int (*)(void)) $hg_ens)()\n"
			 "  set $hg_rc = ((int (*)(char *)) $hg_run)($hg_buf)\n"
			 "  call ((void (*)(int)) $hg_rel)($hg_st)\n"
			 "  printf \"HEAPGLASS-RAN %d\\n\", $hg_rc\n");
	if (unmap) {
		snprintf(line, sizeof line,
			 "  call ((int (*)(void *, unsigned long)) $hg_munmap)($hg_buf, 0x%llx)\n"
			 "  echo HEAPGLASS-UNMAPPED\\n\n", t->py_buf_size);
		rc |= buf_str(b, line);
	}
	rc |= buf_str(b, "else\n"
			 "  set $hg_rc = ((int (*)(void *, void *)) $hg_apc)($hg_run, $hg_buf)\n"
			 "  printf \"HEAPGLASS-QUEUED %d\\n\", $hg_rc\n"
			 "end\n"
			 "end\n"
			 "detach\n"
			 "quit\n");
	return rc;
}

/* The gdb script that releases the mapping at the end. */
static int gdb_unmap_script(const struct record_target *t, struct buf *b)
{
	char line[512];
	int rc = buf_str(b, gdb_head);

	snprintf(line, sizeof line, "attach %ld\necho HEAPGLASS-ATTACHED\\n\n%s", (long)t->pid, gdb_libs);
	rc |= buf_str(b, line);
	rc |= gdb_symbol(b, "hg_munmap", "munmap");
	snprintf(line, sizeof line,
		 "call ((int (*)(void *, unsigned long)) $hg_munmap)((void *) 0x%llx, 0x%llx)\n"
		 "echo HEAPGLASS-UNMAPPED\\n\ndetach\nquit\n", t->py_buf, t->py_buf_size);
	return rc | buf_str(b, line);
}

/* Whether name is an executable in PATH. */
static int in_path(const char *name)
{
	const char *path = getenv("PATH");
	char full[RECORD_PATH_MAX];

	if (!path || !*path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		snprintf(full, sizeof full, "%.*s/%s", (int)n, path, name);
		if (n && access(full, X_OK) == 0)
			return 1;
		path += n;
		if (*path)
			path++;
	}
	return 0;
}

/* Writes text into the new file path (mode 0600, uid:gid when not -1). */
static int write_new(const char *path, const char *text, size_t len, uid_t uid, gid_t gid)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int rc = 0;

	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len)
		rc = -1;
	if (uid != (uid_t)-1 && uid != geteuid() && fchown(fd, uid, gid) != 0)
		rc = -1;
	if (close(fd) != 0)
		rc = -1;
	if (rc)
		unlink(path);
	return rc;
}

static long status_field(pid_t pid, const char *field)
{
	char line[256];
	size_t n = strlen(field);
	long v = -1;
	FILE *f = record_proc_open(pid, "status");

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			v = strtol(line + n + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* The one line for a refused ptrace: who refused and what to do. */
static int ptrace_refused(const struct record_target *t)
{
	long pid = (long)t->pid, tracer = status_field(t->pid, "TracerPid");
	int scope = -1;
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "r");

	if (f) {
		if (fscanf(f, "%d", &scope) != 1)
			scope = -1;
		fclose(f);
	}
	if (tracer > 0)
		return cli_fail("record: %ld is already traced by process %ld (a debugger?): detach that first",
				pid, tracer);
	if (scope == 3)
		return cli_fail("record: ptrace of %ld refused: kernel.yama.ptrace_scope is 3 (no process may "
				"be traced until reboot), so heapglass cannot attach to Python here", pid);
	if (scope == 2 && geteuid() != 0)
		return cli_fail("record: ptrace of %ld refused: kernel.yama.ptrace_scope is 2 (only root may "
				"trace): run heapglass as root", pid);
	if (scope == 1 && geteuid() != 0)
		return cli_fail("record: ptrace of %ld refused: kernel.yama.ptrace_scope is 1 (only a parent "
				"may trace its children): run heapglass as root, or allow it until reboot with "
				"'sudo sysctl kernel.yama.ptrace_scope=0'", pid);
	return cli_fail("record: ptrace of %ld refused (Operation not permitted): heapglass lacks "
			"CAP_SYS_PTRACE (in a container: --cap-add=SYS_PTRACE)", pid);
}

/* Why gdb did not get to run the request, as one line. */
static int gdb_failed(const struct record_target *t, const struct record_helper *h)
{
	char line[512], exe[RECORD_PATH_MAX];
	const char *sym;

	if (!strstr(h->out, "HEAPGLASS-ATTACHED")) {
		if (strstr(h->out, "ptrace: Operation not permitted"))
			return ptrace_refused(t);
		if (strstr(h->out, "ptrace: No such process"))
			return cli_fail("record: process %ld has exited", (long)t->pid);
		return cli_fail("record: gdb could not attach to %ld: %s", (long)t->pid,
				record_helper_line(h, NULL, line, sizeof line));
	}
	sym = strstr(h->out, "HEAPGLASS-SYMBOL ");
	if (!strstr(h->out, "HEAPGLASS-SYMBOLS") && sym) {
		const char *last = sym;
		char name[64];
		while ((sym = strstr(sym + 1, "HEAPGLASS-SYMBOL ")) != NULL)
			last = sym;
		last += strlen("HEAPGLASS-SYMBOL ");
		snprintf(name, sizeof name, "%.*s", (int)strcspn(last, "\n"), last);
		text_escape(exe, sizeof exe, t->exe, strlen(t->exe), 0);
		return cli_fail("record: %ld's interpreter (%s) has no symbol %s for gdb to call (a stripped or "
				"static build): heapglass cannot inject its dumper", (long)t->pid, exe, name);
	}
	if (strstr(h->out, "HEAPGLASS-SYMBOLS") && !strstr(h->out, "HEAPGLASS-REGS")) {
		size_t len;
		record_helper_line(h, NULL, line, sizeof line);
		len = strlen(line);
		if (len && line[len - 1] == '.')
			line[len - 1] = '\0';
		return cli_fail("record: gdb cannot restore %ld's registers after a call on this machine (%s: "
				"gdb 13 and older, on a CPU with AMX state; gdb 14 or newer can), so heapglass "
				"called nothing and %ld runs on unchanged", (long)t->pid, line, (long)t->pid);
	}
	return cli_fail("record: gdb failed inside %ld: %s", (long)t->pid,
			record_helper_line(h, NULL, line, sizeof line));
}

/* Runs script (in a file of the private folder) with gdb. */
static int run_gdb(const struct record_priv *p, const struct buf *script, struct record_helper *h)
{
	static unsigned serial;
	char path[RECORD_PATH_MAX + 32];
	char *argv[] = { "gdb", "-batch", "-q", "-nx", "-readnever", "-iex", "set auto-load off",
			 "-iex", "set auto-solib-add off", "-iex", "set debuginfod enabled off", "-x", path,
			 NULL };
	int rc;

	snprintf(path, sizeof path, "%s/attach-%u.gdb", p->path, ++serial);
	if (write_new(path, script->s, script->len, (uid_t)-1, (gid_t)-1) != 0)
		return cli_fail("record: cannot write %s: %s", path, strerror(errno));
	rc = record_helper_run(argv, (uid_t)-1, (gid_t)-1, GDB_TIMEOUT_MS, 1, h);
	if (h->ended)
		unlink(path);
	if (rc != 0)
		return cli_fail("record: cannot run gdb: %s", strerror(errno));
	if (!h->ended)
		return cli_fail("record: gdb (pid %ld) is still inside %s after %d minutes; it is left "
				"running, since stopping it there would break the process", (long)h->pid,
				"the process", GDB_TIMEOUT_MS / 60000);
	return CLI_OK;
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Waits for the request's outcome: DONE in place, or TMP.error.  A
 * request that was queued (started 0) must claim TMP within the start
 * timeout; otherwise record claims TMP itself, so that it does nothing. */
static int wait_result(struct record_target *t, uint64_t k, const char *tmp, const char *done,
		       int started)
{
	char err[RECORD_PATH_MAX + 16], why[1024];
	long long t0 = record_now_ms();

	snprintf(err, sizeof err, "%s.error", tmp);
	for (;;) {
		long long waited = record_now_ms() - t0;
		if (exists(done))
			return CLI_OK;
		if (record_read_error(err, why, sizeof why) == 0)
			return cli_fail("record: the dumper in %ld failed: %s", (long)t->pid, why);
		if (!started && exists(tmp)) {
			started = 1;
			t->py_buf_busy = 0;
		}
		if (!started && (waited > START_TIMEOUT_MS || record_signal_caught())) {
			if (mkdir(tmp, 0700) == 0) {
				if (record_signal_caught())
					return cli_fail("record: interrupted before snapshot %llu started in %ld",
							(unsigned long long)k, (long)t->pid);
				return cli_fail("record: %ld's main thread ran no Python code for %d s (busy in C "
						"code, or blocked where heapglass does not interrupt it): no snapshot "
						"%llu; the request stays queued and does nothing when it runs",
						(long)t->pid, START_TIMEOUT_MS / 1000, (unsigned long long)k);
			}
			started = 1;	/* it claimed TMP just now */
			t->py_buf_busy = 0;
			continue;
		}
		if (!record_target_alive(t))
			return cli_fail("record: %ld exited while snapshot %llu was being taken", (long)t->pid,
					(unsigned long long)k);
		if (waited > DUMP_TIMEOUT_MS)
			return cli_fail("record: snapshot %llu of %ld did not end in %d minutes",
					(unsigned long long)k, (long)t->pid, DUMP_TIMEOUT_MS / 60000);
		record_sleep_ms(TICK_MS);
	}
}

/* 3.14+: sys.remote_exec(PID, FILE) from the process's own interpreter. */
static int remote_exec_snap(struct record_target *t, const struct record_priv *p, uint64_t k,
			    const struct buf *code, const char *tmp, const char *done)
{
	char path[RECORD_PATH_MAX + 32], spid[32], line[512];
	char *argv[] = { t->exe, "-I", "-c", "import sys; sys.remote_exec(int(sys.argv[1]), sys.argv[2])",
			 spid, path, NULL };
	struct record_helper *h = malloc(sizeof *h);
	int rc;

	if (!h)
		return cli_fail("out of memory");
	snprintf(spid, sizeof spid, "%ld", (long)t->pid);
	snprintf(path, sizeof path, "%s/request-%llu.py", p->path, (unsigned long long)k);
	if (write_new(path, code->s, code->len, t->uid, t->gid) != 0) {
		free(h);
		return cli_fail("record: cannot write %s: %s", path, strerror(errno));
	}
	if (record_helper_run(argv, (uid_t)-1, (gid_t)-1, 60000, 0, h) != 0) {
		rc = cli_fail("record: cannot run %s: %s", t->exe, strerror(errno));
	} else if (!WIFEXITED(h->status) || WEXITSTATUS(h->status) != 0) {
		if (strstr(h->out, "Operation not permitted"))
			rc = ptrace_refused(t);
		else
			rc = cli_fail("record: sys.remote_exec into %ld failed: %s", (long)t->pid,
				      record_helper_line(h, NULL, line, sizeof line));
	} else {
		rc = wait_result(t, k, tmp, done, 0);
	}
	free(h);
	return rc;
}

int record_python_prepare(struct record_target *t, const struct record_opts *o)
{
	(void)o;
	if (t->py_minor >= 0 && t->py_minor < 8)
		return cli_fail("record: %ld runs Python 3.%d: heapglass's dumper needs CPython 3.8 or newer",
				(long)t->pid, t->py_minor);
	if (record_find_helper("loaders/python", "heapglass_dump.py", dumper, sizeof dumper))
		return cli_fail("record: heapglass_dump.py not found next to heapglass (loaders/python or "
				"share/heapglass); set HEAPGLASS_SHARE to its folder");
	if (t->py_minor >= 14) {
		if (access(t->exe, X_OK) != 0)
			return cli_fail("record: cannot run %ld's interpreter for sys.remote_exec: %s", (long)t->pid,
					strerror(errno));
	} else if (!in_path("gdb")) {
		return cli_fail("record: attaching to CPython below 3.14 needs gdb, which is not installed "
				"(Debian, Ubuntu: apt-get install gdb)");
	}
	return CLI_OK;
}

int record_python_snap(struct record_target *t, const struct record_opts *o,
		       const struct record_priv *p, uint64_t k, const char *tmp, const char *done)
{
	struct buf code = { 0 }, script = { 0 };
	struct record_helper *h = NULL;
	char errfile[RECORD_PATH_MAX + 16], why[1024];
	const char *at;
	int rc = CLI_FAIL;

	snprintf(errfile, sizeof errfile, "%s.error", tmp);
	if (request_code(tmp, done, o->focus, &code) != 0) {
		rc = cli_fail("out of memory");
		goto out;
	}
	if (t->py_minor >= 14) {
		rc = remote_exec_snap(t, p, k, &code, tmp, done);
		goto out;
	}
	/* Room for every later request too (they differ only in K). */
	if (!t->py_buf)
		t->py_buf_size = (code.len + 1 + 2 * PAGE) / PAGE * PAGE;
	if (t->py_buf_busy || code.len + 1 > t->py_buf_size) {
		/* The old range may still be read by a request that never ran. */
		t->py_buf = 0;
		t->py_buf_busy = 0;
		t->py_buf_size = (code.len + 1 + 2 * PAGE) / PAGE * PAGE;
	}
	h = malloc(sizeof *h);
	if (!h || gdb_script(t, code.s, code.len, k == o->count, &script) != 0) {
		rc = cli_fail("out of memory");
		goto out;
	}
	rc = run_gdb(p, &script, h);
	if (rc != CLI_OK)
		goto out;
	if (!strstr(h->out, "HEAPGLASS-SYMBOLS")) {
		rc = gdb_failed(t, h);
		goto out;
	}
	if (strstr(h->out, "HEAPGLASS-NOMEM")) {
		rc = cli_fail("record: mmap of %llu bytes failed in %ld", t->py_buf_size, (long)t->pid);
		goto out;
	}
	at = strstr(h->out, "HEAPGLASS-BUF ");
	if (at)
		t->py_buf = strtoull(at + strlen("HEAPGLASS-BUF "), NULL, 10);
	if ((at = strstr(h->out, "HEAPGLASS-QUEUED ")) != NULL) {
		if (atoi(at + strlen("HEAPGLASS-QUEUED ")) != 0) {
			rc = cli_fail("record: %ld's interpreter refused the request (Py_AddPendingCall: its "
				      "queue is full)", (long)t->pid);
			goto out;
		}
		t->py_buf_busy = 1;
		rc = wait_result(t, k, tmp, done, 0);
	} else if ((at = strstr(h->out, "HEAPGLASS-RAN ")) != NULL) {
		if (strstr(h->out, "HEAPGLASS-UNMAPPED"))
			t->py_buf = 0;
		if (atoi(at + strlen("HEAPGLASS-RAN ")) != 0)
			rc = cli_fail("record: the request failed inside %ld (see its standard error)", (long)t->pid);
		else if (exists(done))
			rc = CLI_OK;
		else if (record_read_error(errfile, why, sizeof why) == 0)
			rc = cli_fail("record: the dumper in %ld failed: %s", (long)t->pid, why);
		else
			rc = cli_fail("record: the request ran in %ld but wrote no snapshot (see its standard "
				      "error)", (long)t->pid);
	} else {
		rc = gdb_failed(t, h);
	}
out:
	free(h);
	free(code.s);
	free(script.s);
	return rc;
}

void record_python_end(struct record_target *t, const struct record_priv *p)
{
	struct buf script = { 0 };
	struct record_helper *h;

	if (!t->py_buf)
		return;
	if (t->py_buf_busy) {
		fprintf(stderr, "heapglass record: %llu bytes stay mapped in %ld for a request that never "
			"ran\n", t->py_buf_size, (long)t->pid);
		return;
	}
	h = malloc(sizeof *h);
	if (h && gdb_unmap_script(t, &script) == 0 && run_gdb(p, &script, h) == CLI_OK &&
	    strstr(h->out, "HEAPGLASS-UNMAPPED"))
		t->py_buf = 0;
	else
		fprintf(stderr, "heapglass record: could not release %llu bytes mapped in %ld\n",
			t->py_buf_size, (long)t->pid);
	free(h);
	free(script.s);
}
