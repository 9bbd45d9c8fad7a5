/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Shared between cgroup.c, cgroup-v1.c and cgroup-v2.c; not part of the runtime's
 * interface. Every helper returns -errno and fills *err (naming the file and the
 * directory) on failure, and never prints.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "berth/error.h"
#include "cgroup.h"

/* v1 reports "no limit" as LONG_MAX rounded down to the page size (0x7ffffffffffff000 with 4k
 * pages); anything at or above this is unlimited whatever the page size (up to 1 MiB). */
#define CGROUP_V1_UNLIMITED_MIN UINT64_C(0x7ffffffffff00000)

/* Test seam: when set, called before every control-file write done through cgroup_write().
 * A negative return fails that write with that errno without touching the file, which lets
 * the unit tests record write order and emulate kernel refusals (EINVAL, EBUSY). */
extern int (*cgroup_write_hook)(const char *dir, const char *file, const char *value);

/* Write `value` to dir/file with one write(2) (O_WRONLY|O_TRUNC, never creates the file).
 * Error: "write 'file' = 'value' in 'dir': <strerror>". */
int cgroup_write(const char *dir, const char *file, const char *value, struct berth_error **err);

/* Read dir/file whole. Returns 1 and *ret (owned) when read; 0 with *ret untouched when the
 * file does not exist and missing_ok; -errno otherwise. Trailing newlines are stripped. */
int cgroup_read(const char *dir, const char *file, bool missing_ok, char **ret,
		struct berth_error **err);

/* As cgroup_read() for a single number; "max" and "-1" read as UINT64_MAX. */
int cgroup_read_u64(const char *dir, const char *file, bool missing_ok, uint64_t *ret,
		    struct berth_error **err);

/* Find the line "key N" in a flat-keyed file (memory.events, cpu.stat, memory.oom_control).
 * Returns 1 when found, 0 when the file or the key is missing, -errno on error. */
int cgroup_read_keyed(const char *dir, const char *file, const char *key, uint64_t *ret,
		      struct berth_error **err);

/* The pids in dir/cgroup.procs (a missing file reads as empty) and, when recursive, in every
 * cgroup below dir. *ret is malloc'd (NULL when empty). */
int cgroup_read_procs(const char *dir, bool recursive, pid_t **ret, size_t *ret_n,
		      struct berth_error **err);

/* Signal every process in dir and in every cgroup below it. ESRCH is not an error.
 * Returns the number of processes found. */
int cgroup_signal_tree(const char *dir, int sig, struct berth_error **err);

/* Called for each directory on the way from the hierarchy's mount point down to the leaf,
 * after it exists (created now or before); `parent` is its parent directory. */
typedef int (*cgroup_mkdir_fn)(const struct cgroup *cg, const char *parent, const char *dir,
			       struct berth_error **err);

/* Create h->path and its missing parents below h->mountpoint, calling fn for each level. */
int cgroup_hier_mkdir(const struct cgroup *cg, const struct cgroup_hier *h, cgroup_mkdir_fn fn,
		      struct berth_error **err);

/* Remove h->path and any cgroups below it (directories only, deepest first). ENOENT is fine,
 * EBUSY (the kernel is still releasing exited tasks) is retried for up to a second. */
int cgroup_hier_rmdir(const struct cgroup_hier *h, struct berth_error **err);

/* The v1 hierarchy whose controllers include `controller` ("memory", "name=systemd"), or NULL. */
struct cgroup_hier *cgroup_v1_hier(const struct cgroup *cg, const char *controller);

/* The cgroup2 hierarchy (v2, hybrid), or NULL on v1. */
struct cgroup_hier *cgroup_unified(const struct cgroup *cg);

/* Whether `word` is one of the items of `list`, separated by any of the characters in `seps`. */
bool cgroup_list_has(const char *list, const char *seps, const char *word);

/* v2: whether the root of the cgroup2 hierarchy can offer `controller` (cgroup.controllers
 * at its mount point). Used by hybrid to decide which controllers are driven through v2. */
bool cgroup_v2_available(const struct cgroup_hier *h, const char *controller);

/* A sleep that survives EINTR, for bounded polling (with now_ms() of util.h). */
void cgroup_sleep_ms(unsigned ms);

