/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* --change instructions (lib/image/change.c) and the tar writer (lib/image/tarwrite.c). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "berth/error.h"
#include "berth/cleanup.h"
#include "image/config.h"
#include "berth/tarwrite.h"
#include "test.h"
#include "berth/util.h"

static char *apply(const char *base, const char *change, int *ret)
{
	json_t *root = json_loads(base, 0, NULL);
	struct berth_error *err = NULL;
	char *s;

	*ret = image_config_apply_change(root, change, &err);
	s = *ret < 0 ? strdup(berth_error_message(err))
		     : json_dumps(json_object_get(root, "config"), JSON_COMPACT | JSON_SORT_KEYS);
	berth_error_free(err);
	json_decref(root);
	return s;
}

TEST(change_cmd_json_and_shell_forms)
{
	int r;
	_cleanup_free_ char *a = apply("{}", "CMD [\"echo\", \"hi\"]", &r);
	_cleanup_free_ char *b = apply("{\"config\":{\"Cmd\":[\"sh\"]}}", "cmd echo $HOME", &r);
	_cleanup_free_ char *c = apply("{}", "ENTRYPOINT [\"/bin/app\"]", &r);

	ASSERT_STREQ(a, "{\"Cmd\":[\"echo\",\"hi\"]}");
	ASSERT_STREQ(b, "{\"Cmd\":[\"/bin/sh\",\"-c\",\"echo $HOME\"]}");
	ASSERT_STREQ(c, "{\"Entrypoint\":[\"/bin/app\"]}");
}

TEST(change_env_replaces_and_appends)
{
	int r;
	_cleanup_free_ char *a =
	    apply("{\"config\":{\"Env\":[\"PATH=/bin\",\"A=1\"]}}", "ENV A=2 B=\"two words\"", &r);
	_cleanup_free_ char *b = apply("{}", "ENV OLD style value", &r);

	ASSERT_EQ(r, 0);
	ASSERT_STREQ(a, "{\"Env\":[\"PATH=/bin\",\"A=2\",\"B=two words\"]}");
	ASSERT_STREQ(b, "{\"Env\":[\"OLD=style value\"]}");
}

TEST(change_labels_ports_volumes_workdir_user)
{
	int r;
	_cleanup_free_ char *a = apply("{}", "LABEL a=1 b=2", &r);
	_cleanup_free_ char *b = apply("{}", "EXPOSE 80 53/udp", &r);
	_cleanup_free_ char *c = apply("{}", "VOLUME [\"/data\"]", &r);
	_cleanup_free_ char *d = apply("{}", "WORKDIR /srv", &r);
	_cleanup_free_ char *e = apply("{}", "USER 1000:1000", &r);

	ASSERT_STREQ(a, "{\"Labels\":{\"a\":\"1\",\"b\":\"2\"}}");
	ASSERT_STREQ(b, "{\"ExposedPorts\":{\"53/udp\":{},\"80/tcp\":{}}}");
	ASSERT_STREQ(c, "{\"Volumes\":{\"/data\":{}}}");
	ASSERT_STREQ(d, "{\"WorkingDir\":\"/srv\"}");
	ASSERT_STREQ(e, "{\"User\":\"1000:1000\"}");
}

TEST(change_errors_name_the_instruction)
{
	int r;
	_cleanup_free_ char *a = apply("{}", "RUN rm -rf /", &r);
	_cleanup_free_ char *b = apply("{}", "EXPOSE 99999", &r);
	_cleanup_free_ char *c = apply("{}", "CMD", &r);
	_cleanup_free_ char *d = apply("{}", "LABEL =x", &r);

	ASSERT_EQ(r, -EINVAL);
	ASSERT_CONTAINS(a, "unknown instruction 'RUN'");
	ASSERT_CONTAINS(b, "EXPOSE '99999'");
	ASSERT_CONTAINS(c, "CMD needs an argument");
	ASSERT_CONTAINS(d, "expected KEY=VALUE");
}

TEST(change_healthcheck_as_dockerfile)
{
	int r;
	_cleanup_free_ char *a =
	    apply("{}", "HEALTHCHECK --interval=1s --retries=2 CMD echo ok", &r);
	_cleanup_free_ char *b = apply(
	    "{}", "healthcheck --timeout=1m30s --start-period=500ms CMD [\"/bin/true\", \"x\"]",
	    &r);
	_cleanup_free_ char *c = apply("{\"config\":{\"Healthcheck\":{\"Test\":[\"CMD\",\"x\"]}}}",
				       "HEALTHCHECK NONE", &r);
	_cleanup_free_ char *d =
	    apply("{}", "HEALTHCHECK --interval=0 --start-interval=2s CMD true", &r);

	ASSERT_EQ(r, 0);
	ASSERT_STREQ(a, "{\"Healthcheck\":{\"Interval\":1000000000,\"Retries\":2,"
			"\"Test\":[\"CMD-SHELL\",\"echo ok\"]}}");
	ASSERT_STREQ(b, "{\"Healthcheck\":{\"StartPeriod\":500000000,\"Test\":[\"CMD\","
			"\"/bin/true\",\"x\"],\"Timeout\":90000000000}}");
	ASSERT_STREQ(c, "{\"Healthcheck\":{\"Test\":[\"NONE\"]}}");
	ASSERT_STREQ(d, "{\"Healthcheck\":{\"StartInterval\":2000000000,\"Test\":[\"CMD-SHELL\","
			"\"true\"]}}");
}

