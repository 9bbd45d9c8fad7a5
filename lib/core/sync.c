/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "berth/cleanup.h"
#include "berth/sync.h"
#include "berth/util.h"

static const char *const sync_names[_SYNC_MAX] = {
	[SYNC_GO] = "go",
	[SYNC_USERMAP_REQ] = "usermap-request",
	[SYNC_USERMAP_ACK] = "usermap-ack",
	[SYNC_PID] = "pid",
	[SYNC_PTY] = "pty",
	[SYNC_READY] = "ready",
	[SYNC_START] = "start",
	[SYNC_ERROR] = "error",
	[SYNC_INFO] = "info",
	[SYNC_HOOKS] = "hooks",
	[SYNC_HOOKS_DONE] = "hooks-done",
};

const char *sync_type_name(enum sync_type t)
{
	if ((int)t <= 0 || t >= _SYNC_MAX)
		return "unknown";
	return sync_names[t];
}


int sync_send(int sock, enum sync_type type, int32_t value, int fd)
{
	struct sync_msg m = { .type = type, .value = value };

	return send_with_fd(sock, &m, offsetof(struct sync_msg, text) + 1, fd);
}

int sync_send_error(int sock, int errnum, const struct berth_error *err)
{
	struct sync_msg m = { .type = SYNC_ERROR };

	m.value = err ? err->errnum : (errnum < 0 ? -errnum : errnum);
	m.kind = err ? err->kind : 0;
	snprintf(m.text, sizeof(m.text), "%s", err ? berth_error_message(err) : strerror(m.value));
	return send_with_fd(sock, &m, offsetof(struct sync_msg, text) + strlen(m.text) + 1, -1);
}

int sync_recv(int sock, struct sync_msg *ret, int *ret_fd)
{
	struct iovec iov = { .iov_base = ret, .iov_len = sizeof(*ret) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	ssize_t n;

	if (ret_fd)
		*ret_fd = -EBADF;
	memset(ret, 0, offsetof(struct sync_msg, text) + 1);
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	/* ECONNRESET: the peer closed (exec'd) with unread data of ours: as good as EOF */
	if (n < 0)
		return errno == ECONNRESET ? -EPIPE : -errno;
	if (n == 0)
		return -EPIPE;
	if ((size_t)n < offsetof(struct sync_msg, text))
		return -EBADMSG;
	ret->text[sizeof(ret->text) - 1] = 0;
	if ((size_t)n < sizeof(*ret))
		ret->text[(size_t)n - offsetof(struct sync_msg, text)] = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int fd;

			memcpy(&fd, CMSG_DATA(c), sizeof(int));
			if (ret_fd)
				*ret_fd = fd;
			else
				close(fd);
		}
	}
	return 0;
}

int sync_error_to(const struct sync_msg *m, struct berth_error **err)
{
	int r = berth_error_new(err, m->value ? m->value : EIO, "%s", m->text);

	if (err && *err)
		(*err)->kind = m->kind;
	return r;
}

int sync_expect(int sock, enum sync_type type, struct sync_msg *ret, struct berth_error **err)
{
	int r = sync_recv(sock, ret, NULL);

	if (r == -EPIPE)
		return berth_error_new(err, EPIPE, "container init exited while waiting for '%s'",
				       sync_type_name(type));
	if (r < 0)
		return berth_error_set(err, -r, "receive '%s' from container init",
				       sync_type_name(type));
	if (ret->type == SYNC_ERROR)
		return sync_error_to(ret, err);
	if (ret->type != type)
		return berth_error_new(err, EPROTO, "expected '%s' from container init, got '%s'",
				       sync_type_name(type), sync_type_name(ret->type));
	return 0;
}
