/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "netlink.h"

/* a request: header, family part, attributes */
struct req {
	char buf[1024];
	struct nlmsghdr *h;
};

static void req_init(struct req *r, uint16_t type, uint16_t flags, const void *fam, size_t fam_len)
{
	memset(r->buf, 0, sizeof(r->buf));
	r->h = (struct nlmsghdr *)r->buf;
	r->h->nlmsg_type = type;
	r->h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	r->h->nlmsg_len = NLMSG_LENGTH(fam_len);
	memcpy(NLMSG_DATA(r->h), fam, fam_len);
}

static struct rtattr *attr(struct req *r, uint16_t type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)(r->buf + NLMSG_ALIGN(r->h->nlmsg_len));
	size_t total = NLMSG_ALIGN(r->h->nlmsg_len) + RTA_ALIGN(RTA_LENGTH(len));

	if (total > sizeof(r->buf))
		return NULL;
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	r->h->nlmsg_len = (uint32_t)total;
	return a;
}

static struct rtattr *nest(struct req *r, uint16_t type)
{
	return attr(r, type, NULL, 0);
}

static void nest_end(struct req *r, struct rtattr *a)
{
	a->rta_len = (unsigned short)(r->buf + r->h->nlmsg_len - (char *)a);
}

static int attr_str(struct req *r, uint16_t type, const char *s)
{
	return attr(r, type, s, strlen(s) + 1) ? 0 : -E2BIG;
}

/* Send and read the ACK (or, with ret_reply, the first answer). */
static int talk(struct nl *nl, struct req *r, char *reply, size_t reply_len)
{
	char buf[8192];
	ssize_t n;

	r->h->nlmsg_seq = ++nl->seq;
	if (send(nl->fd, r->buf, r->h->nlmsg_len, 0) < 0)
		return -errno;
	for (;;) {
		n = recv(nl->fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != nl->seq)
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);

				return e->error;
			}
			if (reply) {
				memcpy(reply, h, h->nlmsg_len < reply_len ? h->nlmsg_len : reply_len);
				/* the ACK follows the answer: read it off */
				reply = NULL;
				continue;
			}
		}
	}
}

int nl_open(struct nl *nl, int netns_fd, struct berth_error **err)
{
	_cleanup_close_ int self = -EBADF;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, saved;

	if (netns_fd >= 0) {
		self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
		if (self < 0)
			return berth_error_set(err, errno, "open our network namespace");
		if (setns(netns_fd, CLONE_NEWNET) < 0)
			return berth_error_set(err, errno, "enter the container's network namespace");
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	saved = errno;
	if (netns_fd >= 0 && setns(self, CLONE_NEWNET) < 0) {
		/* stuck in the container's namespace: nothing here may go on */
		if (fd >= 0)
			close(fd);
		return berth_error_set(err, errno, "return to our network namespace");
	}
	if (fd < 0)
		return berth_error_set(err, saved, "netlink socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		saved = errno;
		close(fd);
		return berth_error_set(err, saved, "bind netlink socket");
	}
	nl->fd = fd;
	nl->seq = 0;
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

int nl_link_index(struct nl *nl, const char *name, int *ret)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	char reply[4096];
	struct req r;
	int k;

	req_init(&r, RTM_GETLINK, 0, &ifi, sizeof(ifi));
	if (attr_str(&r, IFLA_IFNAME, name) < 0)
		return -E2BIG;
	memset(reply, 0, sizeof(reply));
	k = talk(nl, &r, reply, sizeof(reply));
	if (k < 0)
		return k == -ENODEV ? -ENODEV : k;
	if (((struct nlmsghdr *)reply)->nlmsg_type != RTM_NEWLINK)
		return -ENODEV;
	*ret = ((struct ifinfomsg *)NLMSG_DATA((struct nlmsghdr *)reply))->ifi_index;
	return 0;
}

int nl_bridge_add(struct nl *nl, const char *name, struct berth_error **err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct rtattr *li;
	struct req r;
	int k;

	req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	if (attr_str(&r, IFLA_IFNAME, name) < 0 || !(li = nest(&r, IFLA_LINKINFO)) ||
	    attr_str(&r, IFLA_INFO_KIND, "bridge") < 0)
		return berth_error_new(err, E2BIG, "bridge '%s': request too long", name);
	nest_end(&r, li);
	k = talk(nl, &r, NULL, 0);
	if (k < 0 && k != -EEXIST)
		return berth_error_set(err, -k, "create bridge '%s'", name);
	return k;
}

int nl_veth_add(struct nl *nl, const char *name, const char *peer, const uint8_t *peer_mac,
		int peer_netns_fd, struct berth_error **err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC }, pifi = { .ifi_family = AF_UNSPEC };
	struct rtattr *li, *data, *pe;
	uint32_t nsfd = (uint32_t)peer_netns_fd;
	struct req r;
	int k;

	req_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	if (attr_str(&r, IFLA_IFNAME, name) < 0 || !(li = nest(&r, IFLA_LINKINFO)) ||
	    attr_str(&r, IFLA_INFO_KIND, "veth") < 0 || !(data = nest(&r, IFLA_INFO_DATA)) ||
	    !(pe = attr(&r, VETH_INFO_PEER, &pifi, sizeof(pifi))) ||
	    attr_str(&r, IFLA_IFNAME, peer) < 0 || !attr(&r, IFLA_NET_NS_FD, &nsfd, sizeof(nsfd)) ||
	    (peer_mac && !attr(&r, IFLA_ADDRESS, peer_mac, 6)))
		return berth_error_new(err, E2BIG, "veth '%s': request too long", name);
	nest_end(&r, pe);
	nest_end(&r, data);
	nest_end(&r, li);
	k = talk(nl, &r, NULL, 0);
	if (k < 0)
		return berth_error_set(err, -k, "create veth pair '%s'", name);
	return 0;
}

