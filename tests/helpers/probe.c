/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * probe: a static helper that integration tests copy into a container's rootfs and run
 * inside it, to print exactly what the kernel reports (hostname, ids, caps, mounts,
 * limits, ...), so that assertions compare kernel facts and not shell-tool output.
 *
 * Usage: probe SUBCOMMAND [ARG]. Exit status: 0 success, 1 the probed thing failed
 * (its "error:<ERRNO>" line is still printed on stdout), 2 usage error.
 * Errors are printed as errno names (ENOENT, EROFS...), never strerror() text, so
 * that tests do not depend on the libc's wording or locale.
 *
 * Plain libc only, linked -static: it must run in a rootfs that has no libc at all.
 */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define EXIT_USAGE 2

static const char *errno_name(int e)
{
	static char buf[32];
	const char *n = strerrorname_np(e);

	if (n)
		return n;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

static const char *signal_name(int sig)
{
	static char buf[32];
	const char *n = sig < SIGRTMIN ? sigabbrev_np(sig) : NULL;

	if (n)
		snprintf(buf, sizeof(buf), "SIG%s", n);
	else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		snprintf(buf, sizeof(buf), "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(buf, sizeof(buf), "SIG%d", sig);
	return buf;
}

/* "TERM", "SIGTERM", "sigterm", "15", "RTMIN+2" -> number, or -1. */
static int parse_signal(const char *s)
{
	char *end;
	long v;

	if (isdigit((unsigned char)*s)) {
		errno = 0;
		v = strtol(s, &end, 10);
		if (errno || *end || v <= 0 || v >= NSIG)
			return -1;
		return (int)v;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	if (strncasecmp(s, "RTMIN+", 6) == 0) {
		v = strtol(s + 6, &end, 10);
		if (*end || v < 0 || SIGRTMIN + v > SIGRTMAX)
			return -1;
		return SIGRTMIN + (int)v;
	}
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		const char *n = sigabbrev_np(sig);

		if (n && strcasecmp(n, s) == 0)
			return sig;
	}
	return -1;
}

static int parse_long(const char *s, long min, long max, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*ret = v;
	return 0;
}

/* Print an error line for a failed probe and return the exit code 1. */
static int fail(const char *prefix, int e)
{
	printf("%s%s\n", prefix, errno_name(e));
	return 1;
}

static int usage(const char *msg)
{
	fprintf(stderr, "probe: %s\n", msg);
	return EXIT_USAGE;
}

/* Read a whole file (procfs-safe: loops until EOF). Returns NULL with errno set. */
static char *read_all(const char *path, size_t *ret_len)
{
	size_t len = 0, cap = 4096;
	char *buf;
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nbuf = realloc(buf, cap * 2 + 1);

			if (!nbuf) {
				saved = ENOMEM;
				goto fail;
			}
			buf = nbuf;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			saved = errno;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	return buf;
fail:
	free(buf);
	close(fd);
	errno = saved;
	return NULL;
}

/* Print the values of the /proc/self/status lines whose key is in keys[]. */
static int print_status(const char *const *keys, bool whole_line)
{
	char *buf = read_all("/proc/self/status", NULL);
	int found = 0;

	if (!buf)
		return fail("error:", errno);
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		for (size_t i = 0; keys[i]; i++) {
			if ((size_t)(colon - line) != strlen(keys[i]) ||
			    strncmp(line, keys[i], strlen(keys[i])) != 0)
				continue;
			if (whole_line) {
				puts(line);
			} else {
				const char *v = colon + 1;

				while (*v == ' ' || *v == '\t')
					v++;
				puts(v);
			}
			found++;
		}
	}
	free(buf);
	if (!found)
		return fail("error:", ENOENT);
	return 0;
}

static int cmd_hostname(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return fail("error:", errno);
	puts(u.nodename);
	return 0;
}

static int cmd_domainname(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return fail("error:", errno);
	puts(u.domainname);
	return 0;
}

static int cmd_ids(void)
{
	gid_t *groups;
	int n;

	n = getgroups(0, NULL);
	if (n < 0)
		return fail("error:", errno);
	groups = calloc((size_t)n + 1, sizeof(gid_t));
	if (!groups)
		return fail("error:", ENOMEM);
	n = getgroups(n, groups);
	if (n < 0) {
		free(groups);
		return fail("error:", errno);
	}
	printf("uid=%u gid=%u euid=%u egid=%u groups=", (unsigned)getuid(), (unsigned)getgid(),
	       (unsigned)geteuid(), (unsigned)getegid());
	for (int i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", (unsigned)groups[i]);
	putchar('\n');
	free(groups);
	return 0;
}

static int cmd_caps(void)
{
	static const char *const keys[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
					    NULL };

	return print_status(keys, true);
}

static int cmd_status(const char *field)
{
	const char *keys[] = { field, NULL };

	return print_status(keys, false);
}

static int cmd_umask(void)
{
	mode_t m = umask(0);

	umask(m);
	printf("%04o\n", (unsigned)m);
	return 0;
}

static int cmd_cwd(void)
{
	char buf[PATH_MAX];

	if (!getcwd(buf, sizeof(buf)))
		return fail("error:", errno);
	puts(buf);
	return 0;
}

static int cmd_env(void)
{
	for (char **e = environ; e && *e; e++)
		puts(*e);
	return 0;
}

static int cmd_getenv(const char *name)
{
	const char *v = getenv(name);

	if (!v)
		return 1; /* unset: no output, exit 1 (distinguishes it from empty) */
	puts(v);
	return 0;
}

static const struct {
	const char *name;
	int resource;
} rlimits[] = {
	{ "AS", RLIMIT_AS },
	{ "CORE", RLIMIT_CORE },
	{ "CPU", RLIMIT_CPU },
	{ "DATA", RLIMIT_DATA },
	{ "FSIZE", RLIMIT_FSIZE },
	{ "LOCKS", RLIMIT_LOCKS },
	{ "MEMLOCK", RLIMIT_MEMLOCK },
	{ "MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "NICE", RLIMIT_NICE },
	{ "NOFILE", RLIMIT_NOFILE },
	{ "NPROC", RLIMIT_NPROC },
	{ "RSS", RLIMIT_RSS },
	{ "RTPRIO", RLIMIT_RTPRIO },
	{ "RTTIME", RLIMIT_RTTIME },
	{ "SIGPENDING", RLIMIT_SIGPENDING },
	{ "STACK", RLIMIT_STACK },
};

static void print_rlim(rlim_t v, char sep)
{
	if (v == RLIM_INFINITY)
		printf("unlimited%c", sep);
	else
		printf("%llu%c", (unsigned long long)v, sep);
}

static int cmd_rlimit(const char *name)
{
	struct rlimit rl;

	if (strncasecmp(name, "RLIMIT_", 7) == 0)
		name += 7;
	for (size_t i = 0; i < sizeof(rlimits) / sizeof(rlimits[0]); i++) {
		if (strcasecmp(rlimits[i].name, name) != 0)
			continue;
		if (getrlimit(rlimits[i].resource, &rl) < 0)
			return fail("error:", errno);
		print_rlim(rl.rlim_cur, ' ');
		print_rlim(rl.rlim_max, '\n');
		return 0;
	}
	return usage("rlimit: unknown resource (NOFILE, NPROC, CORE, AS, ...)");
}

/*
 * "0:tty 1:notty 2:notty", then for the first fd that is a terminal:
 * "ttyname /dev/pts/0" and "winsize ROWS COLS".
 */
static int cmd_tty(void)
{
	int first = -1;

	for (int fd = 0; fd <= 2; fd++) {
		bool t = isatty(fd);

		printf("%d:%s%c", fd, t ? "tty" : "notty", fd == 2 ? '\n' : ' ');
		if (t && first < 0)
			first = fd;
	}
	if (first >= 0) {
		char name[PATH_MAX];
		struct winsize ws;
		int r = ttyname_r(first, name, sizeof(name));

		if (r == 0)
			printf("ttyname %s\n", name);
		else
			printf("ttyname error:%s\n", errno_name(r));
		if (ioctl(first, TIOCGWINSZ, &ws) == 0)
			printf("winsize %u %u\n", (unsigned)ws.ws_row, (unsigned)ws.ws_col);
		else
			printf("winsize error:%s\n", errno_name(errno));
	}
	return 0;
}

/* Undo mountinfo's octal escaping (\040 for space, ...) in place. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/*
 * Split a mountinfo line. Fields: id parent major:minor root mountpoint options
 * [optional...] - fstype source superoptions.
 */
static bool mountinfo_split(char *line, char **ret_mp, char **ret_opts, char **ret_fstype)
{
	char *field[6], *save = NULL, *tok;
	int n = 0;

	for (tok = strtok_r(line, " ", &save); tok && n < 6; tok = strtok_r(NULL, " ", &save))
		field[n++] = tok;
	if (n < 6)
		return false;
	*ret_mp = field[4];
	*ret_opts = field[5];
	*ret_fstype = NULL;
	for (; tok; tok = strtok_r(NULL, " ", &save)) {
		if (strcmp(tok, "-") == 0) {
			*ret_fstype = strtok_r(NULL, " ", &save);
			break;
		}
	}
	return true;
}

/* One line per mount, in mount order: "MOUNTPOINT OPTIONS FSTYPE" (mountpoint escaped). */
static int cmd_mounts(void)
{
	char *buf = read_all("/proc/self/mountinfo", NULL);

	if (!buf)
		return fail("error:", errno);
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *mp, *opts, *fstype;

		if (mountinfo_split(line, &mp, &opts, &fstype))
			printf("%s %s %s\n", mp, opts, fstype ? fstype : "?");
	}
	free(buf);
	return 0;
}

/* Options of the visible (last, i.e. topmost) mount at exactly PATH, or "none". */
static int cmd_mountinfo(const char *path)
{
	char *buf = read_all("/proc/self/mountinfo", NULL);
	char *found = NULL;

	if (!buf)
		return fail("error:", errno);
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *mp, *opts, *fstype;

		if (!mountinfo_split(line, &mp, &opts, &fstype))
			continue;
		unescape_octal(mp);
		if (strcmp(mp, path) == 0) {
			free(found);
			found = strdup(opts);
		}
	}
	free(buf);
	puts(found ? found : "none");
	free(found);
	return 0;
}

static int cmd_writable(const char *path)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0) {
		printf("denied:%s\n", errno_name(errno));
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		char tmp[PATH_MAX];

		if (snprintf(tmp, sizeof(tmp), "%s/.probe-XXXXXX", path) >= (int)sizeof(tmp))
			return usage("writable: path too long");
		fd = mkstemp(tmp);
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
	} else {
		fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd >= 0)
			close(fd);
	}
	if (fd >= 0)
		puts("writable");
	else if (errno == EROFS)
		puts("readonly");
	else
		printf("denied:%s\n", errno_name(errno));
	return 0;
}

