/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "berth/error.h"
#include "cgroup.h"
#include "config.h"

struct process_ctx {
	const char *id;         /* for the state the hooks and the seccomp agent get */
	const struct rt_config *cfg;
	const char *rootfs;     /* absolute */
	const char *bundle;     /* absolute; relative bind sources are taken from here */
	struct cgroup *cg;      /* created and configured; the child is entered into it */
	int stdio[3];           /* -1: inherit */
	int fifo_fd;            /* O_PATH fd of exec.fifo, or -1: wait for SYNC_START */
	int lock_fd;            /* the state lock: the child closes it first thing, or -1 */
	unsigned preserve_fds;  /* fds 3 .. 3+N-1 stay open across execve */
	bool no_pivot;          /* create: MS_MOVE + chroot instead of pivot_root */
	const int *idmap_fds;   /* per mount: an idmapped tree made by idmap_prepare(), or -1 */
	const int *source_fds;  /* per mount: its bind source opened by the runtime (O_PATH),
				 * or -1; NULL: none */
	const int *device_fds;  /* per linux.devices entry: a node made by dev_prepare_nodes(),
				 * or -1; NULL: none */
	int listener_fd;        /* exec with SCMP_ACT_NOTIFY: the seccomp agent's socket,
				 * connected by the caller (the path is a host path the child,
				 * in the container's mount namespace, cannot reach), or -1 */
	int root_fd;            /* exec in a container without a mount namespace: its init's
				 * root (O_PATH), chroot'ed into; else -1 */
	bool exec;              /* an extra process joining a running container (every
				 * namespace joined by path): no /dev/console, never dumpable
				 * before execve */
};

/*
 * Clone the container init into its namespaces and drive it until it is ready to exec
 * (see sync.h for the protocol). On success *ret_pid is the init's pid (our child),
 * *ret_sock our end of the sync socket (for process_start when fifo_fd is -1), and
 * *ret_pty the pty master when process.terminal, else -1. On failure the child is
 * killed and reaped and err says why, with the child's own context.
 */
int process_create(const struct process_ctx *ctx, pid_t *ret_pid, int *ret_sock, int *ret_pty,
		   struct berth_error **err);

/* Tell a process made with fifo_fd == -1 to exec; returns once execve succeeded
 * (the socket closed) or with the child's error. */
int process_start(int sock, struct berth_error **err);

/* Find `file` along PATH (from env, else the default), as execvp would, but inside the
 * current root. The result is malloc'd. -ENOENT / -EACCES mean what they say. */
int process_lookup_exec(const char *file, char *const *env, char **ret);
