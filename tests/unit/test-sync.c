/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parent/child sync protocol over a SOCK_SEQPACKET socketpair, both ends in this
 * process: every message type, fd passing, SYNC_ERROR carrying errno, kind and text, and
 * what sync_expect() makes of EOF, errors and unexpected types.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "berth/error.h"
#include "berth/cleanup.h"
#include "berth/sync.h"
#include "test.h"
#include "berth/util.h"

DEFINE_FREEP(struct berth_error, berth_error_free)

struct pair {
	int fd[2];
};

static void pair_release(struct pair *p)
{
	for (int i = 0; i < 2; i++)
		if (p->fd[i] >= 0)
			close(p->fd[i]);
}

#define _cleanup_pair_ _cleanup_(pair_release)
#define PAIR_INIT                                                                                  \
	{                                                                                          \
		{                                                                                  \
			-EBADF, -EBADF                                                             \
		}                                                                                  \
	}

static int pair_open(struct pair *p)
{
	return socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p->fd) < 0 ? -errno : 0;
}

TEST(every_type_roundtrips)
{
	_cleanup_pair_ struct pair p = PAIR_INIT;

	ASSERT_EQ(pair_open(&p), 0);
	for (int t = SYNC_GO; t < _SYNC_MAX; t++) {
		struct sync_msg m;
		int fd = 12345;
		int32_t v = t == SYNC_PID ? 987654 : -t;

		memset(&m, 0xaa, sizeof(m));
		ASSERT_EQ(sync_send(p.fd[0], (enum sync_type)t, v, -1), 0);
		ASSERT_EQ(sync_recv(p.fd[1], &m, &fd), 0);
		ASSERT_EQ(m.type, t);
		ASSERT_EQ(m.value, v);
		ASSERT_EQ(m.kind, 0);
		ASSERT_STREQ(m.text, "");
		ASSERT_EQ(fd, -EBADF);
	}
	/* and the other way round: one record per message, in order */
	ASSERT_EQ(sync_send(p.fd[1], SYNC_USERMAP_REQ, 0, -1), 0);
	ASSERT_EQ(sync_send(p.fd[1], SYNC_READY, 7, -1), 0);
	{
		struct sync_msg m;

		ASSERT_EQ(sync_recv(p.fd[0], &m, NULL), 0);
		ASSERT_EQ(m.type, SYNC_USERMAP_REQ);
		ASSERT_EQ(sync_recv(p.fd[0], &m, NULL), 0);
		ASSERT_EQ(m.type, SYNC_READY);
		ASSERT_EQ(m.value, 7);
	}
}

TEST(type_names)
{
	const char *seen[_SYNC_MAX] = {0};

	ASSERT_STREQ(sync_type_name(0), "unknown");
	ASSERT_STREQ(sync_type_name(_SYNC_MAX), "unknown");
	ASSERT_STREQ(sync_type_name((enum sync_type)1000), "unknown");
	ASSERT_STREQ(sync_type_name((enum sync_type) - 1), "unknown");
	ASSERT_STREQ(sync_type_name(SYNC_GO), "go");
	ASSERT_STREQ(sync_type_name(SYNC_ERROR), "error");
	for (int t = SYNC_GO; t < _SYNC_MAX; t++) {
		const char *n = sync_type_name((enum sync_type)t);

		ASSERT_TRUE(n != NULL);
		ASSERT_TRUE(!streq(n, "unknown"));
		for (int u = SYNC_GO; u < t; u++)
			ASSERT_TRUE(!streq(seen[u], n));
		seen[t] = n;
	}
}