static int cmd_readfile(const char *path)
{
	size_t len;
	char *buf = read_all(path, &len);

	if (!buf)
		return fail("error:", errno);
	fwrite(buf, 1, len, stdout);
	free(buf);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* Sorted names in PATH, one per line, without "." and "..". */
static int cmd_ls(const char *path)
{
	DIR *d = opendir(path);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	if (!d)
		return fail("error:", errno);
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) * sizeof(*names));

			if (!nn)
				return fail("error:", ENOMEM);
			names = nn;
		}
		names[n] = strdup(de->d_name);
		if (!names[n])
			return fail("error:", ENOMEM);
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		puts(names[i]);
		free(names[i]);
	}
	free(names);
	return 0;
}

/* "TYPE MODE UID GID [MAJOR:MINOR]" of PATH itself (lstat: symlinks are not followed). */
static int cmd_stat(const char *path)
{
	const char *type;
	struct stat st;

	if (lstat(path, &st) < 0)
		return fail("error:", errno);
	switch (st.st_mode & S_IFMT) {
	case S_IFREG:
		type = "file";
		break;
	case S_IFDIR:
		type = "dir";
		break;
	case S_IFLNK:
		type = "symlink";
		break;
	case S_IFCHR:
		type = "char";
		break;
	case S_IFBLK:
		type = "block";
		break;
	case S_IFIFO:
		type = "fifo";
		break;
	case S_IFSOCK:
		type = "socket";
		break;
	default:
		type = "unknown";
		break;
	}
	printf("%s %04o %u %u", type, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
	       (unsigned)st.st_gid);
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		printf(" %u:%u", major(st.st_rdev), minor(st.st_rdev));
	putchar('\n');
	return 0;
}

