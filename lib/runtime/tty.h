/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

#include "berth/error.h"

/* Open a pty pair from /dev/ptmx: inside the container, after pivot_root, the container's
 * own devpts (restore opens one on the host's); with `console`, bind the peer over
 * /dev/console (the init's). */
int tty_create(int *ret_master, int *ret_slave, unsigned rows, unsigned cols, bool console,
	       struct berth_error **err);

/* Make `slave` the controlling terminal of a new session and our stdio. */
int tty_make_controlling(int slave, struct berth_error **err);

/* Send the pty master over the unix socket at `path` (OCI --console-socket). */
int tty_send_to_socket(const char *path, int master, struct berth_error **err);


/* Copy from in_fd (-1: none) to `master` and from `master` to out_fd (-1: dropped)
 * until the master hangs up; forwards SIGWINCH sizes (of in_fd, when a terminal) and
 * the signals in the caller-blocked set read from `sigfd` to `pid`. The detach keys
 * (n_keys bytes, 0: none) typed on in_fd end it early: 1 is returned. Returns 0 or
 * -errno otherwise. */
int tty_proxy(int master, int in_fd, int out_fd, int sigfd, pid_t pid, const char *keys,
	      size_t n_keys);

/* Keep `master` open and read (its output dropped) in a process of its own, a
 * grandchild of ours, until every slave is closed: the process on the pty runs on
 * without its terminal hanging up after we detached from it. */
int tty_hold(int master, struct berth_error **err);
