/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <sys/random.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <sys/syscall.h>

#include "berth/cleanup.h"
#include "berth/util.h"

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

char **strv_free(char **l)
{
	if (l) {
		for (char **i = l; *i; i++)
			free(*i);
		free(l);
	}
	return NULL;
}

void strv_freep(char ***p)
{
	strv_free(*p);
}

size_t strv_length(char *const *l)
{
	size_t n = 0;

	while (l && l[n])
		n++;
	return n;
}

int strv_push(char ***l, char *s)
{
	size_t n = strv_length(*l);
	char **nl;

	if (!s)
		return -ENOMEM;
	nl = realloc(*l, (n + 2) * sizeof(char *));
	if (!nl) {
		free(s);
		return -ENOMEM;
	}
	nl[n] = s;
	nl[n + 1] = NULL;
	*l = nl;
	return 0;
}

int strv_extend(char ***l, const char *s)
{
	return strv_push(l, strdup(s));
}

char **strv_copy(char *const *l)
{
	char **r = calloc(strv_length(l) + 1, sizeof(char *));

	if (!r)
		return NULL;
	for (size_t i = 0; l && l[i]; i++) {
		r[i] = strdup(l[i]);
		if (!r[i])
			return strv_free(r);
	}
	return r;
}

bool strv_contains(char *const *l, const char *s)
{
	for (size_t i = 0; l && l[i]; i++)
		if (streq(l[i], s))
			return true;
	return false;
}

bool labels_match(char *const *labels, const char *want)
{
	const char *eq = strchr(want, '=');
	size_t kl = eq ? (size_t)(eq - want) : strlen(want);

	for (char *const *l = labels; l && *l; l++) {
		const char *leq = strchr(*l, '=');
		size_t ll = leq ? (size_t)(leq - *l) : strlen(*l);

		/* a label without '=' has the empty value */
		if (ll != kl || strncmp(*l, want, kl))
			continue;
		if (!eq || streq(leq ? leq + 1 : "", eq + 1))
			return true;
	}
	return false;
}

ssize_t loop_read(int fd, void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t k = read(fd, (char *)buf + done, n - done);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		done += (size_t)k;
	}
	return (ssize_t)done;
}

int loop_write(int fd, const void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t k = write(fd, (const char *)buf + done, n - done);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)k;
	}
	return 0;
}

int read_full_fd(int fd, char **ret, size_t *ret_size)
{
	_cleanup_free_ char *buf = NULL;
	size_t size = 0, alloc = 0;

	for (;;) {
		ssize_t k;

		if (alloc - size < 4096) {
			char *nb;
			alloc = alloc ? alloc * 2 : 8192;
			nb = realloc(buf, alloc + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		k = read(fd, buf + size, alloc - size);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		size += (size_t)k;
	}
	if (!buf) {
		buf = malloc(1);
		if (!buf)
			return -ENOMEM;
	}
	buf[size] = 0;
	*ret = TAKE_PTR(buf);
	if (ret_size)
		*ret_size = size;
	return 0;
}

int read_full_file(const char *path, char **ret, size_t *ret_size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	return read_full_fd(fd, ret, ret_size);
}

int read_file_in_root(const char *root, const char *path, char **ret, size_t *ret_size)
{
	_cleanup_close_ int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd = -EBADF;
	struct open_how how = {
	    .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY,
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	if (rfd < 0)
		return -errno;
	while (*path == '/')
		path++;
	fd = (int)syscall(SYS_openat2, rfd, path, &how, sizeof(how));
	if (fd < 0)
		return -errno;
	return read_full_fd(fd, ret, ret_size);
}

int read_one_line_at(int dirfd, const char *path, char **ret)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	char *s;
	size_t n;
	int r;

	if (fd < 0)
		return -errno;
	r = read_full_fd(fd, &s, &n);
	if (r < 0)
		return r;
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = 0;
	*ret = s;
	return 0;
}

int write_string_at(int dirfd, const char *path, const char *s)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t k;

	if (fd < 0)
		return -errno;
	/* One write(2): cgroup and proc files take a value per write call. */
	k = write(fd, s, strlen(s));
	if (k < 0)
		return -errno;
	if ((size_t)k != strlen(s))
		return -EIO;
	return 0;
}

int write_file_atomic(const char *path, const void *data, size_t size, mode_t mode)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (!tmp)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	r = loop_write(fd, data, size);
	if (r >= 0 && fsync(fd) < 0)
		r = -errno;
	if (r >= 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

int mkdir_p(const char *path, mode_t mode)
{
	_cleanup_free_ char *p = strdup(path);
	char *s;

	if (!p)
		return -ENOMEM;
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int rm_rf_children(int fd, dev_t dev)
{
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	struct dirent *de;
	int r = 0;

	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				r = -errno;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int cfd;

			if (st.st_dev != dev) /* never cross into another mount */
				return -EBUSY;
			cfd = openat(dirfd(d), de->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0) {
				r = -errno;
				continue;
			}
			int k = rm_rf_children(cfd, dev);
			if (k < 0)
				r = k;
			if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
				r = -errno;
		} else if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT) {
			r = -errno;
		}
	}
	return r;
}

