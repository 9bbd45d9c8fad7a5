/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Writing tar archives (pax) with libarchive: directory trees (commit, export) and
 * single members (save). Entries come in sorted order with only what the unpacker
 * restores (mode, owner, mtime in seconds, xattrs, link targets, device numbers), so
 * the same tree always gives the same bytes, and so the same diff id.
 *
 * With TAR_OVERLAY_UPPER the tree is an overlay upper directory and overlay's markers
 * become the image spec's: a whiteout (char device 0:0) NAME is written as an empty
 * ".wh.NAME", a directory with trusted.overlay.opaque=y gets a ".wh..wh..opq" entry.
 * overlay's own xattrs are never written. Sockets are left out, as tar(1) does.
 */

#include <stdint.h>

#include "berth/error.h"

struct archive;

#define TAR_OVERLAY_UPPER 1u

/* A pax writer onto *fd (which must outlive it). NULL on failure (ENOMEM). */
struct archive *tar_writer_new(int *fd);

/* Add every entry below dir_fd (not dir_fd itself), named prefix/NAME (or NAME when
 * prefix is NULL or empty). Hard links within the tree stay hard links. */
int tar_write_tree(struct archive *a, int dir_fd, const char *prefix, unsigned flags,
		   struct berth_error **err);

/* The same, leaving out the empty regular files whose paths (as they would be named in
 * the tar) are in skip_empty: mount targets that only exist for a container's bind
 * mounts. */
int tar_write_tree_skipping(struct archive *a, int dir_fd, const char *prefix, unsigned flags,
			    char *const *skip_empty, struct berth_error **err);

/* The tar of the tree below dir_fd in a new unnamed file (O_TMPFILE) in the directory
 * tmp_dir_fd; returns its fd, at offset 0. */
int tar_tree_to_tmpfile(int tmp_dir_fd, int dir_fd, unsigned flags, char *const *skip_empty,
			struct berth_error **err);

/* Members made up on the spot: mode 0644 (0755 dirs), owner 0, mtime 0. */
int tar_add_bytes(struct archive *a, const char *path, const void *data, size_t n,
		  struct berth_error **err);
int tar_add_dir(struct archive *a, const char *path, struct berth_error **err);
/* size bytes from fd, read with pread from offset 0. */
int tar_add_fd(struct archive *a, const char *path, int fd, uint64_t size,
	       struct berth_error **err);

/* Finish the archive (end blocks) and free a. */
int tar_writer_close(struct archive *a, struct berth_error **err);
