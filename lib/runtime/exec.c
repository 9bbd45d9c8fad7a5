/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/runtime.h"
#include "caps.h"
#include "cgroup.h"
#include "berth/cleanup.h"
#include "config.h"
#include "debug.h"
#include "foreground.h"
#include "lsm.h"
#include "process.h"
#include "seccomp.h"
#include "state.h"
#include "tty.h"
#include "berth/util.h"

/* Turn the container's config into the exec'd process's: every namespace the container
 * has is joined through its init's /proc/<pid>/ns links. */
static int exec_config(struct rt_config *cfg, pid_t pid, const struct berth_exec_opts *o,
		       struct rt_config *from_file, struct berth_error **err)
{
	struct stat self, theirs;

	for (int i = 0; i < _RT_NS_MAX; i++) {
		char ours[64];
		char *path;

		if (!cfg->namespaces[i].enabled)
			continue;
		path = xasprintf("/proc/%d/ns/%s", (int)pid, rt_ns_proc_name(i));
		if (!path)
			return berth_error_set(err, ENOMEM, "join namespace '%s' of pid %d",
					       rt_ns_proc_name(i), (int)pid);
		snprintf(ours, sizeof(ours), "/proc/self/ns/%s", rt_ns_proc_name(i));
		/* the container may share this one with us: nothing to join then */
		if (stat(path, &theirs) == 0 && stat(ours, &self) == 0 &&
		    theirs.st_ino == self.st_ino && theirs.st_dev == self.st_dev) {
			free(path);
			cfg->namespaces[i].enabled = false;
			continue;
		}
		free(cfg->namespaces[i].path);
		cfg->namespaces[i].path = path;
	}
	/* no mount namespace to join (the container has none of its own): the process is
	 * chroot'ed into its init's root instead (berth_container_exec()) */

	/* what belongs to the container's creation only */
	free(cfg->hostname);
	cfg->hostname = NULL;
	free(cfg->domainname);
	cfg->domainname = NULL;
	cfg->n_sysctl = 0;
	cfg->has_time_offsets = false;

	if (from_file) {
		/* --process: the file's process, as it is (runc does the same) */
		struct rt_process tmp = cfg->process;

		cfg->process = from_file->process;
		from_file->process = tmp;
		return 0;
	}
	strv_free(cfg->process.args);
	cfg->process.args = strv_copy(o->args);
	if (!cfg->process.args)
		return berth_error_set(err, ENOMEM, "exec: the process's arguments");
	cfg->process.terminal = o->tty;
	if (o->cwd) {
		char *c = strdup(o->cwd);

		if (!c)
			return berth_error_set(err, ENOMEM, "exec: cwd '%s'", o->cwd);
		free(cfg->process.cwd);
		cfg->process.cwd = c;
	}
	for (char **e = o->env; e && *e; e++) {
		const char *eq = strchr(*e, '=');
		size_t klen = eq ? (size_t)(eq - *e) : strlen(*e);
		bool replaced = false;

		for (char **c = cfg->process.env; c && *c; c++) {
			if (strncmp(*c, *e, klen) == 0 && (*c)[klen] == '=') {
				char *n = strdup(*e);

				if (!n)
					return berth_error_set(err, ENOMEM, "exec: env '%.*s'",
							       (int)klen, *e);
				free(*c);
				*c = n;
				replaced = true;
				break;
			}
		}
		if (!replaced && strv_extend(&cfg->process.env, *e) < 0)
			return berth_error_set(err, ENOMEM, "exec: env '%.*s'", (int)klen, *e);
	}
	if (o->has_user) {
		cfg->process.uid = o->uid;
		cfg->process.gid = o->gid;
		cfg->process.n_additional_gids = 0;
	}
	if (o->n_additional_gids > 0) {
		gid_t *g = calloc(o->n_additional_gids, sizeof(gid_t));

		if (!g)
			return berth_error_set(err, ENOMEM, "exec: additional gids");
		for (size_t i = 0; i < o->n_additional_gids; i++)
			g[i] = (gid_t)o->additional_gids[i];
		free(cfg->process.additional_gids);
		cfg->process.additional_gids = g;
		cfg->process.n_additional_gids = o->n_additional_gids;
	}
	/* CVE-2022-29162: never hand inheritable capabilities to an exec'd process */
	cfg->process.caps[RT_CAP_INHERITABLE] = 0;
	cfg->process.caps[RT_CAP_AMBIENT] = 0;
	for (int s = 0; s < _RT_CAP_SET_MAX; s++)
		if (s != RT_CAP_INHERITABLE && s != RT_CAP_AMBIENT)
			cfg->process.caps[s] |= o->add_caps | (o->all_caps ? caps_all_ours() : 0);
	if (o->no_new_privs)
		cfg->process.no_new_privileges = true;
	return 0;
}

/* --cgroup: the sub-cgroups must exist already (nothing creates them for an exec). */
static int use_sub_cgroups(struct cgroup *cg, const char *const *subs, struct berth_error **err)
{
	int r;

	if (!subs || !subs[0])
		return 0;
	r = cgroup_use_sub(cg, subs, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < cg->n_hiers; i++) {
		_cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", cg->hiers[i].path);
		char msg[128];
		int e;

		if (!procs)
			return berth_error_set(err, ENOMEM, "sub-cgroup of '%s'",
					       cg->hiers[i].path);
		if (access(procs, W_OK) == 0)
			continue;
		e = errno;
		/* worded as runc's ("adding pid ... no such file or directory"), which tools
		 * match */
		snprintf(msg, sizeof(msg), "%s", strerror(e));
		msg[0] = (char)tolower((unsigned char)msg[0]);
		return berth_error_new(err, e, "error adding pid to cgroups: open %s: %s", procs,
				       msg);
	}
	return 0;
}

