/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * criu's RPC over `criu swrk` (see criu-rpc.h): the protobuf wire format, criu's answer,
 * and the conversation with the worker.
 *
 * Why RPC rather than criu's command line: only the RPC hands out the master of a pty that
 * criu restores itself (orphan_pts_master), which a container whose shell has /dev/tty
 * open needs, and only the RPC tells us, while criu works, when the restored namespaces
 * exist (the "setup-namespaces" notification, where runc runs the prestart and
 * createRuntime hooks) and the restored init's pid without a pid file.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "criu-rpc.h"
#include "berth/util.h"

/* ---------------------------------------------------------------------------------------- */
/* Writing */

static void put(struct pb *p, const void *data, size_t n)
{
	if (p->err)
		return;
	if (p->len + n > p->cap) {
		size_t cap = p->cap ? p->cap : 256;
		uint8_t *b;

		while (cap < p->len + n)
			cap *= 2;
		b = realloc(p->buf, cap);
		if (!b) {
			p->err = -ENOMEM;
			return;
		}
		p->buf = b;
		p->cap = cap;
	}
	memcpy(p->buf + p->len, data, n);
	p->len += n;
}

static void put_varint(struct pb *p, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;

	do {
		b[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			b[n] |= 0x80;
		n++;
	} while (v);
	put(p, b, n);
}

static void put_key(struct pb *p, uint32_t field, uint8_t wire)
{
	put_varint(p, ((uint64_t)field << 3) | wire);
}

void pb_uint(struct pb *p, uint32_t field, uint64_t v)
{
	put_key(p, field, 0);
	put_varint(p, v);
}

void pb_int32(struct pb *p, uint32_t field, int32_t v)
{
	/* protobuf's int32: negative values sign-extended to 64 bits */
	pb_uint(p, field, (uint64_t)(int64_t)v);
}

void pb_bool(struct pb *p, uint32_t field, bool v)
{
	pb_uint(p, field, v ? 1 : 0);
}

static void put_bytes(struct pb *p, uint32_t field, const void *data, size_t n)
{
	put_key(p, field, 2);
	put_varint(p, n);
	put(p, data, n);
}

void pb_string(struct pb *p, uint32_t field, const char *s)
{
	if (!s) {
		if (!p->err)
			p->err = -EINVAL;
		return;
	}
	put_bytes(p, field, s, strlen(s));
}

void pb_message(struct pb *p, uint32_t field, const struct pb *m)
{
	if (m->err) {
		if (!p->err)
			p->err = m->err;
		return;
	}
	put_bytes(p, field, m->buf, m->len);
}

void pb_clear(struct pb *p)
{
	free(p->buf);
	*p = (struct pb){ 0 };
}

/* ---------------------------------------------------------------------------------------- */
/* Reading */

static int get_varint(const uint8_t **pos, const uint8_t *end, uint64_t *ret)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 70; shift += 7) {
		uint8_t b;

		if (*pos >= end)
			return -EBADMSG;
		b = *(*pos)++;
		if (shift == 63 && (b & 0x7e))
			return -EBADMSG; /* more than 64 bits */
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*ret = v;
			return 0;
		}
	}
	return -EBADMSG;
}

int pb_next(const uint8_t **pos, const uint8_t *end, struct pb_field *f)
{
	uint64_t key, v = 0;

	if (*pos >= end)
		return 0;
	if (get_varint(pos, end, &key) < 0 || (key >> 3) == 0 || (key >> 3) > UINT32_MAX)
		return -EBADMSG;
	*f = (struct pb_field){ .num = (uint32_t)(key >> 3), .wire = (uint8_t)(key & 7) };
	switch (f->wire) {
	case 0:
		return get_varint(pos, end, &f->value) < 0 ? -EBADMSG : 1;
	case 1:
	case 5: {
		size_t n = f->wire == 1 ? 8 : 4;

		if ((size_t)(end - *pos) < n)
			return -EBADMSG;
		for (size_t i = 0; i < n; i++)
			v |= (uint64_t)(*pos)[i] << (8 * i);
		*pos += n;
		f->value = v;
		return 1;
	}
	case 2:
		if (get_varint(pos, end, &v) < 0 || v > (uint64_t)(end - *pos))
			return -EBADMSG;
		f->data = *pos;
		f->len = (size_t)v;
		*pos += v;
		return 1;
	default:
		return -EBADMSG; /* groups (3, 4) are not used by criu; 6, 7 do not exist */
	}
}

