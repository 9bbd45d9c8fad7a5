/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "berth/net.h"

/* The calling thread into the network namespace of pid; *ret_self is ours, for
 * leave(). */
static int enter(pid_t pid, int *ret_self, struct berth_error **err)
{
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int target = -EBADF;
	char path[64];

	if (self < 0)
		return berth_error_set(err, errno, "open our network namespace");
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0)
		return berth_error_set(err, errno, "open '%s'", path);
	if (setns(target, CLONE_NEWNET) < 0)
		return berth_error_set(err, errno, "enter the container's network namespace");
	*ret_self = TAKE_FD(self);
	return 0;
}

/* Back to our namespace (r: the result so far, kept when it is an error). */
static int leave(int self, int r, struct berth_error **err)
{
	if (setns(self, CLONE_NEWNET) < 0 && r >= 0)
		r = berth_error_set(err, errno, "return to our network namespace");
	close(self);
	return r;
}

int net_loopback_up(pid_t pid, struct berth_error **err)
{
	_cleanup_close_ int sock = -EBADF;
	struct ifreq ifr = { 0 };
	int self, r = 0;

	r = enter(pid, &self, err);
	if (r < 0)
		return r;
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	strcpy(ifr.ifr_name, "lo");
	if (sock < 0)
		r = berth_error_set(err, errno, "socket");
	else if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		r = berth_error_set(err, errno, "get flags of 'lo'");
	else {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
			r = berth_error_set(err, errno, "bring 'lo' up");
	}
	/* the socket belongs to the container's namespace: close it before leaving */
	close(TAKE_FD(sock));
	return leave(self, r, err);
}

int net_udp_socket_in(pid_t pid, const char *addr, uint16_t port, int *ret_fd,
		      struct berth_error **err)
{
	_cleanup_close_ int sock = -EBADF;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int self, r = 0;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return berth_error_new(err, EINVAL, "invalid address '%s'", addr);
	r = enter(pid, &self, err);
	if (r < 0)
		return r;
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0)
		r = berth_error_set(err, errno, "socket");
	else if (bind(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		r = berth_error_set(err, errno, "bind %s:%u", addr, port);
	/* the socket stays in the container's namespace wherever we are */
	r = leave(self, r, err);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(sock);
	return 0;
}
