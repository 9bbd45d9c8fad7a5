/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A tiny unit-test harness. Each test file defines tests with TEST(name) { ... } and
 * ends with TEST_MAIN(). Output is TAP ("ok 1 - name" / "not ok 2 - name") and a last
 * line "# N passed, N failed" that tests/run adds up. A failed ASSERT ends that test only.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(int *failed);
};

#define TEST_MAX 512
extern struct test_case test_cases[TEST_MAX];
extern int test_count;

#define TEST(tname)                                                                 \
	static void test_##tname(int *test_failed_);                                \
	__attribute__((constructor)) static void test_register_##tname(void)        \
	{                                                                           \
		if (test_count < TEST_MAX)                                          \
			test_cases[test_count++] = (struct test_case){ #tname,      \
								     test_##tname }; \
	}                                                                           \
	static void test_##tname(int *test_failed_)

#define TEST_FAIL_(...)                                                             \
	do {                                                                        \
		fprintf(stdout, "#   %s:%d: ", __FILE__, __LINE__);                    \
		fprintf(stdout, __VA_ARGS__);                                       \
		fputc('\n', stdout);                                                \
		*test_failed_ = 1;                                                  \
		return;                                                             \
	} while (0)

#define ASSERT_TRUE(e)                                                              \
	do {                                                                        \
		if (!(e))                                                           \
			TEST_FAIL_("expected true: %s", #e);                        \
	} while (0)

#define ASSERT_EQ(a, b)                                                             \
	do {                                                                        \
		long long a_ = (long long)(a), b_ = (long long)(b);                 \
		if (a_ != b_)                                                       \
			TEST_FAIL_("%s == %s: %lld != %lld", #a, #b, a_, b_);       \
	} while (0)

#define ASSERT_U64_EQ(a, b)                                                         \
	do {                                                                        \
		unsigned long long a_ = (unsigned long long)(a),                    \
				   b_ = (unsigned long long)(b);                    \
		if (a_ != b_)                                                       \
			TEST_FAIL_("%s == %s: %llu != %llu", #a, #b, a_, b_);       \
	} while (0)

#define ASSERT_STREQ(a, b)                                                          \
	do {                                                                        \
		const char *a_ = (a), *b_ = (b);                                    \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                              \
			TEST_FAIL_("%s == %s: \"%s\" != \"%s\"", #a, #b,            \
				   a_ ? a_ : "(null)", b_ ? b_ : "(null)");         \
	} while (0)

/* Substring check, for error messages. */
#define ASSERT_CONTAINS(hay, needle)                                                \
	do {                                                                        \
		const char *h_ = (hay), *n_ = (needle);                             \
		if (!h_ || !strstr(h_, n_))                                         \
			TEST_FAIL_("\"%s\" does not contain \"%s\"",                \
				   h_ ? h_ : "(null)", n_);                         \
	} while (0)

#define TEST_MAIN()                                                                 \
	struct test_case test_cases[TEST_MAX];                                      \
	int test_count;                                                             \
	int main(int argc, char **argv)                                             \
	{                                                                           \
		int passed = 0, failed = 0;                                         \
		printf("1..%d\n", test_count);                                      \
		for (int i = 0; i < test_count; i++) {                              \
			int f = 0;                                                  \
			if (argc > 1 && !strstr(test_cases[i].name, argv[1]))       \
				continue;                                           \
			test_cases[i].fn(&f);                                       \
			printf("%s %d - %s\n", f ? "not ok" : "ok", i + 1,          \
			       test_cases[i].name);                                 \
			fflush(stdout);                                             \
			if (f)                                                      \
				failed++;                                           \
			else                                                        \
				passed++;                                           \
		}                                                                   \
		printf("# %d passed, %d failed\n", passed, failed);                 \
		return failed ? 1 : 0;                                              \
	}