/* Numeric entries of a /proc directory, sorted, space separated; skip_fd excluded. */
static int print_numeric_dir(const char *path, long skip)
{
	DIR *d = opendir(path);
	long *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	if (!d)
		return fail("error:", errno);
	if (skip == -2)
		skip = dirfd(d);
	while ((de = readdir(d))) {
		long x;

		if (parse_long(de->d_name, 0, LONG_MAX, &x) < 0 || x == skip)
			continue;
		if (n == cap) {
			long *nv = realloc(v, (cap = cap ? cap * 2 : 64) * sizeof(*v));

			if (!nv)
				return fail("error:", ENOMEM);
			v = nv;
		}
		v[n++] = x;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_long);
	for (size_t i = 0; i < n; i++)
		printf("%s%ld", i ? " " : "", v[i]);
	putchar('\n');
	free(v);
	return 0;
}

static int cmd_kill_self(const char *arg)
{
	int sig = parse_signal(arg);

	if (sig < 0)
		return usage("kill-self: unknown signal");
	fflush(stdout);
	if (raise(sig) != 0)
		return fail("error:", errno);
	/* Still alive: ignored, handled, or we are an unkillable pid-namespace init. */
	puts("survived");
	return 1;
}

static int cmd_sleep(const char *arg)
{
	char *end;
	double secs;
	struct timespec ts;

	errno = 0;
	secs = strtod(arg, &end);
	if (errno || end == arg || *end || secs < 0 || secs > 1e9)
		return usage("sleep: bad number of seconds");
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return 0;
}

