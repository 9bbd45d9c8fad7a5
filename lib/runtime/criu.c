/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Checkpoint and restore through CRIU, criu(8) run as a program (its command line, not its
 * RPC interface). `criu check` must pass first: Debian 12's criu 3.17 cannot read this
 * kernel's vdso, and then we say so instead of failing halfway through a dump.
 *
 * What criu cannot see for itself is told on its command line, the same way at dump and at
 * restore: the mounts whose source is outside the container (criu_ext_mounts()), the
 * init's stdio when it is a pipe or a file outside the container (descriptors.json, then
 * --inherit-fd), namespaces joined by path (external net/pid namespaces, --join-ns for
 * ipc/uts), the init's terminal (an external tty at dump; at restore a new pty from the
 * host's /dev/ptmx whose peer criu reconnects with --inherit-fd and binds on /dev/console,
 * and whose master goes to the console socket or the foreground, as create's does).
 * Restore makes the cgroup as create would, runs criu inside it (so whatever
 * criu forks starts there, as runc does) and records the restored init like a created one.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <linux/major.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/runtime.h"
#include "cgroup.h"
#include "cleanup.h"
#include "config.h"
#include "container.h"
#include "criu.h"
#include "foreground.h"
#include "state.h"
#include "tty.h"
#include "util.h"

/* ---------------------------------------------------------------------------------------- */
/* Running criu */

struct criu_exec {
	char *const *argv;
	const int *pass_fds;  /* become criu's 3, 4, ... */
	size_t n_pass;
	struct cgroup *cg;    /* criu runs in it (restore) */
};

/* Run criu, capturing its combined stdout and stderr in *ret_out (its log goes to a file).
 * Returns the exit status (>= 0; 127: not found, 125: not started) or -errno. */
static int criu_run(const struct criu_exec *x, char **ret_out)
{
	int pipefd[2];
	pid_t pid;
	int status;
	char *out = NULL;
	size_t n;

	if (x->n_pass > 16)
		return -EINVAL;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -errno;
	}
	if (pid == 0) {
		int tmp[16], w;
		sigset_t none;

		/* run and restore block the signals they forward: criu must get its own (and
		 * the restored tasks have theirs from the images) */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (x->cg && cgroup_enter(x->cg, getpid(), NULL) < 0) {
			dprintf(pipefd[1], "cannot enter the container's cgroup\n");
			_exit(125);
		}
		/* out of the way of 1, 2 and 3.. first: any of them may be a source */
		w = fcntl(pipefd[1], F_DUPFD_CLOEXEC, 20);
		if (w < 0)
			_exit(125);
		for (size_t k = 0; k < x->n_pass; k++) {
			tmp[k] = fcntl(x->pass_fds[k], F_DUPFD_CLOEXEC, 20);
			if (tmp[k] < 0) {
				dprintf(w, "descriptor %d (to be restored from) is not open\n",
					x->pass_fds[k]);
				_exit(125);
			}
		}
		for (size_t k = 0; k < x->n_pass; k++)
			if (dup2(tmp[k], 3 + (int)k) < 0)
				_exit(125);
		if (dup2(w, 1) < 0 || dup2(w, 2) < 0)
			_exit(125);
		execvp(x->argv[0], x->argv);
		_exit(127);
	}
	close(pipefd[1]);
	(void)read_full_fd(pipefd[0], &out, &n);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (ret_out)
		*ret_out = out;
	else
		free(out);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The last non-empty line of s (for error messages). */
static const char *last_line(char *s)
{
	char *end, *start;

	if (!s || !*s)
		return "no output";
	end = s + strlen(s);
	while (end > s && (end[-1] == '\n' || end[-1] == ' '))
		*--end = 0;
	start = strrchr(s, '\n');
	return start ? start + 1 : s;
}

static int criu_usable(struct berth_error **err)
{
	_cleanup_free_ char *out = NULL;
	char *argv[] = { (char *)"criu", (char *)"check", NULL };
	struct criu_exec x = { .argv = argv };
	int r = criu_run(&x, &out);

	if (r == 127 || r == -ENOENT)
		return berth_error_new(err, ENOENT, "criu is not installed (checkpoint needs it)");
	if (r != 0)
		return berth_error_new(err, EOPNOTSUPP,
				       "criu does not work on this kernel (`criu check` failed: %s)",
				       last_line(out));
	return 0;
}

char *criu_log_error(const char *dir, const char *log)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, log), *text = NULL;
	char *line, *save = NULL;

	if (!path || read_full_file(path, &text, NULL) < 0)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *e = strstr(line, "Error (");

		/* criu tries to raise its own RLIMIT_NOFILE, logs the refusal as an error and
		 * goes on: that is never why it failed */
		if (e && !strstr(e, "RLIMIT_NOFILE"))
			return strdup(e);
	}
	return NULL;
}

/* A log of an earlier run must not be quoted for this one. */
static void remove_log(const char *dir, const char *log)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, log);

	if (path)
		(void)unlink(path);
}

