/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "debug.h"
#include "hooks.h"
#include "lsm.h"
#include "sched.h"
#include "seccomp.h"
#include "berth/cleanup.h"
#include "process.h"
#include "rootfs.h"
#include "berth/sync.h"
#include "tty.h"
#include "berth/util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* fork-like clone: no new stack, the child continues here. */
static pid_t raw_clone(unsigned long flags)
{
	return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
}

static bool ns_new(const struct rt_config *cfg, enum rt_ns ns)
{
	return cfg->namespaces[ns].enabled && !cfg->namespaces[ns].path;
}

static bool ns_joined(const struct rt_config *cfg, enum rt_ns ns)
{
	return cfg->namespaces[ns].enabled && cfg->namespaces[ns].path;
}

static unsigned long new_ns_flags(const struct rt_config *cfg)
{
	unsigned long f = 0;

	for (int i = 0; i < _RT_NS_MAX; i++)
		if (ns_new(cfg, i))
			f |= (unsigned long)rt_ns_clone_flag(i);
	return f;
}

/* A second stage is needed when namespaces are joined by path (they must be joined
 * before new ones are made, the user namespace first) or for a new time namespace
 * (its offsets can only be written before any process is in it). */
static bool needs_two_stages(const struct rt_config *cfg)
{
	for (int i = 0; i < _RT_NS_MAX; i++)
		if (ns_joined(cfg, i))
			return true;
	return ns_new(cfg, RT_NS_TIME);
}

int process_lookup_exec(const char *file, char *const *env, char **ret)
{
	const char *path = NULL;
	_cleanup_free_ char *copy = NULL;
	int last = -ENOENT;
	struct stat st;

	if (!*file)
		return -ENOENT;
	if (strchr(file, '/')) {
		if (stat(file, &st) < 0)
			return -errno;
		if (S_ISDIR(st.st_mode) || access(file, X_OK) < 0)
			return -EACCES;
		*ret = strdup(file);
		return *ret ? 0 : -ENOMEM;
	}
	for (char *const *e = env; e && *e; e++)
		if (startswith(*e, "PATH="))
			path = *e + 5;
	copy = strdup(path ? path : DEFAULT_PATH);
	if (!copy)
		return -ENOMEM;
	/* strsep, not strtok: an empty entry means the current directory, as for execvp */
	for (char *rest = copy, *dir; (dir = strsep(&rest, ":"));) {
		_cleanup_free_ char *p = xasprintf("%s/%s", *dir ? dir : ".", file);

		if (!p)
			return -ENOMEM;
		if (stat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) || access(p, X_OK) < 0) {
			last = -EACCES;
			continue;
		}
		*ret = TAKE_PTR(p);
		return 0;
	}
	return last;
}

static int write_id_map(pid_t pid, const char *file, const struct rt_idmap *m, size_t n,
			struct berth_error **err)
{
	_cleanup_free_ char *buf = NULL, *path = NULL;
	size_t len = 0;
	int r;

	if (n == 0)
		return berth_error_new(err, EINVAL,
				       "a new user namespace needs linux.%s", streq(file, "uid_map")
									? "uidMappings" : "gidMappings");
	buf = calloc(n, 40);
	if (!buf)
		return berth_error_set(err, ENOMEM, "write %s of pid %d", file, (int)pid);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len, "%u %u %u\n", m[i].container_id, m[i].host_id,
				       m[i].size);
	path = xasprintf("/proc/%d/%s", (int)pid, file);
	if (!path)
		return berth_error_set(err, ENOMEM, "write %s of pid %d", file, (int)pid);
	r = write_string_at(AT_FDCWD, path, buf);
	if (r < 0)
		return berth_error_set(err, -r, "write '%s'", path);
	return 0;
}

static int write_maps(pid_t pid, const struct rt_config *cfg, struct berth_error **err)
{
	int r = write_id_map(pid, "uid_map", cfg->uid_mappings, cfg->n_uid_mappings, err);

	if (r < 0)
		return r;
	return write_id_map(pid, "gid_map", cfg->gid_mappings, cfg->n_gid_mappings, err);
}

/* ---- child side ---------------------------------------------------------------- */

/* The status the prestart, createRuntime and createContainer hooks see: "created", as
 * crun gives it and the runtime-tools validation suite (hooks_stdin) expects; runc
 * says "creating". */
#define CREATE_HOOK_STATUS "created"

