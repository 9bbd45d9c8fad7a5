/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <linux/mount.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "berth/runtime.h"
#include "cgroup.h"
#include "berth/cleanup.h"
#include "config.h"
#include "container.h"
#include "debug.h"
#include "dev.h"
#include "foreground.h"
#include "hooks.h"
#include "idmap.h"
#include "lsm.h"
#include "process.h"
#include "rootfs.h"
#include "state.h"
#include "tty.h"
#include "berth/util.h"

static const char *const status_names[_BERTH_STATUS_MAX] = {
	[BERTH_STATUS_CREATING] = "creating", [BERTH_STATUS_CREATED] = "created",
	[BERTH_STATUS_RUNNING] = "running",   [BERTH_STATUS_PAUSED] = "paused",
	[BERTH_STATUS_STOPPED] = "stopped",
};

const char *berth_status_name(enum berth_status s)
{
	return (unsigned)s < _BERTH_STATUS_MAX ? status_names[s] : "unknown";
}

static int pidfd_open_checked(pid_t pid, uint64_t start_time)
{
	uint64_t st;
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0)
		return -errno;
	/* the pid could have been recycled between reading state and opening it */
	if (proc_start_time(pid, &st) < 0 || st != start_time) {
		close(fd);
		return -ESRCH;
	}
	return fd;
}

void container_remove_state(const char *root, const char *id)
{
	_cleanup_close_ int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (rfd >= 0)
		(void)rm_rf_at(rfd, id);
}

static int default_cgroup_path(const struct rt_config *cfg, const char *id, char **ret)
{
	*ret = cfg->cgroups_path ? strdup(cfg->cgroups_path) : xasprintf("/berth/%s", id);
	return *ret ? 0 : -ENOMEM;
}

/* runc's specconv.AllowedDevices: what every container may use whatever its own rules
 * say (appended after them, so they win), plus /dev/console. A linux.devices entry is only
 * created, never allowed by itself: it needs its own allow rule (as with runc, a device
 * listed with a deny-all rule is there but unusable). An entry at the path of one of the
 * defaults replaces it, and takes away its rule too. */
static const struct {
	const char *path;
	struct rt_device_rule rule;
} allowed_devices[] = {
	{ NULL, { true, 'c', -1, -1, "m" } },           { NULL, { true, 'b', -1, -1, "m" } },
	{ "/dev/null", { true, 'c', 1, 3, "rwm" } },    { "/dev/random", { true, 'c', 1, 8, "rwm" } },
	{ "/dev/full", { true, 'c', 1, 7, "rwm" } },    { "/dev/tty", { true, 'c', 5, 0, "rwm" } },
	{ "/dev/zero", { true, 'c', 1, 5, "rwm" } },    { "/dev/urandom", { true, 'c', 1, 9, "rwm" } },
	{ "/dev/console", { true, 'c', 5, 1, "rwm" } }, { NULL, { true, 'c', 136, -1, "rwm" } },
	{ NULL, { true, 'c', 5, 2, "rwm" } },           { NULL, { true, 'c', 10, 200, "rwm" } },
};

static bool listed_device(const struct rt_config *cfg, const char *path)
{
	for (size_t i = 0; path && i < cfg->n_devices; i++)
		if (streq(cfg->devices[i].path, path))
			return true;
	return false;
}

static int resources_with_default_devices(const struct rt_config *cfg, struct rt_resources *ret,
					  struct rt_device_rule **ret_rules)
{
	size_t n = cfg->resources.n_devices + ELEMENTSOF(allowed_devices);
	struct rt_device_rule *rules;
	size_t k = 0;

	*ret = cfg->resources;
	*ret_rules = NULL;
	if (cfg->resources.n_devices == 0)
		return 0; /* no rules at all: the cgroup's devices stay as they are */
	rules = calloc(n, sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->resources.n_devices; i++)
		rules[k++] = cfg->resources.devices[i];
	for (size_t i = 0; i < ELEMENTSOF(allowed_devices); i++)
		if (!listed_device(cfg, allowed_devices[i].path))
			rules[k++] = allowed_devices[i].rule;
	ret->devices = rules;
	ret->n_devices = k;
	*ret_rules = rules;
	return 0;
}

int container_load(const struct berth_create_opts *opts, const char *verb, char **ret_bundle,
		   struct rt_config **ret_cfg, struct berth_error **err)
{
	_cleanup_(rt_config_freep) struct rt_config *cfg = NULL;
	_cleanup_free_ char *bundle = realpath(opts->bundle ? opts->bundle : ".", NULL);
	int r;

