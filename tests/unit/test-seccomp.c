/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * seccomp: filters built from config.json text, checked in libseccomp's pseudo filter code
 * (seccomp_export_pfc) and, for real, in forked children that load them and make the
 * syscalls. Loading needs no_new_privs or CAP_SYS_ADMIN: the children set no_new_privs.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/error.h"
#include "berth/cleanup.h"
#include "runtime/config.h"
#include "runtime/seccomp.h"
#include "parse-config.h"
#include "test.h"
#include "berth/util.h"

DEFINE_FREEP(struct berth_error, berth_error_free)

#define SECCOMP(body)                                                                              \
	"{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},\"linux\":{\"seccomp\":{" body   \
	"}}}"

/* libseccomp's pseudo filter code for the config's filter, or NULL. */
static char *pfc(const struct rt_seccomp *s, struct berth_error **err)
{
	scmp_filter_ctx ctx = NULL;
	_cleanup_close_ int fd = -EBADF;
	char *text = NULL;

	if (seccomp_build(s, &ctx, err) < 0)
		return NULL;
	fd = memfd_create("pfc", MFD_CLOEXEC);
	if (fd >= 0 && seccomp_export_pfc(ctx, fd) == 0 && lseek(fd, 0, SEEK_SET) == 0)
		(void)read_full_fd(fd, &text, NULL);
	seccomp_release(ctx);
	return text;
}

/* Fork; the child sets no_new_privs, loads the filter and exits with fn's result (or 100 +
 * errno when the load fails). Returns the wait status. */
static int in_child(const struct rt_seccomp *s, int (*fn)(int notify_fd))
{
	int status = 0;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct berth_error *err = NULL;
		int fd = -EBADF, r;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(99);
		r = seccomp_apply(s, &fd, &err);
		if (r < 0) {
			printf("#   child: %s\n", berth_error_message(err));
			fflush(stdout);
			_exit(100 + (-r & 0x7f));
		}
		_exit(fn(fd));
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

#define ASSERT_EXIT(status, code)                                                                  \
	do {                                                                                       \
		int st_ = (status);                                                                \
		ASSERT_TRUE(WIFEXITED(st_));                                                       \
		ASSERT_EQ(WEXITSTATUS(st_), code);                                                 \
	} while (0)

/* ---- building: the pseudo filter code ---- */

TEST(build_actions_and_errno)
{
	_cleanup_(rt_config_freep) struct rt_config *c =
	    parse(SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\","
			  "\"syscalls\":[{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\"},"
			  "{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38},"
			  "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"},"
			  "{\"names\":[\"getpgrp\"],\"action\":\"SCMP_ACT_TRACE\",\"errnoRet\":9},"
			  "{\"names\":[\"getpriority\"],\"action\":\"SCMP_ACT_LOG\"},"
			  "{\"names\":[\"sched_yield\"],\"action\":\"SCMP_ACT_TRAP\"},"
			  "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"},"
			  "{\"names\":[\"no_such_syscall_on_any_kernel\",\"rmdir\"],\"action\":"
			  "\"SCMP_ACT_KILL\"}]"));
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *text = NULL;

	ASSERT_TRUE(c && c->seccomp);
	text = pfc(c->seccomp, &err);
	ASSERT_TRUE(text);
	ASSERT_CONTAINS(text, "filter for syscall \"getcwd\"");
	ASSERT_CONTAINS(text, "action ERRNO(1);"); /* EPERM when errnoRet is not given */
	ASSERT_CONTAINS(text, "action ERRNO(38);");
	ASSERT_CONTAINS(text, "action KILL_PROCESS;");
	ASSERT_CONTAINS(text, "action TRACE(9);");
	ASSERT_CONTAINS(text, "action LOG;");
	ASSERT_CONTAINS(text, "action TRAP;");
	ASSERT_CONTAINS(text, "filter for syscall \"rmdir\"");
	ASSERT_CONTAINS(text, "action KILL;");
	ASSERT_CONTAINS(text, "action ALLOW;");
	/* same action as the default: no rule */
	ASSERT_TRUE(!strstr(text, "filter for syscall \"read\""));
}

