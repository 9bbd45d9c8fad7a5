/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * state module tests: container ids, the state directory lock, state.json, and the status
 * derived from the init's pid, its start time and exec.fifo. Each test uses its own state
 * root in a temp dir; the processes it forks are reaped before it returns.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/error.h"
#include "berth/runtime.h"
#include "berth/cleanup.h"
#include "runtime/state.h"
#include "test.h"
#include "berth/util.h"

DEFINE_FREEP(struct berth_error, berth_error_free)

static void rm_tmpdir(char **p)
{
	if (*p)
		(void)rm_rf(*p);
	free(*p);
}

#define _cleanup_tmpdir_ _cleanup_(rm_tmpdir)

static char *make_tmpdir(void)
{
	char tmpl[] = "/tmp/berth-unit-state-XXXXXX";

	return mkdtemp(tmpl) ? strdup(tmpl) : NULL;
}

static void state_file_clearp(struct state_file *s)
{
	state_file_clear(s);
}

/* A child that sleeps until killed; reaped by child_kill(). */
static pid_t child_spawn(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static void child_kill(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		(void)waitpid(*pid, NULL, 0);
	}
	*pid = 0;
}

#define _cleanup_child_ _cleanup_(child_kill)

/* ---------------------------------------------------------------------------------------- */
/* ids */

TEST(validate_id_accepts)
{
	char id[256];

	ASSERT_EQ(state_validate_id("abc-1.2_x+y", NULL), 0);
	ASSERT_EQ(state_validate_id("A", NULL), 0);
	ASSERT_EQ(state_validate_id("...", NULL), 0);
	ASSERT_EQ(state_validate_id(".hidden", NULL), 0);
	/* the longest name a directory can have */
	memset(id, 'a', 255);
	id[255] = 0;
	ASSERT_EQ(state_validate_id(id, NULL), 0);
}

TEST(validate_id_rejects)
{
	static const char *const bad[] = {
	    "", ".", "..", "a/b", "a b", "/abs", "../up", "a\nb", "a\\b", "a:b", "é", "a*",
	};
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	char id[257];

	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		err = berth_error_free(err);
		if (state_validate_id(bad[i], &err) != -EINVAL)
			TEST_FAIL_("id \"%s\" accepted", bad[i]);
		ASSERT_TRUE(err != NULL);
		ASSERT_EQ(err->errnum, EINVAL);
		ASSERT_CONTAINS(err->msg, "invalid container id");
	}
	memset(id, 'a', 256);
	id[256] = 0;
	ASSERT_EQ(state_validate_id(id, NULL), -EINVAL);
}

/* ---------------------------------------------------------------------------------------- */
/* lock */

TEST(lock_create_twice_is_eexist)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *root = NULL, *sd = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_close_ int fd = -EBADF;
	int fd2 = -12345;
	struct stat st;

	ASSERT_TRUE(dir != NULL);
	/* the state root itself is created on demand, with its parents */
	root = xasprintf("%s/run/berth", dir);
	ASSERT_EQ(state_lock(root, "c1", true, &fd, &err), 0);
	ASSERT_TRUE(fd >= 0);
	ASSERT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	sd = xasprintf("%s/c1", root);
	ASSERT_EQ(stat(sd, &st), 0);
	ASSERT_TRUE(S_ISDIR(st.st_mode));
	/* others may traverse but not list or write */
	ASSERT_EQ(st.st_mode & 0777 & ~0011, 0700);

	ASSERT_EQ(state_lock(root, "c1", true, &fd2, &err), -EEXIST);
	ASSERT_EQ(err->errnum, EEXIST);
	ASSERT_CONTAINS(err->msg, "already exists");
	ASSERT_CONTAINS(err->msg, "'c1'");
	ASSERT_EQ(fd2, -12345);
}

