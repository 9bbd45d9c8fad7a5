/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * linux.personality, process.ioPriority, process.scheduler and process.execCPUAffinity.
 * ioprio_set(2) and sched_setattr(2) have no glibc wrappers: raw syscalls, with the kernel's
 * structures spelled out here so that no <linux/sched/types.h> is needed.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "sched.h"
#include "berth/util.h"

#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_WHO_PROCESS 1
#define CPULIST_MAX_CPU 65535

/* include/uapi/linux/sched/types.h, SCHED_ATTR_SIZE_VER0 (48 bytes) */
struct kernel_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

static const char *const policy_names[] = {
    "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR",	   "SCHED_BATCH",
    "SCHED_ISO",   "SCHED_IDLE", "SCHED_DEADLINE",
};

const char *sched_policy_name(int policy)
{
	if (policy < 0 || (size_t)policy >= ELEMENTSOF(policy_names))
		return NULL;
	return policy_names[policy];
}

const char *sched_ioprio_class_name(int class)
{
	switch (class) {
	case 1:
		return "IOPRIO_CLASS_RT";
	case 2:
		return "IOPRIO_CLASS_BE";
	case 3:
		return "IOPRIO_CLASS_IDLE";
	default:
		return NULL;
	}
}

/* A decimal CPU number at *s; advances *s. */
static int parse_cpu(const char **s, unsigned long *ret)
{
	unsigned long v = 0;
	const char *p = *s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > CPULIST_MAX_CPU)
			return -EINVAL;
	}
	*s = p;
	*ret = v;
	return 0;
}

/* Walk the list; with set NULL only find the highest CPU. */
static int walk_cpulist(const char *list, cpu_set_t *set, size_t size, unsigned long *ret_max)
{
	const char *p = list;
	unsigned long max = 0;

	if (!*p)
		return -EINVAL;
	for (;;) {
		unsigned long a, b;

		if (parse_cpu(&p, &a) < 0)
			return -EINVAL;
		b = a;
		if (*p == '-') {
			p++;
			if (parse_cpu(&p, &b) < 0 || b < a)
				return -EINVAL;
		}
		if (b > max)
			max = b;
		for (unsigned long c = a; set && c <= b; c++)
			CPU_SET_S(c, size, set);
		if (*p == '\0')
			break;
		if (*p != ',')
			return -EINVAL;
		p++;
	}
	if (ret_max)
		*ret_max = max;
	return 0;
}

int sched_parse_cpulist(const char *list, cpu_set_t **ret_set, size_t *ret_size)
{
	unsigned long max = 0;
	cpu_set_t *set;
	size_t size;
	int r;

	if (!list)
		return -EINVAL;
	/* Two passes: the size of the set depends on the highest CPU. */
	r = walk_cpulist(list, NULL, 0, &max);
	if (r < 0)
		return r;
	set = CPU_ALLOC(max + 1);
	if (!set)
		return -ENOMEM;
	size = CPU_ALLOC_SIZE(max + 1);
	CPU_ZERO_S(size, set);
	(void)walk_cpulist(list, set, size, NULL);
	*ret_set = set;
	*ret_size = size;
	return 0;
}

int sched_apply_personality(const struct rt_personality *p, struct berth_error **err)
{
	const char *domain = p->domain == PER_LINUX32 ? "LINUX32" : "LINUX";

	if (!p->set)
		return 0;
	/* personality(2) returns the previous persona, -1 on error. */
	if (personality(p->domain | p->flags) < 0)
		return berth_error_set(err, errno, "personality %s (flags 0x%lx)", domain,
				       p->flags);
	return 0;
}

int sched_apply_ioprio(const struct rt_io_priority *io, struct berth_error **err)
{
	const char *name = sched_ioprio_class_name(io->class);

	if (io->class == 0)
		return 0;
	if (!name || io->priority < 0 || io->priority > 7)
		return berth_error_new(err, EINVAL, "io priority: invalid class %d, priority %d",
				       io->class, io->priority);
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0,
		    (io->class << IOPRIO_CLASS_SHIFT) | io->priority) < 0)
		return berth_error_set(err, errno, "io priority %s %d", name, io->priority);
	return 0;
}

int sched_apply_scheduler(const struct rt_scheduler *s, struct berth_error **err)
{
	const char *name = sched_policy_name(s->policy);
	struct kernel_sched_attr attr = {
	    .size = sizeof(attr),
	    .sched_policy = (uint32_t)s->policy,
	    .sched_flags = s->flags,
	    .sched_nice = s->nice,
	    .sched_priority = (uint32_t)s->priority,
	    .sched_runtime = s->runtime,
	    .sched_deadline = s->deadline,
	    .sched_period = s->period,
	};

	if (!s->set)
		return 0;
	if (!name)
		return berth_error_new(err, EINVAL, "scheduler: unknown policy %d", s->policy);
	if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0) {
		int e = errno;

		if (s->policy == 1 || s->policy == 2)
			return berth_error_set(err, e, "scheduler %s (priority %d)", name,
					       s->priority);
		if (s->policy == 6)
			return berth_error_set(err, e,
					       "scheduler %s (runtime %llu, deadline %llu, "
					       "period %llu ns)",
					       name, (unsigned long long)s->runtime,
					       (unsigned long long)s->deadline,
					       (unsigned long long)s->period);
		return berth_error_set(err, e, "scheduler %s (nice %d)", name, s->nice);
	}
	return 0;
}

int sched_apply_cpu_affinity(const char *cpulist, pid_t pid, struct berth_error **err)
{
	_cleanup_free_ cpu_set_t *set = NULL;
	size_t size = 0;
	int r;

	if (!cpulist)
		return 0;
	r = sched_parse_cpulist(cpulist, &set, &size);
	if (r < 0)
		return berth_error_set(err, -r, "cpu affinity '%s'", cpulist);
	if (sched_setaffinity(pid, size, set) < 0)
		return berth_error_set(err, errno, "cpu affinity '%s'", cpulist);
	return 0;
}
