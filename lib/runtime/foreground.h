/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <signal.h>
#include <sys/types.h>

#include "berth/error.h"

/* A process run in the foreground (run, exec): the signals a terminal user sends are
 * blocked before the process exists (so none is lost) and forwarded to it. */
struct foreground {
	sigset_t old;
	int sigfd;
};

int foreground_begin(struct foreground *f, struct berth_error **err);

/* Proxy the pty (when pty >= 0) to and from the caller's fds: in_fd read (-1: none),
 * raw while it is a terminal, its window size the pty's; out_fd written (-1: what the
 * pty says is dropped). Forward signals, and reap pid: *ret_status is its exit code or
 * 128+signal. The detach keys (n_keys bytes; 0: none) typed on in_fd leave pid running,
 * its pty held by tty_hold(): 1 is returned, *ret_status untouched. */
int foreground_wait(struct foreground *f, pid_t pid, int pty, int in_fd, int out_fd,
		    const char *keys, size_t n_keys, int *ret_status, struct berth_error **err);

void foreground_end(struct foreground *f);

