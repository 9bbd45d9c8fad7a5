/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mount_open_target() and openat_in_root(): path resolution below a rootfs fd. No mounts
 * and no root needed: every test builds <tmp>/root with plain directories and symlinks,
 * and checks both what the returned fd points at (through /proc/self/fd) and that nothing
 * appeared next to the root, in <tmp> itself.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "berth/error.h"
#include "berth/cleanup.h"
#include "runtime/mount.h"
#include "test.h"
#include "berth/util.h"

DEFINE_FREEP(struct berth_error, berth_error_free)

/* ---------------------------------------------------------------------------------------- */
/* Helpers */

struct tree {
	char *base; /* <tmp>, canonical */
	char *root; /* <tmp>/root */
	int rootfd; /* O_PATH fd of root */
};

static void tree_release(struct tree *t)
{
	if (t->rootfd >= 0)
		close(t->rootfd);
	if (t->base)
		(void)rm_rf(t->base);
	free(t->base);
	free(t->root);
}

#define _cleanup_tree_ _cleanup_(tree_release)
#define TREE_INIT                                                                                  \
	{                                                                                          \
		.rootfd = -EBADF                                                                   \
	}

/* mkdtemp + realpath, so that /proc/self/fd links compare as strings. */
static int tree_init(struct tree *t)
{
	char tmpl[] = "/tmp/berth-unit-mount-XXXXXX";

	if (!mkdtemp(tmpl))
		return -errno;
	t->base = realpath(tmpl, NULL);
	if (!t->base)
		return -errno;
	t->root = xasprintf("%s/root", t->base);
	if (!t->root || mkdir(t->root, 0755) < 0)
		return -EIO;
	t->rootfd = open(t->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return t->rootfd < 0 ? -errno : 0;
}

/* <root>/<rel> */
static char *in_root(const struct tree *t, const char *rel)
{
	return xasprintf("%s/%s", t->root, rel);
}

static char *fd_link(int fd)
{
	char p[64], buf[PATH_MAX];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	n = readlink(p, buf, sizeof(buf) - 1);
	if (n < 0)
		return NULL;
	buf[n] = 0;
	return strdup(buf);
}

/* The names in dir, sorted and joined with ',' ("" when empty). */
static char *list_dir(const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	_cleanup_strv_free_ char **names = NULL;
	struct dirent *de;
	char *s;
	size_t len = 1;

	if (!d)
		return NULL;
	while ((de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			if (strv_extend(&names, de->d_name) < 0)
				return NULL;
	for (size_t i = 0; names && names[i]; i++) {
		for (size_t j = i + 1; names[j]; j++)
			if (strcmp(names[i], names[j]) > 0) {
				char *x = names[i];
				names[i] = names[j];
				names[j] = x;
			}
		len += strlen(names[i]) + 1;
	}
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (size_t i = 0; names && names[i]; i++) {
		if (i)
			strcat(s, ",");
		strcat(s, names[i]);
	}
	return s;
}

static int count_fds(void)
{
	_cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	return n;
}

static bool is_dir(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_reg(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int mkdirs_in_root(const struct tree *t, const char *rel)
{
	_cleanup_free_ char *p = in_root(t, rel);

	return p ? mkdir_p(p, 0755) : -ENOMEM;
}

static int symlink_in_root(const struct tree *t, const char *target, const char *rel)
{
	return symlinkat(target, t->rootfd, rel) < 0 ? -errno : 0;
}

/* ---------------------------------------------------------------------------------------- */
/* mount_open_target */

TEST(open_target_existing_dir)
{
	_cleanup_tree_ struct tree t = TREE_INIT;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *want = NULL, *got = NULL;
	struct stat st;

	ASSERT_EQ(tree_init(&t), 0);
	ASSERT_EQ(mkdirs_in_root(&t, "a/b"), 0);
	ASSERT_EQ(mount_open_target(t.rootfd, "/a/b", true, false, &fd, &err), 0);
	ASSERT_TRUE(err == NULL);
	want = in_root(&t, "a/b");
	got = fd_link(fd);
	ASSERT_STREQ(got, want);
	/* an O_PATH fd, close-on-exec */
	ASSERT_TRUE(fcntl(fd, F_GETFL) & O_PATH);
	ASSERT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(fstat(fd, &st), 0);
	ASSERT_TRUE(S_ISDIR(st.st_mode));
}

TEST(open_target_root_itself)
{
	_cleanup_tree_ struct tree t = TREE_INIT;
	_cleanup_close_ int fd1 = -EBADF, fd2 = -EBADF, fd3 = -EBADF;
	_cleanup_free_ char *l1 = NULL, *l2 = NULL, *l3 = NULL;

	ASSERT_EQ(tree_init(&t), 0);
	ASSERT_EQ(mount_open_target(t.rootfd, "/", true, false, &fd1, NULL), 0);
	ASSERT_EQ(mount_open_target(t.rootfd, "", true, false, &fd2, NULL), 0);
	ASSERT_EQ(mount_open_target(t.rootfd, "/./..//.", true, false, &fd3, NULL), 0);
	l1 = fd_link(fd1);
	l2 = fd_link(fd2);
	l3 = fd_link(fd3);
	ASSERT_STREQ(l1, t.root);
	ASSERT_STREQ(l2, t.root);
	ASSERT_STREQ(l3, t.root);
	/* a new fd, not rootfd itself */
	ASSERT_TRUE(fd1 != t.rootfd);
}

TEST(open_target_creates_missing_dirs)
{
	_cleanup_tree_ struct tree t = TREE_INIT;
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *x = NULL, *xy = NULL, *xyz = NULL, *got = NULL, *ls = NULL;

	ASSERT_EQ(tree_init(&t), 0);
	ASSERT_EQ(mount_open_target(t.rootfd, "/x/y//z/", true, false, &fd, NULL), 0);
	x = in_root(&t, "x");
	xy = in_root(&t, "x/y");
	xyz = in_root(&t, "x/y/z");
	ASSERT_TRUE(is_dir(x));
	ASSERT_TRUE(is_dir(xy));
	ASSERT_TRUE(is_dir(xyz));
	got = fd_link(fd);
	ASSERT_STREQ(got, xyz);
	ls = list_dir(t.base);
	ASSERT_STREQ(ls, "root");
}

TEST(open_target_creates_file_last)
{
	_cleanup_tree_ struct tree t = TREE_INIT;
	_cleanup_close_ int fd = -EBADF, fd2 = -EBADF, wfd = -EBADF;
	_cleanup_free_ char *d = NULL, *f = NULL, *got = NULL;
	struct stat st;

	ASSERT_EQ(tree_init(&t), 0);
	ASSERT_EQ(mount_open_target(t.rootfd, "etc/sub/resolv.conf", false, false, &fd, NULL), 0);
	d = in_root(&t, "etc/sub");
	f = in_root(&t, "etc/sub/resolv.conf");
	ASSERT_TRUE(is_dir(d));
	ASSERT_TRUE(is_reg(f));
	ASSERT_EQ(stat(f, &st), 0);
	ASSERT_EQ(st.st_size, 0);
	got = fd_link(fd);
	ASSERT_STREQ(got, f);

	/* a second call finds the file that is now there */
	wfd = open(f, O_WRONLY | O_CLOEXEC);
	ASSERT_TRUE(wfd >= 0);
	ASSERT_EQ(write(wfd, "x", 1), 1);
	ASSERT_EQ(mount_open_target(t.rootfd, "etc/sub/resolv.conf", false, false, &fd2, NULL), 0);
	ASSERT_EQ(fstat(fd2, &st), 0);
	ASSERT_TRUE(S_ISREG(st.st_mode));
	ASSERT_EQ(st.st_size, 1);
}

TEST(open_target_abs_symlink_to_etc_stays_inside)
{
	_cleanup_tree_ struct tree t = TREE_INIT;
	_cleanup_close_ int fd = -EBADF, fd2 = -EBADF;
	_cleanup_free_ char *want = NULL, *got = NULL, *want2 = NULL, *got2 = NULL, *host = NULL;
	_cleanup_free_ char *ls = NULL;
	bool host_created;

	ASSERT_EQ(tree_init(&t), 0);
	ASSERT_EQ(symlink_in_root(&t, "/etc", "conf"), 0);

	/* "/etc" as seen from the root is <root>/etc, which does not exist yet */
	ASSERT_EQ(mount_open_target(t.rootfd, "/conf", true, false, &fd, NULL), 0);
	want = in_root(&t, "etc");
	got = fd_link(fd);
	ASSERT_STREQ(got, want);
	ASSERT_TRUE(is_dir(want));

	/* deeper, with a name that cannot exist on the host */
	host = xasprintf("/etc/berth-unit-%d", (int)getpid());
	{
		_cleanup_free_ char *rel = xasprintf("conf/berth-unit-%d/x", (int)getpid());

		ASSERT_EQ(mount_open_target(t.rootfd, rel, false, false, &fd2, NULL), 0);
	}
	host_created = access(host, F_OK) == 0;
	if (host_created) {
		_cleanup_free_ char *hx = xasprintf("%s/x", host);
		(void)unlink(hx);
		(void)rmdir(host);
	}
	ASSERT_TRUE(!host_created);
	want2 = xasprintf("%s/etc/berth-unit-%d/x", t.root, (int)getpid());
	got2 = fd_link(fd2);
	ASSERT_STREQ(got2, want2);
	ASSERT_TRUE(is_reg(want2));
	ls = list_dir(t.base);
	ASSERT_STREQ(ls, "root");
}

TEST(open_target_abs_symlink_to_host_dir_stays_inside)
{
	/* A link to the absolute host path of the directory holding the root: followed on the
	 * host it would create <tmp>/escaped. */
	_cleanup_tree_ struct tree t = TREE_INIT;
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *want = NULL, *got = NULL, *ls = NULL;

	ASSERT_EQ(tree_init(&t), 0);
	ASSERT_EQ(symlink_in_root(&t, t.base, "out"), 0);
	ASSERT_EQ(mount_open_target(t.rootfd, "out/escaped", true, false, &fd, NULL), 0);
	ls = list_dir(t.base);
	ASSERT_STREQ(ls, "root");
	want = xasprintf("%s%s/escaped", t.root, t.base);
	got = fd_link(fd);
	ASSERT_STREQ(got, want);
	ASSERT_TRUE(is_dir(want));
}

TEST(open_target_relative_symlink_cannot_climb)
{
	_cleanup_tree_ struct tree t = TREE_INIT;
	_cleanup_close_ int fd = -EBADF, fd2 = -EBADF;
	_cleanup_free_ char *want = NULL, *got = NULL, *want2 = NULL, *got2 = NULL;
	_cleanup_free_ char *ls = NULL;

	ASSERT_EQ(tree_init(&t), 0);
	ASSERT_EQ(mkdirs_in_root(&t, "a/b"), 0);
	ASSERT_EQ(symlinkat("../../../../../escaped", t.rootfd, "a/b/up"), 0);
	ASSERT_EQ(mount_open_target(t.rootfd, "a/b/up/f", false, false, &fd, NULL), 0);
	want = in_root(&t, "escaped/f");
	got = fd_link(fd);
	ASSERT_STREQ(got, want);
	ASSERT_TRUE(is_reg(want));

	/* a relative link that stays below its directory resolves from there */
	ASSERT_EQ(symlinkat("../sibling", t.rootfd, "a/b/side"), 0);
	ASSERT_EQ(mount_open_target(t.rootfd, "a/b/side", true, false, &fd2, NULL), 0);
	want2 = in_root(&t, "a/sibling");
	got2 = fd_link(fd2);
	ASSERT_STREQ(got2, want2);

	ls = list_dir(t.base);
	ASSERT_STREQ(ls, "root");
}

TEST(open_target_dotdot_path_stays_in_root)
{
	_cleanup_tree_ struct tree t = TREE_INIT;
	_cleanup_close_ int fd = -EBADF, fd2 = -EBADF;
	_cleanup_free_ char *want = NULL, *got = NULL, *want2 = NULL, *got2 = NULL;
	_cleanup_free_ char *ls = NULL;

	ASSERT_EQ(tree_init(&t), 0);
	ASSERT_EQ(mount_open_target(t.rootfd, "../../x", true, false, &fd, NULL), 0);
	want = in_root(&t, "x");
	got = fd_link(fd);
	ASSERT_STREQ(got, want);

	ASSERT_EQ(mount_open_target(t.rootfd, "/a/../../../b/./c/../d", false, false, &fd2, NULL),
		  0);
	want2 = in_root(&t, "b/d");
	got2 = fd_link(fd2);
	ASSERT_STREQ(got2, want2);
	ASSERT_TRUE(is_reg(want2));

	ls = list_dir(t.base);
	ASSERT_STREQ(ls, "root");
}

TEST(open_target_dangling_abs_symlink_creates_inside)
{
	_cleanup_tree_ struct tree t = TREE_INIT;
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *want = NULL, *got = NULL, *ls = NULL;
	_cleanup_free_ char *target = NULL;

	ASSERT_EQ(tree_init(&t), 0);
	target = xasprintf("%s/nowhere/deep", t.base);
	ASSERT_EQ(symlink_in_root(&t, target, "dangling"), 0);
	/* last component: the file lands at the link's target, inside the root */
	ASSERT_EQ(mount_open_target(t.rootfd, "dangling", false, false, &fd, NULL), 0);
	want = xasprintf("%s%s", t.root, target);
	got = fd_link(fd);
	ASSERT_STREQ(got, want);
	ASSERT_TRUE(is_reg(want));
	ls = list_dir(t.base);
	ASSERT_STREQ(ls, "root");
}

TEST(open_target_no_symlinks_refuses)
{
	_cleanup_tree_ struct tree t = TREE_INIT;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *created = NULL;
	int fd = -12345;

	ASSERT_EQ(tree_init(&t), 0);
	ASSERT_EQ(mkdirs_in_root(&t, "real"), 0);
	ASSERT_EQ(symlink_in_root(&t, "real", "lnk"), 0);

	/* an intermediate component */
	ASSERT_EQ(mount_open_target(t.rootfd, "lnk/proc", true, true, &fd, &err), -ELOOP);
	ASSERT_TRUE(err != NULL);
	ASSERT_EQ(err->errnum, ELOOP);
	ASSERT_CONTAINS(err->msg, "symlink");
	ASSERT_CONTAINS(err->msg, "lnk/proc");
	ASSERT_EQ(fd, -12345);
	created = in_root(&t, "real/proc");
	ASSERT_TRUE(access(created, F_OK) < 0);
	err = berth_error_free(err);

	/* the last component */
	ASSERT_EQ(mount_open_target(t.rootfd, "/lnk", true, true, &fd, &err), -ELOOP);
	ASSERT_CONTAINS(err->msg, "symlink");
	ASSERT_EQ(fd, -12345);
	err = berth_error_free(err);

	/* the same path without symlinks opens fine */
	ASSERT_EQ(mount_open_target(t.rootfd, "real/proc", true, true, &fd, &err), 0);
	ASSERT_TRUE(fd >= 0);
	close(fd);
}

TEST(open_target_symlink_loop_is_eloop)
{
	_cleanup_tree_ struct tree t = TREE_INIT;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	int fd = -12345;

	ASSERT_EQ(tree_init(&t), 0);
	ASSERT_EQ(symlink_in_root(&t, "l2", "l1"), 0);
	ASSERT_EQ(symlink_in_root(&t, "/l1", "l2"), 0);
	ASSERT_EQ(symlink_in_root(&t, "self", "self"), 0);
	ASSERT_EQ(symlink_in_root(&t, "grow/x", "grow"), 0);

	ASSERT_EQ(mount_open_target(t.rootfd, "l1", true, false, &fd, &err), -ELOOP);
	ASSERT_EQ(err->errnum, ELOOP);
	ASSERT_EQ(fd, -12345);
	err = berth_error_free(err);
	ASSERT_EQ(mount_open_target(t.rootfd, "self/a", false, false, &fd, &err), -ELOOP);
	ASSERT_EQ(fd, -12345);
	err = berth_error_free(err);
	/* a link that grows its own path every time it is expanded */
	ASSERT_EQ(mount_open_target(t.rootfd, "grow", true, false, &fd, &err), -ELOOP);
	ASSERT_EQ(fd, -12345);
}

TEST(open_target_link_chain_limit)
{
	/* Like the kernel: 40 links in one resolution are fine, the 41st is ELOOP. */
	_cleanup_tree_ struct tree t = TREE_INIT;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *want = NULL, *got = NULL;
	int fd2 = -12345;

	ASSERT_EQ(tree_init(&t), 0);
	ASSERT_EQ(mkdirs_in_root(&t, "end"), 0);
	ASSERT_EQ(symlink_in_root(&t, "/end", "l0"), 0);
	for (int i = 1; i <= 40; i++) {
		char name[16], target[16];

		snprintf(name, sizeof(name), "l%d", i);
		snprintf(target, sizeof(target), "l%d", i - 1);
		ASSERT_EQ(symlink_in_root(&t, target, name), 0);
	}
	ASSERT_EQ(mount_open_target(t.rootfd, "l39", true, false, &fd, NULL), 0);
	want = in_root(&t, "end");
	got = fd_link(fd);
	ASSERT_STREQ(got, want);
	ASSERT_EQ(mount_open_target(t.rootfd, "l40", true, false, &fd2, &err), -ELOOP);
	ASSERT_EQ(fd2, -12345);
}

TEST(open_target_abs_symlink_deep_restarts_at_root)
{
	/* an absolute target found below the root restarts at the root, not where it is */
	_cleanup_tree_ struct tree t = TREE_INIT;
	_cleanup_close_ int fd = -EBADF, fd2 = -EBADF;
	_cleanup_free_ char *want = NULL, *got = NULL, *want2 = NULL, *got2 = NULL;
	_cleanup_free_ char *wrong = NULL;

	ASSERT_EQ(tree_init(&t), 0);
	ASSERT_EQ(mkdirs_in_root(&t, "a/b"), 0);
	ASSERT_EQ(symlinkat("/etc", t.rootfd, "a/b/abs"), 0);
	ASSERT_EQ(symlinkat("/a/../x/./y/", t.rootfd, "a/b/abs2"), 0);
	ASSERT_EQ(mount_open_target(t.rootfd, "a/b/abs/passwd", false, false, &fd, NULL), 0);
	want = in_root(&t, "etc/passwd");
	got = fd_link(fd);
	ASSERT_STREQ(got, want);
	wrong = in_root(&t, "a/b/etc");
	ASSERT_TRUE(access(wrong, F_OK) < 0);
	ASSERT_EQ(mount_open_target(t.rootfd, "/a/b/abs2/z", true, false, &fd2, NULL), 0);
	want2 = in_root(&t, "x/y/z");
	got2 = fd_link(fd2);
	ASSERT_STREQ(got2, want2);
}

TEST(open_target_file_in_the_middle)
{
	_cleanup_tree_ struct tree t = TREE_INIT;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	int fd = -12345, f;

	ASSERT_EQ(tree_init(&t), 0);
	f = openat(t.rootfd, "file", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	ASSERT_TRUE(f >= 0);
	close(f);
	ASSERT_EQ(mount_open_target(t.rootfd, "file/x", true, false, &fd, &err), -ENOTDIR);
	ASSERT_TRUE(err != NULL);
	ASSERT_EQ(err->errnum, ENOTDIR);
	ASSERT_CONTAINS(err->msg, "file/x");
	ASSERT_EQ(fd, -12345);
}

TEST(open_target_too_deep)
{
	_cleanup_tree_ struct tree t = TREE_INIT;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_free_ char *p = calloc(1, 2 * 300 + 1);
	int fd = -12345, before;

	ASSERT_TRUE(p != NULL);
	ASSERT_EQ(tree_init(&t), 0);
	for (int i = 0; i < 300; i++)
		strcat(p, "d/");
	before = count_fds();
	ASSERT_EQ(mount_open_target(t.rootfd, p, true, false, &fd, &err), -ENAMETOOLONG);
	ASSERT_EQ(fd, -12345);
	ASSERT_EQ(count_fds(), before);
}

TEST(open_target_does_not_leak_fds)
{
	_cleanup_tree_ struct tree t = TREE_INIT;
	int before, fd;

	ASSERT_EQ(tree_init(&t), 0);
	ASSERT_EQ(mkdirs_in_root(&t, "a/b/c"), 0);
	ASSERT_EQ(symlink_in_root(&t, "/a/b", "ab"), 0);
	ASSERT_EQ(symlink_in_root(&t, "loop", "loop"), 0);
	ASSERT_EQ(symlink_in_root(&t, "a", "sym"), 0);
	ASSERT_EQ(symlinkat("x", t.rootfd, "a/b/c/s"), 0);
	ASSERT_EQ(symlinkat("l", t.rootfd, "a/b/c/l"), 0);
	before = count_fds();
	for (int i = 0; i < 20; i++) {
		ASSERT_EQ(mount_open_target(t.rootfd, "a/b/c/../c/d/e", true, false, &fd, NULL), 0);
		close(fd);
		ASSERT_EQ(mount_open_target(t.rootfd, "a/b/../../ab/c/f", false, false, &fd, NULL),
			  0);
		close(fd);
		ASSERT_EQ(
		    mount_open_target(t.rootfd, "a/b/c/../../../loop", true, false, &fd, NULL),
		    -ELOOP);
		ASSERT_EQ(mount_open_target(t.rootfd, "a/b/c/l/x", true, false, &fd, NULL), -ELOOP);
		ASSERT_EQ(mount_open_target(t.rootfd, "a/b/c/s/y", true, true, &fd, NULL), -ELOOP);
		ASSERT_EQ(
		    mount_open_target(t.rootfd, "a/b/c/../../../sym/b", true, true, &fd, NULL),
		    -ELOOP);
		ASSERT_EQ(mount_open_target(t.rootfd, "a/b/c/../../../sym/b/c/x/y/z/../../../../..",
					    true, true, &fd, NULL),
			  -ELOOP);
	}
	ASSERT_EQ(count_fds(), before);
}

/* ---------------------------------------------------------------------------------------- */
/* openat_in_root */

TEST(openat_in_root_abs_symlink_stays_inside)
{
	_cleanup_tree_ struct tree t = TREE_INIT;
	_cleanup_close_ int fd = -EBADF, fd2 = -EBADF, fd3 = -EBADF;
	_cleanup_free_ char *want = NULL, *got = NULL, *got2 = NULL, *want3 = NULL, *got3 = NULL;
	_cleanup_free_ char *ls = NULL, *hostlink = NULL;
	int f;

	ASSERT_EQ(tree_init(&t), 0);
	ASSERT_EQ(mkdirs_in_root(&t, "etc"), 0);
	f = openat(t.rootfd, "etc/hostname", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	ASSERT_TRUE(f >= 0);
	close(f);
	ASSERT_EQ(symlink_in_root(&t, "/etc", "conf"), 0);
	ASSERT_EQ(symlink_in_root(&t, "../../../../etc/hostname", "up"), 0);

	fd = openat_in_root(t.rootfd, "/conf/hostname", O_RDONLY, false);
	ASSERT_TRUE(fd >= 0);
	want = in_root(&t, "etc/hostname");
	got = fd_link(fd);
	ASSERT_STREQ(got, want);
	ASSERT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);

	fd2 = openat_in_root(t.rootfd, "up", O_PATH, false);
	ASSERT_TRUE(fd2 >= 0);
	got2 = fd_link(fd2);
	ASSERT_STREQ(got2, want);

	/* a link to the host path of the tree: must resolve to <root><base>, missing here */
	hostlink = xasprintf("%s/root", t.base);
	ASSERT_EQ(symlink_in_root(&t, hostlink, "host"), 0);
	ASSERT_EQ(openat_in_root(t.rootfd, "host/etc/hostname", O_RDONLY, false), -ENOENT);

	/* creating through an absolute link creates inside */
	fd3 = openat_in_root(t.rootfd, "conf/new", O_CREAT | O_WRONLY, false);
	ASSERT_TRUE(fd3 >= 0);
	want3 = in_root(&t, "etc/new");
	got3 = fd_link(fd3);
	ASSERT_STREQ(got3, want3);

	ls = list_dir(t.base);
	ASSERT_STREQ(ls, "root");
}

TEST(openat_in_root_no_symlinks_and_root)
{
	_cleanup_tree_ struct tree t = TREE_INIT;
	_cleanup_close_ int fd = -EBADF, fd2 = -EBADF;
	_cleanup_free_ char *got = NULL, *got2 = NULL;

	ASSERT_EQ(tree_init(&t), 0);
	ASSERT_EQ(mkdirs_in_root(&t, "real"), 0);
	ASSERT_EQ(symlink_in_root(&t, "real", "lnk"), 0);
	ASSERT_EQ(openat_in_root(t.rootfd, "lnk", O_PATH, true), -ELOOP);
	ASSERT_EQ(openat_in_root(t.rootfd, "/missing", O_PATH, false), -ENOENT);

	fd = openat_in_root(t.rootfd, "///", O_PATH, false);
	ASSERT_TRUE(fd >= 0);
	got = fd_link(fd);
	ASSERT_STREQ(got, t.root);
	fd2 = openat_in_root(t.rootfd, "/../..", O_PATH | O_DIRECTORY, true);
	ASSERT_TRUE(fd2 >= 0);
	got2 = fd_link(fd2);
	ASSERT_STREQ(got2, t.root);
}

TEST_MAIN()
