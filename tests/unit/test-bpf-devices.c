/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup v2 device rules as a BPF_CGROUP_DEVICE program (lib/runtime/bpf-devices.c). */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "runtime/bpf-devices.h"
#include "test.h"
#include "berth/util.h"

static struct rt_device_rule rule(bool allow, char type, int64_t major, int64_t minor,
				  const char *access)
{
	struct rt_device_rule r = {.allow = allow, .type = type, .major = major, .minor = minor};

	snprintf(r.access, sizeof(r.access), "%s", access);
	return r;
}

TEST(program_is_one_block_per_rule_ending_in_deny)
{
	struct rt_device_rule rules[] = {rule(false, 'a', -1, -1, "rwm"),
					 rule(true, 'c', 1, 3, "rwm")};
	_cleanup_free_ struct bpf_insn *p = NULL;
	size_t n;

	ASSERT_EQ(bpf_devices_program(rules, 2, &p, &n), 0);
	/* 6 loads; the allow rule (last, so checked first): 3 compares, mov, and, test,
	 * set, exit; the deny-all: mov, and, test, set, exit; then the default deny */
	ASSERT_EQ(n, 6 + 8 + 5 + 2);
	ASSERT_EQ(p[6].code, BPF_JMP | BPF_JNE | BPF_K); /* type != char: skip the block */
	ASSERT_EQ(p[6].imm, BPF_DEVCG_DEV_CHAR);
	ASSERT_EQ(p[6].off, 7);
	ASSERT_EQ(p[n - 2].imm, 0); /* nothing matched: deny */
	ASSERT_EQ(p[n - 1].code, BPF_JMP | BPF_EXIT);
}

/* The first cgroup2 mount point, or NULL. */
static char *cgroup2_mount(void)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];

	while (f && fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - cgroup2 "), mnt[1024];

		if (sep && sscanf(line, "%*s %*s %*s %*s %1023s", mnt) == 1)
			return strdup(mnt);
	}
	return NULL;
}

static int try_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* The path of a cgroup2 directory for the test (not made yet), or NULL (the test skips)
 * without root or a cgroup2 mount. */
static char *test_cgroup(const char *name)
{
	_cleanup_free_ char *mnt = cgroup2_mount();

	if (geteuid() != 0 || !mnt) {
		printf("# skip: needs root and a cgroup2 mount\n");
		return NULL;
	}
	return xasprintf("%s/berth-test-%s-%d", mnt, name, (int)getpid());
}

/* In a forked child: move into cg, or _exit(100). */
static void join_cgroup(const char *cg)
{
	_cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", cg);
	char me[32];
	int fd;

	snprintf(me, sizeof(me), "%d", (int)getpid());
	fd = procs ? open(procs, O_WRONLY | O_CLOEXEC) : -1;
	if (fd < 0 || write(fd, me, strlen(me)) < 0)
		_exit(100);
	close(fd);
}

TEST(rules_are_enforced_in_a_cgroup2_cgroup)
{
	struct rt_device_rule rules[] = {
	    rule(false, 'a', -1, -1, "rwm"), rule(true, 'c', 1, 3, "rw"), /* null */
	    rule(true, 'c', 1, 5, "r"),					/* zero: read only */
	    rule(true, 'c', 1, 7, "rw"), rule(false, 'c', 1, 7, "w"),	/* full: w denied after */
	};
	_cleanup_free_ char *cg = test_cgroup("bpf"), *node = NULL;
	struct berth_error *err = NULL;
	int status;
	pid_t pid;

	if (!cg)
		return;
	ASSERT_EQ(mkdir(cg, 0755), 0);
	node = xasprintf("/tmp/berth-test-bpf-node-%d", (int)getpid());
	if (bpf_devices_attach(cg, rules, ELEMENTSOF(rules), &err) < 0) {
		rmdir(cg);
		TEST_FAIL_("attach: %s", berth_error_message(err));
	}
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		int bad = 0;

		join_cgroup(cg);
		bad |= try_open("/dev/null", O_RDWR) != 0 ? 1 : 0;
		bad |= try_open("/dev/zero", O_RDONLY) != 0 ? 2 : 0;
		bad |= try_open("/dev/zero", O_WRONLY) != -EPERM ? 4 : 0;
		bad |= try_open("/dev/full", O_RDONLY) != 0 ? 8 : 0;
		bad |= try_open("/dev/full", O_WRONLY) != -EPERM ? 16 : 0;
		bad |= try_open("/dev/random", O_RDONLY) != -EPERM ? 32 : 0; /* 1:8, no rule */
		bad |= (mknod(node, S_IFCHR | 0600, makedev(1, 3)) == 0 || errno != EPERM) ? 64 : 0;
		unlink(node);
		_exit(bad);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	rmdir(cg);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
}

/* update: the second set of rules replaces the first (one program stays attached) */
TEST(attach_again_replaces_the_rules)
{
	struct rt_device_rule only_null[] = { rule(false, 'a', -1, -1, "rwm"),
					      rule(true, 'c', 1, 3, "rw") };
	struct rt_device_rule only_zero[] = { rule(false, 'a', -1, -1, "rwm"),
					      rule(true, 'c', 1, 5, "r") };
	_cleanup_free_ char *cg = test_cgroup("bpf2");
	struct berth_error *err = NULL;
	uint32_t ids[8];
	union bpf_attr attr;
	int status, fd, q;
	pid_t pid;

	if (!cg)
		return;
	ASSERT_EQ(mkdir(cg, 0755), 0);
	if (bpf_devices_attach(cg, only_null, ELEMENTSOF(only_null), &err) < 0 ||
	    bpf_devices_attach(cg, only_zero, ELEMENTSOF(only_zero), &err) < 0) {
		rmdir(cg);
		TEST_FAIL_("attach: %s", berth_error_message(err));
	}
	fd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = (uint32_t)fd;
	attr.query.attach_type = BPF_CGROUP_DEVICE;
	attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
	attr.query.prog_cnt = ELEMENTSOF(ids);
	q = (int)syscall(__NR_bpf, BPF_PROG_QUERY, &attr, sizeof(attr));
	close(fd);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		int bad = 0;

		join_cgroup(cg);
		bad |= try_open("/dev/zero", O_RDONLY) != 0 ? 1 : 0;
		bad |= try_open("/dev/null", O_RDWR) != -EPERM ? 2 : 0; /* the old rule is gone */
		_exit(bad);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	rmdir(cg);
	ASSERT_EQ(q, 0);
	ASSERT_EQ(attr.query.prog_cnt, 1);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
}

TEST_MAIN()