	if (!bundle)
		return berth_error_set(err, errno, "bundle '%s'", opts->bundle ? opts->bundle : ".");
	r = rt_config_load(bundle, opts->config, &cfg, err);
	if (r < 0)
		return r;
	if (!cfg->has_process)
		return berth_error_new(err, EINVAL,
				       "config.json: process: required to %s a container", verb);
	*ret_bundle = TAKE_PTR(bundle);
	*ret_cfg = TAKE_PTR(cfg);
	return 0;
}

int container_rootfs(const struct rt_config *cfg, const char *bundle, char **ret,
		     struct berth_error **err)
{
	_cleanup_free_ char *rel = path_under(bundle, cfg->root_path);

	if (!rel)
		return berth_error_set(err, ENOMEM, "rootfs");
	*ret = realpath(rel, NULL);
	if (!*ret)
		return berth_error_set(err, errno, "rootfs '%s'", rel);
	return 0;
}

int container_cgroup_setup(const struct rt_config *cfg, const char *id, bool systemd,
			   struct cgroup **ret_cg, char **ret_path, struct berth_error **err)
{
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_free_ char *cgpath = NULL;
	int r;

	if (systemd) {
		r = cgroup_new_systemd(cfg->cgroups_path, id, &cg, err);
		if (r < 0)
			return r;
		cgpath = strdup(cg->rel_path);
		if (!cgpath)
			return berth_error_set(err, ENOMEM, "cgroup");
		rt_debug("cgroup of '%s': '%s', unit '%s'", id, cgpath, cg->unit);
	} else {
		r = default_cgroup_path(cfg, id, &cgpath);
		if (r < 0)
			return berth_error_set(err, -r, "cgroup of '%s'", id);
		rt_debug("cgroup of '%s': '%s'", id, cgpath);
		r = cgroup_open_unit(cgpath, NULL, &cg, err);
		if (r < 0)
			return r;
	}
	{
		bool frozen = false;

		/* An init put into an existing, frozen cgroup would never report ready: say so
		 * instead (and leave that cgroup alone, it is not ours). */
		if (cg->ops->frozen && cg->ops->frozen(cg, &frozen, NULL) >= 0 && frozen)
			/* runc's words, which tools match */
			return berth_error_new(err, EBUSY,
					       "container's cgroup unexpectedly frozen: '%s'", cgpath);
	}
	{
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;

		/* sharing a cgroup with other processes works, but limits, stats and kill
		 * --all then cover them too: say so, as runc does */
		if (cg->ops->pids(cg, &pids, &n, NULL) >= 0 && n > 0) {
			struct berth_error *w = NULL;

			berth_error_new(&w, EBUSY, "container's cgroup is not empty: %zu process(es) "
					"in '%s'", n, cgpath);
			berth_warn(w);
		}
	}
	r = cgroup_create(cg, err);
	if (r < 0)
		return r;
	{
		_cleanup_free_ struct rt_device_rule *rules = NULL;
		struct rt_resources res;

		r = resources_with_default_devices(cfg, &res, &rules);
		if (r >= 0)
			r = cgroup_apply(cg, &res, err);
		if (r < 0) {
			(void)cgroup_destroy(cg, NULL);
			return r;
		}
	}
	*ret_cg = TAKE_PTR(cg);
	*ret_path = TAKE_PTR(cgpath);
	return 0;
}

/* The host id that container id `id` maps to (0 when unmapped: root). */
static uint32_t host_id(const struct rt_idmap *m, size_t n, uint32_t id)
{
	uint32_t h;

	return idmap_to_host(m, n, id, &h) ? h : 0;
}

struct fd_array {
	int *fds;
	size_t n;
};

/* Closes the idmapped trees: the child has its copies once it is cloned. */
static void fd_array_release(struct fd_array *a)
{
	for (size_t i = 0; a->fds && i < a->n; i++)
		if (a->fds[i] >= 0)
			close(a->fds[i]);
	free(a->fds);
}

/* With a new user namespace, the container's root may not be allowed to reach a bind
 * source the runtime can (a 0700 directory on the way, as runc's tests have it): clone
 * each source tree here, as host root (open_tree OPEN_TREE_CLONE, a detached mount that
 * can be attached in another mount namespace), and let the child move it into place. runc
 * opens the sources on the host side too. A source that does not open stays -1 and the
 * child reports it. */