TEST(lock_missing_is_enoent)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *root = NULL, *noroot = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	int fd = -12345;

	ASSERT_TRUE(dir != NULL);
	root = xasprintf("%s/state", dir);
	ASSERT_EQ(mkdir(root, 0700), 0);
	ASSERT_EQ(state_lock(root, "nope", false, &fd, &err), -ENOENT);
	ASSERT_EQ(err->errnum, ENOENT);
	ASSERT_CONTAINS(err->msg, "does not exist");
	ASSERT_CONTAINS(err->msg, "'nope'");
	ASSERT_EQ(fd, -12345);
	err = berth_error_free(err);

	/* a missing state root means the container does not exist either, and is not made */
	noroot = xasprintf("%s/missing", dir);
	ASSERT_EQ(state_lock(noroot, "nope", false, &fd, &err), -ENOENT);
	ASSERT_CONTAINS(err->msg, "does not exist");
	ASSERT_TRUE(!path_exists(noroot));
	ASSERT_EQ(fd, -12345);
}

TEST(lock_rejects_bad_id_before_touching_disk)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *root = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	int fd = -12345;

	ASSERT_TRUE(dir != NULL);
	root = xasprintf("%s/state", dir);
	ASSERT_EQ(state_lock(root, "..", true, &fd, &err), -EINVAL);
	ASSERT_EQ(state_lock(root, "a/b", true, &fd, NULL), -EINVAL);
	ASSERT_TRUE(!path_exists(root));
	ASSERT_EQ(fd, -12345);
}

TEST(lock_is_exclusive)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_close_ int fd = -EBADF, other = -EBADF, again = -EBADF;
	_cleanup_free_ char *sd = NULL;

	ASSERT_TRUE(dir != NULL);
	ASSERT_EQ(state_lock(dir, "c", true, &fd, NULL), 0);
	sd = xasprintf("%s/c", dir);
	other = open(sd, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_TRUE(other >= 0);
	ASSERT_EQ(flock(other, LOCK_EX | LOCK_NB), -1);
	ASSERT_EQ(errno, EWOULDBLOCK);
	close(TAKE_FD(fd));
	ASSERT_EQ(flock(other, LOCK_EX | LOCK_NB), 0);
	ASSERT_EQ(flock(other, LOCK_UN), 0);
	/* opening an existing one takes the lock too */
	ASSERT_EQ(state_lock(dir, "c", false, &again, NULL), 0);
	ASSERT_EQ(flock(other, LOCK_EX | LOCK_NB), -1);
}

TEST(lock_refuses_symlinked_state_dir)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_free_ char *lnk = NULL, *target = NULL;
	int fd = -12345;

	ASSERT_TRUE(dir != NULL);
	target = xasprintf("%s/elsewhere", dir);
	lnk = xasprintf("%s/c", dir);
	ASSERT_EQ(mkdir(target, 0700), 0);
	ASSERT_EQ(symlink(target, lnk), 0);
	ASSERT_TRUE(state_lock(dir, "c", false, &fd, NULL) < 0);
	ASSERT_EQ(fd, -12345);
}

/* ---------------------------------------------------------------------------------------- */
/* state.json */

TEST(state_roundtrip)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_close_ int fd = -EBADF;
	_cleanup_(state_file_clearp) struct state_file in = {0}, out = {0};
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	static const char *const ann[] = {
	    "org.opencontainers.image.ref.name",
	    "v1",
	    "empty",
	    "",
	    "quote\"d",
	    "a\\b\n\tc",
	    "ünïcode",
	    "✓",
	};

	ASSERT_TRUE(dir != NULL);
	ASSERT_EQ(state_lock(dir, "rt", true, &fd, NULL), 0);
	in.id = strdup("rt");
	in.pid = 4242;
	in.start_time = 123456789012ULL;
	in.bundle = strdup("/srv/bundles/rt");
	in.rootfs = strdup("/srv/bundles/rt/rootfs");
	in.created = now_rfc3339();
	in.cgroup_path = strdup("/sys/fs/cgroup/berth/rt");
	in.has_rootfs_bind = true;
	in.rootfs_bind_id = 0x100000000ULL + 7; /* unique mount ids are above 2^31 */
	for (size_t i = 0; i < ELEMENTSOF(ann); i++)
		ASSERT_EQ(strv_extend(&in.annotations, ann[i]), 0);

	ASSERT_EQ(state_write(fd, &in, &err), 0);
	ASSERT_TRUE(faccessat(fd, "state.json.tmp", F_OK, 0) < 0);
	ASSERT_EQ(state_read(fd, "rt", &out, &err), 0);
	ASSERT_STREQ(out.id, "rt");
	ASSERT_EQ(out.pid, 4242);
	ASSERT_U64_EQ(out.start_time, 123456789012ULL);
	ASSERT_STREQ(out.bundle, in.bundle);
	ASSERT_STREQ(out.rootfs, in.rootfs);
	ASSERT_STREQ(out.created, in.created);
	ASSERT_STREQ(out.cgroup_path, in.cgroup_path);
	ASSERT_TRUE(out.has_rootfs_bind);
	ASSERT_U64_EQ(out.rootfs_bind_id, 0x100000000ULL + 7);
	ASSERT_EQ(strv_length(out.annotations), ELEMENTSOF(ann));
	/* the order of the keys is not promised: look each pair up */
	for (size_t i = 0; i < ELEMENTSOF(ann); i += 2) {
		bool found = false;

		for (size_t j = 0; out.annotations[j]; j += 2)
			if (streq(out.annotations[j], ann[i])) {
				ASSERT_STREQ(out.annotations[j + 1], ann[i + 1]);
				found = true;
			}
		if (!found)
			TEST_FAIL_("annotation \"%s\" lost", ann[i]);
	}
}