/* Allocate MB MiB, 1 MiB at a time, writing every page so it is really charged. */
static int cmd_alloc(const char *arg)
{
	long mb, page = sysconf(_SC_PAGESIZE);

	if (parse_long(arg, 0, 1L << 30, &mb) < 0)
		return usage("alloc: bad size in MiB");
	if (page <= 0)
		page = 4096;
	for (long i = 0; i < mb; i++) {
		char *p = malloc(1 << 20);

		if (!p) {
			printf("alloc failed after %ld: ENOMEM\n", i);
			return 1;
		}
		for (long off = 0; off < (1 << 20); off += page)
			p[off] = 1;
		/* deliberately never freed */
	}
	printf("allocated %ld\n", mb);
	return 0;
}

static int cmd_forkbomb(const char *arg)
{
	long max, k = 0;
	pid_t *pids;
	int err = 0;

	if (parse_long(arg, 0, 1L << 20, &max) < 0)
		return usage("forkbomb: bad count");
	pids = calloc((size_t)max + 1, sizeof(pid_t));
	if (!pids)
		return fail("error:", ENOMEM);
	fflush(stdout);
	for (; k < max; k++) {
		pid_t pid = fork();

		if (pid < 0) {
			err = errno;
			break;
		}
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1 && getpid() != 1)
				_exit(0); /* parent already gone */
			for (;;)
				pause();
		}
		pids[k] = pid;
	}
	printf("forked %ld\n", k);
	if (err)
		printf("fork failed: %s\n", errno_name(err));
	for (long i = 0; i < k; i++)
		kill(pids[i], SIGKILL);
	for (long i = 0; i < k; i++)
		while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
			;
	free(pids);
	return 0;
}