TEST(build_architectures_and_default_errno)
{
	_cleanup_(rt_config_freep) struct rt_config *c =
	    parse(SECCOMP("\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
			  "\"architectures\":[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],"
			  "\"syscalls\":[{\"names\":[\"write\"],\"action\":\"SCMP_ACT_ALLOW\"}]"));
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *text = NULL;

	ASSERT_TRUE(c);
	text = pfc(c->seccomp, &err);
	ASSERT_TRUE(text);
	ASSERT_CONTAINS(text, "# filter for arch x86 (");
	ASSERT_CONTAINS(text, "# filter for arch x32 (");
	/* the rule is in every architecture's section, added after them */
	ASSERT_TRUE(
	    strstr(strstr(text, "# filter for arch x32 ("), "filter for syscall \"write\""));
	ASSERT_CONTAINS(text, "action ERRNO(38);");
}

TEST(build_argument_conditions)
{
	_cleanup_(rt_config_freep) struct rt_config *c = parse(SECCOMP(
	    "\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
	    "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
	    "\"value\":4294967295,\"op\":\"SCMP_CMP_EQ\"}]},"
	    "{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":1,"
	    "\"value\":448,\"valueTwo\":448,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
	    "{\"names\":[\"kill\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":["
	    "{\"index\":1,\"value\":9,\"op\":\"SCMP_CMP_EQ\"},"
	    "{\"index\":1,\"value\":15,\"op\":\"SCMP_CMP_EQ\"}]}]"));
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *text = NULL;

	ASSERT_TRUE(c);
	text = pfc(c->seccomp, &err);
	ASSERT_TRUE(text);
	ASSERT_CONTAINS(text, "if ($a0.lo32 == 4294967295)");
	ASSERT_CONTAINS(text, "if ($a1.lo32 & 0x000001c0 == 448)");
	/* two tests of one argument: one rule each (an OR, as runc does) */
	ASSERT_CONTAINS(text, "if ($a1.lo32 == 9)");
	ASSERT_CONTAINS(text, "if ($a1.lo32 == 15)");
}

TEST(build_unsupported_architecture)
{
	struct rt_seccomp s = {.default_action = RT_SECCOMP_ALLOW,
			       .architectures = (char *[]){(char *)"SCMP_ARCH_SH", NULL}};
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	scmp_filter_ctx ctx = NULL;

	if (seccomp_arch_resolve_name("sh") != 0) {
		printf("# skip build_unsupported_architecture: libseccomp knows SCMP_ARCH_SH\n");
		return;
	}
	ASSERT_EQ(seccomp_build(&s, &ctx, &err), -EOPNOTSUPP);
	ASSERT_TRUE(ctx == NULL);
	ASSERT_CONTAINS(err->msg, "seccomp: architecture SCMP_ARCH_SH is not supported by "
				  "libseccomp ");
}

/* ---- loading: the filter in action ---- */

static int try_getcwd_mkdir(int notify_fd)
{
	char buf[256];

	if (syscall(SYS_getcwd, buf, sizeof(buf)) != -1 || errno != EPERM)
		return 1;
	if (mkdir("/tmp/berth-seccomp-never", 0755) != -1 || errno != ENOSYS)
		return 2;
	if (getpid() <= 0) /* still allowed */
		return 3;
	return notify_fd == -EBADF ? 0 : 4;
}

TEST(load_errno_and_errno_ret)
{
	_cleanup_(rt_config_freep) struct rt_config *c =
	    parse(SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
			  "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\"},"
			  "{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\","
			  "\"errnoRet\":38}]"));

	ASSERT_TRUE(c);
	ASSERT_EXIT(in_child(c->seccomp, try_getcwd_mkdir), 0);
}