TEST(state_write_replaces_and_empty_fields)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_close_ int fd = -EBADF;
	_cleanup_(state_file_clearp) struct state_file out = {0};
	struct state_file a = {.id = (char *)"w", .pid = 1, .bundle = (char *)"/b1"};
	struct state_file b = {.id = (char *)"w", .pid = 0};

	ASSERT_TRUE(dir != NULL);
	ASSERT_EQ(state_lock(dir, "w", true, &fd, NULL), 0);
	ASSERT_EQ(state_write(fd, &a, NULL), 0);
	ASSERT_EQ(state_write(fd, &b, NULL), 0);
	ASSERT_EQ(state_read(fd, "w", &out, NULL), 0);
	ASSERT_EQ(out.pid, 0);
	ASSERT_U64_EQ(out.start_time, 0);
	/* unset strings are written as "" */
	ASSERT_STREQ(out.bundle, "");
	ASSERT_STREQ(out.rootfs, "");
	ASSERT_STREQ(out.cgroup_path, "");
	ASSERT_TRUE(out.annotations == NULL);
	ASSERT_TRUE(!out.has_rootfs_bind);
}

TEST(state_read_missing_and_corrupt)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_close_ int fd = -EBADF;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	struct state_file out = {.pid = 77};
	static const char *const corrupt[] = {"{\"id\": \"c\", \"pid\": ", "", "[1,2]",
					      "{\"pid\": 3}"};

	ASSERT_TRUE(dir != NULL);
	ASSERT_EQ(state_lock(dir, "broken", true, &fd, NULL), 0);
	ASSERT_EQ(state_read(fd, "broken", &out, &err), -ENOENT);
	ASSERT_CONTAINS(err->msg, "does not exist");

	for (size_t i = 0; i < ELEMENTSOF(corrupt); i++) {
		int f = openat(fd, "state.json", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		ASSERT_TRUE(f >= 0);
		ASSERT_EQ(loop_write(f, corrupt[i], strlen(corrupt[i])), 0);
		close(f);
		err = berth_error_free(err);
		ASSERT_EQ(state_read(fd, "broken", &out, &err), -EINVAL);
		ASSERT_EQ(err->errnum, EINVAL);
		ASSERT_CONTAINS(err->msg, "'broken'");
		ASSERT_CONTAINS(err->msg, "corrupt");
		/* out untouched */
		ASSERT_EQ(out.pid, 77);
		ASSERT_TRUE(out.id == NULL);
	}
}

/* ---------------------------------------------------------------------------------------- */
/* proc_start_time and status */