static int take_string(const struct pb_field *f, char **ret)
{
	char *s;

	if (f->wire != 2)
		return -EBADMSG;
	/* not strndup: the bytes are not NUL-terminated, and may hold a NUL */
	s = malloc(f->len + 1);
	if (!s)
		return -ENOMEM;
	memcpy(s, f->data, f->len);
	s[f->len] = 0;
	free(*ret);
	*ret = s;
	return 0;
}

/* Each varint field num of the message in f, into vals[num] (num < n). */
static int sub_varints(const struct pb_field *f, uint64_t *vals, bool *seen, size_t n,
		       char **str1)
{
	const uint8_t *pos = f->data, *end = f->data + f->len;
	struct pb_field g;
	int r;

	if (f->wire != 2)
		return -EBADMSG;
	while ((r = pb_next(&pos, end, &g)) > 0) {
		if (str1 && g.num == 1 && g.wire == 2) {
			r = take_string(&g, str1);
			if (r < 0)
				return r;
		} else if (g.wire == 0 && g.num < n) {
			vals[g.num] = g.value;
			seen[g.num] = true;
		}
	}
	return r;
}

int criu_resp_parse(const void *buf, size_t len, struct criu_resp *ret)
{
	const uint8_t *pos = buf, *end = pos + len;
	struct pb_field f;
	int r;

	while ((r = pb_next(&pos, end, &f)) > 0) {
		uint64_t v[4] = { 0 };
		bool seen[4] = { false };

		switch (f.num) {
		case 1: /* type */
			ret->type = (int)f.value;
			break;
		case 2: /* success */
			ret->success = f.value != 0;
			break;
		case 4: /* restore: pid 1 */
			r = sub_varints(&f, v, seen, 4, NULL);
			ret->restore_pid = (pid_t)(int32_t)v[1];
			break;
		case 5: /* notify: script 1, pid 2 */
			r = sub_varints(&f, v, seen, 4, &ret->notify_script);
			ret->notify_pid = (pid_t)(int32_t)v[2];
			break;
		case 7: /* cr_errno */
			ret->cr_errno = (int)(int32_t)f.value;
			break;
		case 8: /* features: mem_track 1, lazy_pages 2 */
			r = sub_varints(&f, v, seen, 4, NULL);
			ret->has_features = true;
			ret->mem_track = v[CRIU_FEATURE_MEM_TRACK] != 0;
			ret->lazy_pages = v[CRIU_FEATURE_LAZY_PAGES] != 0;
			break;
		case 9: /* cr_errmsg */
			r = take_string(&f, &ret->errmsg);
			break;
		case 10: /* version: major 1, minor 2 */
			r = sub_varints(&f, v, seen, 4, NULL);
			ret->version_major = (int)v[1];
			ret->version_minor = (int)v[2];
			break;
		default:
			break; /* dump (restored), ps, status: not used */
		}
		if (r < 0)
			return r;
	}
	return r;
}

void criu_resp_clear(struct criu_resp *r)
{
	free(r->errmsg);
	free(r->notify_script);
	*r = (struct criu_resp){ 0 };
}

/* ---------------------------------------------------------------------------------------- */
/* The worker */

/* In the child: criu's environment, then exec. sk becomes 3 (-1: none), out 1 and 2, the
 * passed descriptors 4, 5, ...; stdin is /dev/null. Never returns. */
