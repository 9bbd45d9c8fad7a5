/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Layer tarballs: diff ids, chain ids, and a safe unpacker.
 *
 * The unpacker reads tar (plain, gzip, xz, zstd) with libarchive's read API but does
 * every write itself, relative to the layer directory fd:
 *   - names are cleaned lexically (leading '/' and '.' dropped); a ".." that would
 *     climb above the layer root rejects the whole layer, naming the entry;
 *   - parent directories are opened with openat2(RESOLVE_IN_ROOT |
 *     RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS): a symlink in the parent path of
 *     an entry is refused, never followed, and nothing can resolve outside the root;
 *   - the last component is created with O_EXCL/O_NOFOLLOW, mknodat, symlinkat or
 *     linkat (no AT_SYMLINK_FOLLOW), after removing what was there;
 *   - hard link targets are cleaned and resolved the same way, inside the root;
 *   - AUFS whiteouts become overlay ones: ".wh.NAME" -> char device 0:0 "NAME",
 *     ".wh..wh..opq" -> xattr trusted.overlay.opaque=y on the directory;
 *   - overlay's own xattrs (trusted.overlay.*, user.overlay.*) in the tar are dropped,
 *     so a layer cannot forge redirects or metacopy;
 *   - the limits below bound entries, file sizes and the total.
 * Ownership is applied when running as root and silently skipped otherwise.
 */

#include <stdbool.h>
#include <stdint.h>

#include "berth/error.h"
#include "sha256.h"

struct layer_limits {
	uint64_t max_entries;	 /* tar headers */
	uint64_t max_file_size;	 /* one regular file */
	uint64_t max_total_size; /* all regular files together */
};

#define LAYER_MAX_ENTRIES (UINT64_C(1) << 20)
#define LAYER_MAX_FILE_SIZE (UINT64_C(64) << 30)
#define LAYER_MAX_TOTAL_SIZE (UINT64_C(256) << 30)
#define LAYER_LIMITS_DEFAULT                                                                       \
	{                                                                                          \
		LAYER_MAX_ENTRIES, LAYER_MAX_FILE_SIZE, LAYER_MAX_TOTAL_SIZE                       \
	}

struct layer_stats {
	uint64_t entries; /* tar headers read */
	uint64_t size;	  /* bytes of regular file content written */
};

/*
 * Unpack the tar read from tar_fd (from offset 0; regular file) into the directory
 * dir_fd, which should be empty. limits NULL means the defaults. On failure the
 * directory holds a partial tree: the caller unpacks into a temp dir and removes it.
 * Errors: -EINVAL bad or hostile entry, -E2BIG a limit exceeded, both naming the entry.
 */
int layer_unpack(int tar_fd, int dir_fd, const struct layer_limits *limits,
		 struct layer_stats *ret_stats, struct berth_error **err);

enum layer_compression {
	LAYER_COMPRESSION_NONE,
	LAYER_COMPRESSION_GZIP,
	LAYER_COMPRESSION_ZSTD,
	LAYER_COMPRESSION_XZ,
	_LAYER_COMPRESSION_MAX,
};

/* The OCI media type of a layer blob with that compression (xz has none in the
 * spec: a berth-specific name). */
const char *layer_media_type(enum layer_compression c);

/*
 * Whether the (maybe compressed) tar in tar_fd has at least one entry: 1 if so, 0 when
 * it is only end-of-archive blocks (as the empty layers of pulled images are), or
 * -errno (-EINVAL not a tar). Reads from the start of tar_fd.
 */
int layer_has_entries(int tar_fd, struct berth_error **err);

/*
 * The diff id of the (maybe compressed) tar in tar_fd: sha256 of the uncompressed
 * stream, as 64 hex digits. When the stream is not compressed, *ret_compression is
 * LAYER_COMPRESSION_NONE and ret_hex is left alone: the diff id is then the blob
 * digest, which the caller has.
 */
int layer_diff_id(int tar_fd, const struct layer_limits *limits, char ret_hex[SHA256_HEX_SIZE],
		  enum layer_compression *ret_compression, struct berth_error **err);

/* Chain id per the OCI image spec: ChainID(L0) = DiffID(L0),
 * ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). parent NULL for the bottom.
 * Digests are "sha256:<hex>". Returns -ENOMEM only. */
int layer_chain_id(const char *parent, const char *diff_id, char **ret);
