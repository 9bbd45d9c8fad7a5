/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <time.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/error.h"
#include "berth/events.h"
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

/* docker's message, attributes sorted and escaped, one line per event */
TEST(event_log_line)
{
	char dir[] = "/tmp/berth-test-events.XXXXXX";
	_cleanup_free_ char *path = NULL, *text = NULL;
	const struct berth_event_attr a[] = {
	    {"name", "web"}, {"image", "busy\"box"}, {"exitCode", "3"}, {"skipped", NULL}};

	ASSERT_TRUE(mkdtemp(dir));
	path = xasprintf("%s/events", dir);
	ASSERT_EQ(berth_event_append_at(dir, 1765120000123456789LL, "container", "die", "abc", a,
					ELEMENTSOF(a), 1 << 20),
		  0);
	ASSERT_EQ(berth_event_append_at(dir, 1765120001000000000LL, "volume", "create", "v", NULL,
					0, 1 << 20),
		  0);
	ASSERT_EQ(read_full_file(path, &text, NULL), 0);
	ASSERT_STREQ(text, "{\"status\":\"die\",\"id\":\"abc\",\"from\":\"busy\\\"box\","
			   "\"Type\":\"container\",\"Action\":\"die\",\"Actor\":{\"ID\":\"abc\","
			   "\"Attributes\":{\"exitCode\":\"3\",\"image\":\"busy\\\"box\","
			   "\"name\":\"web\"}},\"scope\":\"local\",\"time\":1765120000,"
			   "\"timeNano\":1765120000123456789}\n"
			   "{\"Type\":\"volume\",\"Action\":\"create\",\"Actor\":{\"ID\":\"v\","
			   "\"Attributes\":{}},\"scope\":\"local\",\"time\":1765120001,"
			   "\"timeNano\":1765120001000000000}\n");
	ASSERT_EQ(rm_rf(dir), 0);
}

/* Past the cap the log moves to events.1 (the older one dropped); concurrent appenders
 * lose no line and tear none */
