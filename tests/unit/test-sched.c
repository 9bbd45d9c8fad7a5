/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sched.c: cpu lists, and personality/ioprio/scheduler/affinity applied in forked children
 * (so that this process keeps its own), checked with the kernel's getters.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/error.h"
#include "berth/cleanup.h"
#include "runtime/config.h"
#include "runtime/sched.h"
#include "test.h"
#include "berth/util.h"

DEFINE_FREEP(struct berth_error, berth_error_free)

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif

/* Run fn in a child; returns its exit status, or -1. Output of the child goes to stdout as
 * TAP comments. */
static int in_child(int (*fn)(void *), void *arg)
{
	int status = 0;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int r = fn(arg);

		fflush(stdout);
		_exit(r);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int fail_with(struct berth_error *err, int code)
{
	printf("#   child: %s\n", berth_error_message(err));
	berth_error_free(err);
	return code;
}

/* ---- cpu lists ---- */

TEST(cpulist_parse)
{
	_cleanup_free_ cpu_set_t *set = NULL;
	size_t size = 0;
	static const char *const bad[] = {"",	"a",  "1-",    "-1",  "3-1", "1,,2",
					  "1,", ",1", "65536", "0x1", "1 2", "1-2-3"};

	ASSERT_EQ(sched_parse_cpulist("0-3,7", &set, &size), 0);
	ASSERT_EQ(CPU_COUNT_S(size, set), 5);
	ASSERT_TRUE(CPU_ISSET_S(0, size, set) && CPU_ISSET_S(3, size, set));
	ASSERT_TRUE(!CPU_ISSET_S(4, size, set) && CPU_ISSET_S(7, size, set));
	free(set);
	set = NULL;
	ASSERT_EQ(sched_parse_cpulist("2000", &set, &size), 0); /* above CPU_SETSIZE */
	ASSERT_TRUE(size * 8 > 2000);
	ASSERT_EQ(CPU_COUNT_S(size, set), 1);
	ASSERT_TRUE(CPU_ISSET_S(2000, size, set));
	free(set);
	set = NULL;
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		if (sched_parse_cpulist(bad[i], &set, &size) != -EINVAL)
			TEST_FAIL_("\"%s\" was accepted", bad[i]);
		ASSERT_TRUE(set == NULL);
	}
}

/* ---- cpu affinity ---- */

static int affinity_child(void *arg)
{
	struct berth_error *err = NULL;
	cpu_set_t got;

	if (sched_apply_cpu_affinity(arg, 0, &err) < 0)
		return fail_with(err, 1);
	if (sched_getaffinity(0, sizeof(got), &got) < 0)
		return 2;
	return CPU_COUNT(&got) == 1 && CPU_ISSET(0, &got) ? 0 : 3;
}

TEST(cpu_affinity)
{
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	cpu_set_t mine;

	ASSERT_EQ(sched_getaffinity(0, sizeof(mine), &mine), 0);
	if (!CPU_ISSET(0, &mine)) {
		printf("# skip cpu_affinity: cpu 0 is not ours\n");
		return;
	}
	ASSERT_EQ(in_child(affinity_child, (void *)"0"), 0);
	ASSERT_EQ(sched_apply_cpu_affinity(NULL, 0, &err), 0); /* nothing asked */
	/* no such cpu here */
	ASSERT_EQ(sched_apply_cpu_affinity("4000", 0, &err), -EINVAL);
	ASSERT_STREQ(err->msg, "cpu affinity '4000': Invalid argument");
	ASSERT_EQ(sched_apply_cpu_affinity("0-", 0, &err), -EINVAL);
	ASSERT_STREQ(err->msg, "cpu affinity '0-': Invalid argument");
}

/* ---- scheduler ---- */

static int batch_child(void *arg)
{
	struct rt_scheduler s = {.set = true, .policy = SCHED_BATCH, .nice = 5};
	struct berth_error *err = NULL;

	if (sched_apply_scheduler(&s, &err) < 0)
		return fail_with(err, 1);
	if (sched_getscheduler(0) != SCHED_BATCH)
		return 2;
	errno = 0;
	if (getpriority(PRIO_PROCESS, 0) != 5 || errno)
		return 3;
	s = (struct rt_scheduler){.set = true, .policy = SCHED_IDLE};
	if (sched_apply_scheduler(&s, &err) < 0)
		return fail_with(err, 4);
	if (sched_getscheduler(0) != SCHED_IDLE)
		return 5;
	/* not set: nothing happens */
	s = (struct rt_scheduler){.policy = SCHED_OTHER};
	if (sched_apply_scheduler(&s, &err) < 0 || sched_getscheduler(0) != SCHED_IDLE)
		return 6;
	return 0;
}