int rm_rf_at(int dirfd, const char *name)
{
	struct stat st;
	int fd, r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 ? -errno : 0;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = rm_rf_children(fd, st.st_dev);
	if (r < 0)
		return r;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int rm_rf(const char *path)
{
	return rm_rf_at(AT_FDCWD, path);
}

bool path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

char *path_under(const char *base, const char *path)
{
	return base && path[0] != '/' ? xasprintf("%s/%s", base, path) : strdup(path);
}

int parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -errno;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_i64(const char *s, int64_t *ret)
{
	char *end;
	long long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno)
		return -errno;
	if (*end)
		return -EINVAL;
	*ret = v;
	return 0;
}

int parse_go_duration(const char *s, int64_t *ret_ns)
{
	/* "ms" before "m": the first unit p starts with is its unit */
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {
	    {"ns", 1},
	    {"us", 1000},
	    {"\u00b5s", 1000},
	    {"\u03bcs", 1000},
	    {"ms", 1000000},
	    {"s", 1000000000},
	    {"m", 60ULL * 1000000000},
	    {"h", 3600ULL * 1000000000},
	};
	const char *p = s;
	unsigned __int128 total = 0;
	bool neg = false;

	if (!p)
		return -EINVAL;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (streq(p, "0")) {
		*ret_ns = 0;
		return 0;
	}
	if (!*p)
		return -EINVAL;
	while (*p) {
		uint64_t whole = 0, frac = 0, scale = 1;
		bool digits = false;
		size_t u;

		for (; *p >= '0' && *p <= '9'; p++, digits = true) {
			if (whole > (UINT64_MAX - 9) / 10)
				return -ERANGE;
			whole = whole * 10 + (uint64_t)(*p - '0');
		}
		if (*p == '.')
			for (p++; *p >= '0' && *p <= '9'; p++, digits = true)
				if (scale < 1000000000000000000ULL) {
					frac = frac * 10 + (uint64_t)(*p - '0');
					scale *= 10;
				}
		if (!digits)
			return -EINVAL;
		for (u = 0; u < ELEMENTSOF(units) && !startswith(p, units[u].name); u++)
			;
		if (u == ELEMENTSOF(units))
			return -EINVAL;
		p += strlen(units[u].name);
		total += (unsigned __int128)whole * units[u].ns +
			 (unsigned __int128)frac * units[u].ns / scale;
		if (total > (unsigned __int128)INT64_MAX)
			return -ERANGE;
	}
	*ret_ns = neg ? -(int64_t)total : (int64_t)total;
	return 0;
}

/* v/div with the remainder as a decimal fraction, its trailing zeros dropped */
static size_t format_fraction(char *buf, size_t n, uint64_t v, uint64_t div)
{
	int k = snprintf(buf, n, "%llu", (unsigned long long)(v / div));
	uint64_t rest = v % div;

	if (rest && k >= 0 && (size_t)k + 1 < n) {
		buf[k++] = '.';
		for (uint64_t d = div / 10; d && rest && (size_t)k + 1 < n; d /= 10) {
			buf[k++] = (char)('0' + rest / d);
			rest %= d;
		}
		buf[k] = 0;
	}
	return k < 0 ? 0 : (size_t)k;
}