static _Noreturn void exec_criu(const struct criu_call *c, int sk, int out, char *const argv[])
{
	int tmp[16], s = -1, o, in;
	sigset_t none;

	/* run and restore block the signals they forward: criu must get its own (and the
	 * restored tasks have theirs from the images) */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (c->cg && cgroup_enter(c->cg, getpid(), NULL) < 0) {
		dprintf(out, "cannot enter the container's cgroup\n");
		_exit(125);
	}
	/* out of the way of 0..3 and the targets first: any of them may be a source */
	o = fcntl(out, F_DUPFD_CLOEXEC, 20);
	if (o < 0 || (sk >= 0 && (s = fcntl(sk, F_DUPFD_CLOEXEC, 20)) < 0))
		_exit(125);
	for (size_t k = 0; k < c->n_pass; k++) {
		tmp[k] = fcntl(c->pass_fds[k], F_DUPFD_CLOEXEC, 20);
		if (tmp[k] < 0) {
			dprintf(o, "descriptor %d (to be restored from) is not open\n",
				c->pass_fds[k]);
			_exit(125);
		}
	}
	for (size_t k = 0; k < c->n_pass; k++)
		if (dup2(tmp[k], CRIU_PASS_FD0 + (int)k) < 0)
			_exit(125);
	in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (in < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(o, 2) < 0 ||
	    (s >= 0 && dup2(s, 3) < 0))
		_exit(125);
	execvp(argv[0], argv);
	/* to the output the parent reads (o, criu's 1 and 2), named as such */
	dprintf(o, "cannot run '%s': %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int spawn(const struct criu_call *c, int sk, char *const argv[], pid_t *ret_pid,
		 int *ret_out)
{
	_cleanup_close_ int out = memfd_create("criu-output", MFD_CLOEXEC);
	pid_t pid;

	if (c->n_pass > 16)
		return -EINVAL;
	if (out < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		exec_criu(c, sk, out, argv);
	*ret_pid = pid;
	*ret_out = TAKE_FD(out);
	return 0;
}

/* Wait for criu; its output as a string into *ret_output (if asked for). The exit status,
 * 128 + signal when killed. */
static int reap(pid_t pid, int out, char **ret_output)
{
	int status = 0;
	char *text = NULL;
	size_t n;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (ret_output) {
		if (lseek(out, 0, SEEK_SET) == 0 && read_full_fd(out, &text, &n) >= 0)
			*ret_output = text;
		else
			*ret_output = NULL;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

const char *criu_last_line(char *s)
{
	char *end, *start;

	if (!s || !*s)
		return "no output";
	end = s + strlen(s);
	while (end > s && (end[-1] == '\n' || end[-1] == ' '))
		*--end = 0;
	start = strrchr(s, '\n');
	return start ? start + 1 : s;
}

int criu_check(const struct criu_call *c, char **ret_output)
{
	char *argv[] = { (char *)(c->binary ? c->binary : "criu"), (char *)"check", NULL };
	_cleanup_close_ int out = -EBADF;
	pid_t pid;
	int r = spawn(c, -1, argv, &pid, &out);

	if (r < 0)
		return r;
	return reap(pid, out, ret_output);
}

/* One packet: its bytes (malloc'd) and the descriptor that came with it (-1: none).
 * 0 at EOF (criu went away), 1 with a packet, -errno. */
static int recv_packet(int sk, uint8_t **ret_buf, size_t *ret_len, int *ret_fd)
{
	char control[CMSG_SPACE(sizeof(int))];
	_cleanup_free_ uint8_t *buf = NULL;
	struct iovec iov;
	struct msghdr mh;
	ssize_t n;
	int fd = -1;

	do
		n = recv(sk, NULL, 0, MSG_PEEK | MSG_TRUNC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (!buf)
		return -ENOMEM;
	iov = (struct iovec){ .iov_base = buf, .iov_len = n > 0 ? (size_t)n : 1 };
	mh = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
			      .msg_controllen = sizeof(control) };
	do
		n = recvmsg(sk, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(int))) {
			if (fd >= 0)
				close(fd);
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
		}
	if (n == 0) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	*ret_buf = TAKE_PTR(buf);
	*ret_len = (size_t)n;
	*ret_fd = fd;
	return 1;
}

static int send_packet(int sk, const struct pb *m)
{
	ssize_t n;

	if (m->err)
		return m->err;
	do
		n = send(sk, m->buf, m->len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : 0;
}

static int acknowledge(int sk, bool success)
{
	struct pb ack = { 0 };
	int r;

	pb_uint(&ack, CRIU_REQ_F_TYPE, CRIU_REQ_NOTIFY);
	pb_bool(&ack, CRIU_REQ_F_NOTIFY_SUCCESS, success);
	r = send_packet(sk, &ack);
	pb_clear(&ack);
	return r;
}

/* The conversation, after the request went out: answers until the final one (0), or
 * until criu hangs up without one (1), or -errno. */
static int converse(const struct criu_call *c, int sk, struct criu_resp *ret,
		    struct berth_error **err)
{
	struct berth_error *first = NULL;
	int first_r = 0;

	for (;;) {
		_cleanup_free_ uint8_t *buf = NULL;
		struct criu_resp resp = { 0 };
		size_t len = 0;
		int fd = -1, r;
		bool ok;

		r = recv_packet(sk, &buf, &len, &fd);
		if (r <= 0) {
			if (first_r < 0)
				break;
			criu_resp_clear(ret);
			berth_error_free(first);
			return r == 0 ? 1 : berth_error_set(err, -r, "read criu's answer");
		}
		r = criu_resp_parse(buf, len, &resp);
		if (r < 0) {
			if (fd >= 0)
				close(fd);
			criu_resp_clear(&resp);
			berth_error_free(first);
			return berth_error_new(err, EPROTO, "criu's answer is not a criu_resp "
					       "message (%zu bytes)", len);
		}
		if (resp.type != CRIU_REQ_NOTIFY) {
			criu_resp_clear(ret);
			*ret = resp;
			if (fd >= 0)
				close(fd);
			break;
		}
		ok = true;
		if (c->notify) {
			struct berth_error *e = NULL;

			r = c->notify(c->userdata, resp.notify_script ? resp.notify_script : "",
				      resp.notify_pid, fd, &e);
			ok = r >= 0;
			if (!ok && first_r == 0) {
				first_r = r;
				first = e;
			} else {
				berth_error_free(e);
			}
		} else if (fd >= 0) {
			close(fd);
		}
		criu_resp_clear(&resp);
		/* a failed handler makes criu abort; its final answer still comes */
		r = acknowledge(sk, ok);
		if (r < 0 && first_r == 0) {
			berth_error_free(first);
			return berth_error_set(err, -r, "answer criu's notification");
		}
	}
	if (first_r < 0) {
		if (err)
			*err = first;
		else
			berth_error_free(first);
		return first_r;
	}
	return 0;
}

int criu_swrk(const struct criu_call *c, const struct pb *req, struct criu_resp *ret,
	      char **ret_output, struct berth_error **err)
{
	char *argv[] = { (char *)(c->binary ? c->binary : "criu"), (char *)"swrk", (char *)"3",
			 NULL };
	_cleanup_close_ int out = -EBADF;
	_cleanup_free_ char *output = NULL;
	int sv[2], r, status;
	pid_t pid;

	if (req->err)
		return req->err;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return berth_error_set(err, errno, "criu's socket");
	r = spawn(c, sv[1], argv, &pid, &out);
	close(sv[1]);
	if (r < 0) {
		close(sv[0]);
		return berth_error_set(err, -r, "start criu");
	}
	r = send_packet(sv[0], req);
	if (r < 0)
		(void)berth_error_set(err, -r, "send criu its request");
	else
		r = converse(c, sv[0], ret, err);
	close(sv[0]);
	status = reap(pid, out, &output);
	if (r == 1) {
		bool said = output && output[strspn(output, "\n ")];
		const char *o = criu_last_line(output);

		if (status == 127)
			r = berth_error_new(err, ENOENT, "%s", said ? o : "criu is not installed");
		else
			r = berth_error_new(err, EPROTO, "criu (%s) ended (status %d) without an "
					    "answer%s%s", argv[0], status, said ? ": " : "",
					    said ? o : "");
	}
	if (ret_output)
		*ret_output = TAKE_PTR(output);
	return r;
}
