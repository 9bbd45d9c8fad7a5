/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Volumes (internal to the engine): docker's -v specs, and the store's named volumes at
 * <store>/volumes/<name>/{_data,volume.json}.
 */

#include <stdbool.h>

#include "berth/error.h"

struct volume_mount {
	char *source;            /* host path: the bind source, or the volume's _data */
	char *destination;       /* absolute path in the container */
	char *name;              /* the volume's name; NULL for a bind mount */
	bool readonly;
	bool anonymous;          /* "-v /path": a volume of its own, named at random */
	bool created;            /* the volume was made for this container (copy-up) */
};

void volume_mount_clear(struct volume_mount *m);

/* Parse docker's -v: "HOST:DEST[:OPTS]" (HOST an absolute path), "NAME:DEST[:OPTS]" or
 * "DEST" (anonymous); OPTS a comma list of ro, rw, z, Z. Named and anonymous volumes are
 * made in the store if they do not exist (m->created then), a missing host directory of a
 * bind too, as docker does. -EINVAL names what is wrong with the spec. */
int volume_resolve(const char *store_root, const char *spec, struct volume_mount *ret,
		   struct berth_error **err);

/* Copy what the image has at m->destination (rootfs: the mounted container root) into a
 * volume just made for it, as docker does; nothing when the image has nothing there. */
int volume_copy_up(const char *rootfs, const struct volume_mount *m, struct berth_error **err);

/* A volume name as docker allows them: [a-zA-Z0-9][a-zA-Z0-9_.-]+ */
bool volume_name_valid(const char *name);

/* Make the named volume (no error when it exists; *ret_created says whether it was
 * made: of many processes making it at once, exactly one is told it made it). */
int volume_create(const char *store_root, const char *name, bool anonymous,
		  char *const *labels, bool *ret_created, struct berth_error **err);

/* The labels it was made with ("KEY=VALUE"; an empty list for none). -ENOENT. */
int volume_labels(const char *store_root, const char *name, char ***ret);

bool volume_is_anonymous(const char *store_root, const char *name);

/* The store has the volume `name` (made whole: its volume.json is written last). */
bool volume_exists(const char *store_root, const char *name);

/* Remove a volume and its data (in-use checks are the caller's, under the containers
 * lock: record_store_lock()). -ENOENT: none. */
int volume_delete(const char *store_root, const char *name, struct berth_error **err);

/* docker's volume events of a container's start and end: "mount" (attributes container,
 * destination, driver, propagation, read/write) or "unmount" (container, driver) of each
 * store volume its OCI config (ctr_dir/config.json) mounts, in the config's order. Best
 * effort, as the event log is. */
void volume_events(const char *store_root, const char *ctr_dir, const char *ctr_id, bool mount);

/* Remove those of the named volumes that are anonymous (a container's, at rm -v or
 * --rm). */
void volume_delete_anonymous(const char *store_root, char *const *names);
