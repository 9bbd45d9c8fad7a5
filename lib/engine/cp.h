/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `berth cp`'s pieces (cp.c: the container's root and docker's path rules; cp-tar.c:
 * paths, the tar of a source, unpacking into a directory). */

#include <stdbool.h>
#include <stdint.h>

#include "berth/error.h"

/* openat2(2) of path below dirfd ("" is dirfd itself) with O_CLOEXEC and resolve. */
int cp_openat2(int dirfd, const char *path, int flags, uint64_t resolve);

/* A path as docker reads it: cleaned lexically (Go's filepath.Clean), with whether it
 * ended in "/" or "/." (both assert a directory; "/." also means "its contents"). */
struct cp_path {
	char *clean;	  /* "/a/b", "/", "a", "." */
	char *parent;	  /* "/a", "/", "." */
	const char *base; /* "b"; "." for "/" and "." */
	bool slash, dot;
};

/* Parse in (rooted: a container's path, always from its "/"). -ENOMEM. */
int cp_path_parse(const char *in, bool rooted, struct cp_path *ret);
void cp_path_release(struct cp_path *p);

/* The tar of src (an O_PATH fd: a symlink is written as one) and what is below it, its
 * top entry named name ("." for a directory's contents), onto out_fd. Entries below are
 * opened relative to their parent's fd without following symlinks. */
int cp_write_tar(int out_fd, int src, const char *name, struct berth_error **err);

/* Unpack the tar (plain or compressed) read from in_fd into the directory dir: every
 * entry resolved below dir (RESOLVE_IN_ROOT, no symlink followed, ".." above it
 * refused), files replaced, directories merged (docker's "cannot overwrite directory
 * ... with non-directory" and the reverse refused). own (-a): the entries' owners,
 * else the files are ours. */
int cp_unpack_tar(int in_fd, int dir, bool own, struct berth_error **err);

/* cp_write_tar() of src in a child process, piped to cp_unpack_tar() into dir here; a
 * failure of the source side is the one reported. */
int cp_copy_tree(int src, const char *name, int dir, bool own, struct berth_error **err);
