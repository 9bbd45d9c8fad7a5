/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "berth/error.h"
#include "berth/cleanup.h"
#include "test.h"
#include "berth/util.h"

TEST(error_chain)
{
	struct berth_error *err = NULL;
	int r = berth_error_set(&err, ENOENT, "open '%s'", "/x");

	ASSERT_EQ(r, -ENOENT);
	r = berth_error_wrap(&err, "rootfs");
	ASSERT_EQ(r, -ENOENT);
	ASSERT_STREQ(err->msg, "rootfs: open '/x': No such file or directory");
	berth_error_free(err);
}

TEST(error_new_has_no_strerror)
{
	struct berth_error *err = NULL;

	ASSERT_EQ(berth_error_new(&err, EINVAL, "process.args: expected an array"), -EINVAL);
	ASSERT_STREQ(err->msg, "process.args: expected an array");
	berth_error_free(err);
}

TEST(error_null_sink)
{
	ASSERT_EQ(berth_error_set(NULL, EPERM, "x"), -EPERM);
}

/* Without a chain to take it from, wrap keeps the errno of the failure under it: a
 * callee that could not fill the chain (err NULL, or a hole) used to come out as EIO. */
TEST(error_wrap_without_chain_keeps_errno)
{
	struct berth_error *err = NULL;

	ASSERT_EQ(berth_error_set(NULL, ENOENT, "open '%s'", "/x"), -ENOENT);
	ASSERT_EQ(berth_error_wrap(NULL, "rootfs"), -ENOENT);
	ASSERT_EQ(berth_error_new(NULL, ENOMEM, "x"), -ENOMEM);
	ASSERT_EQ(berth_error_wrap(&err, "rootfs '%s'", "/r"), -ENOMEM);
	ASSERT_TRUE(err != NULL);
	ASSERT_EQ(err->errnum, ENOMEM);
	ASSERT_STREQ(err->msg, "rootfs '/r': Cannot allocate memory");
	berth_error_free(err);
}

TEST(parse_size_units)
{
	int64_t v;

	ASSERT_EQ(parse_size("512", &v), 0);
	ASSERT_EQ(v, 512);
	ASSERT_EQ(parse_size("64m", &v), 0);
	ASSERT_EQ(v, 64LL << 20);
	ASSERT_EQ(parse_size("1G", &v), 0);
	ASSERT_EQ(v, 1LL << 30);
	ASSERT_EQ(parse_size("1.5k", &v), 0);
	ASSERT_EQ(v, 1536);
	ASSERT_EQ(parse_size("12q", &v), -EINVAL);
	ASSERT_EQ(parse_size("-1", &v), -EINVAL);
	ASSERT_EQ(parse_size("", &v), -EINVAL);
}

TEST(parse_numbers)
{
	uint64_t u;
	int64_t i;

	ASSERT_EQ(parse_u64("42", &u), 0);
	ASSERT_U64_EQ(u, 42);
	ASSERT_EQ(parse_u64("-1", &u), -EINVAL);
	ASSERT_EQ(parse_u64("4x", &u), -EINVAL);
	ASSERT_EQ(parse_i64("-7", &i), 0);
	ASSERT_EQ(i, -7);
}

TEST(strv_ops)
{
	_cleanup_strv_free_ char **l = NULL;

	ASSERT_EQ(strv_extend(&l, "a"), 0);
	ASSERT_EQ(strv_extend(&l, "b"), 0);
	ASSERT_EQ(strv_length(l), 2);
	ASSERT_TRUE(strv_contains(l, "b"));
	ASSERT_TRUE(!strv_contains(l, "c"));
}

TEST(files_roundtrip)
{
	char dir[] = "/tmp/berth-unit-XXXXXX";
	_cleanup_free_ char *p = NULL, *sub = NULL, *s = NULL;

	ASSERT_TRUE(mkdtemp(dir));
	p = xasprintf("%s/f", dir);
	ASSERT_EQ(write_file_atomic(p, "hello\n", 6, 0644), 0);
	ASSERT_EQ(read_one_line_at(-100, p, &s), 0);
	ASSERT_STREQ(s, "hello");
	sub = xasprintf("%s/a/b/c", dir);
	ASSERT_EQ(mkdir_p(sub, 0755), 0);
	ASSERT_TRUE(path_exists(sub));
	ASSERT_EQ(rm_rf(dir), 0);
	ASSERT_TRUE(!path_exists(dir));
}

TEST(path_under)
{
	_cleanup_free_ char *rel = path_under("/b", "rootfs"), *abs = path_under("/b", "/r"),
			    *nobase = path_under(NULL, "x");

	ASSERT_STREQ(rel, "/b/rootfs");
	ASSERT_STREQ(abs, "/r");
	ASSERT_STREQ(nobase, "x");
}

TEST_MAIN()

/* docker's --health-* durations are Go's: each number with its unit, summed */
TEST(go_duration_parse)
{
	int64_t v = -1;

	ASSERT_EQ(parse_go_duration("1s", &v), 0);
	ASSERT_EQ(v, 1000000000LL);
	ASSERT_EQ(parse_go_duration("500ms", &v), 0);
	ASSERT_EQ(v, 500000000LL);
	ASSERT_EQ(parse_go_duration("1m30s", &v), 0);
	ASSERT_EQ(v, 90000000000LL);
	ASSERT_EQ(parse_go_duration("1.5h", &v), 0);
	ASSERT_EQ(v, 5400000000000LL);
	ASSERT_EQ(parse_go_duration(".5s", &v), 0);
	ASSERT_EQ(v, 500000000LL);
	ASSERT_EQ(parse_go_duration("2us", &v), 0);
	ASSERT_EQ(v, 2000LL);
	ASSERT_EQ(parse_go_duration("0", &v), 0);
	ASSERT_EQ(v, 0);
	ASSERT_EQ(parse_go_duration("-1s", &v), 0);
	ASSERT_EQ(v, -1000000000LL);
	ASSERT_EQ(parse_go_duration("abc", &v), -EINVAL);
	ASSERT_EQ(parse_go_duration("10", &v), -EINVAL);
	ASSERT_EQ(parse_go_duration("", &v), -EINVAL);
	ASSERT_EQ(parse_go_duration("1x", &v), -EINVAL);
	ASSERT_EQ(parse_go_duration(".s", &v), -EINVAL);
	ASSERT_EQ(parse_go_duration("3000000h", &v), -ERANGE);
}

TEST(go_duration_format)
{
	char b[GO_DURATION_MAX];

	format_go_duration(1000000000LL, b);
	ASSERT_STREQ(b, "1s");
	format_go_duration(500000000LL, b);
	ASSERT_STREQ(b, "500ms");
	format_go_duration(1500000LL, b);
	ASSERT_STREQ(b, "1.5ms");
	format_go_duration(90000000000LL, b);
	ASSERT_STREQ(b, "1m30s");
	format_go_duration(3600000000000LL, b);
	ASSERT_STREQ(b, "1h0m0s");
	format_go_duration(1500000000LL, b);
	ASSERT_STREQ(b, "1.5s");
	format_go_duration(0, b);
	ASSERT_STREQ(b, "0s");
}
