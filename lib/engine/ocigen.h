/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

#include "berth/engine.h"
#include "berth/error.h"
#include "berth/image.h"
#include "berth/volume.h"

/* Where --init's berth-init is in the container: docker's path for its docker-init. */
#define OCIGEN_INIT_PATH "/sbin/docker-init"

struct ocigen_input {
	const struct berth_run_opts *opts;
	const struct berth_image *image;
	const char *id;
	const char *rootfs;      /* the mounted overlay, for user name lookups */
	const char *ctr_dir;     /* holds hostname, hosts, resolv.conf */
	const char *cgroups_path;
	const struct volume_mount *volumes; /* bind mounts of -v, in order */
	size_t n_volumes;
	bool host_network;       /* --network host: no network namespace of its own */
	const char *netns_path;  /* --network container:X: join this one; NULL: its own */
	const char *pidns_path;  /* --pid container:X, likewise */
	const char *ipcns_path;  /* --ipc container:X, likewise */
	bool dns;                /* on a bridge network: its resolver is the monitor's */
	const char *init_path;   /* --init: berth-init, bind-mounted at /sbin/docker-init */
};

/* The OCI config.json for a container, docker's defaults: its capability set, masked
 * and read-only paths, mounts, device rules. *ret_args gets the process args (owned by
 * the caller) for the record. Returns the JSON text (malloc'd) in *ret. */
int ocigen_config(const struct ocigen_input *in, char **ret, char ***ret_args,
		  struct berth_error **err);

/* ocigen-host.c: --privileged's devices (every host device), --device and
 * --device-cgroup-rule into linux.devices and the cgroup's device rules */
int ocigen_devices(const struct berth_run_opts *o, json_t *devices, json_t *rules,
		   struct berth_error **err);

/* --blkio-weight, --device-{read,write}-{bps,iops} as resources.blockIO */
int ocigen_blkio(const struct berth_run_opts *o, json_t *res, struct berth_error **err);

/* --security-opt seccomp=PROFILE: docker's profile format (archMap, includes/excludes by
 * the container's capabilities caps, arch and kernel) as linux.seccomp; "unconfined" and
 * --privileged: none */
int ocigen_seccomp(const struct berth_run_opts *o, char *const *caps, json_t *linux_,
		   struct berth_error **err);

/* docker's --user: "uid", "name", "uid:gid", "name:group" (names looked up in the
 * rootfs's /etc/passwd and /etc/group; a user name also gives its group). */
int ocigen_parse_user(const char *rootfs, const char *spec, uint32_t *uid, uint32_t *gid,
		      struct berth_error **err);
