/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The monitor's side (see monitor.h): berth-monitor's whole life.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "berth/runtime.h"
#include "berth/cleanup.h"
#include "berth/events.h"
#include "berth/overlay.h"
#include "berth/logfile.h"
#include "berth/monitor.h"
#include "berth/net.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include "berth/record.h"
#include "berth/sync.h"
#include "berth/util.h"
#include "berth/volume.h"
#include "health.h"

#define MAX_CLIENTS 32
/* after the init exits, how long its output may still take to drain (a process that
 * escaped the pid namespace's end could hold the pipe open for ever) */
#define DRAIN_MS 2000

struct client {
	int fd;
	char *pending;           /* one frame the socket could not take yet */
	size_t pending_len;
};

struct mon {
	const char *store_root;
	char *dir, *rtroot;
	const char *id;
	struct record rec;
	int dirfd;
	int log_fd;
	uint64_t log_lost;       /* lines the log could not take (a full disk) since the last
				    marker */
	int log_errno;           /* why */
	int out[2];              /* stdout, stderr (or the pty master in out[0]) */
	int in;                  /* the container's stdin: pipe, or the pty master; -1 */
	char *in_pending;        /* input the container has not taken yet */
	size_t in_pending_len;
	int listen_fd;
	struct client clients[MAX_CLIENTS];
	size_t n_clients;
	pid_t init;
	bool init_exited;
	int status;
	/* its networks are the record's (rec.nets, their addresses while it runs); the
	 * published ports go to the first one's address */
	uint32_t ip;
	struct port_map *ports;
	size_t n_ports;
	int *port_fds;            /* the host ports held (ports_reserve) */
	bool published, reserved;
	/* its resolver (dns.h): the socket in its namespace, one to the host's servers, the
	 * queries sent on */
	int dns_fd, up_fd;
	/* with the systemd driver, whose scope goes with the last process: memory.events,
	 * watched while it runs, and the OOM kills seen in it */
	int oom_fd;
	uint64_t oom_seen;
	struct health *health; /* its healthcheck's runner; NULL: it has none */
	struct sockaddr_in upstream[3];
	size_t n_upstream;
	struct forward {
		uint16_t id, orig_id;
		struct sockaddr_in client;
		bool used;
	} fwd[64];
	uint16_t next_id;
};

/* Closed at once, removed from the array only by clients_compact() at the top of the
 * loop: the poll set's indices stay valid while one iteration is handled. */
static void client_drop(struct mon *m, size_t i)
{
	if (m->clients[i].fd >= 0)
		close(m->clients[i].fd);
	free(m->clients[i].pending);
	m->clients[i] = (struct client){ .fd = -1 };
}

static void clients_compact(struct mon *m)
{
	size_t k = 0;

	for (size_t i = 0; i < m->n_clients; i++)
		if (m->clients[i].fd >= 0)
			m->clients[k++] = m->clients[i];
	m->n_clients = k;
}

static void client_add(struct mon *m, int fd)
{
	if (m->n_clients >= MAX_CLIENTS || fd_set_nonblock(fd, true) < 0) {
		close(fd);
		return;
	}
	m->clients[m->n_clients++] = (struct client){ .fd = fd };
}

static bool any_pending(const struct mon *m)
{
	for (size_t i = 0; i < m->n_clients; i++)
		if (m->clients[i].pending)
			return true;
	return false;
}

/* Send one frame to every client. A client whose socket is full keeps the frame as
 * pending: until it takes it, the monitor reads no more output (the container blocks on
 * its full pipe rather than anything being lost). A client that hung up is dropped. */
static void broadcast(struct mon *m, uint8_t type, const void *data, size_t n)
{
	char frame[1 + MON_FRAME_MAX];

	if (n > MON_FRAME_MAX)
		n = MON_FRAME_MAX;
	frame[0] = (char)type;
	memcpy(frame + 1, data, n);
	for (size_t i = 0; i < m->n_clients; i++) {
		struct client *c = &m->clients[i];
		ssize_t k;

		if (c->fd < 0)
			continue;
		k = send(c->fd, frame, n + 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->pending = malloc(n + 1);
			if (!c->pending) {
				client_drop(m, i);
				continue;
			}
			memcpy(c->pending, frame, n + 1);
			c->pending_len = n + 1;
		} else if (k < 0) {
			client_drop(m, i);
		}
	}
}

