/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What checkpoint and restore tell criu(8), built as plain data so it can be checked
 * without running criu (tests/unit/test-criu.c).
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "berth/error.h"
#include "berth/runtime.h"
#include "cgroup.h"
#include "config.h"

/* A mount whose source lies outside the container's mount namespace, which criu cannot
 * dump: it records the mount under `key` (the mountpoint in the container) and restore
 * binds `source` (a host path) there again. */
struct criu_ext_mount {
	char *key;
	char *source;
};

void criu_ext_mounts_free(struct criu_ext_mount *m, size_t n);

/* The external mounts of a container made from cfg with cgroup cg: the config's bind
 * mounts (relative sources are below bundle), the per-hierarchy binds of a cgroup mount
 * without a cgroup namespace of its own (v1 and hybrid: <dest>/<hierarchy name> from the
 * container's cgroup directory there; v2: <dest>), and in a user namespace, where nodes are
 * bound from the host, the devices and the files masked with /dev/null. The same list
 * serves dump (key:key) and restore (key:source), so both agree on the keys. pid is the
 * running init at dump, to tell masked files (bound, external) from masked directories
 * (a tmpfs criu dumps); 0 at restore: every masked path (a key the images do not hold is
 * ignored). */
int criu_ext_mounts(const struct rt_config *cfg, const char *bundle, const struct cgroup *cg,
		    pid_t pid, struct criu_ext_mount **ret, size_t *ret_n);
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
 * file, hex) for a file on a mount outside the container, "tty[RDEV:DEV]" (hex) for the
 * terminal, the link text otherwise. Pipes and external files are handed to restore's own
 * stdio again, the terminal to a new pty. */
#define CRIU_DESCRIPTORS "descriptors.json"
int criu_descriptors_parse(const char *json, size_t len, char *ret[3], struct berth_error **err);
char *criu_descriptors_format(char *const d[3]);
/* Whether restore passes its own descriptor for this entry. */
bool criu_descriptor_inherited(const char *d);
/* Whether the entry is the terminal (a pty peer). */
bool criu_descriptor_tty(const char *d);

struct criu_dump_args {
	pid_t pid;
	const char *rootfs;
	const char *freeze_cgroup;      /* NULL: none */
	const struct berth_checkpoint_opts *o;
	const struct criu_ext_mount *mounts;
	size_t n_mounts;
	char *const *external;          /* --external values: files, namespaces; may be NULL */
};

struct criu_restore_args {
	const char *root;               /* the rootfs, bind-mounted where criu wants it */
	const char *pid_file;           /* where criu writes the init's pid */
	const struct berth_restore_opts *o;
	const struct cgroup *cg;        /* the new cgroup: --cgroup-root per hierarchy */
	const struct criu_ext_mount *mounts;
	size_t n_mounts;
	/* inherit[k]: the key criu restores from its descriptor 3+k (NULL: none) */
	char *const *inherit;
	size_t n_inherit;
	char *const *join_ns;           /* --join-ns values ("ipc:/path"); may be NULL */
};

/* argv for `criu dump` / `criu restore` (argv[0] "criu"). Both log to dump.log /
 * restore.log at level 4 in the work directory, as runc does. */
int criu_dump_argv(const struct criu_dump_args *a, char ***ret);
int criu_restore_argv(const struct criu_restore_args *a, char ***ret);

/* The first error criu logged in dir/log ("Error (criu/mount.c:753): mnt: ..."), skipping
 * the one it logs and survives on hosts that refuse to raise its own RLIMIT_NOFILE. NULL
 * when there is none or no log. malloc'd. */
char *criu_log_error(const char *dir, const char *log);