/* "criu dump of 'c1' failed: Error (...): ... (log: DIR/dump.log)" */
static int criu_failed(struct berth_error **err, const char *what, const char *id,
		       const char *dir, const char *log, char *out)
{
	_cleanup_free_ char *e = criu_log_error(dir, log);

	/* The terminal is handed to criu as an external tty, which covers the process's
	 * stdio; /dev/tty open as well (an interactive shell) would need criu to dump the pty
	 * itself, whose new master only its RPC interface hands out. */
	if (e && strstr(e, "ctty inheritance"))
		return berth_error_new(err, EOPNOTSUPP,
				       "criu %s of '%s' failed: %s (log: %s/%s): a process of the "
				       "container has /dev/tty open, which berth-runtime cannot "
				       "checkpoint (criu's RPC interface would be needed)",
				       what, id, e, dir, log);
	if (e)
		return berth_error_new(err, EIO, "criu %s of '%s' failed: %s (log: %s/%s)", what,
				       id, e, dir, log);
	return berth_error_new(err, EIO, "criu %s of '%s' failed: %s", what, id, last_line(out));
}

/* ---------------------------------------------------------------------------------------- */
/* What criu must be told */

void criu_ext_mounts_free(struct criu_ext_mount *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++) {
		free(m[i].key);
		free(m[i].source);
	}
	free(m);
}

struct ext_list {
	struct criu_ext_mount *m;
	size_t n;
};

/* Takes key and source, even on failure. */
static int ext_add(struct ext_list *l, char *key, char *source)
{
	struct criu_ext_mount *m;

	for (size_t i = 0; key && i < l->n; i++)
		if (streq(l->m[i].key, key)) { /* a later mount over the same place wins */
			free(l->m[i].source);
			l->m[i].source = source;
			free(key);
			return source ? 0 : -ENOMEM;
		}
	m = key && source ? realloc(l->m, (l->n + 1) * sizeof(*m)) : NULL;
	if (!m) {
		free(key);
		free(source);
		return -ENOMEM;
	}
	m[l->n++] = (struct criu_ext_mount){ key, source };
	l->m = m;
	return 0;
}

static int ext_cgroup(struct ext_list *l, const struct rt_mount *m, const struct cgroup *cg)
{
	if (cg->layout == CGROUP_LAYOUT_V2)
		return ext_add(l, strdup(m->destination), strdup(cg->hiers[0].path));
	for (size_t i = 0; i < cg->n_hiers; i++) {
		const char *name = strrchr(cg->hiers[i].mountpoint, '/');
		int r;

		name = name ? name + 1 : cg->hiers[i].mountpoint;
		r = ext_add(l, xasprintf("%s/%s", streq(m->destination, "/") ? "" : m->destination,
					 name),
			    strdup(cg->hiers[i].path));
		if (r < 0)
			return r;
	}
	return 0;
}

/* In a user namespace the nodes of /dev are the host's, bound (dev.c), and so is the
 * /dev/null that masks files. */
static const char *const userns_nodes[] = { "/dev/null", "/dev/zero", "/dev/full",
					    "/dev/random", "/dev/urandom", "/dev/tty" };

int criu_ext_mounts(const struct rt_config *cfg, const char *bundle, const struct cgroup *cg,
		    pid_t pid, struct criu_ext_mount **ret, size_t *ret_n)
{
	struct ext_list l = { 0 };
	bool cgroupns = cfg->namespaces[RT_NS_CGROUP].enabled;
	int r = 0;

	for (size_t i = 0; r >= 0 && i < cfg->n_mounts; i++) {
		const struct rt_mount *m = &cfg->mounts[i];

		if (m->flags & MS_BIND) {
			if (!m->source)
				continue;
			r = ext_add(&l, strdup(m->destination), path_under(bundle, m->source));
		} else if (m->type && streq(m->type, "cgroup") && !cgroupns && cg) {
			r = ext_cgroup(&l, m, cg);
		}
	}
	if (r >= 0 && cfg->namespaces[RT_NS_USER].enabled) {
		for (size_t i = 0; r >= 0 && i < ELEMENTSOF(userns_nodes); i++)
			r = ext_add(&l, strdup(userns_nodes[i]), strdup(userns_nodes[i]));
		for (size_t i = 0; r >= 0 && i < cfg->n_devices; i++)
			r = ext_add(&l, strdup(cfg->devices[i].path), strdup(cfg->devices[i].path));
		/* a masked directory is an empty tmpfs of the container's own, which criu
		 * dumps itself: it must not be called external */
		for (char **p = cfg->masked_paths; r >= 0 && p && *p; p++) {
			_cleanup_free_ char *probe =
				pid > 0 ? xasprintf("/proc/%d/root%s", (int)pid, *p) : NULL;
			struct stat st;

			if (probe && (lstat(probe, &st) < 0 ||
				      (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))))
				continue;
			r = ext_add(&l, strdup(*p), strdup("/dev/null"));
		}
	}
	if (r < 0) {
		criu_ext_mounts_free(l.m, l.n);
		return r;
	}
	*ret = l.m;
	*ret_n = l.n;
	return 0;
}