/* Replace *dst with *src (which is taken); with dst NULL, *src is freed. Returns -errnum. */
int cgroup_error_move(struct berth_error **dst, struct berth_error **src);

/* Error for a resource whose controller is nowhere to be found. Returns -ENODEV. */
int cgroup_no_controller(const struct cgroup *cg, const char *controller, const char *what,
			 struct berth_error **err);

/* Whether dir/file exists (a control file: the controller or feature is there). */
bool cgroup_file_exists(const char *dir, const char *file);

/* cgroup_write() once per non-empty line of `value` (the kernel parses one entry per write:
 * io.max, blkio.throttle.*, multi-line unified values). */
int cgroup_write_lines(const char *dir, const char *file, const char *value,
		       struct berth_error **err);

/* A linux.resources.unified key is one file name of the form "<controller>.<name>": no '/',
 * not "." or "..". -EINVAL with "unified 'x/y': not a cgroup file name" otherwise. */
int cgroup_check_unified_key(const char *key, struct berth_error **err);

/* A hugepageLimits page size can be part of a control file name: "2MB", "1GB" (letters and
 * digits only). -EINVAL with "hugepage limit 'x': not a page size" otherwise. */
int cgroup_check_page_size(const char *size, struct berth_error **err);

/* Whether r asks for anything of the cpu controller (shares, quota, period, realtime, idle,
 * burst) or of blkio/io (weights, throttles). */
bool cgroup_wants_cpu(const struct rt_resources *r);
bool cgroup_wants_io(const struct rt_resources *r);

/* blkio weight (10..1000) -> io.weight (1..10000), as runc converts it. */
uint64_t cgroup_blkio_to_io_weight(uint64_t weight);

/* v2 pieces, also used by hybrid for the controllers bound to its cgroup2 hierarchy. */
int cgroup_v2_apply_memory(const struct cgroup *cg, const struct cgroup_hier *h,
			   const struct rt_resources *r, struct berth_error **err);
int cgroup_v2_apply_cpu(const struct cgroup *cg, const struct cgroup_hier *h,
			const struct rt_resources *r, struct berth_error **err);
int cgroup_v2_apply_cpuset(const struct cgroup *cg, const struct cgroup_hier *h,
			   const struct rt_resources *r, struct berth_error **err);
int cgroup_v2_apply_pids(const struct cgroup *cg, const struct cgroup_hier *h,
			 const struct rt_resources *r, struct berth_error **err);
int cgroup_v2_apply_io(const struct cgroup *cg, const struct cgroup_hier *h,
		       const struct rt_resources *r, struct berth_error **err);
int cgroup_v2_apply_hugetlb(const struct cgroup *cg, const struct cgroup_hier *h,
			    const struct rt_resources *r, struct berth_error **err);
int cgroup_v2_apply_rdma(const struct cgroup *cg, const struct cgroup_hier *h,
			 const struct rt_resources *r, struct berth_error **err);
/* linux.resources.unified: each file written in h->path, line by line; a file that is
 * missing gets its controller enabled along the path first (when the cgroup2 root offers
 * it), so that on hybrid e.g. "hugetlb.2MB.max" works and "memory.high" fails naming the
 * missing controller. */
int cgroup_v2_apply_unified(const struct cgroup *cg, const struct cgroup_hier *h,
			    const struct rt_resources *r, struct berth_error **err);
int cgroup_v2_stats_memory(const struct cgroup_hier *h, struct cgroup_stats *s,
			   struct berth_error **err);
int cgroup_v2_stats_cpu(const struct cgroup_hier *h, struct cgroup_stats *s,
			struct berth_error **err);
int cgroup_v2_stats_pids(const struct cgroup_hier *h, struct cgroup_stats *s,
			 struct berth_error **err);
/* io.stat's rbytes and wbytes, every device's summed; nothing when the io controller is not
 * enabled there. */
int cgroup_v2_stats_io(const struct cgroup_hier *h, struct cgroup_stats *s,
		       struct berth_error **err);
int cgroup_v2_freeze_hier(const struct cgroup_hier *h, bool frozen, struct berth_error **err);
int cgroup_v2_frozen_hier(const struct cgroup_hier *h, bool *ret, struct berth_error **err);
