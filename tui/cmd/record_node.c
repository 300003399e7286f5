/* record_node: a snapshot of a running Node.js through its inspector.
 *
 * SIGUSR1 makes Node open its inspector (on 127.0.0.1:9229 unless the
 * process was started with another --inspect-port).  The port is found
 * from the process itself, not guessed: the listening TCP sockets among
 * its file descriptors (/proc/PID/fd against /proc/PID/net/tcp and tcp6)
 * before and after the signal; so a port 9229 that belongs to another
 * process is never mistaken for this one's.  loaders/node/
 * heapglass-inspect.js, run with the process's own node binary, takes the
 * snapshot over the DevTools protocol and then closes the inspector
 * (process._debugEnd()); record checks that the port is gone.  A process
 * whose inspector was open before (started with --inspect) is left with
 * it open.
 */
#include "tui/cmd/record.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "graph/core/text.h"
#include "tui/cmd/cli.h"

enum {
	OPEN_TIMEOUT_MS = 10000,	/* for the inspector to listen after SIGUSR1 */
	CLOSE_TIMEOUT_MS = 5000,	/* for it to stop listening afterwards */
	SNAP_TIMEOUT_MS = 1800000,
	TICK_MS = 20,
	MAX_LISTEN = 64,
	DEFAULT_PORT = 9229
};

struct listener {
	unsigned long inode;
	unsigned port;
	int any;		/* bound to 0.0.0.0 or :: */
	int v6;
};

static char client[RECORD_PATH_MAX];	/* heapglass-inspect.js */

/* Listening sockets in the net namespace of pid, from /proc/PID/net/NAME
 * ("tcp" or "tcp6"); appends to l (n entries, at most MAX_LISTEN). */
static void read_listeners(pid_t pid, const char *name, struct listener *l, int *n)
{
	char line[512], path[32];
	FILE *f;

	snprintf(path, sizeof path, "net/%s", name);
	f = record_proc_open(pid, path);
	if (!f)
		return;
	if (!fgets(line, sizeof line, f)) {	/* the header */
		fclose(f);
		return;
	}
	while (*n < MAX_LISTEN && fgets(line, sizeof line, f)) {
		char local[64];
		unsigned port, state;
		unsigned long inode;
		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, " %*s %63[0-9A-Fa-f]:%x %*s %x %*s %*s %*s %*s %*s %lu", local, &port, &state,
			   &inode) != 4 || state != 0x0A)
			continue;
		l[*n].inode = inode;
		l[*n].port = port;
		l[*n].v6 = strcmp(name, "tcp6") == 0;
		l[*n].any = strspn(local, "0") == strlen(local);
		(*n)++;
	}
	fclose(f);
}

/* The listening sockets that are among pid's file descriptors. */
static int own_listeners(pid_t pid, struct listener *out)
{
	struct listener all[MAX_LISTEN];
	int n = 0, kept = 0;
	char path[64], link[64], fdpath[64 + 256 + 2];
	DIR *d;
	struct dirent *e;

	read_listeners(pid, "tcp", all, &n);
	read_listeners(pid, "tcp6", all, &n);
	snprintf(path, sizeof path, "/proc/%ld/fd", (long)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL && kept < MAX_LISTEN) {
		unsigned long inode;
		ssize_t len;
		snprintf(fdpath, sizeof fdpath, "%s/%s", path, e->d_name);
		len = readlink(fdpath, link, sizeof link - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &inode) != 1)
			continue;
		for (int i = 0; i < n; i++)
			if (all[i].inode == inode)
				out[kept++] = all[i];
	}
	closedir(d);
	return kept;
}

/* Whether any socket in pid's net namespace listens on port. */
static int port_taken(pid_t pid, unsigned port)
{
	struct listener all[MAX_LISTEN];
	int n = 0;

	read_listeners(pid, "tcp", all, &n);
	read_listeners(pid, "tcp6", all, &n);
	for (int i = 0; i < n; i++)
		if (all[i].port == port)
			return 1;
	return 0;
}

