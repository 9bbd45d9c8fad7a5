/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * linux.seccomp (struct rt_seccomp in config.h, validated by spec-linux.c) -> a libseccomp
 * filter, loaded into the calling process.
 *
 * Where it belongs in container creation (process.c, in the container process), as runc
 * does it:
 *
 *   - process.noNewPrivileges true: seccomp_apply() as late as possible: after `start`,
 *     switch_user()/caps_apply(), prctl(PR_SET_NO_NEW_PRIVS) and
 *     sched_apply_personality(), so the filter does not see the runtime's own setup; only
 *     the startContainer hooks (which run under it, as runc has them) and execve follow.
 *   - noNewPrivileges false: loading a filter without no_new_privs needs CAP_SYS_ADMIN, so
 *     seccomp_apply() goes before switch_user()/caps_apply() (right after
 *     sched_apply_personality()). The syscalls the runtime still makes after it (setgroups,
 *     setresuid, capset, prctl, close_range, rt_sigprocmask, execve) must then be allowed
 *     by the profile, as with runc.
 *
 * The filter never sets no_new_privs itself (SCMP_FLTATR_CTL_NNP is off): that is
 * process.noNewPrivileges' job.
 *
 * With SCMP_ACT_NOTIFY rules (s->uses_notify), seccomp_apply() returns the listener fd. The
 * container process passes it to the runtime (a sync message with SCM_RIGHTS, e.g. a new
 * SYNC_SECCOMP right after the load, before execve), and the runtime, which is not under
 * the filter, calls seccomp_send_listener() with seccomp_listener_state_json() and closes
 * its copy; the container process closes its copy after sending. Notifications on write(2)
 * and sendmsg(2) are refused by the parser, so that send cannot block on the filter.
 */

#include <seccomp.h>
#include <sys/types.h>

#include "berth/error.h"
#include "config.h"

/* Build the filter for s: default action (defaultErrnoRet, EPERM when not given),
 * architectures (the native one is always included), flags as filter attributes where
 * libseccomp has them (TSYNC, LOG, SPEC_ALLOW; WAIT_KILLABLE_RECV from libseccomp 2.6 on,
 * with older ones seccomp_apply() adds it when it loads), rules in order. Syscall names that neither libseccomp nor this kernel know are skipped (as
 * runc does: profiles list syscalls of every architecture and kernel version); rules whose
 * action is the default action are skipped (libseccomp refuses them). Conditions on distinct
 * arguments are ANDed in one rule; several conditions on the same argument make one rule
 * per condition (runc's behaviour, which libseccomp cannot express otherwise).
 * On success *ret is a new context the caller releases with seccomp_release(). On failure
 * nothing is allocated, -errno is returned and *err names the rule, e.g.
 * "seccomp: syscalls[3] 'personality': add rule SCMP_ACT_ERRNO: Invalid argument". */
int seccomp_build(const struct rt_seccomp *s, scmp_filter_ctx *ret, struct berth_error **err);

/* Build and load the filter into the calling process (all threads with TSYNC). Named
 * seccomp_apply, not seccomp_load: libseccomp owns that name.
 * *ret_notify_fd gets the listener fd (O_CLOEXEC, owned by the caller) when a rule is
 * SCMP_ACT_NOTIFY (s->uses_notify, as the parser sets it), -EBADF otherwise. -EACCES
 * without no_new_privs and without CAP_SYS_ADMIN. */
int seccomp_apply(const struct rt_seccomp *s, int *ret_notify_fd, struct berth_error **err);

/* runc's ENOSYS stub, to run before the filter: on each architecture of the filter, a
 * syscall numbered above every syscall the rules name there (one newer than the profile)
 * returns ENOSYS instead of the default action. Nothing (*ret_n 0) when the default action
 * is SCMP_ACT_ALLOW or already ENOSYS. -E2BIG when it does not fit in `max`. */
struct sock_filter;
int seccomp_enosys_stub(const struct rt_seccomp *s, struct sock_filter *out, size_t max,
			size_t *ret_n);

/* The message for the seccomp agent (runtime-spec "container process state"):
 *   {"ociVersion":"1.2.0","fds":["seccompFd"],"pid":<pid>,"metadata":"<listenerMetadata>",
 *    "state":<state_json>}
 * state_json is the container's OCI state (hooks_state_json(), status "creating"). *ret is
 * malloc'd. -EINVAL when state_json is not a JSON object. */
int seccomp_listener_state_json(const struct rt_seccomp *s, pid_t pid, const char *state_json,
				char **ret, struct berth_error **err);

/* Connect to the unix stream socket at listener_path and send `state_json` with notify_fd
 * attached (SCM_RIGHTS) on the first byte, in one sendmsg as far as the socket takes it,
 * the rest after. notify_fd is not closed. Error: "seccomp listener '/run/agent.sock':
 * failed to connect with seccomp agent: Connection refused". */
int seccomp_send_listener(const char *listener_path, int notify_fd, const char *state_json,
			  struct berth_error **err);

/* The two halves of seccomp_send_listener(): the container init connects before
 * pivot_root (the path is a host path) and sends once the filter is loaded. */
int seccomp_connect_listener(const char *listener_path, int *ret_sock, struct berth_error **err);
int seccomp_send_on(int sock, const char *listener_path, int notify_fd, const char *state_json,
		    struct berth_error **err);