void format_go_duration(int64_t ns, char buf[GO_DURATION_MAX])
{
	uint64_t u = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;
	size_t k = 0;

	if (ns < 0)
		buf[k++] = '-';
	if (u == 0) {
		snprintf(buf, GO_DURATION_MAX, "0s");
	} else if (u < 1000000000) {
		const char *unit = u < 1000 ? "ns" : u < 1000000 ? "\u00b5s" : "ms";
		uint64_t div = u < 1000 ? 1 : u < 1000000 ? 1000 : 1000000;

		k += format_fraction(buf + k, GO_DURATION_MAX - k, u, div);
		snprintf(buf + k, GO_DURATION_MAX - k, "%s", unit);
	} else {
		uint64_t h = u / (3600ULL * 1000000000), m = u / (60ULL * 1000000000) % 60;

		if (h)
			k += (size_t)snprintf(buf + k, GO_DURATION_MAX - k, "%lluh",
					      (unsigned long long)h);
		if (h || m)
			k += (size_t)snprintf(buf + k, GO_DURATION_MAX - k, "%llum",
					      (unsigned long long)m);
		k += format_fraction(buf + k, GO_DURATION_MAX - k, u % (60ULL * 1000000000),
				     1000000000);
		snprintf(buf + k, GO_DURATION_MAX - k, "s");
	}
}

int parse_size(const char *s, int64_t *ret)
{
	char *end;
	double v;
	int64_t mult = 1;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s)
		return -EINVAL;
	switch (tolower((unsigned char)*end)) {
	case 0:
		break;
	case 'b':
		mult = 1;
		end++;
		break;
	case 'k':
		mult = 1LL << 10;
		end++;
		break;
	case 'm':
		mult = 1LL << 20;
		end++;
		break;
	case 'g':
		mult = 1LL << 30;
		end++;
		break;
	case 't':
		mult = 1LL << 40;
		end++;
		break;
	default:
		return -EINVAL;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end)
		return -EINVAL;
	if (v * (double)mult > (double)INT64_MAX)
		return -ERANGE;
	*ret = (int64_t)(v * (double)mult);
	return 0;
}

int fd_set_cloexec(int fd, bool on)
{
	int f = fcntl(fd, F_GETFD);

	if (f < 0)
		return -errno;
	f = on ? (f | FD_CLOEXEC) : (f & ~FD_CLOEXEC);
	return fcntl(fd, F_SETFD, f) < 0 ? -errno : 0;
}

int fd_set_nonblock(int fd, bool on)
{
	int f = fcntl(fd, F_GETFL);

	if (f < 0)
		return -errno;
	f = on ? (f | O_NONBLOCK) : (f & ~O_NONBLOCK);
	return fcntl(fd, F_SETFL, f) < 0 ? -errno : 0;
}

int send_with_fd(int sock, const void *data, size_t len, int fd)
{
	struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	for (;;) {
		if (sendmsg(sock, &mh, MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

int passwd_lookup(const char *path, uint32_t uid, char **ret_name, char **ret_home)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[4096];

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *rest = line, *name = strsep(&rest, ":"), *pass = strsep(&rest, ":");
		char *u = strsep(&rest, ":"), *gid = strsep(&rest, ":"),
		     *gecos = strsep(&rest, ":");
		char *home = strsep(&rest, ":"), *end;

		if (!name || !pass || !u || !*u || !gid || !gecos)
			continue;
		if (strtoul(u, &end, 10) != uid || *end != '\0')
			continue;
		if (ret_name && !(*ret_name = strdup(name)))
			return -ENOMEM;
		if (ret_home && !(*ret_home = strdup(home ? home : ""))) {
			if (ret_name) {
				free(*ret_name);
				*ret_name = NULL;
			}
			return -ENOMEM;
		}
		return 1;
	}
	return 0;
}

bool object_name_valid(const char *n, size_t min_len, size_t max_len)
{
	size_t len = n ? strlen(n) : 0;

	if (len < min_len || len > max_len || len == 0)
		return false;
	for (const char *p = n; *p; p++) {
		bool alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9');

		if (!alnum && (p == n || !strchr("_.-", *p)))
			return false;
	}
	return true;
}

int random_hex_id(char ret[65])
{
	uint8_t b[32];

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		return -errno;
	for (int i = 0; i < 32; i++)
		sprintf(ret + 2 * i, "%02x", b[i]);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int dir_list_marked(const char *dir, const char *marker, bool (*valid)(const char *name),
		    char ***ret)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	_cleanup_strv_free_ char **names = NULL;
	struct dirent *de;

	if (!d && errno != ENOENT)
		return -errno;
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *p = NULL;

		if (de->d_name[0] == '.' || (valid && !valid(de->d_name)))
			continue;
		p = xasprintf("%s/%s/%s", dir, de->d_name, marker);
		if (!p)
			return -ENOMEM;
		if (access(p, F_OK) == 0 && strv_extend(&names, de->d_name) < 0)
			return -ENOMEM;
	}
	if (!names && !(names = calloc(1, sizeof(char *))))
		return -ENOMEM;
	qsort(names, strv_length(names), sizeof(char *), cmp_str);
	*ret = TAKE_PTR(names);
	return 0;
}

char *strv_join(char *const *l, const char *sep)
{
	size_t len = 1, sl = strlen(sep);
	char *s, *p;

	for (char *const *a = l; a && *a; a++)
		len += strlen(*a) + sl;
	s = p = malloc(len);
	if (!s)
		return NULL;
	*p = 0;
	for (char *const *a = l; a && *a; a++) {
		if (a != l)
			p = stpcpy(p, sep);
		p = stpcpy(p, *a);
	}
	return s;
}

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool detach_keys_filter(const char *keys, size_t n_keys, size_t *held, const char *in, size_t n,
			char *out, size_t *ret_out_n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (*held > 0 && in[i] != keys[*held]) {
			memcpy(out + k, keys, *held);
			k += *held;
			*held = 0;
		}
		/* a byte that breaks the keys may start them again */
		if (n_keys > 0 && in[i] == keys[*held]) {
			if (++*held == n_keys) {
				*held = 0;
				*ret_out_n = k;
				return true;
			}
		} else {
			out[k++] = in[i];
		}
	}
	*ret_out_n = k;
	return false;
}

