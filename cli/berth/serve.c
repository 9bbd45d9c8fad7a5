/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth serve`: the Docker Engine API on a unix socket (docker's CLI and SDKs, compose).
 *
 * The server holds no state of its own: containers live under their monitors and on
 * disk. It listens, and forks a process for each connection, which answers that
 * connection's requests over lib/engine — the same calls as the CLI's, already safe for
 * many processes at once — and exits when the client goes. A long stream (attach, logs
 * -f, events, stats) holds its own process only; a killed or crashed connection process
 * leaves what a killed CLI would. The server can be stopped and started while
 * containers run.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "berth/util.h"
#include "cli.h"
#include "serve.h"

#define DEFAULT_HOST "unix:///run/berth/berth.sock"
#define MAX_LISTENERS 16
#define MAX_CONNECTIONS 1024

static const char usage[] =
	"Usage:  berth serve [OPTIONS]\n"
	"\n"
	"Serve the Docker Engine API (docker's CLI, docker-compose, the SDKs)\n"
	"\n"
	"Options:\n"
	"  -H, --host ADDR    Listen on ADDR (repeatable): unix:///PATH (default\n"
	"                     " DEFAULT_HOST "), fd:// (the sockets systemd passes),\n"
	"                     tcp://127.0.0.1:PORT (loopback only)\n"
	"  -G, --group NAME   Group owning unix sockets (default \"berth\", root when\n"
	"                     there is no such group)\n"
	"  -h, --help         Print usage\n";

struct listener {
	int fd;
	char *unlink_path; /* a unix socket we made, removed at the end */
};

struct server {
	struct listener l[MAX_LISTENERS];
	size_t n;
	pid_t *children;
	size_t n_children;
};

/* Listening sockets systemd passed (LISTEN_PID, LISTEN_FDS: fds 3...). */
static int listen_fds(struct server *s, struct berth_error **err)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int n;

	if (!pid || !fds || atol(pid) != (long)getpid())
		return berth_error_new(err, EINVAL,
				       "-H fd://: no sockets passed (LISTEN_PID, LISTEN_FDS)");
	n = atoi(fds);
	for (int i = 0; i < n && s->n < MAX_LISTENERS; i++) {
		int fd = 3 + i;

		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		s->l[s->n++] = (struct listener){ .fd = fd };
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return 0;
}

static gid_t socket_group(const char *name)
{
	struct group *g = getgrnam(name ? name : "berth");

	return g ? g->gr_gid : 0;
}

static int listen_unix(struct server *s, const char *path, const char *group,
		       struct berth_error **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *dir = NULL;
	char *slash;
	mode_t old;

	if (path[0] != '/' || strlen(path) >= sizeof(sa.sun_path))
		return berth_error_new(err, EINVAL, "-H unix://%s: not an absolute socket path",
				       path);
	strcpy(sa.sun_path, path);
	dir = strdup(path);
	if (!dir)
		return berth_error_set(err, ENOMEM, "listen");
	slash = strrchr(dir, '/');
	if (slash != dir) {
		*slash = 0;
		if (mkdir_p(dir, 0755) < 0)
			return berth_error_set(err, errno, "-H unix://%s: make '%s'", path, dir);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berth_error_set(err, errno, "socket");
	/* a socket left by a server that is gone is replaced; a live one is not */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return berth_error_new(err, EADDRINUSE,
				       "-H unix://%s: another server listens there", path);
	if (errno == ECONNREFUSED)
		(void)unlink(path);
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berth_error_set(err, errno, "socket");
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		umask(old);
		return berth_error_set(err, errno, "-H unix://%s: bind", path);
	}
	umask(old);
	/* docker's: root and the group may connect (0660) */
	if (chown(path, 0, socket_group(group)) < 0 || chmod(path, 0660) < 0 ||
	    listen(fd, 512) < 0) {
		int r = berth_error_set(err, errno, "-H unix://%s", sa.sun_path);

		(void)unlink(path);
		return r;
	}
	s->l[s->n].unlink_path = strdup(path);
	s->l[s->n++].fd = TAKE_FD(fd);
	return 0;
}

/* tcp://HOST:PORT, loopback only: the API is root on this host, and berth does no TLS. */
static int listen_tcp(struct server *s, const char *addr, struct berth_error **err)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	_cleanup_free_ char *host = strdup(addr);
	_cleanup_close_ int fd = -EBADF;
	char *colon = host ? strrchr(host, ':') : NULL;
	int one = 1;
	long port;

	if (!host)
		return berth_error_set(err, ENOMEM, "listen");
	if (!colon)
		return berth_error_new(err, EINVAL, "-H tcp://%s: no port", addr);
	*colon = 0;
	port = strtol(colon + 1, NULL, 10);
	if (port <= 0 || port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return berth_error_new(err, EINVAL, "-H tcp://%s: not IPV4:PORT", addr);
	if ((ntohl(sa.sin_addr.s_addr) >> 24) != 127)
		return berth_error_new(err, EINVAL,
				       "-H tcp://%s: only loopback addresses (127.0.0.0/8): the API "
				       "is root on this host, and berth serves no TLS yet",
				       addr);
	sa.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berth_error_set(err, errno, "socket");
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 512) < 0)
		return berth_error_set(err, errno, "-H tcp://%s", addr);
	s->l[s->n++].fd = TAKE_FD(fd);
	return 0;
}

static int listen_on(struct server *s, const char *host, const char *group,
		     struct berth_error **err)
{
	if (s->n >= MAX_LISTENERS)
		return berth_error_new(err, EINVAL, "-H %s: too many addresses", host);
	if (startswith(host, "unix://"))
		return listen_unix(s, host + 7, group, err);
	if (streq(host, "fd://"))
		return listen_fds(s, err);
	if (startswith(host, "tcp://"))
		return listen_tcp(s, host + 6, err);
	if (host[0] == '/')
		return listen_unix(s, host, group, err);
	return berth_error_new(err, EINVAL,
			       "-H %s: not unix:///PATH, fd:// or tcp://127.0.0.1:PORT", host);
}

struct berth_engine *api_engine(struct api_ctx *x)
{
	struct berth_engine_opts o = {
		.root = x->opts->root,
		.cgroup_manager = x->opts->cgroup_manager,
	};
	_cleanup_(berth_error_freep) struct berth_error *e = NULL;

	if (!x->engine && berth_engine_open(&o, &x->engine, &e) < 0)
		http_error(x->conn, 500, "%s", berth_error_message(e));
	return x->engine;
}

/* One connection's requests, in its own process, until it ends. */
static _Noreturn void serve_connection(int fd, int replay_fd, const struct serve_opts *opts)
{
	struct http_conn *c = calloc(1, sizeof(*c));
	struct http_req req = { 0 };
	struct api_ctx x = { .opts = opts, .req = &req };

	signal(SIGPIPE, SIG_IGN);
	if (!c)
		_exit(1);
	c->fd = fd;
	c->replay_fd = replay_fd;
	x.conn = c;
	while (!c->close) {
		int r = http_read_request(c, &req);

		if (r != 0)
			break;
		x.arg[0] = x.arg[1] = NULL;
		(void)api_dispatch(&x);
		/* --debug: a line per request, as dockerd's debug log has */
		if (opts->debug)
			fprintf(stderr, "berth serve: %s %s%s%s -> %d%s%s\n", req.method, req.path,
				req.query[0] ? "?" : "", req.query, c->status, c->error[0] ? ": " : "",
				c->error);
		c->error[0] = 0;
		free(x.arg[0]);
		free(x.arg[1]);
		if (!c->sent) {
			c->close = true;
			break;
		}
		/* what the handler left of the body: read, so the next request starts clean */
		if (!c->close && http_body_drain(c, &req) < 0)
			break;
	}
	http_req_clear(&req);
	berth_engine_free(x.engine);
	shutdown(fd, SHUT_RDWR);
	_exit(0);
}


/* The path again as a request target: what is not plain is %-escaped. */
static void put_path(FILE *f, const char *path)
{
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if (isalnum(*p) || strchr("/-._~:@!$&'()*+,;=", *p))
			fputc(*p, f);
		else
			fprintf(f, "%%%02X", *p);
}

int api_handoff(struct api_ctx *x)
{
	struct http_conn *c = x->conn;
	struct http_req *r = x->req;
	_cleanup_free_ char *full = berth_helper_path("berth-full");
	_cleanup_close_ int mfd = memfd_create("berth-request", MFD_CLOEXEC);
	const char *args[12];
	size_t n = 0;
	int fd, rfd;
	FILE *f;

	if (!full || mfd < 0)
		return http_error(c, 500, "hand the request to berth-full: %s",
				  full ? strerror(errno) : "out of memory");
	/* the request as it came, and what was read after it: berth-full reads them first */
	fd = fcntl(mfd, F_DUPFD_CLOEXEC, 0);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		if (fd >= 0)
			close(fd);
		return http_error(c, 500, "hand the request to berth-full: %m");
	}
	fprintf(f, "%s /v%s", r->method, r->version);
	put_path(f, r->path);
	fprintf(f, "%s%s HTTP/1.1\r\n", r->query[0] ? "?" : "", r->query);
	if (r->chunked)
		fputs("Transfer-Encoding: chunked\r\n", f);
	else if (r->content_length >= 0)
		fprintf(f, "Content-Length: %" PRId64 "\r\n", r->content_length);
	if (r->content_type)
		fprintf(f, "Content-Type: %s\r\n", r->content_type);
	if (r->registry_auth)
		fprintf(f, "X-Registry-Auth: %s\r\n", r->registry_auth);
	if (r->upgrade)
		fputs("Upgrade: tcp\r\n", f);
	if (c->close)
		fputs("Connection: close\r\n", f);
	fputs("\r\n", f);
	fwrite(c->buf + c->off, 1, c->len - c->off, f);
	if (fclose(f) != 0 || lseek(mfd, 0, SEEK_SET) < 0)
		return http_error(c, 500, "hand the request to berth-full: %m");
	args[n++] = "berth";
	if (x->opts->root) {
		args[n++] = "--root";
		args[n++] = x->opts->root;
	}
	if (x->opts->cgroup_manager) {
		args[n++] = "--cgroup-manager";
		args[n++] = x->opts->cgroup_manager;
	}
	if (x->opts->debug)
		args[n++] = "--debug";
	args[n++] = "serve";
	args[n++] = "--connection";
	args[n] = NULL;
	/* the connection on 0, the request on 3 (moved out of the way first: either could be
	 * on 0 or 3 already, and dup2 onto itself would keep close-on-exec) */
	fd = fcntl(c->fd, F_DUPFD_CLOEXEC, 10);
	rfd = fcntl(mfd, F_DUPFD_CLOEXEC, 10);
	if (fd < 0 || rfd < 0 || dup2(fd, STDIN_FILENO) < 0 || dup2(rfd, 3) < 0)
		return http_error(c, 500, "hand the request to berth-full: %m");
	execv(full, (char **)args);
	return http_error(c, 500, "hand the request to berth-full: run '%s': %m", full);
}

static void reap_children(struct server *s)
{
	pid_t pid;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
		for (size_t i = 0; i < s->n_children; i++)
			if (s->children[i] == pid) {
				s->children[i] = s->children[--s->n_children];
				break;
			}
}

static int serve_loop(struct server *s, const struct serve_opts *opts, struct berth_error **err)
{
	_cleanup_close_ int sigfd = -EBADF;
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	s->children = calloc(MAX_CONNECTIONS, sizeof(pid_t));
	if (sigfd < 0 || !s->children)
		return berth_error_set(err, errno ? errno : ENOMEM, "serve");
	for (;;) {
		struct pollfd p[MAX_LISTENERS + 1];
		bool stop = false;

		p[0] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
		for (size_t i = 0; i < s->n; i++)
			p[i + 1] = (struct pollfd){ .fd = s->l[i].fd, .events = POLLIN };
		if (poll(p, s->n + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return berth_error_set(err, errno, "serve: poll");
		}
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sigfd, &si, sizeof(si)) == sizeof(si))
				if (si.ssi_signo != SIGCHLD)
					stop = true;
			reap_children(s);
		}
		if (stop)
			break;
		for (size_t i = 0; i < s->n; i++) {
			int fd;
			pid_t pid;

			if (!(p[i + 1].revents & POLLIN))
				continue;
			fd = accept4(s->l[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd < 0)
				continue;
			if (s->n_children >= MAX_CONNECTIONS) {
				/* over the limit: refused rather than queued without end */
				struct http_conn c = { .fd = fd, .replay_fd = -1, .close = true };

				(void)http_error(&c, 503, "too many connections (%d)", MAX_CONNECTIONS);
				close(fd);
				continue;
			}
			pid = fork();
			if (pid == 0) {
				for (size_t j = 0; j < s->n; j++)
					close(s->l[j].fd);
				close(sigfd);
				sigprocmask(SIG_UNBLOCK, &mask, NULL);
				serve_connection(fd, -1, opts);
			}
			close(fd);
			if (pid > 0)
				s->children[s->n_children++] = pid;
		}
	}
	/* the connections end with the server (streams would otherwise outlive it); the
	 * containers do not */
	for (size_t i = 0; i < s->n_children; i++)
		(void)kill(s->children[i], SIGTERM);
	while (s->n_children > 0) {
		pid_t pid = wait(NULL);

		if (pid < 0 && errno != EINTR)
			break;
		for (size_t i = 0; pid > 0 && i < s->n_children; i++)
			if (s->children[i] == pid)
				s->children[i] = s->children[--s->n_children];
	}
	return 0;
}

int cmd_serve(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option options[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "group", required_argument, NULL, 'G' },
		{ "connection", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct serve_opts opts = {
		.root = cli->root,
		.cgroup_manager = cli->cgroup_manager,
		.debug = cli->debug,
	};
	_cleanup_strv_free_ char **hosts = NULL;
	const char *group = NULL;
	bool connection = false;
	struct server s = { 0 };
	int c, r = 0;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":H:G:h", options, NULL)) >= 0) {
		switch (c) {
		case 'H':
			if (strv_extend(&hosts, optarg) < 0)
				return berth_error_set(err, ENOMEM, "serve");
			break;
		case 'G':
			group = optarg;
			break;
		case 'C':
			connection = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (optind < argc)
		return cli_usage_error(cli, err, "\"berth serve\" accepts no arguments");
	/* berth's own: a connection handed over (api_handoff), on 0, its request on 3 */
	if (connection)
		serve_connection(STDIN_FILENO, 3, &opts);
	if (group && !getgrnam(group))
		return berth_error_new(err, EINVAL, "--group '%s': no such group", group);
	if (!hosts && strv_extend(&hosts, DEFAULT_HOST) < 0)
		return berth_error_set(err, ENOMEM, "serve");
	for (char **h = hosts; *h && r >= 0; h++)
		r = listen_on(&s, *h, group, err);
	if (r >= 0) {
		/* the store made (and checked) before the first client */
		struct berth_engine_opts eo = { .root = opts.root,
						.cgroup_manager = opts.cgroup_manager };
		struct berth_engine *engine = NULL;

		r = berth_engine_open(&eo, &engine, err);
		berth_engine_free(engine);
	}
	if (r >= 0) {
		fflush(stdout);
		r = serve_loop(&s, &opts, err);
	}
	for (size_t i = 0; i < s.n; i++) {
		close(s.l[i].fd);
		if (s.l[i].unlink_path)
			(void)unlink(s.l[i].unlink_path);
		free(s.l[i].unlink_path);
	}
	free(s.children);
	return r < 0 ? r : 0;
}