int criu_ext_mount_add(struct criu_ext_mount **m, size_t *n, const char *key, const char *source)
{
	struct ext_list l = { *m, *n };
	int r = ext_add(&l, strdup(key), strdup(source));

	*m = l.m;
	*n = l.n;
	return r;
}

const char *criu_freeze_cgroup(const struct cgroup *cg)
{
	for (size_t i = 0; cg && i < cg->n_hiers; i++) {
		const char *c = cg->hiers[i].controllers;

		if (cg->layout == CGROUP_LAYOUT_V2 && (!c || !*c))
			return cg->hiers[i].path;
		if (c && (streq(c, "freezer") || strstr(c, "freezer,") || strstr(c, ",freezer")))
			return cg->hiers[i].path;
	}
	return NULL;
}

bool criu_cgroup_mode_valid(const char *mode)
{
	static const char *const modes[] = { "soft", "full", "strict", "ignore" };

	if (!mode)
		return true;
	for (size_t i = 0; i < ELEMENTSOF(modes); i++)
		if (streq(mode, modes[i]))
			return true;
	return false;
}

bool criu_descriptor_inherited(const char *d)
{
	return d && (startswith(d, "pipe:[") || startswith(d, "file[") || criu_descriptor_tty(d));
}

bool criu_descriptor_tty(const char *d)
{
	return d && startswith(d, "tty[");
}

char *criu_descriptors_format(char *const d[3])
{
	json_t *a = json_array();
	char *text;

	if (!a)
		return NULL;
	for (int i = 0; i < 3; i++)
		if (json_array_append_new(a, json_string(d[i] ? d[i] : "")) < 0) {
			json_decref(a);
			return NULL;
		}
	text = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return text;
}

int criu_descriptors_parse(const char *json, size_t len, char *ret[3], struct berth_error **err)
{
	json_error_t je;
	json_t *a = json_loadb(json, len, 0, &je);
	char *d[3] = { NULL, NULL, NULL };

	if (!a || !json_is_array(a)) {
		json_decref(a);
		return berth_error_new(err, EINVAL, "%s: not a JSON array of strings",
				       CRIU_DESCRIPTORS);
	}
	for (size_t i = 0; i < 3 && i < json_array_size(a); i++) {
		const char *s = json_string_value(json_array_get(a, i));

		if (!s) {
			json_decref(a);
			free(d[0]);
			free(d[1]);
			return berth_error_new(err, EINVAL, "%s: entry %zu is not a string",
					       CRIU_DESCRIPTORS, i);
		}
		d[i] = strdup(s);
		if (!d[i]) {
			json_decref(a);
			free(d[0]);
			free(d[1]);
			return -ENOMEM;
		}
	}
	json_decref(a);
	for (int i = 0; i < 3; i++)
		ret[i] = d[i];
	return 0;
}

static int add(char ***argv, const char *a)
{
	return strv_extend(argv, a);
}

/* Takes a. */
static int add_take(char ***argv, char *a)
{
	int r = a ? strv_extend(argv, a) : -ENOMEM;

	free(a);
	return r;
}

static int add2(char ***argv, const char *a, const char *b)
{
	return strv_extend(argv, a) < 0 || strv_extend(argv, b) < 0 ? -ENOMEM : 0;
}

/* Takes b. */
static int add2_take(char ***argv, const char *a, char *b)
{
	int r = b ? add2(argv, a, b) : -ENOMEM;

	free(b);
	return r;
}

static int add_common(char ***argv, const struct berth_criu_opts *c, const char *log)
{
	if (add2(argv, "--images-dir", c->image_path) < 0 ||
	    (c->work_path && add2(argv, "--work-dir", c->work_path) < 0) ||
	    add2(argv, "--log-file", log) < 0 || add(argv, "-v4") < 0 ||
	    (c->manage_cgroups_mode
		 ? add_take(argv, xasprintf("--manage-cgroups=%s", c->manage_cgroups_mode))
		 : add(argv, "--manage-cgroups")) < 0 ||
	    (c->tcp_established && add(argv, "--tcp-established") < 0) ||
	    (c->ext_unix_sk && add(argv, "--ext-unix-sk") < 0) ||
	    (c->shell_job && add(argv, "--shell-job") < 0) ||
	    (c->file_locks && add(argv, "--file-locks") < 0))
		return -ENOMEM;
	return 0;
}

/* where criu writes its log */
static const char *log_dir(const struct berth_criu_opts *c)
{
	return c->work_path ? c->work_path : c->image_path;
}

