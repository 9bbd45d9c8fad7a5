/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Per-process execution properties of the OCI config: linux.personality,
 * process.ioPriority, process.scheduler and process.execCPUAffinity. Each apply function
 * acts on the calling process (or the given pid), returns 0 or -errno with *err naming
 * what was asked for, and does nothing when the config did not ask for anything.
 *
 * Where they belong in container creation (process.c), all in the container's init or
 * exec'd process unless said otherwise, before capabilities are dropped (SCHED_FIFO/RR,
 * negative nice and IOPRIO_CLASS_RT need CAP_SYS_NICE / CAP_SYS_ADMIN) and before the
 * seccomp filter is loaded (a profile may forbid personality(2) or sched_setattr(2)):
 *
 *   sched_apply_scheduler(), sched_apply_ioprio()  after the rootfs is set up, before
 *                                                  switch_user()/caps_apply()
 *   sched_apply_personality()                      right before seccomp_apply(); it only
 *                                                  changes what execve does
 *   sched_apply_cpu_affinity(initial, pid)         `exec` only: from the parent on the
 *                                                  new process, before it enters the cgroup
 *   sched_apply_cpu_affinity(final, 0)             `exec` only: in the process, after it
 *                                                  joined the cgroup, before execve
 *
 * The OCI spec says execCPUAffinity does not apply to a container's init process.
 */

#include <sched.h>
#include <stddef.h>
#include <sys/types.h>

#include "berth/error.h"
#include "config.h"

/* Parse a cpu list such as "0-3,7,9-10" (the cpuset format, no stride syntax) into a CPU set
 * allocated with CPU_ALLOC(); *ret_size is its size in bytes (for the CPU_*_S macros and
 * sched_setaffinity). CPUs above 65535 are refused. Returns 0, or -EINVAL for a malformed
 * list (empty, "3-1", "a", "1,,2"), -ENOMEM. Nothing is touched on error. Never prints. */
int sched_parse_cpulist(const char *list, cpu_set_t **ret_set, size_t *ret_size);

/* personality(domain | flags). No-op when p->set is false.
 * Error: "personality LINUX32 (flags 0x0): <strerror>". */
int sched_apply_personality(const struct rt_personality *p, struct berth_error **err);

/* ioprio_set(IOPRIO_WHO_PROCESS, 0, ...) for the calling thread (children inherit it).
 * No-op when io->class is 0. Error: "io priority IOPRIO_CLASS_RT 4: <strerror>". */
int sched_apply_ioprio(const struct rt_io_priority *io, struct berth_error **err);

/* sched_setattr(2) on the calling thread: policy, nice (for OTHER/BATCH/IDLE), priority
 * (FIFO/RR), flags, and runtime/deadline/period (DEADLINE). No-op when s->set is false.
 * Error: "scheduler SCHED_FIFO (priority 10): Operation not permitted". SCHED_ISO is not in
 * mainline kernels: EINVAL there. */
int sched_apply_scheduler(const struct rt_scheduler *s, struct berth_error **err);

/* sched_setaffinity(pid, ...) with the cpus of `cpulist`; pid 0 is the calling thread.
 * No-op when cpulist is NULL. Error: "cpu affinity '0-1,3': <strerror>". */
int sched_apply_cpu_affinity(const char *cpulist, pid_t pid, struct berth_error **err);

/* "SCHED_FIFO", "IOPRIO_CLASS_BE", "LINUX32"; NULL for numbers without a name. */
const char *sched_policy_name(int policy);
const char *sched_ioprio_class_name(int class);
