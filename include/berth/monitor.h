/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The per-container monitor (berth-monitor): one small process per running container,
 * started by `berth run` / `berth start`, parent and subreaper of the container's
 * init. It creates and starts the container with lib/runtime in-process, holds its
 * stdio (pipes, or the pty master), writes the log, answers attach clients, and when
 * the init exits records the exit code and OOM kill, deletes the runtime state,
 * unmounts the overlay and (--rm) removes the container. The CLI may exit at any time;
 * the container keeps running.
 *
 *   berth (CLI)                         berth-monitor
 *   record, config.json, overlay
 *   fork + exec ───────────────────────► setsid, subreaper, create + start
 *         ◄──────────────────────────── SYNC_READY (init pid) | SYNC_ERROR (chain)
 *   [foreground: relay the first
 *    attach socket until MON_EXIT]       loop: output → log + clients, stdin ← clients,
 *                                        SIGCHLD → finish → MON_EXIT to clients, exit
 *
 * Attach protocol: SOCK_SEQPACKET, one frame per packet, the first byte its type. The
 * first client is a socketpair end handed over at spawn (nothing of the output is
 * missed); later ones connect to <container dir>/attach.
 */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "berth/error.h"

enum mon_frame {
	MON_STDOUT = 1,    /* monitor → client: output */
	MON_STDERR = 2,
	MON_EXIT = 3,      /* monitor → client: int32 exit status (code or 128+signal) */
	MON_STDIN = 4,     /* client → monitor: input for the container */
	MON_STDIN_EOF = 5, /* client → monitor: close the container's stdin */
	MON_RESIZE = 6,    /* client → monitor: uint16 rows, uint16 cols */
	/* client → monitor: connect the running container to a network: its name, the
	 * address asked for ("": any), its aliases, each ended by a NUL */
	MON_NET_CONNECT = 7,
	MON_NET_DISCONNECT = 8, /* client → monitor: the network's name */
	MON_NET_RESULT = 9,	/* monitor → client: int32 errno (0: done), the error text */
};

#define MON_FRAME_MAX 32768

/* The socket clients connect to, relative to the container's directory. */
#define MON_ATTACH_SOCKET "attach"
/* clients waiting for the container's next start listen on sockets in this directory
 * of its own; the monitor connects to them before the container runs */
#define MON_PENDING_DIR "attach.d"

struct monitor_opts {
	const char *store_root;
	const char *id;
	int sync_fd;             /* SYNC_READY / SYNC_ERROR go here, then it is closed */
	int client_fd;           /* a first attached client, or -1 */
};

/* The monitor process's main: returns its exit status. The container's record says
 * whether it has a terminal, keeps stdin open, and is removed at exit. */
int monitor_main(const struct monitor_opts *o);

/* Spawn the monitor for the container in dir (its record and config.json written, its
 * overlay mounted) and wait until the container runs: *ret_pid is the monitor's pid
 * (our child). client_fd (or -1) becomes the monitor's first attach client. On a
 * failure to create or start the container the monitor has already cleaned up (runtime
 * state, overlay, and with --rm the container) when this returns the error, with its
 * kind (command not found / not executable) kept. */
int monitor_spawn(const char *store_root, const char *id, int client_fd, pid_t *ret_pid,
		  struct berth_error **err);

/* Connect to a running container's monitor (dir: its directory). */
int monitor_connect(const char *dir, int *ret_fd, struct berth_error **err);

/* Ask a running container's monitor to connect it to a network (MON_NET_CONNECT: ip NULL
 * for any address, aliases NULL for none) or disconnect it (MON_NET_DISCONNECT), and
 * wait for the answer: its error, with the errno the monitor had; -ESRCH when there is
 * no monitor to ask, -EPIPE when it went away (the container ended) without answering. */
int monitor_net_request(const char *dir, int type, const char *network, const char *ip,
			char *const *aliases, struct berth_error **err);

struct attach_opts {
	int in, out, err;	 /* the user's side (struct berth_stdio); -1: none */
	bool send_stdin;	 /* relay in (-i) */
	bool tty;		 /* the container has a terminal: in raw mode when it is
				  * a terminal, the window size of in, else of out */
	const char *detach_keys; /* the bytes that detach (with tty and stdin) */
	size_t n_detach_keys;	 /* 0: nothing detaches */
	bool multiplex;          /* stdout onto out, stderr onto err, in docker's 8-byte
				  * frames (a server passes its connection as both) */
	/* forward INT TERM HUP QUIT USR1 USR2 to the container (sig-proxy) */
	int (*signal)(int sig, void *userdata);
	void *userdata;
};

/* Relay between the user's fds and the monitor on sock until it sends MON_EXIT:
 * *ret_status is the container's exit status; 1 is returned when the user detached
 * (typed the detach keys) and *ret_status is not set; -EPIPE when the monitor went away
 * without saying how the container ended. */
int attach_relay(int sock, const struct attach_opts *o, int *ret_status, struct berth_error **err);