int criu_dump_argv(const struct criu_dump_args *a, char ***ret)
{
	_cleanup_strv_free_ char **argv = NULL;
	const struct berth_checkpoint_opts *o = a->o;

	if (add(&argv, "criu") < 0 || add(&argv, "dump") < 0 ||
	    add2_take(&argv, "--tree", xasprintf("%d", (int)a->pid)) < 0 ||
	    add2(&argv, "--root", a->rootfs) < 0 ||
	    add_common(&argv, &o->criu, "dump.log") < 0 ||
	    (o->leave_running && add(&argv, "--leave-running") < 0) ||
	    (a->freeze_cgroup && add2(&argv, "--freeze-cgroup", a->freeze_cgroup) < 0))
		return -ENOMEM;
	for (size_t i = 0; i < a->n_mounts; i++)
		if (add2_take(&argv, "--ext-mount-map",
			      xasprintf("%s:%s", a->mounts[i].key, a->mounts[i].key)) < 0)
			return -ENOMEM;
	for (char *const *e = a->external; e && *e; e++)
		if (add2(&argv, "--external", *e) < 0)
			return -ENOMEM;
	*ret = TAKE_PTR(argv);
	return 0;
}

/* --cgroup-root CONTROLLERS:PATH for each hierarchy (":PATH" for cgroup2, criu's name for
 * it): criu puts the restored tasks where the new cgroup is, whatever path the dumped
 * container had. */
static int add_cgroup_roots(char ***argv, const struct cgroup *cg)
{
	for (size_t i = 0; cg && i < cg->n_hiers; i++) {
		const struct cgroup_hier *h = &cg->hiers[i];
		const char *rel = startswith(h->path, h->mountpoint);

		if (!rel)
			continue;
		if (add2_take(argv, "--cgroup-root",
			      xasprintf("%s:%s", h->controllers ? h->controllers : "",
					*rel ? rel : "/")) < 0)
			return -ENOMEM;
	}
	return 0;
}

int criu_restore_argv(const struct criu_restore_args *a, char ***ret)
{
	_cleanup_strv_free_ char **argv = NULL;
	const struct berth_restore_opts *o = a->o;

	/* --restore-detached --restore-sibling: criu forks the init as our child and exits */
	if (add(&argv, "criu") < 0 || add(&argv, "restore") < 0 ||
	    add2(&argv, "--root", a->root) < 0 ||
	    add_common(&argv, &o->criu, "restore.log") < 0 ||
	    add(&argv, "--restore-detached") < 0 || add(&argv, "--restore-sibling") < 0 ||
	    add2(&argv, "--pidfile", a->pid_file) < 0 ||
	    /* a device node of the image that is not there at its path: any path to it */
	    add(&argv, "--evasive-devices") < 0 || add_cgroup_roots(&argv, a->cg) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < a->n_mounts; i++)
		if (add2_take(&argv, "--ext-mount-map",
			      xasprintf("%s:%s", a->mounts[i].key, a->mounts[i].source)) < 0)
			return -ENOMEM;
	for (size_t k = 0; k < a->n_inherit; k++)
		if (a->inherit[k] && add2_take(&argv, "--inherit-fd",
					       xasprintf("fd[%zu]:%s", 3 + k, a->inherit[k])) < 0)
			return -ENOMEM;
	for (char *const *j = a->join_ns; j && *j; j++)
		if (add2(&argv, "--join-ns", *j) < 0)
			return -ENOMEM;
	*ret = TAKE_PTR(argv);
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* The container's side */

/* Whether mount id `mnt` is one of pid's mount namespace. */
static bool mount_of(pid_t pid, int mnt)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/mountinfo", (int)pid), *text = NULL;

	if (!path || read_full_file(path, &text, NULL) < 0)
		return true; /* cannot tell: let criu look at it itself */
	for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (atoi(l) == mnt)
			return true;
	return false;
}

/* descriptors.json's entries for pid's fds 0-2 (see criu.h); ret_external gets the
 * "file[...]" keys criu must be told about at dump. */
static int read_descriptors(pid_t pid, char *ret[3], char ***ret_external)
{
	for (int i = 0; i < 3; i++) {
		_cleanup_free_ char *link = xasprintf("/proc/%d/fd/%d", (int)pid, i);
		_cleanup_free_ char *info = xasprintf("/proc/%d/fdinfo/%d", (int)pid, i);
		_cleanup_free_ char *text = NULL;
		char buf[PATH_MAX];
		struct stat st;
		ssize_t n;
		char *m;

		ret[i] = NULL;
		if (!link || !info)
			return -ENOMEM;
		n = readlink(link, buf, sizeof(buf) - 1);
		if (n < 0)
			continue; /* closed */
		buf[n] = 0;
		if (buf[0] == '/' && stat(link, &st) == 0 && S_ISCHR(st.st_mode) &&
		    major(st.st_rdev) >= UNIX98_PTY_SLAVE_MAJOR &&
		    major(st.st_rdev) < UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT) {
			/* the terminal: its master is outside the tree criu dumps (ours, or
			 * the console socket's); criu's key is rdev:dev, hex */
			ret[i] = xasprintf("tty[%" PRIx64 ":%" PRIx64 "]", (uint64_t)st.st_rdev,
					   (uint64_t)st.st_dev);
			if (ret[i] && !strv_contains(*ret_external, ret[i]) &&
			    strv_extend(ret_external, ret[i]) < 0)
				return -ENOMEM;
		} else if (buf[0] == '/' && stat(link, &st) == 0 &&
			   read_full_file(info, &text, NULL) >= 0 &&
			   (m = strstr(text, "mnt_id:")) && !mount_of(pid, atoi(m + 7))) {
			ret[i] = xasprintf("file[%x:%" PRIx64 "]", (unsigned)atoi(m + 7),
					   (uint64_t)st.st_ino);
			if (ret[i] && !strv_contains(*ret_external, ret[i]) &&
			    strv_extend(ret_external, ret[i]) < 0)
				return -ENOMEM;
		} else {
			ret[i] = strdup(buf);
		}
		if (!ret[i])
			return -ENOMEM;
	}
	return 0;
}