static void noop_handler(int sig)
{
	(void)sig;
}

/*
 * Print "ready", then the name of each signal received, one per line; exit 0 after
 * SIGTERM, or print "timeout" and exit 1 after 30 s. Signals are blocked and taken
 * with sigtimedwait(); a no-op handler is installed too so that nothing is discarded
 * as "ignored by default" (SIGCHLD, SIGWINCH, SIGURG) or because we are a pid-namespace
 * init, which the kernel protects from signals whose action is SIG_DFL.
 */
static int cmd_signals(void)
{
	struct sigaction sa = { .sa_handler = noop_handler };
	struct timespec deadline, now, left;
	sigset_t all;

	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&all, sig) == 1)
			sigaction(sig, &sa, NULL);
	sigprocmask(SIG_BLOCK, &all, NULL);

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += 30;
	puts("ready");
	fflush(stdout);
	for (;;) {
		int sig;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left.tv_sec = deadline.tv_sec - now.tv_sec;
		left.tv_nsec = deadline.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		if (left.tv_sec < 0)
			break;
		sig = sigtimedwait(&all, NULL, &left);
		if (sig < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return fail("error:", errno);
		}
		puts(signal_name(sig));
		fflush(stdout);
		if (sig == SIGTERM)
			return 0;
	}
	puts("timeout");
	return 1;
}

static int cmd_sysctl(const char *name)
{
	char path[PATH_MAX];
	size_t len;
	char *buf;

	if (snprintf(path, sizeof(path), "/proc/sys/%s", name) >= (int)sizeof(path))
		return usage("sysctl: name too long");
	/* net.ipv4.ip_forward -> net/ipv4/ip_forward (a name may also use slashes) */
	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
	buf = read_all(path, &len);
	if (!buf)
		return fail("error:", errno);
	while (len && buf[len - 1] == '\n')
		buf[--len] = '\0';
	puts(buf);
	free(buf);
	return 0;
}

/* shmget KEY: a SysV shared memory segment of 4 KiB with that key in the caller's IPC
 * namespace (kept after we exit); prints its id. */
static int cmd_shmget(const char *key)
{
	char *end;
	long k = strtol(key, &end, 0);
	int id;

	if (*end || end == key)
		return usage("shmget: KEY is a number");
	id = shmget((key_t)k, 4096, IPC_CREAT | 0600);
	if (id < 0)
		return fail("error:", errno);
	printf("%d\n", id);
	return 0;
}

static const char usage_text[] =
	"usage: probe SUBCOMMAND [ARG]\n"
	"  hostname | domainname | pid | ppid | ids | caps | nnp | umask | cwd | env\n"
	"  getenv NAME | rlimit NAME | status FIELD | tty | mounts | mountinfo PATH\n"
	"  writable PATH | readfile PATH | ls PATH | stat PATH | fds | ps | cgroup\n"
	"  sysctl NAME | exit N | kill-self SIG | sleep SECS | alloc MB | forkbomb N\n"
	"  signals | hunt-exe SECS | shmget KEY\n";

/*
 * hunt-exe SECS: for SECS seconds, keep trying to reach the executable of every other
 * process through /proc/PID/exe, the way a CVE-2019-5736 exploit reaches the runtime's
 * binary while the runtime joins the container. Prints "reached PID TARGET" and fails
 * when a link to anything named like berth could be read, else "never reached".
 */