TEST(event_log_rotates)
{
	char dir[] = "/tmp/berth-test-events.XXXXXX";
	_cleanup_free_ char *cur = NULL, *old = NULL, *a = NULL, *b = NULL;
	const char line[] = "0123456789012345678901234567890123456789\n"; /* 41 bytes */
	size_t na = 0, nb = 0, lines = 0;
	int r;

	ASSERT_TRUE(mkdtemp(dir));
	cur = xasprintf("%s/events", dir);
	old = xasprintf("%s/events.1", dir);
	/* 100 bytes: the third line rotates */
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(berth_event_log_write(dir, line, sizeof(line) - 1, 100), 0);
	ASSERT_TRUE(!path_exists(cur));
	ASSERT_EQ(read_full_file(old, &a, &na), 0);
	ASSERT_EQ(na, 3 * (sizeof(line) - 1));
	ASSERT_EQ(berth_event_log_write(dir, line, sizeof(line) - 1, 100), 0);
	ASSERT_EQ(read_full_file(cur, &b, &nb), 0);
	ASSERT_EQ(nb, sizeof(line) - 1);
	free(a);
	free(b);
	a = b = NULL;
	ASSERT_EQ(rm_rf(dir), 0);
	strcpy(dir, "/tmp/berth-test-events.XXXXXX");

	/* 8 processes, 200 lines each: with a cap above it all, every line is there, whole;
	 * with one that rotates every 120 lines or so, what the files hold are whole lines */
	ASSERT_TRUE(mkdtemp(dir));
	free(cur);
	cur = xasprintf("%s/events", dir);
	for (int p = 0; p < 8; p++) {
		pid_t pid = fork();

		ASSERT_TRUE(pid >= 0);
		if (pid == 0) {
			for (int i = 0; i < 200; i++)
				if (berth_event_log_write(dir, line, sizeof(line) - 1, 1 << 20) < 0)
					_exit(1);
			_exit(0);
		}
	}
	for (int p = 0; p < 8; p++) {
		int st;

		ASSERT_TRUE(wait(&st) > 0);
		ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	ASSERT_EQ(read_full_file(cur, &a, &na), 0);
	ASSERT_EQ(na, 1600 * (sizeof(line) - 1));
	for (size_t i = 0; i < na; i += sizeof(line) - 1, lines++)
		ASSERT_TRUE(memcmp(a + i, line, sizeof(line) - 1) == 0);
	ASSERT_EQ(lines, 1600);
	free(a);
	a = NULL;
	ASSERT_EQ(rm_rf(dir), 0);
	strcpy(dir, "/tmp/berth-test-events.XXXXXX");

	ASSERT_TRUE(mkdtemp(dir));
	free(cur);
	free(old);
	cur = xasprintf("%s/events", dir);
	old = xasprintf("%s/events.1", dir);
	for (int p = 0; p < 8; p++) {
		pid_t pid = fork();

		ASSERT_TRUE(pid >= 0);
		if (pid == 0) {
			for (int i = 0; i < 200; i++)
				if (berth_event_log_write(dir, line, sizeof(line) - 1, 5000) < 0)
					_exit(1);
			_exit(0);
		}
	}
	for (int p = 0; p < 8; p++) {
		int st;

		ASSERT_TRUE(wait(&st) > 0);
		ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	/* the last append may have rotated the file away: no current file, nothing lost */
	r = read_full_file(cur, &a, &na);
	ASSERT_TRUE(r == 0 || r == -ENOENT);
	if (r == -ENOENT)
		na = 0;
	ASSERT_EQ(read_full_file(old, &b, &nb), 0);
	ASSERT_TRUE(na % (sizeof(line) - 1) == 0 && nb % (sizeof(line) - 1) == 0);
	/* a file passes the cap by at most the lines written while it was renamed */
	ASSERT_TRUE(nb > 5000 && nb <= 5000 + 16 * (sizeof(line) - 1));
	for (size_t i = 0; i < nb; i += sizeof(line) - 1)
		ASSERT_TRUE(memcmp(b + i, line, sizeof(line) - 1) == 0);
	ASSERT_EQ(rm_rf(dir), 0);
}

/* docker's --since/--until/until=: unix seconds, RFC 3339 with an offset, durations */
TEST(time_spec_parse)
{
	int64_t v = 0, now = (int64_t)time(NULL);

	ASSERT_EQ(parse_time_spec("1733400000.5", &v), 0);
	ASSERT_EQ(v, 1733400000500000000LL);
	ASSERT_EQ(parse_time_spec("2026-12-05T11:10:26.5+01:00", &v), 0);
	ASSERT_EQ(v, 1796465426500000000LL);
	ASSERT_EQ(parse_time_spec("2026-12-05T10:10:26.5Z", &v), 0);
	ASSERT_EQ(v, 1796465426500000000LL);
	ASSERT_EQ(parse_time_spec("2026-12-05", &v), 0);
	ASSERT_EQ(v, 1796428800000000000LL);
	ASSERT_EQ(parse_time_spec("10m", &v), 0);
	ASSERT_TRUE(v / 1000000000 >= now - 601 && v / 1000000000 <= now - 599);
	ASSERT_EQ(parse_time_spec("1h30m", &v), 0);
	ASSERT_TRUE(v / 1000000000 >= now - 5401 && v / 1000000000 <= now - 5399);
	ASSERT_EQ(parse_time_spec("abc", &v), -EINVAL);
	ASSERT_EQ(parse_time_spec("2026-12-05T10:10:26Zjunk", &v), -EINVAL);
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

/* the detach keys of a terminal relay: held back while they match, sent on before a
 * byte that breaks them (which may start them again), never when all were typed */
TEST(detach_keys_filter_holds_and_detaches)
{
	char out[64];
	size_t held = 0, n = 0;

	ASSERT_TRUE(!detach_keys_filter("\x10\x11", 2, &held, "ab\x10", 3, out, &n));
	ASSERT_EQ(n, 2);
	ASSERT_EQ(held, 1);
	ASSERT_TRUE(memcmp(out, "ab", 2) == 0);
	/* the held ctrl-p, then x */
	ASSERT_TRUE(!detach_keys_filter("\x10\x11", 2, &held, "x", 1, out, &n));
	ASSERT_EQ(n, 2);
	ASSERT_TRUE(memcmp(out, "\x10x", 2) == 0);
	ASSERT_EQ(held, 0);
	/* "qq-": the second q starts the keys again, then goes out before the '-' */
	ASSERT_TRUE(!detach_keys_filter("q\x1d", 2, &held, "qq-", 3, out, &n));
	ASSERT_EQ(n, 3);
	ASSERT_TRUE(memcmp(out, "qq-", 3) == 0);
	/* the whole keys: what came before them goes out, they do not */
	ASSERT_TRUE(detach_keys_filter("\x10\x11", 2, &held, "z\x10\x11rest", 7, out, &n));
	ASSERT_EQ(n, 1);
	ASSERT_EQ(out[0], 'z');
	ASSERT_TRUE(detach_keys_filter("a", 1, &held, "a", 1, out, &n));
	ASSERT_EQ(n, 0);
}