/* criu's key of an external namespace, the same at dump and restore (runc's names) */
static const char *ext_ns_key(enum rt_ns ns)
{
	return ns == RT_NS_NET ? "extRootNetNS" : ns == RT_NS_PID ? "extRootPidNS" : NULL;
}

/* Namespaces joined by path: criu takes a network or PID namespace as external (it must
 * exist at restore) and joins an IPC or UTS one; the others it cannot take over. */
static int check_joined_ns(const struct rt_config *cfg, const char *verb, const char *id,
			   struct berth_error **err)
{
	for (int ns = 0; ns < _RT_NS_MAX; ns++) {
		const struct rt_namespace *n = &cfg->namespaces[ns];

		if (n->enabled && n->path && !ext_ns_key(ns) && ns != RT_NS_IPC && ns != RT_NS_UTS)
			return berth_error_new(err, EOPNOTSUPP,
					       "%s '%s': criu cannot take over the %s namespace "
					       "joined at '%s'",
					       verb, id, rt_ns_name(ns), n->path);
	}
	return 0;
}

static int write_descriptors(const char *image_path, char *const d[3], struct berth_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", image_path, CRIU_DESCRIPTORS);
	_cleanup_free_ char *text = criu_descriptors_format(d);
	int r;

	if (!path || !text)
		return -ENOMEM;
	r = write_file_atomic(path, text, strlen(text), 0600);
	return r < 0 ? berth_error_set(err, -r, "write '%s'", path) : 0;
}

int berth_container_checkpoint(const char *root, const char *id,
			       const struct berth_checkpoint_opts *o, struct berth_error **err)
{
	_cleanup_(rt_config_freep) struct rt_config *cfg = NULL;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_close_ int dirfd = -EBADF;
	_cleanup_strv_free_ char **argv = NULL, **external = NULL;
	_cleanup_free_ char *out = NULL;
	struct criu_ext_mount *mounts = NULL;
	size_t n_mounts = 0;
	char *desc[3] = { NULL, NULL, NULL };
	struct state_file st = { 0 };
	struct criu_dump_args a;
	int r;

	if (!criu_cgroup_mode_valid(o->criu.manage_cgroups_mode))
		return berth_error_new(err, EINVAL, "invalid manage-cgroups-mode value '%s'",
				       o->criu.manage_cgroups_mode);
	r = criu_usable(err);
	if (r < 0)
		return berth_error_wrap(err, "checkpoint '%s'", id);
	r = state_load_for(root, id, STATUS_BIT(BERTH_STATUS_RUNNING), "checkpoint", &dirfd, &st,
			   NULL, err);
	if (r < 0)
		return r;
	r = rt_config_load(st.bundle, st.config, &cfg, err);
	if (r >= 0)
		r = check_joined_ns(cfg, "checkpoint", id, err);
	if (r >= 0 && st.cgroup_path && *st.cgroup_path)
		r = cgroup_new(st.cgroup_path, NULL, NULL, NULL, &cg, err);
	if (r < 0)
		goto out;
	r = mkdir_p(o->criu.image_path, 0700);
	if (r < 0) {
		r = berth_error_set(err, -r, "create '%s'", o->criu.image_path);
		goto out;
	}
	if (o->criu.work_path && (r = mkdir_p(o->criu.work_path, 0700)) < 0) {
		r = berth_error_set(err, -r, "create '%s'", o->criu.work_path);
		goto out;
	}
	r = criu_ext_mounts(cfg, st.bundle, cg, st.pid, &mounts, &n_mounts);
	/* /dev/console is the terminal's peer bound there (tty.c): a file of a devpts
	 * instance that restore's new pty is not on */
	if (r >= 0 && cfg->process.terminal)
		r = criu_ext_mount_add(&mounts, &n_mounts, "/dev/console", "/dev/console");
	if (r >= 0)
		r = read_descriptors(st.pid, desc, &external);
	for (int ns = 0; r >= 0 && ns < _RT_NS_MAX; ns++) {
		struct stat nst;

		if (!cfg->namespaces[ns].path || !ext_ns_key(ns))
			continue;
		if (stat(cfg->namespaces[ns].path, &nst) < 0) {
			r = berth_error_set(err, errno, "%s namespace '%s'", rt_ns_name(ns),
					    cfg->namespaces[ns].path);
			goto out;
		}
		r = strv_push(&external, xasprintf("%s[%" PRIu64 "]:%s", rt_ns_proc_name(ns),
						   (uint64_t)nst.st_ino, ext_ns_key(ns)));
	}
	if (r < 0)
		goto out;
	r = write_descriptors(o->criu.image_path, desc, err);
	if (r < 0)
		goto out;
	a = (struct criu_dump_args){
		.pid = st.pid,
		.rootfs = st.rootfs,
		.freeze_cgroup = criu_freeze_cgroup(cg),
		.o = o,
		.mounts = mounts,
		.n_mounts = n_mounts,
		.external = external,
	};
	r = criu_dump_argv(&a, &argv);
	if (r < 0)
		goto out;
	remove_log(log_dir(&o->criu), "dump.log");
	r = criu_run(&(struct criu_exec){ .argv = argv }, &out);
	if (r != 0) {
		r = criu_failed(err, "dump", id, log_dir(&o->criu),
				"dump.log", out);
		goto out;
	}
	r = 0;
	if (!o->leave_running) {
		/* the dump killed the processes: the container goes, as with runc, so that
		 * restore can bring it back under its id (delete takes the lock itself) */
		close(TAKE_FD(dirfd));
		/* forced: the init may still be on its way out; someone else (a foreground
		 * run whose init it was) may have deleted it already */
		r = berth_container_delete(root, id, true, err);
		if (r == -ENOENT)
			r = 0;
		else if (r < 0)
			berth_error_wrap(err, "checkpoint '%s': the images are written, but the "
				         "stopped container is left", id);
	}
out:
	for (int i = 0; i < 3; i++)
		free(desc[i]);
	criu_ext_mounts_free(mounts, n_mounts);
	state_file_clear(&st);
	return r;
}