static void open_bind_sources(const struct rt_config *cfg, const char *bundle,
			      const int *idmap_fds, int *ret_fds)
{
	bool userns = cfg->namespaces[RT_NS_USER].enabled && !cfg->namespaces[RT_NS_USER].path;

	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct rt_mount *m = &cfg->mounts[i];
		_cleanup_free_ char *p = NULL;

		ret_fds[i] = -1;
		if (!userns || !(m->flags & MS_BIND) || !m->source || idmap_fds[i] >= 0)
			continue;
		p = path_under(bundle, m->source);
		if (p)
			ret_fds[i] = (int)syscall(SYS_open_tree, AT_FDCWD, p,
						  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
							  ((m->flags & MS_REC) ? AT_RECURSIVE : 0));
	}
}

/* Socket activation (sd_listen_fds(3)): the fds keep their numbers from 3 on, and the
 * process is told so, as runc and crun tell it. */
static int add_listen_env(struct rt_process *p, unsigned n, struct berth_error **err)
{
	bool has_fds = false, has_pid = false;
	_cleanup_free_ char *kv = NULL;

	if (n == 0)
		return 0;
	for (char **e = p->env; e && *e; e++) {
		has_fds = has_fds || startswith(*e, "LISTEN_FDS=");
		has_pid = has_pid || startswith(*e, "LISTEN_PID=");
	}
	kv = xasprintf("LISTEN_FDS=%u", n);
	if (!kv || (!has_fds && strv_extend(&p->env, kv) < 0) ||
	    (!has_pid && strv_extend(&p->env, "LISTEN_PID=1") < 0))
		return berth_error_set(err, ENOMEM, "socket activation environment");
	return 0;
}

