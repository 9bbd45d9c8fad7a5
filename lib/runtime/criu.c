/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Checkpoint and restore through CRIU, spoken to over its RPC (`criu swrk`, criu-rpc.c) as
 * runc does. `criu check` must pass first: Debian 12's criu 3.17 cannot read this kernel's
 * vdso, and then we say so instead of failing halfway through a dump.
 *
 * What criu cannot see for itself is told in the request, the same way at dump and at
 * restore: the mounts whose source is outside the container (criu_ext_mounts()), the
 * init's stdio when it is a pipe or a file outside the container (descriptors.json, then
 * inherit_fd), namespaces joined by path (external net/pid namespaces, join_ns for
 * ipc/uts). The terminal is the container's own pty: criu dumps it whole although its
 * master is outside (orphan_pts_master), restores a new one in the container's devpts and
 * hands us its master (the "orphan-pts-master" notification), which goes to the console
 * socket or the foreground, as create's does. Restore makes the cgroup as create would,
 * runs criu inside it (so whatever criu forks starts there, as runc does), runs the
 * prestart and createRuntime hooks when criu has made the namespaces ("setup-namespaces")
 * and records the restored init like a created one.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <linux/major.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/runtime.h"
#include "cgroup.h"
#include "berth/cleanup.h"
#include "config.h"
#include "container.h"
#include "criu-rpc.h"
#include "criu.h"
#include "foreground.h"
#include "hooks.h"
#include "mount.h"
#include "state.h"
#include "tty.h"
#include "berth/util.h"

/* ---------------------------------------------------------------------------------------- */
/* Running criu */

static int criu_usable(const struct berth_criu_opts *o, struct berth_error **err)
{
	_cleanup_free_ char *out = NULL;
	struct criu_call c = { .binary = o->binary };
	int r = criu_check(&c, &out);

	if (r == 127 || r == -ENOENT)
		return berth_error_new(err, ENOENT, "criu%s%s%s is not installed (checkpoint "
				       "needs it)", o->binary ? " ('" : "",
				       o->binary ? o->binary : "", o->binary ? "')" : "");
	if (r < 0)
		return berth_error_set(err, -r, "run criu");
	if (r != 0)
		return berth_error_new(err, EOPNOTSUPP,
				       "criu does not work on this kernel (`criu check` failed: %s)",
				       criu_last_line(out));
	return 0;
}

/* Whether this criu has a feature (FEATURE_CHECK): mem_track for pre-dump, lazy_pages. */
static int criu_feature(const struct berth_criu_opts *o, int feature, const char *what,
			struct berth_error **err)
{
	struct criu_call c = { .binary = o->binary };
	struct criu_resp resp = { 0 };
	struct pb req = { 0 }, feat = { 0 };
	bool ok;
	int r;

	pb_bool(&feat, (uint32_t)feature, true);
	pb_uint(&req, CRIU_REQ_F_TYPE, CRIU_REQ_FEATURE_CHECK);
	pb_message(&req, CRIU_REQ_F_FEATURES, &feat);
	r = criu_swrk(&c, &req, &resp, NULL, err);
	pb_clear(&req);
	pb_clear(&feat);
	if (r < 0)
		return r;
	ok = resp.success && resp.has_features &&
	     (feature == CRIU_FEATURE_MEM_TRACK ? resp.mem_track : resp.lazy_pages);
	criu_resp_clear(&resp);
	if (!ok)
		return berth_error_new(err, EOPNOTSUPP, "criu cannot do %s here", what);
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

/* where criu writes its log */
static const char *log_dir(const struct berth_criu_opts *c)
{
	return c->work_path ? c->work_path : c->image_path;
}

/* A log of an earlier run must not be quoted for this one. */
static void remove_log(const char *dir, const char *log)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, log);

	if (path)
		(void)unlink(path);
}

/* "criu dump of 'c1' failed: Error (...): ... (log: DIR/dump.log)": the first error of the
 * log (criu's cr_errmsg skips nothing: its first is often the RLIMIT_NOFILE note), else
 * criu's own, else what it printed. */
static int criu_failed(struct berth_error **err, const char *what, const char *id,
		       const char *dir, const char *log, const struct criu_resp *resp,
		       char *out)
{
	_cleanup_free_ char *e = criu_log_error(dir, log);

	if (e)
		return berth_error_new(err, EIO, "criu %s of '%s' failed: %s (log: %s/%s)", what,
				       id, e, dir, log);
	if (resp->errmsg && *resp->errmsg && !strstr(resp->errmsg, "RLIMIT_NOFILE"))
		return berth_error_new(err, EIO, "criu %s of '%s' failed: %s", what, id,
				       resp->errmsg);
	return berth_error_new(err, EIO, "criu %s of '%s' failed: %s", what, id,
			       out && *out ? criu_last_line(out) : "see its log");
}