/* descriptors.json of the images, if there is one (NULL entries otherwise). */
static int load_descriptors(const char *image_path, char *ret[3], struct berth_error **err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", image_path, CRIU_DESCRIPTORS), *text = NULL;
	size_t n;
	int r;

	if (!path)
		return -ENOMEM;
	r = read_full_file(path, &text, &n);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return berth_error_set(err, -r, "read '%s'", path);
	r = criu_descriptors_parse(text, n, ret, err);
	return r < 0 ? berth_error_wrap(err, "checkpoint '%s'", image_path) : 0;
}

static int read_pid_file(const char *path, pid_t *ret)
{
	_cleanup_free_ char *text = NULL;
	int64_t v;
	int r = read_full_file(path, &text, NULL);

	if (r < 0)
		return r;
	text[strcspn(text, "\n")] = 0;
	if (parse_i64(text, &v) < 0 || v <= 0 || v > INT_MAX)
		return -EINVAL;
	*ret = (pid_t)v;
	return 0;
}

/* State and pid file of the restored init, as create writes them. */
static int record_restored(int dirfd, const char *id, pid_t pid, const char *bundle,
			   const char *rootfs, const char *cgpath, const struct rt_config *cfg,
			   const char *pid_file, struct berth_error **err)
{
	struct state_file st = {
		.id = (char *)id,
		.pid = pid,
		.bundle = (char *)bundle,
		.rootfs = (char *)rootfs,
		.cgroup_path = (char *)cgpath,
		.has_poststart = cfg->n_hooks[RT_HOOK_POSTSTART] > 0,
		.has_poststop = cfg->n_hooks[RT_HOOK_POSTSTOP] > 0,
	};
	_cleanup_free_ char *created = now_rfc3339();
	int r;

	if (proc_start_time(pid, &st.start_time) < 0)
		return berth_error_new(err, ESRCH, "restored init %d vanished", (int)pid);
	st.created = created;
	for (size_t i = 0; i < cfg->n_annotations; i++)
		if (strv_extend(&st.annotations, cfg->annotations[i].key) < 0 ||
		    strv_extend(&st.annotations, cfg->annotations[i].value) < 0) {
			strv_free(st.annotations);
			return -ENOMEM;
		}
	r = state_write(dirfd, &st, err);
	strv_free(st.annotations);
	if (r < 0)
		return r;
	if (pid_file) {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

		r = write_file_atomic(pid_file, buf, (size_t)n, 0644);
		if (r < 0)
			return berth_error_set(err, -r, "write pid file '%s'", pid_file);
	}
	return 0;
}

/* criu wants a root that is a mount point whose parent is not overmounted: a bind of the
 * rootfs in the state directory (runc's criu-root). Only needed while criu runs. */