int nl_link_set(struct nl *nl, int index, const char *new_name, int master_index, bool up,
		struct berth_error **err)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_index = index,
		.ifi_flags = up ? IFF_UP : 0,
		.ifi_change = IFF_UP,
	};
	uint32_t m = (uint32_t)master_index;
	struct req r;
	int k;

	req_init(&r, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	if ((new_name && attr_str(&r, IFLA_IFNAME, new_name) < 0) ||
	    (master_index > 0 && !attr(&r, IFLA_MASTER, &m, sizeof(m))))
		return berth_error_new(err, E2BIG, "link %d: request too long", index);
	k = talk(nl, &r, NULL, 0);
	if (k < 0)
		return berth_error_set(err, -k, "set link %d%s%s", index, new_name ? " to " : "",
				       new_name ? new_name : "");
	return 0;
}

int nl_link_del(struct nl *nl, int index, struct berth_error **err)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index };
	struct req r;
	int k;

	req_init(&r, RTM_DELLINK, 0, &ifi, sizeof(ifi));
	k = talk(nl, &r, NULL, 0);
	if (k < 0)
		return berth_error_set(err, -k, "delete link %d", index);
	return 0;
}

int nl_addr_add(struct nl *nl, int index, uint32_t addr, int prefix, struct berth_error **err)
{
	struct ifaddrmsg ifa = {
		.ifa_family = AF_INET,
		.ifa_prefixlen = (unsigned char)prefix,
		.ifa_index = (unsigned)index,
	};
	struct req r;
	int k;

	req_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	if (!attr(&r, IFA_LOCAL, &addr, 4) || !attr(&r, IFA_ADDRESS, &addr, 4))
		return berth_error_new(err, E2BIG,
				       "add address to link %d: netlink message too long", index);
	k = talk(nl, &r, NULL, 0);
	if (k < 0 && k != -EEXIST)
		return berth_error_set(err, -k, "add address to link %d", index);
	return k;
}

int nl_route_default(struct nl *nl, uint32_t gw, struct berth_error **err)
{
	struct rtmsg rt = {
		.rtm_family = AF_INET,
		.rtm_table = RT_TABLE_MAIN,
		.rtm_protocol = RTPROT_BOOT,
		.rtm_scope = RT_SCOPE_UNIVERSE,
		.rtm_type = RTN_UNICAST,
	};
	struct req r;
	int k;

	req_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof(rt));
	if (!attr(&r, RTA_GATEWAY, &gw, 4))
		return berth_error_new(err, E2BIG,
				       "add the default route: netlink message too long");
	k = talk(nl, &r, NULL, 0);
	if (k < 0)
		return berth_error_set(err, -k, "add the default route");
	return 0;
}