static int call_getppid(int notify_fd)
{
	(void)getppid();
	return 0;
}

TEST(load_kill_gives_sigsys)
{
	_cleanup_(rt_config_freep) struct rt_config *kp =
	    parse(SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
			  "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"}]"));
	_cleanup_(rt_config_freep) struct rt_config *kt =
	    parse(SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
			  "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_KILL\"}]"));
	int st;

	ASSERT_TRUE(kp && kt);
	st = in_child(kp->seccomp, call_getppid);
	ASSERT_TRUE(WIFSIGNALED(st));
	ASSERT_EQ(WTERMSIG(st), SIGSYS);
	st = in_child(kt->seccomp, call_getppid);
	ASSERT_TRUE(WIFSIGNALED(st));
	ASSERT_EQ(WTERMSIG(st), SIGSYS);
}

static int try_personality(int notify_fd)
{
	/* personality(0xffffffff) only queries: denied; setting PER_LINUX stays allowed */
	if (syscall(SYS_personality, 0xffffffffUL) != -1 || errno != EPERM)
		return 1;
	if (syscall(SYS_personality, (unsigned long)PER_LINUX) < 0)
		return 2;
	return 0;
}

TEST(load_argument_filter)
{
	_cleanup_(rt_config_freep) struct rt_config *c =
	    parse(SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
			  "{\"names\":[\"personality\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":["
			  "{\"index\":0,\"value\":4294967295,\"op\":\"SCMP_CMP_EQ\"}]}]"));

	ASSERT_TRUE(c);
	ASSERT_EXIT(in_child(c->seccomp, try_personality), 0);
}

static char masked_dir[64];

static int try_masked_mkdir(int notify_fd)
{
	char a[96], b[96];

	snprintf(a, sizeof(a), "%s/group-writable", masked_dir);
	snprintf(b, sizeof(b), "%s/private", masked_dir);
	/* denied when the mode has all of 0070 */
	if (syscall(SYS_mkdirat, AT_FDCWD, a, 0775) != -1 || errno != EPERM)
		return 1;
	if (syscall(SYS_mkdirat, AT_FDCWD, b, 0700) < 0)
		return 2;
	return 0;
}

TEST(load_masked_eq)
{
	/* mkdirat(dirfd, path, mode): (mode & 0070) == 0070 is denied */
	_cleanup_(rt_config_freep) struct rt_config *c = parse(
	    SECCOMP("\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
		    "{\"names\":[\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":2,"
		    "\"value\":56,\"valueTwo\":56,\"op\":\"SCMP_CMP_MASKED_EQ\"}]}]"));
	_cleanup_free_ char *a = NULL;

	ASSERT_TRUE(c);
	snprintf(masked_dir, sizeof(masked_dir), "/tmp/berth-seccomp-XXXXXX");
	ASSERT_TRUE(mkdtemp(masked_dir));
	ASSERT_EXIT(in_child(c->seccomp, try_masked_mkdir), 0);
	a = xasprintf("%s/private", masked_dir);
	ASSERT_TRUE(path_exists(a));
	ASSERT_EQ(rm_rf(masked_dir), 0);
}

static int check_listener(int notify_fd)
{
	char link[64], target[64];
	ssize_t n;
	int flags;

	if (notify_fd < 0)
		return 1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", notify_fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return 2;
	target[n] = '\0';
	if (!strstr(target, "seccomp notify"))
		return 3;
	flags = fcntl(notify_fd, F_GETFD);
	if (flags < 0 || !(flags & FD_CLOEXEC))
		return 4;
	/* the rest of the filter works: getcwd is denied */
	return try_getcwd_mkdir(-EBADF) == 1 ? 5 : 0;
}

