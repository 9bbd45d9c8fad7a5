/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * TLS for `berth serve`'s TCP sockets (docker's --tls, --tlsverify, --tlscacert,
 * --tlscert, --tlskey), in berth-full (libssl): `berth` hands each TLS connection over
 * (`serve --tls-connection`). The connection's process does the handshake, then answers
 * the requests in a child on one end of a socket pair while it relays the other end
 * through TLS: the HTTP code, hijacked streams and tar responses written straight to the
 * socket work unchanged, and a half-close (docker's attach closing its input) crosses
 * as close_notify one way and shutdown(SHUT_WR) the other.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "berth/cleanup.h"
#include "berth/util.h"
#include "serve.h"

#define HANDSHAKE_TIMEOUT_S 30

/* OpenSSL's reason for the last failure ("no certificate or crl found", ...) */
static const char *ssl_reason(void)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e ? ERR_reason_error_string(e) : NULL;

	return r ? r : "not valid";
}

static SSL_CTX *tls_context(const struct serve_tls *t, struct berth_error **err)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx) {
		berth_error_new(err, ENOMEM, "TLS: %s", ssl_reason());
		return NULL;
	}
	(void)SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, t->cert) != 1)
		berth_error_new(err, EINVAL, "--tlscert '%s': %s", t->cert, ssl_reason());
	else if (SSL_CTX_use_PrivateKey_file(ctx, t->key, SSL_FILETYPE_PEM) != 1 ||
		 SSL_CTX_check_private_key(ctx) != 1) {
		if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH ||
		    ERR_peek_last_error() == 0)
			berth_error_new(err, EINVAL, "--tlskey '%s' is not the key of --tlscert '%s'",
					t->key, t->cert);
		else
			berth_error_new(err, EINVAL, "--tlskey '%s': %s", t->key, ssl_reason());
	}
	else if (t->verify && SSL_CTX_load_verify_locations(ctx, t->ca, NULL) != 1)
		berth_error_new(err, EINVAL, "--tlscacert '%s': %s", t->ca, ssl_reason());
	else {
		if (t->verify)
			SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
					   NULL);
		return ctx;
	}
	SSL_CTX_free(ctx);
	return NULL;
}

int serve_tls_check(const struct serve_tls *t, struct berth_error **err)
{
	SSL_CTX *ctx = tls_context(t, err);

	if (!ctx)
		return -EINVAL;
	SSL_CTX_free(ctx);
	return 0;
}

static int write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Between the client (TLS on fd) and the requests' process (plain on local) until the
 * requests' side ends. */
static void relay(SSL *ssl, int fd, int local)
{
	char buf[65536];
	bool in_done = false;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = local, .events = POLLIN },
			{ .fd = in_done ? -1 : fd, .events = POLLIN },
		};
		ssize_t n;

		/* what OpenSSL holds already is not on the socket for poll to see */
		if (in_done || SSL_pending(ssl) == 0) {
			if (poll(p, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				return;
			}
		} else {
			p[1].revents = POLLIN;
			p[0].revents = 0;
		}
		if (p[1].revents) {
			int r = SSL_read(ssl, buf, sizeof(buf));

			if (r > 0) {
				if (write_all(local, buf, (size_t)r) < 0)
					return;
			} else {
				/* close_notify or the end of the socket: the client sends no more */
				in_done = true;
				shutdown(local, SHUT_WR);
			}
		}
		if (p[0].revents) {
			do
				n = read(local, buf, sizeof(buf));
			while (n < 0 && errno == EINTR);
			if (n <= 0) {
				(void)SSL_shutdown(ssl);
				return;
			}
			if (SSL_write(ssl, buf, (int)n) <= 0)
				return;
		}
	}
}

/* A client speaking plain HTTP to the TLS socket gets what Go's servers (dockerd's) say,
 * which docker's CLI shows: a TLS connection begins with a handshake record (22). */
static bool plain_http(int fd)
{
	static const char msg[] = "HTTP/1.0 400 Bad Request\r\n\r\n"
				  "Client sent an HTTP request to an HTTPS server.\n";
	unsigned char b;
	ssize_t n;

	do
		n = recv(fd, &b, 1, MSG_PEEK);
	while (n < 0 && errno == EINTR);
	if (n != 1 || b < 'A' || b > 'Z')
		return false;
	(void)write_all(fd, msg, sizeof(msg) - 1);
	/* closed with the request unread, the socket would be reset before the client reads
	 * the answer: it is read to its end first (or for a second) */
	shutdown(fd, SHUT_WR);
	{
		struct timeval tv = { .tv_sec = 1 };
		char buf[4096];

		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		while (read(fd, buf, sizeof(buf)) > 0)
			;
	}
	return true;
}

_Noreturn void serve_tls_connection(int fd, const struct serve_opts *opts)
{
	_cleanup_(berth_error_freep) struct berth_error *err = NULL;
	struct timeval tv = { .tv_sec = HANDSHAKE_TIMEOUT_S };
	SSL_CTX *ctx = tls_context(&opts->tls, &err);
	int sp[2];
	SSL *ssl;
	pid_t pid;

	signal(SIGPIPE, SIG_IGN);
	if (!ctx) {
		fprintf(stderr, "berth serve: %s\n", berth_error_message(err));
		_exit(1);
	}
	ssl = SSL_new(ctx);
	/* a client that never finishes its handshake cannot hold the process */
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (plain_http(fd))
		_exit(0);
	if (!ssl || SSL_set_fd(ssl, fd) != 1 || SSL_accept(ssl) != 1) {
		if (opts->debug)
			fprintf(stderr, "berth serve: TLS handshake: %s\n", ssl_reason());
		_exit(0);
	}
	tv.tv_sec = 0;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		_exit(1);
	pid = fork();
	if (pid < 0)
		_exit(1);
	if (pid == 0) {
		/* the requests end with the relay */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(sp[0]);
		close(fd);
		serve_connection(sp[1], -1, opts);
	}
	close(sp[1]);
	relay(ssl, fd, sp[0]);
	close(sp[0]);
	(void)waitpid(pid, NULL, 0);
	_exit(0);
}
