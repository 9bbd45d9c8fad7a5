/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Name tables for the OCI configuration: namespace types, capabilities and rlimits, and
 * signal names (kill, stop signals).
 * Tables are indexed by the kernel's numbers, so lookups by number are O(1) and a
 * lookup by name is a short linear scan (these run a handful of times per container).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

#include "berth/cleanup.h"
#include "berth/runtime.h"
#include "config.h"
#include "berth/util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	const char *oci;  /* linux.namespaces[].type */
	const char *proc; /* /proc/<pid>/ns/<name> */
	int clone_flag;
} ns_table[_RT_NS_MAX] = {
    [RT_NS_PID] = {"pid", "pid", CLONE_NEWPID},
    [RT_NS_NET] = {"network", "net", CLONE_NEWNET},
    [RT_NS_MNT] = {"mount", "mnt", CLONE_NEWNS},
    [RT_NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
    [RT_NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
    [RT_NS_USER] = {"user", "user", CLONE_NEWUSER},
    [RT_NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
    [RT_NS_TIME] = {"time", "time", CLONE_NEWTIME},
};

const char *rt_ns_name(enum rt_ns ns)
{
	if ((unsigned)ns >= _RT_NS_MAX)
		return NULL;
	return ns_table[ns].oci;
}

const char *rt_ns_proc_name(enum rt_ns ns)
{
	if ((unsigned)ns >= _RT_NS_MAX)
		return NULL;
	return ns_table[ns].proc;
}

int rt_ns_clone_flag(enum rt_ns ns)
{
	if ((unsigned)ns >= _RT_NS_MAX)
		return -EINVAL;
	return ns_table[ns].clone_flag;
}

/* Capability numbers are kernel ABI (include/uapi/linux/capability.h). They are spelled out
 * rather than taken from <linux/capability.h> so that building on older headers still knows
 * the newer capabilities (CAP_PERFMON, CAP_BPF, CAP_CHECKPOINT_RESTORE). */
static const char *const cap_names[] = {
    [0] = "CAP_CHOWN",
    [1] = "CAP_DAC_OVERRIDE",
    [2] = "CAP_DAC_READ_SEARCH",
    [3] = "CAP_FOWNER",
    [4] = "CAP_FSETID",
    [5] = "CAP_KILL",
    [6] = "CAP_SETGID",
    [7] = "CAP_SETUID",
    [8] = "CAP_SETPCAP",
    [9] = "CAP_LINUX_IMMUTABLE",
    [10] = "CAP_NET_BIND_SERVICE",
    [11] = "CAP_NET_BROADCAST",
    [12] = "CAP_NET_ADMIN",
    [13] = "CAP_NET_RAW",
    [14] = "CAP_IPC_LOCK",
    [15] = "CAP_IPC_OWNER",
    [16] = "CAP_SYS_MODULE",
    [17] = "CAP_SYS_RAWIO",
    [18] = "CAP_SYS_CHROOT",
    [19] = "CAP_SYS_PTRACE",
    [20] = "CAP_SYS_PACCT",
    [21] = "CAP_SYS_ADMIN",
    [22] = "CAP_SYS_BOOT",
    [23] = "CAP_SYS_NICE",
    [24] = "CAP_SYS_RESOURCE",
    [25] = "CAP_SYS_TIME",
    [26] = "CAP_SYS_TTY_CONFIG",
    [27] = "CAP_MKNOD",
    [28] = "CAP_LEASE",
    [29] = "CAP_AUDIT_WRITE",
    [30] = "CAP_AUDIT_CONTROL",
    [31] = "CAP_SETFCAP",
    [32] = "CAP_MAC_OVERRIDE",
    [33] = "CAP_MAC_ADMIN",
    [34] = "CAP_SYSLOG",
    [35] = "CAP_WAKE_ALARM",
    [36] = "CAP_BLOCK_SUSPEND",
    [37] = "CAP_AUDIT_READ",
    [38] = "CAP_PERFMON",
    [39] = "CAP_BPF",
    [40] = "CAP_CHECKPOINT_RESTORE",
};

/* struct rt_process keeps each set as a uint64_t bit mask. */
_Static_assert(ELEMENTSOF(cap_names) <= 64, "capability sets are 64-bit masks");

int rt_cap_from_name(const char *name)
{
	if (!name)
		return -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(cap_names); i++)
		if (streq(cap_names[i], name))
			return (int)i;
	return -EINVAL;
}

const char *rt_cap_to_name(int cap)
{
	if (cap < 0 || (size_t)cap >= ELEMENTSOF(cap_names))
		return NULL;
	return cap_names[cap];
}

static const char *const rlimit_names[] = {
    [RLIMIT_CPU] = "RLIMIT_CPU",	   [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
    [RLIMIT_DATA] = "RLIMIT_DATA",	   [RLIMIT_STACK] = "RLIMIT_STACK",
    [RLIMIT_CORE] = "RLIMIT_CORE",	   [RLIMIT_RSS] = "RLIMIT_RSS",
    [RLIMIT_NPROC] = "RLIMIT_NPROC",	   [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
    [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",   [RLIMIT_AS] = "RLIMIT_AS",
    [RLIMIT_LOCKS] = "RLIMIT_LOCKS",	   [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
    [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
    [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",	   [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

_Static_assert(ELEMENTSOF(rlimit_names) == RLIMIT_NLIMITS, "every rlimit has a name");

int rt_rlimit_from_name(const char *name)
{
	if (!name)
		return -EINVAL;
	for (size_t i = 0; i < ELEMENTSOF(rlimit_names); i++)
		if (rlimit_names[i] && streq(rlimit_names[i], name))
			return (int)i;
	return -EINVAL;
}

const char *rt_rlimit_to_name(int resource)
{
	if (resource < 0 || (size_t)resource >= ELEMENTSOF(rlimit_names))
		return NULL;
	return rlimit_names[resource];
}

static const struct {
	const char *name;
	int sig;
} signames[] = {
	{ "HUP", SIGHUP },   { "INT", SIGINT },     { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT },   { "IOT", SIGIOT },   { "BUS", SIGBUS },
	{ "FPE", SIGFPE },   { "KILL", SIGKILL },   { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE },   { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
	{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN },   { "TTOU", SIGTTOU }, { "URG", SIGURG },
	{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ },   { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO },     { "PWR", SIGPWR },   { "SYS", SIGSYS },
};

int berth_signal_parse(const char *s)
{
	int64_t v;
	const char *n;

	/* 0 is a valid "signal": it checks the process exists (runc accepts it too) */
	if (parse_i64(s, &v) == 0)
		return v >= 0 && v < 65 ? (int)v : -EINVAL;
	n = startswith(s, "SIG") ? s + 3 : s;
	for (size_t i = 0; i < ELEMENTSOF(signames); i++)
		if (strcasecmp(n, signames[i].name) == 0)
			return signames[i].sig;
	if (startswith(n, "RTMIN+") && parse_i64(n + 6, &v) == 0 && SIGRTMIN + v <= SIGRTMAX)
		return SIGRTMIN + (int)v;
	return -EINVAL;
}

int berth_cap_from_name(const char *name)
{
	return rt_cap_from_name(name);
}

const char *berth_cap_to_name(int cap)
{
	return rt_cap_to_name(cap);
}