static int create_steps(const char *root, const char *id, const struct berth_create_opts *opts,
			bool use_fifo, pid_t *ret_pid, int *ret_sock, int *ret_pty,
			bool *ret_poststart, struct berth_error **err)
{
	_cleanup_(rt_config_freep) struct rt_config *cfg = NULL;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_close_ int dirfd = -EBADF, fifo = -EBADF, sock = -EBADF, pty = -EBADF;
	_cleanup_free_ char *bundle = NULL, *rootfs = NULL, *cgpath = NULL;
	_cleanup_free_ char *config = NULL;
	struct state_file st = { 0 };
	struct process_ctx pctx;
	_cleanup_(fd_array_release) struct fd_array idmap = { 0 }, srcs = { 0 }, devs = { 0 };
	bool cg_made = false, bound = false;
	uint64_t bind_id = 0;
	pid_t pid = 0;
	int r;

	r = state_lock(root, id, true, &dirfd, err);
	if (r < 0)
		return r;

	r = container_load(opts, "create", &bundle, &cfg, err);
	if (r < 0)
		goto fail;
	/* another config than the bundle's: exec, start and delete read it again */
	if (opts->config && *opts->config && !streq(opts->config, "config.json")) {
		_cleanup_free_ char *p = path_under(bundle, opts->config);

		config = p ? realpath(p, NULL) : NULL;
		if (!config) {
			r = berth_error_set(err, p ? errno : ENOMEM, "config '%s'", opts->config);
			goto fail;
		}
	}
	/* runc's and crun's refusal: a detached container's terminal with no console socket
	 * to send it to and no caller to hand it to would be closed, the process left with a
	 * pty nobody reads or writes */
	if (cfg->process.terminal && !opts->console_socket && !ret_pty) {
		r = berth_error_new(err, EINVAL,
				    "'%s' has a terminal (process.terminal) but no console socket: "
				    "cannot allocate a tty when detached without --console-socket",
				    id);
		goto fail;
	}
	r = add_listen_env(&cfg->process, opts->listen_fds, err);
	if (r < 0)
		goto fail;
	r = rt_config_check_supported(cfg, err);
	if (r >= 0)
		r = lsm_check(cfg, err);
	if (r < 0)
		goto fail;
	/* Without a mount namespace the rootfs (mounts, /dev) is set up in the caller's,
	 * where a process in a user namespace of its own has no right to mount. */
	if (!cfg->namespaces[RT_NS_MNT].enabled && cfg->namespaces[RT_NS_USER].enabled) {
		r = berth_error_new(err, EINVAL,
				    "a user namespace needs a mount namespace too: the "
				    "runtime's cannot be mounted on from inside it");
		goto fail;
	}
	r = container_rootfs(cfg, bundle, &rootfs, err);
	if (r < 0)
		goto fail;

	rt_debug("create '%s': bundle '%s', rootfs '%s'", id, bundle, rootfs);
	r = container_cgroup_setup(cfg, id, opts->systemd_cgroup, &cg, &cgpath, err);
	if (r < 0)
		goto fail;
	cg_made = true;
	/* A state without an init yet (status "stopped"): should the creating process be
	 * killed from here on, a forced delete still finds the cgroup (and the rootfs bind,
	 * written again below) and removes them. Completed once the init runs. */
	st.id = (char *)id;
	st.bundle = bundle;
	st.config = config;
	st.rootfs = rootfs;
	st.cgroup_path = cgpath;
	st.systemd_unit = cg ? cg->unit : NULL;
	r = state_write(dirfd, &st, err);
	if (r < 0)
		goto fail;

	if (use_fifo) {
		if (mkfifoat(dirfd, "exec.fifo", 0622) < 0 ||
		    fchmodat(dirfd, "exec.fifo", 0622, 0) < 0) {
			r = berth_error_set(err, errno, "create exec fifo");
			goto fail;
		}
		/* the init opens it as the container's root (or user), possibly in a user
		 * namespace: owned by the host ids of the container's root, as runc does */
		if (cfg->namespaces[RT_NS_USER].enabled &&
		    fchownat(dirfd, "exec.fifo", host_id(cfg->uid_mappings, cfg->n_uid_mappings, 0),
			     host_id(cfg->gid_mappings, cfg->n_gid_mappings, 0), 0) < 0) {
			r = berth_error_set(err, errno, "chown exec fifo");
			goto fail;
		}
		fifo = openat(dirfd, "exec.fifo", O_PATH | O_CLOEXEC);
		if (fifo < 0) {
			r = berth_error_set(err, errno, "open exec fifo");
			goto fail;
		}
	}

	idmap.fds = calloc(cfg->n_mounts ? cfg->n_mounts : 1, sizeof(int));
	if (!idmap.fds) {
		r = berth_error_set(err, ENOMEM, "create '%s': mounts", id);
		goto fail;
	}
	r = idmap_prepare(cfg, idmap.fds, err);
	if (r < 0)
		goto fail;
	idmap.n = cfg->n_mounts;
	srcs.fds = calloc(cfg->n_mounts ? cfg->n_mounts : 1, sizeof(int));
	if (!srcs.fds) {
		r = berth_error_set(err, ENOMEM, "create '%s': mounts", id);
		goto fail;
	}
	open_bind_sources(cfg, bundle, idmap.fds, srcs.fds);
	srcs.n = cfg->n_mounts;
	if (cfg->namespaces[RT_NS_USER].enabled && cfg->n_devices) {
		devs.fds = calloc(cfg->n_devices, sizeof(int));
		if (!devs.fds) {
			r = berth_error_set(err, ENOMEM, "create '%s': devices", id);
			goto fail;
		}
		r = dev_prepare_nodes(cfg, dirfd, devs.fds, err);
		if (r < 0)
			goto fail;
		devs.n = cfg->n_devices;
	}
	if (!cfg->namespaces[RT_NS_MNT].enabled) {
		r = rootfs_host_bind(rootfs, &bind_id, err);
		if (r < 0)
			goto fail;
		bound = true;
		st.has_rootfs_bind = true;
		st.rootfs_bind_id = bind_id;
		r = state_write(dirfd, &st, err);
		if (r < 0)
			goto fail;
	}

	pctx = (struct process_ctx){
		.id = id,
		.idmap_fds = idmap.fds,
		.source_fds = srcs.fds,
		.device_fds = devs.fds,
		.listener_fd = -1,
		.cfg = cfg,
		.rootfs = rootfs,
		.bundle = bundle,
		.cg = cg,
		.stdio = { opts->stdio[0], opts->stdio[1], opts->stdio[2] },
		.fifo_fd = fifo,
		.lock_fd = dirfd,
		.preserve_fds = opts->preserve_fds,
		.no_pivot = opts->no_pivot,
		.root_fd = -EBADF,
	};
	r = process_create(&pctx, &pid, &sock, &pty, err);
	/* the init has attached its devices (or failed): nothing of them stays on the host */
	if (devs.fds)
		dev_release_nodes(dirfd);
	if (r < 0)
		goto fail;

	st.id = (char *)id;
	st.pid = pid;
	if (proc_start_time(pid, &st.start_time) < 0) {
		r = berth_error_new(err, ESRCH, "container init %d vanished", (int)pid);
		goto fail_kill;
	}
	st.bundle = bundle;
	st.config = config;
	st.rootfs = rootfs;
	st.created = now_rfc3339();
	st.cgroup_path = cgpath;
	st.systemd_unit = cg ? cg->unit : NULL;
	st.has_poststart = cfg->n_hooks[RT_HOOK_POSTSTART] > 0;
	st.has_poststop = cfg->n_hooks[RT_HOOK_POSTSTOP] > 0;
	st.has_rootfs_bind = bound;
	st.rootfs_bind_id = bind_id;
	for (size_t i = 0; i < cfg->n_annotations; i++) {
		(void)strv_extend(&st.annotations, cfg->annotations[i].key);
		(void)strv_extend(&st.annotations, cfg->annotations[i].value);
	}
	r = state_write(dirfd, &st, err);
	free(st.created);
	strv_free(st.annotations);
	if (r < 0)
		goto fail_kill;

	if (opts->pid_file) {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

		r = write_file_atomic(opts->pid_file, buf, (size_t)n, 0644);
		if (r < 0) {
			r = berth_error_set(err, -r, "write pid file '%s'", opts->pid_file);
			goto fail_kill;
		}
	}
	if (opts->on_created) {
		r = opts->on_created(pid, opts->userdata, err);
		if (r < 0)
			goto fail_kill;
	}
	if (pty >= 0 && opts->console_socket) {
		r = tty_send_to_socket(opts->console_socket, pty, err);
		if (r < 0)
			goto fail_kill;
	}

	*ret_pid = pid;
	if (ret_poststart)
		*ret_poststart = st.has_poststart;
	if (ret_sock)
		*ret_sock = TAKE_FD(sock);
	if (ret_pty)
		*ret_pty = opts->console_socket ? -EBADF : TAKE_FD(pty);
	return 0;

fail_kill:
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
fail:
	if (cg_made)
		(void)cgroup_destroy(cg, NULL);
	/* the init is gone: what it mounted in our mount namespace goes too */
	if (bound)
		(void)rootfs_host_unbind(rootfs, bind_id, NULL);
	container_remove_state(root, id);
	return r;
}

