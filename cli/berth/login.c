/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `berth login [-u USER] [-p PASS | --password-stdin] REGISTRY` and `berth logout
 * REGISTRY`, docker's verbs: credentials checked against the registry, then kept in
 * docker's config.json (see lib/image/credentials.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "berth/cleanup.h"
#include "cli.h"
#include "berth/util.h"

static void login_usage(FILE *f)
{
	fprintf(f, "Usage:  berth login [OPTIONS] REGISTRY\n"
		   "\n"
		   "Log in to a registry (host[:port]; docker.io for Docker Hub): the\n"
		   "credentials are checked, then stored in the credentials file.\n"
		   "\n"
		   "Options:\n"
		   "      --authfile FILE     Credentials file (default $DOCKER_CONFIG/config.json\n"
		   "                          or ~/.docker/config.json)\n"
		   "  -u, --username USER     Username (asked on a terminal if not given)\n"
		   "  -p, --password PASS     Password (visible to other users: prefer\n"
		   "                          --password-stdin)\n"
		   "      --password-stdin    Read the password from stdin\n"
		   "      --tls-verify[=BOOL] Check the registry's certificate (default true);\n"
		   "                          false also allows plain http\n"
		   "  -h, --help              Print this help\n");
}

static void logout_usage(FILE *f)
{
	fprintf(f, "Usage:  berth logout [OPTIONS] REGISTRY\n"
		   "\n"
		   "Remove the stored credentials for a registry.\n"
		   "\n"
		   "Options:\n"
		   "      --authfile FILE   Credentials file (default $DOCKER_CONFIG/config.json\n"
		   "                        or ~/.docker/config.json)\n"
		   "  -h, --help            Print this help\n");
}

/* One line from f without its newline; with echo off when f is a terminal and secret. */
static int read_line(FILE *f, bool secret, char **ret)
{
	struct termios old, quiet;
	bool restore = false;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (secret && isatty(fileno(f)) && tcgetattr(fileno(f), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(fileno(f), TCSAFLUSH, &quiet) == 0;
	}
	n = getline(&line, &cap, f);
	if (restore) {
		tcsetattr(fileno(f), TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (n < 0) {
		free(line);
		return -EIO;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = 0;
	*ret = line;
	return 0;
}

int cmd_login(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	enum { OPT_TLS_VERIFY = 0x100, OPT_AUTHFILE, OPT_PASSWORD_STDIN };
	static const struct option options[] = {
	    {"username", required_argument, NULL, 'u'},
	    {"password", required_argument, NULL, 'p'},
	    {"password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN},
	    {"tls-verify", optional_argument, NULL, OPT_TLS_VERIFY},
	    {"authfile", required_argument, NULL, OPT_AUTHFILE},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	_cleanup_free_ char *user = NULL, *pass = NULL;
	struct berth_registry_options o = {0};
	bool verify = true, from_stdin = false;
	int c, r;

	while ((c = cli_getopt(argc, argv, ":u:p:h", options, NULL)) >= 0) {
		switch (c) {
		case 'u':
			free(user);
			user = strdup(optarg);
			if (!user)
				return berth_error_set(err, ENOMEM, "login");
			break;
		case 'p':
			free(pass);
			pass = strdup(optarg);
			if (!pass)
				return berth_error_set(err, ENOMEM, "login");
			break;
		case OPT_PASSWORD_STDIN:
			from_stdin = true;
			break;
		case OPT_TLS_VERIFY:
			r = cli_parse_bool(cli, "tls-verify", optarg, &verify, err);
			if (r < 0)
				return r;
			o.insecure = !verify;
			break;
		case OPT_AUTHFILE:
			o.auth_file = optarg;
			break;
		case 'h':
			login_usage(stdout);
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(cli, err, "\"login\" requires exactly 1 argument");
	if (from_stdin && pass)
		return cli_usage_error(cli, err, "--password and --password-stdin are exclusive");
	if (from_stdin && !user)
		return cli_usage_error(cli, err, "--password-stdin needs --username");
	if (pass)
		fprintf(stderr, "WARNING! Using --password via the CLI is insecure. Use "
				"--password-stdin.\n");
	if (!user) {
		if (!isatty(STDIN_FILENO))
			return cli_usage_error(cli, err, "no --username and stdin is not a terminal");
		fprintf(stderr, "Username: ");
		if (read_line(stdin, false, &user) < 0 || !*user)
			return berth_error_new(err, EINVAL, "login: no username");
	}
	if (!pass) {
		if (!from_stdin) {
			if (!isatty(STDIN_FILENO))
				return cli_usage_error(cli, err, "no --password or --password-stdin "
						       "and stdin is not a terminal");
			fprintf(stderr, "Password: ");
		}
		if (read_line(stdin, true, &pass) < 0)
			return berth_error_new(err, EINVAL, "login: no password on stdin");
	}
	r = berth_registry_login(argv[optind], user, pass, &o, err);
	explicit_bzero(pass, strlen(pass));
	if (r < 0)
		return berth_error_wrap(err, "login '%s'", argv[optind]);
	printf("Login Succeeded\n");
	return fflush(stdout) == 0 ? 0 : berth_error_set(err, errno, "write");
}

int cmd_logout(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	enum { OPT_AUTHFILE = 0x100 };
	static const struct option options[] = {
	    {"authfile", required_argument, NULL, OPT_AUTHFILE},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	struct berth_registry_options o = {0};
	int c, r;

	while ((c = cli_getopt(argc, argv, ":h", options, NULL)) >= 0) {
		switch (c) {
		case OPT_AUTHFILE:
			o.auth_file = optarg;
			break;
		case 'h':
			logout_usage(stdout);
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(cli, err, "\"logout\" requires exactly 1 argument");
	r = berth_registry_logout(argv[optind], &o, err);
	if (r < 0)
		return berth_error_wrap(err, "logout '%s'", argv[optind]);
	printf("Removed login credentials for %s\n", argv[optind]);
	return fflush(stdout) == 0 ? 0 : berth_error_set(err, errno, "write");
}
