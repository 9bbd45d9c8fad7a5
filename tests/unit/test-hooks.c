/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hooks_run() with small shell scripts in a temp dir: stdin, argv, env, exit codes, stderr,
 * timeouts, order, and that nothing of the runtime leaks into a hook.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "berth/error.h"
#include "berth/cleanup.h"
#include "runtime/config.h"
#include "runtime/hooks.h"
#include "test.h"
#include "berth/util.h"

DEFINE_FREEP(struct berth_error, berth_error_free)

struct tmp {
	char dir[64];
};

static void tmp_done(struct tmp *t)
{
	if (t->dir[0])
		rm_rf(t->dir);
}

#define _cleanup_tmp_ _cleanup_(tmp_done)

static int tmp_init(struct tmp *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/berth-hooks-XXXXXX");
	return mkdtemp(t->dir) ? 0 : -errno;
}

/* Write an executable script dir/name with `body` after "#!/bin/sh". Returns its path. */
static char *script(const struct tmp *t, const char *name, const char *body)
{
	char *p = xasprintf("%s/%s", t->dir, name);
	_cleanup_free_ char *text = xasprintf("#!/bin/sh\n%s\n", body);

	if (!p || !text || write_file_atomic(p, text, strlen(text), 0755) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

static char *file(const struct tmp *t, const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", t->dir, name);
	char *s = NULL;

	if (read_full_file(p, &s, NULL) < 0)
		return strdup("(missing)");
	return s;
}

#define STATE "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":42}"

TEST(stdin_gets_the_state)
{
	_cleanup_tmp_ struct tmp t = {{0}};
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *p = NULL, *out = NULL, *env = NULL;
	struct rt_hook h = {0};

	ASSERT_EQ(tmp_init(&t), 0);
	p = script(&t, "cat.sh", "cat > \"$OUT\"");
	env = xasprintf("OUT=%s/state", t.dir);
	h.path = p;
	h.env = (char *[]){env, NULL};
	ASSERT_EQ(hooks_run(&h, 1, "createRuntime", STATE, &err), 0);
	out = file(&t, "state");
	ASSERT_STREQ(out, STATE);
}

TEST(argv_and_environment)
{
	_cleanup_tmp_ struct tmp t = {{0}};
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *p = NULL, *out = NULL, *out2 = NULL, *out3 = NULL, *cmd = NULL,
			    *env = NULL;
	struct rt_hook h[2] = {{0}};

	ASSERT_EQ(tmp_init(&t), 0);
	/* args given: argv is args, path is what runs */
	cmd = xasprintf("echo \"$0 $1 ${A}:${HOME-none}\" > %s/argv", t.dir);
	h[0].path = (char *)"/bin/sh";
	h[0].args =
	    (char *[]){(char *)"custom0", (char *)"-c", cmd, (char *)"zero", (char *)"one", NULL};
	h[0].env = (char *[]){(char *)"A=1", NULL};
	/* no args: argv is { path }; no env: the runtime's environment */
	p = script(&t, "count.sh",
		   "echo \"$# $BERTH_HOOK_TEST_VAR\" > \"$(dirname \"$0\")/count\"");
	h[1].path = p;
	ASSERT_EQ(setenv("BERTH_HOOK_TEST_VAR", "inherited", 1), 0);
	ASSERT_EQ(hooks_run(h, 2, "prestart", STATE, &err), 0);
	unsetenv("BERTH_HOOK_TEST_VAR");
	out = file(&t, "argv");
	ASSERT_STREQ(out, "zero one 1:none\n");
	out2 = file(&t, "count");
	ASSERT_STREQ(out2, "0 inherited\n");

	/* an empty env is an empty environment, not the runtime's */
	env = xasprintf("echo \"${BERTH_HOOK_TEST_VAR-unset}\" > %s/empty", t.dir);
	h[0].args = (char *[]){(char *)"sh", (char *)"-c", env, NULL};
	h[0].env = (char *[]){NULL};
	ASSERT_EQ(setenv("BERTH_HOOK_TEST_VAR", "inherited", 1), 0);
	ASSERT_EQ(hooks_run(h, 1, "prestart", STATE, &err), 0);
	unsetenv("BERTH_HOOK_TEST_VAR");
	out3 = file(&t, "empty");
	ASSERT_STREQ(out3, "unset\n");
}

TEST(failure_names_kind_index_path_status_stderr)
{
	_cleanup_tmp_ struct tmp t = {{0}};
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *ok = NULL, *bad = NULL, *want = NULL;
	struct rt_hook h[2] = {{0}};

	ASSERT_EQ(tmp_init(&t), 0);
	ok = script(&t, "ok.sh", "exit 0");
	bad = script(&t, "bad.sh", "echo 'no network for you' >&2\necho out\nexit 3");
	h[0].path = ok;
	h[1].path = bad;
	ASSERT_EQ(hooks_run(h, 2, "createContainer", STATE, &err), -EIO);
	want = xasprintf("error running hook 'createContainer[1]' %s exited with status 3: stderr: no network "
			 "for you",
			 bad);
	ASSERT_STREQ(err->msg, want);
}

TEST(stdout_when_stderr_is_empty_and_signals)
{
	_cleanup_tmp_ struct tmp t = {{0}};
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *bad = NULL, *sig = NULL, *want = NULL, *want2 = NULL;
	struct rt_hook h = {0};

	ASSERT_EQ(tmp_init(&t), 0);
	bad = script(&t, "bad.sh", "echo only-stdout\nexit 1");
	h.path = bad;
	ASSERT_EQ(hooks_run(&h, 1, "prestart", STATE, &err), -EIO);
	want = xasprintf("error running hook 'prestart[0]' %s exited with status 1: stdout: only-stdout", bad);
	ASSERT_STREQ(err->msg, want);

	sig = script(&t, "sig.sh", "kill -9 $$");
	h.path = sig;
	ASSERT_EQ(hooks_run(&h, 1, "startContainer", STATE, &err), -EIO);
	want2 = xasprintf("error running hook 'startContainer[0]' %s was killed by signal 9 (killed)",
			  sig);
	ASSERT_STREQ(err->msg, want2);
}

TEST(stderr_is_capped)
{
	_cleanup_tmp_ struct tmp t = {{0}};
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *p = NULL;
	struct rt_hook h = {0};
	const char *s;

	ASSERT_EQ(tmp_init(&t), 0);
	/* 20000 bytes of "e" on stderr */
	p = script(&t, "loud.sh",
		   "i=0; while [ $i -lt 200 ]; do printf '%0100d' 0 | tr 0 e >&2; "
		   "i=$((i+1)); done; exit 2");
	h.path = p;
	ASSERT_EQ(hooks_run(&h, 1, "prestart", STATE, &err), -EIO);
	s = strstr(err->msg, "stderr: ");
	ASSERT_TRUE(s);
	s += strlen("stderr: ");
	ASSERT_EQ(strlen(s), HOOKS_OUTPUT_MAX + 3);
	ASSERT_TRUE(streq(s + HOOKS_OUTPUT_MAX, "..."));
	ASSERT_TRUE(s[0] == 'e' && s[HOOKS_OUTPUT_MAX - 1] == 'e');
}

TEST(timeout_kills)
{
	_cleanup_tmp_ struct tmp t = {{0}};
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *p = NULL, *want = NULL, *pid = NULL;
	struct rt_hook h = {0};
	uint64_t start;

	ASSERT_EQ(tmp_init(&t), 0);
	p = script(&t, "slow.sh",
		   "echo $$ > \"$(dirname \"$0\")/pid\"\necho waiting >&2\n"
		   "exec sleep 30");
	h.path = p;
	h.timeout = 1;
	start = now_ms();
	ASSERT_EQ(hooks_run(&h, 1, "prestart", STATE, &err), -ETIMEDOUT);
	ASSERT_TRUE(now_ms() - start >= 1000);
	ASSERT_TRUE(now_ms() - start < 5000);
	want = xasprintf("error running hook 'prestart[0]' %s timed out after 1 s: stderr: waiting", p);
	ASSERT_STREQ(err->msg, want);
	/* it is gone (killed and reaped) */
	pid = file(&t, "pid");
	ASSERT_TRUE(kill(atoi(pid), 0) < 0 && errno == ESRCH);
}

TEST(exec_failures)
{
	_cleanup_tmp_ struct tmp t = {{0}};
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *noexec = NULL, *want = NULL;
	struct rt_hook h = {.path = (char *)"/nonexistent/hook"};

	ASSERT_EQ(hooks_run(&h, 1, "createRuntime", STATE, &err), -ENOENT);
	ASSERT_STREQ(err->msg,
		     "error running hook 'createRuntime[0]' /nonexistent/hook: exec: No such file or directory");

	ASSERT_EQ(tmp_init(&t), 0);
	noexec = script(&t, "noexec.sh", "exit 0");
	ASSERT_EQ(chmod(noexec, 0644), 0);
	h.path = noexec;
	if (geteuid() == 0 && access(noexec, X_OK) == 0) {
		printf("# skip the EACCES half of exec_failures: root may execute anything here\n");
		return;
	}
	ASSERT_EQ(hooks_run(&h, 1, "poststart", STATE, &err), -EACCES);
	want = xasprintf("error running hook 'poststart[0]' %s: exec: Permission denied", noexec);
	ASSERT_STREQ(err->msg, want);
}

TEST(order_and_stop_or_keep_going)
{
	_cleanup_tmp_ struct tmp t = {{0}};
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *a = NULL, *bad = NULL, *c = NULL, *log1 = NULL, *log2 = NULL;
	_cleanup_free_ char *logf = NULL;
	struct rt_hook h[3] = {{0}};

	ASSERT_EQ(tmp_init(&t), 0);
	a = script(&t, "a.sh", "echo a >> \"$(dirname \"$0\")/log\"");
	bad = script(&t, "bad.sh", "echo bad >> \"$(dirname \"$0\")/log\"; exit 1");
	c = script(&t, "c.sh", "echo c >> \"$(dirname \"$0\")/log\"");
	h[0].path = a;
	h[1].path = bad;
	h[2].path = c;
	/* create-time hooks stop at the first failure */
	ASSERT_EQ(hooks_run(h, 3, "prestart", STATE, &err), -EIO);
	ASSERT_CONTAINS(err->msg, "hook 'prestart[1]'");
	log1 = file(&t, "log");
	ASSERT_STREQ(log1, "a\nbad\n");
	/* poststart/poststop run them all and report the first failure */
	logf = xasprintf("%s/log", t.dir);
	unlink(logf);
	ASSERT_EQ(hooks_run(h, 3, "poststop", STATE, &err), -EIO);
	ASSERT_CONTAINS(err->msg, "hook 'poststop[1]'");
	log2 = file(&t, "log");
	ASSERT_STREQ(log2, "a\nbad\nc\n");
	/* nothing to run */
	ASSERT_EQ(hooks_run(NULL, 0, "prestart", STATE, &err), 0);
}

TEST(big_state_and_hooks_that_ignore_stdin)
{
	_cleanup_tmp_ struct tmp t = {{0}};
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *big = NULL, *ignore = NULL, *reader = NULL, *out = NULL, *env = NULL;
	struct rt_hook h = {0};
	const size_t n = 1 << 20;

	ASSERT_EQ(tmp_init(&t), 0);
	big = malloc(n + 1);
	ASSERT_TRUE(big);
	memset(big, 'j', n);
	big[n] = '\0';
	/* exits without reading 1 MiB of state: no SIGPIPE for us, no error */
	ignore = script(&t, "ignore.sh", "exit 0");
	h.path = ignore;
	ASSERT_EQ(hooks_run(&h, 1, "prestart", big, &err), 0);
	/* reads all of it */
	reader = script(&t, "reader.sh", "cat > \"$OUT\"");
	env = xasprintf("OUT=%s/big", t.dir);
	h.path = reader;
	h.env = (char *[]){env, NULL};
	ASSERT_EQ(hooks_run(&h, 1, "prestart", big, &err), 0);
	out = file(&t, "big");
	ASSERT_EQ(strlen(out), n);
}

TEST(background_child_keeping_stdout_does_not_block)
{
	_cleanup_tmp_ struct tmp t = {{0}};
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *p = NULL, *pid = NULL;
	struct rt_hook h = {0};
	uint64_t start;

	ASSERT_EQ(tmp_init(&t), 0);
	p = script(&t, "daemon.sh", "sleep 30 &\necho $! > \"$(dirname \"$0\")/bgpid\"\nexit 0");
	h.path = p;
	start = now_ms();
	ASSERT_EQ(hooks_run(&h, 1, "poststart", STATE, &err), 0);
	ASSERT_TRUE(now_ms() - start < 5000);
	pid = file(&t, "bgpid");
	if (atoi(pid) > 0)
		kill(atoi(pid), SIGKILL);
}

TEST(no_fd_leaks_into_hooks)
{
	_cleanup_tmp_ struct tmp t = {{0}};
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *cmd = NULL, *out = NULL;
	_cleanup_close_ int leak = -EBADF;
	struct rt_hook h = {0};

	ASSERT_EQ(tmp_init(&t), 0);
	leak = open("/dev/null", O_RDONLY); /* no O_CLOEXEC on purpose */
	ASSERT_TRUE(leak >= 3);
	cmd = xasprintf("if [ -e /proc/$$/fd/%d ]; then echo leaked; else echo clean; fi > %s/fds",
			leak, t.dir);
	h.path = (char *)"/bin/sh";
	h.args = (char *[]){(char *)"sh", (char *)"-c", cmd, NULL};
	ASSERT_EQ(hooks_run(&h, 1, "prestart", STATE, &err), 0);
	out = file(&t, "fds");
	ASSERT_STREQ(out, "clean\n");
}

TEST(state_json)
{
	struct rt_sysctl ann[] = {{(char *)"org.example", (char *)"v"}};
	_cleanup_free_ char *a = hooks_state_json("c1", "running", 42, "/b", ann, 1);
	_cleanup_free_ char *b = hooks_state_json("c2", "stopped", 0, NULL, NULL, 0);

	ASSERT_STREQ(a, "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"running\",\"pid\":42,"
			"\"bundle\":\"/b\",\"annotations\":{\"org.example\":\"v\"}}");
	ASSERT_STREQ(b, "{\"ociVersion\":\"1.2.0\",\"id\":\"c2\",\"status\":\"stopped\","
			"\"bundle\":\"\",\"annotations\":{}}");
}

TEST_MAIN()
