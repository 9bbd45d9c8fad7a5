/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * checkpoint and restore through CRIU (criu(8) as a program, as runc's non-RPC mode
 * would). `criu check` must pass first: Debian 12's criu 3.17 cannot read this kernel's
 * vdso, and then we say so instead of failing halfway through a dump.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/runtime.h"
#include "cgroup.h"
#include "cleanup.h"
#include "config.h"
#include "state.h"
#include "util.h"

/* Run argv, capturing up to 4 KiB of its combined output in *ret_out. Returns the exit
 * status (>= 0) or -errno when it could not run. */
static int run_capture(char *const *argv, char **ret_out)
{
	int pipefd[2];
	pid_t pid;
	int status;
	char *out = NULL;
	size_t n;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -errno;
	}
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		execvp(argv[0], argv);
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
	int r = run_capture(argv, &out);

	if (r == 127 || r == -ENOENT)
		return berth_error_new(err, ENOENT, "criu is not installed (checkpoint needs it)");
	if (r != 0)
		return berth_error_new(err, EOPNOTSUPP,
				       "criu does not work on this kernel (`criu check` failed: %s)",
				       last_line(out));
	return 0;
}

/* --ext-mount-map for every bind mount: criu cannot dump what it does not own. */
static int add_ext_mounts(const struct rt_config *cfg, char ***argv)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		_cleanup_free_ char *m = NULL;

		if (!(cfg->mounts[i].flags & MS_BIND))
			continue;
		m = xasprintf("%s:%s", cfg->mounts[i].destination, cfg->mounts[i].destination);
		if (!m || strv_extend(argv, "--ext-mount-map") < 0 || strv_extend(argv, m) < 0)
			return -ENOMEM;
	}
	return 0;
}

int berth_container_checkpoint(const char *root, const char *id,
			       const struct berth_checkpoint_opts *o, struct berth_error **err)
{
	_cleanup_(rt_config_freep) struct rt_config *cfg = NULL;
	_cleanup_close_ int dirfd = -EBADF;
	_cleanup_strv_free_ char **argv = NULL;
	_cleanup_free_ char *out = NULL, *pid = NULL;
	struct state_file st = { 0 };
	int r;

	r = criu_usable(err);
	if (r < 0)
		return berth_error_wrap(err, "checkpoint '%s'", id);
	r = state_load_for(root, id, STATUS_BIT(BERTH_STATUS_RUNNING), "checkpoint", &dirfd, &st,
			   NULL, err);
	if (r < 0)
		return r;
	r = rt_config_load(st.bundle, st.config, &cfg, err);
	if (r < 0)
		goto out;
	r = mkdir_p(o->image_path, 0700);
	if (r < 0) {
		r = berth_error_set(err, -r, "create '%s'", o->image_path);
		goto out;
	}
	pid = xasprintf("%d", (int)st.pid);
	if (!pid || strv_extend(&argv, "criu") < 0 || strv_extend(&argv, "dump") < 0 ||
	    strv_extend(&argv, "--tree") < 0 || strv_extend(&argv, pid) < 0 ||
	    strv_extend(&argv, "--images-dir") < 0 || strv_extend(&argv, o->image_path) < 0 ||
	    strv_extend(&argv, "--root") < 0 || strv_extend(&argv, st.rootfs) < 0 ||
	    strv_extend(&argv, "--manage-cgroups") < 0 ||
	    (o->work_path && (strv_extend(&argv, "--work-dir") < 0 ||
			      strv_extend(&argv, o->work_path) < 0)) ||
	    (o->leave_running && strv_extend(&argv, "--leave-running") < 0) ||
	    (o->tcp_established && strv_extend(&argv, "--tcp-established") < 0) ||
	    (o->ext_unix_sk && strv_extend(&argv, "--ext-unix-sk") < 0) ||
	    (o->shell_job && strv_extend(&argv, "--shell-job") < 0) ||
	    (o->file_locks && strv_extend(&argv, "--file-locks") < 0) ||
	    add_ext_mounts(cfg, &argv) < 0) {
		r = -ENOMEM;
		goto out;
	}
	r = run_capture(argv, &out);
	if (r != 0) {
		r = berth_error_new(err, EIO, "criu dump of '%s' failed: %s", id, last_line(out));
		goto out;
	}
	r = 0;
out:
	state_file_clear(&st);
	return r;
}

int berth_container_restore(const char *root, const char *id, const struct berth_create_opts *co,
			    const char *image_path, struct berth_error **err)
{
	int r = criu_usable(err);

	if (r < 0)
		return berth_error_wrap(err, "restore '%s'", id);
	/* A working criu restores into the state a create would make: the same cgroup and
	 * state directory, with criu forking the process tree instead of clone. */
	return berth_error_new(err, EOPNOTSUPP,
			       "restore '%s' from '%s': restoring needs criu restore support that "
			       "is not implemented yet",
			       id, image_path);
}