static int bind_criu_root(int dirfd, const char *rootfs, const char *path,
			  struct berth_error **err)
{
	if (mkdirat(dirfd, "criu-root", 0755) < 0)
		return berth_error_set(err, errno, "create '%s'", path);
	if (mount(rootfs, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
		int r = berth_error_set(err, errno, "bind rootfs '%s' on '%s'", rootfs, path);

		(void)unlinkat(dirfd, "criu-root", AT_REMOVEDIR);
		return r;
	}
	return 0;
}

static void unbind_criu_root(int dirfd, const char *path)
{
	(void)umount2(path, MNT_DETACH);
	(void)unlinkat(dirfd, "criu-root", AT_REMOVEDIR);
}

int berth_container_restore(const char *root, const char *id, const struct berth_create_opts *co,
			    const struct berth_restore_opts *o, int *ret_status,
			    struct berth_error **err)
{
	_cleanup_(rt_config_freep) struct rt_config *cfg = NULL;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_close_ int dirfd = -EBADF, imgfd = -EBADF;
	_cleanup_free_ char *bundle = NULL, *rootfs = NULL, *cgpath = NULL;
	_cleanup_free_ char *sroot = NULL, *croot = NULL, *pidfile = NULL, *out = NULL;
	_cleanup_free_ char *pty_path = NULL;
	_cleanup_close_ int pty = -EBADF, pty_peer = -EBADF;
	_cleanup_strv_free_ char **argv = NULL, **join = NULL;
	struct criu_ext_mount *mounts = NULL;
	size_t n_mounts = 0;
	char *desc[3] = { NULL, NULL, NULL };
	/* criu's 3, 4, ...: the stdio it reconnects, then external namespaces */
	int pass[3 + 2], nsfd[2] = { -EBADF, -EBADF };
	char *inherit[3 + 2];
	size_t n_pass = 0;
	struct foreground fg = { .sigfd = -EBADF };
	bool fg_on = false, have_state = false, cg_made = false, bound = false, has_tty = false;
	pid_t pid = 0;
	int r;

