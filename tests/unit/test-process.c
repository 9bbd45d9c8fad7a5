/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * process_lookup_exec(): the PATH search done inside the container before SYNC_READY, so
 * that a missing program fails `create` with exit code 127 and a non-executable one with
 * 126. Runs against two PATH directories in a temp dir. Also caps_last_cap().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "runtime/caps.h"
#include "runtime/process.h"
#include "test.h"
#include "berth/util.h"

struct bins {
	char *base;
	char *a;	/* <base>/a */
	char *b;	/* <base>/b */
	char *path_env; /* "PATH=<a>:<b>" */
};

static void bins_release(struct bins *t)
{
	if (t->base)
		(void)rm_rf(t->base);
	free(t->base);
	free(t->a);
	free(t->b);
	free(t->path_env);
}

#define _cleanup_bins_ _cleanup_(bins_release)

static int bins_init(struct bins *t)
{
	char tmpl[] = "/tmp/berth-unit-process-XXXXXX";

	if (!mkdtemp(tmpl))
		return -errno;
	t->base = strdup(tmpl);
	t->a = xasprintf("%s/a", tmpl);
	t->b = xasprintf("%s/b", tmpl);
	t->path_env = xasprintf("PATH=%s:%s", t->a, t->b);
	if (!t->base || !t->a || !t->b || !t->path_env)
		return -ENOMEM;
	if (mkdir(t->a, 0755) < 0 || mkdir(t->b, 0755) < 0)
		return -errno;
	return 0;
}

static int make_file(const char *dir, const char *name, mode_t mode)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);
	int fd;

	if (!p)
		return -ENOMEM;
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	close(fd);
	/* open() honours the umask; the tests need the exact mode */
	return chmod(p, mode) < 0 ? -errno : 0;
}

static int make_dir(const char *dir, const char *name)
{
	_cleanup_free_ char *p = xasprintf("%s/%s", dir, name);

	return !p ? -ENOMEM : mkdir(p, 0755) < 0 ? -errno : 0;
}

/* ---------------------------------------------------------------------------------------- */

TEST(lookup_along_path_from_env)
{
	_cleanup_bins_ struct bins t = {0};
	_cleanup_free_ char *r1 = NULL, *r2 = NULL, *want1 = NULL, *want2 = NULL;

	ASSERT_EQ(bins_init(&t), 0);
	char *env[] = {(char *)"HOME=/root", t.path_env, (char *)"TERM=xterm", NULL};

	ASSERT_EQ(make_file(t.b, "prog", 0755), 0);
	ASSERT_EQ(process_lookup_exec("prog", env, &r1), 0);
	want1 = xasprintf("%s/prog", t.b);
	ASSERT_STREQ(r1, want1);

	/* the first directory wins */
	ASSERT_EQ(make_file(t.a, "prog", 0700), 0);
	ASSERT_EQ(process_lookup_exec("prog", env, &r2), 0);
	want2 = xasprintf("%s/prog", t.a);
	ASSERT_STREQ(r2, want2);
}

TEST(lookup_missing_is_enoent)
{
	_cleanup_bins_ struct bins t = {0};
	char *ret = (char *)"untouched";

	ASSERT_EQ(bins_init(&t), 0);
	char *env[] = {t.path_env, NULL};

	ASSERT_EQ(process_lookup_exec("nope", env, &ret), -ENOENT);
	ASSERT_STREQ(ret, "untouched");
	ASSERT_EQ(process_lookup_exec("", env, &ret), -ENOENT);
	ASSERT_STREQ(ret, "untouched");
}

TEST(lookup_not_executable_is_eacces)
{
	_cleanup_bins_ struct bins t = {0};
	_cleanup_free_ char *found = NULL, *want = NULL;
	char *ret = (char *)"untouched";

	ASSERT_EQ(bins_init(&t), 0);
	char *env[] = {t.path_env, NULL};

	/* even root needs an x bit to exec a file */
	ASSERT_EQ(make_file(t.a, "data", 0644), 0);
	ASSERT_EQ(process_lookup_exec("data", env, &ret), -EACCES);
	ASSERT_STREQ(ret, "untouched");

	ASSERT_EQ(make_dir(t.b, "subdir"), 0);
	ASSERT_EQ(process_lookup_exec("subdir", env, &ret), -EACCES);
	ASSERT_STREQ(ret, "untouched");

	/* as execvp: a later executable match still wins over an earlier EACCES */
	ASSERT_EQ(make_file(t.b, "data", 0755), 0);
	ASSERT_EQ(process_lookup_exec("data", env, &found), 0);
	want = xasprintf("%s/data", t.b);
	ASSERT_STREQ(found, want);
}