/* poststart and poststop hooks: their failures are warnings (runtime-spec "Lifecycle"). */
static void run_late_hooks(const char *bundle, const char *config, enum rt_hook_kind kind,
			   const char *id, const char *status, pid_t pid)
{
	struct rt_config *cfg = NULL;
	struct berth_error *e = NULL;
	char *state;

	if (rt_config_load(bundle, config, &cfg, &e) < 0) {
		berth_error_wrap(&e, "%s hooks of '%s'", rt_hook_kind_name(kind), id);
		berth_warn(e);
		return;
	}
	state = hooks_state_json(id, status, pid, bundle, cfg->annotations, cfg->n_annotations);
	if (state && hooks_run(cfg->hooks[kind], cfg->n_hooks[kind], rt_hook_kind_name(kind),
			       state, &e) < 0)
		berth_warn(e);
	free(state);
	rt_config_free(cfg);
}

/* the pty master to the caller that asked for it (else closed) */
static void hand_over_pty(const struct berth_create_opts *opts, int pty)
{
	if (opts->ret_pty_master)
		*opts->ret_pty_master = pty;
	else if (pty >= 0)
		close(pty);
}

/* create_steps(), and what an ENOSYS from any step means: the kernel lacks a system
 * call berth relies on (openat2, pidfds, the new mount API: all there since 5.10, the
 * oldest kernel berth supports and is tested on; calls newer than that have fallbacks). */
static int create_internal(const char *root, const char *id, const struct berth_create_opts *opts,
			   bool use_fifo, pid_t *ret_pid, int *ret_sock, int *ret_pty,
			   bool *ret_poststart, struct berth_error **err)
{
	int r =
	    create_steps(root, id, opts, use_fifo, ret_pid, ret_sock, ret_pty, ret_poststart, err);

	if (r == -ENOSYS)
		berth_error_wrap(err, "this kernel lacks a system call berth needs (Linux 5.10 or "
				      "newer)");
	return r;
}

int berth_container_create(const char *root, const char *id, const struct berth_create_opts *opts,
			   struct berth_error **err)
{
	pid_t pid;
	int pty = -EBADF;
	int r;

	/* without opts->ret_pty_master the pty has nowhere to go but the console socket */
	r = create_internal(root, id, opts, true, &pid, NULL, opts->ret_pty_master ? &pty : NULL,
			    NULL, err);
	if (r < 0)
		return r;
	hand_over_pty(opts, pty);
	return 0;
}