struct child {
	const struct process_ctx *ctx;
	int sock;
	bool userns;
	pid_t host_pid;         /* the init's pid as the runtime sees it (SYNC_INFO) */
	int listener_sock;      /* connected seccomp agent socket, or -1 */
	int start_fd;           /* exec fifo write end once `start` came, or -1 */
};

static char *child_state_json(const struct child *c, const char *status)
{
	const struct rt_config *cfg = c->ctx->cfg;

	return hooks_state_json(c->ctx->id, status, c->host_pid, c->ctx->bundle, cfg->annotations,
				cfg->n_annotations);
}

/* After the mounts, before pivot_root (still able to reach host paths): the runtime's
 * prestart/createRuntime hooks, our createContainer hooks, and the seccomp agent's
 * socket for later. Not for exec. */
static int child_before_pivot(void *data, struct berth_error **err)
{
	struct child *c = data;
	const struct rt_config *cfg = c->ctx->cfg;
	struct sync_msg m;
	int r;

	if (c->ctx->exec)
		return 0;
	if (cfg->n_hooks[RT_HOOK_PRESTART] || cfg->n_hooks[RT_HOOK_CREATE_RUNTIME]) {
		r = sync_send(c->sock, SYNC_HOOKS, 0, -1);
		if (r < 0)
			return berth_error_set(err, -r, "ask for createRuntime hooks");
		r = sync_expect(c->sock, SYNC_HOOKS_DONE, &m, err);
		if (r < 0)
			return r;
	}
	if (cfg->n_hooks[RT_HOOK_CREATE_CONTAINER]) {
		_cleanup_free_ char *state = child_state_json(c, CREATE_HOOK_STATUS);

		if (!state)
			return berth_error_set(err, ENOMEM,
					       "createContainer hooks: container state");
		r = hooks_run(cfg->hooks[RT_HOOK_CREATE_CONTAINER], cfg->n_hooks[RT_HOOK_CREATE_CONTAINER],
			      "createContainer", state, err);
		if (r < 0)
			return r;
	}
	if (cfg->seccomp && cfg->seccomp->uses_notify && cfg->seccomp->listener_path) {
		r = seccomp_connect_listener(cfg->seccomp->listener_path, &c->listener_sock, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int child_seccomp(struct child *c, struct berth_error **err)
{
	const struct rt_config *cfg = c->ctx->cfg;
	_cleanup_close_ int notify = -EBADF;
	_cleanup_free_ char *state = NULL, *msg = NULL;
	int r;

	r = seccomp_apply(cfg->seccomp, &notify, err);
	if (r < 0)
		return r;
	if (notify < 0)
		return 0;
	if (c->listener_sock < 0)
		return berth_error_new(err, EINVAL,
				       "seccomp: a rule notifies but there is no listenerPath");
	state = child_state_json(c, "creating");
	if (!state)
		return berth_error_set(err, ENOMEM, "seccomp: container state");
	r = seccomp_listener_state_json(cfg->seccomp, c->host_pid, state, &msg, err);
	if (r < 0)
		return r;
	return seccomp_send_on(c->listener_sock, cfg->seccomp->listener_path, notify, msg, err);
}

static int become_root_in_userns(void)
{
	/* Files made during setup belong to the container's root; the ids may be unmapped
	 * (then the kernel says EINVAL and we keep the overflow ids, still with caps). */
	if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	return 0;
}

static int set_rlimits(const struct rt_process *p, struct berth_error **err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = { .rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard };

		if (setrlimit(p->rlimits[i].resource, &rl) < 0) {
			struct rlimit cur;
			int e = errno;

			if (e == EPERM && getrlimit(p->rlimits[i].resource, &cur) == 0 &&
			    rl.rlim_max > cur.rlim_max)
				return berth_error_new(
					err, EPERM,
					"setrlimit %s: hard limit %llu is above the current %llu, and "
					"raising it needs CAP_SYS_RESOURCE",
					rt_rlimit_to_name(p->rlimits[i].resource),
					(unsigned long long)rl.rlim_max,
					(unsigned long long)cur.rlim_max);
			return berth_error_set(err, e, "setrlimit %s",
					       rt_rlimit_to_name(p->rlimits[i].resource));
		}
	}
	return 0;
}

static int write_oom_score_adj(int v, struct berth_error **err)
{
	char buf[16];
	int r;

	snprintf(buf, sizeof(buf), "%d", v);
	r = write_string_at(AT_FDCWD, "/proc/self/oom_score_adj", buf);
	if (r == -EACCES || r == -EPERM)
		return berth_error_new(err, -r,
				       "set oomScoreAdj %d: lowering it below the current value needs "
				       "CAP_SYS_RESOURCE",
				       v);
	if (r < 0)
		return berth_error_set(err, -r, "set oomScoreAdj %d", v);
	return 0;
}

static int write_sysctls(const struct rt_config *cfg, struct berth_error **err)
{
	for (size_t i = 0; i < cfg->n_sysctl; i++) {
		_cleanup_free_ char *path = xasprintf("/proc/sys/%s", cfg->sysctl[i].key);
		int r;

		if (!path)
			return berth_error_set(err, ENOMEM, "sysctl '%s'", cfg->sysctl[i].key);
		for (char *s = path + 10; *s; s++)
			if (*s == '.')
				*s = '/';
		r = write_string_at(AT_FDCWD, path, cfg->sysctl[i].value);
		if (r < 0)
			return berth_error_set(err, -r, "sysctl '%s' = '%s'", cfg->sysctl[i].key,
					       cfg->sysctl[i].value);
	}
	return 0;
}

static int switch_user(const struct rt_process *p, bool keep_groups, struct berth_error **err)
{
	int r;

	r = caps_drop_bounding(p->caps[RT_CAP_BOUNDING], err);
	if (r < 0)
		return r;
	if (!keep_groups && setgroups(p->n_additional_gids, p->additional_gids) < 0 &&
	    errno != EPERM)
		return berth_error_set(err, errno, "setgroups");
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return berth_error_set(err, errno, "setgid %u", p->gid);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return berth_error_set(err, errno, "keep capabilities");
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return berth_error_set(err, errno, "setuid %u", p->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return berth_error_set(err, errno, "reset keep capabilities");
	return caps_apply(p->caps, err);
}

/* The process's stdio belongs to its user, as runc's fixStdioPermissions makes it: a
 * program reopening /dev/stdout or its tty (/proc/self/fd/N) must be allowed to. The group
 * stays (devpts gives a pty the tty group). Only terminals, pipes and sockets: /dev/null
 * and files the caller redirected to are not the container's to own. EINVAL/EPERM (an
 * owner this user namespace cannot map) are not errors, as with runc. */
static int fix_stdio_owner(uid_t uid, struct berth_error **err)
{
	for (int fd = 0; fd < 3; fd++) {
		struct stat st;

		if (fstat(fd, &st) < 0 || st.st_uid == uid)
			continue;
		if (!(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) || isatty(fd)))
			continue;
		if (fchown(fd, uid, (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM)
			return berth_error_set(err, errno, "chown stdio %d to uid %u", fd,
					       (unsigned)uid);
	}
	return 0;
}

/* Wait for `start`. With the exec fifo, the write end stays open (close-on-exec) until
 * execve: `start` reads until EOF, so it returns only once the program runs, and a
 * failure on the way reaches it as text written to the fifo (child_fail). */
static int wait_for_start(struct child *c, struct berth_error **err)
{
	struct sync_msg m;

	if (c->ctx->fifo_fd >= 0) {
		char path[32];

		/* Blocks until `start` opens the fifo for reading. */
		c->start_fd = open(fd_path(path, c->ctx->fifo_fd), O_WRONLY | O_CLOEXEC);
		if (c->start_fd < 0)
			return berth_error_set(err, errno, "open exec fifo");
		if (loop_write(c->start_fd, "0", 1) < 0)
			return berth_error_set(err, errno, "write exec fifo");
		return 0;
	}
	return sync_expect(c->sock, SYNC_START, &m, err);
}

/* env plus HOME=<the user's home> when env has no HOME; NULL when nothing is added
 * (or on ENOMEM: then the config's env is used as is). */
static char **env_with_home(char *const *env, uint32_t uid)
{
	_cleanup_free_ char *home = NULL, *kv = NULL;
	char **l;

	for (char *const *e = env; e && *e; e++)
		if (startswith(*e, "HOME="))
			return NULL;
	if (passwd_lookup("/etc/passwd", uid, NULL, &home) <= 0 || !home || !*home) {
		free(home);
		home = strdup("/");
	}
	kv = home ? xasprintf("HOME=%s", home) : NULL;
	l = kv ? strv_copy(env ? env : (char *const[]){NULL}) : NULL;
	if (l && strv_extend(&l, kv) < 0)
		l = strv_free(l);
	return l;
}

/* Everything from the new namespaces up to execve. Returns only on failure. */
static int child_init(struct child *c, bool wait_go, struct berth_error **err)
{
	const struct rt_config *cfg = c->ctx->cfg;
	const struct rt_process *p = &cfg->process;
	struct mount_ctx mctx = {
		.rootfd = -EBADF,
		.userns = cfg->namespaces[RT_NS_USER].enabled,
		.cgroupns = ns_new(cfg, RT_NS_CGROUP),
		.netns = ns_new(cfg, RT_NS_NET),
		.cg = c->ctx->cg,
		.mounts = cfg->mounts,
		.no_pivot = c->ctx->no_pivot,
		.idmap_fds = c->ctx->idmap_fds,
		.source_fds = c->ctx->source_fds,
		.device_fds = c->ctx->device_fds,
	};
	_cleanup_free_ char *exe = NULL;
	struct sync_msg m;
	int r;

	if (wait_go) {
		r = sync_expect(c->sock, SYNC_GO, &m, err);
		if (r < 0)
			return r;
	}
	r = sync_expect(c->sock, SYNC_INFO, &m, err);
	if (r < 0)
		return r;
	c->host_pid = m.value;
	rt_debug("child process in init(): pid %d on the host", (int)c->host_pid);
	/* The cgroup namespace is made only now, when we are in the container's cgroup,
	 * so that this cgroup becomes its root. */
	if (ns_new(cfg, RT_NS_CGROUP) && unshare(CLONE_NEWCGROUP) < 0)
		return berth_error_set(err, errno, "unshare cgroup namespace");
	if (ns_new(cfg, RT_NS_USER) && become_root_in_userns() < 0)
		return berth_error_set(err, errno, "become root in the user namespace");

	if (cfg->hostname || cfg->domainname) {
		if (!cfg->namespaces[RT_NS_UTS].enabled)
			return berth_error_new(err, EINVAL,
					       "cannot set the hostname without a private uts namespace");
		if (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
			return berth_error_set(err, errno, "sethostname '%s'", cfg->hostname);
		if (cfg->domainname && setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0)
			return berth_error_set(err, errno, "setdomainname '%s'", cfg->domainname);
	}

	/* A mount namespace joined by path gets the rootfs set up in it too (runc does the
	 * same); exec only enters the container's. Without a mount namespace (the spec: a
	 * type not listed is the runtime's), the rootfs is set up in the caller's, below the
	 * bind the runtime made for it (rootfs_host_bind()), and chroot'ed into; an exec
	 * chroots into the init's root. */
	if (!c->ctx->exec) {
		mctx.host_mntns = !cfg->namespaces[RT_NS_MNT].enabled;
		r = rootfs_prepare(cfg, c->ctx->rootfs, &mctx, child_before_pivot, c, err);
		if (mctx.rootfd >= 0)
			close(mctx.rootfd);
		if (r < 0)
			return berth_error_wrap(err, "rootfs");
	} else if (c->ctx->root_fd >= 0) {
		if (fchdir(c->ctx->root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
			return berth_error_set(err, errno, "chroot into the container's root");
		close(c->ctx->root_fd);
	}

	r = write_sysctls(cfg, err);
	if (r < 0)
		return r;

	if (p->terminal) {
		_cleanup_close_ int master = -EBADF, slave = -EBADF;

		r = tty_create(&master, &slave, p->console_height, p->console_width, !c->ctx->exec,
			       err);
		if (r < 0)
			return r;
		r = sync_send(c->sock, SYNC_PTY, 0, master);
		if (r < 0)
			return berth_error_set(err, -r, "send the pty");
		r = tty_make_controlling(slave, err);
		if (r < 0)
			return r;
	} else {
		if (setsid() < 0)
			return berth_error_set(err, errno, "setsid");
		for (int i = 0; i < 3; i++)
			if (c->ctx->stdio[i] >= 0 && c->ctx->stdio[i] != i &&
			    dup2(c->ctx->stdio[i], i) < 0)
				return berth_error_set(err, errno, "dup stdio %d", i);
	}

	if (!c->ctx->exec) {
		r = rootfs_finalize(cfg, err);
		if (r < 0)
			return berth_error_wrap(err, "rootfs");
	}
	r = set_rlimits(p, err);
	if (r < 0)
		return r;
	if (p->has_oom_score_adj) {
		r = write_oom_score_adj(p->oom_score_adj, err);
		if (r < 0)
			return r;
	}
	if (chdir(p->cwd) < 0)
		return berth_error_set(err, errno, "chdir to cwd '%s'", p->cwd);
	/* A cwd such as /proc/self/fd/N can lead through a descriptor of ours to a host
	 * directory (CVE-2024-21626): the kernel then reports it as unreachable. */
	{
		char buf[PATH_MAX];

		if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
			return berth_error_new(err, EPERM,
					       "cwd '%s' is outside the container's root", p->cwd);
	}

	/* Fail at create, not at start, when the program is not there (as runc does). */
	r = process_lookup_exec(p->args[0], p->env, &exe);
	if (r == -ENOENT) {
		berth_error_new(err, ENOENT, "exec: \"%s\": executable file not found in $PATH",
				p->args[0]);
		if (*err)
			(*err)->kind = BERTH_ERROR_EXEC_NOT_FOUND;
		return -ENOENT;
	}
	if (r < 0) {
		berth_error_set(err, -r, "exec: \"%s\"", p->args[0]);
		if (*err)
			(*err)->kind = r == -EACCES ? BERTH_ERROR_EXEC_DENIED : BERTH_ERROR_GENERIC;
		return r;
	}

	/* Everything that can fail happens before READY, so create reports it; after the
	 * start signal only hooks, the last seccomp filter and execve remain (as in runc). */
	umask(p->umask >= 0 ? (mode_t)p->umask : 0022);
	r = sched_apply_personality(&cfg->personality, err);
	if (r >= 0)
		r = sched_apply_scheduler(&p->scheduler, err);
	if (r >= 0)
		r = sched_apply_ioprio(&p->io_priority, err);
	if (r < 0)
		return r;
	/* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: before the user switch.
	 * With it, as late as possible, so the filter never stands in the runtime's way. */
	if (cfg->seccomp && !p->no_new_privileges) {
		r = child_seccomp(c, err);
		if (r < 0)
			return r;
	}
	r = fix_stdio_owner(p->uid, err);
	if (r < 0)
		return r;
	r = switch_user(p, cfg->keep_original_groups, err);
	if (r < 0)
		return r;
	r = lsm_apply_exec(p, err);
	if (r < 0)
		return r;
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return berth_error_set(err, errno, "set no_new_privs");

	r = sync_send(c->sock, SYNC_READY, 0, -1);
	if (r < 0)
		return berth_error_set(err, -r, "send ready");
	r = wait_for_start(c, err);
	if (r < 0)
		return r;

	if (c->ctx->exec && p->exec_cpu_affinity_final) {
		r = sched_apply_cpu_affinity(p->exec_cpu_affinity_final, 0, err);
		if (r < 0)
			return r;
	}
	if (cfg->seccomp && p->no_new_privileges) {
		r = child_seccomp(c, err);
		if (r < 0)
			return r;
	}
	/* After the filter, as runc runs them: a startContainer hook runs in the container
	 * as its process would, seccomp included. */
	if (!c->ctx->exec && cfg->n_hooks[RT_HOOK_START_CONTAINER]) {
		_cleanup_free_ char *state = child_state_json(c, "created");

		if (!state)
			return berth_error_set(err, ENOMEM,
					       "startContainer hooks: container state");
		r = hooks_run(cfg->hooks[RT_HOOK_START_CONTAINER], cfg->n_hooks[RT_HOOK_START_CONTAINER],
			      "startContainer", state, err);
		if (r < 0)
			return r;
	}

	/* No descriptor of ours may reach the container (CVE-2024-21626): everything past
	 * stdio closes on exec. The sync socket too, which tells the parent exec worked. */
	{
		unsigned first = 3U + c->ctx->preserve_fds;

		if (syscall(SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
			for (int fd = (int)first; fd < 1024; fd++)
				(void)fd_set_cloexec(fd, true);
		/* --preserve-fds / LISTEN_FDS: the caller's fds right after stdio go along */
		for (unsigned fd = 3; fd < first; fd++)
			(void)fd_set_cloexec((int)fd, false);
	}

	if (c->ctx->exec)
		rt_debug("setns_init: about to exec '%s'", exe);
	else
		rt_debug("init: closing the pipe to signal completion: exec '%s'", exe);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	{
		/* HOME from the container's /etc/passwd when the config has none, as runc
		 * and crun set it ("/" for a user without an entry). */
		_cleanup_strv_free_ char **env = env_with_home(p->env, p->uid);

		execve(exe, p->args, env ? env : p->env ? p->env : (char *[]){NULL});
	}
	r = berth_error_set(err, errno, "exec '%s'", exe);
	if (*err)
		(*err)->kind = (r == -ENOENT) ? BERTH_ERROR_EXEC_NOT_FOUND : BERTH_ERROR_EXEC_DENIED;
	return r;
}

static _Noreturn void child_fail(struct child *c, struct berth_error *err)
{
	int e = err ? err->errnum : EIO;

	(void)sync_send_error(c->sock, e, err);
	/* after `start`: its caller reads the fifo until EOF and reports this */
	if (c->start_fd >= 0) {
		const char *msg = berth_error_message(err);

		(void)loop_write(c->start_fd, msg, strlen(msg));
	}
	_exit(e == ENOENT ? 127 : e == EACCES ? 126 : 1);
}

static int open_ns_paths(const struct rt_config *cfg, int fds[_RT_NS_MAX], struct berth_error **err)
{
	for (int i = 0; i < _RT_NS_MAX; i++) {
		fds[i] = -EBADF;
		if (!ns_joined(cfg, i))
			continue;
		fds[i] = open(cfg->namespaces[i].path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			return berth_error_set(err, errno, "open %s namespace '%s'", rt_ns_name(i),
					       cfg->namespaces[i].path);
	}
	return 0;
}

static int join(int fd, enum rt_ns ns, const struct rt_config *cfg, struct berth_error **err)
{
	if (setns(fd, rt_ns_clone_flag(ns)) < 0)
		return berth_error_set(err, errno, "join %s namespace '%s'", rt_ns_name(ns),
				       cfg->namespaces[ns].path);
	return 0;
}

/* Stage one of the two-stage path: join, unshare, fork the init, report its pid. */
static int child_stage1(struct child *c, struct berth_error **err)
{
	const struct rt_config *cfg = c->ctx->cfg;
	int fds[_RT_NS_MAX];
	unsigned long flags;
	struct sync_msg m;
	pid_t pid;
	int r;

	r = sync_expect(c->sock, SYNC_GO, &m, err);
	if (r < 0)
		return r;
	r = open_ns_paths(cfg, fds, err);
	if (r < 0)
		return r;
	if (fds[RT_NS_USER] >= 0 && join(fds[RT_NS_USER], RT_NS_USER, cfg, err) < 0)
		return -EPERM;
	for (int i = 0; i < _RT_NS_MAX; i++)
		if (i != RT_NS_USER && fds[i] >= 0 && join(fds[i], i, cfg, err) < 0)
			return -EPERM;
	if (ns_new(cfg, RT_NS_USER)) {
		if (unshare(CLONE_NEWUSER) < 0)
			return berth_error_set(err, errno, "unshare user namespace");
		r = sync_send(c->sock, SYNC_USERMAP_REQ, 0, -1);
		if (r < 0)
			return berth_error_set(err, -r, "ask for uid/gid maps");
		r = sync_expect(c->sock, SYNC_USERMAP_ACK, &m, err);
		if (r < 0)
			return r;
		if (become_root_in_userns() < 0)
			return berth_error_set(err, errno, "become root in the user namespace");
	}
	flags = new_ns_flags(cfg) & ~(unsigned long)(CLONE_NEWUSER | CLONE_NEWCGROUP);
	if (flags && unshare((int)flags) < 0)
		return berth_error_set(err, errno, "unshare namespaces");
	if (ns_new(cfg, RT_NS_TIME) && cfg->has_time_offsets) {
		char buf[128];

		snprintf(buf, sizeof(buf), "monotonic %lld %u\nboottime %lld %u\n",
			 (long long)cfg->monotonic_secs, cfg->monotonic_nsecs,
			 (long long)cfg->boottime_secs, cfg->boottime_nsecs);
		r = write_string_at(AT_FDCWD, "/proc/self/timens_offsets", buf);
		if (r < 0)
			return berth_error_set(err, -r, "write time namespace offsets");
	}
	/* CLONE_PARENT: the init becomes the runtime's child, as in the one-stage path. */
	pid = raw_clone(CLONE_PARENT);
	if (pid < 0)
		return berth_error_set(err, errno, "clone %s",
				       c->ctx->exec ? "the exec process" : "container init");
	if (pid == 0) {
		struct berth_error *e = NULL;

		for (int i = 0; i < _RT_NS_MAX; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		child_init(c, false, &e);
		child_fail(c, e);
	}
	r = sync_send(c->sock, SYNC_PID, pid, -1);
	if (r < 0)
		return berth_error_set(err, -r, "report init pid");
	_exit(0);
}

/* ---- parent side --------------------------------------------------------------- */

static void kill_and_reap(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
}

int process_create(const struct process_ctx *ctx, pid_t *ret_pid, int *ret_sock, int *ret_pty,
		   struct berth_error **err)
{
	const struct rt_config *cfg = ctx->cfg;
	bool two = needs_two_stages(cfg);
	_cleanup_close_ int pty = -EBADF, oldcwd = -EBADF, sock = -EBADF;
	int sv[2];
	pid_t child, init = 0;
	int r;

	if (!cfg->has_process)
		return berth_error_new(err, EINVAL, "config.json has no process");
	/* The child starts in the bundle (relative bind sources are taken from there). The
	 * parent changes directory for it: in a new user namespace the child may no longer
	 * be allowed to search the way there. */
	if (ctx->bundle) {
		oldcwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (oldcwd < 0)
			return berth_error_set(err, errno, "open the current directory");
		if (chdir(ctx->bundle) < 0)
			return berth_error_set(err, errno, "chdir '%s'", ctx->bundle);
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		r = berth_error_set(err, errno, "socketpair");
		goto restore_cwd;
	}

	rt_debug("nsexec container setup: clone the %s (%s)",
		 ctx->exec ? "exec process" : "container init",
		 two ? "two stages: namespaces joined or a user namespace first" : "one stage");
	child = raw_clone(two ? 0 : new_ns_flags(cfg) & ~(unsigned long)CLONE_NEWCGROUP);
	if (child < 0) {
		r = berth_error_set(err, errno, "clone");
		close(sv[0]);
		close(sv[1]);
		goto restore_cwd;
	}
	if (child == 0) {
		struct child c = { .ctx = ctx, .sock = sv[1],
				   .listener_sock = ctx->exec && ctx->listener_fd >= 0 ? ctx->listener_fd
										: -EBADF,
				   .start_fd = -EBADF };
		struct berth_error *e = NULL;

		close(sv[0]);
		/* Until execve replaces it, this process is our binary holding host
		 * descriptors: nothing in the container may ptrace it, read its memory or
		 * reach our binary through /proc/PID/exe (CVE-2016-9962, CVE-2019-5736).
		 * execve resets the flag from the new binary. A process that makes its own
		 * user namespace stays dumpable: it must write its /proc files as root of
		 * that namespace, and nothing else lives in its namespaces yet. */
		if (ctx->exec || !ns_new(ctx->cfg, RT_NS_USER))
			(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		/* the state lock stays with the runtime: `start` must be able to take it */
		if (ctx->lock_fd >= 0)
			close(ctx->lock_fd);
		if (two)
			child_stage1(&c, &e);
		else
			child_init(&c, true, &e);
		child_fail(&c, e);
	}
	close(sv[1]);
	sock = sv[0];
	if (oldcwd >= 0 && fchdir(oldcwd) < 0) {
		r = berth_error_set(err, errno, "return to the previous directory");
		goto fail;
	}

	if (ctx->exec && cfg->process.exec_cpu_affinity_initial) {
		r = sched_apply_cpu_affinity(cfg->process.exec_cpu_affinity_initial, child, err);
		if (r < 0)
			goto fail;
	}
	if (ctx->cg) {
		r = cgroup_enter(ctx->cg, child, err);
		if (r < 0)
			goto fail;
	}
	if (!two && ns_new(cfg, RT_NS_USER)) {
		r = write_maps(child, cfg, err);
		if (r < 0)
			goto fail;
	}
	r = sync_send(sock, SYNC_GO, 0, -1);
	if (r < 0) {
		r = berth_error_set(err, -r, "start container init");
		goto fail;
	}
	if (!two) {
		init = child;
		r = sync_send(sock, SYNC_INFO, init, -1);
		if (r < 0) {
			r = berth_error_set(err, -r, "inform container init");
			goto fail;
		}
	}

	for (;;) {
		struct sync_msg m;
		int fd = -EBADF;

		r = sync_recv(sock, &m, &fd);
		if (r == -EPIPE) {
			int status = 0;

			/* stage one exits once it reported the init; anything else is a crash */
			r = berth_error_new(err, EPIPE, "container init exited before it was ready");
			if (init > 0 && waitpid(init, &status, WNOHANG) == init) {
				init = 0;
				if (WIFSIGNALED(status))
					r = berth_error_new(err, EPIPE,
							    "container init was killed by signal %d "
							    "before it was ready",
							    WTERMSIG(status));
			}
			goto fail;
		}
		if (r < 0) {
			r = berth_error_set(err, -r, "read from container init");
			goto fail;
		}
		switch (m.type) {
		case SYNC_USERMAP_REQ:
			r = write_maps(child, cfg, err);
			if (r < 0)
				goto fail;
			r = sync_send(sock, SYNC_USERMAP_ACK, 0, -1);
			if (r < 0) {
				r = berth_error_set(err, -r, "ack uid/gid maps");
				goto fail;
			}
			break;
		case SYNC_PID:
			init = m.value;
			/* stage one is done */
			while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
				;
			r = sync_send(sock, SYNC_INFO, init, -1);
			if (r < 0) {
				r = berth_error_set(err, -r, "inform container init");
				goto fail;
			}
			break;
		case SYNC_HOOKS: {
			_cleanup_free_ char *state = hooks_state_json(
				ctx->id, CREATE_HOOK_STATUS, init, ctx->bundle, cfg->annotations, cfg->n_annotations);

			if (!state) {
				r = berth_error_set(err, ENOMEM,
						    "createRuntime hooks of '%s': container state",
						    ctx->id);
				goto fail;
			}
			r = hooks_run(cfg->hooks[RT_HOOK_PRESTART], cfg->n_hooks[RT_HOOK_PRESTART],
				      "prestart", state, err);
			if (r >= 0)
				r = hooks_run(cfg->hooks[RT_HOOK_CREATE_RUNTIME],
					      cfg->n_hooks[RT_HOOK_CREATE_RUNTIME], "createRuntime", state,
					      err);
			if (r < 0)
				goto fail;
			r = sync_send(sock, SYNC_HOOKS_DONE, 0, -1);
			if (r < 0) {
				r = berth_error_set(err, -r, "resume container init after hooks");
				goto fail;
			}
			break;
		}
		case SYNC_PTY:
			if (fd < 0) {
				r = berth_error_new(err, EPROTO, "pty message without a descriptor");
				goto fail;
			}
			if (pty >= 0)
				close(pty);
			pty = fd;
			break;
		case SYNC_READY:
			if (init <= 0) {
				r = berth_error_new(err, EPROTO, "container init ready without a pid");
				goto fail;
			}
			*ret_pid = init;
			*ret_pty = TAKE_FD(pty);
			*ret_sock = TAKE_FD(sock);
			return 0;
		case SYNC_ERROR:
			r = sync_error_to(&m, err);
			goto fail;
		default:
			if (fd >= 0)
				close(fd);
			r = berth_error_new(err, EPROTO, "unexpected message '%s' from container init",
					    sync_type_name(m.type));
			goto fail;
		}
	}
fail:
	if (init > 0 && init != child)
		kill_and_reap(init);
	kill_and_reap(child);
	return r;
restore_cwd:
	if (oldcwd >= 0)
		(void)fchdir(oldcwd);
	return r;
}

int process_start(int sock, struct berth_error **err)
{
	struct sync_msg m;
	int r;

	r = sync_send(sock, SYNC_START, 0, -1);
	/* EPIPE: the init is already gone (killed from outside, say); what it may have said
	 * is still to be read, and otherwise its exit status tells the rest */
	if (r < 0 && r != -EPIPE && r != -ECONNRESET)
		return berth_error_set(err, -r, "start container process");
	r = sync_recv(sock, &m, NULL);
	if (r == -EPIPE)
		return 0; /* the socket closed on exec */
	if (r < 0)
		return berth_error_set(err, -r, "wait for exec");
	if (m.type == SYNC_ERROR)
		return sync_error_to(&m, err);
	return berth_error_new(err, EPROTO, "unexpected message '%s' after start",
			       sync_type_name(m.type));
}