static int client_flush(struct mon *m, size_t i)
{
	struct client *c = &m->clients[i];
	ssize_t k;

	if (!c->pending)
		return 0;
	k = send(c->fd, c->pending, c->pending_len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (k < 0)
		return -errno;
	free(c->pending);
	c->pending = NULL;
	return 0;
}

static void stdin_close(struct mon *m)
{
	if (m->in >= 0 && !m->rec.tty)
		close(m->in);
	if (!m->rec.tty)
		m->in = -1;
	free(m->in_pending);
	m->in_pending = NULL;
}

/* Input for the container: written as far as it goes, the rest kept (no more input is
 * read from clients until it is taken). */
static void stdin_write(struct mon *m, const char *data, size_t n)
{
	ssize_t k;

	if (m->in < 0 || n == 0)
		return;
	k = write(m->in, data, n);
	if (k < 0 && errno != EAGAIN) {
		stdin_close(m);
		return;
	}
	if (k < 0)
		k = 0;
	if ((size_t)k < n) {
		m->in_pending = malloc(n - (size_t)k);
		if (!m->in_pending) {
			stdin_close(m);
			return;
		}
		memcpy(m->in_pending, data + k, n - (size_t)k);
		m->in_pending_len = n - (size_t)k;
	}
}

static void stdin_flush(struct mon *m)
{
	_cleanup_free_ char *p = TAKE_PTR(m->in_pending);

	if (p)
		stdin_write(m, p, m->in_pending_len);
}

static void net_request(struct mon *m, size_t ci, const char *frame, size_t n);

static void client_read(struct mon *m, size_t i)
{
	char frame[1 + MON_FRAME_MAX];
	ssize_t n = recv(m->clients[i].fd, frame, sizeof(frame), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		client_drop(m, i);
		return;
	}
	switch ((uint8_t)frame[0]) {
	case MON_STDIN:
		stdin_write(m, frame + 1, (size_t)n - 1);
		break;
	case MON_STDIN_EOF:
		if (!m->rec.tty)
			stdin_close(m);
		break;
	case MON_NET_CONNECT:
	case MON_NET_DISCONNECT:
		if (m->init > 0 && !m->init_exited)
			net_request(m, i, frame, (size_t)n);
		break;
	case MON_RESIZE:
		if (m->rec.tty && n >= 5) {
			struct winsize ws = { 0 };
			uint16_t v[2];

			memcpy(v, frame + 1, sizeof(v));
			ws.ws_row = v[0];
			ws.ws_col = v[1];
			(void)ioctl(m->out[0], TIOCSWINSZ, &ws);
		}
		break;
	default:
		break;
	}
}

/* Append entries of buf to the log. What a full disk (or any write error) refuses is
 * counted, the partial entry taken back, and a marker entry says how many lines were lost
 * once the log takes entries again (as conmon does), instead of losing them silently. */
/* --log-opt max-size: LOG_FILE.{N-1} dropped, the others one number up, LOG_FILE to
 * LOG_FILE.1 (with max-file 1: dropped), and a new LOG_FILE. A reader following the old
 * one reads it to its end, then sees the new one. */
static int log_rotate(struct mon *m)
{
	int keep = m->rec.log_max_file > 1 ? m->rec.log_max_file - 1 : 0, fd;
	char from[64], to[64];

	if (keep > LOG_ROTATED_MAX)
		keep = LOG_ROTATED_MAX;
	if (keep == 0) {
		if (unlinkat(m->dirfd, LOG_FILE, 0) < 0 && errno != ENOENT)
			return -errno;
	} else {
		snprintf(from, sizeof(from), "%s.%d", LOG_FILE, keep);
		(void)unlinkat(m->dirfd, from, 0);
		for (int k = keep - 1; k >= 1; k--) {
			snprintf(from, sizeof(from), "%s.%d", LOG_FILE, k);
			snprintf(to, sizeof(to), "%s.%d", LOG_FILE, k + 1);
			if (renameat(m->dirfd, from, m->dirfd, to) < 0 && errno != ENOENT)
				return -errno;
		}
		snprintf(to, sizeof(to), "%s.1", LOG_FILE);
		if (renameat(m->dirfd, LOG_FILE, m->dirfd, to) < 0)
			return -errno;
	}
	fd = openat(m->dirfd, LOG_FILE, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	close(m->log_fd);
	m->log_fd = fd;
	return 0;
}

static int log_append_some(struct mon *m, enum log_stream st, const char *buf, size_t n)
{
	struct stat before;
	int r;

	if (fstat(m->log_fd, &before) < 0)
		return -errno;
	/* full: the entry goes to a new file */
	if (m->rec.log_max_size > 0 && before.st_size > 0 &&
	    before.st_size + (off_t)n >= m->rec.log_max_size) {
		r = log_rotate(m);
		if (r < 0)
			return r;
		before.st_size = 0;
	}
	r = logfile_write(m->log_fd, st, buf, n);
	if (r < 0)
		(void)ftruncate(m->log_fd, before.st_size);
	return r;
}

/* One write for what one read gave; with max-size, a line at a time (as docker's
 * json-file writes), so that no file grows past it by more than a line. */
static int log_append(struct mon *m, enum log_stream st, const char *buf, size_t n)
{
	if (m->rec.log_max_size <= 0)
		return log_append_some(m, st, buf, n);
	while (n > 0) {
		const char *nl = memchr(buf, '\n', n);
		size_t k = nl ? (size_t)(nl - buf) + 1 : n;
		int r = log_append_some(m, st, buf, k);

		if (r < 0)
			return r;
		buf += k;
		n -= k;
	}
	return 0;
}

static void log_output(struct mon *m, enum log_stream st, const char *buf, size_t n)
{
	int r;

	if (m->log_lost > 0) {
		char marker[160];
		int k = snprintf(marker, sizeof(marker),
				 "berth: %llu line(s) of output lost: the log could not be "
				 "written (%s)\n",
				 (unsigned long long)m->log_lost, strerror(m->log_errno));

		if (log_append(m, LOG_STDERR, marker, (size_t)k) < 0) {
			for (size_t i = 0; i < n; i++)
				m->log_lost += buf[i] == '\n';
			m->log_lost += n > 0 && buf[n - 1] != '\n';
			return;
		}
		m->log_lost = 0;
	}
	r = log_append(m, st, buf, n);
	if (r < 0) {
		m->log_errno = -r;
		for (size_t i = 0; i < n; i++)
			m->log_lost += buf[i] == '\n';
		m->log_lost += n > 0 && buf[n - 1] != '\n';
	}
}

static void output(struct mon *m, int which)
{
	char buf[MON_FRAME_MAX];
	ssize_t n = read(m->out[which], buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* EOF, or EIO: the pty's last slave is closed */
		close(m->out[which]);
		m->out[which] = -1;
		if (m->rec.tty)
			m->in = -1; /* the same fd */
		return;
	}
	if (m->log_fd >= 0)
		log_output(m, which == 0 ? LOG_STDOUT : LOG_STDERR, buf, (size_t)n);
	broadcast(m, which == 0 ? MON_STDOUT : MON_STDERR, buf, (size_t)n);
}

static void reap(struct mon *m)
{
	int st;
	pid_t p;

	/* a subreaper: orphans of the container come here too */
	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		if (m->health && health_reaped(m->health, p, st))
			continue;
		if (p == m->init) {
			m->init_exited = true;
			m->status = exit_status(st);
		}
	}
}

static int safe_close(int fd)
{
	if (fd >= 0)
		close(fd);
	return -EBADF;
}

/* The address of a container on one of our networks by its name, its id (a prefix of 12
 * or more) or an alias it has there, 0 when there is none. */
static uint32_t lookup_container(struct mon *m, const char *name)
{
	_cleanup_free_ char *cdir = record_containers_dir(m->store_root);
	uint32_t found = 0;

	for (size_t k = 0; cdir && k < m->rec.n_nets && !found; k++) {
		_cleanup_strv_free_ char **ids = NULL, **ips = NULL;
		const char *net = m->rec.nets[k].name;

		if (!m->rec.nets[k].ip || network_leases(m->store_root, net, &ids, &ips) < 0)
			continue;
		for (size_t i = 0; ids[i] && !found; i++) {
			_cleanup_free_ char *dir = xasprintf("%s/%s", cdir, ids[i]);
			struct record r;
			struct in_addr a;
			int e;

			if (!dir || record_read(dir, &r, NULL) < 0)
				continue;
			e = record_net_find(&r, net);
			if ((streq(r.name, name) ||
			     (strlen(name) >= 12 && startswith(r.id, name)) ||
			     (e >= 0 && strv_contains(r.nets[e].aliases, name))) &&
		    inet_pton(AF_INET, ips[i], &a) == 1)
				found = a.s_addr;
			record_clear(&r);
		}
	}
	return found;
}

/* The host's nameservers, as the monitor's namespace sees /etc/resolv.conf */
static void read_upstream(struct mon *m)
{
	_cleanup_free_ char *text = NULL;
	char *save = NULL;

	if (read_full_file("/etc/resolv.conf", &text, NULL) < 0)
		return;
	for (char *l = strtok_r(text, "\n", &save); l && m->n_upstream < ELEMENTSOF(m->upstream);
	     l = strtok_r(NULL, "\n", &save)) {
		char ip[64];
		struct sockaddr_in *sa = &m->upstream[m->n_upstream];

		if (sscanf(l, " nameserver %63s", ip) != 1)
			continue;
		*sa = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(53) };
		if (inet_pton(AF_INET, ip, &sa->sin_addr) == 1)
			m->n_upstream++;
	}
}