int berth_container_start(const char *root, const char *id, struct berth_error **err)
{
	_cleanup_close_ int dirfd = -EBADF, fifo = -EBADF, pidfd = -EBADF;
	struct state_file st = { 0 };
	int r;

	r = state_load_for(root, id, STATUS_BIT(BERTH_STATUS_CREATED), "start", &dirfd, &st, NULL,
			   err);
	if (r < 0)
		return r;
	pidfd = pidfd_open_checked(st.pid, st.start_time);
	fifo = openat(dirfd, "exec.fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0) {
		r = berth_error_set(err, errno, "open exec fifo of '%s'", id);
		goto out;
	}
	/* The init writes "0", then keeps the fifo open until execve closes it: read to EOF,
	 * so start returns once the program runs. Text after the "0" is the init's error. */
	for (bool started = false;;) {
		struct pollfd p[2] = { { .fd = fifo, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
		char buf[1024];
		ssize_t n;

		if (poll(p, started ? 1 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			r = berth_error_set(err, errno, "wait for container '%s'", id);
			goto out;
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			n = read(fifo, buf, sizeof(buf) - 1);
			if (n < 0 && errno == EAGAIN)
				continue;
			if (n < 0) {
				r = berth_error_set(err, errno, "read exec fifo of '%s'", id);
				goto out;
			}
			if (n == 0 && started)
				break;  /* closed on execve */
			if (n == 0)
				continue; /* no writer yet */
			buf[n] = 0;
			if (!started && buf[0] == '0') {
				started = true;
				memmove(buf, buf + 1, (size_t)n);
				n--;
			}
			if (n > 0) {
				r = berth_error_new(err, EIO, "start '%s': %s", id, buf);
				goto out;
			}
			continue;
		}
		if (!started && (p[1].revents & POLLIN)) {
			r = berth_error_new(err, ESRCH, "container '%s' exited before it was started", id);
			goto out;
		}
	}
	if (unlinkat(dirfd, "exec.fifo", 0) < 0 && errno != ENOENT) {
		r = berth_error_set(err, errno, "remove exec fifo of '%s'", id);
		goto out;
	}
	if (st.has_poststart)
		run_late_hooks(st.bundle, st.config, RT_HOOK_POSTSTART, id, "running", st.pid);
	r = 0;
out:
	state_file_clear(&st);
	return r;
}

int berth_container_state(const char *root, const char *id, struct berth_state *ret,
			  struct berth_error **err)
{
	_cleanup_close_ int dirfd = -EBADF;
	struct state_file st = { 0 };
	enum berth_status status;
	int r;

	r = state_load(root, id, &dirfd, &st, &status, err);
	if (r < 0)
		return r;
	*ret = (struct berth_state){
		.id = TAKE_PTR(st.id),
		.status = status,
		.pid = status == BERTH_STATUS_STOPPED ? 0 : st.pid,
		.bundle = TAKE_PTR(st.bundle),
		.rootfs = TAKE_PTR(st.rootfs),
		.created = TAKE_PTR(st.created),
		.cgroup_path = TAKE_PTR(st.cgroup_path),
		.annotations = TAKE_PTR(st.annotations),
	};
	state_file_clear(&st);
	return 0;
}

void berth_state_clear(struct berth_state *s)
{
	free(s->id);
	free(s->bundle);
	free(s->rootfs);
	free(s->created);
	free(s->cgroup_path);
	strv_free(s->annotations);
	memset(s, 0, sizeof(*s));
}

char *berth_state_to_json(const struct berth_state *s)
{
	json_t *o = json_object(), *ann = json_object();
	char *text;

	json_object_set_new(o, "ociVersion", json_string("1.2.0"));
	json_object_set_new(o, "id", json_string(s->id));
	json_object_set_new(o, "pid", json_integer(s->pid));
	json_object_set_new(o, "status", json_string(berth_status_name(s->status)));
	json_object_set_new(o, "bundle", json_string(s->bundle ? s->bundle : ""));
	json_object_set_new(o, "rootfs", json_string(s->rootfs ? s->rootfs : ""));
	json_object_set_new(o, "created", json_string(s->created ? s->created : ""));
	for (char **a = s->annotations; a && a[0] && a[1]; a += 2)
		json_object_set_new(ann, a[0], json_string(a[1]));
	json_object_set_new(o, "annotations", ann);
	text = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	return text;
}

int berth_container_kill(const char *root, const char *id, int sig, bool all,
			 struct berth_error **err)
{
	_cleanup_close_ int dirfd = -EBADF, pidfd = -EBADF;
	struct state_file st = { 0 };
	enum berth_status status;
	int r;

	r = state_load(root, id, &dirfd, &st, &status, err);
	if (r < 0)
		return r;
	/* runc's behaviour, which containerd's shim depends on: `kill --all` of a stopped
	 * container is nothing to do, and a plain kill says "container not running" (the
	 * text the shim matches to treat the task as already finished). */
	if (status == BERTH_STATUS_STOPPED) {
		r = all ? 0 : berth_error_new(err, ESRCH, "container not running: '%s'", id);
		goto out;
	}
	if (all) {
		_cleanup_(cgroup_freep) struct cgroup *cg = NULL;

		r = cgroup_open_unit(st.cgroup_path, st.systemd_unit, &cg, err);
		if (r >= 0 && cg->ops->kill)
			r = cg->ops->kill(cg, sig, err);
		goto out;
	}
	pidfd = pidfd_open_checked(st.pid, st.start_time);
	if (pidfd < 0) {
		r = berth_error_new(err, ESRCH, "container not running: '%s'", id);
		goto out;
	}
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0) {
		r = berth_error_set(err, errno, "kill container '%s' with signal %d", id, sig);
		goto out;
	}
	r = 0;
out:
	state_file_clear(&st);
	return r;
}

static int wait_pidfd(int pidfd, int timeout_ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r == 0 ? -ETIMEDOUT : 0;
}

/* An init that does not die of SIGKILL was put into a frozen cgroup of someone else's
 * (a v1 freezer cgroup made by hand, say): the kill stays pending until it thaws. It is
 * the container's process, so it goes back into the container's own cgroups, which are
 * thawed, and dies there. Best effort: the caller still reports an init that lives on. */
static void reclaim_init(struct cgroup **cg, const char *cgroup_path, const char *unit, pid_t pid)
{
	if (!*cg && cgroup_open_unit(cgroup_path, unit, cg, NULL) < 0)
		return;
	rt_debug("delete: init %d did not die: moving it back into cgroup '%s'", (int)pid,
		 cgroup_path);
	(void)cgroup_enter(*cg, pid, NULL);
	(void)cgroup_freeze(*cg, false, NULL);
}

int berth_container_delete(const char *root, const char *id, bool force, struct berth_error **err)
{
	_cleanup_close_ int dirfd = -EBADF;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	struct state_file st = { 0 };
	enum berth_status status;
	int r;

	r = state_load(root, id, &dirfd, &st, &status, err);
	if (r < 0)
		return r;
	if ((status == BERTH_STATUS_RUNNING || status == BERTH_STATUS_PAUSED) && !force) {
		r = berth_error_new(err, EBUSY, "cannot delete container '%s' that is not stopped: %s",
				    id, berth_status_name(status));
		goto out;
	}
	if (status == BERTH_STATUS_PAUSED && st.cgroup_path && *st.cgroup_path) {
		/* a frozen process does not die of SIGKILL until it is thawed */
		r = cgroup_open_unit(st.cgroup_path, st.systemd_unit, &cg, err);
		if (r >= 0)
			r = cgroup_freeze(cg, false, err);
		if (r < 0)
			goto out;
	}
	if (status != BERTH_STATUS_STOPPED) {
		_cleanup_close_ int pidfd = pidfd_open_checked(st.pid, st.start_time);

		if (pidfd >= 0) {
			(void)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
			if (wait_pidfd(pidfd, 200) < 0 && st.cgroup_path && *st.cgroup_path)
				reclaim_init(&cg, st.cgroup_path, st.systemd_unit, st.pid);
			if (wait_pidfd(pidfd, 10000) < 0) {
				r = berth_error_new(err, ETIMEDOUT,
						    "container '%s' did not die after SIGKILL", id);
				goto out;
			}
		}
	}
	if (st.cgroup_path && *st.cgroup_path) {
		r = cg ? 0 : cgroup_open_unit(st.cgroup_path, st.systemd_unit, &cg, err);
		if (r >= 0)
			r = cgroup_destroy(cg, err);
		if (r < 0) {
			berth_error_wrap(err, "delete '%s'", id);
			goto out;
		}
	}
	/* no mount namespace: the container's mounts are in ours, below the rootfs bind */
	if (st.has_rootfs_bind && st.rootfs) {
		r = rootfs_host_unbind(st.rootfs, st.rootfs_bind_id, err);
		if (r < 0) {
			berth_error_wrap(err, "delete '%s'", id);
			goto out;
		}
	}
	if (st.has_poststop)
		run_late_hooks(st.bundle, st.config, RT_HOOK_POSTSTOP, id, "stopped", 0);
	container_remove_state(root, id);
	r = 0;
out:
	state_file_clear(&st);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int berth_container_list(const char *root, char ***ret_ids, struct berth_error **err)
{
	_cleanup_closedir_ DIR *d = opendir(root);
	_cleanup_strv_free_ char **ids = NULL;
	struct dirent *de;

	if (!d) {
		if (errno == ENOENT) {
			*ret_ids = calloc(1, sizeof(char *));
			if (!*ret_ids)
				return berth_error_set(err, ENOMEM, "list containers in '%s'",
						       root);
			return 0;
		}
		return berth_error_set(err, errno, "open state root '%s'", root);
	}
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, "..") || de->d_type != DT_DIR)
			continue;
		if (strv_extend(&ids, de->d_name) < 0)
			return berth_error_set(err, ENOMEM, "list containers in '%s'", root);
	}
	if (!ids) {
		ids = calloc(1, sizeof(char *));
		if (!ids)
			return berth_error_set(err, ENOMEM, "list containers in '%s'", root);
	}
	qsort(ids, strv_length(ids), sizeof(char *), cmp_str);
	*ret_ids = TAKE_PTR(ids);
	return 0;
}