TEST(load_notify_returns_listener)
{
	_cleanup_(rt_config_freep) struct rt_config *c = parse(SECCOMP(
	    "\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/agent.sock\","
	    "\"flags\":[\"SECCOMP_FILTER_FLAG_TSYNC\"],"
	    "\"syscalls\":[{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_NOTIFY\"},"
	    "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\"},"
	    "{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}]"));

	ASSERT_TRUE(c);
	ASSERT_EXIT(in_child(c->seccomp, check_listener), 0);
}

/* libseccomp < 2.6 cannot set WAIT_KILLABLE_RECV: then the filter is loaded with seccomp(2)
 * directly. Either way the listener and the rules must work. */
TEST(load_wait_killable_recv)
{
	_cleanup_(rt_config_freep) struct rt_config *c = parse(SECCOMP(
	    "\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/agent.sock\","
	    "\"flags\":[\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\",\"SECCOMP_FILTER_FLAG_LOG\"],"
	    "\"syscalls\":[{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_NOTIFY\"},"
	    "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_ERRNO\"},"
	    "{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38}]"));
	int st;

	ASSERT_TRUE(c);
	st = in_child(c->seccomp, check_listener);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 100 + EINVAL) {
		printf("# skip load_wait_killable_recv: kernel older than 5.19\n");
		return;
	}
	ASSERT_EXIT(st, 0);
}

static int try_newer_than_profile(int notify_fd)
{
	/* 1000 is past every syscall; finit_module (313) past kcmp (312), the profile's last */
	if (syscall(1000, 0xDEADBEEF, 0xCAFEFEED, 0x1337) != -1 || errno != ENOSYS)
		return 1;
	if (syscall(SYS_finit_module, -1, "", 0) != -1 || errno != ENOSYS)
		return 2;
	/* below it and not allowed: the default errno */
	if (syscall(SYS_getpid) != -1 || errno != EPERM)
		return 3;
	if (getppid() <= 0)
		return 4;
	return 0;
}

TEST(enosys_for_syscalls_newer_than_the_profile)
{
	_cleanup_(rt_config_freep) struct rt_config *c = parse(SECCOMP(
	    "\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86_64\","
	    "\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],\"syscalls\":[{\"names\":[\"exit_group\",\"exit\","
	    "\"getppid\",\"kcmp\","
	    /* what the sanitizers' runtime needs on the way out (all below kcmp) */
	    "\"close\",\"write\",\"mmap\",\"munmap\",\"mprotect\",\"madvise\",\"sigaltstack\","
	    "\"gettid\",\"rt_sigaction\",\"rt_sigprocmask\",\"futex\",\"sched_yield\",\"prctl\","
	    "\"read\",\"lseek\",\"fstat\",\"newfstatat\",\"openat\"],\"action\":\"SCMP_ACT_ALLOW\"}]"));
	_cleanup_(rt_config_freep) struct rt_config *allow = parse(SECCOMP(
	    "\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"getppid\"],"
	    "\"action\":\"SCMP_ACT_ERRNO\"}]"));
	_cleanup_(rt_config_freep) struct rt_config *enosys = parse(SECCOMP(
	    "\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,\"syscalls\":["
	    "{\"names\":[\"exit_group\"],\"action\":\"SCMP_ACT_ALLOW\"}]"));
	struct sock_filter stub[64];
	size_t n = 99;

	ASSERT_TRUE(c && allow && enosys);
	ASSERT_EQ(seccomp_enosys_stub(c->seccomp, stub, ELEMENTSOF(stub), &n), 0);
	/* arch, then x86_64 (with its x32 test) and i386 blocks, the jump, the return */
	ASSERT_EQ(n, 1 + 5 + 3 + 2);
	ASSERT_EQ(seccomp_enosys_stub(c->seccomp, stub, 4, &n), -E2BIG);
	ASSERT_EQ(seccomp_enosys_stub(allow->seccomp, stub, ELEMENTSOF(stub), &n), 0);
	ASSERT_EQ(n, 0);
	ASSERT_EQ(seccomp_enosys_stub(enosys->seccomp, stub, ELEMENTSOF(stub), &n), 0);
	ASSERT_EQ(n, 0);
	ASSERT_EXIT(in_child(c->seccomp, try_newer_than_profile), 0);
}