static void dns_query(struct mon *m)
{
	uint8_t q[1500], out[1600];
	struct sockaddr_in client;
	socklen_t cl = sizeof(client);
	char name[256];
	uint16_t type;
	size_t end;
	ssize_t n = recvfrom(m->dns_fd, q, sizeof(q), 0, (struct sockaddr *)&client, &cl);
	uint32_t addr;
	int k;

	if (n < 12 || dns_question(q, (size_t)n, name, &type, &end) < 0)
		return;
	addr = lookup_container(m, name);
	if (addr || !strchr(name, '.') || !m->n_upstream || m->up_fd < 0) {
		/* ours, or a single label nothing on the network has: no need to ask */
		k = dns_reply(q, (size_t)n, addr ? DNS_NOERROR : (m->n_upstream || !strchr(name, '.') ? DNS_NXDOMAIN : DNS_SERVFAIL),
			      addr, out, sizeof(out));
		if (k > 0)
			(void)sendto(m->dns_fd, out, (size_t)k, 0, (struct sockaddr *)&client, cl);
		return;
	}
	/* someone else's: to the host's servers under an id of ours */
	for (size_t i = 0; i < ELEMENTSOF(m->fwd); i++) {
		struct forward *f = &m->fwd[(m->next_id + i) % ELEMENTSOF(m->fwd)];

		if (f->used && i + 1 < ELEMENTSOF(m->fwd))
			continue;
		f->used = true;
		f->id = ++m->next_id;
		f->orig_id = (uint16_t)((q[0] << 8) | q[1]);
		f->client = client;
		q[0] = (uint8_t)(f->id >> 8);
		q[1] = (uint8_t)f->id;
		for (size_t u = 0; u < m->n_upstream; u++)
			(void)sendto(m->up_fd, q, (size_t)n, 0, (struct sockaddr *)&m->upstream[u],
				     sizeof(m->upstream[u]));
		return;
	}
}

static void dns_answer(struct mon *m)
{
	uint8_t a[4096];
	ssize_t n = recv(m->up_fd, a, sizeof(a), 0);
	uint16_t id;

	if (n < 12)
		return;
	id = (uint16_t)((a[0] << 8) | a[1]);
	for (size_t i = 0; i < ELEMENTSOF(m->fwd); i++) {
		struct forward *f = &m->fwd[i];

		if (!f->used || f->id != id)
			continue;
		a[0] = (uint8_t)(f->orig_id >> 8);
		a[1] = (uint8_t)f->orig_id;
		(void)sendto(m->dns_fd, a, (size_t)n, 0, (struct sockaddr *)&f->client,
			     sizeof(f->client));
		f->used = false;
		return;
	}
}

/* memory.events changed: keep the highest OOM kill count seen (the cgroup, and with it
 * the count, may be gone when the run is over); once it is gone, stop watching. */
static void oom_check(struct mon *m)
{
	uint64_t n;

	if (berth_oom_watch_read(m->oom_fd, &n) < 0) {
		m->oom_fd = safe_close(m->oom_fd);
		return;
	}
	if (n > m->oom_seen)
		m->oom_seen = n;
}