int berth_container_wait(const char *root, const char *id, int *ret_status,
			 struct berth_error **err)
{
	struct berth_state s;
	int status, r;

	r = berth_container_state(root, id, &s, err);
	if (r < 0)
		return r;
	if (s.pid <= 0) {
		berth_state_clear(&s);
		return berth_error_new(err, ECHILD, "container '%s' is not running", id);
	}
	while ((r = waitpid(s.pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (r < 0) {
		r = berth_error_set(err, errno, "wait for container '%s'", id);
		berth_state_clear(&s);
		return r;
	}
	berth_state_clear(&s);
	*ret_status = exit_status(status);
	return 0;
}

/* create without the exec fifo, start, poststart hooks: the init runs, our child */
static int launch(const char *root, const char *id, const struct berth_create_opts *opts,
		  pid_t *ret_pid, int *ret_pty, struct berth_error **err)
{
	_cleanup_close_ int sock = -EBADF;
	bool poststart = false;
	pid_t pid;
	int r;

	r = create_internal(root, id, opts, false, &pid, &sock, ret_pty, &poststart, err);
	if (r < 0)
		return r;
	r = process_start(sock, err);
	if (r < 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		(void)berth_container_delete(root, id, true, NULL);
		if (*ret_pty >= 0)
			close(*ret_pty);
		*ret_pty = -EBADF;
		return r;
	}
	if (poststart)
		run_late_hooks(opts->bundle ? opts->bundle : ".", opts->config, RT_HOOK_POSTSTART,
			       id, "running", pid);
	*ret_pid = pid;
	return 0;
}

int berth_container_launch(const char *root, const char *id, const struct berth_create_opts *opts,
			   pid_t *ret_pid, struct berth_error **err)
{
	int pty = -EBADF, r;

	r = launch(root, id, opts, ret_pid, &pty, err);
	if (r < 0)
		return r;
	hand_over_pty(opts, pty);
	return 0;
}

int berth_container_run(const char *root, const char *id, const struct berth_create_opts *opts,
			int *ret_status, struct berth_error **err)
{
	_cleanup_close_ int pty = -EBADF;
	struct foreground fg;
	pid_t pid;
	int r, k;

	r = foreground_begin(&fg, err);
	if (r < 0)
		return r;
	r = launch(root, id, opts, &pid, &pty, err);
	if (r < 0)
		goto out;
	r = foreground_wait(&fg, pid, pty, opts->stdio[0], opts->stdio[1], NULL, 0, ret_status,
			    err);
	/* --keep: the stopped container stays, with its cgroup, until `delete` */
	if (opts->keep && r >= 0)
		goto out;
	{
		struct berth_error *e = NULL;

		/* someone else may have deleted it already (e.g. `berth rm -f`): that is fine */
		k = berth_container_delete(root, id, true, &e);
		if (r >= 0 && k < 0 && k != -ENOENT) {
			r = k;
			if (err) {
				berth_error_free(*err);
				*err = TAKE_PTR(e);
			}
		}
		berth_error_free(e);
	}
out:
	foreground_end(&fg);
	return r;
}
