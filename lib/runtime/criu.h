/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What checkpoint and restore tell criu, built as plain data (external mounts, criu_req
 * messages) so it can be checked without running criu (tests/unit/test-criu.c).
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "berth/error.h"
#include "berth/runtime.h"
#include "cgroup.h"
#include "config.h"
#include "criu-rpc.h"

/* A mount whose source lies outside the container's mount namespace, which criu cannot
 * dump: it records the mount under `key` (the mountpoint in the container) and restore
 * binds `source` (a host path) there again. */
struct criu_ext_mount {
	char *key;
	char *source;
};

void criu_ext_mounts_free(struct criu_ext_mount *m, size_t n);

/* The external mounts of a container made from cfg with cgroup cg: the config's bind
 * mounts (relative sources are below bundle; the key is the destination as it resolves in
 * rootfs, through the image's symlinks: criu_mountpoint(); rootfs NULL: as written), the per-hierarchy binds of a cgroup mount
 * without a cgroup namespace of its own (v1 and hybrid: <dest>/<hierarchy name> from the
 * container's cgroup directory there; v2: <dest>), and in a user namespace, where nodes are
 * bound from the host, the devices and the files masked with /dev/null. The same list
 * serves dump (key:key) and restore (key:source), so both agree on the keys. pid is the
 * running init at dump, to tell masked files (bound, external) from masked directories
 * (a tmpfs criu dumps); 0 at restore: every masked path (a key the images do not hold is
 * ignored). */
int criu_ext_mounts(const struct rt_config *cfg, const char *bundle, const char *rootfs,
		    const struct cgroup *cg, pid_t pid, struct criu_ext_mount **ret,
		    size_t *ret_n);
/* Where dest is in the container: resolved below rootfd (the rootfs, whose realpath() is
 * rootfs_real) with symlinks followed inside it. dest itself when it does not resolve
 * (yet). malloc'd, NULL when out of memory. */
char *criu_mountpoint(int rootfd, const char *rootfs_real, const char *dest);
/* Add (or replace) the external mount key -> source; -ENOMEM leaves *m and *n usable. */
int criu_ext_mount_add(struct criu_ext_mount **m, size_t *n, const char *key, const char *source);

/* The cgroup criu freezes the container with (the v1 freezer hierarchy, or the v2
 * cgroup), or NULL when there is none (criu then stops the tasks with ptrace). Points
 * into cg. */
const char *criu_freeze_cgroup(const struct cgroup *cg);

/* NULL (criu's default) or one of runc's --manage-cgroups-mode values. */
bool criu_cgroup_mode_valid(const char *mode);

/* How the init's stdin, stdout and stderr are recorded in <images>/descriptors.json (as
 * runc does): "pipe:[INODE]" for a pipe, "file[MNT_ID:INODE]" (criu's key for an external
 * file, hex) for a file on a mount outside the container, the link text otherwise (the
 * terminal: "/dev/pts/0", a pty criu dumps and restores itself). Pipes and external files
 * are handed to restore's own stdio again. */
#define CRIU_DESCRIPTORS "descriptors.json"
int criu_descriptors_parse(const char *json, size_t len, char *ret[3], struct berth_error **err);
char *criu_descriptors_format(char *const d[3]);
/* Whether restore passes its own descriptor for this entry. */
bool criu_descriptor_inherited(const char *d);

/* The configuration file criu reads after the request's options (runc's
 * handleCriuConfigurationFile): the annotation "org.criu.config" when it is set (empty:
 * none), else CRIU_DEFAULT_CONFIG (criu ignores a file that is not there). NULL: none. */
#define CRIU_DEFAULT_CONFIG "/etc/criu/berth-runtime.conf"
const char *criu_config_file(const struct rt_config *cfg);

struct criu_dump_args {
	pid_t pid;
	const char *rootfs;
	const char *freeze_cgroup;      /* NULL: none */
	const struct berth_checkpoint_opts *o;
	int images_fd, work_fd;         /* our descriptors (criu opens them by /proc); work -1:
					 * the images directory */
	const char *config_file;        /* NULL: none */
	const struct criu_ext_mount *mounts;
	size_t n_mounts;
	char *const *external;          /* external values: files, namespaces; may be NULL */
};

struct criu_restore_args {
	const char *root;               /* the rootfs, bind-mounted where criu wants it */
	const struct berth_restore_opts *o;
	int images_fd, work_fd;
	const char *config_file;
	const struct cgroup *cg;        /* the new cgroup: a cg_root per hierarchy */
	const struct criu_ext_mount *mounts;
	size_t n_mounts;
	/* inherit[k]: the key criu restores from its descriptor CRIU_PASS_FD0 + k */
	char *const *inherit;
	size_t n_inherit;
	char *const *join_ns;           /* "ipc:/path": namespaces to join; may be NULL */
};

/* The criu_req of a dump (a pre-dump with o->pre_dump) or a restore, for criu_swrk(). Both
 * log to dump.log / restore.log at level 4 in the work directory, as runc does, ask for
 * notifications and for the master of a restored pty (orphan_pts_master). -ENOMEM, or
 * -EINVAL for a --page-server that is not ADDRESS:PORT. */
int criu_dump_req(const struct criu_dump_args *a, struct pb *ret);
int criu_restore_req(const struct criu_restore_args *a, struct pb *ret);
/* The first error criu logged in dir/log ("Error (criu/mount.c:753): mnt: ..."), skipping
 * the one it logs and survives on hosts that refuse to raise its own RLIMIT_NOFILE. NULL
 * when there is none or no log. malloc'd. */
char *criu_log_error(const char *dir, const char *log);