static void loop(struct mon *m, int sigfd)
{
	int64_t deadline = 0;

	for (;;) {
		/* sigfd, out[2], listen, in, dns, up, oom, health, the clients */
		struct pollfd p[9 + MAX_CLIENTS];
		int idx_out[2] = { -1, -1 }, idx_listen = -1, idx_in = -1, idx_client = 0;
		int idx_dns = -1, idx_up = -1, idx_oom = -1;
		bool blocked;
		size_t np = 0;
		int timeout = -1;

		clients_compact(m);
		blocked = any_pending(m);

		if (m->init_exited) {
			if (m->out[0] < 0 && m->out[1] < 0)
				break;
			if (!deadline)
				deadline = now_ms() + DRAIN_MS;
			timeout = (int)(deadline - now_ms());
			if (timeout <= 0)
				break;
		}
		p[np++] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		for (int w = 0; w < 2; w++)
			if (m->out[w] >= 0 && !blocked) {
				idx_out[w] = (int)np;
				p[np++] = (struct pollfd){ .fd = m->out[w], .events = POLLIN };
			}
		if (m->listen_fd >= 0) {
			idx_listen = (int)np;
			p[np++] = (struct pollfd){ .fd = m->listen_fd, .events = POLLIN };
		}
		if (m->in_pending && m->in >= 0) {
			idx_in = (int)np;
			p[np++] = (struct pollfd){ .fd = m->in, .events = POLLOUT };
		}
		if (m->dns_fd >= 0) {
			idx_dns = (int)np;
			p[np++] = (struct pollfd){ .fd = m->dns_fd, .events = POLLIN };
		}
		if (m->up_fd >= 0) {
			idx_up = (int)np;
			p[np++] = (struct pollfd){ .fd = m->up_fd, .events = POLLIN };
		}
		if (m->oom_fd >= 0) {
			idx_oom = (int)np;
			p[np++] = (struct pollfd){ .fd = m->oom_fd, .events = POLLPRI };
		}
		if (m->health && !m->init_exited) {
			int hfd = health_fd(m->health), ht = health_timeout(m->health);

			if (hfd >= 0)
				p[np++] = (struct pollfd){.fd = hfd, .events = POLLIN};
			if (ht >= 0 && (timeout < 0 || ht < timeout))
				timeout = ht;
		}
		idx_client = (int)np;
		for (size_t i = 0; i < m->n_clients; i++)
			p[np++] = (struct pollfd){
				.fd = m->clients[i].fd,
				.events = (short)((m->in_pending ? 0 : POLLIN) |
						  (m->clients[i].pending ? POLLOUT : 0)),
			};
		if (poll(p, np, timeout) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sigfd, &si, sizeof(si)) == sizeof(si))
				;
			reap(m);
		}
		for (int w = 0; w < 2; w++)
			if (idx_out[w] >= 0 && (p[idx_out[w]].revents & (POLLIN | POLLHUP | POLLERR)))
				output(m, w);
		if (idx_in >= 0 && (p[idx_in].revents & (POLLOUT | POLLERR | POLLHUP)))
			stdin_flush(m);
		if (idx_oom >= 0 && (p[idx_oom].revents & (POLLPRI | POLLERR)))
			oom_check(m);
		if (idx_dns >= 0 && (p[idx_dns].revents & POLLIN))
			dns_query(m);
		if (idx_up >= 0 && (p[idx_up].revents & POLLIN))
			dns_answer(m);
		if (m->health && !m->init_exited)
			health_run(m->health);
		/* the clients polled in this round (an accepted one comes after them) */
		for (size_t i = 0; i < m->n_clients && idx_client + (int)i < (int)np; i++) {
			short re;

			if (m->clients[i].fd < 0)
				continue;
			re = p[idx_client + (int)i].revents;
			if ((re & POLLOUT) && client_flush(m, i) < 0) {
				client_drop(m, i);
				continue;
			}
			if (re & (POLLIN | POLLHUP | POLLERR))
				client_read(m, i);
		}
		if (idx_listen >= 0 && (p[idx_listen].revents & POLLIN)) {
			int c = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

			if (c >= 0)
				client_add(m, c);
		}
	}
}

/* Tell every client how the container ended, after what it has pending. */
static void send_exit(struct mon *m, int status)
{
	char frame[5];
	int32_t v = status;

	frame[0] = MON_EXIT;
	memcpy(frame + 1, &v, sizeof(v));
	clients_compact(m);
	for (size_t i = 0; i < m->n_clients; i++) {
		struct client *c = &m->clients[i];
		char in[1 + MON_FRAME_MAX];

		(void)fd_set_nonblock(c->fd, false);
		if (c->pending)
			(void)send(c->fd, c->pending, c->pending_len, MSG_NOSIGNAL);
		(void)send(c->fd, frame, sizeof(frame), MSG_NOSIGNAL);
		/* what the client sent and we did not read (a window size, input): closing on
		 * it would reset the connection ahead of the frames the client has to read */
		while (recv(c->fd, in, sizeof(in), MSG_DONTWAIT) > 0)
			;
	}
}

/* The clients that asked for this start before it came (docker's attach before start):
 * each listens on a socket in attach.d/ of the container's directory; connected to and
 * taken as clients before the container runs, they get its output from the first byte.
 * A socket nobody listens on any more (its client was killed) is removed. */
static void connect_pending(struct mon *m)
{
	_cleanup_close_ int dfd = openat(m->dirfd, MON_PENDING_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (dfd < 0)
		return;
	d = fdopendir(dfd);
	if (!d)
		return;
	dfd = -EBADF; /* the DIR owns it */
	while ((de = readdir(d))) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd;

		if (de->d_name[0] == '.' || strlen(de->d_name) > 64)
			continue;
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			return;
		snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%.64s", dirfd(d),
			 de->d_name);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			client_add(m, fd);
		} else {
			close(fd);
			if (errno == ECONNREFUSED)
				(void)unlinkat(dirfd(d), de->d_name, 0);
		}
	}
}

/* docker's volume mount/unmount events: a container without volumes (the record names
 * them) has none, and its config is not read for them */
static void volumes_event(struct mon *m, bool mount)
{
	if (m->rec.volumes && m->rec.volumes[0])
		volume_events(m->store_root, m->dir, m->id, mount);
}

static int listen_attach(struct mon *m)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	(void)unlinkat(m->dirfd, MON_ATTACH_SOCKET, 0);
	/* the directory's path can be longer than sun_path: go through its fd */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", m->dirfd,
		 MON_ATTACH_SOCKET);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0)
		return -errno;
	m->listen_fd = TAKE_FD(fd);
	return 0;
}

/* The container's own line in its /etc/hosts (the file bind-mounted from its directory,
 * rewritten in place): its address instead of 127.0.1.1. */
