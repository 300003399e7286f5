/* record_util: the mechanics `heapglass record` shares between starting a
 * program and attaching to one (see record.h). */
#include "tui/cmd/record.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "graph/core/text.h"
#include "tui/cmd/cli.h"

enum {
	TICK_MS = 20,
	KILL_GRACE_MS = 3000
};

static volatile sig_atomic_t caught;

static int is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

FILE *record_proc_open(pid_t pid, const char *name)
{
	char path[64 + 32];

	snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, name);
	return fopen(path, "r");
}

int record_find_helper(const char *sub, const char *name, char *out, size_t size)
{
	const char *env = getenv("HEAPGLASS_SHARE");
	char exe[RECORD_PATH_MAX - 64];
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

void record_snap_name(enum record_rt rt, uint64_t k, char *out, size_t size)
{
	static const char *const ext[] = { [RECORD_PYTHON] = "", [RECORD_NODE] = ".heapsnapshot",
					   [RECORD_JAVA] = ".hprof" };

	snprintf(out, size, "snap-%llu%s", (unsigned long long)k, ext[rt]);
}

int record_check_free(enum record_rt rt, const char *dir, uint64_t count)
{
	char name[64], path[RECORD_PATH_MAX + 64], safe[RECORD_PATH_MAX];
	struct stat st;

	for (uint64_t k = 1; k <= count; k++) {
		record_snap_name(rt, k, name, sizeof name);
		snprintf(path, sizeof path, "%s/%s", dir, name);
		if (lstat(path, &st) == 0) {
			text_escape(safe, sizeof safe, path, strlen(path), 0);
			return cli_fail("record: %s already exists: choose another -o DIR or remove the old "
					"snapshots", safe);
		}
	}
	return CLI_OK;
}

/* Whether uid:gid may create files in folder path (asked of a child that
 * takes that identity). */
static int reachable_by(const char *path, uid_t uid, gid_t gid)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return 1;	/* cannot tell: let the dumper say */
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
			_exit(2);
		_exit(access(path, W_OK | X_OK) == 0 ? 0 : 1);
	}
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) != 1;
}

int record_priv_make(struct record_priv *p, const char *dir, uid_t uid, gid_t gid)
{
	char safe[RECORD_PATH_MAX];

	snprintf(p->path, sizeof p->path, "%s/.heapglass-XXXXXX", dir);
	if (!mkdtemp(p->path)) {
		int e = errno;
		p->path[0] = '\0';
		text_escape(safe, sizeof safe, dir, strlen(dir), 0);
		return cli_fail("record: cannot create a folder in %s: %s", safe, strerror(e));
	}
	if (uid == (uid_t)-1 || uid == geteuid())
		return CLI_OK;
	text_escape(safe, sizeof safe, dir, strlen(dir), 0);
	if (chown(p->path, uid, gid) != 0) {
		int e = errno;
		record_priv_remove(p);
		return cli_fail("record: cannot hand a folder in %s to uid %ld: %s", safe, (long)uid,
				strerror(e));
	}
	if (!reachable_by(p->path, uid, gid)) {
		record_priv_remove(p);
		return cli_fail("record: the process's user (uid %ld) cannot write into %s: choose a -o DIR it "
				"can reach", (long)uid, safe);
	}
	return CLI_OK;
}

/* Removes what is in folder path, depth levels of subfolders deep (a
 * bounded depth: snapshot folders hold files only), then the folder. */
static void remove_tree(const char *path, int depth)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[RECORD_PATH_MAX + 300];

	if (d) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
			if (unlink(sub) == 0 || (errno != EISDIR && errno != EPERM))
				continue;
			if (depth > 0)
				remove_tree(sub, depth - 1);
			else
				rmdir(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

void record_priv_remove(struct record_priv *p)
{
	if (!p->path[0])
		return;
	remove_tree(p->path, 1);
	p->path[0] = '\0';
}

int record_commit(const char *tmp, const char *final)
{
	struct stat st;

	if (lstat(tmp, &st) != 0)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		/* rename() would replace an empty folder: refuse anything there. */
		if (lstat(final, &st) == 0) {
			errno = EEXIST;
			return -1;
		}
		return rename(tmp, final);
	}
	if (link(tmp, final) != 0)
		return -1;
	unlink(tmp);
	return 0;
}

int record_read_error(const char *path, char *buf, size_t size)
{
	char line[1024];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, line, sizeof line - 1);
	close(fd);
	if (n < 0)
		n = 0;
	line[n] = '\0';
	line[strcspn(line, "\n")] = '\0';
	text_escape(buf, size, line, strlen(line), 0);
	return 0;
}

static void on_signal(int sig)
{
	caught = sig;
}

void record_signals_catch(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* record's output into a pipe that closed (| head): ended as the
	 * others, so the program it started is stopped, not left running */
	sigaction(SIGPIPE, &sa, NULL);
}

int record_signal_caught(void)
{
	return caught;
}

long long record_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int record_sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		if (caught)
			return 1;
	return caught != 0;
}

