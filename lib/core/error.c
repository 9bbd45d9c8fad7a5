/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berth/error.h"

struct berth_error *berth_error_free(struct berth_error *e)
{
	if (e) {
		free(e->msg);
		free(e);
	}
	return NULL;
}

/* The errno of the last failure recorded on this thread, with or without a chain to
 * record it in: what berth_error_wrap() returns when it has no chain to take it from
 * (err NULL, or a callee that returned -errno without filling *err), rather than a
 * made-up EIO that turns e.g. ENOMEM or ENOENT into "Input/output error". */
static _Thread_local int last_errnum;

static int error_vset(struct berth_error **err, int errnum, bool with_strerror, const char *fmt,
		      va_list ap)
{
	struct berth_error *e;
	char *m = NULL, *full = NULL;

	if (errnum < 0)
		errnum = -errnum;
	if (errnum == 0)
		errnum = EIO;
	last_errnum = errnum;
	if (!err)
		return -errnum;
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	if (m && with_strerror) {
		if (asprintf(&full, "%s: %s", m, strerror(errnum)) < 0)
			full = NULL;
		free(m);
		m = full;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		free(m);
		return -errnum;
	}
	e->errnum = errnum;
	e->msg = m;
	berth_error_free(*err);
	*err = e;
	return -errnum;
}

int berth_error_set(struct berth_error **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = error_vset(err, errnum, true, fmt, ap);
	va_end(ap);
	return r;
}

int berth_error_new(struct berth_error **err, int errnum, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = error_vset(err, errnum, false, fmt, ap);
	va_end(ap);
	return r;
}

int berth_error_vwrap(struct berth_error **err, const char *fmt, va_list ap)
{
	char *ctx = NULL, *full = NULL;

	if (!err)
		return -(last_errnum ? last_errnum : EIO);
	if (!*err)
		return error_vset(err, last_errnum ? last_errnum : EIO, last_errnum != 0, fmt, ap);
	last_errnum = (*err)->errnum;
	if (vasprintf(&ctx, fmt, ap) < 0)
		return -(*err)->errnum;
	if (asprintf(&full, "%s: %s", ctx, (*err)->msg ? (*err)->msg : "unknown error") >= 0) {
		free((*err)->msg);
		(*err)->msg = full;
	}
	free(ctx);
	return -(*err)->errnum;
}

int berth_error_wrap(struct berth_error **err, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = berth_error_vwrap(err, fmt, ap);
	va_end(ap);
	return r;
}

static berth_warning_handler warning_handler;

void berth_set_warning_handler(berth_warning_handler h)
{
	warning_handler = h;
}

void berth_warn(struct berth_error *w)
{
	if (w && warning_handler)
		warning_handler(berth_error_message(w));
	berth_error_free(w);
}