static int cmd_hunt_exe(const char *arg)
{
	double secs = atof(arg);
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	puts("hunting");
	fflush(stdout);
	for (;;) {
		DIR *d = opendir("/proc");
		struct dirent *de;

		if (!d)
			return fail("error:", errno);
		while ((de = readdir(d))) {
			char path[300], target[4096];
			ssize_t n;

			if (de->d_name[0] < '0' || de->d_name[0] > '9' || atoi(de->d_name) == getpid())
				continue;
			snprintf(path, sizeof(path), "/proc/%s/exe", de->d_name);
			n = readlink(path, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = 0;
			if (strstr(target, "berth")) {
				printf("reached %s %s\n", de->d_name, target);
				closedir(d);
				return 1;
			}
		}
		closedir(d);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 >
		    secs)
			break;
	}
	puts("never reached");
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd, *arg;
	bool want_arg;
	long n;

	if (argc < 2) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	arg = argc > 2 ? argv[2] : NULL;

	static const char *const with_arg[] = {
		"hunt-exe", "getenv", "rlimit", "status", "mountinfo", "writable", "readfile", "ls", "stat",
		"sysctl", "exit", "kill-self", "sleep", "alloc", "forkbomb", "shmget", NULL,
	};
	want_arg = false;
	for (size_t i = 0; with_arg[i]; i++)
		if (strcmp(cmd, with_arg[i]) == 0)
			want_arg = true;
	if (want_arg ? argc != 3 : argc != 2) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}

	if (strcmp(cmd, "hunt-exe") == 0)
		return cmd_hunt_exe(arg);
	if (strcmp(cmd, "hostname") == 0)
		return cmd_hostname();
	if (strcmp(cmd, "domainname") == 0)
		return cmd_domainname();
	if (strcmp(cmd, "pid") == 0)
		return printf("%d\n", (int)getpid()) < 0;
	if (strcmp(cmd, "ppid") == 0)
		return printf("%d\n", (int)getppid()) < 0;
	if (strcmp(cmd, "ids") == 0)
		return cmd_ids();
	if (strcmp(cmd, "caps") == 0)
		return cmd_caps();
	if (strcmp(cmd, "nnp") == 0)
		return cmd_status("NoNewPrivs");
	if (strcmp(cmd, "status") == 0)
		return cmd_status(arg);
	if (strcmp(cmd, "umask") == 0)
		return cmd_umask();
	if (strcmp(cmd, "cwd") == 0)
		return cmd_cwd();
	if (strcmp(cmd, "env") == 0)
		return cmd_env();
	if (strcmp(cmd, "getenv") == 0)
		return cmd_getenv(arg);
	if (strcmp(cmd, "rlimit") == 0)
		return cmd_rlimit(arg);
	if (strcmp(cmd, "tty") == 0)
		return cmd_tty();
	if (strcmp(cmd, "mounts") == 0)
		return cmd_mounts();
	if (strcmp(cmd, "mountinfo") == 0)
		return cmd_mountinfo(arg);
	if (strcmp(cmd, "writable") == 0)
		return cmd_writable(arg);
	if (strcmp(cmd, "readfile") == 0)
		return cmd_readfile(arg);
	if (strcmp(cmd, "ls") == 0)
		return cmd_ls(arg);
	if (strcmp(cmd, "stat") == 0)
		return cmd_stat(arg);
	if (strcmp(cmd, "fds") == 0)
		return print_numeric_dir("/proc/self/fd", -2);
	if (strcmp(cmd, "ps") == 0)
		return print_numeric_dir("/proc", -1);
	if (strcmp(cmd, "cgroup") == 0)
		return cmd_readfile("/proc/self/cgroup");
	if (strcmp(cmd, "shmget") == 0)
		return cmd_shmget(arg);
	if (strcmp(cmd, "sysctl") == 0)
		return cmd_sysctl(arg);
	if (strcmp(cmd, "exit") == 0) {
		if (parse_long(arg, 0, 255, &n) < 0)
			return usage("exit: status must be 0..255");
		return (int)n;
	}
	if (strcmp(cmd, "kill-self") == 0)
		return cmd_kill_self(arg);
	if (strcmp(cmd, "sleep") == 0)
		return cmd_sleep(arg);
	if (strcmp(cmd, "alloc") == 0)
		return cmd_alloc(arg);
	if (strcmp(cmd, "forkbomb") == 0)
		return cmd_forkbomb(arg);
	if (strcmp(cmd, "signals") == 0)
		return cmd_signals();
	fprintf(stderr, "probe: unknown subcommand '%s'\n", cmd);
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}
