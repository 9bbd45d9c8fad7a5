/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * criu's RPC, spoken with `criu swrk FD` (the service worker libcriu and runc use): one
 * request, then criu's answers, each a protobuf message (criu's images/rpc.proto, proto2)
 * in one SOCK_SEQPACKET packet. Answers of type NOTIFY come while criu works ("setup-
 * namespaces", "post-restore", "orphan-pts-master" with a descriptor, ...): each is
 * acknowledged before criu goes on; the last answer has the request's type.
 *
 * Only the protobuf wire format is implemented, by hand: varints, length-delimited fields
 * and nested messages are all criu's messages use. The field numbers are rpc.proto's.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "berth/error.h"
#include "cgroup.h"

/* ---------------------------------------------------------------------------------------- */
/* Protobuf wire format */

/* A message being written. Appends never fail: the first allocation failure is kept in
 * err (-ENOMEM) and later appends do nothing, so a message is built and checked once. */
struct pb {
	uint8_t *buf;
	size_t len, cap;
	int err;
};

void pb_uint(struct pb *p, uint32_t field, uint64_t v);   /* varint: uint32, enum */
void pb_int32(struct pb *p, uint32_t field, int32_t v);   /* negative: 10 bytes, as int32 */
void pb_bool(struct pb *p, uint32_t field, bool v);
void pb_string(struct pb *p, uint32_t field, const char *s);
/* m as a nested message (m's error becomes p's). */
void pb_message(struct pb *p, uint32_t field, const struct pb *m);
void pb_clear(struct pb *p);

struct pb_field {
	uint32_t num;
	uint8_t wire;          /* 0 varint, 1 64-bit, 2 length-delimited, 5 32-bit */
	uint64_t value;        /* wire 0, 1, 5 */
	const uint8_t *data;   /* wire 2: the bytes, len of them */
	size_t len;
};

/* The field at *pos (before end), *pos moved past it: 1, or 0 at end, or -EBADMSG when
 * the bytes are not a well-formed message (truncated, wire types 3 and 4, field 0). */
int pb_next(const uint8_t **pos, const uint8_t *end, struct pb_field *f);

/* ---------------------------------------------------------------------------------------- */
/* criu's messages */

enum criu_req_type {
	CRIU_REQ_EMPTY = 0,
	CRIU_REQ_DUMP = 1,
	CRIU_REQ_RESTORE = 2,
	CRIU_REQ_CHECK = 3,
	CRIU_REQ_PRE_DUMP = 4,
	CRIU_REQ_NOTIFY = 6,
	CRIU_REQ_FEATURE_CHECK = 9,
	CRIU_REQ_VERSION = 10,
};

/* criu_req */
enum { CRIU_REQ_F_TYPE = 1, CRIU_REQ_F_OPTS = 2, CRIU_REQ_F_NOTIFY_SUCCESS = 3,
       CRIU_REQ_F_FEATURES = 5 };

/* criu_opts */
enum {
	CRIU_OPT_IMAGES_DIR_FD = 1,
	CRIU_OPT_PID = 2,
	CRIU_OPT_LEAVE_RUNNING = 3,
	CRIU_OPT_EXT_UNIX_SK = 4,
	CRIU_OPT_TCP_ESTABLISHED = 5,
	CRIU_OPT_EVASIVE_DEVICES = 6,
	CRIU_OPT_SHELL_JOB = 7,
	CRIU_OPT_FILE_LOCKS = 8,
	CRIU_OPT_LOG_LEVEL = 9,
	CRIU_OPT_LOG_FILE = 10,
	CRIU_OPT_PS = 11,               /* criu_page_server_info: address 1, port 2 */
	CRIU_OPT_NOTIFY_SCRIPTS = 12,
	CRIU_OPT_ROOT = 13,
	CRIU_OPT_PARENT_IMG = 14,
	CRIU_OPT_TRACK_MEM = 15,
	CRIU_OPT_AUTO_DEDUP = 16,
	CRIU_OPT_WORK_DIR_FD = 17,
	CRIU_OPT_EXT_MNT = 23,          /* ext_mount_map: key 1, val 2 */
	CRIU_OPT_MANAGE_CGROUPS = 24,
	CRIU_OPT_CG_ROOT = 25,          /* cgroup_root: ctrl 1, path 2 */
	CRIU_OPT_RST_SIBLING = 26,
	CRIU_OPT_INHERIT_FD = 27,       /* inherit_fd: key 1, fd 2 */
	CRIU_OPT_MANAGE_CGROUPS_MODE = 34,
	CRIU_OPT_EXTERNAL = 37,
	CRIU_OPT_EMPTY_NS = 38,
	CRIU_OPT_JOIN_NS = 39,          /* join_namespace: ns 1, ns_file 2 */
	CRIU_OPT_FREEZE_CGROUP = 44,
	CRIU_OPT_LAZY_PAGES = 48,
	CRIU_OPT_STATUS_FD = 49,
	CRIU_OPT_ORPHAN_PTS_MASTER = 50,
	CRIU_OPT_CONFIG_FILE = 51,
	CRIU_OPT_LSM_PROFILE = 53,
	CRIU_OPT_LSM_MOUNT_CONTEXT = 63,
};

/* criu_cg_mode */
enum { CRIU_CG_IGNORE = 0, CRIU_CG_SOFT = 3, CRIU_CG_FULL = 4, CRIU_CG_STRICT = 5 };

/* criu_features */
enum { CRIU_FEATURE_MEM_TRACK = 1, CRIU_FEATURE_LAZY_PAGES = 2 };

/* What criu answered (criu_resp). Strings are malloc'd; criu_resp_clear() frees them. */
struct criu_resp {
	int type;                       /* enum criu_req_type */
	bool success;
	int cr_errno;                   /* 0: none given */
	char *errmsg;                   /* cr_errmsg: the first error criu logged, or NULL */
	pid_t restore_pid;              /* criu_restore_resp.pid */
	char *notify_script;            /* criu_notify.script */
	pid_t notify_pid;
	bool has_features, mem_track, lazy_pages;  /* criu_features of a FEATURE_CHECK */
	int version_major, version_minor;          /* criu_version; 0 when not told */
};

/* 0, or -EBADMSG (the fields read so far are kept: clear it either way), -ENOMEM. */
int criu_resp_parse(const void *buf, size_t len, struct criu_resp *ret);
void criu_resp_clear(struct criu_resp *r);

/* ---------------------------------------------------------------------------------------- */
/* Running criu */

/* Called for each notification. fd is the descriptor that came with it (orphan-pts-master)
 * or -1; the handler owns it. Returning < 0 (with *err) tells criu the script failed,
 * which makes it abort the request; criu_swrk() then returns that error. */
typedef int (*criu_notify_fn)(void *userdata, const char *script, pid_t pid, int fd,
			      struct berth_error **err);

struct criu_call {
	const char *binary;             /* NULL: "criu", found in PATH */
	const int *pass_fds;            /* become criu's 4, 5, ... (3 is the RPC socket) */
	size_t n_pass;
	struct cgroup *cg;              /* criu runs in it (restore), or NULL */
	criu_notify_fn notify;          /* NULL: every notification succeeds */
	void *userdata;
};

/* First of criu's descriptors passed with pass_fds (inherit_fd refers to it). */
#define CRIU_PASS_FD0 4

/* Start `criu swrk 3`, send req (a criu_req), answer the notifications, and return the
 * final answer in *ret (0; ret->success says whether criu did it). criu's own stdout and
 * stderr (when it prints anything: errors before its log is open) go to *ret_output
 * (malloc'd, may be NULL). Errors: -ENOENT when the binary is not there, -EPROTO when criu
 * ended without a final answer, or what a notify handler returned; criu is always
 * waited for. */
int criu_swrk(const struct criu_call *c, const struct pb *req, struct criu_resp *ret,
	      char **ret_output, struct berth_error **err);

/* The last non-empty line of what criu printed, trailing newlines and blanks cut off in
 * place ("no output" for NULL or ""): for error messages. */
const char *criu_last_line(char *s);

/* Run `criu check` (c->binary). The exit status (0: criu works here), 127 when it cannot be
 * started, or -errno; its output goes to *ret_output (malloc'd). */
int criu_check(const struct criu_call *c, char **ret_output);