TEST(change_healthcheck_errors_are_dockers)
{
	int r;
	_cleanup_free_ char *a = apply("{}", "HEALTHCHECK NONE x", &r);
	_cleanup_free_ char *b = apply("{}", "HEALTHCHECK CMD", &r);
	_cleanup_free_ char *c = apply("{}", "HEALTHCHECK RUN x", &r);
	_cleanup_free_ char *d = apply("{}", "HEALTHCHECK --interval=1us CMD x", &r);
	_cleanup_free_ char *e = apply("{}", "HEALTHCHECK --retries=-1 CMD x", &r);
	_cleanup_free_ char *f = apply("{}", "HEALTHCHECK --bogus=1 CMD x", &r);
	_cleanup_free_ char *g = apply("{}", "HEALTHCHECK --timeout CMD x", &r);
	_cleanup_free_ char *h = apply("{}", "HEALTHCHECK --interval=soon CMD x", &r);
	_cleanup_free_ char *i = apply("{}", "HEALTHCHECK CMD []", &r);

	ASSERT_EQ(r, -EINVAL);
	ASSERT_CONTAINS(a, "HEALTHCHECK NONE takes no arguments");
	ASSERT_CONTAINS(b, "Missing command after HEALTHCHECK CMD");
	ASSERT_CONTAINS(c, "Unknown type \"RUN\" in HEALTHCHECK (try CMD)");
	ASSERT_CONTAINS(d, "Interval \"interval\" cannot be less than 1ms");
	ASSERT_CONTAINS(e, "--retries cannot be negative (-1)");
	ASSERT_CONTAINS(f, "Unknown flag: bogus");
	ASSERT_CONTAINS(g, "Missing a value on flag: timeout");
	ASSERT_CONTAINS(h, "invalid duration \"soon\"");
	ASSERT_CONTAINS(i, "Missing command after HEALTHCHECK CMD");
}

/* The names and types in a tar, "name:type" joined by spaces. */
static char *tar_listing(int fd)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *out = strdup("");

	archive_read_support_format_tar(a);
	lseek(fd, 0, SEEK_SET);
	archive_read_open_fd(a, fd, 4096);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		char *n;
		const char *t = archive_entry_hardlink(e) ? "link"
				: archive_entry_filetype(e) == AE_IFDIR ? "dir"
				: archive_entry_filetype(e) == AE_IFLNK ? "sym"
									 : "file";

		n = xasprintf("%s%s%s:%s", out, *out ? " " : "", archive_entry_pathname(e), t);
		free(out);
		out = n;
	}
	archive_read_free(a);
	return out;
}

static int write_tree(const char *dir, unsigned flags, char ***skip)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int out = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	struct archive *a = tar_writer_new(&out);

	if (dfd < 0 || out < 0 || !a)
		return -1;
	if (tar_write_tree_skipping(a, dfd, NULL, flags, skip ? *skip : NULL, NULL) < 0 ||
	    tar_writer_close(a, NULL) < 0)
		return -1;
	return out;
}

TEST(tar_upper_converts_overlay_markers_and_is_sorted)
{
	char tmpl[] = "/tmp/berth-tarw-XXXXXX";
	char *dir = mkdtemp(tmpl);
	_cleanup_free_ char *p = NULL, *list = NULL, *list2 = NULL;
	_cleanup_strv_free_ char **skip = NULL;
	int fd, fd2;

	ASSERT_TRUE(dir != NULL);
	p = xasprintf("%s/b", dir);
	ASSERT_EQ(mkdir(p, 0755), 0);
	free(p);
	p = xasprintf("%s/b/file", dir);
	ASSERT_EQ(write_file_atomic(p, "x", 1, 0644), 0);
	free(p);
	p = xasprintf("%s/b/hard", dir);
	{
		_cleanup_free_ char *f = xasprintf("%s/b/file", dir);
		ASSERT_EQ(link(f, p), 0);
	}
	free(p);
	p = xasprintf("%s/a-sym", dir);
	ASSERT_EQ(symlink("/b/file", p), 0);
	free(p);
	p = xasprintf("%s/empty", dir);
	ASSERT_EQ(write_file_atomic(p, "", 0, 0644), 0);
	free(p);
	if (geteuid() == 0) {
		p = xasprintf("%s/gone", dir);
		ASSERT_EQ(mknod(p, S_IFCHR, makedev(0, 0)), 0);
		free(p);
		p = xasprintf("%s/b", dir);
		ASSERT_EQ(setxattr(p, "trusted.overlay.opaque", "y", 1, 0), 0);
		free(p);
		p = NULL;
	}
	ASSERT_EQ(strv_extend(&skip, "empty"), 0);
	fd = write_tree(dir, TAR_OVERLAY_UPPER, &skip);
	fd2 = write_tree(dir, TAR_OVERLAY_UPPER, &skip);
	ASSERT_TRUE(fd >= 0 && fd2 >= 0);
	list = tar_listing(fd);
	list2 = tar_listing(fd2);
	if (geteuid() == 0)
		ASSERT_STREQ(list, "a-sym:sym b/:dir b/.wh..wh..opq:file b/file:file b/hard:link "
				   ".wh.gone:file");
	else
		ASSERT_STREQ(list, "a-sym:sym b/:dir b/file:file b/hard:link");
	ASSERT_STREQ(list, list2);
	{
		struct stat a, b;

		ASSERT_EQ(fstat(fd, &a), 0);
		ASSERT_EQ(fstat(fd2, &b), 0);
		ASSERT_EQ(a.st_size, b.st_size);
	}
	close(fd);
	close(fd2);
	ASSERT_EQ(rm_rf(dir), 0);
}

TEST_MAIN()