const char *criu_config_file(const struct rt_config *cfg)
{
	for (size_t i = 0; i < cfg->n_annotations; i++)
		if (streq(cfg->annotations[i].key, "org.criu.config"))
			return *cfg->annotations[i].value ? cfg->annotations[i].value : NULL;
	return CRIU_DEFAULT_CONFIG;
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

char *criu_mountpoint(int rootfd, const char *rootfs_real, const char *dest)
{
	_cleanup_close_ int fd = rootfd >= 0 && rootfs_real
					 ? openat_in_root(rootfd, dest, O_PATH, false)
					 : -EBADF;
	_cleanup_free_ char *real = NULL;
	const char *rel;
	char buf[32];

	if (fd < 0)
		return strdup(dest);
	real = realpath(fd_path(buf, fd), NULL);
	rel = real ? startswith(real, rootfs_real) : NULL;
	if (!rel || (*rel && *rel != '/'))
		return strdup(dest);
	return strdup(*rel ? rel : "/");
}

int criu_ext_mounts(const struct rt_config *cfg, const char *bundle, const char *rootfs,
		    const struct cgroup *cg, pid_t pid, struct criu_ext_mount **ret,
		    size_t *ret_n)
{
	_cleanup_close_ int rootfd =
		rootfs ? open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC) : -EBADF;
	_cleanup_free_ char *rootfs_real = rootfs ? realpath(rootfs, NULL) : NULL;
	struct ext_list l = { 0 };
	bool cgroupns = cfg->namespaces[RT_NS_CGROUP].enabled;
	int r = 0;

	for (size_t i = 0; r >= 0 && i < cfg->n_mounts; i++) {
		const struct rt_mount *m = &cfg->mounts[i];

		if (m->flags & MS_BIND) {
			if (!m->source)
				continue;
			/* criu knows the mount by where it is: through a symlink of the image,
			 * not the config's path (runc resolves it the same way) */
			r = ext_add(&l, criu_mountpoint(rootfd, rootfs_real, m->destination),
				    path_under(bundle, m->source));
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

/* runc's --manage-cgroups-mode values and criu's criu_cg_mode for each */
static const struct {
	const char *name;
	int mode;
} cg_modes[] = { { "soft", CRIU_CG_SOFT }, { "full", CRIU_CG_FULL },
		 { "strict", CRIU_CG_STRICT }, { "ignore", CRIU_CG_IGNORE } };

/* criu's mode for name, or -1 */
static int cg_mode(const char *name)
{
	for (size_t i = 0; name && i < ELEMENTSOF(cg_modes); i++)
		if (streq(name, cg_modes[i].name))
			return cg_modes[i].mode;
	return -1;
}

bool criu_cgroup_mode_valid(const char *mode)
{
	return !mode || cg_mode(mode) >= 0;
}

bool criu_descriptor_inherited(const char *d)
{
	return d && (startswith(d, "pipe:[") || startswith(d, "file["));
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
			return berth_error_set(err, ENOMEM, "%s: entry %zu", CRIU_DESCRIPTORS, i);
		}
	}
	json_decref(a);
	for (int i = 0; i < 3; i++)
		ret[i] = d[i];
	return 0;
}

/* criu_opts both requests share. */
static void opts_common(struct pb *p, const struct berth_criu_opts *c, int images_fd,
			int work_fd, const char *config_file, const char *log)
{
	pb_int32(p, CRIU_OPT_IMAGES_DIR_FD, images_fd);
	if (work_fd >= 0)
		pb_int32(p, CRIU_OPT_WORK_DIR_FD, work_fd);
	pb_string(p, CRIU_OPT_LOG_FILE, log);
	pb_int32(p, CRIU_OPT_LOG_LEVEL, 4);
	pb_bool(p, CRIU_OPT_MANAGE_CGROUPS, true);
	if (cg_mode(c->manage_cgroups_mode) >= 0)
		pb_uint(p, CRIU_OPT_MANAGE_CGROUPS_MODE,
			(uint64_t)cg_mode(c->manage_cgroups_mode));
	/* the notifications: the hooks' moment, the pty master, lazy pages' readiness */
	pb_bool(p, CRIU_OPT_NOTIFY_SCRIPTS, true);
	pb_bool(p, CRIU_OPT_ORPHAN_PTS_MASTER, true);
	if (c->tcp_established)
		pb_bool(p, CRIU_OPT_TCP_ESTABLISHED, true);
	if (c->ext_unix_sk)
		pb_bool(p, CRIU_OPT_EXT_UNIX_SK, true);
	if (c->shell_job)
		pb_bool(p, CRIU_OPT_SHELL_JOB, true);
	if (c->file_locks)
		pb_bool(p, CRIU_OPT_FILE_LOCKS, true);
	if (c->auto_dedup)
		pb_bool(p, CRIU_OPT_AUTO_DEDUP, true);
	if (c->lazy_pages)
		pb_bool(p, CRIU_OPT_LAZY_PAGES, true);
	if (c->empty_ns)
		pb_uint(p, CRIU_OPT_EMPTY_NS, c->empty_ns);
	if (config_file)
		pb_string(p, CRIU_OPT_CONFIG_FILE, config_file);
}

/* A nested message of two strings (ext_mount_map, cgroup_root, join_namespace). */
static void opt_pair(struct pb *p, uint32_t field, const char *a, const char *b)
{
	struct pb m = { 0 };

	pb_string(&m, 1, a);
	pb_string(&m, 2, b);
	pb_message(p, field, &m);
	pb_clear(&m);
}

static void ext_mounts(struct pb *p, const struct criu_ext_mount *m, size_t n, bool dump)
{
	for (size_t i = 0; i < n; i++)
		opt_pair(p, CRIU_OPT_EXT_MNT, m[i].key, dump ? m[i].key : m[i].source);
}

/* The request: type and opts; takes opts. */
static int finish_req(struct pb *opts, int type, struct pb *ret)
{
	struct pb req = { 0 };

	pb_uint(&req, CRIU_REQ_F_TYPE, (uint64_t)type);
	pb_message(&req, CRIU_REQ_F_OPTS, opts);
	pb_clear(opts);
	if (req.err) {
		int r = req.err;

		pb_clear(&req);
		return r;
	}
	*ret = req;
	return 0;
}

int criu_dump_req(const struct criu_dump_args *a, struct pb *ret)
{
	const struct berth_checkpoint_opts *o = a->o;
	struct pb p = { 0 };

	opts_common(&p, &o->criu, a->images_fd, a->work_fd, a->config_file, "dump.log");
	pb_int32(&p, CRIU_OPT_PID, (int32_t)a->pid);
	pb_string(&p, CRIU_OPT_ROOT, a->rootfs);
	if (o->leave_running)
		pb_bool(&p, CRIU_OPT_LEAVE_RUNNING, true);
	if (a->freeze_cgroup)
		pb_string(&p, CRIU_OPT_FREEZE_CGROUP, a->freeze_cgroup);
	if (o->parent_path) {
		pb_string(&p, CRIU_OPT_PARENT_IMG, o->parent_path);
		pb_bool(&p, CRIU_OPT_TRACK_MEM, true);
	} else if (o->pre_dump) {
		pb_bool(&p, CRIU_OPT_TRACK_MEM, true); /* the next dump's parent */
	}
	if (o->page_server_address) {
		struct pb ps = { 0 };

		if (o->page_server_port <= 0 || o->page_server_port > 65535) {
			pb_clear(&p);
			return -EINVAL;
		}
		pb_string(&ps, 1, o->page_server_address);
		pb_int32(&ps, 2, o->page_server_port);
		pb_message(&p, CRIU_OPT_PS, &ps);
		pb_clear(&ps);
	}
	/* a pre-dump writes memory only: mounts and files are the dump's business */
	if (!o->pre_dump) {
		ext_mounts(&p, a->mounts, a->n_mounts, true);
		for (char *const *e = a->external; e && *e; e++)
			pb_string(&p, CRIU_OPT_EXTERNAL, *e);
	}
	return finish_req(&p, o->pre_dump ? CRIU_REQ_PRE_DUMP : CRIU_REQ_DUMP, ret);
}

/* A cg_root (controllers, path) for each hierarchy (no controllers for cgroup2, criu's name
 * for it): criu puts the restored tasks where the new cgroup is, whatever path the dumped
 * container had. */
static void cgroup_roots(struct pb *p, const struct cgroup *cg)
{
	for (size_t i = 0; cg && i < cg->n_hiers; i++) {
		const struct cgroup_hier *h = &cg->hiers[i];
		const char *rel = startswith(h->path, h->mountpoint);
		struct pb m = { 0 };

		if (!rel)
			continue;
		if (h->controllers && *h->controllers)
			pb_string(&m, 1, h->controllers);
		pb_string(&m, 2, *rel ? rel : "/");
		pb_message(p, CRIU_OPT_CG_ROOT, &m);
		pb_clear(&m);
	}
}

int criu_restore_req(const struct criu_restore_args *a, struct pb *ret)
{
	const struct berth_restore_opts *o = a->o;
	struct pb p = { 0 };

	opts_common(&p, &o->criu, a->images_fd, a->work_fd, a->config_file, "restore.log");
	pb_string(&p, CRIU_OPT_ROOT, a->root);
	/* the init is forked as our child (criu's parent's), criu exits */
	pb_bool(&p, CRIU_OPT_RST_SIBLING, true);
	/* a device node of the image that is not there at its path: any path to it */
	pb_bool(&p, CRIU_OPT_EVASIVE_DEVICES, true);
	cgroup_roots(&p, a->cg);
	ext_mounts(&p, a->mounts, a->n_mounts, false);
	for (size_t k = 0; k < a->n_inherit; k++) {
		struct pb m = { 0 };

		if (!a->inherit[k])
			continue;
		pb_string(&m, 1, a->inherit[k]);
		pb_int32(&m, 2, CRIU_PASS_FD0 + (int32_t)k);
		pb_message(&p, CRIU_OPT_INHERIT_FD, &m);
		pb_clear(&m);
	}
	for (char *const *j = a->join_ns; j && *j; j++) {
		const char *colon = strchr(*j, ':');
		_cleanup_free_ char *ns = colon ? strndup(*j, (size_t)(colon - *j)) : NULL;

		if (!ns) {
			pb_clear(&p);
			return colon ? -ENOMEM : -EINVAL;
		}
		opt_pair(&p, CRIU_OPT_JOIN_NS, ns, colon + 1);
	}
	return finish_req(&p, CRIU_REQ_RESTORE, ret);
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

static bool is_pty_peer(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && major(st->st_rdev) >= UNIX98_PTY_SLAVE_MAJOR &&
	       major(st->st_rdev) < UNIX98_PTY_SLAVE_MAJOR + UNIX98_PTY_MAJOR_COUNT;
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
		/* the terminal is the container's pty, dumped with it: its link text */
		if (buf[0] == '/' && stat(link, &st) == 0 && !is_pty_peer(&st) &&
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
		return berth_error_set(err, ENOMEM, "write '%s' in '%s'", CRIU_DESCRIPTORS,
				       image_path);
	r = write_file_atomic(path, text, strlen(text), 0600);
	return r < 0 ? berth_error_set(err, -r, "write '%s'", path) : 0;
}

/* The images and work directories, made if need be, opened for criu (which opens them
 * again through /proc/<our pid>/fd). */
static int open_dirs(const struct berth_criu_opts *c, bool make, int *ret_images, int *ret_work,
		     struct berth_error **err)
{
	_cleanup_close_ int images = -EBADF, work = -EBADF;
	int r;

	if (make && (r = mkdir_p(c->image_path, 0700)) < 0)
		return berth_error_set(err, -r, "create '%s'", c->image_path);
	images = open(c->image_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (images < 0)
		return berth_error_set(err, errno, "checkpoint '%s'", c->image_path);
	if (c->work_path) {
		if ((r = mkdir_p(c->work_path, 0700)) < 0)
			return berth_error_set(err, -r, "create '%s'", c->work_path);
		work = open(c->work_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (work < 0)
			return berth_error_set(err, errno, "work directory '%s'", c->work_path);
	}
	*ret_images = TAKE_FD(images);
	*ret_work = TAKE_FD(work);
	return 0;
}

/* What checkpoint asks before anything is touched (runc's messages). */
static int check_dump_opts(const struct berth_checkpoint_opts *o, struct berth_error **err)
{
	if (!criu_cgroup_mode_valid(o->criu.manage_cgroups_mode))
		return berth_error_new(err, EINVAL, "invalid manage-cgroups-mode value '%s'",
				       o->criu.manage_cgroups_mode);
	if (o->parent_path) {
		_cleanup_free_ char *parent = NULL;
		struct stat st;

		if (o->parent_path[0] == '/')
			return berth_error_new(err, EINVAL, "invalid --parent-path '%s': it must be "
					       "relative (to the image path)", o->parent_path);
		parent = xasprintf("%s/%s", o->criu.image_path, o->parent_path);
		if (!parent)
			return berth_error_set(err, ENOMEM, "--parent-path '%s'", o->parent_path);
		if (stat(parent, &st) < 0)
			return berth_error_set(err, errno, "invalid --parent-path: '%s'", parent);
		if (!S_ISDIR(st.st_mode))
			return berth_error_new(err, ENOTDIR, "invalid --parent-path: '%s' is not a "
					       "directory", parent);
	}
	if (o->status_fd >= 0) {
		int fl = fcntl(o->status_fd, F_GETFL);

		if (fl < 0)
			return berth_error_set(err, errno, "invalid --status-fd argument %d",
					       o->status_fd);
		if ((fl & O_ACCMODE) == O_RDONLY)
			return berth_error_new(err, EBADF, "invalid --status-fd argument %d: not "
					       "writable", o->status_fd);
	}
	return 0;
}

struct dump_ctx {
	int status_fd;      /* -1 once written */
};

static int dump_notify(void *userdata, const char *script, pid_t pid, int fd,
		       struct berth_error **err)
{
	struct dump_ctx *x = userdata;

	(void)pid;
	(void)err;
	if (fd >= 0)
		close(fd);
	/* lazy pages: criu serves them now; one NUL says so (runc's --status-fd) */
	if (streq(script, "status-ready") && x->status_fd >= 0) {
		if (write(x->status_fd, "", 1) < 0) {
			struct berth_error *w = NULL;

			(void)berth_error_set(&w, errno, "write to --status-fd %d", x->status_fd);
			berth_warn(w);
		}
		x->status_fd = -1;
	}
	return 0;
}

int berth_container_checkpoint(const char *root, const char *id,
			       const struct berth_checkpoint_opts *o, struct berth_error **err)
{
	_cleanup_(rt_config_freep) struct rt_config *cfg = NULL;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_close_ int dirfd = -EBADF, images = -EBADF, work = -EBADF;
	_cleanup_strv_free_ char **external = NULL;
	_cleanup_free_ char *out = NULL;
	struct criu_ext_mount *mounts = NULL;
	size_t n_mounts = 0;
	char *desc[3] = { NULL, NULL, NULL };
	struct state_file st = { 0 };
	struct criu_resp resp = { 0 };
	struct dump_ctx ctx = { .status_fd = o->criu.lazy_pages ? o->status_fd : -1 };
	struct pb req = { 0 };
	struct criu_dump_args a;
	const char *what = o->pre_dump ? "pre-dump" : "dump";
	int r;

	r = check_dump_opts(o, err);
	if (r < 0)
		return berth_error_wrap(err, "checkpoint '%s'", id);
	r = criu_usable(&o->criu, err);
	if (r >= 0 && o->pre_dump)
		r = criu_feature(&o->criu, CRIU_FEATURE_MEM_TRACK, "a pre-dump (memory tracking)",
				 err);
	if (r >= 0 && o->criu.lazy_pages)
		r = criu_feature(&o->criu, CRIU_FEATURE_LAZY_PAGES, "lazy pages", err);
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
		r = cgroup_open_unit(st.cgroup_path, st.systemd_unit, &cg, err);
	if (r >= 0)
		r = open_dirs(&o->criu, true, &images, &work, err);
	if (r < 0)
		goto out;
	r = criu_ext_mounts(cfg, st.bundle, st.rootfs, cg, st.pid, &mounts, &n_mounts);
	if (r < 0) {
		r = berth_error_set(err, -r, "checkpoint '%s': external mounts", id);
		goto out;
	}
	r = read_descriptors(st.pid, desc, &external);
	if (r < 0) {
		r = berth_error_set(err, -r, "checkpoint '%s': descriptors of pid %d", id,
				    (int)st.pid);
		goto out;
	}
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
		if (r < 0)
			r = berth_error_set(err, -r, "checkpoint '%s': %s namespace", id,
					    rt_ns_name(ns));
	}
	if (r < 0)
		goto out;
	if (!o->pre_dump) {
		r = write_descriptors(o->criu.image_path, desc, err);
		if (r < 0)
			goto out;
	}
	a = (struct criu_dump_args){
		.pid = st.pid,
		.rootfs = st.rootfs,
		.freeze_cgroup = criu_freeze_cgroup(cg),
		.o = o,
		.images_fd = images,
		.work_fd = work,
		.config_file = criu_config_file(cfg),
		.mounts = mounts,
		.n_mounts = n_mounts,
		.external = external,
	};
	r = criu_dump_req(&a, &req);
	if (r < 0) {
		r = berth_error_set(err, -r, "checkpoint '%s': criu request", id);
		goto out;
	}
	remove_log(log_dir(&o->criu), "dump.log");
	r = criu_swrk(&(struct criu_call){ .binary = o->criu.binary, .notify = dump_notify,
					   .userdata = &ctx },
		      &req, &resp, &out, err);
	if (r < 0) {
		berth_error_wrap(err, "criu %s of '%s'", what, id);
		goto out;
	}
	if (!resp.success) {
		r = criu_failed(err, what, id, log_dir(&o->criu), "dump.log", &resp, out);
		goto out;
	}
	r = 0;
	if (!o->leave_running && !o->pre_dump) {
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
	pb_clear(&req);
	criu_resp_clear(&resp);
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
		return berth_error_set(err, ENOMEM, "read '%s' in '%s'", CRIU_DESCRIPTORS,
				       image_path);
	r = read_full_file(path, &text, &n);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return berth_error_set(err, -r, "read '%s'", path);
	r = criu_descriptors_parse(text, n, ret, err);
	return r < 0 ? berth_error_wrap(err, "checkpoint '%s'", image_path) : 0;
}

/* State and pid file of the restored init, as create writes them. */
static int record_restored(int dirfd, const char *id, pid_t pid, const char *bundle,
			   const char *rootfs, const char *cgpath, const char *unit,
			   const struct rt_config *cfg, const char *pid_file,
			   struct berth_error **err)
{
	struct state_file st = {
	    .id = (char *)id,
	    .pid = pid,
	    .bundle = (char *)bundle,
	    .rootfs = (char *)rootfs,
	    .cgroup_path = (char *)cgpath,
	    .systemd_unit = (char *)unit,
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
			return berth_error_set(err, ENOMEM, "record restored container '%s'", id);
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

static bool under_tmpfs(const struct rt_config *cfg, const char *dest)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct rt_mount *t = &cfg->mounts[i];
		const char *rest;

		if (!t->type || !streq(t->type, "tmpfs") || streq(t->destination, dest))
			continue;
		rest = startswith(dest, t->destination);
		if (rest && (*rest == '/' || streq(t->destination, "/")))
			return true;
	}
	return false;
}

/* The mountpoints a restore needs, which may be gone since the dump (runc's
 * prepareCriuRestoreMounts): each mount of the config that is not inside one of its tmpfs
 * (whose content criu restores) gets its mountpoint in the rootfs, made as create makes it
 * (symlinks resolved inside the rootfs); a bind mount is bound there meanwhile, so that the
 * mountpoints of the mounts nested in it are made in its source, as at create. All that is
 * bound here is unmounted again before criu runs. */
static int make_restore_mountpoints(const struct rt_config *cfg, const char *bundle,
				    const char *rootfs, struct berth_error **err)
{
	_cleanup_close_ int rootfd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ int *bound = calloc(cfg->n_mounts + 1, sizeof(int));
	size_t n_bound = 0;
	int r = 0;

	if (rootfd < 0)
		return berth_error_set(err, errno, "rootfs '%s'", rootfs);
	if (!bound)
		return berth_error_set(err, ENOMEM, "mountpoints in rootfs '%s'", rootfs);
	for (size_t i = 0; r >= 0 && i < cfg->n_mounts; i++) {
		const struct rt_mount *m = &cfg->mounts[i];
		_cleanup_free_ char *src = NULL;
		_cleanup_close_ int fd = -EBADF;
		bool bind = (m->flags & MS_BIND) && m->source;
		bool dir = true;
		char buf[32];
		struct stat st;

		/* a cgroup mount's binds are criu's own to make */
		if ((m->type && streq(m->type, "cgroup")) || under_tmpfs(cfg, m->destination))
			continue;
		if (bind) {
			src = path_under(bundle, m->source);
			if (!src) {
				r = berth_error_set(err, ENOMEM, "mount '%s': source '%s'",
						    m->destination, m->source);
				break;
			}
			if (stat(src, &st) < 0) {
				r = berth_error_set(err, errno, "mount '%s': source '%s'",
						    m->destination, m->source);
				break;
			}
			dir = S_ISDIR(st.st_mode);
		}
		r = mount_open_target(rootfd, m->destination, dir, false, &fd, err);
		if (r < 0 || !bind)
			continue;
		if (mount(src, fd_path(buf, fd), NULL, MS_BIND | MS_REC, NULL) < 0) {
			r = berth_error_set(err, errno, "bind '%s' on '%s' (its mountpoints)",
					    m->source, m->destination);
			break;
		}
		r = openat_in_root(rootfd, m->destination, O_PATH, false);
		if (r < 0) {
			(void)umount2(fd_path(buf, fd), MNT_DETACH);
			r = berth_error_set(err, -r, "mount '%s'", m->destination);
			break;
		}
		bound[n_bound++] = r;
		r = 0;
	}
	while (n_bound > 0) {
		char buf[32];
		int fd = bound[--n_bound];

		(void)umount2(fd_path(buf, fd), MNT_DETACH);
		close(fd);
	}
	return r < 0 ? berth_error_wrap(err, "the mountpoints of the restore") : 0;
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

struct restore_ctx {
	const struct rt_config *cfg;
	const char *id, *bundle;
	int pty;            /* the restored terminal's master, from criu */
	pid_t pid;          /* the restored init, from "post-restore" */
};

/* The create-time hooks that run in the runtime's namespaces, at the moment runc runs them
 * on restore: the container's namespaces exist (criu made them), its processes do not run
 * yet. */
static int restore_hooks(struct restore_ctx *x, pid_t pid, struct berth_error **err)
{
	static const enum rt_hook_kind kinds[] = { RT_HOOK_PRESTART, RT_HOOK_CREATE_RUNTIME };
	_cleanup_free_ char *state = NULL;

	if (!x->cfg->n_hooks[RT_HOOK_PRESTART] && !x->cfg->n_hooks[RT_HOOK_CREATE_RUNTIME])
		return 0;
	state = hooks_state_json(x->id, "created", pid, x->bundle, x->cfg->annotations,
				 x->cfg->n_annotations);
	if (!state)
		return berth_error_set(err, ENOMEM, "hooks of restored container '%s'", x->id);
	for (size_t k = 0; k < ELEMENTSOF(kinds); k++) {
		int r = hooks_run(x->cfg->hooks[kinds[k]], x->cfg->n_hooks[kinds[k]],
				  rt_hook_kind_name(kinds[k]), state, err);

		if (r < 0)
			return r;
	}
	return 0;
}

static int restore_notify(void *userdata, const char *script, pid_t pid, int fd,
			  struct berth_error **err)
{
	struct restore_ctx *x = userdata;

	if (streq(script, "orphan-pts-master") && fd >= 0) {
		if (x->pty >= 0)
			close(x->pty);
		x->pty = fd;
		return 0;
	}
	if (fd >= 0)
		close(fd);
	if (streq(script, "setup-namespaces"))
		return restore_hooks(x, pid, err);
	if (streq(script, "post-restore") && pid > 0)
		x->pid = pid;
	return 0;
}

int berth_container_restore(const char *root, const char *id, const struct berth_create_opts *co,
			    const struct berth_restore_opts *o, int *ret_status,
			    struct berth_error **err)
{
	_cleanup_(rt_config_freep) struct rt_config *cfg = NULL;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_close_ int dirfd = -EBADF, images = -EBADF, work = -EBADF;
	_cleanup_free_ char *bundle = NULL, *rootfs = NULL, *cgpath = NULL;
	_cleanup_free_ char *sroot = NULL, *croot = NULL, *out = NULL;
	_cleanup_strv_free_ char **join = NULL;
	struct criu_ext_mount *mounts = NULL;
	size_t n_mounts = 0;
	char *desc[3] = { NULL, NULL, NULL };
	/* criu's 4, 5, ...: the stdio it reconnects, then external namespaces */
	int pass[3 + 2], nsfd[2] = { -EBADF, -EBADF };
	char *inherit[3 + 2];
	size_t n_pass = 0;
	struct foreground fg = { .sigfd = -EBADF };
	struct restore_ctx ctx = { .id = id, .pty = -EBADF };
	struct criu_resp resp = { 0 };
	struct pb req = { 0 };
	bool fg_on = false, have_state = false, cg_made = false, bound = false;
	pid_t pid = 0;
	int r;

	if (!criu_cgroup_mode_valid(o->criu.manage_cgroups_mode))
		return berth_error_new(err, EINVAL, "invalid manage-cgroups-mode value '%s'",
				       o->criu.manage_cgroups_mode);
	r = criu_usable(&o->criu, err);
	if (r >= 0 && o->criu.lazy_pages)
		r = criu_feature(&o->criu, CRIU_FEATURE_LAZY_PAGES, "lazy pages", err);
	if (r < 0)
		return berth_error_wrap(err, "restore '%s'", id);
	/* nothing is made for images that are not there */
	r = open_dirs(&o->criu, false, &images, &work, err);
	if (r < 0)
		return berth_error_wrap(err, "restore '%s'", id);
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
	ctx.cfg = cfg;
	ctx.bundle = bundle;
	r = check_joined_ns(cfg, "restore", id, err);
	if (r < 0)
		goto fail;
	if (cfg->process.terminal && o->detach && !co->console_socket) {
		r = berth_error_new(err, EINVAL,
				    "restore '%s': the container has a terminal: a detached restore "
				    "needs --console-socket",
				    id);
		goto fail;
	}
	r = container_rootfs(cfg, bundle, &rootfs, err);
	if (r < 0)
		goto fail;

	/* descriptors and namespaces before anything is made that must be undone */
	for (int i = 0; i < 3; i++) {
		bool seen = false;

		if (!criu_descriptor_inherited(desc[i]))
			continue;
		for (size_t k = 0; k < n_pass; k++)
			seen = seen || streq(inherit[k], desc[i]);
		if (seen)
			continue; /* e.g. 2>&1: one file, restored from the first */
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
			if (r < 0) {
				r = berth_error_set(err, -r, "restore '%s': %s namespace", id,
						    rt_ns_name(ns));
				goto fail;
			}
		}
	}

	r = container_cgroup_setup(cfg, id, co->systemd_cgroup, &cg, &cgpath, err);
	if (r < 0)
		goto fail;
	cg_made = true;
	r = make_restore_mountpoints(cfg, bundle, rootfs, err);
	if (r < 0)
		goto fail;
	r = criu_ext_mounts(cfg, bundle, rootfs, cg, 0, &mounts, &n_mounts);
	if (r < 0) {
		r = berth_error_set(err, -r, "restore '%s': external mounts", id);
		goto fail;
	}
	sroot = realpath(root, NULL);
	if (!sroot) {
		r = berth_error_set(err, errno, "state root '%s'", root);
		goto fail;
	}
	croot = xasprintf("%s/%s/criu-root", sroot, id);
	if (!croot) {
		r = berth_error_set(err, ENOMEM, "restore '%s': criu root", id);
		goto fail;
	}
	r = bind_criu_root(dirfd, rootfs, croot, err);
	if (r < 0)
		goto fail;
	bound = true;
	{
		struct criu_restore_args a = {
			.root = croot,
			.o = o,
			.images_fd = images,
			.work_fd = work,
			.config_file = criu_config_file(cfg),
			.cg = cg,
			.mounts = mounts,
			.n_mounts = n_mounts,
			.inherit = inherit,
			.n_inherit = n_pass,
			.join_ns = join,
		};

		r = criu_restore_req(&a, &req);
		if (r < 0) {
			r = berth_error_set(err, -r, "restore '%s': criu request", id);
			goto fail;
		}
	}
	remove_log(log_dir(&o->criu), "restore.log");
	{
		struct criu_call c = { .binary = o->criu.binary, .pass_fds = pass,
				       .n_pass = n_pass, .cg = cg, .notify = restore_notify,
				       .userdata = &ctx };

		r = criu_swrk(&c, &req, &resp, &out, err);
	}
	unbind_criu_root(dirfd, croot);
	bound = false;
	/* the restored init is our child (rst_sibling) even when criu failed after the
	 * fork: it must not outlive the failure */
	pid = resp.restore_pid > 0 ? resp.restore_pid : ctx.pid;
	if (r < 0) {
		berth_error_wrap(err, "criu restore of '%s'", id);
		goto fail;
	}
	if (!resp.success) {
		r = criu_failed(err, "restore", id, log_dir(&o->criu), "restore.log", &resp, out);
		goto fail;
	}
	if (pid <= 0) {
		r = berth_error_new(err, EPROTO, "restore '%s': criu did not say which process "
				    "it restored", id);
		goto fail;
	}
	if (cfg->process.terminal && ctx.pty < 0) {
		r = berth_error_new(err, EINVAL, "restore '%s': the config has a terminal, the "
				    "checkpoint had none", id);
		goto fail;
	}
	r = record_restored(dirfd, id, pid, bundle, rootfs, cgpath, cg ? cg->unit : NULL, cfg,
			    co->pid_file, err);
	if (r < 0)
		goto fail;
	if (ctx.pty >= 0 && co->console_socket) {
		r = tty_send_to_socket(co->console_socket, ctx.pty, err);
		if (r < 0)
			goto fail;
		close(TAKE_FD(ctx.pty));
	}
	if (o->detach) {
		r = 0;
		goto out;
	}

	/* in the foreground, as run: wait for the init (our child: rst_sibling), then
	 * delete the container */
	close(TAKE_FD(dirfd));
	r = foreground_wait(&fg, pid, ctx.pty, co->stdio[0], co->stdio[1], NULL, 0, ret_status,
			    err);
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
	if (ctx.pty >= 0)
		close(ctx.pty);
	for (int i = 0; i < 2; i++)
		if (nsfd[i] >= 0)
			close(nsfd[i]);
	for (int i = 0; i < 3; i++)
		free(desc[i]);
	pb_clear(&req);
	criu_resp_clear(&resp);
	criu_ext_mounts_free(mounts, n_mounts);
	return r;
}