int record_wait_interval(long ms, uint64_t k, uint64_t count, int (*alive)(void *), void *ctx)
{
	long long end = record_now_ms() + ms;
	int tty = isatty(2), shown = 0, rc = 0;
	long long last = -1;

	for (;;) {
		long long left = end - record_now_ms();
		if (left <= 0)
			break;
		if (!alive(ctx)) {
			rc = 1;
			break;
		}
		if (tty && (left + 999) / 1000 != last) {
			last = (left + 999) / 1000;
			fprintf(stderr, "\r\033[Kheapglass record: snapshot %llu of %llu in %lld s",
				(unsigned long long)k, (unsigned long long)count, last);
			shown = 1;
		}
		if (record_sleep_ms(left < TICK_MS ? (long)left : TICK_MS)) {
			rc = 2;
			break;
		}
	}
	if (shown)
		fprintf(stderr, "\r\033[K");
	return rc;
}

/* In the child: its own process group, stdin /dev/null, out to fd, the
 * identity asked for; then exec.  Never returns. */
static void helper_child(char *const argv[], uid_t uid, gid_t gid, int fd)
{
	int null = open("/dev/null", O_RDONLY);
	struct sigaction sa;

	setpgid(0, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	if (null >= 0)
		dup2(null, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (uid != (uid_t)-1 && uid != geteuid()) {
		if (setgroups(0, NULL) != 0 || setgid(gid) != 0 || setuid(uid) != 0) {
			fprintf(stderr, "heapglass: cannot become uid %ld: %s\n", (long)uid, strerror(errno));
			_exit(126);
		}
	}
	execvp(argv[0], argv);
	fprintf(stderr, "heapglass: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

int record_helper_run(char *const argv[], uid_t uid, gid_t gid, long timeout_ms, int leave,
		      struct record_helper *h)
{
	/* Output goes to an unlinked file, not a pipe: a helper left running
	 * (a gdb inside a call into the process) never dies of SIGPIPE. */
	FILE *f = tmpfile();
	long long end = record_now_ms() + timeout_ms;
	size_t len;

	h->out[0] = '\0';
	h->ended = 0;
	h->killed = 0;
	h->status = 0;
	if (!f)
		return -1;
	fflush(NULL);
	h->pid = fork();
	if (h->pid < 0) {
		int e = errno;
		fclose(f);
		errno = e;
		return -1;
	}
	if (h->pid == 0)
		helper_child(argv, uid, gid, fileno(f));
	for (;;) {
		if (waitpid(h->pid, &h->status, WNOHANG) == h->pid) {
			h->ended = 1;
			break;
		}
		if (record_now_ms() >= end) {
			if (leave)
				break;
			kill(-h->pid, SIGTERM);
			for (long t = 0; t < KILL_GRACE_MS && waitpid(h->pid, &h->status, WNOHANG) != h->pid;
			     t += TICK_MS)
				record_sleep_ms(TICK_MS);
			if (kill(h->pid, 0) == 0) {
				kill(-h->pid, SIGKILL);
				while (waitpid(h->pid, &h->status, 0) == -1 && errno == EINTR)
					;
			}
			h->ended = 1;
			h->killed = 1;
			break;
		}
		record_sleep_ms(TICK_MS);
	}
	rewind(f);
	len = fread(h->out, 1, sizeof h->out - 1, f);
	h->out[len] = '\0';
	fclose(f);
	return 0;
}

const char *record_helper_line(const struct record_helper *h, const char *needle, char *buf,
			       size_t size)
{
	const char *p = h->out, *best = NULL;
	size_t best_len = 0;

	while (*p) {
		size_t n = strcspn(p, "\n");
		size_t k = n;
		while (k > 0 && (p[k - 1] == '\r' || p[k - 1] == ' '))
			k--;
		if (k > 0) {
			int match = !needle;
			for (size_t i = 0; !match && needle[0] && i + strlen(needle) <= k; i++)
				match = memcmp(p + i, needle, strlen(needle)) == 0;
			if (match) {
				best = p;
				best_len = k;
			}
		}
		p += n;
		if (*p)
			p++;
	}
	if (!best)
		snprintf(buf, size, "(no output)");
	else
		text_escape(buf, size, best, best_len, 0);
	return buf;
}

int record_summary(enum record_rt rt, const char *dir, uint64_t taken)
{
	char name[64], first[64], mid[64], safe[RECORD_PATH_MAX];

	if (!taken)
		return CLI_OK;
	text_escape(safe, sizeof safe, dir, strlen(dir), 0);
	record_snap_name(rt, 1, first, sizeof first);
	record_snap_name(rt, (taken + 1) / 2, mid, sizeof mid);
	printf("%llu snapshot%s in %s:\n", (unsigned long long)taken, taken == 1 ? "" : "s", safe);
	for (uint64_t k = 1; k <= taken; k++) {
		record_snap_name(rt, k, name, sizeof name);
		printf("  %s/%s\n", safe, name);
	}
	printf("Open one:       heapglass %s/%s\n", safe, name);
	if (taken > 1)
		printf("What grew:      heapglass diff %s/%s %s/%s\n", safe, first, safe, name);
	if (taken > 2 && rt == RECORD_NODE)
		printf("Ages (A B C):   heapglass diff %s/%s %s/%s %s/%s\n", safe, first, safe, mid, safe, name);
	return fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
}
