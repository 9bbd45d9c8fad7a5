/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The parent/child handshake of container creation: typed messages over a
 * SOCK_SEQPACKET socketpair, one record per message. The child side reports a
 * failure as SYNC_ERROR carrying errno and the whole error chain, so a mount that
 * fails inside the new namespaces reaches the user with its context.
 *
 *   parent                           child
 *   clone ─────────────────────────► (blocked)
 *   cgroup enter, [uid/gid maps]
 *   SYNC_GO ───────────────────────►
 *                                    [join namespaces by path, unshare user ns]
 *          ◄─────────────────────── SYNC_USERMAP_REQ     (only when the child made it)
 *   write maps, SYNC_USERMAP_ACK ──►
 *          ◄─────────────────────── SYNC_PID              (only when a second stage was forked)
 *   SYNC_INFO (init pid) ──────────►
 *                                    mounts
 *          ◄─────────────────────── SYNC_HOOKS            (only with prestart/createRuntime hooks)
 *   run them, SYNC_HOOKS_DONE ─────►
 *                                    createContainer hooks, pivot_root, pty
 *          ◄─────────────────────── SYNC_PTY + fd         (process.terminal)
 *          ◄─────────────────────── SYNC_READY
 *   SYNC_START (or the exec fifo) ─►
 *                                    execve: the socket closes (CLOEXEC) = success
 *          ◄─────────────────────── SYNC_ERROR            (any step)
 */

#include <stdint.h>

#include "berth/error.h"

enum sync_type {
	SYNC_GO = 1,
	SYNC_USERMAP_REQ,
	SYNC_USERMAP_ACK,
	SYNC_PID,
	SYNC_PTY,
	SYNC_READY,
	SYNC_START,
	SYNC_ERROR,
	SYNC_INFO,        /* parent -> init: value = the init's pid as the runtime sees it */
	SYNC_HOOKS,       /* init -> parent: mounts are done, run prestart + createRuntime */
	SYNC_HOOKS_DONE,  /* parent -> init */
	_SYNC_MAX,
};

#define SYNC_TEXT_MAX 3072

struct sync_msg {
	uint32_t type;
	int32_t value;   /* pid for SYNC_PID, errno for SYNC_ERROR */
	int32_t kind;    /* enum berth_error_kind for SYNC_ERROR */
	char text[SYNC_TEXT_MAX]; /* NUL-terminated message for SYNC_ERROR */
};

const char *sync_type_name(enum sync_type t);

/* Send a message; passes `fd` along when >= 0. Returns 0 or -errno. */
int sync_send(int sock, enum sync_type type, int32_t value, int fd);

/* Send SYNC_ERROR built from err (or errnum and a plain text when err is NULL). */
int sync_send_error(int sock, int errnum, const struct berth_error *err);

/* Receive one message. *ret_fd gets a passed fd or -EBADF. Returns 0, -EPIPE on EOF,
 * or -errno. */
int sync_recv(int sock, struct sync_msg *ret, int *ret_fd);

/* Turn a received SYNC_ERROR into *err (errno, kind and text). Returns -errno. */
int sync_error_to(const struct sync_msg *m, struct berth_error **err);

/* Receive and insist on `type`; a SYNC_ERROR becomes an error with its text. */
int sync_expect(int sock, enum sync_type type, struct sync_msg *ret, struct berth_error **err);