int tty_set_raw(int fd, struct termios *saved)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return -errno;
	*saved = t;
	cfmakeraw(&t);
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return -errno;
	return 0;
}

int proc_start_time(pid_t pid, uint64_t *ret)
{
	char path[64];
	_cleanup_free_ char *text = NULL;
	char *p;
	char state;
	unsigned long long st;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_full_file(path, &text, NULL) < 0)
		return -ESRCH;
	/* comm may hold spaces and parentheses: parse from the last ')' */
	p = strrchr(text, ')');
	if (!p)
		return -EIO;
	if (sscanf(
		p + 1,
		" %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		&state, &st) != 2)
		return -EIO;
	if (state == 'Z' || state == 'X')
		return -ESRCH;
	*ret = st;
	return 0;
}

int exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

int parse_time_spec(const char *s, int64_t *ret)
{
	struct timespec now;
	struct tm tm = {0};
	const char *p = s;
	double secs = 0;
	char *end;

	clock_gettime(CLOCK_REALTIME, &now);
	/* durations: numbers with units, summed */
	if (*p && strchr("0123456789.", *p) && strpbrk(p, "hms")) {
		while (*p) {
			double v = strtod(p, &end);

			if (end == p)
				return -EINVAL;
			if (*end == 'h')
				secs += v * 3600;
			else if (startswith(end, "ms"))
				secs += v / 1000, end++;
			else if (*end == 'm')
				secs += v * 60;
			else if (*end == 's')
				secs += v;
			else
				return -EINVAL;
			p = end + 1;
		}
		*ret = ((int64_t)now.tv_sec * 1000000000 + now.tv_nsec) - (int64_t)(secs * 1e9);
		return 0;
	}
	/* unix seconds, with up to 9 digits of a fraction, exactly */
	if (*s >= '0' && *s <= '9' && s[strspn(s, "0123456789.")] == 0 &&
	    strchr(s, '.') == strrchr(s, '.')) {
		int64_t sec = strtoll(s, &end, 10), ns = 0, scale = 100000000;

		if (*end == '.')
			for (end++; *end && scale > 0; end++, scale /= 10)
				ns += (*end - '0') * scale;
		*ret = sec * 1000000000 + ns;
		return 0;
	}
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		end = strptime(s, "%Y-%m-%d", &tm);
	if (!end)
		return -EINVAL;
	{
		int64_t ns = 0, scale = 100000000;

		if (*end == '.')
			for (end++; *end >= '0' && *end <= '9'; end++, scale /= 10)
				ns += (*end - '0') * scale;
		int64_t off = 0;

		if (*end == 'Z') {
			end++;
		} else if ((*end == '+' || *end == '-') && strlen(end) == 6 && end[3] == ':') {
			/* "+01:00": the time is that far ahead of UTC */
			int h = atoi(end + 1), m = atoi(end + 4);

			off = (int64_t)(h * 3600 + m * 60) * (*end == '-' ? -1 : 1);
			end += 6;
		}
		if (*end)
			return -EINVAL;
		*ret = ((int64_t)timegm(&tm) - off) * 1000000000 + ns;
	}
	return 0;
}