TEST(build_default_only)
{
	struct rt_seccomp s = {.default_action = RT_SECCOMP_ALLOW};
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	scmp_filter_ctx ctx = NULL;

	/* build only: loading would change this process */
	ASSERT_EQ(seccomp_build(&s, &ctx, &err), 0);
	ASSERT_TRUE(ctx != NULL);
	seccomp_release(ctx);
}

/* ---- the listener: fd and state to the agent ---- */

TEST(listener_state_json)
{
	struct rt_seccomp s = {.listener_metadata = (char *)"MKNOD=/dev/null"};
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *out = NULL;

	ASSERT_EQ(seccomp_listener_state_json(
		      &s, 42, "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\"}",
		      &out, &err),
		  0);
	ASSERT_STREQ(out, "{\"ociVersion\":\"1.2.0\",\"fds\":[\"seccompFd\"],\"pid\":42,"
			  "\"metadata\":\"MKNOD=/dev/null\",\"state\":{\"ociVersion\":\"1.2.0\","
			  "\"id\":\"c1\",\"status\":\"creating\"}}");
	ASSERT_EQ(seccomp_listener_state_json(&s, 42, "[1]", &out, &err), -EINVAL);
}

TEST(send_listener)
{
	char dir[] = "/tmp/berth-seccomp-XXXXXX";
	_cleanup_free_ char *path = NULL, *want = NULL, *big = NULL;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_close_ int lsock = -EBADF, conn = -EBADF, pfd = -EBADF, got = -EBADF;
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	char buf[8192];
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf) - 1};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control.b,
			     .msg_controllen = sizeof(control.b)};
	struct stat a, b;
	struct cmsghdr *cm;
	ssize_t n;
	size_t total;

	ASSERT_TRUE(mkdtemp(dir));
	path = xasprintf("%s/agent.sock", dir);
	/* nobody listening */
	ASSERT_EQ(seccomp_send_listener(path, 0, "{}", &err), -ENOENT);
	want = xasprintf("seccomp listener '%s': failed to connect with seccomp agent: No such file "
			 "or directory",
			 path);
	ASSERT_STREQ(err->msg, want);

	lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_TRUE(lsock >= 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	ASSERT_EQ(bind(lsock, (struct sockaddr *)&addr, sizeof(addr)), 0);
	ASSERT_EQ(listen(lsock, 1), 0);
	pfd = open("/dev/null", O_RDONLY | O_CLOEXEC); /* stands in for the listener fd */
	ASSERT_TRUE(pfd >= 0);
	big = calloc(1, 6001);
	ASSERT_TRUE(big);
	memset(big, 'x', 6000);
	big[0] = '{';
	ASSERT_EQ(seccomp_send_listener(path, pfd, big, &err), 0);

	conn = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);
	ASSERT_TRUE(conn >= 0);
	n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	ASSERT_TRUE(n > 0);
	cm = CMSG_FIRSTHDR(&msg);
	ASSERT_TRUE(cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS);
	memcpy(&got, CMSG_DATA(cm), sizeof(int));
	ASSERT_EQ(fstat(got, &a), 0);
	ASSERT_EQ(fstat(pfd, &b), 0);
	ASSERT_TRUE(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	/* the whole state arrives, however the stream cut it */
	total = (size_t)n;
	while (total < 6000 && (n = read(conn, buf + total, sizeof(buf) - 1 - total)) > 0)
		total += (size_t)n;
	ASSERT_EQ(total, 6000);
	buf[total] = '\0';
	ASSERT_STREQ(buf, big);
	ASSERT_EQ(rm_rf(dir), 0);
}

TEST_MAIN()
