/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * OCI hooks (config.json "hooks", struct rt_hook in config.h).
 *
 * When each kind runs (runtime-spec 1.2 "Lifecycle"), with the state JSON's "status":
 *
 *   createRuntime  create, in the runtime's namespaces, after the container's namespaces
 *                  and cgroup exist and before pivot_root: in the parent, while the child
 *                  waits (between SYNC_GO and the rootfs setup)        status "creating"
 *   prestart       deprecated; the same moment, just before createRuntime  "creating"
 *   createContainer  create, in the container's namespaces (the child), after the mounts
 *                  of config.json and before pivot_root                "creating"
 *   startContainer start, in the container (the child), after SYNC_START (or the exec fifo)
 *                  and, as in runc, under the seccomp filter, before execve of
 *                  process.args                                        "created"
 *   poststart      start, in the runtime, after the user process was started, before
 *                  start returns; failures are warnings               "running"
 *   poststop       delete, in the runtime, after the container is gone, before delete
 *                  returns; failures are warnings                      "stopped"
 *
 * A failing createRuntime/prestart/createContainer/startContainer hook fails the operation
 * (the runtime then stops the container, and runs poststop hooks on delete as usual).
 */

#include <sys/types.h>

#include "berth/error.h"
#include "config.h"

/* Bytes of a hook's stderr (and stdout) kept for the error message. */
#define HOOKS_OUTPUT_MAX 4096

/* Run hooks[0..n) in order. For each: fork + execve(path, args or {path}, env or the
 * runtime's environ), stdin a socket carrying state_json then EOF, stdout and stderr
 * captured (HOOKS_OUTPUT_MAX bytes each, the rest drained and dropped), every other fd
 * closed, signal mask and SIGPIPE reset. Waits for it with its timeout: on expiry the hook
 * gets SIGKILL and the error is "hook 'prestart[0]' /bin/x timed out after 5 s".
 *
 * `kind` is the config name ("prestart", ... see rt_hook_kind_name()) and only names the
 * hook in messages, except that for "poststart" and "poststop" every hook runs even after
 * a failure (the spec wants warnings there); the first failure is still returned.
 *
 * Returns 0, or -errno with *err: "hook 'createRuntime[1]' /usr/bin/x exited with status 3:
 * stderr: <text>", "... was killed by signal 9", "...: exec: No such file or directory"
 * (-ENOENT), "... timed out after N s" (-ETIMEDOUT). A non-zero exit is -EIO.
 *
 * The hook is a child of the calling process: a SIGCHLD handler of the caller that reaps
 * any child (waitpid(-1)) would steal its status. */
int hooks_run(const struct rt_hook *hooks, size_t n, const char *kind, const char *state_json,
	      struct berth_error **err);

/* The OCI state for hooks (and, wrapped by seccomp_listener_state_json(), the seccomp
 * agent): {"ociVersion","id","status","pid","bundle","annotations"}. pid <= 0 leaves "pid"
 * out (poststop). Returns a malloc'd string, NULL when out of memory. */
char *hooks_state_json(const char *id, const char *status, pid_t pid, const char *bundle,
		       const struct rt_sysctl *annotations, size_t n_annotations);
