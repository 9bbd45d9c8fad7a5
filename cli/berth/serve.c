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
	"                     tcp://IP:PORT (loopback only unless --tlsverify)\n"
	"  -G, --group NAME   Group owning unix sockets (default \"berth\", root when\n"
	"                     there is no such group)\n"
	"      --tls          Use TLS on TCP sockets; implied by --tlsverify\n"
	"      --tlsverify    Use TLS and accept only clients with a certificate\n"
	"                     --tlscacert signed\n"
	"      --tlscacert PATH  Trust client certificates signed only by this CA\n"
	"                     (default \"~/.docker/ca.pem\")\n"
	"      --tlscert PATH Path to the server's TLS certificate (default\n"
	"                     \"~/.docker/cert.pem\")\n"
	"      --tlskey PATH  Path to the server's TLS key (default \"~/.docker/key.pem\")\n"
	"  -h, --help         Print usage\n";

struct listener {
	int fd;
	char *unlink_path; /* a unix socket we made, removed at the end */
	bool tls;          /* a TCP socket with --tls */
};

struct server {
	struct listener l[MAX_LISTENERS];
	size_t n;
	pid_t *children;
	size_t n_children;
};

/* Listening sockets systemd passed (LISTEN_PID, LISTEN_FDS: fds 3...). */
static int listen_fds(struct server *s, bool tls, struct berth_error **err)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int n;

	if (!pid || !fds || atol(pid) != (long)getpid())
		return berth_error_new(err, EINVAL,
				       "-H fd://: no sockets passed (LISTEN_PID, LISTEN_FDS)");
	n = atoi(fds);
	for (int i = 0; i < n && s->n < MAX_LISTENERS; i++) {
		int fd = 3 + i;

		struct sockaddr_storage sa;
		socklen_t len = sizeof(sa);

		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
		s->l[s->n++] = (struct listener){
			.fd = fd,
			.tls = tls && getsockname(fd, (struct sockaddr *)&sa, &len) == 0 &&
			       (sa.ss_family == AF_INET || sa.ss_family == AF_INET6),
		};
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

/* tcp://HOST:PORT: the API is root on this host, so an address beyond loopback only for
 * clients TLS verifies (--tlsverify). */
static int listen_tcp(struct server *s, const char *addr, const struct serve_tls *tls,
		      struct berth_error **err)
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
	if ((ntohl(sa.sin_addr.s_addr) >> 24) != 127 && !tls->verify)
		return berth_error_new(err, EINVAL,
				       "-H tcp://%s: an address beyond loopback (127.0.0.0/8) needs "
				       "--tlsverify: the API is root on this host",
				       addr);
	sa.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return berth_error_set(err, errno, "socket");
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 512) < 0)
		return berth_error_set(err, errno, "-H tcp://%s", addr);
	s->l[s->n].tls = tls->on;
	s->l[s->n++].fd = TAKE_FD(fd);
	return 0;
}