TEST(proc_start_time_self_and_reaped_child)
{
	uint64_t a = 0, b = 0, c = 0;
	pid_t pid;

	ASSERT_EQ(proc_start_time(getpid(), &a), 0);
	ASSERT_TRUE(a > 0);
	ASSERT_EQ(proc_start_time(getpid(), &b), 0);
	ASSERT_U64_EQ(a, b);

	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(waitpid(pid, NULL, 0), pid);
	c = 99;
	ASSERT_EQ(proc_start_time(pid, &c), -ESRCH);
	ASSERT_U64_EQ(c, 99);
	ASSERT_EQ(proc_start_time(0x3fffffff, &c), -ESRCH);
}

TEST(proc_start_time_zombie_is_esrch)
{
	uint64_t st = 5;
	pid_t pid = fork();
	siginfo_t si;

	ASSERT_TRUE(pid >= 0);
	if (pid == 0)
		_exit(0);
	/* wait for the exit without reaping */
	ASSERT_EQ(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	ASSERT_EQ(proc_start_time(pid, &st), -ESRCH);
	ASSERT_U64_EQ(st, 5);
	(void)waitpid(pid, NULL, 0);
}

TEST(proc_start_time_odd_comm)
{
	/* comm may hold ") (" and spaces; the parser must not be fooled by them */
	_cleanup_child_ pid_t pid = 0;
	int p[2];
	uint64_t before = 0, after = 0;
	char c;

	ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		prctl(PR_SET_NAME, "x) R 1 2 3 (y");
		(void)!write(p[1], "k", 1);
		for (;;)
			pause();
	}
	close(p[1]);
	ASSERT_EQ(read(p[0], &c, 1), 1);
	close(p[0]);
	ASSERT_EQ(proc_start_time(pid, &after), 0);
	ASSERT_EQ(proc_start_time(getpid(), &before), 0);
	/* the child started after us, and not absurdly later */
	ASSERT_TRUE(after >= before);
	ASSERT_TRUE(after - before < 100000);
}

TEST(status_from_pid_start_time_and_fifo)
{
	_cleanup_tmpdir_ char *dir = make_tmpdir();
	_cleanup_close_ int fd = -EBADF;
	_cleanup_child_ pid_t child = 0;
	struct state_file s = {.id = (char *)"st"};
	uint64_t st;
	pid_t dead;

	ASSERT_TRUE(dir != NULL);
	ASSERT_EQ(state_lock(dir, "st", true, &fd, NULL), 0);

	s.pid = 0;
	ASSERT_EQ(state_status(fd, &s), BERTH_STATUS_STOPPED);
	s.pid = -1;
	ASSERT_EQ(state_status(fd, &s), BERTH_STATUS_STOPPED);

	child = child_spawn();
	ASSERT_TRUE(child > 0);
	ASSERT_EQ(proc_start_time(child, &st), 0);
	s.pid = child;
	s.start_time = st;
	ASSERT_EQ(mkfifoat(fd, "exec.fifo", 0600), 0);
	ASSERT_EQ(state_status(fd, &s), BERTH_STATUS_CREATED);
	ASSERT_EQ(unlinkat(fd, "exec.fifo", 0), 0);
	ASSERT_EQ(state_status(fd, &s), BERTH_STATUS_RUNNING);

	/* a recycled pid: same number, another start time */
	s.start_time = st + 1;
	ASSERT_EQ(state_status(fd, &s), BERTH_STATUS_STOPPED);
	ASSERT_EQ(mkfifoat(fd, "exec.fifo", 0600), 0);
	ASSERT_EQ(state_status(fd, &s), BERTH_STATUS_STOPPED);

	/* the init is gone */
	s.start_time = st;
	dead = child;
	child_kill(&child);
	s.pid = dead;
	ASSERT_EQ(state_status(fd, &s), BERTH_STATUS_STOPPED);
}

TEST(now_rfc3339_format)
{
	_cleanup_free_ char *s = now_rfc3339();

	/* 2024-05-01T12:34:56.123456789Z */
	ASSERT_TRUE(s != NULL);
	ASSERT_EQ(strlen(s), 30);
	ASSERT_EQ(s[4], '-');
	ASSERT_EQ(s[10], 'T');
	ASSERT_EQ(s[19], '.');
	ASSERT_EQ(s[29], 'Z');
	ASSERT_EQ(strspn(s + 20, "0123456789"), 9);
}

TEST_MAIN()