TEST(scheduler_batch_idle_nice)
{
	ASSERT_EQ(in_child(batch_child, NULL), 0);
}

static int fifo_child(void *arg)
{
	struct rt_scheduler s = {.set = true,
				 .policy = SCHED_FIFO,
				 .priority = 10,
				 .flags = 0x01 /* SCHED_FLAG_RESET_ON_FORK */};
	struct berth_error *err = NULL;
	struct sched_param sp;

	if (sched_apply_scheduler(&s, &err) < 0) {
		if (err && err->errnum == EPERM) {
			printf("#   skip: %s\n", berth_error_message(err));
			berth_error_free(err);
			return 77;
		}
		return fail_with(err, 1);
	}
	if (sched_getscheduler(0) != (SCHED_FIFO | SCHED_RESET_ON_FORK))
		return 2;
	if (sched_getparam(0, &sp) < 0 || sp.sched_priority != 10)
		return 3;
	return 0;
}

TEST(scheduler_fifo)
{
	int r;

	if (geteuid() != 0) {
		printf("# skip scheduler_fifo: needs CAP_SYS_NICE\n");
		return;
	}
	r = in_child(fifo_child, NULL);
	if (r == 77)
		return; /* realtime is not available to this cgroup */
	ASSERT_EQ(r, 0);
}

static int errors_child(void *arg)
{
	struct rt_scheduler iso = {.set = true, .policy = 4};
	struct rt_scheduler dl = {
	    .set = true, .policy = SCHED_DEADLINE, .runtime = 2, .deadline = 1, .period = 1};
	struct berth_error *err = NULL;

	/* SCHED_ISO exists in out-of-tree schedulers only */
	if (sched_apply_scheduler(&iso, &err) != -EINVAL)
		return 1;
	if (!streq(err->msg, "scheduler SCHED_ISO (nice 0): Invalid argument"))
		return fail_with(err, 2);
	/* runtime > deadline */
	if (sched_apply_scheduler(&dl, &err) != -EINVAL)
		return fail_with(err, 3);
	if (!streq(err->msg, "scheduler SCHED_DEADLINE (runtime 2, deadline 1, period 1 ns): "
			     "Invalid argument"))
		return fail_with(err, 4);
	berth_error_free(err);
	return 0;
}

TEST(scheduler_errors_name_the_policy)
{
	ASSERT_EQ(in_child(errors_child, NULL), 0);
	ASSERT_STREQ(sched_policy_name(SCHED_DEADLINE), "SCHED_DEADLINE");
	ASSERT_TRUE(sched_policy_name(7) == NULL);
}

/* ---- io priority ---- */

#define IOPRIO_WHO_PROCESS 1

static int ioprio_child(void *arg)
{
	struct rt_io_priority be = {.class = 2, .priority = 4};
	struct rt_io_priority idle = {.class = 3, .priority = 0};
	struct rt_io_priority none = {0};
	struct berth_error *err = NULL;

	if (sched_apply_ioprio(&be, &err) < 0)
		return fail_with(err, 1);
	if (syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0) != ((2 << 13) | 4))
		return 2;
	if (sched_apply_ioprio(&idle, &err) < 0)
		return fail_with(err, 3);
	if (syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0) >> 13 != 3)
		return 4;
	if (sched_apply_ioprio(&none, &err) < 0 ||
	    syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, 0) >> 13 != 3)
		return 5;
	return 0;
}

TEST(io_priority)
{
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	struct rt_io_priority bad = {.class = 2, .priority = 9};

	ASSERT_EQ(in_child(ioprio_child, NULL), 0);
	ASSERT_EQ(sched_apply_ioprio(&bad, &err), -EINVAL);
	ASSERT_STREQ(err->msg, "io priority: invalid class 2, priority 9");
	ASSERT_STREQ(sched_ioprio_class_name(1), "IOPRIO_CLASS_RT");
}

/* ---- personality ---- */

static int personality_child(void *arg)
{
	struct rt_personality p = {.set = true, .domain = PER_LINUX32, .flags = ADDR_NO_RANDOMIZE};
	struct rt_personality unset = {.domain = PER_LINUX};
	struct berth_error *err = NULL;

	if (sched_apply_personality(&p, &err) < 0)
		return fail_with(err, 1);
	if (personality(0xffffffff) != (PER_LINUX32 | ADDR_NO_RANDOMIZE))
		return 2;
	if (sched_apply_personality(&unset, &err) < 0 ||
	    personality(0xffffffff) != (PER_LINUX32 | ADDR_NO_RANDOMIZE))
		return 3;
	return 0;
}

TEST(personality_domain_and_flags)
{
	ASSERT_EQ(in_child(personality_child, NULL), 0);
}

TEST_MAIN()
