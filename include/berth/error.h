/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The error chain. Operations that can fail for reasons the user must read take
 * `struct berth_error **err` as their last argument, return -errno on failure and
 * fill *err. Callers add context on the way up:
 *
 *     r = mount_proc(root, &err);
 *     if (r < 0)
 *             return berth_error_wrap(err, "rootfs '%s'", root);
 *
 * which renders as "rootfs '/x': mount 'proc' on '/proc': Operation not permitted".
 * `err` may be NULL: the functions then only return -errno.
 */

#include <stdarg.h>

/* What kind of failure, where callers must tell them apart beyond errno (the engine
 * maps these to docker's exit codes 127 and 126). */
enum berth_error_kind {
	BERTH_ERROR_GENERIC,
	BERTH_ERROR_EXEC_NOT_FOUND,   /* the container's program does not exist */
	BERTH_ERROR_EXEC_DENIED,      /* it exists but cannot be executed */
};

struct berth_error {
	int errnum;  /* positive errno of the root cause */
	int kind;    /* enum berth_error_kind; kept by berth_error_wrap() */
	char *msg;   /* whole chain, outermost context first */
};

/* Record a failure; appends ": strerror(errnum)". Frees a previous *err. Returns -errnum. */
int berth_error_set(struct berth_error **err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record a failure whose message already says everything (validation errors):
 * no strerror is appended. Returns -errnum. */
int berth_error_new(struct berth_error **err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix context "ctx: " to *err. Returns -(*err)->errnum. When there is no chain (err
 * NULL, or *err unset by a callee that broke the convention) it keeps the errno of the
 * last failure recorded on this thread (berth_error_set/new record it even with err
 * NULL), and only falls back to -EIO when there was none. */
int berth_error_wrap(struct berth_error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int berth_error_vwrap(struct berth_error **err, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/* Accepts NULL; returns NULL. */
struct berth_error *berth_error_free(struct berth_error *e);

static inline const char *berth_error_message(const struct berth_error *e)
{
	return e && e->msg ? e->msg : "unknown error";
}

/* Warnings: failures the operation survives (e.g. a failing poststart hook, which the
 * spec wants logged, not fatal). The library hands them to the handler the front door
 * installed (none: dropped); it never prints itself. berth_warn takes ownership of w. */
typedef void (*berth_warning_handler)(const char *msg);
void berth_set_warning_handler(berth_warning_handler h);
void berth_warn(struct berth_error *w);