static int has_listener(pid_t pid, unsigned port)
{
	struct listener l[MAX_LISTEN];
	int n = own_listeners(pid, l);

	for (int i = 0; i < n; i++)
		if (l[i].port == port)
			return 1;
	return 0;
}

/* Reads one of node's options a (--inspect-port=N, --inspect[=[HOST:]N],
 * ...) into *port and *open_at_start. */
static void inspect_option(const char *a, size_t len, unsigned *port, int *open_at_start)
{
	char opt[128];
	const char *num = NULL;

	if (len >= sizeof opt)
		return;
	memcpy(opt, a, len);
	opt[len] = '\0';
	if (strncmp(opt, "--inspect-port=", 15) == 0 || strncmp(opt, "--debug-port=", 13) == 0) {
		num = strchr(opt, '=') + 1;
	} else if (strncmp(opt, "--inspect", 9) == 0 && (opt[9] == '\0' || opt[9] == '=' ||
							 strncmp(opt + 9, "-brk", 4) == 0 ||
							 strncmp(opt + 9, "-wait", 5) == 0)) {
		*open_at_start = 1;
		num = strchr(opt, '=');
		num = num ? num + 1 : NULL;
	}
	if (num) {
		const char *colon = strrchr(num, ':');
		unsigned long p = strtoul(colon ? colon + 1 : num, NULL, 10);
		if (p > 0 && p < 65536)
			*port = (unsigned)p;
	}
}

/* The inspector port of pid from its options and NODE_OPTIONS (9229
 * unless set), and whether it was started with its inspector open. */
static unsigned inspect_port(pid_t pid, int *open_at_start)
{
	static const char *const files[] = { "cmdline", "environ" };
	char *text = malloc(65536);
	unsigned port = DEFAULT_PORT;

	*open_at_start = 0;
	for (int w = 0; w < 2 && text; w++) {
		size_t len;
		FILE *f;
		f = record_proc_open(pid, files[w]);
		if (!f)
			continue;
		len = fread(text, 1, 65535, f);
		fclose(f);
		text[len] = '\0';
		for (size_t i = 0; i < len; i += strlen(text + i) + 1) {
			const char *a = text + i;
			if (w == 0) {
				if (i > 0 && (a[0] != '-' || strcmp(a, "--") == 0))
					break;	/* the script: what follows is its own */
				inspect_option(a, strlen(a), &port, open_at_start);
			} else if (strncmp(a, "NODE_OPTIONS=", 13) == 0) {
				for (a += 13; *a; a += strspn(a, " ")) {
					size_t n = strcspn(a, " ");
					inspect_option(a, n, &port, open_at_start);
					a += n;
				}
			}
		}
	}
	free(text);
	return port;
}

int record_node_prepare(struct record_target *t)
{
	if (record_find_helper("loaders/node", "heapglass-inspect.js", client, sizeof client))
		return cli_fail("record: heapglass-inspect.js not found next to heapglass (loaders/node or "
				"share/heapglass); set HEAPGLASS_SHARE to its folder");
	if (access(t->exe, X_OK) != 0)
		return cli_fail("record: cannot run %ld's node to reach its inspector: %s", (long)t->pid,
				strerror(errno));
	return CLI_OK;
}

/* Runs heapglass-inspect.js HOST PORT OUT [--close]; on failure the reason
 * is in why. */
static int run_client(const struct record_target *t, char *host, char *port, const char *out,
		      char *close, struct record_helper *h, char *why, size_t size)
{
	char *argv[] = { (char *)t->exe, client, host, port, (char *)out, close, NULL };

	if (record_helper_run(argv, (uid_t)-1, (gid_t)-1, SNAP_TIMEOUT_MS, 0, h) != 0)
		snprintf(why, size, "cannot run %.900s: %s", t->exe, strerror(errno));
	else if (h->killed)
		snprintf(why, size, "the snapshot of %ld did not end in %d minutes", (long)t->pid,
			 SNAP_TIMEOUT_MS / 60000);
	else if (!WIFEXITED(h->status) || WEXITSTATUS(h->status) != 0)
		record_helper_line(h, "heapglass-inspect", why, size);
	else
		return CLI_OK;
	return CLI_FAIL;
}