int berth_container_exec(const char *root, const char *id, const struct berth_exec_opts *o,
			 int *ret_status, struct berth_error **err)
{
	_cleanup_(rt_config_freep) struct rt_config *cfg = NULL, *from_file = NULL;
	_cleanup_(cgroup_freep) struct cgroup *cg = NULL;
	_cleanup_close_ int dirfd = -EBADF, sock = -EBADF, pty = -EBADF, listener = -EBADF,
			    rootfd = -EBADF;
	struct state_file st = { 0 };
	struct process_ctx pctx;
	struct foreground fg = { .sigfd = -EBADF };
	enum berth_status status;
	bool fg_on = false;
	pid_t pid = 0;
	int r;

	if (o->process_json) {
		r = rt_config_parse_fragment(o->process_json, o->process_json_len,
					     o->process_path ?: "process", "process", &from_file,
					     err);
		if (r < 0)
			return r;
	} else if (o->process_path) {
		_cleanup_free_ char *text = NULL;
		size_t len;

		r = read_full_file(o->process_path, &text, &len);
		if (r < 0)
			return berth_error_set(err, -r, "read process '%s'", o->process_path);
		r = rt_config_parse_fragment(text, len, o->process_path, "process", &from_file, err);
		if (r < 0)
			return r;
	} else if (!o->args || !o->args[0]) {
		return berth_error_new(err, EINVAL, "exec needs a command");
	}
	r = state_load_for(root, id,
			   STATUS_BIT(BERTH_STATUS_RUNNING) | STATUS_BIT(BERTH_STATUS_CREATED) |
				   STATUS_BIT(BERTH_STATUS_PAUSED),
			   "exec in", &dirfd, &st, &status, err);
	if (r < 0)
		return r;
	/* A process joining a frozen cgroup is frozen before it can report ready: waiting
	 * for it would hang until someone resumes the container. runc's words: */
	if (status == BERTH_STATUS_PAUSED && !o->ignore_paused) {
		r = berth_error_new(err, EBUSY, "cannot exec in a paused container "
						"(use --ignore-paused to override)");
		goto out;
	}
	rt_debug("exec in '%s' (init pid %d)%s", id, (int)st.pid,
		 status == BERTH_STATUS_PAUSED ? ", paused" : "");
	/* the lock guards the state, not the container's life: let others in now */
	close(TAKE_FD(dirfd));
	r = rt_config_load(st.bundle, st.config, &cfg, err);
	if (r < 0)
		goto out;
	r = exec_config(cfg, st.pid, o, from_file, err);
	if (r >= 0)
		r = lsm_check(cfg, err);
	if (r < 0)
		goto out;
	if (st.cgroup_path && *st.cgroup_path) {
		r = cgroup_open_unit(st.cgroup_path, st.systemd_unit, &cg, err);
		if (r >= 0)
			r = use_sub_cgroups(cg, o->sub_cgroups, err);
		if (r < 0)
			goto out;
	} else if (o->sub_cgroups && o->sub_cgroups[0]) {
		r = berth_error_new(err, EINVAL, "container '%s' has no cgroup", id);
		goto out;
	}
	if (!o->detach) {
		r = foreground_begin(&fg, err);
		if (r < 0)
			goto out;
		fg_on = true;
	}
	/* the agent's socket is a host path: connect here, the child inherits it */
	if (cfg->seccomp && cfg->seccomp->uses_notify && cfg->seccomp->listener_path) {
		r = seccomp_connect_listener(cfg->seccomp->listener_path, &listener, err);
		if (r < 0)
			goto out;
	}
	if (!cfg->namespaces[RT_NS_MNT].enabled) {
		char path[64];

		/* the init is alive (the state says so) and its pid checked: its root is the
		 * container's, whatever the rootfs path leads to now */
		snprintf(path, sizeof(path), "/proc/%d/root", (int)st.pid);
		rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0) {
			r = berth_error_set(err, errno, "open the root of container '%s'", id);
			goto out;
		}
	}
	pctx = (struct process_ctx){
		.id = id,
		.cfg = cfg,
		.listener_fd = listener,
		.root_fd = rootfd,
		.rootfs = st.rootfs,
		.cg = cg,
		.stdio = { o->stdio[0], o->stdio[1], o->stdio[2] },
		.fifo_fd = -1,
		.lock_fd = -1,
		.exec = true,
		.preserve_fds = o->preserve_fds,
	};
	r = process_create(&pctx, &pid, &sock, &pty, err);
	/* the child has its copy; ours would keep the agent from seeing the end of the
	 * message */
	if (listener >= 0)
		close(TAKE_FD(listener));
	if (r < 0)
		goto out;
	if (o->pid_file) {
		char buf[32];
		int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

		r = write_file_atomic(o->pid_file, buf, (size_t)n, 0644);
		if (r < 0) {
			r = berth_error_set(err, -r, "write pid file '%s'", o->pid_file);
			goto fail_kill;
		}
	}
	if (pty >= 0 && o->console_socket) {
		r = tty_send_to_socket(o->console_socket, pty, err);
		if (r < 0)
			goto fail_kill;
		close(TAKE_FD(pty));
	}
	r = process_start(sock, err);
	if (r < 0)
		goto fail_kill;
	if (!o->detach)
		r = foreground_wait(&fg, pid, pty, o->stdio[0], o->stdio[1], o->detach_keys,
				    o->n_detach_keys, ret_status, err);
	else if (o->ret_pid)
		*o->ret_pid = pid;
	if (r >= 0 && o->detach && o->ret_pty && pty >= 0)
		*o->ret_pty = TAKE_FD(pty);
	goto out;
fail_kill:
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
out:
	if (fg_on)
		foreground_end(&fg);
	state_file_clear(&st);
	return r;
}