static int listen_on(struct server *s, const char *host, const char *group,
		     const struct serve_tls *tls, struct berth_error **err)
{
	if (s->n >= MAX_LISTENERS)
		return berth_error_new(err, EINVAL, "-H %s: too many addresses", host);
	if (startswith(host, "unix://"))
		return listen_unix(s, host + 7, group, err);
	if (streq(host, "fd://"))
		return listen_fds(s, tls->on, err);
	if (startswith(host, "tcp://"))
		return listen_tcp(s, host + 6, tls, err);
	if (host[0] == '/')
		return listen_unix(s, host, group, err);
	return berth_error_new(err, EINVAL,
			       "-H %s: not unix:///PATH, fd:// or tcp://IP:PORT", host);
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
_Noreturn void serve_connection(int fd, int replay_fd, const struct serve_opts *opts)
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

/* This process becomes berth-full's `serve` with the same options and extra (one
 * argument); returns (-errno) only when it cannot. */
static int exec_full(const struct serve_opts *o, const char *extra)
{
	_cleanup_free_ char *full = berth_helper_path("berth-full");
	const char *args[24];
	size_t n = 0;

	if (!full)
		return -ENOMEM;
	args[n++] = "berth";
	if (o->root) {
		args[n++] = "--root";
		args[n++] = o->root;
	}
	if (o->cgroup_manager) {
		args[n++] = "--cgroup-manager";
		args[n++] = o->cgroup_manager;
	}
	if (o->debug)
		args[n++] = "--debug";
	args[n++] = "serve";
	if (o->tls.on) {
		args[n++] = o->tls.verify ? "--tlsverify" : "--tls";
		args[n++] = "--tlscacert";
		args[n++] = o->tls.ca;
		args[n++] = "--tlscert";
		args[n++] = o->tls.cert;
		args[n++] = "--tlskey";
		args[n++] = o->tls.key;
	}
	args[n++] = extra;
	args[n] = NULL;
	fflush(stdout);
	fflush(stderr);
	execv(full, (char **)args);
	return -errno;
}

/* A TLS connection's process: berth-full's (it links libssl), given the socket on 0. */
static _Noreturn void serve_tls(int fd, const struct serve_opts *opts)
{
#ifdef BERTH_SERVE_FULL
	serve_tls_connection(fd, opts);
#else
	char arg[64];
	int r;

	snprintf(arg, sizeof(arg), "--tls-connection=%d", fd);
	r = fcntl(fd, F_SETFD, 0) < 0 ? -errno : exec_full(opts, arg);
	fprintf(stderr, "berth serve: a TLS connection: %s\n", strerror(-r));
	_exit(1);
#endif
}

int api_handoff(struct api_ctx *x)
{
	struct http_conn *c = x->conn;
	struct http_req *r = x->req;
	_cleanup_close_ int mfd = memfd_create("berth-request", MFD_CLOEXEC);
	int fd, e;
	FILE *f;

	if (mfd < 0)
		return http_error(c, 500, "hand the request to berth-full: %m");
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
	/* the connection and the request, by their numbers: both kept across the exec (and
	 * nothing else of this process's taken over, should the exec fail) */
	{
		char arg[64];

		snprintf(arg, sizeof(arg), "--connection=%d,%d", c->fd, mfd);
		if (fcntl(c->fd, F_SETFD, 0) < 0 || fcntl(mfd, F_SETFD, 0) < 0)
			e = -errno;
		else
			e = exec_full(x->opts, arg);
	}
	(void)fcntl(c->fd, F_SETFD, FD_CLOEXEC);
	c->close = true;
	return http_error(c, 500, "hand the request to berth-full: %s", strerror(-e));
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
				if (s->l[i].tls)
					serve_tls(fd, opts);
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

enum {
	OPT_TLS = 0x100,
	OPT_TLSVERIFY,
	OPT_TLSCACERT,
	OPT_TLSCERT,
	OPT_TLSKEY,
	OPT_CONNECTION,
	OPT_TLS_CONNECTION,
	OPT_TLS_CHECK,
};

/* docker's defaults: ca.pem, cert.pem and key.pem in $DOCKER_CERT_PATH or ~/.docker */
static int tls_defaults(struct serve_tls *t)
{
	const char *dir = getenv("DOCKER_CERT_PATH"), *home = getenv("HOME");
	_cleanup_free_ char *d = dir && *dir ? strdup(dir) : xasprintf("%s/.docker",
									home && *home ? home : "/root");

	if (!d)
		return -ENOMEM;
	if (!t->ca)
		t->ca = xasprintf("%s/ca.pem", d);
	if (!t->cert)
		t->cert = xasprintf("%s/cert.pem", d);
	if (!t->key)
		t->key = xasprintf("%s/key.pem", d);
	return t->ca && t->cert && t->key ? 0 : -ENOMEM;
}

/* The TLS flags' files, before the first client: 0 when they do; else berth-full has
 * said what is wrong and its exit status is returned (> 0), or -errno with *err. */
static int tls_check(const struct serve_opts *o, struct berth_error **err)
{
#ifdef BERTH_SERVE_FULL
	return serve_tls_check(&o->tls, err);
#else
	int status, r;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return berth_error_set(err, errno, "serve: fork");
	if (pid == 0) {
		r = exec_full(o, "--tls-check");
		fprintf(stderr, "berth: serve: run berth-full: %s\n", strerror(-r));
		_exit(125);
	}
	if (waitpid(pid, &status, 0) < 0)
		return berth_error_set(err, errno, "serve: wait");
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 125;
#endif
}

int cmd_serve(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	static const struct option options[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "group", required_argument, NULL, 'G' },
		{ "tls", no_argument, NULL, OPT_TLS },
		{ "tlsverify", no_argument, NULL, OPT_TLSVERIFY },
		{ "tlscacert", required_argument, NULL, OPT_TLSCACERT },
		{ "tlscert", required_argument, NULL, OPT_TLSCERT },
		{ "tlskey", required_argument, NULL, OPT_TLSKEY },
		/* berth's own (api_handoff, serve_tls, tls_check) */
		{ "connection", required_argument, NULL, OPT_CONNECTION },
		{ "tls-connection", required_argument, NULL, OPT_TLS_CONNECTION },
		{ "tls-check", no_argument, NULL, OPT_TLS_CHECK },
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
	int connection = 0, conn_fd = -1, req_fd = -1;
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
		case OPT_TLSVERIFY:
			opts.tls.verify = true;
			__attribute__((fallthrough));
		case OPT_TLS:
			opts.tls.on = true;
			break;
		case OPT_TLSCACERT:
		case OPT_TLSCERT:
		case OPT_TLSKEY: {
			char **f = c == OPT_TLSCACERT ? &opts.tls.ca
				   : c == OPT_TLSCERT ? &opts.tls.cert
						      : &opts.tls.key;

			free(*f);
			*f = strdup(optarg);
			if (!*f)
				return berth_error_set(err, ENOMEM, "serve");
			break;
		}
		case OPT_CONNECTION:
		case OPT_TLS_CONNECTION:
			/* FD[,REQUEST_FD], each kept from then on from what this one runs */
			if (sscanf(optarg, "%d,%d", &conn_fd, &req_fd) < 1 || conn_fd < 0 ||
			    fcntl(conn_fd, F_SETFD, FD_CLOEXEC) < 0 ||
			    (req_fd >= 0 && fcntl(req_fd, F_SETFD, FD_CLOEXEC) < 0))
				return berth_error_new(err, EINVAL, "serve: --%s=%s: no such descriptor",
						       c == OPT_CONNECTION ? "connection"
									   : "tls-connection",
						       optarg);
			connection = c;
			break;
		case OPT_TLS_CHECK:
			connection = c;
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
	if (opts.tls.on && tls_defaults(&opts.tls) < 0) {
		r = berth_error_set(err, ENOMEM, "serve");
		goto out;
	}
	/* berth's own: a connection handed over (api_handoff) with the request it read; a TLS
	 * connection (serve_tls); the TLS flags' files checked (tls_check) */
	if (connection == OPT_CONNECTION)
		serve_connection(conn_fd, req_fd, &opts);
#ifdef BERTH_SERVE_FULL
	if (connection == OPT_TLS_CONNECTION)
		serve_tls_connection(conn_fd, &opts);
	if (connection == OPT_TLS_CHECK) {
		r = serve_tls_check(&opts.tls, err);
		goto out;
	}
#endif
	if (connection) {
		r = berth_error_new(err, EINVAL, "serve: --%s is berth-full's",
				    connection == OPT_TLS_CHECK ? "tls-check" : "tls-connection");
		goto out;
	}
	if (group && !getgrnam(group)) {
		r = berth_error_new(err, EINVAL, "--group '%s': no such group", group);
		goto out;
	}
	if (opts.tls.on) {
		r = tls_check(&opts, err);
		if (r != 0)
			goto out;
	}
	if (!hosts && strv_extend(&hosts, DEFAULT_HOST) < 0) {
		r = berth_error_set(err, ENOMEM, "serve");
		goto out;
	}
	for (char **h = hosts; *h && r >= 0; h++)
		r = listen_on(&s, *h, group, &opts.tls, err);
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
out:
	free(opts.tls.ca);
	free(opts.tls.cert);
	free(opts.tls.key);
	return r; /* > 0: berth-full's exit status, its error said (tls_check) */
}
