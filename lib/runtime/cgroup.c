/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup layout detection, path resolution and the helpers both backends share.
 * The backends (cgroup-v1.c: v1 and hybrid, cgroup-v2.c: v2) only see struct cgroup
 * with every hierarchy's directory already resolved.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "berth/runtime.h"
#include "cgroup-internal.h"
#include "cgroup.h"
#include "berth/util.h"

#define DEFAULT_ROOT "/sys/fs/cgroup"

int (*cgroup_write_hook)(const char *dir, const char *file, const char *value);

/* ---------------------------------------------------------------------------------------- */
/* Small helpers */

void cgroup_sleep_ms(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int cgroup_error_move(struct berth_error **dst, struct berth_error **src)
{
	int r = *src ? -(*src)->errnum : -EIO;

	if (dst) {
		berth_error_free(*dst);
		*dst = TAKE_PTR(*src);
	} else {
		*src = berth_error_free(*src);
	}
	return r;
}

bool cgroup_list_has(const char *list, const char *seps, const char *word)
{
	size_t wl = strlen(word);

	if (!list || wl == 0)
		return false;
	for (const char *p = list; *p;) {
		size_t l = strcspn(p, seps);

		if (l == wl && strncmp(p, word, wl) == 0)
			return true;
		p += l;
		if (*p)
			p++;
	}
	return false;
}

static void strip_trailing_space(char *s)
{
	size_t n = strlen(s);

	while (n > 0 &&
	       (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Control files */

int cgroup_write(const char *dir, const char *file, const char *value, struct berth_error **err)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
	_cleanup_close_ int fd = -EBADF;
	size_t n = strlen(value);
	ssize_t k;

	if (!p)
		return berth_error_set(err, ENOMEM, "write '%s' = '%s' in '%s'", file, value, dir);
	if (cgroup_write_hook) {
		int r = cgroup_write_hook(dir, file, value);
		if (r < 0)
			return berth_error_set(err, -r, "write '%s' = '%s' in '%s'", file, value,
					       dir);
	}
	/* O_TRUNC is ignored by cgroupfs but keeps plain files (the unit tests' fake trees)
	 * holding exactly the last value; never O_CREAT: a missing control file means a
	 * missing controller, and that must be an error. */
	fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return berth_error_set(err, errno, "write '%s' = '%s' in '%s'", file, value, dir);
	/* One write(2): the kernel parses each write call as one value. */
	k = write(fd, value, n);
	if (k < 0)
		return berth_error_set(err, errno, "write '%s' = '%s' in '%s'", file, value, dir);
	if ((size_t)k != n)
		return berth_error_set(err, EIO, "write '%s' = '%s' in '%s'", file, value, dir);
	return 0;
}

int cgroup_read(const char *dir, const char *file, bool missing_ok, char **ret,
		struct berth_error **err)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
	char *s = NULL;
	int r;

	if (!p)
		return berth_error_set(err, ENOMEM, "read '%s' in '%s'", file, dir);
	r = read_full_file(p, &s, NULL);
	if (r == -ENOENT && missing_ok)
		return 0;
	if (r < 0)
		return berth_error_set(err, -r, "read '%s' in '%s'", file, dir);
	strip_trailing_space(s);
	*ret = s;
	return 1;
}

static int parse_value_u64(const char *s, uint64_t *ret)
{
	if (streq(s, "max") || streq(s, "-1")) {
		*ret = UINT64_MAX;
		return 0;
	}
	return parse_u64(s, ret);
}

int cgroup_read_u64(const char *dir, const char *file, bool missing_ok, uint64_t *ret,
		    struct berth_error **err)
{
	_cleanup_free_ char *s = NULL;
	uint64_t v;
	int r;

	r = cgroup_read(dir, file, missing_ok, &s, err);
	if (r <= 0)
		return r;
	if (parse_value_u64(s, &v) < 0)
		return berth_error_new(err, EINVAL, "read '%s' in '%s': unexpected value '%s'",
				       file, dir, s);
	*ret = v;
	return 1;
}

int cgroup_read_keyed(const char *dir, const char *file, const char *key, uint64_t *ret,
		      struct berth_error **err)
{
	_cleanup_free_ char *s = NULL;
	char *line, *saveptr = NULL;
	int r;

	r = cgroup_read(dir, file, true, &s, err);
	if (r <= 0)
		return r;
	for (line = strtok_r(s, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
		const char *v = startswith(line, key);
		uint64_t n;

		if (!v || *v != ' ')
			continue;
		v++;
		if (parse_value_u64(v, &n) < 0)
			return berth_error_new(err, EINVAL,
					       "read '%s' in '%s': unexpected value '%s' for '%s'",
					       file, dir, v, key);
		*ret = n;
		return 1;
	}
	return 0;
}

static int append_procs(const char *dir, bool recursive, pid_t **pids, size_t *n,
			struct berth_error **err)
{
	_cleanup_free_ char *s = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	char *line, *saveptr = NULL;
	struct dirent *de;
	int r;

	r = cgroup_read(dir, "cgroup.procs", true, &s, err);
	if (r < 0)
		return r;
	for (line = s ? strtok_r(s, "\n", &saveptr) : NULL; line;
	     line = strtok_r(NULL, "\n", &saveptr)) {
		uint64_t v;
		pid_t *np;

		if (parse_u64(line, &v) < 0 || v == 0 || v > INT32_MAX)
			return berth_error_new(err, EINVAL,
					       "read 'cgroup.procs' in '%s': unexpected line '%s'",
					       dir, line);
		np = realloc(*pids, (*n + 1) * sizeof(pid_t));
		if (!np)
			return berth_error_set(err, ENOMEM, "read 'cgroup.procs' in '%s'", dir);
		*pids = np;
		(*pids)[(*n)++] = (pid_t)v;
	}
	if (!recursive)
		return 0;

	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return berth_error_set(err, errno, "open '%s'", dir);
	}
	while ((de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;
		struct stat st;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (de->d_type == DT_UNKNOWN &&
		    (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		     !S_ISDIR(st.st_mode)))
			continue;
		sub = xasprintf("%s/%s", dir, de->d_name);
		if (!sub)
			return berth_error_set(err, ENOMEM, "open '%s'", dir);
		r = append_procs(sub, true, pids, n, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int cgroup_read_procs(const char *dir, bool recursive, pid_t **ret, size_t *ret_n,
		      struct berth_error **err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r;

	r = append_procs(dir, recursive, &pids, &n, err);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(pids);
	*ret_n = n;
	return 0;
}

int cgroup_signal_tree(const char *dir, int sig, struct berth_error **err)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;
	int r;

	r = cgroup_read_procs(dir, true, &pids, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			return berth_error_set(err, errno, "kill %d with signal %d (cgroup '%s')",
					       (int)pids[i], sig, dir);
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

bool cgroup_file_exists(const char *dir, const char *file)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, file);

	return p && access(p, F_OK) == 0;
}

int cgroup_write_lines(const char *dir, const char *file, const char *value,
		       struct berth_error **err)
{
	_cleanup_free_ char *copy = strdup(value);
	char *line, *saveptr = NULL;
	bool any = false;

	if (!copy)
		return berth_error_set(err, ENOMEM, "write '%s' in '%s'", file, dir);
	for (line = strtok_r(copy, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
		int r = cgroup_write(dir, file, line, err);

		if (r < 0)
			return r;
		any = true;
	}
	/* An empty value is still a write: some files take "" (e.g. cpuset.cpus). */
	return any ? 0 : cgroup_write(dir, file, value, err);
}

int cgroup_check_unified_key(const char *key, struct berth_error **err)
{
	const char *dot = strchr(key, '.');

	/* The key names a file in our own cgroup directory, nothing else. */
	if (!*key || strchr(key, '/') || streq(key, ".") || streq(key, "..") || !dot ||
	    dot == key || !dot[1])
		return berth_error_new(err, EINVAL, "unified '%s': not a cgroup file name", key);
	return 0;
}

int cgroup_check_page_size(const char *size, struct berth_error **err)
{
	/* It becomes part of a file name: letters and digits only ("2MB", "1GB"). */
	if (!*size)
		return berth_error_new(err, EINVAL, "hugepage limit: empty page size");
	for (const char *c = size; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= 'a' && *c <= 'z')))
			return berth_error_new(err, EINVAL, "hugepage limit '%s': not a page size",
					       size);
	return 0;
}

bool cgroup_wants_cpu(const struct rt_resources *r)
{
	return r->cpu_shares != 0 || r->cpu_quota != RT_UNSET || r->cpu_period != 0 ||
	       r->has_cpu_realtime_runtime || r->has_cpu_realtime_period || r->has_cpu_idle ||
	       r->has_cpu_burst;
}

bool cgroup_wants_io(const struct rt_resources *r)
{
	if (r->blkio_weight || r->blkio_leaf_weight || r->n_blkio_weight_devices)
		return true;
	for (size_t k = 0; k < _RT_BLKIO_THROTTLE_MAX; k++)
		if (r->n_blkio_throttle[k])
			return true;
	return false;
}

uint64_t cgroup_blkio_to_io_weight(uint64_t weight)
{
	if (weight == 0)
		return 0;
	if (weight < 10)
		weight = 10;
	if (weight > 1000)
		weight = 1000;
	return 1 + (weight - 10) * 9999 / 990;
}

/* ---------------------------------------------------------------------------------------- */
/* Directories */

int cgroup_hier_mkdir(const struct cgroup *cg, const struct cgroup_hier *h, cgroup_mkdir_fn fn,
		      struct berth_error **err)
{
	size_t base = strlen(h->mountpoint);
	_cleanup_free_ char *p = strdup(h->path);
	_cleanup_free_ char *parent = strdup(h->mountpoint);
	size_t len;

	if (!p || !parent)
		return berth_error_set(err, ENOMEM, "mkdir '%s'", h->path);
	len = strlen(p);
	if (len <= base || strncmp(p, h->mountpoint, base) != 0 || p[base] != '/')
		return berth_error_new(err, EINVAL, "cgroup '%s' is not below '%s'", h->path,
				       h->mountpoint);
	/* One level at a time so each new directory can be set up (cpuset, subtree_control)
	 * before the next one is made below it. */
	for (size_t i = base + 1; i <= len; i++) {
		char *np;
		int r;

		if (p[i] != '/' && p[i] != 0)
			continue;
		if (p[i - 1] == '/') /* "//" */
			continue;
		p[i] = 0;
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			r = -errno;
			return berth_error_set(err, -r, "mkdir '%s'", p);
		}
		if (fn) {
			r = fn(cg, parent, p, err);
			if (r < 0)
				return r;
		}
		np = strdup(p);
		if (!np)
			return berth_error_set(err, ENOMEM, "mkdir '%s'", h->path);
		free(parent);
		parent = np;
		if (i < len)
			p[i] = '/';
	}
	return 0;
}

static int rmdir_tree(const char *dir, uint64_t deadline, struct berth_error **err)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;
	int r;

	if (!d) {
		if (errno == ENOENT)
			return 0;
		return berth_error_set(err, errno, "open '%s'", dir);
	}
	/* Child cgroups (made by the container, e.g. its own systemd) go first: a cgroup with
	 * children cannot be removed. Regular entries are the kernel's control files. */
	while ((de = readdir(d))) {
		_cleanup_free_ char *sub = NULL;
		struct stat st;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (de->d_type == DT_UNKNOWN &&
		    (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		     !S_ISDIR(st.st_mode)))
			continue;
		sub = xasprintf("%s/%s", dir, de->d_name);
		if (!sub)
			return berth_error_set(err, ENOMEM, "rmdir '%s'", dir);
		r = rmdir_tree(sub, deadline, err);
		if (r < 0)
			return r;
	}
	/* Right after the last task exits the kernel may still be releasing it and rmdir
	 * answers EBUSY for a moment. */
	for (;;) {
		if (rmdir(dir) >= 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY || now_ms() >= deadline)
			return berth_error_set(err, errno, "rmdir '%s'", dir);
		cgroup_sleep_ms(10);
	}
}

int cgroup_hier_rmdir(const struct cgroup_hier *h, struct berth_error **err)
{
	return rmdir_tree(h->path, now_ms() + 1000, err);
}

/* ---------------------------------------------------------------------------------------- */
/* Lookup */

struct cgroup_hier *cgroup_v1_hier(const struct cgroup *cg, const char *controller)
{
	for (size_t i = 0; i < cg->n_hiers; i++)
		if (cg->hiers[i].controllers[0] &&
		    cgroup_list_has(cg->hiers[i].controllers, ",", controller))
			return &cg->hiers[i];
	return NULL;
}

/* base + "/" + sub, cleaned; NULL with *ret_climbs when sub leaves base ("..", "a/../.."). */
static char *sub_join(const char *base, const char *sub, bool *ret_climbs)
{
	_cleanup_free_ char *copy = strdup(sub), *out = NULL;
	size_t len, depth = 0;
	char *save = NULL;

	*ret_climbs = false;
	if (!copy)
		return NULL;
	len = strlen(base);
	out = malloc(len + strlen(sub) + 2);
	if (!out)
		return NULL;
	memcpy(out, base, len + 1);
	for (char *t = strtok_r(copy, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (streq(t, "."))
			continue;
		if (streq(t, "..")) {
			if (depth == 0) {
				*ret_climbs = true;
				return NULL;
			}
			depth--;
			*strrchr(out, '/') = 0;
			continue;
		}
		depth++;
		strcat(out, "/");
		strcat(out, t);
	}
	return TAKE_PTR(out);
}

int cgroup_use_sub(struct cgroup *cg, const char *const *subs, struct berth_error **err)
{
	_cleanup_free_ const char **chosen = NULL;
	size_t n = 0;

	for (const char *const *s = subs; s && *s; s++)
		n++;
	if (n == 0)
		return 0;
	chosen = calloc(cg->n_hiers ? cg->n_hiers : 1, sizeof(*chosen));
	if (!chosen)
		return berth_error_set(err, ENOMEM, "sub cgroups");
	/* Which sub path each hierarchy gets (a later entry for the same one wins, as with
	 * runc's map); co-mounted controllers ("cpu,cpuacct") name one hierarchy. */
	for (const char *const *s = subs; *s; s++) {
		const char *colon = strchr(*s, ':');
		_cleanup_free_ char *ctrls = NULL;
		char *save = NULL;

		if (!colon) {
			if (n != 1)
				return berth_error_new(err, EINVAL,
						       "invalid --cgroup argument: %s (missing "
						       "<controller>: prefix)",
						       *s);
			for (size_t i = 0; i < cg->n_hiers; i++)
				chosen[i] = *s;
			continue;
		}
		if (strchr(colon + 1, ':'))
			return berth_error_new(err, EINVAL, "invalid --cgroup argument: %s", *s);
		ctrls = strndup(*s, (size_t)(colon - *s));
		if (!ctrls)
			return berth_error_set(err, ENOMEM, "sub cgroup '%s'", *s);
		for (char *c = strtok_r(ctrls, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
			struct cgroup_hier *h = cgroup_v1_hier(cg, c);

			if (!h)
				return berth_error_new(err, EINVAL,
						       "unknown controller %s in SubCgroupPaths", c);
			chosen[h - cg->hiers] = colon + 1;
		}
	}
	/* all or nothing: check every path before changing any */
	for (size_t i = 0; i < cg->n_hiers; i++) {
		bool climbs;
		_cleanup_free_ char *p = chosen[i] ? sub_join(cg->hiers[i].path, chosen[i], &climbs)
						   : NULL;

		if (chosen[i] && !p && climbs)
			return berth_error_new(err, EINVAL, "%s is not a sub cgroup path", chosen[i]);
		if (chosen[i] && !p)
			return berth_error_set(err, ENOMEM, "sub cgroup '%s'", chosen[i]);
	}
	for (size_t i = 0; i < cg->n_hiers; i++) {
		bool climbs;
		char *p;

		if (!chosen[i])
			continue;
		p = sub_join(cg->hiers[i].path, chosen[i], &climbs);
		if (!p)
			return berth_error_set(err, ENOMEM, "sub cgroup '%s'", chosen[i]);
		free(cg->hiers[i].path);
		cg->hiers[i].path = p;
	}
	return 0;
}

struct cgroup_hier *cgroup_unified(const struct cgroup *cg)
{
	if (cg->layout == CGROUP_LAYOUT_V1 || cg->n_hiers == 0)
		return NULL;
	if (cg->hiers[cg->n_hiers - 1].controllers[0])
		return NULL;
	return &cg->hiers[cg->n_hiers - 1];
}

const char *cgroup_v2_dir(const struct cgroup *cg)
{
	const struct cgroup_hier *h = cgroup_unified(cg);

	return h ? h->path : NULL;
}

bool cgroup_v2_available(const struct cgroup_hier *h, const char *controller)
{
	_cleanup_free_ char *s = NULL;

	if (cgroup_read(h->mountpoint, "cgroup.controllers", true, &s, NULL) <= 0)
		return false;
	return cgroup_list_has(s, " \t\n", controller);
}

int cgroup_no_controller(const struct cgroup *cg, const char *controller, const char *what,
			 struct berth_error **err)
{
	return berth_error_new(err, ENODEV,
			       "%s: cgroup controller '%s' is not available under '%s'", what,
			       controller, cg->root);
}

/* ---------------------------------------------------------------------------------------- */
/* Detection */

struct mount_entry {
	bool v2;
	char *mountpoint;
	char *mroot;	   /* the mount's root inside its hierarchy, "/" unless a subtree */
	char *controllers; /* v1: controllers and name= from the super options; v2: "" */
};

struct mount_table {
	struct mount_entry *e;
	size_t n;
};

static void mount_entry_clear(struct mount_entry *m)
{
	free(m->mountpoint);
	free(m->mroot);
	free(m->controllers);
	*m = (struct mount_entry){0};
}

static void mount_table_clear(struct mount_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		mount_entry_clear(&t->e[i]);
	free(t->e);
	t->e = NULL;
	t->n = 0;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static char *unescape_octal(const char *s)
{
	char *r = malloc(strlen(s) + 1), *o = r;

	if (!r)
		return NULL;
	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = 0;
	return r;
}

static bool path_is_at_or_below(const char *p, const char *base)
{
	size_t l = strlen(base);

	if (streq(base, "/"))
		return p[0] == '/';
	return strncmp(p, base, l) == 0 && (p[l] == 0 || p[l] == '/');
}

/* Super options of a v1 mount minus the ones that are not controllers. */
static char *v1_controllers(const char *superopts)
{
	static const char *const not_controllers[] = {
	    "rw",
	    "ro",
	    "xattr",
	    "noprefix",
	    "clone_children",
	    "cpuset_v2_mode",
	    "favordynmods",
	    "nofavordynmods",
	    "none",
	    "all",
	};
	_cleanup_free_ char *copy = strdup(superopts);
	char *out, *o, *tok, *saveptr = NULL;

	if (!copy)
		return NULL;
	out = calloc(1, strlen(superopts) + 1);
	if (!out)
		return NULL;
	o = out;
	for (tok = strtok_r(copy, ",", &saveptr); tok; tok = strtok_r(NULL, ",", &saveptr)) {
		bool skip = false;

		for (size_t i = 0; i < ELEMENTSOF(not_controllers); i++)
			if (streq(tok, not_controllers[i]))
				skip = true;
		if (strchr(tok, '=') && !startswith(tok, "name="))
			skip = true; /* release_agent=..., etc. */
		if (skip)
			continue;
		if (o != out)
			*o++ = ',';
		o = stpcpy(o, tok);
	}
	return out;
}

static int parse_mountinfo(const char *root, const char *path, struct mount_table *ret,
			   struct berth_error **err)
{
	_cleanup_free_ char *text = NULL;
	struct mount_table t = {0};
	char *line, *saveptr = NULL;
	int r;

	r = read_full_file(path, &text, NULL);
	if (r < 0)
		return berth_error_set(err, -r, "read '%s'", path);

	for (line = strtok_r(text, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
		char *f[64], *fsave = NULL, *tok;
		size_t nf = 0, sep = 0;
		struct mount_entry m = {0};
		const char *fstype;

		for (tok = strtok_r(line, " ", &fsave); tok && nf < ELEMENTSOF(f);
		     tok = strtok_r(NULL, " ", &fsave))
			f[nf++] = tok;
		for (size_t i = 6; i < nf; i++)
			if (streq(f[i], "-")) {
				sep = i;
				break;
			}
		if (sep == 0 || nf < sep + 4) {
			mount_table_clear(&t);
			return berth_error_new(err, EINVAL, "parse '%s': malformed line", path);
		}
		m.mountpoint = unescape_octal(f[4]);
		if (!m.mountpoint) {
			mount_table_clear(&t);
			return berth_error_set(err, ENOMEM, "parse '%s'", path);
		}
		if (!path_is_at_or_below(m.mountpoint, root)) {
			mount_entry_clear(&m);
			continue;
		}
		/* A later mount hides earlier ones at or below its mount point (e.g. a tmpfs
		 * mounted over a cgroup2 root to build a hybrid layout). */
		for (size_t i = 0; i < t.n;) {
			if (path_is_at_or_below(t.e[i].mountpoint, m.mountpoint)) {
				mount_entry_clear(&t.e[i]);
				memmove(&t.e[i], &t.e[i + 1], (t.n - i - 1) * sizeof(t.e[0]));
				t.n--;
			} else {
				i++;
			}
		}
		fstype = f[sep + 1];
		if (!streq(fstype, "cgroup") && !streq(fstype, "cgroup2")) {
			mount_entry_clear(&m);
			continue;
		}
		m.v2 = streq(fstype, "cgroup2");
		m.mroot = unescape_octal(f[3]);
		m.controllers = m.v2 ? strdup("") : v1_controllers(f[sep + 3]);
		if (!m.mroot || !m.controllers) {
			mount_entry_clear(&m);
			mount_table_clear(&t);
			return berth_error_set(err, ENOMEM, "parse '%s'", path);
		}
		if (!m.v2 && !m.controllers[0]) {
			mount_entry_clear(&m);
			continue;
		}
		struct mount_entry *ne = realloc(t.e, (t.n + 1) * sizeof(t.e[0]));
		if (!ne) {
			mount_entry_clear(&m);
			mount_table_clear(&t);
			return berth_error_set(err, ENOMEM, "parse '%s'", path);
		}
		t.e = ne;
		t.e[t.n++] = m;
	}
	*ret = t;
	return 0;
}

/* Pick the hierarchies in use. Returns the layout; the chosen entries' indexes go in
 * idx (v1 ones in mount order, then the cgroup2 one). */
static int choose_layout(const char *root, const struct mount_table *t, size_t *idx, size_t *ret_n,
			 enum cgroup_layout *ret, struct berth_error **err)
{
	size_t n = 0, v2 = SIZE_MAX;

	for (size_t i = 0; i < t->n; i++) {
		if (t->e[i].v2) {
			if (streq(t->e[i].mountpoint, root)) {
				idx[0] = i;
				*ret_n = 1;
				*ret = CGROUP_LAYOUT_V2;
				return 0;
			}
			if (v2 == SIZE_MAX)
				v2 = i;
			continue;
		}
		if (streq(t->e[i].mountpoint, root))
			continue; /* v1 at the root itself: not a layout we know */
		bool dup = false;
		for (size_t j = 0; j < n; j++)
			if (streq(t->e[idx[j]].controllers, t->e[i].controllers))
				dup = true; /* the same hierarchy mounted twice */
		if (!dup)
			idx[n++] = i;
	}
	if (n == 0 && v2 == SIZE_MAX)
		/* `ip netns exec` runs its command in a mount namespace of its own with a
		 * fresh /sys, without the cgroup mounts */
		return berth_error_new(err, ENOMEDIUM,
				       "no cgroup filesystem is mounted under '%s' (under `ip netns "
				       "exec`, which mounts a /sys of its own without them, use "
				       "`nsenter --net=/run/netns/NAME` instead)",
				       root);
	if (n == 0) {
		idx[0] = v2;
		*ret_n = 1;
		*ret = CGROUP_LAYOUT_V2;
		return 0;
	}
	if (v2 != SIZE_MAX) {
		idx[n++] = v2;
		*ret = CGROUP_LAYOUT_HYBRID;
	} else {
		*ret = CGROUP_LAYOUT_V1;
	}
	*ret_n = n;
	return 0;
}

static char *normalize_root(const char *root)
{
	char *r = strdup(root ? root : DEFAULT_ROOT);
	size_t n;

	if (!r)
		return NULL;
	n = strlen(r);
	while (n > 1 && r[n - 1] == '/')
		r[--n] = 0;
	return r;
}

int cgroup_detect(const char *root, const char *mountinfo, const char *self_cgroup,
		  enum cgroup_layout *ret, struct berth_error **err)
{
	_cleanup_free_ char *nroot = normalize_root(root);
	_cleanup_free_ size_t *idx = NULL;
	struct mount_table t = {0};
	enum cgroup_layout l;
	size_t n;
	int r;

	if (!nroot)
		return berth_error_set(err, ENOMEM, "detect cgroups");
	r = parse_mountinfo(nroot, mountinfo ? mountinfo : "/proc/self/mountinfo", &t, err);
	if (r < 0)
		return r;
	idx = calloc(t.n + 1, sizeof(size_t));
	if (!idx) {
		mount_table_clear(&t);
		return berth_error_set(err, ENOMEM, "detect cgroups");
	}
	r = choose_layout(nroot, &t, idx, &n, &l, err);
	mount_table_clear(&t);
	if (r < 0)
		return r;
	*ret = l;
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Path resolution */

/* "/a//./b/" -> "/a/b", "a/b" -> "a/b". Rejects "..", empty paths and the root itself. */
static int normalize_path(const char *path, char **ret, struct berth_error **err)
{
	_cleanup_free_ char *copy = NULL, *out = NULL;
	char *o, *tok, *saveptr = NULL;

	if (!path || !*path)
		return berth_error_new(err, EINVAL, "cgroup path is empty");
	copy = strdup(path);
	out = calloc(1, strlen(path) + 2);
	if (!copy || !out)
		return berth_error_set(err, ENOMEM, "cgroup path '%s'", path);
	o = out;
	for (tok = strtok_r(copy, "/", &saveptr); tok; tok = strtok_r(NULL, "/", &saveptr)) {
		if (streq(tok, "."))
			continue;
		if (streq(tok, ".."))
			return berth_error_new(
			    err, EINVAL, "cgroup path '%s': '..' components are not allowed", path);
		if (o != out || path[0] == '/')
			*o++ = '/';
		o = stpcpy(o, tok);
	}
	if (o == out)
		return berth_error_new(err, EINVAL, "cgroup path '%s' names the root cgroup", path);
	*ret = TAKE_PTR(out);
	return 0;
}

struct self_line {
	bool v2; /* "0::/path" */
	char *controllers;
	char *path;
};

static void self_lines_free(struct self_line *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(l[i].controllers);
		free(l[i].path);
	}
	free(l);
}

static int parse_self_cgroup(const char *path, struct self_line **ret, size_t *ret_n,
			     struct berth_error **err)
{
	_cleanup_free_ char *text = NULL;
	struct self_line *l = NULL;
	size_t n = 0;
	char *line, *saveptr = NULL;
	int r;

	r = read_full_file(path, &text, NULL);
	if (r < 0)
		return berth_error_set(err, -r, "read '%s'", path);
	for (line = strtok_r(text, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		struct self_line *nl;

		if (!c2) {
			self_lines_free(l, n);
			return berth_error_new(err, EINVAL, "parse '%s': malformed line '%s'", path,
					       line);
		}
		*c1 = *c2 = 0;
		nl = realloc(l, (n + 1) * sizeof(*l));
		if (!nl) {
			self_lines_free(l, n);
			return berth_error_set(err, ENOMEM, "parse '%s'", path);
		}
		l = nl;
		l[n].v2 = streq(line, "0") && c1[1] == 0;
		l[n].controllers = strdup(c1 + 1);
		l[n].path = strdup(c2 + 1);
		n++;
		if (!l[n - 1].controllers || !l[n - 1].path) {
			self_lines_free(l, n);
			return berth_error_set(err, ENOMEM, "parse '%s'", path);
		}
	}
	*ret = l;
	*ret_n = n;
	return 0;
}

static bool same_controller_set(const char *a, const char *b)
{
	_cleanup_free_ char *copy = strdup(a);
	char *tok, *saveptr = NULL;
	size_t na = 0, nb = 1;

	if (!copy)
		return false;
	for (tok = strtok_r(copy, ",", &saveptr); tok; tok = strtok_r(NULL, ",", &saveptr)) {
		if (!cgroup_list_has(b, ",", tok))
			return false;
		na++;
	}
	for (const char *p = b; *p; p++)
		if (*p == ',')
			nb++;
	return *b && na == nb;
}

/* The process's own cgroup in a hierarchy, relative to where that hierarchy is mounted. */
static const char *own_cgroup(const struct mount_entry *m, const struct self_line *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *p, *rest;

		if (m->v2 ? !l[i].v2
			  : (l[i].v2 || !same_controller_set(m->controllers, l[i].controllers)))
			continue;
		p = l[i].path;
		/* A mount of a subtree (mount root "/x") shows /x at its mount point. */
		if (!streq(m->mroot, "/") && (rest = startswith(p, m->mroot)) &&
		    (*rest == 0 || *rest == '/'))
			p = *rest ? rest : "/";
		return p;
	}
	return "/";
}

static char *resolve(const struct mount_entry *m, const char *npath, const struct self_line *l,
		     size_t n)
{
	const char *own;

	if (npath[0] == '/')
		return xasprintf("%s%s", m->mountpoint, npath);
	own = own_cgroup(m, l, n);
	if (streq(own, "/"))
		return xasprintf("%s/%s", m->mountpoint, npath);
	return xasprintf("%s%s%s/%s", m->mountpoint, own[0] == '/' ? "" : "/", own, npath);
}

int cgroup_new(const char *path, const char *root, const char *mountinfo, const char *self_cgroup,
	       struct cgroup **ret, struct berth_error **err)
{
	_cleanup_free_ char *npath = NULL;
	_cleanup_free_ size_t *idx = NULL;
	struct mount_table t = {0};
	struct self_line *lines = NULL;
	size_t n_lines = 0, n;
	struct cgroup *cg = NULL;
	enum cgroup_layout l;
	int r;

	r = normalize_path(path, &npath, err);
	if (r < 0)
		return r;
	cg = calloc(1, sizeof(*cg));
	if (!cg)
		return berth_error_set(err, ENOMEM, "cgroup '%s'", path);
	cg->root = normalize_root(root);
	cg->rel_path = strdup(path);
	if (!cg->root || !cg->rel_path) {
		r = berth_error_set(err, ENOMEM, "cgroup '%s'", path);
		goto out;
	}
	r = parse_mountinfo(cg->root, mountinfo ? mountinfo : "/proc/self/mountinfo", &t, err);
	if (r < 0)
		goto out;
	idx = calloc(t.n + 1, sizeof(size_t));
	if (!idx) {
		r = berth_error_set(err, ENOMEM, "cgroup '%s'", path);
		goto out;
	}
	r = choose_layout(cg->root, &t, idx, &n, &l, err);
	if (r < 0)
		goto out;
	r = parse_self_cgroup(self_cgroup ? self_cgroup : "/proc/self/cgroup", &lines, &n_lines,
			      err);
	if (r < 0)
		goto out;

	cg->layout = l;
	cg->ops = l == CGROUP_LAYOUT_V2	      ? &cgroup_v2_ops
		  : l == CGROUP_LAYOUT_HYBRID ? &cgroup_hybrid_ops
					      : &cgroup_v1_ops;
	cg->hiers = calloc(n, sizeof(cg->hiers[0]));
	if (!cg->hiers) {
		r = berth_error_set(err, ENOMEM, "cgroup '%s'", path);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct mount_entry *m = &t.e[idx[i]];
		struct cgroup_hier *h = &cg->hiers[cg->n_hiers++];

		h->controllers = strdup(m->controllers);
		h->mountpoint = strdup(m->mountpoint);
		h->path = resolve(m, npath, lines, n_lines);
		if (!h->controllers || !h->mountpoint || !h->path) {
			r = berth_error_set(err, ENOMEM, "cgroup '%s'", path);
			goto out;
		}
	}
	*ret = TAKE_PTR(cg);
	r = 0;
out:
	self_lines_free(lines, n_lines);
	mount_table_clear(&t);
	cgroup_free(cg);
	return r;
}

struct cgroup *cgroup_free(struct cgroup *cg)
{
	if (!cg)
		return NULL;
	for (size_t i = 0; i < cg->n_hiers; i++) {
		free(cg->hiers[i].controllers);
		free(cg->hiers[i].mountpoint);
		free(cg->hiers[i].path);
	}
	free(cg->hiers);
	free(cg->root);
	free(cg->rel_path);
	free(cg->unit);
	free(cg->slice);
	free(cg->sd_res.devices);
	free(cg);
	return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Wrappers */

int cgroup_create(struct cgroup *cg, struct berth_error **err)
{
	return cg->ops->create(cg, err);
}

int cgroup_enter(struct cgroup *cg, pid_t pid, struct berth_error **err)
{
	return cg->ops->enter(cg, pid, err);
}

int cgroup_apply(struct cgroup *cg, const struct rt_resources *r, struct berth_error **err)
{
	return cg->ops->apply(cg, r, err);
}

int cgroup_freeze(struct cgroup *cg, bool frozen, struct berth_error **err)
{
	return cg->ops->freeze(cg, frozen, err);
}

int cgroup_stats(struct cgroup *cg, struct cgroup_stats *ret, struct berth_error **err)
{
	return cg->ops->stats(cg, ret, err);
}

int cgroup_destroy(struct cgroup *cg, struct berth_error **err)
{
	return cg->ops->destroy(cg, err);
}

const char *cgroup_layout_name(enum cgroup_layout l)
{
	switch (l) {
	case CGROUP_LAYOUT_V1:
		return "v1";
	case CGROUP_LAYOUT_V2:
		return "v2";
	case CGROUP_LAYOUT_HYBRID:
		return "hybrid";
	case _CGROUP_LAYOUT_MAX:
	default:
		return "unknown";
	}
}

uint64_t cgroup_shares_to_weight(uint64_t shares)
{
	if (shares == 0)
		return 0; /* unset */
	/* The v1 range is 2..262144 and v2's 1..10000; clamp so the formula cannot wrap. */
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	return 1 + ((shares - 2) * 9999) / 262142;
}

/* A block I/O weight needs the I/O scheduler's group support: on v1 CFQ's blkio.weight or
 * BFQ's blkio.bfq.weight (not on the root cgroup: looked for in its first child too), on
 * v2 the io controller. */
static bool dir_or_child_has(const char *dir, const char *const *files, size_t n)
{
	_cleanup_(closedirp) DIR *d = NULL;
	struct dirent *de;

	for (size_t i = 0; i < n; i++)
		if (cgroup_file_exists(dir, files[i]))
			return true;
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		_cleanup_free_ char *child = NULL;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		child = xasprintf("%s/%s", dir, de->d_name);
		for (size_t i = 0; child && i < n; i++)
			if (cgroup_file_exists(child, files[i]))
				return true;
		return false;
	}
	return false;
}

bool berth_cgroup_blkio_weight_supported(void)
{
	static const char *const v1[] = {"blkio.weight", "blkio.bfq.weight"};
	_cleanup_free_ char *controllers = NULL;
	enum cgroup_layout layout;

	if (cgroup_detect(NULL, NULL, NULL, &layout, NULL) < 0)
		return false;
	if (layout != CGROUP_LAYOUT_V2)
		return dir_or_child_has("/sys/fs/cgroup/blkio", v1, ELEMENTSOF(v1));
	if (cgroup_read("/sys/fs/cgroup", "cgroup.controllers", true, &controllers, NULL) <= 0)
		return false;
	return cgroup_list_has(controllers, " \t\n", "io");
}
