/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "berth/error.h"
#include "config.h"

/* Populate the container's /dev (inside rootfd, before pivot_root): the default nodes
 * (null zero full random urandom tty; an entry of linux.devices at the same path replaces
 * one), the config's linux.devices, and the links fd stdin stdout stderr ptmx. In a user
 * namespace nodes cannot be made: a linux.devices entry is attached from prepared[i] (made
 * by dev_prepare_nodes(); prepared may be NULL), else the host's node at the same path is
 * bind-mounted, if it is the same device; so are the default nodes. Fifos are made in
 * place. */
int dev_setup(int rootfd, const struct rt_config *cfg, bool userns, const int *prepared,
	      struct berth_error **err);

/* On the host side, for a container in a user namespace: each character or block device
 * of linux.devices made as the runtime (CAP_MKNOD in the initial user namespace), owned by
 * the host ids its uid/gid map to, in the directory "devices" (0700) of the state directory
 * dirfd, and cloned as a detached bind mount for the init to attach. ret_fds[i] (one per
 * linux.devices entry) is that clone, or -1: a fifo, no uid/gid maps in the config (a
 * user namespace joined by path), or mknod not permitted here (the init binds the host's
 * node then). On failure nothing is left open or on disk. The caller closes the fds, and
 * removes the nodes with dev_release_nodes() once the init attached them (or failed). */
int dev_prepare_nodes(const struct rt_config *cfg, int dirfd, int *ret_fds,
		      struct berth_error **err);
void dev_release_nodes(int dirfd);

/* Open /dev/null (of the current root) and check it really is the 1:3 character device,
 * so a planted symlink or file is never bind-mounted over a masked path (CVE-2025-31133). */
int dev_open_null(int *ret_fd, struct berth_error **err);