static void hosts_set_ip(struct mon *m, const char *ip)
{
	_cleanup_free_ char *text = NULL, *out = NULL, *path = xasprintf("%s/hosts", m->dir);
	_cleanup_close_ int fd = -EBADF;
	const char *line;

	if (!path || read_full_file(path, &text, NULL) < 0)
		return;
	line = strstr(text, "127.0.1.1\t");
	if (!line)
		return;
	out = xasprintf("%.*s%s\t%s", (int)(line - text), text, ip, line + strlen("127.0.1.1\t"));
	fd = openat(m->dirfd, "hosts", O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (out && fd >= 0)
		(void)loop_write(fd, out, strlen(out));
}

/* Connect the running container to rec.nets[i]: an address (the one asked for), a veth,
 * its ethN; the record's entry says what it got. */
static int net_up(struct mon *m, size_t i, pid_t pid, struct berth_error **err)
{
	struct record_net *rn = &m->rec.nets[i];
	struct net_config n = {0};
	char ifname[16], ip[16], mac[18];
	uint8_t want_mac[6];
	uint32_t want = 0, got;
	int r;

	r = network_load(m->store_root, rn->name, &n, err);
	if (r < 0)
		return r;
	if (rn->want_ip)
		r = network_check_ip(&n, rn->want_ip, &want, err);
	if (r >= 0 && rn->want_mac)
		r = net_mac_parse(rn->want_mac, want_mac, NULL, err);
	if (r >= 0)
		r = network_attach(m->store_root, &n, m->id, pid, want,
				   rn->want_mac ? want_mac : NULL, ifname, &got, err);
	/* docker: the network's connect event when the container is put on it */
	if (r >= 0)
		(void)network_event(m->store_root, "connect", &n, m->id);
	net_config_clear(&n);
	if (r < 0)
		return r;
	if (rn->want_mac)
		snprintf(mac, sizeof(mac), "%s", rn->want_mac);
	else
		net_mac_string(got, mac);
	free(rn->ip);
	free(rn->mac);
	free(rn->ifname);
	rn->ip = strdup(ip_string(got, ip));
	rn->mac = strdup(mac);
	rn->ifname = strdup(ifname);
	return 0;
}

/* Give rec.nets[i]'s address back (its interface deleted when pid > 0: the container
 * runs on without it). */
static void net_down(struct mon *m, size_t i, pid_t pid)
{
	struct record_net *rn = &m->rec.nets[i];
	struct net_config n = {0};
	struct in_addr a;

	if (rn->ip && inet_pton(AF_INET, rn->ip, &a) == 1 &&
	    network_load(m->store_root, rn->name, &n, NULL) == 0) {
		network_detach(m->store_root, &n, m->id, a.s_addr, pid, rn->ifname);
		(void)network_event(m->store_root, "disconnect", &n, m->id);
	}
	net_config_clear(&n);
	free(rn->ip);
	free(rn->mac);
	free(rn->ifname);
	rn->ip = rn->mac = rn->ifname = NULL;
}

/* The bridge networks of the record: an address and a veth on each, the published ports
 * (to the first one's address), the resolver. */
static int connect_network(struct mon *m, pid_t pid, struct berth_error **err)
{
	char ip[16];
	int r;

	for (size_t i = 0; i < m->rec.n_nets; i++) {
		r = net_up(m, i, pid, err);
		if (r < 0)
			return r;
	}
	m->ip = 0;
	if (m->rec.n_nets > 0) {
		struct in_addr a;

		if (inet_pton(AF_INET, m->rec.nets[0].ip, &a) == 1)
			m->ip = a.s_addr;
	}
	m->ports = calloc(strv_length(m->rec.ports) + 1, sizeof(*m->ports));
	if (!m->ports)
		return berth_error_set(err, ENOMEM, "publish the ports of container %.12s",
				       m->rec.id);
	m->port_fds = calloc(strv_length(m->rec.ports) + 1, sizeof(int));
	if (!m->port_fds)
		return berth_error_set(err, ENOMEM, "publish the ports of container %.12s",
				       m->rec.id);
	for (char **p = m->rec.ports; m->ip && p && *p; p++) {
		r = port_parse(*p, &m->ports[m->n_ports], err);
		if (r < 0)
			return r;
		m->n_ports++;
	}
	/* the host ports held while it runs (picked ones filled in), then DNAT'ed */
	r = ports_reserve(m->ports, m->n_ports, m->port_fds, err);
	if (r < 0)
		return r;
	m->reserved = true;
	r = ports_publish(m->ports, m->n_ports, m->ip, err);
	if (r < 0)
		return r;
	m->published = true;
	strv_free(m->rec.published);
	m->rec.published = calloc(m->n_ports + 1, sizeof(char *));
	for (size_t i = 0; m->rec.published && i < m->n_ports; i++) {
		char canon[48];

		port_canon(&m->ports[i], canon, sizeof(canon));
		m->rec.published[i] = strdup(canon);
	}
	r = net_udp_socket_in(pid, DNS_ADDRESS, 53, &m->dns_fd, err);
	if (r < 0)
		return berth_error_wrap(err, "the resolver at %s", DNS_ADDRESS);
	read_upstream(m);
	m->up_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	free(m->rec.ip);
	m->rec.ip = m->ip ? strdup(ip_string(m->ip, ip)) : NULL;
	if (m->ip)
		hosts_set_ip(m, ip);
	return 0;
}

static void disconnect_network(struct mon *m)
{
	if (m->published)
		ports_unpublish(m->ports, m->n_ports);
	for (size_t i = 0; m->reserved && i < m->n_ports; i++)
		if (m->port_fds[i] >= 0)
			close(m->port_fds[i]);
	free(m->port_fds);
	m->port_fds = NULL;
	strv_free(m->rec.published);
	m->rec.published = NULL;
	for (size_t i = 0; i < m->rec.n_nets; i++)
		net_down(m, i, 0);
	m->published = m->reserved = false;
	free(m->rec.ip);
	m->rec.ip = NULL;
}

/* MON_NET_CONNECT / MON_NET_DISCONNECT from a client: the running container joins or
 * leaves a network, the record written, the result (MON_NET_RESULT) sent back. */
static void net_request(struct mon *m, size_t ci, const char *frame, size_t n)
{
	char reply[1 + 4 + 1024], buf[MON_FRAME_MAX + 1];
	struct berth_error *e = NULL;
	const char *name, *ip;
	char **aliases = NULL;
	int32_t code;
	size_t len;
	int i, r = 0;

	/* NUL-separated: network, ip ("" for none), aliases... */
	len = n - 1 < MON_FRAME_MAX ? n - 1 : MON_FRAME_MAX;
	memcpy(buf, frame + 1, len);
	buf[len] = 0;
	name = buf;
	ip = buf + strlen(buf) + 1 <= buf + len ? buf + strlen(buf) + 1 : "";
	i = record_net_find(&m->rec, name);
	if ((uint8_t)frame[0] == MON_NET_CONNECT) {
		for (const char *a = ip + strlen(ip) + 1; a < buf + len; a += strlen(a) + 1)
			if (*a && strv_extend(&aliases, a) < 0)
				r = berth_error_set(&e, ENOMEM, "aliases");
		if (r >= 0 && i >= 0)
			r = berth_error_new(&e, EEXIST,
					    "endpoint with name %s already exists in "
					    "network %s",
					    m->rec.name, name);
		if (r >= 0)
			r = record_net_add(&m->rec, name, *ip ? ip : NULL, aliases) < 0
				? berth_error_set(&e, ENOMEM, "connect")
				: 0;
		if (r >= 0) {
			r = net_up(m, m->rec.n_nets - 1, m->init, &e);
			if (r < 0)
				record_net_remove(&m->rec, m->rec.n_nets - 1);
		}
		strv_free(aliases);
	} else if (i < 0) {
		r = berth_error_new(&e, ENOENT, "container %s is not connected to network %s",
				    m->rec.name, name);
	} else {
		net_down(m, (size_t)i, m->init);
		record_net_remove(&m->rec, (size_t)i);
	}
	if (r >= 0) {
		free(m->rec.ip);
		m->rec.ip = m->rec.n_nets && m->rec.nets[0].ip ? strdup(m->rec.nets[0].ip) : NULL;
		r = record_write(m->dir, &m->rec, &e);
	}
	code = r < 0 ? -r : 0;
	reply[0] = MON_NET_RESULT;
	memcpy(reply + 1, &code, 4);
	len = (size_t)snprintf(reply + 5, sizeof(reply) - 5, "%s",
			       r < 0 ? berth_error_message(e) : "");
	if (len > sizeof(reply) - 6)
		len = sizeof(reply) - 6;
	(void)fd_set_nonblock(m->clients[ci].fd, false);
	(void)send(m->clients[ci].fd, reply, 5 + len, MSG_NOSIGNAL);
	(void)fd_set_nonblock(m->clients[ci].fd, true);
	berth_error_free(e);
}

static bool own_network(const struct record *r)
{
	return r->network && !streq(r->network, "none") && !streq(r->network, "host") &&
	       !startswith(r->network, "container:");
}

static int on_created(pid_t pid, void *userdata, struct berth_error **err)
{
	struct mon *m = userdata;
	int r;

	/* a network namespace of its own (not the host's, not another container's) */
	if (!m->rec.network || (!streq(m->rec.network, "host") &&
				!startswith(m->rec.network, "container:"))) {
		r = net_loopback_up(pid, err);
		if (r < 0)
			return r;
	}
	if (own_network(&m->rec)) {
		r = connect_network(m, pid, err);
		if (r < 0)
			return r;
	}
	m->rec.pid = pid;
	(void)proc_start_time(pid, &m->rec.pid_start);
	m->rec.state = BERTH_CTR_RUNNING;
	m->rec.restarting = false;
	m->rec.started = time(NULL);
	m->rec.monitor_pid = getpid();
	(void)proc_start_time(getpid(), &m->rec.monitor_start);
	m->rec.oom_killed = false;
	free(m->rec.error);
	m->rec.error = NULL;
	return record_write(m->dir, &m->rec, err);
}

/* docker's events at the end of a run: oom when the OOM killer killed in it, then die
 * with its exit code */
static void event_die(struct mon *m, int status)
{
	char code[16];
	struct berth_event_attr a[] = {{"exitCode", code}};
	char *name = NULL;

	/* its name now: `berth rename` may have renamed it while it ran */
	if (read_one_line_at(m->dirfd, RECORD_NAME_FILE, &name) == 0) {
		free(m->rec.name);
		m->rec.name = name;
	}

	if (m->rec.oom_killed)
		(void)record_event(m->store_root, &m->rec, "oom", NULL, 0);
	snprintf(code, sizeof(code), "%d", status);
	(void)record_event(m->store_root, &m->rec, "die", a, ELEMENTSOF(a));
}

/* The container is over (or never started): runtime state and cgroup, overlay, record;
 * with --rm the whole container. */
/* One run of the container is over: its OOM kills, runtime state and cgroup, network;
 * its stdio closed. (The overlay and the record stay: finish() or a restart.) */
static void end_run(struct mon *m, bool started, int status)
{
	uint64_t oom = 0;

	if (m->health)
		health_end(m->health);
	if (m->oom_fd >= 0) {
		oom_check(m);
		m->oom_fd = safe_close(m->oom_fd);
	}
	if (started && berth_container_oom_kills(m->rtroot, m->id, &oom, NULL) == 0)
		m->rec.oom_killed = oom > 0;
	if (m->oom_seen > 0)
		m->rec.oom_killed = true;
	m->oom_seen = 0;
	/* docker's order: die, the volumes' unmount, then the network's disconnect */
	if (started) {
		event_die(m, status);
		volumes_event(m, false);
	}
	(void)berth_container_delete(m->rtroot, m->id, true, NULL);
	disconnect_network(m);
	for (int w = 0; w < 2; w++)
		m->out[w] = safe_close(m->out[w]);
	if (m->in >= 0 && !m->rec.tty)
		close(m->in);
	m->in = -1;
	free(m->in_pending);
	m->in_pending = NULL;
	if (m->dns_fd >= 0)
		m->dns_fd = safe_close(m->dns_fd);
	if (m->up_fd >= 0)
		m->up_fd = safe_close(m->up_fd);
	m->n_upstream = 0;
	free(m->ports);
	m->ports = NULL;
	m->n_ports = 0;
	m->init = 0;
	m->init_exited = false;
}

static void finish(struct mon *m, bool started, int status, const struct berth_error *failure)
{
	_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", m->dir);
	_cleanup_close_ int lock = -EBADF;

	/* the marker of lines a full disk lost, if the log takes it now */
	if (m->log_lost > 0 && m->log_fd >= 0)
		log_output(m, LOG_STDERR, "", 0);
	end_run(m, started, status);
	/* gone already: `berth rm -f` removed it while we finished */
	if (!rootfs || record_lock(m->dir, &lock) < 0)
		return;
	(void)overlay_umount(rootfs, NULL);
	(void)unlinkat(m->dirfd, MON_ATTACH_SOCKET, 0);
	if (m->rec.auto_remove) {
		/* as docker's --rm: its anonymous volumes go with it */
		(void)record_remove_dir(m->dir);
		volume_delete_anonymous(m->store_root, m->rec.volumes);
		(void)record_event(m->store_root, &m->rec, "destroy", NULL, 0);
		return;
	}
	m->rec.pid = 0;
	m->rec.pid_start = 0;
	m->rec.monitor_pid = 0;
	m->rec.monitor_start = 0;
	m->rec.exit_code = status;
	m->rec.finished = time(NULL);
	m->rec.restarting = false;
	if (failure) {
		/* docker: a container whose process could not be started stays "created" */
		m->rec.state = BERTH_CTR_CREATED;
		m->rec.error = strdup(berth_error_message(failure));
	} else {
		m->rec.state = BERTH_CTR_EXITED;
	}
	(void)record_write(m->dir, &m->rec, NULL);
}

/* docker's codes for a process that could not be started */
static int launch_failure_code(const struct berth_error *e)
{
	return e && e->kind == BERTH_ERROR_EXEC_NOT_FOUND ? 127
	       : e && e->kind == BERTH_ERROR_EXEC_DENIED  ? 126
							  : 128;
}

/* Whether --restart wants the container back after it ended with status: not when the
 * user stopped it (the engine leaves MANUAL_STOP for us), "on-failure[:N]" for a
 * non-zero status N times at most, "always" and "unless-stopped" every time. */
static bool restart_wanted(struct mon *m, int status)
{
	const char *p;

	/* `berth update --restart` while it ran */
	(void)record_restart_override(m->dir, &m->rec);
	p = m->rec.restart_policy;
	if (!p || streq(p, "no") || faccessat(m->dirfd, MANUAL_STOP, F_OK, 0) == 0)
		return false;
	if (streq(p, "on-failure"))
		return status != 0 &&
		       (m->rec.restart_max <= 0 || m->rec.restart_count < m->rec.restart_max);
	return streq(p, "always") || streq(p, "unless-stopped");
}

/* docker's delay before a restart: 100 ms, doubled each time up to a minute. False when
 * the user stopped it meanwhile. */
static bool backoff(struct mon *m, unsigned restarts)
{
	int64_t ms = 100LL << (restarts < 10 ? restarts : 10);

	if (ms > 60000)
		ms = 60000;
	for (int64_t waited = 0; waited < ms; waited += 50) {
		struct timespec t = { .tv_nsec = 50 * 1000000 };

		if (faccessat(m->dirfd, MANUAL_STOP, F_OK, 0) == 0)
			return false;
		nanosleep(&t, NULL);
	}
	return faccessat(m->dirfd, MANUAL_STOP, F_OK, 0) < 0;
}

/* stdio: /dev/null, but stderr goes to $BERTH_MONITOR_LOG when it is set (the tests
 * read the sanitizers' reports there) */
static int open_devnull_stdio(void)
{
	const char *log = getenv("BERTH_MONITOR_LOG");
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC), lfd = -1;

	if (fd < 0)
		return -errno;
	if (log && *log)
		lfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	for (int i = 0; i < 3; i++)
		if (dup2(i == 2 && lfd >= 0 ? lfd : fd, i) < 0)
			return -errno;
	if (fd > 2)
		close(fd);
	if (lfd > 2)
		close(lfd);
	return 0;
}