/* Waits for a listener of t that is not in before[]; its port or 0. */
static unsigned wait_new_listener(const struct record_target *t, const struct listener *before, int nb,
				  struct listener *found)
{
	for (long waited = 0; waited < OPEN_TIMEOUT_MS; waited += TICK_MS) {
		struct listener now[MAX_LISTEN];
		int n = own_listeners(t->pid, now);
		for (int i = 0; i < n; i++) {
			int old = 0;
			for (int j = 0; j < nb && !old; j++)
				old = before[j].inode == now[i].inode;
			if (!old) {
				*found = now[i];
				return now[i].port;
			}
		}
		if (!record_target_alive(t))
			return 0;
		record_sleep_ms(TICK_MS);
	}
	return 0;
}

int record_node_snap(struct record_target *t, const char *tmp)
{
	struct listener before[MAX_LISTEN], l = { 0 };
	int nb, open_at_start;
	unsigned want = inspect_port(t->pid, &open_at_start), port = 0;
	char sport[16], why[1024], line[1024], *host;
	struct record_helper *h;
	int rc;

	nb = own_listeners(t->pid, before);
	if (open_at_start && has_listener(t->pid, want)) {
		/* Started with --inspect: use it, and leave it open. */
		t->node_port_kept = 1;
		port = want;
		for (int i = 0; i < nb; i++)
			if (before[i].port == want)
				l = before[i];
	} else if (open_at_start) {
		return cli_fail("record: %ld was started with its inspector open, but not on a port heapglass "
				"can tell (--inspect-port=N names it)", (long)t->pid);
	} else {
		/* Another process on the port: Node would fail to listen there. */
		if (port_taken(t->pid, want))
			return cli_fail("record: %ld cannot open its inspector: port %u is already taken by "
					"another process (free it, or start %ld with --inspect-port=N)", (long)t->pid,
					want, (long)t->pid);
		if (kill(t->pid, SIGUSR1) != 0)
			return cli_fail("record: cannot signal %ld: %s", (long)t->pid, strerror(errno));
		port = wait_new_listener(t, before, nb, &l);
		if (!port) {
			if (!record_target_alive(t))
				return cli_fail("record: %ld exited after SIGUSR1", (long)t->pid);
			if (port_taken(t->pid, want))
				return cli_fail("record: %ld could not open its inspector: port %u was taken by "
						"another process meanwhile", (long)t->pid, want);
			return cli_fail("record: %ld did not open its inspector after SIGUSR1 (started with "
					"--disable-sigusr1, or it handles SIGUSR1 itself?)", (long)t->pid);
		}
	}
	host = l.v6 ? "::1" : "127.0.0.1";
	snprintf(sport, sizeof sport, "%u", port);
	h = malloc(sizeof *h);
	if (!h)
		return cli_fail("out of memory");
	rc = run_client(t, host, sport, tmp, t->node_port_kept ? NULL : "--close", h, why, sizeof why);
	if (rc == CLI_FAIL && !t->node_port_kept && has_listener(t->pid, port))
		/* The snapshot failed with the inspector open: close it anyway. */
		run_client(t, host, sport, "-", "--close", h, line, sizeof line);
	free(h);
	if (!t->node_port_kept) {
		/* The inspector must be closed again, whatever happened. */
		for (long waited = 0; has_listener(t->pid, port); waited += TICK_MS) {
			if (waited >= CLOSE_TIMEOUT_MS) {
				if (rc == CLI_OK)
					snprintf(why, sizeof why, "%ld's inspector is still open", (long)t->pid);
				snprintf(line, sizeof line, "%.700s (and its inspector is still open on port %u)",
					 why, port);
				snprintf(why, sizeof why, "%s", line);
				rc = CLI_FAIL;
				break;
			}
			record_sleep_ms(TICK_MS);
		}
	}
	if (rc != CLI_OK)
		return cli_fail("record: %s", why);
	return rc;
}
