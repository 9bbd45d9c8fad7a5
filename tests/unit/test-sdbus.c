/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The D-Bus client of the systemd cgroup driver (lib/runtime/sdbus.c) against a fake
 * manager in a child process on a socket of the test's own: the EXTERNAL handshake, the
 * wire format of a method call (header fields, an a(sv) body with nested arrays), method
 * returns, error replies mapped to errno, and the JobRemoved signal, also when it comes
 * before the reply that names its job. The real systemd is driven in the guest suite
 * (tests/integration/test-systemd.sh).
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "berth/error.h"
#include "berth/cleanup.h"
#include "runtime/sdbus.h"
#include "test.h"
#include "berth/util.h"

DEFINE_FREEP(struct berth_error, berth_error_free)

/* ---- the fake manager (child process) ---- */

static int rd(int fd, void *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = read(fd, (char *)buf + got, n - got);

		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

/* One message: *member (static buffer) and its serial; the body in body/body_len. */
static int fake_read(int fd, char *member, uint32_t *serial, uint8_t *body, uint32_t *body_len)
{
	uint8_t h[16], fields[4096];
	uint32_t blen, flen;
	size_t padded;

	if (rd(fd, h, 16) < 0)
		return -1;
	memcpy(&blen, h + 4, 4);
	memcpy(serial, h + 8, 4);
	memcpy(&flen, h + 12, 4);
	padded = (flen + 7) / 8 * 8;
	if (padded > sizeof(fields) || blen > 4096 || rd(fd, fields, padded) < 0 ||
	    rd(fd, body, blen) < 0)
		return -1;
	*body_len = blen;
	/* MEMBER: code 3, signature "s", then the string (aligned to 4) */
	for (size_t i = 0; i + 8 < flen; i += 8) {
		if (fields[i] == 3 && fields[i + 2] == 's') {
			uint32_t n;

			memcpy(&n, fields + i + 4, 4);
			memcpy(member, fields + i + 8, n);
			member[n] = 0;
			return 0;
		}
		/* skip this field: code, signature, value; fields start 8-aligned */
		{
			uint32_t n = 0;

			memcpy(&n, fields + i + 4, 4);
			i += (4 + 4 + n + 1 + 7) / 8 * 8 - 8;
		}
	}
	member[0] = 0;
	return 0;
}

/* Reply (type 2, return; 3, error; 4, signal) with header fields and a prepared body. */
static void fake_send(int fd, uint8_t type, uint32_t serial, uint32_t reply_to, const char *err,
		      const char *sig, const struct sdbus_buf *body)
{
	struct sdbus_buf m = {};
	size_t a;

	sdbus_put_u8(&m, 'l');
	sdbus_put_u8(&m, type);
	sdbus_put_u8(&m, 1);
	sdbus_put_u8(&m, 1);
	sdbus_put_u32(&m, body ? (uint32_t)body->len : 0);
	sdbus_put_u32(&m, serial);
	a = sdbus_array_begin(&m, 8);
	if (reply_to) {
		sdbus_struct_begin(&m);
		sdbus_put_u8(&m, 5);
		sdbus_put_sig(&m, "u");
		sdbus_put_u32(&m, reply_to);
	}
	if (err) {
		sdbus_struct_begin(&m);
		sdbus_put_u8(&m, 4);
		sdbus_put_sig(&m, "s");
		sdbus_put_str(&m, err);
	}
	if (type == 4) {
		sdbus_struct_begin(&m);
		sdbus_put_u8(&m, 3);
		sdbus_put_sig(&m, "s");
		sdbus_put_str(&m, "JobRemoved");
	}
	if (sig) {
		sdbus_struct_begin(&m);
		sdbus_put_u8(&m, 8);
		sdbus_put_sig(&m, "g");
		sdbus_put_sig(&m, sig);
	}
	sdbus_array_end(&m, a);
	while (m.len % 8)
		sdbus_put_u8(&m, 0);
	if (write(fd, m.data, m.len) != (ssize_t)m.len ||
	    (body && write(fd, body->data, body->len) != (ssize_t)body->len))
		_exit(3);
	sdbus_buf_release(&m);
}

static void job_removed(int fd, uint32_t serial, const char *job, const char *result)
{
	struct sdbus_buf b = {};

	sdbus_put_u32(&b, 7);
	sdbus_put_str(&b, job);
	sdbus_put_str(&b, "x.scope");
	sdbus_put_str(&b, result);
	fake_send(fd, 4, serial, 0, NULL, "uoss", &b);
	sdbus_buf_release(&b);
}

/* Checks the StartTransientUnit body: name, mode, properties Delegate=true, PIDs=[42].
 * Exits 10+ on a mismatch. */
static void check_start_body(const uint8_t *body, uint32_t len)
{
	struct sdbus_reader r = {.data = body, .len = len};
	const char *s;
	uint32_t n, v;

	if (sdbus_read_str(&r, &s) < 0 || strcmp(s, "x.scope") != 0)
		_exit(10);
	if (sdbus_read_str(&r, &s) < 0 || strcmp(s, "fail") != 0)
		_exit(11);
	if (sdbus_read_u32(&r, &n) < 0 || n == 0)
		_exit(12);
	/* first property: ("Delegate", <b true>) at the next 8-aligned offset */
	r.pos = (r.pos + 7) / 8 * 8;
	if (sdbus_read_str(&r, &s) < 0 || strcmp(s, "Delegate") != 0)
		_exit(13);
	if (r.data[r.pos] != 1 || r.data[r.pos + 1] != 'b')
		_exit(14);
	r.pos += 3;
	if (sdbus_read_u32(&r, &v) < 0 || v != 1)
		_exit(15);
	/* second: ("PIDs", <au [42]>) */
	r.pos = (r.pos + 7) / 8 * 8;
	if (sdbus_read_str(&r, &s) < 0 || strcmp(s, "PIDs") != 0)
		_exit(16);
	if (r.data[r.pos] != 2 || memcmp(r.data + r.pos + 1, "au", 3) != 0)
		_exit(17);
	r.pos += 4;
	if (sdbus_read_u32(&r, &n) < 0 || n != 4 || sdbus_read_u32(&r, &v) < 0 || v != 42)
		_exit(18);
}

static void fake_manager(int lfd)
{
	char line[256], member[256];
	uint8_t body[4096];
	uint32_t serial, blen, out = 100;
	size_t n = 0;
	int fd = accept(lfd, NULL, NULL);

	if (fd < 0)
		_exit(2);
	/* "\0AUTH EXTERNAL <hex uid>\r\n" */
	while (n < sizeof(line) - 1 && rd(fd, line + n, 1) == 0 && line[n] != '\n')
		n++;
	line[n] = 0;
	if (line[0] != 0 || strncmp(line + 1, "AUTH EXTERNAL ", 14) != 0)
		_exit(4);
	if (write(fd, "OK 0123456789abcdef0123456789abcdef\r\n", 37) != 37)
		_exit(3);
	if (rd(fd, line, 7) < 0 || memcmp(line, "BEGIN\r\n", 7) != 0)
		_exit(5);
	while (fake_read(fd, member, &serial, body, &blen) == 0) {
		if (!strcmp(member, "Subscribe")) {
			fake_send(fd, 2, out++, serial, NULL, NULL, NULL);
		} else if (!strcmp(member, "StartTransientUnit")) {
			struct sdbus_buf b = {};

			check_start_body(body, blen);
			/* an unrelated job's signal, then ours, both before the reply */
			job_removed(fd, out++, "/org/freedesktop/systemd1/job/6", "canceled");
			job_removed(fd, out++, "/org/freedesktop/systemd1/job/7", "done");
			sdbus_put_str(&b, "/org/freedesktop/systemd1/job/7");
			fake_send(fd, 2, out++, serial, NULL, "o", &b);
			sdbus_buf_release(&b);
		} else {
			struct sdbus_buf b = {};

			sdbus_put_str(&b, "Unit x.scope not loaded.");
			fake_send(fd, 3, out++, serial, "org.freedesktop.systemd1.NoSuchUnit", "s",
				  &b);
			sdbus_buf_release(&b);
		}
	}
	_exit(0);
}

TEST(sdbus_talks_to_a_fake_manager)
{
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	_cleanup_(sdbus_closep) struct sdbus *bus = NULL;
	_cleanup_free_ char *result = NULL, *path = NULL;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct sdbus_buf b = {};
	struct sdbus_reader rep;
	const char *job;
	size_t props, pids, aux;
	int lfd, status;
	pid_t pid;

	path = xasprintf("/tmp/berth-test-sdbus.%d", (int)getpid());
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_TRUE(lfd >= 0);
	unlink(path);
	ASSERT_EQ(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ASSERT_EQ(listen(lfd, 1), 0);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0)
		fake_manager(lfd);
	close(lfd);
	sdbus_socket_path = path;

	ASSERT_EQ(sdbus_open(&bus, &err), 0);
	ASSERT_EQ(sdbus_call(bus, "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
			     "Subscribe", NULL, NULL, 5000, NULL, &err),
		  0);
	sdbus_put_str(&b, "x.scope");
	sdbus_put_str(&b, "fail");
	props = sdbus_array_begin(&b, 8);
	sdbus_prop_begin(&b, "Delegate", "b");
	sdbus_put_bool(&b, true);
	sdbus_prop_begin(&b, "PIDs", "au");
	pids = sdbus_array_begin(&b, 4);
	sdbus_put_u32(&b, 42);
	sdbus_array_end(&b, pids);
	sdbus_array_end(&b, props);
	aux = sdbus_array_begin(&b, 8);
	sdbus_array_end(&b, aux);
	ASSERT_TRUE(!sdbus_buf_failed(&b));
	ASSERT_EQ(sdbus_call(bus, "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
			     "StartTransientUnit", "ssa(sv)a(sa(sv))", &b, 5000, &rep, &err),
		  0);
	sdbus_buf_release(&b);
	ASSERT_EQ(sdbus_read_str(&rep, &job), 0);
	ASSERT_STREQ(job, "/org/freedesktop/systemd1/job/7");
	/* the signal came before the reply: it was kept */
	ASSERT_EQ(sdbus_wait_job(bus, "/org/freedesktop/systemd1/job/7", 5000, &result, &err), 0);
	ASSERT_STREQ(result, "done");
	/* an error reply: errno from its name, the name and text in the message */
	sdbus_put_str(&b, "x.scope");
	sdbus_put_str(&b, "replace");
	ASSERT_EQ(sdbus_call(bus, "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
			     "StopUnit", "ss", &b, 5000, NULL, &err),
		  -ENOENT);
	sdbus_buf_release(&b);
	ASSERT_CONTAINS(berth_error_message(err), "org.freedesktop.systemd1.NoSuchUnit");
	ASSERT_CONTAINS(berth_error_message(err), "Unit x.scope not loaded.");
	bus = sdbus_close(bus);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	unlink(path);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		TEST_FAIL_("fake manager: status %d (10-18: the StartTransientUnit body)", status);
}

TEST(sdbus_open_names_the_socket)
{
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	struct sdbus *bus = NULL;

	sdbus_socket_path = "/nonexistent/berth/private";
	ASSERT_EQ(sdbus_open(&bus, &err), -ENOENT);
	ASSERT_CONTAINS(berth_error_message(err),
			"connect to systemd at '/nonexistent/berth/private'");
	ASSERT_TRUE(bus == NULL);
}

TEST_MAIN()