/* Create and start the container: its stdio (pipes, or the pty), the runtime in-process,
 * the network from on_created. */
static int launch(struct mon *m, struct berth_error **err)
{
	_cleanup_close_ int cin = -EBADF, cout = -EBADF, cerr = -EBADF;
	struct berth_create_opts co = {
		.bundle = m->dir,
		.stdio = { -1, -1, -1 },
		.on_created = on_created,
		.userdata = m,
		.systemd_cgroup = m->rec.systemd_cgroup,
	};
	int pty = -EBADF, r;

	if (m->rec.tty) {
		co.ret_pty_master = &pty;
	} else {
		int po[2], pe[2], pi[2];

		if (pipe2(po, O_CLOEXEC) < 0)
			return berth_error_set(err, errno, "pipe");
		m->out[0] = po[0];
		cout = po[1];
		if (pipe2(pe, O_CLOEXEC) < 0)
			return berth_error_set(err, errno, "pipe");
		m->out[1] = pe[0];
		cerr = pe[1];
		if (m->rec.open_stdin) {
			if (pipe2(pi, O_CLOEXEC) < 0)
				return berth_error_set(err, errno, "pipe");
			cin = pi[0];
			m->in = pi[1];
			(void)fd_set_nonblock(m->in, true);
		} else {
			cin = open("/dev/null", O_RDONLY | O_CLOEXEC);
		}
		co.stdio[0] = cin;
		co.stdio[1] = cout;
		co.stdio[2] = cerr;
	}
	r = berth_container_launch(m->rtroot, m->id, &co, &m->init, err);
	if (r < 0)
		return r;
	/* the systemd driver's scope goes with the last process, the OOM kills it counted
	 * with it: they are watched while it runs (read once now: one may be there already) */
	if (m->rec.systemd_cgroup &&
	    berth_container_oom_watch(m->rtroot, m->id, &m->oom_fd, NULL) == 0)
		oom_check(m);
	/* the container holds its ends now */
	if (m->rec.tty) {
		m->out[0] = pty;
		m->in = m->rec.open_stdin ? pty : -1;
	}
	for (int w = 0; w < 2; w++)
		if (m->out[w] >= 0)
			(void)fd_set_nonblock(m->out[w], true);
	return 0;
}