TEST(lookup_absolute_and_relative_paths)
{
	_cleanup_bins_ struct bins t = {0};
	_cleanup_free_ char *exe = NULL, *data = NULL, *missing = NULL, *r = NULL, *r2 = NULL;
	char *ret = (char *)"untouched";
	char *noenv[] = {(char *)"PATH=/nonexistent", NULL};

	ASSERT_EQ(bins_init(&t), 0);
	ASSERT_EQ(make_file(t.a, "exe", 0755), 0);
	ASSERT_EQ(make_file(t.a, "data", 0600), 0);
	exe = xasprintf("%s/exe", t.a);
	data = xasprintf("%s/data", t.a);
	missing = xasprintf("%s/missing", t.a);

	/* checked directly: PATH plays no part */
	ASSERT_EQ(process_lookup_exec(exe, noenv, &r), 0);
	ASSERT_STREQ(r, exe);
	ASSERT_EQ(process_lookup_exec(data, noenv, &ret), -EACCES);
	ASSERT_EQ(process_lookup_exec(t.a, noenv, &ret), -EACCES);
	ASSERT_EQ(process_lookup_exec(missing, noenv, &ret), -ENOENT);
	ASSERT_STREQ(ret, "untouched");

	/* a name with a slash is relative to the cwd, not searched */
	{
		_cleanup_free_ char *cwd = getcwd(NULL, 0);

		ASSERT_TRUE(cwd != NULL);
		ASSERT_EQ(chdir(t.base), 0);
		int k = process_lookup_exec("a/exe", noenv, &r2);
		int k2 = process_lookup_exec("./exe", noenv, &ret);
		int k3 = chdir(cwd);

		ASSERT_EQ(k3, 0);
		ASSERT_EQ(k, 0);
		ASSERT_STREQ(r2, "a/exe");
		ASSERT_EQ(k2, -ENOENT);
		ASSERT_STREQ(ret, "untouched");
	}
}

TEST(lookup_empty_path_entry_is_cwd)
{
	/* As execvp (and runc's LookPath): an empty PATH entry, leading, trailing or "::",
	 * stands for the current directory. */
	_cleanup_bins_ struct bins t = {0};
	_cleanup_free_ char *cwd = getcwd(NULL, 0);
	_cleanup_free_ char *lead = NULL, *mid = NULL, *r1 = NULL, *r2 = NULL, *r3 = NULL;
	char *trail[] = {(char *)"PATH=/nonexistent:", NULL};
	int k1, k2, k3;

	ASSERT_TRUE(cwd != NULL);
	ASSERT_EQ(bins_init(&t), 0);
	ASSERT_EQ(make_file(t.a, "here", 0755), 0);
	lead = xasprintf("PATH=:%s", t.b);
	mid = xasprintf("PATH=%s::/nonexistent", t.b);
	ASSERT_EQ(chdir(t.a), 0);
	k1 = process_lookup_exec("here", (char *[]){lead, NULL}, &r1);
	k2 = process_lookup_exec("here", (char *[]){mid, NULL}, &r2);
	k3 = process_lookup_exec("here", trail, &r3);
	ASSERT_EQ(chdir(cwd), 0);
	ASSERT_EQ(k1, 0);
	ASSERT_STREQ(r1, "./here");
	ASSERT_EQ(k2, 0);
	ASSERT_STREQ(r2, "./here");
	ASSERT_EQ(k3, 0);
	ASSERT_STREQ(r3, "./here");
}

TEST(lookup_default_path)
{
	/* no PATH in env: the default one, which has sh somewhere */
	_cleanup_free_ char *r = NULL, *r2 = NULL;
	char *env[] = {(char *)"HOME=/", NULL};

	ASSERT_EQ(process_lookup_exec("sh", env, &r), 0);
	ASSERT_TRUE(r[0] == '/');
	ASSERT_TRUE(access(r, X_OK) == 0);
	ASSERT_EQ(process_lookup_exec("sh", NULL, &r2), 0);
	ASSERT_STREQ(r2, r);
}

TEST(caps_last_cap_sane)
{
	_cleanup_free_ char *s = NULL;
	int last = caps_last_cap();
	int64_t v;

	ASSERT_TRUE(last >= 30);
	ASSERT_TRUE(last <= 63);
	/* cached, and the kernel's own value */
	ASSERT_EQ(caps_last_cap(), last);
	if (read_one_line_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", &s) >= 0 &&
	    parse_i64(s, &v) >= 0)
		ASSERT_EQ(last, v);
}

TEST_MAIN()