	if (!criu_cgroup_mode_valid(o->criu.manage_cgroups_mode))
		return berth_error_new(err, EINVAL, "invalid manage-cgroups-mode value '%s'",
				       o->criu.manage_cgroups_mode);
	r = criu_usable(err);
	if (r < 0)
		return berth_error_wrap(err, "restore '%s'", id);
	/* nothing is made for images that are not there */
	imgfd = open(o->criu.image_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (imgfd < 0)
		return berth_error_set(err, errno, "restore '%s': checkpoint '%s'", id,
				       o->criu.image_path);
	r = load_descriptors(o->criu.image_path, desc, err);
	if (r < 0)
		goto out;
	if (!o->detach) {
		r = foreground_begin(&fg, err);
		if (r < 0)
			goto out;
		fg_on = true;
	}
	r = state_lock(root, id, true, &dirfd, err);
	if (r < 0)
		goto out;
	have_state = true;

	r = container_load(co, "restore", &bundle, &cfg, err);
	if (r < 0)
		goto fail;
	r = check_joined_ns(cfg, "restore", id, err);
	if (r < 0)
		goto fail;
	for (int i = 0; i < 3; i++)
		has_tty = has_tty || criu_descriptor_tty(desc[i]);
	if (has_tty && o->detach && !co->console_socket) {
		r = berth_error_new(err, EINVAL,
				    "restore '%s': the container has a terminal: a detached restore "
				    "needs --console-socket",
				    id);
		goto fail;
	}
	if (has_tty) {
		/* the container's devpts does not exist yet (criu mounts it while it
		 * restores): a pty of the host's devpts takes the dumped one's place, on
		 * the init's stdio (--inherit-fd) and on /dev/console (--ext-mount-map) */
		unsigned ptn;

		r = tty_create(&pty, &pty_peer, cfg->process.console_height,
			       cfg->process.console_width, false, err);
		if (r < 0)
			goto fail;
		if (ioctl(pty, TIOCGPTN, &ptn) < 0) {
			r = berth_error_set(err, errno, "number of the new pty");
			goto fail;
		}
		pty_path = xasprintf("/dev/pts/%u", ptn);
		if (!pty_path) {
			r = -ENOMEM;
			goto fail;
		}
	}
	r = container_rootfs(cfg, bundle, &rootfs, err);
	if (r < 0)
		goto fail;
	if (o->criu.work_path && (r = mkdir_p(o->criu.work_path, 0700)) < 0) {
		r = berth_error_set(err, -r, "create '%s'", o->criu.work_path);
		goto fail;
	}

	/* descriptors and namespaces before anything is made that must be undone */
	for (int i = 0; i < 3; i++) {
		bool seen = false;

		if (!criu_descriptor_inherited(desc[i]))
			continue;
		for (size_t k = 0; k < n_pass; k++)
			seen = seen || streq(inherit[k], desc[i]);
		if (seen)
			continue; /* e.g. 2>&1: one file, restored from the first */
		if (criu_descriptor_tty(desc[i]))
			pass[n_pass] = pty_peer;
		else
			pass[n_pass] = co->stdio[i] >= 0 ? co->stdio[i] : i;
		inherit[n_pass++] = desc[i];
	}
	for (int ns = 0; ns < _RT_NS_MAX; ns++) {
		const char *path = cfg->namespaces[ns].enabled ? cfg->namespaces[ns].path : NULL;

		if (!path)
			continue;
		if (ext_ns_key(ns)) {
			int *fd = &nsfd[ns == RT_NS_NET ? 0 : 1];

			*fd = open(path, O_RDONLY | O_CLOEXEC);
			if (*fd < 0) {
				r = berth_error_set(err, errno, "%s namespace '%s'", rt_ns_name(ns),
						    path);
				goto fail;
			}
			pass[n_pass] = *fd;
			inherit[n_pass++] = (char *)ext_ns_key(ns);
		} else {
			r = strv_push(&join, xasprintf("%s:%s", rt_ns_proc_name(ns), path));
			if (r < 0)
				goto fail;
		}
	}

	r = container_cgroup_setup(cfg, id, &cg, &cgpath, err);
	if (r < 0)
		goto fail;
	cg_made = true;
	r = criu_ext_mounts(cfg, bundle, cg, 0, &mounts, &n_mounts);
	if (r >= 0 && pty_path)
		r = criu_ext_mount_add(&mounts, &n_mounts, "/dev/console", pty_path);
	if (r < 0)
		goto fail;
	sroot = realpath(root, NULL);
	if (!sroot) {
		r = berth_error_set(err, errno, "state root '%s'", root);
		goto fail;
	}
	croot = xasprintf("%s/%s/criu-root", sroot, id);
	pidfile = xasprintf("%s/%s/criu.pid", sroot, id);
	if (!croot || !pidfile) {
		r = -ENOMEM;
		goto fail;
	}
	r = bind_criu_root(dirfd, rootfs, croot, err);
	if (r < 0)
		goto fail;
	bound = true;
	{
		struct criu_restore_args a = {
			.root = croot,
			.pid_file = pidfile,
			.o = o,
			.cg = cg,
			.mounts = mounts,
			.n_mounts = n_mounts,
			.inherit = inherit,
			.n_inherit = n_pass,
			.join_ns = join,
		};

		r = criu_restore_argv(&a, &argv);
		if (r < 0)
			goto fail;
	}
	remove_log(log_dir(&o->criu), "restore.log");
	{
		struct criu_exec x = { .argv = argv, .pass_fds = pass, .n_pass = n_pass, .cg = cg };

		r = criu_run(&x, &out);
	}
	unbind_criu_root(dirfd, croot);
	bound = false;
	if (pty_peer >= 0)
		close(TAKE_FD(pty_peer)); /* the restored tasks have it */
	if (r != 0) {
		r = criu_failed(err, "restore", id, log_dir(&o->criu),
				"restore.log", out);
		goto fail;
	}
	r = read_pid_file(pidfile, &pid);
	(void)unlinkat(dirfd, "criu.pid", 0);
	if (r < 0) {
		pid = 0;
		r = berth_error_set(err, -r, "read the restored init's pid from '%s'", pidfile);
		goto fail;
	}
	r = record_restored(dirfd, id, pid, bundle, rootfs, cgpath, cfg, co->pid_file, err);
	if (r < 0)
		goto fail;
	if (pty >= 0 && co->console_socket) {
		r = tty_send_to_socket(co->console_socket, pty, err);
		if (r < 0)
			goto fail;
		close(TAKE_FD(pty));
	}
	if (o->detach) {
		r = 0;
		goto out;
	}

	/* in the foreground, as run: wait for the init (our child: --restore-sibling), then
	 * delete the container */
	close(TAKE_FD(dirfd));
	r = foreground_wait(&fg, pid, pty, co->stdio[0] >= 0 ? co->stdio[0] : STDIN_FILENO,
			    ret_status, err);
	{
		struct berth_error *e = NULL;
		int k = berth_container_delete(root, id, true, &e);

		if (r >= 0 && k < 0 && k != -ENOENT) {
			r = k;
			if (err) {
				berth_error_free(*err);
				*err = TAKE_PTR(e);
			}
		}
		berth_error_free(e);
	}
	goto out;

fail:
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (bound)
		unbind_criu_root(dirfd, croot);
	/* whatever criu left of the tree is in the cgroup: destroy kills it */
	if (cg_made)
		(void)cgroup_destroy(cg, NULL);
	if (have_state)
		container_remove_state(root, id);
out:
	if (fg_on)
		foreground_end(&fg);
	for (int i = 0; i < 2; i++)
		if (nsfd[i] >= 0)
			close(nsfd[i]);
	for (int i = 0; i < 3; i++)
		free(desc[i]);
	criu_ext_mounts_free(mounts, n_mounts);
	return r;
}