int monitor_main(const struct monitor_opts *o)
{
	struct mon m = {
		.store_root = o->store_root,
		.id = o->id,
		.dirfd = -1,
		.log_fd = -1,
		.out = { -1, -1 },
		.in = -1,
		.listen_fd = -1,
		.dns_fd = -1,
		.up_fd = -1,
		.oom_fd = -1,
	};
	_cleanup_close_ int sigfd = -EBADF;
	_cleanup_free_ char *cdir = record_containers_dir(o->store_root);
	struct berth_error *e = NULL;
	int status = 255, r;
	sigset_t mask;

	/* a session of its own: the terminal's signals and hangup are not ours */
	(void)setsid();
	(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	(void)prctl(PR_SET_NAME, "berth-monitor");
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sigdelset(&mask, SIGTERM);
	sigdelset(&mask, SIGINT);
	sigdelset(&mask, SIGHUP);
	sigdelset(&mask, SIGQUIT);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (chdir("/") < 0 || open_devnull_stdio() < 0 || sigfd < 0 || !cdir) {
		r = berth_error_set(&e, errno ? errno : ENOMEM, "monitor set-up");
		goto fail_early;
	}
	m.dir = xasprintf("%s/%s", cdir, o->id);
	m.rtroot = record_runtime_root(o->store_root);
	if (!m.dir || !m.rtroot) {
		r = berth_error_set(&e, ENOMEM, "monitor set-up");
		goto fail_early;
	}
	r = record_read(m.dir, &m.rec, &e);
	if (r < 0)
		goto fail_early;
	m.dirfd = open(m.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m.dirfd < 0) {
		r = berth_error_set(&e, errno, "open '%s'", m.dir);
		goto fail_early;
	}
	/* --log-driver none: no log at all */
	if (!streq_ptr(m.rec.log_driver, "none"))
		m.log_fd = openat(m.dirfd, LOG_FILE, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
				  0600);
	if (m.log_fd < 0 && !streq_ptr(m.rec.log_driver, "none")) {
		r = berth_error_set(&e, errno, "open log of '%s'", o->id);
		goto fail_early;
	}
	if (o->client_fd >= 0)
		client_add(&m, o->client_fd);
	connect_pending(&m);
	/* a container without a healthcheck has nothing of it (without memory: none run) */
	if (record_has_healthcheck(&m.rec))
		m.health = health_new(m.dir, m.rtroot, m.id, &m.rec.healthcheck);

	r = launch(&m, &e);
	if (r < 0) {
		finish(&m, false, launch_failure_code(e), e);
		(void)sync_send_error(o->sync_fd, -r, e);
		goto out;
	}
	if (m.health)
		health_begin(m.health);
	(void)listen_attach(&m);
	/* in the log before `run -d` or `start` returns; docker's volume mounts first */
	volumes_event(&m, true);
	(void)record_event(m.store_root, &m.rec, "start", NULL, 0);
	(void)sync_send(o->sync_fd, SYNC_READY, m.init, -1);
	close(o->sync_fd);

	for (unsigned restarts = 0;; restarts++) {
		loop(&m, sigfd);
		/* the init may have exited between the last poll and the drain deadline */
		if (!m.init_exited) {
			int st;

			while (waitpid(m.init, &st, 0) < 0 && errno == EINTR)
				;
			m.status = exit_status(st);
		}
		if (!restart_wanted(&m, m.status))
			break;
		/* --restart: the same container again, its clients told of this end */
		end_run(&m, true, m.status);
		send_exit(&m, m.status);
		for (size_t i = 0; i < m.n_clients; i++)
			client_drop(&m, i);
		m.rec.exit_code = m.status;
		m.rec.restart_count++;
		m.rec.restarting = true;
		m.rec.pid = 0;
		m.rec.pid_start = 0;
		m.rec.finished = time(NULL);
		free(m.rec.ip);
		m.rec.ip = NULL;
		(void)record_write(m.dir, &m.rec, NULL);
		if (!backoff(&m, restarts))
			goto stopped;
		r = launch(&m, &e);
		if (r < 0) {
			finish(&m, false, launch_failure_code(e), e);
			goto out;
		}
		if (m.health)
			health_begin(m.health);
		volumes_event(&m, true);
		(void)record_event(m.store_root, &m.rec, "start", NULL, 0);
	}
stopped:
	finish(&m, true, m.status, NULL);
	send_exit(&m, m.status);
	status = 0;
	goto out;

fail_early:
	/* the CLI mounted the overlay and wrote the record: undo as after a failed start */
	if (m.rec.id && m.dirfd >= 0)
		finish(&m, false, 125, e);
	(void)sync_send_error(o->sync_fd, -r, e);
out:
	for (size_t i = 0; i < m.n_clients; i++)
		client_drop(&m, i);
	for (int w = 0; w < 2; w++)
		if (m.out[w] >= 0)
			close(m.out[w]);
	if (m.in >= 0 && !m.rec.tty)
		close(m.in);
	if (m.listen_fd >= 0)
		close(m.listen_fd);
	if (m.dns_fd >= 0)
		close(m.dns_fd);
	if (m.up_fd >= 0)
		close(m.up_fd);
	if (m.log_fd >= 0)
		close(m.log_fd);
	if (m.dirfd >= 0)
		close(m.dirfd);
	free(m.in_pending);
	free(m.ports);
	free(m.port_fds);
	health_free(m.health);
	free(m.dir);
	free(m.rtroot);
	record_clear(&m.rec);
	berth_error_free(e);
	return status;
}