TEST(fd_passing)
{
	_cleanup_pair_ struct pair p = PAIR_INIT;
	_cleanup_close_ int rd = -EBADF, wr = -EBADF, got = -EBADF;
	int pfd[2];
	struct sync_msg m;
	char buf[8] = {0};

	ASSERT_EQ(pair_open(&p), 0);
	ASSERT_EQ(pipe2(pfd, O_CLOEXEC), 0);
	rd = pfd[0];
	wr = pfd[1];
	ASSERT_EQ(sync_send(p.fd[0], SYNC_PTY, 0, wr), 0);
	close(TAKE_FD(wr));
	ASSERT_EQ(sync_recv(p.fd[1], &m, &got), 0);
	ASSERT_EQ(m.type, SYNC_PTY);
	ASSERT_TRUE(got >= 0);
	/* received close-on-exec: it must not leak into the container */
	ASSERT_TRUE(fcntl(got, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(write(got, "pty", 3), 3);
	ASSERT_EQ(read(rd, buf, sizeof(buf)), 3);
	ASSERT_STREQ(buf, "pty");
	/* the received fd is the only write end left */
	close(TAKE_FD(got));
	ASSERT_EQ(read(rd, buf, sizeof(buf)), 0);
}

TEST(fd_passed_but_not_wanted_is_closed)
{
	_cleanup_pair_ struct pair p = PAIR_INIT;
	_cleanup_close_ int rd = -EBADF;
	int pfd[2];
	struct sync_msg m;
	char c;

	ASSERT_EQ(pair_open(&p), 0);
	ASSERT_EQ(pipe2(pfd, O_CLOEXEC), 0);
	rd = pfd[0];
	ASSERT_EQ(sync_send(p.fd[0], SYNC_PTY, 0, pfd[1]), 0);
	close(pfd[1]);
	ASSERT_EQ(sync_recv(p.fd[1], &m, NULL), 0);
	ASSERT_EQ(m.type, SYNC_PTY);
	/* no copy of the write end survived: EOF */
	ASSERT_EQ(read(rd, &c, 1), 0);
}

TEST(error_carries_errno_kind_and_text)
{
	_cleanup_pair_ struct pair p = PAIR_INIT;
	_cleanup_(berth_error_freep) struct berth_error *sent = NULL, *got = NULL;
	struct sync_msg m;

	ASSERT_EQ(pair_open(&p), 0);
	berth_error_new(&sent, ENOENT, "exec: \"nope\": executable file not found in $PATH");
	sent->kind = BERTH_ERROR_EXEC_NOT_FOUND;
	ASSERT_EQ(berth_error_wrap(&sent, "rootfs '%s'", "/x"), -ENOENT);
	/* err wins over the errnum argument */
	ASSERT_EQ(sync_send_error(p.fd[0], EPERM, sent), 0);
	ASSERT_EQ(sync_expect(p.fd[1], SYNC_READY, &m, &got), -ENOENT);
	ASSERT_EQ(m.type, SYNC_ERROR);
	ASSERT_TRUE(got != NULL);
	ASSERT_EQ(got->errnum, ENOENT);
	ASSERT_EQ(got->kind, BERTH_ERROR_EXEC_NOT_FOUND);
	ASSERT_STREQ(got->msg, sent->msg);
	ASSERT_STREQ(got->msg, "rootfs '/x': exec: \"nope\": executable file not found in $PATH");

	/* the kind survives wrapping on the receiving side too */
	ASSERT_EQ(berth_error_wrap(&got, "create '%s'", "c"), -ENOENT);
	ASSERT_EQ(got->kind, BERTH_ERROR_EXEC_NOT_FOUND);
	got = berth_error_free(got);

	berth_error_set(&sent, EACCES, "exec '%s'", "/bin/x");
	sent->kind = BERTH_ERROR_EXEC_DENIED;
	ASSERT_EQ(sync_send_error(p.fd[0], 0, sent), 0);
	ASSERT_EQ(sync_recv(p.fd[1], &m, NULL), 0);
	ASSERT_EQ(m.type, SYNC_ERROR);
	ASSERT_EQ(m.value, EACCES);
	ASSERT_EQ(m.kind, BERTH_ERROR_EXEC_DENIED);
	ASSERT_STREQ(m.text, "exec '/bin/x': Permission denied");
	ASSERT_EQ(sync_error_to(&m, &got), -EACCES);
	ASSERT_EQ(got->errnum, EACCES);
	ASSERT_EQ(got->kind, BERTH_ERROR_EXEC_DENIED);
	ASSERT_STREQ(got->msg, "exec '/bin/x': Permission denied");
	ASSERT_EQ(sync_error_to(&m, NULL), -EACCES);
}

TEST(error_without_err)
{
	_cleanup_pair_ struct pair p = PAIR_INIT;
	_cleanup_(berth_error_freep) struct berth_error *got = NULL;
	struct sync_msg m;

	ASSERT_EQ(pair_open(&p), 0);
	/* negative and positive errnos alike */
	ASSERT_EQ(sync_send_error(p.fd[0], -EPERM, NULL), 0);
	ASSERT_EQ(sync_send_error(p.fd[0], EBUSY, NULL), 0);
	ASSERT_EQ(sync_expect(p.fd[1], SYNC_GO, &m, &got), -EPERM);
	ASSERT_EQ(got->errnum, EPERM);
	ASSERT_EQ(got->kind, BERTH_ERROR_GENERIC);
	ASSERT_STREQ(got->msg, strerror(EPERM));
	ASSERT_EQ(sync_expect(p.fd[1], SYNC_GO, &m, &got), -EBUSY);
	ASSERT_STREQ(got->msg, strerror(EBUSY));
}

TEST(error_errno_zero_becomes_eio)
{
	struct sync_msg m = {.type = SYNC_ERROR, .value = 0};
	_cleanup_(berth_error_freep) struct berth_error *got = NULL;

	snprintf(m.text, sizeof(m.text), "something");
	ASSERT_EQ(sync_error_to(&m, &got), -EIO);
	ASSERT_EQ(got->errnum, EIO);
	ASSERT_STREQ(got->msg, "something");
}

TEST(error_long_text_is_truncated)
{
	_cleanup_pair_ struct pair p = PAIR_INIT;
	_cleanup_(berth_error_freep) struct berth_error *sent = NULL, *got = NULL;
	_cleanup_free_ char *big = malloc(SYNC_TEXT_MAX * 2);
	struct sync_msg m;

	ASSERT_TRUE(big != NULL);
	ASSERT_EQ(pair_open(&p), 0);
	memset(big, 'x', SYNC_TEXT_MAX * 2 - 1);
	big[SYNC_TEXT_MAX * 2 - 1] = 0;
	berth_error_new(&sent, E2BIG, "%s", big);
	ASSERT_EQ(sync_send_error(p.fd[0], 0, sent), 0);
	ASSERT_EQ(sync_expect(p.fd[1], SYNC_READY, &m, &got), -E2BIG);
	ASSERT_EQ(strlen(got->msg), SYNC_TEXT_MAX - 1);
	ASSERT_EQ(strspn(got->msg, "x"), SYNC_TEXT_MAX - 1);
}

TEST(expect_ok_and_wrong_type)
{
	_cleanup_pair_ struct pair p = PAIR_INIT;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	struct sync_msg m;

	ASSERT_EQ(pair_open(&p), 0);
	ASSERT_EQ(sync_send(p.fd[0], SYNC_PID, 4321, -1), 0);
	ASSERT_EQ(sync_expect(p.fd[1], SYNC_PID, &m, &err), 0);
	ASSERT_TRUE(err == NULL);
	ASSERT_EQ(m.value, 4321);

	ASSERT_EQ(sync_send(p.fd[0], SYNC_READY, 0, -1), 0);
	ASSERT_EQ(sync_expect(p.fd[1], SYNC_USERMAP_REQ, &m, &err), -EPROTO);
	ASSERT_EQ(err->errnum, EPROTO);
	ASSERT_CONTAINS(err->msg, "usermap-request");
	ASSERT_CONTAINS(err->msg, "ready");
}

TEST(expect_eof_says_exited)
{
	_cleanup_pair_ struct pair p = PAIR_INIT;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	struct sync_msg m;

	ASSERT_EQ(pair_open(&p), 0);
	close(TAKE_FD(p.fd[0]));
	ASSERT_EQ(sync_recv(p.fd[1], &m, NULL), -EPIPE);
	ASSERT_EQ(sync_expect(p.fd[1], SYNC_READY, &m, &err), -EPIPE);
	ASSERT_EQ(err->errnum, EPIPE);
	ASSERT_CONTAINS(err->msg, "exited");
	ASSERT_CONTAINS(err->msg, "ready");
}

TEST(peer_closed_with_unread_data_is_eof)
{
	/* the child execs (closing its end) while our message is still queued for it */
	_cleanup_pair_ struct pair p = PAIR_INIT;
	struct sync_msg m;

	ASSERT_EQ(pair_open(&p), 0);
	ASSERT_EQ(sync_send(p.fd[0], SYNC_START, 0, -1), 0);
	close(TAKE_FD(p.fd[1]));
	ASSERT_EQ(sync_recv(p.fd[0], &m, NULL), -EPIPE);
	/* and sending to a closed peer fails without SIGPIPE */
	ASSERT_EQ(sync_send(p.fd[0], SYNC_GO, 0, -1), -EPIPE);
}

TEST(short_record_is_ebadmsg)
{
	_cleanup_pair_ struct pair p = PAIR_INIT;
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	struct sync_msg m;
	uint32_t t = SYNC_GO;

	ASSERT_EQ(pair_open(&p), 0);
	ASSERT_EQ(send(p.fd[0], &t, sizeof(t), 0), (ssize_t)sizeof(t));
	ASSERT_EQ(sync_recv(p.fd[1], &m, NULL), -EBADMSG);
	ASSERT_EQ(send(p.fd[0], &t, sizeof(t), 0), (ssize_t)sizeof(t));
	ASSERT_EQ(sync_expect(p.fd[1], SYNC_GO, &m, &err), -EBADMSG);
	ASSERT_CONTAINS(err->msg, "go");
}

TEST(unterminated_text_is_terminated)
{
	/* a peer that sends SYNC_ERROR with a text that fills the record, no NUL */
	_cleanup_pair_ struct pair p = PAIR_INIT;
	_cleanup_free_ struct sync_msg *out = malloc(sizeof(*out));
	struct sync_msg in;

	ASSERT_TRUE(out != NULL);
	ASSERT_EQ(pair_open(&p), 0);
	memset(out, 'y', sizeof(*out));
	out->type = SYNC_ERROR;
	out->value = EINVAL;
	out->kind = 0;
	ASSERT_EQ(send(p.fd[0], out, sizeof(*out), 0), (ssize_t)sizeof(*out));
	ASSERT_EQ(sync_recv(p.fd[1], &in, NULL), 0);
	ASSERT_EQ(strlen(in.text), SYNC_TEXT_MAX - 1);

	/* and a short text without NUL ends where the record ends */
	memset(&in, 'z', sizeof(in));
	ASSERT_EQ(send(p.fd[0], out, offsetof(struct sync_msg, text) + 5, 0),
		  (ssize_t)offsetof(struct sync_msg, text) + 5);
	ASSERT_EQ(sync_recv(p.fd[1], &in, NULL), 0);
	ASSERT_STREQ(in.text, "yyyyy");
}

TEST_MAIN()
