/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Runtime state on disk: <root>/<id>/state.json (written atomically), <root>/<id>/exec.fifo
 * while the container is created but not started. The directory itself is the lock
 * (flock). The status is never stored: it is derived from the init's pid and start
 * time (so a recycled pid is never mistaken for the container), the fifo and the cgroup.
 */

#include <stdint.h>
#include <sys/types.h>

#include "berth/error.h"
#include "berth/runtime.h"

struct state_file {
	char *id;
	pid_t pid;
	uint64_t start_time;    /* field 22 of /proc/<pid>/stat */
	char *bundle;
	char *config;           /* the config file when not <bundle>/config.json, else NULL */
	char *rootfs;
	char *created;
	char *cgroup_path;
	char *systemd_unit;	/* the systemd driver's scope of the cgroup, else NULL */
	char **annotations;     /* key, value, ... */
	bool has_poststart;     /* the config has poststart hooks (start runs them) */
	bool has_poststop;      /* ... poststop hooks (delete runs them) */
	bool has_rootfs_bind;   /* no mount namespace: the rootfs bind in the caller's ... */
	uint64_t rootfs_bind_id; /* ... and its mount id (rootfs_host_bind(); delete detaches it) */
};

void state_file_clear(struct state_file *s);

int state_validate_id(const char *id, struct berth_error **err);

/* Open (and create when `create`) <root>/<id> and flock it exclusively. With create,
 * an existing container is -EEXIST; without, a missing one is -ENOENT. */
int state_lock(const char *root, const char *id, bool create, int *ret_dirfd,
	       struct berth_error **err);

int state_write(int dirfd, const struct state_file *s, struct berth_error **err);
int state_read(int dirfd, const char *id, struct state_file *ret, struct berth_error **err);


enum berth_status state_status(int dirfd, const struct state_file *s);

/* Lock <root>/<id>, read its state and derive the status; the lock stays held in
 * *ret_dirfd. On failure nothing is returned and the lock is released. */
int state_load(const char *root, const char *id, int *ret_dirfd, struct state_file *ret,
	       enum berth_status *ret_status, struct berth_error **err);

/* state_load() for an operation that needs the status to be one of `allowed` (a mask of
 * STATUS_BIT()s): otherwise "cannot <verb> container 'id': it is <status>" (-EINVAL) and
 * nothing is returned. */
#define STATUS_BIT(s) (1U << (s))
int state_load_for(const char *root, const char *id, unsigned allowed, const char *verb,
		   int *ret_dirfd, struct state_file *ret, enum berth_status *ret_status,
		   struct berth_error **err);

char *now_rfc3339(void);
