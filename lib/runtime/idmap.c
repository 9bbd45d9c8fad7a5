/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "idmap.h"
#include "berth/util.h"

#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif

static int write_map(pid_t pid, const char *file, const struct rt_idmap *m, size_t n)
{
	char path[64];
	_cleanup_free_ char *buf = calloc(n ? n : 1, 40);
	size_t len = 0;

	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(buf + len, "%u %u %u\n", m[i].container_id, m[i].host_id,
				       m[i].size);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return write_string_at(AT_FDCWD, path, buf);
}

/* A user namespace with the given maps, held by an fd. */
static int userns_fd(const struct rt_mount *m, const struct rt_config *cfg, int *ret,
		     struct berth_error **err)
{
	const struct rt_idmap *u = m->uid_mappings, *g = m->gid_mappings;
	size_t nu = m->n_uid_mappings, ng = m->n_gid_mappings;
	int pipefd[2], r = 0;
	char path[64];
	pid_t pid;

	if (!nu && !ng) { /* "idmap" without mappings: the container's own */
		u = cfg->uid_mappings;
		nu = cfg->n_uid_mappings;
		g = cfg->gid_mappings;
		ng = cfg->n_gid_mappings;
	}
	if (!nu || !ng)
		return berth_error_new(err, EINVAL,
				       "idmapped mount '%s' needs uid and gid mappings",
				       m->destination);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return berth_error_set(err, errno, "pipe");
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		r = berth_error_set(err, errno, "clone a user namespace for '%s'", m->destination);
		close(pipefd[0]);
		close(pipefd[1]);
		return r;
	}
	if (pid == 0) {
		char c;

		close(pipefd[1]);
		/* hold the namespace until the parent has its fd */
		(void)read(pipefd[0], &c, 1);
		_exit(0);
	}
	close(pipefd[0]);
	r = write_map(pid, "uid_map", u, nu);
	if (r >= 0) {
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
		(void)write_string_at(AT_FDCWD, path, "deny");
		r = write_map(pid, "gid_map", g, ng);
	}
	if (r < 0) {
		r = berth_error_set(err, -r, "write id maps for '%s'", m->destination);
	} else {
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		*ret = open(path, O_RDONLY | O_CLOEXEC);
		if (*ret < 0)
			r = berth_error_set(err, errno, "open '%s'", path);
	}
	close(pipefd[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return r;
}

bool idmap_mounts_supported(void)
{
	/* idmap_prepare() below makes them: open_tree(2) + mount_setattr(2) */
	return true;
}

int idmap_prepare(const struct rt_config *cfg, int *ret_fds, struct berth_error **err)
{
	int r = 0;

	for (size_t i = 0; i < cfg->n_mounts; i++)
		ret_fds[i] = -EBADF;
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct rt_mount *m = &cfg->mounts[i];
		_cleanup_close_ int ns = -EBADF, tree = -EBADF;
		bool rec = (m->flags & MS_REC) || m->idmap_recursive;
		struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP };

		if (!m->idmap)
			continue;
		if (!(m->flags & MS_BIND) || !m->source) {
			r = berth_error_new(err, EINVAL,
					    "mounts[%zu] '%s': only bind mounts can be idmapped", i,
					    m->destination);
			goto fail;
		}
		r = userns_fd(m, cfg, &ns, err);
		if (r < 0)
			goto fail;
		tree = (int)syscall(SYS_open_tree, AT_FDCWD, m->source,
				    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0));
		if (tree < 0) {
			r = berth_error_set(err, errno, "open_tree '%s'", m->source);
			goto fail;
		}
		attr.userns_fd = (uint64_t)ns;
		if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0),
			    &attr, sizeof(attr)) < 0) {
			r = berth_error_set(err, errno, "idmap mount '%s'", m->source);
			goto fail;
		}
		ret_fds[i] = TAKE_FD(tree);
	}
	return 0;
fail:
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (ret_fds[i] >= 0) {
			close(ret_fds[i]);
			ret_fds[i] = -EBADF;
		}
	return r;
}

bool idmap_to_host(const struct rt_idmap *m, size_t n, uint32_t id, uint32_t *ret)
{
	for (size_t i = 0; i < n; i++)
		if (id >= m[i].container_id && id - m[i].container_id < m[i].size) {
			*ret = m[i].host_id + (id - m[i].container_id);
			return true;
		}
	return false;
}

int idmap_attach(int tree_fd, int target_fd, const char *dest, struct berth_error **err)
{
	if (syscall(SYS_move_mount, tree_fd, "", target_fd, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return berth_error_set(err, errno, "attach idmapped mount on '%s'", dest);
	return 0;
}
