/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "berth/engine.h"
#include "berth/cleanup.h"
#include "cli.h"

/* the engine relays our own stdio: a front door's to give */
static const struct berth_stdio our_stdio = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO};

int cmd_attach(int argc, char **argv, struct berth_cli *cli, struct berth_error **err)
{
	enum { OPT_NO_STDIN = 0x100, OPT_HELP, OPT_DETACH_KEYS, OPT_SIG_PROXY };
	static const struct option options[] = {
		{ "no-stdin", no_argument, NULL, OPT_NO_STDIN },
		{ "detach-keys", required_argument, NULL, OPT_DETACH_KEYS },
		{ "sig-proxy", optional_argument, NULL, OPT_SIG_PROXY },
		{ "help", no_argument, NULL, OPT_HELP },
		{},
	};
	_cleanup_(berth_engine_freep) struct berth_engine *engine = NULL;
	struct berth_stdio io = our_stdio;
	bool no_stdin = false, sig_proxy = true;
	char keys[BERTH_DETACH_KEYS_MAX];
	size_t n_keys;
	int c, r, status = 0;

	opterr = 0;
	while ((c = cli_getopt(argc, argv, ":h", options, NULL)) >= 0) {
		switch (c) {
		case OPT_NO_STDIN:
			no_stdin = true;
			break;
		case OPT_DETACH_KEYS:
			io.detach_keys = optarg;
			break;
		case OPT_SIG_PROXY:
			r = cli_parse_bool(cli, "sig-proxy", optarg, &sig_proxy, err);
			if (r < 0)
				return r;
			break;
		case OPT_HELP:
		case 'h':
			printf("Usage:  berth attach [OPTIONS] CONTAINER\n\n"
			       "Attach our input and output to a running container (ctrl-p ctrl-q\n"
			       "detaches from one with a terminal)\n\nOptions:\n"
			       "      --detach-keys KEYS  Keys that detach (default \"ctrl-p,ctrl-q\")\n"
			       "      --no-stdin          Do not attach our input\n"
			       "      --sig-proxy[=BOOL]  Send the signals we get to the container\n"
			       "                          (default true)\n");
			return 0;
		default:
			return cli_getopt_error(cli, argv, c, err);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(cli, err, "\"berth attach\" requires exactly 1 argument");
	io.no_signals = !sig_proxy;
	if (io.detach_keys && *io.detach_keys) {
		r = berth_detach_keys_parse(io.detach_keys, keys, &n_keys, err);
		if (r < 0)
			return r;
	}
	r = cli_open_engine(cli, &engine, err);
	if (r < 0)
		return r;
	r = berth_engine_attach(engine, argv[optind], no_stdin, &io, &status, err);
	if (r == 1) {
		/* docker's attach ends with the error its escape proxy read */
		fputs("read escape sequence\n", stderr);
		return 1;
	}
	return r < 0 ? r : status;
}
